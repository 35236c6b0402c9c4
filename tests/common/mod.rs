//! Helpers shared by the integration tests: a temporary kiosk data dir and the real binary.
#![allow(dead_code)]

pub mod browser;
pub mod filings;
pub mod hq_db;
pub mod postgres;
pub mod webhook;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_lobbydesk");

/// A kiosk with its own data directory, fixed at Monday 2026-11-23 10:00 Shanghai unless
/// a test passes its own `--now`.
pub struct Kiosk {
    pub dir: TempDir,
    pub now: String,
}

/// The people tests act as (`--by`): one of each role the seeds name. No PINs: they are
/// named on the command line, not signed in on the screen.
pub const STAFF: &str = r#"
[[staff]]
id = "wang"
name = "王芳"
role = "front-desk"
[[staff]]
id = "zhao"
name = "赵强"
role = "front-desk"
[[staff]]
id = "li"
name = "李师傅"
role = "technician"
[[staff]]
id = "zhou"
name = "周主管"
role = "department-supervisor"
department = "security"
[[staff]]
id = "sun"
name = "孙主管"
role = "department-supervisor"
department = "engineering"
[[staff]]
id = "liu"
name = "刘主任"
role = "service-supervisor"
[[staff]]
id = "he"
name = "何总监"
role = "cs-director"
[[staff]]
id = "chen"
name = "陈经理"
role = "estate-manager"
[[staff]]
id = "hq-quality"
name = "全质办"
role = "quality-office"
[[staff]]
id = "hq-hotline"
name = "总经理热线"
role = "hotline"
"#;

impl Kiosk {
    /// With the `STAFF` roster as its whole config.
    pub fn new() -> Kiosk {
        let k = Kiosk { dir: TempDir::new().expect("temp dir"), now: "2026-11-23T10:00:00+08:00".into() };
        k.write_config("");
        k
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `toml`, with the `STAFF` roster after it unless it names its own staff.
    pub fn write_config(&self, toml: &str) -> PathBuf {
        let path = self.path().join("lobbydesk.toml");
        let roster = if toml.contains("[[staff]]") { "" } else { STAFF };
        std::fs::write(&path, format!("{toml}\n{roster}")).expect("write config");
        path
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(BIN);
        cmd.arg("--data-dir").arg(self.path());
        if !args.contains(&"--now") {
            cmd.args(["--now", &self.now]);
        }
        cmd.args(args).env_remove("LOBBYDESK_CONFIG").env_remove("LOBBYDESK_DATA_DIR");
        cmd.output().expect("run lobbydesk")
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "lobbydesk {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs and expects failure; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "lobbydesk {args:?} should have failed");
        String::from_utf8(out.stderr).expect("utf-8 stderr")
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).expect("valid JSON")
    }

    pub fn file_repair(&self) -> String {
        self.ok(&[
            "file",
            "--category",
            "water",
            "--place",
            "3-2-1201",
            "--phone",
            "13800138000",
            "--text",
            "厨房水管漏水",
        ])
        .trim()
        .to_string()
    }
}

/// A process that is killed when the test lets go of it (an HQ server, a child under test).
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `lobbydesk hq serve` on a loopback port over `dir`, once it accepts connections.
pub fn serve(dir: &Path, port: u16) -> Server {
    let child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(["hq", "serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        // LOBBYDESK_TEST_HQ_LOG=1 shows what the server logs, to debug a test.
        .stderr(if std::env::var_os("LOBBYDESK_TEST_HQ_LOG").is_some() {
            std::process::Stdio::inherit()
        } else {
            std::process::Stdio::null()
        })
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "HQ did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Server(child)
}

/// HQ run from the binary: its data directory, and the server while `start`ed.
pub struct Hq {
    pub data: Kiosk,
    pub port: u16,
    server: Option<Server>,
}

impl Hq {
    /// HQ on the SQLite store in its data directory.
    pub fn start() -> Hq {
        Hq::start_on(hq_db::Backend::Sqlite)
    }

    /// HQ on `backend`: for PostgreSQL a fresh database on the test cluster, named in the
    /// data directory's config, so `hq serve` and every `hq` command use it.
    pub fn start_on(backend: hq_db::Backend) -> Hq {
        let data = Kiosk::new();
        if let hq_db::Backend::Postgres = backend {
            data.write_config(&format!("[hq_server]\ndatabase = \"{}\"\n", postgres::database()));
        }
        let port = free_port();
        let server = Some(serve(data.path(), port));
        if let hq_db::Backend::Postgres = backend {
            assert!(!data.path().join("lobbydesk.sqlite").exists(), "HQ serves from PostgreSQL, not a file");
        }
        Hq { data, port, server }
    }

    /// Every event HQ holds, in arrival order, from whichever store it runs on.
    pub fn events(&self) -> Vec<lobbydesk::store::StoredEvent> {
        let settings =
            lobbydesk::config::Settings::load(&self.data.path().join("lobbydesk.toml"), true).unwrap();
        let db = lobbydesk::hq::db::DbSettings::parse(
            settings.hq_server.database.as_deref(),
            None,
            self.data.path(),
        )
        .unwrap();
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async { hq_db::events_at(db.open().await.unwrap().as_ref()).await })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Registers a kiosk; returns its credential.
    pub fn add_kiosk(&self, code: &str, estate: &str) -> String {
        let out = self.data.ok(&["hq", "add-kiosk", code, "--estate", estate]);
        out.lines()
            .find(|l| l.len() == 64 && l.chars().all(|c| c.is_ascii_hexdigit()))
            .expect("a credential")
            .to_string()
    }

    pub fn stop(&mut self) {
        self.server = None;
    }

    /// Serves again on the same port and data.
    pub fn restart(&mut self) {
        self.server = None;
        self.server = Some(serve(self.data.path(), self.port));
    }

    /// A kiosk with its own data directory, registered here and configured to sync.
    pub fn kiosk(&self, code: &str, estate: &str, extra_hq: &str) -> (Kiosk, String) {
        let token = self.add_kiosk(code, estate);
        let kiosk = Kiosk::new();
        kiosk.write_config(&format!(
            "[kiosk]\ncode = \"{code}\"\nestate = \"{estate}\"\n[hq]\nurl = \"{}\"\ntoken = \"{token}\"\n{extra_hq}\n",
            self.url()
        ));
        (kiosk, token)
    }
}

/// A child process killed and reaped when dropped, also when a test fails.
pub struct Reaped(pub std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A virtual 800×480 display on `display` (":91"); gone when dropped.
pub fn xvfb(display: &str) -> Reaped {
    let server = Reaped(
        Command::new("Xvfb")
            .args([display, "-screen", "0", "800x480x24"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("Xvfb is missing: run scripts/test, which installs it (Debian package xvfb)"),
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    server
}

/// Waits up to `within` for a message starting with `prefix` on a systemd notify socket
/// (`READY=1`, `WATCHDOG=1`).
pub fn notified(
    socket: &std::os::unix::net::UnixDatagram,
    prefix: &str,
    within: std::time::Duration,
) -> bool {
    let deadline = std::time::Instant::now() + within;
    let mut buf = [0u8; 256];
    while std::time::Instant::now() < deadline {
        socket.set_read_timeout(Some(deadline - std::time::Instant::now())).unwrap();
        match socket.recv(&mut buf) {
            Ok(n) if String::from_utf8_lossy(&buf[..n]).starts_with(prefix) => return true,
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
    false
}
