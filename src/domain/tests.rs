//! Rule-by-rule tests of the case core: workflow, clocks, callbacks, reports, and the
//! property that any arrival order of the same events folds to the same case.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use super::calendar::WorkCalendar;
use super::callback::{CallbackOwner, next_callback, owner};
use super::case::{Case, Status, WorkflowError};
use super::category::Catalogue;
use super::clocks::{Clock, DeadlineState, deadlines, is_overdue};
use super::event::{CallbackRecord, ContactMethod, EscalationTarget, Event, EventBody, Origin, Rating};
use super::filing::{FilingContext, NewCase};
use super::hlc::Hlc;
use super::intake::{Channel, ComplaintClass, Department, Severity, Urgency};
use super::report;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Monday 2026-11-23 10:00 in Shanghai.
fn monday() -> DateTime<Utc> {
    at("2026-11-23T02:00:00Z")
}

/// A case under test, written the way the app writes: check, then append.
struct Script {
    events: Vec<Event>,
    hlc: Hlc,
    case_id: Uuid,
}

impl Script {
    fn file(new: NewCase, when: DateTime<Utc>) -> Script {
        let catalogue = Catalogue::default();
        let case_id = Uuid::now_v7();
        let mut intake = new
            .validate(&FilingContext {
                catalogue: &catalogue,
                estate: "翠湖花园",
                case_id,
                repair_sample_percent: 30,
            })
            .unwrap();
        intake.ticket = format!("K01-{:05}", case_id.as_u128() % 100_000);
        let mut s = Script { events: Vec::new(), hlc: Hlc::default(), case_id };
        s.push(Origin::kiosk("K01"), when, "kiosk", EventBody::Filed { intake: Box::new(intake) });
        s
    }

    fn push(&mut self, origin: Origin, when: DateTime<Utc>, actor: &str, body: EventBody) {
        self.hlc = Hlc::tick(self.hlc, when.timestamp_millis());
        self.events.push(Event {
            id: Uuid::now_v7(),
            case_id: self.case_id,
            origin,
            stamp: self.hlc,
            at: when,
            actor: actor.into(),
            body,
        });
    }

    fn case(&self) -> Case {
        Case::fold(&self.events).unwrap()
    }

    fn act(&mut self, when: DateTime<Utc>, body: EventBody) -> Result<Case, WorkflowError> {
        self.case().check(&body, when)?;
        self.push(Origin::kiosk("K01"), when, "wang", body);
        Ok(self.case())
    }

    fn ok(&mut self, when: DateTime<Utc>, body: EventBody) -> Case {
        self.act(when, body).unwrap()
    }
}

fn new_case(category: &str) -> NewCase {
    NewCase {
        category: category.into(),
        place: "3-2-1201".into(),
        phone: Some("13800138000".into()),
        text: "厨房水管漏水".into(),
        ..NewCase::default()
    }
}

fn complaint() -> NewCase {
    NewCase { text: "楼下深夜装修噪音".into(), ..new_case("noise") }
}

fn resolved(note: &str) -> EventBody {
    EventBody::Resolved { note: note.into() }
}

fn callback(satisfied: bool) -> EventBody {
    EventBody::CallbackRecorded {
        record: CallbackRecord {
            method: ContactMethod::Phone,
            quality: Some(Rating::new(if satisfied { 5 } else { 2 }).unwrap()),
            effect: Some(Rating::new(4).unwrap()),
            satisfaction: Some(Rating::new(if satisfied { 5 } else { 1 }).unwrap()),
            satisfied,
            shortcomings: (!satisfied).then(|| "还在漏".into()),
            suggestions: None,
            next_callback_at: None,
            signature: None,
        },
    }
}

fn close() -> EventBody {
    EventBody::Closed { note: None }
}

fn deadline(case: &Case, clock: Clock, now: DateTime<Utc>) -> super::clocks::Deadline {
    deadlines(case, &WorkCalendar::default(), now)
        .into_iter()
        .find(|d| d.clock == clock)
        .unwrap_or_else(|| panic!("{clock:?} missing"))
}

fn has_clock(case: &Case, clock: Clock) -> bool {
    deadlines(case, &WorkCalendar::default(), monday()).iter().any(|d| d.clock == clock)
}

// ---- Workflow ----

#[test]
fn a_complaint_walks_the_whole_workflow_to_closed() {
    let mut s = Script::file(complaint(), monday());
    let t = |h| monday() + Duration::hours(h);
    assert_eq!(s.case().status, Status::Received);
    assert_eq!(s.ok(t(1), EventBody::Acknowledged { note: None }).status, Status::Acknowledged);
    s.ok(t(2), EventBody::Assigned { department: Department::Security, assignee: Some("李".into()) });
    assert_eq!(s.case().status, Status::Assigned);
    assert_eq!(s.ok(t(3), EventBody::OnSite { note: None }).status, Status::InProgress);
    assert_eq!(s.ok(t(4), resolved("已劝停")).status, Status::Resolved);
    assert_eq!(s.ok(t(30), callback(true)).status, Status::CallbackDone);
    let closed = s.ok(t(31), close());
    assert_eq!(closed.status, Status::Closed);
    assert_eq!(closed.closed_at, Some(t(31)));
    assert_eq!(closed.event_count, 7);
}

#[test]
fn closing_before_resolving_is_refused() {
    let mut s = Script::file(new_case("water"), monday());
    let err = s.act(monday(), close()).unwrap_err();
    assert!(matches!(err, WorkflowError::NotResolved { .. }), "{err}");
    assert!(err.to_string().contains("resolve it before closing"));
}

#[test]
fn resolving_a_closed_case_is_refused() {
    let mut s = Script::file(NewCase { anonymous: true, phone: None, ..new_case("water") }, monday());
    s.ok(monday(), resolved("换了阀门"));
    s.ok(monday(), close());
    let err = s.act(monday(), resolved("again")).unwrap_err();
    assert!(matches!(err, WorkflowError::Closed { .. }), "{err}");
}

#[test]
fn a_callback_on_an_anonymous_case_is_refused() {
    let mut s = Script::file(NewCase { anonymous: true, phone: None, ..complaint() }, monday());
    s.ok(monday(), resolved("已处理"));
    let err = s.act(monday(), callback(true)).unwrap_err();
    assert_eq!(err.code(), "anonymous");
    // ...and the anonymous complaint may close without one (001 11.1.13).
    assert_eq!(s.ok(monday(), close()).status, Status::Closed);
}

#[test]
fn a_complaint_cannot_close_without_its_callback() {
    let mut s = Script::file(complaint(), monday());
    s.ok(monday(), resolved("已处理"));
    assert_eq!(s.act(monday(), close()).unwrap_err().code(), "callback-outstanding");
}

#[test]
fn a_callback_before_resolution_is_refused() {
    let mut s = Script::file(complaint(), monday());
    assert_eq!(s.act(monday(), callback(true)).unwrap_err().code(), "not-resolved");
}

#[test]
fn an_unsatisfied_callback_reopens_and_schedules_the_next_one() {
    let mut s = Script::file(complaint(), monday());
    s.ok(monday(), resolved("已处理"));
    let next = monday() + Duration::days(5);
    let case = s.ok(
        monday() + Duration::hours(5),
        EventBody::CallbackRecorded {
            record: CallbackRecord {
                next_callback_at: Some(next),
                ..match callback(false) {
                    EventBody::CallbackRecorded { record } => record,
                    _ => unreachable!(),
                }
            },
        },
    );
    assert_eq!(case.status, Status::Reopened);
    assert_eq!(case.reopen_count, 1);
    assert_eq!(
        next_callback(&case).map(|d| d.due),
        Some(next),
        "the agreed date is chased even before the fix"
    );
    let case = s.ok(monday() + Duration::days(1), resolved("返工完成"));
    let due = next_callback(&case).unwrap();
    assert_eq!(due.due, next);
    assert_eq!(due.round, 2);
    // The second callback is satisfied: now it may close.
    s.ok(monday() + Duration::days(2), callback(true));
    assert_eq!(s.ok(monday() + Duration::days(2), close()).status, Status::Closed);
}

#[test]
fn a_letter_needs_a_written_reply_before_closing() {
    let mut s = Script::file(
        NewCase { channel: Some(Channel::Letter), staff: Some("wang".into()), ..complaint() },
        monday(),
    );
    s.ok(monday(), EventBody::Replied { method: ContactMethod::Phone, text: "已收到".into() });
    s.ok(monday(), resolved("已处理"));
    s.ok(monday(), callback(true));
    assert_eq!(s.act(monday(), close()).unwrap_err().code(), "written-reply-outstanding");
    s.ok(monday(), EventBody::Replied { method: ContactMethod::Written, text: "书面答复".into() });
    assert_eq!(s.ok(monday(), close()).status, Status::Closed);
}

