//! The stored-key layout: `map_id (u16 BE) ‖ partition (u16 BE) ‖ encoded key`.
//!
//! Big-endian fields make byte order equal numeric order, so one ordered key space holds every
//! map: all keys of a map are one contiguous range, and inside it all keys of a partition are one
//! contiguous range (a 4-byte prefix). A partition across all maps is the union of one such
//! prefix per map, which is how snapshots stream the state in 271 ranges.
//!
//! The encoded key is the caller's bytes, stored verbatim: typed keys (job ids, pipeline
//! locations) are encoded by the layer above, which must encode equal keys to equal bytes.

use super::partition::{PartitionId, PARTITION_COUNT};
use super::MapId;

/// Length of the `map_id ‖ partition` prefix, also the RocksDB prefix-extractor length.
pub const PREFIX_LEN: usize = 4;

/// Exclusive upper bound above every stored key: map ids are below `0xFFFF`, so every key sorts
/// before `FF FF FF`. Used to clear the whole key space in one range deletion.
pub const KEY_SPACE_END: [u8; 3] = [0xFF, 0xFF, 0xFF];

/// Why bytes read back from a store are not a stored key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("stored key of {0} bytes is shorter than its {PREFIX_LEN}-byte prefix")]
    TooShort(usize),
    #[error("stored key names map id {0}, which this version does not know; the data dir may come from a newer seatunnel-rs")]
    UnknownMap(u16),
    #[error("stored key names partition {0}, not below {PARTITION_COUNT}")]
    PartitionOutOfRange(u16),
    #[error(
        "stored key of {map} is in partition {stored}, but its key hashes to partition {expected}"
    )]
    WrongPartition {
        map: MapId,
        stored: u16,
        expected: u16,
    },
}

/// A decoded stored key, borrowing the caller's key bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredKey<'a> {
    pub map: MapId,
    pub partition: PartitionId,
    pub key: &'a [u8],
}

/// The 4-byte prefix shared by every key of `map` in `partition`.
pub fn prefix(map: MapId, partition: PartitionId) -> [u8; PREFIX_LEN] {
    let [m0, m1] = map.id().to_be_bytes();
    let [p0, p1] = partition.get().to_be_bytes();
    [m0, m1, p0, p1]
}

/// Appends the stored form of `key` in `map` to `out`, so callers can reuse one buffer.
pub fn encode_into(out: &mut Vec<u8>, map: MapId, key: &[u8]) {
    out.reserve(PREFIX_LEN + key.len());
    out.extend_from_slice(&prefix(map, PartitionId::of(key)));
    out.extend_from_slice(key);
}

/// The stored form of `key` in `map`.
pub fn encode(map: MapId, key: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&mut out, map, key);
    out
}

/// Splits a stored key into its parts, checking the map id, the partition range and that the
/// partition is the one the key hashes to (so a corrupt or foreign key is never misfiled).
pub fn decode(stored: &[u8]) -> Result<StoredKey<'_>, KeyError> {
    if stored.len() < PREFIX_LEN {
        return Err(KeyError::TooShort(stored.len()));
    }
    let map_id = u16::from_be_bytes([stored[0], stored[1]]);
    let map = MapId::from_id(map_id).ok_or(KeyError::UnknownMap(map_id))?;
    let partition_id = u16::from_be_bytes([stored[2], stored[3]]);
    let partition =
        PartitionId::new(partition_id).ok_or(KeyError::PartitionOutOfRange(partition_id))?;
    let key = &stored[PREFIX_LEN..];
    let expected = PartitionId::of(key);
    if expected != partition {
        return Err(KeyError::WrongPartition {
            map,
            stored: partition_id,
            expected: expected.get(),
        });
    }
    Ok(StoredKey {
        map,
        partition,
        key,
    })
}

/// A half-open range `[start, end)` of stored keys, bounded by 4-byte keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRange {
    pub start: [u8; PREFIX_LEN],
    pub end: [u8; PREFIX_LEN],
}

impl KeyRange {
    /// Every key of `map`, across all partitions.
    pub fn map(map: MapId) -> KeyRange {
        let id = map.id();
        // Map ids stay below u16::MAX (see KEY_SPACE_END), so the successor exists.
        KeyRange {
            start: bounds(id, 0),
            end: bounds(id + 1, 0),
        }
    }

    /// What a scan of `map` covers: one partition, or all of them.
    pub fn scan(map: MapId, partition: Option<PartitionId>) -> KeyRange {
        match partition {
            Some(partition) => KeyRange::map_partition(map, partition),
            None => KeyRange::map(map),
        }
    }

    /// Every key of `map` in `partition`: the keys starting with [`prefix`].
    pub fn map_partition(map: MapId, partition: PartitionId) -> KeyRange {
        let id = map.id();
        // partition + 1 is at most PARTITION_COUNT, which fits a u16 and sorts after every
        // key of this partition.
        KeyRange {
            start: bounds(id, partition.get()),
            end: bounds(id, partition.get() + 1),
        }
    }

