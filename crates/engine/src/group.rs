//! Task groups: one source instance and the operator chain it feeds (reader task → batch channel
//! → transforms and sink writers), addressed the way the scheduler numbers them.
//!
//! The in-process pipeline runner builds every group of a pipeline; a worker in separated cluster
//! mode builds only the groups the master placed on it ([`start_task_group`]). Both number writers
//! identically: group `i` takes the writer indexes it would take if groups `0..i` were built
//! first, so a file sink's file names do not depend on where a group runs.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use seatunnel_connector::{CommitInfo, EnumeratorContext, ReaderContext, SourceSplit};

use super::chain::{self, WriterSlots};
use super::group_checkpoints::GroupCheckpoints;
use super::metrics::JobMetrics;
use super::plan::{JobPlan, Operator};
use super::sinks::PipelineSinks;
use super::task::{self, Control, Prepared, TaskStop, WriterState};
use super::thread::run_on_own_thread;

/// Where one task group reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupAddress {
    /// The source vertex id.
    pub source: usize,
    pub subtask_index: usize,
    pub parallelism: usize,
}

/// Every task group of `pipeline`, in the order the scheduler's `TaskRole::Group(i)` numbers
/// them: sources in vertex order, then subtask index.
pub fn groups(plan: &JobPlan, pipeline: usize) -> Vec<GroupAddress> {
    let mut out = Vec::new();
    for id in plan.pipeline_vertex_ids(pipeline) {
        if let Operator::Source { parallelism, .. } = plan.vertex(id).operator {
            out.extend((0..parallelism).map(|subtask_index| GroupAddress {
                source: id,
                subtask_index,
                parallelism,
            }));
        }
    }
    out
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Where a task group starts from: its reader's splits (fresh from the enumerator, or as a
/// checkpoint left them) and its writers' states (empty on a fresh start).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupStart {
    pub splits: Vec<SourceSplit>,
    pub writers: Vec<WriterState>,
}

/// Every reader's fresh splits for the sources of `pipeline`, as [`groups`] orders the groups:
/// the pipeline's enumerators. May do I/O: call it off the async runtime.
pub fn enumerate(plan: &JobPlan, pipeline: usize) -> Result<Vec<GroupStart>, String> {
    let mut out = Vec::new();
    for id in plan.pipeline_vertex_ids(pipeline) {
        let pv = plan.vertex(id);
        if let Operator::Source {
            source,
            parallelism,
        } = &pv.operator
        {
            let ctx = EnumeratorContext {
                job_id: plan.job_id,
                job_mode: plan.config.env.job_mode,
                parallelism: *parallelism,
            };
            let mut lists = source
                .enumerate(&ctx)
                .map_err(|e| format!("{}: {e}", pv.vertex.name))?;
            if lists.len() != *parallelism {
                return Err(format!(
                    "{}: the enumerator made {} split lists for {parallelism} readers; this is a bug in the connector",
                    pv.vertex.name,
                    lists.len()
                ));
            }
            out.extend(lists.drain(..).map(|splits| GroupStart {
                splits,
                writers: Vec::new(),
            }));
        }
    }
    Ok(out)
}

/// A built task group, ready to be spawned.
pub struct GroupParts {
    /// The reader, on a thread of its own once polled.
    pub reader: BoxFuture<Result<(), TaskStop>>,
    /// The chain, on a thread of its own once polled; ends with the final commit infos on a
    /// clean end.
    pub worker: BoxFuture<Result<Prepared, TaskStop>>,
    /// Checkpoint requests and notifications for the group.
    pub controls: mpsc::UnboundedSender<Control>,
}

/// Creates the reader and writers of one group from `start`. `slots` must have seen every
/// earlier group of the pipeline (built or [`chain::skip`]ped).
pub fn build(
    plan: &Arc<JobPlan>,
    address: &GroupAddress,
    start: GroupStart,
    slots: &mut WriterSlots,
    metrics: &Arc<JobMetrics>,
    cancel: CancellationToken,
) -> Result<GroupParts, String> {
    let pv = plan.vertex(address.source);
    let Operator::Source { source, .. } = &pv.operator else {
        return Err(format!("vertex {} is not a source", pv.vertex.name));
    };
    let Some(first_table) = pv.tables.first().cloned() else {
        return Err(format!("source {} declares no table", pv.vertex.name));
    };
    let mode = plan.config.env.job_mode;
    let ctx = ReaderContext {
        job_id: plan.job_id,
        job_mode: mode,
        subtask_index: address.subtask_index,
        parallelism: address.parallelism,
    };
    let reader = source
        .create_reader(&ctx, start.splits)
        .map_err(|e| e.to_string())?;
    let stages =
        chain::build(plan, address.source, slots, &start.writers).map_err(|e| e.to_string())?;
    let (tx, rx, recycle_tx, recycle_rx) = task::channel();
    let (controls, controls_rx) = mpsc::unbounded_channel();
    let reader = task::run_reader(
        reader,
        first_table,
        mode,
        metrics.clone(),
        tx,
        recycle_rx,
        controls_rx,
        cancel.clone(),
    );
    let worker = task::run_worker(stages, metrics.clone(), rx, recycle_tx, cancel);
    let name = |role: &str| format!("st-{role}-{}", address.subtask_index);
    let reader = run_on_own_thread(name("read"), reader);
    let worker = run_on_own_thread(name("write"), worker);
    Ok(GroupParts {
        reader: Box::pin(async move {
            reader
                .await
                .unwrap_or_else(|e| Err(TaskStop::Failed(format!("source reader {e}"))))
        }),
        worker: Box::pin(async move {
            worker
                .await
                .unwrap_or_else(|e| Err(TaskStop::Failed(format!("task {e}"))))
        }),
        controls,
    })
}

