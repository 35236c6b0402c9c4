use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;
use tempfile::TempDir;
use uuid::Uuid;

use super::*;
use crate::domain::case::Status;
use crate::domain::category::Catalogue;
use crate::domain::event::EventBody;
use crate::domain::filing::{FilingContext, NewCase};
use crate::domain::ticket::KioskCode;
use crate::store::{DocumentKind, JobState};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z").unwrap().with_timezone(&Utc)
}

fn kiosk() -> KioskCode {
    KioskCode::parse("K01").unwrap()
}

/// Validation with the default catalogue, as the kiosk would before storing.
fn validated(new: NewCase, case_id: Uuid) -> crate::domain::intake::Intake {
    new.validate(&FilingContext {
        catalogue: &Catalogue::default(),
        estate: "翠湖花园",
        case_id,
        repair_sample_percent: 30,
    })
    .unwrap()
}

fn open(dir: &TempDir) -> Store {
    Store::open(dir.path(), Origin::kiosk("K01")).unwrap()
}

/// A resident's water repair, validated, as case `id`.
fn water_repair(id: Uuid, text: &str) -> crate::domain::intake::Intake {
    validated(
        NewCase {
            category: "water".into(),
            place: "3-2-1201".into(),
            phone: Some("13800138000".into()),
            name: Some("张三".into()),
            text: text.into(),
            ..NewCase::default()
        },
        id,
    )
}

fn file(store: &mut Store, text: &str) -> crate::domain::case::Case {
    let id = Uuid::now_v7();
    store.file_case(&kiosk(), id, water_repair(id, text), "kiosk", true, now()).unwrap()
}

fn count(store: &Store, table: &str) -> i64 {
    store.conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

#[test]
fn the_store_runs_in_wal_with_full_sync_and_foreign_keys() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    // A filing writes its rows without an fsync and then goes back to FULL.
    file(&mut store, "漏水");
    let mode: String = store.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    let sync: i64 = store.conn.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
    let fk: i64 = store.conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
    assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn filing_writes_the_case_its_event_and_its_outbox_entry_together() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let case = file(&mut store, "厨房水管漏水");
    assert_eq!(case.ticket(), "K01-00001");
    assert_eq!((count(&store, "cases"), count(&store, "events"), store.outbox_len().unwrap()), (1, 1, 1));
    let second = file(&mut store, "卫生间漏水");
    assert_eq!(second.ticket(), "K01-00002");
}

#[test]
fn a_refused_action_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let case = file(&mut store, "厨房水管漏水");
    let err = store.append(case.id, EventBody::Closed { note: None }, "wang", now()).unwrap_err();
    assert!(matches!(err, StoreError::Workflow(_)), "{err}");
    assert_eq!((count(&store, "events"), store.outbox_len().unwrap()), (1, 1));
    let resolved = store
        .append(case.id, EventBody::Resolved { note: "换阀门".into() }, "wang", now() + Duration::hours(1))
        .unwrap();
    assert_eq!(resolved.status, Status::Resolved);
    assert_eq!((count(&store, "events"), store.outbox_len().unwrap()), (2, 2));
    let record = store.case_by_ticket("K01-00001").unwrap();
    assert_eq!(record.case, resolved);
    assert_eq!(record.events.iter().map(|e| e.origin_seq).collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn restoring_an_old_copy_of_the_database_never_reuses_a_ticket_number() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    file(&mut store, "一");
    let backup = dir.path().join("backup.sqlite");
    store.backup_to(&backup).unwrap();
    file(&mut store, "二");
    file(&mut store, "三");
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("{DB_FILE}{suffix}")));
    }
    std::fs::copy(&backup, dir.path().join(DB_FILE)).unwrap();
    let mut store = open(&dir);
    assert_eq!(count(&store, "cases"), 1, "the old copy is back");
    assert_eq!(file(&mut store, "四").ticket(), "K01-00004");
}

#[test]
fn a_lost_watermark_file_continues_from_the_database() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    file(&mut store, "一");
    std::fs::remove_file(dir.path().join(WATERMARK_FILE)).unwrap();
    assert_eq!(file(&mut store, "二").ticket(), "K01-00002");
}

/// A filing folds its case from the event it just wrote, without reading the case back;
/// should its id already have events, what it returns is still the case they all make.
#[test]
fn a_filing_returns_the_case_as_all_its_events_make_it() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let first = file(&mut store, "漏水");
    assert_eq!(first.event_count, 1);
    let again =
        store.file_case(&kiosk(), first.id, water_repair(first.id, "又漏水"), "kiosk", true, now()).unwrap();
    assert_eq!(again.event_count, 2);
    assert_eq!(again.conflicts.len(), 1, "{:?}", again.conflicts);
    assert_eq!(store.case_by_id(first.id).unwrap().case, again);
}

