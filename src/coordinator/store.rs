//! The job table: what SeaTunnel keeps in its `engine_runningJobInfo` and `engine_finishedJob*`
//! IMaps, behind a narrow trait so a replicated map can replace the in-memory one without the
//! manager or the REST handlers changing.
//!
//! Records hold only data (no tasks, channels or tokens), so a replicated implementation can
//! serialize them. What a running job needs locally (its control handle and task) stays in the
//! [`JobManager`](super::JobManager).
//!
//! Invariant: a job id is in at most one of the two tables; [`JobStore::finish`] moves it from
//! running to finished in one step, so a reader sees it in one table or the other, never neither.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::engine::MetricsSnapshot;
use crate::job::JobStatus;

use super::checkpoints::JobCheckpoints;
use super::dag_info::DagInfo;

/// A submitted job that has not ended (`engine_runningJobInfo`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunningJob {
    pub job_id: i64,
    pub job_name: String,
    /// The job as submitted, in the loader's normal form, so it can be planned again.
    pub config: Json,
    /// The `env` block as written (`envOptions`).
    pub env: Map<String, Json>,
    pub dag: Arc<DagInfo>,
    /// Submit time, epoch milliseconds (`createTime`).
    pub create_time_ms: i64,
    pub start_with_savepoint: bool,
    /// A stop was requested and recorded: whichever master drives the job cancels it, also
    /// one that takes it over after the master that acknowledged the stop failed.
    #[serde(default)]
    pub cancel_requested: bool,
    /// A stop with a savepoint was requested and recorded: whichever master drives the job
    /// takes the savepoint and stops it.
    #[serde(default)]
    pub savepoint_requested: bool,
}

/// An ended job as history keeps it (`engine_finishedJobState`, `…Metrics`, `…VertexInfo`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FinishedJob {
    pub job_id: i64,
    pub job_name: String,
    pub status: JobStatus,
    /// The first failure (`errorMsg`); `None` unless the job failed.
    pub error: Option<String>,
    pub create_time_ms: i64,
    pub finish_time_ms: i64,
    pub dag: Arc<DagInfo>,
    pub metrics: MetricsSnapshot,
    /// The checkpoint overview at the job's end. Set by a store that keeps checkpoint records
    /// (the masters' replicated store), from the records it drops in the same write; `None`
    /// where none are kept (local and hybrid mode) and in history written before it was kept.
    #[serde(default)]
    pub checkpoints: Option<JobCheckpoints>,
}

/// Why a job record could not be written (a replicated store that lost its quorum or leadership).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot record job {job_id}: {message}")]
pub struct JobStoreError {
    pub job_id: i64,
    pub message: String,
}

/// A write's completion: durable (in a replicated store, on a majority) once it resolves to `Ok`.
pub type StoreWrite<'a> = Pin<Box<dyn Future<Output = Result<(), JobStoreError>> + Send + 'a>>;

/// Where job records live. Reads are local and immediate; writes complete asynchronously.
/// Implementations must be safe to call from any task; each call is atomic on its own.
pub trait JobStore: Send + Sync + 'static {
    fn insert_running(&self, job: RunningJob) -> StoreWrite<'_>;
    /// Replaces the running record of `job.job_id` with `job` only while the job still runs
    /// (a job that ended meanwhile is not brought back).
    fn update_running(&self, job: RunningJob) -> StoreWrite<'_>;
    fn running(&self, job_id: i64) -> Option<Arc<RunningJob>>;
    fn running_jobs(&self) -> Vec<Arc<RunningJob>>;
    /// Removes the running record of `job.job_id` and stores `job` in history, atomically.
    fn finish(&self, job: FinishedJob) -> StoreWrite<'_>;
    fn finished(&self, job_id: i64) -> Option<Arc<FinishedJob>>;
    fn finished_jobs(&self) -> Vec<Arc<FinishedJob>>;
    fn remove_finished(&self, job_ids: &[i64]) -> StoreWrite<'_>;
}

fn done<'a>() -> StoreWrite<'a> {
    Box::pin(std::future::ready(Ok(())))
}

#[derive(Default)]
struct Tables {
    running: BTreeMap<i64, Arc<RunningJob>>,
    finished: BTreeMap<i64, Arc<FinishedJob>>,
}

