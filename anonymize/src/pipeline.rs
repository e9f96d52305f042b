//! The anonymisation run: ingest → drop duplicates and opt-outs → pseudonymise, generalise,
//! scrub → staged Parquet → commit into `DATA/store/`, quarantine into `DATA/quarantine/`.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt};
use std::hash::BuildHasher;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use confstats_ingest::{IngestOptions, IngestSummary, InputFile, QuarantineEntry, RawEvent, Sink, emit, learn};
use serde::Serialize;

use crate::audit::{AuditSet, AuditSetBuilder, PersonalKind};
use crate::pseudonym::{FieldClass, Pseudonym, Pseudonymizer};
use crate::scrub::{Scrubber, ScrubberBuilder};
use crate::sources::SourcePlan;
use crate::store::{StagedPart, StoreWriter, commit};
use crate::useragent::UserAgentInfo;
use crate::{Error, KeyStore, Result, StoreRecord};

/// Settings of an anonymisation run. Not personal data.
#[derive(Debug, Clone)]
pub struct AnonymizeOptions {
    /// The data directory (`DATA/store`, `DATA/quarantine`, `DATA/.staging` below it).
    pub data_dir: PathBuf,
    /// The keys directory (default `DATA/keys`).
    pub keys_dir: Option<PathBuf>,
    /// Days per key epoch (default 1).
    pub epoch_days: u32,
    /// The local zone of dates (the day an event belongs to).
    pub time_zone: Tz,
    /// Only events of these local days reach the store (and only their keys are created); the
    /// others are counted in [`AnonymizeSummary::dropped`] as `other_day`. `None`: every day.
    pub days: Option<BTreeSet<NaiveDate>>,
    /// The local date that names the quarantine partition (`DATA/quarantine/date=…`); default:
    /// today by the system clock. The nightly run passes its own clock.
    pub today: Option<NaiveDate>,
    /// Called when a step is done (the nightly run's crash tests abort there).
    pub checkpoint: Option<fn(AnonymizeStep)>,
}

/// A step of [`anonymize`], reported to [`AnonymizeOptions::checkpoint`]. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnonymizeStep {
    /// The lifecycle logs were read (meetings, schools, names of the batch).
    Learned,
    /// Every event was pseudonymised and written to staged Parquet files.
    Staged,
    /// The staged files were renamed into the store.
    Committed,
}

impl AnonymizeOptions {
    /// Options for a data directory with the defaults.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            keys_dir: None,
            epoch_days: 1,
            time_zone: chrono_tz::Europe::Berlin,
            days: None,
            today: None,
            checkpoint: None,
        }
    }

    /// The keys directory in use.
    pub fn keys_dir(&self) -> PathBuf {
        self.keys_dir.clone().unwrap_or_else(|| self.data_dir.join("keys"))
    }
}

/// What a run did: counts only, never a value. Not personal data.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AnonymizeSummary {
    /// The ingest's line accounting (lines, events in by kind, quarantine, opt-outs).
    pub ingest: IngestSummary,
    /// Records written to the store.
    pub records: u64,
    /// Records written by kind.
    pub records_by_kind: BTreeMap<String, u64>,
    /// Events dropped before the store, by reason (opt-outs are in `ingest.opted_out`).
    pub dropped: BTreeMap<String, u64>,
    /// Rows per store partition (`date` → rows).
    pub rows_by_date: BTreeMap<NaiveDate, u64>,
    /// Quarantine entries written.
    pub quarantine_entries: u64,
    /// Wall-clock time of the run.
    #[serde(serialize_with = "secs")]
    pub elapsed: Duration,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

/// Pseudonymizers per key epoch, shared by the workers.
struct Keys {
    store: KeyStore,
    cache: Mutex<HashMap<NaiveDate, Arc<Pseudonymizer>>>,
}

