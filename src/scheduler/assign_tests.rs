//! One test per placement rule, plus SeaTunnel's own slot and resource-isolation cases run on
//! the compat corpus's real job and config files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::*;
use crate::config::{self, ConfigSources, Role};
use crate::job::{self, Dag, JobConfig, Variables};
use crate::scheduler::slots::{PipelineDemand, TaskRole};

const JOB: i64 = 7;
const EPOCH: Epoch = Epoch(100);

fn worker(id: &str, capacity: SlotCapacity, tags: &[(&str, &str)]) -> WorkerProfile {
    WorkerProfile {
        id: WorkerId(id.into()),
        address: format!("{id}:5802"),
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        capacity,
        held: Vec::new(),
        load: None,
    }
}

fn fixed(id: &str, n: u32) -> WorkerProfile {
    worker(id, SlotCapacity::Static(n), &[])
}

fn dynamic(id: &str) -> WorkerProfile {
    worker(id, SlotCapacity::Dynamic, &[])
}

fn held(slot: SlotId, job_id: i64, epoch: u64) -> HeldSlot {
    HeldSlot {
        slot,
        job_id,
        epoch: Epoch(epoch),
    }
}

/// One pipeline per entry, with that many task groups.
fn request(groups: &[usize]) -> ResourceRequest {
    ResourceRequest {
        job_id: JOB,
        pipelines: groups
            .iter()
            .enumerate()
            .map(|(i, g)| PipelineDemand {
                pipeline: i + 1,
                coordinators: 2,
                task_groups: *g,
            })
            .collect(),
        tag_filter: TagFilter::default(),
    }
}

fn problem<'a>(
    request: &'a ResourceRequest,
    workers: &'a [WorkerProfile],
    strategy: AllocateStrategy,
) -> Problem<'a> {
    Problem {
        request,
        workers,
        strategy,
        seed: 42,
        epoch: EPOCH,
    }
}

/// Tasks per worker id.
fn spread(a: &Assignment) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for g in a.grants.values() {
        *out.entry(g.worker.0.clone()).or_default() += 1;
    }
    out
}

fn slots_on(a: &Assignment, id: &str) -> Vec<SlotId> {
    let mut s: Vec<SlotId> = a
        .grants
        .values()
        .filter(|g| g.worker.0 == id)
        .map(|g| g.slot)
        .collect();
    s.sort_unstable();
    s
}

fn loc(pipeline: usize, task: TaskRole) -> TaskLocation {
    TaskLocation { pipeline, task }
}

#[test]
fn static_slots_take_the_lowest_free_numbers_and_skip_other_jobs() {
    let mut a = fixed("a", 3);
    a.held = vec![held(1, 99, 1)];
    let workers = [a, fixed("b", 3)];
    let req = request(&[3]);
    let out = assign(&problem(&req, &workers, AllocateStrategy::SlotRatio), None).unwrap();
    assert_eq!(out.grants.len(), 5);
    assert_eq!(slots_on(&out, "a"), [0, 2]);
    assert_eq!(slots_on(&out, "b"), [0, 1, 2]);
    assert!(out.adopted.is_empty() && out.release.is_empty());
    assert!(out.grants.values().all(|g| g.epoch == EPOCH));
}

#[test]
fn dynamic_slots_are_unlimited() {
    let mut w = dynamic("a");
    w.held = vec![held(0, 99, 1)];
    let workers = [w];
    let req = request(&[500]);
    let out = assign(&problem(&req, &workers, AllocateStrategy::Random), None).unwrap();
    assert_eq!(out.grants.len(), 502);
    assert_eq!(slots_on(&out, "a"), (1..=502).collect::<Vec<_>>());
}

