//! The kiosk's SQLite store: connection setup checked at start, migrations, and the
//! case/event/outbox tables. One `Store` is the one writer; every change to a case is
//! one transaction that appends its event, queues it for HQ and refreshes the projection.

mod accounts;
pub(crate) mod cases;
mod migrations;
mod print_jobs;
mod resident;
pub mod running;
mod sync;
mod watermark;

pub use cases::{BulkCase, CaseQuery, CaseRecord, PageMark, StoredEvent};
pub(crate) use cases::{CaseColumns, complainants_look_back};
pub use migrations::{MIGRATIONS, SCHEMA_VERSION};
pub use print_jobs::{DocumentKind, JobState, NewJob, PrintJob};
pub use resident::{NoticeOutcome, NoticeRow, Photo, QueuedNotice};
pub(crate) use sync::kiosk_may_write;
pub use sync::{KioskRecord, MAX_CLOCK_AHEAD, RefusalCode, Refused, SetAside};

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

use crate::domain::case::{FoldError, WorkflowError};
use crate::domain::event::Origin;
use crate::domain::validate::ValidationError;
use watermark::{Reservations, Watermark};

pub const DB_FILE: &str = "lobbydesk.sqlite";
pub const WATERMARK_FILE: &str = "ticket-watermark";
/// The highest event index this origin may have handed out (reserved in blocks).
pub const EVENT_WATERMARK_FILE: &str = "event-watermark";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database {path} is damaged ({detail}). Stop the kiosk, move the file aside and restore the latest backup; cases already synced are safe at HQ"
    )]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "the database {path} has schema version {found}, newer than this lobbydesk knows ({known}); install the newer lobbydesk again"
    )]
    NewerSchema { path: PathBuf, found: u32, known: u32 },
    #[error("the database refused a required setting: {0}")]
    Settings(String),
    #[error("cannot open the data directory {path}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error(
        "the data directory {dir} is read-only ({detail}): lobbydesk cannot record anything there. Make it writable (mount it read-write, fix its owner) to file and sync cases; read commands (cases, show, report) still work"
    )]
    ReadOnly { dir: PathBuf, detail: String },
    #[error(
        "the database {path} is missing or empty, but lobbydesk has run here before ({evidence}). Nothing was created: restore the latest backup (the file `lobbydesk backup --out FILE` wrote) to {path} and start again. To start over deliberately with an empty database, run `lobbydesk start-over`: ticket numbers and event indexes continue after the last ones issued, and cases already synced stay at HQ"
    )]
    MissingDatabase { path: PathBuf, evidence: String },
    #[error("cannot keep the ticket watermark {path}")]
    Watermark { path: PathBuf, source: std::io::Error },
    #[error("no case with ticket {0}")]
    NotFound(String),
    #[error("kiosk {0} has used up its ticket numbers; give it a new kiosk code")]
    TicketsExhausted(String),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Refused(#[from] crate::domain::roles::Refused),
    #[error(
        "--by {0}: nobody with that id is in the config's [[staff]] list. Add them (id, name, role; a PIN from `lobbydesk staff-pin` only if they use the staff screen)"
    )]
    UnknownStaff(String),
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error("a stored record cannot be read: {0}")]
    BadRecord(String),
    #[error("stored case data is inconsistent: {0}")]
    Fold(#[from] FoldError),
    #[error("stored data could not be read: {0}")]
    Json(#[from] serde_json::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    /// The server refused a statement: `state` is its SQLSTATE code.
    #[error("PostgreSQL: {message} ({state})")]
    PostgresState { state: String, message: String },
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> StoreError {
        // The server's own words (which constraint, which column) say more than "db error".
        match e.as_db_error() {
            Some(db) => StoreError::PostgresState {
                state: db.code().code().to_string(),
                message: db.message().to_string(),
            },
            None => StoreError::Postgres(e.to_string()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> StoreError {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => StoreError::Postgres(format!("no connection to the database: {other}")),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub struct Store {
    conn: Connection,
    path: PathBuf,
    origin: Origin,
    /// Ticket numbers reserved in the file beside the database (`WATERMARK_FILE`), in
    /// blocks of `ticket_block`: a long-running kiosk writes it once per block, so a
    /// filing costs the database's one fsync; a crash skips the rest of a block.
    tickets: Reservations,
    ticket_block: u64,
    /// Reservations of this origin's event indexes: outlives a purge, a restored or an
    /// emptied database, so no index is ever handed out twice.
    event_watermark: Reservations,
    /// Times the clocks behind the `overdue_from` column (`use_calendar`).
    calendar: crate::domain::calendar::WorkCalendar,
    /// Rows (and so search index segments) written since `between_filings` last merged.
    search_written: bool,
}

/// How `Store::open_with` treats a database that is missing or empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fresh {
    /// Create it, unless the directory shows lobbydesk ran here before.
    IfNew,
    /// Create it even so (`lobbydesk start-over`): the counters beside it still hold.
    StartOver,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir` for events written by `origin`.
    pub fn open(data_dir: &Path, origin: Origin) -> Result<Store> {
        Store::open_with(data_dir, origin, Fresh::IfNew)
    }

    pub fn open_with(data_dir: &Path, origin: Origin, fresh: Fresh) -> Result<Store> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StoreError::DataDir { path: data_dir.to_path_buf(), source })?;
        let db_path = data_dir.join(DB_FILE);
        if fresh == Fresh::IfNew && is_empty_database(&db_path) {
            let evidence = ran_here_before(data_dir);
            if !evidence.is_empty() {
                return Err(StoreError::MissingDatabase { path: db_path, evidence: evidence.join("; ") });
            }
        }
        Store::open_at(&db_path, &data_dir.join(WATERMARK_FILE), origin)
            .map_err(|e| explain_read_only(e, data_dir))
    }

    /// Opens the database only to read, for a data directory lobbydesk cannot write
    /// (a read-only mount): lists and cases still show. Nothing is migrated or recovered.
    pub fn open_read_only(data_dir: &Path, origin: Origin) -> Result<Store> {
        let db_path = data_dir.join(DB_FILE);
        if !db_path.exists() {
            return Err(StoreError::NotFound(format!("database {}", db_path.display())));
        }
        let flags =
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let uri = |extra: &str| format!("file:{}?mode=ro{extra}", db_path.display());
        // WAL needs its shared-memory file; where it cannot be made, read the file as it is.
        let conn = Connection::open_with_flags(uri(""), flags)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM meta", [], |r| r.get::<_, i64>(0)).map(|_| c))
            .or_else(|_| Connection::open_with_flags(uri("&immutable=1"), flags))?;
        let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found != SCHEMA_VERSION {
            return Err(StoreError::ReadOnly {
                dir: data_dir.to_path_buf(),
                detail: format!(
                    "its database has schema version {found} and this lobbydesk needs {SCHEMA_VERSION}, which only a writable directory can bring"
                ),
            });
        }
        let mut store = Store {
            conn,
            path: db_path,
            origin: origin.clone(),
            tickets: Reservations::new(data_dir.join(WATERMARK_FILE)),
            ticket_block: 1,
            event_watermark: Reservations::new(data_dir.join(EVENT_WATERMARK_FILE)),
            calendar: Default::default(),
            search_written: false,
        };
        store.load_calendar()?;
        Ok(store)
    }

    pub fn open_at(db_path: &Path, watermark_path: &Path, origin: Origin) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let damaged = |detail: String| StoreError::Damaged { path: db_path.to_path_buf(), detail };
        let conn = Connection::open_with_flags(db_path, flags)?;
        configure(&conn).map_err(|e| match e {
            StoreError::Sqlite(e) if is_corruption(&e) => damaged(e.to_string()),
            other => other,
        })?;
        // The schema must read; every page is checked by `quick_check`, which the kiosk
        // runs once its window is up after the machine went down under it (it reads the
        // whole file).
        conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
            .map_err(|e| damaged(e.to_string()))?;
        let mut store = Store {
            conn,
            path: db_path.to_path_buf(),
            origin,
            tickets: Reservations::new(watermark_path.to_path_buf()),
            ticket_block: 1,
            event_watermark: Reservations::new(watermark_path.with_file_name(EVENT_WATERMARK_FILE)),
            calendar: Default::default(),
            search_written: false,
        };
        let found: u32 = store.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        migrations::migrate(&mut store.conn, db_path)?;
        if found > 0 && found < INCREMENTAL_VACUUM_SCHEMA {
            store.turn_on_incremental_vacuum();
        }
        store.load_calendar()?;
        store.refresh_stale_projections()?;
        store.project_pending()?;
        store.recover_interrupted_prints()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    pub fn schema_version(&self) -> Result<u32> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Events not yet confirmed by HQ.
    pub fn outbox_len(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }

    /// A consistent copy of the database (safe while the kiosk runs).
    pub fn backup_to(&self, target: &Path) -> Result<()> {
        self.conn.execute("VACUUM INTO ?1", [target.to_string_lossy()])?;
        Ok(())
    }

    /// `PRAGMA quick_check` table by table: every page and record of every table and index
    /// is readable and well formed. Run after the machine went down under the kiosk
    /// (`running::LastRun`), in the background once the window is up. The search index's
    /// own consistency check is left to `integrity_check` (`lobbydesk check`): FTS5 runs
    /// all of it even under quick_check, most of the time the check takes, while its pages
    /// are still read here as the tables FTS5 keeps them in.
    pub fn quick_check(&self) -> Result<()> {
        let damaged = |detail: String| StoreError::Damaged { path: self.path.clone(), detail };
        let tables: Vec<String> = self
            .conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")
            .and_then(|mut stmt| stmt.query_map([], |row| row.get(0))?.collect())
            .map_err(|e| damaged(e.to_string()))?;
        let mut problems = Vec::new();
        for table in tables {
            let mut stmt = self
                .conn
                .prepare(&format!("PRAGMA quick_check(\"{}\")", table.replace('"', "\"\"")))
                .map_err(|e| damaged(e.to_string()))?;
            let found: Vec<String> = stmt
                .query_map([], |row| row.get::<_, String>(0))
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(|e| damaged(e.to_string()))?;
            problems.extend(found.into_iter().filter(|p| p != "ok"));
        }
        if !problems.is_empty() {
            return Err(damaged(problems.join("; ")));
        }
        Ok(())
    }

    /// Gives the pages a purge freed back to the file system, a thousand at a time (each
    /// step a short write, so filing never waits long). Returns the bytes given back.
    /// `purge_closed` calls it.
    pub fn give_back_space(&mut self) -> Result<u64> {
        let mode: i64 = self.conn.pragma_query_value(None, "auto_vacuum", |r| r.get(0))?;
        let page_size: i64 = self.conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
        let free =
            |conn: &Connection| conn.pragma_query_value(None, "freelist_count", |r| r.get::<_, i64>(0));
        let before = free(&self.conn)?;
        if mode != 2 || before == 0 {
            return Ok(0);
        }
        let mut freed_down_to = before;
        loop {
            // The pragma gives back one page per step: it must be stepped to its end
            // (execute_batch steps once, which would free one page a transaction).
            {
                let mut stmt = self.conn.prepare("PRAGMA incremental_vacuum(1000)")?;
                let mut rows = stmt.query([])?;
                while rows.next()?.is_some() {}
            }
            let left = free(&self.conn)?;
            // Done, or stuck (never loop on a step that frees nothing).
            if left == 0 || left >= freed_down_to {
                break;
            }
            freed_down_to = left;
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // The file shrinks at the next checkpoint; take it now.
        self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        Ok(((before - free(&self.conn)?) * page_size).unsigned_abs())
    }

    /// Files made before schema 14 kept freed pages for ever; one rewrite (VACUUM) at the
    /// upgrade lets every later purge give them back. A file in use by another process
    /// (an old kiosk still running) is left as it was and logged.
    fn turn_on_incremental_vacuum(&mut self) {
        let started = std::time::Instant::now();
        let result = self.conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;");
        match result {
            Ok(()) => {
                tracing::info!(took = ?started.elapsed(), "database rewritten once to give freed space back from now on")
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot rewrite the database to give freed space back; it keeps its size")
            }
        }
    }

    /// The full `PRAGMA integrity_check`, the search index's consistency included
    /// (`lobbydesk check`; slow on large files).
    pub fn integrity_check(&self) -> Result<String> {
        let rows: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")
            .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| match is_corruption(&e) {
                true => StoreError::Damaged { path: self.path.clone(), detail: e.to_string() },
                false => e.into(),
            })?;
        Ok(rows.join("; "))
    }
}

/// No database file, a zero-length one, or one without lobbydesk's tables. A database
/// whose changes still sit in its write-ahead log (a kill before any checkpoint) is not
/// empty: SQLite recovers it on open.
fn is_empty_database(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return false;
    }
    match std::fs::metadata(path) {
        Err(_) => true,
        Ok(m) if m.len() == 0 => true,
        Ok(_) => Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|c| c.pragma_query_value(None, "user_version", |r| r.get::<_, u32>(0)))
            .map(|v| v == 0)
            .unwrap_or(false),
    }
}

/// What in `dir` shows lobbydesk has already issued tickets, events or paper there.
fn ran_here_before(dir: &Path) -> Vec<String> {
    let mut evidence = Vec::new();
    for (file, what) in
        [(WATERMARK_FILE, "tickets up to number"), (EVENT_WATERMARK_FILE, "event indexes up to")]
    {
        match Watermark::new(dir.join(file)).read() {
            Ok(0) => {}
            Ok(n) => evidence.push(format!("{file} records {what} {n}")),
            Err(e) => evidence.push(format!("{file} exists but cannot be read: {e}")),
        }
    }
    let papers = std::fs::read_dir(dir.join("printer")).map(|d| d.count()).unwrap_or(0);
    if papers > 0 {
        evidence.push(format!("printer/ holds {papers} printed paper(s)"));
    }
    evidence
}

/// SQLite says "unable to open database file" or "attempt to write a readonly database"
/// for a directory it cannot write; say what is wrong instead.
fn explain_read_only(e: StoreError, dir: &Path) -> StoreError {
    let sqlite_says_so = matches!(
        &e,
        StoreError::Sqlite(s) if matches!(
            s.sqlite_error_code(),
            Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::PermissionDenied)
        )
    );
    if !sqlite_says_so {
        return e;
    }
    let probe = dir.join(format!(".lobbydesk-write-test-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            e
        }
        Err(io) => StoreError::ReadOnly { dir: dir.to_path_buf(), detail: io.to_string() },
    }
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// The schema from which files give freed pages back (`Store::give_back_space`).
const INCREMENTAL_VACUUM_SCHEMA: u32 = 14;

/// WAL so readers never block the writer; FULL sync so a committed case survives a power
/// cut; foreign keys on. Each setting is read back: a file system that cannot do WAL (or a
/// build without it) must fail loudly at start, not lose cases later.
fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Room for every statement filing, receiving and the desk's lists repeat.
    conn.set_prepared_statement_cache_capacity(64);
    // A new file gives the pages a purge frees back to the file system (`give_back_space`);
    // the setting only takes before the first table is made.
    let pages: i64 = conn.pragma_query_value(None, "page_count", |r| r.get(0))?;
    if pages == 0 {
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    }
    conn.create_scalar_function(
        "lobbydesk_pairs",
        4,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8
            | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let texts =
                (0..ctx.len()).map(|i| ctx.get::<Option<String>>(i)).collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(cases::pairs_of(texts.iter().flatten().map(String::as_str)))
        },
    )?;
    // Turning a new file to WAL needs it to itself for a moment, and SQLite answers "busy"
    // at once rather than waiting when another process is doing the same.
    let mut waited = std::time::Duration::ZERO;
    let mode: String = loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)) {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && waited.as_secs() < 5 =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
                waited += std::time::Duration::from_millis(20);
            }
            other => break other?,
        }
    };
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Settings(format!(
            "journal_mode is {mode}, not wal (is the data directory on a file system without shared memory?)"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let synchronous: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0))?;
    let foreign_keys: i64 = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
    if synchronous != 2 {
        return Err(StoreError::Settings(format!("synchronous is {synchronous}, not FULL (2)")));
    }
    if foreign_keys != 1 {
        return Err(StoreError::Settings("foreign keys could not be enabled".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
