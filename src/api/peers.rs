//! Cluster-wide answers (`/logs`, `/system-monitoring-information`): every other member is asked
//! at once for its own part, so a silent member costs [`PEER_TIMEOUT`] once, not once per member.

use std::time::Duration;

use serde_json::Value as Json;

use super::client::{self, Outgoing};
use super::forward::LOCAL_HEADER;
use super::ApiState;

/// How long a member may take to answer for itself: it reads local files and `/proc`, so a live
/// member answers in milliseconds.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(5);

/// `GET <base><path>` on every peer of the member directory, marked local-only; the answers in
/// the directory's order, each with the peer's base URL (no trailing slash).
pub async fn ask_all(state: &ApiState, path: &'static str) -> Vec<(String, Result<Json, String>)> {
    let mut asks = tokio::task::JoinSet::new();
    for (i, base) in state.members.log_peers().into_iter().enumerate() {
        let base = base.trim_end_matches('/').to_string();
        let auth = state.basic_auth.clone();
        asks.spawn(async move {
            let answer = ask(&format!("{base}{path}"), auth.as_ref()).await;
            (i, base, answer)
        });
    }
    let mut answers = asks.join_all().await;
    answers.sort_by_key(|(i, _, _)| *i);
    answers.into_iter().map(|(_, b, a)| (b, a)).collect()
}

async fn ask(url: &str, auth: Option<&super::BasicAuth>) -> Result<Json, String> {
    let (authority, path) = client::split_url(url).map_err(|e| e.to_string())?;
    let out = Outgoing {
        method: hyper::Method::GET,
        path: &path,
        content_type: None,
        body: hyper::body::Bytes::new(),
        extra: Some((LOCAL_HEADER, "1")),
    };
    let (status, _, body) = client::send(url, &authority, out, auth, PEER_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("{url} answered HTTP {status}"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("{url} did not answer JSON: {e}"))
}
