//! The command line: the front desk's and the scripts' door to the case core.
//! Parses arguments, loads and validates configuration, calls `app`, prints.

mod demo;
mod hq;
mod output;
mod print;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

use crate::app::{Action, CallbackInput, CaseFilter, Desk};
use crate::config::Settings;
use crate::domain::event::{ContactMethod, EscalationTarget, PauseReason, Signature};
use crate::domain::filing::NewCase;
use crate::domain::intake::{Channel, ComplaintClass, Department, Kind, Lang, Severity, Urgency};

#[derive(Parser, Debug)]
#[command(
    name = "lobbydesk",
    version,
    about = "Lobby kiosk for residential estates: complaints, repairs and suggestions"
)]
pub struct Cli {
    /// Where the kiosk keeps its data (database, ticket watermark, config).
    #[arg(long, global = true, env = "LOBBYDESK_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Configuration file (TOML) [default: DIR/lobbydesk.toml].
    #[arg(long, global = true, env = "LOBBYDESK_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Run as if it were this moment (RFC 3339, e.g. 2026-11-23T10:00:00+08:00).
    #[arg(long, global = true, value_name = "RFC3339", value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// File a complaint, repair, suggestion, inquiry or praise; prints the ticket number.
    File(FileArgs),
    /// List cases, newest first.
    Cases {
        /// Only cases not yet closed.
        #[arg(long)]
        open: bool,
        /// Only cases with a clock past due.
        #[arg(long)]
        overdue: bool,
        /// Text in the ticket, place, description, name or phone.
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One case: state, every event, every deadline.
    Show {
        ticket: String,
        #[arg(long)]
        json: bool,
    },
    /// Move a case through the workflow.
    Act(ActArgs),
    /// Callback records waiting for a supervisor's review (001 11.1.8, 篇2 §5), oldest
    /// first; review one with `act TICKET review --callback N --opinion ...`.
    Callbacks {
        #[arg(long)]
        json: bool,
    },
    /// The daily hotline report or the monthly summary.
    Report(ReportArgs),
    /// The configured categories: code, kind, names, emergency flag.
    Categories {
        #[arg(long)]
        json: bool,
    },
    /// Print a ticket, work order, daily report or test page.
    #[command(subcommand)]
    Print(print::PrintCommand),
    /// The printer's state and queue.
    #[command(subcommand)]
    Printer(print::PrinterCommand),
    /// Sync with headquarters: keep syncing, once (--once), or show the state (status).
    Sync {
        #[arg(long)]
        once: bool,
        #[command(subcommand)]
        what: Option<hq::SyncWhat>,
    },
    /// Headquarters: the sync server, kiosk credentials, cases and reports across estates.
    Hq(hq::HqArgs),
    /// Fold every case again from its events and rewrite the columns lists and reports
    /// read (after an upgrade that changed them, or to check them). Says how many differed.
    Rebuild,
    /// Start this data directory over deliberately after its database was lost: makes an
    /// empty database if there is none, and continues ticket numbers and event indexes
    /// after the last ones issued here and the last ones HQ holds (HQ must answer when
    /// one is configured). Restoring the backup is better when there is one.
    StartOver {
        /// Go on without asking HQ how far this kiosk's numbers got (risks numbers HQ
        /// already holds: those cases are then set aside at sync, not lost).
        #[arg(long)]
        without_hq: bool,
    },
    /// Read every page of the database and check its search index (the kiosk checks its
    /// pages by itself after the machine went down under it). Exits with 78 when damaged.
    Check,
    /// Write a consistent copy of the database (safe while the kiosk runs).
    Backup {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Open the kiosk's touch screens in a window (the default command).
    Kiosk,
    /// Render screens to PNG without a display.
    Screenshot {
        /// One of: home, category, category-complaint, emergency, place, place-public,
        /// details, contact, contact-anonymous, review, ticket, ticket-printer-problem,
        /// lookup, lookup-result, idle, staff-sign-in, staff.
        #[arg(long, default_value = "home")]
        screen: String,
        #[arg(long, default_value = "zh-CN")]
        lang: Lang,
        /// WIDTHxHEIGHT
        #[arg(long, default_value = "800x480", value_parser = parse_size)]
        size: (u32, u32),
        #[arg(long, value_name = "FILE.png", required_unless_present = "all")]
        out: Option<PathBuf>,
        /// Every screen × language × the kiosk sizes (landscape and portrait) into DIR.
        #[arg(long, value_name = "DIR")]
        all: Option<PathBuf>,
        /// With the large-text switch on.
        #[arg(long)]
        large_text: bool,
    },
    /// Make a staff account for the staff screen: reads the PIN (4 to 12 digits) from
    /// standard input and prints a `[[staff]]` block to add to the config. Only a salted
    /// hash of the PIN is printed.
    StaffPin {
        /// Recorded on what they do (letters, digits, - or _), e.g. wangfang.
        #[arg(long)]
        id: String,
        /// Shown on the staff screen, e.g. 王芳.
        #[arg(long)]
        name: String,
    },
    /// Working days: where each year's holidays come from (the State Council's notice
    /// shipped with the program, the config, or nothing but weekends) and which days differ.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Fill the data directory with sample cases and show what the desk sees.
    Demo,
    /// Check this build works here, headless: a store in a temporary directory, a case
    /// filed, its ticket drawn by the virtual printer (used after installing and under
    /// qemu for the arm64 build).
    SelfCheck,
    #[command(hide = true, subcommand)]
    Debug(DebugCommand),
}

#[derive(Subcommand, Debug)]
enum CalendarCommand {
    /// This year and next (or --year): the source of their holidays and every day that is
    /// not a plain Monday-to-Friday one.
    Check {
        #[arg(long)]
        year: Option<i32>,
    },
}

#[derive(Subcommand, Debug)]
enum DebugCommand {
    /// Files cases one after another, printing each ticket once committed (durability tests).
    FileLoop {
        #[arg(long, default_value_t = u64::MAX)]
        count: u64,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Period {
    Daily,
    Monthly,
}

/// A report's arguments, the same for one kiosk and for HQ.
#[derive(Args, Debug)]
struct ReportArgs {
    #[arg(value_enum)]
    period: Period,
    /// The day (daily) or any day of the month (monthly): YYYY-MM-DD, or YYYY-MM [default: today].
    #[arg(long, value_name = "DATE")]
    date: Option<String>,
    #[arg(long)]
    json: bool,
}

/// Prints the report `args` asks for, headed `title`; `daily` (for a date, today if none)
/// and `monthly` (for a year and month) make it, from a kiosk's store or HQ's.
fn print_report(
    args: &ReportArgs,
    settings: &Settings,
    title: &str,
    now: DateTime<Utc>,
    out: &mut impl Write,
    daily: impl FnOnce(Option<NaiveDate>) -> Result<crate::domain::report::DailyReport>,
    monthly: impl FnOnce(i32, u32) -> Result<crate::domain::report::MonthlyReport>,
) -> Result<()> {
    match args.period {
        Period::Daily => {
            let report = daily(args.date.as_deref().map(parse_date).transpose()?)?;
            if args.json { output::json(out, &report) } else { output::daily(out, settings, title, &report) }
        }
        Period::Monthly => {
            let day = match args.date.as_deref() {
                Some(d) => parse_month(d)?,
                None => settings.calendar.local_date(now),
            };
            let report = monthly(day.year(), day.month())?;
            if args.json {
                output::json(out, &report)
            } else {
                output::monthly(out, settings, title, &report)
            }
        }
    }
}

#[derive(Args, Debug)]
struct FileArgs {
    /// complaint, repair, suggestion, inquiry or praise [default: the category's kind].
    #[arg(long)]
    kind: Option<Kind>,
    /// A category code from `lobbydesk categories`.
    #[arg(long)]
    category: String,
    /// building-unit-room (3-2-1201), building-room (3-1201) or public:NAME.
    #[arg(long)]
    place: String,
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    name: Option<String>,
    /// When the resident prefers to be contacted.
    #[arg(long, value_name = "TEXT")]
    contact_time: Option<String>,
    /// File without contact details: no callback will be made.
    #[arg(long)]
    anonymous: bool,
    /// The resident wants no text messages about the case (they still get callbacks).
    #[arg(long)]
    no_messages: bool,
    /// kiosk, phone, walk-in, letter, hotline or online [default: kiosk, or walk-in with --by].
    #[arg(long)]
    channel: Option<Channel>,
    /// Repairs: emergency, urgent or normal [default: normal; emergency categories are always emergency].
    #[arg(long)]
    urgency: Option<Urgency>,
    #[command(flatten)]
    class: ClassArgs,
    /// Repairs: the resident's preferred visit window.
    #[arg(long, value_name = "TEXT")]
    visit_window: Option<String>,
    #[arg(long)]
    text: Option<String>,
    /// The staff member filing (first-inquiry owner). Without it the case is filed as a
    /// resident at the kiosk.
    #[arg(long, value_name = "STAFF")]
    by: Option<String>,
    /// The language of the resident's ticket: zh-CN, zh-TW or en.
    #[arg(long, default_value = "zh-CN")]
    lang: Lang,
    #[arg(long)]
    json: bool,
}

/// Classification, given at filing or later with `act classify`.
#[derive(Args, Debug)]
struct ClassArgs {
    /// Complaints: class 1, 2 or 3.
    #[arg(long = "class")]
    complaint_class: Option<ComplaintClass>,
    /// Complaints: general, important or major.
    #[arg(long)]
    severity: Option<Severity>,
    /// engineering, security, customer-service or cleaning-greening.
    #[arg(long)]
    department: Option<Department>,
}

#[derive(Args, Debug)]
struct ActArgs {
    ticket: String,
    /// Who is acting (staff id).
    #[arg(long, global = true, value_name = "STAFF")]
    by: Option<String>,
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    action: ActCommand,
}

#[derive(Subcommand, Debug)]
enum ActCommand {
    /// Confirm receipt to the resident.
    Acknowledge {
        #[arg(long)]
        note: Option<String>,
    },
    /// Tell the resident how the case stands (a letter needs --method written).
    Reply {
        #[arg(long)]
        text: String,
        #[arg(long, value_enum, default_value = "phone")]
        method: Method,
    },
    /// Set the complaint class, severity or department.
    Classify(ClassArgs),
    /// Dispatch to a department (and a person).
    Assign {
        #[arg(long)]
        department: Department,
        #[arg(long, value_name = "NAME")]
        to: Option<String>,
    },
    /// Staff arrived on site.
    OnSite {
        #[arg(long)]
        note: Option<String>,
    },
    /// The measure decided / initial plan.
    Plan {
        #[arg(long)]
        text: String,
    },
    /// A progress note.
    Note {
        #[arg(long)]
        text: String,
    },
    /// A new resolution date, and why, told to the resident.
    Promise {
        /// YYYY-MM-DD (end of that day) or RFC 3339.
        #[arg(long, value_name = "DATE")]
        due: String,
        #[arg(long)]
        reason: String,
    },
    Resolve {
        /// What was done.
        #[arg(long)]
        note: String,
    },
    /// Record a callback (回访).
    Callback {
        #[arg(long, value_enum, default_value = "phone")]
        method: Method,
        /// yes or no.
        #[arg(long, action = clap::ArgAction::Set, value_parser = parse_yes_no, value_name = "yes|no")]
        satisfied: bool,
        /// 1–5.
        #[arg(long)]
        quality: Option<u8>,
        /// 1–5.
        #[arg(long)]
        effect: Option<u8>,
        /// 1–5.
        #[arg(long)]
        satisfaction: Option<u8>,
        #[arg(long)]
        shortcomings: Option<String>,
        #[arg(long)]
        suggestions: Option<String>,
        /// When not satisfied: when to call again (YYYY-MM-DD or RFC 3339).
        #[arg(long, value_name = "DATE")]
        next: Option<String>,
        /// In person: the resident's signature as the staff screen captures it, a JSON file
        /// {"strokes": [[[x, y], ...], ...]} with points in 0..=1000 (001 11.1.7).
        #[arg(long, value_name = "FILE.json")]
        signature: Option<PathBuf>,
    },
    /// A supervisor's opinion on a callback record (001 11.1.8); see `lobbydesk callbacks`.
    Review {
        /// Which callback of the case, from 1.
        #[arg(long, value_name = "N")]
        callback: u32,
        #[arg(long)]
        opinion: String,
    },
    /// Stop the resident-facing clocks while the case waits (resident, parts, third-party).
    Pause {
        #[arg(long, value_parser = parse_pause_reason)]
        reason: PauseReason,
        /// What it waits for.
        #[arg(long)]
        note: String,
    },
    /// Start the clocks again.
    Resume {
        #[arg(long)]
        note: Option<String>,
    },
    /// Class 2: take the matter to the developer with the joint record (需开发商协商处理
    /// 问题记录表); the resident-facing clocks wait for the developer's reply.
    ReferDeveloper {
        #[arg(long)]
        record: String,
    },
    /// The developer's reply; the clocks run again.
    DeveloperReply {
        #[arg(long)]
        text: String,
    },
    /// A paid repair's price quoted to the resident, and their answer (002 上门维修).
    Quote {
        /// In yuan, e.g. 120.50.
        #[arg(long)]
        amount: String,
        /// The resident agrees (they sign: --signature) or not.
        #[arg(long, action = clap::ArgAction::Set, value_name = "yes|no",
              value_parser = clap::builder::BoolishValueParser::new())]
        consent: bool,
        /// The resident's signature, as for an in-person callback.
        #[arg(long, value_name = "FILE.json")]
        signature: Option<PathBuf>,
    },
    /// Hand the first-inquiry ownership to a colleague (004).
    HandOver {
        #[arg(long, value_name = "STAFF")]
        to: String,
        #[arg(long)]
        note: String,
    },
    Reopen {
        #[arg(long)]
        reason: String,
    },
    Escalate {
        #[arg(long, value_enum)]
        to: Target,
        #[arg(long)]
        reason: String,
    },
    Close {
        #[arg(long)]
        note: Option<String>,
    },
    /// Link to an earlier case about the same matter.
    Link {
        #[arg(long, value_name = "TICKET")]
        to: String,
    },
    /// Suggestions: adopted.
    Adopt {
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Suggestions: not adopted, and why.
    Decline {
        #[arg(long)]
        reason: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Method {
    Phone,
    InPerson,
    Written,
    Kiosk,
}

impl From<Method> for ContactMethod {
    fn from(m: Method) -> ContactMethod {
        match m {
            Method::Phone => ContactMethod::Phone,
            Method::InPerson => ContactMethod::InPerson,
            Method::Written => ContactMethod::Written,
            Method::Kiosk => ContactMethod::Kiosk,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Target {
    GroupHead,
    GeneralManager,
    EstateManager,
    Developer,
}

impl From<Target> for EscalationTarget {
    fn from(t: Target) -> EscalationTarget {
        match t {
            Target::GroupHead => EscalationTarget::GroupHead,
            Target::GeneralManager => EscalationTarget::GeneralManager,
            Target::EstateManager => EscalationTarget::EstateManager,
            Target::Developer => EscalationTarget::Developer,
        }
    }
}

fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    let t = DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{e}; use RFC 3339 such as 2026-11-23T10:00:00+08:00"))?;
    // Deadlines run months past `now`; every printed date must stay a four-digit year.
    if !(2000..=2199).contains(&t.year()) {
        return Err(format!("{s} is outside the years 2000 to 2199 lobbydesk works in"));
    }
    Ok(t)
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s.split_once('x').ok_or_else(|| format!("{s:?}: use WIDTHxHEIGHT such as 800x480"))?;
    let dim = |v: &str| v.trim().parse::<u32>().ok().filter(|v| (200..=4000).contains(v));
    match (dim(w), dim(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!("{s:?}: use WIDTHxHEIGHT such as 800x480")),
    }
}

fn parse_pause_reason(s: &str) -> Result<PauseReason, String> {
    match s.trim() {
        "resident" | "等待住户" => Ok(PauseReason::Resident),
        "parts" | "等待配件" => Ok(PauseReason::Parts),
        "third-party" | "等待第三方" => Ok(PauseReason::ThirdParty),
        "developer" => Err("the developer pause starts with `refer-developer --record ...`".into()),
        _ => Err(format!("{s:?}: use resident, parts or third-party")),
    }
}

fn parse_yes_no(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "是" | "满意" => Ok(true),
        "no" | "n" | "false" | "否" | "不满意" => Ok(false),
        _ => Err(format!("{s:?}: answer yes or no")),
    }
}

/// The default data directory: the per-user data dir on a desktop; on the Pi the systemd
/// unit passes `--data-dir /var/lib/lobbydesk`.
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "lobbydesk")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("lobbydesk-data"))
}

pub use crate::app::systemd::EXIT_NEEDS_A_PERSON;

/// Whether `error` is one that restarting cannot cure.
pub fn needs_a_person(error: &anyhow::Error) -> bool {
    use crate::store::StoreError;
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<StoreError>(),
            Some(
                StoreError::MissingDatabase { .. }
                    | StoreError::Damaged { .. }
                    | StoreError::NewerSchema { .. }
                    | StoreError::ReadOnly { .. }
            )
        ) || matches!(
            cause.downcast_ref::<crate::sync::client::SyncError>(),
            Some(crate::sync::client::SyncError::LostHistory(_))
        )
    })
}

