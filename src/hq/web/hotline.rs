//! 热线登记: a complaint the GM hotline takes by phone (000 4.1–4.3), recorded exactly
//! (room, name, phone, estate, matter) and sent to the estate as a hotline case.

use askama::Template;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::{DeskError, SignedIn, check_csrf, render, signed_in};
use crate::app::Action;
use crate::domain::filing::NewCase;
use crate::domain::intake::{Kind, Lang, Severity};
use crate::domain::roles::Actor;
use crate::hq::Hq;
use crate::hq::accounts::Account;
use crate::store::StoreError;

#[derive(Deserialize, Default)]
pub struct HotlineForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    estate: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    text: String,
    #[serde(default, deserialize_with = "super::checkbox")]
    first_inquiry: bool,
    #[serde(default, deserialize_with = "super::checkbox")]
    major: bool,
    /// The caller wants no text messages about the case.
    #[serde(default, deserialize_with = "super::checkbox")]
    no_messages: bool,
}

#[derive(Template)]
#[template(path = "hotline.html")]
struct HotlinePage {
    who: Account,
    csrf: String,
    problem: Option<String>,
    estates: Vec<String>,
    /// Complaint categories as (code, name).
    categories: Vec<(String, String)>,
    form: HotlineForm,
}

fn works(who: &SignedIn) -> Result<crate::domain::roles::Role, DeskError> {
    who.account.role.works_as().ok_or_else(|| {
        DeskError::Forbidden(format!("{}只能查看 reads only", who.account.role.name(Lang::ZhCn)))
    })
}

async fn page(
    hq: &Hq,
    who: SignedIn,
    form: HotlineForm,
    problem: Option<String>,
) -> Result<Response, DeskError> {
    let mut estates: Vec<String> = hq.db.kiosks().await?.into_iter().map(|(k, _)| k.estate).collect();
    estates.sort();
    estates.dedup();
    let categories = hq
        .settings
        .catalogue
        .of_kind(Kind::Complaint)
        .map(|c| (c.code.clone(), c.name(Lang::ZhCn).to_string()))
        .collect();
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = HotlinePage { who: who.account, csrf: who.csrf, problem, estates, categories, form };
    Ok((status, render(page)?).into_response())
}

pub async fn form(State(hq): State<Hq>, headers: HeaderMap) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    works(&who)?;
    page(&hq, who, HotlineForm::default(), None).await
}

pub async fn file(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Form(form): Form<HotlineForm>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    check_csrf(&who, &form.csrf)?;
    let role = works(&who)?;
    let new = NewCase {
        kind: Some(Kind::Complaint),
        category: form.category.clone(),
        place: form.place.clone(),
        phone: Some(form.phone.clone()),
        name: Some(form.name.clone()).filter(|n| !n.trim().is_empty()),
        text: form.text.clone(),
        severity: form.major.then_some(Severity::Major),
        no_messages: form.no_messages,
        ..NewCase::default()
    };
    let now = Utc::now();
    let desk = hq.desk();
    let name = who.account.name.clone();
    let actor = Actor { id: &name, role, department: None };
    let case = match desk.file_hotline(&new, &form.estate, actor, now).await {
        Ok(case) => case,
        // What the resident said is kept on the page, with what to fix.
        Err(e @ (StoreError::Validation(_) | StoreError::Refused(_) | StoreError::Workflow(_))) => {
            let problem = e.to_string();
            return page(&hq, who, form, Some(problem)).await;
        }
        Err(e) => return Err(e.into()),
    };
    if form.first_inquiry {
        // 000 4.1: a first inquiry never raised at the estate is directed there first.
        let note =
            Action::Note { text: "首次反映，未在楼盘提出过：转楼盘处理 (000 4.1)".into() };
        desk.act_as(case.ticket(), note, actor, now).await?;
    }
    tracing::info!(account = name, ticket = case.ticket(), "HQ desk: hotline complaint recorded");
    Ok(Redirect::to(&format!("/desk/cases/{}", case.ticket())).into_response())
}
