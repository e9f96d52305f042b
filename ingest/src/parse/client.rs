//! HTML5 client log records: nginx `postdata` lines and the bbb-html5 journal (FORMATS.md §1).

use std::net::IpAddr;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDateTime, Utc};
use regex::Regex;
use serde_json::Value;

use super::{Ctx, Outcome, Reject, bad_time, missing};
use crate::event::{code, personal};
use crate::text::{first_json, json_bool, json_i64, json_str, nginx_unescape, parse_nginx_time, trim_cut_escape};
use crate::{AudioMode, EventKind, Level, Personal, PersonalKind, QuarantineReason, RawEvent, SkipReason};

/// `<ip> [<time>] <body>`; the time is `$time_iso8601` or `$time_local`.
pub(super) fn parse_postdata(line: &str, ctx: &Ctx<'_>, out: &mut Vec<RawEvent>) -> Outcome {
    let (ip_part, rest) = line.split_once(' ').ok_or(missing("time"))?;
    let rest = rest.strip_prefix('[').ok_or(QuarantineReason::UnrecognisedLine)?;
    let (time_part, body) = rest.split_once(']').ok_or(QuarantineReason::UnrecognisedLine)?;
    let time = parse_nginx_time(time_part, ctx.tz).ok_or(bad_time("time"))?;
    let body = body.trim();
    if body.is_empty() || body == "-" {
        return Err(Reject::Skip(SkipReason::NotAnEvent));
    }
    // An X-Forwarded-For chain names the client first.
    let ip = ip_part.split(',').next().and_then(|s| s.trim().parse::<IpAddr>().ok());
    let body = nginx_unescape(trim_cut_escape(body));
    let value = first_json(&body)?;
    records(&value, ctx, time, ip, None, out)
}

static JOURNAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[IWEDF](\d{8}-\d\d:\d\d:\d\d\.\d{3})\((-?\d+)\)\? (\w+): ?(.*)$").expect("static regex")
});

/// `… I20261124-07:02:10.877(0)? info: {record}`: Meteor's local time with its UTC offset in hours.
pub(super) fn parse_journal(line: &str, ctx: &Ctx<'_>, out: &mut Vec<RawEvent>) -> Outcome {
    let Some(c) = JOURNAL.captures(line) else {
        return Err(Reject::Skip(SkipReason::NotAnEvent));
    };
    let naive = NaiveDateTime::parse_from_str(&c[1], "%Y%m%d-%H:%M:%S%.3f").map_err(|_| bad_time("time"))?;
    let offset_hours: i64 = c[2].parse().map_err(|_| bad_time("time"))?;
    if offset_hours.abs() > 14 {
        return Err(bad_time("time"));
    }
    let time = (naive - chrono::Duration::hours(offset_hours)).and_utc();
    let rest = &c[4];
    match first_json(rest) {
        Ok(value) => records(&value, ctx, time, None, Level::parse(&c[3]), out),
        // Brackets in a text message (`[meetings] …`) are no JSON record: the line is text.
        Err(QuarantineReason::InvalidJson) if !looks_like_record(rest) => {
            let mut e = ctx.event(EventKind::OtherDiagnostic, time);
            e.level = Level::parse(&c[3]);
            e.text = personal(rest.trim());
            out.push(e);
            Ok(())
        }
        Err(reason) => Err(reason.into()),
    }
}

/// Whether the first `{` or `[` of `s` opens what can only be a JSON record or batch.
fn looks_like_record(s: &str) -> bool {
    s.find(['{', '[']).is_some_and(|i| {
        let t = s[i + 1..].trim_start();
        t.starts_with(['"', '{', ']', '}'])
    })
}

/// One record or an array of records.
fn records(
    value: &Value,
    ctx: &Ctx<'_>,
    time: DateTime<Utc>,
    ip: Option<IpAddr>,
    fallback_level: Option<Level>,
    out: &mut Vec<RawEvent>,
) -> Outcome {
    match value {
        Value::Array(items) => {
            for item in items {
                if item.is_object() {
                    out.push(record(item, ctx, time, ip, fallback_level));
                }
            }
            if out.is_empty() {
                return Err(Reject::Skip(SkipReason::NotAnEvent));
            }
            Ok(())
        }
        Value::Object(_) => {
            out.push(record(value, ctx, time, ip, fallback_level));
            Ok(())
        }
        _ => Err(QuarantineReason::UnrecognisedLine.into()),
    }
}

