//! What sync needs from the store, on both ends: the outbox in order, receiving events
//! from elsewhere (idempotently), the highest index per origin, events in arrival order,
//! and, on HQ, the kiosks' credentials.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cases::{
    EVENT_COLUMNS, case_estate, execute_cached, insert_event, meta_counter, meta_get, meta_get_json,
    meta_set, meta_set_json, next_origin_seq, parse_event, query_events, raise_counter, raw_event_at,
    record_arrival, refresh_projection, ts,
};
use super::{Result, Store, StoreError, StoredEvent};
use crate::domain::event::{ContactMethod, EventBody, Origin, check_content};
use crate::domain::hlc::Hlc;
use crate::domain::ticket::TicketNumber;

fn is_constraint(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
}

/// Why an event from elsewhere was not stored, as the kiosk acts on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalCode {
    /// Not this sender's to write: another origin, estate or kiosk code. Set aside.
    #[default]
    Forbidden,
    /// Over a limit or malformed. Set aside.
    Invalid,
    /// Another event holds this origin's index (a restored kiosk numbered it again):
    /// the kiosk gives it a new index and sends it again.
    IndexTaken,
    /// The case's filing has not arrived yet: the kiosk keeps it and tries again.
    CaseUnknown,
    /// A filing for a case id HQ already holds. Set aside.
    CaseExists,
    /// A filing under a ticket number another case holds. Set aside.
    TicketTaken,
    /// Stamped later than HQ's own clock allows: the kiosk keeps it and tries again (a
    /// clock a little ahead catches up; one set years ahead is reported until fixed).
    ClockAhead,
    /// Larger than HQ accepts in any batch. Set aside.
    TooLarge,
}

impl RefusalCode {
    pub fn code(self) -> &'static str {
        match self {
            RefusalCode::Forbidden => "forbidden",
            RefusalCode::Invalid => "invalid",
            RefusalCode::IndexTaken => "index-taken",
            RefusalCode::CaseUnknown => "case-unknown",
            RefusalCode::CaseExists => "case-exists",
            RefusalCode::TicketTaken => "ticket-taken",
            RefusalCode::ClockAhead => "clock-ahead",
            RefusalCode::TooLarge => "too-large",
        }
    }

    /// Whether the kiosk keeps the event in its outbox (and says why) instead of setting
    /// it aside: the refusal can end by itself.
    pub fn waits(self) -> bool {
        matches!(self, RefusalCode::CaseUnknown | RefusalCode::ClockAhead)
    }
}

/// An event another origin sent that this store refused, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub id: Uuid,
    pub code: RefusalCode,
    pub reason: String,
}

/// A kiosk as HQ knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KioskRecord {
    pub code: String,
    pub estate: String,
    pub revoked: bool,
}

/// An event HQ set aside, as `sync status` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAside {
    pub id: String,
    pub code: String,
    pub reason: String,
}

/// How far ahead of HQ's clock an event may be stamped. NTP keeps kiosks within
/// milliseconds. It must stay under the minute after which a kiosk marks its tickets
/// "clock to be checked" (`clock_looks_wrong`): HQ's clock follows the stamps it accepts,
/// and other kiosks follow HQ's, so one kiosk running ahead must never get that far.
/// A kiosk further ahead sees its events wait until its time has come, and a warning.
pub const MAX_CLOCK_AHEAD: chrono::Duration = chrono::Duration::seconds(30);

/// Cases purged in one transaction.
const PURGE_BATCH: usize = 300;

impl Store {
    /// The oldest events not yet confirmed by HQ, in the order they were written.
    pub fn outbox_batch(&self, limit: usize) -> Result<Vec<StoredEvent>> {
        self.outbox_after(0, limit)
    }

