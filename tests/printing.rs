//! The print queue against the virtual printer: paper runs out, the printer goes offline
//! or is slow, the power is cut — no ticket is lost and none is printed twice unless
//! someone asked for a reprint.

mod common;

use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use tempfile::TempDir;

use lobbydesk::app::Desk;
use lobbydesk::app::printing::{Printer, Step};
use lobbydesk::config::Settings;
use lobbydesk::domain::filing::NewCase;
use lobbydesk::printer::profile::Profile;
use lobbydesk::printer::status::PrinterStatus;
use lobbydesk::printer::transport::Transport;
use lobbydesk::printer::virtual_printer::{PaperLevel, VirtualPrinter, interpret};
use lobbydesk::store::{DocumentKind, JobState};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z").unwrap().with_timezone(&Utc)
}

struct Rig {
    data: TempDir,
    desk: Desk,
    vp: Arc<VirtualPrinter>,
    printer: Printer,
}

impl Rig {
    fn new() -> Rig {
        let data = TempDir::new().unwrap();
        let desk = Desk::open(Settings::default(), data.path()).unwrap();
        let profile = Profile::by_name("generic-58").unwrap();
        let vp =
            Arc::new(VirtualPrinter::new(&data.path().join("printer"), profile.text, profile.dots).unwrap());
        let printer = Printer::with_virtual(profile, vp.clone());
        Rig { data, desk, vp, printer }
    }

    fn reopen(self) -> Rig {
        let Rig { data, desk, vp, printer } = self;
        drop(desk);
        let desk = Desk::open(Settings::default(), data.path()).unwrap();
        Rig { data, desk, vp, printer }
    }

    fn file(&mut self) -> String {
        let new = NewCase {
            category: "water".into(),
            place: "3-2-1201".into(),
            phone: Some("13800138000".into()),
            text: "厨房水管漏水".into(),
            ..NewCase::default()
        };
        self.desk.file(&new, now()).unwrap().ticket().to_string()
    }

    fn step(&mut self, at: DateTime<Utc>) -> Step {
        self.desk.print_step(&mut self.printer, at).unwrap()
    }

    fn job_states(&self) -> Vec<JobState> {
        let mut jobs = self.desk.store().print_jobs(100).unwrap();
        jobs.reverse();
        jobs.into_iter().map(|j| j.state).collect()
    }

    fn pngs(&self) -> usize {
        std::fs::read_dir(self.vp.dir())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png"))
            .count()
    }
}

#[test]
fn out_of_paper_the_ticket_waits_and_prints_once_when_refilled() {
    let mut rig = Rig::new();
    rig.vp.set_paper(PaperLevel::Out);
    rig.file();
    let Step::Waiting { status, .. } = rig.step(now()) else { panic!("should wait") };
    assert_eq!(status, PrinterStatus::PaperOut);
    assert_eq!(rig.vp.printed(), 0);
    // Still out a minute later: still waiting, nothing sent.
    assert!(matches!(rig.step(now() + Duration::minutes(1)), Step::Waiting { .. }));
    rig.vp.set_paper(PaperLevel::Plenty);
    // Refilled: it prints at once, without waiting out the backoff.
    assert!(matches!(rig.step(now() + Duration::minutes(1)), Step::Done { state: JobState::Printed, .. }));
    assert_eq!(rig.step(now() + Duration::minutes(2)), Step::Idle);
    assert_eq!((rig.vp.printed(), rig.pngs()), (1, 1));
    assert_eq!(rig.job_states(), [JobState::Printed]);
}

