//! confstats' canonical JSONL raw event (`schemas/raw-event.schema.json`), one object per line,
//! for servers that can emit events directly.

use serde_json::Value;

use super::{Ctx, Outcome, Reject, bad_time, missing};
use crate::event::{code, personal};
use crate::text::{json_str, parse_iso, parse_json};
use crate::{AudioMode, ClientType, EventKind, Level, Personal, QuarantineReason, RawEvent, Role};

use crate::CANONICAL_SCHEMA as SCHEMA;

pub(super) fn parse(line: &str, ctx: &Ctx<'_>, out: &mut Vec<RawEvent>) -> Outcome {
    let v = parse_json(line.trim())?;
    if !v.is_object() {
        return Err(QuarantineReason::UnrecognisedLine.into());
    }
    if json_str(&v, "schema").as_deref() != Some(SCHEMA) {
        return Err(missing("schema"));
    }
    let kind_name = json_str(&v, "kind").ok_or(missing("kind"))?;
    let kind =
        EventKind::from_name(&kind_name).ok_or(Reject::Quarantine(QuarantineReason::UnrecognisedLine, Some("kind")))?;
    let time = json_str(&v, "time").and_then(|t| parse_iso(&t, ctx.tz)).ok_or(bad_time("time"))?;
    let mut e = ctx.event(kind, time);
    let s = |k: &str| json_str(&v, k).and_then(|x| personal(&x));
    if let Some(server) = json_str(&v, "server").and_then(|s| code(&s)) {
        e.server = server;
    }
    e.school = json_str(&v, "school").and_then(|s| code(&s));
    e.meeting = s("meeting");
    e.parent_meeting = s("parent_meeting");
    e.external_meeting = s("external_meeting");
    e.account = s("account");
    e.user = s("user");
    e.role = json_str(&v, "role").and_then(|r| Role::parse(&r));
    e.client_type = json_str(&v, "client_type").map(|c| ClientType::parse(&c));
    e.audio_mode = json_str(&v, "audio_mode").and_then(|m| match m.as_ref() {
        "microphone" => Some(AudioMode::Microphone),
        "listen_only" => Some(AudioMode::ListenOnly),
        "dial_in" => Some(AudioMode::DialIn),
        _ => None,
    });
    e.ip = json_str(&v, "ip").and_then(|ip| ip.parse().ok()).map(Personal::new);
    e.user_agent = s("user_agent");
    e.error_code = json_str(&v, "error_code").and_then(|c| code(&c));
    e.log_code = json_str(&v, "log_code").and_then(|c| code(&c));
    e.level = json_str(&v, "level").and_then(|l| Level::parse(&l));
    e.text = s("text");
    e.person_name = s("person_name");
    e.meeting_name = s("meeting_name");
    if let Some(Value::Array(secrets)) = v.get("secrets") {
        for t in secrets.iter().filter_map(Value::as_str) {
            e.add_personal(crate::PersonalKind::Secret, t);
        }
    }
    out.push(e);
    Ok(())
}
