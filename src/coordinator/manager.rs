//! The master-side job manager: admits submits, runs each job on the engine, records its end in
//! history, cancels on request, and answers what the REST API and the CLI ask about jobs.
//!
//! The records live in a [`JobStore`]; what only this process can hold for a running job (its
//! control handle and task) lives in `local`. Lock order: `submit` before `local`; the store's
//! own lock is always taken last and never held across an await.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value as Json;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::EngineConfig;
use crate::connector::Registry;
use crate::engine::plan::build_blocking;
use crate::engine::{JobControl, JobPlan, MetricsSnapshot};
use crate::job::{IdGenerator, JobConfig, JobStatus};

use super::checkpoints::JobCheckpoints;
use super::dag_info::DagInfo;
use super::error::CoordinatorError;
use super::history::{self, now_ms};
use super::rules::{self, Admission, CheckpointDefaults, JobCounts, StateFilter, StopAction};
use super::runner::{ForwardOnly, JobRunner};
use super::store::{FinishedJob, JobStore, JobStoreError, MemoryJobStore, RunningJob};

/// SeaTunnel's `history-job-expire-minutes` default: one day.
const DEFAULT_HISTORY_TTL: Duration = Duration::from_secs(1440 * 60);
/// How long recording a stop may take before the request fails: a replicated write commits in
/// milliseconds, an election in between takes a few seconds; longer means no majority of
/// masters answers this one, and the client should retry against another master.
const STOP_RECORD_TIMEOUT: Duration = Duration::from_secs(10);

/// What the manager needs from the server config.
#[derive(Debug, Clone, Copy)]
pub struct CoordinatorSettings {
    /// `seatunnel.engine.history-job-expire-minutes`; zero keeps history forever.
    pub history_ttl: Duration,
    /// `seatunnel.engine.checkpoint.interval` / `.timeout`.
    pub checkpoint: CheckpointDefaults,
    /// Mixed into generated job ids so two masters never issue the same id.
    pub node_id: u16,
}

impl Default for CoordinatorSettings {
    fn default() -> Self {
        CoordinatorSettings {
            history_ttl: DEFAULT_HISTORY_TTL,
            checkpoint: CheckpointDefaults::default(),
            node_id: 0,
        }
    }
}

impl CoordinatorSettings {
    /// From `seatunnel.engine`: `history-job-expire-minutes` and `checkpoint.interval`/`timeout`/
    /// `min-pause`/`storage.max-retained`.
    pub fn from_engine(engine: &EngineConfig, node_id: u16) -> CoordinatorSettings {
        CoordinatorSettings {
            history_ttl: engine.history_job_expire,
            checkpoint: CheckpointDefaults {
                interval: engine.checkpoint.interval,
                timeout: engine.checkpoint.timeout,
                max_retained: engine.checkpoint.storage.max_retained,
                min_pause: engine.checkpoint.min_pause,
            },
            node_id,
        }
    }
}

/// One job submission, as the REST API and the CLI give it.
#[derive(Debug, Clone)]
pub struct SubmitRequest {
    /// The loaded job tree (normal form: `env` object, `source`/`transform`/`sink` lists).
    pub tree: Json,
    /// A caller-chosen id (`--set-job-id`, REST `jobId`); otherwise one is generated.
    pub job_id: Option<i64>,
    /// Overrides `env.job.name`.
    pub job_name: Option<String>,
    /// Restore `job_id` from its latest checkpoint or savepoint.
    pub start_with_savepoint: bool,
}

/// A running job with its live state.
#[derive(Debug, Clone)]
pub struct RunningJobView {
    pub record: Arc<RunningJob>,
    pub status: JobStatus,
    pub metrics: MetricsSnapshot,
}

/// What is known about one job id.
#[derive(Debug, Clone)]
pub enum JobInfo {
    Running(RunningJobView),
    Finished(Arc<FinishedJob>),
}

struct LocalJob {
    /// Tells this run apart from a later run of the same id.
    run: u64,
    control: JobControl,
    /// Becomes true once the job's end is in the store.
    recorded: watch::Receiver<bool>,
    task: JoinHandle<()>,
}

