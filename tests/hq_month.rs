//! A month of the GM hotline's work played through day by day (000 4.1–4.7), HQ's desk
//! and an estate's kiosk syncing on loopback, in the two months before this one so every
//! moment is in the past: calls taken at HQ reach the estate, which answers and fixes;
//! the hotline calls back (结案回访), an unsatisfied resident gets the case reworked and a
//! second callback in the next month; a complaint left alone reaches the escalation list;
//! each month's assessment counts what happened in it, and the trend shows both.

mod common;

use chrono::{DateTime, Datelike, Duration, Months, Utc};
use common::hq_db::{Backend, HqProcess, HqStore};
use lobbydesk::app::{Action, CallbackInput, Desk};
use lobbydesk::config::Settings;
use lobbydesk::domain::case::Status;
use lobbydesk::domain::event::ContactMethod;
use lobbydesk::domain::filing::{ESTATE_HEAD, NewCase};
use lobbydesk::domain::report::Kpi;
use lobbydesk::domain::roles::{Actor, Role};
use lobbydesk::hq::desk::HqDesk;
use lobbydesk::store::CaseQuery;

const EAST: &str = "翠湖花园";

fn complaint(category: &str, phone: &str, text: &str) -> NewCase {
    NewCase {
        category: category.into(),
        place: "5-1-302".into(),
        name: Some("陈女士".into()),
        phone: Some(phone.into()),
        text: text.into(),
        ..NewCase::default()
    }
}

fn callback(satisfied: bool) -> Action {
    Action::Callback(CallbackInput {
        method: ContactMethod::Phone,
        satisfied,
        quality: None,
        effect: None,
        satisfaction: None,
        shortcomings: (!satisfied).then(|| "第二天又堆满了".to_string()),
        suggestions: None,
        next_callback_at: None,
        signature: None,
    })
}

fn kpi<'a>(kpis: &'a [Kpi], code: &str) -> &'a Kpi {
    kpis.iter().find(|k| k.code == code).unwrap()
}

fn tickets(page: &[(lobbydesk::domain::case::Case, lobbydesk::store::PageMark)]) -> Vec<String> {
    page.iter().map(|(c, _)| c.ticket().to_string()).collect()
}

