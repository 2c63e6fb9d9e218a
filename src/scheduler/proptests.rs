//! Property tests of `assign` over random clusters and requests: the contract holds, a shortage
//! is reported exactly when the job cannot fit, an unrelated worker joining changes nothing,
//! and a worker dying moves only its own tasks.

use std::collections::{BTreeMap, BTreeSet};

use proptest::collection::{btree_set, vec};
use proptest::option;
use proptest::prelude::*;

use crate::config::AllocateStrategy;

use super::assign::{assign, check_contract, Assignment, NoEnoughResource, Problem};
use super::slots::{
    Epoch, HeldSlot, PipelineDemand, ResourceRequest, SlotCapacity, SlotId, TagFilter, WorkerId,
    WorkerProfile,
};

const JOB: i64 = 7;
const FIRST_EPOCH: Epoch = Epoch(10);
const SECOND_EPOCH: Epoch = Epoch(11);

/// Tags drawn from a small domain so filters match some workers and miss others.
fn arb_tags() -> impl Strategy<Value = BTreeMap<String, String>> {
    let group = option::of(prop_oneof![Just("a"), Just("b")]);
    let team = option::of(prop_oneof![Just("x"), Just("y")]);
    (group, team).prop_map(|(g, t)| {
        let mut m = BTreeMap::new();
        if let Some(g) = g {
            m.insert("group".to_string(), g.to_string());
        }
        if let Some(t) = t {
            m.insert("team".to_string(), t.to_string());
        }
        m
    })
}

/// A worker without its id: capacity, tags, slots other jobs hold (some possibly numbered
/// beyond a static capacity, as after a `slot-num` cut), and a load figure.
fn arb_worker() -> impl Strategy<Value = WorkerProfile> {
    let capacity = prop_oneof![
        3 => (0u32..6).prop_map(SlotCapacity::Static),
        1 => Just(SlotCapacity::Dynamic),
    ];
    (capacity, arb_tags(), option::of(0.0f64..=1.0)).prop_flat_map(|(capacity, tags, load)| {
        let range: SlotId = match capacity {
            SlotCapacity::Static(n) => n + 2,
            SlotCapacity::Dynamic => 8,
        };
        (btree_set(0..range, 0..range as usize), 90i64..93).prop_map(move |(slots, job_id)| {
            WorkerProfile {
                id: WorkerId(String::new()),
                address: String::new(),
                tags: tags.clone(),
                capacity,
                held: slots
                    .into_iter()
                    .map(|slot| HeldSlot {
                        slot,
                        job_id,
                        epoch: Epoch(1),
                    })
                    .collect(),
                load,
            }
        })
    })
}

fn arb_cluster() -> impl Strategy<Value = Vec<WorkerProfile>> {
    vec(arb_worker(), 0..6).prop_map(|mut ws| {
        for (i, w) in ws.iter_mut().enumerate() {
            w.id = WorkerId(format!("w{i}"));
            w.address = format!("10.0.0.{i}:5802");
        }
        ws
    })
}

fn arb_request() -> impl Strategy<Value = ResourceRequest> {
    (vec(0usize..6, 1..4), arb_tags()).prop_map(|(groups, filter)| ResourceRequest {
        job_id: JOB,
        pipelines: groups
            .into_iter()
            .enumerate()
            .map(|(i, task_groups)| PipelineDemand {
                pipeline: i + 1,
                coordinators: 2,
                task_groups,
            })
            .collect(),
        tag_filter: TagFilter(filter),
    })
}

fn arb_strategy() -> impl Strategy<Value = AllocateStrategy> {
    prop_oneof![
        Just(AllocateStrategy::Random),
        Just(AllocateStrategy::SlotRatio),
        Just(AllocateStrategy::SystemLoad),
    ]
}

fn problem<'a>(
    request: &'a ResourceRequest,
    workers: &'a [WorkerProfile],
    strategy: AllocateStrategy,
    seed: u64,
    epoch: Epoch,
) -> Problem<'a> {
    Problem {
        request,
        workers,
        strategy,
        seed,
        epoch,
    }
}

/// Free slots on the workers the filter admits, `None` if one of them is dynamic.
fn free_on_matching(workers: &[WorkerProfile], filter: &TagFilter) -> Option<u64> {
    workers
        .iter()
        .filter(|w| filter.matches(&w.tags))
        .map(|w| match w.capacity {
            SlotCapacity::Dynamic => None,
            SlotCapacity::Static(n) => {
                let used = w.held.iter().filter(|h| h.slot < n).count() as u64;
                Some(u64::from(n) - used)
            }
        })
        .sum()
}

