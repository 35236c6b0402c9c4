//! HQ on PostgreSQL: any number of HQ nodes on one database. Nothing here relies on being
//! the only process: duplicates are stopped by unique constraints, a batch is one
//! transaction, and the writers of one estate queue on that estate's advisory lock so its
//! arrival numbers become visible in order. A batch is checked and written with a handful
//! of set-based statements, not a round trip per event.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use std::collections::{HashMap, HashSet};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Statement};
use uuid::Uuid;

use super::{Arrivals, HqDatabase, redact};
use crate::domain::calendar::WorkCalendar;
use crate::domain::case::Case;
use crate::domain::event::{Event, EventBody, Origin};
use crate::domain::hlc::Hlc;
use crate::domain::intake::Intake;
use crate::domain::ticket::{KioskCode, TicketNumber};
use crate::hq::HQ_TICKETS;
use crate::hq::accounts::{Account, AuditEntry, FleetRow};
use crate::store::{
    CaseColumns, CaseQuery, KioskRecord, NoticeOutcome, NoticeRow, PageMark, Photo, QueuedNotice,
    RefusalCode, Refused, Result, StoreError, StoredEvent, kiosk_may_write,
};

/// Schema migrations, applied in order; only ever add one.
const MIGRATIONS: &[&str] = &[
    include_str!("postgres_migrations/0001_hq.sql"),
    include_str!("postgres_migrations/0002_read_model.sql"),
    include_str!("postgres_migrations/0003_accounts.sql"),
    include_str!("postgres_migrations/0004_kiosk_health.sql"),
    include_str!("postgres_migrations/0005_escalation.sql"),
    include_str!("postgres_migrations/0006_resident_pages.sql"),
];

/// The format of the `cases` rows; when it changes, every row is folded again at start.
const PROJECTION_VERSION: &str = "2";

/// Cases folded per transaction when every row is rewritten.
const REBUILD_BATCH: i64 = 2_000;

/// Advisory lock namespaces (the first key of the two-key form).
const LOCK_MIGRATE: i32 = 0x4c44_0001;
const LOCK_ESTATE: i32 = 0x4c44_0002;
/// Writers of case rows hold it shared while they time clocks with the calendar they read;
/// a new calendar takes it alone, so no row is written under the old one after it.
const LOCK_CALENDAR: i32 = 0x4c44_0003;

/// Connections per node: enough for the pushes and pulls of hundreds of kiosks, which
/// each hold one for a few milliseconds.
const POOL_SIZE: usize = 16;

const EVENT_COLUMNS: &str =
    "e.id, e.case_id, e.origin, e.origin_seq, e.stamp_millis, e.stamp_counter, e.at, e.actor, e.body";

pub struct PostgresHq {
    url: String,
    pool: Pool,
    /// Where pulls read: a replica when one is configured. Everything a kiosk's numbering
    /// depends on (status) reads the primary.
    reads: Pool,
}

fn new_pool(url: &str) -> Result<Pool> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| StoreError::Postgres(format!("the URL {} is not valid: {e}", redact(url))))?;
    let manager =
        Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(POOL_SIZE)
        .build()
        .map_err(|e| StoreError::Postgres(format!("cannot set up connections to {}: {e}", redact(url))))
}

impl PostgresHq {
    /// Connects and brings the schema up to date (several nodes starting at once take
    /// turns: the migration holds an advisory lock).
    pub async fn connect(url: &str, read_url: Option<&str>) -> Result<PostgresHq> {
        let pool = new_pool(url)?;
        let reads = match read_url {
            Some(read) => new_pool(read)?,
            None => pool.clone(),
        };
        let mut client = pool.get().await.map_err(|e| {
            StoreError::Postgres(format!("cannot connect to {}: {}", redact(url), StoreError::from(e)))
        })?;
        migrate(&mut client).await?;
        Ok(PostgresHq { url: url.to_string(), pool, reads })
    }

    /// One attempt at storing a batch; see `receive_from_kiosk`.
    async fn receive_once(
        &self,
        kiosk: &KioskRecord,
        events: &[StoredEvent],
        now: DateTime<Utc>,
    ) -> Result<Vec<Refused>> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let refused = receive_in(&tx, kiosk, events, now).await?;
        tx.commit().await?;
        Ok(refused)
    }
}

/// A connection made ready for the sync path: every statement of status, push and pull
/// prepared and planned once (which also loads the tables' and indexes' descriptions into
/// the server process), in a transaction that is rolled back.
async fn warm_up(client: &mut deadpool_postgres::Object) -> Result<()> {
    let tx = client.transaction().await?;
    let nobody = KioskRecord { code: String::new(), estate: String::new(), revoked: false };
    receive_in(&tx, &nobody, &[], Utc::now()).await?;
    insert_events(&tx, std::iter::empty()).await?;
    refresh_cases(&tx, &[]).await?;
    tx.query_opt(&tx.prepare_cached(KIOSK_BY_TOKEN).await?, &[&""]).await?;
    tx.query_one(&tx.prepare_cached(HIGH_WATER).await?, &[&""]).await?;
    tx.query_opt(&tx.prepare_cached(MAX_TICKET).await?, &[&""]).await?;
    tx.query(&tx.prepare_cached(&ESTATE_ARRIVALS).await?, &[&"", &0i64, &1i64]).await?;
    tx.rollback().await?;
    Ok(())
}

const KIOSK_BY_TOKEN: &str = "SELECT code, estate, revoked_at IS NOT NULL FROM kiosks WHERE token_hash = $1";
const HIGH_WATER: &str = "SELECT COALESCE(MAX(origin_seq), 0)::int8 FROM events WHERE origin = $1";
const MAX_TICKET: &str = "SELECT sequence FROM ticket_high WHERE code = $1";
static CASES_EVENTS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.case_id = ANY($1)"));
static ESTATE_ARRIVALS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT r.seq, {EVENT_COLUMNS} FROM received r JOIN events e ON e.id = r.event_id
         WHERE r.estate = $1 AND r.seq > $2 ORDER BY r.seq LIMIT $3"
    )
});

/// Writes one of HQ's own events: the next HQ index and stamp (above every one given
/// before, kept in hq_origin so a purge cannot bring one back, and above what migrated HQ
/// events used), and its arrival for the estate's kiosks to pull.
async fn write_hq_event(
    tx: &deadpool_postgres::Transaction<'_>,
    case_id: Uuid,
    estate: &str,
    body: EventBody,
    actor: &str,
    now: DateTime<Utc>,
    newest_of_case: Option<Hlc>,
) -> Result<StoredEvent> {
    let origin =
        tx.query_one("SELECT origin_seq, stamp_millis, stamp_counter FROM hq_origin FOR UPDATE", &[]).await?;
    let used: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(origin_seq), 0)::int8 FROM events WHERE origin = $1",
            &[&Origin::hq().0],
        )
        .await?
        .get(0);
    let origin_seq = origin.get::<_, i64>(0).max(used) + 1;
    let last =
        Hlc { millis: origin.get(1), counter: u32::try_from(origin.get::<_, i64>(2)).unwrap_or(u32::MAX) };
    let stamp = Hlc::tick(newest_of_case.unwrap_or(last).max(last), now.timestamp_millis());
    tx.execute(
        "UPDATE hq_origin SET origin_seq = $1, stamp_millis = $2, stamp_counter = $3",
        &[&origin_seq, &stamp.millis, &i64::from(stamp.counter)],
    )
    .await?;
    let event = StoredEvent {
        origin_seq,
        event: Event {
            id: Uuid::now_v7(),
            case_id,
            origin: Origin::hq(),
            stamp,
            at: now,
            actor: actor.to_string(),
            body,
        },
    };
    insert_events(tx, std::iter::once(&event)).await?;
    tx.execute("INSERT INTO received (event_id, estate) VALUES ($1, $2)", &[&event.event.id, &estate])
        .await?;
    Ok(event)
}

