//! The `Worker` gRPC service: the active master's calls, handed to the [`WorkerRuntime`].

use std::sync::Arc;

use tonic::service::interceptor::InterceptedService;
use tonic::{Request, Response, Status};

use crate::cluster::wire::{WorkerReply, WorkerRequest};
use crate::raft::codec;
use crate::raft::proto::worker_server::{Worker, WorkerServer};
use crate::raft::proto::Payload;
use crate::raft::service::ClusterCheck;

use super::runtime::WorkerRuntime;

pub struct WorkerGrpc {
    runtime: Arc<WorkerRuntime>,
    /// This process's worker id: calls meant for another incarnation are refused.
    worker_id: String,
}

impl WorkerGrpc {
    pub fn server(
        runtime: Arc<WorkerRuntime>,
        cluster_name: &str,
        worker_id: &str,
    ) -> InterceptedService<WorkerServer<WorkerGrpc>, ClusterCheck> {
        WorkerServer::with_interceptor(
            WorkerGrpc {
                runtime,
                worker_id: worker_id.to_string(),
            },
            ClusterCheck::new(cluster_name),
        )
    }
}

#[tonic::async_trait]
impl Worker for WorkerGrpc {
    async fn call(&self, req: Request<Payload>) -> Result<Response<Payload>, Status> {
        let req: WorkerRequest = codec::decode("worker call", &req.into_inner().data)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let reply = if req.worker_id != self.worker_id {
            tracing::info!(
                meant_for = req.worker_id.as_str(),
                "refused a call meant for an earlier process at this address; the active master now counts that worker as lost"
            );
            WorkerReply::NotThisWorker {
                id: self.worker_id.clone(),
            }
        } else {
            self.runtime.handle(req).await
        };
        let data =
            codec::encode("worker reply", &reply).map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(Payload { data }))
    }
}
