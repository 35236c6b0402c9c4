//! Cases and their events: filing, appending, reading, searching.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{DocumentKind, NewJob, Result, Store, StoreError};
use crate::domain::case::Case;
use crate::domain::event::{Event, EventBody, Origin};
use crate::domain::hlc::Hlc;
use crate::domain::intake::Intake;
use crate::domain::ticket::{KioskCode, TicketNumber};

/// Bump when `Case` changes shape: stored projections are then rebuilt from events at start.
const PROJECTION_VERSION: &str = "1";

/// An event as stored: with the per-origin index sync will compare.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub origin_seq: i64,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Clone, Debug)]
pub struct CaseRecord {
    pub case: Case,
    pub events: Vec<StoredEvent>,
}

pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    /// Files a validated intake: reserves the next ticket number, writes the `Filed` event,
    /// the case, its outbox entry and (if `print_ticket`) its ticket's print job in one
    /// transaction. Returns the case as filed.
    pub fn file_case(
        &mut self,
        kiosk: &KioskCode,
        case_id: Uuid,
        mut intake: Intake,
        actor: &str,
        print_ticket: bool,
        now: DateTime<Utc>,
    ) -> Result<Case> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let in_db: u64 = meta_get(&tx, "ticket_seq")?.and_then(|v| v.parse().ok()).unwrap_or(0);
        let marked = self
            .watermark
            .read()
            .map_err(|source| StoreError::Watermark { path: self.watermark.path().to_path_buf(), source })?;
        let sequence = in_db.max(marked) + 1;
        let ticket = TicketNumber::new(kiosk.clone(), sequence)
            .map_err(|_| StoreError::TicketsExhausted(kiosk.to_string()))?;
        // Durable before the case commits: if we crash after this, the number is skipped.
        self.watermark
            .write(sequence)
            .map_err(|source| StoreError::Watermark { path: self.watermark.path().to_path_buf(), source })?;
        meta_set(&tx, "ticket_seq", &sequence.to_string())?;
        intake.ticket = ticket.to_string();
        let last: Hlc = meta_get_json(&tx, "hlc")?;
        intake.clock_unsynced = clock_looks_wrong(now, last);
        let body = EventBody::Filed { intake: Box::new(intake) };
        append_local(&tx, &self.origin, case_id, body, actor, now)?;
        let case = refresh_projection(&tx, case_id)?;
        if print_ticket {
            let job = NewJob {
                document: DocumentKind::Ticket,
                case_id: Some(case_id),
                params: serde_json::Value::Null,
                reprint: false,
                requested_by: actor.to_string(),
            };
            super::print_jobs::insert(&tx, &job, now)?;
        }
        tx.commit()?;
        Ok(case)
    }

    /// Checks `body` against the case's current state and, if it may happen, appends it.
    pub fn append(
        &mut self,
        case_id: Uuid,
        body: EventBody,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Case> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = Case::fold(events_of(&tx, case_id)?.iter().map(|e| &e.event))?;
        current.check(&body, now)?;
        append_local(&tx, &self.origin, case_id, body, actor, now)?;
        let case = refresh_projection(&tx, case_id)?;
        tx.commit()?;
        Ok(case)
    }

    pub fn case_id_by_ticket(&self, ticket: &str) -> Result<Uuid> {
        let id: Option<String> = self
            .conn
            .query_row("SELECT id FROM cases WHERE ticket = ?1", [ticket], |r| r.get(0))
            .optional()?;
        let id = id.ok_or_else(|| StoreError::NotFound(ticket.to_string()))?;
        Uuid::parse_str(&id).map_err(|e| StoreError::BadRecord(format!("case id {id}: {e}")))
    }

    /// The case with this ticket and every one of its events, in fold order.
    pub fn case_by_ticket(&self, ticket: &str) -> Result<CaseRecord> {
        self.case_by_id(self.case_id_by_ticket(ticket)?)
    }

    pub fn case_by_id(&self, id: Uuid) -> Result<CaseRecord> {
        let mut events = events_of(&self.conn, id)?;
        if events.is_empty() {
            return Err(StoreError::NotFound(id.to_string()));
        }
        let case = Case::fold(events.iter().map(|e| &e.event))?;
        events.sort_by(|a, b| a.event.order_key().cmp(&b.event.order_key()));
        Ok(CaseRecord { case, events })
    }

    /// Every case, newest first, from the stored projections.
    pub fn cases(&self) -> Result<Vec<Case>> {
        self.query_cases("SELECT state FROM cases ORDER BY filed_at DESC, seq DESC", [])
    }

    /// Cases whose ticket, place, description or contact contain `text`.
    pub fn search(&self, text: &str) -> Result<Vec<Case>> {
        let text = text.trim();
        if text.chars().count() >= 3 {
            // An FTS5 string literal: the query is matched as one phrase, never parsed as
            // FTS syntax.
            let phrase = format!("\"{}\"", text.replace('"', "\"\""));
            self.query_cases(
                "SELECT c.state FROM case_search s JOIN cases c ON c.seq = s.rowid
                 WHERE case_search MATCH ?1 ORDER BY c.filed_at DESC, c.seq DESC",
                [phrase],
            )
        } else {
            // Trigrams need 3 characters; two-character Chinese words (漏水) use LIKE.
            let pattern = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            self.query_cases(
                "SELECT state FROM cases WHERE ticket LIKE ?1 ESCAPE '\\' OR place LIKE ?1 ESCAPE '\\'
                 OR text LIKE ?1 ESCAPE '\\' OR contact LIKE ?1 ESCAPE '\\'
                 ORDER BY filed_at DESC, seq DESC",
                [pattern],
            )
        }
    }

    fn query_cases<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<Vec<Case>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params, |r| r.get::<_, String>(0))?;
        rows.map(|json| Ok(serde_json::from_str(&json?)?)).collect()
    }

    /// Rebuilds every case's projection from its events when the projection format changed.
    pub(super) fn refresh_stale_projections(&mut self) -> Result<()> {
        if meta_get(&self.conn, "projection_version")?.as_deref() == Some(PROJECTION_VERSION) {
            return Ok(());
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids: Vec<String> = tx
            .prepare("SELECT DISTINCT case_id FROM events")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in ids {
            if let Ok(id) = Uuid::parse_str(&id) {
                refresh_projection(&tx, id)?;
            }
        }
        meta_set(&tx, "projection_version", PROJECTION_VERSION)?;
        tx.commit()?;
        Ok(())
    }
}

