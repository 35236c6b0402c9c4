//! A real browser for the web desk's tests: Debian's `chromium`, headless, driven through
//! `chromedriver` (WebDriver) on a loopback port. scripts/test installs both.
#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::Duration;

use super::Reaped;

pub struct Browser {
    pub client: fantoccini::Client,
    _driver: Reaped,
}

/// A headless Chromium whose window is `width`×`height` CSS pixels.
pub async fn chromium(width: u32, height: u32) -> Browser {
    let port = super::free_port();
    let driver = Reaped(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is missing: run scripts/test, which installs it (Debian package chromium-driver)"),
    );
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new",
                // Root in CI: Chromium's sandbox needs user namespaces it may not have.
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--lang=zh-CN",
                format!("--window-size={width},{height}"),
            ],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        match fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                // --window-size sets the outer window; the page gets exactly the size asked for.
                client.set_window_size(width, height).await.ok();
                let inner: Vec<u32> = serde_json::from_value(
                    client.execute("return [window.innerWidth, window.innerHeight]", vec![]).await.unwrap(),
                )
                .unwrap();
                let (dw, dh) = (width - inner[0], height - inner[1]);
                client.set_window_size(width + dw, height + dh).await.unwrap();
                return Browser { client, _driver: driver };
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not start a Chromium on port {port}");
}

/// Where the tests leave screenshots for people to look at.
pub fn screenshot_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots/desk");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Chromium's DevTools command through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
struct DevTools(serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.0.to_string()))
    }
}

/// Lays the page out as for paper (`print`) or for the screen again (`""`), so a test can
/// measure and photograph what a printout shows.
pub async fn emulate_media(client: &fantoccini::Client, media: &str) {
    let command = serde_json::json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": media}});
    client.issue_cmd(DevTools(command)).await.expect("Chromium emulates the print media");
}

/// The page fits the window's width (no sideways scrolling) and every form field has a
/// label a screen reader reads; `what` names the page in the failure.
pub async fn assert_fits_and_labelled(client: &fantoccini::Client, what: &str) {
    let fits: bool = serde_json::from_value(
        client
            .execute("return document.documentElement.scrollWidth <= window.innerWidth", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(fits, "{what} scrolls sideways");
    let unlabelled: Vec<String> = serde_json::from_value(
        client
            .execute(
                "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                    .filter(i => !(i.labels && i.labels.length))
                    .map(i => i.name)",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(unlabelled.is_empty(), "{what}: fields without a label: {unlabelled:?}");
}
