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
    /// The resident rated the case on their phone, from the ticket's link (issue 16).
    Online,
    /// A written reply: letters get one (004).
    Written,
}

impl ContactMethod {
    pub fn zh(self) -> &'static str {
        match self {
            ContactMethod::InPerson => "上门回访",
            ContactMethod::Phone => "电话回访",
            ContactMethod::Kiosk => "终端自评",
            ContactMethod::Online => "手机自评",
            ContactMethod::Written => "书面回复",
        }
    }

    /// A rating the resident gave themselves (at the kiosk or on their phone), not a
    /// staff callback: it is never reviewed, and never counts as the callback owed.
    pub fn is_residents_own(self) -> bool {
        matches!(self, ContactMethod::Kiosk | ContactMethod::Online)
    }

    /// For a reply (not a callback): 电话回访 is the callback's mark (001 11.1.7), so a
    /// reply by phone is 电话回复.
    pub fn reply_zh(self) -> &'static str {
        match self {
            ContactMethod::InPerson => "当面答复",
            ContactMethod::Phone => "电话回复",
            ContactMethod::Kiosk => "终端告知",
            ContactMethod::Online => "网页告知",
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
    /// In person: the resident's signature, drawn on the touchscreen (001 11.1.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
}

impl CallbackRecord {
    /// A satisfied resident on the phone, with the quality rating only: the commonest
    /// record (the workflow's probes and generated history use it).
    pub fn satisfied_by_phone(quality: Option<Rating>) -> CallbackRecord {
        CallbackRecord {
            method: ContactMethod::Phone,
            quality,
            effect: None,
            satisfaction: None,
            satisfied: true,
            shortcomings: None,
            suggestions: None,
            next_callback_at: None,
            signature: None,
        }
    }
}

/// A signature as the strokes a finger drew, each point in 0..=1000 of the pad's width
/// and height: small to store and sync, and redrawable on screen and paper at any size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Signature {
    pub strokes: Vec<Vec<[u16; 2]>>,
}

impl Signature {
    pub const MAX_POINTS: usize = 4_000;
    pub const SCALE: u16 = 1_000;

    /// A signature someone could have drawn: some ink, every point on the pad, bounded.
    pub fn check(&self) -> Result<(), String> {
        let points: usize = self.strokes.iter().map(Vec::len).sum();
        if points < 2 {
            return Err("the signature is empty: the resident signs on the pad".into());
        }
        if points > Self::MAX_POINTS {
            return Err(format!("the signature has {points} points, at most {}", Self::MAX_POINTS));
        }
        if self.strokes.iter().flatten().any(|[x, y]| *x > Self::SCALE || *y > Self::SCALE) {
            return Err(format!("a signature point lies outside 0..={}", Self::SCALE));
        }
        Ok(())
    }
}

/// Why a case's resident-facing clocks stand still (SPEC §4, 002 第十五条).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PauseReason {
    /// Waiting for the resident (access to the home, a decision, a document).
    Resident,
    /// Waiting for parts.
    Parts,
    /// Waiting for a third party (utility, supplier, government office).
    ThirdParty,
    /// Class 2: waiting for the developer (需开发商协商处理问题记录表).
    Developer,
}

impl PauseReason {
    pub fn code(self) -> &'static str {
        match self {
            PauseReason::Resident => "resident",
            PauseReason::Parts => "parts",
            PauseReason::ThirdParty => "third-party",
            PauseReason::Developer => "developer",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            PauseReason::Resident => "等待住户",
            PauseReason::Parts => "等待配件",
            PauseReason::ThirdParty => "等待第三方",
            PauseReason::Developer => "等待开发商",
        }
    }
    pub fn name(self, lang: super::intake::Lang) -> &'static str {
        use super::intake::Lang;
        match (lang, self) {
            (Lang::ZhCn, _) => self.zh(),
            (Lang::ZhTw, PauseReason::Resident) => "等待住戶",
            (Lang::ZhTw, PauseReason::Parts) => "等待配件",
            (Lang::ZhTw, PauseReason::ThirdParty) => "等待第三方",
            (Lang::ZhTw, PauseReason::Developer) => "等待開發商",
            (Lang::En, PauseReason::Resident) => "waiting for the resident",
            (Lang::En, PauseReason::Parts) => "waiting for parts",
            (Lang::En, PauseReason::ThirdParty) => "waiting for a third party",
            (Lang::En, PauseReason::Developer) => "waiting for the developer",
        }
    }
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
    /// A supervisor checked a callback record and signed an opinion (001 11.1.8, 篇2 §5).
    /// `round` is the callback's number on the case, from 1.
    CallbackReviewed {
        round: u32,
        opinion: String,
    },
    /// The resident-facing clocks stop, with the reason, until `Resumed`.
    Paused {
        reason: PauseReason,
        note: String,
    },
    Resumed {
        note: Option<String>,
    },
    /// Class 2: engineering takes the matter to the developer with the joint record
    /// (需开发商协商处理问题记录表, 002 第十五条); clocks pause until the developer replies.
    DeveloperReferred {
        record: String,
    },
    /// The developer's answer; the clocks run again.
    DeveloperReplied {
        text: String,
    },
    /// The first-inquiry owner hands the follow-up to a colleague (004): said, not silent.
    OwnerHandedOver {
        to: String,
        note: String,
    },
    /// A paid repair's price, quoted to the resident before the work, and their answer
    /// (002 上门维修: 按相关的收费标准向用户进行报价，征得业户同意后进行维修). Agreeing, they
    /// sign; the work order prints both.
    FeeQuoted {
        /// In fen (分): ¥120.50 is 12050.
        amount_fen: u64,
        consented: bool,
        signature: Option<Signature>,
    },
    /// The resident added a photo from their phone (issue 16). HQ keeps the picture; the
    /// case keeps its id, so every machine knows how many there are.
    PhotoAdded {
        photo: Uuid,
    },
}

