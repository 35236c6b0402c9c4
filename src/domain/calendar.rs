//! Working days (SPEC §4): weekends and configured public holidays are off, configured
//! make-up working days (调休) are on. All day arithmetic happens in the estate's time zone.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub struct WorkCalendar {
    pub tz: Tz,
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

impl Default for WorkCalendar {
    fn default() -> Self {
        WorkCalendar::new(chrono_tz::Asia::Shanghai, [], [])
    }
}

impl WorkCalendar {
    pub fn new(
        tz: Tz,
        holidays: impl IntoIterator<Item = NaiveDate>,
        workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        WorkCalendar {
            tz,
            holidays: holidays.into_iter().collect(),
            workdays: workdays.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.workdays.contains(&day) {
            return true;
        }
        !self.holidays.contains(&day) && !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
    }

    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// The first instant of a local day, as UTC.
    pub fn start_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
        // A zone that skips midnight (DST) starts the day at the first valid instant.
        match self.tz.from_local_datetime(&midnight) {
            chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
            chrono::LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
            chrono::LocalResult::None => self
                .tz
                .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| Utc.from_utc_datetime(&midnight)),
        }
    }

    /// The end of the local day (exclusive: the next day's first instant).
    pub fn end_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        self.start_of_day(day + Days::new(1))
    }

    /// "Within N working days" of `from`: counting starts on the next working day after the
    /// local day of `from` (whether or not that day was itself a working day), and the
    /// deadline is the end of the Nth such day. N = 0 means the end of the same day.
    pub fn working_days_after(&self, from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let mut day = self.local_date(from);
        let mut counted = 0;
        while counted < n {
            day = day + Days::new(1);
            if self.is_working_day(day) {
                counted += 1;
            }
        }
        self.end_of_day(day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// The 2026 National Day week: Oct 1–7 off, with Sunday Sep 27 and Saturday Oct 10 worked.
    fn national_day_2026() -> WorkCalendar {
        WorkCalendar::new(
            chrono_tz::Asia::Shanghai,
            (1..=7).map(|day| NaiveDate::from_ymd_opt(2026, 10, day).unwrap()),
            [d("2026-09-27"), d("2026-10-10")],
        )
    }

    #[test]
    fn weekends_are_off_and_weekdays_are_on() {
        let cal = WorkCalendar::default();
        assert!(cal.is_working_day(d("2026-11-23"))); // Monday
        assert!(!cal.is_working_day(d("2026-11-28"))); // Saturday
        assert!(!cal.is_working_day(d("2026-11-29"))); // Sunday
    }

    #[test]
    fn holidays_are_off_and_make_up_days_are_on() {
        let cal = national_day_2026();
        assert!(!cal.is_working_day(d("2026-10-01"))); // Thursday, holiday
        assert!(cal.is_working_day(d("2026-09-27"))); // Sunday, worked
        assert!(cal.is_working_day(d("2026-10-10"))); // Saturday, worked
    }

    #[test]
    fn one_working_day_after_friday_ends_monday_night_local_time() {
        let cal = WorkCalendar::default();
        // Friday 2026-11-27 15:00 in Shanghai.
        let due = cal.working_days_after(at("2026-11-27T07:00:00Z"), 1);
        // End of Monday 2026-11-30 in Shanghai = 2026-11-30T16:00:00Z.
        assert_eq!(due, at("2026-11-30T16:00:00Z"));
    }

    #[test]
    fn working_days_skip_the_national_day_week_and_count_the_make_up_saturday() {
        let cal = national_day_2026();
        // Filed Wednesday Sep 30 10:00 local: Oct 1–7 off, Oct 8 (Thu) is day 1,
        // Oct 9 (Fri) day 2, Oct 10 (make-up Sat) day 3.
        let due = cal.working_days_after(at("2026-09-30T02:00:00Z"), 3);
        assert_eq!(due, cal.end_of_day(d("2026-10-10")));
    }

    #[test]
    fn fifteen_working_days_is_three_weeks_without_holidays() {
        let cal = WorkCalendar::default();
        let due = cal.working_days_after(at("2026-11-23T02:00:00Z"), 15); // Monday
        assert_eq!(cal.local_date(due - chrono::Duration::seconds(1)), d("2026-12-14"));
    }

    #[test]
    fn the_local_day_not_the_utc_day_decides() {
        let cal = WorkCalendar::default();
        // 2026-11-27T17:00Z is already Saturday 01:00 in Shanghai.
        assert_eq!(cal.local_date(at("2026-11-27T17:00:00Z")), d("2026-11-28"));
        let due = cal.working_days_after(at("2026-11-27T17:00:00Z"), 1);
        assert_eq!(due, cal.end_of_day(d("2026-11-30")));
    }
}
