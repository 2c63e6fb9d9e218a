//! The replicated job table against a real one-master Raft group on RocksDB: the job store
//! contract, run records across restarts, kept checkpoints and concurrent pipeline restarts.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use openraft::BasicNode;

use super::*;
use crate::coordinator::store::tests::job_store_contract;
use crate::raft::RaftTimings;

/// A single master on a real RocksDB in a temp dir, leading its own group.
async fn single_master(dir: &std::path::Path) -> MasterRaft {
    let raft = MasterRaft::open(1, dir, "st-test", RaftTimings::default())
        .await
        .unwrap();
    let members = BTreeMap::from([(1, BasicNode::new("127.0.0.1:1"))]);
    raft.raft.initialize(members).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while raft.lease_token().is_none() {
        assert!(Instant::now() < deadline, "the single master never led");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    raft
}

/// A one-master group's job table holding running job 5.
async fn store_running_job_5(dir: &std::path::Path) -> (MasterRaft, RaftJobStore) {
    let raft = single_master(dir).await;
    let store = RaftJobStore::new(raft.clone());
    store
        .insert_running(crate::coordinator::store::tests::running(5))
        .await
        .unwrap();
    (raft, store)
}

/// Task group 0 of `pipeline` on worker `w`.
fn grant(pipeline: usize, epoch: u64) -> StoredGrant {
    StoredGrant {
        pipeline,
        group: Some(0),
        index: 0,
        worker_id: "w".into(),
        worker_address: "127.0.0.1:2".into(),
        slot: 0,
        epoch,
    }
}

#[tokio::test]
async fn the_replicated_job_table_keeps_the_job_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    let raft = single_master(dir.path()).await;
    job_store_contract(&RaftJobStore::new(raft.clone())).await;
    raft.raft.shutdown().await.unwrap();
}

/// A full restart loses every pipeline's workers at once: their restarts write the job's
/// assignment concurrently, and each keeps the other's new grants.
#[tokio::test]
async fn concurrent_pipeline_restarts_keep_each_others_grants() {
    let dir = tempfile::tempdir().unwrap();
    let (raft, store) = store_running_job_5(dir.path()).await;
    let first = StoredAssignment {
        grants: vec![grant(1, 1), grant(2, 1)],
    };
    store.save_assignment(5, &first).await.unwrap();
    let record = PipelineRecord::set_up();
    let (a, b) = tokio::join!(
        store.restart_pipeline(5, 1, vec![grant(1, 2)], &record),
        store.restart_pipeline(5, 2, vec![grant(2, 3)], &record),
    );
    a.unwrap();
    b.unwrap();
    let mut epochs: Vec<(usize, u64)> = store
        .assignment(5)
        .unwrap()
        .grants
        .iter()
        .map(|g| (g.pipeline, g.epoch))
        .collect();
    epochs.sort_unstable();
    assert_eq!(epochs, vec![(1, 2), (2, 3)], "both restarts' grants");
    raft.raft.shutdown().await.unwrap();
}

