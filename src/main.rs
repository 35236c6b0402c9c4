use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = lobbydesk::cli::Cli::parse();
    match lobbydesk::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: what happened, then its causes (`{:#}` joins them with ": ").
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
