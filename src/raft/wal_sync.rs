//! Group commit of the Raft log: one WAL fsync acknowledges every append queued while the
//! previous fsync ran.
//!
//! Why a thread of its own: openraft runs [`append`](openraft::storage::RaftLogStorage::append)
//! on its core task and publishes the entries to replication only after it returns. An fsync
//! inside `append` therefore put the leader's own fsync in front of every AppendEntries it sent
//! and stalled every other Raft event meanwhile (measured: the entry left for the followers
//! 0.25 ms after the leader's fdatasync ended, so leader and follower fsyncs ran one after the
//! other). Now `append` writes the batch to RocksDB unsynced, which makes it readable at once,
//! and hands its flush callback here; this thread fsyncs the WAL and then completes every
//! callback that was queued before that fsync began. Leader and followers fsync in parallel, and
//! a burst of appends shares one fsync.
//!
//! Invariants:
//! - a waiter is completed with `Ok` only by an fsync that began after it was queued, so `Ok`
//!   means every write made before [`WalSyncer::after_sync`] was called is on disk (all column
//!   families share one sequential WAL);
//! - waiters are completed in the order they were queued;
//! - after one failed fsync every later waiter fails too: the kernel may have dropped the dirty
//!   pages, so a later fsync that succeeds proves nothing about the earlier writes. openraft stops
//!   on a storage error and the master exits with 74 ([`super::RaftStopped`]); its restart
//!   recovers from the WAL.

use std::io;
use std::sync::mpsc;
use std::thread;

/// The thread's name, as `top -H` and `perf` show it.
const THREAD_NAME: &str = "raft-wal-sync";

/// Called once with the outcome of the fsync that covers it.
pub type Waiter = Box<dyn FnOnce(Result<(), io::Error>) + Send>;

/// Why the sync thread could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the raft log sync thread: {0}; raise the process or thread limit (ulimit -u, TasksMax=)")]
pub struct SyncThreadError(#[source] io::Error);

/// The handle to a master's sync thread. Dropping it ends the thread and waits for it, so
/// whatever `sync` holds (the database) is released when the handle is gone: a master reopened
/// in the same process finds its data dir unlocked.
pub struct WalSyncer {
    /// `None` only while dropping.
    tx: Option<mpsc::Sender<Waiter>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl WalSyncer {
    /// Starts the thread; `sync` makes everything written so far durable (for RocksDB: fsync the
    /// WAL) and is only ever called from that thread.
    pub fn start(
        sync: impl FnMut() -> Result<(), io::Error> + Send + 'static,
    ) -> Result<WalSyncer, SyncThreadError> {
        let (tx, rx) = mpsc::channel();
        let thread = thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || run(rx, sync))
            .map_err(SyncThreadError)?;
        Ok(WalSyncer {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Queues `waiter` to be completed by the next fsync. Call it after the write it waits for
    /// has returned.
    pub fn after_sync(&self, waiter: Waiter) {
        let Some(tx) = &self.tx else {
            return waiter(Err(io::Error::other("the raft log is closing")));
        };
        if let Err(mpsc::SendError(waiter)) = tx.send(waiter) {
            // Only a panic in `sync` ends the thread while a handle is alive.
            waiter(Err(io::Error::other(
                "the raft log sync thread has stopped; restart this master",
            )));
        }
    }
}

impl Drop for WalSyncer {
    fn drop(&mut self) {
        // Closing the channel ends the thread once the waiters already queued are completed.
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            if thread.thread().id() != thread::current().id() && thread.join().is_err() {
                tracing::error!("the raft log sync thread panicked; restart this master");
            }
        }
    }
}

fn run(rx: mpsc::Receiver<Waiter>, mut sync: impl FnMut() -> Result<(), io::Error>) {
    let mut failed: Option<(io::ErrorKind, String)> = None;
    while let Ok(first) = rx.recv() {
        // Everything queued so far was written before this fsync starts: one fsync covers it.
        let mut group = vec![first];
        group.extend(rx.try_iter());
        if failed.is_none() {
            if let Err(e) = sync() {
                // A warning: the master's exit line says what to do, once.
                tracing::warn!("raft log fsync failed: {e}; raft stops on this master");
                failed = Some((e.kind(), e.to_string()));
            }
        }
        for waiter in group {
            waiter(match &failed {
                None => Ok(()),
                Some((kind, message)) => Err(io::Error::new(*kind, message.clone())),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Waiters' outcomes, in completion order.
    type Outcomes = Arc<Mutex<Vec<(usize, Result<(), String>)>>>;

    fn waiter(id: usize, outcomes: &Outcomes, done: &mpsc::Sender<()>) -> Waiter {
        let outcomes = outcomes.clone();
        let done = done.clone();
        Box::new(move |r| {
            outcomes
                .lock()
                .unwrap()
                .push((id, r.map_err(|e| e.to_string())));
            done.send(()).unwrap();
        })
    }

    #[test]
    fn appends_queued_during_an_fsync_share_the_next_one_and_complete_in_order() {
        // The first fsync (for waiter 0 alone) blocks until every other waiter is queued, so they
        // must all share the second.
        let (entered_tx, entered_rx) = mpsc::channel::<()>();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let syncs = Arc::new(AtomicUsize::new(0));
        let counted = syncs.clone();
        let syncer = WalSyncer::start(move || {
            if counted.fetch_add(1, Ordering::SeqCst) == 0 {
                entered_tx.send(()).unwrap();
                release_rx.recv().unwrap();
            }
            Ok(())
        })
        .unwrap();
        let outcomes: Outcomes = Arc::default();
        let (done_tx, done_rx) = mpsc::channel();
        syncer.after_sync(waiter(0, &outcomes, &done_tx));
        entered_rx.recv().unwrap();
        const QUEUED: usize = 100;
        for id in 1..=QUEUED {
            syncer.after_sync(waiter(id, &outcomes, &done_tx));
        }
        release_tx.send(()).unwrap();
        for _ in 0..=QUEUED {
            done_rx.recv().unwrap();
        }
        assert_eq!(syncs.load(Ordering::SeqCst), 2, "one fsync per group");
        let outcomes = outcomes.lock().unwrap();
        let order: Vec<usize> = outcomes.iter().map(|(id, _)| *id).collect();
        assert_eq!(order, (0..=QUEUED).collect::<Vec<_>>());
        assert!(outcomes.iter().all(|(_, r)| r.is_ok()));
    }

    #[test]
    fn a_failed_fsync_reaches_every_waiter_and_every_later_one() {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let syncer = WalSyncer::start(move || {
            release_rx.recv().unwrap();
            Err(io::Error::other("disk gone"))
        })
        .unwrap();
        let outcomes: Outcomes = Arc::default();
        let (done_tx, done_rx) = mpsc::channel();
        for id in 0..10 {
            syncer.after_sync(waiter(id, &outcomes, &done_tx));
        }
        release_tx.send(()).unwrap();
        for _ in 0..10 {
            done_rx.recv().unwrap();
        }
        // No second fsync is tried (`release` is not sent again), yet the late waiter fails.
        syncer.after_sync(waiter(10, &outcomes, &done_tx));
        done_rx.recv().unwrap();
        let outcomes = outcomes.lock().unwrap();
        assert_eq!(outcomes.len(), 11);
        for (_, r) in outcomes.iter() {
            assert_eq!(r.as_ref().unwrap_err(), "disk gone");
        }
    }
}
