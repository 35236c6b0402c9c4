//! The front desk on the kiosk's screen (issue 13), without Slint: what a signed-in staff
//! member sees today, finds, and may do to a case. Every action goes through the same
//! `Desk::act` as the command line, as the signed-in person, so the domain's rules and
//! roles decide; the screen only hides what would be refused.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::progress::status_name;
use super::staff::StaffSession;
use super::words::Msg;
use crate::app::{Action, CallbackInput, Desk};
use crate::domain::callback::next_callback;
use crate::domain::case::Case;
use crate::domain::clocks::{DeadlineState, deadlines};
use crate::domain::event::{CallbackRecord, ContactMethod, EventBody, Rating, Signature};
use crate::domain::intake::Lang;
use crate::domain::report::CaseLine;
use crate::domain::roles::{Actor, may};

/// One case in a desk list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeskRow {
    pub ticket: String,
    /// Kind · category · place.
    pub title: String,
    /// Status, and why it is listed (overdue clocks, callback due and by whom).
    pub note: String,
    pub overdue: bool,
    pub emergency: bool,
}

/// 今日 at the desk: the day's counts and the cases that need someone now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Today {
    pub new: usize,
    pub open: usize,
    pub overdue: usize,
    pub callbacks_due: usize,
    pub to_review: usize,
    /// Overdue first, then callbacks due, then today's new cases; each case once.
    pub rows: Vec<DeskRow>,
}

/// What the desk may do to the case on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeskAction {
    Acknowledge,
    Assign,
    OnSite,
    Resolve,
    Callback,
    Review,
    Close,
    WorkOrder,
    /// The system proposed 重大 (003 §3.1.1); staff decide.
    ConfirmMajor,
    KeepSeverity,
    // Each of these asks for a choice or some words first (`CaseForm`).
    Reply,
    Classify,
    Plan,
    Note,
    Promise,
    Pause,
    Resume,
    Escalate,
    Link,
    Decide,
    Reopen,
    HandOver,
    ReferDeveloper,
    DeveloperReply,
    /// A paid repair's price and the resident's answer: its own page (keypad, signature).
    Quote,
}

impl DeskAction {
    pub fn code(self) -> &'static str {
        match self {
            DeskAction::Acknowledge => "acknowledge",
            DeskAction::Assign => "assign",
            DeskAction::OnSite => "on-site",
            DeskAction::Resolve => "resolve",
            DeskAction::Callback => "callback",
            DeskAction::Review => "review",
            DeskAction::Close => "close",
            DeskAction::WorkOrder => "work-order",
            DeskAction::ConfirmMajor => "confirm-major",
            DeskAction::KeepSeverity => "keep-severity",
            DeskAction::Reply => "reply",
            DeskAction::Classify => "classify",
            DeskAction::Plan => "plan",
            DeskAction::Note => "note",
            DeskAction::Promise => "promise",
            DeskAction::Pause => "pause",
            DeskAction::Resume => "resume",
            DeskAction::Escalate => "escalate",
            DeskAction::Link => "link",
            DeskAction::Decide => "decide",
            DeskAction::Reopen => "reopen",
            DeskAction::HandOver => "hand-over",
            DeskAction::ReferDeveloper => "refer-developer",
            DeskAction::DeveloperReply => "developer-reply",
            DeskAction::Quote => "quote",
        }
    }

    /// Whether it opens a small form before anything is recorded.
    pub fn asks(self) -> bool {
        !matches!(
            self,
            DeskAction::Acknowledge
                | DeskAction::Assign
                | DeskAction::OnSite
                | DeskAction::Resolve
                | DeskAction::Callback
                | DeskAction::Review
                | DeskAction::Close
                | DeskAction::WorkOrder
                | DeskAction::ConfirmMajor
                | DeskAction::KeepSeverity
                | DeskAction::Resume
                | DeskAction::Quote
        )
    }

    pub fn parse(code: &str) -> Option<DeskAction> {
        ALL_ACTIONS.iter().copied().find(|a| a.code() == code)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        self.msg().get(lang)
    }

    pub fn msg(self) -> Msg {
        match self {
            DeskAction::Acknowledge => Msg("确认受理", "確認受理", "Acknowledge"),
            DeskAction::Assign => Msg("派工", "派工", "Assign"),
            DeskAction::OnSite => Msg("已到场", "已到場", "On site"),
            DeskAction::Resolve => Msg("处理完毕", "處理完畢", "Resolved"),
            DeskAction::Callback => Msg("回访", "回訪", "Callback"),
            DeskAction::Review => Msg("审核回访", "審核回訪", "Review callback"),
            DeskAction::Close => Msg("结案", "結案", "Close"),
            DeskAction::WorkOrder => Msg("打印派工单", "列印派工單", "Print work order"),
            DeskAction::ConfirmMajor => Msg("定为重大投诉", "定為重大投訴", "Make it major"),
            DeskAction::KeepSeverity => Msg("维持原等级", "維持原等級", "Keep its severity"),
            DeskAction::Reply => Msg("答复住户", "答覆住戶", "Reply"),
            DeskAction::Classify => Msg("投诉分类", "投訴分類", "Classify"),
            DeskAction::Plan => Msg("处理方案", "處理方案", "Plan"),
            DeskAction::Note => Msg("记进展", "記進展", "Add a note"),
            DeskAction::Promise => Msg("改约日期", "改約日期", "New date"),
            DeskAction::Pause => Msg("暂停计时", "暫停計時", "Pause the clocks"),
            DeskAction::Resume => Msg("继续计时", "繼續計時", "Resume the clocks"),
            DeskAction::Escalate => Msg("上报", "上報", "Escalate"),
            DeskAction::Link => Msg("同一事项", "同一事項", "Same matter"),
            DeskAction::Decide => Msg("采纳与否", "採納與否", "Adopt or decline"),
            DeskAction::Reopen => Msg("重新处理", "重新處理", "Reopen"),
            DeskAction::HandOver => Msg("移交跟进", "移交跟進", "Hand over"),
            DeskAction::ReferDeveloper => Msg("提交开发商", "提交開發商", "To the developer"),
            DeskAction::DeveloperReply => Msg("开发商答复", "開發商答覆", "Developer's reply"),
            DeskAction::Quote => Msg("收费报价", "收費報價", "Fee quote"),
        }
    }
}

/// In the order the case page lists them: a decision the system asks for first, then the
/// workflow's own order, then what is needed now and then.
const ALL_ACTIONS: [DeskAction; 25] = [
    DeskAction::ConfirmMajor,
    DeskAction::KeepSeverity,
    DeskAction::Acknowledge,
    DeskAction::Reply,
    DeskAction::Classify,
    DeskAction::Assign,
    DeskAction::OnSite,
    DeskAction::Plan,
    DeskAction::Quote,
    DeskAction::Resolve,
    DeskAction::Decide,
    DeskAction::Callback,
    DeskAction::Review,
    DeskAction::Close,
    DeskAction::WorkOrder,
    DeskAction::Note,
    DeskAction::Promise,
    DeskAction::Pause,
    DeskAction::Resume,
    DeskAction::ReferDeveloper,
    DeskAction::DeveloperReply,
    DeskAction::Escalate,
    DeskAction::Link,
    DeskAction::HandOver,
    DeskAction::Reopen,
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineLine {
    pub name: String,
    pub due: String,
    pub state: String,
    pub overdue: bool,
}

/// One case as the desk sees it: everything a clerk needs to call the resident and act.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseView {
    pub ticket: String,
    pub title: String,
    pub status: String,
    /// Label and value pairs: place, contact, channel, owner, department, text.
    pub facts: Vec<(String, String)>,
    /// The full number, for the clerk to call; shown only when asked.
    pub phone: Option<String>,
    pub deadlines: Vec<DeadlineLine>,
    pub timeline: Vec<(String, String)>,
    pub actions: Vec<DeskAction>,
    /// What the case's state would allow but the signed-in person's role does not, each
    /// with who may: the page's answer to "why is there no button for it".
    pub not_yours: Vec<(String, String)>,
    /// The callback owed now: its round and who must make it.
    pub callback: Option<(usize, String)>,
    /// The earliest callback record waiting for review.
    pub review_round: Option<u32>,
    /// The system's 重大 proposal, in words, until staff decide.
    pub major_suggestion: Option<String>,
    /// As it stands (kept when staff decline the proposal).
    pub severity: crate::domain::intake::Severity,
    /// Where it is dispatched, if anywhere: technicians are sent for this department.
    pub department: Option<crate::domain::intake::Department>,
}

