//! The staff desk's adapter (issue 13): `DeskAdapter`'s callbacks change the `DeskView`,
//! store work runs on the service thread, and `render` pushes the view back. The
//! rules live in `crate::kiosk::desk` and the domain; these files only move data:
//! `find` (查找's lists), `case` (a case and its actions), `forms` (the forms behind
//! actions, the callback and the fee quote), `paper` (打印).

use chrono::Utc;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{
    AppWindow, ChoiceRow, DeskAction as ActionItem, DeskAdapter, DeskDeadline, DeskFact, DeskRow as RowItem,
    Kiosk, PrintRow as PrintItem, Theme,
};
use super::{fitting, on_ui_thread, strings, system_event};
use crate::domain::intake::{Channel, Department, Kind, Lang};
use crate::input::pinyin::Composer;
use crate::kiosk::desk::{
    self, CallbackForm, CallbackWords, CaseForm, CaseView, DeskAction, DeskRow, FORM_MAX_CHARS, FormChoice,
    ListFilter, PrintRow, QuoteForm, RESOLVE_NOTES, StatusGroup, Today,
};
use crate::kiosk::flow::Flow;
use crate::kiosk::flow::Screen;
use crate::kiosk::words::Msg;
use crate::store::DocumentKind;
use crate::store::PageMark;

mod case;
mod find;
mod forms;
mod paper;

use forms::signature_path;

/// What the desk shows; cleared with everything else at sign-out or idle.
#[derive(Clone, Debug, Default)]
pub(super) struct DeskView {
    pub tab: i32,
    today: Today,
    query: String,
    found: Vec<DeskRow>,
    case: Option<CaseView>,
    phone_shown: bool,
    picking: Option<Picking>,
    /// Who the case on screen may be dispatched to.
    assignees: Vec<(String, crate::domain::intake::Department)>,
    form: CallbackForm,
    pub message: Option<String>,
    file_channel: usize,
    file_kind: usize,
    file_intake: crate::kiosk::flow::StaffIntake,
    /// 查找 without words: the filtered list, a page at a time.
    filter: ListFilter,
    filtering: bool,
    /// Where each page shown so far started (the first at the top).
    page_starts: Vec<Option<PageMark>>,
    next_page: Option<PageMark>,
    /// The configured technicians, for the filter by who a case is assigned to.
    technicians: Vec<String>,
    why_shown: bool,
    pub(super) case_form: Option<CaseForm>,
    composer: Composer,
    keyboard: i32,
    printer_status: String,
    print_jobs: Vec<PrintRow>,
    quote: QuoteForm,
}

/// The intake fields 登记 asks beyond the resident pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::ui) enum FileField {
    Urgency,
    Class,
    Severity,
    Department,
}

/// Rows a page of a list holds: a screenful on the desk's panel.
const PAGE_ROWS: usize = 20;

/// What 查找's "only" row offers besides all cases.
const ONLY: [Msg; 4] = [
    Msg("全部", "全部", "All"),
    Msg("超时", "超時", "Overdue"),
    Msg("待回访", "待回訪", "Callback due"),
    Msg("我首问", "我首問", "Mine"),
];

/// A choice the case page asks for before recording an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Picking {
    /// What was done (处理完毕).
    ResolveNote,
    /// Who goes (派工).
    Assignee,
}

const TAB_TODAY: i32 = 0;
const TAB_FIND: i32 = 1;
const TAB_ALERTS: i32 = 2;
const TAB_PAPER: i32 = 4;

/// How a resident reached the desk, as the 登记 tab offers it (003 flowchart: 来电、来访、
/// 书面; the GM hotline's cases too).
const FILE_CHANNELS: [Channel; 4] = [Channel::Phone, Channel::WalkIn, Channel::Letter, Channel::Hotline];
const FILE_KINDS: [Kind; 5] = [Kind::Complaint, Kind::Repair, Kind::Suggestion, Kind::Inquiry, Kind::Praise];

