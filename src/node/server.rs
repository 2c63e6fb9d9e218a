//! A server process by role: a master, a worker, or a hybrid node (a master that is also a
//! worker, see [`MasterKind::Hybrid`]); and what every role shares (the REST bind, the
//! process's own member-list entry, tags).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::api::{self, ApiState};
use crate::config::{self, ConfigSources, LoadedConfig, Role};

use super::master::MasterKind;

/// Address the REST listener binds: every interface, as SeaTunnel's Jetty does.
const HTTP_BIND_HOST: &str = "0.0.0.0";

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The REST listener could not bind; `api::bind` already names the address and what to do.
    #[error("{0}")]
    Bind(std::io::Error),
    #[error(transparent)]
    Api(#[from] api::ApiConfigError),
    #[error("cannot listen for signals: {0}")]
    Signals(std::io::Error),
    #[error("cannot create the data dir {dir}: {source}; create it for the service user or pass --data-dir")]
    DataDir {
        dir: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot bind the member port {port}: {source}; free the port or set hazelcast.network.port.port")]
    MemberPort { port: u16, source: std::io::Error },
    #[error(transparent)]
    Identity(#[from] crate::cluster::identity::IdentityError),
    #[error(transparent)]
    Formation(#[from] super::formation::AcceptorError),
    #[error(transparent)]
    Raft(#[from] crate::raft::RaftStartError),
    /// A master's Raft core stopped while it ran; the text says why and what to do.
    #[error(transparent)]
    RaftStopped(crate::raft::RaftStopped),
    /// Another live master runs with this master's node id: its data dir was copied.
    #[error("the master at {other} runs as node {node_id} from the same data dir contents as {}: this data dir is a copy and two processes would share one vote; start this master with an empty data dir (it joins as a new master) or stop the master at {other}", dir.display())]
    NodeIdInUse {
        node_id: crate::raft::NodeId,
        dir: std::path::PathBuf,
        other: String,
    },
    #[error("{0}")]
    Detector(crate::cluster::failure_detector::DetectorSettingsError),
}

/// Runs a node until SIGTERM. `log_dir` is the job log directory (`--log-dir`,
/// `LogsDirectory=`) that `/logs` serves; the telemetry layer writing it is set up before.
pub async fn run(
    role: Role,
    loaded: LoadedConfig,
    sources: ConfigSources,
    data_dir: Option<PathBuf>,
    log_dir: Option<PathBuf>,
) -> Result<(), NodeError> {
    match super::signals::raise_nofile_limit() {
        Ok(limit) => tracing::debug!(limit, "open file limit raised"),
        Err(e) => tracing::warn!("cannot raise the open file limit: {e}"),
    }
    match &log_dir {
        Some(dir) => tracing::info!(dir = %dir.display(), "job logs are written to job-<jobId>.log in {}", dir.display()),
        None => tracing::info!("no job log directory: /logs lists nothing; set --log-dir or LogsDirectory= for per-job files"),
    }
    match role {
        Role::Master => {
            let dir = super::master::data_dir(data_dir.as_deref(), "master");
            super::master::run(loaded, sources, dir, log_dir, MasterKind::Master).await
        }
        Role::Worker => super::worker::run(loaded, sources, log_dir).await,
        Role::Hybrid => {
            // Held to the end of the run: a temporary data dir is removed when it drops.
            let (dir, _temporary) = hybrid_data_dir(data_dir)?;
            super::master::run(loaded, sources, dir, log_dir, MasterKind::Hybrid).await
        }
    }
}

/// A hybrid node's data dir: `--data-dir` or systemd's `$STATE_DIRECTORY` when given, so jobs,
/// checkpoints and history survive a restart and running jobs resume; otherwise a temporary
/// directory removed at exit, as SeaTunnel's hybrid node keeps its maps in memory unless a
/// map-store is configured. Two hybrid nodes started by hand never share one by accident.
fn hybrid_data_dir(
    flag: Option<PathBuf>,
) -> Result<(PathBuf, Option<tempfile::TempDir>), NodeError> {
    let state = std::env::var_os("STATE_DIRECTORY").filter(|d| !d.is_empty());
    if flag.is_some() || state.is_some() {
        return Ok((super::master::data_dir(flag.as_deref(), "hybrid"), None));
    }
    let temporary = tempfile::Builder::new()
        .prefix("seatunnel-hybrid-")
        .tempdir()
        .map_err(|source| NodeError::DataDir {
            dir: std::env::temp_dir(),
            source,
        })?;
    tracing::info!(
        data_dir = %temporary.path().display(),
        "no data dir given: jobs, checkpoints and history are kept in {} and removed at exit; pass --data-dir to keep them across restarts (running jobs then resume)",
        temporary.path().display()
    );
    Ok((temporary.path().to_path_buf(), Some(temporary)))
}

/// Member attributes changed by a reload become the node's tags at once.
pub(super) fn apply_tags(api: &ApiState, plan: &config::ReloadPlan, next: &LoadedConfig) {
    if plan
        .live
        .iter()
        .any(|c| c.path.starts_with("hazelcast.member-attributes"))
    {
        api.set_tags(tags(next));
    }
}

fn tags(loaded: &LoadedConfig) -> BTreeMap<String, String> {
    loaded.server.hazelcast.member_attributes.clone()
}

/// Binds the REST listener of `seatunnel.engine.http` (every role uses the same rules).
pub(super) async fn bind_rest(
    http: &crate::config::HttpConfig,
) -> Result<tokio::net::TcpListener, NodeError> {
    api::bind(
        HTTP_BIND_HOST,
        http.port,
        http.enable_dynamic_port,
        http.port_range,
    )
    .await
    .map_err(NodeError::Bind)
}

/// This machine's host name, the address other members and clients are told.
pub(super) fn local_host() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".to_string())
}

/// The member-list entry that names this node: same port, and a host that is an address of
/// this machine. Other members then reach the node, and are told its REST address, at the
/// address the operator wrote down, not at a hostname they may not resolve.
pub(super) fn own_member_entry(members: &[String], port: u16) -> Option<String> {
    members.iter().find_map(|m| {
        let (host, p) = m.rsplit_once(':')?;
        if p.parse::<u16>().ok()? != port {
            return None;
        }
        let ip: std::net::IpAddr = std::net::ToSocketAddrs::to_socket_addrs(&(host, 0))
            .ok()?
            .next()?
            .ip();
        crate::config::is_local_ip(ip).then(|| m.clone())
    })
}

#[cfg(test)]
mod own_entry_tests {
    use super::own_member_entry;

    #[test]
    fn the_entry_with_this_nodes_port_and_a_local_address_names_it() {
        // 192.0.2.0/24 is TEST-NET-1: never an address of this machine.
        let members = ["192.0.2.7:5801", "127.0.0.1:5802", "127.0.0.1:5801"].map(String::from);
        assert_eq!(
            own_member_entry(&members, 5801).as_deref(),
            Some("127.0.0.1:5801")
        );
        assert_eq!(
            own_member_entry(&members, 5803),
            None,
            "no entry with this port"
        );
        assert_eq!(
            own_member_entry(&members[..1], 5801),
            None,
            "not an address here"
        );
    }
}
