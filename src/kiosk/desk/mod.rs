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
    /// Another copy of the resident's ticket, marked 补打.
    Reprint,
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
            DeskAction::Reprint => "reprint",
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
                | DeskAction::Close
                | DeskAction::WorkOrder
                | DeskAction::Reprint
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
            DeskAction::Reprint => Msg("补打受理单", "補印受理單", "Reprint the ticket"),
        }
    }
}

/// In the order the case page lists them: a decision the system asks for first, then the
/// workflow's own order, then what is needed now and then.
const ALL_ACTIONS: [DeskAction; 26] = [
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
    DeskAction::Reprint,
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

mod forms;
mod lists;
mod paper;
#[cfg(test)]
mod tests;

pub use forms::{CallbackForm, CallbackWords, CaseForm, FORM_MAX_CHARS, FormChoice, QuoteForm};
pub use lists::{ListFilter, ListPage, StatusGroup, list};
pub use paper::{PrintRow, print_queue, printer_status_name};

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
    } else if case.owner == crate::domain::filing::ESTATE_HEAD {
        label(Msg(
            "楼盘负责人（总部热线转来）",
            "樓盤負責人（總部熱線轉來）",
            "estate head (from HQ's hotline)",
        ))
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
        EventBody::PhotoAdded { .. } => m(
            "住户上传照片（在总部查看）",
            "住戶上傳照片（在總部查看）",
            "Resident added a photo (seen at HQ)",
        ),
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
    // The resident's ticket may be reprinted whatever the case's state.
    if action == DeskAction::Reprint {
        return Verdict::Allowed;
    }
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
        DeskAction::Callback => {
            EventBody::CallbackRecorded { record: CallbackRecord::satisfied_by_phone(Rating::new(5).ok()) }
        }
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
        DeskAction::WorkOrder | DeskAction::Reprint => return None,
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
    // Through the assignee index: a technician's sign-in does not read every case.
    let query = crate::store::CaseQuery {
        statuses: StatusGroup::Open.statuses(),
        assignee: Some(name.to_string()),
        ..Default::default()
    };
    let cases = desk.store().list_cases(&query, None, usize::MAX).map_err(|e| e.to_string())?;
    let cal = &desk.settings.calendar;
    Ok(cases
        .iter()
        .map(|(c, _)| {
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

/// What the desk's 处理完毕 records: the clerk picks what was done.
pub const RESOLVE_NOTES: [Msg; 3] = [
    Msg("已维修完毕", "已維修完畢", "Repaired"),
    Msg("已处理并告知住户", "已處理並告知住戶", "Handled and the resident told"),
    Msg("已现场解决", "已現場解決", "Solved on the spot"),
];