#[test]
fn a_suggestion_is_adopted_or_declined_and_the_resident_told_why() {
    let mut s = Script::file(NewCase { text: "增加快递柜".into(), ..new_case("suggestion") }, monday());
    assert_eq!(s.act(monday(), resolved("x")).unwrap_err().code(), "wrong-kind");
    assert_eq!(s.act(monday(), close()).unwrap_err().code(), "undecided");
    let err =
        s.act(monday(), EventBody::SuggestionDecided { adopted: false, reason: " ".into() }).unwrap_err();
    assert_eq!(err.code(), "missing");
    let case = s.ok(monday(), EventBody::SuggestionDecided { adopted: false, reason: "场地不足".into() });
    assert_eq!(case.status, Status::Declined);
    assert_eq!(s.act(monday(), close()).unwrap_err().code(), "decision-not-told");
    s.ok(monday(), EventBody::Replied { method: ContactMethod::Phone, text: "因场地不足暂不采纳".into() });
    assert_eq!(s.ok(monday(), close()).status, Status::Closed);
}

#[test]
fn class_and_severity_apply_to_complaints_only() {
    let mut s = Script::file(new_case("water"), monday());
    let err = s
        .act(
            monday(),
            EventBody::Classified {
                complaint_class: None,
                severity: Some(Severity::Major),
                department: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "wrong-kind");
}

#[test]
fn class_two_goes_to_engineering() {
    let mut s = Script::file(complaint(), monday());
    let case = s.ok(
        monday(),
        EventBody::Classified {
            complaint_class: Some(ComplaintClass::Developer),
            severity: None,
            department: None,
        },
    );
    assert_eq!(case.department, Some(Department::Engineering));
}

#[test]
fn reopening_needs_a_resolved_or_closed_case() {
    let mut s = Script::file(new_case("water"), monday());
    let reopen = || EventBody::Reopened { reason: "又漏了".into() };
    assert_eq!(s.act(monday(), reopen()).unwrap_err().code(), "cannot-reopen");
    s.ok(monday(), resolved("修好"));
    let case = s.ok(monday(), reopen());
    assert_eq!(case.status, Status::Reopened);
    assert_eq!(case.first_resolved_at, Some(monday()));
}

#[test]
fn a_case_cannot_be_its_own_duplicate_or_linked_twice() {
    let mut s = Script::file(complaint(), monday());
    let me = s.case_id;
    let link = |id: Uuid| EventBody::LinkedDuplicate { primary: id, primary_ticket: "K01-00001".into() };
    assert_eq!(s.act(monday(), link(me)).unwrap_err().code(), "self-link");
    let case = s.ok(monday(), link(Uuid::now_v7()));
    assert!(case.duplicate_of.is_some());
    assert_eq!(s.act(monday(), link(Uuid::now_v7())).unwrap_err().code(), "already-linked");
    // The matter is worked on the earlier case: this one closes with it, and its clocks stop.
    assert!(deadlines(&case, &WorkCalendar::default(), monday() + Duration::days(30)).is_empty());
    assert_eq!(s.ok(monday(), close()).status, Status::Closed);
}

#[test]
fn a_promised_date_must_be_in_the_future_and_explained() {
    let mut s = Script::file(complaint(), monday());
    let past = EventBody::PromiseSet { due: monday() - Duration::hours(1), reason: "等配件".into() };
    assert_eq!(s.act(monday(), past).unwrap_err().code(), "promise-in-past");
    let unexplained = EventBody::PromiseSet { due: monday() + Duration::days(30), reason: "".into() };
    assert_eq!(s.act(monday(), unexplained).unwrap_err().code(), "missing");
}

// ---- Clocks ----

#[test]
fn a_complaint_must_be_acknowledged_within_24_hours() {
    let mut s = Script::file(complaint(), monday());
    let d = deadline(&s.case(), Clock::Acknowledge, monday());
    assert_eq!(d.due, monday() + Duration::hours(24));
    assert_eq!(d.state, DeadlineState::Pending);
    assert_eq!(
        deadline(&s.case(), Clock::Acknowledge, monday() + Duration::hours(25)).state,
        DeadlineState::Overdue
    );
    s.ok(monday() + Duration::hours(23), EventBody::Acknowledged { note: None });
    assert_eq!(
        deadline(&s.case(), Clock::Acknowledge, monday() + Duration::days(9)).state,
        DeadlineState::Met
    );
}

#[test]
fn first_reply_is_due_in_one_working_day_and_at_most_three() {
    // Friday 2026-11-27 16:00 Shanghai.
    let friday = at("2026-11-27T08:00:00Z");
    let mut s = Script::file(complaint(), friday);
    let cal = WorkCalendar::default();
    assert_eq!(
        deadline(&s.case(), Clock::FirstReply, friday).due,
        cal.end_of_day("2026-11-30".parse().unwrap())
    );
    assert_eq!(
        deadline(&s.case(), Clock::FirstReplyLimit, friday).due,
        cal.end_of_day("2026-12-02".parse().unwrap())
    );
    // Replying on Tuesday is late for the target but within the limit.
    s.ok(
        at("2026-12-01T02:00:00Z"),
        EventBody::Replied { method: ContactMethod::Phone, text: "正在处理".into() },
    );
    let now = at("2026-12-10T00:00:00Z");
    assert_eq!(deadline(&s.case(), Clock::FirstReply, now).state, DeadlineState::MetLate);
    assert_eq!(deadline(&s.case(), Clock::FirstReplyLimit, now).state, DeadlineState::Met);
}

#[test]
fn an_initial_plan_is_due_in_three_working_days() {
    let mut s = Script::file(complaint(), monday());
    let d = deadline(&s.case(), Clock::InitialPlan, monday());
    assert_eq!(d.due, WorkCalendar::default().end_of_day("2026-11-26".parse().unwrap()));
    s.ok(monday() + Duration::days(2), EventBody::PlanSet { plan: "约谈施工方".into() });
    assert_eq!(
        deadline(&s.case(), Clock::InitialPlan, monday() + Duration::days(9)).state,
        DeadlineState::Met
    );
}

#[test]
fn resolution_is_due_in_fifteen_working_days_unless_a_new_date_is_promised_in_time() {
    let mut s = Script::file(complaint(), monday());
    let due = deadline(&s.case(), Clock::Resolve, monday()).due;
    assert_eq!(due, WorkCalendar::default().end_of_day("2026-12-14".parse().unwrap()));
    assert_eq!(deadline(&s.case(), Clock::Resolve, due + Duration::hours(1)).state, DeadlineState::Overdue);
    let promised = at("2026-12-31T09:00:00Z");
    s.ok(
        monday() + Duration::days(10),
        EventBody::PromiseSet { due: promised, reason: "需开发商维修".into() },
    );
    let after = due + Duration::days(3);
    assert_eq!(deadline(&s.case(), Clock::Resolve, after).state, DeadlineState::Met);
    assert_eq!(deadline(&s.case(), Clock::PromisedDate, after).state, DeadlineState::Pending);
    assert_eq!(
        deadline(&s.case(), Clock::PromisedDate, promised + Duration::hours(1)).state,
        DeadlineState::Overdue
    );
}

#[test]
fn an_unresolved_complaint_after_seven_days_needs_a_written_escalation() {
    let mut s = Script::file(complaint(), monday());
    let day8 = monday() + Duration::days(8);
    let d = deadline(&s.case(), Clock::Escalation, day8);
    assert_eq!(d.due, monday() + Duration::days(7));
    assert_eq!(d.state, DeadlineState::Overdue);
    assert!(is_overdue(&s.case(), &WorkCalendar::default(), day8));
    s.ok(day8, EventBody::Escalated { to: EscalationTarget::GroupHead, reason: "开发商未回应".into() });
    assert_eq!(deadline(&s.case(), Clock::Escalation, day8).state, DeadlineState::MetLate);
}

#[test]
fn a_complaint_resolved_within_seven_days_needs_no_escalation() {
    let mut s = Script::file(complaint(), monday());
    s.ok(monday() + Duration::days(6), resolved("已处理"));
    let d = deadline(&s.case(), Clock::Escalation, monday() + Duration::days(30));
    assert_eq!(d.state, DeadlineState::NotNeeded);
}

#[test]
fn a_major_complaint_is_reported_to_the_general_manager_at_once() {
    let mut s = Script::file(complaint(), monday());
    assert!(!has_clock(&s.case(), Clock::ReportMajor));
    let t = monday() + Duration::hours(3);
    s.ok(
        t,
        EventBody::Classified { complaint_class: None, severity: Some(Severity::Major), department: None },
    );
    let d = deadline(&s.case(), Clock::ReportMajor, t + Duration::hours(2));
    assert_eq!(d.due, t + Duration::hours(1));
    assert_eq!(d.state, DeadlineState::Overdue);
    s.ok(
        t + Duration::minutes(20),
        EventBody::Escalated { to: EscalationTarget::GeneralManager, reason: "越级投诉".into() },
    );
    assert_eq!(deadline(&s.case(), Clock::ReportMajor, t + Duration::hours(2)).state, DeadlineState::Met);
}

#[test]
fn the_escalation_list_holds_a_complaint_from_its_written_escalation_or_when_one_fell_due() {
    use super::clocks::escalated_from;
    let cal = WorkCalendar::default();
    // Unresolved: on the list from day 7, also while nobody has written yet.
    let mut s = Script::file(complaint(), monday());
    assert_eq!(escalated_from(&s.case(), &cal), Some(monday() + Duration::days(7)));
    // Written on day 3: on the list from then.
    let day3 = monday() + Duration::days(3);
    s.ok(day3, EventBody::Escalated { to: EscalationTarget::GroupHead, reason: "开发商未回应".into() });
    assert_eq!(escalated_from(&s.case(), &cal), Some(day3));
    // Resolved within 7 days: never on it; a reopening owes a fresh 7 days.
    let mut quick = Script::file(complaint(), monday());
    quick.ok(monday() + Duration::days(2), resolved("已处理"));
    assert_eq!(escalated_from(&quick.case(), &cal), None);
    let reopened_at = monday() + Duration::days(4);
    quick.ok(reopened_at, EventBody::Reopened { reason: "业主不满意".into() });
    assert_eq!(escalated_from(&quick.case(), &cal), Some(reopened_at + Duration::days(7)));
    // An escalation to the estate manager is not the group's; a repair owes none.
    let mut inside = Script::file(complaint(), monday());
    inside.ok(
        monday() + Duration::hours(1),
        EventBody::Escalated { to: EscalationTarget::EstateManager, reason: "需经理协调".into() },
    );
    inside.ok(monday() + Duration::days(1), resolved("已处理"));
    assert_eq!(escalated_from(&inside.case(), &cal), None);
    assert_eq!(escalated_from(&Script::file(new_case("water"), monday()).case(), &cal), None);
    // A major complaint: from when its report to the GM fell due, or was made.
    let mut major = Script::file(complaint(), monday());
    let t = monday() + Duration::hours(3);
    major.ok(
        t,
        EventBody::Classified { complaint_class: None, severity: Some(Severity::Major), department: None },
    );
    assert_eq!(escalated_from(&major.case(), &cal), Some(t + Duration::hours(1)));
    let told = t + Duration::minutes(20);
    major.ok(told, EventBody::Escalated { to: EscalationTarget::GeneralManager, reason: "越级投诉".into() });
    assert_eq!(escalated_from(&major.case(), &cal), Some(told));
}

#[test]
fn a_hotline_case_gets_a_first_callback_within_24_hours() {
    let s = Script::file(
        NewCase { channel: Some(Channel::Hotline), staff: Some("wang".into()), ..new_case("water") },
        monday(),
    );
    let d = deadline(&s.case(), Clock::HotlineFirstCallback, monday() + Duration::hours(25));
    assert_eq!(d.due, monday() + Duration::hours(24));
    assert_eq!(d.state, DeadlineState::Overdue);
}

#[test]
fn an_emergency_repair_needs_staff_on_site_within_30_minutes() {
    let mut s = Script::file(new_case("flood"), monday());
    let d = deadline(&s.case(), Clock::RepairOnSite, monday());
    assert_eq!(d.due, monday() + Duration::minutes(30));
    s.ok(monday() + Duration::minutes(25), EventBody::OnSite { note: None });
    assert_eq!(
        deadline(&s.case(), Clock::RepairOnSite, monday() + Duration::hours(5)).state,
        DeadlineState::Met
    );
}

#[test]
fn urgent_repairs_are_done_in_24_hours_and_normal_ones_in_48() {
    let urgent = Script::file(NewCase { urgency: Some(Urgency::Urgent), ..new_case("water") }, monday());
    assert_eq!(deadline(&urgent.case(), Clock::RepairDone, monday()).due, monday() + Duration::hours(24));
    let mut normal = Script::file(new_case("water"), monday());
    assert_eq!(deadline(&normal.case(), Clock::RepairDone, monday()).due, monday() + Duration::hours(48));
    normal.ok(monday() + Duration::hours(50), resolved("修好"));
    assert_eq!(
        deadline(&normal.case(), Clock::RepairDone, monday() + Duration::days(5)).state,
        DeadlineState::MetLate
    );
}

#[test]
fn hand_over_defects_are_fixed_the_same_day_or_within_a_week() {
    let staff = |cat: &str| NewCase { staff: Some("wang".into()), ..new_case(cat) };
    let small = Script::file(staff("handover-small"), monday());
    let cal = WorkCalendar::default();
    assert_eq!(
        deadline(&small.case(), Clock::RepairDone, monday()).due,
        cal.end_of_day("2026-11-23".parse().unwrap())
    );
    let large = Script::file(staff("handover-large"), monday());
    assert_eq!(deadline(&large.case(), Clock::RepairDone, monday()).due, monday() + Duration::weeks(1));
}

// ---- Callbacks ----

#[test]
fn complaint_callbacks_are_due_within_three_days_after_resolution() {
    let mut s = Script::file(complaint(), monday());
    let done = monday() + Duration::days(1);
    let case = s.ok(done, resolved("已处理"));
    let due = next_callback(&case).unwrap();
    assert_eq!((due.opens, due.due), (done, done + Duration::days(3)));
    assert_eq!(deadline(&case, Clock::Callback, done + Duration::days(4)).state, DeadlineState::Overdue);
}

#[test]
fn maintenance_works_are_called_back_between_one_and_two_months_after() {
    // Find a works case in the 30% sample: the sample is per case id.
    let case = (0..200)
        .map(|_| Script::file(NewCase { staff: Some("wang".into()), ..new_case("works") }, monday()))
        .find(|s| s.case().callback_required())
        .map(|mut s| s.ok(at("2026-01-31T02:00:00Z").max(monday()), resolved("外墙翻新完成")))
        .expect("30% of 200 cases are sampled");
    let due = next_callback(&case).unwrap();
    let done = case.resolved_at.unwrap();
    assert_eq!(due.opens, done.checked_add_months(chrono::Months::new(1)).unwrap());
    assert_eq!(due.due, done.checked_add_months(chrono::Months::new(2)).unwrap());
}

#[test]
fn emergency_aid_is_always_called_back_within_a_week() {
    let mut s = Script::file(NewCase { staff: Some("wang".into()), ..new_case("first-aid") }, monday());
    assert!(s.case().callback_required());
    let case = s.ok(monday(), resolved("已送医"));
    assert_eq!(next_callback(&case).unwrap().due, monday() + Duration::days(7));
}

#[test]
fn about_thirty_percent_of_repairs_are_called_back() {
    let sampled =
        (0..1_000).filter(|_| Script::file(new_case("water"), monday()).case().callback_required()).count();
    assert!((240..=360).contains(&sampled), "{sampled} of 1000");
}

#[test]
fn the_callback_owner_follows_severity() {
    let mut s = Script::file(complaint(), monday());
    assert_eq!(
        owner(&s.case()),
        CallbackOwner::DepartmentSupervisor { department: Some(Department::Security) }
    );
    let sev =
        |s: Severity| EventBody::Classified { complaint_class: None, severity: Some(s), department: None };
    assert_eq!(owner(&s.ok(monday(), sev(Severity::Important))), CallbackOwner::CustomerServiceDirector);
    assert_eq!(owner(&s.ok(monday(), sev(Severity::Major))), CallbackOwner::EstateManager);
    let repair = Script::file(new_case("water"), monday());
    assert_eq!(owner(&repair.case()), CallbackOwner::CustomerServiceStaff);
}

// ---- Reports ----

#[test]
fn the_daily_report_counts_new_open_overdue_resolved_and_callbacks_due() {
    let cal = WorkCalendar::default();
    let today: NaiveDate = "2026-11-23".parse().unwrap();
    let mut old = Script::file(complaint(), monday() - Duration::days(3));
    old.ok(monday() - Duration::days(2), resolved("已处理"));
    let mut fixed_today = Script::file(new_case("water"), monday() - Duration::days(1));
    fixed_today.ok(monday() + Duration::hours(1), resolved("换管"));
    let fresh = Script::file(complaint(), monday());
    let unacked = Script::file(complaint(), monday() - Duration::days(2));
    let cases = [old.case(), fixed_today.case(), fresh.case(), unacked.case()];
    let r = report::daily(&cases, &cal, today, monday() + Duration::hours(2));
    assert_eq!(r.counts.new, 1);
    assert_eq!(r.counts.open, 4);
    assert_eq!(r.counts.resolved, 1);
    // `old` was resolved 2 days ago with a 3-day callback window: due tomorrow, not listed;
    // unless staff set it earlier. `unacked` missed its 24 h acknowledgement.
    assert!(
        r.overdue
            .iter()
            .any(|o| o.case.ticket == unacked.case().ticket() && o.clocks.contains(&Clock::Acknowledge))
    );
    assert!(r.callbacks_due.iter().all(|c| c.case.ticket != old.case().ticket()));
    let tomorrow = report::daily(&cases, &cal, today.succ_opt().unwrap(), monday() + Duration::days(1));
    assert!(tomorrow.callbacks_due.iter().any(|c| c.case.ticket == old.case().ticket()));
}

#[test]
fn the_monthly_report_counts_a_matter_once_and_every_reporter() {
    let cal = WorkCalendar::default();
    let first = Script::file(complaint(), monday());
    let mut second = Script::file(
        NewCase { phone: Some("13900139000".into()), ..complaint() },
        monday() + Duration::hours(1),
    );
    second.ok(
        monday() + Duration::hours(2),
        EventBody::LinkedDuplicate { primary: first.case_id, primary_ticket: first.case().ticket().into() },
    );
    let cases = [first.case(), second.case()];
    let r = report::monthly(&cases, &cal, 2026, 11, monday() + Duration::days(1)).unwrap();
    assert_eq!((r.matters, r.reporters), (1, 2));
    let row = r.by_category.iter().find(|r| r.key == "noise").unwrap();
    assert_eq!((row.matters, row.reporters), (1, 2));
    assert_eq!(r.flags.repeated_complaints.len(), 1);
    assert!(r.flags.repeated_complaints[0].linked);
    assert_eq!(r.flags.repeated_complaints[0].complaints, 2);
}

#[test]
fn the_monthly_report_flags_repeat_repairs_and_unsatisfied_callbacks() {
    let cal = WorkCalendar::default();
    let mut cases = Vec::new();
    for i in 0..3 {
        cases.push(Script::file(new_case("leak"), monday() + Duration::days(i)).case());
    }
    let mut unhappy = Script::file(complaint(), monday());
    unhappy.ok(monday(), resolved("已处理"));
    unhappy.ok(monday() + Duration::hours(2), callback(false));
    cases.push(unhappy.case());
    let r = report::monthly(&cases, &cal, 2026, 11, monday() + Duration::days(5)).unwrap();
    assert_eq!(r.flags.repeated_repairs.len(), 1);
    assert_eq!(r.flags.repeated_repairs[0].count, 3);
    assert_eq!(r.flags.repeated_repairs[0].place, "3-2-1201");
    assert_eq!(r.flags.unsatisfied_callbacks.len(), 1);
    let kpi = |code: &str| r.kpis.iter().find(|k| k.code == code).unwrap().clone();
    assert_eq!(kpi("callback-satisfaction").value, Some(0.0));
    assert_eq!(kpi("callback-satisfaction").met, Some(false));
    assert_eq!(kpi("callback-rate").value, Some(1.0));
    // The three leak repairs are 48 h repairs: filed Mon/Tue/Wed, unresolved at Saturday.
    assert_eq!((kpi("repair-timeliness").numerator, kpi("repair-timeliness").denominator), (0, 3));
}

#[test]
fn kpis_measure_against_the_company_targets() {
    let cal = WorkCalendar::default();
    let mut cases = Vec::new();
    for i in 0..10 {
        let mut s = Script::file(complaint(), monday() + Duration::hours(i));
        s.ok(monday() + Duration::hours(i + 1), EventBody::Acknowledged { note: None });
        s.ok(monday() + Duration::hours(i + 2), resolved("已处理"));
        s.ok(monday() + Duration::hours(i + 3), callback(i != 0));
        if i != 0 {
            s.ok(monday() + Duration::hours(i + 4), close());
        }
        cases.push(s.case());
    }
    let r = report::monthly(&cases, &cal, 2026, 11, monday() + Duration::days(2)).unwrap();
    let kpi = |code: &str| r.kpis.iter().find(|k| k.code == code).unwrap().clone();
    assert_eq!(kpi("feedback-timeliness").value, Some(1.0));
    assert_eq!(kpi("feedback-timeliness").met, Some(true));
    assert_eq!(kpi("callback-satisfaction").value, Some(0.9));
    assert_eq!(kpi("callback-satisfaction").met, Some(false), "target is 98%");
    assert_eq!(kpi("closure-rate").value, Some(0.9));
    assert_eq!(kpi("closure-rate").met, Some(true), "target is 80%");
    assert_eq!(kpi("repair-timeliness").value, None, "no repairs: nothing measured");
}

/// 002 第十条(8): every hand-over defect is called back within 24 hours of the fix — not a
/// 30% sample three days later.
#[test]
fn every_handover_defect_is_called_back_within_24_hours_002_10_8() {
    for code in ["handover-small", "handover-large"] {
        let mut s = Script::file(NewCase { staff: Some("wang".into()), ..new_case(code) }, monday());
        let case = s.ok(monday() + Duration::hours(3), resolved("已修复"));
        assert!(case.callback_required(), "{code}: every one, no sample");
        let due = next_callback(&case).expect("a callback is due");
        assert_eq!(due.due, monday() + Duration::hours(27), "{code}: 24 h after the fix");
    }
}

/// An emergency repair: on site within 30 minutes, and the repair itself still due within
/// 24 hours of filing once someone is there.
#[test]
fn an_emergency_repair_keeps_a_completion_clock_after_staff_are_on_site() {
    let cal = WorkCalendar::default();
    let mut s = Script::file(
        NewCase { urgency: Some(crate::domain::intake::Urgency::Emergency), ..new_case("flood") },
        monday(),
    );
    let case = s.ok(monday() + Duration::minutes(20), EventBody::OnSite { note: None });
    let clock = |case: &Case, at| {
        deadlines(case, &cal, at).into_iter().find(|d| d.clock == Clock::RepairDone).map(|d| d.state)
    };
    assert_eq!(clock(&case, monday() + Duration::hours(2)), Some(DeadlineState::Pending));
    assert_eq!(
        clock(&case, monday() + Duration::hours(25)),
        Some(DeadlineState::Overdue),
        "on site is not done"
    );
    assert!(is_overdue(&case, &cal, monday() + Duration::hours(25)));
    let done = s.ok(monday() + Duration::hours(10), resolved("关阀换管"));
    assert_eq!(clock(&done, monday() + Duration::hours(25)), Some(DeadlineState::Met));
}

/// A resident's own "satisfied" at the kiosk is their rating: where a callback is required
/// the complaint does not close on it, and the callback-rate KPI does not count it.
#[test]
fn a_kiosk_rating_is_never_the_required_staff_callback() {
    let cal = WorkCalendar::default();
    let mut s = Script::file(complaint(), monday());
    s.ok(monday() + Duration::hours(1), resolved("已处理"));
    let mut rating = callback(true);
    if let EventBody::CallbackRecorded { record } = &mut rating {
        record.method = ContactMethod::Kiosk;
    }
    let case = s.ok(monday() + Duration::hours(2), rating);
    assert!(case.callback_required());
    assert_eq!(case.status, Status::Resolved, "staff still owe the callback");
    assert!(case.rated_by_resident());
    assert!(matches!(
        s.act(monday() + Duration::hours(3), close()),
        Err(WorkflowError::CallbackOutstanding { .. })
    ));
    let r = report::monthly(&[s.case()], &cal, 2026, 11, monday() + Duration::days(1)).unwrap();
    let kpi = r.kpis.iter().find(|k| k.code == "callback-rate").unwrap();
    assert_eq!((kpi.numerator, kpi.denominator), (0, 1), "the rating is not a callback");
    // The staff callback, then closing.
    assert_eq!(s.ok(monday() + Duration::hours(4), callback(true)).status, Status::CallbackDone);
    assert_eq!(s.ok(monday() + Duration::hours(5), close()).status, Status::Closed);
}

/// 000 5.6 投诉结案率: the share of the month's complaints that are closed. Repairs and
/// suggestions, open or closed, count neither way.
#[test]
fn closure_rate_counts_complaints_only_000_5_6() {
    let cal = WorkCalendar::default();
    let mut closed = Script::file(complaint(), monday());
    closed.ok(monday() + Duration::hours(1), resolved("已处理"));
    closed.ok(monday() + Duration::hours(2), callback(true));
    closed.ok(monday() + Duration::hours(3), close());
    let open = Script::file(complaint(), monday());
    let repair = Script::file(new_case("leak"), monday());
    let cases = [closed.case(), open.case(), repair.case()];
    let r = report::monthly(&cases, &cal, 2026, 11, monday() + Duration::days(1)).unwrap();
    let kpi = r.kpis.iter().find(|k| k.code == "closure-rate").unwrap();
    assert_eq!(
        (kpi.numerator, kpi.denominator),
        (1, 2),
        "two complaints, one closed; the repair is not counted"
    );
    assert_eq!(kpi.value, Some(0.5));
}

// ---- Fold: the same events in any order give the same case ----

/// The commands two origins may try on one case, in order, while offline from each other.
fn any_body() -> impl Strategy<Value = EventBody> {
    prop_oneof![
        Just(EventBody::Acknowledged { note: None }),
        Just(EventBody::Replied { method: ContactMethod::Phone, text: "已联系".into() }),
        Just(EventBody::Assigned { department: Department::Engineering, assignee: Some("张".into()) }),
        Just(EventBody::Assigned { department: Department::Security, assignee: None }),
        Just(EventBody::OnSite { note: None }),
        Just(EventBody::PlanSet { plan: "更换".into() }),
        Just(EventBody::ProgressNote { text: "进展".into() }),
        Just(resolved("完成")),
        Just(callback(true)),
        Just(callback(false)),
        Just(EventBody::Reopened { reason: "再次发生".into() }),
        Just(EventBody::Escalated { to: EscalationTarget::GroupHead, reason: "超期".into() }),
        Just(close()),
        Just(EventBody::Classified {
            complaint_class: None,
            severity: Some(Severity::Major),
            department: None
        }),
        Just(EventBody::Classified {
            complaint_class: None,
            severity: Some(Severity::General),
            department: None
        }),
        Just(EventBody::Paused { reason: super::event::PauseReason::Parts, note: "等配件".into() }),
        Just(EventBody::Resumed { note: None }),
        Just(EventBody::OwnerHandedOver { to: "zhao".into(), note: "交接".into() }),
        Just(EventBody::CallbackReviewed { round: 1, opinion: "属实".into() }),
    ]
}

/// Two origins each act on the case as they see it (their own events plus what they
/// synced), with wall clocks that may be hours apart.
fn two_origin_history() -> impl Strategy<Value = Vec<Event>> {
    (prop::collection::vec((any::<bool>(), any_body(), 0i64..90, any::<bool>()), 1..40), -7_200i64..7_200)
        .prop_map(|(steps, hq_skew_min)| {
            let mut s = Script::file(complaint(), monday());
            let mut clocks = [Hlc::default(), Hlc::default()];
            let mut wall = monday();
            for (i, (by_hq, body, minutes, sync_first)) in steps.into_iter().enumerate() {
                wall += Duration::minutes(minutes);
                let side = usize::from(by_hq);
                let (origin, when) = if by_hq {
                    (Origin::hq(), wall + Duration::minutes(hq_skew_min))
                } else {
                    (Origin::kiosk("K01"), wall)
                };
                // What this origin has seen: everything if it synced, else its own events
                // and the filing.
                let seen: Vec<Event> = s
                    .events
                    .iter()
                    .filter(|e| sync_first || e.origin == origin || matches!(e.body, EventBody::Filed { .. }))
                    .cloned()
                    .collect();
                let view = Case::fold(&seen).unwrap();
                if view.check(&body, when).is_ok() {
                    let newest_seen = seen.iter().map(|e| e.stamp).max().unwrap_or_default();
                    clocks[side] = Hlc::observe(clocks[side], newest_seen, when.timestamp_millis());
                    s.events.push(Event {
                        id: Uuid::from_u128(0x1000 + i as u128),
                        case_id: s.case_id,
                        origin,
                        stamp: clocks[side],
                        at: when,
                        actor: "staff".into(),
                        body,
                    });
                }
            }
            s.events
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_arrival_order_folds_to_the_same_case(
        events in two_origin_history(),
        seed in any::<u64>(),
    ) {
        let reference = Case::fold(&events).unwrap();
        let mut shuffled = events.clone();
        // A deterministic shuffle from the seed (Fisher–Yates with an LCG).
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (x >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(&Case::fold(&shuffled).unwrap(), &reference);
        // Receiving the same events twice changes nothing.
        let mut doubled = shuffled.clone();
        doubled.extend(events.iter().rev().cloned());
        prop_assert_eq!(&Case::fold(&doubled).unwrap(), &reference);
        // Every event is accounted for: applied or recorded as a conflict.
        prop_assert_eq!(reference.event_count, events.len());
    }
}

#[test]
fn a_kiosk_event_made_offline_after_hq_closed_the_case_becomes_a_conflict_on_both_sides() {
    let mut s = Script::file(NewCase { anonymous: true, phone: None, ..new_case("water") }, monday());
    s.ok(monday(), resolved("修好"));
    // HQ closes; the kiosk, not having synced, records a reopen on the resolved case.
    s.push(Origin::hq(), monday() + Duration::hours(1), "hq-quality", close());
    s.push(
        Origin::kiosk("K01"),
        monday() + Duration::hours(2),
        "wang",
        EventBody::Escalated { to: EscalationTarget::GroupHead, reason: "x".into() },
    );
    let case = s.case();
    assert_eq!(case.status, Status::Closed);
    assert_eq!(case.conflicts.len(), 1);
    assert!(case.conflicts[0].reason.contains("closed"));
    let mut reversed = s.events.clone();
    reversed.reverse();
    assert_eq!(Case::fold(&reversed).unwrap(), case);
}

// ---- The callback loop after a reopening (001 11.1.9, 11.2.3; 000 4.3.3) ----

fn unsatisfied_until(next: Option<DateTime<Utc>>) -> EventBody {
    match callback(false) {
        EventBody::CallbackRecorded { record } => {
            EventBody::CallbackRecorded { record: CallbackRecord { next_callback_at: next, ..record } }
        }
        _ => unreachable!(),
    }
}

#[test]
fn a_reopened_complaint_gets_fresh_clocks_and_its_agreed_callback_is_chased_001_11_2_3() {
    let cal = WorkCalendar::default();
    let mut s = Script::file(complaint(), monday());
    s.ok(monday() + Duration::hours(1), EventBody::Acknowledged { note: None });
    s.ok(
        monday() + Duration::hours(2),
        EventBody::Replied { method: ContactMethod::Phone, text: "已联系".into() },
    );
    s.ok(monday() + Duration::hours(3), resolved("已劝停"));
    let reopened_at = monday() + Duration::days(1);
    let agreed = monday() + Duration::days(6);
    let case = s.ok(reopened_at, unsatisfied_until(Some(agreed)));
    assert_eq!(case.status, Status::Reopened);
    assert_eq!(case.reopened_at, Some(reopened_at));

    // 27 days later nothing was done: the case is overdue on its fresh clocks.
    let later = monday() + Duration::days(28);
    let overdue: Vec<(Clock, u32)> = deadlines(&case, &cal, later)
        .into_iter()
        .filter(|d| d.is_overdue())
        .map(|d| (d.clock, d.round))
        .collect();
    for expected in [(Clock::Rework, 2), (Clock::Resolve, 2), (Clock::Escalation, 2), (Clock::Callback, 1)] {
        assert!(overdue.contains(&expected), "{expected:?} missing from {overdue:?}");
    }
    assert!(is_overdue(&case, &cal, later));
    // The agreed date is chased while the case is still being worked on.
    let due = next_callback(&case).expect("the agreed callback");
    assert_eq!((due.due, due.round), (agreed, 2));
    let daily = report::daily(std::slice::from_ref(&case), &cal, cal.local_date(agreed), agreed);
    assert_eq!(daily.callbacks_due.len(), 1);
    assert!(daily.overdue.iter().any(|o| o.clocks.contains(&Clock::Rework)));

    // A progress callback on the agreed date sets the next one; the fix is still owed.
    let third = monday() + Duration::days(12);
    let case = s.ok(agreed - Duration::hours(1), unsatisfied_until(Some(third)));
    assert_eq!(case.status, Status::Reopened);
    assert_eq!(next_callback(&case).unwrap().due, third);
    // Fixed again: the next callback is due on the agreed date, round 3.
    let case = s.ok(agreed + Duration::days(1), resolved("更换隔音门"));
    let due = next_callback(&case).unwrap();
    assert_eq!((due.due, due.round), (third, 3));
    let rework = deadlines(&case, &cal, third).into_iter().find(|d| d.clock == Clock::Rework).unwrap();
    assert_eq!(rework.state, DeadlineState::MetLate, "fixed after 24 h, but fixed");
    // Still not satisfied: round 3 of clocks, a third callback later.
    let case = s.ok(third - Duration::hours(1), unsatisfied_until(None));
    assert_eq!(case.reopen_count, 2);
    assert!(deadlines(&case, &cal, third).iter().any(|d| d.clock == Clock::Rework && d.round == 3));
    let case = s.ok(third + Duration::hours(1), resolved("再次整改"));
    let due = next_callback(&case).unwrap();
    assert_eq!(due.round, 4);
    assert_eq!(
        due.due,
        third + Duration::hours(1) + Duration::days(3),
        "the rule's window when no date was agreed"
    );
    let case = s.ok(third + Duration::days(1), callback(true));
    assert_eq!(case.status, Status::CallbackDone);
    // The first time through is still judged on the first resolution (KPIs use round 1).
    let first = deadlines(&case, &cal, third).into_iter().find(|d| d.clock == Clock::Resolve).unwrap();
    assert_eq!((first.round, first.state), (1, DeadlineState::Met));
}

#[test]
fn a_reopening_explained_within_24_hours_meets_the_rework_clock_001_11_2_3() {
    let cal = WorkCalendar::default();
    let mut s = Script::file(new_case("leak"), monday());
    s.ok(monday() + Duration::hours(3), resolved("补胶"));
    s.ok(monday() + Duration::days(1), EventBody::Reopened { reason: "又漏了".into() });
    let case = s.ok(
        monday() + Duration::days(1) + Duration::hours(5),
        EventBody::PlanSet { plan: "等防水材料，周五施工".into() },
    );
    let d = deadlines(&case, &cal, monday() + Duration::days(3));
    let rework = d.iter().find(|d| d.clock == Clock::Rework).unwrap();
    assert_eq!(rework.state, DeadlineState::Met);
    assert!(
        d.iter().all(|d| d.clock != Clock::Escalation || d.round == 1),
        "repairs have no 7-day escalation"
    );
}

// ---- Who calls back, and how it is recorded (001; 001 11.1.7, 11.1.8) ----

mod roles {
    use super::*;
    use crate::domain::roles::{Actor, Role, may};

    fn actor(id: &str, role: Role, department: Option<Department>) -> Actor<'_> {
        Actor { id, role, department }
    }

    fn resolved_complaint(severity: Severity, department: Department) -> Script {
        let mut s = Script::file(NewCase { severity: Some(severity), ..complaint() }, monday());
        s.ok(monday(), EventBody::Assigned { department, assignee: None });
        s.ok(monday() + Duration::hours(1), resolved("已处理"));
        s
    }

    #[test]
    fn the_callback_is_made_by_the_role_the_seeds_name_001() {
        let phone = callback(true);
        let major = resolved_complaint(Severity::Major, Department::Security).case();
        assert!(may(actor("wang", Role::FrontDesk, None), &phone, &major).is_err());
        assert!(may(actor("he", Role::CustomerServiceDirector, None), &phone, &major).is_err());
        assert!(may(actor("chen", Role::EstateManager, None), &phone, &major).is_ok());
        let important = resolved_complaint(Severity::Important, Department::Security).case();
        assert!(may(actor("he", Role::CustomerServiceDirector, None), &phone, &important).is_ok());
        assert!(
            may(actor("zhou", Role::DepartmentSupervisor, Some(Department::Security)), &phone, &important)
                .is_err()
        );
        let general = resolved_complaint(Severity::General, Department::Security).case();
        let err = may(actor("li", Role::Technician, None), &phone, &general).unwrap_err().to_string();
        assert!(err.contains("technicians"), "{err}");
        // The department's supervisor together with the service centre: either records it.
        assert!(may(actor("wang", Role::FrontDesk, None), &phone, &general).is_ok());
        assert!(
            may(actor("zhou", Role::DepartmentSupervisor, Some(Department::Security)), &phone, &general)
                .is_ok()
        );
        assert!(
            may(actor("sun", Role::DepartmentSupervisor, Some(Department::Engineering)), &phone, &general)
                .is_err()
        );
        // Repairs: customer-service staff.
        let mut repair = Script::file(new_case("leak"), monday());
        let repair = repair.ok(monday() + Duration::hours(1), resolved("修好"));
        assert!(may(actor("wang", Role::FrontDesk, None), &phone, &repair).is_ok());
        assert!(may(actor("li", Role::Technician, None), &phone, &repair).is_err(), "not on their own work");
        assert!(may(actor("hq", Role::QualityOffice, None), &phone, &repair).is_err());
    }

    #[test]
    fn staff_never_record_a_kiosk_rating_and_technicians_do_not_close() {
        let case = resolved_complaint(Severity::Major, Department::Security).case();
        let kiosk = EventBody::CallbackRecorded {
            record: CallbackRecord {
                method: ContactMethod::Kiosk,
                ..match callback(true) {
                    EventBody::CallbackRecorded { record } => record,
                    _ => unreachable!(),
                }
            },
        };
        assert!(may(actor("chen", Role::EstateManager, None), &kiosk, &case).is_err());
        assert!(may(actor("li", Role::Technician, None), &close(), &case).is_err());
        // 结案 is a supervisor's or the manager's (issue 13's reading of the seeds).
        assert!(may(actor("wang", Role::FrontDesk, None), &close(), &case).is_err());
        assert!(may(actor("liu", Role::ServiceSupervisor, None), &close(), &case).is_ok());
        assert!(may(actor("chen", Role::EstateManager, None), &close(), &case).is_ok());
        assert!(may(actor("li", Role::Technician, None), &resolved("修好"), &case).is_ok());
        assert!(
            may(actor("hq", Role::QualityOffice, None), &EventBody::OnSite { note: None }, &case).is_err()
        );
    }

    #[test]
    fn a_supervisor_reviews_callbacks_but_not_their_own_001_11_1_8() {
        let mut s = resolved_complaint(Severity::Major, Department::Security);
        // The script records as "wang"; let the estate manager's record be round 1.
        let case = s.ok(monday() + Duration::hours(2), callback(true));
        let review = EventBody::CallbackReviewed { round: 1, opinion: "记录完整".into() };
        assert!(may(actor("wang", Role::FrontDesk, None), &review, &case).is_err());
        assert!(may(actor("liu", Role::ServiceSupervisor, None), &review, &case).is_ok());
        assert!(
            may(actor("wang", Role::ServiceSupervisor, None), &review, &case).is_err(),
            "their own callback"
        );
    }
}

#[test]
fn an_in_person_callback_carries_the_residents_signature_001_11_1_7() {
    use super::event::Signature;
    let mut s = Script::file(complaint(), monday());
    s.ok(monday(), resolved("已处理"));
    let in_person = |signature| match callback(true) {
        EventBody::CallbackRecorded { record } => EventBody::CallbackRecorded {
            record: CallbackRecord { method: ContactMethod::InPerson, signature, ..record },
        },
        _ => unreachable!(),
    };
    assert_eq!(
        s.act(monday() + Duration::hours(1), in_person(None)).unwrap_err().code(),
        "signature-missing"
    );
    let signed =
        Signature { strokes: vec![vec![[10, 500], [300, 420], [620, 560]], vec![[700, 300], [900, 700]]] };
    assert!(signed.check().is_ok());
    let case = s.ok(monday() + Duration::hours(1), in_person(Some(signed)));
    assert_eq!(case.status, Status::CallbackDone);
    assert!(case.callbacks[0].value.signature.is_some());
    // By phone: no signature, marked 电话回访.
    assert_eq!(ContactMethod::Phone.zh(), "电话回访");
    assert!(Signature { strokes: vec![vec![[1, 1]]] }.check().is_err(), "a dot is not a signature");
    assert!(Signature { strokes: vec![vec![[1, 1], [1001, 5]]] }.check().is_err());
    assert!(Signature { strokes: vec![vec![[1, 1]; Signature::MAX_POINTS + 1]] }.check().is_err());
}

#[test]
fn callback_records_wait_on_a_review_list_until_a_supervisor_signs_001_11_1_8() {
    let mut s = Script::file(complaint(), monday());
    s.ok(monday(), resolved("已处理"));
    let case = s.ok(monday() + Duration::hours(1), callback(true));
    let list = report::callbacks_to_review(&[case]);
    assert_eq!((list.len(), list[0].round), (1, 1));
    assert_eq!(
        s.act(monday(), EventBody::CallbackReviewed { round: 2, opinion: "x".into() }).unwrap_err().code(),
        "no-such-callback"
    );
    let case =
        s.ok(monday() + Duration::hours(2), EventBody::CallbackReviewed { round: 1, opinion: "属实".into() });
    assert!(report::callbacks_to_review(&[case]).is_empty());
    assert_eq!(
        s.act(monday(), EventBody::CallbackReviewed { round: 1, opinion: "again".into() })
            .unwrap_err()
            .code(),
        "already-done"
    );
}

#[test]
fn anonymous_complaints_have_no_reply_clocks_and_leave_feedback_timeliness_alone_001_11_1_13() {
    let cal = WorkCalendar::default();
    let anonymous = Script::file(NewCase { phone: None, anonymous: true, ..complaint() }, monday()).case();
    for clock in [Clock::Acknowledge, Clock::FirstReply, Clock::FirstReplyLimit, Clock::Callback] {
        assert!(!has_clock(&anonymous, clock), "{clock:?}");
    }
    assert!(has_clock(&anonymous, Clock::Resolve), "the work itself is still timed");
    let later = monday() + Duration::days(3);
    let r = report::monthly(std::slice::from_ref(&anonymous), &cal, 2026, 11, later).unwrap();
    let fb = r.kpis.iter().find(|k| k.code == "feedback-timeliness").unwrap();
    assert_eq!((fb.denominator, fb.value), (0, None), "no data, not 0%");
    let mut known = Script::file(complaint(), monday());
    known.ok(monday() + Duration::hours(2), EventBody::Acknowledged { note: None });
    let r = report::monthly(&[anonymous, known.case()], &cal, 2026, 11, later).unwrap();
    let fb = r.kpis.iter().find(|k| k.code == "feedback-timeliness").unwrap();
    assert_eq!((fb.numerator, fb.denominator), (1, 1));
}

// ---- Repeats over a rolling window (001 篇2 §6; 003 §3.1.1) ----

#[test]
fn the_same_repair_three_times_in_thirty_days_is_flagged_across_a_month_end_001_p2_6() {
    let cal = WorkCalendar::default();
    let cases: Vec<Case> = ["2026-04-28T02:00:00Z", "2026-05-06T02:00:00Z", "2026-05-13T02:00:00Z"]
        .iter()
        .map(|t| Script::file(NewCase { place: "9-1-901".into(), ..new_case("leak") }, at(t)).case())
        .collect();
    let may = report::monthly(&cases, &cal, 2026, 5, at("2026-06-01T00:00:00Z")).unwrap();
    assert_eq!(may.flags.repeated_repairs.len(), 1, "{:?}", may.flags);
    assert_eq!(may.flags.repeated_repairs[0].count, 3);
    assert_eq!(may.flags.repeated_repairs[0].tickets.len(), 3);
    // Spread over more than 30 days, they are not "again".
    let spread: Vec<Case> = ["2026-03-20T02:00:00Z", "2026-04-28T02:00:00Z", "2026-05-30T02:00:00Z"]
        .iter()
        .map(|t| Script::file(NewCase { place: "9-1-901".into(), ..new_case("leak") }, at(t)).case())
        .collect();
    let may = report::monthly(&spread, &cal, 2026, 5, at("2026-06-01T00:00:00Z")).unwrap();
    assert!(may.flags.repeated_repairs.is_empty());
}

#[test]
fn three_residents_reporting_one_broken_lamp_are_one_repair_not_three_001_11_1_12() {
    let cal = WorkCalendar::default();
    let lamp = || NewCase { place: "public:3号楼大堂".into(), ..new_case("public-facility") };
    let first = Script::file(lamp(), monday());
    let mut cases = vec![first.case()];
    for (h, phone) in [(1, "13900139001"), (2, "13900139002")] {
        let mut s =
            Script::file(NewCase { phone: Some(phone.into()), ..lamp() }, monday() + Duration::hours(h));
        s.ok(
            monday() + Duration::hours(h),
            EventBody::LinkedDuplicate {
                primary: first.case_id,
                primary_ticket: first.case().ticket().into(),
            },
        );
        cases.push(s.case());
    }
    let r = report::monthly(&cases, &cal, 2026, 11, monday() + Duration::days(2)).unwrap();
    assert!(r.flags.repeated_repairs.is_empty(), "{:?}", r.flags.repeated_repairs);
    assert_eq!((r.matters, r.reporters), (1, 3));
}

#[test]
fn the_same_resident_complaining_again_soon_suggests_major_and_staff_decide_003_3_1_1() {
    let first = Script::file(complaint(), monday());
    let mut again =
        Script::file(NewCase { text: "又是装修噪音".into(), ..complaint() }, monday() + Duration::days(10));
    let cases = [first.case(), again.case()];
    let s = report::major_suggestions(&cases, monday() + Duration::days(10));
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].ticket, again.case().ticket());
    assert_eq!(s[0].earlier, vec![first.case().ticket().to_string()]);
    // The desk decided (either way): no longer proposed.
    let decided = again.ok(
        monday() + Duration::days(10),
        EventBody::Classified {
            complaint_class: None,
            severity: Some(Severity::Important),
            department: None,
        },
    );
    assert!(report::major_suggestions(&[first.case(), decided], monday() + Duration::days(10)).is_empty());
    // Forty days apart is not "in a short time".
    let late = Script::file(complaint(), monday() + Duration::days(40)).case();
    assert!(report::major_suggestions(&[first.case(), late], monday() + Duration::days(40)).is_empty());
}

// ---- Kinds and clocks (SPEC §4) ----

#[test]
fn maintenance_works_are_scheduled_not_held_to_the_48_hour_repair_promise() {
    let cal = WorkCalendar::default();
    let works = NewCase { staff: Some("wang".into()), channel: Some(Channel::WalkIn), ..new_case("works") };
    let mut s = Script::file(works, monday());
    let case = s.case();
    assert_eq!(
        super::clocks::repair_clock(&case, &cal).map(|(c, _)| c),
        Some(Clock::InitialPlan),
        "a schedule within 3 working days"
    );
    assert!(deadlines(&case, &cal, monday()).iter().all(|d| d.clock != Clock::RepairDone));
    let due = monday() + Duration::days(20);
    let case =
        s.ok(monday() + Duration::days(1), EventBody::PromiseSet { due, reason: "外墙维修排期".into() });
    let d = deadlines(&case, &cal, monday() + Duration::days(5));
    assert_eq!(d.iter().find(|d| d.clock == Clock::InitialPlan).unwrap().state, DeadlineState::Met);
    assert_eq!(d.iter().find(|d| d.clock == Clock::PromisedDate).unwrap().due, due);
    assert!(!is_overdue(&case, &cal, monday() + Duration::days(10)), "not overdue at 48 h");
}

#[test]
fn a_pause_stops_the_resident_facing_clocks_and_shows_how_long() {
    let cal = WorkCalendar::default();
    let mut s = Script::file(new_case("leak"), monday());
    s.ok(
        monday() + Duration::hours(1),
        EventBody::Replied { method: ContactMethod::Phone, text: "已约".into() },
    );
    let base = deadline(&s.case(), Clock::RepairDone, monday()).due;
    s.ok(
        monday() + Duration::hours(4),
        EventBody::Paused { reason: super::event::PauseReason::Parts, note: "等阀门到货".into() },
    );
    // While paused, the 48 h promise does not run out.
    let case = s.case();
    let d = deadline(&case, Clock::RepairDone, monday() + Duration::days(4));
    assert_eq!(d.state, DeadlineState::Paused);
    assert!(!is_overdue(&case, &cal, monday() + Duration::days(4)));
    assert_eq!(
        s.act(monday(), EventBody::Paused { reason: super::event::PauseReason::Resident, note: "x".into() })
            .unwrap_err()
            .code(),
        "already-paused"
    );
    // Resumed after 3 days: the deadline is 3 days later than it was.
    let case = s.ok(monday() + Duration::hours(76), EventBody::Resumed { note: Some("阀门到了".into()) });
    let d = deadline(&case, Clock::RepairDone, monday() + Duration::hours(77));
    assert_eq!(d.due, base + Duration::hours(72));
    assert_eq!(d.state, DeadlineState::Pending);
    assert_eq!(case.pauses.len(), 1);
    // Acknowledging and replying do not wait for parts.
    assert!(!Clock::OwnerFollowUp.pauses() && !Clock::Acknowledge.pauses() && !Clock::Escalation.pauses());
}

#[test]
fn a_class_two_complaint_waits_for_the_developer_with_a_joint_record_002_15() {
    let cal = WorkCalendar::default();
    let mut s = Script::file(NewCase { text: "外墙渗水".into(), ..complaint() }, monday());
    let refer = EventBody::DeveloperReferred { record: "3栋外墙渗水，属保修期内".into() };
    assert_eq!(s.act(monday(), refer.clone()).unwrap_err().code(), "not-class-two");
    s.ok(
        monday(),
        EventBody::Classified {
            complaint_class: Some(ComplaintClass::Developer),
            severity: None,
            department: None,
        },
    );
    let case = s.ok(monday() + Duration::days(1), refer);
    assert_eq!(case.current_pause().unwrap().reason, super::event::PauseReason::Developer);
    let resolve = deadline(&case, Clock::Resolve, monday() + Duration::days(30));
    assert_eq!(resolve.state, DeadlineState::Paused, "the resident-facing clock waits");
    let esc = deadline(&case, Clock::Escalation, monday() + Duration::days(30));
    assert_eq!(esc.state, DeadlineState::Overdue, "stuck with the developer is what escalation is for");
    let base = deadline(&Script::file(complaint(), monday()).case(), Clock::Resolve, monday()).due;
    let case = s
        .ok(monday() + Duration::days(11), EventBody::DeveloperReplied { text: "开发商同意下周维修".into() });
    assert!(case.current_pause().is_none());
    assert!(case.developer_reply.is_some());
    assert_eq!(deadline(&case, Clock::Resolve, monday() + Duration::days(12)).due, base + Duration::days(10));
    assert!(!is_overdue(&case, &cal, monday() + Duration::days(6)) || case.escalations.is_empty());
    assert_eq!(
        s.act(monday() + Duration::days(12), EventBody::DeveloperReplied { text: "x".into() })
            .unwrap_err()
            .code(),
        "not-with-developer"
    );
}

#[test]
fn a_hotline_complaint_sent_to_the_estate_is_its_heads_to_follow_or_hand_over() {
    use super::filing::ESTATE_HEAD;
    use super::roles::{Actor, Role, may};
    let s = Script::file(
        NewCase { staff: Some(ESTATE_HEAD.into()), channel: Some(Channel::Hotline), ..complaint() },
        monday(),
    );
    let case = s.case();
    assert_eq!(case.owner, ESTATE_HEAD);
    let hand_over = EventBody::OwnerHandedOver { to: "zhao".into(), note: "请前台跟进".into() };
    let manager = Actor { id: "chen", role: Role::EstateManager, department: None };
    assert!(may(manager, &hand_over, &case).is_ok(), "the estate manager holds the estate head's post");
    let desk = Actor { id: "wang", role: Role::FrontDesk, department: None };
    assert!(may(desk, &hand_over, &case).is_err(), "the front desk does not hand over what is not theirs");
}

#[test]
fn the_first_inquiry_owner_is_handed_over_explicitly_and_followed_004() {
    let cal = WorkCalendar::default();
    let mut s = Script::file(
        NewCase { staff: Some("wang".into()), channel: Some(Channel::Phone), ..new_case("leak") },
        monday(),
    );
    assert_eq!(s.case().owner, "wang");
    let follow = deadline(&s.case(), Clock::OwnerFollowUp, monday());
    assert_eq!(follow.due, cal.working_days_after(monday(), 1));
    let case = s.ok(
        monday() + Duration::hours(1),
        EventBody::OwnerHandedOver { to: "zhao".into(), note: "我今天休假".into() },
    );
    assert_eq!(case.owner, "zhao");
    assert_eq!(case.handovers[0].value.from, "wang");
    assert_eq!(
        s.act(monday(), EventBody::OwnerHandedOver { to: "zhao".into(), note: "x".into() })
            .unwrap_err()
            .code(),
        "already-owner"
    );
    let case = s.ok(
        monday() + Duration::hours(3),
        EventBody::Replied { method: ContactMethod::Phone, text: "已约师傅".into() },
    );
    assert_eq!(deadline(&case, Clock::OwnerFollowUp, monday() + Duration::days(3)).state, DeadlineState::Met);
    assert_eq!(report::CaseLine::of(&case).owner, "zhao");
}

#[test]
fn a_complaint_work_order_has_a_due_time() {
    let cal = WorkCalendar::default();
    let case = Script::file(complaint(), monday()).case();
    let due = super::clocks::work_due(&case, &cal, monday()).unwrap();
    assert_eq!((due.clock, due.due), (Clock::Resolve, cal.working_days_after(monday(), 15)));
}

#[test]
fn linked_reporters_are_each_told_the_outcome_001_11_1_12() {
    let mut first = Script::file(complaint(), monday());
    let mut second = Script::file(NewCase { phone: Some("13900139000".into()), ..complaint() }, monday());
    second.ok(
        monday(),
        EventBody::LinkedDuplicate { primary: first.case_id, primary_ticket: first.case().ticket().into() },
    );
    assert!(report::reporters_to_tell(&[first.case(), second.case()], monday()).is_empty(), "no outcome yet");
    first.ok(monday() + Duration::hours(5), resolved("已劝停"));
    let owed = report::reporters_to_tell(&[first.case(), second.case()], monday() + Duration::hours(6));
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].matter, first.case().ticket());
    let daily = report::daily(
        &[first.case(), second.case()],
        &WorkCalendar::default(),
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        monday() + Duration::hours(6),
    );
    assert_eq!(daily.reporters_to_tell.len(), 1);
    second.ok(monday() + Duration::hours(7), callback(true));
    assert!(
        report::reporters_to_tell(&[first.case(), second.case()], monday() + Duration::hours(8)).is_empty()
    );
}

