//! `confstats aggregate`: the pseudonymised store → suppressed statistics under `DATA/stats/`.
//!
//! Each local date of the store (`DATA/store/date=D/`) is aggregated on its own (events belong
//! to the day of their conference's first join, so a day is complete in its partition), every
//! table passes through [`crate::suppress`], and only the released tables are written, one
//! Parquet file per table and date, staged and renamed into place so that a crash never leaves a
//! half file and re-running a date replaces its statistics.
//!
//! A date is read in chunks of schools, each in one streaming pass over the date's files, so the
//! memory of an aggregation follows the chunk size rather than the day (see the `day` module).

mod day;
mod fleet;
mod hours;
mod model;
mod scan;

pub use hours::SchoolHours;

use crate::error::{Error, PolarsContext, Result};
use crate::suppress::{K, PRIMARY, Released, suppress};
use crate::tables::{self, K_KEY, SCHEMA_VERSION_KEY, STATS_SCHEMA_VERSION, col};
use chrono::NaiveDate;
use chrono_tz::Tz;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

/// Settings of an aggregation run. Holds no personal data.
#[derive(Debug, Clone)]
pub struct AggregateOptions {
    /// Suppression threshold.
    pub k: K,
    /// Local time zone of dates, hours and weekdays.
    pub time_zone: Tz,
    /// School hours (for the share of use outside them).
    pub school_hours: SchoolHours,
    /// Dates to aggregate; empty: every date in the store.
    pub dates: Vec<NaiveDate>,
}

impl Default for AggregateOptions {
    fn default() -> Self {
        Self {
            k: K::default(),
            time_zone: chrono_tz::Europe::Berlin,
            school_hours: SchoolHours::default(),
            dates: vec![],
        }
    }
}

/// What an aggregation did: dates, store rows read, rows and suppressed cells per table.
///
/// Holds no personal data.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AggregateSummary {
    /// The dates aggregated.
    pub dates: Vec<NaiveDate>,
    /// Store rows read.
    pub events: u64,
    /// Per table, in [`tables::ALL`] order.
    pub tables: Vec<TableSummary>,
}

/// Rows and suppressed cells written for one table. Holds no personal data.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableSummary {
    /// Table name.
    pub table: &'static str,
    /// Rows written (released and suppressed cells).
    pub rows: u64,
    /// Cells suppressed because fewer than k participants contributed.
    pub primary: u64,
    /// Cells suppressed to protect another cell.
    pub secondary: u64,
}

/// The settings a statistics directory was written with, `DATA/stats/stats.json`.
///
/// Holds no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsInfo {
    /// [`STATS_SCHEMA_VERSION`].
    pub schema_version: String,
    /// The suppression threshold.
    pub k: u32,
    /// The local time zone.
    pub time_zone: String,
    /// School hours.
    pub school_hours: SchoolHoursInfo,
    /// `confstats <version>`.
    #[serde(default)]
    pub generated_by: String,
}

