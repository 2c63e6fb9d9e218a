//! Which partition a key belongs to.
//!
//! The partition is part of every stored key, so this function is an on-disk format: it must
//! give the same answer on every master, every build and every run. Hence XXH3-64 (a specified
//! algorithm) with a fixed seed, never std's randomly seeded hasher. It does not reproduce
//! Hazelcast's own assignment (murmur3 over its serialized form); nothing outside the store
//! depends on which partition a key lands in, only that the answer never changes.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// `hazelcast.partition.count`'s default. It is the modulus of the stored-key layout, so changing
/// it means rewriting every key of a data dir (the store's layout version guards against that).
pub const PARTITION_COUNT: u16 = 271;

/// Fixed seed of the partition hash. Part of the on-disk format: never change it.
pub const PARTITION_HASH_SEED: u64 = 0x5EA7_0271_0000_0001;

/// A partition number in `0..PARTITION_COUNT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartitionId(u16);

impl PartitionId {
    /// The partition of an encoded key.
    pub fn of(key: &[u8]) -> PartitionId {
        let hash = xxh3_64_with_seed(key, PARTITION_HASH_SEED);
        // The remainder is below PARTITION_COUNT, so it fits a u16.
        PartitionId((hash % u64::from(PARTITION_COUNT)) as u16)
    }

    /// `None` when `id` is not below [`PARTITION_COUNT`].
    pub fn new(id: u16) -> Option<PartitionId> {
        (id < PARTITION_COUNT).then_some(PartitionId(id))
    }

    pub fn get(self) -> u16 {
        self.0
    }

    /// Every partition, ascending.
    pub fn all() -> impl Iterator<Item = PartitionId> {
        (0..PARTITION_COUNT).map(PartitionId)
    }
}

impl std::fmt::Display for PartitionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden values from the reference C library (libxxhash 0.8.1, `XXH3_64bits_withSeed`
    /// called through Python ctypes), not from this code. If these change, every existing data
    /// dir becomes unreadable.
    #[test]
    fn assignment_matches_reference_xxh3() {
        assert_eq!(PartitionId::of(b"").get(), 23); // hash 0x5b73a0a8a37f7b62
        assert_eq!(PartitionId::of(b"job-1").get(), 42); // hash 0xe509783bd4cba4b5
        assert_eq!(PartitionId::of(&1_i64.to_be_bytes()).get(), 45); // hash 0x0c72b05741e8e34f
    }

    #[test]
    fn new_rejects_out_of_range() {
        assert_eq!(PartitionId::new(270).map(PartitionId::get), Some(270));
        assert_eq!(PartitionId::new(PARTITION_COUNT), None);
        assert_eq!(PartitionId::all().count(), usize::from(PARTITION_COUNT));
    }

    #[test]
    fn keys_spread_over_every_partition() {
        let mut hits = [0u32; PARTITION_COUNT as usize];
        for job_id in 0..100_000_i64 {
            hits[usize::from(PartitionId::of(&job_id.to_be_bytes()).get())] += 1;
        }
        // 100 000 keys over 271 partitions average ~369 each; a sound hash stays near that.
        let (min, max) = (hits.iter().min().unwrap(), hits.iter().max().unwrap());
        assert!(
            *min > 250 && *max < 500,
            "uneven spread: min {min}, max {max}"
        );
    }
}
