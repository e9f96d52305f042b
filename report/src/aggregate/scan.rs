//! Reading one store partition in bounded memory: a census of the day (rows per school and
//! kind), the day's error events, and one pass per chunk of schools that turns the chunk's rows
//! into compact records as polars streams them.
//!
//! The passes run on polars' streaming engine: it decodes the store files in parallel and hands
//! over one batch (about one file's matching rows) at a time, so no pass holds the day's rows.
//! A chunk pass keeps only what the conference model needs: times, label names from a fixed
//! vocabulary, and pseudonyms interned to dense ids ([`Ids`]), never the day's string columns.

use super::model::{BROWSERS, CLIENTS, DEVICES, Id, Interner, OSES, ROLES, label, secs};
use crate::error::{PolarsContext, Result};
use confstats_anonymize::columns as store;
use foldhash::{HashMap, HashMapExt, HashSet};
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// Temporary column: time as integer microseconds.
pub(crate) const T_US: &str = "t_us";

/// Lifecycle and media event kinds the conference and session model reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Life {
    Created,
    BreakoutCreated,
    Ended,
    Joined,
    Left,
    AudioJoined,
    WebcamStarted,
    WebcamStopped,
    ScreenshareStarted,
}

/// Event kinds the conference and session model reads, with their store names.
pub(crate) const LIFECYCLE: &[(&str, Life)] = &[
    ("meeting_created", Life::Created),
    ("breakout_room_created", Life::BreakoutCreated),
    ("meeting_ended", Life::Ended),
    ("participant_joined", Life::Joined),
    ("participant_left", Life::Left),
    ("audio_joined", Life::AudioJoined),
    ("webcam_started", Life::WebcamStarted),
    ("webcam_stopped", Life::WebcamStopped),
    ("screenshare_started", Life::ScreenshareStarted),
];

/// Event kinds only counted (feature use; audio failures are among the error kinds).
pub(crate) const COUNTED: &[&str] = &["chat_message_sent", "poll_started", "notes_edited"];

/// Error kinds and the component they belong to (`client_error` is split by code).
pub(crate) const ERROR_KINDS: &[(&str, &str)] = &[
    ("audio_failed", "audio"),
    ("webcam_failed", "webcam"),
    ("screenshare_failed", "screenshare"),
    ("media_server_error", "media_server"),
    ("client_error", "client"),
];

/// Every kind any table reads: lifecycle, counted and error kinds.
pub(crate) fn selected_kinds() -> Vec<&'static str> {
    LIFECYCLE
        .iter()
        .map(|(k, _)| *k)
        .chain(COUNTED.iter().copied())
        .chain(ERROR_KINDS.iter().map(|(k, _)| *k))
        .collect()
}

fn kinds_in(kinds: &[&str]) -> Expr {
    col(store::KIND).is_in(lit(Series::new("kinds".into(), kinds)).implode(false), false)
}

/// A pseudonym as a compact key that keeps its identity exactly: a well-formed pseudonym
/// (`x_` and 32 lower-case hex digits, see `anonymize`) becomes its prefix letter and its
/// 128 bits; anything else keeps its text. Two keys are equal exactly when the strings are.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// Prefix letter and value of a well-formed pseudonym.
    Hex(u8, u128),
    /// Any other string.
    Text(Box<str>),
}

impl Key {
    /// The key of a pseudonym string.
    pub(crate) fn of(s: &str) -> Key {
        let b = s.as_bytes();
        if b.len() == 34 && b[0].is_ascii_lowercase() && b[1] == b'_' {
            let mut value = 0u128;
            let well_formed = b[2..].iter().all(|&c| {
                let digit = match c {
                    b'0'..=b'9' => c - b'0',
                    b'a'..=b'f' => c - b'a' + 10,
                    _ => return false,
                };
                value = value << 4 | u128::from(digit);
                true
            });
            if well_formed {
                return Key::Hex(b[0], value);
            }
        }
        Key::Text(s.into())
    }
}

