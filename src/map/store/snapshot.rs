//! Snapshots as 271 self-checking partition chunks.
//!
//! A chunk holds every entry of one partition across all maps, already in its wire form, so a
//! snapshot streams without re-encoding and a receiver can verify and retry each chunk on its own.
//! Chunk layout (integers big-endian):
//!
//! ```text
//! partition u16 | entry count u32 | (key len u32 | stored key | value len u32 | value)* | crc32 u32
//! ```
//!
//! The CRC covers every byte before it. A chunk is only ever constructed verified: every key
//! decodes, belongs to the chunk's partition (by prefix and by hash), and keys strictly ascend.
//! A [`VerifiedSnapshot`] has all 271 chunks exactly once, so installing one can never leave a
//! partition out. Stores write keys only through a [`MapId`](crate::map::MapId), so the one
//! prefix per known map that makes up a partition range covers every stored key.

use super::{AppliedState, LogId, SnapshotReader, StoreError};
use crate::map::codec::{self, KeyError};
use crate::map::partition::{PartitionId, PARTITION_COUNT};

const CHUNK_HEADER_LEN: usize = 6;
const CRC_LEN: usize = 4;
/// Identifies a whole-snapshot blob ("seatunnel map snapshot") and its layout version.
const BLOB_MAGIC: [u8; 4] = *b"STMS";
const BLOB_VERSION: u16 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot chunk of {0} bytes is shorter than its header and checksum")]
    ChunkTooShort(usize),
    #[error("snapshot chunk names partition {0}, not below {PARTITION_COUNT}")]
    PartitionOutOfRange(u16),
    #[error("snapshot chunk for partition {partition} fails its checksum (stored {stored:08x}, computed {computed:08x}); fetch the chunk again")]
    Checksum {
        partition: u16,
        stored: u32,
        computed: u32,
    },
    #[error("snapshot chunk for partition {partition} is malformed at byte {offset}")]
    Malformed { partition: u16, offset: usize },
    #[error("snapshot chunk for partition {partition}: {source}")]
    Key { partition: u16, source: KeyError },
    #[error("snapshot chunk for partition {partition} holds a key of partition {found}")]
    ForeignKey { partition: u16, found: u16 },
    #[error("snapshot chunk for partition {partition} is not in strictly ascending key order at entry {index}")]
    Unordered { partition: u16, index: u32 },
    #[error("snapshot holds partition {0} twice")]
    Duplicate(u16),
    #[error(
        "snapshot lacks {count} of {PARTITION_COUNT} partitions, the first missing is {first}"
    )]
    Missing { count: usize, first: u16 },
    #[error("snapshot blob is malformed: {0}")]
    Blob(&'static str),
}

/// Every entry of one partition across all maps, verified, in wire form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionChunk {
    partition: PartitionId,
    bytes: Vec<u8>,
}

impl PartitionChunk {
    /// Verifies received bytes (see the module doc for what is checked).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<PartitionChunk, SnapshotError> {
        if bytes.len() < CHUNK_HEADER_LEN + CRC_LEN {
            return Err(SnapshotError::ChunkTooShort(bytes.len()));
        }
        let raw_partition = u16::from_be_bytes([bytes[0], bytes[1]]);
        let partition = PartitionId::new(raw_partition)
            .ok_or(SnapshotError::PartitionOutOfRange(raw_partition))?;
        let (body, crc) = bytes.split_at(bytes.len() - CRC_LEN);
        let stored = u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]);
        let computed = crc32fast::hash(body);
        if stored != computed {
            return Err(SnapshotError::Checksum {
                partition: raw_partition,
                stored,
                computed,
            });
        }
        let count = u32::from_be_bytes([body[2], body[3], body[4], body[5]]);
        let mut check = OrderCheck::new(partition);
        let mut pos = CHUNK_HEADER_LEN;
        for _ in 0..count {
            let malformed = SnapshotError::Malformed {
                partition: raw_partition,
                offset: pos,
            };
            let (key, _, next) = read_entry(body, pos).ok_or(malformed)?;
            check.next(key)?;
            pos = next;
        }
        if pos != body.len() {
            return Err(SnapshotError::Malformed {
                partition: raw_partition,
                offset: pos,
            });
        }
        Ok(PartitionChunk { partition, bytes })
    }

    pub fn partition(&self) -> PartitionId {
        self.partition
    }

    /// The wire form, ready to stream.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn len(&self) -> usize {
        let b = &self.bytes;
        u32::from_be_bytes([b[2], b[3], b[4], b[5]]) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries as `(stored key, value)`, in ascending key order.
    pub fn entries(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        let body = &self.bytes[..self.bytes.len() - CRC_LEN];
        let mut pos = CHUNK_HEADER_LEN;
        std::iter::from_fn(move || {
            let (key, value, next) = read_entry(body, pos)?;
            pos = next;
            Some((key, value))
        })
    }
}

