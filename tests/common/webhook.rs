//! A webhook receiver on loopback, as a company's SMS relay would be: it keeps every
//! request's signature and body, and answers 503 to the first `failures` of them.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use lobbydesk::hq::notify::{Message, SIGNATURE_HEADER, verify};

pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<(String, String)>>>,
}

/// Serves on the current tokio runtime.
pub async fn receiver(failures: usize) -> Receiver {
    let got: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let calls = Arc::new(Mutex::new(0usize));
    let kept = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let (kept, calls) = (kept.clone(), calls.clone());
            async move {
                let mut n = calls.lock().unwrap();
                *n += 1;
                if *n <= failures {
                    return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                }
                let signature = headers
                    .get(SIGNATURE_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                kept.lock().unwrap().push((signature, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, got }
}

impl Receiver {
    /// Every message received, each signature checked against `secret`.
    pub fn messages(&self, secret: &str) -> Vec<Message> {
        let now = chrono::Utc::now().timestamp();
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(signature, body)| {
                assert!(verify(secret, signature, body, now, 300), "a bad signature on {body}");
                serde_json::from_str(body).unwrap()
            })
            .collect()
    }
}
