//! The forms behind actions: the small forms, the callback record, the fee quote, and
//! the signature pad they share.

use super::*;

impl Kiosk {
    pub(in crate::ui) fn open_form(&mut self, ticket: String, action: DeskAction) {
        let lang = self.flow.lang;
        self.backend.run(Box::new(move |svc| {
            let form = CaseForm::open(&svc.desk, &ticket, action, lang);
            on_ui_thread(move || {
                system_event(|k| {
                    if k.staff.session.is_none() {
                        return;
                    }
                    match form {
                        Ok(form) => {
                            k.desk.keyboard = if form.ticket_keys { 2 } else { 0 };
                            k.desk.composer = Composer::default();
                            k.desk.case_form = Some(form);
                            k.flow.screen = Screen::StaffForm;
                        }
                        Err(e) => k.desk.message = Some(e),
                    }
                })
            });
        }));
    }

    pub(in crate::ui) fn form_type(&mut self, key: &str) {
        let mode = self.desk.keyboard;
        // Ticket numbers are written in capitals (K01-00012).
        let capitals = self.desk.case_form.as_ref().is_some_and(|f| f.ticket_keys);
        let key = if capitals { key.to_uppercase() } else { key.to_string() };
        self.typed(|text, composer, max| Flow::type_key(text, composer, mode, &key, max));
        self.desk.message = None;
    }

    /// Applies a keyboard edit to what is being typed: the open form's words, or else
    /// 查找's search words (and searches again).
    pub(in crate::ui) fn typed(&mut self, edit: impl FnOnce(&mut String, &mut Composer, usize)) {
        if self.flow.screen == Screen::StaffForm {
            if let Some(f) = self.desk.case_form.as_mut() {
                edit(&mut f.text, &mut self.desk.composer, FORM_MAX_CHARS);
            }
        }
    }

    /// 文字 on 查找: the words form, whose 保存 searches.
    pub(in crate::ui) fn search_words(&mut self) {
        let query = self.desk.query.clone();
        self.desk.case_form = Some(CaseForm::search_words(&query, self.flow.lang));
        self.desk.composer = Composer::default();
        self.desk.keyboard = 0;
        self.desk.message = None;
        self.flow.screen = Screen::StaffForm;
    }

    /// A USB keyboard at the desk types into the form too; Enter saves.
    pub(in crate::ui) fn form_physical_key(&mut self, text: &str) -> bool {
        match text {
            "\n" | "\r" => self.save_form(),
            "\u{8}" | "\u{7f}" => {
                if let Some(f) = self.desk.case_form.as_mut() {
                    Flow::backspace(&mut f.text, &mut self.desk.composer);
                }
            }
            t if !t.is_empty() && t.chars().all(|c| !c.is_control()) => self.form_type(t),
            _ => return false,
        }
        true
    }

    pub(in crate::ui) fn save_form(&mut self) {
        let Some(form) = self.desk.case_form.as_mut() else { return };
        if !self.desk.composer.preedit.is_empty() {
            Flow::space(&mut form.text, &mut self.desk.composer, FORM_MAX_CHARS);
        }
        // Search words go back to 查找, searched.
        if form.for_search {
            self.desk.query = form.text.trim().chars().take(20).collect();
            self.desk.case_form = None;
            self.flow.screen = Screen::Staff;
            self.search();
            return;
        }
        // Words for the callback record go back to its form, recorded with it.
        if let Some(which) = form.for_callback {
            let text = form.text.trim().to_string();
            match which {
                CallbackWords::Shortcomings => self.desk.form.shortcomings = text,
                CallbackWords::Suggestions => self.desk.form.suggestions = text,
            }
            self.desk.case_form = None;
            self.flow.screen = Screen::StaffCallback;
            return;
        }
        match form.action(Utc::now(), self.flow.lang) {
            Ok(action) => {
                let ticket = form.ticket.clone();
                self.record(ticket, action);
            }
            Err(e) => self.desk.message = Some(e),
        }
    }

    /// 不足之处 or 住户建议 on the callback form: the words form, back to the callback after.
    pub(in crate::ui) fn callback_words(&mut self, which: CallbackWords) {
        let Some(ticket) = self.desk.case.as_ref().map(|c| c.ticket.clone()) else { return };
        let current = match which {
            CallbackWords::Shortcomings => &self.desk.form.shortcomings,
            CallbackWords::Suggestions => &self.desk.form.suggestions,
        };
        self.desk.case_form = Some(CaseForm::callback_words(&ticket, which, current, self.flow.lang));
        self.desk.composer = Composer::default();
        self.desk.keyboard = 0;
        self.desk.message = None;
        self.flow.screen = Screen::StaffForm;
    }