/// A callback as the desk's form records it (001 4.4, 11.1.7, 11.1.9).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallbackForm {
    pub in_person: bool,
    pub satisfied: Option<bool>,
    pub quality: Option<u8>,
    pub effect: Option<u8>,
    pub satisfaction: Option<u8>,
    /// Not satisfied: call again in this many days.
    pub next_in_days: Option<i64>,
    pub signature: Vec<Vec<[u16; 2]>>,
}

impl CallbackForm {
    /// The action it records, or what is still missing.
    pub fn action(&self, now: DateTime<Utc>, lang: Lang) -> Result<Action, String> {
        let satisfied = self.satisfied.ok_or_else(|| {
            Msg("请选择住户是否满意", "請選擇住戶是否滿意", "Choose whether the resident is satisfied")
                .get(lang)
        })?;
        let signature = if self.in_person {
            let sig = Signature { strokes: self.signature.clone() };
            sig.check().map_err(|_| {
                Msg(
                    "上门回访请住户在签名框内签名",
                    "上門回訪請住戶在簽名框內簽名",
                    "In person: the resident signs in the box",
                )
                .get(lang)
                .to_string()
            })?;
            Some(sig)
        } else {
            None
        };
        if !satisfied && self.next_in_days.is_none() {
            return Err(Msg(
                "不满意：请约定下次回访时间",
                "不滿意：請約定下次回訪時間",
                "Not satisfied: agree the next callback date",
            )
            .get(lang)
            .into());
        }
        Ok(Action::Callback(CallbackInput {
            method: if self.in_person { ContactMethod::InPerson } else { ContactMethod::Phone },
            satisfied,
            quality: self.quality,
            effect: self.effect,
            satisfaction: self.satisfaction,
            shortcomings: None,
            suggestions: None,
            next_callback_at: if satisfied {
                None
            } else {
                self.next_in_days.map(|d| now + Duration::days(d))
            },
            signature,
        }))
    }
}

/// 报价 as the desk's page records it: the amount typed in yuan, the answer, the signature.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuoteForm {
    pub amount: String,
    pub consented: Option<bool>,
    pub signature: Vec<Vec<[u16; 2]>>,
}

impl QuoteForm {
    /// A key from the page's keypad: digits and one point, two decimals at most.
    pub fn key(&mut self, key: &str) {
        let decimals = self.amount.split_once('.').map(|(_, d)| d.len());
        match key {
            "." if decimals.is_none() && !self.amount.is_empty() => self.amount.push('.'),
            d if d.len() == 1
                && d.chars().all(|c| c.is_ascii_digit())
                && decimals.is_none_or(|n| n < 2)
                && self.amount.len() < 9 =>
            {
                if self.amount == "0" {
                    self.amount.clear();
                }
                self.amount.push_str(d);
            }
            _ => {}
        }
    }

    pub fn action(&self, lang: Lang) -> Result<Action, String> {
        if self.amount.is_empty() {
            return Err(Msg("请输入报价金额", "請輸入報價金額", "Type the fee").get(lang).into());
        }
        let amount_fen = crate::app::parse_yuan(&self.amount).map_err(|e| e.to_string())?;
        let consented = self.consented.ok_or_else(|| {
            Msg("请选择住户是否同意", "請選擇住戶是否同意", "Choose whether the resident agrees").get(lang)
        })?;
        let signature = if consented {
            let sig = Signature { strokes: self.signature.clone() };
            sig.check().map_err(|_| {
                Msg(
                    "住户同意报价，请在签名框内签名",
                    "住戶同意報價，請在簽名框內簽名",
                    "Agreed: the resident signs in the box",
                )
                .get(lang)
                .to_string()
            })?;
            Some(sig)
        } else {
            None
        };
        Ok(Action::Quote { amount_fen, consented, signature })
    }
}

fn local(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%m-%d %H:%M").to_string()
}

fn title(desk: &Desk, line: &CaseLine, lang: Lang) -> String {
    let category =
        desk.settings.catalogue.get(&line.category).map(|c| c.name(lang)).unwrap_or(&line.category);
    format!("{} · {} · {}", line.kind.name(lang), category, line.place.label(lang))
}

/// A list row from the line the reports already made: no second read of the case.
fn row(desk: &Desk, line: &CaseLine, note: String, overdue: bool, lang: Lang) -> DeskRow {
    DeskRow {
        ticket: line.ticket.clone(),
        title: title(desk, line, lang),
        note: format!("{} · {note}", status_name(line.status, lang)),
        overdue,
        emergency: line.emergency,
    }
}

fn state_name(state: DeadlineState, lang: Lang) -> &'static str {
    match state {
        DeadlineState::Pending => Msg("进行中", "進行中", "pending"),
        DeadlineState::Met => Msg("按时完成", "按時完成", "met"),
        DeadlineState::MetLate => Msg("超时完成", "超時完成", "met late"),
        DeadlineState::Overdue => Msg("已超时", "已超時", "OVERDUE"),
        DeadlineState::NotNeeded => Msg("不需要", "不需要", "not needed"),
        DeadlineState::Paused => Msg("暂停计时", "暫停計時", "paused"),
    }
    .get(lang)
}

