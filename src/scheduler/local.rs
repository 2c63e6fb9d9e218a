//! Admission on a single node (local mode): the embedded node is the only worker, with this
//! process's `member-attributes` as its tags and its `slot-service` settings as its slots.
//!
//! Nothing else runs there, so no slot can free up later: a shortage fails the job at once even
//! under `job-schedule-strategy: WAIT`, where waiting would never end.

use std::collections::BTreeMap;

use crate::config::EngineConfig;
use crate::job::{Dag, JobConfig};

use super::{assign, decide, Decision, Epoch, Problem, ResourceRequest, WorkerId, WorkerProfile};

/// The worker id and address the embedded node reports.
const LOCAL_WORKER: &str = "local";
/// The first allocation epoch of a fresh node.
const FIRST_EPOCH: Epoch = Epoch(1);

/// Checks that the job fits on this node; the error text is what SeaTunnel reports
/// (`…NoEnoughResourceException: …`), shown as the job's error.
pub fn admit(
    job_id: i64,
    config: &JobConfig,
    dag: &Dag,
    engine: &EngineConfig,
    tags: &BTreeMap<String, String>,
) -> Result<(), String> {
    let request = ResourceRequest::for_job(job_id, config, dag).map_err(|e| e.to_string())?;
    let workers = [WorkerProfile::new(
        WorkerId(LOCAL_WORKER.to_string()),
        LOCAL_WORKER,
        tags.clone(),
        &engine.slot_service,
    )];
    let problem = Problem {
        request: &request,
        workers: &workers,
        strategy: engine.slot_service.slot_allocate_strategy,
        seed: job_id as u64,
        epoch: FIRST_EPOCH,
    };
    match decide(engine.job_schedule_strategy, assign(&problem, None)) {
        Decision::Deploy(_) => Ok(()),
        Decision::Reject(e) | Decision::Wait(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(env: serde_json::Value) -> (JobConfig, Dag) {
        let tree = json!({
            "env": env,
            "source": [{"plugin_name": "FakeSource", "parallelism": 4}],
            "sink": [{"plugin_name": "Console"}]
        });
        let config = JobConfig::from_tree(&tree).unwrap();
        let dag = Dag::build(&config).unwrap();
        (config, dag)
    }

    #[test]
    fn dynamic_slots_admit_any_parallelism() {
        let (config, dag) = job(json!({}));
        assert!(admit(1, &config, &dag, &EngineConfig::default(), &BTreeMap::new()).is_ok());
    }

    #[test]
    fn static_slots_reject_with_seatunnels_exception() {
        let (config, dag) = job(json!({}));
        let mut engine = EngineConfig::default();
        engine.slot_service.dynamic_slot = false;
        engine.slot_service.slot_num = 3;
        let e = admit(1, &config, &dag, &engine, &BTreeMap::new()).unwrap_err();
        assert!(e.contains("NoEnoughResourceException"), "{e}");
        engine.slot_service.slot_num = 10;
        assert!(admit(1, &config, &dag, &engine, &BTreeMap::new()).is_ok());
    }

    #[test]
    fn tag_filter_must_match_this_node() {
        let (config, dag) = job(json!({"tag_filter": {"group": "platform"}}));
        let mut tags = BTreeMap::new();
        assert!(admit(1, &config, &dag, &EngineConfig::default(), &tags)
            .unwrap_err()
            .contains("NoEnoughResourceException"));
        tags.insert("group".to_string(), "platform".to_string());
        assert!(admit(1, &config, &dag, &EngineConfig::default(), &tags).is_ok());
    }
}