#[tokio::test]
async fn run_records_follow_a_restart_and_vanish_with_finish() {
    let dir = tempfile::tempdir().unwrap();
    let (raft, store) = store_running_job_5(dir.path()).await;
    let grant = grant(1, 9);
    store
        .save_assignment(
            5,
            &StoredAssignment {
                grants: vec![grant.clone()],
            },
        )
        .await
        .unwrap();
    let key = GroupKey {
        job_id: 5,
        pipeline: 1,
        group: 0,
        epoch: 9,
    };
    let record = GroupRecord {
        key,
        end: GroupEnd::Finished(vec![(3, "{\"f\":1}".into())]),
        metrics: WireMetrics::default(),
        abandoned: Vec::new(),
    };
    store
        .record_group_ends(std::slice::from_ref(&record))
        .await
        .unwrap();
    let phase = PipelineRecord {
        phase: PipelinePhase::SetUp,
        error: None,
        checkpoint: 3,
        restores: 1,
        starts: Some(vec![GroupStart {
            splits: vec![crate::connector::SourceSplit {
                id: "0-0".into(),
                state: serde_json::json!({"table": 0, "rows": 5, "done": 2}),
            }],
            writers: Vec::new(),
        }]),
        ..PipelineRecord::set_up()
    };
    store.save_pipeline(5, 1, &phase).await.unwrap();
    assert_eq!(store.group_records(5), vec![record.clone()]);
    assert_eq!(store.pipeline_record(5, 1), Some(phase.clone()));
    // Records written before checkpoints were recorded read as "none completed yet".
    let old: PipelineRecord = serde_json::from_str(r#"{"phase":"SetUp","error":null}"#).unwrap();
    assert_eq!(old.checkpoint, 0);
    assert!(store.assignment(5).is_some());
    // A late report for a job that is not running is dropped, not resurrected.
    let late = GroupRecord {
        key: GroupKey { job_id: 6, ..key },
        end: GroupEnd::Canceled,
        metrics: WireMetrics::default(),
        abandoned: vec![(3, "{\"f\":2}".into())],
    };
    store.record_group_ends(&[late]).await.unwrap();
    assert!(store.group_records(6).is_empty());

    // A restart replaces the pipeline's placement and forgets its ends in one entry; an end
    // of the old placement arriving afterwards is dropped.
    let moved = StoredGrant {
        worker_id: "w2".into(),
        epoch: 10,
        ..grant.clone()
    };
    let restarted = PipelineRecord {
        restores: 2,
        ..phase.clone()
    };
    store
        .restart_pipeline(5, 1, vec![moved.clone()], &restarted)
        .await
        .unwrap();
    assert_eq!(store.assignment(5).unwrap().grants, vec![moved]);
    assert!(store.group_records(5).is_empty());
    assert_eq!(store.pipeline_record(5, 1), Some(restarted));
    store
        .record_group_ends(std::slice::from_ref(&record))
        .await
        .unwrap();
    assert!(store.group_records(5).is_empty(), "old epoch: dropped");
    let new_end = GroupRecord {
        key: GroupKey { epoch: 10, ..key },
        ..record.clone()
    };
    store
        .record_group_ends(std::slice::from_ref(&new_end))
        .await
        .unwrap();
    assert_eq!(store.group_records(5), vec![new_end]);

    store
        .finish(crate::coordinator::store::tests::finished(
            5,
            crate::job::JobStatus::Finished,
            2_000,
        ))
        .await
        .unwrap();
    assert!(store.running(5).is_none());
    assert!(store.assignment(5).is_none());
    assert!(store.group_records(5).is_empty());
    assert_eq!(store.pipeline_record(5, 1), None);
    // The checkpoint overview goes to history in the same entry.
    let history = store.finished(5).unwrap().checkpoints.clone().unwrap();
    assert_eq!(history.pipelines.len(), 1);
    assert_eq!(history.pipelines[0].pipeline, 1);
    assert_eq!(history.pipelines[0].completed, 3);
    raft.raft.shutdown().await.unwrap();
}

/// SeaTunnel's end rule: FAILED and SAVEPOINT_DONE keep each pipeline's last checkpoint for
/// a restore under the same id; FINISHED and CANCELED delete what an earlier run kept.
#[tokio::test]
async fn a_failed_or_savepointed_job_keeps_its_last_checkpoints_and_other_ends_drop_them() {
    use crate::coordinator::store::tests::{finished, running};
    let dir = tempfile::tempdir().unwrap();
    let raft = single_master(dir.path()).await;
    let store = RaftJobStore::new(raft.clone());
    let checkpoint = |id| CompletedCheckpoint {
        id,
        starts: vec![GroupStart::default()],
        infos: vec![(2, format!("{{\"n\":{id}}}"))],
        completed_at_ms: 1,
        duration_ms: 2,
        committed: true,
        savepoint: false,
        state_bytes: None,
    };
    for (status, kept) in [
        (JobStatus::SavepointDone, true),
        (JobStatus::Failed, true),
        (JobStatus::Canceled, false),
        (JobStatus::Finished, false),
    ] {
        store.insert_running(running(8)).await.unwrap();
        for pipeline in [1, 2] {
            store
                .update_pipeline(8, pipeline, |r| {
                    r.complete(checkpoint(3), 2);
                    r.complete(checkpoint(4), 2);
                    r.complete(checkpoint(5), 2);
                })
                .await
                .unwrap();
        }
        assert_eq!(
            store.pipeline_record(8, 1).unwrap().retained.len(),
            2,
            "max-retained"
        );
        store.finish(finished(8, status, 9)).await.unwrap();
        for pipeline in [1, 2] {
            let expected = kept.then(|| KeptPipeline::Checkpoint(checkpoint(5)));
            assert_eq!(store.kept_pipeline(8, pipeline), expected, "{status}");
        }
    }
    // A restore that fails before recording anything keeps what the earlier run left, and
    // a pipeline that committed is kept as committed (a restore skips it).
    store.insert_running(running(8)).await.unwrap();
    store
        .update_pipeline(8, 1, |r| r.complete(checkpoint(6), 2))
        .await
        .unwrap();
    store
        .finish(finished(8, JobStatus::SavepointDone, 9))
        .await
        .unwrap();
    store.insert_running(running(8)).await.unwrap();
    store
        .update_pipeline(8, 2, |r| r.phase = PipelinePhase::Committed)
        .await
        .unwrap();
    store
        .finish(finished(8, JobStatus::Failed, 10))
        .await
        .unwrap();
    assert_eq!(
        store.kept_pipeline(8, 1),
        Some(KeptPipeline::Checkpoint(checkpoint(6)))
    );
    assert_eq!(store.kept_pipeline(8, 2), Some(KeptPipeline::Committed));
    raft.raft.shutdown().await.unwrap();
}
