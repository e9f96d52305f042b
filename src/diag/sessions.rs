//! The `sessions` table: one row per participant session (BBB user id, `s_`) and day, defined
//! by [`view`] over the store's events, and kept per store day beside the store:
//!
//! ```text
//! GEN/sessions/date=YYYY-MM-DD/<fingerprint>.parquet
//! ```
//!
//! Grouping every event of every session is the one costly step of the diagnostics (9.9 M events
//! of five days take 2–3 s on two cores, benches/README.md), so the nightly run computes each
//! new day's sessions once ([`write_missing`]) and `confstats query` reads them. The file is
//! named after the store files it summarises (a hash of their names and sizes): a store day that
//! changed since — an erasure, a re-run — never answers from an old summary, and `query` computes
//! the view from the events instead whenever a day's file is missing or does not match
//! ([`precomputed`]). An erasure rewrites the sessions of the days it touched.
//!
//! The table holds what the store holds — pseudonyms and generalised values — and nothing else;
//! it is kept, audited, published and purged with its store day.

use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use confstats_anonymize::columns as c;
use polars::prelude::*;

use super::query::{ERROR_KINDS, kinds};
use super::{DATE, polars_err, scan_files, store_files};
use crate::run::layout;

/// The directory of the precomputed tables in a generation (beside `store/`).
pub const DIR: &str = "sessions";

/// The `sessions` view over `events` (with their [`DATE`] column): one row per session and day.
/// `leave_time` is the logged leave; a session without one ends at its conference's end
/// (DESIGN.md: the meeting-end event, else the last leave), which `end_time` and `duration_s`
/// use.
pub fn view(events: LazyFrame) -> LazyFrame {
    let joined = col(c::KIND).eq(lit("participant_joined"));
    let left = col(c::KIND).eq(lit("participant_left"));
    // Fast group aggregations only (no expression evaluated per group): the first value logged
    // for the session, and the times of some kinds as `when kind then time` columns reduced by
    // min or max.
    let first = |name: &str| col(name).first_non_null().alias(name);
    let utc = DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
    let time_if = |cond: Expr| when(cond).then(col(c::TIME)).otherwise(lit(NULL).cast(utc.clone()));
    let ended = time_if(col(c::KIND).eq(lit("meeting_ended"))).min();
    let conferences = events
        .clone()
        .filter(col(c::MEETING).is_not_null())
        .group_by([col(DATE), col(c::MEETING)])
        .agg([coalesce(&[ended, time_if(left.clone()).max()]).alias("__conference_end")]);
    let micros = |name: &str| col(name).cast(DataType::Int64);
    events
        .filter(col(c::SESSION).is_not_null())
        .group_by([col(DATE), col(c::SESSION)])
        .agg([
            first(c::PARTICIPANT),
            first(c::MEETING),
            first(c::ROOM),
            first(c::SCHOOL),
            first(c::SERVER),
            first(c::ROLE),
            first(c::CLIENT_TYPE),
            first(c::AUDIO_MODE),
            first(c::BROWSER),
            first(c::BROWSER_MAJOR),
            first(c::OS),
            first(c::DEVICE),
            first(c::IP_VERSION),
            first(c::NETWORK),
            time_if(joined.clone()).min().alias("join_time"),
            time_if(left.clone()).max().alias("leave_time"),
            joined.cast(DataType::UInt32).sum().alias("joins"),
            left.cast(DataType::UInt32).sum().alias("leaves"),
            len().alias("events"),
            kinds(&ERROR_KINDS).cast(DataType::UInt32).sum().alias("errors"),
        ])
        .join(conferences, [col(DATE), col(c::MEETING)], [col(DATE), col(c::MEETING)], JoinArgs::new(JoinType::Left))
        .with_column(coalesce(&[col("leave_time"), col("__conference_end")]).alias("end_time"))
        // Microseconds (the store's unit) to whole seconds, without polars' duration type.
        .with_column(((micros("end_time") - micros("join_time")) / lit(1_000_000i64)).alias("duration_s"))
        .drop(cols(["__conference_end"]))
}

