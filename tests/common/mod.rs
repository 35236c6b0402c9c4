//! Helpers shared by the integration tests: a temporary kiosk data dir and the real binary.
#![allow(dead_code)]

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

impl Kiosk {
    pub fn new() -> Kiosk {
        Kiosk { dir: TempDir::new().expect("temp dir"), now: "2026-11-23T10:00:00+08:00".into() }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write_config(&self, toml: &str) -> PathBuf {
        let path = self.path().join("lobbydesk.toml");
        std::fs::write(&path, toml).expect("write config");
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
