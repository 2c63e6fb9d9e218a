//! A master process (separated cluster mode): Raft over the member port, the group formed from
//! the member list, readiness and status for systemd.
//!
//! Start order: data dir and node id → member port bound → Raft opened from disk (no load step)
//! → gRPC served → READY=1 → the group is formed or joined in the background. Stop order:
//! STOPPING=1 → Raft shut down (a follower takes over within an election timeout) → gRPC drained.

use std::path::{Path, PathBuf};
use std::time::Duration;

use openraft::async_runtime::WatchReceiver;
use openraft::ServerState;
use tokio::net::TcpListener;

use std::sync::Arc;

use crate::api::{self, ApiSettings, ApiState, NodeInfo, Routes};
use crate::cluster::failure_detector::{ConnectionMonitorSettings, DetectorSettings};
use crate::cluster::greet::{GreetService, ROLE_MASTER};
use crate::cluster::identity;
use crate::config::{ConfigSources, InitialLoadMode, LoadedConfig, ReloadPlan, Role};
use crate::connector::Registry;
use crate::coordinator::cluster::{
    ClusterContext, ClusterRunner, CoordinatorGrpc, RaftJobStore, WorkerRegistry,
};
use crate::coordinator::{CoordinatorSettings, JobManager};
use crate::raft::proto::Hello;
use crate::raft::{MasterRaft, NodeId, RaftGrpc, RaftTimings};
use crate::telemetry::rate_limit::LogLimiter;
use crate::telemetry::sd_notify;

use super::cluster_view::{self, MasterCluster};
use super::formation::{self, AcceptorStore, FormationGrpc};
use super::member_port::MemberPortLimits;
use super::membership::MemberList;
use super::server::NodeError;
use super::signals;
use super::worker::WorkerPart;
use super::{Shutdown, DRAIN_DEADLINE};

/// Interface the member port binds: every interface, as Hazelcast does.
const MEMBER_BIND_HOST: &str = "0.0.0.0";
/// Interface an embedded node's member port binds: loopback only, as nothing outside this
/// process should reach it.
const EMBEDDED_BIND_HOST: &str = "127.0.0.1";
/// How long one greeting may take: a live member on a LAN answers in milliseconds.
const GREET_TIMEOUT: Duration = Duration::from_secs(2);
/// How often a master greets the masters whose REST address it does not know yet.
const LEARN_REST_EVERY: Duration = Duration::from_secs(5);
/// How often the systemd status line is refreshed.
const STATUS_EVERY: Duration = Duration::from_secs(2);
/// How often a master says that another process greets it with its own node id: the trouble
/// lasts until an operator acts, and each of the other process's greetings would repeat it.
const TWIN_LOG_EVERY: Duration = Duration::from_secs(10);

/// The data dir: `--data-dir`, else systemd's `$STATE_DIRECTORY`, else the packaged default.
pub fn data_dir(flag: Option<&Path>, role: &str) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os("STATE_DIRECTORY").filter(|d| !d.is_empty()) {
        // systemd may pass several, colon-separated; the unit names one.
        let first = dir
            .to_string_lossy()
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
        return PathBuf::from(first);
    }
    PathBuf::from("/var/lib/seatunnel").join(role)
}

/// What a master process also is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterKind {
    /// A master only (separated cluster mode): task groups run on worker processes.
    Master,
    /// A hybrid node (SeaTunnel's `master_and_worker`): a master that is also a worker. Its
    /// member port serves the `Worker` service next to Raft, and its worker part heartbeats to
    /// the active master like any worker, so one driver runs every job, with the same
    /// checkpoints, restarts, savepoints and takeovers as a separated cluster.
    Hybrid,
}

/// Where a master listens and whom it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// As configured: the member port on every interface, the configured member list, REST
    /// when `http.enable-http`. Every server process.
    Configured,
    /// An ephemeral loopback port, a member list naming only itself, no REST: an embedded node
    /// (`seatunnel run`) that no other process finds or joins, and that never collides with a
    /// service running on the same machine.
    Embedded,
}

