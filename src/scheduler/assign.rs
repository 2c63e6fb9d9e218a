//! Task placement: a pure `assign(problem, previous)` over the workers' slot profiles, and the
//! WAIT/REJECT decision on a shortage. The master's resource manager executes the result.
//!
//! Rules:
//! 1. **Adopt.** A previous grant is kept when its worker is alive and still reports that slot
//!    for this job under the same epoch, so a master failover or a pipeline restart re-adopts
//!    running tasks instead of placing them again.
//! 2. **Dead workers.** Grants on workers that are gone vanish with them; their tasks are placed
//!    again like new ones.
//! 3. **Leftovers.** Slots a live worker holds for this job that no kept grant covers are
//!    released and free for this job again. Without this, a job restored by a new master found
//!    its own old slots occupied and stayed PENDING forever (SeaTunnel #11437, fixed in #11458).
//! 4. **New grants** go only to workers whose tags match the job's filter: static workers with a
//!    free slot first, dynamic workers when none has one (SeaTunnel's order); among those the
//!    allocate strategy picks. Each takes the worker's lowest free slot number.
//! 5. **All or nothing.** If one task cannot be placed, the job gets no slot at all.
//!
//! Contract (checked by [`check_contract`] in debug builds): every requested task has exactly one
//! grant; no two grants share a worker's slot; no grant takes a slot another job holds; a new
//! grant is on a live worker matching the filter, below a static worker's capacity, stamped with
//! the problem's epoch; an adopted grant is the previous one, still held.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::config::{AllocateStrategy, ScheduleStrategy};

use super::slots::{
    Epoch, HeldSlot, ResourceRequest, SlotCapacity, SlotId, TagFilter, TaskLocation, WorkerId,
    WorkerProfile,
};

/// The class name users grep for in a rejected job's `errorMsg` and the client's stderr.
pub const NO_ENOUGH_RESOURCE_EXCEPTION: &str =
    "org.apache.seatunnel.engine.server.resourcemanager.NoEnoughResourceException";
/// How long a job waiting for slots (`job-schedule-strategy: WAIT`) stays PENDING before the
/// next attempt; SeaTunnel's pending-job scheduler sleeps this long.
pub const WAIT_RECHECK_INTERVAL: Duration = Duration::from_secs(3);
/// SLOT_RATIO's usage figure for a dynamic worker, which has no total to divide by
/// (SeaTunnel's choice: half used).
const DYNAMIC_SLOT_USAGE: f64 = 0.5;
/// SYSTEM_LOAD weighs expected idle resources against slot balance 70:30, as SeaTunnel does.
const LOAD_WEIGHT: f64 = 0.7;
const BALANCE_WEIGHT: f64 = 0.3;
/// SYSTEM_LOAD's guess at the load one more slot adds to a worker that holds none yet.
const DEFAULT_LOAD_PER_SLOT: f64 = 0.1;

/// One job's placement question.
#[derive(Debug, Clone, Copy)]
pub struct Problem<'a> {
    pub request: &'a ResourceRequest,
    /// The live workers (registered and heartbeating), with the slots they report.
    pub workers: &'a [WorkerProfile],
    pub strategy: AllocateStrategy,
    /// Seeds RANDOM, so the same problem and seed always give the same answer.
    pub seed: u64,
    /// Stamped on every new grant; must differ from every epoch already in use.
    pub epoch: Epoch,
}

/// A slot given to one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotGrant {
    pub worker: WorkerId,
    pub slot: SlotId,
    pub epoch: Epoch,
}

/// A slot the job holds that the new assignment does not keep: release it on the worker (and
/// cancel any task still running in it) before applying the new grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotRelease {
    pub worker: WorkerId,
    pub held: HeldSlot,
}

/// Where every task of a job runs (SeaTunnel's owned slot profiles for the job).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignment {
    pub job_id: i64,
    pub grants: BTreeMap<TaskLocation, SlotGrant>,
    /// Tasks whose grant was kept from the previous assignment; the rest are newly placed.
    pub adopted: BTreeSet<TaskLocation>,
    pub release: Vec<SlotRelease>,
}

