//! A case on the desk: opening it, its actions, and recording one as the signed-in person.

use super::*;

impl Kiosk {
    pub(in crate::ui) fn open_case(&mut self, ticket: String) {
        let Some(session) = self.staff.session.clone() else { return };
        let lang = self.flow.lang;
        self.backend.run(Box::new(move |svc| {
            let view = desk::case_view(&svc.desk, &session, &ticket, lang, Utc::now());
            let assignees = view.as_ref().ok().map(|v| desk::assignees(&svc.desk, v.department));
            on_ui_thread(move || {
                system_event(|k| {
                    if k.staff.session.is_none() {
                        return;
                    }
                    match view {
                        Ok(view) => {
                            let same = k.desk.case.as_ref().is_some_and(|c| c.ticket == view.ticket);
                            k.desk.phone_shown &= same;
                            k.desk.why_shown &= same;
                            k.desk.case = Some(view);
                            k.desk.assignees = assignees.unwrap_or_default();
                            k.desk.picking = None;
                            if !matches!(
                                k.flow.screen,
                                Screen::StaffCallback | Screen::StaffForm | Screen::StaffQuote
                            ) {
                                k.flow.screen = Screen::StaffCase;
                            }
                        }
                        Err(e) => k.desk.message = Some(e),
                    }
                })
            });
        }));
    }

    pub(in crate::ui) fn desk_act(&mut self, code: &str) {
        let Some(action) = DeskAction::parse(code) else { return };
        let Some(ticket) = self.desk.case.as_ref().map(|c| c.ticket.clone()) else { return };
        self.desk.message = None;
        if action.asks() {
            self.open_form(ticket, action);
            return;
        }
        match action {
            DeskAction::Quote => {
                self.desk.quote = QuoteForm::default();
                self.flow.screen = Screen::StaffQuote;
            }
            DeskAction::Resume => self.record(ticket, crate::app::Action::Resume { note: None }),
            DeskAction::Resolve => self.desk.picking = Some(Picking::ResolveNote),
            DeskAction::Assign => self.desk.picking = Some(Picking::Assignee),
            DeskAction::Callback => {
                self.desk.form = CallbackForm::default();
                self.flow.screen = Screen::StaffCallback;
            }
            DeskAction::WorkOrder => self.print_work_order(ticket),
            DeskAction::Reprint => {
                let done = Msg("受理单已补打", "受理單已補印", "Ticket reprinted");
                self.print(DocumentKind::Ticket, Some(ticket), serde_json::Value::Null, true, done);
            }
            DeskAction::Acknowledge => self.record(ticket, crate::app::Action::Acknowledge { note: None }),
            DeskAction::OnSite => self.record(ticket, crate::app::Action::OnSite { note: None }),
            DeskAction::Close => self.record(ticket, crate::app::Action::Close { note: None }),
            DeskAction::ConfirmMajor | DeskAction::KeepSeverity => {
                use crate::domain::intake::Severity;
                let severity = match action {
                    DeskAction::ConfirmMajor => Severity::Major,
                    _ => self.desk.case.as_ref().map_or(Severity::General, |c| c.severity),
                };
                let action = crate::app::Action::Classify {
                    complaint_class: None,
                    severity: Some(severity),
                    department: None,
                };
                self.record(ticket, action);
            }
            _ => {}
        }
    }

    pub(in crate::ui) fn picked(&mut self, i: usize) {
        let Some(ticket) = self.desk.case.as_ref().map(|c| c.ticket.clone()) else { return };
        let action = match self.desk.picking.take() {
            // Records are kept in Chinese whatever the screen's language (the seeds' forms).
            Some(Picking::ResolveNote) => RESOLVE_NOTES
                .get(i)
                .map(|note| crate::app::Action::Resolve { note: note.get(Lang::ZhCn).to_string() }),
            Some(Picking::Assignee) => self.desk.assignees.get(i).map(|(name, department)| {
                crate::app::Action::Assign { department: *department, assignee: Some(name.clone()) }
            }),
            None => None,
        };
        if let Some(action) = action {
            self.record(ticket, action);
        }
    }

    /// Does `action` as the signed-in person, then shows the case as it now stands.
    pub(in crate::ui) fn record(&mut self, ticket: String, action: crate::app::Action) {
        let Some(session) = self.staff.session.clone() else { return };
        self.backend.run(Box::new(move |svc| {
            let result =
                svc.desk.act(&ticket, action, &session.id, Utc::now()).map(|_| ()).map_err(|e| e.to_string());
            on_ui_thread(move || {
                system_event(|k| {
                    // Recorded or refused, the form is done with: the case shows again,
                    // with the refusal's reason if there is one.
                    if matches!(k.flow.screen, Screen::StaffCallback | Screen::StaffQuote) {
                        if result.is_err() {
                            k.signature_mut().clear();
                        }
                        k.flow.screen = Screen::StaffCase;
                    }
                    // A form stays up with what was typed when refused, to correct it.
                    if k.flow.screen == Screen::StaffForm {
                        if let Err(e) = result {
                            k.desk.message = Some(e);
                            return;
                        }
                        k.desk.case_form = None;
                        k.flow.screen = Screen::StaffCase;
                    }
                    if let Err(e) = result {
                        k.desk.message = Some(e);
                    }
                    k.open_case(ticket);
                })
            });
        }));
    }
}
