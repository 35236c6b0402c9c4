//! Every change to a case is an event (SPEC §4): who, when, where and what. A case's
//! state is nothing but the fold of its events (see `case.rs`).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::hlc::Hlc;
use super::intake::{ComplaintClass, Department, Intake, Severity};

/// Where an event was written: one kiosk (`kiosk:K01`) or headquarters (`hq`). Each origin
/// appends its own series; nobody else writes events under its name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Origin(pub String);

impl Origin {
    pub fn kiosk(code: &str) -> Origin {
        Origin(format!("kiosk:{code}"))
    }
    pub fn hq() -> Origin {
        Origin("hq".into())
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    pub id: Uuid,
    pub case_id: Uuid,
    pub origin: Origin,
    /// Orders events across origins; see `hlc.rs`.
    pub stamp: Hlc,
    /// Wall time the event happened, as its origin saw it; the clocks run on this.
    pub at: DateTime<Utc>,
    /// A staff id, `resident`, `kiosk` or an HQ user.
    pub actor: String,
    pub body: EventBody,
}

impl Event {
    /// The total order every machine folds in: stamp, then origin, then id.
    pub fn order_key(&self) -> (Hlc, &Origin, Uuid) {
        (self.stamp, &self.origin, self.id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ContactMethod {
    /// In person: the resident signs the record (001 11.1.7).
    InPerson,
    /// Marked 电话回访 on the record (001 11.1.7).
    Phone,
    /// The resident rated the case at the kiosk when looking it up (SPEC §5).
    Kiosk,
    /// A written reply: letters get one (004).
    Written,
}

impl ContactMethod {
    pub fn zh(self) -> &'static str {
        match self {
            ContactMethod::InPerson => "上门回访",
            ContactMethod::Phone => "电话回访",
            ContactMethod::Kiosk => "终端自评",
            ContactMethod::Written => "书面回复",
        }
    }
}

/// A rating from 1 (very poor) to 5 (very good).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl JsonSchema for Rating {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Rating".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "integer", "minimum": 1, "maximum": 5 })
    }
}

impl Rating {
    /// A quality rating of 3 or better counts as a pass for the repair-quality KPI.
    pub const PASS: Rating = Rating(3);

    pub fn new(value: u8) -> Result<Rating, String> {
        if (1..=5).contains(&value) {
            Ok(Rating(value))
        } else {
            Err(format!("rating {value} is out of range: use 1 (very poor) to 5 (very good)"))
        }
    }
    pub fn value(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Rating {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Rating::new(v)
    }
}

impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.0
    }
}

/// What a callback (回访) records (001 4.4, 11.1.7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CallbackRecord {
    pub method: ContactMethod,
    pub quality: Option<Rating>,
    pub effect: Option<Rating>,
    pub satisfaction: Option<Rating>,
    pub satisfied: bool,
    pub shortcomings: Option<String>,
    pub suggestions: Option<String>,
    /// When not satisfied: when to call again (001 11.1.9).
    pub next_callback_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EscalationTarget {
    /// A major complaint goes to the general manager at once (000 4.3.2).
    GeneralManager,
    /// Written escalation when unresolved after 7 days (000 4.3.3).
    GroupHead,
    EstateManager,
    /// Class 2: engineering takes it to the developer with a joint record (002 第十五条).
    Developer,
}

