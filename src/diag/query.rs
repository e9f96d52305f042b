//! `confstats query`: SQL over the published store (polars SQL).
//!
//! Tables:
//! - `events`: every store record of the days whose key is alive — the store's columns
//!   (`schemas/store.schema.json`) plus `date` (the store day) and `local_time` (`time` in the
//!   configured zone).
//! - `sessions`: one row per participant session (one BBB user id, `s_`): its participant,
//!   meeting, room, school, server, role, client and device, network, `join_time` (first join),
//!   `leave_time` (last leave; null when none was logged), `joins`, `leaves` (more than one join:
//!   reconnects with the same session), `events`, `errors`, `end_time` (the leave, else the
//!   conference's end) and `duration_s` (join → end). Read from the tables the nightly run
//!   precomputes per day ([`super::sessions`]), else computed from `events`.
//! - `errors`: the error events (audio, webcam, screen sharing, media server, client) with the
//!   `meaning` of their code (FORMATS.md).
//!
//! All of it is pseudonymised (`p_`, `s_`, `m_`, `r_`, `n_`) or generalised: no result holds a
//! personal value. Only these tables can be read: polars' file-reading table functions
//! (`read_csv(…)`, `read_parquet(…)`) are refused, so a query cannot reach raw logs.

use std::fmt::Write as _;

use anyhow::{Result, anyhow};
use chrono::{DateTime, TimeZone as _};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use confstats_anonymize::columns as c;
use polars::prelude::*;
use polars::sql::SQLContext;

use super::{Store, meaning};
use crate::commands::Blame;

/// The event kinds the `errors` view holds.
pub const ERROR_KINDS: [&str; 5] =
    ["audio_failed", "webcam_failed", "screenshare_failed", "media_server_error", "client_error"];

/// The tables a query can read.
pub const TABLES: [&str; 3] = ["events", "sessions", "errors"];

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A terminal table (the default).
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects, one per row.
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err("use table, csv or json".to_owned()),
        }
    }
}

/// Rows of one of the event kinds `list`.
pub(crate) fn kinds(list: &[&str]) -> Expr {
    col(c::KIND).is_in(lit(Series::new("kinds".into(), list)).implode(false), false)
}

/// The `errors` view over `events`: error events with the meaning of their code.
pub fn errors(events: LazyFrame) -> Result<LazyFrame> {
    let (codes, meanings): (Vec<String>, Vec<&str>) = meaning::code_table().into_iter().unzip();
    let table =
        df!("__code" => codes, "meaning" => meanings).map_err(super::polars_err("build the error-code table"))?;
    let log = || col(c::LOG_CODE).str();
    let by_log = when(log().contains_literal(lit("_broker_")))
        .then(lit("media broker (SFU connection) error"))
        .when(log().starts_with(lit("video_provider_")))
        .then(lit("webcam component error"))
        .when(log().starts_with(lit("screenshare_failed")))
        .then(lit("screen sharing failed"))
        .when(log().starts_with(lit("audio_join_failure")))
        .then(lit("audio join failed"))
        .when(log().starts_with(lit("sip_js_")))
        .then(lit("audio (SIP.js) component error"))
        .otherwise(lit(NULL).cast(DataType::String));
    Ok(events
        .filter(kinds(&ERROR_KINDS))
        .join(table.lazy(), [col(c::ERROR_CODE)], [col("__code")], JoinArgs::new(JoinType::Left))
        .with_column(coalesce(&[col("meaning"), by_log]).alias("meaning")))
}

/// Polars' table functions that read files: a query may not use them.
const FILE_FUNCTIONS: [&str; 6] = ["read_csv", "read_parquet", "read_ipc", "read_json", "read_ndjson", "read_delta"];

/// Runs `sql` over the store and returns the result.
pub fn run(store: &Store, sql: &str, tz: chrono_tz::Tz) -> Result<DataFrame> {
    let usage = |e: PolarsError| match e {
        PolarsError::IO { .. } => anyhow::Error::new(e).context(Blame::Input),
        e => anyhow::Error::new(e).context("bad query").context(Blame::Usage),
    };
    let tables = polars::sql::extract_table_identifiers(sql, false, true).map_err(usage)?;
    if let Some(f) = tables.iter().find(|t| FILE_FUNCTIONS.contains(&t.to_ascii_lowercase().as_str())) {
        return Err(anyhow!("`{f}` is not available: a query reads the store only (tables {})", TABLES.join(", "))
            .context(Blame::Usage));
    }
    let events = store.events(None, tz)?;
    let mut ctx = SQLContext::new();
    ctx.register("events", events.clone());
    ctx.register("sessions", store.sessions(events.clone())?);
    ctx.register("errors", errors(events)?);
    let lf = ctx.execute(sql).map_err(usage)?;
    super::collect(lf).map_err(usage)
}

/// A cell's text: strings as they are, times in their own zone with the offset, null as empty
/// (tables print `NULL`).
fn text(v: &AnyValue<'_>) -> Option<String> {
    Some(match v {
        AnyValue::Null => return None,
        AnyValue::String(s) => (*s).to_owned(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Boolean(b) => b.to_string(),
        AnyValue::Date(d) => {
            chrono::NaiveDate::from_num_days_from_ce_opt(*d + 719_163).map_or_else(|| d.to_string(), |d| d.to_string())
        }
        AnyValue::Datetime(t, unit, tz) => datetime(*t, *unit, tz.map(|z| z.as_str()), " "),
        AnyValue::DatetimeOwned(t, unit, tz) => datetime(*t, *unit, tz.as_deref().map(|z| z.as_str()), " "),
        AnyValue::Float64(f) => float(*f),
        AnyValue::Float32(f) => float(f64::from(*f)),
        other => other.to_string(),
    })
}

fn float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 { format!("{f:.1}") } else { format!("{f}") }
}

