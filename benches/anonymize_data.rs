//! Writes the data set of the anonymisation benchmark (issue 3): one server-day with an
//! `html5-client.log` of N escaped nginx postdata lines (about 700 bytes, one client record per
//! line) and the `bbb-web.log` with every participant's join, so that the name automaton is full.
//!
//! `cargo run --release --example anonymize_data -- OUT_DIR [LINES]` (default 1,000,000 lines).
//! All names are invented, all addresses from the documentation ranges.

#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::fmt::Write as _;
use std::io::{BufWriter, Write};

const FIRST: [&str; 24] = [
    "Jürgen", "Özlem", "Lena", "Finn", "Mia", "Jonas", "Hannah", "Lukas", "Emilia", "Paul", "Sophie", "Ben", "Marie",
    "Elias", "Clara", "Noah", "Ayşe", "Mehmet", "Greta", "Anton", "Frieda", "Karl", "Ida", "Theo",
];
const LAST: [&str; 24] = [
    "Müller",
    "Weiß",
    "Groß",
    "Schäfer",
    "Bäcker",
    "Wolf",
    "Fuchs",
    "Koch",
    "Klein",
    "Lange",
    "Sommer",
    "Winter",
    "Bach",
    "Berg",
    "Yılmaz",
    "Demir",
    "Schmied",
    "Krüger",
    "Hoffmann",
    "Schulz",
    "Neumann",
    "Braun",
    "Zimmermann",
    "Hartmann",
];

/// A tiny deterministic generator (xorshift), so the data set needs no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn token(&mut self, len: usize) -> String {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..len).map(|_| A[self.below(A.len())] as char).collect()
    }
}

/// nginx's default escaping of a request body: `"`, `\`, control and non-ASCII bytes as `\xHH`.
fn nginx_escape(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b) {
            let _ = write!(out, "\\x{b:02X}");
        } else {
            out.push(b as char);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().expect("usage: anonymize_data OUT_DIR [LINES]"));
    let lines: usize = args.next().map_or(1_000_000, |n| n.parse().expect("LINES is a number"));
    let dir = out.join("bbb1");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(0x5eed_cafe_f00d);
    let meetings = 60;
    let people = 3000;
    let meeting_ids: Vec<String> = (0..meetings).map(|_| format!("{}-1795503600000", rng.token(40))).collect();
    struct Person {
        name: String,
        account: String,
        user: String,
        meeting: usize,
        token: String,
        ip: String,
    }
    let persons: Vec<Person> = (0..people)
        .map(|i| {
            let (f, l) = (FIRST[rng.below(FIRST.len())], LAST[rng.below(LAST.len())]);
            Person {
                name: format!("{f} {l}"),
                account: format!("{}.{}{}", f.to_lowercase(), l.to_lowercase(), i),
                user: format!("w_{}", rng.token(12)),
                meeting: rng.below(meetings),
                token: rng.token(16),
                ip: format!("203.0.113.{}", 1 + rng.below(254)),
            }
        })
        .collect();

    let mut web = BufWriter::new(std::fs::File::create(dir.join("bbb-web.log")).unwrap());
    for (m, id) in meeting_ids.iter().enumerate() {
        writeln!(web, r#"2026-11-24T07:55:00.000+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={{"logCode":"create_meeting","meetingId":"{id}","externalMeetingId":"iserv-4711/klasse-{m}","name":"Klasse {m} Mathe","isBreakout":false}}"#).unwrap();
    }
    for p in &persons {
        writeln!(web, r#"2026-11-24T08:01:12.905+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={{"role":"VIEWER","clientType":"HTML5","externalUserId":"{}","logCode":"user_joined_message","name":"Klasse {} Mathe","meetingId":"{}","externalMeetingId":"iserv-4711/klasse-{}","userId":"{}","username":"{}"}}"#,
            p.account, p.meeting, meeting_ids[p.meeting], p.meeting, p.user, p.name).unwrap();
    }
    web.flush().unwrap();

    let uas = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    ];
    let mut client = BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("html5-client.log")).unwrap());
    let mut line = String::with_capacity(1024);
    let mut body = String::with_capacity(1024);
    for i in 0..lines {
        let p = &persons[rng.below(people)];
        let secs = 7 * 3600 + (i * 30_000 / lines.max(1));
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        let (level, code, msg, extra) = if i % 20 == 0 {
            (
                50,
                "audio_failure",
                "Audio error - errorCode=1007, cause=ICE negotiation failed".to_owned(),
                r#"{"errorCode":1007,"cause":"ICE negotiation failed","bridge":"sip"}"#,
            )
        } else {
            (30, "webrtc_stats", format!("Stats of {}: rtt 42", p.name), r#"{"rtt":42}"#)
        };
        body.clear();
        let _ = write!(
            body,
            r#"[{{"name":"clientLogger","level":{level},"msg":"{msg}","time":"2026-11-24T{:02}:{:02}:{:02}.877Z","logCode":"{code}","extraInfo":{extra},"userInfo":{{"sessionToken":"{}","meetingId":"{}","requesterUserId":"{}","fullname":"{}","confname":"Klasse {} Mathe","externUserID":"{}"}},"userAgent":"{}"}}]"#,
            h - 1,
            m,
            s,
            p.token,
            meeting_ids[p.meeting],
            p.user,
            p.name,
            p.meeting,
            p.account,
            uas[i % uas.len()]
        );
        line.clear();
        let _ = write!(line, "{} [2026-11-24T{h:02}:{m:02}:{s:02}+01:00] ", p.ip);
        nginx_escape(&body, &mut line);
        line.push('\n');
        client.write_all(line.as_bytes()).unwrap();
    }
    client.flush().unwrap();
    eprintln!("wrote {lines} client lines and {people} joins to {}", dir.display());
}