/// Maps one client log record to an event. The server's time is used, not the browser's; a
/// record without a level takes `fallback_level` (the journal's level word).
fn record(
    r: &Value,
    ctx: &Ctx<'_>,
    time: DateTime<Utc>,
    ip: Option<IpAddr>,
    fallback_level: Option<Level>,
) -> RawEvent {
    let level = match r.get("level") {
        Some(Value::Number(n)) => n.as_i64().map(Level::from_number),
        Some(Value::String(s)) => Level::parse(s),
        _ => None,
    }
    .or(fallback_level);
    let log_code = json_str(r, "logCode").and_then(|c| code(&c));
    let extra = r.get("extraInfo").filter(|v| v.is_object());
    let error_code = extra.and_then(|x| json_str(x, "errorCode").and_then(|c| code(&c)));
    let kind = classify(log_code.as_deref(), level);
    let mut e = ctx.event(kind, time);
    e.level = level;
    e.log_code = log_code;
    e.error_code = error_code;
    e.ip = ip.map(Personal::new);
    e.user_agent = json_str(r, "userAgent").and_then(|s| personal(&s));
    e.text = json_str(r, "msg").and_then(|s| personal(&s));
    if let Some(info) = r.get("userInfo").or_else(|| r.get("clientInfo")).filter(|v| v.is_object()) {
        e.meeting = json_str(info, "meetingId").and_then(|s| personal(&s));
        e.user = json_str(info, "requesterUserId").or_else(|| json_str(info, "userId")).and_then(|s| personal(&s));
        e.account = json_str(info, "externUserID")
            .or_else(|| json_str(info, "externalUserId"))
            .or_else(|| json_str(info, "externUserId"))
            .and_then(|s| personal(&s));
        e.person_name = json_str(info, "fullname").or_else(|| json_str(info, "fullName")).and_then(|s| personal(&s));
        e.meeting_name = json_str(info, "confname").and_then(|s| personal(&s));
        if let Some(t) = json_str(info, "sessionToken") {
            e.add_personal(PersonalKind::Secret, &t);
        }
    }
    if let Some(x) = extra {
        if kind == EventKind::AudioJoined {
            e.audio_mode = Some(if json_bool(x, "listenOnly") == Some(true) {
                AudioMode::ListenOnly
            } else {
                AudioMode::Microphone
            });
        }
        collect_labels(x, &mut e, 0);
    }
    if e.error_code.is_none() && kind == EventKind::AudioFailed {
        // Older builds put the code only into the record itself.
        e.error_code = json_i64(r, "errorCode").map(|n| n.to_string());
    }
    e
}

/// User-chosen device labels hide in `extraInfo` (`inputDeviceLabel`, device lists with `label`).
fn collect_labels(v: &Value, e: &mut RawEvent, depth: u8) {
    if depth > 4 {
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if let Value::String(s) = v {
                    if k.to_ascii_lowercase().contains("label") {
                        e.add_personal(PersonalKind::DeviceLabel, s);
                    }
                } else {
                    collect_labels(v, e, depth + 1);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_labels(i, e, depth + 1)),
        _ => {}
    }
}

/// The event kind of a client record, from its log code and level.
fn classify(log_code: Option<&str>, level: Option<Level>) -> EventKind {
    let error = level >= Some(Level::Error);
    match log_code.unwrap_or("") {
        "audio_joined" | "listen_only_joined" => EventKind::AudioJoined,
        "audio_failure" | "audio_join_failure" => EventKind::AudioFailed,
        "audio_ended" | "audio_left" => EventKind::AudioLeft,
        "video_provider_share_started" | "video_provider_camera_share_start" => EventKind::WebcamStarted,
        "video_provider_share_stopped" | "video_provider_camera_share_stop" => EventKind::WebcamStopped,
        "screenshare_started" => EventKind::ScreenshareStarted,
        "screenshare_ended" | "screenshare_stopped" => EventKind::ScreenshareStopped,
        "screenshare_failed" => EventKind::ScreenshareFailed,
        c if error && c.starts_with("video_provider") => EventKind::WebcamFailed,
        c if error && c.starts_with("screenshare") => EventKind::ScreenshareFailed,
        _ if error => EventKind::ClientError,
        _ => EventKind::OtherDiagnostic,
    }
}
