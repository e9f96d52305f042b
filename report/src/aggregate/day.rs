//! The aggregation of one store partition (one local date) into the statistics tables.
//!
//! polars does the scanning, filtering and every group-by; the few things that are sequential by
//! nature — merging a participant's sessions across reconnects and sweeping intervals for peaks —
//! run in plain Rust over the day's lifecycle events (a small share of the store).

use super::hours::{Piece, SchoolHours, local_hour, split_by_hour};
use super::model::{Conference, Id, Interner, Session, build_spans, hourly_peaks, median_p90, minutes, peak, secs};
use crate::error::{PolarsContext, Result};
use crate::suppress::Aggregate;
use crate::tables::{self, col};
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use confstats_anonymize::columns as store;
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

/// Event kinds the model reads row by row (lifecycle, media and errors).
const LIFECYCLE: &[&str] = &[
    "meeting_created",
    "breakout_room_created",
    "meeting_ended",
    "participant_joined",
    "participant_left",
    "audio_joined",
    "audio_failed",
    "webcam_started",
    "webcam_stopped",
    "webcam_failed",
    "screenshare_started",
    "screenshare_failed",
    "client_error",
    "media_server_error",
];

/// Error kinds and the component they belong to (`client_error` is split by code).
const ERROR_KINDS: &[(&str, &str)] = &[
    ("audio_failed", "audio"),
    ("webcam_failed", "webcam"),
    ("screenshare_failed", "screenshare"),
    ("media_server_error", "media_server"),
    ("client_error", "client"),
];

/// Temporary column: time as integer microseconds.
const T_US: &str = "t_us";
/// Temporary column: seconds of a span or piece.
const SECS: &str = "secs";
/// Temporary column: conference seconds.
const CONF_SECS: &str = "conf_secs";
/// Temporary column: the conference a span belongs to.
const CONF: &str = "conference";
/// Temporary column: participant id.
const PART: &str = "participant_id";
/// Temporary columns: breakdown labels of a span.
const SIZE: &str = "size";
const DURATION: &str = "duration";
const CLIENT: &str = "client";
/// Media use per span, by medium (events in the span).
const MEDIA: &[&str] = &["microphone", "listen_only", "dial_in", "webcam", "screenshare"];

/// One local date of the store, ready to aggregate.
pub(crate) struct DayInput<'a> {
    /// The date (partition).
    pub date: NaiveDate,
    /// The partition's Parquet files.
    pub files: &'a [PathBuf],
    /// Local time zone.
    pub tz: Tz,
    /// School hours.
    pub hours: &'a SchoolHours,
}

/// What one day gave: the unsuppressed tables and the number of store rows read.
pub(crate) struct DayResult {
    /// One aggregate per table of [`tables::ALL`], in that order.
    pub tables: Vec<Aggregate>,
    /// Store rows of the day.
    pub events: u64,
}

fn kind_is(kinds: impl IntoIterator<Item = &'static str>) -> Expr {
    kinds.into_iter().map(|k| col(store::KIND).eq(lit(k))).reduce(Expr::or).unwrap_or(lit(false))
}

fn scan(files: &[PathBuf]) -> Result<LazyFrame> {
    let mut frames = Vec::with_capacity(files.len());
    for f in files {
        let path = f.to_str().ok_or_else(|| crate::Error::Config {
            field: "data",
            reason: format!("{} is not valid UTF-8", f.display()),
        })?;
        let args = ScanArgsParquet { hive_options: HiveOptions::new_disabled(), ..Default::default() };
        frames.push(LazyFrame::scan_parquet(PlRefPath::new(path), args).ctx(f.display())?);
    }
    concat(frames, UnionArgs::default()).ctx("store")
}

/// Minutes from a seconds expression: seconds / 60 rounded once to one decimal.
fn to_minutes(e: Expr) -> Expr {
    (e.cast(DataType::Float64) / lit(6.0)).round(0, RoundMode::HalfAwayFromZero) / lit(10.0)
}

/// Reads a string column as an iterator of options.
fn strs<'a>(df: &'a DataFrame, name: &str) -> Result<impl Iterator<Item = Option<&'a str>> + 'a> {
    Ok(df.column(name).ctx(name)?.str().ctx(name)?.iter())
}