impl EscalationTarget {
    pub fn zh(self) -> &'static str {
        match self {
            EscalationTarget::GeneralManager => "总经理",
            EscalationTarget::GroupHead => "集团负责人",
            EscalationTarget::EstateManager => "项目经理",
            EscalationTarget::Developer => "开发商",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum EventBody {
    Filed {
        intake: Box<Intake>,
    },
    /// Receipt confirmed to the resident (24 h clock).
    Acknowledged {
        note: Option<String>,
    },
    /// Told the resident how the case stands (first reply clock; written for letters).
    Replied {
        method: ContactMethod,
        text: String,
    },
    Classified {
        complaint_class: Option<ComplaintClass>,
        severity: Option<Severity>,
        department: Option<Department>,
    },
    Assigned {
        department: Department,
        assignee: Option<String>,
    },
    /// Staff arrived at the place (emergency repairs: within 30 minutes).
    OnSite {
        note: Option<String>,
    },
    /// A measure is decided / the initial plan given (3 working days).
    PlanSet {
        plan: String,
    },
    ProgressNote {
        text: String,
    },
    /// A new date, with the reason, when 15 working days will not do (003 §4).
    PromiseSet {
        due: DateTime<Utc>,
        reason: String,
    },
    Resolved {
        note: String,
    },
    CallbackRecorded {
        record: CallbackRecord,
    },
    Reopened {
        reason: String,
    },
    Escalated {
        to: EscalationTarget,
        reason: String,
    },
    Closed {
        note: Option<String>,
    },
    /// The same matter as an earlier case (001 11.1.12): counted once, every reporter kept.
    LinkedDuplicate {
        primary: Uuid,
        primary_ticket: String,
    },
    /// 002 第十四条(四): a suggestion is adopted or not; the resident is told why.
    SuggestionDecided {
        adopted: bool,
        reason: String,
    },
}

impl EventBody {
    /// A stable name for the event type (SQL column, JSON, CLI).
    pub fn name(&self) -> &'static str {
        match self {
            EventBody::Filed { .. } => "filed",
            EventBody::Acknowledged { .. } => "acknowledged",
            EventBody::Replied { .. } => "replied",
            EventBody::Classified { .. } => "classified",
            EventBody::Assigned { .. } => "assigned",
            EventBody::OnSite { .. } => "on-site",
            EventBody::PlanSet { .. } => "plan-set",
            EventBody::ProgressNote { .. } => "progress-note",
            EventBody::PromiseSet { .. } => "promise-set",
            EventBody::Resolved { .. } => "resolved",
            EventBody::CallbackRecorded { .. } => "callback-recorded",
            EventBody::Reopened { .. } => "reopened",
            EventBody::Escalated { .. } => "escalated",
            EventBody::Closed { .. } => "closed",
            EventBody::LinkedDuplicate { .. } => "linked-duplicate",
            EventBody::SuggestionDecided { .. } => "suggestion-decided",
        }
    }
}

/// The same limits the kiosk's input checks apply, for an event that arrives already
/// made (HQ receiving from a kiosk): every text within its limit and free of control
/// characters, every ticket a ticket. A kiosk that skips its own checks gains nothing.
pub fn check_content(event: &Event) -> Result<(), String> {
    use super::validate::{MAX_NAME_CHARS, MAX_SHORT_CHARS, MAX_TEXT_CHARS, clean_text};
    fn text(value: &str, what: &str, max: usize) -> Result<(), String> {
        let len = value.chars().count();
        if len > max {
            return Err(format!("{what} is too long: {len} characters, at most {max}"));
        }
        if clean_text(value, true) != value {
            return Err(format!("{what} holds control characters or surrounding blanks"));
        }
        Ok(())
    }
    fn some(value: &Option<String>, what: &str, max: usize) -> Result<(), String> {
        value.as_deref().map_or(Ok(()), |v| text(v, what, max))
    }
    fn ticket(value: &str) -> Result<(), String> {
        match super::ticket::TicketNumber::parse(value) {
            Ok(t) if t.to_string() == value => Ok(()),
            _ => Err(format!("{value:?} is not a ticket number")),
        }
    }
    text(&event.actor, "the actor", MAX_SHORT_CHARS)?;
    if event.actor.is_empty() {
        return Err("the actor is empty".into());
    }
    match &event.body {
        EventBody::Filed { intake } => {
            ticket(&intake.ticket)?;
            text(&intake.estate, "the estate", MAX_SHORT_CHARS)?;
            text(&intake.category, "the category", MAX_SHORT_CHARS)?;
            text(&intake.text, "the description", MAX_TEXT_CHARS)?;
            text(&intake.first_owner, "the first-inquiry owner", MAX_SHORT_CHARS)?;
            some(&intake.visit_window, "the visit window", MAX_SHORT_CHARS)?;
            match &intake.place {
                super::intake::Place::Home { building, unit, room } => {
                    let part_ok = |p: &str| {
                        !p.is_empty()
                            && p.chars().count() <= 5
                            && p.chars().all(|c| c.is_ascii_alphanumeric())
                    };
                    if !part_ok(building) || !part_ok(room) || unit.as_deref().is_some_and(|u| !part_ok(u)) {
                        return Err("the place is not building-unit-room".into());
                    }
                }
                super::intake::Place::PublicArea { name } => text(name, "the public area", MAX_SHORT_CHARS)?,
            }
            if let Some(contact) = &intake.contact {
                some(&contact.name, "the name", MAX_NAME_CHARS)?;
                some(&contact.preferred_time, "the preferred contact time", MAX_SHORT_CHARS)?;
            }
            Ok(())
        }
        EventBody::Acknowledged { note } | EventBody::OnSite { note } | EventBody::Closed { note } => {
            some(note, "the note", MAX_TEXT_CHARS)
        }
        EventBody::Replied { text: t, .. } | EventBody::ProgressNote { text: t } => {
            text(t, "the text", MAX_TEXT_CHARS)
        }
        EventBody::Classified { .. } => Ok(()),
        EventBody::Assigned { assignee, .. } => some(assignee, "the assignee", MAX_SHORT_CHARS),
        EventBody::PlanSet { plan } => text(plan, "the plan", MAX_TEXT_CHARS),
        EventBody::PromiseSet { reason, .. }
        | EventBody::Reopened { reason }
        | EventBody::Escalated { reason, .. }
        | EventBody::SuggestionDecided { reason, .. } => text(reason, "the reason", MAX_TEXT_CHARS),
        EventBody::Resolved { note } => text(note, "the note", MAX_TEXT_CHARS),
        EventBody::CallbackRecorded { record } => {
            some(&record.shortcomings, "the shortcomings", MAX_TEXT_CHARS)?;
            some(&record.suggestions, "the suggestions", MAX_TEXT_CHARS)
        }
        EventBody::LinkedDuplicate { primary_ticket, .. } => ticket(primary_ticket),
    }
}
