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
use super::{DATE, polars_err, scan_files};
use crate::run::layout;

/// The directory of the precomputed tables in a generation (beside `store/`).
pub const DIR: &str = "sessions";

/// The `sessions` view over `events` (with their [`DATE`] column): one row per session and day.
/// `leave_time` is the logged leave; a session without one ends at its conference's end
/// (DESIGN.md: the meeting-end event, else the last leave), which `end_time` and `duration_s`
/// use.
pub fn view(events: LazyFrame) -> LazyFrame {
    let ends = conference_ends(events.clone());
    sessions_of(events, col(c::SESSION).is_not_null(), ends)
}

/// A `when cond then time` column: `time` where `cond` holds, else null.
fn time_if(cond: Expr) -> Expr {
    let utc = DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
    when(cond).then(col(c::TIME)).otherwise(lit(NULL).cast(utc))
}

fn joined() -> Expr {
    col(c::KIND).eq(lit("participant_joined"))
}

fn left() -> Expr {
    col(c::KIND).eq(lit("participant_left"))
}

/// The end of each conference (date, meeting): its meeting-end event, else its last leave.
fn conference_ends(events: LazyFrame) -> LazyFrame {
    let ended = time_if(col(c::KIND).eq(lit("meeting_ended"))).min();
    events.filter(col(c::MEETING).is_not_null()).group_by([col(DATE), col(c::MEETING)]).agg([coalesce(&[
        ended,
        time_if(left()).max(),
    ])
    .alias("__conference_end")])
}

/// The sessions of the events that `only` selects (rows with a session; all rows of a session
/// must be selected together), ended by the conference ends `ends`.
fn sessions_of(events: LazyFrame, only: Expr, ends: LazyFrame) -> LazyFrame {
    // Fast group aggregations only (no expression evaluated per group): the first value logged
    // for the session, and the times of some kinds as `when kind then time` columns reduced by
    // min or max.
    let first = |name: &str| col(name).first_non_null().alias(name);
    let micros = |name: &str| col(name).cast(DataType::Int64);
    events
        .filter(only)
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
            time_if(joined()).min().alias("join_time"),
            time_if(left()).max().alias("leave_time"),
            joined().cast(DataType::UInt32).sum().alias("joins"),
            left().cast(DataType::UInt32).sum().alias("leaves"),
            len().alias("events"),
            kinds(&ERROR_KINDS).cast(DataType::UInt32).sum().alias("errors"),
        ])
        .join(ends, [col(DATE), col(c::MEETING)], [col(DATE), col(c::MEETING)], JoinArgs::new(JoinType::Left))
        .with_column(coalesce(&[col("leave_time"), col("__conference_end")]).alias("end_time"))
        // Microseconds (the store's unit) to whole seconds, without polars' duration type.
        .with_column(((micros("end_time") - micros("join_time")) / lit(1_000_000i64)).alias("duration_s"))
        .drop(cols(["__conference_end"]))
}

/// The events of a server read per pass when its sessions are computed: a pass decodes every
/// row's session pseudonym but the other columns only of its own sessions, so the memory of a
/// pass follows this number, not the server's size (a 2 M-event day of 8 servers, 4–8 passes
/// each: process peak 144–156 MB, against 207–248 MB in one pass per server).
const EVENTS_PER_PASS: u64 = 64 * 1024;

/// The filter of pass `pass` of `passes` (a power of two ≤ 16): the sessions whose pseudonym's
/// first hex digit (after `s_`) falls in the pass's share of the 16 digits — pseudonyms are keyed
/// hashes, so the passes are of even size — and in the last pass every other session too, so
/// that each session is in exactly one pass whatever its value.
fn pass_filter(pass: u32, passes: u32) -> Expr {
    let per = 16 / passes;
    let digits = |passes: std::ops::Range<u32>| -> Expr {
        let list: Vec<String> = (passes.start * per..passes.end * per).map(|d| format!("{d:x}")).collect();
        col(c::SESSION).str().slice(lit(2), lit(1)).is_in(lit(Series::new("digits".into(), list)).implode(false), false)
    };
    let session = col(c::SESSION).is_not_null();
    if pass + 1 < passes { session.and(digits(pass..pass + 1)) } else { session.and(digits(0..pass).not()) }
}

/// The version of the table's definition ([`view`]), part of its file name: a change of the
/// view bumps it, and tables of the old definition no longer match (`query` computes the view
/// until the next run writes them anew).
const TABLE_VERSION: &[u8] = b"sessions v1\0";

