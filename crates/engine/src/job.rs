//! What a running job shares with whoever watches it ([`JobControl`]: status, counters, cancel
//! and savepoint requests) and how its end is reported ([`JobOutcome`]). The job driver
//! (`coordinator::cluster::runner`) moves the status through SeaTunnel's states, only forward.

use std::sync::Arc;

use chrono::{DateTime, Local};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use seatunnel_job::JobStatus;

use super::metrics::{JobMetrics, MetricsSnapshot};

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
    pub fn set(&self, status: JobStatus) {
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
}
