//! Synthetic fixtures, one or more per format. Invented names (with umlauts and ß), IPs only from
//! the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32).

/// Internal id of the synthetic meeting.
pub const MEETING: &str = "c0ffee0123456789abcdef0123456789abcdef01-1795503600000";
/// Its external id (an IServ room of school `iserv-4711`).
pub const EXTERNAL: &str = "iserv-4711/klasse-7c-deutsch";
/// Its name.
pub const MEETING_NAME: &str = "Klasse 7c Deutsch bei Frau Weiß";
/// Internal id of a breakout room of [`MEETING`], whose external id names no school.
pub const BREAKOUT: &str = "bbbbbb0123456789abcdef0123456789abcdef01-1795503900000";
/// The participant.
pub const PERSON: &str = "Jörg Weiß";
pub const ACCOUNT: &str = "j.weiss";
pub const USER: &str = "w_q7r8s9t0u1v2";
pub const TOKEN: &str = "tq9zk2m8x7w6v5u4";
pub const CLIENT_IP: &str = "192.0.2.17";
/// A second participant.
pub const PERSON2: &str = "Änne Straßburger";
pub const ACCOUNT2: &str = "a.strassburger";
pub const USER2: &str = "w_a1b2c3d4e5f6";

/// bbb-web: the meeting is created.
pub const WEB_CREATE: &str = r#"2026-11-24T08:00:00.000+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"logCode":"create_meeting","description":"Create meeting.","meetingId":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000","externalMeetingId":"iserv-4711/klasse-7c-deutsch","name":"Klasse 7c Deutsch bei Frau Weiß","duration":0,"record":false,"isBreakout":false}"#;
/// bbb-web: the participant joins.
pub const WEB_JOIN: &str = r#"2026-11-24T08:01:00.000+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"username":"Jörg Weiß","userId":"w_q7r8s9t0u1v2","externalUserId":"j.weiss","role":"MODERATOR","clientType":"HTML5","logCode":"user_joined_message","name":"Klasse 7c Deutsch bei Frau Weiß","meetingId":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000","externalMeetingId":"iserv-4711/klasse-7c-deutsch"}"#;
/// bbb-web: the second participant joins.
pub const WEB_JOIN2: &str = r#"2026-11-24T08:01:30.000+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"logCode":"user_joined_message","meetingId":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000","externalMeetingId":"iserv-4711/klasse-7c-deutsch","userId":"w_a1b2c3d4e5f6","externalUserId":"a.strassburger","username":"Änne Straßburger","role":"VIEWER","clientType":"HTML5"}"#;
/// bbb-web: a breakout room of the meeting; its external id names no school.
pub const WEB_BREAKOUT: &str = r#"2026-11-24T08:10:00.000+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"logCode":"create_meeting","meetingId":"bbbbbb0123456789abcdef0123456789abcdef01-1795503900000","externalMeetingId":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000-1","parentMeetingId":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000","name":"Gruppe 1 (Müller, Weiß)","isBreakout":true}"#;

/// One HTML5 client log record (raw JSON) of the participant: an audio join.
pub const CLIENT_RECORD_AUDIO: &str = r#"{"name":"clientLogger","level":30,"msg":"Audio Joined","time":"2026-11-24T07:02:09.500Z","logCode":"audio_joined","extraInfo":{"listenOnly":false,"inputDeviceLabel":"Headset von Jörg"},"userInfo":{"sessionToken":"tq9zk2m8x7w6v5u4","meetingId":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000","requesterUserId":"w_q7r8s9t0u1v2","fullname":"Jörg Weiß","confname":"Klasse 7c Deutsch bei Frau Weiß","externUserID":"j.weiss"},"userAgent":"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0","count":1}"#;
/// A second record: a webcam error.
pub const CLIENT_RECORD_CAM: &str = r#"{"level":50,"logCode":"video_provider_ice_failed","msg":"Camera failed for Jörg Weiß from 192.0.2.17","extraInfo":{"errorCode":1020},"userInfo":{"meetingId":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000","requesterUserId":"w_q7r8s9t0u1v2","fullname":"Jörg Weiß","externUserID":"j.weiss","sessionToken":"tq9zk2m8x7w6v5u4"}}"#;

/// nginx `postdata` as nginx writes it: `"` as `\x22`, `\` as `\x5C`, non-ASCII bytes as `\xHH`.
pub fn nginx_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'"' | b'\\' => out.push_str(&format!("\\x{b:02X}")),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02X}")),
        }
    }
    out
}

