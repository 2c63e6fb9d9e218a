//! Benchmark: the masters' replicated map on 3 `seatunnel master` processes on loopback.
//!
//! Prints write latency p50/p99 and writes/s with 1 and 16 concurrent writers (each write is one
//! Raft entry, acked after a majority fsynced it), and failover time over several runs
//! (`kill -9` of the leader → the next committed write). The reference, measured in the same run
//! and directory, is one `write + fdatasync` of a small record: the floor of any acked write on
//! this disk, so latencies read as a ratio against it.
//!
//! Run: `cargo bench --bench raft_cluster` (release build). `RAFT_BENCH_WRITES` and
//! `RAFT_BENCH_FAILOVERS` scale it down for a quick look.

#[path = "../tests/it/cluster_support/mod.rs"]
mod cluster_support;

use std::io::Write;
use std::time::{Duration, Instant};

use cluster_support::WRITE_TIMEOUT;
use cluster_support::{write_via_leader, Masters};
use seatunnel::map::MapId;
use seatunnel::raft::{Command, ForwardError, Forwarder};

const CLUSTER: &str = "st-bench";
/// The command body: about what a job-state transition writes.
const VALUE_BYTES: usize = 200;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn command(writer: usize, seq: usize) -> Command {
    let key = format!("{writer}-{seq}");
    Command::default()
        .put(
            MapId::RunningJobState,
            key.as_bytes(),
            vec![b's'; VALUE_BYTES],
        )
        .put(
            MapId::StateTimestamps,
            key.as_bytes(),
            seq.to_be_bytes().to_vec(),
        )
}

/// The leader, found by writing through the masters and following leader hints.
async fn leader(addrs: &[String], deadline: Duration) -> Forwarder {
    let (_, addr) = write_via_leader(addrs, CLUSTER, &command(usize::MAX, 0), deadline).await;
    Forwarder::new(&addr, CLUSTER).unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `total` writes split over `writers` concurrent writers; returns sorted latencies and
/// the elapsed time.
async fn load(f: &Forwarder, writers: usize, total: usize) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            for seq in 0..total / writers {
                let t = Instant::now();
                let r = f
                    .send(&command(w, seq), WRITE_TIMEOUT)
                    .await
                    .expect("write");
                assert!(r.applied());
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    (all, started.elapsed())
}

/// The same run's reference: small appends, each followed by fdatasync, in the masters' dir.
fn fsync_reference(dir: &std::path::Path, n: usize) -> Duration {
    let path = dir.join("fsync-reference");
    let mut file = std::fs::File::create(&path).unwrap();
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        file.write_all(&[7u8; VALUE_BYTES]).unwrap();
        file.sync_data().unwrap();
        lat.push(t.elapsed());
    }
    lat.sort();
    percentile(&lat, 0.5)
}

fn main() {
    let writes = env_usize("RAFT_BENCH_WRITES", 4000);
    let failovers = env_usize("RAFT_BENCH_FAILOVERS", 10);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut masters = Masters::new(3, CLUSTER);
    masters.start_all();
    let addrs = masters.addresses();
    let reference = fsync_reference(&masters.nodes[0].dir, 500);

    let f = rt.block_on(leader(&addrs, Duration::from_secs(60)));
    println!("raft_cluster: 3 masters on loopback, leader {}", f.addr());
    println!(
        "reference: write+fdatasync of {VALUE_BYTES} B, p50 {:.3} ms",
        ms(reference)
    );
    for writers in [1usize, 16] {
        let (lat, elapsed) = rt.block_on(load(&f, writers, writes));
        let (p50, p99) = (percentile(&lat, 0.5), percentile(&lat, 0.99));
        println!(
            "writers {writers:>2}: {} writes, p50 {:.3} ms ({:.1}x fsync), p99 {:.3} ms, {:.0} writes/s",
            lat.len(),
            ms(p50),
            ms(p50) / ms(reference),
            ms(p99),
            lat.len() as f64 / elapsed.as_secs_f64()
        );
    }

    let mut times = Vec::new();
    for run in 0..failovers {
        let f = rt.block_on(leader(&addrs, Duration::from_secs(60)));
        let index = addrs.iter().position(|a| a == f.addr()).unwrap();
        let survivors: Vec<String> = addrs.iter().filter(|a| *a != f.addr()).cloned().collect();
        let killed = Instant::now();
        masters.nodes[index].kill9();
        let next = rt.block_on(leader(&survivors, Duration::from_secs(60)));
        let took = killed.elapsed();
        times.push(took);
        println!(
            "failover {run}: {:.0} ms (new leader {})",
            ms(took),
            next.addr()
        );
        masters.nodes[index].start();
        // The restarted master catches up before the next round, so every round starts from 3.
        let back = masters.nodes[index].address();
        rt.block_on(async {
            let start = Instant::now();
            loop {
                let f = Forwarder::new(&back, CLUSTER).unwrap();
                match f.send(&Command::default(), WRITE_TIMEOUT).await {
                    Ok(_)
                    | Err(ForwardError::NotLeader {
                        leader: Some(_), ..
                    }) => break,
                    Err(_) => {}
                }
                assert!(
                    start.elapsed() < Duration::from_secs(60),
                    "{back} did not rejoin"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
    }
    if !times.is_empty() {
        times.sort();
        println!(
            "failover over {} runs: median {:.0} ms, max {:.0} ms",
            times.len(),
            ms(percentile(&times, 0.5)),
            ms(*times.last().unwrap())
        );
    }
    for n in &mut masters.nodes {
        n.terminate();
    }
}
