//! Where HQ keeps what kiosks send: one trait, two stores. The embedded SQLite file in the
//! data directory is the default (`hq serve` with nothing else works); PostgreSQL, chosen
//! by a `postgres://` URL, lets several stateless HQ nodes share one database, because
//! every rule that must hold across requests (one event per id and per origin index, one
//! case per ticket, arrivals in order per estate) is a constraint or a lock in the database,
//! never a lock in one process.

mod postgres;
mod sqlite;

pub use postgres::PostgresHq;
pub use sqlite::SqliteHq;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use uuid::Uuid;

use crate::domain::calendar::WorkCalendar;
use crate::domain::case::Case;
use crate::domain::event::{EventBody, Origin};
use crate::domain::intake::Intake;
use crate::hq::accounts::{Account, AuditEntry, FleetRow};
use crate::store::{
    CaseQuery, KioskRecord, NoticeOutcome, NoticeRow, PageMark, Photo, QueuedNotice, Refused, Result,
    StoreError, StoredEvent,
};

/// A page of arrivals for one estate: the events, the arrival number to continue after,
/// and whether more follow.
pub type Arrivals = (Vec<StoredEvent>, i64, bool);

/// Everything the HQ server and its commands ask of a store.
#[async_trait]
pub trait HqDatabase: Send + Sync {
    /// What this store is, for logs: a path or a URL with its password hidden.
    fn describe(&self) -> String;

    /// Files a case taken at HQ (a hotline call): its ticket is HQ's next (`HQ-00001`, …,
    /// never given twice), written as HQ's own event for the estate's kiosks to pull.
    async fn file_hq(&self, case_id: Uuid, intake: Intake, actor: &str, now: DateTime<Utc>) -> Result<Case>;

    /// Notes that a kiosk asked for its status now (written at most once a minute).
    async fn kiosk_seen(&self, code: &str, now: DateTime<Utc>) -> Result<()>;
    /// Keeps what a kiosk last said of itself, received `at` by HQ's clock.
    async fn kiosk_health(&self, code: &str, health: &crate::sync::Health, at: DateTime<Utc>) -> Result<()>;
    /// Every registered kiosk with when it was last seen, its newest event and its health.
    async fn fleet(&self) -> Result<Vec<FleetRow>>;

    /// Every event held for one case, in no particular order.
    async fn case_events(&self, id: Uuid) -> Result<Vec<StoredEvent>>;

