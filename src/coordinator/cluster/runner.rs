//! The active master's job driver in separated mode (SeaTunnel's `JobMaster`): places the job's
//! tasks on workers, deploys them with the fencing token, waits for the workers to report every
//! task group's end, and has the pipeline's committer worker commit or abort.
//!
//! Every step is recorded in the replicated map before the next begins (assignment → setup →
//! group ends → commit), so a new active master resumes a job where its predecessor stopped:
//! it re-adopts groups that still run, never repeats a setup, and repeats a commit only when the
//! commit was not recorded (sink commits are idempotent).
//!
//! BATCH pipelines commit once, at their end. STREAMING pipelines also commit at every periodic
//! checkpoint ([`super::checkpoint`]); they end only by cancel or failure, which aborts what no
//! checkpoint committed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Local;

use crate::cluster::wire::{GroupEnd, GroupKey, JobSpec, PipelineOp, WireInfos, WorkerCall};
use crate::config::{AllocateStrategy, ScheduleStrategy};
use crate::coordinator::checkpoints::JobCheckpoints;
use crate::coordinator::runner::{JobRunner, RunFuture};
use crate::coordinator::store::JobStore;
use crate::engine::conclude::{conclude, Conclusion, GroupResult};
use crate::engine::{
    CheckpointSettings, JobControl, JobOutcome, JobPlan, MetricsSnapshot, PipelineOutcome,
};
use crate::job::JobStatus;
use crate::raft::MasterRaft;
use crate::scheduler::{
    assign, decide, Assignment, Decision, Epoch, Problem, ResourceRequest, TaskRole, WorkerProfile,
    WAIT_RECHECK_INTERVAL,
};

use super::checkpoint::{uncovered, PipelineCheckpoints};
use super::overview::{job_checkpoints, InFlight};
use super::raft_store::{
    GroupRecord, KeptPipeline, PipelinePhase, PipelineRecord, RaftJobStore, StoredAssignment,
    StoredGrant,
};
use super::restart;
use super::workers::{add_metrics, WorkerRegistry};

/// How often a waiting driver re-reads the recorded ends even without a heartbeat.
pub(super) const POLL_EVERY: Duration = Duration::from_millis(500);
/// Pause between rounds of a master→worker call that could not be made (no lease, worker
/// unreachable): long enough not to spin, short against failure detection.
pub(super) const RETRY_EVERY: Duration = Duration::from_millis(300);
/// The most a pipeline's enumerated splits may take: they are one Raft entry, replicated and
/// fsynced on every master and kept in the job's record, and a Raft append travels as one
/// gRPC message (4 MiB by default), so a listing of very many files is refused with a clear
/// message rather than stall replication. About 10 000 file paths fit.
pub(super) const MAX_SPLITS_BYTES: usize = 2 << 20;
/// How long a master that just started, and has heard from no worker yet, holds a job it
/// cannot place instead of rejecting it: two default heartbeat intervals (5 s), so workers
/// (and a hybrid node's own) that are up have found the new master by then.
const FIRST_WORKER_WAIT: Duration = Duration::from_secs(10);
/// The coordinator task whose slot hosts the pipeline's sink committer (index 0 is the split
/// enumerator's, which our sources do not need).
const COMMITTER_INDEX: usize = 1;

/// What the driver needs from the master.
pub struct ClusterContext {
    pub cluster: String,
    pub raft: MasterRaft,
    pub store: RaftJobStore,
    pub workers: Arc<WorkerRegistry>,
    pub strategy: AllocateStrategy,
    pub schedule: ScheduleStrategy,
    /// `takeover-worker-wait-seconds`: from the start of a driver (a submission, or this
    /// master's takeover), how long a pipeline restart waits for enough live workers before the
    /// attempt fails. After a full restart workers come back in any order.
    pub takeover_worker_wait: Duration,
    /// The checkpoint rounds this master's drivers wait for, for the checkpoint overview.
    pub in_flight: Arc<InFlight>,
}

#[derive(Clone)]
pub struct ClusterRunner {
    ctx: Arc<ClusterContext>,
}

