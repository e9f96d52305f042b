//! Reports for school leaders and the provider, rendered from the released statistics.
//!
//! [`render_reports`] reads `DATA/stats/` (written by the aggregation step, see
//! [`crate::ALL_TABLES`]) and returns one report per school plus the provider's overview
//! `overview.<lang>.<ext>`. Only released cells are used (DESIGN.md "Weekly/monthly"):
//!
//! - counts and minutes of a period are sums of the released days, peaks their maximum;
//! - shares are recomputed from summed numerators and denominators (never averaged);
//! - the median and 90th percentile of conference durations are read from the summed duration
//!   buckets and given as a bucket (`30–45 min`);
//! - people over several days are participant-days, never distinct persons;
//! - a figure to which a suppressed cell would have contributed is *partial* (marked `*`, with
//!   the number of suppressed days); a figure made of suppressed cells only is shown as `.`.
//!
//! The period is `[from, to]`: by default the four weeks (28 days) ending on the latest date with
//! statistics; the previous period has the same length and ends the day before `from`.
//!
//! # Formats
//! - **HTML**: one self-contained file (inline CSS and SVG, no script, nothing loaded from
//!   elsewhere), readable on a phone and printable.
//! - **CSV**: one tidy table with the columns `scope,section,period,key,figure,value,status`:
//!   `scope` is the school id or `fleet`; `section` the report section (`headline`, `daily`,
//!   `weekly`, `monthly`, `hours`, `durations`, `sizes`, `clients`, `media`, `features`,
//!   `problems`, `errors`, `quality`; in the overview `totals`, `schools`, `servers`, `funnel`,
//!   `fleet_errors`, `sizes`, `quality`); `period` an ISO 8601 interval `from/to` or one date;
//!   `key` the breakdown cell as `name=value` pairs joined by `;` (empty for none); `figure` the
//!   figure's name; `value` a plain machine number (`.` decimal point, shares as fractions 0–1,
//!   empty when suppressed or unavailable); `status` empty (released), `partial`, `suppressed` or
//!   `unavailable`. The CSV is the same in both languages.
//! - **JSON**: the same figures, structured (`schema_version`, `k`, `period`, `previous_period`,
//!   then one member per section); every figure is `{"value": number|null, "status": …}`.
//! - **Markdown**: a compact version for e-mail: headline figures with trend, the most frequent
//!   problems and the note on anonymisation.

mod csv;
mod html;
mod i18n;
mod json;
mod load;
mod md;
mod model;
mod period;
mod svg;
#[cfg(test)]
mod tests;
mod vocabulary;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::error::{Error, Result};

pub use vocabulary::vocabulary;

/// The language of a report. Not personal data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// German (the default: the reports are read by German school leaders).
    #[default]
    De,
    /// English.
    En,
}

impl Lang {
    /// The language code (`de`, `en`), also used in report file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "de" => Ok(Lang::De),
            "en" => Ok(Lang::En),
            _ => Err(Error::Config { field: "lang", reason: "expected `de` or `en`".to_owned() }),
        }
    }
}

/// The file format of a report. Not personal data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ReportFormat {
    /// One self-contained HTML file (inline CSS and SVG charts).
    #[default]
    Html,
    /// Tidy CSV rows (`scope,section,period,key,figure,value,status`).
    Csv,
    /// Structured JSON.
    Json,
    /// Compact Markdown for e-mail.
    Markdown,
}

impl ReportFormat {
    /// The file name extension (`html`, `csv`, `json`, `md`).
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Csv => "csv",
            ReportFormat::Json => "json",
            ReportFormat::Markdown => "md",
        }
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

impl FromStr for ReportFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "html" => Ok(ReportFormat::Html),
            "csv" => Ok(ReportFormat::Csv),
            "json" => Ok(ReportFormat::Json),
            "md" | "markdown" => Ok(ReportFormat::Markdown),
            _ => Err(Error::Config { field: "format", reason: "expected `html`, `csv`, `json` or `md`".to_owned() }),
        }
    }
}

/// What to report on and how. Holds no personal data (a school id is an IServ instance id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportOptions {
    /// Only this school (IServ instance id, e.g. `iserv-3f2a9c`); `None`: every school plus the
    /// provider's overview.
    pub school: Option<String>,
    /// First day of the period (local date); default: `to` − 27 days.
    pub from: Option<NaiveDate>,
    /// Last day of the period (local date); default: the latest date with statistics.
    pub to: Option<NaiveDate>,
    /// Language of the text (CSV and JSON are language-independent apart from the file name).
    pub lang: Lang,
    /// File format.
    pub format: ReportFormat,
}

