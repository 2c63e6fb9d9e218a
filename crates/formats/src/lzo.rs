//! The LZO1X block codec: the compressed payload inside an lzop block.
//!
//! Both directions are written from the published format description (Oberhumer's LZO1X as the
//! Linux kernel documents it in `Documentation/staging/lzo.rst`). The decoder checks every bound,
//! so a corrupt or hostile block yields an error, never a panic. The encoder is a greedy
//! hash-chain-free LZ77 with one candidate per 4-byte hash; it emits only the instruction forms
//! any LZO1X decoder accepts (M2, M3, M4 matches and literal runs), so `lzop -d` and Hadoop's
//! `LzopCodec` read its output.

/// Matches are found on 4-byte prefixes; shorter ones rarely pay for their instruction.
const MIN_MATCH: usize = 4;
/// Hash table size (entries) for the encoder; 16 Ki entries keep it in L1/L2 cache.
const HASH_BITS: u32 = 14;
/// M2: length 3..=8 at distance up to 2 KiB, two bytes.
const M2_MAX_LEN: usize = 8;
const M2_MAX_OFFSET: usize = 0x0800;
/// M3: any length at distance up to 16 KiB.
const M3_MAX_LEN: usize = 33;
const M3_MAX_OFFSET: usize = 0x4000;
/// M4: any length at distance 16 KiB + 1 ..= 48 KiB - 1.
const M4_MAX_LEN: usize = 9;
const M4_MAX_OFFSET: usize = 0xbfff;
/// The end-of-stream instruction: an M4 match of length 3 at distance 16 KiB.
const EOF_MARKER: [u8; 3] = [0x11, 0x00, 0x00];
/// A length run of zero bytes longer than this cannot come from a sane block (lzop blocks are at
/// most 64 MiB); stops a hostile input from spinning.
const MAX_ZERO_RUN: usize = (64 << 20) / 255;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LzoError {
    #[error("lzo block is truncated")]
    InputOverrun,
    #[error("lzo block decodes to more than the {0} bytes its header announces")]
    OutputOverrun(usize),
    #[error("lzo block refers back {distance} bytes but only {available} were decoded")]
    LookBehind { distance: usize, available: usize },
    #[error("lzo block has {0} bytes after its end marker")]
    TrailingInput(usize),
    #[error("lzo block has a malformed end marker")]
    BadEndMarker,
    #[error("lzo block decodes to {got} bytes but its header announces {expected}")]
    LengthMismatch { got: usize, expected: usize },
}

struct Input<'a> {
    src: &'a [u8],
    ip: usize,
}

impl Input<'_> {
    fn byte(&mut self) -> Result<u8, LzoError> {
        let b = *self.src.get(self.ip).ok_or(LzoError::InputOverrun)?;
        self.ip += 1;
        Ok(b)
    }

    fn le16(&mut self) -> Result<usize, LzoError> {
        let lo = self.byte()? as usize;
        let hi = self.byte()? as usize;
        Ok(lo | (hi << 8))
    }

    /// A long length: zero bytes each add 255, then one non-zero byte ends it.
    fn run_length(&mut self, base: usize) -> Result<usize, LzoError> {
        let mut zeros = 0usize;
        loop {
            match self.byte()? {
                0 => {
                    zeros += 1;
                    if zeros > MAX_ZERO_RUN {
                        return Err(LzoError::InputOverrun);
                    }
                }
                b => return Ok(zeros * 255 + base + b as usize),
            }
        }
    }

    fn literals(&mut self, n: usize, out: &mut Vec<u8>, limit: usize) -> Result<(), LzoError> {
        let end = self.ip.checked_add(n).ok_or(LzoError::InputOverrun)?;
        let bytes = self.src.get(self.ip..end).ok_or(LzoError::InputOverrun)?;
        if out.len() + n > limit {
            return Err(LzoError::OutputOverrun(limit));
        }
        out.extend_from_slice(bytes);
        self.ip = end;
        Ok(())
    }
}

fn copy_match(
    out: &mut Vec<u8>,
    distance: usize,
    len: usize,
    limit: usize,
) -> Result<(), LzoError> {
    if distance == 0 || distance > out.len() {
        return Err(LzoError::LookBehind {
            distance,
            available: out.len(),
        });
    }
    if out.len() + len > limit {
        return Err(LzoError::OutputOverrun(limit));
    }
    let start = out.len() - distance;
    if distance >= len {
        out.extend_from_within(start..start + len);
    } else {
        // Overlapping copy: the match repeats bytes it is producing.
        for i in 0..len {
            let b = out[start + i];
            out.push(b);
        }
    }
    Ok(())
}

