//! Cases and their events: filing, appending, reading, searching.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::watermark::Reservations;
use super::{DocumentKind, NewJob, Result, Store, StoreError};
use crate::domain::calendar::WorkCalendar;
use crate::domain::case::Case;
use crate::domain::event::{Event, EventBody, Origin};
use crate::domain::hlc::Hlc;
use crate::domain::intake::Intake;
use crate::domain::ticket::{KioskCode, TicketNumber};

/// The FTS5 tables the rows of `cases` feed (schemas 2 and 14).
const SEARCH_INDEXES: [&str; 2] = ["case_search", "case_pairs"];

/// Bump when `Case` changes shape: stored projections are then rebuilt from events at start.
const PROJECTION_VERSION: &str = "5";

/// An event as stored: with the per-origin index sync will compare.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StoredEvent {
    /// This event's index in its origin's series.
    #[schemars(range(min = 1))]
    pub origin_seq: i64,
    #[serde(flatten)]
    pub event: Event,
}

/// A case for `Store::file_many`: its intake as filed, then what happened to it.
#[derive(Clone, Debug)]
pub struct BulkCase {
    pub id: Uuid,
    pub intake: Intake,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub then: Vec<(EventBody, String, DateTime<Utc>)>,
}

/// What a desk list selects; empty fields do not filter.
#[derive(Clone, Debug, Default)]
pub struct CaseQuery {
    pub statuses: Vec<crate::domain::case::Status>,
    pub kind: Option<crate::domain::intake::Kind>,
    pub department: Option<crate::domain::intake::Department>,
    pub assignee: Option<String>,
    /// Cases whose first-inquiry owner is any of these (a staff id, or a post such as
    /// `filing::ESTATE_HEAD`); empty for anyone's.
    pub owners: Vec<String>,
    /// Callbacks that may be made by then.
    pub callback_by: Option<DateTime<Utc>>,
    /// Cases overdue at this moment (`clocks::is_overdue`), through the read model.
    pub overdue_at: Option<DateTime<Utc>>,
    /// Cases on the escalation list at this moment (`clocks::escalated_from`).
    pub escalated_at: Option<DateTime<Utc>>,
    /// Words the ticket, place, description or contact contain (as `search`).
    pub words: Option<String>,
    /// One estate's cases (HQ holds every estate's).
    pub estate: Option<String>,
}

/// Where a page of a list ended: the next page starts after it (keyset paging).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageMark {
    pub(crate) filed_at: String,
    pub(crate) seq: i64,
}

impl PageMark {
    /// The mark as it travels in a page's URL.
    pub fn to_param(&self) -> String {
        format!("{}_{}", self.filed_at, self.seq)
    }

    /// A mark from a URL; none for anything that is not one.
    pub fn from_param(param: &str) -> Option<PageMark> {
        let (filed_at, seq) = param.rsplit_once('_')?;
        DateTime::parse_from_rfc3339(filed_at).ok()?;
        Some(PageMark { filed_at: filed_at.to_string(), seq: seq.parse().ok()? })
    }
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
    /// Files a validated intake: `commit_filing`, then the case's row (`project_pending`).
    /// Returns the case as filed.
    pub fn file_case(
        &mut self,
        kiosk: &KioskCode,
        case_id: Uuid,
        intake: Intake,
        actor: &str,
        print_ticket: bool,
        now: DateTime<Utc>,
    ) -> Result<Case> {
        let case = self.commit_filing(kiosk, case_id, intake, actor, print_ticket, now)?;
        self.project_or_leave_for_later();
        Ok(case)
    }