#[test]
fn static_workers_fill_before_dynamic_ones() {
    for strategy in [
        AllocateStrategy::Random,
        AllocateStrategy::SlotRatio,
        AllocateStrategy::SystemLoad,
    ] {
        let workers = [dynamic("a"), fixed("b", 2)];
        let req = request(&[2]);
        let out = assign(&problem(&req, &workers, strategy), None).unwrap();
        assert_eq!(slots_on(&out, "b"), [0, 1], "{strategy:?}");
        assert_eq!(slots_on(&out, "a"), [0, 1], "{strategy:?}");
        let first_two: Vec<&str> = out
            .grants
            .values()
            .take(2)
            .map(|g| g.worker.0.as_str())
            .collect();
        assert_eq!(first_two, ["b", "b"], "{strategy:?}");
    }
}

#[test]
fn no_worker_at_all_is_a_shortage() {
    let req = request(&[1]);
    let err = assign(&problem(&req, &[], AllocateStrategy::Random), None).unwrap_err();
    assert_eq!(
        err,
        NoEnoughResource::NoWorker {
            job_id: JOB,
            needed: 3
        }
    );
    assert_eq!(err.lacking(), 3);
}

#[test]
fn the_tag_filter_excludes_workers_even_with_free_slots() {
    let workers = [
        worker("a", SlotCapacity::Static(3), &[("group", "platform")]),
        worker("b", SlotCapacity::Dynamic, &[("group", "other")]),
        worker("c", SlotCapacity::Dynamic, &[]),
    ];
    let mut req = request(&[2]);
    req.tag_filter = [("group".to_string(), "platform".to_string())]
        .into_iter()
        .collect();
    let err = assign(&problem(&req, &workers, AllocateStrategy::Random), None).unwrap_err();
    assert_eq!(
        err,
        NoEnoughResource::NotEnoughSlots {
            job_id: JOB,
            needed: 4,
            free: 3,
            workers: 1
        }
    );
    assert_eq!(err.lacking(), 1);
    req.pipelines[0].task_groups = 1;
    let out = assign(&problem(&req, &workers, AllocateStrategy::Random), None).unwrap();
    assert_eq!(spread(&out), BTreeMap::from([("a".to_string(), 3)]));
}

#[test]
fn random_is_reproducible_per_seed_and_uses_every_worker() {
    let workers = [fixed("a", 100), fixed("b", 100), fixed("c", 100)];
    let req = request(&[30]);
    let mut p = problem(&req, &workers, AllocateStrategy::Random);
    let first = assign(&p, None).unwrap();
    assert_eq!(assign(&p, None).unwrap(), first);
    assert_eq!(spread(&first).len(), 3, "{:?}", spread(&first));
    let mut distinct = std::collections::BTreeSet::new();
    for seed in 0..10 {
        p.seed = seed;
        distinct.insert(format!("{:?}", assign(&p, None).unwrap().grants));
    }
    assert!(distinct.len() > 1, "the seed must change the placement");
}

#[test]
fn slot_ratio_prefers_the_worker_with_the_most_free_share() {
    // a: 8 of 10 used (80 %); b: 4 free of 4. b takes tasks until its usage passes a's.
    let mut a = fixed("a", 10);
    a.held = (0..8).map(|s| held(s, 99, 1)).collect();
    let workers = [a, fixed("b", 4)];
    let req = request(&[3]);
    let out = assign(&problem(&req, &workers, AllocateStrategy::SlotRatio), None).unwrap();
    assert_eq!(
        spread(&out),
        BTreeMap::from([("a".to_string(), 1), ("b".to_string(), 4)])
    );
    // Equal workers share evenly.
    let workers = [fixed("a", 10), fixed("b", 10)];
    let req = request(&[2]);
    let out = assign(&problem(&req, &workers, AllocateStrategy::SlotRatio), None).unwrap();
    assert_eq!(
        spread(&out),
        BTreeMap::from([("a".to_string(), 2), ("b".to_string(), 2)])
    );
}

