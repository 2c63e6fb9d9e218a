//! The separated cluster layer (masters and workers as distinct processes).
//!
//! Built bottom-up as pure, clock-injected pieces so the deterministic simulation and the
//! real-process tests drive the same code:
//! - [`failure_detector`]: Hazelcast's member failure detectors (deadline and phi-accrual) and
//!   its connection-fault fast path, with the silence each configuration needs before a member
//!   is suspected.
//! - [`identity`]: a master's Raft node id, kept in its data dir.
//! - [`greet`]: members introduce themselves (role, Raft id) on the member port.
//! - [`bootstrap`]: how masters form the Raft group from the member list: which voters to propose.
//! - [`formation`]: the masters agree on those first voters (single-decree Paxos) before forming.
//! - [`durable`]: small files replaced atomically and synced (node id, formation promises).
//! - [`membership`]: after formation, which late or replaced master joins or takes a vote next.
//! - [`wire`]: the messages between the active master and the workers, with fencing tokens.

pub mod bootstrap;
pub mod durable;
pub mod failure_detector;
pub mod formation;
pub mod greet;
pub mod identity;
pub mod membership;
pub mod wire;