pub fn run(cli: Cli) -> Result<()> {
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let (config_path, required) = match &cli.config {
        Some(path) => (path.clone(), true),
        None => (data_dir.join("lobbydesk.toml"), false),
    };
    let command = cli.command.unwrap_or(Command::Kiosk);
    // Needs no config: it makes part of one.
    if let Command::StaffPin { id, name } = &command {
        return staff_pin(id, name, &mut std::io::stdin().lock(), &mut std::io::stdout().lock());
    }
    let settings = Settings::load(&config_path, required)?;
    let now = cli.now.unwrap_or_else(Utc::now);
    // Screenshots use their own sample data, never the kiosk's.
    if let Command::Screenshot { screen, lang, size, out: file, all, large_text } = command {
        let mut renderer = crate::ui::screenshot::Renderer::new()?;
        renderer.large_text = large_text;
        let stdout = &mut std::io::stdout().lock();
        if let Some(dir) = all {
            let files = renderer.render_all(&dir, &crate::ui::screenshot::SIZES)?;
            writeln!(stdout, "{} screenshots in {}", files.len(), dir.display())?;
        } else if let Some(file) = file {
            std::fs::write(&file, renderer.render(&screen, lang, size)?)?;
            writeln!(stdout, "{screen} ({lang}, {}x{}) drawn to {}", size.0, size.1, file.display())?;
        }
        return Ok(());
    }
    if let Command::Kiosk = command {
        return run_kiosk(settings, &data_dir);
    }
    if let Command::Calendar(CalendarCommand::Check { year }) = command {
        let this_year = settings.calendar.local_date(now).year();
        let years = year.map_or(vec![this_year, this_year + 1], |y| vec![y]);
        return calendar_check(&settings.calendar, &years, &mut std::io::stdout().lock());
    }
    if let Command::SelfCheck = command {
        return self_check(&mut std::io::stdout().lock());
    }
    if let Command::Hq(cmd) = command {
        return hq::run_hq(cmd, settings, &data_dir, now, &mut std::io::stdout().lock());
    }
    if let Command::Sync { once, what } = command {
        return hq::run_sync(once, what, &settings, &data_dir, now, &mut std::io::stdout().lock());
    }
    if let Command::StartOver { without_hq } = command {
        return hq::start_over(&settings, &data_dir, without_hq, &mut std::io::stdout().lock());
    }
    let reads_only = matches!(
        command,
        Command::Cases { .. }
            | Command::Show { .. }
            | Command::Report(_)
            | Command::Categories { .. }
            | Command::Callbacks { .. }
    );
    let mut desk = if reads_only {
        Desk::open_for_reading(settings, &data_dir)?
    } else {
        Desk::open(settings, &data_dir)?
    };
    let out = &mut std::io::stdout().lock();
    match command {
        Command::File(args) => {
            // A restored data directory learns HQ's ticket numbers before it issues one.
            if let Some(hq) = desk.settings.hq.clone() {
                hq::preflight(&mut desk, &hq)?;
            }
            let new = new_case(args.kind, &args);
            let case = desk.file(&new, now)?;
            if args.json {
                output::json(out, &output::filed(&desk, &case, now))?;
            } else {
                writeln!(out, "{}", case.ticket())?;
            }
            out.flush()?;
            print::after_filing(&mut desk, &data_dir, now)?;
        }
        Command::Cases { open, overdue, search, json } => {
            let filter = CaseFilter { open_only: open, overdue_only: overdue, search };
            let cases = desk.cases(&filter, now)?;
            if json {
                output::json(out, &cases)?;
            } else {
                output::case_list(out, &desk.settings, &cases)?;
            }
        }
        Command::Show { ticket, json } => {
            let record = desk.show(&ticket)?;
            if json {
                output::json(out, &output::shown(&desk, &record, now)?)?;
            } else {
                output::case_detail(out, &desk, &record, now)?;
            }
        }
        Command::Act(args) => {
            let by = args.by.as_deref().context("--by STAFF is required: say who is doing this")?;
            let action = action(args.action, &desk.settings, now)?;
            let case = desk.act(&args.ticket, action, by, now)?;
            if args.json {
                output::json(out, &output::filed(&desk, &case, now))?;
            } else {
                writeln!(out, "{} {} ({})", case.ticket(), case.status.zh(), case.status.code())?;
            }
        }
        Command::Report(args) => print_report(
            &args,
            &desk.settings,
            &desk.settings.estate,
            now,
            out,
            |date| Ok(desk.daily_report(date, now)?),
            |year, month| Ok(desk.monthly_report(year, month, now)?),
        )?,
        Command::Callbacks { json } => {
            let lines = crate::domain::report::callbacks_to_review(&desk.store().cases()?);
            if json {
                output::json(out, &lines)?;
            } else if lines.is_empty() {
                writeln!(out, "no callback records wait for review")?;
            } else {
                for l in &lines {
                    writeln!(
                        out,
                        "{} callback {}  {}  by {}  {}{}  {}",
                        l.ticket,
                        l.round,
                        output::local(&desk.settings, l.at),
                        l.by,
                        l.method.zh(),
                        if l.signed { " (住户已签名)" } else { "" },
                        if l.satisfied { "满意" } else { "不满意" }
                    )?;
                }
                writeln!(out, "{} callback record(s) to review", lines.len())?;
            }
        }
        Command::Categories { json } => {
            if json {
                output::json(out, &desk.settings.catalogue.all())?;
            } else {
                output::categories(out, &desk)?;
            }
        }
        Command::Print(cmd) => print::run_print(cmd, &mut desk, &data_dir, now, out)?,
        Command::Printer(cmd) => print::run_printer(cmd, &mut desk, &data_dir, now, out)?,
        Command::Backup { out: target } => {
            desk.store().backup_to(&target)?;
            writeln!(out, "backup written to {}", target.display())?;
        }
        Command::Demo => demo::run(&mut desk, &data_dir, now, out)?,
        Command::Check => {
            let started = std::time::Instant::now();
            let found = desk.store().integrity_check()?;
            if found != "ok" {
                let path = desk.store().path().to_path_buf();
                return Err(crate::store::StoreError::Damaged { path, detail: found }.into());
            }
            writeln!(
                out,
                "the database {} is whole: every page, index and the search index check out ({:.1?})",
                desk.store().path().display(),
                started.elapsed()
            )?;
        }
        Command::Rebuild => {
            let (cases, differed) = desk.store_mut().rebuild_read_model()?;
            writeln!(out, "{cases} case(s) folded again from their events; {differed} had differed")?;
        }
        Command::Kiosk
        | Command::StaffPin { .. }
        | Command::Screenshot { .. }
        | Command::Hq(_)
        | Command::Sync { .. }
        | Command::StartOver { .. }
        | Command::Calendar(_)
        | Command::SelfCheck => {
            unreachable!("handled above")
        }
        Command::Debug(DebugCommand::FileLoop { count }) => file_loop(&mut desk, count, out)?,
    }
    Ok(())
}