/// Interns pseudonyms of one chunk to dense ids (exact: see [`Key`]).
#[derive(Default)]
pub(crate) struct Ids {
    ids: HashMap<Key, Id>,
}

impl Ids {
    /// The id of a pseudonym, new or known.
    pub(crate) fn id(&mut self, s: &str) -> Id {
        let next = self.ids.len() as Id;
        *self.ids.entry(Key::of(s)).or_insert(next)
    }

    /// Ids interned so far.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The keys by id (for identities that must hold across chunks).
    pub(crate) fn into_keys(self) -> Vec<Key> {
        let mut keys: Vec<Option<Key>> = vec![None; self.ids.len()];
        for (key, id) in self.ids {
            keys[id as usize] = Some(key);
        }
        keys.into_iter().flatten().collect()
    }
}

/// Runs `lf` on the streaming engine and hands each batch, in store order, to `f`.
fn stream<S: Send + 'static>(
    lf: LazyFrame,
    state: S,
    what: &str,
    f: impl Fn(&mut S, &DataFrame) -> PolarsResult<()> + Send + Sync + 'static,
) -> Result<S> {
    let shared = Arc::new(Mutex::new(Some(state)));
    let sink = shared.clone();
    let callback = PlanCallback::new(move |df: DataFrame| {
        let mut guard = sink.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_mut() {
            Some(state) => f(state, &df).map(|()| false),
            None => Ok(true),
        }
    });
    // Batches in store order: the first client attributes of a session and the earliest of
    // equal joins are taken in that order, as a sequential read would.
    lf.sink_batches(callback, true, None).ctx(what)?.collect_with_engine(Engine::Streaming).ctx(what)?;
    let state = shared.lock().unwrap_or_else(PoisonError::into_inner).take();
    state.ok_or_else(|| crate::Error::Internal(format!("{what}: the batch state was taken twice")))
}

/// A string column of a batch.
fn strs<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<&'a StringChunked> {
    df.column(name)?.str()
}

/// Rows per school and kind, for the kinds any table reads; schools in name order.
pub(crate) type Counts = BTreeMap<String, BTreeMap<&'static str, u32>>;

/// The store files (indices into the day's files) each school has rows in.
pub(crate) type SchoolFiles = BTreeMap<String, Vec<u32>>;

/// Temporary column of the census: the store file a row comes from.
pub(crate) const FILE: &str = "file";

/// Counts the day's rows per school and kind ([`selected_kinds`]): the figures of
/// `daily_usage` that are plain event counts, and the size of each school for the chunk plan;
/// and notes the files each school has rows in (`lf` carries the [`FILE`] column), so that a
/// chunk reads only those.
pub(crate) fn census(lf: LazyFrame, files: &[PathBuf], what: &str) -> Result<(Counts, SchoolFiles)> {
    let kinds = selected_kinds();
    let index: HashMap<String, u32> =
        files.iter().enumerate().map(|(i, f)| (f.to_string_lossy().into_owned(), i as u32)).collect();
    let lf = lf.filter(kinds_in(&kinds)).select([col(store::SCHOOL), col(store::KIND), col(FILE)]);
    type State = HashMap<String, (Vec<u32>, Vec<u32>)>;
    let counts = stream(lf, State::new(), what, move |counts, df| {
        let rows = strs(df, store::SCHOOL)?.iter().zip(strs(df, store::KIND)?.iter()).zip(strs(df, FILE)?.iter());
        for ((school, kind), file) in rows {
            let (Some(school), Some(kind)) = (school, kind) else { continue };
            let Some(k) = kinds.iter().position(|x| *x == kind) else { continue };
            let file = file.and_then(|f| index.get(f).copied());
            if !counts.contains_key(school) {
                counts.insert(school.to_owned(), (vec![0; kinds.len()], Vec::new()));
            }
            if let Some((c, in_files)) = counts.get_mut(school) {
                c[k] += 1;
                // Rows come file by file: a file is noted once per run of its rows.
                if let Some(f) = file
                    && in_files.last() != Some(&f)
                {
                    in_files.push(f);
                }
            }
        }
        Ok(())
    })?;
    let kinds = selected_kinds();
    let mut by_school = Counts::new();
    let mut school_files = SchoolFiles::new();
    for (school, (c, mut in_files)) in counts {
        let by_kind = kinds.iter().zip(c).filter(|(_, n)| *n > 0).map(|(k, n)| (*k, n)).collect();
        in_files.sort_unstable();
        in_files.dedup();
        school_files.insert(school.clone(), in_files);
        by_school.insert(school, by_kind);
    }
    Ok((by_school, school_files))
}

