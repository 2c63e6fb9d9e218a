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

use super::signals::{self, SignalEvent};
use super::{Shutdown, DRAIN_DEADLINE};

/// Address the REST listener binds: every interface, as SeaTunnel's Jetty does.
const HTTP_BIND_HOST: &str = "0.0.0.0";
/// Node id mixed into generated job ids; a single hybrid node is node 0 until the cluster
/// assigns ids.
const HYBRID_NODE_ID: u16 = 0;

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("cannot bind the REST port {port}: {source}; free the port or set seatunnel.engine.http.port")]
    Bind { port: u16, source: std::io::Error },
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
    Raft(#[from] crate::raft::RaftStartError),
    #[error("{0}")]
    Detector(crate::cluster::failure_detector::DetectorSettingsError),
}

/// What a running node can change without a restart.
struct Live {
    jobs: JobManager,
    api: Option<Arc<ApiState>>,
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
    let mut live = Live {
        jobs: jobs.clone(),
        api: None,
    };
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
        live.api = Some(state.clone());
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

    // An interval, not a sleep inside the select: other branches firing must not postpone pings.
    let mut watchdog = sd_notify::watchdog_period()
        .map(|p| tokio::time::interval(p.max(Duration::from_millis(10))));
    let mut status_tick = tokio::time::interval(
        engine
            .print_execution_info_interval
            .max(Duration::from_secs(1)),
    );
    let mut current = loaded;
    loop {
        tokio::select! {
            event = signal_events.recv() => match event {
                Some(SignalEvent::Reload) => current = reload(role, &sources, current, &live),
                Some(SignalEvent::Shutdown) | None => break,
            },
            _ = async { watchdog.as_mut().expect("guarded").tick().await }, if watchdog.is_some() => {
                // Pinged from the node's own event loop: if this loop stalls, systemd notices.
                sd_notify::watchdog();
            }
            _ = status_tick.tick() => {
                let counts = jobs.counts();
                let status = format!("{ready}; {} running, {} finished, {} failed", counts.running, counts.finished, counts.failed);
                sd_notify::status(&status);
            }
        }
    }
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

/// The hybrid node's reload: coordinator settings and member attributes apply live.
fn reload(role: Role, sources: &ConfigSources, current: LoadedConfig, live: &Live) -> LoadedConfig {
    reread(role, sources, current, |next, plan| {
        live.jobs.apply_settings(CoordinatorSettings::from_engine(
            &next.server.engine,
            HYBRID_NODE_ID,
        ));
        if let Some(api) = &live.api {
            apply_tags(api, plan, next);
        }
    })
}

/// SIGHUP for every role: re-reads and validates the configuration. A bad file keeps the
/// running config (and says so); otherwise `apply` puts the new one in force, then the plan is
/// logged: live keys applied, keys that need a restart kept at their old value.
pub(super) fn reread(
    role: Role,
    sources: &ConfigSources,
    current: LoadedConfig,
    apply: impl FnOnce(&LoadedConfig, &config::ReloadPlan),
) -> LoadedConfig {
    sd_notify::reloading();
    let next = match config::load(role, sources) {
        Err(e) => {
            tracing::error!("config reload failed, keeping the running configuration: {e}");
            sd_notify::ready("reload failed; running with the previous configuration");
            return current;
        }
        Ok(next) => next,
    };
    let plan = config::plan_reload(&current, &next);
    if plan.is_empty() {
        tracing::info!("config reloaded: nothing changed");
    }
    apply(&next, &plan);
    for change in &plan.live {
        tracing::info!("config reloaded: applied {change}");
    }
    for change in &plan.restart {
        tracing::warn!("config reloaded: {change} needs a restart to take effect");
    }
    for change in &plan.no_effect {
        tracing::info!("config reloaded: {change} has no effect on this role");
    }
    sd_notify::ready("configuration reloaded");
    next
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
    .map_err(|source| NodeError::Bind {
        port: http.port,
        source,
    })
}

/// This machine's host name, the address other members and clients are told.
pub(super) fn local_host() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".to_string())
}
