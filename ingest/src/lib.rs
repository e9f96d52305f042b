//! # confstats-ingest
//!
//! Reads every log a BigBlueButton conference server writes (FORMATS.md §1–7) and confstats'
//! canonical JSONL event format, and turns each line into typed [`RawEvent`]s — or says why the
//! line was skipped or quarantined. This is the only crate that sees raw log lines.
//!
//! - [`discover`] expands files and directories into [`InputFile`]s: server (the name of the
//!   directory holding the file unless a [`ServerRule`] names it), time zone, and [`LogFormat`]
//!   detected from the first lines ([`detect_format`]). Plain and gzip input, any size, constant
//!   memory (lines longer than [`IngestOptions::max_line_bytes`] are quarantined).
//! - [`ingest`] parses the lifecycle logs first (learning each meeting's school into a
//!   [`MeetingMap`]), then the bulk client and media logs in parallel, handing events to a
//!   [`Sink`] and counting every line in an [`IngestSummary`]:
//!   `lines == parsed + quarantined + skipped`.
//! - Parsers extract only the fields they name (an allowlist). Personal values — names, IPs,
//!   ids, user agents, tokens, free text — are wrapped in [`Personal`], which cannot be
//!   serialised, displayed or logged. Chat, poll and notes content is never extracted at all.
//! - Quarantine entries and errors name the file, the line number, a reason and a field, never a
//!   value from the line.
//!
//! ```
//! use confstats_ingest::{CountOnly, IngestOptions, discover, ingest};
//!
//! let dir = tempfile::tempdir()?;
//! let server = dir.path().join("bbb1");
//! std::fs::create_dir(&server)?;
//! std::fs::write(server.join("bbb-web.log"), concat!(
//!     r#"2026-11-24T08:00:03.112+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data="#,
//!     r#"{"logCode":"create_meeting","meetingId":"m-1","externalMeetingId":"iserv-4711/room-88","name":"Klasse 4b"}"#,
//!     "\n\n",
//! ))?;
//! let opts = IngestOptions::default();
//! let files = discover(&[dir.path().to_owned()], &opts)?;
//! assert_eq!(files[0].server, "bbb1");
//! let (summary, _) = ingest(&files, &opts, || CountOnly);
//! assert_eq!((summary.lines, summary.parsed, summary.skipped), (2, 1, 1));
//! assert_eq!(summary.by_kind["meeting_created"], 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod event;
mod format;
mod ingest;
mod parse;
mod personal;
mod reader;
mod school;
mod summary;
mod text;

pub use error::{Error, Result};
pub use event::{AudioMode, ClientType, EventKind, Level, PersonalKind, PersonalValue, RawEvent, Role};
pub use format::{LogFormat, detect_format};
pub use ingest::{CountOnly, IngestOptions, InputFile, ServerRule, Sink, discover, emit, ingest, learn};
pub use personal::Personal;
pub use reader::{Line, LineReader, open};
pub use school::{MeetingMap, SchoolRule};
pub use summary::{FileFailure, IngestSummary, QuarantineEntry, QuarantineReason, SkipReason};

/// The value of the `schema` key that marks a line of the canonical JSONL event format.
pub const CANONICAL_SCHEMA: &str = "confstats.raw-event.v1";
