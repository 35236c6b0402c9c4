//! A screen reader can use the kiosk: the real kiosk window under Xvfb, on its own
//! D-Bus session with the AT-SPI accessibility bus, driven only through AT-SPI
//! (tests/screen_reader.py with Debian's python3-pyatspi): a repair filed by pressing
//! controls by name, the ticket number and print status read back; then a clerk signs in,
//! finds the case and replies through the desk's form, and the reply is read back.

mod common;

use common::Reaped;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const MISSING: &str =
    "run scripts/test, which installs xvfb, dbus, at-spi2-core, libglib2.0-bin and python3-pyatspi";

#[test]
fn a_screen_reader_files_a_repair_reads_the_ticket_number_and_works_it_at_the_desk() {
    let display = format!(":{}", 80 + std::process::id() % 9);
    let _xvfb = common::xvfb(&display);
    // A private session bus: the accessibility bus is found through it.
    let mut bus = Reaped(
        Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect(MISSING),
    );
    let mut address = String::new();
    BufReader::new(bus.0.stdout.take().unwrap()).read_line(&mut address).unwrap();
    let address = address.trim().to_string();
    assert!(address.starts_with("unix:"), "dbus-daemon printed {address:?}");
    let env = [("DISPLAY", display.as_str()), ("DBUS_SESSION_BUS_ADDRESS", address.as_str())];
    let _a11y_bus = Reaped(
        Command::new("/usr/libexec/at-spi-bus-launcher")
            .arg("--launch-immediately")
            .envs(env)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(MISSING),
    );
    std::thread::sleep(Duration::from_millis(800));
    // What a desktop does when a screen reader starts: accessibility on.
    let enabled = Command::new("gdbus")
        .args([
            "call",
            "--session",
            "--dest",
            "org.a11y.Bus",
            "--object-path",
            "/org/a11y/bus",
            "--method",
            "org.freedesktop.DBus.Properties.Set",
            "org.a11y.Status",
            "IsEnabled",
            "<true>",
        ])
        .envs(env)
        .output()
        .expect(MISSING);
    assert!(enabled.status.success(), "{}", String::from_utf8_lossy(&enabled.stderr));

    let dir = tempfile::TempDir::new().unwrap();
    // A clerk who signs in on the screen, for the desk's part.
    let pin = lobbydesk::kiosk::staff::PinHash::new("246810").unwrap();
    std::fs::write(
        dir.path().join("lobbydesk.toml"),
        format!(
            "[kiosk]\nestate = \"翠湖花园\"\nfront_desk_phone = \"0755-12345678\"\n\n\
             [[staff]]\nid = \"wangfang\"\nname = \"王芳\"\npin = \"{pin}\"\n"
        ),
    )
    .unwrap();
    let _kiosk = Reaped(
        Command::new(common::BIN)
            .arg("--data-dir")
            .arg(dir.path())
            .arg("kiosk")
            .envs(env)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/screen_reader.py");
    // Debian's python3: the one python3-pyatspi installs into.
    let run = Command::new("/usr/bin/python3").arg(script).envs(env).output().expect(MISSING);
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{said}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(said.contains("受理单号 K01-00001"), "the ticket number is read out: {said}");
    assert!(said.contains("打印状态 受理单已打印"), "and whether it printed: {said}");
    assert!(said.contains("K01-00001  已确认受理"), "back on the case after the reply: {said}");
    let shown = Command::new(common::BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["show", "K01-00001", "--json"])
        .output()
        .unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("show --json");
    let reply = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["body"]["type"] == "replied")
        .unwrap_or_else(|| panic!("the reply made through AT-SPI is recorded: {shown}"));
    assert_eq!(reply["body"]["text"], "已收到，正在安排处理");
    assert_eq!(reply["actor"], "wangfang");
}
