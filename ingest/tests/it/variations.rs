//! Real-world variation: key order, missing keys, escapes, batches, surrounding text, colour codes,
//! line endings, broken bytes, long and truncated lines, gzip, detection, schools and opt-out.

use std::collections::HashSet;

use confstats_ingest::{AudioMode, EventKind, IngestOptions, LogFormat, PersonalKind, QuarantineReason};

use crate::common::*;
use crate::fixtures::*;

fn forced(format: LogFormat) -> IngestOptions {
    IngestOptions { format: Some(format), ..IngestOptions::default() }
}

/// Re-serialises every JSON object of `json` with its keys sorted (another order than written).
fn reorder(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json).unwrap().to_string()
}

#[test]
fn keys_in_any_order_give_the_same_event() {
    let web_json = &WEB_JOIN[WEB_JOIN.find("data=").unwrap() + 5..];
    let akka_json = &AKKA_JOIN[AKKA_JOIN.find("{").unwrap()..];
    let cases: Vec<(LogFormat, String, String)> = vec![
        (LogFormat::BbbWeb, WEB_JOIN.into(), WEB_JOIN.replace(web_json, &reorder(web_json))),
        (LogFormat::Webhooks, WEBHOOK_JOIN.into(), reorder(WEBHOOK_JOIN)),
        (LogFormat::AkkaApps, AKKA_JOIN.into(), AKKA_JOIN.replace(akka_json, &reorder(akka_json))),
        (LogFormat::Sfu, SFU_PINO.into(), reorder(SFU_PINO)),
        (LogFormat::Canonical, CANONICAL.into(), reorder(CANONICAL)),
        (
            LogFormat::Html5Client,
            client_raw(),
            client_raw().replace(CLIENT_RECORD_AUDIO, &reorder(CLIENT_RECORD_AUDIO)),
        ),
    ];
    for (format, original, reordered) in cases {
        assert_ne!(original, reordered, "{format}: the order changed");
        let a = run_lines("x.log", &[&original], &forced(format));
        let b = run_lines("x.log", &[&reordered], &forced(format));
        assert!(!a.events.is_empty(), "{format}");
        let da: Vec<String> = a.events.iter().map(describe).collect();
        let db: Vec<String> = b.events.iter().map(describe).collect();
        // Device labels and secrets may be found in another order; the typed fields may not differ.
        assert_eq!(da.len(), db.len(), "{format}");
        for (x, y) in a.events.iter().zip(&b.events) {
            assert_eq!(describe_typed(x), describe_typed(y), "{format}");
        }
    }
}

fn describe_typed(e: &confstats_ingest::RawEvent) -> String {
    let mut c = e.clone();
    c.personal.sort_by(|a, b| a.value.expose().cmp(b.value.expose()));
    describe(&c)
}