    /// What a filing must not lose, in one transaction that waits for its fsync: the next
    /// ticket number, the `Filed` event, its outbox entry and (if `print_ticket`) its
    /// ticket's print job. The case's row and search indexes are not written yet: the case
    /// is listed in `unprojected` until `project_pending` writes them. Returns the case as
    /// its events make it.
    pub fn commit_filing(
        &mut self,
        kiosk: &KioskCode,
        case_id: Uuid,
        mut intake: Intake,
        actor: &str,
        print_ticket: bool,
        now: DateTime<Utc>,
    ) -> Result<Case> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Reserved durably before the case commits: if we crash after this, the number
        // (and the rest of its block) is skipped, never reused.
        let sequence = self
            .tickets
            .next(meta_counter(&tx, "ticket_seq")?, self.ticket_block)
            .map_err(watermark_error(&self.tickets))?;
        let ticket = TicketNumber::new(kiosk.clone(), sequence)
            .map_err(|_| StoreError::TicketsExhausted(kiosk.to_string()))?;
        meta_set(&tx, "ticket_seq", &sequence.to_string())?;
        intake.ticket = ticket.to_string();
        let last: Hlc = meta_get_json(&tx, "hlc")?;
        intake.clock_unsynced = clock_looks_wrong(now, last);
        let body = EventBody::Filed { intake: Box::new(intake) };
        let known: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM events WHERE case_id = ?1)")?
            .query_row([case_id.to_string()], |r| r.get(0))?;
        let filed = append_local(&tx, &self.event_watermark, &self.origin, case_id, body, actor, now)?;
        // A new case's filing is its only event: folded as written rather than read back
        // and parsed (a sixth of this commit's CPU). An id already used folds with all its
        // events, as before (the fold records the second filing as a conflict).
        let case = if known { fold_case(&tx, case_id)? } else { Case::fold(std::iter::once(&filed))? };
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
        mark_unprojected(&tx, case_id)?;
        tx.commit()?;
        Ok(case)
    }

    /// Files many cases and their later workflow in one transaction, tickets numbered on
    /// from this store's floor, each later event checked against its case as it stands.
    /// One fsync for the lot: generators and imports fill 100k cases in seconds rather than
    /// the minutes 100k single filings take. Returns the tickets, in order.
    pub fn file_many(&mut self, kiosk: &KioskCode, cases: Vec<BulkCase>) -> Result<Vec<String>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let floor = ticket_floor(&tx, &self.tickets)?;
        let last = floor + cases.len() as u64;
        TicketNumber::new(kiosk.clone(), last)
            .map_err(|_| StoreError::TicketsExhausted(kiosk.to_string()))?;
        // Durable before the cases commit, as for one filing: a crash skips the numbers.
        self.tickets.reserve_up_to(last).map_err(watermark_error(&self.tickets))?;
        meta_set(&tx, "ticket_seq", &last.to_string())?;
        let mut tickets = Vec::with_capacity(cases.len());
        for (i, bulk) in cases.into_iter().enumerate() {
            let mut intake = bulk.intake;
            intake.ticket = TicketNumber::new(kiosk.clone(), floor + 1 + i as u64)
                .map_err(|_| StoreError::TicketsExhausted(kiosk.to_string()))?
                .to_string();
            let body = EventBody::Filed { intake: Box::new(intake) };
            let filed =
                append_local(&tx, &self.event_watermark, &self.origin, bulk.id, body, &bulk.actor, bulk.at)?;
            let mut events = vec![filed];
            for (body, actor, at) in bulk.then {
                Case::fold(events.iter())?.check(&body, at)?;
                events.push(append_local(
                    &tx,
                    &self.event_watermark,
                    &self.origin,
                    bulk.id,
                    body,
                    &actor,
                    at,
                )?);
            }
            tickets.push(refresh_projection(&tx, &self.calendar, bulk.id)?.ticket().to_string());
        }
        tx.commit()?;
        Ok(tickets)
    }

    /// The highest ticket sequence issued here or known to be taken: the next is above it.
    pub fn next_ticket_floor(&self) -> Result<u64> {
        ticket_floor(&self.conn, &self.tickets)
    }

    /// Reserves ticket numbers `block` at a time (the kiosk's long-running process), so
    /// a filing waits for one fsync instead of three.
    pub fn reserve_tickets_in_blocks(&mut self, block: u64) {
        self.ticket_block = block.max(1);
    }

    /// Leaves to `between_filings`, which the kiosk calls while nobody is filing, the two
    /// chores SQLite otherwise does in the middle of a write: copying the write-ahead log
    /// into the database (a checkpoint, with its own fsync), and merging the search
    /// indexes' small segments (every fourth filing, and more each time a level fills).
    /// A filing then never waits for either. Other connections keep checkpointing as
    /// usual, so the log cannot grow without end, and FTS5 still merges by itself once
    /// 16 segments pile up at one level, should the merges here not run.
    pub fn upkeep_when_idle(&mut self) -> Result<()> {
        self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        for index in SEARCH_INDEXES {
            // Kept in the index's own config table: written once, not at every start.
            let automerge: Option<i64> = self
                .conn
                .query_row(&format!("SELECT v FROM {index}_config WHERE k = 'automerge'"), [], |r| r.get(0))
                .optional()?;
            if automerge != Some(0) {
                self.conn
                    .execute(&format!("INSERT INTO {index} ({index}, rank) VALUES ('automerge', 0)"), [])?;
            }
        }
        Ok(())
    }

    /// Copies what it can of the write-ahead log into the database, never waiting for a
    /// reader or a writer (PASSIVE).
    pub fn checkpoint(&self) -> Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// What the kiosk does while nobody is filing, so that a filing waits for its own
    /// commit only: writes any case row left behind, reserves the next block of ticket
    /// numbers and event indexes before the current one runs out, and checkpoints.
    pub fn between_filings(&mut self) -> Result<()> {
        self.project_pending()?;
        if std::mem::take(&mut self.search_written) {
            // Up to 64 pages of merging (of segments four or more to a level); like the
            // rows, nothing that needs an fsync of its own.
            without_fsync(&mut self.conn, |conn| {
                for index in SEARCH_INDEXES {
                    execute_cached(
                        conn,
                        &format!("INSERT INTO {index} ({index}, rank) VALUES ('merge', 64)"),
                        [],
                    )?;
                }
                Ok(())
            })?;
        }
        if self.ticket_block > 1 {
            let used = meta_counter(&self.conn, "ticket_seq")?;
            self.tickets.top_up(used, self.ticket_block).map_err(watermark_error(&self.tickets))?;
        }
        let used = meta_counter(&self.conn, "origin_seq")?;
        self.event_watermark
            .top_up(used, EVENT_INDEX_BLOCK)
            .map_err(watermark_error(&self.event_watermark))?;
        self.checkpoint()
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
        append_local(&tx, &self.event_watermark, &self.origin, case_id, body, actor, now)?;
        let case = fold_case(&tx, case_id)?;
        mark_unprojected(&tx, case_id)?;
        tx.commit()?;
        self.project_or_leave_for_later();
        Ok(case)
    }

    /// `project_pending` for a filing or an action whose event has committed: should the
    /// rows fail to be written now, the event stands (it is the record, and on the disk)
    /// and the next open or idle tick writes them.
    pub(crate) fn project_or_leave_for_later(&mut self) {
        if let Err(e) = self.project_pending() {
            tracing::warn!(error = %e, "a case's row waits for the next idle moment");
        }
    }

    /// Writes the row and search indexes of every case in `unprojected`, from its events,
    /// in a transaction that waits for no fsync. These pages are not the record (the events
    /// are, committed and synced before) and can always be made again: the next fsync (the
    /// next filing's, or the idle checkpoint's) takes them along, and should a power cut
    /// come first, the cases are still listed and the next open writes them. So a filing
    /// waits for the disk to take a dozen pages rather than some fifty. Returns how many
    /// cases it wrote.
    pub fn project_pending(&mut self) -> Result<usize> {
        // Without a write lock or the switch to no-fsync when nothing waits, as at most
        // idle ticks; `project_listed` reads which cases under the lock.
        let waiting: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM unprojected)")?
            .query_row([], |r| r.get(0))?;
        if !waiting {
            return Ok(0);
        }
        let calendar = &self.calendar;
        let written = without_fsync(&mut self.conn, |conn| project_listed(conn, calendar))?;
        self.search_written = true;
        Ok(written)
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
        let (clause, value) = words_clause(text, 1);
        self.query_cases(
            &format!("SELECT state FROM cases WHERE {clause} ORDER BY filed_at DESC, seq DESC"),
            [value],
        )
    }

    /// The cases linked to `primary` as the same matter (its other reporters).
    pub fn linked_to(&self, primary: Uuid) -> Result<Vec<Case>> {
        self.query_cases(
            "SELECT state FROM cases WHERE json_extract(state, '$.duplicate_of') = ?1 ORDER BY filed_at, seq",
            [primary.to_string()],
        )
    }

    /// Up to `limit` of the cases `query` selects, newest first, starting after `after`;
    /// each with the mark a following page starts after. Every filter is an indexed
    /// column, so a page costs about the same at 100 cases or 100k.
    pub fn list_cases(
        &self,
        query: &CaseQuery,
        after: Option<&PageMark>,
        limit: usize,
    ) -> Result<Vec<(Case, PageMark)>> {
        let mut args: Vec<String> = Vec::new();
        // Words the trigram index can match are read from it newest stored first (its
        // rowid is the case's seq), so a common word stops at the page's last row
        // instead of gathering every match; such a list runs in stored order.
        // Two letters or digits read the index of pairs the same way.
        let words = query.words.as_deref().map(str::trim);
        let indexed = words.and_then(|w| {
            fts_phrase(w).map(|p| ("case_search", p)).or_else(|| pair_phrase(w).map(|p| ("case_pairs", p)))
        });
        let by_seq = indexed.is_some();
        let mut sql = match (indexed, query.words.as_deref()) {
            (Some((index, phrase)), _) => {
                args.push(phrase);
                format!(
                    "SELECT c.state, c.filed_at, c.seq FROM {index} s JOIN cases c ON c.seq = s.rowid
                     WHERE {index} MATCH ?1"
                )
            }
            (None, Some(words)) => {
                let (clause, value) = words_clause(words, 1);
                args.push(value);
                format!("SELECT state, filed_at, seq FROM cases WHERE {clause}")
            }
            (None, None) => String::from("SELECT state, filed_at, seq FROM cases WHERE 1 = 1"),
        };
        let mut arg = |sql: &mut String, clause: &str, value: String| {
            args.push(value);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if query.statuses == crate::domain::case::Status::open() {
            // Its own partial indexes: closed_at is set exactly while a case is closed.
            sql.push_str(" AND closed_at = ''");
        } else if !query.statuses.is_empty() {
            let marks: Vec<String> = query.statuses.iter().map(|s| format!("'{}'", s.code())).collect();
            sql.push_str(&format!(" AND status IN ({})", marks.join(", ")));
        }
        if let Some(kind) = query.kind {
            arg(&mut sql, " AND kind = ?", kind.code().into());
        }
        if let Some(department) = query.department {
            arg(&mut sql, " AND department = ?", department.code().into());
        }
        if let Some(assignee) = &query.assignee {
            arg(&mut sql, " AND assignee = ?", assignee.clone());
        }
        if !query.owners.is_empty() {
            sql.push_str(" AND owner IN (");
            for (i, owner) in query.owners.iter().enumerate() {
                arg(&mut sql, if i == 0 { "?" } else { ", ?" }, owner.clone());
            }
            sql.push(')');
        }
        if let Some(estate) = &query.estate {
            arg(&mut sql, " AND estate = ?", estate.clone());
        }
        if let Some(by) = query.callback_by {
            arg(&mut sql, " AND callback_opens != '' AND callback_opens <= ?", ts(by));
        }
        if let Some(now) = query.overdue_at {
            arg(&mut sql, " AND overdue_from != '' AND overdue_from < ?", ts(now));
        }
        if let Some(now) = query.escalated_at {
            arg(&mut sql, " AND escalated_from != '' AND escalated_from < ?", ts(now));
        }
        match after {
            Some(mark) if by_seq => arg(&mut sql, " AND seq < ?", mark.seq.to_string()),
            Some(mark) => {
                arg(&mut sql, " AND (filed_at < ?", mark.filed_at.clone());
                arg(&mut sql, " OR (filed_at = ?", mark.filed_at.clone());
                arg(&mut sql, " AND seq < ?))", mark.seq.to_string());
            }
            None => {}
        }
        let limit = limit.clamp(1, i64::MAX as usize);
        let order = if by_seq { "s.rowid DESC" } else { "filed_at DESC, seq DESC" };
        sql.push_str(&format!(" ORDER BY {order} LIMIT {limit}"));
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
        })?;
        let mut cases = Vec::new();
        for row in rows {
            let (json, filed_at, seq) = row?;
            cases.push((serde_json::from_str(&json)?, PageMark { filed_at, seq }));
        }
        Ok(cases)
    }

    /// Earlier cases at the same place as `case_id`: what a clerk may link it to as the
    /// same matter (001 11.1.12), newest first.
    pub fn earlier_at_same_place(&self, case_id: Uuid, limit: usize) -> Result<Vec<Case>> {
        self.query_cases(
            "SELECT c.state FROM cases c JOIN cases this ON this.id = ?1
             WHERE c.place = this.place AND c.id != this.id
               AND (c.filed_at < this.filed_at OR (c.filed_at = this.filed_at AND c.seq < this.seq))
             ORDER BY c.filed_at DESC, c.seq DESC LIMIT ?2",
            params![case_id.to_string(), limit as i64],
        )
    }

    fn query_cases<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<Vec<Case>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params, |r| r.get::<_, String>(0))?;
        rows.map(|json| Ok(serde_json::from_str(&json?)?)).collect()
    }

    /// Times clocks with `cal` from now on, in this process and in every later one that
    /// opens this store without a calendar of its own (HQ's sync server): the calendar is
    /// kept in meta. When it is not the one the stored `overdue_from` columns were worked
    /// out with (a holiday added to the config), they are worked out again for every open
    /// case.
    pub fn use_calendar(&mut self, cal: &WorkCalendar) -> Result<()> {
        let kept = serde_json::to_string(cal)?;
        self.calendar = cal.clone();
        if meta_get(&self.conn, "calendar")?.as_deref() == Some(kept.as_str()) {
            return Ok(());
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let open: Vec<(String, String)> = tx
            .prepare("SELECT id, state FROM cases WHERE status != 'closed'")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (id, state) in open {
            let case: Case = serde_json::from_str(&state)?;
            let from = crate::domain::clocks::overdue_from(&case, cal).map(ts).unwrap_or_default();
            tx.execute("UPDATE cases SET overdue_from = ?2 WHERE id = ?1", params![id, from])?;
        }
        meta_set(&tx, "calendar", &kept)?;
        tx.commit()?;
        Ok(())
    }

    /// Every case the daily report for the day `[start, end)` can mention, and the cases
    /// those refer to (a duplicate's matter, a complainant's earlier complaints): open
    /// then or since, resolved since, owed a callback, or with a callback to review. The
    /// report over these is the report over every case (a test keeps it so), read
    /// through indexes instead of folding the whole history.
    /// `estate` keeps one estate's cases only (HQ holds every estate's).
    pub fn daily_report_cases(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        estate: Option<&str>,
    ) -> Result<Vec<Case>> {
        // One indexed range per reason, each its own query, united here: an OR across
        // columns reads the whole table, and so does the merge plan SQLite picks for a
        // UNION of them.
        let (start, end) = (ts(start), ts(end));
        let reasons: [(&str, Vec<&str>); 5] = [
            ("SELECT seq FROM cases WHERE closed_at = '' AND filed_at < ?1", vec![&end]),
            ("SELECT seq FROM cases WHERE closed_at >= ?1 AND filed_at < ?2", vec![&start, &end]),
            ("SELECT seq FROM cases WHERE resolved_at != '' AND resolved_at >= ?1", vec![&start]),
            ("SELECT seq FROM cases WHERE callback_opens != ''", vec![]),
            ("SELECT seq FROM cases WHERE unreviewed > 0", vec![]),
        ];
        let mut seqs = std::collections::BTreeSet::new();
        for (sql, mut args) in reasons {
            let sql = match estate {
                Some(estate) => {
                    args.push(estate);
                    format!("{sql} AND estate = ?{}", args.len())
                }
                None => sql.to_string(),
            };
            let mut stmt = self.conn.prepare_cached(&sql)?;
            for seq in stmt.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, i64>(0))? {
                seqs.insert(seq?);
            }
        }
        let mut cases = Vec::with_capacity(seqs.len());
        for seq in seqs {
            cases.extend(self.query_cases("SELECT state FROM cases WHERE seq = ?1", [seq])?);
        }
        let mut held: std::collections::HashSet<Uuid> = cases.iter().map(|c| c.id).collect();
        let mut more = Vec::new();
        let matters: std::collections::BTreeSet<Uuid> = cases.iter().filter_map(|c| c.duplicate_of).collect();
        for id in matters.into_iter().filter(|id| !held.contains(id)) {
            more.extend(self.query_cases("SELECT state FROM cases WHERE id = ?1", [id.to_string()])?);
        }
        // The same resident's complaints in the window before each open complaint.
        for (phone, since) in complainants_look_back(&cases) {
            let ids: Vec<String> = self
                .conn
                .prepare_cached(
                    "SELECT id FROM cases WHERE phone != '' AND phone = ?1 AND filed_at >= ?2 AND filed_at < ?3
                       AND kind = 'complaint'",
                )?
                .query_map(params![phone, ts(since), end], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            // Most are the open complaints already read: only the others are parsed.
            for id in ids.into_iter().filter(|id| Uuid::parse_str(id).is_ok_and(|id| !held.contains(&id))) {
                more.extend(self.query_cases("SELECT state FROM cases WHERE id = ?1", [id])?);
            }
        }
        for case in more {
            if held.insert(case.id) {
                cases.push(case);
            }
        }
        Ok(cases)
    }

    /// Every case the monthly report for `[from, to)` can count, and the cases those refer
    /// to: active in the month (filed before its end and touched since its start); from
    /// the repeat window before it, the complaints of the month's complainants' phones and
    /// the repairs at the month's repaired places (what repeat flags look back at); and
    /// every other report of the same matters. The report over these is the report over
    /// every case (a test keeps it so). `estate` keeps one estate's only.
    pub fn monthly_report_cases(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        estate: Option<&str>,
    ) -> Result<Vec<Case>> {
        let window_start = ts(from - crate::domain::report::REPEAT_WINDOW);
        let (from, to) = (ts(from), ts(to));
        let mine = |t: &str| if estate.is_some() { format!(" AND {t}estate = ?4") } else { String::new() };
        let (here, there) = (mine(""), mine("c."));
        // Links point to earlier cases and are rare: walk up to each matter's first report,
        // then down to all of its reports, through the index on `duplicate_of`.
        let sql = format!(
            "WITH RECURSIVE
               month(kind, phone, place, category) AS (
                 SELECT kind, phone, place, category FROM cases WHERE filed_at >= ?2 AND filed_at < ?3{here}),
               seed(id) AS (
                 SELECT id FROM cases WHERE updated_at >= ?2 AND filed_at < ?3{here}
                 UNION SELECT c.id FROM cases c
                   JOIN (SELECT DISTINCT phone FROM month WHERE kind = 'complaint' AND phone != '') m
                     ON c.phone = m.phone
                  WHERE c.phone != '' AND c.kind = 'complaint' AND c.filed_at >= ?1 AND c.filed_at < ?2{there}
                 UNION SELECT c.id FROM cases c
                   JOIN (SELECT DISTINCT place, category FROM month WHERE kind = 'repair') m
                     ON c.place = m.place AND c.category = m.category
                  WHERE c.kind = 'repair' AND c.filed_at >= ?1 AND c.filed_at < ?2{there}),
               up(id) AS (
                 SELECT id FROM seed
                 UNION SELECT json_extract(c.state, '$.duplicate_of') FROM cases c JOIN up ON c.id = up.id
                   WHERE json_extract(c.state, '$.duplicate_of') IS NOT NULL),
               matter(id) AS (
                 SELECT id FROM up
                 UNION SELECT c.id FROM cases c JOIN matter m ON json_extract(c.state, '$.duplicate_of') = m.id
                   WHERE json_extract(c.state, '$.duplicate_of') IS NOT NULL)
             SELECT state FROM cases WHERE id IN (SELECT id FROM matter)"
        );
        match estate {
            Some(estate) => self.query_cases(&sql, params![window_start, from, to, estate]),
            None => self.query_cases(&sql, params![window_start, from, to]),
        }
    }

    /// Folds every case again from its events and writes its projection and read-model
    /// columns anew (`lobbydesk rebuild`): after a fix to how a column is worked out, or
    /// to check the columns. Returns how many cases there are and how many had differed.
    pub fn rebuild_read_model(&mut self) -> Result<(usize, usize)> {
        const ROW: &str =
            "SELECT id, state || '|' || status || '|' || kind || '|' || category || '|' || place
            || '|' || text || '|' || contact || '|' || filed_at || '|' || updated_at || '|' || estate
            || '|' || department || '|' || assignee || '|' || owner || '|' || callback_opens
            || '|' || resolved_at || '|' || closed_at || '|' || overdue_from || '|' || phone
            || '|' || unreviewed || '|' || escalated_from FROM cases";
        let snapshot = |conn: &Connection| -> Result<std::collections::HashMap<String, String>> {
            Ok(conn.prepare(ROW)?.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?)
        };
        let before = snapshot(&self.conn)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for id in case_ids_with_events(&tx)? {
            match refresh_projection(&tx, &self.calendar, id) {
                // Events of a case whose filing never arrived: nothing to show yet.
                Ok(_) | Err(StoreError::Fold(_)) => {}
                Err(other) => return Err(other),
            }
        }
        tx.commit()?;
        let after = snapshot(&self.conn)?;
        let differed = after.iter().filter(|(id, row)| before.get(*id) != Some(row)).count();
        Ok((after.len(), differed))
    }

    /// The calendar `use_calendar` last kept here (the default before any).
    pub(super) fn load_calendar(&mut self) -> Result<()> {
        if let Some(kept) = meta_get(&self.conn, "calendar")? {
            self.calendar = serde_json::from_str(&kept)
                .map_err(|e| StoreError::BadRecord(format!("the calendar kept in meta: {e}")))?;
        }
        Ok(())
    }

    /// Rebuilds every case's projection from its events when the projection format changed.
    pub(super) fn refresh_stale_projections(&mut self) -> Result<()> {
        if meta_get(&self.conn, "projection_version")?.as_deref() == Some(PROJECTION_VERSION) {
            return Ok(());
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for id in case_ids_with_events(&tx)? {
            refresh_projection(&tx, &self.calendar, id)?;
        }
        meta_set(&tx, "projection_version", PROJECTION_VERSION)?;
        tx.commit()?;
        Ok(())
    }
}

/// Where the daily report looks for the same resident's earlier complaints: for each
/// phone of an open complaint among `cases`, the repeat window before its earliest one.
pub(crate) fn complainants_look_back(cases: &[Case]) -> std::collections::BTreeMap<String, DateTime<Utc>> {
    let mut since = std::collections::BTreeMap::new();
    for c in cases.iter().filter(|c| c.kind() == crate::domain::intake::Kind::Complaint && c.status.is_open())
    {
        if let Some(contact) = &c.intake.contact {
            let at = since.entry(contact.phone.as_str().to_string()).or_insert(c.filed_at);
            *at = (*at).min(c.filed_at);
        }
    }
    since.values_mut().for_each(|t| *t -= crate::domain::report::REPEAT_WINDOW);
    since
}

/// Every case id some stored event names (an unreadable id is skipped: no case shows it).
fn case_ids_with_events(conn: &Connection) -> Result<Vec<Uuid>> {
    let ids: Vec<String> = conn
        .prepare("SELECT DISTINCT case_id FROM events")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids.iter().filter_map(|id| Uuid::parse_str(id).ok()).collect())
}

