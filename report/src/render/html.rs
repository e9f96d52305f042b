//! The self-contained HTML reports.
//!
//! One file, inline CSS (responsive, printable) and inline SVG; no script and nothing loaded from
//! elsewhere: the only links are to sections of the same page (`#…`). Every text taken from the
//! data (school ids, server names, categories, codes) goes through [`esc`].

use std::fmt::Write as _;

use chrono::Datelike;

use super::Lang;
use super::i18n::{PARTIAL_MARK, SUPPRESSED_MARK, T, UNAVAILABLE_MARK};
use super::model::{
    Breakdown, Context, ErrorRow, Fig, Kind, Overview, Quality, SchoolReport, ShareRow, SpanKey, SpanRow, Status,
    TrendRow,
};
use super::svg::{self, Bar, HeatCell};

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

const STYLE: &str = "\
:root{--fg:#1a1a1a;--muted:#555;--accent:#1f5f99;--line:#d9d9d9;--head:#f3f6f9}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:#fff;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif}
main{max-width:62rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.3rem;margin:2.2rem 0 .6rem;padding-bottom:.2rem;border-bottom:2px solid var(--accent)}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
p{margin:.4rem 0 .8rem}
.lead{color:var(--muted)}
.note{color:var(--muted);font-size:.92rem}
nav ol{display:flex;flex-wrap:wrap;gap:.2rem 1.4rem;padding-left:0;list-style-position:inside}
a{color:var(--accent)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.4rem 0 1rem}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;min-width:50%}
caption{text-align:left;font-weight:600;padding:.2rem 0}
th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--head);font-weight:600}
.n{text-align:right;white-space:nowrap}
svg.chart{display:block;max-width:100%;height:auto;margin:.6rem 0}
dl.legend{display:grid;grid-template-columns:auto 1fr;gap:.1rem .8rem;font-size:.92rem;color:var(--muted)}
dl.legend dt{font-weight:700;text-align:center}
dl.legend dd{margin:0}
footer{margin-top:2rem;color:var(--muted);font-size:.85rem}
@media (max-width:40rem){body{font-size:15px}main{padding:.6rem}th,td{padding:.25rem .4rem}}
@media print{nav{display:none}main{max-width:none;padding:0}a{color:inherit;text-decoration:none}
.scroll{overflow:visible}section{break-inside:auto}h2,h3{break-after:avoid}table,svg.chart{break-inside:avoid}}
";

/// A table column: header text and whether it holds numbers (right-aligned).
struct Col {
    header: String,
    numeric: bool,
}

fn text_col(header: &str) -> Col {
    Col { header: header.to_owned(), numeric: false }
}

fn num_col(header: &str) -> Col {
    Col { header: header.to_owned(), numeric: true }
}

/// An HTML document being written.
struct Page {
    lang: Lang,
    out: String,
}