/// The desk's 今日: the day's report, as rows to tap.
pub fn today(desk: &Desk, session: &StaffSession, lang: Lang, now: DateTime<Utc>) -> Result<Today, String> {
    let report = desk.daily_report(None, now).map_err(|e| e.to_string())?;
    let tz = desk.settings.calendar.tz;
    let mut today = Today {
        new: report.counts.new,
        open: report.counts.open,
        overdue: report.counts.overdue,
        callbacks_due: report.counts.callbacks_due,
        to_review: report.callbacks_to_review.len(),
        rows: Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    // A technician's own open work comes first (issue 13: "their own open work shows on
    // their sign-in").
    if session.role == crate::domain::roles::Role::Technician {
        for r in assigned_to(desk, &session.name, lang, now)? {
            seen.insert(r.ticket.clone());
            today.rows.push(r);
        }
    }
    let mut push = |line: &CaseLine, note: String, overdue: bool| {
        if seen.insert(line.ticket.clone()) {
            today.rows.push(row(desk, line, note, overdue, lang));
        }
    };
    for o in &report.overdue {
        let clocks: Vec<&str> = o.clocks.iter().map(|c| c.name(lang)).collect();
        let label = Msg("超时：", "超時：", "overdue: ").get(lang);
        push(&o.case, format!("{label}{}", clocks.join(if lang == Lang::En { ", " } else { "、" })), true);
    }
    for cb in &report.callbacks_due {
        let label = Msg("待回访", "待回訪", "callback due").get(lang);
        push(&cb.case, format!("{label} {} · {}", local(tz, cb.due), cb.owner_role.name(lang)), false);
    }
    for r in &report.reporters_to_tell {
        let label = Msg("告知处理结果", "告知處理結果", "tell the outcome").get(lang);
        push(&r.case, format!("{label} ({})", r.matter), false);
    }
    for n in &report.new {
        push(n, Msg("今日新增", "今日新增", "new today").get(lang).to_string(), false);
    }
    Ok(today)
}

impl ListFilter {
    /// Whether `case` is one the filter selects (for search results, already few).
    fn passes(&self, case: &Case, session: &StaffSession, desk: &Desk, now: DateTime<Utc>) -> bool {
        self.status.statuses().contains(&case.status)
            && self.kind.is_none_or(|k| case.kind() == k)
            && self.department.is_none_or(|d| case.department == Some(d))
            && self.technician.as_ref().is_none_or(|t| case.assignee.as_ref() == Some(t))
            && (!self.mine || case.owner == session.id)
            && (!self.callbacks_due || next_callback(case).is_some_and(|c| c.opens <= now))
            && (!self.overdue || crate::domain::clocks::is_overdue(case, &desk.settings.calendar, now))
    }
}

/// 查找: by ticket, phone tail, place or words, within the filter; newest first, at most
/// `limit`.
pub fn find(
    desk: &Desk,
    session: &StaffSession,
    filter: &ListFilter,
    query: &str,
    lang: Lang,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<DeskRow>, String> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    // With a filter, read further back so a page of matches usually remains.
    let read = if *filter == ListFilter::default() { limit } else { limit * 10 };
    let cases = desk.store().search_newest(query, read).map_err(|e| e.to_string())?;
    let cal = &desk.settings.calendar;
    Ok(cases
        .iter()
        .filter(|c| filter.passes(c, session, desk, now))
        .take(limit)
        .map(|c| {
            let overdue = crate::domain::clocks::is_overdue(c, cal, now);
            let filed = Msg("受理 ", "受理 ", "filed ").get(lang);
            row(desk, &CaseLine::of(c), format!("{filed}{}", local(cal.tz, c.filed_at)), overdue, lang)
        })
        .collect())
}

/// The 查找 tab's filters. Each narrows the list; none set lists every case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub status: StatusGroup,
    pub kind: Option<crate::domain::intake::Kind>,
    pub department: Option<crate::domain::intake::Department>,
    pub overdue: bool,
    pub callbacks_due: bool,
    /// Cases the signed-in person follows as first-inquiry owner (004).
    pub mine: bool,
    /// A technician's name, as cases are assigned.
    pub technician: Option<String>,
}

/// Statuses as the desk groups them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusGroup {
    #[default]
    All,
    /// Not closed.
    Open,
    /// Still being worked: received up to in progress, or reopened.
    Working,
    /// Resolved, called back, or a suggestion decided: waiting to be closed.
    Done,
    Closed,
}

impl StatusGroup {
    pub const ALL: [StatusGroup; 5] =
        [StatusGroup::All, StatusGroup::Open, StatusGroup::Working, StatusGroup::Done, StatusGroup::Closed];

    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            StatusGroup::All => Msg("全部", "全部", "All"),
            StatusGroup::Open => Msg("未结", "未結", "Open"),
            StatusGroup::Working => Msg("处理中", "處理中", "Working"),
            StatusGroup::Done => Msg("待结案", "待結案", "To close"),
            StatusGroup::Closed => Msg("已结案", "已結案", "Closed"),
        }
        .get(lang)
    }

    fn statuses(self) -> Vec<crate::domain::case::Status> {
        use crate::domain::case::Status;
        Status::ALL
            .into_iter()
            .filter(|s| match self {
                StatusGroup::All => true,
                StatusGroup::Open => s.is_open(),
                StatusGroup::Working => matches!(
                    s,
                    Status::Received
                        | Status::Acknowledged
                        | Status::Assigned
                        | Status::InProgress
                        | Status::Reopened
                ),
                StatusGroup::Done => {
                    matches!(s, Status::Resolved | Status::CallbackDone | Status::Adopted | Status::Declined)
                }
                StatusGroup::Closed => *s == Status::Closed,
            })
            .collect()
    }
}

/// One page of a desk list, and where the next one starts.
#[derive(Clone, Debug, Default)]
pub struct ListPage {
    pub rows: Vec<DeskRow>,
    pub next: Option<crate::store::PageMark>,
}