/// html5-client.log: one POST of two records, nginx-escaped, `$time_iso8601`.
pub fn client_escaped() -> String {
    let body = format!("[{CLIENT_RECORD_AUDIO},{CLIENT_RECORD_CAM}]");
    format!("{CLIENT_IP} [2026-11-24T08:02:10+01:00] {}", nginx_escape(&body))
}

/// html5-client.log with `escape=none` and `$time_local`: raw JSON.
pub fn client_raw() -> String {
    format!("{CLIENT_IP} [24/Nov/2026:08:02:10 +0100] [{CLIENT_RECORD_AUDIO},{CLIENT_RECORD_CAM}]")
}

/// The bbb-html5 journal with Meteor's prefix; Meteor's local time is UTC+1 here.
pub fn journal() -> String {
    format!("Nov 24 08:02:10 bbb1 bbb-html5-backend[1234]: I20261124-08:02:10.877(1)? info: {CLIENT_RECORD_AUDIO}")
}

/// nginx access log: a join with the name URL-encoded.
pub const ACCESS_JOIN: &str = r#"203.0.113.88 - - [24/Nov/2026:08:05:00 +0100] "GET /bigbluebutton/api/join?fullName=%C3%84nne+Stra%C3%9Fburger&meetingID=iserv-4711%2Fklasse-7c-deutsch&password=pW7secret&userID=a.strassburger&redirect=true&checksum=9f8e7d6c5b4a HTTP/1.1" 302 0 "https://schule.example.de/iserv/videoconference" "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15""#;
/// The same join with the name as nginx's `\xHH` bytes.
pub const ACCESS_JOIN_XHH: &str = r#"203.0.113.88 - - [24/Nov/2026:08:05:00 +0100] "GET /bigbluebutton/api/join?fullName=\xC3\x84nne+Stra\xC3\x9Fburger&meetingID=iserv-4711/klasse-7c-deutsch&userID=a.strassburger HTTP/1.1" 302 0 "-" "-""#;
/// The same join with the name in raw UTF-8 and `%20`.
pub const ACCESS_JOIN_UTF8: &str = r#"203.0.113.88 - - [24/Nov/2026:08:05:00 +0100] "GET /bigbluebutton/api/join?meetingID=iserv-4711%2Fklasse-7c-deutsch&userID=a.strassburger&fullName=Änne%20Straßburger HTTP/1.1" 302 0 "-" "-""#;
/// A static file: no event.
pub const ACCESS_STATIC: &str =
    r#"203.0.113.88 - - [24/Nov/2026:08:05:01 +0100] "GET /html5client/favicon.ico HTTP/2.0" 200 1150 "-" "-""#;

/// Webhooks (3.x): a join with IP, user agent and session token; keys in another order.
pub const WEBHOOK_JOIN: &str = r#"{"data":{"event":{"ts":1795503672905},"attributes":{"user":{"session-token":"tq9zk2m8x7w6v5u4","user-agent":"Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0","ip-address":"2001:db8::17","role":"MODERATOR","name":"Jörg Weiß","external-user-id":"j.weiss","internal-user-id":"w_q7r8s9t0u1v2","presenter":false},"meeting":{"external-meeting-id":"iserv-4711/klasse-7c-deutsch","internal-meeting-id":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000"}},"id":"user-joined","type":"event"}}"#;

/// FreeSWITCH: invite, new channel, a continuation line, hangup (one call).
pub const FS_INVITE: &str = "0f0e0d0c-0b0a-4909-8807-060504030201 2026-11-24 08:01:19.100000 97.23% [NOTICE] sofia.c:10424 receiving invite from 198.51.100.77:45252 version: 1.10.12";
pub const FS_NEW: &str = "0f0e0d0c-0b0a-4909-8807-060504030201 2026-11-24 08:01:20.123456 97.23% [NOTICE] switch_channel.c:1142 New Channel sofia/external/w_q7r8s9t0u1v2_1-bbbID-Jörg Weiß@bbb1.example.org [0f0e0d0c-0b0a-4909-8807-060504030201]";
pub const FS_CONT: &str = "0f0e0d0c-0b0a-4909-8807-060504030201 Dialplan: sofia/external/w_q7r8s9t0u1v2_1-bbbID-Jörg Weiß@bbb1.example.org parsing [public->bbb_conference] continue=false";
pub const FS_HANGUP: &str = "0f0e0d0c-0b0a-4909-8807-060504030201 2026-11-24 08:31:20.000001 97.00% [NOTICE] switch_core_session.c:1744 Hangup sofia/external/w_q7r8s9t0u1v2_1-bbbID-Jörg Weiß@bbb1.example.org [CS_EXECUTE] [NORMAL_CLEARING]";
/// A listen-only channel that fails.
pub const FS_NEW_LISTEN: &str = "1a2b3c4d-0000-4000-8000-00000000abcd 2026-11-24 08:02:00.000000 97.23% [NOTICE] switch_channel.c:1142 New Channel sofia/external/w_a1b2c3d4e5f6_1-bbbID-LISTENONLY-Änne Straßburger@bbb1.example.org [1a2b3c4d-0000-4000-8000-00000000abcd]";
pub const FS_HANGUP_FAIL: &str = "1a2b3c4d-0000-4000-8000-00000000abcd 2026-11-24 08:02:30.000000 97.23% [NOTICE] switch_core_session.c:1744 Hangup sofia/external/w_a1b2c3d4e5f6_1-bbbID-LISTENONLY-Änne Straßburger@bbb1.example.org [CS_CONSUME_MEDIA] [MEDIA_TIMEOUT]";

