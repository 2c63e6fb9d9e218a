//! `seatunnel`: parse the command line, set up logging, hand over to the command.

use std::process::ExitCode;

use clap::Parser;
use seatunnel::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = seatunnel::telemetry::init(cli.command.log_identifier()) {
        eprintln!("error: {e}");
        return ExitCode::from(cli::EXIT_CONFIG);
    }
    cli::dispatch(cli)
}