impl ClusterRunner {
    pub fn new(ctx: Arc<ClusterContext>) -> ClusterRunner {
        ClusterRunner { ctx }
    }
}

impl JobRunner for ClusterRunner {
    fn run(
        &self,
        plan: Arc<JobPlan>,
        checkpoint: CheckpointSettings,
        control: JobControl,
        restore: bool,
    ) -> RunFuture {
        let ctx = self.ctx.clone();
        Box::pin(async move {
            let started = Local::now();
            let driver = Driver {
                ctx: ctx.clone(),
                plan: plan.clone(),
                control: control.clone(),
                checkpoint,
                began: Instant::now(),
            };
            let (status, error) = match driver.drive(restore).await {
                Ok(status) => (status, None),
                Err((status, e)) => (status, Some(e)),
            };
            let metrics = driver.metrics();
            JobOutcome {
                status,
                error,
                started,
                finished: Local::now(),
                metrics,
            }
        })
    }

    fn keeps_checkpoints(&self) -> bool {
        true
    }

    fn checkpoints(&self, job_id: i64) -> Option<JobCheckpoints> {
        let records = self.ctx.store.pipeline_records(job_id);
        Some(job_checkpoints(
            &records,
            &self.ctx.in_flight.of_job(job_id),
        ))
    }
}

pub(super) type Failure = (JobStatus, String);

/// A job's end from its pipelines' ends, in pipeline order. Pure. Pipelines are independent
/// (one failing does not cancel the others): the first failure fails the job and wins over a
/// cancel; a cancel (a pipeline's, or the user's: `cancel_requested`) wins over a savepoint; a
/// savepoint that every other pipeline finished beside ends SAVEPOINT_DONE; else FINISHED.
pub(super) fn job_end(
    pipelines: impl IntoIterator<Item = Result<(), Failure>>,
    cancel_requested: bool,
) -> Result<JobStatus, Failure> {
    let mut error = None;
    let mut canceled = cancel_requested;
    let mut savepointed = false;
    for p in pipelines {
        match p {
            Ok(()) => {}
            Err((JobStatus::Canceled, _)) => canceled = true,
            Err((JobStatus::SavepointDone, _)) => savepointed = true,
            Err((_, e)) => {
                error.get_or_insert(e);
            }
        }
    }
    match (error, canceled) {
        (Some(e), _) => Err((JobStatus::Failed, e)),
        (None, true) => Err((JobStatus::Canceled, String::new())),
        (None, false) if savepointed => Ok(JobStatus::SavepointDone),
        (None, false) => Ok(JobStatus::Finished),
    }
}

pub(super) struct Driver {
    pub(super) ctx: Arc<ClusterContext>,
    pub(super) plan: Arc<JobPlan>,
    pub(super) control: JobControl,
    checkpoint: CheckpointSettings,
    /// When this driver started: the submission, or this master's takeover of the job.
    pub(super) began: Instant,
}

/// How a pipeline's groups ended, as the driver saw it.
#[derive(Debug, PartialEq)]
pub(super) struct GroupsOutcome {
    pub(super) ends: BTreeMap<usize, GroupEnd>,
    /// A checkpoint failed the pipeline (its groups were then cancelled).
    pub(super) checkpoint_failure: Option<String>,
    /// Groups that ended because their worker was lost, with the worker's id.
    pub(super) lost_workers: BTreeMap<usize, String>,
    /// The savepoint the groups were stopped at (SAVEPOINT_DONE), if one was requested.
    pub(super) savepoint: Option<u64>,
    /// What groups that did not finish had prepared and no master confirmed (see
    /// [`crate::cluster::wire::GroupReport::abandoned`]).
    pub(super) abandoned: WireInfos,
}

impl GroupsOutcome {
    /// The outcome as a user's cancel sees it: groups lost with their worker count as
    /// cancelled, not failed.
    fn canceled(mut self) -> GroupsOutcome {
        for group in std::mem::take(&mut self.lost_workers).into_keys() {
            self.ends.insert(group, GroupEnd::Canceled);
        }
        for end in self.ends.values_mut() {
            if matches!(end, GroupEnd::Unavailable(_)) {
                *end = GroupEnd::Canceled;
            }
        }
        self
    }

