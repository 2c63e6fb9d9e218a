//! A worker process (separated cluster mode): serves the `Worker` and `Membership` gRPC services
//! on the member port (5802 by default), heartbeats to the active master, runs the task groups
//! it is given, and serves REST V2 by forwarding job requests to the active master. It holds no
//! cluster state and never takes part in Raft, so it can never become master.
//!
//! Stop order: STOPPING=1 → heartbeats say "stopping" (no new groups come here) → running
//! task groups cancelled (their sinks abort) and their ends reported as "worker stopped", so
//! the active master restarts their pipelines elsewhere → a last heartbeat says "stopped" (the
//! master drops this worker at once) → gRPC and REST drained.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::api::{self, ApiSettings, ApiState, MemberRole, MemberRow, NodeInfo};
use crate::cluster::greet::{GreetService, ROLE_WORKER};
use crate::config::{ConfigSources, LoadedConfig, ReloadPlan, Role};
use crate::connector::Registry;
use crate::coordinator::JobManager;
use crate::raft::proto::Hello;
use crate::telemetry::sd_notify;
use crate::worker::{heartbeat, MasterView, WorkerGrpc, WorkerIdentity, WorkerRuntime};
use tokio_util::sync::CancellationToken;

use super::cluster_view::WorkerCluster;
use super::master::{bind_member_port, member_addresses};
use super::member_port::MemberPortLimits;
use super::server::NodeError;
use super::signals;
use super::{Shutdown, DRAIN_DEADLINE};

/// How often the systemd status line is refreshed.
const STATUS_EVERY: Duration = Duration::from_secs(2);
/// How long a stopping worker keeps reporting so its cancelled groups' ends reach the master.
const FINAL_REPORT_WAIT: Duration = Duration::from_secs(5);

/// Runs a worker until SIGTERM. `sources` are re-read on SIGHUP; `log_dir` is the job log
/// directory `/logs` serves.
pub async fn run(
    loaded: LoadedConfig,
    sources: ConfigSources,
    log_dir: Option<PathBuf>,
) -> Result<(), NodeError> {
    sd_notify::status("starting");
    let mut signal_events = signals::listen().map_err(NodeError::Signals)?;
    let shutdown = Shutdown::new();
    let hz = &loaded.server.hazelcast;
    let cluster = hz.cluster_name.clone();
    let listener = bind_member_port(hz.port.candidates()).await?;
    let member_port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let members = member_addresses(&loaded);
    let address = match &hz.public_address {
        Some(public) => format!("{public}:{member_port}"),
        None => super::server::own_member_entry(&members, member_port)
            .unwrap_or_else(|| format!("{}:{member_port}", super::server::local_host())),
    };
    let host = address
        .rsplit_once(':')
        .map_or(address.clone(), |(h, _)| h.to_string());
    let registry = Arc::new(crate::connectors::registry());
    let mut part = WorkerPart::new(&loaded, address.clone(), &shutdown, registry);

    let rest = serve_rest(
        &loaded,
        &host,
        member_port,
        &part.me,
        &part.view,
        &shutdown,
        log_dir,
    )
    .await?;
    let http_port = rest.as_ref().map(|(p, _)| *p);
    let api_state = rest.map(|(_, state)| state);
    part.serves_rest(http_port.map(|p| format!("{host}:{p}")), api_state.clone());
    let greet_cluster = cluster.clone();
    let greet_address = address.clone();
    let greet_http = http_port.map(|p| format!("{host}:{p}")).unwrap_or_default();
    let greeter = GreetService::new(move |_: &Hello| Hello {
        cluster_name: greet_cluster.clone(),
        role: ROLE_WORKER.into(),
        node_id: 0,
        address: greet_address.clone(),
        version: env!("CARGO_PKG_VERSION").into(),
        raft_initialized: false,
        http_address: greet_http.clone(),
        // A worker has no node id another process could share.
        incarnation: 0,
    });
    // The member port serves only gRPC on a worker; its REST is on the HTTP port.
    let limits = MemberPortLimits::default();
    let router = super::member_port::grpc_server(&limits)
        .add_service(part.grpc(&cluster))
        .add_service(greeter.into_server(&cluster));
    shutdown.tracker().spawn(super::member_port::serve(
        listener,
        router,
        None,
        limits,
        shutdown.token(),
    ));

    // A worker's own entry in the member list would only refuse its heartbeat.
    let masters = members.into_iter().filter(|m| *m != address).collect();
    part.start_heartbeat(masters, &cluster, hz.failure_detector.heartbeat_interval);

    let ready = format!(
        "worker {} ready: member port {member_port}",
        part.me.worker_id
    );
    sd_notify::ready(&ready);
    tracing::info!("{ready}");
    let reload = super::idle::Reload {
        role: Role::Worker,
        sources: &sources,
        current: loaded,
        // Member attributes (tags) apply live, through the REST state the heartbeat reads;
        // slots, ports and members need a restart.
        apply: |next: &LoadedConfig, plan: &ReloadPlan| {
            if let Some(api) = &api_state {
                super::server::apply_tags(api, plan, next);
            }
        },
    };
    super::idle::until_shutdown(&mut signal_events, reload, STATUS_EVERY, || {
        let master = part.view.lock().expect("master view lock").master.clone();
        format!(
            "worker, member port {member_port}, {} task groups running, active master {}",
            part.runtime.running_count(),
            master.as_deref().unwrap_or("unknown")
        )
    })
    .await;
    sd_notify::stopping("stopping: cancelling task groups");
    tracing::info!(
        "shutting down: cancelling task groups, draining within {} s",
        DRAIN_DEADLINE.as_secs()
    );
    part.stop().await;
    shutdown.start();
    shutdown.drain(DRAIN_DEADLINE).await;
    tracing::info!("stopped");
    Ok(())
}

