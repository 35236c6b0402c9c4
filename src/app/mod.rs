//! The application layer: validated settings + the store + the domain rules, as the
//! operations the CLI (and later the screens and sync) call. No UI, no argument parsing.

pub mod generate;
pub mod printing;
pub mod systemd;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::path::Path;
use uuid::Uuid;

use crate::config::Settings;
use crate::domain::case::Case;
use crate::domain::clocks::{Deadline, deadlines, is_overdue};
use crate::domain::event::{
    CallbackRecord, ContactMethod, EscalationTarget, EventBody, Origin, PauseReason, Rating, Signature,
};
use crate::domain::filing::{FilingContext, NewCase};
use crate::domain::intake::{Channel, ComplaintClass, Department, Severity};
use crate::domain::report::{self, DailyReport, MonthlyReport};
use crate::domain::ticket::TicketNumber;
use crate::domain::validate::{
    MAX_SHORT_CHARS, MAX_TEXT_CHARS, ValidationError, clean_text, optional_line, required_text,
};
use crate::store::{CaseRecord, Result, Store};

/// What staff can do to a case; each becomes one event once checked.
#[derive(Clone, Debug)]
pub enum Action {
    Acknowledge {
        note: Option<String>,
    },
    Reply {
        method: ContactMethod,
        text: String,
    },
    Classify {
        complaint_class: Option<ComplaintClass>,
        severity: Option<Severity>,
        department: Option<Department>,
    },
    Assign {
        department: Department,
        assignee: Option<String>,
    },
    OnSite {
        note: Option<String>,
    },
    Plan {
        plan: String,
    },
    Note {
        text: String,
    },
    Promise {
        due: DateTime<Utc>,
        reason: String,
    },
    Resolve {
        note: String,
    },
    Callback(CallbackInput),
    Reopen {
        reason: String,
    },
    Escalate {
        to: EscalationTarget,
        reason: String,
    },
    Close {
        note: Option<String>,
    },
    Link {
        primary_ticket: String,
    },
    Decide {
        adopted: bool,
        reason: String,
    },
    /// 001 11.1.8: a supervisor's opinion on callback `round` (from 1).
    Review {
        round: u32,
        opinion: String,
    },
    Pause {
        reason: PauseReason,
        note: String,
    },
    Resume {
        note: Option<String>,
    },
    /// Class 2: the joint record with the developer (需开发商协商处理问题记录表).
    ReferDeveloper {
        record: String,
    },
    DeveloperReply {
        text: String,
    },
    /// The first-inquiry owner hands the follow-up to a colleague (004).
    HandOver {
        to: String,
        note: String,
    },
    /// A paid repair's price and the resident's answer (002 上门维修).
    Quote {
        amount_fen: u64,
        consented: bool,
        signature: Option<Signature>,
    },
}

/// "120.5" or "120.50" yuan as fen; at most two decimals, never negative.
pub fn parse_yuan(text: &str) -> std::result::Result<u64, ValidationError> {
    let bad = || ValidationError::Invalid(format!("{text:?} is not an amount in yuan, e.g. 120.50"));
    let text = text.trim().trim_start_matches('¥');
    let (whole, part) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || part.len() > 2 || !(whole.chars().chain(part.chars()).all(|c| c.is_ascii_digit()))
    {
        return Err(bad());
    }
    let whole: u64 = whole.parse().map_err(|_| bad())?;
    let part: u64 = if part.is_empty() { 0 } else { format!("{part:0<2}").parse().map_err(|_| bad())? };
    let fen = whole.checked_mul(100).and_then(|w| w.checked_add(part)).ok_or_else(bad)?;
    if fen > crate::domain::event::MAX_FEE_FEN {
        return Err(ValidationError::Invalid(format!(
            "{} is more than any repair costs ({} at most)",
            crate::domain::event::yuan(fen),
            crate::domain::event::yuan(crate::domain::event::MAX_FEE_FEN)
        )));
    }
    Ok(fen)
}

