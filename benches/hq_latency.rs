//! HQ's status, push and pull latency (p50, p99) and its ingest rate as its store grows:
//! 10k, 100k and 1M cases spread over 200 estates, served on loopback, on each store (the
//! SQLite file, and PostgreSQL as a production server runs it: fsync on). The goal is flat
//! lines: what a kiosk asks must not cost more because other estates have filed more.
//! Run: cargo bench --bench hq_latency [-- 10000,100000,1000000] [--store sqlite|postgres]

#[path = "support/args.rs"]
mod args;
#[path = "../tests/common/filings.rs"]
mod filings;
#[path = "../tests/common/postgres.rs"]
mod postgres;

use filings::{filing_of, new_case};

use std::time::{Duration, Instant};

use chrono::Utc;
use lobbydesk::domain::event::EventBody;
use lobbydesk::hq::db::{DbSettings, HqDatabase};
use lobbydesk::hq::{self, Hq};
use lobbydesk::store::{KioskRecord, StoredEvent};
use std::sync::Arc;
use uuid::Uuid;

const ESTATES: usize = 200;

fn estate(i: usize) -> String {
    format!("小区{:03}", i % ESTATES)
}

fn code(i: usize) -> String {
    format!("E{:03}", i % ESTATES)
}

/// One genuine filing per estate, cloned with fresh ids, tickets and indexes.
fn template(i: usize) -> StoredEvent {
    filing_of(&code(i), &estate(i))
}

/// Grows HQ's store to `target` cases, round-robin over the estates, in pushes of 500
/// from four estates at a time (as many kiosks push at once). Returns events per second.
async fn grow(db: &Arc<dyn HqDatabase>, templates: &[StoredEvent], from: usize, target: usize) -> f64 {
    let started = Instant::now();
    let mut batches: Vec<(usize, Vec<StoredEvent>)> = Vec::new();
    let mut open: Vec<Vec<StoredEvent>> = vec![Vec::new(); ESTATES];
    for n in from..target {
        let e = n % ESTATES;
        open[e].push(new_case(&templates[e], &code(e), (n / ESTATES) as i64 + 1));
        if open[e].len() == 500 {
            batches.push((e, std::mem::take(&mut open[e])));
        }
    }
    batches.extend(open.into_iter().enumerate().filter(|(_, b)| !b.is_empty()));
    let batches = Arc::new(std::sync::Mutex::new(batches.into_iter()));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (db, batches) = (db.clone(), batches.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let next = batches.lock().unwrap().next();
                let Some((e, events)) = next else { return };
                let kiosk = KioskRecord { code: code(e), estate: estate(e), revoked: false };
                let refused = db.receive_from_kiosk(&kiosk, events, Utc::now()).await.unwrap();
                assert!(refused.is_empty(), "{:?}", refused[0]);
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    (target - from) as f64 / started.elapsed().as_secs_f64()
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    (at(0.50), at(0.99))
}

fn main() {
    let (sizes, stores) = args::sizes_and_stores(&[10_000, 100_000, 1_000_000]);
    lobbydesk::sync::install_crypto();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    println!(
        "{:>8} | {:>9} | {:>17} | {:>17} | {:>17} | {:>13}",
        "store", "cases", "status p50/p99", "push p50/p99", "pull p50/p99", "ingest ev/s"
    );
    for store in stores {
        let dir = tempfile::TempDir::new().unwrap();
        let settings = match store.as_str() {
            "sqlite" => DbSettings::Sqlite(dir.path().to_path_buf()),
            "postgres" => DbSettings::Postgres { url: postgres::durable_database(), read_url: None },
            other => panic!("--store {other}: sqlite or postgres"),
        };
        runtime.block_on(measure(&store, &settings, &sizes));
    }
}

async fn measure(label: &str, settings: &DbSettings, sizes: &[usize]) {
    let db = settings.open().await.unwrap();
    let templates: Vec<StoredEvent> = (0..ESTATES).map(template).collect();
    // The kiosk that measures: one more kiosk of the first estate, with its own numbers.
    let token = hq::register_kiosk(db.as_ref(), "P01", &estate(0)).await.unwrap();
    let measuring = filing_of("P01", &estate(0));
    let mut have = 0;
    let mut next_seq = 1i64;
    for &size in sizes {
        let ingest = grow(&db, &templates, have, size).await;
        have = size;
        let hq = Hq::new(db.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, hq::router(hq)).await });
        let http = reqwest::Client::new();
        let time = |req: reqwest::RequestBuilder| async move {
            let t = Instant::now();
            let resp = req.send().await.unwrap();
            assert!(resp.status().is_success(), "{}", resp.status());
            resp.bytes().await.unwrap();
            t.elapsed()
        };
        let mut status = Vec::new();
        for _ in 0..200 {
            status.push(time(http.get(format!("{url}/v1/status")).bearer_auth(&token)).await);
        }
        // A kiosk's usual push: a few new cases of its own estate.
        let mut push = Vec::new();
        for _ in 0..100 {
            let events: Vec<StoredEvent> = (0..5)
                .map(|_| {
                    next_seq += 1;
                    new_case(&measuring, "P01", next_seq - 1)
                })
                .collect();
            let body = serde_json::json!({ "events": events });
            push.push(time(http.post(format!("{url}/v1/events")).bearer_auth(&token).json(&body)).await);
        }
        // A kiosk that is up to date asks for what is new.
        let mut latest = 0;
        loop {
            let page: serde_json::Value = http
                .get(format!("{url}/v1/events?after={latest}&limit=1000"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            latest = page["next"].as_i64().unwrap();
            if page["more"] != true {
                break;
            }
        }
        let mut pull = Vec::new();
        for _ in 0..200 {
            pull.push(time(http.get(format!("{url}/v1/events?after={latest}")).bearer_auth(&token)).await);
        }
        server.abort();
        let show = |(a, b): (Duration, Duration)| {
            format!("{:>6.2} / {:>6.2} ms", a.as_secs_f64() * 1e3, b.as_secs_f64() * 1e3)
        };
        println!(
            "{label:>8} | {size:>9} | {} | {} | {} | {ingest:>13.0}",
            show(percentiles(status)),
            show(percentiles(push)),
            show(percentiles(pull))
        );
    }
    // The longest one request may hold the store: full pushes of 1,000 notes onto one
    // case until it has 14,000 (this once took 110 s under one lock).
    let kiosk = KioskRecord { code: "P01".into(), estate: estate(0), revoked: false };
    let filing = new_case(&measuring, "P01", next_seq);
    next_seq += 1;
    db.receive_from_kiosk(&kiosk, vec![filing.clone()], Utc::now()).await.unwrap();
    let mut longest = Duration::ZERO;
    for round in 0..14 {
        let notes: Vec<StoredEvent> = (0..1000)
            .map(|i| {
                let mut e = filing.clone();
                e.origin_seq = next_seq;
                next_seq += 1;
                e.event.id = Uuid::now_v7();
                e.event.stamp.counter = 1 + round * 1000 + i;
                e.event.body = EventBody::ProgressNote { text: format!("第{round}-{i}次跟进") };
                e
            })
            .collect();
        let t = Instant::now();
        let refused = db.receive_from_kiosk(&kiosk, notes, Utc::now()).await.unwrap();
        assert!(refused.is_empty(), "{:?}", refused[0]);
        longest = longest.max(t.elapsed());
    }
    println!(
        "{label:>8}: 14 pushes of 1,000 notes onto one case (up to 14,000 events): the longest took {longest:.1?}"
    );
}
