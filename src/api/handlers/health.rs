//! `/health`: ours, not SeaTunnel's, for load balancers and systemd-style probes. Live while the
//! process answers; ready while the coordinator accepts jobs (not once shutdown began).

use serde_json::{json, Value as Json};

use crate::api::ApiState;

pub fn health(state: &ApiState) -> Json {
    let ready = state.jobs.accepting();
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
