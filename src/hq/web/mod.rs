//! HQ's web desk (issue 15): server-rendered pages for the quality office, the GM hotline
//! and estate heads, served by `hq serve` under `/desk`. Templates are checked when the
//! crate compiles (askama); the stylesheet is in the binary; there is no script.
//!
//! Who is signed in lives in the store (a session is a random token in an HttpOnly,
//! Secure, SameSite=Strict cookie; the store keeps only its hash), so any HQ node serves
//! any session. Every form carries the session's own form token and is refused without
//! it; a sign-in from another site is refused by its Origin; failed sign-ins are counted
//! per account across nodes; and every page that shows a case's personal data is logged.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

mod accounts;
mod callbacks;
mod export;
mod fleet;
mod hotline;
mod reports;
mod resident;
mod trend;

pub use resident::{MAX_WRONG as MAX_WRONG_RESIDENT_TRIES, WrongTries};
/// The most months a KPI trend shows.
pub use trend::MOST_MONTHS as MOST_TREND_MONTHS;

use super::Hq;
use super::accounts::{Account, decoy_hash, password_matches};
use super::desk::HqDesk;
use crate::app::{Action, CallbackInput, normalize_ticket, summary};
use crate::domain::case::Status;
use crate::domain::event::{ContactMethod, EscalationTarget};
use crate::domain::intake::{Kind, Lang};
use crate::domain::roles::Actor;
use crate::store::{CaseQuery, PageMark, StoreError};

const COOKIE: &str = "lobbydesk_session";
/// A working day and a bit; then sign in again.
const SESSION_HOURS: i64 = 12;
/// Failed sign-ins to one account within `LOCKOUT_MINUTES` before it refuses more tries.
pub const MAX_FAILURES: u32 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;
const PAGE: usize = 50;

/// What every page answers with besides its body: no framing, no scripts from anywhere,
/// forms only back to this server, nothing cached. (The referrer policy is same-origin,
/// not no-referrer: under no-referrer a browser sends `Origin: null` with our own forms.)
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

pub fn router() -> Router<Hq> {
    Router::new()
        .route("/desk", get(cases))
        .route("/desk/", get(|| async { Redirect::to("/desk") }))
        .route("/desk/cases.xlsx", get(cases_xlsx))
        .route("/desk/sign-in", get(sign_in_page).post(sign_in))
        .route("/desk/sign-out", post(sign_out))
        .route("/desk/cases/{ticket}", get(case_page))
        .route("/desk/cases/{ticket}/act", post(act))
        .route("/desk/hotline", get(hotline::form).post(hotline::file))
        .route("/desk/callbacks", get(callbacks::list))
        .route("/desk/callbacks.xlsx", get(callbacks::list_xlsx))
        .route("/desk/reports/trend.xlsx", get(trend::trend_xlsx))
        .route("/desk/accounts", get(accounts::list))
        .route("/desk/accounts/add", post(accounts::add))
        .route("/desk/accounts/reset", post(accounts::reset))
        .route("/desk/accounts/disable", post(accounts::disable))
        .route("/desk/password", get(accounts::password_form).post(accounts::change_password))
        .route("/desk/fleet", get(fleet::list))
        .route("/desk/fleet/register", post(fleet::register))
        .route("/desk/fleet/revoke", post(fleet::revoke))
        .route("/desk/reports/daily", get(reports::daily))
        .route("/desk/reports/daily.xlsx", get(reports::daily_xlsx))
        .route("/desk/reports/monthly", get(reports::monthly))
        .route("/desk/reports/monthly.xlsx", get(reports::monthly_xlsx))
        .route("/desk/reports/trend", get(trend::trend))
        .route("/desk/assets/desk.css", get(stylesheet))
        .route("/desk/photos/{id}", get(staff_photo))
        .merge(resident::router())
        .layer(axum::middleware::from_fn(security_headers))
}

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")],
        include_str!("desk.css"),
    )
}

/// A page's failure, shown as a page (never a panic, never the store's inner words to a
/// signed-out visitor).
pub enum DeskError {
    SignIn,
    /// What was asked is not understood (a date that is not one).
    Invalid(String),
    Forbidden(String),
    NotFound,
    Store(StoreError),
}

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> DeskError {
        match e {
            StoreError::NotFound(_) => DeskError::NotFound,
            StoreError::Validation(why) => DeskError::Invalid(why.to_string()),
            e => DeskError::Store(e),
        }
    }
}