impl Keys {
    fn for_date(&self, date: NaiveDate) -> Result<Arc<Pseudonymizer>> {
        let epoch = self.store.epoch_start(date);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = cache.get(&epoch) {
            return Ok(p.clone());
        }
        let key = self.store.get_or_create(date)?;
        let p = Arc::new(Pseudonymizer::new(&key));
        cache.insert(epoch, p.clone());
        Ok(p)
    }
}

/// Turns raw events into store records. Holds the batch's scrubber (personal, in memory only).
struct Anonymizer<'a> {
    plan: &'a SourcePlan,
    scrubber: &'a Scrubber,
    keys: &'a Keys,
    time_zone: Tz,
    days: Option<&'a BTreeSet<NaiveDate>>,
}

/// The drop reason of events outside [`AnonymizeOptions::days`].
const OTHER_DAY: &str = "other_day";

impl Anonymizer<'_> {
    /// The local day an event belongs to: its conference's first join, else its own time.
    fn day_of(&self, e: &RawEvent) -> NaiveDate {
        e.conference_start.unwrap_or(e.time).with_timezone(&self.time_zone).date_naive()
    }

    fn record(
        &self,
        e: &RawEvent,
        pz: &mut Pseudonyms,
        ua_cache: &mut HashMap<String, UserAgentInfo>,
        text_cache: &mut TextCache,
        interned: &mut Interned,
    ) -> StoreRecord {
        let ua = e.user_agent.as_ref().map(|ua| {
            if ua_cache.len() > 10_000 {
                ua_cache.clear();
            }
            match ua_cache.get(ua.expose().as_str()) {
                Some(info) => *info,
                None => {
                    let info = UserAgentInfo::parse(ua.expose());
                    ua_cache.insert(ua.expose().clone(), info);
                    info
                }
            }
        });
        let net = e.ip.as_ref().map(|ip| pz.network(*ip.expose()));
        let text = e.text.as_ref().map(|t| {
            // The record's own personal values that the batch's lifecycle logs did not name.
            let own = [&e.person_name, &e.meeting_name, &e.account, &e.user, &e.meeting, &e.external_meeting]
                .into_iter()
                .flatten()
                .map(|v| v.expose().as_str())
                .chain(e.personal.iter().map(|p| p.value.expose().as_str()))
                .filter(|v| !self.scrubber.knows(v));
            text_cache.scrub(self.scrubber, t.expose(), own)
        });
        StoreRecord {
            time: e.time,
            server: interned.get(&e.server),
            source: e.format.as_str(),
            kind: e.kind.as_str(),
            school: interned.get(e.school.as_deref().unwrap_or("unknown")),
            participant: pz.participant(
                e.account.as_ref().map(|a| a.expose().as_str()),
                e.user.as_ref().map(|u| u.expose().as_str()),
            ),
            session: pz.of(FieldClass::Session, &e.user),
            meeting: pz.of(FieldClass::Meeting, &e.meeting),
            parent_meeting: pz.of(FieldClass::Meeting, &e.parent_meeting),
            room: pz.of(FieldClass::Room, &e.external_meeting),
            role: e.role.map(|r| r.as_str()),
            client_type: e.client_type.map(|c| c.as_str()),
            audio_mode: e.audio_mode.map(|m| m.as_str()),
            browser: ua.map(|u| u.browser.as_str()),
            browser_major: ua.and_then(|u| u.browser_major),
            os: ua.map(|u| u.os.as_str()),
            device: ua.map(|u| u.device.as_str()),
            ip_version: net.as_ref().map(|(v, _)| v.as_str()),
            network: net.as_ref().map(|(_, n)| n.clone()),
            error_code: e.error_code.clone(),
            log_code: e.log_code.clone(),
            level: e.level.map(|l| l.as_str()),
            text,
        }
    }
}

