//! HQ and sync from the command line, as an operator would run them.

mod common;

use common::{Kiosk, free_port, serve};

#[test]
fn a_kiosk_syncs_with_hq_from_the_command_line() {
    let hq = Kiosk::new();
    let out = hq.ok(&["hq", "add-kiosk", "K01", "--estate", "翠湖花园"]);
    let token = out
        .lines()
        .find(|l| l.len() == 64 && l.chars().all(|c| c.is_ascii_hexdigit()))
        .expect("a credential")
        .to_string();
    let port = free_port();
    let _server = serve(hq.path(), port);

    let kiosk = Kiosk::new();
    kiosk.write_config(&format!(
        "[kiosk]\ncode = \"K01\"\nestate = \"翠湖花园\"\n[hq]\nurl = \"http://127.0.0.1:{port}\"\ntoken = \"{token}\"\n"
    ));
    let status = kiosk.ok(&["sync", "status"]);
    assert!(status.contains("last success: never") && status.contains("outbox:       0"), "{status}");
    let ticket = kiosk.file_repair();
    let moved = kiosk.ok(&["sync", "--once"]);
    assert!(moved.contains("sent 1 event(s)"), "{moved}");
    let at_hq = hq.json(&["hq", "cases"]);
    assert_eq!(at_hq[0]["ticket"], ticket.as_str());
    assert_eq!(hq.json(&["hq", "cases", "--estate", "别处"]).as_array().unwrap().len(), 0);

    hq.ok(&[
        "hq",
        "act",
        &ticket,
        "assign",
        "--department",
        "engineering",
        "--to",
        "总部",
        "--by",
        "hq-quality",
    ]);
    let moved = kiosk.ok(&["sync", "--once"]);
    assert!(moved.contains("received 1"), "{moved}");
    assert_eq!(kiosk.json(&["show", &ticket])["case"]["assignee"], "总部");
    let status = kiosk.ok(&["sync", "status"]);
    assert!(status.contains("outbox:       0") && !status.contains("never"), "{status}");

    hq.ok(&["hq", "revoke-kiosk", "K01"]);
    kiosk.file_repair();
    let err = kiosk.fails(&["sync", "--once"]);
    assert!(err.contains("revoked") && err.contains("keeps its events"), "{err}");
    assert!(kiosk.ok(&["sync", "status"]).contains("outbox:       1"));
}

#[test]
fn hq_refuses_plain_http_off_loopback_and_bad_hq_config_is_explained() {
    let hq = Kiosk::new();
    let err = hq.fails(&["hq", "serve", "--listen", "0.0.0.0:18443"]);
    assert!(err.contains("not a loopback address") && err.contains("--tls-cert"), "{err}");
    let kiosk = Kiosk::new();
    kiosk.write_config("[hq]\nurl = \"http://hq.example.com\"\ntoken = \"0000000000000000000000000000000000000000000000000000000000000000\"\n");
    assert!(kiosk.fails(&["cases"]).contains("https://"));
    kiosk.write_config("[hq]\nurl = \"https://hq.example.com\"\n");
    assert!(kiosk.fails(&["cases"]).contains("token is not"));
    let unconfigured = Kiosk::new();
    assert!(unconfigured.fails(&["sync", "--once"]).contains("no HQ configured"));
}

/// Records are kept two years: a purge of anything younger is refused and deletes nothing.
#[test]
fn hq_refuses_to_purge_records_younger_than_two_years() {
    let hq = Kiosk::new();
    let err = hq.fails(&["hq", "purge", "--older-than-days", "1"]);
    assert!(err.contains("kept two years") && err.contains("730"), "{err}");
    assert!(hq.ok(&["hq", "purge"]).contains("0 case(s) closed more than 730 days ago deleted"));
}
