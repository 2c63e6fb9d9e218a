//! One test suite run against every adapter (garage's `db::test::test_suite` habit), then what
//! only the durable adapter can show: reopen, a real crash, the data-dir guards.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tempfile::TempDir;

use super::*;
use crate::map::codec;

pub(super) const CLUSTER: &str = "seatunnel";

pub(super) struct Opened {
    pub(super) store: Box<dyn MapStore>,
    _dir: Option<TempDir>,
}

fn memory() -> Opened {
    let store = Box::new(MemoryStore::new());
    Opened { store, _dir: None }
}

pub(super) fn rocks() -> Opened {
    let dir = TempDir::new().unwrap();
    let store = RocksStore::open(dir.path(), CLUSTER, RocksStoreOptions::default()).unwrap();
    let store = Box::new(store);
    Opened {
        store,
        _dir: Some(dir),
    }
}

pub(super) fn at(index: u64) -> LogId {
    LogId { term: 1, index }
}

pub(super) type Dump = (Vec<(MapId, Vec<(Vec<u8>, Vec<u8>)>)>, AppliedState);

/// Everything a store holds, map by map in scan order.
pub(super) fn dump(store: &dyn MapStore) -> Dump {
    let maps = MapId::ALL
        .into_iter()
        .map(|map| (map, store.scan_to_vec(map, None).unwrap()))
        .collect();
    (maps, store.applied_state().unwrap())
}

/// `count` keys spread over every map, applied in batches of 50 from log index `first_index`.
pub(super) fn fill(store: &dyn MapStore, count: u64, first_index: u64) {
    for (n, chunk) in (0..count).collect::<Vec<_>>().chunks(50).enumerate() {
        let mut batch = WriteBatch::new(at(first_index + n as u64));
        for &i in chunk {
            let map = MapId::ALL[i as usize % MapId::ALL.len()];
            batch.put(map, i.to_be_bytes(), format!("value-{i}"));
        }
        store.apply(batch).unwrap();
    }
}

macro_rules! suite {
    ($($test:ident),* $(,)?) => {
        mod memory_store {
            $(#[test]
            fn $test() {
                super::$test(&*super::memory().store);
            })*
        }
        mod rocks_store {
            $(#[test]
            fn $test() {
                super::$test(&*super::rocks().store);
            })*
        }
    };
}

suite!(
    put_get_delete,
    scans_follow_stored_key_order,
    batches_are_all_or_nothing,
    later_op_on_a_key_wins,
    grouped_batches_apply_in_order_or_not_at_all,
    snapshot_is_point_in_time,
    snapshot_round_trips_into_every_adapter,
    empty_snapshot_clears_a_store,
);

fn put_get_delete(store: &dyn MapStore) {
    assert_eq!(store.last_applied().unwrap(), None);
    let mut batch = WriteBatch::new(at(1));
    batch.put(MapId::RunningJobInfo, b"job-1".to_vec(), b"info".to_vec());
    store.apply(batch).unwrap();
    assert_eq!(
        store.get(MapId::RunningJobInfo, b"job-1").unwrap(),
        Some(b"info".to_vec())
    );
    // Maps are separate key spaces.
    assert_eq!(store.get(MapId::FinishedJobState, b"job-1").unwrap(), None);
    assert_eq!(store.get(MapId::RunningJobInfo, b"job-2").unwrap(), None);

    let mut batch = WriteBatch::new(at(2));
    batch.put(MapId::RunningJobInfo, b"job-1".to_vec(), b"info-2".to_vec());
    store.apply(batch).unwrap();
    assert_eq!(
        store.get(MapId::RunningJobInfo, b"job-1").unwrap(),
        Some(b"info-2".to_vec())
    );

    let mut batch = WriteBatch::new(at(3));
    batch.delete(MapId::RunningJobInfo, b"job-1".to_vec());
    batch.delete(MapId::RunningJobInfo, b"never-written".to_vec());
    store.apply(batch).unwrap();
    assert_eq!(store.get(MapId::RunningJobInfo, b"job-1").unwrap(), None);
    assert_eq!(store.last_applied().unwrap(), Some(at(3)));
}