impl IntoResponse for DeskError {
    fn into_response(self) -> Response {
        let page = |status: StatusCode, text: String| {
            (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], message_page(&text))
                .into_response()
        };
        match self {
            DeskError::SignIn => Redirect::to("/desk/sign-in").into_response(),
            DeskError::Forbidden(why) => page(StatusCode::FORBIDDEN, why),
            DeskError::Invalid(why) => page(StatusCode::BAD_REQUEST, why),
            DeskError::NotFound => page(StatusCode::NOT_FOUND, "没有这个案件 No such case".into()),
            DeskError::Store(e) => {
                tracing::error!(error = %e, "HQ desk: the store failed");
                page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "总部数据暂时无法读取 HQ's store cannot be read now".into(),
                )
            }
        }
    }
}

fn message_page(text: &str) -> String {
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{escaped}</title>\
         <link rel=\"stylesheet\" href=\"/desk/assets/desk.css\"><main><p role=\"alert\" class=\"problem\">{escaped}</p>\
         <p><a href=\"/desk\">返回 Back</a></p></main></html>"
    )
}

fn render(template: impl Template) -> Result<Html<String>, DeskError> {
    template
        .render()
        .map(Html)
        .map_err(|e| DeskError::Store(StoreError::BadRecord(format!("a desk page failed to render: {e}"))))
}

/// The signed-in person: their account and their session's form token.
pub struct SignedIn {
    pub account: Account,
    pub csrf: String,
    token_hash: String,
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

async fn signed_in(hq: &Hq, headers: &HeaderMap) -> Result<SignedIn, DeskError> {
    let token = session_token(headers).ok_or(DeskError::SignIn)?;
    let token_hash = crate::sync::token_hash(&token);
    let (account, csrf) = hq.db.session(&token_hash, Utc::now()).await?.ok_or(DeskError::SignIn)?;
    Ok(SignedIn { account, csrf, token_hash })
}

/// A form's token must be the session's own (constant-time compare).
fn check_csrf(who: &SignedIn, sent: &str) -> Result<(), DeskError> {
    let same = sent.len() == who.csrf.len()
        && sent.bytes().zip(who.csrf.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if same {
        Ok(())
    } else {
        Err(DeskError::Forbidden("表单已过期，请刷新后重试 The form expired: reload and try again".into()))
    }
}

/// A form posted from a page of another site carries that site's Origin.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true; // not sent by a browser form from elsewhere
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    origin.split_once("://").is_some_and(|(_, rest)| rest == host)
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    name: String,
    problem: Option<String>,
}

async fn sign_in_page() -> Result<Html<String>, DeskError> {
    render(SignInPage { name: String::new(), problem: None })
}

#[derive(Deserialize)]
struct SignInForm {
    name: String,
    password: String,
}

async fn sign_in(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, DeskError> {
    if !same_origin(&headers) {
        return Err(DeskError::Forbidden("请从总部工作台登录 Sign in from the HQ desk itself".into()));
    }
    let now = Utc::now();
    let name = form.name.trim().to_string();
    let refuse = |problem: &str| -> Result<Response, DeskError> {
        let page = render(SignInPage { name: name.clone(), problem: Some(problem.to_string()) })?;
        Ok((StatusCode::UNAUTHORIZED, page).into_response())
    };
    if hq.db.sign_in_failures(&name, now - Duration::minutes(LOCKOUT_MINUTES)).await? >= MAX_FAILURES {
        return refuse(&format!(
            "密码错误次数过多，请{LOCKOUT_MINUTES}分钟后再试 Too many wrong passwords: try again in {LOCKOUT_MINUTES} minutes"
        ));
    }
    let found = hq.db.account(&name).await?;
    // The same slow check whether or not the account exists.
    let hash = found.as_ref().map(|(_, h)| h.as_str()).unwrap_or_else(|| decoy_hash());
    let password = form.password.clone();
    let hash_owned = hash.to_string();
    let matches =
        tokio::task::spawn_blocking(move || password_matches(&password, &hash_owned)).await.unwrap_or(false);
    let account = match found {
        Some((account, _)) if matches && !account.disabled => account,
        _ => {
            hq.db.note_sign_in(&name, false, now).await?;
            return refuse("账号或密码不对 Wrong account or password");
        }
    };
    hq.db.note_sign_in(&account.name, true, now).await?;
    let token = crate::sync::new_token();
    let csrf = crate::sync::new_token();
    hq.db
        .start_session(
            &crate::sync::token_hash(&token),
            &account.name,
            &csrf,
            now,
            now + Duration::hours(SESSION_HOURS),
        )
        .await?;
    tracing::info!(account = account.name, "HQ desk: signed in");
    let cookie = format!(
        "{COOKIE}={token}; Path=/desk; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        SESSION_HOURS * 3600
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/desk")).into_response())
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn sign_out(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    check_csrf(&who, &form.csrf)?;
    hq.db.end_session(&who.token_hash).await?;
    let cookie = format!("{COOKIE}=; Path=/desk; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/desk/sign-in")).into_response())
}

#[derive(Deserialize, Default)]
struct CaseFilter {
    estate: Option<String>,
    words: Option<String>,
    /// A status code (`received`, `resolved`, …); empty for any.
    #[serde(default)]
    status: String,
    /// A kind code (`complaint`, `repair`, `suggestion`); empty for any.
    #[serde(default)]
    kind: String,
    #[serde(default, deserialize_with = "checkbox")]
    open: bool,
    #[serde(default, deserialize_with = "checkbox")]
    overdue: bool,
    /// On the GM's escalation list (000 4.3.2, 4.3.3).
    #[serde(default, deserialize_with = "checkbox")]
    escalated: bool,
    after: Option<String>,
}

fn checkbox<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(!String::deserialize(d)?.is_empty())
}

impl CaseFilter {
    fn url(&self, after: &PageMark) -> String {
        format!("/desk?{}", self.query_string(Some(after)))
    }

