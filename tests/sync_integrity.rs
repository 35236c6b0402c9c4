//! Sync integrity and HQ's distrust of kiosks, tried as a careless installer and as an
//! attacker would: the real `lobbydesk` binary for kiosks and for HQ (`hq serve` on
//! loopback), two or three kiosks at once, and hand-made requests with a kiosk's
//! credential. Each test reproduces something that lost cases or let one kiosk damage
//! another before.

mod common;

use chrono::{DateTime, Utc};
use common::filings::filing_of;
use common::hq_db::Backend;
use common::{Hq, Kiosk};
use lobbydesk::domain::event::{EventBody, Origin};
use lobbydesk::store::StoredEvent;
use std::path::Path;
use uuid::Uuid;

/// Each test of HQ's side runs on both stores: `NAME::sqlite` and `NAME::postgres`.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(super::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                super::$name(super::Backend::Postgres)
            }
        }
    )*};
}

on_both_stores!(
    after_a_purge_the_next_events_still_reach_hq,
    a_restored_data_directory_continues_after_what_hq_holds,
    a_lost_database_stops_the_kiosk_until_a_person_decides,
    a_wiped_data_directory_is_refused_by_what_hq_holds,
    no_kiosk_can_file_over_another_estates_case_or_take_another_kiosks_numbers,
    a_kiosk_clock_in_2099_moves_no_other_clock,
    hq_applies_the_kiosks_content_limits_and_bounds_every_request,
    the_bearer_scheme_is_case_insensitive_and_pull_limits_are_enforced,
);

const ESTATE: &str = "翠湖花园";
const OTHER_ESTATE: &str = "碧水湾";

fn count_cases_at(hq: &Hq) -> usize {
    hq.data.json(&["hq", "cases"]).as_array().unwrap().len()
}

fn case_id(kiosk: &Kiosk, ticket: &str) -> Uuid {
    kiosk.json(&["show", ticket])["case"]["id"].as_str().unwrap().parse().unwrap()
}

/// Copies a data directory (a backup of the whole directory, as an installer would make).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn replace_dir(dir: &Path, with: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            std::fs::remove_dir_all(path).unwrap();
        } else {
            std::fs::remove_file(path).unwrap();
        }
    }
    copy_dir(with, dir);
}

fn after_a_purge_the_next_events_still_reach_hq(backend: Backend) {
    let hq = Hq::start_on(backend);
    let (kiosk, _) = hq.kiosk("K01", ESTATE, "keep_closed_days = 0");
    // Filed and closed last week (HQ refuses stamps from the future, so the story runs
    // up to today, not past it).
    let last_week = "2026-11-16T10:00:00+08:00";
    let first = kiosk.ok(&[
        "--now",
        last_week,
        "file",
        "--category",
        "water",
        "--place",
        "1-101",
        "--anonymous",
        "--text",
        "水管漏水",
    ]);
    let first = first.trim();
    kiosk.ok(&["--now", last_week, "act", first, "resolve", "--note", "换了阀门", "--by", "wang"]);
    kiosk.ok(&["--now", last_week, "act", first, "close", "--by", "liu"]);
    let out = kiosk.ok(&["--now", last_week, "sync", "--once"]);
    assert!(out.contains("sent 3 event(s)"), "{out}");
    let out = kiosk.ok(&["sync", "--once"]);
    assert!(out.contains("1 closed case(s)"), "the closed case leaves the kiosk: {out}");
    // The events after the purge used to take indexes HQ already held, and vanished.
    let second = kiosk.ok(&[
        "file",
        "--category",
        "water",
        "--place",
        "2-202",
        "--phone",
        "13800138000",
        "--text",
        "又漏了",
    ]);
    let second = second.trim();
    kiosk.ok(&["act", second, "acknowledge", "--by", "wang"]);
    let out = kiosk.ok(&["sync", "--once"]);
    assert!(out.contains("sent 2 event(s), set aside 0"), "{out}");
    assert!(kiosk.ok(&["sync", "status"]).contains("outbox:       0"));
    assert_eq!(count_cases_at(&hq), 2);
    assert_eq!(hq.data.json(&["hq", "cases", "--open"])[0]["ticket"], second);
}