/// Runs a master until SIGTERM. `sources` are re-read on SIGHUP; `log_dir` is the job log
/// directory `/logs` serves.
pub async fn run(
    loaded: LoadedConfig,
    sources: ConfigSources,
    dir: PathBuf,
    log_dir: Option<PathBuf>,
    kind: MasterKind,
) -> Result<(), NodeError> {
    sd_notify::status("starting");
    let mut signal_events = signals::listen().map_err(NodeError::Signals)?;
    let registry = Arc::new(crate::connectors::registry());
    let master = start(
        loaded.clone(),
        dir,
        log_dir,
        kind,
        Placement::Configured,
        registry,
    )
    .await?;
    let eager = loaded
        .server
        .hazelcast
        .map_store
        .as_ref()
        .is_some_and(|m| m.initial_mode == InitialLoadMode::Eager);
    if eager {
        sd_notify::status("starting: applying the raft log (map-store initial-mode EAGER)");
        tokio::select! {
            _ = wait_applied(&master.raft) => {}
            event = signal_events.recv() => {
                tracing::info!("stopped before ready ({event:?})");
                master.stop(StopCause::Asked).await;
                return Ok(());
            }
        }
    }
    let what = match kind {
        MasterKind::Master => "master",
        MasterKind::Hybrid => "hybrid node",
    };
    let ready = format!(
        "{what} {} ready: member port {}",
        master.node_id, master.member_port
    );
    sd_notify::ready(&ready);
    tracing::info!("{ready}");
    let reload = super::idle::Reload {
        role: match kind {
            MasterKind::Master => Role::Master,
            MasterKind::Hybrid => Role::Hybrid,
        },
        sources: &sources,
        current: loaded,
        // Coordinator settings (print intervals, history expiry, checkpoint defaults for new
        // jobs, strategies) and member attributes apply live; ports, members and storage need
        // a restart.
        apply: |next: &LoadedConfig, plan: &ReloadPlan| {
            master.jobs.apply_settings(CoordinatorSettings::from_engine(
                &next.server.engine,
                master.node_id as u16,
            ));
            super::server::apply_tags(&master.api_state, plan, next);
        },
    };
    let idle = super::idle::until_shutdown(&mut signal_events, reload, STATUS_EVERY, || {
        master.status_line()
    });
    // A master whose Raft core stopped on its own (a full or failing disk) can never take part
    // in the group again: it leaves through the shutdown tree and exits non-zero, so the
    // service manager restarts it once the disk is fixed, instead of living on as a zombie
    // that says UP.
    let stopped = tokio::select! {
        _ = idle => None,
        stopped = master.raft.stopped() => Some(stopped),
    };
    if let Some(stopped) = stopped {
        sd_notify::stopping("stopping: raft stopped");
        master.stop(StopCause::RaftStopped).await;
        return Err(NodeError::RaftStopped(stopped));
    }
    sd_notify::stopping("stopping: leaving the raft group");
    master.stop(StopCause::Asked).await;
    tracing::info!("stopped");
    Ok(())
}

/// Why a started master stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopCause {
    /// SIGTERM, or its owner is done with it (an embedded node).
    Asked,
    /// Its Raft core stopped on its own; there is nothing left to shut down there.
    RaftStopped,
}

/// A master started and serving, until [`StartedMaster::stop`]. Dropping it without a stop
/// leaves its tasks to the runtime's end.
pub struct StartedMaster {
    pub jobs: JobManager,
    raft: MasterRaft,
    worker: Option<WorkerPart>,
    workers: Arc<WorkerRegistry>,
    api_state: Arc<ApiState>,
    shutdown: Shutdown,
    node_id: NodeId,
    member_port: u16,
}

