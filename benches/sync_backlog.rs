//! How long a 10,000-case offline backlog takes to reach HQ on loopback, and HQ's ingest
//! rate. Run: cargo bench --bench sync_backlog [-- CASES]

use std::time::Instant;

use chrono::Utc;
use lobbydesk::app::Desk;
use lobbydesk::config::Settings;
use lobbydesk::domain::event::Origin;
use lobbydesk::domain::filing::NewCase;
use lobbydesk::hq::{self, Hq};
use lobbydesk::store::Store;
use lobbydesk::sync::client::{Client, sync_once};

fn main() {
    let cases: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let (hq_dir, kiosk_dir) = (tempfile::TempDir::new().unwrap(), tempfile::TempDir::new().unwrap());
    let token =
        hq::add_kiosk(&mut Store::open(hq_dir.path(), Origin::hq()).unwrap(), "K01", "翠湖花园").unwrap();
    let settings = Settings::from_toml("[kiosk]\ncode = \"K01\"\nestate = \"翠湖花园\"\n", "bench").unwrap();
    let mut desk = Desk::open(settings, kiosk_dir.path()).unwrap();

    let started = Instant::now();
    for i in 0..cases {
        let new = NewCase {
            category: "water".into(),
            place: format!("{}-{}-{}", 1 + i % 9, 1 + i % 3, 100 + i % 40),
            phone: Some(format!("1380013{:04}", i % 10_000)),
            text: format!("第{i}号：厨房水管漏水，地面有积水"),
            ..NewCase::default()
        };
        desk.file(&new, Utc::now()).unwrap();
    }
    let filing = started.elapsed();
    println!(
        "filed {cases} cases offline in {:.1?} ({:.0} cases/s, each fsynced)",
        filing,
        cases as f64 / filing.as_secs_f64()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Hq::open(hq_dir.path()).unwrap();
        tokio::spawn(async move { axum::serve(listener, hq::router(server)).await.unwrap() });
        let client = Client::new(&format!("http://{addr}"), &token).unwrap();
        let started = Instant::now();
        let report = sync_once(desk.store_mut(), &client, Utc::now()).await.unwrap();
        let took = started.elapsed();
        assert_eq!(report.pushed, cases);
        println!(
            "backlog of {cases} cases reached HQ in {:.2?}: {:.0} events/s ingested by HQ, outbox now {}",
            took,
            report.pushed as f64 / took.as_secs_f64(),
            desk.store().outbox_len().unwrap()
        );
    });
}
