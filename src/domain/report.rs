//! Reports and KPIs (SPEC §6): the daily hotline report and the monthly summary.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

use super::calendar::WorkCalendar;
use super::callback::{CallbackOwner, next_callback};
use super::case::{Case, Status};
use super::clocks::{Clock, DeadlineState, deadlines, repair_clock};
use super::event::{ContactMethod, Rating};
use super::intake::{Kind, Place};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseLine {
    pub ticket: String,
    pub kind: Kind,
    pub category: String,
    pub place: Place,
    pub status: Status,
    pub emergency: bool,
    /// The first-inquiry owner following it (004).
    pub owner: String,
    /// What its clocks wait for, while paused.
    pub paused: Option<String>,
}

impl CaseLine {
    pub fn of(case: &Case) -> CaseLine {
        CaseLine {
            ticket: case.ticket().to_string(),
            kind: case.kind(),
            category: case.intake.category.clone(),
            place: case.intake.place.clone(),
            status: case.status,
            emergency: case.intake.emergency,
            owner: case.owner.clone(),
            paused: case.current_pause().map(|p| p.reason.zh().to_string()),
        }
    }
}

/// How far back "again" looks for repeats (001 篇2 §6) and for repeated complaints by one
/// resident (003 §3.1.1 "短时间内重复投诉"): a rolling 30 days, whatever the calendar month.
pub const REPEAT_WINDOW: Duration = Duration::days(30);

/// A complaint the desk should consider making 重大: its resident complained again within
/// the window (003 §3.1.1). The system proposes; staff decide with `act classify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MajorSuggestion {
    pub ticket: String,
    /// The same resident's other complaints in the window, oldest first.
    pub earlier: Vec<String>,
}

/// Open complaints whose severity staff have not set since filing and whose resident (by phone) filed
/// another complaint within `REPEAT_WINDOW` before it.
pub fn major_suggestions(cases: &[Case], as_of: DateTime<Utc>) -> Vec<MajorSuggestion> {
    let mut by_phone: HashMap<&str, Vec<&Case>> = HashMap::new();
    for c in cases.iter().filter(|c| c.kind() == Kind::Complaint && c.filed_at <= as_of) {
        if let Some(contact) = &c.intake.contact {
            by_phone.entry(contact.phone.as_str()).or_default().push(c);
        }
    }
    let mut out = Vec::new();
    for group in by_phone.values_mut() {
        group.sort_by_key(|c| (c.filed_at, c.id));
        for (i, c) in group.iter().enumerate() {
            if c.severity_classified
                || c.severity == Some(super::intake::Severity::Major)
                || !c.status.is_open()
            {
                continue;
            }
            let earlier: Vec<String> = group[..i]
                .iter()
                .filter(|e| c.filed_at - e.filed_at <= REPEAT_WINDOW)
                .map(|e| e.ticket().to_string())
                .collect();
            if !earlier.is_empty() {
                out.push(MajorSuggestion { ticket: c.ticket().to_string(), earlier });
            }
        }
    }
    out.sort_by(|a, b| a.ticket.cmp(&b.ticket));
    out
}

/// A linked reporter still to be told the outcome of the matter (001 11.1.12).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReporterLine {
    #[serde(flatten)]
    pub case: CaseLine,
    /// The case the matter is worked on.
    pub matter: String,
    pub resolved_at: DateTime<Utc>,
    pub due: DateTime<Utc>,
}

/// Reporters linked to a resolved matter who have heard nothing since it was resolved:
/// told within the complaint callback window (3 days) of the resolution.
pub fn reporters_to_tell(cases: &[Case], as_of: DateTime<Utc>) -> Vec<ReporterLine> {
    let by_id: HashMap<Uuid, &Case> = cases.iter().map(|c| (c.id, c)).collect();
    let mut out = Vec::new();
    for c in cases.iter().filter(|c| c.status.is_open() && !c.intake.is_anonymous()) {
        let Some(primary) = c.duplicate_of.and_then(|p| by_id.get(&p)) else { continue };
        let Some(resolved) = primary.resolved_at.filter(|r| *r <= as_of) else { continue };
        if c.last_told_at().is_some_and(|t| t >= resolved) {
            continue;
        }
        out.push(ReporterLine {
            case: CaseLine::of(c),
            matter: primary.ticket().to_string(),
            resolved_at: resolved,
            due: resolved + Duration::days(3),
        });
    }
    out
}