fn self_check(out: &mut impl Write) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("lobbydesk-self-check-{}", std::process::id()));
    let result = (|| -> Result<()> {
        let settings = Settings::default();
        let mut desk = Desk::open(settings.clone(), &dir)?;
        writeln!(
            out,
            "store: ok (schema {}, {})",
            desk.store().schema_version()?,
            desk.store().integrity_check()?
        )?;
        let new = NewCase {
            category: "water".into(),
            place: "1-101".into(),
            phone: Some("13800138000".into()),
            text: "自检 self-check".into(),
            ..NewCase::default()
        };
        let case = desk.file(&new, Utc::now())?;
        writeln!(out, "filing: ok ({})", case.ticket())?;
        let mut printer =
            crate::app::printing::Printer::open(&settings.printer, &dir).map_err(anyhow::Error::msg)?;
        let steps = desk.print_due(&mut printer, Utc::now())?;
        let printed = steps.iter().any(|s| {
            matches!(s, crate::app::printing::Step::Done { state: crate::store::JobState::Printed, .. })
        });
        if !printed {
            bail!("the ticket did not print on the virtual printer: {steps:?}");
        }
        let png = std::fs::read_dir(dir.join("printer"))?
            .filter_map(|e| e.ok())
            .any(|e| e.path().extension().is_some_and(|x| x == "png"));
        if !png {
            bail!("the virtual printer drew no paper");
        }
        writeln!(out, "printing: ok (ticket drawn by the virtual printer)")?;
        writeln!(
            out,
            "pinyin: {}",
            crate::input::pinyin::candidates("loushui", 1).first().map(|c| c.word.as_str()).unwrap_or("none")
        )?;
        writeln!(out, "self-check passed")?;
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn staff_pin(id: &str, name: &str, input: &mut impl std::io::BufRead, out: &mut impl Write) -> Result<()> {
    use std::io::IsTerminal;
    let interactive = std::io::stdin().is_terminal();
    let mut read = |prompt: &str| -> Result<String> {
        if interactive {
            eprint!("{prompt}");
        }
        let mut line = String::new();
        input.read_line(&mut line)?;
        Ok(line.trim().to_string())
    };
    let pin = read("PIN for the staff screen (4 to 12 digits; it shows as you type): ")?;
    if interactive && read("The same PIN again: ")? != pin {
        anyhow::bail!("the two PINs differ; nothing was made");
    }
    let hash = crate::kiosk::staff::PinHash::new(&pin).map_err(anyhow::Error::msg)?;
    let block = format!(
        "[[staff]]\nid = {}\nname = {}\npin = {}\n",
        toml::Value::String(id.trim().into()),
        toml::Value::String(name.trim().into()),
        toml::Value::String(hash.to_string()),
    );
    // The block must load as it is printed: check it the way the kiosk will.
    Settings::from_toml(&block, "the new [[staff]] block").map_err(anyhow::Error::msg)?;
    write!(out, "{block}")?;
    Ok(())
}

/// The touch screens, with the store and printer on a worker thread.
fn run_kiosk(settings: Settings, data_dir: &std::path::Path) -> Result<()> {
    tracing::info!(kiosk = settings.kiosk.as_str(), estate = settings.estate, data = %data_dir.display(), "kiosk starting");
    let mut desk = Desk::open(settings.clone(), data_dir)?;
    if let Some(hq) = &settings.hq {
        hq::preflight(&mut desk, hq)?;
    }
    // A long-running kiosk reserves ticket numbers 20 at a time: one fsync per filing.
    desk.store_mut().reserve_tickets_in_blocks(20);
    // Checkpoints and search-index merges run between filings, on the idle tick.
    desk.store_mut().upkeep_when_idle()?;
    let printer =
        crate::app::printing::Printer::open(&settings.printer, data_dir).map_err(anyhow::Error::msg)?;
    let mut service = crate::kiosk::service::Service::new(desk, printer);
    let running = match crate::store::running::RunningMark::take(data_dir) {
        Ok((mark, last_run)) => {
            service.check_store_first = last_run.needs_check();
            Some(mark)
        }
        Err(e) => {
            // Without the mark a power cut cannot be told from a restart: check every time.
            tracing::warn!(error = %e, "cannot mark the kiosk running; checking the database at every start");
            service.check_store_first = true;
            None
        }
    };
    if let Some(hq) = &settings.hq {
        let client = crate::sync::client::Client::new(&hq.url, &hq.token).map_err(anyhow::Error::msg)?;
        service.sync = Some(crate::sync::client::spawn(
            data_dir.to_path_buf(),
            crate::domain::event::Origin::kiosk(settings.kiosk.as_str()),
            client,
            hq.interval,
            settings.keep_closed_days,
        ));
    }
    // GPIO: the Pi's pins, or simulated ones (F2 in the window presses the call button).
    let mut simulated = None;
    let pins: Box<dyn crate::hw::Pins> = match crate::hw::pi::PiPins::open() {
        Ok(pins) => Box::new(pins),
        Err(_) => {
            let sim = crate::hw::sim::SimulatedPins::default();
            simulated = Some(sim.clone());
            Box::new(sim)
        }
    };
    let mut gpio = settings.gpio;
    if simulated.is_some() && gpio.call_button.is_none() {
        gpio.call_button = Some(27);
    }
    let panel = crate::hw::Panel::start(pins, gpio, Box::new(crate::ui::staff_called_from_any_thread))
        .map_err(|e| anyhow::anyhow!("GPIO: {e}"))?;
    service.attach_panel(std::sync::Arc::new(panel));
    // Read aloud through the sound card, or into WAV files where LOBBYDESK_SPEECH_DIR says.
    use crate::hw::speech::Speaker;
    service.speaker = match std::env::var_os("LOBBYDESK_SPEECH_DIR") {
        Some(dir) => Some(Speaker::to_files(dir.into())),
        None => Speaker::available().then(Speaker::to_device),
    };
    let mut config = crate::ui::KioskConfig::from_settings(&settings);
    config.read_aloud = service.speaker.is_some();
    let backend = std::rc::Rc::new(crate::kiosk::service::Threaded::start(service));
    let button = simulated.zip(gpio.call_button);
    let shown = crate::ui::run(backend, config, button).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the kiosk window ({e}). On a desktop, run it inside a graphical session (DISPLAY or WAYLAND_DISPLAY set); without a display try `lobbydesk demo` or `lobbydesk screenshot`"
        )
    });
    if let Some(running) = running {
        running.close();
    }
    shown
}

