//! `/health`: ours, not SeaTunnel's, for load balancers and systemd-style probes. Live while the
//! process answers; ready while the coordinator accepts jobs (not once shutdown began) and, on a
//! cluster node, its part of the cluster works (a master's Raft core runs).

use serde_json::{json, Value as Json};

use crate::api::ApiState;

pub fn health(state: &ApiState) -> Json {
    let ready = state.jobs.accepting()
        && state
            .active_master()
            .is_none_or(|active| active.is_serving());
    json!({
        "status": if ready { "UP" } else { "DOWN" },
        "live": true,
        "ready": ready,
        "isMaster": state.node.is_master,
        "runningJobs": state.jobs.counts().running,
        "uptimeSeconds": state.started.elapsed().as_secs(),
        "version": env!("CARGO_PKG_VERSION"),
    })
}
