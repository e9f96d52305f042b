//! Ground truth, computed from the model with the definitions of DESIGN.md (never by parsing the
//! generated logs).

use crate::fmt::local;
use crate::model::{Conference, Kind, World};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The figures of one school on one local day.
///
/// Holds no personal data: counts, minutes and the school's IServ id only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolDayTruth {
    /// The IServ instance (`iserv-<id>`).
    pub school: String,
    /// Local date (`YYYY-MM-DD`) of the conferences' first joins.
    pub date: String,
    /// Meetings with at least one join, breakout rooms counted separately.
    pub conferences: u64,
    /// Breakout rooms among `conferences`.
    pub breakout_rooms: u64,
    /// Distinct rooms (external meeting ids) among `conferences`.
    pub rooms: u64,
    /// Distinct persons: account, else BBB user id (guests, dial-in).
    pub participants: u64,
    /// Joins (BBB user ids).
    pub joins: u64,
    /// Leave-then-rejoin within 60 s merged into one session.
    pub reconnects: u64,
    /// Σ participant sessions (seconds / 60, rounded once to one decimal).
    pub participant_minutes: f64,
    /// Σ first join → conference end (seconds / 60, rounded once to one decimal).
    pub conference_minutes: f64,
    /// Most participant sessions open at one moment across the school's conferences.
    pub peak_concurrent: u64,
    /// Client `audio_failure` events.
    pub audio_failures: u64,
    /// Error code → number of error events (client and media server).
    pub error_codes: BTreeMap<String, u64>,
    /// Public chat messages.
    pub chat_messages: u64,
    /// Polls started.
    pub polls: u64,
    /// Webcam broadcasts started (successful).
    pub webcam_starts: u64,
    /// Screen shares started (successful).
    pub screenshare_starts: u64,
    /// Sessions that joined audio listen-only.
    pub listen_only: u64,
    /// Dial-in sessions.
    pub dial_in: u64,
    /// Guest sessions (browser, no account).
    pub guests: u64,
}

/// The date a conference belongs to: the local date of its first join.
pub(crate) fn conference_date(world: &World, c: &Conference) -> Option<NaiveDate> {
    c.first_join().map(|t| local(t, world.tz).date_naive())
}

/// A merged participant session in whole seconds: [start, end).
struct Span {
    start: i64,
    end: i64,
}

fn secs(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

/// Seconds → minutes rounded once to one decimal.
fn minutes(seconds: i64) -> f64 {
    (seconds as f64 / 6.0).round() / 10.0
}

/// Computes every school-day with at least one conference, sorted by (school, date).
pub(crate) fn compute(world: &World) -> Vec<SchoolDayTruth> {
    #[derive(Default)]
    struct Acc {
        conferences: u64,
        breakout_rooms: u64,
        rooms: BTreeSet<String>,
        participants: BTreeSet<String>,
        joins: u64,
        reconnects: u64,
        participant_secs: i64,
        conference_secs: i64,
        spans: Vec<Span>,
        audio_failures: u64,
        error_codes: BTreeMap<String, u64>,
        chat: u64,
        polls: u64,
        webcam: u64,
        screenshare: u64,
        listen_only: u64,
        dial_in: u64,
        guests: u64,
    }
    let mut acc: BTreeMap<(String, NaiveDate), Acc> = BTreeMap::new();
    for c in &world.confs {
        let (Some(date), Some(first)) = (conference_date(world, c), c.first_join()) else {
            continue;
        };
        let a = acc.entry((world.schools[c.school].id.clone(), date)).or_default();
        a.conferences += 1;
        a.breakout_rooms += u64::from(c.parent.is_some());
        a.rooms.insert(c.external_id.clone());
        a.conference_secs += secs(c.end) - secs(first);
        a.chat += c.chats.len() as u64;
        a.polls += c.polls.len() as u64;
        // Group sessions per participant, merge reconnects.
        let mut per: BTreeMap<&str, Vec<(i64, i64)>> = BTreeMap::new();
        for s in &c.sessions {
            a.joins += 1;
            a.participants.insert(s.identity().to_string());
            per.entry(s.identity()).or_default().push((secs(s.join), secs(s.end(c.end))));
            a.dial_in += u64::from(s.kind == Kind::DialIn);
            a.guests += u64::from(s.kind == Kind::Guest);
            let mut listen_only = false;
            for at in &s.audio {
                if let Some(code) = at.failure {
                    a.audio_failures += 1;
                    *a.error_codes.entry(code.to_string()).or_default() += 1;
                } else if at.listen_only {
                    listen_only = true;
                }
            }
            a.listen_only += u64::from(listen_only);
            for cam in &s.cams {
                if let Some(sfu) = cam.error {
                    *a.error_codes.entry("1020".to_string()).or_default() += 1;
                    *a.error_codes.entry(sfu.to_string()).or_default() += 1;
                } else {
                    a.webcam += 1;
                }
            }
            for sc in &s.screens {
                if let Some(code) = sc.failure {
                    *a.error_codes.entry(code.to_string()).or_default() += 1;
                } else {
                    a.screenshare += 1;
                }
            }
            for (_, code, _) in &s.sfu_errors {
                *a.error_codes.entry(code.to_string()).or_default() += 1;
            }
            for _ in &s.ws_errors {
                *a.error_codes.entry("1301".to_string()).or_default() += 1;
            }
        }
        for (_, mut v) in per {
            v.sort_unstable();
            let mut cur: Option<Span> = None;
            for (start, end) in v {
                match cur.as_mut() {
                    Some(span) if start - span.end <= 60 => {
                        a.reconnects += 1;
                        span.end = span.end.max(end);
                    }
                    _ => {
                        if let Some(done) = cur.take() {
                            a.participant_secs += done.end - done.start;
                            a.spans.push(done);
                        }
                        cur = Some(Span { start, end });
                    }
                }
            }
            if let Some(done) = cur {
                a.participant_secs += done.end - done.start;
                a.spans.push(done);
            }
        }
    }
    acc.into_iter()
        .map(|((school, date), a)| {
            // Sweep: at equal seconds, ends come before starts (half-open intervals).
            let mut points: Vec<(i64, i32)> = Vec::with_capacity(a.spans.len() * 2);
            for s in &a.spans {
                points.push((s.start, 1));
                points.push((s.end, -1));
            }
            points.sort_unstable();
            let (mut open, mut peak) = (0i64, 0i64);
            for (_, d) in points {
                open += i64::from(d);
                peak = peak.max(open);
            }
            SchoolDayTruth {
                school,
                date: date.format("%Y-%m-%d").to_string(),
                conferences: a.conferences,
                breakout_rooms: a.breakout_rooms,
                rooms: a.rooms.len() as u64,
                participants: a.participants.len() as u64,
                joins: a.joins,
                reconnects: a.reconnects,
                participant_minutes: minutes(a.participant_secs),
                conference_minutes: minutes(a.conference_secs),
                peak_concurrent: peak as u64,
                audio_failures: a.audio_failures,
                error_codes: a.error_codes,
                chat_messages: a.chat,
                polls: a.polls,
                webcam_starts: a.webcam,
                screenshare_starts: a.screenshare,
                listen_only: a.listen_only,
                dial_in: a.dial_in,
                guests: a.guests,
            }
        })
        .collect()
}
