//! Integration tests of `confstats_report::render_reports` on a statistics fixture written in
//! the layout of the aggregation step (see `fixture.rs`).

// Test helpers may unwrap: a panic is the failure report here (clippy.toml allows it in tests).
#![allow(clippy::unwrap_used)]

mod fixture;
mod html;
mod periods;
mod snapshots;

use std::path::Path;

use chrono::NaiveDate;
use confstats_report::{Lang, ReportFile, ReportFormat, ReportOptions, render_reports};

/// Options for one school (or all when `school` is `None`) and an explicit period.
fn opts(school: Option<&str>, from: Option<&str>, to: Option<&str>, lang: Lang, format: ReportFormat) -> ReportOptions {
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    ReportOptions { school: school.map(str::to_owned), from: from.map(date), to: to.map(date), lang, format }
}

fn render(dir: &Path, opts: &ReportOptions) -> Vec<ReportFile> {
    render_reports(dir, opts).unwrap()
}

/// The text of the file named `name`.
fn file<'a>(files: &'a [ReportFile], name: &str) -> &'a str {
    let f = files
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no {name} among {:?}", files.iter().map(|f| &f.name).collect::<Vec<_>>()));
    std::str::from_utf8(&f.contents).unwrap()
}

/// The one school report of `school` as parsed JSON.
fn school_json(dir: &Path, school: &str, from: Option<&str>, to: Option<&str>) -> serde_json::Value {
    let files = render(dir, &opts(Some(school), from, to, Lang::De, ReportFormat::Json));
    assert_eq!(files.len(), 1);
    serde_json::from_slice(&files[0].contents).unwrap()
}
