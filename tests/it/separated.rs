//! Separated cluster mode with real processes: 3 `seatunnel master` and 2 `seatunnel worker`
//! from SeaTunnel-style `hazelcast-master.yaml` / `hazelcast-worker.yaml`, REST on every node.
//! Jobs go in through any node, run on the workers, and come out exactly once, across a crash
//! of the active master, a paused leader and a restart of every master. This module holds the
//! shared helpers; the tests are in its modules, one per concern: `jobs`, `workers`, `masters`,
//! `recovery` (restarts from checkpoints, savepoints, full restarts) and `checkpoints`.

use crate::cluster_support;
use crate::http_support;
mod checkpoints;
mod jdbc;
mod jobs;
mod masters;
mod recovery;
mod workers;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use cluster_support::{Separated, DEADLINE};
use http_support::node::{http, http_get, wait_for};
use nix::sys::signal::Signal;
use seatunnel::cluster::wire::{
    FencingToken, MemberClient, WorkerCall, WorkerReply, WorkerRequest,
};
use serde_json::Value as Json;

/// A batch job from FakeSource into text files: `rows` rows per reader, `parallelism` readers;
/// `interval_ms` between splits of one reader (`split.num` splits) makes it run that long.
fn job(out: &Path, rows: u64, parallelism: u32, splits: u32, interval_ms: u64) -> String {
    format!(
        r#"{{
  "env": {{"parallelism": {parallelism}, "job.mode": "BATCH", "job.name": "separated"}},
  "source": [{{"plugin_name": "FakeSource", "plugin_output": "fake", "row.num": {rows},
    "split.num": {splits}, "split.read-interval": {interval_ms},
    "schema": {{"fields": {{"name": "string", "age": "int"}}}}}}],
  "sink": [{{"plugin_name": "LocalFile", "plugin_input": "fake", "path": "{}",
    "tmp_path": "{}", "file_format_type": "text"}}]
}}"#,
        out.join("data").display(),
        out.join("tmp").display()
    )
}

