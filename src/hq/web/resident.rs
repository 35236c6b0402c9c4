//! The resident's phone page (issue 16): `/r/<ticket>/<secret>`, opened from the ticket's
//! QR code. It shows the case in the resident's language and in plain words, takes their
//! rating and up to four photos, and shows nothing personal. A wrong secret, an old one
//! (a purged case) and a missing ticket get the same "not found"; wrong tries are counted
//! per address and refused for a while past a limit.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Utc;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::case::{Case, MAX_PHOTOS};
use crate::domain::intake::Lang;
use crate::hq::Hq;
use crate::hq::photos::{self, MAX_UPLOAD_BYTES};
use crate::hq::resident::{self, ResidentView};
use crate::store::StoreError;

/// Wrong tries from one address within `WINDOW` before it is refused for the rest of it.
pub const MAX_WRONG: u32 = 20;
const WINDOW: Duration = Duration::from_secs(10 * 60);
/// Addresses remembered at most (past that, the oldest windows go first).
const MOST_ADDRESSES: usize = 100_000;

pub fn router() -> Router<Hq> {
    Router::new()
        .route("/r/assets/resident.css", get(stylesheet))
        .route("/r/{ticket}/{key}", get(page))
        .route("/r/{ticket}/{key}/rate", post(rate))
        .route(
            "/r/{ticket}/{key}/photos",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .route("/r/{ticket}/{key}/photos/{id}", get(photo))
}

/// Wrong tries per client address, on this node (each node counts its own).
#[derive(Default)]
pub struct WrongTries {
    seen: Mutex<std::collections::HashMap<IpAddr, (Instant, u32)>>,
}

impl WrongTries {
    fn refused(&self, ip: Option<IpAddr>) -> bool {
        let Some(ip) = ip else { return false };
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.get(&ip).is_some_and(|(since, n)| since.elapsed() < WINDOW && *n >= MAX_WRONG)
    }

    fn wrong(&self, ip: Option<IpAddr>) {
        let Some(ip) = ip else { return };
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= MOST_ADDRESSES {
            seen.retain(|_, (since, _)| since.elapsed() < WINDOW);
        }
        let entry = seen.entry(ip).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }
}

/// The client's address: the connection's, or, behind a reverse proxy on this machine,
/// the address the proxy says it forwarded for.
fn client(extensions: &Extensions, headers: &HeaderMap) -> Option<IpAddr> {
    let peer = extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|c| c.0.ip())?;
    if peer.is_loopback() {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok());
        return forwarded.or(Some(peer));
    }
    Some(peer)
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")],
        include_str!("resident.css"),
    )
}

/// The words of the page, per language.
struct Words {
    lang: &'static str,
    title: &'static str,
    ticket: &'static str,
    status: &'static str,
    promise: &'static str,
    progress: &'static str,
    rate_question: &'static str,
    satisfied: &'static str,
    not_satisfied: &'static str,
    reason: &'static str,
    photos: &'static str,
    photo: &'static str,
    add_photo: &'static str,
    upload: &'static str,
    photo_hint: &'static str,
    no_more_photos: &'static str,
    rated: &'static str,
    uploaded: &'static str,
    private: &'static str,
    not_found: &'static str,
    not_found_hint: &'static str,
    too_many: &'static str,
}

const ZH_CN: Words = Words {
    lang: "zh-CN",
    title: "事项进度",
    ticket: "单号",
    status: "状态",
    promise: "我们的承诺",
    progress: "处理经过",
    rate_question: "您对处理结果满意吗？",
    satisfied: "满意",
    not_satisfied: "不满意，请重新处理",
    reason: "原因或意见（可不填）",
    photos: "照片",
    photo: "照片",
    add_photo: "添加照片（最多 4 张）",
    upload: "上传照片",
    photo_hint: "JPEG、PNG 或 HEIC；照片中的位置等信息会被删除。",
    no_more_photos: "已有 4 张照片，不能再添加。",
    rated: "谢谢您的评价。",
    uploaded: "照片已上传，工作人员可以看到。",
    private: "本页不显示您的姓名、电话和住址。请勿转发本页链接。",
    not_found: "没有找到这个事项",
    not_found_hint: "请核对小票上的二维码，或到大堂终端查询。",
    too_many: "尝试次数过多，请 10 分钟后再试。",
};

const ZH_TW: Words = Words {
    lang: "zh-TW",
    title: "事項進度",
    ticket: "單號",
    status: "狀態",
    promise: "我們的承諾",
    progress: "處理經過",
    rate_question: "您對處理結果滿意嗎？",
    satisfied: "滿意",
    not_satisfied: "不滿意，請重新處理",
    reason: "原因或意見（可不填）",
    photos: "照片",
    photo: "照片",
    add_photo: "新增照片（最多 4 張）",
    upload: "上傳照片",
    photo_hint: "JPEG、PNG 或 HEIC；照片中的位置等資訊會被刪除。",
    no_more_photos: "已有 4 張照片，不能再新增。",
    rated: "謝謝您的評價。",
    uploaded: "照片已上傳，工作人員可以看到。",
    private: "本頁不顯示您的姓名、電話和住址。請勿轉發本頁連結。",
    not_found: "沒有找到這個事項",
    not_found_hint: "請核對小票上的二維碼，或到大堂終端查詢。",
    too_many: "嘗試次數過多，請 10 分鐘後再試。",
};

