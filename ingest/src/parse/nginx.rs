//! nginx's combined access log; joins and creates are read from the API URL (FORMATS.md §3).

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

use super::{Ctx, Outcome, Reject, bad_time};
use crate::event::personal;
use crate::text::{nginx_unescape, parse_nginx_time};
use crate::{EventKind, Level, Personal, PersonalKind, QuarantineReason, RawEvent, Role, SkipReason};

static COMBINED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+)(?: [^"]*)?" (\d{3}) \S+(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?"#)
        .expect("static regex")
});

pub(super) fn parse(line: &str, ctx: &Ctx<'_>, out: &mut Vec<RawEvent>) -> Outcome {
    let c = COMBINED.captures(line).ok_or(QuarantineReason::UnrecognisedLine)?;
    let target = &c[4];
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let kind = match path.trim_end_matches('/') {
        "/bigbluebutton/api/join" => EventKind::ParticipantJoined,
        "/bigbluebutton/api/create" => EventKind::MeetingCreated,
        _ => return Err(Reject::Skip(SkipReason::NotAnEvent)),
    };
    let time = parse_nginx_time(&c[2], ctx.tz).ok_or(bad_time("time"))?;
    let status: u16 = c[5].parse().unwrap_or(0);
    // A refused API call is a diagnostic, not a join or a meeting.
    let failed = status >= 400;
    let mut e = ctx.event(if failed { EventKind::OtherDiagnostic } else { kind }, time);
    if failed {
        e.level = Some(Level::Warn);
        e.log_code =
            Some(if kind == EventKind::ParticipantJoined { "api_join_refused" } else { "api_create_refused" }.into());
        e.error_code = Some(status.to_string());
    }
    // nginx writes raw non-ASCII request bytes as \xHH; undo that, then the URL encoding.
    let query = nginx_unescape(query);
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "fullName" if kind == EventKind::ParticipantJoined => e.person_name = personal(&value),
            "name" if kind == EventKind::MeetingCreated => e.meeting_name = personal(&value),
            "meetingID" => e.external_meeting = personal(&value),
            "userID" => e.account = personal(&value),
            "role" => e.role = Role::parse(&value),
            "password" | "attendeePW" | "moderatorPW" | "checksum" | "sessionToken" => {
                e.add_personal(PersonalKind::Secret, &value);
            }
            _ => {}
        }
    }
    if kind == EventKind::ParticipantJoined {
        e.ip = c[1].parse::<IpAddr>().ok().map(Personal::new);
        e.user_agent =
            c.get(7).map(|ua| nginx_unescape(ua.as_str()).into_owned()).filter(|ua| ua != "-").map(Personal::new);
    }
    if e.external_meeting.is_none() && !failed {
        return Err(super::missing("meetingID"));
    }
    out.push(e);
    Ok(())
}
