//! What a case records when it is filed (SPEC §2, §3): the vocabulary every other part uses.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::validate::{Phone, ValidationError};

/// Declares a closed vocabulary with a stable code (CLI, JSON, SQL), a Chinese and an
/// English name, so that every enum parses and prints the same way.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $code:literal, $zh:literal, $tw:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn zh(self) -> &'static str { match self { $($name::$variant => $zh),+ } }
            pub fn zh_tw(self) -> &'static str { match self { $($name::$variant => $tw),+ } }
            pub fn en(self) -> &'static str { match self { $($name::$variant => $en),+ } }
            pub fn name(self, lang: Lang) -> &'static str {
                match lang {
                    Lang::ZhCn => self.zh(),
                    Lang::ZhTw => self.zh_tw(),
                    Lang::En => self.en(),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.code()) }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code().eq_ignore_ascii_case(wanted) || v.zh() == wanted)
                    .ok_or_else(|| ValidationError::UnknownValue {
                        what: $what,
                        value: s.to_string(),
                        allowed: $name::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// SPEC §2: residents file complaints, repairs and suggestions; staff may also record
    /// inquiries and praise.
    Kind, "kind" {
        Complaint => "complaint", "投诉", "投訴", "Complaint";
        Repair => "repair", "报修", "報修", "Repair";
        Suggestion => "suggestion", "建议", "建議", "Suggestion";
        Inquiry => "inquiry", "咨询", "諮詢", "Inquiry";
        Praise => "praise", "表扬", "表揚", "Praise";
    }
);

vocabulary!(
    /// How the case reached us (003 flowchart: 来电/来访/网络/书面, plus the kiosk itself).
    Channel, "channel" {
        Kiosk => "kiosk", "自助终端", "自助終端", "Kiosk";
        Phone => "phone", "来电", "來電", "Phone";
        WalkIn => "walk-in", "来访", "來訪", "Walk-in";
        Letter => "letter", "书面", "書面", "Letter";
        Hotline => "hotline", "热线", "熱線", "Hotline";
        Online => "online", "网络", "網絡", "Online";
    }
);

vocabulary!(
    /// Repair urgency and its promise (003 service commitments 16–18).
    Urgency, "urgency" {
        Emergency => "emergency", "紧急", "緊急", "Emergency";
        Urgent => "urgent", "急修", "急修", "Urgent";
        Normal => "normal", "一般", "一般", "Normal";
    }
);

vocabulary!(
    /// Complaint class (002 第十五条).
    ComplaintClass, "complaint class" {
        Service => "1", "物业服务不到位", "物業服務不到位", "Property service not delivered";
        Developer => "2", "开发商及房屋质量", "開發商及房屋質量", "Developer / construction quality";
        External => "3", "外部环境/非管辖区", "外部環境/非管轄區", "External / outside our jurisdiction";
    }
);

vocabulary!(
    /// Complaint severity (003 §3.1.1).
    Severity, "severity" {
        General => "general", "一般", "一般", "General";
        Important => "important", "重要", "重要", "Important";
        Major => "major", "重大", "重大", "Major";
    }
);

vocabulary!(
    /// Responsible departments (003 flowchart).
    Department, "department" {
        Engineering => "engineering", "工程部", "工程部", "Engineering";
        Security => "security", "保安部", "保安部", "Security";
        CustomerService => "customer-service", "客服部", "客服部", "Customer service";
        CleaningGreening => "cleaning-greening", "清洁绿化部", "清潔綠化部", "Cleaning & greening";
    }
);

/// The language a resident chose at the kiosk; their paper is printed in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::ZhCn, Lang::ZhTw, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::ZhTw => "zh-TW",
            Lang::En => "en",
        }
    }
}