#[test]
fn a_garbled_watermark_stops_filing_rather_than_guess() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    std::fs::write(dir.path().join(WATERMARK_FILE), "garbage").unwrap();
    let id = Uuid::now_v7();
    let intake = file(&mut open(&TempDir::new().unwrap()), "x").intake;
    let err = store.file_case(&kiosk(), id, intake, "kiosk", true, now()).unwrap_err();
    assert!(err.to_string().contains("ticket watermark"), "{err}");
    assert_eq!(count(&store, "cases"), 0);
}

#[test]
fn a_damaged_file_is_reported_with_what_to_do() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join(DB_FILE), vec![0x5a; 8192]).unwrap();
    let err = Store::open(dir.path(), Origin::kiosk("K01")).err().expect("must refuse");
    assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains("restore the latest backup"), "{err}");
}

/// Opening reads the schema only (start-up must not grow with the file); damage deeper in
/// the file is found by `quick_check`, which the kiosk runs once its window is up.
#[test]
fn damage_deep_in_the_file_is_found_by_the_quick_check() {
    let dir = TempDir::new().unwrap();
    {
        let mut store = open(&dir);
        for i in 0..300 {
            file(&mut store, &format!("第{i}号：楼道灯不亮，晚上看不清楚，请尽快维修"));
        }
        store.quick_check().unwrap();
    }
    let path = dir.path().join(DB_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    assert!(bytes.len() > 40 * page, "a file of many pages: {}", bytes.len());
    for b in &mut bytes[30 * page..31 * page] {
        *b = 0x5a;
    }
    std::fs::write(&path, bytes).unwrap();
    let found = match Store::open(dir.path(), Origin::kiosk("K01")) {
        Ok(store) => store.quick_check().unwrap_err(),
        Err(e) => e,
    };
    assert!(matches!(found, StoreError::Damaged { .. }), "{found}");
}

/// The kiosk and a command (or HQ and `hq add-kiosk`) opening a new or older file at the
/// same moment: each migration step is applied once, and every opener succeeds.
#[test]
fn stores_opened_at_the_same_moment_migrate_the_file_once() {
    for _ in 0..10 {
        let dir = TempDir::new().unwrap();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let (path, barrier) = (dir.path().to_path_buf(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path, Origin::hq()).map(|_| ())
                })
            })
            .collect();
        for opener in openers {
            opener.join().unwrap().unwrap();
        }
    }
}

/// The read model is rebuilt from the events by one command, and comes out as folding
/// gives it whatever was in the columns before.
#[test]
fn the_read_model_is_rebuilt_from_the_events() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    for i in 0..20 {
        file(&mut store, &format!("第{i}号：楼道灯不亮"));
    }
    let overdue = |store: &Store| {
        let query = CaseQuery { overdue_at: Some(now() + chrono::Duration::days(30)), ..Default::default() };
        store.list_cases(&query, None, 100).unwrap().len()
    };
    let (cases, differed) = store.rebuild_read_model().unwrap();
    assert_eq!((cases, differed), (20, 0), "the columns already agree with the events");
    let expected = overdue(&store);
    assert_eq!(expected, 20);
    store
        .conn
        .execute("UPDATE cases SET status = 'closed', overdue_from = '', phone = 'x', unreviewed = 7", [])
        .unwrap();
    assert_eq!(overdue(&store), 0);
    assert_eq!(store.rebuild_read_model().unwrap(), (20, 20));
    assert_eq!(overdue(&store), expected);
    assert!(store.cases().unwrap().iter().all(|c| c.status != crate::domain::case::Status::Closed));
}

#[test]
fn a_file_from_a_newer_lobbydesk_is_refused() {
    let dir = TempDir::new().unwrap();
    drop(open(&dir));
    let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    drop(conn);
    let err = Store::open(dir.path(), Origin::kiosk("K01")).err().expect("must refuse");
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
}

