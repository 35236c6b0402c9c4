//! Schema migrations: numbered SQL files, applied in order, each in its own transaction
//! together with the `user_version` it brings the file to. Only ever add a file.

use rusqlite::Connection;
use std::path::Path;

use super::{Result, StoreError};

pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_cases_events_outbox.sql"),
    include_str!("migrations/0002_case_search.sql"),
    include_str!("migrations/0003_print_jobs.sql"),
    include_str!("migrations/0004_sync.sql"),
    include_str!("migrations/0005_sync_integrity.sql"),
    include_str!("migrations/0006_desk_lists.sql"),
    include_str!("migrations/0007_read_model.sql"),
    include_str!("migrations/0008_monthly.sql"),
    include_str!("migrations/0009_hq_accounts.sql"),
    include_str!("migrations/0010_kiosk_health.sql"),
    include_str!("migrations/0011_escalation.sql"),
    include_str!("migrations/0012_resident_pages.sql"),
    include_str!("migrations/0013_outbox_order.sql"),
    include_str!("migrations/0014_two_character_search.sql"),
    include_str!("migrations/0015_projections_behind.sql"),
];

pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    migrate_to(conn, path, SCHEMA_VERSION)
}

/// Brings the file to `target` (tests use it to build every earlier schema version).
pub fn migrate_to(conn: &mut Connection, path: &Path, target: u32) -> Result<()> {
    let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { path: path.to_path_buf(), found, known: SCHEMA_VERSION });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().take(target as usize).skip(found as usize) {
        // Another process may be opening the same file (the kiosk and a command, or HQ
        // and `hq add-kiosk`): take the write lock first, then look again whether this
        // step is still to do, so a step is never applied twice.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let now: u32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if now > index as u32 {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