const EN: Words = Words {
    lang: "en",
    title: "Case progress",
    ticket: "Ticket",
    status: "Status",
    promise: "Our promise",
    progress: "What happened",
    rate_question: "Are you satisfied with the result?",
    satisfied: "Satisfied",
    not_satisfied: "Not satisfied: please redo it",
    reason: "Why, or a comment (optional)",
    photos: "Photos",
    photo: "Photo",
    add_photo: "Add a photo (up to 4)",
    upload: "Upload photo",
    photo_hint: "JPEG, PNG or HEIC; location and other details in the photo are removed.",
    no_more_photos: "This case has its 4 photos.",
    rated: "Thank you for your rating.",
    uploaded: "Photo uploaded: staff can see it.",
    private: "This page shows no name, phone or address. Please do not share its link.",
    not_found: "Case not found",
    not_found_hint: "Check the QR code on your ticket, or look it up at the lobby kiosk.",
    too_many: "Too many tries: please wait 10 minutes.",
};

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::ZhCn => &ZH_CN,
        Lang::ZhTw => &ZH_TW,
        Lang::En => &EN,
    }
}

#[derive(Template)]
#[template(path = "resident.html")]
struct ResidentPage {
    w: &'static Words,
    view: ResidentView,
    base: String,
    notice: Option<&'static str>,
    problem: Option<String>,
    photos: Vec<String>,
    most_photos: usize,
    langs: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "resident_message.html")]
struct MessagePage {
    w: &'static Words,
    heading: &'static str,
    text: &'static str,
}

#[derive(Deserialize, Default)]
struct PageQuery {
    lang: Option<String>,
    done: Option<String>,
}

fn lang_of(asked: Option<&str>, case: &Case) -> Lang {
    asked.and_then(|l| l.parse::<Lang>().ok()).unwrap_or(case.intake.lang)
}

/// The one answer for every case not found, whatever the reason.
fn not_found(lang: Lang) -> Response {
    let w = words(lang);
    let page = MessagePage { w, heading: w.not_found, text: w.not_found_hint };
    (StatusCode::NOT_FOUND, html(page)).into_response()
}

fn too_many(lang: Lang) -> Response {
    let w = words(lang);
    let page = MessagePage { w, heading: w.too_many, text: w.not_found_hint };
    (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "600")], html(page)).into_response()
}

