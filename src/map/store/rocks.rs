//! The RocksDB store: one database per master, shared by the Raft log store (later) and the state
//! machine, with one column family per concern (cluster design, "Recommendation"):
//!
//! | CF | holds |
//! |---|---|
//! | `raft_log` | log entries, keyed by big-endian index (the Raft log store's) |
//! | `raft_meta` | vote, purged and committed ids (the Raft log store's), the cluster name and the layout version |
//! | `sm_meta` | `last_applied` and the membership, written in the same batch as the data |
//! | `sm_data` | every map, keyed `map_id ‖ partition ‖ key` with a 4-byte prefix bloom |
//!
//! Durability: all CFs share one WAL. [`RocksStore::apply`] syncs the WAL by default, so an
//! applied batch survives power loss. With `sync_on_apply = false` an apply survives a process
//! crash but may be lost on power loss until the next synced write (the Raft log's fsync after
//! an append, [`RocksDb::sync_wal`], covers every earlier batch, since the WAL is shared); Raft
//! then re-applies the log tail past the durable `last_applied`. Snapshot installs and the
//! cluster-name stamp always sync.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rocksdb::{
    BlockBasedOptions, ColumnFamily, ColumnFamilyDescriptor, DBCompressionType, Options,
    ReadOptions, SliceTransform, WriteOptions, DB,
};

use super::snapshot::ChunkBuilder;
use super::{
    check_advance, AppliedState, LogId, MapStore, Op, PartitionChunk, SnapshotReader, StoreError,
    VerifiedSnapshot, WriteBatch,
};
use crate::map::codec::{self, KeyRange, KEY_SPACE_END, PREFIX_LEN};
use crate::map::partition::PartitionId;
use crate::map::MapId;

/// Version of the on-disk layout (CFs, key codec, partition hash). Bump on any change to them.
pub const LAYOUT_VERSION: u16 = 1;
/// Per-CF memtable size. RocksDB's 64 MiB default is sized for bulk data; this metadata is
/// kilobytes to megabytes, and four CFs at the default would reserve 256 MiB for nothing.
const WRITE_BUFFER_BYTES: usize = 8 << 20;
/// Bloom bits per key on `sm_data`: ~1 % false positives, RocksDB's usual choice.
const BLOOM_BITS_PER_KEY: f64 = 10.0;
/// Share of the `sm_data` memtable given to its prefix bloom filter.
const MEMTABLE_PREFIX_BLOOM_RATIO: f64 = 0.1;
/// RocksDB's own info logs kept in the data dir (default 1000).
const KEEP_INFO_LOG_FILES: usize = 4;

const CLUSTER_NAME_KEY: &[u8] = b"cluster_name";
const LAYOUT_VERSION_KEY: &[u8] = b"layout_version";
const LAST_APPLIED_KEY: &[u8] = b"last_applied";
const MEMBERSHIP_KEY: &[u8] = b"membership";

/// The column families of a master's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnFamilyName {
    RaftLog,
    RaftMeta,
    SmMeta,
    SmData,
}

impl ColumnFamilyName {
    pub const ALL: [ColumnFamilyName; 4] = [
        ColumnFamilyName::RaftLog,
        ColumnFamilyName::RaftMeta,
        ColumnFamilyName::SmMeta,
        ColumnFamilyName::SmData,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ColumnFamilyName::RaftLog => "raft_log",
            ColumnFamilyName::RaftMeta => "raft_meta",
            ColumnFamilyName::SmMeta => "sm_meta",
            ColumnFamilyName::SmData => "sm_data",
        }
    }
}

/// An open database with every column family checked present and the cluster name verified.
/// Share it through an `Arc` between the state machine and the Raft log store.
pub struct RocksDb {
    db: DB,
    dir: PathBuf,
}

