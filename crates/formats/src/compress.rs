//! `compress_codec = lzo`: the lzop container around LZO1X blocks, as `lzop` and Hadoop's
//! `LzopCodec` write it.
//!
//! Layout (all integers big-endian): a 9-byte magic; a header (versions, method, level, flags,
//! mode, mtime, file name) closed by its Adler-32 or CRC-32; then blocks of
//! `uncompressed_len, compressed_len, [checksums], payload`, where a payload as long as its
//! uncompressed length is stored raw; a zero length ends the stream. Which checksums a block
//! carries is set by header flags.

use std::io::{self, Read, Write};

use super::lzo::{self, Compressor};

const MAGIC: [u8; 9] = [0x89, b'L', b'Z', b'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a];
/// Header fields we write: lzop 1.04 with LZO 2.10, as `lzop` itself stamps them.
const WRITE_VERSION: u16 = 0x1040;
const WRITE_LIB_VERSION: u16 = 0x20a0;
const WRITE_VERSION_NEEDED: u16 = 0x0940;
/// Headers from this version on carry `version_needed`, `level` and `mtime_high`.
const VERSION_WITH_EXTRAS: u16 = 0x0940;
/// LZO1X methods lzop knows: 1 = LZO1X-1, 2 = LZO1X-1(15), 3 = LZO1X-999. All decode the same.
const LZO1X_METHODS: [u8; 3] = [1, 2, 3];
const METHOD_LZO1X_1: u8 = 1;
const DEFAULT_LEVEL: u8 = 5;
/// lzop's block size; blocks compress independently.
const BLOCK_SIZE: usize = 256 * 1024;
/// lzop refuses blocks above 64 MiB; so do we, before allocating for one.
const MAX_BLOCK_SIZE: usize = 64 * 1024 * 1024;
/// `-rw-r--r--` regular file, recorded in the header as `lzop` does.
const FILE_MODE: u32 = 0o100644;

const F_ADLER32_D: u32 = 0x0001;
const F_ADLER32_C: u32 = 0x0002;
const F_H_EXTRA_FIELD: u32 = 0x0040;
const F_CRC32_D: u32 = 0x0100;
const F_CRC32_C: u32 = 0x0200;
const F_H_FILTER: u32 = 0x0800;
const F_H_CRC32: u32 = 0x1000;
/// Operating-system field of the flags: Unix.
const F_OS_UNIX: u32 = 0x0300_0000;

/// Adler-32 as zlib defines it (lzop's default checksum).
pub fn adler32(data: &[u8]) -> u32 {
    /// Largest run of sums that cannot overflow u32 before the modulo (zlib's NMAX).
    const NMAX: usize = 5552;
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(NMAX) {
        for &byte in chunk {
            a += byte as u32;
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Reads the header fields in order while keeping the bytes the header checksum covers.
struct HeaderReader<'a, R: Read> {
    inner: &'a mut R,
    seen: Vec<u8>,
}

impl<R: Read> HeaderReader<'_, R> {
    fn bytes(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0; n];
        self.inner.read_exact(&mut buf)?;
        self.seen.extend_from_slice(&buf);
        Ok(buf)
    }
    fn u8(&mut self) -> io::Result<u8> {
        Ok(self.bytes(1)?[0])
    }
    fn u16(&mut self) -> io::Result<u16> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> io::Result<u32> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

fn read_u32(r: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_be_bytes(b))
}

fn checksum(flags: u32, data: &[u8]) -> u32 {
    if flags & F_H_CRC32 != 0 {
        crc32fast::hash(data)
    } else {
        adler32(data)
    }
}

/// Decompresses an lzop stream as it is read.
pub struct LzopReader<R: Read> {
    inner: R,
    flags: u32,
    compressed: Vec<u8>,
    block: Vec<u8>,
    pos: usize,
    done: bool,
}

impl<R: Read> LzopReader<R> {
    /// Reads and checks the header; fails on anything that is not an lzop LZO1X stream.
    pub fn new(mut inner: R) -> io::Result<LzopReader<R>> {
        let mut magic = [0u8; 9];
        inner
            .read_exact(&mut magic)
            .map_err(|_| invalid("not an lzop file (too short for the lzop magic)"))?;
        if magic != MAGIC {
            return Err(invalid(
                "not an lzop file (bad magic); compress it with lzop",
            ));
        }
        let mut h = HeaderReader {
            inner: &mut inner,
            seen: Vec::new(),
        };
        let version = h.u16()?;
        let _lib_version = h.u16()?;
        if version >= VERSION_WITH_EXTRAS {
            let _version_needed = h.u16()?;
        }
        let method = h.u8()?;
        if !LZO1X_METHODS.contains(&method) {
            return Err(invalid(format!(
                "not supported: lzop method {method} (only LZO1X methods 1, 2 and 3)"
            )));
        }
        if version >= VERSION_WITH_EXTRAS {
            let _level = h.u8()?;
        }
        let flags = h.u32()?;
        if flags & F_H_FILTER != 0 {
            return Err(invalid("not supported: lzop files written with a filter"));
        }
        let _mode = h.u32()?;
        let _mtime_low = h.u32()?;
        if version >= VERSION_WITH_EXTRAS {
            let _mtime_high = h.u32()?;
        }
        let name_len = h.u8()? as usize;
        h.bytes(name_len)?;
        let covered = std::mem::take(&mut h.seen);
        let stored = read_u32(&mut inner)?;
        if stored != checksum(flags, &covered) {
            return Err(invalid("lzop header checksum mismatch (corrupt file)"));
        }
        if flags & F_H_EXTRA_FIELD != 0 {
            let len = read_u32(&mut inner)? as usize;
            if len > MAX_BLOCK_SIZE {
                return Err(invalid("lzop extra header field is implausibly large"));
            }
            let mut extra = vec![0; len];
            inner.read_exact(&mut extra)?;
            let _extra_checksum = read_u32(&mut inner)?;
        }
        Ok(LzopReader {
            inner,
            flags,
            compressed: Vec::new(),
            block: Vec::new(),
            pos: 0,
            done: false,
        })
    }

    fn next_block(&mut self) -> io::Result<()> {
        let dst_len = read_u32(&mut self.inner)? as usize;
        if dst_len == 0 {
            self.done = true;
            return Ok(());
        }
        if dst_len > MAX_BLOCK_SIZE {
            return Err(invalid(format!(
                "lzop block of {dst_len} bytes exceeds the 64 MiB limit (corrupt file)"
            )));
        }
        let src_len = read_u32(&mut self.inner)? as usize;
        if src_len > dst_len {
            return Err(invalid(
                "lzop block is larger compressed than plain (corrupt file)",
            ));
        }
        let adler_d = (self.flags & F_ADLER32_D != 0)
            .then(|| read_u32(&mut self.inner))
            .transpose()?;
        let crc_d = (self.flags & F_CRC32_D != 0)
            .then(|| read_u32(&mut self.inner))
            .transpose()?;
        let packed = src_len < dst_len;
        let adler_c = (packed && self.flags & F_ADLER32_C != 0)
            .then(|| read_u32(&mut self.inner))
            .transpose()?;
        let crc_c = (packed && self.flags & F_CRC32_C != 0)
            .then(|| read_u32(&mut self.inner))
            .transpose()?;
        self.compressed.resize(src_len, 0);
        self.inner
            .read_exact(&mut self.compressed)
            .map_err(|_| invalid("lzop file is truncated inside a block"))?;
        if adler_c.is_some_and(|c| c != adler32(&self.compressed))
            || crc_c.is_some_and(|c| c != crc32fast::hash(&self.compressed))
        {
            return Err(invalid(
                "lzop compressed block checksum mismatch (corrupt file)",
            ));
        }
        if packed {
            lzo::decompress(&self.compressed, dst_len, &mut self.block)
                .map_err(|e| invalid(e.to_string()))?;
        } else {
            std::mem::swap(&mut self.block, &mut self.compressed);
        }
        if adler_d.is_some_and(|c| c != adler32(&self.block))
            || crc_d.is_some_and(|c| c != crc32fast::hash(&self.block))
        {
            return Err(invalid("lzop block checksum mismatch (corrupt file)"));
        }
        self.pos = 0;
        Ok(())
    }
}

impl<R: Read> Read for LzopReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.block.len() {
            if self.done {
                return Ok(0);
            }
            self.block.clear();
            self.pos = 0;
            self.next_block()?;
        }
        let n = buf.len().min(self.block.len() - self.pos);
        buf[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

thread_local! {
    /// One encoder (and its 64 KiB hash table) per thread, shared by every stream the thread
    /// writes: a partitioned sink may have thousands of lzop files open at once.
    static COMPRESSOR: std::cell::RefCell<Compressor> = std::cell::RefCell::new(Compressor::new());
}

/// Compresses into an lzop stream; [`LzopWriter::finish`] writes the end marker.
/// [`Write::flush`] ends the current block early (lzop blocks may be shorter than the block
/// size), so a flushed writer buffers nothing.
pub struct LzopWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
    packed: Vec<u8>,
}

impl<W: Write> LzopWriter<W> {
    pub fn new(mut inner: W) -> io::Result<LzopWriter<W>> {
        let mut header = Vec::with_capacity(40);
        header.extend_from_slice(&WRITE_VERSION.to_be_bytes());
        header.extend_from_slice(&WRITE_LIB_VERSION.to_be_bytes());
        header.extend_from_slice(&WRITE_VERSION_NEEDED.to_be_bytes());
        header.push(METHOD_LZO1X_1);
        header.push(DEFAULT_LEVEL);
        header.extend_from_slice(&(F_ADLER32_D | F_OS_UNIX).to_be_bytes());
        header.extend_from_slice(&FILE_MODE.to_be_bytes());
        header.extend_from_slice(&0u32.to_be_bytes()); // mtime low
        header.extend_from_slice(&0u32.to_be_bytes()); // mtime high
        header.push(0); // no file name
        let sum = adler32(&header);
        inner.write_all(&MAGIC)?;
        inner.write_all(&header)?;
        inner.write_all(&sum.to_be_bytes())?;
        Ok(LzopWriter {
            inner,
            pending: Vec::new(),
            packed: Vec::new(),
        })
    }

    fn flush_block(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.packed.clear();
        COMPRESSOR.with(|c| c.borrow_mut().compress(&self.pending, &mut self.packed));
        let plain = &self.pending;
        let stored_raw = self.packed.len() >= plain.len();
        let payload: &[u8] = if stored_raw { plain } else { &self.packed };
        self.inner.write_all(&(plain.len() as u32).to_be_bytes())?;
        self.inner
            .write_all(&(payload.len() as u32).to_be_bytes())?;
        self.inner.write_all(&adler32(plain).to_be_bytes())?;
        self.inner.write_all(payload)?;
        self.pending.clear();
        Ok(())
    }

    /// The writer the compressed stream goes to (so a `Vec` sink can be drained between
    /// blocks).
    pub fn inner_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Writes the last block and the end marker and hands back the inner writer, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush_block()?;
        self.inner.write_all(&0u32.to_be_bytes())?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for LzopWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(BLOCK_SIZE - self.pending.len());
        self.pending.extend_from_slice(&buf[..n]);
        if self.pending.len() == BLOCK_SIZE {
            self.flush_block()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_block()?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `printf 'hello world, ' x12 'the quick brown fox\n' | lzop` (lzop 1.04, LZO 2.10).
    const LZOP_FILE: [u8; 103] = [
        0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a, 0x10, 0x40, 0x20, 0xa0, 0x09, 0x40,
        0x01, 0x05, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x81, 0xa4, 0x6b, 0x04, 0xa5, 0xdf, 0x00,
        0x00, 0x00, 0x00, 0x06, 0x68, 0x32, 0x2e, 0x74, 0x78, 0x74, 0x5a, 0x3b, 0x06, 0xaa, 0x00,
        0x00, 0x00, 0xb0, 0x00, 0x00, 0x00, 0x2b, 0xef, 0x73, 0x3f, 0x1e, 0x0a, 0x68, 0x65, 0x6c,
        0x6c, 0x6f, 0x20, 0x77, 0x6f, 0x72, 0x6c, 0x64, 0x2c, 0x20, 0x20, 0x6e, 0x30, 0x00, 0x00,
        0x02, 0x74, 0x68, 0x65, 0x20, 0x71, 0x75, 0x69, 0x63, 0x6b, 0x20, 0x62, 0x72, 0x6f, 0x77,
        0x6e, 0x20, 0x66, 0x6f, 0x78, 0x0a, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    fn read_all(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        LzopReader::new(bytes)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn adler32_matches_zlib() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn reads_a_file_written_by_lzop() {
        let expected = format!("{}the quick brown fox\n", "hello world, ".repeat(12));
        assert_eq!(read_all(&LZOP_FILE).unwrap(), expected.as_bytes());
    }

    #[test]
    fn writes_what_it_reads_across_blocks() {
        let mut data = Vec::new();
        for i in 0..120_000u32 {
            data.extend_from_slice(format!("row {i}\u{1}{}\n", i % 97).as_bytes());
        }
        let mut w = LzopWriter::new(Vec::new()).unwrap();
        for chunk in data.chunks(7777) {
            w.write_all(chunk).unwrap();
        }
        let file = w.finish().unwrap();
        assert!(file.len() < data.len() / 2);
        assert_eq!(read_all(&file).unwrap(), data);
        // Flushing ends a block early; the stream still reads back whole.
        let mut w = LzopWriter::new(Vec::new()).unwrap();
        for chunk in data.chunks(50_000) {
            w.write_all(chunk).unwrap();
            w.flush().unwrap();
            assert!(w.pending.is_empty());
        }
        assert_eq!(read_all(&w.finish().unwrap()).unwrap(), data);
        // An empty stream is a header and the end marker.
        let empty = LzopWriter::new(Vec::new()).unwrap().finish().unwrap();
        assert_eq!(read_all(&empty).unwrap(), b"");
    }

    #[test]
    fn rejects_corruption_and_other_formats() {
        assert!(read_all(b"plain text, not lzop").is_err());
        let mut bad_header = LZOP_FILE;
        bad_header[20] ^= 1;
        assert!(read_all(&bad_header)
            .unwrap_err()
            .to_string()
            .contains("header checksum"));
        let mut bad_block = LZOP_FILE;
        bad_block[70] ^= 0x40;
        assert!(read_all(&bad_block).is_err());
        assert!(read_all(&LZOP_FILE[..80]).is_err());
    }
}
