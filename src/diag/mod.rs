//! The diagnostics: what support staff use to chase a reported problem within the retention
//! window ("audio breaks for class 4b since Tuesday") — on pseudonymised events only.
//!
//! - [`query`]: SQL (polars) over the published store, with the views `sessions` and `errors`.
//! - [`trace`]: the timeline of one conference, room, participant or session.
//! - [`lookup`]: from an account id or a room id of a support ticket to its pseudonym of each
//!   day whose key is still alive; every look-up is written to the access log.
//! - [`subject`]: a data subject's records (right of access) and their erasure (right to
//!   erasure), which publishes a new generation under the nightly run's lock.
//!
//! Every command reads the published generation (`DATA/current`) once, so a nightly run that
//! switches meanwhile never gives it a mix of two states, and only the store days whose epoch key
//! still exists ([`Store::open`]): a deleted key ends the diagnostics of its days. Nothing here
//! prints a personal value: the store holds pseudonyms and scrubbed templates only, and the ids
//! given by [`lookup`] and [`subject`] are only hashed, never echoed, logged or put into an error.

pub mod args;
pub mod cmd;
pub mod lookup;
pub mod meaning;
pub mod query;
pub mod sessions;
pub mod subject;
pub mod trace;

// The nightly run's layout: generations, the `current` switch, the lock.
use crate::run::layout;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use confstats_anonymize::{EpochKey, KeyStore, columns};
use polars::prelude::*;

use crate::commands::Blame;
use crate::config::DataSettings;

/// The extra column of `events`: the store day (the hive partition `date=…`).
pub const DATE: &str = "date";
/// The extra column of `events`: `time` in the configured local zone.
pub const LOCAL_TIME: &str = "local_time";

/// One day of the published store whose key is alive. Not personal data (a date and paths).
#[derive(Debug, Clone)]
pub struct StoreDay {
    /// The local date (the partition).
    pub date: NaiveDate,
    /// The first day of the key epoch that protects it.
    pub epoch: NaiveDate,
    /// Its Parquet files.
    pub files: Vec<PathBuf>,
}

/// The published store as one command sees it: the days whose key still exists. Not personal
/// data itself; [`Store::key`] hands out a day's key.
#[derive(Debug)]
pub struct Store {
    /// The published generation's root (or the data directory of a plain layout).
    root: PathBuf,
    /// The keys directory; `None` when it does not exist (no key at all).
    keys: Option<KeyStore>,
    /// Days with a live key, oldest first.
    pub days: Vec<StoreDay>,
    /// Days in the store whose key is gone: their pseudonyms are unlinkable and they are not read.
    pub without_key: Vec<NaiveDate>,
}

impl Store {
    /// Opens the published store of `data` (every day, or only `date`) and keeps the days whose
    /// epoch key exists. Fails with a usage error when nothing is left to read: no store, no
    /// such day, or no live key ("the key of the epoch is gone").
    pub fn open(data: &DataSettings, date: Option<NaiveDate>) -> Result<Store> {
        let layout = layout::Layout::new(&data.data);
        let root = layout
            .published_root()
            .with_context(|| format!("cannot read the published state of {}", data.data.display()))?;
        // The days with Parquet files, oldest first.
        let mut partitions = confstats_report::store_dates(&root)
            .with_context(|| format!("cannot list {}", root.join("store").display()))?;
        if partitions.is_empty() {
            return Err(anyhow!(
                "no store in {}: the nightly run (`confstats run`) has not published a day yet",
                data.data.display()
            )
            .context(Blame::Usage));
        }
        if let Some(d) = date {
            let (first, last) = (partitions[0].0, partitions[partitions.len() - 1].0);
            partitions.retain(|(p, _)| *p == d);
            if partitions.is_empty() {
                return Err(anyhow!("`--date {d}`: the store holds {first} to {last} only").context(Blame::Usage));
            }
        }
        // A missing keys directory means no key at all; do not create it just to look.
        let keys = match data.keys.is_dir() {
            true => Some(KeyStore::open(&data.keys, data.epoch_days).context(Blame::Usage)?),
            false => None,
        };
        let mut days = Vec::new();
        let mut without_key = Vec::new();
        for (d, files) in partitions {
            let epoch = match &keys {
                Some(k) if k.get(d).map_err(|e| anyhow::Error::new(e).context(Blame::Usage))?.is_some() => {
                    k.epoch_start(d)
                }
                _ => {
                    without_key.push(d);
                    continue;
                }
            };
            days.push(StoreDay { date: d, epoch, files });
        }
        if days.is_empty() {
            return Err(anyhow!(
                "nothing to read: the key of {} is gone (deleted by retention or `keys purge`): its pseudonyms are \
                 unlinkable and its diagnostics ended with the key; `confstats purge` deletes such store days",
                plural_days(&without_key)
            )
            .context(Blame::Usage));
        }
        Ok(Store { root, keys, days, without_key })
    }

