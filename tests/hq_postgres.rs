//! HQ on PostgreSQL as a property group runs it: two stateless HQ nodes on one database
//! with kiosks talking to either, the same batch landing on both nodes at once, and an
//! existing SQLite HQ moved over with `hq migrate`. A real server (tests/common/postgres.rs).

mod common;

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use common::hq_db::{HqProcess, HqStore, events_at, sync_until_done};
use lobbydesk::app::{Action, Desk};
use lobbydesk::config::Settings;
use lobbydesk::domain::case::Case;
use lobbydesk::domain::event::Origin;
use lobbydesk::domain::filing::NewCase;
use lobbydesk::hq::db::{DbSettings, HqDatabase};
use lobbydesk::store::StoredEvent;
use lobbydesk::sync::client::{Client, sync_once};
use tempfile::TempDir;

const EAST: &str = "翠湖花园";
const WEST: &str = "碧水湾";

fn kiosk(code: &str, estate: &str) -> (TempDir, Desk) {
    let dir = TempDir::new().unwrap();
    let toml = format!("[kiosk]\ncode = \"{code}\"\nestate = \"{estate}\"\n{}", common::STAFF);
    let desk = Desk::open(Settings::from_toml(&toml, "test").unwrap(), dir.path()).unwrap();
    (dir, desk)
}

fn file(desk: &mut Desk, i: usize) -> String {
    let new = NewCase {
        category: "water".into(),
        place: format!("{}-{}-{}", 1 + i % 9, 1 + i % 3, 100 + i % 40),
        phone: Some(format!("1380013{:04}", i % 10_000)),
        text: format!("第{i}号：楼道灯不亮"),
        ..NewCase::default()
    };
    desk.file(&new, Utc::now()).unwrap().ticket().to_string()
}

fn keys(events: &[StoredEvent]) -> BTreeSet<(String, i64, uuid::Uuid)> {
    events.iter().map(|e| (e.event.origin.0.clone(), e.origin_seq, e.event.id)).collect()
}

/// Kiosks of two estates, each syncing through whichever of two HQ nodes a round picks,
/// all at once; afterwards HQ holds every event exactly once, each estate's kiosks hold
/// each other's events and no other estate's, and every case is the same everywhere and
/// equal to a fold of its events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hq_nodes_on_one_database_give_the_same_result_as_one() {
    let store = HqStore::postgres();
    let nodes = [HqProcess::start(&store).await, HqProcess::start(&store).await];
    let plan = [("K01", EAST), ("K02", EAST), ("K03", WEST)];
    let mut tasks = Vec::new();
    for (k, (code, estate)) in plan.into_iter().enumerate() {
        let token = store.register(code, estate).await;
        let clients: Vec<Client> = nodes.iter().map(|n| Client::new(&n.url(), &token).unwrap()).collect();
        tasks.push(tokio::spawn(async move {
            let (dir, mut desk) = kiosk(code, estate);
            for round in 0..8 {
                for i in 0..25 {
                    let ticket = file(&mut desk, round * 25 + i);
                    if i % 4 == 0 {
                        desk.act(&ticket, Action::Resolve { note: "已修好".into() }, "wang", Utc::now())
                            .unwrap();
                    }
                }
                // Each round through the other node (a load balancer's choice).
                let _ = sync_once(desk.store_mut(), &clients[(round + k) % 2], Utc::now()).await;
            }
            sync_until_done(&mut desk, &clients[k % 2]).await;
            (dir, desk, clients)
        }));
    }
    let mut kiosks = Vec::new();
    for task in tasks {
        kiosks.push(task.await.unwrap());
    }
    // Everyone has sent everything; one more pull each takes in the estate-mates' last events.
    for (_, desk, clients) in &mut kiosks {
        sync_once(desk.store_mut(), &clients[1], Utc::now()).await.unwrap();
    }
    let hq = store.open().await;
    let at_hq = events_at(hq.as_ref()).await;
    assert_eq!(keys(&at_hq).len(), at_hq.len(), "no event twice at HQ");
    let own = |desk: &Desk, code: &str| -> Vec<StoredEvent> {
        desk.store()
            .all_events()
            .unwrap()
            .into_iter()
            .filter(|e| e.event.origin.0 == format!("kiosk:{code}"))
            .collect()
    };
    let mut sent = BTreeSet::new();
    for ((_, desk, _), (code, _)) in kiosks.iter().zip(plan) {
        sent.extend(keys(&own(desk, code)));
    }
    assert_eq!(keys(&at_hq), sent, "HQ holds exactly what the kiosks sent");
    assert_eq!(hq.count_cases().await.unwrap(), 3 * 200);
    // East's two kiosks hold the same events; West holds only its own.
    let east_a = keys(&kiosks[0].1.store().all_events().unwrap());
    let east_b = keys(&kiosks[1].1.store().all_events().unwrap());
    assert_eq!(east_a, east_b, "kiosks of one estate converge");
    assert_eq!(east_a.len(), keys(&own(&kiosks[0].1, "K01")).len() + keys(&own(&kiosks[1].1, "K02")).len());
    assert_eq!(keys(&kiosks[2].1.store().all_events().unwrap()), keys(&own(&kiosks[2].1, "K03")));
    // Every case: the same on both east kiosks and at HQ, and what its events fold to.
    let mut by_case: HashMap<uuid::Uuid, Vec<&StoredEvent>> = HashMap::new();
    for e in &at_hq {
        by_case.entry(e.event.case_id).or_default().push(e);
    }
    for case in kiosks[0].1.store().cases().unwrap() {
        let held = hq.case(case.id).await.unwrap().unwrap();
        assert_eq!(held, case);
        assert_eq!(held, kiosks[1].1.store().case_by_id(case.id).unwrap().case);
        assert_eq!(held, Case::fold(by_case[&case.id].iter().map(|e| &e.event)).unwrap());
    }
}

