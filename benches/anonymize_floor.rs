//! The floor of the anonymisation benchmark (issue 3): one thread that reads the client log,
//! undoes the `\xHH` escapes, parses each JSON array with serde_json into borrowed structs and
//! computes two keyed BLAKE3 hashes per record — the least any anonymiser must do.
//!
//! `cargo run --release --example anonymize_floor -- DIR/bbb1/html5-client.log`

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::time::Instant;

use serde::Deserialize;

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow, rename = "userInfo")]
    user_info: Info<'a>,
    #[serde(borrow, default)]
    #[allow(dead_code)]
    msg: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Info<'a> {
    #[serde(borrow, rename = "requesterUserId")]
    user: Cow<'a, str>,
    #[serde(borrow, rename = "meetingId")]
    meeting: Cow<'a, str>,
}

fn unescape(s: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && i + 3 < s.len() && s[i + 1] == b'x' {
            let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
            if let (Some(h), Some(l)) = (hex(s[i + 2]), hex(s[i + 3])) {
                out.push(h << 4 | l);
                i += 4;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: anonymize_floor CLIENT_LOG");
    let key = [7u8; 32];
    let started = Instant::now();
    let mut reader = BufReader::with_capacity(1 << 20, std::fs::File::open(path).unwrap());
    let (mut line, mut body) = (Vec::new(), Vec::new());
    let (mut lines, mut records, mut acc) = (0u64, 0u64, 0u8);
    while reader.read_until(b'\n', &mut line).unwrap() > 0 {
        lines += 1;
        let start = line.iter().position(|b| *b == b']').map_or(0, |i| i + 2);
        unescape(&line[start..], &mut body);
        let recs: Vec<Record<'_>> = serde_json::from_slice(&body).unwrap();
        for r in &recs {
            acc ^= blake3::keyed_hash(&key, r.user_info.user.as_bytes()).as_bytes()[0];
            acc ^= blake3::keyed_hash(&key, r.user_info.meeting.as_bytes()).as_bytes()[0];
            records += 1;
        }
        line.clear();
    }
    let secs = started.elapsed().as_secs_f64();
    println!("{lines} lines, {records} records in {secs:.2} s: {:.0} lines/s (checksum {acc})", lines as f64 / secs);
}
