//! seatunnel-rs: Apache SeaTunnel's Zeta engine rebuilt in Rust.
//!
//! # Layout
//! - [`data`]: rows, batches, column types.
//! - [`connector`]: the source/transform/sink API and the plugin registry.
//! - [`connectors`]: the built-in plugins (FakeSource, Console, Assert, LocalFile, transforms).
//! - [`job`]: job files (HOCON/JSON), the typed job config, states, ids and the plan.
//! - [`config`]: server and client configuration (seatunnel.yaml, hazelcast files, layering).
//! - [`map`]: the masters' state store: SeaTunnel's `engine_*` IMaps over RocksDB, shaped for Raft.
//! - [`coordinator`]: the master-side job table, history and submit/stop rules.
//! - [`api`]: the REST V2 API over hyper.
//!
//! See `docs/ARCHITECTURE.md` for the layering rule and the invariants.

pub mod api;
pub mod cli;
pub mod config;
pub mod connector;
pub mod connectors;
pub mod coordinator;
pub mod data;
pub mod engine;
pub mod job;
pub mod map;
pub mod node;
pub mod telemetry;
pub mod transforms;
