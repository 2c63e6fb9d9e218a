//! Runs one pipeline: starts its task groups, drives periodic commits in STREAMING mode, and
//! commits or aborts its sinks at the end.
//!
//! Invariant: a sink's `commit` only ever receives infos that every task group prepared for the
//! same checkpoint (or the final ones after every task group ended cleanly), so output becomes
//! visible all at once per checkpoint and never half way.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::connector::{CommitInfo, JobMode};

use super::chain::WriterSlots;
use super::conclude::{conclude, Conclusion, GroupResult};
use super::group::{self, GroupStart};
use super::metrics::JobMetrics;
use super::plan::JobPlan;
use super::schedule::CheckpointSchedule;
use super::sinks::PipelineSinks;
use super::task::{AckSender, CheckpointRequest, Control, GroupSnapshot, Prepared, TaskStop};

/// How a pipeline ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineOutcome {
    Finished,
    Canceled,
    Failed(String),
}

/// Checkpoint settings resolved for this job: env first, then the engine's defaults.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointSettings {
    /// `None` disables periodic checkpoints (BATCH without `env.checkpoint.interval`).
    pub interval: Option<Duration>,
    pub timeout: Duration,
    /// `checkpoint.storage.max-retained`: completed checkpoints kept per pipeline.
    pub max_retained: u32,
    /// `checkpoint.min-pause`: the least time from a checkpoint's end to the next one's trigger;
    /// `None` for no minimum.
    pub min_pause: Option<Duration>,
}

impl CheckpointSettings {
    /// SeaTunnel's rule: `env.checkpoint.interval` wins; STREAMING without one uses the engine's
    /// `checkpoint.interval`; BATCH without one runs with checkpoints disabled. The timeout is
    /// `env.checkpoint.timeout`, else the engine's; the minimum pause `env.checkpoint.min-pause`
    /// (where -1 turns the engine's off), else the engine's.
    pub fn for_job(
        env: &crate::job::EnvConfig,
        engine_interval: Duration,
        engine_timeout: Duration,
        max_retained: u32,
        engine_min_pause: Option<Duration>,
    ) -> Self {
        let interval = match (env.checkpoint_interval_ms, env.job_mode) {
            (Some(ms), _) => Some(Duration::from_millis(ms)),
            (None, JobMode::Streaming) => Some(engine_interval),
            (None, JobMode::Batch) => None,
        };
        let timeout = env
            .checkpoint_timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(engine_timeout);
        let min_pause = match env.checkpoint_min_pause_ms {
            Some(ms) => u64::try_from(ms).ok().map(Duration::from_millis),
            None => engine_min_pause,
        };
        CheckpointSettings {
            interval,
            timeout,
            max_retained: max_retained.max(1),
            min_pause,
        }
    }
}

type TaskResult = (usize, Result<Prepared, TaskStop>);

