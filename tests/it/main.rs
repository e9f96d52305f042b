//! End-to-end tests of the `confstats` binary, one module per command.

mod cli;
mod depcheck;
mod ingest;
mod schemas;
mod util;
