//! Periodic checkpoints of a pipeline whose task groups run on several workers.
//!
//! One round: the active master asks every worker holding the pipeline's groups to prepare
//! checkpoint `id`; each group's reader snapshots its splits and sends a barrier, and its
//! writers prepare exactly the rows before it. When every group answered, the master records
//! the checkpoint (every group's start for a restore, and what they prepared) in the pipeline's
//! record, keeping the last `checkpoint.storage.max-retained`, and only then has the committer
//! worker commit. The next round tells the workers that everything up to `id` is committed, and
//! only then do they forget it.
//!
//! Invariants:
//! - a checkpoint is recorded before its output is committed, and a driver that starts driving
//!   a pipeline (a takeover, a restore) commits the last recorded checkpoint's output again
//!   first ([`Driver::recommit_latest`]), so output is never committed without the read
//!   positions that follow it being recorded, and never left uncommitted once they are;
//! - prepared output lives on the worker that prepared it until a recorded checkpoint covers it
//!   (see [`crate::engine::GroupCheckpoints`]), so a master failing over at any step loses
//!   nothing: its successor asks again, gets the same output (and more), and commits it again
//!   (sink commits are idempotent);
//! - ids grow with recorded checkpoints only; a round that did not complete is asked again under
//!   the same id, which the workers' hold list allows;
//! - a checkpoint expiring on a worker fails the pipeline (SeaTunnel's rule); a group
//!   that ended or a worker that could not be reached only leaves the round incomplete (the
//!   group's end or the failure detector decides what follows).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::cluster::wire::{JobSpec, PipelineOp, WireInfos, WorkerCall, WorkerReply};
use crate::coordinator::checkpoints::{CheckpointKind, InProgress};
use crate::engine::group::GroupStart;

use super::calls::CallError;
use super::overview::Round as InFlightRound;
use super::raft_store::{CompletedCheckpoint, FailedCheckpoint};
use super::runner::{workers_of, Driver, PipelineTasks};

/// Added to the checkpoint timeout for a checkpoint call: the worker gives up on its own
/// timeout and answers; this margin covers the round trip and the answer's size.
const CALL_SLACK: Duration = Duration::from_secs(5);

/// The most one completed checkpoint may take in the masters' store (every group's splits and
/// writer states, and the commit infos): it is one Raft entry, replicated and fsynced on every
/// master, and a Raft append travels as one gRPC message (4 MiB by default).
pub(super) const MAX_CHECKPOINT_BYTES: usize = 2 << 20;

/// What one worker's answer to a checkpoint call was, as the tally sees it.
#[derive(Debug)]
pub(super) enum Answer {
    Prepared {
        groups: Vec<usize>,
        infos: WireInfos,
        states: Vec<(usize, String)>,
    },
    /// The call did not happen or got no answer (no lease, unreachable, deposed).
    Missing(String),
    /// The worker could not prepare in time.
    Failed(String),
}

#[derive(Debug, PartialEq)]
pub(super) enum Round {
    /// Every group prepared: record these states, then commit these infos.
    Complete {
        infos: WireInfos,
        states: BTreeMap<usize, String>,
    },
    /// Not every group prepared; try again next interval.
    Incomplete(String),
    /// The pipeline fails with this.
    Failed(String),
}

/// Decides a round from the workers' answers. Pure.
pub(super) fn tally(expected: &BTreeSet<usize>, answers: Vec<Answer>) -> Round {
    let mut prepared = BTreeSet::new();
    let mut infos = Vec::new();
    let mut states = BTreeMap::new();
    let mut missing = None;
    for a in answers {
        match a {
            Answer::Failed(e) => return Round::Failed(e),
            Answer::Missing(e) => {
                missing.get_or_insert(e);
            }
            Answer::Prepared {
                groups,
                infos: i,
                states: s,
            } => {
                prepared.extend(groups);
                infos.extend(i);
                states.extend(s);
            }
        }
    }
    if let Some(e) = missing {
        return Round::Incomplete(e);
    }
    if let Some(g) = expected.difference(&prepared).next() {
        return Round::Incomplete(format!("task group {g} did not prepare (it ended)"));
    }
    if let Some(g) = expected.iter().find(|g| !states.contains_key(g)) {
        return Round::Incomplete(format!("task group {g} prepared but sent no state"));
    }
    Round::Complete { infos, states }
}

/// Of the output a failed, cancelled or replaced placement left prepared, what the driver may
/// abort: everything the pipeline's latest recorded checkpoint does not cover. Output it
/// covers is committed from the record (again, if its commit was not recorded) and a restore
/// starts after it, so aborting it would lose those rows for good. Pure.
///
/// Infos are compared by value: a checkpoint's infos are every info its groups held when it
/// was taken, and each info names output of one writer and one checkpoint only.
pub(super) fn uncovered(prepared: WireInfos, latest: Option<&CompletedCheckpoint>) -> WireInfos {
    let Some(latest) = latest else {
        return prepared;
    };
    let covered: BTreeSet<&(usize, String)> = latest.infos.iter().collect();
    prepared
        .into_iter()
        .filter(|info| !covered.contains(info))
        .collect()
}

