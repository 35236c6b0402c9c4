//! Genuine filings, made by a real kiosk: for tests that alter one as a hostile kiosk
//! would, and for the HQ benches, which copy one as new cases so a store grows by
//! millions without a kiosk per case.
#![allow(dead_code)]

use chrono::Utc;
use lobbydesk::app::Desk;
use lobbydesk::config::Settings;
use lobbydesk::domain::event::EventBody;
use lobbydesk::domain::filing::NewCase;
use lobbydesk::store::StoredEvent;
use uuid::Uuid;

/// A filing as kiosk `code` of `estate` writes it.
pub fn filing_of(code: &str, estate: &str) -> StoredEvent {
    let dir = tempfile::TempDir::new().unwrap();
    let settings =
        Settings::from_toml(&format!("[kiosk]\ncode = \"{code}\"\nestate = \"{estate}\"\n"), "bench")
            .unwrap();
    let mut desk = Desk::open(settings, dir.path()).unwrap();
    let new = NewCase {
        category: "water".into(),
        place: "3-2-1201".into(),
        phone: Some("13800138000".into()),
        text: "厨房水管漏水，地面有积水".into(),
        ..NewCase::default()
    };
    desk.file(&new, Utc::now()).unwrap();
    desk.store().outbox_batch(1).unwrap().remove(0)
}

/// A copy of `template` (a filing) as a new case with index `seq` and ticket CODE-seq.
pub fn new_case(template: &StoredEvent, code: &str, seq: i64) -> StoredEvent {
    let mut event = template.clone();
    event.origin_seq = seq;
    event.event.id = Uuid::now_v7();
    event.event.case_id = Uuid::now_v7();
    if let EventBody::Filed { intake } = &mut event.event.body {
        intake.ticket = format!("{code}-{seq:05}");
    }
    event
}
