//! Turning what a resident or staff member entered into a valid `Intake` (SPEC §2).

use uuid::Uuid;

use super::callback::{default_rule, plan_for};
use super::category::Catalogue;
use super::intake::{
    Channel, ComplaintClass, Contact, Department, Intake, Kind, Lang, Place, Severity, Urgency,
};
use super::validate::{
    MAX_NAME_CHARS, MAX_SHORT_CHARS, MAX_TEXT_CHARS, Phone, ValidationError, clean_text, optional_line,
    required_text,
};

/// The owner of self-service cases (004): the kiosk receives them, the front desk owns them.
pub const FRONT_DESK: &str = "front-desk";
/// The owner of a hotline complaint HQ sends to an estate (000 4.2): the estate's head,
/// whoever holds that post at the kiosk (its estate manager) when the case arrives.
pub const ESTATE_HEAD: &str = "estate-head";

/// Raw input, as typed. Everything is checked by `validate`.
#[derive(Clone, Debug, Default)]
pub struct NewCase {
    pub kind: Option<Kind>,
    pub category: String,
    pub place: String,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub preferred_time: Option<String>,
    pub anonymous: bool,
    pub text: String,
    pub channel: Option<Channel>,
    pub urgency: Option<Urgency>,
    pub complaint_class: Option<ComplaintClass>,
    pub severity: Option<Severity>,
    pub department: Option<Department>,
    pub visit_window: Option<String>,
    /// The staff id filing it, or `None` for a resident at the kiosk.
    pub staff: Option<String>,
    /// The language of the resident's paper.
    pub lang: Lang,
    /// The resident wants no messages about the case (it still has a phone for callbacks).
    pub no_messages: bool,
}

/// What filing needs besides the input: decided by the store (ticket, id) and config.
pub struct FilingContext<'a> {
    pub catalogue: &'a Catalogue,
    pub estate: &'a str,
    pub case_id: Uuid,
    pub repair_sample_percent: u8,
}

