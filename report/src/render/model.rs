//! The figures of the reports, computed with polars from released cells only.
//!
//! Every figure is a [`Fig`]: a value and whether it is complete (`released`), made of released
//! cells while some cell that would have contributed was suppressed (`partial`), made of
//! suppressed cells only (`suppressed`) or not computable (`unavailable`: no statistics, or a
//! share with a zero denominator). Sums and maxima are taken over released cells only; shares
//! are recomputed from summed numerators and denominators.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use serde::Serialize;

use super::load::{SchoolHours, StatsDir, Tables, date_lit};
use super::period::{self, Period};
use crate::error::{PolarsContext, Result};
use crate::tables::col::{self as c};

/// The school value of meetings whose school could not be derived.
pub(crate) const UNKNOWN_SCHOOL: &str = "unknown";

/// `suppressed` flag of a cell with fewer than k participants.
const PRIMARY: &str = "primary";
/// `suppressed` flag of a cell suppressed to protect another.
const SECONDARY: &str = "secondary";
/// Internal column: cells released in a group.
const N_RELEASED: &str = "__released";
/// Internal column: cells suppressed in a group.
const N_SUPPRESSED: &str = "__suppressed";
/// Internal column: days with a released cell in a group.
const N_RELEASED_DAYS: &str = "__released_days";
/// Internal column: daily participant minutes joined to a breakdown cell.
const DAY_MINUTES: &str = "__day_minutes";
/// Internal column: hours with activity.
const HOURS: &str = "__hours";
/// Internal column: ISO year of the date.
const ISO_YEAR: &str = "__iso_year";
/// Internal column: ISO week of the date.
const WEEK: &str = "__week";
/// Internal column: calendar year of the date.
const YEAR: &str = "__year";
/// Internal column: month of the date.
const MONTH: &str = "__month";

/// Canonical order of the client dimensions and their values.
pub(crate) const CLIENT_DIMENSIONS: [(&str, &[&str]); 5] = [
    ("role", &["moderator", "viewer", "unknown"]),
    ("device", &["desktop", "tablet", "phone", "other", "unknown"]),
    ("browser", &["chrome", "edge", "firefox", "safari", "opera", "samsung_internet", "chromium", "other", "unknown"]),
    ("os", &["windows", "macos", "ios", "ipados", "android", "chromeos", "linux", "other", "unknown"]),
    ("access", &["html5", "dial_in", "other", "unknown"]),
];
/// Canonical order of the media.
pub(crate) const MEDIA: [&str; 5] = ["microphone", "listen_only", "dial_in", "webcam", "screenshare"];
/// `conference_buckets` dimension of conference sizes and its buckets.
pub(crate) const SIZE: (&str, &[&str]) = ("size", &["1", "2-5", "6-15", "16-30", "31+"]);
/// `conference_buckets` dimension of conference durations (minutes) and its buckets.
pub(crate) const DURATION: (&str, &[&str]) = ("duration", &["0-15", "15-30", "30-45", "45-60", "60-90", "90+"]);

// ---------------------------------------------------------------------------------------------
// Figures

/// How complete a figure is. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    /// Every contributing cell was released.
    Released,
    /// Made of released cells; some cell that would have contributed was suppressed.
    Partial,
    /// Every contributing cell was suppressed: no value.
    Suppressed,
    /// No value: no statistics for the days, or a share of nothing.
    Unavailable,
}

/// One figure of a report. Holds no personal data: a sum or share of released cells.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Fig {
    /// The value (`None` when suppressed or unavailable).
    pub value: Option<f64>,
    /// How complete it is.
    pub status: Status,
}

impl Fig {
    pub(crate) const UNAVAILABLE: Fig = Fig { value: None, status: Status::Unavailable };
    pub(crate) const SUPPRESSED: Fig = Fig { value: None, status: Status::Suppressed };

    /// A complete value.
    pub(crate) fn released(value: f64) -> Fig {
        Fig { value: Some(value), status: Status::Released }
    }

    /// A value over `released` released and `suppressed` suppressed cells.
    fn from_cells(value: Option<f64>, released: u32, suppressed: u32) -> Fig {
        match value {
            _ if released == 0 && suppressed > 0 => Fig::SUPPRESSED,
            None => Fig::UNAVAILABLE,
            Some(v) if suppressed > 0 => Fig { value: Some(v), status: Status::Partial },
            Some(v) => Fig::released(v),
        }
    }

    /// Whether a suppressed cell would have contributed.
    pub(crate) fn is_partial(&self) -> bool {
        self.status == Status::Partial
    }

    /// Marks a value partial (when `partial`).
    pub(crate) fn partial_if(self, partial: bool) -> Fig {
        match self.status {
            Status::Released if partial => Fig { status: Status::Partial, ..self },
            _ => self,
        }
    }

    /// Applies `f` to the value, keeping the status.
    pub(crate) fn map(self, f: impl FnOnce(f64) -> f64) -> Fig {
        Fig { value: self.value.map(f), ..self }
    }

    /// The status of a figure combined from `a` and `b`.
    fn combined_status(a: Status, b: Status) -> Status {
        use Status::*;
        match (a, b) {
            (Unavailable, _) | (_, Unavailable) => Unavailable,
            (Suppressed, _) | (_, Suppressed) => Suppressed,
            (Partial, _) | (_, Partial) => Partial,
            (Released, Released) => Released,
        }
    }

    /// Combines two figures with `f`; no value when either has none.
    pub(crate) fn zip(a: Fig, b: Fig, f: impl FnOnce(f64, f64) -> Option<f64>) -> Fig {
        match (a.value, b.value) {
            (Some(x), Some(y)) => match f(x, y) {
                Some(v) => Fig { value: Some(v), status: Fig::combined_status(a.status, b.status) },
                None => Fig::UNAVAILABLE,
            },
            _ => Fig { value: None, status: Fig::combined_status(a.status, b.status) },
        }
    }

    /// `num / den`, recomputed from sums; unavailable when `den` is 0.
    pub(crate) fn ratio(num: Fig, den: Fig) -> Fig {
        Fig::zip(num, den, |n, d| (d > 0.0).then(|| n / d))
    }

    /// `a + b`.
    pub(crate) fn add(a: Fig, b: Fig) -> Fig {
        Fig::zip(a, b, |x, y| Some(x + y))
    }
}

/// How a figure is shown. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    /// A count (integer).
    Count,
    /// Hours (one decimal).
    Hours,
    /// A share 0–1 (shown as a percentage; its change in percentage points).
    Share,
    /// An average (one decimal).
    Average,
}

/// The named figures of the reports. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Measure {
    Conferences,
    ParticipantDays,
    ConferenceHours,
    ParticipantHours,
    RoomsPerDay,
    PeakConcurrent,
    AudioJoinSuccessRate,
    AudioFailures,
    WebcamStartSuccessRate,
    WebcamFailures,
    ReconnectRate,
    OutsideSchoolHoursShare,
    Polls,
    BreakoutRooms,
    ChatMessages,
    NotesEdits,
    ScreenshareStarts,
    ActiveSchools,
    MeetingsCreated,
    Joins,
    AudioSessions,
    WebcamSessions,
}