fn a_restored_data_directory_continues_after_what_hq_holds(backend: Backend) {
    let mut hq = Hq::start_on(backend);
    let (kiosk, _) = hq.kiosk("K01", ESTATE, "");
    let a = kiosk.file_repair();
    kiosk.ok(&["sync", "--once"]);
    let backup = tempfile::TempDir::new().unwrap();
    copy_dir(kiosk.path(), backup.path());
    let b = kiosk.file_repair();
    let c = kiosk.file_repair();
    kiosk.ok(&["sync", "--once"]);
    assert_eq!(count_cases_at(&hq), 3);

    // The whole directory comes back from the old backup, with HQ reachable: the next
    // ticket and index follow HQ's, not the backup's.
    replace_dir(kiosk.path(), backup.path());
    let d = kiosk.file_repair();
    assert!(d > c, "{d} must come after {c} (and never be {b} again)");
    let out = kiosk.ok(&["sync", "--once"]);
    assert!(out.contains("sent 1 event(s), set aside 0") && out.contains("received 2"), "{out}");
    assert_eq!(count_cases_at(&hq), 4);
    // What the backup lacked comes back from HQ: residents can look up B and C here.
    for ticket in [&b, &c] {
        assert_eq!(kiosk.json(&["show", ticket])["case"]["intake"]["ticket"], ticket.as_str());
    }

    // Again, but HQ is out of reach while the restored kiosk works: its new event takes
    // an index HQ holds. At the next sync it is renumbered and sent, not dropped.
    replace_dir(kiosk.path(), backup.path());
    hq.stop();
    kiosk.ok(&["act", &a, "note", "--text", "已联系住户", "--by", "wang"]);
    hq.restart();
    let out = kiosk.ok(&["sync", "--once"]);
    assert!(
        out.contains("sent 1 event(s), set aside 0") && out.contains("1 event(s) got new indexes"),
        "{out}"
    );
    let notes = hq.events().into_iter().filter(|e| e.event.body.name() == "progress-note").count();
    assert_eq!(notes, 1);
    assert!(kiosk.ok(&["sync", "status"]).contains("outbox:       0"));
}

fn a_lost_database_stops_the_kiosk_until_a_person_decides(backend: Backend) {
    let hq = Hq::start_on(backend);
    let (kiosk, _) = hq.kiosk("K01", ESTATE, "");
    kiosk.file_repair();
    kiosk.file_repair();
    kiosk.ok(&["sync", "--once"]);
    let db = kiosk.path().join("lobbydesk.sqlite");
    // Emptied (a full disk, a careless copy): nothing may be silently made anew.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(kiosk.path().join(format!("lobbydesk.sqlite{suffix}")));
    }
    std::fs::write(&db, b"").unwrap();
    for args in
        [&["cases"][..], &["file", "--category", "water", "--place", "1-1", "--anonymous", "--text", "x"]]
    {
        let err = kiosk.fails(args);
        assert!(
            err.contains("missing or empty")
                && err.contains("backup")
                && err.contains("lobbydesk start-over"),
            "{err}"
        );
    }
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "nothing was created");
    // systemd does not restart (and so never reboots the Pi) on this exit status.
    assert_eq!(kiosk.run(&["cases"]).status.code(), Some(78));
    // Deleted, with the ticket watermark still there: the same.
    std::fs::remove_file(&db).unwrap();
    assert!(kiosk.fails(&["cases"]).contains("ticket-watermark records tickets up to number 2"));
    assert!(!db.exists());
    let out = kiosk.ok(&["start-over"]);
    assert!(
        out.contains("HQ holds kiosk K01's events up to index")
            && out.contains("its tickets up to K01-00002"),
        "{out}"
    );
    assert_eq!(kiosk.file_repair(), "K01-00003");
    let out = kiosk.ok(&["sync", "--once"]);
    assert!(out.contains("sent 1 event(s), set aside 0") && out.contains("received 2"), "{out}");
    assert_eq!(count_cases_at(&hq), 3);
    // The cases the lost database held are back on the kiosk, from HQ.
    assert_eq!(kiosk.json(&["cases"]).as_array().unwrap().len(), 3);
    assert!(kiosk.ok(&["sync", "--once"]).contains("received 0"), "taken back once, not every time");
}

