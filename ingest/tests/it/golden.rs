//! Golden fixtures: every example line of FORMATS.md §1–3, verbatim, with every field it carries.

use confstats_ingest::{ClientType, EventKind, IngestOptions, Level, LogFormat, PersonalKind, Role};

use crate::common::{exposed, ip, joined, personal_of, run_files, run_lines, utc};

/// FORMATS.md §1: an HTML5 client log POST, nginx `postdata` with `\xHH` escapes.
pub const CLIENT: &str = r#"203.0.113.41 [2026-11-24T08:02:11+01:00] [{\x22name\x22:\x22clientLogger\x22,\x22level\x22:50,\x22msg\x22:\x22Audio error - errorCode=1007, cause=ICE negotiation failed\x22,\x22time\x22:\x222026-11-24T07:02:10.877Z\x22,\x22logCode\x22:\x22audio_failure\x22,\x22extraInfo\x22:{\x22errorCode\x22:1007,\x22cause\x22:\x22ICE negotiation failed\x22,\x22bridge\x22:\x22sip\x22},\x22userInfo\x22:{\x22sessionToken\x22:\x22k3x9q2mzp0a8b7c1\x22,\x22meetingId\x22:\x229a0c1e…-1795503600000\x22,\x22requesterUserId\x22:\x22w_h2k8d0q1x9ab\x22,\x22fullname\x22:\x22J\xC3\xBCrgen Beispiel\x22,\x22confname\x22:\x22Klasse 4b Mathe\x22,\x22externUserID\x22:\x22j.beispiel\x22},\x22url\x22:\x22https://bbb3.example.org/html5client/join?sessionToken=k3x9q2mzp0a8b7c1\x22,\x22userAgent\x22:\x22Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\x22,\x22count\x22:1}]"#;

/// FORMATS.md §2: bbb-web `create_meeting`.
pub const WEB_CREATE: &str = r#"2026-11-24T08:00:03.112+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"logCode":"create_meeting","description":"Create meeting.","meetingId":"9a0c1e…-1795503600000","externalMeetingId":"iserv-4711/room-88","name":"Klasse 4b Mathe","duration":0,"record":false,"isBreakout":false}"#;

/// FORMATS.md §2: bbb-web `user_joined_message` (keys in no fixed order).
pub const WEB_JOIN: &str = r#"2026-11-24T08:01:12.905+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"role":"VIEWER","clientType":"HTML5","externalUserId":"j.beispiel","logCode":"user_joined_message","name":"Klasse 4b Mathe","description":"User joined the meeting.","meetingId":"9a0c1e…-1795503600000","externalMeetingId":"iserv-4711/room-88","guest":false,"guestStatus":"ALLOW","userId":"w_h2k8d0q1x9ab","username":"Jürgen Beispiel"}"#;

/// FORMATS.md §3: the join redirect in nginx's access log.
pub const ACCESS_JOIN: &str = r#"198.51.100.23 - - [24/Nov/2026:08:01:12 +0100] "GET /bigbluebutton/api/join?fullName=J%C3%BCrgen+Beispiel&meetingID=iserv-4711%2Froom-88&password=ap5Kx2&userID=j.beispiel&redirect=true&checksum=0f1e2d… HTTP/1.1" 302 0 "https://schule.example.de/iserv/videoconference" "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1""#;

const MEETING: &str = "9a0c1e…-1795503600000";
const CHROME: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const IPAD: &str = "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) \
                    Version/17.5 Mobile/15E148 Safari/604.1";

/// The fenced example lines of FORMATS.md, in order.
fn formats_md_examples() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/FORMATS.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut inside = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            inside = !inside;
        } else if inside {
            out.push(line.to_owned());
        }
    }
    out
}

#[test]
fn fixtures_are_the_formats_md_examples_verbatim() {
    assert_eq!(formats_md_examples(), [CLIENT, WEB_CREATE, WEB_JOIN, ACCESS_JOIN]);
}

#[test]
fn each_example_is_detected_as_its_format() {
    let run = run_files(
        &[
            ("bbb1/a.log", joined(&[CLIENT])),
            ("bbb1/b.log", joined(&[WEB_CREATE])),
            ("bbb1/c.log", joined(&[WEB_JOIN])),
            ("bbb1/d.log", joined(&[ACCESS_JOIN])),
        ],
        &IngestOptions::default(),
    );
    let formats: Vec<_> = run.files.iter().map(|f| f.format).collect();
    assert_eq!(
        formats,
        [Some(LogFormat::Html5Client), Some(LogFormat::BbbWeb), Some(LogFormat::BbbWeb), Some(LogFormat::NginxAccess)]
    );
    assert!(run.files.iter().all(|f| f.server == "bbb1"));
    run.assert_balanced(4);
    assert_eq!((run.summary.parsed, run.summary.events, run.summary.quarantined), (4, 4, 0));
}

/// All examples of one server: the lifecycle lines teach the meeting map the school of the
/// meeting the client record names only by its internal id.
fn server_run() -> crate::common::Run {
    run_files(
        &[
            ("bbb1/bbb-web.log", joined(&[WEB_CREATE, WEB_JOIN])),
            ("bbb1/html5-client.log", joined(&[CLIENT])),
            ("bbb1/bigbluebutton.access.log", joined(&[ACCESS_JOIN])),
        ],
        &IngestOptions::default(),
    )
}