/// A timestamp as `YYYY-MM-DD<sep>HH:MM:SS.mmm+HH:MM` in its zone (UTC when it has none).
fn datetime(t: i64, unit: TimeUnit, tz: Option<&str>, sep: &str) -> String {
    let micros = match unit {
        TimeUnit::Nanoseconds => t / 1000,
        TimeUnit::Microseconds => t,
        TimeUnit::Milliseconds => t.saturating_mul(1000),
    };
    let Some(utc) = DateTime::from_timestamp_micros(micros) else { return t.to_string() };
    let zone: chrono_tz::Tz = tz.and_then(|z| z.parse().ok()).unwrap_or(chrono_tz::UTC);
    zone.from_utc_datetime(&utc.naive_utc()).format(&format!("%Y-%m-%d{sep}%H:%M:%S%.3f%:z")).to_string()
}

/// A JSON value of a cell: numbers and booleans as such, everything else as text.
pub fn json_value(v: &AnyValue<'_>) -> serde_json::Value {
    use serde_json::Value;
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::UInt8(n) => (*n).into(),
        AnyValue::UInt16(n) => (*n).into(),
        AnyValue::UInt32(n) => (*n).into(),
        AnyValue::UInt64(n) => (*n).into(),
        AnyValue::Int8(n) => (*n).into(),
        AnyValue::Int16(n) => (*n).into(),
        AnyValue::Int32(n) => (*n).into(),
        AnyValue::Int64(n) => (*n).into(),
        AnyValue::Float32(f) => serde_json::Number::from_f64(f64::from(*f)).map_or(Value::Null, Value::Number),
        AnyValue::Float64(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        // RFC 3339.
        AnyValue::Datetime(t, unit, tz) => Value::String(datetime(*t, *unit, tz.map(|z| z.as_str()), "T")),
        AnyValue::DatetimeOwned(t, unit, tz) => {
            Value::String(datetime(*t, *unit, tz.as_deref().map(|z| z.as_str()), "T"))
        }
        other => text(other).map_or(Value::Null, Value::String),
    }
}

fn is_numeric(dtype: &DataType) -> bool {
    dtype.is_primitive_numeric()
}

/// Renders a result as a terminal table of at most `max_rows` rows (0: all; when cut, the
/// first and last halves are shown, as DuckDB does), `width` columns wide when given.
pub fn table(df: &DataFrame, max_rows: usize, width: Option<u16>) -> Result<String> {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners());
    match width {
        Some(w) => {
            t.set_width(w);
            t.set_content_arrangement(ContentArrangement::Dynamic);
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    let cols = df.columns();
    t.set_header(cols.iter().map(|col| {
        let cell = Cell::new(format!("{}\n{}", col.name(), col.dtype()));
        if is_numeric(col.dtype()) { cell.set_alignment(CellAlignment::Right) } else { cell }
    }));
    let n = df.height();
    let shown: Vec<Option<usize>> = if max_rows == 0 || n <= max_rows {
        (0..n).map(Some).collect()
    } else {
        let head = max_rows.div_ceil(2);
        let tail = max_rows - head;
        (0..head).map(Some).chain(std::iter::once(None)).chain((n - tail..n).map(Some)).collect()
    };
    for row in shown {
        let cells = cols.iter().map(|col| {
            let Some(i) = row else { return Cell::new("…").set_alignment(CellAlignment::Center) };
            let cell = match col.get(i) {
                Ok(v) => Cell::new(text(&v).unwrap_or_else(|| "NULL".to_owned())),
                Err(_) => Cell::new("?"),
            };
            if is_numeric(col.dtype()) { cell.set_alignment(CellAlignment::Right) } else { cell }
        });
        t.add_row(cells);
    }
    let mut out = t.to_string();
    out.push('\n');
    let shown = if max_rows == 0 || n <= max_rows { n } else { max_rows };
    let _ = write!(out, "{n} row{} × {} column{}", plural(n), cols.len(), plural(cols.len()));
    if shown < n {
        let _ = write!(out, " ({shown} shown; `--max-rows 0` shows all, `--format csv` writes all)");
    }
    out.push('\n');
    Ok(out)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Renders a result as CSV (header row; times as RFC 3339).
pub fn csv(df: &mut DataFrame) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    CsvWriter::new(&mut out).include_header(true).finish(df).map_err(super::polars_err("write CSV"))?;
    Ok(out)
}

/// Renders a result as a JSON array of objects (keys in column order), one row per line.
pub fn json_rows(df: &DataFrame) -> Result<String> {
    let cols = df.columns();
    let names: Vec<String> =
        cols.iter().map(|col| serde_json::to_string(col.name().as_str())).collect::<Result<_, _>>()?;
    let mut out = String::from("[");
    for i in 0..df.height() {
        out.push_str(if i == 0 { "\n  {" } else { ",\n  {" });
        for (j, col) in cols.iter().enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            out.push_str(&names[j]);
            out.push_str(": ");
            let v = col.get(i).map(|v| json_value(&v)).unwrap_or(serde_json::Value::Null);
            out.push_str(&serde_json::to_string(&v)?);
        }
        out.push('}');
    }
    out.push_str(if df.height() == 0 { "]\n" } else { "\n]\n" });
    Ok(out)
}