#[derive(Clone, Debug)]
pub struct CallbackInput {
    pub method: ContactMethod,
    pub satisfied: bool,
    pub quality: Option<u8>,
    pub effect: Option<u8>,
    pub satisfaction: Option<u8>,
    pub shortcomings: Option<String>,
    pub suggestions: Option<String>,
    pub next_callback_at: Option<DateTime<Utc>>,
    pub signature: Option<Signature>,
}

/// The actor a kiosk records for a resident's own rating at the lookup screen.
pub const RESIDENT: &str = "resident";

/// A case as the list views show it.
#[derive(Clone, Debug, Serialize)]
pub struct CaseSummary {
    pub ticket: String,
    pub id: Uuid,
    pub kind: String,
    pub category: String,
    pub status: String,
    pub place: String,
    pub filed_at: DateTime<Utc>,
    pub emergency: bool,
    pub overdue: bool,
    /// The first-inquiry owner following it now (004).
    pub owner: String,
    /// What the clocks wait for, while they stand still.
    pub paused: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub open_only: bool,
    pub overdue_only: bool,
    pub search: Option<String>,
}

pub struct Desk {
    pub settings: Settings,
    store: Store,
}

impl Desk {
    pub fn open(settings: Settings, data_dir: &Path) -> Result<Desk> {
        let mut store = Store::open(data_dir, Origin::kiosk(settings.kiosk.as_str()))?;
        store.use_calendar(&settings.calendar)?;
        Ok(Desk { settings, store })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// For a data directory lobbydesk cannot write: lists, cases and reports only.
    pub fn open_read_only(settings: Settings, data_dir: &Path) -> Result<Desk> {
        let store = Store::open_read_only(data_dir, Origin::kiosk(settings.kiosk.as_str()))?;
        Ok(Desk { settings, store })
    }

    /// Opens the data directory to write if it can, else to read (a read-only mount):
    /// reading commands work either way.
    pub fn open_for_reading(settings: Settings, data_dir: &Path) -> Result<Desk> {
        match Desk::open(settings.clone(), data_dir) {
            Err(crate::store::StoreError::ReadOnly { .. }) => Desk::open_read_only(settings, data_dir),
            other => other,
        }
    }

    /// Headquarters' desk: the same operations, written under the origin `hq`.
    pub fn open_hq(settings: Settings, data_dir: &Path) -> Result<Desk> {
        let mut store = Store::open(data_dir, Origin::hq())?;
        store.use_calendar(&settings.calendar)?;
        Ok(Desk { settings, store })
    }

    /// The staff member `by` names, checked against the config.
    pub fn staff(&self, by: &str) -> Result<&crate::kiosk::staff::StaffAccount> {
        staff(&self.settings, by)
    }

    /// Files a resident's or a clerk's case: the durable commit (`commit_filing`), then
    /// the case's row and search indexes.
    pub fn file(&mut self, new: &NewCase, now: DateTime<Utc>) -> Result<Case> {
        let case = self.commit_filing(new, now)?;
        self.store.project_or_leave_for_later();
        Ok(case)
    }

    /// The part of a filing a resident waits for the disk on: validated and committed with
    /// its fsync; its row and search indexes follow at `Store::project_pending` (the
    /// benches time the two apart).
    pub fn commit_filing(&mut self, new: &NewCase, now: DateTime<Utc>) -> Result<Case> {
        if let Some(by) = new.staff.as_deref() {
            self.staff(&clean_text(by, false))?;
        }
        let case_id = Uuid::now_v7();
        let mut intake = new.validate(&FilingContext {
            catalogue: &self.settings.catalogue,
            estate: &self.settings.estate,
            case_id,
            repair_sample_percent: self.settings.repair_sample_percent,
        })?;
        intake.resident_key = Some(new_resident_key());
        let actor = new.staff.as_deref().map(|s| clean_text(s, false)).unwrap_or_else(|| RESIDENT.into());
        // Paper for whoever is standing here: residents at the kiosk and walk-ins, not
        // callers on the phone or letters.
        let print_ticket = matches!(intake.channel, Channel::Kiosk | Channel::WalkIn);
        self.store.commit_filing(&self.settings.kiosk, case_id, intake, &actor, print_ticket, now)
    }

    pub fn act(&mut self, ticket: &str, action: Action, by: &str, now: DateTime<Utc>) -> Result<Case> {
        let by = clean_text(by, false);
        if by.is_empty() {
            return Err(ValidationError::Empty { what: "who is acting (--by)" }.into());
        }
        let ticket = normalize_ticket(ticket)?;
        let case_id = self.store.case_id_by_ticket(&ticket)?;
        let case = self.store.case_by_id(case_id)?.case;
        let body = event_body(&self.settings, &case, action, |t| Ok(self.store.case_by_ticket(t)?.case))?;
        authorize(&self.settings, &by, &body, &case)?;
        let reply = matches!(body, EventBody::Replied { .. }).then(|| body.clone());
        let case = self.store.append(case_id, body, &by, now)?;
        // 001 11.1.12: a matter raised by several residents is worked once, but every one
        // of them is told: the reply on the earlier case reaches each linked reporter.
        if let Some(reply) = reply {
            for (reporter, told) in replies_to_reporters(&case, &self.reporters(&case)?, &reply, now) {
                self.store.append(reporter, told, &by, now)?;
            }
        }
        Ok(case)
    }

    /// The other residents who reported the same matter, linked to `case` (001 11.1.12).
    pub fn reporters(&self, case: &Case) -> Result<Vec<Case>> {
        self.store.linked_to(case.id)
    }

    /// Whether the desk should consider making `case` 重大 (003 §3.1.1): the same resident
    /// complained again within the window. Staff decide with `act classify --severity`.
    pub fn major_suggestion(
        &self,
        case: &Case,
        now: DateTime<Utc>,
    ) -> Result<Option<report::MajorSuggestion>> {
        let Some(contact) = &case.intake.contact else { return Ok(None) };
        if case.kind() != crate::domain::intake::Kind::Complaint || case.severity_classified {
            return Ok(None);
        }
        let same_phone: Vec<Case> = self
            .store
            .search(contact.phone.as_str())?
            .into_iter()
            .filter(|c| c.intake.contact.as_ref().is_some_and(|o| o.phone == contact.phone))
            .collect();
        Ok(report::major_suggestions(&same_phone, now).into_iter().find(|s| s.ticket == case.ticket()))
    }

    pub fn show(&self, ticket: &str) -> Result<CaseRecord> {
        self.store.case_by_ticket(&normalize_ticket(ticket)?)
    }

    pub fn deadlines(&self, case: &Case, now: DateTime<Utc>) -> Vec<Deadline> {
        deadlines(case, &self.settings.calendar, now)
    }

    pub fn cases(&self, filter: &CaseFilter, now: DateTime<Utc>) -> Result<Vec<CaseSummary>> {
        let cases = match filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => self.store.search(text)?,
            // Open or overdue cases through the read model's indexes, not every case.
            None if filter.open_only || filter.overdue_only => {
                let query = crate::store::CaseQuery {
                    statuses: crate::domain::case::Status::open(),
                    overdue_at: filter.overdue_only.then_some(now),
                    ..Default::default()
                };
                let mut cases = Vec::new();
                let mut after = None;
                loop {
                    let page = self.store.list_cases(&query, after.as_ref(), 5000)?;
                    let Some((_, mark)) = page.last() else { break };
                    after = Some(mark.clone());
                    cases.extend(page.into_iter().map(|(case, _)| case));
                }
                cases
            }
            None => self.store.cases()?,
        };
        let cal = &self.settings.calendar;
        Ok(cases
            .iter()
            .map(|c| summary(c, cal, now))
            .filter(|s| !filter.open_only || s.status != "closed")
            .filter(|s| !filter.overdue_only || s.overdue)
            .collect())
    }

