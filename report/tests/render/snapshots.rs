//! Snapshots of the CSV and Markdown reports and of the HTML reports' structure.
//!
//! The period 2026-03-09 … 03-13 has a suppressed day (03-10) and a previous period with data.

use confstats_report::{Lang, ReportFormat};

use crate::fixture::{self, Options, SCHOOL_A};
use crate::{file, opts, render};

const FROM: Option<&str> = Some("2026-03-09");
const TO: Option<&str> = Some("2026-03-13");

fn rendered(lang: Lang, format: ReportFormat) -> Vec<confstats_report::ReportFile> {
    let dir = fixture::write(Options::default());
    render(dir.path(), &opts(None, FROM, TO, lang, format))
}

#[test]
fn csv_school_report() {
    let files = rendered(Lang::De, ReportFormat::Csv);
    insta::assert_snapshot!("csv_school", file(&files, &format!("{SCHOOL_A}.de.csv")));
}

#[test]
fn csv_is_the_same_in_both_languages() {
    let de = rendered(Lang::De, ReportFormat::Csv);
    let en = rendered(Lang::En, ReportFormat::Csv);
    assert_eq!(file(&de, "overview.de.csv"), file(&en, "overview.en.csv"));
    assert_eq!(file(&de, &format!("{SCHOOL_A}.de.csv")), file(&en, &format!("{SCHOOL_A}.en.csv")));
}

#[test]
fn csv_overview() {
    let files = rendered(Lang::En, ReportFormat::Csv);
    insta::assert_snapshot!("csv_overview", file(&files, "overview.en.csv"));
}

#[test]
fn markdown_school_report_german() {
    let files = rendered(Lang::De, ReportFormat::Markdown);
    insta::assert_snapshot!("md_school_de", file(&files, &format!("{SCHOOL_A}.de.md")));
}

#[test]
fn markdown_school_report_english() {
    let files = rendered(Lang::En, ReportFormat::Markdown);
    insta::assert_snapshot!("md_school_en", file(&files, &format!("{SCHOOL_A}.en.md")));
}

#[test]
fn markdown_overview_german() {
    let files = rendered(Lang::De, ReportFormat::Markdown);
    insta::assert_snapshot!("md_overview_de", file(&files, "overview.de.md"));
}

/// The outline of a page: section ids, headings, table headers and chart titles, in order.
fn outline(html: &str) -> String {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let end = rest.find('>').unwrap();
        let tag = &rest[1..end];
        let body = &rest[end + 1..];
        let text = |close: &str| body[..body.find(close).unwrap()].to_owned();
        if let Some(id) = tag.strip_prefix("section id=\"") {
            out.push(format!("section #{}", &id[..id.find('"').unwrap()]));
        } else if tag.starts_with("h1") || tag.starts_with("h2") || tag.starts_with("h3") {
            out.push(format!("  {} {}", &tag[..2], text(&format!("</{}>", &tag[..2]))));
        } else if tag == "thead" {
            let head = text("</thead>");
            let cells: Vec<&str> = head
                .split("</th>")
                .filter_map(|c| c.rfind('>').map(|i| &c[i + 1..]))
                .filter(|c| !c.is_empty())
                .collect();
            out.push(format!("    table: {}", cells.join(" | ")));
        } else if tag.starts_with("svg ") {
            let title_start = body.find("<title").unwrap();
            let title = &body[title_start..];
            let title = &title[title.find('>').unwrap() + 1..title.find("</title>").unwrap()];
            out.push(format!("    chart: {title}"));
        }
        rest = &rest[end + 1..];
    }
    out.join("\n")
}

#[test]
fn html_school_structure_german() {
    let files = rendered(Lang::De, ReportFormat::Html);
    insta::assert_snapshot!("html_school_de_outline", outline(file(&files, &format!("{SCHOOL_A}.de.html"))));
}

#[test]
fn html_overview_structure_english() {
    let files = rendered(Lang::En, ReportFormat::Html);
    insta::assert_snapshot!("html_overview_en_outline", outline(file(&files, "overview.en.html")));
}
