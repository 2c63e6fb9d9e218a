//! Flake-style 64-bit job ids, shaped like Hazelcast's `FlakeIdGenerator` output that SeaTunnel
//! uses (`733584788375666689`): time in the high bits, a node id and a sequence below.
//!
//! Layout (Hazelcast's): 41 bits of milliseconds since a custom epoch, 6 bits of sequence, 16 bits
//! of node id. Ids are positive, increase with time on one node, and never repeat within a process
//! even if the clock steps back (the generator never issues a timestamp lower than its last).

use std::sync::Mutex;

/// Hazelcast's flake epoch, 2018-01-01T00:00:00Z, so ids have the same magnitude as SeaTunnel's.
const EPOCH_MS: i64 = 1_514_764_800_000;
const SEQUENCE_BITS: u32 = 6;
const NODE_BITS: u32 = 16;

#[derive(Debug)]
pub struct IdGenerator {
    node_id: u16,
    /// Last (timestamp, sequence) issued.
    last: Mutex<(i64, u64)>,
}

impl IdGenerator {
    pub fn new(node_id: u16) -> IdGenerator {
        IdGenerator {
            node_id,
            last: Mutex::new((0, 0)),
        }
    }

    pub fn next_id(&self) -> i64 {
        let now = chrono::Utc::now().timestamp_millis() - EPOCH_MS;
        let mut last = self.last.lock().expect("id generator lock poisoned");
        let (mut ts, mut seq) = *last;
        if now > ts {
            ts = now;
            seq = 0;
        } else {
            seq += 1;
            if seq >= 1 << SEQUENCE_BITS {
                // Borrow from the future rather than repeat; the clock catches up.
                ts += 1;
                seq = 0;
            }
        }
        *last = (ts, seq);
        (ts << (SEQUENCE_BITS + NODE_BITS)) | ((seq as i64) << NODE_BITS) | self.node_id as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_increasing_and_seatunnel_sized() {
        let g = IdGenerator::new(7);
        let ids: Vec<i64> = (0..1000).map(|_| g.next_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids[0] > 100_000_000_000_000_000, "id {} too small", ids[0]);
        assert_eq!(ids[0] & 0xffff, 7);
    }
}