fn scans_follow_stored_key_order(store: &dyn MapStore) {
    // Written in descending order, so an adapter that returned insertion order would fail.
    let mut batch = WriteBatch::new(at(1));
    for i in (0..600u64).rev() {
        batch.put(MapId::RunningJobState, i.to_be_bytes(), i.to_le_bytes());
        batch.put(
            MapId::StateTimestamps,
            i.to_be_bytes(),
            b"other map".to_vec(),
        );
    }
    store.apply(batch).unwrap();

    let scanned = store.scan_to_vec(MapId::RunningJobState, None).unwrap();
    let mut expected: Vec<(Vec<u8>, Vec<u8>)> = (0..600u64)
        .map(|i| (i.to_be_bytes().to_vec(), i.to_le_bytes().to_vec()))
        .collect();
    expected.sort_by_key(|(k, _)| codec::encode(MapId::RunningJobState, k));
    assert_eq!(scanned, expected);

    let mut from_partitions = Vec::new();
    for partition in PartitionId::all() {
        let part = store
            .scan_to_vec(MapId::RunningJobState, Some(partition))
            .unwrap();
        assert!(part.iter().all(|(k, _)| PartitionId::of(k) == partition));
        assert!(
            part.windows(2).all(|w| w[0].0 < w[1].0),
            "partition {partition} unordered"
        );
        from_partitions.extend(part);
    }
    assert_eq!(from_partitions, expected);
    assert!(store
        .scan_to_vec(MapId::FinishedJobState, None)
        .unwrap()
        .is_empty());
}

fn batches_are_all_or_nothing(store: &dyn MapStore) {
    let mut batch = WriteBatch::new(at(5));
    batch.put(MapId::RunningJobInfo, b"job-9".to_vec(), b"info".to_vec());
    batch.put(
        MapId::RunningJobState,
        b"job-9".to_vec(),
        b"RUNNING".to_vec(),
    );
    batch.put(
        MapId::CheckpointIdMap,
        b"job-9/1".to_vec(),
        7u64.to_be_bytes(),
    );
    store.apply(batch).unwrap();
    let before = dump(store);

    // The job-end command: across four maps, but replaying an old log index.
    let mut finish = WriteBatch::new(at(5));
    finish.delete(MapId::RunningJobInfo, b"job-9".to_vec());
    finish.delete(MapId::RunningJobState, b"job-9".to_vec());
    finish.put(
        MapId::FinishedJobState,
        b"job-9".to_vec(),
        b"FINISHED".to_vec(),
    );
    finish.put(MapId::FinishedJobMetrics, b"job-9".to_vec(), b"{}".to_vec());
    let err = store.apply(finish.clone()).unwrap_err();
    assert!(matches!(err, StoreError::AppliedRegression { .. }), "{err}");
    assert_eq!(dump(store), before, "a refused batch changed the store");

    let mut finish_at_6 = WriteBatch::new(at(6));
    for op in finish.ops() {
        match op.clone() {
            Op::Put { map, key, value } => finish_at_6.put(map, key, value),
            Op::Delete { map, key } => finish_at_6.delete(map, key),
        }
    }
    store.apply(finish_at_6).unwrap();
    assert_eq!(store.get(MapId::RunningJobInfo, b"job-9").unwrap(), None);
    assert_eq!(store.get(MapId::RunningJobState, b"job-9").unwrap(), None);
    assert_eq!(
        store.get(MapId::FinishedJobState, b"job-9").unwrap(),
        Some(b"FINISHED".to_vec())
    );
    assert_eq!(
        store.get(MapId::FinishedJobMetrics, b"job-9").unwrap(),
        Some(b"{}".to_vec())
    );
    assert_eq!(store.last_applied().unwrap(), Some(at(6)));
}

