//! `lobbydesk print ...` and `lobbydesk printer ...`.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::app::Desk;
use crate::app::printing::{Printer, Step};
use crate::printer::render::render;
use crate::printer::virtual_printer::{draw, interpret, png};
use crate::store::{DocumentKind, JobState};

#[derive(Subcommand, Debug)]
pub enum PrintCommand {
    /// The resident's ticket.
    Ticket {
        ticket: String,
        /// Another copy, marked 补打 / REPRINT.
        #[arg(long)]
        reprint: bool,
        #[command(flatten)]
        out: Output,
    },
    /// The work order (派工单) for the engineer.
    WorkOrder {
        ticket: String,
        #[command(flatten)]
        out: Output,
    },
    /// The daily report for the front desk.
    DailyReport {
        /// YYYY-MM-DD [default: today].
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    /// 月度汇总: the month's counts and KPIs against their targets.
    MonthlySummary {
        /// YYYY-MM [default: this month].
        #[arg(long)]
        month: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    /// 书面上报: the written escalation of a case (000 4.3.3), after `act escalate`.
    Escalation {
        ticket: String,
        #[command(flatten)]
        out: Output,
    },
    /// 书面回复函: the case's latest written reply (004).
    Reply {
        ticket: String,
        #[command(flatten)]
        out: Output,
    },
    /// 需开发商协商处理问题记录表: a class 2 case's joint record with the developer.
    DeveloperRecord {
        ticket: String,
        #[command(flatten)]
        out: Output,
    },
    /// A test page: widths, Chinese, QR code, cutter.
    Test {
        #[command(flatten)]
        out: Output,
    },
}

#[derive(Args, Debug)]
pub struct Output {
    /// Write the printer bytes to this file instead of printing.
    #[arg(long, value_name = "FILE.bin")]
    out: Option<PathBuf>,
    /// Draw the paper through the virtual printer into this PNG instead of printing.
    #[arg(long, value_name = "FILE.png")]
    png: Option<PathBuf>,
    /// Who asks for it (staff id).
    #[arg(long, value_name = "STAFF", default_value = "front-desk")]
    by: String,
}

#[derive(Subcommand, Debug)]
pub enum PrinterCommand {
    /// The printer's state and the queue.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Print what is queued: once, or keep running (the kiosk does this in the background).
    Run {
        /// Stop when nothing is due.
        #[arg(long)]
        once: bool,
    },
}

fn open_printer(desk: &Desk, data_dir: &Path) -> Result<Printer> {
    Printer::open(&desk.settings.printer, data_dir).map_err(anyhow::Error::msg)
}

/// Prints what is due now and says what happened to `wanted` (a job id), if given.
pub fn print_now(
    desk: &mut Desk,
    data_dir: &Path,
    now: DateTime<Utc>,
    wanted: Option<i64>,
    out: &mut impl Write,
) -> Result<()> {
    let mut printer = open_printer(desk, data_dir)?;
    let steps = desk.print_due(&mut printer, now)?;
    for step in steps {
        match step {
            Step::Done { job, state } if wanted.is_none_or(|w| w == job) => {
                let how = match state {
                    JobState::Printed => "printed",
                    JobState::Sent => "sent (this printer connection cannot confirm printing)",
                    JobState::Uncertain => "sent, but the printer then failed: check whether it came out",
                    _ => "could not be printed",
                };
                writeln!(out, "print job {job}: {how}")?;
            }
            Step::Waiting { job, status, .. } => {
                eprintln!(
                    "print job {job} is queued: {} ({}). It prints when the printer is ready; the case is saved.",
                    status.zh(),
                    status.code()
                );
            }
            _ => {}
        }
    }
    Ok(())
}

pub fn run_print(
    cmd: PrintCommand,
    desk: &mut Desk,
    data_dir: &Path,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> Result<()> {
    let (kind, ticket, params, reprint, output) = match cmd {
        PrintCommand::Ticket { ticket, reprint, out } => {
            (DocumentKind::Ticket, Some(ticket), serde_json::Value::Null, reprint, out)
        }
        PrintCommand::WorkOrder { ticket, out } => {
            (DocumentKind::WorkOrder, Some(ticket), serde_json::Value::Null, false, out)
        }
        PrintCommand::DailyReport { date, out } => {
            if let Some(d) = &date {
                d.parse::<chrono::NaiveDate>()
                    .with_context(|| format!("{d:?} is not a date: use YYYY-MM-DD"))?;
            }
            (DocumentKind::DailyReport, None, serde_json::json!({ "date": date }), false, out)
        }
        PrintCommand::MonthlySummary { month, out } => {
            if let Some(m) = &month {
                chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
                    .with_context(|| format!("{m:?} is not a month: use YYYY-MM"))?;
            }
            (DocumentKind::MonthlySummary, None, serde_json::json!({ "month": month }), false, out)
        }
        PrintCommand::Escalation { ticket, out } => {
            (DocumentKind::Escalation, Some(ticket), serde_json::Value::Null, false, out)
        }
        PrintCommand::Reply { ticket, out } => {
            (DocumentKind::Reply, Some(ticket), serde_json::Value::Null, false, out)
        }
        PrintCommand::DeveloperRecord { ticket, out } => {
            (DocumentKind::DeveloperRecord, Some(ticket), serde_json::Value::Null, false, out)
        }
        PrintCommand::Test { out } => (DocumentKind::Test, None, serde_json::Value::Null, false, out),
    };
    if output.out.is_some() || output.png.is_some() {
        let case = match &ticket {
            Some(t) => Some(desk.show(t)?.case),
            None => None,
        };
        let doc = desk.document(kind, case.as_ref(), &params, reprint, now)?;
        let profile = &desk.settings.printer.profile;
        let bytes = render(&doc, profile);
        if let Some(path) = &output.out {
            std::fs::write(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(out, "{} bytes for {} written to {}", bytes.len(), profile.name, path.display())?;
        }
        if let Some(path) = &output.png {
            let paper = interpret(&bytes, profile.text, usize::from(profile.dots));
            let image = png(&draw(&paper, usize::from(profile.dots)))?;
            std::fs::write(path, image).with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(out, "paper for {} drawn to {}", profile.name, path.display())?;
        }
        return Ok(());
    }
    let job = desk.queue_print(kind, ticket.as_deref(), params, reprint, &output.by, now)?;
    print_now(desk, data_dir, now, Some(job), out)
}

pub fn run_printer(
    cmd: PrinterCommand,
    desk: &mut Desk,
    data_dir: &Path,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> Result<()> {
    match cmd {
        PrinterCommand::Status { json } => {
            let mut printer = open_printer(desk, data_dir)?;
            let status = printer.status();
            let store = desk.store();
            let count = |s| store.count_print_jobs(s);
            let (queued, uncertain) = (count(JobState::Queued)?, count(JobState::Uncertain)?);
            if json {
                let value = serde_json::json!({
                    "printer": printer.describe(),
                    "profile": printer.profile.name,
                    "status": status.code(),
                    "queued": queued,
                    "uncertain": uncertain,
                    "recent": store.print_jobs(10)?,
                });
                super::output::json(out, &value)?;
            } else {
                writeln!(out, "{}: {} ({})", printer.describe(), status.zh(), status.code())?;
                writeln!(out, "queued {queued}, uncertain {uncertain}")?;
                for job in store.print_jobs(10)? {
                    writeln!(
                        out,
                        "  #{:<5} {:<12} {:<10} {}{}",
                        job.id,
                        job.document.code(),
                        job.state.code(),
                        if job.reprint { "reprint " } else { "" },
                        job.last_error.unwrap_or_default()
                    )?;
                }
            }
        }
        PrinterCommand::Run { once } => {
            if once {
                return print_now(desk, data_dir, now, None, out);
            }
            let mut printer = open_printer(desk, data_dir)?;
            writeln!(out, "printing queued jobs on {}; stop with Ctrl-C", printer.describe())?;
            loop {
                let steps = desk.print_due(&mut printer, Utc::now())?;
                for step in &steps {
                    if let Step::Done { job, state } = step {
                        writeln!(out, "print job {job}: {}", state.code())?;
                    }
                }
                out.flush()?;
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
    }
    Ok(())
}

/// The jobs `file` just queued, printed now when the printer is ready.
pub fn after_filing(desk: &mut Desk, data_dir: &Path, now: DateTime<Utc>) -> Result<()> {
    let mut sink = Vec::new();
    match print_now(desk, data_dir, now, None, &mut sink) {
        Ok(()) => Ok(()),
        // The case is saved whatever the printer does.
        Err(e) => {
            eprintln!(
                "the ticket could not be printed now ({e:#}); the case is saved and the ticket stays queued"
            );
            Ok(())
        }
    }
}
