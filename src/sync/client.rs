//! The kiosk's side: one sync pass, and the background loop that repeats it forever
//! with exponential backoff and full jitter while HQ is out of reach.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{ErrorBody, PROTOCOL, PullResponse, PushRequest, PushResponse, Status};
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
}

const PUSH_BATCH: usize = 500;
const PULL_BATCH: usize = 500;

pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// HQ's host and port, for a cheap "is it there?" check.
fn host_port(base: &str) -> Option<String> {
    let rest = base.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let default_port = if base.starts_with("https://") { 443 } else { 80 };
    if authority.contains(':') && !authority.ends_with(']') {
        Some(authority.to_string())
    } else {
        Some(format!("{authority}:{default_port}"))
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
        let base = url.trim_end_matches('/').to_string();
        let loopback =
            ["http://127.", "http://localhost", "http://[::1]"].iter().any(|p| base.starts_with(p));
        if !base.starts_with("https://") && !loopback {
            return Err(format!("HQ url {url:?} must use https:// (plain http only on this machine)"));
        }
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

    pub async fn pull(&self, after: i64, limit: usize) -> Result<PullResponse, SyncError> {
        let r = self
            .http
            .get(format!("{}/v1/events?after={after}&limit={limit}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await;
        self.answer(r).await
    }
}

/// One sync: send what HQ lacks, set aside what it refuses, take what it has for us.
pub async fn sync_once(
    store: &mut Store,
    client: &Client,
    now: DateTime<Utc>,
) -> Result<SyncReport, SyncError> {
    let origin: Origin = store.origin().clone();
    let status = client.status().await?;
    // A batch HQ stored whose answer we never got: no need to send it again.
    store.confirm_up_to(&origin, status.high_water)?;
    // A data directory restored from an old backup must not reuse ticket numbers HQ saw.
    store.raise_ticket_floor(status.max_ticket_sequence)?;
    let mut report = SyncReport::default();
    let mut batch_size = PUSH_BATCH;
    loop {
        let batch = store.outbox_batch(batch_size)?;
        if batch.is_empty() {
            break;
        }
        match client.push(&batch).await? {
            Some(answer) => {
                store.confirm_sent(&answer.accepted)?;
                report.pushed += answer.accepted.len();
                for r in &answer.rejected {
                    store.set_aside(r.id, &r.reason, now)?;
                    report.set_aside += 1;
                }
                if answer.accepted.is_empty() && answer.rejected.is_empty() {
                    return Err(SyncError::Retryable(
                        "HQ answered a batch with neither accepted nor rejected events".into(),
                    ));
                }
            }
            None if batch_size > 1 => batch_size /= 2,
            None => {
                store.set_aside(batch[0].event.id, "too large for HQ to accept", now)?;
                report.set_aside += 1;
            }
        }
    }
    let mut after: i64 = store.get_meta("sync_pull_after")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    loop {
        let page = client.pull(after, PULL_BATCH).await?;
        let (new, _refused) = store.receive(&page.events, now, |_, _| Ok(()))?;
        report.pulled += new;
        after = page.next.max(after);
        store.set_meta("sync_pull_after", &after.to_string())?;
        if !page.more {
            break;
        }
    }
    store.set_meta("sync_last_ok", &now.to_rfc3339())?;
    store.set_meta("sync_last_error", "")?;
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
                loop {
                    let result = match Store::open(&data_dir, origin.clone()) {
                        Ok(mut store) => {
                            let now = Utc::now();
                            let r = sync_once(&mut store, &client, now).await;
                            match &r {
                                Ok(report) => {
                                    let keep = chrono::Duration::days(i64::from(keep_closed_days));
                                    let purged = store.purge_closed(now - keep).unwrap_or(0);
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
    }
}