    pub(in crate::ui) fn callback_field(&mut self, field: &str, value: i32) {
        let f = &mut self.desk.form;
        let rating = u8::try_from(value).ok().filter(|v| (1..=5).contains(v));
        match field {
            "method" => f.in_person = value == 1,
            "satisfied" => f.satisfied = Some(value == 1),
            "quality" => f.quality = rating,
            "effect" => f.effect = rating,
            "satisfaction" => f.satisfaction = rating,
            "next" => f.next_in_days = Some(i64::from(value)),
            _ => {}
        }
        self.desk.message = None;
    }

    /// A finger on the signature pad: 0 down, 1 moving, 2 up; x and y are fractions of it.
    pub(in crate::ui) fn sign(&mut self, phase: i32, x: f32, y: f32) {
        let scale = f32::from(crate::domain::event::Signature::SCALE);
        let point = [(x.clamp(0.0, 1.0) * scale) as u16, (y.clamp(0.0, 1.0) * scale) as u16];
        let strokes = self.signature_mut();
        let points: usize = strokes.iter().map(Vec::len).sum();
        if points >= crate::domain::event::Signature::MAX_POINTS {
            return;
        }
        match phase {
            0 => strokes.push(vec![point]),
            _ => match strokes.last_mut() {
                Some(stroke) if stroke.last() != Some(&point) => stroke.push(point),
                Some(_) => {}
                None => strokes.push(vec![point]),
            },
        }
    }

    /// The strokes of the form on screen: the callback's, or the fee quote's.
    pub(in crate::ui) fn signature_mut(&mut self) -> &mut Vec<Vec<[u16; 2]>> {
        if self.flow.screen == Screen::StaffQuote {
            &mut self.desk.quote.signature
        } else {
            &mut self.desk.form.signature
        }
    }

    pub(in crate::ui) fn submit_callback(&mut self) {
        let Some(ticket) = self.desk.case.as_ref().map(|c| c.ticket.clone()) else { return };
        match self.desk.form.action(Utc::now(), self.flow.lang) {
            Ok(action) => self.record(ticket, action),
            Err(e) => self.desk.message = Some(e),
        }
    }

    /// The callback form half filled, with a signature (screenshots and the fit test).
    pub(in crate::ui) fn desk_stage_callback(&mut self) {
        self.desk.form = CallbackForm {
            in_person: true,
            satisfied: Some(false),
            quality: Some(3),
            effect: Some(2),
            satisfaction: Some(2),
            next_in_days: Some(3),
            signature: vec![vec![[100, 600], [250, 350], [400, 650], [550, 300], [700, 600], [900, 420]]],
            shortcomings: Msg("问题反复出现", "問題反覆出現", "It keeps coming back")
                .get(self.flow.lang)
                .into(),
            suggestions: String::new(),
        };
        self.flow.screen = Screen::StaffCallback;
    }

    /// A fee quote typed, agreed and signed (screenshots and the fit test).
    pub(in crate::ui) fn desk_stage_quote(&mut self) {
        self.desk.quote = QuoteForm {
            amount: "120.50".into(),
            consented: Some(true),
            signature: vec![vec![[100, 500], [300, 300], [500, 600], [800, 350]]],
        };
        self.flow.screen = Screen::StaffQuote;
    }

    pub(in crate::ui) fn desk_stage_form(&mut self, ticket: &str) {
        self.open_form(ticket.to_string(), DeskAction::Escalate);
    }

    /// The staged form half filled once it has opened.
    pub(in crate::ui) fn desk_fill_form(&mut self) {
        if let Some(f) = self.desk.case_form.as_mut() {
            f.choices[0].chosen = Some(1);
            f.text = Msg("七日未解决，书面上报", "七日未解決，書面上報", "Unresolved after 7 days")
                .get(self.flow.lang)
                .into();
        }
        self.desk.composer.push('s');
        self.desk.composer.push('h');
        self.desk.composer.push('u');
    }
}

/// SVG path commands for the strokes, in the pad's 0..1000 box.
pub(super) fn signature_path(strokes: &[Vec<[u16; 2]>]) -> String {
    let mut path = String::new();
    for stroke in strokes {
        for (i, [x, y]) in stroke.iter().enumerate() {
            path.push_str(if i == 0 { "M " } else { " L " });
            path.push_str(&format!("{x} {y}"));
        }
        if stroke.len() == 1 {
            // A dot: a tiny line so it shows.
            let [x, y] = stroke[0];
            path.push_str(&format!(" L {} {y}", x + 2));
        }
        path.push(' ');
    }
    path
}

#[cfg(test)]
mod tests {
    #[test]
    fn strokes_become_path_commands() {
        assert_eq!(super::signature_path(&[vec![[1, 2], [3, 4]], vec![[5, 6]]]), "M 1 2 L 3 4 M 5 6 L 7 6 ");
    }
}
