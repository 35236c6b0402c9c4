//! A resident follows their case from their phone (issue 16), over HTTP, on both stores:
//! the ticket's link opens the case and nothing else does, the page holds nothing
//! personal, wrong tries are limited, the rating is the resident's own and reaches the
//! kiosk, photos are checked, cleaned and shown to staff who may see the case, and each
//! change sends one signed message to a resident who wants them.

mod common;

use chrono::{Duration, Utc};
use common::hq_db::{Backend, HqProcess, HqStore, sync_until_done};
use lobbydesk::app::{Action, Desk};
use lobbydesk::config::Settings;
use lobbydesk::domain::case::Status;
use lobbydesk::domain::event::{ContactMethod, EventBody};
use lobbydesk::domain::filing::NewCase;
use lobbydesk::domain::intake::Department;
use lobbydesk::hq::accounts::{Account, HqRole, hash_password};
use lobbydesk::printer::layouts::qr_payload;
use lobbydesk::sync::client::Client;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use tempfile::TempDir;

const EAST: &str = "翠湖花园";
const WEST: &str = "碧水湾";
const PUBLIC: &str = "https://hq.example.com";
const SECRET: &str = "webhook-secret-for-the-tests";
const PASSWORD: &str = "质量办 correct horse";

struct Rig {
    store: HqStore,
    hq: HqProcess,
    kiosk: Desk,
    client: Client,
    http: reqwest::Client,
    _dir: TempDir,
}

fn hq_config(extra: &str) -> Settings {
    Settings::from_toml(
        &format!("[hq_server]\nresident_url = \"{PUBLIC}\"\n{extra}\n{}", common::STAFF),
        "test",
    )
    .unwrap()
}

async fn rig(backend: Backend, hq_extra: &str) -> Rig {
    let store = HqStore::of(backend);
    let hq = HqProcess::configured(&store, hq_config(hq_extra)).await;
    let token = store.register("K01", EAST).await;
    let dir = TempDir::new().unwrap();
    let toml = format!(
        "[kiosk]\ncode = \"K01\"\nestate = \"{EAST}\"\n[hq]\nurl = \"{}\"\ntoken = \"{token}\"\nresident_url = \"{PUBLIC}\"\n{}",
        hq.url(),
        common::STAFF
    );
    let kiosk = Desk::open(Settings::from_toml(&toml, "test").unwrap(), dir.path()).unwrap();
    let client = Client::new(&hq.url(), &token).unwrap();
    lobbydesk::sync::install_crypto();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Rig { store, hq, kiosk, client, http, _dir: dir }
}

fn repair(phone: Option<&str>, no_messages: bool) -> NewCase {
    NewCase {
        category: "water".into(),
        place: "3-2-1201".into(),
        phone: phone.map(str::to_string),
        anonymous: phone.is_none(),
        name: phone.map(|_| "张三".to_string()),
        text: "厨房水管漏水，邻居家也湿了".into(),
        no_messages,
        ..NewCase::default()
    }
}

impl Rig {
    /// Files at the kiosk, syncs; returns the ticket and the path of its phone page.
    async fn file(&mut self, new: &NewCase) -> (String, String) {
        let case = self.kiosk.file(new, Utc::now()).unwrap();
        sync_until_done(&mut self.kiosk, &self.client).await;
        let link = qr_payload(&case, Some(PUBLIC));
        let path = link.strip_prefix(PUBLIC).expect("the QR holds the phone link").to_string();
        (case.ticket().to_string(), path)
    }

    async fn act(&mut self, ticket: &str, action: Action, by: &str) {
        self.kiosk.act(ticket, action, by, Utc::now()).unwrap();
        sync_until_done(&mut self.kiosk, &self.client).await;
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.hq.url())).send().await.unwrap()
    }

    async fn get_from(&self, path: &str, client: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.hq.url()))
            .header("x-forwarded-for", client)
            .send()
            .await
            .unwrap()
    }

    async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        self.http
            .post(format!("{}{path}", self.hq.url()))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn upload(&self, path: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
        let boundary = "----lobbydesk-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .into_bytes();
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
        self.http
            .post(format!("{}{path}/photos", self.hq.url()))
            .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn hq_case(&self, ticket: &str) -> lobbydesk::domain::case::Case {
        self.store.open().await.case_by_ticket(ticket).await.unwrap().unwrap()
    }
}

