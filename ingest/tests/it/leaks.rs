//! No value leaks: the Debug output of events and quarantine entries, and the serialised
//! quarantine entries and summary, never contain a personal value of the input.

use confstats_ingest::{IngestOptions, LogFormat};

use crate::common::{Run, assert_absent, joined, one_line_per_format, run_files};
use crate::fixtures::*;
use crate::golden;

/// Personal values of the FORMATS.md examples.
const GOLDEN_VALUES: &[&str] = &[
    "Jürgen",
    "Beispiel",
    "J%C3%BCrgen",
    "J\\xC3\\xBCrgen",
    "j.beispiel",
    "w_h2k8d0q1x9ab",
    "9a0c1e",
    "room-88",
    "k3x9q2mzp0a8b7c1",
    "ap5Kx2",
    "0f1e2d",
    "203.0.113.41",
    "198.51.100.23",
    "Klasse 4b",
    "Chrome/131",
    "iPad",
];

fn needles() -> Vec<&'static str> {
    PERSONAL_VALUES.iter().chain(GOLDEN_VALUES).copied().collect()
}

/// Every fixture line, in one file per format.
fn inputs() -> Vec<(String, Vec<String>)> {
    let mut by_file: Vec<(String, Vec<String>)> =
        one_line_per_format().into_iter().map(|(f, l)| (format!("bbb1/{}.log", f.as_str()), vec![l])).collect();
    let extra: &[(&str, &[&str])] = &[
        ("bbb1/bbb-web.log", &[WEB_CREATE, WEB_JOIN2, WEB_BREAKOUT, golden::WEB_CREATE, golden::WEB_JOIN]),
        ("bbb1/nginx-access.log", &[ACCESS_JOIN_XHH, ACCESS_JOIN_UTF8, golden::ACCESS_JOIN]),
        ("bbb1/freeswitch.log", &[FS_INVITE, FS_CONT, FS_HANGUP, FS_NEW_LISTEN, FS_HANGUP_FAIL]),
        ("bbb1/sfu.log", &[SFU_WINSTON_TEXT, SFU_WINSTON_JSON]),
        ("bbb1/html5-client.log", &[golden::CLIENT]),
    ];
    for (file, lines) in extra {
        let entry = by_file.iter_mut().find(|(f, _)| f == file).unwrap();
        entry.1.extend(lines.iter().map(|l| l.to_string()));
    }
    by_file.iter_mut().find(|(f, _)| f == "bbb1/html5-client.log").unwrap().1.push(client_raw());
    by_file
}

/// Asserts that nothing printable or serialisable of the run holds a personal value.
fn assert_no_leak(run: &Run) {
    let needles = needles();
    for e in &run.events {
        assert_absent("RawEvent Debug", &format!("{e:?}"), &needles);
        assert_absent("RawEvent Debug (pretty)", &format!("{e:#?}"), &needles);
    }
    for q in &run.quarantine {
        assert_absent("QuarantineEntry Debug", &format!("{q:?}"), &needles);
        assert_absent("QuarantineEntry JSON", &serde_json::to_string(q).unwrap(), &needles);
    }
    assert_absent("IngestSummary JSON", &serde_json::to_string(&run.summary).unwrap(), &needles);
    assert_absent("IngestSummary Debug", &format!("{:?}", run.summary), &needles);
    for f in &run.files {
        assert_absent("InputFile Debug", &format!("{f:?}"), &needles);
    }
}

fn run_inputs(transform: impl Fn(&str) -> String, opts: &IngestOptions) -> Run {
    let files: Vec<(String, Vec<u8>)> = inputs()
        .into_iter()
        .map(|(f, lines)| (f, joined(&lines.iter().map(|l| transform(l)).collect::<Vec<_>>())))
        .collect();
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(f, c)| (f.as_str(), c.clone())).collect();
    run_files(&refs, opts)
}

