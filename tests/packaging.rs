//! The .deb is built on another machine (deploy/build-arm64.sh), so a file renamed here
//! or a unit directive lost in an edit would only show on a Pi. These checks keep the
//! package's inputs honest on every CI run.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_file_the_deb_installs_is_in_the_repository() {
    let manifest: toml::Table = read("Cargo.toml").parse().unwrap();
    let deb = &manifest["package"]["metadata"]["deb"];
    let assets = deb["assets"].as_array().unwrap();
    let mut installed = Vec::new();
    for asset in assets {
        let source = asset[0].as_str().unwrap();
        let target = asset[1].as_str().unwrap();
        installed.push(target.to_string() + Path::new(source).file_name().unwrap().to_str().unwrap());
        if source.starts_with("target/") {
            continue; // built by cargo-deb's own build step
        }
        assert!(root().join(source).is_file(), "{source} is packaged but missing");
    }
    for needed in [
        "usr/bin/lobbydesk",
        "lib/systemd/system/lobbydesk.service",
        "lib/udev/rules.d/60-lobbydesk-printer.rules",
        "lib/udev/rules.d/61-lobbydesk-input.rules",
        "usr/share/doc/lobbydesk/lobbydesk.example.toml",
    ] {
        assert!(installed.iter().any(|i| i == needed), "the package does not install {needed}");
    }
    let scripts = deb["maintainer-scripts"].as_str().unwrap();
    for script in ["postinst", "prerm"] {
        let path = root().join(scripts).join(script);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{} must be executable", path.display());
    }
}

#[test]
fn the_unit_is_supervised_by_the_watchdog_and_reboots_as_a_last_resort() {
    let unit = read("deploy/systemd/lobbydesk.service");
    let has = |line: &str| unit.lines().any(|l| l.trim() == line);
    for line in [
        "Type=notify",
        "Restart=always",
        "StartLimitAction=reboot",
        "RestartPreventExitStatus=78",
        "User=lobbydesk",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/lobbydesk",
    ] {
        assert!(has(line), "the unit lacks {line}");
    }
    assert!(unit.lines().any(|l| l.starts_with("WatchdogSec=")), "the unit lacks WatchdogSec");
    // The kiosk must be able to reach what it drives.
    for device in ["char-drm", "char-input", "char-usbmisc"] {
        assert!(unit.contains(&format!("DeviceAllow={device}")), "the unit blocks {device}");
    }
}

#[test]
fn udev_rules_are_well_formed() {
    for file in ["deploy/udev/60-lobbydesk-printer.rules", "deploy/udev/61-lobbydesk-input.rules"] {
        let rules = read(file);
        let active: Vec<&str> =
            rules.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        assert!(!active.is_empty(), "{file} has no rule");
        for rule in active {
            assert!(rule.contains("=="), "{file}: a rule without a match: {rule}");
            assert_eq!(rule.matches('"').count() % 2, 0, "{file}: unbalanced quotes: {rule}");
            for pair in rule.split(", ") {
                assert!(pair.contains('='), "{file}: not KEY=value: {pair}");
            }
        }
    }
}
