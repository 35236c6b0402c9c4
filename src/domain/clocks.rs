//! The clocks of SPEC §4: every deadline a case owes, and whether it is met at `now`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::WorkCalendar;
use super::callback::next_callback;
use super::case::Case;
use super::event::EscalationTarget;
use super::intake::{CallbackRule, Channel, DefectSize, Kind, Lang, Urgency};

/// How long "immediately" is for reporting a major complaint to the general manager
/// (000 4.3.2): within the hour it became major.
pub const REPORT_MAJOR_WITHIN: Duration = Duration::hours(1);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Clock {
    /// Acknowledge a complaint or suggestion to the resident: 24 h (003 §4, 002 第十五条).
    Acknowledge,
    /// First reply: 1 working day (003 客户投诉处理程序 §2)...
    FirstReply,
    /// ...and at most 3 working days.
    FirstReplyLimit,
    /// Investigate and solve, or give an initial plan: 3 working days (003 §4).
    InitialPlan,
    /// Resolve: 15 working days, else tell the resident why and a new date (003 §4).
    Resolve,
    /// The new date promised to the resident.
    PromisedDate,
    /// Unresolved after 7 days: written escalation to the group head (000 4.3.3).
    Escalation,
    /// A major complaint is reported to the general manager immediately (000 4.3.2).
    ReportMajor,
    /// The responsible head's first callback after a hotline case: 24 h (000 4.6.1).
    HotlineFirstCallback,
    /// Emergency repair: staff on site within 30 minutes (003 commitments 16).
    RepairOnSite,
    /// Urgent repair done within 24 h, normal within 48 h (003 commitments 17–18);
    /// hand-over defects the same day or within a week (002 第十条(7)).
    RepairDone,
    /// The next callback (SPEC §5).
    Callback,
    /// Reopened: fix it, or explain and agree the next date, within 24 h (001 11.2.3).
    Rework,
    /// The first-inquiry owner follows the case until the resident is answered (004):
    /// 1 working day. Complaints have the first-reply clock for this.
    OwnerFollowUp,
}