    // HQ's web desk: accounts, sessions, failed sign-ins, the audit log.
    async fn save_account(&self, account: &Account, password_hash: &str, now: DateTime<Utc>) -> Result<()>;
    /// Disables an account and ends its sessions; returns whether it existed.
    async fn disable_account(&self, name: &str, now: DateTime<Utc>) -> Result<bool>;
    /// An account and its password hash.
    async fn account(&self, name: &str) -> Result<Option<(Account, String)>>;
    async fn accounts(&self) -> Result<Vec<Account>>;
    async fn start_session(
        &self,
        token_hash: &str,
        account: &str,
        csrf: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()>;
    /// The signed-in account and the session's form token, for a live session of an
    /// enabled account.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<(Account, String)>>;
    async fn end_session(&self, token_hash: &str) -> Result<()>;
    async fn sign_in_failures(&self, account: &str, since: DateTime<Utc>) -> Result<u32>;
    /// Counts a failed sign-in, or forgets the failures after a good one.
    async fn note_sign_in(&self, account: &str, succeeded: bool, at: DateTime<Utc>) -> Result<()>;
    async fn audit(&self, account: &str, case_id: Uuid, action: &str, at: DateTime<Utc>) -> Result<()>;
    /// The newest audit entries first, for one case or all.
    async fn audit_log(&self, case_id: Option<Uuid>, limit: usize) -> Result<Vec<AuditEntry>>;

    /// Gets ready to serve many kiosks at once (a server calls it before it listens).
    async fn prepare_for_load(&self) -> Result<()> {
        Ok(())
    }

    /// Registers a kiosk (or gives a registered one a new credential and estate).
    async fn add_kiosk(&self, code: &str, estate: &str, token_hash: &str, now: DateTime<Utc>) -> Result<()>;
    /// Returns whether a kiosk with that code existed.
    async fn revoke_kiosk(&self, code: &str, now: DateTime<Utc>) -> Result<bool>;
    async fn kiosk_by_token_hash(&self, hash: &str) -> Result<Option<KioskRecord>>;

    /// The highest event index held from `origin` (0 for none).
    async fn high_water(&self, origin: &Origin) -> Result<i64>;
    /// The highest ticket sequence among cases filed under kiosk code `code`.
    async fn max_ticket_sequence(&self, code: &str) -> Result<u64>;

    /// Takes a batch from a kiosk, checking each event against what this store holds
    /// (`store::kiosk_may_write`). Returns the refusals; every other event is stored now
    /// or was before.
    async fn receive_from_kiosk(
        &self,
        kiosk: &KioskRecord,
        events: Vec<StoredEvent>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Refused>>;

    /// Events that arrived after `after` for cases of `estate`, not written by `exclude`.
    async fn events_since(
        &self,
        after: i64,
        estate: &str,
        exclude: Option<&Origin>,
        limit: usize,
    ) -> Result<Arrivals>;

    /// Every event with its arrival number, oldest arrival first, `limit` at a time after
    /// `after` (audits, tests and `hq migrate` walk a whole store with it).
    async fn arrivals_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, String, StoredEvent)>>;
    /// Every registered kiosk with its credential's hash and whether it is revoked.
    async fn kiosks(&self) -> Result<Vec<(KioskRecord, String)>>;
    /// Stores events with the arrival numbers and estates another store gave them (for
    /// `hq migrate`); events already here are left as they are. Returns how many were new.
    async fn import_arrivals(&self, arrivals: Vec<(i64, String, StoredEvent)>) -> Result<usize>;

    /// How many cases this store holds.
    async fn count_cases(&self) -> Result<u64>;
    /// A case as folded from its events, if held here.
    async fn case(&self, id: Uuid) -> Result<Option<Case>>;

    // --- HQ's own desk: lists, reports and actions over every estate ---

    /// Times clocks with `cal` (the `overdue_from` column) in every process using this
    /// store, the sync server included; when it differs from the one kept, the column is
    /// worked out again for every open case.
    async fn use_calendar(&self, cal: &WorkCalendar) -> Result<()>;
    /// Up to `limit` of the cases `query` selects, newest first, after `after` (keyset
    /// paging: a page costs the same on page 1 or 1,000, at 1k cases or 1M).
    async fn list_cases(
        &self,
        query: &CaseQuery,
        after: Option<&PageMark>,
        limit: usize,
    ) -> Result<Vec<(Case, PageMark)>>;
    async fn case_by_ticket(&self, ticket: &str) -> Result<Option<Case>>;
    /// The cases linked to `primary` as the same matter, oldest first.
    async fn linked_to(&self, primary: Uuid) -> Result<Vec<Case>>;
    /// Checks `body` against the case as stored now and writes it as HQ's event (origin
    /// `hq`, the next of HQ's indexes, a stamp after the case's events); kiosks of the
    /// case's estate receive it on their next pull.
    async fn append_hq(
        &self,
        case_id: Uuid,
        body: EventBody,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Case>;
    /// What `report::daily` needs for the day `[start, end)` (`Store::daily_report_cases`).
    async fn daily_report_cases(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        estate: Option<&str>,
    ) -> Result<Vec<Case>>;
    /// What `report::monthly` needs for `[from, to)` (`Store::monthly_report_cases`).
    async fn monthly_report_cases(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        estate: Option<&str>,
    ) -> Result<Vec<Case>>;
    /// Deletes cases closed before `before`, with their events; returns how many.
    async fn purge_closed(&self, before: DateTime<Utc>) -> Result<usize>;
    /// Folds every case again from its events and rewrites its row; returns how many
    /// cases there are and how many rows had differed.
    async fn rebuild_read_model(&self) -> Result<(usize, usize)>;
    // --- Residents' phone pages (issue 16): photos, and messages about their cases ---

    async fn save_photo(&self, photo: &Photo) -> Result<()>;
    async fn delete_photo(&self, id: Uuid) -> Result<()>;
    async fn photo(&self, id: Uuid) -> Result<Option<Photo>>;
    /// The newest arrival number: messages start after it on a store that made none yet.
    async fn arrival_head(&self) -> Result<i64>;
    /// How far `estate`'s arrivals have been looked at for messages.
    async fn notice_cursor(&self, estate: &str) -> Result<Option<i64>>;
    /// Queues `notices` (an event's message is queued once, ever) and moves `estate`'s
    /// cursor to `after`, together.
    async fn queue_notices(&self, estate: &str, after: i64, notices: Vec<QueuedNotice>) -> Result<()>;
    /// Takes messages due at `now` to send; each is not due again before `lease_until`, so
    /// no other node sends it while this one tries.
    async fn claim_notices(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<QueuedNotice>>;
    async fn notice_done(&self, event_id: Uuid, outcome: NoticeOutcome, now: DateTime<Utc>) -> Result<()>;
    /// The messages queued for a case, oldest first.
    async fn notices_of(&self, case_id: Uuid) -> Result<Vec<NoticeRow>>;

    /// Brings the query planner's statistics up to date after a bulk load (PostgreSQL's
    /// autovacuum would within a minute or so; until then it may plan for an empty table).
    async fn refresh_statistics(&self) -> Result<()> {
        Ok(())
    }
}

/// Which store HQ uses, from `--db` / `[hq_server] database`: a `postgres://` (or
/// `postgresql://`) URL, `sqlite:PATH` for a data directory, or nothing for the data
/// directory given with `--data-dir`.
#[derive(Clone, PartialEq, Eq)]
pub enum DbSettings {
    Sqlite(PathBuf),
    Postgres { url: String, read_url: Option<String> },
}

impl std::fmt::Debug for DbSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl DbSettings {
    /// `database` as given on the command line or in the config; `data_dir` when absent.
    pub fn parse(
        database: Option<&str>,
        read_replica: Option<&str>,
        data_dir: &Path,
    ) -> anyhow::Result<DbSettings> {
        let settings = match database.map(str::trim).filter(|d| !d.is_empty()) {
            None => DbSettings::Sqlite(data_dir.to_path_buf()),
            Some(d) if d.starts_with("postgres://") || d.starts_with("postgresql://") => {
                d.parse::<tokio_postgres::Config>()
                    .map_err(|e| anyhow::anyhow!("the database URL {} is not valid: {e}", redact(d)))?;
                DbSettings::Postgres { url: d.to_string(), read_url: None }
            }
            Some(d) if d.starts_with("sqlite:") => {
                let path = d.trim_start_matches("sqlite:").trim_start_matches("//");
                if path.is_empty() {
                    anyhow::bail!("sqlite: needs a data directory, e.g. sqlite:/var/lib/lobbydesk-hq");
                }
                DbSettings::Sqlite(PathBuf::from(path))
            }
            Some(d) => {
                anyhow::bail!("the database {} is neither postgres://… nor sqlite:DIRECTORY", redact(d))
            }
        };
        match (settings, read_replica.map(str::trim).filter(|r| !r.is_empty())) {
            (settings, None) => Ok(settings),
            (DbSettings::Postgres { url, .. }, Some(read)) => {
                if !(read.starts_with("postgres://") || read.starts_with("postgresql://")) {
                    anyhow::bail!("the read replica {} is not a postgres:// URL", redact(read));
                }
                read.parse::<tokio_postgres::Config>().map_err(|e| {
                    anyhow::anyhow!("the read replica URL {} is not valid: {e}", redact(read))
                })?;
                Ok(DbSettings::Postgres { url, read_url: Some(read.to_string()) })
            }
            (DbSettings::Sqlite(_), Some(_)) => {
                anyhow::bail!("a read replica needs PostgreSQL: the SQLite store has none")
            }
        }
    }

    /// For logs and messages: never a password.
    pub fn describe(&self) -> String {
        match self {
            DbSettings::Sqlite(dir) => format!("SQLite in {}", dir.display()),
            DbSettings::Postgres { url, read_url: None } => format!("PostgreSQL {}", redact(url)),
            DbSettings::Postgres { url, read_url: Some(read) } => {
                format!("PostgreSQL {} (reads of pulls from {})", redact(url), redact(read))
            }
        }
    }

    /// Opens the store, bringing its schema up to date.
    pub async fn open(&self) -> Result<Arc<dyn HqDatabase>> {
        Ok(match self {
            DbSettings::Sqlite(dir) => Arc::new(SqliteHq::open(dir)?),
            DbSettings::Postgres { url, read_url } => {
                Arc::new(PostgresHq::connect(url, read_url.as_deref()).await?)
            }
        })
    }
}

/// A database URL with its password replaced, as logs and errors show it.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("********"));
            parsed.to_string()
        }
        Ok(parsed) => {
            // A password may also come as a query parameter.
            if parsed.query_pairs().any(|(k, _)| k == "password") {
                let mut clean = parsed.clone();
                let pairs: Vec<(String, String)> = parsed
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if k == "password" { "********".to_string() } else { v.into_owned() };
                        (k.into_owned(), v)
                    })
                    .collect();
                clean.query_pairs_mut().clear().extend_pairs(pairs);
                clean.to_string()
            } else {
                url.to_string()
            }
        }
        Err(_) => "(a URL that cannot be read)".to_string(),
    }
}

