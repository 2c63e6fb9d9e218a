//! The `Worker` gRPC service: the active master's calls, handed to the [`WorkerRuntime`].

use std::sync::Arc;

use tonic::service::interceptor::InterceptedService;
use tonic::{Request, Response, Status};

use crate::cluster::wire::WorkerRequest;
use crate::raft::codec;
use crate::raft::proto::worker_server::{Worker, WorkerServer};
use crate::raft::proto::Payload;
use crate::raft::service::ClusterCheck;

use super::runtime::WorkerRuntime;

pub struct WorkerGrpc {
    runtime: Arc<WorkerRuntime>,
}

impl WorkerGrpc {
    pub fn server(
        runtime: Arc<WorkerRuntime>,
        cluster_name: &str,
    ) -> InterceptedService<WorkerServer<WorkerGrpc>, ClusterCheck> {
        WorkerServer::with_interceptor(WorkerGrpc { runtime }, ClusterCheck::new(cluster_name))
    }
}

#[tonic::async_trait]
impl Worker for WorkerGrpc {
    async fn call(&self, req: Request<Payload>) -> Result<Response<Payload>, Status> {
        let req: WorkerRequest = codec::decode("worker call", &req.into_inner().data)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let reply = self.runtime.handle(req).await;
        let data =
            codec::encode("worker reply", &reply).map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(Payload { data }))
    }
}
