//! The read model beside each case (status, times, when it turns overdue, callbacks owed
//! and to review) answers exactly what folding every case answers: the daily report from
//! the read model equals the report over all cases, and "overdue" from the index equals
//! `is_overdue` over every case, for two years of realistic cases plus the stories that
//! pull in other cases (a duplicate's matter, a complainant's earlier complaint, a pause),
//! on many days, and again after the calendar changes.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use lobbydesk::app::{Action, Desk};
use lobbydesk::config::Settings;
use lobbydesk::domain::calendar::WorkCalendar;
use lobbydesk::domain::case::Status;
use lobbydesk::domain::clocks::is_overdue;
use lobbydesk::domain::event::PauseReason;
use lobbydesk::domain::filing::NewCase;
use lobbydesk::domain::report;
use lobbydesk::store::CaseQuery;
use tempfile::TempDir;

fn settings(extra: &str) -> Settings {
    let toml = format!("[kiosk]\ncode = \"K01\"\nestate = \"翠湖花园\"\n{extra}\n{}", common::STAFF);
    Settings::from_toml(&toml, "test").unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap()
}

fn complaint(desk: &mut Desk, phone: &str, text: &str, at: DateTime<Utc>) -> String {
    let new = NewCase {
        category: "noise".into(),
        place: "3-2-1201".into(),
        phone: Some(phone.into()),
        text: text.into(),
        ..NewCase::default()
    };
    desk.file(&new, at).unwrap().ticket().to_string()
}

/// Realistic history, then stories that reach past the day's own cases.
fn estate() -> (TempDir, Desk) {
    let dir = TempDir::new().unwrap();
    let mut desk = Desk::open(settings(""), dir.path()).unwrap();
    lobbydesk::app::generate::realistic_cases(&mut desk, 3000, now() - Duration::days(3), 7).unwrap();
    let t = now() - Duration::days(2);
    // A matter resolved, with a second reporter linked to it and not yet told.
    let matter = complaint(&mut desk, "13800000001", "楼上漏水到我家", t);
    let reporter = complaint(&mut desk, "13800000002", "楼上漏水", t + Duration::minutes(5));
    desk.act(&reporter, Action::Link { primary_ticket: matter.clone() }, "wang", t + Duration::minutes(6))
        .unwrap();
    desk.act(&matter, Action::Resolve { note: "已修好".into() }, "wang", t + Duration::hours(3)).unwrap();
    // The same resident complained last month (resolved since), and again now.
    let earlier = complaint(&mut desk, "13800000003", "夜里噪音", t - Duration::days(20));
    desk.act(&earlier, Action::Resolve { note: "已劝说".into() }, "wang", t - Duration::days(19)).unwrap();
    complaint(&mut desk, "13800000003", "又有噪音", t);
    // Last month's complaint reported again this month: last month's report counts the
    // later report too, though it was filed after that month.
    let old = complaint(&mut desk, "13800000005", "电梯异响", t - Duration::days(40));
    let again = complaint(&mut desk, "13800000006", "电梯又响", t);
    desk.act(&again, Action::Link { primary_ticket: old }, "wang", t + Duration::minutes(1)).unwrap();
    // Filed in the last days of last month and not touched since, so only the repeat
    // flags of this month reach them: the same door lock three times, the same resident
    // complaining about noise twice.
    let first_of_month = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let month_start = desk.settings.calendar.start_of_day(first_of_month);
    let late_last_month = |days: i64| month_start - Duration::days(days) + Duration::hours(3);
    let lock = |desk: &mut Desk, at| {
        let new = NewCase {
            category: "door-lock".into(),
            place: "5-1-501".into(),
            phone: Some("13800000008".into()),
            text: "门锁坏了".into(),
            ..NewCase::default()
        };
        desk.file(&new, at).unwrap();
    };
    lock(&mut desk, late_last_month(9));
    lock(&mut desk, late_last_month(4));
    lock(&mut desk, t);
    complaint(&mut desk, "13800000007", "夜里有人唱歌", late_last_month(6));
    complaint(&mut desk, "13800000007", "又在唱歌", t);
    // A case waiting on the resident: its clocks stand still, so it is not overdue.
    let waiting = complaint(&mut desk, WAITING_PHONE, "门禁坏了", t - Duration::days(10));
    desk.act(
        &waiting,
        Action::Pause { reason: PauseReason::Resident, note: "住户出差".into() },
        "wang",
        t - Duration::days(10) + Duration::hours(1),
    )
    .unwrap();
    (dir, desk)
}

