//! What a resident is shown and sent away from the lobby (issue 16): the secret that
//! opens their case on their phone, the link that carries it, and the short messages they
//! get when their case moves. Pure rules: the key is made by the caller, `now` is passed.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::case::Case;
use super::event::{Event, EventBody};
use super::intake::Lang;

/// A resident key is 128 random bits as lowercase hex: unguessable, and plain in a URL.
pub const KEY_CHARS: usize = 32;

/// The path under which HQ serves residents' pages: `/r/K01-00042/<key>`.
pub const PATH: &str = "/r/";

pub fn check_key(key: &str) -> Result<(), String> {
    if key.len() == KEY_CHARS && key.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(())
    } else {
        Err(format!("the resident key is not {KEY_CHARS} lowercase hex digits"))
    }
}

/// Whether `given` is the case's key, in time that does not depend on where they differ.
pub fn key_matches(case: &Case, given: &str) -> bool {
    let Some(key) = case.intake.resident_key.as_deref() else { return false };
    key.len() == given.len() && key.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The link a ticket's QR code and a resident's messages carry, on HQ at `base`.
pub fn link(base: &str, ticket: &str, key: &str) -> String {
    format!("{}{PATH}{ticket}/{key}", base.trim_end_matches('/'))
}

/// The ticket in a scanned phone link (`https://…/r/K01-00042/…`), for the kiosk's lookup.
pub fn ticket_in_link(scanned: &str) -> Option<&str> {
    let (_, rest) = scanned.trim().split_once(PATH)?;
    let ticket = rest.split(['/', '?', '#']).next()?;
    super::ticket::TicketNumber::parse(ticket).ok().map(|_| ticket)
}

/// The changes a resident with a phone is told about (issue 16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    Acknowledged,
    Assigned,
    Resolved,
    PromiseChanged,
}

impl Notice {
    pub fn code(self) -> &'static str {
        match self {
            Notice::Acknowledged => "acknowledged",
            Notice::Assigned => "assigned",
            Notice::Resolved => "resolved",
            Notice::PromiseChanged => "promise-changed",
        }
    }
}

/// News older than this when HQ learns of it is not sent: a kiosk that was offline for
/// days would otherwise tell the resident "received" after the repair was done.
pub const STALE_AFTER_HOURS: i64 = 24;

/// Whether `event` on `case` (folded with it) is a change its resident is told about.
/// Anonymous cases, residents who said no at filing, and news that is stale are not.
pub fn notice_for(case: &Case, event: &Event, now: DateTime<Utc>) -> Option<Notice> {
    let contact = case.intake.contact.as_ref()?;
    if contact.no_messages || now - event.at > chrono::Duration::hours(STALE_AFTER_HOURS) {
        return None;
    }
    // A linked duplicate's reporter is told through the primary's replies (001 11.1.12).
    if case.duplicate_of.is_some() {
        return None;
    }
    match event.body {
        EventBody::Acknowledged { .. } => Some(Notice::Acknowledged),
        EventBody::Assigned { .. } => Some(Notice::Assigned),
        EventBody::Resolved { .. } => Some(Notice::Resolved),
        EventBody::PromiseSet { .. } => Some(Notice::PromiseChanged),
        _ => None,
    }
}

/// The short message (one SMS: under 70 Chinese characters before the link) for `notice`,
/// in the resident's language; `link` is their phone page when HQ has one for the case.
pub fn message(notice: Notice, case: &Case, event: &Event, link: Option<&str>, tz: Tz) -> String {
    let lang = case.intake.lang;
    let ticket = case.ticket();
    let estate = &case.intake.estate;
    let what = match notice {
        Notice::Acknowledged => match lang {
            Lang::ZhCn => format!("您的事项 {ticket} 已确认受理，我们会尽快处理。"),
            Lang::ZhTw => format!("您的事項 {ticket} 已確認受理，我們會盡快處理。"),
            Lang::En => format!("Your case {ticket} is acknowledged; we are on it."),
        },
        Notice::Assigned => {
            let department = match &event.body {
                EventBody::Assigned { department, .. } => Some(*department),
                _ => None,
            };
            let visit = case.intake.visit_window.as_deref();
            match lang {
                Lang::ZhCn => format!(
                    "您的事项 {ticket} 已派工{}{}。",
                    department.map(|d| format!("给{}", d.zh())).unwrap_or_default(),
                    visit.map(|v| format!("，预约上门：{v}")).unwrap_or_default()
                ),
                Lang::ZhTw => format!(
                    "您的事項 {ticket} 已派工{}{}。",
                    department.map(|d| format!("給{}", d.zh_tw())).unwrap_or_default(),
                    visit.map(|v| format!("，預約上門：{v}")).unwrap_or_default()
                ),
                Lang::En => format!(
                    "Your case {ticket} is assigned{}{}.",
                    department.map(|d| format!(" to {}", d.en())).unwrap_or_default(),
                    visit.map(|v| format!("; visit: {v}")).unwrap_or_default()
                ),
            }
        }
        Notice::Resolved => match lang {
            Lang::ZhCn => format!("您的事项 {ticket} 已处理完毕，欢迎评价。"),
            Lang::ZhTw => format!("您的事項 {ticket} 已處理完畢，歡迎評價。"),
            Lang::En => format!("Your case {ticket} is resolved. Tell us how we did."),
        },
        Notice::PromiseChanged => {
            let due = match &event.body {
                EventBody::PromiseSet { due, .. } => due.with_timezone(&tz).format("%Y-%m-%d").to_string(),
                _ => String::new(),
            };
            match lang {
                Lang::ZhCn => format!("您的事项 {ticket} 的承诺解决日期为 {due}。"),
                Lang::ZhTw => format!("您的事項 {ticket} 的承諾解決日期為 {due}。"),
                Lang::En => format!("Your case {ticket} will be resolved by {due}."),
            }
        }
    };
    let follow = match (link, lang) {
        (Some(link), Lang::En) => format!(" Progress: {link}"),
        (Some(link), Lang::ZhTw) => format!("進度：{link}"),
        (Some(link), Lang::ZhCn) => format!("进度：{link}"),
        (None, _) => String::new(),
    };
    format!("【{estate}】{what}{follow}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scanned_phone_link_gives_its_ticket_and_nothing_else_does() {
        let key = "0123456789abcdef0123456789abcdef";
        let url = link("https://hq.example.com/", "K01-00042", key);
        assert_eq!(url, format!("https://hq.example.com/r/K01-00042/{key}"));
        assert_eq!(ticket_in_link(&url), Some("K01-00042"));
        assert_eq!(ticket_in_link("https://hq.example.com/r/K01-00042?x=1"), Some("K01-00042"));
        assert_eq!(ticket_in_link("https://hq.example.com/r/not-a-ticket/abc"), None);
        assert_eq!(ticket_in_link("K01-00042"), None);
        assert!(check_key(key).is_ok());
        assert!(check_key(&key.to_uppercase()).is_err());
        assert!(check_key(&key[1..]).is_err());
        assert!(check_key("0123456789abcdef0123456789abcdeg").is_err());
    }
}