/// The day's error events (a small share of the store) with the columns the error tables read.
pub(crate) fn error_rows(lf: LazyFrame, what: &str) -> Result<DataFrame> {
    let kinds: Vec<&str> = ERROR_KINDS.iter().map(|(k, _)| *k).collect();
    let lf = lf.filter(kinds_in(&kinds)).select([
        col(store::TIME),
        col(store::SERVER),
        col(store::KIND),
        col(store::SCHOOL),
        col(store::PARTICIPANT),
        col(store::SESSION),
        col(store::MEETING),
        col(store::ERROR_CODE),
    ]);
    lf.collect_with_engine(Engine::Streaming).ctx(what).map(|r| r.unwrap_single())
}

/// Splits the schools into chunks of about `limit` rows (and about `min_chunks` or more, for
/// parallel work), keeping schools with rows in the same files together: a school is usually served by
/// one conference server, and a chunk reads only its schools' files. Schools in the order of
/// their files (then the largest first) fill one chunk after the other up to an equal share of
/// the rows. A school never spans two chunks; a school larger than the share is a chunk of its
/// own.
pub(crate) fn plan_chunks(counts: &Counts, files: &SchoolFiles, limit: u64, min_chunks: usize) -> Vec<Vec<String>> {
    let none = Vec::new();
    let mut schools: Vec<(&[u32], u64, &str)> = counts
        .iter()
        .map(|(s, k)| (files.get(s).unwrap_or(&none).as_slice(), k.values().map(|n| u64::from(*n)).sum(), s.as_str()))
        .collect();
    let total: u64 = schools.iter().map(|(_, n, _)| n).sum();
    let n = (total.div_ceil(limit.max(1)) as usize).max(min_chunks).min(schools.len()).max(1);
    let target = total.div_ceil(n as u64);
    schools.sort_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
    let mut chunks: Vec<(u64, Vec<String>)> = Vec::new();
    for (_, rows, school) in schools {
        match chunks.last_mut() {
            Some((sum, chunk)) if *sum + rows <= target => {
                *sum += rows;
                chunk.push(school.to_owned());
            }
            _ => chunks.push((rows, vec![school.to_owned()])),
        }
    }
    if chunks.is_empty() {
        // A day without any row of a school still yields its (empty) tables.
        chunks.push((0, Vec::new()));
    }
    chunks.into_iter().map(|(_, s)| s).collect()
}

/// The files a chunk's schools have rows in (indices into the day's files, ascending).
pub(crate) fn chunk_files(schools: &[String], files: &SchoolFiles) -> Vec<u32> {
    let mut all: Vec<u32> = schools.iter().filter_map(|s| files.get(s)).flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// A session's lifecycle events other than its join.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionEvents {
    /// First leave, UTC microseconds.
    pub leave: Option<i64>,
    /// First audio join, UTC microseconds.
    pub first_audio: Option<i64>,
    /// First webcam start, UTC microseconds.
    pub first_webcam: Option<i64>,
    /// Audio joins in listen-only mode.
    pub listen_only: u32,
    /// Audio joins by dial-in.
    pub dial_in: u32,
    /// Other audio joins (microphone).
    pub microphone: u32,
    /// Webcam starts.
    pub webcams: u32,
    /// Screen share starts.
    pub screenshares: u32,
}

