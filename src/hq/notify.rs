//! Telling residents their case moved (issue 16): one short message when a case is
//! acknowledged, assigned, resolved, or its promised date changes, to the resident who
//! left a phone and did not decline at filing.
//!
//! Durable and once: every node walks each estate's arrivals (the same numbered feed the
//! kiosks pull) and queues a message per event it should tell of, keyed by the event's id,
//! moving its place in the feed in the same transaction: an event is queued once however
//! many nodes see it, and nothing is skipped across restarts. Sending takes due messages
//! with a lease (PostgreSQL: `SKIP LOCKED`), so one node sends each; failures are retried
//! with backoff for two days, and a case's messages go in the order they were queued. Each message carries its id: a receiver that must never show
//! two drops a repeat (one can only follow a crash between its answer and our record).
//!
//! How the message leaves is a `Notifier`: a signed webhook (the company's SMS gateway, or
//! a small relay to its SMS vendor), or the log-only default.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::domain::event::EventBody;
use crate::domain::resident::{self, Notice};
use crate::hq::db::HqDatabase;
use crate::store::{NoticeOutcome, QueuedNotice, Result};

/// The JSON body a webhook receives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The event told of: the same on every retry, so a receiver can drop repeats.
    pub id: uuid::Uuid,
    /// acknowledged, assigned, resolved or promise-changed.
    pub kind: String,
    pub ticket: String,
    pub estate: String,
    /// The resident's number, as they typed it at the kiosk.
    pub phone: String,
    /// zh-CN, zh-TW or en: the language they filed in.
    pub lang: String,
    /// The message, in that language, the phone page's link included.
    pub text: String,
    /// The resident's phone page, when HQ has a public address.
    pub link: Option<String>,
    /// When the change happened.
    pub at: DateTime<Utc>,
}

/// The header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>` of
/// `"<t>.<body>"` with the shared secret (the scheme Stripe and others use: the time stops
/// a captured request being replayed later).
pub const SIGNATURE_HEADER: &str = "x-lobbydesk-signature";
/// The message's id again, for receivers that dedupe on a header.
pub const ID_HEADER: &str = "x-lobbydesk-message-id";

/// Gives up on a message this long after it was queued.
const GIVE_UP_AFTER_HOURS: i64 = 48;
/// A node's claim on a message it is sending.
const LEASE_SECONDS: i64 = 60;
/// How often a node looks for new arrivals and due messages.
pub const ROUND: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Debug)]
pub enum SendError {
    /// Worth trying again (network, 5xx, 429).
    Transient(String),
    /// The receiver refused this message for good (4xx).
    Refused(String),
}

/// Where messages go. Implement it to send through an SMS vendor's API directly.
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn send(&self, message: &Message, body: &str) -> std::result::Result<(), SendError>;
    fn describe(&self) -> String;
}

/// The default: writes that a message would go (ticket and kind; never the phone or text).
pub struct LogOnly;

#[async_trait]
impl Notifier for LogOnly {
    async fn send(&self, message: &Message, _: &str) -> std::result::Result<(), SendError> {
        tracing::info!(
            ticket = message.ticket,
            kind = message.kind,
            "message to the resident (log only: no webhook configured)"
        );
        Ok(())
    }
    fn describe(&self) -> String {
        "log only".into()
    }
}

/// JSON POSTed to a URL, signed with a shared secret.
pub struct Webhook {
    url: String,
    secret: String,
    http: reqwest::Client,
}

impl Webhook {
    pub fn new(url: &str, secret: &str) -> std::result::Result<Webhook, String> {
        crate::sync::install_crypto();
        let parsed = url::Url::parse(url).map_err(|e| format!("the webhook URL {url:?}: {e}"))?;
        let loopback =
            parsed.host_str().is_some_and(|h| h == "localhost" || h == "127.0.0.1" || h == "[::1]");
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
            return Err(format!("the webhook URL {url:?}: use https:// (http only on loopback)"));
        }
        if secret.trim().len() < 16 {
            return Err("the webhook secret is too short: use at least 16 characters".into());
        }
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| format!("cannot set up HTTPS: {e}"))?;
        Ok(Webhook { url: url.to_string(), secret: secret.trim().to_string(), http })
    }
}

