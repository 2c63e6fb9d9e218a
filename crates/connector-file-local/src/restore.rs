//! What a LocalFile writer keeps in a checkpoint, and the cleanup of an aborted attempt's
//! temporary files when a writer is restored from it (SeaTunnel's file sink aborts, on restore,
//! the transactions of the job its restored state does not cover).
//!
//! A writer's transactions of one table live under `<tmp_path>/seatunnel/<jobId>/<uuid10>/` and
//! are numbered by the writer's own counter: `T_<jobId>_<uuid10>_<subtask>_<n>`. The state holds,
//! per table, the uuid and the first number no checkpoint covered yet (`next`). A restored
//! writer keeps that uuid and numbering, and first removes every transaction of the uuid and its
//! subtask numbered `next` or higher: the aborted attempt opened or prepared them after the
//! checkpoint, and no recorded commit info covers them (the restored checkpoint's infos, which
//! cover the lower numbers, are committed before the writers start and their directories go with
//! the commit). Keeping the uuid makes every later attempt restored from the same checkpoint
//! find the leftovers of all earlier ones, even of an attempt that failed before its first
//! checkpoint.
//!
//! Invariant: only directories of this writer's own uuid and subtask are ever removed, so other
//! writers, sinks, pipelines and jobs sharing `tmp_path` keep their files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use seatunnel_connector::ConnectorError;

/// Directory under `tmp_path` that holds transactions (SeaTunnel's name).
pub const TMP_SUBDIR: &str = "seatunnel";

/// One table's transactions as a checkpoint keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableTransactions {
    /// The table's full name.
    pub table: String,
    pub uuid: String,
    /// The first transaction number no checkpoint covered.
    pub next: u64,
}

/// A LocalFile writer's state in a checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriterState {
    pub tables: Vec<TableTransactions>,
}

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("LocalFile: the restored writer state is not valid: {0}; submit the job again without restoring it")]
    Malformed(#[from] serde_json::Error),
    #[error("LocalFile: cannot remove the aborted transaction {dir}: {source}; remove it by hand or fix its permissions")]
    Remove {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl From<RestoreError> for ConnectorError {
    fn from(e: RestoreError) -> ConnectorError {
        ConnectorError::runtime(e.to_string())
    }
}

impl WriterState {
    pub fn from_value(v: &serde_json::Value) -> Result<WriterState, RestoreError> {
        Ok(serde_json::from_value(v.clone())?)
    }

    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("writer state serializes")
    }
}

/// Where the transactions of writer `uuid` of job `job_id` live.
pub fn transactions_root(tmp_path: &Path, job_id: i64, uuid: &str) -> PathBuf {
    tmp_path
        .join(TMP_SUBDIR)
        .join(job_id.to_string())
        .join(uuid)
}

/// Removes the transactions of writer `t` of subtask `subtask` numbered `t.next` or higher, and
/// returns them. A missing directory is nothing to remove. Blocking: runs on the writer's thread.
pub fn remove_aborted(
    tmp_path: &Path,
    job_id: i64,
    subtask: usize,
    t: &TableTransactions,
) -> Result<Vec<PathBuf>, RestoreError> {
    let root = transactions_root(tmp_path, job_id, &t.uuid);
    let entries = match fs::read_dir(&root) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(RestoreError::Remove { dir: root, source }),
    };
    let prefix = format!("T_{job_id}_{}_{subtask}_", t.uuid);
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| RestoreError::Remove {
            dir: root.clone(),
            source,
        })?;
        let name = entry.file_name();
        let number = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|n| n.parse::<u64>().ok());
        if number.is_some_and(|n| n >= t.next) {
            let dir = entry.path();
            fs::remove_dir_all(&dir).map_err(|source| RestoreError::Remove {
                dir: dir.clone(),
                source,
            })?;
            removed.push(dir);
        }
    }
    removed.sort();
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txn(tmp: &Path, job: i64, uuid: &str, subtask: usize, n: u64) -> PathBuf {
        let dir = transactions_root(tmp, job, uuid).join(format!("T_{job}_{uuid}_{subtask}_{n}"));
        fs::create_dir_all(dir.join("NON_PARTITION")).unwrap();
        fs::write(dir.join("NON_PARTITION/f.txt"), "rows").unwrap();
        dir
    }

    #[test]
    fn only_this_writers_uncovered_transactions_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let t = TableTransactions {
            table: "fake".into(),
            uuid: "a1b2c3d4e5".into(),
            next: 3,
        };
        let covered = txn(tmp.path(), 7, &t.uuid, 0, 2);
        let aborted = [
            txn(tmp.path(), 7, &t.uuid, 0, 3),
            txn(tmp.path(), 7, &t.uuid, 0, 4),
        ];
        let other_subtask = txn(tmp.path(), 7, &t.uuid, 1, 3);
        let other_writer = txn(tmp.path(), 7, "ffffffffff", 0, 5);
        let other_job = txn(tmp.path(), 8, &t.uuid, 0, 5);
        assert_eq!(
            remove_aborted(tmp.path(), 7, 0, &t).unwrap(),
            aborted.to_vec()
        );
        assert!(aborted.iter().all(|d| !d.exists()));
        for kept in [&covered, &other_subtask, &other_writer, &other_job] {
            assert!(
                kept.join("NON_PARTITION/f.txt").exists(),
                "{}",
                kept.display()
            );
        }
        // Nothing left to remove; a writer that never wrote has no directory at all.
        assert!(remove_aborted(tmp.path(), 7, 0, &t).unwrap().is_empty());
        assert!(remove_aborted(tmp.path(), 9, 0, &t).unwrap().is_empty());
    }

    #[test]
    fn the_state_round_trips_and_a_malformed_one_is_refused() {
        let s = WriterState {
            tables: vec![TableTransactions {
                table: "db.t".into(),
                uuid: "0123456789".into(),
                next: 4,
            }],
        };
        assert_eq!(WriterState::from_value(&s.to_value()).unwrap(), s);
        let e = WriterState::from_value(&serde_json::json!({"tables": 3})).unwrap_err();
        assert!(
            e.to_string()
                .contains("submit the job again without restoring"),
            "{e}"
        );
    }
}
