//! The JSON reports: the same figures as the other formats, structured.
//!
//! Top level: `schema_version` (of this JSON layout), `kind` (`school` or `overview`), `lang`,
//! `k`, `stats_schema_version`, `generated_by`, `time_zone`, `period` and `previous_period`
//! (`from`, `to`, `days`; the previous one also `has_statistics`), then the report's sections.
//! Every figure is `{"value": number|null, "status": "released"|"partial"|"suppressed"|"unavailable"}`;
//! shares are fractions 0–1, hours are hours.

use serde::Serialize;

use super::Lang;
use super::model::{Context, Overview, SchoolReport};
use crate::error::{Error, Result};

/// Version of the JSON report layout.
pub(crate) const JSON_SCHEMA_VERSION: &str = "1";

#[derive(Serialize)]
struct PeriodJson {
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    days: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    has_statistics: Option<bool>,
}

#[derive(Serialize)]
struct Document<'a, R: Serialize> {
    schema_version: &'static str,
    kind: &'static str,
    lang: &'static str,
    k: u32,
    stats_schema_version: &'a str,
    generated_by: &'a str,
    time_zone: &'a str,
    period: PeriodJson,
    previous_period: PeriodJson,
    #[serde(flatten)]
    report: &'a R,
}

fn document<R: Serialize>(kind: &'static str, ctx: &Context, lang: Lang, report: &R) -> Result<Vec<u8>> {
    let doc = Document {
        schema_version: JSON_SCHEMA_VERSION,
        kind,
        lang: lang.as_str(),
        k: ctx.k,
        stats_schema_version: &ctx.stats_schema_version,
        generated_by: &ctx.generated_by,
        time_zone: &ctx.time_zone,
        period: PeriodJson { from: ctx.period.from, to: ctx.period.to, days: ctx.period.days(), has_statistics: None },
        previous_period: PeriodJson {
            from: ctx.previous.from,
            to: ctx.previous.to,
            days: ctx.previous.days(),
            has_statistics: Some(ctx.previous_has_data),
        },
        report,
    };
    // Encoding these plain structs cannot fail; should it, it is a bug.
    let mut out = serde_json::to_vec_pretty(&doc)
        .map_err(|e| Error::Internal(format!("cannot encode the {kind} report as JSON: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

/// The school report as JSON.
pub(crate) fn school(report: &SchoolReport, lang: Lang) -> Result<Vec<u8>> {
    document("school", &report.ctx, lang, report)
}

/// The provider overview as JSON.
pub(crate) fn overview(overview: &Overview, lang: Lang) -> Result<Vec<u8>> {
    document("overview", &overview.ctx, lang, overview)
}
