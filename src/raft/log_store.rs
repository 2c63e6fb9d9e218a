//! The Raft log and vote of one master, in the `raft_log` and `raft_meta` column families of the
//! master's RocksDB (shared with the state machine, so one WAL orders every write).
//!
//! Durability: [`append`](RaftLogStorage::append) writes its entries unsynced, so they are
//! readable when it returns, and reports them flushed (the callback that lets a leader count an
//! entry as acked) only after a WAL fsync that began after the write; that fsync is shared by
//! every append queued meanwhile ([`super::wal_sync`]). [`save_vote`](RaftLogStorage::save_vote)
//! returns only after its own synced write. Truncation, purge and the committed id are not synced
//! on their own: the next fsync covers them (the WAL is sequential), and a purge records
//! `last_purged` before deleting, so a crash in between only leaves entries Raft already ignores.
//!
//! Appends and the committed id are written on the calling task, not on a blocking thread: an
//! unsynced RocksDB write of a few hundred bytes is a memtable insert and one `write(2)`, cheaper
//! than the hop to a blocking thread, and openraft waits for both before its next step.

use std::fmt::Debug;
use std::io;
use std::ops::{Bound, RangeBounds};
use std::sync::Arc;

use openraft::alias::VoteOf;
use openraft::entry::RaftEntry;
use openraft::storage::{IOFlushed, RaftLogStorage};
use openraft::{LogState, OptionalSend, RaftLogReader};
use rocksdb::{Direction, IteratorMode};

use super::wal_sync::{SyncThreadError, WalSyncer};
use super::{codec, Entry, LogId, TypeConfig};
use crate::map::{ColumnFamilyName, RocksDb, StoreError};

const VOTE_KEY: &[u8] = b"raft_vote";
const LAST_PURGED_KEY: &[u8] = b"raft_last_purged";
const COMMITTED_KEY: &[u8] = b"raft_committed";

/// The log store; cheap to clone (the database and its sync thread are shared).
#[derive(Clone)]
pub struct LogStore {
    db: Arc<RocksDb>,
    syncer: Arc<WalSyncer>,
}

impl LogStore {
    /// The log store over `db`, with the thread that fsyncs its WAL for appends.
    pub fn new(db: Arc<RocksDb>) -> Result<LogStore, SyncThreadError> {
        let synced = db.clone();
        let syncer = WalSyncer::start(move || synced.sync_wal().map_err(store_io))?;
        Ok(LogStore {
            db,
            syncer: Arc::new(syncer),
        })
    }

    fn meta<T: serde::de::DeserializeOwned>(
        &self,
        key: &[u8],
        what: &'static str,
    ) -> io::Result<Option<T>> {
        let cf = self.db.cf(ColumnFamilyName::RaftMeta);
        match self.db.db().get_cf(cf, key).map_err(|e| self.io(e))? {
            Some(bytes) => Ok(Some(codec::decode(what, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Writes `batch`, fsynced when `sync`, off the async runtime.
    async fn write(&self, batch: rocksdb::WriteBatch, sync: bool) -> io::Result<()> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.write(batch, sync))
            .await
            .map_err(io::Error::other)?
            .map_err(store_io)
    }

    fn io(&self, e: rocksdb::Error) -> io::Error {
        store_io(StoreError::Rocks {
            dir: self.db.dir().to_path_buf(),
            source: e,
        })
    }
}

fn store_io(e: StoreError) -> io::Error {
    io::Error::other(e)
}

fn index_key(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

fn start_index(range: &impl RangeBounds<u64>) -> u64 {
    match range.start_bound() {
        Bound::Included(i) => *i,
        Bound::Excluded(i) => i.saturating_add(1),
        Bound::Unbounded => 0,
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, io::Error> {
        let cf = self.db.cf(ColumnFamilyName::RaftLog);
        let start = index_key(start_index(&range));
        let mut entries = Vec::new();
        for item in self
            .db
            .db()
            .iterator_cf(cf, IteratorMode::From(&start, Direction::Forward))
        {
            let (key, value) = item.map_err(|e| self.io(e))?;
            let index = u64::from_be_bytes(key.as_ref().try_into().map_err(|_| {
                io::Error::new(io::ErrorKind::InvalidData, "raft log key is not 8 bytes")
            })?);
            if !range.contains(&index) {
                break;
            }
            let entry: Entry = codec::decode("raft log entry", &value)?;
            entries.push(entry);
        }
        Ok(entries)
    }

    async fn read_vote(&mut self) -> Result<Option<VoteOf<TypeConfig>>, io::Error> {
        self.meta(VOTE_KEY, "raft vote")
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, io::Error> {
        let cf = self.db.cf(ColumnFamilyName::RaftLog);
        let last = match self.db.db().iterator_cf(cf, IteratorMode::End).next() {
            Some(item) => {
                let (_, value) = item.map_err(|e| self.io(e))?;
                let entry: Entry = codec::decode("raft log entry", &value)?;
                Some(entry.log_id())
            }
            None => None,
        };
        let last_purged_log_id: Option<LogId> = self.meta(LAST_PURGED_KEY, "raft purged id")?;
        Ok(LogState {
            last_log_id: last.or(last_purged_log_id),
            last_purged_log_id,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &VoteOf<TypeConfig>) -> Result<(), io::Error> {
        let mut batch = rocksdb::WriteBatch::default();
        batch.put_cf(
            self.db.cf(ColumnFamilyName::RaftMeta),
            VOTE_KEY,
            codec::encode("raft vote", vote)?,
        );
        self.write(batch, true).await
    }

    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), io::Error> {
        let mut batch = rocksdb::WriteBatch::default();
        let cf = self.db.cf(ColumnFamilyName::RaftMeta);
        match committed {
            Some(id) => batch.put_cf(cf, COMMITTED_KEY, codec::encode("raft committed id", &id)?),
            None => batch.delete_cf(cf, COMMITTED_KEY),
        }
        self.db.write(batch, false).map_err(store_io)
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, io::Error> {
        self.meta(COMMITTED_KEY, "raft committed id")
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: IOFlushed<TypeConfig>,
    ) -> Result<(), io::Error>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut batch = rocksdb::WriteBatch::default();
        let cf = self.db.cf(ColumnFamilyName::RaftLog);
        for entry in entries {
            batch.put_cf(
                cf,
                index_key(entry.index()),
                codec::encode("raft log entry", &entry)?,
            );
        }
        // Readable once written; durable, and reported so, after the next WAL fsync.
        if let Err(e) = self.db.write(batch, false) {
            let e = store_io(e);
            callback.io_completed(Err(io::Error::new(e.kind(), e.to_string())));
            return Err(e);
        }
        self.syncer
            .after_sync(Box::new(move |flushed| callback.io_completed(flushed)));
        Ok(())
    }

    async fn truncate_after(&mut self, last_log_id: Option<LogId>) -> Result<(), io::Error> {
        let from = last_log_id.map_or(0, |id| id.index() + 1);
        let mut batch = rocksdb::WriteBatch::default();
        batch.delete_range_cf(
            self.db.cf(ColumnFamilyName::RaftLog),
            index_key(from),
            index_key(u64::MAX),
        );
        self.write(batch, false).await
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), io::Error> {
        let mut batch = rocksdb::WriteBatch::default();
        batch.put_cf(
            self.db.cf(ColumnFamilyName::RaftMeta),
            LAST_PURGED_KEY,
            codec::encode("raft purged id", &log_id)?,
        );
        batch.delete_range_cf(
            self.db.cf(ColumnFamilyName::RaftLog),
            index_key(0),
            index_key(log_id.index() + 1),
        );
        self.write(batch, false).await
    }
}
