//! The people who sign in to HQ's web desk (issue 15; 000 for who they are): an account
//! per person with one role, a password kept only as a slow salted hash (Argon2id), and
//! what each role may see and do. Pure rules and hashing; the stores keep the records.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::domain::intake::Lang;
use crate::domain::validate::ValidationError;

/// A role at HQ, as 000 names the people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HqRole {
    /// 热线专员: takes the hotline's calls, follows every case, calls residents back.
    Hotline,
    /// 全质办: the quality office; follows, assesses (考核) and reports.
    QualityOffice,
    /// 集团负责人: the group head / GM; reads everything, receives major complaints.
    GroupHead,
    /// 楼盘负责人: an estate head; reads their own estates' cases only.
    EstateHead,
}

impl HqRole {
    pub const ALL: [HqRole; 4] =
        [HqRole::Hotline, HqRole::QualityOffice, HqRole::GroupHead, HqRole::EstateHead];

    pub fn code(self) -> &'static str {
        match self {
            HqRole::Hotline => "hotline",
            HqRole::QualityOffice => "quality-office",
            HqRole::GroupHead => "group-head",
            HqRole::EstateHead => "estate-head",
        }
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (HqRole::Hotline, Lang::En) => "hotline specialist",
            (HqRole::QualityOffice, Lang::En) => "quality office",
            (HqRole::GroupHead, Lang::En) => "group head",
            (HqRole::EstateHead, Lang::En) => "estate head",
            (HqRole::Hotline, Lang::ZhTw) => "熱線專員",
            (HqRole::QualityOffice, Lang::ZhTw) => "全質辦",
            (HqRole::GroupHead, Lang::ZhTw) => "集團負責人",
            (HqRole::EstateHead, Lang::ZhTw) => "樓盤負責人",
            (HqRole::Hotline, _) => "热线专员",
            (HqRole::QualityOffice, _) => "全质办",
            (HqRole::GroupHead, _) => "集团负责人",
            (HqRole::EstateHead, _) => "楼盘负责人",
        }
    }

    /// The quality office gives colleagues their accounts and takes them away.
    pub fn manages_accounts(self) -> bool {
        self == HqRole::QualityOffice
    }

    /// The job the workflow's rules (`roles::may`) know this person by, for those who
    /// work cases: the hotline and the quality office. The group head and estate heads
    /// read.
    pub fn works_as(self) -> Option<crate::domain::roles::Role> {
        use crate::domain::roles::Role;
        match self {
            HqRole::Hotline => Some(Role::Hotline),
            HqRole::QualityOffice => Some(Role::QualityOffice),
            HqRole::GroupHead | HqRole::EstateHead => None,
        }
    }
}

impl fmt::Display for HqRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for HqRole {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<HqRole, ValidationError> {
        HqRole::ALL.into_iter().find(|r| r.code() == s.trim()).ok_or_else(|| {
            let known: Vec<_> = HqRole::ALL.iter().map(|r| r.code()).collect();
            ValidationError::Invalid(format!("no HQ role {s:?}; the roles are {}", known.join(", ")))
        })
    }
}

/// A person's HQ account, without the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// What they sign in with.
    pub name: String,
    pub role: HqRole,
    /// An estate head's estates (empty for every other role).
    pub estates: Vec<String>,
    pub disabled: bool,
}

impl Account {
    /// Checks a new account before it is kept.
    pub fn new(name: &str, role: HqRole, estates: &[String]) -> Result<Account, ValidationError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(|c| c.is_control() || c == ',') {
            return Err(ValidationError::Invalid(format!(
                "{name:?} is not an account name: 1 to 64 characters, no commas"
            )));
        }
        let estates: Vec<String> =
            estates.iter().map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect();
        match (role, estates.is_empty()) {
            (HqRole::EstateHead, true) => {
                return Err(ValidationError::Invalid("an estate head needs their estates (--estate)".into()));
            }
            (HqRole::EstateHead, false) => {}
            (_, false) => {
                return Err(ValidationError::Invalid(format!(
                    "a {} sees every estate; --estate is for estate heads",
                    role.name(Lang::En)
                )));
            }
            (_, true) => {}
        }
        Ok(Account { name: name.to_string(), role, estates, disabled: false })
    }

    /// The one estate this account is limited to for a request, or none for all. An
    /// estate head asking for another estate gets their own first estate instead, never
    /// someone else's.
    pub fn sees_estate(&self, asked: Option<&str>) -> Option<String> {
        if self.role != HqRole::EstateHead {
            return asked.map(str::to_string);
        }
        match asked {
            Some(e) if self.estates.iter().any(|own| own == e) => Some(e.to_string()),
            _ => self.estates.first().cloned(),
        }
    }

    pub fn may_see(&self, estate: &str) -> bool {
        self.role != HqRole::EstateHead || self.estates.iter().any(|own| own == estate)
    }
}