impl Assignment {
    /// The grants this solve made (tasks to deploy), as opposed to adopted ones.
    pub fn newly_placed(&self) -> impl Iterator<Item = (&TaskLocation, &SlotGrant)> {
        self.grants
            .iter()
            .filter(|(loc, _)| !self.adopted.contains(loc))
    }

    /// Updates the workers' held slots as they will report them once this assignment is
    /// applied, so the next job's problem sees them taken before the next heartbeat arrives.
    pub fn record(&self, workers: &mut [WorkerProfile]) {
        for w in workers.iter_mut() {
            w.held.retain(|h| {
                !self
                    .release
                    .iter()
                    .any(|r| r.worker == w.id && r.held == *h)
            });
            for (_, g) in self.newly_placed().filter(|(_, g)| g.worker == w.id) {
                w.held.push(HeldSlot {
                    slot: g.slot,
                    job_id: self.job_id,
                    epoch: g.epoch,
                });
            }
        }
    }
}

/// Why a job cannot get its slots. The text starts with SeaTunnel's exception class name,
/// which is what users and tests look for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoEnoughResource {
    #[error("{class}: job {job_id} cannot get {needed} slots: no worker has registered; start a worker", class = NO_ENOUGH_RESOURCE_EXCEPTION)]
    NoWorker { job_id: i64, needed: usize },
    #[error("{class}: job {job_id} cannot get {needed} slots: no worker's member-attributes match env.tag_filter {tag_filter}; tag a worker or change the filter", class = NO_ENOUGH_RESOURCE_EXCEPTION)]
    NoMatchingWorker {
        job_id: i64,
        needed: usize,
        tag_filter: TagFilter,
    },
    #[error("{class}: job {job_id} needs {needed} more slots but its {workers} usable worker(s) have {free} free; lower the parallelism (a pipeline takes 2 + parallelism slots), add workers or raise slot-service.slot-num", class = NO_ENOUGH_RESOURCE_EXCEPTION)]
    NotEnoughSlots {
        job_id: i64,
        needed: usize,
        free: u64,
        workers: usize,
    },
}

impl NoEnoughResource {
    pub fn job_id(&self) -> i64 {
        match self {
            NoEnoughResource::NoWorker { job_id, .. }
            | NoEnoughResource::NoMatchingWorker { job_id, .. }
            | NoEnoughResource::NotEnoughSlots { job_id, .. } => *job_id,
        }
    }

    /// Tasks that found no slot (`/pending-jobs` `lackingTaskGroups`).
    pub fn lacking(&self) -> usize {
        match self {
            NoEnoughResource::NoWorker { needed, .. }
            | NoEnoughResource::NoMatchingWorker { needed, .. } => *needed,
            NoEnoughResource::NotEnoughSlots { needed, free, .. } => {
                needed.saturating_sub(usize::try_from(*free).unwrap_or(usize::MAX))
            }
        }
    }
}

/// What the coordinator does with a job after a placement attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Release `assignment.release`, then deploy the newly placed tasks.
    Deploy(Assignment),
    /// `REJECT`: the job ends FAILED with the error's text as its `errorMsg`.
    Reject(NoEnoughResource),
    /// `WAIT`: the job stays PENDING and is tried again after [`WAIT_RECHECK_INTERVAL`].
    Wait(NoEnoughResource),
}

/// Applies `job-schedule-strategy` to a placement result. The config loader already forces
/// REJECT when slots are dynamic, where a shortage means no usable worker at all.
pub fn decide(
    strategy: ScheduleStrategy,
    result: Result<Assignment, NoEnoughResource>,
) -> Decision {
    match (result, strategy) {
        (Ok(a), _) => Decision::Deploy(a),
        (Err(e), ScheduleStrategy::Reject) => Decision::Reject(e),
        (Err(e), ScheduleStrategy::Wait) => Decision::Wait(e),
    }
}

