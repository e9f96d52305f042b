//! The aggregation of one store partition (one local date) into the statistics tables.
//!
//! polars does the scanning, filtering, the per-session figures and every group-by; the few
//! things that are sequential by nature — merging a participant's sessions across reconnects,
//! sweeping intervals for peaks, splitting sessions at local hours — run in plain Rust over the
//! day's joins (one row per session).

use super::hours::{Clock, Piece, SchoolHours};
use super::model::{Conference, Id, Interner, Session, build_spans, hourly_peaks, median_p90, minutes, peak, secs};
use crate::error::{PolarsContext, Result};
use crate::suppress::Aggregate;
use crate::tables::{self, col};
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use confstats_anonymize::columns as store;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Event kinds the conference and session model reads (lifecycle and media).
const LIFECYCLE: &[&str] = &[
    "meeting_created",
    "breakout_room_created",
    "meeting_ended",
    "participant_joined",
    "participant_left",
    "audio_joined",
    "webcam_started",
    "webcam_stopped",
    "screenshare_started",
];

/// Event kinds only counted (feature use; audio failures are among the error kinds).
const COUNTED: &[&str] = &["chat_message_sent", "poll_started", "notes_edited"];

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

/// One lazy scan over a day's files (one scan node: polars reads them in parallel).
fn scan(files: &[PathBuf]) -> Result<LazyFrame> {
    let paths = files
        .iter()
        .map(|f| {
            f.to_str().map(PlRefPath::new).ok_or_else(|| crate::Error::Config {
                field: "data",
                reason: format!("{} is not valid UTF-8", f.display()),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let args = ScanArgsParquet { hive_options: HiveOptions::new_disabled(), glob: false, ..Default::default() };
    LazyFrame::scan_parquet_files(paths.into_iter().collect(), args).ctx("store")
}

/// Rows of the store files, from their Parquet metadata.
fn row_count(files: &[PathBuf]) -> Result<u64> {
    let mut rows = 0;
    for f in files {
        let file = std::fs::File::open(f).map_err(|source| crate::Error::Io { path: f.clone(), source })?;
        rows += ParquetReader::new(file).num_rows().ctx(f.display())? as u64;
    }
    Ok(rows)
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
    let events = row_count(day.files)?;

    // One pass over the store picks the rows any table reads (the store is mostly client
    // diagnostics, which only the client attributes below need).
    let kinds: Vec<&str> = LIFECYCLE.iter().chain(COUNTED).chain(ERROR_KINDS.iter().map(|(k, _)| k)).copied().collect();
    let kinds = lit(Series::new("kinds".into(), kinds)).implode(false);
    let rows = lf
        .clone()
        .filter(col(store::KIND).is_in(kinds, false))
        .select([
            col(store::TIME),
            col(store::TIME).cast(DataType::Int64).alias(T_US),
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
        .collect()
        .ctx(&what)?;
    let counts = rows
        .clone()
        .lazy()
        .group_by([col(store::SCHOOL), col(store::KIND)])
        .agg([len().alias(col::EVENTS)])
        .collect()
        .ctx(&what)?;
    let life = rows.clone().lazy().filter(kind_is(LIFECYCLE.iter().copied())).collect().ctx(&what)?;

    // Client attributes (browser, OS, device) per session, from any event that has them.
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

    let mut clock = Clock::new(day.tz, day.hours);
    let model = Model::build(&life, &attrs, &mut clock)?;
    let sizes = model.size_buckets();
    let spans = model.spans_frame(&sizes)?;
    let errors = Errors::compute(&rows, &model, day)?;
    let mut tables = Vec::with_capacity(tables::ALL.len());
    tables.push(model.daily_usage(&counts, day)?);
    tables.push(model.usage_by_hour(day, &mut clock)?);
    tables.push(model.usage_by_client(day, &spans)?);
    tables.push(model.media_use(day, &spans)?);
    tables.push(model.conference_buckets(day, &spans, &sizes)?);
    tables.push(finish(tables::ERRORS_BY_CODE, day.date, errors.by_school)?);
    tables.push(model.fleet_hourly(day, &mut clock, &errors.by_server_hour)?);
    tables.push(finish(tables::FLEET_ERRORS, day.date, errors.by_server)?);
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
    /// The spans split into local hours: (conference, participant, piece).
    pieces: Vec<(usize, Id, Piece)>,
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
    fn build(life: &DataFrame, attrs: &DataFrame, clock: &mut Clock<'_>) -> Result<Self> {
        let what = "lifecycle events";
        let kind = |k: &str| col(store::KIND).eq(lit(k));
        let t = || col(T_US);
        let life = life.clone().lazy();

        // What happened in each session, aggregated by polars: the first leave, audio joins per
        // mode, media starts. Minima make the order of rows irrelevant.
        let mode = col(store::AUDIO_MODE).fill_null(lit(""));
        let audio = || kind("audio_joined");
        let count = |e: Expr| e.cast(DataType::UInt32).sum().cast(DataType::UInt32);
        let per_session = life
            .clone()
            .filter(col(store::SESSION).is_not_null().and(kind("participant_joined").not()))
            .group_by([col(store::SESSION)])
            .agg([
                t().filter(kind("participant_left")).min().alias("leave"),
                t().filter(audio()).min().alias("first_audio"),
                t().filter(kind("webcam_started")).min().alias("first_webcam"),
                count(audio().and(mode.clone().eq(lit("listen_only")))).alias("listen_only"),
                count(audio().and(mode.clone().eq(lit("dial_in")))).alias("dial_in"),
                count(audio().and(mode.clone().neq(lit("listen_only"))).and(mode.neq(lit("dial_in"))))
                    .alias("microphone"),
                count(kind("webcam_started")).alias("webcams"),
                count(kind("screenshare_started")).alias("screenshares"),
            ]);
        let joins = life
            .clone()
            .filter(kind("participant_joined").and(col(store::MEETING).is_not_null()))
            .select([
                t(),
                col(store::SERVER),
                col(store::SCHOOL),
                col(store::PARTICIPANT),
                col(store::SESSION),
                col(store::MEETING),
                col(store::ROOM),
                col(store::ROLE),
                col(store::CLIENT_TYPE),
            ])
            .join(per_session, [col(store::SESSION)], [col(store::SESSION)], JoinArgs::new(JoinType::Left))
            .join(attrs.clone().lazy(), [col(store::SESSION)], [col(store::SESSION)], JoinArgs::new(JoinType::Left))
            .collect()
            .ctx(what)?;
        let ended = life
            .clone()
            .filter(kind("meeting_ended").and(col(store::MEETING).is_not_null()))
            .group_by([col(store::MEETING)])
            .agg([t().min()])
            .collect()
            .ctx(what)?;
        // Meetings with a parent (breakout rooms): bbb-web names the parent when it creates them.
        let breakouts = life
            .clone()
            .filter(col(store::PARENT_MEETING).is_not_null().and(col(store::MEETING).is_not_null()))
            .select([col(store::MEETING)])
            .unique(None, UniqueKeepStrategy::Any)
            .collect()
            .ctx(what)?;
        let created_rows = life
            .clone()
            .filter(kind("meeting_created").or(kind("breakout_room_created")))
            .select([col(store::SERVER), t()])
            .collect()
            .ctx(what)?;
        let webcam_rows = life
            .filter(col(store::SESSION).is_not_null().and(kind("webcam_started").or(kind("webcam_stopped"))))
            .select([col(store::SESSION), t(), kind("webcam_started").alias("start")])
            .sort([store::SESSION, T_US], SortMultipleOptions::default())
            .collect()
            .ctx(what)?;

        let mut strings = Interner::default();
        let mut participants = Interner::default();
        let mut conferences: Vec<Conference> = Vec::new();
        let mut conference_of: HashMap<&str, usize> = HashMap::new();
        let mut sessions: Vec<Session> = Vec::new();
        // Per session: device, browser and OS labels.
        let mut session_attrs: Vec<[&'static str; 3]> = Vec::new();
        let mut session_of: HashMap<&str, usize> = HashMap::new();

        // The joins make the conferences and sessions (the earliest join of a BBB user id
        // counts; a conference starts at its earliest join).
        let u32s = |name: &str| -> Result<Vec<u32>> {
            Ok(joins.column(name).ctx(name)?.u32().ctx(name)?.iter().map(|v| v.unwrap_or(0)).collect())
        };
        let i64s = |name: &str| -> Result<Vec<Option<i64>>> {
            Ok(joins.column(name).ctx(name)?.i64().ctx(name)?.iter().map(|v| v.map(secs)).collect())
        };
        let (join_t, leave, first_audio, first_webcam) =
            (i64s(T_US)?, i64s("leave")?, i64s("first_audio")?, i64s("first_webcam")?);
        let (listen_only, dial_in, microphone, webcams_n, screenshares) =
            (u32s("listen_only")?, u32s("dial_in")?, u32s("microphone")?, u32s("webcams")?, u32s("screenshares")?);
        let cols = [
            store::SERVER,
            store::SCHOOL,
            store::PARTICIPANT,
            store::SESSION,
            store::MEETING,
            store::ROOM,
            store::ROLE,
            store::CLIENT_TYPE,
            store::DEVICE,
            store::BROWSER,
            store::OS,
        ];
        let mut its: Vec<_> = cols.iter().map(|c| strs(&joins, c)).collect::<Result<_>>()?;
        for (i, t) in join_t.iter().enumerate() {
            let [server, school, participant, session, meeting, room, role, client, device, browser, os] =
                std::array::from_fn(|c| its[c].next().flatten());
            let attrs = [label(device, DEVICES), label(browser, BROWSERS), label(os, OSES)];
            let (Some(t), Some(m)) = (*t, meeting) else { continue };
            let Some(who) = participant.or(session) else { continue };
            let c = match conference_of.get(m) {
                Some(&c) => {
                    let conf = &mut conferences[c];
                    conf.first_join = conf.first_join.min(t);
                    c
                }
                None => {
                    conferences.push(Conference {
                        school: strings.id(school.unwrap_or("unknown")),
                        server: strings.id(server.unwrap_or("unknown")),
                        room: room.map(|r| strings.id(r)),
                        breakout: false,
                        first_join: t,
                        ended: None,
                        end: t,
                    });
                    conference_of.insert(m, conferences.len() - 1);
                    conferences.len() - 1
                }
            };
            let client = label(client, CLIENTS);
            let joined = Session {
                conference: c,
                participant: participants.id(who),
                join: t,
                // A leave logged before the join (clock skew) is ignored: the session then ends
                // with its conference.
                leave: leave[i].filter(|&l| l >= t),
                role: label(role, ROLES),
                client,
                microphone: microphone[i],
                listen_only: listen_only[i],
                dial_in: dial_in[i] + u32::from(client == "dial_in"),
                webcams: webcams_n[i],
                screenshares: screenshares[i],
                first_audio: first_audio[i],
                first_webcam: first_webcam[i],
            };
            match session.map(|s| (s, session_of.get(s).copied())) {
                // One join per BBB user id: a repeated one keeps the earliest.
                Some((_, Some(known))) => {
                    if t < sessions[known].join {
                        sessions[known] = joined;
                        session_attrs[known] = attrs;
                    }
                }
                Some((s, None)) => {
                    session_of.insert(s, sessions.len());
                    sessions.push(joined);
                    session_attrs.push(attrs);
                }
                None => {
                    sessions.push(joined);
                    session_attrs.push(attrs);
                }
            }
        }
        let mut ended_of: HashMap<&str, i64> = HashMap::new();
        let ended_t = ended.column(T_US).ctx(what)?.i64().ctx(what)?;
        for (m, t) in strs(&ended, store::MEETING)?.zip(ended_t.iter()) {
            if let (Some(m), Some(t)) = (m, t) {
                ended_of.insert(m, secs(t));
            }
        }
        let breakouts: HashSet<&str> = strs(&breakouts, store::MEETING)?.flatten().collect();
        let created_t = created_rows.column(T_US).ctx(what)?.i64().ctx(what)?;
        let created: Vec<(Id, i64)> = strs(&created_rows, store::SERVER)?
            .zip(created_t.iter())
            .filter_map(|(server, t)| Some((strings.id(server.unwrap_or("unknown")), secs(t?))))
            .collect();

        // Webcam intervals: each start runs to the session's next stop (rows sorted by session
        // and time).
        let mut webcams: Vec<(usize, i64, Option<i64>)> = Vec::new();
        let mut open: Option<usize> = None;
        let starts = webcam_rows.column("start").ctx(what)?.bool().ctx(what)?;
        let wt = webcam_rows.column(T_US).ctx(what)?.i64().ctx(what)?;
        for ((s, t), start) in strs(&webcam_rows, store::SESSION)?.zip(wt.iter()).zip(starts.iter()) {
            let (Some(&s), Some(t), Some(start)) = (s.and_then(|s| session_of.get(s)), t.map(secs), start) else {
                continue;
            };
            if open.is_some_and(|w| webcams[w].0 != s) {
                open = None;
            }
            if start {
                open = Some(webcams.len());
                webcams.push((s, t, None));
            } else if let Some(w) = open.take() {
                webcams[w].2 = Some(t);
            }
        }
        for (m, &c) in &conference_of {
            conferences[c].ended = ended_of.get(m).copied();
            conferences[c].breakout |= breakouts.contains(m);
        }
        let (spans, reconnects) = build_spans(&mut conferences, &sessions);

        let mut pieces = Vec::new();
        let mut buf = Vec::new();
        for span in &spans {
            buf.clear();
            clock.split_by_hour(span.start, span.end, &mut buf);
            pieces.extend(buf.iter().map(|p| (span.conference, span.participant, *p)));
        }
        Ok(Self { strings, conferences, sessions, session_attrs, spans, reconnects, created, webcams, pieces })
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

    /// The size bucket of each conference (its distinct participants).
    fn size_buckets(&self) -> Vec<&'static str> {
        let mut people: Vec<HashSet<Id>> = vec![HashSet::new(); self.conferences.len()];
        for s in &self.spans {
            people[s.conference].insert(s.participant);
        }
        people.iter().map(|p| Self::size_bucket(p.len())).collect()
    }

    /// One row per span with its labels, as a DataFrame for the breakdowns.
    fn spans_frame(&self, sizes: &[&'static str]) -> Result<DataFrame> {
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
            size.push(sizes[span.conference]);
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
    fn conferences_frame(&self, sizes: &[&'static str]) -> Result<DataFrame> {
        let school: Vec<&str> = (0..self.conferences.len()).map(|c| self.school_name(c)).collect();
        let size = sizes.to_vec();
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
        for &(c, _, p) in &self.pieces {
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

    fn usage_by_hour(&self, day: &DayInput<'_>, clock: &mut Clock<'_>) -> Result<Aggregate> {
        let pieces = &self.pieces;
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
            *joins.entry((self.school_name(s.conference), clock.hour(s.join))).or_default() += 1;
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

    fn usage_by_client(&self, day: &DayInput<'_>, spans: &DataFrame) -> Result<Aggregate> {
        let spans = spans.clone().lazy();
        let dims = [("role", "role"), ("device", "device"), ("browser", "browser"), ("os", "os"), ("access", CLIENT)];
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

    fn media_use(&self, day: &DayInput<'_>, spans: &DataFrame) -> Result<Aggregate> {
        let spans = spans.clone().lazy();
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

    fn conference_buckets(&self, day: &DayInput<'_>, spans: &DataFrame, sizes: &[&'static str]) -> Result<Aggregate> {
        let spans = spans.clone().lazy();
        let confs = self.conferences_frame(sizes)?.lazy();
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

    fn fleet_hourly(
        &self,
        day: &DayInput<'_>,
        clock: &mut Clock<'_>,
        errors: &HashMap<(String, u32), (u32, u32)>,
    ) -> Result<Aggregate> {
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
        let mut hour = |t: i64| clock.hour(t);
        let name = |server: Id| self.strings.name(server);
        let mut acc: BTreeMap<(&str, u32), Acc> = BTreeMap::new();
        for &(server, t) in &self.created {
            acc.entry((name(server), hour(t))).or_default().created += 1;
        }
        for s in &self.sessions {
            let server = name(self.conferences[s.conference].server);
            acc.entry((server, hour(s.join))).or_default().joins += 1;
            if let Some(t) = s.first_audio {
                acc.entry((server, hour(t))).or_default().audio += 1;
            }
            if let Some(t) = s.first_webcam {
                acc.entry((server, hour(t))).or_default().webcam += 1;
            }
        }
        for &(i, t) in &self.reconnects {
            acc.entry((name(self.conferences[self.sessions[i].conference].server), hour(t))).or_default().reconnects +=
                1;
        }
        for ((server, h), &(events, audio)) in errors {
            let a = acc.entry((server.as_str(), *h)).or_default();
            a.errors += events;
            a.audio_failures += audio;
        }
        for &(c, p, piece) in &self.pieces {
            let a = acc.entry((name(self.conferences[c].server), piece.hour)).or_default();
            a.conferences.insert(c);
            a.participants.insert(p);
        }
        // Peaks per server and hour.
        /// Per server: conference, session and webcam intervals.
        type Intervals = [Vec<(i64, i64)>; 3];
        let mut servers: BTreeMap<Id, Intervals> = BTreeMap::new();
        for c in &self.conferences {
            servers.entry(c.server).or_default()[0].push((c.first_join, c.end));
        }
        for s in &self.spans {
            servers.entry(self.conferences[s.conference].server).or_default()[1].push((s.start, s.end));
        }
        for &(i, start, stop) in &self.webcams {
            let s = &self.sessions[i];
            let end = stop.unwrap_or_else(|| s.leave.unwrap_or(self.conferences[s.conference].end)).max(start);
            servers.entry(self.conferences[s.conference].server).or_default()[2].push((start, end));
        }
        let mut peaks: HashMap<(&str, u32), [u32; 3]> = HashMap::new();
        for (server, intervals) in servers {
            for (slot, intervals) in intervals.into_iter().enumerate() {
                for (h, p) in hourly_peaks(intervals, &mut hour) {
                    peaks.entry((name(server), h)).or_default()[slot] = p;
                    acc.entry((name(server), h)).or_default();
                }
            }
        }
        let mut b = Builder::default();
        for ((server, h), a) in acc {
            let [pc, pp, pw] = peaks.get(&(server, h)).copied().unwrap_or_default();
            b.str(col::SERVER, server);
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

/// The day's error events aggregated by school, by server, and by server and local hour.
struct Errors {
    by_school: DataFrame,
    by_server: DataFrame,
    /// (server, hour) → (error events, audio failures).
    by_server_hour: HashMap<(String, u32), (u32, u32)>,
}

impl Errors {
    fn compute(rows: &DataFrame, model: &Model, day: &DayInput<'_>) -> Result<Self> {
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
        let errors = rows.clone().lazy().filter(kind_is(ERROR_KINDS.iter().map(|(k, _)| *k))).with_columns([
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
        for c in 0..model.conferences.len() {
            *per_school.entry(model.school_name(c)).or_default() += 1;
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
            .clone()
            .group_by([col(store::SERVER).alias(col::SERVER), col(col::COMPONENT), col(col::CODE)])
            .agg(aggs())
            .collect()
            .ctx("fleet_errors")?;
        let tz = polars::prelude::TimeZone::from_chrono(&day.tz);
        let hourly = errors
            .group_by([
                col(store::SERVER).alias(col::SERVER),
                col(store::TIME).dt().convert_time_zone(tz).dt().hour().cast(DataType::UInt32).alias(col::HOUR),
            ])
            .agg([
                len().cast(DataType::UInt32).alias(col::ERRORS),
                col(store::KIND).eq(lit("audio_failed")).sum().cast(DataType::UInt32).alias(col::AUDIO_FAILURES),
            ])
            .collect()
            .ctx("fleet_hourly")?;
        let mut by_server_hour = HashMap::new();
        let (servers, hours) = (strs(&hourly, col::SERVER)?, hourly.column(col::HOUR).ctx("hour")?.u32().ctx("hour")?);
        let errors = hourly.column(col::ERRORS).ctx("errors")?.u32().ctx("errors")?;
        let audio = hourly.column(col::AUDIO_FAILURES).ctx("audio")?.u32().ctx("audio")?;
        for (((server, hour), e), a) in servers.zip(hours.iter()).zip(errors.iter()).zip(audio.iter()) {
            by_server_hour
                .insert((server.unwrap_or("unknown").to_owned(), hour.unwrap_or(0)), (e.unwrap_or(0), a.unwrap_or(0)));
        }
        Ok(Self { by_school, by_server, by_server_hour })
    }
}

fn share(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Orders a computed frame's columns as the table spec says and adds the date.
fn finish(spec: tables::TableSpec, date: NaiveDate, df: DataFrame) -> Result<Aggregate> {
    let names: Vec<&str> = spec.keys.iter().chain(spec.figures.iter()).copied().filter(|c| *c != col::DATE).collect();
    let mut exprs: Vec<Expr> = vec![lit(date).cast(DataType::Date).alias(col::DATE)];
    let mut seen = HashSet::new();
    for n in names {
        if seen.insert(n) {
            // Every column gets the data dictionary's type (literals and counts come out of
            // polars as Int32 or IdxSize otherwise).
            exprs.push(col(n).cast(tables::polars_dtype(n)));
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
        .map(|c| Column::new_empty((*c).into(), &tables::polars_dtype(c)))
        .collect();
    DataFrame::new_infer_height(columns).ctx(spec.name)
}
