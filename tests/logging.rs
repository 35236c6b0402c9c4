//! The journal is read by installers and support staff who have no business seeing who
//! complained about whom: a whole kiosk session, logged at the most verbose level, must
//! name tickets and categories but never a resident's name, phone, flat or words.

use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use tempfile::TempDir;

use lobbydesk::app::Desk;
use lobbydesk::app::printing::Printer;
use lobbydesk::config::Settings;
use lobbydesk::domain::filing::NewCase;
use lobbydesk::domain::intake::Lang;
use lobbydesk::kiosk::service::Service;

#[derive(Clone, Default)]
struct Journal(Arc<Mutex<Vec<u8>>>);

impl Write for Journal {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_kiosk_session_logs_tickets_but_no_personal_data() {
    let journal = Journal::default();
    let writer = journal.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();

    let data = TempDir::new().unwrap();
    let pin = lobbydesk::kiosk::staff::PinHash::new("864209").unwrap();
    let settings = Settings::from_toml(
        &format!(
            "[kiosk]\nestate = \"翠湖花园\"\n[[staff]]\nid = \"wang\"\nname = \"王芳\"\npin = \"{pin}\"\n"
        ),
        "test",
    )
    .unwrap();
    let resident = NewCase {
        category: "water".into(),
        place: "3-2-1201".into(),
        phone: Some("13912345678".into()),
        name: Some("欧阳娜娜".into()),
        text: "厨房水管漏水已经三天".into(),
        ..NewCase::default()
    };

    let ticket = tracing::subscriber::with_default(subscriber, || {
        let desk = Desk::open(settings.clone(), data.path()).unwrap();
        let printer = Printer::open(&settings.printer, data.path()).unwrap();
        let mut service = Service::new(desk, printer);
        let filed = service.file(&resident, Utc::now()).unwrap();
        service.print_ticket(&filed.ticket, Utc::now());
        assert!(service.lookup(&filed.ticket, "5678", Lang::ZhCn).is_some());
        service.raise_alert("", None, Utc::now());
        assert!(service.staff_sign_in("111111", Utc::now()).is_err());
        let staff = service.staff_sign_in("864209", Utc::now()).unwrap();
        let shown: Vec<u64> = service.alerts.iter().map(|a| a.id).collect();
        service.acknowledge(&shown, &staff, Utc::now());
        // A refused filing is logged too, with the reason but not the input.
        let bad = NewCase { phone: Some("1391234".into()), ..resident.clone() };
        assert!(service.file(&bad, Utc::now()).is_err());
        filed.ticket
    });

    let log = String::from_utf8(journal.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("case filed"), "the filing is in the journal:\n{log}");
    assert!(log.contains(&ticket), "the journal names the ticket:\n{log}");
    assert!(log.contains("filing refused"), "the refusal is in the journal:\n{log}");
    assert!(
        log.contains("wrong staff PIN") && log.contains("staff signed in"),
        "sign-ins are in the journal:\n{log}"
    );
    assert!(log.contains("alerts acknowledged"), "who acknowledged is in the journal:\n{log}");
    for secret in
        ["13912345678", "1391234", "5678", "欧阳娜娜", "3-2-1201", "1201", "厨房水管漏水", "864209", "111111"]
    {
        assert!(!log.contains(secret), "{secret:?} leaked into the journal:\n{log}");
    }
}
