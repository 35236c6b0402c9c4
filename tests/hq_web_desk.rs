//! HQ's web desk over HTTP, on both stores: signing in and out, the session cookie, form
//! tokens, other sites' forms, guessing passwords, what an estate head may see, and the
//! audit log of who opened a case's personal data.

mod common;

use chrono::Utc;
use common::filings;
use common::hq_db::{Backend, HqProcess, HqStore};
use lobbydesk::hq::accounts::{Account, HqRole, hash_password};
use lobbydesk::hq::db::HqDatabase;
use lobbydesk::hq::web::MAX_FAILURES;
use lobbydesk::store::KioskRecord;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE};

const EAST: &str = "翠湖花园";
const WEST: &str = "碧水湾";
const PASSWORD: &str = "热线 correct horse";

/// Files `n` cases from a kiosk of `estate`; returns their tickets.
async fn cases_from(db: &dyn HqDatabase, code: &str, estate: &str, n: i64) -> Vec<String> {
    let template = filings::filing_of(code, estate);
    let events: Vec<_> = (1..=n).map(|seq| filings::new_case(&template, code, seq)).collect();
    let kiosk = KioskRecord { code: code.into(), estate: estate.into(), revoked: false };
    let refused = db.receive_from_kiosk(&kiosk, events, Utc::now()).await.unwrap();
    assert!(refused.is_empty(), "{refused:?}");
    (1..=n).map(|seq| format!("{code}-{seq:05}")).collect()
}

async fn account(db: &dyn HqDatabase, name: &str, role: HqRole, estates: &[&str]) {
    let estates: Vec<String> = estates.iter().map(|e| e.to_string()).collect();
    let account = Account::new(name, role, &estates).unwrap();
    db.save_account(&account, &hash_password(PASSWORD).unwrap(), Utc::now()).await.unwrap();
}

/// Every row of a workbook's sheet, each cell as text.
fn workbook_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an .xlsx workbook");
    assert_eq!(book.sheet_names(), [sheet]);
    let range = book.worksheet_range(sheet).unwrap();
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

/// A form as a browser posts it.
fn form_body(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
}

struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

impl Browser {
    fn new(base: &str) -> Browser {
        lobbydesk::sync::install_crypto();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { http, base: base.to_string(), cookie: None }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            request = request.header(COOKIE, c);
        }
        request.send().await.unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(form));
        if let Some(c) = &self.cookie {
            request = request.header(COOKIE, c);
        }
        request.send().await.unwrap()
    }

    async fn sign_in(&mut self, name: &str, password: &str) -> reqwest::Response {
        let answer = self.post("/desk/sign-in", &[("name", name), ("password", password)]).await;
        if let Some(set) = answer.headers().get(SET_COOKIE) {
            self.cookie = Some(set.to_str().unwrap().split(';').next().unwrap().to_string());
        }
        answer
    }

    /// The page's form token (every signed-in page has the sign-out form).
    async fn csrf(&self) -> String {
        let page = self.get("/desk").await.text().await.unwrap();
        let at = page.find("name=\"csrf\" value=\"").expect("a form token") + 19;
        page[at..at + 64].to_string()
    }
}