impl Measure {
    /// The machine name (CSV `figure`, JSON `measure`).
    pub(crate) const fn key(self) -> &'static str {
        use Measure::*;
        match self {
            Conferences => "conferences",
            ParticipantDays => "participant_days",
            ConferenceHours => "conference_hours",
            ParticipantHours => "participant_hours",
            RoomsPerDay => "rooms_per_day",
            PeakConcurrent => "peak_concurrent",
            AudioJoinSuccessRate => "audio_join_success_rate",
            AudioFailures => "audio_failures",
            WebcamStartSuccessRate => "webcam_start_success_rate",
            WebcamFailures => "webcam_failures",
            ReconnectRate => "reconnect_rate",
            OutsideSchoolHoursShare => "outside_school_hours_share",
            Polls => "polls",
            BreakoutRooms => "breakout_rooms",
            ChatMessages => "chat_messages",
            NotesEdits => "notes_edits",
            ScreenshareStarts => "screenshare_starts",
            ActiveSchools => "active_schools",
            MeetingsCreated => "meetings_created",
            Joins => "joins",
            AudioSessions => "audio_sessions",
            WebcamSessions => "webcam_sessions",
        }
    }

    /// How the measure is shown.
    pub(crate) fn kind(self) -> Kind {
        use Measure::*;
        match self {
            ConferenceHours | ParticipantHours => Kind::Hours,
            RoomsPerDay => Kind::Average,
            AudioJoinSuccessRate | WebcamStartSuccessRate | ReconnectRate | OutsideSchoolHoursShare => Kind::Share,
            _ => Kind::Count,
        }
    }
}

/// A figure of the period beside the previous period. Holds no personal data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct TrendRow {
    /// Which figure.
    pub measure: Measure,
    /// The period's value.
    pub current: Fig,
    /// The previous period's value.
    pub previous: Fig,
    /// Relative change (counts, hours, averages) or difference in percentage points as a
    /// fraction (shares).
    pub change: Fig,
}

impl TrendRow {
    fn new(measure: Measure, current: Fig, previous: Fig) -> TrendRow {
        let change = match measure.kind() {
            Kind::Share => Fig::zip(current, previous, |c, p| Some(c - p)),
            _ => Fig::zip(current, previous, |c, p| (p > 0.0).then(|| (c - p) / p)),
        };
        TrendRow { measure, current, previous, change }
    }
}

// ---------------------------------------------------------------------------------------------
// Aggregation over released cells

/// One group of cells after aggregation: its key and its values.
#[derive(Debug, Clone)]
struct Cell {
    key: Vec<String>,
    released: u32,
    suppressed: u32,
    released_days: u32,
    values: Vec<(String, Option<f64>)>,
}

impl Cell {
    fn value(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| n == name).and_then(|(_, v)| *v)
    }

    /// The figure `name` (a sum or maximum over the released cells).
    fn fig(&self, name: &str) -> Fig {
        Fig::from_cells(self.value(name), self.released, self.suppressed)
    }

    /// The zero cell of a group without rows.
    fn empty() -> Cell {
        Cell { key: Vec::new(), released: 0, suppressed: 0, released_days: 0, values: Vec::new() }
    }

    /// A figure that is 0 when the group had no rows at all.
    fn sum(&self, name: &str) -> Fig {
        match self.value(name) {
            None if self.released == 0 && self.suppressed == 0 => Fig::released(0.0),
            _ => self.fig(name),
        }
    }
}

fn released() -> Expr {
    col(c::SUPPRESSED).is_null()
}

/// Sum of `column` over the released cells.
fn sum_released(column: &str) -> (String, Expr) {
    (column.to_owned(), col(column).cast(DataType::Float64).filter(released()).sum())
}

/// Maximum of `column` over the released cells.
fn max_released(column: &str) -> (String, Expr) {
    (column.to_owned(), col(column).cast(DataType::Float64).filter(released()).max())
}

/// Nearest-rank quantile `q` of `column` over the released cells, named `column@pNN`.
fn quantile_released(column: &str, q: f64) -> (String, Expr) {
    let name = quantile_name(column, q);
    (name, col(column).cast(DataType::Float64).filter(released()).quantile(lit(q), QuantileMethod::Nearest))
}

fn quantile_name(column: &str, q: f64) -> String {
    format!("{column}@p{:02.0}", q * 100.0)
}

/// Cells flagged `flag` (`primary` or `secondary`).
fn count_flag(flag: &str) -> (String, Expr) {
    (flag.to_owned(), col(c::SUPPRESSED).eq(lit(flag)).cast(DataType::UInt32).sum())
}

/// Groups `lf` by `by` and computes `values` plus the released/suppressed cell counts and the
/// number of days with a released cell. Groups are sorted by their keys.
fn aggregate(lf: LazyFrame, by: &[&str], values: Vec<(String, Expr)>, what: &str) -> Result<Vec<Cell>> {
    let names: Vec<String> = values.iter().map(|(n, _)| n.clone()).collect();
    let mut aggs: Vec<Expr> = values.into_iter().map(|(n, e)| e.cast(DataType::Float64).alias(n)).collect();
    aggs.push(released().cast(DataType::UInt32).sum().alias(N_RELEASED));
    aggs.push(released().not().cast(DataType::UInt32).sum().alias(N_SUPPRESSED));
    aggs.push(col(c::DATE).filter(released()).n_unique().cast(DataType::UInt32).alias(N_RELEASED_DAYS));
    let grouped = if by.is_empty() {
        lf.select(aggs)
    } else {
        let keys: Vec<Expr> = by.iter().map(|k| col(*k)).collect();
        lf.group_by(keys).agg(aggs).sort(by.to_vec(), SortMultipleOptions::default())
    };
    let df = grouped.collect().ctx(what)?;
    cells(&df, by, &names).ctx(what)
}

/// A key value as text: dates as `YYYY-MM-DD`, numbers in decimal, strings as they are.
fn key_text(value: AnyValue<'_>) -> String {
    match value {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_owned(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Date(days) => NaiveDate::default()
            .checked_add_signed(chrono::TimeDelta::days(i64::from(days)))
            .map_or_else(|| days.to_string(), |d| d.to_string()),
        other => other.to_string(),
    }
}

fn cells(df: &DataFrame, by: &[&str], names: &[String]) -> PolarsResult<Vec<Cell>> {
    let keys = by.iter().map(|k| df.column(k)).collect::<PolarsResult<Vec<_>>>()?;
    let values = names
        .iter()
        .map(|n| df.column(n)?.as_materialized_series().f64().cloned())
        .collect::<PolarsResult<Vec<_>>>()?;
    let counts = [N_RELEASED, N_SUPPRESSED, N_RELEASED_DAYS]
        .iter()
        .map(|n| df.column(n)?.as_materialized_series().u32().cloned())
        .collect::<PolarsResult<Vec<_>>>()?;
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        out.push(Cell {
            key: keys.iter().map(|k| k.get(i).map(key_text)).collect::<PolarsResult<_>>()?,
            released: counts[0].get(i).unwrap_or(0),
            suppressed: counts[1].get(i).unwrap_or(0),
            released_days: counts[2].get(i).unwrap_or(0),
            values: names.iter().zip(&values).map(|(n, v)| (n.clone(), v.get(i))).collect(),
        });
    }
    Ok(out)
}