    /// The filter as a URL's query, from `after` when given.
    fn query_string(&self, after: Option<&PageMark>) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(e) = self.estate.as_deref().filter(|e| !e.is_empty()) {
            q.append_pair("estate", e);
        }
        if let Some(w) = self.words.as_deref().filter(|w| !w.is_empty()) {
            q.append_pair("words", w);
        }
        if !self.status.is_empty() {
            q.append_pair("status", &self.status);
        }
        if !self.kind.is_empty() {
            q.append_pair("kind", &self.kind);
        }
        if self.open {
            q.append_pair("open", "1");
        }
        if self.overdue {
            q.append_pair("overdue", "1");
        }
        if self.escalated {
            q.append_pair("escalated", "1");
        }
        if let Some(after) = after {
            q.append_pair("after", &after.to_param());
        }
        q.finish()
    }
}

struct Row {
    ticket: String,
    estate: String,
    kind: String,
    status: String,
    place: String,
    filed: String,
    overdue: bool,
    escalated: bool,
}

/// Most rows one export carries; a larger list is narrowed with the filters first.
const EXPORT_ROWS: usize = 20_000;

/// The list as a workbook, with the same filters (no phone numbers: the list has none).
async fn cases_xlsx(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Query(mut filter): Query<CaseFilter>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    let now = Utc::now();
    let desk = hq.desk();
    let mut rows = Vec::new();
    if let Some(query) = filter.query(&who.account, now)? {
        let mut after = None;
        while rows.len() < EXPORT_ROWS {
            let page = desk.page(&query, after.as_ref(), 1_000).await?;
            let Some((_, mark)) = page.last() else { break };
            after = Some(mark.clone());
            let full = page.len() == 1_000;
            rows.extend(page.iter().map(|(case, _)| {
                let r = row_of(&desk, case, now);
                let yes = |b: bool| if b { "是 yes" } else { "" }.to_string();
                vec![r.ticket, r.estate, r.kind, r.status, yes(r.overdue), yes(r.escalated), r.place, r.filed]
            }));
            if !full {
                break;
            }
        }
        rows.truncate(EXPORT_ROWS);
    }
    let headings = [
        "编号 Ticket",
        "楼盘 Estate",
        "类别 Kind",
        "状态 Status",
        "超时 Overdue",
        "已升级 Escalated",
        "地点 Place",
        "提交 Filed",
    ];
    let book = export::table("案件 Cases", &headings, &rows)?;
    Ok(export::xlsx_response(&format!("cases-{}.xlsx", now.format("%Y%m%d")), book))
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    who: Account,
    csrf: String,
    filter: CaseFilter,
    rows: Vec<Row>,
    next: Option<String>,
    /// (code, name) for the status and kind pickers.
    statuses: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
}

