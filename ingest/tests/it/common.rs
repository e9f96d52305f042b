//! Shared helpers: writing log files into a temporary server directory and ingesting them with
//! a sink that keeps everything.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use confstats_ingest::{
    EventKind, IngestOptions, IngestSummary, InputFile, LogFormat, PersonalKind, QuarantineEntry, QuarantineReason,
    RawEvent, Sink, discover, ingest,
};

/// A sink that keeps every event and quarantine entry.
#[derive(Default)]
pub struct Collect {
    pub events: Vec<RawEvent>,
    pub quarantine: Vec<QuarantineEntry>,
}

impl Sink for Collect {
    fn event(&mut self, event: RawEvent) {
        self.events.push(event);
    }
    fn quarantine(&mut self, entry: QuarantineEntry) {
        self.quarantine.push(entry);
    }
}

/// The outcome of one ingest: events sorted by (file path, line), quarantine by (file, line).
pub struct Run {
    pub files: Vec<InputFile>,
    pub summary: IngestSummary,
    pub events: Vec<RawEvent>,
    pub quarantine: Vec<QuarantineEntry>,
    /// Kept so that the files stay on disk while the run is inspected.
    pub _dir: tempfile::TempDir,
}

impl Run {
    /// The kinds of all events, in order.
    pub fn kinds(&self) -> Vec<EventKind> {
        self.events.iter().map(|e| e.kind).collect()
    }

    /// The quarantine reasons, in order.
    pub fn reasons(&self) -> Vec<QuarantineReason> {
        self.quarantine.iter().map(|q| q.reason).collect()
    }

    /// The one event of the run; fails if there is not exactly one.
    pub fn only(&self) -> &RawEvent {
        assert_eq!(self.events.len(), 1, "expected one event, summary: {:?}", self.summary);
        &self.events[0]
    }

    /// Count of skipped lines with the given reason name.
    pub fn skipped(&self, reason: &str) -> u64 {
        self.summary.skipped_by_reason.get(reason).copied().unwrap_or(0)
    }

    /// Count of quarantined lines with the given reason name.
    pub fn quarantined(&self, reason: &str) -> u64 {
        self.summary.by_reason.get(reason).copied().unwrap_or(0)
    }

    /// Asserts the accounting adds up and every written line was counted.
    pub fn assert_balanced(&self, lines: u64) {
        assert!(self.summary.is_balanced(), "unbalanced: {:?}", self.summary);
        assert_eq!(self.summary.lines, lines, "lines counted: {:?}", self.summary);
        assert_eq!(self.summary.quarantined, self.quarantine.len() as u64);
        assert_eq!(self.summary.events, self.events.len() as u64);
    }
}

/// The files of one run: (path relative to the temporary directory, content).
pub type Files<'a> = &'a [(&'a str, Vec<u8>)];

/// Writes the files into a fresh temporary directory and ingests that directory.
pub fn run_files(files: Files<'_>, opts: &IngestOptions) -> Run {
    let dir = tempfile::tempdir().unwrap();
    for (rel, content) in files {
        write_file(&dir.path().join(rel), content);
    }
    run_dir(dir, opts)
}

/// Ingests an already populated temporary directory.
pub fn run_dir(dir: tempfile::TempDir, opts: &IngestOptions) -> Run {
    let files = discover(&[dir.path().to_owned()], opts).unwrap();
    let (summary, sinks) = ingest(&files, opts, Collect::default);
    let mut events = Vec::new();
    let mut quarantine = Vec::new();
    for s in sinks {
        events.extend(s.events);
        quarantine.extend(s.quarantine);
    }
    events.sort_by_key(|e| (e.format, e.line));
    quarantine.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Run { files, summary, events, quarantine, _dir: dir }
}

/// Writes `lines` (joined with `\n`, with a final `\n`) to `bbb1/<name>` and ingests them.
pub fn run_lines(name: &str, lines: &[&str], opts: &IngestOptions) -> Run {
    run_files(&[(&format!("bbb1/{name}"), joined(lines))], opts)
}

/// Lines joined with `\n` and a final `\n`.
pub fn joined<S: AsRef<[u8]>>(lines: &[S]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l.as_ref());
        out.push(b'\n');
    }
    out
}

pub fn write_file(path: &Path, content: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(path).unwrap().write_all(content).unwrap();
}

/// gzip-compresses `content`.
pub fn gzip(content: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(content).unwrap();
    enc.finish().unwrap()
}

/// An RFC 3339 UTC time, for comparisons.
pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The exposed value of an optional personal string field.
pub fn exposed(v: &Option<confstats_ingest::Personal<String>>) -> Option<&str> {
    v.as_ref().map(|p| p.expose().as_str())
}

/// The exposed IP of an event, as text.
pub fn ip(e: &RawEvent) -> Option<String> {
    e.ip.as_ref().map(|p| p.expose().to_string())
}

/// The exposed values of the event's extra personal values of one kind.
pub fn personal_of(e: &RawEvent, kind: PersonalKind) -> Vec<&str> {
    e.personal.iter().filter(|p| p.kind == kind).map(|p| p.value.expose().as_str()).collect()
}

/// Asserts that none of `needles` occurs in `haystack` (named `what` in the failure).
pub fn assert_absent(what: &str, haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(!haystack.contains(n), "{what} contains a personal value ({} bytes long)", n.len());
    }
}

/// The directory with the published BigBlueButton samples (`shared/` beside the checkout).
pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/samples")
}

/// Every field of an event, personal values exposed: for comparing two parses of one fact.
pub fn describe(e: &RawEvent) -> String {
    let personal: Vec<String> = e.personal.iter().map(|p| format!("{:?}={}", p.kind, p.value.expose())).collect();
    format!(
        "{:?} {} {} {:?} school={:?} meeting={:?} parent={:?} ext={:?} account={:?} user={:?} role={:?} client={:?} \
         audio={:?} ip={:?} ua={:?} error={:?} log={:?} level={:?} text={:?} person={:?} meeting_name={:?} {:?}",
        e.kind,
        e.time.to_rfc3339(),
        e.server,
        e.format,
        e.school,
        exposed(&e.meeting),
        exposed(&e.parent_meeting),
        exposed(&e.external_meeting),
        exposed(&e.account),
        exposed(&e.user),
        e.role,
        e.client_type,
        e.audio_mode,
        ip(e),
        exposed(&e.user_agent),
        e.error_code,
        e.log_code,
        e.level,
        exposed(&e.text),
        exposed(&e.person_name),
        exposed(&e.meeting_name),
        personal,
    )
}

/// One fixture line per format, each yielding at least one event.
pub fn one_line_per_format() -> Vec<(LogFormat, String)> {
    use crate::fixtures::*;
    vec![
        (LogFormat::Html5Client, client_escaped()),
        (LogFormat::Html5Journal, journal()),
        (LogFormat::BbbWeb, WEB_JOIN.into()),
        (LogFormat::NginxAccess, ACCESS_JOIN.into()),
        (LogFormat::Webhooks, WEBHOOK_JOIN.into()),
        (LogFormat::FreeSwitch, FS_NEW.into()),
        (LogFormat::Sfu, SFU_PINO.into()),
        (LogFormat::AkkaApps, AKKA_JOIN.into()),
        (LogFormat::Canonical, CANONICAL.into()),
    ]
}
