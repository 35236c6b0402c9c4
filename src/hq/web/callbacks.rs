//! 结案回访 and 阶段性回访 (000 4.6.2): every callback that may be made now, the ones
//! after a fix apart from the progress callbacks of cases the resident was not satisfied
//! with, each with its due time and who owes it (001).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{DeskError, local_time, render, signed_in};
use crate::domain::callback::next_callback;
use crate::domain::case::Status;
use crate::domain::intake::Lang;
use crate::hq::Hq;
use crate::hq::accounts::Account;
use crate::store::CaseQuery;

/// Rows read at most: a quality office works these a page at a time.
const MOST: usize = 500;

#[derive(Deserialize)]
pub struct CallbackQuery {
    estate: Option<String>,
}

pub struct Row {
    ticket: String,
    estate: String,
    round: usize,
    due: String,
    late: bool,
    owner: String,
}

pub struct Section {
    title: &'static str,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "callbacks.html")]
struct CallbacksPage {
    who: Account,
    csrf: String,
    as_of: String,
    estate: Option<String>,
    more: bool,
    shown: usize,
    sections: Vec<Section>,
}

/// The callbacks that may be made `now`, in their two sections, soonest due first; and
/// how many cases were read (at most `MOST`).
async fn sections(
    hq: &Hq,
    estate: Option<String>,
    now: DateTime<Utc>,
) -> Result<(Vec<Section>, usize), DeskError> {
    let desk = hq.desk();
    let query = CaseQuery { callback_by: Some(now), estate: estate.clone(), ..Default::default() };
    let page = desk.page(&query, None, MOST).await?;
    let (mut closing, mut progress) = (Vec::new(), Vec::new());
    for (case, _) in &page {
        let Some(due) = next_callback(case) else { continue };
        let row = Row {
            ticket: case.ticket().to_string(),
            estate: case.intake.estate.clone(),
            round: due.round,
            due: local_time(&hq.settings, due.due),
            late: due.due < now,
            owner: due.owner.name(Lang::ZhCn),
        };
        if case.status == Status::Reopened { progress.push(row) } else { closing.push(row) }
    }
    for rows in [&mut closing, &mut progress] {
        rows.sort_by(|a, b| a.due.cmp(&b.due));
    }
    let sections = vec![
        Section { title: "结案回访 After the fix", rows: closing },
        Section { title: "阶段性回访 Progress callbacks (not yet satisfied)", rows: progress },
    ];
    Ok((sections, page.len()))
}

pub async fn list(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    let now = Utc::now();
    let estate = who.account.sees_estate(q.estate.as_deref().filter(|e| !e.is_empty()));
    let (sections, shown) = sections(&hq, estate.clone(), now).await?;
    let page = CallbacksPage {
        who: who.account,
        csrf: who.csrf,
        as_of: local_time(&hq.settings, now),
        estate,
        more: shown == MOST,
        shown,
        sections,
    };
    Ok(render(page)?.into_response())
}

/// Both lists as one sheet, a row per callback with its section.
pub async fn list_xlsx(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    let now = Utc::now();
    let estate = who.account.sees_estate(q.estate.as_deref().filter(|e| !e.is_empty()));
    let (sections, _) = sections(&hq, estate, now).await?;
    let rows: Vec<Vec<String>> = sections
        .iter()
        .flat_map(|s| {
            s.rows.iter().map(|r| {
                let late = if r.late { "是 yes" } else { "" };
                vec![
                    s.title.to_string(),
                    r.ticket.clone(),
                    r.estate.clone(),
                    r.round.to_string(),
                    r.due.clone(),
                    late.to_string(),
                    r.owner.clone(),
                ]
            })
        })
        .collect();
    let headings = [
        "栏目 Section",
        "编号 Ticket",
        "楼盘 Estate",
        "第几次 Round",
        "期限 Due",
        "逾期 Late",
        "回访人 Who calls",
    ];
    let book = super::export::table("回访 Callbacks", &headings, &rows)?;
    Ok(super::export::xlsx_response(&format!("callbacks-{}.xlsx", now.format("%Y%m%d")), book))
}
