//! Input checks with messages a person understands. Nothing here panics on any input.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::intake::Place;

pub const MAX_TEXT_CHARS: usize = 500;
pub const MAX_NAME_CHARS: usize = 30;
pub const MAX_SHORT_CHARS: usize = 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error(
        "phone number {0:?} is not valid: use an 11-digit mobile number starting with 13–19, or a landline with its area code such as 010-12345678"
    )]
    BadPhone(String),
    #[error(
        "place {0:?} is not valid: use building-unit-room such as 3-2-1201, building-room such as 3-1201, or a public area such as public:地下车库"
    )]
    BadPlace(String),
    #[error("{what} is too long: {len} characters, at most {max}")]
    TooLong { what: &'static str, len: usize, max: usize },
    #[error("{what} is empty: please write something")]
    Empty { what: &'static str },
    #[error("unknown {what} {value:?}; choose one of: {allowed}")]
    UnknownValue { what: &'static str, value: String, allowed: String },
    #[error("{0}")]
    Invalid(String),
}

/// Removes control characters (C0, DEL, C1: the bytes that would become printer or
/// terminal commands) and keeps everything printable, CJK and emoji included. Line
/// breaks survive only where `keep_newlines`; runs of blank lines collapse to one.
pub fn clean_text(raw: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.replace("\r\n", "\n").chars() {
        match c {
            '\n' | '\r' if keep_newlines => {
                if !out.ends_with("\n\n") {
                    out.push('\n');
                }
            }
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            // Bidirectional overrides can make a ticket number read backwards on screen.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// Free text a person typed: cleaned, required, and within `max` characters.
pub fn required_text(raw: &str, what: &'static str, max: usize) -> Result<String, ValidationError> {
    let text = clean_text(raw, true);
    if text.is_empty() {
        return Err(ValidationError::Empty { what });
    }
    within(text, what, max)
}

/// Optional one-line text: cleaned; empty becomes `None`.
pub fn optional_line(
    raw: Option<&str>,
    what: &'static str,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    match raw.map(|r| clean_text(r, false)) {
        None => Ok(None),
        Some(t) if t.is_empty() => Ok(None),
        Some(t) => within(t, what, max).map(Some),
    }
}

fn within(text: String, what: &'static str, max: usize) -> Result<String, ValidationError> {
    let len = text.chars().count();
    if len > max { Err(ValidationError::TooLong { what, len, max }) } else { Ok(text) }
}

/// A Chinese phone number, stored as digits (a landline keeps its area-code hyphen).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl schemars::JsonSchema for Phone {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Phone".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^(1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8})$",
            "description": "A mobile number (11 digits, 13–19…) or a landline with its area code (010-12345678)"
        })
    }
}

impl Phone {
    pub fn parse(raw: &str) -> Result<Phone, ValidationError> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '(' && *c != ')').collect();
        let compact = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .unwrap_or(&compact)
            .trim_start_matches('-')
            .to_string();
        let digits: String = compact.chars().filter(|c| *c != '-').collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ValidationError::BadPhone(raw.to_string()));
        }
        let b = digits.as_bytes();
        // Mobile: 11 digits, 1[3-9]xxxxxxxxx.
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            return Ok(Phone(digits));
        }
        // Landline: area code 0 + 2–3 digits, local number 7–8 digits.
        if b.first() == Some(&b'0') {
            let (area, local) = match compact.split_once('-') {
                Some((a, l)) if !l.contains('-') => (a.to_string(), l.to_string()),
                Some(_) => return Err(ValidationError::BadPhone(raw.to_string())),
                // Without a hyphen, Beijing/Shanghai/Guangzhou-style 3-digit codes start
                // with 01/02; the rest are 4 digits long.
                None => {
                    let area_len = if matches!(b.get(1), Some(b'1') | Some(b'2')) { 3 } else { 4 };
                    if digits.len() <= area_len {
                        return Err(ValidationError::BadPhone(raw.to_string()));
                    }
                    (digits[..area_len].to_string(), digits[area_len..].to_string())
                }
            };
            if (3..=4).contains(&area.len()) && (7..=8).contains(&local.len()) {
                return Ok(Phone(format!("{area}-{local}")));
            }
        }
        Err(ValidationError::BadPhone(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What paper and screens show: 138****8000 (SPEC §7).
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let n = chars.len();
        let keep_head = if self.0.contains('-') { n.saturating_sub(8).min(5) } else { 3 };
        chars
            .iter()
            .enumerate()
            .map(|(i, c)| if i < keep_head || i + 4 >= n || *c == '-' { *c } else { '*' })
            .collect()
    }

    /// The status-lookup secret (SPEC §8).
    pub fn last_four(&self) -> &str {
        &self.0[self.0.len().saturating_sub(4)..]
    }
}