/// Aggregates one day.
pub(crate) fn aggregate_day(day: &DayInput<'_>) -> Result<DayResult> {
    let what = format!("store date={}", day.date);
    let lf = scan(day.files)?;
    let t_us = col(store::TIME).cast(DataType::Int64).alias(T_US);

    let events_by_school_kind = lf
        .clone()
        .group_by([col(store::SCHOOL), col(store::KIND)])
        .agg([len().alias(col::EVENTS)])
        .collect()
        .ctx(&what)?;
    let events: u64 = events_by_school_kind.column(col::EVENTS).ctx(&what)?.u32().ctx(&what)?.sum().unwrap_or(0) as u64;

    let life = lf
        .clone()
        .filter(kind_is(LIFECYCLE.iter().copied()))
        .select([
            t_us,
            col(store::SERVER),
            col(store::KIND),
            col(store::SCHOOL),
            col(store::PARTICIPANT),
            col(store::SESSION),
            col(store::MEETING),
            col(store::PARENT_MEETING),
            col(store::ROOM),
            col(store::ROLE),
            col(store::CLIENT_TYPE),
            col(store::AUDIO_MODE),
            col(store::ERROR_CODE),
        ])
        .sort([T_US], SortMultipleOptions::default().with_maintain_order(true))
        .collect()
        .ctx(&what)?;

    let attrs = lf
        .filter(col(store::SESSION).is_not_null().and(
            col(store::BROWSER).is_not_null().or(col(store::OS).is_not_null()).or(col(store::DEVICE).is_not_null()),
        ))
        .group_by([col(store::SESSION)])
        .agg([
            col(store::BROWSER).drop_nulls().first(),
            col(store::OS).drop_nulls().first(),
            col(store::DEVICE).drop_nulls().first(),
        ])
        .collect()
        .ctx(&what)?;

    let model = Model::build(&life, &attrs)?;
    let mut tables = Vec::with_capacity(tables::ALL.len());
    tables.push(model.daily_usage(&events_by_school_kind, day)?);
    tables.push(model.usage_by_hour(day)?);
    tables.push(model.usage_by_client(day)?);
    tables.push(model.media_use(day)?);
    tables.push(model.conference_buckets(day)?);
    let (errors, fleet_errors) = model.errors(&life, day)?;
    tables.push(errors);
    tables.push(model.fleet_hourly(day)?);
    tables.push(fleet_errors);
    Ok(DayResult { tables, events })
}