/// An error from the store that says where, without a password.
pub fn unreachable(settings: &DbSettings, e: StoreError) -> anyhow::Error {
    anyhow::anyhow!("HQ's store ({}): {e}", settings.describe())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_a_log_line() {
        let s = DbSettings::parse(
            Some("postgres://hq:s3cret@db.example:5432/lobbydesk"),
            Some("postgresql://ro:an0ther@replica:5432/lobbydesk?sslmode=disable"),
            Path::new("/x"),
        )
        .unwrap();
        let shown = format!("{} {:?}", s.describe(), s);
        assert!(!shown.contains("s3cret") && !shown.contains("an0ther"), "{shown}");
        assert!(shown.contains("db.example") && shown.contains("replica"), "{shown}");
        assert!(!redact("postgres://db/x?user=hq&password=pw1").contains("pw1"));
        assert_eq!(redact("postgres://hq@db/x"), "postgres://hq@db/x");
    }

    #[test]
    fn the_store_is_chosen_by_the_url_scheme() {
        let dir = Path::new("/var/lib/hq");
        assert_eq!(DbSettings::parse(None, None, dir).unwrap(), DbSettings::Sqlite(dir.into()));
        assert_eq!(
            DbSettings::parse(Some("sqlite:/srv/hq"), None, dir).unwrap(),
            DbSettings::Sqlite("/srv/hq".into())
        );
        assert!(matches!(
            DbSettings::parse(Some("postgresql://hq@localhost/hq"), None, dir).unwrap(),
            DbSettings::Postgres { read_url: None, .. }
        ));
        for bad in ["mysql://x/y", "postgres://hq@localhost:notaport/x", "sqlite:"] {
            assert!(DbSettings::parse(Some(bad), None, dir).is_err(), "{bad}");
        }
        let err = DbSettings::parse(None, Some("postgres://r/x"), dir).unwrap_err().to_string();
        assert!(err.contains("read replica needs PostgreSQL"), "{err}");
    }
}