struct Inner {
    store: Arc<dyn JobStore>,
    runner: Arc<dyn JobRunner>,
    registry: Arc<Registry>,
    ids: IdGenerator,
    /// Current settings; replaced on a config reload, read at each use.
    settings: watch::Sender<CoordinatorSettings>,
    /// Serializes the check-then-insert of submits, so one id cannot start twice. Held across
    /// the store write, hence an async lock.
    submit: tokio::sync::Mutex<()>,
    local: Mutex<HashMap<i64, LocalJob>>,
    runs: AtomicU64,
    shutdown: CancellationToken,
}

/// Cheap to clone; every clone is the same manager.
#[derive(Clone)]
pub struct JobManager {
    inner: Arc<Inner>,
}

impl JobManager {
    /// The manager of a node that runs no jobs itself (a worker: its REST API forwards job
    /// requests to the active master and reads health and logs through this), over an
    /// in-memory job table that stays empty.
    pub fn forward_only(registry: Arc<Registry>, shutdown: CancellationToken) -> JobManager {
        JobManager::with_store(
            Arc::new(MemoryJobStore::new()),
            Arc::new(ForwardOnly),
            registry,
            CoordinatorSettings::default(),
            shutdown,
        )
    }

    /// A manager over a given job table and runner (a master: the replicated table and the
    /// cluster's job driver). Starts the history sweep, so it must be called inside a Tokio
    /// runtime. Cancelling `shutdown` stops the sweep and refuses new submits.
    pub fn with_store(
        store: Arc<dyn JobStore>,
        runner: Arc<dyn JobRunner>,
        registry: Arc<Registry>,
        settings: CoordinatorSettings,
        shutdown: CancellationToken,
    ) -> JobManager {
        let shutdown = shutdown.child_token();
        let (ttl_tx, ttl_rx) = watch::channel(settings.history_ttl);
        tokio::spawn(history::sweep(store.clone(), ttl_rx, shutdown.clone()));
        let (settings_tx, mut settings_rx) = watch::channel(settings);
        // Forward TTL changes to the sweep; the task ends with the manager.
        tokio::spawn(async move {
            while settings_rx.changed().await.is_ok() {
                let ttl = settings_rx.borrow().history_ttl;
                if ttl_tx.send(ttl).is_err() {
                    return;
                }
            }
        });
        JobManager {
            inner: Arc::new(Inner {
                store,
                runner,
                registry,
                ids: IdGenerator::new(settings.node_id),
                settings: settings_tx,
                submit: tokio::sync::Mutex::new(()),
                local: Mutex::new(HashMap::new()),
                runs: AtomicU64::new(0),
                shutdown,
            }),
        }
    }

    /// False once shutdown began: submits are refused from then on.
    pub fn accepting(&self) -> bool {
        !self.inner.shutdown.is_cancelled()
    }

    pub fn settings(&self) -> CoordinatorSettings {
        *self.inner.settings.borrow()
    }

    /// Applies reloaded settings: the history TTL and checkpoint defaults take effect at once
    /// (checkpoint defaults for jobs submitted from now on). The node id cannot change live.
    pub fn apply_settings(&self, new: CoordinatorSettings) {
        self.inner.settings.send_modify(|s| {
            s.history_ttl = new.history_ttl;
            s.checkpoint = new.checkpoint;
        });
    }

    /// Admits, plans and starts a job; returns its id and name. Config and plugin errors come back
    /// here, before anything runs; the job's own failure later shows in its history.
    pub async fn submit(&self, req: SubmitRequest) -> Result<(i64, String), CoordinatorError> {
        if req.start_with_savepoint && req.job_id.is_none() {
            return Err(CoordinatorError::SavepointNeedsJobId);
        }
        if self.inner.shutdown.is_cancelled() {
            return Err(CoordinatorError::ShuttingDown);
        }
        let config = JobConfig::from_tree(&req.tree)?;
        let job_name = config.job_name(req.job_name.as_deref());
        let _submit = self.inner.submit.lock().await;
        let job_id = req.job_id.unwrap_or_else(|| self.inner.ids.next_id());
        let admission = rules::admit(
            job_id,
            self.inner.store.running(job_id).is_some(),
            self.live_finished(job_id).is_some(),
            req.start_with_savepoint,
            self.inner.runner.keeps_checkpoints(),
        )?;
        if admission == Admission::AlreadyRunning {
            tracing::info!(job_id, "job is running already; submit ignored");
            return Ok((job_id, job_name));
        }
        let plan = build_blocking(
            job_id,
            job_name.clone(),
            config,
            self.inner.registry.clone(),
        )
        .await?;
        let plan = Arc::new(plan);
        let record = RunningJob {
            job_id,
            job_name: plan.job_name.clone(),
            config: req.tree,
            env: plan.config.env.raw.clone(),
            dag: Arc::new(DagInfo::from_plan(&plan)),
            create_time_ms: now_ms(),
            start_with_savepoint: req.start_with_savepoint,
            cancel_requested: false,
            savepoint_requested: false,
        };
        self.inner
            .store
            .insert_running(record.clone())
            .await
            .map_err(CoordinatorError::Store)?;
        self.start(plan, Arc::new(record), false);
        tracing::info!(job_id, "job submitted");
        Ok((job_id, job_name))
    }