#[test]
fn a_roll_that_runs_out_during_a_ticket_leaves_it_for_a_person_and_holds_the_rest() {
    let mut rig = Rig::new();
    rig.vp.set_jobs_until_empty(Some(1));
    let (first, second, third) = (rig.file(), rig.file(), rig.file());
    let steps = rig.desk.print_due(&mut rig.printer, now()).unwrap();
    // The roll ended with the first ticket: it may be cut short, so it is not sent again
    // unasked; the next one waits for paper.
    assert!(matches!(steps[0], Step::Done { state: JobState::Uncertain, .. }), "{steps:?}");
    assert!(matches!(steps[1], Step::Waiting { status: PrinterStatus::PaperOut, .. }), "{steps:?}");
    rig.vp.set_paper(PaperLevel::Plenty);
    rig.vp.set_jobs_until_empty(None);
    rig.desk.print_due(&mut rig.printer, now() + Duration::seconds(5)).unwrap();
    assert_eq!(rig.job_states(), [JobState::Uncertain, JobState::Printed, JobState::Printed]);
    let mut names: Vec<String> = std::fs::read_dir(rig.vp.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".png"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            format!("00001-ticket-{first}.png"),
            format!("00002-ticket-{second}.png"),
            format!("00003-ticket-{third}.png")
        ]
    );
}

#[test]
fn an_offline_printer_gets_the_job_when_it_is_back() {
    let mut rig = Rig::new();
    rig.vp.set_offline(true);
    rig.file();
    let Step::Waiting { status, until, .. } = rig.step(now()) else { panic!("should wait") };
    // Offline means no answer: unknown, tried again after the backoff.
    assert_eq!(status, PrinterStatus::Offline);
    assert!(until > now());
    rig.vp.set_offline(false);
    assert!(matches!(rig.step(until), Step::Done { state: JobState::Printed, .. }));
    assert_eq!(rig.vp.printed(), 1);
}

#[test]
fn a_slow_printer_still_prints_each_ticket_once() {
    let mut rig = Rig::new();
    rig.vp.set_delay(std::time::Duration::from_millis(150));
    rig.file();
    rig.file();
    rig.desk.print_due(&mut rig.printer, now()).unwrap();
    assert_eq!(rig.vp.printed(), 2);
    assert_eq!(rig.job_states(), [JobState::Printed, JobState::Printed]);
}

/// A link that takes bytes but cannot read status (a one-way USB cable, say).
struct WriteOnly(Vec<Vec<u8>>);
impl Transport for WriteOnly {
    fn describe(&self) -> String {
        "write-only".into()
    }
    fn send(&mut self, _label: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.0.push(bytes.to_vec());
        Ok(())
    }
    fn query(&mut self, _n: u8) -> Option<u8> {
        None
    }
}

#[test]
fn a_printer_that_cannot_report_is_recorded_as_sent_not_printed() {
    let mut rig = Rig::new();
    rig.file();
    let mut printer =
        Printer::with_transport(Profile::by_name("generic-80").unwrap(), Box::new(WriteOnly(Vec::new())));
    assert!(matches!(
        rig.desk.print_step(&mut printer, now()).unwrap(),
        Step::Done { state: JobState::Sent, .. }
    ));
    assert_eq!(printer.last_status, PrinterStatus::Unknown);
}

#[test]
fn after_a_power_cut_queued_tickets_are_still_there_and_print_once() {
    let mut rig = Rig::new();
    rig.vp.set_paper(PaperLevel::Out);
    rig.file();
    rig.step(now());
    let mut rig = rig.reopen(); // power cut while waiting for paper
    rig.vp.set_paper(PaperLevel::Plenty);
    rig.desk.print_due(&mut rig.printer, now() + Duration::minutes(5)).unwrap();
    let mut rig = rig.reopen();
    rig.desk.print_due(&mut rig.printer, now() + Duration::minutes(10)).unwrap();
    assert_eq!(rig.vp.printed(), 1);
}

#[test]
fn a_ticket_cut_off_mid_print_is_not_sent_again_until_someone_reprints_it() {
    let mut rig = Rig::new();
    let ticket = rig.file();
    // The job was being sent when the power went.
    let job = rig.desk.store().oldest_queued_job().unwrap().unwrap();
    {
        let store_path = rig.data.path().to_path_buf();
        drop(rig.desk);
        let mut store =
            lobbydesk::store::Store::open(&store_path, lobbydesk::domain::event::Origin::kiosk("K01"))
                .unwrap();
        store.mark_printing(job.id).unwrap();
        rig.desk = Desk::open(Settings::default(), &store_path).unwrap();
    }
    let mut rig = rig.reopen();
    assert_eq!(rig.job_states(), [JobState::Uncertain]);
    assert_eq!(rig.desk.print_due(&mut rig.printer, now()).unwrap(), [Step::Idle]);
    assert_eq!(rig.vp.printed(), 0);
    // The front desk sees it and reprints.
    rig.desk
        .queue_print(DocumentKind::Ticket, Some(&ticket), serde_json::Value::Null, true, "wang", now())
        .unwrap();
    rig.desk.print_due(&mut rig.printer, now()).unwrap();
    assert_eq!(rig.vp.printed(), 1);
    let bin = std::fs::read_dir(rig.vp.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "bin"))
        .unwrap();
    let paper = interpret(&std::fs::read(bin).unwrap(), rig.printer.profile.text, 384);
    assert!(paper.text().contains("补打"), "{}", paper.text());
}