/// The day's conferences, sessions and spans with their labels.
struct Model {
    strings: Interner,
    conferences: Vec<Conference>,
    sessions: Vec<Session>,
    /// Per session: device, browser, os labels.
    session_attrs: Vec<[&'static str; 3]>,
    spans: Vec<super::model::Span>,
    reconnects: Vec<(usize, i64)>,
    /// Meetings created: (server, time).
    created: Vec<(Id, i64)>,
    /// Webcam intervals per session: (session, start, end or None).
    webcams: Vec<(usize, i64, Option<i64>)>,
    /// Error events: (server, time, whether an audio failure).
    errors: Vec<(Id, i64, bool)>,
}

/// Interns a label to a static string from a fixed vocabulary, else `other`/`unknown`.
fn label(value: Option<&str>, vocabulary: &[&'static str]) -> &'static str {
    match value {
        None => "unknown",
        Some(v) => vocabulary.iter().find(|w| **w == v).copied().unwrap_or("other"),
    }
}

const ROLES: &[&str] = &["moderator", "viewer"];
const CLIENTS: &[&str] = &["html5", "dial_in", "other"];
const DEVICES: &[&str] = &["desktop", "tablet", "phone", "other"];
const BROWSERS: &[&str] = &["chrome", "edge", "firefox", "safari", "opera", "samsung_internet", "chromium", "other"];
const OSES: &[&str] = &["windows", "macos", "ios", "ipados", "android", "chromeos", "linux", "other"];

impl Model {
    fn build(life: &DataFrame, attrs: &DataFrame) -> Result<Self> {
        let what = "lifecycle events";
        let mut strings = Interner::default();
        let mut participants = Interner::default();
        let mut conferences: Vec<Conference> = Vec::new();
        let mut conference_of: HashMap<String, usize> = HashMap::new();
        let mut ended: HashMap<String, i64> = HashMap::new();
        // Meetings with a parent (breakout rooms): bbb-web names the parent when it creates them.
        let mut breakouts: HashSet<String> = HashSet::new();
        let mut sessions: Vec<Session> = Vec::new();
        let mut session_of: HashMap<String, usize> = HashMap::new();
        let mut created = Vec::new();
        let mut webcams: Vec<(usize, i64, Option<i64>)> = Vec::new();
        let mut open_webcam: HashMap<usize, usize> = HashMap::new();
        let mut errors = Vec::new();

        let t = life.column(T_US).ctx(what)?.i64().ctx(what)?;
        let cols = [
            store::SERVER,
            store::KIND,
            store::SCHOOL,
            store::PARTICIPANT,
            store::SESSION,
            store::MEETING,
            store::PARENT_MEETING,
            store::ROOM,
            store::ROLE,
            store::CLIENT_TYPE,
            store::AUDIO_MODE,
        ];
        let mut it: Vec<_> = cols.iter().map(|c| strs(life, c)).collect::<Result<_>>()?;
        for t in t.iter() {
            let mut next = || it.iter_mut().map(|i| i.next().flatten()).collect::<Vec<_>>();
            let row = next();
            let [server, kind, school, participant, session, meeting, parent, room, role, client, mode] = row[..]
            else {
                continue;
            };
            let Some(t) = t.map(secs) else { continue };
            let kind = kind.unwrap_or("");
            if let (Some(m), Some(_)) = (meeting, parent)
                && !breakouts.contains(m)
            {
                breakouts.insert(m.to_owned());
            }
            if ERROR_KINDS.iter().any(|(k, _)| *k == kind) {
                errors.push((strings.id(server.unwrap_or("unknown")), t, kind == "audio_failed"));
            }
            match kind {
                "meeting_created" | "breakout_room_created" => {
                    created.push((strings.id(server.unwrap_or("unknown")), t))
                }
                "meeting_ended" => {
                    if let Some(m) = meeting {
                        ended.entry(m.to_owned()).or_insert(t);
                    }
                }
                "participant_joined" => {
                    let Some(m) = meeting else { continue };
                    let c = match conference_of.get(m) {
                        Some(&c) => c,
                        None => {
                            conferences.push(Conference {
                                school: strings.id(school.unwrap_or("unknown")),
                                server: strings.id(server.unwrap_or("unknown")),
                                room: room.map(|r| strings.id(r)),
                                breakout: parent.is_some(),
                                first_join: t,
                                ended: None,
                                end: t,
                            });
                            conference_of.insert(m.to_owned(), conferences.len() - 1);
                            conferences.len() - 1
                        }
                    };
                    let who = participant.or(session);
                    let Some(who) = who else { continue };
                    if let Some(s) = session
                        && session_of.contains_key(s)
                    {
                        continue; // one join per BBB user id
                    }
                    let client = label(client, CLIENTS);
                    sessions.push(Session {
                        conference: c,
                        participant: participants.id(who),
                        join: t,
                        leave: None,
                        role: label(role, ROLES),
                        client,
                        dial_in: u32::from(client == "dial_in"),
                        ..Session::default()
                    });
                    if let Some(s) = session {
                        session_of.insert(s.to_owned(), sessions.len() - 1);
                    }
                }
                _ => {
                    let Some(&i) = session.and_then(|s| session_of.get(s)) else { continue };
                    let s = &mut sessions[i];
                    match kind {
                        "participant_left" if s.leave.is_none() && t >= s.join => s.leave = Some(t),
                        "audio_joined" => {
                            match mode {
                                Some("listen_only") => s.listen_only += 1,
                                Some("dial_in") => s.dial_in += 1,
                                _ => s.microphone += 1,
                            }
                            s.first_audio.get_or_insert(t);
                        }
                        "webcam_started" => {
                            s.webcams += 1;
                            s.first_webcam.get_or_insert(t);
                            open_webcam.insert(i, webcams.len());
                            webcams.push((i, t, None));
                        }
                        "webcam_stopped" => {
                            if let Some(w) = open_webcam.remove(&i) {
                                webcams[w].2 = Some(t);
                            }
                        }
                        "screenshare_started" => s.screenshares += 1,
                        _ => {}
                    }
                }
            }
        }
        for (m, &c) in &conference_of {
            conferences[c].ended = ended.get(m).copied();
            conferences[c].breakout |= breakouts.contains(m);
        }
        let (spans, reconnects) = build_spans(&mut conferences, &sessions);

        // Client attributes per session.
        let mut session_attrs = vec![["unknown"; 3]; sessions.len()];
        let a_session = strs(attrs, store::SESSION)?;
        let (a_browser, a_os, a_device) =
            (strs(attrs, store::BROWSER)?, strs(attrs, store::OS)?, strs(attrs, store::DEVICE)?);
        for (((s, b), o), d) in a_session.zip(a_browser).zip(a_os).zip(a_device) {
            if let Some(&i) = s.and_then(|s| session_of.get(s)) {
                session_attrs[i] = [label(d, DEVICES), label(b, BROWSERS), label(o, OSES)];
            }
        }
        Ok(Self { strings, conferences, sessions, session_attrs, spans, reconnects, created, webcams, errors })
    }

    fn school_name(&self, c: usize) -> &str {
        self.strings.name(self.conferences[c].school)
    }

    /// Distinct participants per conference and the size bucket.
    fn size_bucket(n: usize) -> &'static str {
        match n {
            0 | 1 => "1",
            2..=5 => "2-5",
            6..=15 => "6-15",
            16..=30 => "16-30",
            _ => "31+",
        }
    }

    fn duration_bucket(secs: i64) -> &'static str {
        match secs / 60 {
            ..15 => "0-15",
            15..30 => "15-30",
            30..45 => "30-45",
            45..60 => "45-60",
            60..90 => "60-90",
            _ => "90+",
        }
    }

    /// One row per span with its labels, as a DataFrame for the breakdowns.
    fn spans_frame(&self) -> Result<DataFrame> {
        let mut people_per_conf: Vec<HashSet<Id>> = vec![HashSet::new(); self.conferences.len()];
        for s in &self.spans {
            people_per_conf[s.conference].insert(s.participant);
        }
        let n = self.spans.len();
        let mut school = Vec::with_capacity(n);
        let mut conf = Vec::with_capacity(n);
        let mut part = Vec::with_capacity(n);
        let mut secs = Vec::with_capacity(n);
        let mut role = Vec::with_capacity(n);
        let mut client = Vec::with_capacity(n);
        let mut device = Vec::with_capacity(n);
        let mut browser = Vec::with_capacity(n);
        let mut os = Vec::with_capacity(n);
        let mut size = Vec::with_capacity(n);
        let mut duration = Vec::with_capacity(n);
        let mut media: Vec<Vec<u32>> = vec![Vec::with_capacity(n); MEDIA.len()];
        for span in &self.spans {
            let first = &self.sessions[span.first_session];
            let c = &self.conferences[span.conference];
            school.push(self.school_name(span.conference));
            conf.push(span.conference as u32);
            part.push(span.participant);
            secs.push(span.end - span.start);
            role.push(first.role);
            client.push(first.client);
            // The first session of the span that has client attributes describes it.
            let attrs = span
                .sessions
                .iter()
                .map(|&i| self.session_attrs[i])
                .find(|a| a.iter().any(|v| *v != "unknown"))
                .unwrap_or(["unknown"; 3]);
            device.push(attrs[0]);
            browser.push(attrs[1]);
            os.push(attrs[2]);
            size.push(Self::size_bucket(people_per_conf[span.conference].len()));
            duration.push(Self::duration_bucket(c.end - c.first_join));
            let sum = |f: fn(&Session) -> u32| span.sessions.iter().map(|&i| f(&self.sessions[i])).sum::<u32>();
            media[0].push(sum(|s| s.microphone));
            media[1].push(sum(|s| s.listen_only));
            media[2].push(sum(|s| s.dial_in));
            media[3].push(sum(|s| s.webcams));
            media[4].push(sum(|s| s.screenshares));
        }
        let mut columns = vec![
            Column::new(col::SCHOOL.into(), school),
            Column::new(CONF.into(), conf),
            Column::new(PART.into(), part),
            Column::new(SECS.into(), secs),
            Column::new("role".into(), role),
            Column::new(CLIENT.into(), client),
            Column::new("device".into(), device),
            Column::new("browser".into(), browser),
            Column::new("os".into(), os),
            Column::new(SIZE.into(), size),
            Column::new(DURATION.into(), duration),
        ];
        for (name, values) in MEDIA.iter().zip(media) {
            columns.push(Column::new((*name).into(), values));
        }
        DataFrame::new_infer_height(columns).ctx("spans")
    }

    /// One row per conference with its school, buckets and seconds.
    fn conferences_frame(&self) -> Result<DataFrame> {
        let mut people: Vec<HashSet<Id>> = vec![HashSet::new(); self.conferences.len()];
        for s in &self.spans {
            people[s.conference].insert(s.participant);
        }
        let school: Vec<&str> = (0..self.conferences.len()).map(|c| self.school_name(c)).collect();
        let size: Vec<&str> = people.iter().map(|p| Self::size_bucket(p.len())).collect();
        let secs: Vec<i64> = self.conferences.iter().map(|c| c.end - c.first_join).collect();
        let duration: Vec<&str> = secs.iter().map(|&s| Self::duration_bucket(s)).collect();
        DataFrame::new_infer_height(vec![
            Column::new(col::SCHOOL.into(), school),
            Column::new(SIZE.into(), size),
            Column::new(DURATION.into(), duration),
            Column::new(CONF_SECS.into(), secs),
        ])
        .ctx("conferences")
    }

    /// Spans split into local hours.
    fn pieces(&self, day: &DayInput<'_>) -> Vec<(usize, Id, Piece)> {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        for span in &self.spans {
            buf.clear();
            split_by_hour(day.tz, day.hours, span.start, span.end, &mut buf);
            out.extend(buf.iter().map(|p| (span.conference, span.participant, *p)));
        }
        out
    }