#[test]
fn client_example_fields() {
    let run = server_run();
    run.assert_balanced(4);
    let e = run.events.iter().find(|e| e.format == LogFormat::Html5Client).unwrap();
    assert_eq!(e.kind, EventKind::AudioFailed);
    assert_eq!(e.server, "bbb1");
    assert_eq!(e.line, 1);
    // The server's clock (nginx), not the browser's `time` (07:02:10.877Z).
    assert_eq!(e.time, utc("2026-11-24T07:02:11Z"));
    assert_eq!(exposed(&e.meeting), Some(MEETING));
    assert_eq!(exposed(&e.external_meeting), None);
    assert_eq!(exposed(&e.account), Some("j.beispiel"));
    assert_eq!(exposed(&e.user), Some("w_h2k8d0q1x9ab"));
    assert_eq!(exposed(&e.person_name), Some("Jürgen Beispiel"));
    assert_eq!(exposed(&e.meeting_name), Some("Klasse 4b Mathe"));
    assert_eq!(ip(e).as_deref(), Some("203.0.113.41"));
    assert_eq!(exposed(&e.user_agent), Some(CHROME));
    assert_eq!(e.error_code.as_deref(), Some("1007"));
    assert_eq!(e.log_code.as_deref(), Some("audio_failure"));
    assert_eq!(e.level, Some(Level::Error));
    assert_eq!(exposed(&e.text), Some("Audio error - errorCode=1007, cause=ICE negotiation failed"));
    assert_eq!(personal_of(e, PersonalKind::Secret), ["k3x9q2mzp0a8b7c1"]);
    assert_eq!(e.role, None);
    assert_eq!(e.school.as_deref(), Some("iserv-4711"));
}

#[test]
fn client_example_alone_has_no_school() {
    let run = run_lines("html5-client.log", &[CLIENT], &IngestOptions::default());
    let e = run.only();
    assert_eq!(e.kind, EventKind::AudioFailed);
    assert_eq!(e.school, None);
}

#[test]
fn bbb_web_create_meeting_example_fields() {
    let run = server_run();
    let e = run.events.iter().find(|e| e.format == LogFormat::BbbWeb && e.line == 1).unwrap();
    assert_eq!(e.kind, EventKind::MeetingCreated);
    assert_eq!(e.time, utc("2026-11-24T07:00:03.112Z"));
    assert_eq!(e.level, Some(Level::Info));
    assert_eq!(e.log_code.as_deref(), Some("create_meeting"));
    assert_eq!(exposed(&e.meeting), Some(MEETING));
    assert_eq!(exposed(&e.external_meeting), Some("iserv-4711/room-88"));
    assert_eq!(exposed(&e.meeting_name), Some("Klasse 4b Mathe"));
    assert_eq!(exposed(&e.parent_meeting), None);
    assert_eq!((exposed(&e.user), exposed(&e.account), exposed(&e.person_name)), (None, None, None));
    assert_eq!(e.school.as_deref(), Some("iserv-4711"));
}

#[test]
fn bbb_web_user_joined_example_fields() {
    let run = server_run();
    let e = run.events.iter().find(|e| e.format == LogFormat::BbbWeb && e.line == 2).unwrap();
    assert_eq!(e.kind, EventKind::ParticipantJoined);
    assert_eq!(e.time, utc("2026-11-24T07:01:12.905Z"));
    assert_eq!(e.level, Some(Level::Info));
    assert_eq!(e.log_code.as_deref(), Some("user_joined_message"));
    assert_eq!(exposed(&e.meeting), Some(MEETING));
    assert_eq!(exposed(&e.external_meeting), Some("iserv-4711/room-88"));
    assert_eq!(exposed(&e.user), Some("w_h2k8d0q1x9ab"));
    assert_eq!(exposed(&e.account), Some("j.beispiel"));
    // `name` is the meeting, `username` the person.
    assert_eq!(exposed(&e.person_name), Some("Jürgen Beispiel"));
    assert_eq!(exposed(&e.meeting_name), Some("Klasse 4b Mathe"));
    assert_eq!(e.role, Some(Role::Viewer));
    assert_eq!(e.client_type, Some(ClientType::Html5));
    assert_eq!(e.ip, None);
    assert_eq!(e.school.as_deref(), Some("iserv-4711"));
}

#[test]
fn nginx_access_join_example_fields() {
    let run = server_run();
    let e = run.events.iter().find(|e| e.format == LogFormat::NginxAccess).unwrap();
    assert_eq!(e.kind, EventKind::ParticipantJoined);
    assert_eq!(e.time, utc("2026-11-24T07:01:12Z"));
    assert_eq!(ip(e).as_deref(), Some("198.51.100.23"));
    assert_eq!(exposed(&e.person_name), Some("Jürgen Beispiel"));
    assert_eq!(exposed(&e.external_meeting), Some("iserv-4711/room-88"));
    assert_eq!(exposed(&e.account), Some("j.beispiel"));
    assert_eq!(exposed(&e.user_agent), Some(IPAD));
    assert_eq!(personal_of(e, PersonalKind::Secret), ["ap5Kx2", "0f1e2d…"]);
    assert_eq!((e.error_code.as_deref(), e.log_code.as_deref()), (None, None));
    assert_eq!(e.school.as_deref(), Some("iserv-4711"));
}

#[test]
fn server_run_counts_every_kind() {
    let run = server_run();
    run.assert_balanced(4);
    let by_kind: Vec<(&str, u64)> = run.summary.by_kind.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(by_kind, [("audio_failed", 1), ("meeting_created", 1), ("participant_joined", 2)]);
    let by_format: Vec<(&str, u64)> = run.summary.by_format.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(by_format, [("bbb-web", 2), ("html5-client", 1), ("nginx-access", 1)]);
}
