//! Front-desk staff at the kiosk: who they are, how a PIN is checked, and the lockout
//! after repeated wrong PINs (SPEC §8). The config holds only a salted hash of each PIN;
//! the lockout state is kept in the store so pulling the plug does not reset it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;

/// One person who may use the staff screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffAccount {
    /// Recorded as the actor of what they do (the same id as `lobbydesk act --by`).
    pub id: String,
    /// Shown on the staff screen.
    pub name: String,
    pub pin: PinHash,
}

/// Who is signed in on the staff screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffSession {
    pub id: String,
    pub name: String,
}

pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=12;

/// Checks that `pin` is a PIN a staff member can type on the kiosk's keypad.
pub fn check_pin_format(pin: &str) -> Result<(), String> {
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err("a PIN is digits only (the staff screen has a number pad)".into());
    }
    if !PIN_DIGITS.contains(&pin.len()) {
        return Err(format!(
            "a PIN has {} to {} digits; this one has {}",
            PIN_DIGITS.start(),
            PIN_DIGITS.end(),
            pin.len()
        ));
    }
    Ok(())
}

const ALGORITHM: &str = "pbkdf2-sha256";
/// A kiosk checks every account's hash at each sign-in; a few thousand rounds keep that
/// quick on a Pi. A short PIN cannot be made safe against someone holding the config
/// file anyway: the lockout guards the keypad, file permissions guard the file.
const ROUNDS: u32 = 10_000;

/// `pbkdf2-sha256$ROUNDS$SALT_HEX$HASH_HEX`, as `lobbydesk staff-pin` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinHash {
    rounds: NonZeroU32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

impl PinHash {
    /// Hashes a new PIN with a fresh random salt.
    pub fn new(pin: &str) -> Result<PinHash, String> {
        check_pin_format(pin)?;
        let mut salt = vec![0u8; 16];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
            .map_err(|_| "the system random generator failed")?;
        let rounds = NonZeroU32::new(ROUNDS).expect("non-zero");
        let mut hash = vec![0u8; 32];
        ring::pbkdf2::derive(ring::pbkdf2::PBKDF2_HMAC_SHA256, rounds, &salt, pin.as_bytes(), &mut hash);
        Ok(PinHash { rounds, salt, hash })
    }

    /// In constant time with respect to the stored hash.
    pub fn verify(&self, pin: &str) -> bool {
        ring::pbkdf2::verify(
            ring::pbkdf2::PBKDF2_HMAC_SHA256,
            self.rounds,
            &self.salt,
            pin.as_bytes(),
            &self.hash,
        )
        .is_ok()
    }
}

impl std::fmt::Display for PinHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{ALGORITHM}${}${}${}", self.rounds, hex(&self.salt), hex(&self.hash))
    }
}

impl std::str::FromStr for PinHash {
    type Err = String;

    fn from_str(text: &str) -> Result<PinHash, String> {
        let refuse = || {
            if text.chars().all(|c| c.is_ascii_digit()) {
                "this looks like a PIN itself: write the line `lobbydesk staff-pin` prints instead"
                    .to_string()
            } else {
                format!("not a PIN hash ({ALGORITHM}$ROUNDS$SALT$HASH from `lobbydesk staff-pin`)")
            }
        };
        let parts: Vec<&str> = text.trim().split('$').collect();
        let [algorithm, rounds, salt, hash] = parts[..] else { return Err(refuse()) };
        if algorithm != ALGORITHM {
            return Err(refuse());
        }
        let rounds = rounds.parse::<NonZeroU32>().map_err(|_| refuse())?;
        let (Some(salt), Some(hash)) = (unhex(salt), unhex(hash)) else { return Err(refuse()) };
        if salt.len() < 8 || hash.len() != 32 {
            return Err(refuse());
        }
        Ok(PinHash { rounds, salt, hash })
    }
}

/// Why the staff screen did not open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInRefusal {
    /// No `[[staff]]` in the config: nobody can sign in on this kiosk.
    NoAccounts,
    /// Wrong PIN; this many tries are left before the lockout.
    Wrong { tries_left: u32 },
    /// Too many wrong PINs; try again in this many minutes.
    Locked { minutes: i64 },
}

/// Wrong PINs counted for the whole kiosk (anyone at the keypad is the same stranger):
/// `MAX_WRONG` in a row lock the staff screen for `LOCKOUT`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinLock {
    pub wrong: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl PinLock {
    pub const MAX_WRONG: u32 = 5;
    pub const LOCKOUT: Duration = Duration::minutes(15);

    /// `Err(minutes left)` while locked.
    pub fn check(&mut self, now: DateTime<Utc>) -> Result<(), i64> {
        let Some(until) = self.locked_until else { return Ok(()) };
        // A Pi without a real-time clock may boot with a wrong time and correct it later:
        // a lock can never last longer than one lockout from now.
        let until = until.min(now + Self::LOCKOUT);
        self.locked_until = Some(until);
        if now < until {
            let seconds = (until - now).num_seconds();
            Err((seconds + 59) / 60)
        } else {
            *self = PinLock::default();
            Ok(())
        }
    }

    pub fn wrong_pin(&mut self, now: DateTime<Utc>) -> SignInRefusal {
        self.wrong += 1;
        if self.wrong >= Self::MAX_WRONG {
            self.locked_until = Some(now + Self::LOCKOUT);
            SignInRefusal::Locked { minutes: Self::LOCKOUT.num_minutes() }
        } else {
            SignInRefusal::Wrong { tries_left: Self::MAX_WRONG - self.wrong }
        }
    }
}

