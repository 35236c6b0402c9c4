//! What sync needs from the store, on both ends: the outbox in order, receiving events
//! from elsewhere (idempotently), the highest index per origin, events in arrival order,
//! and, on HQ, the kiosks' credentials.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::cases::{events_of, meta_get, meta_get_json, meta_set, meta_set_json, refresh_projection, ts};
use super::{Result, Store, StoreError, StoredEvent};
use crate::domain::event::{EventBody, Origin};
use crate::domain::hlc::Hlc;

/// An event another origin sent that this store refused, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub id: Uuid,
    pub reason: String,
}

/// A kiosk as HQ knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KioskRecord {
    pub code: String,
    pub estate: String,
    pub revoked: bool,
}

fn stored_from_row(r: &rusqlite::Row) -> rusqlite::Result<(String, String, i64, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

impl Store {
    fn load_events(&self, ids: Vec<(String, String, i64, String)>) -> Result<Vec<StoredEvent>> {
        // (event id, case id, origin_seq, body) → full events: read through the case's
        // events so stamps and times parse in one place.
        let mut out = Vec::with_capacity(ids.len());
        let mut cache: std::collections::HashMap<String, Vec<StoredEvent>> = Default::default();
        for (event_id, case_id, _, _) in ids {
            if !cache.contains_key(&case_id) {
                let id = Uuid::parse_str(&case_id).map_err(|e| StoreError::BadRecord(e.to_string()))?;
                cache.insert(case_id.clone(), events_of(&self.conn, id)?);
            }
            if let Some(e) = cache[&case_id].iter().find(|e| e.event.id.to_string() == event_id) {
                out.push(e.clone());
            }
        }
        Ok(out)
    }

    /// The oldest events not yet confirmed by HQ, in the order they were written.
    pub fn outbox_batch(&self, limit: usize) -> Result<Vec<StoredEvent>> {
        let rows: Vec<_> = self
            .conn
            .prepare_cached(
                "SELECT e.id, e.case_id, e.origin_seq, e.body FROM outbox o JOIN events e ON e.id = o.event_id
                 ORDER BY e.origin, e.origin_seq LIMIT ?1",
            )?
            .query_map([limit as i64], stored_from_row)?
            .collect::<Result<_, _>>()?;
        self.load_events(rows)
    }

    /// HQ has these: out of the outbox.
    pub fn confirm_sent(&mut self, ids: &[Uuid]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for id in ids {
            tx.execute("DELETE FROM outbox WHERE event_id = ?1", [id.to_string()])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Everything of `origin` up to `seq` has reached HQ (a previous answer was lost).
    pub fn confirm_up_to(&mut self, origin: &Origin, seq: i64) -> Result<usize> {
        Ok(self.conn.execute(
            "DELETE FROM outbox WHERE event_id IN (SELECT id FROM events WHERE origin = ?1 AND origin_seq <= ?2)",
            params![origin.0, seq],
        )?)
    }

    /// HQ refused this event for good: it leaves the outbox so nothing waits behind it,
    /// and is kept with the reason for a person to see.
    pub fn set_aside(&mut self, id: Uuid, reason: &str, now: DateTime<Utc>) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM outbox WHERE event_id = ?1", [id.to_string()])?;
        tx.execute(
            "INSERT OR REPLACE INTO sync_rejected (event_id, reason, rejected_at) VALUES (?1, ?2, ?3)",
            params![id.to_string(), reason, ts(now)],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn rejected(&self) -> Result<Vec<(String, String)>> {
        let rows = self
            .conn
            .prepare("SELECT event_id, reason FROM sync_rejected ORDER BY rejected_at")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The highest index this store holds from `origin` (0 for none).
    pub fn high_water(&self, origin: &Origin) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(origin_seq), 0) FROM events WHERE origin = ?1",
            [&origin.0],
            |r| r.get(0),
        )?)
    }

    /// The highest ticket sequence among cases filed by the kiosk with `code`.
    pub fn max_ticket_sequence(&self, code: &str) -> Result<u64> {
        let tickets: Vec<String> = self
            .conn
            .prepare("SELECT ticket FROM cases WHERE ticket LIKE ?1")?
            .query_map([format!("{code}-%")], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(tickets.iter().filter_map(|t| t.rsplit('-').next()?.parse().ok()).max().unwrap_or(0))
    }

    /// Never issue a ticket at or below `sequence` (HQ has seen it: a restored data
    /// directory must not reuse numbers).
    pub fn raise_ticket_floor(&mut self, sequence: u64) -> Result<()> {
        let current: u64 = meta_get(&self.conn, "ticket_seq")?.and_then(|v| v.parse().ok()).unwrap_or(0);
        if sequence > current {
            meta_set(&self.conn, "ticket_seq", &sequence.to_string())?;
        }
        Ok(())
    }

    /// Takes events written elsewhere. Each is checked by `accept` and stored on its own
    /// (a bad one is refused without losing the rest); one already here changes nothing.
    /// Returns how many were new, and those refused.
    pub fn receive(
        &mut self,
        events: &[StoredEvent],
        now: DateTime<Utc>,
        accept: impl Fn(&Store, &StoredEvent) -> std::result::Result<(), String>,
    ) -> Result<(usize, Vec<Refused>)> {
        let mut inserted = 0;
        let mut refused = Vec::new();
        let mut newest = Hlc::default();
        for stored in events {
            if let Err(reason) = accept(self, stored) {
                refused.push(Refused { id: stored.event.id, reason });
                continue;
            }
            let e = &stored.event;
            let tx = self.conn.transaction()?;
            let added = tx.execute(
                "INSERT OR IGNORE INTO events (id, case_id, origin, origin_seq, stamp_millis, stamp_counter, at, actor, type, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    e.id.to_string(),
                    e.case_id.to_string(),
                    e.origin.0,
                    stored.origin_seq,
                    e.stamp.millis,
                    e.stamp.counter,
                    ts(e.at),
                    e.actor,
                    e.body.name(),
                    serde_json::to_string(&e.body)?,
                ],
            )?;
            if added == 0 {
                // Already here (a retry), or another event holds this origin's index.
                let same: bool = tx
                    .query_row("SELECT COUNT(*) FROM events WHERE id = ?1", [e.id.to_string()], |r| {
                        r.get::<_, i64>(0)
                    })
                    .map(|n| n > 0)?;
                if !same {
                    refused.push(Refused {
                        id: e.id,
                        reason: format!(
                            "{} index {} is already used by another event",
                            e.origin, stored.origin_seq
                        ),
                    });
                }
                continue;
            }
            tx.execute("INSERT INTO received (event_id) VALUES (?1)", [e.id.to_string()])?;
            match refresh_projection(&tx, e.case_id) {
                Ok(_) => {}
                // A case whose filing has not arrived yet appears when it does.
                Err(StoreError::Fold(_)) => {}
                Err(other) => {
                    drop(tx);
                    refused.push(Refused { id: e.id, reason: other.to_string() });
                    continue;
                }
            }
            tx.commit()?;
            inserted += 1;
            newest = newest.max(e.stamp);
        }
        // Our own next events sort after everything we have now seen.
        let last: Hlc =
            meta_get(&self.conn, "hlc")?.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default();
        let observed = Hlc::observe(last, newest, now.timestamp_millis());
        meta_set(&self.conn, "hlc", &serde_json::to_string(&observed)?)?;
        Ok((inserted, refused))
    }

    /// Events that arrived here after `after`, for cases of `estate`, not written by
    /// `exclude`; with the arrival number to continue from.
    pub fn events_since(
        &self,
        after: i64,
        estate: &str,
        exclude: &Origin,
        limit: usize,
    ) -> Result<(Vec<StoredEvent>, i64)> {
        let rows: Vec<(i64, (String, String, i64, String))> = self
            .conn
            .prepare_cached(
                "SELECT r.seq, e.id, e.case_id, e.origin_seq, e.body FROM received r
                 JOIN events e ON e.id = r.event_id JOIN cases c ON c.id = e.case_id
                 WHERE r.seq > ?1 AND c.estate = ?2 AND e.origin != ?3 ORDER BY r.seq LIMIT ?4",
            )?
            .query_map(params![after, estate, exclude.0, limit as i64], |r| {
                Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            })?
            .collect::<Result<_, _>>()?;
        let next = rows.last().map(|(seq, _)| *seq).unwrap_or(after);
        Ok((self.load_events(rows.into_iter().map(|(_, r)| r).collect())?, next))
    }

    /// Every event here, oldest arrival first (tests and audits compare stores with it).
    pub fn all_events(&self) -> Result<Vec<StoredEvent>> {
        let rows: Vec<_> = self
            .conn
            .prepare("SELECT e.id, e.case_id, e.origin_seq, e.body FROM received r JOIN events e ON e.id = r.event_id ORDER BY r.seq")?
            .query_map([], stored_from_row)?
            .collect::<Result<_, _>>()?;
        self.load_events(rows)
    }

    /// The estate of a case, if this store has it.
    pub fn estate_of(&self, case_id: Uuid) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT estate FROM cases WHERE id = ?1", [case_id.to_string()], |r| r.get(0))
            .optional()?)
    }

    pub fn get_meta(&self, key: &str) -> Result<Option<String>> {
        meta_get(&self.conn, key)
    }

    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        meta_set(&self.conn, key, value)
    }

    pub fn get_meta_json<T: serde::de::DeserializeOwned + Default>(&self, key: &str) -> Result<T> {
        meta_get_json(&self.conn, key)
    }

    pub fn set_meta_json<T: serde::Serialize>(&mut self, key: &str, value: &T) -> Result<()> {
        meta_set_json(&self.conn, key, value)
    }

    /// Deletes the local copy of cases closed before `before` whose every event HQ has
    /// confirmed (nothing of theirs in the outbox): residents' names and phones leave the
    /// kiosk once HQ holds the record. Returns how many cases went.
    pub fn purge_closed(&mut self, before: DateTime<Utc>) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let ids: Vec<String> = tx
            .prepare(
                "SELECT c.id FROM cases c WHERE c.status = 'closed'
                   AND julianday(json_extract(c.state, '$.closed_at')) < julianday(?1)
                   AND NOT EXISTS (SELECT 1 FROM outbox o JOIN events e ON e.id = o.event_id WHERE e.case_id = c.id)",
            )?
            .query_map([ts(before)], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in &ids {
            tx.execute("DELETE FROM print_jobs WHERE case_id = ?1", [id])?;
            for table in ["outbox", "sync_rejected", "received"] {
                tx.execute(
                    &format!(
                        "DELETE FROM {table} WHERE event_id IN (SELECT id FROM events WHERE case_id = ?1)"
                    ),
                    [id],
                )?;
            }
            tx.execute("DELETE FROM events WHERE case_id = ?1", [id])?;
            tx.execute("DELETE FROM cases WHERE id = ?1", [id])?;
        }
        tx.commit()?;
        Ok(ids.len())
    }

    // --- HQ: kiosks and their credentials ---

    pub fn add_kiosk(
        &mut self,
        code: &str,
        estate: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO kiosks (code, estate, token_hash, added_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (code) DO UPDATE SET estate = excluded.estate, token_hash = excluded.token_hash,
                added_at = excluded.added_at, revoked_at = NULL",
            params![code, estate, token_hash, ts(now)],
        )?;
        Ok(())
    }

    /// Returns whether a kiosk with that code existed.
    pub fn revoke_kiosk(&mut self, code: &str, now: DateTime<Utc>) -> Result<bool> {
        Ok(self.conn.execute("UPDATE kiosks SET revoked_at = ?2 WHERE code = ?1", params![code, ts(now)])?
            > 0)
    }

    pub fn kiosk_by_token_hash(&self, hash: &str) -> Result<Option<KioskRecord>> {
        Ok(self
            .conn
            .query_row(
                "SELECT code, estate, revoked_at IS NOT NULL FROM kiosks WHERE token_hash = ?1",
                [hash],
                |r| Ok(KioskRecord { code: r.get(0)?, estate: r.get(1)?, revoked: r.get(2)? }),
            )
            .optional()?)
    }
}

/// Whether `event`, sent by the kiosk `kiosk`, may be stored at HQ: a kiosk writes only
/// under its own origin and only for cases of its own estate.
pub fn kiosk_may_write(
    store: &Store,
    kiosk: &KioskRecord,
    stored: &StoredEvent,
) -> std::result::Result<(), String> {
    let e = &stored.event;
    if e.origin != Origin::kiosk(&kiosk.code) {
        return Err(format!("kiosk {} may not write events for {}", kiosk.code, e.origin));
    }
    if stored.origin_seq < 1 {
        return Err(format!("index {} is not valid", stored.origin_seq));
    }
    let estate = match &e.body {
        EventBody::Filed { intake } => Some(intake.estate.clone()),
        _ => store.estate_of(e.case_id).map_err(|err| err.to_string())?,
    };
    match estate {
        Some(estate) if estate == kiosk.estate => Ok(()),
        Some(estate) => Err(format!("case {} belongs to estate {estate}, not {}", e.case_id, kiosk.estate)),
        None => Err(format!("case {} is unknown here: its filing has not been received", e.case_id)),
    }
}