    /// Takes over every running job in the store that this manager does not run yet: what a new
    /// active master does with the jobs its predecessor started. Jobs whose config no longer
    /// plans (a plugin missing on this master) end FAILED with the reason.
    pub async fn restore(&self) -> usize {
        let mut restored = 0;
        for record in self.inner.store.running_jobs() {
            if self.local().contains_key(&record.job_id) {
                continue;
            }
            let planned = match JobConfig::from_tree(&record.config) {
                Ok(config) => build_blocking(
                    record.job_id,
                    record.job_name.clone(),
                    config,
                    self.inner.registry.clone(),
                )
                .await
                .map_err(CoordinatorError::from),
                Err(e) => Err(CoordinatorError::from(e)),
            };
            // Planning awaited: another call may have taken the job over meanwhile.
            if self.local().contains_key(&record.job_id) {
                continue;
            }
            match planned {
                Ok(plan) => {
                    tracing::info!(job_id = record.job_id, "taking over running job");
                    self.start(Arc::new(plan), record, true);
                    restored += 1;
                }
                Err(e) => tracing::error!(
                    job_id = record.job_id,
                    "cannot take over running job: {e}; install the same plugins on every master"
                ),
            }
        }
        restored
    }

    /// Stops driving every job without recording anything: this master is no longer the active
    /// one, and the next active master takes the jobs over from the store.
    pub fn step_down(&self) {
        let jobs: Vec<LocalJob> = self.local().drain().map(|(_, j)| j).collect();
        for j in &jobs {
            j.task.abort();
        }
        if !jobs.is_empty() {
            tracing::info!(
                jobs = jobs.len(),
                "no longer the active master; handed running jobs over"
            );
        }
    }

    fn start(&self, plan: Arc<JobPlan>, record: Arc<RunningJob>, restore: bool) {
        let job_id = plan.job_id;
        let dag = record.dag.clone();
        let checkpoint = rules::checkpoint_settings(&plan.config.env, self.settings().checkpoint);
        let create_time_ms = record.create_time_ms;
        // Holding `local` until the entry is in keeps the job's own cleanup from running first,
        // and makes starting a job once per manager atomic: a job submitted just as this master
        // became active is in the store before it is here, so the takeover of the store's
        // running jobs may reach it first, and the submit then finds it started.
        let mut local = self.local();
        if local.contains_key(&job_id) {
            tracing::debug!(job_id, "job already runs here; not starting it twice");
            return;
        }
        let control = JobControl::new();
        if record.cancel_requested {
            // Stopped through a master that failed before the job ended: cancel it here too.
            tracing::info!(job_id, "taken-over job was stopped; cancelling it");
            control.status.send_replace(JobStatus::Canceling);
            control.cancel.cancel();
        } else if record.savepoint_requested {
            tracing::info!(
                job_id,
                "taken-over job was stopping with a savepoint; taking it here"
            );
            control.status.send_replace(JobStatus::DoingSavepoint);
            control.savepoint.cancel();
        }
        let (recorded_tx, recorded) = watch::channel(false);
        let run = self.inner.runs.fetch_add(1, Ordering::Relaxed);
        let inner = self.inner.clone();
        let running = inner
            .runner
            .run(plan.clone(), checkpoint, control.clone(), restore);
        let task = tokio::spawn(async move {
            let job_name = plan.job_name.clone();
            let outcome = running.await;
            tracing::info!(job_id, job_name = %job_name, status = %outcome.status, "job ended");
            let recorded = inner.store.finish(FinishedJob {
                job_id,
                job_name,
                status: outcome.status,
                error: outcome.error,
                create_time_ms,
                finish_time_ms: outcome.finished.timestamp_millis(),
                dag,
                metrics: outcome.metrics,
                checkpoints: None,
            });
            if let Err(e) = recorded.await {
                tracing::warn!("{e}; the next active master records the job's end");
                return;
            }
            let _ = recorded_tx.send(true);
            let mut local = inner.local.lock().expect("job table lock poisoned");
            if local.get(&job_id).is_some_and(|j| j.run == run) {
                local.remove(&job_id);
            }
        });
        local.insert(
            job_id,
            LocalJob {
                run,
                control,
                recorded,
                task,
            },
        );
    }

