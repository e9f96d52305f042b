//! # confstats-report
//!
//! Anonymous statistics and reports from the pseudonymised store (DESIGN.md rule 8): polars
//! aggregation over the store's Parquet files, small-count suppression (k ≥ 3, default 5) with
//! secondary suppression, the school leader's and the provider's reports.
//!
//! Dependency edge: `report → anonymize` (store types only). `report` never sees a raw event and
//! must not depend on `confstats-ingest` (a test in the workspace checks this).

mod aggregate;
mod error;
mod render;
mod suppress;
mod tables;

pub use aggregate::{
    AggregateOptions, AggregateSummary, SchoolHours, SchoolHoursInfo, StatsInfo, TableSummary, aggregate, store_dates,
};
pub use error::{Error, Result};
pub use render::*;
pub use suppress::*;
pub use tables::{ALL as ALL_TABLES, K_KEY, SCHEMA_VERSION_KEY, STATS_SCHEMA_VERSION, TableSpec, col, column_type};
pub use tables::{
    CONFERENCE_BUCKETS, DAILY_USAGE, ERRORS_BY_CODE, FLEET_ERRORS, FLEET_HOURLY, MEDIA_USE, USAGE_BY_CLIENT,
    USAGE_BY_HOUR,
};
