//! One synthetic fixture per format (all of `LogFormat::ALL`), through detection and parsing.

use confstats_ingest::{AudioMode, ClientType, EventKind, IngestOptions, Level, LogFormat, PersonalKind, Role};

use crate::common::{exposed, ip, joined, personal_of, run_files, run_lines, utc};
use crate::fixtures::*;

#[test]
fn every_format_has_a_fixture_that_is_detected_and_parses() {
    let cases: Vec<(LogFormat, Vec<String>)> = vec![
        (LogFormat::Html5Client, vec![client_escaped()]),
        (LogFormat::Html5Journal, vec![journal()]),
        (LogFormat::BbbWeb, vec![WEB_CREATE.into(), WEB_JOIN.into()]),
        (LogFormat::NginxAccess, vec![ACCESS_JOIN.into()]),
        (LogFormat::Webhooks, vec![WEBHOOK_JOIN.into()]),
        (LogFormat::FreeSwitch, vec![FS_INVITE.into(), FS_NEW.into(), FS_CONT.into(), FS_HANGUP.into()]),
        (LogFormat::Sfu, vec![SFU_WINSTON_TEXT.into(), SFU_WINSTON_JSON.into(), SFU_PINO.into()]),
        (LogFormat::AkkaApps, vec![AKKA_JOIN.into()]),
        (LogFormat::Canonical, vec![CANONICAL.into()]),
    ];
    let covered: Vec<LogFormat> = cases.iter().map(|(f, _)| *f).collect();
    assert_eq!(covered, LogFormat::ALL);
    for (format, lines) in cases {
        let run = run_lines(
            &format!("{format}.log"),
            &lines.iter().map(String::as_str).collect::<Vec<_>>(),
            &Default::default(),
        );
        assert_eq!(run.files[0].format, Some(format));
        run.assert_balanced(lines.len() as u64);
        assert_eq!(run.summary.quarantined, 0, "{format}: {:?}", run.summary);
        assert!(run.summary.events > 0, "{format}");
        assert!(run.events.iter().all(|e| e.format == format));
        // The canonical format names its server; every other line is of the directory's server.
        let server = if format == LogFormat::Canonical { "bbb2" } else { "bbb1" };
        assert!(run.events.iter().all(|e| e.server == server), "{format}");
        assert_eq!(run.summary.by_format.get(format.as_str()), Some(&(lines.len() as u64)));
    }
}

#[test]
fn html5_client_escaped_post_with_two_records() {
    let run = run_lines("html5-client.log", &[&client_escaped()], &Default::default());
    run.assert_balanced(1);
    assert_eq!(run.summary.parsed, 1, "one line");
    assert_eq!(run.kinds(), [EventKind::AudioJoined, EventKind::WebcamFailed], "two events");
    let audio = &run.events[0];
    assert_eq!(audio.time, utc("2026-11-24T07:02:10Z"));
    assert_eq!(audio.audio_mode, Some(AudioMode::Microphone));
    assert_eq!(audio.level, Some(Level::Info));
    assert_eq!(exposed(&audio.person_name), Some(PERSON));
    assert_eq!(exposed(&audio.meeting_name), Some(MEETING_NAME));
    assert_eq!(exposed(&audio.account), Some(ACCOUNT));
    assert_eq!(exposed(&audio.user), Some(USER));
    assert_eq!(exposed(&audio.meeting), Some(MEETING));
    assert_eq!(ip(audio).as_deref(), Some(CLIENT_IP));
    assert_eq!(personal_of(audio, PersonalKind::DeviceLabel), ["Headset von Jörg"]);
    assert_eq!(personal_of(audio, PersonalKind::Secret), [TOKEN]);
    let cam = &run.events[1];
    assert_eq!(cam.error_code.as_deref(), Some("1020"));
    assert_eq!(cam.log_code.as_deref(), Some("video_provider_ice_failed"));
    assert_eq!(cam.level, Some(Level::Error));
    assert_eq!(cam.time, audio.time, "both records take the server's time");
}

