//! The print queue's worker: takes the oldest due job, checks the printer, sends the
//! bytes, and records what the printer said. It never blocks filing; a printer that is
//! out of paper or offline just makes jobs wait, with backoff, in order.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::path::Path;
use std::sync::Arc;

use super::Desk;
use crate::config::PrinterSettings;
use crate::domain::case::Case;
use crate::domain::event::{ContactMethod, EventBody};
use crate::domain::validate::ValidationError;
use crate::printer::document::Document;
use crate::printer::layouts::{self, PaperContext};
use crate::printer::profile::Profile;
use crate::printer::render::render;
use crate::printer::status::PrinterStatus;
use crate::printer::transport::{self, Target, Transport};
use crate::printer::virtual_printer::VirtualPrinter;
use crate::store::{DocumentKind, JobState, NewJob, PrintJob, Result, StoreError};

/// The configured printer: its profile and the link to it.
pub struct Printer {
    pub profile: Profile,
    transport: Box<dyn Transport>,
    /// Set when the transport is the virtual printer (tests and the demo reach it here).
    pub virtual_printer: Option<Arc<VirtualPrinter>>,
    /// What the printer said last; the screens and the status LED read this.
    pub last_status: PrinterStatus,
}

impl Printer {
    pub fn open(settings: &PrinterSettings, data_dir: &Path) -> std::result::Result<Printer, String> {
        let virtual_printer = match settings.target {
            Target::Virtual => {
                let dir = settings.virtual_dir.clone().unwrap_or_else(|| data_dir.join("printer"));
                let vp = VirtualPrinter::new(&dir, settings.profile.text, settings.profile.dots)
                    .map_err(|e| format!("cannot set up the virtual printer in {}: {e}", dir.display()))?;
                Some(Arc::new(vp))
            }
            _ => None,
        };
        let transport = transport::open(&settings.target, virtual_printer.clone())?;
        Ok(Printer {
            profile: settings.profile.clone(),
            transport,
            virtual_printer,
            last_status: PrinterStatus::Unknown,
        })
    }

    pub fn with_virtual(profile: Profile, vp: Arc<VirtualPrinter>) -> Printer {
        Printer {
            profile,
            transport: Box::new(transport::VirtualTransport(vp.clone())),
            virtual_printer: Some(vp),
            last_status: PrinterStatus::Unknown,
        }
    }

    /// Any other link (tests use links that cannot read status).
    pub fn with_transport(profile: Profile, transport: Box<dyn Transport>) -> Printer {
        Printer { profile, transport, virtual_printer: None, last_status: PrinterStatus::Unknown }
    }

    pub fn describe(&self) -> String {
        format!("{} ({})", self.transport.describe(), self.profile.name)
    }

    pub fn status(&mut self) -> PrinterStatus {
        self.last_status = transport::status(self.transport.as_mut());
        self.last_status
    }
}

/// What one step of the worker did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing due.
    Idle,
    Done {
        job: i64,
        state: JobState,
    },
    /// The printer is not ready; the job waits until `until`.
    Waiting {
        job: i64,
        status: PrinterStatus,
        until: DateTime<Utc>,
    },
}

/// 2 s, 4 s, 8 s … at most a minute: a refilled printer starts again soon.
pub fn backoff(attempts: i64) -> Duration {
    let exp = attempts.clamp(0, 5) as u32;
    Duration::seconds((2i64 << exp).min(60))
}

