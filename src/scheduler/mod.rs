//! Slot accounting and task placement for the separated cluster, as pure decisions: the master's
//! resource manager feeds in the workers' slot profiles and a job's resource request, and
//! executes the answer (grant, release, wait or reject).
//!
//! - [`slots`]: worker slot profiles, tag filters, a job's resource request (`2 + P` slots per
//!   pipeline) and the `/overview` slot numbers.
//! - [`assign`]: `assign(problem, previous)`, which re-adopts what is still valid and places the
//!   rest by the allocate strategy, and `decide`, which applies WAIT or REJECT to a shortage.

pub mod assign;
pub mod local;
pub mod slots;

#[cfg(test)]
mod proptests;

pub use assign::{
    assign, check_contract, decide, Assignment, ContractViolation, Decision, NoEnoughResource,
    Problem, SlotGrant, SlotRelease, NO_ENOUGH_RESOURCE_EXCEPTION, WAIT_RECHECK_INTERVAL,
};
pub use slots::{
    overview, Epoch, HeldSlot, PipelineDemand, ResourceRequest, SlotCapacity, SlotId, SlotOverview,
    TagFilter, TagFilterError, TaskLocation, TaskRole, WorkerId, WorkerProfile,
    COORDINATOR_TASKS_PER_PIPELINE,
};
