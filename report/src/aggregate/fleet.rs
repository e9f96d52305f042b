//! The fleet's figures per server and local hour (`fleet_hourly`), summed over the chunks of a
//! day.
//!
//! A server's conferences belong to many schools, so its figures come from every chunk: counts
//! are summed; conferences are counted in their chunk (a conference belongs to one school);
//! participants, who can join conferences of several schools, are counted once per server and
//! hour over their exact pseudonym keys; and the peaks are swept once, over the per-second
//! changes of the open counts summed over the chunks (see [`hourly_peaks_of_changes`]).

use super::day::{Builder, DayInput};
use super::hours::{Clock, Piece};
use super::model::{Conference, Id, Interner, Session, Span, add_interval, hourly_peaks_of_changes};
use super::scan::Key;
use crate::error::Result;
use crate::tables::{self, col};
use foldhash::{HashMap, HashMapExt, HashSet};
use polars::prelude::DataFrame;
use std::collections::BTreeMap;

/// What the fleet figures need of one chunk's model (see `day::Model`).
pub(super) struct ChunkFleet<'a> {
    pub strings: &'a Interner,
    pub participants: &'a [Key],
    pub conferences: &'a [Conference],
    pub sessions: &'a [Session],
    pub spans: &'a [Span],
    pub reconnects: &'a [(usize, i64)],
    pub created: &'a [(Id, i64)],
    pub webcams: &'a [(usize, i64, Option<i64>)],
    pub pieces: &'a [(usize, Id, Piece)],
}

/// Counts of one server and hour.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    created: u32,
    conferences: u32,
    joins: u32,
    audio: u32,
    webcam: u32,
    reconnects: u32,
}

/// A set of pseudonym keys in 16 bytes per well-formed key: one sorted list of 128-bit values
/// per prefix letter (lists are sorted and deduplicated as they are merged), other keys as text.
#[derive(Default)]
struct KeySet {
    hex: Vec<(u8, Vec<u128>)>,
    text: HashSet<Box<str>>,
}

impl KeySet {
    fn insert(&mut self, key: &Key) {
        match key {
            Key::Hex(prefix, value) => match self.hex.iter_mut().find(|(p, _)| p == prefix) {
                Some((_, values)) => values.push(*value),
                None => self.hex.push((*prefix, vec![*value])),
            },
            Key::Text(text) => {
                self.text.insert(text.clone());
            }
        }
    }

    /// Sorts and deduplicates the lists.
    fn compact(&mut self) {
        for (_, values) in &mut self.hex {
            values.sort_unstable();
            values.dedup();
        }
    }

    fn merge(&mut self, other: KeySet) {
        for (prefix, values) in other.hex {
            match self.hex.iter_mut().find(|(p, _)| *p == prefix) {
                Some((_, known)) => {
                    known.extend(values);
                    known.sort_unstable();
                    known.dedup();
                }
                None => self.hex.push((prefix, values)),
            }
        }
        self.text.extend(other.text);
    }

    fn len(&self) -> usize {
        self.hex.iter().map(|(_, v)| v.len()).sum::<usize>() + self.text.len()
    }
}

/// Peak slots: open conferences, participant sessions, webcams.
const SLOTS: usize = 3;

/// The fleet figures of a day, or of one chunk of it.
#[derive(Default)]
pub(super) struct Fleet {
    /// Per (server, hour): the additive counts. Every (server, hour) with any figure has an
    /// entry.
    counts: BTreeMap<(String, u32), Counts>,
    /// Per (server, hour): the participants with a session piece in it.
    participants: HashMap<(String, u32), KeySet>,
    /// Per server and peak slot: the change of the open count per UTC second.
    changes: BTreeMap<(String, usize), HashMap<i64, i32>>,
}