fn new_case(kind: Option<Kind>, a: &FileArgs) -> NewCase {
    NewCase {
        kind,
        category: a.category.clone(),
        place: a.place.clone(),
        phone: a.phone.clone(),
        name: a.name.clone(),
        preferred_time: a.contact_time.clone(),
        anonymous: a.anonymous,
        text: a.text.clone().unwrap_or_default(),
        channel: a.channel,
        urgency: a.urgency,
        complaint_class: a.class.complaint_class,
        severity: a.class.severity,
        department: a.class.department,
        visit_window: a.visit_window.clone(),
        staff: a.by.clone(),
        lang: a.lang,
        no_messages: a.no_messages,
    }
}

fn action(cmd: ActCommand, settings: &Settings, now: DateTime<Utc>) -> Result<Action> {
    let when = |s: &str| parse_when(s, settings);
    Ok(match cmd {
        ActCommand::Acknowledge { note } => Action::Acknowledge { note },
        ActCommand::Reply { text, method } => Action::Reply { method: method.into(), text },
        ActCommand::Classify(c) => Action::Classify {
            complaint_class: c.complaint_class,
            severity: c.severity,
            department: c.department,
        },
        ActCommand::Assign { department, to } => Action::Assign { department, assignee: to },
        ActCommand::OnSite { note } => Action::OnSite { note },
        ActCommand::Plan { text } => Action::Plan { plan: text },
        ActCommand::Note { text } => Action::Note { text },
        ActCommand::Promise { due, reason } => Action::Promise { due: when(&due)?, reason },
        ActCommand::Resolve { note } => Action::Resolve { note },
        ActCommand::Callback {
            method,
            satisfied,
            quality,
            effect,
            satisfaction,
            shortcomings,
            suggestions,
            next,
            signature,
        } => {
            let signature = signature.map(|path| read_signature(&path)).transpose()?;
            let next_callback_at = next.as_deref().map(when).transpose()?;
            if let Some(next) = next_callback_at.filter(|n| *n <= now) {
                bail!("--next {next} is in the past: give a later date for the next callback");
            }
            Action::Callback(CallbackInput {
                method: method.into(),
                satisfied,
                quality,
                effect,
                satisfaction,
                shortcomings,
                suggestions,
                next_callback_at,
                signature,
            })
        }
        ActCommand::Review { callback, opinion } => Action::Review { round: callback, opinion },
        ActCommand::Pause { reason, note } => Action::Pause { reason, note },
        ActCommand::Resume { note } => Action::Resume { note },
        ActCommand::ReferDeveloper { record } => Action::ReferDeveloper { record },
        ActCommand::DeveloperReply { text } => Action::DeveloperReply { text },
        ActCommand::Quote { amount, consent, signature } => Action::Quote {
            amount_fen: crate::app::parse_yuan(&amount)?,
            consented: consent,
            signature: signature.map(|path| read_signature(&path)).transpose()?,
        },
        ActCommand::HandOver { to, note } => Action::HandOver { to, note },
        ActCommand::Reopen { reason } => Action::Reopen { reason },
        ActCommand::Escalate { to, reason } => Action::Escalate { to: to.into(), reason },
        ActCommand::Close { note } => Action::Close { note },
        ActCommand::Link { to } => Action::Link { primary_ticket: to },
        ActCommand::Adopt { reason } => Action::Decide { adopted: true, reason },
        ActCommand::Decline { reason } => Action::Decide { adopted: false, reason },
    })
}

