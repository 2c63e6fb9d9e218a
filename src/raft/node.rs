//! Opening one master's Raft: its RocksDB (log, vote and maps in one database), the state
//! machine over the map store, and the openraft instance wired to the gRPC transport; and
//! learning when its core stopped on its own, which the master must not outlive.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use openraft::async_runtime::WatchReceiver;
use openraft::errors::Fatal;

use super::network::NetworkFactory;
use super::settings::{RaftTimings, TimingError};
use super::wal_sync::SyncThreadError;
use super::{LogStore, NodeId, Raft, StateMachine, TypeConfig};
use crate::map::{RocksDb, RocksStore, RocksStoreOptions, StoreError};

/// Why a master's Raft could not start.
#[derive(Debug, thiserror::Error)]
pub enum RaftStartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Timing(#[from] TimingError),
    #[error(transparent)]
    SyncThread(#[from] SyncThreadError),
    #[error("raft did not start on data dir {dir}: {message}")]
    Raft { dir: String, message: String },
}

/// Why a master's Raft core stopped without being asked to. A master without its core answers
/// nothing for the group and can never get it back, so it exits and its service manager
/// restarts it (RocksDB recovers from its WAL on the next open).
#[derive(Debug, thiserror::Error)]
pub enum RaftStopped {
    /// A log, vote or apply write failed (a full disk, a failing disk): openraft stops its core
    /// on any storage error rather than ack what may not be durable.
    #[error("raft stopped on a storage error: {cause}; free disk space under {dir} or replace its disk, then start this master again (systemd restarts it)")]
    Storage { dir: String, cause: String },
    /// The core panicked or ended for a reason of its own.
    #[error("raft stopped unexpectedly ({cause}); start this master again (systemd restarts it) and report the log if it happens again")]
    Other { cause: String },
}

impl RaftStopped {
    /// The reason for `fatal`, with the storage error reduced to its innermost cause (the
    /// RocksDB message naming the file and the OS error), which is what an operator acts on.
    pub fn from_fatal(fatal: &Fatal<TypeConfig>, dir: &Path) -> RaftStopped {
        match fatal {
            Fatal::StorageError(e) => {
                let mut cause: &dyn std::error::Error = e;
                while let Some(inner) = cause.source() {
                    cause = inner;
                }
                RaftStopped::Storage {
                    dir: dir.display().to_string(),
                    cause: cause.to_string(),
                }
            }
            other => RaftStopped::Other {
                cause: other.to_string(),
            },
        }
    }
}

/// Runs a call into openraft on a task of its own and waits for it.
///
/// Why: openraft 0.10's `RaftInner::join_core_task` is not cancel-safe. The first caller that
/// finds the core stopped joins its task; if that caller's future is dropped while it waits
/// (a gRPC handler whose client gave up, a job task aborted on step-down), the core state stays
/// "joining" with no one left to finish it, and every later call panics (`RaftCore should have
/// already quit`, then `PoisonError` on the lock that panic poisoned). A spawned task runs to
/// its end whatever happens to the caller: dropping the returned future only detaches it.
///
/// A call that cannot finish (the runtime is shutting down, or it panicked) is reported as the
/// core having stopped.
pub async fn uncancelled<T, E>(
    call: impl Future<Output = Result<T, E>> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<Fatal<TypeConfig>> + Send + 'static,
{
    match tokio::spawn(call).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => Err(Fatal::Panicked.into()),
        Err(_) => Err(Fatal::Stopped.into()),
    }
}

/// One master's Raft and the maps it replicates.
#[derive(Clone)]
pub struct MasterRaft {
    pub node_id: NodeId,
    pub raft: Raft,
    pub state: StateMachine,
    /// How long a quorum's acknowledgement keeps this master's leadership valid (see
    /// [`MasterRaft::lease_token`]).
    pub lease: Duration,
    /// The RocksDB directory the log and the maps live in.
    pub dir: PathBuf,
}

impl MasterRaft {
    /// Whether this master's Raft holds a membership: the group was formed, here or elsewhere.
    pub fn is_formed(&self) -> bool {
        self.raft
            .metrics()
            .borrow_watched()
            .membership_config
            .membership()
            .voter_ids()
            .next()
            .is_some()
    }

    /// Opens (or creates) the data dir for `cluster_name` and starts Raft as `node_id`. Nothing is
    /// loaded: the log and the applied maps are on disk, and Raft resumes from them.
    pub async fn open(
        node_id: NodeId,
        dir: &Path,
        cluster_name: &str,
        timings: RaftTimings,
    ) -> Result<MasterRaft, RaftStartError> {
        let config = timings.openraft_config(cluster_name)?;
        let db = RocksDb::open(dir, cluster_name)?;
        // The log's fsync after each append covers the shared WAL, and Raft re-applies anything
        // past the durable `last_applied`, so the apply itself need not sync (map store module doc).
        let options = RocksStoreOptions {
            sync_on_apply: false,
        };
        let state = StateMachine::new(Arc::new(RocksStore::new(db.clone(), options)));
        let raft = Raft::new(
            node_id,
            config,
            NetworkFactory::new(cluster_name),
            LogStore::new(db)?,
            state.clone(),
        )
        .await
        .map_err(|e| RaftStartError::Raft {
            dir: dir.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(MasterRaft {
            node_id,
            raft,
            state,
            lease: timings.lease(),
            dir: dir.to_path_buf(),
        })
    }

    /// Resolves once this master's Raft core stopped: on a storage error, a panic, or a
    /// [`Raft::shutdown`](openraft::Raft::shutdown) (await it only while nobody asked for one).
    /// openraft records why in `running_state` before its core task ends, and drops the metrics
    /// sender when the task ends (a panic included), so either wakes this.
    pub async fn stopped(&self) -> RaftStopped {
        let mut metrics = self.raft.metrics();
        loop {
            if let Err(fatal) = &metrics.borrow_watched().running_state {
                return RaftStopped::from_fatal(fatal, &self.dir);
            }
            if metrics.changed().await.is_err() {
                let fatal = match &metrics.borrow_watched().running_state {
                    Err(fatal) => fatal.clone(),
                    Ok(()) => Fatal::Panicked,
                };
                return RaftStopped::from_fatal(&fatal, &self.dir);
            }
        }
    }

    /// Whether the Raft core still runs: false from the moment it stopped, for whatever reason.
    pub fn running(&self) -> bool {
        self.raft.metrics().borrow_watched().running_state.is_ok()
    }

    /// `(term, node id)` if this master leads and a quorum acknowledged it within the lease.
    /// A leader that was paused (SIGSTOP, a long GC-like stall) finds its lease expired on
    /// waking and does not act until a quorum confirms it again; by then a newer leader, if one
    /// was elected, has deposed it.
    ///
    /// The only voter is its own quorum: no other node can be elected without a membership
    /// change this leader commits, and openraft refreshes `last_quorum_acked` only from
    /// followers' acks, of which a lone voter gets none. Its lease therefore always holds.
    pub fn lease_token(&self) -> Option<(u64, NodeId)> {
        let m = self.raft.metrics().borrow_watched().clone();
        if m.state != openraft::ServerState::Leader {
            return None;
        }
        let mut voters = m.membership_config.membership().voter_ids();
        if voters.next() == Some(self.node_id) && voters.next().is_none() {
            return Some((m.vote.leader_id().term, self.node_id));
        }
        let acked = m.last_quorum_acked?;
        let age = openraft::Instant::elapsed(&*acked);
        (age < self.lease).then(|| (m.vote.leader_id().term, self.node_id))
    }

    /// The leader's member address, as this master knows it.
    pub fn leader_address(&self) -> Option<(NodeId, String)> {
        let m = self.raft.metrics().borrow_watched().clone();
        let leader = m.current_leader?;
        let addr = m
            .membership_config
            .membership()
            .get_node(&leader)
            .map(|n| n.addr.clone())?;
        Some((leader, addr))
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::path::Path;

    use openraft::errors::Fatal;
    use openraft::{ErrorSubject, ErrorVerb, StorageError};

    use super::RaftStopped;

    /// Stands for the map store's error: a message of its own over RocksDB's.
    #[derive(Debug, thiserror::Error)]
    #[error("rocksdb failed on data dir /data/raft: {0}")]
    struct Rocks(#[source] io::Error);

    #[test]
    fn a_storage_error_says_its_innermost_cause_and_what_to_do() {
        let full = io::Error::new(
            io::ErrorKind::StorageFull,
            "IO error: No space left on device: While appending to file: /data/raft/000004.log",
        );
        let fatal = Fatal::StorageError(StorageError::from_io_error(
            ErrorSubject::Logs,
            ErrorVerb::Write,
            io::Error::other(Rocks(full)),
        ));
        let stopped = RaftStopped::from_fatal(&fatal, Path::new("/data/raft"));
        assert!(matches!(stopped, RaftStopped::Storage { .. }));
        assert_eq!(
            stopped.to_string(),
            "raft stopped on a storage error: IO error: No space left on device: While appending \
             to file: /data/raft/000004.log; free disk space under /data/raft or replace its \
             disk, then start this master again (systemd restarts it)"
        );
    }

    #[test]
    fn a_core_that_panicked_is_not_a_storage_error() {
        let stopped = RaftStopped::from_fatal(&Fatal::Panicked, Path::new("/data/raft"));
        assert!(matches!(stopped, RaftStopped::Other { .. }), "{stopped}");
    }
}
