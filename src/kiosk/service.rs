//! The kiosk's work that touches disk and printer: filing, printing, lookups, ratings,
//! reprints. It runs on its own thread in the real kiosk (the screen never waits on the
//! disk or the printer) and inline in tests; results go back to the UI thread.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::mpsc;
use std::time::Duration;

use super::guard::{LookupGuard, LookupRefusal};
use super::progress::{self, Step};
use super::staff::{self, PinLock, SignInRefusal, StaffSession};
use super::words;
use crate::app::Desk;
use crate::app::printing::Printer;
use crate::domain::event::ContactMethod;
use crate::domain::filing::NewCase;
use crate::domain::intake::{Lang, Place};
use crate::printer::layouts::{self, PaperContext};
use crate::printer::status::PrinterStatus;
use crate::store::{DocumentKind, JobState, StoreError};

/// An emergency case or a "call staff" press: the front desk must notice at once
/// (the staff screen, the buzzer and the status LED listen for these). Kept in the store
/// until a staff member acknowledges it, so a restart does not silence it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub id: u64,
    /// The emergency case's ticket; empty for a press of the call button.
    pub ticket: String,
    /// The emergency case's category code; `None` for the call button.
    pub category: Option<String>,
    pub at: DateTime<Utc>,
    /// Where the emergency is, kept with the alert so the staff screen (redrawn every
    /// second) never reads the store for it.
    #[serde(default)]
    pub place: Option<Place>,
    /// An emergency the front desk has acknowledged: the buzzer is quiet for it, and it
    /// stays on the staff screen, with the 30-minute on-site clock, until someone is
    /// recorded on site.
    #[serde(default)]
    pub acknowledged_at: Option<DateTime<Utc>>,
}

impl Alert {
    /// Still waiting for anyone to notice it (the buzzer sounds for these).
    pub fn unanswered(&self) -> bool {
        self.acknowledged_at.is_none()
    }
}

const PENDING_ALERTS: &str = "pending_alerts";
const LOOKUP_GUARD: &str = "lookup_guard";
const STAFF_PIN_LOCK: &str = "staff_pin_lock";

/// One line of the staff screen's alert list, in the screen's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertRow {
    pub id: u64,
    pub when: String,
    pub what: String,
    pub ticket: String,
    pub emergency: bool,
    /// Acknowledged, waiting for someone on site: what the on-site clock says.
    pub on_site_clock: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filed {
    pub ticket: String,
    /// What the ticket's QR code holds (the phone link when HQ is configured).
    pub qr: String,
    pub promise: String,
    pub emergency: bool,
    /// An emergency's alert reached someone: a buzzer sounds, or staff accounts exist to
    /// see it on the staff screen. Without either the screen must not say "the front
    /// desk has been told".
    pub alerted: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintOutcome {
    Printed,
    /// Sent to a printer that cannot confirm.
    Sent,
    /// The printer reported a problem; the job waits (or needs a person).
    Problem(PrinterStatus),
}

/// Why a resident's lookup showed nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupOutcome {
    /// No such ticket, or not its phone's last four digits (the same answer for both).
    Wrong,
    /// The guard holds lookups back for now.
    Refused(LookupRefusal),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub ticket: String,
    pub status: String,
    /// The promise printed on the ticket, for reading aloud.
    pub promise: String,
    pub summary: String,
    pub steps: Vec<Step>,
    pub can_rate: bool,
}

pub struct Service {
    pub desk: Desk,
    pub printer: Printer,
    pub alerts: Vec<Alert>,
    /// Woken after each filed case so it reaches HQ at once.
    pub sync: Option<crate::sync::client::SyncHandle>,
    /// The status LED and the front-desk buzzer.
    pub panel: Option<std::sync::Arc<crate::hw::Panel>>,
    /// Reads the ticket aloud (espeak-ng), when the kiosk has it.
    pub speaker: Option<crate::hw::speech::Speaker>,
    /// Read every page of the database once the window is up: the machine went down under
    /// the last run (`store::running`).
    pub check_store_first: bool,
}

impl Service {
    /// Alerts nobody acknowledged before the last shutdown are pending again.
    pub fn new(desk: Desk, printer: Printer) -> Service {
        let alerts = desk.store().get_meta_json(PENDING_ALERTS).unwrap_or_default();
        Service { desk, printer, alerts, sync: None, panel: None, speaker: None, check_store_first: false }
    }