/// An account from a row of name, role, estates and whether it is disabled.
fn account_from_row(row: &tokio_postgres::Row) -> Result<Account> {
    Ok(Account {
        name: row.get(0),
        role: row
            .get::<_, &str>(1)
            .parse()
            .map_err(|e| StoreError::BadRecord(format!("hq_accounts.role: {e}")))?,
        estates: serde_json::from_value(row.get(2))?,
        disabled: row.get(3),
    })
}

/// Prepares statements once per connection, before any is sent, so that statements sent
/// together go out in the order they are polled.
async fn prepare_all<const N: usize>(client: &impl GenericClient, sqls: [&str; N]) -> Result<[Statement; N]> {
    let mut prepared = Vec::with_capacity(N);
    for sql in sqls {
        prepared.push(client.prepare_cached(sql).await?);
    }
    Ok(prepared.try_into().unwrap_or_else(|_| unreachable!("one statement per query")))
}

/// Checks a batch against what is stored and stores what passes, inside `tx`.
async fn receive_in(
    tx: &deadpool_postgres::Transaction<'_>,
    kiosk: &KioskRecord,
    events: &[StoredEvent],
    now: DateTime<Utc>,
) -> Result<Vec<Refused>> {
    let ids: Vec<Uuid> = events.iter().map(|e| e.event.id).collect();
    let mut referenced: Vec<Uuid> = events.iter().map(|e| e.event.case_id).collect();
    referenced.extend(events.iter().filter_map(|e| match &e.event.body {
        EventBody::LinkedDuplicate { primary, .. } => Some(*primary),
        _ => None,
    }));
    let tickets: Vec<&str> = events
        .iter()
        .filter_map(|e| match &e.event.body {
            EventBody::Filed { intake } => Some(intake.ticket.as_str()),
            _ => None,
        })
        .collect();
    let own = Origin::kiosk(&kiosk.code);
    let seqs: Vec<i64> = events.iter().map(|e| e.origin_seq).collect();
    // Sent together (one round trip): the server runs them in this order, so the reads
    // all see the estate's data after this writer got its turn.
    // Sent together (one round trip). The server runs them in the order they are sent,
    // which is the order they are first polled (`biased`, statements already prepared),
    // so the reads see the estate's data after this writer got its turn.
    let [lock, existing, estates, taken_tickets, taken_seqs] = prepare_all(
        tx,
        [
            // One estate's writers take turns; other estates go on in parallel.
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            "SELECT id, origin, case_id FROM events WHERE id = ANY($1)",
            "SELECT id, estate FROM cases WHERE id = ANY($1)",
            "SELECT ticket FROM cases WHERE ticket = ANY($1)",
            "SELECT origin_seq FROM events WHERE origin = $1 AND origin_seq = ANY($2)",
        ],
    )
    .await?;
    let (_, existing, estates, taken_tickets, taken_seqs) = tokio::try_join!(
        biased;
        async { tx.query(&lock, &[&LOCK_ESTATE, &kiosk.estate]).await },
        async { tx.query(&existing, &[&ids]).await },
        async { tx.query(&estates, &[&referenced]).await },
        async { tx.query(&taken_tickets, &[&tickets]).await },
        async { tx.query(&taken_seqs, &[&own.0, &seqs]).await },
    )?;
    let mut existing: HashMap<Uuid, (String, Uuid)> =
        existing.iter().map(|r| (r.get(0), (r.get(1), r.get(2)))).collect();
    let mut estates: HashMap<Uuid, String> = estates.iter().map(|r| (r.get(0), r.get(1))).collect();
    let mut taken_tickets: HashSet<String> = taken_tickets.iter().map(|r| r.get(0)).collect();
    let mut taken_seqs: HashSet<i64> = taken_seqs.iter().map(|r| r.get(0)).collect();

    let mut refused = Vec::new();
    let mut accepted: Vec<(&StoredEvent, String)> = Vec::new();
    for stored in events {
        let e = &stored.event;
        let refuse = |code, reason: String| Refused { id: e.id, code, reason };
        if let Some((origin, case_id)) = existing.get(&e.id) {
            if *origin != e.origin.0 || *case_id != e.case_id {
                refused.push(refuse(
                    RefusalCode::Forbidden,
                    format!("event id {} is taken by another event", e.id),
                ));
            }
            continue;
        }
        if let Err((code, reason)) =
            kiosk_may_write(kiosk, stored, now, &mut |id| Ok(estates.get(&id).cloned()))
        {
            refused.push(refuse(code, reason));
            continue;
        }
        if taken_seqs.contains(&stored.origin_seq) {
            refused.push(refuse(
                RefusalCode::IndexTaken,
                format!("{} index {} is already used by another event", e.origin, stored.origin_seq),
            ));
            continue;
        }
        let estate = match &e.body {
            EventBody::Filed { intake } => {
                if taken_tickets.contains(&intake.ticket) {
                    refused.push(refuse(
                        RefusalCode::TicketTaken,
                        "its ticket number is taken by another case".into(),
                    ));
                    continue;
                }
                if let Err(why) = Case::fold(std::iter::once(e)) {
                    refused.push(refuse(RefusalCode::Invalid, StoreError::from(why).to_string()));
                    continue;
                }
                taken_tickets.insert(intake.ticket.clone());
                estates.insert(e.case_id, intake.estate.clone());
                intake.estate.clone()
            }
            _ => estates.get(&e.case_id).cloned().unwrap_or_default(),
        };
        taken_seqs.insert(stored.origin_seq);
        existing.insert(e.id, (e.origin.0.clone(), e.case_id));
        accepted.push((stored, estate));
    }

    if !accepted.is_empty() {
        let ids: Vec<Uuid> = accepted.iter().map(|(e, _)| e.event.id).collect();
        let estates: Vec<&str> = accepted.iter().map(|(_, estate)| estate.as_str()).collect();
        let cols = EventColumns::of(accepted.iter().map(|(e, _)| *e))?;
        let (codes, seqs) = ticket_highs(accepted.iter().map(|(e, _)| *e));
        // One round trip, in this order (see above): the arrivals refer to the events.
        let [insert, arrive, note] = prepare_all(tx, [INSERT_EVENTS, INSERT_ARRIVALS, NOTE_TICKETS]).await?;
        tokio::try_join!(
            biased;
            async { tx.execute(&insert, &cols.params()).await },
            async { tx.execute(&arrive, &[&ids, &estates]).await },
            async { tx.execute(&note, &[&codes, &seqs]).await },
        )?;
        let touched: Vec<Uuid> = accepted.iter().map(|(e, _)| e.event.case_id).collect();
        refresh_cases(tx, &touched).await?;
    }
    Ok(refused)
}

const INSERT_EVENTS: &str =
    "INSERT INTO events (id, case_id, origin, origin_seq, stamp_millis, stamp_counter,
                                      at, actor, type, body)
     SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::int8[], $5::int8[], $6::int8[],
                          $7::timestamptz[], $8::text[], $9::text[], $10::jsonb[])
     ON CONFLICT DO NOTHING";
const INSERT_ARRIVALS: &str = "INSERT INTO received (event_id, estate)
     SELECT id, estate FROM UNNEST($1::uuid[], $2::text[]) WITH ORDINALITY AS t (id, estate, n) ORDER BY n";
const NOTE_TICKETS: &str =
    "INSERT INTO ticket_high (code, sequence) SELECT * FROM UNNEST($1::text[], $2::int8[])
     ON CONFLICT (code) DO UPDATE SET sequence = GREATEST(ticket_high.sequence, excluded.sequence)";

/// Stores events as they are (each with its origin's index).
async fn insert_events<'a>(
    tx: &deadpool_postgres::Transaction<'_>,
    events: impl Iterator<Item = &'a StoredEvent>,
) -> Result<u64> {
    let cols = EventColumns::of(events)?;
    Ok(tx.execute(&tx.prepare_cached(INSERT_EVENTS).await?, &cols.params()).await?)
}

/// A batch of events as one array per column, for `UNNEST`.
#[derive(Default)]
struct EventColumns {
    id: Vec<Uuid>,
    case_id: Vec<Uuid>,
    origin: Vec<String>,
    origin_seq: Vec<i64>,
    millis: Vec<i64>,
    counter: Vec<i64>,
    at: Vec<DateTime<Utc>>,
    actor: Vec<String>,
    kind: Vec<&'static str>,
    body: Vec<serde_json::Value>,
}

