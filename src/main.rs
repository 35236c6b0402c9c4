use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // One line per event on stderr: under systemd that is journald, which timestamps,
    // rotates and rate-limits it. RUST_LOG=debug for more; personal data is never logged.
    let under_systemd = std::env::var_os("INVOCATION_ID").is_some();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("lobbydesk=info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(!under_systemd)
        .with_target(false)
        .compact()
        .init();
    let cli = lobbydesk::cli::Cli::parse();
    match lobbydesk::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: what happened, then its causes (`{:#}` joins them with ": ").
            eprintln!("error: {error:#}");
            if lobbydesk::cli::needs_a_person(&error) {
                ExitCode::from(lobbydesk::cli::EXIT_NEEDS_A_PERSON)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