const WAITING_PHONE: &str = "13800000004";

fn overdue_from_index(desk: &Desk, at: DateTime<Utc>) -> Vec<String> {
    let query = CaseQuery { overdue_at: Some(at), ..Default::default() };
    let mut tickets: Vec<String> = desk
        .store()
        .list_cases(&query, None, 100_000)
        .unwrap()
        .iter()
        .map(|(c, _)| c.ticket().to_string())
        .collect();
    tickets.sort();
    tickets
}

fn overdue_by_folding(desk: &Desk, cal: &WorkCalendar, at: DateTime<Utc>) -> Vec<String> {
    let mut tickets: Vec<String> = desk
        .store()
        .cases()
        .unwrap()
        .iter()
        .filter(|c| is_overdue(c, cal, at))
        .map(|c| c.ticket().to_string())
        .collect();
    tickets.sort();
    tickets
}

fn escalated_from_index(desk: &Desk, at: DateTime<Utc>) -> Vec<String> {
    let query = CaseQuery { escalated_at: Some(at), ..Default::default() };
    let mut tickets: Vec<String> = desk
        .store()
        .list_cases(&query, None, 100_000)
        .unwrap()
        .iter()
        .map(|(c, _)| c.ticket().to_string())
        .collect();
    tickets.sort();
    tickets
}

/// On the GM's list at `at`: escalated to the group head or the GM by then, or owing a
/// 7-day escalation or a major complaint's report that was due before then.
fn escalated_by_folding(desk: &Desk, cal: &WorkCalendar, at: DateTime<Utc>) -> Vec<String> {
    use lobbydesk::domain::clocks::{Clock, DeadlineState, deadlines};
    use lobbydesk::domain::event::EscalationTarget::{GeneralManager, GroupHead};
    let mut tickets: Vec<String> = desk
        .store()
        .cases()
        .unwrap()
        .iter()
        .filter(|c| {
            c.escalations.iter().any(|e| matches!(e.value.to, GroupHead | GeneralManager) && e.at < at)
                || deadlines(c, cal, at).iter().any(|d| {
                    matches!(d.clock, Clock::Escalation | Clock::ReportMajor)
                        && matches!(d.state, DeadlineState::Overdue | DeadlineState::MetLate)
                })
        })
        .map(|c| c.ticket().to_string())
        .collect();
    tickets.sort();
    tickets
}

#[test]
fn the_daily_report_from_the_read_model_is_the_report_over_every_case() {
    let (_dir, desk) = estate();
    let all = desk.store().cases().unwrap();
    let cal = &desk.settings.calendar;
    let mut compared = 0;
    for days_back in [0, 1, 2, 3, 5, 9, 20, 45, 100, 400, 700] {
        let date = cal.local_date(now() - Duration::days(days_back));
        let from_model = desk.daily_report(Some(date), now()).unwrap();
        let by_folding = report::daily(&all, cal, date, now());
        assert_eq!(from_model.counts, by_folding.counts, "the counts of {date}");
        assert_eq!(from_model.new, by_folding.new, "new on {date}");
        assert_eq!(from_model.open, by_folding.open, "open on {date}");
        assert_eq!(from_model.overdue, by_folding.overdue, "overdue on {date}");
        assert_eq!(from_model.resolved, by_folding.resolved, "resolved on {date}");
        assert_eq!(from_model.callbacks_due, by_folding.callbacks_due, "callbacks due on {date}");
        assert_eq!(from_model.reporters_to_tell, by_folding.reporters_to_tell, "reporters on {date}");
        assert_eq!(from_model.callbacks_to_review, by_folding.callbacks_to_review, "reviews on {date}");
        assert_eq!(from_model.major_suggestions, by_folding.major_suggestions, "suggestions on {date}");
        assert_eq!(from_model, by_folding, "the daily report of {date}");
        compared += by_folding.new.len() + by_folding.open.len() + by_folding.resolved.len();
    }
    assert!(compared > 500, "the days compared mention cases: {compared}");
    let today = desk.daily_report(None, now()).unwrap();
    assert!(!today.reporters_to_tell.is_empty(), "the linked reporter is still to be told");
    assert!(!today.major_suggestions.is_empty(), "the repeated complainant is suggested");
    assert!(!today.overdue.is_empty() && !today.callbacks_due.is_empty());
}

