//! The systemd watchdog, shown working: a harness that does what systemd does (a notify
//! socket, WatchdogSec=1) runs the real kiosk window under Xvfb, freezes it with SIGSTOP,
//! sees the pings stop, kills and restarts it, and sees the new one become ready.

mod common;

use common::{Reaped, notified as expect};
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn a_frozen_kiosk_misses_its_watchdog_pings_and_is_restarted() {
    let display = format!(":{}", 90 + std::process::id() % 9);
    let _xvfb = common::xvfb(&display);
    let dir = tempfile::TempDir::new().unwrap();
    let socket_path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    let start = || {
        Reaped(
            Command::new(common::BIN)
                .arg("--data-dir")
                .arg(dir.path().join("data"))
                .arg("kiosk")
                .env("DISPLAY", &display)
                .env("NOTIFY_SOCKET", &socket_path)
                .env("WATCHDOG_USEC", "1000000")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    };
    let kiosk = start();
    assert!(expect(&socket, "READY=1", Duration::from_secs(20)), "the kiosk reports ready");
    assert!(expect(&socket, "WATCHDOG=1", Duration::from_secs(2)), "and pings the watchdog");
    // Freeze it, as a hung UI would be.
    let status = Command::new("kill").args(["-STOP", &kiosk.0.id().to_string()]).status().unwrap();
    assert!(status.success());
    // Drain pings sent before the freeze, then none may come within the watchdog time.
    while expect(&socket, "WATCHDOG=1", Duration::from_millis(100)) {}
    assert!(!expect(&socket, "WATCHDOG=1", Duration::from_millis(1500)), "a frozen kiosk sends no pings");
    // What systemd does on a missed watchdog: kill it and start it again.
    drop(kiosk);
    let _again = start();
    assert!(expect(&socket, "READY=1", Duration::from_secs(20)), "the restarted kiosk reports ready");
    assert!(expect(&socket, "WATCHDOG=1", Duration::from_secs(2)));
}
