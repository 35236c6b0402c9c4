//! HQ's desk: the lists, reports and actions of `lobbydesk hq`, over whichever store HQ
//! runs on. Every read goes through the read model (a page, a day's or a month's cases),
//! never through every case, so they stay fast at a property group's million cases.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::db::HqDatabase;
use crate::app::{
    Action, CaseSummary, authorize, event_body, normalize_ticket, replies_to_reporters, summary,
};
use crate::config::Settings;
use crate::domain::case::{Case, Status};
use crate::domain::event::EscalationTarget;
use crate::domain::event::EventBody;
use crate::domain::filing::{FilingContext, NewCase};
use crate::domain::intake::{Channel, Severity};
use crate::domain::report::{self, DailyReport, MonthlyReport};
use crate::domain::roles::{Actor, may};
use crate::domain::validate::{ValidationError, clean_text};
use crate::store::{CaseQuery, PageMark, Result, StoreError};

fn not_a_month(year: i32, month: u32) -> ValidationError {
    ValidationError::Invalid(format!("{year}-{month:02} is not a month"))
}

/// Rows per page when a whole list is read.
const PAGE: usize = 5_000;

pub struct HqDesk<'a> {
    pub settings: &'a Settings,
    db: &'a dyn HqDatabase,
    /// Reports of months that have ended, kept a while by a serving node.
    kept: Option<&'a KeptReports>,
}

/// A past month's report reads and folds that month's cases (1.5 s for the whole group
/// at a million cases): a serving node keeps each one it made for `KEEP_FOR`, so a trend
/// or an assessment looked at again costs only this month's. A kept report is as of when
/// it was made (`MonthlyReport::as_of` says so); callbacks recorded since show after.
#[derive(Default)]
pub struct KeptReports {
    reports: std::sync::Mutex<std::collections::HashMap<MonthOf, KeptReport>>,
}

/// A month (year, month) of one estate, or of the group (none).
type MonthOf = (i32, u32, Option<String>);

struct KeptReport {
    made: DateTime<Utc>,
    report: MonthlyReport,
}

/// How long a past month's report is kept, and how many at most (a year of 200 estates
/// and the group fits; past that, the oldest made go first).
pub const KEEP_FOR: chrono::Duration = chrono::Duration::minutes(15);
const KEEP_MOST: usize = 3_000;

impl KeptReports {
    fn get(&self, key: &MonthOf, now: DateTime<Utc>) -> Option<MonthlyReport> {
        let reports = self.reports.lock().unwrap_or_else(|p| p.into_inner());
        reports.get(key).filter(|k| now - k.made < KEEP_FOR).map(|k| k.report.clone())
    }

    fn keep(&self, key: MonthOf, report: &MonthlyReport, now: DateTime<Utc>) {
        let mut reports = self.reports.lock().unwrap_or_else(|p| p.into_inner());
        reports.retain(|_, k| now - k.made < KEEP_FOR);
        if reports.len() >= KEEP_MOST {
            if let Some(oldest) = reports.iter().min_by_key(|(_, k)| k.made).map(|(key, _)| key.clone()) {
                reports.remove(&oldest);
            }
        }
        reports.insert(key, KeptReport { made: now, report: report.clone() });
    }
}