/// The one cell of an aggregation without keys.
fn single(cells: Vec<Cell>) -> Cell {
    cells.into_iter().next().unwrap_or_else(Cell::empty)
}

fn index(cells: Vec<Cell>) -> BTreeMap<Vec<String>, Cell> {
    cells.into_iter().map(|cell| (cell.key.clone(), cell)).collect()
}

/// The rows of `df` in `period`, of `school` when given.
fn rows_of(df: &DataFrame, school: Option<&str>, period: Period) -> LazyFrame {
    let mut pred = col(c::DATE).gt_eq(date_lit(period.from)).and(col(c::DATE).lt_eq(date_lit(period.to)));
    if let Some(school) = school {
        pred = pred.and(col(c::SCHOOL).eq(lit(school)));
    }
    df.clone().lazy().filter(pred)
}

// ---------------------------------------------------------------------------------------------
// Context

/// What every report shares: the periods and how the statistics were made. Not personal data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Context {
    /// The suppression threshold.
    pub k: u32,
    /// Layout version of the statistics.
    pub stats_schema_version: String,
    /// The program that wrote the statistics.
    pub generated_by: String,
    /// The local time zone of dates and hours.
    pub time_zone: String,
    /// The school hours behind `outside_school_hours`.
    #[serde(skip)]
    pub school_hours: SchoolHours,
    /// The report period.
    pub period: Period,
    /// The previous period of the same length.
    pub previous: Period,
    /// Whether any statistics exist for the previous period.
    pub previous_has_data: bool,
    /// Dates of the period with statistics (in any table).
    #[serde(skip)]
    pub dates: BTreeSet<NaiveDate>,
}

impl Context {
    pub(crate) fn new(stats: &StatsDir, period: Period) -> Context {
        let previous = period.previous();
        Context {
            k: stats.info.k,
            stats_schema_version: stats.info.schema_version.clone(),
            generated_by: stats.info.generated_by.clone(),
            time_zone: stats.info.time_zone.clone(),
            school_hours: stats.info.school_hours.clone(),
            period,
            previous,
            previous_has_data: stats.has_dates(previous.from, previous.to),
            dates: stats.dates.range(period.from..=period.to).copied().collect(),
        }
    }

    /// Days of the period with statistics.
    pub(crate) fn days_with_statistics(&self) -> u32 {
        u32::try_from(self.dates.len()).unwrap_or(u32::MAX)
    }
}

/// Schools with statistics in the period or the previous period, sorted.
pub(crate) fn schools(tables: &Tables, ctx: &Context) -> Result<Vec<String>> {
    let range = Period { from: ctx.previous.from, to: ctx.period.to };
    let mut schools = BTreeSet::new();
    for (name, df) in tables.school_tables() {
        let out = rows_of(df, None, range).select([col(c::SCHOOL).unique()]).collect().ctx(name)?;
        let ca = out.column(c::SCHOOL).and_then(|s| s.as_materialized_series().str().cloned()).ctx(name)?;
        schools.extend(ca.iter().flatten().map(str::to_owned));
    }
    Ok(schools.into_iter().collect())
}

// ---------------------------------------------------------------------------------------------
// School report

/// Sums over `daily_usage` (released days only).
fn daily_values() -> Vec<(String, Expr)> {
    let mut v: Vec<(String, Expr)> = [
        c::CONFERENCES,
        c::PARTICIPANTS,
        c::CONFERENCE_MINUTES,
        c::PARTICIPANT_MINUTES,
        c::ROOMS,
        c::JOINS,
        c::SESSIONS,
        c::RECONNECTS,
        c::AUDIO_JOINS,
        c::AUDIO_FAILURES,
        c::WEBCAM_STARTS,
        c::WEBCAM_FAILURES,
        c::SCREENSHARE_STARTS,
        c::CHAT_MESSAGES,
        c::POLLS,
        c::BREAKOUT_ROOMS,
        c::NOTES_EDITS,
        c::MINUTES_OUTSIDE_SCHOOL_HOURS,
    ]
    .iter()
    .map(|f| sum_released(f))
    .collect();
    v.push(max_released(c::PEAK_CONCURRENT));
    v
}

/// The period totals of one school (or all schools) from `daily_usage`.
#[derive(Debug, Clone)]
struct Totals {
    cell: Cell,
    available: bool,
}

impl Totals {
    fn compute(tables: &Tables, school: Option<&str>, period: Period, available: bool) -> Result<Totals> {
        let cells = aggregate(rows_of(&tables.daily, school, period), &[], daily_values(), "daily_usage")?;
        Ok(Totals { cell: single(cells), available })
    }

    fn fig(&self, measure: Measure) -> Fig {
        if !self.available {
            return Fig::UNAVAILABLE;
        }
        let cell = &self.cell;
        use Measure::*;
        match measure {
            Conferences => cell.sum(c::CONFERENCES),
            ParticipantDays => cell.sum(c::PARTICIPANTS),
            ConferenceHours => cell.sum(c::CONFERENCE_MINUTES).map(|m| m / 60.0),
            ParticipantHours => cell.sum(c::PARTICIPANT_MINUTES).map(|m| m / 60.0),
            RoomsPerDay => Fig::ratio(cell.sum(c::ROOMS), self.released_days()),
            PeakConcurrent => cell.fig(c::PEAK_CONCURRENT),
            AudioJoinSuccessRate => {
                Fig::ratio(cell.sum(c::AUDIO_FAILURES), cell.sum(c::AUDIO_JOINS)).map(|share| 1.0 - share)
            }
            AudioFailures => cell.sum(c::AUDIO_FAILURES),
            WebcamStartSuccessRate => {
                let starts = cell.sum(c::WEBCAM_STARTS);
                Fig::ratio(starts, Fig::add(starts, cell.sum(c::WEBCAM_FAILURES)))
            }
            WebcamFailures => cell.sum(c::WEBCAM_FAILURES),
            ReconnectRate => Fig::ratio(cell.sum(c::RECONNECTS), cell.sum(c::SESSIONS)),
            OutsideSchoolHoursShare => {
                Fig::ratio(cell.sum(c::MINUTES_OUTSIDE_SCHOOL_HOURS), cell.sum(c::PARTICIPANT_MINUTES))
            }
            Polls => cell.sum(c::POLLS),
            BreakoutRooms => cell.sum(c::BREAKOUT_ROOMS),
            ChatMessages => cell.sum(c::CHAT_MESSAGES),
            NotesEdits => cell.sum(c::NOTES_EDITS),
            ScreenshareStarts => cell.sum(c::SCREENSHARE_STARTS),
            Joins => cell.sum(c::JOINS),
            ActiveSchools | MeetingsCreated | AudioSessions | WebcamSessions => Fig::UNAVAILABLE,
        }
    }

    fn released_days(&self) -> Fig {
        Fig::from_cells(Some(f64::from(self.cell.released_days)), self.cell.released, self.cell.suppressed)
    }

    fn suppressed_days(&self) -> u32 {
        self.cell.suppressed
    }
}

fn trend_rows(measures: &[Measure], current: &Totals, previous: &Totals) -> Vec<TrendRow> {
    measures.iter().map(|&m| TrendRow::new(m, current.fig(m), previous.fig(m))).collect()
}

