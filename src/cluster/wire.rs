//! What the active master and the workers say to each other (the `Worker` and `Coordinator`
//! gRPC services of `proto/cluster.proto`), as typed messages carried postcard-encoded.
//!
//! Invariants:
//! - every master→worker call carries the master's [`FencingToken`]; a worker acts on a call only
//!   if its token is at least the highest it has seen, so a deposed leader can never act again
//!   once any newer leader reached the worker;
//! - a task group is named by [`GroupKey`] including the allocation epoch, so a deploy repeated
//!   after a failover is recognised as the same group, not a second copy.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use crate::engine::MetricsSnapshot;
use crate::raft::network::ClusterHeader;
use crate::raft::proto::coordinator_client::CoordinatorClient;
use crate::raft::proto::worker_client::WorkerClient;
use crate::raft::proto::Payload;
use crate::raft::{codec, NodeId};

/// How long a TCP connect to a member may take before the call counts as a connection failure.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// Upper bound on one call: a deploy or commit that takes longer is reported as failed and
/// retried by the master's next round, never waited on forever. A checkpoint call waits for
/// its own timeout instead ([`MemberClient::call_worker_within`]).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Upper bound on one heartbeat: a live master answers in milliseconds, and a paused or
/// partitioned one must not hold a worker's reports (and task-group ends) back for long.
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(2);

/// The leader's fencing token: its Raft term and node id. Ordered by term first; leader ids are
/// one per term, so two leaders never share a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FencingToken {
    pub term: u64,
    pub node_id: NodeId,
}

impl std::fmt::Display for FencingToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(term {}, master {})", self.term, self.node_id)
    }
}

/// One task group of one job, as deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupKey {
    pub job_id: i64,
    /// 1-based, as in the DAG.
    pub pipeline: usize,
    pub group: usize,
    /// The slot grant's epoch.
    pub epoch: u64,
}

impl std::fmt::Display for GroupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "job {} pipeline {} task group {} (epoch {})",
            self.job_id, self.pipeline, self.group, self.epoch
        )
    }
}

/// Enough of a job for a worker to plan it: the loaded job tree as JSON text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    pub job_id: i64,
    pub job_name: String,
    pub config_json: String,
}

/// `(sink vertex id, commit info as JSON text)` pairs.
pub type WireInfos = Vec<(usize, String)>;

/// A pipeline's committer operation, run on the worker holding the committer slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PipelineOp {
    Setup,
    /// Commit these infos, then run the sinks' end-of-job checks.
    Commit(WireInfos),
    /// Commit what one periodic checkpoint gathered; the pipeline goes on.
    CommitCheckpoint(WireInfos),
    Abort(WireInfos),
}

impl PipelineOp {
    /// What the operation does, for log lines.
    pub fn name(&self) -> &'static str {
        match self {
            PipelineOp::Setup => "set-up",
            PipelineOp::Commit(_) => "commit",
            PipelineOp::CommitCheckpoint(_) => "checkpoint commit",
            PipelineOp::Abort(_) => "abort",
        }
    }
}

/// A call from the active master to a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WorkerCall {
    Deploy {
        job: JobSpec,
        key: GroupKey,
        slot: u32,
        /// Where the group starts: its reader's splits and its writers' states, as JSON text
        /// (`engine::group::GroupStart`; the splits' state is the connector's own JSON, which
        /// this binary format cannot carry as a value).
        start: String,
    },
    Cancel {
        job_id: i64,
    },
    /// Liveness probe while the worker runs the master's groups: a refused or reset connection
    /// is the fast path of failure detection, long before heartbeats go silent long enough.
    Ping,
    Pipeline {
        job: JobSpec,
        pipeline: usize,
        op: PipelineOp,
    },
    /// Checkpoint `id` of the worker's task groups of one pipeline: first forget what the master
    /// committed (every checkpoint up to `committed_through`), then have every running group
    /// prepare, waiting at most `timeout_ms`.
    Checkpoint {
        job_id: i64,
        pipeline: usize,
        id: u64,
        committed_through: u64,
        timeout_ms: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerRequest {
    pub token: FencingToken,
    /// The worker incarnation (its id, new on every start) the call is meant for. A worker
    /// restarted at the same address has a new id and refuses calls meant for the old one, so
    /// a master never mistakes it for the process that ran the old groups (a deploy there would
    /// replay a source from its start).
    pub worker_id: String,
    pub call: WorkerCall,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WorkerReply {
    Done,
    /// The caller's token is older than one this worker already obeyed.
    StaleToken {
        highest: FencingToken,
    },
    Failed(String),
    /// The call was meant for another incarnation of this address: the one that answers is a
    /// restarted process with id `id`, and the old one's groups are gone.
    NotThisWorker {
        id: String,
    },
    /// A checkpoint's answer: the groups that prepared, and everything they hold that the
    /// master has not confirmed committed (this checkpoint's output and any earlier one's that
    /// a failed or unrecorded checkpoint left behind).
    Prepared {
        groups: Vec<usize>,
        infos: WireInfos,
        /// Per prepared group, where a restore from this checkpoint starts it: the reader's
        /// splits as of the barrier and the writers' states (`engine::group::GroupStart` as
        /// JSON text).
        states: Vec<(usize, String)>,
    },
    /// The worker is stopping and takes no new task group: the group goes elsewhere, as for a
    /// worker that was lost (unlike [`WorkerReply::Failed`], which fails the group for good).
    Stopping(String),
}

/// How a task group ended on its worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum GroupEnd {
    Finished(WireInfos),
    Canceled,
    Failed(String),
    /// Cancelled because its worker stopped (SIGTERM, `systemctl stop`, a package upgrade):
    /// counts as a lost worker, so the active master restarts the pipeline on the others.
    WorkerStopped(String),
    /// Failed because an external system a connector reads or writes went away (a database
    /// stopped): the active master restarts the pipeline from its last checkpoint, within
    /// `job.retry.times`, on the same live workers.
    Unavailable(String),
}

/// Where a worker is in its life, as its heartbeats say. A stopping worker takes no new
/// groups; a stopped one has sent its last heartbeat and leaves the cluster at once, instead
/// of after the failure detector's silence time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkerPhase {
    #[default]
    Serving,
    Stopping,
    Stopped,
}