/// The signature header's value for `body` sent at `t` (unix seconds).
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, format!("{t}.{body}").as_bytes());
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// Checks a signature header as a receiver does: the HMAC over `"<t>.<body>"`, and `t`
/// within `tolerance_seconds` of `now`.
pub fn verify(secret: &str, header: &str, body: &str, now: i64, tolerance_seconds: i64) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else { return false };
    let Some(tag) = (0..v1.len() / 2)
        .map(|i| u8::from_str_radix(v1.get(2 * i..2 * i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    (now - t).abs() <= tolerance_seconds
        && ring::hmac::verify(&key, format!("{t}.{body}").as_bytes(), &tag).is_ok()
}

#[async_trait]
impl Notifier for Webhook {
    async fn send(&self, message: &Message, body: &str) -> std::result::Result<(), SendError> {
        let signed = signature(&self.secret, Utc::now().timestamp(), body);
        let response = self
            .http
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signed)
            .header(ID_HEADER, message.id.to_string())
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| SendError::Transient(format!("the webhook cannot be reached: {e}")))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            Err(SendError::Transient(format!("the webhook answered {status}")))
        } else {
            Err(SendError::Refused(format!("the webhook refused the message: {status}")))
        }
    }
    fn describe(&self) -> String {
        let shown = url::Url::parse(&self.url)
            .map(|u| format!("{}://{}{}", u.scheme(), u.host_str().unwrap_or(""), u.path()))
            .unwrap_or_default();
        format!("webhook {shown}")
    }
}

/// The notifier the config asks for: a webhook when `[hq_server] messages_webhook` is set.
pub fn from_settings(
    settings: &crate::config::RawHqServer,
) -> std::result::Result<Arc<dyn Notifier>, String> {
    match settings.messages_webhook.as_deref().filter(|u| !u.trim().is_empty()) {
        None => Ok(Arc::new(LogOnly)),
        Some(url) => {
            let secret = std::env::var("LOBBYDESK_MESSAGES_SECRET")
                .ok()
                .or_else(|| settings.messages_secret.clone())
                .ok_or("[hq_server] messages_webhook is set but messages_secret is not")?;
            Ok(Arc::new(Webhook::new(url.trim(), &secret)?))
        }
    }
}

/// Queues messages for what arrived since the last look, and sends the due ones.
pub struct Messenger {
    db: Arc<dyn HqDatabase>,
    notifier: Arc<dyn Notifier>,
    resident_url: Option<String>,
    tz: chrono_tz::Tz,
}

/// The cursor row that says where message-making began on this store.
const START: &str = "";

impl Messenger {
    pub fn new(
        db: Arc<dyn HqDatabase>,
        notifier: Arc<dyn Notifier>,
        resident_url: Option<String>,
        tz: chrono_tz::Tz,
    ) -> Messenger {
        Messenger { db, notifier, resident_url, tz }
    }

    /// One round: queue, then send. Returns how many were queued and how many sent.
    pub async fn round(&self, now: DateTime<Utc>) -> Result<(usize, usize)> {
        let queued = self.queue_new(now).await?;
        let sent = self.send_due(now).await?;
        Ok((queued, sent))
    }

    /// Runs rounds for as long as the server does.
    pub async fn run(self) {
        tracing::info!(notifier = self.notifier.describe(), "messages to residents");
        loop {
            if let Err(e) = self.round(Utc::now()).await {
                tracing::warn!(error = %e, "messages to residents: a round failed; trying again");
            }
            tokio::time::sleep(ROUND).await;
        }
    }

    async fn start(&self) -> Result<i64> {
        if let Some(start) = self.db.notice_cursor(START).await? {
            return Ok(start);
        }
        // The first round on this store: what happened before is not news.
        let head = self.db.arrival_head().await?;
        self.db.queue_notices(START, head, Vec::new()).await?;
        Ok(self.db.notice_cursor(START).await?.unwrap_or(head))
    }

    /// Walks each estate's arrivals since its cursor and queues the messages they call for.
    pub async fn queue_new(&self, now: DateTime<Utc>) -> Result<usize> {
        let start = self.start().await?;
        let mut estates: Vec<String> = self.db.kiosks().await?.into_iter().map(|(k, _)| k.estate).collect();
        estates.sort();
        estates.dedup();
        let mut queued = 0;
        for estate in estates {
            let mut after = self.db.notice_cursor(&estate).await?.unwrap_or(start);
            loop {
                let (events, next, more) = self.db.events_since(after, &estate, None, 500).await?;
                let mut notices = Vec::new();
                for stored in &events {
                    let e = &stored.event;
                    let worth = matches!(
                        e.body,
                        EventBody::Acknowledged { .. }
                            | EventBody::Assigned { .. }
                            | EventBody::Resolved { .. }
                            | EventBody::PromiseSet { .. }
                    );
                    if !worth {
                        continue;
                    }
                    let Some(case) = self.db.case(e.case_id).await? else { continue };
                    let Some(notice) = resident::notice_for(&case, e, now) else { continue };
                    notices.push(self.queued(notice, &case, e, now));
                }
                queued += notices.len();
                if next != after || !notices.is_empty() {
                    self.db.queue_notices(&estate, next, notices).await?;
                }
                if !more {
                    break;
                }
                after = next;
            }
        }
        Ok(queued)
    }