/// How a round ended short of its commit.
enum Recorded {
    /// Recorded: commit these infos.
    Complete { infos: WireInfos, size: usize },
    /// Not every group prepared; asked again next interval.
    Incomplete(String),
}

/// A pipeline's checkpoint bookkeeping on the active master.
pub(super) struct PipelineCheckpoints {
    pub interval: Duration,
    /// `checkpoint.min-pause`: the least time from one round's end to the next one's start.
    pub min_pause: Option<Duration>,
    pub timeout: Duration,
    pub max_retained: u32,
    /// The last recorded (committed) checkpoint id; 0 before the first.
    pub completed: u64,
}

impl Driver {
    /// One checkpoint round of pipeline `p` (a savepoint with `savepoint`). `Ok` also when the
    /// round did not complete (it is asked again next interval); `Err` fails the pipeline. A
    /// round that does not complete is counted in the pipeline's record with its reason.
    pub(super) async fn checkpoint(
        &self,
        spec: &JobSpec,
        p: &PipelineTasks,
        cp: &mut PipelineCheckpoints,
        savepoint: bool,
    ) -> Result<(), String> {
        let id = cp.completed + 1;
        let began = Instant::now();
        let triggered_at_ms = chrono::Utc::now().timestamp_millis();
        let expected: BTreeSet<usize> = p.groups.iter().filter_map(|g| g.group).collect();
        let round = self.ctx.in_flight.start(
            spec.job_id,
            p.pipeline,
            InProgress {
                id,
                kind: CheckpointKind::from_savepoint(savepoint),
                triggered_at_ms,
                acknowledged: 0,
                total: expected.len(),
            },
        );
        let outcome = self
            .checkpoint_round(spec, p, cp, id, &round, savepoint)
            .await;
        drop(round);
        let failure = match &outcome {
            Ok(Recorded::Complete { infos, size }) => {
                cp.completed = id;
                // Recorded: only now may the output become visible.
                let commit = WorkerCall::Pipeline {
                    job: spec.clone(),
                    pipeline: p.pipeline,
                    op: PipelineOp::CommitCheckpoint(infos.clone()),
                };
                self.call_committer(p, commit).await?;
                self.mark_committed(spec.job_id, p.pipeline, id).await?;
                tracing::info!(
                    job_id = spec.job_id,
                    pipeline = p.pipeline,
                    "checkpoint {id} completed in {} ms ({size} bytes of state)",
                    began.elapsed().as_millis()
                );
                return Ok(());
            }
            Ok(Recorded::Incomplete(why)) => why,
            Err(e) => e,
        };
        let failed = FailedCheckpoint {
            id,
            savepoint,
            triggered_at_ms,
            failed_at_ms: triggered_at_ms + began.elapsed().as_millis() as i64,
            reason: failure.clone(),
        };
        let counted = self
            .ctx
            .store
            .update_pipeline(spec.job_id, p.pipeline, |r| {
                r.failed += 1;
                r.last_failed = Some(failed);
            })
            .await;
        if let Err(e) = counted {
            // Only the overview loses: the round's outcome stands either way.
            tracing::warn!(
                job_id = spec.job_id,
                pipeline = p.pipeline,
                "checkpoint {id} did not complete and the failure is not counted: {e}"
            );
        }
        outcome.map(|_| ())
    }

