//! A master's Raft node id: generated once, kept in the data dir for the dir's lifetime.
//!
//! Never derived from the address: a master whose disk was wiped must come back as a *new*
//! member, because a Raft voter that forgot its log and vote could re-vote and lose committed
//! entries (openraft "node ids must not be reused").

use std::io::Write;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::xxh3_64;

use crate::raft::NodeId;

const ID_FILE: &str = "node-id";

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("cannot read or write the node id file {path}: {source}; check the data dir's owner and mode")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("node id file {path} does not hold a node id ({found:?}); restore it or remove the whole data dir")]
    Corrupt { path: PathBuf, found: String },
}

/// The id stored in `dir`, creating it (durably) on first start.
pub fn load_or_create(dir: &Path) -> Result<NodeId, IdentityError> {
    let path = dir.join(ID_FILE);
    let io = |source| IdentityError::Io {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            return text
                .trim()
                .parse::<NodeId>()
                .ok()
                .filter(|id| *id != 0)
                .ok_or_else(|| IdentityError::Corrupt {
                    path: path.clone(),
                    found: text.trim().to_string(),
                })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let id = fresh_id();
    let tmp = dir.join(format!("{ID_FILE}.tmp"));
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    writeln!(file, "{id}").map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io)?;
    Ok(id)
}

/// A new id, unique in practice: the clock in nanoseconds, the pid and the host, hashed. Kept
/// below 2^53 so JSON readers that parse numbers as doubles show it exactly.
fn fresh_id() -> NodeId {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let host = nix::unistd::gethostname().unwrap_or_default();
    let seed = format!("{nanos}-{}-{}", std::process::id(), host.to_string_lossy());
    (xxh3_64(seed.as_bytes()) >> 11).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let id = load_or_create(dir.path()).unwrap();
        assert!(id > 0 && id < (1 << 53));
        assert_eq!(load_or_create(dir.path()).unwrap(), id);
    }

    #[test]
    fn a_damaged_file_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(ID_FILE), "x1\n").unwrap();
        let err = load_or_create(dir.path()).unwrap_err().to_string();
        assert!(err.contains("does not hold a node id"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(ID_FILE)).unwrap(),
            "x1\n"
        );
    }
}
