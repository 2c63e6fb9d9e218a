//! `/health`: ours, not SeaTunnel's, for load balancers and systemd-style probes. Live while the
//! process answers; ready while the coordinator accepts jobs (not once shutdown began) and, on a
//! cluster node, its part of the cluster works (a master's Raft core runs).

use serde_json::{json, Value as Json};

use crate::api::ApiState;

pub fn health(state: &ApiState) -> Json {
    let active = state.active_master();
    let ready = state.jobs.accepting() && active.is_none_or(|a| a.is_serving());
    let mut body = json!({
        "status": if ready { "UP" } else { "DOWN" },
        "live": true,
        "ready": ready,
        "isMaster": state.node.is_master,
        "activeMaster": active.as_ref().map_or(state.node.is_master, |a| a.is_active()),
        "runningJobs": state.jobs.counts().running,
        "uptimeSeconds": state.started.elapsed().as_secs(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    // A master that Raft calls leader but no majority confirmed: it says why it does not act.
    if let Some(why) = active.and_then(|a| a.unconfirmed()) {
        body["leadership"] = Json::String(why.to_string());
    }
    body
}
