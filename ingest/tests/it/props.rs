//! Property tests: no input makes a parser panic, and the line accounting always adds up.

use confstats_ingest::{IngestOptions, LogFormat};
use proptest::prelude::*;

use crate::common::{joined, one_line_per_format, run_files};
use crate::fixtures::*;

fn forced(format: LogFormat) -> IngestOptions {
    IngestOptions { format: Some(format), threads: 1, ..IngestOptions::default() }
}

fn any_format() -> impl Strategy<Value = LogFormat> {
    prop::sample::select(LogFormat::ALL.to_vec())
}

/// Every fixture line of every format (valid input to start mutations and cuts from).
fn fixture_lines() -> Vec<String> {
    let mut lines: Vec<String> = one_line_per_format().into_iter().map(|(_, l)| l).collect();
    lines.extend(
        [
            WEB_CREATE,
            WEB_BREAKOUT,
            ACCESS_JOIN_XHH,
            ACCESS_STATIC,
            FS_INVITE,
            FS_CONT,
            FS_HANGUP,
            FS_HANGUP_FAIL,
            SFU_WINSTON_TEXT,
            SFU_WINSTON_JSON,
            crate::golden::CLIENT,
            crate::golden::WEB_JOIN,
            crate::golden::ACCESS_JOIN,
        ]
        .map(String::from),
    );
    lines.push(client_raw());
    lines
}

/// Lines (without `\n`) that look a little like log lines: structure characters, digits, hex,
/// multi-byte characters, ANSI escapes, nginx escapes.
fn loglike_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..300),
        "[-0-9a-fT:. \\[\\]{}\",=_%+/\\\\xüß…\u{1b}]{0,200}".prop_map(String::into_bytes),
        // A fixture line with a random splice.
        (prop::sample::select(fixture_lines()), any::<prop::sample::Index>(), "[^\n]{0,20}", 0usize..40).prop_map(
            |(line, at, insert, remove)| {
                let mut b = line.into_bytes();
                let at = at.index(b.len() + 1);
                let end = (at + remove).min(b.len());
                b.splice(at..end, insert.into_bytes());
                b.retain(|c| *c != b'\n');
                b
            }
        ),
    ]
}

fn check(format: LogFormat, lines: &[Vec<u8>], opts: &IngestOptions) -> Result<(), TestCaseError> {
    let run = run_files(&[("bbb1/x.log", joined(lines))], opts);
    prop_assert!(run.summary.is_balanced(), "{format}: {:?}", run.summary);
    prop_assert_eq!(run.summary.lines, lines.len() as u64, "{}", format);
    prop_assert_eq!(run.summary.events, run.events.len() as u64);
    prop_assert_eq!(run.summary.quarantined, run.quarantine.len() as u64);
    prop_assert!(run.summary.failed_files.is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_lines_never_panic_and_always_balance(format in any_format(), lines in prop::collection::vec(loglike_line(), 0..12)) {
        check(format, &lines, &forced(format))?;
    }

    #[test]
    fn random_lines_with_detection_always_balance(lines in prop::collection::vec(loglike_line(), 1..12)) {
        check(LogFormat::Canonical, &lines, &IngestOptions { threads: 1, ..IngestOptions::default() })?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn very_long_lines_never_panic(
        format in any_format(),
        line in prop::sample::select(fixture_lines()),
        repeat in 1usize..4000,
        max in prop::sample::select(vec![512usize, 64 * 1024, 16 << 20]),
    ) {
        // A valid line whose middle is repeated: long JSON strings, long free text.
        let mid = line.len() / 2;
        let mid = (mid..line.len()).find(|i| line.is_char_boundary(*i)).unwrap_or(line.len());
        let long = format!("{}{}{}", &line[..mid], line[mid..].chars().take(40).collect::<String>().repeat(repeat), &line[mid..]);
        let lines = vec![long.into_bytes(), line.into_bytes()];
        check(format, &lines, &IngestOptions { max_line_bytes: max, ..forced(format) })?;
    }
}

#[test]
fn every_prefix_of_every_fixture_line_in_every_format_balances() {
    for format in LogFormat::ALL {
        for line in fixture_lines() {
            // Cut at every byte, also inside multi-byte characters (invalid UTF-8 at the end).
            let lines: Vec<&[u8]> = (0..=line.len()).map(|i| &line.as_bytes()[..i]).collect();
            let run = run_files(&[("bbb1/x.log", joined(&lines))], &forced(format));
            assert!(run.summary.is_balanced(), "{format}");
            assert_eq!(run.summary.lines, lines.len() as u64, "{format}");
        }
    }
}
