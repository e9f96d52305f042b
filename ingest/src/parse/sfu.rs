//! bbb-webrtc-sfu and Kurento logs (FORMATS.md §6): winston text, winston JSON and pino JSON.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;
use serde_json::Value;

use super::{Ctx, Outcome, Reject, bad_time};
use crate::event::{code, personal};
use crate::text::{from_epoch_ms, json_i64, json_str, parse_iso, parse_json};
use crate::{EventKind, Level, Personal, QuarantineReason, RawEvent, SkipReason};

static WINSTON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) - (\w+): (?:\[([\w-]+)\] )?(.*)$")
        .expect("static regex")
});
static KV: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"\b(\w+)[=:] ?"?([^,\s"]+)"?"#).expect("static regex"));

/// The fields of one SFU record, from JSON or from `key=value` pairs of a text line.
struct Fields<'a> {
    time: DateTime<Utc>,
    level: Option<Level>,
    module: Option<String>,
    text: Option<String>,
    get: &'a dyn Fn(&str) -> Option<String>,
}

pub(super) fn parse(line: &str, ctx: &Ctx<'_>, out: &mut Vec<RawEvent>) -> Outcome {
    let t = line.trim();
    if t.starts_with('{') {
        let v = parse_json(t)?;
        let time = match v.get("time").or_else(|| v.get("timestamp")) {
            Some(Value::Number(n)) => n.as_i64().and_then(from_epoch_ms),
            Some(Value::String(s)) => parse_iso(s, ctx.tz),
            _ => None,
        }
        .ok_or(bad_time("time"))?;
        let level = match v.get("level") {
            Some(Value::Number(n)) => n.as_i64().map(Level::from_number),
            Some(Value::String(s)) => Level::parse(s),
            _ => None,
        };
        let module = json_str(&v, "mod").or_else(|| json_str(&v, "label")).map(|s| s.into_owned());
        let text = json_str(&v, "msg").or_else(|| json_str(&v, "message")).map(|s| s.into_owned());
        let get = |k: &str| json_str(&v, k).map(|s| s.into_owned()).or_else(|| json_i64(&v, k).map(|n| n.to_string()));
        out.push(event(Fields { time, level, module, text, get: &get }, ctx));
        return Ok(());
    }
    if let Some(c) = crate::format::KURENTO.captures(t) {
        return kurento(&c, ctx, out);
    }
    let Some(c) = WINSTON.captures(t) else {
        if line.starts_with([' ', '\t']) || t.starts_with("at ") {
            return Err(Reject::Skip(SkipReason::Continuation));
        }
        return Err(QuarantineReason::UnrecognisedLine.into());
    };
    let time = parse_iso(&c[1], ctx.tz).ok_or(bad_time("time"))?;
    let level = Level::parse(&c[2]);
    let module = c.get(3).map(|m| m.as_str().to_owned());
    let message = c[4].to_owned();
    let pairs: Vec<(String, String)> = KV.captures_iter(&message).map(|m| (m[1].to_owned(), m[2].to_owned())).collect();
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    out.push(event(Fields { time, level, module, text: Some(message.clone()), get: &get }, ctx));
    Ok(())
}

/// A Kurento line: local time without zone (the server's), a GStreamer level word, a category.
fn kurento(c: &regex::Captures<'_>, ctx: &Ctx<'_>, out: &mut Vec<RawEvent>) -> Outcome {
    let naive = chrono::NaiveDateTime::parse_from_str(&c[1], "%Y-%m-%dT%H:%M:%S").map_err(|_| bad_time("time"))?;
    // The fraction has up to 9 digits; keep microseconds ("123" is 123000 µs).
    let micros: i64 = format!("{:0<6.6}", &c[2]).parse().map_err(|_| bad_time("time"))?;
    let naive = naive + chrono::Duration::microseconds(micros);
    let time = crate::text::local_to_utc(naive, ctx.tz).ok_or(bad_time("time"))?;
    let level = match c[3].to_ascii_lowercase().as_str() {
        "fixme" | "log" => Some(Level::Debug),
        other => Level::parse(other),
    };
    let kind = if level >= Some(Level::Error) { EventKind::MediaServerError } else { EventKind::OtherDiagnostic };
    let mut e = ctx.event(kind, time);
    e.level = level;
    e.log_code = code(&c[4]);
    e.text = personal(c[5].trim());
    out.push(e);
    Ok(())
}

fn event(f: Fields<'_>, ctx: &Ctx<'_>) -> RawEvent {
    let error_code = (f.get)("errorCode").or_else(|| (f.get)("code")).and_then(|c| code(&c));
    let lower = f.text.as_deref().unwrap_or("").to_ascii_lowercase();
    let module = f.module.as_deref().unwrap_or("").to_ascii_lowercase();
    let started = lower.contains("started");
    let stopped = lower.contains("stopped") || lower.contains("ended");
    let kind = if error_code.is_some() || f.level >= Some(Level::Error) {
        EventKind::MediaServerError
    } else if module == "video" && started {
        EventKind::WebcamStarted
    } else if module == "video" && stopped {
        EventKind::WebcamStopped
    } else if module == "screenshare" && started {
        EventKind::ScreenshareStarted
    } else if module == "screenshare" && stopped {
        EventKind::ScreenshareStopped
    } else {
        EventKind::OtherDiagnostic
    };
    let mut e = ctx.event(kind, f.time);
    e.level = f.level;
    e.error_code = error_code;
    e.log_code = f.module.as_deref().and_then(code);
    e.text = f.text.as_deref().and_then(personal);
    e.meeting = (f.get)("internalMeetingId")
        .or_else(|| (f.get)("roomId"))
        .or_else(|| (f.get)("meetingId"))
        .and_then(|s| personal(&s));
    e.user = (f.get)("userId").and_then(|s| personal(&s));
    e.ip = (f.get)("clientIp").or_else(|| (f.get)("ip")).and_then(|s| s.parse().ok()).map(Personal::new);
    e
}