impl StartedMaster {
    /// Stops the master: its drivers step down (jobs keep running on the workers, for the next
    /// active master to take over), a hybrid node's own task groups stop and end as "worker
    /// stopped" (a pipeline restarts on the other workers, or resumes from its last checkpoint
    /// when the node comes back with the same data dir), Raft shuts down (a follower takes over
    /// within an election timeout), and every task drains within [`DRAIN_DEADLINE`].
    pub async fn stop(self, cause: StopCause) {
        self.jobs.step_down();
        if let Some(w) = self.worker {
            w.stop().await;
        }
        if cause == StopCause::Asked {
            tracing::info!(
                "shutting down: stopping raft, draining within {} s",
                DRAIN_DEADLINE.as_secs()
            );
        }
        // After the core stopped on its own, this only joins it.
        if let Err(e) = self.raft.raft.shutdown().await {
            if cause == StopCause::Asked {
                tracing::warn!("raft did not stop cleanly: {e}");
            }
        }
        self.shutdown.start();
        self.shutdown.drain(DRAIN_DEADLINE).await;
    }

    /// Waits until this master can run a job at once: it leads with a fresh lease and, as a
    /// hybrid node, its own worker part is live in its registry. Wakes on every Raft metrics
    /// change and every heartbeat; past `deadline`, says what is still missing.
    pub async fn until_serving(&self, deadline: Duration) -> Result<(), &'static str> {
        let until = tokio::time::Instant::now() + deadline;
        let mut metrics = self.raft.raft.metrics();
        loop {
            // Marks the current metrics seen before the check, so no change is missed.
            let _ = metrics.borrow_watched();
            let Some(missing) = self.not_serving() else {
                return Ok(());
            };
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return Err(missing);
            }
            tokio::select! {
                changed = metrics.changed() => if changed.is_err() { return Err(missing) },
                _ = self.workers.next_beat(left) => {}
            }
        }
    }

    fn not_serving(&self) -> Option<&'static str> {
        if self.raft.lease_token().is_none() {
            return Some("not leading its group yet");
        }
        if self.worker.is_some() && self.workers.live().is_empty() {
            return Some("its own worker has not registered yet");
        }
        None
    }

    /// The systemd status line: Raft role and term, live workers, groups running here.
    fn status_line(&self) -> String {
        let groups = self
            .worker
            .as_ref()
            .map(|w| format!(", {} task groups running here", w.runtime.running_count()))
            .unwrap_or_default();
        format!(
            "{}, {} workers{groups}",
            status_line(&self.raft, self.member_port),
            self.workers.live().len()
        )
    }
}

