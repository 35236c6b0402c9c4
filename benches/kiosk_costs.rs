//! The kiosk's own costs as its history grows (issue 17): each at an empty store and at
//! 1k, 10k and 100k realistic cases (two years of workflow from `app::generate`), beside
//! the baselines measured in the same run.
//!
//! - start → painted home screen: the real binary in a real window (Xvfb; started here
//!   when DISPLAY is unset), leaving after its first frame (LOBBYDESK_EXIT_AFTER_PAINT).
//! - `show TICKET`, the whole process.
//! - filing in process, p50 and p99, against a bare SQLite commit (WAL, synchronous FULL,
//!   one row of the same size) in the same directory: the durable commit (event, outbox,
//!   print job), then the case's row and search indexes written without an fsync, and
//!   the two together; and beside it a bare commit of as many pages as the filing wrote,
//!   the floor for that much under one fsync.
//! - two- and three-character searches as the desk lists them (a page of 20), a common
//!   word and one in no case, against the LIKE scan of every case that two characters
//!   cost before schema 14.
//! - the check after a power cut (every page, not the search index) and `lobbydesk check`.
//! - sync against `lobbydesk hq serve` (its own process, SQLite, loopback): the kiosk's
//!   CPU to push its whole history as a backlog, and for one idle round after it; HQ's
//!   ingest rate.
//! - the hourly purge (30 days kept) and the space it gives back.
//!
//! Run: cargo bench --bench kiosk_costs [-- 1000,10000,100000]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use lobbydesk::app::Desk;
use lobbydesk::config::Settings;
use lobbydesk::domain::event::Origin;
use lobbydesk::domain::filing::NewCase;
use lobbydesk::store::{CaseQuery, Store};
use lobbydesk::sync::client::{Client, sync_once};

const BIN: &str = env!("CARGO_BIN_EXE_lobbydesk");
const CONFIG: &str = "[kiosk]\ncode = \"K01\"\nestate = \"翠湖花园\"\n";

fn settings() -> Settings {
    Settings::from_toml(CONFIG, "bench").unwrap()
}

/// User and system CPU time of this process so far.
fn cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let tv =
        |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A display for the start-up row: the one given, or an Xvfb of our own at 800×480.
fn display() -> (String, Option<Killed>) {
    if let Ok(display) = std::env::var("DISPLAY") {
        return (display, None);
    }
    let n = 80 + std::process::id() % 100;
    let child = Command::new("Xvfb")
        .args([
            format!(":{n}"),
            "-screen".into(),
            "0".into(),
            "800x480x24".into(),
            "-nolisten".into(),
            "tcp".into(),
        ])
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (apt-get install xvfb) for the start-up row");
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
    let started = Instant::now();
    while !socket.exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "Xvfb did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (format!(":{n}"), Some(Killed(child)))
}