fn grouped_batches_apply_in_order_or_not_at_all(store: &dyn MapStore) {
    let mut first = WriteBatch::new(at(1));
    first.put(
        MapId::RunningJobState,
        b"job-1".to_vec(),
        b"RUNNING".to_vec(),
    );
    first.set_membership(b"members-1".to_vec());
    let mut second = WriteBatch::new(at(2));
    second.delete(MapId::RunningJobState, b"job-1".to_vec());
    second.put(MapId::FinishedJobState, b"job-1".to_vec(), b"DONE".to_vec());
    store.apply_all(vec![first, second]).unwrap();
    assert_eq!(store.get(MapId::RunningJobState, b"job-1").unwrap(), None);
    assert_eq!(
        store.get(MapId::FinishedJobState, b"job-1").unwrap(),
        Some(b"DONE".to_vec())
    );
    let state = store.applied_state().unwrap();
    assert_eq!(state.last_applied, Some(at(2)));
    assert_eq!(state.membership.as_deref(), Some(&b"members-1"[..]));

    // The second batch of the lot does not advance past the first: nothing of it is written.
    let before = dump(store);
    let mut third = WriteBatch::new(at(3));
    third.put(
        MapId::RunningJobState,
        b"job-3".to_vec(),
        b"RUNNING".to_vec(),
    );
    let replayed = WriteBatch::new(at(3));
    let err = store.apply_all(vec![third, replayed]).unwrap_err();
    assert!(matches!(err, StoreError::AppliedRegression { .. }), "{err}");
    assert_eq!(dump(store), before, "a refused lot changed the store");
    store.apply_all(Vec::new()).unwrap();
    assert_eq!(dump(store), before, "an empty lot changed the store");
}

fn later_op_on_a_key_wins(store: &dyn MapStore) {
    let mut batch = WriteBatch::new(at(1));
    batch.put(MapId::OwnedSlotProfiles, b"a".to_vec(), b"1".to_vec());
    batch.delete(MapId::OwnedSlotProfiles, b"a".to_vec());
    batch.put(MapId::OwnedSlotProfiles, b"b".to_vec(), b"1".to_vec());
    batch.delete(MapId::OwnedSlotProfiles, b"b".to_vec());
    batch.put(MapId::OwnedSlotProfiles, b"b".to_vec(), b"2".to_vec());
    batch.set_membership(b"voters=1,2,3".to_vec());
    store.apply(batch).unwrap();
    assert_eq!(store.get(MapId::OwnedSlotProfiles, b"a").unwrap(), None);
    assert_eq!(
        store.get(MapId::OwnedSlotProfiles, b"b").unwrap(),
        Some(b"2".to_vec())
    );
    // A batch without a membership change keeps the last one.
    store.apply(WriteBatch::new(at(2))).unwrap();
    let state = store.applied_state().unwrap();
    assert_eq!(state.membership.as_deref(), Some(&b"voters=1,2,3"[..]));
    assert_eq!(state.last_applied, Some(at(2)));
}

fn snapshot_is_point_in_time(store: &dyn MapStore) {
    fill(store, 200, 1);
    let expected = dump(store);
    let reader = store.snapshot().unwrap();
    let mut later = WriteBatch::new(at(100));
    later.delete(MapId::RunningJobInfo, 0u64.to_be_bytes());
    later.put(MapId::RunningJobInfo, b"new".to_vec(), b"x".to_vec());
    store.apply(later).unwrap();

    let snapshot = read_snapshot(&*reader).unwrap();
    drop(reader);
    let copy = MemoryStore::new();
    copy.install_snapshot(&snapshot).unwrap();
    assert_eq!(dump(&copy), expected);
    assert_ne!(dump(store), expected);
}

