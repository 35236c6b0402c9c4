//! The resident's phone page in a real browser (headless Chromium, a phone's 390×844):
//! the kiosk prints a ticket, the test reads its QR code off the printed paper as a phone
//! camera would and opens that address, sees the timeline and the promise, rates the
//! repair once it is done, and uploads a photo from the phone that staff then see on the
//! case at HQ's desk. Screenshots in target/screenshots/desk (resident-*.png).

mod common;

use chrono::Utc;
use common::browser::{chromium, screenshot_dir};
use common::hq_db::{HqProcess, HqStore, sync_until_done};
use fantoccini::{Client, Locator};
use lobbydesk::app::printing::Printer;
use lobbydesk::app::{Action, Desk};
use lobbydesk::domain::filing::NewCase;
use lobbydesk::hq::accounts::{Account, HqRole, hash_password};
use lobbydesk::printer::virtual_printer::{draw, interpret};

const EAST: &str = "翠湖花园";
const PASSWORD: &str = "质量办 correct horse";

/// The page fits the phone's width, every field has a label, every picture a text.
async fn check_page(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("resident-{name}.png")), png).unwrap();
    common::browser::assert_fits_and_labelled(client, name).await;
    let untold: Vec<String> = serde_json::from_value(
        client
            .execute("return [...document.images].filter(i => !i.alt).map(i => i.src)", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(untold.is_empty(), "{name}: pictures without a text: {untold:?}");
    let small: Vec<String> = serde_json::from_value(
        client
            .execute(
                "return [...document.querySelectorAll('button')].filter(b => b.getBoundingClientRect().height < 44)
                    .map(b => b.textContent)",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(small.is_empty(), "{name}: buttons too small for a thumb: {small:?}");
}

/// The QR codes on the paper the virtual printer kept in `dir`, as a phone camera reads them.
fn qr_codes_printed(dir: &std::path::Path, settings: &lobbydesk::config::Settings) -> Vec<String> {
    let bin = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "bin"))
        .expect("a printed ticket");
    let dots = usize::from(settings.printer.profile.dots);
    let page = draw(&interpret(&std::fs::read(bin).unwrap(), settings.printer.profile.text, dots), dots);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(page.width, page.height, |x, y| {
        if page.get(x, y) { 0 } else { 255 }
    });
    img.detect_grids().into_iter().filter_map(|g| g.decode().ok().map(|(_, text)| text)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resident_follows_rates_and_adds_a_photo_from_the_ticket_qr_on_a_phone() {
    let store = HqStore::sqlite();
    let hq = HqProcess::start(&store).await;
    let token = store.register("K01", EAST).await;
    let db = store.open().await;
    let account = Account::new("zhou", HqRole::QualityOffice, &[]).unwrap();
    db.save_account(&account, &hash_password(PASSWORD).unwrap(), Utc::now()).await.unwrap();

    // The kiosk files a repair and prints its ticket; HQ gets it at the next sync.
    let dir = tempfile::TempDir::new().unwrap();
    let toml = format!(
        "[kiosk]\ncode = \"K01\"\nestate = \"{EAST}\"\n[hq]\nurl = \"{0}\"\ntoken = \"{token}\"\nresident_url = \"{0}\"\n{1}",
        hq.url(),
        common::STAFF
    );
    let settings = lobbydesk::config::Settings::from_toml(&toml, "test").unwrap();
    let mut kiosk = Desk::open(settings.clone(), dir.path()).unwrap();
    let mut printer = Printer::open(&settings.printer, dir.path()).unwrap();
    let new = NewCase {
        category: "water".into(),
        place: "3-2-1201".into(),
        phone: Some("13800138000".into()),
        name: Some("张三".into()),
        text: "厨房水管漏水".into(),
        ..NewCase::default()
    };
    let ticket = kiosk.file(&new, Utc::now()).unwrap().ticket().to_string();
    kiosk.print_due(&mut printer, Utc::now()).unwrap();
    let client = lobbydesk::sync::client::Client::new(&hq.url(), &token).unwrap();
    sync_until_done(&mut kiosk, &client).await;

    let codes = qr_codes_printed(&dir.path().join("printer"), &settings);
    assert_eq!(codes.len(), 1, "{codes:?}");
    let link = codes[0].clone();
    assert!(link.starts_with(&format!("{}/r/{ticket}/", hq.url())), "{link}");

    let browser = chromium(390, 844).await;
    let c = &browser.client;
    c.goto(&link).await.unwrap();
    let heading = c.wait().for_element(Locator::Id("ticket")).await.unwrap();
    assert_eq!(heading.text().await.unwrap(), ticket);
    let body = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(body.contains("已受理您的事项") && body.contains("我们的承诺"), "{body}");
    assert!(!body.contains("张三") && !body.contains("13800138000") && !body.contains("1201"), "{body}");
    check_page(c, "filed").await;

    // The repair is done at the estate; the resident rates it from the phone.
    kiosk.act(&ticket, Action::Resolve { note: "换阀门".into() }, "li", Utc::now()).unwrap();
    sync_until_done(&mut kiosk, &client).await;
    c.refresh().await.unwrap();
    c.wait().for_element(Locator::Id("reason")).await.unwrap().send_keys("师傅很仔细").await.unwrap();
    check_page(c, "resolved").await;
    c.find(Locator::Css("button[value=yes]")).await.unwrap().click().await.unwrap();
    let thanks = c.wait().for_element(Locator::Css("p.notice")).await.unwrap();
    assert_eq!(thanks.text().await.unwrap(), "谢谢您的评价。");
    assert!(c.find_all(Locator::Css("form.rate")).await.unwrap().is_empty(), "rated once");

    // A photo from the phone's gallery.
    let photo = dir.path().join("IMG_2041.jpg");
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(1200, 900, |x, y| {
        image::Rgb([(x / 5 % 256) as u8, (y / 4 % 256) as u8, 140])
    }))
    .save(&photo)
    .unwrap();
    c.find(Locator::Id("photo")).await.unwrap().send_keys(photo.to_str().unwrap()).await.unwrap();
    c.find(Locator::Css("form.upload button")).await.unwrap().click().await.unwrap();
    let shown = c.wait().for_element(Locator::Css("ul.photos img")).await.unwrap();
    let loaded: bool = serde_json::from_value(
        c.execute("return [...document.images].every(i => i.complete && i.naturalWidth > 0)", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(loaded, "the thumbnail shows");
    assert_eq!(shown.attr("alt").await.unwrap().as_deref(), Some("照片 1"));
    check_page(c, "photo").await;

    // English, from the language switch.
    c.find(Locator::LinkText("English")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::XPath("//h2[.='What happened']")).await.unwrap();
    check_page(c, "english").await;

    // Staff at HQ see the photo on the case.
    c.goto(&format!("{}/desk/sign-in", hq.url())).await.unwrap();
    c.find(Locator::Id("name")).await.unwrap().send_keys("zhou").await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Css("form button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("table")).await.unwrap();
    c.goto(&format!("{}/desk/cases/{ticket}", hq.url())).await.unwrap();
    c.wait().for_element(Locator::Css("ul.photos img")).await.unwrap();
    let loaded: bool = serde_json::from_value(
        c.execute(
            "return [...document.querySelectorAll('ul.photos img')].every(i => i.complete && i.naturalWidth > 0)",
            vec![],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert!(loaded, "staff see the resident's photo");
    let history = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(history.contains("手机自评") || history.contains("住户上传照片"), "{history}");
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join("resident-staff-case.png"), png).unwrap();
}
