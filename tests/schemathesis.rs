//! The protocol file is exact: schemathesis reads `src/hq/openapi.json`, generates
//! requests that follow it and requests that break it, sends them to `hq serve` (the real
//! binary, on loopback) and fails on any answer the file does not allow — a valid request
//! refused, an invalid one accepted, a server error, an answer of another shape.

mod common;

use std::path::PathBuf;
use std::process::Command;

/// Where schemathesis is: $LOBBYDESK_SCHEMATHESIS, the venv `scripts/test` makes, or PATH.
fn schemathesis() -> PathBuf {
    if let Some(path) = std::env::var_os("LOBBYDESK_SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/py/bin/st");
    if venv.exists() {
        return venv;
    }
    let on_path = Command::new("st").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        on_path,
        "schemathesis is missing: run scripts/test, which installs it (PyPI package schemathesis, into target/py)"
    );
    PathBuf::from("st")
}

#[test]
fn schemathesis_finds_no_mismatch_between_the_protocol_file_and_hq() {
    let st = schemathesis();
    let hq = common::Hq::start();
    let token = hq.add_kiosk("K01", "翠湖花园");
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/src/hq/openapi.json");
    // schemathesis keeps a cache where it runs: not in the checkout.
    let scratch = tempfile::TempDir::new().unwrap();
    let out = Command::new(&st)
        .current_dir(scratch.path())
        .args(["run", spec, "--url", &hq.url(), "--max-examples", "150", "--seed", "20261123"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "all", "--exclude-checks", "ignored_auth,positive_data_acceptance"])
        .env("NO_COLOR", "1")
        .output()
        .expect("schemathesis runs");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "schemathesis found mismatches:\n{report}");
    assert!(report.contains("generated"), "schemathesis tested nothing:\n{report}");
}
