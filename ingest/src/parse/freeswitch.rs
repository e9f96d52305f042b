//! FreeSWITCH's log (FORMATS.md §5): local time without zone, the caller's name inside the
//! channel name, continuation lines that carry only the call uuid.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::LazyLock;

use chrono::NaiveDateTime;
use regex::Regex;

use super::{Ctx, Outcome, Reject, bad_time};
use crate::event::{code, personal};
use crate::format::is_uuid;
use crate::text::local_to_utc;
use crate::{AudioMode, EventKind, Level, Personal, QuarantineReason, RawEvent, SkipReason};

static LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:([0-9a-fA-F-]{36}) )?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,6}) (?:[\d.]+% )?\[(\w+)\] (\S+) ?(.*)$",
    )
    .expect("static regex")
});
static CHANNEL: LazyLock<Regex> = LazyLock::new(|| {
    // sofia/<profile>/<caller>@<host>; caller = w_xxx_1-bbbID-[LISTENONLY-]Name or a dial-in number
    Regex::new(r"sofia/[^/\s]+/([^@\]\s][^@\]]*)@").expect("static regex")
});
static INVITE_FROM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"receiving invite from ([0-9A-Fa-f:.\[\]]+?)(?::\d+)?(?:\s|$)").expect("static regex")
});
static HANGUP_CAUSE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\[(CS_\w+)\] \[(\w+)\]").expect("static regex"));

/// Per-file state: the client address of each call, learnt from its INVITE line, so that the
/// channel's events carry it. Bounded: entries leave on hangup, and the map is cleared if a
/// file never hangs up its calls.
#[derive(Default)]
pub(crate) struct State {
    call_ip: HashMap<String, IpAddr>,
}

const MAX_CALLS: usize = 100_000;

pub(super) fn parse(state: &mut State, line: &str, ctx: &Ctx<'_>, out: &mut Vec<RawEvent>) -> Outcome {
    let Some(c) = LINE.captures(line) else {
        // `get`, not slicing: byte 36 may fall inside a multi-byte character.
        if line.len() > 36 && line.get(..36).is_some_and(is_uuid) {
            return Err(Reject::Skip(SkipReason::Continuation));
        }
        return Err(QuarantineReason::UnrecognisedLine.into());
    };
    let uuid = c.get(1).map(|m| m.as_str());
    let naive = NaiveDateTime::parse_from_str(&c[2], "%Y-%m-%d %H:%M:%S%.f").map_err(|_| bad_time("time"))?;
    let time = local_to_utc(naive, ctx.tz).ok_or(bad_time("time"))?;
    let level = Level::parse(&c[3]);
    let source = &c[4];
    let text = &c[5];

    if let Some(ip) = INVITE_FROM.captures(text).and_then(|m| m[1].trim_matches(['[', ']']).parse::<IpAddr>().ok()) {
        if let Some(u) = uuid {
            if state.call_ip.len() >= MAX_CALLS {
                state.call_ip.clear();
            }
            state.call_ip.insert(u.to_owned(), ip);
        }
        return Err(Reject::Skip(SkipReason::NotAnEvent));
    }
    let kind = if text.starts_with("New Channel ") {
        Some(EventKind::AudioJoined)
    } else if text.starts_with("Hangup ") {
        let cause = HANGUP_CAUSE.captures(text).map(|m| m[2].to_owned());
        Some(match cause.as_deref() {
            None | Some("NORMAL_CLEARING" | "ORIGINATOR_CANCEL" | "NORMAL_UNSPECIFIED") => EventKind::AudioLeft,
            Some(_) => EventKind::AudioFailed,
        })
    } else {
        None
    };
    if let Some(kind) = kind {
        let mut e = ctx.event(kind, time);
        e.level = level;
        e.log_code =
            Some(if kind == EventKind::AudioJoined { "freeswitch_new_channel" } else { "freeswitch_hangup" }.into());
        if kind == EventKind::AudioFailed {
            e.error_code = HANGUP_CAUSE.captures(text).and_then(|m| code(&m[2]));
        }
        if let Some(ch) = CHANNEL.captures(text) {
            channel(&ch[1], &mut e);
        }
        if let Some(u) = uuid {
            e.ip = state.call_ip.get(u).copied().map(Personal::new);
            if kind != EventKind::AudioJoined {
                state.call_ip.remove(u);
            }
        }
        out.push(e);
        return Ok(());
    }
    if level >= Some(Level::Warn) {
        let mut e = ctx.event(
            if level >= Some(Level::Error) { EventKind::MediaServerError } else { EventKind::OtherDiagnostic },
            time,
        );
        e.level = level;
        e.log_code = source.split(':').next().and_then(code);
        e.text = personal(text.trim());
        // The channel in the text names the caller (a name or a telephone number).
        if let Some(ch) = CHANNEL.captures(text) {
            let mut caller = RawEvent::new(EventKind::OtherDiagnostic, time, ctx.server, ctx.format, ctx.line);
            channel(&ch[1], &mut caller);
            e.user = caller.user;
            if let Some(name) = caller.person_name {
                e.add_personal(crate::PersonalKind::PersonName, name.expose());
            }
        }
        out.push(e);
        return Ok(());
    }
    Err(Reject::Skip(SkipReason::NotAnEvent))
}

/// Reads `w_h2k8d0q1x9ab_1-bbbID-[LISTENONLY-]Jürgen Beispiel` (or a dial-in caller) into the
/// event: the BBB user id, the person's name and the audio mode.
fn channel(caller: &str, e: &mut RawEvent) {
    if let Some((id_part, name)) = caller.split_once("-bbbID-") {
        let user = match id_part.rsplit_once('_') {
            Some((u, n)) if n.bytes().all(|b| b.is_ascii_digit()) => u,
            _ => id_part,
        };
        let (listen_only, name) = match name.strip_prefix("LISTENONLY-") {
            Some(n) => (true, n),
            None => (false, name),
        };
        e.user = personal(user);
        e.person_name = personal(&name.replace('+', " "));
        e.audio_mode = Some(if user.starts_with("v_") {
            AudioMode::DialIn
        } else if listen_only {
            AudioMode::ListenOnly
        } else {
            AudioMode::Microphone
        });
    } else {
        // A telephone caller: the number is personal, and the call is a dial-in.
        e.person_name = personal(caller);
        e.audio_mode = Some(AudioMode::DialIn);
    }
}
