//! The privacy promise of the whole anonymisation (DESIGN.md rules 2–4 and 7; issue 3, first
//! "Done when" bullet), tested end to end through the library API.
//!
//! Generated personal values — person names (umlauts, `ß`, surnames that are German words),
//! e-mail addresses, IPv4 and IPv6 addresses from the documentation ranges, accounts, BBB user
//! ids, meeting and room ids, meeting and file names, device labels, session tokens, passwords,
//! checksums, chat and poll content — are placed in every field and every free-text position of
//! every log format (URL-encoded, `\xHH`-escaped, inside SIP ids, SDP and ICE candidates, stream
//! ids), written as one server's logs and run through `discover` + `anonymize`. Then:
//! - no value appears in any decoded string column of any store file (case-insensitively; the
//!   parts of person names of at least four letters as whole tokens; values with non-ASCII
//!   letters also in their `%`-encoded and `\xHH` forms);
//! - no value appears in any byte of any file under `DATA/` (store and quarantine), nor in the
//!   run summary;
//! - the store is not empty and holds the expected sources and kinds (no vacuous pass).
//!
//! Besides the all-formats run, every format is also run on its own (with the people's bbb-web
//! joins on a second server, so that the batch knows their names, as in a real batch): with all
//! formats on one server, most of a format's events are duplicates of a better source and never
//! reach the store, so only the isolated runs show what each parser hands to the store.

// Tests may unwrap: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;
use confstats_anonymize::{AnonymizeOptions, AnonymizeSummary, anonymize, columns};
use confstats_ingest::{IngestOptions, LogFormat, discover};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use proptest::prelude::*;
use serde_json::{Value, json};

// --- the generated world -----------------------------------------------------------------------

/// First names: umlauts, `ß`-free and hyphenated ones, and short ones (< 4 letters, matched only
/// as part of the full name).
const FIRST: &[&str] = &[
    "Jörg",
    "Jürgen",
    "Änne",
    "Björn",
    "Sören",
    "Käthe",
    "Günther",
    "Jens",
    "Ömer",
    "Leonie",
    "Anna-Lena",
    "Hans-Jürgen",
    "Friederike",
    "Maximilian",
    "Ole",
    "Eva",
    "Mia",
    "Zoë",
];
/// Surnames: umlauts and `ß`, and German words (Wolf, Koch, Fuchs …), which a scrubber must
/// replace as names but could mistake for ordinary words.
const LAST: &[&str] = &[
    "Weiß",
    "Müller",
    "Straßburger",
    "Schäfer",
    "Krüger",
    "Köhler",
    "Strauß",
    "Größer",
    "Özdemir",
    "Wolf",
    "Koch",
    "Fuchs",
    "Vogel",
    "Bauer",
    "Becker",
    "Braun",
    "Klein",
    "Lange",
    "Winter",
    "Sommer",
    "Stein",
    "Busch",
    "Hahn",
];
const DOMAINS: &[&str] = &["schule-musterstadt.de", "gmx.de", "web.de", "example.org", "iserv-schule.de"];
const SUBJECTS: &[&str] = &["Mathe", "Deutsch", "Englisch", "Physik", "Erdkunde", "Sport"];
const IPV4_NETS: &[&str] = &["192.0.2", "198.51.100", "203.0.113"];
const UAS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
];

/// How the nginx access log writes a name in the join URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameEncoding {
    /// `J%C3%B6rg+Wei%C3%9F`
    PercentPlus,
    /// `J%C3%B6rg%20Wei%C3%9F`
    Percent20,
    /// `j%c3%b6rg%20wei%c3%9f` (lowercase hex)
    PercentLower,
    /// `Jörg%20Weiß`
    RawUtf8,
    /// `J\xC3\xB6rg+Wei\xC3\x9F`
    Xhh,
}

/// One participant. Test data: synthetic personal values.
#[derive(Debug, Clone)]
struct Person {
    first: String,
    last: String,
    account: String,
    user: String,
    email: String,
    ipv4: String,
    ipv6: String,
    token: String,
    password: String,
    encoding: NameEncoding,
}

impl Person {
    fn name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

/// One conference with its participants. Test data: synthetic personal values.
#[derive(Debug, Clone)]
struct World {
    people: Vec<Person>,
    meeting: String,
    external: String,
    meeting_name: String,
    file_name: String,
    device_label: String,
    checksum: String,
    moderator_pw: String,
    viewer_pw: String,
    chat: String,
    poll: String,
}

impl World {
    /// The sha1 part of the internal meeting id.
    fn meeting_hash(&self) -> &str {
        self.meeting.split('-').next().unwrap_or(&self.meeting)
    }
}

/// `Jörg` → `joerg`, `Weiß` → `weiss`.
fn ascii(s: &str) -> String {
    s.to_lowercase().replace('ä', "ae").replace('ö', "oe").replace('ü', "ue").replace('ß', "ss").replace('ë', "e")
}

/// A session token: 16 lowercase letters and digits, at least one of each.
fn session_token() -> impl Strategy<Value = String> {
    "[a-z0-9]{16}".prop_filter("mixes letters and digits", |t| {
        t.bytes().any(|b| b.is_ascii_digit()) && t.bytes().any(|b| b.is_ascii_alphabetic())
    })
}

fn password() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{8,10}".prop_filter("mixes letters and digits", |t| {
        t.bytes().any(|b| b.is_ascii_digit()) && t.bytes().any(|b| b.is_ascii_alphabetic())
    })
}

fn ipv6() -> impl Strategy<Value = String> {
    (1u16.., 1u16.., 1u16.., any::<bool>()).prop_map(|(a, b, c, compressed)| {
        if compressed { format!("2001:db8:{a:x}:{b:x}::{c:x}") } else { format!("2001:db8:{a:x}:0:{b:x}:0:0:{c:x}") }
    })
}

fn encoding() -> impl Strategy<Value = NameEncoding> {
    prop_oneof![
        Just(NameEncoding::PercentPlus),
        Just(NameEncoding::Percent20),
        Just(NameEncoding::PercentLower),
        Just(NameEncoding::RawUtf8),
        Just(NameEncoding::Xhh),
    ]
}