fn lobbydesk(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(BIN).arg("--data-dir").arg(dir).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Wall time from starting the kiosk to its first painted frame (and a clean exit), p50.
fn start_to_painted(dir: &Path, display: &str) -> Duration {
    let mut samples: Vec<Duration> = (0..6)
        .map(|_| {
            let started = Instant::now();
            let out = Command::new(BIN)
                .arg("--data-dir")
                .arg(dir)
                .env("DISPLAY", display)
                .env("LOBBYDESK_EXIT_AFTER_PAINT", "1")
                .env_remove("WAYLAND_DISPLAY")
                .output()
                .unwrap();
            assert!(out.status.success(), "kiosk: {}", String::from_utf8_lossy(&out.stderr));
            started.elapsed()
        })
        .skip(1) // the first warms the page cache
        .collect();
    percentile(&mut samples, 0.5)
}

fn show(dir: &Path, ticket: &str) -> Duration {
    let mut samples: Vec<Duration> = (0..8)
        .map(|_| {
            let started = Instant::now();
            lobbydesk(dir, &["show", ticket]);
            started.elapsed()
        })
        .skip(1)
        .collect();
    percentile(&mut samples, 0.5)
}

fn new_case(i: usize) -> NewCase {
    NewCase {
        category: "water".into(),
        place: format!("{}-{}-{}", 1 + i % 9, 1 + i % 3, 100 + i % 40),
        phone: Some(format!("1380013{:04}", i % 10_000)),
        text: format!("第{i}号：厨房水管漏水，地面有积水，楼下天花板渗水"),
        ..NewCase::default()
    }
}

/// Enough that a p99 is the 40th-slowest filing, not the 10th: one stall of this VM's disk
/// moved a ratio of p99s by a third with 1,000.
const FILINGS: usize = 4000;

/// Filings as the running kiosk makes them (tickets reserved 20 at a time; the log
/// checkpointed, the search indexes merged and the next numbers reserved while idle
/// between residents), each followed by two bare commits (as many pages, and one row), so
/// that all three series meet the same moments of this machine's disk.
#[derive(Clone, Copy, Default)]
struct Filing {
    /// The commit a resident's case waits for the disk on: p50, p99.
    durable: (Duration, Duration),
    /// Its row and search indexes, written after it without an fsync: p50, p99.
    rows: (Duration, Duration),
    /// The two together, `Desk::file`: p50, p99.
    whole: (Duration, Duration),
    /// One row committed to a bare SQLite file in WAL with synchronous FULL, the floor
    /// (checkpointed as SQLite does by itself, every 1,000 pages): p50, p99.
    bare: (Duration, Duration),
    /// Pages a filing writes to the log, its two commits together: p50.
    pages: i64,
    /// The floor for that many pages: one fsynced commit of a small row into each of as
    /// many tables of a bare file, checkpointed between filings as the kiosk is: p50, p99.
    bare_pages: (Duration, Duration),
}

fn filing(dir: &Path) -> Filing {
    let mut desk = Desk::open(settings(), dir).unwrap();
    desk.store_mut().reserve_tickets_in_blocks(20);
    desk.store_mut().upkeep_when_idle().unwrap();
    let conn = rusqlite::Connection::open(dir.join("bare.sqlite")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").unwrap();
    let body = "x".repeat(1500);
    // Reads how many pages the filing put in the log (a checkpoint answers it), before
    // the idle tick checkpoints them.
    let counter = rusqlite::Connection::open(dir.join("lobbydesk.sqlite")).unwrap();
    let paged = rusqlite::Connection::open(dir.join("bare-pages.sqlite")).unwrap();
    paged.pragma_update(None, "journal_mode", "WAL").unwrap();
    paged.pragma_update(None, "synchronous", "FULL").unwrap();
    paged.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    // Each insert compiled once, as the kiosk's are: the floor is the pages, not parsing.
    paged.set_prepared_statement_cache_capacity(MAX_PAGES + 8);
    let inserts: Vec<String> =
        (0..MAX_PAGES).map(|t| format!("INSERT INTO t{t} (body) VALUES (?1)")).collect();
    for t in 0..MAX_PAGES {
        paged
            .execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS t{t} (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
            ))
            .unwrap();
    }
    let (mut durable, mut rows, mut whole, mut bare) = (vec![], vec![], vec![], vec![]);
    let (mut pages, mut bare_pages) = (vec![], vec![]);
    for i in 0..FILINGS {
        let new = new_case(i);
        let started = Instant::now();
        desk.commit_filing(&new, Utc::now()).unwrap();
        let committed = started.elapsed();
        assert_eq!(desk.store_mut().project_pending().unwrap(), 1);
        let took = started.elapsed();
        durable.push(committed);
        rows.push(took - committed);
        whole.push(took);
        let logged = in_log(&counter);
        pages.push(logged);
        let started = Instant::now();
        let tx = paged.unchecked_transaction().unwrap();
        for insert in &inserts[..(logged as usize).clamp(1, MAX_PAGES)] {
            tx.prepare_cached(insert).unwrap().execute([&body[..100]]).unwrap();
        }
        tx.commit().unwrap();
        bare_pages.push(started.elapsed());
        in_log(&paged);
        // The kiosk's idle tick between two residents.
        desk.store_mut().between_filings().unwrap();
        let started = Instant::now();
        conn.execute("INSERT INTO t (body) VALUES (?1)", [&body]).unwrap();
        bare.push(started.elapsed());
    }
    let p = |samples: &mut Vec<Duration>| (percentile(samples, 0.5), percentile(samples, 0.99));
    pages.sort();
    Filing {
        durable: p(&mut durable),
        rows: p(&mut rows),
        whole: p(&mut whole),
        bare: p(&mut bare),
        pages: pages[pages.len() / 2],
        bare_pages: p(&mut bare_pages),
    }
}

/// Tables in the bare file that stands for a filing's pages.
const MAX_PAGES: usize = 200;

/// Checkpoints the file `conn` is open on; returns how many pages its log held.
fn in_log(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1)).unwrap()
}

