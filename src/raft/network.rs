//! The client half of the masters' Raft transport: one lazily connected gRPC channel per peer.
//!
//! Every call carries the cluster name in [`CLUSTER_HEADER`]; the peer refuses another cluster's
//! calls. A peer that cannot be reached is reported as `Unreachable`, so openraft backs off
//! instead of retrying at once.
//!
//! Failed calls are logged here, at most once per peer per [`PEER_FAILURE_LOG_INTERVAL`] with a
//! count of the others (each one at debug level); openraft's own line per failed call is dropped
//! by `telemetry::raft_noise`. Every call ends within openraft's soft deadline (`soft_ttl`), so
//! openraft does not abandon one before this transport saw how it ended.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use openraft::alias::{SnapshotOf, VoteOf};
use openraft::errors::{NetworkError, RPCError, ReplicationClosed, StreamingError, Unreachable};
use openraft::network::{RPCOption, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, SnapshotResponse, VoteRequest, VoteResponse,
};
use openraft::{BasicNode, RaftNetworkV2};
use tonic::metadata::MetadataValue;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Status};

use super::proto::raft_client::RaftClient;
use super::proto::Payload;
use super::{codec, Command, CommandResult, NodeId, TypeConfig};
use crate::telemetry::rate_limit::SharedLogLimiter;

/// gRPC metadata header naming the caller's cluster (`hazelcast.cluster-name`).
pub const CLUSTER_HEADER: &str = "x-seatunnel-cluster";
/// gRPC metadata header naming the Raft node a Raft call is meant for. A master whose data dir
/// was replaced comes back at the same address under a new node id with an empty log; without
/// this check the leader would take its answers for the old node's, see the old node's log go
/// backwards, and stop (openraft refuses log reversion).
pub const TARGET_HEADER: &str = "x-seatunnel-raft-target";
/// How long to wait for a TCP connection to a peer: loopback and LAN peers answer in
/// milliseconds; a dead host should be reported before the next heartbeat is due.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How often the failures of one peer are logged. openraft calls a peer about 20 times a second
/// (heartbeats every 100 ms, replication, votes), so a master cut off from its peers wrote 18
/// WARN lines a second for each; one line per 10 s with a count still shows within seconds that
/// a peer is gone and how hard it is being tried, and keeps the journal readable.
pub const PEER_FAILURE_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// A snapshot on the wire: the vote of the sender, the metadata and the verified map snapshot.
pub(crate) type SnapshotMessage = (
    VoteOf<TypeConfig>,
    openraft::alias::SnapshotMetaOf<TypeConfig>,
    Vec<u8>,
);

/// Why a forwarded command did not apply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
pub enum ForwardError {
    #[error("master {node} is not the leader (leader: {leader:?}); retry on the leader")]
    NotLeader {
        node: NodeId,
        leader: Option<(NodeId, String)>,
    },
    #[error("raft refused the command: {0}")]
    Raft(String),
    #[error("cannot reach master at {addr}: {message}")]
    Unreachable { addr: String, message: String },
}

/// Adds the cluster name to every outgoing call.
#[derive(Clone)]
pub struct ClusterHeader(MetadataValue<tonic::metadata::Ascii>);

impl ClusterHeader {
    pub fn new(cluster_name: &str) -> ClusterHeader {
        // A cluster name that is not valid ASCII metadata cannot be sent as is; send a value no
        // peer's name can equal, so the peer refuses the call and logs why.
        ClusterHeader(
            MetadataValue::try_from(cluster_name)
                .unwrap_or_else(|_| MetadataValue::from_static("invalid-cluster-name")),
        )
    }
}

impl tonic::service::Interceptor for ClusterHeader {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        req.metadata_mut().insert(CLUSTER_HEADER, self.0.clone());
        Ok(req)
    }
}

type Client = RaftClient<InterceptedService<Channel, ClusterHeader>>;

/// A lazily connected client for the master at `addr` (host:port).
pub fn connect(addr: &str, cluster_name: &str) -> Result<Client, tonic::transport::Error> {
    let channel = Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(CONNECT_TIMEOUT)
        .tcp_nodelay(true)
        .connect_lazy();
    Ok(RaftClient::with_interceptor(
        channel,
        ClusterHeader::new(cluster_name),
    ))
}

/// Builds a [`Network`] per peer.
#[derive(Clone)]
pub struct NetworkFactory {
    cluster_name: String,
    failures: PeerFailures,
}

impl NetworkFactory {
    pub fn new(cluster_name: &str) -> NetworkFactory {
        NetworkFactory {
            cluster_name: cluster_name.to_string(),
            failures: PeerFailures::new(PEER_FAILURE_LOG_INTERVAL),
        }
    }
}

impl RaftNetworkFactory<TypeConfig> for NetworkFactory {
    type Network = Network;

