//! Logs from `confstats-generate` (every format a server writes, realistic volume and variety):
//! every line is accounted for, nothing is quarantined, and no generated personal value shows in
//! any printable or serialisable output of the ingest.

use confstats_generate::{GenerateOptions, generate};
use confstats_ingest::{IngestOptions, discover, ingest};

use crate::common::{Collect, assert_absent};

#[test]
fn generated_logs_parse_without_quarantine_or_leaks() {
    let dir = tempfile::tempdir().unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut shape = GenerateOptions::new(dir.path().to_owned(), start);
    shape.schools = 2;
    shape.days = 1;
    shape.servers = 2;
    shape.scale = 0.3;
    let generated = generate(&shape).unwrap();

    let opts = IngestOptions::default();
    let files = discover(&[dir.path().join("logs")], &opts).unwrap();
    assert!(!files.is_empty());
    for f in &files {
        assert!(f.format.is_some(), "format of {} not detected", f.path.display());
    }
    let (summary, sinks) = ingest(&files, &opts, Collect::default);
    assert!(summary.is_balanced(), "{summary:?}");
    assert_eq!(summary.quarantined, 0, "{summary:?}");
    assert!(summary.failed_files.is_empty());
    let log_lines: u64 =
        generated.files.iter().filter(|f| f.path.starts_with(dir.path().join("logs"))).map(|f| f.lines).sum();
    assert_eq!(summary.lines, log_lines);
    assert!(summary.events > 100, "{summary:?}");
    assert!(summary.by_kind.contains_key("participant_joined"));

    let values = std::fs::read_to_string(dir.path().join("personal-values.txt")).unwrap();
    // Very short values (initials, two-digit numbers) occur in any text; the audit of the
    // pipeline's outputs covers those.
    let needles: Vec<&str> = values.lines().filter(|v| v.chars().count() >= 5).collect();
    assert!(needles.len() > 20);
    let summary_json = serde_json::to_string(&summary).unwrap();
    assert_absent("IngestSummary JSON", &summary_json, &needles);
    let mut events = 0;
    for sink in &sinks {
        for e in &sink.events {
            assert_absent("RawEvent Debug", &format!("{e:?}"), &needles);
            events += 1;
        }
    }
    assert_eq!(events, summary.events);
}
