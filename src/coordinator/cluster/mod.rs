//! The coordinator in separated cluster mode: the job table on the masters' Raft-replicated map,
//! the active master's view of the workers, the job driver that runs jobs on them, and the
//! `Coordinator` gRPC service workers heartbeat to.
//!
//! - [`raft_store`]: [`JobStore`](super::JobStore) over Raft and the per-job run records.
//! - [`workers`]: worker profiles, liveness (failure detector) and what they run; soft state.
//! - [`runner`]: the job driver (SeaTunnel's `JobMaster`) as a [`JobRunner`](super::JobRunner).
//! - [`wait`]: the driver's wait for one placement of a pipeline (deploy, probe, checkpoint,
//!   savepoint), executing what [`observe`] decides: one round, decided as data.
//! - [`starts`]: where a pipeline's groups start (enumerated splits, last checkpoint, a kept
//!   savepoint).
//! - [`checkpoint`]: the driver's checkpoints across workers, recorded before they commit.
//! - [`overview`]: the checkpoint overview from the pipeline records and the rounds in flight.
//! - [`restart`]: a pipeline that lost a worker placed and run again (`job.retry.times`).
//! - [`service`]: heartbeats in, recorded task-group ends and the fencing token out.

mod calls;
mod checkpoint;
mod observe;
pub mod overview;
pub mod raft_store;
mod restart;
pub mod runner;
pub mod service;
mod starts;
mod wait;
pub mod workers;

pub use overview::InFlight;
pub use raft_store::RaftJobStore;
pub use runner::{ClusterContext, ClusterRunner};
pub use service::CoordinatorGrpc;
pub use workers::{WorkerRegistry, WorkerSummary};