/// One epoch's pseudonymizer with a cache of recent pseudonyms: the same ids recur on every
/// line of a participant. **Holds personal data** (ids as keys, in memory only).
struct Pseudonyms {
    pz: Arc<Pseudonymizer>,
    by_class: HashMap<(FieldClass, bool), HashMap<String, Pseudonym>>,
    networks: HashMap<std::net::IpAddr, (crate::IpVersion, Pseudonym)>,
}

impl Pseudonyms {
    const MAX: usize = 100_000;

    fn new(pz: Arc<Pseudonymizer>) -> Self {
        Self { pz, by_class: HashMap::new(), networks: HashMap::new() }
    }

    /// The pseudonym of `value` in `class`; `account` distinguishes the two participant keys.
    fn cached(&mut self, class: FieldClass, account: bool, value: &str) -> Pseudonym {
        let map = self.by_class.entry((class, account)).or_default();
        if let Some(p) = map.get(value) {
            return p.clone();
        }
        let p = match (class, account) {
            (FieldClass::Participant, true) => self.pz.participant(Some(value), None),
            (FieldClass::Participant, false) => self.pz.participant(None, Some(value)),
            _ => Some(self.pz.pseudonym(class, value)),
        };
        let p = p.unwrap_or_else(|| self.pz.pseudonym(class, value));
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(value.to_owned(), p.clone());
        p
    }

    fn of(&mut self, class: FieldClass, v: &Option<confstats_ingest::Personal<String>>) -> Option<Pseudonym> {
        v.as_ref().map(|v| self.cached(class, false, v.expose()))
    }

    /// The participant: the account when known, else the BBB user id (DESIGN.md).
    fn participant(&mut self, account: Option<&str>, user: Option<&str>) -> Option<Pseudonym> {
        match (account.filter(|a| !a.is_empty()), user.filter(|u| !u.is_empty())) {
            (Some(a), _) => Some(self.cached(FieldClass::Participant, true, a)),
            (None, Some(u)) => Some(self.cached(FieldClass::Participant, false, u)),
            (None, None) => None,
        }
    }

    fn network(&mut self, ip: std::net::IpAddr) -> (crate::IpVersion, Pseudonym) {
        if let Some(n) = self.networks.get(&ip) {
            return n.clone();
        }
        let n = self.pz.network(ip);
        if self.networks.len() >= Self::MAX {
            self.networks.clear();
        }
        self.networks.insert(ip, n.clone());
        n
    }
}

/// Shared copies of the few distinct server and school names.
#[derive(Default)]
struct Interned(HashMap<String, Arc<str>>);

impl Interned {
    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a: Arc<str> = s.into();
        self.0.insert(s.to_owned(), a.clone());
        a
    }
}

/// Scrubbed templates of recent texts. Client logs repeat the same messages of the same
/// participant many times; the template depends only on the text and the record's own values the
/// batch does not know, so both form the key. **Holds personal data** (in memory only).
#[derive(Default)]
struct TextCache {
    map: HashMap<String, Arc<str>>,
    key: String,
    extras: Vec<String>,
}

impl TextCache {
    const MAX: usize = 50_000;

    fn scrub<'a>(&mut self, scrubber: &Scrubber, text: &str, unknown: impl Iterator<Item = &'a str>) -> Arc<str> {
        self.key.clear();
        self.key.push_str(text);
        self.extras.clear();
        for v in unknown {
            self.key.push('\0');
            self.key.push_str(v);
            self.extras.push(v.to_owned());
        }
        if let Some(hit) = self.map.get(self.key.as_str()) {
            return hit.clone();
        }
        let extras: Vec<&str> = self.extras.iter().map(String::as_str).collect();
        let scrubbed: Arc<str> = scrubber.scrub_with(text, &extras).into();
        if self.map.len() >= Self::MAX {
            self.map.clear();
        }
        self.map.insert(self.key.clone(), scrubbed.clone());
        scrubbed
    }
}

/// Quarantine entries of one worker, streamed to a staged JSON-lines file (file, line, reason,
/// field — never content), so that a file of garbage costs no memory.
struct QuarantineFile {
    path: PathBuf,
    out: Option<std::io::BufWriter<std::fs::File>>,
    entries: u64,
}