    pub fn daily_report(&self, date: Option<NaiveDate>, now: DateTime<Utc>) -> Result<DailyReport> {
        let cal = &self.settings.calendar;
        let date = date.unwrap_or_else(|| cal.local_date(now));
        let cases = self.store.daily_report_cases(cal.start_of_day(date), cal.end_of_day(date), None)?;
        Ok(report::daily(&cases, cal, date, now))
    }

    pub fn monthly_report(&self, year: i32, month: u32, now: DateTime<Utc>) -> Result<MonthlyReport> {
        let cal = &self.settings.calendar;
        let (from, to) = report::month_bounds(cal, year, month)
            .ok_or_else(|| ValidationError::Invalid(format!("{year}-{month:02} is not a month")))?;
        let cases = self.store.monthly_report_cases(from, to, None)?;
        report::monthly(&cases, cal, year, month, now)
            .ok_or_else(|| ValidationError::Invalid(format!("{year}-{month:02} is not a month")).into())
    }
}

/// The event `action` on `this` becomes, checked as far as it can be without the store:
/// texts, ratings, signatures, staff names. `primary` finds the case a link points to by
/// its ticket.
pub fn event_body(
    settings: &Settings,
    this: &Case,
    action: Action,
    primary: impl FnOnce(&str) -> Result<Case>,
) -> Result<EventBody> {
    let text = |t: &str, what| required_text(t, what, MAX_TEXT_CHARS);
    let note = |t: Option<String>, what| optional_line(t.as_deref(), what, MAX_TEXT_CHARS);
    let rating = |v: Option<u8>| v.map(Rating::new).transpose().map_err(ValidationError::Invalid);
    let checked = |s: Option<Signature>| {
        s.map(|sig| sig.check().map(|()| sig)).transpose().map_err(ValidationError::Invalid)
    };
    Ok(match action {
        Action::Acknowledge { note: n } => EventBody::Acknowledged { note: note(n, "the note")? },
        Action::Reply { method, text: t } => EventBody::Replied { method, text: text(&t, "the reply")? },
        Action::Classify { complaint_class, severity, department } => {
            if complaint_class.is_none() && severity.is_none() && department.is_none() {
                return Err(ValidationError::Invalid(
                    "give at least one of --class, --severity, --department".into(),
                )
                .into());
            }
            EventBody::Classified { complaint_class, severity, department }
        }
        Action::Assign { department, assignee } => EventBody::Assigned {
            department,
            assignee: optional_line(assignee.as_deref(), "the assignee", MAX_SHORT_CHARS)?,
        },
        Action::OnSite { note: n } => EventBody::OnSite { note: note(n, "the note")? },
        Action::Plan { plan } => EventBody::PlanSet { plan: text(&plan, "the plan")? },
        Action::Note { text: t } => EventBody::ProgressNote { text: text(&t, "the note")? },
        Action::Promise { due, reason } => {
            EventBody::PromiseSet { due, reason: text(&reason, "the reason")? }
        }
        Action::Resolve { note: n } => EventBody::Resolved { note: text(&n, "what was done")? },
        Action::Callback(c) => EventBody::CallbackRecorded {
            record: CallbackRecord {
                method: c.method,
                quality: rating(c.quality)?,
                effect: rating(c.effect)?,
                satisfaction: rating(c.satisfaction)?,
                satisfied: c.satisfied,
                shortcomings: note(c.shortcomings, "the shortcomings")?,
                suggestions: note(c.suggestions, "the suggestions")?,
                next_callback_at: c.next_callback_at,
                signature: checked(c.signature)?,
            },
        },
        Action::Reopen { reason } => EventBody::Reopened { reason: text(&reason, "the reason")? },
        Action::Escalate { to, reason } => EventBody::Escalated { to, reason: text(&reason, "the reason")? },
        Action::Close { note: n } => EventBody::Closed { note: note(n, "the note")? },
        Action::Link { primary_ticket } => {
            let primary_ticket = normalize_ticket(&primary_ticket)?;
            let primary = primary(&primary_ticket)?;
            // Links point from a later case to an earlier one, so they can never loop.
            if primary.id != this.id && (primary.filed_at, primary.id) > (this.filed_at, this.id) {
                return Err(ValidationError::Invalid(format!(
                    "{} was filed after {}: link the later case to the earlier one",
                    primary.ticket(),
                    this.ticket()
                ))
                .into());
            }
            EventBody::LinkedDuplicate { primary: primary.id, primary_ticket }
        }
        Action::Decide { adopted, reason } => {
            EventBody::SuggestionDecided { adopted, reason: clean_text(&reason, true) }
        }
        Action::Review { round, opinion } => {
            EventBody::CallbackReviewed { round, opinion: text(&opinion, "the review opinion")? }
        }
        Action::Pause { reason, note: n } => {
            EventBody::Paused { reason, note: text(&n, "what the case is waiting for")? }
        }
        Action::Resume { note: n } => EventBody::Resumed { note: note(n, "the note")? },
        Action::ReferDeveloper { record } => {
            EventBody::DeveloperReferred { record: text(&record, "the joint record")? }
        }
        Action::DeveloperReply { text: t } => {
            EventBody::DeveloperReplied { text: text(&t, "the developer's reply")? }
        }
        Action::Quote { amount_fen, consented, signature } => {
            let signature = checked(signature)?;
            if amount_fen > crate::domain::event::MAX_FEE_FEN {
                return Err(ValidationError::Invalid("the fee is larger than any repair".into()).into());
            }
            EventBody::FeeQuoted { amount_fen, consented, signature }
        }
        Action::HandOver { to, note: n } => {
            let to = clean_text(&to, false);
            staff(settings, &to)?;
            EventBody::OwnerHandedOver { to, note: text(&n, "a note for the new owner")? }
        }
    })
}