#[test]
fn missing_optional_keys_still_give_events() {
    let cases: &[(LogFormat, &str, EventKind)] = &[
        (
            LogFormat::Html5Client,
            r#"192.0.2.1 [2026-11-24T08:02:10+01:00] [{"logCode":"audio_failure","level":50}]"#,
            EventKind::AudioFailed,
        ),
        (LogFormat::Html5Client, r#"192.0.2.1 [2026-11-24T08:02:10+01:00] [{}]"#, EventKind::OtherDiagnostic),
        (
            LogFormat::BbbWeb,
            r#"2026-11-24T08:00:00.000+01:00 INFO  o.b.api.MeetingService -  --analytics-- data={"logCode":"create_meeting","meetingId":"m-1"}"#,
            EventKind::MeetingCreated,
        ),
        (
            LogFormat::Webhooks,
            r#"{"data":{"id":"meeting-ended","attributes":{"meeting":{"internal-meeting-id":"m-1"}},"event":{"ts":1795503731200}}}"#,
            EventKind::MeetingEnded,
        ),
        (
            LogFormat::AkkaApps,
            r#"{"envelope":{"name":"MeetingEndedEvtMsg","timestamp":1795503731200},"core":{"body":{"meetingId":"m-1"}}}"#,
            EventKind::MeetingEnded,
        ),
        (LogFormat::Sfu, r#"{"level":30,"time":1795503731200,"msg":"ok"}"#, EventKind::OtherDiagnostic),
        (
            LogFormat::Canonical,
            r#"{"schema":"confstats.raw-event.v1","kind":"meeting_ended","time":"2026-11-24T07:00:00Z"}"#,
            EventKind::MeetingEnded,
        ),
        (
            LogFormat::NginxAccess,
            r#"192.0.2.1 - - [24/Nov/2026:08:05:00 +0100] "GET /bigbluebutton/api/join?meetingID=m-1 HTTP/1.1" 302 0"#,
            EventKind::ParticipantJoined,
        ),
    ];
    for (format, line, kind) in cases {
        let run = run_lines("x.log", &[line], &forced(*format));
        run.assert_balanced(1);
        assert_eq!(run.kinds(), [*kind], "{format}: {:?}", run.summary);
        let e = &run.events[0];
        assert_eq!((e.school.as_deref(), exposed(&e.account), exposed(&e.person_name)), (None, None, None));
    }
}

#[test]
fn required_keys_missing_are_quarantined_with_the_field_name() {
    let cases: &[(LogFormat, &str, Option<&str>)] = &[
        (
            LogFormat::BbbWeb,
            r#"2026-11-24T08:00:00.000+01:00 INFO  o.b.api.MeetingService -  --analytics-- data={"meetingId":"m-1"}"#,
            Some("logCode"),
        ),
        (
            LogFormat::BbbWeb,
            r#"2026-11-24T08:00:00.000+01:00 INFO  o.b.api.MeetingService -  --analytics-- data={"logCode":"user_joined_message","meetingId":"m-1"}"#,
            Some("userId"),
        ),
        (
            LogFormat::Webhooks,
            r#"{"data":{"id":"user-joined","attributes":{"meeting":{"internal-meeting-id":"m-1"}}}}"#,
            Some("event.ts"),
        ),
        (
            LogFormat::AkkaApps,
            r#"{"envelope":{"name":"UserJoinedMeetingEvtMsg","timestamp":1795503731200},"core":{"body":{"intId":"w_1"}}}"#,
            Some("meetingId"),
        ),
        (LogFormat::Sfu, r#"{"level":30,"msg":"no time"}"#, Some("time")),
    ];
    for (format, line, field) in cases {
        let run = run_lines("x.log", &[line], &forced(*format));
        run.assert_balanced(1);
        assert_eq!(run.summary.events, 0, "{format}");
        assert_eq!(run.quarantine.len(), 1, "{format}");
        assert_eq!(run.quarantine[0].field, *field, "{format}");
        assert_eq!(run.quarantine[0].line, 1);
    }
}

#[test]
fn nginx_access_name_in_every_encoding() {
    for line in [ACCESS_JOIN, ACCESS_JOIN_XHH, ACCESS_JOIN_UTF8] {
        let run = run_lines("access.log", &[line], &IngestOptions::default());
        assert_eq!(run.files[0].format, Some(LogFormat::NginxAccess));
        let e = run.only();
        assert_eq!(exposed(&e.person_name), Some(PERSON2), "{line}");
        assert_eq!(exposed(&e.external_meeting), Some(EXTERNAL));
        assert_eq!(exposed(&e.account), Some(ACCOUNT2));
        assert_eq!(e.school.as_deref(), Some("iserv-4711"));
    }
}

#[test]
fn html5_client_escapes_of_quotes_and_backslashes_decode() {
    let record = r#"{"level":40,"logCode":"x","msg":"Er sagte \"Grüß Gott\" \\ C:\\Temp","userInfo":{"fullname":"Jörg \"Jö\" Weiß"}}"#;
    let line = format!("{CLIENT_IP} [2026-11-24T08:02:10+01:00] [{}]", nginx_escape(record));
    assert!(line.contains(r"\x5C\x22") && line.contains(r"\xC3\xB6"));
    let run = run_lines("html5-client.log", &[&line], &IngestOptions::default());
    let e = run.only();
    assert_eq!(exposed(&e.text), Some(r#"Er sagte "Grüß Gott" \ C:\Temp"#));
    assert_eq!(exposed(&e.person_name), Some(r#"Jörg "Jö" Weiß"#));
}

#[test]
fn several_records_in_one_array_give_several_events_from_one_line() {
    let webhooks = format!("[{WEBHOOK_JOIN},{}]", WEBHOOK_JOIN.replace("user-joined", "user-left"));
    let run = run_lines("webhooks.log", &[&webhooks], &IngestOptions::default());
    run.assert_balanced(1);
    assert_eq!((run.summary.parsed, run.summary.events), (1, 2));
    assert_eq!(run.kinds(), [EventKind::ParticipantJoined, EventKind::ParticipantLeft]);
    assert!(run.events.iter().all(|e| e.line == 1));

    let records: Vec<String> = (0..5).map(|_| CLIENT_RECORD_CAM.to_owned()).collect();
    let client = format!("{CLIENT_IP} [2026-11-24T08:02:10+01:00] [{}]", records.join(","));
    let run = run_lines("html5-client.log", &[&client], &IngestOptions::default());
    assert_eq!((run.summary.parsed, run.summary.events), (1, 5));
    assert_eq!(run.summary.by_kind.get("webcam_failed"), Some(&5));
}

#[test]
fn text_around_the_json_is_ignored() {
    let cases: Vec<(LogFormat, String, EventKind)> = vec![
        (LogFormat::BbbWeb, format!("{WEB_CREATE} (took 3 ms)"), EventKind::MeetingCreated),
        (LogFormat::Webhooks, format!("webhook from bbb1: {WEBHOOK_JOIN} delivered"), EventKind::ParticipantJoined),
        (LogFormat::Html5Client, format!("{} trailing", client_raw()), EventKind::AudioJoined),
        (
            LogFormat::Html5Journal,
            format!(
                "Nov 24 08:02:10 bbb1 node[1]: I20261124-07:02:10.877(0)? info: Client log: {CLIENT_RECORD_AUDIO} ok"
            ),
            EventKind::AudioJoined,
        ),
        (LogFormat::AkkaApps, format!("{AKKA_JOIN}  "), EventKind::ParticipantJoined),
    ];
    for (format, line, kind) in cases {
        let run = run_lines("x.log", &[&line], &forced(format));
        run.assert_balanced(1);
        assert_eq!(run.events.first().map(|e| e.kind), Some(kind), "{format}: {:?}", run.summary);
    }
}

#[test]
fn ansi_colour_codes_are_ignored() {
    let sfu = "2026-11-24T07:02:11.200Z - \u{1b}[31merror\u{1b}[39m: [video] Video provider failed errorCode=2002, userId=w_q7r8s9t0u1v2";
    let run = run_lines("sfu.log", &[sfu], &IngestOptions::default());
    assert_eq!(run.files[0].format, Some(LogFormat::Sfu));
    let e = run.only();
    assert_eq!((e.kind, e.error_code.as_deref()), (EventKind::MediaServerError, Some("2002")));

    let journal = format!(
        "Nov 24 08:02:10 bbb1 node[1]: I20261124-07:02:10.877(0)? \u{1b}[32minfo\u{1b}[39m: {CLIENT_RECORD_AUDIO}"
    );
    let run = run_lines("syslog", &[&journal], &IngestOptions::default());
    assert_eq!(run.files[0].format, Some(LogFormat::Html5Journal));
    assert_eq!(run.kinds(), [EventKind::AudioJoined], "{:?}", run.summary);

    let web = format!("\u{1b}[34m{}\u{1b}[0;39m", WEB_CREATE);
    let run = run_lines("bbb-web.log", &[&web], &IngestOptions::default());
    assert_eq!(run.files[0].format, Some(LogFormat::BbbWeb));
    assert_eq!(run.kinds(), [EventKind::MeetingCreated], "{:?}", run.summary);
}

#[test]
fn crlf_line_endings_parse_like_lf_in_every_format() {
    for (format, line) in one_line_per_format() {
        let lf = run_files(&[("bbb1/x.log", format!("{line}\n{line}\n").into_bytes())], &IngestOptions::default());
        let crlf =
            run_files(&[("bbb1/x.log", format!("{line}\r\n{line}\r\n").into_bytes())], &IngestOptions::default());
        assert_eq!(crlf.files[0].format, Some(format));
        crlf.assert_balanced(2);
        assert!(!lf.events.is_empty(), "{format}");
        let a: Vec<String> = lf.events.iter().map(describe).collect();
        let b: Vec<String> = crlf.events.iter().map(describe).collect();
        assert_eq!(a, b, "{format}");
    }
}

#[test]
fn invalid_utf8_bytes_do_not_stop_a_line() {
    // A Latin-1 `ü` (0xFC) in a name: the line parses, the byte becomes U+FFFD.
    let mut web = WEB_JOIN.replace("Jörg", "J\u{1}rg").into_bytes();
    let at = web.iter().position(|b| *b == 1).unwrap();
    web[at] = 0xFC;
    let mut fs = FS_NEW.replace("Jörg", "J\u{1}rg").into_bytes();
    let at = fs.iter().position(|b| *b == 1).unwrap();
    fs[at] = 0xFC;
    let html = format!(
        "{CLIENT_IP} [2026-11-24T08:02:10+01:00] [{}]",
        nginx_escape(CLIENT_RECORD_AUDIO).replace(r"\xC3\xB6", r"\xFC")
    );
    for (name, content) in [("bbb-web.log", web), ("freeswitch.log", fs), ("html5-client.log", html.into_bytes())] {
        let mut bytes = content;
        bytes.push(b'\n');
        let run = run_files(&[(&format!("bbb1/{name}"), bytes)], &IngestOptions::default());
        run.assert_balanced(1);
        let e = run.only();
        assert_eq!(exposed(&e.person_name), Some("J\u{fffd}rg Weiß"), "{name}");
    }
}

#[test]
fn a_valid_line_over_one_mib_parses() {
    let msg = "Grüße aus Straßburg ".repeat(60_000);
    let record = CLIENT_RECORD_CAM.replace("Camera failed for Jörg Weiß from 192.0.2.17", &msg);
    let line = format!("{CLIENT_IP} [2026-11-24T08:02:10+01:00] [{}]", nginx_escape(&record));
    assert!(line.len() > 1 << 20);
    let run = run_lines("html5-client.log", &[&line, &client_escaped()], &IngestOptions::default());
    run.assert_balanced(2);
    assert_eq!(run.summary.quarantined, 0);
    assert_eq!(run.events[0].kind, EventKind::WebcamFailed);
    assert_eq!(exposed(&run.events[0].text).map(str::len), Some(msg.len()));
}

#[test]
fn a_line_over_max_line_bytes_is_quarantined_and_the_next_line_parses() {
    let opts = IngestOptions { max_line_bytes: 4096, ..IngestOptions::default() };
    let long = WEB_JOIN.replace("Jörg Weiß", &"Jörg Weiß ".repeat(1000));
    assert!(long.len() > 4096);
    let run = run_lines("bbb-web.log", &[WEB_CREATE, &long, WEB_JOIN, &long], &opts);
    assert_eq!(run.files[0].format, Some(LogFormat::BbbWeb));
    run.assert_balanced(4);
    assert_eq!(run.kinds(), [EventKind::MeetingCreated, EventKind::ParticipantJoined]);
    assert_eq!(run.events[1].line, 3);
    let q: Vec<_> = run.quarantine.iter().map(|q| (q.line, q.reason, q.field)).collect();
    assert_eq!(q, [(2, QuarantineReason::LineTooLong, None), (4, QuarantineReason::LineTooLong, None)]);
    assert_eq!(run.quarantined("line_too_long"), 2);
}

#[test]
fn a_too_long_first_line_does_not_stop_detection() {
    let opts = IngestOptions { max_line_bytes: 1024, ..IngestOptions::default() };
    let long = "x".repeat(5000);
    let run = run_lines("sfu.log", &[&long, SFU_PINO], &opts);
    assert_eq!(run.files[0].format, Some(LogFormat::Sfu));
    run.assert_balanced(2);
    assert_eq!(run.reasons(), [QuarantineReason::LineTooLong]);
    assert_eq!(run.kinds(), [EventKind::MediaServerError]);
}

/// The fixture lines that carry JSON, with the byte offset where their JSON starts.
fn json_lines() -> Vec<(LogFormat, String, usize)> {
    let mut out = Vec::new();
    for (format, line) in one_line_per_format() {
        if matches!(format, LogFormat::NginxAccess | LogFormat::FreeSwitch) {
            continue;
        }
        let start = match format {
            // After the time in brackets, and after the pid in brackets.
            LogFormat::Html5Client => line.find("] ").unwrap() + 2,
            LogFormat::Html5Journal | LogFormat::AkkaApps => line.find('{').unwrap(),
            _ => line.find(['{', '[']).unwrap(),
        };
        out.push((format, line, start));
    }
    out.push((LogFormat::Html5Client, client_raw(), client_raw().find("] ").unwrap() + 2));
    out.push((LogFormat::BbbWeb, WEB_CREATE.into(), WEB_CREATE.find('{').unwrap()));
    out.push((LogFormat::Webhooks, format!("[{WEBHOOK_JOIN}]"), 0));
    out.push((LogFormat::Sfu, SFU_WINSTON_JSON.into(), 0));
    out
}

#[test]
fn truncated_lines_are_quarantined_as_truncated_json() {
    for (format, line, start) in json_lines() {
        // Every cut inside the JSON (on a character boundary, before its last byte).
        let cuts: Vec<usize> = (start + 1..line.len() - 1).filter(|i| line.is_char_boundary(*i)).collect();
        let lines: Vec<&str> = cuts.iter().map(|i| &line[..*i]).collect();
        let run = run_lines("x.log", &lines, &forced(format));
        run.assert_balanced(lines.len() as u64);
        assert_eq!(run.summary.events, 0, "{format}");
        let wrong: Vec<_> = run
            .quarantine
            .iter()
            .filter(|q| q.reason != QuarantineReason::TruncatedJson)
            .map(|q| (q.line, q.reason))
            .collect();
        assert!(
            wrong.is_empty(),
            "{format}: cuts at {:?}",
            wrong.iter().map(|(l, r)| (cuts[*l as usize - 1], *r)).take(5).collect::<Vec<_>>()
        );
        assert_eq!(run.quarantined("truncated_json"), lines.len() as u64, "{format}");
    }
}

#[test]
fn truncated_nginx_escaped_post_is_truncated_json() {
    let line = client_escaped();
    // Cut inside `\x22`, right after `\`, and inside `\xC3`.
    for marker in [r"\x2", r"\", r"\xC"] {
        let at = line[100..].find(marker).unwrap() + 100 + marker.len();
        let run = run_lines("html5-client.log", &[&line[..at]], &IngestOptions::default());
        assert_eq!(run.reasons(), [QuarantineReason::TruncatedJson], "cut after {marker:?}");
    }
}

#[test]
fn freeswitch_continuation_lines_are_skipped() {
    let lines = [
        FS_NEW,
        FS_CONT,
        "0f0e0d0c-0b0a-4909-8807-060504030201 v=0",
        "0f0e0d0c-0b0a-4909-8807-060504030201 c=IN IP4 198.51.100.77",
        "0f0e0d0c-0b0a-4909-8807-060504030201 a=candidate:1 1 udp 2122260223 198.51.100.77 50418 typ host",
        "0f0e0d0c-0b0a-4909-8807-060504030201 ",
        FS_HANGUP,
    ];
    let run = run_lines("freeswitch.log", &lines, &IngestOptions::default());
    run.assert_balanced(7);
    assert_eq!(run.skipped("continuation"), 5, "{:?}", run.summary);
    assert_eq!(run.kinds(), [EventKind::AudioJoined, EventKind::AudioLeft]);
}

#[test]
fn gzip_input_is_read_by_its_magic_bytes() {
    let run = run_files(
        &[
            ("bbb1/bbb-web.log", joined(&[WEB_JOIN])),
            ("bbb1/bbb-web.log.1.gz", gzip(&joined(&[WEB_CREATE]))),
            // Compressed, but not named so.
            ("bbb1/sfu.log.1", gzip(&joined(&[SFU_PINO, SFU_WINSTON_JSON]))),
        ],
        &IngestOptions::default(),
    );
    let formats: Vec<_> = run.files.iter().map(|f| (f.path.file_name().unwrap().to_str().unwrap(), f.format)).collect();
    assert_eq!(
        formats,
        [
            ("bbb-web.log", Some(LogFormat::BbbWeb)),
            ("bbb-web.log.1.gz", Some(LogFormat::BbbWeb)),
            ("sfu.log.1", Some(LogFormat::Sfu))
        ]
    );
    run.assert_balanced(4);
    assert_eq!(run.summary.quarantined, 0);
    let mut kinds = run.kinds();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            EventKind::MeetingCreated,
            EventKind::ParticipantJoined,
            EventKind::WebcamStarted,
            EventKind::MediaServerError
        ]
    );
    // Bytes are counted after decompression.
    let plain: u64 = [WEB_JOIN, WEB_CREATE, SFU_PINO, SFU_WINSTON_JSON].iter().map(|l| l.len() as u64 + 1).sum();
    assert_eq!(run.summary.bytes, plain);
}

#[test]
fn a_broken_gzip_file_is_reported_with_its_lines_so_far() {
    let mut gz = gzip(&joined(&[WEB_CREATE, WEB_JOIN].repeat(2000)));
    gz.truncate(gz.len() / 2);
    let run = run_files(&[("bbb1/bbb-web.log.2.gz", gz)], &IngestOptions::default());
    assert_eq!(run.summary.failed_files.len(), 1);
    let failure = &run.summary.failed_files[0];
    assert_eq!(failure.lines_read, run.summary.lines);
    assert!(run.summary.is_balanced());
    assert!(run.summary.events > 0);
}

#[test]
fn format_is_detected_per_file_and_can_be_forced() {
    let mut files: Vec<(String, Vec<u8>)> =
        one_line_per_format().into_iter().map(|(f, l)| (format!("bbb1/{}.log", f.as_str()), joined(&[l]))).collect();
    files.push(("bbb1/notes.txt".into(), joined(&["hello", "world"])));
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(p, c)| (p.as_str(), c.clone())).collect();
    let run = run_files(&refs, &IngestOptions::default());
    for f in &run.files {
        let stem = f.path.file_stem().unwrap().to_str().unwrap();
        let want = stem.parse::<LogFormat>().ok();
        assert_eq!(f.format, want, "{stem}");
    }
    run.assert_balanced(11);
    assert_eq!(run.skipped("unknown_format"), 2);
    assert_eq!(run.summary.by_format.get("unknown"), Some(&2));
    assert_eq!(run.summary.quarantined, 0);

    // Forced: every file is read as SFU; the bbb-web line is not an SFU line.
    let run = run_files(&[("bbb1/bbb-web.log", joined(&[WEB_CREATE]))], &forced(LogFormat::Sfu));
    assert_eq!(run.files[0].format, Some(LogFormat::Sfu));
    assert_eq!(run.reasons(), [QuarantineReason::UnrecognisedLine]);
    // Forced onto a file whose first lines detect nothing.
    let mut lines = vec!["garbage"; 100];
    lines.push(WEB_CREATE);
    let run = run_lines("bbb-web.log", &lines, &IngestOptions::default());
    assert_eq!(run.files[0].format, None);
    let run = run_lines("bbb-web.log", &lines, &forced(LogFormat::BbbWeb));
    assert_eq!(run.kinds(), [EventKind::MeetingCreated]);
    assert_eq!(run.quarantined("unrecognised_line"), 100);
}

#[test]
fn client_records_get_their_school_from_the_lifecycle_logs() {
    // Only `requesterUserId`: meeting and school come from the bbb-web join of that user.
    let only_user = r#"{"level":50,"logCode":"audio_failure","extraInfo":{"errorCode":1004},"userInfo":{"requesterUserId":"w_a1b2c3d4e5f6"}}"#;
    let client = format!(
        "{CLIENT_IP} [2026-11-24T08:02:10+01:00] [{},{}]",
        nginx_escape(CLIENT_RECORD_CAM),
        nginx_escape(only_user)
    );
    let run = run_files(
        &[
            // Sorted before the lifecycle log on purpose: lifecycle logs are read first anyway.
            ("bbb1/a-html5-client.log", joined(&[client])),
            ("bbb1/z-bbb-web.log", joined(&[WEB_CREATE, WEB_JOIN, WEB_JOIN2])),
            ("bbb1/sfu.log", joined(&[SFU_PINO])),
        ],
        &IngestOptions::default(),
    );
    run.assert_balanced(5);
    let client: Vec<_> = run.events.iter().filter(|e| e.format == LogFormat::Html5Client).collect();
    assert_eq!(client.len(), 2);
    assert!(client.iter().all(|e| e.school.as_deref() == Some("iserv-4711")));
    assert_eq!(exposed(&client[1].meeting), Some(MEETING), "meeting learnt from the user's join");
    let sfu = run.events.iter().find(|e| e.format == LogFormat::Sfu).unwrap();
    assert_eq!(sfu.school.as_deref(), Some("iserv-4711"));
    // Without the lifecycle log: no school.
    let alone = run_lines("html5-client.log", &[&client_escaped()], &IngestOptions::default());
    assert!(alone.events.iter().all(|e| e.school.is_none()));
}

#[test]
fn breakout_rooms_inherit_the_parents_school() {
    let in_breakout = CLIENT_RECORD_CAM.replace(MEETING, BREAKOUT);
    let client = format!("{CLIENT_IP} [2026-11-24T08:12:00+01:00] [{}]", nginx_escape(&in_breakout));
    let akka_breakout = format!(
        r#"{{"envelope":{{"name":"MeetingCreatedEvtMsg","timestamp":1795504300000}},"core":{{"header":{{}},"body":{{"props":{{"meetingProp":{{"intId":"{b}2","extId":"{b}2-ext","name":"Gruppe 2","isBreakout":true}},"breakoutProps":{{"parentId":"{MEETING}"}}}}}}}}}}"#,
        b = BREAKOUT
    );
    let webhook_breakout = format!(
        r#"{{"data":{{"type":"event","id":"meeting-created","attributes":{{"meeting":{{"internal-meeting-id":"{b}3","external-meeting-id":"{b}3-ext","is-breakout":true,"parent-id":"{MEETING}"}}}},"event":{{"ts":1795504300000}}}}}}"#,
        b = BREAKOUT
    );
    let run = run_files(
        &[
            ("bbb1/bbb-web.log", joined(&[WEB_CREATE, WEB_BREAKOUT])),
            ("bbb1/bbb-apps-akka.log", joined(&[akka_breakout])),
            ("bbb1/webhooks.log", joined(&[webhook_breakout])),
            ("bbb1/html5-client.log", joined(&[client])),
        ],
        &IngestOptions::default(),
    );
    run.assert_balanced(5);
    let breakouts: Vec<_> = run.events.iter().filter(|e| e.kind == EventKind::BreakoutRoomCreated).collect();
    assert_eq!(breakouts.len(), 3, "bbb-web, akka and webhooks");
    for b in &breakouts {
        assert_eq!(exposed(&b.parent_meeting), Some(MEETING), "{}", b.format);
        assert_eq!(b.school.as_deref(), Some("iserv-4711"), "{}", b.format);
    }
    let client = run.events.iter().find(|e| e.format == LogFormat::Html5Client).unwrap();
    assert_eq!(exposed(&client.meeting), Some(BREAKOUT));
    assert_eq!(client.school.as_deref(), Some("iserv-4711"));
}

#[test]
fn opted_out_accounts_are_dropped_everywhere_and_counted_apart() {
    let opts = IngestOptions { opt_out: HashSet::from([ACCOUNT.to_owned()]), ..IngestOptions::default() };
    // The client record carries only the BBB user id of the opted-out account.
    let only_user = r#"{"level":50,"logCode":"audio_failure","userInfo":{"requesterUserId":"w_q7r8s9t0u1v2"}}"#;
    let client = format!(
        "{CLIENT_IP} [2026-11-24T08:02:10+01:00] [{},{}]",
        nginx_escape(only_user),
        nginx_escape(CLIENT_RECORD_CAM)
    );
    let files = [
        ("bbb1/bbb-web.log", joined(&[WEB_CREATE, WEB_JOIN, WEB_JOIN2])),
        ("bbb1/webhooks.log", joined(&[WEBHOOK_JOIN])),
        ("bbb1/html5-client.log", joined(&[client])),
        ("bbb1/freeswitch.log", joined(&[FS_INVITE, FS_NEW, FS_NEW_LISTEN])),
        ("bbb1/sfu.log", joined(&[SFU_PINO])),
    ];
    let all = run_files(&files, &IngestOptions::default());
    let run = run_files(&files, &opts);
    run.assert_balanced(all.summary.lines);
    assert_eq!(all.summary.opted_out, 0);
    // Dropped: bbb-web join, webhook join, both client records, the FreeSWITCH channel, the SFU error.
    assert_eq!(run.summary.opted_out, 6, "{:?}", run.summary);
    assert_eq!(run.summary.events + run.summary.opted_out, all.summary.events);
    assert_eq!(run.summary.parsed, all.summary.parsed, "lines still count as parsed");
    for e in &run.events {
        assert_ne!(exposed(&e.account), Some(ACCOUNT));
        assert_ne!(exposed(&e.user), Some(USER));
    }
    let kept: Vec<_> = run.events.iter().map(|e| (e.format, e.kind)).collect();
    assert_eq!(
        kept,
        [
            (LogFormat::BbbWeb, EventKind::MeetingCreated),
            (LogFormat::BbbWeb, EventKind::ParticipantJoined),
            (LogFormat::FreeSwitch, EventKind::AudioJoined),
        ]
    );
    assert_eq!(exposed(&run.events[1].account), Some(ACCOUNT2));
    assert_eq!(run.events[2].audio_mode, Some(AudioMode::ListenOnly));
    let counted: u64 = run.summary.by_kind.values().sum();
    assert_eq!(counted, run.summary.events, "opted-out events count in no kind");
    let _ = PersonalKind::Secret;
}
