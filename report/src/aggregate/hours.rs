//! Local time: school hours, hour buckets and the split of intervals into local hours.

use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;
use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;

/// When school takes place: weekdays, a daily window in local time, and holidays.
///
/// Holds no personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolHours {
    /// Weekdays with lessons (default Monday–Friday).
    pub weekdays: Vec<Weekday>,
    /// Start of the daily window, local time (default 07:30).
    pub start: NaiveTime,
    /// End of the daily window, local time, exclusive (default 16:00).
    pub end: NaiveTime,
    /// Days without school (holidays, bridge days).
    pub holidays: BTreeSet<NaiveDate>,
}

impl Default for SchoolHours {
    fn default() -> Self {
        use Weekday::*;
        Self {
            weekdays: vec![Mon, Tue, Wed, Thu, Fri],
            start: NaiveTime::from_hms_opt(7, 30, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(16, 0, 0).unwrap_or(NaiveTime::MIN),
            holidays: BTreeSet::new(),
        }
    }
}

impl SchoolHours {
    /// Whether `date` is a school day (a listed weekday and not a holiday).
    pub fn is_school_day(&self, date: NaiveDate) -> bool {
        self.weekdays.contains(&date.weekday()) && !self.holidays.contains(&date)
    }

    /// The school window of a local date as UTC seconds `[start, end)`, if it is a school day.
    fn window(&self, tz: Tz, date: NaiveDate) -> Option<(i64, i64)> {
        if !self.is_school_day(date) || self.end <= self.start {
            return None;
        }
        let at = |t: NaiveTime| tz.from_local_datetime(&date.and_time(t)).earliest().map(|d| d.timestamp());
        Some((at(self.start)?, at(self.end)?))
    }

    /// Whether no minute of local hour `hour` of `date` lies within school hours.
    pub(crate) fn hour_outside(&self, date: NaiveDate, hour: u32) -> bool {
        if !self.is_school_day(date) {
            return true;
        }
        let from = NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN);
        let to = NaiveTime::from_hms_opt(hour, 59, 59).unwrap_or(NaiveTime::MIN);
        to < self.start || from >= self.end
    }
}

/// A piece of an interval that lies within one local hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece {
    /// Local hour 0–23 of the piece.
    pub hour: u32,
    /// Length in seconds.
    pub secs: i64,
    /// Seconds of the piece outside school hours.
    pub outside: i64,
}

/// Splits quarter-hour aligned (UTC) so that every piece lies in one local hour: time zones
/// differ from UTC by whole quarter hours.
const QUARTER: i64 = 900;

/// Local hours, dates and school windows of UTC seconds, cached per quarter hour and per date
/// (the time-zone look-up is a binary search; a day's sessions ask for the same few hours
/// millions of times).
pub(crate) struct Clock<'a> {
    tz: Tz,
    hours: &'a SchoolHours,
    quarters: HashMap<i64, (u32, NaiveDate)>,
    windows: HashMap<NaiveDate, Option<(i64, i64)>>,
}

impl<'a> Clock<'a> {
    /// A clock of `tz` with the school hours `hours`.
    pub(crate) fn new(tz: Tz, hours: &'a SchoolHours) -> Self {
        Self { tz, hours, quarters: HashMap::new(), windows: HashMap::new() }
    }

    fn local(&mut self, t: i64) -> (u32, NaiveDate) {
        let tz = self.tz;
        *self.quarters.entry(t.div_euclid(QUARTER)).or_insert_with(|| {
            tz.timestamp_opt(t, 0).single().map_or((0, NaiveDate::MIN), |d| (d.hour(), d.date_naive()))
        })
    }

    /// The local hour of a UTC second.
    pub(crate) fn hour(&mut self, t: i64) -> u32 {
        self.local(t).0
    }

    /// The school window of the local date of `t`, as UTC seconds.
    fn window(&mut self, t: i64) -> Option<(i64, i64)> {
        let date = self.local(t).1;
        let (tz, hours) = (self.tz, self.hours);
        *self.windows.entry(date).or_insert_with(|| hours.window(tz, date))
    }

    /// Splits `[start, end)` (UTC seconds) into pieces per local hour, with the seconds outside
    /// school hours. Consecutive quarter hours of the same local hour are merged.
    pub(crate) fn split_by_hour(&mut self, start: i64, end: i64, out: &mut Vec<Piece>) {
        let first = out.len();
        let mut t = start;
        while t < end {
            let next = ((t.div_euclid(QUARTER) + 1) * QUARTER).min(end);
            let hour = self.hour(t);
            let secs = next - t;
            let inside = self.window(t).map_or(0, |(a, b)| (next.min(b) - t.max(a)).max(0));
            let continues = out.len() > first;
            match out.last_mut() {
                Some(last) if continues && last.hour == hour => {
                    last.secs += secs;
                    last.outside += secs - inside;
                }
                _ => out.push(Piece { hour, secs, outside: secs - inside }),
            }
            t = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn an_interval_splits_at_local_hours_and_counts_time_outside_school() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let hours = SchoolHours::default();
        // Tuesday 2026-11-24, 07:10–08:20 local (UTC+1): 07:10–07:30 outside, the rest inside.
        let mut clock = Clock::new(tz, &hours);
        let mut out = Vec::new();
        clock.split_by_hour(utc("2026-11-24T06:10:00Z"), utc("2026-11-24T07:20:00Z"), &mut out);
        assert_eq!(
            out,
            vec![Piece { hour: 7, secs: 50 * 60, outside: 20 * 60 }, Piece { hour: 8, secs: 20 * 60, outside: 0 }]
        );
        // Saturday: all outside.
        let mut out = Vec::new();
        clock.split_by_hour(utc("2026-11-28T09:00:00Z"), utc("2026-11-28T09:30:00Z"), &mut out);
        assert_eq!(out, vec![Piece { hour: 10, secs: 1800, outside: 1800 }]);
    }

    #[test]
    fn hours_follow_the_local_clock_across_the_daylight_saving_change() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // 2026-10-25 03:00 CEST → 02:00 CET: 00:30–01:30 UTC is local 02:30 (CEST) … 02:30 (CET).
        let hours = SchoolHours::default();
        let mut out = Vec::new();
        Clock::new(tz, &hours).split_by_hour(utc("2026-10-25T00:30:00Z"), utc("2026-10-25T01:30:00Z"), &mut out);
        assert_eq!(out.iter().map(|p| (p.hour, p.secs)).collect::<Vec<_>>(), vec![(2, 3600)]);
    }

    #[test]
    fn the_hour_flag_marks_hours_without_any_school_minute() {
        let hours = SchoolHours::default();
        let tue = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert!(hours.hour_outside(tue, 6));
        assert!(!hours.hour_outside(tue, 7));
        assert!(!hours.hour_outside(tue, 15));
        assert!(hours.hour_outside(tue, 16));
        let mut holiday = hours.clone();
        holiday.holidays.insert(tue);
        assert!(holiday.hour_outside(tue, 10));
    }
}
