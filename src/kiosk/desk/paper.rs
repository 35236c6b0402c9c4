//! 打印: the printer's state and its queue, in words for the desk.

use super::*;

/// A job in the print queue as the desk shows it, with what may be done about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintRow {
    pub id: i64,
    /// The document, and its case's ticket.
    pub title: String,
    /// Its state, when, and the last problem.
    pub note: String,
    pub can_retry: bool,
    pub can_cancel: bool,
}

fn document_name(kind: crate::store::DocumentKind, lang: Lang) -> &'static str {
    use crate::store::DocumentKind as D;
    match kind {
        D::Ticket => Msg("受理单", "受理單", "Ticket"),
        D::WorkOrder => Msg("派工单", "派工單", "Work order"),
        D::DailyReport => Msg("日报", "日報", "Daily report"),
        D::MonthlySummary => Msg("月度汇总", "月度匯總", "Monthly summary"),
        D::Test => Msg("测试页", "測試頁", "Test page"),
        D::Escalation => Msg("书面上报", "書面上報", "Escalation"),
        D::Reply => Msg("书面回复", "書面回覆", "Written reply"),
        D::DeveloperRecord => Msg("开发商协商记录", "開發商協商記錄", "Developer record"),
    }
    .get(lang)
}

fn job_state_name(state: crate::store::JobState, lang: Lang) -> &'static str {
    use crate::store::JobState as J;
    match state {
        J::Queued => Msg("排队中", "排隊中", "queued"),
        J::Printing => Msg("正在打印", "正在列印", "printing"),
        J::Printed => Msg("已打印", "已列印", "printed"),
        J::Sent => Msg("已发送", "已傳送", "sent"),
        J::Uncertain => Msg("是否打出不明", "是否印出不明", "may not have printed"),
        J::Failed => Msg("未打印", "未列印", "not printed"),
        J::Held => Msg("暂留，待前台补打", "暫留，待前台補印", "held for the desk"),
    }
    .get(lang)
}

/// What the printer says, in words for the desk.
pub fn printer_status_name(status: crate::printer::status::PrinterStatus, lang: Lang) -> &'static str {
    use crate::printer::status::PrinterStatus as P;
    match status {
        P::Ready => Msg("打印机正常", "印表機正常", "Printer ready"),
        P::PaperLow => Msg("纸快用完了", "紙快用完了", "Paper low"),
        P::PaperOut => Msg("缺纸", "缺紙", "Out of paper"),
        P::CoverOpen => Msg("纸仓盖未关", "紙倉蓋未關", "Cover open"),
        P::Offline => Msg("打印机离线", "印表機離線", "Printer offline"),
        P::Error => Msg("打印机故障", "印表機故障", "Printer error"),
        P::Unknown => Msg("打印机状态未知", "印表機狀態未知", "Printer status unknown"),
    }
    .get(lang)
}

/// The latest `limit` print jobs, newest first.
pub fn print_queue(desk: &Desk, lang: Lang, limit: usize) -> Result<Vec<PrintRow>, String> {
    use crate::store::JobState as J;
    let tz = desk.settings.calendar.tz;
    let jobs = desk.store().print_jobs(limit).map_err(|e| e.to_string())?;
    Ok(jobs
        .into_iter()
        .map(|job| {
            let ticket = job
                .case_id
                .and_then(|id| desk.store().case_by_id(id).ok())
                .map(|r| format!(" {}", r.case.ticket()))
                .unwrap_or_default();
            let problem = job.last_error.as_deref().map(|e| format!(" · {e}")).unwrap_or_default();
            PrintRow {
                id: job.id,
                title: format!("{}{ticket}", document_name(job.document, lang)),
                note: format!("{} · {}{problem}", job_state_name(job.state, lang), local(tz, job.created_at)),
                can_retry: matches!(job.state, J::Held | J::Failed | J::Uncertain),
                can_cancel: matches!(job.state, J::Queued | J::Held),
            }
        })
        .collect())
}
