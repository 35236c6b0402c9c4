//! Kiosk ↔ headquarters sync, protocol version 1 (documented in `src/hq/openapi.json`).
//!
//! Each origin (every kiosk, and HQ) writes its own series of events numbered 1, 2, 3…
//! A kiosk asks HQ how far HQ has its series, sends the rest of its outbox in batches, and
//! pulls the events HQ received for its estate (HQ's decisions, other kiosks' cases) after
//! the last one it saw. Storing is idempotent on both sides, so any retry is safe; an event
//! refused for good is set aside and reported, never retried forever in front of others.

pub mod client;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::store::RefusalCode;
use crate::store::StoredEvent;

pub const PROTOCOL: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct Status {
    pub protocol: u32,
    pub kiosk: String,
    pub estate: String,
    /// The highest index of this kiosk's series that HQ holds.
    pub high_water: i64,
    /// The highest ticket sequence HQ has seen from this kiosk code.
    pub max_ticket_sequence: u64,
    /// HQ's clock when it answered: a kiosk compares its own with it. (An HQ older than
    /// this field leaves it out; the kiosk then skips the comparison.)
    #[serde(default)]
    pub hq_time: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct PushRequest {
    #[schemars(length(max = 1000))]
    pub events: Vec<StoredEvent>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct Rejection {
    pub id: Uuid,
    /// What the kiosk does about it (see `RefusalCode`). An HQ older than this field
    /// leaves it out: the event is set aside, as such an HQ meant.
    #[serde(default)]
    pub code: RefusalCode,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct PushResponse {
    /// HQ holds these now (stored now or before).
    pub accepted: Vec<Uuid>,
    /// Not stored, with the reason and what to do.
    pub rejected: Vec<Rejection>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct PullResponse {
    pub events: Vec<StoredEvent>,
    /// Ask again with `after` = this.
    pub next: i64,
    pub more: bool,
}

/// How a kiosk is doing, as it says after each sync (`PUT /v1/health`), for HQ's fleet
/// page. HQ keeps it only for the kiosk whose credential sent it, and judges the kiosk's
/// clock against its own: `kiosk_time` beside when the report arrived.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// Events still in the outbox after the sync (waiting until HQ can take them).
    pub outbox: u32,
    /// Events HQ refused, kept aside at the kiosk until someone sends them again.
    pub set_aside: u32,
    /// When the oldest event in the outbox was written, by the kiosk's clock.
    pub oldest_unsent: Option<chrono::DateTime<chrono::Utc>>,
    /// Print jobs waiting for the printer.
    pub print_queued: u32,
    /// Residents' tickets that could not print, waiting for the front desk to reprint.
    pub print_held: u32,
    /// Why the oldest print job waits, as the printer said; none when nothing waits.
    pub printer: Option<crate::printer::status::PrinterStatus>,
    /// The kiosk's clock when it sent this.
    pub kiosk_time: chrono::DateTime<chrono::Utc>,
    /// The kiosk's firmware version.
    #[schemars(length(max = 40), pattern(r"^[0-9A-Za-z.+-]*$"))]
    pub version: String,
}

impl Health {
    /// What the protocol file's schema says beyond its types.
    pub fn check(&self) -> Result<(), String> {
        let version_ok = self.version.len() <= 40
            && self.version.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
        if !version_ok {
            return Err("version: at most 40 of 0-9 A-Z a-z . + -".into());
        }
        Ok(())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ErrorBody {
    pub error: String,
}

/// SHA-256 of a credential, hex: what HQ stores instead of the credential.
pub fn token_hash(token: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, token.trim().as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new credential: 32 random bytes from the system's secure generator, hex.
pub fn new_token() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new().fill(&mut bytes).expect("the system random generator works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// rustls needs one crypto provider per process; ring is the one we build.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