/// Whether `by` may write `body` on `case`: a resident only their own rating at the
/// kiosk; staff as their role allows (the roles come from `settings`' staff list).
pub fn authorize(settings: &Settings, by: &str, body: &EventBody, case: &Case) -> Result<()> {
    if by == RESIDENT {
        return match body {
            EventBody::CallbackRecorded { record } if record.method == ContactMethod::Kiosk => Ok(()),
            _ => Err(ValidationError::Invalid(
                "a resident only rates their own case at the kiosk; staff act with --by STAFF".into(),
            )
            .into()),
        };
    }
    crate::domain::roles::may(staff(settings, by)?.actor(), body, case)?;
    Ok(())
}

/// The staff member `by` names, checked against the config: a made-up id records
/// nothing (issue: "`--by` must name a known staff member").
pub fn staff<'a>(settings: &'a Settings, by: &str) -> Result<&'a crate::kiosk::staff::StaffAccount> {
    settings
        .staff
        .iter()
        .find(|s| s.id == by)
        .ok_or_else(|| crate::store::StoreError::UnknownStaff(by.to_string()))
}

/// 001 11.1.12: a matter raised by several residents is worked once, but every one of
/// them is told. The reply on `case` as each of its linked `reporters` still open and not
/// anonymous hears it, with the case to write it on.
pub fn replies_to_reporters(
    case: &Case,
    reporters: &[Case],
    reply: &EventBody,
    now: DateTime<Utc>,
) -> Vec<(Uuid, EventBody)> {
    let EventBody::Replied { method, text } = reply else { return Vec::new() };
    reporters
        .iter()
        .filter(|r| !r.intake.is_anonymous() && r.status.is_open())
        .map(|r| {
            let told = EventBody::Replied {
                method: *method,
                text: format!("（同一事项 {}）{text}", case.ticket()),
            };
            (r, told)
        })
        .filter(|(r, told)| r.check(told, now).is_ok())
        .map(|(r, told)| (r.id, told))
        .collect()
}