/// A kiosk whose answer was lost retries through the other node while the first is still
/// storing: both nodes take the same batch at the same moment, and it is stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_batch_sent_to_both_nodes_at_once_is_stored_once() {
    let store = HqStore::postgres();
    let token = store.register("K01", EAST).await;
    let nodes = [HqProcess::start(&store).await, HqProcess::start(&store).await];
    let (_dir, mut desk) = kiosk("K01", EAST);
    lobbydesk::sync::install_crypto();
    let http = reqwest::Client::new();
    let mut filed = 0;
    for round in 0..15 {
        for i in 0..40 {
            file(&mut desk, round * 40 + i);
        }
        filed += 40;
        let batch = serde_json::json!({ "events": desk.store().outbox_batch(1000).unwrap() });
        let push = |node: &HqProcess| {
            http.post(format!("{}/v1/events", node.url())).bearer_auth(&token).json(&batch).send()
        };
        let (a, b) = tokio::join!(push(&nodes[0]), push(&nodes[1]));
        for answer in [a.unwrap(), b.unwrap()] {
            let status = answer.status();
            let text = answer.text().await.unwrap();
            assert_eq!(status, 200, "{text}");
            let body: lobbydesk::sync::PushResponse = serde_json::from_str(&text).unwrap();
            assert!(body.rejected.is_empty(), "{:?}", body.rejected);
            assert_eq!(body.accepted.len(), 40, "both nodes confirm the whole batch");
        }
        let ids: Vec<_> = desk.store().outbox_batch(1000).unwrap().iter().map(|e| e.event.id).collect();
        desk.store_mut().confirm_sent(&ids).unwrap();
    }
    let hq = store.open().await;
    let at_hq = events_at(hq.as_ref()).await;
    assert_eq!(at_hq.len(), filed);
    assert_eq!(keys(&at_hq), keys(&desk.store().all_events().unwrap()));
    assert_eq!(hq.count_cases().await.unwrap(), filed as u64);
    assert_eq!(hq.max_ticket_sequence("K01").await.unwrap(), filed as u64);
}