/// One `participant_joined` row of a meeting.
#[derive(Debug, Clone)]
pub(crate) struct JoinRow {
    /// UTC microseconds.
    pub t_us: i64,
    /// Server name (in [`ChunkRows::names`]).
    pub server: Id,
    /// School name (in [`ChunkRows::names`]).
    pub school: Id,
    /// Participant (account, else the session's pseudonym) in [`ChunkRows::participants`].
    pub who: Option<Id>,
    /// Session (BBB user id) in [`ChunkRows::sessions`].
    pub session: Option<Id>,
    /// Meeting in [`ChunkRows::meetings`].
    pub meeting: Id,
    /// Room in [`ChunkRows::rooms`].
    pub room: Option<Id>,
    /// Role label.
    pub role: &'static str,
    /// Client type label.
    pub client: &'static str,
}

/// What the conference model needs of one chunk's rows, in store order. Pseudonyms are dense
/// ids; holds no names or store strings but the few school and server names.
#[derive(Default)]
pub(crate) struct ChunkRows {
    /// School and server names.
    pub names: Interner,
    /// Sessions (BBB user ids).
    pub sessions: Ids,
    /// Participants (account, else BBB user id).
    pub participants: Ids,
    /// Meetings.
    pub meetings: Ids,
    /// Rooms (external meeting ids).
    pub rooms: Ids,
    /// The joins of meetings.
    pub joins: Vec<JoinRow>,
    /// Per session id: its other lifecycle events.
    pub events: Vec<SessionEvents>,
    /// Per session id: the labels of the first device, browser and OS seen on any of its rows.
    pub attrs: Vec<[Option<&'static str>; 3]>,
    /// Per meeting id: its first `meeting_ended`, UTC microseconds.
    pub ended: HashMap<Id, i64>,
    /// Meetings named with a parent (breakout rooms).
    pub breakouts: HashSet<Id>,
    /// Meetings created: (server, UTC seconds).
    pub created: Vec<(Id, i64)>,
    /// Webcam starts (`true`) and stops: (session, UTC microseconds, start).
    pub webcams: Vec<(Id, i64, bool)>,
}

impl ChunkRows {
    fn session(&mut self, s: &str) -> usize {
        let id = self.sessions.id(s) as usize;
        if id == self.events.len() {
            self.events.push(SessionEvents::default());
            self.attrs.push(Default::default());
        }
        id
    }

