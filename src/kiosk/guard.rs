//! The idle timer and the status-lookup guard: the two things that keep one resident's
//! data away from the next person at the kiosk.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Counts down after a quiet spell: at `timeout - warn` the "still there?" question shows
/// a countdown; at `timeout` everything is cleared.
#[derive(Clone, Debug)]
pub struct IdleTimer {
    pub timeout: Duration,
    pub warn: Duration,
    last_activity: Instant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idle {
    Active,
    /// Seconds left, shown to the person.
    Warning(u32),
    Expired,
}

impl IdleTimer {
    pub fn new(timeout: Duration, now: Instant) -> IdleTimer {
        IdleTimer { timeout, warn: Duration::from_secs(10).min(timeout), last_activity: now }
    }

    pub fn touch(&mut self, now: Instant) {
        self.last_activity = now;
    }

    pub fn last(&self) -> Instant {
        self.last_activity
    }

    pub fn check(&self, now: Instant) -> Idle {
        let quiet = now.saturating_duration_since(self.last_activity);
        if quiet >= self.timeout {
            Idle::Expired
        } else if quiet + self.warn >= self.timeout {
            Idle::Warning((self.timeout - quiet).as_secs_f64().ceil() as u32)
        } else {
            Idle::Active
        }
    }
}

/// Guards the status lookup (ticket + last four digits of the phone) against guessing.
/// Wrong tries are counted per ticket and overall, and kept in the store (a restart does
/// not lift them; `Service` saves the guard after every change):
/// - per ticket, after `FREE_TRIES` wrong ones each further try waits twice as long as
///   the one before (1 minute, 2, 4 … up to a day): 10,000 last-4 values are out of reach;
///   only the right answer for that ticket clears its count;
/// - overall, after `BURST` wrong tries within `WINDOW` from any tickets, every try waits
///   `PAUSE` after the last wrong one: a stranger cycling tickets is slowed to a crawl,
///   while a resident never waits longer than that pause for their own ticket.
///
/// Success on one's own ticket clears nothing else.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupGuard {
    tickets: BTreeMap<String, Tries>,
    recent: Vec<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Tries {
    failures: u32,
    last: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupRefusal {
    /// This ticket had too many wrong tries: minutes left, at least 1.
    TicketLocked(u64),
    /// Too many wrong tries overall: seconds left.
    Pause(u64),
}

impl LookupGuard {
    pub const FREE_TRIES: u32 = 3;
    pub const FIRST_WAIT: chrono::Duration = chrono::Duration::minutes(1);
    pub const LONGEST_WAIT: chrono::Duration = chrono::Duration::hours(24);
    pub const BURST: usize = 10;
    pub const WINDOW: chrono::Duration = chrono::Duration::minutes(10);
    pub const PAUSE: chrono::Duration = chrono::Duration::seconds(30);
    /// Tickets remembered at most: the oldest are forgotten first (bounded storage).
    const REMEMBERED: usize = 500;

    fn ticket_wait(failures: u32) -> chrono::Duration {
        let doublings = failures.saturating_sub(Self::FREE_TRIES).min(20);
        (Self::FIRST_WAIT * 2i32.pow(doublings)).min(Self::LONGEST_WAIT)
    }

    /// Whether `ticket` may be tried at `now`. A clock that jumped backwards never makes a
    /// wait longer than the wait itself: tries "in the future" are moved to `now`.
    pub fn allow(&mut self, ticket: &str, now: DateTime<Utc>) -> Result<(), LookupRefusal> {
        for t in self.tickets.values_mut() {
            t.last = t.last.min(now);
        }
        for t in &mut self.recent {
            *t = (*t).min(now);
        }
        let left = |from: DateTime<Utc>, wait: chrono::Duration| {
            let until = from + wait;
            (now < until).then(|| until - now)
        };
        if let Some(t) = self.tickets.get(ticket).filter(|t| t.failures >= Self::FREE_TRIES)
            && let Some(left) = left(t.last, Self::ticket_wait(t.failures))
        {
            return Err(LookupRefusal::TicketLocked((left.num_seconds().max(1) as u64).div_ceil(60)));
        }
        let in_window = self.recent.iter().filter(|t| now.signed_duration_since(**t) < Self::WINDOW).count();
        if in_window >= Self::BURST
            && let Some(last) = self.recent.iter().max()
            && let Some(left) = left(*last, Self::PAUSE)
        {
            return Err(LookupRefusal::Pause(left.num_seconds().max(1) as u64));
        }
        Ok(())
    }

    pub fn failed(&mut self, ticket: &str, now: DateTime<Utc>) {
        let tries = self.tickets.entry(ticket.to_string()).or_insert(Tries { failures: 0, last: now });
        tries.failures = tries.failures.saturating_add(1);
        tries.last = now;
        self.recent.retain(|t| now.signed_duration_since(*t) < Self::WINDOW);
        self.recent.push(now);
        // Only the newest `BURST` matter: whether they all fall in the window.
        let excess = self.recent.len().saturating_sub(Self::BURST);
        self.recent.drain(..excess);
        self.forget_old(now);
    }

    /// The right answer for `ticket`: its count is cleared, and only its count.
    pub fn succeeded(&mut self, ticket: &str) {
        self.tickets.remove(ticket);
    }

    fn forget_old(&mut self, now: DateTime<Utc>) {
        self.tickets.retain(|_, t| now.signed_duration_since(t.last) < Self::LONGEST_WAIT * 2);
        while self.tickets.len() > Self::REMEMBERED {
            let oldest = self.tickets.iter().min_by_key(|(_, t)| t.last).map(|(k, _)| k.clone());
            match oldest {
                Some(k) => self.tickets.remove(&k),
                None => break,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_countdown_shows_ten_seconds_before_the_timeout() {
        let t0 = Instant::now();
        let timer = IdleTimer::new(Duration::from_secs(60), t0);
        assert_eq!(timer.check(t0 + Duration::from_secs(49)), Idle::Active);
        assert_eq!(timer.check(t0 + Duration::from_secs(50)), Idle::Warning(10));
        assert_eq!(timer.check(t0 + Duration::from_millis(55_500)), Idle::Warning(5));
        assert_eq!(timer.check(t0 + Duration::from_secs(60)), Idle::Expired);
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z").unwrap().with_timezone(&Utc)
            + chrono::Duration::minutes(minutes)
    }

    #[test]
    fn wrong_tries_on_one_ticket_wait_longer_each_time() {
        let mut g = LookupGuard::default();
        for i in 0..LookupGuard::FREE_TRIES {
            assert!(g.allow("K01-00001", at(i64::from(i))).is_ok());
            g.failed("K01-00001", at(i64::from(i)));
        }
        assert_eq!(g.allow("K01-00001", at(2)), Err(LookupRefusal::TicketLocked(1)));
        assert!(g.allow("K01-00001", at(3)).is_ok());
        g.failed("K01-00001", at(3));
        assert_eq!(g.allow("K01-00001", at(4)), Err(LookupRefusal::TicketLocked(1)), "2 minutes now");
        assert!(g.allow("K01-00001", at(5)).is_ok());
        // Trying every last-4 value would take far longer than anyone stands at a kiosk.
        let mut t = 5;
        for _ in 0..20 {
            while g.allow("K01-00001", at(t)).is_err() {
                t += 1;
            }
            g.failed("K01-00001", at(t));
        }
        assert!(t > 60 * 24 * 5, "20 more tries took only {t} minutes");
        // Other residents are not locked out by it.
        assert!(g.allow("K01-00002", at(t)).is_ok());
    }

    #[test]
    fn succeeding_on_ones_own_ticket_clears_nothing_else() {
        let mut g = LookupGuard::default();
        for _ in 0..3 {
            g.failed("K01-00009", at(0));
        }
        g.succeeded("K01-00001");
        assert!(g.allow("K01-00009", at(0)).is_err(), "the guessed ticket stays locked");
        g.succeeded("K01-00009");
        assert!(g.allow("K01-00009", at(0)).is_ok());
    }

    #[test]
    fn many_wrong_tries_across_tickets_slow_every_try_but_lock_no_one_out() {
        let mut g = LookupGuard::default();
        for i in 0..LookupGuard::BURST {
            g.failed(&format!("K01-{:05}", i + 100), at(0));
        }
        assert_eq!(g.allow("K01-00001", at(0)), Err(LookupRefusal::Pause(30)));
        let later = at(0) + chrono::Duration::seconds(31);
        assert!(g.allow("K01-00001", later).is_ok(), "a resident waits seconds, not minutes");
    }

    #[test]
    fn a_clock_jumping_back_never_lengthens_a_wait_and_storage_stays_bounded() {
        let mut g = LookupGuard::default();
        for _ in 0..4 {
            g.failed("K01-00001", at(10_000));
        }
        // The clock is set back a week: still at most the 2-minute wait from now.
        assert!(g.allow("K01-00001", at(0)).is_err());
        assert!(g.allow("K01-00001", at(3)).is_ok());
        for i in 0..2000 {
            g.failed(&format!("K01-{i:05}"), at(20_000));
        }
        assert!(g.tickets.len() <= 500);
        let json = serde_json::to_string(&g).unwrap();
        assert!(json.len() < 64 * 1024, "{} bytes", json.len());
    }
}