#[test]
fn html5_client_escape_none_with_time_local() {
    let escaped = run_lines("a.log", &[&client_escaped()], &Default::default());
    let raw = run_lines("a.log", &[&client_raw()], &Default::default());
    assert_eq!(raw.files[0].format, Some(LogFormat::Html5Client));
    assert_eq!(raw.kinds(), escaped.kinds());
    for (r, e) in raw.events.iter().zip(&escaped.events) {
        assert_eq!(r.time, e.time);
        assert_eq!(exposed(&r.person_name), exposed(&e.person_name));
        assert_eq!(personal_of(r, PersonalKind::DeviceLabel), personal_of(e, PersonalKind::DeviceLabel));
        assert_eq!(ip(r), ip(e));
    }
}

#[test]
fn html5_journal_record_with_meteor_offset() {
    let run = run_lines("syslog", &[&journal()], &Default::default());
    assert_eq!(run.files[0].format, Some(LogFormat::Html5Journal));
    let e = run.only();
    assert_eq!(e.kind, EventKind::AudioJoined);
    // 08:02:10.877 at UTC+1.
    assert_eq!(e.time, utc("2026-11-24T07:02:10.877Z"));
    assert_eq!(exposed(&e.person_name), Some(PERSON));
    assert_eq!(exposed(&e.user), Some(USER));
    assert_eq!(e.ip, None, "the journal has no client address");
}

#[test]
fn html5_journal_text_line_is_a_diagnostic() {
    let line =
        "Nov 24 08:02:10 bbb1 bbb-html5-backend[1234]: W20261124-07:02:10.877(0)? warn: Mongo slow for Jörg Weiß";
    let run = run_lines("syslog", &[line], &Default::default());
    let e = run.only();
    assert_eq!(e.kind, EventKind::OtherDiagnostic);
    assert_eq!(e.level, Some(Level::Warn));
    assert_eq!(exposed(&e.text), Some("Mongo slow for Jörg Weiß"));
}

#[test]
fn bbb_web_synthetic_lifecycle() {
    let run = run_lines("bbb-web.log", &[WEB_CREATE, WEB_JOIN, WEB_BREAKOUT], &Default::default());
    run.assert_balanced(3);
    assert_eq!(run.kinds(), [EventKind::MeetingCreated, EventKind::ParticipantJoined, EventKind::BreakoutRoomCreated]);
    let join = &run.events[1];
    assert_eq!(join.role, Some(Role::Moderator));
    assert_eq!(join.client_type, Some(ClientType::Html5));
    assert_eq!(exposed(&join.person_name), Some(PERSON));
    assert_eq!(exposed(&join.meeting_name), Some(MEETING_NAME));
    let breakout = &run.events[2];
    assert_eq!(exposed(&breakout.meeting), Some(BREAKOUT));
    assert_eq!(exposed(&breakout.parent_meeting), Some(MEETING));
    assert!(run.events.iter().all(|e| e.school.as_deref() == Some("iserv-4711")));
}

#[test]
fn bbb_web_warnings_are_diagnostics_and_info_noise_is_skipped() {
    let lines = [
        "2026-11-24T08:00:04.000+01:00 INFO  o.b.api.ParamsProcessorUtil - Processing create for Jörg Weiß",
        "2026-11-24T08:00:05.000+01:00 ERROR o.b.api.MeetingService - Conversion failed for Referat Weiß.pdf",
        "\tat org.bigbluebutton.Foo.bar(Foo.java:12)",
    ];
    let run = run_lines("bbb-web.log", &lines, &Default::default());
    run.assert_balanced(3);
    let e = run.only();
    assert_eq!(e.kind, EventKind::OtherDiagnostic);
    assert_eq!(e.level, Some(Level::Error));
    assert_eq!(e.log_code.as_deref(), Some("o.b.api.MeetingService"));
    assert_eq!((run.skipped("not_an_event"), run.skipped("continuation")), (1, 1));
}

#[test]
fn nginx_access_join_and_static_files() {
    let run = run_lines("bigbluebutton.access.log", &[ACCESS_JOIN, ACCESS_STATIC], &Default::default());
    run.assert_balanced(2);
    assert_eq!(run.skipped("not_an_event"), 1);
    let e = run.only();
    assert_eq!(e.kind, EventKind::ParticipantJoined);
    assert_eq!(e.time, utc("2026-11-24T07:05:00Z"));
    assert_eq!(exposed(&e.person_name), Some(PERSON2));
    assert_eq!(exposed(&e.account), Some(ACCOUNT2));
    assert_eq!(exposed(&e.external_meeting), Some(EXTERNAL));
    assert_eq!(ip(e).as_deref(), Some("203.0.113.88"));
    assert_eq!(personal_of(e, PersonalKind::Secret), ["pW7secret", "9f8e7d6c5b4a"]);
    assert_eq!(e.school.as_deref(), Some("iserv-4711"));
}

