//! bbb-apps-akka analytics messages (FORMATS.md §7), with or without the log-line prefix.

use serde_json::Value;

use super::{Ctx, LOGBACK_LINE, Outcome, bad_time, logback_other, missing};
use crate::event::{code, personal};
use crate::text::{json_bool, json_i64, json_str, parse_iso, parse_json};
use crate::{AudioMode, ClientType, EventKind, Personal, PersonalKind, RawEvent, Role};

const MARKER: &str = "-- analytics --";

pub(super) fn parse(line: &str, ctx: &Ctx<'_>, out: &mut Vec<RawEvent>) -> Outcome {
    let t = line.trim_start();
    let (json, prefix_time) = if t.starts_with('{') {
        (t, None)
    } else if let Some(at) = line.find(MARKER) {
        let time = LOGBACK_LINE.captures(line).and_then(|c| parse_iso(&c[1], ctx.tz));
        (&line[at + MARKER.len()..], time)
    } else {
        return logback_other(line, ctx, out);
    };
    let msg = parse_json(json.trim_start())?;
    let envelope = msg.get("envelope").filter(|e| e.is_object()).ok_or(missing("envelope"))?;
    let name = json_str(envelope, "name").ok_or(missing("envelope.name"))?;
    let time = json_i64(envelope, "timestamp")
        .and_then(crate::text::from_epoch_ms)
        .or(prefix_time)
        .ok_or(bad_time("envelope.timestamp"))?;
    let core = msg.get("core");
    let header = core.and_then(|c| c.get("header"));
    let body = core.and_then(|c| c.get("body")).filter(|b| b.is_object()).ok_or(missing("core.body"))?;
    let s = |v: Option<&Value>, k: &str| v.and_then(|v| json_str(v, k)).and_then(|x| personal(&x));

    let props = body.get("props").and_then(|p| p.get("meetingProp"));
    let is_breakout = props.and_then(|p| json_bool(p, "isBreakout")) == Some(true);
    let kind = match name.as_ref() {
        "MeetingCreatedEvtMsg" if is_breakout => EventKind::BreakoutRoomCreated,
        "MeetingCreatedEvtMsg" => EventKind::MeetingCreated,
        "MeetingEndedEvtMsg" | "MeetingEndingEvtMsg" => EventKind::MeetingEnded,
        "MeetingDestroyedEvtMsg" => EventKind::MeetingDestroyed,
        "UserJoinedMeetingEvtMsg" => EventKind::ParticipantJoined,
        "UserLeftMeetingEvtMsg" => EventKind::ParticipantLeft,
        "PresenterAssignedEvtMsg" => EventKind::PresenterAssigned,
        "UserJoinedVoiceConfToClientEvtMsg" => EventKind::AudioJoined,
        "UserLeftVoiceConfToClientEvtMsg" => EventKind::AudioLeft,
        "UserMutedVoiceEvtMsg" if json_bool(body, "muted") == Some(false) => EventKind::AudioUnmuted,
        "UserMutedVoiceEvtMsg" => EventKind::AudioMuted,
        "UserBroadcastCamStartedEvtMsg" => EventKind::WebcamStarted,
        "UserBroadcastCamStoppedEvtMsg" => EventKind::WebcamStopped,
        "ScreenshareRtmpBroadcastStartedEvtMsg" => EventKind::ScreenshareStarted,
        "ScreenshareRtmpBroadcastStoppedEvtMsg" => EventKind::ScreenshareStopped,
        "GroupChatMessageBroadcastEvtMsg" => EventKind::ChatMessageSent,
        "PollStartedEvtMsg" => EventKind::PollStarted,
        "UserRespondedToPollRespMsg" | "UserRespondedToPollRecordMsg" => EventKind::PollAnswered,
        "UserReactionEmojiChangedEvtMsg" | "UserEmojiChangedEvtMsg" => EventKind::ReactionChanged,
        "UserRaiseHandChangedEvtMsg" => EventKind::HandRaised,
        n if n.starts_with("Pad") && n.contains("Updated") => EventKind::NotesEdited,
        _ => EventKind::OtherDiagnostic,
    };
    let mut e = ctx.event(kind, time);
    e.log_code = code(&name);
    e.meeting = s(header, "meetingId")
        .or_else(|| s(envelope.get("routing"), "meetingId"))
        .or_else(|| s(Some(body), "meetingId"))
        .or_else(|| s(props, "intId"));
    e.user = s(header, "userId").or_else(|| s(envelope.get("routing"), "userId"));
    match kind {
        EventKind::MeetingCreated | EventKind::BreakoutRoomCreated => {
            e.meeting = s(props, "intId").or(e.meeting.take());
            e.external_meeting = s(props, "extId");
            e.meeting_name = s(props, "name");
            e.parent_meeting = s(body.get("props").and_then(|p| p.get("breakoutProps")), "parentId")
                .filter(|p| p.expose() != "bbb-none");
            if let Some(pw) = body.get("props").and_then(|p| p.get("password")).and_then(Value::as_object) {
                for v in pw.values().filter_map(Value::as_str) {
                    e.add_personal(PersonalKind::Secret, v);
                }
            }
        }
        EventKind::ParticipantJoined => {
            e.user = s(Some(body), "intId").or(e.user.take());
            e.account = s(Some(body), "extId");
            e.person_name = s(Some(body), "name");
            e.role = json_str(body, "role").and_then(|r| Role::parse(&r));
            e.client_type = json_str(body, "clientType").map(|c| ClientType::parse(&c));
            e.ip = json_str(body, "ipAddress").and_then(|ip| ip.trim().parse().ok()).map(Personal::new);
            e.user_agent = s(Some(body), "userAgent");
            for k in ["sessionToken", "authToken"] {
                if let Some(t) = json_str(body, k) {
                    e.add_personal(PersonalKind::Secret, &t);
                }
            }
        }
        EventKind::ParticipantLeft => e.user = s(Some(body), "intId").or(e.user.take()),
        EventKind::PresenterAssigned => {
            e.user = s(Some(body), "presenterId").or(e.user.take());
            e.person_name = s(Some(body), "presenterName");
        }
        EventKind::AudioJoined | EventKind::AudioLeft | EventKind::AudioMuted | EventKind::AudioUnmuted => {
            e.user = s(Some(body), "intId").or(e.user.take());
            if let Some(caller) = json_str(body, "callerName") {
                e.person_name = personal(&caller.replace('+', " "));
            }
            if kind == EventKind::AudioJoined {
                let dial_in = e.user.as_ref().is_some_and(|u| u.expose().starts_with("v_"))
                    || json_str(body, "callingWith").is_some_and(|c| c.eq_ignore_ascii_case("phone"));
                e.audio_mode = Some(if dial_in {
                    AudioMode::DialIn
                } else if json_bool(body, "listenOnly") == Some(true) {
                    AudioMode::ListenOnly
                } else {
                    AudioMode::Microphone
                });
            }
        }
        EventKind::WebcamStarted
        | EventKind::WebcamStopped
        | EventKind::PollAnswered
        | EventKind::ReactionChanged
        | EventKind::HandRaised => {
            e.user = s(Some(body), "userId").or(e.user.take());
        }
        EventKind::ChatMessageSent => {
            // Only the sender; the message is content and is never read.
            let sender = body.get("msg").and_then(|m| m.get("sender"));
            e.user = s(sender, "id").or(e.user.take());
            e.person_name = s(sender, "name");
        }
        _ => {}
    }
    if e.meeting.is_none() && kind != EventKind::OtherDiagnostic {
        return Err(missing("meetingId"));
    }
    out.push(e);
    Ok(())
}