impl NewCase {
    /// Checks everything; the ticket is filled in by the store once the case is accepted.
    pub fn validate(&self, ctx: &FilingContext) -> Result<Intake, ValidationError> {
        let invalid = |msg: String| Err(ValidationError::Invalid(msg));
        let code = self.category.trim();
        let Some(category) = ctx.catalogue.get(code) else {
            let allowed: Vec<&str> = ctx
                .catalogue
                .all()
                .iter()
                .filter(|c| self.kind.is_none_or(|k| k == c.kind))
                .map(|c| c.code.as_str())
                .collect();
            return Err(ValidationError::UnknownValue {
                what: "category",
                value: self.category.clone(),
                allowed: allowed.join(", "),
            });
        };
        let kind = category.kind;
        if let Some(given) = self.kind.filter(|k| *k != kind) {
            return invalid(format!(
                "category {code} is a {} category, not a {} one",
                kind.code(),
                given.code()
            ));
        }
        let channel =
            self.channel.unwrap_or(if self.staff.is_some() { Channel::WalkIn } else { Channel::Kiosk });
        if self.staff.is_none() && (category.staff_only || channel != Channel::Kiosk) {
            return invalid(format!(
                "category {code} and channel {} can only be filed by staff",
                channel.code()
            ));
        }

        let place = Place::parse(&self.place)?;
        let phone = self.phone.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let contact = match (self.anonymous, phone) {
            (true, Some(_)) => {
                return invalid("a case is either anonymous or has a phone number, not both".into());
            }
            (true, None) => {
                if self.name.as_deref().is_some_and(|n| !clean_text(n, false).is_empty()) {
                    return invalid("an anonymous case cannot carry a name".into());
                }
                None
            }
            (false, None) => {
                return invalid(
                    "a phone number is needed so that we can call back; choose anonymous to file without one (anonymous cases get no callback)".into(),
                );
            }
            (false, Some(phone)) => Some(Contact {
                name: optional_line(self.name.as_deref(), "the name", MAX_NAME_CHARS)?,
                phone: Phone::parse(phone)?,
                preferred_time: optional_line(
                    self.preferred_time.as_deref(),
                    "the preferred contact time",
                    MAX_SHORT_CHARS,
                )?,
                no_messages: self.no_messages,
            }),
        };

        // In an emergency nobody should have to type: the category says what it is.
        let text = if category.emergency && clean_text(&self.text, true).is_empty() {
            category.zh.clone()
        } else {
            required_text(&self.text, "the description", MAX_TEXT_CHARS)?
        };

        let urgency = match (kind, self.urgency) {
            (Kind::Repair, _) if category.emergency => Some(Urgency::Emergency),
            (Kind::Repair, given) => Some(given.unwrap_or(Urgency::Normal)),
            (_, Some(_)) => return invalid("urgency applies to repairs only".into()),
            (_, None) => None,
        };
        let (complaint_class, severity) = match kind {
            Kind::Complaint => (
                self.complaint_class.or(category.complaint_class).or(Some(ComplaintClass::Service)),
                Some(self.severity.unwrap_or(Severity::General)),
            ),
            _ if self.complaint_class.is_some() || self.severity.is_some() => {
                return invalid("complaint class and severity apply to complaints only".into());
            }
            _ => (None, None),
        };
        let visit_window =
            optional_line(self.visit_window.as_deref(), "the preferred visit window", MAX_SHORT_CHARS)?;
        if visit_window.is_some() && kind != Kind::Repair {
            return invalid("a visit window applies to repairs only".into());
        }
        let first_owner = match (&self.staff, channel) {
            (_, Channel::Kiosk) | (None, _) => FRONT_DESK.to_string(),
            (Some(staff), _) => clean_text(staff, false),
        };
        // Hand-over defects are every one called back within a day of the fix (002 第十条(8)).
        let defect_rule = category.defect.map(|_| super::intake::CallbackRule::HandoverDefect);
        let rule = category.callback.or(defect_rule).or(default_rule(kind));
        Ok(Intake {
            ticket: String::new(),
            estate: ctx.estate.to_string(),
            kind,
            category: category.code.clone(),
            callback: plan_for(ctx.case_id, rule, contact.is_none(), ctx.repair_sample_percent),
            place,
            contact,
            text,
            channel,
            urgency,
            complaint_class,
            severity,
            department: self.department.or(category.department),
            first_owner,
            visit_window,
            defect: category.defect,
            emergency: category.emergency,
            lang: self.lang,
            clock_unsynced: false,
            resident_key: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(cat: &Catalogue) -> FilingContext<'_> {
        FilingContext {
            catalogue: cat,
            estate: "翠湖花园",
            case_id: Uuid::now_v7(),
            repair_sample_percent: 30,
        }
    }

    fn repair() -> NewCase {
        NewCase {
            category: "water".into(),
            place: "3-2-1201".into(),
            phone: Some("13800138000".into()),
            text: "厨房水管漏水".into(),
            ..NewCase::default()
        }
    }

    #[test]
    fn a_resident_repair_at_the_kiosk_is_owned_by_the_front_desk() {
        let cat = Catalogue::default();
        let intake = repair().validate(&ctx(&cat)).unwrap();
        assert_eq!(intake.kind, Kind::Repair);
        assert_eq!(intake.channel, Channel::Kiosk);
        assert_eq!(intake.urgency, Some(Urgency::Normal));
        assert_eq!(intake.first_owner, FRONT_DESK);
        assert_eq!(intake.department, Some(Department::Engineering));
    }

    #[test]
    fn staff_filing_a_call_own_it_as_first_inquiry_owner() {
        let cat = Catalogue::default();
        let new = NewCase { staff: Some("wang".into()), channel: Some(Channel::Phone), ..repair() };
        assert_eq!(new.validate(&ctx(&cat)).unwrap().first_owner, "wang");
    }

    #[test]
    fn emergency_categories_are_filed_as_emergencies_even_without_text() {
        let cat = Catalogue::default();
        let new =
            NewCase { category: "flood".into(), text: "".into(), urgency: Some(Urgency::Normal), ..repair() };
        let intake = new.validate(&ctx(&cat)).unwrap();
        assert!(intake.emergency);
        assert_eq!(intake.urgency, Some(Urgency::Emergency));
        assert_eq!(intake.text, "水浸/爆管");
    }

    #[test]
    fn anonymous_means_no_phone_no_name_and_no_callback() {
        let cat = Catalogue::default();
        let anon = NewCase { anonymous: true, phone: None, category: "noise".into(), ..repair() };
        let intake = anon.validate(&ctx(&cat)).unwrap();
        assert!(intake.is_anonymous());
        assert_eq!(intake.callback, None);
        let both = NewCase { anonymous: true, ..repair() };
        assert!(both.validate(&ctx(&cat)).is_err());
        let neither = NewCase { phone: None, ..repair() };
        let err = neither.validate(&ctx(&cat)).unwrap_err().to_string();
        assert!(err.contains("choose anonymous"), "{err}");
    }

    #[test]
    fn complaints_get_a_class_and_severity_and_repairs_do_not() {
        let cat = Catalogue::default();
        let quality = NewCase { category: "quality".into(), ..repair() };
        let intake = quality.validate(&ctx(&cat)).unwrap();
        assert_eq!(intake.complaint_class, Some(ComplaintClass::Developer));
        assert_eq!(intake.severity, Some(Severity::General));
        let wrong = NewCase { severity: Some(Severity::Major), ..repair() };
        assert!(wrong.validate(&ctx(&cat)).is_err());
    }

    #[test]
    fn residents_cannot_file_staff_only_categories_or_pose_as_a_phone_call() {
        let cat = Catalogue::default();
        let works = NewCase { category: "works".into(), ..repair() };
        assert!(works.validate(&ctx(&cat)).is_err());
        let phone = NewCase { channel: Some(Channel::Phone), ..repair() };
        assert!(phone.validate(&ctx(&cat)).is_err());
    }

    #[test]
    fn unknown_categories_list_the_ones_that_exist() {
        let cat = Catalogue::default();
        let err = NewCase { category: "plumbing".into(), kind: Some(Kind::Repair), ..repair() }
            .validate(&ctx(&cat))
            .unwrap_err()
            .to_string();
        assert!(err.contains("water") && !err.contains("noise"), "{err}");
    }
}
