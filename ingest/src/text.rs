//! Small text helpers shared by the parsers: escapes, ANSI codes, embedded JSON, timestamps.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::QuarantineReason;

/// Removes ANSI escape sequences (`ESC [ … letter`), as written by coloured winston or logback.
pub fn strip_ansi(s: &str) -> Cow<'_, str> {
    if !s.contains('\u{1b}') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                // parameters and intermediates, then one final byte in @..~
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Decodes nginx's `\xHH` escapes (used for `"`, `\`, control and non-ASCII bytes) back into
/// bytes, then into text (invalid UTF-8 becomes U+FFFD).
pub fn nginx_unescape(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let Some(first) = memchr::memmem::find(b, b"\\x") else {
        return Cow::Borrowed(s);
    };
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..first]);
    let mut i = first;
    // Copy the runs between backslashes whole; decode `\xHH` where it is complete.
    while let Some(off) = memchr::memchr(b'\\', &b[i..]) {
        let at = i + off;
        out.extend_from_slice(&b[i..at]);
        if at + 3 < b.len()
            && b[at + 1] == b'x'
            && let (Some(h), Some(l)) = (hex(b[at + 2]), hex(b[at + 3]))
        {
            out.push(h << 4 | l);
            i = at + 4;
            continue;
        }
        out.push(b'\\');
        i = at + 1;
    }
    out.extend_from_slice(&b[i..]);
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// Drops an nginx escape cut off at the end of a truncated line (`\`, `\x` or `\xH`), so that the
/// JSON before it is reported as truncated rather than malformed.
pub fn trim_cut_escape(s: &str) -> &str {
    let b = s.as_bytes();
    for k in 1..=3.min(b.len()) {
        let start = b.len() - k;
        let tail = &b[start + 1..];
        let partial = b[start] == b'\\'
            && tail.first().is_none_or(|c| *c == b'x')
            && tail.iter().skip(1).all(u8::is_ascii_hexdigit);
        if partial {
            return &s[..start];
        }
    }
    s
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Parses the first JSON value that starts at or after the first `{` or `[` of `s`, ignoring text
/// before and after it. Errors are classified into quarantine reasons (never the content).
pub fn first_json(s: &str) -> Result<Value, QuarantineReason> {
    let start = s.find(['{', '[']).ok_or(QuarantineReason::InvalidJson)?;
    parse_json(&s[start..])
}

/// Parses the JSON value at the start of `s`, ignoring trailing text.
pub fn parse_json(s: &str) -> Result<Value, QuarantineReason> {
    let mut stream = serde_json::Deserializer::from_str(s).into_iter::<Value>();
    match stream.next() {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) if e.is_eof() => Err(QuarantineReason::TruncatedJson),
        _ => Err(QuarantineReason::InvalidJson),
    }
}

/// A JSON field as text: strings as they are, numbers and booleans in their JSON spelling.
pub fn json_str<'a>(v: &'a Value, key: &str) -> Option<Cow<'a, str>> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Owned(b.to_string())),
        _ => None,
    }
}

