//! A property group's HQ in minutes: one estate's two years of realistic cases, worked
//! through the real workflow by `app::generate` (every event passed the domain's checks),
//! copied to each of 200 estates with fresh ids, tickets and kiosk indexes and a few
//! minutes' offset, and loaded through `import_arrivals` — the bulk path `hq migrate`
//! uses — in batches, never through one CLI process or one request per case.
#![allow(dead_code)]

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use lobbydesk::app::Desk;
use lobbydesk::config::Settings;
use lobbydesk::domain::event::{EventBody, Origin};
use lobbydesk::hq::db::HqDatabase;
use lobbydesk::store::StoredEvent;
use uuid::Uuid;

pub const ESTATES: usize = 200;

pub fn estate(i: usize) -> String {
    format!("小区{:03}", i % ESTATES)
}

pub fn code(i: usize) -> String {
    format!("E{:03}", i % ESTATES)
}

/// One estate's history: `cases` realistic cases over the two years before `now`, each
/// case's events in the order they were written.
pub fn template(cases: usize, now: DateTime<Utc>) -> Vec<Vec<StoredEvent>> {
    let dir = tempfile::TempDir::new().unwrap();
    let settings = Settings::from_toml("[kiosk]\ncode = \"T01\"\nestate = \"模板\"\n", "bench").unwrap();
    let mut desk = Desk::open(settings, dir.path()).unwrap();
    lobbydesk::app::generate::realistic_cases(&mut desk, cases, now, 42).unwrap();
    let mut by_case: HashMap<Uuid, Vec<StoredEvent>> = HashMap::new();
    let mut order = Vec::new();
    for e in desk.store().all_events().unwrap() {
        if !by_case.contains_key(&e.event.case_id) {
            order.push(e.event.case_id);
        }
        by_case.entry(e.event.case_id).or_default().push(e);
    }
    order.into_iter().map(|id| by_case.remove(&id).unwrap()).collect()
}

/// The template as estate `e`'s kiosk wrote it: new case and event ids, its own tickets
/// and indexes, times moved by `e` × 3 minutes.
pub fn copy_for(template: &[Vec<StoredEvent>], e: usize) -> Vec<StoredEvent> {
    let shift = Duration::minutes(3 * e as i64);
    let origin = Origin::kiosk(&code(e));
    let ids: HashMap<Uuid, Uuid> = template.iter().map(|h| (h[0].event.case_id, Uuid::now_v7())).collect();
    let tickets: HashMap<String, String> = template
        .iter()
        .enumerate()
        .filter_map(|(n, h)| match &h[0].event.body {
            EventBody::Filed { intake } => Some((intake.ticket.clone(), format!("{}-{:05}", code(e), n + 1))),
            _ => None,
        })
        .collect();
    let mut seq = 0;
    let mut out = Vec::with_capacity(template.iter().map(Vec::len).sum());
    for history in template {
        for stored in history {
            let mut copy = stored.clone();
            seq += 1;
            copy.origin_seq = seq;
            copy.event.origin = origin.clone();
            copy.event.id = Uuid::now_v7();
            copy.event.case_id = ids[&stored.event.case_id];
            copy.event.at += shift;
            copy.event.stamp.millis += shift.num_milliseconds();
            match &mut copy.event.body {
                EventBody::Filed { intake } => {
                    intake.ticket = tickets[&intake.ticket].clone();
                    intake.estate = estate(e);
                    // Each estate's residents have phones of their own.
                    if let Some(contact) = &mut intake.contact {
                        let own = format!("139{e:03}{}", &contact.phone.as_str()[6..]);
                        contact.phone = lobbydesk::domain::validate::Phone::parse(&own).unwrap();
                    }
                }
                EventBody::LinkedDuplicate { primary, primary_ticket } => {
                    *primary = ids[primary];
                    *primary_ticket = tickets[primary_ticket.as_str()].clone();
                }
                _ => {}
            }
            out.push(copy);
        }
    }
    out
}

/// Loads `estates` copies of `template` into `db`, numbering arrivals after `after`;
/// returns the last arrival number used.
pub async fn load(
    db: &dyn HqDatabase,
    template: &[Vec<StoredEvent>],
    estates: std::ops::Range<usize>,
    after: i64,
) -> i64 {
    let mut seq = after;
    for e in estates {
        let events = copy_for(template, e);
        for batch in events.chunks(5_000) {
            let arrivals: Vec<(i64, String, StoredEvent)> = batch
                .iter()
                .map(|ev| {
                    seq += 1;
                    (seq, estate(e), ev.clone())
                })
                .collect();
            db.import_arrivals(arrivals).await.unwrap();
        }
    }
    seq
}
