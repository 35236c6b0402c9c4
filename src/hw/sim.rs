//! Simulated pins for `cargo run` and tests: outputs are remembered (with their history),
//! and a simulated press of the button bounces like a real one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{EdgeCallback, Pin, Pins};

#[derive(Default)]
struct Inner {
    levels: HashMap<Pin, bool>,
    history: Vec<(Pin, bool)>,
    watchers: HashMap<Pin, EdgeCallback>,
}

/// Cheap to clone: clones share the same simulated board.
#[derive(Clone)]
pub struct SimulatedPins {
    inner: Arc<Mutex<Inner>>,
    started: Instant,
}

impl Default for SimulatedPins {
    fn default() -> Self {
        SimulatedPins { inner: Arc::default(), started: Instant::now() }
    }
}

impl SimulatedPins {
    pub fn level(&self, pin: Pin) -> Option<bool> {
        self.inner.lock().ok()?.levels.get(&pin).copied()
    }

    /// Every level ever set on `pin`, oldest first.
    pub fn history(&self, pin: Pin) -> Vec<bool> {
        self.inner
            .lock()
            .map(|i| i.history.iter().filter(|(p, _)| *p == pin).map(|(_, l)| *l).collect())
            .unwrap_or_default()
    }

    /// A finger on the button: the contacts bounce for a few milliseconds on the way down
    /// and again on release, as a real switch does.
    pub fn press(&self, pin: Pin) {
        let base = self.started.elapsed();
        let edges = [
            (false, 0),
            (true, 1),
            (false, 2),
            (true, 4),
            (false, 5),
            (true, 120),
            (false, 121),
            (true, 123),
        ];
        if let Ok(mut inner) = self.inner.lock()
            && let Some(callback) = inner.watchers.get_mut(&pin)
        {
            for (level, ms) in edges {
                callback(level, base + Duration::from_millis(ms));
            }
        }
    }
}

impl Pins for SimulatedPins {
    fn set(&mut self, pin: Pin, high: bool) -> Result<(), String> {
        let mut inner = self.inner.lock().map_err(|_| "simulated board poisoned")?;
        inner.levels.insert(pin, high);
        inner.history.push((pin, high));
        Ok(())
    }

    fn watch(&mut self, pin: Pin, on_edge: EdgeCallback) -> Result<(), String> {
        self.inner.lock().map_err(|_| "simulated board poisoned")?.watchers.insert(pin, on_edge);
        Ok(())
    }
}
