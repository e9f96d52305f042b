//! Reading the released statistics under `DATA/stats/`.
//!
//! Layout (written by the aggregation step): `stats/stats.json` and, for each table of
//! [`crate::tables::ALL`], `stats/<table>/date=YYYY-MM-DD/*.parquet`. The date lives in the path
//! only; it is added here as a `date` column. A missing table directory or day means "no rows".

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use crate::error::{Error, PolarsContext, Result};
use crate::tables::{self, TableSpec, col};

/// Directory of the statistics below the data directory.
pub(crate) const STATS_DIR: &str = "stats";
/// The statistics' description file.
pub(crate) const STATS_INFO_FILE: &str = "stats.json";
/// Prefix of a hive partition directory.
const DATE_PREFIX: &str = "date=";

pub(crate) use crate::aggregate::{SchoolHoursInfo as SchoolHours, StatsInfo};

/// The statistics directory: its description and the dates that have statistics.
#[derive(Debug, Clone)]
pub(crate) struct StatsDir {
    root: PathBuf,
    /// Contents of `stats.json`.
    pub info: StatsInfo,
    /// Every date with a partition in any table.
    pub dates: BTreeSet<NaiveDate>,
}

fn no_statistics(root: &Path) -> Error {
    Error::NoData(format!("no statistics in {}: run `confstats aggregate` (or `confstats run`) first", root.display()))
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

impl StatsDir {
    /// Opens `data_dir/stats`, reads `stats.json` and lists the dates with statistics.
    pub(crate) fn open(data_dir: &Path) -> Result<Self> {
        let root = data_dir.join(STATS_DIR);
        let info_path = root.join(STATS_INFO_FILE);
        let text = match fs::read_to_string(&info_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(no_statistics(&root)),
            Err(e) => return Err(io_error(&info_path)(e)),
        };
        let info: StatsInfo = serde_json::from_str(&text).map_err(|e| Error::Config {
            field: "stats.json",
            reason: format!("{} is not valid: {e}", info_path.display()),
        })?;
        if info.schema_version != tables::STATS_SCHEMA_VERSION {
            return Err(Error::SchemaVersion {
                path: info_path,
                found: info.schema_version,
                expected: tables::STATS_SCHEMA_VERSION,
            });
        }
        let mut dates = BTreeSet::new();
        for spec in tables::ALL {
            for (date, _) in partitions(&root.join(spec.name))? {
                dates.insert(date);
            }
        }
        if dates.is_empty() {
            return Err(no_statistics(&root));
        }
        Ok(StatsDir { root, info, dates })
    }

    /// The latest date with statistics.
    pub(crate) fn latest(&self) -> NaiveDate {
        // `open` refuses an empty set.
        self.dates.last().copied().unwrap_or_default()
    }

    /// Whether any table has statistics for a day in `[from, to]`.
    pub(crate) fn has_dates(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.dates.range(from..=to).next().is_some()
    }

    /// Reads every table for the days `[from, to]`.
    pub(crate) fn load(&self, from: NaiveDate, to: NaiveDate) -> Result<Tables> {
        let read = |spec: &TableSpec| self.read_table(spec, from, to);
        Ok(Tables {
            daily: read(&tables::DAILY_USAGE)?,
            hourly: read(&tables::USAGE_BY_HOUR)?,
            clients: read(&tables::USAGE_BY_CLIENT)?,
            media: read(&tables::MEDIA_USE)?,
            buckets: read(&tables::CONFERENCE_BUCKETS)?,
            errors: read(&tables::ERRORS_BY_CODE)?,
            fleet_hourly: read(&tables::FLEET_HOURLY)?,
            fleet_errors: read(&tables::FLEET_ERRORS)?,
        })
    }

    /// Reads one table's partitions in `[from, to]` into one frame with a `date` column, the
    /// table's keys and figures and `suppressed`, each cast to its documented type.
    fn read_table(&self, spec: &TableSpec, from: NaiveDate, to: NaiveDate) -> Result<DataFrame> {
        let dir = self.root.join(spec.name);
        let columns = columns(spec);
        let mut frames = Vec::new();
        for (date, files) in partitions(&dir)? {
            if date < from || date > to {
                continue;
            }
            for file in files {
                frames.push(scan_file(&file, date, &columns)?);
            }
        }
        if frames.is_empty() {
            let schema: Schema = columns.iter().map(|c| Field::new((*c).into(), tables::polars_dtype(c))).collect();
            return Ok(DataFrame::empty_with_schema(&schema));
        }
        concat(frames, UnionArgs::default()).and_then(LazyFrame::collect).ctx(dir.display())
    }
}

/// The columns read from a table: `date`, the other keys, the figures, `suppressed`.
fn columns(spec: &TableSpec) -> Vec<&'static str> {
    let mut columns: Vec<&'static str> = spec.keys.to_vec();
    for figure in spec.figures {
        if !columns.contains(figure) {
            columns.push(figure);
        }
    }
    columns.push(col::SUPPRESSED);
    columns
}

