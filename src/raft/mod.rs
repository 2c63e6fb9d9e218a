//! Raft among the masters (cluster design §3): the masters' partitioned map ([`crate::map`])
//! replicated with openraft, over gRPC on the member port.
//!
//! - [`command`]: the state-machine command (puts and deletes across maps, with guards) and its
//!   result; one command is one log entry, applied in one RocksDB batch.
//! - [`log_store`]: the Raft log and vote in the `raft_log` / `raft_meta` column families.
//! - [`wal_sync`]: group commit: one WAL fsync acknowledges every append queued meanwhile.
//! - [`state_machine`]: applies entries to the [`crate::map::MapStore`]; snapshots are the map's
//!   verified 271-partition snapshots.
//! - [`network`] / [`service`]: the client and server halves of the `Raft` gRPC service.
//! - [`codec`]: how Raft messages travel and rest (postcard).
//! - [`settings`]: election and heartbeat timing, from the server config.
//!
//! Invariants:
//! - a vote returns only after its WAL fsync, and a log append is reported flushed only after
//!   a WAL fsync that began after its write: acked means fsynced on a majority;
//! - the state machine's `last_applied` moves only forward, in the same batch as the data;
//! - leader ids are "standard" (one leader per term), so `(term, node_id)` is a fencing token
//!   that orders every leader that ever acted.

pub mod codec;
/// Generated gRPC code for `proto/cluster.proto`.
#[allow(clippy::all)]
pub mod proto {
    tonic::include_proto!("seatunnel.cluster.v1");
}
pub mod command;
pub mod log_store;
pub mod network;
pub mod node;
pub mod service;
pub mod settings;
pub mod state_machine;
pub mod wal_sync;

#[cfg(test)]
mod tests;

pub use command::{Command, CommandResult, Guard, MapOp};
pub use log_store::LogStore;
pub use network::{ForwardError, Forwarder, Network, NetworkFactory, CLUSTER_HEADER};
pub use node::{uncancelled, MasterRaft, RaftStartError, RaftStopped};
pub use service::RaftGrpc;
pub use settings::RaftTimings;
pub use state_machine::StateMachine;

/// A master's id in the Raft group. Stable for the life of its data dir.
pub type NodeId = u64;

openraft::declare_raft_types!(
    /// The application types of the masters' Raft group.
    pub TypeConfig:
        D = Command,
        R = CommandResult,
        NodeId = NodeId,
        Node = openraft::BasicNode,
        LeaderId = openraft::impls::leader_id_std::LeaderId<u64, NodeId>,
);

/// The masters' Raft handle.
pub type Raft = openraft::Raft<TypeConfig, StateMachine>;
/// A log id of this group.
pub type LogId = openraft::alias::LogIdOf<TypeConfig>;
/// A log entry of this group.
pub type Entry = openraft::alias::EntryOf<TypeConfig>;
