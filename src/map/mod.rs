//! The masters' state store: SeaTunnel's `engine_*` IMaps as named logical maps over one ordered
//! key space, the storage layer the Raft state machine sits on (cluster design §3.6).
//!
//! - [`partition`]: which of the 271 partitions a key belongs to (a fixed, seeded hash).
//! - [`codec`]: the stored-key layout `map_id ‖ partition ‖ key` and its prefix ranges.
//! - [`store`]: the [`MapStore`] trait, its two adapters ([`MemoryStore`], [`RocksStore`]) and
//!   point-in-time snapshots streamed as 271 verified partition chunks.
//!
//! Replication is not here: with Raft every voter holds a full copy, so partitions only decide
//! the key layout, snapshot ranges and parallel index rebuilds, never placement.

pub mod codec;
pub mod partition;
pub mod store;

pub use codec::{KeyError, KeyRange, StoredKey};
pub use partition::{PartitionId, PARTITION_COUNT};
pub use store::{
    AppliedState, ColumnFamilyName, Entry, LogId, MapStore, MemoryStore, Op, PartitionChunk,
    RocksDb, RocksStore, RocksStoreOptions, SnapshotAssembler, SnapshotError, SnapshotReader,
    StoreError, VerifiedSnapshot, WriteBatch,
};

/// One of SeaTunnel's engine IMaps (compat spec §5.4), named exactly as SeaTunnel names it.
///
/// Invariant: [`MapId::id`] is the map's on-disk identity. Ids are never reused or renumbered;
/// a new map takes the next free id. Id 0 is reserved so an all-zero key never names a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MapId {
    RunningJobInfo,
    RunningJobState,
    StateTimestamps,
    OwnedSlotProfiles,
    /// Soft state: the Raft layer keeps it out of the log, but it has an id so snapshots and
    /// debugging tools can name it.
    RunningJobMetrics,
    FinishedJobState,
    FinishedJobMetrics,
    FinishedJobVertexInfo,
    CheckpointIdMap,
    ConnectorJarRefCounters,
}

impl MapId {
    /// Every map, in ascending [`MapId::id`] order (so also in stored-key order).
    pub const ALL: [MapId; 10] = [
        MapId::RunningJobInfo,
        MapId::RunningJobState,
        MapId::StateTimestamps,
        MapId::OwnedSlotProfiles,
        MapId::RunningJobMetrics,
        MapId::FinishedJobState,
        MapId::FinishedJobMetrics,
        MapId::FinishedJobVertexInfo,
        MapId::CheckpointIdMap,
        MapId::ConnectorJarRefCounters,
    ];

    /// The stable on-disk id, the first two bytes of every stored key.
    pub const fn id(self) -> u16 {
        match self {
            MapId::RunningJobInfo => 1,
            MapId::RunningJobState => 2,
            MapId::StateTimestamps => 3,
            MapId::OwnedSlotProfiles => 4,
            MapId::RunningJobMetrics => 5,
            MapId::FinishedJobState => 6,
            MapId::FinishedJobMetrics => 7,
            MapId::FinishedJobVertexInfo => 8,
            MapId::CheckpointIdMap => 9,
            MapId::ConnectorJarRefCounters => 10,
        }
    }

    pub fn from_id(id: u16) -> Option<MapId> {
        MapId::ALL.into_iter().find(|map| map.id() == id)
    }

    /// SeaTunnel's IMap name (`Constant.IMAP_*`), as users see it in `map.engine*` config keys.
    pub const fn name(self) -> &'static str {
        match self {
            MapId::RunningJobInfo => "engine_runningJobInfo",
            MapId::RunningJobState => "engine_runningJobState",
            MapId::StateTimestamps => "engine_stateTimestamps",
            MapId::OwnedSlotProfiles => "engine_ownedSlotProfilesIMap",
            MapId::RunningJobMetrics => "engine_runningJobMetrics",
            MapId::FinishedJobState => "engine_finishedJobState",
            MapId::FinishedJobMetrics => "engine_finishedJobMetrics",
            MapId::FinishedJobVertexInfo => "engine_finishedJobVertexInfo",
            MapId::CheckpointIdMap => "engine_checkpoint-id-map",
            MapId::ConnectorJarRefCounters => "engine_connectorJarRefCounters",
        }
    }

    pub fn from_name(name: &str) -> Option<MapId> {
        MapId::ALL.into_iter().find(|map| map.name() == name)
    }
}

impl std::fmt::Display for MapId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_ascending_and_nonzero() {
        let ids: Vec<u16> = MapId::ALL.iter().map(|m| m.id()).collect();
        assert!(ids[0] > 0);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    }

    #[test]
    fn ids_and_names_round_trip() {
        for map in MapId::ALL {
            assert_eq!(MapId::from_id(map.id()), Some(map));
            assert_eq!(MapId::from_name(map.name()), Some(map));
        }
        assert_eq!(MapId::from_id(0), None);
        assert_eq!(MapId::from_id(11), None);
        assert_eq!(MapId::from_name("engine_runningjobinfo"), None);
    }

    #[test]
    fn names_are_seatunnels() {
        assert_eq!(MapId::CheckpointIdMap.name(), "engine_checkpoint-id-map");
        assert_eq!(
            MapId::OwnedSlotProfiles.to_string(),
            "engine_ownedSlotProfilesIMap"
        );
    }
}
