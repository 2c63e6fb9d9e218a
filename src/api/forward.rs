//! Job requests on a node that is not the active master: forwarded to the active master's REST
//! listener, so every node answers the whole REST V2 with the same data (compat spec §3: any
//! node can take a submit). The node learns where the active master is from an
//! [`ActiveMaster`]; the API does not know how (Raft on a master, heartbeats on a worker).
//!
//! A forwarded request carries [`FORWARDED_HEADER`] and is never forwarded again, so two nodes
//! with different views of the leader cannot bounce a request between them.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use hyper::body::Bytes;
use hyper::{Method, StatusCode};

use super::client::{self, Outgoing};
use super::error::{self, ApiError, Reply};
use super::router::Endpoint;
use super::BasicAuth;

/// Marks a request one node forwarded to another.
pub const FORWARDED_HEADER: &str = "x-seatunnel-forwarded";
/// Asks a member for its own part of a cluster-wide answer (`/system-monitoring-information`).
pub const LOCAL_HEADER: &str = "x-seatunnel-local";
/// How long a forwarded write (submit, stop) may take: it waits for the job record to be
/// replicated, which takes milliseconds; a leader election in between takes a few seconds.
const FORWARD_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a forwarded read may take: reads are answered from memory, so a master that does not
/// answer within this is stalled (paused, overloaded) and the client is better told at once.
const FORWARD_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Where job requests go right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobRoute {
    /// This node is the active master.
    Local,
    /// The active master's REST address (`host:port`).
    Forward(String),
    /// No active master is known; the text says why and what to do.
    Unavailable(String),
}

pub trait ActiveMaster: Send + Sync {
    /// Where REST V2 job requests go: the active master's REST listener.
    fn route(&self) -> Pin<Box<dyn Future<Output = JobRoute> + Send + '_>>;

    /// Whether this node is the active master right now (`isMaster` in the monitoring answer):
    /// for a master, only while a majority of masters confirmed it within its lease.
    fn is_active(&self) -> bool;

    /// Why a node that believes it leads must not act as the active master now, if so.
    fn unconfirmed(&self) -> Option<&'static str> {
        None
    }

    /// Whether this node's part of the cluster still works; `/health` says DOWN once it does
    /// not. A master answers from its Raft core, which a storage error stops for good.
    fn is_serving(&self) -> bool {
        true
    }

    /// Where REST V1 job requests (served on member ports) go: the active master's member port.
    fn route_member(&self) -> Pin<Box<dyn Future<Output = JobRoute> + Send + '_>> {
        self.route()
    }
}

/// Endpoints whose answer lives with the active master.
pub fn is_forwarded(endpoint: &Endpoint) -> bool {
    matches!(
        endpoint,
        Endpoint::Overview { .. }
            | Endpoint::RunningJobs
            | Endpoint::JobInfo { .. }
            | Endpoint::FinishedJobs { .. }
            | Endpoint::SubmitJob { .. }
            | Endpoint::SubmitJobUpload { .. }
            | Endpoint::SubmitJobs
            | Endpoint::StopJob
            | Endpoint::StopJobs
            | Endpoint::Members
            | Endpoint::SystemMonitoring
            | Endpoint::Logs { .. }
            | Endpoint::Checkpoints { .. }
            | Endpoint::CheckpointHistory { .. }
    )
}

/// The parts of a request a forward needs.
pub struct Forwarded<'a> {
    pub method: Method,
    pub path_and_query: &'a str,
    pub content_type: &'a str,
    pub body: Bytes,
}

/// Sends the request to the active master at `addr` and hands its answer back unchanged.
pub async fn forward(
    addr: &str,
    req: Forwarded<'_>,
    auth: Option<&BasicAuth>,
) -> Result<Reply, ApiError> {
    let url = format!("http://{addr}{}", req.path_and_query);
    let limit = if req.method == Method::GET {
        FORWARD_READ_TIMEOUT
    } else {
        FORWARD_WRITE_TIMEOUT
    };
    let out = Outgoing {
        method: req.method,
        path: req.path_and_query,
        content_type: (!req.content_type.is_empty()).then_some(req.content_type),
        body: req.body,
        extra: Some((FORWARDED_HEADER, "1")),
    };
    let (status, content_type, body) =
        client::send(&url, addr, out, auth, limit)
            .await
            .map_err(|e| {
                ApiError::Failed(format!(
                    "cannot forward the request to the active master: {e}; retry in a few seconds"
                ))
            })?;
    let mut reply = error::reply(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
        "application/json",
        body,
    );
    if let Some(ct) = content_type.and_then(|c| hyper::header::HeaderValue::from_str(&c).ok()) {
        reply.headers_mut().insert(hyper::header::CONTENT_TYPE, ct);
    }
    Ok(reply)
}
