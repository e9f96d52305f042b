//! A small statistics directory in the layout the aggregation step writes:
//! `stats/stats.json` and `stats/<table>/date=YYYY-MM-DD/part-0.parquet` (no `date` column in
//! the files), with released and suppressed cells.
//!
//! Days 2026-03-02 (Monday) … 2026-03-13 (Friday), index `i` = 0 … 11:
//! - `iserv-3f2a9c` (school A): released every day except Saturday 03-07 (i = 5) and Tuesday
//!   03-10 (i = 8), which are suppressed (primary); no row on Sunday 03-08 (i = 6).
//! - `iserv-77b01d` (school B): released on weekdays, a small constant school.
//! - `iserv-c0ffee` (school C): three days, all suppressed.
//! - fleet tables for two servers, one server-hour suppressed.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use confstats_report::{TableSpec, col};
use polars::prelude::*;
use tempfile::TempDir;

pub const SCHOOL_A: &str = "iserv-3f2a9c";
pub const SCHOOL_B: &str = "iserv-77b01d";
pub const SCHOOL_C: &str = "iserv-c0ffee";
pub const SERVER_1: &str = "bbb1.provider.example";
pub const SERVER_2: &str = "bbb2.provider.example";
/// A value no figure of the fixture takes; put into suppressed cells by [`Options::sentinel`].
pub const SENTINEL: u32 = 987_654;
/// Days of the fixture.
pub const DAYS: usize = 12;
/// Days of school A whose daily cell is suppressed.
pub const A_SUPPRESSED: [usize; 2] = [5, 8];
/// Day of school A without any row.
pub const A_NO_ROW: usize = 6;

/// What to put into the fixture.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Fill the figures of suppressed cells with [`SENTINEL`] instead of nulls (a renderer must
    /// ignore them all the same).
    pub sentinel: bool,
    /// Add a school whose id contains markup.
    pub odd_school: Option<&'static str>,
}

pub fn day(i: usize) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap() + chrono::Days::new(i as u64)
}

/// School A's released daily figures (the formulas the tests recompute).
pub struct ADay {
    pub conferences: u32,
    pub participants: u32,
    pub participant_minutes: f64,
    pub conference_minutes: f64,
    pub audio_joins: u32,
    pub audio_failures: u32,
}

pub fn a_day(i: usize) -> Option<ADay> {
    if A_SUPPRESSED.contains(&i) || i == A_NO_ROW {
        return None;
    }
    let n = i as u32;
    Some(ADay {
        conferences: 10 + n,
        participants: 50 + 3 * n,
        participant_minutes: 1800.0 + 60.0 * f64::from(n),
        conference_minutes: 400.0 + 10.0 * f64::from(n),
        audio_joins: 20 + 10 * n,
        audio_failures: if i.is_multiple_of(2) { 6 } else { 1 },
    })
}

#[derive(Debug, Clone)]
enum V {
    U(u32),
    F(f64),
    S(String),
    B(bool),
}