/// How a task group run alone ended.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupOutcome {
    /// Ended cleanly; the writers prepared these `(sink vertex, info)` pairs for the committer.
    Finished(Vec<(usize, CommitInfo)>),
    Canceled,
    Failed(String),
    /// Failed because a connector's external system went away: a restart may succeed.
    Unavailable(String),
}

/// A task group started alone: its checkpoints, and the future that runs it to its end.
pub struct StartedGroup {
    pub checkpoints: Arc<GroupCheckpoints>,
    pub run: BoxFuture<GroupOutcome>,
}

/// Starts group `group` of `pipeline` alone from `start`, as a worker does in separated
/// cluster mode.
///
/// At its end the output its checkpoints prepared and nobody confirmed is decided with it:
/// carried with the final infos on a clean end (the committer commits both; commits are
/// idempotent, so infos a master committed but did not confirm yet are harmless). On cancel
/// or failure it stays held in [`StartedGroup::checkpoints`] for the caller to take
/// ([`GroupCheckpoints::drain`]): only the caller knows whether a checkpoint that covered it
/// was recorded (a separated cluster's master commits a recorded checkpoint's output after the
/// groups that prepared it are gone), so only it may abort it.
pub fn start_task_group(
    plan: Arc<JobPlan>,
    pipeline: usize,
    group: usize,
    start: GroupStart,
    metrics: Arc<JobMetrics>,
    cancel: CancellationToken,
) -> Result<StartedGroup, String> {
    let all = groups(&plan, pipeline);
    let Some(address) = all.get(group).copied() else {
        return Err(format!(
            "pipeline {pipeline} of job {} has {} task groups, not {}; the job file changed between planning and deployment",
            plan.job_id,
            all.len(),
            group + 1
        ));
    };
    let mut slots = WriterSlots::for_pipeline(&plan, pipeline);
    for earlier in &all[..group] {
        chain::skip(&plan, earlier.source, &mut slots);
    }
    let parts = build(&plan, &address, start, &mut slots, &metrics, cancel)?;
    let GroupParts {
        reader,
        worker,
        controls,
    } = parts;
    let checkpoints = Arc::new(GroupCheckpoints::new(controls));
    let held = checkpoints.clone();
    let run = async move {
        let outcome = join(reader, worker).await;
        held.group_ended();
        match outcome {
            GroupOutcome::Finished(mut infos) => {
                infos.extend(held.drain().await);
                GroupOutcome::Finished(infos)
            }
            other => other,
        }
    };
    Ok(StartedGroup {
        checkpoints,
        run: Box::pin(run),
    })
}

/// Runs group `group` of `pipeline` alone from a fresh start to its end, without checkpoints.
pub async fn run_task_group(
    plan: Arc<JobPlan>,
    pipeline: usize,
    group: usize,
    metrics: Arc<JobMetrics>,
    cancel: CancellationToken,
) -> GroupOutcome {
    let start = match enumerate(&plan, pipeline) {
        Ok(mut all) if group < all.len() => all.swap_remove(group),
        Ok(_) => GroupStart::default(),
        Err(e) => return GroupOutcome::Failed(e),
    };
    let started = match start_task_group(plan.clone(), pipeline, group, start, metrics, cancel) {
        Ok(started) => started,
        Err(e) => return GroupOutcome::Failed(e),
    };
    let outcome = started.run.await;
    if !matches!(outcome, GroupOutcome::Finished(_)) {
        // Run alone, nothing else will ever commit what its checkpoints prepared.
        let pending = started.checkpoints.drain().await;
        if !pending.is_empty() {
            let sinks = PipelineSinks::new(plan, pipeline);
            // Sink aborts touch files and external systems: off the runtime threads.
            let _ = tokio::task::spawn_blocking(move || sinks.abort(pending)).await;
        }
    }
    outcome
}

/// How long a group's end waits for its reader once the chain ended: a reader blocked inside
/// its connector (a network read) notices the end only when that call returns, and the group's
/// end (a cancel's acknowledgement, a restart) must not wait for the connector.
pub const READER_EXIT_GRACE: Duration = Duration::from_secs(5);

/// Waits for a group's chain, then for its reader within [`READER_EXIT_GRACE`].
async fn join(
    reader: BoxFuture<Result<(), TaskStop>>,
    worker: BoxFuture<Result<Prepared, TaskStop>>,
) -> GroupOutcome {
    let reader = tokio::spawn(reader);
    let worked = worker.await;
    let read = match tokio::time::timeout(READER_EXIT_GRACE, reader).await {
        Ok(read) => read.unwrap_or_else(|e| Err(TaskStop::Failed(format!("source reader: {e}")))),
        Err(_) => {
            tracing::warn!(
                "a source reader is still inside its connector {} s after its task group ended; its thread ends when the connector returns",
                READER_EXIT_GRACE.as_secs()
            );
            Ok(())
        }
    };
    // A source failure is reported by the reader; the chain then just sees its input end.
    match read {
        Err(TaskStop::Failed(msg)) => return GroupOutcome::Failed(msg),
        Err(TaskStop::Unavailable(msg)) => return GroupOutcome::Unavailable(msg),
        _ => {}
    }
    match worked {
        Ok(infos) => GroupOutcome::Finished(infos),
        Err(TaskStop::Canceled) => GroupOutcome::Canceled,
        Err(TaskStop::Failed(msg)) => GroupOutcome::Failed(msg),
        Err(TaskStop::Unavailable(msg)) => GroupOutcome::Unavailable(msg),
    }
}
