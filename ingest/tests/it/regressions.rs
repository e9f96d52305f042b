//! One regression test per parser bug these tests found, named after what broke.

use std::collections::HashSet;

use confstats_ingest::{EventKind, IngestOptions, Level, LogFormat, QuarantineReason};

use crate::common::{exposed, joined, run_files, run_lines};
use crate::fixtures::*;

/// freeswitch.rs sliced `&line[..36]` to look for a call uuid: a line whose byte 36 falls inside
/// a multi-byte character panicked (and the panic message printed the line).
#[test]
fn freeswitch_line_with_multibyte_char_at_byte_36_panicked() {
    let line = format!("{}…{}", "a".repeat(35), " tail with Jörg Weiß");
    assert!(!line.is_char_boundary(36));
    let run = run_lines(
        "freeswitch.log",
        &[&line, FS_NEW],
        &IngestOptions { format: Some(LogFormat::FreeSwitch), ..IngestOptions::default() },
    );
    run.assert_balanced(2);
    assert_eq!(run.reasons(), [QuarantineReason::UnrecognisedLine]);
    assert_eq!(run.kinds(), [EventKind::AudioJoined]);
}

/// client.rs: a POST cut inside an nginx escape (`…\x2`) was `invalid_json`, not `truncated_json`.
#[test]
fn nginx_escaped_post_cut_inside_an_escape_was_invalid_json() {
    let line = client_escaped();
    let at = line.rfind(r"\x22").unwrap() + 3;
    let run = run_lines("html5-client.log", &[&line[..at], &line], &IngestOptions::default());
    run.assert_balanced(2);
    assert_eq!(run.reasons(), [QuarantineReason::TruncatedJson]);
    assert_eq!(run.summary.parsed, 1);
}

/// parse/mod.rs: only the SFU parser removed ANSI colour codes; a coloured level word made a
/// journal record "not an event" and a coloured logback line unrecognised.
#[test]
fn ansi_coloured_journal_and_logback_lines_were_not_parsed() {
    let journal = format!(
        "Nov 24 08:02:10 bbb1 node[1]: I20261124-07:02:10.877(0)? \u{1b}[31merror\u{1b}[39m: {CLIENT_RECORD_CAM}"
    );
    let run = run_lines("syslog", &[&journal], &IngestOptions::default());
    assert_eq!(run.kinds(), [EventKind::WebcamFailed]);
    let akka = format!("\u{1b}[34m{AKKA_JOIN}\u{1b}[0m");
    let run = run_lines("bbb-apps-akka.log", &[&akka], &IngestOptions::default());
    assert_eq!(run.kinds(), [EventKind::ParticipantJoined]);
    let web = WEB_CREATE.replacen("INFO", "\u{1b}[34mINFO\u{1b}[0;39m", 1);
    let run = run_lines("bbb-web.log", &[&web], &IngestOptions::default());
    assert_eq!(run.kinds(), [EventKind::MeetingCreated]);
    assert_eq!(run.events[0].level, Some(Level::Info));
}

/// akka `UserLeftMeetingEvtMsg` of the participant: only the internal meeting and user ids.
fn akka_left() -> String {
    format!(
        r#"{{"envelope":{{"name":"UserLeftMeetingEvtMsg","timestamp":1795505400000}},"core":{{"header":{{"meetingId":"{MEETING}","userId":"{USER}"}},"body":{{"intId":"{USER}","eject":false}}}}}}"#
    )
}

/// ingest.rs: lifecycle files were read once, in name order, each event resolved against what
/// the files before it had taught. `bbb-apps-akka.log` sorts before `bbb-web.log`, and the current
/// `x.log` before the older `x.log.1`: events whose meeting was created in a later-sorted file
/// lost their school, and opt-out by BBB user id missed them.
#[test]
fn lifecycle_events_before_the_file_that_created_their_meeting_lost_school_and_opt_out() {
    let files = [
        ("bbb1/bbb-apps-akka.log", joined(&[akka_left()])),
        ("bbb1/bbb-web.log", joined(&[WEB_BREAKOUT])),
        ("bbb1/bbb-web.log.1", joined(&[WEB_CREATE, WEB_JOIN])),
    ];
    let run = run_files(&files, &IngestOptions::default());
    run.assert_balanced(4);
    for e in &run.events {
        assert_eq!(e.school.as_deref(), Some("iserv-4711"), "{} line {} ({})", e.format, e.line, e.kind);
    }
    let opted =
        run_files(&files, &IngestOptions { opt_out: HashSet::from([ACCOUNT.to_owned()]), ..IngestOptions::default() });
    // The akka leave (user id only) and the bbb-web join.
    assert_eq!(opted.summary.opted_out, 2, "{:?}", opted.summary);
    assert!(opted.events.iter().all(|e| exposed(&e.user) != Some(USER)));
    // The learning pass counts nothing: the summary is that of one pass.
    assert_eq!(opted.summary.lines, 4);
    assert_eq!(opted.summary.files, 3);
}

/// parse/client.rs: a journal text line with brackets (`[…]`) was taken for broken JSON and
/// quarantined as `invalid_json` instead of being a diagnostic.
#[test]
fn journal_text_line_with_brackets_was_invalid_json() {
    let line = "Nov 24 08:02:10 bbb1 node[1]: W20261124-07:02:10.877(0)? warn: [meetings] Meeting of Jörg Weiß ended";
    let run = run_lines("syslog", &[line], &IngestOptions::default());
    run.assert_balanced(1);
    let e = run.only();
    assert_eq!((e.kind, e.level), (EventKind::OtherDiagnostic, Some(Level::Warn)));
    assert_eq!(exposed(&e.text), Some("[meetings] Meeting of Jörg Weiß ended"));
    // A cut JSON record is still quarantined as such.
    let cut = format!("Nov 24 08:02:10 bbb1 node[1]: I20261124-07:02:10.877(0)? info: {}", &CLIENT_RECORD_CAM[..60]);
    let run =
        run_lines("syslog", &[&cut], &IngestOptions { format: Some(LogFormat::Html5Journal), ..Default::default() });
    assert_eq!(run.reasons(), [QuarantineReason::TruncatedJson]);
}

