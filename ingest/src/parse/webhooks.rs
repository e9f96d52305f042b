//! bbb-webhooks events: bare objects, JSON arrays, or form-encoded callback bodies (FORMATS.md §4).

use serde_json::Value;

use super::{Ctx, Outcome, Reject, bad_time, missing};
use crate::event::{code, personal};
use crate::text::{first_json, json_bool, json_i64, json_str, parse_json};
use crate::{AudioMode, EventKind, Personal, PersonalKind, QuarantineReason, RawEvent, Role, SkipReason};

pub(super) fn parse(line: &str, ctx: &Ctx<'_>, out: &mut Vec<RawEvent>) -> Outcome {
    let trimmed = line.trim();
    let mut body_ts = None;
    let value = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        parse_json(trimmed)?
    } else if trimmed.contains("event=") {
        // domain=…&event=<url-encoded JSON>&timestamp=…
        let mut event = None;
        for (k, v) in form_urlencoded::parse(trimmed.as_bytes()) {
            match k.as_ref() {
                "event" => event = Some(v.into_owned()),
                "timestamp" => body_ts = v.trim().parse::<i64>().ok(),
                _ => {}
            }
        }
        parse_json(&event.ok_or(missing("event"))?)?
    } else {
        first_json(trimmed)?
    };
    let items: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        v => vec![v],
    };
    let mut first_err = None;
    for item in items {
        match event(item, ctx, body_ts) {
            Ok(e) => out.push(e),
            Err(r) => first_err = first_err.or(Some(r)),
        }
    }
    match (out.is_empty(), first_err) {
        (true, Some(r)) => Err(r),
        (true, None) => Err(Reject::Skip(SkipReason::NotAnEvent)),
        _ => Ok(()),
    }
}

fn event(item: &Value, ctx: &Ctx<'_>, body_ts: Option<i64>) -> Result<RawEvent, Reject> {
    let data = item.get("data").filter(|d| d.is_object()).ok_or(missing("data"))?;
    let id = json_str(data, "id").ok_or(missing("data.id"))?;
    let ts = data.get("event").and_then(|e| json_i64(e, "ts")).or(body_ts).ok_or(missing("event.ts"))?;
    let time = crate::text::from_epoch_ms(ts).ok_or(bad_time("event.ts"))?;
    let attrs = data.get("attributes").filter(|a| a.is_object()).ok_or(missing("attributes"))?;
    let meeting = attrs.get("meeting").filter(|m| m.is_object());
    let user = attrs.get("user").filter(|u| u.is_object());
    let flag = |k: &str| user.and_then(|u| json_bool(u, k));
    let is_breakout = meeting.and_then(|m| json_bool(m, "is-breakout")) == Some(true);
    let kind = match id.as_ref() {
        "meeting-created" if is_breakout => EventKind::BreakoutRoomCreated,
        "meeting-created" => EventKind::MeetingCreated,
        "meeting-ended" => EventKind::MeetingEnded,
        "user-joined" => EventKind::ParticipantJoined,
        "user-left" => EventKind::ParticipantLeft,
        "user-presenter-assigned" => EventKind::PresenterAssigned,
        "user-audio-voice-enabled" => EventKind::AudioJoined,
        "user-audio-voice-disabled" => EventKind::AudioLeft,
        "user-audio-muted" => EventKind::AudioMuted,
        "user-audio-unmuted" => EventKind::AudioUnmuted,
        "user-cam-broadcast-start" => EventKind::WebcamStarted,
        "user-cam-broadcast-end" => EventKind::WebcamStopped,
        "meeting-screenshare-started" => EventKind::ScreenshareStarted,
        "meeting-screenshare-stopped" => EventKind::ScreenshareStopped,
        "chat-group-message-sent" => EventKind::ChatMessageSent,
        "poll-started" => EventKind::PollStarted,
        "poll-responded" => EventKind::PollAnswered,
        "user-emoji-changed" | "user-reaction-emoji-changed" => EventKind::ReactionChanged,
        "user-raise-hand-changed" => EventKind::HandRaised,
        "pad-content-updated" | "notes-updated" => EventKind::NotesEdited,
        _ => EventKind::OtherDiagnostic,
    };
    let mut e = ctx.event(kind, time);
    e.log_code = code(&id);
    let s = |v: &Value, k: &str| json_str(v, k).and_then(|x| personal(&x));
    if let Some(m) = meeting {
        e.meeting = s(m, "internal-meeting-id");
        e.external_meeting = s(m, "external-meeting-id");
        e.meeting_name = s(m, "name");
        e.parent_meeting = s(m, "parent-id").filter(|p| p.expose() != "bbb-none");
        for k in ["moderator-pass", "viewer-pass"] {
            if let Some(p) = json_str(m, k) {
                e.add_personal(PersonalKind::Secret, &p);
            }
        }
    }
    if let Some(u) = user {
        e.user = s(u, "internal-user-id");
        e.account = s(u, "external-user-id");
        e.person_name = s(u, "name");
        e.role = json_str(u, "role").and_then(|r| Role::parse(&r));
        e.ip = json_str(u, "ip-address").and_then(|ip| ip.trim().parse().ok()).map(Personal::new);
        e.user_agent = s(u, "user-agent");
        if let Some(t) = json_str(u, "session-token") {
            e.add_personal(PersonalKind::Secret, &t);
        }
    }
    if kind == EventKind::ChatMessageSent {
        // Only the sender; the message itself is content and is never read.
        if let Some(sender) = attrs.get("chat-message").and_then(|m| m.get("sender")) {
            e.user = s(sender, "internal-user-id");
            e.person_name = s(sender, "name");
        }
    }
    if kind == EventKind::AudioJoined {
        let dial_in = e.user.as_ref().is_some_and(|u| u.expose().starts_with("v_"));
        e.audio_mode = Some(if dial_in {
            AudioMode::DialIn
        } else if flag("listening-only") == Some(true) {
            AudioMode::ListenOnly
        } else {
            AudioMode::Microphone
        });
    }
    if e.meeting.is_none() && kind != EventKind::OtherDiagnostic {
        return Err(missing("internal-meeting-id"));
    }
    if e.meeting.is_none() && e.external_meeting.is_none() {
        return Err(Reject::Quarantine(QuarantineReason::MissingField, Some("meeting")));
    }
    Ok(e)
}