/// Places every task of `problem.request`, keeping what `previous` (the job's last assignment,
/// if any) still validly holds. Pure and deterministic for a given problem.
pub fn assign(
    problem: &Problem<'_>,
    previous: Option<&Assignment>,
) -> Result<Assignment, NoEnoughResource> {
    let job_id = problem.request.job_id;
    let mut ledgers: Vec<Ledger<'_>> = problem
        .workers
        .iter()
        .map(|w| Ledger::new(w, job_id))
        .collect();
    ledgers.sort_by(|a, b| a.worker.id.cmp(&b.worker.id));
    debug_assert!(
        ledgers.windows(2).all(|p| p[0].worker.id != p[1].worker.id),
        "worker ids must be unique"
    );
    let index: BTreeMap<&WorkerId, usize> = ledgers
        .iter()
        .enumerate()
        .map(|(i, l)| (&l.worker.id, i))
        .collect();
    let wanted: Vec<TaskLocation> = problem.request.locations().collect();
    let mut out = Assignment {
        job_id,
        ..Assignment::default()
    };

    if let Some(prev) = previous.filter(|p| p.job_id == job_id) {
        for loc in &wanted {
            let Some(g) = prev.grants.get(loc) else {
                continue;
            };
            let Some(&i) = index.get(&g.worker) else {
                continue;
            };
            let l = &mut ledgers[i];
            if l.worker.holds(g.slot, job_id, g.epoch) && l.occupy(g.slot) {
                out.grants.insert(*loc, g.clone());
                out.adopted.insert(*loc);
            }
        }
    }

    let kept: BTreeSet<(&WorkerId, SlotId, Epoch)> = out
        .grants
        .values()
        .map(|g| (&g.worker, g.slot, g.epoch))
        .collect();
    for l in &ledgers {
        for h in l.worker.held.iter().filter(|h| h.job_id == job_id) {
            if !kept.contains(&(&l.worker.id, h.slot, h.epoch)) {
                out.release.push(SlotRelease {
                    worker: l.worker.id.clone(),
                    held: *h,
                });
            }
        }
    }

    let pending: Vec<TaskLocation> = wanted
        .into_iter()
        .filter(|loc| !out.grants.contains_key(loc))
        .collect();
    if !pending.is_empty() {
        place(problem, &mut ledgers, &pending, &mut out)?;
    }

    if cfg!(debug_assertions) {
        if let Err(e) = check_contract(problem, previous, &out) {
            panic!("{e}");
        }
    }
    Ok(out)
}

fn place(
    problem: &Problem<'_>,
    ledgers: &mut [Ledger<'_>],
    pending: &[TaskLocation],
    out: &mut Assignment,
) -> Result<(), NoEnoughResource> {
    let job_id = problem.request.job_id;
    let needed = pending.len();
    if ledgers.is_empty() {
        return Err(NoEnoughResource::NoWorker { job_id, needed });
    }
    let filter = &problem.request.tag_filter;
    let candidates: Vec<usize> = (0..ledgers.len())
        .filter(|&i| filter.matches(&ledgers[i].worker.tags))
        .collect();
    if candidates.is_empty() {
        return Err(NoEnoughResource::NoMatchingWorker {
            job_id,
            needed,
            tag_filter: filter.clone(),
        });
    }
    let free: Option<u64> = candidates
        .iter()
        .map(|&i| ledgers[i].free().map(u64::from))
        .sum();
    let shortage = |free: u64| NoEnoughResource::NotEnoughSlots {
        job_id,
        needed,
        free,
        workers: candidates.len(),
    };
    if let Some(free) = free.filter(|f| *f < needed as u64) {
        return Err(shortage(free));
    }
    let mut rng = SplitMix64(problem.seed);
    for loc in pending {
        let slot = pick(problem.strategy, ledgers, &candidates, &mut rng)
            .and_then(|i| ledgers[i].take().map(|slot| (i, slot)));
        let Some((i, slot)) = slot else {
            // Unreachable after the capacity check above; kept as an error, not a panic.
            return Err(shortage(free.unwrap_or(0)));
        };
        out.grants.insert(
            *loc,
            SlotGrant {
                worker: ledgers[i].worker.id.clone(),
                slot,
                epoch: problem.epoch,
            },
        );
    }
    Ok(())
}

/// One worker's slots during a solve. Every question a placement asks of it (free slots, usage,
/// the lowest free slot) is answered from counters and a cursor, not by scanning `occupied`,
/// so placing n tasks costs O(n log n) per worker rather than O(n²).
struct Ledger<'a> {
    worker: &'a WorkerProfile,
    /// Slot numbers taken: by other jobs, by adopted grants, by grants made in this solve.
    occupied: BTreeSet<SlotId>,
    /// How many of `occupied` count against the capacity (below it; all of them when dynamic).
    used: u32,
    /// Every slot number below this is occupied (slots are only ever added during a solve), so
    /// the lowest free slot is found from here.
    next_free: SlotId,
    /// Slots other jobs held before this solve (SYSTEM_LOAD's per-slot load estimate).
    held_before: usize,
    /// Grants made on this worker in this solve.
    granted: u32,
}

