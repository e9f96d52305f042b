//! Conferences and participant sessions of one day, built from the store's lifecycle events with
//! the definitions of DESIGN.md.
//!
//! Pseudonyms are interned to dense integer ids here: the model never needs their text, only
//! their identity, and ids keep the session bookkeeping cheap.

use foldhash::{HashMap, HashMapExt};

/// Dense id of an interned pseudonym or label.
pub(crate) type Id = u32;

/// Interns strings (pseudonyms, schools, servers) to dense ids.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    ids: HashMap<String, Id>,
    names: Vec<String>,
}

impl Interner {
    /// The id of `s`, new or known.
    pub(crate) fn id(&mut self, s: &str) -> Id {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as Id;
        self.ids.insert(s.to_owned(), id);
        self.names.push(s.to_owned());
        id
    }

    /// The string of an id.
    pub(crate) fn name(&self, id: Id) -> &str {
        &self.names[id as usize]
    }
}

/// Interns a label to a static string from a fixed vocabulary, else `other`/`unknown`.
pub(crate) fn label(value: Option<&str>, vocabulary: &[&'static str]) -> &'static str {
    match value {
        None => "unknown",
        Some(v) => vocabulary.iter().find(|w| **w == v).copied().unwrap_or("other"),
    }
}

/// Role labels.
pub(crate) const ROLES: &[&str] = &["moderator", "viewer"];
/// Client type labels.
pub(crate) const CLIENTS: &[&str] = &["html5", "dial_in", "other"];
/// Device labels.
pub(crate) const DEVICES: &[&str] = &["desktop", "tablet", "phone", "other"];
/// Browser labels.
pub(crate) const BROWSERS: &[&str] =
    &["chrome", "edge", "firefox", "safari", "opera", "samsung_internet", "chromium", "other"];
/// Operating system labels.
pub(crate) const OSES: &[&str] = &["windows", "macos", "ios", "ipados", "android", "chromeos", "linux", "other"];

/// Whole seconds (floor) of a store time in microseconds.
pub(crate) fn secs(us: i64) -> i64 {
    us.div_euclid(1_000_000)
}

/// Seconds to minutes, rounded once to one decimal (DESIGN.md).
pub(crate) fn minutes(secs: i64) -> f64 {
    (secs as f64 / 6.0).round() / 10.0
}

/// One join (one BBB user id) and what happened in it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Session {
    /// Meeting (conference) index in [`Day::conferences`].
    pub conference: usize,
    /// Participant id (account, else the BBB user id).
    pub participant: Id,
    /// Join time, UTC seconds.
    pub join: i64,
    /// Leave time, UTC seconds, if a leave was logged.
    pub leave: Option<i64>,
    /// Role label (`moderator`, `viewer`, `unknown`).
    pub role: &'static str,
    /// Client type label (`html5`, `dial_in`, `other`, `unknown`).
    pub client: &'static str,
    /// Audio joins per mode: microphone, listen-only, dial-in.
    pub microphone: u32,
    /// Listen-only audio joins.
    pub listen_only: u32,
    /// Dial-in audio joins (or a dial-in client).
    pub dial_in: u32,
    /// Webcam broadcasts started.
    pub webcams: u32,
    /// Screen shares started.
    pub screenshares: u32,
    /// First audio join, UTC seconds.
    pub first_audio: Option<i64>,
    /// First webcam start, UTC seconds.
    pub first_webcam: Option<i64>,
}

/// A meeting of the day with at least one join (a conference; breakout rooms count separately).
#[derive(Debug, Clone)]
pub(crate) struct Conference {
    /// School id (interned).
    pub school: Id,
    /// Server id (interned).
    pub server: Id,
    /// Room id (interned), if the external meeting id was known.
    pub room: Option<Id>,
    /// Whether this is a breakout room.
    pub breakout: bool,
    /// First join, UTC seconds.
    pub first_join: i64,
    /// The meeting-end event, if logged.
    pub ended: Option<i64>,
    /// Conference end: the meeting end if logged, else the last session end.
    pub end: i64,
}

/// A participant's merged session in one conference: reconnects within 60 s are merged.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    /// Conference index.
    pub conference: usize,
    /// Participant id.
    pub participant: Id,
    /// Start, UTC seconds.
    pub start: i64,
    /// End, UTC seconds (exclusive).
    pub end: i64,
    /// Index of the span's first session (its attributes describe the span).
    pub first_session: usize,
    /// Sessions merged into the span.
    pub sessions: Vec<usize>,
}

