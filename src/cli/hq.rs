//! `lobbydesk hq ...` (headquarters) and `lobbydesk sync ...` (the kiosk's side).

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Duration, Utc};
use clap::Subcommand;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::{ActArgs, ReportArgs, output};
use crate::app::Desk;
use crate::config::Settings;
use crate::domain::event::Origin;
use crate::hq::db::DbSettings;
use crate::hq::desk::HqDesk;
use crate::store::Store;
use crate::sync::client::{Client, sync_once};

/// Case records are kept two years (000 §5, 002 第十八条).
pub const MIN_KEEP_DAYS: u32 = 730;

/// `lobbydesk hq [--db URL] COMMAND`.
#[derive(clap::Args, Debug)]
pub struct HqArgs {
    /// HQ's store: postgres://USER:PASSWORD@HOST/DB for PostgreSQL (several HQ nodes may
    /// share it), or sqlite:DIRECTORY. Default: the SQLite file in --data-dir.
    #[arg(long, global = true, env = "LOBBYDESK_HQ_DB", value_name = "URL", hide_env_values = true)]
    pub db: Option<String>,
    /// A PostgreSQL read replica that kiosks' pulls read from (optional).
    #[arg(long, global = true, env = "LOBBYDESK_HQ_DB_READ", value_name = "URL", hide_env_values = true)]
    pub db_read_replica: Option<String>,
    #[command(subcommand)]
    pub command: HqCommand,
}

#[derive(Subcommand, Debug)]
pub enum HqCommand {
    /// Run the sync server kiosks talk to.
    Serve {
        /// Address to listen on; plain HTTP is allowed on loopback only.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        /// PEM certificate chain (required unless listening on loopback).
        #[arg(long, requires = "tls_key", value_name = "FILE")]
        tls_cert: Option<PathBuf>,
        /// PEM private key.
        #[arg(long, requires = "tls_cert", value_name = "FILE")]
        tls_key: Option<PathBuf>,
    },
    /// Register a kiosk and print its credential (shown once; HQ keeps only a hash).
    AddKiosk {
        code: String,
        #[arg(long)]
        estate: String,
    },
    /// Withdraw a kiosk's credential: its syncs are refused from now on.
    RevokeKiosk { code: String },
    /// Create or change a person's account for the web desk (/desk). The password is read
    /// from the first line of standard input, so it never appears in the shell's history.
    AddAccount {
        name: String,
        /// hotline, quality-office, group-head or estate-head.
        #[arg(long)]
        role: crate::hq::accounts::HqRole,
        /// An estate head's estate (repeat for several).
        #[arg(long = "estate")]
        estates: Vec<String>,
    },
    /// Disable an account and end its sessions.
    DisableAccount { name: String },
    /// Every web desk account with its role.
    Accounts,
    /// Cases from every kiosk, newest first.
    Cases {
        #[arg(long)]
        estate: Option<String>,
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        open: bool,
        #[arg(long)]
        json: bool,
    },
    /// Act on a case as HQ (the same actions as `lobbydesk act`).
    Act(ActArgs),
    /// The daily or monthly report, for every estate together or for one.
    Report {
        #[command(flatten)]
        args: ReportArgs,
        /// One estate's report (default: the whole group).
        #[arg(long)]
        estate: Option<String>,
    },
    /// Fold every case again from its events and rewrite the columns lists and reports
    /// read; says how many differed.
    Rebuild,
    /// Move everything one HQ store holds into another (e.g. SQLite to PostgreSQL), keeping
    /// every event's arrival number; stop the HQ nodes first. Safe to run again.
    Migrate {
        /// sqlite:DIRECTORY or postgres://…
        #[arg(long, value_name = "URL")]
        from: String,
        /// postgres://… or sqlite:DIRECTORY
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Delete cases closed more than this many days ago. Records are kept two years
    /// (SPEC's records clause, 000 §5), so anything under 730 days is refused.
    Purge {
        #[arg(long, default_value_t = 730)]
        older_than_days: u32,
    },
}

/// Runs `f` on HQ's store as `args` chose it.
fn with_db<R>(
    args: &DbSettings,
    f: impl AsyncFnOnce(&dyn crate::hq::db::HqDatabase) -> Result<R>,
) -> Result<R> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let db = args.open().await.map_err(|e| crate::hq::db::unreachable(args, e))?;
        f(db.as_ref()).await
    })
}

