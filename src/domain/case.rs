//! A case's state as the fold of its events, and the rules that say which events make
//! sense in which state. The same `check` guards a staff command before its event is
//! written and every event during the fold, so the kiosk and HQ, given the same set of
//! events in any arrival order, compute the same state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

use super::event::{CallbackRecord, ContactMethod, EscalationTarget, Event, EventBody, Origin, PauseReason};
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
    pub const ALL: [Status; 10] = [
        Status::Received,
        Status::Acknowledged,
        Status::Assigned,
        Status::InProgress,
        Status::Resolved,
        Status::CallbackDone,
        Status::Reopened,
        Status::Adopted,
        Status::Declined,
        Status::Closed,
    ];

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

    /// Every open status: a list asking for exactly these asks for the open cases, which
    /// the stores read through an index of their own.
    pub fn open() -> Vec<Status> {
        Status::ALL.into_iter().filter(|s| s.is_open()).collect()
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
pub struct FeeQuote {
    pub amount_fen: u64,
    pub consented: bool,
    pub signed: bool,
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

/// A stretch of time the resident-facing clocks stood still, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub reason: PauseReason,
    pub note: String,
    pub from: DateTime<Utc>,
    /// `None` while it lasts.
    pub until: Option<DateTime<Utc>>,
}

/// Words someone wrote on the case (a joint record, a reply).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    pub text: String,
}

/// A supervisor's opinion on one callback record (001 11.1.8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub round: u32,
    pub opinion: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub from: String,
    pub to: String,
    pub note: String,
}

/// An event the fold could not apply because another origin's event got there first
/// (e.g. HQ closed the case while the kiosk recorded a note on its way to resolution).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub event_id: Uuid,
    pub origin: Origin,
    pub reason: String,
}

