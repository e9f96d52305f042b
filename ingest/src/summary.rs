//! Line accounting: every input line is parsed, quarantined or skipped, with a reason.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::{EventKind, LogFormat};

/// Why a line was quarantined. Not personal data: a fixed vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QuarantineReason {
    /// The JSON of the line is malformed.
    InvalidJson,
    /// The JSON of the line ends early (a truncated line).
    TruncatedJson,
    /// The line is longer than the configured maximum.
    LineTooLong,
    /// The timestamp is missing or cannot be read.
    BadTimestamp,
    /// A field the event needs is missing ([`QuarantineEntry::field`] names it).
    MissingField,
    /// The line does not have the shape of its file's format.
    UnrecognisedLine,
    /// The parser failed on the line (a bug in confstats; please report the file and line).
    InternalError,
}

impl QuarantineReason {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::TruncatedJson => "truncated_json",
            Self::LineTooLong => "line_too_long",
            Self::BadTimestamp => "bad_timestamp",
            Self::MissingField => "missing_field",
            Self::UnrecognisedLine => "unrecognised_line",
            Self::InternalError => "internal_error",
        }
    }
}

impl fmt::Display for QuarantineReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a line was skipped: it is well-formed but carries no event. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// An empty line.
    Blank,
    /// A FreeSWITCH continuation line (dialplan, SDP dump) of a call logged before.
    Continuation,
    /// A line of a known shape that records nothing confstats counts (static files, debug noise).
    NotAnEvent,
    /// The file's format could not be detected; all its lines are skipped.
    UnknownFormat,
}

impl SkipReason {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Blank => "blank",
            Self::Continuation => "continuation",
            Self::NotAnEvent => "not_an_event",
            Self::UnknownFormat => "unknown_format",
        }
    }
}

/// One quarantined line: where it is and why, never its content. Not personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantineEntry {
    /// The input file.
    pub file: PathBuf,
    /// The 1-based line number.
    pub line: u64,
    /// Why it could not be parsed.
    pub reason: QuarantineReason,
    /// The field at fault, for [`QuarantineReason::MissingField`] and [`QuarantineReason::BadTimestamp`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

/// An input file that could not be read to its end. Not personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileFailure {
    /// The file.
    pub file: PathBuf,
    /// Lines read before the failure (they are counted in the summary).
    pub lines_read: u64,
    /// The I/O error's description (names no log content).
    pub error: String,
}

/// Adds one to a named count, allocating the name only the first time (a hot path: once per line
/// and per event).
fn bump(map: &mut BTreeMap<String, u64>, name: &str) {
    match map.get_mut(name) {
        Some(n) => *n += 1,
        None => {
            map.insert(name.to_owned(), 1);
        }
    }
}

/// Counts of one ingest: lines by outcome, format and reason, events by kind. Not personal data.
///
/// `lines == parsed + quarantined + skipped` always holds; one parsed line may yield several
/// events (a client log POST carries a batch of records).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestSummary {
    /// Input files read.
    pub files: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Lines read.
    pub lines: u64,
    /// Lines that yielded events.
    pub parsed: u64,
    /// Events produced.
    pub events: u64,
    /// Lines quarantined.
    pub quarantined: u64,
    /// Lines skipped with a reason.
    pub skipped: u64,
    /// Events dropped because their account is on the opt-out list (counted nowhere else).
    pub opted_out: u64,
    /// Lines by detected format (`unknown` for undetected files).
    pub by_format: BTreeMap<String, u64>,
    /// Events by kind.
    pub by_kind: BTreeMap<String, u64>,
    /// Quarantined lines by reason.
    pub by_reason: BTreeMap<String, u64>,
    /// Skipped lines by reason.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// Files that could not be read to their end.
    pub failed_files: Vec<FileFailure>,
}

impl IngestSummary {
    /// Counts one line of a file of the given format.
    pub(crate) fn line(&mut self, format: Option<LogFormat>, bytes: usize) {
        self.lines += 1;
        self.bytes += bytes as u64 + 1;
        bump(&mut self.by_format, format.map_or("unknown", LogFormat::as_str));
    }

    pub(crate) fn event_kind(&mut self, kind: EventKind) {
        bump(&mut self.by_kind, kind.as_str());
    }

    pub(crate) fn quarantined(&mut self, reason: QuarantineReason) {
        self.quarantined += 1;
        *self.by_reason.entry(reason.as_str().to_owned()).or_default() += 1;
    }

    pub(crate) fn skipped(&mut self, reason: SkipReason) {
        self.skipped += 1;
        *self.skipped_by_reason.entry(reason.as_str().to_owned()).or_default() += 1;
    }

    /// Adds another summary's counts to this one.
    pub fn merge(&mut self, other: IngestSummary) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.lines += other.lines;
        self.parsed += other.parsed;
        self.events += other.events;
        self.quarantined += other.quarantined;
        self.skipped += other.skipped;
        self.opted_out += other.opted_out;
        for (map, o) in [
            (&mut self.by_format, other.by_format),
            (&mut self.by_kind, other.by_kind),
            (&mut self.by_reason, other.by_reason),
            (&mut self.skipped_by_reason, other.skipped_by_reason),
        ] {
            for (k, v) in o {
                *map.entry(k).or_default() += v;
            }
        }
        self.failed_files.extend(other.failed_files);
    }

    /// Whether the accounting adds up: `lines == parsed + quarantined + skipped`.
    pub fn is_balanced(&self) -> bool {
        self.lines == self.parsed + self.quarantined + self.skipped
    }
}
