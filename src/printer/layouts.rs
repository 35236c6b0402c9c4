//! The paper the kiosk prints: the resident's ticket, the engineer's work order, the front
//! desk's daily report, and a test page. Each in the reader's language.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::document::{Document, Style};
use crate::domain::calendar::WorkCalendar;
use crate::domain::case::Case;
use crate::domain::category::Catalogue;
use crate::domain::clocks::{Clock, DeadlineState, repair_clock, work_due};
use crate::domain::intake::{DefectSize, Kind, Lang, Urgency};
use crate::domain::report::DailyReport;

/// What the paper needs to know about the estate and kiosk.
pub struct PaperContext<'a> {
    pub estate: &'a str,
    /// The language of staff forms (work orders, reports); tickets follow the resident.
    pub staff_lang: Lang,
    pub front_desk_phone: Option<&'a str>,
    pub catalogue: &'a Catalogue,
    pub calendar: &'a WorkCalendar,
    /// Who is who: paper names people, not their staff ids.
    pub staff: &'a [crate::kiosk::staff::StaffAccount],
    /// HQ's address for residents' phones; `None` (no HQ): the QR holds the ticket only.
    pub resident_url: Option<&'a str>,
}

/// What a ticket's QR code holds: the link to the case's phone page on HQ when there is
/// one (the kiosk's scanner reads the ticket out of it), else the ticket number.
pub fn qr_payload(case: &Case, resident_url: Option<&str>) -> String {
    match (resident_url, case.intake.resident_key.as_deref()) {
        (Some(base), Some(key)) => crate::domain::resident::link(base, case.ticket(), key),
        _ => case.ticket().to_string(),
    }
}

/// A staff id as a person's name on paper; the kiosk's own filings are the front desk's.
fn person(ctx: &PaperContext, id: &str) -> String {
    if id == crate::domain::filing::FRONT_DESK {
        return match ctx.staff_lang {
            Lang::En => "front desk".into(),
            Lang::ZhTw => "前台".into(),
            Lang::ZhCn => "前台".into(),
        };
    }
    if id == crate::domain::filing::ESTATE_HEAD {
        return match ctx.staff_lang {
            Lang::En => "estate head".into(),
            Lang::ZhTw => "樓盤負責人".into(),
            Lang::ZhCn => "楼盘负责人".into(),
        };
    }
    ctx.staff.iter().find(|s| s.id == id).map_or_else(|| id.to_string(), |s| s.name.clone())
}

