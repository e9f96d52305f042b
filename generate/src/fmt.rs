//! Formatting helpers: clock formats, escaping, a key-order-preserving JSON writer, and small
//! random helpers. JSON is written by hand so that key order never depends on serde_json
//! features enabled elsewhere in the workspace (byte-identical output).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;

/// The random generator used everywhere.
pub(crate) type Rand = ChaCha8Rng;

/// UTC instant of an epoch-ms value.
pub(crate) fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Local instant of an epoch-ms value.
pub(crate) fn local(ms: i64, tz: Tz) -> DateTime<Tz> {
    utc(ms).with_timezone(&tz)
}

/// Epoch ms of a local wall-clock time on `date` (earliest if ambiguous, the next existing
/// minute if it falls into a gap).
pub(crate) fn local_ms(tz: Tz, date: NaiveDate, h: u32, m: u32, s: u32) -> i64 {
    let Some(naive) = date.and_hms_opt(h, m, s) else {
        return 0;
    };
    for shift in 0..180 {
        let t = naive + chrono::Duration::minutes(shift);
        if let Some(dt) = tz.from_local_datetime(&t).earliest() {
            return dt.timestamp_millis();
        }
    }
    Utc.from_utc_datetime(&naive).timestamp_millis()
}

/// `2026-11-24T08:00:03.112+01:00`
pub(crate) fn iso_local_ms(ms: i64, tz: Tz) -> String {
    local(ms, tz).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

/// `2026-11-24T08:00:03+01:00`
pub(crate) fn iso_local(ms: i64, tz: Tz) -> String {
    local(ms, tz).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// `24/Nov/2026:08:01:12 +0100`
pub(crate) fn nginx_time(ms: i64, tz: Tz) -> String {
    local(ms, tz).format("%d/%b/%Y:%H:%M:%S %z").to_string()
}

/// `2026-11-24T07:02:10.877Z`
pub(crate) fn iso_utc_ms(ms: i64) -> String {
    utc(ms).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// `2026-11-24 08:01:20.123456` (local, no zone)
pub(crate) fn freeswitch_time(ms: i64, micros: u32, tz: Tz) -> String {
    let t = local(ms, tz);
    format!("{}.{:03}{:03}", t.format("%Y-%m-%d %H:%M:%S"), ms.rem_euclid(1000), micros)
}

/// `Nov 24 08:02:10` (local, syslog)
pub(crate) fn syslog_time(ms: i64, tz: Tz) -> String {
    local(ms, tz).format("%b %e %H:%M:%S").to_string()
}

/// `20261124-07:02:10.877` (UTC, Meteor)
pub(crate) fn meteor_time(ms: i64) -> String {
    utc(ms).format("%Y%m%d-%H:%M:%S%.3f").to_string()
}

/// A JSON string literal.
pub(crate) fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

/// A JSON object written in the order its keys were pushed.
#[derive(Default, Clone)]
pub(crate) struct Obj {
    fields: Vec<(&'static str, String)>,
}

impl Obj {
    pub(crate) fn new() -> Self {
        Self::default()
    }
    /// A string value.
    pub(crate) fn s(mut self, k: &'static str, v: &str) -> Self {
        self.fields.push((k, js(v)));
        self
    }
    /// A raw JSON value (number, bool, object, array).
    pub(crate) fn r(mut self, k: &'static str, v: impl std::fmt::Display) -> Self {
        self.fields.push((k, v.to_string()));
        self
    }
    /// Reorders the keys: kept, reversed, or shuffled, chosen by `rng`.
    pub(crate) fn vary(mut self, rng: &mut Rand) -> Self {
        match rng.random_range(0..4) {
            0 | 1 => {}
            2 => self.fields.reverse(),
            _ => {
                use rand::seq::SliceRandom;
                self.fields.shuffle(rng);
            }
        }
        self
    }
    pub(crate) fn build(&self) -> String {
        let mut out = String::with_capacity(64 * self.fields.len() + 2);
        out.push('{');
        for (i, (k, v)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('"');
            out.push_str(k);
            out.push_str("\":");
            out.push_str(v);
        }
        out.push('}');
        out
    }
}

impl std::fmt::Display for Obj {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.build())
    }
}

/// nginx default `escape=default`: `"`, `\`, control and non-ASCII bytes become `\xHH`.
pub(crate) fn nginx_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for &b in s.as_bytes() {
        if b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b) {
            let _ = write!(out, "\\x{b:02X}");
        } else {
            out.push(b as char);
        }
    }
    out
}