    fn daily_usage(&self, counts: &DataFrame, day: &DayInput<'_>) -> Result<Aggregate> {
        #[derive(Default)]
        struct Acc {
            conferences: u32,
            breakout: u32,
            rooms: HashSet<Id>,
            participants: HashSet<Id>,
            joins: u32,
            sessions: u32,
            reconnects: u32,
            psecs: i64,
            csecs: i64,
            durations: Vec<i64>,
            spans: Vec<(i64, i64)>,
            outside: i64,
            kinds: HashMap<String, u32>,
        }
        let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
        for (i, c) in self.conferences.iter().enumerate() {
            let a = acc.entry(self.school_name(i).to_owned()).or_default();
            a.conferences += 1;
            a.breakout += u32::from(c.breakout);
            if let Some(r) = c.room {
                a.rooms.insert(r);
            }
            a.csecs += c.end - c.first_join;
            a.durations.push(c.end - c.first_join);
        }
        for s in &self.sessions {
            acc.entry(self.school_name(s.conference).to_owned()).or_default().joins += 1;
        }
        for &(i, _) in &self.reconnects {
            acc.entry(self.school_name(self.sessions[i].conference).to_owned()).or_default().reconnects += 1;
        }
        for (c, _, p) in self.pieces(day) {
            acc.entry(self.school_name(c).to_owned()).or_default().outside += p.outside;
        }
        for s in &self.spans {
            let a = acc.entry(self.school_name(s.conference).to_owned()).or_default();
            a.participants.insert(s.participant);
            a.sessions += 1;
            a.psecs += s.end - s.start;
            a.spans.push((s.start, s.end));
        }
        let (schools, kinds, n) = (
            strs(counts, col::SCHOOL)?,
            strs(counts, store::KIND)?,
            counts.column(col::EVENTS).ctx("counts")?.u32().ctx("counts")?,
        );
        for ((school, kind), n) in schools.zip(kinds).zip(n.iter()) {
            let a = acc.entry(school.unwrap_or("unknown").to_owned()).or_default();
            *a.kinds.entry(kind.unwrap_or("").to_owned()).or_default() += n.unwrap_or(0);
        }

        let mut b = Builder::default();
        for (school, a) in acc {
            let k = |kind: &str| a.kinds.get(kind).copied().unwrap_or(0);
            let (median, p90) = median_p90(a.durations);
            let audio_joins = k("audio_joined") + k("audio_failed");
            b.str(col::SCHOOL, &school);
            b.u32(col::CONFERENCES, a.conferences);
            b.u32(col::BREAKOUT_ROOMS, a.breakout);
            b.u32(col::ROOMS, a.rooms.len() as u32);
            b.u32(col::PARTICIPANTS, a.participants.len() as u32);
            b.u32(col::JOINS, a.joins);
            b.u32(col::SESSIONS, a.sessions);
            b.u32(col::RECONNECTS, a.reconnects);
            b.f64(col::PARTICIPANT_MINUTES, Some(minutes(a.psecs)));
            b.f64(col::CONFERENCE_MINUTES, Some(minutes(a.csecs)));
            b.u32(col::PEAK_CONCURRENT, peak(a.spans));
            b.f64(col::MEDIAN_CONFERENCE_MINUTES, median);
            b.f64(col::P90_CONFERENCE_MINUTES, p90);
            b.u32(col::AUDIO_JOINS, audio_joins);
            b.u32(col::AUDIO_FAILURES, k("audio_failed"));
            b.f64(col::AUDIO_FAILURE_SHARE, share(k("audio_failed") as f64, audio_joins as f64));
            b.u32(col::WEBCAM_STARTS, k("webcam_started"));
            b.u32(col::WEBCAM_FAILURES, k("webcam_failed"));
            b.u32(col::SCREENSHARE_STARTS, k("screenshare_started"));
            b.u32(col::CHAT_MESSAGES, k("chat_message_sent"));
            b.u32(col::POLLS, k("poll_started"));
            b.u32(col::NOTES_EDITS, k("notes_edited"));
            b.f64(col::MINUTES_OUTSIDE_SCHOOL_HOURS, Some(minutes(a.outside)));
            b.f64(col::OUTSIDE_SCHOOL_HOURS_SHARE, share(a.outside as f64, a.psecs as f64));
        }
        b.finish(tables::DAILY_USAGE, day.date)
    }