    fn queued(
        &self,
        notice: Notice,
        case: &crate::domain::case::Case,
        e: &crate::domain::event::Event,
        now: DateTime<Utc>,
    ) -> QueuedNotice {
        let link = match (&self.resident_url, &case.intake.resident_key) {
            (Some(base), Some(key)) => Some(resident::link(base, case.ticket(), key)),
            _ => None,
        };
        let message = Message {
            id: e.id,
            kind: notice.code().into(),
            ticket: case.ticket().into(),
            estate: case.intake.estate.clone(),
            phone: case.intake.contact.as_ref().map(|c| c.phone.as_str().to_string()).unwrap_or_default(),
            lang: case.intake.lang.code().into(),
            text: resident::message(notice, case, e, link.as_deref(), self.tz),
            link,
            at: e.at,
        };
        QueuedNotice {
            event_id: e.id,
            case_id: case.id,
            kind: notice.code().into(),
            payload: serde_json::to_string(&message).unwrap_or_default(),
            queued_at: now,
            attempts: 0,
        }
    }

    /// Sends what is due; returns how many went.
    pub async fn send_due(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut sent = 0;
        let due = self.db.claim_notices(now, now + Duration::seconds(LEASE_SECONDS), 20).await?;
        for notice in due {
            let outcome = match serde_json::from_str::<Message>(&notice.payload) {
                Err(e) => NoticeOutcome::GaveUp { error: format!("the queued message is damaged: {e}") },
                Ok(message) => match self.notifier.send(&message, &notice.payload).await {
                    Ok(()) => NoticeOutcome::Sent,
                    Err(SendError::Refused(error)) => NoticeOutcome::GaveUp { error },
                    Err(SendError::Transient(error))
                        if now - notice.queued_at > Duration::hours(GIVE_UP_AFTER_HOURS) =>
                    {
                        NoticeOutcome::GaveUp { error }
                    }
                    Err(SendError::Transient(error)) => {
                        NoticeOutcome::Retry { at: Utc::now() + backoff(notice.attempts), error }
                    }
                },
            };
            match &outcome {
                NoticeOutcome::Sent => sent += 1,
                NoticeOutcome::Retry { error, .. } | NoticeOutcome::GaveUp { error } => {
                    tracing::warn!(
                        kind = notice.kind,
                        attempts = notice.attempts,
                        error,
                        "a message to a resident did not go"
                    )
                }
            }
            self.db.notice_done(notice.event_id, outcome, Utc::now()).await?;
        }
        Ok(sent)
    }
}

/// 10 s, 20 s, 40 s, … up to an hour between tries.
fn backoff(attempts: u32) -> Duration {
    Duration::seconds((10i64 << attempts.saturating_sub(1).min(9)).min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_body_secret_and_time() {
        let body = r#"{"id":"x","text":"您的事项 K01-00042 已处理完毕"}"#;
        let header = signature("a-shared-secret-of-length", 1_764_900_000, body);
        assert!(verify("a-shared-secret-of-length", &header, body, 1_764_900_100, 300));
        assert!(!verify("another-secret-of-length", &header, body, 1_764_900_100, 300));
        assert!(!verify("a-shared-secret-of-length", &header, &body.replace("42", "43"), 1_764_900_100, 300));
        assert!(!verify("a-shared-secret-of-length", &header, body, 1_764_910_000, 300), "too old: a replay");
        assert!(!verify("a-shared-secret-of-length", "t=1,v1=zz", body, 1, 300));
    }

    #[test]
    fn retries_back_off_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(10));
        assert_eq!(backoff(2), Duration::seconds(20));
        assert_eq!(backoff(30), Duration::seconds(3600));
    }

    #[test]
    fn a_webhook_must_be_https_off_loopback_and_have_a_real_secret() {
        assert!(Webhook::new("http://sms.example.com/hook", "0123456789abcdef").is_err());
        assert!(Webhook::new("https://sms.example.com/hook", "short").is_err());
        assert!(Webhook::new("https://sms.example.com/hook", "0123456789abcdef").is_ok());
        assert!(Webhook::new("http://127.0.0.1:9000/hook", "0123456789abcdef").is_ok());
    }
}
