//! Headquarters: the server every kiosk syncs with (axum over one of the stores in `db`:
//! SQLite by default, PostgreSQL for several nodes), and the credentials it issues. The
//! protocol is in `openapi.json` beside this file.

pub mod accounts;
pub mod db;
pub mod desk;
pub mod migrate;
pub mod notify;
pub mod photos;
pub mod resident;
pub mod web;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::domain::event::Origin;
use crate::store::{KioskRecord, Store, StoreError};
use crate::sync::{
    ErrorBody, Health, PROTOCOL, PullResponse, PushRequest, PushResponse, Rejection, Status, token_hash,
};
use db::HqDatabase;

/// Every route the server answers: the OpenAPI file must describe exactly these.
pub const ROUTES: [(&str, &str); 4] =
    [("get", "/v1/status"), ("post", "/v1/events"), ("get", "/v1/events"), ("put", "/v1/health")];

/// Largest request body: a batch of 500 events is well under it.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// Most events one push may carry: bounds how long one request holds the store.
pub const MAX_PUSH_EVENTS: usize = 1000;
pub const MAX_PULL: usize = 1000;
/// The ticket code of cases HQ files itself (hotline calls): `HQ-00001`. No kiosk may be
/// registered under it.
pub const HQ_TICKETS: &str = "HQ";

#[derive(Clone)]
pub struct Hq {
    db: Arc<dyn HqDatabase>,
    /// The calendar and staff the web desk works with (the config's `hq serve` read).
    settings: Arc<crate::config::Settings>,
    /// Past months' reports this node made lately.
    kept: Arc<desk::KeptReports>,
    /// Wrong tries at residents' phone pages, per client address.
    wrong_tries: Arc<web::WrongTries>,
    /// Photos being decoded at once: each may take a few hundred MB while it is.
    photo_slots: Arc<tokio::sync::Semaphore>,
}

impl Hq {
    pub fn new(db: Arc<dyn HqDatabase>) -> Hq {
        Hq {
            db,
            settings: Arc::new(crate::config::Settings::default()),
            kept: Default::default(),
            wrong_tries: Default::default(),
            photo_slots: Arc::new(tokio::sync::Semaphore::new(photos::AT_ONCE)),
        }
    }

    /// The web desk times clocks with these settings' calendar.
    pub fn with_settings(self, settings: crate::config::Settings) -> Hq {
        Hq { settings: Arc::new(settings), ..self }
    }

    /// Readies the store before serving: every connection warmed, and the settings'
    /// calendar kept in the store once (so the sync path and the desk time clocks alike).
    pub async fn ready(&self) -> Result<(), StoreError> {
        self.db.prepare_for_load().await?;
        self.db.use_calendar(&self.settings.calendar).await
    }

    /// Keeps the group's past months' reports made fresh in the background, for as long
    /// as the node serves: each is a read and fold of the whole group's month (1.5 s at a
    /// million cases), so the group's trend would otherwise take seconds on a first look.
    /// About 20 s of one core every 13 minutes at that size; nothing much on a small HQ.
    pub fn keep_trends_warm(&self) -> tokio::task::JoinHandle<()> {
        let hq = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = hq.desk().warm_past_months(web::MOST_TREND_MONTHS - 1).await {
                    tracing::warn!(error = %e, "could not make the past months' reports ahead");
                }
                let period = (desk::KEEP_FOR - chrono::Duration::minutes(2)).to_std().unwrap_or_default();
                tokio::time::sleep(period).await;
            }
        })
    }

    /// What tells residents their case moved, as the config says (`[hq_server]
    /// messages_webhook`, `resident_url`).
    pub fn messenger(&self) -> Result<notify::Messenger, String> {
        let notifier = notify::from_settings(&self.settings.hq_server)?;
        Ok(notify::Messenger::new(self.db.clone(), notifier, self.resident_url()?, self.settings.calendar.tz))
    }

    /// The https:// address residents' phones reach this HQ at, if configured.
    pub fn resident_url(&self) -> Result<Option<String>, String> {
        let Some(raw) = self.settings.hq_server.resident_url.as_deref().filter(|u| !u.trim().is_empty())
        else {
            return Ok(None);
        };
        let parsed =
            url::Url::parse(raw.trim()).map_err(|e| format!("[hq_server] resident_url {raw:?}: {e}"))?;
        if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
            return Err(format!("[hq_server] resident_url {raw:?}: use an https:// address"));
        }
        Ok(Some(raw.trim().trim_end_matches('/').to_string()))
    }

    /// The desk's lists, reports and actions for a page.
    pub(crate) fn desk(&self) -> desk::HqDesk<'_> {
        desk::HqDesk::serving(&self.settings, self.db.as_ref(), &self.kept)
    }

    /// HQ on the SQLite store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Hq, StoreError> {
        Ok(Hq::new(Arc::new(db::SqliteHq::open(data_dir)?)))
    }

    pub fn db(&self) -> &Arc<dyn HqDatabase> {
        &self.db
    }
}

pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(ErrorBody { error: self.1 })).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

/// The kiosk a request's credential belongs to; missing, unknown and revoked credentials
/// are all 401 and touch nothing.
async fn kiosk(hq: &Hq, headers: &HeaderMap) -> Result<KioskRecord, ApiError> {
    let unauthorized = |why: &str| ApiError(StatusCode::UNAUTHORIZED, why.to_string());
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .ok_or_else(|| unauthorized("missing credential: send Authorization: Bearer <kiosk token>"))?;
    let hash = token_hash(token);
    let record = hq.db.kiosk_by_token_hash(&hash).await?;
    match record {
        Some(k) if !k.revoked => Ok(k),
        Some(k) => {
            tracing::warn!(kiosk = k.code, "refused a revoked credential");
            Err(unauthorized("this kiosk's credential was revoked"))
        }
        None => {
            tracing::warn!("refused an unknown credential");
            Err(unauthorized("unknown credential"))
        }
    }
}

/// The credential of an `Authorization: Bearer …` header; the scheme's case does not
/// matter (RFC 9110 §11.1).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

async fn status(State(hq): State<Hq>, headers: HeaderMap) -> Result<Json<Status>, ApiError> {
    let k = kiosk(&hq, &headers).await?;
    // For the web desk's fleet page; a sync never fails for it.
    if let Err(e) = hq.db.kiosk_seen(&k.code, Utc::now()).await {
        tracing::warn!(kiosk = k.code, error = %e, "could not note when the kiosk was last seen");
    }
    let high_water = hq.db.high_water(&Origin::kiosk(&k.code)).await?;
    let max_ticket_sequence = hq.db.max_ticket_sequence(&k.code).await?;
    Ok(Json(Status {
        protocol: PROTOCOL,
        kiosk: k.code,
        estate: k.estate,
        high_water,
        max_ticket_sequence,
        hq_time: Some(Utc::now()),
    }))
}

/// serde takes a number for a variant name (`"type": 0` is `filed`); the protocol file
/// says names are strings. Inside an event's body a number may stand only under the keys
/// the protocol's own schema gives numbers (ratings, a callback's round, a price).
fn numbers_only_where_the_schema_has_them(body: &serde_json::Value, path: &str) -> Result<(), String> {
    use serde_json::Value;
    match body {
        Value::Object(fields) => fields.iter().try_for_each(|(key, value)| {
            if value.is_number() && !numeric_body_keys().contains(key.as_str()) {
                return Err(format!("{path}.{key} is a number; the protocol has a string there"));
            }
            numbers_only_where_the_schema_has_them(value, &format!("{path}.{key}"))
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| numbers_only_where_the_schema_has_them(v, &format!("{path}[{i}]"))),
        _ => Ok(()),
    }
}

/// Every key under which an event's body holds a number, read once from the schema the
/// protocol file is made of (so a new numeric field cannot be refused by mistake).
fn numeric_body_keys() -> &'static std::collections::HashSet<String> {
    use serde_json::Value;
    static KEYS: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    fn resolve<'a>(schema: &'a Value, all: &'a serde_json::Map<String, Value>) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next()) {
            Some(name) => all.get(name).unwrap_or(schema),
            None => schema,
        }
    }
    fn is_number(schema: &Value, all: &serde_json::Map<String, Value>) -> bool {
        let schema = resolve(schema, all);
        matches!(schema.get("type").and_then(Value::as_str), Some("integer" | "number"))
            || ["anyOf", "oneOf", "allOf"].iter().any(|k| {
                schema.get(*k).and_then(Value::as_array).is_some_and(|v| v.iter().any(|s| is_number(s, all)))
            })
    }
    fn collect(
        schema: &Value,
        all: &serde_json::Map<String, Value>,
        keys: &mut std::collections::HashSet<String>,
        depth: usize,
    ) {
        if depth > 16 {
            return;
        }
        let schema = resolve(schema, all);
        for k in ["anyOf", "oneOf", "allOf"] {
            for s in schema.get(k).and_then(Value::as_array).into_iter().flatten() {
                collect(s, all, keys, depth + 1);
            }
        }
        if let Some(items) = schema.get("items") {
            collect(items, all, keys, depth + 1);
        }
        for (key, property) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
            if is_number(property, all) {
                keys.insert(key.clone());
            }
            collect(property, all, keys, depth + 1);
        }
    }
    KEYS.get_or_init(|| {
        let all = component_schemas();
        let mut keys = std::collections::HashSet::new();
        if let Some(body) = all.get("EventBody") {
            collect(body, &all, &mut keys, 0);
        }
        keys
    })
}