impl QuarantineFile {
    fn write(&mut self, q: &QuarantineEntry) -> Result<()> {
        let io = |source| Error::Io { path: self.path.clone(), source };
        if self.out.is_none() {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            self.out = Some(std::io::BufWriter::new(std::fs::File::create(&self.path).map_err(io)?));
        }
        let line = serde_json::to_string(q).map_err(|e| io(e.into()))?;
        if let Some(out) = self.out.as_mut() {
            writeln!(out, "{line}").map_err(io)?;
        }
        self.entries += 1;
        Ok(())
    }

    /// Flushes and returns the staged file, if anything was written.
    fn finish(self) -> Result<Option<PathBuf>> {
        match self.out {
            Some(mut out) => {
                out.flush().map_err(|source| Error::Io { path: self.path.clone(), source })?;
                Ok(Some(self.path))
            }
            None => Ok(None),
        }
    }
}

/// One worker's sink: drops duplicates, writes records, streams quarantine entries.
struct StoreSink<'a> {
    anonymizer: &'a Anonymizer<'a>,
    writer: StoreWriter,
    ua_cache: HashMap<String, UserAgentInfo>,
    text_cache: TextCache,
    interned: Interned,
    pseudonymizers: HashMap<NaiveDate, Pseudonyms>,
    quarantine: QuarantineFile,
    records_by_kind: BTreeMap<&'static str, u64>,
    dropped: BTreeMap<&'static str, u64>,
    /// The personal values of the events that reach the store, for the leak audit.
    audit: Option<AuditCollector>,
    error: Option<Error>,
}

/// Collects the personal values of one worker's events for the leak audit (DESIGN.md rule 10).
/// **Holds personal data**, in memory only. Each distinct value is handed to the
/// [`AuditSetBuilder`] once; free texts are searched for IP and e-mail addresses once per
/// distinct text.
#[derive(Default)]
struct AuditCollector {
    builder: AuditSetBuilder,
    /// 128-bit hashes of the values and texts handed over already (a value handed over twice
    /// costs time, not correctness; a collision would skip a value, which the width makes
    /// negligible: the hasher is seeded per process and the sets are bounded).
    seen: foldhash::HashSet<u128>,
    texts: foldhash::HashSet<u128>,
    ips: foldhash::HashSet<std::net::IpAddr>,
    hasher: foldhash::quality::RandomState,
}

impl AuditCollector {
    /// Bounds the sets of values and texts already handed over.
    const MAX_SEEN: usize = 1 << 18;
    const MAX_TEXTS: usize = 1 << 16;

    /// A 128-bit hash of `x`: two seeded 64-bit hashes of differently tagged inputs.
    fn wide_hash(&self, x: impl std::hash::Hash + Copy) -> u128 {
        (u128::from(self.hasher.hash_one((0u8, x))) << 64) | u128::from(self.hasher.hash_one((1u8, x)))
    }

    fn value(&mut self, kind: PersonalKind, value: &str, known: Option<&Scrubber>) {
        // The lifecycle logs' values are collected already (see `lifecycle_values`).
        if value.is_empty() || known.is_some_and(|s| s.knows(value)) {
            return;
        }
        let h = self.wide_hash((kind as u8, value));
        if self.seen.len() >= Self::MAX_SEEN {
            self.seen.clear();
        }
        if self.seen.insert(h) {
            self.builder.add(kind, value);
        }
    }