impl EventColumns {
    fn of<'a>(events: impl Iterator<Item = &'a StoredEvent>) -> Result<EventColumns> {
        let mut cols = EventColumns::default();
        for stored in events {
            cols.push(stored)?;
        }
        Ok(cols)
    }

    /// The parameters of `INSERT_EVENTS`.
    fn params(&self) -> [&(dyn ToSql + Sync); 10] {
        [
            &self.id,
            &self.case_id,
            &self.origin,
            &self.origin_seq,
            &self.millis,
            &self.counter,
            &self.at,
            &self.actor,
            &self.kind,
            &self.body,
        ]
    }

    fn push(&mut self, stored: &StoredEvent) -> Result<()> {
        let e = &stored.event;
        self.id.push(e.id);
        self.case_id.push(e.case_id);
        self.origin.push(e.origin.0.clone());
        self.origin_seq.push(stored.origin_seq);
        self.millis.push(e.stamp.millis);
        self.counter.push(i64::from(e.stamp.counter));
        self.at.push(e.at);
        self.actor.push(e.actor.clone());
        self.kind.push(e.body.name());
        self.body.push(serde_json::to_value(&e.body)?);
        Ok(())
    }
}

/// The highest ticket sequence per kiosk code among these filings, as the parameters of
/// `NOTE_TICKETS`.
fn ticket_highs<'a>(events: impl Iterator<Item = &'a StoredEvent>) -> (Vec<String>, Vec<i64>) {
    let mut high: HashMap<String, i64> = HashMap::new();
    for stored in events {
        if let EventBody::Filed { intake } = &stored.event.body
            && let Ok(ticket) = TicketNumber::parse(&intake.ticket)
        {
            let seq = high.entry(ticket.kiosk.as_str().to_string()).or_default();
            *seq = (*seq).max(ticket.sequence as i64);
        }
    }
    high.into_iter().unzip()
}

/// Keeps the highest ticket sequence per kiosk code.
async fn note_tickets<'a>(
    tx: &deadpool_postgres::Transaction<'_>,
    events: impl Iterator<Item = &'a StoredEvent>,
) -> Result<()> {
    let (codes, seqs) = ticket_highs(events);
    if !codes.is_empty() {
        tx.execute(&tx.prepare_cached(NOTE_TICKETS).await?, &[&codes, &seqs]).await?;
    }
    Ok(())
}

/// Folds each of these cases from all its events and stores the result with its columns.
/// A case whose filing has not arrived is left out until it does. Returns the cases as
/// folded, and how many rows were written because they were new or differed.
async fn refresh_cases(
    tx: &deadpool_postgres::Transaction<'_>,
    case_ids: &[Uuid],
) -> Result<(Vec<Case>, u64)> {
    let unique: Vec<Uuid> = {
        let mut seen = HashSet::new();
        case_ids.iter().copied().filter(|id| seen.insert(*id)).collect()
    };
    let [of_cases] = prepare_all(tx, [CASES_EVENTS.as_str()]).await?;
    // Together: in either order they read the same.
    let (rows, cal) = tokio::try_join!(async { Ok(tx.query(&of_cases, &[&unique]).await?) }, calendar(tx))?;
    let mut by_case: HashMap<Uuid, Vec<Event>> = HashMap::new();
    for row in &rows {
        let stored = event_from_row(row, 0)?;
        by_case.entry(stored.event.case_id).or_default().push(stored.event);
    }
    let mut c = CaseRows::default();
    let mut folded = Vec::with_capacity(unique.len());
    for id in unique {
        let Some(events) = by_case.get(&id) else { continue };
        match Case::fold(events.iter()) {
            Ok(case) => {
                c.push(&case, &cal)?;
                folded.push(case);
            }
            Err(_) => continue,
        }
    }
    // Rows that would not change are left alone (and not counted).
    let upsert = tx
        .prepare_cached(
            "INSERT INTO cases (id, ticket, estate, kind, category, status, place, text, contact, department,
                                assignee, owner, filed_at, updated_at, callback_opens, state,
                                resolved_at, closed_at, overdue_from, phone, unreviewed, duplicate_of,
                                escalated_from)
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                  $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[],
                                  $14::timestamptz[], $15::timestamptz[], $16::jsonb[], $17::timestamptz[],
                                  $18::timestamptz[], $19::timestamptz[], $20::text[], $21::int4[], $22::uuid[],
                                  $23::timestamptz[])
             ON CONFLICT (id) DO UPDATE SET
                status = excluded.status, place = excluded.place, text = excluded.text, contact = excluded.contact,
                department = excluded.department, assignee = excluded.assignee, owner = excluded.owner,
                updated_at = excluded.updated_at, callback_opens = excluded.callback_opens, state = excluded.state,
                resolved_at = excluded.resolved_at, closed_at = excluded.closed_at,
                overdue_from = excluded.overdue_from, phone = excluded.phone, unreviewed = excluded.unreviewed,
                duplicate_of = excluded.duplicate_of, ticket = excluded.ticket, estate = excluded.estate,
                kind = excluded.kind, category = excluded.category, filed_at = excluded.filed_at,
                escalated_from = excluded.escalated_from
             WHERE (cases.status, cases.place, cases.text, cases.contact, cases.department, cases.assignee,
                    cases.owner, cases.updated_at, cases.callback_opens, cases.state, cases.resolved_at,
                    cases.closed_at, cases.overdue_from, cases.phone, cases.unreviewed, cases.duplicate_of,
                    cases.ticket, cases.estate, cases.kind, cases.category, cases.filed_at, cases.escalated_from)
                IS DISTINCT FROM
                   (excluded.status, excluded.place, excluded.text, excluded.contact, excluded.department,
                    excluded.assignee, excluded.owner, excluded.updated_at, excluded.callback_opens,
                    excluded.state, excluded.resolved_at, excluded.closed_at, excluded.overdue_from,
                    excluded.phone, excluded.unreviewed, excluded.duplicate_of, excluded.ticket,
                    excluded.estate, excluded.kind, excluded.category, excluded.filed_at, excluded.escalated_from)",
        )
        .await?;
    let written = tx
        .execute(
            &upsert,
            &[
                &c.id,
                &c.ticket,
                &c.estate,
                &c.kind,
                &c.category,
                &c.status,
                &c.place,
                &c.text,
                &c.contact,
                &c.department,
                &c.assignee,
                &c.owner,
                &c.filed_at,
                &c.updated_at,
                &c.callback_opens,
                &c.state,
                &c.resolved_at,
                &c.closed_at,
                &c.overdue_from,
                &c.phone,
                &c.unreviewed,
                &c.duplicate_of,
                &c.escalated_from,
            ],
        )
        .await?;
    Ok((folded, written))
}

/// The working calendar every node times clocks with (the default until `hq` commands
/// with a config set one).
async fn calendar(client: &impl GenericClient) -> Result<WorkCalendar> {
    client
        .execute(
            &client.prepare_cached("SELECT pg_advisory_xact_lock_shared($1, 0)").await?,
            &[&LOCK_CALENDAR],
        )
        .await?;
    match setting(client, "calendar").await? {
        Some(kept) => serde_json::from_str(&kept)
            .map_err(|e| StoreError::BadRecord(format!("the calendar in hq_settings: {e}"))),
        None => Ok(WorkCalendar::default()),
    }
}

/// A value every node shares (`hq_settings`), if one was kept.
async fn setting(client: &impl GenericClient, key: &str) -> Result<Option<String>> {
    let select = client.prepare_cached("SELECT value FROM hq_settings WHERE key = $1").await?;
    Ok(client.query_opt(&select, &[&key]).await?.map(|r| r.get(0)))
}