impl<'a> Ledger<'a> {
    fn new(worker: &'a WorkerProfile, job_id: i64) -> Self {
        let occupied: BTreeSet<SlotId> = worker
            .held
            .iter()
            .filter(|h| h.job_id != job_id)
            .map(|h| h.slot)
            .collect();
        let mut ledger = Ledger {
            worker,
            held_before: occupied.len(),
            occupied: BTreeSet::new(),
            used: 0,
            next_free: 0,
            granted: 0,
        };
        for slot in occupied {
            ledger.occupy(slot);
        }
        ledger
    }

    /// The highest slot number plus one that counts against the capacity.
    fn limit(&self) -> SlotId {
        match self.worker.capacity {
            SlotCapacity::Static(n) => n,
            SlotCapacity::Dynamic => SlotId::MAX,
        }
    }

    /// Marks `slot` taken; `false` if it already was.
    fn occupy(&mut self, slot: SlotId) -> bool {
        let new = self.occupied.insert(slot);
        if new && slot < self.limit() {
            self.used += 1;
        }
        new
    }

    /// Free slots, `None` when unlimited.
    fn free(&self) -> Option<u32> {
        match self.worker.capacity {
            SlotCapacity::Dynamic => None,
            SlotCapacity::Static(n) => Some(n - self.used),
        }
    }

    /// Takes the lowest free slot number.
    fn take(&mut self) -> Option<SlotId> {
        let limit = self.limit();
        let mut slot = self.next_free;
        while slot < limit && self.occupied.contains(&slot) {
            slot += 1;
        }
        if slot >= limit {
            return None;
        }
        self.occupy(slot);
        self.next_free = slot + 1;
        self.granted += 1;
        Some(slot)
    }

    /// Share of slots in use, for SLOT_RATIO (lower is better).
    fn usage(&self) -> f64 {
        match self.worker.capacity {
            SlotCapacity::Dynamic => DYNAMIC_SLOT_USAGE,
            SlotCapacity::Static(0) => 1.0,
            SlotCapacity::Static(n) => f64::from(self.used) / f64::from(n),
        }
    }

    /// SYSTEM_LOAD's weight (higher is better): expected idle resources once this solve's grants
    /// run, blended with slot balance. A worker with no load report counts as fully loaded, so
    /// workers that report come first, as in SeaTunnel.
    fn load_weight(&self) -> f64 {
        let load = self
            .worker
            .load
            .filter(|l| l.is_finite())
            .map_or(1.0, |l| l.clamp(0.0, 1.0));
        let per_slot = if self.held_before > 0 {
            load / self.held_before as f64
        } else {
            DEFAULT_LOAD_PER_SLOT
        };
        let expected_idle = 1.0 - load - f64::from(self.granted) * per_slot;
        LOAD_WEIGHT * expected_idle + BALANCE_WEIGHT * (1.0 - self.usage())
    }
}

/// Chooses the worker for the next task among `candidates` that still have room: static
/// workers with a free slot first, then dynamic ones. Ties go to the lowest worker id.
fn pick(
    strategy: AllocateStrategy,
    ledgers: &[Ledger<'_>],
    candidates: &[usize],
    rng: &mut SplitMix64,
) -> Option<usize> {
    let mut tier: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| ledgers[i].free().is_some_and(|f| f > 0))
        .collect();
    if tier.is_empty() {
        tier = candidates
            .iter()
            .copied()
            .filter(|&i| ledgers[i].free().is_none())
            .collect();
    }
    if tier.is_empty() {
        return None;
    }
    match strategy {
        AllocateStrategy::Random => Some(tier[(rng.next() % tier.len() as u64) as usize]),
        AllocateStrategy::SlotRatio => tier.into_iter().min_by(|&a, &b| {
            let (a, b) = (&ledgers[a], &ledgers[b]);
            a.usage()
                .total_cmp(&b.usage())
                .then(a.occupied.len().cmp(&b.occupied.len()))
        }),
        AllocateStrategy::SystemLoad => tier.into_iter().min_by(|&a, &b| {
            ledgers[b]
                .load_weight()
                .total_cmp(&ledgers[a].load_weight())
        }),
    }
}