fn person() -> impl Strategy<Value = Person> {
    (
        (0..FIRST.len(), 0..LAST.len(), "[0-9]{0,2}", any::<bool>()),
        "w_[a-z0-9]{12}",
        0..DOMAINS.len(),
        (0..IPV4_NETS.len(), 1u8..=254),
        ipv6(),
        session_token(),
        password(),
        encoding(),
    )
        .prop_map(|((f, l, digits, initial), user, domain, (net, host), ipv6, token, password, encoding)| {
            let (first, last) = (FIRST[f].to_owned(), LAST[l].to_owned());
            let given = if initial { ascii(&first)[..1].to_owned() } else { ascii(&first) };
            Person {
                account: format!("{given}.{}{digits}", ascii(&last)),
                email: format!("{}.{}@{}", ascii(&first), ascii(&last), DOMAINS[domain]),
                ipv4: format!("{}.{host}", IPV4_NETS[net]),
                first,
                last,
                user,
                ipv6,
                token,
                password,
                encoding,
            }
        })
}

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::vec(person(), 2..=3),
        ("[0-9a-f]{40}", 1795503600000u64..1795507200000),
        ("[a-z0-9]{4}", 0..SUBJECTS.len(), 1u8..=13, "[a-e]"),
        "[0-9a-f]{40}",
        (password(), password()),
        ("[a-z]{10}", "[a-z]{10}"),
    )
        .prop_map(|(people, (hash, ms), (slug, subject, class, letter), checksum, (m_pw, v_pw), (chat, poll))| {
            let subject = SUBJECTS[subject];
            let teacher = &people[0];
            World {
                meeting: format!("{hash}-{ms}"),
                external: format!("iserv-4711/{}-{class}{letter}-{slug}", subject.to_lowercase()),
                meeting_name: format!("Klasse {class}{letter} {subject} bei {}", teacher.last),
                file_name: format!("Arbeitsblatt {subject} {}.pdf", teacher.last),
                device_label: format!("Headset von {}", people[1].first),
                checksum,
                moderator_pw: m_pw,
                viewer_pw: v_pw,
                chat: format!("Treffpunkt {chat} um 9"),
                poll: format!("Wer kommt zu {poll}?"),
                people,
            }
        })
}

/// A fixed world for the deterministic tests.
fn fixed_world() -> World {
    let person = |first: &str, last: &str, account: &str, user: &str, ip: &str, ip6: &str, token: &str, enc| Person {
        first: first.into(),
        last: last.into(),
        account: account.into(),
        user: user.into(),
        email: format!("{}.{}@schule-musterstadt.de", ascii(first), ascii(last)),
        ipv4: ip.into(),
        ipv6: ip6.into(),
        token: token.into(),
        password: format!("pW{}x7", &token[..4]),
        encoding: enc,
    };
    World {
        people: vec![
            person(
                "Jörg",
                "Weiß",
                "j.weiss",
                "w_q7r8s9t0u1v2",
                "192.0.2.17",
                "2001:db8:17::a1",
                "tq9zk2m8x7w6v5u4",
                NameEncoding::PercentPlus,
            ),
            person(
                "Änne",
                "Straßburger",
                "aenne.strassburger",
                "w_a1b2c3d4e5f6",
                "198.51.100.77",
                "2001:db8:0:4a:0:0:0:9",
                "k3x9q2mzp0a8b7c1",
                NameEncoding::Xhh,
            ),
            person(
                "Eva",
                "Wolf",
                "e.wolf7",
                "w_h2k8d0q1x9ab",
                "203.0.113.88",
                "2001:db8:beef:1::5",
                "m4n5b6v7c8x9z0l1",
                NameEncoding::RawUtf8,
            ),
        ],
        meeting: "c0ffee0123456789abcdef0123456789abcdef01-1795503600000".into(),
        external: "iserv-4711/klasse-7c-deutsch".into(),
        meeting_name: "Klasse 7c Deutsch bei Weiß".into(),
        file_name: "Arbeitsblatt Deutsch Weiß.pdf".into(),
        device_label: "Headset von Änne".into(),
        checksum: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432".into(),
        moderator_pw: "mOd3rat0r".into(),
        viewer_pw: "v1ewerPw9".into(),
        chat: "Treffpunkt Schulhof um 9".into(),
        poll: "Wer kommt zu Pausenhalle?".into(),
    }
}

// --- encodings ---------------------------------------------------------------------------------

/// nginx `postdata` escaping: `"` and `\` as `\xHH`, non-ASCII bytes as `\xHH`.
fn nginx_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'"' | b'\\' => write!(out, "\\x{b:02X}").unwrap(),
            0x20..=0x7e => out.push(b as char),
            _ => write!(out, "\\x{b:02X}").unwrap(),
        }
    }
    out
}

/// Percent-encoding of everything but unreserved characters; spaces as `space`.
fn percent(s: &str, space: &str, lower: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b' ' => out.push_str(space),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            _ if lower => write!(out, "%{b:02x}").unwrap(),
            _ => write!(out, "%{b:02X}").unwrap(),
        }
    }
    out
}

/// Non-ASCII bytes as `\xHH`, spaces as `space`.
fn xhh(s: &str, space: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b' ' => out.push_str(space),
            0x80.. => write!(out, "\\x{b:02X}").unwrap(),
            _ => out.push(b as char),
        }
    }
    out
}

/// Non-ASCII characters as JSON `\uXXXX` escapes (as `ensure_ascii` JSON writers do).
fn json_ascii(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                write!(out, "\\u{unit:04x}").unwrap();
            }
        }
    }
    out
}

fn encode_name(name: &str, enc: NameEncoding) -> String {
    match enc {
        NameEncoding::PercentPlus => percent(name, "+", false),
        NameEncoding::Percent20 => percent(name, "%20", false),
        NameEncoding::PercentLower => percent(name, "%20", true),
        NameEncoding::RawUtf8 => name.replace(' ', "%20"),
        NameEncoding::Xhh => xhh(name, "+"),
    }
}

// --- the log files -----------------------------------------------------------------------------

/// One log file: its name under the server directory, its expected format, its lines.
struct LogFile {
    name: &'static str,
    format: LogFormat,
    lines: Vec<String>,
}

fn logback(time: &str, level: &str, logger: &str, msg: &str) -> String {
    format!("2026-11-24T{time}+01:00 {level:<5} {logger} - {msg}")
}

fn web_analytics(time: &str, data: Value) -> String {
    logback(time, "INFO", "o.bigbluebutton.api.MeetingService", &format!(" --analytics-- data={data}"))
}