    /// The buzzer and LED start with whatever alerts are still pending.
    pub fn attach_panel(&mut self, panel: std::sync::Arc<crate::hw::Panel>) {
        self.panel = Some(panel);
        self.alerts_changed();
    }

    /// Keeps the alerts across a restart, and the buzzer and LED in step with them.
    fn alerts_changed(&mut self) {
        if let Err(e) = self.desk.store_mut().set_meta_json(PENDING_ALERTS, &self.alerts) {
            tracing::error!(error = %e, "cannot keep the pending alerts");
        }
        if let Some(panel) = &self.panel {
            panel.set_pending(self.alerts.iter().filter(|a| a.unanswered()).count() as u32);
        }
        self.update_indicator();
    }

    /// Says the ticket number and the promise (and how the case stands, after a lookup)
    /// in the resident's language.
    pub fn read_aloud(&self, ticket: &str, promise: &str, status: Option<&str>, lang: Lang) {
        let Some(speaker) = &self.speaker else { return };
        let promise = match status {
            Some(status) => format!("{promise} {status}"),
            None => promise.to_string(),
        };
        let words = crate::hw::speech::ticket_words(ticket, &promise, lang);
        if let Err(e) = speaker.say(&words, lang) {
            tracing::warn!(error = %e, "cannot read aloud");
        }
    }

    pub fn file(&mut self, new: &NewCase, now: DateTime<Utc>) -> Result<Filed, String> {
        let case = self.desk.file(new, now).map_err(|e| {
            match &e {
                // The message quotes what was typed (a phone number, a name): the
                // resident sees it, the journal only learns that input was refused.
                StoreError::Validation(_) => tracing::info!("filing refused: input not valid"),
                _ => tracing::error!(error = %e, "filing failed"),
            }
            e.to_string()
        })?;
        // Ticket and category only: names and phones never go to the log.
        tracing::info!(ticket = case.ticket(), kind = %case.kind(), category = %case.intake.category, emergency = case.intake.emergency, "case filed");
        if let Some(sync) = &self.sync {
            sync.wake();
        }
        let ctx = PaperContext {
            estate: &self.desk.settings.estate,
            staff_lang: self.desk.settings.printer.staff_lang,
            front_desk_phone: None,
            catalogue: &self.desk.settings.catalogue,
            calendar: &self.desk.settings.calendar,
            staff: &self.desk.settings.staff,
            resident_url: self.desk.settings.hq.as_ref().map(|hq| hq.resident_url.as_str()),
        };
        let promise = layouts::promise(&case, &ctx, case.intake.lang).to_string();
        let qr = layouts::qr_payload(&case, ctx.resident_url);
        if case.intake.emergency {
            self.raise(case.ticket(), Some(&case.intake.category), Some(case.intake.place.clone()), now);
        }
        Ok(Filed {
            ticket: case.ticket().to_string(),
            qr,
            promise,
            emergency: case.intake.emergency,
            alerted: case.intake.emergency && self.alerts_reach_someone(),
        })
    }

    /// Whether a raised alert is heard or seen by anyone: a buzzer at the front desk, or
    /// staff accounts that can open the staff screen.
    pub fn alerts_reach_someone(&self) -> bool {
        self.panel.as_ref().is_some_and(|p| p.has_buzzer()) || !self.desk.settings.staff.is_empty()
    }

    /// The front desk must come: the buzzer sounds and the LED flashes until a staff
    /// member acknowledges on the staff screen.
    pub fn raise_alert(&mut self, ticket: &str, category: Option<&str>, now: DateTime<Utc>) {
        self.raise(ticket, category, None, now);
    }

    /// An alert, with the emergency's place when it has one.
    pub(crate) fn raise(
        &mut self,
        ticket: &str,
        category: Option<&str>,
        place: Option<Place>,
        now: DateTime<Utc>,
    ) {
        tracing::warn!(ticket, category, "front desk alerted");
        let id = self.alerts.iter().map(|a| a.id).max().unwrap_or(0) + 1;
        self.alerts.push(Alert {
            id,
            ticket: ticket.to_string(),
            category: category.map(str::to_string),
            at: now,
            place,
            acknowledged_at: None,
        });
        self.alerts_changed();
    }