/// Starts a master from `loaded` with its state in `dir`: node id, member port, Raft opened
/// from disk, the job manager, REST, the member port's services, formation and membership in
/// the background. Returns once it serves; readiness (an EAGER map-store's catch-up) is the
/// caller's to wait for.
pub async fn start(
    mut loaded: LoadedConfig,
    dir: PathBuf,
    log_dir: Option<PathBuf>,
    kind: MasterKind,
    placement: Placement,
    registry: Arc<Registry>,
) -> Result<StartedMaster, NodeError> {
    let shutdown = Shutdown::new();
    std::fs::create_dir_all(&dir).map_err(|source| NodeError::DataDir {
        dir: dir.clone(),
        source,
    })?;
    let node_id = identity::load_or_create(&dir)?;
    let acceptor = AcceptorStore::load(dir.clone())?;
    let me = identity::Claim {
        node_id,
        incarnation: identity::incarnation(),
    };
    let listener = match placement {
        Placement::Configured => {
            bind_member_port(loaded.server.hazelcast.port.candidates()).await?
        }
        Placement::Embedded => bind_embedded().await?,
    };
    let member_port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    if placement == Placement::Embedded {
        embed(&mut loaded, member_port);
    }
    let hz = &loaded.server.hazelcast;
    let cluster = hz.cluster_name.clone();
    let host = match &hz.public_address {
        Some(public) => public.clone(),
        None => super::server::own_member_entry(&member_addresses(&loaded), member_port)
            .and_then(|entry| entry.rsplit_once(':').map(|(h, _)| h.to_string()))
            .unwrap_or_else(super::server::local_host),
    };
    let advertised = format!("{host}:{member_port}");
    // Before Raft starts: a copy of a live master's data dir must not cast that master's vote.
    if let Some(other) = live_twin(&loaded, me, &advertised, member_port).await {
        return Err(NodeError::NodeIdInUse {
            node_id,
            dir: dir.clone(),
            other,
        });
    }
    let mut worker = (kind == MasterKind::Hybrid)
        .then(|| WorkerPart::new(&loaded, advertised.clone(), &shutdown, registry.clone()));
    let raft =
        MasterRaft::open(node_id, &dir.join("raft"), &cluster, RaftTimings::default()).await?;
    tracing::info!(node_id, incarnation = me.incarnation, data_dir = %dir.display(), "master raft opened");

    let engine = &loaded.server.engine;
    let storage = &engine.checkpoint.storage;
    // SeaTunnel writes checkpoints to a file system every master must reach; here they are
    // entries of the masters' replicated store, so that block only keeps `max-retained`.
    tracing::info!(
        "checkpoint.storage (type {:?}, storage.type {}, namespace {}) is accepted: checkpoint state is kept in the masters' replicated store, {} per pipeline (max-retained)",
        storage.storage_type,
        storage.plugin_storage_type(),
        storage.namespace(),
        storage.max_retained
    );
    let detector = DetectorSettings::try_from(&hz.failure_detector).map_err(NodeError::Detector)?;
    let connection =
        ConnectionMonitorSettings::from_properties(&hz.properties).map_err(NodeError::Detector)?;
    let workers = Arc::new(WorkerRegistry::new(detector, connection, &cluster));
    let store = RaftJobStore::new(raft.clone());
    let ctx = Arc::new(ClusterContext {
        cluster: cluster.clone(),
        raft: raft.clone(),
        store: store.clone(),
        workers: workers.clone(),
        strategy: engine.slot_service.slot_allocate_strategy,
        schedule: engine.job_schedule_strategy,
        takeover_worker_wait: engine.takeover_worker_wait,
        in_flight: Default::default(),
    });
    let jobs = JobManager::with_store(
        Arc::new(store),
        Arc::new(ClusterRunner::new(ctx.clone())),
        registry,
        // The low 16 bits of the Raft id keep job ids of two masters apart.
        CoordinatorSettings::from_engine(engine, node_id as u16),
        shutdown.token(),
    );
    let view = Arc::new(MasterCluster::new(
        raft.clone(),
        cluster.clone(),
        workers.clone(),
        crate::api::router::normalize_context_path(&engine.http.context_path),
    ));
    let learner = view.clone();
    let learn_token = shutdown.token();
    shutdown.tracker().spawn(async move {
        let mut tick = tokio::time::interval(LEARN_REST_EVERY);
        loop {
            tokio::select! {
                _ = learn_token.cancelled() => return,
                _ = tick.tick() => learner.learn_rest_addresses().await,
            }
        }
    });
    let (http_address, api_state) = serve_rest(
        &loaded,
        &host,
        member_port,
        &jobs,
        &view,
        &shutdown,
        log_dir,
        worker.is_some(),
    )
    .await?;
    if let Some(w) = worker.as_mut() {
        w.serves_rest(http_address.clone(), Some(api_state.clone()));
    }
    // The member port answers HTTP/1 too: REST V2 for `seatunnel.sh`, whose
    // hazelcast-client.yaml lists member ports (5801), and V1 where SeaTunnel ships it. An
    // embedded node serves no REST at all: no other local user may submit jobs to it.
    let member_rest = (placement == Placement::Configured).then(|| {
        let v1 = Routes::member_port(&hz.rest_api).is_some();
        tracing::info!(
            port = member_port,
            v1,
            "REST V2{} on the member port {member_port} for clients",
            if v1 {
                " and V1 (/hazelcast/rest/maps)"
            } else {
                ""
            }
        );
        let routes = Routes {
            v1,
            ..Routes::v2(&engine.http.context_path)
        };
        (api_state.clone(), routes)
    });
    let hello_raft = raft.clone();
    let greeter_cluster = cluster.clone();
    let greet_http = http_address.clone().unwrap_or_default();
    let twin_log = std::sync::Mutex::new(LogLimiter::new(TWIN_LOG_EVERY));
    let greeter = GreetService::new(move |from: &Hello| {
        warn_twin(me, from, &twin_log);
        Hello {
            cluster_name: greeter_cluster.clone(),
            role: ROLE_MASTER.into(),
            node_id,
            address: advertised.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            raft_initialized: hello_raft.is_formed(),
            http_address: greet_http.clone(),
            incarnation: me.incarnation,
        }
    });
    let grpc = RaftGrpc::new(raft.raft.clone(), node_id);
    let token = shutdown.token();
    let limits = MemberPortLimits::default();
    let router = super::member_port::grpc_server(&limits)
        .add_service(grpc.into_server(&cluster))
        .add_service(greeter.into_server(&cluster))
        .add_service(FormationGrpc::server(
            acceptor.clone(),
            raft.clone(),
            &cluster,
        ))
        .add_service(CoordinatorGrpc::server(ctx.clone(), http_address.clone()))
        .add_optional_service(worker.as_ref().map(|w| w.grpc(&cluster)));
    shutdown.tracker().spawn(cluster_view::follow_leadership(
        raft.clone(),
        jobs.clone(),
        worker.as_ref().map(|w| w.runtime.clone()),
    ));
    shutdown.tracker().spawn(super::member_port::serve(
        listener,
        router,
        member_rest,
        limits,
        token,
    ));

    if let Some(w) = worker.as_mut() {
        // Its own entry included: this master may be the active one.
        w.start_heartbeat(
            member_addresses(&loaded),
            &cluster,
            hz.failure_detector.heartbeat_interval,
        );
    }
    let members = MemberList::new(member_targets(&loaded)).shared();
    let tolerate = loaded.server.engine.backup_count as usize;
    let former = raft.clone();
    let form_cluster = cluster.clone();
    let form_members = members.clone();
    let form_token = shutdown.token();
    shutdown.tracker().spawn(async move {
        tokio::select! {
            _ = formation::form(former, form_cluster, form_members, acceptor, tolerate) => {}
            _ = form_token.cancelled() => {}
        }
    });
    // After formation, the active master brings late and replaced masters into the group.
    shutdown.tracker().spawn(super::membership::keep(
        raft.clone(),
        cluster.clone(),
        members,
        tolerate,
        shutdown.token(),
    ));

    Ok(StartedMaster {
        jobs,
        raft,
        worker,
        workers,
        api_state,
        shutdown,
        node_id,
        member_port,
    })
}