/// A case as lists show it, at `now`.
pub fn summary(c: &Case, cal: &crate::domain::calendar::WorkCalendar, now: DateTime<Utc>) -> CaseSummary {
    CaseSummary {
        ticket: c.ticket().to_string(),
        id: c.id,
        kind: c.kind().code().to_string(),
        category: c.intake.category.clone(),
        status: c.status.code().to_string(),
        place: c.intake.place.to_string(),
        filed_at: c.filed_at,
        emergency: c.intake.emergency,
        overdue: is_overdue(c, cal, now),
        owner: c.owner.clone(),
        paused: c.current_pause().map(|p| p.reason.zh().to_string()),
    }
}

/// Tickets as typed (lower case, spaces, full-width) to the printed form.
/// A case's phone-page secret (`domain::resident`): 16 bytes from the system's secure
/// generator, as hex.
pub fn new_resident_key() -> String {
    crate::sync::new_token()[..crate::domain::resident::KEY_CHARS].to_string()
}

pub fn normalize_ticket(raw: &str) -> Result<String> {
    Ok(TicketNumber::parse(raw)?.to_string())
}

/// What an event says, in a line, for staff reading a case's history (the CLI's `show`
/// and HQ's web desk).
pub fn event_text(body: &crate::domain::event::EventBody) -> String {
    match body {
        EventBody::Filed { .. } => String::new(),
        EventBody::PhotoAdded { photo } => format!("照片 {photo}"),
        EventBody::Acknowledged { note }
        | EventBody::OnSite { note }
        | EventBody::Closed { note }
        | EventBody::Resumed { note } => note.clone().unwrap_or_default(),
        EventBody::Replied { method, text } => format!("[{}] {text}", method.reply_zh()),
        EventBody::CallbackReviewed { round, opinion } => format!("回访 {round} 审核意见: {opinion}"),
        EventBody::Paused { reason, note } => format!("[{}] {note}", reason.zh()),
        EventBody::DeveloperReferred { record } => format!("需开发商协商处理问题记录表: {record}"),
        EventBody::DeveloperReplied { text } => format!("开发商答复: {text}"),
        EventBody::OwnerHandedOver { to, note } => format!("首问责任人移交给 {to} — {note}"),
        EventBody::FeeQuoted { amount_fen, consented, signature } => format!(
            "报价 {}: {}{}",
            crate::domain::event::yuan(*amount_fen),
            if *consented { "住户同意" } else { "住户不同意" },
            if signature.is_some() { "，已签名" } else { "" }
        ),
        EventBody::Classified { complaint_class, severity, department } => [
            complaint_class.map(|c| format!("class {}", c.code())),
            severity.map(|s| s.zh().to_string()),
            department.map(|d| d.zh().to_string()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", "),
        EventBody::Assigned { department, assignee } => {
            format!(
                "{}{}",
                department.zh(),
                assignee.as_deref().map(|a| format!(" / {a}")).unwrap_or_default()
            )
        }
        EventBody::PlanSet { plan } => plan.clone(),
        EventBody::ProgressNote { text } => text.clone(),
        EventBody::PromiseSet { due, reason } => {
            format!("by {} — {reason}", due.format("%Y-%m-%d %H:%M UTC"))
        }
        EventBody::Resolved { note } => note.clone(),
        EventBody::CallbackRecorded { record } => format!(
            "[{}{}] {}{}",
            record.method.zh(),
            if record.signature.is_some() { ", 住户已签名" } else { "" },
            if record.satisfied { "满意 satisfied" } else { "不满意 NOT satisfied" },
            record.shortcomings.as_deref().map(|s| format!(" — {s}")).unwrap_or_default()
        ),
        EventBody::Reopened { reason } => reason.clone(),
        EventBody::Escalated { to, reason } => format!("→ {} — {reason}", to.zh()),
        EventBody::LinkedDuplicate { primary_ticket, .. } => {
            format!("same matter as {primary_ticket}")
        }
        EventBody::SuggestionDecided { adopted, reason } => {
            format!("{} {reason}", if *adopted { "采纳 adopted" } else { "不采纳 declined" })
        }
    }
}
