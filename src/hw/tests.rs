use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::sim::SimulatedPins;
use super::*;

#[test]
fn a_bouncing_press_counts_once_and_a_second_press_counts_again() {
    let mut d = Debouncer::new(Duration::from_millis(200));
    let ms = Duration::from_millis;
    let edges =
        [(false, 0), (true, 1), (false, 2), (true, 4), (false, 5), (true, 120), (false, 121), (true, 123)];
    let presses = edges.iter().filter(|(level, t)| d.press(*level, ms(*t))).count();
    assert_eq!(presses, 1);
    assert!(d.press(false, ms(700)), "a new press after the lockout counts");
}

#[test]
fn the_simulated_button_raises_one_call_per_press() {
    let pins = SimulatedPins::default();
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let config = GpioConfig { status_led: None, call_button: Some(27), buzzer: None, silence_button: None };
    let _panel = Panel::start(
        Box::new(pins.clone()),
        config,
        Box::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
        }),
    )
    .unwrap();
    pins.press(27);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    std::thread::sleep(Duration::from_millis(250));
    pins.press(27);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn the_most_urgent_state_decides_the_led() {
    assert_eq!(indicator(true, true, false), Indicator::Ready);
    assert_eq!(indicator(false, true, false), Indicator::Offline);
    assert_eq!(indicator(false, false, false), Indicator::PrinterProblem);
    assert_eq!(indicator(false, false, true), Indicator::EmergencyPending);
}

#[test]
fn the_led_blinks_its_pattern_and_the_buzzer_sounds_until_acknowledged() {
    let pins = SimulatedPins::default();
    let config =
        GpioConfig { status_led: Some(17), call_button: None, buzzer: Some(22), silence_button: None };
    let panel = Panel::start(Box::new(pins.clone()), config, Box::new(|| {})).unwrap();
    panel.show(Indicator::PrinterProblem);
    std::thread::sleep(Duration::from_millis(1300));
    let led = pins.history(17);
    let toggles = led.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(toggles >= 3, "fast blink toggles: {led:?}");
    assert!(!pins.history(22).contains(&true), "no alert, no sound");
    panel.set_pending(1);
    std::thread::sleep(Duration::from_millis(2200));
    assert!(pins.history(22).contains(&true), "sounding while an alert waits");
    panel.set_pending(0);
    assert_eq!(panel.alerts_pending(), 0);
    assert_eq!(pins.level(22), Some(false));
}

#[test]
fn the_front_desk_silence_button_quiets_the_alerts_waiting_and_a_new_one_sounds_again() {
    let pins = SimulatedPins::default();
    let config =
        GpioConfig { status_led: None, call_button: None, buzzer: Some(22), silence_button: Some(23) };
    let panel = Panel::start(Box::new(pins.clone()), config, Box::new(|| {})).unwrap();
    panel.set_pending(2);
    assert!(panel.sounding());
    pins.press(23);
    assert!(!panel.sounding(), "silenced by the button behind the desk");
    std::thread::sleep(Duration::from_millis(600));
    let beeps_before = pins.history(22).iter().filter(|on| **on).count();
    std::thread::sleep(Duration::from_millis(2200));
    let beeps_after = pins.history(22).iter().filter(|on| **on).count();
    assert_eq!(beeps_before, beeps_after, "no beat sounds after the press");
    assert_eq!(panel.alerts_pending(), 2, "the alerts themselves stay until dealt with");
    panel.set_pending(1);
    assert!(!panel.sounding(), "one dealt with: still quiet");
    panel.set_pending(2);
    assert!(panel.sounding(), "a new alert sounds again");
    panel.set_pending(0);
    panel.set_pending(1);
    assert!(panel.sounding(), "after all were dealt with, the next alert sounds");
}
