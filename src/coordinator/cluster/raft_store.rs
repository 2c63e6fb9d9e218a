//! The job table on the masters' replicated map: [`JobStore`] over Raft, plus the records the
//! cluster runner keeps per job (slot assignment, task-group ends, pipeline phases).
//!
//! Layout (values are JSON, so a record can be read with any tool and survives field additions):
//! - `engine_runningJobInfo[job]` → [`RunningJob`];
//! - `engine_finishedJobState[job]` → [`FinishedJob`];
//! - `engine_ownedSlotProfilesIMap[job]` → [`StoredAssignment`];
//! - `engine_runningJobState[job ‖ pipeline ‖ kind ‖ index]` → a group end or a pipeline phase.
//!
//! Invariant: `finish` removes every running-side record of the job and writes its history in one
//! Raft entry, so after a failover a job is either running with all its records or finished.
//! Reads come from this master's applied state; only the active master writes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::cluster::wire::{GroupEnd, GroupKey, WireInfos, WireMetrics};
use crate::coordinator::store::{FinishedJob, JobStore, JobStoreError, RunningJob, StoreWrite};
use crate::engine::group::GroupStart;
use crate::job::JobStatus;
use crate::map::MapId;
use crate::raft::{Command, Guard, MasterRaft};

/// Record kinds under `engine_runningJobState`.
const KIND_GROUP: u8 = 0;
const KIND_PIPELINE: u8 = 1;
/// Where the kind byte sits in a run-state key: after the job id (8) and pipeline (4).
const KIND_OFFSET: usize = 12;

/// One slot grant as stored: where a task of the job runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredGrant {
    pub pipeline: usize,
    /// `None` for a pipeline's coordinator task `index`, `Some(group)` for a task group.
    pub group: Option<usize>,
    pub index: usize,
    pub worker_id: String,
    pub worker_address: String,
    pub slot: u32,
    pub epoch: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAssignment {
    pub grants: Vec<StoredGrant>,
}

/// A task group's recorded end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    pub key: GroupKey,
    pub end: GroupEnd,
    pub metrics: WireMetrics,
    /// See [`crate::cluster::wire::GroupReport::abandoned`].
    #[serde(default)]
    pub abandoned: WireInfos,
}

/// How far a pipeline's committer got; each step is recorded before the next starts, so a new
/// active master never repeats a save mode and repeats a commit only if it was not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PipelinePhase {
    SetUp,
    Committed,
    Aborted,
    /// Ended with an error (kept for `errorMsg`) after setup.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineRecord {
    pub phase: PipelinePhase,
    pub error: Option<String>,
    /// The last completed periodic checkpoint (STREAMING); 0 before the first.
    #[serde(default)]
    pub checkpoint: u64,
    /// How often the pipeline was restarted after losing a worker (`job.retry.times` bounds it).
    #[serde(default)]
    pub restores: u32,
    /// What the pipeline's enumerators made when it was set up, one per task group in group
    /// order: every attempt and every master starts the groups from the same splits. `None` in
    /// a record written before splits existed; the driver enumerates then.
    #[serde(default)]
    pub starts: Option<Vec<GroupStart>>,
    /// The last `checkpoint.storage.max-retained` completed checkpoints, oldest first; a
    /// restore starts from the last one.
    #[serde(default)]
    pub retained: Vec<CompletedCheckpoint>,
    /// Checkpoint rounds that did not complete, counted by the driver as each one ends. A
    /// record written by a master without this count reads 0 until the next failure.
    #[serde(default)]
    pub failed: u64,
    /// The last round that did not complete, for the checkpoint overview.
    #[serde(default)]
    pub last_failed: Option<FailedCheckpoint>,
    /// Times the pipeline's groups started again from a recorded checkpoint: a restart after
    /// a lost worker that had one, or a restore with `-r` from a kept one. Unlike `restores`
    /// (which `job.retry.times` bounds), a restart from the sources' start is not counted.
    #[serde(default)]
    pub restored: u32,
}

/// A checkpoint round that did not complete, as the overview reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedCheckpoint {
    pub id: u64,
    pub savepoint: bool,
    /// When the master asked the workers, Unix milliseconds.
    pub triggered_at_ms: i64,
    /// When the driver gave it up, Unix milliseconds.
    pub failed_at_ms: i64,
    pub reason: String,
}