/// The words on paper, per language.
struct Words {
    ticket_title: &'static str,
    reprint: &'static str,
    ticket_no: &'static str,
    place: &'static str,
    phone: &'static str,
    anonymous: &'static str,
    filed: &'static str,
    unsynced: &'static str,
    front_desk: &'static str,
    how_to_check: &'static str,
    /// When the QR opens the case on a phone.
    how_to_check_phone: &'static str,
    on_site_30: &'static str,
    repair_24: &'static str,
    repair_48: &'static str,
    defect_today: &'static str,
    defect_week: &'static str,
    contact_24: &'static str,
    anonymous_promise: &'static str,
    thanks: &'static str,
    kinds: [&'static str; 5],
}

const ZH_CN: Words = Words {
    ticket_title: "客户服务受理单",
    reprint: "【补打】",
    ticket_no: "受理单号",
    place: "地点：",
    phone: "电话：",
    anonymous: "匿名（不回访）",
    filed: "时间：",
    unsynced: "（终端时钟待校准）",
    front_desk: "前台电话：",
    how_to_check: "查询进度：在大堂终端点“查询进度”，输入单号和手机尾号4位，或扫描上方二维码。",
    how_to_check_phone: "用手机扫描上方二维码，可查看进度、评价、上传照片（请勿转给他人）；也可在大堂终端点“查询进度”。",
    on_site_30: "维修人员将在30分钟内到场。",
    repair_24: "我们将在24小时内为您修复。",
    repair_48: "我们将在48小时内为您修复。",
    defect_today: "我们将在今天内为您修复。",
    defect_week: "我们将在7天内为您修复。",
    contact_24: "我们将在24小时内与您联系。",
    anonymous_promise: "您选择了匿名，我们不会回访；可凭单号查询处理进度。",
    thanks: "感谢您的反馈。",
    kinds: ["投诉", "报修", "建议", "咨询", "表扬"],
};

const ZH_TW: Words = Words {
    ticket_title: "客戶服務受理單",
    reprint: "【補打】",
    ticket_no: "受理單號",
    place: "地點：",
    phone: "電話：",
    anonymous: "匿名（不回訪）",
    filed: "時間：",
    unsynced: "（終端時鐘待校準）",
    front_desk: "前台電話：",
    how_to_check: "查詢進度：在大堂終端點「查詢進度」，輸入單號和手機尾號4位，或掃描上方二維碼。",
    how_to_check_phone: "用手機掃描上方二維碼，可查看進度、評價、上傳照片（請勿轉給他人）；也可在大堂終端點「查詢進度」。",
    on_site_30: "維修人員將在30分鐘內到場。",
    repair_24: "我們將在24小時內為您修復。",
    repair_48: "我們將在48小時內為您修復。",
    defect_today: "我們將在今天內為您修復。",
    defect_week: "我們將在7天內為您修復。",
    contact_24: "我們將在24小時內與您聯繫。",
    anonymous_promise: "您選擇了匿名，我們不會回訪；可憑單號查詢處理進度。",
    thanks: "感謝您的回饋。",
    kinds: ["投訴", "報修", "建議", "諮詢", "表揚"],
};

const EN: Words = Words {
    ticket_title: "Service ticket",
    reprint: "REPRINT",
    ticket_no: "Ticket number",
    place: "Place:",
    phone: "Phone:",
    anonymous: "anonymous (no callback)",
    filed: "Filed:",
    unsynced: " (kiosk clock not yet set)",
    front_desk: "Front desk:",
    how_to_check: "Check progress at the lobby kiosk: tap \"Check progress\", enter this number and the last 4 digits of your phone, or scan the QR code above.",
    how_to_check_phone: "Scan the QR code above with your phone to follow the case, rate it and add photos (keep it to yourself); or tap \"Check progress\" at the lobby kiosk.",
    on_site_30: "An engineer will be on site within 30 minutes.",
    repair_24: "We will fix it within 24 hours.",
    repair_48: "We will fix it within 48 hours.",
    defect_today: "We will fix it today.",
    defect_week: "We will fix it within 7 days.",
    contact_24: "We will contact you within 24 hours.",
    anonymous_promise: "You chose to stay anonymous, so we will not call back; check progress with this number.",
    thanks: "Thank you for your feedback.",
    kinds: ["Complaint", "Repair", "Suggestion", "Inquiry", "Praise"],
};

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::ZhCn => &ZH_CN,
        Lang::ZhTw => &ZH_TW,
        Lang::En => &EN,
    }
}

fn kind_name(kind: Kind, lang: Lang) -> &'static str {
    let i = match kind {
        Kind::Complaint => 0,
        Kind::Repair => 1,
        Kind::Suggestion => 2,
        Kind::Inquiry => 3,
        Kind::Praise => 4,
    };
    words(lang).kinds[i]
}

fn category_name(ctx: &PaperContext, code: &str, lang: Lang) -> String {
    ctx.catalogue.get(code).map(|c| c.name(lang)).unwrap_or(code).to_string()
}

fn local(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// The promise that applies to this case (SPEC §7).
pub fn promise(case: &Case, ctx: &PaperContext, lang: Lang) -> &'static str {
    let w = words(lang);
    match case.kind() {
        Kind::Repair => match (case.intake.defect, case.intake.urgency) {
            (Some(DefectSize::Small), _) => w.defect_today,
            (Some(DefectSize::Large), _) => w.defect_week,
            (None, Some(Urgency::Emergency)) => w.on_site_30,
            (None, Some(Urgency::Urgent)) => w.repair_24,
            _ => match repair_clock(case, ctx.calendar) {
                Some((Clock::RepairOnSite, _)) => w.on_site_30,
                _ => w.repair_48,
            },
        },
        Kind::Complaint | Kind::Suggestion if case.intake.is_anonymous() => w.anonymous_promise,
        Kind::Complaint | Kind::Suggestion => w.contact_24,
        Kind::Inquiry | Kind::Praise => w.thanks,
    }
}

