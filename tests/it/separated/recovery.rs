//! Issue 15's recovery tests: STREAMING and BATCH jobs restart from their last checkpoint, a
//! savepoint and its restore, and jobs that resume by themselves after a full restart.

use super::*;

/// Issue 15, test 1: `kill -9` of a worker mid-job. The pipeline restarts on the survivor
/// from its last checkpoint: rows the checkpoints committed are not read again, the rest are.
#[test]
fn a_streaming_job_restarts_from_its_last_checkpoint_when_a_worker_is_killed() {
    let (mut c, out, id) = streaming_mid_job("st-streaming-restore");
    // The checkpoint overview (asked of a standby, which forwards) shows what completed.
    let port = http_port(&c.masters[1]);
    let before = overview_when(port, id, "two checkpoints completed", |p| {
        p["counts"]["completed"].as_u64() >= Some(2)
    });
    assert_eq!(before["counts"]["restored"], 0, "{before}");
    let victim = worker_with_a_group(&c);
    c.workers[victim].kill9();
    overview_when(port, id, "the restore from a checkpoint counted", |p| {
        p["counts"]["restored"].as_u64() >= Some(1)
    });
    stop_streaming_exactly(&c, id, &out, 600);
    let restored = c.masters.iter().any(|m| {
        m.log_text()
            .lines()
            .any(|l| l.contains("placed again on") && l.contains("it runs from checkpoint"))
    });
    assert!(restored, "the pipeline restarted from a checkpoint");
    // The overview went to history with the job; the client prints it, also inside -j.
    let after = &client_json(&c, &["--checkpoint-overview", &id.to_string()])["pipelines"][0];
    assert_eq!(after["counts"]["restored"], 1, "{after}");
    let completed = after["counts"]["completed"].as_u64().unwrap();
    assert!(
        completed >= before["counts"]["completed"].as_u64().unwrap(),
        "{after}"
    );
    assert_completed_checkpoints(after);
    let detail = client_json(&c, &["-j", &id.to_string()]);
    assert_eq!(detail["jobStatus"], "CANCELED");
    assert_eq!(
        detail["checkpointOverview"]["pipelines"][0]["counts"]["completed"],
        completed
    );
    let history = client_json(
        &c,
        &[
            "--checkpoint-history",
            &id.to_string(),
            "--checkpoint-history-limit",
            "2",
            "--checkpoint-history-status",
            "COMPLETED",
        ],
    );
    let ids: Vec<u64> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["checkpoint"]["checkpointId"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![completed, completed - 1], "{history}");
}

/// Waits until the job's only pipeline in `/jobs/checkpoints/:id` passes `ready`, checks its
/// completed checkpoints and returns it.
fn overview_when(port: u16, id: i64, what: &str, ready: impl Fn(&Json) -> bool) -> Json {
    let pipeline = wait_for(what, DEADLINE * 2, || {
        let (status, o) = http_get(port, &format!("/jobs/checkpoints/{id}"));
        assert!(status == 200 || status >= 500, "{status}: {o}");
        let p = o["pipelines"].get(0)?.clone();
        ready(&p).then_some(p)
    });
    assert_completed_checkpoints(&pipeline);
    pipeline
}