fn status_options() -> Vec<(&'static str, &'static str)> {
    Status::ALL.iter().map(|s| (s.code(), s.zh())).collect()
}

fn kind_options() -> Vec<(&'static str, &'static str)> {
    Kind::ALL.iter().map(|k| (k.code(), k.zh())).collect()
}

/// A category as people call it (the catalogue's Chinese name), its code if unknown.
fn category_zh(settings: &crate::config::Settings, code: &str) -> String {
    settings.catalogue.get(code).map(|c| c.name(Lang::ZhCn)).unwrap_or(code).to_string()
}

/// A moment as the desk shows it: local time of HQ's calendar, to the minute.
fn local_time(settings: &crate::config::Settings, t: DateTime<Utc>) -> String {
    t.with_timezone(&settings.calendar.tz).format("%Y-%m-%d %H:%M").to_string()
}

fn local(hq_desk: &HqDesk<'_>, t: DateTime<Utc>) -> String {
    local_time(hq_desk.settings, t)
}

impl CaseFilter {
    /// The store's query for this filter as `who` may see it; none when nothing can match
    /// (a closed status asked for among open cases).
    fn query(&mut self, who: &Account, now: DateTime<Utc>) -> Result<Option<CaseQuery>, DeskError> {
        self.estate = who.sees_estate(self.estate.as_deref().filter(|e| !e.is_empty()));
        let status = match self.status.as_str() {
            "" => None,
            code => Some(
                Status::ALL
                    .into_iter()
                    .find(|s| s.code() == code)
                    .ok_or_else(|| DeskError::Invalid(format!("没有这个状态 No status {code}")))?,
            ),
        };
        let kind = match self.kind.as_str() {
            "" => None,
            code => Some(
                Kind::ALL
                    .iter()
                    .copied()
                    .find(|k| k.code() == code)
                    .ok_or_else(|| DeskError::Invalid(format!("没有这个类别 No kind {code}")))?,
            ),
        };
        let statuses = match status {
            Some(s) if self.open || self.overdue => Status::open().into_iter().filter(|o| *o == s).collect(),
            Some(s) => vec![s],
            None if self.open || self.overdue => Status::open(),
            None => Vec::new(),
        };
        if statuses.is_empty() && status.is_some() {
            return Ok(None);
        }
        Ok(Some(CaseQuery {
            statuses,
            kind,
            overdue_at: self.overdue.then_some(now),
            escalated_at: self.escalated.then_some(now),
            words: self.words.clone().filter(|w| !w.trim().is_empty()),
            estate: self.estate.clone(),
            ..Default::default()
        }))
    }
}

fn row_of(desk: &HqDesk<'_>, case: &crate::domain::case::Case, now: DateTime<Utc>) -> Row {
    let s = summary(case, &desk.settings.calendar, now);
    Row {
        ticket: s.ticket,
        estate: case.intake.estate.clone(),
        kind: format!("{} {}", case.kind().zh(), category_zh(desk.settings, &s.category)),
        status: case.status.zh().to_string(),
        place: s.place,
        filed: local(desk, s.filed_at),
        overdue: s.overdue,
        escalated: crate::domain::clocks::escalated_from(case, &desk.settings.calendar)
            .is_some_and(|t| t < now),
    }
}

async fn cases(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Query(mut filter): Query<CaseFilter>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    let now = Utc::now();
    let desk = hq.desk();
    let Some(query) = filter.query(&who.account, now)? else {
        let page = CasesPage {
            who: who.account,
            csrf: who.csrf,
            filter,
            rows: Vec::new(),
            next: None,
            statuses: status_options(),
            kinds: kind_options(),
        };
        return Ok(render(page)?.into_response());
    };
    let after = filter.after.as_deref().and_then(PageMark::from_param);
    let page = desk.page(&query, after.as_ref(), PAGE).await?;
    let next = (page.len() == PAGE).then(|| page.last().map(|(_, mark)| filter.url(mark))).flatten();
    let rows = page.iter().map(|(case, _)| row_of(&desk, case, now)).collect();
    let page = CasesPage {
        who: who.account,
        csrf: who.csrf,
        filter,
        rows,
        next,
        statuses: status_options(),
        kinds: kind_options(),
    };
    Ok(render(page)?.into_response())
}

