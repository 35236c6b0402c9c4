//! Hybrid logical clock stamps order events across kiosks and HQ. A Pi has no battery
//! clock and may boot in 1970 or last week: the stamp never goes backwards on one origin,
//! and an event made after seeing another always sorts after it, whatever the wall clocks say.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub struct Hlc {
    pub millis: i64,
    #[schemars(range(max = 4_294_967_295u32))]
    pub counter: u32,
}

impl Hlc {
    /// The stamp for a local event at wall time `wall_millis`, after `last`.
    pub fn tick(last: Hlc, wall_millis: i64) -> Hlc {
        if wall_millis > last.millis { Hlc { millis: wall_millis, counter: 0 } } else { last.next() }
    }

    /// Advance `last` past a stamp received from another origin.
    pub fn observe(last: Hlc, remote: Hlc, wall_millis: i64) -> Hlc {
        let newest = last.max(remote);
        Hlc::tick(newest, wall_millis)
    }

    fn next(self) -> Hlc {
        match self.counter.checked_add(1) {
            Some(counter) => Hlc { millis: self.millis, counter },
            None => Hlc { millis: self.millis + 1, counter: 0 },
        }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.millis, self.counter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_follow_the_wall_clock_when_it_moves_forward() {
        let s = Hlc::tick(Hlc::default(), 1_000);
        assert_eq!(s, Hlc { millis: 1_000, counter: 0 });
        assert_eq!(Hlc::tick(s, 2_000), Hlc { millis: 2_000, counter: 0 });
    }

    #[test]
    fn stamps_never_go_backwards_when_the_wall_clock_does() {
        let s = Hlc::tick(Hlc::default(), 5_000);
        let after_reboot_in_1970 = Hlc::tick(s, 10);
        assert!(after_reboot_in_1970 > s);
        assert!(Hlc::tick(after_reboot_in_1970, 10) > after_reboot_in_1970);
    }

    #[test]
    fn an_event_made_after_seeing_a_remote_one_sorts_after_it() {
        let remote = Hlc { millis: 9_000, counter: 3 };
        let local = Hlc::observe(Hlc { millis: 1_000, counter: 0 }, remote, 2_000);
        assert!(local > remote);
    }
}
