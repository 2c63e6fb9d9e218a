//! `seatunnel`: parse the command line, set up logging, hand over to the command.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use seatunnel::cli::{self, Cli};

/// How long exit waits for queued job log lines to reach their files.
const JOB_LOG_FLUSH: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let job_log_dir = cli.command.job_log_dir();
    if let Err(e) = seatunnel::telemetry::init(
        cli.command.log_identifier(),
        job_log_dir.as_deref(),
        cli.command.default_log_filter(),
    ) {
        eprintln!("error: {e}");
        return ExitCode::from(cli::EXIT_CONFIG);
    }
    let code = cli::dispatch(cli);
    seatunnel::telemetry::flush_job_logs(JOB_LOG_FLUSH);
    code
}
