//! Workers lost, stopped, restarted or blocked mid-job: pipelines restart on the survivors
//! exactly once, and a blocked connector holds up no heartbeat and no REST answer.

use super::*;

#[test]
fn a_worker_killed_mid_job_restarts_its_pipeline_on_the_survivor_exactly_once() {
    // The victim dies while its reader is mid-way through its splits.
    let (mut c, out, id, victim) = mid_job("st-restart", 400, 1000);
    c.workers[victim].kill9();
    assert_finished_exactly(
        &c,
        id,
        &out,
        800,
        "the restarted pipeline wrote every row once; the first attempt's output was aborted",
    );
    let restarted = c
        .masters
        .iter()
        .any(|m| m.log_contains("restarting pipeline 1 (attempt 1 of 3)"));
    assert!(restarted, "a master restarted the pipeline");
    let survivor = &c.workers[1 - victim];
    assert!(
        survivor.log_text().matches("deployed job").count() >= 2,
        "the survivor ran the restarted groups"
    );
}

/// `systemctl stop` (or a package upgrade) on a worker mid-job: its groups end as "worker
/// stopped", the active master restarts the pipeline on the other worker, and the worker leaves
/// `/members` at once; started again, it is listed once (a rolling restart's health gate).
#[test]
fn a_worker_stopped_mid_job_hands_its_pipeline_to_the_survivor_and_rejoins_once() {
    let (mut c, out, id, victim) = mid_job("st-worker-stop", 400, 1000);
    let port = http_port(&c.masters[0]);
    let address = c.workers[victim].address();
    let status = c.workers[victim].terminate().expect("it ran");
    assert!(status.success(), "a stopped worker exits 0: {status}");
    // Gone from the cluster's view at once, not after the detector's 180 s of silence.
    wait_for("the stopped worker leaves /members", DEADLINE, || {
        let m = members(port)?;
        (!m.iter().any(|(_, a)| *a == address)).then_some(())
    });
    assert_finished_exactly(
        &c,
        id,
        &out,
        800,
        "the restarted pipeline wrote every row once; the stopped worker's output was aborted",
    );
    // Its last heartbeat said so (a "stopping" one before it may or may not have gone out).
    assert!(c
        .masters
        .iter()
        .any(|m| m.log_contains("worker is stopped: it left the cluster")));
    assert!(c.workers[victim].log_contains("CANCELED (worker stopping)"));
    c.workers[victim].start();
    wait_for("the restarted worker is listed once", DEADLINE, || {
        let m = members(port)?;
        (m.iter().filter(|(_, a)| *a == address).count() == 1
            && m.iter().filter(|(r, _)| r == "WORKER").count() == 2)
            .then_some(())
    });
}

#[test]
fn a_worker_lost_while_every_master_was_down_is_noticed_in_seconds_and_its_pipeline_restarts() {
    let (mut c, out, id, victim) = mid_job("st-lost-while-down", 300, 1500);
    for m in &mut c.masters {
        m.kill9();
    }
    c.workers[victim].kill9();
    for m in &mut c.masters {
        m.start();
    }
    // The new active master never heard from the victim; its recorded address refuses
    // connections, so it is declared dead in seconds, not after the detector's 180 s of silence
    // (which would outlast this wait).
    assert_finished_exactly(&c, id, &out, 600, "exactly once after the restart");
    assert!(c
        .masters
        .iter()
        .any(|m| m.log_contains("it never heartbeated to this master")));
}

/// Issue 14 item 8: a worker killed and started again at once, at the same address, is a new
/// process with a new id. The active master ends the old process's groups as soon as the new
/// one answers or heartbeats, instead of waiting 180 s for the failure detector (the new
/// process answers pings, so the old id would look alive-ish forever), and the pipeline
/// restarts, exactly once.
#[test]
fn a_worker_back_at_its_address_within_seconds_ends_its_old_groups_at_once() {
    let (mut c, out, id, victim) = mid_job("st-worker-back", 400, 1000);
    c.workers[victim].kill9();
    c.workers[victim].start();
    assert_finished_exactly(
        &c,
        id,
        &out,
        800,
        "the pipeline restarted after the old process's groups ended; exactly once",
    );
    assert!(
        c.masters
            .iter()
            .any(|m| m.log_contains("its task groups are lost")),
        "the active master said the old process was replaced"
    );
    assert!(c
        .masters
        .iter()
        .any(|m| m.log_contains("restarting pipeline 1 (attempt 1 of 3)")));
}

