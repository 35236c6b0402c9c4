//! 打印: documents sent to the printer as the signed-in person, and the queue.

use super::*;

impl Kiosk {
    pub(in crate::ui) fn print_daily(&mut self) {
        let params = serde_json::json!({ "date": null });
        let done = Msg("日报已送打印机", "日報已送印表機", "Daily report sent to the printer");
        self.print(DocumentKind::DailyReport, None, params, false, done);
    }

    pub(in crate::ui) fn print_monthly(&mut self) {
        let params = serde_json::json!({ "month": null });
        let done = Msg("月度汇总已送打印机", "月度匯總已送印表機", "Monthly summary sent to the printer");
        self.print(DocumentKind::MonthlySummary, None, params, false, done);
    }

    /// The printer's state and the latest jobs, read on the service thread.
    pub(in crate::ui) fn load_print_queue(&mut self) {
        let lang = self.flow.lang;
        self.backend.run(Box::new(move |svc| {
            let status = desk::printer_status_name(svc.printer.status(), lang).to_string();
            let jobs = desk::print_queue(&svc.desk, lang, 30);
            on_ui_thread(move || {
                system_event(|k| {
                    k.desk.printer_status = status;
                    match jobs {
                        Ok(jobs) => k.desk.print_jobs = jobs,
                        Err(e) => k.desk.message = Some(e),
                    }
                })
            });
        }));
    }

    /// 重打 (`retry`) or 取消 a job, as the signed-in person; printing what is due after.
    pub(in crate::ui) fn print_job_change(&mut self, id: i64, retry: bool) {
        let Some(session) = self.staff.session.clone() else { return };
        self.backend.run(Box::new(move |svc| {
            let now = Utc::now();
            let store = svc.desk.store_mut();
            let changed = if retry {
                store.retry_print_job(id, &session.id, now)
            } else {
                store.cancel_print_job(id, &session.id, now)
            };
            if retry && matches!(changed, Ok(true)) {
                let _ = svc.desk.print_due(&mut svc.printer, now);
            }
            let error = changed.err().map(|e| e.to_string());
            on_ui_thread(move || {
                system_event(|k| {
                    if let Some(e) = error {
                        k.desk.message = Some(e);
                    }
                    k.load_print_queue();
                })
            });
        }));
    }

    pub(in crate::ui) fn print_work_order(&mut self, ticket: String) {
        let done = Msg("派工单已送打印机", "派工單已送印表機", "Work order sent to the printer");
        self.print(DocumentKind::WorkOrder, Some(ticket), serde_json::Value::Null, false, done);
    }

    /// Queues a document as the signed-in person and prints what is due; says how it went.
    pub(in crate::ui) fn print(
        &mut self,
        kind: DocumentKind,
        ticket: Option<String>,
        params: serde_json::Value,
        reprint: bool,
        done: Msg,
    ) {
        let Some(session) = self.staff.session.clone() else { return };
        let lang = self.flow.lang;
        self.backend.run(Box::new(move |svc| {
            let now = Utc::now();
            let queued = svc.desk.queue_print(kind, ticket.as_deref(), params, reprint, &session.id, now);
            let said = match queued {
                Ok(_) => {
                    let _ = svc.desk.print_due(&mut svc.printer, now);
                    done.get(lang).to_string()
                }
                Err(e) => e.to_string(),
            };
            on_ui_thread(move || {
                system_event(|k| {
                    k.desk.message = Some(said);
                    if k.desk.tab == TAB_PAPER {
                        k.load_print_queue();
                    }
                })
            });
        }));
    }
}
