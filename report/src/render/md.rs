//! The compact Markdown reports for e-mail: headline figures with trend, the most frequent
//! problems and the note on anonymisation.

use std::fmt::Write as _;

use super::Lang;
use super::html::{TOP_SCHOOLS, period_line, trend_cells};
use super::i18n::{PARTIAL_MARK, SUPPRESSED_MARK, T, UNAVAILABLE_MARK};
use super::model::{Kind, Overview, SchoolReport, TrendRow};

/// Problems listed in the school report's e-mail.
const TOP_PROBLEMS: usize = 5;

/// "Ereignisse" / "events" inside a sentence (German nouns keep their capital).
fn events_word(lang: Lang) -> String {
    match lang {
        Lang::De => lang.t(T::Events).to_owned(),
        Lang::En => lang.t(T::Events).to_lowercase(),
    }
}

/// Escapes text for Markdown (also inside table cells).
pub(crate) fn md_esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.iter().map(|h| md_esc(h)).collect::<Vec<_>>().join(" | "));
    let align: Vec<&str> = (0..header.len()).map(|i| if i == 0 { "---" } else { "--:" }).collect();
    let _ = writeln!(out, "|{}|", align.join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.iter().map(|c| md_esc(c)).collect::<Vec<_>>().join(" | "));
    }
    out.push('\n');
}

fn trend_table(out: &mut String, lang: Lang, rows: &[TrendRow], extra: Vec<Vec<String>>) {
    let header = [lang.t(T::Figure), lang.t(T::Period), lang.t(T::Previous), lang.t(T::Change)];
    let mut body: Vec<Vec<String>> = rows.iter().map(|r| trend_cells(lang, r)).collect();
    body.extend(extra);
    table(out, &header, &body);
}

fn legend(out: &mut String, lang: Lang) {
    let _ = writeln!(
        out,
        "{}: `{SUPPRESSED_MARK}` {}; `{PARTIAL_MARK}` {}; `{UNAVAILABLE_MARK}` {}.\n",
        lang.t(T::LegendTitle),
        lang.t(T::LegendSuppressed),
        lang.t(T::LegendPartial),
        lang.t(T::LegendUnavailable)
    );
}

fn anonymisation(out: &mut String, lang: Lang, k: u32) {
    let _ = writeln!(out, "## {}\n", lang.t(T::AnonymisationTitle));
    for paragraph in lang.anonymisation(k) {
        let _ = writeln!(out, "{}\n", md_esc(&paragraph));
    }
}

/// The school report as compact Markdown.
pub(crate) fn school(report: &SchoolReport, lang: Lang) -> String {
    let ctx = &report.ctx;
    let mut out = String::new();
    let _ = writeln!(out, "# {}: {}\n", lang.t(T::SchoolTitle), md_esc(&report.school));
    let _ = writeln!(out, "{}\n", period_line(lang, ctx));
    let _ = writeln!(out, "## {}\n", lang.t(T::SecGlance));
    let median = vec![
        lang.t(T::Median).to_owned(),
        lang.bucket(&report.median_duration[0]),
        lang.bucket(&report.median_duration[1]),
        UNAVAILABLE_MARK.to_owned(),
    ];
    trend_table(&mut out, lang, &report.headline, vec![median]);
    legend(&mut out, lang);

    let _ = writeln!(out, "## {}\n", lang.t(T::TopProblems));
    trend_table(&mut out, lang, &report.problems, Vec::new());
    if report.errors.is_empty() {
        let _ = writeln!(out, "{}\n", lang.t(T::NoErrors));
    } else {
        for e in report.errors.iter().take(TOP_PROBLEMS) {
            let _ = writeln!(
                out,
                "- **{} {}** ({} {}): {}",
                md_esc(&lang.value(&e.component)),
                md_esc(&e.code),
                md_esc(&lang.fig(e.events, Kind::Count)),
                events_word(lang),
                md_esc(&lang.error_meaning(&e.component, &e.code))
            );
        }
        out.push('\n');
    }

    anonymisation(&mut out, lang, ctx.k);
    let q = &report.quality;
    let _ = writeln!(
        out,
        "**{}:** {}",
        lang.t(T::QualityTitle),
        lang.quality_sentence(q.days, q.days_with_statistics, q.active_days, q.suppressed_days)
    );
    out
}

