//! The in-memory store: one ordered map of stored keys, for tests, local mode and as the model
//! the RocksDB adapter is checked against.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, RwLock};

use super::snapshot::ChunkBuilder;
use super::{
    check_advance, AppliedState, MapStore, Op, PartitionChunk, SnapshotReader, StoreError,
    VerifiedSnapshot, WriteBatch,
};
use crate::map::codec::{self, KeyRange};
use crate::map::partition::PartitionId;
use crate::map::MapId;

#[derive(Debug, Clone, Default)]
struct State {
    data: BTreeMap<Vec<u8>, Vec<u8>>,
    applied: AppliedState,
}

/// Copy-on-write state behind a lock: a snapshot is an `Arc` clone, and the next apply copies
/// the state only while such a snapshot is still alive. Applies are validated before any change,
/// so a refused batch leaves no trace.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: RwLock<Arc<State>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn current(&self) -> Arc<State> {
        // A poisoned lock means a panic mid-read; writers never leave the state half changed
        // (they swap or mutate after validation), so the value is still consistent.
        Arc::clone(&self.state.read().unwrap_or_else(|e| e.into_inner()))
    }
}

impl MapStore for MemoryStore {
    fn get(&self, map: MapId, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.current().data.get(&codec::encode(map, key)).cloned())
    }

    fn scan(
        &self,
        map: MapId,
        partition: Option<PartitionId>,
        visit: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<(), StoreError> {
        let range = KeyRange::scan(map, partition);
        let state = self.current();
        for (stored, value) in range_of(&state.data, range) {
            visit(&stored[codec::PREFIX_LEN..], value);
        }
        Ok(())
    }

    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let mut guard = self.state.write().unwrap_or_else(|e| e.into_inner());
        check_advance(guard.applied.last_applied, batch.last_applied())?;
        let state = Arc::make_mut(&mut guard);
        for op in batch.ops() {
            match op {
                Op::Put { map, key, value } => {
                    state.data.insert(codec::encode(*map, key), value.clone());
                }
                Op::Delete { map, key } => {
                    state.data.remove(&codec::encode(*map, key));
                }
            }
        }
        state.applied.last_applied = Some(batch.last_applied());
        if let Some(membership) = batch.membership() {
            state.applied.membership = Some(membership.to_vec());
        }
        Ok(())
    }

    fn applied_state(&self) -> Result<AppliedState, StoreError> {
        Ok(self.current().applied.clone())
    }

    fn snapshot(&self) -> Result<Box<dyn SnapshotReader + '_>, StoreError> {
        Ok(Box::new(MemorySnapshot(self.current())))
    }

    fn install_snapshot(&self, snapshot: &VerifiedSnapshot) -> Result<(), StoreError> {
        let data = snapshot
            .entries()
            .map(|(k, v)| (k.to_vec(), v.to_vec()))
            .collect();
        let state = State {
            data,
            applied: snapshot.applied_state().clone(),
        };
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(state);
        Ok(())
    }
}

struct MemorySnapshot(Arc<State>);

impl SnapshotReader for MemorySnapshot {
    fn applied_state(&self) -> &AppliedState {
        &self.0.applied
    }

    fn read_partition(&self, partition: PartitionId) -> Result<PartitionChunk, StoreError> {
        let mut chunk = ChunkBuilder::new(partition);
        for range in KeyRange::partition(partition) {
            for (stored, value) in range_of(&self.0.data, range) {
                chunk.push(stored, value)?;
            }
        }
        Ok(chunk.finish())
    }
}

fn range_of(
    data: &BTreeMap<Vec<u8>, Vec<u8>>,
    range: KeyRange,
) -> impl Iterator<Item = (&Vec<u8>, &Vec<u8>)> {
    let bounds = (
        Bound::Included(range.start.to_vec()),
        Bound::Excluded(range.end.to_vec()),
    );
    data.range::<Vec<u8>, _>(bounds)
}