impl FromStr for Lang {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::ALL.into_iter().find(|l| l.code().eq_ignore_ascii_case(s.trim())).ok_or_else(|| {
            ValidationError::UnknownValue {
                what: "language",
                value: s.to_string(),
                allowed: "zh-CN, zh-TW, en".into(),
            }
        })
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where the matter is: a home (building-unit-room, unit optional) or a named public area.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Place {
    Home { building: String, unit: Option<String>, room: String },
    PublicArea { name: String },
}

impl Place {
    /// The place as a reader of `lang` sees it on paper or screen.
    pub fn label(&self, lang: Lang) -> String {
        match (self, lang) {
            (Place::PublicArea { name }, Lang::ZhTw) => format!("公共區域：{name}"),
            (Place::PublicArea { name }, Lang::En) => format!("Public area: {name}"),
            (Place::PublicArea { name }, Lang::ZhCn) => format!("公共区域：{name}"),
            // As people say them: 3栋2单元1201室.
            (Place::Home { building, unit, room }, Lang::ZhCn) => {
                let unit = unit.as_ref().map(|u| format!("{u}单元")).unwrap_or_default();
                format!("{building}栋{unit}{room}室")
            }
            (Place::Home { building, unit, room }, Lang::ZhTw) => {
                let unit = unit.as_ref().map(|u| format!("{u}單元")).unwrap_or_default();
                format!("{building}棟{unit}{room}室")
            }
            (Place::Home { building, unit, room }, Lang::En) => {
                let unit = unit.as_ref().map(|u| format!(", unit {u}")).unwrap_or_default();
                format!("Building {building}{unit}, room {room}")
            }
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Home { building, unit: Some(unit), room } => write!(f, "{building}-{unit}-{room}"),
            Place::Home { building, unit: None, room } => write!(f, "{building}-{room}"),
            Place::PublicArea { name } => write!(f, "公共区域:{name}"),
        }
    }
}

/// Who to call back. `None` on a case means the resident chose to stay anonymous.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Phone,
    pub preferred_time: Option<String>,
    /// The resident asked at filing not to be sent messages about the case (issue 16).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_messages: bool,
}

/// Which callback rule applies to a case (SPEC §5), decided from its category at filing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CallbackRule {
    /// Every complaint, within 3 days after resolution.
    Complaint,
    /// A 30% sample of resident repairs, within 3 days after completion.
    ResidentRepair,
    /// Maintenance works, between 1 and 2 months after completion.
    MaintenanceWorks,
    /// Emergency aid (急救), every case, within 1 week.
    EmergencyAid,
    /// Hand-over defects, every one, within 24 hours of the fix (002 第十条(8)).
    HandoverDefect,
}

/// Hand-over defects have their own clock (002 第十条(7)): small ones fixed the same day,
/// larger ones within a week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DefectSize {
    Small,
    Large,
}

/// Everything recorded at filing. Immutable afterwards: later facts are events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Intake {
    pub ticket: String,
    pub estate: String,
    pub kind: Kind,
    pub category: String,
    pub place: Place,
    pub contact: Option<Contact>,
    pub text: String,
    pub channel: Channel,
    pub urgency: Option<Urgency>,
    pub complaint_class: Option<ComplaintClass>,
    pub severity: Option<Severity>,
    pub department: Option<Department>,
    /// 首问责任人 (004): the staff member who first took the case, or the kiosk.
    pub first_owner: String,
    pub visit_window: Option<String>,
    /// Callback rule and whether this case is in the callback set, fixed at filing so that
    /// every machine folding the case agrees without sharing configuration.
    pub callback: Option<CallbackPlan>,
    pub defect: Option<DefectSize>,
    pub emergency: bool,
    /// Cases filed before languages were recorded read as zh-CN.
    #[serde(default)]
    pub lang: Lang,
    /// The kiosk's clock looked wrong when this was filed (behind events it had already
    /// seen, or before 2025: a Pi without a battery clock): printed times say so.
    #[serde(default)]
    pub clock_unsynced: bool,
    /// The secret in the ticket's QR link that opens the case on the resident's phone
    /// (`resident::KEY_CHARS` hex digits); cases filed before phone pages have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident_key: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CallbackPlan {
    pub rule: CallbackRule,
    pub required: bool,
}

impl Intake {
    pub fn is_anonymous(&self) -> bool {
        self.contact.is_none()
    }
}