/// The condition "the case's ticket, place, description or contact contain `text`", with
/// its one parameter as `?n`. Three characters or more go through the trigram index,
/// two letters or digits (漏水, most Chinese words) through the index of pairs; only a
/// single character, or two with a sign among them, reads every case through LIKE.
pub(super) fn words_clause(text: &str, n: usize) -> (String, String) {
    let text = text.trim();
    if let Some(phrase) = fts_phrase(text) {
        (format!("seq IN (SELECT rowid FROM case_search WHERE case_search MATCH ?{n})"), phrase)
    } else if let Some(pair) = pair_phrase(text) {
        (format!("seq IN (SELECT rowid FROM case_pairs WHERE case_pairs MATCH ?{n})"), pair)
    } else {
        let pattern = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let like = |column: &str| format!("{column} LIKE ?{n} ESCAPE '\\'");
        (
            format!("({} OR {} OR {} OR {})", like("ticket"), like("place"), like("text"), like("contact")),
            pattern,
        )
    }
}

/// Every two neighbouring letters or digits in `texts` (never across two texts), each
/// once, space-separated: the tokens of `case_pairs` (schema 14).
pub(super) fn pairs_of<'a>(texts: impl Iterator<Item = &'a str>) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    for text in texts {
        // Case is folded by the tokenizer, on both sides.
        let chars: Vec<char> = text.chars().collect();
        for pair in chars.windows(2) {
            if pair.iter().all(|c| c.is_alphanumeric()) && seen.insert((pair[0], pair[1])) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.extend(pair);
            }
        }
    }
    out
}

