//! The kiosk as its history grows (issue 14): what opening the data directory costs (the
//! part of start-up that depends on the store; the window itself is the same at any size),
//! the daily report, the open and overdue lists, and the whole `cases --open` and
//! `report daily|monthly` commands as a person runs them, at an empty store and at 100k
//! realistic cases. Targets: start-up with 100k within 1.5× of empty, daily report ≤ 50 ms.
//! Run: cargo bench --bench kiosk_scale [-- 0,100000]

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use lobbydesk::app::{CaseFilter, Desk};
use lobbydesk::config::Settings;

const BIN: &str = env!("CARGO_BIN_EXE_lobbydesk");

fn settings() -> Settings {
    Settings::from_toml("[kiosk]\ncode = \"K01\"\nestate = \"翠湖花园\"\n", "bench").unwrap()
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    (at(0.5), at(0.95))
}

fn time<R>(runs: usize, mut f: impl FnMut() -> R) -> (Duration, Duration) {
    percentiles(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn command(dir: &std::path::Path, args: &[&str]) -> (Duration, Duration) {
    time(5, || {
        let out = Command::new(BIN).arg("--data-dir").arg(dir).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    })
}

fn ms((p50, p95): (Duration, Duration)) -> String {
    format!("{:>8.1} / {:>8.1}", p50.as_secs_f64() * 1e3, p95.as_secs_f64() * 1e3)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .find(|a| a.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|a| a.split(',').filter_map(|s| s.parse().ok()).collect())
        .unwrap_or_else(|| vec![0, 100_000]);
    println!("{:<34} {:>9} {:>21}", "(ms, p50 / p95)", "cases", "");
    let mut opened = Vec::new();
    for size in sizes {
        let dir = tempfile::TempDir::new().unwrap();
        let now = Utc::now();
        {
            let mut desk = Desk::open(settings(), dir.path()).unwrap();
            let t = Instant::now();
            lobbydesk::app::generate::realistic_cases(&mut desk, size, now, 7).unwrap();
            if size > 0 {
                println!("generated {size} realistic cases in {:.1?}", t.elapsed());
            }
        }
        let open = time(9, || Desk::open(settings(), dir.path()).unwrap());
        opened.push((size, open.0));
        let desk = Desk::open(settings(), dir.path()).unwrap();
        let rows: Vec<(&str, (Duration, Duration))> = vec![
            ("open the data directory (start-up)", open),
            ("daily report", time(20, || desk.daily_report(None, now).unwrap())),
            (
                "open cases, all of them",
                time(5, || {
                    desk.cases(&CaseFilter { open_only: true, ..CaseFilter::default() }, now).unwrap()
                }),
            ),
            (
                "overdue cases, all of them",
                time(5, || {
                    desk.cases(&CaseFilter { overdue_only: true, ..CaseFilter::default() }, now).unwrap()
                }),
            ),
            ("`lobbydesk cases --open`", command(dir.path(), &["cases", "--open"])),
            ("`lobbydesk report daily`", command(dir.path(), &["report", "daily"])),
            ("`lobbydesk report monthly`", command(dir.path(), &["report", "monthly"])),
        ];
        for (name, figures) in rows {
            println!("{name:<34} {size:>9} {}", ms(figures));
        }
    }
    if let (Some((_, empty)), Some((n, full))) = (opened.first(), opened.last()) {
        println!(
            "start-up at {n} cases is {:.2}× the empty store's (target ≤ 1.5×)",
            full.as_secs_f64() / empty.as_secs_f64()
        );
    }
}
