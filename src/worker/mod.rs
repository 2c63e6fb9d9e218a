//! A worker's side of separated cluster mode (SeaTunnel's `TaskExecutionService`): it runs the
//! task groups the active master deploys, holds a pipeline's committer when the master says so,
//! and reports to the masters. It holds no cluster state and can never become master.
//!
//! - [`runtime`]: running groups, the outbox of unrecorded ends, the fencing check.
//! - [`service`]: the `Worker` gRPC service the master calls.
//! - [`heartbeat`]: the loop that finds the active master and reports to it.

pub mod heartbeat;
pub mod runtime;
pub mod service;

pub use heartbeat::{MasterView, TagSource, WorkerIdentity};
pub use runtime::WorkerRuntime;
pub use service::WorkerGrpc;