    /// Cancels a job, or with `savepoint` stops it after a savepoint. Stopping an unknown or
    /// ended job is a silent success, as in SeaTunnel.
    ///
    /// A cancel is recorded in the job store before it is acknowledged: with a replicated store,
    /// once a majority of masters holds it, so a master that takes the job over cancels it too.
    /// A store that cannot confirm within [`STOP_RECORD_TIMEOUT`] fails the request instead.
    pub async fn stop(&self, job_id: i64, savepoint: bool) -> Result<(), CoordinatorError> {
        let control = self
            .local()
            .get(&job_id)
            .filter(|j| !j.control.status.borrow().is_end_state())
            .map(|j| j.control.clone());
        let record = self.inner.store.running(job_id);
        let checkpoints = record.as_ref().is_some_and(|r| {
            JobConfig::from_tree(&r.config).is_ok_and(|c| {
                rules::checkpoint_settings(&c.env, self.settings().checkpoint)
                    .interval
                    .is_some()
            })
        });
        let action = rules::stop_action(
            job_id,
            control.is_some(),
            savepoint,
            self.inner.runner.keeps_checkpoints(),
            checkpoints,
        )?;
        let Some(control) = control else {
            return Ok(());
        };
        match action {
            StopAction::Nothing => {}
            StopAction::Cancel => {
                self.record_stop(job_id, record, |r| r.cancel_requested = true)
                    .await?;
                control.status.send_if_modified(|s| {
                    let moved = !s.is_end_state() && *s != JobStatus::Canceling;
                    if moved {
                        *s = JobStatus::Canceling;
                    }
                    moved
                });
                control.cancel.cancel();
                tracing::info!(job_id, "job cancel requested");
            }
            StopAction::Savepoint => {
                self.record_stop(job_id, record, |r| r.savepoint_requested = true)
                    .await?;
                control.set(JobStatus::DoingSavepoint);
                control.savepoint.cancel();
                tracing::info!(
                    job_id,
                    "job savepoint requested; it stops once the savepoint is taken"
                );
            }
        }
        Ok(())
    }

    /// Records a stop in the job's running record before it is acknowledged (a no-op when
    /// `mark` changes nothing), within [`STOP_RECORD_TIMEOUT`].
    async fn record_stop(
        &self,
        job_id: i64,
        record: Option<Arc<RunningJob>>,
        mark: impl FnOnce(&mut RunningJob),
    ) -> Result<(), CoordinatorError> {
        let Some(record) = record else {
            return Ok(());
        };
        let mut marked = (*record).clone();
        mark(&mut marked);
        if marked.cancel_requested == record.cancel_requested
            && marked.savepoint_requested == record.savepoint_requested
        {
            return Ok(());
        }
        tokio::time::timeout(STOP_RECORD_TIMEOUT, self.inner.store.update_running(marked))
            .await
            .map_err(|_| {
                CoordinatorError::Store(JobStoreError {
                    job_id,
                    message: format!(
                        "no majority of masters confirmed the stop within {} s",
                        STOP_RECORD_TIMEOUT.as_secs()
                    ),
                })
            })?
            .map_err(CoordinatorError::Store)
    }

    /// Running jobs, newest first (SeaTunnel's order).
    pub fn running_jobs(&self) -> Vec<RunningJobView> {
        let mut records = self.inner.store.running_jobs();
        records.sort_by_key(|r| std::cmp::Reverse((r.create_time_ms, r.job_id)));
        records
            .into_iter()
            .filter_map(|r| self.running_view(r))
            .collect()
    }

