//! Integration tests of confstats-ingest: every parser driven through the public API
//! (`discover` + `ingest` on files in temporary directories).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod fixtures;
mod formats;
mod generated;
mod golden;
mod leaks;
mod props;
mod regressions;
mod samples;
mod variations;
