//! Working days (SPEC §4): weekends and public holidays are off, make-up working days
//! (调休) are on. The State Council's published arrangements ship with the program
//! (`holidays_cn`); configured dates add to them and win over them. All day arithmetic
//! happens in the estate's time zone.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
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
        // The configuration first (it may correct the shipped data), then the notice.
        if self.workdays.contains(&day) {
            return true;
        }
        if self.holidays.contains(&day) {
            return false;
        }
        match official(day) {
            Some(on) => on,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// Where `year`'s holidays come from: the shipped notice, the configuration, both, or
    /// neither (then only weekends are off, which is wrong around the holidays).
    pub fn source(&self, year: i32) -> CalendarSource {
        let configured = self.holidays.iter().chain(&self.workdays).any(|d| d.year() == year);
        match (super::holidays_cn::arrangement(year), configured) {
            (Some(a), configured) => CalendarSource::Published { notice: a.notice, configured },
            (None, true) => CalendarSource::Configured,
            (None, false) => CalendarSource::WeekendsOnly,
        }
    }

    /// The days of `year` that differ from a plain Monday-to-Friday week: (day, working).
    pub fn exceptions(&self, year: i32) -> Vec<(NaiveDate, bool)> {
        let mut day = NaiveDate::from_ymd_opt(year, 1, 1).expect("January 1st exists");
        let mut out = Vec::new();
        while day.year() == year {
            let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
            let working = self.is_working_day(day);
            if working == weekend {
                out.push((day, working));
            }
            day = day + Days::new(1);
        }
        out
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

/// Where a year's working days come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalendarSource {
    Published { notice: &'static str, configured: bool },
    Configured,
    WeekendsOnly,
}

/// The shipped arrangement for `day`: `Some(true)` a make-up working day, `Some(false)` a
/// day off, `None` when the notice says nothing about it (or there is no notice).
fn official(day: NaiveDate) -> Option<bool> {
    let year = super::holidays_cn::arrangement(day.year())?;
    let (m, d) = (day.month(), day.day());
    if year.on.contains(&(m, d)) {
        return Some(true);
    }
    year.off.iter().any(|&(month, first, last)| month == m && (first..=last).contains(&d)).then_some(false)
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

    /// One holiday and one make-up Saturday per shipped year, with no configuration.
    #[test]
    fn the_state_councils_arrangements_ship_without_configuration() {
        let cal = WorkCalendar::default();
        // 2025 (国办发明电〔2024〕12号): 春节 1月28日–2月4日 off, Saturday 2月8日 worked.
        assert!(!cal.is_working_day(d("2025-01-28")), "Tuesday, 除夕");
        assert!(!cal.is_working_day(d("2025-02-03")), "Monday, 春节");
        assert!(cal.is_working_day(d("2025-02-08")), "Saturday worked");
        assert!(cal.is_working_day(d("2025-10-11")), "Saturday worked after 国庆");
        // 2026 (notice of 2025-11-04): 春节 2月15日–23日 off, Saturdays 2月14日, 2月28日 worked.
        assert!(!cal.is_working_day(d("2026-02-16")), "Monday, 春节");
        assert!(cal.is_working_day(d("2026-02-14")), "Saturday worked");
        assert!(cal.is_working_day(d("2026-10-10")), "Saturday worked after 国庆");
        assert!(cal.is_working_day(d("2026-09-20")), "Sunday worked before 国庆");
        assert!(!cal.is_working_day(d("2026-10-05")), "Monday, 国庆");
        assert!(matches!(cal.source(2026), CalendarSource::Published { .. }));
    }

    #[test]
    fn a_year_without_a_notice_falls_back_to_weekends_and_says_so() {
        let cal = WorkCalendar::default();
        assert_eq!(cal.source(2027), CalendarSource::WeekendsOnly);
        assert!(cal.is_working_day(d("2027-10-04")), "Monday: nothing known, so worked");
        let configured = WorkCalendar::new(chrono_tz::Asia::Shanghai, [d("2027-10-04")], []);
        assert_eq!(configured.source(2027), CalendarSource::Configured);
        assert!(!configured.is_working_day(d("2027-10-04")));
    }

    #[test]
    fn configured_days_win_over_the_shipped_ones() {
        // An estate that works on 2026-02-16 and takes 2026-02-14 off after all.
        let cal = WorkCalendar::new(chrono_tz::Asia::Shanghai, [d("2026-02-14")], [d("2026-02-16")]);
        assert!(cal.is_working_day(d("2026-02-16")));
        assert!(!cal.is_working_day(d("2026-02-14")));
        assert!(matches!(cal.source(2026), CalendarSource::Published { configured: true, .. }));
    }

    #[test]
    fn the_exceptions_of_a_year_are_its_holidays_and_make_up_days() {
        let cal = WorkCalendar::default();
        let exceptions = cal.exceptions(2026);
        assert!(exceptions.contains(&(d("2026-02-14"), true)));
        assert!(exceptions.contains(&(d("2026-10-01"), false)));
        assert!(!exceptions.iter().any(|(day, _)| *day == d("2026-11-23")));
        // Counted from the 2026 notice by hand: weekdays off are 元旦 2 (Thu, Fri), 春节 6
        // (16–20, 23), 清明 1, 劳动节 3 (Fri, Mon, Tue), 端午 1, 中秋 1, 国庆 5: 19; weekend
        // days worked: 1-4, 2-14, 2-28, 5-9, 9-20, 10-10: 6.
        assert_eq!(exceptions.iter().filter(|(_, on)| !on).count(), 19);
        assert_eq!(exceptions.iter().filter(|(_, on)| *on).count(), 6);
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