/// A callback record waiting for the supervisor's opinion (001 11.1.8, 篇2 §5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewLine {
    pub ticket: String,
    pub round: u32,
    pub at: DateTime<Utc>,
    pub by: String,
    pub method: ContactMethod,
    pub satisfied: bool,
    pub signed: bool,
}

/// Every staff callback record not yet reviewed, oldest first.
pub fn callbacks_to_review(cases: &[Case]) -> Vec<ReviewLine> {
    let mut out: Vec<ReviewLine> = cases
        .iter()
        .flat_map(|c| {
            c.unreviewed_callbacks().map(move |(round, cb)| ReviewLine {
                ticket: c.ticket().to_string(),
                round,
                at: cb.at,
                by: cb.by.clone(),
                method: cb.value.method,
                satisfied: cb.value.satisfied,
                signed: cb.value.signature.is_some(),
            })
        })
        .collect();
    out.sort_by_key(|l| l.at);
    out
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverdueLine {
    #[serde(flatten)]
    pub case: CaseLine,
    pub clocks: Vec<Clock>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallbackLine {
    #[serde(flatten)]
    pub case: CaseLine,
    pub due: DateTime<Utc>,
    /// Who calls back, in Chinese; `owner_role` is the same as data.
    pub owner: String,
    pub owner_role: CallbackOwner,
    pub round: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyCounts {
    pub new: usize,
    pub open: usize,
    pub overdue: usize,
    pub resolved: usize,
    pub callbacks_due: usize,
}

/// 热线日报 (000 4.5.2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyReport {
    pub date: NaiveDate,
    pub as_of: DateTime<Utc>,
    pub counts: DailyCounts,
    pub new: Vec<CaseLine>,
    pub open: Vec<CaseLine>,
    pub overdue: Vec<OverdueLine>,
    pub resolved: Vec<CaseLine>,
    pub callbacks_due: Vec<CallbackLine>,
    /// Linked reporters still to be told the outcome (001 11.1.12).
    pub reporters_to_tell: Vec<ReporterLine>,
    /// Callback records waiting for a supervisor's review (001 11.1.8).
    pub callbacks_to_review: Vec<ReviewLine>,
    /// Complaints the desk should consider making 重大 (003 §3.1.1).
    pub major_suggestions: Vec<MajorSuggestion>,
}

/// Overdue clocks as they stood at `as_of`: a deadline met only later still counts.
fn overdue_clocks_at(case: &Case, cal: &WorkCalendar, as_of: DateTime<Utc>) -> Vec<Clock> {
    deadlines(case, cal, as_of)
        .into_iter()
        .filter(|d| {
            d.state != DeadlineState::NotNeeded && d.due < as_of && d.done_at.is_none_or(|done| done > as_of)
        })
        .map(|d| d.clock)
        .collect()
}

fn open_at(case: &Case, as_of: DateTime<Utc>) -> bool {
    case.filed_at <= as_of && case.closed_at.is_none_or(|closed| closed >= as_of)
}

/// The day's report. For today it is as of `now`; for an earlier day, as of that day's
/// end, reconstructed from when things happened.
pub fn daily(cases: &[Case], cal: &WorkCalendar, date: NaiveDate, now: DateTime<Utc>) -> DailyReport {
    let start = cal.start_of_day(date);
    let end = cal.end_of_day(date);
    let as_of = now.min(end);
    // Things that happened up to and including `as_of` count.
    let on_day = |t: DateTime<Utc>| t >= start && t < end && t <= as_of;
    let mut report = DailyReport {
        date,
        as_of,
        counts: DailyCounts { new: 0, open: 0, overdue: 0, resolved: 0, callbacks_due: 0 },
        new: Vec::new(),
        open: Vec::new(),
        overdue: Vec::new(),
        resolved: Vec::new(),
        callbacks_due: Vec::new(),
        reporters_to_tell: reporters_to_tell(cases, as_of),
        callbacks_to_review: callbacks_to_review(cases).into_iter().filter(|l| l.at <= as_of).collect(),
        major_suggestions: major_suggestions(cases, as_of),
    };
    let mut sorted: Vec<&Case> = cases.iter().collect();
    // Emergencies first, then oldest first; the ticket settles a tie, so the order does
    // not depend on the order the cases were read in.
    sorted.sort_by(|a, b| {
        (!a.intake.emergency, a.filed_at, a.ticket()).cmp(&(!b.intake.emergency, b.filed_at, b.ticket()))
    });
    for case in sorted {
        if on_day(case.filed_at) {
            report.new.push(CaseLine::of(case));
        }
        if open_at(case, as_of) {
            report.open.push(CaseLine::of(case));
            let clocks = overdue_clocks_at(case, cal, as_of);
            if !clocks.is_empty() {
                report.overdue.push(OverdueLine { case: CaseLine::of(case), clocks });
            }
        }
        if case.resolved_at.is_some_and(on_day) {
            report.resolved.push(CaseLine::of(case));
        }
        if let Some(due) = next_callback(case).filter(|c| c.due < end) {
            report.callbacks_due.push(CallbackLine {
                case: CaseLine::of(case),
                due: due.due,
                owner: due.owner.zh(),
                owner_role: due.owner,
                round: due.round,
            });
        }
    }
    report.counts = DailyCounts {
        new: report.new.len(),
        open: report.open.len(),
        overdue: report.overdue.len(),
        resolved: report.resolved.len(),
        callbacks_due: report.callbacks_due.len() + report.reporters_to_tell.len(),
    };
    report
}

/// A breakdown row: duplicates of one matter count once as a matter and each as a reporter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountRow {
    pub key: String,
    pub matters: usize,
    pub reporters: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestionCounts {
    pub total: usize,
    pub adopted: usize,
    pub declined: usize,
    pub pending: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallbackCounts {
    pub done: usize,
    pub satisfied: usize,
    pub unsatisfied: usize,
    pub by_phone: usize,
    pub in_person: usize,
    pub at_kiosk: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsatisfiedCallback {
    pub ticket: String,
    pub at: DateTime<Utc>,
    pub shortcomings: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatedMatter {
    /// The earliest case of the matter.
    pub ticket: String,
    pub complaints: usize,
    pub tickets: Vec<String>,
    /// Linked by staff as one matter, or the same resident and category not yet linked.
    pub linked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatedRepair {
    pub place: String,
    pub category: String,
    pub count: usize,
    pub tickets: Vec<String>,
}

/// 001 篇2 §6, 002 第十八条: what the month-end analysis must call out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    pub unsatisfied_callbacks: Vec<UnsatisfiedCallback>,
    /// The same matter complained about two or more times.
    pub repeated_complaints: Vec<RepeatedMatter>,
    /// The same kind of repair three or more times at one place.
    pub repeated_repairs: Vec<RepeatedRepair>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    pub code: String,
    pub name_zh: String,
    pub numerator: usize,
    pub denominator: usize,
    /// `None` when nothing was measured this month.
    pub value: Option<f64>,
    pub target: f64,
    pub met: Option<bool>,
    /// What is counted above and below the line, and the clause it comes from.
    pub numerator_is: String,
    pub denominator_is: String,
    pub source: String,
}

/// Each KPI's definition: code, name, numerator, denominator, target source. The report,
/// `report monthly` and the README's table all say the same thing from here.
pub const KPI_DEFINITIONS: [(&str, &str, &str, &str, &str); 6] = [
    (
        "feedback-timeliness",
        "投诉反馈及时率",
        "complaints acknowledged to the resident within 24 h",
        "complaints filed this month with a decided acknowledge clock (not anonymous: nobody to tell, 001 11.1.13; not linked duplicates)",
        "000 §5, 003 §4",
    ),
    (
        "callback-rate",
        "投诉回访率",
        "of those, complaints with a staff callback (a resident's own kiosk rating is not one)",
        "complaints first resolved this month that owe a callback (not anonymous, not linked duplicates)",
        "000 §5, 001 篇2, 002 第十八条",
    ),
    (
        "callback-satisfaction",
        "回访满意率",
        "staff callbacks this month recorded satisfied",
        "staff callbacks this month (every kind and round; kiosk ratings excluded)",
        "000 §5",
    ),
    (
        "closure-rate",
        "投诉结案率",
        "complaints closed by the report's end",
        "complaints filed this month (not linked duplicates)",
        "000 5.6",
    ),
    (
        "repair-timeliness",
        "维修及时率",
        "repairs whose repair clock (30 min on site / 24 h / 48 h / hand-over defects / works schedule) was met",
        "repairs filed this month whose repair clock is decided",
        "003 service commitments, 002 第十条",
    ),
    (
        "repair-quality",
        "维修质量合格率",
        "repair callbacks and residents' own ratings this month with quality 3 or better",
        "repair callbacks and residents' own ratings this month with a quality rating",
        "003 (龙湖 targets)",
    ),
];

impl Kpi {
    fn new(
        code: &'static str,
        name_zh: &'static str,
        numerator: usize,
        denominator: usize,
        target: f64,
    ) -> Kpi {
        let value = (denominator > 0).then(|| numerator as f64 / denominator as f64);
        let def = KPI_DEFINITIONS.iter().find(|d| d.0 == code).copied().unwrap_or_default();
        Kpi {
            numerator_is: def.2.into(),
            denominator_is: def.3.into(),
            source: def.4.into(),
            code: code.into(),
            name_zh: name_zh.into(),
            numerator,
            denominator,
            value,
            target,
            met: value.map(|v| v + 1e-9 >= target),
        }
    }
}

/// Company targets (000 §5, 003).
pub mod targets {
    pub const FEEDBACK_TIMELINESS: f64 = 1.0;
    pub const CALLBACK_RATE: f64 = 1.0;
    pub const CALLBACK_SATISFACTION: f64 = 0.98;
    pub const CLOSURE_RATE: f64 = 0.80;
    pub const REPAIR_TIMELINESS: f64 = 0.95;
    pub const REPAIR_QUALITY: f64 = 0.90;
}

/// 投诉情况月度汇总 (002 第十四条(十一), 004).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonthlyReport {
    pub month: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub as_of: DateTime<Utc>,
    pub matters: usize,
    pub reporters: usize,
    pub by_kind: Vec<CountRow>,
    pub by_category: Vec<CountRow>,
    pub by_class: Vec<CountRow>,
    pub by_department: Vec<CountRow>,
    pub suggestions: SuggestionCounts,
    pub callbacks: CallbackCounts,
    pub flags: Flags,
    pub kpis: Vec<Kpi>,
}

/// The matter each case belongs to: the earliest case along its duplicate links.
fn matter_roots(cases: &[Case]) -> HashMap<Uuid, Uuid> {
    let links: HashMap<Uuid, Uuid> = cases.iter().filter_map(|c| c.duplicate_of.map(|p| (c.id, p))).collect();
    cases
        .iter()
        .map(|c| {
            let mut root = c.id;
            // Links only point to earlier cases, but a bound keeps bad data from looping.
            for _ in 0..cases.len() {
                match links.get(&root) {
                    Some(next) => root = *next,
                    None => break,
                }
            }
            (c.id, root)
        })
        .collect()
}

/// The month's first and last moments under `cal`: `[from, to)`; none for no month.
pub fn month_bounds(cal: &WorkCalendar, year: i32, month: u32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = first.checked_add_months(Months::new(1))?;
    Some((cal.start_of_day(first), cal.start_of_day(next)))
}

pub fn monthly(
    cases: &[Case],
    cal: &WorkCalendar,
    year: i32,
    month: u32,
    now: DateTime<Utc>,
) -> Option<MonthlyReport> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = first.checked_add_months(Months::new(1))?;
    let from = cal.start_of_day(first);
    let to = cal.start_of_day(next);
    let as_of = now.min(to);
    let in_month = |t: DateTime<Utc>| t >= from && t < to && t <= as_of;
    let roots = matter_roots(cases);
    let filed: Vec<&Case> = cases.iter().filter(|c| in_month(c.filed_at)).collect();
    let filed_ids: HashSet<Uuid> = filed.iter().map(|c| c.id).collect();

    let breakdown = |key: &dyn Fn(&Case) -> Option<String>| -> Vec<CountRow> {
        let mut rows: BTreeMap<String, (HashSet<Uuid>, usize)> = BTreeMap::new();
        for case in &filed {
            if let Some(k) = key(case) {
                let row = rows.entry(k).or_default();
                row.0.insert(roots[&case.id]);
                row.1 += 1;
            }
        }
        rows.into_iter()
            .map(|(key, (matters, reporters))| CountRow { key, matters: matters.len(), reporters })
            .collect()
    };
    let by_kind = breakdown(&|c| Some(c.kind().code().to_string()));
    let by_category = breakdown(&|c| Some(c.intake.category.clone()));
    let by_class = breakdown(&|c| c.complaint_class.map(|k| k.code().to_string()));
    let by_department = breakdown(&|c| c.department.map(|d| d.code().to_string()));
    let matters = filed.iter().map(|c| roots[&c.id]).collect::<HashSet<_>>().len();

    let suggestions_filed: Vec<&&Case> = filed.iter().filter(|c| c.kind() == Kind::Suggestion).collect();
    let decided = |adopted: bool| {
        suggestions_filed
            .iter()
            .filter(|c| c.decision.as_ref().is_some_and(|d| d.value.adopted == adopted && d.at < as_of))
            .count()
    };
    let suggestions = SuggestionCounts {
        total: suggestions_filed.len(),
        adopted: decided(true),
        declined: decided(false),
        pending: suggestions_filed.len() - decided(true) - decided(false),
    };

    let month_callbacks: Vec<(&Case, &super::case::Stamped<super::event::CallbackRecord>)> = cases
        .iter()
        .flat_map(|c| c.callbacks.iter().map(move |cb| (c, cb)))
        .filter(|(_, cb)| in_month(cb.at))
        .collect();
    let method_count =
        |m: ContactMethod| month_callbacks.iter().filter(|(_, cb)| cb.value.method == m).count();
    let satisfied = month_callbacks.iter().filter(|(_, cb)| cb.value.satisfied).count();
    let callbacks = CallbackCounts {
        done: month_callbacks.len(),
        satisfied,
        unsatisfied: month_callbacks.len() - satisfied,
        by_phone: method_count(ContactMethod::Phone),
        in_person: method_count(ContactMethod::InPerson),
        at_kiosk: method_count(ContactMethod::Kiosk) + method_count(ContactMethod::Online),
    };

    let flags = Flags {
        unsatisfied_callbacks: month_callbacks
            .iter()
            .filter(|(_, cb)| !cb.value.satisfied)
            .map(|(case, cb)| UnsatisfiedCallback {
                ticket: case.ticket().to_string(),
                at: cb.at,
                shortcomings: cb.value.shortcomings.clone(),
            })
            .collect(),
        repeated_complaints: repeated_complaints(cases, &filed_ids, &roots, as_of),
        repeated_repairs: repeated_repairs(cases, &filed_ids, &roots, as_of),
    };

    let kpis = kpis(cases, &filed, cal, as_of, &month_callbacks, in_month);
    Some(MonthlyReport {
        month: format!("{:04}-{:02}", first.year(), first.month()),
        from,
        to,
        as_of,
        matters,
        reporters: filed.len(),
        by_kind,
        by_category,
        by_class,
        by_department,
        suggestions,
        callbacks,
        flags,
        kpis,
    })
}

/// `filed` holds the ids of the cases filed this month, up to `as_of`.
fn repeated_complaints(
    all: &[Case],
    filed: &HashSet<Uuid>,
    roots: &HashMap<Uuid, Uuid>,
    as_of: DateTime<Utc>,
) -> Vec<RepeatedMatter> {
    let by_id: HashMap<Uuid, &Case> = all.iter().map(|c| (c.id, c)).collect();
    let tickets_of = |group: &[&Case]| {
        let mut group: Vec<&Case> = group.to_vec();
        group.sort_by_key(|c| c.filed_at);
        group.iter().map(|c| c.ticket().to_string()).collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    // Linked matters with a complaint this month: count every complaint of the matter.
    let mut linked: BTreeMap<Uuid, Vec<&Case>> = BTreeMap::new();
    for case in all.iter().filter(|c| c.kind() == Kind::Complaint) {
        linked.entry(roots[&case.id]).or_default().push(case);
    }
    for (root, group) in &linked {
        let touches_month = group.iter().any(|c| filed.contains(&c.id));
        if group.len() >= 2 && touches_month {
            let tickets = tickets_of(group);
            out.push(RepeatedMatter {
                ticket: by_id.get(root).map(|c| c.ticket().to_string()).unwrap_or_else(|| tickets[0].clone()),
                complaints: group.len(),
                tickets,
                linked: true,
            });
        }
    }
    // The same resident about the same category within the rolling window, not linked
    // (yet), with at least one of them this month.
    let mut unlinked: BTreeMap<(String, String), Vec<&Case>> = BTreeMap::new();
    for case in all.iter().filter(|c| c.kind() == Kind::Complaint && c.duplicate_of.is_none()) {
        if case.filed_at > as_of {
            continue;
        }
        if let Some(contact) = &case.intake.contact {
            let is_linked_root = linked.get(&case.id).is_some_and(|g| g.len() >= 2);
            if !is_linked_root {
                unlinked
                    .entry((contact.phone.as_str().to_string(), case.intake.category.clone()))
                    .or_default()
                    .push(case);
            }
        }
    }
    for group in unlinked.values_mut() {
        let window = in_windows(group, filed, roots, 2);
        if !window.is_empty() {
            let tickets = tickets_of(&window);
            out.push(RepeatedMatter {
                ticket: tickets[0].clone(),
                complaints: window.len(),
                tickets,
                linked: false,
            });
        }
    }
    out
}

/// The cases of `group` that fall in some rolling `REPEAT_WINDOW` ending at a case filed
/// this month and holding at least `matters` distinct matters (linked reports of one
/// matter count once).
fn in_windows<'a>(
    group: &mut [&'a Case],
    filed: &HashSet<Uuid>,
    roots: &HashMap<Uuid, Uuid>,
    matters: usize,
) -> Vec<&'a Case> {
    group.sort_by_key(|c| (c.filed_at, c.id));
    let mut hit = vec![false; group.len()];
    for (end, c) in group.iter().enumerate() {
        if !filed.contains(&c.id) {
            continue;
        }
        let start =
            group[..=end].iter().position(|e| c.filed_at - e.filed_at <= REPEAT_WINDOW).unwrap_or(end);
        let distinct: HashSet<Uuid> = group[start..=end].iter().map(|e| roots[&e.id]).collect();
        if distinct.len() >= matters {
            hit[start..=end].iter_mut().for_each(|h| *h = true);
        }
    }
    group.iter().zip(hit).filter(|(_, h)| *h).map(|(c, _)| *c).collect()
}

/// 001 篇2 §6: the same kind of repair three or more times at one place within the
/// rolling window — three reports of one matter (linked) are one repair, not three.
fn repeated_repairs(
    all: &[Case],
    filed: &HashSet<Uuid>,
    roots: &HashMap<Uuid, Uuid>,
    as_of: DateTime<Utc>,
) -> Vec<RepeatedRepair> {
    let mut groups: BTreeMap<(String, String), Vec<&Case>> = BTreeMap::new();
    for case in all.iter().filter(|c| c.kind() == Kind::Repair && c.filed_at <= as_of) {
        groups.entry((case.intake.place.to_string(), case.intake.category.clone())).or_default().push(case);
    }
    groups
        .into_iter()
        .filter_map(|((place, category), mut g)| {
            let window = in_windows(&mut g, filed, roots, 3);
            let matters: HashSet<Uuid> = window.iter().map(|c| roots[&c.id]).collect();
            (!window.is_empty()).then(|| RepeatedRepair {
                place,
                category,
                count: matters.len(),
                tickets: window.iter().map(|c| c.ticket().to_string()).collect(),
            })
        })
        .collect()
}

fn kpis(
    all: &[Case],
    filed: &[&Case],
    cal: &WorkCalendar,
    as_of: DateTime<Utc>,
    month_callbacks: &[(&Case, &super::case::Stamped<super::event::CallbackRecord>)],
    in_month: impl Fn(DateTime<Utc>) -> bool,
) -> Vec<Kpi> {
    let own: Vec<&&Case> = filed.iter().filter(|c| c.duplicate_of.is_none()).collect();
    // Decided deadlines: met, late, or overdue as of the report.
    let clock_outcome = |case: &Case, clock: Clock| -> Option<bool> {
        let d = deadlines(case, cal, as_of).into_iter().find(|d| d.clock == clock && d.round == 1)?;
        match d.state {
            DeadlineState::Met => Some(true),
            DeadlineState::MetLate | DeadlineState::Overdue => Some(false),
            DeadlineState::Pending | DeadlineState::NotNeeded | DeadlineState::Paused => None,
        }
    };
    let rate = |outcomes: Vec<Option<bool>>| {
        let decided: Vec<bool> = outcomes.into_iter().flatten().collect();
        (decided.iter().filter(|ok| **ok).count(), decided.len())
    };

    let (fb_ok, fb_all) = rate(
        own.iter()
            .filter(|c| c.kind() == Kind::Complaint)
            .map(|c| clock_outcome(c, Clock::Acknowledge))
            .collect(),
    );
    // Complaints whose first resolution fell in the month and that owe a callback.
    let owing: Vec<&Case> = all
        .iter()
        .filter(|c| c.kind() == Kind::Complaint && c.callback_required() && c.duplicate_of.is_none())
        .filter(|c| c.first_resolved_at.is_some_and(&in_month))
        .collect();
    // Staff callbacks only: a resident's own rating at the kiosk is not the callback owed.
    let called = owing
        .iter()
        .filter(|c| c.callbacks.iter().any(|cb| cb.at < as_of && !cb.value.method.is_residents_own()))
        .count();
    let staff_callbacks: Vec<_> =
        month_callbacks.iter().filter(|(_, cb)| !cb.value.method.is_residents_own()).collect();
    let satisfied = staff_callbacks.iter().filter(|(_, cb)| cb.value.satisfied).count();
    // 投诉结案率 (000 5.6): complaints closed among the month's complaints; repairs and
    // suggestions have rates of their own.
    let complaints = own.iter().filter(|c| c.kind() == Kind::Complaint);
    let closed = complaints.clone().filter(|c| c.closed_at.is_some_and(|t| t < as_of)).count();
    let (timely, repairs_decided) = rate(
        own.iter()
            .filter(|c| c.kind() == Kind::Repair)
            .map(|c| repair_clock(c, cal).and_then(|(clock, _)| clock_outcome(c, clock)))
            .collect(),
    );
    let rated: Vec<Rating> = month_callbacks
        .iter()
        .filter(|(case, _)| case.kind() == Kind::Repair)
        .filter_map(|(_, cb)| cb.value.quality)
        .collect();
    let passed = rated.iter().filter(|r| **r >= Rating::PASS).count();
    use targets::*;
    vec![
        Kpi::new("feedback-timeliness", "投诉反馈及时率", fb_ok, fb_all, FEEDBACK_TIMELINESS),
        Kpi::new("callback-rate", "投诉回访率", called, owing.len(), CALLBACK_RATE),
        Kpi::new(
            "callback-satisfaction",
            "回访满意率",
            satisfied,
            staff_callbacks.len(),
            CALLBACK_SATISFACTION,
        ),
        Kpi::new("closure-rate", "投诉结案率", closed, complaints.count(), CLOSURE_RATE),
        Kpi::new("repair-timeliness", "维修及时率", timely, repairs_decided, REPAIR_TIMELINESS),
        Kpi::new("repair-quality", "维修质量合格率", passed, rated.len(), REPAIR_QUALITY),
    ]
}
