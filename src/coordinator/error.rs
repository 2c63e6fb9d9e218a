//! What the coordinator refuses, and why. Messages that SeaTunnel clients match on are kept word
//! for word (capitalised, with their full stop); the rest follow our own style.

use crate::engine::PlanError;
use crate::job::JobConfigError;

#[derive(Debug, thiserror::Error)]
pub enum CoordinatorError {
    /// SeaTunnel's REST check, kept here too so every caller gets it.
    #[error("Please provide jobId when start with save point.")]
    SavepointNeedsJobId,
    #[error("The job id {0} has already been submitted and is not starting with a savepoint.")]
    AlreadySubmitted(i64),
    #[error("not supported: restoring job {0} on this node, which runs no jobs itself (a worker); submit to the active master, which keeps the checkpoints")]
    RestoreNotSupported(i64),
    #[error("The job with id '{0}' not running, save point failed")]
    SavepointNotRunning(i64),
    #[error("not supported: stopping job {0} with a savepoint on this node, which runs no jobs itself (a worker); ask the active master")]
    SavepointNotSupported(i64),
    #[error("The job with id '{0}' does not checkpoint, save point failed; a BATCH job needs env.checkpoint.interval")]
    SavepointWithoutCheckpoints(i64),
    #[error("job {0} is neither running nor in history (never submitted, or its history expired after history-job-expire-minutes); list jobs with `seatunnel.sh -l`")]
    UnknownJob(i64),
    #[error("no checkpoint records for job {0} on this node, which runs no jobs itself (a worker); ask the active master, which keeps them")]
    CheckpointsNotKept(i64),
    #[error("no checkpoint records for job {0}: it ended before the masters kept them in history")]
    CheckpointsNotInHistory(i64),
    #[error("the coordinator is shutting down and accepts no new job; submit again once the node is back")]
    ShuttingDown,
    #[error(transparent)]
    Config(#[from] JobConfigError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("{0}; the active master may have changed, submit again")]
    Store(super::store::JobStoreError),
}

impl CoordinatorError {
    /// True when the request itself is malformed (REST 400) rather than refused (REST 500), as
    /// SeaTunnel's exception filter splits `IllegalArgumentException` from the rest.
    pub fn is_bad_request(&self) -> bool {
        match self {
            CoordinatorError::SavepointNeedsJobId => true,
            CoordinatorError::Config(JobConfigError::Limit { .. }) => true,
            CoordinatorError::Plan(e) => e.is_limit(),
            _ => false,
        }
    }

    /// True when the request names a job no one knows (REST 404 with SeaTunnel's fail body).
    pub fn is_unknown_job(&self) -> bool {
        matches!(self, CoordinatorError::UnknownJob(_))
    }
}
