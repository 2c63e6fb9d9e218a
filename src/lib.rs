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
//! - [`connector`]: the plugin API and the registry; [`connectors`] and [`transforms`] are the
//!   built-in plugins.
//! - [`data`]: rows, batches, column types.
//! - [`config`]: SeaTunnel's server and client configuration files, layered.
//! - [`telemetry`]: logging (journald or stderr) and systemd notifications.
//! - [`connector`]: the source/transform/sink API and the plugin registry.
//! - [`connectors`]: the built-in plugins (FakeSource, Console, Assert, LocalFile, transforms).
//! - [`job`]: job files (HOCON/JSON), the typed job config, states, ids and the plan.
//! - [`config`]: server and client configuration (seatunnel.yaml, hazelcast files, layering).
//! - [`coordinator`]: the master-side job table, history and submit/stop rules.
//! - [`api`]: the REST V2 API over hyper.
//! - [`cluster`]: the separated cluster layer (member failure detection so far).
//!
//! See `docs/ARCHITECTURE.md` for the layering rule and the invariants.

pub mod api;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod connector;
pub mod connectors;
pub mod coordinator;
pub mod data;
pub mod engine;
pub mod job;
pub mod node;
pub mod telemetry;
pub mod transforms;
