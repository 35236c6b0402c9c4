//! The kiosk's side: one sync pass, and the background loop that repeats it forever
//! with exponential backoff and full jitter while HQ is out of reach.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{ErrorBody, Health, PROTOCOL, PullResponse, PushRequest, PushResponse, RefusalCode, Status};
use crate::domain::event::Origin;
use crate::store::{Store, StoreError, StoredEvent};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No connection to HQ at all (network down, HQ down): sync again as soon as it
    /// answers.
    #[error("HQ unreachable: {0}")]
    Unreachable(String),
    /// A timeout, a cut answer, or HQ having a bad moment: try again later.
    #[error("HQ busy or the answer was lost: {0}")]
    Retryable(String),
    /// HQ refuses us (bad or revoked credential, wrong protocol): a person must act.
    #[error("HQ refused the kiosk: {0}")]
    Permanent(String),
    /// HQ holds this kiosk's history and this data directory does not: a person must
    /// restore the backup or start over deliberately.
    #[error("{0}")]
    LostHistory(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, SyncError::Retryable(_) | SyncError::Unreachable(_))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub pushed: usize,
    pub set_aside: usize,
    pub pulled: usize,
    /// Kept in the outbox for a later sync (their case's filing is not at HQ yet, or they
    /// are stamped ahead of HQ's clock); `sync status` says why.
    pub waiting: usize,
    /// Given new indexes because HQ holds others under the old ones (a restored kiosk).
    pub renumbered: usize,
}

/// Why events wait in the outbox, for `sync status` (meta key).
pub const WAITING_KEY: &str = "sync_waiting";
/// A warning about this kiosk's clock against HQ's, for `sync status` (meta key).
pub const CLOCK_KEY: &str = "sync_clock";

const PUSH_BATCH: usize = 500;
const PULL_BATCH: usize = 500;

pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// HQ's address, checked: https anywhere; plain http only to this machine — a loopback
/// IP literal or the name `localhost` exactly, the URL parsed, not its text compared — and
/// never a user name or password in it. Anything else would send the kiosk's credential
/// and residents' data in clear.
pub fn check_hq_url(url: &str) -> Result<reqwest::Url, String> {
    use url::{Host, Url};
    let parsed = Url::parse(url.trim()).map_err(|e| format!("HQ url {url:?} is not a URL: {e}"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!("HQ url {url:?} must not carry a user name or password"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("HQ url {url:?} must not carry a query or fragment"));
    }
    let loopback = match parsed.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(parsed),
        "http" if loopback => Ok(parsed),
        _ => Err(format!(
            "HQ url {url:?} must use https:// (plain http only to 127.0.0.1, [::1] or localhost)"
        )),
    }
}

/// HQ's host and port, for a cheap "is it there?" check.
fn host_port(base: &str) -> Option<String> {
    let url = reqwest::Url::parse(base).ok()?;
    let port = url.port_or_known_default()?;
    match url.host()? {
        url::Host::Ipv6(ip) => Some(format!("[{ip}]:{port}")),
        host => Some(format!("{host}:{port}")),
    }
}

impl Client {
    /// Plain HTTP is only for HQ on this machine (tests, demos): personal data travels to
    /// HQ only over TLS.
    pub fn new(url: &str, token: &str) -> Result<Client, String> {
        Client::build(url, token, true)
    }

    /// A client that opens a new connection for every request (fault-injection tests:
    /// each request meets the network's dice).
    pub fn without_connection_reuse(url: &str, token: &str) -> Result<Client, String> {
        Client::build(url, token, false)
    }

    /// Trusts `ca_pem` besides the system's roots (a company's own CA for HQ).
    pub fn with_extra_root(url: &str, token: &str, ca_pem: &[u8]) -> Result<Client, String> {
        let mut client = Client::build(url, token, true)?;
        let cert = reqwest::Certificate::from_pem(ca_pem)
            .map_err(|e| format!("the CA certificate is not valid PEM: {e}"))?;
        client.http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .add_root_certificate(cert)
            .build()
            .map_err(|e| format!("cannot set up HTTPS: {e}"))?;
        Ok(client)
    }

    fn build(url: &str, token: &str, reuse: bool) -> Result<Client, String> {
        super::install_crypto();
        check_hq_url(url)?;
        let base = url.trim().trim_end_matches('/').to_string();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(if reuse { usize::MAX } else { 0 })
            .build()
            .map_err(|e| format!("cannot set up HTTPS: {e}"))?;
        Ok(Client { http, base, token: token.trim().to_string() })
    }