/// The latest completed checkpoint is the last id counted, and the retained ones, newest
/// first, have decreasing ids, each with its trigger and completion time, duration and size.
fn assert_completed_checkpoints(p: &Json) {
    let completed = p["counts"]["completed"].as_u64().unwrap();
    assert_eq!(p["latestCompleted"]["checkpointId"], completed, "{p}");
    assert!(
        p["counts"]["triggered"].as_u64().unwrap() >= completed,
        "{p}"
    );
    let retained: Vec<&Json> = p["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["checkpoint"])
        .filter(|c| c["status"] == "COMPLETED")
        .collect();
    assert!(!retained.is_empty(), "{p}");
    for pair in retained.windows(2) {
        assert!(
            pair[0]["checkpointId"].as_u64() > pair[1]["checkpointId"].as_u64(),
            "newest first, ids increasing with time: {p}"
        );
    }
    for c in retained {
        assert_eq!(c["checkpointType"], "checkpoint", "{p}");
        let triggered = c["triggerTimestamp"].as_i64().unwrap();
        let done = c["completedTimestamp"].as_i64().unwrap();
        assert_eq!(
            c["durationMillis"].as_i64().unwrap(),
            done - triggered,
            "{p}"
        );
        assert!(c["stateSize"].as_u64().unwrap() > 0, "{p}");
    }
}

/// Issue 15, test 2: a BATCH job with `checkpoint.interval` loses a worker after several
/// checkpoints. Its pipeline resumes from the last one instead of reading everything again:
/// the restarted readers count fewer rows than the job has, and the output is exact.
#[test]
fn a_batch_job_that_loses_a_worker_resumes_from_its_last_checkpoint() {
    let mut c = Separated::new(3, 2, "st-batch-restore");
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let out = c.root.path().join("out-batch-restore");
    // 2 readers × 400 rows in 8 splits 1 s apart: about 8 s of rows, a checkpoint a second.
    let body = with_env(
        job(&out, 400, 2, 8, 1000),
        r#""checkpoint.interval": 1000, "job.retry.interval.seconds": 1"#,
    );
    let id = submit(http_port(&c.masters[0]), &body);
    wait_running(http_port(&c.masters[1]), id);
    wait_for("checkpoints commit rows mid-job", DEADLINE, || {
        (lines_written(&out) >= 200).then_some(())
    });
    let victim = worker_with_a_group(&c);
    c.workers[victim].kill9();
    let ports: Vec<u16> = c.masters.iter().map(http_port).collect();
    let (status, info) = wait_end(&ports, id);
    assert_eq!(status, "FINISHED", "{info}");
    assert_eq!(lines_written(&out), 800, "exactly once");
    let read: u64 = info["metrics"]["SourceReceivedCount"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a row count");
    assert!(
        read < 800,
        "the restarted readers resumed instead of reading all 800 rows again: {read}"
    );
    assert!(c.masters.iter().any(|m| m
        .log_text()
        .lines()
        .any(|l| { l.contains("placed again on") && l.contains("it runs from checkpoint") })));
}

/// Issue 15, test 3: `/stop-job` with `isStopWithSavePoint` ends a STREAMING job
/// SAVEPOINT_DONE with what it read committed; `/submit-job?jobId=…&isStartWithSavePoint=true`
/// runs it again under the same id from that savepoint, and the two runs together wrote every
/// row exactly once. A cancelled job's checkpoints are gone: restoring it starts from scratch.
#[test]
fn a_savepoint_then_a_restore_under_the_same_id_write_every_row_once() {
    let (c, out, id) = streaming_mid_job("st-savepoint");
    let ports: Vec<u16> = c.masters.iter().map(http_port).collect();
    let stop = format!(r#"{{"jobId": {id}, "isStopWithSavePoint": true}}"#);
    let reply = http(ports[1], "POST", "/stop-job", &stop);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (status, info) = wait_end(&ports, id);
    assert_eq!(status, "SAVEPOINT_DONE", "{info}");
    let before = lines_written(&out);
    assert!(
        before > 0 && before < 600,
        "{before} lines at the savepoint"
    );
    let (_, listed) = http_get(ports[0], "/finished-jobs/SAVEPOINT_DONE");
    let id_text = id.to_string();
    assert!(
        listed
            .as_array()
            .is_some_and(|a| a.iter().any(|j| j["jobId"] == id_text)),
        "{listed}"
    );
    // Resubmitting the id without the restore flag is refused with SeaTunnel's message.
    let body = job(&out, 300, 2, 6, 1000).replace(
        r#""job.mode": "BATCH""#,
        r#""job.mode": "STREAMING", "checkpoint.interval": 1000, "job.retry.interval.seconds": 1"#,
    );
    let refused = http(ports[0], "POST", &format!("/submit-job?jobId={id}"), &body);
    assert_eq!(refused.status, 500, "{}", refused.body);
    assert!(
        refused.body.contains("not starting with a savepoint"),
        "{}",
        refused.body
    );
    let restore = format!("/submit-job?jobId={id}&isStartWithSavePoint=true");
    let reply = http(ports[2], "POST", &restore, &body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    wait_for("the restore starts from the savepoint", DEADLINE, || {
        c.masters
            .iter()
            .any(|m| {
                m.log_text()
                    .lines()
                    .any(|l| l.contains("restores from checkpoint") && l.contains("earlier run"))
            })
            .then_some(())
    });
    stop_streaming_exactly(&c, id, &out, 600);
}

/// Issue 15, test 4 (STREAMING; issue 14 item 2 before checkpoints kept read positions):
/// `kill -9` of every master and worker while the job has committed checkpoints, then all of
/// them started again, the workers first (the BATCH tests start the masters first). The job
/// resumes by itself from its last checkpoint, exactly once.
#[test]
fn after_a_full_restart_a_streaming_job_resumes_from_its_last_checkpoint_exactly_once() {
    let (mut c, out, id) = streaming_mid_job("st-full-restart-streaming");
    for n in c.masters.iter_mut().chain(c.workers.iter_mut()) {
        n.kill9();
    }
    let committed = lines_written(&out);
    assert!(committed < 600, "{committed} lines before the restart");
    for n in c.workers.iter_mut().chain(c.masters.iter_mut()) {
        n.start();
    }
    stop_streaming_exactly(&c, id, &out, 600);
}

/// Issue 14 item 9: after a full restart, the masters are back before the workers. The
/// taken-over BATCH job waits for workers (up to `takeover-worker-wait-seconds`) instead of
/// failing with NoEnoughResourceException, and finishes exactly once when they come.
#[test]
fn after_a_full_restart_a_batch_job_waits_for_workers_that_come_back_late() {
    let (mut c, out, id, _) = mid_job("st-late-workers", 300, 1500);
    for n in c.masters.iter_mut().chain(c.workers.iter_mut()) {
        n.kill9();
    }
    start_masters_until_they_wait_for_workers(&mut c);
    let ports: Vec<u16> = c.masters.iter().map(http_port).collect();
    assert!(
        ports
            .iter()
            .any(|p| job_status(*p, id).is_some_and(|s| s != "FAILED")),
        "not failed while it waits"
    );
    for w in &mut c.workers {
        w.start();
    }
    assert_finished_exactly(
        &c,
        id,
        &out,
        600,
        "exactly once after the workers came back",
    );
}