/// One day of the daily series. Holds no personal data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DayRow {
    /// The local date.
    pub date: NaiveDate,
    /// Conferences.
    pub conferences: Fig,
    /// Participants of the day.
    pub participant_days: Fig,
    /// Conference hours.
    pub conference_hours: Fig,
    /// Participant hours.
    pub participant_hours: Fig,
}

/// A week or a month. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum SpanKey {
    /// ISO week.
    Week {
        /// ISO year.
        year: i32,
        /// ISO week number.
        week: u32,
    },
    /// Calendar month.
    Month {
        /// Year.
        year: i32,
        /// Month 1–12.
        month: u32,
    },
}

impl SpanKey {
    /// Machine label: `2026-W10`, `2026-03`.
    pub(crate) fn iso(self) -> String {
        match self {
            SpanKey::Week { year, week } => format!("{year}-W{week:02}"),
            SpanKey::Month { year, month } => format!("{year}-{month:02}"),
        }
    }
}

/// The sums of one week or month of the period. Holds no personal data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SpanRow {
    /// Which week or month.
    pub span: SpanKey,
    /// The days of it inside the report period.
    pub days: Period,
    /// Days with a suppressed `daily_usage` cell.
    pub suppressed_days: u32,
    /// Conferences.
    pub conferences: Fig,
    /// Participant-days.
    pub participant_days: Fig,
    /// Conference hours.
    pub conference_hours: Fig,
    /// Participant hours.
    pub participant_hours: Fig,
}

/// Participant hours in one weekday × hour cell. Holds no personal data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HourCell {
    /// ISO weekday, 1 = Monday.
    pub weekday: u32,
    /// Local hour 0–23.
    pub hour: u32,
    /// Participant hours.
    pub participant_hours: Fig,
    /// Conferences running in the hour (summed over days).
    pub conferences: Fig,
}

/// Use by weekday and hour. Holds no personal data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Heatmap {
    /// Cells with activity.
    pub cells: Vec<HourCell>,
    /// The busiest weekday × hour.
    pub peak: Option<HourCell>,
    /// The busiest hour of the day over all weekdays, with its participant hours.
    pub peak_hour: Option<(u32, Fig)>,
}

/// One bucket, category or medium with its share. Holds no personal data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ShareRow {
    /// The bucket or category (`2-5`, `firefox`, `webcam`).
    pub value: String,
    /// What is counted (conferences, participant-days) in it.
    pub count: Fig,
    /// Its share (of the dimension's released total, or of participant-minutes for media).
    pub share: Fig,
    /// Participant hours in it.
    pub participant_hours: Fig,
}

/// A breakdown of one dimension. Holds no personal data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Breakdown {
    /// The dimension (`browser`, `size`, …).
    pub dimension: String,
    /// The dimension's total of the counted figure (released cells).
    pub total: Fig,
    /// Its categories in canonical order.
    pub rows: Vec<ShareRow>,
}

/// A duration percentile given as the bucket that contains it. Not personal data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct BucketFig {
    /// The bucket (`30-45`), minutes.
    pub bucket: Option<String>,
    /// How complete the underlying histogram is.
    pub status: Status,
}

/// One error code of a school. Holds no personal data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ErrorRow {
    /// Component (`audio`, `webcam`, …).
    pub component: String,
    /// Error code.
    pub code: String,
    /// Events.
    pub events: Fig,
    /// Participant sessions affected.
    pub sessions: Fig,
    /// Conferences affected.
    pub conferences: Fig,
    /// Conferences affected / conferences of the released days.
    pub conference_share: Fig,
}

/// Suppressed cells of one table. Not personal data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TableQuality {
    /// Table name.
    pub table: &'static str,
    /// Cells in the period.
    pub cells: u32,
    /// Cells suppressed because fewer than k participants contributed.
    pub primary: u32,
    /// Cells suppressed to protect another cell.
    pub secondary: u32,
}

/// Data quality of the period. Not personal data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Quality {
    /// Days in the period.
    pub days: u32,
    /// Days of the period with statistics.
    pub days_with_statistics: u32,
    /// Days with activity (a `daily_usage` cell, released or suppressed).
    pub active_days: u32,
    /// Days whose `daily_usage` cell is suppressed.
    pub suppressed_days: u32,
    /// Suppressed cells per table.
    pub tables: Vec<TableQuality>,
}

/// The report for one school leader. Holds no personal data: released statistics of one school
/// (an IServ instance id), nothing about a person.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SchoolReport {
    /// Periods and suppression threshold.
    #[serde(skip)]
    pub ctx: Context,
    /// The school (IServ instance id).
    pub school: String,
    /// Headline figures with trend.
    pub headline: Vec<TrendRow>,
    /// Median conference duration (bucket) in the period and the previous period.
    pub median_duration: [BucketFig; 2],
    /// 90th percentile of conference duration (bucket) in the period and the previous period.
    pub p90_duration: [BucketFig; 2],
    /// Every day of the period.
    pub daily: Vec<DayRow>,
    /// ISO weeks.
    pub weekly: Vec<SpanRow>,
    /// Months.
    pub monthly: Vec<SpanRow>,
    /// Weekday × hour.
    pub hours: Heatmap,
    /// Conference durations (conferences per bucket).
    pub durations: Breakdown,
    /// Conference sizes (conferences per bucket).
    pub sizes: Breakdown,
    /// Roles, devices, browsers, OS, access (participant-days per category).
    pub clients: Vec<Breakdown>,
    /// Media as shares of participant-minutes.
    pub media: Vec<ShareRow>,
    /// Feature use (counts only).
    pub features: Vec<TrendRow>,
    /// Audio and video problem rates.
    pub problems: Vec<TrendRow>,
    /// Error codes that occurred.
    pub errors: Vec<ErrorRow>,
    /// Data quality.
    pub quality: Quality,
}

const HEADLINE: [Measure; 9] = [
    Measure::Conferences,
    Measure::ParticipantDays,
    Measure::ConferenceHours,
    Measure::ParticipantHours,
    Measure::RoomsPerDay,
    Measure::PeakConcurrent,
    Measure::AudioJoinSuccessRate,
    Measure::ReconnectRate,
    Measure::OutsideSchoolHoursShare,
];
const FEATURES: [Measure; 5] =
    [Measure::Polls, Measure::BreakoutRooms, Measure::ChatMessages, Measure::NotesEdits, Measure::ScreenshareStarts];
const PROBLEMS: [Measure; 5] = [
    Measure::AudioJoinSuccessRate,
    Measure::AudioFailures,
    Measure::WebcamStartSuccessRate,
    Measure::WebcamFailures,
    Measure::ReconnectRate,
];

