//! Messages to residents through the real `hq serve` (issue 16): a webhook receiver gets
//! exactly one signed message per change of a case whose resident wants them, through
//! HQ restarts and a receiver that fails at first; none for an anonymous case or one whose
//! resident declined at filing.

mod common;

use std::time::{Duration, Instant};

use common::Hq;
use common::webhook::{Receiver, receiver};
use lobbydesk::hq::notify::Message;

const EAST: &str = "翠湖花园";
const SECRET: &str = "the-company-sms-relay-secret";

/// Waits until `n` messages have come (HQ sends every 2 s; a retry waits 10 s).
fn wait_for(hook: &Receiver, n: usize) -> Vec<Message> {
    let started = Instant::now();
    loop {
        let got = hook.messages(SECRET);
        if got.len() >= n || started.elapsed() > Duration::from_secs(45) {
            return got;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn ticket_of(out: String) -> String {
    out.trim().to_string()
}

#[test]
fn each_change_reaches_the_webhook_once_signed_through_hq_restarts() {
    // The receiver runs on a runtime of its own; the test drives processes.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hook = runtime.block_on(receiver(1));
    let mut hq = Hq::start();
    // Messages are news: these commands act now, not at the suite's fixed test clock
    // (news older than a day when HQ learns of it is not sent).
    hq.data.now = chrono::Utc::now().to_rfc3339();
    hq.data.write_config(&format!(
        "[hq_server]\nresident_url = \"https://hq.example.com\"\nmessages_webhook = \"{}\"\nmessages_secret = \"{SECRET}\"\n{}",
        hook.url,
        common::STAFF
    ));
    hq.restart();
    let (mut kiosk, _) = hq.kiosk("K01", EAST, "resident_url = \"https://hq.example.com\"");
    kiosk.now = hq.data.now.clone();
    let told = kiosk.file_repair();
    let file = |who: &[&str]| {
        let mut args = vec!["file", "--category", "water", "--place", "3-2-1201", "--text", "厨房水管漏水"];
        args.extend(who);
        ticket_of(kiosk.ok(&args))
    };
    let anonymous = file(&["--anonymous"]);
    let declined = file(&["--phone", "13900139000", "--no-messages"]);
    assert!(kiosk.ok(&["sync", "--once"]).contains("sent 3 event(s)"));

    let act = |hq: &Hq, ticket: &str, args: &[&str]| {
        let mut all = vec!["hq", "act", ticket];
        all.extend(args);
        all.extend(["--by", "hq-quality"]);
        hq.data.ok(&all);
    };
    for t in [&told, &anonymous, &declined] {
        act(&hq, t, &["acknowledge"]);
    }
    // The receiver fails the first try; the message comes again after the backoff.
    let got = wait_for(&hook, 1);
    assert_eq!(got.len(), 1, "{got:?}");

    hq.restart();
    act(&hq, &told, &["assign", "--department", "engineering", "--to", "李师傅"]);
    // Stopped right after the change, before or after it was queued: it goes once.
    hq.restart();
    assert_eq!(wait_for(&hook, 2).len(), 2);
    act(&hq, &told, &["promise", "--due", "2099-12-20", "--reason", "等配件"]);
    hq.stop();
    hq.restart();
    assert_eq!(wait_for(&hook, 3).len(), 3);

    // Rounds go on and HQ restarts again: nothing is sent twice.
    std::thread::sleep(Duration::from_secs(5));
    hq.restart();
    std::thread::sleep(Duration::from_secs(5));
    let got = hook.messages(SECRET);
    let kinds: Vec<_> = got.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["acknowledged", "assigned", "promise-changed"], "{got:?}");
    assert!(got.iter().all(|m| m.ticket == told && m.phone == "13800138000"), "{got:?}");
    let ids: std::collections::HashSet<_> = got.iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), 3);
    assert!(got[2].text.contains("2099-12-20"), "{}", got[2].text);
    assert!(
        got[0].link.as_deref().is_some_and(|l| l.starts_with(&format!("https://hq.example.com/r/{told}/")))
    );
}
