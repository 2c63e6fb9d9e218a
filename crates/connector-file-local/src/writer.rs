//! The LocalFile sink writer: rows to files, one open file per partition directory.
//!
//! Names and places follow SeaTunnel's `AbstractWriteStrategy`:
//! - transaction id `T_<jobId>_<uuid10>_<subtask>_<checkpoint>` (checkpoints count from 1; the
//!   10-hex-digit uuid keeps writers of one job apart);
//! - file name `file_name_expression` with `${transactionId}`, `${now}` (in
//!   `filename_time_format`), `${uuid}` filled in, then `_<part>`, the compression suffix and the
//!   format suffix: `T_1_ab12cd34ef_0_1_0.txt`, `….lzo.txt`;
//! - with transactions, files are written under
//!   `<tmp_path>/seatunnel/<jobId>/<uuid10>/<transactionId>/<partition dir | NON_PARTITION>/`
//!   and moved to `<path>/<partition dir>/` by the sink's commit; without, written in place;
//! - rows are separated by `row_delimiter` (none after the last); a new part starts every
//!   `batch_size` rows; an optional header line opens every file.
//!
//! Rows are encoded straight from the batch into a per-file buffer that is written out in large
//! chunks; the row loop allocates nothing when no partitioning is configured.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use encoding_rs::EncoderResult;

use super::commit::{FileCommit, Move};
use super::restore::{remove_aborted, transactions_root, TableTransactions, WriterState};
use super::sink::{ColumnPlan, SinkConfig};
use seatunnel_connector::{CommitInfo, ConnectorError, SinkWriter};
use seatunnel_data::{Batch, TableSchema};
use seatunnel_formats::compress::LzopWriter;
use seatunnel_formats::json_write::JsonEncoder;
use seatunnel_formats::options::{Charset, Compression, FileFormat};
use seatunnel_formats::text_write::TextEncoder;

/// Bytes buffered per file before they go to disk, while few files are open.
const FLUSH_AT: usize = 1 << 20;
/// With many partitions open at once, each buffers less so memory stays bounded.
const FLUSH_AT_MANY: usize = 64 << 10;
/// More open files than this counts as "many".
const MANY_FILES: usize = 16;
/// Directory of unpartitioned files inside a transaction directory (SeaTunnel's name).
const NON_PARTITION: &str = "NON_PARTITION";
/// Hex digits of the per-writer uuid prefix.
const UUID_PREFIX_LEN: usize = 10;
/// SeaTunnel's checkpoint ids start at 1.
const FIRST_CHECKPOINT: u64 = 1;

enum RowEncoder {
    Text(TextEncoder),
    Json(JsonEncoder),
}

impl RowEncoder {
    fn encode(&self, batch: &Batch, row: usize, cols: &[usize], out: &mut Vec<u8>) {
        match self {
            RowEncoder::Text(e) => e.encode_row(batch, row, cols, out),
            RowEncoder::Json(e) => e.encode_row(batch, row, cols, out),
        }
    }
}

/// One file being written. No descriptor is held between flushes: each flush appends and
/// closes, so thousands of partitions never exhaust file descriptors.
struct OpenFile {
    tmp: PathBuf,
    target: PathBuf,
    /// Encoded rows not yet on disk (uncompressed).
    buf: Vec<u8>,
    /// The lzop stream; its inner buffer holds compressed bytes not yet on disk.
    lzo: Option<LzopWriter<Vec<u8>>>,
    created: bool,
    first: bool,
}

impl OpenFile {
    /// Moves buffered bytes to disk (through lzop when compressing).
    fn flush(&mut self) -> io::Result<()> {
        if let Some(lzo) = &mut self.lzo {
            lzo.write_all(&self.buf)?;
            lzo.flush()?;
            self.buf.clear();
            let packed = std::mem::take(lzo.inner_mut());
            self.append(&packed)
        } else {
            let bytes = std::mem::take(&mut self.buf);
            let result = self.append(&bytes);
            self.buf = bytes;
            self.buf.clear();
            result
        }
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() && self.created {
            return Ok(());
        }
        let mut file = fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(self.created)
            .truncate(!self.created)
            .open(&self.tmp)?;
        self.created = true;
        file.write_all(bytes)
    }

