//! The staff desk's lists at scale (issue 13): fills a kiosk store with realistic cases,
//! then times each list a clerk opens — a page of 20, unfiltered and by every filter —
//! and prints p50/p95 per page. Target: p95 ≤ 30 ms per page at 100k cases (release).
//! Run: cargo bench --bench desk_lists [-- CASES]

use std::time::{Duration, Instant};

use chrono::Utc;
use lobbydesk::app::Desk;
use lobbydesk::config::Settings;
use lobbydesk::domain::intake::{Department, Kind, Lang};
use lobbydesk::domain::roles::Role;
use lobbydesk::kiosk::desk::{self, ListFilter, StatusGroup};
use lobbydesk::kiosk::staff::StaffSession;

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let cases: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::TempDir::new().unwrap();
    let mut settings =
        Settings::from_toml("[kiosk]\ncode = \"K01\"\nestate = \"翠湖花园\"\n", "bench").unwrap();
    lobbydesk::config::add_sample_staff(&mut settings.staff);
    let mut desk = Desk::open(settings, dir.path()).unwrap();
    let now = Utc::now();
    let started = Instant::now();
    lobbydesk::app::generate::realistic_cases(&mut desk, cases, now, 7).unwrap();
    println!("generated {cases} realistic cases in {:.1?}", started.elapsed());
    let wang = StaffSession { id: "wang".into(), name: "王芳".into(), role: Role::FrontDesk };

    let filters: Vec<(&str, ListFilter)> = vec![
        ("all, newest first", ListFilter::default()),
        ("open", ListFilter { status: StatusGroup::Open, ..ListFilter::default() }),
        ("closed", ListFilter { status: StatusGroup::Closed, ..ListFilter::default() }),
        ("complaints", ListFilter { kind: Some(Kind::Complaint), ..ListFilter::default() }),
        ("security dept.", ListFilter { department: Some(Department::Security), ..ListFilter::default() }),
        ("technician 李师傅", ListFilter { technician: Some("李师傅".into()), ..ListFilter::default() }),
        ("mine (owner)", ListFilter { mine: true, ..ListFilter::default() }),
        ("callbacks due", ListFilter { callbacks_due: true, ..ListFilter::default() }),
        ("overdue", ListFilter { overdue: true, ..ListFilter::default() }),
        (
            "open complaints, overdue",
            ListFilter {
                status: StatusGroup::Open,
                kind: Some(Kind::Complaint),
                overdue: true,
                ..ListFilter::default()
            },
        ),
    ];
    println!("{:<28} {:>6} {:>10} {:>10} {:>10}", "list (page of 20)", "rows", "p50", "p95", "page 2 p95");
    for (name, filter) in &filters {
        let mut first = Vec::new();
        let mut second = Vec::new();
        let mut rows = 0;
        for _ in 0..40 {
            let t = Instant::now();
            let page = desk::list(&desk, &wang, filter, "", None, Lang::ZhCn, now, 20).unwrap();
            first.push(t.elapsed());
            rows = page.rows.len();
            if let Some(next) = page.next {
                let t = Instant::now();
                desk::list(&desk, &wang, filter, "", Some(&next), Lang::ZhCn, now, 20).unwrap();
                second.push(t.elapsed());
            }
        }
        let p2 = if second.is_empty() {
            "-".to_string()
        } else {
            format!("{:.2?}", percentile(&mut second, 0.95))
        };
        println!(
            "{name:<28} {rows:>6} {:>10.2?} {:>10.2?} {p2:>10}",
            percentile(&mut first, 0.5),
            percentile(&mut first, 0.95)
        );
    }
    for query in ["漏水", "水管漏水", "K01-0500", "8000"] {
        let mut times = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            desk::list(&desk, &wang, &ListFilter::default(), query, None, Lang::ZhCn, now, 20).unwrap();
            times.push(t.elapsed());
        }
        println!(
            "search {query:<21} {:>6} {:>10.2?} {:>10.2?}",
            "",
            percentile(&mut times, 0.5),
            percentile(&mut times, 0.95)
        );
    }
}