pub(super) fn wire(app: &AppWindow) {
    let d = app.global::<DeskAdapter>();
    d.on_pick_tab(|tab| super::event(|k| k.pick_tab(tab)));
    d.on_open_case(|ticket| super::event(|k| k.open_case(ticket.to_string())));
    d.on_query_key(|key| super::event(|k| k.query_key(&key)));
    d.on_query_backspace(|| {
        super::event(|k| {
            k.desk.query.pop();
            k.search();
        })
    });
    d.on_act(|code| super::event(|k| k.desk_act(&code)));
    d.on_show_phone(|| super::event(|k| k.desk.phone_shown = true));
    // -1: cancelled.
    d.on_pick(|i| {
        super::event(|k| match usize::try_from(i) {
            Ok(i) => k.picked(i),
            Err(_) => k.desk.picking = None,
        })
    });
    d.on_print_daily(|| super::event(|k| k.print_daily()));
    d.on_print_monthly(|| super::event(|k| k.print_monthly()));
    d.on_print_retry(|id| super::event(|k| k.print_job_change(i64::from(id), true)));
    d.on_print_cancel(|id| super::event(|k| k.print_job_change(i64::from(id), false)));
    d.on_file_set(|field, i| {
        super::event(|k| match field.as_str() {
            "channel" => k.desk.file_channel = (i.max(0) as usize).min(FILE_CHANNELS.len() - 1),
            _ => k.desk.file_kind = (i.max(0) as usize).min(FILE_KINDS.len() - 1),
        })
    });
    d.on_start_filing(|| super::event(|k| k.start_filing()));
    d.on_file_pick(|row, i| super::event(|k| k.file_pick(row.max(0) as usize, i.max(0) as usize)));
    d.on_cb_set(|field, value| super::event(|k| k.callback_field(&field, value)));
    d.on_sign(|phase, x, y| super::event(|k| k.sign(phase, x, y)));
    d.on_sign_clear(|| super::event(|k| k.signature_mut().clear()));
    d.on_cb_submit(|| super::event(|k| k.submit_callback()));
    d.on_cb_words(|which| {
        super::event(|k| {
            k.callback_words(if which == 0 {
                CallbackWords::Shortcomings
            } else {
                CallbackWords::Suggestions
            })
        })
    });
    d.on_toggle_filters(|| super::event(|k| k.desk.filtering = !k.desk.filtering));
    d.on_filter_pick(|field, i| super::event(|k| k.filter_pick(field, i.max(0) as usize)));
    d.on_page(|delta| super::event(|k| k.turn_page(delta)));
    d.on_show_why(|| super::event(|k| k.desk.why_shown = true));
    d.on_form_pick(|field, i| {
        super::event(|k| {
            if let Some(c) = k.desk.case_form.as_mut().and_then(|f| f.choices.get_mut(field.max(0) as usize))
            {
                c.chosen = usize::try_from(i).ok().filter(|i| *i < c.options.len());
            }
            k.desk.message = None;
        })
    });
    // The desk's one on-screen keyboard types into the open form, or into 查找's words.
    d.on_form_key(|key| super::event(|k| k.form_type(&key)));
    d.on_form_backspace(|| super::event(|k| k.typed(|text, composer, _| Flow::backspace(text, composer))));
    d.on_form_space(|| super::event(|k| k.typed(Flow::space)));
    d.on_form_choose(|i| {
        super::event(|k| {
            let i = k.desk.composer.first + i.max(0) as usize;
            k.typed(|text, composer, max| Flow::choose(text, composer, i, max));
        })
    });
    d.on_form_phrase(|p| {
        super::event(|k| {
            let comma = if k.flow.lang == Lang::En { ", " } else { "，" };
            k.typed(|text, _, max| {
                if !text.is_empty() && !text.ends_with(['，', ' ', '。']) {
                    text.push_str(comma);
                }
                crate::kiosk::flow::push_limited(text, &p, max);
            });
        })
    });
    d.on_form_page(|delta| {
        super::event(|k| {
            let shown = k.candidate_page(&k.desk.composer).0.len();
            super::page(&mut k.desk.composer, delta, shown);
        })
    });
    d.on_form_set_mode(|m| {
        super::event(|k| {
            if !k.desk.composer.preedit.is_empty() {
                k.typed(Flow::space);
            }
            k.desk.keyboard = m;
        })
    });
    d.on_search_words(|| super::event(|k| k.search_words()));
    d.on_form_save(|| super::event(|k| k.save_form()));
    d.on_quote_key(|key| {
        super::event(|k| {
            k.desk.quote.key(&key);
            k.desk.message = None;
        })
    });
    d.on_quote_backspace(|| {
        super::event(|k| {
            k.desk.quote.amount.pop();
        })
    });
    d.on_quote_consent_set(|i| {
        super::event(|k| {
            k.desk.quote.consented = Some(i == 1);
            k.desk.message = None;
        })
    });
    d.on_quote_save(|| {
        super::event(|k| {
            let Some(ticket) = k.desk.case.as_ref().map(|c| c.ticket.clone()) else { return };
            match k.desk.quote.action(k.flow.lang) {
                Ok(action) => k.record(ticket, action),
                Err(e) => k.desk.message = Some(e),
            }
        })
    });
}

