//! What the CLI prints: text for people, JSON (stable, documented in README) for scripts.
//! Phones are masked in text output; JSON carries the full record for authorised scripts.

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::io::Write;

use crate::app::{CaseSummary, Desk};
use crate::config::Settings;
use crate::domain::callback::next_callback;
use crate::domain::case::Case;
use crate::domain::clocks::{Deadline, DeadlineState};
use crate::domain::report::{DailyReport, MonthlyReport};
use crate::store::CaseRecord;

pub fn json(out: &mut impl Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

pub fn local(settings: &Settings, t: DateTime<Utc>) -> String {
    t.with_timezone(&settings.calendar.tz).format("%Y-%m-%d %H:%M").to_string()
}

/// Day-end deadlines are the next midnight; people read "Monday 24:00" right and
/// "Tuesday 00:00" wrong.
fn local_due(settings: &Settings, t: DateTime<Utc>) -> String {
    let lt = t.with_timezone(&settings.calendar.tz);
    if lt.format("%H:%M:%S%.f").to_string() == "00:00:00" {
        let day = lt.date_naive().pred_opt().unwrap_or(lt.date_naive());
        format!("{} 24:00", day.format("%Y-%m-%d"))
    } else {
        lt.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// The Chinese name of a category code (the code itself if the catalogue no longer has it).
fn category_name<'a>(settings: &'a Settings, code: &'a str) -> &'a str {
    settings.catalogue.get(code).map(|k| k.zh.as_str()).unwrap_or(code)
}

fn deadline_json(d: &Deadline) -> Value {
    json!({ "clock": d.clock.code(), "round": d.round, "due": d.due, "done_at": d.done_at, "state": d.state })
}

/// `file --json` and `act --json`: the case's headline and its clocks.
pub fn filed(desk: &Desk, case: &Case, now: DateTime<Utc>) -> Value {
    json!({
        "ticket": case.ticket(),
        "id": case.id,
        "kind": case.kind(),
        "category": case.intake.category,
        "status": case.status.code(),
        "emergency": case.intake.emergency,
        "filed_at": case.filed_at,
        "callback_required": case.callback_required(),
        "deadlines": desk.deadlines(case, now).iter().map(deadline_json).collect::<Vec<_>>(),
    })
}

/// `show --json`: the folded case, every event, every deadline, the next callback.
pub fn shown(desk: &Desk, record: &CaseRecord, now: DateTime<Utc>) -> Result<Value> {
    let reporters: Vec<Value> = desk
        .reporters(&record.case)?
        .iter()
        .map(|r| {
            json!({
                "ticket": r.ticket(),
                "phone": r.intake.contact.as_ref().map(|c| c.phone.masked()),
                "told_at": r.last_told_at(),
            })
        })
        .collect();
    Ok(json!({
        "case": record.case,
        "events": record.events,
        "deadlines": desk.deadlines(&record.case, now).iter().map(deadline_json).collect::<Vec<_>>(),
        "next_callback": next_callback(&record.case),
        "reporters": reporters,
        "major_suggestion": desk.major_suggestion(&record.case, now)?,
    }))
}

pub fn case_list(out: &mut impl Write, settings: &Settings, cases: &[CaseSummary]) -> Result<()> {
    if cases.is_empty() {
        writeln!(out, "no cases")?;
        return Ok(());
    }
    for c in cases {
        let flag = match (c.emergency, c.overdue) {
            (true, true) => "!! OVERDUE",
            (true, false) => "!!",
            (false, true) => "OVERDUE",
            (false, false) => "",
        };
        let category = category_name(settings, &c.category);
        writeln!(
            out,
            "{:<12} {:<16} {:<13} {:<10} {} {} {} [{}]{}",
            c.ticket,
            local(settings, c.filed_at),
            c.status,
            flag,
            c.place,
            category,
            c.kind,
            c.owner,
            c.paused.as_deref().map(|p| format!(" paused: {p}")).unwrap_or_default()
        )?;
    }
    writeln!(out, "{} case(s)", cases.len())?;
    Ok(())
}

pub fn case_detail(out: &mut impl Write, desk: &Desk, record: &CaseRecord, now: DateTime<Utc>) -> Result<()> {
    let c = &record.case;
    let i = &c.intake;
    writeln!(out, "{}  {} ({})", c.ticket(), c.status.zh(), c.status.code())?;
    writeln!(
        out,
        "  {} / {}{}",
        i.kind.zh(),
        category_name(&desk.settings, &i.category),
        if i.emergency { "  [紧急 EMERGENCY]" } else { "" }
    )?;
    writeln!(out, "  estate:   {}", i.estate)?;
    writeln!(out, "  place:    {}", i.place)?;
    match &i.contact {
        Some(contact) => writeln!(
            out,
            "  contact:  {} {}{}",
            contact.name.as_deref().unwrap_or("(no name)"),
            contact.phone.masked(),
            contact.preferred_time.as_deref().map(|t| format!("  ({t})")).unwrap_or_default()
        )?,
        None => writeln!(out, "  contact:  anonymous 匿名 (no callback)")?,
    }
    writeln!(out, "  channel:  {} {}", i.channel.zh(), i.channel.code())?;
    if let Some(u) = i.urgency {
        writeln!(out, "  urgency:  {} {}", u.zh(), u.code())?;
    }
    if let (Some(class), Some(sev)) = (c.complaint_class, c.severity) {
        writeln!(out, "  class:    {} {}  severity: {} {}", class.code(), class.zh(), sev.zh(), sev.code())?;
    }
    if let Some(d) = c.department {
        writeln!(
            out,
            "  dept:     {}{}",
            d.zh(),
            c.assignee.as_deref().map(|a| format!(" / {a}")).unwrap_or_default()
        )?;
    }
    writeln!(out, "  owner:    {} (首问责任人)", c.owner)?;
    for h in &c.handovers {
        writeln!(
            out,
            "            handed over {} → {} at {}: {}",
            h.value.from,
            h.value.to,
            local(&desk.settings, h.at),
            h.value.note
        )?;
    }
    if let Some(p) = c.current_pause() {
        writeln!(
            out,
            "  paused:   {} since {} — {} (clocks stand still)",
            p.reason.zh(),
            local(&desk.settings, p.from),
            p.note
        )?;
    }
    if let Some(r) = &c.developer_record {
        writeln!(
            out,
            "  developer record (需开发商协商处理问题记录表) {}: {}",
            local(&desk.settings, r.at),
            r.value.text
        )?;
    }
    if let Some(r) = &c.developer_reply {
        writeln!(out, "  developer reply {}: {}", local(&desk.settings, r.at), r.value.text)?;
    }
    if let Some(s) = desk.major_suggestion(c, now)? {
        writeln!(
            out,
            "  suggest 重大: the same resident complained again within 30 days ({}); confirm with `act {} classify --severity major` or set another severity (003 §3.1.1)",
            s.earlier.join(", "),
            c.ticket()
        )?;
    }
    let reporters = desk.reporters(c)?;
    if !reporters.is_empty() {
        writeln!(out, "  reporters of this matter (001 11.1.12):")?;
        for r in reporters {
            let told = match r.last_told_at() {
                Some(t) if c.resolved_at.is_none_or(|res| t >= res) => {
                    format!("told {}", local(&desk.settings, t))
                }
                _ if c.resolved_at.is_some() => "NOT TOLD the outcome yet".into(),
                _ => "waiting for the outcome".into(),
            };
            writeln!(
                out,
                "    {} {} — {told}",
                r.ticket(),
                r.intake.contact.as_ref().map(|c| c.phone.masked()).unwrap_or_else(|| "anonymous".into())
            )?;
        }
    }
    if let Some(w) = &i.visit_window {
        writeln!(out, "  visit:    {w}")?;
    }
    if let Some(p) = &c.duplicate_of_ticket {
        writeln!(out, "  same matter as {p}")?;
    }
    writeln!(out, "  filed:    {}", local(&desk.settings, c.filed_at))?;
    writeln!(out, "  text:     {}", i.text)?;
    writeln!(out, "deadlines:")?;
    for d in desk.deadlines(c, now) {
        let round = if d.round > 1 { format!(" (round {})", d.round) } else { String::new() };
        let state = match d.state {
            DeadlineState::Pending => "pending",
            DeadlineState::Met => "met",
            DeadlineState::MetLate => "met late",
            DeadlineState::Overdue => "OVERDUE",
            DeadlineState::NotNeeded => "not needed",
            DeadlineState::Paused => "paused",
        };
        writeln!(
            out,
            "  {:<24} due {}  {}  {}{round}",
            d.clock.code(),
            local_due(&desk.settings, d.due),
            state,
            d.clock.zh()
        )?;
    }
    if let Some(cb) = next_callback(c) {
        writeln!(
            out,
            "callback {} due {} by {}",
            cb.round,
            local_due(&desk.settings, cb.due),
            cb.owner.zh()
        )?;
    } else if !c.callback_required() && c.kind() != crate::domain::intake::Kind::Suggestion {
        writeln!(out, "callback: not required for this case")?;
    }
    writeln!(out, "events:")?;
    for e in &record.events {
        let ev = &e.event;
        writeln!(
            out,
            "  {}  {:<18} {:<10} {}  {}",
            local(&desk.settings, ev.at),
            ev.body.name(),
            ev.actor,
            ev.origin,
            crate::app::event_text(&ev.body)
        )?;
    }
    for conflict in &c.conflicts {
        writeln!(
            out,
            "  conflict: event {} from {} not applied: {}",
            conflict.event_id, conflict.origin, conflict.reason
        )?;
    }
    Ok(())
}

pub fn daily(out: &mut impl Write, settings: &Settings, title: &str, r: &DailyReport) -> Result<()> {
    writeln!(out, "热线日报 Daily report  {}  {}  (as of {})", title, r.date, local(settings, r.as_of))?;
    let c = &r.counts;
    writeln!(
        out,
        "new 新增 {}   open 未结 {}   overdue 超时 {}   resolved 办结 {}   callbacks due 待回访 {}",
        c.new, c.open, c.overdue, c.resolved, c.callbacks_due
    )?;
    let section = |out: &mut dyn Write, title: &str, lines: Vec<String>| -> std::io::Result<()> {
        if !lines.is_empty() {
            writeln!(out, "{title}")?;
            for l in lines {
                writeln!(out, "  {l}")?;
            }
        }
        Ok(())
    };
    let line = |l: &crate::domain::report::CaseLine| {
        format!(
            "{} {} {} {}{} [{}]{}",
            l.ticket,
            l.status.code(),
            l.place,
            category_name(settings, &l.category),
            if l.emergency { " !!" } else { "" },
            l.owner,
            l.paused.as_deref().map(|p| format!(" paused: {p}")).unwrap_or_default()
        )
    };
    section(out, "new:", r.new.iter().map(line).collect())?;
    section(
        out,
        "overdue:",
        r.overdue
            .iter()
            .map(|o| {
                format!(
                    "{} — {}",
                    line(&o.case),
                    o.clocks.iter().map(|c| c.zh()).collect::<Vec<_>>().join("、")
                )
            })
            .collect(),
    )?;
    section(out, "resolved:", r.resolved.iter().map(line).collect())?;
    section(
        out,
        "reporters to tell the outcome (001 11.1.12):",
        r.reporters_to_tell
            .iter()
            .map(|l| {
                format!("{} — same matter as {}, due {}", line(&l.case), l.matter, local_due(settings, l.due))
            })
            .collect(),
    )?;
    section(
        out,
        "callback records to review (001 11.1.8):",
        r.callbacks_to_review
            .iter()
            .map(|l| {
                format!(
                    "{} callback {} by {} at {} [{}]",
                    l.ticket,
                    l.round,
                    l.by,
                    local(settings, l.at),
                    l.method.zh()
                )
            })
            .collect(),
    )?;
    section(
        out,
        "suggest 重大 (same resident again within 30 days; staff decide):",
        r.major_suggestions
            .iter()
            .map(|m| format!("{} (earlier: {})", m.ticket, m.earlier.join(", ")))
            .collect(),
    )?;
    section(
        out,
        "callbacks due:",
        r.callbacks_due
            .iter()
            .map(|cb| {
                format!(
                    "{} due {} by {} (round {})",
                    line(&cb.case),
                    local_due(settings, cb.due),
                    cb.owner,
                    cb.round
                )
            })
            .collect(),
    )?;
    Ok(())
}

pub fn monthly(out: &mut impl Write, settings: &Settings, title: &str, r: &MonthlyReport) -> Result<()> {
    writeln!(out, "月度汇总 Monthly summary  {}  {}  (as of {})", title, r.month, local(settings, r.as_of))?;
    writeln!(out, "matters 事项 {}   reporters 人次 {}", r.matters, r.reporters)?;
    for (title, rows) in [
        ("by kind", &r.by_kind),
        ("by category", &r.by_category),
        ("by class", &r.by_class),
        ("by department", &r.by_department),
    ] {
        if rows.is_empty() {
            continue;
        }
        writeln!(out, "{title}:")?;
        for row in rows {
            writeln!(out, "  {:<20} matters {:>4}  reporters {:>4}", row.key, row.matters, row.reporters)?;
        }
    }
    let s = &r.suggestions;
    writeln!(
        out,
        "suggestions: {} — adopted {}, declined {}, pending {}",
        s.total, s.adopted, s.declined, s.pending
    )?;
    let cb = &r.callbacks;
    writeln!(
        out,
        "callbacks: {} — satisfied {}, not satisfied {} (phone {}, in person {}, kiosk {})",
        cb.done, cb.satisfied, cb.unsatisfied, cb.by_phone, cb.in_person, cb.at_kiosk
    )?;
    writeln!(out, "KPIs:")?;
    for k in &r.kpis {
        let value = k.value.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".into());
        let verdict = match k.met {
            Some(true) => "ok",
            Some(false) => "BELOW TARGET",
            None => "no data",
        };
        writeln!(
            out,
            "  {:<22} {:>7} ({}/{})  target {:.0}%  {}  {}",
            k.code,
            value,
            k.numerator,
            k.denominator,
            k.target * 100.0,
            verdict,
            k.name_zh
        )?;
    }
    writeln!(out, "KPI definitions (numerator / denominator; source):")?;
    for k in &r.kpis {
        writeln!(out, "  {}: {} / {}; {}", k.code, k.numerator_is, k.denominator_is, k.source)?;
    }
    let f = &r.flags;
    if !f.unsatisfied_callbacks.is_empty()
        || !f.repeated_complaints.is_empty()
        || !f.repeated_repairs.is_empty()
    {
        writeln!(out, "flags:")?;
    }
    for u in &f.unsatisfied_callbacks {
        writeln!(out, "  unsatisfied callback {} {}", u.ticket, u.shortcomings.as_deref().unwrap_or(""))?;
    }
    for m in &f.repeated_complaints {
        writeln!(
            out,
            "  same matter complained {} times: {}{}",
            m.complaints,
            m.tickets.join(", "),
            if m.linked { "" } else { " (same resident and category, not linked)" }
        )?;
    }
    for rr in &f.repeated_repairs {
        writeln!(out, "  {} × {} at {}: {}", rr.count, rr.category, rr.place, rr.tickets.join(", "))?;
    }
    Ok(())
}

pub fn categories(out: &mut impl Write, desk: &Desk) -> Result<()> {
    for c in desk.settings.catalogue.all() {
        writeln!(
            out,
            "{:<18} {:<11} {:<26} {}{}{}",
            c.code,
            c.kind.code(),
            c.en,
            c.zh,
            if c.emergency { "  [emergency]" } else { "" },
            if c.staff_only { "  [staff only]" } else { "" }
        )?;
    }
    Ok(())
}
