//! Sync with headquarters under faults: the real HQ server in-process on loopback, a TCP
//! proxy between kiosk and HQ that drops, resets, stalls and truncates connections, the
//! kiosk restarted, HQ restarted mid-batch — and afterwards both hold exactly the same
//! events and compute the same state for every case.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use common::hq_db::{Backend, HqProcess, HqStore, events_at, sync_until_done};
use lobbydesk::app::{Action, Desk};
use lobbydesk::config::Settings;
use lobbydesk::domain::case::{Case, Status};
use lobbydesk::domain::event::Origin;
use lobbydesk::domain::filing::NewCase;
use lobbydesk::domain::intake::Department;
use lobbydesk::hq::db::HqDatabase;
use lobbydesk::hq::{self, Hq};
use lobbydesk::store::Store;
use lobbydesk::sync::client::{Client, sync_once};

const ESTATE: &str = "翠湖花园";

fn settings(code: &str) -> Settings {
    let toml = format!("[kiosk]\ncode = \"{code}\"\nestate = \"{ESTATE}\"\n{}", common::STAFF);
    Settings::from_toml(&toml, "test").unwrap()
}

fn register(hq_dir: &Path, code: &str) -> String {
    let mut store = Store::open(hq_dir, Origin::hq()).unwrap();
    hq::add_kiosk(&mut store, code, ESTATE).unwrap()
}

/// A TCP proxy that misbehaves on a share of connections, in both directions.
struct FaultyProxy {
    addr: SocketAddr,
    faults: Arc<AtomicBool>,
    injected: Arc<AtomicU64>,
}

impl FaultyProxy {
    async fn start(target: Arc<Mutex<SocketAddr>>) -> FaultyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let faults = Arc::new(AtomicBool::new(true));
        let injected = Arc::new(AtomicU64::new(0));
        let (f, n) = (faults.clone(), injected.clone());
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                let target = *target.lock().unwrap();
                let (f, n) = (f.clone(), n.clone());
                tokio::spawn(async move {
                    let fault = if f.load(Ordering::Relaxed) { fastrand::u8(0..10) } else { 9 };
                    let _ = relay(client, target, fault, &f, &n).await;
                });
            }
        });
        FaultyProxy { addr, faults, injected }
    }
}

/// 0 drop, 1 reset, 2 stall, 3 truncate the request, 4 truncate the response, 5 drop
/// after the request went through; 6–9 pass, but a kept-alive connection may still be
/// cut at any byte later on, in either direction, while faults are on.
async fn relay(
    mut client: TcpStream,
    target: SocketAddr,
    fault: u8,
    on: &AtomicBool,
    injected: &AtomicU64,
) -> std::io::Result<()> {
    if fault < 6 {
        injected.fetch_add(1, Ordering::Relaxed);
    }
    match fault {
        0 => return Ok(()),
        1 => {
            // SO_LINGER 0: closing sends a reset instead of a clean end.
            #[allow(deprecated)]
            client.set_linger(Some(Duration::ZERO))?;
            return Ok(());
        }
        2 => tokio::time::sleep(Duration::from_millis(fastrand::u64(200..1500))).await,
        _ => {}
    }
    let mut server = TcpStream::connect(target).await?;
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    // While faults are on, no connection lives for ever: kept-alive ones are cut too.
    let cut_later = fault >= 6 && on.load(Ordering::Relaxed) && fastrand::u8(0..10) < 3;
    if cut_later {
        injected.fetch_add(1, Ordering::Relaxed);
    }
    let up_limit = match fault {
        3 => fastrand::usize(1..400),
        _ if cut_later && fastrand::bool() => fastrand::usize(1..2_000_000),
        _ => usize::MAX,
    };
    let down_limit = match fault {
        4 => fastrand::usize(1..400),
        // The request reaches HQ, the answer never comes back.
        5 => 0,
        _ if cut_later && up_limit == usize::MAX => fastrand::usize(1..2_000_000),
        _ => usize::MAX,
    };
    let up = pump(&mut cr, &mut sw, up_limit);
    let down = pump(&mut sr, &mut cw, down_limit);
    tokio::select! {
        r = up => r?,
        r = down => r?,
    }
    Ok(())
}