impl RocksDb {
    /// Opens (creating if needed) the database in `dir` for `cluster_name`. The first open stamps
    /// the cluster name and layout version into `raft_meta`; later opens refuse a dir stamped for
    /// another cluster or layout.
    pub fn open(dir: &Path, cluster_name: &str) -> Result<Arc<RocksDb>, StoreError> {
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        options.set_keep_log_file_num(KEEP_INFO_LOG_FILES);
        // The unused `default` CF takes the DB-level options, and RocksDB preallocates each WAL
        // file at 1.1 × that CF's memtable: at the 64 MiB default, 72 MB of disk per data dir
        // (every master, every local run in $TMPDIR) for a log of kilobytes.
        options.set_write_buffer_size(WRITE_BUFFER_BYTES);
        let descriptors = ColumnFamilyName::ALL
            .map(|cf| ColumnFamilyDescriptor::new(cf.as_str(), cf_options(cf)));
        let db = DB::open_cf_descriptors(&options, dir, descriptors).map_err(|source| {
            StoreError::Rocks {
                dir: dir.to_path_buf(),
                source,
            }
        })?;
        let store = RocksDb {
            db,
            dir: dir.to_path_buf(),
        };
        for cf in ColumnFamilyName::ALL {
            if store.db.cf_handle(cf.as_str()).is_none() {
                let dir = store.dir.clone();
                return Err(StoreError::MissingColumnFamily {
                    dir,
                    name: cf.as_str(),
                });
            }
        }
        store.stamp(cluster_name)?;
        Ok(Arc::new(store))
    }

    fn stamp(&self, cluster_name: &str) -> Result<(), StoreError> {
        let meta = self.cf(ColumnFamilyName::RaftMeta);
        let stored_name = self
            .db
            .get_cf(meta, CLUSTER_NAME_KEY)
            .map_err(|e| self.err(e))?;
        let stored_version = self
            .db
            .get_cf(meta, LAYOUT_VERSION_KEY)
            .map_err(|e| self.err(e))?;
        if let Some(version) = stored_version {
            let found = <[u8; 2]>::try_from(&version[..])
                .map(u16::from_be_bytes)
                .map_err(|_| self.corrupt("layout version", version.len()))?;
            if found != LAYOUT_VERSION {
                let (dir, supported) = (self.dir.clone(), LAYOUT_VERSION);
                return Err(StoreError::LayoutVersion {
                    dir,
                    found,
                    supported,
                });
            }
        }
        match stored_name {
            Some(stored) if stored != cluster_name.as_bytes() => Err(StoreError::ClusterMismatch {
                dir: self.dir.clone(),
                stored: String::from_utf8_lossy(&stored).into_owned(),
                configured: cluster_name.to_owned(),
            }),
            Some(_) => Ok(()),
            None => {
                let mut batch = rocksdb::WriteBatch::default();
                batch.put_cf(meta, CLUSTER_NAME_KEY, cluster_name.as_bytes());
                batch.put_cf(meta, LAYOUT_VERSION_KEY, LAYOUT_VERSION.to_be_bytes());
                self.write(batch, true)
            }
        }
    }

    /// A column family's handle. Every CF was checked at open, and none can be dropped while
    /// the database is shared (dropping needs `&mut DB`).
    pub fn cf(&self, cf: ColumnFamilyName) -> &ColumnFamily {
        self.db
            .cf_handle(cf.as_str())
            .expect("column families are checked at open and never dropped")
    }