    /// Collects the event's values; `known`: the batch's scrubber, whose values need no
    /// collecting.
    fn event(&mut self, e: &RawEvent, known: Option<&Scrubber>) {
        use confstats_ingest::PersonalKind as Ingest;
        let fields = [
            (PersonalKind::PersonName, &e.person_name),
            (PersonalKind::MeetingName, &e.meeting_name),
            (PersonalKind::AccountId, &e.account),
            (PersonalKind::UserId, &e.user),
            (PersonalKind::MeetingId, &e.meeting),
            (PersonalKind::MeetingId, &e.parent_meeting),
            (PersonalKind::RoomId, &e.external_meeting),
        ];
        for (kind, v) in fields {
            if let Some(v) = v {
                self.value(kind, v.expose(), known);
            }
        }
        for p in &e.personal {
            let kind = match p.kind {
                Ingest::PersonName => PersonalKind::PersonName,
                Ingest::Secret => PersonalKind::Secret,
                // File names and device labels are names of things: their parts are searched
                // like those of meeting names.
                _ => PersonalKind::MeetingName,
            };
            self.value(kind, p.value.expose(), known);
        }
        if let Some(ip) = &e.ip
            && self.ips.insert(*ip.expose())
        {
            self.builder.add_ip(*ip.expose());
        }
        if let Some(t) = &e.text {
            let t = t.expose();
            let h = self.wide_hash(t.as_str());
            if self.texts.len() >= Self::MAX_TEXTS {
                self.texts.clear();
            }
            if self.texts.insert(h) {
                self.builder.scan_text(t);
            }
        }
    }
}

impl StoreSink<'_> {
    fn try_event(&mut self, e: RawEvent) -> Result<()> {
        if let Err(reason) = self.anonymizer.plan.check(&e) {
            *self.dropped.entry(reason.as_str()).or_default() += 1;
            return Ok(());
        }
        let date = self.anonymizer.day_of(&e);
        if self.anonymizer.days.is_some_and(|days| !days.contains(&date)) {
            *self.dropped.entry(OTHER_DAY).or_default() += 1;
            return Ok(());
        }
        if let Some(audit) = self.audit.as_mut() {
            audit.event(&e, Some(self.anonymizer.scrubber));
        }
        if !self.pseudonymizers.contains_key(&date) {
            let pz = self.anonymizer.keys.for_date(date)?;
            self.pseudonymizers.insert(date, Pseudonyms::new(pz));
        }
        let Some(pz) = self.pseudonymizers.get_mut(&date) else { unreachable!("inserted above") };
        let record = self.anonymizer.record(&e, pz, &mut self.ua_cache, &mut self.text_cache, &mut self.interned);
        *self.records_by_kind.entry(record.kind).or_default() += 1;
        self.writer.write(date, record)
    }
}

impl Sink for StoreSink<'_> {
    fn event(&mut self, e: RawEvent) {
        if self.error.is_some() {
            return;
        }
        if let Err(err) = self.try_event(e) {
            self.error = Some(err);
        }
    }

    fn quarantine(&mut self, entry: QuarantineEntry) {
        if self.error.is_some() {
            return;
        }
        if let Err(err) = self.quarantine.write(&entry) {
            self.error = Some(err);
        }
    }
}

/// Runs the anonymisation of `files` into the store of `opts.data_dir`.
pub fn anonymize(files: &[InputFile], ingest: &IngestOptions, opts: &AnonymizeOptions) -> Result<AnonymizeSummary> {
    run(files, ingest, opts, None).map(|(summary, _)| summary)
}

/// Like [`anonymize`], and also returns the batch's personal values compiled for the leak audit
/// (DESIGN.md rule 10); `vocabulary` holds the words of the reports' own text (see
/// [`AuditSetBuilder::build`]).
pub fn anonymize_audited(
    files: &[InputFile],
    ingest: &IngestOptions,
    opts: &AnonymizeOptions,
    vocabulary: &std::collections::HashSet<String>,
) -> Result<(AnonymizeSummary, BatchAudit)> {
    let (summary, audit) = run(files, ingest, opts, Some(vocabulary))?;
    Ok((summary, audit.unwrap_or_else(|| BatchAudit::none(vocabulary))))
}