pub fn run_hq(
    args: HqArgs,
    settings: Settings,
    data_dir: &Path,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> Result<()> {
    let database = args.db.clone().or_else(|| settings.hq_server.database.clone());
    let read_replica = args.db_read_replica.clone().or_else(|| settings.hq_server.read_replica.clone());
    let db = DbSettings::parse(database.as_deref(), read_replica.as_deref(), data_dir)?;
    let data_dir = match &db {
        DbSettings::Sqlite(dir) => dir.clone(),
        DbSettings::Postgres { .. } => data_dir.to_path_buf(),
    };
    let data_dir = data_dir.as_path();
    match args.command {
        HqCommand::Serve { listen, tls_cert, tls_key } => {
            let tls = tls_cert.zip(tls_key).map(|(cert, key)| crate::hq::Tls { cert, key });
            // Refuse before saying anything is served.
            crate::hq::check_listen(listen, tls.is_some())?;
            let runtime = tokio::runtime::Runtime::new()?;
            let store = runtime.block_on(db.open()).map_err(|e| crate::hq::db::unreachable(&db, e))?;
            let described = store.describe();
            let hq = crate::hq::Hq::new(store).with_settings(settings);
            runtime.block_on(hq.ready()).map_err(|e| crate::hq::db::unreachable(&db, e))?;
            let scheme = if tls.is_some() { "https" } else { "http" };
            writeln!(out, "HQ sync server on {scheme}://{listen} ({described})")?;
            out.flush()?;
            tracing::info!(store = described, "HQ serving on {scheme}://{listen}");
            runtime.block_on(crate::hq::serve(hq, listen, tls))?;
        }
        HqCommand::Migrate { from, to } => {
            let from = DbSettings::parse(Some(&from), None, data_dir)?;
            let to = DbSettings::parse(Some(&to), None, data_dir)?;
            if from == to {
                bail!("--from and --to are the same store ({})", from.describe());
            }
            let runtime = tokio::runtime::Runtime::new()?;
            let moved = runtime.block_on(async {
                let source = from.open().await.map_err(|e| crate::hq::db::unreachable(&from, e))?;
                let target = to.open().await.map_err(|e| crate::hq::db::unreachable(&to, e))?;
                crate::hq::migrate::migrate(source.as_ref(), target.as_ref(), |n| {
                    if n > 0 && n % 50_000 == 0 {
                        eprintln!("{n} events moved…");
                    }
                })
                .await
                .map_err(anyhow::Error::from)
            })?;
            writeln!(
                out,
                "moved {} kiosk(s) and {} new event(s) from {} to {}; {} event(s) checked in arrival order, {} case(s) there; {} resident photo(s) copied",
                moved.kiosks,
                moved.events,
                from.describe(),
                to.describe(),
                moved.checked,
                moved.cases,
                moved.photos
            )?;
        }
        HqCommand::AddKiosk { code, estate } => {
            let token =
                with_db(&db, async |store| Ok(crate::hq::register_kiosk(store, &code, &estate).await?))?;
            writeln!(
                out,
                "kiosk {} of {} registered. Its credential (shown once, keep it safe):",
                code.to_uppercase(),
                estate.trim()
            )?;
            writeln!(out, "{token}")?;
            writeln!(out, "Put it in the kiosk's lobbydesk.toml under [hq] as token = \"…\".")?;
        }
        HqCommand::RevokeKiosk { code } => {
            let upper = code.to_uppercase();
            if !with_db(&db, async |store| Ok(store.revoke_kiosk(&upper, now).await?))? {
                bail!("no kiosk {code} is registered");
            }
            writeln!(out, "kiosk {} revoked: its syncs are refused from now on", code.to_uppercase())?;
        }
        HqCommand::AddAccount { name, role, estates } => {
            let account = crate::hq::accounts::Account::new(&name, role, &estates)?;
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let hash = crate::hq::accounts::hash_password(password.trim_end_matches(['\r', '\n']))?;
            with_db(&db, async |store| Ok(store.save_account(&account, &hash, now).await?))?;
            writeln!(
                out,
                "account {} ({}) can sign in at /desk",
                account.name,
                role.name(crate::domain::intake::Lang::ZhCn)
            )?;
        }
        HqCommand::DisableAccount { name } => {
            if !with_db(&db, async |store| Ok(store.disable_account(&name, now).await?))? {
                bail!("no account {name}");
            }
            writeln!(out, "account {name} disabled; its sessions are ended")?;
        }
        HqCommand::Accounts => {
            for a in with_db(&db, async |store| Ok(store.accounts().await?))? {
                let state = if a.disabled { " (disabled)" } else { "" };
                writeln!(out, "{}\t{}\t{}{state}", a.name, a.role, a.estates.join(","))?;
            }
        }
        HqCommand::Cases { estate, overdue, open, json } => {
            let cases = with_db(&db, async |store| {
                let desk = HqDesk::open(&settings, store).await?;
                Ok(desk.cases(estate.as_deref(), open, overdue, now).await?)
            })?;
            if json {
                output::json(out, &cases)?;
            } else {
                output::case_list(out, &settings, &cases)?;
            }
        }
        HqCommand::Act(args) => {
            let by = args.by.clone().context("--by STAFF is required: say who is doing this")?;
            let action = super::action(args.action, &settings, now)?;
            let case = with_db(&db, async |store| {
                let desk = HqDesk::open(&settings, store).await?;
                Ok(desk.act(&args.ticket, action, &by, now).await?)
            })?;
            writeln!(
                out,
                "{} {} ({}) — kiosks see it after their next sync",
                case.ticket(),
                case.status.zh(),
                case.status.code()
            )?;
        }
        HqCommand::Report { args, estate } => {
            let title = estate.clone().unwrap_or_else(|| "全部楼盘 all estates".to_string());
            let estate = estate.as_deref();
            super::print_report(
                &args,
                &settings,
                &title,
                now,
                out,
                |date| {
                    with_db(&db, async |store| {
                        Ok(HqDesk::open(&settings, store).await?.daily_report(date, estate, now).await?)
                    })
                },
                |year, month| {
                    with_db(&db, async |store| {
                        let desk = HqDesk::open(&settings, store).await?;
                        Ok(desk.monthly_report(year, month, estate, now).await?)
                    })
                },
            )?;
        }
        HqCommand::Rebuild => {
            let (cases, differed) = with_db(&db, async |store| {
                store.use_calendar(&settings.calendar).await?;
                Ok(store.rebuild_read_model().await?)
            })?;
            writeln!(out, "{cases} case(s) folded again from their events; {differed} had differed")?;
        }
        HqCommand::Purge { older_than_days } => {
            if older_than_days < MIN_KEEP_DAYS {
                anyhow::bail!(
                    "records are kept two years: --older-than-days must be at least {MIN_KEEP_DAYS} (it was {older_than_days}); nothing deleted"
                );
            }
            let before = now - Duration::days(i64::from(older_than_days));
            let n = with_db(&db, async |store| Ok(store.purge_closed(before).await?))?;
            writeln!(out, "{n} case(s) closed more than {older_than_days} days ago deleted")?;
        }
    }
    Ok(())
}

#[derive(Subcommand, Debug)]
pub enum SyncWhat {
    /// Last success, outbox size, last error, what waits and what HQ refused.
    Status,
    /// Send the events HQ refused again (after HQ or the kiosk's configuration was fixed).
    Retry,
}

/// `lobbydesk sync [--once | status]`.
pub fn run_sync(
    once: bool,
    what: Option<SyncWhat>,
    settings: &Settings,
    data_dir: &Path,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> Result<()> {
    let origin = Origin::kiosk(settings.kiosk.as_str());
    if let Some(SyncWhat::Status) = what {
        let store = Store::open(data_dir, origin)?;
        let meta = |k: &str| store.get_meta(k).map(|v| v.filter(|s| !s.is_empty()));
        writeln!(
            out,
            "HQ:          {}",
            settings.hq.as_ref().map(|h| h.url.as_str()).unwrap_or("not configured ([hq] url and token)")
        )?;
        writeln!(out, "last success: {}", meta("sync_last_ok")?.unwrap_or_else(|| "never".into()))?;
        writeln!(out, "outbox:       {} event(s) waiting", store.outbox_len()?)?;
        writeln!(out, "last error:   {}", meta("sync_last_error")?.unwrap_or_else(|| "none".into()))?;
        if let Some(clock) = meta(crate::sync::client::CLOCK_KEY)? {
            writeln!(out, "clock:        {clock}")?;
        }
        let waiting: Vec<String> = store.get_meta_json(crate::sync::client::WAITING_KEY)?;
        if !waiting.is_empty() {
            writeln!(
                out,
                "waiting:      {} event(s) stay in the outbox until HQ can take them:",
                waiting.len()
            )?;
            for why in waiting {
                writeln!(out, "  {why}")?;
            }
        }
        let rejected = store.rejected()?;
        if !rejected.is_empty() {
            writeln!(
                out,
                "set aside:    {} event(s) HQ refused (kept here; `lobbydesk sync retry` sends them again):",
                rejected.len()
            )?;
            for r in rejected {
                writeln!(out, "  {} ({}): {}", r.id, r.code, r.reason)?;
            }
        }
        return Ok(());
    }
    if let Some(SyncWhat::Retry) = what {
        let mut store = Store::open(data_dir, origin)?;
        let n = store.retry_set_aside(now)?;
        writeln!(out, "{n} set-aside event(s) back in the outbox; they go with the next sync")?;
        return Ok(());
    }
    let hq = settings.hq.clone().context("no HQ configured: set [hq] url and token in the config")?;
    let client = Client::new(&hq.url, &hq.token).map_err(anyhow::Error::msg)?;
    if once {
        let mut store = Store::open(data_dir, origin)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let result = runtime.block_on(sync_once(&mut store, &client, now));
        match result {
            Ok(report) => {
                let purged =
                    store.purge_closed(now - Duration::days(i64::from(settings.keep_closed_days)))?;
                writeln!(
                    out,
                    "sent {} event(s), set aside {}, received {}; {} closed case(s) past the retention window removed here",
                    report.pushed, report.set_aside, report.pulled, purged
                )?;
                if report.renumbered > 0 {
                    writeln!(
                        out,
                        "{} event(s) got new indexes: HQ held others under theirs (this data directory is older than HQ's copy)",
                        report.renumbered
                    )?;
                }
                if report.waiting > 0 {
                    writeln!(
                        out,
                        "{} event(s) wait in the outbox; `lobbydesk sync status` says why",
                        report.waiting
                    )?;
                }
            }
            Err(e) => {
                store.set_meta("sync_last_error", &e.to_string())?;
                bail!("{e}; the kiosk keeps its events and tries again");
            }
        }
        return Ok(());
    }
    writeln!(out, "syncing with {} every {:?}; stop with Ctrl-C", hq.url, hq.interval)?;
    out.flush()?;
    let _handle = crate::sync::client::spawn(
        data_dir.to_path_buf(),
        origin,
        client,
        hq.interval,
        settings.keep_closed_days,
    );
    loop {
        std::thread::park();
    }
}

/// How long the kiosk waits at start for HQ to say how far its numbers got.
const PREFLIGHT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Asks HQ, before the kiosk numbers anything, how far this kiosk's tickets and events
/// got. HQ out of reach: the kiosk starts anyway (it works offline; its local counters
/// already survive purges and restored databases). HQ saying this directory lost its
/// history: the kiosk does not start.
pub fn preflight(desk: &mut Desk, hq: &crate::config::HqSettings) -> Result<()> {
    let client = Client::new(&hq.url, &hq.token).map_err(anyhow::Error::msg)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let asked = runtime.block_on(async {
        tokio::time::timeout(PREFLIGHT_TIMEOUT, crate::sync::client::preflight(desk.store_mut(), &client))
            .await
    });
    match asked {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(lost @ crate::sync::client::SyncError::LostHistory(_))) => Err(lost.into()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "HQ did not confirm this kiosk's numbers at start; continuing offline");
            Ok(())
        }
        Err(_) => {
            tracing::warn!("HQ did not answer at start; continuing offline");
            Ok(())
        }
    }
}

