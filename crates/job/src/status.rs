//! Job, pipeline and task states with SeaTunnel's names and ordinals (the client protocol sends
//! the ordinal, REST sends the name).

use std::fmt;

use serde::{Deserialize, Serialize};

/// `JobStatus`, in ordinal order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    Initializing,
    Created,
    Pending,
    Scheduled,
    Running,
    Failing,
    Failed,
    DoingSavepoint,
    SavepointDone,
    Canceling,
    Canceled,
    Finished,
    Unknowable,
}

impl JobStatus {
    pub const ALL: [JobStatus; 13] = [
        JobStatus::Initializing,
        JobStatus::Created,
        JobStatus::Pending,
        JobStatus::Scheduled,
        JobStatus::Running,
        JobStatus::Failing,
        JobStatus::Failed,
        JobStatus::DoingSavepoint,
        JobStatus::SavepointDone,
        JobStatus::Canceling,
        JobStatus::Canceled,
        JobStatus::Finished,
        JobStatus::Unknowable,
    ];

    pub fn name(self) -> &'static str {
        match self {
            JobStatus::Initializing => "INITIALIZING",
            JobStatus::Created => "CREATED",
            JobStatus::Pending => "PENDING",
            JobStatus::Scheduled => "SCHEDULED",
            JobStatus::Running => "RUNNING",
            JobStatus::Failing => "FAILING",
            JobStatus::Failed => "FAILED",
            JobStatus::DoingSavepoint => "DOING_SAVEPOINT",
            JobStatus::SavepointDone => "SAVEPOINT_DONE",
            JobStatus::Canceling => "CANCELING",
            JobStatus::Canceled => "CANCELED",
            JobStatus::Finished => "FINISHED",
            JobStatus::Unknowable => "UNKNOWABLE",
        }
    }

    pub fn ordinal(self) -> usize {
        self as usize
    }

    /// End states: nothing more will happen to the job.
    pub fn is_end_state(self) -> bool {
        matches!(
            self,
            JobStatus::Failed
                | JobStatus::SavepointDone
                | JobStatus::Canceled
                | JobStatus::Finished
                | JobStatus::Unknowable
        )
    }

    pub fn parse(text: &str) -> Option<JobStatus> {
        JobStatus::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `PipelineStatus`, in SeaTunnel's declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PipelineStatus {
    Created,
    Scheduled,
    Deploying,
    Running,
    Finished,
    Canceling,
    Canceled,
    Failing,
    Failed,
    Initializing,
}

/// Task `ExecutionState`, in SeaTunnel's declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionState {
    Created,
    Deploying,
    Running,
    Finished,
    Canceling,
    Canceled,
    Failing,
    Failed,
    Initializing,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_match_seatunnel() {
        assert_eq!(JobStatus::Running.ordinal(), 4);
        assert_eq!(JobStatus::Finished.ordinal(), 11);
        assert_eq!(JobStatus::Unknowable.ordinal(), 12);
    }

    #[test]
    fn names_round_trip() {
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.name()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.name())
            );
        }
        assert_eq!(JobStatus::parse("canceled"), Some(JobStatus::Canceled));
    }
}