fn parse_push(raw: serde_json::Value) -> Result<PushRequest, ApiError> {
    let unprocessable = |why: String| ApiError(StatusCode::UNPROCESSABLE_ENTITY, why);
    if let Some(events) = raw.get("events").and_then(|e| e.as_array()) {
        for (i, event) in events.iter().enumerate() {
            if let Some(body) = event.get("body") {
                numbers_only_where_the_schema_has_them(body, &format!("events[{i}].body"))
                    .map_err(unprocessable)?;
            }
        }
    }
    serde_json::from_value(raw).map_err(|e| unprocessable(format!("not a batch of events: {e}")))
}

async fn push(
    State(hq): State<Hq>,
    headers: HeaderMap,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<PushResponse>, ApiError> {
    let k = kiosk(&hq, &headers).await?;
    let Json(raw) = body.map_err(|e| ApiError(e.status(), e.body_text()))?;
    let request = parse_push(raw)?;
    // What the protocol file's schema says, checked before anything is stored.
    if request.events.len() > MAX_PUSH_EVENTS {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{} events in one push; send at most {MAX_PUSH_EVENTS}", request.events.len()),
        ));
    }
    if let Some((i, e)) = request.events.iter().enumerate().find(|(_, e)| e.origin_seq < 1) {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("events[{i}].origin_seq is {}; indexes start at 1", e.origin_seq),
        ));
    }
    let ids: Vec<uuid::Uuid> = request.events.iter().map(|e| e.event.id).collect();
    let refused = hq.db.receive_from_kiosk(&k, request.events, Utc::now()).await?;
    let accepted = ids.into_iter().filter(|id| !refused.iter().any(|r| r.id == *id)).collect();
    if !refused.is_empty() {
        tracing::warn!(
            kiosk = k.code,
            refused = refused.len(),
            first = refused[0].code.code(),
            "events refused"
        );
    }
    let rejected =
        refused.into_iter().map(|r| Rejection { id: r.id, code: r.code, reason: r.reason }).collect();
    let response = PushResponse { accepted, rejected };
    Ok(Json(response))
}

/// What the kiosk says of itself, kept for the fleet page against this credential's own
/// kiosk only (the report names none) and stamped with HQ's clock.
async fn health(
    State(hq): State<Hq>,
    headers: HeaderMap,
    body: Result<Json<Health>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let k = kiosk(&hq, &headers).await?;
    let Json(health) = body.map_err(|e| ApiError(e.status(), e.body_text()))?;
    health.check().map_err(|why| ApiError(StatusCode::UNPROCESSABLE_ENTITY, why))?;
    hq.db.kiosk_health(&k.code, &health, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    after: i64,
    #[serde(default)]
    limit: Option<usize>,
    /// Also this kiosk's own events: a kiosk whose data directory was restored or
    /// started over takes back what it had sent.
    #[serde(default)]
    own: bool,
}

async fn pull(
    State(hq): State<Hq>,
    headers: HeaderMap,
    query: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PullResponse>, ApiError> {
    let k = kiosk(&hq, &headers).await?;
    let Query(q) = query.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let limit = q.limit.unwrap_or(500);
    if !(1..=MAX_PULL).contains(&limit) {
        return Err(ApiError(StatusCode::BAD_REQUEST, format!("limit {limit} is outside 1..={MAX_PULL}")));
    }
    if q.after < 0 {
        return Err(ApiError(StatusCode::BAD_REQUEST, format!("after {} is negative", q.after)));
    }
    let exclude = (!q.own).then(|| Origin::kiosk(&k.code));
    let (events, next, more) = hq.db.events_since(q.after, &k.estate, exclude.as_ref(), limit).await?;
    Ok(Json(PullResponse { events, next, more }))
}

pub fn router(hq: Hq) -> Router {
    Router::new()
        .route(ROUTES[0].1, get(status))
        .route(ROUTES[1].1, post(push).get(pull))
        .route(ROUTES[3].1, put(health))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .merge(web::router())
        .with_state(hq)
}

/// TLS material for production.
#[derive(Clone, Debug)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Plain HTTP is allowed on loopback only: kiosks send residents' names and phones.
pub fn check_listen(listen: SocketAddr, tls: bool) -> anyhow::Result<()> {
    if !tls && !listen.ip().is_loopback() {
        anyhow::bail!(
            "{listen} is not a loopback address: give --tls-cert and --tls-key (kiosks send personal data), or listen on 127.0.0.1"
        );
    }
    Ok(())
}

/// Serves until the process ends. Plain HTTP is allowed on loopback only.
pub async fn serve(hq: Hq, listen: SocketAddr, tls: Option<Tls>) -> anyhow::Result<()> {
    check_listen(listen, tls.is_some())?;
    crate::sync::install_crypto();
    // Stops with the server, however it stops (an error, or its task dropped).
    struct StopOnDrop(tokio::task::JoinHandle<()>);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let _warm = StopOnDrop(hq.keep_trends_warm());
    let _messages = StopOnDrop(tokio::spawn(hq.messenger().map_err(|e| anyhow::anyhow!(e))?.run()));
    // The client's address counts wrong tries at residents' phone pages.
    let app = router(hq).into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        Some(tls) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                .await
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot load the TLS certificate {} / key {}: {e}",
                        tls.cert.display(),
                        tls.key.display()
                    )
                })?;
            axum_server::bind_rustls(listen, config).serve(app).await?;
        }
        None if listen.ip().is_loopback() => {
            let listener = tokio::net::TcpListener::bind(listen).await?;
            axum::serve(listener, app).await?;
        }
        None => anyhow::bail!(
            "{listen} is not a loopback address: give --tls-cert and --tls-key (kiosks send personal data), or listen on 127.0.0.1"
        ),
    }
    Ok(())
}