    async fn answer<T: serde::de::DeserializeOwned>(
        &self,
        response: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, SyncError> {
        let response = response.map_err(|e| {
            if e.is_connect() {
                SyncError::Unreachable(e.to_string())
            } else {
                SyncError::Retryable(e.to_string())
            }
        })?;
        let status = response.status();
        if status.is_success() {
            return response
                .json()
                .await
                .map_err(|e| SyncError::Retryable(format!("incomplete answer: {e}")));
        }
        let body: Option<ErrorBody> = response.json().await.ok();
        let why = body.map(|b| b.error).unwrap_or_else(|| status.to_string());
        Err(match status {
            s if s.is_server_error()
                || s == StatusCode::TOO_MANY_REQUESTS
                || s == StatusCode::REQUEST_TIMEOUT =>
            {
                SyncError::Retryable(format!("{status}: {why}"))
            }
            _ => SyncError::Permanent(format!("{status}: {why}")),
        })
    }

    /// Whether HQ's port accepts a connection now (the network is back).
    pub async fn reachable(&self) -> bool {
        let Some(addr) = host_port(&self.base) else { return false };
        matches!(
            tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr)).await,
            Ok(Ok(_))
        )
    }

    pub async fn status(&self) -> Result<Status, SyncError> {
        let r = self.http.get(format!("{}/v1/status", self.base)).bearer_auth(&self.token).send().await;
        let status: Status = self.answer(r).await?;
        if status.protocol != PROTOCOL {
            return Err(SyncError::Permanent(format!(
                "HQ speaks protocol {}, this kiosk {PROTOCOL}",
                status.protocol
            )));
        }
        Ok(status)
    }

    /// `Ok(None)` when HQ says the batch is too large (413).
    pub async fn push(&self, events: &[StoredEvent]) -> Result<Option<PushResponse>, SyncError> {
        let r = self
            .http
            .post(format!("{}/v1/events", self.base))
            .bearer_auth(&self.token)
            .json(&PushRequest { events: events.to_vec() })
            .send()
            .await;
        if let Ok(resp) = &r
            && resp.status() == StatusCode::PAYLOAD_TOO_LARGE
        {
            return Ok(None);
        }
        self.answer(r).await.map(Some)
    }

    /// Tells HQ how this kiosk is doing. An HQ older than the report (404/405) is no
    /// failure: it has no fleet page to show it on.
    pub async fn report_health(&self, health: &Health) -> Result<(), SyncError> {
        let r = self
            .http
            .put(format!("{}/v1/health", self.base))
            .bearer_auth(&self.token)
            .json(health)
            .send()
            .await;
        match r {
            Ok(resp) if resp.status().is_success() => Ok(()),
            Ok(resp) if matches!(resp.status(), StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED) => {
                Ok(())
            }
            other => self.answer::<serde_json::Value>(other).await.map(|_| ()),
        }
    }

    /// `own`: this kiosk's own events too (taking back what a restored directory lost).
    pub async fn pull(&self, after: i64, limit: usize, own: bool) -> Result<PullResponse, SyncError> {
        let r = self
            .http
            .get(format!("{}/v1/events?after={after}&limit={limit}&own={own}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await;
        self.answer(r).await
    }
}

/// One sync: learn how far HQ has this kiosk's series and tickets, send what HQ lacks
/// (confirmed by the ids HQ answers with, never by a number alone), renumber what a
/// restored kiosk numbered twice, set aside what HQ refuses for good and keep what may
/// pass later, then take what HQ has for us.
pub async fn sync_once(
    store: &mut Store,
    client: &Client,
    now: DateTime<Utc>,
) -> Result<SyncReport, SyncError> {
    let status = preflight(store, client).await?;
    note_clock(store, now, &status)?;
    let mut report = push_outbox(store, client, now).await?;
    let mut after: i64 = store.get_meta("sync_pull_after")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    let own = store.get_meta(TAKE_BACK_KEY)?.is_some_and(|v| !v.is_empty());
    loop {
        let page = client.pull(after, PULL_BATCH, own).await?;
        let (new, refused) = store.receive_from_hq(&page.events, now)?;
        for r in &refused {
            tracing::warn!(event = %r.id, code = r.code.code(), reason = r.reason, "an event from HQ was not stored");
        }
        report.pulled += new;
        after = page.next.max(after);
        store.set_meta("sync_pull_after", &after.to_string())?;
        if !page.more {
            break;
        }
    }
    if own {
        store.set_meta(TAKE_BACK_KEY, "")?;
    }
    store.set_meta("sync_last_ok", &now.to_rfc3339())?;
    store.set_meta("sync_last_error", "")?;
    // For HQ's fleet page only: a sync that got this far succeeded, whatever happens here.
    // The clock reported is the one at sending (HQ compares it with its own on arrival).
    match health_of(store, Utc::now()) {
        Ok(health) => {
            if let Err(e) = client.report_health(&health).await {
                tracing::warn!(error = %e, "could not tell HQ how this kiosk is doing");
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not read this kiosk's health"),
    }
    Ok(report)
}

/// What this kiosk tells HQ about itself after a sync: its outbox, its printer's queue
/// and why it waits, its clock and its version.
pub fn health_of(store: &Store, now: DateTime<Utc>) -> Result<Health, StoreError> {
    use crate::store::JobState;
    let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let printer = store
        .oldest_queued_job()?
        .and_then(|job| job.last_error)
        .and_then(|why| crate::printer::status::PrinterStatus::from_code(&why));
    Ok(Health {
        outbox: count(store.outbox_len()?),
        set_aside: count(store.rejected()?.len() as u64),
        oldest_unsent: store.outbox_batch(1)?.first().map(|e| e.event.at),
        print_queued: count(store.count_print_jobs(JobState::Queued)?.unsigned_abs()),
        print_held: count(store.count_print_jobs(JobState::Held)?.unsigned_abs()),
        printer,
        kiosk_time: now,
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

/// Before the kiosk numbers anything: learn how far HQ has this kiosk's tickets and
/// events (a restored data directory must continue after them), and refuse a data
/// directory that lost its history while HQ holds it. `Unreachable` when HQ does not answer.
pub async fn preflight(store: &mut Store, client: &Client) -> Result<Status, SyncError> {
    let status = client.status().await?;
    check_history(store, &status)?;
    learn_numbers(store, &status)?;
    Ok(status)
}

/// Set while this kiosk must take back its own events from HQ (meta key).
pub const TAKE_BACK_KEY: &str = "sync_take_back_own";

/// A data directory restored from an old backup (or started over) must not reuse indexes
/// or ticket numbers HQ has already seen from this kiosk, and takes back from HQ the
/// cases it no longer holds: the next pull starts from the beginning, own events too.
fn learn_numbers(store: &mut Store, status: &Status) -> Result<(), SyncError> {
    if status.high_water > store.origin_counter()? {
        take_back_own(store)?;
    }
    store.raise_origin_floor(status.high_water)?;
    store.raise_ticket_floor(status.max_ticket_sequence)?;
    Ok(())
}

/// The next sync pulls everything of the estate again, this kiosk's own events included.
pub fn take_back_own(store: &mut Store) -> Result<(), StoreError> {
    store.set_meta(TAKE_BACK_KEY, "1")?;
    store.set_meta("sync_pull_after", "0")
}

/// A data directory that has never synced, while HQ holds events or tickets of this kiosk
/// that it never numbered: the kiosk's data was lost or replaced, or two kiosks share one
/// code. Sending would number tickets and events twice; a person decides (restore the
/// backup, or `lobbydesk start-over`). A directory that synced before and was restored
/// from a backup goes on: its new events are renumbered above HQ's, its tickets too.
fn check_history(store: &Store, status: &Status) -> Result<(), SyncError> {
    let synced_before = store.get_meta("sync_last_ok")?.is_some_and(|v| !v.is_empty());
    let started_over = store.get_meta("started_over_at")?.is_some_and(|v| !v.is_empty());
    let hq_ahead = status.high_water > store.origin_counter()?
        || status.max_ticket_sequence > store.next_ticket_floor()?;
    if !synced_before && !started_over && hq_ahead {
        return Err(SyncError::LostHistory(format!(
            "HQ already holds kiosk {0}'s events up to index {1} and its tickets up to {0}-{2:05}, but this data directory has never synced with HQ: its database was lost or replaced, or another kiosk uses the code {0}. Restore the latest backup of this kiosk's data directory, or run `lobbydesk start-over` to continue deliberately after HQ's numbers",
            status.kiosk, status.high_water, status.max_ticket_sequence
        )));
    }
    Ok(())
}

/// Remembers (for `sync status`) whether this kiosk's clock is far from HQ's.
fn note_clock(store: &mut Store, now: DateTime<Utc>, status: &Status) -> Result<(), SyncError> {
    let Some(hq_time) = status.hq_time else { return Ok(()) };
    let skew = now - hq_time;
    let warning = if skew.num_seconds().abs() > 120 {
        let (ahead, by) =
            if skew > chrono::Duration::zero() { ("ahead of", skew) } else { ("behind", -skew) };
        let text = format!("this kiosk's clock is {} min {ahead} HQ's: check NTP", by.num_minutes().max(2));
        tracing::warn!(skew_seconds = skew.num_seconds(), "kiosk clock differs from HQ's");
        text
    } else {
        String::new()
    };
    store.set_meta(CLOCK_KEY, &warning)?;
    Ok(())
}

/// One pass over the outbox, oldest index first.
async fn push_outbox(
    store: &mut Store,
    client: &Client,
    now: DateTime<Utc>,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    let mut waiting: Vec<(i64, String)> = Vec::new();
    let mut batch_size = PUSH_BATCH;
    let mut after = 0;
    let mut renumber_rounds = 0;
    loop {
        let batch = store.outbox_after(after, batch_size)?;
        let Some(last) = batch.last().map(|e| e.origin_seq) else { break };
        let Some(answer) = client.push(&batch).await? else {
            if batch_size > 1 {
                batch_size /= 2;
            } else {
                store.set_aside(
                    batch[0].event.id,
                    RefusalCode::TooLarge,
                    "too large for HQ to accept",
                    now,
                )?;
                report.set_aside += 1;
            }
            continue;
        };
        if answer.accepted.is_empty() && answer.rejected.is_empty() {
            return Err(SyncError::Retryable(
                "HQ answered a batch with neither accepted nor rejected events".into(),
            ));
        }
        // Only ids we sent count: an answer naming others confirms nothing.
        let sent: std::collections::HashMap<_, _> =
            batch.iter().map(|e| (e.event.id, e.origin_seq)).collect();
        let accepted: Vec<_> = answer.accepted.iter().copied().filter(|id| sent.contains_key(id)).collect();
        store.confirm_sent(&accepted)?;
        report.pushed += accepted.len();
        let mut renumber_from: Option<i64> = None;
        for r in answer.rejected.iter().filter(|r| sent.contains_key(&r.id)) {
            let seq = sent[&r.id];
            match r.code {
                RefusalCode::IndexTaken => renumber_from = Some(renumber_from.map_or(seq, |f| f.min(seq))),
                code if code.waits() => {
                    waiting.push((seq, format!("{} ({}): {}", r.id, code.code(), r.reason)))
                }
                code => {
                    store.set_aside(r.id, code, &r.reason, now)?;
                    report.set_aside += 1;
                }
            }
        }
        match renumber_from {
            // Everything from the first taken index on moves above HQ's numbers, in the
            // same order, so a filing still goes before the events of its case.
            Some(from) => {
                renumber_rounds += 1;
                if renumber_rounds > 5 {
                    return Err(SyncError::Retryable("HQ keeps finding this kiosk's indexes taken".into()));
                }
                report.renumbered += store.renumber_outbox_from(from)?;
                waiting.retain(|(seq, _)| *seq < from);
                after = from - 1;
            }
            None => after = last,
        }
    }
    report.waiting = waiting.len();
    let reasons: Vec<String> = waiting.into_iter().map(|(_, why)| why).collect();
    store.set_meta_json(WAITING_KEY, &reasons)?;
    Ok(report)
}

/// Exponential backoff with full jitter: a random wait in [0, min(cap, base·2ⁿ)].
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let ceiling = base.saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX)).min(cap);
    Duration::from_millis(fastrand::u64(0..=ceiling.as_millis() as u64))
}

/// Where the background loop reports, and how to wake it (after a case is filed).
#[derive(Clone)]
pub struct SyncHandle {
    wake: Arc<tokio::sync::Notify>,
}

impl SyncHandle {
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Syncs forever on its own thread: at once, then every `interval`, at once after each
/// wake-up, and with backoff (1 s up to 5 min) while HQ is out of reach.
pub fn spawn(
    data_dir: PathBuf,
    origin: Origin,
    client: Client,
    interval: Duration,
    keep_closed_days: u32,
) -> SyncHandle {
    let wake = Arc::new(tokio::sync::Notify::new());
    let handle = SyncHandle { wake: wake.clone() };
    std::thread::Builder::new()
        .name("hq-sync".into())
        .spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
            runtime.block_on(async move {
                let mut attempt = 0u32;
                // One store for the thread's life (opened again only after a failure): a
                // round with nothing to do then costs a status request and an empty pull.
                let mut kept: Option<Store> = None;
                // Purging reads every closed case's events: once an hour is plenty.
                let mut last_purge: Option<std::time::Instant> = None;
                loop {
                    let opened = match kept.take() {
                        Some(store) => Ok(store),
                        None => Store::open(&data_dir, origin.clone()),
                    };
                    let result = match opened {
                        Ok(mut store) => {
                            let now = Utc::now();
                            let r = sync_once(&mut store, &client, now).await;
                            match &r {
                                Ok(report) => {
                                    let keep = chrono::Duration::days(i64::from(keep_closed_days));
                                    let due =
                                        last_purge.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600));
                                    let purged = if due {
                                        last_purge = Some(std::time::Instant::now());
                                        store.purge_closed(now - keep).unwrap_or_else(|e| {
                                            tracing::warn!(error = %e, "cannot purge closed cases");
                                            0
                                        })
                                    } else {
                                        0
                                    };
                                    if report.pushed + report.pulled + report.set_aside + purged > 0 {
                                        tracing::info!(
                                            sent = report.pushed,
                                            received = report.pulled,
                                            set_aside = report.set_aside,
                                            purged,
                                            "synced with HQ"
                                        );
                                    }
                                }
                                Err(e) => {
                                    tracing::warn!(error = %e, "sync with HQ failed; retrying");
                                    let _ = store.set_meta("sync_last_error", &e.to_string());
                                }
                            }
                            // A store that failed is opened afresh next round.
                            if !matches!(r, Err(SyncError::Store(_))) {
                                kept = Some(store);
                            }
                            r
                        }
                        Err(e) => Err(SyncError::Store(e)),
                    };
                    let unreachable = matches!(result, Err(SyncError::Unreachable(_)));
                    let wait = match result {
                        Ok(_) => {
                            attempt = 0;
                            interval
                        }
                        Err(e) if e.is_retryable() => {
                            attempt += 1;
                            backoff(attempt, Duration::from_secs(1), Duration::from_secs(300))
                        }
                        // A refused credential will not fix itself quickly; keep asking slowly.
                        Err(_) => Duration::from_secs(300),
                    };
                    // While HQ cannot be reached, look every 5 s whether it can: when the
                    // network comes back, sync at once instead of sleeping out the backoff.
                    let back_online = async {
                        loop {
                            tokio::time::sleep(Duration::from_secs(5)).await;
                            if unreachable && client.reachable().await {
                                return;
                            }
                        }
                    };
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = wake.notified() => {}
                        _ = back_online => {}
                    }
                }
            });
        })
        .expect("the sync thread starts");
    handle
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_the_cap_and_is_jittered() {
        let (base, cap) = (Duration::from_secs(1), Duration::from_secs(300));
        for attempt in 0..30 {
            let wait = backoff(attempt, base, cap);
            assert!(wait <= cap);
            assert!(wait <= base * 2u32.saturating_pow(attempt.min(20)));
        }
        let samples: std::collections::HashSet<u128> =
            (0..50).map(|_| backoff(10, base, cap).as_millis()).collect();
        assert!(samples.len() > 40, "full jitter spreads retries: {}", samples.len());
    }

    #[test]
    fn hq_host_and_port_come_from_the_url() {
        assert_eq!(host_port("https://hq.example.com").as_deref(), Some("hq.example.com:443"));
        assert_eq!(host_port("https://hq.example.com:8443/x").as_deref(), Some("hq.example.com:8443"));
        assert_eq!(host_port("http://127.0.0.1:9000").as_deref(), Some("127.0.0.1:9000"));
    }

    #[tokio::test]
    async fn an_hq_nobody_listens_on_is_unreachable_not_just_busy() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let client = Client::new(&format!("http://127.0.0.1:{port}"), "t").unwrap();
        assert!(!client.reachable().await);
        assert!(matches!(client.status().await, Err(SyncError::Unreachable(_))));
    }

    #[test]
    fn plain_http_is_refused_except_on_this_machine() {
        assert!(Client::new("http://hq.example.com", "t").is_err());
        assert!(Client::new("http://127.0.0.1:8080", "t").is_ok());
        assert!(Client::new("https://hq.example.com/", "t").is_ok());
        for ok in ["http://localhost:9000", "http://[::1]:9000/", "http://127.0.0.2", "HTTP://LOCALHOST"] {
            assert!(check_hq_url(ok).is_ok(), "{ok}");
        }
        // Each of these once passed a prefix check and then sent the token in clear.
        for bad in [
            "http://127.0.0.1@192.0.2.2:8443",
            "http://localhost.evil.example",
            "http://127.attacker.example",
            "http://localhost:1@hq.example.com",
            "http://[::1].example.com",
            "http://0.0.0.0:8443",
            "https://user:secret@hq.example.com",
            "ftp://127.0.0.1",
            "127.0.0.1:8443",
        ] {
            assert!(check_hq_url(bad).is_err(), "{bad} should be refused");
        }
    }
}
