//! Where the maps live: a narrow synchronous [`MapStore`] trait shaped for a Raft state machine,
//! with an in-memory adapter ([`MemoryStore`]) and a RocksDB adapter ([`RocksStore`]), both run
//! through one shared test suite.
//!
//! The shape follows what the state machine needs and nothing more:
//! - every write is an [`apply`](MapStore::apply) of one [`WriteBatch`]: puts and deletes across
//!   several maps plus the new `last_applied` log id, all or nothing. A command that touches
//!   `engine_runningJobInfo` and `engine_finishedJobState` therefore can never be half applied
//!   after a crash (SeaTunnel #10675);
//! - reads are point gets and ordered scans of one map or one partition of it;
//! - [`snapshot`](MapStore::snapshot) is point in time and read as 271 partition chunks, each
//!   verifiable on its own; [`install_snapshot`](MapStore::install_snapshot) replaces everything
//!   at once.
//!
//! There is no TTL: expiring history is the coordinator's decision, written as ordinary deletes
//! so every replica expires the same entries at the same log index.

mod memory;
mod rocks;
mod snapshot;

#[cfg(test)]
mod rocks_tests;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use memory::MemoryStore;
pub use rocks::{ColumnFamilyName, RocksDb, RocksStore, RocksStoreOptions};
pub use snapshot::{
    decode_snapshot, encode_snapshot, read_snapshot, PartitionChunk, SnapshotAssembler,
    SnapshotError, VerifiedSnapshot,
};

use super::codec::KeyError;
use super::partition::PartitionId;
use super::MapId;

/// A Raft log position: the entry's term and index. Opaque to the store except for the
/// monotonicity check in [`check_advance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogId {
    pub term: u64,
    pub index: u64,
}

impl LogId {
    pub const ENCODED_LEN: usize = 16;

    pub fn to_bytes(self) -> [u8; Self::ENCODED_LEN] {
        let mut out = [0; Self::ENCODED_LEN];
        out[..8].copy_from_slice(&self.term.to_be_bytes());
        out[8..].copy_from_slice(&self.index.to_be_bytes());
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<LogId> {
        let bytes: &[u8; Self::ENCODED_LEN] = bytes.try_into().ok()?;
        let (term, index) = bytes.split_at(8);
        Some(LogId {
            term: u64::from_be_bytes(term.try_into().ok()?),
            index: u64::from_be_bytes(index.try_into().ok()?),
        })
    }
}

impl std::fmt::Display for LogId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.term, self.index)
    }
}

/// What the state machine has applied: Raft's `applied_state`. The membership is an opaque
/// blob the Raft layer serializes; the store only keeps it atomically with the data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppliedState {
    pub last_applied: Option<LogId>,
    pub membership: Option<Vec<u8>>,
}

/// One write inside a [`WriteBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Put {
        map: MapId,
        key: Vec<u8>,
        value: Vec<u8>,
    },
    Delete {
        map: MapId,
        key: Vec<u8>,
    },
}

/// The writes of one or more applied log entries, committed atomically with `last_applied`
/// (and the membership, when one of the entries changed it). Ops apply in order, so a later op
/// on the same key wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteBatch {
    ops: Vec<Op>,
    last_applied: LogId,
    membership: Option<Vec<u8>>,
}

impl WriteBatch {
    pub fn new(last_applied: LogId) -> WriteBatch {
        WriteBatch {
            ops: Vec::new(),
            last_applied,
            membership: None,
        }
    }

    pub fn put(&mut self, map: MapId, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        let (key, value) = (key.into(), value.into());
        self.ops.push(Op::Put { map, key, value });
    }

    pub fn delete(&mut self, map: MapId, key: impl Into<Vec<u8>>) {
        let key = key.into();
        self.ops.push(Op::Delete { map, key });
    }

    /// Records a membership change applied by this batch.
    pub fn set_membership(&mut self, membership: Vec<u8>) {
        self.membership = Some(membership);
    }

    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    pub fn last_applied(&self) -> LogId {
        self.last_applied
    }

    pub fn membership(&self) -> Option<&[u8]> {
        self.membership.as_deref()
    }
}