#[test]
fn system_load_prefers_the_least_loaded_worker() {
    let mut a = dynamic("a");
    a.load = Some(0.9);
    let mut b = dynamic("b");
    b.load = Some(0.2);
    let c = dynamic("c");
    let workers = [a, b, c];
    let req = request(&[0]);
    let out = assign(&problem(&req, &workers, AllocateStrategy::SystemLoad), None).unwrap();
    assert_eq!(spread(&out), BTreeMap::from([("b".to_string(), 2)]));
    // A worker without a load report ranks below a busy one that reports.
    let mut a = dynamic("a");
    a.load = Some(0.95);
    let workers = [dynamic("0-unreported"), a];
    let out = assign(&problem(&req, &workers, AllocateStrategy::SystemLoad), None).unwrap();
    assert_eq!(out.grants[&loc(1, TaskRole::Coordinator(0))].worker.0, "a");
}

#[test]
fn system_load_spreads_over_equally_loaded_workers() {
    let mut a = fixed("a", 10);
    a.load = Some(0.1);
    let mut b = fixed("b", 10);
    b.load = Some(0.1);
    let workers = [a, b];
    let req = request(&[4]);
    let out = assign(&problem(&req, &workers, AllocateStrategy::SystemLoad), None).unwrap();
    assert_eq!(
        spread(&out),
        BTreeMap::from([("a".to_string(), 3), ("b".to_string(), 3)])
    );
}

#[test]
fn a_new_solve_readopts_everything_still_held() {
    let mut workers = vec![fixed("a", 4), fixed("b", 4)];
    let req = request(&[4]);
    let first = assign(&problem(&req, &workers, AllocateStrategy::Random), None).unwrap();
    first.record(&mut workers);
    let mut p = problem(&req, &workers, AllocateStrategy::Random);
    p.epoch = Epoch(101);
    p.seed = 7;
    let second = assign(&p, Some(&first)).unwrap();
    assert_eq!(second.grants, first.grants);
    assert_eq!(second.adopted.len(), 6);
    assert!(second.release.is_empty());
    assert_eq!(second.newly_placed().count(), 0);
}

#[test]
fn a_dead_worker_moves_only_its_own_tasks() {
    let mut workers = vec![fixed("a", 3), fixed("b", 3), fixed("c", 3)];
    let req = request(&[4]);
    let first = assign(&problem(&req, &workers, AllocateStrategy::SlotRatio), None).unwrap();
    first.record(&mut workers);
    workers.retain(|w| w.id.0 != "b");
    let mut p = problem(&req, &workers, AllocateStrategy::SlotRatio);
    p.epoch = Epoch(101);
    let second = assign(&p, Some(&first)).unwrap();
    for (loc, g) in &first.grants {
        if g.worker.0 == "b" {
            assert!(!second.adopted.contains(loc));
            assert_ne!(second.grants[loc].worker.0, "b");
            assert_eq!(second.grants[loc].epoch, Epoch(101));
        } else {
            assert_eq!(&second.grants[loc], g);
            assert!(second.adopted.contains(loc));
        }
    }
    assert!(
        second.release.is_empty(),
        "a dead worker has nothing to release"
    );
}

#[test]
fn a_restarted_worker_epoch_no_longer_matches() {
    let mut workers = vec![fixed("a", 3)];
    let req = request(&[1]);
    let first = assign(&problem(&req, &workers, AllocateStrategy::Random), None).unwrap();
    first.record(&mut workers);
    // The worker came back and re-granted slot 0 under another epoch (a leftover for the job).
    workers[0].held[0].epoch = Epoch(5);
    let mut p = problem(&req, &workers, AllocateStrategy::Random);
    p.epoch = Epoch(101);
    let second = assign(&p, Some(&first)).unwrap();
    let g = &second.grants[&loc(1, TaskRole::Coordinator(0))];
    assert!(second.adopted.len() == 2 && g.epoch == Epoch(101) && g.slot == 0);
    assert_eq!(
        second.release,
        [SlotRelease {
            worker: WorkerId("a".into()),
            held: held(0, JOB, 5)
        }]
    );
}

