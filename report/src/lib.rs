//! # confstats-report
//!
//! Anonymous statistics and reports from the pseudonymised store (DESIGN.md rule 8): polars
//! aggregation over the store's Parquet files, small-count suppression (k ≥ 3, default 5) with
//! secondary suppression, and the school leaders' and the provider's reports.
//!
//! Dependency edge: `report → anonymize` (store column names only). `report` never sees a raw
//! event and must not depend on `confstats-ingest` (a test in the workspace checks this).
//!
//! ## Principal types
//! - [`aggregate`] reads `DATA/store/date=D/*.parquet` day by day with lazy polars scans, builds
//!   conferences and participant sessions with the definitions of DESIGN.md (reconnects within
//!   60 s merged, half-open intervals, conference end = meeting end else last session end) and
//!   computes the tables of [`ALL_TABLES`] (each a [`TableSpec`]; the data dictionary is
//!   `schemas/stats.schema.json`).
//! - Every table passes through the suppression step, the only code that can make a
//!   [`Released`] table: a cell with fewer than [`K`] participants is suppressed whole, and
//!   within groups whose total is released elsewhere a further cell is suppressed so that no
//!   suppressed cell can be recomputed. Only [`Released`] tables are written, to
//!   `DATA/stats/<table>/date=D/part-0.parquet`, with the schema version and k in the file's
//!   metadata ([`AggregateSummary`] counts what was written and suppressed).
//! - [`render_reports`] reads the released statistics and renders per school and for the
//!   provider ([`ReportOptions`]: period, [`Lang`], [`ReportFormat`]) into [`ReportFile`]s.
//!   Period figures are sums of released days only, so a period total never reveals a
//!   suppressed day.
//!
//! ```no_run
//! use confstats_report::{AggregateOptions, K, Lang, ReportFormat, ReportOptions, aggregate, render_reports};
//! use std::path::Path;
//!
//! let data = Path::new("/var/lib/confstats");
//! let opts = AggregateOptions { k: K::try_new(5)?, ..AggregateOptions::default() };
//! let summary = aggregate(data, &opts, |_date, _of| {})?;
//! assert!(summary.tables.iter().all(|t| t.rows >= t.primary + t.secondary));
//!
//! let report = ReportOptions {
//!     school: Some("iserv-4711".into()),
//!     from: None,
//!     to: None,
//!     lang: Lang::De,
//!     format: ReportFormat::Html,
//! };
//! for file in render_reports(data, &report)? {
//!     std::fs::write(data.join("reports").join(&file.name), &file.contents)?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod aggregate;
mod error;
mod render;
mod suppress;
mod tables;

pub use aggregate::{
    AggregateOptions, AggregateSummary, SchoolHours, SchoolHoursInfo, StatsInfo, TableSummary, aggregate, store_dates,
};
pub use error::{Error, Result};
pub use render::{Lang, ReportFile, ReportFormat, ReportOptions, render_reports, vocabulary};
pub use suppress::{K, Released};
pub use tables::{ALL as ALL_TABLES, K_KEY, SCHEMA_VERSION_KEY, STATS_SCHEMA_VERSION, TableSpec, col, column_type};
pub use tables::{
    CONFERENCE_BUCKETS, DAILY_USAGE, ERRORS_BY_CODE, FLEET_ERRORS, FLEET_HOURLY, MEDIA_USE, USAGE_BY_CLIENT,
    USAGE_BY_HOUR,
};