/// `text` as a token of `case_pairs`, when it is two letters or digits.
fn pair_phrase(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    (chars.len() == 2 && chars.iter().all(|c| c.is_alphanumeric())).then(|| format!("\"{text}\""))
}

/// `text` as one FTS5 phrase (never parsed as FTS syntax), when it is long enough for the
/// trigram index.
fn fts_phrase(text: &str) -> Option<String> {
    let text = text.trim();
    (text.chars().count() >= 3).then(|| format!("\"{}\"", text.replace('"', "\"\"")))
}

pub(super) fn meta_get(conn: &rusqlite::Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(super) fn meta_set(conn: &rusqlite::Connection, key: &str, value: &str) -> Result<()> {
    execute_cached(
        conn,
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

/// How many event indexes one write of the event watermark reserves: the file is
/// written (and fsynced) once per block, not once per event.
const EVENT_INDEX_BLOCK: u64 = 1000;

/// The next index of this origin's series. It comes from a counter that only grows
/// (`origin_seq` in meta, never derived from the events still stored, which a purge
/// removes) and from the reservations beside the database, which a restored or emptied
/// database cannot lower: an index once handed out is never handed out again.
pub(super) fn next_origin_seq(
    conn: &Connection,
    reservations: &Reservations,
    origin: &Origin,
) -> Result<i64> {
    let counted = meta_counter(conn, "origin_seq")?;
    // CAST: compared bare, the bound origin makes SQLite compile the statement again at
    // every use (measured: 5 µs instead of 1 µs, on every filing).
    let stored: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(origin_seq), 0) FROM events WHERE origin = CAST(?1 AS TEXT)")?
        .query_row([&origin.0], |r| r.get(0))?;
    let used = counted.max(stored.max(0) as u64);
    let next = reservations.next(used, EVENT_INDEX_BLOCK).map_err(watermark_error(reservations))?;
    meta_set(conn, "origin_seq", &next.to_string())?;
    i64::try_from(next).map_err(|_| StoreError::BadRecord("event index out of range".into()))
}

/// `execute` through the connection's statement cache: the statements every filing and
/// every received event run are parsed once per connection, and the upsert into `cases`
/// with them its search indexes' triggers, instead of once per use.
pub(super) fn execute_cached<P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// A counter kept in meta (`ticket_seq`, `origin_seq`); 0 when not yet set.
pub(super) fn meta_counter(conn: &Connection, key: &str) -> Result<u64> {
    Ok(meta_get(conn, key)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Raises a counter in meta to at least `value`; it never goes down.
pub(super) fn raise_counter(conn: &Connection, key: &str, value: u64) -> Result<()> {
    if value > meta_counter(conn, key)? {
        meta_set(conn, key, &value.to_string())?;
    }
    Ok(())
}

/// The highest ticket sequence issued here: the database's counter or the watermark
/// beside it, whichever is higher (a restored database cannot bring a number back).
fn ticket_floor(conn: &Connection, tickets: &Reservations) -> Result<u64> {
    let marked = tickets.reserved().map_err(watermark_error(tickets))?;
    Ok(meta_counter(conn, "ticket_seq")?.max(marked))
}

/// Keeps the highest ticket sequence per kiosk code (HQ's status answer reads it).
pub(super) fn note_ticket(conn: &Connection, body: &EventBody) -> Result<()> {
    if let EventBody::Filed { intake } = body
        && let Ok(ticket) = TicketNumber::parse(&intake.ticket)
    {
        execute_cached(
            conn,
            "INSERT INTO ticket_high (code, sequence) VALUES (?1, ?2)
             ON CONFLICT (code) DO UPDATE SET sequence = MAX(sequence, excluded.sequence)",
            params![ticket.kiosk.as_str(), ticket.sequence as i64],
        )?;
    }
    Ok(())
}

/// The estate an event belongs to, for the arrival index: a filing names it, any other
/// event takes its case's.
pub(super) fn estate_for(conn: &Connection, event: &Event) -> Result<String> {
    if let EventBody::Filed { intake } = &event.body {
        return Ok(intake.estate.clone());
    }
    Ok(case_estate(conn, event.case_id)?.unwrap_or_default())
}

/// The estate of a case, if this store has it.
pub(super) fn case_estate(conn: &Connection, case_id: Uuid) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT estate FROM cases WHERE id = ?1")?
        .query_row([case_id.to_string()], |r| r.get(0))
        .optional()
}

/// Stores an event with its index and records its arrival. Fails on a taken index.
pub(super) fn insert_event(conn: &Connection, stored: &StoredEvent) -> rusqlite::Result<()> {
    let e = &stored.event;
    execute_cached(
        conn,
        "INSERT INTO events (id, case_id, origin, origin_seq, stamp_millis, stamp_counter, at, actor, type, body)
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
            serde_json::to_string(&e.body).map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?,
        ],
    )?;
    Ok(())
}

pub(super) fn record_arrival(conn: &Connection, event: &Event) -> Result<()> {
    let estate = estate_for(conn, event)?;
    execute_cached(
        conn,
        "INSERT INTO received (event_id, estate) VALUES (?1, ?2)",
        params![event.id.to_string(), estate],
    )?;
    note_ticket(conn, &event.body)?;
    Ok(())
}

/// Writes a new event of this origin: next per-origin index, next HLC stamp, outbox entry.
fn append_local(
    conn: &Connection,
    reservations: &Reservations,
    origin: &Origin,
    case_id: Uuid,
    body: EventBody,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Event> {
    let last: Hlc = meta_get_json(conn, "hlc")?;
    let stamp = Hlc::tick(last, now.timestamp_millis());
    meta_set_json(conn, "hlc", &stamp)?;
    let origin_seq = next_origin_seq(conn, reservations, origin)?;
    let event = Event {
        id: Uuid::now_v7(),
        case_id,
        origin: origin.clone(),
        stamp,
        at: now,
        actor: actor.to_string(),
        body,
    };
    insert_event(conn, &StoredEvent { origin_seq, event: event.clone() })?;
    record_arrival(conn, &event)?;
    // HQ's own events reach kiosks when they pull; only kiosks push.
    if origin != &Origin::hq() {
        execute_cached(
            conn,
            "INSERT INTO outbox (event_id, queued_at, seq) VALUES (?1, ?2, ?3)",
            params![event.id.to_string(), ts(now), origin_seq],
        )?;
    }
    Ok(event)
}

/// The columns `event_from_row` reads, for queries over `events e`.
pub(super) const EVENT_COLUMNS: &str =
    "e.id, e.case_id, e.origin, e.origin_seq, e.stamp_millis, e.stamp_counter, e.at, e.actor, e.body";

type RawEvent = (String, String, String, i64, i64, u32, String, String, String);

fn raw_event(r: &rusqlite::Row) -> rusqlite::Result<RawEvent> {
    raw_event_at(r, 0)
}

/// The `EVENT_COLUMNS` of a row, starting at column `at`.
pub(super) fn raw_event_at(r: &rusqlite::Row, at: usize) -> rusqlite::Result<RawEvent> {
    Ok((
        r.get(at)?,
        r.get(at + 1)?,
        r.get(at + 2)?,
        r.get(at + 3)?,
        r.get(at + 4)?,
        r.get(at + 5)?,
        r.get(at + 6)?,
        r.get(at + 7)?,
        r.get(at + 8)?,
    ))
}

pub(super) fn parse_event(raw: RawEvent) -> Result<StoredEvent> {
    let (id, case_id, origin, origin_seq, millis, counter, at, actor, body) = raw;
    let bad = |what: &str| StoreError::BadRecord(format!("event {id} has a bad {what}"));
    Ok(StoredEvent {
        origin_seq,
        event: Event {
            id: Uuid::parse_str(&id).map_err(|_| bad("id"))?,
            case_id: Uuid::parse_str(&case_id).map_err(|_| bad("case id"))?,
            origin: Origin(origin),
            stamp: Hlc { millis, counter },
            at: DateTime::parse_from_rfc3339(&at).map_err(|_| bad("time"))?.with_timezone(&Utc),
            actor,
            body: serde_json::from_str(&body)?,
        },
    })
}

/// Runs a query whose first columns are `EVENT_COLUMNS` and reads the events.
pub(super) fn query_events<P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
) -> Result<Vec<StoredEvent>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, raw_event)?;
    rows.map(|row| parse_event(row?)).collect()
}