/// A case as the code of schema 1–3 stored it: the same rows, written with SQL.
fn insert_old_case(conn: &Connection, version: u32) {
    use crate::domain::case::Case;
    use crate::domain::event::Event;
    use crate::domain::hlc::Hlc;
    let id = Uuid::now_v7();
    let mut intake = validated(
        NewCase {
            category: "elevator".into(),
            place: "3-2-1201".into(),
            phone: Some("13800138000".into()),
            text: "电梯按钮失灵".into(),
            ..NewCase::default()
        },
        id,
    );
    intake.ticket = "K01-00001".into();
    let event = Event {
        id: Uuid::now_v7(),
        case_id: id,
        origin: Origin::kiosk("K01"),
        stamp: Hlc { millis: now().timestamp_millis(), counter: 0 },
        at: now(),
        actor: "resident".into(),
        body: EventBody::Filed { intake: Box::new(intake) },
    };
    let case = Case::fold([&event]).unwrap();
    let t = now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    conn.execute(
        "INSERT INTO events (id, case_id, origin, origin_seq, stamp_millis, stamp_counter, at, actor, type, body)
         VALUES (?1, ?2, 'kiosk:K01', 1, ?3, 0, ?4, 'resident', 'filed', ?5)",
        rusqlite::params![event.id.to_string(), id.to_string(), now().timestamp_millis(), t, serde_json::to_string(&event.body).unwrap()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO outbox (event_id, queued_at) VALUES (?1, ?2)",
        rusqlite::params![event.id.to_string(), t],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO cases (id, ticket, kind, category, status, place, text, contact, filed_at, updated_at, state)
         VALUES (?1, 'K01-00001', 'repair', 'elevator', 'received', '3-2-1201', '电梯按钮失灵', ' 13800138000', ?2, ?2, ?3)",
        rusqlite::params![id.to_string(), t, serde_json::to_string(&case).unwrap()],
    )
    .unwrap();
    if version >= 3 {
        conn.execute(
            "INSERT INTO print_jobs (document, case_id, requested_by, created_at, next_try_at) VALUES ('ticket', ?1, 'resident', ?2, ?2)",
            rusqlite::params![id.to_string(), t],
        )
        .unwrap();
    }
    if version >= 4 {
        // Schema 4 kept the estate beside the case and every arrival in order.
        conn.execute("UPDATE cases SET estate = '翠湖花园' WHERE id = ?1", [id.to_string()]).unwrap();
        conn.execute("INSERT INTO received (event_id) VALUES (?1)", [event.id.to_string()]).unwrap();
    }
    if version >= 5 {
        // Schema 5 kept each kiosk code's highest ticket as cases were stored.
        conn.execute("INSERT INTO ticket_high (code, sequence) VALUES ('K01', 1)", []).unwrap();
        conn.execute("UPDATE received SET estate = '翠湖花园'", []).unwrap();
    }
    if version >= 13 {
        // Schema 13 kept each outbox entry's event index beside it.
        conn.execute("UPDATE outbox SET seq = 1", []).unwrap();
    }
    conn.execute("INSERT INTO meta (key, value) VALUES ('ticket_seq', '1')", []).unwrap();
}

/// Builds a store at every earlier schema version, with a case as that version stored
/// it, then opens it with the current code: the data must survive and every newer
/// feature must see it.
#[test]
fn every_earlier_schema_version_upgrades_with_its_data() {
    for version in 0..SCHEMA_VERSION {
        let dir = TempDir::new().unwrap();
        let db = dir.path().join(DB_FILE);
        let mut conn = Connection::open(&db).unwrap();
        configure(&conn).unwrap();
        migrations::migrate_to(&mut conn, &db, version).unwrap();
        if version >= 1 {
            insert_old_case(&conn, version);
        }
        drop(conn);
        let mut store = open(&dir);
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION, "from {version}");
        assert_eq!(store.integrity_check().unwrap(), "ok");
        let auto_vacuum: i64 = store.conn.pragma_query_value(None, "auto_vacuum", |r| r.get(0)).unwrap();
        assert_eq!(auto_vacuum, 2, "freed pages go back incrementally, from {version}");
        if version >= 1 {
            assert_eq!(store.search("按钮失灵").unwrap().len(), 1, "search, from {version}");
            assert_eq!(store.search("按钮").unwrap().len(), 1, "two-character search, from {version}");
            let case = store.case_by_ticket("K01-00001").unwrap().case;
            assert_eq!(
                store.estate_of(case.id).unwrap().as_deref(),
                Some("翠湖花园"),
                "estate, from {version}"
            );
            assert_eq!(store.all_events().unwrap().len(), 1, "arrival order, from {version}");
            assert_eq!(store.outbox_batch(10).unwrap().len(), 1, "outbox, from {version}");
            assert_eq!(store.max_ticket_sequence("K01").unwrap(), 1, "ticket high-water, from {version}");
            let (pulled, _, _) = store.events_since(0, "翠湖花园", Some(&Origin::hq()), 10).unwrap();
            assert_eq!(pulled.len(), 1, "arrivals by estate, from {version}");
            // The desk's list columns are filled from the events (schema 6).
            let mine = crate::store::CaseQuery { owners: vec![case.owner.clone()], ..Default::default() };
            assert_eq!(store.list_cases(&mine, None, 10).unwrap().len(), 1, "desk lists, from {version}");
            if version >= 3 {
                assert_eq!(store.print_jobs_of(case.id).unwrap().len(), 1, "print jobs, from {version}");
            }
            // New cases continue the numbering.
            assert_eq!(file(&mut store, "又坏了").ticket(), "K01-00002", "from {version}");
        }
    }
}

