//! Server and client configuration: SeaTunnel's `seatunnel.yaml`, hazelcast files and
//! `hazelcast-client.yaml`, read unchanged, layered with drop-ins, environment and command-line
//! overrides (see `load`), checked against one schema (see `schema`).
//!
//! Entry points: [`load`] for a server role, [`load_client`], [`check`] for
//! `seatunnel config check`, [`render_origins`] for `config show --origin`, and
//! [`plan_reload`] for SIGHUP. Every error is a [`ConfigError`] whose exit code is 78.

mod client;
mod engine;
mod errors;
mod hazelcast;
mod load;
mod member;
mod origin;
mod reload;
pub mod schema;
mod units;
mod validate;
mod yaml;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

pub use client::{ClientConfig, HttpCredentials, LoadedClientConfig, CLIENT_PORT_TRY_COUNT};
pub use engine::{
    AllocateStrategy, CheckpointConfig, CheckpointStorageConfig, CheckpointStorageType,
    CoordinatorServiceConfig, EngineConfig, EventReportHttpConfig, HttpConfig, JarHaStorageConfig,
    JarHaStorageType, JarStorageConfig, JarStorageMode, QueueType, ScheduleStrategy,
    SlotServiceConfig, TelemetryConfig, TelemetryLogsConfig, TelemetryMetricConfig,
    ThreadShareMode, DEFAULT_MAX_RETAINED,
};
pub use errors::{ConfigError, ConfigWarning, Location, Problem, ProblemKind, Source, EX_CONFIG};
pub use hazelcast::{
    pattern_matches, FailureDetectorConfig, FailureDetectorKind, HazelcastConfig, InitialLoadMode,
    JoinConfig, KubernetesJoin, MapStoreConfig, PortConfig, RestApiConfig, MASTER_PORT,
    WORKER_PORT,
};
pub use load::{
    ConfigSources, DEFAULT_CONFIG_DIR, DROPIN_DIR_NAME, ENV_DOCKER_MEMBER_LIST,
    ENV_HAZELCAST_CLIENT_CONFIG, ENV_HAZELCAST_CONFIG, ENV_HOME, ENV_PREFIX, ENV_SEATUNNEL_CONFIG,
};
pub use member::{
    check_member_list, distinct_entries, is_local_ip, resolve_candidates, split_candidate, Alias,
    Host, MemberAddress, MemberListProblem, OwnNode, ResolvedEntry, Target, MEMBER_LIST_KEY,
};
pub use origin::{render_origins, CheckReport, EffectiveKey};
pub use reload::{plan_reload, KeyChange, ReloadPlan};
pub use schema::{Reload, Scope};

/// What a server process does (SeaTunnel's `-r`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Coordinator, checkpoints, durable state; full member.
    Master,
    /// Runs tasks; holds no cluster state and never becomes master.
    Worker,
    /// Both in one process (`master_and_worker`, the default of `seatunnel-cluster.sh`).
    Hybrid,
}

impl Role {
    /// The hazelcast file this role reads by default.
    pub fn hazelcast_file_name(self) -> &'static str {
        match self {
            Role::Master => "hazelcast-master.yaml",
            Role::Worker => "hazelcast-worker.yaml",
            Role::Hybrid => "hazelcast.yaml",
        }
    }

    /// The member port of SeaTunnel's shipped file for this role.
    pub fn default_member_port(self) -> u16 {
        match self {
            Role::Worker => WORKER_PORT,
            Role::Master | Role::Hybrid => MASTER_PORT,
        }
    }

    /// SeaTunnel's spelling, as accepted by `-r`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Master => "master",
            Role::Worker => "worker",
            Role::Hybrid => "master_and_worker",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ConfigError;

    /// `master`, `worker`, `master_and_worker` (also `hybrid`), any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "master" => Ok(Role::Master),
            "worker" => Ok(Role::Worker),
            "master_and_worker" | "hybrid" => Ok(Role::Hybrid),
            _ => Err(ConfigError::UnknownRole(s.to_string())),
        }
    }
}