/// A completed checkpoint of one pipeline as the masters keep it.
///
/// Invariant: it is recorded (a majority fsynced it) before its output is committed, and a
/// driver that takes the pipeline over or restores it commits `infos` again first (commits are
/// idempotent), so no row is ever committed that a restore from it would read again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletedCheckpoint {
    pub id: u64,
    /// Per task group, in group order: where a restore starts it.
    pub starts: Vec<GroupStart>,
    /// What the groups prepared for it (and earlier unconfirmed output).
    pub infos: WireInfos,
    /// When it completed, Unix milliseconds.
    pub completed_at_ms: i64,
    /// From the request to every group's answer.
    pub duration_ms: u64,
    /// Its output was committed after it was recorded: nothing is left to commit again.
    #[serde(default)]
    pub committed: bool,
    /// Taken for a stop with a savepoint rather than by the interval.
    #[serde(default)]
    pub savepoint: bool,
    /// Bytes of its state as recorded (`starts` and `infos` as JSON); `None` in a record
    /// written before the size was kept.
    #[serde(default)]
    pub state_bytes: Option<u64>,
}

/// What a job that ended FAILED or SAVEPOINT_DONE left of one pipeline for a restore under its
/// id (`engine_checkpoint-id-map`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum KeptPipeline {
    /// The pipeline committed its end: a restore does not run it again.
    Committed,
    /// A restore starts it from this checkpoint.
    Checkpoint(CompletedCheckpoint),
}

impl PipelineRecord {
    /// The checkpoint a restore starts from.
    pub fn latest(&self) -> Option<&CompletedCheckpoint> {
        self.retained.last()
    }

    /// Records `c` as the last completed checkpoint, keeping the last `max_retained`.
    pub fn complete(&mut self, c: CompletedCheckpoint, max_retained: usize) {
        self.checkpoint = c.id;
        self.retained.push(c);
        let excess = self.retained.len().saturating_sub(max_retained.max(1));
        self.retained.drain(..excess);
    }
}

impl PipelineRecord {
    /// A pipeline that is set up and has neither checkpointed nor restarted yet.
    pub fn set_up() -> PipelineRecord {
        PipelineRecord {
            phase: PipelinePhase::SetUp,
            error: None,
            checkpoint: 0,
            restores: 0,
            starts: None,
            retained: Vec::new(),
            failed: 0,
            last_failed: None,
            restored: 0,
        }
    }
}

#[derive(Clone)]
pub struct RaftJobStore {
    raft: MasterRaft,
    /// Held across the read and the write of a pipeline restart's new assignment: the job's
    /// assignment holds every pipeline's grants, and pipelines restart concurrently (a full
    /// restart loses the workers of all of them), so two unserialized restarts would each write
    /// back the other's old grants.
    assignment_writes: Arc<tokio::sync::Mutex<()>>,
}

fn job_key(job_id: i64) -> Vec<u8> {
    job_id.to_be_bytes().to_vec()
}

fn state_key(job_id: i64, pipeline: usize, kind: u8, index: usize) -> Vec<u8> {
    let mut k = job_key(job_id);
    k.extend_from_slice(&(pipeline as u32).to_be_bytes());
    k.push(kind);
    k.extend_from_slice(&(index as u32).to_be_bytes());
    k
}

/// The pipeline id of a run-state key (after the job id, before the kind).
fn pipeline_of(key: &[u8]) -> Option<usize> {
    let bytes: [u8; 4] = key.get(8..KIND_OFFSET)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes) as usize)
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("job records serialize")
}

impl RaftJobStore {
    pub fn new(raft: MasterRaft) -> RaftJobStore {
        RaftJobStore {
            raft,
            assignment_writes: Arc::default(),
        }
    }

    fn get<T: DeserializeOwned>(&self, map: MapId, key: &[u8]) -> Option<T> {
        match self.raft.state.store().get(map, key) {
            Ok(Some(bytes)) => decode(map, &bytes),
            Ok(None) => None,
            Err(e) => {
                tracing::error!("cannot read {map}: {e}");
                None
            }
        }
    }