type Row = Vec<(&'static str, V)>;

fn u(name: &'static str, v: u32) -> (&'static str, V) {
    (name, V::U(v))
}
fn f(name: &'static str, v: f64) -> (&'static str, V) {
    (name, V::F(v))
}
fn s(name: &'static str, v: &str) -> (&'static str, V) {
    (name, V::S(v.to_owned()))
}
fn b(name: &'static str, v: bool) -> (&'static str, V) {
    (name, V::B(v))
}

/// The documented type of a statistics column (the data dictionary's names).
fn dtype(name: &str) -> DataType {
    match confstats_report::column_type(name) {
        "utf8" => DataType::String,
        "boolean" => DataType::Boolean,
        "float64" => DataType::Float64,
        "uint32" => DataType::UInt32,
        other => panic!("{name}: unexpected type {other}"),
    }
}

/// Collects rows per table and date, then writes the partitions.
#[derive(Default)]
struct Writer {
    tables: BTreeMap<&'static str, (TableSpec, BTreeMap<NaiveDate, Vec<Row>>)>,
    sentinel: bool,
}

impl Writer {
    fn released(&mut self, spec: TableSpec, date: NaiveDate, row: Row) {
        self.tables.entry(spec.name).or_insert_with(|| (spec, BTreeMap::new())).1.entry(date).or_default().push(row);
    }

    /// A suppressed cell: keys (and weekday / outside_school_hours) kept, every figure null (or
    /// the sentinel).
    fn suppressed(&mut self, spec: TableSpec, date: NaiveDate, mut keys: Row, flag: &str, protects: Option<&str>) {
        if self.sentinel {
            for figure in spec.figures {
                if keys.iter().any(|(n, _)| n == figure) {
                    continue;
                }
                let v = match dtype(figure) {
                    DataType::Float64 => V::F(f64::from(SENTINEL)),
                    DataType::Boolean => continue,
                    _ => V::U(SENTINEL),
                };
                keys.push((figure, v));
            }
        }
        keys.push(s(col::SUPPRESSED, flag));
        if let Some(p) = protects {
            keys.push(s(col::PROTECTS, p));
        }
        self.released(spec, date, keys);
    }

    fn write(self, stats: &Path) {
        for (name, (spec, days)) in self.tables {
            for (date, rows) in days {
                let dir = stats.join(name).join(format!("date={date}"));
                fs::create_dir_all(&dir).unwrap();
                let mut names: Vec<&str> = spec.keys.iter().copied().filter(|k| *k != col::DATE).collect();
                for figure in spec.figures {
                    if !names.contains(figure) {
                        names.push(figure);
                    }
                }
                names.extend([col::SUPPRESSED, col::PROTECTS]);
                let columns: Vec<Column> = names
                    .iter()
                    .map(|n| {
                        let values: Vec<AnyValue> = rows
                            .iter()
                            .map(|row| match row.iter().find(|(c, _)| c == n).map(|(_, v)| v) {
                                Some(V::U(x)) => AnyValue::UInt32(*x),
                                Some(V::F(x)) => AnyValue::Float64(*x),
                                Some(V::S(x)) => AnyValue::StringOwned(x.as_str().into()),
                                Some(V::B(x)) => AnyValue::Boolean(*x),
                                None => AnyValue::Null,
                            })
                            .collect();
                        Series::from_any_values_and_dtype((*n).into(), &values, &dtype(n), true).unwrap().into()
                    })
                    .collect();
                let mut df = DataFrame::new(rows.len(), columns).unwrap();
                let file = fs::File::create(dir.join("part-0.parquet")).unwrap();
                // Compressed like the aggregation step's files.
                ParquetWriter::new(file).with_compression(ParquetCompression::Zstd(None)).finish(&mut df).unwrap();
            }
        }
    }
}

pub const STATS_JSON: &str = r#"{"schema_version":"1","k":5,"time_zone":"Europe/Berlin","school_hours":{"weekdays":[1,2,3,4,5],"start":"07:30","end":"16:00","holidays":["2026-12-24"]},"generated_by":"confstats 0.1.0"}"#;

/// Writes the fixture into a new temporary data directory.
pub fn write(opts: Options) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let stats = dir.path().join("stats");
    fs::create_dir_all(&stats).unwrap();
    fs::write(stats.join("stats.json"), STATS_JSON).unwrap();
    let mut w = Writer { sentinel: opts.sentinel, ..Writer::default() };
    for i in 0..DAYS {
        let date = day(i);
        school_a(&mut w, i, date);
        if date.weekday().number_from_monday() <= 5 {
            small_school(&mut w, SCHOOL_B, date);
            if let Some(odd) = opts.odd_school {
                small_school(&mut w, odd, date);
            }
        }
        if i < 3 {
            school_c(&mut w, date);
        }
        fleet(&mut w, i, date);
    }
    w.write(&stats);
    dir
}