/// The name of the table that summarises `files` (one store day's Parquet files): a hash of
/// their names and sizes, so that it changes with any of them.
// An unkeyed hash is banned for personal values (clippy.toml); this one hashes file names of
// the store (`<server>-<part>.parquet`) and sizes only.
#[allow(clippy::disallowed_methods)]
fn fingerprint(files: &[PathBuf]) -> io::Result<String> {
    let mut sorted: Vec<&PathBuf> = files.iter().collect();
    sorted.sort();
    let mut h = blake3::Hasher::new();
    for f in sorted {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        h.update(name.as_bytes());
        h.update(&[0]);
        h.update(&std::fs::metadata(f)?.len().to_le_bytes());
    }
    Ok(format!("{}.parquet", &h.finalize().to_hex()[..32]))
}

/// The directory of one day's table below `root` (a generation).
fn day_dir(root: &Path, date: NaiveDate) -> PathBuf {
    root.join(DIR).join(format!("date={date}"))
}

/// The precomputed table of a store day (`files` below `root`), when one exists that matches
/// those files.
pub fn precomputed(root: &Path, date: NaiveDate, files: &[PathBuf]) -> Option<PathBuf> {
    let path = day_dir(root, date).join(fingerprint(files).ok()?);
    path.is_file().then_some(path)
}

/// Computes the sessions of one store day from its files and writes them below `root`,
/// replacing whatever table the day had. Returns the number of sessions. `files` is not empty.
///
/// A session's events are all on its conference's server, so the day is computed one server at
/// a time (the files of one [`confstats_anonymize::server_of_file`]): the nightly run's memory
/// stays that of one server's sessions. Files of another name shape are computed together.
pub fn write_day(root: &Path, date: NaiveDate, files: &[PathBuf]) -> Result<u64> {
    let mut by_server: std::collections::BTreeMap<Option<&str>, Vec<PathBuf>> = Default::default();
    for f in files {
        let server = f.file_name().and_then(|n| n.to_str()).and_then(confstats_anonymize::server_of_file);
        by_server.entry(server).or_default().push(f.clone());
    }
    let mut parts = Vec::new();
    for group in by_server.values() {
        parts.push(view(scan_files(group, date)?).collect().map_err(polars_err("compute the sessions"))?);
    }
    let mut df = concat(parts.into_iter().map(IntoLazy::lazy).collect::<Vec<_>>(), UnionArgs::default())
        .and_then(|lf| {
            lf.sort(["join_time", c::SESSION], SortMultipleOptions::default().with_nulls_last(true)).collect()
        })
        .map_err(polars_err("compute the sessions"))?;
    let dir = day_dir(root, date);
    layout::remove_any(&dir).with_context(|| format!("cannot replace {}", dir.display()))?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let target = dir.join(fingerprint(files).context("cannot read the store day")?);
    let staged = dir.join(".sessions.parquet.tmp");
    let file = std::fs::File::create(&staged).with_context(|| format!("cannot write {}", staged.display()))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(polars_err("write the sessions"))?;
    std::fs::rename(&staged, &target).with_context(|| format!("cannot write {}", target.display()))?;
    Ok(df.height() as u64)
}

/// Writes the table of every store day below `root` that has none matching its files, and
/// removes the tables of days no longer in the store. Returns the days written and their
/// sessions.
pub fn write_missing(root: &Path) -> Result<(Vec<NaiveDate>, u64)> {
    let store = root.join("store");
    let mut days = Vec::new();
    let mut sessions = 0;
    for entry in layout::read_dir_if_exists(&store).with_context(|| format!("cannot list {}", store.display()))? {
        let entry = entry.with_context(|| format!("cannot list {}", store.display()))?;
        let Some(date) = layout::partition_date(&entry.file_name().to_string_lossy()) else { continue };
        let files = store_files(&entry.path()).with_context(|| format!("cannot list {}", entry.path().display()))?;
        if !files.is_empty() && precomputed(root, date, &files).is_none() {
            sessions += write_day(root, date, &files)?;
            days.push(date);
        }
    }
    for entry in layout::read_dir_if_exists(&root.join(DIR))? {
        let entry = entry?;
        let stale = layout::partition_date(&entry.file_name().to_string_lossy())
            .is_none_or(|d| !store.join(format!("date={d}")).is_dir());
        if stale {
            layout::remove_any(&entry.path()).with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    days.sort();
    Ok((days, sessions))
}