#[test]
fn every_kpi_documents_its_numerator_denominator_and_source() {
    let r = report::monthly(&[], &WorkCalendar::default(), 2026, 11, monday()).unwrap();
    assert_eq!(r.kpis.len(), report::KPI_DEFINITIONS.len());
    for k in &r.kpis {
        assert!(
            !k.numerator_is.is_empty() && !k.denominator_is.is_empty() && !k.source.is_empty(),
            "{}",
            k.code
        );
    }
}

/// 002 上门维修: the price is quoted before the work and the resident agrees (and signs)
/// or not; a technician on site may record it, HQ may not; after the fix it is too late.
#[test]
fn a_fee_is_quoted_before_the_work_and_an_agreement_is_signed() {
    use super::event::Signature;
    use super::roles::{Actor, Role, may};
    let mut s = Script::file(new_case("water"), monday());
    let t = |h| monday() + Duration::hours(h);
    let quote = |consented, signed: bool| EventBody::FeeQuoted {
        amount_fen: 12050,
        consented,
        signature: signed.then(|| Signature { strokes: vec![vec![[10, 10], [500, 500]]] }),
    };
    assert!(matches!(s.act(t(1), quote(true, false)), Err(WorkflowError::ConsentUnsigned { .. })));
    let case = s.ok(t(1), quote(false, false));
    assert!(!case.fee.as_ref().unwrap().value.consented, "declined is recorded too");
    let case = s.ok(t(2), quote(true, true));
    let fee = &case.fee.as_ref().unwrap().value;
    assert_eq!((fee.amount_fen, fee.consented, fee.signed), (12050, true, true));
    let li = Actor { id: "li", role: Role::Technician, department: None };
    assert!(may(li, &quote(true, true), &case).is_ok(), "the technician quotes on site");
    let hq = Actor { id: "hq", role: Role::QualityOffice, department: None };
    assert!(may(hq, &quote(true, true), &case).is_err());
    s.ok(t(3), resolved("换阀门"));
    assert!(s.act(t(4), quote(true, true)).is_err(), "quoted after the work: too late");
    assert_eq!(crate::domain::event::yuan(12050), "¥120.50");
    assert_eq!(crate::app::parse_yuan("120.5").unwrap(), 12050);
    assert!(crate::app::parse_yuan("1.234").is_err() && crate::app::parse_yuan("-3").is_err());
    assert!(crate::app::parse_yuan("100001").is_err(), "over ¥100,000");
}
