//! 查找's lists: filters, pages and search.

use super::*;

/// The 查找 tab's filters. Each narrows the list; none set lists every case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub status: StatusGroup,
    pub kind: Option<crate::domain::intake::Kind>,
    pub department: Option<crate::domain::intake::Department>,
    pub overdue: bool,
    pub callbacks_due: bool,
    /// Cases the signed-in person follows as first-inquiry owner (004).
    pub mine: bool,
    /// A technician's name, as cases are assigned.
    pub technician: Option<String>,
}

/// Statuses as the desk groups them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusGroup {
    #[default]
    All,
    /// Not closed.
    Open,
    /// Still being worked: received up to in progress, or reopened.
    Working,
    /// Resolved, called back, or a suggestion decided: waiting to be closed.
    Done,
    Closed,
}

impl StatusGroup {
    pub const ALL: [StatusGroup; 5] =
        [StatusGroup::All, StatusGroup::Open, StatusGroup::Working, StatusGroup::Done, StatusGroup::Closed];

    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            StatusGroup::All => Msg("全部", "全部", "All"),
            StatusGroup::Open => Msg("未结", "未結", "Open"),
            StatusGroup::Working => Msg("处理中", "處理中", "Working"),
            StatusGroup::Done => Msg("待结案", "待結案", "To close"),
            StatusGroup::Closed => Msg("已结案", "已結案", "Closed"),
        }
        .get(lang)
    }

    pub(super) fn statuses(self) -> Vec<crate::domain::case::Status> {
        use crate::domain::case::Status;
        Status::ALL
            .into_iter()
            .filter(|s| match self {
                StatusGroup::All => true,
                StatusGroup::Open => s.is_open(),
                StatusGroup::Working => matches!(
                    s,
                    Status::Received
                        | Status::Acknowledged
                        | Status::Assigned
                        | Status::InProgress
                        | Status::Reopened
                ),
                StatusGroup::Done => {
                    matches!(s, Status::Resolved | Status::CallbackDone | Status::Adopted | Status::Declined)
                }
                StatusGroup::Closed => *s == Status::Closed,
            })
            .collect()
    }
}

/// One page of a desk list, and where the next one starts.
#[derive(Clone, Debug, Default)]
pub struct ListPage {
    pub rows: Vec<DeskRow>,
    pub next: Option<crate::store::PageMark>,
}

/// A page of the cases `filter` selects, whose ticket, place, description or contact
/// contain `words` (when given: a ticket's digits, a phone's last digits, a place, words),
/// newest first, after `after`. The store narrows by indexed columns and the search index,
/// "overdue" too (the read model keeps when each case turns overdue).
#[allow(clippy::too_many_arguments)]
pub fn list(
    desk: &Desk,
    session: &StaffSession,
    filter: &ListFilter,
    words: &str,
    after: Option<&crate::store::PageMark>,
    lang: Lang,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<ListPage, String> {
    let statuses = filter.status.statuses();
    let query = crate::store::CaseQuery {
        statuses: if statuses.len() == crate::domain::case::Status::ALL.len() {
            Vec::new()
        } else {
            statuses
        },
        kind: filter.kind,
        department: filter.department,
        assignee: filter.technician.clone(),
        owners: if !filter.mine {
            Vec::new()
        } else if session.role == crate::domain::roles::Role::EstateManager {
            // The estate head's hotline complaints are the estate manager's to follow.
            vec![session.id.clone(), crate::domain::filing::ESTATE_HEAD.to_string()]
        } else {
            vec![session.id.clone()]
        },
        callback_by: filter.callbacks_due.then_some(now),
        overdue_at: filter.overdue.then_some(now),
        escalated_at: None,
        words: Some(words.trim().to_string()).filter(|w| !w.is_empty()),
        estate: None,
    };
    let cal = &desk.settings.calendar;
    let tz = cal.tz;
    let mut page = ListPage::default();
    let cases = desk.store().list_cases(&query, after, limit).map_err(|e| e.to_string())?;
    let full = cases.len() == limit;
    for (case, at) in cases {
        let overdue = crate::domain::clocks::is_overdue(&case, cal, now);
        let line = CaseLine::of(&case);
        let note = match next_callback(&case).filter(|_| filter.callbacks_due) {
            Some(due) => format!(
                "{} {} · {}",
                Msg("待回访", "待回訪", "callback due").get(lang),
                local(tz, due.due),
                due.owner.name(lang)
            ),
            None => format!("{}{}", Msg("受理 ", "受理 ", "filed ").get(lang), local(tz, case.filed_at)),
        };
        page.rows.push(row(desk, &line, note, overdue, lang));
        page.next = Some(at);
    }
    if !full {
        page.next = None;
    }
    Ok(page)
}
