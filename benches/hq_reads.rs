//! HQ's desk at a property group's scale: list and filter pages, one estate's daily
//! report, and the monthly summary and KPIs of the whole group and of every estate side
//! by side, on each store, at 100k cases (20 estates) and 1M (200 estates) of two years'
//! realistic history (benches/support/history.rs). Targets at 1M on PostgreSQL: page p95
//! ≤ 30 ms, daily report ≤ 100 ms, monthly for all estates ≤ 2 s.
//! Run: cargo bench --bench hq_reads [-- 100000,1000000] [--store sqlite|postgres]

#[path = "support/args.rs"]
mod args;
#[path = "support/history.rs"]
mod history;
#[path = "../tests/common/postgres.rs"]
mod postgres;

use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use history::{ESTATES, estate};
use lobbydesk::config::Settings;
use lobbydesk::domain::case::Status;
use lobbydesk::domain::intake::Kind;
use lobbydesk::hq::db::DbSettings;
use lobbydesk::hq::desk::HqDesk;
use lobbydesk::store::CaseQuery;

/// Cases each estate's kiosk filed over two years.
const PER_ESTATE: usize = 5_000;
const PAGE: usize = 50;
const RUNS: usize = 40;

fn p50_p95(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at =
        |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)].as_secs_f64() * 1e3;
    (at(0.50), at(0.95))
}

fn main() {
    let (sizes, stores) = args::sizes_and_stores(&[100_000, 1_000_000]);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let now = Utc::now();
    let t = Instant::now();
    let template = history::template(PER_ESTATE, now);
    let events: usize = template.iter().map(Vec::len).sum();
    println!(
        "one estate's two years: {} cases, {events} events, generated in {:.1?}",
        template.len(),
        t.elapsed()
    );
    for store in stores {
        let dir = tempfile::TempDir::new().unwrap();
        let settings = match store.as_str() {
            "sqlite" => DbSettings::Sqlite(dir.path().to_path_buf()),
            // HQ_READS_DB: a server of your own; what it holds already is kept and built on.
            "postgres" => DbSettings::Postgres {
                url: std::env::var("HQ_READS_DB").unwrap_or_else(|_| postgres::durable_database()),
                read_url: None,
            },
            other => panic!("--store {other}: sqlite or postgres"),
        };
        runtime.block_on(async {
            let db = settings.open().await.unwrap();
            let config = Settings::from_toml("", "bench").unwrap();
            let desk = HqDesk::open(&config, db.as_ref()).await.unwrap();
            let (mut estates, mut seq) = (0, 0);
            for &size in &sizes {
                let want = (size / PER_ESTATE).clamp(1, ESTATES);
                let held = db.count_cases().await.unwrap() as usize;
                let t = Instant::now();
                if held > 0 && estates == 0 {
                    // A server kept from an earlier run (HQ_READS_DB): build on what it holds.
                    estates = held / PER_ESTATE;
                    seq = (estates * events) as i64;
                }
                assert_eq!(held, estates * PER_ESTATE, "HQ_READS_DB must start empty or as an earlier run left it");
                if want > estates {
                    seq = history::load(db.as_ref(), &template, estates..want, seq).await;
                    estates = want;
                    // As `hq migrate` does after a move (and autovacuum within a minute).
                    db.refresh_statistics().await.unwrap();
                }
                let loaded = t.elapsed();
                let cases = db.count_cases().await.unwrap();
                println!(
                    "\n{store}: {cases} cases over {estates} estates ({} events loaded in {loaded:.1?}, {:.0} events/s)",
                    seq,
                    seq as f64 / loaded.as_secs_f64().max(1e-9)
                );
                measure(&desk, db.as_ref(), estates, now).await;
            }
        });
    }
}

