//! Where a job's tasks run: in this process ([`LocalRunner`], local mode and `hybrid`) or on the
//! cluster's workers (the separated-mode runner in [`super::cluster`]). The [`JobManager`]
//! (super::JobManager) records submits and ends the same way for both.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::engine::{run_job, CheckpointSettings, JobControl, JobOutcome, JobPlan};

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
    /// keeps; `None` from a runner that keeps none (the in-process engine commits each
    /// checkpoint and forgets it). May read storage: call it off the runtime threads.
    fn checkpoints(&self, job_id: i64) -> Option<JobCheckpoints> {
        let _ = job_id;
        None
    }
}

/// Runs every task group in this process on the engine.
pub struct LocalRunner;

impl JobRunner for LocalRunner {
    fn run(
        &self,
        plan: Arc<JobPlan>,
        checkpoint: CheckpointSettings,
        control: JobControl,
        _restore: bool,
    ) -> RunFuture {
        Box::pin(run_job(plan, checkpoint, control))
    }
}
