//! The job coordinator (SeaTunnel's master-side `CoordinatorService`): the table of running jobs,
//! the finished-job history with its expiry, and the rules for submitting and stopping jobs.
//!
//! - [`manager`]: [`JobManager`], the I/O shell that runs jobs on the engine.
//! - [`store`]: the job table behind [`JobStore`], so a replicated map can replace it.
//! - [`rules`]: pure decisions (id admission, stop, state filter, counts, checkpoint settings).
//! - [`history`]: expiry of finished jobs.
//! - [`dag_info`]: the job DAG as reported to clients.
//! - [`checkpoints`]: a job's checkpoint overview, as the runner that keeps records reports it.

pub mod checkpoints;
pub mod cluster;
pub mod dag_info;
mod error;
pub mod history;
pub mod manager;
pub mod rules;
pub mod runner;
pub mod store;

pub use checkpoints::JobCheckpoints;
pub use dag_info::{DagInfo, VertexInfo};
pub use error::CoordinatorError;
pub use manager::{CoordinatorSettings, JobInfo, JobManager, RunningJobView, SubmitRequest};
pub use rules::{CheckpointDefaults, JobCounts, StateFilter};
pub use runner::{ForwardOnly, JobRunner, RunFuture};
pub use store::{FinishedJob, JobStore, JobStoreError, MemoryJobStore, RunningJob, StoreWrite};

#[cfg(test)]
pub(crate) mod test_plugins;
#[cfg(test)]
mod tests;