fn read_signature(path: &std::path::Path) -> Result<Signature> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the signature {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a signature (strokes of [x, y] points)", path.display()))
}

fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .with_context(|| format!("{s:?} is not a date: use YYYY-MM-DD"))
}

fn parse_month(s: &str) -> Result<NaiveDate> {
    parse_date(s)
        .or_else(|_| parse_date(&format!("{}-01", s.trim())))
        .with_context(|| format!("{s:?} is not a month: use YYYY-MM"))
}

/// A date means the end of that local day (a promise "by the 30th" lasts all day);
/// a full RFC 3339 time is taken as is.
fn parse_when(s: &str, settings: &Settings) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = parse_date(s).with_context(|| format!("{s:?} is neither YYYY-MM-DD nor RFC 3339"))?;
    let cal = &settings.calendar;
    let last_second = day.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("valid time"));
    Ok(cal
        .tz
        .from_local_datetime(&last_second)
        .latest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| cal.end_of_day(day)))
}

fn calendar_check(
    cal: &crate::domain::calendar::WorkCalendar,
    years: &[i32],
    out: &mut impl Write,
) -> Result<()> {
    use crate::domain::calendar::CalendarSource;
    const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    for &year in years {
        match cal.source(year) {
            CalendarSource::Published { notice, configured } => {
                let extra = if configured { ", with [calendar] dates from the config" } else { "" };
                writeln!(out, "{year}: {notice}{extra}")?;
            }
            CalendarSource::Configured => writeln!(out, "{year}: [calendar] dates from the config only")?,
            CalendarSource::WeekendsOnly => {
                writeln!(
                    out,
                    "{year}: warning: no published arrangement ships for {year} and none is configured: only weekends are off, so deadlines around the holidays will be wrong. Add the State Council's dates as [calendar] holidays and workdays."
                )?;
                continue;
            }
        }
        let exceptions = cal.exceptions(year);
        for (label, working) in [("  weekdays off:", false), ("  weekend days worked:", true)] {
            let days: Vec<String> = exceptions
                .iter()
                .filter(|(_, w)| *w == working)
                .map(|(d, _)| {
                    format!("{} {}", d.format("%m-%d"), WEEKDAYS[d.weekday().num_days_from_monday() as usize])
                })
                .collect();
            writeln!(out, "{label} {}", if days.is_empty() { "none".to_string() } else { days.join(", ") })?;
        }
    }
    Ok(())
}

/// Files cases as fast as the store allows, printing each ticket after its commit. The
/// durability test SIGKILLs this at random moments and checks every printed ticket survived.
fn file_loop(desk: &mut Desk, count: u64, out: &mut impl Write) -> Result<()> {
    for i in 0..count {
        let new = NewCase {
            category: "water".into(),
            place: format!("{}-{}-{}", 1 + i % 9, 1 + i % 3, 101 + i % 30),
            phone: Some("13800138000".into()),
            text: format!("耐久测试 {i}"),
            ..NewCase::default()
        };
        let case = desk.file(&new, Utc::now())?;
        writeln!(out, "{}", case.ticket())?;
        out.flush()?;
    }
    Ok(())
}