/// A page of the cases `filter` selects, newest first, after `after`. The store narrows by
/// indexed columns; only "overdue", which needs the working-day calendar, is judged here,
/// on open cases only.
pub fn list(
    desk: &Desk,
    session: &StaffSession,
    filter: &ListFilter,
    after: Option<&crate::store::PageMark>,
    lang: Lang,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<ListPage, String> {
    let mut statuses = filter.status.statuses();
    if filter.overdue {
        statuses.retain(|s| s.is_open());
    }
    let query = crate::store::CaseQuery {
        statuses: if statuses.len() == crate::domain::case::Status::ALL.len() {
            Vec::new()
        } else {
            statuses
        },
        kind: filter.kind,
        department: filter.department,
        assignee: filter.technician.clone(),
        owner: filter.mine.then(|| session.id.clone()),
        callback_by: filter.callbacks_due.then_some(now),
    };
    let cal = &desk.settings.calendar;
    let tz = cal.tz;
    let mut page = ListPage::default();
    let mut mark = after.cloned();
    // Overdue cases are a fraction of open ones: read on in batches until the page fills.
    let batch = if filter.overdue { limit * 4 } else { limit };
    loop {
        let cases = desk.store().list_cases(&query, mark.as_ref(), batch).map_err(|e| e.to_string())?;
        let exhausted = cases.len() < batch;
        for (case, at) in cases {
            mark = Some(at);
            let overdue = crate::domain::clocks::is_overdue(&case, cal, now);
            if filter.overdue && !overdue {
                continue;
            }
            let line = CaseLine::of(&case);
            let note = match next_callback(&case).filter(|_| filter.callbacks_due) {
                Some(due) => format!(
                    "{} {} · {}",
                    Msg("待回访", "待回訪", "callback due").get(lang),
                    local(tz, due.due),
                    due.owner.name(lang)
                ),
                None => format!("{}{}", Msg("受理 ", "受理 ", "filed ").get(lang), local(tz, case.filed_at)),
            };
            page.rows.push(row(desk, &line, note, overdue, lang));
            if page.rows.len() == limit {
                page.next = mark;
                return Ok(page);
            }
        }
        if exhausted {
            return Ok(page);
        }
    }
}

/// A case for the desk, with the actions `session` may take on it now.
pub fn case_view(
    desk: &Desk,
    session: &StaffSession,
    ticket: &str,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<CaseView, String> {
    let record = desk.show(ticket).map_err(|e| e.to_string())?;
    let case = &record.case;
    let tz = desk.settings.calendar.tz;
    let label = |m: Msg| m.get(lang).to_string();
    // A fact's label with the colon its language writes.
    let fact = |m: Msg| format!("{}{}", m.get(lang), if lang == Lang::En { ": " } else { "：" });
    let mut facts = vec![(fact(Msg("地点", "地點", "Place")), case.intake.place.label(lang))];
    match &case.intake.contact {
        Some(c) => facts.push((
            fact(Msg("联系人", "聯絡人", "Contact")),
            format!("{} {}", c.name.as_deref().unwrap_or(""), c.phone.masked()).trim().to_string(),
        )),
        None => {
            facts.push((fact(Msg("联系人", "聯絡人", "Contact")), label(Msg("匿名", "匿名", "anonymous"))))
        }
    }
    facts.push((fact(Msg("渠道", "渠道", "Channel")), case.intake.channel.name(lang).to_string()));
    let owner = if case.owner == crate::domain::filing::FRONT_DESK {
        label(Msg("前台（自助终端受理）", "前台（自助終端受理）", "front desk (filed at the kiosk)"))
    } else {
        desk.staff(&case.owner).map(|s| s.name.clone()).unwrap_or_else(|_| case.owner.clone())
    };
    facts.push((fact(Msg("首问责任人", "首問責任人", "Owner")), owner));
    if let Some(d) = case.department {
        let who = case.assignee.as_deref().map(|a| format!(" / {a}")).unwrap_or_default();
        facts.push((fact(Msg("责任部门", "責任部門", "Department")), format!("{}{who}", d.name(lang))));
    }
    if let Some(p) = case.current_pause() {
        facts.push((
            fact(Msg("暂停计时", "暫停計時", "Paused")),
            format!("{} {}", p.reason.name(lang), p.note),
        ));
    }
    if !case.intake.text.is_empty() {
        facts.push((fact(Msg("内容", "內容", "Text")), case.intake.text.clone()));
    }
    let deadlines = deadlines(case, &desk.settings.calendar, now)
        .into_iter()
        .filter(|d| d.state != DeadlineState::NotNeeded)
        .map(|d| DeadlineLine {
            name: d.clock.name(lang).to_string(),
            due: local(tz, d.due),
            state: state_name(d.state, lang).to_string(),
            overdue: d.state == DeadlineState::Overdue,
        })
        .collect();
    let who = |id: &str| desk.staff(id).map(|s| s.name.clone()).unwrap_or_else(|_| id.to_string());
    let timeline = record
        .events
        .iter()
        .map(|e| {
            (local(tz, e.event.at), format!("{} · {}", event_label(&e.event.body, lang), who(&e.event.actor)))
        })
        .collect();
    let actor = desk.staff(&session.id).map_err(|e| e.to_string())?.actor();
    let suggestion = desk.major_suggestion(case, now).map_err(|e| e.to_string())?;
    let mut actions = Vec::new();
    let mut not_yours = Vec::new();
    for action in ALL_ACTIONS {
        let proposal = matches!(action, DeskAction::ConfirmMajor | DeskAction::KeepSeverity);
        if proposal && suggestion.is_none() {
            continue;
        }
        match verdict(action, case, actor, now) {
            Verdict::Allowed => actions.push(action),
            // The proposal's answers are one decision, explained once (as 投诉分类).
            Verdict::NotYourRole if !proposal => {
                not_yours.push((action.label(lang).to_string(), who_may(action, case, now, lang)))
            }
            _ => {}
        }
    }
    let major_suggestion = suggestion.map(|s| {
        let earlier = s.earlier.join(if lang == Lang::En { ", " } else { "、" });
        match lang {
            Lang::En => format!("The same resident complained again within 30 days ({earlier}): major?"),
            Lang::ZhTw => format!("同一住戶30天內再次投訴（{earlier}），建議定為重大投訴"),
            Lang::ZhCn => format!("同一住户30天内再次投诉（{earlier}），建议定为重大投诉"),
        }
    });
    let callback = next_callback(case).map(|c| (c.round, c.owner.name(lang)));
    let review_round = case.unreviewed_callbacks().next().map(|(round, _)| round);
    Ok(CaseView {
        ticket: case.ticket().to_string(),
        title: title(desk, &CaseLine::of(case), lang),
        status: status_name(case.status, lang).to_string(),
        facts,
        phone: case.intake.contact.as_ref().map(|c| c.phone.as_str().to_string()),
        deadlines,
        timeline,
        actions,
        not_yours,
        callback,
        review_round,
        major_suggestion,
        severity: case.severity.unwrap_or(crate::domain::intake::Severity::General),
        department: case.department,
    })
}

/// A line of the case's history for staff: what happened, with its words where it has some.
fn event_label(body: &EventBody, lang: Lang) -> String {
    let m = |zh: &'static str, tw: &'static str, en: &'static str| Msg(zh, tw, en).get(lang).to_string();
    let with = |what: String, text: &str| if text.is_empty() { what } else { format!("{what}：{text}") };
    match body {
        EventBody::Filed { .. } => m("受理", "受理", "Filed"),
        EventBody::Acknowledged { .. } => m("确认受理", "確認受理", "Acknowledged"),
        EventBody::Replied { method, text } => with(method.reply_zh().to_string(), text),
        EventBody::Classified { .. } => m("分类", "分類", "Classified"),
        EventBody::Assigned { department, assignee } => with(
            m("派工", "派工", "Assigned"),
            &format!("{} {}", department.name(lang), assignee.as_deref().unwrap_or("")),
        ),
        EventBody::OnSite { .. } => m("到场", "到場", "On site"),
        EventBody::PlanSet { plan } => with(m("处理方案", "處理方案", "Plan"), plan),
        EventBody::ProgressNote { text } => with(m("进展", "進展", "Note"), text),
        EventBody::PromiseSet { reason, .. } => with(m("承诺日期", "承諾日期", "New date"), reason),
        EventBody::Resolved { note } => with(m("处理完毕", "處理完畢", "Resolved"), note),
        EventBody::CallbackRecorded { record } => {
            let verdict = if record.satisfied {
                m("满意", "滿意", "satisfied")
            } else {
                m("不满意", "不滿意", "not satisfied")
            };
            let signed = if record.signature.is_some() {
                m("，住户已签名", "，住戶已簽名", ", signed")
            } else {
                String::new()
            };
            format!("{}：{verdict}{signed}", record.method.zh())
        }
        EventBody::Reopened { reason } => with(m("重新处理", "重新處理", "Reopened"), reason),
        EventBody::Escalated { to, reason } => {
            with(format!("{} {}", m("上报", "上報", "Escalated to"), to.zh()), reason)
        }
        EventBody::Closed { .. } => m("结案", "結案", "Closed"),
        EventBody::LinkedDuplicate { primary_ticket, .. } => {
            with(m("同一事项", "同一事項", "Same matter as"), primary_ticket)
        }
        EventBody::SuggestionDecided { adopted, reason } => with(
            if *adopted { m("采纳", "採納", "Adopted") } else { m("不采纳", "不採納", "Declined") },
            reason,
        ),
        EventBody::CallbackReviewed { round, opinion } => {
            with(format!("{} {round}", m("审核回访", "審核回訪", "Reviewed callback")), opinion)
        }
        EventBody::Paused { reason, note } => with(reason.name(lang).to_string(), note),
        EventBody::Resumed { .. } => m("继续计时", "繼續計時", "Resumed"),
        EventBody::DeveloperReferred { record } => {
            with(m("提交开发商", "提交開發商", "To the developer"), record)
        }
        EventBody::DeveloperReplied { text } => {
            with(m("开发商答复", "開發商答覆", "Developer replied"), text)
        }
        EventBody::OwnerHandedOver { to, note } => {
            with(format!("{} {to}", m("移交", "移交", "Handed over to")), note)
        }
        EventBody::FeeQuoted { amount_fen, consented, signature } => {
            let answer = match (consented, signature.is_some()) {
                (true, true) => m("住户同意并签名", "住戶同意並簽名", "agreed and signed"),
                (true, false) => m("住户同意", "住戶同意", "agreed"),
                _ => m("住户不同意", "住戶不同意", "not agreed"),
            };
            format!("{} {}：{answer}", m("报价", "報價", "Fee"), crate::domain::event::yuan(*amount_fen))
        }
    }
}

/// What the rules say about `action` on `case` for `actor` now.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Allowed,
    /// The case's state rules it out (or it does not apply to this case): nothing to explain.
    NotNow,
    /// The workflow would take it, the person's role may not: the page says who may.
    NotYourRole,
}

/// Asks the domain whether `action` may happen, so the screen shows no button the domain
/// would refuse.
fn verdict(action: DeskAction, case: &Case, actor: Actor, now: DateTime<Utc>) -> Verdict {
    // Paper for the engineer: any open repair or complaint.
    if action == DeskAction::WorkOrder {
        let applies = case.status.is_open() && case.kind() != crate::domain::intake::Kind::Suggestion;
        return if applies { Verdict::Allowed } else { Verdict::NotNow };
    }
    let Some(body) = probe(action, case, now) else { return Verdict::NotNow };
    if case.check(&body, now).is_err() {
        Verdict::NotNow
    } else if may(actor, &body, case).is_err() {
        Verdict::NotYourRole
    } else {
        Verdict::Allowed
    }
}

/// An event like the one `action` would record, to ask the rules whether it may happen.
fn probe(action: DeskAction, case: &Case, now: DateTime<Utc>) -> Option<EventBody> {
    use crate::domain::event::{EscalationTarget, PauseReason};
    use crate::domain::intake::{Department, Severity};
    let text = || "-".to_string();
    Some(match action {
        DeskAction::Acknowledge => EventBody::Acknowledged { note: None },
        DeskAction::OnSite => EventBody::OnSite { note: None },
        DeskAction::Assign => EventBody::Assigned { department: Department::Engineering, assignee: None },
        DeskAction::Resolve => EventBody::Resolved { note: text() },
        DeskAction::Callback => EventBody::CallbackRecorded {
            record: CallbackRecord {
                method: ContactMethod::Phone,
                quality: Rating::new(5).ok(),
                effect: None,
                satisfaction: None,
                satisfied: true,
                shortcomings: None,
                suggestions: None,
                next_callback_at: None,
                signature: None,
            },
        },
        DeskAction::Review => {
            let (round, _) = case.unreviewed_callbacks().next()?;
            EventBody::CallbackReviewed { round, opinion: text() }
        }
        DeskAction::Close => EventBody::Closed { note: None },
        DeskAction::ConfirmMajor | DeskAction::KeepSeverity | DeskAction::Classify => {
            EventBody::Classified { complaint_class: None, severity: Some(Severity::Major), department: None }
        }
        DeskAction::Reply => EventBody::Replied { method: ContactMethod::Phone, text: text() },
        DeskAction::Plan => EventBody::PlanSet { plan: text() },
        DeskAction::Note => EventBody::ProgressNote { text: text() },
        DeskAction::Promise => EventBody::PromiseSet { due: now + Duration::days(1), reason: text() },
        DeskAction::Pause => EventBody::Paused { reason: PauseReason::Resident, note: text() },
        DeskAction::Resume => EventBody::Resumed { note: None },
        DeskAction::Escalate => EventBody::Escalated { to: EscalationTarget::EstateManager, reason: text() },
        // Whether this case may be linked to another at all.
        DeskAction::Link => EventBody::LinkedDuplicate { primary: uuid::Uuid::nil(), primary_ticket: text() },
        DeskAction::Decide => EventBody::SuggestionDecided { adopted: true, reason: text() },
        DeskAction::Reopen => EventBody::Reopened { reason: text() },
        // To someone who is not the owner now.
        DeskAction::HandOver => EventBody::OwnerHandedOver { to: format!("{}+", case.owner), note: text() },
        DeskAction::ReferDeveloper => EventBody::DeveloperReferred { record: text() },
        DeskAction::DeveloperReply => EventBody::DeveloperReplied { text: text() },
        DeskAction::Quote => EventBody::FeeQuoted { amount_fen: 0, consented: false, signature: None },
        DeskAction::WorkOrder => return None,
    })
}

/// Who may do `action` on `case`, by role, when the signed-in person may not: the answer
/// to "why is there no button for it".
fn who_may(action: DeskAction, case: &Case, now: DateTime<Utc>, lang: Lang) -> String {
    use crate::domain::roles::Role;
    let Some(body) = probe(action, case, now) else { return String::new() };
    let roles: Vec<&str> = Role::ALL
        .iter()
        .filter(|role| {
            // Someone else in that role, in the department the case is with.
            let actor = Actor { id: "\u{1}another", role: **role, department: case.department };
            may(actor, &body, case).is_ok()
        })
        .map(|role| role.name(lang))
        .collect();
    let sep = if lang == Lang::En { ", " } else { "、" };
    match (roles.is_empty(), lang) {
        (true, Lang::En) => "not anyone signed in here".into(),
        (true, _) => Msg("此处无人可做", "此處無人可做", "").get(lang).into(),
        (false, Lang::En) => format!("by the {}", roles.join(sep)),
        (false, Lang::ZhTw) => format!("由{}辦理", roles.join(sep)),
        (false, Lang::ZhCn) => format!("由{}办理", roles.join(sep)),
    }
}

/// Who a case can be dispatched to from the desk: the configured technicians and
/// department supervisors, with the department the case goes to.
pub fn assignees(
    desk: &Desk,
    case_department: Option<crate::domain::intake::Department>,
) -> Vec<(String, crate::domain::intake::Department)> {
    use crate::domain::intake::Department;
    use crate::domain::roles::Role;
    desk.settings
        .staff
        .iter()
        .filter_map(|s| match s.role {
            Role::Technician => Some((s.name.clone(), case_department.unwrap_or(Department::Engineering))),
            Role::DepartmentSupervisor => {
                Some((s.name.clone(), s.department.unwrap_or(Department::Engineering)))
            }
            _ => None,
        })
        .collect()
}

/// The open cases assigned to `name` (a technician's own work, on their sign-in).
pub fn assigned_to(desk: &Desk, name: &str, lang: Lang, now: DateTime<Utc>) -> Result<Vec<DeskRow>, String> {
    let cases = desk.store().cases().map_err(|e| e.to_string())?;
    let cal = &desk.settings.calendar;
    Ok(cases
        .iter()
        .filter(|c| c.status.is_open() && c.assignee.as_deref() == Some(name))
        .map(|c| {
            let overdue = crate::domain::clocks::is_overdue(c, cal, now);
            row(
                desk,
                &CaseLine::of(c),
                Msg("派给我的", "派給我的", "assigned to me").get(lang).to_string(),
                overdue,
                lang,
            )
        })
        .collect())
}

/// One question of a case form: a label and its answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormChoice {
    pub label: String,
    pub options: Vec<String>,
    pub chosen: Option<usize>,
    /// Saved without an answer it changes nothing (a classification leaves it as it is).
    pub optional: bool,
}