impl Page {
    fn new(lang: Lang, title: &str) -> Page {
        let mut out = String::with_capacity(64 * 1024);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n",
            lang.as_str(),
            esc(title)
        );
        Page { lang, out }
    }

    fn t(&self, key: T) -> &'static str {
        self.lang.t(key)
    }

    fn raw(&mut self, html: &str) {
        self.out.push_str(html);
        self.out.push('\n');
    }

    fn header(&mut self, title: &str, lead: &str) {
        let _ = write!(self.out, "<header>\n<h1>{}</h1>\n<p class=\"lead\">{}</p>\n</header>\n", esc(title), esc(lead));
    }

    fn nav(&mut self, sections: &[(&str, T)]) {
        let _ = write!(self.out, "<nav aria-label=\"{}\">\n<ol>\n", esc(self.t(T::Contents)));
        for (id, title) in sections {
            let _ = writeln!(self.out, "<li><a href=\"#{id}\">{}</a></li>", esc(self.t(*title)));
        }
        self.out.push_str("</ol>\n</nav>\n");
    }

    fn section(&mut self, id: &str, title: T) {
        let _ = writeln!(
            self.out,
            "<section id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h2 id=\"{id}-h\">{}</h2>",
            esc(self.t(title))
        );
    }

    fn end_section(&mut self) {
        self.out.push_str("</section>\n");
    }

    fn h3(&mut self, text: &str) {
        let _ = writeln!(self.out, "<h3>{}</h3>", esc(text));
    }

    fn p(&mut self, text: &str) {
        let _ = writeln!(self.out, "<p>{}</p>", esc(text));
    }

    fn note(&mut self, text: &str) {
        let _ = writeln!(self.out, "<p class=\"note\">{}</p>", esc(text));
    }

    fn table(&mut self, caption: Option<&str>, cols: &[Col], rows: &[Vec<String>]) {
        self.out.push_str("<div class=\"scroll\">\n<table>\n");
        if let Some(caption) = caption {
            let _ = writeln!(self.out, "<caption>{}</caption>", esc(caption));
        }
        self.out.push_str("<thead><tr>");
        for col in cols {
            let class = if col.numeric { " class=\"n\"" } else { "" };
            let _ = write!(self.out, "<th scope=\"col\"{class}>{}</th>", esc(&col.header));
        }
        self.out.push_str("</tr></thead>\n<tbody>\n");
        for row in rows {
            self.out.push_str("<tr>");
            for (i, (cell, col)) in row.iter().zip(cols).enumerate() {
                let class = if col.numeric { " class=\"n\"" } else { "" };
                if i == 0 {
                    let _ = write!(self.out, "<th scope=\"row\"{class}>{}</th>", esc(cell));
                } else {
                    let _ = write!(self.out, "<td{class}>{}</td>", esc(cell));
                }
            }
            self.out.push_str("</tr>\n");
        }
        self.out.push_str("</tbody>\n</table>\n</div>\n");
    }

    fn legend(&mut self) {
        let _ = writeln!(self.out, "<dl class=\"legend\" aria-label=\"{}\">", esc(self.t(T::LegendTitle)));
        for (mark, text) in [
            (SUPPRESSED_MARK, T::LegendSuppressed),
            (PARTIAL_MARK, T::LegendPartial),
            (UNAVAILABLE_MARK, T::LegendUnavailable),
        ] {
            let _ = writeln!(self.out, "<dt>{}</dt><dd>{}</dd>", esc(mark), esc(self.t(text)));
        }
        self.out.push_str("</dl>\n");
    }

    fn finish(mut self, ctx: &Context) -> String {
        let generated = if ctx.generated_by.is_empty() { "confstats" } else { ctx.generated_by.as_str() };
        let _ = write!(
            self.out,
            "<footer>\n<p>{} {} · k = {} · {}</p>\n</footer>\n</main>\n</body>\n</html>\n",
            esc(self.t(T::GeneratedBy)),
            esc(generated),
            ctx.k,
            esc(&ctx.time_zone)
        );
        self.out
    }
}

fn trend_table(page: &mut Page, rows: &[TrendRow], extra: Vec<Vec<String>>) {
    let lang = page.lang;
    let cols = [
        text_col(lang.t(T::Figure)),
        num_col(lang.t(T::Period)),
        num_col(lang.t(T::Previous)),
        num_col(lang.t(T::Change)),
    ];
    let mut body: Vec<Vec<String>> = rows.iter().map(|r| trend_cells(lang, r)).collect();
    body.extend(extra);
    page.table(None, &cols, &body);
}

pub(crate) fn trend_cells(lang: Lang, row: &TrendRow) -> Vec<String> {
    let kind = row.measure.kind();
    vec![
        lang.measure(row.measure).to_owned(),
        lang.fig(row.current, kind),
        lang.fig(row.previous, kind),
        lang.change(row.change, kind),
    ]
}

fn bar(label: String, fig: Fig, kind: Kind, lang: Lang) -> Bar {
    let value = if fig.status == Status::Suppressed { None } else { fig.value };
    Bar { label, value, text: lang.fig(fig, kind), partial: fig.is_partial() }
}

// ---------------------------------------------------------------------------------------------
// School report

