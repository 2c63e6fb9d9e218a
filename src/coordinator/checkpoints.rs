//! A job's checkpoint overview (SeaTunnel 3.x's `CheckpointOverview`): per pipeline, how many
//! checkpoints completed and failed, how often the pipeline restored, what is in flight, the
//! last failure and the completed checkpoints the masters keep. Pure data, built by the runner
//! that keeps checkpoint records ([`super::JobRunner::checkpoints`]) and shaped into SeaTunnel's
//! JSON by the API.
//!
//! Only what is recorded is reported: a count is never estimated. SeaTunnel's `triggered` is
//! `completed + failed + inProgress` (Flink's rule for the same counts), so a round cut short by
//! a master failover, which its successor asks again under the same id, counts once, when it
//! ends.

use serde::{Deserialize, Serialize};

/// Whether a checkpoint was periodic or a savepoint (SeaTunnel's `CheckpointType` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckpointKind {
    Checkpoint,
    Savepoint,
}

impl CheckpointKind {
    pub fn from_savepoint(savepoint: bool) -> CheckpointKind {
        if savepoint {
            CheckpointKind::Savepoint
        } else {
            CheckpointKind::Checkpoint
        }
    }

    /// `CheckpointType.getName()`.
    pub fn name(self) -> &'static str {
        match self {
            CheckpointKind::Checkpoint => "checkpoint",
            CheckpointKind::Savepoint => "savepoint",
        }
    }
}

/// How a checkpoint ended (SeaTunnel's `CheckpointStatus`; we never cancel one, a round that
/// did not complete is a failure with its reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckpointStatus {
    Completed,
    Failed,
}

impl CheckpointStatus {
    pub fn name(self) -> &'static str {
        match self {
            CheckpointStatus::Completed => "COMPLETED",
            CheckpointStatus::Failed => "FAILED",
        }
    }

    /// SeaTunnel's `status` query value, any case; `None` for anything else.
    pub fn parse(text: &str) -> Option<CheckpointStatus> {
        match text.trim().to_ascii_uppercase().as_str() {
            "COMPLETED" => Some(CheckpointStatus::Completed),
            "FAILED" => Some(CheckpointStatus::Failed),
            _ => None,
        }
    }
}

/// One ended checkpoint (SeaTunnel's `CheckpointInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointRecord {
    pub id: u64,
    pub kind: CheckpointKind,
    pub status: CheckpointStatus,
    /// When the master asked the workers, Unix milliseconds.
    pub triggered_at_ms: i64,
    /// When it was recorded (completed) or given up (failed), Unix milliseconds.
    pub ended_at_ms: i64,
    pub duration_ms: u64,
    /// Bytes of state the masters keep for it (every group's read positions and writer states,
    /// and the commit infos, as JSON); `None` when unknown (a failure keeps no state, and
    /// records written before the size was kept do not say).
    pub state_bytes: Option<u64>,
    /// Why it failed; `None` for a completed one.
    pub failure: Option<String>,
}

/// A checkpoint the master is waiting for (SeaTunnel's `InProgressCheckpoint`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InProgress {
    pub id: u64,
    pub kind: CheckpointKind,
    pub triggered_at_ms: i64,
    /// Task groups whose worker answered so far.
    pub acknowledged: usize,
    /// Task groups asked.
    pub total: usize,
}

/// One pipeline's overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineCheckpoints {
    pub pipeline: usize,
    /// Completed checkpoints under this job id, a run restored with `-r` included.
    pub completed: u64,
    /// Rounds that did not complete (expired, a group ended, a worker unreachable).
    pub failed: u64,
    /// Times the pipeline's task groups started again from a recorded checkpoint (after a lost
    /// worker, or a restore with `-r`).
    pub restored: u32,
    pub in_progress: Option<InProgress>,
    pub latest_failed: Option<CheckpointRecord>,
    /// The completed checkpoints the masters keep (`max-retained`), oldest first.
    pub retained: Vec<CheckpointRecord>,
}

impl PipelineCheckpoints {
    pub fn latest_completed(&self) -> Option<&CheckpointRecord> {
        self.retained.last()
    }

    pub fn latest_savepoint(&self) -> Option<&CheckpointRecord> {
        self.retained
            .iter()
            .rev()
            .find(|c| c.kind == CheckpointKind::Savepoint)
    }

    /// `triggered = completed + failed + in progress`: every round counted once it is known.
    pub fn triggered(&self) -> u64 {
        self.completed + self.failed + u64::from(self.in_progress.is_some())
    }

    /// What is known of single checkpoints, newest trigger first (SeaTunnel's order): the
    /// retained completed ones and the last failure. Earlier failures are counted, not kept.
    pub fn history(&self) -> Vec<&CheckpointRecord> {
        let mut all: Vec<&CheckpointRecord> =
            self.retained.iter().chain(&self.latest_failed).collect();
        all.sort_by_key(|c| std::cmp::Reverse((c.triggered_at_ms, c.id)));
        all
    }
}

