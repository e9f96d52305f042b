//! End-to-end tests of the `confstats` binary, one module per command.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod anonymize;
mod cli;
mod depcheck;
mod diag;
mod ingest;
mod run;
mod schemas;
mod stats;
mod util;