pub struct Step {
    at: String,
    what: String,
    who: String,
    note: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    who: Account,
    csrf: String,
    problem: Option<String>,
    can_act: bool,
    ticket: String,
    estate: String,
    kind: String,
    category: String,
    channel: String,
    status: String,
    overdue: bool,
    place: String,
    contact: String,
    text: String,
    filed: String,
    owner: String,
    history: Vec<Step>,
    /// The resident's photos (ids), shown as thumbnails linking to the whole picture.
    photos: Vec<String>,
    /// Messages sent to the resident: what, when queued, how it went.
    messages: Vec<[String; 3]>,
}

/// The case as the signed-in person may see it; none for a case they may not see (an
/// estate head asking for another estate's case learns nothing, not even that it exists).
async fn visible_case(hq: &Hq, who: &SignedIn, ticket: &str) -> Result<crate::domain::case::Case, DeskError> {
    let ticket = normalize_ticket(ticket).map_err(|_| DeskError::NotFound)?;
    let case = hq.db.case_by_ticket(&ticket).await?.ok_or(DeskError::NotFound)?;
    if !who.account.may_see(&case.intake.estate) {
        return Err(DeskError::NotFound);
    }
    Ok(case)
}

async fn show_case(
    hq: &Hq,
    who: SignedIn,
    case: crate::domain::case::Case,
    problem: Option<String>,
) -> Result<Response, DeskError> {
    let now = Utc::now();
    hq.db.audit(&who.account.name, case.id, "opened", now).await?;
    let desk = hq.desk();
    let mut events = hq.db.case_events(case.id).await?;
    events.sort_by_key(|e| (e.event.stamp, e.event.id));
    let history = events
        .iter()
        .map(|e| Step {
            at: local(&desk, e.event.at),
            what: format!("{} {}", e.event.body.title_zh(), e.event.body.name()),
            who: e.event.actor.clone(),
            note: crate::app::event_text(&e.event.body),
        })
        .collect();
    let s = summary(&case, &hq.settings.calendar, now);
    let messages = hq
        .db
        .notices_of(case.id)
        .await?
        .into_iter()
        .map(|n| {
            let what = match n.kind.as_str() {
                "acknowledged" => "确认受理",
                "assigned" => "已派工",
                "resolved" => "处理完毕",
                "promise-changed" => "承诺日期",
                other => other,
            };
            let state = match (n.sent_at, n.gave_up_at) {
                (Some(at), _) => format!("已发送 sent {}", local(&desk, at)),
                (None, Some(_)) => format!("未能发送 failed: {}", n.last_error.unwrap_or_default()),
                (None, None) if n.attempts > 0 => {
                    format!("重试中 retrying ({}): {}", n.attempts, n.last_error.unwrap_or_default())
                }
                (None, None) => "待发送 queued".to_string(),
            };
            [format!("{what} {}", n.kind), local(&desk, n.queued_at), state]
        })
        .collect();
    let contact = match &case.intake.contact {
        Some(c) => format!("{} {}", c.name.as_deref().unwrap_or(""), c.phone.as_str()).trim().to_string(),
        None => "匿名 anonymous".to_string(),
    };
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = CasePage {
        can_act: who.account.role.works_as().is_some(),
        who: who.account,
        csrf: who.csrf,
        problem,
        ticket: s.ticket,
        estate: case.intake.estate.clone(),
        kind: case.kind().zh().to_string(),
        category: category_zh(&hq.settings, &case.intake.category),
        channel: case.intake.channel.zh().to_string(),
        status: case.status.zh().to_string(),
        overdue: s.overdue,
        place: case.intake.place.label(Lang::ZhCn),
        contact,
        text: case.intake.text.clone(),
        filed: local(&desk, case.filed_at),
        owner: match case.owner.as_str() {
            crate::domain::filing::ESTATE_HEAD => "楼盘负责人 estate head".to_string(),
            crate::domain::filing::FRONT_DESK => "前台 front desk".to_string(),
            other => other.to_string(),
        },
        history,
        photos: case.photos.iter().map(|id| id.to_string()).collect(),
        messages,
    };
    Ok((status, render(page)?).into_response())
}

