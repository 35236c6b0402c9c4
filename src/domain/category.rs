//! Categories (SPEC §2, §3): what residents pick on screen and staff type on the CLI.
//! The catalogue is configuration; these defaults follow the seeds' wording.

use serde::{Deserialize, Serialize};

use super::intake::{CallbackRule, ComplaintClass, DefectSize, Department, Kind, Lang};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub kind: Kind,
    pub zh: String,
    #[serde(default)]
    pub zh_tw: Option<String>,
    pub en: String,
    /// Water leak, power cut, trapped in a lift, gas, fire: the kiosk shows the emergency
    /// number at once and the case is filed as an emergency (SPEC §2).
    #[serde(default)]
    pub emergency: bool,
    /// Only staff may file it (e.g. maintenance works, hand-over defects).
    #[serde(default)]
    pub staff_only: bool,
    #[serde(default)]
    pub department: Option<Department>,
    #[serde(default)]
    pub complaint_class: Option<ComplaintClass>,
    /// Overrides the kind's callback rule (e.g. maintenance works, emergency aid).
    #[serde(default)]
    pub callback: Option<CallbackRule>,
    #[serde(default)]
    pub defect: Option<DefectSize>,
}

impl Category {
    pub fn name_zh_tw(&self) -> &str {
        self.zh_tw.as_deref().unwrap_or(&self.zh)
    }

    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn => &self.zh,
            Lang::ZhTw => self.name_zh_tw(),
            Lang::En => &self.en,
        }
    }
}