#[test]
fn staff_search_finds_chinese_text_place_ticket_and_phone() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    file(&mut store, "厨房水管漏水");
    file(&mut store, "阳台地漏堵塞");
    assert_eq!(store.search("水管漏水").unwrap().len(), 1);
    assert_eq!(store.search("漏水").unwrap().len(), 1, "two characters use the index of pairs");
    assert_eq!(store.search("漏").unwrap().len(), 2);
    assert_eq!(store.search("K01-00002").unwrap()[0].intake.text, "阳台地漏堵塞");
    assert_eq!(store.search("13800138000").unwrap().len(), 2);
    assert_eq!(store.search("3-2-1201").unwrap().len(), 2);
    assert!(store.search("电梯").unwrap().is_empty());
    // FTS syntax in a query is text, not an operator, and never an error.
    for odd in ["\"", "a OR b", "NEAR(x y)", "漏*", "%", "_"] {
        store.search(odd).unwrap();
    }
}

#[test]
fn stale_projections_are_rebuilt_from_events_at_start() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let case = file(&mut store, "厨房水管漏水");
    store.conn.execute("UPDATE cases SET state = '{}', status = 'bogus'", []).unwrap();
    store.conn.execute("UPDATE meta SET value = '0' WHERE key = 'projection_version'", []).unwrap();
    drop(store);
    let store = open(&dir);
    assert_eq!(store.cases().unwrap(), vec![case]);
}

#[test]
fn filing_queues_the_ticket_in_the_same_transaction() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let case = file(&mut store, "厨房水管漏水");
    let jobs = store.print_jobs_of(case.id).unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].document, jobs[0].state, jobs[0].reprint),
        (DocumentKind::Ticket, JobState::Queued, false)
    );
    assert_eq!(store.oldest_queued_job().unwrap().unwrap().id, jobs[0].id);
}

#[test]
fn a_job_cut_off_mid_print_is_uncertain_after_restart_and_not_sent_again() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let case = file(&mut store, "厨房水管漏水");
    let job = store.oldest_queued_job().unwrap().unwrap();
    store.mark_printing(job.id).unwrap();
    drop(store); // power cut
    let store = open(&dir);
    let after = store.print_jobs_of(case.id).unwrap();
    assert_eq!(after[0].state, JobState::Uncertain);
    assert!(after[0].last_error.as_deref().unwrap().contains("reprint"));
    assert!(store.oldest_queued_job().unwrap().is_none());
}

#[test]
fn jobs_come_out_oldest_first_and_a_waiting_one_keeps_its_place() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    file(&mut store, "一");
    file(&mut store, "二");
    let first = store.oldest_queued_job().unwrap().unwrap();
    store.mark_waiting(first.id, "paper-out", now() + Duration::seconds(30)).unwrap();
    let still = store.oldest_queued_job().unwrap().unwrap();
    assert_eq!((still.id, still.attempts), (first.id, 1));
    assert_eq!(still.next_try_at, now() + Duration::seconds(30));
}