/// Builds a chunk from a store's entries, verifying them as they come.
pub(super) struct ChunkBuilder {
    check: OrderCheck,
    bytes: Vec<u8>,
    count: u32,
}

impl ChunkBuilder {
    pub(super) fn new(partition: PartitionId) -> ChunkBuilder {
        let mut bytes = Vec::with_capacity(64);
        bytes.extend_from_slice(&partition.get().to_be_bytes());
        bytes.extend_from_slice(&0u32.to_be_bytes());
        ChunkBuilder {
            check: OrderCheck::new(partition),
            bytes,
            count: 0,
        }
    }

    pub(super) fn push(&mut self, stored_key: &[u8], value: &[u8]) -> Result<(), SnapshotError> {
        self.check.next(stored_key)?;
        for field in [stored_key, value] {
            let len = u32::try_from(field.len()).map_err(|_| SnapshotError::Malformed {
                partition: self.check.partition.get(),
                offset: self.bytes.len(),
            })?;
            self.bytes.extend_from_slice(&len.to_be_bytes());
            self.bytes.extend_from_slice(field);
        }
        self.count += 1;
        Ok(())
    }

    pub(super) fn finish(mut self) -> PartitionChunk {
        self.bytes[2..6].copy_from_slice(&self.count.to_be_bytes());
        let crc = crc32fast::hash(&self.bytes);
        self.bytes.extend_from_slice(&crc.to_be_bytes());
        PartitionChunk {
            partition: self.check.partition,
            bytes: self.bytes,
        }
    }
}

/// Checks that keys belong to one partition and strictly ascend.
struct OrderCheck {
    partition: PartitionId,
    previous: Vec<u8>,
    index: u32,
}

impl OrderCheck {
    fn new(partition: PartitionId) -> OrderCheck {
        OrderCheck {
            partition,
            previous: Vec::new(),
            index: 0,
        }
    }

    fn next(&mut self, stored_key: &[u8]) -> Result<(), SnapshotError> {
        let partition = self.partition.get();
        let decoded =
            codec::decode(stored_key).map_err(|source| SnapshotError::Key { partition, source })?;
        if decoded.partition != self.partition {
            let found = decoded.partition.get();
            return Err(SnapshotError::ForeignKey { partition, found });
        }
        if self.index > 0 && stored_key <= &self.previous[..] {
            let index = self.index;
            return Err(SnapshotError::Unordered { partition, index });
        }
        self.previous.clear();
        self.previous.extend_from_slice(stored_key);
        self.index += 1;
        Ok(())
    }
}

/// Reads `len u32 | key | len u32 | value` at `pos`; `None` when the bytes run out.
fn read_entry(body: &[u8], pos: usize) -> Option<(&[u8], &[u8], usize)> {
    let (key, pos) = read_field(body, pos)?;
    let (value, pos) = read_field(body, pos)?;
    Some((key, value, pos))
}

fn read_field(body: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let len_bytes = body.get(pos..pos.checked_add(4)?)?;
    let len = u32::from_be_bytes(len_bytes.try_into().ok()?) as usize;
    let start = pos + 4;
    let end = start.checked_add(len)?;
    Some((body.get(start..end)?, end))
}

/// Collects chunks in any order and yields a snapshot only once every partition arrived once.
pub struct SnapshotAssembler {
    state: AppliedState,
    chunks: Vec<Option<PartitionChunk>>,
}

