//! A worker's task execution: the task groups it runs, the ends it has not handed to a master
//! yet, and the fencing check on every master call.
//!
//! Invariants:
//! - a call is obeyed only if its token is at least the highest seen; the highest only grows;
//! - a deploy of a group this worker already runs or ran is a no-op, so a new leader repeating
//!   its predecessor's deploys never starts a second copy;
//! - a group's end stays in the outbox until a heartbeat reply says a master recorded it, so an
//!   end is never lost to a master failover.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::cluster::wire::{
    infos_from_wire, infos_to_wire, FencingToken, GroupEnd, GroupKey, GroupReport, JobSpec,
    PipelineOp, RunningGroup, WireMetrics, WorkerCall, WorkerReply, WorkerRequest,
};
use crate::connector::Registry;
use crate::engine::group::GroupStart;
use crate::engine::plan::build_blocking;
use crate::engine::{
    start_task_group, GroupCheckpointError, GroupCheckpoints, GroupOutcome, JobMetrics, JobPlan,
    PipelineSinks,
};
use crate::job::JobConfig;

/// How long a checkpoint waits on a task group before the worker says which group holds it:
/// far longer than a barrier takes to pass a healthy chain, short against any sensible
/// checkpoint timeout, so a stuck checkpoint shows where it is stuck before it expires.
const SAY_SLOW_CHECKPOINT_AFTER: Duration = Duration::from_secs(2);

struct Running {
    slot: u32,
    metrics: Arc<JobMetrics>,
    cancel: CancellationToken,
    checkpoints: Arc<GroupCheckpoints>,
}

#[derive(Default)]
struct Groups {
    running: BTreeMap<GroupKey, Running>,
    /// Ended, not yet recorded by a master.
    outbox: BTreeMap<GroupKey, GroupReport>,
    /// Plans by job id, shared by the job's groups and its committer calls on this worker.
    plans: HashMap<i64, Arc<JobPlan>>,
}

/// Shared by the gRPC service, the heartbeat loop and the group tasks.
pub struct WorkerRuntime {
    registry: Arc<Registry>,
    highest: Mutex<Option<FencingToken>>,
    rejected: AtomicU64,
    groups: Mutex<Groups>,
    /// Wakes the heartbeat loop when a group ends, so its end reaches the master at once, and
    /// when a master in this process became active ([`WorkerRuntime::beat_now`]).
    pub(super) ended: Notify,
    /// Wakes everyone waiting for running groups to end (a stopping worker).
    group_done: Notify,
    tracker: TaskTracker,
    shutdown: CancellationToken,
    /// Set once by [`WorkerRuntime::stop_all`]: groups cancelled from then on end as
    /// [`GroupEnd::WorkerStopped`], and no group is deployed any more.
    stopping: AtomicBool,
}

impl WorkerRuntime {
    /// Asks the heartbeat loop to report now.
    pub fn report_now(&self) {
        self.ended.notify_one();
    }
}

impl WorkerRuntime {
    pub fn new(
        registry: Arc<Registry>,
        tracker: TaskTracker,
        shutdown: CancellationToken,
    ) -> Arc<WorkerRuntime> {
        Arc::new(WorkerRuntime {
            registry,
            highest: Mutex::new(None),
            rejected: AtomicU64::new(0),
            groups: Mutex::new(Groups::default()),
            ended: Notify::new(),
            group_done: Notify::new(),
            tracker,
            shutdown,
            stopping: AtomicBool::new(false),
        })
    }

