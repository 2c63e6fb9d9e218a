//! A master's Raft node id: generated once, kept in the data dir for the dir's lifetime.
//!
//! Never derived from the address: a master whose disk was wiped must come back as a *new*
//! member, because a Raft voter that forgot its log and vote could re-vote and lose committed
//! entries (openraft "node ids must not be reused").
//!
//! A copied data dir carries the id along: two processes would then vote as one node, so the
//! cluster keeps fewer votes than it shows. Each process therefore also picks an
//! [`incarnation`] when it starts and sends it in every greeting; [`twin`] tells a copy from
//! this process answering through another address.

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
    super::durable::replace_file(dir, ID_FILE, format!("{id}\n").as_bytes()).map_err(io)?;
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

/// A number chosen at random each time a process starts; never 0, which a greeting without one
/// carries.
pub fn incarnation() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // std's hasher keys come from the OS's random source, fresh for each process.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish().max(1)
}

/// Who a master is in greetings: its Raft node id and this process's incarnation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub node_id: NodeId,
    pub incarnation: u64,
}

/// What another member said about itself (greeted, or greeting this master).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    pub address: String,
    pub is_master: bool,
    pub node_id: NodeId,
    pub incarnation: u64,
}

/// The address of the first member in `heard` that is another live process claiming `me`'s node
/// id: a master with the same id but another incarnation. A greeting without an incarnation (an
/// older build, or a plain query) proves nothing and is left out.
pub fn twin<'a>(me: Claim, heard: impl IntoIterator<Item = &'a Heard>) -> Option<&'a str> {
    heard
        .into_iter()
        .find(|h| {
            h.is_master
                && h.node_id == me.node_id
                && h.incarnation != 0
                && h.incarnation != me.incarnation
        })
        .map(|h| h.address.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heard(address: &str, is_master: bool, node_id: NodeId, incarnation: u64) -> Heard {
        Heard {
            address: address.into(),
            is_master,
            node_id,
            incarnation,
        }
    }

    #[test]
    fn a_master_with_this_id_and_another_incarnation_is_a_twin() {
        let me = Claim {
            node_id: 7,
            incarnation: 100,
        };
        let others = [
            heard("10.0.0.2:5801", true, 8, 200),
            heard("10.0.0.3:5801", false, 0, 300),
            heard("10.0.0.1:5801", true, 7, 400),
        ];
        assert_eq!(twin(me, &others), Some("10.0.0.1:5801"));
        assert_eq!(twin(me, &others[..2]), None, "other ids and workers");
    }

    #[test]
    fn this_process_and_greetings_without_an_incarnation_are_not_twins() {
        let me = Claim {
            node_id: 7,
            incarnation: 100,
        };
        let itself = heard("10.0.0.1:5801", true, 7, 100);
        let unknown = heard("10.0.0.1:5801", true, 7, 0);
        let worker = heard("10.0.0.4:5801", false, 7, 9);
        assert_eq!(twin(me, [&itself, &unknown, &worker]), None);
        assert_ne!(incarnation(), 0);
    }

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