const SCHOOL_SECTIONS: [(&str, T); 9] = [
    ("glance", T::SecGlance),
    ("time", T::SecTime),
    ("hours", T::SecHours),
    ("durations", T::SecDurations),
    ("clients", T::SecClients),
    ("media", T::SecMedia),
    ("features", T::SecFeatures),
    ("problems", T::SecProblems),
    ("privacy", T::SecPrivacy),
];

/// The school leader's report as one HTML page.
pub(crate) fn school(report: &SchoolReport, lang: Lang) -> String {
    let ctx = &report.ctx;
    let title = format!("{}: {}", lang.t(T::SchoolTitle), report.school);
    let mut page = Page::new(lang, &title);
    page.header(&title, &period_line(lang, ctx));
    page.nav(&SCHOOL_SECTIONS);

    glance(&mut page, report);
    over_time(&mut page, report);
    hours(&mut page, report);
    durations(&mut page, report);
    clients(&mut page, report);
    media(&mut page, &report.media);
    page.section("features", T::SecFeatures);
    page.note(lang.t(T::FeaturesNote));
    trend_table(&mut page, &report.features, Vec::new());
    page.end_section();
    problems(&mut page, &report.problems, &report.errors);
    privacy(&mut page, ctx, &report.quality, false);
    page.finish(ctx)
}

pub(crate) fn period_line(lang: Lang, ctx: &Context) -> String {
    lang.period_line(ctx.period.from, ctx.period.to, ctx.period.days(), (ctx.previous.from, ctx.previous.to))
}

fn glance(page: &mut Page, report: &SchoolReport) {
    let lang = page.lang;
    page.section("glance", T::SecGlance);
    let buckets = |label: T, b: &[super::model::BucketFig; 2]| {
        vec![lang.t(label).to_owned(), lang.bucket(&b[0]), lang.bucket(&b[1]), UNAVAILABLE_MARK.to_owned()]
    };
    trend_table(
        page,
        &report.headline,
        vec![buckets(T::Median, &report.median_duration), buckets(T::P90, &report.p90_duration)],
    );
    page.legend();
    page.note(lang.t(T::ParticipantDaysNote));
    page.end_section();
}

fn over_time(page: &mut Page, report: &SchoolReport) {
    let lang = page.lang;
    page.section("time", T::SecTime);
    let conf_bars: Vec<Bar> =
        report.daily.iter().map(|d| bar(lang.date_short(d.date), d.conferences, Kind::Count, lang)).collect();
    page.raw(&svg::bars("chart-daily-conferences", lang.t(T::ChartDailyConferences), &conf_bars));
    let hour_bars: Vec<Bar> =
        report.daily.iter().map(|d| bar(lang.date_short(d.date), d.participant_hours, Kind::Hours, lang)).collect();
    page.raw(&svg::bars("chart-daily-hours", lang.t(T::ChartDailyHours), &hour_bars));

    page.h3(lang.t(T::Weekly));
    span_table(page, &report.weekly, T::Week);
    page.h3(lang.t(T::Monthly));
    span_table(page, &report.monthly, T::Month);

    page.h3(lang.t(T::Daily));
    let cols = [
        text_col(lang.t(T::Date)),
        num_col(lang.t(T::Conferences)),
        num_col(lang.t(T::ParticipantDays)),
        num_col(lang.measure(super::model::Measure::ConferenceHours)),
        num_col(lang.t(T::ParticipantHours)),
    ];
    let rows: Vec<Vec<String>> = report
        .daily
        .iter()
        .map(|d| {
            vec![
                format!("{}, {}", lang.weekday_short(d.date.weekday().number_from_monday()), lang.date(d.date)),
                lang.fig(d.conferences, Kind::Count),
                lang.fig(d.participant_days, Kind::Count),
                lang.fig(d.conference_hours, Kind::Hours),
                lang.fig(d.participant_hours, Kind::Hours),
            ]
        })
        .collect();
    page.table(None, &cols, &rows);
    page.end_section();
}

pub(crate) fn span_label(lang: Lang, span: SpanKey) -> String {
    match span {
        SpanKey::Week { year, week } => lang.week_label(year, week),
        SpanKey::Month { year, month } => lang.month_label(year, month),
    }
}