/// An owned `(key, value)` pair.
pub type Entry = (Vec<u8>, Vec<u8>);

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("rocksdb failed on data dir {dir}: {source}")]
    Rocks {
        dir: PathBuf,
        #[source]
        source: rocksdb::Error,
    },
    #[error("data dir {dir} belongs to cluster \"{stored}\", not \"{configured}\"; point this node at its own data dir or fix hazelcast.cluster-name")]
    ClusterMismatch {
        dir: PathBuf,
        stored: String,
        configured: String,
    },
    #[error("data dir {dir} has store layout version {found}, this build reads version {supported}; use a matching seatunnel-rs or a fresh data dir")]
    LayoutVersion {
        dir: PathBuf,
        found: u16,
        supported: u16,
    },
    #[error("data dir {dir} opened without column family {name}")]
    MissingColumnFamily { dir: PathBuf, name: &'static str },
    #[error("data dir {dir} holds a corrupt {what} ({len} bytes)")]
    CorruptMeta {
        dir: PathBuf,
        what: &'static str,
        len: usize,
    },
    #[error("corrupt stored key: {0}")]
    CorruptKey(#[from] KeyError),
    #[error("log id {new} does not advance past last applied {current}; an entry was applied twice or out of order")]
    AppliedRegression { current: LogId, new: LogId },
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

/// Refuses a batch whose log id does not move strictly forward, so replaying the log tail after
/// a restart can never apply an entry twice.
pub fn check_advance(current: Option<LogId>, new: LogId) -> Result<(), StoreError> {
    match current {
        Some(current) if new.index <= current.index || new.term < current.term => {
            Err(StoreError::AppliedRegression { current, new })
        }
        _ => Ok(()),
    }
}

/// A state-machine store. Each call is atomic on its own; implementations are shared between
/// threads. Calls block (RocksDB does disk I/O): async callers run them on a blocking thread,
/// except the Raft apply, an unsynced write of a few hundred bytes (`raft::state_machine`).
pub trait MapStore: Send + Sync {
    /// The value of `key` in `map`.
    fn get(&self, map: MapId, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// Visits the entries of `map` (or of one partition of it) as `(key, value)`, in stored-key
    /// order: by partition, then by key bytes. The order is the same in every adapter.
    fn scan(
        &self,
        map: MapId,
        partition: Option<PartitionId>,
        visit: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<(), StoreError>;

    /// Applies every op of `batch` and records its `last_applied` (and membership) atomically,
    /// or nothing at all. Refuses a batch that does not advance `last_applied`.
    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError>;

    /// Applies `batches` in order as one atomic write, recording the last one's `last_applied`
    /// (and the last membership set): after a crash the store holds all of them or none. Refuses
    /// the lot if any batch does not advance `last_applied` past the one before it. Lets Raft
    /// apply the entries committed together with one write instead of one each.
    fn apply_all(&self, batches: Vec<WriteBatch>) -> Result<(), StoreError> {
        // Adapters without a cheaper atomic path check the whole lot, then apply one by one (the
        // in-memory store has no crash to survive).
        let mut current = self.last_applied()?;
        for batch in &batches {
            check_advance(current, batch.last_applied())?;
            current = Some(batch.last_applied());
        }
        for batch in batches {
            self.apply(batch)?;
        }
        Ok(())
    }

    fn applied_state(&self) -> Result<AppliedState, StoreError>;

    fn last_applied(&self) -> Result<Option<LogId>, StoreError> {
        Ok(self.applied_state()?.last_applied)
    }

    /// A point-in-time view of every map and the applied state; later applies do not show in it.
    fn snapshot(&self) -> Result<Box<dyn SnapshotReader + '_>, StoreError>;

    /// Replaces all data and the applied state with `snapshot`, atomically and durably.
    fn install_snapshot(&self, snapshot: &VerifiedSnapshot) -> Result<(), StoreError>;

    /// [`scan`](MapStore::scan) collected into owned pairs.
    fn scan_to_vec(
        &self,
        map: MapId,
        partition: Option<PartitionId>,
    ) -> Result<Vec<Entry>, StoreError> {
        let mut out = Vec::new();
        self.scan(map, partition, &mut |k, v| {
            out.push((k.to_vec(), v.to_vec()))
        })?;
        Ok(out)
    }
}

/// A point-in-time view, read one partition at a time so each chunk can be streamed, verified
/// and retried on its own.
pub trait SnapshotReader {
    fn applied_state(&self) -> &AppliedState;

    /// Every entry of `partition` across all maps, in stored-key order.
    fn read_partition(&self, partition: PartitionId) -> Result<PartitionChunk, StoreError>;
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn log_id_bytes_round_trip_and_sort_like_the_id() {
        let a = LogId { term: 1, index: 9 };
        let b = LogId { term: 2, index: 3 };
        assert_eq!(LogId::from_bytes(&a.to_bytes()), Some(a));
        assert!(a.to_bytes() < b.to_bytes());
        assert_eq!(LogId::from_bytes(&[0; 15]), None);
    }

    #[test]
    fn applied_log_id_must_advance() {
        let at = |term, index| LogId { term, index };
        assert!(check_advance(None, at(0, 0)).is_ok());
        assert!(check_advance(Some(at(1, 5)), at(1, 6)).is_ok());
        assert!(check_advance(Some(at(1, 5)), at(2, 6)).is_ok());
        assert!(check_advance(Some(at(1, 5)), at(1, 5)).is_err());
        assert!(check_advance(Some(at(1, 5)), at(2, 4)).is_err());
        let err = check_advance(Some(at(3, 5)), at(2, 9)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "log id 2-9 does not advance past last applied 3-5; an entry was applied twice or out of order"
        );
    }
}
