//! `lobbydesk demo` (and `lobbydesk` with no command, until the touch screens exist):
//! files a morning's worth of realistic cases, works some of them, and shows what the
//! front desk sees.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use std::io::Write;
use std::path::Path;

use crate::app::{Action, CallbackInput, CaseFilter, Desk};
use crate::domain::event::ContactMethod;
use crate::domain::filing::NewCase;
use crate::domain::intake::{Channel, Department, Urgency};

pub fn run(desk: &mut Desk, data_dir: &Path, now: DateTime<Utc>, out: &mut impl Write) -> Result<()> {
    writeln!(out, "lobbydesk demo — data in {}", data_dir.display())?;
    crate::config::add_sample_staff(&mut desk.settings.staff);
    writeln!(out, "(the touch screens come later; this files sample cases through the same core)\n")?;
    let ago = |hours: i64| now - Duration::hours(hours);
    let resident = |category: &str, place: &str, phone: &str, text: &str| NewCase {
        category: category.into(),
        place: place.into(),
        phone: Some(phone.into()),
        text: text.into(),
        ..NewCase::default()
    };

    let leak =
        desk.file(&resident("water", "3-2-1201", "13800138000", "厨房水管漏水,地面有积水"), ago(30))?;
    desk.act(
        leak.ticket(),
        Action::Assign { department: Department::Engineering, assignee: Some("李师傅".into()) },
        "wang",
        ago(29),
    )?;
    desk.act(leak.ticket(), Action::Resolve { note: "更换角阀,已试水无渗漏".into() }, "li", ago(26))?;

    let noise =
        desk.file(&resident("noise", "5-1-302", "13900139000", "楼上每晚十一点后装修噪音"), ago(28))?;
    desk.act(noise.ticket(), Action::Acknowledge { note: None }, "wang", ago(27))?;

    let flood = desk.file(&resident("flood", "public:B2地下车库", "13700137000", ""), ago(1))?;
    desk.act(
        flood.ticket(),
        Action::OnSite { note: Some("关闭总阀".into()) },
        "zhao",
        now - Duration::minutes(40),
    )?;

    desk.file(
        &NewCase {
            channel: Some(Channel::Phone),
            staff: Some("wang".into()),
            urgency: Some(Urgency::Urgent),
            name: Some("陈女士".into()),
            ..resident("elevator", "2-1-101", "021-12345678", "2号楼电梯按钮失灵")
        },
        ago(3),
    )?;
    desk.file(
        &NewCase {
            anonymous: true,
            phone: None,
            ..resident("suggestion", "public:中心花园", "", "建议增设儿童游乐设施")
        },
        ago(2),
    )?;

    // The leak was fixed yesterday: if it is in the callback sample, call back now.
    let leak = desk.show(leak.ticket())?.case;
    if leak.callback_required() {
        desk.act(
            leak.ticket(),
            Action::Callback(CallbackInput {
                method: ContactMethod::Phone,
                satisfied: true,
                quality: Some(5),
                effect: Some(5),
                satisfaction: Some(5),
                shortcomings: None,
                suggestions: None,
                next_callback_at: None,
                signature: None,
            }),
            "wang",
            ago(1),
        )?;
    }

    writeln!(out, "cases:")?;
    let cases = desk.cases(&CaseFilter::default(), now)?;
    super::output::case_list(out, &desk.settings, &cases)?;
    writeln!(out)?;
    let report = desk.daily_report(None, now)?;
    super::output::daily(out, &desk.settings, &desk.settings.estate, &report)?;
    writeln!(out, "\ntry: lobbydesk show {}   lobbydesk report monthly   lobbydesk --help", noise.ticket())?;
    Ok(())
}
