//! Periodic checkpoints of a STREAMING pipeline whose task groups run on several workers.
//!
//! One round: the active master asks every worker holding the pipeline's groups to prepare
//! checkpoint `id`; when every group answered, it has the committer worker commit all they hold,
//! then records `id` as the pipeline's last completed checkpoint. The next round tells the
//! workers that everything up to `id` is committed, and only then do they forget it.
//!
//! Invariants:
//! - prepared output lives on the worker that prepared it until a recorded checkpoint covers it
//!   (see [`crate::engine::GroupCheckpoints`]), so a master failing over at any step loses
//!   nothing: its successor asks again, gets the same output (and more), and commits it again
//!   (sink commits are idempotent);
//! - ids grow with recorded checkpoints only; a round that did not complete is asked again under
//!   the same id, which the workers' hold list allows;
//! - a checkpoint expiring on a worker fails the pipeline, as in the in-process engine; a group
//!   that ended or a worker that could not be reached only leaves the round incomplete (the
//!   group's end or the failure detector decides what follows).

use std::collections::BTreeSet;
use std::time::Duration;

use crate::cluster::wire::{JobSpec, PipelineOp, WireInfos, WorkerCall, WorkerReply};

use super::calls::CallError;
use super::runner::{workers_of, Driver, PipelineTasks};

/// Added to the checkpoint timeout for a checkpoint call: the worker gives up on its own
/// timeout and answers; this margin covers the round trip and the answer's size.
const CALL_SLACK: Duration = Duration::from_secs(5);

/// What one worker's answer to a checkpoint call was, as the tally sees it.
#[derive(Debug)]
pub(super) enum Answer {
    Prepared {
        groups: Vec<usize>,
        infos: WireInfos,
    },
    /// The call did not happen or got no answer (no lease, unreachable, deposed).
    Missing(String),
    /// The worker could not prepare in time.
    Failed(String),
}

#[derive(Debug, PartialEq)]
pub(super) enum Round {
    /// Every group prepared: commit these.
    Complete(WireInfos),
    /// Not every group prepared; try again next interval.
    Incomplete(String),
    /// The pipeline fails with this.
    Failed(String),
}

/// Decides a round from the workers' answers. Pure.
pub(super) fn tally(expected: &BTreeSet<usize>, answers: Vec<Answer>) -> Round {
    let mut prepared = BTreeSet::new();
    let mut infos = Vec::new();
    let mut missing = None;
    for a in answers {
        match a {
            Answer::Failed(e) => return Round::Failed(e),
            Answer::Missing(e) => {
                missing.get_or_insert(e);
            }
            Answer::Prepared { groups, infos: i } => {
                prepared.extend(groups);
                infos.extend(i);
            }
        }
    }
    if let Some(e) = missing {
        return Round::Incomplete(e);
    }
    match expected.difference(&prepared).next() {
        None => Round::Complete(infos),
        Some(g) => Round::Incomplete(format!("task group {g} did not prepare (it ended)")),
    }
}

/// A pipeline's checkpoint bookkeeping on the active master.
pub(super) struct PipelineCheckpoints {
    pub interval: Duration,
    pub timeout: Duration,
    /// The last recorded (committed) checkpoint id; 0 before the first.
    pub completed: u64,
}

impl Driver {
    /// One checkpoint round of pipeline `p`. `Err` fails the pipeline.
    pub(super) async fn checkpoint(
        &self,
        spec: &JobSpec,
        p: &PipelineTasks,
        cp: &mut PipelineCheckpoints,
    ) -> Result<(), String> {
        let id = cp.completed + 1;
        let call = WorkerCall::Checkpoint {
            job_id: spec.job_id,
            pipeline: p.pipeline,
            id,
            committed_through: cp.completed,
            timeout_ms: cp.timeout.as_millis() as u64,
        };
        let limit = cp.timeout + CALL_SLACK;
        let asks = workers_of(p)
            .into_iter()
            .map(|w| self.call_reply(w, call.clone(), limit));
        let answers = futures_util::future::join_all(asks)
            .await
            .into_iter()
            .map(|r| match r {
                Ok(WorkerReply::Prepared { groups, infos }) => Answer::Prepared { groups, infos },
                Ok(other) => {
                    Answer::Failed(format!("unexpected answer to a checkpoint: {other:?}"))
                }
                Err(CallError::Failed(e)) => Answer::Failed(e),
                Err(e) => Answer::Missing(e.to_string()),
            })
            .collect();
        let expected = p.groups.iter().filter_map(|g| g.group).collect();
        let infos = match tally(&expected, answers) {
            Round::Complete(infos) => infos,
            Round::Incomplete(why) => {
                tracing::info!(
                    job_id = spec.job_id,
                    pipeline = p.pipeline,
                    "checkpoint {id} did not complete: {why}; trying again next interval"
                );
                return Ok(());
            }
            Round::Failed(e) => return Err(e),
        };
        let commit = WorkerCall::Pipeline {
            job: spec.clone(),
            pipeline: p.pipeline,
            op: PipelineOp::CommitCheckpoint(infos),
        };
        self.call_committer(p, commit).await?;
        self.ctx
            .store
            .update_pipeline(spec.job_id, p.pipeline, |r| r.checkpoint = id)
            .await
            .map_err(|e| e.to_string())?;
        cp.completed = id;
        tracing::info!(
            job_id = spec.job_id,
            pipeline = p.pipeline,
            "checkpoint {id} completed"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(groups: &[usize]) -> BTreeSet<usize> {
        groups.iter().copied().collect()
    }

    fn prepared(groups: &[usize], info: &str) -> Answer {
        Answer::Prepared {
            groups: groups.to_vec(),
            infos: vec![(5, info.to_string())],
        }
    }

    #[test]
    fn every_group_prepared_commits_everything_the_workers_hold() {
        let round = tally(
            &expected(&[0, 1, 2]),
            vec![prepared(&[0, 2], "a"), prepared(&[1], "b")],
        );
        assert_eq!(
            round,
            Round::Complete(vec![(5, "a".into()), (5, "b".into())])
        );
    }

    #[test]
    fn an_ended_group_or_an_unreachable_worker_leaves_the_round_incomplete() {
        let ended = tally(&expected(&[0, 1]), vec![prepared(&[0], "a")]);
        assert!(matches!(ended, Round::Incomplete(m) if m.contains("task group 1")));
        let unreachable = tally(
            &expected(&[0, 1]),
            vec![
                prepared(&[0], "a"),
                Answer::Missing("cannot reach member w2".into()),
            ],
        );
        assert!(matches!(unreachable, Round::Incomplete(m) if m.contains("w2")));
    }

    #[test]
    fn an_expired_checkpoint_fails_the_round_whatever_else_answered() {
        let round = tally(
            &expected(&[0, 1]),
            vec![
                Answer::Missing("x".into()),
                Answer::Failed("checkpoint 3 expired".into()),
                prepared(&[0, 1], "a"),
            ],
        );
        assert_eq!(round, Round::Failed("checkpoint 3 expired".into()));
    }
}