/// School hours as written to `stats.json`. Holds no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolHoursInfo {
    /// ISO weekdays, 1 = Monday.
    pub weekdays: Vec<u32>,
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM`.
    pub end: String,
    /// Holidays.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}

/// The store partitions (`DATA/store/date=D/`) with their Parquet files, oldest first.
pub fn store_dates(data: &Path) -> Result<Vec<(NaiveDate, Vec<PathBuf>)>> {
    let store = data.join("store");
    let entries = match fs::read_dir(&store) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(source) => return Err(Error::Io { path: store, source }),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io { path: store.clone(), source })?;
        let name = entry.file_name();
        let Some(date) = name.to_str().and_then(|n| n.strip_prefix("date=")).and_then(|d| d.parse::<NaiveDate>().ok())
        else {
            continue;
        };
        let dir = entry.path();
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .map_err(|source| Error::Io { path: dir.clone(), source })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect();
        files.sort();
        if !files.is_empty() {
            out.push((date, files));
        }
    }
    out.sort();
    Ok(out)
}

/// Aggregates the store under `data` into `data/stats/` (see the module docs).
///
/// `progress` is called after each date with the date and the number of dates.
pub fn aggregate(
    data: &Path,
    opts: &AggregateOptions,
    mut progress: impl FnMut(NaiveDate, usize),
) -> Result<AggregateSummary> {
    let mut dates = store_dates(data)?;
    if !opts.dates.is_empty() {
        let missing: Vec<String> =
            opts.dates.iter().filter(|d| !dates.iter().any(|(x, _)| x == *d)).map(|d| d.to_string()).collect();
        if !missing.is_empty() {
            return Err(Error::NoData(format!(
                "the store {} has no events for {}",
                data.join("store").display(),
                missing.join(", ")
            )));
        }
        dates.retain(|(d, _)| opts.dates.contains(d));
    }
    if dates.is_empty() {
        return Err(Error::NoData(format!(
            "the store {} is empty: run `confstats anonymize` first",
            data.join("store").display()
        )));
    }
    let mut summary = AggregateSummary {
        tables: tables::ALL.iter().map(|t| TableSummary { table: t.name, ..TableSummary::default() }).collect(),
        ..AggregateSummary::default()
    };
    let stats = data.join("stats");
    let staging = data.join(".staging").join(format!("stats-{}", std::process::id()));
    let total = dates.len();
    for (date, files) in &dates {
        let day =
            day::aggregate_day(&day::DayInput { date: *date, files, tz: opts.time_zone, hours: &opts.school_hours })?;
        summary.events += day.events;
        for (aggregate, sum) in day.tables.into_iter().zip(summary.tables.iter_mut()) {
            let released = suppress(aggregate, opts.k)?;
            let (primary, secondary) = count_suppressed(&released)?;
            sum.rows += released.height() as u64;
            sum.primary += primary;
            sum.secondary += secondary;
            write_released(&stats, &staging, *date, &released)?;
        }
        summary.dates.push(*date);
        progress(*date, total);
    }
    let _ = fs::remove_dir_all(&staging);
    write_info(&stats, opts)?;
    Ok(summary)
}

fn count_suppressed(r: &Released) -> Result<(u64, u64)> {
    let flags = r.frame().column(col::SUPPRESSED).ctx(r.spec().name)?.str().ctx(r.spec().name)?;
    let (mut p, mut s) = (0, 0);
    for f in flags.iter().flatten() {
        if f == PRIMARY {
            p += 1;
        } else {
            s += 1;
        }
    }
    Ok((p, s))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// Writes one released table of one date: staged, then renamed over the published file.
fn write_released(stats: &Path, staging: &Path, date: NaiveDate, table: &Released) -> Result<()> {
    let name = table.spec().name;
    let dir = stats.join(name).join(format!("date={date}"));
    let target = dir.join("part-0.parquet");
    if table.height() == 0 {
        // A re-run that finds nothing for this table replaces the old file by nothing.
        return match fs::remove_file(&target) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Io { path: target, source: e }),
            _ => Ok(()),
        };
    }
    fs::create_dir_all(staging).map_err(io(staging))?;
    fs::create_dir_all(&dir).map_err(io(&dir))?;
    let staged = staging.join(format!("{name}-{date}.parquet"));
    let mut df = table.frame().drop(col::DATE).ctx(name)?;
    let file = fs::File::create(&staged).map_err(io(&staged))?;
    let metadata = KeyValueMetadata::from_static(vec![
        (SCHEMA_VERSION_KEY.to_owned(), STATS_SCHEMA_VERSION.to_owned()),
        (K_KEY.to_owned(), table.k().get().to_string()),
    ]);
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(metadata))
        .finish(&mut df)
        .ctx(staged.display())?;
    fs::rename(&staged, &target).map_err(io(&target))?;
    Ok(())
}

fn write_info(stats: &Path, opts: &AggregateOptions) -> Result<()> {
    let h = &opts.school_hours;
    let info = StatsInfo {
        schema_version: STATS_SCHEMA_VERSION.to_owned(),
        k: opts.k.get(),
        time_zone: opts.time_zone.name().to_owned(),
        school_hours: SchoolHoursInfo {
            weekdays: h.weekdays.iter().map(|d| d.number_from_monday()).collect(),
            start: h.start.format("%H:%M").to_string(),
            end: h.end.format("%H:%M").to_string(),
            holidays: h.holidays.iter().copied().collect(),
        },
        generated_by: format!("confstats {}", env!("CARGO_PKG_VERSION")),
    };
    fs::create_dir_all(stats).map_err(io(stats))?;
    let path = stats.join("stats.json");
    let tmp = stats.join(".stats.json.tmp");
    let text =
        serde_json::to_string_pretty(&info).map_err(|e| Error::Internal(format!("cannot encode stats.json: {e}")))?;
    fs::write(&tmp, text + "\n").map_err(io(&tmp))?;
    fs::rename(&tmp, &path).map_err(io(&path))
}
