//! Where a job's tasks run. Every job runs through the cluster's job driver
//! ([`super::cluster::ClusterRunner`]): a separated cluster, a hybrid node and local mode (an
//! embedded hybrid node) alike. [`ForwardOnly`] is the runner of a node that runs no job
//! itself (a worker, whose REST API forwards job requests to the active master).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::engine::{CheckpointSettings, JobControl, JobOutcome, JobPlan};

use super::checkpoints::JobCheckpoints;

pub type RunFuture = Pin<Box<dyn Future<Output = JobOutcome> + Send>>;

pub trait JobRunner: Send + Sync + 'static {
    /// Runs `plan` to its end, moving `control.status` along the way and stopping on
    /// `control.cancel`. `restore` is true when an active master takes over a job its
    /// predecessor started: the runner adopts what still runs instead of starting it again.
    fn run(
        &self,
        plan: Arc<JobPlan>,
        checkpoint: CheckpointSettings,
        control: JobControl,
        restore: bool,
    ) -> RunFuture;

    /// Whether completed checkpoints outlive a run here, so jobs may stop with a savepoint and
    /// be restored under their id (a separated cluster's masters keep them).
    fn keeps_checkpoints(&self) -> bool {
        false
    }

    /// The checkpoint overview of running job `job_id`, read from the records this runner
    /// keeps; `None` from a runner that keeps none ([`ForwardOnly`], which runs no job). May
    /// read storage: call it off the runtime threads.
    fn checkpoints(&self, job_id: i64) -> Option<JobCheckpoints> {
        let _ = job_id;
        None
    }
}

/// The runner of a node that runs no job itself: a worker's REST API forwards every job request
/// to the active master before its own job manager sees it, so a job that still reaches this
/// runner ends FAILED, saying where jobs run.
pub struct ForwardOnly;

impl JobRunner for ForwardOnly {
    fn run(
        &self,
        plan: Arc<JobPlan>,
        _checkpoint: CheckpointSettings,
        control: JobControl,
        _restore: bool,
    ) -> RunFuture {
        Box::pin(async move {
            let now = chrono::Local::now();
            tracing::error!(
                job_id = plan.job_id,
                "a job reached a node that runs no jobs itself; submit it to the active master"
            );
            control.set(crate::job::JobStatus::Failed);
            JobOutcome {
                status: crate::job::JobStatus::Failed,
                error: Some(format!(
                    "job {} reached a node that runs no jobs itself (a worker); submit it to the active master",
                    plan.job_id
                )),
                started: now,
                finished: now,
                metrics: control.metrics.snapshot(),
            }
        })
    }
}
