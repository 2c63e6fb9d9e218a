//! Where a setting came from, what can go wrong with it, and how that is reported.
//!
//! Invariant: every [`Problem`] and [`ConfigWarning`] names the key and its [`Location`]
//! (file and line, environment variable or command-line override), so an operator can find the
//! offending line without guessing which layer supplied it.

use std::fmt;
use std::path::PathBuf;

/// Exit status for any configuration error: sysexits.h `EX_CONFIG`. The systemd units set
/// `RestartPreventExitStatus=78` so a broken config stops the unit instead of restart-looping.
pub const EX_CONFIG: i32 = 78;

/// The layer a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// The compiled-in default.
    Default,
    /// A YAML file.
    File(PathBuf),
    /// An environment variable, by name (`SEATUNNEL__ENGINE__HTTP__PORT`, `ST_DOCKER_MEMBER_LIST`).
    Env(String),
    /// A command-line override, by the dotted path it was given as.
    Cli(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Env(name) => write!(f, "environment variable {name}"),
            Source::Cli(path) => write!(f, "command-line override {path}"),
        }
    }
}

/// A source plus, for files, the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub source: Source,
    pub line: Option<usize>,
}

impl Location {
    pub fn new(source: Source, line: Option<usize>) -> Self {
        Location { source, line }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.source, self.line) {
            (Source::File(path), Some(line)) => write!(f, "{}:{line}", path.display()),
            (source, _) => write!(f, "{source}"),
        }
    }
}

/// What is wrong with one setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file is not valid YAML.
    Syntax { message: String },
    /// A known key holds a value of the wrong type or out of range.
    InvalidValue {
        key: String,
        expected: String,
        found: String,
    },
    /// The same key twice in one mapping.
    Duplicate { key: String, first_line: usize },
    /// A known section at the wrong level (a common mistake), with the fix.
    Misplaced { key: String, hint: String },
    /// A setting that asks for something seatunnel-rs does not do.
    NotSupported { key: String, what: String },
    /// Two settings that cannot hold together.
    Conflict { key: String, message: String },
}

/// One configuration error with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Location,
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.at)?;
        match &self.kind {
            ProblemKind::Syntax { message } => write!(f, "invalid yaml: {message}"),
            ProblemKind::InvalidValue {
                key,
                expected,
                found,
            } => write!(
                f,
                "invalid value for {key}: expected {expected}, found {found}"
            ),
            ProblemKind::Duplicate { key, first_line } => {
                write!(
                    f,
                    "duplicate key {key} (first defined on line {first_line})"
                )
            }
            ProblemKind::Misplaced { key, hint } => write!(f, "{key} is misplaced: {hint}"),
            ProblemKind::NotSupported { key, what } => write!(f, "not supported: {key}: {what}"),
            ProblemKind::Conflict { key, message } => write!(f, "{key}: {message}"),
        }
    }
}

/// A non-fatal finding: an unknown key, a setting without effect. Loading goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    pub at: Location,
    pub message: String,
    pub hint: Option<String>,
}

impl ConfigWarning {
    /// The warning SeaTunnel logs for a key it does not know.
    pub fn unrecognized(path: &str, at: Location, hint: Option<String>) -> Self {
        ConfigWarning {
            at,
            message: format!("unrecognized element: {path}"),
            hint,
        }
    }
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in {}", self.message, self.at)?;
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

/// Why a configuration could not be loaded. Every variant maps to exit status 78.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {} given by {given_by} does not exist", path.display())]
    MissingFile { path: PathBuf, given_by: String },
    #[error("config directory {} given by {given_by} does not exist", path.display())]
    MissingDir { path: PathBuf, given_by: String },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown node role '{0}': use master, worker or master_and_worker")]
    UnknownRole(String),
    /// A member list that can never form a cluster (`config check` only: the node itself
    /// would wait for members forever rather than fail).
    #[error("{at}: hazelcast.network.join.tcp-ip.member-list: {message}")]
    MemberList { at: Location, message: String },
    /// Every problem found across all layers, in layer order.
    #[error("{}", join_lines(.0))]
    Invalid(Vec<Problem>),
}

impl ConfigError {
    /// The process exit status for this error: always `EX_CONFIG` (78).
    pub fn exit_code(&self) -> i32 {
        EX_CONFIG
    }

    /// The individual problems (empty for file-level errors).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid(problems) => problems,
            _ => &[],
        }
    }
}

fn join_lines(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_locations_print_as_path_colon_line() {
        let at = Location::new(
            Source::File("/etc/seatunnel/seatunnel.yaml".into()),
            Some(7),
        );
        let p = Problem {
            at,
            kind: ProblemKind::InvalidValue {
                key: "seatunnel.engine.http.port".into(),
                expected: "an integer between 1 and 65535".into(),
                found: "\"abc\"".into(),
            },
        };
        assert_eq!(
            p.to_string(),
            "/etc/seatunnel/seatunnel.yaml:7: invalid value for seatunnel.engine.http.port: \
             expected an integer between 1 and 65535, found \"abc\""
        );
    }

    #[test]
    fn env_and_cli_locations_name_their_source() {
        let w = ConfigWarning::unrecognized(
            "seatunnel.engine.nope",
            Location::new(Source::Env("SEATUNNEL__ENGINE__NOPE".into()), None),
            None,
        );
        assert_eq!(
            w.to_string(),
            "unrecognized element: seatunnel.engine.nope in environment variable SEATUNNEL__ENGINE__NOPE"
        );
        let err = ConfigError::Invalid(vec![Problem {
            at: Location::new(Source::Cli("hazelcast.cluster-name".into()), None),
            kind: ProblemKind::NotSupported {
                key: "x".into(),
                what: "y".into(),
            },
        }]);
        assert_eq!(
            err.to_string(),
            "command-line override hazelcast.cluster-name: not supported: x: y"
        );
        assert_eq!(err.exit_code(), 78);
    }
}
