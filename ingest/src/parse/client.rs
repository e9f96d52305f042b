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
    parse_records(&body, ctx, time, ip, None, out)
}

/// Parses the record or array of records that starts at the first `{` or `[` of `s`: first into
/// borrowed typed records (the fast path for the bulk of a server's log volume), and, if their
/// shape is unusual (a field of another type, a duplicate key), through a generic JSON value.
fn parse_records(
    s: &str,
    ctx: &Ctx<'_>,
    time: DateTime<Utc>,
    ip: Option<IpAddr>,
    fallback_level: Option<Level>,
    out: &mut Vec<RawEvent>,
) -> Outcome {
    let start = s.find(['{', '[']).ok_or(QuarantineReason::InvalidJson)?;
    let json = &s[start..];
    let mut de = serde_json::Deserializer::from_str(json);
    let typed: Result<Vec<typed::Rec<'_>>, serde_json::Error> = if json.starts_with('[') {
        serde::Deserialize::deserialize(&mut de)
    } else {
        <typed::Rec<'_> as serde::Deserialize>::deserialize(&mut de).map(|r| vec![r])
    };
    match typed {
        Ok(recs) => {
            if recs.is_empty() {
                return Err(Reject::Skip(SkipReason::NotAnEvent));
            }
            for r in recs {
                out.push(r.into_event(ctx, time, ip, fallback_level));
            }
            Ok(())
        }
        Err(e) if e.is_eof() => Err(QuarantineReason::TruncatedJson.into()),
        Err(_) => {
            let value = first_json(json)?;
            records(&value, ctx, time, ip, fallback_level, out)
        }
    }
}

/// Borrowed, typed client records: only the allowlisted fields; everything else is skipped by
/// the deserializer without being copied.
mod typed {
    use std::borrow::Cow;
    use std::fmt;
    use std::net::IpAddr;

    use chrono::{DateTime, Utc};
    use serde::Deserialize;
    use serde::de::{self, Deserializer, Visitor};
    use serde_json::value::RawValue;

    use super::{Ctx, classify, collect_labels};
    use crate::event::{code, personal};
    use crate::{AudioMode, EventKind, Level, Personal, PersonalKind, RawEvent};

    type Text<'a> = Option<Cow<'a, str>>;