    /// Writes everything left, ends the lzop stream, and leaves a complete file.
    fn finish(mut self) -> io::Result<(PathBuf, PathBuf)> {
        self.flush()?;
        if let Some(lzo) = self.lzo.take() {
            let tail = lzo.finish()?;
            self.append(&tail)?;
        }
        self.append(&[])?;
        Ok((self.tmp, self.target))
    }
}

/// A random number from std's randomly keyed hasher; no extra crate needed for file-name ids.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

fn random_uuid() -> String {
    let (a, b) = (random_u64(), random_u64());
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Replaces `${key}` where `lookup` knows the key; other text stays (SeaTunnel's
/// `VariablesSubstitute`).
pub fn substitute<'a>(template: &str, lookup: impl Fn(&str) -> Option<Cow<'a, str>>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        let key = &rest[start + 2..start + 2 + len];
        out.push_str(&rest[..start]);
        match lookup(key) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[start..start + 3 + len]),
        }
        rest = &rest[start + 3 + len..];
    }
    out.push_str(rest);
    out
}

/// Appends `text` in `charset`; unmappable characters become `?` as in Java's `getBytes`.
fn transcode(charset: Charset, text: &str, out: &mut Vec<u8>) {
    if charset.is_utf8() {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    let mut encoder = charset.0.new_encoder();
    let mut pos = 0;
    loop {
        let need = encoder
            .max_buffer_length_from_utf8_without_replacement(text.len() - pos)
            .unwrap_or(text.len() * 4);
        out.reserve(need);
        let (result, read) =
            encoder.encode_from_utf8_to_vec_without_replacement(&text[pos..], out, true);
        pos += read;
        match result {
            EncoderResult::InputEmpty => return,
            EncoderResult::OutputFull => {}
            EncoderResult::Unmappable(_) => out.push(b'?'),
        }
    }
}

struct TableWriter {
    schema: Arc<TableSchema>,
    plan: ColumnPlan,
    encoder: RowEncoder,
    /// Header line plus row delimiter, in the file charset; empty without a header.
    header: Vec<u8>,
    row_delimiter: Vec<u8>,
    target_dir: PathBuf,
    uuid: String,
    checkpoint: u64,
    part: u64,
    rows_in_part: usize,
    files: Vec<OpenFile>,
    by_dir: HashMap<String, usize>,
    moves: Vec<Move>,
    transaction_dirs: Vec<PathBuf>,
    dir_buf: String,
    scratch: Vec<u8>,
}

fn io_err(what: &str, path: &std::path::Path, e: io::Error) -> ConnectorError {
    ConnectorError::io(format!("LocalFile: cannot {what} {}", path.display()), e)
}

impl TableWriter {
    /// A writer for one table; `resume` continues the transactions of a restored writer.
    fn new(
        cfg: &SinkConfig,
        schema: Arc<TableSchema>,
        resume: Option<&TableTransactions>,
    ) -> Result<TableWriter, ConnectorError> {
        let plan = ColumnPlan::bind(cfg, &schema)?;
        let names: Vec<&str> = plan
            .write
            .iter()
            .map(|&i| schema.fields[i].name.as_str())
            .collect();
        let encoder = match cfg.format {
            FileFormat::Json => RowEncoder::Json(JsonEncoder::new(
                &names,
                plan.write
                    .iter()
                    .map(|&i| schema.fields[i].data_type.clone())
                    .collect(),
            )),
            f => RowEncoder::Text(TextEncoder::new(
                &cfg.field_delimiter,
                f == FileFormat::Csv,
                cfg.formats.clone(),
            )),
        };
        let mut row_delimiter = Vec::new();
        transcode(cfg.charset, &cfg.row_delimiter, &mut row_delimiter);
        let mut header = Vec::new();
        if cfg.header && cfg.format != FileFormat::Json {
            let mut line = Vec::new();
            if let RowEncoder::Text(t) = &encoder {
                t.header(&names, &mut line);
            }
            transcode(cfg.charset, &String::from_utf8_lossy(&line), &mut header);
            header.extend_from_slice(&row_delimiter);
        }
        let (uuid, checkpoint) = match resume {
            Some(t) => (t.uuid.clone(), t.next),
            None => (
                format!("{:016x}", random_u64())[..UUID_PREFIX_LEN].to_string(),
                FIRST_CHECKPOINT,
            ),
        };
        Ok(TableWriter {
            target_dir: cfg.target_dir(&schema.path),
            schema,
            plan,
            encoder,
            header,
            row_delimiter,
            uuid,
            checkpoint,
            part: 0,
            rows_in_part: 0,
            files: Vec::new(),
            by_dir: HashMap::new(),
            moves: Vec::new(),
            transaction_dirs: Vec::new(),
            dir_buf: String::new(),
            scratch: Vec::new(),
        })
    }

    fn transaction_id(&self, job_id: i64, subtask: usize) -> String {
        format!("T_{job_id}_{}_{subtask}_{}", self.uuid, self.checkpoint)
    }

    fn file_name(&self, cfg: &SinkConfig, job_id: i64, subtask: usize) -> String {
        let txn = self.transaction_id(job_id, subtask);
        let now = cfg
            .filename_time_format
            .format_datetime(chrono::Local::now().naive_local());
        let base = substitute(&cfg.file_name_expression, |key| match key {
            "transactionId" => Some(Cow::Borrowed(txn.as_str())),
            "now" => Some(Cow::Borrowed(now.as_str())),
            "uuid" => Some(Cow::Owned(random_uuid())),
            k if k == cfg.filename_time_format.text() => Some(Cow::Borrowed(now.as_str())),
            _ => None,
        });
        format!(
            "{base}_{}{}{}",
            self.part,
            cfg.compression.suffix(),
            cfg.format.suffix()
        )
    }

    /// Opens the file for partition directory `dir` ("" when unpartitioned).
    fn open(
        &mut self,
        cfg: &SinkConfig,
        job_id: i64,
        subtask: usize,
        dir: &str,
    ) -> Result<usize, ConnectorError> {
        let name = self.file_name(cfg, job_id, subtask);
        let target = if dir.is_empty() {
            self.target_dir.join(&name)
        } else {
            self.target_dir.join(dir).join(&name)
        };
        let tmp = if cfg.transaction {
            let txn_dir = transactions_root(&cfg.tmp_path, job_id, &self.uuid)
                .join(self.transaction_id(job_id, subtask));
            let tmp = txn_dir
                .join(if dir.is_empty() { NON_PARTITION } else { dir })
                .join(&name);
            if !self.transaction_dirs.contains(&txn_dir) {
                self.transaction_dirs.push(txn_dir);
            }
            tmp
        } else {
            target.clone()
        };
        if let Some(parent) = tmp.parent() {
            fs::create_dir_all(parent).map_err(|e| io_err("create directory", parent, e))?;
        }
        let lzo = match cfg.compression {
            Compression::None => None,
            Compression::Lzo => {
                Some(LzopWriter::new(Vec::new()).map_err(|e| io_err("write", &tmp, e))?)
            }
        };
        let mut buf = Vec::new();
        buf.extend_from_slice(&self.header);
        self.files.push(OpenFile {
            tmp,
            target,
            buf,
            lzo,
            created: false,
            first: true,
        });
        let idx = self.files.len() - 1;
        self.by_dir.insert(dir.to_string(), idx);
        Ok(idx)
    }

    /// Flushes and closes every open file, recording the moves a commit must make.
    fn close_all(&mut self, transaction: bool) -> Result<(), ConnectorError> {
        for f in self.files.drain(..) {
            let tmp = f.tmp.clone();
            let (from, to) = f.finish().map_err(|e| io_err("write", &tmp, e))?;
            if transaction {
                self.moves.push(Move { from, to });
            }
        }
        self.by_dir.clear();
        Ok(())
    }

    fn partition_dir(&mut self, cfg: &SinkConfig, batch: &Batch, row: usize) {
        self.dir_buf.clear();
        let values: Vec<String> = self
            .plan
            .partition
            .iter()
            .map(|&c| batch.value(row, c).to_string())
            .collect();
        match &cfg.partition_dir_expression {
            None => {
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        self.dir_buf.push('/');
                    }
                    self.dir_buf.push_str(&cfg.partition_by[i]);
                    self.dir_buf.push('=');
                    self.dir_buf.push_str(v);
                }
            }
            Some(expr) => {
                let filled = substitute(expr, |key| {
                    let (kind, idx) = key.split_at(1);
                    let i: usize = idx.parse().ok()?;
                    match kind {
                        "k" => cfg.partition_by.get(i).map(|s| Cow::Borrowed(s.as_str())),
                        "v" => values.get(i).map(|s| Cow::Owned(s.clone())),
                        _ => None,
                    }
                });
                self.dir_buf.push_str(&filled);
            }
        }
    }

    fn write(
        &mut self,
        cfg: &SinkConfig,
        job_id: i64,
        subtask: usize,
        batch: &Batch,
    ) -> Result<(), ConnectorError> {
        let partitioned = !self.plan.partition.is_empty();
        for row in 0..batch.len() {
            if self.rows_in_part >= cfg.batch_size {
                self.close_all(cfg.transaction)?;
                self.part += 1;
                self.rows_in_part = 0;
            }
            self.rows_in_part += 1;
            let idx = if partitioned {
                self.partition_dir(cfg, batch, row);
                match self.by_dir.get(self.dir_buf.as_str()) {
                    Some(&i) => i,
                    None => {
                        let dir = std::mem::take(&mut self.dir_buf);
                        let i = self.open(cfg, job_id, subtask, &dir)?;
                        self.dir_buf = dir;
                        i
                    }
                }
            } else {
                match self.files.first() {
                    Some(_) => 0,
                    None => self.open(cfg, job_id, subtask, "")?,
                }
            };
            let f = &mut self.files[idx];
            if f.first {
                f.first = false;
            } else {
                f.buf.extend_from_slice(&self.row_delimiter);
            }
            if cfg.charset.is_utf8() {
                self.encoder
                    .encode(batch, row, &self.plan.write, &mut f.buf);
            } else {
                self.scratch.clear();
                self.encoder
                    .encode(batch, row, &self.plan.write, &mut self.scratch);
                transcode(
                    cfg.charset,
                    &String::from_utf8_lossy(&self.scratch),
                    &mut f.buf,
                );
            }
            let limit = if self.files.len() > MANY_FILES {
                FLUSH_AT_MANY
            } else {
                FLUSH_AT
            };
            let f = &mut self.files[idx];
            if f.buf.len() >= limit {
                f.flush().map_err(|e| io_err("write", &f.tmp, e))?;
            }
        }
        Ok(())
    }

    fn prepare_commit(&mut self, transaction: bool) -> Result<FileCommit, ConnectorError> {
        self.close_all(transaction)?;
        self.checkpoint += 1;
        Ok(FileCommit {
            moves: std::mem::take(&mut self.moves),
            transaction_dirs: std::mem::take(&mut self.transaction_dirs),
        })
    }
}

