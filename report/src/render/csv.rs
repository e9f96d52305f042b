//! The CSV reports: one tidy table `scope,section,period,key,figure,value,status`.
//!
//! See the module documentation of [`super`] for the meaning of each column. Values are plain
//! machine numbers (`.` decimal point, no thousands separator, shares as fractions 0–1); a
//! suppressed or unavailable value is empty and named in `status`. Written with polars' CSV
//! writer (UTF-8, `,` separator, quoting where needed).

use polars::prelude::*;

use super::model::{
    Breakdown, Fig, Measure, Overview, Quality, SchoolReport, ServerRow, ShareRow, SpanKey, SpanRow, Status, TrendRow,
};
use super::period::Period;
use crate::error::{PolarsContext, Result};

/// The CSV header, in order.
pub(crate) const COLUMNS: [&str; 7] = ["scope", "section", "period", "key", "figure", "value", "status"];
// Figure names shared with the JSON report (the measures' machine names).
const CONFERENCES: &str = Measure::Conferences.key();
const PARTICIPANT_DAYS: &str = Measure::ParticipantDays.key();
const CONFERENCE_HOURS: &str = Measure::ConferenceHours.key();
const PARTICIPANT_HOURS: &str = Measure::ParticipantHours.key();

/// `scope` of the overview's rows.
const FLEET_SCOPE: &str = "fleet";

