//! A server process: starts its subsystems in order, tells systemd when it is ready, reloads on
//! SIGHUP, and on SIGTERM stops in reverse order within the drain deadline.
//!
//! Start order: coordinator (job table, history sweep) → REST listener bound → REST served →
//! READY=1. READY means "listeners bound and local state loaded", never "cluster formed".
//! Stop order: STOPPING=1 → refuse new work and cancel jobs (coordinator) → REST drains → exit 0.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::api::{self, ApiSettings, ApiState, NodeInfo};
use crate::config::{self, ConfigSources, LoadedConfig, Role};
use crate::coordinator::{CoordinatorSettings, JobManager};
use crate::telemetry::sd_notify;

use super::signals;
use super::{Shutdown, DRAIN_DEADLINE};

/// Address the REST listener binds: every interface, as SeaTunnel's Jetty does.
const HTTP_BIND_HOST: &str = "0.0.0.0";
/// Node id mixed into generated job ids; a single hybrid node is node 0 until the cluster
/// assigns ids.
const HYBRID_NODE_ID: u16 = 0;

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
    let name = match role {
        Role::Master => {
            let dir = super::master::data_dir(data_dir.as_deref(), "master");
            return super::master::run(loaded, sources, dir, log_dir).await;
        }
        Role::Worker => return super::worker::run(loaded, sources, log_dir).await,
        Role::Hybrid => "hybrid",
    };
    sd_notify::status("starting");
    let mut signal_events = signals::listen().map_err(NodeError::Signals)?;
    let shutdown = Shutdown::new();
    let engine = &loaded.server.engine;
    let jobs = JobManager::new(
        Arc::new(crate::connectors::registry()),
        CoordinatorSettings::from_engine(engine, HYBRID_NODE_ID),
        shutdown.token(),
    );
    let mut api_state = None;
    let mut http_port = None;
    if engine.http.enable_http {
        let http = &engine.http;
        let listener = bind_rest(http).await?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(http.port);
        let node = NodeInfo {
            host: local_host(),
            port,
            http_port: port,
            is_master: true,
            is_worker: true,
        };
        let settings = ApiSettings {
            log_dir: log_dir.clone(),
            ..ApiSettings::from_http(http, node, tags(&loaded))?
        };
        let state = ApiState::new(jobs.clone(), settings);
        api_state = Some(state.clone());
        let token = shutdown.token();
        shutdown.tracker().spawn(api::serve(listener, state, token));
        http_port = Some(port);
    } else {
        tracing::info!("REST service disabled (seatunnel.engine.http.enable-http is false)");
    }
    let ready = match http_port {
        Some(p) => format!("{name} node ready: REST on port {p}"),
        None => format!("{name} node ready: REST disabled"),
    };
    sd_notify::ready(&ready);
    tracing::info!("{ready}");

    let status_every = engine
        .print_execution_info_interval
        .max(Duration::from_secs(1));
    let reload = super::idle::Reload {
        role,
        sources: &sources,
        current: loaded,
        // Coordinator settings and member attributes apply live.
        apply: |next: &LoadedConfig, plan: &config::ReloadPlan| {
            jobs.apply_settings(CoordinatorSettings::from_engine(
                &next.server.engine,
                HYBRID_NODE_ID,
            ));
            if let Some(api) = &api_state {
                apply_tags(api, plan, next);
            }
        },
    };
    super::idle::until_shutdown(&mut signal_events, reload, status_every, || {
        let counts = jobs.counts();
        format!(
            "{ready}; {} running, {} finished, {} failed",
            counts.running, counts.finished, counts.failed
        )
    })
    .await;
    stop(&shutdown, &jobs).await;
    Ok(())
}

async fn stop(shutdown: &Shutdown, jobs: &JobManager) {
    sd_notify::stopping("stopping: cancelling jobs and draining connections");
    tracing::info!(
        "shutting down: cancelling running jobs, draining within {} s",
        DRAIN_DEADLINE.as_secs()
    );
    let extender = CancellationToken::new();
    let guard = extender.clone();
    // Keep systemd's stop timeout from firing while the drain makes progress.
    tokio::spawn(async move {
        loop {
            sd_notify::extend_timeout(sd_notify::EXTEND_TIMEOUT);
            tokio::select! {
                _ = tokio::time::sleep(sd_notify::EXTEND_EVERY) => {}
                _ = guard.cancelled() => return,
            }
        }
    });
    jobs.shutdown(DRAIN_DEADLINE).await;
    shutdown.start();
    shutdown.drain(DRAIN_DEADLINE).await;
    extender.cancel();
    tracing::info!("stopped");
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