/// The reconnect window: a leave followed by a join of the same participant in the same
/// conference within this many seconds continues the session (DESIGN.md).
pub(crate) const RECONNECT_SECS: i64 = 60;

/// Sets each conference's end and merges sessions into spans. Returns the spans and, per span
/// beyond the first session, the time of each reconnect (the rejoin).
pub(crate) fn build_spans(conferences: &mut [Conference], sessions: &[Session]) -> (Vec<Span>, Vec<(usize, i64)>) {
    // Conference end: the meeting end if logged, else the last session end (leaves and joins).
    let mut last: Vec<i64> = conferences.iter().map(|c| c.first_join).collect();
    for s in sessions {
        let l = &mut last[s.conference];
        *l = (*l).max(s.leave.unwrap_or(s.join)).max(s.join);
    }
    for (c, last) in conferences.iter_mut().zip(last) {
        c.end = c.ended.map_or(last, |e| e.max(c.first_join));
    }
    let end_of = |s: &Session| s.leave.unwrap_or(conferences[s.conference].end).max(s.join);

    let mut order: Vec<usize> = (0..sessions.len()).collect();
    order.sort_unstable_by_key(|&i| (sessions[i].conference, sessions[i].participant, sessions[i].join, i));
    let mut spans: Vec<Span> = Vec::new();
    let mut reconnects = Vec::new();
    for i in order {
        let s = &sessions[i];
        let end = end_of(s);
        match spans.last_mut() {
            Some(span)
                if span.conference == s.conference
                    && span.participant == s.participant
                    && s.join - span.end <= RECONNECT_SECS =>
            {
                span.end = span.end.max(end);
                span.sessions.push(i);
                reconnects.push((i, s.join));
            }
            _ => spans.push(Span {
                conference: s.conference,
                participant: s.participant,
                start: s.join,
                end,
                first_session: i,
                sessions: vec![i],
            }),
        }
    }
    (spans, reconnects)
}

/// The most intervals open at one moment; intervals are half-open, so an end and a start in the
/// same second do not overlap.
pub(crate) fn peak(intervals: impl IntoIterator<Item = (i64, i64)>) -> u32 {
    let mut points: Vec<(i64, i32)> = Vec::new();
    for (start, end) in intervals {
        points.push((start, 1));
        points.push((end, -1));
    }
    points.sort_unstable();
    let (mut open, mut peak) = (0i64, 0i64);
    for (_, d) in points {
        open += i64::from(d);
        peak = peak.max(open);
    }
    peak as u32
}

/// Adds a half-open interval to per-second changes of the open count: +1 at its start, −1 at its
/// end. Changes are additive, so those of disjoint sets of intervals (the chunks of a day) can be
/// summed and swept once.
pub(crate) fn add_interval(changes: &mut HashMap<i64, i32>, start: i64, end: i64) {
    *changes.entry(start).or_default() += 1;
    *changes.entry(end).or_default() -= 1;
}

/// The most intervals open at one moment within each local hour (a sweep that carries the open
/// count across hour boundaries). Returns `(hour, peak)` for every hour with an open interval.
/// (The aggregation sums the changes of its chunks first: [`hourly_peaks_of_changes`].)
#[cfg(test)]
pub(crate) fn hourly_peaks(
    intervals: impl IntoIterator<Item = (i64, i64)>,
    hour_of: impl FnMut(i64) -> u32,
) -> HashMap<u32, u32> {
    let mut changes = HashMap::new();
    for (start, end) in intervals {
        add_interval(&mut changes, start, end);
    }
    hourly_peaks_of_changes(changes, hour_of)
}