fn a_wiped_data_directory_is_refused_by_what_hq_holds(backend: Backend) {
    let hq = Hq::start_on(backend);
    let (kiosk, _) = hq.kiosk("K01", ESTATE, "");
    kiosk.file_repair();
    kiosk.ok(&["sync", "--once"]);
    let config = std::fs::read_to_string(kiosk.path().join("lobbydesk.toml")).unwrap();
    // Everything gone but the configuration: only HQ remembers this kiosk.
    replace_dir(kiosk.path(), tempfile::TempDir::new().unwrap().path());
    kiosk.write_config(&config);
    let err = kiosk.fails(&["file", "--category", "water", "--place", "1-1", "--anonymous", "--text", "x"]);
    assert!(err.contains("HQ already holds") && err.contains("start-over"), "{err}");
    let refused = kiosk.run(&["file", "--category", "water", "--place", "1-1", "--anonymous", "--text", "x"]);
    assert_eq!(refused.status.code(), Some(78));
    kiosk.ok(&["start-over"]);
    assert_eq!(kiosk.file_repair(), "K01-00002", "never K01-00001 twice");
    assert!(kiosk.ok(&["sync", "--once"]).contains("sent 1 event(s), set aside 0"));
}

fn with_intake(
    mut e: StoredEvent,
    change: impl FnOnce(&mut lobbydesk::domain::intake::Intake),
) -> StoredEvent {
    if let EventBody::Filed { intake } = &mut e.event.body {
        change(intake);
    }
    e
}

fn push(hq: &Hq, token: &str, events: &[StoredEvent]) -> (u16, serde_json::Value) {
    push_raw(hq, &format!("Bearer {token}"), &serde_json::json!({ "events": events }))
}

fn push_raw(hq: &Hq, authorization: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    request(hq, authorization, "/v1/events", Some(body))
}

fn get(hq: &Hq, authorization: &str, path: &str) -> (u16, serde_json::Value) {
    request(hq, authorization, path, None)
}

/// A GET, or a POST of `body`, to HQ: the status and the JSON answer.
fn request(
    hq: &Hq,
    authorization: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    lobbydesk::sync::install_crypto();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let url = format!("{}{path}", hq.url());
        let req = match body {
            Some(body) => http.post(url).json(body),
            None => http.get(url),
        };
        let resp = req.header("Authorization", authorization).send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    })
}

/// The one rejection of a single-event push: (code, reason).
fn refused(answer: &serde_json::Value) -> (String, String) {
    assert_eq!(answer["accepted"].as_array().map(Vec::len), Some(0), "{answer}");
    let r = &answer["rejected"][0];
    (r["code"].as_str().unwrap().to_string(), r["reason"].as_str().unwrap().to_string())
}

fn no_kiosk_can_file_over_another_estates_case_or_take_another_kiosks_numbers(backend: Backend) {
    let hq = Hq::start_on(backend);
    let (victim, _) = hq.kiosk("K01", ESTATE, "");
    let (neighbour, _) = hq.kiosk("K03", OTHER_ESTATE, "");
    let (attacker, token) = hq.kiosk("K02", OTHER_ESTATE, "");
    let ticket = victim.file_repair();
    victim.ok(&["sync", "--once"]);
    let victims_case = case_id(&victim, &ticket);

    let mine = filing_of("K02", OTHER_ESTATE);
    let attempts = [
        // The victim's case id, filed again: the victim's kiosk would show and reprint it.
        (with_intake(mine.clone(), |_| {}), "case-exists"),
        (with_intake(mine.clone(), |i| i.estate = ESTATE.into()), "forbidden"),
        // Another kiosk's numbers: K01 could no longer file, K03's real case was refused.
        (with_intake(mine.clone(), |i| i.ticket = "K01-99999999".into()), "forbidden"),
        (with_intake(mine.clone(), |i| i.ticket = "K03-00001".into()), "forbidden"),
    ];
    for (i, (mut event, code)) in attempts.into_iter().enumerate() {
        event.event.id = Uuid::now_v7();
        if i == 0 {
            event.event.case_id = victims_case;
        }
        let (status, answer) = push(&hq, &token, &[event]);
        assert_eq!(status, 200);
        assert_eq!(refused(&answer).0, code, "attempt {i}: {answer}");
    }
    // Writing as another kiosk, or on another estate's case.
    let mut as_k01 = mine.clone();
    as_k01.event.origin = Origin::kiosk("K01");
    assert_eq!(refused(&push(&hq, &token, &[as_k01]).1).0, "forbidden");
    let mut note = mine.clone();
    note.event.id = Uuid::now_v7();
    note.event.case_id = victims_case;
    note.event.body = EventBody::ProgressNote { text: "已处理".into() };
    assert_eq!(refused(&push(&hq, &token, &[note]).1).0, "forbidden");

    let out = victim.ok(&["sync", "--once"]);
    assert!(out.contains("received 0"), "nothing forged reaches the victim: {out}");
    assert_eq!(victim.json(&["show", &ticket])["case"]["intake"]["text"], "厨房水管漏水");
    // The kiosks whose numbers were aimed at still file and sync.
    assert_eq!(neighbour.file_repair(), "K03-00001");
    assert!(neighbour.ok(&["sync", "--once"]).contains("sent 1 event(s), set aside 0"));
    assert_eq!(victim.file_repair(), "K01-00002");
    assert!(victim.ok(&["sync", "--once"]).contains("sent 1 event(s), set aside 0"));
    // And the attacker's own genuine filing still goes through.
    assert!(attacker.file_repair().starts_with("K02-"));
    assert!(attacker.ok(&["sync", "--once"]).contains("sent 1 event(s), set aside 0"));
}