#[test]
fn closed_cases_hq_has_leave_the_kiosk_after_the_retention_window() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let id = Uuid::now_v7();
    let intake = validated(
        NewCase {
            category: "water".into(),
            place: "3-2-1201".into(),
            anonymous: true,
            text: "漏水".into(),
            ..NewCase::default()
        },
        id,
    );
    let case = store.file_case(&kiosk(), id, intake, "kiosk", true, now()).unwrap();
    store.append(case.id, EventBody::Resolved { note: "修好".into() }, "li", now()).unwrap();
    store.append(case.id, EventBody::Closed { note: None }, "li", now()).unwrap();
    let open_case = file(&mut store, "还没修");
    // A closed case with an event HQ refused is not confirmed, so it stays.
    let refused_id = Uuid::now_v7();
    let anonymous = NewCase {
        category: "water".into(),
        place: "3-2-1202".into(),
        anonymous: true,
        text: "被拒".into(),
        ..NewCase::default()
    };
    let refused = store
        .file_case(&kiosk(), refused_id, validated(anonymous, refused_id), "kiosk", true, now())
        .unwrap();
    store.append(refused.id, EventBody::Resolved { note: "修好".into() }, "li", now()).unwrap();
    let closed = store.append(refused.id, EventBody::Closed { note: None }, "li", now()).unwrap();
    let refused_event = store.case_by_id(closed.id).unwrap().events.last().unwrap().event.id;
    store.set_aside(refused_event, crate::store::sync::RefusalCode::Invalid, "test", now()).unwrap();
    // Evaluated 31 days after closing with a 30-day window, the cutoff is a day after it.
    let keep = Duration::days(30);
    let later = now() + Duration::days(31) - keep;
    assert_eq!(store.purge_closed(later).unwrap(), 0, "not while HQ lacks its events");
    let ids: Vec<Uuid> = store.outbox_batch(100).unwrap().iter().map(|e| e.event.id).collect();
    store.confirm_sent(&ids).unwrap();
    assert_eq!(store.purge_closed(now() + Duration::days(29) - keep).unwrap(), 0, "not before the window");
    assert_eq!(store.purge_closed(later).unwrap(), 1);
    assert!(store.case_by_id(case.id).is_err());
    assert!(store.case_by_id(open_case.id).is_ok());
    assert!(store.case_by_id(refused.id).is_ok(), "HQ never confirmed its closing");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(file(&mut store, "新的").ticket(), "K01-00004", "numbers are never reused");
}

/// Two-character words go through `case_pairs` and find exactly what reading every case
/// finds, whatever the texts hold: Chinese, digits, letters in either case, signs.
#[test]
fn two_character_searches_are_indexed_and_find_what_a_full_scan_finds() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let texts = [
        "厨房水管漏水",
        "阳台地漏堵塞",
        "电梯按钮失灵 Lift B2",
        "门禁卡 IC 失效，3-2",
        "楼道灯不亮（b2 层）",
    ];
    for text in texts {
        file(&mut store, text);
    }
    let plan: Vec<String> = store
        .conn
        .prepare(&format!(
            "EXPLAIN QUERY PLAN SELECT seq FROM cases WHERE {}",
            super::cases::words_clause("漏水", 1).0
        ))
        .unwrap()
        .query_map(["\"漏水\""], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(plan.iter().any(|step| step.contains("case_pairs")), "{plan:?}");
    assert!(!plan.iter().any(|step| step.starts_with("SCAN cases")), "{plan:?}");
    let rows: Vec<(String, [String; 4])> = store
        .conn
        .prepare("SELECT ticket, ticket, place, text, contact FROM cases")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?])))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut words: Vec<String> =
        vec!["b2".into(), "B2".into(), "li".into(), "IC".into(), "01".into(), "00".into()];
    for text in texts {
        let chars: Vec<char> = text.chars().collect();
        // As the search box gives them: trimmed, so " B" is a one-letter search.
        words.extend(chars.windows(2).map(|w| w.iter().collect::<String>().trim().to_string()));
    }
    for word in words {
        let found: std::collections::BTreeSet<String> =
            store.search(&word).unwrap().iter().map(|c| c.ticket().to_string()).collect();
        let scanned: std::collections::BTreeSet<String> = rows
            .iter()
            .filter(|(_, texts)| texts.iter().any(|h| h.to_lowercase().contains(&word.to_lowercase())))
            .map(|(ticket, _)| ticket.clone())
            .collect();
        assert_eq!(found, scanned, "{word:?}");
        // The desk's lists read the same index, newest first.
        let query = crate::store::CaseQuery { words: Some(word.clone()), ..Default::default() };
        let listed: Vec<String> =
            store.list_cases(&query, None, 10).unwrap().iter().map(|(c, _)| c.ticket().to_string()).collect();
        assert_eq!(listed.iter().cloned().collect::<std::collections::BTreeSet<_>>(), found, "{word:?}");
        assert!(listed.windows(2).all(|w| w[0] > w[1]), "newest first: {listed:?}");
    }
    assert!(!store.search("漏水").unwrap().is_empty());
}

