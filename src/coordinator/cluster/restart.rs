//! Restarting a pipeline that lost a worker (SeaTunnel's pipeline restore): its groups are
//! cancelled on the workers that remain, what they prepared since the last checkpoint is
//! aborted, every task of the pipeline is placed again on live workers under a new epoch, and
//! the groups start from the last recorded checkpoint's read positions (from the enumerators'
//! splits when there is none: nothing was committed then), at most `env.job.retry.times`
//! times, `env.job.retry.interval.seconds` apart. BATCH and STREAMING alike: what a checkpoint
//! committed is never read again, and what it did not commit is read again.
//!
//! A lost worker restarts a pipeline, and so does a task whose connector's external system went
//! away (`ConnectorError::Unavailable`: a database that stopped; it may be back). Any other task
//! failure on a live worker fails the job as in local mode (running a deterministic failure
//! again only delays it).
//!
//! Invariant: the new placement, the forgotten group ends and the restart count are one Raft
//! entry ([`RaftJobStore::restart_pipeline`](super::raft_store::RaftJobStore::restart_pipeline)),
//! and ends of the replaced placement are never recorded again (their epoch differs), so a late
//! end from the old placement cannot pass for the new one's.

use std::time::{Duration, Instant};

use crate::cluster::wire::{GroupEnd, JobSpec, WireInfos};
use crate::scheduler::{assign, Epoch, Problem, ResourceRequest, WAIT_RECHECK_INTERVAL};

use super::checkpoint::uncovered;
use super::raft_store::PipelineRecord;
use super::runner::{split, stored_assignment, Driver, GroupsOutcome, PipelineTasks};

/// What the driver knows when a pipeline's groups have all ended.
pub(super) struct Facts<'a> {
    pub retry_times: u32,
    /// Restarts already made.
    pub restores: u32,
    pub user_canceled: bool,
    pub outcome: &'a GroupsOutcome,
}

#[derive(Debug, PartialEq)]
pub(super) enum Verdict {
    /// Nothing to restart for: commit or abort as the ends say.
    No,
    Again,
    /// A lost worker would restart the pipeline, but it may not: fail with this added.
    GiveUp(String),
}

/// Whether a pipeline whose groups all ended runs again. Pure.
pub(super) fn decide(f: &Facts<'_>) -> Verdict {
    let out = f.outcome;
    let restartable = !out.lost_workers.is_empty() || !out.unavailable().is_empty();
    if !restartable || f.user_canceled || out.checkpoint_failure.is_some() {
        return Verdict::No;
    }
    let failed_elsewhere = out
        .ends
        .iter()
        .any(|(g, e)| matches!(e, GroupEnd::Failed(_)) && !out.lost_workers.contains_key(g));
    if failed_elsewhere {
        return Verdict::No;
    }
    if f.restores >= f.retry_times {
        return Verdict::GiveUp(if f.retry_times == 0 {
            "not restarted: env.job.retry.times is 0".into()
        } else {
            format!(
                "gave up after {} restarts (env.job.retry.times = {})",
                f.restores, f.retry_times
            )
        });
    }
    Verdict::Again
}

/// Why a restart did not happen.
#[derive(Debug, thiserror::Error)]
pub(super) enum RestartError {
    #[error("the job was cancelled while its pipeline waited to restart")]
    Canceled,
    #[error("{0}")]
    Failed(String),
}