fn a_kiosk_clock_in_2099_moves_no_other_clock(backend: Backend) {
    let hq = Hq::start_on(backend);
    let (future, _) = hq.kiosk("K05", ESTATE, "");
    let (honest, _) = hq.kiosk("K06", ESTATE, "");
    let now = Utc::now();
    let out = future.ok(&[
        "--now",
        "2099-06-01T10:00:00+08:00",
        "file",
        "--category",
        "water",
        "--place",
        "1-101",
        "--phone",
        "13800138000",
        "--text",
        "未来的事项",
    ]);
    assert!(out.starts_with("K05-"));
    let out = future.ok(&["--now", "2099-06-01T10:00:00+08:00", "sync", "--once"]);
    assert!(out.contains("sent 0 event(s)") && out.contains("1 event(s) wait"), "{out}");
    let status = future.ok(&["sync", "status"]);
    assert!(
        status.contains("clock-ahead") && status.contains("outbox:       1"),
        "kept and explained: {status}"
    );
    assert_eq!(count_cases_at(&hq), 0);
    let at = now.to_rfc3339();
    let ticket = honest.ok(&[
        "--now",
        &at,
        "file",
        "--category",
        "water",
        "--place",
        "1-102",
        "--phone",
        "13800138000",
        "--text",
        "今天的事项",
    ]);
    honest.ok(&["--now", &at, "sync", "--once"]);
    hq.data.ok(&["--now", &at, "hq", "act", ticket.trim(), "acknowledge", "--by", "hq-quality"]);
    honest.ok(&["--now", &at, "sync", "--once"]);
    let next = honest.ok(&[
        "--now",
        &at,
        "file",
        "--category",
        "water",
        "--place",
        "1-103",
        "--phone",
        "13800138000",
        "--text",
        "又一件",
    ]);
    let shown = honest.json(&["--now", &at, "show", next.trim()]);
    assert_eq!(shown["case"]["intake"]["clock_unsynced"], false, "{shown}");
    let tomorrow: DateTime<Utc> = now + chrono::Duration::days(1);
    for e in hq.events() {
        assert!(
            e.event.stamp.millis < tomorrow.timestamp_millis(),
            "{} stamped {}",
            e.event.body.name(),
            e.event.stamp
        );
    }
}