/// The personal values of a run's batches compiled for the leak audit. **Holds personal data**
/// (hashes of it, in memory only; `Debug` prints counts).
///
/// Every batch adds its lifecycle logs' names, identifiers and secrets (also those of opted-out
/// people) and the values only its events named (names in client logs, IP and e-mail addresses
/// in free text, …); the set is compiled once the last batch is done.
#[derive(Debug)]
pub struct BatchAudit {
    set: AuditSet,
}

impl BatchAudit {
    /// A set that finds nothing: for a run that read no input (a purge).
    pub fn none(vocabulary: &std::collections::HashSet<String>) -> Self {
        Self { set: AuditSetBuilder::new().build(vocabulary) }
    }

    /// The set to scan the outputs for, e.g. with [`crate::audit_paths_threads`].
    pub fn set(&self) -> &AuditSet {
        &self.set
    }
}

/// The personal values of `files` for a stand-alone leak audit (`confstats audit`): what
/// [`anonymize_audited`] collects, without writing anything or creating a key. The builder
/// **holds personal data**.
pub fn personal_values(files: &[InputFile], ingest: &IngestOptions) -> AuditSetBuilder {
    struct Collect(AuditCollector);
    impl Sink for Collect {
        fn event(&mut self, e: RawEvent) {
            self.0.event(&e, None);
        }
        fn quarantine(&mut self, _: QuarantineEntry) {}
    }
    let mut all = AuditSetBuilder::new();
    for batch in batches(files) {
        let map = learn(&batch, ingest);
        all.merge(lifecycle_values(&map));
        let (_, sinks) = emit(&batch, ingest, &map, || Collect(AuditCollector::default()));
        for s in sinks {
            all.merge(s.0.builder);
        }
    }
    all
}

/// Every value the lifecycle logs' map holds: names, identifiers and secrets (also those of
/// opted-out events, which never reach a sink but must not appear in an output either).
fn lifecycle_values(map: &confstats_ingest::MeetingMap) -> AuditSetBuilder {
    let mut b = AuditSetBuilder::new();
    map.names().for_each(|n| {
        b.add(PersonalKind::Name, n);
    });
    map.identifiers().for_each(|i| {
        b.add(PersonalKind::Identifier, i);
    });
    map.secrets().for_each(|s| {
        b.add(PersonalKind::Secret, s);
    });
    b
}

/// The files of each conference server, in the order the servers first appear. A server's
/// files form one batch (DESIGN.md, "Batch and day"): its lifecycle logs name the meetings and
/// people its other logs mention, so batches are learnt, scrubbed and written one after the
/// other: one batch's names are in memory, and with several threads the next batch's meeting
/// map, learnt while this batch's scrubber is built.
fn batches(files: &[InputFile]) -> Vec<Vec<InputFile>> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut batches: Vec<Vec<InputFile>> = Vec::new();
    for f in files {
        let i = *index.entry(&f.server).or_insert_with(|| {
            batches.push(Vec::new());
            batches.len() - 1
        });
        batches[i].push(f.clone());
    }
    batches
}

/// The files that name a batch's people and rooms: its logs of the best format it has for joins
/// (DESIGN.md "Sources", [`crate::sources::preference`]: canonical, bbb-web, else webhooks,
/// akka-apps, nginx). The other lifecycle logs repeat the same joins.
fn naming_files(batch: &[InputFile]) -> Vec<InputFile> {
    let best = crate::sources::preference(confstats_ingest::EventKind::ParticipantJoined).unwrap_or_default();
    best.iter()
        .copied()
        .map(|format| batch.iter().filter(|f| f.format == Some(format)).cloned().collect::<Vec<_>>())
        .find(|files| !files.is_empty())
        .unwrap_or_default()
}