/// Copies one direction until its end closes or `limit` bytes have passed, then stops:
/// the other end is left waiting for the rest, as after a cut cable.
async fn pump<R, W>(from: &mut R, to: &mut W, limit: usize) -> std::io::Result<()>
where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = 0;
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        let n = n.min(limit - sent);
        to.write_all(&buf[..n]).await?;
        sent += n;
        if sent >= limit {
            return Ok(());
        }
    }
}

fn file(desk: &mut Desk, i: usize) -> String {
    let new = NewCase {
        category: if i % 3 == 0 { "noise".into() } else { "water".into() },
        place: format!("{}-{}-{}", 1 + i % 9, 1 + i % 3, 100 + i % 40),
        phone: if i % 5 == 0 { None } else { Some(format!("1380013{:04}", i % 10_000)) },
        anonymous: i % 5 == 0,
        text: format!("第{i}号事项：厨房水管漏水"),
        ..NewCase::default()
    };
    desk.file(&new, Utc::now()).unwrap().ticket().to_string()
}

async fn assert_same(kiosk: &Store, hq: &dyn HqDatabase) {
    let mut k: Vec<_> = kiosk
        .all_events()
        .unwrap()
        .into_iter()
        .map(|e| (e.event.origin.0.clone(), e.origin_seq, e.event.id))
        .collect();
    let mut h: Vec<_> = events_at(hq)
        .await
        .into_iter()
        .map(|e| (e.event.origin.0.clone(), e.origin_seq, e.event.id))
        .collect();
    k.sort();
    h.sort();
    let unique: std::collections::HashSet<_> = h.iter().map(|(_, _, id)| *id).collect();
    assert_eq!(unique.len(), h.len(), "no event twice at HQ");
    assert_eq!(k, h, "HQ holds exactly the kiosk's events");
    let kc = kiosk.cases().unwrap();
    assert_eq!(kc.len() as u64, hq.count_cases().await.unwrap());
    for case in kc {
        let at_hq = hq.case(case.id).await.unwrap().expect("HQ holds the case");
        assert_eq!(
            Case::fold(kiosk.case_by_id(case.id).unwrap().events.iter().map(|e| &e.event)).unwrap(),
            at_hq
        );
        assert_eq!(case, at_hq, "the same state on both sides for {}", case.ticket());
    }
}