async fn a_month_of_the_hotline(backend: Backend) {
    let store = HqStore::of(backend);
    let db = store.open().await;
    let token = store.register("K01", EAST).await;
    let hq = HqProcess::start(&store).await;
    let settings = Settings::default();
    let cal = &settings.calendar;
    let desk = HqDesk::open(&settings, db.as_ref()).await.unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let toml = format!("[kiosk]\ncode = \"K01\"\nestate = \"{EAST}\"\n{}", common::STAFF);
    let mut kiosk = Desk::open(Settings::from_toml(&toml, "test").unwrap(), dir.path()).unwrap();
    let client = lobbydesk::sync::client::Client::new(&hq.url(), &token).unwrap();
    common::hq_db::sync_until_done(&mut kiosk, &client).await;

    // The month before last (M1) and last month (M2); the story starts on M1's 21st.
    let this_month = cal.local_date(Utc::now()).with_day(1).unwrap();
    let m1 = this_month - Months::new(2);
    let m2 = this_month - Months::new(1);
    let d0 = cal.start_of_day(m1 + Duration::days(20)) + Duration::hours(9);
    let at = |days: i64, hours: i64| -> DateTime<Utc> { d0 + Duration::days(days) + Duration::hours(hours) };
    let hotline = Actor { id: "wang", role: Role::Hotline, department: None };
    let office = Actor { id: "zhou", role: Role::QualityOffice, department: None };

    // Day 0: a call to the hotline (A); a complaint at the estate's kiosk that nobody
    // will work (B); both reach the other side at the next sync.
    let a = desk
        .file_hotline(&complaint("attitude", "13900139000", "前台态度恶劣"), EAST, hotline, at(0, 0))
        .await
        .unwrap();
    assert_eq!(a.owner, ESTATE_HEAD);
    let b = kiosk
        .file(&complaint("noise", "13900139001", "楼下夜间施工"), at(0, 5))
        .unwrap()
        .ticket()
        .to_string();
    common::hq_db::sync_until_done(&mut kiosk, &client).await;
    assert!(kiosk.store().case_by_ticket(a.ticket()).is_ok(), "the call reached the estate");
    assert!(db.case_by_ticket(&b).await.unwrap().is_some(), "the kiosk's complaint reached HQ");

    // The estate manager acknowledges and calls the resident back within the day, fixes
    // it the next day.
    kiosk.act(a.ticket(), Action::Acknowledge { note: None }, "chen", at(0, 1)).unwrap();
    let reply = Action::Reply { method: ContactMethod::Phone, text: "已致电道歉，明日处理".into() };
    kiosk.act(a.ticket(), reply, "chen", at(0, 2)).unwrap();
    kiosk.act(a.ticket(), Action::Resolve { note: "已约谈前台并道歉".into() }, "chen", at(1, 6)).unwrap();
    common::hq_db::sync_until_done(&mut kiosk, &client).await;

    // Day 1 afternoon: A is on the hotline's callback list; B is not (nothing fixed).
    let due = CaseQuery { callback_by: Some(at(1, 7)), ..Default::default() };
    let list = tickets(&desk.page(&due, None, 50).await.unwrap());
    assert_eq!(list, [a.ticket().to_string()], "结案回访 owed");

    // Day 2: the hotline calls back (satisfied) and the quality office closes A.
    desk.act_as(a.ticket(), callback(true), hotline, at(2, 1)).await.unwrap();
    let closed = desk.act_as(a.ticket(), Action::Close { note: None }, office, at(2, 2)).await.unwrap();
    assert_eq!(closed.status, Status::Closed);

    // Day 3: another call (C), fixed on day 4, the resident not satisfied on day 5: the
    // case is reworked, fixed again on day 6, and called back again in M2.
    let c = desk
        .file_hotline(&complaint("cleaning", "13900139002", "楼道垃圾多日无人清理"), EAST, hotline, at(3, 0))
        .await
        .unwrap();
    common::hq_db::sync_until_done(&mut kiosk, &client).await;
    kiosk.act(c.ticket(), Action::Acknowledge { note: None }, "chen", at(3, 1)).unwrap();
    kiosk.act(c.ticket(), Action::Resolve { note: "已清理".into() }, "chen", at(4, 0)).unwrap();
    common::hq_db::sync_until_done(&mut kiosk, &client).await;
    let reopened = desk.act_as(c.ticket(), callback(false), hotline, at(5, 0)).await.unwrap();
    assert_eq!(reopened.status, Status::Reopened, "an unsatisfied resident gets the case worked again");
    common::hq_db::sync_until_done(&mut kiosk, &client).await;
    kiosk.act(c.ticket(), Action::Resolve { note: "安排每日清运".into() }, "chen", at(6, 0)).unwrap();
    common::hq_db::sync_until_done(&mut kiosk, &client).await;

    // Day 8: B, untouched for a week, is on the GM's escalation list (and was overdue
    // long before); A and C are not.
    let escalated = CaseQuery { escalated_at: Some(at(8, 0)), ..Default::default() };
    assert_eq!(tickets(&desk.page(&escalated, None, 50).await.unwrap()), [b.as_str()]);
    let overdue = CaseQuery { overdue_at: Some(at(4, 0)), ..Default::default() };
    assert!(tickets(&desk.page(&overdue, None, 50).await.unwrap()).contains(&b));

    // M2: the second callback (satisfied), then closed.
    assert!(at(12, 0) >= cal.start_of_day(m2), "the story crosses the month's end");
    desk.act_as(c.ticket(), callback(true), hotline, at(12, 0)).await.unwrap();
    desk.act_as(c.ticket(), Action::Close { note: None }, office, at(12, 1)).await.unwrap();

    // Each month counts what happened in it. M1: three complaints filed, A closed in
    // the month (C only in M2), A and C fixed and called back, one of two satisfied;
    // A and C acknowledged in time, B never.
    let now = Utc::now();
    let first = desk.monthly_report(m1.year(), m1.month(), None, now).await.unwrap();
    assert_eq!(first.reporters, 3);
    let count = |k: &Kpi| (k.numerator, k.denominator);
    assert_eq!(count(kpi(&first.kpis, "feedback-timeliness")), (2, 3));
    assert_eq!(count(kpi(&first.kpis, "closure-rate")), (1, 3));
    assert_eq!(count(kpi(&first.kpis, "callback-rate")), (2, 2));
    assert_eq!(count(kpi(&first.kpis, "callback-satisfaction")), (1, 2));
    // M2: nothing filed, C's second callback satisfied.
    let second = desk.monthly_report(m2.year(), m2.month(), None, now).await.unwrap();
    assert_eq!(second.reporters, 0);
    assert_eq!(count(kpi(&second.kpis, "callback-satisfaction")), (1, 1));
    // The trend up to M2 shows both months as their reports do; the estate's figures
    // are the group's (one estate).
    let trend = desk.monthly_trend(m2, 2, Some(EAST), now).await.unwrap();
    assert_eq!(trend[0].1.kpis, first.kpis);
    assert_eq!(trend[1].1.kpis, second.kpis);
    // The kiosk holds every case as HQ does.
    common::hq_db::sync_until_done(&mut kiosk, &client).await;
    for ticket in [a.ticket(), &b, c.ticket()] {
        let there = kiosk.store().case_by_ticket(ticket).unwrap().case;
        let here = db.case_by_ticket(ticket).await.unwrap().unwrap();
        assert_eq!(there.status, here.status, "{ticket}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_of_the_hotline_sqlite() {
    a_month_of_the_hotline(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_of_the_hotline_postgres() {
    a_month_of_the_hotline(Backend::Postgres).await;
}
