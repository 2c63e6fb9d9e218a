//! Where a pipeline's task groups start: the splits its enumerators made once, recorded before
//! the first deploy; the last recorded checkpoint's positions after it; or, for a job restored
//! under its id, what its earlier run kept.

use crate::coordinator::store::JobStore;
use crate::engine::group::{self, GroupStart};

use super::raft_store::KeptPipeline;
use super::runner::{Driver, MAX_SPLITS_BYTES};

impl Driver {
    /// For a job submitted to restore (`-r`, `isStartWithSavePoint`): what its earlier run kept
    /// of `pipeline`. A pipeline without anything kept starts from its sources' start.
    pub(super) fn restore_point(&self, pipeline: usize) -> Option<KeptPipeline> {
        let job_id = self.job_id();
        let restoring = self
            .ctx
            .store
            .running(job_id)
            .is_some_and(|r| r.start_with_savepoint);
        if !restoring {
            return None;
        }
        let kept = self.ctx.store.kept_pipeline(job_id, pipeline);
        match &kept {
            Some(KeptPipeline::Checkpoint(c)) => tracing::info!(
                job_id,
                pipeline,
                "pipeline {pipeline} restores from checkpoint {} of the job's earlier run",
                c.id
            ),
            Some(KeptPipeline::Committed) => tracing::info!(
                job_id,
                pipeline,
                "pipeline {pipeline} committed in the job's earlier run; it does not run again"
            ),
            None => tracing::info!(
                job_id,
                pipeline,
                "pipeline {pipeline} has no checkpoint kept from an earlier run; it starts from its sources' start"
            ),
        }
        kept
    }

    /// The pipeline's group starts: recorded at its set-up, or made by its enumerators now and
    /// recorded before any group is deployed (one Raft entry, so it is bounded).
    pub(super) async fn starts(&self, pipeline: usize) -> Result<Vec<GroupStart>, String> {
        let job_id = self.job_id();
        if let Some(starts) = self
            .ctx
            .store
            .pipeline_record(job_id, pipeline)
            .and_then(|r| r.starts)
        {
            return Ok(starts);
        }
        let plan = self.plan.clone();
        // Enumerators may do I/O (list files, ask a database): off the runtime threads.
        let starts = tokio::task::spawn_blocking(move || group::enumerate(&plan, pipeline))
            .await
            .map_err(|e| format!("the split enumerator of pipeline {pipeline} panicked: {e}"))??;
        let size = serde_json::to_vec(&starts).map_or(0, |v| v.len());
        if size > MAX_SPLITS_BYTES {
            return Err(format!(
                "pipeline {pipeline}'s sources made {size} bytes of splits, more than the {MAX_SPLITS_BYTES} the masters replicate in one entry; read fewer files or tables per job (file_filter_pattern, or several jobs)"
            ));
        }
        self.ctx
            .store
            .update_pipeline(job_id, pipeline, |r| r.starts = Some(starts.clone()))
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(
            job_id,
            pipeline,
            "pipeline {pipeline}'s enumerators made {} splits for {} task groups",
            starts.iter().map(|s| s.splits.len()).sum::<usize>(),
            starts.len()
        );
        Ok(starts)
    }

    /// Where the pipeline's groups start when deployed: the last recorded checkpoint's
    /// positions, else the enumerators' splits.
    pub(super) fn deploy_starts(
        &self,
        pipeline: usize,
        enumerated: &[GroupStart],
    ) -> Result<Vec<GroupStart>, String> {
        let record = self.ctx.store.pipeline_record(self.job_id(), pipeline);
        match record.as_ref().and_then(|r| r.latest()) {
            Some(latest) if latest.starts.len() == enumerated.len() => Ok(latest.starts.clone()),
            Some(latest) => Err(format!(
                "checkpoint {} of pipeline {pipeline} has {} task groups but the job has {} now; submit the job again without restoring",
                latest.id,
                latest.starts.len(),
                enumerated.len()
            )),
            None => Ok(enumerated.to_vec()),
        }
    }
}