pub(super) fn events_of(conn: &Connection, case_id: Uuid) -> Result<Vec<StoredEvent>> {
    query_events(
        conn,
        &format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.case_id = ?1"),
        [case_id.to_string()],
    )
}

/// The columns beside a case's folded state that lists filter and search by, as every
/// store keeps them.
pub(crate) struct CaseColumns {
    pub contact: String,
    pub department: &'static str,
    pub assignee: String,
    /// When the next callback may be made; none when none is owed.
    pub callback_opens: Option<DateTime<Utc>>,
    /// The resident's phone; empty for anonymous cases.
    pub phone: String,
    /// Callback records no supervisor has reviewed yet.
    pub unreviewed: usize,
}

impl CaseColumns {
    pub fn of(case: &Case) -> CaseColumns {
        let contact = case
            .intake
            .contact
            .as_ref()
            .map(|c| format!("{} {}", c.name.as_deref().unwrap_or(""), c.phone.as_str()))
            .unwrap_or_default();
        CaseColumns {
            contact: contact.trim().to_string(),
            department: case.department.map(|d| d.code()).unwrap_or(""),
            assignee: case.assignee.clone().unwrap_or_default(),
            callback_opens: crate::domain::callback::next_callback(case).map(|c| c.opens),
            phone: case.intake.contact.as_ref().map(|c| c.phone.as_str().to_string()).unwrap_or_default(),
            unreviewed: case.unreviewed_callbacks().count(),
        }
    }
}

