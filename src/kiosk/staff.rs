//! Front-desk staff at the kiosk: who they are, how a PIN is checked, and the lockout
//! after repeated wrong PINs (SPEC §8). The config holds only a salted hash of each PIN;
//! the lockout state is kept in the store so pulling the plug does not reset it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;

use crate::domain::intake::Department;
use crate::domain::roles::{Actor, Role};

/// One person who may use the staff screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffAccount {
    /// Recorded as the actor of what they do (the same id as `lobbydesk act --by`).
    pub id: String,
    /// Shown on the staff screen.
    pub name: String,
    /// `None`: named on the command line only, cannot open the staff screen.
    pub pin: Option<PinHash>,
    pub role: Role,
    pub department: Option<Department>,
}

impl StaffAccount {
    pub fn actor(&self) -> Actor<'_> {
        Actor { id: &self.id, role: self.role, department: self.department }
    }
}

/// Who is signed in on the staff screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffSession {
    pub id: String,
    pub name: String,
    /// What the desk offers them (the domain refuses the rest anyway).
    pub role: Role,
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
    /// Wrong PIN; this many tries are left before the keypad starts making people wait.
    Wrong { tries_left: u32 },
    /// Too many wrong PINs: the keypad takes the next one in this many seconds.
    Locked { seconds: i64 },
}

/// Wrong PINs counted for the whole kiosk (anyone at the keypad is the same stranger).
/// After `FREE_TRIES` each wrong PIN makes the keypad wait, twice as long each time up
/// to `MAX_WAIT`: guessing stays hopeless (a 6-digit PIN takes years), yet a passer-by
/// pressing buttons never keeps the staff out for more than a few minutes, and the
/// front-desk silence button (GPIO) quiets the buzzer meanwhile whatever the keypad says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinLock {
    pub wrong: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl PinLock {
    pub const FREE_TRIES: u32 = 3;
    pub const FIRST_WAIT: Duration = Duration::seconds(30);
    pub const MAX_WAIT: Duration = Duration::minutes(5);

    /// `Err(seconds left)` while the keypad waits.
    pub fn check(&mut self, now: DateTime<Utc>) -> Result<(), i64> {
        let Some(until) = self.locked_until else { return Ok(()) };
        // A Pi without a real-time clock may boot with a wrong time and correct it later:
        // a wait can never last longer than the longest wait from now.
        let until = until.min(now + Self::MAX_WAIT);
        self.locked_until = Some(until);
        if now < until {
            Err((until - now).num_seconds().max(1))
        } else {
            // The count stays: the next wrong PIN waits longer still.
            self.locked_until = None;
            Ok(())
        }
    }

    pub fn wrong_pin(&mut self, now: DateTime<Utc>) -> SignInRefusal {
        self.wrong += 1;
        if self.wrong <= Self::FREE_TRIES {
            return SignInRefusal::Wrong { tries_left: Self::FREE_TRIES - self.wrong + 1 };
        }
        let doublings = (self.wrong - Self::FREE_TRIES - 1).min(16);
        let wait = (Self::FIRST_WAIT * 2i32.pow(doublings)).min(Self::MAX_WAIT);
        self.locked_until = Some(now + wait);
        SignInRefusal::Locked { seconds: wait.num_seconds() }
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
    if accounts.iter().all(|a| a.pin.is_none()) {
        return Err(SignInRefusal::NoAccounts);
    }
    lock.check(now).map_err(|seconds| SignInRefusal::Locked { seconds })?;
    let mut found = None;
    for account in accounts {
        if account.pin.as_ref().is_some_and(|p| p.verify(pin)) && found.is_none() {
            found = Some(account);
        }
    }
    match found {
        Some(account) => {
            *lock = PinLock::default();
            Ok(StaffSession { id: account.id.clone(), name: account.name.clone(), role: account.role })
        }
        None => Err(lock.wrong_pin(now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, pin: &str) -> StaffAccount {
        StaffAccount {
            id: id.into(),
            name: format!("{id} name"),
            pin: Some(PinHash::new(pin).unwrap()),
            role: Role::FrontDesk,
            department: None,
        }
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

    fn at(seconds: i64) -> DateTime<Utc> {
        t(0) + Duration::seconds(seconds)
    }

    #[test]
    fn wrong_pins_make_the_keypad_wait_longer_each_time_but_never_long() {
        let accounts = [account("wang", "1111")];
        let mut lock = PinLock::default();
        for left in (2..=4).rev() {
            let refused = sign_in(&accounts, &mut lock, "9999", at(0));
            assert_eq!(refused, Err(SignInRefusal::Wrong { tries_left: left - 1 }));
        }
        // Then 30 s, 60 s, 120 s, 240 s, and never more than 5 minutes.
        let mut now = 0;
        for wait in [30, 60, 120, 240, 300, 300] {
            assert_eq!(
                sign_in(&accounts, &mut lock, "9999", at(now)),
                Err(SignInRefusal::Locked { seconds: wait })
            );
            // Even the right PIN waits: otherwise the wait guards nothing.
            assert_eq!(
                sign_in(&accounts, &mut lock, "1111", at(now + 1)),
                Err(SignInRefusal::Locked { seconds: wait - 1 })
            );
            now += wait;
        }
        assert!(
            sign_in(&accounts, &mut lock, "1111", at(now)).is_ok(),
            "a passer-by never locks staff out for long"
        );
        assert_eq!(lock, PinLock::default(), "a right PIN starts the count again");
    }

    #[test]
    fn a_right_pin_clears_earlier_mistakes() {
        let accounts = [account("wang", "1111")];
        let mut lock = PinLock::default();
        for _ in 0..3 {
            let _ = sign_in(&accounts, &mut lock, "0000", t(0));
        }
        assert!(sign_in(&accounts, &mut lock, "1111", t(0)).is_ok());
        assert_eq!(sign_in(&accounts, &mut lock, "0000", t(0)), Err(SignInRefusal::Wrong { tries_left: 3 }));
    }

    #[test]
    fn a_clock_set_back_cannot_stretch_the_lockout() {
        // Locked at a wrong boot time a year ahead, then NTP corrects the clock.
        let mut lock = PinLock { wrong: 5, locked_until: Some(t(365 * 24 * 60)) };
        assert_eq!(lock.check(t(0)), Err(300));
        assert_eq!(lock.check(t(5)), Ok(()));
    }
}
