//! Report periods (DESIGN.md "Weekly/monthly").

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Serialize;

use crate::error::{Error, Result};

/// Days in the default period (four weeks).
pub(crate) const DEFAULT_DAYS: u64 = 28;

/// A closed range of local dates `[from, to]`. Holds no personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

impl Period {
    /// The number of days in the period.
    pub(crate) fn days(&self) -> u32 {
        u32::try_from((self.to - self.from).num_days() + 1).unwrap_or(0)
    }

    /// The period of the same length that ends the day before `from`.
    pub(crate) fn previous(&self) -> Period {
        let days = u64::from(self.days());
        let to = self.from.pred_opt().unwrap_or(self.from);
        let from = to.checked_sub_days(Days::new(days.saturating_sub(1))).unwrap_or(NaiveDate::MIN);
        Period { from, to }
    }

    /// Every day of the period, in order.
    pub(crate) fn iter_days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(|d| *d <= self.to)
    }

    /// The days of ISO week `week` of `iso_year` that lie in this period.
    pub(crate) fn clip_week(&self, iso_year: i32, week: u32) -> Option<Period> {
        let monday = NaiveDate::from_isoywd_opt(iso_year, week, Weekday::Mon)?;
        let sunday = NaiveDate::from_isoywd_opt(iso_year, week, Weekday::Sun)?;
        self.clip(Period { from: monday, to: sunday })
    }

    /// The days of month `month` of `year` that lie in this period.
    pub(crate) fn clip_month(&self, year: i32, month: u32) -> Option<Period> {
        let first = NaiveDate::from_ymd_opt(year, month, 1)?;
        let last = first.checked_add_months(chrono::Months::new(1))?.pred_opt()?;
        self.clip(Period { from: first, to: last })
    }

    fn clip(&self, other: Period) -> Option<Period> {
        let from = self.from.max(other.from);
        let to = self.to.min(other.to);
        (from <= to).then_some(Period { from, to })
    }

    /// ISO 8601 interval `from/to`, or the single date for a one-day period.
    pub(crate) fn iso(&self) -> String {
        if self.from == self.to { self.from.to_string() } else { format!("{}/{}", self.from, self.to) }
    }
}

/// The report period from the user's `--from`/`--to` and the latest date with statistics.
///
/// Defaults: `to` = `latest`, `from` = `to` − 27 days.
pub(crate) fn resolve(from: Option<NaiveDate>, to: Option<NaiveDate>, latest: NaiveDate) -> Result<Period> {
    let to = to.unwrap_or(latest);
    let from = match from {
        Some(from) => from,
        None => to.checked_sub_days(Days::new(DEFAULT_DAYS - 1)).unwrap_or(NaiveDate::MIN),
    };
    if from > to {
        return Err(Error::Config {
            field: "from",
            reason: format!("{from} is after the end of the period {to} (the latest statistics are of {latest})"),
        });
    }
    Ok(Period { from, to })
}

/// ISO week of a date as (ISO year, week).
pub(crate) fn iso_week(date: NaiveDate) -> (i32, u32) {
    let w = date.iso_week();
    (w.year(), w.week())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn default_period_is_four_weeks_ending_on_the_latest_date() {
        let p = resolve(None, None, d("2026-03-13")).unwrap();
        assert_eq!(p, Period { from: d("2026-02-14"), to: d("2026-03-13") });
        assert_eq!(p.days(), 28);
        assert_eq!(p.previous(), Period { from: d("2026-01-17"), to: d("2026-02-13") });
    }

    #[test]
    fn previous_period_has_the_same_length_and_ends_before_from() {
        let p = resolve(Some(d("2026-03-09")), Some(d("2026-03-13")), d("2026-03-20")).unwrap();
        assert_eq!(p.previous(), Period { from: d("2026-03-04"), to: d("2026-03-08") });
        assert_eq!(p.previous().days(), p.days());
    }

    #[test]
    fn from_after_to_is_a_config_error() {
        let err = resolve(Some(d("2026-03-14")), Some(d("2026-03-13")), d("2026-03-13")).unwrap_err();
        assert!(matches!(err, Error::Config { field: "from", .. }), "{err:?}");
        let err = resolve(Some(d("2026-03-14")), None, d("2026-03-13")).unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
    }

    #[test]
    fn weeks_and_months_are_clipped_to_the_period() {
        let p = Period { from: d("2026-03-04"), to: d("2026-04-02") };
        assert_eq!(p.clip_week(2026, 10), Some(Period { from: d("2026-03-04"), to: d("2026-03-08") }));
        assert_eq!(p.clip_week(2026, 14), Some(Period { from: d("2026-03-30"), to: d("2026-04-02") }));
        assert_eq!(p.clip_week(2026, 20), None);
        assert_eq!(p.clip_month(2026, 3), Some(Period { from: d("2026-03-04"), to: d("2026-03-31") }));
        assert_eq!(p.clip_month(2026, 4), Some(Period { from: d("2026-04-01"), to: d("2026-04-02") }));
        assert_eq!(iso_week(d("2027-01-01")), (2026, 53));
    }
}
