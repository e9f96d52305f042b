//! The aggregation of one store partition (one local date) into the statistics tables, in
//! memory bounded by a chunk rather than by the day.
//!
//! The day is split into chunks of schools ([`scan::plan_chunks`]). Every figure of a school
//! table depends on one school's conferences only, and all events of a meeting (its joins,
//! leaves, media and client events) carry the meeting's school (the anonymiser resolves it per
//! meeting), so a chunk computes its schools' rows completely and on its own. A chunk is read in
//! one streaming pass over the files its schools have rows in (the census notes them; a school is
//! usually served by one conference server, whose files hold none of the other servers'
//! schools), keeping only compact records ([`scan::ChunkRows`]); its conferences and
//! sessions are modelled and its school rows computed, then everything but those rows is
//! dropped. Chunks run in parallel, one per thread of polars' pool (`POLARS_MAX_THREADS`).
//!
//! The fleet tables span schools: their additive figures are summed over the chunks, distinct
//! participants per server and hour are counted over exact pseudonym keys, and the peaks are
//! swept once over the summed per-second changes of the open counts ([`fleet`]). Error events
//! are few; they are read once for the day ([`scan::error_rows`]).
//!
//! polars does the scanning, filtering and the breakdowns' group-bys; the few things that are
//! sequential by nature — merging a participant's sessions across reconnects, sweeping intervals
//! for peaks, splitting sessions at local hours — run in plain Rust over the chunk's joins (one
//! row per session).

use super::fleet::Fleet;
use super::hours::{Clock, Piece, SchoolHours};
use super::model::{Conference, Id, Interner, Session, build_spans, median_p90, minutes, peak, secs};
use super::scan::{self, ChunkRows, Counts, ERROR_KINDS, Key};
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
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Selected store rows ([`scan::selected_kinds`]) in memory at once, over all chunks being
/// worked on: each of the [`workers`] chunks gets its share (a chunk is at least one school).
///
/// The trade-off: every chunk is one pass over its schools' files, and a pass decompresses the
/// pseudonym columns of every row of those files however few of them the chunk selects (about
/// 1.5 s of CPU for 10 M store rows); a chunk's rows, model and frames take a few hundred bytes
/// per selected row at their peak. With 125 000 rows, two threads aggregate a day of 10 M store
/// rows at 242–267 MB (`benches/README.md`, issue 4; the nightly run's bound is 300 MiB).
const ROWS_IN_FLIGHT: u64 = 125_000;

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

