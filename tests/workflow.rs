//! The seeds' process played through on the command line, clause by clause, across days
//! and month ends with `--now` (issue 12): reopenings and second and third callbacks, who
//! may call back, signatures and reviews, pauses and the developer, linked reporters,
//! repeats, hand-overs and the documents that print.

mod common;

use common::Kiosk;

/// Runs `args` as if it were `now` (Shanghai time).
fn at(k: &Kiosk, now: &str, args: &[&str]) -> String {
    let mut all = vec!["--now", now];
    all.extend(args);
    k.ok(&all)
}

fn fails_at(k: &Kiosk, now: &str, args: &[&str]) -> String {
    let mut all = vec!["--now", now];
    all.extend(args);
    k.fails(&all)
}

fn json_at(k: &Kiosk, now: &str, args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&at(k, now, &all)).expect("JSON")
}

/// The text a printer file holds (GB18030), commands and all.
fn paper(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).expect("printer bytes");
    encoding_rs::GB18030.decode(&bytes).0.into_owned()
}

fn file_noise(k: &Kiosk, now: &str, phone: &str) -> String {
    at(
        k,
        now,
        &["file", "--category", "noise", "--place", "5-1-302", "--phone", phone, "--text", "夜间装修噪音"],
    )
    .trim()
    .to_string()
}

