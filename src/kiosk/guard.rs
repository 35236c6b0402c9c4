//! The idle timer and the status-lookup guard: the two things that keep one resident's
//! data away from the next person at the kiosk.

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

/// Wrong ticket/secret pairs are limited per kiosk, not per person (the kiosk cannot tell
/// people apart): after `max_failures` in `window`, lookups stop for `lockout`.
#[derive(Clone, Debug)]
pub struct LookupGuard {
    failures: Vec<Instant>,
    locked_until: Option<Instant>,
    pub max_failures: usize,
    pub window: Duration,
    pub lockout: Duration,
}

impl Default for LookupGuard {
    fn default() -> Self {
        LookupGuard {
            failures: Vec::new(),
            locked_until: None,
            max_failures: 5,
            window: Duration::from_secs(10 * 60),
            lockout: Duration::from_secs(5 * 60),
        }
    }
}

impl LookupGuard {
    /// `Err(minutes left)` while locked.
    pub fn allow(&mut self, now: Instant) -> Result<(), u64> {
        match self.locked_until {
            Some(until) if now < until => Err(until.duration_since(now).as_secs().div_ceil(60).max(1)),
            _ => {
                self.locked_until = None;
                Ok(())
            }
        }
    }

    pub fn failed(&mut self, now: Instant) {
        self.failures.retain(|t| now.saturating_duration_since(*t) < self.window);
        self.failures.push(now);
        if self.failures.len() >= self.max_failures {
            self.locked_until = Some(now + self.lockout);
            self.failures.clear();
        }
    }

    pub fn succeeded(&mut self) {
        self.failures.clear();
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

    #[test]
    fn five_wrong_lookups_lock_the_kiosk_for_five_minutes() {
        let t0 = Instant::now();
        let mut g = LookupGuard::default();
        for i in 0..5 {
            assert!(g.allow(t0 + Duration::from_secs(i)).is_ok());
            g.failed(t0 + Duration::from_secs(i));
        }
        assert_eq!(g.allow(t0 + Duration::from_secs(10)), Err(5));
        assert!(g.allow(t0 + Duration::from_secs(5 * 60 + 10)).is_ok());
    }
}