    fn usage_by_hour(&self, day: &DayInput<'_>) -> Result<Aggregate> {
        let pieces = self.pieces(day);
        let school: Vec<&str> = pieces.iter().map(|(c, _, _)| self.school_name(*c)).collect();
        let frame = DataFrame::new_infer_height(vec![
            Column::new(col::SCHOOL.into(), school),
            Column::new(col::HOUR.into(), pieces.iter().map(|p| p.2.hour).collect::<Vec<u32>>()),
            Column::new(CONF.into(), pieces.iter().map(|p| p.0 as u32).collect::<Vec<u32>>()),
            Column::new(PART.into(), pieces.iter().map(|p| p.1).collect::<Vec<u32>>()),
            Column::new(SECS.into(), pieces.iter().map(|p| p.2.secs).collect::<Vec<i64>>()),
        ])
        .ctx("hours")?;
        let mut joins: BTreeMap<(&str, u32), u32> = BTreeMap::new();
        for s in &self.sessions {
            *joins.entry((self.school_name(s.conference), local_hour(day.tz, s.join))).or_default() += 1;
        }
        let joins = DataFrame::new_infer_height(vec![
            Column::new(col::SCHOOL.into(), joins.keys().map(|k| k.0).collect::<Vec<_>>()),
            Column::new(col::HOUR.into(), joins.keys().map(|k| k.1).collect::<Vec<u32>>()),
            Column::new(col::JOINS.into(), joins.values().copied().collect::<Vec<u32>>()),
        ])
        .ctx("joins")?;
        let outside: Vec<bool> = (0..24).map(|h| day.hours.hour_outside(day.date, h)).collect();
        let flags = DataFrame::new_infer_height(vec![
            Column::new(col::HOUR.into(), (0..24u32).collect::<Vec<u32>>()),
            Column::new(col::OUTSIDE_SCHOOL_HOURS.into(), outside),
        ])
        .ctx("hours")?;
        let df = frame
            .lazy()
            .group_by([col(col::SCHOOL), col(col::HOUR)])
            .agg([
                col(CONF).n_unique().cast(DataType::UInt32).alias(col::CONFERENCES),
                col(PART).n_unique().cast(DataType::UInt32).alias(col::PARTICIPANTS),
                to_minutes(col(SECS).sum()).alias(col::PARTICIPANT_MINUTES),
            ])
            .join(
                joins.lazy(),
                [col(col::SCHOOL), col(col::HOUR)],
                [col(col::SCHOOL), col(col::HOUR)],
                JoinArgs::new(JoinType::Left),
            )
            .join(flags.lazy(), [col(col::HOUR)], [col(col::HOUR)], JoinArgs::new(JoinType::Left))
            .with_columns([
                col(col::JOINS).fill_null(lit(0u32)),
                lit(day.date.weekday().number_from_monday()).alias(col::WEEKDAY),
            ])
            .collect()
            .ctx("usage_by_hour")?;
        finish(tables::USAGE_BY_HOUR, day.date, df)
    }