    /// The published generation this command reads.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The key of a day's epoch; an error if it vanished since [`Store::open`] (a run purged it).
    pub fn key(&self, day: &StoreDay) -> Result<EpochKey> {
        self.keys
            .as_ref()
            .map(|k| k.get(day.date))
            .transpose()
            .context(Blame::Usage)?
            .flatten()
            .ok_or_else(|| anyhow!("the key of epoch {} was deleted meanwhile", day.epoch).context(Blame::Usage))
    }

    /// A note on days skipped for want of a key (for stderr), if any.
    pub fn note(&self) -> Option<String> {
        (!self.without_key.is_empty()).then(|| {
            format!("note: skipped {}: its key is gone, its pseudonyms are unlinkable", plural_days(&self.without_key))
        })
    }

    /// Every event of the store days (optionally only those of `only`) as one lazy frame: the
    /// store's columns plus [`DATE`] and [`LOCAL_TIME`] in `tz`.
    pub fn events(&self, only: Option<&[NaiveDate]>, tz: chrono_tz::Tz) -> Result<LazyFrame> {
        let days: Vec<&StoreDay> = self.days.iter().filter(|d| only.is_none_or(|o| o.contains(&d.date))).collect();
        if days.is_empty() {
            return Err(anyhow!("no store day selected").context(Blame::Usage));
        }
        // One scan node over every file (polars reads them in parallel); the `date` column comes
        // from the hive partition directories `date=YYYY-MM-DD`, so that a query of some days
        // reads only their files. (A union of one scan per day breaks polars' row count of
        // `SELECT count(*)`.) Polars reads `key=value` components of the whole path, so the
        // schema is inferred — a data directory below, say, `/srv/site=berlin/` adds a `site`
        // column — and only the store's columns and `date` are kept.
        let hive = HiveOptions { enabled: Some(true), hive_start_idx: 0, schema: None, try_parse_dates: true };
        let lf = scan_parquet(days.iter().flat_map(|d| d.files.iter()), hive)
            .map_err(|e| e.context("cannot read the store"))?;
        let mut keep: Vec<Expr> =
            confstats_anonymize::store_schema().fields().iter().map(|f| col(f.name().as_str())).collect();
        keep.push(col(DATE));
        let zone = TimeZone::opt_try_new(Some(tz.name()))?.unwrap_or(TimeZone::UTC);
        Ok(lf.select(keep).with_column(col(columns::TIME).dt().convert_time_zone(zone).alias(LOCAL_TIME)))
    }

    /// The `sessions` table of every store day: the nightly run's precomputed tables when every
    /// day has one that matches its files ([`sessions::precomputed`]), else the view computed from
    /// `events` (every store day's; a store written before the tables existed, or by `anonymize`
    /// alone).
    pub fn sessions(&self, events: LazyFrame) -> Result<LazyFrame> {
        let tables = self.days.iter().map(|d| sessions::precomputed(&self.root, d.date, &d.files));
        let Some(files) = tables.collect::<Option<Vec<PathBuf>>>() else {
            return Ok(sessions::view(events));
        };
        scan_parquet(files.iter(), HiveOptions::new_disabled()).map_err(|e| e.context("cannot read the sessions"))
    }
}

/// The row count of `lf` (a `len()` query: polars answers it from the Parquet metadata when it
/// can).
pub(crate) fn count(lf: LazyFrame) -> Result<u64> {
    let df = collect(lf.select([len().alias("n")])).map_err(polars_err("read the store"))?;
    Ok(df.column("n").ok().and_then(|c| c.get(0).ok()).and_then(|v| v.extract::<u64>()).unwrap_or(0))
}