/// A worker holding the committer slot of a pipeline but none of its groups is restarted
/// mid-job (what a rolling upgrade does to every worker in turn). No group ends, so the
/// pipeline does not restart; the committer's operations, stateless on the worker, move to a
/// live worker hosting the pipeline's group, and the job finishes exactly once.
#[test]
fn a_restarted_worker_holding_only_the_committer_hands_the_commit_to_a_live_worker() {
    let mut c = Separated::new(3, 3, "st-committer-moves");
    // One static slot per worker for 3 tasks (2 coordinator tasks, 1 task group): each task
    // lands on its own worker, so the committer's worker runs no group.
    static_slots(&c, 1);
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 3);
    let out = c.root.path().join("out-committer-moves");
    let id = submit(http_port(&c.masters[0]), &job(&out, 400, 1, 4, 1500));
    let setup = "running the set-up of pipeline 1's committer";
    let holder = wait_for("a worker sets the committer up", DEADLINE, || {
        c.workers.iter().position(|w| w.log_contains(setup))
    });
    wait_running(http_port(&c.masters[1]), id);
    assert!(
        !c.workers[holder].log_contains(&format!("deployed job {id}")),
        "the committer's worker runs no group of the job"
    );
    c.workers[holder].kill9();
    c.workers[holder].start();
    assert_finished_exactly(&c, id, &out, 400, "the stand-in committed every row once");
    assert!(
        c.masters
            .iter()
            .any(|m| m.log_contains("the committer of pipeline 1 moves from worker")),
        "the active master said where the committer went"
    );
    assert!(
        !c.masters
            .iter()
            .any(|m| m.log_contains("restarting pipeline 1")),
        "no group was lost, so the pipeline did not restart"
    );
}

/// Issue 15: connectors may block (every database driver waits on the network). Readers
/// blocked inside their connector for 10 s, more of them than the worker has runtime threads,
/// hold up neither the worker's REST answers nor its heartbeats: each reader opens a named pipe
/// that no one writes to until the end of the test. Then the pipes are fed and the job ends
/// with every line.
#[test]
fn readers_blocked_in_their_connector_for_10_s_delay_no_heartbeat_and_no_rest_answer() {
    use nix::sys::stat::Mode;
    let mut c = Separated::new(3, 1, "st-blocked-readers");
    c.start_all();
    let master = http_port(&c.masters[0]);
    let worker = http_port(&c.workers[0]);
    wait_formed(&c, master, 1);
    // One more reader than the worker has runtime threads (one per core).
    let readers = std::thread::available_parallelism().map_or(2, |n| n.get()) + 1;
    let pipes: Vec<std::path::PathBuf> = (0..readers)
        .map(|i| c.root.path().join(format!("pipe-{i}")))
        .collect();
    for p in &pipes {
        nix::unistd::mkfifo(p, Mode::S_IRUSR | Mode::S_IWUSR).unwrap();
    }
    let tables: Vec<String> = pipes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                r#"{{"path": "{}", "file_format_type": "text", "schema": {{"table": "t{i}", "fields": {{"line": "string"}}}}}}"#,
                p.display()
            )
        })
        .collect();
    let body = format!(
        r#"{{"env": {{"parallelism": {readers}, "job.mode": "BATCH"}},
  "source": [{{"plugin_name": "LocalFile", "tables_configs": [{}]}}],
  "sink": [{{"plugin_name": "Console"}}]}}"#,
        tables.join(", ")
    );
    let id = submit(master, &body);
    wait_for("every reader runs", DEADLINE, || {
        (c.workers[0].log_count(&format!("deployed job {id}")) == readers).then_some(())
    });
    let blocked_for = Duration::from_secs(10);
    let began = std::time::Instant::now();
    let mut beats = 0;
    while began.elapsed() < blocked_for {
        // Served by the worker's runtime (forwarded from there to the active master).
        let (status, overview) = http_get(worker, "/overview");
        assert_eq!(
            status, 200,
            "the worker answers REST while its readers block: {overview}"
        );
        // A tag set on the worker reaches the master only with the worker's next heartbeat.
        beats += 1;
        let reply = http(
            worker,
            "POST",
            "/update-tags",
            &format!(r#"{{"beat": "{beats}"}}"#),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        wait_for("a heartbeat carries the new tag", DEADLINE, || {
            let (_, o) = http_get(master, &format!("/overview?beat={beats}"));
            (o["workers"] == "1").then_some(())
        });
    }
    assert!(beats >= 2, "several heartbeats went through: {beats}");
    let (_, info) = http_get(master, &format!("/job-info/{id}"));
    assert_eq!(info["jobStatus"], "RUNNING", "{info}");
    assert_eq!(
        info["metrics"]["SourceReceivedCount"], "0",
        "the readers were blocked all along: {info}"
    );
    for p in &pipes {
        // Opening for writing completes the reader's blocked open; closing ends its file.
        let mut w = std::fs::OpenOptions::new().write(true).open(p).unwrap();
        w.write_all(b"a\nb\nc\n").unwrap();
    }
    let (status, info) = wait_end(&[master], id);
    assert_eq!(status, "FINISHED", "{info}");
    assert_eq!(
        info["metrics"]["SourceReceivedCount"],
        (3 * readers).to_string(),
        "{info}"
    );
}