/// Serializable [`MetricsSnapshot`] (table → (rows, bytes)).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WireMetrics {
    pub source: BTreeMap<String, (u64, u64)>,
    pub sink: BTreeMap<String, (u64, u64)>,
}

impl From<&MetricsSnapshot> for WireMetrics {
    fn from(m: &MetricsSnapshot) -> Self {
        WireMetrics {
            source: m.source.clone(),
            sink: m.sink.clone(),
        }
    }
}

/// A task group's end with its final counters, kept by the worker until a master recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupReport {
    pub key: GroupKey,
    pub end: GroupEnd,
    pub metrics: WireMetrics,
    /// What the group's checkpoints prepared and no master confirmed, when it ended other than
    /// [`GroupEnd::Finished`] (which carries it in its infos): the active master aborts what
    /// no recorded checkpoint covers and commits the rest from the record.
    #[serde(default)]
    pub abandoned: WireInfos,
}

/// A running task group as the worker reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunningGroup {
    pub key: GroupKey,
    pub slot: u32,
    pub metrics: WireMetrics,
}

/// A worker's periodic report to the masters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// New per process start: a restarted worker is a new worker.
    pub worker_id: String,
    /// Member address `host:port`, where the master calls the worker.
    pub address: String,
    /// The worker's REST V2 address (`host:port`), when it serves REST.
    pub http: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub dynamic_slot: bool,
    pub slot_num: u32,
    pub running: Vec<RunningGroup>,
    pub ended: Vec<GroupReport>,
    /// Stale-token calls this worker refused since it started.
    pub rejected_calls: u64,
    pub phase: WorkerPhase,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum HeartbeatReply {
    /// The active master took the heartbeat; `recorded` are the ended groups now in its state.
    Accepted {
        token: FencingToken,
        recorded: Vec<GroupKey>,
        /// The active master's REST V2 base (`host:port`), where job requests go.
        http: Option<String>,
        /// Running groups the active master no longer places (their job ended, or a restart
        /// replaced them while this worker was unreachable): the worker cancels them.
        #[serde(default)]
        cancel: Vec<GroupKey>,
    },
    /// This master does not lead; try `leader` (member address), if known.
    NotLeader { leader: Option<String> },
}

/// Why a call to another member failed.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("cannot reach member {addr}: {message}")]
    Unreachable { addr: String, message: String },
    #[error("member {addr} refused the call: {message}")]
    Refused { addr: String, message: String },
    #[error(transparent)]
    Codec(#[from] codec::CodecError),
}

impl WireError {
    /// A connection-level failure (feeds the fast failure path of the detector).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, WireError::Unreachable { .. })
    }
}

fn channel(
    addr: &str,
    cluster: &str,
) -> Result<InterceptedService<Channel, ClusterHeader>, WireError> {
    let endpoint = Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|e| WireError::Unreachable {
            addr: addr.to_string(),
            message: e.to_string(),
        })?
        .connect_timeout(CONNECT_TIMEOUT)
        .tcp_nodelay(true);
    Ok(InterceptedService::new(
        endpoint.connect_lazy(),
        ClusterHeader::new(cluster),
    ))
}

/// Our services answer with explicit codes and never `Unknown`: tonic gives `Unknown`
/// ("transport error") when the connection broke during the call, e.g. the member was killed
/// while answering, which is a connection fault like a refused connect.
fn status_error(addr: &str, s: tonic::Status) -> WireError {
    match s.code() {
        tonic::Code::Unavailable
        | tonic::Code::DeadlineExceeded
        | tonic::Code::Cancelled
        | tonic::Code::Unknown => WireError::Unreachable {
            addr: addr.to_string(),
            message: s.message().to_string(),
        },
        _ => WireError::Refused {
            addr: addr.to_string(),
            message: s.message().to_string(),
        },
    }
}

/// A lazily connected client for one member; cheap to clone.
#[derive(Clone)]
pub struct MemberClient {
    addr: String,
    channel: InterceptedService<Channel, ClusterHeader>,
}