impl DeskView {
    /// The form's action as the header's title.
    pub(super) fn form_title(&self) -> Msg {
        match &self.case_form {
            Some(f) if f.for_search => Msg("按文字查找", "按文字查找", "Find by words"),
            Some(f) => f.for_callback.map_or(f.action.msg(), CallbackWords::label),
            None => crate::kiosk::words::TITLE_STAFF_CASE,
        }
    }
}

impl Kiosk {
    /// Just signed in: alerts first when some wait, else today's cases.
    pub(in crate::ui) fn open_desk(&mut self) {
        self.desk = DeskView {
            tab: if self.staff.alerts.is_empty() { TAB_TODAY } else { TAB_ALERTS },
            ..DeskView::default()
        };
        self.load_today();
        self.backend.run(Box::new(move |svc| {
            let technicians: Vec<String> = svc
                .desk
                .settings
                .staff
                .iter()
                .filter(|s| s.role == crate::domain::roles::Role::Technician)
                .map(|s| s.name.clone())
                .collect();
            on_ui_thread(move || system_event(|k| k.desk.technicians = technicians));
        }));
    }

    pub(in crate::ui) fn pick_tab(&mut self, tab: i32) {
        self.desk.tab = tab;
        self.desk.message = None;
        if tab == TAB_TODAY {
            self.load_today();
        }
        if tab == TAB_PAPER {
            self.load_print_queue();
        }
        if tab == TAB_FIND && self.desk.query.is_empty() {
            self.search();
        }
    }

    /// 登记: the resident pages, filled in by the clerk for the caller or walk-in.
    pub(in crate::ui) fn start_filing(&mut self) {
        let Some(session) = self.staff.session.clone() else { return };
        let (lang, large) = (self.flow.lang, self.flow.large_text);
        self.flow.start_for_staff(
            FILE_KINDS[self.desk.file_kind],
            session.id,
            FILE_CHANNELS[self.desk.file_channel],
        );
        self.flow.staff_intake = self.desk.file_intake;
        self.flow.lang = lang;
        self.flow.large_text = large;
    }

    /// 登记's questions for the kind chosen: urgency for repairs, class and severity for
    /// complaints, the department for any; each first offers the category's default.
    pub(in crate::ui) fn file_choices(&self) -> Vec<(FileField, FormChoice)> {
        use crate::domain::intake::{ComplaintClass, Severity, Urgency};
        let lang = self.flow.lang;
        let f = &self.desk.file_intake;
        let default = Msg("默认", "預設", "Default").get(lang).to_string();
        let q = |label: Msg, names: Vec<String>, chosen: Option<usize>| FormChoice {
            label: label.get(lang).to_string(),
            options: std::iter::once(default.clone()).chain(names).collect(),
            chosen: Some(chosen.map_or(0, |i| i + 1)),
            optional: true,
        };
        let names = |all: &[&str]| all.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut choices = Vec::new();
        match FILE_KINDS[self.desk.file_kind] {
            Kind::Repair => choices.push((
                FileField::Urgency,
                q(
                    Msg("紧急程度", "緊急程度", "Urgency"),
                    names(&Urgency::ALL.iter().map(|u| u.name(lang)).collect::<Vec<_>>()),
                    f.urgency.and_then(|u| Urgency::ALL.iter().position(|x| *x == u)),
                ),
            )),
            Kind::Complaint => {
                choices.push((
                    FileField::Class,
                    q(
                        Msg("投诉类别", "投訴類別", "Class"),
                        names(
                            &[
                                Msg("一类：物业服务", "一類：物業服務", "1 Service"),
                                Msg("二类：开发商", "二類：開發商", "2 Developer"),
                                Msg("三类：外部", "三類：外部", "3 External"),
                            ]
                            .map(|m| m.get(lang)),
                        ),
                        f.complaint_class.and_then(|c| ComplaintClass::ALL.iter().position(|x| *x == c)),
                    ),
                ));
                choices.push((
                    FileField::Severity,
                    q(
                        Msg("等级", "等級", "Severity"),
                        names(&Severity::ALL.iter().map(|s| s.name(lang)).collect::<Vec<_>>()),
                        f.severity.and_then(|s| Severity::ALL.iter().position(|x| *x == s)),
                    ),
                ));
            }
            _ => {}
        }
        choices.push((
            FileField::Department,
            q(
                Msg("责任部门", "責任部門", "Department"),
                names(&Department::ALL.iter().map(|d| d.name(lang)).collect::<Vec<_>>()),
                f.department.and_then(|d| Department::ALL.iter().position(|x| *x == d)),
            ),
        ));
        choices
    }