/// After a purge the file gets smaller: freed pages go back to the file system.
#[test]
fn a_purge_gives_its_space_back() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let long = "厨房水管漏水，地面有积水，楼下天花板也在滴水。".repeat(20);
    let mut ids = Vec::new();
    for _ in 0..300 {
        // Anonymous: closed without a callback.
        let id = Uuid::now_v7();
        let new = NewCase {
            category: "water".into(),
            place: "3-2-1201".into(),
            anonymous: true,
            text: long.clone(),
            ..NewCase::default()
        };
        let case = store.file_case(&kiosk(), id, validated(new, id), "kiosk", true, now()).unwrap();
        store.append(case.id, EventBody::Resolved { note: "修好".into() }, "li", now()).unwrap();
        store.append(case.id, EventBody::Closed { note: None }, "li", now()).unwrap();
        ids.push(case.id);
    }
    let sent: Vec<Uuid> = store.outbox_batch(10_000).unwrap().iter().map(|e| e.event.id).collect();
    store.confirm_sent(&sent).unwrap();
    store.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let size = || std::fs::metadata(dir.path().join(DB_FILE)).unwrap().len();
    let full = size();
    // The purge itself gives the space back.
    assert_eq!(store.purge_closed(now() + Duration::days(1)).unwrap(), 300);
    let given = full - size();
    assert!(given > full / 2, "gave back {given} of {full}");
    assert!(size() < full / 2, "{} of {full} bytes left", size());
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(store.give_back_space().unwrap(), 0, "nothing more to give");
}

#[test]
fn a_clock_behind_what_the_kiosk_has_seen_marks_the_case() {
    use crate::domain::hlc::Hlc;
    use crate::store::cases::clock_looks_wrong;
    let seen = Hlc { millis: now().timestamp_millis(), counter: 0 };
    assert!(!clock_looks_wrong(now(), seen));
    assert!(!clock_looks_wrong(now() - Duration::seconds(30), seen), "a little drift is fine");
    assert!(clock_looks_wrong(now() - Duration::days(7), seen), "booted last week");
    let epoch = DateTime::from_timestamp(0, 0).unwrap();
    assert!(clock_looks_wrong(epoch, Hlc::default()), "booted in 1970");
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    assert!(!file(&mut store, "正常").intake.clock_unsynced);
}

#[test]
fn a_missing_database_where_lobbydesk_ran_before_is_never_made_anew() {
    // Printed paper alone says this kiosk has issued tickets here.
    let dir = TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("printer")).unwrap();
    std::fs::write(dir.path().join("printer/K01-00007.png"), b"paper").unwrap();
    let err = Store::open(dir.path(), Origin::kiosk("K01")).err().expect("refused");
    assert!(
        matches!(&err, StoreError::MissingDatabase { evidence, .. } if evidence.contains("printer/")),
        "{err}"
    );
    assert!(!dir.path().join(DB_FILE).exists());
    // Deliberately: made, and the numbers continue after the watermarks.
    Watermark::new(dir.path().join(WATERMARK_FILE)).write(41).unwrap();
    Watermark::new(dir.path().join(EVENT_WATERMARK_FILE)).write(2000).unwrap();
    let mut store = Store::open_with(dir.path(), Origin::kiosk("K01"), Fresh::StartOver).unwrap();
    assert_eq!(file(&mut store, "重新开始").ticket(), "K01-00042");
    assert_eq!(store.outbox_batch(1).unwrap()[0].origin_seq, 2001);
}

#[test]
fn event_indexes_survive_a_purge_and_a_restored_database() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    for _ in 0..3 {
        file(&mut store, "漏水");
    }
    let backup = dir.path().join("old.sqlite");
    store.backup_to(&backup).unwrap();
    file(&mut store, "又漏水");
    assert_eq!(store.origin_counter().unwrap(), 4);
    // Everything HQ confirmed and closed is purged: the counter stays.
    store.conn.execute("DELETE FROM outbox", []).unwrap();
    store.conn.execute("DELETE FROM received", []).unwrap();
    store.conn.execute("DELETE FROM events", []).unwrap();
    file(&mut store, "清理之后");
    assert_eq!(store.outbox_batch(1).unwrap()[0].origin_seq, 5);
    drop(store);
    // The old database comes back alone: the reservation file skips what was handed out.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("{DB_FILE}{suffix}")));
    }
    std::fs::copy(&backup, dir.path().join(DB_FILE)).unwrap();
    let mut store = open(&dir);
    file(&mut store, "恢复之后");
    let newest = store.outbox_batch(10).unwrap().into_iter().map(|e| e.origin_seq).max().unwrap();
    assert!(newest > 5, "index {newest} was handed out before the restore");
}

/// The desk's lists page by (filed, seq): every case once, newest first, even when many
/// share one filing time, and the status filter narrows in SQL.
#[test]
fn desk_lists_page_without_gaps_or_repeats_and_filter_by_status() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    // All filed at the same instant: the page mark's sequence breaks the ties.
    let filed: Vec<String> =
        (0..7).map(|i| file(&mut store, &format!("漏水{i}")).ticket().to_string()).collect();
    let query = crate::store::CaseQuery::default();
    let mut seen = Vec::new();
    let mut mark = None;
    loop {
        let page = store.list_cases(&query, mark.as_ref(), 3).unwrap();
        seen.extend(page.iter().map(|(c, _)| c.ticket().to_string()));
        if page.len() < 3 {
            break;
        }
        mark = page.last().map(|(_, m)| m.clone());
    }
    let newest_first: Vec<String> = filed.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);
    let closed =
        crate::store::CaseQuery { statuses: vec![crate::domain::case::Status::Closed], ..Default::default() };
    assert!(store.list_cases(&closed, None, 10).unwrap().is_empty());
}