/// `body` (from [`job`]) with more `env` members, e.g. `"job.retry.times": 0`.
fn with_env(body: String, extra: &str) -> String {
    body.replace(
        r#""job.name": "separated""#,
        &format!(r#""job.name": "separated", {extra}"#),
    )
}

/// Waits until a worker has deployed a task group; its index.
fn worker_with_a_group(c: &Separated) -> usize {
    wait_for("a worker runs a task group", DEADLINE, || {
        c.workers
            .iter()
            .position(|w| w.log_contains("deployed job"))
    })
}

/// Gives every worker `slots` static slots (before it starts).
fn static_slots(c: &Separated, slots: u32) {
    for w in &c.workers {
        let file = w.dir.join("seatunnel.yaml");
        let mut yaml = std::fs::read_to_string(&file).unwrap();
        yaml.push_str(&format!(
            "    slot-service:\n      dynamic-slot: false\n      slot-num: {slots}\n"
        ));
        std::fs::write(file, yaml).unwrap();
    }
}

fn http_port(n: &cluster_support::ClusterNode) -> u16 {
    n.http_port.expect("every node serves REST here")
}

/// `/members` as the node at `port` answers it: one row per member.
fn member_rows(port: u16) -> Option<Vec<Json>> {
    let (status, body) = http_get(port, "/members");
    if status != 200 {
        return None;
    }
    Some(body.get("members").or(Some(&body))?.as_array()?.clone())
}

/// `/members` as the node at `port` answers it: (role, address) pairs.
fn members(port: u16) -> Option<Vec<(String, String)>> {
    let field = |r: &Json, k: &str| r[k].as_str().unwrap_or_default().to_string();
    Some(
        member_rows(port)?
            .iter()
            .map(|r| (field(r, "role"), field(r, "address")))
            .collect(),
    )
}

/// Waits until `port` sees `masters` masters (one active) and `workers` workers.
fn wait_formed(c: &Separated, port: u16, workers: usize) -> Vec<(String, String)> {
    wait_for("cluster formed with its workers", DEADLINE, || {
        let m = members(port)?;
        let count = |role: &str| m.iter().filter(|(r, _)| r == role).count();
        (count("ACTIVE MASTER") == 1
            && count("ACTIVE MASTER") + count("MASTER") == c.masters.len()
            && count("WORKER") == workers)
            .then_some(m)
    })
}

fn submit(port: u16, body: &str) -> i64 {
    let reply = http(port, "POST", "/submit-job?format=json", body);
    assert_eq!(reply.status, 200, "submit failed: {}", reply.body);
    reply.json()["jobId"]
        .as_str()
        .expect("jobId")
        .parse()
        .unwrap()
}

fn job_status(port: u16, id: i64) -> Option<String> {
    let (status, body) = http_get(port, &format!("/job-info/{id}"));
    (status == 200)
        .then(|| body["jobStatus"].as_str().map(str::to_string))
        .flatten()
}

/// Waits until the node at `port` reports the job RUNNING.
fn wait_running(port: u16, id: i64) {
    wait_for("job running", DEADLINE, || {
        (job_status(port, id).as_deref() == Some("RUNNING")).then_some(())
    });
}

/// Waits for the job to end as seen through any of `ports` (the first that answers).
fn wait_end(ports: &[u16], id: i64) -> (String, Json) {
    wait_for("job end", DEADLINE * 2, || {
        ports.iter().find_map(|p| {
            let (status, body) = http_get(*p, &format!("/job-info/{id}"));
            let s = body["jobStatus"].as_str()?.to_string();
            (status == 200
                && ["FINISHED", "FAILED", "CANCELED", "SAVEPOINT_DONE"].contains(&s.as_str()))
            .then_some((s, body))
        })
    })
}

/// Lines in every committed file under `out/data`.
fn lines_written(out: &Path) -> usize {
    let mut n = 0;
    for e in walk(&out.join("data")) {
        n += std::fs::read_to_string(e).unwrap().lines().count();
    }
    n
}

/// Waits for job `id` through every master and checks it FINISHED having committed exactly
/// `rows` lines under `out`; `why` says what exactly-once means in the calling test.
fn assert_finished_exactly(c: &Separated, id: i64, out: &Path, rows: usize, why: &str) {
    let ports: Vec<u16> = c.masters.iter().map(http_port).collect();
    let (status, info) = wait_end(&ports, id);
    assert_eq!(status, "FINISHED", "{info}");
    assert_eq!(lines_written(out), rows, "{why}");
}

/// A 3-master, 2-worker cluster running a 2-reader batch job of `rows` rows per reader (4
/// splits per reader, `interval_ms` apart; restarts 1 s apart), with a worker that runs one of
/// its groups: the cluster, the job's output dir, the job id and that worker's index.
fn mid_job(
    cluster: &str,
    rows: u64,
    interval_ms: u64,
) -> (Separated, std::path::PathBuf, i64, usize) {
    let mut c = Separated::new(3, 2, cluster);
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let out = c.root.path().join(format!("out-{cluster}"));
    let body = with_env(
        job(&out, rows, 2, 4, interval_ms),
        r#""job.retry.interval.seconds": 1"#,
    );
    let id = submit(http_port(&c.masters[0]), &body);
    wait_running(http_port(&c.masters[1]), id);
    let victim = worker_with_a_group(&c);
    (c, out, id, victim)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn active_master(c: &Separated) -> usize {
    let m = wait_formed(c, http_port(&c.masters[0]), c.workers.len());
    let active = m
        .iter()
        .find(|(r, _)| r == "ACTIVE MASTER")
        .map(|(_, a)| a.clone())
        .unwrap();
    c.masters
        .iter()
        .position(|n| n.address() == active)
        .expect("the active master is one of ours")
}

/// A STREAMING job of 2 readers × 300 rows in 6 splits 1 s apart (about 6 s of rows), with a
/// checkpoint every second, into text files: the cluster, its output dir and the job id.
fn streaming_mid_job(cluster: &str) -> (Separated, std::path::PathBuf, i64) {
    let mut c = Separated::new(3, 2, cluster);
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let out = c.root.path().join(format!("out-{cluster}"));
    let body = job(&out, 300, 2, 6, 1000).replace(
        r#""job.mode": "BATCH""#,
        r#""job.mode": "STREAMING", "checkpoint.interval": 1000, "job.retry.interval.seconds": 1"#,
    );
    let id = submit(http_port(&c.masters[0]), &body);
    wait_running(http_port(&c.masters[1]), id);
    wait_for("a checkpoint commits rows", DEADLINE, || {
        (lines_written(&out) > 0).then_some(())
    });
    (c, out, id)
}

/// Waits until a STREAMING job committed `rows` lines, stops it, and checks that exactly
/// those lines are there (the job never ends by itself).
fn stop_streaming_exactly(c: &Separated, id: i64, out: &Path, rows: usize) {
    let ports: Vec<u16> = c.masters.iter().map(http_port).collect();
    wait_for("every row committed by checkpoints", DEADLINE * 2, || {
        (lines_written(out) >= rows).then_some(())
    });
    stop_canceled(&ports, id);
    assert_eq!(lines_written(out), rows, "exactly once: rows × parallelism");
}

/// Starts every master again (after a full restart) and waits until one says the job it took
/// over waits for its workers to come back.
fn start_masters_until_they_wait_for_workers(c: &mut Separated) {
    for m in &mut c.masters {
        m.start();
    }
    wait_for("the taken-over job waits for workers", DEADLINE * 2, || {
        c.masters
            .iter()
            .any(|m| m.log_contains("for workers to come back"))
            .then_some(())
    });
}

/// Stops job `id` through the first of `ports` that takes the stop, and waits until it ended
/// CANCELED.
fn stop_canceled(ports: &[u16], id: i64) {
    let stop = format!(r#"{{"jobId": {id}, "isStopWithSavePoint": false}}"#);
    wait_for("a master takes the stop", DEADLINE, || {
        ports
            .iter()
            .any(|p| http(*p, "POST", "/stop-job", &stop).status == 200)
            .then_some(())
    });
    let (status, info) = wait_end(ports, id);
    assert_eq!(status, "CANCELED", "{info}");
}

/// `seatunnel client` as SeaTunnel ships its file: `hazelcast-client.yaml` lists the masters'
/// member ports, standbys first.
fn client(c: &Separated) -> std::process::Command {
    let client_dir = c.root.path().join("client");
    std::fs::create_dir_all(&client_dir).unwrap();
    std::fs::write(
        client_dir.join("seatunnel.yaml"),
        "seatunnel:\n  engine:\n    print-job-metrics-info-interval: 1\n",
    )
    .unwrap();
    let list: String = c
        .masters
        .iter()
        .rev()
        .map(|m| format!("      - {}\n", m.address()))
        .collect();
    std::fs::write(
        client_dir.join("hazelcast-client.yaml"),
        format!(
            "hazelcast-client:\n  cluster-name: {}\n  network:\n    cluster-members:\n{list}",
            c.cluster
        ),
    )
    .unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_seatunnel"));
    http_support::node::isolate(&mut cmd)
        .arg("client")
        .arg("--server-config")
        .arg(client_dir.join("seatunnel.yaml"));
    cmd
}

/// What `seatunnel client ARGS` printed on stdout, as JSON; the client must succeed.
fn client_json(c: &Separated, args: &[&str]) -> Json {
    let run = client(c).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{args:?}: exit {:?}\n{stdout}\n{}",
        run.status.code(),
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

/// The worker id in a worker's start-up line (`worker <id> ready: member port <port>`).
fn worker_id_in(line: &str) -> Option<String> {
    let (before, _) = line.split_once(" ready: member port")?;
    before.rsplit(' ').next().map(str::to_string)
}