/// Percent-encodes everything but unreserved characters; `space_plus` writes spaces as `+`.
pub(crate) fn pct(s: &str, space_plus: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char);
            }
            b' ' if space_plus => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// A name in a query string, in one of the encodings seen in real access logs:
/// `+`, `%20`, raw UTF-8, or nginx `\xHH` bytes.
pub(crate) fn query_name(s: &str, variant: u32) -> String {
    match variant % 4 {
        0 => pct(s, true),
        1 => pct(s, false),
        2 => s.replace(' ', "+"),
        _ => nginx_escape(&s.replace(' ', "+")),
    }
}

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM_MIXED: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const HEX: &[u8] = b"0123456789abcdef";

fn from_set(rng: &mut Rand, set: &[u8], n: usize) -> String {
    (0..n).map(|_| set[rng.random_range(0..set.len())] as char).collect()
}

/// `n` lowercase alphanumerics.
pub(crate) fn alnum(rng: &mut Rand, n: usize) -> String {
    from_set(rng, ALNUM, n)
}

/// `n` mixed-case alphanumerics (passwords).
pub(crate) fn password(rng: &mut Rand, n: usize) -> String {
    from_set(rng, ALNUM_MIXED, n)
}

/// `n` lowercase hex digits.
pub(crate) fn hex(rng: &mut Rand, n: usize) -> String {
    from_set(rng, HEX, n)
}

/// A random UUID-shaped string.
pub(crate) fn uuid(rng: &mut Rand) -> String {
    format!("{}-{}-4{}-a{}-{}", hex(rng, 8), hex(rng, 4), hex(rng, 3), hex(rng, 3), hex(rng, 12))
}

/// True with probability `p`.
pub(crate) fn chance(rng: &mut Rand, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

/// One element of a non-empty slice.
pub(crate) fn pick<'a, T>(rng: &mut Rand, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// An index chosen by weight.
pub(crate) fn weighted(rng: &mut Rand, weights: impl Iterator<Item = u32> + Clone) -> usize {
    let total: u32 = weights.clone().sum();
    let mut x = rng.random_range(0..total.max(1));
    for (i, w) in weights.enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    0
}

/// A count with the given (non-negative) mean: floor plus a Bernoulli of the fraction.
pub(crate) fn count(rng: &mut Rand, mean: f64) -> u32 {
    let mean = mean.max(0.0);
    let base = mean.floor();
    let extra = u32::from(chance(rng, mean - base));
    (base as u32).saturating_add(extra)
}

/// A lifecycle instant: the second of `ms` plus 0–599 ms, so that every log source (which adds
/// at most 399 ms) writes it within the same second.
pub(crate) fn instant(ms: i64, rng: &mut Rand) -> i64 {
    ms - ms.rem_euclid(1000) + rng.random_range(0..600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_escape_matches_formats_md() {
        assert_eq!(nginx_escape("\"J\u{fc}rgen\""), "\\x22J\\xC3\\xBCrgen\\x22");
        assert_eq!(nginx_escape("a\\b"), "a\\x5Cb");
    }

    #[test]
    fn time_formats() {
        let tz: Tz = chrono_tz::Europe::Berlin;
        let d = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default();
        let ms = local_ms(tz, d, 8, 0, 3) + 112;
        assert_eq!(iso_local_ms(ms, tz), "2026-11-24T08:00:03.112+01:00");
        assert_eq!(nginx_time(ms, tz), "24/Nov/2026:08:00:03 +0100");
        assert_eq!(iso_utc_ms(ms), "2026-11-24T07:00:03.112Z");
        assert_eq!(freeswitch_time(ms, 456, tz), "2026-11-24 08:00:03.112456");
        assert_eq!(meteor_time(ms), "20261124-07:00:03.112");
        assert_eq!(syslog_time(ms, tz), "Nov 24 08:00:03");
        let summer = NaiveDate::from_ymd_opt(2026, 6, 2).unwrap_or_default();
        assert!(iso_local(local_ms(tz, summer, 9, 0, 0), tz).ends_with("+02:00"));
    }

    #[test]
    fn query_name_variants() {
        assert_eq!(query_name("J\u{fc}rgen Wei\u{df}", 0), "J%C3%BCrgen+Wei%C3%9F");
        assert_eq!(query_name("J\u{fc}rgen Wei\u{df}", 1), "J%C3%BCrgen%20Wei%C3%9F");
        assert_eq!(query_name("J\u{fc}rgen Wei\u{df}", 2), "J\u{fc}rgen+Wei\u{df}");
        assert_eq!(query_name("J\u{fc}rgen Wei\u{df}", 3), "J\\xC3\\xBCrgen+Wei\\xC3\\x9F");
    }
}