/// The kiosk reserves ticket numbers 20 at a time: the reservation file is written once
/// per block (a filing waits for the database's fsync only), and whatever a restart, a
/// restored database or another process does, no number is handed out twice.
#[test]
fn ticket_numbers_reserved_in_blocks_are_never_reused() {
    let dir = TempDir::new().unwrap();
    let reserved = || Watermark::new(dir.path().join(WATERMARK_FILE)).read().unwrap();
    let mut store = open(&dir);
    store.reserve_tickets_in_blocks(20);
    let tickets: Vec<String> = (0..3).map(|_| file(&mut store, "漏水").ticket().to_string()).collect();
    assert_eq!(tickets, ["K01-00001", "K01-00002", "K01-00003"]);
    assert_eq!(reserved(), 20, "one write for the block");
    let backup = dir.path().join("old.sqlite");
    store.backup_to(&backup).unwrap();
    // A command filing meanwhile, in its own process, starts after the kiosk's block.
    let mut other = open(&dir);
    assert_eq!(file(&mut other, "命令行").ticket(), "K01-00021");
    // The kiosk's next filing knows its block was overtaken.
    assert_eq!(file(&mut store, "漏水").ticket(), "K01-00022");
    drop((store, other));
    // Power cut and an old copy of the database: the rest of the block is skipped.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("{DB_FILE}{suffix}")));
    }
    std::fs::copy(&backup, dir.path().join(DB_FILE)).unwrap();
    let mut store = open(&dir);
    store.reserve_tickets_in_blocks(20);
    assert_eq!(file(&mut store, "恢复之后").ticket(), "K01-00042");
    assert_eq!(reserved(), 61);
}

fn leaking_pipe(id: Uuid) -> crate::domain::intake::Intake {
    water_repair(id, "厨房水管漏水")
}

/// A filing commits its event, outbox entry and print job with an fsync, and its row and
/// search indexes after, without one. A power cut between the two (here: the process stops
/// after the first commit) loses nothing the resident was given: the next open writes the
/// row from the events, and the ticket still prints.
#[test]
fn a_case_whose_row_was_not_written_gets_it_at_the_next_open() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let id = Uuid::now_v7();
    let case = store.commit_filing(&kiosk(), id, leaking_pipe(id), "kiosk", true, now()).unwrap();
    assert_eq!(case.ticket(), "K01-00001");
    assert!(store.case_by_ticket(case.ticket()).is_err(), "no row before it is projected");
    assert_eq!((count(&store, "unprojected"), store.outbox_len().unwrap()), (1, 1));
    assert_eq!(store.print_jobs_of(id).unwrap().len(), 1, "the ticket's job committed with the filing");
    drop(store);

    let mut store = open(&dir);
    assert_eq!(count(&store, "unprojected"), 0);
    assert_eq!(store.case_by_ticket("K01-00001").unwrap().case, case);
    assert_eq!(store.search("漏水").unwrap().len(), 1, "and its search indexes");
    assert_eq!(store.search("水管漏").unwrap().len(), 1);
    assert_eq!(file(&mut store, "又漏了").ticket(), "K01-00002");
    assert_eq!(count(&store, "unprojected"), 0, "a whole filing leaves nothing behind");
}

/// The row is made from the events as they stand when it is written, so an action another
/// process appended between the two commits is in it, not overwritten by the filing's.
#[test]
fn a_row_written_late_holds_what_others_appended_meanwhile() {
    let dir = TempDir::new().unwrap();
    let mut kiosk_side = open(&dir);
    let id = Uuid::now_v7();
    kiosk_side.commit_filing(&kiosk(), id, leaking_pipe(id), "kiosk", true, now()).unwrap();
    let mut command = open(&dir);
    command.append(id, EventBody::Resolved { note: "换阀门".into() }, "wang", now()).unwrap();
    assert_eq!(kiosk_side.project_pending().unwrap(), 0, "the other process wrote it");
    let case = kiosk_side.case_by_ticket("K01-00001").unwrap().case;
    assert_eq!(case.status, Status::Resolved);
    // And the other way round: a late row written after an action is the newest state.
    let id = Uuid::now_v7();
    kiosk_side.commit_filing(&kiosk(), id, leaking_pipe(id), "kiosk", true, now()).unwrap();
    kiosk_side.project_pending().unwrap();
    command.append(id, EventBody::Resolved { note: "修好".into() }, "wang", now()).unwrap();
    kiosk_side.project_pending().unwrap();
    assert_eq!(kiosk_side.case_by_id(id).unwrap().case.status, Status::Resolved);
}