/// The fresh-placement invariants, written independently of `check_contract`.
fn assert_fresh_placement(p: &Problem<'_>, a: &Assignment) {
    assert_eq!(a.grants.len(), p.request.slots_needed());
    let wanted: BTreeSet<_> = p.request.locations().collect();
    assert_eq!(a.grants.keys().copied().collect::<BTreeSet<_>>(), wanted);
    let mut taken = BTreeSet::new();
    for g in a.grants.values() {
        let w = p.workers.iter().find(|w| w.id == g.worker).unwrap();
        assert!(p.request.tag_filter.matches(&w.tags));
        assert!(
            taken.insert((g.worker.clone(), g.slot)),
            "slot granted twice"
        );
        assert!(
            !w.held.iter().any(|h| h.slot == g.slot),
            "slot of another job"
        );
        assert_eq!(g.epoch, p.epoch);
        if let SlotCapacity::Static(n) = w.capacity {
            let in_use = w.held.iter().filter(|h| h.slot < n).count()
                + a.grants.values().filter(|x| x.worker == w.id).count();
            assert!(g.slot < n && in_use <= n as usize, "over capacity");
        }
    }
}

proptest! {
    #[test]
    fn a_fresh_solve_keeps_the_contract_and_fails_only_when_the_job_cannot_fit(
        workers in arb_cluster(),
        request in arb_request(),
        strategy in arb_strategy(),
        seed in any::<u64>(),
    ) {
        let p = problem(&request, &workers, strategy, seed, FIRST_EPOCH);
        let needed = request.slots_needed();
        let matching = workers.iter().filter(|w| request.tag_filter.matches(&w.tags)).count();
        let free = free_on_matching(&workers, &request.tag_filter);
        match assign(&p, None) {
            Ok(a) => {
                prop_assert!(check_contract(&p, None, &a).is_ok());
                assert_fresh_placement(&p, &a);
                prop_assert!(matching > 0 && free.is_none_or(|f| f >= needed as u64));
                prop_assert!(a.adopted.is_empty() && a.release.is_empty());
            }
            Err(NoEnoughResource::NoWorker { needed: n, .. }) => {
                prop_assert!(workers.is_empty() && n == needed);
            }
            Err(NoEnoughResource::NoMatchingWorker { needed: n, .. }) => {
                prop_assert!(!workers.is_empty() && matching == 0 && n == needed);
            }
            Err(NoEnoughResource::NotEnoughSlots { needed: n, free: f, workers: m, .. }) => {
                prop_assert_eq!(n, needed);
                prop_assert_eq!(Some(f), free);
                prop_assert!(f < needed as u64);
                prop_assert_eq!(m, matching);
            }
        }
        // Deterministic: the same problem gives the same answer.
        prop_assert_eq!(assign(&p, None), assign(&p, None));
    }

    #[test]
    fn an_unrelated_worker_joining_changes_nothing(
        workers in arb_cluster(),
        newcomer in arb_worker(),
        request in arb_request(),
        strategy in arb_strategy(),
        seeds in (any::<u64>(), any::<u64>()),
    ) {
        let Ok(first) = assign(&problem(&request, &workers, strategy, seeds.0, FIRST_EPOCH), None) else {
            return Ok(());
        };
        let mut after = workers.clone();
        first.record(&mut after);
        after.push(WorkerProfile { id: WorkerId("newcomer".into()), ..newcomer });
        let p = problem(&request, &after, strategy, seeds.1, SECOND_EPOCH);
        let second = assign(&p, Some(&first)).unwrap();
        prop_assert_eq!(&second.grants, &first.grants);
        prop_assert_eq!(second.adopted.len(), first.grants.len());
        prop_assert!(second.release.is_empty());
    }

    #[test]
    fn a_dying_worker_moves_only_its_own_tasks(
        workers in arb_cluster(),
        request in arb_request(),
        strategy in arb_strategy(),
        seeds in (any::<u64>(), any::<u64>()),
        victim in any::<prop::sample::Index>(),
    ) {
        let Ok(first) = assign(&problem(&request, &workers, strategy, seeds.0, FIRST_EPOCH), None) else {
            return Ok(());
        };
        let mut after = workers.clone();
        first.record(&mut after);
        let dead = after.remove(victim.index(after.len())).id;
        let orphaned = first.grants.values().filter(|g| g.worker == dead).count();
        let p = problem(&request, &after, strategy, seeds.1, SECOND_EPOCH);
        match assign(&p, Some(&first)) {
            Ok(second) => {
                prop_assert!(check_contract(&p, Some(&first), &second).is_ok());
                for (loc, g) in &first.grants {
                    let now = &second.grants[loc];
                    if g.worker == dead {
                        prop_assert!(now.worker != dead && now.epoch == SECOND_EPOCH);
                        prop_assert!(!second.adopted.contains(loc));
                    } else {
                        prop_assert_eq!(now, g);
                        prop_assert!(second.adopted.contains(loc));
                    }
                }
                prop_assert!(second.release.is_empty());
            }
            Err(e) => {
                prop_assert!(orphaned > 0, "a shortage with nothing to move: {}", e);
                prop_assert_eq!(e.lacking() > 0, true);
                match e {
                    NoEnoughResource::NoWorker { needed, .. }
                    | NoEnoughResource::NoMatchingWorker { needed, .. }
                    | NoEnoughResource::NotEnoughSlots { needed, .. } => {
                        prop_assert_eq!(needed, orphaned);
                    }
                }
            }
        }
    }
}
