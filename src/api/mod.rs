//! SeaTunnel's REST API V2 over hyper, without a framework: every route of §3 of the spec that a
//! single node can answer, with SeaTunnel's field names, string-typed numbers and error bodies.
//!
//! - [`server`]: the accept loop and the drain on shutdown.
//! - [`router`]: (method, path, query) → [`Endpoint`], pure.
//! - `handlers`: one file per endpoint family.
//! - [`view`]: the job object as JSON, pure.
//! - [`request`], [`format`], [`multipart`]: parsing requests at the edge.
//! - [`error`]: [`ApiError`] → status and body.
//! - [`procfs`]: this process as `/proc` shows it.

pub mod error;
pub mod format;
mod handlers;
pub mod multipart;
pub mod procfs;
pub mod request;
pub mod router;
pub mod server;
pub mod view;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use hyper::body::{Body, Bytes};
use hyper::header::CONTENT_TYPE;
use hyper::Request;

use crate::coordinator::JobManager;

pub use error::{ApiError, Reply};
pub use router::Endpoint;
pub use server::serve;

/// SeaTunnel's `http.upload-max-request-size-mb` default, applied to every request body.
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Who this node is, as `/system-monitoring-information` and `/overview` report it.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    /// The address other members and clients know this node by.
    pub host: String,
    /// The member (cluster) port; the HTTP port until the node joins a cluster.
    pub port: u16,
    /// Whether this node is the active master.
    pub is_master: bool,
    /// Whether this node runs tasks (a worker or a hybrid node).
    pub is_worker: bool,
}

/// What the API needs from the server config.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// `seatunnel.engine.http.context-path`; normalized on construction.
    pub context_path: String,
    pub node: NodeInfo,
    /// The node's tags at start (Hazelcast member attributes); `/update-tags` replaces them.
    pub tags: BTreeMap<String, String>,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
}

/// Everything a request handler can reach. Shared by every connection.
pub struct ApiState {
    pub jobs: JobManager,
    context_path: String,
    node: NodeInfo,
    max_body_bytes: usize,
    tags: RwLock<BTreeMap<String, String>>,
    started: Instant,
    cpu: Mutex<handlers::system::CpuSample>,
    connections: AtomicUsize,
}

impl ApiState {
    pub fn new(jobs: JobManager, settings: ApiSettings) -> Arc<ApiState> {
        Arc::new(ApiState {
            jobs,
            context_path: router::normalize_context_path(&settings.context_path),
            node: settings.node,
            max_body_bytes: settings.max_body_bytes,
            tags: RwLock::new(settings.tags),
            started: Instant::now(),
            cpu: Mutex::new(handlers::system::CpuSample::now()),
            connections: AtomicUsize::new(0),
        })
    }

    pub fn context_path(&self) -> &str {
        &self.context_path
    }

    pub fn tags(&self) -> BTreeMap<String, String> {
        self.tags.read().expect("tags lock poisoned").clone()
    }

    pub fn set_tags(&self, tags: BTreeMap<String, String>) {
        *self.tags.write().expect("tags lock poisoned") = tags;
    }

    /// Open HTTP connections right now.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    fn connection_opened(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    fn connection_closed(&self) {
        self.connections.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves one request: route, read what the endpoint needs, run its handler, shape the answer.
pub async fn handle<B>(state: Arc<ApiState>, req: Request<B>) -> Reply
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let endpoint = router::route(
        req.method(),
        req.uri().path(),
        req.uri().query(),
        &state.context_path,
    );
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let limit = state.max_body_bytes;
    let body = req.into_body();
    let result = async {
        match endpoint {
            Endpoint::NotFound => Err(ApiError::NotFound(path)),
            Endpoint::MethodNotAllowed { allowed } => {
                Err(ApiError::MethodNotAllowed { method, allowed })
            }
            Endpoint::Overview { tags } => Ok(handlers::jobs_read::overview(&state, &tags)),
            Endpoint::RunningJobs => Ok(handlers::jobs_read::running_jobs(&state)),
            Endpoint::JobInfo { job_id } => handlers::jobs_read::job_info(&state, &job_id),
            Endpoint::FinishedJobs { state: s } => {
                Ok(handlers::jobs_read::finished_jobs(&state, &s))
            }
            Endpoint::SystemMonitoring => Ok(handlers::system::monitoring(&state)),
            Endpoint::ThreadDump => Ok(handlers::system::thread_dump()),
            Endpoint::Health => Ok(handlers::health::health(&state)),
            Endpoint::SubmitJob { query } => {
                let body = request::read_body(body, limit).await?;
                handlers::jobs_write::submit_job(&state, &query, &body)
            }
            Endpoint::SubmitJobUpload { query } => {
                let body = request::read_body(body, limit).await?;
                handlers::jobs_write::submit_job_upload(&state, &query, &content_type, &body)
            }
            Endpoint::SubmitJobs => {
                let body = request::read_body(body, limit).await?;
                handlers::jobs_write::submit_jobs(&state, &body)
            }
            Endpoint::StopJob => {
                let body = request::read_body(body, limit).await?;
                handlers::jobs_write::stop_job(&state, &body)
            }
            Endpoint::StopJobs => {
                let body = request::read_body(body, limit).await?;
                handlers::jobs_write::stop_jobs(&state, &body)
            }
            Endpoint::EncryptConfig => {
                let body = request::read_body(body, limit).await?;
                handlers::config::encrypt_config(&body)
            }
            Endpoint::UpdateTags => {
                let body = request::read_body(body, limit).await?;
                handlers::config::update_tags(&state, &body)
            }
        }
    }
    .await;
    match result {
        Ok(json) => error::json_reply(&json),
        Err(e) => {
            if e.status().is_server_error() {
                tracing::warn!(error = %e, "REST request failed");
            }
            e.into_reply()
        }
    }
}

#[cfg(test)]
mod tests;