    fn usage_by_client(&self, day: &DayInput<'_>) -> Result<Aggregate> {
        let spans = self.spans_frame()?.lazy();
        let dims = [("role", "role"), ("device", "device"), ("browser", "browser"), ("os", "os"), ("client", CLIENT)];
        let parts = dims
            .iter()
            .map(|(dimension, column)| {
                spans
                    .clone()
                    .group_by([col(col::SCHOOL), col(*column).alias(col::VALUE)])
                    .agg([
                        col(PART).n_unique().cast(DataType::UInt32).alias(col::PARTICIPANTS),
                        len().cast(DataType::UInt32).alias(col::SESSIONS),
                        to_minutes(col(SECS).sum()).alias(col::PARTICIPANT_MINUTES),
                    ])
                    .with_column(lit(*dimension).alias(col::DIMENSION))
            })
            .collect::<Vec<_>>();
        let df = concat(parts, UnionArgs::default()).ctx("usage_by_client")?.collect().ctx("usage_by_client")?;
        finish(tables::USAGE_BY_CLIENT, day.date, df)
    }

    fn media_use(&self, day: &DayInput<'_>) -> Result<Aggregate> {
        let spans = self.spans_frame()?.lazy();
        let parts = MEDIA
            .iter()
            .map(|medium| {
                spans
                    .clone()
                    .filter(col(*medium).gt(lit(0u32)))
                    .group_by([col(col::SCHOOL)])
                    .agg([
                        col(PART).n_unique().cast(DataType::UInt32).alias(col::PARTICIPANTS),
                        len().cast(DataType::UInt32).alias(col::SESSIONS),
                        col(*medium).sum().cast(DataType::UInt32).alias(col::EVENTS),
                        to_minutes(col(SECS).sum()).alias(col::PARTICIPANT_MINUTES),
                    ])
                    .with_column(lit(*medium).alias(col::MEDIUM))
            })
            .collect::<Vec<_>>();
        let df = concat(parts, UnionArgs::default()).ctx("media_use")?.collect().ctx("media_use")?;
        finish(tables::MEDIA_USE, day.date, df)
    }

    fn conference_buckets(&self, day: &DayInput<'_>) -> Result<Aggregate> {
        let spans = self.spans_frame()?.lazy();
        let confs = self.conferences_frame()?.lazy();
        let parts = [SIZE, DURATION]
            .iter()
            .map(|dim| {
                let people = spans.clone().group_by([col(col::SCHOOL), col(*dim).alias(col::VALUE)]).agg([
                    col(PART).n_unique().cast(DataType::UInt32).alias(col::PARTICIPANTS),
                    to_minutes(col(SECS).sum()).alias(col::PARTICIPANT_MINUTES),
                ]);
                confs
                    .clone()
                    .group_by([col(col::SCHOOL), col(*dim).alias(col::VALUE)])
                    .agg([
                        len().cast(DataType::UInt32).alias(col::CONFERENCES),
                        to_minutes(col(CONF_SECS).sum()).alias(col::CONFERENCE_MINUTES),
                    ])
                    .join(
                        people,
                        [col(col::SCHOOL), col(col::VALUE)],
                        [col(col::SCHOOL), col(col::VALUE)],
                        JoinArgs::new(JoinType::Left),
                    )
                    .with_columns([
                        col(col::PARTICIPANTS).fill_null(lit(0u32)),
                        col(col::PARTICIPANT_MINUTES).fill_null(lit(0.0)),
                        lit(*dim).alias(col::DIMENSION),
                    ])
            })
            .collect::<Vec<_>>();
        let df = concat(parts, UnionArgs::default()).ctx("conference_buckets")?.collect().ctx("conference_buckets")?;
        finish(tables::CONFERENCE_BUCKETS, day.date, df)
    }

