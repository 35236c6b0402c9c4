//! The kiosk's GPIO parts, all optional: a status LED, a "call staff" button and a buzzer
//! (or relay) at the front desk. `Pins` is the small trait the rest of the app sees; the
//! Raspberry Pi implements it with rppal, tests and `cargo run` with `SimulatedPins`,
//! which behaves like the real parts (the button bounces, the LED's level can be read).
//!
//! Status LED patterns (one LED):
//! | state | pattern |
//! |---|---|
//! | ready | steady on |
//! | offline (HQ unreachable) | slow blink: 1 s on, 1 s off |
//! | printer problem | fast blink: 0.2 s on, 0.2 s off |
//! | emergency or staff call pending | double flash: on 0.15, off 0.15, on 0.15, off 0.55 s |
//! The most urgent state wins: emergency, then printer, then offline, then ready.

pub mod backlight;
pub mod sim;
pub mod speech;

#[cfg(target_os = "linux")]
pub mod pi;

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A BCM GPIO number.
pub type Pin = u8;

/// Input levels with a pull-up: the button connects the pin to ground when pressed.
pub type EdgeCallback = Box<dyn FnMut(bool, Duration) + Send>;

pub trait Pins: Send {
    fn set(&mut self, pin: Pin, high: bool) -> Result<(), String>;
    /// Calls `on_edge(level, when)` on every change of `pin`'s level, from an interrupt
    /// (no polling). `when` is a monotonic time of the edge.
    fn watch(&mut self, pin: Pin, on_edge: EdgeCallback) -> Result<(), String>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Indicator {
    Ready,
    Offline,
    PrinterProblem,
    EmergencyPending,
}

impl Indicator {
    /// The on/off durations of one cycle of this state's pattern (ms).
    pub fn pattern(self) -> &'static [(bool, u64)] {
        match self {
            Indicator::Ready => &[(true, 1000)],
            Indicator::Offline => &[(true, 1000), (false, 1000)],
            Indicator::PrinterProblem => &[(true, 200), (false, 200)],
            Indicator::EmergencyPending => &[(true, 150), (false, 150), (true, 150), (false, 550)],
        }
    }
}

/// What the LED should show, from what is going on.
pub fn indicator(hq_reachable: bool, printer_ok: bool, alert_pending: bool) -> Indicator {
    if alert_pending {
        Indicator::EmergencyPending
    } else if !printer_ok {
        Indicator::PrinterProblem
    } else if !hq_reachable {
        Indicator::Offline
    } else {
        Indicator::Ready
    }
}

/// Leading-edge debounce for a push button: the first press edge counts, edges within
/// `lockout` after it are contact bounce. Needs only the interrupts' timestamps.
#[derive(Clone, Debug)]
pub struct Debouncer {
    lockout: Duration,
    last_press: Option<Duration>,
}

impl Debouncer {
    pub fn new(lockout: Duration) -> Debouncer {
        Debouncer { lockout, last_press: None }
    }