async fn measure(
    desk: &HqDesk<'_>,
    db: &dyn lobbydesk::hq::db::HqDatabase,
    estates: usize,
    now: chrono::DateTime<Utc>,
) {
    let open = Status::open();
    let one = move |i: usize| Some(estate(i * 7 % estates));
    type Query = Box<dyn Fn(usize) -> CaseQuery>;
    let lists: Vec<(&str, Query)> = vec![
        ("newest, every estate", Box::new(|_| CaseQuery::default())),
        ("one estate", Box::new(move |i| CaseQuery { estate: one(i), ..Default::default() })),
        ("open, every estate", Box::new(move |_| CaseQuery { statuses: open.clone(), ..Default::default() })),
        (
            "overdue now, one estate",
            Box::new(move |i| CaseQuery { overdue_at: Some(now), estate: one(i), ..Default::default() }),
        ),
        (
            "callbacks due, one estate",
            Box::new(move |i| CaseQuery { callback_by: Some(now), estate: one(i), ..Default::default() }),
        ),
        (
            "complaints, every estate",
            Box::new(|_| CaseQuery { kind: Some(Kind::Complaint), ..Default::default() }),
        ),
        (
            "closed, one estate",
            Box::new(move |i| CaseQuery {
                statuses: vec![Status::Closed],
                estate: one(i),
                ..Default::default()
            }),
        ),
        (
            "search 漏水, one estate",
            Box::new(move |i| CaseQuery {
                words: Some("漏水".into()), estate: one(i), ..Default::default()
            }),
        ),
    ];
    println!("{:<28} | {:>22} | {:>22}", "list (50 a page)", "page 1 p50 / p95", "page 10 p50 / p95");
    let mut all_firsts = Vec::new();
    for (name, query) in &lists {
        let (mut first, mut tenth) = (Vec::new(), Vec::new());
        for i in 0..RUNS {
            let q = query(i);
            let t = Instant::now();
            let mut page = desk.page(&q, None, PAGE).await.unwrap();
            first.push(t.elapsed());
            if i < RUNS / 4 {
                let t = Instant::now();
                for _ in 1..10 {
                    let Some((_, mark)) = page.last().cloned() else { break };
                    page = desk.page(&q, Some(&mark), PAGE).await.unwrap();
                }
                tenth.push(t.elapsed() / 9);
            }
        }
        all_firsts.extend(first.iter().copied());
        let (a, b) = p50_p95(first);
        let (c, d) = p50_p95(tenth);
        println!("{name:<28} | {a:>8.2} / {b:>8.2} ms | {c:>8.2} / {d:>8.2} ms");
    }
    let (_, p95) = p50_p95(all_firsts);
    println!("{:<28} | p95 over every list: {p95:.2} ms", "");

    let today = desk.settings.calendar.local_date(now);
    let mut daily = Vec::new();
    for i in 0..RUNS {
        let date = today - chrono::Days::new([0, 1, 7, 30, 365][i % 5]);
        let t = Instant::now();
        desk.daily_report(Some(date), one(i).as_deref(), now).await.unwrap();
        daily.push(t.elapsed());
    }
    let (a, b) = p50_p95(daily);
    let cal = &desk.settings.calendar;
    let mut reading = Vec::new();
    for i in 0..RUNS {
        let date = today - chrono::Days::new([0, 1, 7, 30, 365][i % 5]);
        let t = Instant::now();
        db.daily_report_cases(cal.start_of_day(date), cal.end_of_day(date), one(i).as_deref()).await.unwrap();
        reading.push(t.elapsed());
    }
    let (c, _) = p50_p95(reading);
    println!(
        "daily report, one estate       | p50 {a:.1} ms, p95 {b:.1} ms (reading its cases: p50 {c:.1} ms)"
    );
    let last = today - chrono::Months::new(1);
    for (label, day) in [("this month", today), ("last month", last)] {
        let t = Instant::now();
        let report = desk.monthly_report(day.year(), day.month(), None, now).await.unwrap();
        let group = t.elapsed();
        let t = Instant::now();
        let side = desk.monthly_by_estate(day.year(), day.month(), now).await.unwrap();
        let each = t.elapsed();
        let t = Instant::now();
        desk.monthly_report(day.year(), day.month(), one(0).as_deref(), now).await.unwrap();
        let single = t.elapsed();
        let (from, to) = lobbydesk::domain::report::month_bounds(cal, day.year(), day.month()).unwrap();
        let t = Instant::now();
        let read = db.monthly_report_cases(from, to, None).await.unwrap().len();
        let reading = t.elapsed();
        let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1e3);
        println!(
            "monthly, {label}: whole group {} ({} reporters; reading its {read} cases {}); every estate side by side {} ({} estates); one estate {}",
            ms(group),
            report.reporters,
            ms(reading),
            ms(each),
            side.len(),
            ms(single)
        );
    }
    // The web desk's pages: the 考核 page (every estate and the group from one read of the
    // month) and six months of KPI trends, for the group and for one estate.
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1e3);
    let t = Instant::now();
    desk.assessment(last.year(), last.month(), now).await.unwrap();
    let page = t.elapsed();
    let t = Instant::now();
    desk.monthly_trend(today, 6, None, now).await.unwrap();
    let group_trend = t.elapsed();
    let t = Instant::now();
    desk.monthly_trend(today, 6, one(0).as_deref(), now).await.unwrap();
    let estate_trend = t.elapsed();
    // As a serving node answers them: the group's past months made ahead in the
    // background (Hq::keep_trends_warm), this month made on the look.
    let kept = lobbydesk::hq::desk::KeptReports::default();
    let serving = lobbydesk::hq::desk::HqDesk::serving(desk.settings, db, &kept);
    let t = Instant::now();
    serving.warm_past_months(11).await.unwrap();
    let warming = t.elapsed();
    let t = Instant::now();
    serving.monthly_trend(today, 6, None, now).await.unwrap();
    let group_warm = t.elapsed();
    println!(
        "desk pages: assessment of last month (estates and group) {}; 6-month trend, whole group {} (on a serving node, past months made ahead: {}; making 11 months ahead takes {}), one estate {}",
        ms(page),
        ms(group_trend),
        ms(group_warm),
        ms(warming),
        ms(estate_trend)
    );
}