    /// The raw database, for the Raft log store's reads on `raft_log` and `raft_meta`.
    pub fn db(&self) -> &DB {
        &self.db
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `batch` atomically; `sync` fsyncs the WAL before returning.
    pub fn write(&self, batch: rocksdb::WriteBatch, sync: bool) -> Result<(), StoreError> {
        let mut options = WriteOptions::default();
        options.set_sync(sync);
        self.db.write_opt(batch, &options).map_err(|e| self.err(e))
    }

    /// Fsyncs the WAL: every write that returned before this call is durable when it returns.
    /// Lets the Raft log write unsynced and group many writes under one fsync.
    pub fn sync_wal(&self) -> Result<(), StoreError> {
        self.db.flush_wal(true).map_err(|e| self.err(e))
    }

    fn err(&self, source: rocksdb::Error) -> StoreError {
        let dir = self.dir.clone();
        StoreError::Rocks { dir, source }
    }

    fn corrupt(&self, what: &'static str, len: usize) -> StoreError {
        let dir = self.dir.clone();
        StoreError::CorruptMeta { dir, what, len }
    }

    /// Reads the applied state through `get` (the live db or a snapshot).
    fn read_applied(
        &self,
        get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, rocksdb::Error>,
    ) -> Result<AppliedState, StoreError> {
        let last_applied = match get(LAST_APPLIED_KEY).map_err(|e| self.err(e))? {
            Some(bytes) => Some(
                LogId::from_bytes(&bytes)
                    .ok_or_else(|| self.corrupt("last_applied", bytes.len()))?,
            ),
            None => None,
        };
        let membership = get(MEMBERSHIP_KEY).map_err(|e| self.err(e))?;
        Ok(AppliedState {
            last_applied,
            membership,
        })
    }

    /// Visits `[range.start, range.end)` of `sm_data` as `(stored key, value)`.
    fn visit_range(
        &self,
        snapshot: Option<&rocksdb::Snapshot<'_>>,
        range: KeyRange,
        visit: RangeVisitor<'_>,
    ) -> Result<(), StoreError> {
        let mut options = ReadOptions::default();
        options.set_iterate_lower_bound(range.start.to_vec());
        options.set_iterate_upper_bound(range.end.to_vec());
        // A map range spans many 4-byte prefixes; without total order the prefix extractor
        // would confine the iterator to the first one.
        options.set_total_order_seek(true);
        let data = self.cf(ColumnFamilyName::SmData);
        let mut iter = match snapshot {
            Some(snapshot) => snapshot.raw_iterator_cf_opt(data, options),
            None => self.db.raw_iterator_cf_opt(data, options),
        };
        iter.seek(range.start);
        while let (Some(key), Some(value)) = (iter.key(), iter.value()) {
            visit(key, value)?;
            iter.next();
        }
        iter.status().map_err(|e| self.err(e))
    }
}

/// Receives `(stored key, value)` pairs; an error stops the iteration.
type RangeVisitor<'a> = &'a mut dyn FnMut(&[u8], &[u8]) -> Result<(), StoreError>;

fn cf_options(cf: ColumnFamilyName) -> Options {
    let mut options = Options::default();
    options.set_write_buffer_size(WRITE_BUFFER_BYTES);
    // Built without compression libraries: the state is small and the build stays lean.
    options.set_compression_type(DBCompressionType::None);
    if cf == ColumnFamilyName::SmData {
        options.set_prefix_extractor(SliceTransform::create_fixed_prefix(PREFIX_LEN));
        options.set_memtable_prefix_bloom_ratio(MEMTABLE_PREFIX_BLOOM_RATIO);
        let mut table = BlockBasedOptions::default();
        table.set_bloom_filter(BLOOM_BITS_PER_KEY, false);
        options.set_block_based_table_factory(&table);
    }
    options
}

/// Tuning of [`RocksStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RocksStoreOptions {
    /// Fsync the WAL on every apply (see the module doc for what turning it off risks).
    pub sync_on_apply: bool,
}

impl Default for RocksStoreOptions {
    fn default() -> Self {
        RocksStoreOptions {
            sync_on_apply: true,
        }
    }
}

/// The state machine's maps in `sm_data` and `sm_meta` of a [`RocksDb`].
pub struct RocksStore {
    db: Arc<RocksDb>,
    options: RocksStoreOptions,
    /// Serializes writers, so the `last_applied` check and the write it guards are one step.
    write_lock: Mutex<()>,
}

impl RocksStore {
    pub fn new(db: Arc<RocksDb>, options: RocksStoreOptions) -> RocksStore {
        RocksStore {
            db,
            options,
            write_lock: Mutex::new(()),
        }
    }

    /// Opens the database in `dir` (see [`RocksDb::open`]) and the store on it.
    pub fn open(
        dir: &Path,
        cluster_name: &str,
        options: RocksStoreOptions,
    ) -> Result<RocksStore, StoreError> {
        Ok(RocksStore::new(RocksDb::open(dir, cluster_name)?, options))
    }

    pub fn db(&self) -> &Arc<RocksDb> {
        &self.db
    }
}

impl MapStore for RocksStore {
    fn get(&self, map: MapId, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let data = self.db.cf(ColumnFamilyName::SmData);
        let value = self.db.db.get_pinned_cf(data, codec::encode(map, key));
        Ok(value.map_err(|e| self.db.err(e))?.map(|v| v.to_vec()))
    }