/// A search as the desk lists it (first page of 20), p50.
fn search(store: &Store, words: &str) -> Duration {
    let query = CaseQuery { words: Some(words.into()), ..CaseQuery::default() };
    let mut samples: Vec<Duration> = (0..15)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(store.list_cases(&query, None, 20).unwrap());
            started.elapsed()
        })
        .collect();
    percentile(&mut samples, 0.5)
}

/// How two characters were searched before schema 14: LIKE over every case.
fn like_scan(db: &Path, words: &str) -> Duration {
    let conn = rusqlite::Connection::open(db).unwrap();
    let pattern = format!("%{words}%");
    let mut samples: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let n: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM (SELECT seq FROM cases WHERE ticket LIKE ?1 OR place LIKE ?1
                     OR text LIKE ?1 OR contact LIKE ?1 ORDER BY filed_at DESC LIMIT 21)",
                    [&pattern],
                    |r| r.get(0),
                )
                .unwrap();
            std::hint::black_box(n);
            started.elapsed()
        })
        .collect();
    percentile(&mut samples, 0.5)
}

fn file_mb(db: &Path) -> f64 {
    std::fs::metadata(db).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
}

#[derive(Default)]
struct Figures {
    cases: usize,
    painted: Duration,
    show: Duration,
    filing: Filing,
    search2: Duration,
    search2_absent: Duration,
    search3: Duration,
    like2_absent: Duration,
    power_cut_check: Duration,
    full_check: Duration,
    backlog_events: usize,
    backlog_cpu: Duration,
    backlog_wall: Duration,
    idle_cpu: Duration,
    idle_wall: Duration,
    purged: usize,
    purge: Duration,
    mb_before: f64,
    mb_after: f64,
}