/// Binds an embedded node's member port: any free port on loopback.
async fn bind_embedded() -> Result<TcpListener, NodeError> {
    TcpListener::bind((EMBEDDED_BIND_HOST, 0))
        .await
        .map_err(|source| NodeError::MemberPort { port: 0, source })
}

/// Makes `loaded` describe an embedded node on loopback port `port`: it lists and advertises
/// only itself and serves no REST listener of its own.
fn embed(loaded: &mut LoadedConfig, port: u16) {
    let hz = &mut loaded.server.hazelcast;
    hz.public_address = Some(EMBEDDED_BIND_HOST.to_string());
    hz.port = crate::config::PortConfig {
        port,
        auto_increment: false,
        port_count: 1,
    };
    hz.join.members =
        vec![
            crate::config::MemberAddress::parse(&format!("{EMBEDDED_BIND_HOST}:{port}"))
                .expect("a loopback address with a port parses"),
        ];
    hz.join.kubernetes = None;
    // A name no other process knows: its gRPC services answer only callers that name it.
    hz.cluster_name = format!("seatunnel-local-{:016x}", identity::incarnation());
    // No REST listener of its own, so none of the REST keys of a shared seatunnel.yaml
    // (HTTPS key stores, basic auth) may stop a local run.
    let http = &mut loaded.server.engine.http;
    http.enable_http = false;
    http.enable_https = false;
    http.enable_basic_auth = false;
    // One member, by design: no failover to ask for, none to warn about.
    loaded.server.engine.backup_count = 0;
}

