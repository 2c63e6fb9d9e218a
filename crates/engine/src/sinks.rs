//! The sink side of one pipeline as its committer sees it: setup before any writer starts,
//! commit or abort of what the writers prepared, and the job-level checks at the end.
//!
//! Shared by the in-process pipeline runner and by a worker that holds a pipeline's committer
//! slot in separated cluster mode, so both commit the same way.

use std::collections::BTreeMap;
use std::sync::Arc;

use seatunnel_connector::{CommitInfo, Sink};

use super::plan::{JobPlan, Operator};

/// The sinks of one pipeline. Infos are `(sink vertex id, info)` pairs as writers prepare them.
#[derive(Clone)]
pub struct PipelineSinks {
    plan: Arc<JobPlan>,
    sinks: Vec<usize>,
}

impl PipelineSinks {
    pub fn new(plan: Arc<JobPlan>, pipeline: usize) -> PipelineSinks {
        let sinks = plan
            .pipeline_vertex_ids(pipeline)
            .into_iter()
            .filter(|id| matches!(plan.vertex(*id).operator, Operator::Sink(_)))
            .collect();
        PipelineSinks { plan, sinks }
    }

    pub fn job_id(&self) -> i64 {
        self.plan.job_id
    }

    /// Runs `op` on the blocking pool: sink operations touch files and external systems and
    /// never run on the runtime threads.
    pub async fn blocking<T: Send + 'static>(
        &self,
        op: impl FnOnce(&PipelineSinks) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let sinks = self.clone();
        tokio::task::spawn_blocking(move || op(&sinks))
            .await
            .map_err(|e| format!("a sink operation of job {} panicked: {e}", self.job_id()))?
    }

    fn sink(&self, id: usize) -> &dyn Sink {
        match &self.plan.vertex(id).operator {
            Operator::Sink(s) => s.as_ref(),
            _ => unreachable!("PipelineSinks holds sink ids only"),
        }
    }

    fn by_sink(&self, infos: Vec<(usize, CommitInfo)>) -> BTreeMap<usize, Vec<CommitInfo>> {
        let mut grouped: BTreeMap<usize, Vec<CommitInfo>> =
            self.sinks.iter().map(|s| (*s, Vec::new())).collect();
        for (sink, info) in infos {
            grouped.entry(sink).or_default().push(info);
        }
        grouped
    }

    /// Save modes: runs once per pipeline before any writer starts.
    pub fn setup(&self) -> Result<(), String> {
        for &id in &self.sinks {
            self.sink(id)
                .setup(&self.plan.vertex(id).tables)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Makes the prepared output visible. Sinks' commits are idempotent, so a commit repeated
    /// after a master failover is harmless.
    pub fn commit(&self, infos: Vec<(usize, CommitInfo)>) -> Result<(), String> {
        for (sink, infos) in self.by_sink(infos) {
            if !infos.is_empty() {
                self.sink(sink).commit(infos).map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    /// Job-level checks after every writer closed.
    pub fn finish(&self) -> Result<(), String> {
        for &sink in &self.sinks {
            self.sink(sink).finish().map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    pub fn abort(&self, infos: Vec<(usize, CommitInfo)>) {
        for (sink, infos) in self.by_sink(infos) {
            self.sink(sink).abort(infos);
        }
    }
}