    fn push_batch(&mut self, df: &DataFrame) -> PolarsResult<()> {
        let t_us = df.column(T_US)?.i64()?;
        let names = [
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
            store::DEVICE,
            store::BROWSER,
            store::OS,
        ];
        let mut its = names.iter().map(|n| strs(df, n).map(|c| c.iter())).collect::<PolarsResult<Vec<_>>>()?;
        for t in t_us.iter() {
            let [
                server,
                kind,
                school,
                participant,
                session,
                meeting,
                parent,
                room,
                role,
                client,
                mode,
                device,
                browser,
                os,
            ] = std::array::from_fn(|c| its[c].next().flatten());
            let Some(t) = t else { continue };
            // Client attributes: the first non-null value of each, from any row of the session.
            if let Some(s) = session
                && (device.is_some() || browser.is_some() || os.is_some())
            {
                let i = self.session(s);
                let labels = [(device, DEVICES), (browser, BROWSERS), (os, OSES)];
                for (slot, (value, vocabulary)) in self.attrs[i].iter_mut().zip(labels) {
                    if slot.is_none() && value.is_some() {
                        *slot = Some(label(value, vocabulary));
                    }
                }
            }
            let Some(life) = kind.and_then(|k| LIFECYCLE.iter().find(|(n, _)| *n == k)).map(|(_, l)| *l) else {
                continue;
            };
            if let (Some(_), Some(m)) = (parent, meeting) {
                let m = self.meetings.id(m);
                self.breakouts.insert(m);
            }
            match life {
                Life::Joined => {
                    let Some(m) = meeting else { continue };
                    let join = JoinRow {
                        t_us: t,
                        server: self.names.id(server.unwrap_or("unknown")),
                        school: self.names.id(school.unwrap_or("unknown")),
                        who: participant.or(session).map(|p| self.participants.id(p)),
                        session: session.map(|s| self.session(s) as Id),
                        meeting: self.meetings.id(m),
                        room: room.map(|r| self.rooms.id(r)),
                        role: label(role, ROLES),
                        client: label(client, CLIENTS),
                    };
                    self.joins.push(join);
                }
                Life::Created | Life::BreakoutCreated => {
                    let server = self.names.id(server.unwrap_or("unknown"));
                    self.created.push((server, secs(t)));
                }
                Life::Ended => {
                    if let Some(m) = meeting {
                        let m = self.meetings.id(m);
                        let e = self.ended.entry(m).or_insert(t);
                        *e = (*e).min(t);
                    }
                }
                _ => {}
            }
            let Some(s) = session else { continue };
            if life == Life::Joined {
                continue;
            }
            let i = self.session(s);
            let e = &mut self.events[i];
            let first = |slot: &mut Option<i64>| *slot = Some(slot.map_or(t, |x| x.min(t)));
            match life {
                Life::Left => first(&mut e.leave),
                Life::AudioJoined => {
                    first(&mut e.first_audio);
                    match mode.unwrap_or("") {
                        "listen_only" => e.listen_only += 1,
                        "dial_in" => e.dial_in += 1,
                        _ => e.microphone += 1,
                    }
                }
                Life::WebcamStarted => {
                    first(&mut e.first_webcam);
                    e.webcams += 1;
                    self.webcams.push((i as Id, t, true));
                }
                Life::WebcamStopped => self.webcams.push((i as Id, t, false)),
                Life::ScreenshareStarted => e.screenshares += 1,
                _ => {}
            }
        }
        Ok(())
    }
}

/// Reads the rows of one chunk of schools: the lifecycle rows, and every row that carries a
/// session's client attributes.
pub(crate) fn read_chunk(lf: LazyFrame, schools: &[String], what: &str) -> Result<ChunkRows> {
    let life: Vec<&str> = LIFECYCLE.iter().map(|(k, _)| *k).collect();
    let schools = lit(Series::new("schools".into(), schools)).implode(false);
    let attrs = col(store::BROWSER).is_not_null().or(col(store::OS).is_not_null()).or(col(store::DEVICE).is_not_null());
    let lf = lf.filter(col(store::SCHOOL).is_in(schools, false).and(kinds_in(&life).or(attrs))).select([
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
        col(store::DEVICE),
        col(store::BROWSER),
        col(store::OS),
    ]);
    stream(lf, ChunkRows::default(), what, |rows, df| rows.push_batch(df))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(schools: &[(&str, u32)]) -> Counts {
        schools.iter().map(|(s, n)| ((*s).to_owned(), BTreeMap::from([("participant_joined", *n)]))).collect()
    }

    #[test]
    fn chunks_keep_the_schools_of_the_same_files_together() {
        let c = counts(&[("a", 10), ("c", 10), ("b", 10), ("d", 10)]);
        let files: SchoolFiles =
            [("a", vec![0]), ("b", vec![1]), ("c", vec![0]), ("d", vec![1])].map(|(s, f)| (s.to_owned(), f)).into();
        let chunks = plan_chunks(&c, &files, 20, 2);
        assert_eq!(chunks, vec![vec!["a".to_owned(), "c".to_owned()], vec!["b".to_owned(), "d".to_owned()]]);
        assert_eq!(chunk_files(&chunks[1], &files), vec![1]);
    }

    #[test]
    fn a_large_school_is_a_chunk_of_its_own_and_an_empty_day_one_empty_chunk() {
        let c = counts(&[("big", 100), ("x", 10), ("y", 10)]);
        let files: SchoolFiles =
            [("big", vec![0]), ("x", vec![0]), ("y", vec![0])].map(|(s, f)| (s.to_owned(), f)).into();
        let chunks = plan_chunks(&c, &files, 60, 1);
        assert_eq!(chunks[0], vec!["big".to_owned()]);
        assert_eq!(chunks.concat().len(), 3);
        assert_eq!(plan_chunks(&Counts::new(), &SchoolFiles::new(), 60, 2), vec![Vec::<String>::new()]);
    }
}