/// The default catalogue. Codes are stable: they are stored in cases and sent to HQ.
pub fn default_categories() -> Vec<Category> {
    use CallbackRule as Cb;
    use Department::*;
    use Kind::*;
    let c = |code: &str, kind, zh: &str, zh_tw: &str, en: &str, dept| Category {
        code: code.into(),
        kind,
        zh: zh.into(),
        zh_tw: Some(zh_tw.into()),
        en: en.into(),
        emergency: false,
        staff_only: false,
        department: Some(dept),
        complaint_class: None,
        callback: None,
        defect: None,
    };
    let emergency = |cat: Category| Category { emergency: true, ..cat };
    let staff = |cat: Category| Category { staff_only: true, ..cat };
    vec![
        // Repairs (报修).
        c("water", Repair, "给排水", "給排水", "Water & plumbing", Engineering),
        c("electric", Repair, "电路电器", "電路電器", "Electrical", Engineering),
        c("door-lock", Repair, "门窗门锁", "門窗門鎖", "Doors & locks", Engineering),
        c("elevator", Repair, "电梯", "電梯", "Elevator", Engineering),
        c("public-facility", Repair, "公共设施", "公共設施", "Public facilities", Engineering),
        c("leak", Repair, "渗漏水", "滲漏水", "Leakage", Engineering),
        c("repair-other", Repair, "其他报修", "其他報修", "Other repair", Engineering),
        // Emergencies (002 (七), 003 紧急事件): stabilise first, report at once.
        emergency(c("flood", Repair, "水浸/爆管", "水浸/爆管", "Flooding / burst pipe", Engineering)),
        emergency(c("power-cut", Repair, "停电", "停電", "Power cut", Engineering)),
        emergency(c("elevator-trapped", Repair, "电梯困人", "電梯困人", "Trapped in elevator", Engineering)),
        emergency(c("gas", Repair, "燃气异味", "燃氣異味", "Gas smell", Security)),
        emergency(c("fire", Repair, "火警/烟雾", "火警/煙霧", "Fire / smoke", Security)),
        // Staff-only repair work with their own clocks and callback rules.
        staff(Category {
            callback: Some(Cb::MaintenanceWorks),
            ..c("works", Repair, "维修工程", "維修工程", "Maintenance works", Engineering)
        }),
        staff(Category {
            defect: Some(DefectSize::Small),
            ..c("handover-small", Repair, "交房小缺陷", "交房小缺陷", "Hand-over defect (small)", Engineering)
        }),
        staff(Category {
            defect: Some(DefectSize::Large),
            ..c(
                "handover-large",
                Repair,
                "交房较大缺陷",
                "交房較大缺陷",
                "Hand-over defect (larger)",
                Engineering,
            )
        }),
        // Complaints (投诉).
        c("attitude", Complaint, "服务态度", "服務態度", "Service attitude", CustomerService),
        c("cleaning", Complaint, "清洁卫生", "清潔衛生", "Cleaning", CleaningGreening),
        c("security", Complaint, "安全秩序", "安全秩序", "Security", Security),
        c("noise", Complaint, "噪音扰民", "噪音擾民", "Noise", Security),
        c("parking", Complaint, "停车管理", "停車管理", "Parking", Security),
        c("greening", Complaint, "绿化养护", "綠化養護", "Greening", CleaningGreening),
        c("fees", Complaint, "收费问题", "收費問題", "Fees", CustomerService),
        Category {
            complaint_class: Some(ComplaintClass::Developer),
            ..c("quality", Complaint, "房屋质量", "房屋質量", "Construction quality", Engineering)
        },
        Category {
            complaint_class: Some(ComplaintClass::External),
            ..c("external", Complaint, "外部环境", "外部環境", "Outside the estate", CustomerService)
        },
        c("complaint-other", Complaint, "其他投诉", "其他投訴", "Other complaint", CustomerService),
        // Suggestions (建议).
        c("suggestion", Suggestion, "意见建议", "意見建議", "Suggestion", CustomerService),
        // Staff-recorded inquiries, emergency aid and praise.
        staff(c("inquiry", Inquiry, "咨询", "諮詢", "Inquiry", CustomerService)),
        staff(Category {
            callback: Some(Cb::EmergencyAid),
            ..c("first-aid", Inquiry, "急救求助", "急救求助", "Emergency aid", Security)
        }),
        staff(c("praise", Praise, "表扬", "表揚", "Praise", CustomerService)),
    ]
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("category code {0:?} appears twice")]
    Duplicate(String),
    #[error("category code {0:?} is not valid: use lowercase letters, digits and '-', at most 32")]
    BadCode(String),
    #[error("category {code:?} needs a Chinese and an English name")]
    Unnamed { code: String },
    #[error("category {code:?} is marked emergency but is a {kind}: only repairs can be emergencies")]
    EmergencyNotRepair { code: String, kind: &'static str },
    #[error("no categories are configured for {0}s")]
    KindWithout(&'static str),
}

#[derive(Clone, Debug)]
pub struct Catalogue {
    categories: Vec<Category>,
}

impl Catalogue {
    pub fn new(categories: Vec<Category>) -> Result<Catalogue, CatalogueError> {
        let mut seen = std::collections::HashSet::new();
        for cat in &categories {
            let code_ok = !cat.code.is_empty()
                && cat.code.len() <= 32
                && cat.code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !code_ok {
                return Err(CatalogueError::BadCode(cat.code.clone()));
            }
            if !seen.insert(cat.code.as_str()) {
                return Err(CatalogueError::Duplicate(cat.code.clone()));
            }
            if cat.zh.trim().is_empty() || cat.en.trim().is_empty() {
                return Err(CatalogueError::Unnamed { code: cat.code.clone() });
            }
            if cat.emergency && cat.kind != Kind::Repair {
                return Err(CatalogueError::EmergencyNotRepair {
                    code: cat.code.clone(),
                    kind: cat.kind.code(),
                });
            }
        }
        for kind in [Kind::Complaint, Kind::Repair, Kind::Suggestion] {
            if !categories.iter().any(|c| c.kind == kind) {
                return Err(CatalogueError::KindWithout(kind.code()));
            }
        }
        Ok(Catalogue { categories })
    }

    pub fn get(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn all(&self) -> &[Category] {
        &self.categories
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(move |c| c.kind == kind)
    }
}

impl Default for Catalogue {
    fn default() -> Self {
        Catalogue::new(default_categories()).expect("the default catalogue is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_catalogue_is_valid_and_covers_the_spec() {
        let cat = Catalogue::default();
        for code in ["water", "electric", "door-lock", "elevator", "public-facility", "leak"] {
            assert_eq!(cat.get(code).unwrap().kind, Kind::Repair, "{code}");
        }
        for code in ["attitude", "cleaning", "security", "noise", "parking", "greening", "fees"] {
            assert_eq!(cat.get(code).unwrap().kind, Kind::Complaint, "{code}");
        }
        for code in ["flood", "power-cut", "elevator-trapped", "gas", "fire"] {
            assert!(cat.get(code).unwrap().emergency, "{code}");
        }
    }

    #[test]
    fn a_broken_catalogue_is_refused_with_a_reason() {
        let mut cats = default_categories();
        cats.push(cats[0].clone());
        assert_eq!(Catalogue::new(cats).unwrap_err(), CatalogueError::Duplicate("water".into()));
        let mut cats = default_categories();
        cats[0].code = "Water Pipes".into();
        assert!(matches!(Catalogue::new(cats), Err(CatalogueError::BadCode(_))));
        let cats: Vec<_> = default_categories().into_iter().filter(|c| c.kind != Kind::Suggestion).collect();
        assert_eq!(Catalogue::new(cats).unwrap_err(), CatalogueError::KindWithout("suggestion"));
    }
}