/// One scan node over Parquet files (polars reads them in parallel).
fn scan_parquet<'a>(files: impl Iterator<Item = &'a PathBuf>, hive: HiveOptions) -> Result<LazyFrame> {
    let paths = files
        .map(|f| f.to_str().map(PlRefPath::new).ok_or_else(|| anyhow!("{} is not valid UTF-8", f.display())))
        .collect::<Result<Vec<_>>>()?;
    let args = ScanArgsParquet { hive_options: hive, glob: false, ..Default::default() };
    Ok(LazyFrame::scan_parquet_files(paths.into_iter().collect(), args)?)
}

/// Some of a store day's files as a lazy scan, with the day as the [`DATE`] column.
pub(crate) fn scan_files(files: &[PathBuf], date: NaiveDate) -> Result<LazyFrame> {
    let lf = scan_parquet(files.iter(), HiveOptions::new_disabled()).map_err(|e| e.context("cannot read the store"))?;
    Ok(lf.with_column(lit(date).cast(DataType::Date).alias(DATE)))
}

/// One day's files as a lazy scan with its [`DATE`] column.
fn scan_day(day: &StoreDay) -> Result<LazyFrame> {
    scan_files(&day.files, day.date)
}

/// "day 2026-11-20" or "days 2026-11-20, 2026-11-21".
fn plural_days(days: &[NaiveDate]) -> String {
    let list: Vec<String> = days.iter().map(ToString::to_string).collect();
    format!("{} {}", if days.len() == 1 { "day" } else { "days" }, list.join(", "))
}

/// The local time zone of the diagnostics: `--time-zone`, else the config's `time_zone`, else
/// Europe/Berlin.
pub fn time_zone(flag: Option<&str>, file: &crate::config::FileConfig) -> Result<chrono_tz::Tz> {
    let name = flag.or(file.time_zone.as_deref()).unwrap_or("Europe/Berlin");
    name.parse().map_err(|_| {
        anyhow!("invalid setting `time_zone`: unknown time zone (use an IANA name such as Europe/Berlin)")
            .context(Blame::Usage)
    })
}

/// Who runs a key-dependent command, for the access log: the login name (`SUDO_USER` when run
/// through sudo, else `USER`/`LOGNAME`) and the effective uid (the owner of `/proc/self`).
/// Personal data of the staff member, kept only in the access log (accountability).
fn operator() -> (String, Option<u32>) {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok().map(|m| m.uid());
    // Else the name of the uid in /etc/passwd (cron and systemd may leave USER unset).
    let from_passwd = || {
        let uid = uid?.to_string();
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        passwd.lines().find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            (f.nth(1)? == uid).then(|| name.to_owned())
        })
    };
    let name = ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .or_else(from_passwd)
        .unwrap_or_else(|| "unknown".to_owned());
    (name, uid)
}

/// One entry of the access log `DATA/access.log` (JSON lines, mode 0600): who used a key, when,
/// for what and for which epochs. **Never holds the id looked up**; it does hold the staff
/// member's login name (accountability of the look-ups).
#[derive(Debug, serde::Serialize)]
pub struct AccessEntry<'a> {
    /// When (UTC, RFC 3339).
    pub time: String,
    /// The login name of who ran the command.
    pub user: String,
    /// Their effective uid, when known.
    pub uid: Option<u32>,
    /// `lookup`, `subject export` or `subject erase`.
    pub command: &'a str,
    /// The kind of id given (`account`, `room`), never the id.
    pub field: &'a str,
    /// The key epochs used.
    pub epochs: Vec<NaiveDate>,
    /// How many store records matched.
    pub records: u64,
}

/// Appends one entry to `DATA/access.log` (created 0600). The log is kept apart from the
/// published directories.
pub fn log_access(data: &Path, command: &str, field: &str, epochs: Vec<NaiveDate>, records: u64) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt;
    let (user, uid) = operator();
    let entry = AccessEntry {
        time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        user,
        uid,
        command,
        field,
        epochs,
        records,
    };
    let path = data.join("access.log");
    let mut line = serde_json::to_string(&entry)?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot write the access log {}", path.display()))?;
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write the access log {}", path.display()))
}