/// The small form behind one of the case page's other actions: a choice or two and some
/// words, typed on the kiosk's pinyin keyboard or picked from its quick phrases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseForm {
    pub action: DeskAction,
    pub ticket: String,
    pub choices: Vec<FormChoice>,
    /// What the words are for, when the action takes words.
    pub text_label: Option<String>,
    pub text_required: bool,
    pub phrases: Vec<String>,
    /// A ticket number rather than prose: the keyboard offers letters and digits only.
    pub ticket_keys: bool,
    pub text: String,
    /// What the first choice's options stand for when they are not a fixed vocabulary:
    /// the tickets to link to, the staff ids to hand over to.
    values: Vec<String>,
}

/// The longest words a case form takes (a plan, a reply, a joint record's summary).
pub const FORM_MAX_CHARS: usize = 200;

const REPLY_METHODS: [(ContactMethod, Msg); 3] = [
    (ContactMethod::Phone, Msg("电话", "電話", "By phone")),
    (ContactMethod::InPerson, Msg("当面", "當面", "In person")),
    (ContactMethod::Written, Msg("书面", "書面", "In writing")),
];
const CLASSES: [(crate::domain::intake::ComplaintClass, Msg); 3] = [
    (crate::domain::intake::ComplaintClass::Service, Msg("一类：物业服务", "一類：物業服務", "1 Service")),
    (crate::domain::intake::ComplaintClass::Developer, Msg("二类：开发商", "二類：開發商", "2 Developer")),
    (crate::domain::intake::ComplaintClass::External, Msg("三类：外部", "三類：外部", "3 External")),
];
const PROMISE_DAYS: [(i64, Msg); 4] = [
    (1, Msg("明天", "明天", "Tomorrow")),
    (3, Msg("3天后", "3天後", "In 3 days")),
    (7, Msg("7天后", "7天後", "In 7 days")),
    (15, Msg("15天后", "15天後", "In 15 days")),
];
/// The developer's pause starts with the joint record (提交开发商), not here.
const PAUSE_REASONS: [crate::domain::event::PauseReason; 3] = [
    crate::domain::event::PauseReason::Resident,
    crate::domain::event::PauseReason::Parts,
    crate::domain::event::PauseReason::ThirdParty,
];
const TARGETS: [(crate::domain::event::EscalationTarget, Msg); 4] = [
    (crate::domain::event::EscalationTarget::EstateManager, Msg("项目经理", "項目經理", "Estate manager")),
    (crate::domain::event::EscalationTarget::GroupHead, Msg("集团负责人", "集團負責人", "Group head")),
    (crate::domain::event::EscalationTarget::GeneralManager, Msg("总经理", "總經理", "General manager")),
    (crate::domain::event::EscalationTarget::Developer, Msg("开发商", "開發商", "Developer")),
];