fn lobbydesk(args: &[&str]) -> String {
    let out = std::process::Command::new(common::BIN).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A group that started on the embedded store moves to PostgreSQL: kiosks, credentials,
/// revocations, every event (HQ's own decisions too) under the same arrival numbers, so
/// each kiosk pulls on from where it was; a second run moves nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_migrate_moves_an_sqlite_hq_to_postgresql_without_losing_or_duplicating() {
    let old = HqStore::sqlite();
    let node = HqProcess::start(&old).await;
    let mut kiosks = Vec::new();
    for (code, estate) in [("K01", EAST), ("K02", EAST), ("K03", WEST)] {
        let token = old.register(code, estate).await;
        let (dir, mut desk) = kiosk(code, estate);
        for i in 0..30 {
            file(&mut desk, i);
        }
        let client = Client::new(&node.url(), &token).unwrap();
        sync_until_done(&mut desk, &client).await;
        kiosks.push((dir, desk, token));
    }
    // HQ decides on one of K01's cases; K01 and K02 take it in.
    let ticket = kiosks[0].1.store().cases().unwrap()[0].ticket().to_string();
    {
        let toml = format!("[kiosk]\ncode = \"HQ\"\nestate = \"{EAST}\"\n{}", common::STAFF);
        let mut hq_desk = Desk::open_hq(Settings::from_toml(&toml, "t").unwrap(), old.dir.path()).unwrap();
        hq_desk.act(&ticket, Action::Note { text: "总部已督办".into() }, "hq-quality", Utc::now()).unwrap();
    }
    // The resident adds a photo from their phone: it moves with the case.
    let photo_id = {
        let db = old.open().await;
        let case = db.case_by_ticket(&ticket).await.unwrap().unwrap();
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(image::RgbImage::new(40, 30))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let prepared = lobbydesk::hq::photos::prepare(&png).unwrap();
        let case =
            lobbydesk::hq::resident::add_photo(db.as_ref(), &case, prepared, Utc::now()).await.unwrap();
        case.photos[0]
    };
    for (_, desk, token) in kiosks.iter_mut().take(2) {
        sync_until_done(desk, &Client::new(&node.url(), token).unwrap()).await;
    }
    drop(node);
    let revoked = lobbydesk(&["--data-dir", old.dir.path().to_str().unwrap(), "hq", "revoke-kiosk", "K03"]);
    assert!(revoked.contains("revoked"), "{revoked}");

    let url = common::postgres::database();
    let from = format!("sqlite:{}", old.dir.path().display());
    let elsewhere = TempDir::new().unwrap();
    let elsewhere = elsewhere.path().to_str().unwrap();
    let moved = lobbydesk(&["--data-dir", elsewhere, "hq", "migrate", "--from", &from, "--to", &url]);
    assert!(moved.contains("moved 3 kiosk(s) and 92 new event(s)"), "{moved}");
    assert!(
        moved.contains("92 event(s) checked in arrival order, 90 case(s) there; 1 resident photo(s)"),
        "{moved}"
    );
    let again = lobbydesk(&["--data-dir", elsewhere, "hq", "migrate", "--from", &from, "--to", &url]);
    assert!(again.contains("and 0 new event(s)"), "a second run moves nothing: {again}");

    let source = old.open().await;
    let settings = DbSettings::Postgres { url: url.clone(), read_url: None };
    let target = settings.open().await.unwrap();
    let arrivals = |db: std::sync::Arc<dyn HqDatabase>| async move {
        db.arrivals_after(0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .map(|(seq, estate, e)| (seq, estate, e.event.id))
            .collect::<Vec<_>>()
    };
    assert_eq!(arrivals(source.clone()).await, arrivals(target.clone()).await);
    assert_eq!(
        target.photo(photo_id).await.unwrap(),
        source.photo(photo_id).await.unwrap(),
        "the photo moved"
    );
    assert!(target.photo(photo_id).await.unwrap().is_some());
    for case in kiosks[0].1.store().cases().unwrap() {
        assert_eq!(target.case(case.id).await.unwrap().unwrap(), case);
    }

    // HQ now runs on PostgreSQL; the kiosks carry on with the credentials they had.
    let new_store = HqStore { dir: TempDir::new().unwrap(), settings };
    let node = HqProcess::start(&new_store).await;
    for i in 30..40 {
        file(&mut kiosks[1].1, i);
    }
    let (first, second) = kiosks.split_at_mut(1);
    sync_until_done(&mut second[0].1, &Client::new(&node.url(), &second[0].2).unwrap()).await;
    let report =
        sync_once(first[0].1.store_mut(), &Client::new(&node.url(), &first[0].2).unwrap(), Utc::now())
            .await
            .unwrap();
    assert_eq!(report.pulled, 10, "K01 pulls exactly K02's ten new filings, nothing again");
    lobbydesk::sync::install_crypto();
    let refused = reqwest::Client::new()
        .get(format!("{}/v1/status", node.url()))
        .bearer_auth(&kiosks[2].2)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401, "a revoked kiosk stays revoked");
}