    /// A staff member has seen these alerts (the ones they saw: an alert raised
    /// meanwhile stays); the buzzer stops once none is left unanswered. A call-button
    /// alert is done with. An emergency records on its case who acknowledged it and
    /// when, and stays listed until someone is on site (`on_site`).
    pub fn acknowledge(&mut self, ids: &[u64], by: &StaffSession, now: DateTime<Utc>) {
        let mut done = 0;
        for alert in self.alerts.iter_mut().filter(|a| ids.contains(&a.id) && a.unanswered()) {
            done += 1;
            alert.acknowledged_at = Some(now);
            if alert.ticket.is_empty() {
                continue;
            }
            let action = crate::app::Action::Acknowledge { note: Some(words::ACK_NOTE.0.to_string()) };
            if let Err(e) = self.desk.act(&alert.ticket, action, &by.id, now) {
                tracing::warn!(ticket = alert.ticket, error = %e, "acknowledgement not recorded on the case");
            }
        }
        // A call from the lobby needs nothing more once someone has answered it.
        self.alerts.retain(|a| a.unanswered() || !a.ticket.is_empty());
        tracing::info!(staff = by.id, acknowledged = done, left = self.alerts.len(), "alerts acknowledged");
        self.alerts_changed();
    }

    /// Someone is at the emergency: recorded on its case (the 30-minute on-site clock
    /// stops there), and the alert is done with.
    pub fn on_site(&mut self, id: u64, by: &StaffSession, now: DateTime<Utc>) {
        let Some(alert) = self.alerts.iter().find(|a| a.id == id).cloned() else { return };
        if !alert.ticket.is_empty() {
            let action = crate::app::Action::OnSite { note: Some(words::ON_SITE_NOTE.0.to_string()) };
            if let Err(e) = self.desk.act(&alert.ticket, action, &by.id, now) {
                tracing::warn!(ticket = alert.ticket, error = %e, "on site not recorded on the case");
                return;
            }
        }
        self.alerts.retain(|a| a.id != id);
        tracing::info!(staff = by.id, ticket = alert.ticket, "on site for the emergency");
        self.alerts_changed();
    }

    /// The pending alerts as the staff screen lists them, oldest first.
    pub fn alert_rows(&self, lang: Lang, now: DateTime<Utc>) -> Vec<AlertRow> {
        let settings = &self.desk.settings;
        self.alerts
            .iter()
            .map(|a| {
                let what = match &a.category {
                    None => words::ALERT_CALL.get(lang).to_string(),
                    Some(code) => {
                        let name = settings.catalogue.get(code).map(|c| c.name(lang)).unwrap_or(code);
                        let what = words::ALERT_EMERGENCY.get(lang).replace("{}", name);
                        match &a.place {
                            Some(place) => format!("{what} · {}", place.label(lang)),
                            None => what,
                        }
                    }
                };
                // SPEC: an emergency repair has staff on site within 30 minutes of filing.
                let on_site_clock = a.acknowledged_at.map(|_| {
                    let left = (a.at + chrono::Duration::minutes(30) - now).num_minutes();
                    if left >= 0 {
                        words::ON_SITE_LEFT.get(lang).replace("{}", &left.to_string())
                    } else {
                        words::ON_SITE_LATE.get(lang).replace("{}", &(-left).to_string())
                    }
                });
                AlertRow {
                    id: a.id,
                    when: a.at.with_timezone(&settings.calendar.tz).format("%m-%d %H:%M").to_string(),
                    what,
                    ticket: a.ticket.clone(),
                    emergency: a.category.is_some(),
                    on_site_clock,
                }
            })
            .collect()
    }

    /// Checks a PIN typed on the staff screen. Wrong PINs are counted in the store, so
    /// restarting the kiosk does not lift a lockout.
    pub fn staff_sign_in(&mut self, pin: &str, now: DateTime<Utc>) -> Result<StaffSession, SignInRefusal> {
        let mut lock: PinLock = self.desk.store().get_meta_json(STAFF_PIN_LOCK).unwrap_or_default();
        let before = lock.clone();
        let result = staff::sign_in(&self.desk.settings.staff, &mut lock, pin, now);
        if lock != before {
            if let Err(e) = self.desk.store_mut().set_meta_json(STAFF_PIN_LOCK, &lock) {
                tracing::error!(error = %e, "cannot keep the staff PIN lockout");
            }
        }
        match &result {
            Ok(session) => tracing::info!(staff = session.id, "staff signed in"),
            Err(SignInRefusal::Wrong { tries_left }) => tracing::warn!(tries_left, "wrong staff PIN"),
            Err(SignInRefusal::Locked { seconds }) => tracing::warn!(seconds, "staff keypad waits"),
            Err(SignInRefusal::NoAccounts) => {
                tracing::info!(
                    "staff screen asked for, but no [[staff]] is configured (add one with `lobbydesk staff-pin`)"
                )
            }
        }
        result
    }