    fn file_pick(&mut self, row: usize, i: usize) {
        use crate::domain::intake::{ComplaintClass, Severity, Urgency};
        let Some((field, _)) = self.file_choices().into_iter().nth(row) else { return };
        let f = &mut self.desk.file_intake;
        let pick = i.checked_sub(1);
        match field {
            FileField::Urgency => f.urgency = pick.and_then(|i| Urgency::ALL.get(i)).copied(),
            FileField::Class => f.complaint_class = pick.and_then(|i| ComplaintClass::ALL.get(i)).copied(),
            FileField::Severity => f.severity = pick.and_then(|i| Severity::ALL.get(i)).copied(),
            FileField::Department => f.department = pick.and_then(|i| Department::ALL.get(i)).copied(),
        }
    }

    /// Back from filing (or its Back button) to the desk, as signed in as before.
    pub(in crate::ui) fn back_to_desk(&mut self) {
        let (lang, large) = (self.flow.lang, self.flow.large_text);
        self.flow = crate::kiosk::flow::Flow::new(lang);
        self.flow.large_text = large;
        self.flow.screen = Screen::Staff;
        self.ticket = Default::default();
        self.desk.tab = TAB_TODAY;
        self.load_today();
    }

    pub(in crate::ui) fn load_today(&mut self) {
        let Some(session) = self.staff.session.clone() else { return };
        let lang = self.flow.lang;
        self.backend.run(Box::new(move |svc| {
            let today = desk::today(&svc.desk, &session, lang, Utc::now());
            on_ui_thread(move || {
                system_event(|k| match today {
                    Ok(t) => k.desk.today = t,
                    Err(e) => k.desk.message = Some(e),
                })
            });
        }));
    }

