//! The server half of the masters' Raft transport: hands each gRPC call to the local Raft and
//! sends back its answer, and refuses callers from another cluster.

use openraft::errors::ClientWriteError;
use openraft::Snapshot;
use tonic::{Request, Response, Status};

use super::network::{ForwardError, SnapshotMessage, CLUSTER_HEADER, TARGET_HEADER};
use super::proto::raft_server::{Raft as RaftRpc, RaftServer};
use super::proto::Payload;
use super::{codec, uncancelled, Command, CommandResult, NodeId, Raft};

/// Answers the `Raft` gRPC service for one master.
#[derive(Clone)]
pub struct RaftGrpc {
    raft: Raft,
    node_id: NodeId,
}

/// Checks the caller's cluster name on every call; a mismatch is refused and logged once per call
/// with both names, which is what an operator needs to fix a copied config.
#[derive(Clone)]
pub struct ClusterCheck {
    cluster_name: String,
}

impl ClusterCheck {
    pub fn new(cluster_name: &str) -> ClusterCheck {
        ClusterCheck {
            cluster_name: cluster_name.to_string(),
        }
    }

    /// Whether `caller` (the header value, if any) names this cluster; the refusal otherwise.
    pub fn check(&self, caller: Option<&str>) -> Result<(), Status> {
        if caller == Some(self.cluster_name.as_str()) {
            return Ok(());
        }
        let caller = caller.unwrap_or("<none>");
        tracing::warn!(
            cluster = %self.cluster_name,
            peer_cluster = %caller,
            "refused a call from cluster \"{caller}\": this node belongs to cluster \"{}\"; \
             make hazelcast.cluster-name the same on every node of one cluster",
            self.cluster_name
        );
        Err(Status::permission_denied(format!(
            "cluster name mismatch: this node belongs to cluster \"{}\", the caller to \"{caller}\"",
            self.cluster_name
        )))
    }
}

impl tonic::service::Interceptor for ClusterCheck {
    fn call(&mut self, req: Request<()>) -> Result<Request<()>, Status> {
        let caller = req
            .metadata()
            .get(CLUSTER_HEADER)
            .and_then(|v| v.to_str().ok());
        self.check(caller)?;
        Ok(req)
    }
}

impl RaftGrpc {
    pub fn new(raft: Raft, node_id: NodeId) -> RaftGrpc {
        RaftGrpc { raft, node_id }
    }

    /// The service, with the cluster-name check in front of it.
    pub fn into_server(
        self,
        cluster_name: &str,
    ) -> tonic::service::interceptor::InterceptedService<RaftServer<RaftGrpc>, ClusterCheck> {
        RaftServer::with_interceptor(self, ClusterCheck::new(cluster_name))
    }
}

/// Refuses a Raft call meant for another node id (see [`TARGET_HEADER`]): the caller's view of
/// who lives at this address is stale. A call without the header is taken.
fn check_target(me: NodeId, req: &Request<Payload>) -> Result<(), Status> {
    let Some(target) = req.metadata().get(TARGET_HEADER) else {
        return Ok(());
    };
    match target.to_str().ok().and_then(|t| t.parse::<NodeId>().ok()) {
        Some(t) if t == me => Ok(()),
        _ => Err(Status::failed_precondition(format!(
            "raft call for master node {} reached master node {me} at this address (its data dir was replaced); the active master replaces the old node in the group",
            target.to_str().unwrap_or("?")
        ))),
    }
}

fn decode<T: serde::de::DeserializeOwned>(
    what: &'static str,
    req: Request<Payload>,
) -> Result<T, Status> {
    codec::decode(what, &req.into_inner().data).map_err(|e| Status::invalid_argument(e.to_string()))
}

fn reply<T: serde::Serialize>(what: &'static str, value: &T) -> Result<Response<Payload>, Status> {
    let data = codec::encode(what, value).map_err(|e| Status::internal(e.to_string()))?;
    Ok(Response::new(Payload { data }))
}

#[tonic::async_trait]
impl RaftRpc for RaftGrpc {
    async fn append_entries(&self, req: Request<Payload>) -> Result<Response<Payload>, Status> {
        check_target(self.node_id, &req)?;
        let rpc = decode("append entries", req)?;
        let raft = self.raft.clone();
        let answer = uncancelled(async move { raft.append_entries(rpc).await })
            .await
            .map_err(|e| e.to_string());
        reply("append entries", &answer)
    }

    async fn vote(&self, req: Request<Payload>) -> Result<Response<Payload>, Status> {
        check_target(self.node_id, &req)?;
        let rpc = decode("vote", req)?;
        let raft = self.raft.clone();
        let answer = uncancelled(async move { raft.vote(rpc).await })
            .await
            .map_err(|e| e.to_string());
        reply("vote", &answer)
    }

    async fn pre_vote(&self, req: Request<Payload>) -> Result<Response<Payload>, Status> {
        check_target(self.node_id, &req)?;
        let rpc = decode("pre-vote", req)?;
        let raft = self.raft.clone();
        let answer = uncancelled(async move { raft.pre_vote(rpc).await })
            .await
            .map_err(|e| e.to_string());
        reply("pre-vote", &answer)
    }

    async fn full_snapshot(&self, req: Request<Payload>) -> Result<Response<Payload>, Status> {
        check_target(self.node_id, &req)?;
        let (vote, meta, snapshot): SnapshotMessage = decode("snapshot", req)?;
        let raft = self.raft.clone();
        let answer = uncancelled(async move {
            raft.install_full_snapshot(vote, Snapshot { meta, snapshot })
                .await
        })
        .await
        .map_err(|e| e.to_string());
        reply("snapshot", &answer)
    }

    async fn forward(&self, req: Request<Payload>) -> Result<Response<Payload>, Status> {
        let command: Command = decode("command", req)?;
        let raft = self.raft.clone();
        let answer: Result<CommandResult, ForwardError> =
            match uncancelled(async move { raft.client_write(command).await }).await {
                Ok(written) => Ok(written.data),
                Err(e) => Err(match e.into_api_error() {
                    Some(ClientWriteError::ForwardToLeader(f)) => ForwardError::NotLeader {
                        node: self.node_id,
                        leader: f.leader_id.zip(f.leader_node.map(|n| n.addr)),
                    },
                    Some(other) => ForwardError::Raft(other.to_string()),
                    None => ForwardError::Raft("raft stopped on this master".into()),
                }),
            };
        reply("forward reply", &answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raft_call_for_another_node_id_is_refused() {
        let call = |target: Option<&str>| {
            let mut req = Request::new(Payload::default());
            if let Some(t) = target {
                req.metadata_mut().insert(TARGET_HEADER, t.parse().unwrap());
            }
            check_target(7, &req)
        };
        assert!(call(Some("7")).is_ok());
        assert!(call(None).is_ok(), "a caller that does not say is taken");
        let refused = call(Some("3")).unwrap_err();
        assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
        assert!(
            refused.message().contains("node 3"),
            "{}",
            refused.message()
        );
        assert!(call(Some("junk")).is_err());
    }

    #[test]
    fn only_the_same_cluster_name_passes() {
        let check = ClusterCheck::new("seatunnel");
        assert!(check.check(Some("seatunnel")).is_ok());
        let refused = check.check(Some("other")).unwrap_err();
        assert_eq!(refused.code(), tonic::Code::PermissionDenied);
        assert!(
            refused.message().contains("\"other\""),
            "{}",
            refused.message()
        );
        assert!(
            check.check(None).is_err(),
            "a caller without a cluster name passed"
        );
    }
}