/// The typed configuration of one server process.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    pub role: Role,
    pub engine: EngineConfig,
    pub hazelcast: HazelcastConfig,
}

/// A loaded server configuration with its provenance.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub server: ServerConfig,
    /// Every effective key, its value and where it came from.
    pub origins: Vec<EffectiveKey>,
    /// Unknown keys and settings without effect; already logged with `tracing::warn!`.
    pub warnings: Vec<ConfigWarning>,
    /// Keys set explicitly that this role does not read; already logged at debug level.
    pub ignored: Vec<EffectiveKey>,
    /// The files read, in layer order.
    pub files: Vec<PathBuf>,
}

/// Loads the configuration of a server with `role`.
pub fn load(role: Role, sources: &ConfigSources) -> Result<LoadedConfig, ConfigError> {
    load::load_server(role, sources)
}

/// Loads the client configuration (`hazelcast-client.yaml` plus `seatunnel.yaml` for the
/// metrics print interval).
pub fn load_client(sources: &ConfigSources) -> Result<LoadedClientConfig, ConfigError> {
    load::load_client(sources)
}

/// `seatunnel config check --role R`: loads everything for the role and reports. A master's
/// or worker's member list must also be able to form a cluster ([`check_member_list`]);
/// `elsewhere`: the files are meant for another machine, so which entry names this node is not
/// checked. Blocking: member-list hosts are resolved.
pub fn check(
    role: Role,
    sources: &ConfigSources,
    elsewhere: bool,
) -> Result<CheckReport, ConfigError> {
    let loaded = load(role, sources)?;
    let mut report = CheckReport::new(&loaded);
    for warning in member_list_findings(&loaded, elsewhere)? {
        report.warnings.push(warning);
    }
    Ok(report)
}

/// The member-list rules applied to a loaded master or worker configuration. A hybrid is left
/// out: it is commonly run alone on a developer's machine, where its list does not matter.
fn member_list_findings(
    loaded: &LoadedConfig,
    elsewhere: bool,
) -> Result<Vec<ConfigWarning>, ConfigError> {
    let s = &loaded.server;
    let hz = &s.hazelcast;
    if s.role == Role::Hybrid || !hz.join.tcp_ip_enabled {
        return Ok(Vec::new());
    }
    let at = loaded
        .origins
        .iter()
        .find(|k| k.path == MEMBER_LIST_KEY)
        .map(|k| k.location())
        .unwrap_or_else(|| Location::new(Source::Default, None));
    let entries: Vec<ResolvedEntry> = hz
        .join
        .members
        .iter()
        .map(|m| {
            let candidates: Vec<String> = m
                .candidates(hz.port.port, hz.port.auto_increment, hz.join.port_try_count)
                .iter()
                .map(|t| t.to_string())
                .collect();
            ResolvedEntry {
                entry: m.to_string(),
                ports: candidates
                    .iter()
                    .filter_map(|c| split_candidate(c).map(|(_, p)| p))
                    .collect(),
                ips: resolve_candidates(&candidates).unwrap_or_default(),
            }
        })
        .collect();
    let public_host = hz
        .public_address
        .as_deref()
        .map(|a| split_candidate(a).map_or(a, |(host, _)| host));
    let own = OwnNode {
        role: s.role,
        ports: hz.port.candidates().collect(),
        public_host,
        elsewhere,
    };
    match check_member_list(&entries, &own, &is_local_ip) {
        Ok(warnings) => Ok(warnings
            .into_iter()
            .map(|message| ConfigWarning {
                at: at.clone(),
                message: format!("{MEMBER_LIST_KEY}: {message}"),
                hint: None,
            })
            .collect()),
        Err(MemberListProblem(message)) => Err(ConfigError::MemberList { at, message }),
    }
}

#[cfg(test)]
mod tests;
