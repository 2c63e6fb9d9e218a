//! The driver's wait for one placement of a pipeline: deploy, observe, probe, checkpoint and
//! take a savepoint, executing what [`Round::observe`] decides until every group has an end.

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::wire::{GroupKey, JobSpec, WorkerCall};
use crate::engine::group::GroupStart;
use crate::engine::CheckpointSchedule;
use crate::job::JobStatus;

use super::calls::CallError;
use super::observe::{Action, Deployed, Facts, GroupFacts, Round};
use super::raft_store::StoredGrant;
use super::runner::{
    group_key, workers_of, Driver, Failure, GroupsOutcome, PipelineTasks, POLL_EVERY,
};
use super::workers::PROBE_EVERY;

impl Driver {
    /// Deploys what is neither running nor ended, then waits until every group of the pipeline
    /// has a recorded end, checkpointing a STREAMING pipeline meanwhile. A group whose worker
    /// died without reporting ends FAILED. Also returns why a checkpoint failed the pipeline.
    /// Each round observes the facts and executes what [`Round::observe`] decides.
    pub(super) async fn wait_for_groups(
        &self,
        spec: &JobSpec,
        p: &PipelineTasks,
        completed: u64,
        starts: &[GroupStart],
    ) -> Result<GroupsOutcome, Failure> {
        let job_id = self.job_id();
        // Looked up once per recorded end on every round: a set, not a scan of the groups.
        let keys: BTreeSet<GroupKey> = p.groups.iter().map(|g| group_key(job_id, g)).collect();
        let by_index: BTreeMap<usize, &StoredGrant> = p
            .groups
            .iter()
            .map(|g| (g.group.expect("task-group grant"), g))
            .collect();
        let mut round = Round::default();
        let mut suspect = false;
        let mut checkpoints = self.checkpoints(completed);
        // Checkpoints due while groups were still deploying are not made up in a burst.
        let mut schedule = checkpoints
            .as_ref()
            .map(|c| CheckpointSchedule::new(tokio::time::Instant::now(), c.interval, c.min_pause));
        loop {
            let records = self.ctx.store.group_records(job_id);
            self.refresh_metrics(&records);
            // Ends of this placement only (same epoch), never of one a restart replaced.
            let mine: Vec<_> = records
                .into_iter()
                .filter(|r| keys.contains(&r.key))
                .collect();
            let running = self.ctx.workers.running_groups();
            let facts = Facts {
                pipeline: p.pipeline,
                groups: p
                    .groups
                    .iter()
                    .map(|g| GroupFacts {
                        index: g.group.expect("task-group grant"),
                        worker_id: &g.worker_id,
                        worker_address: &g.worker_address,
                        running: running.contains(&group_key(job_id, g)),
                        worker_lost: self.worker_lost(&g.worker_id),
                    })
                    .collect(),
                recorded: mine.iter().map(|r| (r.key.group, r.end.clone())).collect(),
                user_canceled: self.control.cancel.is_cancelled(),
            };
            for action in round.observe(&facts) {
                match action {
                    Action::Done(mut outcome) => {
                        outcome.abandoned = mine
                            .iter()
                            .flat_map(|r| r.abandoned.iter().cloned())
                            .collect();
                        return Ok(outcome);
                    }
                    Action::CancelAll { user } => {
                        if user {
                            self.control.set(JobStatus::Canceling);
                        }
                        for w in workers_of(p) {
                            let _ = self.call(w, WorkerCall::Cancel { job_id }).await;
                        }
                    }
                    Action::Probe { groups } => {
                        let grants: Vec<&StoredGrant> = groups
                            .iter()
                            .filter_map(|g| by_index.get(g).copied())
                            .collect();
                        suspect = self.probe(&grants).await;
                    }
                    Action::Lost { group } => {
                        let g = by_index[&group];
                        tracing::error!(
                            job_id,
                            "{} is lost: worker {} at {} stopped answering",
                            group_key(job_id, g),
                            g.worker_id,
                            g.worker_address
                        );
                    }
                    Action::Deploy { group } => {
                        let g = by_index[&group];
                        let key = group_key(job_id, g);
                        let Some(start) = starts.get(group) else {
                            round.deployed(group, Deployed::Refused(format!(
                                "pipeline {} has no recorded start for task group {group}; the job file changed since it was set up",
                                p.pipeline
                            )));
                            continue;
                        };
                        let deploy = WorkerCall::Deploy {
                            job: spec.clone(),
                            key,
                            slot: g.slot,
                            start: serde_json::to_string(start).expect("splits are JSON"),
                        };
                        let answer = match self.call(g, deploy).await {
                            Ok(()) => Deployed::Running,
                            Err(CallError::Failed(e)) => Deployed::Refused(e),
                            Err(CallError::Stopping(e)) => {
                                tracing::warn!(job_id, "cannot deploy {key}: {e}; the pipeline restarts on the workers that remain");
                                Deployed::WorkerStopping(e)
                            }
                            Err(e) => {
                                tracing::warn!(job_id, "cannot deploy {key}: {e}; retrying");
                                Deployed::NotThrough
                            }
                        };
                        round.deployed(group, answer);
                    }
                    Action::Wait { checkpoint } => {
                        let checkpointing = checkpoint && schedule.is_some();
                        // A savepoint is a checkpoint taken now, after which the groups stop.
                        if checkpointing && self.control.savepoint.is_cancelled() {
                            let cp = checkpoints.as_mut().expect("a schedule has checkpoints");
                            let before = cp.completed;
                            match self.checkpoint(spec, p, cp, true).await {
                                Ok(()) if cp.completed > before => {
                                    round.savepoint_taken(cp.completed);
                                    continue;
                                }
                                Ok(()) => {}
                                Err(e) => {
                                    tracing::error!(
                                        job_id,
                                        pipeline = p.pipeline,
                                        "savepoint failed: {e}"
                                    );
                                    round.checkpoint_failed(e);
                                    continue;
                                }
                            }
                        }
                        let due = schedule.as_ref().map(CheckpointSchedule::due);
                        tokio::select! {
                            // A worker that refused a probe is probed again at the next turn, so
                            // its crash is confirmed in about `max.faults + 1` turns.
                            _ = self.ctx.workers.next_beat(if suspect { PROBE_EVERY } else { POLL_EVERY }) => {}
                            _ = self.control.cancel.cancelled(), if !facts.user_canceled => {}
                            _ = self.control.savepoint.cancelled(), if checkpointing && !self.control.savepoint.is_cancelled() => {}
                            _ = async { tokio::time::sleep_until(due.expect("guarded")).await }, if checkpointing => {
                                let cp = checkpoints.as_mut().expect("a schedule has checkpoints");
                                let clock = schedule.as_mut().expect("guarded");
                                clock.triggered(tokio::time::Instant::now());
                                let taken = self.checkpoint(spec, p, cp, false).await;
                                clock.ended(tokio::time::Instant::now());
                                if let Err(e) = taken {
                                    tracing::error!(job_id, pipeline = p.pipeline, "checkpoint failed: {e}");
                                    round.checkpoint_failed(e);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
