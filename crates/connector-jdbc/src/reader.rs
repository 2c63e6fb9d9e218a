//! The Jdbc reader: whole splits, one after another, read by a fetch thread of its own.
//!
//! A database client streams a split's rows from inside one call (a cursor, a result set on the
//! socket), which cannot pause between two `poll`s. So the reader hands each split to a fetch
//! thread that owns the connection and sends back batches of at most `fetch_size` rows through a
//! channel of [`FETCH_AHEAD`] batches: memory stays bounded, and the database works while the
//! engine moves the previous batch on.
//!
//! Checkpoints fall between splits only ([`SourceReader::can_snapshot`]): a snapshot is the
//! list of splits not yet started, so a restored reader reads exactly the rows it had not
//! emitted, whatever order the database returns rows in.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use seatunnel_connector::{ConnectorError, Poll, SourceReader, SourceSplit};
use seatunnel_data::Batch;

use crate::db::{self, Db, DbError};
use crate::source::Inner;
use crate::split::{split_sql, JdbcSplit};

/// Batches a fetch thread may have ready ahead of the engine: one being filled, one waiting.
const FETCH_AHEAD: usize = 2;

enum Fetched {
    Rows(Batch),
    /// The split was read to its end.
    Done,
    Failed(DbError),
}

struct Fetcher {
    work: Sender<(String, JdbcSplit)>,
    rows: Receiver<Fetched>,
    thread: Option<JoinHandle<()>>,
}

pub struct JdbcReader {
    inner: Arc<Inner>,
    pending: VecDeque<(String, JdbcSplit)>,
    /// The split being read, until its `Done`.
    current: Option<(String, JdbcSplit)>,
    fetcher: Option<Fetcher>,
}

impl JdbcReader {
    pub(crate) fn new(
        inner: Arc<Inner>,
        splits: Vec<SourceSplit>,
    ) -> Result<JdbcReader, ConnectorError> {
        let mut pending = VecDeque::with_capacity(splits.len());
        for s in splits {
            let split: JdbcSplit = serde_json::from_value(s.state.clone()).map_err(|e| {
                ConnectorError::runtime(format!(
                    "split {} is not a Jdbc split ({e}); the checkpoint is from another job",
                    s.id
                ))
            })?;
            if split.table >= inner.tables.len() {
                return Err(ConnectorError::runtime(format!(
                    "split {} names table {}, but the job has {} tables; the checkpoint is from another version of the job",
                    s.id,
                    split.table,
                    inner.tables.len()
                )));
            }
            let base = &inner.tables[split.table].base;
            split_sql(inner.connection.dialect(), base, &split.range).map_err(|e| {
                ConnectorError::runtime(format!(
                    "split {}: {e}; the checkpoint is from another job",
                    s.id
                ))
            })?;
            pending.push_back((s.id, split));
        }
        Ok(JdbcReader {
            inner,
            pending,
            current: None,
            fetcher: None,
        })
    }

    fn fetcher(&mut self) -> &Fetcher {
        self.fetcher
            .get_or_insert_with(|| spawn(self.inner.clone()))
    }
}

fn spawn(inner: Arc<Inner>) -> Fetcher {
    let (work_tx, work_rx) = mpsc::channel::<(String, JdbcSplit)>();
    let (rows_tx, rows_rx) = mpsc::sync_channel::<Fetched>(FETCH_AHEAD);
    let thread = std::thread::Builder::new()
        .name("jdbc-fetch".into())
        .spawn(move || fetch_loop(&inner, work_rx, rows_tx))
        .expect("the system can start a thread");
    Fetcher {
        work: work_tx,
        rows: rows_rx,
        thread: Some(thread),
    }
}

/// Reads each split it is given; ends when the reader drops its side of either channel.
fn fetch_loop(inner: &Inner, work: Receiver<(String, JdbcSplit)>, rows: SyncSender<Fetched>) {
    let mut db: Option<Box<dyn Db>> = None;
    while let Ok((_, split)) = work.recv() {
        let result = (|| {
            if db.is_none() {
                db = Some(db::connect(inner.spec())?);
            }
            let db = db.as_mut().expect("connected above");
            let table = &inner.tables[split.table];
            let (sql, params) =
                split_sql(db.dialect(), &table.base, &split.range).map_err(DbError::Value)?;
            let mut batch = Batch::with_capacity(table.schema.clone(), inner.fetch_size);
            let mut gone = false;
            db.scan(
                &sql,
                &params,
                &table.columns,
                inner.fetch_size,
                &mut batch,
                &mut |b| {
                    let full = std::mem::replace(
                        b,
                        Batch::with_capacity(table.schema.clone(), inner.fetch_size),
                    );
                    gone = rows.send(Fetched::Rows(full)).is_err();
                    !gone
                },
            )?;
            Ok::<bool, DbError>(gone)
        })();
        let message = match result {
            Ok(true) => return,
            Ok(false) => Fetched::Done,
            Err(e) => {
                // A failed connection is not reused: the next split reconnects.
                db = None;
                Fetched::Failed(e)
            }
        };
        if rows.send(message).is_err() {
            return;
        }
    }
}

impl JdbcReader {
    /// The error for a fetch thread that went away: its panic's message when it panicked.
    fn fetcher_gone(&mut self) -> ConnectorError {
        let panic = self.fetcher.take().and_then(|mut f| {
            drop(f.work);
            drop(f.rows);
            f.thread.take()?.join().err()
        });
        let message = panic.map(|p| {
            p.downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into())
        });
        match message {
            Some(m) => ConnectorError::runtime(format!(
                "the jdbc fetch thread panicked: {m}; this is a bug, report it with the job file"
            )),
            None => ConnectorError::runtime("the jdbc fetch thread stopped without a reason"),
        }
    }
}

impl SourceReader for JdbcReader {
    fn poll(&mut self, out: &mut Batch) -> Result<Poll, ConnectorError> {
        if self.current.is_none() {
            let Some(next) = self.pending.pop_front() else {
                return Ok(Poll::Finished);
            };
            if self.fetcher().work.send(next.clone()).is_err() {
                return Err(self.fetcher_gone());
            }
            self.current = Some(next);
        }
        let Ok(fetched) = self.fetcher().rows.recv() else {
            return Err(self.fetcher_gone());
        };
        match fetched {
            Fetched::Rows(mut batch) => std::mem::swap(out, &mut batch),
            // Returned with no rows so that a checkpoint waiting for a split boundary can run.
            Fetched::Done => self.current = None,
            Fetched::Failed(e) => {
                let (id, _) = self.current.take().expect("a split was being read");
                return Err(e.to_connector(format!("jdbc split {id}: {e}")));
            }
        }
        Ok(Poll::Emitted)
    }

    fn can_snapshot(&self) -> bool {
        self.current.is_none()
    }

    fn snapshot(&self) -> Result<Vec<SourceSplit>, ConnectorError> {
        debug_assert!(
            self.current.is_none(),
            "the engine snapshots between splits"
        );
        Ok(self
            .current
            .iter()
            .chain(self.pending.iter())
            .map(|(id, split)| SourceSplit {
                id: id.clone(),
                state: serde_json::to_value(split).expect("splits serialize"),
            })
            .collect())
    }
}

impl Drop for JdbcReader {
    fn drop(&mut self) {
        if let Some(mut f) = self.fetcher.take() {
            // Closing both channels ends the fetch loop after the batch in hand; the database
            // call in progress finishes first, so the thread is detached rather than joined.
            drop(f.work);
            drop(f.rows);
            drop(f.thread.take());
        }
    }
}