impl MemberClient {
    pub fn new(addr: &str, cluster: &str) -> Result<MemberClient, WireError> {
        Ok(MemberClient {
            addr: addr.to_string(),
            channel: channel(addr, cluster)?,
        })
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// A master→worker call, bounded by [`CALL_TIMEOUT`].
    pub async fn call_worker(&self, req: &WorkerRequest) -> Result<WorkerReply, WireError> {
        self.call_worker_within(req, CALL_TIMEOUT).await
    }

    /// A master→worker call that may take up to `limit`. The limit is enforced here, on the
    /// caller's clock: a stopped peer never answers, so a server-side deadline cannot help.
    pub async fn call_worker_within(
        &self,
        req: &WorkerRequest,
        limit: Duration,
    ) -> Result<WorkerReply, WireError> {
        let data = codec::encode("worker call", req)?;
        let mut client = WorkerClient::new(self.channel.clone());
        let reply = self.within(limit, client.call(Payload { data })).await?;
        Ok(codec::decode("worker reply", &reply.into_inner().data)?)
    }

    /// A worker→master heartbeat, bounded by [`HEARTBEAT_TIMEOUT`].
    pub async fn heartbeat(&self, hb: &Heartbeat) -> Result<HeartbeatReply, WireError> {
        let data = codec::encode("heartbeat", hb)?;
        let mut client = CoordinatorClient::new(self.channel.clone());
        let reply = self
            .within(HEARTBEAT_TIMEOUT, client.heartbeat(Payload { data }))
            .await?;
        Ok(codec::decode("heartbeat reply", &reply.into_inner().data)?)
    }

    async fn within<T>(
        &self,
        limit: Duration,
        call: impl std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<tonic::Response<T>, WireError> {
        match tokio::time::timeout(limit, call).await {
            Ok(reply) => reply.map_err(|s| status_error(&self.addr, s)),
            Err(_) => Err(WireError::Unreachable {
                addr: self.addr.clone(),
                message: format!("no answer within {} ms", limit.as_millis()),
            }),
        }
    }
}

/// Converts wire infos back to the engine's JSON values; a malformed one is a bug in the sender.
pub fn infos_from_wire(infos: WireInfos) -> Result<Vec<(usize, serde_json::Value)>, String> {
    infos
        .into_iter()
        .map(|(sink, text)| {
            serde_json::from_str(&text)
                .map(|v| (sink, v))
                .map_err(|e| format!("commit info of sink {sink} is not JSON: {e}"))
        })
        .collect()
}

pub fn infos_to_wire(infos: Vec<(usize, serde_json::Value)>) -> WireInfos {
    infos
        .into_iter()
        .map(|(sink, v)| (sink, v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_configs_doubles_reach_the_worker_bit_for_bit() {
        // The worker parses `JobSpec::config_json`; serde_json's default float parsing may be
        // one ulp off, which made an Assert of 18.619999999999994 fail on a cluster.
        for x in [
            18.619999999999994_f64,
            0.1 + 0.2,
            1e-300,
            123456789.12345678,
        ] {
            let text = serde_json::json!({ "v": x }).to_string();
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                back["v"].as_f64().map(f64::to_bits),
                Some(x.to_bits()),
                "{text}"
            );
        }
    }

    #[test]
    fn a_connection_broken_during_a_call_is_unreachable_and_a_refusal_is_not() {
        let broken = status_error("w:1", tonic::Status::unknown("transport error"));
        assert!(broken.is_unreachable(), "{broken}");
        let refused = status_error("w:1", tonic::Status::permission_denied("other cluster"));
        assert!(!refused.is_unreachable(), "{refused}");
    }

    #[test]
    fn tokens_order_by_term_then_node() {
        let t = |term, node_id| FencingToken { term, node_id };
        assert!(t(2, 1) > t(1, 9));
        assert!(t(2, 3) > t(2, 1));
        assert_eq!(t(4, 2).max(t(3, 7)), t(4, 2));
    }

    #[test]
    fn calls_and_infos_round_trip() {
        let req = WorkerRequest {
            token: FencingToken {
                term: 3,
                node_id: 77,
            },
            worker_id: "127.0.0.1:5802-00ff".into(),
            call: WorkerCall::Pipeline {
                job: JobSpec {
                    job_id: 5,
                    job_name: "j".into(),
                    config_json: r#"{"env":{}}"#.into(),
                },
                pipeline: 1,
                op: PipelineOp::Commit(infos_to_wire(vec![(4, serde_json::json!({"a": [1]}))])),
            },
        };
        let bytes = codec::encode("t", &req).unwrap();
        let back: WorkerRequest = codec::decode("t", &bytes).unwrap();
        assert_eq!(back, req);
        let WorkerCall::Pipeline {
            op: PipelineOp::Commit(infos),
            ..
        } = back.call
        else {
            panic!()
        };
        assert_eq!(
            infos_from_wire(infos).unwrap(),
            vec![(4, serde_json::json!({"a": [1]}))]
        );
        assert!(infos_from_wire(vec![(1, "{".into())]).is_err());
    }
}
