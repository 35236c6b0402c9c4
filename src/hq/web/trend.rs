//! 趋势: each KPI month by month against its target (000 4.7, 5.3–5.6), for the group or
//! one estate, as line charts drawn on the server with the numbers in a table beside them.
//! Each month is the monthly report's own figure, read one month at a time (memory stays
//! that of one month's cases however many months are shown).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use super::reports::{Cell, percent};
use super::{DeskError, render, signed_in};
use crate::domain::intake::Lang;
use crate::domain::report::Kpi;
use crate::hq::Hq;
use crate::hq::accounts::Account;

/// Months shown unless asked otherwise, and at most.
const DEFAULT_MONTHS: u32 = 6;
pub const MOST_MONTHS: u32 = 12;

#[derive(Deserialize, Default)]
pub struct TrendQuery {
    /// The last month shown (YYYY-MM), this month by default.
    month: Option<String>,
    months: Option<u32>,
    estate: Option<String>,
}

/// One KPI over the months: a point per month, the target as a dashed line.
pub struct Line {
    title: String,
    /// What a screen reader says instead of the drawing.
    summary: String,
    points: Vec<Point>,
    /// The polyline through the months that were measured.
    path: String,
    target_y: u32,
}

pub struct Point {
    x: u32,
    y: u32,
    label: String,
    value: String,
    measured: bool,
    missed: bool,
}

/// The drawing's geometry, in its own units: 0% at the bottom, 100% at the top.
const TOP: u32 = 24;
const BOTTOM: u32 = 184;
const LEFT: u32 = 56;
const RIGHT: u32 = 424;

fn y_of(v: f64) -> u32 {
    let span = f64::from(BOTTOM - TOP);
    BOTTOM - (v.clamp(0.0, 1.0) * span).round() as u32
}

fn lines_of(months: &[(String, Vec<Kpi>)]) -> Vec<Line> {
    let Some((_, first)) = months.first() else { return Vec::new() };
    let step = if months.len() > 1 { (RIGHT - LEFT) / (months.len() as u32 - 1) } else { 0 };
    (0..first.len())
        .map(|i| {
            let points: Vec<Point> = months
                .iter()
                .enumerate()
                .map(|(n, (month, kpis))| {
                    let k = &kpis[i];
                    Point {
                        x: LEFT + n as u32 * step,
                        y: k.value.map(y_of).unwrap_or(BOTTOM),
                        label: month[5..].trim_start_matches('0').to_string() + "月",
                        value: k.value.map(percent).unwrap_or_else(|| "—".into()),
                        measured: k.value.is_some(),
                        missed: k.met == Some(false),
                    }
                })
                .collect();
            let path = points
                .iter()
                .filter(|p| p.measured)
                .map(|p| format!("{},{}", p.x, p.y))
                .collect::<Vec<_>>()
                .join(" ");
            let said = months
                .iter()
                .zip(&points)
                .map(|((month, _), p)| format!("{month} {}", p.value))
                .collect::<Vec<_>>()
                .join("；");
            Line {
                title: format!("{} ≥ {}", first[i].name_zh, percent(first[i].target)),
                summary: format!("{}（目标 {}）：{said}", first[i].name_zh, percent(first[i].target)),
                points,
                path,
                target_y: y_of(first[i].target),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "trend.html")]
struct TrendPage {
    who: Account,
    csrf: String,
    month: String,
    months: u32,
    estate: String,
    /// Whose figures: the group, or one estate.
    whose: String,
    headings: Vec<String>,
    /// A row per month: the month and each KPI's value with its numerator and denominator.
    table: Vec<(String, Vec<Cell>)>,
    lines: Vec<Line>,
    top: u32,
    bottom: u32,
    left: u32,
    right: u32,
}

/// The months asked for: the last month, how many, whose (an estate or the group), and
/// each month's KPIs, oldest first.
struct Asked {
    last: NaiveDate,
    count: u32,
    estate: Option<String>,
    months: Vec<(String, Vec<Kpi>)>,
}

async fn asked(hq: &Hq, who: &Account, q: &TrendQuery) -> Result<Asked, DeskError> {
    let now = Utc::now();
    let last = super::reports::first_of_month(q.month.as_deref(), hq)?;
    let count = q.months.unwrap_or(DEFAULT_MONTHS);
    if !(2..=MOST_MONTHS).contains(&count) {
        return Err(DeskError::Invalid(format!("月数为 2 到 {MOST_MONTHS} Months: 2 to {MOST_MONTHS}")));
    }
    // An estate head sees one of their estates (the first unless they chose); others the
    // group unless they chose an estate.
    let asked = q.estate.as_deref().map(str::trim).filter(|e| !e.is_empty());
    let estate = match asked {
        Some(e) if !who.may_see(e) => {
            return Err(DeskError::Forbidden("这不是您负责的楼盘 Not one of your estates".into()));
        }
        Some(e) => Some(e.to_string()),
        None => who.sees_estate(None),
    };
    let months: Vec<(String, Vec<Kpi>)> = hq
        .desk()
        .monthly_trend(last, count, estate.as_deref(), now)
        .await?
        .into_iter()
        .map(|(month, report)| (month, report.kpis))
        .collect();
    Ok(Asked { last, count, estate, months })
}

pub async fn trend(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Query(q): Query<TrendQuery>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    let Asked { last, count, estate, months } = asked(&hq, &who.account, &q).await?;
    let headings =
        months.first().map(|(_, k)| k.iter().map(|k| k.name_zh.clone()).collect()).unwrap_or_default();
    let table =
        months.iter().map(|(month, kpis)| (month.clone(), kpis.iter().map(Cell::of).collect())).collect();
    let page = TrendPage {
        lines: lines_of(&months),
        whose: estate.clone().unwrap_or_else(|| "集团 Group".into()),
        estate: estate.unwrap_or_default(),
        month: last.format("%Y-%m").to_string(),
        months: count,
        headings,
        table,
        who: who.account,
        csrf: who.csrf,
        top: TOP,
        bottom: BOTTOM,
        left: LEFT,
        right: RIGHT,
    };
    Ok(render(page)?.into_response())
}

/// The trend as a workbook: a row per month, each KPI as in the 考核 workbook.
pub async fn trend_xlsx(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Query(q): Query<TrendQuery>,
) -> Result<Response, DeskError> {
    use super::export::Lead;
    let who = signed_in(&hq, &headers).await?;
    let Asked { last, estate, months, .. } = asked(&hq, &who.account, &q).await?;
    let table: Vec<_> =
        months.iter().map(|(month, kpis)| (vec![Lead::Text(month.clone())], kpis.as_slice())).collect();
    let book = super::export::kpi_table("趋势 Trends", &["月份 Month"], &table)?;
    // The estate's name stays out of the file name: a header carries ASCII only.
    let whose = if estate.is_some() { "estate" } else { "group" };
    Ok(super::export::xlsx_response(&format!("trend-{whose}-{}.xlsx", last.format("%Y-%m")), book))
}
