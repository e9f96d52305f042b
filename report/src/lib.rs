//! # confstats-report
//!
//! Anonymous statistics and reports from the pseudonymised store (DESIGN.md rule 8): polars
//! aggregation over the store's Parquet files, small-count suppression (k ≥ 3, default 5) with
//! secondary suppression, the school leader's and the provider's reports, SQL and traces for
//! diagnosticians.
//!
//! Dependency edge: `report → anonymize` (store types only). `report` never sees a raw event and
//! must not depend on `confstats-ingest` (a test in the workspace checks this).
//!
//! This crate is built by the statistics issue; until then it holds no public items.