/// The query string of an API join as IServ sends it.
fn join_query(p: &Person, w: &World) -> String {
    format!(
        "fullName={}&meetingID={}&password={}&userID={}&redirect=true&checksum={}",
        encode_name(&p.name(), p.encoding),
        percent(&w.external, "+", false),
        p.password,
        percent(&p.account, "+", false),
        w.checksum
    )
}

/// bbb-web: analytics (create, joins, presentation, leaves, end) and WARN/ERROR lines with API
/// query strings and free text.
fn bbb_web(w: &World) -> LogFile {
    let mut lines = vec![web_analytics(
        "08:00:03.112",
        json!({"logCode":"create_meeting","description":"Create meeting.","meetingId":w.meeting,
               "externalMeetingId":w.external,"name":w.meeting_name,"duration":0,"record":false,"isBreakout":false}),
    )];
    for (i, p) in w.people.iter().enumerate() {
        lines.push(web_analytics(
            &format!("08:01:{:02}.905", 10 + i),
            json!({"role": if i == 0 { "MODERATOR" } else { "VIEWER" },"clientType":"HTML5","externalUserId":p.account,
                   "logCode":"user_joined_message","name":w.meeting_name,"description":"User joined the meeting.",
                   "meetingId":w.meeting,"externalMeetingId":w.external,"guest":false,"guestStatus":"ALLOW",
                   "userId":p.user,"username":p.name()}),
        ));
    }
    let p0 = &w.people[0];
    let p1 = &w.people[1];
    lines.push(web_analytics(
        "08:02:00.000",
        json!({"logCode":"presentation_conversion_start","meetingId":w.meeting,"externalMeetingId":w.external,
               "presentationName":w.file_name,"filename":w.file_name,"originalFilename":w.file_name,
               "userId":p0.user,"username":p0.name()}),
    ));
    lines.push(web_analytics(
        "08:02:30.000",
        json!({"logCode":"presentation_conversion_end","meetingId":w.meeting,"presentationName":w.file_name,
               "fileName":w.file_name}),
    ));
    lines.push(logback(
        "08:03:00.000",
        "WARN",
        "o.b.web.controllers.ApiController",
        &format!("Join refused: /bigbluebutton/api/join?{} from {}", join_query(p1, w), p1.ipv4),
    ));
    lines.push(logback(
        "08:03:01.000",
        "ERROR",
        "o.bigbluebutton.api.MeetingService",
        &format!(
            "Failed to find user {} <{}> from {} ({}) in meeting {} ({}, \"{}\") sessionToken={} token {}",
            p1.name(),
            p1.email,
            p1.ipv4,
            p1.ipv6,
            w.meeting,
            w.external,
            w.meeting_name,
            p1.token,
            p0.token
        ),
    ));
    lines.push(logback(
        "08:03:02.000",
        "WARN",
        "o.b.p.imp.PresentationFileProcessor",
        &format!("Conversion of {} uploaded by {} ({}) failed", w.file_name, p0.first, p0.account),
    ));
    lines.push(logback(
        "08:03:03.000",
        "ERROR",
        "o.b.api.ParamsProcessorUtil",
        &format!(
            "create?name={}&meetingID={}&attendeePW={}&moderatorPW={}&checksum={}",
            percent(&w.meeting_name, "+", false),
            w.external,
            w.viewer_pw,
            w.moderator_pw,
            w.checksum
        ),
    ));
    for (i, p) in w.people.iter().enumerate() {
        lines.push(web_analytics(
            &format!("08:40:{:02}.000", 10 + i),
            json!({"logCode":"user_left_message","meetingId":w.meeting,"externalMeetingId":w.external,
                   "userId":p.user,"externalUserId":p.account,"username":p.name(),"name":w.meeting_name}),
        ));
    }
    lines.push(web_analytics(
        "08:45:00.000",
        json!({"logCode":"meeting_ended","meetingId":w.meeting,"externalMeetingId":w.external,"name":w.meeting_name}),
    ));
    LogFile { name: "bbb-web.log", format: LogFormat::BbbWeb, lines }
}

/// nginx access log: create, joins (every name encoding, IPv4 and IPv6 clients), a refused join.
fn nginx_access(w: &World) -> LogFile {
    let line = |ip: &str, sec: usize, target: &str, status: u16, ua: &str| {
        format!(
            r#"{ip} - - [24/Nov/2026:08:01:{sec:02} +0100] "GET {target} HTTP/1.1" {status} 0 "https://schule.example.de/iserv/videoconference" "{ua}""#
        )
    };
    let p0 = &w.people[0];
    let mut lines = vec![line(
        &p0.ipv4,
        0,
        &format!(
            "/bigbluebutton/api/create?name={}&meetingID={}&attendeePW={}&moderatorPW={}&checksum={}",
            percent(&w.meeting_name, "+", false),
            percent(&w.external, "+", false),
            w.viewer_pw,
            w.moderator_pw,
            w.checksum
        ),
        200,
        "-",
    )];
    for (i, p) in w.people.iter().enumerate() {
        let ip = if i % 2 == 0 { &p.ipv4 } else { &p.ipv6 };
        lines.push(line(ip, 10 + i, &format!("/bigbluebutton/api/join?{}", join_query(p, w)), 302, UAS[i % UAS.len()]));
        // The same join refused (a diagnostic that reaches the store), with the raw `/` in the id.
        let refused = join_query(p, w).replace(&percent(&w.external, "+", false), &w.external);
        lines.push(line(&p.ipv4, 20 + i, &format!("/bigbluebutton/api/join?{refused}"), 403, UAS[0]));
    }
    LogFile { name: "bigbluebutton.access.log", format: LogFormat::NginxAccess, lines }
}