    /// The LED follows the printer and HQ (an alert, once raised, wins until acknowledged).
    pub fn update_indicator(&self) {
        if let Some(panel) = &self.panel {
            let hq_ok =
                self.desk.store().get_meta("sync_last_error").ok().flatten().is_none_or(|e| e.is_empty());
            let printer_ok =
                self.printer.last_status.can_print() || self.printer.last_status == PrinterStatus::Unknown;
            let unanswered = self.alerts.iter().any(|a| a.unanswered());
            panel.show(crate::hw::indicator(hq_ok, printer_ok, unanswered));
        }
    }

    /// Prints what is due and says how this case's latest ticket fared.
    pub fn print_ticket(&mut self, ticket: &str, now: DateTime<Utc>) -> PrintOutcome {
        let _ = self.desk.print_due(&mut self.printer, now);
        self.update_indicator();
        let job = self
            .desk
            .show(ticket)
            .ok()
            .and_then(|r| self.desk.store().print_jobs_of(r.case.id).ok())
            .and_then(|jobs| jobs.into_iter().rev().find(|j| j.document == DocumentKind::Ticket));
        match job.as_ref().map(|j| j.state) {
            Some(JobState::Printed) => PrintOutcome::Printed,
            Some(JobState::Sent) => PrintOutcome::Sent,
            _ => {
                // Its resident will not wait for the paper: printed later, the ticket
                // (number, place, phone) would go to whoever stands here then.
                if let Some(job) = job.filter(|j| j.state == JobState::Queued)
                    && let Err(e) = self.desk.store_mut().hold_print_job(
                        job.id,
                        "held for the front desk: the printer was not ready while the resident was here",
                    )
                {
                    tracing::error!(error = %e, "cannot hold the ticket that did not print");
                }
                PrintOutcome::Problem(self.printer.last_status)
            }
        }
    }

    pub fn reprint(&mut self, ticket: &str, now: DateTime<Utc>) -> Result<PrintOutcome, String> {
        self.desk.resident_reprint(ticket, now).map_err(|e| e.to_string())?;
        Ok(self.print_ticket(ticket, now))
    }

    /// A resident's lookup at the screen, through the guard (kept in the store): the
    /// progress, or why not. Every wrong try counts against the ticket and overall.
    pub fn lookup_guarded(
        &mut self,
        ticket: &str,
        secret: &str,
        lang: Lang,
        now: DateTime<Utc>,
    ) -> Result<Progress, LookupOutcome> {
        let key = crate::app::normalize_ticket(ticket).unwrap_or_else(|_| ticket.trim().to_uppercase());
        let mut guard: LookupGuard = self.desk.store().get_meta_json(LOOKUP_GUARD).unwrap_or_default();
        if let Err(refusal) = guard.allow(&key, now) {
            let _ = self.desk.store_mut().set_meta_json(LOOKUP_GUARD, &guard);
            return Err(LookupOutcome::Refused(refusal));
        }
        let found = self.lookup(ticket, secret, lang);
        match &found {
            Some(_) => guard.succeeded(&key),
            None => guard.failed(&key, now),
        }
        if let Err(e) = self.desk.store_mut().set_meta_json(LOOKUP_GUARD, &guard) {
            tracing::error!(error = %e, "cannot keep the lookup guard");
        }
        match found {
            Some(progress) => Ok(progress),
            None => Err(guard.allow(&key, now).err().map_or(LookupOutcome::Wrong, LookupOutcome::Refused)),
        }
    }

