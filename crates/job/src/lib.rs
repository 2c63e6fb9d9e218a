//! Jobs as users write them and as the engine tracks them: loading HOCON/JSON job files,
//! variables, the typed job config, ids, states, and the plan.

pub mod config;
pub mod dag;
pub mod depth;
pub mod hocon;
pub mod id;
pub mod load;
pub mod shade;
pub mod status;
pub mod variables;

pub use config::{EnvConfig, JobConfig, JobConfigError, PluginConfig};
pub use dag::{Dag, DagError, Vertex};
pub use id::IdGenerator;
pub use load::{load_job_file, load_job_text, load_job_value, JobFormat, JobLoadError};
pub use shade::{decrypt_job, encrypt_job, ShadeError};
pub use status::{ExecutionState, JobStatus, PipelineStatus};
pub use variables::{VariableError, Variables};