fn span_table(page: &mut Page, rows: &[SpanRow], first: T) {
    let lang = page.lang;
    let cols = [
        text_col(lang.t(first)),
        text_col(lang.t(T::Days)),
        num_col(lang.t(T::Conferences)),
        num_col(lang.t(T::ParticipantDays)),
        num_col(lang.measure(super::model::Measure::ConferenceHours)),
        num_col(lang.t(T::ParticipantHours)),
        num_col(lang.t(T::SuppressedDays)),
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                span_label(lang, r.span),
                lang.date_range(r.days.from, r.days.to),
                lang.fig(r.conferences, Kind::Count),
                lang.fig(r.participant_days, Kind::Count),
                lang.fig(r.conference_hours, Kind::Hours),
                lang.fig(r.participant_hours, Kind::Hours),
                lang.num(f64::from(r.suppressed_days), 0),
            ]
        })
        .collect();
    page.table(None, &cols, &body);
}

fn hours(page: &mut Page, report: &SchoolReport) {
    let lang = page.lang;
    let ctx = &report.ctx;
    page.section("hours", T::SecHours);
    page.note(lang.t(T::HeatmapNote));
    let cells: Vec<HeatCell> = report
        .hours
        .cells
        .iter()
        .map(|c| HeatCell {
            weekday: c.weekday,
            hour: c.hour,
            value: if c.participant_hours.status == Status::Suppressed { None } else { c.participant_hours.value },
            text: lang.fig(c.participant_hours, Kind::Hours),
        })
        .collect();
    let labels: [&str; 7] = std::array::from_fn(|i| lang.weekday_short(i as u32 + 1));
    page.raw(&svg::heatmap("chart-heatmap", lang.t(T::ChartHeatmap), &cells, &labels));
    if let Some(peak) = &report.hours.peak {
        page.p(&lang.peak_sentence(peak.weekday, peak.hour, &lang.fig(peak.participant_hours, Kind::Hours)));
    } else {
        page.p(lang.t(T::NoActivity));
    }
    if let Some((hour, _)) = report.hours.peak_hour {
        page.p(&lang.peak_hour_sentence(hour));
    }
    if let Some(outside) = report.headline_row(super::model::Measure::OutsideSchoolHoursShare) {
        let hours = &ctx.school_hours;
        page.p(&lang.outside_sentence(
            &lang.fig(outside.current, Kind::Share),
            &hours.weekdays,
            &hours.start,
            &hours.end,
        ));
    }
    // Text alternative: weekdays × the hours that had any use.
    let mut used_hours: Vec<u32> = report.hours.cells.iter().map(|c| c.hour).collect();
    used_hours.sort_unstable();
    used_hours.dedup();
    if !used_hours.is_empty() {
        let mut cols = vec![text_col(lang.t(T::Weekday))];
        cols.extend(used_hours.iter().map(|h| num_col(&format!("{h:02}"))));
        let rows: Vec<Vec<String>> = (1..=7u32)
            .filter(|wd| report.hours.cells.iter().any(|c| c.weekday == *wd))
            .map(|wd| {
                let mut row = vec![lang.weekday(wd).to_owned()];
                row.extend(used_hours.iter().map(|h| {
                    report
                        .hours
                        .cells
                        .iter()
                        .find(|c| c.weekday == wd && c.hour == *h)
                        .map_or_else(|| lang.num(0.0, 1), |c| lang.fig(c.participant_hours, Kind::Hours))
                }));
                row
            })
            .collect();
        page.table(Some(lang.t(T::TextAlternative)), &cols, &rows);
    }
    page.end_section();
}

fn breakdown_bars(lang: Lang, breakdown: &Breakdown) -> Vec<Bar> {
    breakdown.rows.iter().map(|r| bar(lang.value(&r.value), r.share, Kind::Share, lang)).collect()
}

fn bucket_table(page: &mut Page, breakdown: &Breakdown, first: T) {
    let lang = page.lang;
    let cols = [text_col(lang.t(first)), num_col(lang.t(T::Conferences)), num_col(lang.t(T::Share))];
    let rows: Vec<Vec<String>> = breakdown
        .rows
        .iter()
        .map(|r| vec![lang.value(&r.value), lang.fig(r.count, Kind::Count), lang.fig(r.share, Kind::Share)])
        .collect();
    page.table(None, &cols, &rows);
}

