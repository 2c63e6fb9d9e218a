//! The `Coordinator` gRPC service on every master: workers' heartbeats. Only the active master
//! (Raft leader with a fresh lease) takes them; a standby answers with the leader's address.

use std::sync::Arc;

use tonic::service::interceptor::InterceptedService;
use tonic::{Request, Response, Status};

use crate::cluster::wire::{FencingToken, GroupKey, Heartbeat, HeartbeatReply};
use crate::raft::codec;
use crate::raft::proto::coordinator_server::{Coordinator, CoordinatorServer};
use crate::raft::proto::Payload;
use crate::raft::service::ClusterCheck;

use super::raft_store::GroupRecord;
use super::runner::ClusterContext;

pub struct CoordinatorGrpc {
    ctx: Arc<ClusterContext>,
    /// This master's REST address (`host:port`), told to workers for forwarding job requests.
    http: Option<String>,
}

impl CoordinatorGrpc {
    pub fn server(
        ctx: Arc<ClusterContext>,
        http: Option<String>,
    ) -> InterceptedService<CoordinatorServer<CoordinatorGrpc>, ClusterCheck> {
        let check = ClusterCheck::new(&ctx.cluster);
        CoordinatorServer::with_interceptor(CoordinatorGrpc { ctx, http }, check)
    }

    async fn take(&self, hb: Heartbeat) -> Result<HeartbeatReply, Status> {
        let Some((term, node_id)) = self.ctx.raft.lease_token() else {
            let leader = self
                .ctx
                .raft
                .leader_address()
                .filter(|(id, _)| *id != self.ctx.raft.node_id)
                .map(|(_, addr)| addr);
            return Ok(HeartbeatReply::NotLeader { leader });
        };
        self.ctx
            .workers
            .heartbeat(&hb)
            .map_err(|e| Status::invalid_argument(format!("worker {}: {e}", hb.worker_id)))?;
        let records: Vec<GroupRecord> = hb
            .ended
            .into_iter()
            .map(|r| GroupRecord {
                key: r.key,
                end: r.end,
                metrics: r.metrics,
                abandoned: r.abandoned,
            })
            .collect();
        let recorded = if records.is_empty() {
            Vec::new()
        } else {
            match self.ctx.store.record_group_ends(&records).await {
                Ok(()) => {
                    self.ctx.workers.ends_recorded();
                    records.iter().map(|r| r.key).collect()
                }
                Err(e) => {
                    tracing::warn!("{e}; the worker reports the task-group ends again");
                    Vec::new()
                }
            }
        };
        let current = self.ctx.store.current(hb.running.iter().map(|r| &r.key));
        let cancel: Vec<GroupKey> = hb
            .running
            .iter()
            .map(|r| r.key)
            .filter(|key| !current.contains(key))
            .collect();
        for key in &cancel {
            tracing::warn!(
                job_id = key.job_id,
                worker = %hb.worker_id,
                "{key} still runs on worker {} but is no longer placed there; telling it to cancel",
                hb.worker_id
            );
        }
        Ok(HeartbeatReply::Accepted {
            token: FencingToken { term, node_id },
            recorded,
            http: self.http.clone(),
            cancel,
        })
    }
}

#[tonic::async_trait]
impl Coordinator for CoordinatorGrpc {
    async fn heartbeat(&self, req: Request<Payload>) -> Result<Response<Payload>, Status> {
        let hb: Heartbeat = codec::decode("heartbeat", &req.into_inner().data)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let reply = self.take(hb).await?;
        let data = codec::encode("heartbeat reply", &reply)
            .map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(Payload { data }))
    }
}
