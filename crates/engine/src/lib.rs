//! The execution engine: plan a job against the plugin registry and run it, each reader and
//! writer chain on a thread of its own (`thread.rs`).

mod chain;
pub mod conclude;
pub mod group;
pub mod group_checkpoints;
pub mod job;
pub mod metrics;
pub mod plan;
pub mod schedule;
pub mod sinks;
mod task;
mod thread;

pub use conclude::PipelineOutcome;
pub use group::{run_task_group, start_task_group, GroupOutcome, StartedGroup};
pub use group_checkpoints::{GroupCheckpointError, GroupCheckpoints};
pub use job::{JobControl, JobOutcome};
pub use metrics::{JobMetrics, MetricsSnapshot};
pub use plan::{JobPlan, PlanError};
pub use schedule::{next_checkpoint_due, CheckpointSchedule, CheckpointSettings};
pub use sinks::PipelineSinks;
pub use task::{GroupSnapshot, Prepared, WriterState};