#[test]
fn a_restored_job_reuses_the_slots_its_old_master_left_behind() {
    // SeaTunnel #11437: 3 fixed slots, all still held for the job by the worker; the new master
    // lost the job's slot table. The job must start, not wait forever.
    let mut w = fixed("a", 3);
    w.held = (0..3).map(|s| held(s, JOB, 1)).collect();
    let workers = [w];
    let req = request(&[1]);
    let out = assign(&problem(&req, &workers, AllocateStrategy::Random), None).unwrap();
    assert_eq!(slots_on(&out, "a"), [0, 1, 2]);
    assert_eq!(out.release.len(), 3);
    let mut after = workers.to_vec();
    out.record(&mut after);
    assert_eq!(after[0].held.len(), 3);
    assert!(after[0].held.iter().all(|h| h.epoch == EPOCH));
}

#[test]
fn tasks_no_longer_requested_are_released() {
    let mut workers = vec![fixed("a", 10)];
    let req = request(&[1, 1]);
    let first = assign(&problem(&req, &workers, AllocateStrategy::Random), None).unwrap();
    first.record(&mut workers);
    let smaller = request(&[1]);
    let second = assign(
        &problem(&smaller, &workers, AllocateStrategy::Random),
        Some(&first),
    )
    .unwrap();
    assert_eq!(second.adopted.len(), 3);
    let released: Vec<SlotId> = second.release.iter().map(|r| r.held.slot).collect();
    let pipeline_two: Vec<SlotId> = first
        .grants
        .iter()
        .filter(|(l, _)| l.pipeline == 2)
        .map(|(_, g)| g.slot)
        .collect();
    assert_eq!(released, pipeline_two);
}

#[test]
fn a_previous_assignment_of_another_job_is_ignored() {
    let mut workers = vec![fixed("a", 10)];
    let req = request(&[1]);
    let mut first = assign(&problem(&req, &workers, AllocateStrategy::Random), None).unwrap();
    first.record(&mut workers);
    first.job_id = 8;
    let second = assign(
        &problem(&req, &workers, AllocateStrategy::Random),
        Some(&first),
    )
    .unwrap();
    assert!(second.adopted.is_empty());
    assert_eq!(second.release.len(), 3);
}

#[test]
fn adopted_slots_survive_a_tag_change() {
    let mut workers = vec![worker("a", SlotCapacity::Static(3), &[("g", "x")])];
    let mut req = request(&[1]);
    req.tag_filter = [("g".to_string(), "x".to_string())].into_iter().collect();
    let first = assign(&problem(&req, &workers, AllocateStrategy::Random), None).unwrap();
    first.record(&mut workers);
    workers[0].tags.insert("g".into(), "y".into());
    let second = assign(
        &problem(&req, &workers, AllocateStrategy::Random),
        Some(&first),
    )
    .unwrap();
    assert_eq!(second.adopted.len(), 3);
}

#[test]
fn a_partial_fit_grants_nothing() {
    let mut workers = vec![fixed("a", 4)];
    let req = request(&[1]);
    let first = assign(&problem(&req, &workers, AllocateStrategy::Random), None).unwrap();
    first.record(&mut workers);
    let bigger = request(&[3]);
    let err = assign(
        &problem(&bigger, &workers, AllocateStrategy::Random),
        Some(&first),
    )
    .unwrap_err();
    assert_eq!(
        err,
        NoEnoughResource::NotEnoughSlots {
            job_id: JOB,
            needed: 2,
            free: 1,
            workers: 1
        }
    );
}

#[test]
fn decide_applies_the_schedule_strategy() {
    let err = NoEnoughResource::NoWorker {
        job_id: JOB,
        needed: 3,
    };
    assert_eq!(
        decide(ScheduleStrategy::Reject, Err(err.clone())),
        Decision::Reject(err.clone())
    );
    assert_eq!(
        decide(ScheduleStrategy::Wait, Err(err.clone())),
        Decision::Wait(err)
    );
    let ok = Assignment::default();
    for s in [ScheduleStrategy::Reject, ScheduleStrategy::Wait] {
        assert_eq!(decide(s, Ok(ok.clone())), Decision::Deploy(ok.clone()));
    }
}