fn durations(page: &mut Page, report: &SchoolReport) {
    let lang = page.lang;
    page.section("durations", T::SecDurations);
    page.p(&format!("{}: {}", lang.t(T::Median), lang.bucket(&report.median_duration[0])));
    page.p(&format!("{}: {}", lang.t(T::P90), lang.bucket(&report.p90_duration[0])));
    page.note(lang.t(T::DurationsNote));
    page.h3(&lang.dimension("duration"));
    page.raw(&svg::hbars("chart-durations", lang.t(T::ChartDurations), &breakdown_bars(lang, &report.durations)));
    bucket_table(page, &report.durations, T::DurationMinutes);
    page.h3(&lang.dimension("size"));
    page.raw(&svg::hbars("chart-sizes", lang.t(T::ChartSizes), &breakdown_bars(lang, &report.sizes)));
    bucket_table(page, &report.sizes, T::Size);
    page.end_section();
}

fn share_table(page: &mut Page, rows: &[ShareRow], first: &str) {
    let lang = page.lang;
    let cols = [
        text_col(first),
        num_col(lang.t(T::ParticipantDays)),
        num_col(lang.t(T::Share)),
        num_col(lang.t(T::ParticipantHours)),
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                lang.value(&r.value),
                lang.fig(r.count, Kind::Count),
                lang.fig(r.share, Kind::Share),
                lang.fig(r.participant_hours, Kind::Hours),
            ]
        })
        .collect();
    page.table(None, &cols, &body);
}

fn clients(page: &mut Page, report: &SchoolReport) {
    let lang = page.lang;
    page.section("clients", T::SecClients);
    page.note(lang.t(T::ClientsNote));
    for breakdown in &report.clients {
        let title = lang.dimension(&breakdown.dimension);
        page.h3(&title);
        if breakdown.rows.is_empty() {
            page.p(lang.t(T::NoFigures));
        } else {
            share_table(page, &breakdown.rows, &title);
        }
    }
    page.end_section();
}

fn media(page: &mut Page, rows: &[ShareRow]) {
    let lang = page.lang;
    page.section("media", T::SecMedia);
    page.note(lang.t(T::MediaNote));
    if rows.is_empty() {
        page.p(lang.t(T::NoFigures));
    } else {
        let bars: Vec<Bar> = rows.iter().map(|r| bar(lang.value(&r.value), r.share, Kind::Share, lang)).collect();
        page.raw(&svg::hbars("chart-media", lang.t(T::SecMedia), &bars));
        share_table(page, rows, lang.t(T::Category));
    }
    page.end_section();
}

fn error_table(page: &mut Page, rows: &[ErrorRow]) {
    let lang = page.lang;
    let cols = [
        text_col(lang.t(T::Component)),
        text_col(lang.t(T::Code)),
        text_col(lang.t(T::Meaning)),
        num_col(lang.t(T::Events)),
        num_col(lang.t(T::Sessions)),
        num_col(lang.t(T::ConferencesAffected)),
        num_col(lang.t(T::ConferenceShare)),
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                lang.value(&r.component),
                r.code.clone(),
                lang.error_meaning(&r.component, &r.code),
                lang.fig(r.events, Kind::Count),
                lang.fig(r.sessions, Kind::Count),
                lang.fig(r.conferences, Kind::Count),
                lang.fig(r.conference_share, Kind::Share),
            ]
        })
        .collect();
    page.table(None, &cols, &body);
}

fn problems(page: &mut Page, rates: &[TrendRow], errors: &[ErrorRow]) {
    let lang = page.lang;
    page.section("problems", T::SecProblems);
    page.p(lang.t(T::ProblemsIntro));
    trend_table(page, rates, Vec::new());
    if errors.is_empty() {
        page.p(lang.t(T::NoErrors));
    } else {
        error_table(page, errors);
    }
    page.end_section();
}