impl<'a> HqDesk<'a> {
    /// HQ's desk on `db`, timing clocks with the config's calendar (kept in the store,
    /// so the sync server writes the same overdue times).
    pub async fn open(settings: &'a Settings, db: &'a dyn HqDatabase) -> Result<HqDesk<'a>> {
        db.use_calendar(&settings.calendar).await?;
        Ok(HqDesk { settings, db, kept: None })
    }

    /// HQ's desk inside `hq serve`, which gave the store its calendar once when it started
    /// (`Hq::ready`); a page does not write it again on every request.
    pub fn serving(settings: &'a Settings, db: &'a dyn HqDatabase, kept: &'a KeptReports) -> HqDesk<'a> {
        HqDesk { settings, db, kept: Some(kept) }
    }

    /// One page of `query`, newest first, after `after`.
    pub async fn page(
        &self,
        query: &CaseQuery,
        after: Option<&PageMark>,
        limit: usize,
    ) -> Result<Vec<(Case, PageMark)>> {
        self.db.list_cases(query, after, limit).await
    }

    /// Every case `open`/`overdue`/`estate` select, newest first, read page by page.
    pub async fn cases(
        &self,
        estate: Option<&str>,
        open_only: bool,
        overdue_only: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<CaseSummary>> {
        let query = CaseQuery {
            statuses: if open_only || overdue_only { Status::open() } else { Vec::new() },
            overdue_at: overdue_only.then_some(now),
            estate: estate.map(str::to_string),
            ..Default::default()
        };
        let cal = &self.settings.calendar;
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self.db.list_cases(&query, after.as_ref(), PAGE).await?;
            let Some((_, mark)) = page.last() else { break };
            after = Some(mark.clone());
            let full = page.len() == PAGE;
            out.extend(page.iter().map(|(c, _)| summary(c, cal, now)));
            if !full {
                break;
            }
        }
        Ok(out)
    }

    /// Acts on a case as HQ (`by` is one of the config's staff), with the same checks
    /// as the kiosk's desk; the event reaches the estate's kiosks at their next pull.
    pub async fn act(&self, ticket: &str, action: Action, by: &str, now: DateTime<Utc>) -> Result<Case> {
        let by = clean_text(by, false);
        if by.is_empty() {
            return Err(ValidationError::Empty { what: "who is acting (--by)" }.into());
        }
        self.act_checked(ticket, action, &by, now, |body, case| authorize(self.settings, &by, body, case))
            .await
    }

    /// Acts on a case as a person signed in to HQ's web desk: their account's role, not
    /// the config's staff list, decides what they may do (the same rules, `roles::may`).
    pub async fn act_as(
        &self,
        ticket: &str,
        action: Action,
        actor: Actor<'_>,
        now: DateTime<Utc>,
    ) -> Result<Case> {
        self.act_checked(ticket, action, actor.id, now, |body, case| Ok(may(actor, body, case)?)).await
    }

    async fn act_checked(
        &self,
        ticket: &str,
        action: Action,
        by: &str,
        now: DateTime<Utc>,
        allowed: impl FnOnce(&EventBody, &Case) -> Result<()>,
    ) -> Result<Case> {
        let ticket = normalize_ticket(ticket)?;
        let case = self.find(&ticket).await?;
        // The case a link points to is looked up before the checks, which cannot wait.
        let primary = match &action {
            Action::Link { primary_ticket } => Some(self.find(&normalize_ticket(primary_ticket)?).await),
            _ => None,
        };
        let body = event_body(self.settings, &case, action, |_| {
            primary.unwrap_or_else(|| Err(StoreError::NotFound("the linked case".into())))
        })?;
        allowed(&body, &case)?;
        let reply = matches!(body, EventBody::Replied { .. }).then(|| body.clone());
        let case = self.db.append_hq(case.id, body, by, now).await?;
        // 001 11.1.12: every reporter of a matter is told, as at the kiosk.
        if let Some(reply) = reply {
            let reporters = self.db.linked_to(case.id).await?;
            for (reporter, told) in replies_to_reporters(&case, &reporters, &reply, now) {
                self.db.append_hq(reporter, told, by, now).await?;
            }
        }
        Ok(case)
    }

    /// Files a complaint the GM hotline took by phone (000 4.2): a hotline case of
    /// `new.estate`'s, first followed by `by`, with the hotline's 24-hour first-callback
    /// clock; it reaches the estate's kiosks at their next pull. A major complaint goes to
    /// the general manager at once (4.3.2), in the same step.
    pub async fn file_hotline(
        &self,
        new: &NewCase,
        estate: &str,
        actor: Actor<'_>,
        now: DateTime<Utc>,
    ) -> Result<Case> {
        let estate = clean_text(estate, false);
        if estate.is_empty() {
            return Err(ValidationError::Empty { what: "the estate" }.into());
        }
        // Sent to the estate, the complaint is its head's to follow (000 4.2); who took the
        // call stays on the filing (its actor).
        let new = NewCase {
            channel: Some(Channel::Hotline),
            staff: Some(crate::domain::filing::ESTATE_HEAD.to_string()),
            ..new.clone()
        };
        let case_id = uuid::Uuid::now_v7();
        let mut intake = new.validate(&FilingContext {
            catalogue: &self.settings.catalogue,
            estate: &estate,
            case_id,
            repair_sample_percent: self.settings.repair_sample_percent,
        })?;
        intake.resident_key = Some(crate::app::new_resident_key());
        let case = self.db.file_hq(case_id, intake, actor.id, now).await?;
        if case.intake.severity == Some(Severity::Major) {
            let to_gm = Action::Escalate {
                to: EscalationTarget::GeneralManager,
                reason: "重大投诉，即报总经理 (000 4.3.2)".into(),
            };
            return self.act_as(case.ticket(), to_gm, actor, now).await;
        }
        Ok(case)
    }

    async fn find(&self, ticket: &str) -> Result<Case> {
        self.db.case_by_ticket(ticket).await?.ok_or_else(|| StoreError::NotFound(ticket.to_string()))
    }

    /// 热线日报 for `date` (today by default), for one estate or all.
    pub async fn daily_report(
        &self,
        date: Option<NaiveDate>,
        estate: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<DailyReport> {
        let cal = &self.settings.calendar;
        let date = date.unwrap_or_else(|| cal.local_date(now));
        let cases = self.db.daily_report_cases(cal.start_of_day(date), cal.end_of_day(date), estate).await?;
        Ok(report::daily(&cases, cal, date, now))
    }

    /// The monthly summary and KPIs, for one estate or the whole group.
    pub async fn monthly_report(
        &self,
        year: i32,
        month: u32,
        estate: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<MonthlyReport> {
        let key = (year, month, estate.map(str::to_string));
        let (from, to) = self.month_bounds(year, month)?;
        let kept = self.kept.filter(|_| to <= now);
        if let Some(report) = kept.and_then(|k| k.get(&key, now)) {
            return Ok(report);
        }
        let cases = self.db.monthly_report_cases(from, to, estate).await?;
        let made = self.fold(move |cal| report::monthly(&cases, cal, year, month, now)).await?;
        let made = made.ok_or_else(|| not_a_month(year, month))?;
        if let Some(kept) = kept {
            kept.keep(key, &made, now);
        }
        Ok(made)
    }

    fn month_bounds(&self, year: i32, month: u32) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
        Ok(report::month_bounds(&self.settings.calendar, year, month)
            .ok_or_else(|| not_a_month(year, month))?)
    }

    /// Runs `work` with the calendar on a thread of its own: a month of the whole group
    /// is seconds of folding, which must not hold up the threads answering kiosks.
    async fn fold<T: Send + 'static>(
        &self,
        work: impl FnOnce(&crate::domain::calendar::WorkCalendar) -> T + Send + 'static,
    ) -> Result<T> {
        let cal = self.settings.calendar.clone();
        tokio::task::spawn_blocking(move || work(&cal))
            .await
            .map_err(|e| StoreError::BadRecord(format!("making a month's report failed: {e}")))
    }

    /// Makes the group's reports of the `months` months before this one again and keeps
    /// them, so the group's trend answers at once whenever it is looked at (a serving
    /// node does this every few minutes: `Hq::keep_trends_warm`). Nothing without kept
    /// reports.
    pub async fn warm_past_months(&self, months: u32) -> Result<()> {
        let Some(kept) = self.kept else { return Ok(()) };
        let first_of_this_month =
            self.settings.calendar.local_date(Utc::now()).with_day(1).unwrap_or_default();
        for back in 1..=months {
            let Some(first) = first_of_this_month.checked_sub_months(chrono::Months::new(back)) else {
                break;
            };
            let (year, month) = (first.year(), first.month());
            let (from, to) = self.month_bounds(year, month)?;
            let cases = self.db.monthly_report_cases(from, to, None).await?;
            let now = Utc::now();
            if let Some(made) = self.fold(move |cal| report::monthly(&cases, cal, year, month, now)).await? {
                kept.keep((year, month, None), &made, now);
            }
        }
        Ok(())
    }

    /// The monthly summary and KPIs of every estate, side by side (考核), from one read
    /// of the month's cases: each estate's report is the one `monthly_report` gives it.
    pub async fn monthly_by_estate(
        &self,
        year: i32,
        month: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, MonthlyReport)>> {
        Ok(self.assessment(year, month, now).await?.0)
    }

    /// Every estate's monthly report and the group's, from one read of the month's cases
    /// (the group's report is over the same cases the estates' are split from).
    pub async fn assessment(
        &self,
        year: i32,
        month: u32,
        now: DateTime<Utc>,
    ) -> Result<(Vec<(String, MonthlyReport)>, MonthlyReport)> {
        let (from, to) = self.month_bounds(year, month)?;
        let cases = self.db.monthly_report_cases(from, to, None).await?;
        let made = self
            .fold(move |cal| {
                let group = report::monthly(&cases, cal, year, month, now)?;
                let mut by_estate: std::collections::BTreeMap<String, Vec<Case>> = Default::default();
                for case in cases {
                    by_estate.entry(case.intake.estate.clone()).or_default().push(case);
                }
                let estates = by_estate
                    .into_iter()
                    .map(|(estate, cases)| Some((estate, report::monthly(&cases, cal, year, month, now)?)))
                    .collect::<Option<Vec<_>>>()?;
                Some((estates, group))
            })
            .await?;
        let (estates, group) = made.ok_or_else(|| not_a_month(year, month))?;
        // What a trend of the group or of an estate will ask for next.
        if let Some(kept) = self.kept.filter(|_| to <= now) {
            kept.keep((year, month, None), &group, now);
            for (estate, report) in &estates {
                kept.keep((year, month, Some(estate.clone())), report, now);
            }
        }
        Ok((estates, group))
    }

    /// The monthly reports of the `months` months up to the one `last` falls in, oldest
    /// first, each with its month as YYYY-MM; for the group or one estate. One month's
    /// cases are read at a time.
    pub async fn monthly_trend(
        &self,
        last: NaiveDate,
        months: u32,
        estate: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, MonthlyReport)>> {
        let mut out = Vec::with_capacity(months as usize);
        for back in (0..months).rev() {
            let first = last.checked_sub_months(chrono::Months::new(back)).ok_or_else(|| {
                ValidationError::Invalid(format!("{} is not a month", last.format("%Y-%m")))
            })?;
            let report = self.monthly_report(first.year(), first.month(), estate, now).await?;
            out.push((first.format("%Y-%m").to_string(), report));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hq::db::SqliteHq;
    use chrono::TimeZone;

    /// A serving node answers a past month from the report it made lately, and makes it
    /// again once `KEEP_FOR` has passed; this month is always made afresh.
    #[tokio::test]
    async fn past_months_are_kept_a_while_and_this_month_never() {
        let dir = tempfile::TempDir::new().unwrap();
        let db = SqliteHq::open(dir.path()).unwrap();
        let settings = Settings::default();
        let kept = KeptReports::default();
        let desk = HqDesk::serving(&settings, &db, &kept);
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 4, 0, 0).unwrap();
        let first = desk.monthly_report(2026, 11, None, now).await.unwrap();
        assert_eq!(kept.reports.lock().unwrap().len(), 1);
        // Mark the kept one, to tell it from a report made again.
        kept.reports.lock().unwrap().values_mut().for_each(|k| k.report.matters = 99);
        let again = desk.monthly_report(2026, 11, None, now + chrono::Duration::minutes(5)).await.unwrap();
        assert_eq!(again.matters, 99, "kept");
        let later = desk.monthly_report(2026, 11, None, now + KEEP_FOR).await.unwrap();
        assert_eq!(later, first, "made again after {KEEP_FOR}");
        desk.monthly_report(2026, 12, None, now).await.unwrap();
        assert!(kept.reports.lock().unwrap().keys().all(|(_, m, _)| *m == 11), "this month is not kept");
        // Warming makes the group's past months again, whatever was kept.
        desk.warm_past_months(3).await.unwrap();
        let today = Settings::default().calendar.local_date(Utc::now());
        let last = today.with_day(1).unwrap() - chrono::Months::new(1);
        let warmed = kept.get(&(last.year(), last.month(), None), Utc::now()).expect("last month is warm");
        assert_eq!(warmed, desk.monthly_report(last.year(), last.month(), None, Utc::now()).await.unwrap());
        // The assessment keeps the group's and each estate's for the trend to use.
        desk.assessment(2026, 10, now).await.unwrap();
        assert!(kept.get(&(2026, 10, None), now).is_some());
    }
}