fn school_a(w: &mut Writer, i: usize, date: NaiveDate) {
    use confstats_report::{
        CONFERENCE_BUCKETS, DAILY_USAGE, ERRORS_BY_CODE, MEDIA_USE, USAGE_BY_CLIENT, USAGE_BY_HOUR,
    };
    let school = || s(col::SCHOOL, SCHOOL_A);
    let weekday = date.weekday().number_from_monday();
    let n = i as u32;
    let nf = f64::from(n);
    if i == A_NO_ROW {
        return;
    }
    let Some(d) = a_day(i) else {
        w.suppressed(DAILY_USAGE, date, vec![school()], "primary", None);
        w.suppressed(
            USAGE_BY_HOUR,
            date,
            vec![school(), u(col::HOUR, 10), u(col::WEEKDAY, weekday), b(col::OUTSIDE_SCHOOL_HOURS, weekday > 5)],
            "primary",
            None,
        );
        w.suppressed(MEDIA_USE, date, vec![school(), s(col::MEDIUM, "microphone")], "primary", None);
        return;
    };
    w.released(
        DAILY_USAGE,
        date,
        vec![
            school(),
            u(col::CONFERENCES, d.conferences),
            u(col::BREAKOUT_ROOMS, 2),
            u(col::ROOMS, 6 + n % 3),
            u(col::PARTICIPANTS, d.participants),
            u(col::JOINS, 70 + 4 * n),
            u(col::SESSIONS, 65 + 4 * n),
            u(col::RECONNECTS, 3 + n % 4),
            f(col::PARTICIPANT_MINUTES, d.participant_minutes),
            f(col::CONFERENCE_MINUTES, d.conference_minutes),
            u(col::PEAK_CONCURRENT, 30 + n),
            f(col::MEDIAN_CONFERENCE_MINUTES, 40.0),
            f(col::P90_CONFERENCE_MINUTES, 80.0),
            u(col::AUDIO_JOINS, d.audio_joins),
            u(col::AUDIO_FAILURES, d.audio_failures),
            f(col::AUDIO_FAILURE_SHARE, f64::from(d.audio_failures) / f64::from(d.audio_joins)),
            u(col::WEBCAM_STARTS, 20 + n),
            u(col::WEBCAM_FAILURES, n % 2),
            u(col::SCREENSHARE_STARTS, 5),
            u(col::CHAT_MESSAGES, 100 + n),
            u(col::POLLS, 1),
            u(col::NOTES_EDITS, 4),
            f(col::MINUTES_OUTSIDE_SCHOOL_HOURS, 90.0),
            f(col::OUTSIDE_SCHOOL_HOURS_SHARE, 90.0 / d.participant_minutes),
        ],
    );
    for hour in 8..=13u32 {
        w.released(
            USAGE_BY_HOUR,
            date,
            vec![
                school(),
                u(col::HOUR, hour),
                u(col::WEEKDAY, weekday),
                b(col::OUTSIDE_SCHOOL_HOURS, weekday > 5),
                u(col::CONFERENCES, 3),
                u(col::PARTICIPANTS, 20),
                u(col::JOINS, 10),
                f(col::PARTICIPANT_MINUTES, if hour == 9 { 400.0 } else { 300.0 }),
            ],
        );
    }
    let hour_keys =
        |hour: u32| vec![school(), u(col::HOUR, hour), u(col::WEEKDAY, weekday), b(col::OUTSIDE_SCHOOL_HOURS, true)];
    w.suppressed(USAGE_BY_HOUR, date, hour_keys(17), "primary", None);
    w.suppressed(USAGE_BY_HOUR, date, hour_keys(16), "secondary", Some("hour=17"));

    let client = |dim: &str, value: &str, participants: u32, minutes: f64| {
        vec![
            school(),
            s(col::DIMENSION, dim),
            s(col::VALUE, value),
            u(col::PARTICIPANTS, participants),
            u(col::SESSIONS, participants + 2),
            f(col::PARTICIPANT_MINUTES, minutes),
        ]
    };
    for row in [
        client("role", "moderator", 8, 400.0),
        client("role", "viewer", 42 + 3 * n, 1400.0 + 60.0 * nf),
        client("device", "desktop", 30, 1000.0),
        client("device", "tablet", 10, 300.0),
        client("device", "phone", 10 + 3 * n, 500.0 + 60.0 * nf),
        client("browser", "chrome", 25, 900.0),
        client("browser", "firefox", 15, 500.0),
        client("browser", "safari", 10 + 3 * n, 400.0 + 60.0 * nf),
        client("os", "windows", 30, 1000.0),
        client("os", "ios", 20 + 3 * n, 800.0 + 60.0 * nf),
        client("access", "html5", 50 + 3 * n, 1800.0 + 60.0 * nf),
    ] {
        w.released(USAGE_BY_CLIENT, date, row);
    }
    let cell = |dim: &str, value: &str| vec![school(), s(col::DIMENSION, dim), s(col::VALUE, value)];
    if i == 1 {
        w.suppressed(USAGE_BY_CLIENT, date, cell("browser", "opera"), "primary", None);
        w.suppressed(USAGE_BY_CLIENT, date, cell("browser", "edge"), "secondary", Some("browser=opera"));
    }
    if i == 2 {
        w.suppressed(USAGE_BY_CLIENT, date, cell("access", "dial_in"), "primary", None);
    }

    let medium = |m: &str, participants: u32, sessions: u32, events: u32, minutes: f64| {
        vec![
            school(),
            s(col::MEDIUM, m),
            u(col::PARTICIPANTS, participants),
            u(col::SESSIONS, sessions),
            u(col::EVENTS, events),
            f(col::PARTICIPANT_MINUTES, minutes),
        ]
    };
    w.released(MEDIA_USE, date, medium("microphone", 40, 50, 60, 1500.0));
    w.released(MEDIA_USE, date, medium("listen_only", 12, 14, 14, 500.0));
    w.released(MEDIA_USE, date, medium("webcam", 20, 25, 30, 900.0));
    if i == 3 {
        w.suppressed(MEDIA_USE, date, vec![school(), s(col::MEDIUM, "screenshare")], "primary", None);
    } else {
        w.released(MEDIA_USE, date, medium("screenshare", 6, 6, 6, 300.0));
    }

    let bucket = |dim: &str, value: &str, conferences: u32, participants: u32| {
        vec![
            school(),
            s(col::DIMENSION, dim),
            s(col::VALUE, value),
            u(col::CONFERENCES, conferences),
            u(col::PARTICIPANTS, participants),
            f(col::PARTICIPANT_MINUTES, f64::from(participants) * 30.0),
            f(col::CONFERENCE_MINUTES, f64::from(conferences) * 35.0),
        ]
    };
    let keys = |dim: &str, value: &str| vec![school(), s(col::DIMENSION, dim), s(col::VALUE, value)];
    w.suppressed(CONFERENCE_BUCKETS, date, keys("size", "1"), "primary", None);
    w.released(CONFERENCE_BUCKETS, date, bucket("size", "2-5", 3, 12));
    w.released(CONFERENCE_BUCKETS, date, bucket("size", "6-15", 5 + n, 50));
    w.suppressed(CONFERENCE_BUCKETS, date, keys("size", "16-30"), "secondary", Some("size=1"));
    w.released(CONFERENCE_BUCKETS, date, bucket("duration", "0-15", 2, 8));
    w.released(CONFERENCE_BUCKETS, date, bucket("duration", "15-30", 3, 15));
    w.released(CONFERENCE_BUCKETS, date, bucket("duration", "30-45", 4 + n, 30));
    w.released(CONFERENCE_BUCKETS, date, bucket("duration", "45-60", 2, 10));
    w.released(CONFERENCE_BUCKETS, date, bucket("duration", "60-90", 1, 6));
    w.suppressed(CONFERENCE_BUCKETS, date, keys("duration", "90+"), "primary", None);

    let error = |component: &str, code: &str, events: u32, participants: u32, conferences: u32| {
        vec![
            school(),
            s(col::COMPONENT, component),
            s(col::CODE, code),
            u(col::EVENTS, events),
            u(col::PARTICIPANTS, participants),
            u(col::SESSIONS, events),
            u(col::CONFERENCES, conferences),
            f(col::CONFERENCE_SHARE, f64::from(conferences) / f64::from(d.conferences)),
        ]
    };
    if i.is_multiple_of(2) {
        w.released(ERRORS_BY_CODE, date, error("audio", "1007", 6, 5, 3));
    }
    if i == 1 {
        w.suppressed(
            ERRORS_BY_CODE,
            date,
            vec![school(), s(col::COMPONENT, "audio"), s(col::CODE, "1010")],
            "primary",
            None,
        );
    }
    if i == 0 || i == 4 {
        w.released(ERRORS_BY_CODE, date, error("webcam", "1020", 5, 5, 2));
    }
    if i == 9 {
        w.released(ERRORS_BY_CODE, date, error("media_server", "2002", 7, 6, 2));
    }
    if i == 10 {
        w.released(ERRORS_BY_CODE, date, error("connection", "9999", 5, 5, 1));
    }
}

