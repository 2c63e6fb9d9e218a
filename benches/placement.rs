//! Benchmark: how placement time grows with the number of tasks (issue 14, item 10: a job of
//! parallelism 100 000 pinned the active master's CPU for minutes).
//!
//! For each allocation strategy, places one job of N task groups on 16 workers that already hold
//! 2 000 slots each of other jobs, for N doubling from 1 024 to 32 768, and prints the time and
//! the time per task. The reference, measured in the same run, is the smallest N: a per-task
//! ratio near 1 across the doublings means placement grows linearly (a log factor shows as a
//! slow creep; a scan per task would double the ratio at every step).
//!
//! Run: `cargo bench --bench placement` (release build).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use seatunnel::config::AllocateStrategy;
use seatunnel::scheduler::{
    assign, Epoch, HeldSlot, PipelineDemand, Problem, ResourceRequest, SlotCapacity, TagFilter,
    WorkerId, WorkerProfile,
};

const WORKERS: usize = 16;
/// Slots each worker already holds for other jobs: placement must not scan them per task.
const HELD_PER_WORKER: u32 = 2_000;
/// Task counts, doubling; the first is the reference.
const SIZES: [usize; 6] = [1_024, 2_048, 4_096, 8_192, 16_384, 32_768];
/// Each size is placed this many times and the fastest run kept, against scheduling noise.
const REPEATS: usize = 5;

fn workers() -> Vec<WorkerProfile> {
    (0..WORKERS)
        .map(|i| WorkerProfile {
            id: WorkerId(format!("w{i}")),
            address: format!("10.0.0.{i}:5802"),
            tags: BTreeMap::new(),
            capacity: SlotCapacity::Static(HELD_PER_WORKER + 40_000),
            held: (0..HELD_PER_WORKER)
                .map(|slot| HeldSlot {
                    slot,
                    job_id: 1_000 + i64::from(slot % 50),
                    epoch: Epoch(1),
                })
                .collect(),
            load: Some(0.1 * (i % 5) as f64),
        })
        .collect()
}

fn request(tasks: usize) -> ResourceRequest {
    ResourceRequest {
        job_id: 7,
        pipelines: vec![PipelineDemand {
            pipeline: 1,
            coordinators: 2,
            task_groups: tasks,
        }],
        tag_filter: TagFilter::default(),
    }
}

fn fastest(strategy: AllocateStrategy, tasks: usize, workers: &[WorkerProfile]) -> Duration {
    let request = request(tasks);
    (0..REPEATS)
        .map(|seed| {
            let problem = Problem {
                request: &request,
                workers,
                strategy,
                seed: seed as u64,
                epoch: Epoch(2),
            };
            let start = Instant::now();
            let placed = assign(&problem, None);
            let took = start.elapsed();
            assert!(
                placed.is_ok(),
                "{tasks} tasks fit on the benchmark's workers"
            );
            took
        })
        .min()
        .expect("at least one run")
}

fn main() {
    let workers = workers();
    println!(
        "placement of one job on {WORKERS} workers holding {HELD_PER_WORKER} slots each; fastest of {REPEATS}"
    );
    for strategy in [
        AllocateStrategy::Random,
        AllocateStrategy::SlotRatio,
        AllocateStrategy::SystemLoad,
    ] {
        println!("{strategy:?}");
        let mut reference: Option<f64> = None;
        for tasks in SIZES {
            let took = fastest(strategy, tasks, &workers);
            let per_task = took.as_secs_f64() * 1e6 / tasks as f64;
            let base = *reference.get_or_insert(per_task);
            println!(
                "  {tasks:>6} tasks  {:>9.2} ms  {per_task:>6.2} µs/task  per-task ratio {:.2}",
                took.as_secs_f64() * 1e3,
                per_task / base
            );
        }
    }
}
