//! `seatunnel master|worker|hybrid`: run a server process in the foreground (systemd runs it
//! this way; there is no daemon mode to get wrong).

use std::process::ExitCode;

use crate::config::{self, Role};
use crate::node::server;

use super::{ServerArgs, EXIT_CONFIG, EXIT_SOFTWARE, EXIT_STORAGE};

pub fn run(role: Role, args: ServerArgs) -> ExitCode {
    let sources = match args.sources() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let loaded = match config::load(role, &sources) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let runtime = match super::runtime(true, EXIT_SOFTWARE) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let log_dir = args.log_dir();
    match runtime.block_on(server::run(
        role,
        loaded,
        sources,
        args.data_dir.clone(),
        log_dir,
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            let code = match e {
                server::NodeError::Api(_)
                | server::NodeError::Identity(_)
                | server::NodeError::Formation(_)
                | server::NodeError::NodeIdInUse { .. }
                | server::NodeError::Detector(_) => EXIT_CONFIG,
                server::NodeError::RaftStopped(crate::raft::RaftStopped::Storage { .. }) => {
                    EXIT_STORAGE
                }
                _ => EXIT_SOFTWARE,
            };
            ExitCode::from(code)
        }
    }
}
