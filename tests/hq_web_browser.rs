//! HQ's web desk in a real browser (headless Chromium through chromedriver): a quality
//! officer signs in with the keyboard, finds a case, opens it and acts on it, files a
//! hotline call that the estate's kiosk takes at its next sync and answers, reads the
//! day's report and the month's assessment and exports it (read back as a workbook), at
//! an office PC's 1366×768 and a phone's 390×844. Every page must fit its width (no
//! sideways scrolling), every field must have a label, and each page leaves a screenshot
//! in target/screenshots/desk for people to look at.

mod common;

use chrono::Utc;
use common::browser::{chromium, emulate_media, screenshot_dir};
use common::filings;
use common::hq_db::{HqProcess, HqStore};
use fantoccini::{Client, Locator, key::Key};
use lobbydesk::app::{Action, Desk};
use lobbydesk::domain::event::ContactMethod;
use lobbydesk::hq::accounts::{Account, HqRole, hash_password};
use lobbydesk::store::KioskRecord;

const EAST: &str = "翠湖花园";
const PASSWORD: &str = "质量办 correct horse";

/// The page fits its width, and every form field has a label a screen reader reads.
async fn check_page(client: &Client, name: &str, width: u32) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("{name}-{width}.png")), png).unwrap();
    common::browser::assert_fits_and_labelled(client, &format!("{name} at {width} px")).await;
}

/// The page as it prints on A4 (794 CSS px wide): the menu, filters and forms left off,
/// nothing cut at the right edge; a picture of it beside the screenshots.
async fn check_print(client: &Client, name: &str) {
    let js = |script: &'static str| client.execute(script, vec![]);
    let border: Vec<u32> = serde_json::from_value(
        js("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight, window.innerWidth, window.innerHeight]")
            .await
            .unwrap(),
    )
    .unwrap();
    client.set_window_size(794 + border[0], 1123 + border[1]).await.unwrap();
    emulate_media(client, "print").await;
    let shown: Vec<String> = serde_json::from_value(
        js("return [...document.querySelectorAll('header, input:not([type=hidden]), select, textarea, button')]
               .filter(e => e.getClientRects().length > 0).map(e => e.outerHTML.slice(0, 60))")
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(shown.is_empty(), "{name} prints its controls: {shown:?}");
    let fits: bool = serde_json::from_value(
        js("return document.documentElement.scrollWidth <= window.innerWidth").await.unwrap(),
    )
    .unwrap();
    assert!(fits, "{name} is cut at the right edge of the paper");
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("print-{name}.png")), png).unwrap();
    emulate_media(client, "").await;
    client.set_window_size(border[2] + border[0], border[3] + border[1]).await.unwrap();
}

