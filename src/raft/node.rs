//! Opening one master's Raft: its RocksDB (log, vote and maps in one database), the state
//! machine over the map store, and the openraft instance wired to the gRPC transport.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use openraft::async_runtime::WatchReceiver;

use super::network::NetworkFactory;
use super::settings::{RaftTimings, TimingError};
use super::wal_sync::SyncThreadError;
use super::{LogStore, NodeId, Raft, StateMachine};
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

/// One master's Raft and the maps it replicates.
#[derive(Clone)]
pub struct MasterRaft {
    pub node_id: NodeId,
    pub raft: Raft,
    pub state: StateMachine,
    /// How long a quorum's acknowledgement keeps this master's leadership valid (see
    /// [`MasterRaft::lease_token`]).
    pub lease: Duration,
}

impl MasterRaft {
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
        })
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