/// Registers a kiosk in a SQLite store and returns its new credential (shown once; HQ
/// keeps only a hash).
pub fn add_kiosk(store: &mut Store, code: &str, estate: &str) -> Result<String, StoreError> {
    let (code, estate, token) = new_credential(code, estate)?;
    store.add_kiosk(code.as_str(), &estate, &token_hash(&token), Utc::now())?;
    Ok(token)
}

/// Registers a kiosk in any HQ store; see `add_kiosk`.
pub async fn register_kiosk(db: &dyn HqDatabase, code: &str, estate: &str) -> Result<String, StoreError> {
    let (code, estate, token) = new_credential(code, estate)?;
    db.add_kiosk(code.as_str(), &estate, &token_hash(&token), Utc::now()).await?;
    Ok(token)
}

fn new_credential(
    code: &str,
    estate: &str,
) -> Result<(crate::domain::ticket::KioskCode, String, String), StoreError> {
    let code = crate::domain::ticket::KioskCode::parse(code)?;
    if code.as_str() == HQ_TICKETS {
        return Err(crate::domain::validate::ValidationError::Invalid(format!(
            "{HQ_TICKETS} is the ticket code of the cases HQ files itself; give the kiosk another code"
        ))
        .into());
    }
    if estate.trim().is_empty() {
        return Err(crate::domain::validate::ValidationError::Empty { what: "the estate" }.into());
    }
    Ok((code, estate.trim().to_string(), crate::sync::new_token()))
}

/// The request and answer shapes of the protocol as JSON schemas (OpenAPI 3.0), made from
/// the very types the server deserializes: `openapi.json` carries these, and a test
/// keeps the file equal to them.
pub fn component_schemas() -> serde_json::Map<String, serde_json::Value> {
    use schemars::generate::{Contract, SchemaGenerator, SchemaSettings};
    let generator_for = |contract: Contract| -> SchemaGenerator {
        SchemaSettings::openapi3()
            .with(|s| {
                s.definitions_path = "#/components/schemas/".into();
                s.contract = contract;
            })
            .into_generator()
    };
    // Requests as the server reads them, answers as it writes them.
    let mut generator = generator_for(Contract::Deserialize);
    generator.subschema_for::<PushRequest>();
    generator.subschema_for::<Health>();
    generator.subschema_for::<ErrorBody>();
    let mut answers = generator_for(Contract::Serialize);
    answers.subschema_for::<Status>();
    answers.subschema_for::<PushResponse>();
    answers.subschema_for::<PullResponse>();
    let mut all = generator.take_definitions(true);
    for (name, schema) in answers.take_definitions(true) {
        // One name, one shape: what the server reads and writes must agree.
        all.entry(name).or_insert(schema);
    }
    all
}