    /// History entries that are not expired, oldest finish first.
    pub fn finished_jobs(&self, filter: StateFilter) -> Vec<Arc<FinishedJob>> {
        let now = now_ms();
        let ttl = self.settings().history_ttl;
        let live = self
            .inner
            .store
            .finished_jobs()
            .into_iter()
            .filter(|j| !history::is_expired(j.finish_time_ms, now, ttl))
            .collect();
        rules::select_finished(live, filter)
    }

    /// `None` for an id that is unknown or whose history expired.
    pub fn job_info(&self, job_id: i64) -> Option<JobInfo> {
        if let Some(view) = self
            .inner
            .store
            .running(job_id)
            .and_then(|r| self.running_view(r))
        {
            return Some(JobInfo::Running(view));
        }
        self.live_finished(job_id).map(JobInfo::Finished)
    }

    /// A job's checkpoint overview: a running job's from the runner's records, an ended job's
    /// from history. Reads storage, so call it off the runtime threads.
    pub fn checkpoints(&self, job_id: i64) -> Result<JobCheckpoints, CoordinatorError> {
        let keeps = self.inner.runner.keeps_checkpoints();
        if self.inner.store.running(job_id).is_some() {
            return self
                .inner
                .runner
                .checkpoints(job_id)
                .filter(|_| keeps)
                .ok_or(CoordinatorError::CheckpointsNotKept(job_id));
        }
        match self.live_finished(job_id) {
            None => Err(CoordinatorError::UnknownJob(job_id)),
            Some(_) if !keeps => Err(CoordinatorError::CheckpointsNotKept(job_id)),
            Some(j) => j
                .checkpoints
                .clone()
                .ok_or(CoordinatorError::CheckpointsNotInHistory(job_id)),
        }
    }

    pub fn counts(&self) -> JobCounts {
        rules::count_jobs(
            self.inner.store.running_jobs().len(),
            &self.finished_jobs(StateFilter::All),
        )
    }

    /// Waits until the job's end is recorded and returns it; `None` if the id is unknown or its
    /// history already expired.
    pub async fn wait(&self, job_id: i64) -> Option<Arc<FinishedJob>> {
        let recorded = self.local().get(&job_id).map(|j| j.recorded.clone());
        if let Some(mut recorded) = recorded {
            let _ = recorded.wait_for(|done| *done).await;
        }
        self.live_finished(job_id)
    }

    /// The live status of a job this node runs; `None` once it ended or if it never ran here.
    pub fn watch_status(&self, job_id: i64) -> Option<watch::Receiver<JobStatus>> {
        self.local()
            .get(&job_id)
            .map(|j| j.control.status.subscribe())
    }

    /// Refuses new submits, cancels every running job and waits up to `deadline` for their ends
    /// to be recorded, so sinks abort uncommitted output instead of leaving it half-written. Jobs
    /// still running at the deadline are aborted and logged.
    pub async fn shutdown(&self, deadline: Duration) {
        self.inner.shutdown.cancel();
        let pending: Vec<(i64, watch::Receiver<bool>)> = self
            .local()
            .iter()
            .map(|(id, j)| {
                j.control.cancel.cancel();
                (*id, j.recorded.clone())
            })
            .collect();
        let until = tokio::time::Instant::now() + deadline;
        let mut late = Vec::new();
        for (id, mut recorded) in pending {
            let ended = tokio::time::timeout_at(until, recorded.wait_for(|d| *d)).await;
            if ended.is_err() {
                late.push(id);
            }
        }
        if !late.is_empty() {
            tracing::warn!(jobs = ?late, ?deadline, "jobs did not stop within the shutdown deadline; aborting them");
            for (_, j) in self.local().drain() {
                j.task.abort();
            }
        }
    }

    fn running_view(&self, record: Arc<RunningJob>) -> Option<RunningJobView> {
        let local = self.local();
        let job = local.get(&record.job_id)?;
        let status = *job.control.status.borrow();
        let metrics = job.control.metrics.snapshot();
        Some(RunningJobView {
            record,
            status,
            metrics,
        })
    }

    fn live_finished(&self, job_id: i64) -> Option<Arc<FinishedJob>> {
        self.inner.store.finished(job_id).filter(|j| {
            !history::is_expired(j.finish_time_ms, now_ms(), self.settings().history_ttl)
        })
    }

    fn local(&self) -> MutexGuard<'_, HashMap<i64, LocalJob>> {
        self.inner.local.lock().expect("job table lock poisoned")
    }
}
