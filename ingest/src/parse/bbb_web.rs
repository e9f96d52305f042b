//! bbb-web's logback log with analytics JSON (FORMATS.md §2).

use serde_json::Value;

use super::{Ctx, LOGBACK_LINE, Outcome, bad_time, logback_other, missing};
use crate::event::{code, personal};
use crate::text::{json_bool, json_str, parse_iso, parse_json};
use crate::{ClientType, EventKind, Level, PersonalKind, RawEvent, Role};

const MARKER: &str = "--analytics-- data=";

pub(super) fn parse(line: &str, ctx: &Ctx<'_>, out: &mut Vec<RawEvent>) -> Outcome {
    let Some(at) = line.find(MARKER) else {
        return logback_other(line, ctx, out);
    };
    let caps = LOGBACK_LINE.captures(line).ok_or(missing("time"))?;
    let time = parse_iso(&caps[1], ctx.tz).ok_or(bad_time("time"))?;
    let level = Level::parse(&caps[2]);
    let data = parse_json(&line[at + MARKER.len()..])?;
    if !data.is_object() {
        return Err(missing("data"));
    }
    let log_code = json_str(&data, "logCode").ok_or(missing("logCode"))?;
    let kind = match log_code.as_ref() {
        "create_meeting" if json_bool(&data, "isBreakout") == Some(true) => EventKind::BreakoutRoomCreated,
        "create_meeting" => EventKind::MeetingCreated,
        "meeting_started" | "meeting_restarted" => EventKind::MeetingStarted,
        "meeting_ended" => EventKind::MeetingEnded,
        "meeting_destroyed" => EventKind::MeetingDestroyed,
        "user_joined_message" => EventKind::ParticipantJoined,
        "user_left_message" | "removed_user" => EventKind::ParticipantLeft,
        "presentation_conversion_start" => EventKind::PresentationUploaded,
        _ => EventKind::OtherDiagnostic,
    };
    let mut e = ctx.event(kind, time);
    e.level = level;
    e.log_code = code(&log_code);
    fill(&mut e, &data);
    if kind != EventKind::OtherDiagnostic && e.meeting.is_none() {
        return Err(missing("meetingId"));
    }
    if matches!(kind, EventKind::ParticipantJoined | EventKind::ParticipantLeft) && e.user.is_none() {
        return Err(missing("userId"));
    }
    out.push(e);
    Ok(())
}

/// The allowlisted analytics fields. Careful: in user events `name` is the *meeting* name and
/// `username` the person.
fn fill(e: &mut RawEvent, d: &Value) {
    let s = |k: &str| json_str(d, k).and_then(|v| personal(&v));
    e.meeting = s("meetingId");
    e.external_meeting = s("externalMeetingId");
    e.parent_meeting = s("parentMeetingId").or_else(|| s("parentId")).filter(|p| p.expose() != "bbb-none");
    e.meeting_name = s("name");
    e.user = s("userId");
    e.account = s("externalUserId");
    e.person_name = s("username");
    e.role = json_str(d, "role").and_then(|r| Role::parse(&r));
    e.client_type = json_str(d, "clientType").map(|c| ClientType::parse(&c));
    for key in ["presentationName", "filename", "fileName", "originalFilename"] {
        if let Some(f) = json_str(d, key) {
            e.add_personal(PersonalKind::FileName, &f);
        }
    }
}