pub struct LocalFileWriter {
    cfg: Arc<SinkConfig>,
    job_id: i64,
    subtask: usize,
    tables: Vec<TableWriter>,
    /// The transactions of the checkpoint this writer was restored from, per table: a table's
    /// writer continues them, and tables not written since stay in the next snapshot.
    restored: Vec<TableTransactions>,
    /// The aborted attempt's transactions are still to be removed. Done on the writer's own
    /// thread before its first file, never where the writer is created (the runtime's).
    cleanup_pending: bool,
}

impl LocalFileWriter {
    /// `restored` is what [`SinkWriter::snapshot`] returned at the checkpoint this writer is
    /// restored from (see [`super::restore`]).
    pub fn new(
        cfg: Arc<SinkConfig>,
        job_id: i64,
        subtask: usize,
        restored: Option<&serde_json::Value>,
    ) -> Result<LocalFileWriter, ConnectorError> {
        let restored = match restored {
            Some(v) => WriterState::from_value(v)?.tables,
            None => Vec::new(),
        };
        Ok(LocalFileWriter {
            cleanup_pending: cfg.transaction && !restored.is_empty(),
            cfg,
            job_id,
            subtask,
            tables: Vec::new(),
            restored,
        })
    }

    /// Removes what the aborted attempt left under `tmp_path` that no commit info covers.
    fn clean_up_aborted(&mut self) -> Result<(), ConnectorError> {
        if !std::mem::take(&mut self.cleanup_pending) {
            return Ok(());
        }
        for t in &self.restored {
            remove_aborted(&self.cfg.tmp_path, self.job_id, self.subtask, t)?;
        }
        Ok(())
    }

