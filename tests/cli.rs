//! The CLI end to end, through the real binary: what the front desk and scripts rely on.

mod common;

use common::Kiosk;

#[test]
fn filing_prints_the_ticket_and_json_gives_the_deadlines() {
    let k = Kiosk::new();
    assert_eq!(k.file_repair(), "K01-00001");
    let filed = k.json(&[
        "file",
        "--kind",
        "repair",
        "--category",
        "elevator",
        "--place",
        "2-1-101",
        "--phone",
        "021-12345678",
        "--name",
        "陈女士",
        "--channel",
        "phone",
        "--urgency",
        "urgent",
        "--by",
        "wang",
        "--text",
        "电梯按钮失灵",
    ]);
    assert_eq!(filed["ticket"], "K01-00002");
    assert_eq!(filed["status"], "received");
    assert_eq!(filed["kind"], "repair");
    let deadlines = filed["deadlines"].as_array().unwrap();
    let repair = deadlines.iter().find(|d| d["clock"] == "repair-done").expect("the repair clock");
    assert_eq!(repair["due"], "2026-11-24T02:00:00Z", "urgent: 24 h");
    assert_eq!(repair["state"], "pending");
    let follow = deadlines.iter().find(|d| d["clock"] == "owner-follow-up").expect("the owner's clock (004)");
    assert_eq!(follow["due"], "2026-11-24T16:00:00Z", "by the end of the next working day");
}

#[test]
fn a_complaint_goes_from_filing_to_closed_from_the_command_line() {
    let k = Kiosk::new();
    let t = k.ok(&[
        "file",
        "--category",
        "noise",
        "--place",
        "5-1-302",
        "--phone",
        "13900139000",
        "--text",
        "夜间装修噪音",
    ]);
    let t = t.trim();
    for step in [
        vec!["acknowledge"],
        vec!["classify", "--severity", "important"],
        vec!["assign", "--department", "security", "--to", "保安队长"],
        vec!["plan", "--text", "约谈装修户"],
        vec!["resolve", "--note", "已约定施工时间"],
        vec!["callback", "--method", "phone", "--satisfied", "yes", "--quality", "5", "--satisfaction", "5"],
        vec!["close"],
    ] {
        let mut args = vec!["act", t];
        // An important complaint is called back by the customer-service director (001);
        // a supervisor closes it.
        let by = match step[0] {
            "callback" => "he",
            "close" => "liu",
            _ => "wang",
        };
        args.extend(step);
        args.extend(["--by", by]);
        k.ok(&args);
    }
    let shown = k.json(&["show", t]);
    assert_eq!(shown["case"]["status"], "closed");
    assert_eq!(shown["case"]["severity"], "important");
    assert_eq!(shown["events"].as_array().unwrap().len(), 8);
    assert_eq!(shown["events"][7]["body"]["type"], "closed");
    assert_eq!(shown["events"][7]["actor"], "liu");
    assert_eq!(shown["events"][1]["actor"], "wang");
    assert_eq!(shown["events"][7]["origin"], "kiosk:K01");
    let text = k.ok(&["show", t]);
    assert!(text.contains("139****9000"), "phones are masked in text output:\n{text}");
    assert!(!text.contains("13900139000"));
}

#[test]
fn refused_actions_exit_non_zero_with_one_clear_line() {
    let k = Kiosk::new();
    let t = k.file_repair();
    let err = k.fails(&["act", &t, "close", "--by", "liu"]);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: case K01-00001 is not resolved yet"), "{err}");
    let err = k.fails(&["act", &t, "resolve", "--note", "x"]);
    assert!(err.contains("--by STAFF is required"), "{err}");
    let err = k.fails(&["act", "K01-00099", "acknowledge", "--by", "wang"]);
    assert!(err.contains("no case with ticket K01-00099"), "{err}");
    let err =
        k.fails(&["file", "--category", "water", "--place", "3-2-1201", "--phone", "12345", "--text", "x"]);
    assert!(err.contains("phone number \"12345\" is not valid"), "{err}");
    let err = k.fails(&[
        "file",
        "--category",
        "water",
        "--place",
        "nowhere",
        "--phone",
        "13800138000",
        "--text",
        "x",
    ]);
    assert!(err.contains("place \"nowhere\" is not valid"), "{err}");
}