#[test]
fn nginx_access_refused_join_is_a_diagnostic() {
    let line = r#"203.0.113.88 - - [24/Nov/2026:08:05:00 +0100] "GET /bigbluebutton/api/join?fullName=%C3%84nne&meetingID=iserv-4711%2Fx&checksum=bad HTTP/1.1" 403 0 "-" "-""#;
    let run = run_lines("access.log", &[line], &Default::default());
    let e = run.only();
    assert_eq!(e.kind, EventKind::OtherDiagnostic);
    assert_eq!(e.error_code.as_deref(), Some("403"));
    assert_eq!(e.log_code.as_deref(), Some("api_join_refused"));
    assert_eq!(e.person_name.as_ref().map(|p| p.expose().as_str()), Some("Änne"), "kept for scrubbing");
}

#[test]
fn webhooks_3x_join_fields() {
    let run = run_lines("webhooks.log", &[WEBHOOK_JOIN], &Default::default());
    let e = run.only();
    assert_eq!(e.kind, EventKind::ParticipantJoined);
    assert_eq!(e.time, utc("2026-11-24T07:01:12.905Z"));
    assert_eq!(ip(e).as_deref(), Some("2001:db8::17"));
    assert_eq!(exposed(&e.user_agent), Some("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"));
    assert_eq!(personal_of(e, PersonalKind::Secret), [TOKEN]);
    assert_eq!(
        (exposed(&e.person_name), exposed(&e.account), exposed(&e.user)),
        (Some(PERSON), Some(ACCOUNT), Some(USER))
    );
    assert_eq!(e.role, Some(Role::Moderator));
    assert_eq!(e.school.as_deref(), Some("iserv-4711"));
}

#[test]
fn freeswitch_call_with_invite_address_continuation_and_hangup() {
    let run = run_lines(
        "freeswitch.log",
        &[FS_INVITE, FS_NEW, FS_CONT, FS_HANGUP, FS_NEW_LISTEN, FS_HANGUP_FAIL],
        &Default::default(),
    );
    assert_eq!(run.files[0].format, Some(LogFormat::FreeSwitch));
    run.assert_balanced(6);
    assert_eq!(run.skipped("continuation"), 1);
    assert_eq!(run.skipped("not_an_event"), 1, "the invite line");
    assert_eq!(
        run.kinds(),
        [EventKind::AudioJoined, EventKind::AudioLeft, EventKind::AudioJoined, EventKind::AudioFailed]
    );
    let new = &run.events[0];
    // Local time of the server (Europe/Berlin), microseconds kept.
    assert_eq!(new.time, utc("2026-11-24T07:01:20.123456Z"));
    assert_eq!(new.level, Some(Level::Info));
    assert_eq!(exposed(&new.user), Some(USER));
    assert_eq!(exposed(&new.person_name), Some(PERSON));
    assert_eq!(new.audio_mode, Some(AudioMode::Microphone));
    assert_eq!(ip(new).as_deref(), Some("198.51.100.77"), "learnt from the invite");
    assert_eq!(ip(&run.events[1]).as_deref(), Some("198.51.100.77"));
    let listen = &run.events[2];
    assert_eq!(listen.audio_mode, Some(AudioMode::ListenOnly));
    assert_eq!(exposed(&listen.person_name), Some(PERSON2));
    assert_eq!(exposed(&listen.user), Some(USER2));
    assert_eq!(listen.ip, None);
    assert_eq!(run.events[3].error_code.as_deref(), Some("MEDIA_TIMEOUT"));
}