/// bbb-webrtc-sfu 2.0–2.4 winston text.
pub const SFU_WINSTON_TEXT: &str = "2026-11-24T07:02:11.200Z - error: [video] Video provider failed errorCode=2002, userId=w_q7r8s9t0u1v2, roomId=c0ffee0123456789abcdef0123456789abcdef01-1795503600000 candidate:7 1 udp 2122260223 192.0.2.17 50418 typ host";
/// winston JSON.
pub const SFU_WINSTON_JSON: &str = r#"{"level":"info","message":"Video started for w_q7r8s9t0u1v2","timestamp":"2026-11-24T07:02:12.000Z","label":"video","roomId":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000","userId":"w_q7r8s9t0u1v2"}"#;
/// 2.5+ pino JSON.
pub const SFU_PINO: &str = r#"{"level":50,"time":1795503731200,"pid":812,"hostname":"bbb1","mod":"screenshare","msg":"ICE failed","errorCode":1307,"internalMeetingId":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000","userId":"w_q7r8s9t0u1v2","clientIp":"192.0.2.17"}"#;

/// akka-apps with the logback prefix: a 3.x join with IP, user agent and token.
pub const AKKA_JOIN: &str = r#"2026-11-24T08:01:12.905+01:00 INFO  o.b.core2.AnalyticsActor -  -- analytics -- {"envelope":{"name":"UserJoinedMeetingEvtMsg","routing":{"meetingId":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000","userId":"w_q7r8s9t0u1v2"},"timestamp":1795503672905},"core":{"header":{"name":"UserJoinedMeetingEvtMsg","meetingId":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000","userId":"w_q7r8s9t0u1v2"},"body":{"intId":"w_q7r8s9t0u1v2","extId":"j.weiss","name":"Jörg Weiß","role":"MODERATOR","clientType":"HTML5","ipAddress":"192.0.2.17","userAgent":"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0","sessionToken":"tq9zk2m8x7w6v5u4"}}}"#;

/// The canonical JSONL event.
pub const CANONICAL: &str = r#"{"schema":"confstats.raw-event.v1","kind":"audio_joined","time":"2026-11-24T07:03:00.250Z","server":"bbb2","school":"iserv-4711","meeting":"c0ffee0123456789abcdef0123456789abcdef01-1795503600000","external_meeting":"iserv-4711/klasse-7c-deutsch","account":"j.weiss","user":"w_q7r8s9t0u1v2","role":"moderator","client_type":"html5","audio_mode":"listen_only","ip":"2001:db8::17","user_agent":"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0","error_code":"1007","log_code":"audio_joined","level":"info","text":"Jörg Weiß joined","person_name":"Jörg Weiß","meeting_name":"Klasse 7c Deutsch bei Frau Weiß","secrets":["tq9zk2m8x7w6v5u4"]}"#;

/// Every personal value of the synthetic fixtures (for the leak tests).
pub const PERSONAL_VALUES: &[&str] = &[
    "Jörg",
    "Weiß",
    "J\\xC3\\xB6rg",
    "Änne",
    "Straßburger",
    "Stra%C3%9F",
    "Klasse 7c",
    "Gruppe 1",
    "Headset von",
    "j.weiss",
    "a.strassburger",
    "w_q7r8s9t0u1v2",
    "w_a1b2c3d4e5f6",
    "c0ffee0123456789",
    "bbbbbb0123456789",
    "klasse-7c-deutsch",
    "tq9zk2m8x7w6v5u4",
    "pW7secret",
    "9f8e7d6c5b4a",
    "192.0.2.17",
    "198.51.100.77",
    "203.0.113.88",
    "2001:db8::17",
    "Firefox/133",
    "Safari/605",
];