/// client.rs: a journal record without its own `level` lost the journal's level word, so an
/// error record was classified as a plain diagnostic.
#[test]
fn journal_record_without_level_lost_the_journals_level() {
    let line = r#"Nov 24 08:02:10 bbb1 node[1]: I20261124-07:02:10.877(0)? error: {"name":"clientLogger","msg":"boom","logCode":"some_component_crash"}"#;
    let run = run_lines("bbb-html5.log", &[line], &IngestOptions::default());
    assert_eq!(run.kinds(), [EventKind::ClientError]);
    assert_eq!(run.events[0].level, Some(Level::Error));
}

/// format.rs: webhook events written with `": "` spacing (`"type": "event"`) were not detected.
#[test]
fn webhook_json_with_spaces_was_not_detected() {
    let line = r#"{"data": {"type": "event", "id": "meeting-ended", "attributes": {"meeting": {"internal-meeting-id": "m-1", "external-meeting-id": "iserv-4711/x"}}, "event": {"ts": 1795505400000}}}"#;
    let run = run_lines("events.log", &[line], &IngestOptions::default());
    assert_eq!(run.kinds(), [EventKind::MeetingEnded]);
    assert_eq!(run.events[0].school.as_deref(), Some("iserv-4711"));
}

/// sfu.rs: Kurento media server's own log lines (local time, GStreamer levels) were not read.
#[test]
fn kurento_log_lines_were_not_read() {
    let lines = [
        "2026-11-24T08:02:11,123456 4242 0x00007f0a1b2c3d40   error KurentoWebRtcEndpointImpl WebRtcEndpointImpl.cpp:512 onIceFailed() ICE failed for 203.0.113.41",
        "2026-11-24T08:02:12,5 4242 0x00007f0a1b2c3d40    info KurentoMediaPipelineImpl MediaPipelineImpl.cpp:80 MediaPipelineImpl() created",
    ];
    let run = run_lines("media-server.log", &lines, &IngestOptions::default());
    run.assert_balanced(2);
    assert_eq!(run.kinds(), [EventKind::MediaServerError, EventKind::OtherDiagnostic]);
    assert_eq!(run.events[0].time, crate::common::utc("2026-11-24T07:02:11.123456Z"));
    assert_eq!(run.events[1].time, crate::common::utc("2026-11-24T07:02:12.500Z"));
    assert_eq!(run.events[0].log_code.as_deref(), Some("KurentoWebRtcEndpointImpl"));
    assert_eq!(run.events[0].level, Some(Level::Error));
}

/// freeswitch.rs: a WARNING/ERR line naming a dial-in caller's channel left the telephone number
/// unknown to the scrubber (found by the anonymiser's privacy property test).
#[test]
fn freeswitch_warning_with_a_dial_in_channel_names_the_caller() {
    let line = "4f1c0d2e-1111-2222-3333-444455556666 2026-11-24 08:01:20.123456 97.23% [WARNING] switch_core_media.c:1 sofia/external/+4930123456@gw.example.org: no audio for 20 s";
    let run = run_lines("freeswitch.log", &[line], &IngestOptions::default());
    assert_eq!(run.kinds(), [EventKind::OtherDiagnostic]);
    let names: Vec<&str> = run.events[0].personal.iter().map(|p| p.value.expose().as_str()).collect();
    assert_eq!(names, ["+4930123456"]);
}

/// ingest.rs: a panic in a sink killed its worker; the reader then waited on the full queue for
/// ever. Now the file is reported as not read completely and the run ends.
#[test]
fn a_panicking_sink_neither_hangs_nor_passes_unnoticed() {
    struct Panics;
    impl confstats_ingest::Sink for Panics {
        fn event(&mut self, _: confstats_ingest::RawEvent) {
            panic!("a bug in a sink");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let server = dir.path().join("bbb1");
    std::fs::create_dir(&server).unwrap();
    let line = client_escaped();
    let lines: Vec<&str> = std::iter::repeat_n(line.as_str(), 5000).collect();
    std::fs::write(server.join("html5-client.log"), lines.join("\n")).unwrap();
    let opts = IngestOptions { threads: 2, ..IngestOptions::default() };
    let files = confstats_ingest::discover(&[dir.path().to_owned()], &opts).unwrap();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let (summary, _) = confstats_ingest::ingest(&files, &opts, || Panics);
    std::panic::set_hook(hook);
    assert!(!summary.failed_files.is_empty());
    assert!(summary.failed_files[0].error.contains("internal error"));
}

/// reader.rs: the block reader dropped the whole lines of its last block when a gzip stream
/// broke, so a truncated client log was reported with none of the lines it had read.
#[test]
fn broken_gzip_client_log_keeps_the_lines_read_before_the_break() {
    let line = client_escaped();
    let mut gz = crate::common::gzip(&joined(&vec![line.as_str(); 500]));
    gz.truncate(gz.len() / 2);
    let run = run_files(&[("bbb1/html5-client.log.1.gz", gz)], &IngestOptions::default());
    assert_eq!(run.summary.failed_files.len(), 1);
    assert_eq!(run.summary.failed_files[0].lines_read, run.summary.lines);
    assert!(run.summary.is_balanced());
    assert!(run.summary.events > 0);
}
