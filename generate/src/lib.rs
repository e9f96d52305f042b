//! Synthetic BigBlueButton server logs with ground truth, for tests and benchmarks.
//!
//! `confstats-generate` invents a small world of German schools (IServ instances) with
//! teachers, classes of pupils, guests and dial-in callers, lets them hold video conferences on
//! a few BigBlueButton servers over some days, and writes every fact of that world into the
//! log files a real server writes it to, in their real shapes (see `FORMATS.md`). Next to the
//! logs it writes the ground truth, computed from the model (never by parsing the output), and
//! the list of every personal value it wrote, so that tests can check the pipeline's figures
//! and its privacy promises.
//!
//! All names, addresses, ids and texts are synthetic: names are common German names, IPs come
//! only from the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
//! 2001:db8::/32), hosts end in `example.org` / `example.de`. The same [`GenerateOptions`]
//! always give byte-identical output (gzip included): everything is drawn from a ChaCha8 RNG
//! seeded from [`GenerateOptions::seed`].
//!
//! # Layout
//! ```text
//! OUT/
//!   ground-truth.json          per school and local date: conferences, participants, minutes, …
//!   personal-values.txt        every personal string written anywhere, sorted, one per line
//!   logs/bbb1/                 one directory per conference server (bbb1.example.org, …)
//!     bbb-web.log              the last day; earlier days in bbb-web.log.1.gz, .2.gz, …
//!     html5-client.log         nginx postdata of the browser client logs
//!     bigbluebutton.access.log nginx combined log (join/create API calls)
//!     bbb-webhooks.log         webhook events
//!     freeswitch.log           FreeSWITCH
//!     bbb-webrtc-sfu.log       media server
//!     bbb-apps-akka.log        akka-apps analytics messages
//!     bbb-html5.log            bbb-html5 journal (odd servers, which run "2.x", only)
//! ```
//! Each log is rotated at local midnight; lines within a file are in time order. Odd servers
//! play BigBlueButton 2.x, even servers 3.x; formats vary per server as described in
//! [`LOG_FILE_NAMES`] and `FORMATS.md`.
//!
//! # Example
//! ```no_run
//! use confstats_generate::{GenerateOptions, generate};
//! let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
//! let mut opts = GenerateOptions::new("/tmp/bbb-logs".into(), start);
//! opts.schools = 2;
//! opts.days = 2;
//! let summary = generate(&opts)?;
//! assert!(summary.conferences > 0);
//! # Ok::<(), confstats_generate::Error>(())
//! ```

mod fmt;
mod model;
mod render;
mod truth;
mod vocab;
mod write;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub use truth::SchoolDayTruth;
pub use write::generate;

/// The log files of a server, in a fixed order. `bbb-html5.log` is written by "2.x" (odd)
/// servers only.
pub const LOG_FILE_NAMES: [&str; 8] = render::LOG_NAMES;

/// What to generate.
///
/// Holds no personal data (options only).
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    /// Output directory (created if missing).
    pub out: PathBuf,
    /// Number of schools (IServ instances), at least 1.
    pub schools: u32,
    /// Number of days, at least 1.
    pub days: u32,
    /// The first day (local date).
    pub start: NaiveDate,
    /// Seed of the random generator.
    pub seed: u64,
    /// Multiplies the number of conferences (and so the log volume); finite and > 0.
    pub scale: f64,
    /// Number of conference servers, at least 1.
    pub servers: u32,
    /// The servers' local time zone.
    pub time_zone: Tz,
}

impl GenerateOptions {
    /// Options with the defaults: 6 schools, 7 days, seed 42, scale 1, 3 servers, Europe/Berlin.
    pub fn new(out: PathBuf, start: NaiveDate) -> Self {
        Self { out, schools: 6, days: 7, start, seed: 42, scale: 1.0, servers: 3, time_zone: chrono_tz::Europe::Berlin }
    }

    fn validate(&self) -> Result<()> {
        let invalid = |field, reason| Err(Error::InvalidOptions { field, reason });
        if self.schools < 1 {
            return invalid("schools", "must be at least 1");
        }
        if self.days < 1 {
            return invalid("days", "must be at least 1");
        }
        if self.days > 3660 {
            return invalid("days", "must be at most 3660");
        }
        if !self.scale.is_finite() || self.scale <= 0.0 {
            return invalid("scale", "must be finite and greater than 0");
        }
        if self.scale > 10_000.0 {
            return invalid("scale", "must be at most 10000");
        }
        if self.servers < 1 {
            return invalid("servers", "must be at least 1");
        }
        if self.schools > 100_000 {
            return invalid("schools", "must be at most 100000");
        }
        Ok(())
    }
}

/// One file written.
///
/// Holds no personal data (a path and counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path of the file.
    pub path: PathBuf,
    /// Size on disk (compressed size for `.gz`).
    pub bytes: u64,
    /// Uncompressed size.
    pub uncompressed_bytes: u64,
    /// Number of lines (uncompressed).
    pub lines: u64,
}

/// What [`generate`] wrote.
///
/// Holds no personal data (paths and counts).
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateSummary {
    /// Every file written: logs, `ground-truth.json`, `personal-values.txt`.
    pub files: Vec<GeneratedFile>,
    /// Conferences (meetings with at least one join, breakout rooms included).
    pub conferences: u64,
    /// Sum of the per-school-day participants.
    pub participants: u64,
    /// Number of distinct personal values written (lines of `personal-values.txt`).
    pub personal_values: u64,
    /// Total size on disk of all files.
    pub bytes: u64,
    /// Total lines of all files.
    pub lines: u64,
}

/// The options as echoed in `ground-truth.json`.
///
/// Holds no personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratorEcho {
    /// Crate version that generated the data.
    pub version: String,
    /// Schools.
    pub schools: u32,
    /// Days.
    pub days: u32,
    /// First day.
    pub start: String,
    /// Seed.
    pub seed: u64,
    /// Scale.
    pub scale: f64,
    /// Servers.
    pub servers: u32,
    /// Time zone name.
    pub time_zone: String,
}

/// The content of `ground-truth.json`.
///
/// Holds no personal data: counts per school (IServ id) and date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// The options used.
    pub generator: GeneratorEcho,
    /// Figures per school and local date, sorted by (school, date).
    pub school_days: Vec<SchoolDayTruth>,
}

/// Errors of [`generate`]. They name paths and option fields, never values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be written.
    #[error("cannot write {}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An option is out of range.
    #[error("invalid option {field}: {reason}")]
    InvalidOptions {
        /// The option's name.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// A worker thread failed unexpectedly (a bug).
    #[error("internal error: a generator thread panicked")]
    Internal,
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests;