/// Decodes one LZO1X block that must produce exactly `expected` bytes into `out` (cleared first).
pub fn decompress(src: &[u8], expected: usize, out: &mut Vec<u8>) -> Result<(), LzoError> {
    out.clear();
    out.reserve(expected);
    let mut input = Input { src, ip: 0 };
    // Literals copied right after the last instruction: 0..=3, or 4 after a literal run.
    let mut state: usize;
    match src.first() {
        Some(&first) if first > 17 => {
            input.ip = 1;
            let n = (first - 17) as usize;
            input.literals(n, out, expected)?;
            state = if n < 4 { n } else { 4 };
        }
        _ => state = 0,
    }
    loop {
        let t = input.byte()? as usize;
        let (distance, len, next);
        if t < 16 {
            if state == 0 {
                let n = if t == 0 { input.run_length(15)? } else { t } + 3;
                input.literals(n, out, expected)?;
                state = 4;
                continue;
            }
            let b = input.byte()? as usize;
            next = t & 3;
            if state == 4 {
                distance = 1 + M2_MAX_OFFSET + (t >> 2) + (b << 2);
                len = 3;
            } else {
                distance = 1 + (t >> 2) + (b << 2);
                len = 2;
            }
        } else if t >= 64 {
            let b = input.byte()? as usize;
            distance = 1 + ((t >> 2) & 7) + (b << 3);
            len = (t >> 5) + 1;
            next = t & 3;
        } else if t >= 32 {
            let short = t & 31;
            len = if short == 0 {
                input.run_length(31)?
            } else {
                short
            } + 2;
            let v = input.le16()?;
            distance = 1 + (v >> 2);
            next = v & 3;
        } else {
            let high = (t & 8) << 11;
            let short = t & 7;
            len = if short == 0 {
                input.run_length(7)?
            } else {
                short
            } + 2;
            let v = input.le16()?;
            let d = high + (v >> 2);
            if d == 0 {
                if len != 3 {
                    return Err(LzoError::BadEndMarker);
                }
                if input.ip != src.len() {
                    return Err(LzoError::TrailingInput(src.len() - input.ip));
                }
                if out.len() != expected {
                    return Err(LzoError::LengthMismatch {
                        got: out.len(),
                        expected,
                    });
                }
                return Ok(());
            }
            distance = d + M3_MAX_OFFSET;
            next = v & 3;
        }
        copy_match(out, distance, len, expected)?;
        input.literals(next, out, expected)?;
        state = next;
    }
}

/// A reusable LZO1X encoder; keeps its hash table between blocks.
pub struct Compressor {
    table: Vec<u32>,
}

impl Default for Compressor {
    fn default() -> Self {
        Compressor::new()
    }
}

const EMPTY: u32 = u32::MAX;

fn read_u32(src: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([src[at], src[at + 1], src[at + 2], src[at + 3]])
}