/// The quick phrases each form offers on the keyboard's bar.
fn form_phrases(action: DeskAction) -> &'static [Msg] {
    match action {
        DeskAction::Reply => &[
            Msg("已收到，正在安排处理", "已收到，正在安排處理", "Received, being arranged"),
            Msg("已安排人员上门", "已安排人員上門", "Someone will come"),
            Msg("已转相关部门处理", "已轉相關部門處理", "Passed to the department"),
            Msg("已说明原因，住户表示理解", "已說明原因，住戶表示理解", "Explained; the resident agrees"),
        ],
        DeskAction::Plan => &[
            Msg("更换配件", "更換配件", "Replace the part"),
            Msg("约住户上门查看", "約住戶上門查看", "Visit with the resident"),
            Msg("协调相关部门处理", "協調相關部門處理", "Coordinate the departments"),
        ],
        DeskAction::Note => &[
            Msg("已联系住户", "已聯絡住戶", "Resident contacted"),
            Msg("等待住户回复", "等待住戶回覆", "Waiting for the resident"),
            Msg("已上门查看", "已上門查看", "Visited"),
        ],
        DeskAction::Promise => &[
            Msg("等待配件", "等待配件", "Waiting for parts"),
            Msg("住户约定的时间", "住戶約定的時間", "The resident's chosen day"),
            Msg("需第三方配合", "需第三方配合", "A third party is needed"),
        ],
        DeskAction::Pause => &[
            Msg("住户不在家", "住戶不在家", "The resident is away"),
            Msg("配件已订购", "配件已訂購", "Parts ordered"),
            Msg("等待供水公司", "等待供水公司", "Waiting for the water company"),
        ],
        DeskAction::Escalate => &[
            Msg("七日未解决，书面上报", "七日未解決，書面上報", "Unresolved after 7 days"),
            Msg("重大投诉，即时上报", "重大投訴，即時上報", "Major complaint"),
        ],
        DeskAction::Decide => &[
            Msg("可行，纳入计划", "可行，納入計劃", "Feasible, planned"),
            Msg("暂不具备条件", "暫不具備條件", "Not possible for now"),
        ],
        DeskAction::Reopen => {
            &[Msg("住户反映问题仍未解决", "住戶反映問題仍未解決", "The resident says it is not fixed")]
        }
        DeskAction::HandOver => &[Msg("请继续跟进回访", "請繼續跟進回訪", "Please follow up")],
        DeskAction::ReferDeveloper => &[Msg(
            "已填写需开发商协商处理问题记录表",
            "已填寫需開發商協商處理問題記錄表",
            "Joint record filled in",
        )],
        DeskAction::DeveloperReply => &[
            Msg("开发商同意维修", "開發商同意維修", "The developer will repair"),
            Msg("开发商安排施工", "開發商安排施工", "The developer schedules works"),
        ],
        _ => &[],
    }
}

impl CaseForm {
    /// The form for `action` on the case `ticket`, with its choices filled from the case
    /// (current class and severity, earlier cases at the same place, who may take it over).
    pub fn open(desk: &Desk, ticket: &str, action: DeskAction, lang: Lang) -> Result<CaseForm, String> {
        use crate::domain::intake::Severity;
        use crate::domain::roles::Role;
        let record = desk.show(ticket).map_err(|e| e.to_string())?;
        let case = &record.case;
        let names = |list: &mut dyn Iterator<Item = &Msg>| list.map(|m| m.get(lang).to_string()).collect();
        let choice = |label: Msg, options: Vec<String>| FormChoice {
            label: label.get(lang).to_string(),
            options,
            chosen: None,
            optional: false,
        };
        let words = |m: Msg| Some(m.get(lang).to_string());
        let mut form = CaseForm {
            action,
            ticket: case.ticket().to_string(),
            choices: Vec::new(),
            text_label: None,
            text_required: true,
            phrases: form_phrases(action).iter().map(|m| m.get(lang).to_string()).collect(),
            ticket_keys: false,
            text: String::new(),
            values: Vec::new(),
        };
        match action {
            DeskAction::Reply => {
                let mut c =
                    choice(Msg("方式", "方式", "How"), names(&mut REPLY_METHODS.iter().map(|(_, m)| m)));
                // Letters are answered in writing (004); anything else most often by phone.
                c.chosen =
                    Some(if case.intake.channel == crate::domain::intake::Channel::Letter { 2 } else { 0 });
                form.choices.push(c);
                form.text_label = words(Msg("答复内容", "答覆內容", "What the resident was told"));
            }
            DeskAction::Classify => {
                let mut class =
                    choice(Msg("类别", "類別", "Class"), names(&mut CLASSES.iter().map(|(_, m)| m)));
                class.chosen = CLASSES.iter().position(|(c, _)| Some(*c) == case.complaint_class);
                class.optional = true;
                let mut severity = choice(
                    Msg("等级", "等級", "Severity"),
                    Severity::ALL.iter().map(|s| s.name(lang).to_string()).collect(),
                );
                severity.chosen = Severity::ALL.iter().position(|s| Some(*s) == case.severity);
                severity.optional = true;
                form.choices = vec![class, severity];
                form.text_required = false;
            }
            DeskAction::Plan => form.text_label = words(Msg("处理方案", "處理方案", "The plan")),
            DeskAction::Note => form.text_label = words(Msg("进展", "進展", "What happened")),
            DeskAction::Promise => {
                form.choices.push(choice(
                    Msg("新日期", "新日期", "New date"),
                    names(&mut PROMISE_DAYS.iter().map(|(_, m)| m)),
                ));
                form.text_label = words(Msg("改期原因", "改期原因", "Why"));
            }
            DeskAction::Pause => {
                form.choices.push(choice(
                    Msg("等待", "等待", "Waiting for"),
                    PAUSE_REASONS.iter().map(|r| r.name(lang).to_string()).collect(),
                ));
                form.text_label = words(Msg("说明", "說明", "Details"));
            }
            DeskAction::Escalate => {
                form.choices
                    .push(choice(Msg("上报给", "上報給", "To"), names(&mut TARGETS.iter().map(|(_, m)| m))));
                form.text_label = words(Msg("上报原因", "上報原因", "Why"));
            }
            DeskAction::Link => {
                let earlier = desk.store().earlier_at_same_place(case.id, 4).map_err(|e| e.to_string())?;
                let tz = desk.settings.calendar.tz;
                let mut c = choice(
                    Msg("同一地点", "同一地點", "Same place"),
                    earlier
                        .iter()
                        .map(|c| format!("{} {}", c.ticket(), c.filed_at.with_timezone(&tz).format("%m-%d")))
                        .collect(),
                );
                c.optional = true;
                form.values = earlier.iter().map(|c| c.ticket().to_string()).collect();
                if !c.options.is_empty() {
                    form.choices.push(c);
                }
                form.text_label = words(Msg("或输入单号", "或輸入單號", "Or type its ticket"));
                form.text_required = false;
                form.ticket_keys = true;
            }
            DeskAction::Decide => {
                form.choices.push(choice(
                    Msg("建议", "建議", "Suggestion"),
                    vec![
                        Msg("采纳", "採納", "Adopt").get(lang).into(),
                        Msg("不采纳", "不採納", "Decline").get(lang).into(),
                    ],
                ));
                form.text_label = words(Msg("理由", "理由", "Why"));
            }
            DeskAction::Reopen => form.text_label = words(Msg("原因", "原因", "Why")),
            DeskAction::HandOver => {
                let takers: Vec<_> = desk
                    .settings
                    .staff
                    .iter()
                    .filter(|s| s.id != case.owner)
                    .filter(|s| {
                        matches!(
                            s.role,
                            Role::FrontDesk
                                | Role::ServiceSupervisor
                                | Role::CustomerServiceDirector
                                | Role::EstateManager
                        )
                    })
                    .collect();
                form.choices.push(choice(
                    Msg("移交给", "移交給", "To"),
                    takers.iter().map(|s| s.name.clone()).collect(),
                ));
                form.values = takers.iter().map(|s| s.id.clone()).collect();
                form.text_label = words(Msg("交接说明", "交接說明", "A note for them"));
            }
            DeskAction::ReferDeveloper => {
                form.text_label = words(Msg("协商记录", "協商記錄", "The joint record"))
            }
            DeskAction::DeveloperReply => {
                form.text_label = words(Msg("开发商答复", "開發商答覆", "The developer's reply"))
            }
            other => return Err(format!("{} has no form", other.code())),
        }
        Ok(form)
    }