    async fn new_client(&mut self, target: NodeId, node: &BasicNode) -> Network {
        Network {
            target,
            addr: node.addr.clone(),
            client: connect(&node.addr, &self.cluster_name).map_err(|e| e.to_string()),
            failures: self.failures.clone(),
        }
    }
}

/// The failed calls of every client to every peer, logged once per peer per interval. Shared,
/// because openraft makes several clients to one peer (heartbeats, replication, votes) and the
/// operator wants one line per peer.
#[derive(Clone)]
struct PeerFailures(Arc<SharedLogLimiter<NodeId>>);

impl PeerFailures {
    fn new(interval: Duration) -> PeerFailures {
        PeerFailures(Arc::new(SharedLogLimiter::new(interval)))
    }

    fn failed(&self, what: &str, err: &CallError) {
        tracing::debug!(target_node = err.target, addr = %err.addr, "{what}: {err}");
        let (admitted, interval) = (self.0.admit_now(err.target), self.0.interval());
        match admitted {
            None => {}
            Some(0) => tracing::warn!(
                target_node = err.target,
                addr = %err.addr,
                "{err}; check that master {} runs and that {} is reachable from this host (further failures are counted and said every {} s)",
                err.target,
                err.addr,
                interval.as_secs()
            ),
            Some(held_back) => tracing::warn!(
                target_node = err.target,
                addr = %err.addr,
                failed_calls = held_back + 1,
                "{err}, and {held_back} more raft calls to it failed since the last line; check that master {} runs and that {} is reachable from this host",
                err.target,
                err.addr
            ),
        }
    }

    fn answered(&self, target: NodeId, addr: &str) {
        let settled = self.0.settle_now(&target);
        if let Some(held_back) = settled {
            tracing::info!(
                target_node = target,
                addr,
                "master {target} at {addr} answers raft calls again ({held_back} failed calls since the last line)"
            );
        }
    }
}

/// The transport to one peer.
pub struct Network {
    target: NodeId,
    addr: String,
    /// An invalid address is reported on every call rather than at construction, which openraft
    /// does not allow to fail.
    client: Result<Client, String>,
    failures: PeerFailures,
}

#[derive(Debug, thiserror::Error)]
#[error("raft call to master {target} at {addr} failed: {message}")]
struct CallError {
    target: NodeId,
    addr: String,
    message: String,
}

impl Network {
    fn error(&self, message: impl Into<String>) -> CallError {
        CallError {
            target: self.target,
            addr: self.addr.clone(),
            message: message.into(),
        }
    }

    /// Sends `body` to `method` and decodes the answer; transport failures come back as
    /// `Unreachable` (connection) or `Network` (everything else, no answer within `timeout`
    /// included).
    /// Every failure is logged through [`PeerFailures`].
    async fn call<Req, Resp, Fut>(
        &mut self,
        what: &'static str,
        body: &Req,
        timeout: Duration,
        method: impl FnOnce(Client, Request<Payload>) -> Fut,
    ) -> Result<Resp, RPCError<TypeConfig>>
    where
        Req: serde::Serialize,
        Resp: serde::de::DeserializeOwned,
        Fut: Future<Output = Result<tonic::Response<Payload>, Status>>,
    {
        match self.exchange(what, body, timeout, method).await {
            Ok(answer) => {
                self.failures.answered(self.target, &self.addr);
                Ok(answer)
            }
            Err(Failed::Unreachable(err)) => {
                self.failures.failed(what, &err);
                Err(RPCError::Unreachable(Unreachable::new(&err)))
            }
            Err(Failed::Network(err)) => {
                self.failures.failed(what, &err);
                Err(RPCError::Network(NetworkError::new(&err)))
            }
        }
    }

    /// One call. The whole call, connecting included, is bounded by `timeout` (openraft's
    /// `soft_ttl`, three quarters of the deadline after which openraft drops the call), so the
    /// failure is seen here and not only by openraft.
    async fn exchange<Req, Resp, Fut>(
        &self,
        what: &'static str,
        body: &Req,
        timeout: Duration,
        method: impl FnOnce(Client, Request<Payload>) -> Fut,
    ) -> Result<Resp, Failed>
    where
        Req: serde::Serialize,
        Resp: serde::de::DeserializeOwned,
        Fut: Future<Output = Result<tonic::Response<Payload>, Status>>,
    {
        let client = match &self.client {
            Ok(c) => c.clone(),
            Err(e) => return Err(Failed::Unreachable(self.error(e.clone()))),
        };
        let data =
            codec::encode(what, body).map_err(|e| Failed::Network(self.error(e.to_string())))?;
        let mut request = Request::new(Payload { data });
        request.set_timeout(timeout);
        request
            .metadata_mut()
            .insert(TARGET_HEADER, MetadataValue::from(self.target));
        let reply = match tokio::time::timeout(timeout, method(client, request)).await {
            // As tonic's own deadline says it: a slow peer is tried again at once, while one
            // that cannot be connected to fails the connect (`Unavailable`) and is backed off.
            Err(_) => {
                let message = format!("no answer within {} ms", timeout.as_millis());
                return Err(Failed::Network(self.error(message)));
            }
            Ok(Err(status)) => {
                let err = self.error(format!("{}: {}", status.code(), status.message()));
                return Err(match status.code() {
                    Code::Unavailable | Code::Unknown => Failed::Unreachable(err),
                    _ => Failed::Network(err),
                });
            }
            Ok(Ok(reply)) => reply,
        };
        let answer: Result<Resp, String> = codec::decode(what, &reply.into_inner().data)
            .map_err(|e| Failed::Network(self.error(e.to_string())))?;
        answer.map_err(|remote| Failed::Network(self.error(remote)))
    }
}

