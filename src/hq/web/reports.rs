//! The desk's reports: the 热线日报 for any day (000 4.5.2) and the month's 考核 table,
//! every estate's KPIs beside the group's against their targets (000 4.7, 5.3–5.6), also
//! as an .xlsx workbook.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate, Utc};
use serde::Deserialize;

use super::{DeskError, local_time, render, signed_in};
use crate::domain::intake::Lang;
use crate::domain::report::{CaseLine, Kpi, MonthlyReport, RepeatedRepair};
use crate::hq::Hq;
use crate::hq::accounts::{Account, HqRole};

#[derive(Deserialize)]
pub struct DailyQuery {
    date: Option<String>,
    estate: Option<String>,
}

pub struct Line {
    ticket: String,
    kind: String,
    place: String,
    status: String,
    note: String,
}

impl Line {
    fn of(settings: &crate::config::Settings, line: &CaseLine, note: String) -> Line {
        Line {
            ticket: line.ticket.clone(),
            kind: format!("{} {}", line.kind.zh(), super::category_zh(settings, &line.category)),
            place: line.place.label(Lang::ZhCn),
            status: line.status.zh().to_string(),
            note,
        }
    }
}

pub struct Section {
    title: &'static str,
    rows: Vec<Line>,
}

#[derive(Template)]
#[template(path = "daily.html")]
struct DailyPage {
    who: Account,
    csrf: String,
    date: NaiveDate,
    estate: Option<String>,
    as_of: String,
    report: crate::domain::report::DailyReport,
    sections: Vec<Section>,
}

fn bad_request(what: String) -> DeskError {
    DeskError::Invalid(what)
}

/// The day's report as `who` may see it, and its lists as the page shows them.
async fn daily_of(
    hq: &Hq,
    who: &Account,
    q: &DailyQuery,
) -> Result<(crate::domain::report::DailyReport, Option<String>, Vec<Section>), DeskError> {
    let now = Utc::now();
    let date = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => Some(
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| bad_request(format!("{d} 不是日期 is not a date (YYYY-MM-DD)")))?,
        ),
        None => None,
    };
    let estate = who.sees_estate(q.estate.as_deref().filter(|e| !e.is_empty()));
    let desk = hq.desk();
    let report = desk.daily_report(date, estate.as_deref(), now).await?;
    let tz = hq.settings.calendar.tz;
    let local = |t: chrono::DateTime<Utc>| t.with_timezone(&tz).format("%m-%d %H:%M").to_string();
    let sections = vec![
        Section {
            title: "新增 New",
            rows: report.new.iter().map(|l| Line::of(&hq.settings, l, String::new())).collect(),
        },
        Section {
            title: "超时 Overdue",
            rows: report
                .overdue
                .iter()
                .map(|o| {
                    Line::of(
                        &hq.settings,
                        &o.case,
                        o.clocks.iter().map(|c| c.zh()).collect::<Vec<_>>().join("、"),
                    )
                })
                .collect(),
        },
        Section {
            title: "待回访 Callbacks due",
            rows: report
                .callbacks_due
                .iter()
                .map(|c| Line::of(&hq.settings, &c.case, format!("{} 前 due，{}", local(c.due), c.owner)))
                .collect(),
        },
        Section {
            title: "已解决 Resolved",
            rows: report.resolved.iter().map(|l| Line::of(&hq.settings, l, String::new())).collect(),
        },
    ];
    Ok((report, estate, sections))
}

pub async fn daily(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Query(q): Query<DailyQuery>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    let (report, estate, sections) = daily_of(&hq, &who.account, &q).await?;
    let page = DailyPage {
        who: who.account,
        csrf: who.csrf,
        date: report.date,
        estate,
        as_of: local_time(&hq.settings, report.as_of),
        report,
        sections,
    };
    Ok(render(page)?.into_response())
}

/// The day's report as a workbook: one row per listed case, its section first.
pub async fn daily_xlsx(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Query(q): Query<DailyQuery>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    let (report, _, sections) = daily_of(&hq, &who.account, &q).await?;
    let rows: Vec<Vec<String>> = sections
        .iter()
        .flat_map(|section| {
            section.rows.iter().map(move |l| {
                vec![
                    section.title.to_string(),
                    l.ticket.clone(),
                    l.kind.clone(),
                    l.place.clone(),
                    l.status.clone(),
                    l.note.clone(),
                ]
            })
        })
        .collect();
    let headings = ["栏目 Section", "编号 Ticket", "类别 Kind", "地点 Place", "状态 Status", "说明 Note"];
    let book = super::export::table(&format!("热线日报 {}", report.date), &headings, &rows)?;
    Ok(super::export::xlsx_response(&format!("daily-{}.xlsx", report.date), book))
}