/// The API state every REST listener of this master shares; REST V2 is bound and served when
/// `http.enable-http`. Job requests that reach a standby master are forwarded to the active
/// one. Returns the REST address other members are told (if any) and the state.
#[allow(clippy::too_many_arguments)]
async fn serve_rest(
    loaded: &LoadedConfig,
    host: &str,
    member_port: u16,
    jobs: &JobManager,
    view: &Arc<MasterCluster>,
    shutdown: &Shutdown,
    log_dir: Option<PathBuf>,
    is_worker: bool,
) -> Result<(Option<String>, Arc<ApiState>), NodeError> {
    let http = &loaded.server.engine.http;
    let node = |http_port| NodeInfo {
        host: host.to_string(),
        port: member_port,
        http_port,
        is_master: true,
        is_worker,
    };
    let state = |http_port| -> Result<Arc<ApiState>, NodeError> {
        let settings = ApiSettings {
            log_dir: log_dir.clone(),
            ..ApiSettings::from_http(
                http,
                node(http_port),
                loaded.server.hazelcast.member_attributes.clone(),
            )?
        };
        let state = ApiState::with_members(jobs.clone(), settings, view.clone());
        state.set_active_master(view.clone());
        Ok(state)
    };
    if !http.enable_http {
        tracing::info!("REST service disabled (seatunnel.engine.http.enable-http is false)");
        return Ok((None, state(http.port)?));
    }
    let listener = super::server::bind_rest(http).await?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(http.port);
    let state = state(port)?;
    shutdown
        .tracker()
        .spawn(api::serve(listener, state.clone(), shutdown.token()));
    tracing::info!(port, "REST V2 on port {port}");
    Ok((Some(format!("{host}:{port}")), state))
}

/// Whether an EAGER master may report ready: a master of an unformed group has nothing to load;
/// otherwise it waits until it knows the leader and has applied everything it knows committed,
/// so a ready master answers reads from the full state.
pub fn caught_up(
    formed: bool,
    leader_known: bool,
    applied: Option<u64>,
    committed: Option<u64>,
) -> bool {
    !formed || (leader_known && applied >= committed)
}

async fn wait_applied(raft: &MasterRaft) {
    let mut metrics = raft.raft.metrics();
    loop {
        let done = {
            let m = metrics.borrow_watched().clone();
            caught_up(
                raft.is_formed(),
                m.current_leader.is_some(),
                m.last_applied.map(|l| l.index),
                m.cluster_committed.map(|l| l.index),
            )
        };
        if done || metrics.changed().await.is_err() {
            return;
        }
    }
}

fn status_line(raft: &MasterRaft, port: u16) -> String {
    let m = raft.raft.metrics().borrow_watched().clone();
    let state = match m.state {
        ServerState::Leader => "ACTIVE MASTER",
        ServerState::Follower | ServerState::Candidate => "standby master",
        ServerState::Learner => "standby master (learner)",
        ServerState::Shutdown => "stopped",
    };
    let leader = m
        .current_leader
        .map_or("none".to_string(), |l| l.to_string());
    format!(
        "{state}, member port {port}, raft term {}, leader {leader}",
        m.vote.leader_id().term
    )
}

pub(super) async fn bind_member_port(
    ports: std::ops::RangeInclusive<u16>,
) -> Result<TcpListener, NodeError> {
    let first = *ports.start();
    let mut last_error = None;
    for port in ports {
        match TcpListener::bind((MEMBER_BIND_HOST, port)).await {
            Ok(l) => return Ok(l),
            Err(e) => last_error = Some(e),
        }
    }
    Err(NodeError::MemberPort {
        port: first,
        source: last_error.unwrap_or_else(|| std::io::Error::other("no port to try")),
    })
}

