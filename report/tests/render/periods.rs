//! Periods: sums of released days only, partial marks, trend against the previous period,
//! shares recomputed from sums, errors for bad periods and unknown schools.

use confstats_report::{Error, Lang, ReportFormat, render_reports};
use serde_json::Value;

use crate::fixture::{self, A_SUPPRESSED, DAYS, Options, SCHOOL_A, SCHOOL_B, SCHOOL_C, a_day, day};
use crate::{file, opts, render, school_json};

/// The headline row of `measure`.
fn headline<'a>(report: &'a Value, measure: &str) -> &'a Value {
    report["headline"].as_array().unwrap().iter().find(|r| r["measure"] == measure).unwrap()
}

fn value(fig: &Value) -> f64 {
    fig["value"].as_f64().unwrap_or_else(|| panic!("no value in {fig}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// School A's released days among the fixture's indices `days`.
fn released(days: impl Iterator<Item = usize>) -> Vec<fixture::ADay> {
    days.filter_map(a_day).collect()
}

#[test]
fn period_figures_are_sums_of_released_days_and_partial_when_a_day_is_suppressed() {
    let dir = fixture::write(Options::default());
    // 2026-03-09 … 03-13 (i = 7 … 11): i = 8 is suppressed.
    let report = school_json(dir.path(), SCHOOL_A, Some("2026-03-09"), Some("2026-03-13"));
    let days = released(7..=11);
    assert_eq!(days.len(), 4);
    let conferences = headline(&report, "conferences");
    assert_eq!(value(&conferences["current"]), days.iter().map(|d| f64::from(d.conferences)).sum::<f64>());
    assert_eq!(conferences["current"]["status"], "partial");
    let participants = headline(&report, "participant_days");
    assert_eq!(value(&participants["current"]), days.iter().map(|d| f64::from(d.participants)).sum::<f64>());
    let hours = headline(&report, "participant_hours");
    assert!(close(value(&hours["current"]), days.iter().map(|d| d.participant_minutes).sum::<f64>() / 60.0));
    assert_eq!(report["quality"]["suppressed_days"], 1);
}

#[test]
fn a_period_without_suppressed_days_is_complete() {
    let dir = fixture::write(Options::default());
    // 03-11 … 03-13 (i = 9, 10, 11): all released. Previous: 03-08 … 03-10 (no row, released, suppressed).
    let report = school_json(dir.path(), SCHOOL_A, Some("2026-03-11"), Some("2026-03-13"));
    let conferences = headline(&report, "conferences");
    assert_eq!(conferences["current"]["status"], "released");
    assert_eq!(value(&conferences["current"]), f64::from(19 + 20 + 21));
    assert_eq!(conferences["previous"]["status"], "partial");
    assert_eq!(value(&conferences["previous"]), 17.0);
    assert_eq!(conferences["change"]["status"], "partial");
}

#[test]
fn trend_compares_with_the_previous_period_of_the_same_length() {
    let dir = fixture::write(Options::default());
    let report = school_json(dir.path(), SCHOOL_A, Some("2026-03-09"), Some("2026-03-13"));
    assert_eq!(report["period"]["from"], "2026-03-09");
    assert_eq!(report["previous_period"]["from"], "2026-03-04");
    assert_eq!(report["previous_period"]["to"], "2026-03-08");
    assert_eq!(report["previous_period"]["has_statistics"], true);
    let current: f64 = released(7..=11).iter().map(|d| f64::from(d.conferences)).sum();
    let previous: f64 = released(2..=6).iter().map(|d| f64::from(d.conferences)).sum();
    let row = headline(&report, "conferences");
    assert_eq!(value(&row["previous"]), previous);
    assert!(close(value(&row["change"]), (current - previous) / previous));
    // Shares change in points, not relative.
    let rate = headline(&report, "audio_join_success_rate");
    assert!(close(value(&rate["change"]), value(&rate["current"]) - value(&rate["previous"])));
}

#[test]
fn shares_are_recomputed_from_summed_numerators_and_denominators() {
    let dir = fixture::write(Options::default());
    let report = school_json(dir.path(), SCHOOL_A, Some("2026-03-02"), Some("2026-03-13"));
    let days = released(0..DAYS);
    let failures: f64 = days.iter().map(|d| f64::from(d.audio_failures)).sum();
    let joins: f64 = days.iter().map(|d| f64::from(d.audio_joins)).sum();
    let pooled = 1.0 - failures / joins;
    let mean_of_days = 1.0
        - days.iter().map(|d| f64::from(d.audio_failures) / f64::from(d.audio_joins)).sum::<f64>() / days.len() as f64;
    assert!(!close(pooled, mean_of_days), "the fixture must tell the two apart");
    let rate = value(&headline(&report, "audio_join_success_rate")["current"]);
    assert!(close(rate, pooled), "{rate} vs pooled {pooled}");

    // Media: minutes of the medium over the day's minutes of the same (released) days; the
    // screenshare cell of i = 3 is suppressed, so that day is left out of both.
    let screenshare = report["media"].as_array().unwrap().iter().find(|m| m["value"] == "screenshare").unwrap();
    let same_days: Vec<_> = (0..DAYS).filter(|i| *i != 3).filter_map(a_day).collect();
    let expected = 300.0 * same_days.len() as f64 / same_days.iter().map(|d| d.participant_minutes).sum::<f64>();
    assert!(close(value(&screenshare["share"]), expected));
    assert_eq!(screenshare["share"]["status"], "partial");
}

#[test]
fn weeks_and_months_sum_released_days_and_count_suppressed_days() {
    let dir = fixture::write(Options::default());
    // Default period: 28 days up to the latest date 2026-03-13.
    let report = school_json(dir.path(), SCHOOL_A, None, None);
    assert_eq!(report["period"]["from"], "2026-02-14");
    assert_eq!(report["period"]["to"], "2026-03-13");
    assert_eq!(report["previous_period"]["has_statistics"], false);
    assert_eq!(headline(&report, "conferences")["previous"]["status"], "unavailable");

    let weeks = report["weekly"].as_array().unwrap();
    let week = |w: u64| weeks.iter().find(|r| r["span"]["week"] == w).unwrap();
    let w10: f64 = released(0..=6).iter().map(|d| f64::from(d.conferences)).sum();
    assert_eq!(value(&week(10)["conferences"]), w10);
    assert_eq!(week(10)["conferences"]["status"], "partial");
    assert_eq!(week(10)["suppressed_days"], 1);
    let w11: f64 = released(7..=11).iter().map(|d| f64::from(d.conferences)).sum();
    assert_eq!(value(&week(11)["conferences"]), w11);
    assert_eq!(week(11)["days"]["to"], "2026-03-13", "weeks are clipped to the period");
    // Week 8 (2026-02-16 …) has no statistics at all.
    assert_eq!(week(8)["conferences"]["status"], "unavailable");

    let months = report["monthly"].as_array().unwrap();
    let march = months.iter().find(|r| r["span"]["month"] == 3).unwrap();
    assert_eq!(value(&march["conferences"]), w10 + w11);
    assert_eq!(march["suppressed_days"], A_SUPPRESSED.len());
}

#[test]
fn suppressed_cells_count_nowhere_even_when_they_carry_numbers() {
    let clean = fixture::write(Options::default());
    let dirty = fixture::write(Options { sentinel: true, ..Options::default() });
    for (from, to) in [(None, None), (Some("2026-03-09"), Some("2026-03-13"))] {
        let a = school_json(clean.path(), SCHOOL_A, from, to);
        let b = school_json(dirty.path(), SCHOOL_A, from, to);
        assert_eq!(a, b, "figures must not depend on the content of suppressed cells");
    }
    for lang in [Lang::De, Lang::En] {
        for format in [ReportFormat::Html, ReportFormat::Csv, ReportFormat::Json, ReportFormat::Markdown] {
            for f in render(dirty.path(), &opts(None, None, None, lang, format)) {
                let text = String::from_utf8(f.contents).unwrap();
                for needle in ["987654", "987.654", "987,654", "16460", "16.460"] {
                    assert!(!text.contains(needle), "{} shows a suppressed value ({needle})", f.name);
                }
            }
        }
    }
}

#[test]
fn suppressed_values_render_as_dot() {
    let dir = fixture::write(Options::default());
    let html = render(dir.path(), &opts(Some(SCHOOL_A), None, None, Lang::De, ReportFormat::Html));
    let html = file(&html, &format!("{SCHOOL_A}.de.html"));
    // The daily row of Tuesday 10.03.2026 (suppressed): every figure is ".".
    let row_start = html.find("10.03.2026</th>").unwrap();
    let row = &html[row_start..row_start + html[row_start..].find("</tr>").unwrap()];
    let cells: Vec<&str> = row.split("<td class=\"n\">").skip(1).map(|c| c.trim_end_matches("</td>")).collect();
    assert_eq!(cells, [".", ".", ".", "."], "{row}");
    // A school whose days are all suppressed shows dots in its headline, never a number.
    let c = render(dir.path(), &opts(Some(SCHOOL_C), None, None, Lang::En, ReportFormat::Markdown));
    let md = file(&c, &format!("{SCHOOL_C}.en.md"));
    let line = md.lines().find(|l| l.starts_with("| Conferences |")).unwrap();
    assert_eq!(line, "| Conferences | . | – | – |");
    // CSV: empty value with a `suppressed` marker.
    let csv = render(dir.path(), &opts(Some(SCHOOL_C), None, None, Lang::En, ReportFormat::Csv));
    let csv = file(&csv, &format!("{SCHOOL_C}.en.csv"));
    assert!(
        csv.lines().any(|l| l == format!("{SCHOOL_C},headline,2026-02-14/2026-03-13,,conferences,,suppressed")),
        "{csv}"
    );
}

#[test]
fn one_report_per_school_plus_overview_or_only_the_requested_school() {
    let dir = fixture::write(Options::default());
    let all = render(dir.path(), &opts(None, None, None, Lang::De, ReportFormat::Html));
    let names: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            format!("{SCHOOL_A}.de.html"),
            format!("{SCHOOL_B}.de.html"),
            format!("{SCHOOL_C}.de.html"),
            "overview.de.html".to_owned()
        ]
    );
    let one = render(dir.path(), &opts(Some(SCHOOL_B), None, None, Lang::En, ReportFormat::Markdown));
    let names: Vec<&str> = one.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, [format!("{SCHOOL_B}.en.md")]);
}

