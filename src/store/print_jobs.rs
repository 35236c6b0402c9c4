//! The print queue's table: jobs in order, with what happened to each.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Result, Store, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    Ticket,
    WorkOrder,
    DailyReport,
    Test,
    /// 书面上报 (000 4.3.3).
    Escalation,
    /// 书面回复函 (004).
    Reply,
    /// 需开发商协商处理问题记录表 (002 第十五条).
    DeveloperRecord,
    /// 月度汇总: the month's counts and KPIs.
    MonthlySummary,
}

impl DocumentKind {
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Ticket => "ticket",
            DocumentKind::WorkOrder => "work-order",
            DocumentKind::DailyReport => "daily-report",
            DocumentKind::Test => "test",
            DocumentKind::Escalation => "escalation",
            DocumentKind::Reply => "reply",
            DocumentKind::DeveloperRecord => "developer-record",
            DocumentKind::MonthlySummary => "monthly-summary",
        }
    }

    fn parse(s: &str) -> Option<DocumentKind> {
        [
            DocumentKind::Ticket,
            DocumentKind::WorkOrder,
            DocumentKind::DailyReport,
            DocumentKind::Test,
            DocumentKind::Escalation,
            DocumentKind::Reply,
            DocumentKind::DeveloperRecord,
            DocumentKind::MonthlySummary,
        ]
        .into_iter()
        .find(|d| d.code() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobState {
    Queued,
    Printing,
    /// The printer reported ready after the job.
    Printed,
    /// Written to a link that cannot report status: probably printed, not confirmed.
    Sent,
    /// Interrupted while sending (power cut, crash): may or may not have printed.
    Uncertain,
    /// Could not be printed at all (e.g. its case is gone); kept for the record.
    Failed,
    /// A resident's ticket that could not print while they stood there: never printed
    /// later by itself (it would land in the next person's hands); the front desk
    /// reprints it.
    Held,
}

impl JobState {
    pub fn code(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Printing => "printing",
            JobState::Printed => "printed",
            JobState::Sent => "sent",
            JobState::Uncertain => "uncertain",
            JobState::Failed => "failed",
            JobState::Held => "held",
        }
    }

    fn parse(s: &str) -> JobState {
        [
            JobState::Queued,
            JobState::Printing,
            JobState::Printed,
            JobState::Sent,
            JobState::Uncertain,
            JobState::Failed,
            JobState::Held,
        ]
        .into_iter()
        .find(|j| j.code() == s)
        .unwrap_or(JobState::Failed)
    }
}

/// A job to add to the queue.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub document: DocumentKind,
    pub case_id: Option<Uuid>,
    /// Document parameters as JSON (e.g. the report's date).
    pub params: serde_json::Value,
    pub reprint: bool,
    pub requested_by: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PrintJob {
    pub id: i64,
    pub document: DocumentKind,
    pub case_id: Option<Uuid>,
    pub params: serde_json::Value,
    pub reprint: bool,
    pub requested_by: String,
    pub created_at: DateTime<Utc>,
    pub state: JobState,
    pub attempts: i64,
    pub next_try_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

pub(super) fn insert(conn: &rusqlite::Connection, job: &NewJob, now: DateTime<Utc>) -> Result<i64> {
    super::cases::execute_cached(
        conn,
        "INSERT INTO print_jobs (document, case_id, params, reprint, requested_by, created_at, next_try_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![
            job.document.code(),
            job.case_id.map(|id| id.to_string()),
            job.params.to_string(),
            job.reprint,
            job.requested_by,
            ts(now),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

const COLUMNS: &str = "id, document, case_id, params, reprint, requested_by, created_at, state, attempts, next_try_at, last_error, done_at";

fn row_to_job(r: &rusqlite::Row) -> rusqlite::Result<PrintJob> {
    let bad_time = |i: usize, s: String| {
        parse_ts(&s).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                i,
                rusqlite::types::Type::Text,
                format!("bad time {s}").into(),
            )
        })
    };
    Ok(PrintJob {
        id: r.get(0)?,
        document: DocumentKind::parse(&r.get::<_, String>(1)?).unwrap_or(DocumentKind::Test),
        case_id: r.get::<_, Option<String>>(2)?.and_then(|s| Uuid::parse_str(&s).ok()),
        params: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
        reprint: r.get(4)?,
        requested_by: r.get(5)?,
        created_at: bad_time(6, r.get(6)?)?,
        state: JobState::parse(&r.get::<_, String>(7)?),
        attempts: r.get(8)?,
        next_try_at: bad_time(9, r.get(9)?)?,
        last_error: r.get(10)?,
        done_at: r.get::<_, Option<String>>(11)?.and_then(|s| parse_ts(&s)),
    })
}

impl Store {
    pub fn queue_print(&mut self, job: &NewJob, now: DateTime<Utc>) -> Result<i64> {
        insert(&self.conn, job, now)
    }

    /// The oldest queued job, due or not. Jobs print in order: a job waiting for paper
    /// holds back the ones behind it.
    pub fn oldest_queued_job(&self) -> Result<Option<PrintJob>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM print_jobs WHERE state = 'queued' ORDER BY id LIMIT 1"),
                [],
                row_to_job,
            )
            .optional()?)
    }

    pub fn print_job(&self, id: i64) -> Result<PrintJob> {
        self.conn
            .query_row(&format!("SELECT {COLUMNS} FROM print_jobs WHERE id = ?1"), [id], row_to_job)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("print job {id}")))
    }

    /// Recent jobs, newest first.
    pub fn print_jobs(&self, limit: usize) -> Result<Vec<PrintJob>> {
        let mut stmt =
            self.conn.prepare(&format!("SELECT {COLUMNS} FROM print_jobs ORDER BY id DESC LIMIT ?1"))?;
        let rows = stmt.query_map([limit as i64], row_to_job)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Jobs of one case, oldest first.
    pub fn print_jobs_of(&self, case_id: Uuid) -> Result<Vec<PrintJob>> {
        let mut stmt =
            self.conn.prepare(&format!("SELECT {COLUMNS} FROM print_jobs WHERE case_id = ?1 ORDER BY id"))?;
        let rows = stmt.query_map([case_id.to_string()], row_to_job)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn count_print_jobs(&self, state: JobState) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM print_jobs WHERE state = ?1", [state.code()], |r| r.get(0))?)
    }

    /// Claims the job just before its bytes go out. Committed on its own so that a power
    /// cut during sending leaves a mark.
    pub fn mark_printing(&mut self, id: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE print_jobs SET state = 'printing', attempts = attempts + 1 WHERE id = ?1 AND state = 'queued'",
            [id],
        )?;
        Ok(())
    }

    pub fn mark_done(
        &mut self,
        id: i64,
        state: JobState,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE print_jobs SET state = ?2, last_error = ?3, done_at = ?4 WHERE id = ?1",
            params![id, state.code(), note, ts(now)],
        )?;
        Ok(())
    }

    /// Back in the queue, to be tried again at `next_try_at`.
    pub fn mark_retry(&mut self, id: i64, error: &str, next_try_at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE print_jobs SET state = 'queued', last_error = ?2, next_try_at = ?3 WHERE id = ?1",
            params![id, error, ts(next_try_at)],
        )?;
        Ok(())
    }

    /// Counts a failed attempt that never reached the printer (it was not ready).
    pub fn mark_waiting(&mut self, id: i64, reason: &str, next_try_at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?2, next_try_at = ?3 WHERE id = ?1 AND state = 'queued'",
            params![id, reason, ts(next_try_at)],
        )?;
        Ok(())
    }

    /// Takes a queued job out of the queue for good: it is kept for the record and for
    /// the front desk, and never printed by itself.
    pub fn hold_print_job(&mut self, id: i64, reason: &str) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE print_jobs SET state = 'held', last_error = ?2 WHERE id = ?1 AND state = 'queued'",
            params![id, reason],
        )? == 1)
    }

    /// Puts a job back in the queue now, at the front desk's request: one held back (a
    /// resident's ticket that missed its moment), failed, or of uncertain outcome.
    pub fn retry_print_job(&mut self, id: i64, by: &str, now: DateTime<Utc>) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE print_jobs SET state = 'queued', next_try_at = ?2, last_error = ?3, done_at = NULL
             WHERE id = ?1 AND state IN ('queued', 'held', 'failed', 'uncertain')",
            params![id, ts(now), format!("retried by {by}")],
        )? == 1)
    }

    /// Takes a waiting job off the queue for good; kept, marked as cancelled and by whom.
    pub fn cancel_print_job(&mut self, id: i64, by: &str, now: DateTime<Utc>) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE print_jobs SET state = 'failed', last_error = ?2, done_at = ?3
             WHERE id = ?1 AND state IN ('queued', 'held')",
            params![id, format!("cancelled by {by}"), ts(now)],
        )? == 1)
    }

    /// At start: a job left `printing` was cut off mid-send.
    pub(super) fn recover_interrupted_prints(&mut self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE print_jobs SET state = 'uncertain', last_error = 'interrupted while printing (power cut or crash); reprint if the ticket did not come out'
             WHERE state = 'printing'",
            [],
        )?)
    }
}