    /// The ranges that together hold `partition` of every map, in stored-key order.
    pub fn partition(partition: PartitionId) -> impl Iterator<Item = KeyRange> {
        MapId::ALL
            .into_iter()
            .map(move |map| KeyRange::map_partition(map, partition))
    }

    pub fn contains(&self, stored: &[u8]) -> bool {
        stored >= &self.start[..] && stored < &self.end[..]
    }
}

fn bounds(map_id: u16, partition: u16) -> [u8; PREFIX_LEN] {
    let [m0, m1] = map_id.to_be_bytes();
    let [p0, p1] = partition.to_be_bytes();
    [m0, m1, p0, p1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_map() -> impl Strategy<Value = MapId> {
        proptest::sample::select(MapId::ALL.to_vec())
    }

    #[test]
    fn layout_is_map_partition_key() {
        let stored = encode(MapId::RunningJobState, b"k");
        let partition = PartitionId::of(b"k").get().to_be_bytes();
        assert_eq!(stored, [&[0, 2][..], &partition[..], b"k"].concat());
    }

    #[test]
    fn decode_rejects_malformed_keys() {
        assert_eq!(decode(&[0, 1, 0]), Err(KeyError::TooShort(3)));
        assert_eq!(decode(&[0, 0, 0, 0]), Err(KeyError::UnknownMap(0)));
        assert_eq!(
            decode(&[0, 1, 1, 15]),
            Err(KeyError::PartitionOutOfRange(271))
        );
        let mut stored = encode(MapId::FinishedJobState, b"job-7");
        let wrong = (PartitionId::of(b"job-7").get() + 1) % PARTITION_COUNT;
        stored[2..4].copy_from_slice(&wrong.to_be_bytes());
        assert!(matches!(
            decode(&stored),
            Err(KeyError::WrongPartition {
                map: MapId::FinishedJobState,
                ..
            })
        ));
    }

    #[test]
    fn every_stored_key_sorts_before_the_key_space_end() {
        let last = KeyRange::map(MapId::ALL[MapId::ALL.len() - 1]);
        assert!(last.end[..] < KEY_SPACE_END[..]);
        assert!(encode(MapId::ConnectorJarRefCounters, &[0xFF; 64])[..] < KEY_SPACE_END[..]);
    }

    #[test]
    fn partition_ranges_cover_each_map_once() {
        for map in MapId::ALL {
            let ranges: Vec<KeyRange> = PartitionId::all()
                .map(|p| KeyRange::map_partition(map, p))
                .collect();
            assert_eq!(ranges[0].start, KeyRange::map(map).start);
            // Consecutive partition ranges tile the map's range without gaps or overlap.
            assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
            assert!(ranges.last().unwrap().end <= KeyRange::map(map).end);
        }
    }

    proptest! {
        #[test]
        fn round_trip(map in any_map(), key in proptest::collection::vec(any::<u8>(), 0..40)) {
            let stored = encode(map, &key);
            let decoded = decode(&stored).unwrap();
            prop_assert_eq!(decoded.map, map);
            prop_assert_eq!(decoded.partition, PartitionId::of(&key));
            prop_assert_eq!(decoded.key, &key[..]);
        }

        #[test]
        fn encoded_keys_fall_in_exactly_their_ranges(
            map in any_map(),
            key in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let stored = encode(map, &key);
            let partition = PartitionId::of(&key);
            for other in MapId::ALL {
                prop_assert_eq!(KeyRange::map(other).contains(&stored), other == map);
            }
            for p in [partition.get().wrapping_sub(1), partition.get(), partition.get() + 1] {
                if let Some(p) = PartitionId::new(p) {
                    let in_range = KeyRange::map_partition(map, p).contains(&stored);
                    prop_assert_eq!(in_range, p == partition);
                }
            }
            let hits = KeyRange::partition(partition).filter(|r| r.contains(&stored)).count();
            prop_assert_eq!(hits, 1);
        }

        #[test]
        fn order_within_a_map_partition_is_key_order(
            map in any_map(),
            a in proptest::collection::vec(any::<u8>(), 0..12),
            b in proptest::collection::vec(any::<u8>(), 0..12),
        ) {
            let (sa, sb) = (encode(map, &a), encode(map, &b));
            if PartitionId::of(&a) == PartitionId::of(&b) {
                prop_assert_eq!(sa.cmp(&sb), a.cmp(&b));
            } else {
                prop_assert_eq!(sa.cmp(&sb), PartitionId::of(&a).cmp(&PartitionId::of(&b)));
            }
        }

        #[test]
        fn maps_order_by_id(
            ma in any_map(),
            mb in any_map(),
            a in proptest::collection::vec(any::<u8>(), 0..12),
            b in proptest::collection::vec(any::<u8>(), 0..12),
        ) {
            if ma != mb {
                prop_assert_eq!(encode(ma, &a).cmp(&encode(mb, &b)), ma.id().cmp(&mb.id()));
            }
        }
    }
}