async fn converge_under_faults(cases: usize, backend: Backend) {
    let kiosk_dir = TempDir::new().unwrap();
    let store = HqStore::of(backend);
    let token = store.register("K01", ESTATE).await;
    let mut hq = HqProcess::start(&store).await;
    let proxy = FaultyProxy::start(hq.addr.clone()).await;
    let client = Client::without_connection_reuse(&format!("http://{}", proxy.addr), &token).unwrap();
    let mut desk = Desk::open(settings("K01"), kiosk_dir.path()).unwrap();
    let rounds = 10;
    for round in 0..rounds {
        for i in 0..cases / rounds {
            let n = round * (cases / rounds) + i;
            let ticket = file(&mut desk, n);
            if n % 7 == 0 {
                desk.act(&ticket, Action::Resolve { note: "已处理".into() }, "wang", Utc::now()).unwrap();
            }
        }
        if round == rounds / 2 {
            // The kiosk loses power: everything it had must still get through.
            drop(desk);
            desk = Desk::open(settings("K01"), kiosk_dir.path()).unwrap();
        }
        let restart_hq = round == rounds - 3;
        let sync = async {
            for _ in 0..3 {
                let _ = sync_once(desk.store_mut(), &client, Utc::now()).await;
            }
        };
        if restart_hq {
            // HQ goes down while a batch is in flight.
            let restart = async {
                tokio::time::sleep(Duration::from_millis(fastrand::u64(1..30))).await;
                hq.restart().await;
            };
            tokio::join!(sync, restart);
        } else {
            sync.await;
        }
    }
    proxy.faults.store(false, Ordering::Relaxed);
    sync_until_done(&mut desk, &client).await;
    let injected = proxy.injected.load(Ordering::Relaxed);
    eprintln!("{cases} cases on {backend:?}: {injected} connections dropped, reset, stalled or cut");
    assert!(injected > 5, "faults were injected: {injected}");
    let at_hq = store.open().await;
    assert_same(desk.store(), at_hq.as_ref()).await;
    assert_eq!(desk.store().outbox_len().unwrap(), 0);
    assert_eq!(at_hq.count_cases().await.unwrap(), cases as u64);
    drop(hq);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_cases_reach_hq_exactly_once_through_a_faulty_network() {
    converge_under_faults(1000, Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_cases_reach_hq_on_postgresql_exactly_once_through_a_faulty_network() {
    converge_under_faults(1000, Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: 10,000 cases; cargo test --release --test sync -- --ignored"]
async fn ten_thousand_cases_reach_hq_exactly_once_through_a_faulty_network() {
    converge_under_faults(10_000, Backend::Sqlite).await;
    converge_under_faults(10_000, Backend::Postgres).await;
}

/// Every kind of event real work writes (callbacks and their reviews, prices quoted,
/// ratings, pauses, reopenings: `app::generate`'s two years of workflow) passes HQ's
/// checks over HTTP; a body field HQ wrongly refused would stop the kiosk's sync for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_years_of_realistic_workflow_reach_hq_whole() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (store, kiosk_dir) = (HqStore::of(backend), TempDir::new().unwrap());
        let token = store.register("K01", ESTATE).await;
        let hq = HqProcess::start(&store).await;
        let client = Client::new(&hq.url(), &token).unwrap();
        let mut desk = Desk::open(settings("K01"), kiosk_dir.path()).unwrap();
        lobbydesk::app::generate::realistic_cases(&mut desk, 600, Utc::now(), 11).unwrap();
        let paid = file(&mut desk, 1);
        let assign =
            Action::Assign { department: Department::Engineering, assignee: Some("李师傅".into()) };
        desk.act(&paid, assign, "wang", Utc::now()).unwrap();
        let quote = Action::Quote { amount_fen: 12_050, consented: false, signature: None };
        desk.act(&paid, quote, "li", Utc::now()).unwrap();
        let kinds: std::collections::BTreeSet<String> = desk
            .store()
            .all_events()
            .unwrap()
            .iter()
            .map(|e| serde_json::to_value(&e.event.body).unwrap()["type"].as_str().unwrap().to_string())
            .collect();
        for kind in ["callback-recorded", "callback-reviewed", "fee-quoted", "resolved", "closed"] {
            assert!(kinds.contains(kind), "the history holds {kind}: {kinds:?}");
        }
        let report = sync_once(desk.store_mut(), &client, Utc::now()).await.unwrap();
        assert_eq!(report.set_aside, 0, "{backend:?}");
        assert_eq!(desk.store().outbox_len().unwrap(), 0, "{backend:?}");
        let at_hq = store.open().await;
        assert_same(desk.store(), at_hq.as_ref()).await;
        drop(hq);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_decisions_come_back_to_the_kiosk() {
    // HQ acts on cases through its SQLite store so far.
    let (store, kiosk_dir) = (HqStore::sqlite(), TempDir::new().unwrap());
    let hq_dir = &store.dir;
    let token = store.register("K01", ESTATE).await;
    let hq = HqProcess::start(&store).await;
    let client = Client::new(&hq.url(), &token).unwrap();
    let mut desk = Desk::open(settings("K01"), kiosk_dir.path()).unwrap();
    let ticket = file(&mut desk, 5); // anonymous: closes without a callback
    sync_until_done(&mut desk, &client).await;
    {
        let mut hq_desk = Desk::open_hq(settings("K01"), hq_dir.path()).unwrap();
        hq_desk
            .act(
                &ticket,
                Action::Assign { department: Department::Engineering, assignee: Some("总部调度".into()) },
                "hq-quality",
                Utc::now(),
            )
            .unwrap();
        hq_desk
            .act(&ticket, Action::Resolve { note: "总部派人处理".into() }, "hq-quality", Utc::now())
            .unwrap();
        hq_desk.act(&ticket, Action::Close { note: None }, "hq-quality", Utc::now()).unwrap();
    }
    let report = sync_once(desk.store_mut(), &client, Utc::now()).await.unwrap();
    assert_eq!(report.pulled, 3);
    let case = desk.show(&ticket).unwrap().case;
    assert_eq!(case.status, Status::Closed);
    assert_eq!(case.assignee.as_deref(), Some("总部调度"));
    // And HQ's events are never sent back to HQ.
    assert_eq!(desk.store().outbox_len().unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_on_both_sides_while_offline_converge() {
    // HQ acts on cases through its SQLite store so far.
    let (store, kiosk_dir) = (HqStore::sqlite(), TempDir::new().unwrap());
    let hq_dir = &store.dir;
    let token = store.register("K01", ESTATE).await;
    let hq = HqProcess::start(&store).await;
    let client = Client::new(&hq.url(), &token).unwrap();
    let mut desk = Desk::open(settings("K01"), kiosk_dir.path()).unwrap();
    let ticket = file(&mut desk, 5);
    desk.act(&ticket, Action::Resolve { note: "换阀门".into() }, "wang", Utc::now()).unwrap();
    sync_until_done(&mut desk, &client).await;
    // Offline from each other: HQ closes, the kiosk reopens.
    let mut hq_desk = Desk::open_hq(settings("K01"), hq_dir.path()).unwrap();
    hq_desk.act(&ticket, Action::Close { note: Some("总部结案".into()) }, "hq-quality", Utc::now()).unwrap();
    desk.act(
        &ticket,
        Action::Reopen { reason: "住户说又漏了".into() },
        "wang",
        Utc::now() + chrono::Duration::seconds(1),
    )
    .unwrap();
    desk.act(
        &ticket,
        Action::Note { text: "联系维修".into() },
        "wang",
        Utc::now() + chrono::Duration::seconds(2),
    )
    .unwrap();
    drop(hq_desk);
    sync_until_done(&mut desk, &client).await;
    assert_same(desk.store(), store.open().await.as_ref()).await;
    let case = desk.show(&ticket).unwrap().case;
    // Both orders of arrival give this one state; the reopen came after the close.
    assert_eq!(case.status, Status::Reopened);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_missing_and_revoked_credentials_are_refused_and_nothing_is_written() {
    wrong_missing_and_revoked_credentials_are_refused_and_nothing_is_written_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_wrong_missing_and_revoked_credentials_are_refused_and_nothing_is_written() {
    wrong_missing_and_revoked_credentials_are_refused_and_nothing_is_written_on(Backend::Postgres).await;
}

async fn wrong_missing_and_revoked_credentials_are_refused_and_nothing_is_written_on(backend: Backend) {
    let (store, kiosk_dir) = (HqStore::of(backend), TempDir::new().unwrap());
    let token = store.register("K01", ESTATE).await;
    let hq = HqProcess::start(&store).await;
    let at_hq = store.open().await;
    let mut desk = Desk::open(settings("K01"), kiosk_dir.path()).unwrap();
    file(&mut desk, 1);
    let http = reqwest::Client::new();
    let batch = serde_json::json!({ "events": desk.store().outbox_batch(10).unwrap() });
    for auth in [None, Some("Bearer nonsense".to_string()), Some(format!("Basic {token}"))] {
        let mut req = http.post(format!("{}/v1/events", hq.url())).json(&batch);
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401, "{auth:?}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert!(body["error"].is_string());
    }
    assert!(events_at(at_hq.as_ref()).await.is_empty());
    assert!(at_hq.revoke_kiosk("K01", Utc::now()).await.unwrap());
    let client = Client::new(&hq.url(), &token).unwrap();
    let err = sync_once(desk.store_mut(), &client, Utc::now()).await.unwrap_err();
    assert!(!err.is_retryable() && err.to_string().contains("revoked"), "{err}");
    assert!(events_at(at_hq.as_ref()).await.is_empty());
    assert_eq!(desk.store().outbox_len().unwrap(), 1, "the kiosk keeps its events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_cannot_write_for_another_kiosk_or_estate_and_one_refusal_does_not_block_the_rest() {
    a_kiosk_cannot_write_for_another_kiosk_or_estate_and_one_refusal_does_not_block_the_rest_on(
        Backend::Sqlite,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_a_kiosk_cannot_write_for_another_kiosk_or_estate_and_one_refusal_does_not_block_the_rest()
 {
    a_kiosk_cannot_write_for_another_kiosk_or_estate_and_one_refusal_does_not_block_the_rest_on(
        Backend::Postgres,
    )
    .await;
}

async fn a_kiosk_cannot_write_for_another_kiosk_or_estate_and_one_refusal_does_not_block_the_rest_on(
    backend: Backend,
) {
    let (store, a_dir, b_dir) = (HqStore::of(backend), TempDir::new().unwrap(), TempDir::new().unwrap());
    let token_a = store.register("K01", ESTATE).await;
    let hq = HqProcess::start(&store).await;
    let mut a = Desk::open(settings("K01"), a_dir.path()).unwrap();
    let mut b = Desk::open(settings("K02"), b_dir.path()).unwrap();
    file(&mut a, 1);
    file(&mut b, 2);
    let other_dir = TempDir::new().unwrap();
    let mut other_estate = Desk::open(
        Settings::from_toml("[kiosk]\ncode = \"K01\"\nestate = \"别的小区\"\n", "t").unwrap(),
        other_dir.path(),
    )
    .unwrap();
    file(&mut other_estate, 3);
    // K01's credential carrying its own event, K02's, and one for another estate.
    let mut events = a.store().outbox_batch(10).unwrap();
    events.extend(b.store().outbox_batch(10).unwrap());
    let mut foreign = other_estate.store().outbox_batch(10).unwrap();
    foreign[0].origin_seq = 2;
    events.extend(foreign);
    let resp: lobbydesk::sync::PushResponse = reqwest::Client::new()
        .post(format!("{}/v1/events", hq.url()))
        .bearer_auth(&token_a)
        .json(&serde_json::json!({ "events": events }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resp.accepted.len(), 1);
    assert_eq!(resp.rejected.len(), 2);
    assert!(
        resp.rejected.iter().any(|r| r.reason.contains("may not write events for kiosk:K02")),
        "{resp:?}"
    );
    assert!(resp.rejected.iter().any(|r| r.reason.contains("别的小区")), "{resp:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_requests_get_clear_errors() {
    malformed_and_oversized_requests_get_clear_errors_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_malformed_and_oversized_requests_get_clear_errors() {
    malformed_and_oversized_requests_get_clear_errors_on(Backend::Postgres).await;
}

async fn malformed_and_oversized_requests_get_clear_errors_on(backend: Backend) {
    let store = HqStore::of(backend);
    let token = store.register("K01", ESTATE).await;
    let hq = HqProcess::start(&store).await;
    let http = reqwest::Client::new();
    let post = |body: Vec<u8>| {
        http.post(format!("{}/v1/events", hq.url()))
            .bearer_auth(&token)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(post(b"{not json".to_vec()).await.unwrap().status(), 400);
    assert_eq!(post(br#"{"events": [{"id": 3}]}"#.to_vec()).await.unwrap().status(), 422);
    let huge = format!(r#"{{"events": [], "pad": "{}"}}"#, "x".repeat(hq::MAX_BODY + 10));
    assert_eq!(post(huge.into_bytes()).await.unwrap().status(), 413);
    let bad_query =
        http.get(format!("{}/v1/events?after=abc", hq.url())).bearer_auth(&token).send().await.unwrap();
    assert_eq!(bad_query.status(), 400);
    // Still serving after all that.
    let ok = http.get(format!("{}/v1/status", hq.url())).bearer_auth(&token).send().await.unwrap();
    assert_eq!(ok.status(), 200);
}

#[test]
fn the_openapi_file_describes_exactly_the_served_routes() {
    let spec: serde_json::Value =
        serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/hq/openapi.json")))
            .unwrap();
    let mut documented: Vec<(String, String)> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| ops.as_object().unwrap().keys().map(move |m| (m.clone(), path.clone())))
        .collect();
    let mut served: Vec<(String, String)> =
        hq::ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    documented.sort();
    served.sort();
    assert_eq!(documented, served);
    // The documented shapes are the ones the code sends.
    let status = serde_json::to_value(lobbydesk::sync::Status {
        protocol: 1,
        kiosk: "K01".into(),
        estate: "e".into(),
        high_water: 0,
        max_ticket_sequence: 0,
        hq_time: Some(Utc::now()),
    })
    .unwrap();
    let required: Vec<&str> = spec["components"]["schemas"]["Status"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut keys: Vec<&str> = status.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort();
    let mut required_sorted = required.clone();
    required_sorted.sort();
    assert_eq!(keys, required_sorted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_sync_catches_up_as_soon_as_hq_is_back() {
    let (hq_dir, kiosk_dir) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let token = register(hq_dir.path(), "K01");
    // HQ's address, with nobody listening yet: the network is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut desk = Desk::open(settings("K01"), kiosk_dir.path()).unwrap();
    file(&mut desk, 1);
    drop(desk);
    let client = Client::new(&format!("http://127.0.0.1:{port}"), &token).unwrap();
    // An interval of an hour: only "HQ is reachable again" can make it sync soon.
    let _handle = lobbydesk::sync::client::spawn(
        kiosk_dir.path().to_path_buf(),
        Origin::kiosk("K01"),
        client,
        Duration::from_secs(3600),
        30,
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let server = Hq::open(hq_dir.path()).unwrap();
    tokio::spawn(async move { axum::serve(listener, hq::router(server)).await });
    let started = std::time::Instant::now();
    loop {
        let outbox = Store::open(kiosk_dir.path(), Origin::kiosk("K01")).unwrap().outbox_len().unwrap();
        if outbox == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "still {outbox} event(s) waiting");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(Store::open(hq_dir.path(), Origin::hq()).unwrap().cases().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_serves_over_tls_and_a_kiosk_syncs_through_it() {
    let (hq_dir, kiosk_dir, tls_dir) =
        (TempDir::new().unwrap(), TempDir::new().unwrap(), TempDir::new().unwrap());
    let token = register(hq_dir.path(), "K01");
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert, key) = (tls_dir.path().join("hq.crt"), tls_dir.path().join("hq.key"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = Hq::open(hq_dir.path()).unwrap();
    let tls = hq::Tls { cert, key };
    tokio::spawn(
        async move { hq::serve(server, format!("127.0.0.1:{port}").parse().unwrap(), Some(tls)).await },
    );
    let started = std::time::Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(10), "HQ did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut desk = Desk::open(settings("K01"), kiosk_dir.path()).unwrap();
    file(&mut desk, 1);
    let url = format!("https://localhost:{port}");
    // A kiosk that does not trust the certificate refuses to send anything.
    let untrusting = Client::new(&url, &token).unwrap();
    assert!(sync_once(desk.store_mut(), &untrusting, Utc::now()).await.is_err());
    assert_eq!(desk.store().outbox_len().unwrap(), 1);
    let client = Client::with_extra_root(&url, &token, certified.cert.pem().as_bytes()).unwrap();
    let report = sync_once(desk.store_mut(), &client, Utc::now()).await.unwrap();
    assert_eq!(report.pushed, 1);
    assert_eq!(Store::open(hq_dir.path(), Origin::hq()).unwrap().cases().unwrap().len(), 1);
}

/// The schemas in the protocol file are the ones the types give (LOBBYDESK_WRITE_OPENAPI=1
/// writes them into the file after a change of the types).
#[test]
fn the_openapi_schemas_are_the_ones_the_server_reads_and_writes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/hq/openapi.json");
    let mut spec: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let generated = serde_json::Value::Object(hq::component_schemas());
    if std::env::var_os("LOBBYDESK_WRITE_OPENAPI").is_some() {
        spec["components"]["schemas"] = generated;
        std::fs::write(path, serde_json::to_string_pretty(&spec).unwrap() + "\n").unwrap();
        return;
    }
    assert_eq!(
        spec["components"]["schemas"], generated,
        "src/hq/openapi.json is out of date: run LOBBYDESK_WRITE_OPENAPI=1 cargo test --test sync openapi"
    );
}
