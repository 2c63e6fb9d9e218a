//! SeaTunnel's REST API V2 over hyper, without a framework: every route of §3 of the spec that a
//! single node can answer, with SeaTunnel's field names, string-typed numbers and error bodies.
//!
//! - [`server`]: the accept loop and the drain on shutdown.
//! - [`router`]: (method, path, query) → [`Endpoint`], pure.
//! - `handlers`: one file per endpoint family.
//! - [`view`]: the job object as JSON, pure.
//! - [`request`], [`format`], [`multipart`]: parsing requests at the edge.
//! - [`error`]: [`ApiError`] → status and body.
//! - `state`: [`ApiState`], what every handler can reach, and its settings.
//! - [`procfs`]: this process as `/proc` shows it.

pub mod error;
pub mod format;
mod handlers;
pub mod multipart;
pub mod procfs;
pub mod request;
pub mod router;
pub mod server;
mod state;
pub mod view;

use std::sync::Arc;

use hyper::body::{Body, Bytes};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::Request;

pub use error::{ApiError, Reply};
pub use router::Endpoint;
pub use server::{bind, serve};
pub use state::{
    ApiConfigError, ApiSettings, ApiState, BasicAuth, NodeInfo, DEFAULT_MAX_BODY_BYTES,
};

/// Serves one request: route, read what the endpoint needs, run its handler, shape the answer.
pub async fn handle<B>(state: Arc<ApiState>, req: Request<B>) -> Reply
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if let Some(auth) = &state.basic_auth {
        let header = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if !auth.accepts(header) {
            return ApiError::Unauthorized.into_reply();
        }
    }
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
