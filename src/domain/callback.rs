//! Callbacks (回访, SPEC §5): which cases get one, when, and who makes it.

use chrono::{DateTime, Duration, Months, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::case::{Case, Status};
use super::intake::{CallbackPlan, CallbackRule, Department, Kind, Lang, Severity};

/// 30% of resident repairs are called back (001 篇2, 002 第十八条).
pub const REPAIR_SAMPLE_PERCENT: u8 = 30;

/// A fair, reproducible sample: the same case id gives the same answer on every machine,
/// and ids spread evenly over 0..100. UUIDv7 ids start with a timestamp, so the whole id
/// is mixed (SplitMix64's finaliser) rather than taking its low bits.
pub fn in_sample(case_id: Uuid, percent: u8) -> bool {
    let v = case_id.as_u128();
    let mut x = (v as u64) ^ ((v >> 64) as u64).rotate_left(32) ^ 0x9E37_79B9_7F4A_7C15;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    x % 100 < u64::from(percent.min(100))
}

/// The plan fixed at filing: anonymous cases never get one (001 11.1.13).
pub fn plan_for(
    case_id: Uuid,
    rule: Option<CallbackRule>,
    anonymous: bool,
    repair_percent: u8,
) -> Option<CallbackPlan> {
    if anonymous {
        return None;
    }
    let rule = rule?;
    let required = match rule {
        CallbackRule::Complaint | CallbackRule::EmergencyAid | CallbackRule::HandoverDefect => true,
        CallbackRule::ResidentRepair | CallbackRule::MaintenanceWorks => in_sample(case_id, repair_percent),
    };
    Some(CallbackPlan { rule, required })
}

/// The rule a kind of case follows unless its category says otherwise.
pub fn default_rule(kind: Kind) -> Option<CallbackRule> {
    match kind {
        Kind::Complaint => Some(CallbackRule::Complaint),
        Kind::Repair => Some(CallbackRule::ResidentRepair),
        Kind::Suggestion | Kind::Inquiry | Kind::Praise => None,
    }
}

/// Who must make the callback (001; 002 第十八条).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "kebab-case")]
pub enum CallbackOwner {
    /// Major complaints: the estate manager (管理处经理).
    EstateManager,
    /// Important complaints: the customer-service director.
    CustomerServiceDirector,
    /// General complaints: the complained-about department's supervisor together with
    /// customer-service staff.
    DepartmentSupervisor { department: Option<Department> },
    /// Repairs, works, emergency aid: the customer-service duty staff.
    CustomerServiceStaff,
}

impl CallbackOwner {
    pub fn zh(self) -> String {
        self.name(Lang::ZhCn)
    }

    pub fn name(self, lang: Lang) -> String {
        let (manager, director, staff) = match lang {
            Lang::ZhCn => ("管理处经理", "客服总监", "客服中心值班员"),
            Lang::ZhTw => ("管理處經理", "客服總監", "客服中心值班員"),
            Lang::En => ("estate manager", "customer-service director", "customer-service duty staff"),
        };
        match self {
            CallbackOwner::EstateManager => manager.into(),
            CallbackOwner::CustomerServiceDirector => director.into(),
            CallbackOwner::DepartmentSupervisor { department } => match lang {
                Lang::ZhCn => {
                    format!("{}主管会同客服中心", department.map(|d| d.zh()).unwrap_or("被投诉部门"))
                }
                Lang::ZhTw => {
                    format!("{}主管會同客服中心", department.map(|d| d.zh_tw()).unwrap_or("被投訴部門"))
                }
                Lang::En => format!(
                    "{} supervisor with customer service",
                    department.map(|d| d.en()).unwrap_or("the complained-about department's")
                ),
            },
            CallbackOwner::CustomerServiceStaff => staff.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackDue {
    pub opens: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub owner: CallbackOwner,
    /// 2 for the second callback after an unsatisfied one, and so on.
    pub round: usize,
}

/// When the next callback of `case` is owed, if one is. The window runs from the latest
/// resolution: complaints and resident repairs within 3 days, emergency aid within a week,
/// maintenance works between one and two months after (001 篇2). After an unsatisfied
/// callback the case is worked again; once resolved again the next callback is due by the
/// date staff set, else by the rule's window.
pub fn next_callback(case: &Case) -> Option<CallbackDue> {
    if !case.callback_required() || case.duplicate_of.is_some() {
        return None;
    }
    let round = case.callbacks.len() + 1;
    // Not satisfied and not fixed yet: the progress callback (阶段性回访) is due on the date
    // agreed with the resident (001 11.1.9, 11.2.3), whether or not the fix is done.
    if case.status == Status::Reopened {
        let due = case.next_callback_at?;
        let opens = case.reopened_at.unwrap_or(due).min(due);
        return Some(CallbackDue { opens, due, owner: owner(case), round });
    }
    if case.status != Status::Resolved {
        return None;
    }
    let plan = case.intake.callback?;
    let resolved = case.resolved_at?;
    let (opens, rule_due) = match plan.rule {
        CallbackRule::Complaint | CallbackRule::ResidentRepair => (resolved, resolved + Duration::days(3)),
        CallbackRule::EmergencyAid => (resolved, resolved + Duration::days(7)),
        // 002 第十条(8): 问题处理完毕，须在24小时内做好回访.
        CallbackRule::HandoverDefect => (resolved, resolved + Duration::hours(24)),
        CallbackRule::MaintenanceWorks => {
            (resolved.checked_add_months(Months::new(1))?, resolved.checked_add_months(Months::new(2))?)
        }
    };
    let due = match case.next_callback_at {
        Some(next) if next > resolved => next,
        _ => rule_due,
    };
    Some(CallbackDue { opens: opens.min(due), due, owner: owner(case), round })
}

pub fn owner(case: &Case) -> CallbackOwner {
    if case.kind() != Kind::Complaint {
        return CallbackOwner::CustomerServiceStaff;
    }
    match case.severity.unwrap_or(Severity::General) {
        Severity::Major => CallbackOwner::EstateManager,
        Severity::Important => CallbackOwner::CustomerServiceDirector,
        Severity::General => CallbackOwner::DepartmentSupervisor { department: case.department },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repair_sample_is_reproducible_for_the_same_case() {
        // A fixed id must keep its answer forever: every machine, every version.
        let id = Uuid::parse_str("019ab2c4-5e6f-7a00-8b1c-2d3e4f506172").unwrap();
        let first = in_sample(id, 30);
        for _ in 0..10 {
            assert_eq!(in_sample(id, 30), first);
        }
        assert!(!in_sample(id, 0));
        assert!(in_sample(id, 100));
    }

    #[test]
    fn the_repair_sample_is_close_to_thirty_percent_for_time_ordered_ids() {
        // v7 ids made in one burst share their leading bits; the sample must still be fair.
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, 1_790_000_000, 0);
        let picked = (0..20_000).filter(|_| in_sample(Uuid::new_v7(ts), REPAIR_SAMPLE_PERCENT)).count();
        let share = picked as f64 / 20_000.0;
        assert!((0.28..=0.32).contains(&share), "share was {share}");
    }

    #[test]
    fn the_sample_is_nested_so_raising_the_percentage_only_adds_cases() {
        for _ in 0..1_000 {
            let id = Uuid::now_v7();
            if in_sample(id, 30) {
                assert!(in_sample(id, 31));
            }
        }
    }

    #[test]
    fn anonymous_cases_get_no_callback_plan() {
        let id = Uuid::now_v7();
        assert_eq!(plan_for(id, Some(CallbackRule::Complaint), true, 30), None);
        assert_eq!(
            plan_for(id, Some(CallbackRule::Complaint), false, 30),
            Some(CallbackPlan { rule: CallbackRule::Complaint, required: true })
        );
        assert_eq!(plan_for(id, None, false, 30), None);
    }

    #[test]
    fn every_complaint_and_every_emergency_aid_case_is_called_back() {
        for _ in 0..200 {
            let id = Uuid::now_v7();
            assert!(plan_for(id, Some(CallbackRule::Complaint), false, 30).unwrap().required);
            assert!(plan_for(id, Some(CallbackRule::EmergencyAid), false, 30).unwrap().required);
        }
    }
}