fn measure(size: usize, display: &str) -> Figures {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::write(dir.path().join("lobbydesk.toml"), CONFIG).unwrap();
    let db = dir.path().join("lobbydesk.sqlite");
    let now = Utc::now();
    {
        let mut desk = Desk::open(settings(), dir.path()).unwrap();
        let started = Instant::now();
        lobbydesk::app::generate::realistic_cases(&mut desk, size, now, 7).unwrap();
        if size > 0 {
            println!(
                "generated {size} realistic cases in {:.1?} ({:.0} MB)",
                started.elapsed(),
                file_mb(&db)
            );
        }
    }
    let mut f = Figures { cases: size, ..Figures::default() };
    f.painted = start_to_painted(dir.path(), display);
    // On a copy: thousands of filings would otherwise add to the history the rows below
    // measure (the push to HQ above all).
    let filing_dir = tempfile::TempDir::new().unwrap();
    rusqlite::Connection::open(&db).unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), filing_dir.path().join(entry.file_name())).unwrap();
        }
    }
    f.filing = filing(filing_dir.path());
    drop(filing_dir);
    if size == 0 {
        // A case for `show` to show.
        Desk::open(settings(), dir.path()).unwrap().file(&new_case(0), Utc::now()).unwrap();
    }
    let ticket = Store::open(dir.path(), Origin::kiosk("K01"))
        .unwrap()
        .list_cases(&CaseQuery::default(), None, 1)
        .unwrap()
        .first()
        .map(|(c, _)| c.ticket().to_string())
        .unwrap();
    f.show = show(dir.path(), &ticket);
    {
        let store = Store::open(dir.path(), Origin::kiosk("K01")).unwrap();
        f.search2 = search(&store, "漏水");
        f.search2_absent = search(&store, "狗叫");
        f.search3 = search(&store, "水管漏");
        f.like2_absent = like_scan(&db, "狗叫");
        let started = Instant::now();
        store.quick_check().unwrap();
        f.power_cut_check = started.elapsed();
    }
    let started = Instant::now();
    lobbydesk(dir.path(), &["check"]);
    f.full_check = started.elapsed();

    // Sync: HQ in its own process, so this process's CPU is the kiosk's alone.
    let hq_dir = tempfile::TempDir::new().unwrap();
    let token = String::from_utf8(
        lobbydesk(hq_dir.path(), &["hq", "add-kiosk", "K01", "--estate", "翠湖花园"]).stdout,
    )
    .unwrap()
    .lines()
    .find(|l| l.len() == 64 && l.chars().all(|c| c.is_ascii_hexdigit()))
    .expect("a credential")
    .to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _hq = Killed(
        Command::new(BIN)
            .arg("--data-dir")
            .arg(hq_dir.path())
            .args(["hq", "serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = Client::new(&format!("http://127.0.0.1:{port}"), &token).unwrap();
    let mut store = Store::open(dir.path(), Origin::kiosk("K01")).unwrap();
    f.backlog_events = store.outbox_len().unwrap() as usize;
    let (cpu0, wall0) = (cpu(), Instant::now());
    let report = runtime.block_on(sync_once(&mut store, &client, Utc::now())).unwrap();
    f.backlog_cpu = cpu() - cpu0;
    f.backlog_wall = wall0.elapsed();
    assert_eq!(store.outbox_len().unwrap(), 0, "the whole backlog reached HQ: {}", report.pushed);
    let mut idle: Vec<(Duration, Duration)> = (0..10)
        .map(|_| {
            let (cpu0, wall0) = (cpu(), Instant::now());
            let report = runtime.block_on(sync_once(&mut store, &client, Utc::now())).unwrap();
            assert_eq!(report.pushed + report.pulled, 0, "idle");
            (cpu() - cpu0, wall0.elapsed())
        })
        .collect();
    idle.sort();
    (f.idle_cpu, f.idle_wall) = idle[idle.len() / 2];

    rusqlite::Connection::open(&db).unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    f.mb_before = file_mb(&db);
    let started = Instant::now();
    f.purged = store.purge_closed(Utc::now() - chrono::Duration::days(30)).unwrap();
    f.purge = started.elapsed();
    f.mb_after = file_mb(&db);
    f
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .find(|a| a.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|a| a.split(',').filter_map(|s| s.parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    let (display, _xvfb) = display();
    let mut all = vec![measure(0, &display)];
    for size in sizes {
        all.push(measure(size, &display));
    }
    let head: Vec<String> = all
        .iter()
        .map(|f| if f.cases == 0 { "empty".into() } else { format!("{}k", f.cases / 1000) })
        .collect();
    println!();
    println!(
        "{:<58}{}",
        "kiosk costs (release build; p50 unless said)",
        head.iter().map(|h| format!("{h:>11}")).collect::<String>()
    );
    let row = |label: &str, cell: &dyn Fn(&Figures) -> String| {
        println!("{label:<58}{}", all.iter().map(|f| format!("{:>11}", cell(f))).collect::<String>());
    };
    let empty_painted = all[0].painted;
    row("start → painted home screen, ms", &|f| format!("{:.0}", ms(f.painted)));
    row("  ÷ empty store (target ≤ 1.2 at 100k)", &|f| {
        format!("{:.2}", f.painted.as_secs_f64() / empty_painted.as_secs_f64())
    });
    row("show TICKET, whole process, ms (target ≤ 20)", &|f| format!("{:.1}", ms(f.show)));
    row("one idle sync round, kiosk CPU, ms (target ≤ 20)", &|f| format!("{:.1}", ms(f.idle_cpu)));
    row("  its wall time, ms", &|f| format!("{:.1}", ms(f.idle_wall)));
    row("push of the whole history, events", &|f| f.backlog_events.to_string());
    row("  kiosk CPU, s", &|f| format!("{:.2}", f.backlog_cpu.as_secs_f64()));
    row("  kiosk CPU per 1,000 events, ms (target: flat)", &|f| {
        // Fewer than a thousand would scale one round's fixed cost up to a thousand.
        if f.backlog_events < 1000 {
            "-".into()
        } else {
            format!("{:.0}", ms(f.backlog_cpu) * 1000.0 / f.backlog_events as f64)
        }
    });
    row("  wall time to HQ, s", &|f| format!("{:.2}", f.backlog_wall.as_secs_f64()));
    row("  HQ ingest, events/s", &|f| {
        // Fewer than a thousand would measure a round's fixed cost, not a rate.
        if f.backlog_events < 1000 {
            "-".into()
        } else {
            format!("{:.0}", f.backlog_events as f64 / f.backlog_wall.as_secs_f64())
        }
    });
    row("filing's durable commit (what a resident waits for the disk on), p50 ms", &|f| {
        format!("{:.2}", ms(f.filing.durable.0))
    });
    row("filing's durable commit, p99 ms", &|f| format!("{:.2}", ms(f.filing.durable.1)));
    row("bare WAL+FULL commit, p50 ms (baseline)", &|f| format!("{:.2}", ms(f.filing.bare.0)));
    row("bare WAL+FULL commit, p99 ms (baseline)", &|f| format!("{:.2}", ms(f.filing.bare.1)));
    row("  durable commit p99 ÷ bare p99 (target ≤ 2)", &|f| {
        format!("{:.2}", f.filing.durable.1.as_secs_f64() / f.filing.bare.1.as_secs_f64())
    });
    row("then its row and search indexes, no fsync, p50 ms", &|f| format!("{:.2}", ms(f.filing.rows.0)));
    row("then its row and search indexes, no fsync, p99 ms", &|f| format!("{:.2}", ms(f.filing.rows.1)));
    row("whole filing (Desk::file), p50 ms", &|f| format!("{:.2}", ms(f.filing.whole.0)));
    row("whole filing, p99 ms", &|f| format!("{:.2}", ms(f.filing.whole.1)));
    row("  whole filing p99 ÷ bare p99", &|f| {
        format!("{:.2}", f.filing.whole.1.as_secs_f64() / f.filing.bare.1.as_secs_f64())
    });
    row("pages a filing writes (two commits)", &|f| f.filing.pages.to_string());
    row("bare commit of as many pages, one row each, p50 ms", &|f| {
        format!("{:.2}", ms(f.filing.bare_pages.0))
    });
    row("bare commit of as many pages, p99 ms", &|f| format!("{:.2}", ms(f.filing.bare_pages.1)));
    row("  whole filing p99 ÷ that p99", &|f| {
        format!("{:.2}", f.filing.whole.1.as_secs_f64() / f.filing.bare_pages.1.as_secs_f64())
    });
    row("search 漏水 (two characters, in an eighth of cases), ms", &|f| format!("{:.2}", ms(f.search2)));
    row("search 狗叫 (two characters, in none), ms", &|f| format!("{:.2}", ms(f.search2_absent)));
    row("  狗叫 by LIKE over every case (before schema 14), ms", &|f| format!("{:.2}", ms(f.like2_absent)));
    row("search 水管漏 (three characters, trigram), ms", &|f| format!("{:.2}", ms(f.search3)));
    row("check after a power cut (pages, in the background), ms", &|f| {
        format!("{:.0}", ms(f.power_cut_check))
    });
    row("lobbydesk check (everything, search index too), ms", &|f| format!("{:.0}", ms(f.full_check)));
    row("hourly purge (30 days kept): cases purged", &|f| f.purged.to_string());
    row("  its time, giving the space back included, ms", &|f| format!("{:.0}", ms(f.purge)));
    row("  database file before, MB", &|f| format!("{:.1}", f.mb_before));
    row("  database file after, MB", &|f| format!("{:.1}", f.mb_after));
}