    /// Outbox events with an index above `after`, oldest first (one sync pass walks the
    /// outbox once, past events that wait).
    pub fn outbox_after(&self, after: i64, limit: usize) -> Result<Vec<StoredEvent>> {
        query_events(
            &self.conn,
            &format!(
                "SELECT {EVENT_COLUMNS} FROM outbox o JOIN events e ON e.id = o.event_id
                 WHERE o.seq > ?1 ORDER BY o.seq LIMIT ?2"
            ),
            params![after, limit as i64],
        )
    }

    /// HQ holds these (it answered with their ids): out of the outbox.
    pub fn confirm_sent(&mut self, ids: &[Uuid]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for id in ids {
            tx.execute("DELETE FROM outbox WHERE event_id = ?1", [id.to_string()])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// HQ refused this event for good: it leaves the outbox so nothing waits behind it,
    /// and is kept with the reason for a person to see (`sync status`, `sync retry`).
    pub fn set_aside(&mut self, id: Uuid, code: RefusalCode, reason: &str, now: DateTime<Utc>) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM outbox WHERE event_id = ?1", [id.to_string()])?;
        tx.execute(
            "INSERT OR REPLACE INTO sync_rejected (event_id, code, reason, rejected_at) VALUES (?1, ?2, ?3, ?4)",
            params![id.to_string(), code.code(), reason, ts(now)],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn rejected(&self) -> Result<Vec<SetAside>> {
        let rows = self
            .conn
            .prepare("SELECT event_id, code, reason FROM sync_rejected ORDER BY rejected_at")?
            .query_map([], |r| Ok(SetAside { id: r.get(0)?, code: r.get(1)?, reason: r.get(2)? }))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Puts every set-aside event back in the outbox (after HQ was fixed). Returns how many.
    pub fn retry_set_aside(&mut self, now: DateTime<Utc>) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "INSERT OR IGNORE INTO outbox (event_id, queued_at, seq)
             SELECT r.event_id, ?1, e.origin_seq FROM sync_rejected r JOIN events e ON e.id = r.event_id",
            [ts(now)],
        )?;
        tx.execute("DELETE FROM sync_rejected", [])?;
        tx.commit()?;
        Ok(n)
    }

    /// Gives every outbox event with an index at or above `from` a new index, in the
    /// same order, above every index this origin has handed out or HQ holds. They have
    /// never been stored at HQ under those numbers (HQ answered that others hold them).
    pub fn renumber_outbox_from(&mut self, from: i64) -> Result<usize> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let ids: Vec<String> = tx
            .prepare(
                "SELECT e.id FROM outbox o JOIN events e ON e.id = o.event_id
                 WHERE e.origin = ?1 AND e.origin_seq >= ?2 ORDER BY e.origin_seq",
            )?
            .query_map(params![self.origin.0, from], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in &ids {
            let seq = next_origin_seq(&tx, &self.event_watermark, &self.origin)?;
            tx.execute("UPDATE events SET origin_seq = ?1 WHERE id = ?2", params![seq, id])?;
            tx.execute("UPDATE outbox SET seq = ?1 WHERE event_id = ?2", params![seq, id])?;
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// HQ holds this origin's series up to `seq`: number new events above it.
    pub fn raise_origin_floor(&mut self, seq: i64) -> Result<()> {
        raise_counter(&self.conn, "origin_seq", seq.max(0) as u64)
    }

    /// The highest index this store holds from `origin` (0 for none).
    pub fn high_water(&self, origin: &Origin) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(origin_seq), 0) FROM events WHERE origin = ?1",
            [&origin.0],
            |r| r.get(0),
        )?)
    }

    /// The highest index this origin has handed out (stored or not, purged or not).
    pub fn origin_counter(&self) -> Result<i64> {
        let counted = i64::try_from(meta_counter(&self.conn, "origin_seq")?).unwrap_or(i64::MAX);
        Ok(counted.max(self.high_water(&self.origin)?))
    }