    fn scan<T: DeserializeOwned>(&self, map: MapId) -> Vec<(Vec<u8>, T)> {
        match self.raft.state.store().scan_to_vec(map, None) {
            Ok(entries) => entries
                .into_iter()
                .filter_map(|(k, v)| decode(map, &v).map(|v| (k, v)))
                .collect(),
            Err(e) => {
                tracing::error!("cannot read {map}: {e}");
                Vec::new()
            }
        }
    }

    /// Writes `command` through Raft on this (active) master.
    pub async fn write(&self, job_id: i64, command: Command) -> Result<(), JobStoreError> {
        let raft = self.raft.raft.clone();
        crate::raft::uncancelled(async move { raft.client_write(command).await })
            .await
            .map(|_| ())
            .map_err(|e| JobStoreError {
                job_id,
                message: e.to_string(),
            })
    }

    pub fn assignment(&self, job_id: i64) -> Option<StoredAssignment> {
        self.get(MapId::OwnedSlotProfiles, &job_key(job_id))
    }

    pub async fn save_assignment(
        &self,
        job_id: i64,
        a: &StoredAssignment,
    ) -> Result<(), JobStoreError> {
        let cmd = Command::default().put(MapId::OwnedSlotProfiles, job_key(job_id), encode(a));
        self.write(job_id, cmd).await
    }

    /// Records task-group ends reported by a worker in one entry. Ends that are not of a current
    /// grant are dropped: the job ended (the report is late), or the group belongs to a placement
    /// a pipeline restart replaced (its epoch differs), and must never pass for the new group's.
    pub async fn record_group_ends(&self, records: &[GroupRecord]) -> Result<(), JobStoreError> {
        let mut cmd = Command::default();
        let current = self.current(records.iter().map(|r| &r.key));
        for r in records {
            if !current.contains(&r.key) {
                tracing::info!(
                    job_id = r.key.job_id,
                    "dropped the end of {}: no longer part of the job's placement",
                    r.key
                );
                continue;
            }
            cmd = cmd.put(
                MapId::RunningJobState,
                state_key(r.key.job_id, r.key.pipeline, KIND_GROUP, r.key.group),
                encode(r),
            );
        }
        if cmd.ops.is_empty() {
            return Ok(());
        }
        let job_id = records.first().map_or(0, |r| r.key.job_id);
        self.write(job_id, cmd).await
    }

    /// The recorded ends of one job's groups.
    pub fn group_records(&self, job_id: i64) -> Vec<GroupRecord> {
        let prefix = job_key(job_id);
        let entries = match self
            .raft
            .state
            .store()
            .scan_to_vec(MapId::RunningJobState, None)
        {
            Ok(e) => e,
            Err(e) => {
                tracing::error!("cannot read {}: {e}", MapId::RunningJobState);
                return Vec::new();
            }
        };
        // Only this job's group records are decoded.
        entries
            .into_iter()
            .filter(|(k, _)| k.starts_with(&prefix) && k.get(KIND_OFFSET) == Some(&KIND_GROUP))
            .filter_map(|(_, v)| decode(MapId::RunningJobState, &v))
            .collect()
    }