/// One opening of a case's personal data (or an action on it) at HQ's desk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub account: String,
    pub case_id: uuid::Uuid,
    pub action: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A kiosk as the fleet page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FleetRow {
    pub code: String,
    pub estate: String,
    pub revoked: bool,
    /// When it last asked for its status (each sync starts so); none if never.
    pub last_seen: Option<chrono::DateTime<chrono::Utc>>,
    /// When the newest event it sent was written, by its own clock.
    pub last_event_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What it last said of itself, and when HQ received that (by HQ's clock).
    pub health: Option<(crate::sync::Health, chrono::DateTime<chrono::Utc>)>,
}

/// How long a failed sign-in is kept: the lockout counts the last minutes only, and
/// names tried and never signed in with must not pile up.
pub const FAILURES_KEPT: chrono::Duration = chrono::Duration::days(1);

/// At least this long: the desk shows residents' names and phones.
pub const MIN_PASSWORD: usize = 10;

/// A password's slow salted hash (Argon2id, the crate's defaults), as a PHC string.
pub fn hash_password(password: &str) -> Result<String, ValidationError> {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    if password.chars().count() < MIN_PASSWORD {
        return Err(ValidationError::Invalid(format!("a password needs at least {MIN_PASSWORD} characters")));
    }
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ValidationError::Invalid(format!("cannot hash the password: {e}")))
}

/// Whether `password` is the one `hash` was made from. A malformed hash matches nothing.
pub fn password_matches(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash)
        .is_ok_and(|parsed| argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A password for a colleague to sign in with once and change: 16 characters from an
/// alphabet without look-alikes (no 0/O, 1/l/I), about 90 bits.
pub fn new_password() -> String {
    use ring::rand::SecureRandom;
    const ALPHABET: &[u8] = b"23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new().fill(&mut bytes).expect("the system random generator works");
    // 256 is not a multiple of the alphabet's 56: the slight bias costs well under a bit.
    bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

/// A hash to check against when the account does not exist, so that a wrong name takes
/// as long as a wrong password and does not tell which names exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not anyone's password").expect("a fixed password hashes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_hash_and_nothing_else() {
        let hash = hash_password("热线 correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(password_matches("热线 correct horse", &hash));
        assert!(!password_matches("热线 correct hors", &hash));
        assert!(!password_matches("热线 correct horse", "not a hash"));
        assert_ne!(hash, hash_password("热线 correct horse").unwrap(), "salted");
        assert!(hash_password("short").is_err());
    }

    #[test]
    fn an_estate_head_sees_only_their_estates() {
        let head = Account::new("li", HqRole::EstateHead, &["翠湖花园".into(), "东区".into()]).unwrap();
        assert_eq!(head.sees_estate(None).as_deref(), Some("翠湖花园"));
        assert_eq!(head.sees_estate(Some("东区")).as_deref(), Some("东区"));
        assert_eq!(head.sees_estate(Some("西区")).as_deref(), Some("翠湖花园"));
        assert!(!head.may_see("西区"));
        let quality = Account::new("zhou", HqRole::QualityOffice, &[]).unwrap();
        assert_eq!(quality.sees_estate(None), None);
        assert!(quality.may_see("西区"));
        assert!(Account::new("li", HqRole::EstateHead, &[]).is_err());
        assert!(Account::new("zhou", HqRole::QualityOffice, &["东区".into()]).is_err());
        assert!(Account::new("a,b", HqRole::Hotline, &[]).is_err());
    }
}