pub(super) fn meta_get(conn: &rusqlite::Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

pub(super) fn meta_set(conn: &rusqlite::Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// A value kept as JSON in `meta`; missing or unreadable gives the default (these are
/// counters and lists a newer build may have written differently, never a case).
pub(super) fn meta_get_json<T: serde::de::DeserializeOwned + Default>(
    conn: &rusqlite::Connection,
    key: &str,
) -> Result<T> {
    Ok(meta_get(conn, key)?.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default())
}

pub(super) fn meta_set_json<T: serde::Serialize>(
    conn: &rusqlite::Connection,
    key: &str,
    value: &T,
) -> Result<()> {
    meta_set(conn, key, &serde_json::to_string(value)?)
}

/// A wall clock behind what this store has already seen by more than a minute, or
/// before 2025 (a Pi boots in 1970 until NTP answers), cannot be trusted for times.
pub fn clock_looks_wrong(now: DateTime<Utc>, newest_seen: Hlc) -> bool {
    const FLOOR_MILLIS: i64 = 1_735_689_600_000; // 2025-01-01T00:00:00Z
    let ms = now.timestamp_millis();
    ms < FLOOR_MILLIS || ms + 60_000 < newest_seen.millis
}

/// Writes a new event of this origin: next per-origin index, next HLC stamp, outbox entry.
fn append_local(
    tx: &Transaction,
    origin: &Origin,
    case_id: Uuid,
    body: EventBody,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Event> {
    let last: Hlc = meta_get_json(tx, "hlc")?;
    let stamp = Hlc::tick(last, now.timestamp_millis());
    meta_set_json(tx, "hlc", &stamp)?;
    let origin_seq: i64 = tx.query_row(
        "SELECT COALESCE(MAX(origin_seq), 0) + 1 FROM events WHERE origin = ?1",
        [&origin.0],
        |r| r.get(0),
    )?;
    let event = Event {
        id: Uuid::now_v7(),
        case_id,
        origin: origin.clone(),
        stamp,
        at: now,
        actor: actor.to_string(),
        body,
    };
    tx.execute(
        "INSERT INTO events (id, case_id, origin, origin_seq, stamp_millis, stamp_counter, at, actor, type, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            event.id.to_string(),
            case_id.to_string(),
            origin.0,
            origin_seq,
            stamp.millis,
            stamp.counter,
            ts(now),
            event.actor,
            event.body.name(),
            serde_json::to_string(&event.body)?,
        ],
    )?;
    tx.execute("INSERT INTO received (event_id) VALUES (?1)", [event.id.to_string()])?;
    // HQ's own events reach kiosks when they pull; only kiosks push.
    if origin != &Origin::hq() {
        tx.execute(
            "INSERT INTO outbox (event_id, queued_at) VALUES (?1, ?2)",
            params![event.id.to_string(), ts(now)],
        )?;
    }
    Ok(event)
}

pub(super) fn events_of(conn: &rusqlite::Connection, case_id: Uuid) -> Result<Vec<StoredEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, origin, origin_seq, stamp_millis, stamp_counter, at, actor, body
         FROM events WHERE case_id = ?1",
    )?;
    let rows = stmt.query_map([case_id.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, u32>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
        ))
    })?;
    rows.map(|row| {
        let (id, origin, origin_seq, millis, counter, at, actor, body) = row?;
        let bad = |what: &str| StoreError::BadRecord(format!("event {id} has a bad {what}"));
        Ok(StoredEvent {
            origin_seq,
            event: Event {
                id: Uuid::parse_str(&id).map_err(|_| bad("id"))?,
                case_id,
                origin: Origin(origin),
                stamp: Hlc { millis, counter },
                at: DateTime::parse_from_rfc3339(&at).map_err(|_| bad("time"))?.with_timezone(&Utc),
                actor,
                body: serde_json::from_str(&body)?,
            },
        })
    })
    .collect()
}

/// Folds the case's events and stores the result (with the searchable columns).
pub(super) fn refresh_projection(tx: &Transaction, case_id: Uuid) -> Result<Case> {
    let events = events_of(tx, case_id)?;
    let case = Case::fold(events.iter().map(|e| &e.event))?;
    let contact = case
        .intake
        .contact
        .as_ref()
        .map(|c| format!("{} {}", c.name.as_deref().unwrap_or(""), c.phone.as_str()))
        .unwrap_or_default();
    tx.execute(
        "INSERT INTO cases (id, ticket, kind, category, status, place, text, contact, filed_at, updated_at, state, estate)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET
            status = excluded.status, place = excluded.place, text = excluded.text,
            contact = excluded.contact, updated_at = excluded.updated_at, state = excluded.state",
        params![
            case_id.to_string(),
            case.ticket(),
            case.kind().code(),
            case.intake.category,
            case.status.code(),
            case.intake.place.to_string(),
            case.intake.text,
            contact.trim(),
            ts(case.filed_at),
            ts(case.updated_at),
            serde_json::to_string(&case)?,
            case.intake.estate,
        ],
    )?;
    Ok(case)
}