    pub(in crate::ui) fn render_desk(&self, app: &AppWindow) {
        let d = app.global::<DeskAdapter>();
        let v = &self.desk;
        d.set_tab(v.tab);
        d.set_count_new(v.today.new as i32);
        d.set_count_open(v.today.open as i32);
        d.set_count_overdue(v.today.overdue as i32);
        d.set_count_callbacks(v.today.callbacks_due as i32);
        d.set_count_review(v.today.to_review as i32);
        let rows = if v.tab == TAB_FIND { &v.found } else { &v.today.rows };
        d.set_rows(ModelRc::new(VecModel::from(
            rows.iter()
                .map(|r| RowItem {
                    ticket: r.ticket.clone().into(),
                    title: r.title.clone().into(),
                    note: r.note.clone().into(),
                    overdue: r.overdue,
                    emergency: r.emergency,
                })
                .collect::<Vec<_>>(),
        )));
        d.set_query(v.query.clone().into());
        d.set_file_channel(v.file_channel as i32);
        d.set_file_kind(v.file_kind as i32);
        let file_choices: Vec<FormChoice> = self.file_choices().into_iter().map(|(_, c)| c).collect();
        d.set_file_choices(ModelRc::new(VecModel::from(self.choice_rows(&file_choices))));
        d.set_message(v.message.clone().unwrap_or_default().into());
        let lang = self.flow.lang;
        let fact = |(label, value): &(String, String)| DeskFact { label: label.into(), value: value.into() };
        match &v.case {
            Some(c) => {
                d.set_case_ticket(c.ticket.clone().into());
                d.set_case_title(c.title.clone().into());
                d.set_case_status(c.status.clone().into());
                d.set_facts(ModelRc::new(VecModel::from(c.facts.iter().map(fact).collect::<Vec<_>>())));
                d.set_deadlines(ModelRc::new(VecModel::from(
                    c.deadlines
                        .iter()
                        .map(|l| DeskDeadline {
                            name: l.name.clone().into(),
                            due: l.due.clone().into(),
                            state: l.state.clone().into(),
                            overdue: l.overdue,
                        })
                        .collect::<Vec<_>>(),
                )));
                d.set_timeline(ModelRc::new(VecModel::from(c.timeline.iter().map(fact).collect::<Vec<_>>())));
                d.set_actions(ModelRc::new(VecModel::from(
                    c.actions
                        .iter()
                        .map(|a| ActionItem { code: a.code().into(), label: a.label(lang).into() })
                        .collect::<Vec<_>>(),
                )));
                let phone = c.phone.clone().filter(|_| v.phone_shown);
                d.set_phone(phone.unwrap_or_default().into());
                let callback = c.callback.as_ref().map(|(round, owner)| match lang {
                    Lang::En => format!("Callback {round} due, by the {owner}"),
                    Lang::ZhTw => format!("待第{round}次回訪：{owner}"),
                    Lang::ZhCn => format!("待第{round}次回访：{owner}"),
                });
                d.set_case_callback(callback.unwrap_or_default().into());
                d.set_case_warning(c.major_suggestion.clone().unwrap_or_default().into());
            }
            None => {
                d.set_case_ticket(SharedString::new());
                d.set_actions(ModelRc::new(VecModel::<ActionItem>::default()));
            }
        }
        d.set_not_yours(ModelRc::new(VecModel::from(c_not_yours(v))));
        d.set_why_shown(v.why_shown);
        d.set_filtering(v.filtering);
        let filters = self.filter_choices();
        d.set_filters(ModelRc::new(VecModel::from(self.choice_rows(&filters))));
        d.set_filter_summary(self.filter_summary(&filters).into());
        let finding = v.tab == TAB_FIND;
        d.set_has_previous_page(finding && v.page_starts.len() > 1);
        d.set_has_next_page(finding && v.next_page.is_some());
        match &v.case_form {
            Some(f) => {
                d.set_form_choices(ModelRc::new(VecModel::from(self.choice_rows(&f.choices))));
                d.set_form_has_text(f.text_label.is_some());
                d.set_form_text(f.text.clone().into());
                d.set_form_text_label(f.text_label.clone().unwrap_or_default().into());
                d.set_form_ticket_keys(f.ticket_keys);
                d.set_form_phrases(strings(self.fitting_phrases(f.phrases.clone())));
            }
            None => {
                d.set_form_choices(ModelRc::new(VecModel::<ChoiceRow>::default()));
                d.set_form_has_text(false);
            }
        }
        d.set_form_preedit(v.composer.preedit.clone().into());
        let (candidates, more) = self.candidate_page(&v.composer);
        d.set_form_candidates(strings(candidates));
        d.set_form_has_next(more);
        d.set_form_has_previous(v.composer.has_previous_page());
        d.set_form_keyboard_mode(v.keyboard);
        d.set_printer_status(v.printer_status.clone().into());
        d.set_print_jobs(ModelRc::new(VecModel::from(
            v.print_jobs
                .iter()
                .map(|j| PrintItem {
                    id: j.id as i32,
                    title: j.title.clone().into(),
                    note: j.note.clone().into(),
                    can_retry: j.can_retry,
                    can_cancel: j.can_cancel,
                })
                .collect::<Vec<_>>(),
        )));
        d.set_picking(v.picking.is_some());
        let (title, options): (Msg, Vec<String>) = match v.picking {
            Some(Picking::Assignee) => (
                Msg("派给：", "派給：", "Assign to:"),
                v.assignees.iter().map(|(name, d)| format!("{name}（{}）", d.name(lang))).collect(),
            ),
            _ => (
                Msg("处理结果：", "處理結果：", "What was done:"),
                RESOLVE_NOTES.iter().map(|m| m.get(lang).to_string()).collect(),
            ),
        };
        d.set_pick_title(title.get(lang).into());
        d.set_picks(strings(options));
        let f = &v.form;
        d.set_cb_in_person(f.in_person);
        d.set_cb_satisfied(f.satisfied.map_or(-1, i32::from));
        d.set_cb_quality(f.quality.map_or(0, i32::from));
        d.set_cb_effect(f.effect.map_or(0, i32::from));
        d.set_cb_satisfaction(f.satisfaction.map_or(0, i32::from));
        d.set_cb_next_days(f.next_in_days.unwrap_or(0) as i32);
        d.set_cb_shortcomings(f.shortcomings.clone().into());
        d.set_cb_suggestions(f.suggestions.clone().into());
        let strokes = if self.flow.screen == Screen::StaffQuote { &v.quote.signature } else { &f.signature };
        d.set_signed(strokes.iter().map(Vec::len).sum::<usize>() >= 2);
        d.set_signature_path(signature_path(strokes).into());
        d.set_quote_amount(v.quote.amount.clone().into());
        d.set_quote_consent(v.quote.consented.map_or(-1, i32::from));
        d.set_form_error(
            if matches!(self.flow.screen, Screen::StaffCallback | Screen::StaffForm | Screen::StaffQuote) {
                v.message.clone()
            } else {
                None
            }
            .unwrap_or_default()
            .into(),
        );
    }
}

