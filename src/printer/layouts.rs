//! The paper the kiosk prints: the resident's ticket, the engineer's work order, the front
//! desk's daily report, and a test page. Each in the reader's language.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::document::{Document, Style};
use crate::domain::calendar::WorkCalendar;
use crate::domain::case::Case;
use crate::domain::category::Catalogue;
use crate::domain::clocks::{Clock, repair_clock};
use crate::domain::intake::{DefectSize, Kind, Lang, Urgency};
use crate::domain::report::DailyReport;

/// What the paper needs to know about the estate and kiosk.
pub struct PaperContext<'a> {
    pub estate: &'a str,
    pub front_desk_phone: Option<&'a str>,
    pub catalogue: &'a Catalogue,
    pub calendar: &'a WorkCalendar,
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
    front_desk: &'static str,
    how_to_check: &'static str,
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
    front_desk: "前台电话：",
    how_to_check: "查询进度：在大堂终端点“查询进度”，输入单号和手机尾号4位，或扫描上方二维码。",
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
    front_desk: "前台電話：",
    how_to_check: "查詢進度：在大堂終端點「查詢進度」，輸入單號和手機尾號4位，或掃描上方二維碼。",
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
    front_desk: "Front desk:",
    how_to_check: "Check progress at the lobby kiosk: tap \"Check progress\", enter this number and the last 4 digits of your phone, or scan the QR code above.",
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
    match ctx.catalogue.get(code) {
        Some(c) => match lang {
            Lang::ZhCn => c.zh.clone(),
            Lang::ZhTw => c.name_zh_tw().to_string(),
            Lang::En => c.en.clone(),
        },
        None => code.to_string(),
    }
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
    doc.text(ctx.estate, Style::TITLE)
        .text(w.ticket_title, Style::CENTER);
    if reprint {
        doc.text(w.reprint, Style::TITLE);
    }
    doc.rule()
        .text(w.ticket_no, Style::CENTER)
        .text(case.ticket(), Style::HUGE)
        .text(
            format!(
                "{} · {}",
                kind_name(case.kind(), lang),
                category_name(ctx, &case.intake.category, lang)
            ),
            Style {
                bold: true,
                ..Style::CENTER
            },
        )
        .rule()
        .field(w.place, case.intake.place.to_string());
    match &case.intake.contact {
        Some(contact) => doc.field(w.phone, contact.phone.masked()),
        None => doc.field(w.phone, w.anonymous),
    };
    doc.field(w.filed, local(tz, case.filed_at)).rule().text(
        promise(case, ctx, lang),
        Style {
            bold: true,
            ..Style::PLAIN
        },
    );
    if let Some(phone) = ctx.front_desk_phone {
        doc.field(w.front_desk, phone);
    }
    doc.qr(case.ticket()).text(w.how_to_check, Style::PLAIN);
    doc
}

/// 服务派工单 / 维修单 (002 第五节): for the engineer, with lines for the fee quote, the
/// resident's consent and signature. Printed in Chinese: it is an internal form.
pub fn work_order(case: &Case, ctx: &PaperContext, now: DateTime<Utc>) -> Document {
    let tz = ctx.calendar.tz;
    let i = &case.intake;
    let mut doc = Document::default();
    doc.text(ctx.estate, Style::TITLE)
        .text(
            "服务派工单",
            Style {
                double: true,
                ..Style::TITLE
            },
        )
        .rule()
        .field("单号：", case.ticket())
        .field(
            "类别：",
            format!(
                "{} / {}",
                i.kind.zh(),
                category_name(ctx, &i.category, Lang::ZhCn)
            ),
        );
    if let Some(u) = i.urgency {
        doc.field(
            "紧急程度：",
            if i.emergency {
                format!("{}（急）", u.zh())
            } else {
                u.zh().to_string()
            },
        );
    }
    doc.field("地点：", i.place.to_string());
    match &i.contact {
        // The engineer must be able to call: the full number is printed here only.
        Some(c) => doc.field(
            "联系人：",
            format!(
                "{} {}",
                c.name.as_deref().unwrap_or("住户"),
                c.phone.as_str()
            ),
        ),
        None => doc.field("联系人：", "匿名"),
    };
    if let Some(window) = &i.visit_window {
        doc.field("预约时间：", window.as_str());
    }
    doc.field("故障描述：", i.text.as_str());
    doc.field(
        "责任部门：",
        format!(
            "{}{}",
            case.department.map(|d| d.zh()).unwrap_or("待定"),
            case.assignee
                .as_deref()
                .map(|a| format!(" / {a}"))
                .unwrap_or_default()
        ),
    );
    if let Some((clock, due)) = repair_clock(case, ctx.calendar) {
        let what = if clock == Clock::RepairOnSite {
            "到场时限："
        } else {
            "完成时限："
        };
        doc.field(what, local(tz, due));
    }
    doc.field("受理时间：", local(tz, case.filed_at))
        .field("打印时间：", local(tz, now))
        .rule()
        .text("收费报价：____________________", Style::PLAIN)
        .feed(1)
        .text("业主意见：[ ] 同意报价   [ ] 不同意", Style::PLAIN)
        .feed(1)
        .text("维修结果：____________________", Style::PLAIN)
        .feed(1)
        .text("完成时间：____________________", Style::PLAIN)
        .feed(1)
        .text("业主签名：____________________", Style::PLAIN)
        .feed(1)
        .text("维修人员：____________________", Style::PLAIN);
    doc
}