/// [`hourly_peaks`] of per-second changes of the open count (see [`add_interval`]).
///
/// Sweeping the net change per second gives the same peaks as sweeping every start and end: at
/// one second the ends come before the starts, so the count between them never exceeds the
/// count before that second (already recorded for its hour) or the count after it.
pub(crate) fn hourly_peaks_of_changes(
    changes: HashMap<i64, i32>,
    mut hour_of: impl FnMut(i64) -> u32,
) -> HashMap<u32, u32> {
    const QUARTER: i64 = 900;
    let mut points: Vec<(i64, i32)> = changes.into_iter().collect();
    points.sort_unstable();
    let mut peaks: HashMap<u32, u32> = HashMap::new();
    let mut open: i64 = 0;
    let mut prev: Option<i64> = None;
    for (t, d) in points {
        if let Some(p) = prev
            && open > 0
        {
            // The open count holds through every quarter-hour boundary in (p, t].
            let mut b = (p.div_euclid(QUARTER) + 1) * QUARTER;
            while b <= t {
                let e = peaks.entry(hour_of(b)).or_default();
                *e = (*e).max(open as u32);
                b += QUARTER;
            }
        }
        open += i64::from(d);
        if open > 0 {
            let e = peaks.entry(hour_of(t)).or_default();
            *e = (*e).max(open as u32);
        }
        prev = Some(t);
    }
    peaks
}