#[test]
fn a_reopened_complaint_is_chased_through_second_and_third_callbacks_to_closing() {
    let k = Kiosk::new();
    let t = file_noise(&k, "2026-04-27T10:00:00+08:00", "13900139000");
    at(&k, "2026-04-27T11:00:00+08:00", &["act", &t, "acknowledge", "--by", "wang"]);
    at(&k, "2026-04-27T11:30:00+08:00", &["act", &t, "reply", "--text", "已联系装修户", "--by", "wang"]);
    at(&k, "2026-04-28T09:00:00+08:00", &["act", &t, "resolve", "--note", "约谈装修户", "--by", "zhou"]);
    // A general complaint about security is called back by the security supervisor with
    // the service centre (001 篇2): not by another department's supervisor.
    let err = fails_at(
        &k,
        "2026-04-29T10:00:00+08:00",
        &["act", &t, "callback", "--satisfied", "no", "--by", "sun"],
    );
    assert!(
        err.contains("sun (部门主管 department-supervisor) may not record this callback")
            && err.contains("保安部主管"),
        "{err}"
    );
    let err =
        fails_at(&k, "2026-04-29T10:00:00+08:00", &["act", &t, "note", "--text", "x", "--by", "nobody"]);
    assert!(err.contains("--by nobody") && err.contains("[[staff]]"), "{err}");
    at(
        &k,
        "2026-04-29T10:00:00+08:00",
        &[
            "act",
            &t,
            "callback",
            "--satisfied",
            "no",
            "--shortcomings",
            "还在吵",
            "--next",
            "2026-05-06",
            "--by",
            "zhou",
        ],
    );

    // 27 days on, nothing more was done: overdue on its fresh clocks, and on the list.
    let late = "2026-05-26T10:00:00+08:00";
    let overdue = json_at(&k, late, &["cases", "--overdue"]);
    assert_eq!(overdue[0]["ticket"], t.as_str(), "{overdue}");
    let shown = json_at(&k, late, &["show", &t]);
    let states: Vec<(String, u64, String)> = shown["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["clock"].as_str().unwrap().into(),
                d["round"].as_u64().unwrap(),
                d["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    for clock in ["rework", "resolve", "escalation"] {
        assert!(states.contains(&(clock.into(), 2, "overdue".into())), "{clock} round 2 in {states:?}");
    }
    assert!(states.contains(&("callback".into(), 1, "overdue".into())), "the agreed date: {states:?}");
    assert_eq!(shown["next_callback"]["round"], 2);
    // The daily report of the agreed day lists the callback and the overdue fix.
    let daily = json_at(&k, "2026-05-06T09:00:00+08:00", &["report", "daily"]);
    assert_eq!(daily["callbacks_due"][0]["ticket"], t.as_str(), "{daily}");
    assert!(daily["overdue"][0]["clocks"].as_array().unwrap().iter().any(|c| c == "rework"), "{daily}");

    // Second callback (progress, 阶段性): still not done, another date agreed.
    at(
        &k,
        "2026-05-06T10:00:00+08:00",
        &["act", &t, "callback", "--satisfied", "no", "--next", "2026-05-12", "--by", "zhou"],
    );
    at(
        &k,
        "2026-05-08T10:00:00+08:00",
        &["act", &t, "resolve", "--note", "装修户改到白天施工", "--by", "zhou"],
    );
    let shown = json_at(&k, "2026-05-08T11:00:00+08:00", &["show", &t]);
    assert_eq!(shown["next_callback"]["round"], 3);
    assert_eq!(shown["next_callback"]["due"], "2026-05-12T15:59:59Z", "the agreed date, not 3 days");
    // Third callback: satisfied. It cannot close before, nor without a staff callback.
    at(&k, "2026-05-12T10:00:00+08:00", &["act", &t, "callback", "--satisfied", "yes", "--by", "zhou"]);
    // Callback records wait for the supervisor's review (001 11.1.8).
    let list = at(&k, "2026-05-12T11:00:00+08:00", &["callbacks"]);
    assert!(list.contains("3 callback record(s) to review"), "{list}");
    let err = fails_at(
        &k,
        "2026-05-12T11:00:00+08:00",
        &["act", &t, "review", "--callback", "3", "--opinion", "属实", "--by", "wang"],
    );
    assert!(err.contains("reviewed by a supervisor"), "{err}");
    for n in ["1", "2", "3"] {
        at(
            &k,
            "2026-05-12T11:00:00+08:00",
            &["act", &t, "review", "--callback", n, "--opinion", "属实", "--by", "liu"],
        );
    }
    assert!(at(&k, "2026-05-12T12:00:00+08:00", &["callbacks"]).contains("no callback records wait"));
    assert!(at(&k, "2026-05-12T12:00:00+08:00", &["act", &t, "close", "--by", "liu"]).contains("closed"));

    // Month end: April's report counts its complaint resolved in April and called back.
    let april = json_at(&k, "2026-06-01T10:00:00+08:00", &["report", "monthly", "--date", "2026-04"]);
    let kpi = |r: &serde_json::Value, code: &str| {
        r["kpis"].as_array().unwrap().iter().find(|k| k["code"] == code).unwrap().clone()
    };
    assert_eq!(kpi(&april, "callback-rate")["numerator"], 1);
    assert_eq!(kpi(&april, "feedback-timeliness")["numerator"], 1);
    let may = json_at(&k, "2026-06-01T10:00:00+08:00", &["report", "monthly", "--date", "2026-05"]);
    assert_eq!(kpi(&may, "callback-satisfaction")["denominator"], 2, "the two May callbacks");
    assert_eq!(kpi(&may, "callback-satisfaction")["numerator"], 1);
    let text = at(&k, "2026-06-01T10:00:00+08:00", &["report", "monthly", "--date", "2026-05"]);
    assert!(text.contains("KPI definitions") && text.contains("closure-rate: complaints closed"), "{text}");
}

#[test]
fn a_major_hotline_complaint_never_closes_on_a_kiosk_tap_and_the_estate_manager_calls_back() {
    let k = Kiosk::new();
    let now = "2026-11-23T10:00:00+08:00";
    let t = at(
        &k,
        now,
        &[
            "file",
            "--category",
            "noise",
            "--place",
            "5-1-302",
            "--phone",
            "13900139000",
            "--text",
            "投诉无人处理",
            "--channel",
            "hotline",
            "--severity",
            "major",
            "--by",
            "hq-hotline",
        ],
    );
    let t = t.trim();
    at(&k, now, &["act", t, "resolve", "--note", "已处理", "--by", "zhou"]);
    at(&k, now, &["act", t, "callback", "--method", "kiosk", "--satisfied", "yes", "--by", "resident"]);
    let err = fails_at(&k, now, &["act", t, "close", "--by", "liu"]);
    assert!(err.contains("needs a callback"), "{err}");
    let err = fails_at(&k, now, &["act", t, "callback", "--satisfied", "yes", "--by", "he"]);
    assert!(err.contains("estate manager"), "{err}");
    // In person needs the resident's signature (001 11.1.7).
    let err = fails_at(
        &k,
        now,
        &["act", t, "callback", "--method", "in-person", "--satisfied", "yes", "--by", "chen"],
    );
    assert!(err.contains("signature") && err.contains("电话回访"), "{err}");
    let sig = k.path().join("signature.json");
    std::fs::write(&sig, r#"{"strokes": [[[100, 500], [300, 420], [600, 560]], [[700, 300], [900, 700]]]}"#)
        .unwrap();
    let bad = k.path().join("dot.json");
    std::fs::write(&bad, r#"{"strokes": [[[100, 500]]]}"#).unwrap();
    let err = fails_at(
        &k,
        now,
        &[
            "act",
            t,
            "callback",
            "--method",
            "in-person",
            "--satisfied",
            "yes",
            "--signature",
            bad.to_str().unwrap(),
            "--by",
            "chen",
        ],
    );
    assert!(err.contains("signature is empty"), "{err}");
    at(
        &k,
        now,
        &[
            "act",
            t,
            "callback",
            "--method",
            "in-person",
            "--satisfied",
            "yes",
            "--signature",
            sig.to_str().unwrap(),
            "--by",
            "chen",
        ],
    );
    assert!(at(&k, now, &["show", t]).contains("上门回访, 住户已签名"));
    at(&k, now, &["act", t, "close", "--by", "liu"]);
    // Replies are replies, not callbacks: 电话回复, never 电话回访.
    let other = file_noise(&k, now, "13700137000");
    at(&k, now, &["act", &other, "reply", "--text", "已收到", "--by", "wang"]);
    let shown = at(&k, now, &["show", &other]);
    assert!(shown.contains("[电话回复] 已收到") && !shown.contains("电话回访"), "{shown}");
}

#[test]
fn pauses_and_the_developer_stop_the_resident_clock_and_print_the_joint_record() {
    let k = Kiosk::new();
    let t = at(
        &k,
        "2026-11-02T10:00:00+08:00",
        &[
            "file",
            "--category",
            "quality",
            "--place",
            "3-2-1201",
            "--phone",
            "13800138000",
            "--text",
            "外墙渗水",
        ],
    );
    let t = t.trim();
    at(&k, "2026-11-02T11:00:00+08:00", &["act", t, "acknowledge", "--by", "wang"]);
    at(&k, "2026-11-02T11:00:00+08:00", &["act", t, "reply", "--text", "已登记", "--by", "wang"]);
    at(&k, "2026-11-03T10:00:00+08:00", &["act", t, "plan", "--text", "工程部查看", "--by", "sun"]);
    let err = fails_at(
        &k,
        "2026-11-03T10:00:00+08:00",
        &["act", t, "pause", "--reason", "developer", "--note", "x", "--by", "sun"],
    );
    assert!(err.contains("refer-developer"), "{err}");
    at(
        &k,
        "2026-11-03T10:00:00+08:00",
        &["act", t, "refer-developer", "--record", "3栋外墙渗水，保修期内，请开发商安排维修", "--by", "sun"],
    );
    let listed = at(&k, "2026-11-30T10:00:00+08:00", &["cases"]);
    assert!(listed.contains("paused: 等待开发商"), "{listed}");
    let shown = json_at(&k, "2026-11-30T10:00:00+08:00", &["show", t]);
    let resolve =
        shown["deadlines"].as_array().unwrap().iter().find(|d| d["clock"] == "resolve").unwrap().clone();
    assert_eq!(resolve["state"], "paused", "{resolve}");
    let png = k.path().join("record.png");
    let out = at(
        &k,
        "2026-11-30T10:00:00+08:00",
        &["print", "developer-record", t, "--png", png.to_str().unwrap()],
    );
    assert!(out.contains("drawn to") && png.exists(), "{out}");
    let bin = k.path().join("record.bin");
    at(&k, "2026-11-30T10:00:00+08:00", &["print", "developer-record", t, "--out", bin.to_str().unwrap()]);
    let text = paper(&bin);
    assert!(
        text.contains("需开发商协商处理问题记录表") && text.contains("（待答复）"),
        "the joint record prints"
    );
    at(
        &k,
        "2026-12-01T10:00:00+08:00",
        &["act", t, "developer-reply", "--text", "开发商同意12月5日维修", "--by", "sun"],
    );
    let shown = json_at(&k, "2026-12-01T11:00:00+08:00", &["show", t]);
    let resolve =
        shown["deadlines"].as_array().unwrap().iter().find(|d| d["clock"] == "resolve").unwrap().clone();
    assert_eq!(resolve["state"], "pending", "running again, later by the wait: {resolve}");
    // A work order for a complaint carries its due time.
    let wo = k.path().join("wo.bin");
    at(&k, "2026-12-01T11:00:00+08:00", &["print", "work-order", t, "--out", wo.to_str().unwrap()]);
    let text = paper(&wo);
    assert!(text.contains("完成时限") && text.contains("首问责任人"), "{text}");

    // A repair waits for parts: not overdue while it waits.
    let r = k.file_repair();
    at(&k, "2026-11-23T10:30:00+08:00", &["act", &r, "reply", "--text", "师傅下午到", "--by", "wang"]);
    at(
        &k,
        "2026-11-23T12:00:00+08:00",
        &["act", &r, "pause", "--reason", "parts", "--note", "等阀门", "--by", "li"],
    );
    assert!(
        json_at(&k, "2026-11-27T10:00:00+08:00", &["cases", "--overdue"])
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ticket"] != r.as_str())
    );
    at(&k, "2026-11-27T10:00:00+08:00", &["act", &r, "resume", "--note", "阀门到了", "--by", "li"]);
    let shown = at(&k, "2026-11-27T10:00:00+08:00", &["show", &r]);
    assert!(shown.contains("[等待配件] 等阀门"), "{shown}");
}

#[test]
fn every_linked_reporter_is_told_and_repeats_are_found_over_a_rolling_window() {
    let k = Kiosk::new();
    let now = "2026-11-23T10:00:00+08:00";
    let first = file_noise(&k, now, "13900139000");
    let second = file_noise(&k, "2026-11-23T11:00:00+08:00", "13700137000");
    at(&k, "2026-11-23T11:00:00+08:00", &["act", &second, "link", "--to", &first, "--by", "wang"]);
    at(&k, "2026-11-23T15:00:00+08:00", &["act", &first, "resolve", "--note", "已劝停", "--by", "zhou"]);
    let daily = json_at(&k, "2026-11-23T16:00:00+08:00", &["report", "daily"]);
    assert_eq!(daily["reporters_to_tell"][0]["ticket"], second.as_str(), "{daily}");
    assert_eq!(daily["reporters_to_tell"][0]["matter"], first.as_str());
    let shown = at(&k, "2026-11-23T16:00:00+08:00", &["show", &first]);
    assert!(shown.contains("reporters of this matter") && shown.contains("NOT TOLD"), "{shown}");
    // One reply on the matter reaches each reporter, on their own case.
    at(
        &k,
        "2026-11-23T16:30:00+08:00",
        &["act", &first, "reply", "--text", "已与装修户约定施工时间", "--by", "wang"],
    );
    let dup = json_at(&k, "2026-11-23T17:00:00+08:00", &["show", &second]);
    let told = dup["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["body"]["type"] == "replied" && e["body"]["text"].as_str().unwrap().contains(&first));
    assert!(told, "{dup}");
    let daily = json_at(&k, "2026-11-23T17:00:00+08:00", &["report", "daily"]);
    assert!(daily["reporters_to_tell"].as_array().unwrap().is_empty(), "{daily}");

    // The same leak at 9-1-901 on 04-28, 05-06 and 05-13: flagged in May.
    for day in ["2026-04-28", "2026-05-06", "2026-05-13"] {
        at(
            &k,
            &format!("{day}T10:00:00+08:00"),
            &[
                "file",
                "--category",
                "leak",
                "--place",
                "9-1-901",
                "--phone",
                "13600136000",
                "--text",
                "天花渗水",
            ],
        );
    }
    let may = json_at(&k, "2026-06-01T10:00:00+08:00", &["report", "monthly", "--date", "2026-05"]);
    let repeats = may["flags"]["repeated_repairs"].as_array().unwrap();
    assert_eq!(repeats.len(), 1, "{may}");
    assert_eq!(repeats[0]["count"], 3);

    // The same resident again within days: proposed as 重大, the desk decides.
    let again = file_noise(&k, "2026-11-25T10:00:00+08:00", "13900139000");
    let shown = at(&k, "2026-11-25T10:05:00+08:00", &["show", &again]);
    assert!(shown.contains("suggest 重大") && shown.contains(&first), "{shown}");
    let daily = json_at(&k, "2026-11-25T10:05:00+08:00", &["report", "daily"]);
    assert_eq!(daily["major_suggestions"][0]["ticket"], again.as_str());
    at(
        &k,
        "2026-11-25T10:10:00+08:00",
        &["act", &again, "classify", "--severity", "important", "--by", "wang"],
    );
    assert!(!at(&k, "2026-11-25T10:15:00+08:00", &["show", &again]).contains("suggest 重大"));
}

#[test]
fn the_first_inquiry_owner_hands_over_explicitly_and_written_documents_print() {
    let k = Kiosk::new();
    let now = "2026-11-23T10:00:00+08:00";
    let t = at(
        &k,
        now,
        &[
            "file",
            "--category",
            "fees",
            "--place",
            "2-1-101",
            "--phone",
            "13800138000",
            "--name",
            "陈女士",
            "--channel",
            "letter",
            "--text",
            "物业费多收",
            "--by",
            "wang",
        ],
    );
    let t = t.trim();
    assert!(at(&k, now, &["cases"]).contains("[wang]"));
    let err = fails_at(&k, now, &["act", t, "hand-over", "--to", "li", "--note", "休假", "--by", "zhao"]);
    assert!(err.contains("only the owner (wang)"), "{err}");
    let err = fails_at(&k, now, &["act", t, "hand-over", "--to", "ghost", "--note", "休假", "--by", "wang"]);
    assert!(err.contains("--by ghost") || err.contains("ghost"), "{err}");
    at(&k, now, &["act", t, "hand-over", "--to", "zhao", "--note", "我明天休假", "--by", "wang"]);
    let listed = at(&k, now, &["cases"]);
    assert!(listed.contains("[zhao]"), "{listed}");
    assert!(at(&k, now, &["show", t]).contains("handed over wang → zhao"));

    // Written reply, and the written escalation after 7 days (000 4.3.3).
    let out = k.path().join("reply.bin");
    let err = fails_at(&k, now, &["print", "reply", t, "--out", out.to_str().unwrap()]);
    assert!(err.contains("no written reply"), "{err}");
    at(
        &k,
        now,
        &[
            "act",
            t,
            "reply",
            "--method",
            "written",
            "--text",
            "经核查，多收的费用将于下月退还。",
            "--by",
            "zhao",
        ],
    );
    at(&k, now, &["print", "reply", t, "--out", out.to_str().unwrap()]);
    let text = paper(&out);
    assert!(text.contains("书面回复函") && text.contains("多收的费用"), "{text}");
    let late = "2026-12-01T10:00:00+08:00";
    at(&k, late, &["act", t, "escalate", "--to", "group-head", "--reason", "7天未解决", "--by", "zhao"]);
    let esc = k.path().join("esc.bin");
    at(&k, late, &["print", "escalation", t, "--out", esc.to_str().unwrap()]);
    let text = paper(&esc);
    assert!(
        text.contains("投诉处理书面上报") && text.contains("集团负责人") && text.contains("7天未解决"),
        "{text}"
    );
}

#[test]
fn anonymous_complaints_leave_feedback_timeliness_without_data() {
    let k = Kiosk::new();
    at(
        &k,
        "2026-11-23T10:00:00+08:00",
        &[
            "file",
            "--category",
            "cleaning",
            "--place",
            "public:中心花园",
            "--anonymous",
            "--text",
            "垃圾没清",
        ],
    );
    let r = json_at(&k, "2026-11-30T10:00:00+08:00", &["report", "monthly"]);
    let fb =
        r["kpis"].as_array().unwrap().iter().find(|k| k["code"] == "feedback-timeliness").unwrap().clone();
    assert_eq!(fb["denominator"], 0, "{fb}");
    assert!(fb["value"].is_null());
}

#[test]
fn works_defects_and_emergencies_keep_the_clocks_the_seeds_name() {
    let k = Kiosk::new();
    let now = "2026-11-23T10:00:00+08:00";
    let clocks = |v: &serde_json::Value| -> Vec<String> {
        v["deadlines"].as_array().unwrap().iter().map(|d| d["clock"].as_str().unwrap().to_string()).collect()
    };
    // Maintenance works: a schedule within 3 working days, no 48 h repair promise.
    let works = json_at(
        &k,
        now,
        &[
            "file",
            "--category",
            "works",
            "--place",
            "public:3栋外墙",
            "--phone",
            "13800138000",
            "--text",
            "外墙翻新",
            "--by",
            "sun",
        ],
    );
    assert!(
        clocks(&works).contains(&"initial-plan".into()) && !clocks(&works).contains(&"repair-done".into()),
        "{works}"
    );
    // A hand-over defect: fixed the same day, called back within 24 h of the fix (002 第十条).
    let defect = json_at(
        &k,
        now,
        &[
            "file",
            "--category",
            "handover-small",
            "--place",
            "6-1-802",
            "--phone",
            "13800138001",
            "--text",
            "门框掉漆",
            "--by",
            "wang",
        ],
    );
    let t = defect["ticket"].as_str().unwrap();
    at(&k, "2026-11-23T15:00:00+08:00", &["act", t, "resolve", "--note", "补漆", "--by", "li"]);
    let shown = json_at(&k, "2026-11-23T16:00:00+08:00", &["show", t]);
    assert_eq!(shown["next_callback"]["due"], "2026-11-24T07:00:00Z", "24 h after the fix");
    // An emergency: on site within 30 minutes, and still done within 24 hours.
    let flood = json_at(
        &k,
        now,
        &["file", "--category", "flood", "--place", "public:B2车库", "--phone", "13800138002"],
    );
    let t = flood["ticket"].as_str().unwrap();
    at(&k, "2026-11-23T10:20:00+08:00", &["act", t, "on-site", "--by", "li"]);
    let late = json_at(&k, "2026-11-24T11:00:00+08:00", &["show", t]);
    let done =
        late["deadlines"].as_array().unwrap().iter().find(|d| d["clock"] == "repair-done").unwrap().clone();
    assert_eq!(done["state"], "overdue", "{done}");
}

/// 002 上门维修 on the command line: the price quoted before the work, refused unsigned
/// when agreed, printed on the work order; and the month's summary on paper at month end.
#[test]
fn a_quoted_fee_prints_on_the_work_order_and_the_month_is_summed_up() {
    let k = Kiosk::new();
    let now = "2026-11-27T09:00:00+08:00";
    let t = at(
        &k,
        now,
        &[
            "file",
            "--category",
            "water",
            "--place",
            "3-2-1201",
            "--phone",
            "13800138000",
            "--text",
            "水龙头坏了",
        ],
    );
    let t = t.trim();
    let err = fails_at(&k, now, &["act", t, "quote", "--amount", "80", "--consent", "yes", "--by", "li"]);
    assert!(err.contains("signs"), "{err}");
    let err = fails_at(&k, now, &["act", t, "quote", "--amount", "80.123", "--consent", "no", "--by", "li"]);
    assert!(err.contains("not an amount"), "{err}");
    let sig = k.path().join("sig.json");
    std::fs::write(&sig, r#"{"strokes": [[[100, 100], [400, 600], [800, 300]]]}"#).unwrap();
    let sig = sig.to_str().unwrap();
    at(&k, now, &["act", t, "quote", "--amount", "80", "--consent", "yes", "--signature", sig, "--by", "li"]);
    let shown = json_at(&k, now, &["show", t]);
    assert_eq!(shown["case"]["fee"]["amount_fen"], 8000, "{shown}");
    let wo = k.path().join("wo.bin");
    at(&k, now, &["print", "work-order", t, "--out", wo.to_str().unwrap()]);
    let order = paper(&wo);
    assert!(order.contains("收费报价：80.00元") && order.contains("同意报价"), "{order}");
    at(&k, "2026-11-27T15:00:00+08:00", &["act", t, "resolve", "--note", "换水龙头", "--by", "li"]);
    let month = k.path().join("month.bin");
    at(
        &k,
        "2026-11-30T18:00:00+08:00",
        &["print", "monthly-summary", "--month", "2026-11", "--out", month.to_str().unwrap()],
    );
    let summary = paper(&month);
    assert!(summary.contains("月度汇总") && summary.contains("2026-11"), "{summary}");
    assert!(summary.contains("考核指标"), "the KPIs: {summary}");
    let err = fails_at(&k, now, &["print", "monthly-summary", "--month", "2026-13"]);
    assert!(err.contains("not a month"), "{err}");
}
