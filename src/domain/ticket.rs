//! Ticket numbers: `CODE-NNNNN`, e.g. `K01-00042`.
//!
//! - `CODE` is the kiosk's configured code, 2–4 characters from digits and capital letters
//!   without I and O (they read as 1 and 0 over the phone). Codes are unique per company,
//!   so numbers are unique across every kiosk.
//! - `NNNNN` is the kiosk's sequence, at least 5 digits, growing past 99999 as needed up to
//!   the 12-character limit. It only ever increases; gaps are allowed (a number reserved
//!   just before a power cut is skipped, never reused).

use serde::{Deserialize, Serialize};
use std::fmt;

use super::validate::ValidationError;

pub const MAX_TICKET_CHARS: usize = 12;
const MIN_DIGITS: usize = 5;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KioskCode(String);

impl KioskCode {
    pub fn parse(raw: &str) -> Result<KioskCode, ValidationError> {
        let code = raw.trim().to_ascii_uppercase();
        let ok = (2..=4).contains(&code.len())
            && code.chars().all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && c != 'I' && c != 'O'));
        if ok {
            Ok(KioskCode(code))
        } else {
            Err(ValidationError::Invalid(format!(
                "kiosk code {raw:?} is not valid: use 2 to 4 digits or capital letters other than I and O, such as K01"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The largest sequence that still fits in 12 characters with this code.
    pub fn max_sequence(&self) -> u64 {
        let digits = MAX_TICKET_CHARS - self.0.len() - 1;
        10u64.pow(digits as u32) - 1
    }
}

impl TryFrom<String> for KioskCode {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        KioskCode::parse(&s)
    }
}

impl From<KioskCode> for String {
    fn from(k: KioskCode) -> String {
        k.0
    }
}

impl fmt::Display for KioskCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketNumber {
    pub kiosk: KioskCode,
    pub sequence: u64,
}

impl TicketNumber {
    pub fn new(kiosk: KioskCode, sequence: u64) -> Result<TicketNumber, ValidationError> {
        if sequence == 0 || sequence > kiosk.max_sequence() {
            return Err(ValidationError::Invalid(format!(
                "ticket sequence {sequence} is outside 1..={} for kiosk {kiosk}",
                kiosk.max_sequence()
            )));
        }
        Ok(TicketNumber { kiosk, sequence })
    }

    /// Accepts the printed form and what people type: lower case, spaces, no hyphen,
    /// full-width digits from a Chinese keyboard.
    pub fn parse(raw: &str) -> Result<TicketNumber, ValidationError> {
        let bad = || {
            ValidationError::Invalid(format!("ticket number {raw:?} is not valid: it looks like K01-00042"))
        };
        // Full-width forms (U+FF01..U+FF5E) map onto ASCII; spaces and dashes separate.
        let ascii: String = raw
            .chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '—' | '–' | '\u{3000}' => '-',
                c if c.is_whitespace() => '-',
                c => c,
            })
            .collect::<String>()
            .to_ascii_uppercase();
        let parts: Vec<&str> = ascii.split('-').filter(|p| !p.is_empty()).collect();
        // A hyphen (or space) is required: without one, K0100042 could be K01-00042 or
        // K0-100042.
        let [code, digits] = parts.as_slice() else {
            return Err(bad());
        };
        if digits.len() < MIN_DIGITS || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let kiosk = KioskCode::parse(code).map_err(|_| bad())?;
        let sequence = digits.parse().map_err(|_| bad())?;
        TicketNumber::new(kiosk, sequence).map_err(|_| bad())
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:0width$}", self.kiosk, self.sequence, width = MIN_DIGITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: &str) -> KioskCode {
        KioskCode::parse(code).unwrap()
    }

    #[test]
    fn tickets_print_as_code_hyphen_five_digits() {
        assert_eq!(TicketNumber::new(k("K01"), 42).unwrap().to_string(), "K01-00042");
        assert_eq!(TicketNumber::new(k("K01"), 123_456).unwrap().to_string(), "K01-123456");
    }

    #[test]
    fn tickets_never_exceed_twelve_characters() {
        for code in ["AB", "K01", "ZZ99"] {
            let max = TicketNumber::new(k(code), k(code).max_sequence()).unwrap();
            assert!(max.to_string().len() <= MAX_TICKET_CHARS, "{max}");
            assert!(TicketNumber::new(k(code), k(code).max_sequence() + 1).is_err());
        }
    }

    #[test]
    fn kiosk_codes_avoid_letters_that_read_as_digits() {
        assert!(KioskCode::parse("KIO").is_err());
        assert!(KioskCode::parse("K0O").is_err());
        assert!(KioskCode::parse("K").is_err());
        assert!(KioskCode::parse("K0123").is_err());
        assert_eq!(k("k01").as_str(), "K01");
    }

    #[test]
    fn what_people_type_parses_back_to_the_ticket() {
        let want = TicketNumber::new(k("K01"), 42).unwrap();
        for typed in ["K01-00042", "k01-00042", " K01 00042 ", "Ｋ01－０００４２", "ｋ０１　０００４２"]
        {
            assert_eq!(TicketNumber::parse(typed).unwrap(), want, "{typed:?}");
        }
        for bad in ["", "K01-42", "K01-0004X", "-00042", "KIO-00042", "K01-00000", "K0100042", "K01-00042-1"]
        {
            assert!(TicketNumber::parse(bad).is_err(), "{bad:?}");
        }
    }
}