fn privacy(page: &mut Page, ctx: &Context, quality: &Quality, fleet: bool) {
    let lang = page.lang;
    page.section("privacy", T::SecPrivacy);
    page.h3(lang.t(T::AnonymisationTitle));
    for paragraph in lang.anonymisation(ctx.k) {
        page.p(&paragraph);
    }
    page.h3(lang.t(T::QualityTitle));
    let sentence = if fleet {
        lang.fleet_quality_sentence(
            quality.days,
            quality.days_with_statistics,
            quality.active_days,
            quality.suppressed_days,
        )
    } else {
        lang.quality_sentence(quality.days, quality.days_with_statistics, quality.active_days, quality.suppressed_days)
    };
    page.p(&sentence);
    let cols = [
        text_col(lang.t(T::Table)),
        num_col(lang.t(T::Cells)),
        num_col(lang.t(T::Primary)),
        num_col(lang.t(T::Secondary)),
    ];
    let rows: Vec<Vec<String>> = quality
        .tables
        .iter()
        .map(|t| {
            vec![
                t.table.to_owned(),
                lang.num(f64::from(t.cells), 0),
                lang.num(f64::from(t.primary), 0),
                lang.num(f64::from(t.secondary), 0),
            ]
        })
        .collect();
    page.table(None, &cols, &rows);
    page.end_section();
}

// ---------------------------------------------------------------------------------------------
// Provider overview

const OVERVIEW_SECTIONS: [(&str, T); 7] = [
    ("glance", T::SecGlance),
    ("schools", T::SecSchools),
    ("servers", T::SecServers),
    ("funnel", T::SecFunnel),
    ("fleet-errors", T::SecFleetErrors),
    ("sizes", T::SecSizes),
    ("privacy", T::SecPrivacy),
];

/// Number of schools drawn in the overview's chart.
pub(crate) const TOP_SCHOOLS: usize = 10;

/// The provider's fleet view as one HTML page.
pub(crate) fn overview(overview: &Overview, lang: Lang) -> String {
    let ctx = &overview.ctx;
    let title = lang.t(T::OverviewTitle);
    let mut page = Page::new(lang, title);
    page.header(title, &period_line(lang, ctx));
    page.nav(&OVERVIEW_SECTIONS);

    page.section("glance", T::SecGlance);
    trend_table(&mut page, &overview.totals, Vec::new());
    page.legend();
    page.note(lang.t(T::ParticipantDaysNote));
    page.end_section();

    schools(&mut page, overview);
    servers(&mut page, overview);
    funnel(&mut page, overview);

    page.section("fleet-errors", T::SecFleetErrors);
    page.p(lang.t(T::ProblemsIntro));
    fleet_errors(&mut page, overview);
    page.end_section();

    page.section("sizes", T::SecSizes);
    page.raw(&svg::hbars("chart-sizes", lang.t(T::ChartSizes), &breakdown_bars(lang, &overview.sizes)));
    bucket_table(&mut page, &overview.sizes, T::Size);
    page.end_section();

    privacy(&mut page, ctx, &overview.quality, true);
    page.finish(ctx)
}

fn schools(page: &mut Page, overview: &Overview) {
    let lang = page.lang;
    page.section("schools", T::SecSchools);
    page.note(lang.t(T::SchoolsNote));
    let bars: Vec<Bar> = overview
        .schools
        .iter()
        .take(TOP_SCHOOLS)
        .map(|s| bar(s.school.clone(), s.participant_hours, Kind::Hours, lang))
        .collect();
    if !bars.is_empty() {
        page.raw(&svg::hbars("chart-schools", lang.t(T::ParticipantHours), &bars));
    }
    let cols = [
        text_col(lang.t(T::School)),
        num_col(lang.t(T::Conferences)),
        num_col(lang.t(T::ParticipantDays)),
        num_col(lang.t(T::ParticipantHours)),
        num_col(&format!("{} ({})", lang.t(T::ParticipantHours), lang.t(T::Previous))),
        num_col(lang.t(T::Growth)),
        num_col(lang.t(T::SuppressedDays)),
    ];
    let rows: Vec<Vec<String>> = overview
        .schools
        .iter()
        .map(|s| {
            vec![
                s.school.clone(),
                lang.fig(s.conferences, Kind::Count),
                lang.fig(s.participant_days, Kind::Count),
                lang.fig(s.participant_hours, Kind::Hours),
                lang.fig(s.previous_participant_hours, Kind::Hours),
                lang.change(s.growth, Kind::Hours),
                lang.num(f64::from(s.suppressed_days), 0),
            ]
        })
        .collect();
    page.table(None, &cols, &rows);
    page.end_section();
}