/// One lazy scan over some of a day's files (one scan node: polars reads them in parallel); `with_file`: with
/// the column [`scan::FILE`] naming each row's file.
fn scan(files: &[PathBuf], with_file: bool) -> Result<LazyFrame> {
    let paths = files
        .iter()
        .map(|f| {
            f.to_str().map(PlRefPath::new).ok_or_else(|| crate::Error::Config {
                field: "data",
                reason: format!("{} is not valid UTF-8", f.display()),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let args = ScanArgsParquet {
        hive_options: HiveOptions::new_disabled(),
        glob: false,
        include_file_paths: with_file.then(|| scan::FILE.into()),
        ..Default::default()
    };
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

/// Threads of polars' pool: `POLARS_MAX_THREADS`, else the available cores.
fn workers() -> usize {
    std::env::var("POLARS_MAX_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1)
}

/// Aggregates one day.
pub(crate) fn aggregate_day(day: &DayInput<'_>) -> Result<DayResult> {
    let what = format!("store date={}", day.date);
    // With the file column for the census; the error rows select their own columns.
    let lf = scan(day.files, true)?;
    let events = row_count(day.files)?;
    let (counts, school_files) = scan::census(lf.clone(), day.files, &what)?;
    let errors = Errors::compute(&scan::error_rows(lf, &what)?, day)?;

    let workers = workers();
    let chunks = scan::plan_chunks(&counts, &school_files, ROWS_IN_FLIGHT / workers as u64, workers);
    let fleet = Mutex::new(Fleet::default());
    let parts = run_chunks(&chunks, workers.min(chunks.len()), |schools| {
        let files: Vec<PathBuf> = scan::chunk_files(schools, &school_files)
            .into_iter()
            .filter_map(|i| day.files.get(i as usize).cloned())
            .collect();
        // The empty chunk of a day without school rows reads the day's schema from its files.
        let files = if files.is_empty() { day.files } else { &files };
        aggregate_chunk(scan(files, false)?, schools, &counts, day, &fleet, &what)
    })?;

    let mut frames: Vec<Vec<DataFrame>> = vec![Vec::new(); SCHOOL_TABLES.len()];
    let mut conferences: BTreeMap<String, u32> = BTreeMap::new();
    for part in parts {
        for (all, df) in frames.iter_mut().zip(part.frames) {
            all.push(df);
        }
        conferences.extend(part.conferences);
    }
    let mut tables = Vec::with_capacity(tables::ALL.len());
    for (spec, frames) in SCHOOL_TABLES.iter().zip(frames) {
        tables.push(Aggregate::new(*spec, stack(frames, spec.name)?)?);
    }
    tables.push(finish(tables::ERRORS_BY_CODE, day.date, errors.by_school(&conferences)?)?);
    let fleet = fleet.into_inner().unwrap_or_else(PoisonError::into_inner);
    tables.push(Aggregate::new(tables::FLEET_HOURLY, fleet.fleet_hourly(day, &errors.by_server_hour)?)?);
    tables.push(finish(tables::FLEET_ERRORS, day.date, errors.by_server)?);
    Ok(DayResult { tables, events })
}

/// The school tables a chunk computes, in [`tables::ALL`] order.
const SCHOOL_TABLES: [tables::TableSpec; 5] = [
    tables::DAILY_USAGE,
    tables::USAGE_BY_HOUR,
    tables::USAGE_BY_CLIENT,
    tables::MEDIA_USE,
    tables::CONFERENCE_BUCKETS,
];

/// What one chunk gave: its rows of the school tables and its conferences per school.
struct ChunkTables {
    /// One frame per table of [`SCHOOL_TABLES`], columns as [`finish_frame`] orders them.
    frames: Vec<DataFrame>,
    /// Conferences per school (for the errors' conference share).
    conferences: Vec<(String, u32)>,
}

/// Runs `work` on each chunk with `workers` threads; results in chunk order. Stops at the first
/// error.
fn run_chunks<T: Send>(
    chunks: &[Vec<String>],
    workers: usize,
    work: impl Fn(&[String]) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Result<T>>>> = Mutex::new((0..chunks.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(schools) = chunks.get(i) else { break };
                    let result = work(schools);
                    failed.fetch_or(result.is_err(), Ordering::Relaxed);
                    results.lock().unwrap_or_else(PoisonError::into_inner)[i] = Some(result);
                }
            });
        }
    });
    let mut out = Vec::with_capacity(chunks.len());
    let mut missing = false;
    for result in results.into_inner().unwrap_or_else(PoisonError::into_inner) {
        match result {
            Some(Ok(t)) => out.push(t),
            Some(Err(e)) => return Err(e),
            None => missing = true,
        }
    }
    if missing {
        return Err(crate::Error::Internal("a chunk of the day was not aggregated".into()));
    }
    Ok(out)
}

/// Aggregates one chunk of schools: its school tables, and its share of the fleet figures
/// (added to `fleet`).
fn aggregate_chunk(
    lf: LazyFrame,
    schools: &[String],
    counts: &Counts,
    day: &DayInput<'_>,
    fleet: &Mutex<Fleet>,
    what: &str,
) -> Result<ChunkTables> {
    let rows = scan::read_chunk(lf, schools, what)?;
    let mut clock = Clock::new(day.tz, day.hours);
    let model = Model::build(rows, &mut clock)?;
    let sizes = model.size_buckets();
    let spans = model.spans_frame(&sizes)?;
    let frames = vec![
        model.daily_usage(schools, counts, day)?,
        model.usage_by_hour(day, &mut clock)?,
        model.usage_by_client(day, &spans)?,
        model.media_use(day, &spans)?,
        model.conference_buckets(day, &spans, &sizes)?,
    ];
    drop(spans);
    let part = Fleet::of_chunk(&model.fleet_input(), &mut clock);
    fleet.lock().unwrap_or_else(PoisonError::into_inner).merge(part);
    let mut conferences: BTreeMap<&str, u32> = BTreeMap::new();
    for c in 0..model.conferences.len() {
        *conferences.entry(model.school_name(c)).or_default() += 1;
    }
    let conferences = conferences.into_iter().map(|(s, n)| (s.to_owned(), n)).collect();
    Ok(ChunkTables { frames, conferences })
}

/// The chunks' rows of one table as one frame.
fn stack(frames: Vec<DataFrame>, what: &str) -> Result<DataFrame> {
    let mut frames = frames.into_iter();
    let Some(mut df) = frames.next() else {
        return Err(crate::Error::Internal(format!("{what}: no chunk")));
    };
    for f in frames {
        df.vstack_mut_owned(f).ctx(what)?;
    }
    Ok(df)
}

/// One chunk's conferences, sessions and spans with their labels.
struct Model {
    strings: Interner,
    /// Participants' pseudonym keys by participant id (for distinct counts across chunks).
    participants: Vec<Key>,
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

impl Model {
    fn build(rows: ChunkRows, clock: &mut Clock<'_>) -> Result<Self> {
        let ChunkRows {
            names: strings,
            sessions: session_ids,
            participants,
            meetings,
            rooms: _,
            joins,
            events,
            attrs,
            ended,
            breakouts,
            created,
            webcams: mut webcam_rows,
        } = rows;
        let mut conferences: Vec<Conference> = Vec::new();
        let mut conference_of: Vec<Option<usize>> = vec![None; meetings.len()];
        let mut sessions: Vec<Session> = Vec::new();
        // Per session: device, browser and OS labels.
        let mut session_attrs: Vec<[&'static str; 3]> = Vec::new();
        let mut session_of: Vec<Option<usize>> = vec![None; session_ids.len()];
        drop((session_ids, meetings));
        let none = scan::SessionEvents::default();

        // The joins make the conferences and sessions (the earliest join of a BBB user id
        // counts; a conference starts at its earliest join).
        for j in &joins {
            let [device, browser, os] = j.session.map_or([None; 3], |s| attrs[s as usize]);
            let attrs = [device.unwrap_or("unknown"), browser.unwrap_or("unknown"), os.unwrap_or("unknown")];
            let Some(who) = j.who else { continue };
            let t = secs(j.t_us);
            let m = j.meeting as usize;
            let c = match conference_of[m] {
                Some(c) => {
                    let conf = &mut conferences[c];
                    conf.first_join = conf.first_join.min(t);
                    c
                }
                None => {
                    conferences.push(Conference {
                        school: j.school,
                        server: j.server,
                        room: j.room,
                        breakout: false,
                        first_join: t,
                        ended: None,
                        end: t,
                    });
                    conference_of[m] = Some(conferences.len() - 1);
                    conferences.len() - 1
                }
            };
            let e = j.session.map_or(&none, |s| &events[s as usize]);
            let joined = Session {
                conference: c,
                participant: who,
                join: t,
                // A leave logged before the join (clock skew) is ignored: the session then ends
                // with its conference.
                leave: e.leave.map(secs).filter(|&l| l >= t),
                role: j.role,
                client: j.client,
                microphone: e.microphone,
                listen_only: e.listen_only,
                dial_in: e.dial_in + u32::from(j.client == "dial_in"),
                webcams: e.webcams,
                screenshares: e.screenshares,
                first_audio: e.first_audio.map(secs),
                first_webcam: e.first_webcam.map(secs),
            };
            match j.session.map(|s| (s as usize, session_of[s as usize])) {
                // One join per BBB user id: a repeated one keeps the earliest.
                Some((_, Some(known))) => {
                    if t < sessions[known].join {
                        sessions[known] = joined;
                        session_attrs[known] = attrs;
                    }
                }
                Some((s, None)) => {
                    session_of[s] = Some(sessions.len());
                    sessions.push(joined);
                    session_attrs.push(attrs);
                }
                None => {
                    sessions.push(joined);
                    session_attrs.push(attrs);
                }
            }
        }
        drop((joins, events, attrs));

        // Webcam intervals: each start runs to the session's next stop (rows by session and
        // time; a stable sort keeps the store order of equal times).
        webcam_rows.sort_by_key(|&(s, t, _)| (s, t));
        let mut webcams: Vec<(usize, i64, Option<i64>)> = Vec::new();
        let mut open: Option<usize> = None;
        for (s, t, start) in webcam_rows {
            let Some(s) = session_of[s as usize] else { continue };
            let t = secs(t);
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
        for (m, c) in conference_of.iter().enumerate() {
            if let Some(c) = *c {
                conferences[c].ended = ended.get(&(m as Id)).copied().map(secs);
                conferences[c].breakout |= breakouts.contains(&(m as Id));
            }
        }
        let (spans, reconnects) = build_spans(&mut conferences, &sessions);

        let mut pieces = Vec::new();
        let mut buf = Vec::new();
        for span in &spans {
            buf.clear();
            clock.split_by_hour(span.start, span.end, &mut buf);
            pieces.extend(buf.iter().map(|p| (span.conference, span.participant, *p)));
        }
        let participants = participants.into_keys();
        Ok(Self {
            strings,
            participants,
            conferences,
            sessions,
            session_attrs,
            spans,
            reconnects,
            created,
            webcams,
            pieces,
        })
    }

    /// What the fleet tables need of the chunk.
    fn fleet_input(&self) -> super::fleet::ChunkFleet<'_> {
        super::fleet::ChunkFleet {
            strings: &self.strings,
            participants: &self.participants,
            conferences: &self.conferences,
            sessions: &self.sessions,
            spans: &self.spans,
            reconnects: &self.reconnects,
            created: &self.created,
            webcams: &self.webcams,
            pieces: &self.pieces,
        }
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

    fn daily_usage(&self, schools: &[String], counts: &Counts, day: &DayInput<'_>) -> Result<DataFrame> {
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
        // Every school with events of a read kind has a row, also without conferences.
        for school in schools {
            let Some(kinds) = counts.get(school) else { continue };
            let a = acc.entry(school.clone()).or_default();
            for (kind, n) in kinds {
                *a.kinds.entry((*kind).to_owned()).or_default() += n;
            }
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

    fn usage_by_hour(&self, day: &DayInput<'_>, clock: &mut Clock<'_>) -> Result<DataFrame> {
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
        finish_frame(tables::USAGE_BY_HOUR, day.date, df)
    }

    fn usage_by_client(&self, day: &DayInput<'_>, spans: &DataFrame) -> Result<DataFrame> {
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
        finish_frame(tables::USAGE_BY_CLIENT, day.date, df)
    }

    fn media_use(&self, day: &DayInput<'_>, spans: &DataFrame) -> Result<DataFrame> {
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
        finish_frame(tables::MEDIA_USE, day.date, df)
    }

    fn conference_buckets(&self, day: &DayInput<'_>, spans: &DataFrame, sizes: &[&'static str]) -> Result<DataFrame> {
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
        finish_frame(tables::CONFERENCE_BUCKETS, day.date, df)
    }
}

/// The day's error events aggregated by school, by server, and by server and local hour.
struct Errors {
    /// By school, before the share of the school's conferences is known.
    by_school_counts: DataFrame,
    by_server: DataFrame,
    /// (server, hour) → (error events, audio failures).
    by_server_hour: HashMap<(String, u32), (u32, u32)>,
}

impl Errors {
    fn compute(rows: &DataFrame, day: &DayInput<'_>) -> Result<Self> {
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
        let errors = rows.clone().lazy().with_columns([
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
        let by_school_counts = errors
            .clone()
            .group_by([col(col::SCHOOL), col(col::COMPONENT), col(col::CODE)])
            .agg(aggs())
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
        Ok(Self { by_school_counts, by_server, by_server_hour })
    }

    /// The errors by school, with the share of each school's conferences they touched.
    fn by_school(&self, conferences: &BTreeMap<String, u32>) -> Result<DataFrame> {
        let totals = DataFrame::new_infer_height(vec![
            Column::new(col::SCHOOL.into(), conferences.keys().map(String::as_str).collect::<Vec<_>>()),
            Column::new("school_conferences".into(), conferences.values().copied().collect::<Vec<u32>>()),
        ])
        .ctx("errors")?;
        self.by_school_counts
            .clone()
            .lazy()
            .join(totals.lazy(), [col(col::SCHOOL)], [col(col::SCHOOL)], JoinArgs::new(JoinType::Left))
            .with_column(
                (col(col::CONFERENCES).cast(DataType::Float64) / col("school_conferences").cast(DataType::Float64))
                    .alias(col::CONFERENCE_SHARE),
            )
            .collect()
            .ctx("errors")
    }
}

fn share(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// A computed table as an aggregate (see [`finish_frame`]).
fn finish(spec: tables::TableSpec, date: NaiveDate, df: DataFrame) -> Result<Aggregate> {
    Aggregate::new(spec, finish_frame(spec, date, df)?)
}

/// Orders a computed frame's columns as the table spec says and adds the date.
pub(super) fn finish_frame(spec: tables::TableSpec, date: NaiveDate, df: DataFrame) -> Result<DataFrame> {
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
    df.lazy().select(exprs).collect().ctx(spec.name)
}

/// Builds a DataFrame row by row from typed cells (for tables computed in Rust).
#[derive(Default)]
pub(super) struct Builder {
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
    pub(super) fn str(&mut self, name: &'static str, v: &str) {
        if let Cells::Str(c) = self.slot(name, || Cells::Str(Vec::new())) {
            c.push(v.to_owned());
        }
    }
    pub(super) fn u32(&mut self, name: &'static str, v: u32) {
        if let Cells::U32(c) = self.slot(name, || Cells::U32(Vec::new())) {
            c.push(v);
        }
    }
    pub(super) fn f64(&mut self, name: &'static str, v: Option<f64>) {
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
    /// The table's frame (see [`finish_frame`]).
    pub(super) fn finish(self, spec: tables::TableSpec, date: NaiveDate) -> Result<DataFrame> {
        let empty = self.columns.is_empty();
        let df = if empty { empty_frame(spec)? } else { self.frame()? };
        finish_frame(spec, date, df)
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