    /// The action the form records, or what is still missing, in the screen's language.
    pub fn action(&self, now: DateTime<Utc>, lang: Lang) -> Result<Action, String> {
        let missing = |what: &str| match lang {
            Lang::En => format!("Missing: {}", what.to_lowercase()),
            Lang::ZhTw => format!("請填寫：{what}"),
            Lang::ZhCn => format!("请填写：{what}"),
        };
        for c in &self.choices {
            if c.chosen.is_none() && !c.optional {
                return Err(missing(&c.label));
            }
        }
        let text = self.text.trim().to_string();
        if self.text_required && text.is_empty() {
            return Err(missing(self.text_label.as_deref().unwrap_or_default()));
        }
        let pick = |i: usize| self.choices.get(i).and_then(|c| c.chosen);
        let first = pick(0).unwrap_or(0);
        Ok(match self.action {
            DeskAction::Reply => Action::Reply { method: REPLY_METHODS[first.min(2)].0, text },
            DeskAction::Classify => {
                let complaint_class = pick(0).and_then(|i| CLASSES.get(i)).map(|(c, _)| *c);
                let severity = pick(1).and_then(|i| crate::domain::intake::Severity::ALL.get(i)).copied();
                if complaint_class.is_none() && severity.is_none() {
                    return Err(missing(&self.choices[0].label));
                }
                Action::Classify { complaint_class, severity, department: None }
            }
            DeskAction::Plan => Action::Plan { plan: text },
            DeskAction::Note => Action::Note { text },
            DeskAction::Promise => {
                let days = PROMISE_DAYS.get(first).map_or(1, |(d, _)| *d);
                Action::Promise { due: now + Duration::days(days), reason: text }
            }
            DeskAction::Pause => Action::Pause { reason: PAUSE_REASONS[first.min(2)], note: text },
            DeskAction::Escalate => Action::Escalate { to: TARGETS[first.min(3)].0, reason: text },
            DeskAction::Link => {
                let typed = (!text.is_empty()).then_some(text);
                let chosen = pick(0).and_then(|i| self.values.get(i)).cloned();
                match typed.or(chosen) {
                    Some(primary_ticket) => Action::Link { primary_ticket },
                    None => return Err(missing(self.text_label.as_deref().unwrap_or_default())),
                }
            }
            DeskAction::Decide => Action::Decide { adopted: first == 0, reason: text },
            DeskAction::Reopen => Action::Reopen { reason: text },
            DeskAction::HandOver => match self.values.get(first) {
                Some(to) => Action::HandOver { to: to.clone(), note: text },
                None => return Err(missing(&self.choices[0].label)),
            },
            DeskAction::ReferDeveloper => Action::ReferDeveloper { record: text },
            DeskAction::DeveloperReply => Action::DeveloperReply { text },
            other => return Err(format!("{} has no form", other.code())),
        })
    }
}

/// A job in the print queue as the desk shows it, with what may be done about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintRow {
    pub id: i64,
    /// The document, and its case's ticket.
    pub title: String,
    /// Its state, when, and the last problem.
    pub note: String,
    pub can_retry: bool,
    pub can_cancel: bool,
}

fn document_name(kind: crate::store::DocumentKind, lang: Lang) -> &'static str {
    use crate::store::DocumentKind as D;
    match kind {
        D::Ticket => Msg("受理单", "受理單", "Ticket"),
        D::WorkOrder => Msg("派工单", "派工單", "Work order"),
        D::DailyReport => Msg("日报", "日報", "Daily report"),
        D::MonthlySummary => Msg("月度汇总", "月度匯總", "Monthly summary"),
        D::Test => Msg("测试页", "測試頁", "Test page"),
        D::Escalation => Msg("书面上报", "書面上報", "Escalation"),
        D::Reply => Msg("书面回复", "書面回覆", "Written reply"),
        D::DeveloperRecord => Msg("开发商协商记录", "開發商協商記錄", "Developer record"),
    }
    .get(lang)
}

fn job_state_name(state: crate::store::JobState, lang: Lang) -> &'static str {
    use crate::store::JobState as J;
    match state {
        J::Queued => Msg("排队中", "排隊中", "queued"),
        J::Printing => Msg("正在打印", "正在列印", "printing"),
        J::Printed => Msg("已打印", "已列印", "printed"),
        J::Sent => Msg("已发送", "已傳送", "sent"),
        J::Uncertain => Msg("是否打出不明", "是否印出不明", "may not have printed"),
        J::Failed => Msg("未打印", "未列印", "not printed"),
        J::Held => Msg("暂留，待前台补打", "暫留，待前台補印", "held for the desk"),
    }
    .get(lang)
}

/// What the printer says, in words for the desk.
pub fn printer_status_name(status: crate::printer::status::PrinterStatus, lang: Lang) -> &'static str {
    use crate::printer::status::PrinterStatus as P;
    match status {
        P::Ready => Msg("打印机正常", "印表機正常", "Printer ready"),
        P::PaperLow => Msg("纸快用完了", "紙快用完了", "Paper low"),
        P::PaperOut => Msg("缺纸", "缺紙", "Out of paper"),
        P::CoverOpen => Msg("纸仓盖未关", "紙倉蓋未關", "Cover open"),
        P::Offline => Msg("打印机离线", "印表機離線", "Printer offline"),
        P::Error => Msg("打印机故障", "印表機故障", "Printer error"),
        P::Unknown => Msg("打印机状态未知", "印表機狀態未知", "Printer status unknown"),
    }
    .get(lang)
}

/// The latest `limit` print jobs, newest first.
pub fn print_queue(desk: &Desk, lang: Lang, limit: usize) -> Result<Vec<PrintRow>, String> {
    use crate::store::JobState as J;
    let tz = desk.settings.calendar.tz;
    let jobs = desk.store().print_jobs(limit).map_err(|e| e.to_string())?;
    Ok(jobs
        .into_iter()
        .map(|job| {
            let ticket = job
                .case_id
                .and_then(|id| desk.store().case_by_id(id).ok())
                .map(|r| format!(" {}", r.case.ticket()))
                .unwrap_or_default();
            let problem = job.last_error.as_deref().map(|e| format!(" · {e}")).unwrap_or_default();
            PrintRow {
                id: job.id,
                title: format!("{}{ticket}", document_name(job.document, lang)),
                note: format!("{} · {}{problem}", job_state_name(job.state, lang), local(tz, job.created_at)),
                can_retry: matches!(job.state, J::Held | J::Failed | J::Uncertain),
                can_cancel: matches!(job.state, J::Queued | J::Held),
            }
        })
        .collect())
}