/// Checks `pin` against every account (each one, so the time taken does not say which
/// account came close) and updates the lock.
pub fn sign_in(
    accounts: &[StaffAccount],
    lock: &mut PinLock,
    pin: &str,
    now: DateTime<Utc>,
) -> Result<StaffSession, SignInRefusal> {
    if accounts.is_empty() {
        return Err(SignInRefusal::NoAccounts);
    }
    lock.check(now).map_err(|minutes| SignInRefusal::Locked { minutes })?;
    let mut found = None;
    for account in accounts {
        if account.pin.verify(pin) && found.is_none() {
            found = Some(account);
        }
    }
    match found {
        Some(account) => {
            *lock = PinLock::default();
            Ok(StaffSession { id: account.id.clone(), name: account.name.clone() })
        }
        None => Err(lock.wrong_pin(now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, pin: &str) -> StaffAccount {
        StaffAccount { id: id.into(), name: format!("{id} name"), pin: PinHash::new(pin).unwrap() }
    }

    fn t(minutes: i64) -> DateTime<Utc> {
        "2026-11-23T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn a_hash_verifies_its_own_pin_and_no_other() {
        let hash = PinHash::new("246810").unwrap();
        assert!(hash.verify("246810"));
        assert!(!hash.verify("246811"));
        assert!(!hash.verify(""));
        let again: PinHash = hash.to_string().parse().unwrap();
        assert_eq!(again, hash);
        assert!(again.verify("246810"));
        assert_ne!(PinHash::new("246810").unwrap(), hash, "each hash has its own salt");
    }

    #[test]
    fn pins_are_four_to_twelve_digits() {
        assert!(PinHash::new("1234").is_ok());
        assert!(PinHash::new("123456789012").is_ok());
        assert!(PinHash::new("123").unwrap_err().contains("4 to 12"));
        assert!(PinHash::new("1234567890123").is_err());
        assert!(PinHash::new("12a4").unwrap_err().contains("digits only"));
    }

    #[test]
    fn a_malformed_hash_says_what_to_write() {
        assert!("123456".parse::<PinHash>().unwrap_err().contains("PIN itself"));
        for bad in [
            "",
            "pbkdf2-sha256$10000$00",
            "md5$10000$0011223344556677$00",
            "pbkdf2-sha256$0$0011223344556677$".to_string().as_str(),
            "pbkdf2-sha256$10000$zz11223344556677$00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            "pbkdf2-sha256$10000$0011223344556677$0011",
        ] {
            assert!(bad.parse::<PinHash>().unwrap_err().contains("staff-pin"), "{bad:?}");
        }
    }

    #[test]
    fn the_right_pin_opens_the_account_it_belongs_to() {
        let accounts = [account("wang", "1111"), account("li", "2222")];
        let mut lock = PinLock::default();
        let session = sign_in(&accounts, &mut lock, "2222", t(0)).unwrap();
        assert_eq!(session.id, "li");
        assert_eq!(sign_in(&[], &mut lock, "2222", t(0)), Err(SignInRefusal::NoAccounts));
    }

    #[test]
    fn five_wrong_pins_lock_the_staff_screen_even_for_the_right_pin() {
        let accounts = [account("wang", "1111")];
        let mut lock = PinLock::default();
        for left in (1..5).rev() {
            assert_eq!(
                sign_in(&accounts, &mut lock, "9999", t(0)),
                Err(SignInRefusal::Wrong { tries_left: left })
            );
        }
        assert_eq!(sign_in(&accounts, &mut lock, "9999", t(0)), Err(SignInRefusal::Locked { minutes: 15 }));
        assert_eq!(sign_in(&accounts, &mut lock, "1111", t(1)), Err(SignInRefusal::Locked { minutes: 14 }));
        assert!(sign_in(&accounts, &mut lock, "1111", t(15)).is_ok());
        assert_eq!(lock, PinLock::default(), "a right PIN starts the count again");
    }

    #[test]
    fn a_right_pin_clears_earlier_mistakes() {
        let accounts = [account("wang", "1111")];
        let mut lock = PinLock::default();
        for _ in 0..4 {
            let _ = sign_in(&accounts, &mut lock, "0000", t(0));
        }
        assert!(sign_in(&accounts, &mut lock, "1111", t(0)).is_ok());
        assert_eq!(sign_in(&accounts, &mut lock, "0000", t(0)), Err(SignInRefusal::Wrong { tries_left: 4 }));
    }

    #[test]
    fn a_clock_set_back_cannot_stretch_the_lockout() {
        // Locked at a wrong boot time a year ahead, then NTP corrects the clock.
        let mut lock = PinLock { wrong: 5, locked_until: Some(t(365 * 24 * 60)) };
        assert_eq!(lock.check(t(0)), Err(15));
        assert_eq!(lock.check(t(15)), Ok(()));
    }
}