    /// True when this edge is a real press (level low, outside the lockout).
    pub fn press(&mut self, level_high: bool, at: Duration) -> bool {
        if level_high {
            return false;
        }
        match self.last_press {
            Some(last) if at.saturating_sub(last) < self.lockout => false,
            _ => {
                self.last_press = Some(at);
                true
            }
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GpioConfig {
    pub status_led: Option<Pin>,
    pub call_button: Option<Pin>,
    pub buzzer: Option<Pin>,
    /// A button behind the front desk, out of the public's reach: it quiets the buzzer
    /// for the alerts pending now (they stay on the staff screen, the LED keeps
    /// flashing, a new alert sounds again). Nothing typed at the kiosk can block it.
    pub silence_button: Option<Pin>,
}

/// Alerts the buzzer sounds for until staff acknowledge them.
#[derive(Clone, Debug, Default)]
pub struct AlarmState {
    pending: u32,
    /// Quieted by the front-desk button while no more than this many alerts wait.
    silenced_at: Option<u32>,
}

impl AlarmState {
    fn sounding(&self) -> bool {
        self.pending > 0 && self.silenced_at.is_none_or(|quiet| self.pending > quiet)
    }
}

/// The kiosk's panel: drives the LED pattern and buzzer, and turns button presses into
/// calls for staff.
pub struct Panel {
    pins: Arc<Mutex<Box<dyn Pins>>>,
    config: GpioConfig,
    indicator: Arc<Mutex<Indicator>>,
    alarm: Arc<Mutex<AlarmState>>,
}

impl Panel {
    /// Starts the LED and buzzer threads and watches the button; `on_call` runs for each
    /// real press (the app raises a front-desk alert and the screen acknowledges it).
    pub fn start(
        pins: Box<dyn Pins>,
        config: GpioConfig,
        on_call: Box<dyn Fn() + Send>,
    ) -> Result<Panel, String> {
        let pins = Arc::new(Mutex::new(pins));
        let indicator = Arc::new(Mutex::new(Indicator::Ready));
        let alarm = Arc::new(Mutex::new(AlarmState::default()));
        if let Some(pin) = config.call_button {
            let mut debouncer = Debouncer::new(Duration::from_millis(200));
            pins.lock().map_err(|_| "GPIO lock poisoned")?.watch(
                pin,
                Box::new(move |level, at| {
                    if debouncer.press(level, at) {
                        on_call();
                    }
                }),
            )?;
        }
        if let Some(pin) = config.silence_button {
            let mut debouncer = Debouncer::new(Duration::from_millis(200));
            let alarm = alarm.clone();
            // Only the state here (the pins are busy delivering this press): the buzzer
            // thread leaves the pin low from its next beat, within half a second.
            pins.lock().map_err(|_| "GPIO lock poisoned")?.watch(
                pin,
                Box::new(move |level, at| {
                    if debouncer.press(level, at) {
                        silence(&alarm);
                    }
                }),
            )?;
        }
        if let Some(pin) = config.status_led {
            let (pins, indicator) = (pins.clone(), indicator.clone());
            std::thread::Builder::new()
                .name("status-led".into())
                .spawn(move || {
                    loop {
                        let pattern =
                            indicator.lock().map(|i| i.pattern()).unwrap_or(Indicator::Ready.pattern());
                        for &(on, ms) in pattern {
                            if let Ok(mut p) = pins.lock() {
                                let _ = p.set(pin, on);
                            }
                            std::thread::sleep(Duration::from_millis(ms));
                        }
                    }
                })
                .map_err(|e| e.to_string())?;
        }
        if let Some(pin) = config.buzzer {
            let (pins, alarm) = (pins.clone(), alarm.clone());
            std::thread::Builder::new()
                .name("buzzer".into())
                .spawn(move || {
                    loop {
                        // Half a second of sound every two seconds while an alert waits.
                        // The alarm stays locked while the pin is set, so an acknowledgement
                        // can never be overtaken by a beep decided just before it.
                        if let Ok(a) = alarm.lock()
                            && let Ok(mut p) = pins.lock()
                        {
                            let _ = p.set(pin, a.sounding());
                        }
                        std::thread::sleep(Duration::from_millis(500));
                        if let Ok(mut p) = pins.lock() {
                            let _ = p.set(pin, false);
                        }
                        std::thread::sleep(Duration::from_millis(1500));
                    }
                })
                .map_err(|e| e.to_string())?;
        }
        Ok(Panel { pins, config, indicator, alarm })
    }

    pub fn show(&self, state: Indicator) {
        if let Ok(mut i) = self.indicator.lock() {
            *i = state;
        }
    }

    /// How many alerts (emergency cases, staff calls) wait for staff: the buzzer sounds
    /// while any does and stops at once when none is left.
    pub fn set_pending(&self, pending: u32) {
        if let Ok(mut a) = self.alarm.lock() {
            a.pending = pending;
            // Quiet covers the alerts that were waiting: once some are dealt with, any
            // new one sounds again.
            a.silenced_at = a.silenced_at.map(|quiet| quiet.min(pending)).filter(|_| pending > 0);
            if !a.sounding()
                && let (Some(pin), Ok(mut p)) = (self.config.buzzer, self.pins.lock())
            {
                let _ = p.set(pin, false);
            }
        }
    }

    /// Whether the buzzer sounds for the alerts pending now.
    pub fn sounding(&self) -> bool {
        self.alarm.lock().map(|a| a.sounding()).unwrap_or(false)
    }

    /// Whether a buzzer is wired: an alert then sounds at the front desk.
    pub fn has_buzzer(&self) -> bool {
        self.config.buzzer.is_some()
    }

    pub fn alerts_pending(&self) -> u32 {
        self.alarm.lock().map(|a| a.pending).unwrap_or(0)
    }
}

/// What the front-desk silence button does: the alerts waiting now go quiet (the
/// buzzer thread leaves the pin low from its next beat).
fn silence(alarm: &Mutex<AlarmState>) {
    if let Ok(mut a) = alarm.lock() {
        a.silenced_at = Some(a.pending);
        tracing::info!(pending = a.pending, "buzzer silenced at the front desk");
    }
}

#[cfg(test)]
mod tests;
