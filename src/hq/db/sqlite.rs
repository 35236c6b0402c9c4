//! The embedded store: the SQLite file in HQ's data directory, one writer behind a mutex
//! (SQLite allows one writer anyway), each call run off the async threads.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

use super::{Arrivals, HqDatabase};
use crate::domain::case::Case;
use crate::domain::event::Origin;
use crate::store::{KioskRecord, Refused, Result, Store, StoreError, StoredEvent};

pub struct SqliteHq {
    dir: PathBuf,
    store: Arc<Mutex<Store>>,
}

impl SqliteHq {
    pub fn open(dir: &Path) -> Result<SqliteHq> {
        Ok(SqliteHq { dir: dir.to_path_buf(), store: Arc::new(Mutex::new(Store::open(dir, Origin::hq())?)) })
    }

    async fn with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::BadRecord(format!("a store task failed: {e}")))?
    }
}

#[async_trait]
impl HqDatabase for SqliteHq {
    fn describe(&self) -> String {
        format!("SQLite in {}", self.dir.display())
    }

    async fn add_kiosk(&self, code: &str, estate: &str, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        let (code, estate, hash) = (code.to_string(), estate.to_string(), token_hash.to_string());
        self.with(move |s| s.add_kiosk(&code, &estate, &hash, now)).await
    }

    async fn revoke_kiosk(&self, code: &str, now: DateTime<Utc>) -> Result<bool> {
        let code = code.to_string();
        self.with(move |s| s.revoke_kiosk(&code, now)).await
    }

    async fn kiosk_by_token_hash(&self, hash: &str) -> Result<Option<KioskRecord>> {
        let hash = hash.to_string();
        self.with(move |s| s.kiosk_by_token_hash(&hash)).await
    }

    async fn high_water(&self, origin: &Origin) -> Result<i64> {
        let origin = origin.clone();
        self.with(move |s| s.high_water(&origin)).await
    }

    async fn max_ticket_sequence(&self, code: &str) -> Result<u64> {
        let code = code.to_string();
        self.with(move |s| s.max_ticket_sequence(&code)).await
    }

    async fn receive_from_kiosk(
        &self,
        kiosk: &KioskRecord,
        events: Vec<StoredEvent>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Refused>> {
        let kiosk = kiosk.clone();
        self.with(move |s| s.receive_from_kiosk(&kiosk, &events, now)).await
    }

    async fn events_since(
        &self,
        after: i64,
        estate: &str,
        exclude: Option<&Origin>,
        limit: usize,
    ) -> Result<Arrivals> {
        let (estate, exclude) = (estate.to_string(), exclude.cloned());
        self.with(move |s| s.events_since(after, &estate, exclude.as_ref(), limit)).await
    }

    async fn arrivals_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, String, StoredEvent)>> {
        self.with(move |s| s.arrivals_after(after, limit)).await
    }

    async fn kiosks(&self) -> Result<Vec<(KioskRecord, String)>> {
        self.with(|s| s.kiosks()).await
    }

    async fn import_arrivals(&self, arrivals: Vec<(i64, String, StoredEvent)>) -> Result<usize> {
        self.with(move |s| s.import_arrivals(&arrivals)).await
    }

    async fn count_cases(&self) -> Result<u64> {
        self.with(|s| s.count_cases()).await
    }

    async fn case(&self, id: Uuid) -> Result<Option<Case>> {
        self.with(move |s| match s.case_by_id(id) {
            Ok(record) => Ok(Some(record.case)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }
}