/// One partition file as a lazy frame with the date added and every column cast.
fn scan_file(file: &Path, date: NaiveDate, columns: &[&'static str]) -> Result<LazyFrame> {
    let what = file.display();
    let path = PlRefPath::try_from_path(file).ctx(&what)?;
    let mut lf = LazyFrame::scan_parquet(path, ScanArgsParquet::default()).ctx(&what)?;
    let schema = lf.collect_schema().ctx(&what)?;
    let mut exprs = Vec::with_capacity(columns.len());
    for &name in columns {
        let expr = if name == col::DATE {
            date_lit(date)
        } else if schema.contains(name) {
            polars::prelude::col(name).cast(tables::polars_dtype(name))
        } else if name == col::SUPPRESSED {
            // A file without the flag has released cells only.
            lit(NULL).cast(DataType::String)
        } else {
            return Err(Error::Polars { what: what.to_string(), source: PolarsError::ColumnNotFound(name.into()) });
        };
        exprs.push(expr.alias(name));
    }
    Ok(lf.select(exprs))
}

/// A date literal of type `Date` (polars makes a plain `lit(NaiveDate)` a datetime).
pub(crate) fn date_lit(date: NaiveDate) -> Expr {
    lit(date).cast(DataType::Date)
}

/// The partitions of a table directory, by date, each with its Parquet files (sorted). A missing
/// directory has none; entries that are not `date=YYYY-MM-DD` directories are ignored.
fn partitions(dir: &Path) -> Result<Vec<(NaiveDate, Vec<PathBuf>)>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(dir)(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name();
        let Some(date) = name
            .to_str()
            .and_then(|n| n.strip_prefix(DATE_PREFIX))
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            continue;
        };
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let mut files = Vec::new();
        for file in fs::read_dir(&path).map_err(io_error(&path))? {
            let file = file.map_err(io_error(&path))?.path();
            if file.extension().is_some_and(|e| e == "parquet") && file.is_file() {
                files.push(file);
            }
        }
        files.sort();
        if !files.is_empty() {
            out.push((date, files));
        }
    }
    out.sort_by_key(|(date, _)| *date);
    Ok(out)
}

/// Every statistics table for the days needed (the period and the previous period).
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    /// `daily_usage`.
    pub daily: DataFrame,
    /// `usage_by_hour`.
    pub hourly: DataFrame,
    /// `usage_by_client`.
    pub clients: DataFrame,
    /// `media_use`.
    pub media: DataFrame,
    /// `conference_buckets`.
    pub buckets: DataFrame,
    /// `errors`.
    pub errors: DataFrame,
    /// `fleet_hourly`.
    pub fleet_hourly: DataFrame,
    /// `fleet_errors`.
    pub fleet_errors: DataFrame,
}