#[test]
fn every_needle_is_in_the_input_and_reaches_an_event() {
    // Otherwise the leak tests below would prove nothing.
    let all: String = inputs().into_iter().flat_map(|(_, l)| l).collect::<Vec<_>>().join("\n");
    for n in needles() {
        assert!(all.contains(n), "{n} is not in the input");
    }
    let run = run_inputs(str::to_owned, &IngestOptions::default());
    assert_eq!(run.summary.quarantined, 0, "{:?}", run.summary);
    let exposed: String = run.events.iter().map(crate::common::describe).collect::<Vec<_>>().join("\n");
    for n in ["Jörg Weiß", "Jürgen Beispiel", "192.0.2.17", "203.0.113.41", "tq9zk2m8x7w6v5u4", "j.weiss", "ap5Kx2"]
    {
        assert!(exposed.contains(n), "{n} was not extracted");
    }
}

#[test]
fn parsed_events_leak_no_value() {
    let run = run_inputs(str::to_owned, &IngestOptions::default());
    assert!(run.summary.events > 20);
    assert_no_leak(&run);
}

#[test]
fn truncated_lines_leak_no_value() {
    let run = run_inputs(
        |l| {
            let mut cut = l.len() * 2 / 3;
            while !l.is_char_boundary(cut) {
                cut -= 1;
            }
            l[..cut].to_owned()
        },
        &IngestOptions::default(),
    );
    assert!(run.summary.quarantined > 10, "{:?}", run.summary);
    assert_no_leak(&run);
}

#[test]
fn too_long_lines_leak_no_value() {
    let run = run_inputs(str::to_owned, &IngestOptions { max_line_bytes: 300, ..IngestOptions::default() });
    assert!(run.summary.by_reason.get("line_too_long").is_some_and(|n| *n > 10));
    assert_no_leak(&run);
}

#[test]
fn lines_of_the_wrong_format_and_missing_fields_leak_no_value() {
    for format in LogFormat::ALL {
        let run = run_inputs(str::to_owned, &IngestOptions { format: Some(format), ..IngestOptions::default() });
        assert!(run.summary.is_balanced());
        assert_no_leak(&run);
    }
    // Quarantined for a missing field, with personal values all around it.
    let lines = [
        r#"2026-11-24T08:01:00.000+01:00 INFO  o.b.api.MeetingService -  --analytics-- data={"logCode":"user_joined_message","username":"Jörg Weiß","externalUserId":"j.weiss","meetingId":"c0ffee0123456789"}"#,
        r#"{"data":{"id":"user-joined","attributes":{"user":{"name":"Jörg Weiß","ip-address":"192.0.2.17"}},"event":{"ts":1}}}"#,
        r#"{"envelope":{"name":"UserJoinedMeetingEvtMsg","timestamp":1},"core":{"body":{"name":"Jörg Weiß","extId":"j.weiss"}}}"#,
        r#"{"schema":"confstats.raw-event.v1","kind":"Jörg Weiß","time":"2026-11-24T07:03:00Z"}"#,
        r#"{"schema":"confstats.raw-event.v1","kind":"audio_joined","time":"j.weiss"}"#,
    ];
    let run = run_files(&[("bbb1/mixed.log", joined(&lines))], &IngestOptions::default());
    let forced =
        |f| run_files(&[("bbb1/m.log", joined(&lines))], &IngestOptions { format: Some(f), ..Default::default() });
    for r in [
        run,
        forced(LogFormat::BbbWeb),
        forced(LogFormat::Webhooks),
        forced(LogFormat::AkkaApps),
        forced(LogFormat::Canonical),
    ] {
        assert!(r.summary.quarantined > 0);
        assert_no_leak(&r);
    }
}

#[test]
#[should_panic(expected = "contains a personal value")]
fn the_leak_check_finds_an_exposed_value() {
    // The check itself: an exposed field must be caught.
    let run = run_inputs(str::to_owned, &IngestOptions::default());
    let exposed: String = run.events.iter().map(crate::common::describe).collect();
    assert_absent("describe", &exposed, &needles());
}