fn small_school(w: &mut Writer, school_id: &str, date: NaiveDate) {
    use confstats_report::{DAILY_USAGE, USAGE_BY_CLIENT, USAGE_BY_HOUR};
    let school = || s(col::SCHOOL, school_id);
    w.released(
        DAILY_USAGE,
        date,
        vec![
            school(),
            u(col::CONFERENCES, 4),
            u(col::BREAKOUT_ROOMS, 0),
            u(col::ROOMS, 2),
            u(col::PARTICIPANTS, 20),
            u(col::JOINS, 25),
            u(col::SESSIONS, 24),
            u(col::RECONNECTS, 1),
            f(col::PARTICIPANT_MINUTES, 600.0),
            f(col::CONFERENCE_MINUTES, 180.0),
            u(col::PEAK_CONCURRENT, 12),
            f(col::MEDIAN_CONFERENCE_MINUTES, 45.0),
            f(col::P90_CONFERENCE_MINUTES, 45.0),
            u(col::AUDIO_JOINS, 20),
            u(col::AUDIO_FAILURES, 0),
            f(col::AUDIO_FAILURE_SHARE, 0.0),
            u(col::WEBCAM_STARTS, 5),
            u(col::WEBCAM_FAILURES, 0),
            u(col::SCREENSHARE_STARTS, 1),
            u(col::CHAT_MESSAGES, 10),
            u(col::POLLS, 0),
            u(col::NOTES_EDITS, 0),
            f(col::MINUTES_OUTSIDE_SCHOOL_HOURS, 0.0),
            f(col::OUTSIDE_SCHOOL_HOURS_SHARE, 0.0),
        ],
    );
    for hour in [10u32, 11] {
        w.released(
            USAGE_BY_HOUR,
            date,
            vec![
                school(),
                u(col::HOUR, hour),
                u(col::WEEKDAY, date.weekday().number_from_monday()),
                b(col::OUTSIDE_SCHOOL_HOURS, false),
                u(col::CONFERENCES, 2),
                u(col::PARTICIPANTS, 10),
                u(col::JOINS, 12),
                f(col::PARTICIPANT_MINUTES, 300.0),
            ],
        );
    }
    w.released(
        USAGE_BY_CLIENT,
        date,
        vec![
            school(),
            s(col::DIMENSION, "browser"),
            s(col::VALUE, "firefox"),
            u(col::PARTICIPANTS, 20),
            u(col::SESSIONS, 24),
            f(col::PARTICIPANT_MINUTES, 600.0),
        ],
    );
}