impl SchoolReport {
    /// Computes the report of `school` from its rows in `tables`: every school's tables or, much
    /// faster for many schools, the school's own ([`Tables::school_rows`]).
    pub(crate) fn build(tables: &Tables, ctx: &Context, school: &str) -> Result<SchoolReport> {
        let s = Some(school);
        let current = Totals::compute(tables, s, ctx.period, true)?;
        let previous = Totals::compute(tables, s, ctx.previous, ctx.previous_has_data)?;
        // A suppressed day may have contributed to any breakdown of the period: all are partial.
        let partial = current.suppressed_days() > 0;
        let durations = breakdown(&tables.buckets, s, ctx.period, DURATION, c::CONFERENCES, partial)?;
        let prev_partial = previous.suppressed_days() > 0;
        let prev_durations = breakdown(&tables.buckets, s, ctx.previous, DURATION, c::CONFERENCES, prev_partial)?;
        let unavailable = |b: BucketFig| {
            if ctx.previous_has_data { b } else { BucketFig { bucket: None, status: Status::Unavailable } }
        };
        Ok(SchoolReport {
            ctx: ctx.clone(),
            school: school.to_owned(),
            headline: trend_rows(&HEADLINE, &current, &previous),
            median_duration: [percentile_bucket(&durations, 0.5), unavailable(percentile_bucket(&prev_durations, 0.5))],
            p90_duration: [percentile_bucket(&durations, 0.9), unavailable(percentile_bucket(&prev_durations, 0.9))],
            daily: daily_rows(tables, school, ctx)?,
            weekly: span_rows(tables, school, ctx, false)?,
            monthly: span_rows(tables, school, ctx, true)?,
            hours: heatmap(tables, school, ctx.period, partial)?,
            durations,
            sizes: breakdown(&tables.buckets, s, ctx.period, SIZE, c::CONFERENCES, partial)?,
            clients: CLIENT_DIMENSIONS
                .iter()
                .map(|&dim| breakdown(&tables.clients, s, ctx.period, dim, c::PARTICIPANTS, partial))
                .collect::<Result<_>>()?,
            media: media(tables, school, ctx.period, &current)?,
            features: trend_rows(&FEATURES, &current, &previous),
            problems: trend_rows(&PROBLEMS, &current, &previous),
            errors: error_rows(tables, school, ctx.period, &current)?,
            quality: quality(tables.school_tables().as_slice(), s, ctx, &current)?,
        })
    }

    /// The headline row of `measure`.
    pub(crate) fn headline_row(&self, measure: Measure) -> Option<&TrendRow> {
        self.headline.iter().find(|r| r.measure == measure)
    }
}

fn day_fig(cell: Option<&Cell>, column: &str, has_statistics: bool) -> Fig {
    match cell {
        _ if !has_statistics => Fig::UNAVAILABLE,
        Some(cell) => cell.fig(column),
        None => Fig::released(0.0),
    }
}

fn daily_rows(tables: &Tables, school: &str, ctx: &Context) -> Result<Vec<DayRow>> {
    let values = [c::CONFERENCES, c::PARTICIPANTS, c::CONFERENCE_MINUTES, c::PARTICIPANT_MINUTES]
        .iter()
        .map(|f| sum_released(f))
        .collect();
    let cells = index(aggregate(rows_of(&tables.daily, Some(school), ctx.period), &[c::DATE], values, "daily_usage")?);
    Ok(ctx
        .period
        .iter_days()
        .map(|date| {
            let cell = cells.get(&vec![date.to_string()]);
            let has = ctx.dates.contains(&date);
            DayRow {
                date,
                conferences: day_fig(cell, c::CONFERENCES, has),
                participant_days: day_fig(cell, c::PARTICIPANTS, has),
                conference_hours: day_fig(cell, c::CONFERENCE_MINUTES, has).map(|m| m / 60.0),
                participant_hours: day_fig(cell, c::PARTICIPANT_MINUTES, has).map(|m| m / 60.0),
            }
        })
        .collect())
}

/// Weekly (ISO week) or monthly sums of `daily_usage` over the period.
fn span_rows(tables: &Tables, school: &str, ctx: &Context, monthly: bool) -> Result<Vec<SpanRow>> {
    let (by, lf) = if monthly {
        let lf = rows_of(&tables.daily, Some(school), ctx.period)
            .with_columns([col(c::DATE).dt().year().alias(YEAR), col(c::DATE).dt().month().alias(MONTH)]);
        ([YEAR, MONTH], lf)
    } else {
        let lf = rows_of(&tables.daily, Some(school), ctx.period)
            .with_columns([col(c::DATE).dt().iso_year().alias(ISO_YEAR), col(c::DATE).dt().week().alias(WEEK)]);
        ([ISO_YEAR, WEEK], lf)
    };
    let values = [c::CONFERENCES, c::PARTICIPANTS, c::CONFERENCE_MINUTES, c::PARTICIPANT_MINUTES]
        .iter()
        .map(|f| sum_released(f))
        .collect();
    let cells = index(aggregate(lf, &by, values, "daily_usage")?);
    let mut spans: Vec<SpanKey> = Vec::new();
    for date in ctx.period.iter_days() {
        let span = if monthly {
            SpanKey::Month { year: date.year(), month: date.month() }
        } else {
            let (year, week) = period::iso_week(date);
            SpanKey::Week { year, week }
        };
        if spans.last() != Some(&span) {
            spans.push(span);
        }
    }
    let mut rows = Vec::with_capacity(spans.len());
    for span in spans {
        let (key, days) = match span {
            SpanKey::Week { year, week } => {
                (vec![year.to_string(), week.to_string()], ctx.period.clip_week(year, week))
            }
            SpanKey::Month { year, month } => {
                (vec![year.to_string(), month.to_string()], ctx.period.clip_month(year, month))
            }
        };
        let Some(days) = days else { continue };
        let has = ctx.dates.range(days.from..=days.to).next().is_some();
        let cell = cells.get(&key);
        rows.push(SpanRow {
            span,
            days,
            suppressed_days: cell.map_or(0, |c| c.suppressed),
            conferences: day_fig(cell, c::CONFERENCES, has),
            participant_days: day_fig(cell, c::PARTICIPANTS, has),
            conference_hours: day_fig(cell, c::CONFERENCE_MINUTES, has).map(|m| m / 60.0),
            participant_hours: day_fig(cell, c::PARTICIPANT_MINUTES, has).map(|m| m / 60.0),
        });
    }
    Ok(rows)
}

fn parse_u32(s: &str) -> u32 {
    s.parse().unwrap_or(0)
}

fn heatmap(tables: &Tables, school: &str, period: Period, partial: bool) -> Result<Heatmap> {
    let lf = rows_of(&tables.hourly, Some(school), period);
    let values = || vec![sum_released(c::PARTICIPANT_MINUTES), sum_released(c::CONFERENCES)];
    let to_cell = |cell: &Cell| HourCell {
        weekday: parse_u32(&cell.key[0]),
        hour: parse_u32(&cell.key[1]),
        participant_hours: cell.fig(c::PARTICIPANT_MINUTES).map(|m| m / 60.0).partial_if(partial),
        conferences: cell.fig(c::CONFERENCES).partial_if(partial),
    };
    let cells: Vec<HourCell> =
        aggregate(lf.clone(), &[c::WEEKDAY, c::HOUR], values(), "usage_by_hour")?.iter().map(to_cell).collect();
    let peak = first_max(cells.iter().cloned(), |cell| cell.participant_hours.value);
    let hours = aggregate(lf, &[c::HOUR], values(), "usage_by_hour")?
        .into_iter()
        .map(|cell| (parse_u32(&cell.key[0]), cell.fig(c::PARTICIPANT_MINUTES).map(|m| m / 60.0)));
    let peak_hour = first_max(hours, |(_, fig)| fig.value);
    Ok(Heatmap { cells, peak, peak_hour })
}