/// `lobbydesk start-over`.
pub fn start_over(
    settings: &Settings,
    data_dir: &Path,
    without_hq: bool,
    out: &mut impl Write,
) -> Result<()> {
    let origin = Origin::kiosk(settings.kiosk.as_str());
    let mut store = Store::open_with(data_dir, origin.clone(), crate::store::Fresh::StartOver)?;
    // Marked first: HQ holding this kiosk's history is the very reason to start over.
    store.set_meta("started_over_at", &Utc::now().to_rfc3339())?;
    // Its own cases come back from HQ at the next sync.
    crate::sync::client::take_back_own(&mut store)?;
    match (&settings.hq, without_hq) {
        (Some(hq), false) => {
            let client = Client::new(&hq.url, &hq.token).map_err(anyhow::Error::msg)?;
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let asked = runtime.block_on(crate::sync::client::preflight(&mut store, &client));
            let status = match asked {
                Ok(status) => status,
                Err(e) => {
                    store.set_meta("started_over_at", "")?;
                    bail!(
                        "{e}: HQ must say how far this kiosk's numbers got before starting over; try again when it answers, or pass --without-hq"
                    );
                }
            };
            writeln!(
                out,
                "HQ holds kiosk {3}'s events up to index {0} and its tickets up to {1}-{2:05}",
                status.high_water, status.kiosk, status.max_ticket_sequence, status.kiosk
            )?;
        }
        (Some(_), true) => writeln!(out, "HQ not asked (--without-hq)")?,
        (None, _) => writeln!(out, "no HQ configured")?,
    }
    writeln!(
        out,
        "started over in {}: the next ticket follows {}-{:05}, and {origin}'s events continue after every index handed out here or held by HQ",
        data_dir.display(),
        settings.kiosk,
        store.next_ticket_floor()?,
    )?;
    Ok(())
}
