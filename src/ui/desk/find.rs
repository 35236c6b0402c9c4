//! 查找: the filtered list a page at a time, search as the clerk types, the scanner.

use super::*;

impl Kiosk {
    pub(in crate::ui) fn filter_pick(&mut self, field: i32, i: usize) {
        let f = &mut self.desk.filter;
        match field {
            0 => f.status = StatusGroup::ALL.get(i).copied().unwrap_or_default(),
            1 => f.kind = i.checked_sub(1).and_then(|i| Kind::ALL.get(i)).copied(),
            2 => f.department = i.checked_sub(1).and_then(|i| Department::ALL.get(i)).copied(),
            3 => {
                f.overdue = i == 1;
                f.callbacks_due = i == 2;
                f.mine = i == 3;
            }
            _ => f.technician = i.checked_sub(1).and_then(|i| self.desk.technicians.get(i)).cloned(),
        }
        self.search();
    }

    pub(in crate::ui) fn turn_page(&mut self, delta: i32) {
        let starts = &mut self.desk.page_starts;
        if delta > 0 {
            let Some(next) = self.desk.next_page.clone() else { return };
            starts.push(Some(next));
        } else if starts.len() > 1 {
            starts.pop();
        } else {
            return;
        }
        self.load_page();
    }

    /// The page of the filtered list (within the words typed, if any) that starts where
    /// `page_starts` last says.
    pub(in crate::ui) fn load_page(&mut self) {
        let Some(session) = self.staff.session.clone() else { return };
        let (filter, words, lang) = (self.desk.filter.clone(), self.desk.query.clone(), self.flow.lang);
        let start = self.desk.page_starts.last().cloned().flatten();
        self.backend.run(Box::new(move |svc| {
            let page =
                desk::list(&svc.desk, &session, &filter, &words, start.as_ref(), lang, Utc::now(), PAGE_ROWS);
            on_ui_thread(move || {
                system_event(|k| {
                    // Typed or filtered on since: a newer page is on its way.
                    if k.desk.filter != filter || k.desk.query != words {
                        return;
                    }
                    match page {
                        Ok(page) => {
                            k.desk.found = page.rows;
                            k.desk.next_page = page.next;
                        }
                        Err(e) => k.desk.message = Some(e),
                    }
                })
            });
        }));
    }

    pub(in crate::ui) fn query_key(&mut self, key: &str) {
        if self.desk.query.chars().count() < 20 {
            self.desk.query.push_str(key);
        }
        self.search();
    }

    /// Searches as the clerk types (ticket digits, a phone's last digits, a place), from
    /// the first page; one character is too little to search by.
    pub(in crate::ui) fn search(&mut self) {
        self.desk.page_starts = vec![None];
        self.desk.next_page = None;
        if self.desk.query.chars().count() == 1 {
            self.desk.found.clear();
            return;
        }
        self.load_page();
    }

    /// A ticket scanned at the desk (QR or work-order barcode, then Enter) opens its case.
    pub(in crate::ui) fn desk_key(&mut self, text: &str) -> bool {
        match text {
            "\n" | "\r" => {
                if let Ok(ticket) = crate::app::normalize_ticket(&self.desk.query) {
                    self.open_case(ticket);
                }
                true
            }
            "\u{8}" | "\u{7f}" => {
                self.desk.query.pop();
                self.search();
                true
            }
            t if !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
                if self.flow.screen != Screen::Staff || self.desk.tab != TAB_FIND {
                    self.desk.query.clear();
                    self.flow.screen = Screen::Staff;
                    self.desk.tab = TAB_FIND;
                }
                self.query_key(t);
                true
            }
            _ => false,
        }
    }

    /// 查找 with filters chosen (screenshots and the fit test).
    pub(in crate::ui) fn desk_stage_filters(&mut self) {
        self.desk.filter.kind = Some(Kind::Complaint);
        self.desk.filter.overdue = true;
        self.desk.filtering = true;
        self.desk.technicians = vec!["李师傅".into(), "赵师傅".into()];
        self.search();
    }
}