fn hash(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

fn push_run(out: &mut Vec<u8>, mut rest: usize) {
    while rest > 255 {
        rest -= 255;
        out.push(0);
    }
    out.push(rest as u8);
}

impl Compressor {
    pub fn new() -> Compressor {
        Compressor {
            table: vec![EMPTY; 1 << HASH_BITS],
        }
    }

    /// Appends the LZO1X encoding of `src` (one independent block) to `out`.
    pub fn compress(&mut self, src: &[u8], out: &mut Vec<u8>) {
        self.table.fill(EMPTY);
        let base = out.len();
        // Where the low two bits of the last match instruction live (its `op[-2]` byte).
        let mut last_match_end: Option<usize> = None;
        let mut lit_start = 0usize;
        let mut i = 0usize;
        while i + MIN_MATCH <= src.len() {
            let key = read_u32(src, i);
            let h = hash(key);
            let cand = self.table[h];
            self.table[h] = i as u32;
            if cand != EMPTY {
                let cand = cand as usize;
                let distance = i - cand;
                if distance <= M4_MAX_OFFSET && read_u32(src, cand) == key {
                    let mut len = MIN_MATCH;
                    while i + len < src.len() && src[cand + len] == src[i + len] {
                        len += 1;
                    }
                    emit_literals(out, base, last_match_end, &src[lit_start..i]);
                    emit_match(out, distance, len);
                    last_match_end = Some(out.len());
                    i += len;
                    lit_start = i;
                    continue;
                }
            }
            i += 1;
        }
        emit_literals(out, base, last_match_end, &src[lit_start..]);
        out.extend_from_slice(&EOF_MARKER);
    }
}

fn emit_literals(out: &mut Vec<u8>, base: usize, last_match_end: Option<usize>, lits: &[u8]) {
    let n = lits.len();
    if n == 0 {
        return;
    }
    match last_match_end {
        None if out.len() == base && n <= 238 => out.push((17 + n) as u8),
        Some(end) if n <= 3 => out[end - 2] |= n as u8,
        _ if n <= 18 => out.push((n - 3) as u8),
        _ => {
            out.push(0);
            push_run(out, n - 18);
        }
    }
    out.extend_from_slice(lits);
}

fn emit_match(out: &mut Vec<u8>, distance: usize, len: usize) {
    if len <= M2_MAX_LEN && distance <= M2_MAX_OFFSET {
        let off = distance - 1;
        out.push((((len - 1) << 5) | ((off & 7) << 2)) as u8);
        out.push((off >> 3) as u8);
        return;
    }
    let off = if distance <= M3_MAX_OFFSET {
        let off = distance - 1;
        if len <= M3_MAX_LEN {
            out.push((32 | (len - 2)) as u8);
        } else {
            out.push(32);
            push_run(out, len - M3_MAX_LEN);
        }
        off
    } else {
        let off = distance - M3_MAX_OFFSET;
        let high = ((off >> 11) & 8) as u8;
        if len <= M4_MAX_LEN {
            out.push(16 | high | (len - 2) as u8);
        } else {
            out.push(16 | high);
            push_run(out, len - M4_MAX_LEN);
        }
        off
    };
    out.push((off << 2) as u8);
    out.push((off >> 6) as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) -> usize {
        let mut packed = Vec::new();
        Compressor::new().compress(data, &mut packed);
        let mut back = Vec::new();
        decompress(&packed, data.len(), &mut back).unwrap();
        assert_eq!(back, data);
        packed.len()
    }

    /// A deterministic pseudo-random byte stream (xorshift), so tests need no rand crate.
    fn noise(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn empty_and_tiny_inputs_round_trip() {
        for len in 0..40 {
            round_trip(&noise(len, len as u64 + 7));
        }
        assert_eq!(round_trip(b""), 3);
    }

    #[test]
    fn repetitive_text_compresses_and_round_trips() {
        let text = b"c_string\x01c_int\x01c_double\n".repeat(5000);
        let packed = round_trip(&text);
        assert!(packed < text.len() / 10, "packed {packed} bytes");
    }

    #[test]
    fn every_match_form_round_trips() {
        // Long runs (M3/M4 length extensions), far matches (M4 distances) and short literals.
        let mut data = Vec::new();
        data.extend(std::iter::repeat_n(b'a', 1000));
        let far = noise(30_000, 3);
        data.extend_from_slice(&far);
        data.extend_from_slice(&far[..5000]);
        data.extend_from_slice(b"xyz");
        data.extend_from_slice(&far[100..700]);
        data.extend(noise(300, 9));
        data.extend_from_slice(&far[..20]);
        round_trip(&data);
        round_trip(&noise(200_000, 11));
    }

    #[test]
    fn decodes_block_made_by_lzop() {
        // The payload of the block `lzop` 1.04 (LZO 2.10) wrote for this text: a literal run, an
        // M3 match with an extended length, and a long literal run.
        let block = [
            0x0a, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x77, 0x6f, 0x72, 0x6c, 0x64, 0x2c, 0x20,
            0x20, 0x6e, 0x30, 0x00, 0x00, 0x02, 0x74, 0x68, 0x65, 0x20, 0x71, 0x75, 0x69, 0x63,
            0x6b, 0x20, 0x62, 0x72, 0x6f, 0x77, 0x6e, 0x20, 0x66, 0x6f, 0x78, 0x0a, 0x11, 0x00,
            0x00,
        ];
        let expected = format!("{}the quick brown fox\n", "hello world, ".repeat(12));
        let mut out = Vec::new();
        decompress(&block, expected.len(), &mut out).unwrap();
        assert_eq!(out, expected.as_bytes());
    }

    #[test]
    fn corrupt_blocks_are_errors_not_panics() {
        let text = b"abcdefgh".repeat(100);
        let mut packed = Vec::new();
        Compressor::new().compress(&text, &mut packed);
        let mut out = Vec::new();
        assert_eq!(
            decompress(&packed[..packed.len() - 2], text.len(), &mut out),
            Err(LzoError::InputOverrun)
        );
        assert!(matches!(
            decompress(&packed, 10, &mut out),
            Err(LzoError::OutputOverrun(10))
        ));
        // A match before any output refers to nothing.
        assert!(matches!(
            decompress(&[0x11, 0x04, 0x00, 0x11, 0, 0], 10, &mut out),
            Err(LzoError::LookBehind { .. })
        ));
        for seed in 0..200 {
            let junk = noise(64, seed);
            let _ = decompress(&junk, 1000, &mut out);
        }
    }
}