#[test]
fn global_options_work_before_and_after_the_subcommand() {
    let k = Kiosk::new();
    let dir = k.path().to_str().unwrap();
    let out = std::process::Command::new(common::BIN)
        .args(["file", "--category", "water", "--place", "1-101", "--phone", "13800138000", "--text", "x"])
        .args(["--data-dir", dir, "--now", "2026-11-23T10:00:00+08:00"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "K01-00001");
    let listed = k.json(&["cases"]);
    assert_eq!(listed[0]["filed_at"], "2026-11-23T02:00:00Z", "--now after the subcommand was used");
}

#[test]
fn the_config_file_sets_the_kiosk_code_estate_and_calendar() {
    let k = Kiosk::new();
    k.write_config("[kiosk]\ncode = \"B7\"\nestate = \"翠湖花园\"\n[calendar]\nholidays = [2026-11-24]\n");
    assert_eq!(k.file_repair(), "B7-00001");
    let t = k.ok(&[
        "file",
        "--category",
        "noise",
        "--place",
        "1-101",
        "--phone",
        "13800138000",
        "--text",
        "噪音",
    ]);
    let shown = k.json(&["show", t.trim()]);
    assert_eq!(shown["case"]["intake"]["estate"], "翠湖花园");
    let first_reply =
        shown["deadlines"].as_array().unwrap().iter().find(|d| d["clock"] == "first-reply").unwrap();
    // Filed Monday; Tuesday is a configured holiday, so the first working day is Wednesday.
    assert_eq!(first_reply["due"], "2026-11-25T16:00:00Z");
}

#[test]
fn a_bad_config_stops_with_the_key_named() {
    let k = Kiosk::new();
    k.write_config("[kiosk]\ncode = \"TOO-LONG\"\n");
    let err = k.fails(&["cases"]);
    assert!(err.contains("[kiosk] code") && err.contains("lobbydesk.toml"), "{err}");
    let missing = k.path().join("absent.toml");
    let err = k.fails(&["--config", missing.to_str().unwrap(), "cases"]);
    assert!(err.contains("cannot read the config file"), "{err}");
}

#[test]
fn cases_can_be_listed_filtered_and_searched() {
    let k = Kiosk::new();
    let first = k.file_repair();
    k.ok(&[
        "file",
        "--category",
        "elevator",
        "--place",
        "2-1-101",
        "--phone",
        "13800138000",
        "--text",
        "电梯异响",
    ]);
    k.ok(&["act", &first, "resolve", "--note", "换阀门", "--by", "li"]);
    assert_eq!(k.json(&["cases"]).as_array().unwrap().len(), 2);
    assert_eq!(k.json(&["cases", "--search", "电梯异响"])[0]["ticket"], "K01-00002");
    assert_eq!(k.json(&["cases", "--search", "漏水"])[0]["ticket"], "K01-00001");
    // Three days later the unresolved 48 h repair is overdue, the resolved one is not.
    let later = ["--now", "2026-11-26T10:00:00+08:00"];
    let overdue = k.json(&[&["cases", "--overdue"][..], &later[..]].concat());
    assert_eq!(overdue.as_array().unwrap().len(), 1);
    assert_eq!(overdue[0]["ticket"], "K01-00002");
    assert_eq!(overdue[0]["overdue"], true);
}

#[test]
fn duplicates_are_linked_to_the_earlier_case_only() {
    let k = Kiosk::new();
    let first = k.file_repair();
    let second = k.file_repair();
    let err = k.fails(&["act", &first, "link", "--to", &second, "--by", "wang"]);
    assert!(err.contains("link the later case to the earlier one"), "{err}");
    k.ok(&["act", &second, "link", "--to", &first, "--by", "wang"]);
    let monthly = k.json(&["report", "monthly"]);
    assert_eq!(monthly["matters"], 1);
    assert_eq!(monthly["reporters"], 2);
}

#[test]
fn reports_come_as_text_and_json() {
    let k = Kiosk::new();
    k.file_repair();
    let daily = k.json(&["report", "daily"]);
    assert_eq!(daily["date"], "2026-11-23");
    assert_eq!(daily["counts"]["new"], 1);
    let text = k.ok(&["report", "daily", "--date", "2026-11-23"]);
    assert!(text.contains("热线日报") && text.contains("new 新增 1"), "{text}");
    let monthly = k.json(&["report", "monthly", "--date", "2026-11"]);
    assert_eq!(monthly["month"], "2026-11");
    let codes: Vec<&str> =
        monthly["kpis"].as_array().unwrap().iter().map(|k| k["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "feedback-timeliness",
            "callback-rate",
            "callback-satisfaction",
            "closure-rate",
            "repair-timeliness",
            "repair-quality"
        ]
    );
    let err = k.fails(&["report", "monthly", "--date", "2026-13"]);
    assert!(err.contains("not a month"), "{err}");
}

#[test]
fn categories_list_codes_kinds_names_and_emergencies() {
    let k = Kiosk::new();
    let cats = k.json(&["categories"]);
    let flood = cats.as_array().unwrap().iter().find(|c| c["code"] == "flood").unwrap();
    assert_eq!(flood["kind"], "repair");
    assert_eq!(flood["emergency"], true);
    assert_eq!(flood["zh"], "水浸/爆管");
    assert!(k.ok(&["categories"]).contains("noise"));
}

#[test]
fn the_demo_fills_a_fresh_data_dir() {
    let k = Kiosk::new();
    let out = k.ok(&["demo"]);
    assert!(out.contains("热线日报"), "{out}");
    assert_eq!(k.json(&["cases"]).as_array().unwrap().len(), 5);
}

#[test]
fn the_kiosk_without_a_display_says_what_to_do() {
    let k = Kiosk::new();
    let out = std::process::Command::new(common::BIN)
        .arg("--data-dir")
        .arg(k.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot open the kiosk window") && err.contains("lobbydesk demo"), "{err}");
}

#[test]
fn a_backup_is_a_working_copy() {
    let k = Kiosk::new();
    k.file_repair();
    let target = k.path().join("copy.sqlite");
    k.ok(&["backup", "--out", target.to_str().unwrap()]);
    let copy = Kiosk::new();
    std::fs::copy(&target, copy.path().join("lobbydesk.sqlite")).unwrap();
    assert_eq!(copy.json(&["cases"])[0]["ticket"], "K01-00001");
}

#[test]
fn screens_render_to_png_without_a_display() {
    let k = Kiosk::new();
    let out = k.path().join("ticket.png");
    k.ok(&[
        "screenshot",
        "--screen",
        "ticket",
        "--lang",
        "en",
        "--size",
        "800x480",
        "--out",
        out.to_str().unwrap(),
    ]);
    let png = std::fs::read(&out).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    // IHDR: width and height, big-endian, at bytes 16..24.
    assert_eq!(&png[16..24], &[0, 0, 3, 32, 0, 0, 1, 224]);
    let err = k.fails(&["screenshot", "--screen", "nowhere", "--out", out.to_str().unwrap()]);
    assert!(err.contains("unknown screen"), "{err}");
    assert!(!k.path().join("lobbydesk.sqlite").exists(), "screenshots never touch the kiosk's data");
}

#[test]
fn staff_pin_prints_a_config_block_holding_only_a_hash() {
    use std::io::Write;
    let k = Kiosk::new();
    let run = |pin: &str| {
        let mut child = std::process::Command::new(common::BIN)
            .args([
                "--data-dir",
                k.path().to_str().unwrap(),
                "staff-pin",
                "--id",
                "wangfang",
                "--name",
                "王芳",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(pin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let made = run("864209\n");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let block = String::from_utf8(made.stdout).unwrap();
    assert!(
        block.starts_with("[[staff]]\nid = \"wangfang\"\nname = \"王芳\"\npin = \"pbkdf2-sha256$"),
        "{block}"
    );
    assert!(!block.contains("864209"), "the PIN itself is never printed");
    // The block is a working config as printed.
    k.write_config(&block);
    assert_eq!(k.file_repair(), "K01-00001");

    let refused = run("12ab\n");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("digits only"));
}

/// Working days need no configuration for the published years; a year without a notice
/// is said to be weekends only; configured dates show beside the notice.
#[test]
fn calendar_check_names_each_years_source_and_its_exceptions() {
    let k = Kiosk::new();
    let out = k.ok(&["calendar", "check"]);
    assert!(out.contains("2026: 国务院办公厅关于2026年部分节假日安排的通知"), "{out}");
    assert!(out.contains("02-14 周六") && out.contains("02-16 周一"), "{out}");
    assert!(out.contains("2027: warning: no published arrangement"), "{out}");
    assert!(k.ok(&["calendar", "check", "--year", "2025"]).contains("国办发明电〔2024〕12号"));
    k.write_config("[calendar]\nholidays = [2027-02-08]\n");
    let out = k.ok(&["calendar", "check", "--year", "2027"]);
    assert!(
        out.contains("2027: [calendar] dates from the config only") && out.contains("02-08 周一"),
        "{out}"
    );
}
