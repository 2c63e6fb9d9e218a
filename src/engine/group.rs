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

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::connector::{CommitInfo, ReaderContext};

use super::chain::{self, WriterSlots};
use super::group_checkpoints::GroupCheckpoints;
use super::metrics::JobMetrics;
use super::plan::{JobPlan, Operator};
use super::sinks::PipelineSinks;
use super::task::{self, CheckpointRequest, TaskStop};

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

/// A built task group, ready to be spawned.
pub(crate) struct GroupParts {
    pub reader: BoxFuture<Result<(), TaskStop>>,
    /// The chain; ends with the final commit infos on a clean end.
    pub worker: BoxFuture<Result<Vec<(usize, CommitInfo)>, TaskStop>>,
    /// Checkpoint requests for the chain's writers.
    pub checkpoints: mpsc::UnboundedSender<CheckpointRequest>,
}

/// Creates the reader and writers of one group. `slots` must have seen every earlier group of
/// the pipeline (built or [`chain::skip`]ped).
pub(crate) fn build(
    plan: &Arc<JobPlan>,
    address: &GroupAddress,
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
    let reader = source.create_reader(&ctx).map_err(|e| e.to_string())?;
    let stages = chain::build(plan, address.source, slots).map_err(|e| e.to_string())?;
    let (tx, rx, recycle_tx, recycle_rx) = task::channel();
    let (cp_tx, cp_rx) = mpsc::unbounded_channel();
    let reader = task::run_reader(
        reader,
        first_table,
        mode,
        metrics.clone(),
        tx,
        recycle_rx,
        cancel.clone(),
    );
    let worker = task::run_worker(stages, metrics.clone(), rx, recycle_tx, cp_rx, cancel);
    Ok(GroupParts {
        reader: Box::pin(reader),
        worker: Box::pin(worker),
        checkpoints: cp_tx,
    })
}

/// How a task group run alone ended.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupOutcome {
    /// Ended cleanly; the writers prepared these `(sink vertex, info)` pairs for the committer.
    Finished(Vec<(usize, CommitInfo)>),
    Canceled,
    Failed(String),
}

/// A task group started alone: its checkpoints, and the future that runs it to its end.
pub struct StartedGroup {
    pub checkpoints: Arc<GroupCheckpoints>,
    pub run: BoxFuture<GroupOutcome>,
}

/// Starts group `group` of `pipeline` alone, as a worker does in separated cluster mode.
///
/// At its end the output its checkpoints prepared and nobody confirmed is decided with it:
/// carried with the final infos on a clean end (the committer commits both; commits are
/// idempotent, so infos a master committed but did not confirm yet are harmless), aborted on
/// cancel or failure, as the in-process pipeline does.
pub fn start_task_group(
    plan: Arc<JobPlan>,
    pipeline: usize,
    group: usize,
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
    let parts = build(&plan, &address, &mut slots, &metrics, cancel)?;
    let GroupParts {
        reader,
        worker,
        checkpoints,
    } = parts;
    let checkpoints = Arc::new(GroupCheckpoints::new(checkpoints));
    let held = checkpoints.clone();
    let run = async move {
        let outcome = join(reader, worker).await;
        let pending = held.drain().await;
        match outcome {
            GroupOutcome::Finished(mut infos) => {
                infos.extend(pending);
                GroupOutcome::Finished(infos)
            }
            other => {
                if !pending.is_empty() {
                    let sinks = PipelineSinks::new(plan, pipeline);
                    // Sink aborts touch files and external systems: off the runtime threads.
                    let _ = tokio::task::spawn_blocking(move || sinks.abort(pending)).await;
                }
                other
            }
        }
    };
    Ok(StartedGroup {
        checkpoints,
        run: Box::pin(run),
    })
}

/// Runs group `group` of `pipeline` alone to its end, without checkpoints.
pub async fn run_task_group(
    plan: Arc<JobPlan>,
    pipeline: usize,
    group: usize,
    metrics: Arc<JobMetrics>,
    cancel: CancellationToken,
) -> GroupOutcome {
    match start_task_group(plan, pipeline, group, metrics, cancel) {
        Ok(started) => started.run.await,
        Err(e) => GroupOutcome::Failed(e),
    }
}

/// Spawns the reader and the chain of a built group and waits for both.
async fn join(
    reader: BoxFuture<Result<(), TaskStop>>,
    worker: BoxFuture<Result<Vec<(usize, CommitInfo)>, TaskStop>>,
) -> GroupOutcome {
    let reader = tokio::spawn(reader);
    let worker = tokio::spawn(worker);
    let worked = worker.await;
    let read = reader.await;
    // A source failure is reported by the reader; the chain then just sees its input end.
    match read {
        Ok(Err(TaskStop::Failed(msg))) => return GroupOutcome::Failed(msg),
        Err(join) if join.is_panic() => {
            return GroupOutcome::Failed(format!("source reader panicked: {join}"))
        }
        _ => {}
    }
    match worked {
        Ok(Ok(infos)) => GroupOutcome::Finished(infos),
        Ok(Err(TaskStop::Canceled)) => GroupOutcome::Canceled,
        Ok(Err(TaskStop::Failed(msg))) => GroupOutcome::Failed(msg),
        Err(join) => GroupOutcome::Failed(format!("task panicked: {join}")),
    }
}
