//! A real PostgreSQL server for the tests: Debian's `postgresql` binaries (scripts/test
//! installs them), one throwaway cluster per test process on a loopback port, one fresh
//! database per test. Run as root (CI), the server runs as the `postgres` user, as
//! PostgreSQL insists. The cluster stops and its files go when the test process ends.
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

struct Cluster {
    bin: PathBuf,
    port: u16,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static DURABLE: OnceLock<Cluster> = OnceLock::new();

/// A new empty database on the test cluster, as a URL. The cluster skips fsync: tests
/// check what is stored, not how fast it reaches the disk.
pub fn database() -> String {
    create_database(CLUSTER.get_or_init(|| start(false)))
}

/// A new empty database on a cluster that writes as a production server does (fsync,
/// synchronous commit), for benchmarks.
pub fn durable_database() -> String {
    create_database(DURABLE.get_or_init(|| start(true)))
}

fn create_database(cluster: &Cluster) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!("t{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let status = Command::new(cluster.bin.join("createdb"))
        .args(["-h", "127.0.0.1", "-p", &cluster.port.to_string(), "-U", "lobbydesk", &name])
        .status()
        .expect("createdb runs");
    assert!(status.success(), "createdb {name} failed");
    format!("postgres://lobbydesk@127.0.0.1:{}/{name}", cluster.port)
}

/// Where Debian keeps the server binaries (not on PATH), newest version first.
fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| dirs.filter_map(|d| d.ok()).map(|d| d.path().join("bin")).collect())
        .unwrap_or_default();
    found.retain(|bin| bin.join("initdb").exists());
    found.sort_by_key(|bin| {
        bin.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().expect(
        "PostgreSQL's server is missing: run scripts/test, which installs it (Debian package postgresql)",
    )
}

/// The user the server runs as: ourselves, or `postgres` (else `nobody`) when we are root.
fn server_user() -> Option<(u32, u32)> {
    let uid = |args: &[&str]| -> Option<u32> {
        let out = Command::new("id").args(args).output().ok()?;
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    };
    if uid(&["-u"])? != 0 {
        return None;
    }
    ["postgres", "nobody"].iter().find_map(|user| Some((uid(&["-u", user])?, uid(&["-g", user])?)))
}

fn as_server_user(command: &mut Command, user: Option<(u32, u32)>) -> &mut Command {
    if let Some((uid, gid)) = user {
        command.uid(uid).gid(gid);
    }
    command
}

fn start(durable: bool) -> Cluster {
    let bin = bin_dir();
    let user = server_user();
    let root = tempfile::Builder::new().prefix("lobbydesk-pg-").tempdir().unwrap().keep();
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&root, Some(uid), Some(gid)).unwrap();
    }
    let data = root.join("data");
    let out = as_server_user(&mut Command::new(bin.join("initdb")), user)
        .arg("-D")
        .arg(&data)
        .args(["-U", "lobbydesk", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"])
        .output()
        .expect("initdb runs");
    assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
    let port = free_port();
    // The server, and beside it a watcher that stops it and removes its files once this
    // test process is gone (statics are never dropped).
    // Durable: as a production server writes, with a production-sized cache.
    let speed = if durable {
        "-c shared_buffers=512MB"
    } else {
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    };
    let script = format!(
        r#"{postgres} -D {data} -p {port} -k {root} -c listen_addresses=127.0.0.1 {speed} \
             -c max_connections=200 >{root}/log 2>&1 &
           server=$!
           while [ -d /proc/{parent} ] && kill -0 $server 2>/dev/null; do sleep 1; done
           kill -INT $server 2>/dev/null; wait $server; rm -rf {root}"#,
        postgres = bin.join("postgres").display(),
        data = data.display(),
        root = root.display(),
        parent = std::process::id(),
    );
    // Never waited for: the watcher outlives this process on purpose, to clean up after it.
    #[allow(clippy::zombie_processes)]
    let _watcher = as_server_user(&mut Command::new("sh"), user)
        .args(["-c", &script])
        .current_dir(&root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the PostgreSQL server starts");
    wait_ready(&bin, port, &root);
    Cluster { bin, port }
}

fn wait_ready(bin: &Path, port: u16, root: &Path) {
    let started = std::time::Instant::now();
    loop {
        let ready = Command::new(bin.join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            return;
        }
        if started.elapsed() > std::time::Duration::from_secs(30) {
            let log = std::fs::read_to_string(root.join("log")).unwrap_or_default();
            panic!("PostgreSQL did not start on port {port}:\n{log}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
