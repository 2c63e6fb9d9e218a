//! Logging setup: native journald when stderr is connected to the journal, text on stderr
//! otherwise. Never both, which would duplicate every line in the journal.
//!
//! The filter follows `RUST_LOG` syntax (`info`, `seatunnel::engine=debug`); `SEATUNNEL_LOG_TARGET`
//! forces `journald` or `stderr` (a forced journald that cannot connect is an error, so a
//! misconfiguration shows instead of silently losing logs).
//!
//! With a job log directory, events carrying a `job_id` are also written to per-job files
//! ([`job_log`]).
//!
//! Repeated trouble is said once per interval with a count ([`rate_limit`]); openraft's own line
//! per failed call to a peer is dropped because the Raft transport reports those failures that
//! way ([`raft_noise`]).

pub mod job_log;
mod journal_stream;
pub mod raft_noise;
pub mod rate_limit;
pub mod sd_notify;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

pub use job_log::{job_log_file_name, resolve_log_dir, JobLogs};

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Filter used when `RUST_LOG` is unset. openraft logs every vote and log step at info, which
/// would bury the node's own lines in the journal; its warnings and errors still show.
pub const DEFAULT_FILTER: &str = "info,openraft=warn";
/// Filter of `seatunnel run` when `RUST_LOG` is unset: its embedded node's wiring (member port,
/// Raft, formation, its own worker registering) is not what someone running a job looks at;
/// the job's lines stay, and the wiring's warnings and errors still show.
pub const LOCAL_FILTER: &str = "info,openraft=warn,seatunnel::node=warn,seatunnel::raft=warn,seatunnel::cluster=warn,seatunnel::coordinator::cluster::workers=warn";
/// Always added to the filter, even to a `RUST_LOG` that names sqlparser: at debug level it
/// prints the whole expression tree at every operator it parses, which for a long SQL transform
/// query is quadratic work and recursion deep enough to overflow a runtime thread's stack.
const SQLPARSER_CAP: &str = "sqlparser=info";

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("SEATUNNEL_LOG_TARGET must be auto, journald or stderr, got '{0}'")]
    BadTarget(String),
    #[error("cannot connect to journald ({0}); set SEATUNNEL_LOG_TARGET=stderr to log to stderr instead")]
    Journald(std::io::Error),
    #[error("invalid RUST_LOG filter: {0}")]
    Filter(String),
    #[error("cannot use the job log directory {}: {source}; create it writable for this user, or change --log-dir / LogsDirectory=", .dir.display())]
    JobLogDir {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// The per-job log writer of this process, once [`init`] started one.
static JOB_LOGS: OnceLock<JobLogs> = OnceLock::new();

/// The per-job log writer, if this process has a job log directory.
pub fn job_logs() -> Option<&'static JobLogs> {
    JOB_LOGS.get()
}

/// Waits (at most `limit`) until queued job log lines are on disk; call before exiting.
pub fn flush_job_logs(limit: Duration) {
    if let Some(logs) = job_logs() {
        logs.sync(limit);
    }
}

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTarget {
    Journald,
    Stderr,
}

/// Picks the target from `SEATUNNEL_LOG_TARGET` and whether stderr is the journal. Pure.
pub fn choose_target(
    setting: Option<&str>,
    stderr_is_journal: bool,
) -> Result<LogTarget, TelemetryError> {
    match setting.map(str::trim) {
        None | Some("") | Some("auto") => Ok(if stderr_is_journal {
            LogTarget::Journald
        } else {
            LogTarget::Stderr
        }),
        Some("journald") => Ok(LogTarget::Journald),
        Some("stderr") => Ok(LogTarget::Stderr),
        Some(other) => Err(TelemetryError::BadTarget(other.to_string())),
    }
}

/// Installs the global subscriber. `identifier` is the journal's `SYSLOG_IDENTIFIER`
/// (`seatunnel-master`, `seatunnel-worker`, `seatunnel-server`, `seatunnel-client`).
/// `job_log_dir` (created if missing) receives one file per job ([`job_log`]).
/// `default_filter` applies when `RUST_LOG` is unset ([`DEFAULT_FILTER`] or [`LOCAL_FILTER`]).
pub fn init(
    identifier: &str,
    job_log_dir: Option<&Path>,
    default_filter: &str,
) -> Result<LogTarget, TelemetryError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(f) if !f.is_empty() => {
            EnvFilter::try_new(&f).map_err(|e| TelemetryError::Filter(e.to_string()))?
        }
        _ => EnvFilter::new(default_filter),
    }
    .add_directive(SQLPARSER_CAP.parse().expect("a valid directive"));
    let setting = std::env::var("SEATUNNEL_LOG_TARGET").ok();
    let target = choose_target(setting.as_deref(), journal_stream::stderr_is_journal())?;
    let job_layer = match job_log_dir {
        Some(dir) => {
            let logs = JobLogs::start(dir).map_err(|source| TelemetryError::JobLogDir {
                dir: dir.to_path_buf(),
                source,
            })?;
            let layer = logs.layer();
            let _ = JOB_LOGS.set(logs);
            Some(layer)
        }
        None => None,
    };
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(raft_noise::DropPerCallFailures)
        .with(job_layer);
    match target {
        LogTarget::Journald => {
            let layer = tracing_journald::layer()
                .map_err(TelemetryError::Journald)?
                .with_syslog_identifier(identifier.to_string())
                .with_field_prefix(None);
            registry.with(layer).init();
        }
        LogTarget::Stderr => {
            use std::io::IsTerminal;
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal())
                .with_target(false);
            registry.with(layer).init();
        }
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_follows_setting_then_journal_stream() {
        assert_eq!(choose_target(None, true).unwrap(), LogTarget::Journald);
        assert_eq!(
            choose_target(Some("auto"), false).unwrap(),
            LogTarget::Stderr
        );
        assert_eq!(
            choose_target(Some("stderr"), true).unwrap(),
            LogTarget::Stderr
        );
        assert_eq!(
            choose_target(Some("journald"), false).unwrap(),
            LogTarget::Journald
        );
        assert!(choose_target(Some("syslog"), false).is_err());
    }
}