fn snapshot_round_trips_into_every_adapter(store: &dyn MapStore) {
    fill(store, 3000, 1);
    let mut batch = WriteBatch::new(at(1000));
    batch.set_membership(b"members".to_vec());
    batch.put(
        MapId::RunningJobMetrics,
        b"".to_vec(),
        b"empty key".to_vec(),
    );
    store.apply(batch).unwrap();
    let expected = dump(store);

    let snapshot = read_snapshot(&*store.snapshot().unwrap()).unwrap();
    assert_eq!(
        snapshot.chunks().len(),
        usize::from(crate::map::PARTITION_COUNT)
    );
    assert_eq!(snapshot.len(), 3001);
    // 3000 keys over 271 partitions: every range carries data, so each is exercised.
    assert!(snapshot.chunks().iter().all(|c| !c.is_empty()));
    let shipped = decode_snapshot(&encode_snapshot(&snapshot)).unwrap();
    assert_eq!(shipped, snapshot);

    for target in [memory(), rocks()] {
        // State from a later term that the snapshot must replace entirely.
        let mut stale = WriteBatch::new(LogId {
            term: 9,
            index: 5000,
        });
        stale.put(MapId::RunningJobInfo, b"stale".to_vec(), b"x".to_vec());
        stale.put(
            MapId::ConnectorJarRefCounters,
            u64::MAX.to_be_bytes(),
            b"x".to_vec(),
        );
        stale.set_membership(b"old".to_vec());
        target.store.apply(stale).unwrap();
        target.store.install_snapshot(&shipped).unwrap();
        assert_eq!(dump(&*target.store), expected);
        // The target serves writes after the snapshot's log id.
        target.store.apply(WriteBatch::new(at(1001))).unwrap();
    }
}

fn empty_snapshot_clears_a_store(store: &dyn MapStore) {
    let empty = read_snapshot(&*MemoryStore::new().snapshot().unwrap()).unwrap();
    assert!(empty.is_empty());
    fill(store, 100, 1);
    store.install_snapshot(&empty).unwrap();
    assert_eq!(dump(store), dump(&MemoryStore::new()));
}

// --- apply sequence ≡ model BTreeMap -----------------------------------------------------------

#[derive(Debug, Clone)]
enum ModelOp {
    Put(MapId, Vec<u8>, Vec<u8>),
    Delete(MapId, Vec<u8>),
}

fn model_op() -> impl Strategy<Value = ModelOp> {
    // Few maps and few keys, so deletes and overwrites hit existing entries.
    let map = proptest::sample::select(MapId::ALL[..3].to_vec());
    let key = proptest::collection::vec(0u8..4, 0..3);
    let value = proptest::collection::vec(any::<u8>(), 0..4);
    prop_oneof![
        (map.clone(), key.clone(), value).prop_map(|(m, k, v)| ModelOp::Put(m, k, v)),
        (map, key).prop_map(|(m, k)| ModelOp::Delete(m, k)),
    ]
}

fn run_model(store: &dyn MapStore, batches: &[Vec<ModelOp>]) -> Result<(), TestCaseError> {
    let mut model: BTreeMap<(MapId, Vec<u8>), Vec<u8>> = BTreeMap::new();
    for (index, ops) in batches.iter().enumerate() {
        let mut batch = WriteBatch::new(at(index as u64 + 1));
        for op in ops {
            match op.clone() {
                ModelOp::Put(map, key, value) => {
                    model.insert((map, key.clone()), value.clone());
                    batch.put(map, key, value);
                }
                ModelOp::Delete(map, key) => {
                    model.remove(&(map, key.clone()));
                    batch.delete(map, key);
                }
            }
        }
        store.apply(batch).unwrap();
    }
    for map in MapId::ALL {
        let mut expected: Vec<(Vec<u8>, Vec<u8>)> = model
            .iter()
            .filter(|((m, _), _)| *m == map)
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect();
        expected.sort_by_key(|(k, _)| codec::encode(map, k));
        prop_assert_eq!(store.scan_to_vec(map, None).unwrap(), expected);
    }
    for ((map, key), value) in &model {
        prop_assert_eq!(store.get(*map, key).unwrap(), Some(value.clone()));
    }
    let last = (!batches.is_empty()).then(|| at(batches.len() as u64));
    prop_assert_eq!(store.last_applied().unwrap(), last);
    Ok(())
}

fn batches() -> impl Strategy<Value = Vec<Vec<ModelOp>>> {
    proptest::collection::vec(proptest::collection::vec(model_op(), 0..8), 0..12)
}

proptest! {
    #[test]
    fn memory_apply_sequence_matches_model(batches in batches()) {
        run_model(&MemoryStore::new(), &batches)?;
    }
}

proptest! {
    // Each case opens a fresh RocksDB in a temp dir; fewer cases keep the suite fast.
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn rocks_apply_sequence_matches_model(batches in batches()) {
        run_model(&*rocks().store, &batches)?;
    }
}