#[derive(Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

/// A KPI as a table shows it: its rate with what it counts, marked met or missed.
pub struct Cell {
    pub(super) text: String,
    pub(super) class: &'static str,
}

impl Cell {
    pub(super) fn of(k: &Kpi) -> Cell {
        match k.value {
            Some(v) => Cell {
                text: format!("{} ({}/{})", percent(v), k.numerator, k.denominator),
                class: if k.met == Some(true) { "met" } else { "missed" },
            },
            None => Cell { text: "—".into(), class: "" },
        }
    }
}

pub struct EstateRow {
    estate: String,
    group: bool,
    matters: usize,
    reporters: usize,
    kpis: Vec<Cell>,
    raw: Vec<Kpi>,
    /// Places repaired for the same thing three times or more in the repeat window.
    repeats: Vec<RepeatedRepair>,
}

/// A place repaired again and again (001 篇2 §6): a bar as long as its count.
pub struct PlaceBar {
    estate: String,
    place: String,
    category: String,
    count: usize,
    tickets: Vec<String>,
    y: u32,
    width: u32,
    value_x: u32,
}

/// Most places drawn; the table under the chart lists them all.
const MOST_PLACES: usize = 10;
const PLACE_STEP: u32 = 52;

fn places_of(settings: &crate::config::Settings, rows: &[EstateRow]) -> Vec<PlaceBar> {
    let mut all: Vec<(&str, &RepeatedRepair)> = rows
        .iter()
        .filter(|r| !r.group)
        .flat_map(|r| r.repeats.iter().map(|p| (r.estate.as_str(), p)))
        .collect();
    all.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)).then(a.1.place.cmp(&b.1.place)));
    let most = all.first().map(|(_, p)| p.count).unwrap_or(1).max(1);
    all.into_iter()
        .enumerate()
        .map(|(n, (estate, p))| {
            let width =
                (p.count as f64 / most as f64 * f64::from(CHART_WIDTH + CHART_LEFT - 10)).round() as u32;
            PlaceBar {
                estate: estate.to_string(),
                place: p.place.clone(),
                category: super::category_zh(settings, &p.category),
                count: p.count,
                tickets: p.tickets.clone(),
                y: n.min(MOST_PLACES) as u32 * PLACE_STEP,
                width,
                value_x: width + 6,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "monthly.html")]
struct MonthlyPage {
    who: Account,
    csrf: String,
    month: String,
    kpi_names: Vec<String>,
    targets: Vec<String>,
    rows: Vec<EstateRow>,
    charts: Vec<Chart>,
    places: Vec<PlaceBar>,
    most_places: usize,
    places_height: u32,
    places_summary: String,
}

/// One KPI with the estates side by side: a bar each, and the target as a line, drawn
/// as SVG on the server (no script). The numbers are in the table above it.
pub struct Chart {
    title: String,
    /// What a screen reader says instead of the drawing.
    summary: String,
    height: u32,
    /// The drawing's width, where bars start, and where their labels end.
    view_width: u32,
    left: u32,
    label_x: u32,
    target_x: u32,
    bars: Vec<Bar>,
}

pub struct Bar {
    label: String,
    y: u32,
    width: u32,
    value_x: u32,
    value: String,
    missed: bool,
}

/// Where the bars start and how wide 100% is, in the chart's own units.
const CHART_LEFT: u32 = 150;
const CHART_WIDTH: u32 = 290;
const BAR_STEP: u32 = 34;

fn charts_of(rows: &[EstateRow]) -> Vec<Chart> {
    let Some(first) = rows.first() else { return Vec::new() };
    let scale = |v: f64| (v.clamp(0.0, 1.0) * f64::from(CHART_WIDTH)).round() as u32;
    (0..first.raw.len())
        .map(|i| {
            let kpi = &first.raw[i];
            let bars: Vec<Bar> = rows
                .iter()
                .enumerate()
                .map(|(n, row)| {
                    let k = &row.raw[i];
                    let width = k.value.map(scale).unwrap_or(0);
                    Bar {
                        label: row.estate.clone(),
                        y: n as u32 * BAR_STEP,
                        width,
                        value_x: CHART_LEFT + width + 6,
                        value: k.value.map(percent).unwrap_or_else(|| "—".into()),
                        missed: k.met == Some(false),
                    }
                })
                .collect();
            let summary =
                bars.iter().map(|b| format!("{} {}", b.label, b.value)).collect::<Vec<_>>().join("；");
            Chart {
                title: format!("{} ≥ {}", kpi.name_zh, percent(kpi.target)),
                summary: format!("{}：{summary}", kpi.name_zh),
                height: bars.len() as u32 * BAR_STEP,
                // Room for the value's label after a full bar.
                view_width: CHART_LEFT + CHART_WIDTH + 80,
                left: CHART_LEFT,
                label_x: CHART_LEFT - 8,
                target_x: CHART_LEFT + scale(kpi.target),
                bars,
            }
        })
        .collect()
}

pub(super) fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn row_of(estate: &str, group: bool, report: &MonthlyReport) -> EstateRow {
    let kpis = report.kpis.iter().map(Cell::of).collect();
    EstateRow {
        estate: estate.to_string(),
        group,
        matters: report.matters,
        reporters: report.reporters,
        kpis,
        raw: report.kpis.clone(),
        repeats: report.flags.repeated_repairs.clone(),
    }
}

/// The month asked for (this month by default), as year and month.
fn month_of(q: &MonthQuery, hq: &Hq) -> Result<(i32, u32), DeskError> {
    let first = first_of_month(q.month.as_deref(), hq)?;
    Ok((first.year(), first.month()))
}

/// The first day of the month asked for as YYYY-MM (this month when none is).
pub(super) fn first_of_month(asked: Option<&str>, hq: &Hq) -> Result<NaiveDate, DeskError> {
    match asked.filter(|m| !m.is_empty()) {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| bad_request(format!("{m} 不是月份 is not a month (YYYY-MM)"))),
        None => Ok(hq.settings.calendar.local_date(Utc::now()).with_day(1).unwrap_or_default()),
    }
}