/// What the desk's 处理完毕 records: the clerk picks what was done.
pub const RESOLVE_NOTES: [Msg; 3] = [
    Msg("已维修完毕", "已維修完畢", "Repaired"),
    Msg("已处理并告知住户", "已處理並告知住戶", "Handled and the resident told"),
    Msg("已现场解决", "已現場解決", "Solved on the spot"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::domain::filing::NewCase;
    use crate::domain::roles::Role;

    fn desk(dir: &std::path::Path) -> Desk {
        let mut settings = Settings::default();
        crate::config::add_sample_staff(&mut settings.staff);
        Desk::open(settings, dir).unwrap()
    }

    fn session(id: &str, name: &str, role: Role) -> StaffSession {
        StaffSession { id: id.into(), name: name.into(), role }
    }

    #[test]
    fn a_technician_sees_their_own_work_first_and_no_button_they_may_not_press() {
        let dir = tempfile::TempDir::new().unwrap();
        let mut desk = desk(dir.path());
        let now = Utc::now();
        let new = NewCase {
            category: "water".into(),
            place: "3-2-1201".into(),
            phone: Some("13800138000".into()),
            text: "漏水".into(),
            ..NewCase::default()
        };
        let mine = desk.file(&new, now - Duration::days(3)).unwrap();
        desk.file(&new, now).unwrap();
        let assign = Action::Assign {
            department: crate::domain::intake::Department::Engineering,
            assignee: Some("李师傅".into()),
        };
        desk.act(mine.ticket(), assign, "wang", now - Duration::days(3)).unwrap();
        let li = session("li", "李师傅", Role::Technician);
        let today = today(&desk, &li, Lang::ZhCn, now).unwrap();
        assert_eq!(today.rows[0].ticket, mine.ticket());
        assert!(today.rows[0].note.contains("派给我的"), "{:?}", today.rows[0]);
        let view = case_view(&desk, &li, mine.ticket(), Lang::ZhCn, now).unwrap();
        assert!(view.actions.contains(&DeskAction::Resolve) && view.actions.contains(&DeskAction::OnSite));
        assert!(!view.actions.contains(&DeskAction::Assign) && !view.actions.contains(&DeskAction::Close));
        // The front desk may dispatch, not close an unresolved case.
        let wang = session("wang", "王芳", Role::FrontDesk);
        let view = case_view(&desk, &wang, mine.ticket(), Lang::ZhCn, now).unwrap();
        assert!(view.actions.contains(&DeskAction::Assign) && !view.actions.contains(&DeskAction::Close));
        assert!(
            view.timeline.iter().any(|(_, what)| what.starts_with("派工：工程部 李师傅 · 王芳")),
            "{:?}",
            view.timeline
        );
        assert!(view.major_suggestion.is_none() && !view.actions.contains(&DeskAction::ConfirmMajor));
    }

    #[test]
    fn the_desk_answers_the_major_proposal_and_it_goes_away() {
        let dir = tempfile::TempDir::new().unwrap();
        let mut desk = desk(dir.path());
        let now = Utc::now();
        let noise = NewCase {
            category: "noise".into(),
            place: "5-1-302".into(),
            phone: Some("13900139000".into()),
            text: "噪音".into(),
            ..NewCase::default()
        };
        desk.file(&noise, now - Duration::days(5)).unwrap();
        let again = desk.file(&noise, now).unwrap();
        let wang = session("wang", "王芳", Role::FrontDesk);
        let view = case_view(&desk, &wang, again.ticket(), Lang::ZhCn, now).unwrap();
        assert!(view.major_suggestion.as_deref().is_some_and(|s| s.contains("K01-00001")), "{view:?}");
        assert!(
            view.actions.contains(&DeskAction::ConfirmMajor)
                && view.actions.contains(&DeskAction::KeepSeverity)
        );
        let keep =
            Action::Classify { complaint_class: None, severity: Some(view.severity), department: None };
        desk.act(again.ticket(), keep, "wang", now).unwrap();
        let view = case_view(&desk, &wang, again.ticket(), Lang::ZhCn, now).unwrap();
        assert!(view.major_suggestion.is_none() && !view.actions.contains(&DeskAction::KeepSeverity));
    }

    #[test]
    fn forms_say_what_is_missing_and_the_page_says_who_may_do_what_it_hides() {
        let dir = tempfile::TempDir::new().unwrap();
        let mut desk = desk(dir.path());
        let now = Utc::now();
        let noise = NewCase {
            category: "noise".into(),
            place: "5-1-302".into(),
            phone: Some("13900139000".into()),
            text: "噪音".into(),
            ..NewCase::default()
        };
        let first = desk.file(&noise, now - Duration::days(40)).unwrap();
        let second = desk.file(&noise, now).unwrap();
        let mut link = CaseForm::open(&desk, second.ticket(), DeskAction::Link, Lang::ZhCn).unwrap();
        assert_eq!(link.choices[0].options.len(), 1, "the earlier case at the same place is offered");
        assert!(link.choices[0].options[0].starts_with(first.ticket()));
        assert!(link.action(now, Lang::ZhCn).unwrap_err().contains("单号"), "neither picked nor typed");
        link.choices[0].chosen = Some(0);
        match link.action(now, Lang::ZhCn).unwrap() {
            Action::Link { primary_ticket } => assert_eq!(primary_ticket, first.ticket()),
            other => panic!("{other:?}"),
        }
        let mut pause = CaseForm::open(&desk, second.ticket(), DeskAction::Pause, Lang::En).unwrap();
        pause.choices[0].chosen = Some(1);
        assert!(pause.action(now, Lang::En).unwrap_err().contains("details"), "words are required");
        pause.text = "parts ordered".into();
        assert!(matches!(
            pause.action(now, Lang::En).unwrap(),
            Action::Pause { reason: crate::domain::event::PauseReason::Parts, .. }
        ));
        // A technician may fix, not reply or escalate: the page says who may.
        let li = session("li", "李师傅", Role::Technician);
        let view = case_view(&desk, &li, second.ticket(), Lang::ZhCn, now).unwrap();
        assert!(!view.actions.contains(&DeskAction::Reply) && view.actions.contains(&DeskAction::Plan));
        let (_, who) = view.not_yours.iter().find(|(what, _)| what == "答复住户").expect("explained");
        assert!(who.contains("客服前台") && !who.contains("维修员"), "{who}");
    }

    #[test]
    fn the_callback_form_says_what_is_missing() {
        let now = Utc::now();
        let mut form = CallbackForm::default();
        assert!(form.action(now, Lang::ZhCn).unwrap_err().contains("是否满意"));
        form.satisfied = Some(false);
        assert!(form.action(now, Lang::ZhCn).unwrap_err().contains("下次回访"));
        form.next_in_days = Some(3);
        form.in_person = true;
        assert!(form.action(now, Lang::ZhCn).unwrap_err().contains("签名"));
        form.signature = vec![vec![[10, 10], [500, 500]]];
        match form.action(now, Lang::ZhCn).unwrap() {
            Action::Callback(c) => {
                assert_eq!(c.method, ContactMethod::InPerson);
                assert_eq!(c.next_callback_at, Some(now + Duration::days(3)));
                assert!(c.signature.is_some());
            }
            other => panic!("{other:?}"),
        }
    }
}