/// The item with the largest positive value; the first one on ties (cells come sorted by key).
fn first_max<T>(items: impl Iterator<Item = T>, value: impl Fn(&T) -> Option<f64>) -> Option<T> {
    let mut best: Option<(f64, T)> = None;
    for item in items {
        if let Some(v) = value(&item).filter(|v| *v > 0.0)
            && best.as_ref().is_none_or(|(b, _)| v > *b)
        {
            best = Some((v, item));
        }
    }
    best.map(|(_, item)| item)
}

/// Values of a dimension in canonical order, then any others from the data (sorted).
fn ordered_values(canonical: &[&str], seen: impl Iterator<Item = String>) -> Vec<String> {
    let mut values: Vec<String> = canonical.iter().map(|v| (*v).to_owned()).collect();
    let mut extra: Vec<String> = seen.filter(|v| !canonical.contains(&v.as_str())).collect();
    extra.sort();
    extra.dedup();
    values.extend(extra);
    values
}

/// Shares of the categories of one dimension of `df` (`usage_by_client` or
/// `conference_buckets`), counting `counted` (participants or conferences).
fn breakdown(
    df: &DataFrame,
    school: Option<&str>,
    period: Period,
    (dimension, canonical): (&str, &[&str]),
    counted: &str,
    partial: bool,
) -> Result<Breakdown> {
    let lf = rows_of(df, school, period).filter(col(c::DIMENSION).eq(lit(dimension)));
    let values = || vec![sum_released(counted), sum_released(c::PARTICIPANT_MINUTES)];
    let total = single(aggregate(lf.clone(), &[], values(), dimension)?);
    let cells = index(aggregate(lf, &[c::VALUE], values(), dimension)?);
    let total_count = total.sum(counted).partial_if(partial);
    let rows = ordered_values(canonical, cells.keys().filter_map(|k| k.first().cloned()))
        .into_iter()
        .filter_map(|value| {
            let cell = cells.get(&vec![value.clone()])?;
            let count = cell.fig(counted).partial_if(partial);
            Some(ShareRow {
                value,
                count,
                share: Fig::ratio(count, total_count).partial_if(total_count.is_partial()),
                participant_hours: cell.fig(c::PARTICIPANT_MINUTES).map(|m| m / 60.0).partial_if(partial),
            })
        })
        .collect();
    Ok(Breakdown { dimension: dimension.to_owned(), total: total_count, rows })
}

/// The bucket that holds quantile `q` of the summed duration histogram.
fn percentile_bucket(durations: &Breakdown, q: f64) -> BucketFig {
    let total = durations.total;
    let Some(total_value) = total.value.filter(|t| *t > 0.0) else {
        let status = if total.status == Status::Suppressed { Status::Suppressed } else { Status::Unavailable };
        return BucketFig { bucket: None, status };
    };
    let mut cumulative = 0.0;
    for row in &durations.rows {
        cumulative += row.count.value.unwrap_or(0.0);
        if cumulative >= q * total_value {
            return BucketFig { bucket: Some(row.value.clone()), status: total.status };
        }
    }
    BucketFig { bucket: None, status: Status::Unavailable }
}

/// Media as shares of participant-minutes: for each medium, its minutes on days where both its
/// cell and the day's `daily_usage` cell are released, over the day's participant minutes of the
/// same days.
fn media(tables: &Tables, school: &str, period: Period, totals: &Totals) -> Result<Vec<ShareRow>> {
    let days = rows_of(&tables.daily, Some(school), period)
        .filter(released())
        .select([col(c::DATE), col(c::PARTICIPANT_MINUTES).alias(DAY_MINUTES)]);
    let joined = rows_of(&tables.media, Some(school), period).join(
        days,
        [col(c::DATE)],
        [col(c::DATE)],
        JoinArgs::new(JoinType::Inner),
    );
    let minus = (DAY_MINUTES.to_owned(), col(DAY_MINUTES).cast(DataType::Float64).filter(released().not()).sum());
    let values = vec![sum_released(c::PARTICIPANTS), sum_released(c::PARTICIPANT_MINUTES), minus];
    let cells = index(aggregate(joined, &[c::MEDIUM], values, "media_use")?);
    let day_minutes = totals.cell.sum(c::PARTICIPANT_MINUTES);
    let daily_partial = totals.suppressed_days() > 0;
    Ok(ordered_values(&MEDIA, cells.keys().filter_map(|k| k.first().cloned()))
        .into_iter()
        .filter_map(|medium| {
            let cell = cells.get(&vec![medium.clone()])?;
            let minutes = cell.fig(c::PARTICIPANT_MINUTES);
            let denominator = day_minutes.map(|d| d - cell.value(DAY_MINUTES).unwrap_or(0.0));
            Some(ShareRow {
                value: medium,
                count: cell.fig(c::PARTICIPANTS).partial_if(daily_partial),
                share: Fig::ratio(minutes, denominator).partial_if(daily_partial || minutes.is_partial()),
                participant_hours: minutes.map(|m| m / 60.0).partial_if(daily_partial),
            })
        })
        .collect())
}

fn error_values() -> Vec<(String, Expr)> {
    [c::EVENTS, c::SESSIONS, c::CONFERENCES].iter().map(|f| sum_released(f)).collect()
}

fn error_rows(tables: &Tables, school: &str, period: Period, totals: &Totals) -> Result<Vec<ErrorRow>> {
    let lf = rows_of(&tables.errors, Some(school), period);
    let cells = aggregate(lf, &[c::COMPONENT, c::CODE], error_values(), "errors")?;
    let conferences = totals.cell.sum(c::CONFERENCES);
    let partial = totals.suppressed_days() > 0;
    let mut rows: Vec<ErrorRow> = cells
        .iter()
        .map(|cell| ErrorRow {
            component: cell.key[0].clone(),
            code: cell.key[1].clone(),
            events: cell.fig(c::EVENTS).partial_if(partial),
            sessions: cell.fig(c::SESSIONS).partial_if(partial),
            conferences: cell.fig(c::CONFERENCES).partial_if(partial),
            conference_share: Fig::ratio(cell.fig(c::CONFERENCES), conferences),
        })
        .collect();
    sort_by_events(&mut rows, |r| r.events);
    Ok(rows)
}

/// Most events first; suppressed rows last; ties in key order (the input order).
fn sort_by_events<T>(rows: &mut [T], events: impl Fn(&T) -> Fig) {
    rows.sort_by(|a, b| {
        let (a, b) = (events(a).value.unwrap_or(-1.0), events(b).value.unwrap_or(-1.0));
        b.partial_cmp(&a).unwrap_or(std::cmp::Ordering::Equal)
    });
}