/// The client records of one person.
fn client_records(p: &Person, w: &World) -> Vec<Value> {
    let info = json!({"sessionToken":p.token,"meetingId":w.meeting,"requesterUserId":p.user,"fullname":p.name(),
                      "confname":w.meeting_name,"externUserID":p.account});
    let url = format!("https://bbb1.example.org/html5client/join?sessionToken={}", p.token);
    let ua = UAS[2];
    let other = w.people.iter().find(|o| o.user != p.user).unwrap_or(p);
    vec![
        json!({"name":"clientLogger","level":30,"msg":"Audio Joined","time":"2026-11-24T07:02:09.500Z",
               "logCode":"audio_joined","extraInfo":{"listenOnly":false,"inputDeviceLabel":w.device_label,
               "outputDeviceLabel":w.device_label},"userInfo":info,"url":url,"userAgent":ua,"count":1}),
        json!({"name":"clientLogger","level":50,"time":"2026-11-24T07:02:10.877Z","logCode":"audio_failure",
               "msg":format!("Audio error for {} ({}) from {} - errorCode=1007, cause=ICE negotiation failed, sessionToken={}",
                             p.name(), p.email, p.ipv4, p.token),
               "extraInfo":{"errorCode":1007,"cause":"ICE negotiation failed","bridge":"sip",
                            "errorMessage":format!("ICE failed for {} at {}", p.name(), p.ipv6)},
               "userInfo":info,"url":url,"userAgent":ua,"count":1}),
        json!({"level":50,"logCode":"video_provider_ice_failed","time":"2026-11-24T07:02:11.000Z",
               "msg":format!("Camera of {} failed: candidate:7 1 udp 2122260223 {} 50418 typ host raddr {} rport 9 in {} ({}) for {} and {}",
                             p.user, p.ipv6, p.ipv4, w.meeting_name, w.meeting, p.account, p.last),
               "extraInfo":{"errorCode":1020,"devices":[{"deviceId":"default","kind":"videoinput","label":w.device_label}]},
               "userInfo":info}),
        json!({"level":40,"logCode":"sfu_reconnect","time":"2026-11-24T07:02:12.000Z",
               "msg":format!("Reconnect to https://{}/html5client/join?sessionToken={}&fullName={} failed for {}, token {} of {}; peer {} <{}>",
                             p.ipv4, p.token, percent(&p.name(), "+", false), p.first, p.token, p.name().to_uppercase(),
                             other.name(), other.email),
               "clientInfo":{"sessionToken":p.token,"meetingId":w.meeting,"userId":p.user,"fullName":p.name(),
                             "externalUserId":p.account}}),
        json!({"level":50,"logCode":"client_error","time":"2026-11-24T07:02:13.000Z",
               "msg":format!("Remote peer {} ({}) at [{}]:443 left {}", other.name(), other.user, other.ipv6, w.external)}),
    ]
}

/// html5-client.log with nginx's `\xHH` escapes and `$time_iso8601`.
fn html5_client_escaped(w: &World) -> LogFile {
    let lines = w
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let body = Value::Array(client_records(p, w)).to_string();
            format!("{} [2026-11-24T08:02:{:02}+01:00] {}", p.ipv4, 10 + i, nginx_escape(&body))
        })
        .collect();
    LogFile { name: "html5-client.log", format: LogFormat::Html5Client, lines }
}

/// html5-client log with `escape=none` and `$time_local`: raw JSON.
fn html5_client_raw(w: &World) -> LogFile {
    let lines = w
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let body = Value::Array(client_records(p, w)).to_string();
            format!("{} [24/Nov/2026:08:03:{:02} +0100] {body}", p.ipv6, 10 + i)
        })
        .collect();
    LogFile { name: "html5-client-raw.log", format: LogFormat::Html5Client, lines }
}

/// The bbb-html5 journal: one record per line behind Meteor's prefix, and a text line.
fn html5_journal(w: &World) -> LogFile {
    let mut lines = Vec::new();
    for (i, p) in w.people.iter().enumerate() {
        for (j, r) in client_records(p, w).into_iter().enumerate() {
            lines.push(format!(
                "Nov 24 08:04:{:02} bbb1 bbb-html5-frontend[1234]: I20261124-08:04:{:02}.877(1)? info: {r}",
                10 * i + j,
                10 * i + j
            ));
        }
        lines.push(format!(
            "Nov 24 08:05:{i:02} bbb1 bbb-html5-backend[1234]: E20261124-08:05:{i:02}.000(1)? error: [auth] User {} ({}) from {} failed to validate token {} ({})",
            p.name(),
            p.user,
            p.ipv4,
            p.token,
            p.email
        ));
    }
    LogFile { name: "bbb-html5.log", format: LogFormat::Html5Journal, lines }
}

/// Webhooks: stored JSON events (3.x user fields), an array, and a form-encoded callback body.
fn webhooks(w: &World) -> LogFile {
    let ms = 1795503600000u64;
    let meeting = json!({"internal-meeting-id":w.meeting,"external-meeting-id":w.external});
    let event = |id: &str, ts: u64, attributes: Value| json!({"data":{"type":"event","id":id,"attributes":attributes,"event":{"ts":ts}}});
    let user = |p: &Person, i: usize| {
        json!({"internal-user-id":p.user,"external-user-id":p.account,"name":p.name(),
               "role": if i == 0 { "MODERATOR" } else { "VIEWER" },"presenter":i == 0,"ip-address":p.ipv4,
               "user-agent":UAS[i % UAS.len()],"referer":"https://schule.example.de/iserv/videoconference",
               "session-token":p.token})
    };
    let mut lines = vec![
        event(
            "meeting-created",
            ms,
            json!({"meeting":{"internal-meeting-id":w.meeting,"external-meeting-id":w.external,"name":w.meeting_name,
                    "is-breakout":false,"moderator-pass":w.moderator_pw,"viewer-pass":w.viewer_pw,
                    "metadata":{"bbb-origin-server-name":"schule.example.de"}}}),
        )
        .to_string(),
    ];
    for (i, p) in w.people.iter().enumerate() {
        let t = ms + 60_000 + i as u64 * 1000;
        lines.push(event("user-joined", t, json!({"meeting":meeting,"user":user(p, i)})).to_string());
        let mut voice = user(p, i);
        voice["listening-only"] = json!(i == 1);
        voice["ip-address"] = json!(p.ipv6);
        lines.push(event("user-audio-voice-enabled", t + 100, json!({"meeting":meeting,"user":voice})).to_string());
        lines.push(
            event(
                "chat-group-message-sent",
                t + 200,
                json!({"meeting":meeting,"chat-message":{"id":"1795503700000-9idm9pxf","message":format!("{} {} {}", w.chat, p.email, p.ipv4),
                       "sender":{"internal-user-id":p.user,"name":p.name(),"time":t}},"chat-id":"MAIN-PUBLIC-GROUP-CHAT"}),
            )
            .to_string(),
        );
        lines.push(
            Value::Array(vec![
                event(
                    "user-cam-broadcast-start",
                    t + 300,
                    json!({"meeting":meeting,"user":user(p, i),"stream":format!("{}-{}-cam", p.user, w.meeting)}),
                ),
                event("user-emoji-changed", t + 400, json!({"meeting":meeting,"user":user(p, i),"emoji":"raiseHand"})),
            ])
            .to_string(),
        );
        let presenter =
            Value::Array(vec![event("user-presenter-assigned", t + 500, json!({"meeting":meeting,"user":user(p, i)}))])
                .to_string();
        lines.push(format!("domain=bbb1.example.org&event={}&timestamp={}", percent(&presenter, "+", false), t + 500));
        lines.push(event("user-left", t + 600_000, json!({"meeting":meeting,"user":user(p, i)})).to_string());
    }
    let p0 = &w.people[0];
    lines.push(
        event(
            "poll-started",
            ms + 120_000,
            json!({"meeting":meeting,"user":{"internal-user-id":p0.user,"external-user-id":p0.account},
                   "poll":{"id":format!("{}/1/1795503720000", w.meeting),"question":w.poll,
                           "answers":[{"id":0,"key":"Ja"},{"id":1,"key":p0.name()}]}}),
        )
        .to_string(),
    );
    lines.push(
        event(
            "poll-responded",
            ms + 130_000,
            json!({"meeting":meeting,"user":{"internal-user-id":p0.user,"external-user-id":p0.account},
                   "poll":{"id":format!("{}/1/1795503720000", w.meeting),"answerIds":[1]}}),
        )
        .to_string(),
    );
    LogFile { name: "webhooks.log", format: LogFormat::Webhooks, lines }
}