async fn work_a_day_at(width: u32, height: u32) {
    let store = HqStore::sqlite();
    let db = store.open().await;
    let template = filings::filing_of("K01", EAST);
    let events: Vec<_> = (1..=3).map(|seq| filings::new_case(&template, "K01", seq)).collect();
    let kiosk = KioskRecord { code: "K01".into(), estate: EAST.into(), revoked: false };
    assert!(db.receive_from_kiosk(&kiosk, events, Utc::now()).await.unwrap().is_empty());
    let account = Account::new("zhou", HqRole::QualityOffice, &[]).unwrap();
    db.save_account(&account, &hash_password(PASSWORD).unwrap(), Utc::now()).await.unwrap();
    store.register("K01", EAST).await;
    let hq = HqProcess::start(&store).await;
    let browser = chromium(width, height).await;
    let c = &browser.client;

    // Signed out, the desk asks who you are; sign in with the keyboard alone.
    c.goto(&format!("{}/desk", hq.url())).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/desk/sign-in"));
    check_page(c, "sign-in", width).await;
    let name = c.find(Locator::Id("name")).await.unwrap();
    name.send_keys("zhou").await.unwrap();
    name.send_keys(&Key::Tab.to_string()).await.unwrap();
    let focused = c.active_element().await.unwrap();
    assert_eq!(focused.attr("id").await.unwrap().as_deref(), Some("password"), "Tab goes to the password");
    focused.send_keys(PASSWORD).await.unwrap();
    focused.send_keys(&Key::Enter.to_string()).await.unwrap();
    c.wait().for_element(Locator::Css("table tbody tr")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/desk");
    check_page(c, "cases", width).await;

    // Search for a ticket and open the case: the contact is there for the call back.
    c.find(Locator::Id("words")).await.unwrap().send_keys("K01-00002").await.unwrap();
    c.find(Locator::Css("form.filters button")).await.unwrap().click().await.unwrap();
    // The list before the search also shows the ticket: wait for the search's own page.
    for _ in 0..100 {
        if c.current_url().await.unwrap().query().unwrap_or_default().contains("words=") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let link = c.wait().for_element(Locator::LinkText("K01-00002")).await.unwrap();
    assert_eq!(
        c.find_all(Locator::Css("table tbody tr")).await.unwrap().len(),
        1,
        "the search finds one case"
    );
    link.click().await.unwrap();
    c.wait().for_element(Locator::Css("dl.case")).await.unwrap();
    let text = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(text.contains("13800138000") && text.contains(EAST), "{text}");
    check_page(c, "case", width).await;
    assert_eq!(db.audit_log(None, 10).await.unwrap().len(), 1, "the opening is logged");

    // Record what the officer did: the note is in the case's history at once.
    c.find(Locator::Id("text")).await.unwrap().send_keys("已致电业主，维修部明早上门").await.unwrap();
    c.find(Locator::Css("form.act button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::XPath("//td[contains(., '已致电业主，维修部明早上门')]")).await.unwrap();
    check_page(c, "case-acted", width).await;

    // A hotline call, typed in as the resident speaks; the case page follows.
    c.find(Locator::LinkText("热线登记 Hotline intake")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("p.greeting")).await.unwrap();
    check_page(c, "hotline", width).await;
    c.find(Locator::Id("place")).await.unwrap().send_keys("5-1-302").await.unwrap();
    c.find(Locator::Id("name")).await.unwrap().send_keys("陈女士").await.unwrap();
    c.find(Locator::Id("phone")).await.unwrap().send_keys("13900139000").await.unwrap();
    c.find(Locator::Id("text")).await.unwrap().send_keys("前台态度恶劣，拒不处理漏水").await.unwrap();
    c.find(Locator::Css("form.act button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::XPath("//h1[.='HQ-00001']")).await.unwrap();
    let text = c.find(Locator::Css("dl.case")).await.unwrap().text().await.unwrap();
    assert!(text.contains("热线") && text.contains("13900139000"), "{text}");

    // The estate's kiosk takes the call at its next sync; what its manager does there
    // (the first callback to the resident) is on the case page after the kiosk's next sync.
    let token = store.register("K02", EAST).await;
    let dir = tempfile::TempDir::new().unwrap();
    let toml = format!("[kiosk]\ncode = \"K02\"\nestate = \"{EAST}\"\n{}", common::STAFF);
    let mut kiosk =
        Desk::open(lobbydesk::config::Settings::from_toml(&toml, "test").unwrap(), dir.path()).unwrap();
    let client = lobbydesk::sync::client::Client::new(&hq.url(), &token).unwrap();
    common::hq_db::sync_until_done(&mut kiosk, &client).await;
    let there = kiosk.store().case_by_ticket("HQ-00001").expect("the kiosk has the hotline case").case;
    assert!(format!("{:?}", there.intake.contact).contains("13900139000"), "the estate can call back");
    let reply = Action::Reply {
        method: ContactMethod::Phone, text: "已致电陈女士，今天下午上门".into()
    };
    kiosk.act("HQ-00001", reply, "chen", Utc::now()).unwrap();
    common::hq_db::sync_until_done(&mut kiosk, &client).await;
    c.refresh().await.unwrap();
    c.wait().for_element(Locator::XPath("//td[contains(., '已致电陈女士，今天下午上门')]")).await.unwrap();
    check_page(c, "case-from-kiosk", width).await;
    if width > 1000 {
        check_print(c, "case-from-kiosk").await;
    }

    // The day's report and the month's assessment, through the menu.
    c.find(Locator::LinkText("热线日报 Daily report")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("table.counts")).await.unwrap();
    let counts = c.find(Locator::Css("table.counts tbody")).await.unwrap().text().await.unwrap();
    assert!(counts.starts_with('4'), "three from the kiosk and one hotline call today: {counts}");
    check_page(c, "daily", width).await;
    if width > 1000 {
        check_print(c, "daily").await;
    }
    c.find(Locator::LinkText("终端 Kiosks")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::XPath("//td[.='K01']")).await.unwrap();
    check_page(c, "fleet", width).await;
    c.find(Locator::LinkText("回访 Callbacks")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::XPath("//h2[starts-with(., '结案回访')]")).await.unwrap();
    check_page(c, "callbacks", width).await;
    if width > 1000 {
        check_print(c, "callbacks").await;
    }
    c.find(Locator::LinkText("月度考核 Monthly assessment")).await.unwrap().click().await.unwrap();
    let export = c.wait().for_element(Locator::Css("a[download]")).await.unwrap();
    check_page(c, "monthly", width).await;
    if width > 1000 {
        check_print(c, "monthly").await;
    }

    // The export link gives the workbook to the signed-in officer (fetched with the
    // browser's own session cookie, as a download would be).
    let href = export.attr("href").await.unwrap().unwrap();
    let cookie = c.get_named_cookie("lobbydesk_session").await.unwrap();
    assert!(cookie.http_only().unwrap_or(false), "no script reads the session");
    lobbydesk::sync::install_crypto();
    let book = reqwest::Client::new()
        .get(format!("{}{href}", hq.url()))
        .header("cookie", format!("lobbydesk_session={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(book.status(), 200);
    let bytes = book.bytes().await.unwrap();
    use calamine::Reader;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = workbook.sheet_names()[0].clone();
    let rows: Vec<Vec<String>> = workbook
        .worksheet_range(&sheet)
        .unwrap()
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[1][0], EAST);
    assert_eq!(rows[1][1], "4");

    // The KPIs month by month, from the assessment's link; the GM's escalation list.
    c.find(Locator::LinkText("月度考核 Monthly assessment")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::LinkText("趋势 Trends")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("figure.chart svg polyline")).await.unwrap();
    let months = c.find_all(Locator::Css("main table tbody tr")).await.unwrap().len();
    assert_eq!(months, 6, "six months by default");
    check_page(c, "trend", width).await;
    if width > 1000 {
        check_print(c, "trend").await;
    }
    c.find(Locator::LinkText("升级 Escalations")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("input[name=escalated][checked]")).await.unwrap();
    check_page(c, "escalations", width).await;

    // A case that is not there, and a report of a day that is not one, say so on a page
    // with the way back.
    c.goto(&format!("{}/desk/cases/K09-99999", hq.url())).await.unwrap();
    let said = c.wait().for_element(Locator::Css("p[role=alert]")).await.unwrap().text().await.unwrap();
    assert!(said.contains("没有这个案件"), "{said}");
    check_page(c, "not-found", width).await;
    c.goto(&format!("{}/desk/reports/daily?date=2026-02-30", hq.url())).await.unwrap();
    c.wait().for_element(Locator::Css("p[role=alert]")).await.unwrap();
    check_page(c, "bad-date", width).await;
    c.find(Locator::LinkText("返回 Back")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("form.filters")).await.unwrap();

    // The office keeps its colleagues' accounts; everyone changes their own password.
    c.find(Locator::LinkText("账号 Accounts")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("form[action='/desk/accounts/add']")).await.unwrap();
    check_page(c, "accounts", width).await;
    c.find(Locator::Css("header a[href='/desk/password']")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("current")).await.unwrap();
    check_page(c, "password", width).await;

    // Signing out ends the session.
    c.find(Locator::Css("header form button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("password")).await.unwrap();
    c.goto(&format!("{}/desk", hq.url())).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/desk/sign-in"));
    browser.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quality_officer_works_the_desk_on_an_office_pc() {
    work_a_day_at(1366, 768).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quality_officer_works_the_desk_on_a_phone() {
    work_a_day_at(390, 844).await;
}
