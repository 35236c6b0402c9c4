//! After the machine went down under it (a power cut) the kiosk reads every page of its
//! database once its window is up, and stops, saying so, when one is damaged; after a
//! normal close or a crashed process it starts without reading them (start-up must not
//! grow with the file). `lobbydesk check` reads everything, the search index too, on
//! demand. The real kiosk window under Xvfb, as systemd runs it.

mod common;

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Reaped;

const CHECKED: &str = "every page of the database reads";

fn kiosk(data: &Path, display: &str, socket: &Path, log: &Path) -> Command {
    let mut cmd = Command::new(common::BIN);
    cmd.arg("--data-dir")
        .arg(data)
        .arg("kiosk")
        .env("DISPLAY", display)
        .env("NOTIFY_SOCKET", socket)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap());
    cmd
}

#[test]
fn the_kiosk_reads_every_page_only_after_the_machine_went_down_under_it() {
    let display = format!(":{}", 60 + std::process::id() % 9);
    let _xvfb = common::xvfb(&display);
    let dir = tempfile::TempDir::new().unwrap();
    let data = dir.path().join("data");
    {
        let settings = lobbydesk::config::Settings::from_toml("", "test").unwrap();
        let mut desk = lobbydesk::app::Desk::open(settings, &data).unwrap();
        lobbydesk::app::generate::realistic_cases(&mut desk, 2000, chrono::Utc::now(), 3).unwrap();
    }
    let socket_path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    let log = dir.path().join("kiosk.log");
    let mark = data.join("kiosk.running");
    let logged = || std::fs::read_to_string(&log).unwrap();
    // Runs the kiosk until its window is up and a moment more, then kills it (the mark stays).
    let run_and_kill = || {
        let _kiosk = Reaped(kiosk(&data, &display, &socket_path, &log).spawn().unwrap());
        assert!(
            common::notified(&socket, "READY=1", Duration::from_secs(30)),
            "the kiosk reports ready: {}",
            logged()
        );
        std::thread::sleep(Duration::from_millis(1500));
    };

    // The first start, and a start after the process died in this same boot: no check.
    run_and_kill();
    assert!(!logged().contains(CHECKED), "first start: {}", logged());
    assert!(mark.exists(), "a running kiosk leaves its mark");
    run_and_kill();
    assert!(!logged().contains(CHECKED), "after a crash: {}", logged());

    // The mark of another boot: the power went while it ran.
    std::fs::write(&mark, "00000000-0000-0000-0000-000000000000\n").unwrap();
    let _kiosk = Reaped(kiosk(&data, &display, &socket_path, &log).spawn().unwrap());
    let started = Instant::now();
    while !logged().contains(CHECKED) {
        assert!(started.elapsed() < Duration::from_secs(30), "after a power cut: {}", logged());
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(_kiosk);

    // A kiosk that closes normally takes its mark away.
    let out =
        kiosk(&data, &display, &socket_path, &log).env("LOBBYDESK_EXIT_AFTER_PAINT", "1").status().unwrap();
    assert!(out.success(), "{}", logged());
    assert!(!mark.exists(), "closed normally");

    let check =
        |dir: &Path| Command::new(common::BIN).arg("--data-dir").arg(dir).arg("check").output().unwrap();
    let whole = check(&data);
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    assert!(String::from_utf8_lossy(&whole.stdout).contains("is whole"));

    // A page deep in the file lost with the power: the kiosk stops and says what to do.
    let db = data.join("lobbydesk.sqlite");
    let mut bytes = std::fs::read(&db).unwrap();
    let page = 4096;
    assert!(bytes.len() > 60 * page, "a file of many pages: {}", bytes.len());
    bytes[50 * page..51 * page].fill(0x5a);
    std::fs::write(&db, bytes).unwrap();
    let damaged = check(&data);
    assert_eq!(damaged.status.code(), Some(78));
    assert!(
        String::from_utf8_lossy(&damaged.stderr).contains("damaged"),
        "{}",
        String::from_utf8_lossy(&damaged.stderr)
    );
    std::fs::write(&mark, "00000000-0000-0000-0000-000000000000\n").unwrap();
    let mut stopped = kiosk(&data, &display, &socket_path, &log).spawn().unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = stopped.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "a damaged file stops the kiosk: {}", logged());
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status.code(), Some(78), "the status systemd does not restart on: {}", logged());
    assert!(logged().contains("damaged") && logged().contains("restore the latest backup"), "{}", logged());
    assert!(std::fs::read_to_string(&mark).unwrap().contains("damage"), "a start by hand checks again");
}