    #[derive(Deserialize)]
    pub(super) struct Rec<'a> {
        #[serde(default, deserialize_with = "level")]
        level: Option<Level>,
        #[serde(borrow, default)]
        msg: Text<'a>,
        #[serde(borrow, default, rename = "logCode")]
        log_code: Text<'a>,
        #[serde(borrow, default, rename = "userAgent")]
        user_agent: Text<'a>,
        #[serde(borrow, default, rename = "userInfo")]
        user_info: Option<Info<'a>>,
        #[serde(borrow, default, rename = "clientInfo")]
        client_info: Option<Info<'a>>,
        #[serde(borrow, default, rename = "extraInfo")]
        extra: Option<&'a RawValue>,
        #[serde(default, rename = "errorCode", deserialize_with = "scalar")]
        error_code: Option<String>,
    }

    #[derive(Deserialize)]
    struct Info<'a> {
        #[serde(borrow, default, rename = "meetingId")]
        meeting_id: Text<'a>,
        #[serde(borrow, default, rename = "requesterUserId")]
        requester_user_id: Text<'a>,
        #[serde(borrow, default, rename = "userId")]
        user_id: Text<'a>,
        #[serde(borrow, default, rename = "externUserID")]
        extern_user_id: Text<'a>,
        #[serde(borrow, default, rename = "externalUserId")]
        external_user_id: Text<'a>,
        #[serde(borrow, default, rename = "externUserId")]
        extern_user_id2: Text<'a>,
        #[serde(borrow, default)]
        fullname: Text<'a>,
        #[serde(borrow, default, rename = "fullName")]
        full_name: Text<'a>,
        #[serde(borrow, default)]
        confname: Text<'a>,
        #[serde(borrow, default, rename = "sessionToken")]
        session_token: Text<'a>,
    }

    #[derive(Deserialize)]
    struct Extra {
        #[serde(default, rename = "errorCode", deserialize_with = "scalar")]
        error_code: Option<String>,
        #[serde(default, rename = "listenOnly")]
        listen_only: Option<bool>,
    }

    fn text(t: &Text<'_>) -> Option<Personal<String>> {
        t.as_deref().and_then(personal)
    }

    impl Rec<'_> {
        pub(super) fn into_event(
            self,
            ctx: &Ctx<'_>,
            time: DateTime<Utc>,
            ip: Option<IpAddr>,
            fallback_level: Option<Level>,
        ) -> RawEvent {
            let level = self.level.or(fallback_level);
            let log_code = self.log_code.as_deref().and_then(code);
            // extraInfo is free-form: read the two typed fields, and look for device labels only
            // when the object mentions one.
            let extra = self.extra.and_then(|raw| serde_json::from_str::<Extra>(raw.get()).ok());
            let kind = classify(log_code.as_deref(), level);
            let mut e = ctx.event(kind, time);
            e.level = level;
            e.log_code = log_code;
            e.error_code = extra.as_ref().and_then(|x| x.error_code.as_deref()).and_then(code);
            e.ip = ip.map(Personal::new);
            e.user_agent = text(&self.user_agent);
            e.text = text(&self.msg);
            if let Some(info) = self.user_info.or(self.client_info) {
                e.meeting = text(&info.meeting_id);
                e.user = text(&info.requester_user_id).or_else(|| text(&info.user_id));
                e.account = text(&info.extern_user_id)
                    .or_else(|| text(&info.external_user_id))
                    .or_else(|| text(&info.extern_user_id2));
                e.person_name = text(&info.fullname).or_else(|| text(&info.full_name));
                e.meeting_name = text(&info.confname);
                if let Some(t) = info.session_token.as_deref() {
                    e.add_personal(PersonalKind::Secret, t);
                }
            }
            if kind == EventKind::AudioJoined && self.extra.is_some() {
                let listen_only = extra.as_ref().and_then(|x| x.listen_only) == Some(true);
                e.audio_mode = Some(if listen_only { AudioMode::ListenOnly } else { AudioMode::Microphone });
            }
            if let Some(raw) = self.extra
                && raw.get().to_ascii_lowercase().contains("label")
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(raw.get())
            {
                collect_labels(&v, &mut e, 0);
            }
            if e.error_code.is_none() && kind == EventKind::AudioFailed {
                // Older builds put the code only into the record itself.
                e.error_code = self.error_code.as_deref().and_then(code);
            }
            e
        }
    }

    /// A bunyan/pino level number or a level word.
    fn level<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Level>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<Level>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a level number or word")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                Ok(Some(Level::from_number(n)))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                Ok(Some(Level::from_number(i64::try_from(n).unwrap_or(i64::MAX))))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
                Ok(Some(Level::from_number(n as i64)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Level::parse(s))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
        }
        d.deserialize_any(V)
    }

    /// A number or a string, as text (error codes come as both).
    fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                Ok(Some(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                Ok(Some(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
                Ok(Some(n.to_string()))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok((!s.is_empty()).then(|| s.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
                Ok(Some(b.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
        }
        d.deserialize_any(V)
    }
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
    let level = Level::parse(&c[3]);
    match parse_records(rest, ctx, time, None, level, out) {
        // Brackets in a text message (`[meetings] …`) are no JSON record: the line is text.
        Err(Reject::Quarantine(QuarantineReason::InvalidJson, _)) if !looks_like_record(rest) => {
            out.clear();
            let mut e = ctx.event(EventKind::OtherDiagnostic, time);
            e.level = level;
            e.text = personal(rest.trim());
            out.push(e);
            Ok(())
        }
        other => other,
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