fn quality(
    tables: &[(&'static str, &DataFrame)],
    school: Option<&str>,
    ctx: &Context,
    totals: &Totals,
) -> Result<Quality> {
    let mut out = Vec::with_capacity(tables.len());
    for (name, df) in tables {
        let values = vec![count_flag(PRIMARY), count_flag(SECONDARY)];
        let cell = single(aggregate(rows_of(df, school, ctx.period), &[], values, name)?);
        let count = |flag: &str| cell.value(flag).map_or(0, |v| v as u32);
        out.push(TableQuality {
            table: name,
            cells: cell.released + cell.suppressed,
            primary: count(PRIMARY),
            secondary: count(SECONDARY),
        });
    }
    Ok(Quality {
        days: ctx.period.days(),
        days_with_statistics: ctx.days_with_statistics(),
        active_days: totals.cell.released + totals.cell.suppressed,
        suppressed_days: totals.suppressed_days(),
        tables: out,
    })
}

// ---------------------------------------------------------------------------------------------
// Provider overview

/// One school in the provider overview. Holds no personal data (IServ instance id and sums).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SchoolRow {
    /// The school (IServ instance id).
    pub school: String,
    /// Conferences in the period.
    pub conferences: Fig,
    /// Participant-days in the period.
    pub participant_days: Fig,
    /// Participant hours in the period.
    pub participant_hours: Fig,
    /// Participant hours in the previous period.
    pub previous_participant_hours: Fig,
    /// Relative change of participant hours.
    pub growth: Fig,
    /// Days with a suppressed `daily_usage` cell in the period.
    pub suppressed_days: u32,
}

/// p50, p95 and maximum over hours. Not personal data.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Spread {
    /// Median.
    pub p50: Fig,
    /// 95th percentile.
    pub p95: Fig,
    /// Maximum.
    pub max: Fig,
}

/// Load of one server (or the fleet) over the hours with activity. Holds no personal data (the
/// provider's own host names and sums).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ServerRow {
    /// Server host name, or `None` for the whole fleet.
    pub server: Option<String>,
    /// Hours with activity.
    pub hours: u32,
    /// Concurrent conferences per hour.
    pub conferences: Spread,
    /// Concurrent participants per hour.
    pub participants: Spread,
    /// Concurrent webcams per hour.
    pub webcams: Spread,
    /// Joins in the period.
    pub joins: Fig,
    /// Error events in the period.
    pub errors: Fig,
    /// Audio failures in the period.
    pub audio_failures: Fig,
    /// Reconnects in the period.
    pub reconnects: Fig,
}

/// One step of the join funnel. Not personal data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FunnelStep {
    /// Which step.
    pub measure: Measure,
    /// Its count.
    pub value: Fig,
    /// Its share of its base step (`base`); unavailable for the first step and for joins.
    pub rate: Fig,
    /// The step `rate` is relative to.
    pub base: Option<Measure>,
}

/// One server × component × code of the fleet's errors. Holds no personal data.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FleetErrorRow {
    /// Server host name.
    pub server: String,
    /// Component.
    pub component: String,
    /// Error code.
    pub code: String,
    /// Events.
    pub events: Fig,
    /// Sessions affected.
    pub sessions: Fig,
    /// Conferences affected.
    pub conferences: Fig,
    /// Events per 1,000 joins of the server.
    pub per_1000_joins: Fig,
}

/// The provider's fleet view. Holds no personal data: sums over schools and servers.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Overview {
    /// Periods and suppression threshold.
    #[serde(skip)]
    pub ctx: Context,
    /// Fleet totals with trend.
    pub totals: Vec<TrendRow>,
    /// Schools by participant hours (most first).
    pub schools: Vec<SchoolRow>,
    /// Servers (the fleet first).
    pub servers: Vec<ServerRow>,
    /// The join funnel.
    pub funnel: Vec<FunnelStep>,
    /// Errors by server, component and code (most events first).
    pub errors: Vec<FleetErrorRow>,
    /// Conference sizes over all schools.
    pub sizes: Breakdown,
    /// Suppressed cells.
    pub quality: Quality,
}

const FLEET_TOTALS: [Measure; 6] = [
    Measure::ActiveSchools,
    Measure::Conferences,
    Measure::ParticipantDays,
    Measure::ConferenceHours,
    Measure::ParticipantHours,
    Measure::AudioJoinSuccessRate,
];

impl Overview {
    /// Computes the overview over every school and server.
    pub(crate) fn build(tables: &Tables, ctx: &Context) -> Result<Overview> {
        let current = Totals::compute(tables, None, ctx.period, true)?;
        let previous = Totals::compute(tables, None, ctx.previous, ctx.previous_has_data)?;
        let active = |p: Period, available: bool| -> Result<Fig> {
            if !available {
                return Ok(Fig::UNAVAILABLE);
            }
            let values = vec![("schools".to_owned(), col(c::SCHOOL).filter(released()).n_unique())];
            let cell = single(aggregate(rows_of(&tables.daily, None, p), &[], values, "daily_usage")?);
            Ok(Fig::released(cell.value("schools").unwrap_or(0.0)))
        };
        let mut totals = trend_rows(&FLEET_TOTALS, &current, &previous);
        totals[0] = TrendRow::new(
            Measure::ActiveSchools,
            active(ctx.period, true)?,
            active(ctx.previous, ctx.previous_has_data)?,
        );
        let mut all = tables.school_tables().to_vec();
        all.extend(tables.fleet_tables());
        let servers = server_rows(tables, ctx.period)?;
        Ok(Overview {
            ctx: ctx.clone(),
            totals,
            schools: school_rows(tables, ctx)?,
            funnel: funnel(tables, ctx.period, &current)?,
            errors: fleet_error_rows(tables, ctx.period, &servers)?,
            servers,
            sizes: breakdown(&tables.buckets, None, ctx.period, SIZE, c::CONFERENCES, current.suppressed_days() > 0)?,
            quality: quality(&all, None, ctx, &current)?,
        })
    }
}

fn school_rows(tables: &Tables, ctx: &Context) -> Result<Vec<SchoolRow>> {
    let values =
        || vec![sum_released(c::CONFERENCES), sum_released(c::PARTICIPANTS), sum_released(c::PARTICIPANT_MINUTES)];
    let current = aggregate(rows_of(&tables.daily, None, ctx.period), &[c::SCHOOL], values(), "daily_usage")?;
    let previous = index(aggregate(rows_of(&tables.daily, None, ctx.previous), &[c::SCHOOL], values(), "daily_usage")?);
    let mut rows: Vec<SchoolRow> = current
        .iter()
        .map(|cell| {
            let hours = cell.fig(c::PARTICIPANT_MINUTES).map(|m| m / 60.0);
            let previous_hours = match previous.get(&cell.key) {
                _ if !ctx.previous_has_data => Fig::UNAVAILABLE,
                Some(prev) => prev.fig(c::PARTICIPANT_MINUTES).map(|m| m / 60.0),
                None => Fig::released(0.0),
            };
            SchoolRow {
                school: cell.key[0].clone(),
                conferences: cell.fig(c::CONFERENCES),
                participant_days: cell.fig(c::PARTICIPANTS),
                participant_hours: hours,
                previous_participant_hours: previous_hours,
                growth: TrendRow::new(Measure::ParticipantHours, hours, previous_hours).change,
                suppressed_days: cell.suppressed,
            }
        })
        .collect();
    sort_by_events(&mut rows, |r| r.participant_hours);
    Ok(rows)
}