    /// Why groups failed that a restart may fix: their external system went away.
    pub(super) fn unavailable(&self) -> Vec<&str> {
        self.ends
            .values()
            .filter_map(|e| match e {
                GroupEnd::Unavailable(why) => Some(why.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// One pipeline's task groups with where they run.
#[derive(Clone)]
pub(super) struct PipelineTasks {
    pub(super) pipeline: usize,
    pub(super) committer: StoredGrant,
    pub(super) groups: Vec<StoredGrant>,
}

impl Driver {
    pub(super) fn job_id(&self) -> i64 {
        self.plan.job_id
    }

    fn spec(&self) -> Result<JobSpec, Failure> {
        let record = self.ctx.store.running(self.job_id()).ok_or_else(|| {
            (
                JobStatus::Failed,
                "the job's record vanished from the masters' state".to_string(),
            )
        })?;
        Ok(JobSpec {
            job_id: self.job_id(),
            job_name: self.plan.job_name.clone(),
            config_json: record.config.to_string(),
        })
    }

    async fn drive(&self, restore: bool) -> Result<JobStatus, Failure> {
        let spec = self.spec()?;
        let assignment = match self.ctx.store.assignment(self.job_id()) {
            Some(a) => a,
            None => {
                if restore {
                    tracing::info!(
                        job_id = self.job_id(),
                        "taken-over job had no slots yet; placing it"
                    );
                }
                self.place(restore).await?
            }
        };
        self.control.set(JobStatus::Running);
        let pipelines = split(&assignment);
        tracing::info!(job_id = self.job_id(), job_name = %self.plan.job_name, pipelines = pipelines.len(), "job running");
        match self.checkpoint.interval {
            Some(i) => tracing::info!(
                job_id = self.job_id(),
                "checkpoint is enabled, interval {} ms",
                i.as_millis()
            ),
            None => tracing::info!(
                job_id = self.job_id(),
                "checkpoint is disabled: batch job without env.checkpoint.interval"
            ),
        }
        let runs = pipelines.iter().map(|p| self.run_pipeline(&spec, p));
        let results = futures_util::future::join_all(runs).await;
        job_end(results, self.control.cancel.is_cancelled())
    }

    /// Places every task, waiting (PENDING) or failing as `job-schedule-strategy` says. A job
    /// taken over from another master waits for workers up to `takeover-worker-wait-seconds`
    /// even under REJECT: after a full restart they come back in any order.
    async fn place(&self, taken_over: bool) -> Result<StoredAssignment, Failure> {
        let request = ResourceRequest::for_job(self.job_id(), &self.plan.config, &self.plan.dag)
            .map_err(|e| (JobStatus::Failed, e.to_string()))?;
        loop {
            if self.control.cancel.is_cancelled() {
                return Err((JobStatus::Canceled, String::new()));
            }
            let workers = self.ctx.workers.live();
            let epoch = Epoch(chrono::Utc::now().timestamp_micros().max(0) as u64);
            let problem = Problem {
                request: &request,
                workers: &workers,
                strategy: self.ctx.strategy,
                seed: self.job_id() as u64,
                epoch,
            };
            match decide(self.ctx.schedule, assign(&problem, None)) {
                Decision::Deploy(a) => {
                    let stored = stored_assignment(&a, &workers);
                    self.ctx
                        .store
                        .save_assignment(self.job_id(), &stored)
                        .await
                        .map_err(|e| (JobStatus::Failed, e.to_string()))?;
                    self.control.set(JobStatus::Scheduled);
                    return Ok(stored);
                }
                Decision::Reject(_)
                    if self.ctx.workers.awaiting_first_worker(FIRST_WORKER_WAIT) =>
                {
                    self.control.set(JobStatus::Pending);
                    tokio::select! {
                        _ = self.ctx.workers.next_beat(WAIT_RECHECK_INTERVAL) => {}
                        _ = self.control.cancel.cancelled() => {}
                    }
                }
                Decision::Reject(e)
                    if !(taken_over && self.began.elapsed() < self.ctx.takeover_worker_wait) =>
                {
                    return Err((JobStatus::Failed, e.to_string()))
                }
                Decision::Reject(e) | Decision::Wait(e) => {
                    self.control.set(JobStatus::Pending);
                    tracing::info!(job_id = self.job_id(), "job waits for slots: {e}");
                    tokio::select! {
                        _ = tokio::time::sleep(WAIT_RECHECK_INTERVAL) => {}
                        _ = self.control.cancel.cancelled() => {}
                    }
                }
            }
        }
    }

    async fn run_pipeline(&self, spec: &JobSpec, p: &PipelineTasks) -> Result<(), Failure> {
        let record = self.ctx.store.pipeline_record(self.job_id(), p.pipeline);
        let completed = record.as_ref().map_or(0, |r| r.checkpoint);
        let mut restores = record.as_ref().map_or(0, |r| r.restores);
        match record {
            Some(PipelineRecord {
                phase: PipelinePhase::Committed,
                ..
            }) => return Ok(()),
            Some(PipelineRecord {
                phase: PipelinePhase::Aborted | PipelinePhase::Failed,
                error,
                ..
            }) => {
                return Err(match error {
                    Some(e) => (JobStatus::Failed, e),
                    None => (JobStatus::Canceled, String::new()),
                })
            }
            Some(PipelineRecord {
                phase: PipelinePhase::SetUp,
                ..
            }) => {}
            None => {
                let kept = match self.restore_point(p.pipeline) {
                    Some(KeptPipeline::Committed) => {
                        // Committed by the earlier run: running it again would write it twice.
                        return self.end_pipeline(p, PipelinePhase::Committed, None).await;
                    }
                    Some(KeptPipeline::Checkpoint(c)) => Some(c),
                    None => None,
                };
                let setup = WorkerCall::Pipeline {
                    job: spec.clone(),
                    pipeline: p.pipeline,
                    op: PipelineOp::Setup,
                };
                if let Err(e) = self.call_committer(p, setup).await {
                    return self.end_pipeline(p, PipelinePhase::Failed, Some(e)).await;
                }
                self.ctx
                    .store
                    .update_pipeline(self.job_id(), p.pipeline, |r| {
                        r.phase = PipelinePhase::SetUp;
                        r.error = None;
                        if let Some(c) = kept {
                            r.checkpoint = c.id;
                            r.retained = vec![c];
                            r.restored += 1;
                        }
                    })
                    .await
                    .map_err(|e| (JobStatus::Failed, e.to_string()))?;
            }
        }
        let enumerated = match self.starts(p.pipeline).await {
            Ok(starts) => starts,
            Err(e) => return self.end_pipeline(p, PipelinePhase::Failed, Some(e)).await,
        };
        // A takeover: the master that recorded the last checkpoint may not have committed it.
        if let Err(e) = self.recommit_latest(spec, p).await {
            return self.end_pipeline(p, PipelinePhase::Failed, Some(e)).await;
        }
        let mut current = p.clone();
        loop {
            let starts = match self.deploy_starts(p.pipeline, &enumerated) {
                Ok(starts) => starts,
                Err(e) => return self.end_pipeline(p, PipelinePhase::Failed, Some(e)).await,
            };
            let completed = self
                .ctx
                .store
                .pipeline_record(self.job_id(), p.pipeline)
                .map_or(completed, |r| r.checkpoint);
            let out = self
                .wait_for_groups(spec, &current, completed, &starts)
                .await?;
            if let Some(id) = out.savepoint {
                return match self.conclude(spec, &current, out.canceled(), None).await {
                    Err((JobStatus::Canceled, _)) => {
                        tracing::info!(
                            job_id = self.job_id(),
                            pipeline = p.pipeline,
                            "pipeline {} stopped at savepoint {id}; restore it with -r {}",
                            p.pipeline,
                            self.job_id()
                        );
                        Err((JobStatus::SavepointDone, String::new()))
                    }
                    other => other,
                };
            }
            let verdict = restart::decide(&restart::Facts {
                retry_times: self.plan.config.env.retry_times,
                restores,
                user_canceled: self.control.cancel.is_cancelled(),
                outcome: &out,
            });
            match verdict {
                restart::Verdict::Again => {
                    restores += 1;
                    match self.restart(spec, &current, &out, restores).await {
                        Ok(next) => current = next,
                        // Either way the first attempt's prepared output is aborted.
                        Err(restart::RestartError::Canceled) => {
                            return self.conclude(spec, &current, out.canceled(), None).await;
                        }
                        Err(restart::RestartError::Failed(e)) => {
                            return self.conclude(spec, &current, out, Some(e)).await;
                        }
                    }
                }
                restart::Verdict::No => return self.conclude(spec, &current, out, None).await,
                restart::Verdict::GiveUp(why) => {
                    return self.conclude(spec, &current, out, Some(why)).await
                }
            }
        }
    }

    /// Commits or aborts the pipeline's output by how its groups ended. `note` is added to a
    /// failure's message (why the pipeline was not restarted).
    async fn conclude(
        &self,
        spec: &JobSpec,
        p: &PipelineTasks,
        out: GroupsOutcome,
        note: Option<String>,
    ) -> Result<(), Failure> {
        let results =
            p.groups.iter().map(
                |g| match out.ends.get(&g.group.expect("task-group grant")) {
                    Some(GroupEnd::Finished(i)) => GroupResult::Finished(i.clone()),
                    Some(GroupEnd::Canceled) => GroupResult::Canceled,
                    Some(
                        GroupEnd::Failed(e) | GroupEnd::WorkerStopped(e) | GroupEnd::Unavailable(e),
                    ) => GroupResult::Failed(e.clone()),
                    None => unreachable!("wait_for_groups returns every group"),
                },
            );
        let abandoned = out.abandoned;
        // A failed checkpoint is why the groups were cancelled: it is the pipeline's error.
        match conclude(
            results,
            Vec::new(),
            out.checkpoint_failure,
            false,
            note.as_deref(),
        ) {
            Conclusion::Commit(infos) => {
                // What the latest recorded checkpoint covers was committed with it: the groups
                // still held it only because no later round told them so. Committing it again
                // would count rows twice in a sink whose commit is not idempotent.
                let record = self.ctx.store.pipeline_record(spec.job_id, p.pipeline);
                let infos = uncovered(infos, record.as_ref().and_then(|r| r.latest()));
                let commit = WorkerCall::Pipeline {
                    job: spec.clone(),
                    pipeline: p.pipeline,
                    op: PipelineOp::Commit(infos),
                };
                match self.call_committer(p, commit).await {
                    Ok(()) => self.end_pipeline(p, PipelinePhase::Committed, None).await,
                    Err(e) => self.end_pipeline(p, PipelinePhase::Failed, Some(e)).await,
                }
            }
            Conclusion::Abort { infos, outcome } => {
                let record = self.ctx.store.pipeline_record(spec.job_id, p.pipeline);
                let left = infos.into_iter().chain(abandoned).collect();
                let uncovered = uncovered(left, record.as_ref().and_then(|r| r.latest()));
                self.abort(spec, p, uncovered).await;
                match outcome {
                    PipelineOutcome::Failed(e) => {
                        self.end_pipeline(p, PipelinePhase::Failed, Some(e)).await
                    }
                    _ => self.end_pipeline(p, PipelinePhase::Aborted, None).await,
                }
            }
        }
    }

    /// Has the committer abort prepared output; a failure only leaves temporary files behind.
    pub(super) async fn abort(&self, spec: &JobSpec, p: &PipelineTasks, infos: WireInfos) {
        let abort = WorkerCall::Pipeline {
            job: spec.clone(),
            pipeline: p.pipeline,
            op: PipelineOp::Abort(infos),
        };
        if let Err(e) = self.call_committer(p, abort).await {
            tracing::warn!(
                job_id = self.job_id(),
                pipeline = p.pipeline,
                "cannot abort prepared output: {e}; remove the sink's temporary files by hand"
            );
        }
    }

    async fn save(
        &self,
        pipeline: usize,
        phase: PipelinePhase,
        error: Option<String>,
    ) -> Result<(), Failure> {
        self.ctx
            .store
            .update_pipeline(self.job_id(), pipeline, |r| {
                r.phase = phase;
                r.error = error;
            })
            .await
            .map(|_| ())
            .map_err(|e| (JobStatus::Failed, e.to_string()))
    }

    async fn end_pipeline(
        &self,
        p: &PipelineTasks,
        phase: PipelinePhase,
        error: Option<String>,
    ) -> Result<(), Failure> {
        self.save(p.pipeline, phase, error.clone()).await?;
        match (phase, error) {
            (PipelinePhase::Committed, _) => Ok(()),
            (_, Some(e)) => Err((JobStatus::Failed, e)),
            (_, None) => Err((JobStatus::Canceled, String::new())),
        }
    }

    /// Checkpoint bookkeeping when the job checkpoints: STREAMING always, BATCH when its `env`
    /// sets `checkpoint.interval` (SeaTunnel's rule, [`CheckpointSettings::for_job`]).
    pub(super) fn checkpoints(&self, completed: u64) -> Option<PipelineCheckpoints> {
        let interval = self.checkpoint.interval?;
        Some(PipelineCheckpoints {
            interval,
            min_pause: self.checkpoint.min_pause,
            timeout: self.checkpoint.timeout,
            max_retained: self.checkpoint.max_retained,
            completed,
        })
    }

    pub(super) fn refresh_metrics(&self, records: &[GroupRecord]) {
        self.control.metrics.set_totals(&self.metrics_with(records));
    }

    /// Counters of the recorded ends plus the running groups'.
    fn metrics(&self) -> MetricsSnapshot {
        self.metrics_with(&self.ctx.store.group_records(self.job_id()))
    }

    /// The job's counters: its current placement's running groups and its recorded group ends
    /// (a restart forgets the ends of the placement it replaced). A pipeline restored from a
    /// checkpoint therefore counts what its restored groups read, not the rows before it.
    fn metrics_with(&self, records: &[GroupRecord]) -> MetricsSnapshot {
        let job_id = self.job_id();
        let current: BTreeSet<GroupKey> = self
            .ctx
            .store
            .assignment(job_id)
            .map(|a| {
                a.grants
                    .iter()
                    .filter(|g| g.group.is_some())
                    .map(|g| group_key(job_id, g))
                    .collect()
            })
            .unwrap_or_default();
        let mut m = self.ctx.workers.running_metrics(&current);
        for GroupRecord { metrics, .. } in records {
            add_metrics(&mut m, metrics);
        }
        m.elapsed_secs = self.began.elapsed().as_secs_f64();
        m
    }
}

/// The scheduler's assignment as recorded, with each worker's member address.
pub(super) fn stored_assignment(a: &Assignment, workers: &[WorkerProfile]) -> StoredAssignment {
    StoredAssignment {
        grants: a
            .grants
            .iter()
            .map(|(loc, g)| {
                let (group, index) = match loc.task {
                    TaskRole::Coordinator(i) => (None, i),
                    TaskRole::Group(i) => (Some(i), i),
                };
                StoredGrant {
                    pipeline: loc.pipeline,
                    group,
                    index,
                    worker_address: workers
                        .iter()
                        .find(|w| w.id == g.worker)
                        .map(|w| w.address.clone())
                        .unwrap_or_default(),
                    worker_id: g.worker.0.clone(),
                    slot: g.slot,
                    epoch: g.epoch.0,
                }
            })
            .collect(),
    }
}

pub(super) fn group_key(job_id: i64, g: &StoredGrant) -> GroupKey {
    GroupKey {
        job_id,
        pipeline: g.pipeline,
        group: g.group.expect("task-group grant"),
        epoch: g.epoch,
    }
}

/// Every worker holding one of the pipeline's groups, once each.
pub(super) fn workers_of(p: &PipelineTasks) -> Vec<&StoredGrant> {
    let mut seen = BTreeSet::new();
    p.groups
        .iter()
        .filter(|g| seen.insert(g.worker_id.clone()))
        .collect()
}

pub(super) fn split(a: &StoredAssignment) -> Vec<PipelineTasks> {
    let mut by: BTreeMap<usize, (Option<StoredGrant>, Vec<StoredGrant>)> = BTreeMap::new();
    for g in &a.grants {
        let e = by.entry(g.pipeline).or_default();
        match g.group {
            Some(_) => e.1.push(g.clone()),
            None if g.index == COMMITTER_INDEX => e.0 = Some(g.clone()),
            None => {}
        }
    }
    by.into_iter()
        .filter_map(|(pipeline, (committer, mut groups))| {
            groups.sort_by_key(|g| g.group);
            // A pipeline without a committer grant cannot come from `assign`, which places every
            // coordinator task; fall back to the first group's worker rather than lose the job.
            let committer = committer.or_else(|| groups.first().cloned())?;
            Some(PipelineTasks {
                pipeline,
                committer,
                groups,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(pipeline: usize, group: Option<usize>, index: usize, worker: &str) -> StoredGrant {
        StoredGrant {
            pipeline,
            group,
            index,
            worker_id: worker.into(),
            worker_address: format!("{worker}:5802"),
            slot: index as u32,
            epoch: 1,
        }
    }

    #[test]
    fn an_assignment_splits_into_pipelines_with_their_committer_and_ordered_groups() {
        let a = StoredAssignment {
            grants: vec![
                grant(2, Some(1), 1, "b"),
                grant(1, None, 0, "a"),
                grant(1, None, COMMITTER_INDEX, "b"),
                grant(1, Some(1), 1, "a"),
                grant(1, Some(0), 0, "b"),
                grant(2, Some(0), 0, "a"),
            ],
        };
        let p = split(&a);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].pipeline, 1);
        assert_eq!(p[0].committer.worker_id, "b", "the committer slot's worker");
        let groups: Vec<Option<usize>> = p[0].groups.iter().map(|g| g.group).collect();
        assert_eq!(groups, vec![Some(0), Some(1)]);
        // Pipeline 2 had no committer grant: its first group's worker stands in.
        assert_eq!(p[1].committer.worker_id, "a");
        assert_eq!(workers_of(&p[0]).len(), 2);
        let key = group_key(7, &p[0].groups[1]);
        assert_eq!(
            (key.job_id, key.pipeline, key.group, key.epoch),
            (7, 1, 1, 1)
        );
    }

    fn failed(e: &str) -> Result<(), Failure> {
        Err((JobStatus::Failed, e.to_string()))
    }

    const CANCELED: Result<(), Failure> = Err((JobStatus::Canceled, String::new()));
    const SAVEPOINT: Result<(), Failure> = Err((JobStatus::SavepointDone, String::new()));

    #[test]
    fn the_first_failure_wins_over_cancels_and_savepoints() {
        let ends = [Ok(()), failed("boom"), CANCELED, failed("later"), SAVEPOINT];
        assert_eq!(job_end(ends, true), Err((JobStatus::Failed, "boom".into())));
    }

    #[test]
    fn a_cancel_wins_over_a_savepoint_and_a_users_cancel_over_finished_pipelines() {
        assert_eq!(
            job_end([SAVEPOINT, CANCELED], false),
            Err((JobStatus::Canceled, String::new()))
        );
        assert_eq!(
            job_end([Ok(()), Ok(())], true),
            Err((JobStatus::Canceled, String::new()))
        );
    }

    #[test]
    fn savepoint_done_or_finished_without_a_failure_or_cancel() {
        assert_eq!(
            job_end([Ok(()), SAVEPOINT], false),
            Ok(JobStatus::SavepointDone)
        );
        assert_eq!(job_end([Ok(()), Ok(())], false), Ok(JobStatus::Finished));
        assert_eq!(job_end([], false), Ok(JobStatus::Finished));
    }
}