    /// The highest ticket sequence among cases filed by the kiosk with `code`.
    pub fn max_ticket_sequence(&self, code: &str) -> Result<u64> {
        let seq: Option<i64> = self
            .conn
            .query_row("SELECT sequence FROM ticket_high WHERE code = ?1", [code], |r| r.get(0))
            .optional()?;
        Ok(seq.unwrap_or(0).max(0) as u64)
    }

    /// Never issue a ticket at or below `sequence` (HQ has seen it: a restored data
    /// directory must not reuse numbers).
    pub fn raise_ticket_floor(&mut self, sequence: u64) -> Result<()> {
        raise_counter(&self.conn, "ticket_seq", sequence)
    }

    /// HQ takes a batch from a kiosk: each event is checked against what HQ itself
    /// stored (`kiosk_may_write`), never against the event's own words. Returns the
    /// refusals; every other event of the batch is stored now or was before.
    pub fn receive_from_kiosk(
        &mut self,
        kiosk: &KioskRecord,
        events: &[StoredEvent],
        now: DateTime<Utc>,
    ) -> Result<Vec<Refused>> {
        self.receive(events, now, Some(kiosk)).map(|(_, refused)| refused)
    }

    /// A kiosk takes what HQ sent (HQ checked each event when it arrived there).
    /// Returns how many were new, and any refused.
    pub fn receive_from_hq(
        &mut self,
        events: &[StoredEvent],
        now: DateTime<Utc>,
    ) -> Result<(usize, Vec<Refused>)> {
        self.receive(events, now, None)
    }