/// `project_pending`'s transaction. Each case's row is made from the events as they are
/// now (another connection may have added one since the listing commit).
fn project_listed(conn: &mut Connection, calendar: &WorkCalendar) -> Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Listed again under the write lock: another connection may have written some.
    let ids: Vec<String> = tx
        .prepare_cached("SELECT case_id FROM unprojected")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in &ids {
        // A case purged meanwhile, or an id no event names (a hand-edited file), has no
        // row to write.
        if let Ok(case_id) = Uuid::parse_str(id) {
            let events = events_of(&tx, case_id)?;
            if !events.is_empty() {
                let case = Case::fold(events.iter().map(|e| &e.event))?;
                write_projection(&tx, calendar, case_id, &case)?;
            }
        }
        execute_cached(&tx, "DELETE FROM unprojected WHERE case_id = ?1", [id])?;
    }
    tx.commit()?;
    Ok(ids.len())
}

/// Commits made by `write` wait for no fsync (`synchronous = NORMAL`): for pages that
/// can be made again from what was committed and synced before. FULL again afterwards,
/// whatever `write` returned.
fn without_fsync<T>(conn: &mut Connection, write: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
    execute_cached(conn, "PRAGMA synchronous = NORMAL", [])?;
    let done = write(conn);
    execute_cached(conn, "PRAGMA synchronous = FULL", [])?;
    done
}

