//! HQ's side of residents' phone pages (issue 16) in the SQLite store: their photos, and
//! the queue of messages telling them their case moved. The PostgreSQL store keeps the
//! same tables (`hq/db/postgres_migrations/0006_resident_pages.sql`).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::cases::ts;
use super::{Result, Store, StoreError};

/// A resident's photo as HQ keeps it: re-encoded as JPEG (no metadata), and a thumbnail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Photo {
    pub id: Uuid,
    pub case_id: Uuid,
    pub added_at: DateTime<Utc>,
    pub width: u32,
    pub height: u32,
    pub picture: Vec<u8>,
    pub thumbnail: Vec<u8>,
}

/// A message queued for a resident: one per event they are told about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedNotice {
    /// The event it tells of: the queue's key, and the message's id for the receiver.
    pub event_id: Uuid,
    pub case_id: Uuid,
    /// `domain::resident::Notice::code`.
    pub kind: String,
    /// The JSON body sent, the same bytes on every try.
    pub payload: String,
    pub queued_at: DateTime<Utc>,
    /// Tries made so far (a claimed message counts its try).
    pub attempts: u32,
}

/// How a try to send went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoticeOutcome {
    Sent,
    /// Try again at `at`.
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    /// No more tries: the message is given up, with why.
    GaveUp {
        error: String,
    },
}

/// A message as the case page shows it to staff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeRow {
    pub kind: String,
    pub queued_at: DateTime<Utc>,
    pub attempts: u32,
    pub sent_at: Option<DateTime<Utc>>,
    pub gave_up_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

fn time(t: Option<String>) -> Result<Option<DateTime<Utc>>> {
    t.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| StoreError::BadRecord(format!("a notice time: {e}")))
    })
    .transpose()
}

fn uuid(s: String) -> Result<Uuid> {
    Uuid::parse_str(&s).map_err(|e| StoreError::BadRecord(format!("an id: {e}")))
}

impl Store {
    pub fn save_photo(&mut self, p: &Photo) -> Result<()> {
        self.conn.execute(
            "INSERT INTO case_photos (id, case_id, added_at, width, height, picture, thumbnail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
            params![
                p.id.to_string(),
                p.case_id.to_string(),
                ts(p.added_at),
                p.width,
                p.height,
                p.picture,
                p.thumbnail
            ],
        )?;
        Ok(())
    }

    pub fn delete_photo(&mut self, id: Uuid) -> Result<()> {
        self.conn.execute("DELETE FROM case_photos WHERE id = ?1", [id.to_string()])?;
        Ok(())
    }

    pub fn photo(&self, id: Uuid) -> Result<Option<Photo>> {
        let row = self
            .conn
            .query_row(
                "SELECT case_id, added_at, width, height, picture, thumbnail FROM case_photos WHERE id = ?1",
                [id.to_string()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, u32>(2)?,
                        r.get::<_, u32>(3)?,
                        r.get::<_, Vec<u8>>(4)?,
                        r.get::<_, Vec<u8>>(5)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(case_id, added_at, width, height, picture, thumbnail)| {
            Ok(Photo {
                id,
                case_id: uuid(case_id)?,
                added_at: time(Some(added_at))?.unwrap_or_default(),
                width,
                height,
                picture,
                thumbnail,
            })
        })
        .transpose()
    }

    /// The newest arrival number: where message-making starts on a store that had none.
    pub fn arrival_head(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM received", [], |r| r.get(0))?)
    }

    pub fn notice_cursor(&self, estate: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row("SELECT after FROM notice_cursors WHERE estate = ?1", [estate], |r| r.get(0))
            .optional()?)
    }

    /// Queues messages (one already queued for an event stays as it is) and moves the
    /// estate's cursor to `after`, in one transaction: nothing is skipped, nothing twice.
    pub fn queue_notices(&mut self, estate: &str, after: i64, notices: &[QueuedNotice]) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for n in notices {
            tx.execute(
                "INSERT INTO notices (event_id, case_id, kind, payload, queued_at, due_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (event_id) DO NOTHING",
                params![n.event_id.to_string(), n.case_id.to_string(), n.kind, n.payload, ts(n.queued_at)],
            )?;
        }
        tx.execute(
            "INSERT INTO notice_cursors (estate, after) VALUES (?1, ?2)
             ON CONFLICT (estate) DO UPDATE SET after = MAX(after, excluded.after)",
            params![estate, after],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Takes up to `limit` messages due at `now` to send, moving each one's next try to
    /// `lease_until` (should this node stop before saying how it went, it is tried then).
    /// A case's messages go in order: none while an earlier one of its own still waits.
    pub fn claim_notices(
        &mut self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<QueuedNotice>> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let rows: Vec<(String, String, String, String, String, u32)> = {
            let mut stmt = tx.prepare(
                "SELECT event_id, case_id, kind, payload, queued_at, attempts FROM notices
                 WHERE sent_at IS NULL AND gave_up_at IS NULL AND due_at <= ?1
                   AND NOT EXISTS (SELECT 1 FROM notices p WHERE p.case_id = notices.case_id
                       AND p.sent_at IS NULL AND p.gave_up_at IS NULL
                       AND (p.queued_at, p.event_id) < (notices.queued_at, notices.event_id))
                 ORDER BY due_at LIMIT ?2",
            )?;
            stmt.query_map(params![ts(now), limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        let mut claimed = Vec::with_capacity(rows.len());
        for (event_id, case_id, kind, payload, queued_at, attempts) in rows {
            tx.execute(
                "UPDATE notices SET due_at = ?2, attempts = attempts + 1 WHERE event_id = ?1",
                params![event_id, ts(lease_until)],
            )?;
            claimed.push(QueuedNotice {
                event_id: uuid(event_id)?,
                case_id: uuid(case_id)?,
                kind,
                payload,
                queued_at: time(Some(queued_at))?.unwrap_or_default(),
                attempts: attempts + 1,
            });
        }
        tx.commit()?;
        Ok(claimed)
    }

    pub fn notice_done(&mut self, event_id: Uuid, outcome: &NoticeOutcome, now: DateTime<Utc>) -> Result<()> {
        let id = event_id.to_string();
        match outcome {
            NoticeOutcome::Sent => self.conn.execute(
                "UPDATE notices SET sent_at = ?2, last_error = NULL WHERE event_id = ?1",
                params![id, ts(now)],
            )?,
            NoticeOutcome::Retry { at, error } => self.conn.execute(
                "UPDATE notices SET due_at = ?2, last_error = ?3 WHERE event_id = ?1",
                params![id, ts(*at), error],
            )?,
            NoticeOutcome::GaveUp { error } => self.conn.execute(
                "UPDATE notices SET gave_up_at = ?2, last_error = ?3 WHERE event_id = ?1",
                params![id, ts(now), error],
            )?,
        };
        Ok(())
    }

    pub fn notices_of(&self, case_id: Uuid) -> Result<Vec<NoticeRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT kind, queued_at, attempts, sent_at, gave_up_at, last_error FROM notices
             WHERE case_id = ?1 ORDER BY queued_at, event_id",
        )?;
        let rows = stmt.query_map([case_id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        rows.map(|row| {
            let (kind, queued_at, attempts, sent_at, gave_up_at, last_error) = row?;
            Ok(NoticeRow {
                kind,
                queued_at: time(Some(queued_at))?.unwrap_or_default(),
                attempts,
                sent_at: time(sent_at)?,
                gave_up_at: time(gave_up_at)?,
                last_error,
            })
        })
        .collect()
    }
}
