//! A case's state as the fold of its events, and the rules that say which events make
//! sense in which state. The same `check` guards a staff command before its event is
//! written and every event during the fold, so the kiosk and HQ, given the same set of
//! events in any arrival order, compute the same state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

use super::event::{CallbackRecord, ContactMethod, EscalationTarget, Event, EventBody, Origin};
use super::intake::{Channel, ComplaintClass, Department, Intake, Kind, Severity};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// 受理
    Received,
    Acknowledged,
    /// 派工
    Assigned,
    InProgress,
    /// 处理完毕
    Resolved,
    /// 已回访
    CallbackDone,
    /// Not satisfied at callback, or raised again: back to work.
    Reopened,
    /// Suggestions: 采纳 / 不采纳.
    Adopted,
    Declined,
    /// 结案
    Closed,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Acknowledged => "acknowledged",
            Status::Assigned => "assigned",
            Status::InProgress => "in-progress",
            Status::Resolved => "resolved",
            Status::CallbackDone => "callback-done",
            Status::Reopened => "reopened",
            Status::Adopted => "adopted",
            Status::Declined => "declined",
            Status::Closed => "closed",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Status::Received => "已受理",
            Status::Acknowledged => "已确认",
            Status::Assigned => "已派工",
            Status::InProgress => "处理中",
            Status::Resolved => "处理完毕",
            Status::CallbackDone => "已回访",
            Status::Reopened => "重新处理",
            Status::Adopted => "已采纳",
            Status::Declined => "未采纳",
            Status::Closed => "已结案",
        }
    }

    /// Work is still owed on the case (resolution or callback or closure).
    pub fn is_open(self) -> bool {
        self != Status::Closed
    }

    fn is_resolved(self) -> bool {
        matches!(self, Status::Resolved | Status::CallbackDone)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped<T> {
    pub at: DateTime<Utc>,
    pub by: String,
    #[serde(flatten)]
    pub value: T,
}

impl<T> Stamped<T> {
    fn of(event: &Event, value: T) -> Stamped<T> {
        Stamped { at: event.at, by: event.actor.clone(), value }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promise {
    pub due: DateTime<Utc>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub to: EscalationTarget,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub adopted: bool,
    pub reason: String,
}

/// An event the fold could not apply because another origin's event got there first
/// (e.g. HQ closed the case while the kiosk recorded a note on its way to resolution).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub event_id: Uuid,
    pub origin: Origin,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: Uuid,
    pub filed_at: DateTime<Utc>,
    pub filed_by: String,
    pub intake: Intake,
    pub status: Status,
    pub complaint_class: Option<ComplaintClass>,
    pub severity: Option<Severity>,
    pub department: Option<Department>,
    pub assignee: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub first_reply_at: Option<DateTime<Utc>>,
    pub written_reply_at: Option<DateTime<Utc>>,
    pub on_site_at: Option<DateTime<Utc>>,
    pub plan_at: Option<DateTime<Utc>>,
    pub major_since: Option<DateTime<Utc>>,
    pub promise: Option<Stamped<Promise>>,
    /// The first resolution: the clocks judge timeliness on it.
    pub first_resolved_at: Option<DateTime<Utc>>,
    /// The latest resolution: the callback window runs from it.
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reopen_count: u32,
    pub escalations: Vec<Stamped<Escalation>>,
    pub callbacks: Vec<Stamped<CallbackRecord>>,
    pub next_callback_at: Option<DateTime<Utc>>,
    pub decision: Option<Stamped<Decision>>,
    pub decision_told_at: Option<DateTime<Utc>>,
    pub duplicate_of: Option<Uuid>,
    pub duplicate_of_ticket: Option<String>,
    pub conflicts: Vec<Conflict>,
    pub event_count: usize,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("case {ticket} is closed; reopen it first if the matter needs more work")]
    Closed { ticket: String },
    #[error("case {ticket} is not resolved yet; resolve it before {action}")]
    NotResolved { ticket: String, action: &'static str },
    #[error("case {ticket} is already resolved; reopen it if the matter needs more work")]
    AlreadyResolved { ticket: String },
    #[error("case {ticket} was already {what}")]
    AlreadyDone { ticket: String, what: &'static str },
    #[error(
        "case {ticket} is anonymous: the resident chose not to be contacted, so there is no callback (001 11.1.13)"
    )]
    Anonymous { ticket: String },
    #[error(
        "case {ticket} needs a callback before it can be closed (SPEC §5): record one with `act {ticket} callback`"
    )]
    CallbackOutstanding { ticket: String },
    #[error(
        "case {ticket} came by letter and needs a written reply before it can be closed (004): record one with `act {ticket} reply --method written`"
    )]
    WrittenReplyOutstanding { ticket: String },
    #[error("{action} applies to {applies_to} only; case {ticket} is a {kind}")]
    WrongKind { ticket: String, action: &'static str, applies_to: &'static str, kind: &'static str },
    #[error("suggestion {ticket} has no decision yet: adopt or decline it first")]
    Undecided { ticket: String },
    #[error(
        "the resident has not been told the decision on suggestion {ticket}: record a reply first (002 第十四条(四))"
    )]
    DecisionNotTold { ticket: String },
    #[error("case {ticket} can only be reopened once resolved or closed; it is {status}")]
    CannotReopen { ticket: String, status: &'static str },
    #[error("a case cannot be linked to itself")]
    SelfLink,
    #[error("case {ticket} is already linked to {primary} as the same matter")]
    AlreadyLinked { ticket: String, primary: String },
    #[error("the promised date must be later than now")]
    PromiseInPast,
    #[error("{what} is required")]
    Missing { what: &'static str },
    #[error("the case was filed twice")]
    FiledTwice,
}

impl WorkflowError {
    /// A stable code for JSON and for translating the message on screens.
    pub fn code(&self) -> &'static str {
        match self {
            WorkflowError::Closed { .. } => "closed",
            WorkflowError::NotResolved { .. } => "not-resolved",
            WorkflowError::AlreadyResolved { .. } => "already-resolved",
            WorkflowError::AlreadyDone { .. } => "already-done",
            WorkflowError::Anonymous { .. } => "anonymous",
            WorkflowError::CallbackOutstanding { .. } => "callback-outstanding",
            WorkflowError::WrittenReplyOutstanding { .. } => "written-reply-outstanding",
            WorkflowError::WrongKind { .. } => "wrong-kind",
            WorkflowError::Undecided { .. } => "undecided",
            WorkflowError::DecisionNotTold { .. } => "decision-not-told",
            WorkflowError::CannotReopen { .. } => "cannot-reopen",
            WorkflowError::SelfLink => "self-link",
            WorkflowError::AlreadyLinked { .. } => "already-linked",
            WorkflowError::PromiseInPast => "promise-in-past",
            WorkflowError::Missing { .. } => "missing",
            WorkflowError::FiledTwice => "filed-twice",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FoldError {
    #[error("no events")]
    NoEvents,
    #[error("case {0} has no filed event")]
    NotFiled(Uuid),
    #[error("event {event} belongs to case {found}, not {expected}")]
    MixedCases { event: Uuid, expected: Uuid, found: Uuid },
}

impl Case {
    /// Folds events in the one total order (stamp, origin, id), ignoring repeats of the
    /// same event id. Events that make no sense where they land in that order become
    /// `conflicts` instead of changing the state.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Case, FoldError> {
        let mut seen = HashSet::new();
        let mut ordered: Vec<&Event> = events.into_iter().filter(|e| seen.insert(e.id)).collect();
        ordered.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        let first = ordered.first().ok_or(FoldError::NoEvents)?;
        let case_id = first.case_id;
        if let Some(stray) = ordered.iter().find(|e| e.case_id != case_id) {
            return Err(FoldError::MixedCases { event: stray.id, expected: case_id, found: stray.case_id });
        }
        // The filing always comes first: an event sorted before it (a remote origin whose
        // clock ran behind before it had seen the case) still applies after it.
        let filed_pos = ordered
            .iter()
            .position(|e| matches!(e.body, EventBody::Filed { .. }))
            .ok_or(FoldError::NotFiled(case_id))?;
        let filed = ordered.remove(filed_pos);
        let EventBody::Filed { intake } = &filed.body else { unreachable!("position found a Filed event") };
        let mut case = Case::new(filed, intake);
        for event in ordered {
            case.apply(event);
        }
        Ok(case)
    }

    fn new(filed: &Event, intake: &Intake) -> Case {
        Case {
            id: filed.case_id,
            filed_at: filed.at,
            filed_by: filed.actor.clone(),
            intake: intake.clone(),
            status: Status::Received,
            complaint_class: intake.complaint_class,
            severity: intake.severity,
            department: intake.department,
            assignee: None,
            acknowledged_at: None,
            first_reply_at: None,
            written_reply_at: None,
            on_site_at: None,
            plan_at: None,
            major_since: (intake.severity == Some(Severity::Major)).then_some(filed.at),
            promise: None,
            first_resolved_at: None,
            resolved_at: None,
            closed_at: None,
            reopen_count: 0,
            escalations: Vec::new(),
            callbacks: Vec::new(),
            next_callback_at: None,
            decision: None,
            decision_told_at: None,
            duplicate_of: None,
            duplicate_of_ticket: None,
            conflicts: Vec::new(),
            event_count: 1,
            updated_at: filed.at,
        }
    }

    pub fn ticket(&self) -> &str {
        &self.intake.ticket
    }

    pub fn kind(&self) -> Kind {
        self.intake.kind
    }

    /// Whether this case must get a callback before it closes (SPEC §5).
    pub fn callback_required(&self) -> bool {
        !self.intake.is_anonymous() && self.intake.callback.is_some_and(|c| c.required)
    }

    /// The resident has rated the latest resolution at the kiosk already.
    pub fn rated_by_resident(&self) -> bool {
        let since = self.resolved_at;
        self.callbacks
            .iter()
            .any(|c| c.value.method == ContactMethod::Kiosk && since.is_some_and(|r| c.at >= r))
    }

    pub fn satisfied_callback(&self) -> Option<&Stamped<CallbackRecord>> {
        self.callbacks.iter().rev().find(|c| c.value.satisfied)
    }

    /// Says whether `body` may happen to this case now, and if not, why.
    pub fn check(&self, body: &EventBody, at: DateTime<Utc>) -> Result<(), WorkflowError> {
        let ticket = || self.intake.ticket.clone();
        let kind = self.kind();
        let open = || {
            if self.status == Status::Closed {
                Err(WorkflowError::Closed { ticket: ticket() })
            } else {
                Ok(())
            }
        };
        let unresolved = || {
            open()?;
            if self.status.is_resolved() {
                Err(WorkflowError::AlreadyResolved { ticket: ticket() })
            } else {
                Ok(())
            }
        };
        let not_suggestion = |action: &'static str| {
            if kind == Kind::Suggestion {
                Err(WorkflowError::WrongKind {
                    ticket: ticket(),
                    action,
                    applies_to: "complaints, repairs, inquiries and praise",
                    kind: kind.code(),
                })
            } else {
                Ok(())
            }
        };
        let nonempty = |text: &str, what: &'static str| {
            if text.trim().is_empty() { Err(WorkflowError::Missing { what }) } else { Ok(()) }
        };
        match body {
            EventBody::Filed { .. } => Err(WorkflowError::FiledTwice),
            EventBody::Acknowledged { .. } => {
                open()?;
                if self.acknowledged_at.is_some() {
                    return Err(WorkflowError::AlreadyDone { ticket: ticket(), what: "acknowledged" });
                }
                Ok(())
            }
            EventBody::Replied { text, .. } => {
                open()?;
                nonempty(text, "the reply text")
            }
            EventBody::Classified { complaint_class, severity, .. } => {
                open()?;
                if (complaint_class.is_some() || severity.is_some()) && kind != Kind::Complaint {
                    return Err(WorkflowError::WrongKind {
                        ticket: ticket(),
                        action: "complaint class and severity",
                        applies_to: "complaints",
                        kind: kind.code(),
                    });
                }
                Ok(())
            }
            EventBody::Assigned { .. } => unresolved(),
            EventBody::OnSite { .. } => {
                not_suggestion("on-site arrival")?;
                unresolved()
            }
            EventBody::PlanSet { plan } => {
                unresolved()?;
                nonempty(plan, "the plan")
            }
            EventBody::ProgressNote { text } => nonempty(text, "the note text"),
            EventBody::PromiseSet { due, reason } => {
                not_suggestion("a promised resolution date")?;
                unresolved()?;
                nonempty(reason, "the reason for the new date")?;
                if *due <= at {
                    return Err(WorkflowError::PromiseInPast);
                }
                Ok(())
            }
            EventBody::Resolved { note } => {
                not_suggestion("resolving")?;
                unresolved()?;
                nonempty(note, "what was done")
            }
            EventBody::CallbackRecorded { .. } => {
                open()?;
                if self.intake.is_anonymous() {
                    return Err(WorkflowError::Anonymous { ticket: ticket() });
                }
                not_suggestion("a callback")?;
                if self.status != Status::Resolved {
                    return Err(if self.status == Status::CallbackDone {
                        WorkflowError::AlreadyDone {
                            ticket: ticket(),
                            what: "called back with a satisfied resident",
                        }
                    } else {
                        WorkflowError::NotResolved { ticket: ticket(), action: "a callback" }
                    });
                }
                Ok(())
            }
            EventBody::Reopened { reason } => {
                not_suggestion("reopening")?;
                nonempty(reason, "the reason for reopening")?;
                if matches!(self.status, Status::Resolved | Status::CallbackDone | Status::Closed) {
                    Ok(())
                } else {
                    Err(WorkflowError::CannotReopen { ticket: ticket(), status: self.status.code() })
                }
            }
            EventBody::Escalated { reason, .. } => {
                open()?;
                nonempty(reason, "the reason for escalating")
            }
            EventBody::Closed { .. } => self.check_close(),
            EventBody::LinkedDuplicate { primary, primary_ticket } => {
                open()?;
                if *primary == self.id {
                    return Err(WorkflowError::SelfLink);
                }
                if let Some(existing) = &self.duplicate_of_ticket {
                    return Err(WorkflowError::AlreadyLinked { ticket: ticket(), primary: existing.clone() });
                }
                nonempty(primary_ticket, "the earlier case's ticket")
            }
            EventBody::SuggestionDecided { adopted, reason } => {
                open()?;
                if kind != Kind::Suggestion {
                    return Err(WorkflowError::WrongKind {
                        ticket: ticket(),
                        action: "adopting or declining",
                        applies_to: "suggestions",
                        kind: kind.code(),
                    });
                }
                if self.decision.is_some() {
                    return Err(WorkflowError::AlreadyDone { ticket: ticket(), what: "decided" });
                }
                if !adopted {
                    nonempty(reason, "the reason for not adopting")?;
                }
                Ok(())
            }
        }
    }

    fn check_close(&self) -> Result<(), WorkflowError> {
        let ticket = || self.intake.ticket.clone();
        if self.status == Status::Closed {
            return Err(WorkflowError::AlreadyDone { ticket: ticket(), what: "closed" });
        }
        // The matter is handled on the earlier case; this reporter's case just follows it.
        if self.duplicate_of.is_some() {
            return Ok(());
        }
        if self.kind() == Kind::Suggestion {
            if self.decision.is_none() {
                return Err(WorkflowError::Undecided { ticket: ticket() });
            }
            if self.decision_told_at.is_none() && !self.intake.is_anonymous() {
                return Err(WorkflowError::DecisionNotTold { ticket: ticket() });
            }
        } else {
            if !self.status.is_resolved() {
                return Err(WorkflowError::NotResolved { ticket: ticket(), action: "closing" });
            }
            if self.callback_required() && self.status != Status::CallbackDone {
                return Err(WorkflowError::CallbackOutstanding { ticket: ticket() });
            }
        }
        if self.intake.channel == Channel::Letter
            && !self.intake.is_anonymous()
            && self.written_reply_at.is_none()
        {
            return Err(WorkflowError::WrittenReplyOutstanding { ticket: ticket() });
        }
        Ok(())
    }

    fn apply(&mut self, event: &Event) {
        self.event_count += 1;
        if let Err(refused) = self.check(&event.body, event.at) {
            // A note is worth keeping whatever the state; anything else that no longer fits
            // is recorded so that staff can see what another origin tried to do.
            self.conflicts.push(Conflict {
                event_id: event.id,
                origin: event.origin.clone(),
                reason: refused.to_string(),
            });
            return;
        }
        self.updated_at = self.updated_at.max(event.at);
        let at = event.at;
        match &event.body {
            EventBody::Filed { .. } => {}
            EventBody::Acknowledged { .. } => {
                self.acknowledged_at = Some(at);
                self.advance_to(Status::Acknowledged);
            }
            EventBody::Replied { method, .. } => {
                self.acknowledged_at.get_or_insert(at);
                self.first_reply_at.get_or_insert(at);
                if *method == ContactMethod::Written {
                    self.written_reply_at.get_or_insert(at);
                }
                if self.decision.is_some() {
                    self.decision_told_at.get_or_insert(at);
                }
                self.advance_to(Status::Acknowledged);
            }
            EventBody::Classified { complaint_class, severity, department } => {
                if complaint_class.is_some() {
                    self.complaint_class = *complaint_class;
                }
                if let Some(severity) = severity {
                    if *severity == Severity::Major && self.severity != Some(Severity::Major) {
                        self.major_since = Some(at);
                    }
                    self.severity = Some(*severity);
                }
                // Class 2 is engineering's to take to the developer (002 第十五条).
                self.department = department.or(match complaint_class {
                    Some(ComplaintClass::Developer) => Some(Department::Engineering),
                    _ => self.department,
                });
            }
            EventBody::Assigned { department, assignee } => {
                self.department = Some(*department);
                self.assignee = assignee.clone();
                if self.kind() != Kind::Suggestion {
                    self.advance_to(Status::Assigned);
                }
            }
            EventBody::OnSite { .. } => {
                self.on_site_at.get_or_insert(at);
                self.advance_to(Status::InProgress);
            }
            EventBody::PlanSet { .. } => {
                self.plan_at.get_or_insert(at);
                if self.kind() != Kind::Suggestion {
                    self.advance_to(Status::InProgress);
                }
            }
            EventBody::ProgressNote { .. } => {}
            EventBody::PromiseSet { due, reason } => {
                self.promise = Some(Stamped::of(event, Promise { due: *due, reason: reason.clone() }));
            }
            EventBody::Resolved { .. } => {
                self.first_resolved_at.get_or_insert(at);
                self.resolved_at = Some(at);
                self.status = Status::Resolved;
            }
            EventBody::CallbackRecorded { record } => {
                self.callbacks.push(Stamped::of(event, record.clone()));
                // A resident's own "satisfied" at the kiosk is their rating, kept as such;
                // where the rules require a callback, staff still owe it (a major hotline
                // complaint must not close on a kiosk tap).
                let own_rating = record.method == ContactMethod::Kiosk && self.callback_required();
                if record.satisfied && own_rating {
                    // Recorded above; the status waits for the staff callback.
                } else if record.satisfied {
                    self.status = Status::CallbackDone;
                    self.next_callback_at = None;
                } else {
                    // 001 11.1.9: fix it or explain, then call again.
                    self.status = Status::Reopened;
                    self.reopen_count += 1;
                    self.next_callback_at = record.next_callback_at;
                }
            }
            EventBody::Reopened { .. } => {
                self.status = Status::Reopened;
                self.reopen_count += 1;
                self.closed_at = None;
            }
            EventBody::Escalated { to, reason } => {
                self.escalations.push(Stamped::of(event, Escalation { to: *to, reason: reason.clone() }));
            }
            EventBody::Closed { .. } => {
                self.status = Status::Closed;
                self.closed_at = Some(at);
            }
            EventBody::LinkedDuplicate { primary, primary_ticket } => {
                self.duplicate_of = Some(*primary);
                self.duplicate_of_ticket = Some(primary_ticket.clone());
            }
            EventBody::SuggestionDecided { adopted, reason } => {
                self.decision =
                    Some(Stamped::of(event, Decision { adopted: *adopted, reason: reason.clone() }));
                self.status = if *adopted { Status::Adopted } else { Status::Declined };
            }
        }
    }

    /// Moves forward along received → acknowledged → assigned → in progress, never back.
    fn advance_to(&mut self, next: Status) {
        let rank = |s: Status| match s {
            Status::Received => 0,
            Status::Acknowledged => 1,
            Status::Assigned => 2,
            Status::InProgress | Status::Reopened => 3,
            _ => 4,
        };
        if rank(next) > rank(self.status) {
            self.status = next;
        }
    }

    /// Escalations to `target`, earliest first.
    pub fn escalated_to(&self, target: EscalationTarget) -> Option<DateTime<Utc>> {
        self.escalations.iter().find(|e| e.value.to == target).map(|e| e.at)
    }
}