#[test]
fn a_resident_may_reprint_once_within_the_window() {
    let mut rig = Rig::new();
    let ticket = rig.file();
    rig.desk.print_due(&mut rig.printer, now()).unwrap();
    rig.desk.resident_reprint(&ticket, now() + Duration::minutes(3)).unwrap();
    let again = rig.desk.resident_reprint(&ticket, now() + Duration::minutes(4)).unwrap_err().to_string();
    assert!(again.contains("already printed"), "{again}");
    rig.desk.print_due(&mut rig.printer, now() + Duration::minutes(4)).unwrap();
    assert_eq!(rig.vp.printed(), 2);

    let late = rig.file();
    let err = rig.desk.resident_reprint(&late, now() + Duration::minutes(11)).unwrap_err().to_string();
    assert!(err.contains("front desk"), "{err}");
}

#[test]
fn phone_cases_queue_no_ticket_and_walk_ins_do() {
    let mut rig = Rig::new();
    lobbydesk::config::add_sample_staff(&mut rig.desk.settings.staff);
    for (channel, expected) in [("phone", 0), ("walk-in", 1)] {
        let new = NewCase {
            category: "noise".into(),
            place: "1-101".into(),
            phone: Some("13800138000".into()),
            text: "噪音".into(),
            channel: Some(channel.parse().unwrap()),
            staff: Some("wang".into()),
            ..NewCase::default()
        };
        let case = rig.desk.file(&new, now()).unwrap();
        assert_eq!(rig.desk.store().print_jobs_of(case.id).unwrap().len(), expected, "{channel}");
    }
}

#[test]
fn the_cli_prints_reports_status_and_draws_paper() {
    let k = common::Kiosk::new();
    let ticket = k.file_repair();
    let printer_dir = k.path().join("printer");
    assert!(printer_dir.join(format!("00001-ticket-{ticket}.png")).exists(), "filing printed the ticket");
    let status = k.json(&["printer", "status"]);
    assert_eq!(status["status"], "ready");
    assert_eq!(status["recent"][0]["state"], "printed");

    std::fs::write(printer_dir.join("paper-out"), "").unwrap();
    let out = k.run(&[
        "file",
        "--category",
        "noise",
        "--place",
        "1-101",
        "--phone",
        "13900139000",
        "--text",
        "噪音",
    ]);
    assert!(out.status.success(), "filing never fails because of the printer");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "K01-00002");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("打印机缺纸"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(k.json(&["printer", "status"])["status"], "paper-out");
    assert_eq!(k.json(&["printer", "status"])["queued"], 1);
    std::fs::remove_file(printer_dir.join("paper-out")).unwrap();
    assert!(k.ok(&["printer", "run", "--once"]).contains("printed"));

    let png = k.path().join("order.png");
    k.ok(&["print", "work-order", &ticket, "--png", png.to_str().unwrap()]);
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let bin = k.path().join("report.bin");
    k.ok(&["print", "daily-report", "--out", bin.to_str().unwrap()]);
    let paper = interpret(&std::fs::read(&bin).unwrap(), lobbydesk::printer::profile::TextMode::Gb18030, 576);
    assert!(paper.text().contains("热线日报"));
    assert!(k.ok(&["print", "test"]).contains("printed"));
    let err = k.fails(&["print", "ticket", "K01-00099"]);
    assert!(err.contains("no case with ticket K01-00099"), "{err}");
}