fn c_not_yours(v: &DeskView) -> Vec<DeskFact> {
    let Some(c) = &v.case else { return Vec::new() };
    c.not_yours.iter().map(|(label, who)| DeskFact { label: label.into(), value: who.into() }).collect()
}

impl Kiosk {
    /// 查找's filters as questions: status, kind, department, "only", technician.
    pub(in crate::ui) fn filter_choices(&self) -> Vec<FormChoice> {
        let lang = self.flow.lang;
        let f = &self.desk.filter;
        let all = Msg("全部", "全部", "All").get(lang).to_string();
        let with_all = |names: Vec<String>| std::iter::once(all.clone()).chain(names).collect::<Vec<_>>();
        let q = |label: Msg, options: Vec<String>, chosen: usize| FormChoice {
            label: label.get(lang).to_string(),
            options,
            chosen: Some(chosen),
            optional: true,
        };
        let only = if f.overdue {
            1
        } else if f.callbacks_due {
            2
        } else if f.mine {
            3
        } else {
            0
        };
        let mut choices = vec![
            q(
                Msg("状态", "狀態", "Status"),
                StatusGroup::ALL.iter().map(|g| g.name(lang).to_string()).collect(),
                StatusGroup::ALL.iter().position(|g| *g == f.status).unwrap_or(0),
            ),
            q(
                Msg("类别", "類別", "Kind"),
                with_all(Kind::ALL.iter().map(|k| k.name(lang).to_string()).collect()),
                f.kind.and_then(|k| Kind::ALL.iter().position(|x| *x == k)).map_or(0, |i| i + 1),
            ),
            q(
                Msg("部门", "部門", "Dept."),
                with_all(Department::ALL.iter().map(|d| d.name(lang).to_string()).collect()),
                f.department.and_then(|d| Department::ALL.iter().position(|x| *x == d)).map_or(0, |i| i + 1),
            ),
            q(Msg("只看", "只看", "Only"), ONLY.iter().map(|m| m.get(lang).to_string()).collect(), only),
        ];
        if !self.desk.technicians.is_empty() {
            let chosen = f
                .technician
                .as_ref()
                .and_then(|t| self.desk.technicians.iter().position(|x| x == t))
                .map_or(0, |i| i + 1);
            choices.push(q(
                Msg("维修员", "維修員", "Technician"),
                with_all(self.desk.technicians.clone()),
                chosen,
            ));
        }
        choices
    }

    /// The filters in force, in a line above the list.
    pub(in crate::ui) fn filter_summary(&self, filters: &[FormChoice]) -> String {
        if !self.desk.query.is_empty() {
            return String::new();
        }
        let chosen: Vec<String> = filters
            .iter()
            .filter_map(|c| c.chosen.filter(|i| *i > 0).and_then(|i| c.options.get(i)).cloned())
            .collect();
        let lang = self.flow.lang;
        if chosen.is_empty() {
            Msg("全部事项，最新在前", "全部事項，最新在前", "All cases, newest first").get(lang).to_string()
        } else {
            chosen.join(" · ")
        }
    }

    /// Questions as rows of buttons that fit across the page beside its Save column: long
    /// answer lists wrap onto more rows.
    pub(in crate::ui) fn choice_rows(&self, choices: &[FormChoice]) -> Vec<ChoiceRow> {
        let Some(app) = self.app.upgrade() else { return Vec::new() };
        let theme = app.global::<Theme>();
        let (width, font, gap) = (theme.get_window_width(), theme.get_font_body(), theme.get_gap());
        let stacked = theme.get_portrait() || theme.get_large_text();
        let mut room = width - theme.get_unit() * 8.0;
        if !stacked {
            room -= font * 3.5 + gap;
        }
        let mut rows = Vec::new();
        for (field, c) in choices.iter().enumerate() {
            let mut offset = 0;
            while offset < c.options.len() {
                let fit =
                    fitting(&c.options[offset..], room, font, 2.0 * gap + gap, theme.get_touch()).max(1);
                rows.push(ChoiceRow {
                    label: if offset == 0 { c.label.clone().into() } else { SharedString::new() },
                    options: strings(c.options[offset..offset + fit].to_vec()),
                    chosen: c.chosen.map_or(-1, |i| i as i32),
                    field: field as i32,
                    offset: offset as i32,
                });
                offset += fit;
            }
        }
        rows
    }
}
