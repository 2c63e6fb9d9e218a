//! The checkpoint overview of a separated-mode job, from what the masters record per pipeline
//! ([`PipelineRecord`]) and the rounds this master's driver is waiting for ([`InFlight`]).
//!
//! Counts, the last failure and the retained checkpoints come from the replicated record, so
//! every master reads the same (the API forwards job requests to the active master anyway); a
//! round in flight is known only to the driver that asked it, on the active master.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::coordinator::checkpoints::{
    CheckpointKind, CheckpointRecord, CheckpointStatus, InProgress, JobCheckpoints,
    PipelineCheckpoints,
};

use super::raft_store::{CompletedCheckpoint, FailedCheckpoint, PipelineRecord};

/// The checkpoint rounds this master's drivers are waiting for, by (job, pipeline). Soft state:
/// a round lives here from the first call to the workers until it is recorded or given up.
#[derive(Debug, Default)]
pub struct InFlight {
    rounds: Mutex<BTreeMap<(i64, usize), InProgress>>,
}

impl InFlight {
    /// Registers a round; it stays listed until the returned guard is dropped.
    pub(super) fn start(
        self: &Arc<Self>,
        job_id: i64,
        pipeline: usize,
        round: InProgress,
    ) -> Round {
        self.lock().insert((job_id, pipeline), round);
        Round {
            in_flight: self.clone(),
            key: (job_id, pipeline),
        }
    }

    /// The rounds of one job, by pipeline.
    pub fn of_job(&self, job_id: i64) -> BTreeMap<usize, InProgress> {
        self.lock()
            .range((job_id, 0)..=(job_id, usize::MAX))
            .map(|(&(_, pipeline), round)| (pipeline, round.clone()))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(i64, usize), InProgress>> {
        self.rounds
            .lock()
            .expect("in-flight checkpoints lock poisoned")
    }
}

/// A round in flight; dropping it (recorded, given up, or the driver cancelled) unlists it.
pub(super) struct Round {
    in_flight: Arc<InFlight>,
    key: (i64, usize),
}

impl Round {
    /// `groups` more task groups answered.
    pub(super) fn acknowledged(&self, groups: usize) {
        if let Some(r) = self.in_flight.lock().get_mut(&self.key) {
            r.acknowledged += groups;
        }
    }
}

impl Drop for Round {
    fn drop(&mut self) {
        self.in_flight.lock().remove(&self.key);
    }
}

/// The overview of every recorded pipeline of a job. Pure.
pub fn job_checkpoints(
    records: &[(usize, PipelineRecord)],
    in_flight: &BTreeMap<usize, InProgress>,
) -> JobCheckpoints {
    JobCheckpoints {
        pipelines: records
            .iter()
            .map(|(pipeline, r)| pipeline_checkpoints(*pipeline, r, in_flight.get(pipeline)))
            .collect(),
    }
}

/// One pipeline's overview. `completed` is the last checkpoint id: ids start at 1 and grow by
/// one with each recorded checkpoint only (a round that fails is asked again under its id), and
/// a `-r` restore continues the earlier run's ids, so the id counts every completed checkpoint
/// under the job id. Pure.
pub fn pipeline_checkpoints(
    pipeline: usize,
    r: &PipelineRecord,
    in_progress: Option<&InProgress>,
) -> PipelineCheckpoints {
    PipelineCheckpoints {
        pipeline,
        completed: r.checkpoint,
        failed: r.failed,
        restored: r.restored,
        in_progress: in_progress.cloned(),
        latest_failed: r.last_failed.as_ref().map(failed_record),
        retained: r.retained.iter().map(completed_record).collect(),
    }
}

fn completed_record(c: &CompletedCheckpoint) -> CheckpointRecord {
    CheckpointRecord {
        id: c.id,
        kind: CheckpointKind::from_savepoint(c.savepoint),
        status: CheckpointStatus::Completed,
        // The duration is measured from the request to the record, on the same master.
        triggered_at_ms: c.completed_at_ms - c.duration_ms as i64,
        ended_at_ms: c.completed_at_ms,
        duration_ms: c.duration_ms,
        state_bytes: c.state_bytes,
        failure: None,
    }
}

fn failed_record(f: &FailedCheckpoint) -> CheckpointRecord {
    CheckpointRecord {
        id: f.id,
        kind: CheckpointKind::from_savepoint(f.savepoint),
        status: CheckpointStatus::Failed,
        triggered_at_ms: f.triggered_at_ms,
        ended_at_ms: f.failed_at_ms,
        duration_ms: f.failed_at_ms.saturating_sub(f.triggered_at_ms).max(0) as u64,
        state_bytes: None,
        failure: Some(f.reason.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::group::GroupStart;

    fn checkpoint(id: u64, savepoint: bool) -> CompletedCheckpoint {
        CompletedCheckpoint {
            id,
            starts: vec![GroupStart::default()],
            infos: Vec::new(),
            completed_at_ms: 10_000 + id as i64 * 1_000,
            duration_ms: 40 + id,
            committed: true,
            savepoint,
            state_bytes: Some(300),
        }
    }

    #[test]
    fn a_record_becomes_counts_latest_checkpoints_and_the_last_failure() {
        let mut r = PipelineRecord::set_up();
        for id in 1..=4 {
            r.complete(checkpoint(id, id == 4), 3);
        }
        r.failed = 2;
        r.restored = 1;
        r.last_failed = Some(FailedCheckpoint {
            id: 3,
            savepoint: false,
            triggered_at_ms: 12_500,
            failed_at_ms: 12_900,
            reason: "task group 1 did not prepare (it ended)".into(),
        });
        let round = InProgress {
            id: 5,
            kind: CheckpointKind::Checkpoint,
            triggered_at_ms: 15_000,
            acknowledged: 0,
            total: 2,
        };
        let p = pipeline_checkpoints(2, &r, Some(&round));
        assert_eq!(
            (p.pipeline, p.completed, p.failed, p.restored),
            (2, 4, 2, 1)
        );
        assert_eq!(p.triggered(), 7);
        assert_eq!(
            p.retained.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![2, 3, 4],
            "max-retained"
        );
        let latest = p.latest_completed().unwrap();
        assert_eq!(latest.kind, CheckpointKind::Savepoint);
        assert_eq!(latest.ended_at_ms, 14_000);
        assert_eq!(latest.triggered_at_ms, 14_000 - 44);
        assert_eq!(latest.state_bytes, Some(300));
        let failed = p.latest_failed.as_ref().unwrap();
        assert_eq!(failed.status, CheckpointStatus::Failed);
        assert_eq!(failed.duration_ms, 400);
        assert!(failed.failure.as_deref().unwrap().contains("task group 1"));
        let job = job_checkpoints(&[(2, r)], &BTreeMap::from([(2, round)]));
        assert_eq!(job.updated_at_ms(), Some(15_000));
    }

    #[test]
    fn rounds_in_flight_are_listed_per_job_until_their_guard_drops() {
        let in_flight = Arc::new(InFlight::default());
        let round = |id| InProgress {
            id,
            kind: CheckpointKind::Checkpoint,
            triggered_at_ms: 1,
            acknowledged: 0,
            total: 3,
        };
        let a = in_flight.start(7, 1, round(4));
        let _other_job = in_flight.start(8, 1, round(9));
        a.acknowledged(2);
        let listed = in_flight.of_job(7);
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[&1].acknowledged, 2);
        drop(a);
        assert!(in_flight.of_job(7).is_empty());
        assert_eq!(in_flight.of_job(8).len(), 1);
    }
}