    /// The case's progress if `secret` is the last four digits of its phone (anonymous
    /// cases have no secret and show progress by number alone: they hold nothing personal).
    pub fn lookup(&self, ticket: &str, secret: &str, lang: Lang) -> Option<Progress> {
        let record = self.desk.show(ticket).ok()?;
        let case = &record.case;
        let matches = match &case.intake.contact {
            Some(contact) => secret.len() == 4 && contact.phone.last_four() == secret,
            None => secret.is_empty(),
        };
        if !matches {
            return None;
        }
        let events: Vec<_> = record.events.iter().map(|e| e.event.clone()).collect();
        let category = self.desk.settings.catalogue.get(&case.intake.category);
        let category = category.map(|c| c.name(lang).to_string()).unwrap_or_default();
        let paper = PaperContext {
            estate: &self.desk.settings.estate,
            staff_lang: lang,
            front_desk_phone: None,
            catalogue: &self.desk.settings.catalogue,
            calendar: &self.desk.settings.calendar,
            staff: &[],
            resident_url: None,
        };
        Some(Progress {
            ticket: case.ticket().to_string(),
            status: progress::status_name(case.status, lang).to_string(),
            promise: layouts::promise(case, &paper, lang).to_string(),
            // Kind and category only: where someone lives is nobody else's business.
            summary: format!("{} · {}", case.kind().name(lang), category),
            steps: progress::timeline(&events, lang, self.desk.settings.calendar.tz),
            can_rate: progress::can_rate(case),
        })
    }

    /// The resident's own rating, recorded as a callback made at the kiosk; "not
    /// satisfied" reopens the case (SPEC §5).
    pub fn rate(
        &mut self,
        ticket: &str,
        secret: &str,
        satisfied: bool,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        if self.lookup(ticket, secret, Lang::ZhCn).is_none() {
            return Err("not found".into());
        }
        let action = crate::app::Action::Callback(crate::app::CallbackInput {
            method: ContactMethod::Kiosk,
            satisfied,
            quality: None,
            effect: None,
            satisfaction: Some(if satisfied { 5 } else { 2 }),
            shortcomings: reason,
            suggestions: None,
            next_callback_at: None,
            signature: None,
        });
        self.desk.act(ticket, action, crate::app::RESIDENT, now).map(|_| ()).map_err(|e| e.to_string())
    }
}

pub type Job = Box<dyn FnOnce(&mut Service) + Send>;

/// Where the service's work runs.
pub trait Backend {
    fn run(&self, job: Job);
}

/// Runs each job at once, on the caller's thread (tests, screenshots).
pub struct Inline(pub std::cell::RefCell<Service>);

impl Backend for Inline {
    fn run(&self, job: Job) {
        job(&mut self.0.borrow_mut());
    }
}

/// Runs jobs on a worker thread, in order; between jobs it keeps printing whatever is
/// queued (a ticket that waited for paper comes out once the printer is refilled).
pub struct Threaded {
    tx: mpsc::Sender<Job>,
}

impl Threaded {
    pub fn start(mut service: Service) -> Threaded {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("kiosk-service".into())
            .spawn(move || {
                // The window is up; after a power cut every page of the database is
                // checked now. A damaged file stops the kiosk as it would have before
                // start-up, saying what to do, with the status systemd does not restart
                // on; should it be started again, it checks again.
                if service.check_store_first {
                    let started = std::time::Instant::now();
                    if let Err(e) = service.desk.store().quick_check() {
                        tracing::error!(error = %e, "the database is damaged; stopping");
                        eprintln!("lobbydesk: {e}");
                        if let Some(dir) = service.desk.store().path().parent() {
                            let _ = crate::store::running::check_again_at_next_start(dir);
                        }
                        std::process::exit(i32::from(crate::app::systemd::EXIT_NEEDS_A_PERSON));
                    }
                    tracing::info!(took = ?started.elapsed(), "the machine went down under the last run; every page of the database reads");
                }
                loop {
                    match rx.recv_timeout(Duration::from_secs(2)) {
                        Ok(job) => job(&mut service),
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            // Nobody is filing: the write-ahead log goes into the database
                            // and the next numbers are reserved now, not in the middle of a
                            // resident's filing.
                            if let Err(e) = service.desk.store_mut().between_filings() {
                                tracing::warn!(error = %e, "upkeep between filings failed");
                            }
                            let _ = service.desk.print_due(&mut service.printer, Utc::now());
                            service.update_indicator();
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            .expect("the service thread starts");
        Threaded { tx }
    }
}

impl Backend for Threaded {
    fn run(&self, job: Job) {
        // The worker lives as long as the app; a send can only fail while shutting down.
        let _ = self.tx.send(job);
    }
}