fn hq_applies_the_kiosks_content_limits_and_bounds_every_request(backend: Backend) {
    let hq = Hq::start_on(backend);
    let (_kiosk, token) = hq.kiosk("K01", ESTATE, "");
    let huge = with_intake(filing_of("K01", ESTATE), |i| i.text = "漏".repeat(1_300_000));
    let (status, answer) = push(&hq, &token, &[huge]);
    assert_eq!(status, 200);
    let (code, reason) = refused(&answer);
    assert!(code == "invalid" && reason.contains("at most 500"), "{reason}");
    let escape = with_intake(filing_of("K01", ESTATE), |i| i.text = "水管\u{1b}@漏水".into());
    assert_eq!(refused(&push(&hq, &token, &[escape]).1).0, "invalid");
    assert_eq!(count_cases_at(&hq), 0);

    // 14,000 notes on one case: accepted in pushes of at most 1000, each one transaction.
    let filing = filing_of("K01", ESTATE);
    let (status, answer) = push(&hq, &token, std::slice::from_ref(&filing));
    assert_eq!((status, answer["accepted"].as_array().unwrap().len()), (200, 1));
    let notes: Vec<StoredEvent> = (0..14_000)
        .map(|i| {
            let mut e = filing.clone();
            e.origin_seq = 2 + i;
            e.event.id = Uuid::now_v7();
            e.event.stamp.counter = 1 + i as u32;
            e.event.body = EventBody::ProgressNote { text: format!("第{i}次跟进") };
            e
        })
        .collect();
    let (status, _) = push(&hq, &token, &notes[..1001]);
    assert_eq!(status, 422, "one push may not hold the store for long");
    for chunk in notes.chunks(1000) {
        let (status, answer) = push(&hq, &token, chunk);
        assert_eq!(status, 200);
        assert_eq!(answer["accepted"].as_array().unwrap().len(), chunk.len(), "{}", answer["rejected"][0]);
    }
    let (status, body) = get(&hq, &format!("Bearer {token}"), "/v1/status");
    assert_eq!((status, body["high_water"].as_i64()), (200, Some(14_001)));
}

fn the_bearer_scheme_is_case_insensitive_and_pull_limits_are_enforced(backend: Backend) {
    let hq = Hq::start_on(backend);
    let (_kiosk, token) = hq.kiosk("K01", ESTATE, "");
    for scheme in ["Bearer", "bearer", "BEARER"] {
        assert_eq!(get(&hq, &format!("{scheme} {token}"), "/v1/status").0, 200, "{scheme}");
    }
    assert_eq!(get(&hq, &format!("Basic {token}"), "/v1/status").0, 401);
    assert_eq!(get(&hq, &format!("Bearer{token}"), "/v1/status").0, 401);
    let auth = format!("Bearer {token}");
    assert_eq!(get(&hq, &auth, "/v1/events?limit=1000").0, 200);
    for bad in ["limit=1001", "limit=0", "after=-1"] {
        assert_eq!(get(&hq, &auth, &format!("/v1/events?{bad}")).0, 400, "{bad}");
    }
}

#[test]
fn a_read_only_data_directory_says_so_and_still_shows_cases() {
    let kiosk = Kiosk::new();
    let ticket = kiosk.file_repair();
    let dir = kiosk.path().to_path_buf();
    let mode = |m: u32, p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            mode(0o444, &path);
        }
    }
    mode(0o555, &dir);
    // root writes anywhere: run as nobody then, as the kiosk's own user would be.
    let run = |args: &[&str]| {
        let mut cmd = if unsafe_is_root() {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", common::BIN]);
            c
        } else {
            std::process::Command::new(common::BIN)
        };
        cmd.arg("--data-dir").arg(&dir).args(["--now", &kiosk.now]).args(args).output().unwrap()
    };
    let listed = run(&["cases"]);
    let shown = run(&["show", &ticket]);
    let filing = run(&["file", "--category", "water", "--place", "1-1", "--anonymous", "--text", "x"]);
    mode(0o755, &dir);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    assert!(String::from_utf8_lossy(&listed.stdout).contains(&ticket));
    assert!(shown.status.success(), "{}", String::from_utf8_lossy(&shown.stderr));
    let err = String::from_utf8_lossy(&filing.stderr);
    assert!(!filing.status.success() && err.contains("is read-only"), "{err}");
}

fn unsafe_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn an_hq_that_would_not_serve_says_nothing_of_serving_and_far_dates_are_refused() {
    let hq = Kiosk::new();
    let out = hq.run(&["hq", "serve", "--listen", "0.0.0.0:18443"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "printed {:?}", String::from_utf8_lossy(&out.stdout));
    let err = hq.fails(&["--now", "9999-12-31T00:00:00Z", "cases"]);
    assert!(err.contains("2000 to 2199"), "{err}");
    let kiosk = Kiosk::new();
    for url in
        ["http://127.0.0.1@192.0.2.2:8443", "http://localhost.evil.example", "http://127.attacker.example"]
    {
        kiosk.write_config(&format!(
            "[hq]\nurl = \"{url}\"\ntoken = \"0000000000000000000000000000000000000000000000000000000000000000\"\n"
        ));
        let err = kiosk.fails(&["cases"]);
        assert!(err.contains("[hq] url") && err.contains("must"), "{url}: {err}");
    }
}