fn school_c(w: &mut Writer, date: NaiveDate) {
    use confstats_report::{DAILY_USAGE, USAGE_BY_CLIENT};
    let school = || s(col::SCHOOL, SCHOOL_C);
    w.suppressed(DAILY_USAGE, date, vec![school()], "primary", None);
    w.suppressed(
        USAGE_BY_CLIENT,
        date,
        vec![school(), s(col::DIMENSION, "browser"), s(col::VALUE, "firefox")],
        "primary",
        None,
    );
}

fn fleet(w: &mut Writer, i: usize, date: NaiveDate) {
    use confstats_report::{FLEET_ERRORS, FLEET_HOURLY};
    let n = i as u32;
    for hour in 8..=13u32 {
        let h = hour - 8;
        for (server, scale) in [(SERVER_1, 2), (SERVER_2, 1)] {
            w.released(
                FLEET_HOURLY,
                date,
                vec![
                    s(col::SERVER, server),
                    u(col::HOUR, hour),
                    u(col::MEETINGS_CREATED, 3 * scale),
                    u(col::CONFERENCES, 2 * scale + 1),
                    u(col::PEAK_CONFERENCES, (2 + h) * scale),
                    u(col::PARTICIPANTS, 20 * scale),
                    u(col::PEAK_CONCURRENT, (15 + 2 * h + n) * scale),
                    u(col::PEAK_WEBCAMS, 4 * scale),
                    u(col::JOINS, 25 * scale),
                    u(col::AUDIO_SESSIONS, 20 * scale),
                    u(col::WEBCAM_SESSIONS, 8 * scale),
                    u(col::AUDIO_FAILURES, scale),
                    u(col::ERRORS, 2 * scale),
                    u(col::RECONNECTS, 1),
                ],
            );
        }
    }
    if i == 5 {
        w.suppressed(FLEET_HOURLY, date, vec![s(col::SERVER, SERVER_2), u(col::HOUR, 20)], "primary", None);
    }
    if i.is_multiple_of(2) {
        w.released(
            FLEET_ERRORS,
            date,
            vec![
                s(col::SERVER, SERVER_1),
                s(col::COMPONENT, "audio"),
                s(col::CODE, "1007"),
                u(col::EVENTS, 10),
                u(col::PARTICIPANTS, 8),
                u(col::SESSIONS, 10),
                u(col::CONFERENCES, 4),
            ],
        );
    }
    if i == 3 {
        w.suppressed(
            FLEET_ERRORS,
            date,
            vec![s(col::SERVER, SERVER_2), s(col::COMPONENT, "media_server"), s(col::CODE, "2002")],
            "primary",
            None,
        );
    }
}