/// A case purged while still listed leaves no row behind and does not stop the store
/// opening.
#[test]
fn a_listed_case_that_is_gone_is_skipped() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store
        .conn
        .execute(
            "INSERT INTO unprojected (case_id) VALUES ('not-a-case'), (?1)",
            [Uuid::now_v7().to_string()],
        )
        .unwrap();
    drop(store);
    let store = open(&dir);
    assert_eq!(count(&store, "unprojected"), 0);
    assert_eq!(count(&store, "cases"), 0);
}

/// While the kiosk is idle the next block of ticket numbers (and of event indexes) is
/// reserved before the current one runs out, so no filing waits for the reservation
/// file's two fsyncs; the numbers stay unique.
#[test]
fn the_next_block_is_reserved_while_idle() {
    let dir = TempDir::new().unwrap();
    let reserved = |file: &str| Watermark::new(dir.path().join(file)).read().unwrap();
    let mut store = open(&dir);
    store.reserve_tickets_in_blocks(20);
    for _ in 0..9 {
        file(&mut store, "漏水");
    }
    store.between_filings().unwrap();
    assert_eq!(reserved(WATERMARK_FILE), 20, "less than half used: nothing to do");
    file(&mut store, "漏水");
    store.between_filings().unwrap();
    assert_eq!(reserved(WATERMARK_FILE), 30, "half used: the next block, from the last number");
    let tickets: Vec<String> = (0..21).map(|_| file(&mut store, "漏水").ticket().to_string()).collect();
    assert_eq!(reserved(WATERMARK_FILE), 50, "a burst with no idle moment reserves as it goes");
    assert_eq!(tickets.first().unwrap(), "K01-00011");
    assert_eq!(tickets.last().unwrap(), "K01-00031");
    // Event indexes too (blocks of 1,000): reserved on from the database's counter.
    let events_reserved = reserved(EVENT_WATERMARK_FILE);
    let used: i64 = store.conn.query_row("SELECT MAX(origin_seq) FROM events", [], |r| r.get(0)).unwrap();
    assert_eq!(events_reserved, 1000, "{used} of the first block used");
    store.conn.execute("UPDATE meta SET value = '600' WHERE key = 'origin_seq'", []).unwrap();
    store.between_filings().unwrap();
    assert_eq!(reserved(EVENT_WATERMARK_FILE), 1600);
    // A command filing meanwhile reserves after the kiosk's block (one number): the
    // kiosk's idle tick leaves that alone, and its next filing comes after it.
    let mut other = open(&dir);
    assert_eq!(file(&mut other, "命令行").ticket(), "K01-00051");
    store.between_filings().unwrap();
    assert_eq!(reserved(WATERMARK_FILE), 51);
    assert_eq!(file(&mut store, "漏水").ticket(), "K01-00052");
}

/// The kiosk merges its search indexes' segments while idle instead of inside a filing:
/// filings add one small segment each, and the idle tick merges them back.
#[test]
fn search_segments_are_merged_while_idle() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    store.upkeep_when_idle().unwrap();
    let version =
        |store: &Store| -> i64 { store.conn.query_row("PRAGMA data_version", [], |r| r.get(0)).unwrap() };
    let before = version(&store);
    open(&dir).upkeep_when_idle().unwrap();
    assert_eq!(version(&store), before, "set once, not written again at every start");
    let segments = |store: &Store, index: &str| -> i64 {
        store
            .conn
            .query_row(&format!("SELECT COUNT(DISTINCT segid) FROM {index}_idx"), [], |r| r.get(0))
            .unwrap()
    };
    for i in 0..12 {
        file(&mut store, &format!("第{i}次：厨房水管漏水"));
    }
    assert!(segments(&store, "case_search") >= 12, "one segment a filing, none merged during one");
    assert!(segments(&store, "case_pairs") >= 12);
    store.between_filings().unwrap();
    assert!(segments(&store, "case_search") <= 4, "merged: {}", segments(&store, "case_search"));
    assert!(segments(&store, "case_pairs") <= 4, "merged: {}", segments(&store, "case_pairs"));
    assert_eq!(store.search("水管漏").unwrap().len(), 12);
    assert_eq!(store.search("漏水").unwrap().len(), 12);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}
