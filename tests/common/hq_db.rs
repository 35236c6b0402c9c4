//! HQ servers for the tests, in-process on loopback, over either store: the SQLite file or
//! a fresh database on the test PostgreSQL cluster (`postgres.rs`).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use lobbydesk::app::Desk;
use lobbydesk::hq::db::{DbSettings, HqDatabase};
use lobbydesk::hq::{self, Hq};
use lobbydesk::sync::client::{Client, sync_once};
use std::time::Duration;
use tempfile::TempDir;
use tokio::net::TcpListener;

/// HQ's store for one test: the SQLite file in a directory, or a fresh database on the
/// test PostgreSQL cluster. The same tests run on both.
pub struct HqStore {
    pub dir: TempDir,
    pub settings: DbSettings,
}

impl HqStore {
    pub fn sqlite() -> HqStore {
        let dir = TempDir::new().unwrap();
        let settings = DbSettings::Sqlite(dir.path().to_path_buf());
        HqStore { dir, settings }
    }

    pub fn postgres() -> HqStore {
        HqStore {
            dir: TempDir::new().unwrap(),
            settings: DbSettings::Postgres { url: super::postgres::database(), read_url: None },
        }
    }

    pub fn of(backend: Backend) -> HqStore {
        match backend {
            Backend::Sqlite => HqStore::sqlite(),
            Backend::Postgres => HqStore::postgres(),
        }
    }

    /// A new connection to the store, as a freshly started HQ node has.
    pub async fn open(&self) -> Arc<dyn HqDatabase> {
        self.settings.open().await.unwrap()
    }

    pub async fn register(&self, code: &str, estate: &str) -> String {
        hq::register_kiosk(self.open().await.as_ref(), code, estate).await.unwrap()
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// HQ on a loopback port; `restart` stops it and starts it again on the same store.
pub struct HqProcess {
    pub settings: DbSettings,
    /// The config `hq serve` would read (calendar, resident_url, messages).
    pub config: lobbydesk::config::Settings,
    pub addr: Arc<Mutex<SocketAddr>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl HqProcess {
    pub async fn start(store: &HqStore) -> HqProcess {
        HqProcess::configured(store, lobbydesk::config::Settings::default()).await
    }

    /// HQ serving with `config` (as `hq serve` reads it from its config file).
    pub async fn configured(store: &HqStore, config: lobbydesk::config::Settings) -> HqProcess {
        let mut p = HqProcess {
            settings: store.settings.clone(),
            config,
            addr: Arc::new(Mutex::new("127.0.0.1:1".parse().unwrap())),
            task: None,
        };
        p.launch().await;
        p
    }

    pub async fn launch(&mut self) {
        let hq = Hq::new(self.settings.open().await.unwrap()).with_settings(self.config.clone());
        hq.ready().await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        *self.addr.lock().unwrap() = listener.local_addr().unwrap();
        self.task = Some(tokio::spawn(async move {
            // As `hq serve`: each request knows its client's address.
            let app = hq::router(hq).into_make_service_with_connect_info::<SocketAddr>();
            let _ = axum::serve(listener, app).await;
        }));
    }

    pub async fn restart(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
        self.launch().await;
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr.lock().unwrap())
    }
}

/// Every event HQ holds, in arrival order.
pub async fn events_at(hq: &dyn HqDatabase) -> Vec<lobbydesk::store::StoredEvent> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = hq.arrivals_after(after, 1000).await.unwrap();
        let Some((last, _, _)) = page.last() else { return all };
        after = *last;
        all.extend(page.into_iter().map(|(_, _, e)| e));
    }
}

/// Syncs until the kiosk's outbox is empty, backing off between tries, as the background
/// sync does.
pub async fn sync_until_done(desk: &mut Desk, client: &Client) {
    let mut last = String::new();
    for attempt in 0..60 {
        match sync_once(desk.store_mut(), client, Utc::now()).await {
            Ok(_) if desk.store().outbox_len().unwrap() == 0 => return,
            Ok(report) => last = format!("{report:?}"),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(20 * attempt.min(10))).await;
    }
    panic!("sync never completed: {last}; outbox {}", desk.store().outbox_len().unwrap());
}
