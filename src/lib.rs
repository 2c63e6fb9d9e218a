//! seatunnel-rs: Apache SeaTunnel's Zeta engine rebuilt in Rust.
//!
//! # Layout
//! - [`cli`]: the `seatunnel` command line (roles, local mode, config tools) and exit codes.
//! - [`node`]: process lifecycle: startup order, signals, reload, the shutdown tree.
//! - [`api`]: REST V2 over hyper, SeaTunnel's paths, shapes and error bodies.
//! - [`coordinator`]: the master's job table and history.
//! - [`engine`]: plans jobs and runs them as task groups (reader → channel → transforms → sinks).
//! - [`job`]: job files (SeaTunnel's HOCON dialect, JSON), variables, shade, the typed job config,
//!   the DAG, states and ids.
//! - [`connector`] (crate `seatunnel-connector`): the plugin API and the registry; [`connectors`]
//!   lists the built-in plugins, one crate per connector family (`crates/connector-*`) and
//!   [`transforms`] (crate `seatunnel-transforms`).
//! - [`data`] (crate `seatunnel-data`): rows, batches, column types, literals.
//! - [`config`]: SeaTunnel's server and client configuration files, layered.
//! - [`telemetry`]: logging (journald or stderr) and systemd notifications.
//! - [`cluster`]: the separated cluster layer: failure detection, group formation, the
//!   master↔worker messages.
//! - [`worker`]: a worker's task execution, its gRPC service and heartbeat.
//! - [`map`]: the masters' state store: SeaTunnel's `engine_*` IMaps over RocksDB, shaped for Raft.
//! - [`raft`]: Raft among the masters (openraft over gRPC), replicating the map.
//! - [`scheduler`]: slot accounting and task placement (pure decisions).
//!
//! See `docs/ARCHITECTURE.md` for the layering rule and the invariants.

pub mod api;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod connectors;
pub mod coordinator;
pub mod map;
pub mod node;
pub mod raft;
pub mod scheduler;
pub mod telemetry;
#[doc(hidden)]
pub mod test_support;
pub mod worker;

// The library crates under the names the server has always used: a connector crate sees only
// `data` and `connector`, and the server reaches every crate by the same paths as before.
pub use seatunnel_connector as connector;
pub use seatunnel_data as data;
pub use seatunnel_engine as engine;
pub use seatunnel_job as job;
pub use seatunnel_transforms as transforms;

/// The engine's runtime guarantees, tested through the embedded node every job runs on.
#[cfg(test)]
mod engine_tests;