/// Every pipeline of one job, by pipeline id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCheckpoints {
    pub pipelines: Vec<PipelineCheckpoints>,
}

impl JobCheckpoints {
    /// The time of the last thing known to have happened (`updatedAt`); `None` before any
    /// checkpoint was asked.
    pub fn updated_at_ms(&self) -> Option<i64> {
        self.pipelines
            .iter()
            .flat_map(|p| {
                p.retained
                    .iter()
                    .chain(&p.latest_failed)
                    .map(|c| c.ended_at_ms)
                    .chain(p.in_progress.as_ref().map(|c| c.triggered_at_ms))
            })
            .max()
    }

    /// `/jobs/checkpoints/history`: every pipeline's history (or one pipeline's), newest
    /// trigger first across pipelines, filtered by status, at most `limit` entries.
    pub fn history(
        &self,
        pipeline: Option<usize>,
        status: Option<CheckpointStatus>,
        limit: usize,
    ) -> Vec<(usize, &CheckpointRecord)> {
        let mut all: Vec<(usize, &CheckpointRecord)> = self
            .pipelines
            .iter()
            .filter(|p| pipeline.is_none_or(|want| p.pipeline == want))
            .flat_map(|p| p.history().into_iter().map(move |c| (p.pipeline, c)))
            .filter(|(_, c)| status.is_none_or(|s| c.status == s))
            .collect();
        all.sort_by_key(|(p, c)| std::cmp::Reverse((c.triggered_at_ms, c.id, *p)));
        all.truncate(limit);
        all
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn completed(id: u64, at: i64, kind: CheckpointKind) -> CheckpointRecord {
        CheckpointRecord {
            id,
            kind,
            status: CheckpointStatus::Completed,
            triggered_at_ms: at - 10,
            ended_at_ms: at,
            duration_ms: 10,
            state_bytes: Some(100 + id),
            failure: None,
        }
    }

    fn pipeline(pipeline: usize) -> PipelineCheckpoints {
        PipelineCheckpoints {
            pipeline,
            completed: 4,
            failed: 2,
            restored: 1,
            in_progress: None,
            latest_failed: Some(CheckpointRecord {
                id: 5,
                kind: CheckpointKind::Checkpoint,
                status: CheckpointStatus::Failed,
                triggered_at_ms: 2_000,
                ended_at_ms: 2_500,
                duration_ms: 500,
                state_bytes: None,
                failure: Some("checkpoint 5 expired".into()),
            }),
            retained: vec![
                completed(3, 1_000, CheckpointKind::Checkpoint),
                completed(4, 1_500, CheckpointKind::Savepoint),
            ],
        }
    }

    #[test]
    fn the_latest_of_each_kind_and_triggered_counts_what_is_known() {
        let mut p = pipeline(1);
        assert_eq!(p.latest_completed().map(|c| c.id), Some(4));
        assert_eq!(p.latest_savepoint().map(|c| c.id), Some(4));
        assert_eq!(p.triggered(), 6);
        p.in_progress = Some(InProgress {
            id: 5,
            kind: CheckpointKind::Checkpoint,
            triggered_at_ms: 3_000,
            acknowledged: 1,
            total: 2,
        });
        assert_eq!(p.triggered(), 7);
        p.retained
            .push(completed(5, 4_000, CheckpointKind::Checkpoint));
        assert_eq!(p.latest_savepoint().map(|c| c.id), Some(4));
        let job = JobCheckpoints { pipelines: vec![p] };
        assert_eq!(job.updated_at_ms(), Some(4_000));
        assert_eq!(JobCheckpoints::default().updated_at_ms(), None);
    }

    #[test]
    fn history_is_newest_first_filtered_and_limited() {
        let job = JobCheckpoints {
            pipelines: vec![pipeline(1), pipeline(2)],
        };
        let ids = |h: Vec<(usize, &CheckpointRecord)>| {
            h.into_iter().map(|(p, c)| (p, c.id)).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(job.pipelines[0]
                .history()
                .into_iter()
                .map(|c| (1, c))
                .collect()),
            vec![(1, 5), (1, 4), (1, 3)]
        );
        assert_eq!(
            ids(job.history(None, None, 3)),
            vec![(2, 5), (1, 5), (2, 4)]
        );
        assert_eq!(
            ids(job.history(Some(2), Some(CheckpointStatus::Completed), 20)),
            vec![(2, 4), (2, 3)]
        );
        assert_eq!(
            ids(job.history(None, Some(CheckpointStatus::Failed), 20)),
            vec![(2, 5), (1, 5)]
        );
        assert_eq!(
            CheckpointStatus::parse(" failed "),
            Some(CheckpointStatus::Failed)
        );
        assert_eq!(CheckpointStatus::parse("CANCELED"), None);
    }
}