/// Median and 90th percentile (nearest rank) of durations in seconds; `None` when empty.
pub(crate) fn median_p90(mut secs: Vec<i64>) -> (Option<f64>, Option<f64>) {
    if secs.is_empty() {
        return (None, None);
    }
    secs.sort_unstable();
    let n = secs.len();
    let median = if n % 2 == 1 { secs[n / 2] as f64 } else { (secs[n / 2 - 1] + secs[n / 2]) as f64 / 2.0 };
    let rank = (0.9 * n as f64).ceil() as usize;
    let p90 = secs[rank.clamp(1, n) - 1] as f64;
    let m = |s: f64| (s / 6.0).round() / 10.0; // as `minutes`, for a half-second median
    (Some(m(median)), Some(m(p90)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(first_join: i64, ended: Option<i64>) -> Conference {
        Conference { school: 0, server: 0, room: None, breakout: false, first_join, ended, end: 0 }
    }

    fn session(participant: Id, join: i64, leave: Option<i64>) -> Session {
        Session { conference: 0, participant, join, leave, role: "viewer", client: "html5", ..Session::default() }
    }

    #[test]
    fn a_rejoin_within_60_seconds_is_a_reconnect_and_after_61_a_new_session() {
        let mut confs = vec![conf(0, Some(10_000))];
        // Participant 1 leaves at 100, rejoins at 159 (59 s): one span 0..500.
        // Participant 2 leaves at 100, rejoins at 161 (61 s): two spans.
        let sessions = vec![
            session(1, 0, Some(100)),
            session(1, 159, Some(500)),
            session(2, 0, Some(100)),
            session(2, 161, Some(500)),
        ];
        let (spans, reconnects) = build_spans(&mut confs, &sessions);
        let got: Vec<_> = spans.iter().map(|s| (s.participant, s.start, s.end)).collect();
        assert_eq!(got, vec![(1, 0, 500), (2, 0, 100), (2, 161, 500)]);
        assert_eq!(reconnects, vec![(1, 159)]);
    }

    #[test]
    fn sessions_without_a_leave_end_at_the_conference_end() {
        let mut confs = vec![conf(0, None), conf(0, Some(300))];
        let mut other = session(2, 10, None);
        other.conference = 1;
        let sessions = vec![session(1, 0, Some(700)), session(3, 50, None), other];
        let (spans, _) = build_spans(&mut confs, &sessions);
        assert_eq!(confs[0].end, 700, "no meeting end: the last session end");
        assert_eq!(confs[1].end, 300, "the logged meeting end");
        let ends: Vec<_> = spans.iter().map(|s| (s.participant, s.end)).collect();
        assert_eq!(ends, vec![(1, 700), (3, 700), (2, 300)]);
    }

    #[test]
    fn a_leave_and_a_join_in_the_same_second_do_not_overlap() {
        assert_eq!(peak([(0, 100), (100, 200)]), 1);
        assert_eq!(peak([(0, 101), (100, 200)]), 2);
        assert_eq!(peak(Vec::<(i64, i64)>::new()), 0);
    }

    #[test]
    fn hourly_peaks_carry_open_intervals_into_later_hours() {
        // One interval over three hours, a second one only in the middle hour.
        let hour = |t: i64| (t / 3600) as u32;
        let peaks = hourly_peaks([(0, 3 * 3600 - 1), (3600 + 10, 3600 + 20)], hour);
        assert_eq!(peaks.get(&0), Some(&1));
        assert_eq!(peaks.get(&1), Some(&2));
        assert_eq!(peaks.get(&2), Some(&1));
        assert_eq!(peaks.get(&3), None);
    }

    /// The sweep over every start and end, one point at a time (the definition).
    fn hourly_peaks_by_points(intervals: &[(i64, i64)], hour_of: impl Fn(i64) -> u32) -> HashMap<u32, u32> {
        let mut points: Vec<(i64, i32)> = intervals.iter().flat_map(|&(s, e)| [(s, 1), (e, -1)]).collect();
        points.sort_unstable();
        let mut peaks: HashMap<u32, u32> = HashMap::new();
        let (mut open, mut prev) = (0i64, None::<i64>);
        for (t, d) in points {
            if let Some(p) = prev
                && open > 0
            {
                let mut b = (p.div_euclid(900) + 1) * 900;
                while b <= t {
                    let e = peaks.entry(hour_of(b)).or_default();
                    *e = (*e).max(open as u32);
                    b += 900;
                }
            }
            open += i64::from(d);
            if open > 0 {
                let e = peaks.entry(hour_of(t)).or_default();
                *e = (*e).max(open as u32);
            }
            prev = Some(t);
        }
        peaks
    }

    #[test]
    fn hourly_peaks_of_net_changes_equal_the_sweep_over_every_point() {
        // Many intervals on few distinct seconds: ends and starts in the same second, empty
        // intervals, hours without a change.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n) as i64
        };
        let hour = |t: i64| (t.div_euclid(3600)) as u32;
        for round in 0..200 {
            let n = 1 + next(40);
            let intervals: Vec<(i64, i64)> = (0..n)
                .map(|_| {
                    let start = next(12) * 600 + next(3) * 300;
                    (start, start + next(4) * 900 * (round % 3))
                })
                .collect();
            let mut halves = (HashMap::new(), HashMap::new());
            for (i, &(s, e)) in intervals.iter().enumerate() {
                add_interval(if i % 2 == 0 { &mut halves.0 } else { &mut halves.1 }, s, e);
            }
            for (t, d) in halves.1 {
                *halves.0.entry(t).or_default() += d;
            }
            let expected = hourly_peaks_by_points(&intervals, hour);
            assert_eq!(hourly_peaks(intervals.clone(), hour), expected, "{intervals:?}");
            assert_eq!(hourly_peaks_of_changes(halves.0, hour), expected, "{intervals:?}");
        }
    }

    #[test]
    fn median_and_p90_use_nearest_rank() {
        assert_eq!(median_p90(vec![600, 60, 1200]), (Some(10.0), Some(20.0)));
        assert_eq!(median_p90(vec![60, 120]), (Some(1.5), Some(2.0)));
        assert_eq!(median_p90(vec![]), (None, None));
    }

    #[test]
    fn minutes_are_rounded_once_to_one_decimal() {
        assert_eq!(minutes(90), 1.5);
        assert_eq!(minutes(93), 1.6);
        assert_eq!(minutes(0), 0.0);
    }
}