    fn groups(&self) -> MutexGuard<'_, Groups> {
        self.groups.lock().expect("worker groups lock poisoned")
    }

    /// Stale-token calls refused since start.
    pub fn rejected_calls(&self) -> u64 {
        self.rejected.load(Ordering::Relaxed)
    }

    pub fn highest_token(&self) -> Option<FencingToken> {
        *self.highest.lock().expect("token lock poisoned")
    }

    /// The fencing check: `true` (and the token remembered) if `token` is not older than any
    /// token already obeyed.
    pub fn admit(&self, token: FencingToken, what: &str) -> Result<(), FencingToken> {
        let mut highest = self.highest.lock().expect("token lock poisoned");
        match *highest {
            Some(h) if token < h => {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    %token, highest = %h,
                    "refused {what} from a deposed master {token}: master {} leads now; nothing to do, the deposed master steps down",
                    h.node_id
                );
                Err(h)
            }
            _ => {
                if *highest != Some(token) {
                    tracing::info!(%token, "following the active master {token}");
                }
                *highest = Some(token);
                Ok(())
            }
        }
    }

    pub async fn handle(self: &Arc<Self>, req: WorkerRequest) -> WorkerReply {
        let what = match &req.call {
            WorkerCall::Deploy { .. } => "a deploy",
            WorkerCall::Cancel { .. } => "a cancel",
            WorkerCall::Ping => "a ping",
            WorkerCall::Pipeline { .. } => "a commit call",
            WorkerCall::Checkpoint { .. } => "a checkpoint",
        };
        if let Err(highest) = self.admit(req.token, what) {
            return WorkerReply::StaleToken { highest };
        }
        let result = match req.call {
            WorkerCall::Deploy { .. } if self.shutdown.is_cancelled() || self.is_stopping() => {
                return WorkerReply::Stopping(
                    "this worker is shutting down and takes no new task group".into(),
                );
            }
            WorkerCall::Deploy {
                job,
                key,
                slot,
                start,
            } => match self.plan(&job).await {
                Ok(plan) => self.deploy(plan, key, slot, &start),
                Err(e) => Err(e),
            },
            WorkerCall::Cancel { job_id } => {
                self.cancel(job_id);
                Ok(())
            }
            WorkerCall::Ping => Ok(()),
            WorkerCall::Pipeline { job, pipeline, op } => self.pipeline(&job, pipeline, op).await,
            WorkerCall::Checkpoint {
                job_id,
                pipeline,
                id,
                committed_through,
                timeout_ms,
            } => {
                let timeout = Duration::from_millis(timeout_ms);
                return self
                    .checkpoint(job_id, pipeline, id, committed_through, timeout)
                    .await;
            }
        };
        match result {
            Ok(()) => WorkerReply::Done,
            Err(e) => WorkerReply::Failed(e),
        }
    }

    /// The job's plan, made once per job on the blocking pool (plugins may reach databases
    /// while they plan).
    async fn plan(&self, job: &JobSpec) -> Result<Arc<JobPlan>, String> {
        if let Some(p) = self.groups().plans.get(&job.job_id) {
            return Ok(p.clone());
        }
        let tree: serde_json::Value = serde_json::from_str(&job.config_json).map_err(|e| {
            format!(
                "job {} arrived with a config that is not JSON: {e}",
                job.job_id
            )
        })?;
        let config = JobConfig::from_tree(&tree).map_err(|e| e.to_string())?;
        let plan = build_blocking(
            job.job_id,
            job.job_name.clone(),
            config,
            self.registry.clone(),
        )
        .await
        .map_err(|e| e.to_string())?;
        let plan = Arc::new(plan);
        Ok(self
            .groups()
            .plans
            .entry(job.job_id)
            .or_insert(plan)
            .clone())
    }

    fn deploy(
        self: &Arc<Self>,
        plan: Arc<JobPlan>,
        key: GroupKey,
        slot: u32,
        start: &str,
    ) -> Result<(), String> {
        {
            let g = self.groups();
            if g.running.contains_key(&key) || g.outbox.contains_key(&key) {
                return Ok(());
            }
        }
        let start: GroupStart = serde_json::from_str(start)
            .map_err(|e| format!("the start of {key} is not valid: {e}; this is a bug"))?;
        let metrics = Arc::new(JobMetrics::default());
        let cancel = self.shutdown.child_token();
        let started = start_task_group(
            plan,
            key.pipeline,
            key.group,
            start,
            metrics.clone(),
            cancel.clone(),
        )?;
        self.groups().running.insert(
            key,
            Running {
                slot,
                metrics: metrics.clone(),
                cancel,
                checkpoints: started.checkpoints.clone(),
            },
        );
        tracing::info!(
            job_id = key.job_id,
            pipeline = key.pipeline,
            "deployed {key} in slot {slot}"
        );
        // The driver checkpoints a pipeline once every group shows in a heartbeat: say so now,
        // not a heartbeat interval later.
        self.report_now();
        let runtime = self.clone();
        let held = started.checkpoints;
        self.tracker.spawn(async move {
            let outcome = started.run.await;
            // Not aborted here: a checkpoint the master recorded may cover it (see
            // `GroupReport::abandoned`).
            let abandoned = match outcome {
                GroupOutcome::Finished(_) => Vec::new(),
                _ => infos_to_wire(held.drain().await),
            };
            let end = match outcome {
                GroupOutcome::Finished(infos) => GroupEnd::Finished(infos_to_wire(infos)),
                GroupOutcome::Canceled if runtime.is_stopping() => {
                    GroupEnd::WorkerStopped(format!(
                        "its worker stopped while it ran (task group {} of pipeline {})",
                        key.group, key.pipeline
                    ))
                }
                GroupOutcome::Canceled => GroupEnd::Canceled,
                GroupOutcome::Failed(msg) => {
                    tracing::error!(
                        job_id = key.job_id,
                        pipeline = key.pipeline,
                        "{key} failed: {msg}"
                    );
                    GroupEnd::Failed(msg)
                }
                GroupOutcome::Unavailable(msg) => {
                    tracing::error!(
                        job_id = key.job_id,
                        pipeline = key.pipeline,
                        "{key} failed, an external system went away: {msg}"
                    );
                    GroupEnd::Unavailable(msg)
                }
            };
            tracing::info!(
                job_id = key.job_id,
                pipeline = key.pipeline,
                "{key} ended: {}",
                end_name(&end)
            );
            let report = GroupReport {
                key,
                end,
                metrics: WireMetrics::from(&metrics.snapshot()),
                abandoned,
            };
            {
                let mut g = runtime.groups();
                g.running.remove(&key);
                g.outbox.insert(key, report);
            }
            runtime.ended.notify_one();
            runtime.group_done.notify_waiters();
        });
        Ok(())
    }

    fn cancel(&self, job_id: i64) {
        let g = self.groups();
        for (key, r) in g.running.iter().filter(|(k, _)| k.job_id == job_id) {
            tracing::info!(job_id, "cancelling {key}");
            r.cancel.cancel();
        }
    }

    /// One checkpoint of this worker's groups of `pipeline`: forget what the master confirmed,
    /// then every running group prepares. A group that ended meanwhile is left out of the
    /// answer (the checkpoint cannot complete; its end decides for its output); one that does not
    /// answer in time fails the call.
    async fn checkpoint(
        &self,
        job_id: i64,
        pipeline: usize,
        id: u64,
        committed_through: u64,
        timeout: Duration,
    ) -> WorkerReply {
        let groups: Vec<(GroupKey, Arc<GroupCheckpoints>)> = self
            .groups()
            .running
            .iter()
            .filter(|(k, _)| k.job_id == job_id && k.pipeline == pipeline)
            .map(|(k, r)| (*k, r.checkpoints.clone()))
            .collect();
        let rounds = groups.iter().map(|(key, c)| async move {
            c.confirm_through(committed_through).await;
            let prepare = c.prepare(id, timeout);
            tokio::pin!(prepare);
            let result = tokio::select! {
                r = &mut prepare => r,
                _ = tokio::time::sleep(SAY_SLOW_CHECKPOINT_AFTER) => {
                    tracing::info!(
                        job_id,
                        pipeline,
                        "checkpoint {id} of pipeline {pipeline} waits for {key}: its barrier has not passed the group yet (a source blocked in its connector, or a slow sink)"
                    );
                    prepare.await
                }
            };
            (key, result)
        });
        let mut prepared = Vec::new();
        for (key, result) in futures_util::future::join_all(rounds).await {
            match result {
                Ok(()) => prepared.push(*key),
                Err(GroupCheckpointError::Ended(_)) => {}
                Err(e) => {
                    tracing::warn!(job_id, pipeline, "{key}: {e}");
                    return WorkerReply::Failed(format!("{key}: {e}"));
                }
            }
        }
        let mut infos = Vec::new();
        let mut states = Vec::new();
        for (key, c) in &groups {
            if prepared.contains(key) {
                infos.extend(c.held().await);
                if let Some(s) = c.snapshot(id).await {
                    let start = GroupStart {
                        splits: s.splits,
                        writers: s.writers,
                    };
                    states.push((
                        key.group,
                        serde_json::to_string(&start).expect("splits are JSON"),
                    ));
                }
            }
        }
        WorkerReply::Prepared {
            groups: prepared.iter().map(|k| k.group).collect(),
            infos: infos_to_wire(infos),
            states,
        }
    }

    async fn pipeline(&self, job: &JobSpec, pipeline: usize, op: PipelineOp) -> Result<(), String> {
        let plan = self.plan(job).await?;
        let sinks = PipelineSinks::new(plan, pipeline);
        let job_id = job.job_id;
        tracing::info!(
            job_id,
            pipeline,
            "running the {} of pipeline {pipeline}'s committer",
            op.name()
        );
        // Sink operations touch files and external systems: keep them off the runtime threads.
        let done = tokio::task::spawn_blocking(move || match op {
            PipelineOp::Setup => sinks.setup(),
            PipelineOp::Commit(infos) => {
                let infos = infos_from_wire(infos)?;
                sinks.commit(infos)?;
                sinks.finish()
            }
            PipelineOp::CommitCheckpoint(infos) => sinks.commit(infos_from_wire(infos)?),
            PipelineOp::Abort(infos) => {
                sinks.abort(infos_from_wire(infos)?);
                Ok(())
            }
        })
        .await
        .map_err(|e| format!("sink operation of job {job_id} pipeline {pipeline} panicked: {e}"))?;
        self.forget_idle_plans();
        done
    }

    /// Drops plans of jobs with nothing running or waiting to be reported here.
    fn forget_idle_plans(&self) {
        let mut g = self.groups();
        let busy: Vec<i64> = g
            .running
            .keys()
            .chain(g.outbox.keys())
            .map(|k| k.job_id)
            .collect();
        g.plans.retain(|job, _| busy.contains(job));
    }

    /// What the next heartbeat reports.
    pub fn report(&self) -> (Vec<RunningGroup>, Vec<GroupReport>) {
        let g = self.groups();
        let running = g
            .running
            .iter()
            .map(|(key, r)| RunningGroup {
                key: *key,
                slot: r.slot,
                metrics: WireMetrics::from(&r.metrics.snapshot()),
            })
            .collect();
        (running, g.outbox.values().cloned().collect())
    }

    /// A master recorded these ends; they leave the outbox.
    pub fn recorded(&self, keys: &[GroupKey]) {
        let mut g = self.groups();
        for k in keys {
            g.outbox.remove(k);
        }
    }

    /// Cancels the running groups the active master no longer places here.
    pub fn cancel_groups(&self, keys: &[GroupKey]) {
        let g = self.groups();
        for key in keys {
            if let Some(r) = g.running.get(key) {
                tracing::warn!(
                    job_id = key.job_id,
                    "cancelling {key}: the active master no longer places it here"
                );
                r.cancel.cancel();
            }
        }
    }

    /// Cancels every running group because this worker stops: their ends say so, and the
    /// active master restarts their pipelines on the workers that remain.
    pub fn stop_all(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        for r in self.groups().running.values() {
            r.cancel.cancel();
        }
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Sends the next heartbeat now instead of after the retry wait: a hybrid node's own
    /// master just became active, so a worker part still unregistered is placed on at once.
    pub fn beat_now(&self) {
        self.ended.notify_one();
    }

    pub fn running_count(&self) -> usize {
        self.groups().running.len()
    }

    /// Returns once no task group runs here.
    pub async fn all_ended(&self) {
        loop {
            // Created before the check, so an end between the check and the await still wakes it.
            let done = self.group_done.notified();
            if self.running_count() == 0 {
                return;
            }
            done.await;
        }
    }
}

fn end_name(end: &GroupEnd) -> &'static str {
    match end {
        GroupEnd::Finished(_) => "FINISHED",
        GroupEnd::Canceled => "CANCELED",
        GroupEnd::Failed(_) => "FAILED",
        GroupEnd::WorkerStopped(_) => "CANCELED (worker stopping)",
        GroupEnd::Unavailable(_) => "FAILED (an external system went away)",
    }
}

#[cfg(test)]
#[path = "runtime_tests.rs"]
mod tests;