    /// Which of `keys` are task groups of a current placement (same epoch). Reads each job's
    /// placement once. A job that ended has none: `finish` removes it with the run records.
    pub fn current<'a>(&self, keys: impl IntoIterator<Item = &'a GroupKey>) -> BTreeSet<GroupKey> {
        let mut placed: BTreeMap<i64, BTreeSet<GroupKey>> = BTreeMap::new();
        keys.into_iter()
            .filter(|key| {
                placed
                    .entry(key.job_id)
                    .or_insert_with(|| self.placed_groups(key.job_id))
                    .contains(key)
            })
            .copied()
            .collect()
    }

    fn placed_groups(&self, job_id: i64) -> BTreeSet<GroupKey> {
        self.assignment(job_id)
            .map(|a| {
                a.grants
                    .iter()
                    .filter_map(|g| {
                        g.group.map(|group| GroupKey {
                            job_id,
                            pipeline: g.pipeline,
                            group,
                            epoch: g.epoch,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A pipeline restarted on new slots, in one entry: its grants replaced by `grants`, its
    /// group ends forgotten, its record replaced by `record`.
    pub async fn restart_pipeline(
        &self,
        job_id: i64,
        pipeline: usize,
        grants: Vec<StoredGrant>,
        record: &PipelineRecord,
    ) -> Result<(), JobStoreError> {
        let _serialized = self.assignment_writes.lock().await;
        let mut assignment = self.assignment(job_id).unwrap_or_default();
        assignment.grants.retain(|g| g.pipeline != pipeline);
        assignment.grants.extend(grants);
        let mut cmd = Command::default()
            .put(
                MapId::OwnedSlotProfiles,
                job_key(job_id),
                encode(&assignment),
            )
            .put(
                MapId::RunningJobState,
                state_key(job_id, pipeline, KIND_PIPELINE, 0),
                encode(record),
            );
        let mut prefix = job_key(job_id);
        prefix.extend_from_slice(&(pipeline as u32).to_be_bytes());
        prefix.push(KIND_GROUP);
        for (k, _) in self.scan::<serde_json::Value>(MapId::RunningJobState) {
            if k.starts_with(&prefix) {
                cmd = cmd.delete(MapId::RunningJobState, k);
            }
        }
        self.write(job_id, cmd).await
    }

    pub fn pipeline_record(&self, job_id: i64, pipeline: usize) -> Option<PipelineRecord> {
        self.get(
            MapId::RunningJobState,
            &state_key(job_id, pipeline, KIND_PIPELINE, 0),
        )
    }

    /// Every recorded pipeline of a running job, by pipeline id.
    pub fn pipeline_records(&self, job_id: i64) -> Vec<(usize, PipelineRecord)> {
        let prefix = job_key(job_id);
        self.scan::<serde_json::Value>(MapId::RunningJobState)
            .into_iter()
            .filter(|(k, _)| k.starts_with(&prefix) && k.get(KIND_OFFSET) == Some(&KIND_PIPELINE))
            .filter_map(|(k, v)| {
                let record = serde_json::from_value(v).ok()?;
                Some((pipeline_of(&k)?, record))
            })
            .collect()
    }

    /// What an earlier run of job `job_id` left of pipeline `pipeline` when it ended FAILED or
    /// SAVEPOINT_DONE: where `-r` (`isStartWithSavePoint`) restores it from.
    pub fn kept_pipeline(&self, job_id: i64, pipeline: usize) -> Option<KeptPipeline> {
        self.get(
            MapId::CheckpointIdMap,
            &state_key(job_id, pipeline, KIND_PIPELINE, 0),
        )
    }

    /// Changes a pipeline's record (a fresh [`PipelineRecord::set_up`] if it has none). Only the
    /// active master's driver of the job writes it, one step at a time, so reading the applied
    /// record and writing it back loses nothing.
    pub async fn update_pipeline(
        &self,
        job_id: i64,
        pipeline: usize,
        change: impl FnOnce(&mut PipelineRecord),
    ) -> Result<PipelineRecord, JobStoreError> {
        let mut record = self
            .pipeline_record(job_id, pipeline)
            .unwrap_or_else(PipelineRecord::set_up);
        change(&mut record);
        self.save_pipeline(job_id, pipeline, &record).await?;
        Ok(record)
    }

    pub async fn save_pipeline(
        &self,
        job_id: i64,
        pipeline: usize,
        record: &PipelineRecord,
    ) -> Result<(), JobStoreError> {
        let cmd = Command::default().put(
            MapId::RunningJobState,
            state_key(job_id, pipeline, KIND_PIPELINE, 0),
            encode(record),
        );
        self.write(job_id, cmd).await
    }
}

fn decode<T: DeserializeOwned>(map: MapId, bytes: &[u8]) -> Option<T> {
    match serde_json::from_slice(bytes) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::error!("unreadable record in {map}: {e}; it is skipped");
            None
        }
    }
}

impl JobStore for RaftJobStore {
    fn insert_running(&self, job: RunningJob) -> StoreWrite<'_> {
        let job_id = job.job_id;
        let cmd = Command::default()
            .delete(MapId::FinishedJobState, job_key(job_id))
            .put(MapId::RunningJobInfo, job_key(job_id), encode(&job));
        Box::pin(self.write(job_id, cmd))
    }

    fn update_running(&self, job: RunningJob) -> StoreWrite<'_> {
        let job_id = job.job_id;
        let cmd = Command::default()
            .guard(Guard::Present {
                map: MapId::RunningJobInfo,
                key: job_key(job_id),
            })
            .put(MapId::RunningJobInfo, job_key(job_id), encode(&job));
        Box::pin(self.write(job_id, cmd))
    }

    fn running(&self, job_id: i64) -> Option<Arc<RunningJob>> {
        self.get(MapId::RunningJobInfo, &job_key(job_id))
            .map(Arc::new)
    }

    fn running_jobs(&self) -> Vec<Arc<RunningJob>> {
        self.scan(MapId::RunningJobInfo)
            .into_iter()
            .map(|(_, v)| Arc::new(v))
            .collect()
    }

    /// Moves the job to history and drops its run records, in one entry. SeaTunnel's rule for
    /// checkpoints: a FAILED or SAVEPOINT_DONE job keeps, per pipeline, that it committed or its
    /// last checkpoint (in `engine_checkpoint-id-map`) for a restore under the same id; what an
    /// earlier run kept stays unless this run replaces it (a restore that failed before its
    /// first checkpoint loses nothing). Any other end deletes everything kept.
    ///
    /// The job's checkpoint overview goes to history with it ([`FinishedJob::checkpoints`]),
    /// built from the same records this entry deletes.
    fn finish(&self, mut job: FinishedJob) -> StoreWrite<'_> {
        let job_id = job.job_id;
        let prefix = job_key(job_id);
        let keep = matches!(job.status, JobStatus::Failed | JobStatus::SavepointDone);
        let pipelines = self.pipeline_records(job_id);
        job.checkpoints = Some(super::overview::job_checkpoints(
            &pipelines,
            &BTreeMap::new(),
        ));
        let mut cmd = Command::default()
            .delete(MapId::RunningJobInfo, job_key(job_id))
            .delete(MapId::OwnedSlotProfiles, job_key(job_id))
            .put(MapId::FinishedJobState, job_key(job_id), encode(&job));
        if !keep {
            for (k, _) in self.scan::<serde_json::Value>(MapId::CheckpointIdMap) {
                if k.starts_with(&prefix) {
                    cmd = cmd.delete(MapId::CheckpointIdMap, k);
                }
            }
        }
        for (k, v) in self.scan::<serde_json::Value>(MapId::RunningJobState) {
            if !k.starts_with(&prefix) {
                continue;
            }
            let kept = (keep && k.get(KIND_OFFSET) == Some(&KIND_PIPELINE))
                .then(|| serde_json::from_value::<PipelineRecord>(v).ok())
                .flatten()
                .and_then(|r| match r.phase {
                    PipelinePhase::Committed => Some(KeptPipeline::Committed),
                    _ => r.latest().cloned().map(KeptPipeline::Checkpoint),
                });
            if let Some(kept) = kept {
                cmd = cmd.put(MapId::CheckpointIdMap, k.clone(), encode(&kept));
            }
            cmd = cmd.delete(MapId::RunningJobState, k);
        }
        Box::pin(self.write(job_id, cmd))
    }

    fn finished(&self, job_id: i64) -> Option<Arc<FinishedJob>> {
        self.get(MapId::FinishedJobState, &job_key(job_id))
            .map(Arc::new)
    }

    fn finished_jobs(&self) -> Vec<Arc<FinishedJob>> {
        self.scan(MapId::FinishedJobState)
            .into_iter()
            .map(|(_, v)| Arc::new(v))
            .collect()
    }

    /// Expiry is the active master's job: on a standby this is a no-op, so every master can run
    /// the same history sweep without standbys failing writes they may not make.
    fn remove_finished(&self, job_ids: &[i64]) -> StoreWrite<'_> {
        if self.raft.lease_token().is_none() {
            return Box::pin(std::future::ready(Ok(())));
        }
        let mut cmd = Command::default();
        for id in job_ids {
            cmd = cmd.delete(MapId::FinishedJobState, job_key(*id));
        }
        let first = job_ids.first().copied().unwrap_or_default();
        Box::pin(self.write(first, cmd))
    }
}

#[cfg(test)]
#[path = "raft_store_tests.rs"]
mod tests;