impl Desk {
    fn paper_context(&self) -> PaperContext<'_> {
        PaperContext {
            estate: &self.settings.estate,
            staff_lang: self.settings.printer.staff_lang,
            front_desk_phone: self.settings.front_desk_phone.as_ref().map(|p| p.as_str()),
            catalogue: &self.settings.catalogue,
            calendar: &self.settings.calendar,
            staff: &self.settings.staff,
            resident_url: self.settings.hq.as_ref().map(|hq| hq.resident_url.as_str()),
        }
    }

    fn case_of(&self, job: &PrintJob) -> Result<Case> {
        let id =
            job.case_id.ok_or_else(|| StoreError::BadRecord(format!("print job {} has no case", job.id)))?;
        Ok(self.store.case_by_id(id)?.case)
    }

    /// The document a job prints, built now from the case as it stands.
    pub fn document(
        &self,
        kind: DocumentKind,
        case: Option<&Case>,
        params: &serde_json::Value,
        reprint: bool,
        now: DateTime<Utc>,
    ) -> Result<Document> {
        let ctx = self.paper_context();
        let need_case = || case.ok_or_else(|| StoreError::BadRecord("this document needs a case".into()));
        Ok(match kind {
            DocumentKind::Ticket => layouts::ticket(need_case()?, &ctx, reprint),
            DocumentKind::WorkOrder => layouts::work_order(need_case()?, &ctx, now),
            DocumentKind::DailyReport => {
                let date =
                    params.get("date").and_then(|d| d.as_str()).and_then(|d| d.parse::<NaiveDate>().ok());
                layouts::daily_report(&self.daily_report(date, now)?, &ctx)
            }
            DocumentKind::MonthlySummary => {
                // "2026-11"; the current month (in the estate's time zone) when not given.
                let month = params.get("month").and_then(|m| m.as_str()).map(str::to_string);
                let local = now.with_timezone(&self.settings.calendar.tz);
                let (year, month) = match month.as_deref().and_then(|m| m.split_once('-')) {
                    Some((y, m)) => (
                        y.parse().map_err(|_| ValidationError::Invalid(format!("bad month {y}-{m}")))?,
                        m.parse().map_err(|_| ValidationError::Invalid(format!("bad month {y}-{m}")))?,
                    ),
                    None => (chrono::Datelike::year(&local), chrono::Datelike::month(&local)),
                };
                layouts::monthly_summary(&self.monthly_report(year, month, now)?, &ctx)
            }
            DocumentKind::Escalation => {
                layouts::escalation_letter(need_case()?, &ctx, now).ok_or_else(|| {
                    ValidationError::Invalid(
                        "this case has not been escalated: `act TICKET escalate` first".into(),
                    )
                })?
            }
            DocumentKind::Reply => {
                let case = need_case()?;
                let text = self
                    .store
                    .case_by_id(case.id)?
                    .events
                    .iter()
                    .rev()
                    .find_map(|e| match &e.event.body {
                        EventBody::Replied { method: ContactMethod::Written, text } => Some(text.clone()),
                        _ => None,
                    })
                    .ok_or_else(|| {
                        ValidationError::Invalid(
                            "this case has no written reply: `act TICKET reply --method written --text ...` first"
                                .into(),
                        )
                    })?;
                layouts::written_reply(case, &ctx, &text, now)
            }
            DocumentKind::DeveloperRecord => {
                layouts::developer_record(need_case()?, &ctx, now).ok_or_else(|| {
                    ValidationError::Invalid(
                        "this case was not referred to the developer: `act TICKET refer-developer` first"
                            .into(),
                    )
                })?
            }
            DocumentKind::Test => layouts::test_page(
                &self.settings.printer.profile.name,
                self.settings.printer.profile.columns(),
                &ctx,
            ),
        })
    }

    /// Queues a document. Tickets and work orders name a case by its ticket.
    pub fn queue_print(
        &mut self,
        kind: DocumentKind,
        ticket: Option<&str>,
        params: serde_json::Value,
        reprint: bool,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let case_id = match ticket {
            Some(t) => Some(self.store.case_id_by_ticket(&super::normalize_ticket(t)?)?),
            None => None,
        };
        let job = NewJob { document: kind, case_id, params, reprint, requested_by: by.to_string() };
        self.store.queue_print(&job, now)
    }

    /// A resident asks the kiosk for another copy of their ticket: allowed once, within
    /// the configured minutes after filing; after that the front desk reprints.
    pub fn resident_reprint(&mut self, ticket: &str, now: DateTime<Utc>) -> Result<i64> {
        let case = self.show(ticket)?.case;
        let window = Duration::minutes(i64::from(self.settings.printer.resident_reprint_minutes));
        if now - case.filed_at > window {
            return Err(ValidationError::Invalid(format!(
                "a copy of {} can be printed here only within {} minutes of filing; please ask the front desk",
                case.ticket(),
                window.num_minutes()
            ))
            .into());
        }
        let jobs = self.store.print_jobs_of(case.id)?;
        if jobs.iter().any(|j| j.reprint && j.requested_by == "resident") {
            return Err(ValidationError::Invalid(format!(
                "a copy of {} was already printed here; please ask the front desk",
                case.ticket()
            ))
            .into());
        }
        self.queue_print(
            DocumentKind::Ticket,
            Some(case.ticket()),
            serde_json::Value::Null,
            true,
            "resident",
            now,
        )
    }

    /// One step of the worker: the oldest queued job, sent and recorded when the printer
    /// is ready. A printer that says it is ready gets waiting jobs at once (paper was just
    /// refilled); one that cannot say is tried again only after the backoff.
    pub fn print_step(&mut self, printer: &mut Printer, now: DateTime<Utc>) -> Result<Step> {
        let Some(job) = self.store.oldest_queued_job()? else {
            return Ok(Step::Idle);
        };
        let before = printer.status();
        let due = job.next_try_at <= now;
        if !before.can_print() && before != PrinterStatus::Unknown {
            let until = if due { now + backoff(job.attempts) } else { job.next_try_at };
            if due {
                self.store.mark_waiting(job.id, before.code(), until)?;
                tracing::warn!(job = job.id, printer = before.code(), "print job waiting for the printer");
            }
            return Ok(Step::Waiting { job: job.id, status: before, until });
        }
        if before == PrinterStatus::Unknown && !due {
            return Ok(Step::Waiting { job: job.id, status: before, until: job.next_try_at });
        }
        let case = match job.case_id.map(|_| self.case_of(&job)).transpose() {
            Ok(case) => case,
            Err(e) => {
                self.store.mark_done(job.id, JobState::Failed, Some(&e.to_string()), now)?;
                return Ok(Step::Done { job: job.id, state: JobState::Failed });
            }
        };
        let doc = self.document(job.document, case.as_ref(), &job.params, job.reprint, now)?;
        let bytes = render(&doc, &printer.profile);
        let label = match &case {
            Some(c) => format!("{}-{}", job.document.code(), c.ticket()),
            None => job.document.code().to_string(),
        };
        self.store.mark_printing(job.id)?;
        if let Err(e) = printer.transport.send(&label, &bytes) {
            printer.last_status = PrinterStatus::Offline;
            let until = now + backoff(job.attempts + 1);
            self.store.mark_retry(job.id, &format!("offline: {e}"), until)?;
            return Ok(Step::Waiting { job: job.id, status: PrinterStatus::Offline, until });
        }
        let after = printer.status();
        let state = match after {
            PrinterStatus::Ready | PrinterStatus::PaperLow => JobState::Printed,
            // The link cannot report: the write succeeded, recorded as such.
            PrinterStatus::Unknown => JobState::Sent,
            // Paper ran out or the cover opened during the job, or the printer failed after
            // taking the bytes: whether this copy came out whole only a person can see.
            // Sending it again unasked could print it twice; the screen and the front
            // desk offer a reprint instead.
            PrinterStatus::PaperOut
            | PrinterStatus::CoverOpen
            | PrinterStatus::Offline
            | PrinterStatus::Error => JobState::Uncertain,
        };
        self.store.mark_done(job.id, state, (state != JobState::Printed).then(|| after.code()), now)?;
        tracing::info!(job = job.id, document = job.document.code(), state = state.code(), "print job done");
        Ok(Step::Done { job: job.id, state })
    }

    /// Runs steps until nothing is due or the printer makes jobs wait.
    pub fn print_due(&mut self, printer: &mut Printer, now: DateTime<Utc>) -> Result<Vec<Step>> {
        let mut steps = Vec::new();
        loop {
            let step = self.print_step(printer, now)?;
            let stop = !matches!(step, Step::Done { .. });
            steps.push(step);
            if stop {
                return Ok(steps);
            }
        }
    }
}
