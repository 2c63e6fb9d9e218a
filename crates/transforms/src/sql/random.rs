//! Random numbers for `RAND()`/`RANDOM()` and `UUID()`.
//!
//! Unseeded calls draw from a per-task SplitMix64 generator seeded from the standard library's
//! per-process hash keys and the clock: unpredictable enough for sampling and unique ids, with
//! no extra dependency. `RAND(seed)` reproduces `new java.util.Random(seed).nextDouble()`
//! exactly, because a seeded call is meant to give the same number everywhere.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// SplitMix64's increment (the golden-ratio constant).
const SPLITMIX_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
/// `java.util.Random`'s LCG multiplier, addend and 48-bit mask.
const JAVA_MULTIPLIER: u64 = 0x5_DEEC_E66D;
const JAVA_ADDEND: u64 = 0xB;
const JAVA_MASK: u64 = (1 << 48) - 1;
/// 2^-53, the spacing of doubles in [0, 1) that `nextDouble` produces.
const DOUBLE_UNIT: f64 = 1.0 / (1u64 << 53) as f64;

#[derive(Debug)]
pub struct Rng {
    state: Cell<u64>,
}

impl Rng {
    pub fn from_entropy() -> Rng {
        let mut h = RandomState::new().build_hasher();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        h.write_u64(nanos);
        let marker = 0u8;
        h.write_usize(&marker as *const u8 as usize);
        Rng::with_seed(h.finish())
    }

    pub fn with_seed(seed: u64) -> Rng {
        Rng {
            state: Cell::new(seed),
        }
    }

    pub fn next_u64(&self) -> u64 {
        let s = self.state.get().wrapping_add(SPLITMIX_GAMMA);
        self.state.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A double in [0, 1).
    pub fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 * DOUBLE_UNIT
    }

    /// A random (version 4) UUID in Java's `UUID.toString()` form.
    pub fn uuid(&self) -> String {
        let hi = (self.next_u64() & !0xF000) | 0x4000;
        let lo = (self.next_u64() & !(0b11 << 62)) | (0b10 << 62);
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xFFFF,
            hi & 0xFFFF,
            lo >> 48,
            lo & 0xFFFF_FFFF_FFFF
        )
    }
}

/// `new java.util.Random(seed).nextDouble()`.
pub fn java_seeded_double(seed: i64) -> f64 {
    let mut state = (seed as u64 ^ JAVA_MULTIPLIER) & JAVA_MASK;
    let mut next = |bits: u32| {
        state = state
            .wrapping_mul(JAVA_MULTIPLIER)
            .wrapping_add(JAVA_ADDEND)
            & JAVA_MASK;
        state >> (48 - bits)
    };
    let high = next(26);
    let low = next(27);
    ((high << 27) + low) as f64 * DOUBLE_UNIT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_doubles_match_java() {
        // `new Random(42).nextDouble()` and `new Random(0).nextDouble()` in Java.
        assert_eq!(java_seeded_double(42), 0.7275636800328681);
        assert_eq!(java_seeded_double(0), 0.730967787376657);
    }

    #[test]
    fn uuids_are_version_4_and_distinct() {
        let rng = Rng::from_entropy();
        let a = rng.uuid();
        let b = rng.uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn doubles_stay_in_the_unit_interval() {
        let rng = Rng::with_seed(7);
        for _ in 0..1000 {
            let d = rng.next_f64();
            assert!((0.0..1.0).contains(&d));
        }
    }
}