/// How a call failed; openraft backs off from an unreachable peer and retries other failures
/// at once.
enum Failed {
    Unreachable(CallError),
    Network(CallError),
}

impl RaftNetworkV2<TypeConfig> for Network {
    type SnapshotData = Vec<u8>;

    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<TypeConfig>, RPCError<TypeConfig>> {
        self.call(
            "append entries",
            &rpc,
            option.soft_ttl(),
            |mut c, r| async move { c.append_entries(r).await },
        )
        .await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<VoteResponse<TypeConfig>, RPCError<TypeConfig>> {
        self.call("vote", &rpc, option.soft_ttl(), |mut c, r| async move {
            c.vote(r).await
        })
        .await
    }

    async fn pre_vote(
        &mut self,
        rpc: VoteRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<VoteResponse<TypeConfig>, RPCError<TypeConfig>> {
        self.call("pre-vote", &rpc, option.soft_ttl(), |mut c, r| async move {
            c.pre_vote(r).await
        })
        .await
    }

    async fn full_snapshot(
        &mut self,
        vote: VoteOf<TypeConfig>,
        snapshot: SnapshotOf<TypeConfig, Vec<u8>>,
        cancel: impl Future<Output = ReplicationClosed> + openraft::OptionalSend + 'static,
        option: RPCOption,
    ) -> Result<SnapshotResponse<TypeConfig>, StreamingError<TypeConfig>> {
        let message: SnapshotMessage = (vote, snapshot.meta, snapshot.snapshot);
        let send = self.call(
            "snapshot",
            &message,
            option.hard_ttl(),
            |mut c, r| async move { c.full_snapshot(r).await },
        );
        tokio::select! {
            closed = cancel => Err(StreamingError::Closed(closed)),
            sent = send => sent.map_err(|e| match e {
                RPCError::Unreachable(u) => StreamingError::Unreachable(u),
                RPCError::Network(n) => StreamingError::Network(n),
                other => StreamingError::Network(NetworkError::new(&other)),
            }),
        }
    }
}

/// A reusable connection for sending commands to one master (the leader, as far as the caller
/// knows). Clones share the connection.
#[derive(Clone)]
pub struct Forwarder {
    addr: String,
    client: Client,
}

impl Forwarder {
    pub fn new(addr: &str, cluster_name: &str) -> Result<Forwarder, ForwardError> {
        let client = connect(addr, cluster_name).map_err(|e| ForwardError::Unreachable {
            addr: addr.to_string(),
            message: e.to_string(),
        })?;
        Ok(Forwarder {
            addr: addr.to_string(),
            client,
        })
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Sends `command`; the answer says whether it applied, or who leads instead.
    pub async fn send(
        &self,
        command: &Command,
        timeout: Duration,
    ) -> Result<CommandResult, ForwardError> {
        let data =
            codec::encode("command", command).map_err(|e| ForwardError::Raft(e.to_string()))?;
        let mut request = Request::new(Payload { data });
        request.set_timeout(timeout);
        let reply =
            self.client
                .clone()
                .forward(request)
                .await
                .map_err(|s| ForwardError::Unreachable {
                    addr: self.addr.clone(),
                    message: format!("{}: {}", s.code(), s.message()),
                })?;
        codec::decode::<Result<CommandResult, ForwardError>>(
            "forward reply",
            &reply.into_inner().data,
        )
        .map_err(|e| ForwardError::Raft(e.to_string()))?
    }
}

/// Sends `command` to the master at `addr` over a new connection.
pub async fn forward(
    addr: &str,
    cluster_name: &str,
    command: &Command,
    timeout: Duration,
) -> Result<CommandResult, ForwardError> {
    Forwarder::new(addr, cluster_name)?
        .send(command, timeout)
        .await
}
