//! Two-phase commit of written files: writers leave finished files under `tmp_path` and hand
//! over the moves; [`commit`] renames them into place, so a file appears in the target directory
//! only complete. Committing again after a failover is harmless: a move whose source is gone and
//! whose target exists is already done.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use seatunnel_connector::CommitInfo;

/// One writer's prepared output.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCommit {
    pub moves: Vec<Move>,
    /// Transaction directories to remove once their files are moved.
    pub transaction_dirs: Vec<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub from: PathBuf,
    pub to: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error("LocalFile commit: malformed commit info: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("LocalFile commit: cannot move {from} to {to}: {source}")]
    Move {
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "LocalFile commit: {from} is gone and {to} does not exist; this transaction's data is lost"
    )]
    Lost { from: PathBuf, to: PathBuf },
}

impl FileCommit {
    pub fn is_empty(&self) -> bool {
        self.moves.is_empty() && self.transaction_dirs.is_empty()
    }

    pub fn to_info(&self) -> CommitInfo {
        serde_json::to_value(self).expect("commit info serializes")
    }

    pub fn from_info(info: &CommitInfo) -> Result<FileCommit, CommitError> {
        Ok(serde_json::from_value(info.clone())?)
    }
}

/// Moves every file into place, then removes the emptied transaction directories.
pub fn commit(c: &FileCommit) -> Result<(), CommitError> {
    for m in &c.moves {
        move_file(&m.from, &m.to)?;
    }
    for dir in &c.transaction_dirs {
        remove_transaction_dir(dir);
    }
    Ok(())
}

/// Deletes what a failed or cancelled run prepared; best effort, as nothing is left to report to.
pub fn abort(c: &FileCommit) {
    for m in &c.moves {
        let _ = fs::remove_file(&m.from);
    }
    for dir in &c.transaction_dirs {
        remove_transaction_dir(dir);
    }
}

fn move_file(from: &Path, to: &Path) -> Result<(), CommitError> {
    let err = |source| CommitError::Move {
        from: from.to_path_buf(),
        to: to.to_path_buf(),
        source,
    };
    if !from.exists() {
        return if to.exists() {
            Ok(())
        } else {
            Err(CommitError::Lost {
                from: from.to_path_buf(),
                to: to.to_path_buf(),
            })
        };
    }
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(err)?;
    }
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
            // Copy beside the target first, then rename: the target still appears whole.
            let partial = to.with_extension("seatunnel-partial");
            fs::copy(from, &partial).map_err(err)?;
            fs::rename(&partial, to).map_err(err)?;
            fs::remove_file(from).map_err(err)
        }
        Err(e) => Err(err(e)),
    }
}

/// Removes a transaction directory and, when they are left empty, its uuid and job parents.
fn remove_transaction_dir(dir: &Path) {
    let _ = fs::remove_dir_all(dir);
    let mut parent = dir.parent();
    for _ in 0..2 {
        match parent {
            Some(p) if fs::remove_dir(p).is_ok() => parent = p.parent(),
            _ => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_moves_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let txn = dir.path().join("tmp/seatunnel/1/abc/T_1_abc_0_1");
        fs::create_dir_all(txn.join("NON_PARTITION")).unwrap();
        let from = txn.join("NON_PARTITION/f.txt");
        fs::write(&from, "data").unwrap();
        let to = dir.path().join("out/sub/f.txt");
        let c = FileCommit {
            moves: vec![Move {
                from: from.clone(),
                to: to.clone(),
            }],
            transaction_dirs: vec![txn.clone()],
        };
        let back = FileCommit::from_info(&c.to_info()).unwrap();
        assert_eq!(back, c);
        commit(&back).unwrap();
        assert_eq!(fs::read_to_string(&to).unwrap(), "data");
        assert!(!txn.exists());
        assert!(
            !dir.path().join("tmp/seatunnel/1").exists(),
            "empty job dir removed"
        );
        commit(&back).unwrap();
        fs::remove_file(&to).unwrap();
        let e = commit(&back).unwrap_err().to_string();
        assert!(e.contains("data is lost"), "{e}");
    }

    #[test]
    fn abort_discards_prepared_files() {
        let dir = tempfile::tempdir().unwrap();
        let txn = dir.path().join("tmp/seatunnel/7/u1/T_7_u1_0_1");
        fs::create_dir_all(&txn).unwrap();
        fs::create_dir_all(dir.path().join("tmp/seatunnel/7/u2")).unwrap();
        let from = txn.join("f.txt");
        fs::write(&from, "x").unwrap();
        let c = FileCommit {
            moves: vec![Move {
                from: from.clone(),
                to: dir.path().join("out.txt"),
            }],
            transaction_dirs: vec![txn.clone()],
        };
        abort(&c);
        assert!(!from.exists() && !txn.exists());
        assert!(
            dir.path().join("tmp/seatunnel/7/u2").exists(),
            "other writers' dirs stay"
        );
        assert!(!dir.path().join("out.txt").exists());
        assert!(FileCommit::from_info(&serde_json::json!({"moves": 3})).is_err());
    }
}
