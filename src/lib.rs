//! seatunnel-rs: Apache SeaTunnel's Zeta engine rebuilt in Rust.
//!
//! # Layout
//! - [`data`]: rows, batches, column types.
//! - [`connector`]: the source/transform/sink API and the plugin registry.
//! - [`connectors`]: the built-in plugins (FakeSource, Console, Assert, LocalFile, transforms).
//! - [`job`]: job files (HOCON/JSON), the typed job config, states, ids and the plan.
//!
//! See `docs/ARCHITECTURE.md` for the layering rule and the invariants.

pub mod connector;
pub mod connectors;
pub mod data;
pub mod job;
