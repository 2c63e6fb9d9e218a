//! The execution engine: plan a job against the plugin registry and run it as tokio tasks.

mod chain;
pub mod job;
pub mod metrics;
pub mod pipeline;
pub mod plan;
mod task;

pub use job::{run_job, JobControl, JobOutcome};
pub use metrics::{JobMetrics, MetricsSnapshot};
pub use pipeline::{CheckpointSettings, PipelineOutcome};
pub use plan::{JobPlan, PlanError};

#[cfg(test)]
mod tests;