/// An amount in fen as the paper and screens write it: ¥120.50.
pub fn yuan(fen: u64) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

/// The largest fee a kiosk records (¥100,000): anything above is a typing slip.
pub const MAX_FEE_FEN: u64 = 10_000_000;

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
            EventBody::CallbackReviewed { .. } => "callback-reviewed",
            EventBody::Paused { .. } => "paused",
            EventBody::Resumed { .. } => "resumed",
            EventBody::DeveloperReferred { .. } => "developer-referred",
            EventBody::DeveloperReplied { .. } => "developer-replied",
            EventBody::FeeQuoted { .. } => "fee-quoted",
            EventBody::OwnerHandedOver { .. } => "owner-handed-over",
            EventBody::PhotoAdded { .. } => "photo-added",
        }
    }

    /// What happened, in the seeds' words, for a case's history read by people.
    pub fn title_zh(&self) -> &'static str {
        match self {
            EventBody::Filed { .. } => "受理",
            EventBody::Acknowledged { .. } => "确认受理",
            EventBody::Replied { .. } => "回复业主",
            EventBody::Classified { .. } => "分类",
            EventBody::Assigned { .. } => "派工",
            EventBody::OnSite { .. } => "到场",
            EventBody::PlanSet { .. } => "处理方案",
            EventBody::ProgressNote { .. } => "进展",
            EventBody::PromiseSet { .. } => "承诺日期",
            EventBody::Resolved { .. } => "处理完毕",
            EventBody::CallbackRecorded { .. } => "回访",
            EventBody::Reopened { .. } => "重新处理",
            EventBody::Escalated { .. } => "上报",
            EventBody::Closed { .. } => "结案",
            EventBody::LinkedDuplicate { .. } => "同一事项",
            EventBody::SuggestionDecided { .. } => "建议处理决定",
            EventBody::CallbackReviewed { .. } => "回访审核",
            EventBody::Paused { .. } => "暂停计时",
            EventBody::Resumed { .. } => "恢复计时",
            EventBody::DeveloperReferred { .. } => "转开发商",
            EventBody::DeveloperReplied { .. } => "开发商答复",
            EventBody::FeeQuoted { .. } => "收费报价",
            EventBody::OwnerHandedOver { .. } => "首问责任人移交",
            EventBody::PhotoAdded { .. } => "住户上传照片",
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
            if let Some(key) = &intake.resident_key {
                super::resident::check_key(key)?;
            }
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
        EventBody::Acknowledged { note }
        | EventBody::OnSite { note }
        | EventBody::Closed { note }
        | EventBody::Resumed { note } => some(note, "the note", MAX_TEXT_CHARS),
        EventBody::Replied { text: t, .. }
        | EventBody::ProgressNote { text: t }
        | EventBody::DeveloperReplied { text: t } => text(t, "the text", MAX_TEXT_CHARS),
        EventBody::CallbackReviewed { opinion, .. } => text(opinion, "the opinion", MAX_TEXT_CHARS),
        EventBody::Paused { note, .. } => text(note, "the note", MAX_TEXT_CHARS),
        EventBody::DeveloperReferred { record } => text(record, "the joint record", MAX_TEXT_CHARS),
        EventBody::OwnerHandedOver { to, note } => {
            text(to, "the new owner", MAX_SHORT_CHARS)?;
            text(note, "the note", MAX_TEXT_CHARS)
        }
        EventBody::Classified { .. } | EventBody::PhotoAdded { .. } => Ok(()),
        EventBody::Assigned { assignee, .. } => some(assignee, "the assignee", MAX_SHORT_CHARS),
        EventBody::PlanSet { plan } => text(plan, "the plan", MAX_TEXT_CHARS),
        EventBody::PromiseSet { reason, .. }
        | EventBody::Reopened { reason }
        | EventBody::Escalated { reason, .. }
        | EventBody::SuggestionDecided { reason, .. } => text(reason, "the reason", MAX_TEXT_CHARS),
        EventBody::Resolved { note } => text(note, "the note", MAX_TEXT_CHARS),
        EventBody::CallbackRecorded { record } => {
            some(&record.shortcomings, "the shortcomings", MAX_TEXT_CHARS)?;
            some(&record.suggestions, "the suggestions", MAX_TEXT_CHARS)?;
            record.signature.as_ref().map_or(Ok(()), Signature::check)
        }
        EventBody::LinkedDuplicate { primary_ticket, .. } => ticket(primary_ticket),
        EventBody::FeeQuoted { amount_fen, signature, .. } => {
            if *amount_fen > MAX_FEE_FEN {
                return Err("the fee is larger than any repair".into());
            }
            signature.as_ref().map_or(Ok(()), Signature::check)
        }
    }
}