#[test]
fn shortage_messages_name_seatunnel_exception_and_the_way_out() {
    let e = NoEnoughResource::NotEnoughSlots {
        job_id: 1,
        needed: 6,
        free: 3,
        workers: 1,
    };
    assert_eq!(
        e.to_string(),
        "org.apache.seatunnel.engine.server.resourcemanager.NoEnoughResourceException: job 1 \
         needs 6 more slots but its 1 usable worker(s) have 3 free; lower the parallelism \
         (a pipeline takes 2 + parallelism slots), add workers or raise slot-service.slot-num"
    );
    let e = NoEnoughResource::NoMatchingWorker {
        job_id: 1,
        needed: 3,
        tag_filter: [("group".to_string(), "error_tag".to_string())]
            .into_iter()
            .collect(),
    };
    assert!(e
        .to_string()
        .ends_with("match env.tag_filter {group=error_tag}; tag a worker or change the filter"));
}

#[test]
fn the_contract_check_catches_each_violation() {
    let mut a = fixed("a", 2);
    a.held = vec![held(1, 99, 1)];
    let workers = [a, worker("b", SlotCapacity::Static(2), &[("g", "x")])];
    let req = request(&[0]);
    let p = problem(&req, &workers, AllocateStrategy::Random);
    let grant = |w: &str, slot: SlotId| SlotGrant {
        worker: WorkerId(w.into()),
        slot,
        epoch: EPOCH,
    };
    let with = |g0: SlotGrant, g1: SlotGrant| Assignment {
        job_id: JOB,
        grants: BTreeMap::from([
            (loc(1, TaskRole::Coordinator(0)), g0),
            (loc(1, TaskRole::Coordinator(1)), g1),
        ]),
        ..Assignment::default()
    };
    assert!(check_contract(&p, None, &with(grant("a", 0), grant("b", 0))).is_ok());
    let broken = [
        (with(grant("a", 0), grant("a", 0)), "two tasks share slot 0"),
        (with(grant("a", 0), grant("a", 1)), "held by job 99"),
        (with(grant("a", 0), grant("b", 2)), "beyond"),
        (with(grant("a", 0), grant("z", 0)), "not alive"),
    ];
    for (a, what) in broken {
        let e = check_contract(&p, None, &a).unwrap_err();
        assert!(e.what.contains(what), "{e}");
    }
    let mut filtered = req.clone();
    filtered.tag_filter = [("g".to_string(), "x".to_string())].into_iter().collect();
    let pf = problem(&filtered, &workers, AllocateStrategy::Random);
    let e = check_contract(&pf, None, &with(grant("b", 0), grant("a", 0))).unwrap_err();
    assert!(e.what.contains("tag filter excludes"), "{e}");
    let mut missing = with(grant("a", 0), grant("b", 0));
    missing.grants.pop_last();
    assert!(check_contract(&p, None, &missing).is_err());
    let mut stale = with(grant("a", 0), grant("b", 0));
    stale
        .grants
        .get_mut(&loc(1, TaskRole::Coordinator(0)))
        .unwrap()
        .epoch = Epoch(1);
    assert!(check_contract(&p, None, &stale)
        .unwrap_err()
        .what
        .contains("epoch"));
    let mut adopted = with(grant("a", 0), grant("b", 0));
    adopted.adopted.insert(loc(1, TaskRole::Coordinator(0)));
    assert!(check_contract(&p, None, &adopted)
        .unwrap_err()
        .what
        .contains("adopted"));
}

fn corpus() -> Option<PathBuf> {
    crate::test_support::compat_corpus()
}

const E2E_RESOURCES: &str =
    "engine-config/seatunnel-e2e/seatunnel-engine-e2e/connector-seatunnel-e2e-base/src/test/resources";