/// The resident's ticket: the number large enough to read over the phone, the promise,
/// and a QR code holding the ticket number for lookup at the kiosk.
pub fn ticket(case: &Case, ctx: &PaperContext, reprint: bool) -> Document {
    let lang = case.intake.lang;
    let w = words(lang);
    let tz = ctx.calendar.tz;
    let mut doc = Document::default();
    doc.text(ctx.estate, Style::TITLE).text(w.ticket_title, Style::CENTER);
    if reprint {
        doc.text(w.reprint, Style::TITLE);
    }
    doc.rule()
        .text(w.ticket_no, Style::CENTER)
        .text(case.ticket(), Style::HUGE)
        .text(
            format!("{} · {}", kind_name(case.kind(), lang), category_name(ctx, &case.intake.category, lang)),
            Style { bold: true, ..Style::CENTER },
        )
        .rule()
        .field(w.place, case.intake.place.label(lang));
    match &case.intake.contact {
        Some(contact) => doc.field(w.phone, contact.phone.masked()),
        None => doc.field(w.phone, w.anonymous),
    };
    let unsynced = if case.intake.clock_unsynced { w.unsynced } else { "" };
    doc.field(w.filed, format!("{}{unsynced}", local(tz, case.filed_at)))
        .rule()
        .text(promise(case, ctx, lang), Style { bold: true, ..Style::PLAIN });
    if let Some(phone) = ctx.front_desk_phone {
        doc.field(w.front_desk, phone);
    }
    let qr = qr_payload(case, ctx.resident_url);
    let how = if qr == case.ticket() { w.how_to_check } else { w.how_to_check_phone };
    doc.qr(qr).text(how, Style::PLAIN);
    doc
}