/// Every member-list entry with the concrete addresses to try for it, in order.
pub(super) fn member_targets(loaded: &LoadedConfig) -> Vec<(String, Vec<String>)> {
    let hz = &loaded.server.hazelcast;
    hz.join
        .members
        .iter()
        .map(|m| {
            let candidates =
                m.candidates(hz.port.port, hz.port.auto_increment, hz.join.port_try_count);
            let entry = candidates
                .first()
                .map(|t| t.to_string())
                .unwrap_or_default();
            (entry, candidates.iter().map(|t| t.to_string()).collect())
        })
        .collect()
}

/// Every address the member list names (each entry's candidate ports included).
pub(super) fn member_addresses(loaded: &LoadedConfig) -> Vec<String> {
    member_targets(loaded)
        .into_iter()
        .flat_map(|(_, candidates)| candidates)
        .collect()
}

/// The address of another live master that answers with this master's node id (see
/// [`identity::twin`]). Greets every member-list address but this master's own, at once, each
/// bounded by [`GREET_TIMEOUT`]; sends this master's own claim so the other one logs it too.
async fn live_twin(
    loaded: &LoadedConfig,
    me: identity::Claim,
    advertised: &str,
    member_port: u16,
) -> Option<String> {
    let cluster = &loaded.server.hazelcast.cluster_name;
    let own = super::server::own_member_entry(&member_addresses(loaded), member_port);
    let targets: Vec<String> = member_addresses(loaded)
        .into_iter()
        .filter(|a| a != advertised && Some(a) != own.as_ref())
        .collect();
    let hello = Hello {
        cluster_name: cluster.clone(),
        role: ROLE_MASTER.into(),
        node_id: me.node_id,
        address: advertised.to_string(),
        version: env!("CARGO_PKG_VERSION").into(),
        raft_initialized: false,
        http_address: String::new(),
        incarnation: me.incarnation,
    };
    let answers =
        futures_util::future::join_all(targets.iter().map(|target| {
            crate::cluster::greet::greet(target, cluster, hello.clone(), GREET_TIMEOUT)
        }))
        .await;
    let heard: Vec<identity::Heard> = targets
        .iter()
        .zip(answers)
        .filter_map(|(target, answer)| answer.ok().map(|h| heard(target, &h)))
        .collect();
    identity::twin(me, &heard).map(str::to_string)
}

/// What a greeting says about its sender; `address` is where it was reached, else what it says.
fn heard(address: &str, h: &Hello) -> identity::Heard {
    identity::Heard {
        address: if address.is_empty() {
            h.address.clone()
        } else {
            address.to_string()
        },
        is_master: h.role == ROLE_MASTER,
        node_id: h.node_id,
        incarnation: h.incarnation,
    }
}

/// Logs (once per sender address per [`TWIN_LOG_EVERY`]) a greeting from another process that
/// claims this master's node id: it started from a copy of this master's data dir.
fn warn_twin(me: identity::Claim, from: &Hello, log: &std::sync::Mutex<LogLimiter<String>>) {
    let sender = heard("", from);
    let Some(address) = identity::twin(me, [&sender]) else {
        return;
    };
    let admitted = log
        .lock()
        .expect("twin log lock")
        .admit(address.to_string(), std::time::Instant::now());
    if let Some(held_back) = admitted {
        tracing::error!(
            node_id = me.node_id,
            %address,
            held_back,
            "a master at {address} claims this master's node id {}: it was started on a copy of this master's data dir; stop it and start it with an empty data dir, so it joins as a new master",
            me.node_id
        );
    }
}

#[cfg(test)]
mod tests {
    use super::caught_up;

    #[test]
    fn an_eager_master_is_ready_once_it_applied_what_is_committed() {
        assert!(caught_up(false, false, None, None), "nothing to load yet");
        assert!(!caught_up(true, false, Some(9), Some(9)), "no leader known");
        assert!(
            !caught_up(true, true, Some(7), Some(9)),
            "log tail not applied"
        );
        assert!(caught_up(true, true, Some(9), Some(9)));
        assert!(caught_up(true, true, Some(10), Some(9)));
        assert!(
            caught_up(true, true, None, None),
            "a formed group with nothing committed"
        );
    }
}
