//! What a plugin learns about the job it runs in.

use std::fmt;

/// `env.job.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum JobMode {
    #[default]
    Batch,
    Streaming,
}

impl JobMode {
    pub fn parse(text: &str) -> Option<JobMode> {
        match text.trim().to_ascii_uppercase().as_str() {
            "BATCH" => Some(JobMode::Batch),
            "STREAMING" => Some(JobMode::Streaming),
            _ => None,
        }
    }
}

impl fmt::Display for JobMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JobMode::Batch => "BATCH",
            JobMode::Streaming => "STREAMING",
        })
    }
}

/// Plan-time context for creating a plugin.
#[derive(Debug, Clone)]
pub struct PluginContext {
    pub job_id: i64,
    pub job_mode: JobMode,
    /// The plugin name as written in the job file (`console`, `Console`).
    pub plugin_name: String,
    /// `env.parallelism`, used when the plugin sets none.
    pub default_parallelism: usize,
}

/// Context for a source's enumerator.
#[derive(Debug, Clone)]
pub struct EnumeratorContext {
    pub job_id: i64,
    pub job_mode: JobMode,
    /// How many readers the splits are for.
    pub parallelism: usize,
}

/// Context for one source reader instance.
#[derive(Debug, Clone)]
pub struct ReaderContext {
    pub job_id: i64,
    pub job_mode: JobMode,
    pub subtask_index: usize,
    pub parallelism: usize,
}

/// Context for one sink writer instance.
#[derive(Debug, Clone)]
pub struct WriterContext {
    pub job_id: i64,
    pub job_mode: JobMode,
    pub pipeline_id: usize,
    /// The sink's vertex in the job (stable across restarts and nodes): tells two sinks of one
    /// pipeline apart, e.g. in names a sink gives external transactions.
    pub vertex_id: usize,
    pub subtask_index: usize,
    pub parallelism: usize,
    /// What this writer's [`SinkWriter::snapshot`](super::SinkWriter::snapshot) returned at the
    /// checkpoint the pipeline is restored from; `None` on a fresh start.
    pub restored: Option<serde_json::Value>,
}