impl SnapshotAssembler {
    pub fn new(state: AppliedState) -> SnapshotAssembler {
        SnapshotAssembler {
            state,
            chunks: vec![None; usize::from(PARTITION_COUNT)],
        }
    }

    pub fn add(&mut self, chunk: PartitionChunk) -> Result<(), SnapshotError> {
        let slot = &mut self.chunks[usize::from(chunk.partition.get())];
        if slot.is_some() {
            return Err(SnapshotError::Duplicate(chunk.partition.get()));
        }
        *slot = Some(chunk);
        Ok(())
    }

    pub fn finish(self) -> Result<VerifiedSnapshot, SnapshotError> {
        let missing = self.chunks.iter().filter(|c| c.is_none()).count();
        if let Some(first) = self.chunks.iter().position(Option::is_none) {
            let first = first as u16;
            return Err(SnapshotError::Missing {
                count: missing,
                first,
            });
        }
        let chunks = self.chunks.into_iter().flatten().collect();
        Ok(VerifiedSnapshot {
            state: self.state,
            chunks,
        })
    }
}

/// A complete snapshot: the applied state and all 271 verified chunks, in partition order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSnapshot {
    state: AppliedState,
    chunks: Vec<PartitionChunk>,
}

impl VerifiedSnapshot {
    pub fn applied_state(&self) -> &AppliedState {
        &self.state
    }

    pub fn chunks(&self) -> &[PartitionChunk] {
        &self.chunks
    }

    /// Every `(stored key, value)`, partition by partition.
    pub fn entries(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.chunks.iter().flat_map(PartitionChunk::entries)
    }