/// One rendered report. Holds no personal data: it is built from released statistics only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// File name, e.g. `iserv-3f2a9c.de.html` or `overview.de.html`.
    pub name: String,
    /// The file's bytes (UTF-8 text).
    pub contents: Vec<u8>,
}

/// The file-name stem of the provider overview.
const OVERVIEW_STEM: &str = "overview";

/// Renders the school reports and the provider overview from the statistics under `data_dir/stats`.
///
/// Returns one report per school (only `opts.school` when given) and, unless a school was given,
/// the provider overview `overview.<lang>.<ext>`. The files are returned, not written: the caller
/// decides where they go (normally `DATA/reports/`).
///
/// # Errors
/// - [`Error::Config`] when `from` is after `to`;
/// - [`Error::NoData`] when there are no statistics (run `confstats aggregate` first) or the
///   requested school has none in the period;
/// - [`Error::SchemaVersion`] when the statistics were written by another layout version;
/// - [`Error::Io`] / [`Error::Polars`] when the statistics cannot be read.
pub fn render_reports(data_dir: &Path, opts: &ReportOptions) -> Result<Vec<ReportFile>> {
    if let (Some(from), Some(to)) = (opts.from, opts.to)
        && from > to
    {
        return Err(Error::Config { field: "from", reason: format!("{from} is after --to {to}") });
    }
    let stats = load::StatsDir::open(data_dir)?;
    let period = period::resolve(opts.from, opts.to, stats.latest())?;
    let tables = stats.load(period.previous().from, period.to)?;
    let ctx = model::Context::new(&stats, period);

    let schools = model::schools(&tables, &ctx)?;
    let selected: Vec<String> = match &opts.school {
        Some(school) => {
            if !schools.iter().any(|s| s == school) {
                return Err(Error::NoData(unknown_school_message(school, &schools, &ctx)));
            }
            vec![school.clone()]
        }
        None => schools.iter().filter(|s| s.as_str() != model::UNKNOWN_SCHOOL).cloned().collect(),
    };

    // Each school's report reads only its own rows; the overview reads every row.
    let school_rows = tables.school_rows()?;
    let mut files = Vec::with_capacity(selected.len() + 1);
    for school in &selected {
        // `schools` lists schools with rows only; without any, the report filters all rows.
        let own = school_rows.tables(school)?;
        let report = model::SchoolReport::build(own.as_ref().unwrap_or(&tables), &ctx, school)?;
        let contents = match opts.format {
            ReportFormat::Html => html::school(&report, opts.lang).into_bytes(),
            ReportFormat::Csv => csv::school(&report)?,
            ReportFormat::Json => json::school(&report, opts.lang)?,
            ReportFormat::Markdown => md::school(&report, opts.lang).into_bytes(),
        };
        files.push(ReportFile { name: file_name(&file_stem(school), opts), contents });
    }
    if opts.school.is_none() {
        let overview = model::Overview::build(&tables, &ctx)?;
        let contents = match opts.format {
            ReportFormat::Html => html::overview(&overview, opts.lang).into_bytes(),
            ReportFormat::Csv => csv::overview(&overview)?,
            ReportFormat::Json => json::overview(&overview, opts.lang)?,
            ReportFormat::Markdown => md::overview(&overview, opts.lang).into_bytes(),
        };
        files.push(ReportFile { name: file_name(OVERVIEW_STEM, opts), contents });
    }
    Ok(files)
}

fn unknown_school_message(school: &str, schools: &[String], ctx: &model::Context) -> String {
    let known = if schools.is_empty() { "none".to_owned() } else { schools.join(", ") };
    format!(
        "no statistics for school `{school}` between {} and {}; schools with statistics in that time: {known}",
        ctx.previous.from, ctx.period.to
    )
}

fn file_name(stem: &str, opts: &ReportOptions) -> String {
    format!("{stem}.{}.{}", opts.lang.as_str(), opts.format.extension())
}

/// A safe file-name stem for a school id from the data: only ASCII letters, digits, `-` and `_`
/// (anything else becomes `_`), never empty, never the overview's name.
pub(crate) fn file_stem(school: &str) -> String {
    let stem: String =
        school.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if stem.is_empty() || stem == OVERVIEW_STEM { format!("school-{stem}") } else { stem }
}