/// A JSON field as a boolean (also accepts `"true"`/`"false"` strings).
pub fn json_bool(v: &Value, key: &str) -> Option<bool> {
    match v.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A JSON field as an integer (also accepts numeric strings).
pub fn json_i64(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A time from epoch milliseconds.
pub fn from_epoch_ms(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

/// Interprets a local wall-clock time in `tz`: an ambiguous time (autumn DST change) takes the
/// earlier instant, a time in the spring gap is moved forward by an hour.
pub fn local_to_utc(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, _) => Some(a.with_timezone(&Utc)),
        LocalResult::None => {
            tz.from_local_datetime(&(naive + chrono::Duration::hours(1))).earliest().map(|t| t.with_timezone(&Utc))
        }
    }
}

/// Parses an ISO-8601 timestamp with or without zone (`2026-11-24T08:00:03.112+01:00`, `…Z`,
/// `…+0100`, `2026-11-24 08:00:03,112`); without a zone it is local time in `tz`.
pub fn parse_iso(s: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let normalised: Cow<'_, str> = if s.contains(',') { Cow::Owned(s.replacen(',', ".", 1)) } else { Cow::Borrowed(s) };
    for fmt in
        ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%:z"]
    {
        if let Ok(t) = DateTime::<FixedOffset>::parse_from_str(&normalised, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(&normalised, fmt) {
            return local_to_utc(n, tz);
        }
    }
    None
}

/// Parses nginx's `$time_local` (`24/Nov/2026:08:01:12 +0100`) or `$time_iso8601`.
pub fn parse_nginx_time(s: &str, tz: Tz) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%d/%b/%Y:%H:%M:%S %z").ok().map(|t| t.with_timezone(&Utc)).or_else(|| parse_iso(s, tz))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_codes_are_removed() {
        assert_eq!(strip_ansi("\u{1b}[32minfo\u{1b}[39m: x"), "info: x");
        assert_eq!(strip_ansi("plain"), "plain");
    }

    #[test]
    fn nginx_escapes_decode_to_utf8() {
        assert_eq!(nginx_unescape(r"J\xC3\xBCrgen \x22x\x22 \x5C"), "Jürgen \"x\" \\");
        assert_eq!(nginx_unescape(r"\xZZ\x4"), r"\xZZ\x4");
        assert_eq!(nginx_unescape(r"\xFF"), "\u{fffd}");
    }

    #[test]
    fn cut_escapes_at_the_end_are_dropped() {
        assert_eq!(trim_cut_escape(r"[{\x22a\x2"), r"[{\x22a");
        assert_eq!(trim_cut_escape(r"[{\x22a\x"), r"[{\x22a");
        assert_eq!(trim_cut_escape(r"[{\x22a\"), r"[{\x22a");
        assert_eq!(trim_cut_escape(r"[{\x22a\x22"), r"[{\x22a\x22");
        assert_eq!(trim_cut_escape(r"x]"), "x]");
        assert_eq!(trim_cut_escape(""), "");
    }

    #[test]
    fn embedded_json_is_found_and_errors_classified() {
        assert_eq!(first_json(r#"prefix {"a":1} trailing"#).unwrap()["a"], 1);
        assert_eq!(first_json(r#"x {"a":"#).unwrap_err(), QuarantineReason::TruncatedJson);
        assert_eq!(first_json("x {a}").unwrap_err(), QuarantineReason::InvalidJson);
        assert_eq!(first_json("no json").unwrap_err(), QuarantineReason::InvalidJson);
    }

    #[test]
    fn timestamps_in_every_spelling() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let want = "2026-11-24T07:00:03.112Z";
        for s in [
            "2026-11-24T08:00:03.112+01:00",
            "2026-11-24T07:00:03.112Z",
            "2026-11-24T08:00:03.112+0100",
            "2026-11-24 08:00:03,112",
        ] {
            assert_eq!(parse_iso(s, tz).unwrap().to_rfc3339_opts(chrono::SecondsFormat::Millis, true), want, "{s}");
        }
        assert_eq!(
            parse_nginx_time("24/Nov/2026:08:01:12 +0100", tz).unwrap().to_rfc3339(),
            "2026-11-24T07:01:12+00:00"
        );
        // summer time, and the autumn ambiguity takes the earlier instant
        let summer = parse_iso("2026-07-01 12:00:00.000000", tz).unwrap();
        assert_eq!(summer.to_rfc3339(), "2026-07-01T10:00:00+00:00");
        let amb = parse_iso("2026-10-25 02:30:00.0", tz).unwrap();
        assert_eq!(amb.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        let gap = parse_iso("2026-03-29 02:30:00.0", tz).unwrap();
        assert_eq!(gap.to_rfc3339(), "2026-03-29T01:30:00+00:00");
    }
}