#[derive(Deserialize, Default)]
struct PhotoSize {
    #[serde(default)]
    size: String,
}

/// A resident's photo for staff who may see its case.
async fn staff_photo(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PhotoSize>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| DeskError::NotFound)?;
    let photo = hq.db.photo(id).await?.ok_or(DeskError::NotFound)?;
    let case = hq.db.case(photo.case_id).await?.ok_or(DeskError::NotFound)?;
    if !who.account.may_see(&case.intake.estate) {
        return Err(DeskError::NotFound);
    }
    hq.db.audit(&who.account.name, case.id, "photo", Utc::now()).await?;
    Ok(resident::jpeg(if q.size == "thumb" { photo.thumbnail } else { photo.picture }))
}

async fn case_page(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Path(ticket): Path<String>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    let case = visible_case(&hq, &who, &ticket).await?;
    show_case(&hq, who, case, None).await
}

#[derive(Deserialize)]
struct ActForm {
    csrf: String,
    what: String,
    text: String,
}

/// What the desk's action form asks for, as the workflow's action on `case`. Whether
/// this person may take it there and then is the workflow's to say (`roles::may`).
fn action_of(form: &ActForm, case: &crate::domain::case::Case) -> Result<Action, String> {
    let text = form.text.trim().to_string();
    let note = Some(text.clone()).filter(|t| !t.is_empty());
    let callback = |satisfied: bool| {
        Action::Callback(CallbackInput {
            method: ContactMethod::Phone,
            satisfied,
            quality: None,
            effect: None,
            satisfaction: None,
            shortcomings: (!satisfied).then(|| text.clone()),
            suggestions: satisfied.then(|| text.clone()).filter(|t| !t.is_empty()),
            next_callback_at: None,
            signature: None,
        })
    };
    Ok(match form.what.as_str() {
        "note" => Action::Note { text },
        "reply" => Action::Reply { method: ContactMethod::Phone, text },
        "callback-satisfied" => callback(true),
        "callback-unsatisfied" => callback(false),
        "escalate-gm" => Action::Escalate { to: EscalationTarget::GeneralManager, reason: text },
        "escalate-group" => Action::Escalate { to: EscalationTarget::GroupHead, reason: text },
        "acknowledge" => Action::Acknowledge { note },
        "major" => Action::Classify {
            complaint_class: None,
            severity: Some(crate::domain::intake::Severity::Major),
            department: None,
        },
        "link" => Action::Link { primary_ticket: text },
        "review" => Action::Review { round: case.callbacks.len() as u32, opinion: text },
        "adopt" => Action::Decide { adopted: true, reason: text },
        "decline" => Action::Decide { adopted: false, reason: text },
        "reopen" => Action::Reopen { reason: text },
        "close" => Action::Close { note },
        other => return Err(format!("没有这个操作 No such action: {other}")),
    })
}

async fn act(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Path(ticket): Path<String>,
    Form(form): Form<ActForm>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    check_csrf(&who, &form.csrf)?;
    let case = visible_case(&hq, &who, &ticket).await?;
    let Some(role) = who.account.role.works_as() else {
        return Err(DeskError::Forbidden(format!(
            "{}只能查看 reads only",
            who.account.role.name(Lang::ZhCn)
        )));
    };
    let action = match action_of(&form, &case) {
        Ok(action) => action,
        Err(problem) => return show_case(&hq, who, case, Some(problem)).await,
    };
    let desk = hq.desk();
    let actor = Actor { id: &who.account.name, role, department: None };
    match desk.act_as(case.ticket(), action, actor, Utc::now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/desk/cases/{}", case.ticket())).into_response()),
        // Refused by the workflow's rules or not valid: said on the case's own page.
        Err(e @ (StoreError::Refused(_) | StoreError::Workflow(_) | StoreError::Validation(_))) => {
            let problem = e.to_string();
            let case = visible_case(&hq, &who, case.ticket()).await?;
            show_case(&hq, who, case, Some(problem)).await
        }
        Err(e) => Err(e.into()),
    }
}