/// A plain machine number: integers without decimals, others with up to 6 decimals.
pub(crate) fn machine(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        let s = format!("{value:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn status(status: Status) -> &'static str {
    match status {
        Status::Released => "",
        Status::Partial => "partial",
        Status::Suppressed => "suppressed",
        Status::Unavailable => "unavailable",
    }
}

/// Rows being collected for one report.
struct Rows {
    scope: String,
    rows: Vec<[String; 7]>,
}

impl Rows {
    fn new(scope: &str) -> Rows {
        Rows { scope: scope.to_owned(), rows: Vec::new() }
    }

    fn text(&mut self, section: &str, period: &str, key: &str, figure: &str, value: &str, st: &str) {
        self.rows.push([
            self.scope.clone(),
            section.to_owned(),
            period.to_owned(),
            key.to_owned(),
            figure.to_owned(),
            value.to_owned(),
            st.to_owned(),
        ]);
    }

    fn fig(&mut self, section: &str, period: &str, key: &str, figure: &str, fig: Fig) {
        let value = match fig.status {
            Status::Suppressed | Status::Unavailable => String::new(),
            _ => fig.value.map(machine).unwrap_or_default(),
        };
        let st = if value.is_empty() && fig.status != Status::Suppressed { "unavailable" } else { status(fig.status) };
        self.text(section, period, key, figure, &value, st);
    }

    fn count(&mut self, section: &str, period: &str, key: &str, figure: &str, n: u32) {
        self.fig(section, period, key, figure, Fig::released(f64::from(n)));
    }

    fn trend(&mut self, section: &str, current: Period, previous: Period, rows: &[TrendRow]) {
        for row in rows {
            let figure = row.measure.key();
            self.fig(section, &current.iso(), "", figure, row.current);
            self.fig(section, &previous.iso(), "", figure, row.previous);
            self.fig(section, &current.iso(), "", &format!("{figure}_change"), row.change);
        }
    }

    fn breakdown(&mut self, section: &str, period: Period, breakdown: &Breakdown, counted: &str) {
        let dim = &breakdown.dimension;
        self.fig(section, &period.iso(), &format!("{dim}=*"), counted, breakdown.total);
        for row in &breakdown.rows {
            let key = format!("{dim}={}", row.value);
            self.share_row(section, period, &key, counted, row);
        }
    }

    fn share_row(&mut self, section: &str, period: Period, key: &str, counted: &str, row: &ShareRow) {
        self.fig(section, &period.iso(), key, counted, row.count);
        self.fig(section, &period.iso(), key, "share", row.share);
        self.fig(section, &period.iso(), key, PARTICIPANT_HOURS, row.participant_hours);
    }

    fn spans(&mut self, section: &str, rows: &[SpanRow]) {
        for row in rows {
            let key = match row.span {
                SpanKey::Week { .. } => format!("week={}", row.span.iso()),
                SpanKey::Month { .. } => format!("month={}", row.span.iso()),
            };
            let period = row.days.iso();
            self.fig(section, &period, &key, CONFERENCES, row.conferences);
            self.fig(section, &period, &key, PARTICIPANT_DAYS, row.participant_days);
            self.fig(section, &period, &key, CONFERENCE_HOURS, row.conference_hours);
            self.fig(section, &period, &key, PARTICIPANT_HOURS, row.participant_hours);
            self.count(section, &period, &key, "suppressed_days", row.suppressed_days);
        }
    }

    fn quality(&mut self, period: Period, quality: &Quality) {
        const SECTION: &str = "quality";
        let p = period.iso();
        self.count(SECTION, &p, "", "days", quality.days);
        self.count(SECTION, &p, "", "days_with_statistics", quality.days_with_statistics);
        self.count(SECTION, &p, "", "active_days", quality.active_days);
        self.count(SECTION, &p, "", "suppressed_days", quality.suppressed_days);
        for t in &quality.tables {
            let key = format!("table={}", t.table);
            self.count(SECTION, &p, &key, "cells", t.cells);
            self.count(SECTION, &p, &key, "primary_suppressed", t.primary);
            self.count(SECTION, &p, &key, "secondary_suppressed", t.secondary);
        }
    }

    fn server(&mut self, period: Period, server: &ServerRow) {
        const SECTION: &str = "servers";
        let p = period.iso();
        let key = format!("server={}", server.server.as_deref().unwrap_or("*"));
        self.count(SECTION, &p, &key, "hours", server.hours);
        for (name, spread) in
            [("conferences", server.conferences), ("participants", server.participants), ("webcams", server.webcams)]
        {
            self.fig(SECTION, &p, &key, &format!("concurrent_{name}_p50"), spread.p50);
            self.fig(SECTION, &p, &key, &format!("concurrent_{name}_p95"), spread.p95);
            self.fig(SECTION, &p, &key, &format!("concurrent_{name}_max"), spread.max);
        }
        self.fig(SECTION, &p, &key, "joins", server.joins);
        self.fig(SECTION, &p, &key, "errors", server.errors);
        self.fig(SECTION, &p, &key, "audio_failures", server.audio_failures);
        self.fig(SECTION, &p, &key, "reconnects", server.reconnects);
    }

    fn write(self) -> Result<Vec<u8>> {
        let columns: Vec<Column> = COLUMNS
            .iter()
            .enumerate()
            .map(|(i, name)| {
                // Empty fields are nulls: polars writes them as nothing (an empty string as `""`).
                let values: Vec<Option<&str>> =
                    self.rows.iter().map(|r| Some(r[i].as_str()).filter(|v| !v.is_empty())).collect();
                Column::new((*name).into(), values)
            })
            .collect();
        let mut df = DataFrame::new(self.rows.len(), columns).ctx("CSV report")?;
        let mut buf = Vec::new();
        CsvWriter::new(&mut buf).include_header(true).finish(&mut df).ctx("CSV report")?;
        Ok(buf)
    }
}

/// The school report as CSV.
pub(crate) fn school(report: &SchoolReport) -> Result<Vec<u8>> {
    let ctx = &report.ctx;
    let (period, previous) = (ctx.period, ctx.previous);
    let mut rows = Rows::new(&report.school);
    rows.trend("headline", period, previous, &report.headline);
    for (figure, buckets) in
        [("median_duration_bucket", &report.median_duration), ("p90_duration_bucket", &report.p90_duration)]
    {
        for (p, bucket) in [(period, &buckets[0]), (previous, &buckets[1])] {
            let value = bucket.bucket.clone().unwrap_or_default();
            let st = if value.is_empty() && bucket.status != Status::Suppressed {
                "unavailable"
            } else {
                status(bucket.status)
            };
            rows.text("headline", &p.iso(), "", figure, &value, st);
        }
    }
    for day in &report.daily {
        let d = day.date.to_string();
        rows.fig("daily", &d, "", CONFERENCES, day.conferences);
        rows.fig("daily", &d, "", PARTICIPANT_DAYS, day.participant_days);
        rows.fig("daily", &d, "", CONFERENCE_HOURS, day.conference_hours);
        rows.fig("daily", &d, "", PARTICIPANT_HOURS, day.participant_hours);
    }
    rows.spans("weekly", &report.weekly);
    rows.spans("monthly", &report.monthly);
    for cell in &report.hours.cells {
        let key = format!("weekday={};hour={}", cell.weekday, cell.hour);
        rows.fig("hours", &period.iso(), &key, PARTICIPANT_HOURS, cell.participant_hours);
        rows.fig("hours", &period.iso(), &key, CONFERENCES, cell.conferences);
    }
    rows.breakdown("durations", period, &report.durations, CONFERENCES);
    rows.breakdown("sizes", period, &report.sizes, CONFERENCES);
    for breakdown in &report.clients {
        rows.breakdown("clients", period, breakdown, PARTICIPANT_DAYS);
    }
    for medium in &report.media {
        let key = format!("medium={}", medium.value);
        rows.share_row("media", period, &key, PARTICIPANT_DAYS, medium);
    }
    rows.trend("features", period, previous, &report.features);
    rows.trend("problems", period, previous, &report.problems);
    for e in &report.errors {
        let key = format!("component={};code={}", e.component, e.code);
        rows.fig("errors", &period.iso(), &key, "events", e.events);
        rows.fig("errors", &period.iso(), &key, "sessions", e.sessions);
        rows.fig("errors", &period.iso(), &key, CONFERENCES, e.conferences);
        rows.fig("errors", &period.iso(), &key, "conference_share", e.conference_share);
    }
    rows.quality(period, &report.quality);
    rows.write()
}

/// The provider overview as CSV.
pub(crate) fn overview(overview: &Overview) -> Result<Vec<u8>> {
    let ctx = &overview.ctx;
    let (period, previous) = (ctx.period, ctx.previous);
    let mut rows = Rows::new(FLEET_SCOPE);
    rows.trend("totals", period, previous, &overview.totals);
    for s in &overview.schools {
        let key = format!("school={}", s.school);
        rows.fig("schools", &period.iso(), &key, CONFERENCES, s.conferences);
        rows.fig("schools", &period.iso(), &key, PARTICIPANT_DAYS, s.participant_days);
        rows.fig("schools", &period.iso(), &key, PARTICIPANT_HOURS, s.participant_hours);
        rows.fig("schools", &previous.iso(), &key, PARTICIPANT_HOURS, s.previous_participant_hours);
        rows.fig("schools", &period.iso(), &key, "participant_hours_change", s.growth);
        rows.count("schools", &period.iso(), &key, "suppressed_days", s.suppressed_days);
    }
    for server in &overview.servers {
        rows.server(period, server);
    }
    for step in &overview.funnel {
        let figure = step.measure.key();
        rows.fig("funnel", &period.iso(), "", figure, step.value);
        if let Some(base) = step.base {
            rows.fig("funnel", &period.iso(), "", &format!("{figure}_per_{}", base.key()), step.rate);
        }
    }
    for e in &overview.errors {
        let key = format!("server={};component={};code={}", e.server, e.component, e.code);
        rows.fig("fleet_errors", &period.iso(), &key, "events", e.events);
        rows.fig("fleet_errors", &period.iso(), &key, "sessions", e.sessions);
        rows.fig("fleet_errors", &period.iso(), &key, CONFERENCES, e.conferences);
        rows.fig("fleet_errors", &period.iso(), &key, "per_1000_joins", e.per_1000_joins);
    }
    rows.breakdown("sizes", period, &overview.sizes, CONFERENCES);
    rows.quality(period, &overview.quality);
    rows.write()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_numbers_are_plain() {
        assert_eq!(machine(1234.0), "1234");
        assert_eq!(machine(0.125), "0.125");
        assert_eq!(machine(37.0 + 5.0 / 6.0), "37.833333");
        assert_eq!(machine(-2.5), "-2.5");
    }
}