/// HQ's desk answers the same on PostgreSQL as on the SQLite store for the same arrivals:
/// every list, the daily report of days up to two years back and the monthly report of
/// months up to two years back, for the group and per estate; HQ acting on a case on both;
/// a rebuild that finds nothing to fix; a purge that removes the same cases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hqs_desk_on_postgresql_answers_what_the_sqlite_store_answers() {
    use chrono::{Datelike, Duration, TimeZone};
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap();
    let sqlite = HqStore::sqlite();
    {
        let db = sqlite.open().await;
        for (code, estate, seed) in [("K01", EAST, 7), ("K02", WEST, 8)] {
            sqlite.register(code, estate).await;
            let (_dir, mut desk) = kiosk(code, estate);
            lobbydesk::app::generate::realistic_cases(&mut desk, 700, now - Duration::days(10), seed)
                .unwrap();
            // A matter reported again a month later: the earlier month's report counts both.
            let old = file_at(&mut desk, "电梯异响", now - Duration::days(40));
            let again = file_at(&mut desk, "电梯又响", now - Duration::days(2));
            desk.act(&again, Action::Link { primary_ticket: old }, "wang", now - Duration::days(2)).unwrap();
            // Repeats that reach back into last month's untouched cases: a door lock three
            // times, a resident twice.
            for days in [31, 27, 3] {
                let lock = NewCase {
                    category: "door-lock".into(),
                    place: "5-1-501".into(),
                    anonymous: true,
                    text: "门锁坏了".into(),
                    ..NewCase::default()
                };
                desk.file(&lock, now - Duration::days(days)).unwrap();
            }
            file_at(&mut desk, "夜里唱歌", now - Duration::days(25));
            file_at(&mut desk, "又在唱歌", now - Duration::days(3));
            let kiosk =
                lobbydesk::store::KioskRecord { code: code.into(), estate: estate.into(), revoked: false };
            for batch in desk.store().all_events().unwrap().chunks(500) {
                let refused = db.receive_from_kiosk(&kiosk, batch.to_vec(), now).await.unwrap();
                assert!(refused.is_empty(), "{refused:?}");
            }
        }
    }
    let url = common::postgres::database();
    let from = format!("sqlite:{}", sqlite.dir.path().display());
    let work = TempDir::new().unwrap();
    let config = work.path().join("lobbydesk.toml");
    std::fs::write(&config, common::STAFF).unwrap();
    let at = now.to_rfc3339();
    let hq = |store: &str, args: &[&str]| {
        let mut all = vec!["--config", config.to_str().unwrap(), "--data-dir", work.path().to_str().unwrap()];
        all.extend(["--now", &at, "hq", "--db", store]);
        all.extend(args);
        lobbydesk(&all)
    };
    let moved = hq(&from, &["migrate", "--from", &from, "--to", &url]);
    assert!(moved.contains("1414 case(s) there"), "{moved}");
    let both = |args: &[&str]| {
        let (on_sqlite, on_postgres) = (hq(&from, args), hq(&url, args));
        assert_eq!(on_postgres, on_sqlite, "`hq {}` differs between the stores", args.join(" "));
        on_sqlite
    };
    let json = |text: String| serde_json::from_str::<serde_json::Value>(&text).unwrap();
    let compare_everything = || {
        assert_eq!(json(both(&["cases", "--json"])).as_array().unwrap().len(), 1414);
        let open = json(both(&["cases", "--open", "--json"]));
        assert!(!open.as_array().unwrap().is_empty());
        both(&["cases", "--overdue", "--json"]);
        both(&["cases", "--open", "--estate", WEST]);
        for days_back in [0, 1, 2, 5, 30, 200, 700] {
            let date = (now - Duration::days(days_back)).format("%Y-%m-%d").to_string();
            both(&["report", "daily", "--date", &date, "--json"]);
            both(&["report", "daily", "--date", &date, "--estate", EAST]);
        }
        let mut reporters = 0;
        for months_back in [0, 1, 2, 6, 12, 23] {
            let month = (now.date_naive() - chrono::Months::new(months_back)).format("%Y-%m").to_string();
            reporters +=
                json(both(&["report", "monthly", "--date", &month, "--json"]))["reporters"].as_u64().unwrap();
            both(&["report", "monthly", "--date", &month, "--estate", WEST, "--json"]);
            both(&["report", "monthly", "--date", &month]);
        }
        assert!(reporters > 200, "the months compared count cases: {reporters}");
        open
    };
    let open = compare_everything();
    // Forty days of holidays added to HQ's config move working-day deadlines: both stores
    // work "overdue" out again for every open case, alike.
    let before = both(&["cases", "--overdue", "--json"]);
    let holidays: Vec<String> =
        (0..40).map(|d| format!("\"{}\"", (now - Duration::days(d)).date_naive())).collect();
    std::fs::write(&config, format!("[calendar]\nholidays = [{}]\n{}", holidays.join(", "), common::STAFF))
        .unwrap();
    assert_ne!(both(&["cases", "--overdue", "--json"]), before, "the holidays change what is overdue");

    // HQ acts on one open case on both stores: the same case follows, and the event waits
    // for the estate's kiosks under HQ's own next index.
    let ticket = open[0]["ticket"].as_str().unwrap().to_string();
    for text in ["总部已督办", "请尽快处理"] {
        both(&["act", &ticket, "note", "--text", text, "--by", "hq-quality"]);
    }
    compare_everything();
    let pg = DbSettings::Postgres { url: url.clone(), read_url: None }.open().await.unwrap();
    let case = pg.case_by_ticket(&ticket).await.unwrap().unwrap();
    let (events, _, _) = pg.events_since(0, &case.intake.estate, None, 100_000).await.unwrap();
    let hq_indexes: Vec<i64> =
        events.iter().filter(|e| e.event.origin == Origin::hq()).map(|e| e.origin_seq).collect();
    assert_eq!(hq_indexes, [1, 2], "HQ's events are numbered by HQ, in arrival order");

    // Every estate's monthly KPIs side by side are each estate's own report.
    let settings = Settings::from_toml(common::STAFF, "t").unwrap();
    let desk = lobbydesk::hq::desk::HqDesk::open(&settings, pg.as_ref()).await.unwrap();
    let last_month = now.date_naive() - chrono::Months::new(1);
    let side_by_side = desk.monthly_by_estate(last_month.year(), last_month.month(), now).await.unwrap();
    assert_eq!(side_by_side.len(), 2);
    for (estate, report) in side_by_side {
        let month = last_month.format("%Y-%m").to_string();
        let alone = json(hq(&url, &["report", "monthly", "--date", &month, "--estate", &estate, "--json"]));
        // Through text both ways: serde_json reads some floats back a last bit apart.
        let side = json(serde_json::to_string_pretty(&report).unwrap());
        assert_eq!(side, alone, "{estate}");
    }

    let rebuilt = hq(&url, &["rebuild"]);
    assert!(rebuilt.contains("1414 case(s) folded again from their events; 0 had differed"), "{rebuilt}");
    let purged = both(&["purge", "--older-than-days", "730"]);
    assert!(!purged.starts_with("0 "), "{purged}");
    compare_everything_after_purge(&both);
    // A purge gives no index back: HQ's next event is its third.
    both(&["act", &ticket, "note", "--text", "再次督办", "--by", "hq-quality"]);
    let (events, _, _) = pg.events_since(0, &case.intake.estate, None, 100_000).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.event.origin == Origin::hq()).map(|e| e.origin_seq).max(), Some(3));
}

fn compare_everything_after_purge(both: &dyn Fn(&[&str]) -> String) {
    both(&["cases", "--json"]);
    both(&["report", "monthly", "--json"]);
}

fn file_at(desk: &mut Desk, text: &str, at: chrono::DateTime<Utc>) -> String {
    let new = NewCase {
        category: "noise".into(),
        place: "3-2-1201".into(),
        phone: Some("13800000005".into()),
        text: text.into(),
        ..NewCase::default()
    };
    desk.file(&new, at).unwrap().ticket().to_string()
}