    /// Errors by school and by server, from the day's error events.
    fn errors(&self, life: &DataFrame, day: &DayInput<'_>) -> Result<(Aggregate, Aggregate)> {
        let component = ERROR_KINDS.iter().fold(lit(NULL).cast(DataType::String), |acc, (kind, component)| {
            let c = if *kind == "client_error" {
                // 13xx: the SFU WebSocket connection (FORMATS.md).
                let code = col(store::ERROR_CODE).cast(DataType::Int64);
                when(code.clone().gt_eq(lit(1300i64)).and(code.lt(lit(1400i64))))
                    .then(lit("connection"))
                    .otherwise(lit(*component))
            } else {
                lit(*component)
            };
            when(col(store::KIND).eq(lit(*kind))).then(c).otherwise(acc)
        });
        let errors = life.clone().lazy().filter(kind_is(ERROR_KINDS.iter().map(|(k, _)| *k))).with_columns([
            component.alias(col::COMPONENT),
            col(store::ERROR_CODE).fill_null(lit("none")).alias(col::CODE),
        ]);
        let aggs = || {
            [
                len().cast(DataType::UInt32).alias(col::EVENTS),
                col(store::PARTICIPANT).drop_nulls().n_unique().cast(DataType::UInt32).alias(col::PARTICIPANTS),
                col(store::SESSION).drop_nulls().n_unique().cast(DataType::UInt32).alias(col::SESSIONS),
                col(store::MEETING).drop_nulls().n_unique().cast(DataType::UInt32).alias(col::CONFERENCES),
            ]
        };
        let mut per_school: BTreeMap<&str, u32> = BTreeMap::new();
        for c in 0..self.conferences.len() {
            *per_school.entry(self.school_name(c)).or_default() += 1;
        }
        let totals = DataFrame::new_infer_height(vec![
            Column::new(col::SCHOOL.into(), per_school.keys().copied().collect::<Vec<_>>()),
            Column::new("school_conferences".into(), per_school.values().copied().collect::<Vec<u32>>()),
        ])
        .ctx("errors")?;
        let by_school = errors
            .clone()
            .group_by([col(col::SCHOOL), col(col::COMPONENT), col(col::CODE)])
            .agg(aggs())
            .join(totals.lazy(), [col(col::SCHOOL)], [col(col::SCHOOL)], JoinArgs::new(JoinType::Left))
            .with_column(
                (col(col::CONFERENCES).cast(DataType::Float64) / col("school_conferences").cast(DataType::Float64))
                    .alias(col::CONFERENCE_SHARE),
            )
            .collect()
            .ctx("errors")?;
        let by_server = errors
            .group_by([col(store::SERVER).alias(col::SERVER), col(col::COMPONENT), col(col::CODE)])
            .agg(aggs())
            .collect()
            .ctx("fleet_errors")?;
        Ok((finish(tables::ERRORS_BY_CODE, day.date, by_school)?, finish(tables::FLEET_ERRORS, day.date, by_server)?))
    }

    fn fleet_hourly(&self, day: &DayInput<'_>) -> Result<Aggregate> {
        #[derive(Default)]
        struct Acc {
            created: u32,
            conferences: HashSet<usize>,
            participants: HashSet<Id>,
            joins: u32,
            audio: u32,
            webcam: u32,
            reconnects: u32,
            audio_failures: u32,
            errors: u32,
        }
        let hour = |t: i64| local_hour(day.tz, t);
        let mut acc: BTreeMap<(Id, u32), Acc> = BTreeMap::new();
        for &(server, t) in &self.created {
            acc.entry((server, hour(t))).or_default().created += 1;
        }
        for s in &self.sessions {
            let server = self.conferences[s.conference].server;
            acc.entry((server, hour(s.join))).or_default().joins += 1;
            if let Some(t) = s.first_audio {
                acc.entry((server, hour(t))).or_default().audio += 1;
            }
            if let Some(t) = s.first_webcam {
                acc.entry((server, hour(t))).or_default().webcam += 1;
            }
        }
        for &(i, t) in &self.reconnects {
            acc.entry((self.conferences[self.sessions[i].conference].server, hour(t))).or_default().reconnects += 1;
        }
        for &(server, t, audio) in &self.errors {
            let a = acc.entry((server, hour(t))).or_default();
            a.errors += 1;
            a.audio_failures += u32::from(audio);
        }
        for (c, p, piece) in self.pieces(day) {
            let a = acc.entry((self.conferences[c].server, piece.hour)).or_default();
            a.conferences.insert(c);
            a.participants.insert(p);
        }
        // Peaks per server and hour.
        let mut servers: BTreeMap<Id, (Vec<(i64, i64)>, Vec<(i64, i64)>, Vec<(i64, i64)>)> = BTreeMap::new();
        for c in &self.conferences {
            servers.entry(c.server).or_default().0.push((c.first_join, c.end));
        }
        for s in &self.spans {
            servers.entry(self.conferences[s.conference].server).or_default().1.push((s.start, s.end));
        }
        for &(i, start, stop) in &self.webcams {
            let s = &self.sessions[i];
            let end = stop.unwrap_or_else(|| s.leave.unwrap_or(self.conferences[s.conference].end)).max(start);
            servers.entry(self.conferences[s.conference].server).or_default().2.push((start, end));
        }
        let mut peaks: HashMap<(Id, u32), [u32; 3]> = HashMap::new();
        for (server, (confs, spans, cams)) in servers {
            for (slot, intervals) in [confs, spans, cams].into_iter().enumerate() {
                for (h, p) in hourly_peaks(intervals, hour) {
                    peaks.entry((server, h)).or_default()[slot] = p;
                    acc.entry((server, h)).or_default();
                }
            }
        }
        let mut b = Builder::default();
        for ((server, h), a) in acc {
            let [pc, pp, pw] = peaks.get(&(server, h)).copied().unwrap_or_default();
            b.str(col::SERVER, self.strings.name(server));
            b.u32(col::HOUR, h);
            b.u32(col::MEETINGS_CREATED, a.created);
            b.u32(col::CONFERENCES, a.conferences.len() as u32);
            b.u32(col::PEAK_CONFERENCES, pc);
            b.u32(col::PARTICIPANTS, a.participants.len() as u32);
            b.u32(col::PEAK_CONCURRENT, pp);
            b.u32(col::PEAK_WEBCAMS, pw);
            b.u32(col::JOINS, a.joins);
            b.u32(col::AUDIO_SESSIONS, a.audio);
            b.u32(col::WEBCAM_SESSIONS, a.webcam);
            b.u32(col::AUDIO_FAILURES, a.audio_failures);
            b.u32(col::ERRORS, a.errors);
            b.u32(col::RECONNECTS, a.reconnects);
        }
        b.finish(tables::FLEET_HOURLY, day.date)
    }
}

