//! Runs a whole job: all pipelines side by side, with the job status moving through SeaTunnel's
//! states as they progress.
//!
//! Pipelines are independent: one failing does not cancel the others. The job ends FAILED if any
//! pipeline failed, CANCELED if it was cancelled, FINISHED otherwise.

use std::sync::Arc;

use chrono::{DateTime, Local};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::job::JobStatus;

use super::metrics::{JobMetrics, MetricsSnapshot};
use super::pipeline::{run_pipeline, CheckpointSettings, PipelineOutcome};
use super::plan::JobPlan;

/// The end of a job, as history keeps it.
#[derive(Debug, Clone)]
pub struct JobOutcome {
    pub status: JobStatus,
    /// The first pipeline failure, shown as `errorMsg`.
    pub error: Option<String>,
    pub started: DateTime<Local>,
    pub finished: DateTime<Local>,
    pub metrics: MetricsSnapshot,
}

/// Everything a running job shares with whoever watches it.
#[derive(Clone)]
pub struct JobControl {
    pub status: watch::Sender<JobStatus>,
    pub metrics: Arc<JobMetrics>,
    pub cancel: CancellationToken,
    /// A savepoint was requested: take one, then stop (SAVEPOINT_DONE).
    pub savepoint: CancellationToken,
}

impl JobControl {
    pub fn new() -> JobControl {
        JobControl {
            status: watch::channel(JobStatus::Created).0,
            metrics: Arc::new(JobMetrics::default()),
            cancel: CancellationToken::new(),
            savepoint: CancellationToken::new(),
        }
    }

    /// Moves the status, but only forward (see [`advances`]).
    pub(crate) fn set(&self, status: JobStatus) {
        self.status.send_if_modified(|s| {
            let moved = advances(*s, status);
            if moved {
                *s = status;
            }
            moved
        });
    }
}

impl Default for JobControl {
    fn default() -> Self {
        JobControl::new()
    }
}

/// How far along its life a status is. A job only ever moves to a later stage, so a cancel that
/// arrives while the job is still being scheduled is never undone by "now running".
fn stage(status: JobStatus) -> u8 {
    match status {
        JobStatus::Initializing | JobStatus::Created => 0,
        JobStatus::Pending => 1,
        JobStatus::Scheduled => 2,
        JobStatus::Running => 3,
        JobStatus::Failing | JobStatus::Canceling | JobStatus::DoingSavepoint => 4,
        JobStatus::Failed
        | JobStatus::Canceled
        | JobStatus::Finished
        | JobStatus::SavepointDone
        | JobStatus::Unknowable => 5,
    }
}

/// Whether a job in `from` may move to `to`. Pure.
pub fn advances(from: JobStatus, to: JobStatus) -> bool {
    !from.is_end_state() && stage(to) > stage(from)
}

/// Decides the job's end state from its pipelines' outcomes. Pure.
pub fn job_end_state(
    outcomes: &[PipelineOutcome],
    cancel_requested: bool,
) -> (JobStatus, Option<String>) {
    let failure = outcomes.iter().find_map(|o| match o {
        PipelineOutcome::Failed(m) => Some(m.clone()),
        _ => None,
    });
    match failure {
        Some(m) => (JobStatus::Failed, Some(m)),
        None if cancel_requested || outcomes.contains(&PipelineOutcome::Canceled) => {
            (JobStatus::Canceled, None)
        }
        None => (JobStatus::Finished, None),
    }
}

pub async fn run_job(
    plan: Arc<JobPlan>,
    checkpoint: CheckpointSettings,
    control: JobControl,
) -> JobOutcome {
    let started = Local::now();
    if control.cancel.is_cancelled() {
        control.set(JobStatus::Canceling);
    }
    control.set(JobStatus::Pending);
    control.set(JobStatus::Scheduled);
    let mut pipelines = JoinSet::new();
    for pipeline in 1..=plan.dag.pipeline_count {
        let fut = run_pipeline(
            plan.clone(),
            pipeline,
            control.metrics.clone(),
            checkpoint,
            control.cancel.clone(),
        );
        pipelines.spawn(async move { (pipeline, fut.await) });
    }
    control.set(JobStatus::Running);
    tracing::info!(job_id = plan.job_id, job_name = %plan.job_name, pipelines = plan.dag.pipeline_count, "job running");
    let mut outcomes = Vec::new();
    while let Some(joined) = pipelines.join_next().await {
        let outcome = match joined {
            Ok((pipeline, outcome)) => {
                tracing::info!(
                    job_id = plan.job_id,
                    pipeline,
                    "pipeline ended: {outcome:?}"
                );
                outcome
            }
            Err(e) => PipelineOutcome::Failed(format!("pipeline panicked: {e}")),
        };
        match &outcome {
            PipelineOutcome::Failed(_) => control.set(JobStatus::Failing),
            PipelineOutcome::Canceled => control.set(JobStatus::Canceling),
            PipelineOutcome::Finished => {}
        }
        outcomes.push(outcome);
    }
    let (status, error) = job_end_state(&outcomes, control.cancel.is_cancelled());
    let outcome = JobOutcome {
        status,
        error,
        started,
        finished: Local::now(),
        metrics: control.metrics.snapshot(),
    };
    control.set(status);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_only_moves_forward() {
        assert!(advances(JobStatus::Created, JobStatus::Running));
        assert!(advances(JobStatus::Running, JobStatus::Canceling));
        assert!(!advances(JobStatus::Canceling, JobStatus::Running));
        assert!(!advances(JobStatus::Canceling, JobStatus::Pending));
        assert!(advances(JobStatus::Canceling, JobStatus::Canceled));
        assert!(!advances(JobStatus::Finished, JobStatus::Failed));
        assert!(advances(JobStatus::Failing, JobStatus::Failed));
    }

    #[test]
    fn failure_wins_over_cancel_and_finish() {
        let o = [
            PipelineOutcome::Finished,
            PipelineOutcome::Failed("boom".into()),
            PipelineOutcome::Canceled,
        ];
        assert_eq!(
            job_end_state(&o, true),
            (JobStatus::Failed, Some("boom".into()))
        );
        assert_eq!(
            job_end_state(&[PipelineOutcome::Finished], true).0,
            JobStatus::Canceled
        );
        assert_eq!(
            job_end_state(
                &[PipelineOutcome::Finished, PipelineOutcome::Finished],
                false
            )
            .0,
            JobStatus::Finished
        );
    }
}
