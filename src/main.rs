//! # confstats
//!
//! Turns the diagnostic logs of school video-conference servers (BigBlueButton, as run for IServ)
//! into anonymous usage statistics and short-lived pseudonymised diagnostic traces, with no
//! personal data leaving the pipeline.
//!
//! ```text
//!  raw logs (personal data, ≤ 7 days, provider only)
//!    │  confstats-ingest     parse every format into typed RawEvents (allowlist of fields)
//!    ▼
//!  RawEvent  ── never serialised, never printed
//!    │  confstats-anonymize  drop names, IPs, content; keyed BLAKE3 pseudonyms; scrub free text
//!    ▼
//!  pseudonymised store  DATA/store/date=YYYY-MM-DD/*.parquet   (≤ 7 days, diagnosticians)
//!    │  confstats-report     polars aggregation, small-count suppression
//!    ▼
//!  anonymous statistics DATA/stats/…, reports DATA/reports/…   (kept; school leaders)
//! ```
//!
//! This binary is the command line: flags and the TOML config become library options in
//! [`config`]; everything it prints goes through [`output`].

mod cli;
mod commands;
mod config;
mod diag;
mod output;
mod run;

use std::process::ExitCode;

/// mimalloc returns freed memory to the system; glibc's arenas kept it (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

/// Exit codes (documented in `--help` and the README).
pub mod exit {
    /// Everything worked.
    pub const OK: u8 = 0;
    /// An internal error (a bug): please report it.
    pub const INTERNAL: u8 = 1;
    /// Bad usage or configuration (the user's mistake); clap uses 2 as well.
    pub const USAGE: u8 = 2;
    /// An input file or directory could not be read (missing, permission, broken gzip).
    pub const INPUT: u8 = 3;
    /// The leak audit found a personal value in an output: nothing was published.
    pub const AUDIT: u8 = 4;
    /// Another run holds the lock of the data directory.
    pub const LOCKED: u8 = 5;
}

/// Sizes polars' thread pool (`threads` of the config, 0 = all cores). polars reads
/// `POLARS_MAX_THREADS` once, when its pool first starts; the parsers take the count from
/// their options.
///
/// Must be called before any thread is started: it is, at the start of `run`, after reading
/// the flags and the config file and before any work.
#[allow(unsafe_code)]
pub(crate) fn limit_threads(threads: usize) {
    if threads > 0 && std::env::var_os("POLARS_MAX_THREADS").is_none() {
        // SAFETY: the process is still single-threaded here (see above), so no other thread can
        // read the environment while it is written.
        unsafe { std::env::set_var("POLARS_MAX_THREADS", threads.to_string()) };
    }
}

/// mimalloc's `mi_option_purge_delay` (its position in `mi_option_e` of the bundled mimalloc 3;
/// the sys crate names only some options).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes mimalloc give freed memory back to the system at once rather than after a second.
/// The phases of the nightly run free hundreds of MB that the next phase does not reuse; with
/// the delay they pile up in the peak (DESIGN.md "Scale" bounds it).
#[allow(unsafe_code)]
fn purge_freed_memory_at_once() {
    // SAFETY: `mi_option_set` stores an integer option of the allocator; any value is valid for
    // `purge_delay` (milliseconds, 0 = immediately), and it is called before other threads exist.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

fn main() -> ExitCode {
    purge_freed_memory_at_once();
    output::install_panic_hook();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if output::is_broken_pipe(&err) {
                return ExitCode::from(exit::OK);
            }
            let code = commands::exit_code_of(&err);
            output::error(&err);
            ExitCode::from(code)
        }
    }
}
