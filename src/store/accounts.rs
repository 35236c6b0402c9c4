//! HQ's web desk records in the SQLite store: accounts, sessions, failed sign-ins and the
//! audit log (schema 9). The rules about them live in `hq::accounts`.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::cases::ts;
use super::{Result, Store, StoreError};
use crate::hq::accounts::{Account, AuditEntry, FAILURES_KEPT, FleetRow};

fn account_from(name: String, role: String, estates: String, disabled: bool) -> Result<Account> {
    Ok(Account {
        name,
        role: role.parse().map_err(|e| StoreError::BadRecord(format!("hq_accounts.role: {e}")))?,
        estates: serde_json::from_str(&estates)?,
        disabled,
    })
}

impl Store {
    /// Keeps an account, replacing its role, estates and password if it exists (and
    /// enabling it again).
    pub fn save_account(&mut self, account: &Account, password_hash: &str, now: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "INSERT INTO hq_accounts (name, role, estates, password_hash, added_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name) DO UPDATE SET role = excluded.role, estates = excluded.estates,
                password_hash = excluded.password_hash, disabled_at = NULL",
            params![account.name, account.role.code(), serde_json::to_string(&account.estates)?, password_hash, ts(now)],
        )?;
        Ok(())
    }

    /// Disables an account and ends its sessions; returns whether it existed.
    pub fn disable_account(&mut self, name: &str, now: DateTime<Utc>) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let found = tx
            .execute("UPDATE hq_accounts SET disabled_at = ?2 WHERE name = ?1", params![name, ts(now)])?
            > 0;
        tx.execute("DELETE FROM hq_sessions WHERE account = ?1", [name])?;
        tx.commit()?;
        Ok(found)
    }

    /// An account and its password hash.
    pub fn account(&self, name: &str) -> Result<Option<(Account, String)>> {
        let row = self
            .conn
            .query_row(
                "SELECT name, role, estates, disabled_at IS NOT NULL, password_hash FROM hq_accounts WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, String>(4)?)),
            )
            .optional()?;
        row.map(|(n, role, estates, disabled, hash)| Ok((account_from(n, role, estates, disabled)?, hash)))
            .transpose()
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, role, estates, disabled_at IS NOT NULL FROM hq_accounts ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.map(|row| {
            let (n, role, estates, disabled) = row?;
            account_from(n, role, estates, disabled)
        })
        .collect()
    }

    pub fn start_session(
        &mut self,
        token_hash: &str,
        account: &str,
        csrf: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        // Sessions past their time are of no use to anyone: gone at the next sign-in.
        tx.execute("DELETE FROM hq_sessions WHERE expires_at < ?1", [ts(now)])?;
        tx.execute(
            "INSERT INTO hq_sessions (token_hash, account, csrf, started_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash, account, csrf, ts(now), ts(expires)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The account signed in with this session and the session's form token, unless the
    /// session ended, expired or its account was disabled.
    pub fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<(Account, String)>> {
        let row = self
            .conn
            .query_row(
                "SELECT a.name, a.role, a.estates, s.csrf FROM hq_sessions s JOIN hq_accounts a ON a.name = s.account
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND a.disabled_at IS NULL",
                params![token_hash, ts(now)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?)),
            )
            .optional()?;
        row.map(|(n, role, estates, csrf)| Ok((account_from(n, role, estates, false)?, csrf))).transpose()
    }

    pub fn end_session(&mut self, token_hash: &str) -> Result<()> {
        self.conn.execute("DELETE FROM hq_sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    /// Failed sign-ins to `account` since `since`.
    pub fn sign_in_failures(&self, account: &str, since: DateTime<Utc>) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM hq_sign_in_failures WHERE account = ?1 AND at > ?2",
            params![account, ts(since)],
            |r| r.get(0),
        )?)
    }

    /// Counts a failed sign-in, or forgets the failures after a good one.
    pub fn note_sign_in(&mut self, account: &str, succeeded: bool, at: DateTime<Utc>) -> Result<()> {
        if succeeded {
            self.conn.execute("DELETE FROM hq_sign_in_failures WHERE account = ?1", [account])?;
        } else {
            self.conn.execute(
                "INSERT INTO hq_sign_in_failures (account, at) VALUES (?1, ?2)",
                params![account, ts(at)],
            )?;
            // Names tried and never signed in with would pile up; the lockout looks back
            // minutes, so a day is plenty.
            self.conn.execute("DELETE FROM hq_sign_in_failures WHERE at < ?1", [ts(at - FAILURES_KEPT)])?;
        }
        Ok(())
    }

    pub fn audit(&mut self, account: &str, case_id: Uuid, action: &str, at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "INSERT INTO hq_audit (account, case_id, action, at) VALUES (?1, ?2, ?3, ?4)",
            params![account, case_id.to_string(), action, ts(at)],
        )?;
        Ok(())
    }

    /// The newest audit entries, newest first, for one case or all.
    pub fn audit_log(&self, case_id: Option<Uuid>, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT account, case_id, action, at FROM hq_audit WHERE ?1 IS NULL OR case_id = ?1
             ORDER BY seq DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![case_id.map(|id| id.to_string()), limit as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (account, case_id, action, at) = row?;
            Ok(AuditEntry {
                account,
                case_id: case_id
                    .parse()
                    .map_err(|e| StoreError::BadRecord(format!("hq_audit.case_id: {e}")))?,
                action,
                at: DateTime::parse_from_rfc3339(&at)
                    .map_err(|e| StoreError::BadRecord(format!("hq_audit.at: {e}")))?
                    .with_timezone(&Utc),
            })
        })
        .collect()
    }

    pub fn kiosk_seen(&mut self, code: &str, now: DateTime<Utc>) -> Result<()> {
        let minute_ago = ts(now - chrono::Duration::minutes(1));
        self.conn.execute(
            "UPDATE kiosks SET last_seen_at = ?2 WHERE code = ?1 AND (last_seen_at IS NULL OR last_seen_at < ?3)",
            params![code, ts(now), minute_ago],
        )?;
        Ok(())
    }

    pub fn kiosk_health(
        &mut self,
        code: &str,
        health: &crate::sync::Health,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE kiosks SET health = ?2, health_at = ?3 WHERE code = ?1",
            params![code, serde_json::to_string(health)?, ts(at)],
        )?;
        Ok(())
    }

    pub fn fleet(&self) -> Result<Vec<FleetRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT k.code, k.estate, k.revoked_at IS NOT NULL, k.last_seen_at,
                    (SELECT e.at FROM events e WHERE e.origin = 'kiosk:' || k.code ORDER BY e.origin_seq DESC LIMIT 1),
                    k.health, k.health_at
             FROM kiosks k ORDER BY k.estate, k.code",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ),
                (r.get::<_, Option<String>>(5)?, r.get::<_, Option<String>>(6)?),
            ))
        })?;
        let time = |t: Option<String>| -> Result<Option<DateTime<Utc>>> {
            t.map(|t| {
                DateTime::parse_from_rfc3339(&t)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| StoreError::BadRecord(format!("a kiosk time: {e}")))
            })
            .transpose()
        };
        rows.map(|row| {
            let ((code, estate, revoked, seen, last), (health, health_at)) = row?;
            let health = match (health, time(health_at)?) {
                (Some(health), Some(at)) => Some((serde_json::from_str(&health)?, at)),
                _ => None,
            };
            Ok(FleetRow { code, estate, revoked, last_seen: time(seen)?, last_event_at: time(last)?, health })
        })
        .collect()
    }
}