/// FreeSWITCH: invites, channels (web, listen-only), Dialplan and SDP continuation lines,
/// hangups, WARNING and ERR lines with names and addresses in the text.
fn freeswitch(w: &World) -> LogFile {
    let mut lines = Vec::new();
    for (i, p) in w.people.iter().enumerate() {
        let uuid = format!("0f0e0d0c-0b0a-4909-8807-0605040302{i:02}");
        let listen = if i == 1 { "LISTENONLY-" } else { "" };
        let channel = format!("sofia/external/{}_1-bbbID-{listen}{}@bbb1.example.org", p.user, p.name());
        let ts = |s: u32| format!("2026-11-24 08:{:02}:{:02}.100000", 1 + s / 60, s % 60);
        let ip = if i == 2 { &p.ipv6 } else { &p.ipv4 };
        let ip_port = if i == 2 { format!("[{ip}]") } else { ip.clone() };
        lines.extend([
            format!("{uuid} {} 97.23% [NOTICE] sofia.c:10424 receiving invite from {ip_port}:45252 version: 1.10.12", ts(10)),
            format!("{uuid} {} 97.23% [NOTICE] switch_channel.c:1142 New Channel {channel} [{uuid}]", ts(11)),
            format!("{uuid} Dialplan: {channel} parsing [public->bbb_conference] continue=false"),
            format!("{uuid} v=0"),
            format!("{uuid} o=FreeSWITCH 1795503600 1795503601 IN IP4 {}", p.ipv4),
            format!("{uuid} c=IN IP4 {}", p.ipv4),
            format!("{uuid} a=candidate:1 1 udp 2130706431 {} 49877 typ host", p.ipv4),
            format!("{uuid} a=candidate:2 1 udp 1694498815 {} 49877 typ srflx raddr {} rport 49877", p.ipv6, p.ipv4),
            format!(
                "{uuid} {} 97.23% [WARNING] switch_rtp.c:7502 RTP timeout for {} at {}:49877 ({}, {})",
                ts(20),
                p.name(),
                p.ipv4,
                p.email,
                p.user
            ),
            format!(
                "{uuid} {} 97.23% [WARNING] switch_core_media.c:4567 Save audio Candidate cid: 1 proto: udp type: host addr: {}:49877 raddr:{}",
                ts(21),
                p.ipv4,
                p.ipv6
            ),
            format!(
                "{uuid} {} 97.23% [ERR] switch_core_media.c:1234 AUDIO RTP [{channel}] {} port 16384 -> {} port 49877 codec: 0 ms: 20",
                ts(22),
                p.ipv4,
                ip
            ),
            format!(
                "{uuid} {} 97.23% [ERR] sofia.c:2345 Failed to bridge sofia/external/{}_1-bbbID-{}@bbb1.example.org from {}",
                ts(23),
                p.user,
                p.name().replace(' ', "+"),
                p.ipv6
            ),
            format!("{uuid} {} 97.00% [NOTICE] switch_core_session.c:1744 Hangup {channel} [CS_EXECUTE] [MEDIA_TIMEOUT]", ts(90)),
        ]);
    }
    LogFile { name: "freeswitch.log", format: LogFormat::FreeSwitch, lines }
}

/// bbb-webrtc-sfu (winston text, winston JSON, pino) and Kurento lines.
fn sfu(w: &World) -> LogFile {
    let mut lines = Vec::new();
    for (i, p) in w.people.iter().enumerate() {
        lines.push(format!(
            "2026-11-24T07:02:{:02}.200Z - error: [video] Video provider failed errorCode=2002, userId={}, roomId={}, streamId={}-{}-cam candidate:7 1 udp 2122260223 {} 50418 typ host",
            10 + i,
            p.user,
            w.meeting,
            p.user,
            w.meeting_hash(),
            p.ipv4
        ));
        lines.push(format!(
            "2026-11-24T07:02:{:02}.300Z - warn: [audio] ICE candidate for {} candidate:8 1 udp 1686052607 {} 50418 typ srflx raddr {} rport 50418 user={} name={}",
            10 + i,
            p.user,
            p.ipv6,
            p.ipv4,
            p.account,
            percent(&p.name(), "+", false)
        ));
        lines.push(format!(
            "2026-11-24T07:02:{:02}.350Z - error: [screenshare] Peer failed clientIp:{}, relay udp/{}:3478, meta {{\"userId\":\"{}\",\"name\":\"{}\",\"room\":\"{}\"}}",
            10 + i,
            p.ipv6,
            p.ipv4,
            p.user,
            json_ascii(&p.name()),
            json_ascii(&w.meeting_name)
        ));
        lines.push(
            json!({"level":"error","message":format!("Video failed for {} ({}) from {}", p.user, p.name(), p.ipv6),
                   "timestamp":format!("2026-11-24T07:02:{:02}.400Z", 10 + i),"label":"video","roomId":w.meeting,"userId":p.user,
                   "clientIp":p.ipv4})
            .to_string(),
        );
        lines.push(
            json!({"level":50,"time":1795503731200u64 + i as u64,"pid":812,"hostname":"bbb1","mod":"screenshare",
                   "msg":format!("ICE failed candidate:7 1 udp 2122260223 {} 50418 typ host raddr {} rport 9 stream {}-screenshare-{}",
                                 p.ipv4, p.ipv6, p.user, w.meeting),
                   "errorCode":1307,"internalMeetingId":w.meeting,"userId":p.user,"clientIp":p.ipv6,
                   "streamId":format!("{}-screenshare-{}", p.user, w.meeting)})
            .to_string(),
        );
        lines.push(format!(
            "2026-11-24T08:02:{:02},123456 4242 0x00007f0a1b2c3d40   error KurentoWebRtcEndpointImpl WebRtcEndpointImpl.cpp:123 onIceCandidate() candidate:7 1 udp 2122260223 {} 50418 typ host for stream {}-video-{}",
            10 + i,
            p.ipv4,
            p.user,
            w.meeting
        ));
    }
    LogFile { name: "sfu.log", format: LogFormat::Sfu, lines }
}

