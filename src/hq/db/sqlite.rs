//! The embedded store: the SQLite file in HQ's data directory, one writer behind a mutex
//! (SQLite allows one writer anyway), each call run off the async threads.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

use super::{Arrivals, HqDatabase};
use crate::domain::calendar::WorkCalendar;
use crate::domain::case::Case;
use crate::domain::event::{EventBody, Origin};
use crate::domain::intake::Intake;
use crate::domain::ticket::KioskCode;
use crate::hq::HQ_TICKETS;
use crate::hq::accounts::{Account, AuditEntry, FleetRow};
use crate::store::{
    CaseQuery, CaseRecord, KioskRecord, NoticeOutcome, NoticeRow, PageMark, Photo, QueuedNotice, Refused,
    Result, Store, StoreError, StoredEvent,
};

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

/// The case of a lookup, none when the store has no such case.
fn found(record: Result<CaseRecord>) -> Result<Option<Case>> {
    match record {
        Ok(record) => Ok(Some(record.case)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

#[async_trait]
impl HqDatabase for SqliteHq {
    async fn save_photo(&self, photo: &Photo) -> Result<()> {
        let photo = photo.clone();
        self.with(move |s| s.save_photo(&photo)).await
    }
    async fn delete_photo(&self, id: Uuid) -> Result<()> {
        self.with(move |s| s.delete_photo(id)).await
    }
    async fn photo(&self, id: Uuid) -> Result<Option<Photo>> {
        self.with(move |s| s.photo(id)).await
    }
    async fn arrival_head(&self) -> Result<i64> {
        self.with(|s| s.arrival_head()).await
    }
    async fn notice_cursor(&self, estate: &str) -> Result<Option<i64>> {
        let estate = estate.to_string();
        self.with(move |s| s.notice_cursor(&estate)).await
    }
    async fn queue_notices(&self, estate: &str, after: i64, notices: Vec<QueuedNotice>) -> Result<()> {
        let estate = estate.to_string();
        self.with(move |s| s.queue_notices(&estate, after, &notices)).await
    }
    async fn claim_notices(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<QueuedNotice>> {
        self.with(move |s| s.claim_notices(now, lease_until, limit)).await
    }
    async fn notice_done(&self, event_id: Uuid, outcome: NoticeOutcome, now: DateTime<Utc>) -> Result<()> {
        self.with(move |s| s.notice_done(event_id, &outcome, now)).await
    }
    async fn notices_of(&self, case_id: Uuid) -> Result<Vec<NoticeRow>> {
        self.with(move |s| s.notices_of(case_id)).await
    }

    async fn kiosk_seen(&self, code: &str, now: DateTime<Utc>) -> Result<()> {
        let code = code.to_string();
        self.with(move |s| s.kiosk_seen(&code, now)).await
    }

    async fn kiosk_health(&self, code: &str, health: &crate::sync::Health, at: DateTime<Utc>) -> Result<()> {
        let (code, health) = (code.to_string(), health.clone());
        self.with(move |s| s.kiosk_health(&code, &health, at)).await
    }

    async fn fleet(&self) -> Result<Vec<FleetRow>> {
        self.with(|s| s.fleet()).await
    }

    async fn file_hq(&self, case_id: Uuid, intake: Intake, actor: &str, now: DateTime<Utc>) -> Result<Case> {
        let actor = actor.to_string();
        self.with(move |s| s.file_case(&KioskCode::parse(HQ_TICKETS)?, case_id, intake, &actor, false, now))
            .await
    }

    async fn case_events(&self, id: Uuid) -> Result<Vec<StoredEvent>> {
        self.with(move |s| match s.case_by_id(id) {
            Ok(record) => Ok(record.events),
            Err(StoreError::NotFound(_)) => Ok(Vec::new()),
            Err(e) => Err(e),
        })
        .await
    }

    async fn save_account(&self, account: &Account, password_hash: &str, now: DateTime<Utc>) -> Result<()> {
        let (account, hash) = (account.clone(), password_hash.to_string());
        self.with(move |s| s.save_account(&account, &hash, now)).await
    }

    async fn disable_account(&self, name: &str, now: DateTime<Utc>) -> Result<bool> {
        let name = name.to_string();
        self.with(move |s| s.disable_account(&name, now)).await
    }

    async fn account(&self, name: &str) -> Result<Option<(Account, String)>> {
        let name = name.to_string();
        self.with(move |s| s.account(&name)).await
    }

    async fn accounts(&self) -> Result<Vec<Account>> {
        self.with(|s| s.accounts()).await
    }

    async fn start_session(
        &self,
        token_hash: &str,
        account: &str,
        csrf: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        let (token_hash, account, csrf) = (token_hash.to_string(), account.to_string(), csrf.to_string());
        self.with(move |s| s.start_session(&token_hash, &account, &csrf, now, expires)).await
    }

    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<(Account, String)>> {
        let token_hash = token_hash.to_string();
        self.with(move |s| s.session(&token_hash, now)).await
    }

    async fn end_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_string();
        self.with(move |s| s.end_session(&token_hash)).await
    }

    async fn sign_in_failures(&self, account: &str, since: DateTime<Utc>) -> Result<u32> {
        let account = account.to_string();
        self.with(move |s| s.sign_in_failures(&account, since)).await
    }

    async fn note_sign_in(&self, account: &str, succeeded: bool, at: DateTime<Utc>) -> Result<()> {
        let account = account.to_string();
        self.with(move |s| s.note_sign_in(&account, succeeded, at)).await
    }

    async fn audit(&self, account: &str, case_id: Uuid, action: &str, at: DateTime<Utc>) -> Result<()> {
        let (account, action) = (account.to_string(), action.to_string());
        self.with(move |s| s.audit(&account, case_id, &action, at)).await
    }

    async fn audit_log(&self, case_id: Option<Uuid>, limit: usize) -> Result<Vec<AuditEntry>> {
        self.with(move |s| s.audit_log(case_id, limit)).await
    }

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
        self.with(move |s| found(s.case_by_id(id))).await
    }

    async fn use_calendar(&self, cal: &WorkCalendar) -> Result<()> {
        let cal = cal.clone();
        self.with(move |s| s.use_calendar(&cal)).await
    }

    async fn list_cases(
        &self,
        query: &CaseQuery,
        after: Option<&PageMark>,
        limit: usize,
    ) -> Result<Vec<(Case, PageMark)>> {
        let (query, after) = (query.clone(), after.cloned());
        self.with(move |s| s.list_cases(&query, after.as_ref(), limit)).await
    }

    async fn case_by_ticket(&self, ticket: &str) -> Result<Option<Case>> {
        let ticket = ticket.to_string();
        self.with(move |s| found(s.case_by_ticket(&ticket))).await
    }

    async fn linked_to(&self, primary: Uuid) -> Result<Vec<Case>> {
        self.with(move |s| s.linked_to(primary)).await
    }

    async fn append_hq(
        &self,
        case_id: Uuid,
        body: EventBody,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Case> {
        let actor = actor.to_string();
        self.with(move |s| s.append(case_id, body, &actor, now)).await
    }

    async fn daily_report_cases(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        estate: Option<&str>,
    ) -> Result<Vec<Case>> {
        let estate = estate.map(str::to_string);
        self.with(move |s| s.daily_report_cases(start, end, estate.as_deref())).await
    }

    async fn monthly_report_cases(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        estate: Option<&str>,
    ) -> Result<Vec<Case>> {
        let estate = estate.map(str::to_string);
        self.with(move |s| s.monthly_report_cases(from, to, estate.as_deref())).await
    }

    async fn purge_closed(&self, before: DateTime<Utc>) -> Result<usize> {
        self.with(move |s| s.purge_closed(before)).await
    }

    async fn rebuild_read_model(&self) -> Result<(usize, usize)> {
        self.with(|s| s.rebuild_read_model()).await
    }
}
