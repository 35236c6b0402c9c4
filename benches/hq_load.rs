//! HQ under a property group's load (issue 14): 1,000 simulated kiosks over 200 estates,
//! each with its own registered credential, speaking the real protocol on loopback — every
//! 30 s a status, a push of whatever it filed meanwhile and a pull of its estate's news —
//! plus a burst in the middle, when a tenth of them file 20 cases at once. Counts every
//! error and prints push, status and pull latency, on the SQLite store (one node), and on
//! PostgreSQL with one HQ node and with two (kiosks alternate between them).
//! Targets: 0 errors, push p99 ≤ 300 ms.
//! Run: cargo bench --bench hq_load [-- KIOSKS SECONDS]

#[path = "../tests/common/postgres.rs"]
mod postgres;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use lobbydesk::app::Desk;
use lobbydesk::config::Settings;
use lobbydesk::domain::event::{EventBody, Origin};
use lobbydesk::domain::filing::NewCase;
use lobbydesk::hq::db::DbSettings;
use lobbydesk::hq::{self, Hq};
use lobbydesk::store::StoredEvent;
use tokio::sync::Mutex;
use uuid::Uuid;

const ESTATES: usize = 200;
const INTERVAL: Duration = Duration::from_secs(30);

/// A genuine filing, made once by a real kiosk, that each simulated kiosk copies.
fn template() -> StoredEvent {
    let dir = tempfile::TempDir::new().unwrap();
    let settings = Settings::from_toml("[kiosk]\ncode = \"T01\"\nestate = \"模板\"\n", "bench").unwrap();
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

struct SimKiosk {
    code: String,
    estate: String,
    token: String,
    next_seq: i64,
    pull_after: i64,
    outbox: Vec<StoredEvent>,
}

impl SimKiosk {
    fn file(&mut self, template: &StoredEvent) {
        let mut e = template.clone();
        let now = Utc::now();
        e.origin_seq = self.next_seq;
        e.event.id = Uuid::now_v7();
        e.event.case_id = Uuid::now_v7();
        e.event.origin = Origin::kiosk(&self.code);
        e.event.at = now;
        e.event.stamp.millis = now.timestamp_millis();
        if let EventBody::Filed { intake } = &mut e.event.body {
            intake.ticket = format!("{}-{:05}", self.code, self.next_seq);
            intake.estate = self.estate.clone();
        }
        self.next_seq += 1;
        self.outbox.push(e);
    }
}

#[derive(Default)]
struct Figures {
    push: Vec<Duration>,
    status: Vec<Duration>,
    pull: Vec<Duration>,
}

fn p(samples: &mut [Duration], q: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort();
    samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3
}

/// One sync as a kiosk makes it; `None` on any error (counted by the caller).
async fn sync(
    http: &reqwest::Client,
    url: &str,
    kiosk: &mut SimKiosk,
    figures: &Mutex<Figures>,
) -> Result<(), String> {
    let t = Instant::now();
    let status = http
        .get(format!("{url}/v1/status"))
        .bearer_auth(&kiosk.token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !status.status().is_success() {
        return Err(format!("status {}", status.status()));
    }
    status.bytes().await.map_err(|e| e.to_string())?;
    let status_took = t.elapsed();
    let mut push_took = None;
    if !kiosk.outbox.is_empty() {
        let t = Instant::now();
        let body = serde_json::json!({ "events": kiosk.outbox });
        let answer = http
            .post(format!("{url}/v1/events"))
            .bearer_auth(&kiosk.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !answer.status().is_success() {
            return Err(format!("push {}", answer.status()));
        }
        let answer: lobbydesk::sync::PushResponse = answer.json().await.map_err(|e| e.to_string())?;
        if !answer.rejected.is_empty() || answer.accepted.len() != kiosk.outbox.len() {
            return Err(format!("push refused {:?}", answer.rejected.first()));
        }
        kiosk.outbox.clear();
        push_took = Some(t.elapsed());
    }
    let t = Instant::now();
    loop {
        let page = http
            .get(format!("{url}/v1/events?after={}&limit=1000", kiosk.pull_after))
            .bearer_auth(&kiosk.token)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !page.status().is_success() {
            return Err(format!("pull {}", page.status()));
        }
        let page: lobbydesk::sync::PullResponse = page.json().await.map_err(|e| e.to_string())?;
        kiosk.pull_after = page.next;
        if !page.more {
            break;
        }
    }
    let mut f = figures.lock().await;
    f.status.push(status_took);
    f.pull.push(t.elapsed());
    f.push.extend(push_took);
    Ok(())
}

async fn run(
    label: &str,
    settings: DbSettings,
    nodes: usize,
    kiosks: usize,
    seconds: u64,
    template: &StoredEvent,
) {
    let db = settings.open().await.unwrap();
    let mut urls = Vec::new();
    let mut servers = Vec::new();
    for _ in 0..nodes {
        // Each node with its own connections, as a separate process would have.
        let node_db = if nodes == 1 { db.clone() } else { settings.open().await.unwrap() };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        urls.push(format!("http://{}", listener.local_addr().unwrap()));
        let app = hq::router(Hq::new(node_db));
        servers.push(tokio::spawn(async move { axum::serve(listener, app).await }));
    }
    let mut sims = Vec::new();
    for i in 0..kiosks {
        let code = format!("A{i:03}");
        let estate = format!("小区{:03}", i % ESTATES);
        let token = hq::register_kiosk(db.as_ref(), &code, &estate).await.unwrap();
        sims.push(SimKiosk { code, estate, token, next_seq: 1, pull_after: 0, outbox: Vec::new() });
    }
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let figures = Arc::new(Mutex::new(Figures::default()));
    let errors = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let started = Instant::now();
    let end = started + Duration::from_secs(seconds);
    let burst_at = started + Duration::from_secs(seconds / 2);
    let template = Arc::new(template.clone());
    let mut tasks = Vec::new();
    for (i, mut sim) in sims.into_iter().enumerate() {
        let (http, figures, errors, first_error, template) =
            (http.clone(), figures.clone(), errors.clone(), first_error.clone(), template.clone());
        let url = urls[i % urls.len()].clone();
        tasks.push(tokio::spawn(async move {
            // Kiosks start at random moments, as they were switched on.
            let mut next = started + INTERVAL.mul_f64(fastrand::f64());
            let mut burst_done = i % 10 != 0;
            loop {
                if next >= end {
                    return;
                }
                tokio::time::sleep_until(next.into()).await;
                if !burst_done && Instant::now() >= burst_at {
                    burst_done = true;
                    for _ in 0..20 {
                        sim.file(&template);
                    }
                } else if fastrand::u8(0..4) == 0 {
                    // Now and then a resident files in between.
                    sim.file(&template);
                }
                if let Err(e) = sync(&http, &url, &mut sim, &figures).await {
                    errors.fetch_add(1, Ordering::Relaxed);
                    first_error.lock().unwrap().get_or_insert(e);
                }
                next += INTERVAL;
                if !burst_done {
                    // A filed case syncs at once: wake for the burst.
                    next = next.min(burst_at);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    for s in servers {
        s.abort();
    }
    let mut f = figures.lock().await;
    let syncs = f.status.len();
    println!(
        "{label:<22} | {nodes} | {syncs:>6} | {:>6} | {:>7.1} / {:>7.1} | {:>7.1} / {:>7.1} | {:>7.1} / {:>7.1}",
        errors.load(Ordering::Relaxed),
        p(&mut f.push, 0.5),
        p(&mut f.push, 0.99),
        p(&mut f.status, 0.5),
        p(&mut f.status, 0.99),
        p(&mut f.pull, 0.5),
        p(&mut f.pull, 0.99),
    );
    if let Some(e) = first_error.lock().unwrap().take() {
        println!("  first error: {e}");
    }
}

fn main() {
    let numbers: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let kiosks = numbers.first().copied().unwrap_or(1000) as usize;
    let seconds = numbers.get(1).copied().unwrap_or(95);
    lobbydesk::sync::install_crypto();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let template = template();
    println!(
        "{kiosks} kiosks over {ESTATES} estates, syncing every {INTERVAL:?} for {seconds} s, a tenth filing 20 at once half-way"
    );
    println!(
        "{:<22} | n | {:>6} | {:>6} | {:>17} | {:>17} | {:>17}",
        "store", "syncs", "errors", "push p50/p99 ms", "status p50/p99", "pull p50/p99"
    );
    let dir = tempfile::TempDir::new().unwrap();
    runtime.block_on(run(
        "SQLite",
        DbSettings::Sqlite(dir.path().to_path_buf()),
        1,
        kiosks,
        seconds,
        &template,
    ));
    for nodes in [1, 2] {
        let settings = DbSettings::Postgres { url: postgres::durable_database(), read_url: None };
        runtime.block_on(run("PostgreSQL", settings, nodes, kiosks, seconds, &template));
    }
}
