//! The kiosk's work that touches disk and printer: filing, printing, lookups, ratings,
//! reprints. It runs on its own thread in the real kiosk (the screen never waits on the
//! disk or the printer) and inline in tests; results go back to the UI thread.

use chrono::{DateTime, Utc};
use std::sync::mpsc;
use std::time::Duration;

use super::progress::{self, Step};
use crate::app::Desk;
use crate::app::printing::Printer;
use crate::domain::event::ContactMethod;
use crate::domain::filing::NewCase;
use crate::domain::intake::Lang;
use crate::printer::layouts::{self, PaperContext};
use crate::printer::status::PrinterStatus;
use crate::store::{DocumentKind, JobState, StoreError};

/// An emergency case or a "call staff" press: the front desk must notice at once
/// (the staff screen, the buzzer and the status LED listen for these).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    pub ticket: String,
    pub what: String,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filed {
    pub ticket: String,
    pub promise: String,
    pub emergency: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintOutcome {
    Printed,
    /// Sent to a printer that cannot confirm.
    Sent,
    /// The printer reported a problem; the job waits (or needs a person).
    Problem(PrinterStatus),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub ticket: String,
    pub status: String,
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
}

impl Service {
    pub fn new(desk: Desk, printer: Printer) -> Service {
        Service { desk, printer, alerts: Vec::new(), sync: None, panel: None }
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
        };
        let promise = layouts::promise(&case, &ctx, case.intake.lang).to_string();
        if case.intake.emergency {
            let what = self
                .desk
                .settings
                .catalogue
                .get(&case.intake.category)
                .map(|c| c.zh.clone())
                .unwrap_or_default();
            self.alerts.push(Alert { ticket: case.ticket().to_string(), what, at: now });
        }
        Ok(Filed { ticket: case.ticket().to_string(), promise, emergency: case.intake.emergency })
    }

    /// The front desk must come: the buzzer sounds and the LED flashes until acknowledged.
    pub fn raise_alert(&mut self, ticket: &str, what: &str, now: DateTime<Utc>) {
        tracing::warn!(ticket, what, "front desk alerted");
        self.alerts.push(Alert { ticket: ticket.to_string(), what: what.to_string(), at: now });
        if let Some(panel) = &self.panel {
            panel.alert();
            panel.show(crate::hw::Indicator::EmergencyPending);
        }
    }

    /// The LED follows the printer and HQ (an alert, once raised, wins until acknowledged).
    pub fn update_indicator(&self) {
        if let Some(panel) = &self.panel {
            let hq_ok =
                self.desk.store().get_meta("sync_last_error").ok().flatten().is_none_or(|e| e.is_empty());
            let printer_ok =
                self.printer.last_status.can_print() || self.printer.last_status == PrinterStatus::Unknown;
            panel.show(crate::hw::indicator(hq_ok, printer_ok, panel.alerts_pending() > 0));
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
        match job.map(|j| j.state) {
            Some(JobState::Printed) => PrintOutcome::Printed,
            Some(JobState::Sent) => PrintOutcome::Sent,
            _ => PrintOutcome::Problem(self.printer.last_status),
        }
    }

    pub fn reprint(&mut self, ticket: &str, now: DateTime<Utc>) -> Result<PrintOutcome, String> {
        self.desk.resident_reprint(ticket, now).map_err(|e| e.to_string())?;
        Ok(self.print_ticket(ticket, now))
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
        Some(Progress {
            ticket: case.ticket().to_string(),
            status: progress::status_name(case.status, lang).to_string(),
            summary: format!("{} · {} · {}", case.kind().name(lang), category, case.intake.place.label(lang)),
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
        });
        self.desk.act(ticket, action, "resident", now).map(|_| ()).map_err(|e| e.to_string())
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
                loop {
                    match rx.recv_timeout(Duration::from_secs(2)) {
                        Ok(job) => job(&mut service),
                        Err(mpsc::RecvTimeoutError::Timeout) => {
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
