//! SeaTunnel's REST API (V2, and V1 where a listener serves it) over hyper, without a framework:
//! every route of §3 of the spec that a single node can answer, with SeaTunnel's field names,
//! string-typed numbers and error bodies.
//!
//! - [`server`]: the accept loop, the drain on shutdown, the connection limits.
//! - `idle`: the idle clock of one connection.
//! - [`router`]: (method, path, query) → [`Endpoint`], pure; V2 under the context path, V1 under
//!   `/hazelcast/rest/maps`, per listener ([`Routes`]).
//! - `handlers`: one file per endpoint family.
//! - [`view`]: the job object as JSON, pure; [`checkpoint_view`] the checkpoint overview.
//! - [`request`], [`format`], [`multipart`]: parsing requests at the edge.
//! - [`error`]: [`ApiError`] → status and body.
//! - `state`: [`ApiState`], what every handler can reach, and its settings.
//! - [`procfs`]: this process as `/proc` shows it.
//! - [`members`]: `/members` and the [`MemberDirectory`] it reads.
//! - [`log_files`]: the job log directory as `/logs` serves it.
//! - [`client`]: a small HTTP client for asking other nodes.
//! - [`forward`]: job requests on a node that is not the active master go to the one that is.
//! - [`peers`]: cluster-wide answers, every other member asked at once for its own part.

pub mod checkpoint_view;
pub mod client;
pub mod error;
pub mod format;
pub mod forward;
mod handlers;
mod idle;
pub mod log_files;
pub mod members;
pub mod multipart;
pub mod peers;
pub mod procfs;
pub mod request;
pub mod router;
pub mod server;
mod state;
pub mod view;

use std::sync::Arc;

use hyper::body::{Body, Bytes};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::{Request, StatusCode};

pub use error::{ApiError, Reply};
pub use forward::{ActiveMaster, JobRoute};
pub use members::{MemberDirectory, MemberRole, MemberRow, SingleNode};
pub use router::{Endpoint, Routes};
pub use server::{bind, serve, serve_connection, serve_routes, ConnectionLimits};
pub use state::{
    ApiConfigError, ApiSettings, ApiState, BasicAuth, NodeInfo, DEFAULT_MAX_BODY_BYTES,
};

/// Content type of the HTML log listings.
const HTML_TYPE: &str = "text/html; charset=UTF-8";
/// Content type of a log file's content.
const LOG_TYPE: &str = "text/plain; charset=UTF-8";

/// Serves one request on the listener of [`serve`] (the state's own [`Routes`]).
pub async fn handle<B>(state: Arc<ApiState>, req: Request<B>) -> Reply
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let routes = state.routes().clone();
    handle_routes(state, &routes, req).await
}