#[test]
fn unknown_school_names_the_schools_that_exist() {
    let dir = fixture::write(Options::default());
    let err =
        render_reports(dir.path(), &opts(Some("iserv-000000"), None, None, Lang::De, ReportFormat::Html)).unwrap_err();
    let Error::NoData(message) = &err else { panic!("{err:?}") };
    for school in [SCHOOL_A, SCHOOL_B, SCHOOL_C] {
        assert!(message.contains(school), "{message}");
    }
}

#[test]
fn no_statistics_tells_to_aggregate_first() {
    let empty = tempfile::tempdir().unwrap();
    let err = render_reports(empty.path(), &opts(None, None, None, Lang::De, ReportFormat::Html)).unwrap_err();
    let Error::NoData(message) = &err else { panic!("{err:?}") };
    assert!(message.contains("confstats aggregate"), "{message}");
    // stats.json alone (no partitions) is no statistics either.
    std::fs::create_dir_all(empty.path().join("stats")).unwrap();
    std::fs::write(empty.path().join("stats/stats.json"), fixture::STATS_JSON).unwrap();
    let err = render_reports(empty.path(), &opts(None, None, None, Lang::De, ReportFormat::Html)).unwrap_err();
    assert!(matches!(err, Error::NoData(_)), "{err:?}");
}

#[test]
fn from_after_to_is_a_config_error() {
    let dir = fixture::write(Options::default());
    let err =
        render_reports(dir.path(), &opts(None, Some("2026-03-10"), Some("2026-03-09"), Lang::De, ReportFormat::Html))
            .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[test]
fn a_missing_table_is_empty() {
    let dir = fixture::write(Options::default());
    std::fs::remove_dir_all(dir.path().join("stats/errors")).unwrap();
    let report = school_json(dir.path(), SCHOOL_A, None, None);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
    assert_eq!(headline(&report, "conferences")["current"]["status"], "partial");
}

#[test]
fn the_latest_date_is_the_default_end_and_days_are_listed() {
    let dir = fixture::write(Options::default());
    let report = school_json(dir.path(), SCHOOL_A, Some("2026-03-02"), None);
    assert_eq!(report["period"]["to"], day(DAYS - 1).to_string());
    let daily = report["daily"].as_array().unwrap();
    assert_eq!(daily.len(), DAYS);
    assert_eq!(daily[8]["conferences"]["status"], "suppressed");
    assert_eq!(daily[6]["conferences"], serde_json::json!({"value": 0.0, "status": "released"}));
}