fn html(template: impl Template) -> Response {
    match template.render() {
        Ok(page) => Html(page).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a resident page failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn failed(e: StoreError) -> Response {
    tracing::error!(error = %e, "a resident page: the store failed");
    (StatusCode::SERVICE_UNAVAILABLE, "暂时无法查询，请稍后再试 Please try again later").into_response()
}

/// The case behind `/r/{ticket}/{key}`, or the response to give instead.
async fn opened(
    hq: &Hq,
    extensions: &Extensions,
    headers: &HeaderMap,
    ticket: &str,
    key: &str,
    lang: Option<&str>,
) -> Result<Case, Response> {
    let ip = client(extensions, headers);
    let asked = lang.and_then(|l| l.parse::<Lang>().ok()).unwrap_or(Lang::ZhCn);
    if hq.wrong_tries.refused(ip) {
        return Err(too_many(asked));
    }
    match resident::open(hq.db.as_ref(), ticket, key).await {
        Ok(Some(case)) => Ok(case),
        Ok(None) => {
            hq.wrong_tries.wrong(ip);
            Err(not_found(asked))
        }
        Err(e) => Err(failed(e)),
    }
}

async fn show(hq: &Hq, case: &Case, key: &str, q: &PageQuery, problem: Option<String>) -> Response {
    let lang = lang_of(q.lang.as_deref(), case);
    let w = words(lang);
    let view = match resident::view(hq.db.as_ref(), &hq.settings, case, lang, Utc::now()).await {
        Ok(view) => view,
        Err(e) => return failed(e),
    };
    let base = format!("/r/{}/{key}", case.ticket());
    let notice = match q.done.as_deref() {
        Some("rated") => Some(w.rated),
        Some("photo") => Some(w.uploaded),
        _ => None,
    };
    let photos = view.photos.iter().map(|id| id.to_string()).collect();
    let langs = [(Lang::ZhCn, "简体"), (Lang::ZhTw, "繁體"), (Lang::En, "English")]
        .into_iter()
        .map(|(l, name)| (l.code(), name, l == lang))
        .collect();
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ResidentPage { w, view, base, notice, problem, photos, most_photos: MAX_PHOTOS, langs };
    let mut response = (status, html(page)).into_response();
    // The secret is in the address: no referrer leaves with it, no cache keeps the page.
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

async fn page(
    State(hq): State<Hq>,
    extensions: Extensions,
    headers: HeaderMap,
    Path((ticket, key)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    match opened(&hq, &extensions, &headers, &ticket, &key, q.lang.as_deref()).await {
        Ok(case) => show(&hq, &case, &key, &q, None).await,
        Err(response) => response,
    }
}

#[derive(Deserialize)]
struct RateForm {
    /// `yes` or `no`: the button pressed.
    satisfied: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    lang: String,
}

async fn rate(
    State(hq): State<Hq>,
    extensions: Extensions,
    headers: HeaderMap,
    Path((ticket, key)): Path<(String, String)>,
    Form(form): Form<RateForm>,
) -> Response {
    let case = match opened(&hq, &extensions, &headers, &ticket, &key, Some(&form.lang)).await {
        Ok(case) => case,
        Err(response) => return response,
    };
    let q = PageQuery { lang: Some(form.lang.clone()).filter(|l| !l.is_empty()), done: None };
    let satisfied = match form.satisfied.as_str() {
        "yes" => true,
        "no" => false,
        _ => return show(&hq, &case, &key, &q, Some("满意或不满意？ Satisfied or not?".into())).await,
    };
    let done = resident::rate(hq.db.as_ref(), &case, satisfied, Some(&form.reason), Utc::now()).await;
    outcome(&hq, &case, &key, &q, done, "rated", |why| why).await
}

/// After a form: back to the page saying it is `done`; what the resident can mend, on the
/// page (through `say`); a failing store, as such.
async fn outcome(
    hq: &Hq,
    case: &Case,
    key: &str,
    q: &PageQuery,
    result: Result<Case, StoreError>,
    done: &str,
    say: impl FnOnce(String) -> String,
) -> Response {
    match result {
        Ok(_) => after(case, key, q, done),
        Err(StoreError::Validation(why)) => show(hq, case, key, q, Some(say(why.to_string()))).await,
        Err(StoreError::Workflow(why)) => show(hq, case, key, q, Some(say(why.to_string()))).await,
        Err(e) => failed(e),
    }
}

/// Back to the page after a form, so a reload does not send it again.
fn after(case: &Case, key: &str, q: &PageQuery, done: &str) -> Response {
    let lang = q.lang.as_deref().map(|l| format!("&lang={l}")).unwrap_or_default();
    Redirect::to(&format!("/r/{}/{key}?done={done}{lang}", case.ticket())).into_response()
}

async fn upload(
    State(hq): State<Hq>,
    extensions: Extensions,
    headers: HeaderMap,
    Path((ticket, key)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
    mut multipart: Multipart,
) -> Response {
    let case = match opened(&hq, &extensions, &headers, &ticket, &key, q.lang.as_deref()).await {
        Ok(case) => case,
        Err(response) => return response,
    };
    let mut bytes = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("photo") => match field.bytes().await {
                Ok(b) => bytes = Some(b),
                Err(e) => return show(&hq, &case, &key, &q, Some(photo_problem(&e.body_text()))).await,
            },
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) => return show(&hq, &case, &key, &q, Some(photo_problem(&e.body_text()))).await,
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return show(&hq, &case, &key, &q, Some("请选择一张照片 Choose a photo first".into())).await;
    };
    let Ok(_slot) = hq.photo_slots.acquire().await else {
        return failed(StoreError::BadRecord("the photo queue is closed".into()));
    };
    let prepared = match tokio::task::spawn_blocking(move || photos::prepare(&bytes)).await {
        Ok(Ok(prepared)) => prepared,
        Ok(Err(why)) => return show(&hq, &case, &key, &q, Some(photo_problem(&why.to_string()))).await,
        Err(e) => return failed(StoreError::BadRecord(format!("preparing a photo failed: {e}"))),
    };
    let done = resident::add_photo(hq.db.as_ref(), &case, prepared, Utc::now()).await;
    outcome(&hq, &case, &key, &q, done, "photo", |why| photo_problem(&why)).await
}

fn photo_problem(why: &str) -> String {
    format!("照片未能上传 The photo was not taken: {why}")
}

#[derive(Deserialize, Default)]
struct PhotoQuery {
    #[serde(default)]
    size: String,
}

async fn photo(
    State(hq): State<Hq>,
    extensions: Extensions,
    headers: HeaderMap,
    Path((ticket, key, id)): Path<(String, String, String)>,
    Query(q): Query<PhotoQuery>,
) -> Response {
    let case = match opened(&hq, &extensions, &headers, &ticket, &key, None).await {
        Ok(case) => case,
        Err(response) => return response,
    };
    let Ok(id) = uuid::Uuid::parse_str(&id) else { return not_found(case.intake.lang) };
    match resident::photo_of(hq.db.as_ref(), &case, id).await {
        Ok(Some(p)) => jpeg(if q.size == "thumb" { p.thumbnail } else { p.picture }),
        Ok(None) => not_found(case.intake.lang),
        Err(e) => failed(e),
    }
}

/// A stored photo as a response: always the JPEG HQ made, never what was sent.
pub fn jpeg(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "private, max-age=3600")], bytes)
        .into_response()
}
