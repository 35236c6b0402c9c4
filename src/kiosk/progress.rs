//! A case's progress as a resident may see it at the kiosk: plain-language steps with
//! times, and nothing about anyone (no names, no phones, no internal notes).

use chrono_tz::Tz;

use super::words::Msg;
use crate::domain::case::{Case, Status};
use crate::domain::event::{Event, EventBody, PauseReason};
use crate::domain::intake::Lang;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub when: String,
    pub what: String,
}

pub fn status_name(status: Status, lang: Lang) -> &'static str {
    let m = match status {
        Status::Received => Msg("已受理", "已受理", "Received"),
        Status::Acknowledged => Msg("已确认受理", "已確認受理", "Acknowledged"),
        Status::Assigned => Msg("已派工", "已派工", "Assigned"),
        Status::InProgress => Msg("处理中", "處理中", "In progress"),
        Status::Resolved => Msg("已处理完毕", "已處理完畢", "Resolved"),
        Status::CallbackDone => Msg("已回访", "已回訪", "Followed up"),
        Status::Reopened => Msg("重新处理中", "重新處理中", "Being worked on again"),
        Status::Adopted => Msg("建议已采纳", "建議已採納", "Suggestion adopted"),
        Status::Declined => Msg("建议未采纳", "建議未採納", "Suggestion not adopted"),
        Status::Closed => Msg("已结案", "已結案", "Closed"),
    };
    m.get(lang)
}

/// The steps a resident sees, oldest first. Internal events (escalations, links) are left out.
pub fn timeline(events: &[Event], lang: Lang, tz: Tz) -> Vec<Step> {
    events
        .iter()
        .filter_map(|e| {
            let what: String = match &e.body {
                EventBody::Filed { .. } => {
                    Msg("已受理您的事项", "已受理您的事項", "We received your case").get(lang).into()
                }
                EventBody::Acknowledged { .. } => {
                    Msg("已确认受理", "已確認受理", "Acknowledged").get(lang).into()
                }
                EventBody::Replied { .. } => {
                    Msg("已与您联系", "已與您聯繫", "We contacted you").get(lang).into()
                }
                EventBody::Assigned { department, .. } => match lang {
                    Lang::En => format!("Assigned to {}", department.en()),
                    Lang::ZhTw => format!("已派工：{}", department.zh_tw()),
                    Lang::ZhCn => format!("已派工：{}", department.zh()),
                },
                EventBody::OnSite { .. } => {
                    Msg("工作人员已到场", "工作人員已到場", "Staff arrived").get(lang).into()
                }
                EventBody::PlanSet { .. } => {
                    Msg("已确定处理方案", "已確定處理方案", "A plan is agreed").get(lang).into()
                }
                EventBody::PromiseSet { due, .. } => {
                    let date = due.with_timezone(&tz).format("%Y-%m-%d");
                    match lang {
                        Lang::En => format!("To be resolved by {date}"),
                        Lang::ZhTw => format!("承諾於 {date} 前解決"),
                        Lang::ZhCn => format!("承诺于 {date} 前解决"),
                    }
                }
                EventBody::Resolved { .. } => Msg("已处理完毕", "已處理完畢", "Resolved").get(lang).into(),
                EventBody::CallbackRecorded { record } if record.method.is_residents_own() => {
                    if record.satisfied {
                        Msg("您的评价：满意", "您的評價：滿意", "Your rating: satisfied")
                    } else {
                        Msg(
                            "您的评价：不满意，重新处理",
                            "您的評價：不滿意，重新處理",
                            "Your rating: not satisfied, being redone",
                        )
                    }
                    .get(lang)
                    .into()
                }
                EventBody::CallbackRecorded { record } if record.satisfied => {
                    Msg("回访：满意", "回訪：滿意", "Follow-up: satisfied").get(lang).into()
                }
                EventBody::CallbackRecorded { .. } => Msg(
                    "回访：不满意，重新处理",
                    "回訪：不滿意，重新處理",
                    "Follow-up: not satisfied, being redone",
                )
                .get(lang)
                .into(),
                EventBody::Reopened { .. } => Msg("重新处理", "重新處理", "Reopened").get(lang).into(),
                EventBody::Closed { .. } => Msg("已结案", "已結案", "Closed").get(lang).into(),
                EventBody::SuggestionDecided { adopted: true, .. } => {
                    Msg("建议已采纳", "建議已採納", "Suggestion adopted").get(lang).into()
                }
                EventBody::SuggestionDecided { adopted: false, reason } => match lang {
                    Lang::En => format!("Not adopted: {reason}"),
                    Lang::ZhTw => format!("未採納：{reason}"),
                    Lang::ZhCn => format!("未采纳：{reason}"),
                },
                EventBody::PhotoAdded { .. } => {
                    Msg("您添加了一张照片", "您添加了一張照片", "You added a photo").get(lang).into()
                }
                EventBody::ProgressNote { .. } => Msg("处理中", "處理中", "In progress").get(lang).into(),
                EventBody::Paused { reason, .. } => match reason {
                    PauseReason::Resident => {
                        Msg("暂停计时：等待您的安排", "暫停計時：等待您的安排", "On hold: waiting for you")
                    }
                    PauseReason::Parts => {
                        Msg("暂停计时：等待配件", "暫停計時：等待配件", "On hold: waiting for parts")
                    }
                    PauseReason::ThirdParty => Msg(
                        "暂停计时：等待第三方",
                        "暫停計時：等待第三方",
                        "On hold: waiting for a third party",
                    ),
                    PauseReason::Developer => {
                        Msg("已提交开发商协商", "已提交開發商協商", "Taken up with the developer")
                    }
                }
                .get(lang)
                .into(),
                EventBody::DeveloperReferred { .. } => {
                    Msg("已提交开发商协商", "已提交開發商協商", "Taken up with the developer")
                        .get(lang)
                        .into()
                }
                EventBody::Resumed { .. } | EventBody::DeveloperReplied { .. } => {
                    Msg("继续处理", "繼續處理", "Work resumed").get(lang).into()
                }
                EventBody::Classified { .. }
                | EventBody::Escalated { .. }
                | EventBody::LinkedDuplicate { .. }
                | EventBody::CallbackReviewed { .. }
                | EventBody::OwnerHandedOver { .. } => return None,
                EventBody::FeeQuoted { amount_fen, consented, .. } => {
                    let amount = crate::domain::event::yuan(*amount_fen);
                    match (lang, consented) {
                        (Lang::En, true) => format!("Fee {amount} agreed"),
                        (Lang::En, false) => format!("Fee {amount} quoted, not agreed"),
                        (Lang::ZhTw, true) => format!("報價 {amount}，您已同意"),
                        (Lang::ZhTw, false) => format!("報價 {amount}，您未同意"),
                        (Lang::ZhCn, true) => format!("报价 {amount}，您已同意"),
                        (Lang::ZhCn, false) => format!("报价 {amount}，您未同意"),
                    }
                }
            };
            Some(Step { when: e.at.with_timezone(&tz).format("%m-%d %H:%M").to_string(), what })
        })
        .collect()
}

/// Whether the resident may rate the case here: it is resolved and they left a number.
pub fn can_rate(case: &Case) -> bool {
    case.status == Status::Resolved && !case.intake.is_anonymous() && !case.rated_by_resident()
}