#[test]
fn freeswitch_takes_the_servers_time_zone() {
    let dir_opts = |tz: chrono_tz::Tz| IngestOptions { time_zone: tz, ..Default::default() };
    let berlin = run_lines("freeswitch.log", &[FS_NEW], &dir_opts(chrono_tz::Europe::Berlin));
    let utc_run = run_lines("freeswitch.log", &[FS_NEW], &dir_opts(chrono_tz::UTC));
    assert_eq!(berlin.only().time, utc("2026-11-24T07:01:20.123456Z"));
    assert_eq!(utc_run.only().time, utc("2026-11-24T08:01:20.123456Z"));
}

#[test]
fn sfu_winston_text_winston_json_and_pino() {
    let run = run_lines("sfu.log", &[SFU_WINSTON_TEXT, SFU_WINSTON_JSON, SFU_PINO], &Default::default());
    run.assert_balanced(3);
    assert_eq!(run.kinds(), [EventKind::MediaServerError, EventKind::WebcamStarted, EventKind::MediaServerError]);
    let text = &run.events[0];
    assert_eq!(text.time, utc("2026-11-24T07:02:11.200Z"));
    assert_eq!(text.level, Some(Level::Error));
    assert_eq!(text.error_code.as_deref(), Some("2002"));
    assert_eq!(text.log_code.as_deref(), Some("video"));
    assert_eq!((exposed(&text.user), exposed(&text.meeting)), (Some(USER), Some(MEETING)));
    let json = &run.events[1];
    assert_eq!(json.time, utc("2026-11-24T07:02:12Z"));
    assert_eq!(json.level, Some(Level::Info));
    assert_eq!((exposed(&json.user), exposed(&json.meeting)), (Some(USER), Some(MEETING)));
    let pino = &run.events[2];
    assert_eq!(pino.time, utc("2026-11-24T07:02:11.200Z"));
    assert_eq!(pino.level, Some(Level::Error));
    assert_eq!(pino.error_code.as_deref(), Some("1307"));
    assert_eq!(pino.log_code.as_deref(), Some("screenshare"));
    assert_eq!(ip(pino).as_deref(), Some(CLIENT_IP));
    assert_eq!(exposed(&pino.meeting), Some(MEETING));
}

#[test]
fn akka_with_logback_prefix() {
    let run = run_lines("bbb-apps-akka.log", &[AKKA_JOIN], &Default::default());
    assert_eq!(run.files[0].format, Some(LogFormat::AkkaApps));
    let e = run.only();
    assert_eq!(e.kind, EventKind::ParticipantJoined);
    assert_eq!(e.time, utc("2026-11-24T07:01:12.905Z"));
    assert_eq!(
        (exposed(&e.user), exposed(&e.account), exposed(&e.person_name)),
        (Some(USER), Some(ACCOUNT), Some(PERSON))
    );
    assert_eq!(exposed(&e.meeting), Some(MEETING));
    assert_eq!(ip(e).as_deref(), Some(CLIENT_IP));
    assert_eq!(e.role, Some(Role::Moderator));
    assert_eq!(e.client_type, Some(ClientType::Html5));
    assert_eq!(personal_of(e, PersonalKind::Secret), [TOKEN]);
    assert!(exposed(&e.user_agent).is_some_and(|ua| ua.contains("Firefox/133.0")));
}