/// A photo as a phone sends it: EXIF with a location and a description.
fn phone_photo() -> Vec<u8> {
    let picture = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(2000, 1500, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    }));
    let mut plain = Vec::new();
    picture.write_to(&mut std::io::Cursor::new(&mut plain), image::ImageFormat::Jpeg).unwrap();
    let description = b"GPS 22.5431N 114.0579E home-of-zhang\0";
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend(1u16.to_be_bytes());
    tiff.extend([0x01, 0x0E, 0x00, 0x02]);
    tiff.extend((description.len() as u32).to_be_bytes());
    tiff.extend((8u32 + 2 + 12 + 4).to_be_bytes());
    tiff.extend(0u32.to_be_bytes());
    tiff.extend(description);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn a_ticket_link_opens_the_case_and_nothing_else_does(backend: Backend) {
    let mut rig = rig(backend, "").await;
    let (ticket, path) = rig.file(&repair(Some("13800138000"), false)).await;
    let page = rig.get(&path).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer", "the secret never leaves in a referrer");
    let text = page.text().await.unwrap();
    assert!(text.contains(&ticket) && text.contains("已受理") && text.contains("报修 · 给排水"), "{text}");
    assert!(text.contains("我们的承诺") && text.contains("48小时"), "the promise: {text}");
    assert!(text.contains("承诺") && text.contains("前完成"), "when it falls due: {text}");
    for personal in ["13800138000", "8000", "张三", "1201", "厨房水管漏水"] {
        assert!(!text.contains(personal), "the page shows {personal}: {text}");
    }
    let english = rig.get(&format!("{path}?lang=en")).await.text().await.unwrap();
    assert!(english.contains("Case progress") && english.contains("Repair"), "{english}");

    // A wrong secret, a made-up ticket and a malformed address: the same answer.
    let key = path.rsplit('/').next().unwrap();
    let wrong_key = format!("/r/{ticket}/{}", key.chars().rev().collect::<String>());
    let missing = format!("/r/K01-09999/{key}");
    let malformed = format!("/r/{ticket}/not-a-key");
    let mut answers = Vec::new();
    for wrong in [&wrong_key, &missing, &malformed] {
        let response = rig.get_from(wrong, "198.51.100.7").await;
        assert_eq!(response.status(), 404, "{wrong}");
        answers.push(response.text().await.unwrap());
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "the answers differ: {answers:?}");

    // Guessing is limited per client: past the limit even the right link waits.
    for _ in 3..lobbydesk::hq::web::MAX_WRONG_RESIDENT_TRIES {
        assert_eq!(rig.get_from(&wrong_key, "198.51.100.7").await.status(), 404);
    }
    assert_eq!(rig.get_from(&path, "198.51.100.7").await.status(), 429);
    assert_eq!(rig.get_from(&path, "203.0.113.9").await.status(), 200, "other residents are not held up");

    // An old link: once the case is purged, it is not found either.
    rig.act(&ticket, Action::Resolve { note: "换阀门".into() }, "li").await;
    let callback = lobbydesk::app::CallbackInput {
        method: ContactMethod::Phone,
        satisfied: true,
        quality: Some(5),
        effect: None,
        satisfaction: None,
        shortcomings: None,
        suggestions: None,
        next_callback_at: None,
        signature: None,
    };
    rig.act(&ticket, Action::Callback(callback), "wang").await;
    rig.act(&ticket, Action::Close { note: None }, "liu").await;
    let db = rig.store.open().await;
    assert_eq!(db.purge_closed(Utc::now() + Duration::days(1)).await.unwrap(), 1);
    assert_eq!(rig.get(&path).await.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_link_opens_the_case_and_nothing_else_does_sqlite() {
    a_ticket_link_opens_the_case_and_nothing_else_does(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_link_opens_the_case_and_nothing_else_does_postgres() {
    a_ticket_link_opens_the_case_and_nothing_else_does(Backend::Postgres).await;
}

async fn rating_from_the_phone_is_the_residents_own(backend: Backend) {
    let mut rig = rig(backend, "").await;
    let (happy, happy_path) = rig.file(&repair(Some("13800138000"), false)).await;
    let (unhappy, unhappy_path) = rig.file(&repair(Some("13900139000"), false)).await;
    assert!(
        !rig.get(&happy_path).await.text().await.unwrap().contains("您对处理结果满意吗"),
        "not before it is resolved"
    );
    for t in [&happy, &unhappy] {
        rig.act(t, Action::Resolve { note: "换阀门".into() }, "li").await;
    }
    let page = rig.get(&happy_path).await.text().await.unwrap();
    assert!(page.contains("您对处理结果满意吗"), "{page}");

    let done = rig
        .post_form(&format!("{happy_path}/rate"), &[("satisfied", "yes"), ("reason", ""), ("lang", "zh-CN")])
        .await;
    assert_eq!(done.status(), 303);
    let thanked = rig.get(done.headers()[LOCATION].to_str().unwrap()).await.text().await.unwrap();
    assert!(thanked.contains("谢谢您的评价") && !thanked.contains("您对处理结果满意吗"), "{thanked}");
    let again = rig.post_form(&format!("{happy_path}/rate"), &[("satisfied", "no"), ("reason", "x")]).await;
    assert_eq!(again.status(), 422, "rated once per resolution");

    let why = "水管还在滴水";
    let done = rig.post_form(&format!("{unhappy_path}/rate"), &[("satisfied", "no"), ("reason", why)]).await;
    assert_eq!(done.status(), 303);

    let case = rig.hq_case(&happy).await;
    let rating = case.callbacks.last().unwrap();
    assert_eq!(rating.value.method, ContactMethod::Online);
    assert!(rating.value.satisfied);
    assert_eq!(case.unreviewed_callbacks().count(), 0, "the resident's own rating is not a staff callback");
    let events = rig.store.open().await.case_events(case.id).await.unwrap();
    let recorded =
        events.iter().find(|e| matches!(e.event.body, EventBody::CallbackRecorded { .. })).unwrap();
    assert_eq!(recorded.event.actor, "resident");
    let reopened = rig.hq_case(&unhappy).await;
    assert_eq!(reopened.status, Status::Reopened);
    assert_eq!(reopened.callbacks.last().unwrap().value.shortcomings.as_deref(), Some(why));

    // The kiosk learns both at its next sync: no second rating there.
    sync_until_done(&mut rig.kiosk, &rig.client).await;
    let there = rig.kiosk.show(&happy).unwrap().case;
    assert!(there.rated_by_resident());
    assert_eq!(rig.kiosk.show(&unhappy).unwrap().case.status, Status::Reopened);
}

#[tokio::test(flavor = "multi_thread")]
async fn rating_from_the_phone_is_the_residents_own_sqlite() {
    rating_from_the_phone_is_the_residents_own(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rating_from_the_phone_is_the_residents_own_postgres() {
    rating_from_the_phone_is_the_residents_own(Backend::Postgres).await;
}

async fn sign_in(rig: &Rig, name: &str, role: HqRole, estates: &[&str]) -> String {
    let db = rig.store.open().await;
    let estates: Vec<String> = estates.iter().map(|e| e.to_string()).collect();
    let account = Account::new(name, role, &estates).unwrap();
    db.save_account(&account, &hash_password(PASSWORD).unwrap(), Utc::now()).await.unwrap();
    let response = rig.post_form("/desk/sign-in", &[("name", name), ("password", PASSWORD)]).await;
    assert_eq!(response.status(), 303);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

async fn photos_are_checked_cleaned_and_shown_to_staff(backend: Backend) {
    let mut rig = rig(backend, "").await;
    let (ticket, path) = rig.file(&repair(Some("13800138000"), false)).await;
    let (_, other_path) = rig.file(&repair(Some("13900139000"), false)).await;

    let sent = phone_photo();
    assert!(contains(&sent, b"home-of-zhang"));
    let done = rig.upload(&path, "IMG_0001.HEIC", sent).await;
    assert_eq!(done.status(), 303, "{:?}", done.text().await);
    let case = rig.hq_case(&ticket).await;
    assert_eq!(case.photos.len(), 1);
    let id = case.photos[0];
    let page = rig.get(&path).await.text().await.unwrap();
    assert!(page.contains(&format!("{path}/photos/{id}?size=thumb")) && page.contains("(1/4)"), "{page}");

    let kept = rig.get(&format!("{path}/photos/{id}")).await;
    assert_eq!(kept.headers()[CONTENT_TYPE], "image/jpeg");
    let kept = kept.bytes().await.unwrap();
    assert!(
        !contains(&kept, b"Exif") && !contains(&kept, b"home-of-zhang"),
        "metadata and location are gone"
    );
    let shown = image::load_from_memory(&kept).unwrap();
    assert_eq!((shown.width(), shown.height()), (1600, 1200), "resized");
    let thumb = rig.get(&format!("{path}/photos/{id}?size=thumb")).await.bytes().await.unwrap();
    assert!(thumb.len() < kept.len() / 4);
    // Another case's link does not open this photo.
    assert_eq!(rig.get(&format!("{other_path}/photos/{id}")).await.status(), 404);

    // Not a photo, whatever its name says: refused, nothing kept.
    let refused = rig.upload(&path, "photo.jpg", b"<html><script>alert(1)</script>".to_vec()).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("not a JPEG, PNG or HEIC"));
    assert_eq!(rig.hq_case(&ticket).await.photos.len(), 1);

    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::new(64, 48))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    for _ in 0..3 {
        assert_eq!(rig.upload(&path, "p.png", png.clone()).await.status(), 303);
    }
    let page = rig.get(&path).await.text().await.unwrap();
    assert!(page.contains("(4/4)") && !page.contains("type=\"file\""), "no fifth: {page}");
    assert_eq!(rig.upload(&path, "p.png", png.clone()).await.status(), 422);
    assert_eq!(rig.hq_case(&ticket).await.photos.len(), 4);

    // Staff who may see the case see the photo; others learn nothing.
    assert_eq!(rig.get(&format!("/desk/photos/{id}")).await.status(), 303, "signed out: to the sign-in page");
    let quality = sign_in(&rig, "质量办小王", HqRole::QualityOffice, &[]).await;
    let seen = rig
        .http
        .get(format!("{}/desk/photos/{id}", rig.hq.url()))
        .header(COOKIE, &quality)
        .send()
        .await
        .unwrap();
    assert_eq!(seen.status(), 200);
    assert_eq!(seen.bytes().await.unwrap(), kept);
    let case_page = rig
        .http
        .get(format!("{}/desk/cases/{ticket}", rig.hq.url()))
        .header(COOKIE, &quality)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(case_page.contains(&format!("/desk/photos/{id}?size=thumb")), "{case_page}");
    let west = sign_in(&rig, "碧水湾经理", HqRole::EstateHead, &[WEST]).await;
    let hidden = rig
        .http
        .get(format!("{}/desk/photos/{id}", rig.hq.url()))
        .header(COOKIE, &west)
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), 404);

    // The kiosk counts them (the pictures stay at HQ).
    sync_until_done(&mut rig.kiosk, &rig.client).await;
    assert_eq!(rig.kiosk.show(&ticket).unwrap().case.photos.len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn photos_are_checked_cleaned_and_shown_to_staff_sqlite() {
    photos_are_checked_cleaned_and_shown_to_staff(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn photos_are_checked_cleaned_and_shown_to_staff_postgres() {
    photos_are_checked_cleaned_and_shown_to_staff(Backend::Postgres).await;
}

async fn one_message_per_change_to_those_who_want_them(backend: Backend) {
    let hook = common::webhook::receiver(1).await;
    let extra = format!("messages_webhook = \"{}\"\nmessages_secret = \"{SECRET}\"", hook.url);
    let mut rig = rig(backend, &extra).await;
    let hq = lobbydesk::hq::Hq::new(rig.store.open().await).with_settings(hq_config(&extra));
    let messenger = hq.messenger().unwrap();
    // The first round starts the feed here: what happened before is not news.
    let (told, _) = rig.file(&repair(Some("13800138000"), false)).await;
    let (anonymous, _) = rig.file(&repair(None, false)).await;
    let (declined, _) = rig.file(&repair(Some("13900139000"), true)).await;
    messenger.round(Utc::now()).await.unwrap();
    // A kiosk offline for days: its old news is not sent when it finally arrives.
    let stale = rig.kiosk.file(&repair(Some("13700137000"), false), Utc::now() - Duration::days(3)).unwrap();
    rig.kiosk
        .act(stale.ticket(), Action::Acknowledge { note: None }, "wang", Utc::now() - Duration::days(3))
        .unwrap();

    for t in [&told, &anonymous, &declined] {
        rig.act(t, Action::Acknowledge { note: None }, "wang").await;
    }
    let assign = Action::Assign { department: Department::Engineering, assignee: Some("李师傅".into()) };
    rig.act(&told, assign, "wang").await;
    messenger.round(Utc::now()).await.unwrap();
    // The receiver failed the first try: it comes again after the backoff, once.
    messenger.round(Utc::now() + Duration::minutes(2)).await.unwrap();
    messenger.round(Utc::now() + Duration::minutes(2)).await.unwrap();
    let got = hook.messages(SECRET);
    assert_eq!(
        got.iter().map(|m| m.kind.as_str()).collect::<Vec<_>>(),
        ["acknowledged", "assigned"],
        "{got:?}"
    );
    assert!(got.iter().all(|m| m.ticket == told && m.phone == "13800138000"));
    let link = got[0].link.clone().unwrap();
    assert!(link.starts_with(&format!("{PUBLIC}/r/{told}/")), "{link}");
    assert!(
        got[0].text.contains(&told) && got[0].text.contains(&link) && got[0].text.starts_with("【翠湖花园】"),
        "{}",
        got[0].text
    );
    assert!(got[1].text.contains("工程部") || got[1].text.contains("派工"), "{}", got[1].text);

    // Another node (or this one after a restart) on the same store sends nothing again.
    let other =
        lobbydesk::hq::Hq::new(rig.store.open().await).with_settings(hq_config(&extra)).messenger().unwrap();
    other.round(Utc::now() + Duration::minutes(5)).await.unwrap();
    messenger.round(Utc::now() + Duration::minutes(5)).await.unwrap();
    assert_eq!(hook.messages(SECRET).len(), 2);

    // The promise changes at HQ, the work is done at the estate: one message each.
    let due_at = Utc::now() + Duration::days(5);
    let due = due_at.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d").to_string();
    lobbydesk::hq::desk::HqDesk::open(&hq_config(&extra), rig.store.open().await.as_ref())
        .await
        .unwrap()
        .act(&told, Action::Promise { due: due_at, reason: "等配件".into() }, "hq-quality", Utc::now())
        .await
        .unwrap();
    rig.act(&told, Action::Resolve { note: "换阀门".into() }, "li").await;
    other.round(Utc::now()).await.unwrap();
    messenger.round(Utc::now()).await.unwrap();
    let got = hook.messages(SECRET);
    let kinds: Vec<_> = got.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["acknowledged", "assigned", "promise-changed", "resolved"], "{got:?}");
    assert!(got[2].text.contains(&due), "{}", got[2].text);
    let ids: std::collections::HashSet<_> = got.iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), got.len(), "never two for one change");

    // Staff see on the case what was sent.
    let notices = rig.store.open().await.notices_of(rig.hq_case(&told).await.id).await.unwrap();
    assert_eq!(notices.len(), 4);
    assert!(notices.iter().all(|n| n.sent_at.is_some()));
    assert_eq!(notices[0].attempts, 2, "the first was tried twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_message_per_change_to_those_who_want_them_sqlite() {
    one_message_per_change_to_those_who_want_them(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_message_per_change_to_those_who_want_them_postgres() {
    one_message_per_change_to_those_who_want_them(Backend::Postgres).await;
}