/// Runs a lazy query on polars' streaming engine: it reads the store files in parallel in
/// batches, and for aggregations over the whole store (the `sessions` view) it took half the
/// time and half the memory of the in-memory engine (benches/README.md).
pub(crate) fn collect(lf: LazyFrame) -> PolarsResult<DataFrame> {
    // One in-memory sink: the result is a single frame.
    lf.collect_with_engine(Engine::Streaming).map(|r| r.unwrap_single())
}

/// A polars error as an anyhow error naming what was being done.
pub(crate) fn polars_err(what: &str) -> impl FnOnce(PolarsError) -> anyhow::Error + '_ {
    move |e| anyhow::Error::new(e).context(format!("cannot {what}"))
}

/// An id copied from a support ticket (an account id or an external meeting id). **Personal
/// data**: it is only hashed with a day's key; `Debug` prints `TicketId(<redacted>)` and it has
/// no `Display`, so it cannot reach an output, a log line or an error.
#[derive(Clone)]
pub struct TicketId(String);

impl TicketId {
    /// Wraps an id given on the command line (clap's value parser). The only error is an empty
    /// id, so that clap's message, which quotes the value, quotes nothing personal.
    pub fn parse(value: &str) -> Result<TicketId, String> {
        if value.trim().is_empty() {
            return Err("the id is empty".to_owned());
        }
        Ok(TicketId(value.to_owned()))
    }

    /// The id, for hashing only.
    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for TicketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TicketId(<redacted>)")
    }
}

/// The rows of one data subject on one day: those of its participant pseudonym, and those of the
/// sessions (BBB user ids) it joined with — lines that name only the BBB user id (audio and
/// media-server logs) carry the session's pseudonym but a participant pseudonym of the user id.
/// Not personal data (pseudonyms).
#[derive(Debug, Clone)]
pub struct SubjectDay {
    /// The store day.
    pub day: StoreDay,
    /// The `p_` pseudonym of the account on that day.
    pub participant: String,
    /// The `s_` pseudonyms of its sessions on that day.
    pub sessions: std::collections::BTreeSet<String>,
}

impl SubjectDay {
    /// Finds the account's participant pseudonym and sessions on `day`.
    pub fn find(store: &Store, day: &StoreDay, account: &TicketId) -> Result<SubjectDay> {
        let key = store.key(day)?;
        let pz = confstats_anonymize::Pseudonymizer::new(&key);
        let participant = pz.participant(Some(account.expose()), None).map(|p| p.into_string()).unwrap_or_default();
        let sessions = scan_day(day)?
            .filter(col(columns::PARTICIPANT).eq(lit(participant.as_str())).and(col(columns::SESSION).is_not_null()))
            .select([col(columns::SESSION)])
            .unique(None, UniqueKeepStrategy::Any)
            .collect()
            .map_err(polars_err("read the store"))?;
        let sessions = sessions
            .column(columns::SESSION)
            .and_then(|c| c.str().cloned())
            .map_err(polars_err("read the store"))?
            .iter()
            .flatten()
            .map(str::to_owned)
            .collect();
        Ok(SubjectDay { day: day.clone(), participant, sessions })
    }

    /// The filter that selects the subject's rows.
    pub fn filter(&self) -> Expr {
        subject_filter(&self.participant, &self.sessions)
    }

    /// The subject's rows of the day, in time order, with the [`DATE`] column.
    pub fn rows(&self) -> Result<DataFrame> {
        scan_day(&self.day)?
            .filter(self.filter())
            .sort([columns::TIME], SortMultipleOptions::default().with_maintain_order(true))
            .collect()
            .map_err(polars_err("read the store"))
    }
}

/// Rows of participant `p` or of one of `sessions`.
pub fn subject_filter(p: &str, sessions: &std::collections::BTreeSet<String>) -> Expr {
    let list: Vec<&str> = sessions.iter().map(String::as_str).collect();
    col(columns::PARTICIPANT)
        .eq(lit(p))
        .or(col(columns::SESSION).is_in(lit(Series::new("sessions".into(), list)).implode(false), false))
}