/// akka-apps: meeting created, joins (3.x), voice call states, chat, and a WARN line.
fn akka(w: &World) -> LogFile {
    let line = |time: &str, name: &str, ts: u64, user: &str, body: Value| {
        let msg = json!({"envelope":{"name":name,"routing":{"meetingId":w.meeting,"userId":user},"timestamp":ts},
                         "core":{"header":{"name":name,"meetingId":w.meeting,"userId":user},"body":body}});
        format!("2026-11-24T{time}+01:00 INFO  o.b.core2.AnalyticsActor -  -- analytics -- {msg}")
    };
    let ms = 1795503600000u64;
    let mut lines = vec![line(
        "08:00:00.100",
        "MeetingCreatedEvtMsg",
        ms,
        "not-used",
        json!({"props":{"meetingProp":{"name":w.meeting_name,"extId":w.external,"intId":w.meeting,"isBreakout":false},
               "password":{"moderatorPass":w.moderator_pw,"viewerPass":w.viewer_pw}}}),
    )];
    for (i, p) in w.people.iter().enumerate() {
        let t = ms + 72_905 + i as u64 * 1000;
        let caller = p.name().replace(' ', "+");
        lines.push(line(
            "08:01:12.905",
            "UserJoinedMeetingEvtMsg",
            t,
            &p.user,
            json!({"intId":p.user,"extId":p.account,"name":p.name(),"role":"VIEWER","clientType":"HTML5",
                   "ipAddress":p.ipv4,"userAgent":UAS[0],"sessionToken":p.token}),
        ));
        lines.push(line(
            "08:01:20.000",
            "VoiceCallStateEvtMsg",
            t + 100,
            &p.user,
            json!({"voiceConf":"71347","clientSession":"1","userId":p.user,"callerName":caller,
                   "callerNum":format!("{}_1-bbbID-{caller}", p.user),"callState":"IN_CONFERENCE"}),
        ));
        lines.push(line(
            "08:01:21.000",
            "UserJoinedVoiceConfToClientEvtMsg",
            t + 200,
            &p.user,
            json!({"voiceConf":"71347","intId":p.user,"voiceUserId":"1","callerName":caller,
                   "callerNum":format!("{}_1-bbbID-{caller}", p.user),"muted":false,"talking":false,
                   "callingWith":"none","listenOnly":i == 1}),
        ));
        lines.push(line(
            "08:01:30.000",
            "GroupChatMessageBroadcastEvtMsg",
            t + 300,
            &p.user,
            json!({"chatId":"MAIN-PUBLIC-GROUP-CHAT","msg":{"id":"1795503700000-x1","timestamp":t + 300,
                   "sender":{"id":p.user,"name":p.name(),"role":"VIEWER"},"message":format!("{} {}", w.chat, p.email)}}),
        ));
        lines.push(line(
            "08:02:00.000",
            "PresenterAssignedEvtMsg",
            t + 400,
            &p.user,
            json!({"presenterId":p.user,"presenterName":p.name(),"assignedBy":w.people[0].user}),
        ));
        lines.push(format!(
            "2026-11-24T08:05:00.000+01:00 WARN  o.b.core.running.MeetingActor - User {} ({}, {}) from {} with token {} ejected from {} {}",
            p.name(),
            p.user,
            p.account,
            p.ipv4,
            p.token,
            w.meeting,
            w.external
        ));
    }
    LogFile { name: "bbb-apps-akka.log", format: LogFormat::AkkaApps, lines }
}

/// Every log file of one server.
fn all_logs(w: &World) -> Vec<LogFile> {
    vec![
        bbb_web(w),
        nginx_access(w),
        html5_client_escaped(w),
        html5_client_raw(w),
        html5_journal(w),
        webhooks(w),
        freeswitch(w),
        sfu(w),
        akka(w),
    ]
}

// --- running and reading the store -------------------------------------------------------------

/// One string cell of the store.
struct Cell {
    file: PathBuf,
    column: String,
    source: String,
    value: String,
}

/// What one anonymisation run left behind.
struct Store {
    summary: AnonymizeSummary,
    cells: Vec<Cell>,
    /// Every file under `DATA/` with its bytes.
    raw: Vec<(PathBuf, Vec<u8>)>,
    rows: usize,
    /// (source, kind) of every row.
    kinds: BTreeSet<(String, String)>,
    /// Rows with a text, by source.
    texts: BTreeMap<String, usize>,
}