impl Fleet {
    /// The fleet figures of one chunk.
    pub(super) fn of_chunk(m: &ChunkFleet<'_>, clock: &mut Clock<'_>) -> Self {
        let mut hour = |t: i64| clock.hour(t);
        let name = |server: Id| m.strings.name(server);
        let server_of = |c: usize| name(m.conferences[c].server);
        let mut counts: BTreeMap<(&str, u32), Counts> = BTreeMap::new();
        for &(server, t) in m.created {
            counts.entry((name(server), hour(t))).or_default().created += 1;
        }
        for s in m.sessions {
            let server = server_of(s.conference);
            counts.entry((server, hour(s.join))).or_default().joins += 1;
            if let Some(t) = s.first_audio {
                counts.entry((server, hour(t))).or_default().audio += 1;
            }
            if let Some(t) = s.first_webcam {
                counts.entry((server, hour(t))).or_default().webcam += 1;
            }
        }
        for &(i, t) in m.reconnects {
            counts.entry((server_of(m.sessions[i].conference), hour(t))).or_default().reconnects += 1;
        }
        // Conferences and participants with a piece of a session in the hour.
        let mut seen: HashSet<(usize, u32)> = HashSet::default();
        let mut participants: HashMap<(&str, u32), HashSet<Id>> = HashMap::new();
        for &(c, p, piece) in m.pieces {
            let key = (server_of(c), piece.hour);
            let n = counts.entry(key).or_default();
            if seen.insert((c, piece.hour)) {
                n.conferences += 1;
            }
            participants.entry(key).or_default().insert(p);
        }
        let mut changes: BTreeMap<(String, usize), HashMap<i64, i32>> = BTreeMap::new();
        let mut add = |server: Id, slot: usize, start: i64, end: i64| {
            let changes = changes.entry((name(server).to_owned(), slot)).or_default();
            add_interval(changes, start, end);
        };
        for c in m.conferences {
            add(c.server, 0, c.first_join, c.end);
        }
        for s in m.spans {
            add(m.conferences[s.conference].server, 1, s.start, s.end);
        }
        for &(i, start, stop) in m.webcams {
            let s = &m.sessions[i];
            let conference = &m.conferences[s.conference];
            let end = stop.unwrap_or_else(|| s.leave.unwrap_or(conference.end)).max(start);
            add(conference.server, 2, start, end);
        }
        Self {
            counts: counts.into_iter().map(|((s, h), n)| ((s.to_owned(), h), n)).collect(),
            participants: participants
                .into_iter()
                .map(|((s, h), ps)| {
                    let mut set = KeySet::default();
                    for p in ps {
                        set.insert(&m.participants[p as usize]);
                    }
                    set.compact();
                    ((s.to_owned(), h), set)
                })
                .collect(),
            changes,
        }
    }

    /// Adds the figures of another chunk.
    pub(super) fn merge(&mut self, other: Fleet) {
        for (key, n) in other.counts {
            let a = self.counts.entry(key).or_default();
            a.created += n.created;
            a.conferences += n.conferences;
            a.joins += n.joins;
            a.audio += n.audio;
            a.webcam += n.webcam;
            a.reconnects += n.reconnects;
        }
        for (key, ps) in other.participants {
            match self.participants.get_mut(&key) {
                Some(known) => known.merge(ps),
                None => {
                    self.participants.insert(key, ps);
                }
            }
        }
        for (key, changes) in other.changes {
            let all = self.changes.entry(key).or_default();
            for (t, d) in changes {
                *all.entry(t).or_default() += d;
            }
        }
    }

    /// The `fleet_hourly` frame of the day (before suppression), with the error events per
    /// server and hour.
    pub(super) fn fleet_hourly(
        self,
        day: &DayInput<'_>,
        errors: &HashMap<(String, u32), (u32, u32)>,
    ) -> Result<DataFrame> {
        let Fleet { mut counts, participants, changes } = self;
        let mut errs: BTreeMap<(String, u32), (u32, u32)> = BTreeMap::new();
        for (key, &e) in errors {
            counts.entry(key.clone()).or_default();
            errs.insert(key.clone(), e);
        }
        let mut clock = Clock::new(day.tz, day.hours);
        let mut peaks: HashMap<(String, u32), [u32; SLOTS]> = HashMap::new();
        for ((server, slot), changes) in changes {
            for (h, p) in hourly_peaks_of_changes(changes, |t| clock.hour(t)) {
                peaks.entry((server.clone(), h)).or_default()[slot] = p;
                counts.entry((server.clone(), h)).or_default();
            }
        }
        let mut b = Builder::default();
        for (key, n) in &counts {
            let [pc, pp, pw] = peaks.get(key).copied().unwrap_or_default();
            let (errors, audio_failures) = errs.get(key).copied().unwrap_or_default();
            b.str(col::SERVER, &key.0);
            b.u32(col::HOUR, key.1);
            b.u32(col::MEETINGS_CREATED, n.created);
            b.u32(col::CONFERENCES, n.conferences);
            b.u32(col::PEAK_CONFERENCES, pc);
            b.u32(col::PARTICIPANTS, participants.get(key).map_or(0, KeySet::len) as u32);
            b.u32(col::PEAK_CONCURRENT, pp);
            b.u32(col::PEAK_WEBCAMS, pw);
            b.u32(col::JOINS, n.joins);
            b.u32(col::AUDIO_SESSIONS, n.audio);
            b.u32(col::WEBCAM_SESSIONS, n.webcam);
            b.u32(col::AUDIO_FAILURES, audio_failures);
            b.u32(col::ERRORS, errors);
            b.u32(col::RECONNECTS, n.reconnects);
        }
        b.finish(tables::FLEET_HOURLY, day.date)
    }
}