    fn scan(
        &self,
        map: MapId,
        partition: Option<PartitionId>,
        visit: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<(), StoreError> {
        let range = KeyRange::scan(map, partition);
        self.db.visit_range(None, range, &mut |stored, value| {
            visit(&stored[PREFIX_LEN..], value);
            Ok(())
        })
    }

    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError> {
        self.apply_all(vec![batch])
    }

    fn apply_all(&self, batches: Vec<WriteBatch>) -> Result<(), StoreError> {
        let Some(last) = batches.last().map(WriteBatch::last_applied) else {
            return Ok(());
        };
        let _writer = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut current = self.last_applied()?;
        let (data, meta) = (
            self.db.cf(ColumnFamilyName::SmData),
            self.db.cf(ColumnFamilyName::SmMeta),
        );
        let mut write = rocksdb::WriteBatch::default();
        let mut key_buf = Vec::new();
        let mut membership = None;
        for batch in &batches {
            check_advance(current, batch.last_applied())?;
            current = Some(batch.last_applied());
            for op in batch.ops() {
                key_buf.clear();
                match op {
                    Op::Put { map, key, value } => {
                        codec::encode_into(&mut key_buf, *map, key);
                        write.put_cf(data, &key_buf, value);
                    }
                    Op::Delete { map, key } => {
                        codec::encode_into(&mut key_buf, *map, key);
                        write.delete_cf(data, &key_buf);
                    }
                }
            }
            membership = batch.membership().or(membership);
        }
        write.put_cf(meta, LAST_APPLIED_KEY, last.to_bytes());
        if let Some(membership) = membership {
            write.put_cf(meta, MEMBERSHIP_KEY, membership);
        }
        self.db.write(write, self.options.sync_on_apply)
    }

    fn applied_state(&self) -> Result<AppliedState, StoreError> {
        let meta = self.db.cf(ColumnFamilyName::SmMeta);
        self.db.read_applied(|key| self.db.db.get_cf(meta, key))
    }

    fn snapshot(&self) -> Result<Box<dyn SnapshotReader + '_>, StoreError> {
        let snapshot = self.db.db.snapshot();
        let meta = self.db.cf(ColumnFamilyName::SmMeta);
        let state = self.db.read_applied(|key| snapshot.get_cf(meta, key))?;
        Ok(Box::new(RocksSnapshot {
            db: &self.db,
            snapshot,
            state,
        }))
    }

    fn install_snapshot(&self, snapshot: &VerifiedSnapshot) -> Result<(), StoreError> {
        let _writer = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        let (data, meta) = (
            self.db.cf(ColumnFamilyName::SmData),
            self.db.cf(ColumnFamilyName::SmMeta),
        );
        let mut write = rocksdb::WriteBatch::default();
        // Within one batch later writes win, so the range deletion clears the old state and the
        // puts after it rebuild the new one, atomically.
        write.delete_range_cf(data, &[][..], &KEY_SPACE_END[..]);
        for (stored, value) in snapshot.entries() {
            write.put_cf(data, stored, value);
        }
        let state = snapshot.applied_state();
        match state.last_applied {
            Some(id) => write.put_cf(meta, LAST_APPLIED_KEY, id.to_bytes()),
            None => write.delete_cf(meta, LAST_APPLIED_KEY),
        }
        match &state.membership {
            Some(membership) => write.put_cf(meta, MEMBERSHIP_KEY, membership),
            None => write.delete_cf(meta, MEMBERSHIP_KEY),
        }
        self.db.write(write, true)
    }
}

struct RocksSnapshot<'a> {
    db: &'a RocksDb,
    snapshot: rocksdb::Snapshot<'a>,
    state: AppliedState,
}

impl SnapshotReader for RocksSnapshot<'_> {
    fn applied_state(&self) -> &AppliedState {
        &self.state
    }

    fn read_partition(&self, partition: PartitionId) -> Result<PartitionChunk, StoreError> {
        let mut chunk = ChunkBuilder::new(partition);
        for range in KeyRange::partition(partition) {
            self.db
                .visit_range(Some(&self.snapshot), range, &mut |stored, value| {
                    Ok(chunk.push(stored, value)?)
                })?;
        }
        Ok(chunk.finish())
    }
}