/// The words on staff forms (work order, daily report, test page), per language.
struct StaffWords {
    work_order: &'static str,
    ticket: &'static str,
    kind: &'static str,
    urgency: &'static str,
    place: &'static str,
    contact: &'static str,
    resident: &'static str,
    anonymous: &'static str,
    visit: &'static str,
    fault: &'static str,
    department: &'static str,
    undecided: &'static str,
    on_site_by: &'static str,
    done_by: &'static str,
    paused: &'static str,
    waiting: &'static str,
    owner: &'static str,
    filed: &'static str,
    printed: &'static str,
    emergency: &'static str,
    blanks: [&'static str; 6],
    daily_report: &'static str,
    as_of: &'static str,
    counts: [&'static str; 5],
    due_by: &'static str,
    test: &'static str,
    test_fill: &'static str,
}

const STAFF_ZH_CN: StaffWords = StaffWords {
    work_order: "服务派工单",
    ticket: "单号：",
    kind: "类别：",
    urgency: "紧急程度：",
    place: "地点：",
    contact: "联系人：",
    resident: "住户",
    anonymous: "匿名",
    visit: "预约时间：",
    fault: "故障描述：",
    department: "责任部门：",
    undecided: "待定",
    on_site_by: "到场时限：",
    done_by: "完成时限：",
    paused: "（暂停计时）",
    waiting: "暂停原因：",
    owner: "首问责任人：",
    filed: "受理时间：",
    printed: "打印时间：",
    emergency: "（急）",
    blanks: [
        "收费报价：____________________",
        "业主意见：[ ]同意报价 [ ]不同意",
        "维修结果：____________________",
        "完成时间：____________________",
        "业主签名：____________________",
        "维修人员：____________________",
    ],
    daily_report: "热线日报",
    as_of: "截至",
    counts: ["新增", "未结", "超时", "办结", "待回访"],
    due_by: "前",
    test: "打印测试",
    test_fill: "上面的一行数字应恰好占满一行。",
};

const STAFF_ZH_TW: StaffWords = StaffWords {
    work_order: "服務派工單",
    ticket: "單號：",
    kind: "類別：",
    urgency: "緊急程度：",
    place: "地點：",
    contact: "聯絡人：",
    resident: "住戶",
    anonymous: "匿名",
    visit: "預約時間：",
    fault: "故障描述：",
    department: "責任部門：",
    undecided: "待定",
    on_site_by: "到場時限：",
    done_by: "完成時限：",
    paused: "（暫停計時）",
    waiting: "暫停原因：",
    owner: "首問責任人：",
    filed: "受理時間：",
    printed: "列印時間：",
    emergency: "（急）",
    blanks: [
        "收費報價：____________________",
        "業主意見：[ ]同意報價 [ ]不同意",
        "維修結果：____________________",
        "完成時間：____________________",
        "業主簽名：____________________",
        "維修人員：____________________",
    ],
    daily_report: "熱線日報",
    as_of: "截至",
    counts: ["新增", "未結", "超時", "辦結", "待回訪"],
    due_by: "前",
    test: "列印測試",
    test_fill: "上面的一行數字應恰好佔滿一行。",
};

const STAFF_EN: StaffWords = StaffWords {
    work_order: "WORK ORDER",
    ticket: "Ticket:",
    kind: "Kind:",
    urgency: "Urgency:",
    place: "Place:",
    contact: "Contact:",
    resident: "resident",
    anonymous: "anonymous",
    visit: "Visit:",
    fault: "Fault:",
    department: "Dept:",
    undecided: "to be decided",
    on_site_by: "On site by:",
    done_by: "Done by:",
    paused: " (paused)",
    waiting: "Waiting:",
    owner: "Owner:",
    filed: "Filed:",
    printed: "Printed:",
    emergency: " (emergency)",
    blanks: [
        "Fee quote: ____________________",
        "Resident: [ ]agrees [ ]declines",
        "Result:    ____________________",
        "Finished:  ____________________",
        "Signature: ____________________",
        "Engineer:  ____________________",
    ],
    daily_report: "DAILY REPORT",
    as_of: "as of",
    counts: ["New", "Open", "Overdue", "Resolved", "Callbacks due"],
    due_by: "by",
    test: "Print test",
    test_fill: "The digits above should fill exactly one line.",
};

fn staff_words(lang: Lang) -> &'static StaffWords {
    match lang {
        Lang::ZhCn => &STAFF_ZH_CN,
        Lang::ZhTw => &STAFF_ZH_TW,
        Lang::En => &STAFF_EN,
    }
}

const BOLD: Style = Style { bold: true, double: false, align: super::document::Align::Left };
const BIG_TITLE: Style = Style { bold: true, double: true, align: super::document::Align::Center };

/// 服务派工单 / 维修单 (002 第五节): for the engineer, with lines for the fee quote, the
/// resident's consent and signature, in the staff's language.
pub fn work_order(case: &Case, ctx: &PaperContext, now: DateTime<Utc>) -> Document {
    let (lang, w) = (ctx.staff_lang, staff_words(ctx.staff_lang));
    let tz = ctx.calendar.tz;
    let i = &case.intake;
    let mut doc = Document::default();
    doc.text(ctx.estate, Style::TITLE)
        .text(w.work_order, BIG_TITLE)
        .rule()
        .field(w.ticket, case.ticket())
        .field(w.kind, format!("{} / {}", i.kind.name(lang), category_name(ctx, &i.category, lang)));
    if let Some(u) = i.urgency {
        let flag = if i.emergency { w.emergency } else { "" };
        doc.field(w.urgency, format!("{}{flag}", u.name(lang)));
    }
    doc.field(w.place, i.place.label(lang));
    match &i.contact {
        // The engineer must be able to call: the full number is printed here only.
        Some(c) => {
            doc.field(w.contact, format!("{} {}", c.name.as_deref().unwrap_or(w.resident), c.phone.as_str()))
        }
        None => doc.field(w.contact, w.anonymous),
    };
    if let Some(window) = &i.visit_window {
        doc.field(w.visit, window.as_str());
    }
    doc.field(w.fault, i.text.as_str());
    let department = case.department.map(|d| d.name(lang)).unwrap_or(w.undecided);
    let assignee = case.assignee.as_deref().map(|a| format!(" / {a}")).unwrap_or_default();
    doc.field(w.department, format!("{department}{assignee}"));
    // Every work order carries its due time: a repair's promise, a complaint's resolve
    // date (or the date promised to the resident, or the fresh one after a reopening),
    // moved by any pause (SPEC §7).
    if let Some(due) = work_due(case, ctx.calendar, now) {
        let what = if due.clock == Clock::RepairOnSite { w.on_site_by } else { w.done_by };
        let paused = if due.state == DeadlineState::Paused { w.paused } else { "" };
        doc.field(what, format!("{}{paused}", local(tz, due.due)));
    }
    if let Some(p) = case.current_pause() {
        doc.field(w.waiting, format!("{} {}", p.reason.name(lang), p.note));
    }
    doc.field(w.owner, person(ctx, &case.owner));
    doc.field(w.filed, local(tz, case.filed_at)).field(w.printed, local(tz, now));
    // The front desk scans it back when the engineer returns the form.
    doc.barcode(case.ticket()).rule();
    for (n, blank) in w.blanks.iter().enumerate() {
        if n > 0 {
            doc.feed(1);
        }
        // A quote agreed on the kiosk's screen is printed as recorded, not left blank.
        match (n, &case.fee) {
            (0, Some(fee)) => {
                let label = blank.split(['：', ':']).next().unwrap_or(blank);
                let sep = if ctx.staff_lang == Lang::En { ": " } else { "：" };
                // "¥" is not in every printer's code page: the paper writes 元.
                let fen = fee.value.amount_fen;
                let unit = if ctx.staff_lang == Lang::En { " yuan" } else { "元" };
                doc.text(format!("{label}{sep}{}.{:02}{unit}", fen / 100, fen % 100), BOLD)
            }
            (1, Some(fee)) => {
                let answer = match (ctx.staff_lang, fee.value.consented, fee.value.signed) {
                    (Lang::En, true, true) => "Resident: agreed, signed on screen",
                    (Lang::En, true, false) => "Resident: agreed",
                    (Lang::En, false, _) => "Resident: not agreed",
                    (Lang::ZhTw, true, true) => "業主意見：同意報價（已在螢幕簽名）",
                    (Lang::ZhTw, true, false) => "業主意見：同意報價",
                    (Lang::ZhTw, false, _) => "業主意見：不同意報價",
                    (Lang::ZhCn, true, true) => "业主意见：同意报价（已在屏幕签名）",
                    (Lang::ZhCn, true, false) => "业主意见：同意报价",
                    (Lang::ZhCn, false, _) => "业主意见：不同意报价",
                };
                doc.text(answer, BOLD)
            }
            _ => doc.text(*blank, Style::PLAIN),
        };
    }
    doc
}

/// A written document about one case (000 4.3.3, 004, 002 第十五条): titled, addressed,
/// the case's particulars, the body, and lines to sign. In Chinese: these are letters to
/// the group, the resident and the developer.
fn letter(
    case: &Case,
    ctx: &PaperContext,
    title: &str,
    to: &str,
    body: &[(&str, String)],
    signs: &[&str],
    now: DateTime<Utc>,
) -> Document {
    let tz = ctx.calendar.tz;
    let i = &case.intake;
    let mut doc = Document::default();
    // Long titles (需开发商协商处理问题记录表) would break mid-word at double size.
    let centred_bold = Style { bold: true, double: false, align: super::document::Align::Center };
    doc.text(ctx.estate, Style::TITLE).text(title, centred_bold).rule();
    if !to.is_empty() {
        doc.field("致：", to);
    }
    doc.field("单号：", case.ticket())
        .field("类别：", format!("{} / {}", i.kind.zh(), category_name(ctx, &i.category, Lang::ZhCn)))
        .field("地点：", i.place.label(Lang::ZhCn))
        .field("受理时间：", local(tz, case.filed_at))
        .field("事项：", i.text.as_str());
    for (label, text) in body {
        doc.field(*label, text.as_str());
    }
    doc.field("日期：", local(tz, now)).rule();
    for (n, sign) in signs.iter().enumerate() {
        if n > 0 {
            doc.feed(1);
        }
        doc.text(format!("{sign}____________________"), Style::PLAIN);
    }
    doc
}

/// 书面上报 (000 4.3.3): a complaint unresolved after 7 days goes up in writing.
pub fn escalation_letter(case: &Case, ctx: &PaperContext, now: DateTime<Utc>) -> Option<Document> {
    let e = case.escalations.last()?;
    let days = (now - case.filed_at).num_days();
    let measures: Vec<String> = case
        .promise
        .iter()
        .map(|p| format!("承诺 {} 前解决：{}", local(ctx.calendar.tz, p.value.due), p.value.reason))
        .collect();
    let mut body = vec![
        ("上报原因：", e.value.reason.clone()),
        ("已历时：", format!("{days} 天")),
        ("当前状态：", case.status.zh().to_string()),
        ("首问责任人：", person(ctx, &case.owner)),
    ];
    if let Some(d) = case.department {
        body.push(("责任部门：", d.zh().to_string()));
    }
    for m in &measures {
        body.push(("处理措施：", m.clone()));
    }
    Some(letter(case, ctx, "投诉处理书面上报", e.value.to.zh(), &body, &["上报人：", "管理处经理："], now))
}

/// 书面回复函 (004): the latest written reply, for the resident who wrote in.
pub fn written_reply(case: &Case, ctx: &PaperContext, text: &str, now: DateTime<Utc>) -> Document {
    let to =
        case.intake.contact.as_ref().and_then(|c| c.name.clone()).unwrap_or_else(|| "尊敬的业主/住户".into());
    letter(
        case,
        ctx,
        "书面回复函",
        &to,
        &[("答复：", text.to_string())],
        &["经办人：", "管理处（盖章）："],
        now,
    )
}

/// 需开发商协商处理问题记录表 (002 第十五条): the joint record for a class 2 complaint.
pub fn developer_record(case: &Case, ctx: &PaperContext, now: DateTime<Utc>) -> Option<Document> {
    let record = case.developer_record.as_ref()?;
    let mut body = vec![
        ("投诉类别：", "第二类（开发商及房屋质量）".to_string()),
        ("提交时间：", local(ctx.calendar.tz, record.at)),
        ("协商事项：", record.value.text.clone()),
    ];
    match &case.developer_reply {
        Some(reply) => {
            body.push(("开发商答复：", format!("{} {}", local(ctx.calendar.tz, reply.at), reply.value.text)))
        }
        None => body.push(("开发商答复：", "（待答复）".to_string())),
    }
    Some(letter(
        case,
        ctx,
        "需开发商协商处理问题记录表",
        "开发商",
        &body,
        &["工程部：", "开发商代表：", "管理处经理："],
        now,
    ))
}

/// 热线日报 for the front desk, in the staff's language.
pub fn daily_report(report: &DailyReport, ctx: &PaperContext) -> Document {
    let (lang, w) = (ctx.staff_lang, staff_words(ctx.staff_lang));
    let tz = ctx.calendar.tz;
    let mut doc = Document::default();
    doc.text(ctx.estate, Style::TITLE)
        .text(w.daily_report, BIG_TITLE)
        .text(format!("{}  {} {}", report.date, w.as_of, local(tz, report.as_of)), Style::CENTER)
        .rule();
    let c = &report.counts;
    for (label, n) in w.counts.iter().zip([c.new, c.open, c.overdue, c.resolved, c.callbacks_due]) {
        doc.pair(*label, n.to_string());
    }
    let line = |l: &crate::domain::report::CaseLine| {
        let mark = if l.emergency { "!" } else { "" };
        format!("{mark}{} {} {}", l.ticket, category_name(ctx, &l.category, lang), l.place.label(lang))
    };
    if !report.overdue.is_empty() {
        doc.rule().text(w.counts[2], BOLD);
        for o in &report.overdue {
            let clocks: Vec<&str> = o.clocks.iter().map(|c| c.name(lang)).collect();
            doc.text(line(&o.case), Style::PLAIN)
                .text(format!("  {}", clocks.join(if lang == Lang::En { ", " } else { "、" })), Style::PLAIN);
        }
    }
    if !report.callbacks_due.is_empty() {
        doc.rule().text(w.counts[4], BOLD);
        for cb in &report.callbacks_due {
            let due = local(tz, cb.due);
            let when =
                if lang == Lang::En { format!("{} {due}", w.due_by) } else { format!("{due} {}", w.due_by) };
            doc.text(line(&cb.case), Style::PLAIN)
                .text(format!("  {when} · {}", cb.owner_role.name(lang)), Style::PLAIN);
        }
    }
    if !report.new.is_empty() {
        doc.rule().text(w.counts[0], BOLD);
        for l in &report.new {
            doc.text(line(l), Style::PLAIN);
        }
    }
    doc
}

/// The monthly summary for the estate's notice board and the manager: how many matters of
/// each kind, the callbacks, and every KPI against its target (001, 000 4.6).
pub fn monthly_summary(report: &crate::domain::report::MonthlyReport, ctx: &PaperContext) -> Document {
    let lang = ctx.staff_lang;
    let pick = |zh: &'static str, tw: &'static str, en: &'static str| match lang {
        Lang::ZhCn => zh,
        Lang::ZhTw => tw,
        Lang::En => en,
    };
    let mut doc = Document::default();
    doc.text(ctx.estate, Style::TITLE)
        .text(pick("月度汇总", "月度匯總", "MONTHLY SUMMARY"), BIG_TITLE)
        .text(
            format!(
                "{}  {} {}",
                report.month,
                pick("截至", "截至", "as of"),
                local(ctx.calendar.tz, report.as_of)
            ),
            Style::CENTER,
        )
        .rule()
        .pair(pick("事项", "事項", "Matters"), report.matters.to_string())
        .pair(pick("反映人次", "反映人次", "Reports"), report.reporters.to_string());
    for row in &report.by_kind {
        let name = row.key.parse::<crate::domain::intake::Kind>().map(|k| k.name(lang).to_string());
        doc.pair(format!("  {}", name.unwrap_or_else(|_| row.key.clone())), row.matters.to_string());
    }
    let cb = &report.callbacks;
    doc.rule()
        .pair(pick("回访", "回訪", "Callbacks"), cb.done.to_string())
        .pair(pick("  满意", "  滿意", "  satisfied"), cb.satisfied.to_string())
        .pair(pick("  不满意", "  不滿意", "  not satisfied"), cb.unsatisfied.to_string())
        .rule()
        .text(pick("考核指标", "考核指標", "KPIs"), BOLD);
    for kpi in &report.kpis {
        let name = if lang == Lang::En { kpi.code.clone() } else { kpi.name_zh.clone() };
        let value = match (kpi.value, kpi.met) {
            (Some(v), Some(met)) => {
                let verdict = if met {
                    pick("达标", "達標", "met")
                } else {
                    pick("未达标", "未達標", "missed")
                };
                format!("{:.1}% / {:.0}% {verdict}", v * 100.0, kpi.target * 100.0)
            }
            _ => pick("无数据", "無數據", "no data").to_string(),
        };
        doc.text(name, Style::PLAIN)
            .text(format!("  {value}  ({}/{})", kpi.numerator, kpi.denominator), Style::PLAIN);
    }
    doc
}

/// A page that shows whether the profile fits the printer: widths, Chinese, QR, cut.
pub fn test_page(profile_name: &str, columns: usize, ctx: &PaperContext) -> Document {
    let w = staff_words(ctx.staff_lang);
    let digits: String = "1234567890".repeat(columns / 10 + 1).chars().take(columns).collect();
    let mut doc = Document::default();
    doc.text(ctx.estate, Style::TITLE)
        .text(w.test, Style::TITLE)
        .rule()
        .field("profile:", profile_name)
        .text("简体：报修 投诉 建议 水浸 电梯困人", Style::PLAIN)
        .text("繁體：報修 投訴 建議 水浸 電梯困人", Style::PLAIN)
        .text("English: repair, complaint, suggestion", Style::PLAIN)
        .text(digits, Style::PLAIN)
        .text(w.test_fill, Style::CENTER)
        .text("K01-00042", Style::HUGE)
        .qr("K01-00042");
    doc
}