pub async fn run_pipeline(
    plan: Arc<JobPlan>,
    pipeline: usize,
    metrics: Arc<JobMetrics>,
    checkpoint: CheckpointSettings,
    cancel: CancellationToken,
) -> PipelineOutcome {
    let sinks = PipelineSinks::new(plan.clone(), pipeline);
    if let Err(message) = sinks.blocking(|s| s.setup()).await {
        return PipelineOutcome::Failed(message);
    }
    // The enumerators may do I/O (list files, ask a database): off the runtime threads.
    let enumerated = {
        let plan = plan.clone();
        tokio::task::spawn_blocking(move || group::enumerate(&plan, pipeline)).await
    };
    let starts = match enumerated {
        Ok(Ok(starts)) => starts,
        Ok(Err(message)) => return PipelineOutcome::Failed(message),
        Err(e) => return PipelineOutcome::Failed(format!("a split enumerator panicked: {e}")),
    };
    let tasks_cancel = cancel.child_token();
    let mut tasks: JoinSet<TaskResult> = JoinSet::new();
    let mut readers: JoinSet<Result<(), TaskStop>> = JoinSet::new();
    let mut controls = Vec::new();
    if let Err(message) = start_tasks(
        &plan,
        pipeline,
        starts,
        &metrics,
        &tasks_cancel,
        &mut tasks,
        &mut readers,
        &mut controls,
    ) {
        tasks_cancel.cancel();
        return PipelineOutcome::Failed(message);
    }
    match checkpoint.interval {
        Some(i) => tracing::info!(
            job_id = plan.job_id,
            pipeline,
            "checkpoint is enabled, interval {} ms",
            i.as_millis()
        ),
        None => tracing::info!(
            job_id = plan.job_id,
            pipeline,
            "checkpoint is disabled: batch job without env.checkpoint.interval"
        ),
    }
    let group_count = tasks.len();
    let mut committer = Committer::new(sinks);
    // STREAMING always checkpoints, BATCH when its env sets an interval (SeaTunnel's rule).
    let mut schedule = checkpoint
        .interval
        .map(|i| CheckpointSchedule::new(tokio::time::Instant::now(), i, checkpoint.min_pause));
    let mut results: Vec<GroupResult<(usize, CommitInfo)>> = Vec::new();
    // The first failure as it happened (a task, a panic, a checkpoint), which cancelled the rest.
    let mut failure: Option<String> = None;
    let mut done = 0;
    while done < group_count {
        let due = schedule.as_ref().map(CheckpointSchedule::due);
        tokio::select! {
            joined = tasks.join_next() => {
                let Some(joined) = joined else { break };
                done += 1;
                match joined {
                    Ok((_, Ok(infos))) => results.push(GroupResult::Finished(infos)),
                    Ok((_, Err(TaskStop::Canceled))) => results.push(GroupResult::Canceled),
                    Ok((group, Err(TaskStop::Failed(msg)))) => {
                        tracing::error!(job_id = plan.job_id, pipeline, task_group = group, "task failed: {msg}");
                        failure.get_or_insert(msg);
                        tasks_cancel.cancel();
                    }
                    Err(join) => {
                        let msg = format!("task panicked: {join}");
                        tracing::error!(job_id = plan.job_id, pipeline, "{msg}");
                        failure.get_or_insert(msg);
                        tasks_cancel.cancel();
                    }
                }
            }
            _ = async { tokio::time::sleep_until(due.expect("guarded")).await }, if due.is_some() && failure.is_none() && !tasks_cancel.is_cancelled() => {
                let clock = schedule.as_mut().expect("guarded");
                clock.triggered(tokio::time::Instant::now());
                let round = committer.checkpoint(&controls, checkpoint.timeout, &tasks_cancel).await;
                clock.ended(tokio::time::Instant::now());
                if let Err(msg) = round {
                    failure.get_or_insert(msg);
                    tasks_cancel.cancel();
                }
            }
        }
    }
    // Reader errors (a source that failed) are reported by the reader task, not the worker. A
    // reader still inside its connector is not waited for beyond the grace (as a lone group).
    let grace = tokio::time::Instant::now() + group::READER_EXIT_GRACE;
    loop {
        match tokio::time::timeout_at(grace, readers.join_next()).await {
            Ok(None) => break,
            Ok(Some(Ok(Err(TaskStop::Failed(msg))))) => {
                failure.get_or_insert(msg);
            }
            Ok(Some(Err(join))) if join.is_panic() => {
                failure.get_or_insert(format!("source reader panicked: {join}"));
            }
            Ok(Some(_)) => {}
            Err(_) => {
                tracing::warn!(
                    job_id = plan.job_id,
                    pipeline,
                    "a source reader is still inside its connector {} s after its pipeline's groups ended; its thread ends when the connector returns",
                    group::READER_EXIT_GRACE.as_secs()
                );
                break;
            }
        }
    }
    // What a checkpoint that could not complete prepared (a group had already finished) shares
    // the end of the rest: committed with the end-of-run infos if every group ended cleanly.
    let pending = committer.take_orphaned();
    match conclude(results, pending, failure, cancel.is_cancelled(), None) {
        Conclusion::Commit(infos) => {
            let committed = committer
                .sinks
                .blocking(move |s| s.commit(infos).and_then(|()| s.finish()))
                .await;
            match committed {
                Ok(()) => PipelineOutcome::Finished,
                Err(msg) => PipelineOutcome::Failed(msg),
            }
        }
        Conclusion::Abort { infos, outcome } => {
            let _ = committer
                .sinks
                .blocking(move |s| {
                    s.abort(infos);
                    Ok(())
                })
                .await;
            outcome
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn start_tasks(
    plan: &Arc<JobPlan>,
    pipeline: usize,
    starts: Vec<GroupStart>,
    metrics: &Arc<JobMetrics>,
    cancel: &CancellationToken,
    tasks: &mut JoinSet<TaskResult>,
    readers: &mut JoinSet<Result<(), TaskStop>>,
    controls: &mut Vec<mpsc::UnboundedSender<Control>>,
) -> Result<(), String> {
    let mut slots = WriterSlots::for_pipeline(plan, pipeline);
    let addresses = group::groups(plan, pipeline);
    if addresses.len() != starts.len() {
        return Err(format!(
            "pipeline {pipeline} has {} task groups but {} split lists; this is a bug",
            addresses.len(),
            starts.len()
        ));
    }
    for (address, start) in addresses.into_iter().zip(starts) {
        // Each task group has its own token under the pipeline's, so one group can be stopped
        // alone while cancelling the pipeline stops all.
        let group_cancel = cancel.child_token();
        let parts = group::build(plan, &address, start, &mut slots, metrics, group_cancel)?;
        controls.push(parts.controls);
        readers.spawn(parts.reader);
        let index = tasks.len();
        let worker = parts.worker;
        tasks.spawn(async move { (index, worker.await) });
    }
    Ok(())
}

/// Commit bookkeeping for the sinks of one pipeline.
struct Committer {
    sinks: PipelineSinks,
    next_id: u64,
    /// Every task group answers checkpoint requests here. Kept for the whole pipeline, so an
    /// answer that arrives after its checkpoint was given up (timeout, cancel) is still seen and
    /// aborted rather than lost: once a writer prepared output, only commit or abort may end it.
    ack_tx: AckSender,
    ack_rx: mpsc::UnboundedReceiver<(u64, GroupSnapshot)>,
    /// Prepared infos of checkpoints that did not complete; the pipeline's end commits or aborts
    /// them.
    orphaned: Vec<(usize, CommitInfo)>,
}

impl Committer {
    fn new(sinks: PipelineSinks) -> Committer {
        let (ack_tx, ack_rx) = mpsc::unbounded_channel();
        Committer {
            sinks,
            next_id: 1,
            ack_tx,
            ack_rx,
            orphaned: Vec::new(),
        }
    }

    /// One periodic checkpoint: every task group snapshots and prepares at its barrier, then
    /// each sink commits what all of them prepared and the groups are told. Anything short of
    /// "all groups answered in time" leaves the prepared infos to the pipeline's end: committed
    /// if every group finished cleanly, aborted otherwise.
    async fn checkpoint(
        &mut self,
        groups: &[mpsc::UnboundedSender<Control>],
        timeout: Duration,
        cancel: &CancellationToken,
    ) -> Result<(), String> {
        let id = self.next_id;
        self.next_id += 1;
        let mut asked = 0;
        for group in groups {
            let request = CheckpointRequest {
                id,
                ack: self.ack_tx.clone(),
            };
            if group.send(Control::Checkpoint(request)).is_ok() {
                asked += 1;
            }
        }
        let tell = |what: fn(u64) -> Control| {
            for group in groups {
                let _ = group.send(what(id));
            }
        };
        let mut infos = Vec::new();
        let mut answered = 0;
        let deadline = tokio::time::Instant::now() + timeout;
        while answered < asked {
            let expired = tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    self.orphaned.extend(infos);
                    return Ok(());
                }
                _ = tokio::time::sleep_until(deadline) => true,
                ack = self.ack_rx.recv() => match ack {
                    Some((ack_id, s)) if ack_id == id => { answered += 1; infos.extend(s.infos); false }
                    Some((_, stale)) => { self.orphaned.extend(stale.infos); false }
                    None => unreachable!("the committer holds a sender"),
                },
            };
            // The clock, not the timer, decides: a writer that blocked its thread past the
            // deadline answers before the timer fires, and that answer is still too late.
            if expired || tokio::time::Instant::now() >= deadline {
                self.orphaned.extend(infos);
                tell(Control::Aborted);
                return Err(format!(
                    "checkpoint {id} expired before completing, timeout {} ms",
                    timeout.as_millis()
                ));
            }
        }
        if asked < groups.len() {
            // A task group already ended (finished, failed or cancelled): this checkpoint cannot
            // cover every writer, so the pipeline's end decides for these infos.
            self.orphaned.extend(infos);
            tell(Control::Aborted);
            return Ok(());
        }
        self.sinks.blocking(move |s| s.commit(infos)).await?;
        tell(Control::Completed);
        tracing::debug!(
            job_id = self.sinks.job_id(),
            checkpoint = id,
            "checkpoint completed"
        );
        Ok(())
    }

    /// Every prepared info no checkpoint committed, including answers still in the channel.
    fn take_orphaned(&mut self) -> Vec<(usize, CommitInfo)> {
        let mut infos = std::mem::take(&mut self.orphaned);
        while let Ok((_, late)) = self.ack_rx.try_recv() {
            infos.extend(late.infos);
        }
        infos
    }
}
