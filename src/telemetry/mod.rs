//! Logging setup: native journald when stderr is connected to the journal, text on stderr
//! otherwise. Never both, which would duplicate every line in the journal.
//!
//! The filter follows `RUST_LOG` syntax (`info`, `seatunnel::engine=debug`); `SEATUNNEL_LOG_TARGET`
//! forces `journald` or `stderr` (a forced journald that cannot connect is an error, so a
//! misconfiguration shows instead of silently losing logs).

mod journal_stream;
pub mod sd_notify;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Filter used when `RUST_LOG` is unset. openraft logs every vote and log step at info, which
/// would bury the node's own lines in the journal; its warnings and errors still show.
const DEFAULT_FILTER: &str = "info,openraft=warn";

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("SEATUNNEL_LOG_TARGET must be auto, journald or stderr, got '{0}'")]
    BadTarget(String),
    #[error("cannot connect to journald ({0}); set SEATUNNEL_LOG_TARGET=stderr to log to stderr instead")]
    Journald(std::io::Error),
    #[error("invalid RUST_LOG filter: {0}")]
    Filter(String),
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
pub fn init(identifier: &str) -> Result<LogTarget, TelemetryError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(f) if !f.is_empty() => {
            EnvFilter::try_new(&f).map_err(|e| TelemetryError::Filter(e.to_string()))?
        }
        _ => EnvFilter::new(DEFAULT_FILTER),
    };
    let setting = std::env::var("SEATUNNEL_LOG_TARGET").ok();
    let target = choose_target(setting.as_deref(), journal_stream::stderr_is_journal())?;
    let registry = tracing_subscriber::registry().with(filter);
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