impl Clock {
    pub fn code(self) -> &'static str {
        match self {
            Clock::Acknowledge => "acknowledge",
            Clock::FirstReply => "first-reply",
            Clock::FirstReplyLimit => "first-reply-limit",
            Clock::InitialPlan => "initial-plan",
            Clock::Resolve => "resolve",
            Clock::PromisedDate => "promised-date",
            Clock::Escalation => "escalation",
            Clock::ReportMajor => "report-major",
            Clock::HotlineFirstCallback => "hotline-first-callback",
            Clock::RepairOnSite => "repair-on-site",
            Clock::RepairDone => "repair-done",
            Clock::Callback => "callback",
            Clock::Rework => "rework",
            Clock::OwnerFollowUp => "owner-follow-up",
        }
    }

    /// Clocks that stand still while the case waits for the resident, parts, a third party
    /// or the developer. Acknowledging, replying, reporting and escalating internally do
    /// not wait for anyone, so they keep running (a case stuck with the developer is just
    /// what the 7-day escalation is for).
    pub fn pauses(self) -> bool {
        matches!(
            self,
            Clock::InitialPlan | Clock::Resolve | Clock::PromisedDate | Clock::RepairDone | Clock::Rework
        )
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match lang {
            Lang::ZhCn => self.zh(),
            Lang::ZhTw => self.zh_tw(),
            Lang::En => self.en(),
        }
    }

    pub fn zh_tw(self) -> &'static str {
        match self {
            Clock::Acknowledge => "24小時內確認受理",
            Clock::FirstReply => "1個工作日內首次回覆",
            Clock::FirstReplyLimit => "首次回覆最長3個工作日",
            Clock::InitialPlan => "3個工作日內解決或給出初步方案",
            Clock::Resolve => "15個工作日內解決",
            Clock::PromisedDate => "承諾解決日期",
            Clock::Escalation => "7天未解決書面上報集團",
            Clock::ReportMajor => "重大投訴立即上報總經理",
            Clock::HotlineFirstCallback => "熱線24小時內首次回電",
            Clock::RepairOnSite => "急修30分鐘到場",
            Clock::RepairDone => "維修完成時限",
            Clock::Callback => "回訪",
            Clock::Rework => "重新處理24小時內整改或說明",
            Clock::OwnerFollowUp => "首問責任人跟進至答覆",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Clock::Acknowledge => "acknowledge within 24 h",
            Clock::FirstReply => "first reply within 1 working day",
            Clock::FirstReplyLimit => "first reply within 3 working days at most",
            Clock::InitialPlan => "solve or give a plan within 3 working days",
            Clock::Resolve => "resolve within 15 working days",
            Clock::PromisedDate => "promised date",
            Clock::Escalation => "unresolved after 7 days: escalate in writing",
            Clock::ReportMajor => "report a major complaint to the GM at once",
            Clock::HotlineFirstCallback => "hotline: first callback within 24 h",
            Clock::RepairOnSite => "emergency: on site within 30 min",
            Clock::RepairDone => "repair deadline",
            Clock::Callback => "callback",
            Clock::Rework => "reopened: fix or explain within 24 h",
            Clock::OwnerFollowUp => "first-inquiry owner answers within 1 working day",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Clock::Acknowledge => "24小时内确认受理",
            Clock::FirstReply => "1个工作日内首次回复",
            Clock::FirstReplyLimit => "首次回复最长3个工作日",
            Clock::InitialPlan => "3个工作日内解决或给出初步方案",
            Clock::Resolve => "15个工作日内解决",
            Clock::PromisedDate => "承诺解决日期",
            Clock::Escalation => "7天未解决书面上报集团",
            Clock::ReportMajor => "重大投诉立即上报总经理",
            Clock::HotlineFirstCallback => "热线24小时内首次回电",
            Clock::RepairOnSite => "急修30分钟到场",
            Clock::RepairDone => "维修完成时限",
            Clock::Callback => "回访",
            Clock::Rework => "重新处理24小时内整改或说明",
            Clock::OwnerFollowUp => "首问责任人跟进至答复",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeadlineState {
    /// Not due yet and not done.
    Pending,
    Met,
    /// Done, but after the deadline.
    MetLate,
    /// Past due and not done.
    Overdue,
    /// The condition that would make it due never arose (e.g. resolved before day 7).
    NotNeeded,
    /// Not done, and the clock stands still: the case waits (see `Clock::pauses`).
    Paused,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub clock: Clock,
    /// 1 for the first time through; 2 and on after each reopening, with fresh clocks.
    pub round: u32,
    pub due: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub state: DeadlineState,
}

impl Deadline {
    fn judge(
        clock: Clock,
        due: DateTime<Utc>,
        done_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Deadline {
        let state = match done_at {
            Some(done) if done <= due => DeadlineState::Met,
            Some(_) => DeadlineState::MetLate,
            None if now > due => DeadlineState::Overdue,
            None => DeadlineState::Pending,
        };
        Deadline { clock, round: 1, due, done_at, state }
    }

    pub fn is_overdue(&self) -> bool {
        self.state == DeadlineState::Overdue
    }
}

/// Every deadline `case` owes, judged at `now`: the first time through, then a fresh
/// round after each reopening; paused clocks move later by the time the case waited.
pub fn deadlines(case: &Case, cal: &WorkCalendar, now: DateTime<Utc>) -> Vec<Deadline> {
    let mut out = first_round(case, cal, now);
    if let Some(reopened) = case.reopened_at {
        out.extend(rework_round(case, cal, reopened, now));
    }
    if let Some(callback) = next_callback(case) {
        out.push(Deadline::judge(Clock::Callback, callback.due, None, now));
    }
    for d in out.iter_mut().filter(|d| d.clock.pauses()) {
        let start = if d.round > 1 { case.reopened_at.unwrap_or(case.filed_at) } else { case.filed_at };
        pause(d, case, start, now);
    }
    out
}

/// Moves `d` later by every pause that began before it fell due.
fn pause(d: &mut Deadline, case: &Case, start: DateTime<Utc>, now: DateTime<Utc>) {
    if case.pauses.is_empty() || matches!(d.state, DeadlineState::NotNeeded) {
        return;
    }
    let mut due = d.due;
    for p in &case.pauses {
        let from = p.from.max(start);
        let until = p.until.unwrap_or(now).max(from);
        if from < due && d.done_at.is_none_or(|done| from < done) {
            due += until - from;
        }
    }
    let round = d.round;
    *d = Deadline { round, ..Deadline::judge(d.clock, due, d.done_at, now) };
    if d.done_at.is_none() && case.current_pause().is_some() && d.state == DeadlineState::Pending {
        d.state = DeadlineState::Paused;
    }
}

fn first_round(case: &Case, cal: &WorkCalendar, now: DateTime<Utc>) -> Vec<Deadline> {
    let filed = case.filed_at;
    let resolved = case.first_resolved_at;
    let mut out = Vec::new();
    let mut push = |clock, due, done| out.push(Deadline::judge(clock, due, done, now));

    // A linked duplicate is worked on its earlier case; its own clocks stop.
    if case.duplicate_of.is_some() {
        return out;
    }
    // Nobody to reply to or call back (001 11.1.13): only the work itself is timed.
    let reachable = !case.intake.is_anonymous();

    if reachable && matches!(case.kind(), Kind::Complaint | Kind::Suggestion) {
        push(Clock::Acknowledge, filed + Duration::hours(24), case.acknowledged_at);
    }
    if reachable && matches!(case.kind(), Kind::Repair | Kind::Inquiry | Kind::Suggestion | Kind::Praise) {
        let promised = case.promise.as_ref().map(|p| p.at);
        let answered =
            earliest(earliest(case.first_reply_at, resolved), earliest(case.decision_told_at, promised));
        push(Clock::OwnerFollowUp, cal.working_days_after(filed, 1), answered);
    }
    if case.kind() == Kind::Complaint {
        if reachable {
            push(Clock::FirstReply, cal.working_days_after(filed, 1), case.first_reply_at);
            push(Clock::FirstReplyLimit, cal.working_days_after(filed, 3), case.first_reply_at);
        }
        let plan_or_solved = earliest(case.plan_at, resolved);
        push(Clock::InitialPlan, cal.working_days_after(filed, 3), plan_or_solved);
        let resolve_due = cal.working_days_after(filed, 15);
        // Telling the resident why and a new date in time meets the 15-day rule; the new
        // date then has a clock of its own.
        let promise_in_time = case.promise.as_ref().map(|p| p.at).filter(|at| *at <= resolve_due);
        push(Clock::Resolve, resolve_due, earliest(resolved, promise_in_time));

        out.push(escalation(case, filed, resolved, now));
        if let Some(major_since) = case.major_since {
            let reported = case.escalated_to(EscalationTarget::GeneralManager, major_since);
            out.push(Deadline::judge(Clock::ReportMajor, major_since + REPORT_MAJOR_WITHIN, reported, now));
        }
    }
    if let Some(promise) = &case.promise {
        out.push(Deadline::judge(Clock::PromisedDate, promise.value.due, case.resolved_at, now));
    }
    if reachable && case.intake.channel == Channel::Hotline {
        out.push(Deadline::judge(
            Clock::HotlineFirstCallback,
            filed + Duration::hours(24),
            case.first_reply_at,
            now,
        ));
    }
    if case.kind() == Kind::Repair {
        if let Some((clock, due)) = repair_clock(case, cal) {
            let done = match clock {
                Clock::RepairOnSite => earliest(case.on_site_at, resolved),
                Clock::InitialPlan => {
                    earliest(earliest(case.plan_at, resolved), case.promise.as_ref().map(|p| p.at))
                }
                _ => resolved,
            };
            out.push(Deadline::judge(clock, due, done, now));
        }
        // An emergency is not finished when someone arrives: the repair itself is due
        // within 24 hours of filing, like an urgent one.
        if case.intake.defect.is_none() && case.intake.urgency == Some(Urgency::Emergency) {
            out.push(Deadline::judge(Clock::RepairDone, case.filed_at + Duration::hours(24), resolved, now));
        }
    }
    out
}

/// 000 4.3.3: unresolved (or no measure) 7 days after `from`, in writing to the group head.
fn escalation(
    case: &Case,
    from: DateTime<Utc>,
    resolved: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Deadline {
    let due = from + Duration::days(7);
    match resolved {
        Some(done) if done <= due => Deadline {
            clock: Clock::Escalation,
            round: 1,
            due,
            done_at: None,
            state: DeadlineState::NotNeeded,
        },
        _ => {
            Deadline::judge(Clock::Escalation, due, case.escalated_to(EscalationTarget::GroupHead, from), now)
        }
    }
}

/// After a reopening at `from` (an unsatisfied callback, or staff reopening): the case is
/// worked again with clocks of its own (001 11.1.9, 11.2.3) — fix or explain within 24 h,
/// resolve within 15 working days and, for complaints, the 7-day written escalation.
fn rework_round(case: &Case, cal: &WorkCalendar, from: DateTime<Utc>, now: DateTime<Utc>) -> Vec<Deadline> {
    if case.kind() == Kind::Suggestion || case.duplicate_of.is_some() {
        return Vec::new();
    }
    let resolved = case.resolved_at.filter(|r| *r >= from);
    let round = case.reopen_count + 1;
    let mut out = vec![
        Deadline::judge(Clock::Rework, from + Duration::hours(24), case.reworked_at, now),
        Deadline::judge(Clock::Resolve, cal.working_days_after(from, 15), resolved, now),
    ];
    if case.kind() == Kind::Complaint {
        out.push(escalation(case, from, resolved, now));
    }
    for d in &mut out {
        d.round = round;
    }
    out
}

/// The one repair promise that applies: hand-over defects by size, else by urgency.
pub fn repair_clock(case: &Case, cal: &WorkCalendar) -> Option<(Clock, DateTime<Utc>)> {
    let filed = case.filed_at;
    // Maintenance works are planned jobs, not a resident waiting on a leak: a schedule
    // (plan or promised date) within 3 working days, then the promised date, instead of
    // the 48 h resident-repair promise.
    if case.intake.callback.is_some_and(|c| c.rule == CallbackRule::MaintenanceWorks) {
        return Some((Clock::InitialPlan, cal.working_days_after(filed, 3)));
    }
    if let Some(size) = case.intake.defect {
        let due = match size {
            DefectSize::Small => cal.end_of_day(cal.local_date(filed)),
            DefectSize::Large => filed + Duration::weeks(1),
        };
        return Some((Clock::RepairDone, due));
    }
    match case.intake.urgency? {
        Urgency::Emergency => Some((Clock::RepairOnSite, filed + Duration::minutes(30))),
        Urgency::Urgent => Some((Clock::RepairDone, filed + Duration::hours(24))),
        Urgency::Normal => Some((Clock::RepairDone, filed + Duration::hours(48))),
    }
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// When the work on `case` is due now, for the work order (SPEC §7): the promised date,
/// else the current round's resolve clock, else the repair promise.
pub fn work_due(case: &Case, cal: &WorkCalendar, now: DateTime<Utc>) -> Option<Deadline> {
    let all = deadlines(case, cal, now);
    let latest_round = all.iter().map(|d| d.round).max().unwrap_or(1);
    let pick = |clock: Clock| {
        all.iter()
            .rev()
            .find(|d| d.clock == clock && (d.round == latest_round || clock == Clock::PromisedDate))
            .cloned()
    };
    pick(Clock::PromisedDate)
        .or_else(|| pick(Clock::Rework))
        .or_else(|| pick(Clock::Resolve))
        .or_else(|| pick(Clock::RepairDone))
        .or_else(|| pick(Clock::RepairOnSite))
        .or_else(|| pick(Clock::InitialPlan))
}

/// When the case turns overdue if nothing more happens to it: the earliest due time among
/// its clocks that are neither done nor standing still. None for a closed case, and while
/// every clock left stands still because the case waits (ending the wait is an event, and
/// the case is judged again then). For every `now` after the case's last event,
/// `is_overdue(case, cal, now)` is `overdue_from(case, cal).is_some_and(|t| now > t)`:
/// stores keep it in an indexed column so "overdue" is a range query, not a fold.
pub fn overdue_from(case: &Case, cal: &WorkCalendar) -> Option<DateTime<Utc>> {
    if !case.status.is_open() {
        return None;
    }
    deadlines(case, cal, case.updated_at)
        .into_iter()
        .filter(|d| d.done_at.is_none() && matches!(d.state, DeadlineState::Pending | DeadlineState::Overdue))
        .map(|d| d.due)
        .min()
}

/// From when the case belongs on the GM's escalation list (000 4.3.2, 4.3.3): the first
/// escalation of it to the group head or the GM, or the moment a 7-day escalation or a
/// major complaint's report to the GM fell (or falls) due without one. Like
/// `overdue_from` it holds for every `now`, so stores keep it in an indexed column and
/// "escalated by now" is a range query. None while neither happened nor is owed.
pub fn escalated_from(case: &Case, cal: &WorkCalendar) -> Option<DateTime<Utc>> {
    let written = case
        .escalations
        .iter()
        .filter(|e| matches!(e.value.to, EscalationTarget::GroupHead | EscalationTarget::GeneralManager))
        .map(|e| e.at)
        .min();
    let owed = deadlines(case, cal, case.updated_at)
        .into_iter()
        .filter(|d| matches!(d.clock, Clock::Escalation | Clock::ReportMajor))
        .filter(|d| d.state != DeadlineState::NotNeeded)
        .map(|d| d.done_at.map_or(d.due, |done| done.min(d.due)))
        .min();
    earliest(written, owed)
}

/// A case is overdue when any of its clocks is.
pub fn is_overdue(case: &Case, cal: &WorkCalendar, now: DateTime<Utc>) -> bool {
    case.status.is_open() && deadlines(case, cal, now).iter().any(Deadline::is_overdue)
}
