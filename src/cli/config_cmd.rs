//! `seatunnel config check` and `seatunnel config show`: what a role would run with, and why.

use std::process::ExitCode;

use crate::config::{self, Role};

use super::{ConfigCommand, ServerArgs, EXIT_CONFIG};

fn config_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_CONFIG)
}

fn role_and_sources(
    role: &str,
    server: &ServerArgs,
) -> Result<(Role, config::ConfigSources), ExitCode> {
    let role: Role = role.parse().map_err(config_error)?;
    let sources = server.sources().map_err(config_error)?;
    Ok((role, sources))
}

pub fn run(cmd: ConfigCommand) -> ExitCode {
    match cmd {
        ConfigCommand::Check {
            role,
            quiet,
            for_another_host,
            server,
        } => {
            let (role, sources) = match role_and_sources(&role, &server) {
                Ok(x) => x,
                Err(code) => return code,
            };
            match config::check(role, &sources, for_another_host) {
                Ok(report) if quiet => {
                    for w in &report.warnings {
                        eprintln!("warning: {w}");
                    }
                    ExitCode::SUCCESS
                }
                Ok(report) => {
                    print!("{report}");
                    ExitCode::SUCCESS
                }
                Err(e) => config_error(e),
            }
        }
        ConfigCommand::Show {
            role,
            origin,
            server,
        } => {
            let (role, sources) = match role_and_sources(&role, &server) {
                Ok(x) => x,
                Err(code) => return code,
            };
            match config::load(role, &sources) {
                Ok(loaded) if origin => {
                    print!("{}", config::render_origins(&loaded.origins));
                    ExitCode::SUCCESS
                }
                Ok(loaded) => {
                    for key in &loaded.origins {
                        println!("{} = {}", key.path, key.shown_value());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => config_error(e),
            }
        }
    }
}