/// Maps a failed read or write of a reservation file to the error naming that file.
fn watermark_error(reservations: &Reservations) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    |source| StoreError::Watermark { path: reservations.path().to_path_buf(), source }
}

/// The case as its stored events make it.
fn fold_case(conn: &Connection, case_id: Uuid) -> Result<Case> {
    Ok(Case::fold(events_of(conn, case_id)?.iter().map(|e| &e.event))?)
}

/// Lists a case whose row is to be written after its event commits (`project_pending`).
fn mark_unprojected(conn: &Connection, case_id: Uuid) -> Result<()> {
    execute_cached(conn, "INSERT OR IGNORE INTO unprojected (case_id) VALUES (?1)", [case_id.to_string()])?;
    Ok(())
}

/// Folds the case's events and stores the result (with the searchable columns); `cal`
/// times its clocks for the `overdue_from` column.
pub(super) fn refresh_projection(tx: &Connection, cal: &WorkCalendar, case_id: Uuid) -> Result<Case> {
    let case = fold_case(tx, case_id)?;
    write_projection(tx, cal, case_id, &case)?;
    Ok(case)
}

/// Writes `case` as the row of `case_id` (its search indexes follow by trigger).
fn write_projection(tx: &Connection, cal: &WorkCalendar, case_id: Uuid, case: &Case) -> Result<()> {
    let columns = CaseColumns::of(case);
    let at = |t: Option<DateTime<Utc>>| t.map(ts).unwrap_or_default();
    execute_cached(
        tx,
        "INSERT INTO cases (id, ticket, kind, category, status, place, text, contact, filed_at, updated_at, state,
                            estate, department, assignee, owner, callback_opens,
                            resolved_at, closed_at, overdue_from, phone, unreviewed, escalated_from)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
         ON CONFLICT (id) DO UPDATE SET
            status = excluded.status, place = excluded.place, text = excluded.text,
            contact = excluded.contact, updated_at = excluded.updated_at, state = excluded.state,
            department = excluded.department, assignee = excluded.assignee, owner = excluded.owner,
            callback_opens = excluded.callback_opens, resolved_at = excluded.resolved_at,
            closed_at = excluded.closed_at, overdue_from = excluded.overdue_from, phone = excluded.phone,
            unreviewed = excluded.unreviewed, escalated_from = excluded.escalated_from",
        params![
            case_id.to_string(),
            case.ticket(),
            case.kind().code(),
            case.intake.category,
            case.status.code(),
            case.intake.place.to_string(),
            case.intake.text,
            columns.contact,
            ts(case.filed_at),
            ts(case.updated_at),
            serde_json::to_string(case)?,
            case.intake.estate,
            columns.department,
            columns.assignee,
            case.owner,
            at(columns.callback_opens),
            at(case.resolved_at),
            at(case.closed_at),
            at(crate::domain::clocks::overdue_from(case, cal)),
            columns.phone,
            columns.unreviewed as i64,
            at(crate::domain::clocks::escalated_from(case, cal)),
        ],
    )?;
    Ok(())
}
