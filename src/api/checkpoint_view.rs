//! SeaTunnel 3.x's checkpoint JSON (`CheckpointMonitorRestService`): the overview of
//! `/jobs/checkpoints/:id` and the entries of `/jobs/checkpoints/history/:id`. Pure.
//!
//! Field names and their presence follow SeaTunnel: ids and counts are numbers (the job id a
//! string), a missing latest checkpoint is `{}`, `completedTimestamp` and `failureReason` appear
//! only when known. Where SeaTunnel always has a number and we may not, we answer `null`:
//! `updatedAt` before any checkpoint was asked, `stateSize` of a failed checkpoint or of a
//! record older than its size.

use serde_json::{json, Map, Value as Json};

use crate::coordinator::checkpoints::{CheckpointRecord, CheckpointStatus, PipelineCheckpoints};
use crate::coordinator::JobCheckpoints;

/// `GET /jobs/checkpoints/:id`.
pub fn overview(job_id: i64, c: &JobCheckpoints) -> Json {
    json!({
        "jobId": job_id.to_string(),
        "updatedAt": c.updated_at_ms(),
        "pipelines": c.pipelines.iter().map(pipeline).collect::<Vec<_>>(),
    })
}

/// One entry of a history: `{"pipelineId", "checkpoint"}`.
pub fn history_entry(pipeline: usize, c: &CheckpointRecord) -> Json {
    json!({ "pipelineId": pipeline, "checkpoint": record(c) })
}

fn pipeline(p: &PipelineCheckpoints) -> Json {
    let latest = |c: Option<&CheckpointRecord>| c.map_or_else(|| json!({}), record);
    json!({
        "pipelineId": p.pipeline,
        "counts": {
            "triggered": p.triggered(),
            "completed": p.completed,
            "failed": p.failed,
            "inProgress": u64::from(p.in_progress.is_some()),
            "restored": p.restored,
        },
        "latestCompleted": latest(p.latest_completed()),
        "latestFailed": latest(p.latest_failed.as_ref()),
        "latestSavepoint": latest(p.latest_savepoint()),
        "inProgress": p.in_progress.iter().map(|r| json!({
            "checkpointId": r.id,
            "checkpointType": r.kind.name(),
            "triggerTimestamp": r.triggered_at_ms,
            "acknowledged": r.acknowledged,
            "total": r.total,
        })).collect::<Vec<_>>(),
        "history": p.history().into_iter().map(|c| history_entry(p.pipeline, c)).collect::<Vec<_>>(),
    })
}

fn record(c: &CheckpointRecord) -> Json {
    let mut o = Map::new();
    o.insert("checkpointId".into(), json!(c.id));
    o.insert("checkpointType".into(), json!(c.kind.name()));
    o.insert("status".into(), json!(c.status.name()));
    o.insert("triggerTimestamp".into(), json!(c.triggered_at_ms));
    if c.status == CheckpointStatus::Completed {
        o.insert("completedTimestamp".into(), json!(c.ended_at_ms));
    }
    o.insert("durationMillis".into(), json!(c.duration_ms));
    o.insert("stateSize".into(), json!(c.state_bytes));
    if let Some(why) = &c.failure {
        o.insert("failureReason".into(), json!(why));
    }
    Json::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coordinator::checkpoints::tests::completed;
    use crate::coordinator::checkpoints::{CheckpointKind, InProgress};

    #[test]
    fn the_overview_has_seatunnels_shape() {
        let p = PipelineCheckpoints {
            pipeline: 1,
            completed: 2,
            failed: 1,
            restored: 1,
            in_progress: Some(InProgress {
                id: 3,
                kind: CheckpointKind::Checkpoint,
                triggered_at_ms: 9_000,
                acknowledged: 1,
                total: 2,
            }),
            latest_failed: Some(CheckpointRecord {
                status: CheckpointStatus::Failed,
                state_bytes: None,
                failure: Some("checkpoint 2 expired".into()),
                ..completed(2, 1_900, CheckpointKind::Checkpoint)
            }),
            retained: vec![
                completed(1, 1_000, CheckpointKind::Checkpoint),
                completed(2, 2_000, CheckpointKind::Checkpoint),
            ],
        };
        let v = overview(77, &JobCheckpoints { pipelines: vec![p] });
        assert_eq!(v["jobId"], "77");
        assert_eq!(v["updatedAt"], 9_000);
        let p = &v["pipelines"][0];
        assert_eq!(p["pipelineId"], 1);
        assert_eq!(
            p["counts"],
            json!({"triggered": 4, "completed": 2, "failed": 1, "inProgress": 1, "restored": 1})
        );
        assert_eq!(
            p["latestCompleted"],
            json!({
                "checkpointId": 2, "checkpointType": "checkpoint", "status": "COMPLETED",
                "triggerTimestamp": 1_990, "completedTimestamp": 2_000, "durationMillis": 10,
                "stateSize": 102,
            })
        );
        assert_eq!(p["latestSavepoint"], json!({}));
        assert_eq!(p["latestFailed"]["failureReason"], "checkpoint 2 expired");
        assert_eq!(p["latestFailed"]["stateSize"], Json::Null);
        assert!(p["latestFailed"].get("completedTimestamp").is_none());
        assert_eq!(
            p["inProgress"],
            json!([{"checkpointId": 3, "checkpointType": "checkpoint", "triggerTimestamp": 9_000, "acknowledged": 1, "total": 2}])
        );
        let history: Vec<(u64, &str)> = p["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                assert_eq!(e["pipelineId"], 1);
                (
                    e["checkpoint"]["checkpointId"].as_u64().unwrap(),
                    e["checkpoint"]["status"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            history,
            vec![(2, "COMPLETED"), (2, "FAILED"), (1, "COMPLETED")]
        );
        let empty = overview(5, &JobCheckpoints::default());
        assert_eq!(
            empty,
            json!({"jobId": "5", "updatedAt": null, "pipelines": []})
        );
    }
}