impl TryFrom<String> for Phone {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Phone::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Place {
    /// `3-2-1201` (building-unit-room), `3-1201` (building-room), or `public:NAME` /
    /// `公共:NAME` for a public area. Building and unit may carry letters (A栋 → A).
    pub fn parse(raw: &str) -> Result<Place, ValidationError> {
        let trimmed = clean_text(raw, false);
        for prefix in ["public:", "public:", "公共:", "公共:", "公共区域:", "公共区域:"] {
            if let Some(name) = trimmed.strip_prefix(prefix) {
                return Place::public_area(name);
            }
        }
        let normalized = trimmed.replace(['—', '–', '－', '/'], "-");
        let parts: Vec<&str> = normalized.split('-').map(str::trim).collect();
        let part_ok = |p: &&str| {
            !p.is_empty() && p.chars().count() <= 5 && p.chars().all(|c| c.is_ascii_alphanumeric())
        };
        if !parts.iter().all(part_ok) {
            return Err(ValidationError::BadPlace(raw.to_string()));
        }
        let up = |s: &str| s.to_ascii_uppercase();
        match parts.as_slice() {
            [b, u, r] => Ok(Place::Home { building: up(b), unit: Some(up(u)), room: up(r) }),
            [b, r] => Ok(Place::Home { building: up(b), unit: None, room: up(r) }),
            _ => Err(ValidationError::BadPlace(raw.to_string())),
        }
    }

    pub fn public_area(name: &str) -> Result<Place, ValidationError> {
        let name = clean_text(name, false);
        if name.is_empty() {
            return Err(ValidationError::BadPlace(name));
        }
        Ok(Place::PublicArea { name: within(name, "public area name", MAX_SHORT_CHARS)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_are_eleven_digits_starting_13_to_19() {
        assert_eq!(Phone::parse("138 0013 8000").unwrap().as_str(), "13800138000");
        assert_eq!(Phone::parse("+86 199-0000-1111").unwrap().as_str(), "19900001111");
        for bad in ["12800138000", "1380013800", "138001380000", "1380013800x", "", "电话"] {
            assert!(Phone::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn landlines_need_an_area_code() {
        assert_eq!(Phone::parse("010-12345678").unwrap().as_str(), "010-12345678");
        assert_eq!(Phone::parse("075512345678").unwrap().as_str(), "0755-12345678");
        assert_eq!(Phone::parse("(0755) 1234567").unwrap().as_str(), "0755-1234567");
        assert_eq!(Phone::parse("02112345678").unwrap().as_str(), "021-12345678");
        for bad in ["12345678", "010-123", "0-12345678", "010-1234-5678"] {
            assert!(Phone::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn phones_are_masked_on_paper_and_screen() {
        assert_eq!(Phone::parse("13800138000").unwrap().masked(), "138****8000");
        assert_eq!(Phone::parse("010-12345678").unwrap().masked(), "010-****5678");
        assert_eq!(Phone::parse("13800138000").unwrap().last_four(), "8000");
    }

    #[test]
    fn places_parse_homes_and_public_areas() {
        assert_eq!(Place::parse("3-2-1201").unwrap().to_string(), "3-2-1201");
        assert_eq!(Place::parse(" a-1201 ").unwrap().to_string(), "A-1201");
        assert_eq!(Place::parse("public:地下车库").unwrap(), Place::PublicArea { name: "地下车库".into() });
        assert!(matches!(Place::parse("公共区域:3号楼大堂").unwrap(), Place::PublicArea { .. }));
        for bad in ["", "1201", "3--1201", "3-2-1-1201", "3-2-12015678", "楼-1", "public:"] {
            assert!(Place::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn control_characters_are_removed_and_cjk_and_emoji_kept() {
        let dirty = "厨房\u{1b}@水管\u{1d}V漏水\u{10}\u{4}\u{85}😀\u{202e}";
        assert_eq!(clean_text(dirty, true), "厨房@水管V漏水😀");
        assert_eq!(clean_text("a\r\n\n\n\nb\tc", true), "a\n\nb c");
        assert_eq!(clean_text("a\nb", false), "a b");
    }

    #[test]
    fn text_limits_count_characters_not_bytes() {
        let ok = "漏".repeat(MAX_TEXT_CHARS);
        assert!(required_text(&ok, "text", MAX_TEXT_CHARS).is_ok());
        let long = "漏".repeat(MAX_TEXT_CHARS + 1);
        let err = required_text(&long, "text", MAX_TEXT_CHARS).unwrap_err();
        assert!(err.to_string().contains("at most 500"));
        assert_eq!(required_text("\u{7}  ", "text", 10), Err(ValidationError::Empty { what: "text" }));
    }
}