const PEAKS: [&str; 3] = [c::PEAK_CONFERENCES, c::PEAK_CONCURRENT, c::PEAK_WEBCAMS];
const QUANTILES: [f64; 2] = [0.5, 0.95];
const SERVER_SUMS: [&str; 4] = [c::JOINS, c::ERRORS, c::AUDIO_FAILURES, c::RECONNECTS];

fn spread(cell: &Cell, column: &str) -> Spread {
    Spread {
        p50: cell.fig(&quantile_name(column, QUANTILES[0])),
        p95: cell.fig(&quantile_name(column, QUANTILES[1])),
        max: cell.fig(column),
    }
}

fn server_row(cell: &Cell, server: Option<String>) -> ServerRow {
    ServerRow {
        server,
        hours: cell.released + cell.suppressed,
        conferences: spread(cell, c::PEAK_CONFERENCES),
        participants: spread(cell, c::PEAK_CONCURRENT),
        webcams: spread(cell, c::PEAK_WEBCAMS),
        joins: cell.sum(c::JOINS),
        errors: cell.sum(c::ERRORS),
        audio_failures: cell.sum(c::AUDIO_FAILURES),
        reconnects: cell.sum(c::RECONNECTS),
    }
}

fn peak_values() -> Vec<(String, Expr)> {
    let mut values = Vec::new();
    for peak in PEAKS {
        values.push(max_released(peak));
        values.extend(QUANTILES.iter().map(|&q| quantile_released(peak, q)));
    }
    values.extend(SERVER_SUMS.iter().map(|f| sum_released(f)));
    values
}

/// Per server: p50/p95/max of the hourly peaks. The fleet row adds the servers' peaks per hour
/// (an upper bound of the fleet's concurrency: servers peak at different minutes).
fn server_rows(tables: &Tables, period: Period) -> Result<Vec<ServerRow>> {
    let lf = rows_of(&tables.fleet_hourly, None, period);
    let mut rows = vec![fleet_row(lf.clone())?];
    for cell in aggregate(lf, &[c::SERVER], peak_values(), "fleet_hourly")? {
        rows.push(server_row(&cell, Some(cell.key[0].clone())));
    }
    Ok(rows)
}

/// The fleet: per (date, hour) the sums of the released server-hours, then p50/p95/max over the
/// hours with at least one released server-hour. Partial when any server-hour was suppressed.
fn fleet_row(lf: LazyFrame) -> Result<ServerRow> {
    const WHAT: &str = "fleet_hourly";
    let mut per_hour: Vec<Expr> = PEAKS.iter().chain(&SERVER_SUMS).map(|f| sum_released(f).1.alias(*f)).collect();
    per_hour.push(released().not().cast(DataType::UInt32).sum().alias(N_SUPPRESSED));
    per_hour.push(released().cast(DataType::UInt32).sum().alias(N_RELEASED));
    let hours = lf.group_by([col(c::DATE), col(c::HOUR)]).agg(per_hour);
    let with_release = || col(N_RELEASED).gt(lit(0u32));
    let mut values: Vec<(String, Expr)> = Vec::new();
    for peak in PEAKS {
        values.push((peak.to_owned(), col(peak).filter(with_release()).max()));
        for q in QUANTILES {
            let quantile = col(peak).filter(with_release()).quantile(lit(q), QuantileMethod::Nearest);
            values.push((quantile_name(peak, q), quantile));
        }
    }
    values.extend(SERVER_SUMS.iter().map(|f| ((*f).to_owned(), col(*f).sum())));
    values.push((HOURS.to_owned(), len()));
    let names: Vec<String> = values.iter().map(|(n, _)| n.clone()).collect();
    let mut exprs: Vec<Expr> = values.into_iter().map(|(n, e)| e.cast(DataType::Float64).alias(n)).collect();
    exprs.push(col(N_SUPPRESSED).sum().cast(DataType::UInt32).alias(N_SUPPRESSED));
    exprs.push(with_release().cast(DataType::UInt32).sum().alias(N_RELEASED));
    exprs.push(lit(0u32).cast(DataType::UInt32).alias(N_RELEASED_DAYS));
    let df = hours.select(exprs).collect().ctx(WHAT)?;
    let cell = single(cells(&df, &[], &names).ctx(WHAT)?);
    let mut row = server_row(&cell, None);
    row.hours = cell.value(HOURS).map_or(0, |h| h as u32);
    Ok(row)
}

/// The funnel's steps, their columns and the step each one's rate is relative to: conferences
/// of the meetings created, audio and webcam sessions of the joins (joins per conference are no
/// conversion rate). Every step but conferences sums events of `fleet_hourly`; conferences come
/// from `daily_usage` (`fleet_hourly` counts a conference in every hour it runs).
const FUNNEL: [(Measure, &str, Option<Measure>); 5] = [
    (Measure::MeetingsCreated, c::MEETINGS_CREATED, None),
    (Measure::Conferences, c::CONFERENCES, Some(Measure::MeetingsCreated)),
    (Measure::Joins, c::JOINS, None),
    (Measure::AudioSessions, c::AUDIO_SESSIONS, Some(Measure::Joins)),
    (Measure::WebcamSessions, c::WEBCAM_SESSIONS, Some(Measure::Joins)),
];

fn funnel(tables: &Tables, period: Period, totals: &Totals) -> Result<Vec<FunnelStep>> {
    let values = FUNNEL.iter().filter(|(m, ..)| *m != Measure::Conferences).map(|(_, f, _)| sum_released(f)).collect();
    let cell = single(aggregate(rows_of(&tables.fleet_hourly, None, period), &[], values, "fleet_hourly")?);
    let mut steps: Vec<FunnelStep> = Vec::with_capacity(FUNNEL.len());
    for (measure, column, base) in FUNNEL {
        let value = if measure == Measure::Conferences { totals.fig(measure) } else { cell.sum(column) };
        let base_value = base.and_then(|b| steps.iter().find(|s| s.measure == b)).map(|s| s.value);
        let rate = base_value.map_or(Fig::UNAVAILABLE, |b| Fig::ratio(value, b));
        steps.push(FunnelStep { measure, value, rate, base });
    }
    Ok(steps)
}

fn fleet_error_rows(tables: &Tables, period: Period, servers: &[ServerRow]) -> Result<Vec<FleetErrorRow>> {
    let lf = rows_of(&tables.fleet_errors, None, period);
    let cells = aggregate(lf, &[c::SERVER, c::COMPONENT, c::CODE], error_values(), "fleet_errors")?;
    let mut rows: Vec<FleetErrorRow> = cells
        .iter()
        .map(|cell| {
            let joins = servers
                .iter()
                .find(|s| s.server.as_deref() == Some(cell.key[0].as_str()))
                .map_or(Fig::UNAVAILABLE, |s| s.joins);
            let events = cell.fig(c::EVENTS);
            FleetErrorRow {
                server: cell.key[0].clone(),
                component: cell.key[1].clone(),
                code: cell.key[2].clone(),
                events,
                sessions: cell.fig(c::SESSIONS),
                conferences: cell.fig(c::CONFERENCES),
                per_1000_joins: Fig::ratio(events, joins).map(|r| r * 1000.0),
            }
        })
        .collect();
    sort_by_events(&mut rows, |r| r.events);
    Ok(rows)
}