/// The provider overview as compact Markdown.
pub(crate) fn overview(overview: &Overview, lang: Lang) -> String {
    let ctx = &overview.ctx;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", lang.t(T::OverviewTitle));
    let _ = writeln!(out, "{}\n", period_line(lang, ctx));
    let _ = writeln!(out, "## {}\n", lang.t(T::SecGlance));
    trend_table(&mut out, lang, &overview.totals, Vec::new());
    legend(&mut out, lang);

    let _ = writeln!(out, "## {}\n", lang.t(T::SecSchools));
    let header = [lang.t(T::School), lang.t(T::Conferences), lang.t(T::ParticipantHours), lang.t(T::Growth)];
    let rows: Vec<Vec<String>> = overview
        .schools
        .iter()
        .take(TOP_SCHOOLS)
        .map(|s| {
            vec![
                s.school.clone(),
                lang.fig(s.conferences, Kind::Count),
                lang.fig(s.participant_hours, Kind::Hours),
                lang.change(s.growth, Kind::Hours),
            ]
        })
        .collect();
    table(&mut out, &header, &rows);

    let _ = writeln!(out, "## {}\n", lang.t(T::SecServers));
    let header = [lang.t(T::Server), "p95", "max", lang.measure(super::model::Measure::Joins), lang.t(T::ErrorEvents)];
    let rows: Vec<Vec<String>> = overview
        .servers
        .iter()
        .map(|s| {
            vec![
                s.server.clone().unwrap_or_else(|| lang.t(T::Fleet).to_owned()),
                lang.fig(s.participants.p95, Kind::Count),
                lang.fig(s.participants.max, Kind::Count),
                lang.fig(s.joins, Kind::Count),
                lang.fig(s.errors, Kind::Count),
            ]
        })
        .collect();
    let _ = writeln!(out, "{}\n", lang.t(T::ConcurrentParticipants));
    table(&mut out, &header, &rows);

    let _ = writeln!(out, "## {}\n", lang.t(T::SecFunnel));
    let header = [lang.t(T::Step), lang.t(T::Count), lang.t(T::Rate)];
    let rows: Vec<Vec<String>> = overview
        .funnel
        .iter()
        .map(|s| {
            vec![lang.measure(s.measure).to_owned(), lang.fig(s.value, Kind::Count), lang.fig(s.rate, Kind::Share)]
        })
        .collect();
    table(&mut out, &header, &rows);

    let _ = writeln!(out, "## {}\n", lang.t(T::TopProblems));
    if overview.errors.is_empty() {
        let _ = writeln!(out, "{}\n", lang.t(T::NoErrors));
    } else {
        for e in overview.errors.iter().take(TOP_PROBLEMS) {
            let _ = writeln!(
                out,
                "- **{} · {} {}** ({} {}, {} {}): {}",
                md_esc(&e.server),
                md_esc(&lang.value(&e.component)),
                md_esc(&e.code),
                md_esc(&lang.fig(e.events, Kind::Count)),
                events_word(lang),
                md_esc(&lang.fig(e.per_1000_joins, Kind::Average)),
                lang.t(T::Per1000JoinsInline),
                md_esc(&lang.error_meaning(&e.component, &e.code))
            );
        }
        out.push('\n');
    }

    anonymisation(&mut out, lang, ctx.k);
    let q = &overview.quality;
    let _ = writeln!(
        out,
        "**{}:** {}",
        lang.t(T::QualityTitle),
        lang.fleet_quality_sentence(q.days, q.days_with_statistics, q.active_days, q.suppressed_days)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_specials_are_escaped() {
        assert_eq!(md_esc("a|b*c_[d]"), r"a\|b\*c\_\[d\]");
    }
}