/// The name of the table that summarises `files` (one store day's Parquet files): a hash of
/// their names and sizes, so that it changes with any of them.
// An unkeyed hash is banned for personal values (clippy.toml); this one hashes file names of
// the store (`<server>-<part>.parquet`) and sizes only.
#[allow(clippy::disallowed_methods)]
fn fingerprint(files: &[PathBuf]) -> io::Result<String> {
    let mut sorted: Vec<&PathBuf> = files.iter().collect();
    sorted.sort();
    let mut h = blake3::Hasher::new();
    h.update(TABLE_VERSION);
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
/// a time (the files of one [`confstats_anonymize::server_of_file`]; files of another name
/// shape together), and a server's sessions in passes of about `events_per_pass` events
/// ([`pass_filter`]) after its conferences' ends. Each pass's sessions are written as they come,
/// ordered by join time, so the nightly run holds one pass's sessions, never the day's (a
/// 2 M-event day: 2.0–2.6 s at a process peak of 144–156 MB; in one pass per server 1.4–1.9 s
/// and 207–248 MB).
fn write_day(root: &Path, date: NaiveDate, files: &[PathBuf], name: &str, events_per_pass: u64) -> Result<u64> {
    let mut by_server: std::collections::BTreeMap<Option<&str>, Vec<PathBuf>> = Default::default();
    for f in files {
        let server = f.file_name().and_then(|n| n.to_str()).and_then(confstats_anonymize::server_of_file);
        by_server.entry(server).or_default().push(f.clone());
    }
    let dir = day_dir(root, date);
    layout::remove_any(&dir).with_context(|| format!("cannot replace {}", dir.display()))?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let target = dir.join(name);
    let staged = dir.join(".sessions.parquet.tmp");
    let mut writer = None;
    let mut rows = 0;
    for group in by_server.values() {
        let events = scan_files(group, date)?;
        let n = super::count(events.clone())?;
        let passes = n.div_ceil(events_per_pass).clamp(1, 16).next_power_of_two() as u32;
        let ends = super::collect(conference_ends(events.clone())).map_err(polars_err("compute the sessions"))?;
        for pass in 0..passes {
            let sorted = sessions_of(events.clone(), pass_filter(pass, passes), ends.clone().lazy())
                .sort(["join_time", c::SESSION], SortMultipleOptions::default().with_nulls_last(true));
            let df = super::collect(sorted).map_err(polars_err("compute the sessions"))?;
            let writer = match &mut writer {
                Some(w) => w,
                None => {
                    let file =
                        std::fs::File::create(&staged).with_context(|| format!("cannot write {}", staged.display()))?;
                    writer.insert(
                        ParquetWriter::new(file)
                            .with_compression(ParquetCompression::Zstd(None))
                            .batched(df.schema())
                            .map_err(polars_err("write the sessions"))?,
                    )
                }
            };
            writer.write_batch(&df).map_err(polars_err("write the sessions"))?;
            rows += df.height() as u64;
        }
    }
    let writer = writer.context("a store day without files")?;
    writer.finish().map_err(polars_err("write the sessions"))?;
    std::fs::rename(&staged, &target).with_context(|| format!("cannot write {}", target.display()))?;
    Ok(rows)
}

/// Writes the table of every store day below `root` that has none matching its files, and
/// removes the tables of days no longer in the store. Returns the days written and their
/// sessions.
pub fn write_missing(root: &Path) -> Result<(Vec<NaiveDate>, u64)> {
    let store = confstats_report::store_dates(root)?;
    let mut days = Vec::new();
    let mut sessions = 0;
    for (date, files) in &store {
        let name = fingerprint(files).context("cannot read the store day")?;
        if !day_dir(root, *date).join(&name).is_file() {
            sessions += write_day(root, *date, files, &name, EVENTS_PER_PASS)?;
            days.push(*date);
        }
    }
    for entry in layout::read_dir_if_exists(&root.join(DIR))? {
        let entry = entry?;
        let date = layout::partition_date(&entry.file_name().to_string_lossy());
        if !date.is_some_and(|d| store.iter().any(|(s, _)| *s == d)) {
            layout::remove_any(&entry.path()).with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    Ok((days, sessions))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events of three conferences: sessions whose pseudonyms start with every hex digit and one
    /// that is not hex, a meeting that ends with a meeting-end event and one that ends with its
    /// last leave, repeated joins, errors, and lines without a session.
    fn events() -> DataFrame {
        let mut rows: Vec<(String, Option<String>, &str, i64)> = Vec::new();
        let sessions: Vec<String> =
            (0..16).map(|d| format!("s_{d:x}{}", "0".repeat(31))).chain(["s_zz".to_owned()]).collect();
        for (i, s) in sessions.iter().enumerate() {
            let meeting = format!("m_{}", i % 3);
            let t = 1_000_000 * i as i64;
            rows.push((meeting.clone(), Some(s.clone()), "participant_joined", t));
            rows.push((meeting.clone(), Some(s.clone()), "audio_failed", t + 5));
            if i % 2 == 0 {
                rows.push((meeting.clone(), Some(s.clone()), "participant_joined", t + 7));
                rows.push((meeting.clone(), Some(s.clone()), "participant_left", t + 9));
            }
        }
        rows.push(("m_0".to_owned(), None, "meeting_ended", 99_000_000));
        rows.push(("m_1".to_owned(), None, "meeting_created", 0));
        let n = rows.len();
        let mut columns = vec![
            Column::new(c::MEETING.into(), rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>()),
            Column::new(c::SESSION.into(), rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>()),
            Column::new(c::KIND.into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
            Column::new(c::TIME.into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
            Column::new(
                c::PARTICIPANT.into(),
                rows.iter().map(|r| r.1.as_ref().map(|s| s.replace("s_", "p_"))).collect::<Vec<_>>(),
            ),
        ];
        for name in [c::ROOM, c::SCHOOL, c::SERVER, c::ROLE, c::CLIENT_TYPE, c::AUDIO_MODE, c::BROWSER] {
            columns.push(Column::new(name.into(), vec!["x"; n]));
        }
        for name in [c::BROWSER_MAJOR, c::OS, c::DEVICE, c::IP_VERSION, c::NETWORK] {
            columns.push(Column::new(name.into(), vec![None::<&str>; n]));
        }
        DataFrame::new_infer_height(columns)
            .unwrap()
            .lazy()
            .with_column(col(c::TIME).cast(DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))))
            .with_column(lit(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()).cast(DataType::Date).alias(DATE))
            .collect()
            .unwrap()
    }

    fn sorted(lf: LazyFrame) -> DataFrame {
        lf.sort([c::SESSION], SortMultipleOptions::default()).collect().unwrap()
    }

    fn value(df: &DataFrame, session: &str, column: &str) -> String {
        let row = df.clone().lazy().filter(col(c::SESSION).eq(lit(session))).collect().unwrap();
        assert_eq!(row.height(), 1, "{session}");
        row.column(column).unwrap().get(0).unwrap().to_string()
    }

    #[test]
    fn a_day_written_in_many_passes_is_the_view() {
        let dir = tempfile::tempdir().unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let day = dir.path().join("store").join(format!("date={date}"));
        std::fs::create_dir_all(&day).unwrap();
        let file = day.join("bbb1-0.parquet");
        let mut events = events().drop(DATE).unwrap();
        ParquetWriter::new(std::fs::File::create(&file).unwrap()).finish(&mut events).unwrap();
        let files = vec![file];
        // 16 passes of about 4 events, each a row group of the one file.
        let rows = write_day(dir.path(), date, &files, "t.parquet", 4).unwrap();
        assert_eq!(rows, 17);
        let table = day_dir(dir.path(), date).join("t.parquet");
        let written =
            sorted(LazyFrame::scan_parquet(PlRefPath::new(table.to_str().unwrap()), Default::default()).unwrap());
        let expected = sorted(view(scan_files(&files, date).unwrap()));
        assert!(written.equals_missing(&expected), "{written}\n{expected}");
        assert_eq!(std::fs::read_dir(day_dir(dir.path(), date)).unwrap().count(), 1, "no staged file is left");
    }

    #[test]
    fn the_passes_together_give_the_view_for_every_number_of_passes() {
        let events = events();
        let view = sorted(view(events.clone().lazy()));
        assert_eq!(view.height(), 17);
        let ends = conference_ends(events.clone().lazy()).collect().unwrap();
        for passes in [1, 2, 4, 8, 16] {
            let parts: Vec<LazyFrame> = (0..passes)
                .map(|p| sessions_of(events.clone().lazy(), pass_filter(p, passes), ends.clone().lazy()))
                .collect();
            let together = sorted(concat(parts, UnionArgs::default()).unwrap());
            assert!(together.equals_missing(&view), "{passes} passes:\n{together}\n{view}");
        }
        // The view itself: a session of m_0 without a leave ends with the meeting-end event, one
        // of m_1 with the meeting's last leave; a rejoin counts; an error counts.
        let s = |d: &str| format!("s_{d}{}", "0".repeat(31));
        assert_eq!(value(&view, &s("3"), "joins"), "1");
        assert_eq!(value(&view, &s("3"), "errors"), "1");
        assert_eq!(value(&view, &s("3"), "duration_s"), (99 - 3).to_string());
        assert_eq!(
            value(&view, &s("1"), "duration_s"),
            (16 - 1).to_string(),
            "m_1 ends with its last leave (s_zz, at 16 s)"
        );
        assert_eq!(value(&view, &s("2"), "joins"), "2");
        assert_eq!(value(&view, &s("2"), "duration_s"), "0", "joined at 2 s, left at 2 s + 9 µs");
        assert_eq!(value(&view, "s_zz", "participant"), "\"p_zz\"");
    }
}