async fn the_desk_signs_people_in_and_keeps_others_out(backend: Backend) {
    let store = HqStore::of(backend);
    let db = store.open().await;
    store.register("K01", EAST).await;
    store.register("K02", WEST).await;
    let east = cases_from(db.as_ref(), "K01", EAST, 3).await;
    let west = cases_from(db.as_ref(), "K02", WEST, 2).await;
    account(db.as_ref(), "zhou", HqRole::QualityOffice, &[]).await;
    account(db.as_ref(), "li", HqRole::EstateHead, &[EAST]).await;
    let hq = HqProcess::start(&store).await;
    let mut quality = Browser::new(&hq.url());

    // Signed out: every page sends you to sign in; the sign-in page is served with the policy.
    let answer = quality.get("/desk").await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()[LOCATION], "/desk/sign-in");
    let page = quality.get("/desk/sign-in").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().contains("default-src 'none'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("<label for=\"password\">"), "labelled fields");

    // A wrong password, a wrong name: the same answer, no cookie.
    for (name, password) in [("zhou", "not the password"), ("nobody", PASSWORD)] {
        let answer = quality.sign_in(name, password).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        assert!(answer.text().await.unwrap().contains("账号或密码不对"));
        assert!(quality.cookie.is_none());
    }

    // A form from another site is refused even with the right password.
    let answer = quality
        .http
        .post(format!("{}/desk/sign-in", hq.url()))
        .header(ORIGIN, "http://evil.example")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_body(&[("name", "zhou"), ("password", PASSWORD)]))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);

    // The right password: a session cookie no script can read and no other site sends.
    let answer = quality.sign_in("zhou", PASSWORD).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let set = answer.headers()[SET_COOKIE].to_str().unwrap().to_string();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/desk"] {
        assert!(set.contains(attribute), "{set} lacks {attribute}");
    }
    let list = quality.get("/desk").await.text().await.unwrap();
    for ticket in east.iter().chain(&west) {
        assert!(list.contains(ticket.as_str()), "the quality office sees {ticket}");
    }
    assert!(list.contains("报修 给排水") && !list.contains("water"), "categories by their names, not codes");
    let filtered = quality.get(&format!("/desk?estate={WEST}")).await.text().await.unwrap();
    assert!(
        west.iter().all(|t| filtered.contains(t.as_str()))
            && !east.iter().any(|t| filtered.contains(t.as_str()))
    );

    // The case page shows the contact, and the opening is logged.
    let page = quality.get(&format!("/desk/cases/{}", west[0])).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("13800138000"));
    let log = db.audit_log(None, 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].account.as_str(), log[0].action.as_str()), ("zhou", "opened"));
    assert_eq!(db.case_by_ticket(&west[0]).await.unwrap().unwrap().id, log[0].case_id);

    // An estate head sees their estate only; another estate's case does not exist for them.
    let mut head = Browser::new(&hq.url());
    assert_eq!(head.sign_in("li", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let list = head.get(&format!("/desk?estate={WEST}")).await.text().await.unwrap();
    assert!(
        east.iter().all(|t| list.contains(t.as_str())) && !west.iter().any(|t| list.contains(t.as_str()))
    );
    assert_eq!(head.get(&format!("/desk/cases/{}", west[0])).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(head.get(&format!("/desk/cases/{}", east[0])).await.status(), StatusCode::OK);
    assert_eq!(db.audit_log(None, 10).await.unwrap().len(), 2, "only the opened case is logged");
    let head_csrf = head.csrf().await;
    let answer = head
        .post(
            &format!("/desk/cases/{}/act", east[0]),
            &[("csrf", &head_csrf), ("what", "note"), ("text", "x")],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN, "an estate head reads only");

    // Acting on a case: a note is recorded as HQ's event by the signed-in officer; what the
    // workflow's rules refuse is said on the page and records nothing; a form without the
    // session's token records nothing either.
    let csrf = quality.csrf().await;
    let path = format!("/desk/cases/{}/act", east[0]);
    let answer =
        quality.post(&path, &[("csrf", &csrf), ("what", "note"), ("text", "已电话联系业主，明早上门")]).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let page = quality.get(&format!("/desk/cases/{}", east[0])).await.text().await.unwrap();
    assert!(page.contains("已电话联系业主，明早上门"), "the note is in the case's history");
    let case = db.case_by_ticket(&east[0]).await.unwrap().unwrap();
    let events = db.case_events(case.id).await.unwrap();
    let note = events.iter().find(|e| e.event.body.name() == "progress-note").expect("the note is stored");
    assert_eq!((note.event.actor.as_str(), note.event.origin.0.as_str()), ("zhou", "hq"));
    let answer = quality.post(&path, &[("csrf", &csrf), ("what", "callback-satisfied"), ("text", "")]).await;
    assert_eq!(
        answer.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the estate's staff call a repair's resident back"
    );
    assert!(answer.text().await.unwrap().contains("may not"));
    let answer = quality.post(&path, &[("csrf", "forged"), ("what", "note"), ("text", "x")]).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert_eq!(db.case_events(case.id).await.unwrap().len(), events.len(), "nothing more was recorded");

    // A hotline call: recorded exactly, sent to the estate as a hotline case (HQ's own
    // ticket), a first inquiry noted as such, a major complaint to the GM at once; a
    // kiosk of that estate gets it at its next sync, with the 24-hour first-callback clock.
    let form = quality.get("/desk/hotline").await.text().await.unwrap();
    assert!(
        form.contains("您好，总经理热线为您服务！") && form.contains(&format!("<option value=\"{EAST}\""))
    );
    let csrf = quality.csrf().await;
    let call = [
        ("csrf", csrf.as_str()),
        ("estate", EAST),
        ("category", "attitude"),
        ("place", "5-1-302"),
        ("name", "陈女士"),
        ("phone", "13900139000"),
        ("text", "物业前台态度恶劣，拒不处理漏水"),
        ("first_inquiry", "1"),
        ("major", "1"),
    ];
    let bad = quality.post("/desk/hotline", &[&call[..5], &[("phone", "12"), ("text", "x")]].concat()).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "a bad phone number is said on the form");
    assert!(bad.text().await.unwrap().contains("5-1-302"), "and what was typed stays there");
    let answer = quality.post("/desk/hotline", &call).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()[LOCATION], "/desk/cases/HQ-00001");
    let hotline = db.case_by_ticket("HQ-00001").await.unwrap().unwrap();
    assert_eq!(hotline.intake.channel, lobbydesk::domain::intake::Channel::Hotline);
    assert_eq!(hotline.intake.estate, EAST);
    let kinds: Vec<&str> =
        db.case_events(hotline.id).await.unwrap().iter().map(|e| e.event.body.name()).collect();
    assert!(kinds.contains(&"escalated") && kinds.contains(&"progress-note"), "{kinds:?}");
    assert!(
        quality.post("/desk/hotline", &call).await.headers()[LOCATION] == "/desk/cases/HQ-00002",
        "tickets go on"
    );
    assert!(
        lobbydesk::hq::register_kiosk(db.as_ref(), "HQ", EAST).await.is_err(),
        "no kiosk takes HQ's code"
    );
    let token = store.register("K03", EAST).await;
    let dir = tempfile::TempDir::new().unwrap();
    // Every repair called back (not a sample), so the callback list below is certain.
    let toml = format!(
        "[kiosk]\ncode = \"K03\"\nestate = \"{EAST}\"\n[callbacks]\nrepair_sample_percent = 100\n{}",
        common::STAFF
    );
    let mut kiosk = lobbydesk::app::Desk::open(
        lobbydesk::config::Settings::from_toml(&toml, "test").unwrap(),
        dir.path(),
    )
    .unwrap();
    let client = lobbydesk::sync::client::Client::new(&hq.url(), &token).unwrap();
    common::hq_db::sync_until_done(&mut kiosk, &client).await;
    let there =
        kiosk.store().case_by_ticket("HQ-00001").expect("the estate's kiosk has the hotline case").case;
    let now = Utc::now();
    assert_eq!(there.owner, lobbydesk::domain::filing::ESTATE_HEAD, "the estate head's to follow");
    let mine = |id: &str, role| {
        let session = lobbydesk::kiosk::staff::StaffSession { id: id.into(), name: id.into(), role };
        let filter = lobbydesk::kiosk::desk::ListFilter { mine: true, ..Default::default() };
        let page = lobbydesk::kiosk::desk::list(
            &kiosk,
            &session,
            &filter,
            "",
            None,
            lobbydesk::domain::intake::Lang::ZhCn,
            Utc::now(),
            50,
        )
        .unwrap();
        page.rows.iter().map(|r| r.ticket.clone()).collect::<Vec<_>>()
    };
    use lobbydesk::domain::roles::Role;
    assert!(mine("chen", Role::EstateManager).contains(&"HQ-00001".to_string()), "in the manager's own list");
    assert!(!mine("wang", Role::FrontDesk).contains(&"HQ-00001".to_string()));
    let clocks = lobbydesk::domain::clocks::deadlines(&there, &kiosk.settings.calendar, now);
    assert!(clocks.iter().any(|d| d.clock == lobbydesk::domain::clocks::Clock::HotlineFirstCallback));

    // A repair fixed at the estate is owed a callback after the fix (结案回访), listed
    // with who owes it once the kiosk has synced.
    let repair = lobbydesk::domain::filing::NewCase {
        category: "water".into(),
        place: "5-1-302".into(),
        phone: Some("13700137000".into()),
        text: "卫生间漏水".into(),
        ..Default::default()
    };
    let fixed = kiosk.file(&repair, Utc::now()).unwrap().ticket().to_string();
    kiosk
        .act(&fixed, lobbydesk::app::Action::Resolve { note: "已更换水管".into() }, "li", Utc::now())
        .unwrap();
    common::hq_db::sync_until_done(&mut kiosk, &client).await;
    let callbacks = quality.get("/desk/callbacks").await.text().await.unwrap();
    let after_fix = &callbacks[callbacks.find("结案回访").unwrap()..callbacks.find("阶段性回访").unwrap()];
    assert!(after_fix.contains(&fixed), "{callbacks}");
    assert!(!callbacks.contains(&east[1]), "an open case owes no callback yet");

    // The list's status and kind filters.
    let complaints = quality.get("/desk?kind=complaint").await.text().await.unwrap();
    assert!(
        complaints.contains("HQ-00001") && !complaints.contains(&east[0]) && !complaints.contains(&fixed)
    );
    let resolved = quality.get("/desk?status=resolved").await.text().await.unwrap();
    assert!(resolved.contains(&fixed) && !resolved.contains("HQ-00001") && !resolved.contains(&east[0]));
    let open_resolved = quality.get("/desk?status=resolved&open=1").await.text().await.unwrap();
    assert!(open_resolved.contains(&fixed), "resolved is still open until the callback and closure");
    assert_eq!(quality.get("/desk?status=nonsense").await.status(), StatusCode::BAD_REQUEST);

    // Reports: the day's, and the month's assessment beside the group's, also as a workbook.
    let daily = quality.get("/desk/reports/daily").await.text().await.unwrap();
    assert!(
        daily.contains("热线日报") && west.iter().all(|t| daily.contains(t.as_str())),
        "today's new cases"
    );
    assert_eq!(quality.get("/desk/reports/daily?date=2026-02-30").await.status(), StatusCode::BAD_REQUEST);
    let month =
        lobbydesk::config::Settings::default().calendar.local_date(Utc::now()).format("%Y-%m").to_string();
    let monthly = quality.get(&format!("/desk/reports/monthly?month={month}")).await.text().await.unwrap();
    assert!(monthly.contains(EAST) && monthly.contains(WEST) && monthly.contains("集团 Group"));
    // Each KPI drawn with the estates side by side, said in words for a screen reader.
    assert_eq!(
        monthly.matches("<figure class=\"chart\">").count(),
        monthly[..monthly.find("各楼盘对比").unwrap()].matches("<th scope=\"col\">").count() - 3
    );
    assert!(
        monthly.contains("role=\"img\" aria-label=\"") && monthly.matches(&format!("{EAST} ")).count() >= 6
    );
    let book = quality.get(&format!("/desk/reports/monthly.xlsx?month={month}")).await;
    assert_eq!(book.status(), StatusCode::OK);
    let rows = workbook_rows(&book.bytes().await.unwrap(), &format!("考核 {month}"));
    let estates: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(estates, [WEST, EAST, "集团 Group"], "estates in name order, then the group");
    assert_eq!(rows[1][1], "2", "two matters at {WEST}");
    assert_eq!(rows[2][1], "6", "three and a repair from kiosks and two hotline calls at {EAST}");
    assert_eq!(rows[3][1], "8", "eight in the group");
    let head_book =
        head.get(&format!("/desk/reports/monthly.xlsx?month={month}")).await.bytes().await.unwrap();
    let head_rows = workbook_rows(&head_book, &format!("考核 {month}"));
    assert_eq!(head_rows.len(), 2, "an estate head's workbook has their estate only: {head_rows:?}");
    assert_eq!(head_rows[1][0], EAST);

    // The group's row is the group's own report, though read with the estates' cases; a
    // trend's months are the monthly reports.
    let settings = lobbydesk::config::Settings::default();
    let desk = lobbydesk::hq::desk::HqDesk::open(&settings, db.as_ref()).await.unwrap();
    let today = settings.calendar.local_date(Utc::now());
    let (year, month_no) = (chrono::Datelike::year(&today), chrono::Datelike::month(&today));
    let now = Utc::now();
    let (estates, group) = desk.assessment(year, month_no, now).await.unwrap();
    assert_eq!(group, desk.monthly_report(year, month_no, None, now).await.unwrap());
    assert_eq!(estates, desk.monthly_by_estate(year, month_no, now).await.unwrap());
    let trend = desk.monthly_trend(today, 3, Some(EAST), now).await.unwrap();
    assert_eq!(trend.len(), 3);
    assert_eq!(trend[2].1, desk.monthly_report(year, month_no, Some(EAST), now).await.unwrap());
    let before = today - chrono::Months::new(2);
    assert_eq!(trend[0].0, before.format("%Y-%m").to_string());

    // Each KPI month by month for the group, this month's figures the assessment's own;
    // an estate head sees their estate's, and no other.
    let trend =
        quality.get(&format!("/desk/reports/trend?month={month}&months=3")).await.text().await.unwrap();
    assert!(trend.contains("集团 Group") && trend.matches("<th scope=\"row\">").count() == 3, "{trend}");
    let group_row = &monthly[monthly.find("<th scope=\"row\">集团 Group</th>").unwrap()..];
    let first_kpi = &group_row[group_row.find("<td class=").unwrap()..];
    let first_kpi = &first_kpi[..first_kpi.find("</td>").unwrap()];
    let this_month = &trend[trend.find(&format!("<th scope=\"row\">{month}</th>")).unwrap()..];
    assert!(
        this_month.starts_with(&format!("<th scope=\"row\">{month}</th>{first_kpi}")),
        "{first_kpi} / {this_month}"
    );
    assert_eq!(trend.matches("<polyline").count(), trend.matches("<figure class=\"chart\">").count());
    // The trend and the callback lists export too.
    let book = quality.get(&format!("/desk/reports/trend.xlsx?month={month}&months=3&estate={EAST}")).await;
    assert_eq!(book.status(), StatusCode::OK);
    let rows = workbook_rows(&book.bytes().await.unwrap(), "趋势 Trends");
    assert_eq!(rows.len(), 4, "a row per month: {rows:?}");
    assert_eq!(rows[3][0], month);
    assert!(rows[0][1].starts_with("投诉反馈及时率"), "{:?}", rows[0]);
    let callbacks = quality.get("/desk/callbacks.xlsx").await;
    assert_eq!(callbacks.status(), StatusCode::OK);
    let rows = workbook_rows(&callbacks.bytes().await.unwrap(), "回访 Callbacks");
    assert!(rows[1..].iter().any(|r| r[0].starts_with("结案回访") && r[1] == fixed), "{rows:?}");
    assert_eq!(
        head.get(&format!("/desk/reports/trend.xlsx?estate={WEST}")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(quality.get("/desk/reports/trend?months=13").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(quality.get("/desk/reports/trend?month=2026-13").await.status(), StatusCode::BAD_REQUEST);
    let head_trend = head.get("/desk/reports/trend").await.text().await.unwrap();
    assert!(head_trend.contains(&format!("· {EAST}")) && !head_trend.contains("集团 Group"));
    assert_eq!(head.get(&format!("/desk/reports/trend?estate={WEST}")).await.status(), StatusCode::FORBIDDEN);

    // The same repair at one place a third time is flagged on the month's page, drawn and
    // listed with its cases.
    let places = &monthly[monthly.find("重复报修地点").unwrap()..];
    assert!(places.contains("3-2-1201") && !places.contains("5-1-302"), "{places}");
    let mut again = Vec::new();
    for note in ["卫生间又漏水", "卫生间还在漏水"] {
        let leak = lobbydesk::domain::filing::NewCase {
            category: "water".into(),
            place: "5-1-302".into(),
            phone: Some("13700137000".into()),
            text: note.into(),
            ..Default::default()
        };
        again.push(kiosk.file(&leak, Utc::now()).unwrap().ticket().to_string());
    }
    common::hq_db::sync_until_done(&mut kiosk, &client).await;
    let monthly = quality.get(&format!("/desk/reports/monthly?month={month}")).await.text().await.unwrap();
    let places = &monthly[monthly.find("重复报修地点").unwrap()..];
    assert!(places.contains(&format!("{EAST} 5-1-302 给排水 3 次")), "{places}");
    assert!(
        [&fixed, &again[0], &again[1]]
            .iter()
            .all(|t| places.contains(&format!("<a href=\"/desk/cases/{t}\">")))
    );

    // The GM's escalation list: the major hotline complaint at once, a kiosk's complaint
    // left unresolved for 7 days (filed while the kiosk was offline a week ago); not the
    // day's other cases.
    let noise = lobbydesk::domain::filing::NewCase {
        category: "noise".into(),
        place: "2-1-101".into(),
        phone: Some("13600136000".into()),
        text: "楼下商铺夜间噪音".into(),
        ..Default::default()
    };
    let week_old = kiosk.file(&noise, Utc::now() - chrono::Duration::days(8)).unwrap().ticket().to_string();
    common::hq_db::sync_until_done(&mut kiosk, &client).await;
    let escalations = quality.get("/desk?open=1&escalated=1").await.text().await.unwrap();
    assert!(escalations.contains("HQ-00001") && escalations.contains(&week_old), "{escalations}");
    assert!(!escalations.contains(&east[0]) && !escalations.contains(&fixed), "{escalations}");
    assert!(escalations.contains("已升级 escalated"));
    let listed = quality.get("/desk/cases.xlsx?escalated=1").await.bytes().await.unwrap();
    let rows = workbook_rows(&listed, "案件 Cases");
    assert_eq!(rows[0][5], "已升级 Escalated");
    assert!(rows[1..].iter().all(|r| r[5] == "是 yes") && rows.len() == 4, "{rows:?}");

    // The office's other actions on a case, the workflow deciding: a kiosk complaint
    // acknowledged and marked major (the GM's clock starts), another case linked to it as
    // the same matter; closing what is not fixed and reopening what is open are refused,
    // said on the page, and nothing is recorded.
    let complaint = lobbydesk::domain::filing::NewCase {
        category: "noise".into(),
        place: "1-1-101".into(),
        phone: Some("13500135000".into()),
        text: "装修噪音".into(),
        ..Default::default()
    };
    let template = filings::filing_of("K01", EAST);
    let mut filed = filings::new_case(&template, "K01", 4);
    if let lobbydesk::domain::event::EventBody::Filed { intake } = &mut filed.event.body {
        let ctx = lobbydesk::domain::filing::FilingContext {
            catalogue: &lobbydesk::domain::category::Catalogue::default(),
            estate: EAST,
            case_id: filed.event.case_id,
            repair_sample_percent: 30,
        };
        let mut made = complaint.validate(&ctx).unwrap();
        made.ticket = intake.ticket.clone();
        **intake = made;
    }
    let kiosk_k01 = KioskRecord { code: "K01".into(), estate: EAST.into(), revoked: false };
    assert!(db.receive_from_kiosk(&kiosk_k01, vec![filed], Utc::now()).await.unwrap().is_empty());
    let noisy = "K01-00004";
    let path = format!("/desk/cases/{noisy}/act");
    let csrf = quality.csrf().await;
    for what in ["acknowledge", "major"] {
        let answer = quality.post(&path, &[("csrf", &csrf), ("what", what), ("text", "")]).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{what}");
    }
    let marked = db.case_by_ticket(noisy).await.unwrap().unwrap();
    assert!(marked.acknowledged_at.is_some());
    assert_eq!(marked.severity, Some(lobbydesk::domain::intake::Severity::Major));
    let linked = quality
        .post(
            &format!("/desk/cases/{}/act", east[2]),
            &[("csrf", &csrf), ("what", "link"), ("text", &east[0])],
        )
        .await;
    assert_eq!(linked.status(), StatusCode::SEE_OTHER);
    assert!(db.case_by_ticket(&east[2]).await.unwrap().unwrap().duplicate_of.is_some());
    let before = db.case_events(marked.id).await.unwrap().len();
    for what in ["close", "reopen"] {
        let answer = quality.post(&path, &[("csrf", &csrf), ("what", what), ("text", "x")]).await;
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert!(answer.text().await.unwrap().contains("role=\"alert\""), "{what}: the refusal is said");
    }
    assert_eq!(db.case_events(marked.id).await.unwrap().len(), before, "nothing recorded");

    // The fleet: when each kiosk last synced; the quality office registers a kiosk (its
    // credential shown once, and it works) and revokes it (and it stops working).
    let fleet = quality.get("/desk/fleet").await.text().await.unwrap();
    let k03 = &fleet[fleet.find("<td>K03</td>").expect("K03 listed")..];
    let today = lobbydesk::config::Settings::default().calendar.local_date(Utc::now()).to_string();
    assert!(k03[..k03.find("</tr>").unwrap()].contains(&today), "K03 synced today");
    let k02 = &fleet[fleet.find("<td>K02</td>").unwrap()..];
    assert!(k02[..k02.find("</tr>").unwrap()].contains("从未 never"), "K02 never synced");
    // Each sync ends with the kiosk saying how it is: nothing waiting, its clock right.
    let k03_row = &k03[..k03.find("</tr>").unwrap()];
    assert!(k03_row.contains("0 全部送达") && k03_row.contains("正常 OK"), "{k03_row}");
    assert!(!k03_row.contains("missed") && !k03_row.contains("从未"), "nothing to look at: {k03_row}");
    assert!(k02[..k02.find("</tr>").unwrap()].contains("未报告"), "K02 never reported");
    // A kiosk out of paper with a resident's ticket unprinted and its clock 10 minutes
    // fast: the row says so, and marks each for someone to look at.
    let sick = lobbydesk::sync::Health {
        outbox: 2,
        set_aside: 1,
        oldest_unsent: Some(Utc::now() - chrono::Duration::hours(3)),
        print_queued: 1,
        print_held: 1,
        printer: Some(lobbydesk::printer::status::PrinterStatus::PaperOut),
        kiosk_time: Utc::now() + chrono::Duration::minutes(10),
        version: "0.1.0".into(),
    };
    client.report_health(&sick).await.unwrap();
    let fleet = quality.get("/desk/fleet").await.text().await.unwrap();
    let k03 = &fleet[fleet.find("<td>K03</td>").unwrap()..];
    let k03_row = &k03[..k03.find("</tr>").unwrap()];
    for said in ["2 待发送", "1 被总部退回", "打印机缺纸 paper-out", "1 张小票待补打", "快 10 分钟"]
    {
        assert!(k03_row.contains(said), "{said}: {k03_row}");
    }
    assert_eq!(k03_row.matches("class=\"missed\"").count(), 3, "{k03_row}");
    // A report is checked like any request, and speaks for its own kiosk only.
    let http = reqwest::Client::new();
    let put = |body: serde_json::Value, token: Option<&str>| {
        let request = http.put(format!("{}/v1/health", hq.url())).json(&body);
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
    };
    let mut good = serde_json::to_value(&sick).unwrap();
    good["outbox"] = 0.into();
    for (what, body, status) in [
        ("an unknown field", serde_json::json!({"kiosk": "K01"}), StatusCode::UNPROCESSABLE_ENTITY),
        ("a negative count", serde_json::json!({"outbox": -1}), StatusCode::UNPROCESSABLE_ENTITY),
        ("markup as a version", serde_json::json!({"version": "<b>1</b>"}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            "an unknown printer state",
            serde_json::json!({"printer": "on-fire"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let mut bad = good.clone();
        for (key, value) in body.as_object().unwrap() {
            bad[key] = value.clone();
        }
        assert_eq!(put(bad, Some(&token)).await.unwrap().status(), status, "{what}");
    }
    assert_eq!(put(good.clone(), None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let fleet_after = quality.get("/desk/fleet").await.text().await.unwrap();
    assert!(fleet_after.contains("2 待发送") && !fleet_after.contains("on-fire"), "nothing refused was kept");
    assert_eq!(put(good, Some(&token)).await.unwrap().status(), StatusCode::NO_CONTENT);
    let fleet_after = quality.get("/desk/fleet").await.text().await.unwrap();
    let k01 = &fleet_after[fleet_after.find("<td>K01</td>").unwrap()..];
    assert!(k01[..k01.find("</tr>").unwrap()].contains("未报告"), "K03's report is K03's alone");
    let csrf = quality.csrf().await;
    let added =
        quality.post("/desk/fleet/register", &[("csrf", &csrf), ("code", "K04"), ("estate", WEST)]).await;
    assert_eq!(added.status(), StatusCode::OK);
    let added = added.text().await.unwrap();
    let at = added.find("<code>").expect("the credential is shown") + 6;
    let token = &added[at..at + 64];
    let k04 = lobbydesk::sync::client::Client::new(&hq.url(), token).unwrap();
    assert_eq!(k04.status().await.unwrap().kiosk, "K04");
    let again = quality.get("/desk/fleet").await.text().await.unwrap();
    assert!(!again.contains(token), "shown once only");
    let revoked = quality.post("/desk/fleet/revoke", &[("csrf", &csrf), ("code", "K04")]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert!(k04.status().await.is_err(), "a revoked credential syncs no more");
    let bad =
        quality.post("/desk/fleet/register", &[("csrf", &csrf), ("code", "HQ"), ("estate", WEST)]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "HQ's own code is refused");
    let head_fleet = head.get("/desk/fleet").await.text().await.unwrap();
    assert!(
        head_fleet.contains("<td>K01</td>")
            && !head_fleet.contains("<td>K02</td>")
            && !head_fleet.contains("/desk/fleet/register")
    );
    let head_csrf = head.csrf().await;
    let refused =
        head.post("/desk/fleet/register", &[("csrf", &head_csrf), ("code", "K05"), ("estate", EAST)]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // Every list and report exports: the case list with its filters, the day's report.
    let listed = quality.get(&format!("/desk/cases.xlsx?estate={WEST}")).await;
    assert_eq!(listed.status(), StatusCode::OK);
    let rows = workbook_rows(&listed.bytes().await.unwrap(), "案件 Cases");
    let tickets: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(tickets, [west[1].as_str(), west[0].as_str()], "newest first, {WEST} only");
    assert!(!rows.iter().flatten().any(|cell| cell.contains("13800138000")), "no phone numbers in the list");
    let head_list = head.get(&format!("/desk/cases.xlsx?estate={WEST}")).await.bytes().await.unwrap();
    let head_rows = workbook_rows(&head_list, "案件 Cases");
    assert!(head_rows[1..].iter().all(|r| r[1] == EAST), "an estate head exports their estate only");
    let day = quality.get("/desk/reports/daily.xlsx").await.bytes().await.unwrap();
    let today = lobbydesk::config::Settings::default().calendar.local_date(Utc::now());
    let day_rows = workbook_rows(&day, &format!("热线日报 {today}"));
    assert!(day_rows.iter().any(|r| r[0] == "新增 New" && r[1] == "HQ-00001"), "{day_rows:?}");

    // Signing out needs the page's form token; after it the cookie opens nothing.
    let answer = quality.post("/desk/sign-out", &[("csrf", &"0".repeat(64))]).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    let csrf = quality.csrf().await;
    assert_ne!(csrf, head.csrf().await, "each session has its own form token");
    assert_eq!(quality.post("/desk/sign-out", &[("csrf", &csrf)]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(quality.get("/desk").await.status(), StatusCode::SEE_OTHER);

    // Guessing: after MAX_FAILURES wrong passwords even the right one waits.
    let mut guesser = Browser::new(&hq.url());
    for _ in 0..MAX_FAILURES {
        assert_eq!(guesser.sign_in("li", "guess guess guess").await.status(), StatusCode::UNAUTHORIZED);
    }
    let answer = guesser.sign_in("li", PASSWORD).await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert!(answer.text().await.unwrap().contains("Too many wrong passwords"));
    assert!(guesser.cookie.is_none());

    // A disabled account's sessions end at once.
    assert!(db.disable_account("li", Utc::now()).await.unwrap());
    assert_eq!(head.get("/desk").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_signs_people_in_and_keeps_others_out_sqlite() {
    the_desk_signs_people_in_and_keeps_others_out(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_signs_people_in_and_keeps_others_out_postgres() {
    the_desk_signs_people_in_and_keeps_others_out(Backend::Postgres).await;
}

/// What the desk records about people does not pile up: expired sessions go at the next
/// sign-in, failed sign-ins after a day, and who opened which case as closed cases do.
async fn the_desk_keeps_nothing_past_its_time(backend: Backend) {
    let store = HqStore::of(backend);
    let db = store.open().await;
    account(db.as_ref(), "zhou", HqRole::QualityOffice, &[]).await;
    let t0 = Utc::now();
    let hour = chrono::Duration::hours(1);
    db.start_session("old", "zhou", "csrf-old", t0, t0 + hour).await.unwrap();
    assert!(db.session("old", t0 + hour / 2).await.unwrap().is_some());
    db.start_session("new", "zhou", "csrf-new", t0 + hour * 2, t0 + hour * 14).await.unwrap();
    assert!(db.session("old", t0 + hour / 2).await.unwrap().is_none(), "the expired session is gone");
    assert!(db.session("new", t0 + hour * 3).await.unwrap().is_some(), "the live one stays");

    db.note_sign_in("ghost", false, t0).await.unwrap();
    db.note_sign_in("zhou", false, t0 + hour).await.unwrap();
    assert_eq!(db.sign_in_failures("ghost", t0 - hour).await.unwrap(), 1);
    db.note_sign_in("someone", false, t0 + chrono::Duration::days(2)).await.unwrap();
    assert_eq!(db.sign_in_failures("ghost", t0 - hour).await.unwrap(), 0, "a name tried days ago");
    assert_eq!(db.sign_in_failures("zhou", t0 - hour).await.unwrap(), 0);

    let case = uuid::Uuid::now_v7();
    let years = |n: i64| chrono::Duration::days(365 * n);
    db.audit("zhou", case, "opened", t0 - years(3)).await.unwrap();
    db.audit("zhou", case, "opened", t0 - hour).await.unwrap();
    db.purge_closed(t0 - years(2)).await.unwrap();
    let kept = db.audit_log(None, 10).await.unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].at > t0 - years(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_keeps_nothing_past_its_time_sqlite() {
    the_desk_keeps_nothing_past_its_time(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_keeps_nothing_past_its_time_postgres() {
    the_desk_keeps_nothing_past_its_time(Backend::Postgres).await;
}

async fn change_password(
    b: &Browser,
    csrf: &str,
    current: &str,
    new: &str,
    repeat: &str,
) -> reqwest::Response {
    b.post("/desk/password", &[("csrf", csrf), ("current", current), ("new", new), ("repeat", repeat)]).await
}

/// The quality office gives a colleague an account in the browser (the password made and
/// shown once), resets a forgotten password (ending that person's sessions) and disables
/// the account of someone who left; everyone changes their own password there.
async fn the_quality_office_keeps_the_accounts(backend: Backend) {
    let store = HqStore::of(backend);
    let db = store.open().await;
    account(db.as_ref(), "zhou", HqRole::QualityOffice, &[]).await;
    account(db.as_ref(), "li", HqRole::EstateHead, &[EAST]).await;
    let hq = HqProcess::start(&store).await;
    let mut office = Browser::new(&hq.url());
    office.sign_in("zhou", PASSWORD).await;
    let listed = office.get("/desk/accounts").await.text().await.unwrap();
    assert!(listed.contains("<td>li</td>") && listed.contains(EAST), "{listed}");
    let csrf = office.csrf().await;
    let shown_password = |page: &str| {
        let at = page.find("<code>").expect("the password is shown") + 6;
        page[at..at + page[at..].find("</code>").unwrap()].to_string()
    };

    let added = office
        .post(
            "/desk/accounts/add",
            &[("csrf", &csrf), ("name", "wang"), ("role", "hotline"), ("estates", "")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let first = shown_password(&added.text().await.unwrap());
    assert_eq!(first.chars().count(), 16);
    assert!(!office.get("/desk/accounts").await.text().await.unwrap().contains(&first), "shown once");
    for (what, form, why) in [
        ("a role that is none", [("name", "x1"), ("role", "boss"), ("estates", "")], "no HQ role"),
        (
            "an estate head with no estate",
            [("name", "x2"), ("role", "estate-head"), ("estates", "")],
            "estates",
        ),
        ("a name taken", [("name", "wang"), ("role", "hotline"), ("estates", "")], "已有账号"),
    ] {
        let answer =
            office.post("/desk/accounts/add", &[&[("csrf", csrf.as_str())][..], &form[..]].concat()).await;
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert!(answer.text().await.unwrap().contains(why), "{what}");
    }

    // The colleague signs in with it and changes it.
    let mut wang = Browser::new(&hq.url());
    assert_eq!(wang.sign_in("wang", &first).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(wang.get("/desk/accounts").await.status(), StatusCode::FORBIDDEN, "not the office's");
    let own = wang.csrf().await;
    let mine = "王的新密码 long enough";
    for (current, new, repeat, why) in [
        ("wrong wrong wrong", mine, mine, "当前密码不对"),
        (first.as_str(), mine, "something else entirely", "不一致"),
        (first.as_str(), "short", "short", "新密码不可用"),
    ] {
        let answer = change_password(&wang, &own, current, new, repeat).await;
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(answer.text().await.unwrap().contains(why), "{why}");
    }
    let changed = change_password(&wang, &own, &first, mine, mine).await;
    assert!(changed.text().await.unwrap().contains("密码已修改"));
    assert_eq!(Browser::new(&hq.url()).sign_in("wang", &first).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(Browser::new(&hq.url()).sign_in("wang", mine).await.status(), StatusCode::SEE_OTHER);

    // Forgotten: a new password, and every session of that account ends.
    let reset = office.post("/desk/accounts/reset", &[("csrf", &csrf), ("name", "wang")]).await;
    let second = shown_password(&reset.text().await.unwrap());
    assert_eq!(wang.get("/desk").await.status(), StatusCode::SEE_OTHER, "signed out by the reset");
    assert_eq!(Browser::new(&hq.url()).sign_in("wang", mine).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wang.sign_in("wang", &second).await.status(), StatusCode::SEE_OTHER);

    // Left the company: disabled, signed out, no sign-in; nobody disables themselves.
    let disabled = office.post("/desk/accounts/disable", &[("csrf", &csrf), ("name", "wang")]).await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert!(disabled.text().await.unwrap().contains("已停用"));
    assert_eq!(wang.get("/desk").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(Browser::new(&hq.url()).sign_in("wang", &second).await.status(), StatusCode::UNAUTHORIZED);
    let myself = office.post("/desk/accounts/disable", &[("csrf", &csrf), ("name", "zhou")]).await;
    assert_eq!(myself.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        office.post("/desk/accounts/disable", &[("csrf", "forged"), ("name", "li")]).await.status(),
        StatusCode::FORBIDDEN
    );
    let mut head = Browser::new(&hq.url());
    head.sign_in("li", PASSWORD).await;
    let head_csrf = head.csrf().await;
    let refused =
        head.post("/desk/accounts/add", &[("csrf", &head_csrf), ("name", "x"), ("role", "hotline")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quality_office_keeps_the_accounts_sqlite() {
    the_quality_office_keeps_the_accounts(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quality_office_keeps_the_accounts_postgres() {
    the_quality_office_keeps_the_accounts(Backend::Postgres).await;
}