/// The worker side of a process: the task-group runtime, who it is, and its heartbeat to the
/// active master. A worker process is this and REST; a hybrid node adds it to a master, whose
/// member port then serves the `Worker` service too.
pub(super) struct WorkerPart {
    pub runtime: Arc<WorkerRuntime>,
    pub me: WorkerIdentity,
    pub view: Arc<Mutex<MasterView>>,
    beat_token: CancellationToken,
    beats: Option<tokio::task::JoinHandle<()>>,
}

impl WorkerPart {
    /// A worker at member address `address` whose task groups run on `shutdown`'s tracker,
    /// with the plugins of `registry`.
    pub fn new(
        loaded: &LoadedConfig,
        address: String,
        shutdown: &Shutdown,
        registry: Arc<Registry>,
    ) -> WorkerPart {
        let hz = &loaded.server.hazelcast;
        let engine = &loaded.server.engine;
        let fixed = hz.member_attributes.clone();
        let me = WorkerIdentity {
            worker_id: worker_id(&address),
            address,
            http: None,
            tags: Arc::new(move || fixed.clone()),
            dynamic_slot: engine.slot_service.dynamic_slot,
            slot_num: engine.slot_service.slot_num,
        };
        let runtime = WorkerRuntime::new(
            registry,
            shutdown.tracker().clone(),
            shutdown.token().child_token(),
        );
        WorkerPart {
            runtime,
            me,
            view: Arc::new(Mutex::new(MasterView::default())),
            beat_token: CancellationToken::new(),
            beats: None,
        }
    }

    /// The REST address heartbeats announce; `/update-tags` on `api` reaches the master with
    /// the next heartbeat.
    pub fn serves_rest(&mut self, http: Option<String>, api: Option<Arc<ApiState>>) {
        self.me.http = http;
        if let Some(state) = api {
            self.me.tags = Arc::new(move || state.tags());
        }
    }

    /// The `Worker` gRPC service the member port serves.
    pub fn grpc(
        &self,
        cluster: &str,
    ) -> tonic::service::interceptor::InterceptedService<
        crate::raft::proto::worker_server::WorkerServer<WorkerGrpc>,
        crate::raft::service::ClusterCheck,
    > {
        WorkerGrpc::server(self.runtime.clone(), cluster, &self.me.worker_id)
    }

    /// Starts heartbeating to the masters among `members`.
    pub fn start_heartbeat(&mut self, members: Vec<String>, cluster: &str, every: Duration) {
        self.beats = Some(tokio::spawn(heartbeat::run(
            self.runtime.clone(),
            self.me.clone(),
            members,
            cluster.to_string(),
            every,
            self.view.clone(),
            self.beat_token.clone(),
        )));
    }

    /// Cancels the running task groups (they end as "worker stopped", so the active master
    /// restarts their pipelines elsewhere) and reports their ends in a last heartbeat, which
    /// says "stopped" so the master drops this worker at once.
    pub async fn stop(self) {
        self.runtime.stop_all();
        if tokio::time::timeout(FINAL_REPORT_WAIT, self.runtime.all_ended())
            .await
            .is_err()
        {
            tracing::warn!(
                running = self.runtime.running_count(),
                "task groups still running after {} s; stopping anyway",
                FINAL_REPORT_WAIT.as_secs()
            );
        }
        // The heartbeat loop reports once more as it stops, so the ends just recorded reach
        // the active master.
        self.beat_token.cancel();
        if let Some(beats) = self.beats {
            let _ = beats.await;
        }
    }
}

/// New for every process start: a restarted worker is a new worker to the master.
fn worker_id(address: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let salt = (nanos as u64) ^ ((std::process::id() as u64) << 32);
    format!("{address}-{salt:016x}")
}

/// REST V2 on a worker: every job request is forwarded to the active master.
async fn serve_rest(
    loaded: &LoadedConfig,
    host: &str,
    member_port: u16,
    me: &WorkerIdentity,
    view: &Arc<Mutex<MasterView>>,
    shutdown: &Shutdown,
    log_dir: Option<PathBuf>,
) -> Result<Option<(u16, Arc<ApiState>)>, NodeError> {
    let http = &loaded.server.engine.http;
    if !http.enable_http {
        return Ok(None);
    }
    let listener = super::server::bind_rest(http).await?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(http.port);
    let node = NodeInfo {
        host: host.to_string(),
        port: member_port,
        http_port: port,
        is_master: false,
        is_worker: true,
    };
    let settings = ApiSettings {
        log_dir,
        ..ApiSettings::from_http(http, node, (me.tags)())?
    };
    let cluster = Arc::new(WorkerCluster {
        view: view.clone(),
        me: MemberRow {
            id: me.worker_id.clone(),
            address: me.address.clone(),
            role: MemberRole::Worker,
            version: env!("CARGO_PKG_VERSION").into(),
            raft_term: None,
            raft_state: None,
        },
    });
    // A worker's own job manager never runs a job: every job request is forwarded first. It
    // exists because the API's non-job endpoints (health, logs) read through it.
    let jobs = JobManager::forward_only(Arc::new(crate::connectors::registry()), shutdown.token());
    let state = ApiState::with_members(jobs, settings, cluster.clone());
    state.set_active_master(cluster);
    shutdown
        .tracker()
        .spawn(api::serve(listener, state.clone(), shutdown.token()));
    tracing::info!(
        port,
        "REST V2 on port {port} (job requests go to the active master)"
    );
    Ok(Some((port, state)))
}