    /// Asks the workers for checkpoint `id` and records it if every group prepared.
    async fn checkpoint_round(
        &self,
        spec: &JobSpec,
        p: &PipelineTasks,
        cp: &mut PipelineCheckpoints,
        id: u64,
        round: &InFlightRound,
        savepoint: bool,
    ) -> Result<Recorded, String> {
        let began = Instant::now();
        let call = WorkerCall::Checkpoint {
            job_id: spec.job_id,
            pipeline: p.pipeline,
            id,
            committed_through: cp.completed,
            timeout_ms: cp.timeout.as_millis() as u64,
        };
        let limit = cp.timeout + CALL_SLACK;
        let workers = workers_of(p);
        // Said before the workers are asked: a checkpoint that never completes (a reader stuck
        // in its connector) shows in the log as triggered with no end.
        tracing::info!(
            job_id = spec.job_id,
            pipeline = p.pipeline,
            "checkpoint {id} triggered on {} worker(s)",
            workers.len()
        );
        let mut asks: FuturesUnordered<_> = workers
            .into_iter()
            .map(|w| self.call_reply(w, call.clone(), limit))
            .collect();
        let mut answers = Vec::new();
        while let Some(r) = asks.next().await {
            answers.push(match r {
                Ok(WorkerReply::Prepared {
                    groups,
                    infos,
                    states,
                }) => {
                    round.acknowledged(groups.len());
                    Answer::Prepared {
                        groups,
                        infos,
                        states,
                    }
                }
                Ok(other) => {
                    Answer::Failed(format!("unexpected answer to a checkpoint: {other:?}"))
                }
                Err(CallError::Failed(e)) => Answer::Failed(e),
                Err(e) => Answer::Missing(e.to_string()),
            });
        }
        drop(asks);
        let expected = p.groups.iter().filter_map(|g| g.group).collect();
        let (infos, states) = match tally(&expected, answers) {
            Round::Complete { infos, states } => (infos, states),
            Round::Incomplete(why) => {
                tracing::info!(
                    job_id = spec.job_id,
                    pipeline = p.pipeline,
                    "checkpoint {id} did not complete: {why}; trying again next interval"
                );
                return Ok(Recorded::Incomplete(why));
            }
            Round::Failed(e) => return Err(e),
        };
        let starts = states
            .into_iter()
            .map(|(g, text)| {
                serde_json::from_str::<GroupStart>(&text).map_err(|e| {
                    format!("task group {g} sent a checkpoint state that is not valid: {e}; this is a bug")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut completed = CompletedCheckpoint {
            id,
            starts,
            infos: infos.clone(),
            completed_at_ms: chrono::Utc::now().timestamp_millis(),
            duration_ms: began.elapsed().as_millis() as u64,
            committed: false,
            savepoint,
            state_bytes: None,
        };
        let size = serde_json::to_vec(&completed).map_or(0, |v| v.len());
        if size > MAX_CHECKPOINT_BYTES {
            return Err(format!(
                "checkpoint {id} of pipeline {} holds {size} bytes of state, more than the {MAX_CHECKPOINT_BYTES} the masters keep per checkpoint; lower the parallelism or the number of files or tables per job",
                p.pipeline
            ));
        }
        completed.state_bytes = Some(size as u64);
        let keep = cp.max_retained as usize;
        self.ctx
            .store
            .update_pipeline(spec.job_id, p.pipeline, |r| r.complete(completed, keep))
            .await
            .map_err(|e| e.to_string())?;
        Ok(Recorded::Complete { infos, size })
    }

    /// Commits the output of the pipeline's last recorded checkpoint again if it is not marked
    /// committed (commits are idempotent): the master that recorded it may have stopped before
    /// committing.
    pub(super) async fn recommit_latest(
        &self,
        spec: &JobSpec,
        p: &PipelineTasks,
    ) -> Result<(), String> {
        let Some(latest) = self
            .ctx
            .store
            .pipeline_record(spec.job_id, p.pipeline)
            .and_then(|r| r.latest().cloned())
            .filter(|c| !c.committed)
        else {
            return Ok(());
        };
        let commit = WorkerCall::Pipeline {
            job: spec.clone(),
            pipeline: p.pipeline,
            op: PipelineOp::CommitCheckpoint(latest.infos),
        };
        self.call_committer(p, commit).await?;
        self.mark_committed(spec.job_id, p.pipeline, latest.id)
            .await
    }

    /// Records that checkpoint `id`'s output is committed, so no later driver commits it again
    /// (a downstream reader may already have moved committed files).
    async fn mark_committed(&self, job_id: i64, pipeline: usize, id: u64) -> Result<(), String> {
        self.ctx
            .store
            .update_pipeline(job_id, pipeline, |r| {
                if let Some(c) = r.retained.iter_mut().find(|c| c.id == id) {
                    c.committed = true;
                }
            })
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
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
            states: groups.iter().map(|g| (*g, format!("state {g}"))).collect(),
        }
    }

    #[test]
    fn output_a_recorded_checkpoint_covers_is_never_aborted() {
        let info = |i: &str| (1, i.to_string());
        let latest = CompletedCheckpoint {
            id: 7,
            starts: Vec::new(),
            infos: vec![info("cp6"), info("cp7")],
            completed_at_ms: 0,
            duration_ms: 0,
            committed: false,
            savepoint: false,
            state_bytes: None,
        };
        let left = vec![info("cp6"), info("cp7"), info("cp8"), info("final")];
        assert_eq!(
            uncovered(left.clone(), Some(&latest)),
            vec![info("cp8"), info("final")],
            "only what came after the recorded checkpoint is aborted"
        );
        assert_eq!(uncovered(left.clone(), None), left, "nothing recorded yet");
    }

    #[test]
    fn every_group_prepared_commits_everything_the_workers_hold() {
        let round = tally(
            &expected(&[0, 1, 2]),
            vec![prepared(&[0, 2], "a"), prepared(&[1], "b")],
        );
        assert_eq!(
            round,
            Round::Complete {
                infos: vec![(5, "a".into()), (5, "b".into())],
                states: (0..3).map(|g| (g, format!("state {g}"))).collect(),
            }
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

    #[test]
    fn a_group_that_prepared_without_a_state_leaves_the_round_incomplete() {
        let round = tally(
            &expected(&[0, 1]),
            vec![Answer::Prepared {
                groups: vec![0, 1],
                infos: Vec::new(),
                states: vec![(0, "s".into())],
            }],
        );
        assert!(matches!(round, Round::Incomplete(m) if m.contains("task group 1")));
    }
}
