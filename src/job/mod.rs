//! Jobs as users write them and as the engine tracks them: loading HOCON/JSON job files,
//! variables, the typed job config, ids, states, and the plan.

pub mod config;
pub mod dag;
pub mod id;
pub mod status;

pub use config::{EnvConfig, JobConfig, JobConfigError, PluginConfig};
pub use dag::{Dag, DagError, Vertex};
pub use id::IdGenerator;
pub use status::{ExecutionState, JobStatus, PipelineStatus};
