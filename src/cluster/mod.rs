//! The separated cluster layer (masters and workers as distinct processes).
//!
//! Built bottom-up as pure, clock-injected pieces so the deterministic simulation and the
//! real-process tests drive the same code:
//! - [`failure_detector`]: Hazelcast's member failure detectors (deadline and phi-accrual) and
//!   its connection-fault fast path, with the silence each configuration needs before a member
//!   is suspected.

pub mod failure_detector;