/// A worker built from SeaTunnel's e2e server files: `seatunnel_fixed_slot_num.yaml`
/// (`slot-num: 3`) and `hazelcast.yaml` (member attributes group=platform, team=team1).
fn e2e_worker(root: &Path, overrides: &[(&str, &str)]) -> WorkerProfile {
    let dir = tempfile::tempdir().unwrap();
    let res = root.join(E2E_RESOURCES);
    std::fs::copy(
        res.join("seatunnel_fixed_slot_num.yaml"),
        dir.path().join("seatunnel.yaml"),
    )
    .unwrap();
    std::fs::copy(
        res.join("hazelcast.yaml"),
        dir.path().join("hazelcast.yaml"),
    )
    .unwrap();
    let sources = ConfigSources {
        config_file: Some(dir.path().join("seatunnel.yaml")),
        overrides: overrides
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..ConfigSources::default()
    };
    let server = config::load(Role::Hybrid, &sources).unwrap().server;
    WorkerProfile::new(
        WorkerId("hybrid".into()),
        "localhost:5801",
        server.hazelcast.member_attributes.clone(),
        &server.engine.slot_service,
    )
}

fn corpus_request(root: &Path, job_file: &str) -> ResourceRequest {
    let tree =
        job::load_job_file(&root.join("jobs").join(job_file), &Variables::default()).unwrap();
    let config = JobConfig::from_tree(&tree).unwrap();
    let dag = Dag::build(&config).unwrap();
    ResourceRequest::for_job(JOB, &config, &dag).unwrap()
}

#[test]
fn corpus_batch_slot_not_enough_needs_six_slots() {
    let Some(root) = corpus() else {
        println!("skipping: compat-corpus not found");
        return;
    };
    // SeaTunnelSlotIT: FakeSource parallelism 4 → 2 + 4 slots; slot-num 3 fails, 10 fits.
    let req = corpus_request(&root, "engine/batch_slot_not_enough.conf");
    assert_eq!(req.slots_needed(), 6);
    let three = [e2e_worker(&root, &[])];
    assert_eq!(three[0].capacity, SlotCapacity::Static(3));
    let err = assign(&problem(&req, &three, AllocateStrategy::Random), None).unwrap_err();
    assert!(
        err.to_string().contains(NO_ENOUGH_RESOURCE_EXCEPTION),
        "{err}"
    );
    assert!(matches!(
        decide(ScheduleStrategy::Reject, Err(err.clone())),
        Decision::Reject(_)
    ));
    assert!(matches!(
        decide(ScheduleStrategy::Wait, Err(err)),
        Decision::Wait(_)
    ));
    let ten = [e2e_worker(
        &root,
        &[("seatunnel.engine.slot-service.slot-num", "10")],
    )];
    let out = assign(&problem(&req, &ten, AllocateStrategy::Random), None).unwrap();
    assert_eq!(slots_on(&out, "hybrid"), [0, 1, 2, 3, 4, 5]);
    // The shipped default (dynamic slots) always fits.
    let dynamic = [e2e_worker(
        &root,
        &[("seatunnel.engine.slot-service.dynamic-slot", "true")],
    )];
    assert!(assign(&problem(&req, &dynamic, AllocateStrategy::Random), None).is_ok());
}

#[test]
fn corpus_resource_isolation_matches_member_attributes() {
    let Some(root) = corpus() else {
        println!("skipping: compat-corpus not found");
        return;
    };
    // ResourceIsolationIT: tag_filter {group=platform, team=team1} matches the node's attributes.
    let workers = [e2e_worker(&root, &[])];
    let matching = corpus_request(
        &root,
        "engine/resource-isolation/fakesource_to_console.conf",
    );
    assert_eq!(
        matching.tag_filter.to_string(),
        "{group=platform, team=team1}"
    );
    let out = assign(
        &problem(&matching, &workers, AllocateStrategy::Random),
        None,
    )
    .unwrap();
    assert_eq!(out.grants.len(), 3);
    let other = corpus_request(
        &root,
        "engine/resource-isolation/fakesource_to_console_tag_not_match.conf",
    );
    let err = assign(&problem(&other, &workers, AllocateStrategy::Random), None).unwrap_err();
    assert!(matches!(
        err,
        NoEnoughResource::NoMatchingWorker { needed: 3, .. }
    ));
    assert!(
        err.to_string().starts_with(NO_ENOUGH_RESOURCE_EXCEPTION),
        "{err}"
    );
}
