//! 终端: every kiosk with when it last synced, its newest event and what it last said of
//! itself after a sync (its outbox, its printer, its clock against HQ's), and (for the
//! quality office) registering and revoking kiosks, as `hq add-kiosk` / `hq revoke-kiosk` do.

use askama::Template;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::{DeskError, SignedIn, check_csrf, local_time, render, signed_in};
use crate::domain::intake::Lang;
use crate::hq::Hq;
use crate::hq::accounts::{Account, HqRole};
use crate::store::StoreError;
use crate::sync::Health;

/// A kiosk that syncs every few minutes and has not for this long is worth a call.
const QUIET_AFTER: Duration = Duration::hours(1);

/// A kiosk clock this far from HQ's makes wrong deadlines (the kiosk warns at the same).
const CLOCK_OFF_AFTER: Duration = Duration::minutes(2);
/// Events this old still in a kiosk's outbox are stuck, not just waiting for the next sync.
const STUCK_AFTER: Duration = Duration::hours(1);

pub struct Row {
    code: String,
    estate: String,
    last_seen: String,
    last_event: String,
    state: &'static str,
    revoked: bool,
    quiet: bool,
    health: Option<HealthCells>,
}

/// What a kiosk last said of itself, in words, each with whether someone should look.
pub struct HealthCells {
    outbox: String,
    outbox_alert: bool,
    printer: String,
    printer_alert: bool,
    clock: String,
    clock_alert: bool,
    reported: String,
    version: String,
}

fn health_cells(hq: &Hq, health: &Health, at: DateTime<Utc>) -> HealthCells {
    let mut outbox = if health.outbox == 0 {
        "0 全部送达 all sent".to_string()
    } else {
        format!("{} 待发送 waiting", health.outbox)
    };
    if let Some(oldest) = health.oldest_unsent {
        outbox += &format!(" · 最早 oldest {}", local_time(&hq.settings, oldest));
    }
    if health.set_aside > 0 {
        outbox += &format!(" · {} 被总部退回 refused by HQ", health.set_aside);
    }
    let stuck = health.oldest_unsent.is_some_and(|t| at - t > STUCK_AFTER);
    let mut printer = match health.printer {
        Some(status) => format!("{} {}", status.zh(), status.code()),
        None => "正常 OK".to_string(),
    };
    if health.print_queued > 0 {
        printer += &format!(" · {} 份待打印 queued", health.print_queued);
    }
    if health.print_held > 0 {
        printer += &format!(" · {} 张小票待补打 tickets to reprint", health.print_held);
    }
    let skew = health.kiosk_time - at;
    let by = skew.abs();
    let amount = if by < Duration::minutes(1) {
        format!("{} 秒 s", by.num_seconds())
    } else {
        format!("{} 分钟 min", (by.num_seconds() + 30) / 60)
    };
    let clock = if by < Duration::seconds(1) {
        "准确 on time".to_string()
    } else if skew > Duration::zero() {
        format!("快 {amount} ahead")
    } else {
        format!("慢 {amount} behind")
    };
    HealthCells {
        outbox_alert: stuck || health.set_aside > 0,
        outbox,
        printer_alert: health.printer.is_some_and(|s| !s.can_print()) || health.print_held > 0,
        printer,
        clock_alert: by > CLOCK_OFF_AFTER,
        clock,
        reported: local_time(&hq.settings, at),
        version: health.version.clone(),
    }
}

#[derive(Template)]
#[template(path = "fleet.html")]
struct FleetPage {
    who: Account,
    csrf: String,
    problem: Option<String>,
    new_token: Option<(String, String)>,
    can_manage: bool,
    as_of: String,
    rows: Vec<Row>,
}

fn manages(account: &Account) -> bool {
    account.role == HqRole::QualityOffice
}

async fn page(
    hq: &Hq,
    who: SignedIn,
    problem: Option<String>,
    new_token: Option<(String, String)>,
) -> Result<Response, DeskError> {
    let now = Utc::now();
    let when = |t: Option<DateTime<Utc>>| match t {
        Some(t) => local_time(&hq.settings, t),
        None => "从未 never".to_string(),
    };
    let rows = hq
        .db
        .fleet()
        .await?
        .into_iter()
        .filter(|k| who.account.may_see(&k.estate))
        .map(|k| Row {
            quiet: !k.revoked && k.last_seen.is_none_or(|t| now - t > QUIET_AFTER),
            last_seen: when(k.last_seen),
            last_event: when(k.last_event_at),
            health: k.health.as_ref().map(|(health, at)| health_cells(hq, health, *at)),
            state: if k.revoked { "已停用 revoked" } else { "使用中 active" },
            revoked: k.revoked,
            code: k.code,
            estate: k.estate,
        })
        .collect();
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = FleetPage {
        can_manage: manages(&who.account),
        who: who.account,
        csrf: who.csrf,
        problem,
        new_token,
        as_of: local_time(&hq.settings, now),
        rows,
    };
    Ok((status, render(page)?).into_response())
}

pub async fn list(State(hq): State<Hq>, headers: HeaderMap) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    page(&hq, who, None, None).await
}

#[derive(Deserialize)]
pub struct RegisterForm {
    csrf: String,
    code: String,
    estate: String,
}

fn only_quality_office(who: &SignedIn) -> Result<(), DeskError> {
    if manages(&who.account) {
        Ok(())
    } else {
        Err(DeskError::Forbidden(
            "只有全质办登记和停用终端 Only the quality office registers and revokes kiosks".into(),
        ))
    }
}

pub async fn register(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Form(form): Form<RegisterForm>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    check_csrf(&who, &form.csrf)?;
    only_quality_office(&who)?;
    match crate::hq::register_kiosk(hq.db.as_ref(), &form.code, &form.estate).await {
        Ok(token) => {
            tracing::info!(account = who.account.name, kiosk = form.code, "HQ desk: kiosk registered");
            let code = form.code.trim().to_uppercase();
            page(&hq, who, None, Some((code, token))).await
        }
        Err(e @ StoreError::Validation(_)) => page(&hq, who, Some(e.to_string()), None).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    csrf: String,
    code: String,
}

pub async fn revoke(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Form(form): Form<RevokeForm>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    check_csrf(&who, &form.csrf)?;
    only_quality_office(&who)?;
    if !hq.db.revoke_kiosk(&form.code, Utc::now()).await? {
        return Err(DeskError::NotFound);
    }
    tracing::info!(account = who.account.name, kiosk = form.code, "HQ desk: kiosk revoked");
    Ok(Redirect::to("/desk/fleet").into_response())
}