#[test]
fn the_monthly_report_from_the_read_model_is_the_report_over_every_case() {
    let (_dir, desk) = estate();
    let all = desk.store().cases().unwrap();
    let cal = &desk.settings.calendar;
    let mut linked_elsewhere = false;
    for months_back in [0, 1, 2, 3, 6, 12, 23, 25] {
        let day = cal.local_date(now()) - chrono::Months::new(months_back);
        let (year, month) = (chrono::Datelike::year(&day), chrono::Datelike::month(&day));
        let from_model = desk.monthly_report(year, month, now()).unwrap();
        let by_folding = report::monthly(&all, cal, year, month, now()).unwrap();
        assert_eq!(from_model.kpis, by_folding.kpis, "the KPIs of {year}-{month}");
        assert_eq!(from_model.flags, by_folding.flags, "the flags of {year}-{month}");
        assert_eq!(from_model, by_folding, "the monthly report of {year}-{month}");
        linked_elsewhere |=
            by_folding.flags.repeated_complaints.iter().any(|r| r.linked && r.tickets.len() == 2);
        if months_back < 23 {
            assert!(by_folding.reporters > 50, "{year}-{month} has cases to count");
        }
    }
    assert!(linked_elsewhere, "a matter reported again in a later month was compared");
    let this_month = desk.monthly_report(2026, 11, now()).unwrap();
    assert!(
        this_month.flags.repeated_repairs.iter().any(|r| r.place == "5-1-501" && r.tickets.len() == 3),
        "{:?}",
        this_month.flags.repeated_repairs
    );
    assert!(
        this_month.flags.repeated_complaints.iter().any(|r| !r.linked && r.tickets.len() == 2),
        "{:?}",
        this_month.flags.repeated_complaints
    );
}

#[test]
fn overdue_from_the_index_is_overdue_by_folding_at_every_moment_and_under_a_new_calendar() {
    let (dir, desk) = estate();
    let cal = desk.settings.calendar.clone();
    let mut seen = 0;
    for hours in [0, 1, 5, 13, 24, 49, 24 * 7, 24 * 16, 24 * 40] {
        let at = now() + Duration::hours(hours);
        let expected = overdue_by_folding(&desk, &cal, at);
        assert_eq!(overdue_from_index(&desk, at), expected, "overdue at {at}");
        seen += expected.len();
    }
    assert!(seen > 100, "overdue cases were compared: {seen}");
    let waiting = desk.store().search(WAITING_PHONE).unwrap().remove(0);
    assert!(
        waiting.status != Status::Closed && waiting.current_pause().is_some(),
        "a waiting case is compared"
    );
    drop(desk);
    // A week of holidays added to the config moves working-day deadlines: the columns
    // follow at the next start, and still agree with folding.
    let holidays: Vec<String> =
        (0..7).map(|d| format!("\"{}\"", (now() + Duration::days(d)).date_naive())).collect();
    let desk = Desk::open(settings(&format!("[calendar]\nholidays = [{}]", holidays.join(", "))), dir.path())
        .unwrap();
    let cal = desk.settings.calendar.clone();
    for hours in [0, 24 * 3, 24 * 9, 24 * 20] {
        let at = now() + Duration::hours(hours);
        assert_eq!(overdue_from_index(&desk, at), overdue_by_folding(&desk, &cal, at), "overdue at {at}");
    }
}

#[test]
fn the_escalation_list_from_the_index_is_the_list_by_folding_at_every_moment() {
    let (_dir, desk) = estate();
    let cal = desk.settings.calendar.clone();
    let mut seen = 0;
    for hours in [0, 1, 5, 24, 24 * 6, 24 * 7 + 1, 24 * 8, 24 * 40] {
        let at = now() + Duration::hours(hours);
        let expected = escalated_by_folding(&desk, &cal, at);
        assert_eq!(escalated_from_index(&desk, at), expected, "escalated at {at}");
        seen += expected.len();
    }
    assert!(seen > 50, "cases on the list were compared: {seen}");
}