/// The single-node job table: both maps under one lock, which gives `finish` its atomicity.
#[derive(Default)]
pub struct MemoryJobStore {
    tables: Mutex<Tables>,
}

impl MemoryJobStore {
    pub fn new() -> MemoryJobStore {
        MemoryJobStore::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().expect("job table lock poisoned")
    }
}

impl JobStore for MemoryJobStore {
    fn insert_running(&self, job: RunningJob) -> StoreWrite<'_> {
        let mut t = self.lock();
        t.finished.remove(&job.job_id);
        t.running.insert(job.job_id, Arc::new(job));
        done()
    }

    fn update_running(&self, job: RunningJob) -> StoreWrite<'_> {
        let mut t = self.lock();
        if let Some(r) = t.running.get_mut(&job.job_id) {
            *r = Arc::new(job);
        }
        done()
    }

    fn running(&self, job_id: i64) -> Option<Arc<RunningJob>> {
        self.lock().running.get(&job_id).cloned()
    }

    fn running_jobs(&self) -> Vec<Arc<RunningJob>> {
        self.lock().running.values().cloned().collect()
    }

    fn finish(&self, job: FinishedJob) -> StoreWrite<'_> {
        let mut t = self.lock();
        t.running.remove(&job.job_id);
        t.finished.insert(job.job_id, Arc::new(job));
        done()
    }

    fn finished(&self, job_id: i64) -> Option<Arc<FinishedJob>> {
        self.lock().finished.get(&job_id).cloned()
    }

    fn finished_jobs(&self) -> Vec<Arc<FinishedJob>> {
        self.lock().finished.values().cloned().collect()
    }

    fn remove_finished(&self, job_ids: &[i64]) -> StoreWrite<'_> {
        let mut t = self.lock();
        for id in job_ids {
            t.finished.remove(id);
        }
        done()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn running(job_id: i64) -> RunningJob {
        RunningJob {
            job_id,
            job_name: format!("job-{job_id}"),
            config: Json::Null,
            env: Map::new(),
            dag: Arc::new(DagInfo::default()),
            create_time_ms: 1_000,
            start_with_savepoint: false,
            cancel_requested: false,
            savepoint_requested: false,
        }
    }

    pub(crate) fn finished(job_id: i64, status: JobStatus, finish_time_ms: i64) -> FinishedJob {
        FinishedJob {
            job_id,
            job_name: format!("job-{job_id}"),
            status,
            error: None,
            create_time_ms: 1_000,
            finish_time_ms,
            dag: Arc::new(DagInfo::default()),
            metrics: MetricsSnapshot::default(),
            checkpoints: None,
        }
    }

    /// The contract every [`JobStore`] keeps; the replicated store runs it too.
    pub(crate) async fn job_store_contract(store: &dyn JobStore) {
        store.insert_running(running(7)).await.unwrap();
        assert!(store.running(7).is_some());
        assert_eq!(store.running_jobs().len(), 1);
        store
            .finish(finished(7, JobStatus::Finished, 2_000))
            .await
            .unwrap();
        assert!(store.running(7).is_none());
        assert_eq!(store.finished(7).unwrap().status, JobStatus::Finished);
        assert!(store.running_jobs().is_empty());
        store.remove_finished(&[7]).await.unwrap();
        assert!(store.finished_jobs().is_empty());
        // Resubmitting a finished id clears its history: an id lives in one table only.
        store
            .finish(finished(8, JobStatus::SavepointDone, 2_000))
            .await
            .unwrap();
        store.insert_running(running(8)).await.unwrap();
        assert!(store.finished(8).is_none(), "an id lives in one table only");
        assert!(store.running(8).is_some());
    }

    #[tokio::test]
    async fn memory_store_keeps_the_contract() {
        job_store_contract(&MemoryJobStore::new()).await;
    }

    #[tokio::test]
    async fn resubmitting_a_finished_id_clears_its_history() {
        let store = MemoryJobStore::new();
        store
            .finish(finished(7, JobStatus::SavepointDone, 2_000))
            .await
            .unwrap();
        store.insert_running(running(7)).await.unwrap();
        assert!(store.finished(7).is_none(), "an id lives in one table only");
        assert!(store.running(7).is_some());
    }
}