/// Every estate's row the account may see, and the group's row for those who see all.
async fn assessment(hq: &Hq, who: &Account, year: i32, month: u32) -> Result<Vec<EstateRow>, DeskError> {
    let now = Utc::now();
    let (estates, group) = hq.desk().assessment(year, month, now).await?;
    let mut rows: Vec<EstateRow> = estates
        .iter()
        .filter(|(estate, _)| who.may_see(estate))
        .map(|(estate, report)| row_of(estate, false, report))
        .collect();
    if who.role != HqRole::EstateHead {
        rows.push(row_of("集团 Group", true, &group));
    }
    Ok(rows)
}

fn kpi_headings(rows: &[EstateRow]) -> (Vec<String>, Vec<String>) {
    let Some(first) = rows.first() else { return (Vec::new(), Vec::new()) };
    let names = first.raw.iter().map(|k| k.name_zh.clone()).collect();
    let targets = first.raw.iter().map(|k| format!("{} ≥ {}", k.name_zh, percent(k.target))).collect();
    (names, targets)
}

pub async fn monthly(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Query(q): Query<MonthQuery>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    let (year, month) = month_of(&q, &hq)?;
    let rows = assessment(&hq, &who.account, year, month).await?;
    let (kpi_names, targets) = kpi_headings(&rows);
    let charts = charts_of(&rows);
    let places = places_of(&hq.settings, &rows);
    let drawn = places.len().min(MOST_PLACES);
    let places_summary = places
        .iter()
        .take(MOST_PLACES)
        .map(|p| format!("{} {} {} {} 次", p.estate, p.place, p.category, p.count))
        .collect::<Vec<_>>()
        .join("；");
    let page = MonthlyPage {
        charts,
        places_height: drawn as u32 * PLACE_STEP,
        most_places: MOST_PLACES,
        places_summary: format!("重复报修地点：{places_summary}"),
        places,
        who: who.account,
        csrf: who.csrf,
        month: format!("{year}-{month:02}"),
        kpi_names,
        targets,
        rows,
    };
    Ok(render(page)?.into_response())
}

/// The 考核 table as a workbook: one row per estate (and the group), each KPI as its
/// value, numerator and denominator, so the quality office can work with the numbers.
pub async fn monthly_xlsx(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Query(q): Query<MonthQuery>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    let (year, month) = month_of(&q, &hq)?;
    let rows = assessment(&hq, &who.account, year, month).await?;
    use super::export::Lead;
    let table: Vec<_> = rows
        .iter()
        .map(|row| {
            let lead = vec![
                Lead::Text(row.estate.clone()),
                Lead::Number(row.matters as f64),
                Lead::Number(row.reporters as f64),
            ];
            (lead, row.raw.as_slice())
        })
        .collect();
    let lead = ["楼盘 Estate", "事项 Matters", "反映人次 Reporters"];
    let book = super::export::kpi_table(&format!("考核 {year}-{month:02}"), &lead, &table)?;
    Ok(super::export::xlsx_response(&format!("assessment-{year}-{month:02}.xlsx"), book))
}