impl Driver {
    /// Restart `attempt` of pipeline `p`, whose groups all ended: waits the retry interval,
    /// places the pipeline anew, aborts what the old placement prepared and records the new one.
    pub(super) async fn restart(
        &self,
        spec: &JobSpec,
        p: &PipelineTasks,
        out: &GroupsOutcome,
        attempt: u32,
    ) -> Result<PipelineTasks, RestartError> {
        let job_id = spec.job_id;
        let env = &self.plan.config.env;
        let lost: Vec<&str> = out.lost_workers.values().map(String::as_str).collect();
        let why = if lost.is_empty() {
            format!(
                "an external system went away: {}",
                out.unavailable().join("; ")
            )
        } else {
            format!("worker {} stopped or was lost", lost.join(", "))
        };
        let interval = Duration::from_secs(env.retry_interval_seconds);
        tracing::warn!(
            job_id,
            pipeline = p.pipeline,
            "restarting pipeline {} (attempt {attempt} of {}) in {} s: {why}",
            p.pipeline,
            env.retry_times,
            interval.as_secs(),
        );
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = self.control.cancel.cancelled() => return Err(RestartError::Canceled),
        }
        let mut request = ResourceRequest::for_job(job_id, &self.plan.config, &self.plan.dag)
            .map_err(|e| RestartError::Failed(e.to_string()))?;
        request.pipelines.retain(|d| d.pipeline == p.pipeline);
        let wait_until = self.began + self.ctx.takeover_worker_wait;
        let mut said_waiting = false;
        let (placed, workers) = loop {
            let workers = self.ctx.workers.live();
            let problem = Problem {
                request: &request,
                workers: &workers,
                strategy: self.ctx.strategy,
                seed: job_id as u64 ^ u64::from(attempt),
                epoch: Epoch(chrono::Utc::now().timestamp_micros().max(0) as u64),
            };
            match assign(&problem, None) {
                Ok(placed) => break (placed, workers),
                Err(e) if Instant::now() < wait_until => {
                    if !said_waiting {
                        said_waiting = true;
                        tracing::warn!(
                            job_id,
                            pipeline = p.pipeline,
                            "pipeline {} waits up to {} s from the takeover for workers to come back: {e}",
                            p.pipeline,
                            self.ctx.takeover_worker_wait.as_secs()
                        );
                    }
                    tokio::select! {
                        _ = self.ctx.workers.next_beat(WAIT_RECHECK_INTERVAL) => {}
                        _ = self.control.cancel.cancelled() => return Err(RestartError::Canceled),
                    }
                }
                Err(e) => {
                    return Err(RestartError::Failed(format!(
                        "cannot restart pipeline {} after losing worker {}: {e}; workers may wait up to seatunnel.engine.takeover-worker-wait-seconds ({} s) after a takeover",
                        p.pipeline,
                        lost.join(", "),
                        self.ctx.takeover_worker_wait.as_secs()
                    )))
                }
            }
        };
        let stored = stored_assignment(&placed, &workers);
        let next = split(&stored)
            .into_iter()
            .find(|t| t.pipeline == p.pipeline)
            .ok_or_else(|| {
                RestartError::Failed(format!(
                    "placement has no tasks for pipeline {}",
                    p.pipeline
                ))
            })?;
        let previous = self.ctx.store.pipeline_record(job_id, p.pipeline);
        let prepared: WireInfos = out
            .ends
            .values()
            .filter_map(|e| match e {
                GroupEnd::Finished(i) => Some(i.iter().cloned()),
                _ => None,
            })
            .flatten()
            .chain(out.abandoned.iter().cloned())
            .collect();
        let uncovered = uncovered(prepared, previous.as_ref().and_then(|r| r.latest()));
        if !uncovered.is_empty() {
            self.abort(spec, &next, uncovered).await;
        }
        let from = match previous.as_ref().and_then(|r| r.latest()) {
            Some(c) => format!("from checkpoint {}", c.id),
            None => "from its sources' start (no checkpoint completed yet)".to_string(),
        };
        let from_checkpoint = u32::from(previous.as_ref().and_then(|r| r.latest()).is_some());
        let previous = previous.unwrap_or_else(PipelineRecord::set_up);
        let record = PipelineRecord {
            restores: attempt,
            restored: previous.restored + from_checkpoint,
            ..previous
        };
        self.ctx
            .store
            .restart_pipeline(job_id, p.pipeline, stored.grants, &record)
            .await
            .map_err(|e| RestartError::Failed(e.to_string()))?;
        tracing::info!(
            job_id,
            pipeline = p.pipeline,
            "pipeline {} placed again on {}; it runs {from}",
            p.pipeline,
            next.groups
                .iter()
                .map(|g| g.worker_address.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn outcome(ends: &[(usize, GroupEnd)], lost: &[(usize, &str)]) -> GroupsOutcome {
        GroupsOutcome {
            ends: ends.iter().cloned().collect(),
            checkpoint_failure: None,
            savepoint: None,
            abandoned: Vec::new(),
            lost_workers: lost
                .iter()
                .map(|(g, w)| (*g, w.to_string()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    fn facts(out: &GroupsOutcome) -> Facts<'_> {
        Facts {
            retry_times: 3,
            restores: 0,
            user_canceled: false,
            outcome: out,
        }
    }

    fn lost_one() -> GroupsOutcome {
        outcome(
            &[
                (0, GroupEnd::Failed("worker w2 was lost".into())),
                (1, GroupEnd::Canceled),
                (2, GroupEnd::Finished(vec![(4, "{}".into())])),
            ],
            &[(0, "w2")],
        )
    }

    #[test]
    fn a_batch_pipeline_that_lost_a_worker_runs_again_until_the_budget_is_spent() {
        let out = lost_one();
        assert_eq!(decide(&facts(&out)), Verdict::Again);
        let spent = Facts {
            restores: 3,
            ..facts(&out)
        };
        assert!(matches!(decide(&spent), Verdict::GiveUp(m) if m.contains("after 3 restarts")));
        let disabled = Facts {
            retry_times: 0,
            ..facts(&out)
        };
        assert!(matches!(decide(&disabled), Verdict::GiveUp(m) if m.contains("retry.times is 0")));
    }

    #[test]
    fn an_external_system_that_went_away_restarts_the_pipeline_unless_a_task_also_failed() {
        let gone = outcome(
            &[
                (0, GroupEnd::Unavailable("jdbc sink: cannot connect".into())),
                (1, GroupEnd::Canceled),
            ],
            &[],
        );
        assert_eq!(decide(&facts(&gone)), Verdict::Again);
        let spent = Facts {
            restores: 3,
            ..facts(&gone)
        };
        assert!(matches!(decide(&spent), Verdict::GiveUp(m) if m.contains("after 3 restarts")));
        let also_failed = outcome(
            &[
                (0, GroupEnd::Unavailable("jdbc sink: cannot connect".into())),
                (1, GroupEnd::Failed("assert failed".into())),
            ],
            &[],
        );
        assert_eq!(decide(&facts(&also_failed)), Verdict::No);
        let canceled = Facts {
            user_canceled: true,
            ..facts(&gone)
        };
        assert_eq!(decide(&canceled), Verdict::No);
    }

    #[test]
    fn only_a_lost_worker_or_a_lost_external_system_restarts_a_pipeline() {
        let clean = outcome(&[(0, GroupEnd::Finished(vec![]))], &[]);
        assert_eq!(decide(&facts(&clean)), Verdict::No);
        // A task that failed on a live worker fails the job, lost worker or not.
        let also_failed = outcome(
            &[
                (0, GroupEnd::Failed("lost".into())),
                (1, GroupEnd::Failed("assert failed".into())),
            ],
            &[(0, "w2")],
        );
        assert_eq!(decide(&facts(&also_failed)), Verdict::No);
        let out = lost_one();
        let canceled = Facts {
            user_canceled: true,
            ..facts(&out)
        };
        assert_eq!(decide(&canceled), Verdict::No);
        let mut checkpoint = lost_one();
        checkpoint.checkpoint_failure = Some("checkpoint 2 expired".into());
        assert_eq!(decide(&facts(&checkpoint)), Verdict::No);
    }
}