/// Serves one request on a listener answering `routes`: route, read what the endpoint needs,
/// run its handler, shape the answer.
pub async fn handle_routes<B>(state: Arc<ApiState>, routes: &Routes, req: Request<B>) -> Reply
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
    let endpoint = router::route(req.method(), req.uri().path(), req.uri().query(), routes);
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let forwarded = req.headers().contains_key(forward::FORWARDED_HEADER);
    let local_only = req.headers().contains_key(forward::LOCAL_HEADER);
    if let Some(active) = state.active_master() {
        if forward::is_forwarded(&endpoint) && !local_only {
            // V1 is served on member ports only, so V1 requests go to the active master's.
            let route = if req.uri().path().starts_with(router::V1_PREFIX) {
                active.route_member().await
            } else {
                active.route().await
            };
            match route {
                JobRoute::Local => {}
                JobRoute::Forward(_) if forwarded => {
                    return ApiError::Failed("a forwarded job request reached a node that is not the active master (the active master changed); retry".into()).into_reply();
                }
                JobRoute::Forward(addr) => {
                    let method = req.method().clone();
                    let path_and_query = req
                        .uri()
                        .path_and_query()
                        .map_or("/", |p| p.as_str())
                        .to_string();
                    let body = match request::read_body(req.into_body(), state.max_body_bytes).await
                    {
                        Ok(b) => b,
                        Err(e) => return e.into_reply(),
                    };
                    let fwd = forward::Forwarded {
                        method,
                        path_and_query: &path_and_query,
                        content_type: &content_type,
                        body,
                    };
                    return match forward::forward(&addr, fwd, state.basic_auth.as_ref()).await {
                        Ok(reply) => reply,
                        Err(e) => e.into_reply(),
                    };
                }
                JobRoute::Unavailable(why) => return ApiError::Failed(why).into_reply(),
            }
        }
    }
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let limit = state.max_body_bytes;
    let body = req.into_body();
    let json = |j: serde_json::Value| error::json_reply(&j);
    let text =
        |content_type: &'static str, body: Bytes| error::reply(StatusCode::OK, content_type, body);
    let result: Result<Reply, ApiError> = async {
        match endpoint {
            Endpoint::NotFound => Err(ApiError::NotFound(path)),
            Endpoint::MethodNotAllowed { allowed } => {
                Err(ApiError::MethodNotAllowed { method, allowed })
            }
            Endpoint::Overview { tags } => Ok(json(handlers::jobs_read::overview(&state, &tags))),
            Endpoint::RunningJobs => Ok(json(handlers::jobs_read::running_jobs(&state))),
            Endpoint::JobInfo { job_id } => {
                handlers::jobs_read::job_info(&state, &job_id).map(json)
            }
            Endpoint::FinishedJobs { state: s } => {
                Ok(json(handlers::jobs_read::finished_jobs(&state, &s)))
            }
            Endpoint::SystemMonitoring => Ok(json(
                handlers::system::monitoring_all(&state, local_only).await,
            )),
            Endpoint::ThreadDump => Ok(json(handlers::system::thread_dump())),
            Endpoint::Health => Ok(json(handlers::health::health(&state))),
            Endpoint::SubmitJob { query } => {
                let body = request::read_body(body, limit).await?;
                handlers::jobs_write::submit_job(&state, &query, &body)
                    .await
                    .map(json)
            }
            Endpoint::SubmitJobUpload { query } => {
                let body = request::read_body(body, limit).await?;
                handlers::jobs_write::submit_job_upload(&state, &query, &content_type, &body)
                    .await
                    .map(json)
            }
            Endpoint::SubmitJobs => {
                let body = request::read_body(body, limit).await?;
                handlers::jobs_write::submit_jobs(&state, &body)
                    .await
                    .map(json)
            }
            Endpoint::StopJob => {
                let body = request::read_body(body, limit).await?;
                handlers::jobs_write::stop_job(&state, &body)
                    .await
                    .map(json)
            }
            Endpoint::StopJobs => {
                let body = request::read_body(body, limit).await?;
                handlers::jobs_write::stop_jobs(&state, &body)
                    .await
                    .map(json)
            }
            Endpoint::EncryptConfig => {
                let body = request::read_body(body, limit).await?;
                handlers::config::encrypt_config(&body).map(json)
            }
            Endpoint::UpdateTags => {
                let body = request::read_body(body, limit).await?;
                handlers::config::update_tags(&state, &body).map(json)
            }
            Endpoint::Logs { job_id, format } => {
                let entries = handlers::logs::list_all(&state, &job_id).await?;
                Ok(match format {
                    router::ListFormat::Json => json(handlers::logs::entries_json(&entries)),
                    router::ListFormat::Html => {
                        text(HTML_TYPE, handlers::logs::entries_html(&entries).into())
                    }
                })
            }
            Endpoint::NodeLogs => Ok(text(HTML_TYPE, handlers::logs::node_page(&state)?.into())),
            Endpoint::LogFile { name } => {
                Ok(text(LOG_TYPE, handlers::logs::log_file(&state, &name)?))
            }
            Endpoint::AllLogNames => handlers::logs::all_log_names(&state).map(json),
            Endpoint::Members => Ok(json(members::members_json(state.members.as_ref()))),
            Endpoint::Checkpoints { job_id } => handlers::checkpoints::overview(&state, &job_id)
                .await
                .map(json),
            Endpoint::CheckpointHistory { job_id, query } => {
                handlers::checkpoints::history(&state, &job_id, &query)
                    .await
                    .map(json)
            }
        }
    }
    .await;
    match result {
        Ok(reply) => reply,
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