fn share(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Orders a computed frame's columns as the table spec says and adds the date.
fn finish(spec: tables::TableSpec, date: NaiveDate, df: DataFrame) -> Result<Aggregate> {
    let names: Vec<&str> = spec.keys.iter().chain(spec.figures.iter()).copied().filter(|c| *c != col::DATE).collect();
    let mut exprs: Vec<Expr> = vec![lit(date).alias(col::DATE)];
    let mut seen = HashSet::new();
    for n in names {
        if seen.insert(n) {
            // Every column gets the data dictionary's type (literals and counts come out of
            // polars as Int32 or IdxSize otherwise).
            exprs.push(col(n).cast(dtype_of(n)));
        }
    }
    let df = df.lazy().select(exprs).collect().ctx(spec.name)?;
    Aggregate::new(spec, df)
}

/// Builds a DataFrame row by row from typed cells (for tables computed in Rust).
#[derive(Default)]
struct Builder {
    columns: Vec<(&'static str, Cells)>,
}

enum Cells {
    Str(Vec<String>),
    U32(Vec<u32>),
    F64(Vec<Option<f64>>),
}

impl Builder {
    fn slot(&mut self, name: &'static str, make: fn() -> Cells) -> &mut Cells {
        let i = match self.columns.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                self.columns.push((name, make()));
                self.columns.len() - 1
            }
        };
        &mut self.columns[i].1
    }
    fn str(&mut self, name: &'static str, v: &str) {
        if let Cells::Str(c) = self.slot(name, || Cells::Str(Vec::new())) {
            c.push(v.to_owned());
        }
    }
    fn u32(&mut self, name: &'static str, v: u32) {
        if let Cells::U32(c) = self.slot(name, || Cells::U32(Vec::new())) {
            c.push(v);
        }
    }
    fn f64(&mut self, name: &'static str, v: Option<f64>) {
        if let Cells::F64(c) = self.slot(name, || Cells::F64(Vec::new())) {
            c.push(v);
        }
    }
    fn frame(self) -> Result<DataFrame> {
        let columns = self
            .columns
            .into_iter()
            .map(|(name, cells)| match cells {
                Cells::Str(v) => Column::new(name.into(), v),
                Cells::U32(v) => Column::new(name.into(), v),
                Cells::F64(v) => Column::new(name.into(), v),
            })
            .collect();
        DataFrame::new_infer_height(columns).ctx("table")
    }
    fn finish(self, spec: tables::TableSpec, date: NaiveDate) -> Result<Aggregate> {
        let empty = self.columns.is_empty();
        let df = if empty { empty_frame(spec)? } else { self.frame()? };
        finish(spec, date, df)
    }
}

/// An empty frame with a table's columns (a day without rows).
fn empty_frame(spec: tables::TableSpec) -> Result<DataFrame> {
    let columns = spec
        .keys
        .iter()
        .chain(spec.figures)
        .filter(|c| **c != col::DATE)
        .map(|c| Column::new_empty((*c).into(), &dtype_of(c)))
        .collect();
    DataFrame::new_infer_height(columns).ctx(spec.name)
}

/// The polars dtype of a statistics column (the data dictionary's type).
pub(crate) fn dtype_of(name: &str) -> DataType {
    match tables::column_type(name) {
        "date" => DataType::Date,
        "utf8" => DataType::String,
        "boolean" => DataType::Boolean,
        "float64" => DataType::Float64,
        _ => DataType::UInt32,
    }
}