/// Keeps a value every node shares, replacing the one kept before.
async fn keep_setting(client: &impl GenericClient, key: &str, value: &str) -> Result<()> {
    client
        .execute(
            "INSERT INTO hq_settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )
        .await?;
    Ok(())
}

#[derive(Default)]
struct CaseRows {
    id: Vec<Uuid>,
    ticket: Vec<String>,
    estate: Vec<String>,
    kind: Vec<&'static str>,
    category: Vec<String>,
    status: Vec<&'static str>,
    place: Vec<String>,
    text: Vec<String>,
    contact: Vec<String>,
    department: Vec<&'static str>,
    assignee: Vec<String>,
    owner: Vec<String>,
    filed_at: Vec<DateTime<Utc>>,
    updated_at: Vec<DateTime<Utc>>,
    callback_opens: Vec<Option<DateTime<Utc>>>,
    state: Vec<serde_json::Value>,
    resolved_at: Vec<Option<DateTime<Utc>>>,
    closed_at: Vec<Option<DateTime<Utc>>>,
    overdue_from: Vec<Option<DateTime<Utc>>>,
    phone: Vec<String>,
    unreviewed: Vec<i32>,
    duplicate_of: Vec<Option<Uuid>>,
    escalated_from: Vec<Option<DateTime<Utc>>>,
}

impl CaseRows {
    fn push(&mut self, case: &Case, cal: &WorkCalendar) -> Result<()> {
        let columns = CaseColumns::of(case);
        self.id.push(case.id);
        self.ticket.push(case.ticket().to_string());
        self.estate.push(case.intake.estate.clone());
        self.kind.push(case.kind().code());
        self.category.push(case.intake.category.to_string());
        self.status.push(case.status.code());
        self.place.push(case.intake.place.to_string());
        self.text.push(case.intake.text.clone());
        self.contact.push(columns.contact);
        self.department.push(columns.department);
        self.assignee.push(columns.assignee);
        self.owner.push(case.owner.to_string());
        self.filed_at.push(case.filed_at);
        self.updated_at.push(case.updated_at);
        self.callback_opens.push(columns.callback_opens);
        self.state.push(serde_json::to_value(case)?);
        self.resolved_at.push(case.resolved_at);
        self.closed_at.push(case.closed_at);
        self.overdue_from.push(crate::domain::clocks::overdue_from(case, cal));
        self.phone.push(columns.phone);
        self.unreviewed.push(i32::try_from(columns.unreviewed).unwrap_or(i32::MAX));
        self.duplicate_of.push(case.duplicate_of);
        self.escalated_from.push(crate::domain::clocks::escalated_from(case, cal));
        Ok(())
    }
}

/// Folds every case again, `REBUILD_BATCH` cases per transaction. Returns how many cases
/// there are and how many rows were written because they differed.
async fn refold_all(client: &mut deadpool_postgres::Object) -> Result<(usize, usize)> {
    let mut after = Uuid::nil();
    let mut differed = 0u64;
    loop {
        let tx = client.transaction().await?;
        let ids: Vec<Uuid> = tx
            .query(
                "SELECT DISTINCT case_id FROM events WHERE case_id > $1 ORDER BY case_id LIMIT $2",
                &[&after, &REBUILD_BATCH],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let Some(last) = ids.last() else { break };
        after = *last;
        differed += refresh_cases(&tx, &ids).await?.1;
        tx.commit().await?;
    }
    let cases: i64 = client.query_one("SELECT COUNT(*) FROM cases", &[]).await?.get(0);
    Ok((cases.max(0) as usize, differed as usize))
}

/// Cases from the `state::text` of `rows` (their first column).
fn cases_from(rows: &[tokio_postgres::Row]) -> Result<Vec<Case>> {
    rows.iter().map(|r| Ok(serde_json::from_str(r.try_get::<_, &str>(0)?)?)).collect()
}

/// A keyset mark that reads back to exactly the stored time.
fn mark_of(filed_at: DateTime<Utc>, seq: i64) -> PageMark {
    PageMark { filed_at: filed_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true), seq }
}

/// `text` for `LIKE`, matched anywhere, its wildcards taken literally.
fn like_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// An event from `EVENT_COLUMNS` starting at column `at`.
fn event_from_row(row: &tokio_postgres::Row, at: usize) -> Result<StoredEvent> {
    let id: Uuid = row.try_get(at)?;
    let counter: i64 = row.try_get(at + 5)?;
    let body: serde_json::Value = row.try_get(at + 8)?;
    Ok(StoredEvent {
        origin_seq: row.try_get(at + 3)?,
        event: Event {
            id,
            case_id: row.try_get(at + 1)?,
            origin: Origin(row.try_get(at + 2)?),
            stamp: Hlc {
                millis: row.try_get(at + 4)?,
                counter: u32::try_from(counter)
                    .map_err(|_| StoreError::BadRecord(format!("event {id} has a bad stamp")))?,
            },
            at: row.try_get(at + 6)?,
            actor: row.try_get(at + 7)?,
            body: serde_json::from_value(body)?,
        },
    })
}

/// Whether a failed transaction may simply be run again: another node wrote the same row
/// first (unique violation), or the database chose this one to give way.
fn worth_retrying(state: &str) -> bool {
    [SqlState::UNIQUE_VIOLATION, SqlState::T_R_SERIALIZATION_FAILURE, SqlState::T_R_DEADLOCK_DETECTED]
        .iter()
        .any(|s| s.code() == state)
}

async fn migrate(client: &mut deadpool_postgres::Object) -> Result<()> {
    client.execute("SELECT pg_advisory_lock($1, 0)", &[&LOCK_MIGRATE]).await?;
    let result = match apply_migrations(client).await {
        Ok(()) => refresh_stale_projections(client).await,
        Err(e) => Err(e),
    };
    client.execute("SELECT pg_advisory_unlock($1, 0)", &[&LOCK_MIGRATE]).await?;
    result
}

async fn apply_migrations(client: &mut deadpool_postgres::Object) -> Result<()> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS hq_schema (
                version    integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        )
        .await?;
    let found: i32 = client.query_one("SELECT COALESCE(MAX(version), 0) FROM hq_schema", &[]).await?.get(0);
    let known = MIGRATIONS.len() as i32;
    if found > known {
        return Err(StoreError::Postgres(format!(
            "the database has HQ schema version {found}, newer than this lobbydesk knows ({known}); install the newer lobbydesk on every HQ node"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = client.transaction().await?;
        tx.batch_execute(sql).await?;
        tx.execute("INSERT INTO hq_schema (version) VALUES ($1)", &[&(index as i32 + 1)]).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Folds every case again when the rows were written in another format (after an upgrade
/// that changed what the columns hold).
async fn refresh_stale_projections(client: &mut deadpool_postgres::Object) -> Result<()> {
    if setting(client, "projection_version").await?.as_deref() == Some(PROJECTION_VERSION) {
        return Ok(());
    }
    let (cases, _) = refold_all(client).await?;
    keep_setting(client, "projection_version", PROJECTION_VERSION).await?;
    if cases > 0 {
        tracing::info!(cases, "every case folded again for the new read model");
    }
    Ok(())
}

#[async_trait]
impl HqDatabase for PostgresHq {
    async fn save_photo(&self, p: &Photo) -> Result<()> {
        let (width, height) = (p.width as i32, p.height as i32);
        self.pool
            .get()
            .await?
            .execute(
                "INSERT INTO case_photos (id, case_id, added_at, width, height, picture, thumbnail)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
                &[&p.id, &p.case_id, &p.added_at, &width, &height, &p.picture, &p.thumbnail],
            )
            .await?;
        Ok(())
    }

    async fn delete_photo(&self, id: Uuid) -> Result<()> {
        self.pool.get().await?.execute("DELETE FROM case_photos WHERE id = $1", &[&id]).await?;
        Ok(())
    }

    async fn photo(&self, id: Uuid) -> Result<Option<Photo>> {
        let row = self
            .pool
            .get()
            .await?
            .query_opt(
                "SELECT case_id, added_at, width, height, picture, thumbnail FROM case_photos WHERE id = $1",
                &[&id],
            )
            .await?;
        Ok(row.map(|r| Photo {
            id,
            case_id: r.get(0),
            added_at: r.get(1),
            width: r.get::<_, i32>(2) as u32,
            height: r.get::<_, i32>(3) as u32,
            picture: r.get(4),
            thumbnail: r.get(5),
        }))
    }

    async fn arrival_head(&self) -> Result<i64> {
        let row = self.pool.get().await?.query_one("SELECT COALESCE(max(seq), 0) FROM received", &[]).await?;
        Ok(row.get(0))
    }

    async fn notice_cursor(&self, estate: &str) -> Result<Option<i64>> {
        let row = self
            .pool
            .get()
            .await?
            .query_opt("SELECT after FROM notice_cursors WHERE estate = $1", &[&estate])
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn queue_notices(&self, estate: &str, after: i64, notices: Vec<QueuedNotice>) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        for n in &notices {
            tx.execute(
                "INSERT INTO notices (event_id, case_id, kind, payload, queued_at, due_at)
                 VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (event_id) DO NOTHING",
                &[&n.event_id, &n.case_id, &n.kind, &n.payload, &n.queued_at],
            )
            .await?;
        }
        tx.execute(
            "INSERT INTO notice_cursors (estate, after) VALUES ($1, $2)
             ON CONFLICT (estate) DO UPDATE SET after = GREATEST(notice_cursors.after, excluded.after)",
            &[&estate, &after],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_notices(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<QueuedNotice>> {
        // SKIP LOCKED: two nodes claiming at once take different messages.
        let rows = self
            .pool
            .get()
            .await?
            .query(
                "UPDATE notices n SET due_at = $2, attempts = n.attempts + 1
                 FROM (SELECT event_id FROM notices
                       WHERE sent_at IS NULL AND gave_up_at IS NULL AND due_at <= $1
                         AND NOT EXISTS (SELECT 1 FROM notices p WHERE p.case_id = notices.case_id
                             AND p.sent_at IS NULL AND p.gave_up_at IS NULL
                             AND (p.queued_at, p.event_id) < (notices.queued_at, notices.event_id))
                       ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
                 WHERE n.event_id = due.event_id
                 RETURNING n.event_id, n.case_id, n.kind, n.payload, n.queued_at, n.attempts",
                &[&now, &lease_until, &(limit as i64)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| QueuedNotice {
                event_id: r.get(0),
                case_id: r.get(1),
                kind: r.get(2),
                payload: r.get(3),
                queued_at: r.get(4),
                attempts: r.get::<_, i32>(5) as u32,
            })
            .collect())
    }

    async fn notice_done(&self, event_id: Uuid, outcome: NoticeOutcome, now: DateTime<Utc>) -> Result<()> {
        let client = self.pool.get().await?;
        match &outcome {
            NoticeOutcome::Sent => {
                client
                    .execute(
                        "UPDATE notices SET sent_at = $2, last_error = NULL WHERE event_id = $1",
                        &[&event_id, &now],
                    )
                    .await?
            }
            NoticeOutcome::Retry { at, error } => {
                client
                    .execute(
                        "UPDATE notices SET due_at = $2, last_error = $3 WHERE event_id = $1",
                        &[&event_id, at, error],
                    )
                    .await?
            }
            NoticeOutcome::GaveUp { error } => {
                client
                    .execute(
                        "UPDATE notices SET gave_up_at = $2, last_error = $3 WHERE event_id = $1",
                        &[&event_id, &now, error],
                    )
                    .await?
            }
        };
        Ok(())
    }

    async fn notices_of(&self, case_id: Uuid) -> Result<Vec<NoticeRow>> {
        let rows = self
            .pool
            .get()
            .await?
            .query(
                "SELECT kind, queued_at, attempts, sent_at, gave_up_at, last_error FROM notices
                 WHERE case_id = $1 ORDER BY queued_at, event_id",
                &[&case_id],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| NoticeRow {
                kind: r.get(0),
                queued_at: r.get(1),
                attempts: r.get::<_, i32>(2) as u32,
                sent_at: r.get(3),
                gave_up_at: r.get(4),
                last_error: r.get(5),
            })
            .collect())
    }

    /// Opens every connection of the pool and warms it up, so that the first burst of
    /// pushes after a start does not wait for new server processes to connect and load the
    /// schema (measured with hq_load: push p99 in a burst 256 → 222 ms on one node).
    async fn prepare_for_load(&self) -> Result<()> {
        for pool in [&self.pool, &self.reads] {
            let mut held = Vec::with_capacity(POOL_SIZE);
            for _ in 0..POOL_SIZE {
                let mut client = pool.get().await?;
                warm_up(&mut client).await?;
                held.push(client);
            }
        }
        Ok(())
    }

    async fn case_events(&self, id: Uuid) -> Result<Vec<StoredEvent>> {
        let client = self.pool.get().await?;
        let [select] = prepare_all(&client, [CASES_EVENTS.as_str()]).await?;
        let rows = client.query(&select, &[&vec![id]]).await?;
        rows.iter().map(|r| event_from_row(r, 0)).collect()
    }

    async fn save_account(&self, account: &Account, password_hash: &str, now: DateTime<Utc>) -> Result<()> {
        self.pool
            .get()
            .await?
            .execute(
                "INSERT INTO hq_accounts (name, role, estates, password_hash, added_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (name) DO UPDATE SET role = excluded.role, estates = excluded.estates,
                    password_hash = excluded.password_hash, disabled_at = NULL",
                &[&account.name, &account.role.code(), &serde_json::to_value(&account.estates)?, &password_hash, &now],
            )
            .await?;
        Ok(())
    }

    async fn disable_account(&self, name: &str, now: DateTime<Utc>) -> Result<bool> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let found =
            tx.execute("UPDATE hq_accounts SET disabled_at = $2 WHERE name = $1", &[&name, &now]).await? > 0;
        tx.execute("DELETE FROM hq_sessions WHERE account = $1", &[&name]).await?;
        tx.commit().await?;
        Ok(found)
    }

    async fn account(&self, name: &str) -> Result<Option<(Account, String)>> {
        let row = self
            .pool
            .get()
            .await?
            .query_opt(
                "SELECT name, role, estates, disabled_at IS NOT NULL, password_hash FROM hq_accounts WHERE name = $1",
                &[&name],
            )
            .await?;
        row.map(|r| Ok((account_from_row(&r)?, r.get(4)))).transpose()
    }

    async fn accounts(&self) -> Result<Vec<Account>> {
        let rows = self
            .pool
            .get()
            .await?
            .query("SELECT name, role, estates, disabled_at IS NOT NULL FROM hq_accounts ORDER BY name", &[])
            .await?;
        rows.iter().map(account_from_row).collect()
    }

    async fn start_session(
        &self,
        token_hash: &str,
        account: &str,
        csrf: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        let client = self.pool.get().await?;
        // Sessions past their time are of no use to anyone: gone at the next sign-in.
        client.execute("DELETE FROM hq_sessions WHERE expires_at < $1", &[&now]).await?;
        client
            .execute(
                "INSERT INTO hq_sessions (token_hash, account, csrf, started_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                &[&token_hash, &account, &csrf, &now, &expires],
            )
            .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<(Account, String)>> {
        let row = self
            .pool
            .get()
            .await?
            .query_opt(
                "SELECT a.name, a.role, a.estates, false, s.csrf FROM hq_sessions s JOIN hq_accounts a ON a.name = s.account
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled_at IS NULL",
                &[&token_hash, &now],
            )
            .await?;
        row.map(|r| Ok((account_from_row(&r)?, r.get(4)))).transpose()
    }

    async fn end_session(&self, token_hash: &str) -> Result<()> {
        self.pool
            .get()
            .await?
            .execute("DELETE FROM hq_sessions WHERE token_hash = $1", &[&token_hash])
            .await?;
        Ok(())
    }

    async fn sign_in_failures(&self, account: &str, since: DateTime<Utc>) -> Result<u32> {
        let row = self
            .pool
            .get()
            .await?
            .query_one(
                "SELECT COUNT(*) FROM hq_sign_in_failures WHERE account = $1 AND at > $2",
                &[&account, &since],
            )
            .await?;
        Ok(row.get::<_, i64>(0) as u32)
    }

    async fn note_sign_in(&self, account: &str, succeeded: bool, at: DateTime<Utc>) -> Result<()> {
        let client = self.pool.get().await?;
        if succeeded {
            client.execute("DELETE FROM hq_sign_in_failures WHERE account = $1", &[&account]).await?;
        } else {
            client
                .execute("INSERT INTO hq_sign_in_failures (account, at) VALUES ($1, $2)", &[&account, &at])
                .await?;
            let stale = at - crate::hq::accounts::FAILURES_KEPT;
            client.execute("DELETE FROM hq_sign_in_failures WHERE at < $1", &[&stale]).await?;
        }
        Ok(())
    }

    async fn audit(&self, account: &str, case_id: Uuid, action: &str, at: DateTime<Utc>) -> Result<()> {
        self.pool
            .get()
            .await?
            .execute(
                "INSERT INTO hq_audit (account, case_id, action, at) VALUES ($1, $2, $3, $4)",
                &[&account, &case_id, &action, &at],
            )
            .await?;
        Ok(())
    }

    async fn audit_log(&self, case_id: Option<Uuid>, limit: usize) -> Result<Vec<AuditEntry>> {
        let rows = self
            .pool
            .get()
            .await?
            .query(
                "SELECT account, case_id, action, at FROM hq_audit WHERE $1::uuid IS NULL OR case_id = $1
                 ORDER BY seq DESC LIMIT $2",
                &[&case_id, &(limit as i64)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry { account: r.get(0), case_id: r.get(1), action: r.get(2), at: r.get(3) })
            .collect())
    }

    fn describe(&self) -> String {
        format!("PostgreSQL {}", redact(&self.url))
    }

    async fn add_kiosk(&self, code: &str, estate: &str, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        self.pool
            .get()
            .await?
            .execute(
                "INSERT INTO kiosks (code, estate, token_hash, added_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (code) DO UPDATE SET estate = excluded.estate, token_hash = excluded.token_hash,
                    added_at = excluded.added_at, revoked_at = NULL",
                &[&code, &estate, &token_hash, &now],
            )
            .await?;
        Ok(())
    }

    async fn revoke_kiosk(&self, code: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = self
            .pool
            .get()
            .await?
            .execute("UPDATE kiosks SET revoked_at = $2 WHERE code = $1", &[&code, &now])
            .await?;
        Ok(n > 0)
    }

    async fn kiosk_by_token_hash(&self, hash: &str) -> Result<Option<KioskRecord>> {
        let client = self.pool.get().await?;
        let select = client.prepare_cached(KIOSK_BY_TOKEN).await?;
        let row = client.query_opt(&select, &[&hash]).await?;
        Ok(row.map(|r| KioskRecord { code: r.get(0), estate: r.get(1), revoked: r.get(2) }))
    }

    async fn high_water(&self, origin: &Origin) -> Result<i64> {
        let client = self.pool.get().await?;
        let select = client.prepare_cached(HIGH_WATER).await?;
        let row = client.query_one(&select, &[&origin.0]).await?;
        Ok(row.get(0))
    }

    async fn max_ticket_sequence(&self, code: &str) -> Result<u64> {
        let client = self.pool.get().await?;
        let select = client.prepare_cached(MAX_TICKET).await?;
        let row = client.query_opt(&select, &[&code]).await?;
        Ok(row.map(|r| r.get::<_, i64>(0)).unwrap_or(0).max(0) as u64)
    }

    /// A batch is one transaction. Should another node store the same event or case in
    /// the same moment, the constraint stops the second writer and the batch is checked
    /// again from the start: it then finds those events already here.
    async fn receive_from_kiosk(
        &self,
        kiosk: &KioskRecord,
        events: Vec<StoredEvent>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Refused>> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.receive_once(kiosk, &events, now).await {
                Err(StoreError::PostgresState { state, .. }) if attempt < 4 && worth_retrying(&state) => {
                    tracing::info!(
                        kiosk = kiosk.code,
                        attempt,
                        "another writer got there first; checking the batch again"
                    );
                }
                other => return other,
            }
        }
    }

    async fn events_since(
        &self,
        after: i64,
        estate: &str,
        exclude: Option<&Origin>,
        limit: usize,
    ) -> Result<Arrivals> {
        let client = self.reads.get().await?;
        let select = client.prepare_cached(&ESTATE_ARRIVALS).await?;
        let rows = client.query(&select, &[&estate, &after, &(limit as i64)]).await?;
        let more = rows.len() == limit;
        let next = rows.last().map(|r| r.get::<_, i64>(0)).unwrap_or(after);
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let stored = event_from_row(row, 1)?;
            if exclude.is_some_and(|o| *o == stored.event.origin) {
                continue;
            }
            events.push(stored);
        }
        Ok((events, next, more))
    }

    async fn arrivals_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, String, StoredEvent)>> {
        let rows = self
            .pool
            .get()
            .await?
            .query(
                &format!(
                    "SELECT r.seq, r.estate, {EVENT_COLUMNS} FROM received r JOIN events e ON e.id = r.event_id
                     WHERE r.seq > $1 ORDER BY r.seq LIMIT $2"
                ),
                &[&after, &(limit as i64)],
            )
            .await?;
        rows.iter().map(|r| Ok((r.get(0), r.get(1), event_from_row(r, 2)?))).collect()
    }

    async fn kiosks(&self) -> Result<Vec<(KioskRecord, String)>> {
        let rows = self
            .pool
            .get()
            .await?
            .query("SELECT code, estate, revoked_at IS NOT NULL, token_hash FROM kiosks ORDER BY code", &[])
            .await?;
        Ok(rows
            .iter()
            .map(|r| (KioskRecord { code: r.get(0), estate: r.get(1), revoked: r.get(2) }, r.get(3)))
            .collect())
    }

    async fn import_arrivals(&self, arrivals: Vec<(i64, String, StoredEvent)>) -> Result<usize> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let ids: Vec<Uuid> = arrivals.iter().map(|(_, _, e)| e.event.id).collect();
        let here: HashSet<Uuid> = tx
            .query("SELECT id FROM events WHERE id = ANY($1)", &[&ids])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let new: Vec<&(i64, String, StoredEvent)> =
            arrivals.iter().filter(|(_, _, e)| !here.contains(&e.event.id)).collect();
        if !new.is_empty() {
            insert_events(&tx, new.iter().map(|(_, _, e)| e)).await?;
            let seqs: Vec<i64> = new.iter().map(|(seq, _, _)| *seq).collect();
            let ids: Vec<Uuid> = new.iter().map(|(_, _, e)| e.event.id).collect();
            let estates: Vec<&str> = new.iter().map(|(_, estate, _)| estate.as_str()).collect();
            tx.execute(
                "INSERT INTO received (seq, event_id, estate) SELECT * FROM UNNEST($1::int8[], $2::uuid[], $3::text[])",
                &[&seqs, &ids, &estates],
            )
            .await?;
            // New arrivals are numbered after the imported ones.
            tx.execute(
                "SELECT setval(pg_get_serial_sequence('received', 'seq'), GREATEST((SELECT MAX(seq) FROM received), 1))",
                &[],
            )
            .await?;
            note_tickets(&tx, new.iter().map(|(_, _, e)| e)).await?;
            let touched: Vec<Uuid> = new.iter().map(|(_, _, e)| e.event.case_id).collect();
            refresh_cases(&tx, &touched).await?;
        }
        tx.commit().await?;
        Ok(new.len())
    }

    async fn count_cases(&self) -> Result<u64> {
        let row = self.pool.get().await?.query_one("SELECT COUNT(*) FROM cases", &[]).await?;
        Ok(row.get::<_, i64>(0).max(0) as u64)
    }

    async fn case(&self, id: Uuid) -> Result<Option<Case>> {
        let row = self.pool.get().await?.query_opt("SELECT state FROM cases WHERE id = $1", &[&id]).await?;
        match row {
            Some(r) => Ok(Some(serde_json::from_value(r.try_get(0)?)?)),
            None => Ok(None),
        }
    }

    async fn use_calendar(&self, cal: &WorkCalendar) -> Result<()> {
        let kept = serde_json::to_string(cal)?;
        let mut client = self.pool.get().await?;
        // The usual case, the calendar unchanged, takes no lock that would hold up ingest;
        // a change is looked at again under the lock (another node may have made it).
        if setting(&client, "calendar").await?.as_deref() == Some(kept.as_str()) {
            return Ok(());
        }
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1, 0)", &[&LOCK_CALENDAR]).await?;
        if setting(&tx, "calendar").await?.as_deref() == Some(kept.as_str()) {
            return Ok(());
        }
        keep_setting(&tx, "calendar", &kept).await?;
        let open = tx.query("SELECT id, state::text FROM cases WHERE closed_at IS NULL", &[]).await?;
        let mut ids = Vec::with_capacity(open.len());
        let mut from = Vec::with_capacity(open.len());
        for row in &open {
            let case: Case = serde_json::from_str(row.get::<_, &str>(1))?;
            ids.push(row.get::<_, Uuid>(0));
            from.push(crate::domain::clocks::overdue_from(&case, cal));
        }
        tx.execute(
            "UPDATE cases SET overdue_from = u.due FROM UNNEST($1::uuid[], $2::timestamptz[]) AS u (id, due)
             WHERE cases.id = u.id AND cases.overdue_from IS DISTINCT FROM u.due",
            &[&ids, &from],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_cases(
        &self,
        query: &CaseQuery,
        after: Option<&PageMark>,
        limit: usize,
    ) -> Result<Vec<(Case, PageMark)>> {
        use tokio_postgres::types::ToSql;
        let mut args: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        let mut sql = String::from("SELECT state::text, filed_at, seq FROM cases WHERE true");
        let mut add = |sql: &mut String, clause: &str, value: Box<dyn ToSql + Sync + Send>| {
            args.push(value);
            sql.push_str(&clause.replace('?', &format!("${}", args.len())));
        };
        if query.statuses == crate::domain::case::Status::open() {
            // Its own partial indexes: closed_at is set exactly while a case is closed.
            sql.push_str(" AND closed_at IS NULL");
        } else if let [status] = query.statuses.as_slice() {
            // Plain equality, so the (estate, status, filed_at) index also gives the order.
            add(&mut sql, " AND status = ?", Box::new(status.code().to_string()));
        } else if !query.statuses.is_empty() {
            let codes: Vec<String> = query.statuses.iter().map(|s| s.code().to_string()).collect();
            add(&mut sql, " AND status = ANY(?)", Box::new(codes));
        }
        if let Some(estate) = &query.estate {
            add(&mut sql, " AND estate = ?", Box::new(estate.clone()));
        }
        if let Some(kind) = query.kind {
            add(&mut sql, " AND kind = ?", Box::new(kind.code().to_string()));
        }
        if let Some(department) = query.department {
            add(&mut sql, " AND department = ?", Box::new(department.code().to_string()));
        }
        if let Some(assignee) = &query.assignee {
            add(&mut sql, " AND assignee = ?", Box::new(assignee.clone()));
        }
        if !query.owners.is_empty() {
            add(&mut sql, " AND owner = ANY(?)", Box::new(query.owners.clone()));
        }
        if let Some(by) = query.callback_by {
            add(&mut sql, " AND callback_opens <= ?", Box::new(by));
        }
        if let Some(now) = query.overdue_at {
            add(&mut sql, " AND overdue_from < ?", Box::new(now));
        }
        if let Some(now) = query.escalated_at {
            add(&mut sql, " AND escalated_from < ?", Box::new(now));
        }
        if let Some(words) = query.words.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
            add(
                &mut sql,
                " AND (ticket ILIKE ? OR place ILIKE ? OR text ILIKE ? OR contact ILIKE ?)",
                Box::new(like_pattern(words)),
            );
        }
        if let Some(mark) = after {
            let filed_at = DateTime::parse_from_rfc3339(&mark.filed_at)
                .map_err(|_| {
                    StoreError::BadRecord(format!("a page mark with a bad time: {}", mark.filed_at))
                })?
                .with_timezone(&Utc);
            add(&mut sql, " AND (filed_at, seq) < (?", Box::new(filed_at));
            add(&mut sql, ", ?)", Box::new(mark.seq));
        }
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        add(&mut sql, " ORDER BY filed_at DESC, seq DESC LIMIT ?", Box::new(limit));
        let params: Vec<&(dyn ToSql + Sync)> =
            args.iter().map(|a| a.as_ref() as &(dyn ToSql + Sync)).collect();
        let rows = self.pool.get().await?.query(&sql, &params).await?;
        rows.iter()
            .map(|r| {
                let case: Case = serde_json::from_str(r.try_get::<_, &str>(0)?)?;
                Ok((case, mark_of(r.try_get(1)?, r.try_get(2)?)))
            })
            .collect()
    }

    async fn case_by_ticket(&self, ticket: &str) -> Result<Option<Case>> {
        let rows = self
            .pool
            .get()
            .await?
            .query("SELECT state::text FROM cases WHERE ticket = $1", &[&ticket])
            .await?;
        Ok(cases_from(&rows)?.pop())
    }

    async fn linked_to(&self, primary: Uuid) -> Result<Vec<Case>> {
        let rows = self
            .pool
            .get()
            .await?
            .query(
                "SELECT state::text FROM cases WHERE duplicate_of = $1 ORDER BY filed_at, seq",
                &[&primary],
            )
            .await?;
        cases_from(&rows)
    }

    async fn append_hq(
        &self,
        case_id: Uuid,
        body: EventBody,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Case> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let estate: String = tx
            .query_opt("SELECT estate FROM cases WHERE id = $1", &[&case_id])
            .await?
            .map(|r| r.get(0))
            .ok_or_else(|| StoreError::NotFound(case_id.to_string()))?;
        // The estate's writers take turns, so its arrival numbers stay in order.
        tx.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", &[&LOCK_ESTATE, &estate]).await?;
        let rows = tx
            .query(&format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.case_id = $1"), &[&case_id])
            .await?;
        let events: Vec<Event> =
            rows.iter().map(|r| event_from_row(r, 0).map(|e| e.event)).collect::<Result<_>>()?;
        let current = Case::fold(events.iter())?;
        current.check(&body, now)?;
        let newest = events.iter().map(|e| e.stamp).max();
        write_hq_event(&tx, case_id, &estate, body, actor, now, newest).await?;
        let (mut folded, _) = refresh_cases(&tx, &[case_id]).await?;
        let case = folded.pop().ok_or_else(|| StoreError::NotFound(case_id.to_string()))?;
        tx.commit().await?;
        Ok(case)
    }

    async fn kiosk_seen(&self, code: &str, now: DateTime<Utc>) -> Result<()> {
        let client = self.pool.get().await?;
        let [update] = prepare_all(
            &client,
            ["UPDATE kiosks SET last_seen_at = $2
              WHERE code = $1 AND (last_seen_at IS NULL OR last_seen_at < $2::timestamptz - interval '1 minute')"],
        )
        .await?;
        client.execute(&update, &[&code, &now]).await?;
        Ok(())
    }

    async fn kiosk_health(&self, code: &str, health: &crate::sync::Health, at: DateTime<Utc>) -> Result<()> {
        let health = serde_json::to_string(health)?;
        self.pool
            .get()
            .await?
            .execute("UPDATE kiosks SET health = $2, health_at = $3 WHERE code = $1", &[&code, &health, &at])
            .await?;
        Ok(())
    }

    async fn fleet(&self) -> Result<Vec<FleetRow>> {
        let rows = self
            .pool
            .get()
            .await?
            .query(
                "SELECT k.code, k.estate, k.revoked_at IS NOT NULL, k.last_seen_at,
                        (SELECT e.at FROM events e WHERE e.origin = 'kiosk:' || k.code
                         ORDER BY e.origin_seq DESC LIMIT 1),
                        k.health, k.health_at
                 FROM kiosks k ORDER BY k.estate, k.code",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let health = match (r.get::<_, Option<String>>(5), r.get::<_, Option<DateTime<Utc>>>(6)) {
                    (Some(health), Some(at)) => Some((serde_json::from_str(&health)?, at)),
                    _ => None,
                };
                Ok(FleetRow {
                    code: r.get(0),
                    estate: r.get(1),
                    revoked: r.get(2),
                    last_seen: r.get(3),
                    last_event_at: r.get(4),
                    health,
                })
            })
            .collect()
    }

    async fn file_hq(
        &self,
        case_id: Uuid,
        mut intake: Intake,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Case> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", &[&LOCK_ESTATE, &intake.estate]).await?;
        // HQ's writers take turns here (as in write_hq_event), so two nodes cannot give out
        // the same ticket; the highest HQ ticket ever noted only grows, so none comes back.
        tx.execute("SELECT 1 FROM hq_origin FOR UPDATE", &[]).await?;
        let high: i64 = tx
            .query_opt("SELECT sequence FROM ticket_high WHERE code = $1", &[&HQ_TICKETS])
            .await?
            .map(|r| r.get(0))
            .unwrap_or(0);
        intake.ticket = TicketNumber::new(KioskCode::parse(HQ_TICKETS)?, high.max(0) as u64 + 1)?.to_string();
        let estate = intake.estate.clone();
        let event = write_hq_event(
            &tx,
            case_id,
            &estate,
            EventBody::Filed { intake: Box::new(intake) },
            actor,
            now,
            None,
        )
        .await?;
        note_tickets(&tx, std::iter::once(&event)).await?;
        let (mut folded, _) = refresh_cases(&tx, &[case_id]).await?;
        let case = folded.pop().ok_or_else(|| StoreError::NotFound(case_id.to_string()))?;
        tx.commit().await?;
        Ok(case)
    }

    async fn daily_report_cases(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        estate: Option<&str>,
    ) -> Result<Vec<Case>> {
        let client = self.pool.get().await?;
        let mine = if estate.is_some() { " AND estate = $3" } else { "" };
        // Each reason is an indexed range; PostgreSQL unites them without reading the table.
        let sql = format!(
            "SELECT state::text FROM cases WHERE id IN (
                SELECT id FROM cases WHERE closed_at IS NULL AND filed_at < $2{mine}
                UNION SELECT id FROM cases WHERE closed_at >= $1 AND filed_at < $2{mine}
                UNION SELECT id FROM cases WHERE resolved_at >= $1{mine}
                UNION SELECT id FROM cases WHERE callback_opens IS NOT NULL{mine}
                UNION SELECT id FROM cases WHERE unreviewed > 0{mine})"
        );
        let rows = match estate {
            Some(estate) => client.query(&sql, &[&start, &end, &estate]).await?,
            None => client.query(&sql, &[&start, &end]).await?,
        };
        let mut cases = cases_from(&rows)?;
        let held: HashSet<Uuid> = cases.iter().map(|c| c.id).collect();
        // The matters of duplicates, and the same residents' complaints in the window
        // before each open complaint.
        let matters: Vec<Uuid> =
            cases.iter().filter_map(|c| c.duplicate_of).filter(|id| !held.contains(id)).collect();
        let (phones, since): (Vec<String>, Vec<DateTime<Utc>>) =
            crate::store::complainants_look_back(&cases).into_iter().unzip();
        let held_ids: Vec<Uuid> = held.iter().copied().collect();
        let more = client
            .query(
                // One probe of the partial phone index per phone: `phone <> ''` lets the
                // planner use it (without it, it read every case).
                "SELECT state::text FROM cases WHERE id = ANY($1) AND NOT id = ANY($5)
                 UNION ALL
                 SELECT c.state FROM UNNEST($2::text[], $3::timestamptz[]) AS p (phone, since)
                   CROSS JOIN LATERAL (
                     SELECT state::text FROM cases
                      WHERE phone <> '' AND phone = p.phone AND filed_at >= p.since AND filed_at < $4
                        AND kind = 'complaint' AND NOT id = ANY($5)) AS c",
                &[&matters, &phones, &since, &end, &held_ids],
            )
            .await?;
        let mut seen = held;
        for case in cases_from(&more)? {
            if seen.insert(case.id) {
                cases.push(case);
            }
        }
        Ok(cases)
    }

    async fn monthly_report_cases(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        estate: Option<&str>,
    ) -> Result<Vec<Case>> {
        let window_start = from - crate::domain::report::REPEAT_WINDOW;
        let mine = |t: &str| if estate.is_some() { format!(" AND {t}estate = $4") } else { String::new() };
        let (here, there) = (mine(""), mine("c."));
        // As `Store::monthly_report_cases`: the month's active cases, the window's cases the
        // repeat flags look back at, and every report of their matters (links point to
        // earlier cases and are rare: up to each matter's first report, then down).
        let sql = format!(
            "WITH RECURSIVE
               month (kind, phone, place, category) AS MATERIALIZED (
                 SELECT kind, phone, place, category FROM cases WHERE filed_at >= $2 AND filed_at < $3{here}),
               seed (id) AS (
                 SELECT id FROM cases WHERE updated_at >= $2 AND filed_at < $3{here}
                 UNION SELECT c.id FROM cases c
                   JOIN (SELECT DISTINCT phone FROM month WHERE kind = 'complaint' AND phone <> '') m
                     ON c.phone = m.phone
                  WHERE c.phone <> '' AND c.kind = 'complaint' AND c.filed_at >= $1 AND c.filed_at < $2{there}
                 UNION SELECT c.id FROM cases c
                   JOIN (SELECT DISTINCT place, category FROM month WHERE kind = 'repair') m
                     ON c.place = m.place AND c.category = m.category
                  WHERE c.kind = 'repair' AND c.filed_at >= $1 AND c.filed_at < $2{there}),
               up (id) AS (
                 SELECT id FROM seed
                 UNION SELECT c.duplicate_of FROM cases c JOIN up ON c.id = up.id WHERE c.duplicate_of IS NOT NULL),
               matter (id) AS (
                 SELECT id FROM up
                 UNION SELECT c.id FROM cases c JOIN matter m ON c.duplicate_of = m.id)
             SELECT state::text FROM cases WHERE id IN (SELECT id FROM matter)"
        );
        let client = self.pool.get().await?;
        let rows = match estate {
            Some(estate) => client.query(&sql, &[&window_start, &from, &to, &estate]).await?,
            None => client.query(&sql, &[&window_start, &from, &to]).await?,
        };
        cases_from(&rows)
    }

    async fn purge_closed(&self, before: DateTime<Utc>) -> Result<usize> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let ids: Vec<Uuid> = tx
            .query("SELECT id FROM cases WHERE status = 'closed' AND closed_at < $1", &[&before])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        tx.execute(
            "DELETE FROM received WHERE event_id IN (SELECT id FROM events WHERE case_id = ANY($1))",
            &[&ids],
        )
        .await?;
        tx.execute("DELETE FROM events WHERE case_id = ANY($1)", &[&ids]).await?;
        tx.execute("DELETE FROM cases WHERE id = ANY($1)", &[&ids]).await?;
        // The resident's photos and the messages they were sent go with the case.
        tx.execute("DELETE FROM case_photos WHERE case_id = ANY($1)", &[&ids]).await?;
        tx.execute("DELETE FROM notices WHERE case_id = ANY($1)", &[&ids]).await?;
        // Who opened which case at HQ's desk is kept as long as closed cases are.
        tx.execute("DELETE FROM hq_audit WHERE at < $1", &[&before]).await?;
        tx.commit().await?;
        Ok(ids.len())
    }

    async fn rebuild_read_model(&self) -> Result<(usize, usize)> {
        let mut client = self.pool.get().await?;
        refold_all(&mut client).await
    }

    async fn refresh_statistics(&self) -> Result<()> {
        self.pool.get().await?.batch_execute("ANALYZE").await?;
        Ok(())
    }
}