impl Store {
    fn sources(&self) -> BTreeSet<&str> {
        self.kinds.iter().map(|(s, _)| s.as_str()).collect()
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Writes `servers` (server directory → files) into a temporary input directory and runs
/// `discover` + `anonymize` into a temporary data directory (keys apart from it).
fn run(servers: &[(&str, &[&LogFile])]) -> Store {
    let input = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    for (server, logs) in servers {
        let dir = input.path().join(server);
        std::fs::create_dir_all(&dir).unwrap();
        for log in *logs {
            let mut content = log.lines.join("\n");
            content.push('\n');
            std::fs::write(dir.join(log.name), content).unwrap();
        }
    }
    let ingest = IngestOptions { threads: 2, ..IngestOptions::default() };
    let files = discover(&[input.path().to_owned()], &ingest).unwrap();
    for f in &files {
        let name = f.path.file_name().unwrap().to_str().unwrap();
        let expected = servers.iter().flat_map(|(_, logs)| logs.iter()).find(|l| l.name == name).unwrap().format;
        assert_eq!(f.format, Some(expected), "format of {name}");
    }
    let mut opts = AnonymizeOptions::new(data.path().to_owned());
    opts.keys_dir = Some(keys.path().to_owned());
    let summary = anonymize(&files, &ingest, &opts).unwrap();

    let mut paths = Vec::new();
    walk(data.path(), &mut paths);
    paths.sort();
    let mut store =
        Store { summary, cells: Vec::new(), raw: Vec::new(), rows: 0, kinds: BTreeSet::new(), texts: BTreeMap::new() };
    for path in paths {
        let rel = path.strip_prefix(data.path()).unwrap().to_owned();
        if path.extension().is_some_and(|e| e == "parquet") {
            let reader =
                ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap()).unwrap().build().unwrap();
            for batch in reader {
                let batch = batch.unwrap();
                store.rows += batch.num_rows();
                let schema = batch.schema();
                let source = batch.column_by_name(columns::SOURCE).unwrap().as_string::<i32>().clone();
                let kind = batch.column_by_name(columns::KIND).unwrap().as_string::<i32>().clone();
                let text = batch.column_by_name(columns::TEXT).unwrap().as_string::<i32>().clone();
                for row in 0..batch.num_rows() {
                    store.kinds.insert((source.value(row).to_owned(), kind.value(row).to_owned()));
                    if text.is_valid(row) {
                        *store.texts.entry(source.value(row).to_owned()).or_default() += 1;
                    }
                }
                for (field, column) in schema.fields().iter().zip(batch.columns()) {
                    match field.data_type() {
                        DataType::Utf8 => {
                            let strings = column.as_string::<i32>();
                            for row in 0..batch.num_rows() {
                                if strings.is_valid(row) {
                                    store.cells.push(Cell {
                                        file: rel.clone(),
                                        column: field.name().clone(),
                                        source: source.value(row).to_owned(),
                                        value: strings.value(row).to_owned(),
                                    });
                                }
                            }
                        }
                        DataType::Timestamp(..) | DataType::UInt32 => {}
                        other => panic!("column {} has an unchecked type {other}", field.name()),
                    }
                }
            }
        }
        store.raw.push((rel, std::fs::read(&path).unwrap()));
    }
    store
}

// --- the personal values and the leak check ----------------------------------------------------

/// One form of one personal value, lowercased.
struct Needle {
    label: String,
    text: String,
    /// Matched as a whole token (not glued to letters or digits), else anywhere.
    token: bool,
}

/// Every personal value of the world, in every form that must not appear.
fn needles(w: &World) -> Vec<Needle> {
    let mut out = Vec::new();
    let mut add = |label: &str, value: &str, token: bool| {
        out.push(Needle { label: label.to_owned(), text: value.to_lowercase(), token });
        if !value.is_ascii() {
            for (form, encoded) in [
                ("%20", percent(value, "%20", false)),
                ("+", percent(value, "+", false)),
                ("\\xHH", xhh(value, " ")),
                ("\\xHH+", xhh(value, "+")),
                ("\\uXXXX", json_ascii(value)),
            ] {
                out.push(Needle { label: format!("{label} ({form})"), text: encoded.to_lowercase(), token: false });
            }
        }
    };
    for (i, p) in w.people.iter().enumerate() {
        add(&format!("person {i} name"), &p.name(), false);
        for part in p.name().split(|c: char| !c.is_alphanumeric()) {
            if part.chars().filter(|c| c.is_alphabetic()).count() >= 4 {
                add(&format!("person {i} name part"), part, true);
            }
        }
        add(&format!("person {i} account"), &p.account, false);
        add(&format!("person {i} user id"), &p.user, false);
        add(&format!("person {i} e-mail"), &p.email, false);
        add(&format!("person {i} IPv4"), &p.ipv4, false);
        add(&format!("person {i} IPv6"), &p.ipv6, false);
        add(&format!("person {i} session token"), &p.token, false);
        add(&format!("person {i} password"), &p.password, false);
    }
    add("meeting id", &w.meeting, false);
    add("meeting id hash", w.meeting_hash(), false);
    add("room id", &w.external, false);
    add("room id (%2F)", &percent(&w.external, "+", false), false);
    add("meeting name", &w.meeting_name, false);
    add("file name", &w.file_name, false);
    add("device label", &w.device_label, false);
    add("checksum", &w.checksum, false);
    add("moderator password", &w.moderator_pw, false);
    add("viewer password", &w.viewer_pw, false);
    add("chat content", &w.chat, false);
    add("poll question", &w.poll, false);
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Whether the lowercased `hay` holds the needle.
fn holds(hay: &str, n: &Needle) -> bool {
    if !n.token {
        return hay.contains(&n.text);
    }
    hay.match_indices(&n.text).any(|(i, m)| {
        !hay[..i].chars().next_back().is_some_and(is_word) && !hay[i + m.len()..].chars().next().is_some_and(is_word)
    })
}

/// Every leak of the run, one line each: where, which value, the cell.
fn leaks(store: &Store, needles: &[Needle]) -> Vec<String> {
    let mut found = Vec::new();
    for cell in &store.cells {
        let hay = cell.value.to_lowercase();
        for n in needles.iter().filter(|n| holds(&hay, n)) {
            found.push(format!(
                "column `{}` (source {}, {}): {} in {:?}",
                cell.column,
                cell.source,
                cell.file.display(),
                n.label,
                cell.value
            ));
        }
    }
    for (path, bytes) in &store.raw {
        let hay = String::from_utf8_lossy(bytes).to_lowercase();
        for n in needles.iter().filter(|n| holds(&hay, n)) {
            found.push(format!("bytes of {}: {} ({:?})", path.display(), n.label, n.text));
        }
    }
    let summary = serde_json::to_string(&store.summary).unwrap().to_lowercase();
    for n in needles.iter().filter(|n| holds(&summary, n)) {
        found.push(format!("run summary: {}", n.label));
    }
    found
}

/// The input holds every value (so the check below is not vacuous) and every line was parsed.
fn assert_input_complete(w: &World, logs: &[LogFile]) {
    let all = logs.iter().flat_map(|l| &l.lines).cloned().collect::<Vec<_>>().join("\n").to_lowercase();
    for n in needles(w).iter().filter(|n| !n.label.contains('(') || n.label.contains("%2F")) {
        assert!(holds(&all, n), "{} is not in the input", n.label);
    }
}

/// The kinds each format must bring into the store when it is alone on its server.
fn expected_kinds(format: LogFormat) -> &'static [&'static str] {
    match format {
        LogFormat::BbbWeb => &["meeting_created", "participant_joined", "participant_left", "presentation_uploaded"],
        LogFormat::NginxAccess => &["meeting_created", "participant_joined", "other_diagnostic"],
        LogFormat::Html5Client | LogFormat::Html5Journal => &["audio_joined", "audio_failed", "webcam_failed"],
        LogFormat::Webhooks => &["participant_joined", "chat_message_sent", "poll_started", "audio_joined"],
        LogFormat::FreeSwitch => &["audio_joined", "audio_failed", "media_server_error"],
        LogFormat::Sfu => &["media_server_error"],
        LogFormat::AkkaApps => &["meeting_created", "participant_joined", "audio_joined", "chat_message_sent"],
        _ => &[],
    }
}

/// Formats whose lines carry free text into the store's `text` column.
fn has_text(format: LogFormat) -> bool {
    matches!(
        format,
        LogFormat::BbbWeb
            | LogFormat::Html5Client
            | LogFormat::Html5Journal
            | LogFormat::FreeSwitch
            | LogFormat::Sfu
            | LogFormat::AkkaApps
    )
}

/// Asserts that the store is not empty and holds what the input must produce.
fn assert_not_vacuous(store: &Store, formats: &[LogFormat], label: &str) {
    assert!(store.rows > 0, "{label}: the store is empty: {:?}", store.summary);
    assert_eq!(store.summary.ingest.quarantined, 0, "{label}: lines were quarantined: {:?}", store.summary.ingest);
    assert!(store.summary.ingest.is_balanced(), "{label}: {:?}", store.summary.ingest);
    for f in formats {
        assert!(
            store.sources().contains(f.as_str()),
            "{label}: no row from {f}; kinds: {:?}; summary: {:?}",
            store.kinds,
            store.summary
        );
    }
    if let [format] = formats {
        for kind in expected_kinds(*format) {
            assert!(
                store.kinds.contains(&(format.as_str().to_owned(), (*kind).to_owned())),
                "{label}: no {kind} from {format}; kinds: {:?}",
                store.kinds
            );
        }
        if has_text(*format) {
            assert!(store.texts.get(format.as_str()).is_some_and(|n| *n > 0), "{label}: no text from {format}");
        }
    }
}

/// All formats on one server: the nightly run as it is.
fn check_all_in_one(w: &World) -> Vec<String> {
    let logs = all_logs(w);
    let refs: Vec<&LogFile> = logs.iter().collect();
    let store = run(&[("bbb1", &refs)]);
    // The journal and most joins are duplicates of better sources; these must remain.
    let formats = [
        LogFormat::BbbWeb,
        LogFormat::NginxAccess,
        LogFormat::Html5Client,
        LogFormat::Webhooks,
        LogFormat::FreeSwitch,
        LogFormat::Sfu,
        LogFormat::AkkaApps,
    ];
    assert_not_vacuous(&store, &formats, "all formats");
    leaks(&store, &needles(w)).into_iter().map(|l| format!("[all formats] {l}")).collect()
}

/// One format alone on `bbb1`; the people's bbb-web joins on `bbb0` (the batch's names).
fn check_isolated(w: &World, log: &LogFile) -> Vec<String> {
    let web = bbb_web(w);
    let store = if log.format == LogFormat::BbbWeb {
        run(&[("bbb1", &[log])])
    } else {
        run(&[("bbb0", &[&web]), ("bbb1", &[log])])
    };
    assert_not_vacuous(&store, &[log.format], log.name);
    leaks(&store, &needles(w)).into_iter().map(|l| format!("[{}] {l}", log.name)).collect()
}

fn report(leaks: &[String]) -> String {
    format!("{} leak(s):\n  {}", leaks.len(), leaks.join("\n  "))
}

// --- the tests ---------------------------------------------------------------------------------

#[test]
fn fixed_values_leak_from_no_format() {
    let w = fixed_world();
    let logs = all_logs(&w);
    assert_input_complete(&w, &logs);
    let mut found = check_all_in_one(&w);
    for log in &logs {
        found.extend(check_isolated(&w, log));
    }
    assert!(found.is_empty(), "{}", report(&found));
}

#[test]
fn the_leak_check_finds_a_value() {
    // The check itself: a value in a cell or in the bytes of a file must be found, in any case,
    // in its encoded forms, and name parts only as whole tokens.
    let w = fixed_world();
    let needles = needles(&w);
    let store = |value: &str| Store {
        summary: AnonymizeSummary::default(),
        cells: vec![Cell { file: "x".into(), column: "text".into(), source: "sfu".into(), value: value.into() }],
        raw: vec![("y".into(), format!("\u{1}\u{2}{value}\u{3}").into_bytes())],
        rows: 1,
        kinds: BTreeSet::new(),
        texts: BTreeMap::new(),
    };
    for value in [
        "ICE failed for JÖRG from <ip>",
        "Stra%C3%9Fburger",
        r"J\xc3\xb6rg",
        "at 2001:DB8:17::A1",
        "ticket W_Q7R8S9T0U1V2",
        "<name>-weiß",
        "mail j.weiss",
        r"J\u00f6rg",
    ] {
        let found = leaks(&store(value), &needles);
        assert!(found.iter().any(|l| l.starts_with("column `text`")), "{value}: {found:?}");
        assert!(found.iter().any(|l| l.starts_with("bytes of y")), "{value}: {found:?}");
    }
    for value in ["Wolfgang <name>", "Jörgen", "<name> <ip> <email> <v> <token> <id>"] {
        assert!(leaks(&store(value), &needles).is_empty(), "{value}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, max_shrink_iters: 64, ..ProptestConfig::default() })]

    /// The property: generated values in every field and free-text position of every format,
    /// all formats on one server, and each format on its own.
    #[test]
    fn prop_generated_values_never_reach_the_store(w in world()) {
        let logs = all_logs(&w);
        let mut found = check_all_in_one(&w);
        for log in &logs {
            found.extend(check_isolated(&w, log));
        }
        prop_assert!(found.is_empty(), "{}", report(&found));
    }
}