fn servers(page: &mut Page, overview: &Overview) {
    let lang = page.lang;
    page.section("servers", T::SecServers);
    page.note(lang.t(T::ServersNote));
    let mut cols = vec![text_col(lang.t(T::Server)), num_col(lang.t(T::Hours))];
    for head in [T::ConcurrentConferences, T::ConcurrentParticipants, T::ConcurrentWebcams] {
        for q in ["p50", "p95", "max"] {
            cols.push(num_col(&format!("{} {q}", lang.t(head))));
        }
    }
    cols.push(num_col(lang.measure(super::model::Measure::Joins)));
    cols.push(num_col(lang.t(T::ErrorEvents)));
    cols.push(num_col(lang.measure(super::model::Measure::AudioFailures)));
    let rows: Vec<Vec<String>> = overview
        .servers
        .iter()
        .map(|s| {
            let mut row =
                vec![s.server.clone().unwrap_or_else(|| lang.t(T::Fleet).to_owned()), lang.num(f64::from(s.hours), 0)];
            for spread in [s.conferences, s.participants, s.webcams] {
                row.extend([spread.p50, spread.p95, spread.max].map(|f| lang.fig(f, Kind::Count)));
            }
            row.extend([s.joins, s.errors, s.audio_failures].map(|f| lang.fig(f, Kind::Count)));
            row
        })
        .collect();
    page.table(None, &cols, &rows);
    page.end_section();
}

fn funnel(page: &mut Page, overview: &Overview) {
    let lang = page.lang;
    page.section("funnel", T::SecFunnel);
    page.note(lang.t(T::FunnelNote));
    let bars: Vec<Bar> =
        overview.funnel.iter().map(|s| bar(lang.measure(s.measure).to_owned(), s.value, Kind::Count, lang)).collect();
    page.raw(&svg::hbars("chart-funnel", lang.t(T::SecFunnel), &bars));
    let cols = [text_col(lang.t(T::Step)), num_col(lang.t(T::Count)), num_col(lang.t(T::Rate))];
    let rows: Vec<Vec<String>> = overview
        .funnel
        .iter()
        .map(|s| {
            vec![lang.measure(s.measure).to_owned(), lang.fig(s.value, Kind::Count), lang.fig(s.rate, Kind::Share)]
        })
        .collect();
    page.table(None, &cols, &rows);
    page.end_section();
}

fn fleet_errors(page: &mut Page, overview: &Overview) {
    let lang = page.lang;
    if overview.errors.is_empty() {
        page.p(lang.t(T::NoErrors));
        return;
    }
    let cols = [
        text_col(lang.t(T::Server)),
        text_col(lang.t(T::Component)),
        text_col(lang.t(T::Code)),
        text_col(lang.t(T::Meaning)),
        num_col(lang.t(T::Events)),
        num_col(lang.t(T::Sessions)),
        num_col(lang.t(T::ConferencesAffected)),
        num_col(lang.t(T::Per1000Joins)),
    ];
    let rows: Vec<Vec<String>> = overview
        .errors
        .iter()
        .map(|e| {
            vec![
                e.server.clone(),
                lang.value(&e.component),
                e.code.clone(),
                lang.error_meaning(&e.component, &e.code),
                lang.fig(e.events, Kind::Count),
                lang.fig(e.sessions, Kind::Count),
                lang.fig(e.conferences, Kind::Count),
                lang.fig(e.per_1000_joins, Kind::Average),
            ]
        })
        .collect();
    page.table(None, &cols, &rows);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(esc(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