/// 热线日报 for the front desk.
pub fn daily_report(report: &DailyReport, ctx: &PaperContext) -> Document {
    let tz = ctx.calendar.tz;
    let mut doc = Document::default();
    doc.text(ctx.estate, Style::TITLE)
        .text(
            "热线日报",
            Style {
                double: true,
                ..Style::TITLE
            },
        )
        .text(
            format!("{}  截至 {}", report.date, local(tz, report.as_of)),
            Style::CENTER,
        )
        .rule();
    let c = &report.counts;
    doc.pair("新增", c.new.to_string())
        .pair("未结", c.open.to_string())
        .pair("超时", c.overdue.to_string())
        .pair("办结", c.resolved.to_string())
        .pair("待回访", c.callbacks_due.to_string());
    let line = |l: &crate::domain::report::CaseLine| {
        format!(
            "{}{} {} {}",
            if l.emergency { "!" } else { "" },
            l.ticket,
            category_name(ctx, &l.category, Lang::ZhCn),
            l.place
        )
    };
    if !report.overdue.is_empty() {
        doc.rule().text(
            "超时",
            Style {
                bold: true,
                ..Style::PLAIN
            },
        );
        for o in &report.overdue {
            doc.text(line(&o.case), Style::PLAIN);
            doc.text(
                format!(
                    "  {}",
                    o.clocks
                        .iter()
                        .map(|c| c.zh())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                Style::PLAIN,
            );
        }
    }
    if !report.callbacks_due.is_empty() {
        doc.rule().text(
            "待回访",
            Style {
                bold: true,
                ..Style::PLAIN
            },
        );
        for cb in &report.callbacks_due {
            doc.text(line(&cb.case), Style::PLAIN);
            doc.text(
                format!("  {} 前 · {}", local(tz, cb.due), cb.owner),
                Style::PLAIN,
            );
        }
    }
    if !report.new.is_empty() {
        doc.rule().text(
            "新增",
            Style {
                bold: true,
                ..Style::PLAIN
            },
        );
        for l in &report.new {
            doc.text(line(l), Style::PLAIN);
        }
    }
    doc
}

/// A page that shows whether the profile fits the printer: widths, Chinese, QR, cut.
pub fn test_page(profile_name: &str, columns: usize, ctx: &PaperContext) -> Document {
    let mut doc = Document::default();
    doc.text(ctx.estate, Style::TITLE)
        .text("打印测试 Print test", Style::TITLE)
        .rule()
        .field("profile:", profile_name)
        .text("简体:报修 投诉 建议 水浸 电梯困人", Style::PLAIN)
        .text("繁體:報修 投訴 建議 水浸 電梯困人", Style::PLAIN)
        .text("English: repair, complaint, suggestion", Style::PLAIN)
        .text(
            "1234567890"
                .repeat(columns / 10 + 1)
                .chars()
                .take(columns)
                .collect::<String>(),
            Style::PLAIN,
        )
        .text("K01-00042", Style::HUGE)
        .qr("K01-00042")
        .text("上面的一行数字应恰好占满一行。", Style::CENTER);
    doc
}