/// A small seeded generator (SplitMix64) so RANDOM placement is reproducible in tests.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("slot assignment contract broken for job {job_id}: {what}")]
pub struct ContractViolation {
    pub job_id: i64,
    pub what: String,
}

/// Checks an assignment against the module contract (see the module doc). `assign` runs it in
/// debug builds; callers may run it on an assignment loaded from durable state.
pub fn check_contract(
    problem: &Problem<'_>,
    previous: Option<&Assignment>,
    a: &Assignment,
) -> Result<(), ContractViolation> {
    let job_id = problem.request.job_id;
    let fail = |what: String| Err(ContractViolation { job_id, what });
    let wanted: BTreeSet<TaskLocation> = problem.request.locations().collect();
    if a.job_id != job_id {
        return fail(format!("assignment is for job {}", a.job_id));
    }
    if a.grants.keys().copied().collect::<BTreeSet<_>>() != wanted {
        return fail("the granted tasks differ from the requested ones".into());
    }
    let workers: BTreeMap<&WorkerId, &WorkerProfile> =
        problem.workers.iter().map(|w| (&w.id, w)).collect();
    let mut used: BTreeSet<(&WorkerId, SlotId)> = BTreeSet::new();
    for (loc, g) in &a.grants {
        let Some(w) = workers.get(&g.worker) else {
            return fail(format!(
                "{loc} is on worker {} which is not alive",
                g.worker
            ));
        };
        if !used.insert((&g.worker, g.slot)) {
            return fail(format!("two tasks share slot {} on {}", g.slot, g.worker));
        }
        if let Some(h) = w
            .held
            .iter()
            .find(|h| h.slot == g.slot && h.job_id != job_id)
        {
            return fail(format!(
                "{loc} takes slot {} on {} held by job {}",
                g.slot, g.worker, h.job_id
            ));
        }
        if a.adopted.contains(loc) {
            if previous.and_then(|p| p.grants.get(loc)) != Some(g) {
                return fail(format!(
                    "{loc} is adopted but differs from its previous grant"
                ));
            }
            if !w.holds(g.slot, job_id, g.epoch) {
                return fail(format!(
                    "{loc} is adopted but {} no longer holds it",
                    g.worker
                ));
            }
        } else {
            if g.epoch != problem.epoch {
                return fail(format!("{loc} is new but not stamped with this epoch"));
            }
            if !problem.request.tag_filter.matches(&w.tags) {
                return fail(format!(
                    "{loc} is on {} which the tag filter excludes",
                    g.worker
                ));
            }
            if let SlotCapacity::Static(n) = w.capacity {
                if g.slot >= n {
                    return fail(format!(
                        "{loc} has slot {} beyond {}'s {n}",
                        g.slot, g.worker
                    ));
                }
            }
        }
    }
    if !a.adopted.iter().all(|loc| a.grants.contains_key(loc)) {
        return fail("an adopted task has no grant".into());
    }
    for r in &a.release {
        let Some(w) = workers.get(&r.worker) else {
            return fail(format!("release on {} which is not alive", r.worker));
        };
        if r.held.job_id != job_id || !w.holds(r.held.slot, job_id, r.held.epoch) {
            return fail(format!(
                "release of slot {} on {} the job does not hold",
                r.held.slot, r.worker
            ));
        }
        let kept = a.adopted.iter().any(|loc| {
            let g = &a.grants[loc];
            g.worker == r.worker && g.slot == r.held.slot && g.epoch == r.held.epoch
        });
        if kept {
            return fail(format!(
                "slot {} on {} is both kept and released",
                r.held.slot, r.worker
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "assign_tests.rs"]
mod tests;