/// The most photos a resident adds to one case (issue 16).
pub const MAX_PHOTOS: usize = 4;

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
    /// The latest reply: a linked reporter is told the outcome by one after it is known.
    pub last_reply_at: Option<DateTime<Utc>>,
    pub written_reply_at: Option<DateTime<Utc>>,
    pub on_site_at: Option<DateTime<Utc>>,
    pub plan_at: Option<DateTime<Utc>>,
    pub major_since: Option<DateTime<Utc>>,
    /// Staff set the severity after filing: the system's 重大 proposal is answered.
    #[serde(default)]
    pub severity_classified: bool,
    pub promise: Option<Stamped<Promise>>,
    /// The first resolution: the clocks judge timeliness on it.
    pub first_resolved_at: Option<DateTime<Utc>>,
    /// The latest resolution: the callback window runs from it.
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reopen_count: u32,
    /// The latest time the case went back to work: its fresh clocks run from here.
    pub reopened_at: Option<DateTime<Utc>>,
    /// Since the latest reopening: when the resident was first given a fix, a plan, a new
    /// date or an explanation (001 11.2.3).
    pub reworked_at: Option<DateTime<Utc>>,
    pub pauses: Vec<Pause>,
    /// Class 2: the joint record taken to the developer, and the developer's answer.
    pub developer_record: Option<Stamped<Said>>,
    pub developer_reply: Option<Stamped<Said>>,
    /// Who follows the case to the resident's answer now (004): the filer, or whoever it
    /// was handed to.
    pub owner: String,
    pub handovers: Vec<Stamped<Handover>>,
    /// The latest fee quote and the resident's answer (paid repairs).
    #[serde(default)]
    pub fee: Option<Stamped<FeeQuote>>,
    /// Photos the resident added from their phone, oldest first (the pictures are at HQ).
    #[serde(default)]
    pub photos: Vec<Uuid>,
    pub reviews: Vec<Stamped<Review>>,
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
    #[error("case {ticket} has its {MAX_PHOTOS} photos already")]
    TooManyPhotos { ticket: String },
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
    #[error(
        "case {ticket}: an in-person callback needs the resident's signature (001 11.1.7); a callback by phone is recorded as 电话回访 (--method phone)"
    )]
    SignatureMissing { ticket: String },
    #[error("case {ticket} has no callback {round}: it has {count}")]
    NoSuchCallback { ticket: String, round: u32, count: usize },
    #[error(
        "callback {round} of case {ticket} is the resident's own rating at the kiosk, not a callback record to review"
    )]
    ResidentRatingNotReviewed { ticket: String, round: u32 },
    #[error("a developer pause starts with the joint record: use `act TICKET refer-developer --record ...`")]
    DeveloperPauseByReferral,
    #[error("case {ticket} is already paused ({reason}); resume it first")]
    AlreadyPaused { ticket: String, reason: &'static str },
    #[error("case {ticket} is not paused")]
    NotPaused { ticket: String },
    #[error(
        "case {ticket} is not a class 2 (developer) complaint: classify it --class 2 first (002 第十五条)"
    )]
    NotClassTwo { ticket: String },
    #[error("case {ticket} is not waiting for the developer")]
    NotWithDeveloper { ticket: String },
    #[error("case {ticket} is already followed by {owner}")]
    AlreadyOwner { ticket: String, owner: String },
    #[error("case {ticket}: the resident who agrees to the fee signs for it (002 上门维修)")]
    ConsentUnsigned { ticket: String },
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
            WorkflowError::SignatureMissing { .. } => "signature-missing",
            WorkflowError::TooManyPhotos { .. } => "too-many-photos",
            WorkflowError::NoSuchCallback { .. } => "no-such-callback",
            WorkflowError::ResidentRatingNotReviewed { .. } => "resident-rating",
            WorkflowError::DeveloperPauseByReferral => "developer-pause-by-referral",
            WorkflowError::AlreadyPaused { .. } => "already-paused",
            WorkflowError::NotPaused { .. } => "not-paused",
            WorkflowError::NotClassTwo { .. } => "not-class-two",
            WorkflowError::NotWithDeveloper { .. } => "not-with-developer",
            WorkflowError::AlreadyOwner { .. } => "already-owner",
            WorkflowError::ConsentUnsigned { .. } => "consent-unsigned",
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
            last_reply_at: None,
            written_reply_at: None,
            on_site_at: None,
            plan_at: None,
            major_since: (intake.severity == Some(Severity::Major)).then_some(filed.at),
            severity_classified: false,
            promise: None,
            first_resolved_at: None,
            resolved_at: None,
            closed_at: None,
            reopen_count: 0,
            reopened_at: None,
            reworked_at: None,
            pauses: Vec::new(),
            developer_record: None,
            developer_reply: None,
            owner: intake.first_owner.clone(),
            handovers: Vec::new(),
            fee: None,
            photos: Vec::new(),
            reviews: Vec::new(),
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
        self.callbacks.iter().any(|c| c.value.method.is_residents_own() && since.is_some_and(|r| c.at >= r))
    }

    /// The pause under way, if the clocks stand still now.
    pub fn current_pause(&self) -> Option<&Pause> {
        self.pauses.last().filter(|p| p.until.is_none())
    }

    /// Callbacks a supervisor has not yet reviewed (staff callbacks only; a resident's own
    /// rating at the kiosk is not a callback record), with their round numbers from 1.
    pub fn unreviewed_callbacks(&self) -> impl Iterator<Item = (u32, &Stamped<CallbackRecord>)> {
        self.callbacks.iter().enumerate().filter_map(|(i, c)| {
            let round = i as u32 + 1;
            (!c.value.method.is_residents_own() && !self.reviewed(round)).then_some((round, c))
        })
    }

    /// Whether a supervisor has reviewed callback `round` (from 1).
    fn reviewed(&self, round: u32) -> bool {
        self.reviews.iter().any(|r| r.value.round == round)
    }

    /// When this reporter of a linked matter was last told anything (a reply or a callback).
    pub fn last_told_at(&self) -> Option<DateTime<Utc>> {
        let called = self.callbacks.iter().map(|c| c.at).max();
        self.last_reply_at.max(called)
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
            EventBody::CallbackRecorded { record } => {
                open()?;
                if self.intake.is_anonymous() {
                    return Err(WorkflowError::Anonymous { ticket: ticket() });
                }
                not_suggestion("a callback")?;
                if record.method == ContactMethod::InPerson && record.signature.is_none() {
                    return Err(WorkflowError::SignatureMissing { ticket: ticket() });
                }
                // A reporter of a linked matter is told the outcome on their own case; a
                // reopened case with an agreed date gets its progress callback (阶段性回访).
                let progress_call = self.status == Status::Reopened && self.next_callback_at.is_some();
                if self.duplicate_of.is_some() || progress_call {
                    return Ok(());
                }
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
            EventBody::CallbackReviewed { round, opinion } => {
                nonempty(opinion, "the review opinion")?;
                let index = (*round as usize).checked_sub(1);
                match index.and_then(|i| self.callbacks.get(i)) {
                    None => Err(WorkflowError::NoSuchCallback {
                        ticket: ticket(),
                        round: *round,
                        count: self.callbacks.len(),
                    }),
                    Some(c) if c.value.method.is_residents_own() => {
                        Err(WorkflowError::ResidentRatingNotReviewed { ticket: ticket(), round: *round })
                    }
                    Some(_) if self.reviewed(*round) => Err(WorkflowError::AlreadyDone {
                        ticket: ticket(),
                        what: "reviewed for this callback",
                    }),
                    Some(_) => Ok(()),
                }
            }
            EventBody::Paused { reason, note } => {
                unresolved()?;
                nonempty(note, "what the case is waiting for")?;
                if *reason == PauseReason::Developer {
                    return Err(WorkflowError::DeveloperPauseByReferral);
                }
                self.not_paused()
            }
            EventBody::Resumed { .. } => {
                open()?;
                if self.current_pause().is_none() {
                    return Err(WorkflowError::NotPaused { ticket: ticket() });
                }
                Ok(())
            }
            EventBody::DeveloperReferred { record } => {
                unresolved()?;
                if kind != Kind::Complaint || self.complaint_class != Some(ComplaintClass::Developer) {
                    return Err(WorkflowError::NotClassTwo { ticket: ticket() });
                }
                nonempty(record, "the joint record")?;
                self.not_paused()
            }
            EventBody::DeveloperReplied { text } => {
                open()?;
                nonempty(text, "the developer's reply")?;
                if self.current_pause().is_none_or(|p| p.reason != PauseReason::Developer) {
                    return Err(WorkflowError::NotWithDeveloper { ticket: ticket() });
                }
                Ok(())
            }
            EventBody::FeeQuoted { consented, signature, .. } => {
                not_suggestion("a fee quote")?;
                unresolved()?;
                if *consented && signature.is_none() {
                    return Err(WorkflowError::ConsentUnsigned { ticket: ticket() });
                }
                Ok(())
            }
            EventBody::PhotoAdded { photo } => {
                open()?;
                if self.photos.len() >= MAX_PHOTOS {
                    return Err(WorkflowError::TooManyPhotos { ticket: ticket() });
                }
                if self.photos.contains(photo) {
                    return Err(WorkflowError::AlreadyDone { ticket: ticket(), what: "given this photo" });
                }
                Ok(())
            }
            EventBody::OwnerHandedOver { to, note } => {
                open()?;
                nonempty(to, "who takes the case over")?;
                nonempty(note, "a note for the new owner")?;
                if to.trim() == self.owner {
                    return Err(WorkflowError::AlreadyOwner { ticket: ticket(), owner: self.owner.clone() });
                }
                Ok(())
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

    fn not_paused(&self) -> Result<(), WorkflowError> {
        match self.current_pause() {
            Some(p) => Err(WorkflowError::AlreadyPaused {
                ticket: self.intake.ticket.clone(),
                reason: p.reason.zh(),
            }),
            None => Ok(()),
        }
    }

    fn end_pause(&mut self, at: DateTime<Utc>) {
        if let Some(p) = self.pauses.last_mut().filter(|p| p.until.is_none()) {
            p.until = Some(at.max(p.from));
        }
    }

    fn reopen(&mut self, at: DateTime<Utc>) {
        self.status = Status::Reopened;
        self.reopen_count += 1;
        self.reopened_at = Some(at);
        self.reworked_at = None;
    }

    fn reworked(&mut self, at: DateTime<Utc>) {
        if self.reopened_at.is_some() {
            self.reworked_at.get_or_insert(at);
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
                self.reworked(at);
                self.acknowledged_at.get_or_insert(at);
                self.first_reply_at.get_or_insert(at);
                self.last_reply_at = self.last_reply_at.max(Some(at));
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
                    self.severity_classified = true;
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
                self.reworked(at);
                self.plan_at.get_or_insert(at);
                if self.kind() != Kind::Suggestion {
                    self.advance_to(Status::InProgress);
                }
            }
            EventBody::ProgressNote { .. } => {}
            EventBody::PromiseSet { due, reason } => {
                self.reworked(at);
                self.promise = Some(Stamped::of(event, Promise { due: *due, reason: reason.clone() }));
            }
            EventBody::Resolved { .. } => {
                self.reworked(at);
                self.end_pause(at);
                self.first_resolved_at.get_or_insert(at);
                self.resolved_at = Some(at);
                self.status = Status::Resolved;
            }
            EventBody::CallbackRecorded { record } => {
                self.callbacks.push(Stamped::of(event, record.clone()));
                // A resident's own "satisfied" at the kiosk is their rating, kept as such;
                // where the rules require a callback, staff still owe it (a major hotline
                // complaint must not close on a kiosk tap).
                let own_rating = record.method.is_residents_own() && self.callback_required();
                if self.duplicate_of.is_some() {
                    // Told the outcome of the matter worked on the earlier case.
                } else if self.status == Status::Reopened {
                    // A progress callback: the work is still owed; the next date is agreed.
                    self.next_callback_at = record.next_callback_at;
                } else if record.satisfied && own_rating {
                    // Recorded above; the status waits for the staff callback.
                } else if record.satisfied {
                    self.status = Status::CallbackDone;
                    self.next_callback_at = None;
                } else {
                    // 001 11.1.9: fix it or explain, then call again.
                    self.reopen(at);
                    self.next_callback_at = record.next_callback_at;
                }
            }
            EventBody::Reopened { .. } => {
                self.reopen(at);
                self.closed_at = None;
            }
            EventBody::Escalated { to, reason } => {
                self.escalations.push(Stamped::of(event, Escalation { to: *to, reason: reason.clone() }));
            }
            EventBody::Closed { .. } => {
                self.end_pause(at);
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
            EventBody::CallbackReviewed { round, opinion } => {
                self.reviews.push(Stamped::of(event, Review { round: *round, opinion: opinion.clone() }));
            }
            EventBody::Paused { reason, note } => {
                self.pauses.push(Pause { reason: *reason, note: note.clone(), from: at, until: None });
            }
            EventBody::Resumed { .. } => self.end_pause(at),
            EventBody::DeveloperReferred { record } => {
                self.developer_record = Some(Stamped::of(event, Said { text: record.clone() }));
                self.pauses.push(Pause {
                    reason: PauseReason::Developer,
                    note: record.clone(),
                    from: at,
                    until: None,
                });
            }
            EventBody::DeveloperReplied { text } => {
                self.developer_reply = Some(Stamped::of(event, Said { text: text.clone() }));
                self.end_pause(at);
            }
            EventBody::FeeQuoted { amount_fen, consented, signature } => {
                let quote =
                    FeeQuote { amount_fen: *amount_fen, consented: *consented, signed: signature.is_some() };
                self.fee = Some(Stamped::of(event, quote));
            }
            EventBody::PhotoAdded { photo } => self.photos.push(*photo),
            EventBody::OwnerHandedOver { to, note } => {
                let handover =
                    Handover { from: self.owner.clone(), to: to.trim().to_string(), note: note.clone() };
                self.owner = handover.to.clone();
                self.handovers.push(Stamped::of(event, handover));
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

    /// The first escalation to `target` at or after `since`.
    pub fn escalated_to(&self, target: EscalationTarget, since: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.escalations.iter().find(|e| e.value.to == target && e.at >= since).map(|e| e.at)
    }
}