impl Tables {
    /// The school-level tables with their names (for the data-quality counts).
    pub(crate) fn school_tables(&self) -> [(&'static str, &DataFrame); 6] {
        [
            (tables::DAILY_USAGE.name, &self.daily),
            (tables::USAGE_BY_HOUR.name, &self.hourly),
            (tables::USAGE_BY_CLIENT.name, &self.clients),
            (tables::MEDIA_USE.name, &self.media),
            (tables::CONFERENCE_BUCKETS.name, &self.buckets),
            (tables::ERRORS_BY_CODE.name, &self.errors),
        ]
    }

    /// The fleet tables with their names.
    pub(crate) fn fleet_tables(&self) -> [(&'static str, &DataFrame); 2] {
        [(tables::FLEET_HOURLY.name, &self.fleet_hourly), (tables::FLEET_ERRORS.name, &self.fleet_errors)]
    }

    /// The school-level tables with their names, mutable, in the order of
    /// [`Tables::school_tables`].
    fn school_tables_mut(&mut self) -> [(&'static str, &mut DataFrame); 6] {
        [
            (tables::DAILY_USAGE.name, &mut self.daily),
            (tables::USAGE_BY_HOUR.name, &mut self.hourly),
            (tables::USAGE_BY_CLIENT.name, &mut self.clients),
            (tables::MEDIA_USE.name, &mut self.media),
            (tables::CONFERENCE_BUCKETS.name, &mut self.buckets),
            (tables::ERRORS_BY_CODE.name, &mut self.errors),
        ]
    }

    /// The school-level tables with the same columns and no rows; the fleet tables whole (a
    /// clone shares their data).
    fn without_school_rows(&self) -> Tables {
        let mut tables = self.clone();
        for (_, df) in tables.school_tables_mut() {
            *df = df.clear();
        }
        tables
    }

    /// Where each school's rows are in the school-level tables, to build each school's own tables
    /// ([`SchoolRows::tables`]) one at a time.
    ///
    /// A school's report filters its tables by school about 20 times; on the tables of every
    /// school, rendering all reports grew with schools × rows.
    pub(crate) fn school_rows(&self) -> Result<SchoolRows> {
        let mut chunks: [Vec<DataFrame>; 6] = Default::default();
        let mut runs: BTreeMap<String, [Vec<Run>; 6]> = BTreeMap::new();
        for (i, (name, df)) in self.school_tables().into_iter().enumerate() {
            let mut df = df.clone();
            for chunk in df.split_chunks() {
                let chunk = sorted_by_school(chunk).ctx(name)?;
                for (school, start, rows) in school_runs(&chunk).ctx(name)? {
                    let Some(school) = school else { continue };
                    let run = Run { chunk: chunks[i].len(), start, rows };
                    runs.entry(school.to_owned()).or_default()[i].push(run);
                }
                chunks[i].push(chunk);
            }
        }
        Ok(SchoolRows { base: self.without_school_rows(), chunks, runs })
    }
}

/// The rows of one school in one chunk of a table.
#[derive(Debug, Clone, Copy)]
struct Run {
    chunk: usize,
    start: usize,
    rows: usize,
}

/// The school-level tables cut into chunks sorted by school, and where each school's rows are.
/// Holds no personal data: released statistics.
#[derive(Debug, Clone)]
pub(crate) struct SchoolRows {
    /// The tables without school rows, to which a school's rows are added.
    base: Tables,
    /// Per school-level table (in the order of [`Tables::school_tables`]), its chunks.
    chunks: [Vec<DataFrame>; 6],
    /// Per school, per table, its runs of rows.
    runs: BTreeMap<String, [Vec<Run>; 6]>,
}

impl SchoolRows {
    /// The tables of `school`: its rows of the school-level tables, in their order, and the
    /// fleet tables whole; `None` for a school without rows.
    ///
    /// Built from zero-copy slices, one per chunk of a table (normally one Parquet file), so
    /// that the school's frames have the chunks a filter by school would give: polars sums a
    /// float column chunk by chunk, and the reports' sums of minutes must stay the same to the
    /// last bit.
    pub(crate) fn tables(&self, school: &str) -> Result<Option<Tables>> {
        let Some(runs) = self.runs.get(school) else { return Ok(None) };
        let mut out = self.base.clone();
        for (i, (name, frame)) in out.school_tables_mut().into_iter().enumerate() {
            for run in &runs[i] {
                let offset = i64::try_from(run.start).unwrap_or(i64::MAX);
                let rows = self.chunks[i][run.chunk].slice(offset, run.rows);
                frame.vstack_mut_owned(rows).ctx(name)?;
            }
        }
        Ok(Some(out))
    }
}

/// `chunk` itself when each school's rows are contiguous in it (the statistics files are sorted
/// by date and school), else sorted by school (stable, a copy).
fn sorted_by_school(chunk: DataFrame) -> PolarsResult<DataFrame> {
    let runs = school_runs(&chunk)?;
    let schools: BTreeSet<Option<&str>> = runs.iter().map(|(school, ..)| *school).collect();
    if schools.len() == runs.len() {
        return Ok(chunk);
    }
    chunk.sort([col::SCHOOL], SortMultipleOptions::default().with_maintain_order(true))
}

/// Runs of equal schools in `df`: (school, first row, rows).
fn school_runs(df: &DataFrame) -> PolarsResult<Vec<(Option<&str>, usize, usize)>> {
    let mut runs: Vec<(Option<&str>, usize, usize)> = Vec::new();
    for school in df.column(col::SCHOOL)?.str()?.iter() {
        match runs.last_mut() {
            Some((run, _, rows)) if *run == school => *rows += 1,
            last => {
                let start = last.map_or(0, |(_, start, rows)| *start + *rows);
                runs.push((school, start, 1));
            }
        }
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(schools: &[Option<&str>], minutes: &[f64]) -> DataFrame {
        df!(col::SCHOOL => schools, col::PARTICIPANT_MINUTES => minutes).unwrap()
    }

    #[test]
    fn a_schools_tables_hold_its_rows_in_order_chunk_by_chunk() {
        // The first chunk is not sorted by school, the second is (as the statistics files are).
        let mut df = chunk(&[Some("b"), Some("a"), None, Some("b")], &[1.0, 2.0, 3.0, 4.0]);
        df.vstack_mut_owned(chunk(&[Some("a"), Some("b"), Some("b")], &[5.0, 6.0, 7.0])).unwrap();
        assert_eq!(df.first_col_n_chunks(), 2);
        let tables = Tables {
            daily: df.clone(),
            hourly: df.clone(),
            clients: df.clone(),
            media: df.clone(),
            buckets: df.clone(),
            errors: df,
            fleet_hourly: DataFrame::empty(),
            fleet_errors: DataFrame::empty(),
        };

        let rows = tables.school_rows().unwrap();
        assert!(rows.tables("c").unwrap().is_none());
        let minutes = |school: &str| -> Vec<f64> {
            let own = rows.tables(school).unwrap().unwrap();
            // One chunk per chunk of the table with rows of the school, as a filter would give.
            assert_eq!(own.errors.first_col_n_chunks(), 2);
            let column = own.errors.column(col::PARTICIPANT_MINUTES).unwrap();
            column.f64().unwrap().into_no_null_iter().collect()
        };
        assert_eq!(minutes("a"), [2.0, 5.0]);
        assert_eq!(minutes("b"), [1.0, 4.0, 6.0, 7.0]);
    }
}