    /// Stores a batch in one transaction, each event in its own savepoint (a bad one is
    /// refused without losing the rest); one already here changes nothing. Each touched
    /// case is folded once per batch, so the cost grows with the batch, not with the
    /// square of a case's history.
    fn receive(
        &mut self,
        events: &[StoredEvent],
        now: DateTime<Utc>,
        from_kiosk: Option<&KioskRecord>,
    ) -> Result<(usize, Vec<Refused>)> {
        let mut inserted = 0;
        let mut refused = Vec::new();
        let mut newest = Hlc::default();
        // Cases to fold once the batch is in, in the order first touched.
        let mut touched: Vec<Uuid> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for stored in events {
            let e = &stored.event;
            let refuse = |code, reason: String| Refused { id: e.id, code, reason };
            // Already here: a retry whose answer was lost. The same event, or a forgery
            // of its id.
            let existing: Option<(String, String)> = tx
                .query_row("SELECT origin, case_id FROM events WHERE id = ?1", [e.id.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            if let Some((origin, case_id)) = existing {
                if origin != e.origin.0 || case_id != e.case_id.to_string() {
                    refused.push(refuse(
                        RefusalCode::Forbidden,
                        format!("event id {} is taken by another event", e.id),
                    ));
                }
                continue;
            }
            if let Some(kiosk) = from_kiosk
                && let Err((code, reason)) = kiosk_may_write(kiosk, stored, now, &mut |id| {
                    case_estate(&tx, id).map_err(|e| e.to_string())
                })
            {
                refused.push(refuse(code, reason));
                continue;
            }
            let sp = tx.savepoint()?;
            match insert_event(&sp, stored) {
                Ok(()) => {}
                Err(err) if is_constraint(&err) => {
                    refused.push(refuse(
                        RefusalCode::IndexTaken,
                        format!("{} index {} is already used by another event", e.origin, stored.origin_seq),
                    ));
                    continue;
                }
                Err(err) => return Err(err.into()),
            }
            record_arrival(&sp, e)?;
            if matches!(e.body, EventBody::Filed { .. }) {
                // Folded at once: the case (its estate, its ticket) must exist for the
                // events after it in this batch, and a taken ticket is refused here.
                match refresh_projection(&sp, &self.calendar, e.case_id) {
                    Ok(_) => {}
                    Err(StoreError::Sqlite(err)) if is_constraint(&err) => {
                        drop(sp);
                        refused.push(refuse(
                            RefusalCode::TicketTaken,
                            "its ticket number is taken by another case".into(),
                        ));
                        continue;
                    }
                    Err(other) => {
                        drop(sp);
                        refused.push(refuse(RefusalCode::Invalid, other.to_string()));
                        continue;
                    }
                }
            } else if seen.insert(e.case_id) {
                touched.push(e.case_id);
            }
            sp.commit()?;
            inserted += 1;
            newest = newest.max(e.stamp);
        }
        for case_id in touched {
            match refresh_projection(&tx, &self.calendar, case_id) {
                Ok(_) => {}
                // A case whose filing has not arrived yet appears when it does.
                Err(StoreError::Fold(_)) => {}
                Err(other) => return Err(other),
            }
        }
        // Our own next events sort after everything we have now accepted (never after
        // what we refused: one kiosk's clock cannot drag everyone's forward).
        let last: Hlc = meta_get_json(&tx, "hlc")?;
        let observed = Hlc::observe(last, newest, now.timestamp_millis());
        meta_set_json(&tx, "hlc", &observed)?;
        tx.commit()?;
        Ok((inserted, refused))
    }

    /// Events that arrived here after `after`, for cases of `estate`, not written by
    /// `exclude`; with the arrival number to continue from and whether more follow. Reads
    /// only this estate's arrivals, and moves past the ones it skips.
    pub fn events_since(
        &self,
        after: i64,
        estate: &str,
        exclude: Option<&Origin>,
        limit: usize,
    ) -> Result<(Vec<StoredEvent>, i64, bool)> {
        let arrivals: Vec<(i64, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT r.seq, r.event_id, e.origin FROM received r JOIN events e ON e.id = r.event_id
                 WHERE r.estate = ?1 AND r.seq > ?2 ORDER BY r.seq LIMIT ?3",
            )?
            .query_map(params![estate, after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let more = arrivals.len() == limit;
        let next = arrivals.last().map(|(seq, _, _)| *seq).unwrap_or(after);
        let mut events = Vec::with_capacity(arrivals.len());
        for (_, id, origin) in arrivals {
            if exclude.is_some_and(|o| o.0 == origin) {
                continue;
            }
            events.extend(query_events(
                &self.conn,
                &format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.id = ?1"),
                [id],
            )?);
        }
        Ok((events, next, more))
    }

    /// Every event here, oldest arrival first (tests and audits compare stores with it).
    pub fn all_events(&self) -> Result<Vec<StoredEvent>> {
        query_events(
            &self.conn,
            &format!(
                "SELECT {EVENT_COLUMNS} FROM received r JOIN events e ON e.id = r.event_id ORDER BY r.seq"
            ),
            [],
        )
    }

    /// Every event with its arrival number and estate, oldest arrival first, `limit` at a
    /// time after `after`.
    pub fn arrivals_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, String, StoredEvent)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT r.seq, r.estate, {EVENT_COLUMNS} FROM received r JOIN events e ON e.id = r.event_id
             WHERE r.seq > ?1 ORDER BY r.seq LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![after, limit as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, raw_event_at(r, 2)?))
        })?;
        rows.map(|row| {
            let (seq, estate, raw) = row?;
            Ok((seq, estate, parse_event(raw)?))
        })
        .collect()
    }

    /// Stores events under the arrival numbers and estates another store gave them (moving
    /// an HQ); events already here stay as they are. Returns how many were new.
    pub fn import_arrivals(&mut self, arrivals: &[(i64, String, StoredEvent)]) -> Result<usize> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut inserted = 0;
        let mut touched = std::collections::BTreeSet::new();
        for (seq, estate, stored) in arrivals {
            let here: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM events WHERE id = ?1)",
                [stored.event.id.to_string()],
                |r| r.get(0),
            )?;
            if here {
                continue;
            }
            insert_event(&tx, stored)?;
            tx.execute(
                "INSERT INTO received (seq, event_id, estate) VALUES (?1, ?2, ?3)",
                params![seq, stored.event.id.to_string(), estate],
            )?;
            super::cases::note_ticket(&tx, &stored.event.body)?;
            touched.insert(stored.event.case_id);
            inserted += 1;
        }
        for case_id in touched {
            match refresh_projection(&tx, &self.calendar, case_id) {
                Ok(_) | Err(StoreError::Fold(_)) => {}
                Err(other) => return Err(other),
            }
        }
        tx.commit()?;
        Ok(inserted)
    }

    /// How many cases this store holds.
    pub fn count_cases(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM cases", [], |r| r.get::<_, i64>(0))?.max(0) as u64)
    }

    /// The estate of a case, if this store has it.
    pub fn estate_of(&self, case_id: Uuid) -> Result<Option<String>> {
        Ok(case_estate(&self.conn, case_id)?)
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
    /// Drops closed cases whose every event HQ confirmed holding (nothing in the outbox,
    /// nothing HQ refused and set aside here): HQ keeps the record two years (SPEC §6).
    /// The pages they held go back to the file system.
    pub fn purge_closed(&mut self, before: DateTime<Utc>) -> Result<usize> {
        // A few hundred cases a transaction: a first purge of years of cases must not hold
        // the write lock for long, or a resident's filing would wait out its timeout.
        let mut purged = 0;
        loop {
            let n = self.purge_closed_batch(before, PURGE_BATCH)?;
            purged += n;
            if n < PURGE_BATCH {
                break;
            }
        }
        // Who opened which case at HQ's desk is kept as long as closed cases are.
        self.conn.execute("DELETE FROM hq_audit WHERE at < ?1", [ts(before)])?;
        if purged > 0 {
            self.give_back_space()?;
        }
        Ok(purged)
    }

    fn purge_closed_batch(&mut self, before: DateTime<Utc>, limit: usize) -> Result<usize> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let ids: Vec<String> = tx
            .prepare(
                "SELECT c.id FROM cases c WHERE c.closed_at != '' AND c.closed_at < ?1
                   AND NOT EXISTS (SELECT 1 FROM outbox o JOIN events e ON e.id = o.event_id WHERE e.case_id = c.id)
                   AND NOT EXISTS (SELECT 1 FROM sync_rejected r JOIN events e ON e.id = r.event_id WHERE e.case_id = c.id)
                 LIMIT ?2",
            )?
            .query_map(params![ts(before), limit as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in &ids {
            execute_cached(&tx, "DELETE FROM print_jobs WHERE case_id = ?1", [id])?;
            for table in ["outbox", "sync_rejected", "received"] {
                execute_cached(
                    &tx,
                    &format!(
                        "DELETE FROM {table} WHERE event_id IN (SELECT id FROM events WHERE case_id = ?1)"
                    ),
                    [id],
                )?;
            }
            execute_cached(&tx, "DELETE FROM events WHERE case_id = ?1", [id])?;
            execute_cached(&tx, "DELETE FROM cases WHERE id = ?1", [id])?;
            // The resident's photos and the messages they were sent go with the case.
            execute_cached(&tx, "DELETE FROM case_photos WHERE case_id = ?1", [id])?;
            execute_cached(&tx, "DELETE FROM notices WHERE case_id = ?1", [id])?;
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

    /// Every registered kiosk with its credential's hash.
    pub fn kiosks(&self) -> Result<Vec<(KioskRecord, String)>> {
        let rows = self
            .conn
            .prepare("SELECT code, estate, revoked_at IS NOT NULL, token_hash FROM kiosks ORDER BY code")?
            .query_map([], |r| {
                Ok((KioskRecord { code: r.get(0)?, estate: r.get(1)?, revoked: r.get(2)? }, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
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

/// Whether `stored`, sent by the kiosk `kiosk`, may be stored at HQ. Everything is
/// checked against what HQ itself holds: the kiosk's own code and estate as HQ registered
/// them, the case as HQ stored it, HQ's own clock. A kiosk writes only under its own
/// origin, files only under its own ticket code and estate, never files a case id or a
/// ticket that exists, and touches only cases of its own estate.
/// `estate_of` answers which estate HQ holds a case under (each store looks it up its own
/// way; the rules are the same for every store).
pub(crate) fn kiosk_may_write(
    kiosk: &KioskRecord,
    stored: &StoredEvent,
    now: DateTime<Utc>,
    estate_of: &mut dyn FnMut(Uuid) -> std::result::Result<Option<String>, String>,
) -> std::result::Result<(), (RefusalCode, String)> {
    let e = &stored.event;
    let db = |err: String| (RefusalCode::Invalid, format!("HQ could not check it: {err}"));
    if e.origin != Origin::kiosk(&kiosk.code) {
        return Err((
            RefusalCode::Forbidden,
            format!("kiosk {} may not write events for {}", kiosk.code, e.origin),
        ));
    }
    if stored.origin_seq < 1 {
        return Err((RefusalCode::Invalid, format!("index {} is not valid", stored.origin_seq)));
    }
    let latest = now + MAX_CLOCK_AHEAD;
    if e.at > latest || e.stamp.millis > latest.timestamp_millis() {
        return Err((
            RefusalCode::ClockAhead,
            format!(
                "stamped {} but HQ's clock says {}: set the kiosk's clock (NTP); the event is kept and sent again",
                e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        ));
    }
    check_content(e).map_err(|why| (RefusalCode::Invalid, why))?;
    // What only HQ sees happen: a photo from the resident's phone, their rating there.
    match &e.body {
        EventBody::PhotoAdded { .. } => {
            return Err((
                RefusalCode::Forbidden,
                "photos are added on the resident's phone page at HQ".into(),
            ));
        }
        EventBody::CallbackRecorded { record } if record.method == ContactMethod::Online => {
            return Err((RefusalCode::Forbidden, "a phone rating is recorded at HQ, not by a kiosk".into()));
        }
        _ => {}
    }
    let estate_held = estate_of(e.case_id).map_err(db)?;
    match &e.body {
        EventBody::Filed { intake } => {
            if intake.estate != kiosk.estate {
                return Err((
                    RefusalCode::Forbidden,
                    format!("kiosk {} files for estate {}, not {}", kiosk.code, kiosk.estate, intake.estate),
                ));
            }
            let ticket =
                TicketNumber::parse(&intake.ticket).map_err(|err| (RefusalCode::Invalid, err.to_string()))?;
            if ticket.kiosk.as_str() != kiosk.code {
                return Err((
                    RefusalCode::Forbidden,
                    format!("kiosk {} issues tickets {}-…, not {}", kiosk.code, kiosk.code, intake.ticket),
                ));
            }
            if estate_held.is_some() {
                return Err((RefusalCode::CaseExists, format!("case {} is already filed", e.case_id)));
            }
            Ok(())
        }
        body => {
            match estate_held {
                Some(estate) if estate == kiosk.estate => {}
                Some(estate) => {
                    return Err((
                        RefusalCode::Forbidden,
                        format!("case {} belongs to estate {estate}, not {}", e.case_id, kiosk.estate),
                    ));
                }
                None => {
                    return Err((
                        RefusalCode::CaseUnknown,
                        format!("case {} is unknown here: its filing has not been received", e.case_id),
                    ));
                }
            }
            if let EventBody::LinkedDuplicate { primary, .. } = body {
                let primary_estate = estate_of(*primary).map_err(db)?;
                if primary_estate.as_deref() != Some(kiosk.estate.as_str()) {
                    return Err((
                        RefusalCode::Forbidden,
                        format!("the linked case {primary} is not a case of estate {}", kiosk.estate),
                    ));
                }
            }
            Ok(())
        }
    }
}