    pub fn len(&self) -> usize {
        self.chunks.iter().map(PartitionChunk::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Reads all 271 partitions of a point-in-time view into a verified snapshot.
pub fn read_snapshot(reader: &dyn SnapshotReader) -> Result<VerifiedSnapshot, StoreError> {
    let mut assembler = SnapshotAssembler::new(reader.applied_state().clone());
    for partition in PartitionId::all() {
        assembler.add(reader.read_partition(partition)?)?;
    }
    Ok(assembler.finish()?)
}

/// One blob for transports that ship a snapshot whole:
/// `magic | version u16 | state | crc32(state) | (chunk len u32 | chunk)*`, where the state is
/// `flag u8 [log id 16]` then `flag u8 [len u32 | membership]`.
pub fn encode_snapshot(snapshot: &VerifiedSnapshot) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        64 + snapshot
            .chunks
            .iter()
            .map(|c| 4 + c.bytes.len())
            .sum::<usize>(),
    );
    out.extend_from_slice(&BLOB_MAGIC);
    out.extend_from_slice(&BLOB_VERSION.to_be_bytes());
    let state_start = out.len();
    match snapshot.state.last_applied {
        Some(id) => {
            out.push(1);
            out.extend_from_slice(&id.to_bytes());
        }
        None => out.push(0),
    }
    match &snapshot.state.membership {
        Some(m) => {
            out.push(1);
            out.extend_from_slice(&(m.len() as u32).to_be_bytes());
            out.extend_from_slice(m);
        }
        None => out.push(0),
    }
    let crc = crc32fast::hash(&out[state_start..]);
    out.extend_from_slice(&crc.to_be_bytes());
    for chunk in &snapshot.chunks {
        out.extend_from_slice(&(chunk.bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(&chunk.bytes);
    }
    out
}

/// Parses and verifies a blob from [`encode_snapshot`].
pub fn decode_snapshot(blob: &[u8]) -> Result<VerifiedSnapshot, SnapshotError> {
    let mut cursor = Cursor { blob, pos: 0 };
    if cursor.take(4)? != BLOB_MAGIC {
        return Err(SnapshotError::Blob(
            "not a seatunnel map snapshot (bad magic)",
        ));
    }
    if cursor.take(2)? != BLOB_VERSION.to_be_bytes() {
        return Err(SnapshotError::Blob("unsupported snapshot version"));
    }
    let state_start = cursor.pos;
    let last_applied = match cursor.take(1)?[0] {
        0 => None,
        1 => Some(LogId::from_bytes(cursor.take(LogId::ENCODED_LEN)?).ok_or(TRUNCATED)?),
        _ => return Err(SnapshotError::Blob("bad last-applied flag")),
    };
    let membership = match cursor.take(1)?[0] {
        0 => None,
        1 => Some(cursor.take_field()?.to_vec()),
        _ => return Err(SnapshotError::Blob("bad membership flag")),
    };
    let computed = crc32fast::hash(&blob[state_start..cursor.pos]);
    if cursor.take(4)? != computed.to_be_bytes() {
        return Err(SnapshotError::Blob("applied state fails its checksum"));
    }
    let mut assembler = SnapshotAssembler::new(AppliedState {
        last_applied,
        membership,
    });
    while cursor.pos < blob.len() {
        assembler.add(PartitionChunk::from_bytes(cursor.take_field()?.to_vec())?)?;
    }
    assembler.finish()
}

const TRUNCATED: SnapshotError = SnapshotError::Blob("truncated");

struct Cursor<'a> {
    blob: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.pos.checked_add(len).ok_or(TRUNCATED)?;
        let bytes = self.blob.get(self.pos..end).ok_or(TRUNCATED)?;
        self.pos = end;
        Ok(bytes)
    }

    fn take_field(&mut self) -> Result<&'a [u8], SnapshotError> {
        let (field, end) = read_field(self.blob, self.pos).ok_or(TRUNCATED)?;
        self.pos = end;
        Ok(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::MapId;

    /// Keys of `map` that hash to `partition`, ascending.
    fn keys_in(map: MapId, partition: PartitionId, count: usize) -> Vec<Vec<u8>> {
        let mut keys: Vec<Vec<u8>> = (0u32..)
            .map(|i| i.to_be_bytes().to_vec())
            .filter(|k| PartitionId::of(k) == partition)
            .take(count)
            .map(|k| codec::encode(map, &k))
            .collect();
        keys.sort();
        keys
    }

    fn chunk(partition: u16, count: usize) -> PartitionChunk {
        let partition = PartitionId::new(partition).unwrap();
        let mut builder = ChunkBuilder::new(partition);
        for map in [MapId::RunningJobInfo, MapId::FinishedJobState] {
            for key in keys_in(map, partition, count) {
                builder.push(&key, b"value").unwrap();
            }
        }
        builder.finish()
    }

    /// Frames arbitrary entries with a valid checksum, to reach the content checks.
    fn framed(partition: u16, entries: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut bytes = partition.to_be_bytes().to_vec();
        bytes.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        for (k, v) in entries {
            for field in [k, v] {
                bytes.extend_from_slice(&(field.len() as u32).to_be_bytes());
                bytes.extend_from_slice(field);
            }
        }
        let crc = crc32fast::hash(&bytes);
        bytes.extend_from_slice(&crc.to_be_bytes());
        bytes
    }

    fn full_snapshot() -> VerifiedSnapshot {
        let mut assembler = SnapshotAssembler::new(AppliedState {
            last_applied: Some(LogId { term: 3, index: 42 }),
            membership: Some(b"m".to_vec()),
        });
        for p in PartitionId::all() {
            assembler
                .add(chunk(p.get(), usize::from(p.get() % 3)))
                .unwrap();
        }
        assembler.finish().unwrap()
    }

    #[test]
    fn chunk_bytes_round_trip() {
        let original = chunk(17, 3);
        assert_eq!(original.len(), 6);
        let received = PartitionChunk::from_bytes(original.as_bytes().to_vec()).unwrap();
        assert_eq!(received, original);
        let entries: Vec<_> = received.entries().collect();
        assert_eq!(entries.len(), 6);
        assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn any_flipped_byte_is_detected() {
        let bytes = chunk(5, 2).as_bytes().to_vec();
        for i in 0..bytes.len() {
            let mut corrupt = bytes.clone();
            corrupt[i] ^= 0x01;
            assert!(
                PartitionChunk::from_bytes(corrupt).is_err(),
                "flip at byte {i} passed"
            );
        }
        assert_eq!(
            PartitionChunk::from_bytes(bytes[..9].to_vec()),
            Err(SnapshotError::ChunkTooShort(9))
        );
    }

    #[test]
    fn content_checks_hold_even_with_a_valid_checksum() {
        let p = PartitionId::new(8).unwrap();
        let keys = keys_in(MapId::RunningJobState, p, 2);
        let other = keys_in(MapId::RunningJobState, PartitionId::new(9).unwrap(), 1);
        let check = |partition, entries: &[(&[u8], &[u8])]| {
            PartitionChunk::from_bytes(framed(partition, entries)).unwrap_err()
        };
        let unordered = check(8, &[(&keys[1], b"v"), (&keys[0], b"v")]);
        assert_eq!(
            unordered,
            SnapshotError::Unordered {
                partition: 8,
                index: 1
            }
        );
        let duplicate = check(8, &[(&keys[0], b"v"), (&keys[0], b"v")]);
        assert!(matches!(duplicate, SnapshotError::Unordered { .. }));
        let foreign = check(8, &[(&other[0], b"v")]);
        assert_eq!(
            foreign,
            SnapshotError::ForeignKey {
                partition: 8,
                found: 9
            }
        );
        assert!(matches!(
            check(8, &[(b"ab", b"v")]),
            SnapshotError::Key { .. }
        ));
        assert_eq!(check(300, &[]), SnapshotError::PartitionOutOfRange(300));
        // A count larger than the entries present.
        let mut short = framed(8, &[(&keys[0], b"v")]);
        short[5] = 2;
        let body_len = short.len() - CRC_LEN;
        let crc = crc32fast::hash(&short[..body_len]);
        short[body_len..].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(
            PartitionChunk::from_bytes(short),
            Err(SnapshotError::Malformed { partition: 8, .. })
        ));
    }

    #[test]
    fn builder_refuses_what_a_reader_would() {
        let p = PartitionId::new(8).unwrap();
        let keys = keys_in(MapId::RunningJobState, p, 2);
        let mut builder = ChunkBuilder::new(p);
        builder.push(&keys[1], b"v").unwrap();
        assert!(builder.push(&keys[0], b"v").is_err());
        let other = keys_in(MapId::RunningJobState, PartitionId::new(9).unwrap(), 1);
        assert!(ChunkBuilder::new(p).push(&other[0], b"v").is_err());
    }

    #[test]
    fn assembler_needs_every_partition_exactly_once() {
        let mut assembler = SnapshotAssembler::new(AppliedState::default());
        for p in PartitionId::all().filter(|p| p.get() != 200 && p.get() != 3) {
            assembler.add(chunk(p.get(), 0)).unwrap();
        }
        assert_eq!(assembler.add(chunk(7, 0)), Err(SnapshotError::Duplicate(7)));
        let err = assembler.finish().unwrap_err();
        assert_eq!(err, SnapshotError::Missing { count: 2, first: 3 });
        assert_eq!(
            err.to_string(),
            "snapshot lacks 2 of 271 partitions, the first missing is 3"
        );
    }

    #[test]
    fn blob_round_trips_and_rejects_damage() {
        let snapshot = full_snapshot();
        let blob = encode_snapshot(&snapshot);
        assert_eq!(decode_snapshot(&blob).unwrap(), snapshot);

        let mut bad_state = blob.clone();
        bad_state[8] ^= 0xFF; // inside the log id
        assert_eq!(
            decode_snapshot(&bad_state),
            Err(SnapshotError::Blob("applied state fails its checksum"))
        );
        assert!(decode_snapshot(&blob[..blob.len() - 1]).is_err());
        let mut bad_magic = blob.clone();
        bad_magic[0] = b'X';
        assert!(decode_snapshot(&bad_magic).is_err());
        // Dropping the last chunk's frame leaves a partition missing.
        let last_frame = 4 + snapshot.chunks().last().unwrap().as_bytes().len();
        let err = decode_snapshot(&blob[..blob.len() - last_frame]).unwrap_err();
        assert_eq!(
            err,
            SnapshotError::Missing {
                count: 1,
                first: 270
            }
        );
    }
}