/// The lifecycle values of every batch (see [`lifecycle_values`]) from its [`naming_files`], the
/// batches learnt side by side, one per thread, only one map per thread in memory at a time.
fn other_batches_values(batches: &[Vec<InputFile>], ingest: &IngestOptions) -> AuditSetBuilder {
    let threads = ingest.worker_threads();
    let one = IngestOptions { threads: 1, ..ingest.clone() };
    let next = AtomicUsize::new(0);
    let builders: Vec<AuditSetBuilder> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.clamp(1, batches.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut values = AuditSetBuilder::new();
                    while let Some(batch) = batches.get(next.fetch_add(1, Ordering::Relaxed)) {
                        values.merge(lifecycle_values(&learn(&naming_files(batch), &one)));
                    }
                    values
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut all = AuditSetBuilder::new();
    for b in builders {
        all.merge(b);
    }
    all
}

/// The scrubber of a batch: its lifecycle logs' names, identifiers and secrets, and `others`,
/// the values of the run's other batches.
fn scrubber_of(map: &confstats_ingest::MeetingMap, others: Option<&Arc<AuditSet>>) -> Scrubber {
    let mut b = ScrubberBuilder::new();
    if let Some(others) = others {
        b.others(others.clone());
    }
    map.names().for_each(|n| {
        b.name(n);
    });
    map.identifiers().for_each(|i| {
        b.identifier(i);
    });
    map.secrets().for_each(|s| {
        b.secret(s);
    });
    b.build()
}

/// What the batches of one run add up to.
#[derive(Default)]
struct Totals {
    summary: AnonymizeSummary,
    staged: Vec<StagedPart>,
    quarantine: Vec<PathBuf>,
    audit: Option<AuditSetBuilder>,
    first_error: Option<Error>,
}

impl Totals {
    fn add(&mut self, ingest: IngestSummary, sinks: Vec<StoreSink<'_>>) -> Result<()> {
        self.summary.ingest.merge(ingest);
        for sink in sinks {
            if let Some(e) = sink.error {
                self.first_error.get_or_insert(e);
            }
            if let (Some(all), Some(c)) = (self.audit.as_mut(), sink.audit) {
                all.merge(c.builder);
            }
            for (k, v) in sink.records_by_kind {
                self.summary.records += v;
                *self.summary.records_by_kind.entry(k.to_owned()).or_default() += v;
            }
            for (k, v) in sink.dropped {
                *self.summary.dropped.entry(k.to_owned()).or_default() += v;
            }
            self.summary.quarantine_entries += sink.quarantine.entries;
            self.quarantine.extend(sink.quarantine.finish()?);
            self.staged.extend(sink.writer.finish()?);
        }
        Ok(())
    }
}

fn run(
    files: &[InputFile],
    ingest: &IngestOptions,
    opts: &AnonymizeOptions,
    audit: Option<&std::collections::HashSet<String>>,
) -> Result<(AnonymizeSummary, Option<BatchAudit>)> {
    let started = Instant::now();
    // Keys must never be published with the outputs they protect.
    let published: Vec<PathBuf> = ["store", "stats", "reports"].iter().map(|d| opts.data_dir.join(d)).collect();
    crate::ensure_not_inside(&opts.keys_dir(), &published)?;
    let keys = Keys { store: KeyStore::open(opts.keys_dir(), opts.epoch_days)?, cache: Mutex::new(HashMap::new()) };
    let checkpoint = |step| {
        if let Some(f) = opts.checkpoint {
            f(step);
        }
    };
    let plan = SourcePlan::new(files);
    let run_id = format!("{}-{}", std::process::id(), Utc::now().timestamp_nanos_opt().unwrap_or_default());
    let staging = opts.data_dir.join(".staging").join(format!("store-{run_id}"));
    let parts = AtomicUsize::new(0);
    let mut totals = Totals { audit: audit.is_some().then(AuditSetBuilder::new), ..Totals::default() };
    let batches = batches(files);
    // With several batches, each batch's texts are also scrubbed of the other batches' names,
    // identifiers and secrets: their best lifecycle logs are read once before, and only the
    // values' hashes kept (a text of one server may name a person or room of another; what only
    // another server's secondary logs name is left to the leak audit, which fails closed).
    let others = if batches.len() > 1 {
        let all = other_batches_values(&batches, ingest);
        // Built without the audit's report vocabulary: what the scrubber removes must not depend
        // on whether the run is audited (the vocabulary only spares report words from the
        // audit's search).
        Some(Arc::new(all.build(&std::collections::HashSet::new())))
    } else {
        None
    };
    let mut learnt = None;
    for (i, batch) in batches.iter().enumerate() {
        let map = match learnt.take() {
            Some(map) => map,
            None => learn(batch, ingest),
        };
        checkpoint(AnonymizeStep::Learned);
        if let Some(all) = totals.audit.as_mut() {
            all.merge(lifecycle_values(&map));
        }
        // The scrubber is built on one thread: with more than one, the next batch is learnt
        // meanwhile, so that the other cores are not idle (its map waits for this batch's events).
        let (scrubber, next) = std::thread::scope(|scope| {
            let ahead = batches.get(i + 1).filter(|_| ingest.worker_threads() > 1);
            let next = ahead.map(|next| scope.spawn(|| learn(next, ingest)));
            let scrubber = scrubber_of(&map, others.as_ref());
            (scrubber, next.map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))))
        });
        learnt = next;
        let anonymizer = Anonymizer {
            plan: &plan,
            scrubber: &scrubber,
            keys: &keys,
            time_zone: opts.time_zone,
            days: opts.days.as_ref(),
        };
        let (ingest_summary, sinks) = emit(batch, ingest, &map, || {
            let part = parts.fetch_add(1, Ordering::Relaxed);
            StoreSink {
                anonymizer: &anonymizer,
                writer: StoreWriter::new(&staging, part),
                ua_cache: HashMap::new(),
                text_cache: TextCache::default(),
                interned: Interned::default(),
                pseudonymizers: HashMap::new(),
                quarantine: QuarantineFile {
                    path: staging.join(format!("quarantine-{part}.jsonl")),
                    out: None,
                    entries: 0,
                },
                records_by_kind: BTreeMap::new(),
                dropped: BTreeMap::new(),
                audit: audit.is_some().then(AuditCollector::default),
                error: None,
            }
        });
        if let Err(e) = totals.add(ingest_summary, sinks) {
            totals.first_error.get_or_insert(e);
        }
        if totals.first_error.is_some() {
            break;
        }
    }
    // Not needed past the batches: freed before the audit set is built.
    drop(others);
    let Totals { mut summary, staged, quarantine, audit: collected, first_error } = totals;
    if let Some(e) = first_error {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    let today = opts.today.unwrap_or_else(|| {
        DateTime::<Utc>::from(std::time::SystemTime::now()).with_timezone(&opts.time_zone).date_naive()
    });
    for p in &staged {
        *summary.rows_by_date.entry(p.date).or_default() += p.rows;
    }
    checkpoint(AnonymizeStep::Staged);
    commit(&opts.data_dir.join("store"), &staged)?;
    checkpoint(AnonymizeStep::Committed);
    // Quarantine files are dated by the processing day, so they age out with retention.
    if !quarantine.is_empty() {
        let dir = opts.data_dir.join("quarantine").join(format!("date={today}"));
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io { path: dir.clone(), source })?;
        for (i, path) in quarantine.iter().enumerate() {
            let target = dir.join(format!("{run_id}-{i}.jsonl"));
            std::fs::rename(path, &target).map_err(|source| Error::Io { path: target.clone(), source })?;
        }
    }
    let _ = std::fs::remove_dir_all(&staging);
    summary.elapsed = started.elapsed();
    let audit = match (audit, collected) {
        (Some(vocabulary), Some(all)) => Some(BatchAudit { set: all.build(vocabulary) }),
        _ => None,
    };
    Ok((summary, audit))
}
