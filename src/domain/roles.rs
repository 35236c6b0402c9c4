//! Who may do what to a case (SPEC §8 "staff roles limit what each may do"; 001 for who
//! calls back). Pure rules: the app looks the actor up in the configured staff and asks
//! here before it writes an event.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::callback::{CallbackOwner, owner};
use super::case::Case;
use super::event::EventBody;
use super::filing::{ESTATE_HEAD, FRONT_DESK};
use super::intake::{Channel, Department, Lang, vocabulary};
use super::validate::ValidationError;

vocabulary!(
    /// A staff member's job, as the seeds name them.
    Role, "role" {
        FrontDesk => "front-desk", "客服前台", "客服前台", "front desk (customer-service staff)";
        Technician => "technician", "维修员", "維修員", "technician";
        DepartmentSupervisor => "department-supervisor", "部门主管", "部門主管", "department supervisor";
        ServiceSupervisor => "service-supervisor", "服务中心主管", "服務中心主管", "service-centre supervisor";
        CustomerServiceDirector => "cs-director", "客服总监", "客服總監", "customer-service director";
        EstateManager => "estate-manager", "管理处经理", "管理處經理", "estate manager";
        Hotline => "hotline", "热线专员", "熱線專員", "GM hotline specialist";
        QualityOffice => "quality-office", "全质办", "全質辦", "quality office";
    }
);

/// The acting person as the rules need them.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    pub id: &'a str,
    pub role: Role,
    /// Department supervisors: which department.
    pub department: Option<Department>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{who} ({role}) may not {what}: {why}")]
pub struct Refused {
    pub who: String,
    pub role: String,
    pub what: String,
    pub why: String,
}

impl Role {
    /// Supervisors review callbacks (001 11.1.8) and decide suggestions.
    fn supervises(self) -> bool {
        matches!(self, Role::ServiceSupervisor | Role::CustomerServiceDirector | Role::EstateManager)
    }
    fn at_hq(self) -> bool {
        matches!(self, Role::Hotline | Role::QualityOffice)
    }
}

/// Says whether `actor` may write `body` on `case`, and if not, who may.
pub fn may(actor: Actor, body: &EventBody, case: &Case) -> Result<(), Refused> {
    use Role::*;
    let role = actor.role;
    let refuse = |why: String| {
        Err(Refused {
            who: actor.id.to_string(),
            role: format!("{} {}", role.zh(), role.code()),
            what: what(body),
            why,
        })
    };
    if role == Technician
        && !matches!(
            body,
            EventBody::OnSite { .. }
                | EventBody::Acknowledged { .. }
                | EventBody::ProgressNote { .. }
                | EventBody::PlanSet { .. }
                | EventBody::Resolved { .. }
                | EventBody::Paused { .. }
                | EventBody::Resumed { .. }
                | EventBody::FeeQuoted { .. }
        )
    {
        return refuse(
            "technicians record arrival, notes, plans, fee quotes, pauses and the fix; the desk does the rest"
                .into(),
        );
    }
    match body {
        EventBody::OnSite { .. } if role.at_hq() => {
            refuse("arrival on site is recorded at the estate".into())
        }
        EventBody::FeeQuoted { .. } if role.at_hq() => {
            refuse("a fee is quoted and agreed with the resident at the estate".into())
        }
        EventBody::CallbackRecorded { record } => {
            if record.method.is_residents_own() {
                return refuse("a kiosk or phone rating is the resident's own; staff record a callback by phone, in person or in writing".into());
            }
            if case.duplicate_of.is_some() {
                // Telling a reporter of a linked matter the outcome (001 11.1.12).
                return if role == Technician {
                    refuse("the desk tells reporters the outcome".into())
                } else {
                    Ok(())
                };
            }
            // 000 4.6.2: the hotline specialist calls hotline residents back too.
            if role == Hotline && case.intake.channel == Channel::Hotline {
                return Ok(());
            }
            let owner = owner(case);
            let allowed = match owner {
                CallbackOwner::EstateManager => role == EstateManager,
                CallbackOwner::CustomerServiceDirector => {
                    matches!(role, CustomerServiceDirector | EstateManager)
                }
                // 篇2 三(3)b: the department's supervisor *with* the service centre's staff,
                // so either records it (the other is named in the record's notes).
                CallbackOwner::DepartmentSupervisor { department } => {
                    matches!(role, FrontDesk | ServiceSupervisor | CustomerServiceDirector | EstateManager)
                        || (role == DepartmentSupervisor
                            && (department.is_none() || actor.department == department))
                }
                CallbackOwner::CustomerServiceStaff => !role.at_hq(),
            };
            if allowed {
                Ok(())
            } else {
                refuse(format!("this callback is the {}'s ({}) (001)", owner.name(Lang::En), owner.zh()))
            }
        }
        EventBody::CallbackReviewed { round, .. } => {
            if !(role.supervises() || role == QualityOffice) {
                return refuse(
                    "callback records are reviewed by a supervisor (物业部主任/服务中心主管, 001 11.1.8)"
                        .into(),
                );
            }
            let caller = case.callbacks.get((*round as usize).saturating_sub(1)).map(|c| c.by.as_str());
            if caller == Some(actor.id) {
                return refuse("nobody reviews their own callback".into());
            }
            Ok(())
        }
        EventBody::Closed { .. } if !(role.supervises() || role.at_hq()) => {
            refuse("a supervisor or the estate manager closes a case (结案)".into())
        }
        EventBody::SuggestionDecided { .. } if !(role.supervises() || role == QualityOffice) => {
            refuse("a supervisor decides whether a suggestion is adopted".into())
        }
        EventBody::OwnerHandedOver { .. } => {
            let owns = case.owner == actor.id
                || (case.owner == FRONT_DESK && role == FrontDesk)
                || (case.owner == ESTATE_HEAD && role == EstateManager);
            if owns || role.supervises() {
                Ok(())
            } else {
                refuse(format!("only the owner ({}) or a supervisor hands a case over (004)", case.owner))
            }
        }
        _ => Ok(()),
    }
}

fn what(body: &EventBody) -> String {
    match body {
        EventBody::CallbackRecorded { .. } => "record this callback".into(),
        EventBody::CallbackReviewed { .. } => "review this callback".into(),
        EventBody::OwnerHandedOver { .. } => "hand this case over".into(),
        EventBody::SuggestionDecided { .. } => "decide a suggestion".into(),
        other => format!("record {}", other.name()),
    }
}