#[test]
fn akka_without_envelope_timestamp_takes_the_prefix_time() {
    let line = AKKA_JOIN.replace(r#","timestamp":1795503672905"#, "").replace("08:01:12.905", "08:01:13.000");
    let run = run_lines("bbb-apps-akka.log", &[&line], &Default::default());
    assert_eq!(run.only().time, utc("2026-11-24T07:01:13Z"));
}

#[test]
fn canonical_event_round_trips_every_field() {
    let run = run_lines("events.jsonl", &[CANONICAL], &Default::default());
    assert_eq!(run.files[0].format, Some(LogFormat::Canonical));
    let e = run.only();
    assert_eq!(e.kind, EventKind::AudioJoined);
    assert_eq!(e.time, utc("2026-11-24T07:03:00.250Z"));
    assert_eq!(e.server, "bbb2", "the line names its server");
    assert_eq!(e.school.as_deref(), Some("iserv-4711"));
    assert_eq!(exposed(&e.meeting), Some(MEETING));
    assert_eq!(exposed(&e.external_meeting), Some(EXTERNAL));
    assert_eq!((exposed(&e.account), exposed(&e.user)), (Some(ACCOUNT), Some(USER)));
    assert_eq!(e.role, Some(Role::Moderator));
    assert_eq!(e.client_type, Some(ClientType::Html5));
    assert_eq!(e.audio_mode, Some(AudioMode::ListenOnly));
    assert_eq!(ip(e).as_deref(), Some("2001:db8::17"));
    assert_eq!(e.error_code.as_deref(), Some("1007"));
    assert_eq!(e.log_code.as_deref(), Some("audio_joined"));
    assert_eq!(e.level, Some(Level::Info));
    assert_eq!(exposed(&e.text), Some("Jörg Weiß joined"));
    assert_eq!(exposed(&e.person_name), Some(PERSON));
    assert_eq!(exposed(&e.meeting_name), Some(MEETING_NAME));
    assert_eq!(personal_of(e, PersonalKind::Secret), [TOKEN]);
}

#[test]
fn canonical_rejects_unknown_schema_and_kind() {
    let lines = [
        r#"{"schema":"confstats.raw-event.v0","kind":"audio_joined","time":"2026-11-24T07:03:00Z"}"#,
        r#"{"schema":"confstats.raw-event.v1","kind":"teleported","time":"2026-11-24T07:03:00Z"}"#,
        r#"{"schema":"confstats.raw-event.v1","kind":"audio_joined","time":"yesterday"}"#,
    ];
    let run = run_files(
        &[("bbb1/e.jsonl", joined(&lines))],
        &IngestOptions { format: Some(LogFormat::Canonical), ..Default::default() },
    );
    run.assert_balanced(3);
    assert_eq!(run.summary.events, 0);
    let fields: Vec<_> = run.quarantine.iter().map(|q| (q.reason.as_str(), q.field)).collect();
    assert_eq!(
        fields,
        [("missing_field", Some("schema")), ("unrecognised_line", Some("kind")), ("bad_timestamp", Some("time"))]
    );
}

#[test]
fn bbb_web_presentation_file_name_is_a_personal_value_not_text() {
    let line = r#"2026-11-24T08:20:00.000+01:00 INFO  o.b.presentation.DocumentConversionServiceImp -  --analytics-- data={"logCode":"presentation_conversion_start","meetingId":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000","presentationName":"Referat Jörg Weiß.pdf","filename":"Referat Jörg Weiß.pdf"}"#;
    let run = run_lines("bbb-web.log", &[WEB_CREATE, line], &Default::default());
    assert_eq!(run.kinds(), [EventKind::MeetingCreated, EventKind::PresentationUploaded]);
    let e = &run.events[1];
    assert_eq!(personal_of(e, PersonalKind::FileName), ["Referat Jörg Weiß.pdf", "Referat Jörg Weiß.pdf"]);
    assert_eq!((exposed(&e.text), exposed(&e.meeting_name)), (None, None));
    assert_eq!(e.school.as_deref(), Some("iserv-4711"), "from the meeting map");
}

#[test]
fn server_rules_name_servers_and_set_their_time_zone() {
    let dir = tempfile::tempdir().unwrap();
    crate::common::write_file(&dir.path().join("host-a/fs/freeswitch.log"), &joined(&[FS_NEW]));
    crate::common::write_file(&dir.path().join("host-b/freeswitch.log"), &joined(&[FS_NEW]));
    let opts = IngestOptions {
        servers: vec![confstats_ingest::ServerRule {
            path: dir.path().join("host-a"),
            name: Some("bbb-eins".into()),
            time_zone: Some(chrono_tz::UTC),
        }],
        ..Default::default()
    };
    let run = crate::common::run_dir(dir, &opts);
    let servers: Vec<_> = run.files.iter().map(|f| (f.server.as_str(), f.time_zone)).collect();
    assert_eq!(servers, [("bbb-eins", chrono_tz::UTC), ("host-b", chrono_tz::Europe::Berlin)]);
    let mut times: Vec<_> = run.events.iter().map(|e| (e.server.as_str(), e.time)).collect();
    times.sort();
    assert_eq!(
        times,
        [("bbb-eins", utc("2026-11-24T08:01:20.123456Z")), ("host-b", utc("2026-11-24T07:01:20.123456Z"))]
    );
}