    fn table_index(&mut self, schema: &Arc<TableSchema>) -> Result<usize, ConnectorError> {
        if let Some(i) = self
            .tables
            .iter()
            .position(|t| Arc::ptr_eq(&t.schema, schema) || t.schema.path == schema.path)
        {
            return Ok(i);
        }
        let name = schema.path.full_name();
        let resume = self.restored.iter().find(|t| t.table == name);
        self.tables
            .push(TableWriter::new(&self.cfg, schema.clone(), resume)?);
        Ok(self.tables.len() - 1)
    }
}

impl SinkWriter for LocalFileWriter {
    fn write(&mut self, batch: &Batch) -> Result<(), ConnectorError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.clean_up_aborted()?;
        let i = self.table_index(batch.schema())?;
        self.tables[i].write(&self.cfg, self.job_id, self.subtask, batch)
    }

    fn prepare_commit(&mut self) -> Result<Option<CommitInfo>, ConnectorError> {
        self.clean_up_aborted()?;
        let mut all = FileCommit::default();
        for t in &mut self.tables {
            let c = t.prepare_commit(self.cfg.transaction)?;
            all.moves.extend(c.moves);
            all.transaction_dirs.extend(c.transaction_dirs);
        }
        Ok((!all.is_empty()).then(|| all.to_info()))
    }

    /// Each table's uuid and next transaction number, so a writer restored from this
    /// checkpoint continues them and removes what no commit covers. Nothing without
    /// transactions: files are written in place then.
    fn snapshot(&mut self, _checkpoint: u64) -> Result<Option<serde_json::Value>, ConnectorError> {
        if !self.cfg.transaction {
            return Ok(None);
        }
        let mut tables: Vec<TableTransactions> = self
            .tables
            .iter()
            .map(|t| TableTransactions {
                table: t.schema.path.full_name(),
                uuid: t.uuid.clone(),
                next: t.checkpoint,
            })
            .collect();
        for r in &self.restored {
            if !tables.iter().any(|t| t.table == r.table) {
                tables.push(r.clone());
            }
        }
        Ok(Some(WriterState { tables }.to_value()))
    }

    /// Discards files never handed to a commit (the run failed before `prepare_commit`), so a
    /// failed transaction leaves nothing under `tmp_path`. Prepared files are the committer's.
    fn close(&mut self) -> Result<(), ConnectorError> {
        if !self.cfg.transaction {
            return Ok(());
        }
        self.clean_up_aborted()?;
        for t in &mut self.tables {
            let unprepared = FileCommit {
                moves: t
                    .files
                    .drain(..)
                    .map(|f| Move {
                        from: f.tmp,
                        to: f.target,
                    })
                    .chain(t.moves.drain(..))
                    .collect(),
                transaction_dirs: std::mem::take(&mut t.transaction_dirs),
            };
            t.by_dir.clear();
            super::commit::abort(&unprepared);
        }
        Ok(())
    }
}
