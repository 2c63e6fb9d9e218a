//! Tests of the worker runtime: deploys, tokens, cancels, checkpoints and the outbox, with
//! real task groups on the built-in plugins.

use super::*;

fn runtime() -> Arc<WorkerRuntime> {
    WorkerRuntime::new(
        Arc::new(crate::connectors::registry()),
        TaskTracker::new(),
        CancellationToken::new(),
    )
}

/// The fresh start the active master's enumerator gives `group` of pipeline 1, as JSON.
async fn start_of(w: &WorkerRuntime, job: &JobSpec, group: usize) -> String {
    let plan = w.plan(job).await.unwrap();
    let starts = crate::engine::group::enumerate(&plan, 1).unwrap();
    serde_json::to_string(&starts[group]).unwrap()
}

/// The ends waiting in the outbox, once there are any (within 20 s).
async fn ends(w: &WorkerRuntime, what: &str) -> Vec<GroupReport> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let notified = w.ended.notified();
        let (_, ended) = w.report();
        if !ended.is_empty() {
            return ended;
        }
        assert!(std::time::Instant::now() < deadline, "{what} never ended");
        notified.await;
    }
}

fn t(term: u64, node_id: u64) -> FencingToken {
    FencingToken { term, node_id }
}

#[test]
fn an_older_token_is_refused_and_counted() {
    let w = runtime();
    assert!(w.admit(t(2, 1), "x").is_ok());
    assert!(w.admit(t(2, 1), "x").is_ok(), "the same leader again");
    assert_eq!(w.admit(t(1, 9), "x"), Err(t(2, 1)));
    assert_eq!(w.rejected_calls(), 1);
    assert!(w.admit(t(3, 0), "x").is_ok());
    assert_eq!(w.admit(t(2, 1), "x"), Err(t(3, 0)));
    assert_eq!(w.rejected_calls(), 2);
    assert_eq!(w.highest_token(), Some(t(3, 0)));
}

#[tokio::test]
async fn a_deployed_group_runs_once_and_waits_in_the_outbox_until_recorded() {
    let w = runtime();
    let job = JobSpec {
        job_id: 9,
        job_name: "j".into(),
        config_json: serde_json::json!({
            "env": {"parallelism": 2, "job.mode": "BATCH"},
            "source": [{"plugin_name": "FakeSource", "row.num": 5,
                "schema": {"fields": {"a": "int"}}}],
            "sink": [{"plugin_name": "Console"}]
        })
        .to_string(),
    };
    let key = GroupKey {
        job_id: 9,
        pipeline: 1,
        group: 1,
        epoch: 4,
    };
    let start = start_of(&w, &job, key.group).await;
    let deploy = |token| WorkerRequest {
        token,
        worker_id: "w".into(),
        call: WorkerCall::Deploy {
            job: job.clone(),
            key,
            slot: 0,
            start: start.clone(),
        },
    };
    assert_eq!(w.handle(deploy(t(1, 1))).await, WorkerReply::Done);
    assert_eq!(w.handle(deploy(t(1, 1))).await, WorkerReply::Done);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let reports = loop {
        let (_, ended) = w.report();
        if !ended.is_empty() {
            break ended;
        }
        assert!(std::time::Instant::now() < deadline, "group never ended");
        w.ended.notified().await;
    };
    assert_eq!(reports.len(), 1, "deployed twice, ran once");
    assert!(
        matches!(reports[0].end, GroupEnd::Finished(_)),
        "{:?}",
        reports[0].end
    );
    assert_eq!(
        reports[0].metrics.source.values().map(|v| v.0).sum::<u64>(),
        5
    );
    // Already ran: a repeated deploy (a new leader) does not start it again.
    assert_eq!(w.handle(deploy(t(2, 3))).await, WorkerReply::Done);
    assert_eq!(w.running_count(), 0);
    w.recorded(&[key]);
    assert!(w.report().1.is_empty());
    assert!(matches!(
        w.handle(deploy(t(1, 1))).await,
        WorkerReply::StaleToken { highest } if highest == t(2, 3)
    ));
}

#[tokio::test]
async fn a_group_the_master_no_longer_places_is_cancelled_and_others_keep_running() {
    let w = runtime();
    let job = JobSpec {
        job_id: 11,
        job_name: "j".into(),
        // Two splits per reader a minute apart: each group runs until cancelled.
        config_json: serde_json::json!({
            "env": {"parallelism": 2, "job.mode": "BATCH"},
            "source": [{"plugin_name": "FakeSource", "row.num": 5, "split.num": 4,
                "split.read-interval": 60000, "schema": {"fields": {"a": "int"}}}],
            "sink": [{"plugin_name": "Console"}]
        })
        .to_string(),
    };
    let key = |group| GroupKey {
        job_id: 11,
        pipeline: 1,
        group,
        epoch: 1,
    };
    for group in [0, 1] {
        let call = WorkerCall::Deploy {
            job: job.clone(),
            key: key(group),
            slot: group as u32,
            start: start_of(&w, &job, group).await,
        };
        let req = WorkerRequest {
            token: t(1, 1),
            worker_id: "w".into(),
            call,
        };
        assert_eq!(w.handle(req).await, WorkerReply::Done);
    }
    w.cancel_groups(&[key(0), GroupKey { epoch: 2, ..key(1) }]);
    let ended = ends(&w, "the orphan").await;
    assert_eq!(ended.len(), 1);
    assert_eq!((ended[0].key, &ended[0].end), (key(0), &GroupEnd::Canceled));
    assert_eq!(
        w.running_count(),
        1,
        "a key of another epoch cancels nothing"
    );
    w.stop_all();
    w.all_ended().await;
    let (_, ended) = w.report();
    let stopped = ended
        .iter()
        .find(|r| r.key == key(1))
        .expect("group 1 ended");
    assert!(
        matches!(&stopped.end, GroupEnd::WorkerStopped(why) if why.contains("worker stopped")),
        "a group cancelled by the worker's own stop says so: {:?}",
        stopped.end
    );
    // A deploy that races the stop is refused as "stopping", not as a failure: the master
    // restarts the pipeline elsewhere instead of failing the job.
    let late = WorkerRequest {
        token: t(1, 1),
        worker_id: "w".into(),
        call: WorkerCall::Deploy {
            job: job.clone(),
            key: GroupKey { epoch: 3, ..key(0) },
            slot: 0,
            start: start_of(&w, &job, 0).await,
        },
    };
    assert!(matches!(w.handle(late).await, WorkerReply::Stopping(_)));
}

/// A group cancelled after a checkpoint prepared output does not abort it: the master may
/// have recorded that checkpoint and commit its output after the group is gone. The end
/// report hands it over instead, and the files stay until the master decides.
#[tokio::test]
async fn a_cancelled_group_hands_its_prepared_output_to_the_master_instead_of_aborting_it() {
    let w = runtime();
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    let job = JobSpec {
        job_id: 12,
        job_name: "j".into(),
        // The reader emits its first split, then idles a minute: cancelled mid-job.
        config_json: serde_json::json!({
            "env": {"parallelism": 1, "job.mode": "BATCH"},
            "source": [{"plugin_name": "FakeSource", "row.num": 8, "split.num": 4,
                "split.read-interval": 60000, "schema": {"fields": {"a": "int"}}}],
            "sink": [{"plugin_name": "LocalFile", "path": dir.path().join("out"),
                "tmp_path": tmp, "file_format_type": "text"}]
        })
        .to_string(),
    };
    let key = GroupKey {
        job_id: 12,
        pipeline: 1,
        group: 0,
        epoch: 1,
    };
    let request = |call| WorkerRequest {
        token: t(1, 1),
        worker_id: "w".into(),
        call,
    };
    let deploy = WorkerCall::Deploy {
        job: job.clone(),
        key,
        slot: 0,
        start: start_of(&w, &job, 0).await,
    };
    assert_eq!(w.handle(request(deploy)).await, WorkerReply::Done);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (running, _) = w.report();
        let read: u64 = running
            .iter()
            .flat_map(|g| g.metrics.source.values().map(|v| v.0))
            .sum();
        if read >= 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the first split is read"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let checkpoint = WorkerCall::Checkpoint {
        job_id: 12,
        pipeline: 1,
        id: 1,
        committed_through: 0,
        timeout_ms: 30_000,
    };
    let WorkerReply::Prepared { infos, .. } = w.handle(request(checkpoint)).await else {
        panic!("checkpoint 1 is prepared");
    };
    assert!(
        !infos.is_empty(),
        "the writer prepared the first split's rows"
    );
    let files_under_tmp = || walk(&tmp);
    assert!(files_under_tmp() > 0, "prepared files wait under tmp_path");
    assert_eq!(
        w.handle(request(WorkerCall::Cancel { job_id: 12 })).await,
        WorkerReply::Done
    );
    let ended = ends(&w, "the cancelled group").await;
    assert_eq!(ended[0].end, GroupEnd::Canceled);
    assert_eq!(ended[0].abandoned, infos, "handed over, not aborted");
    assert!(files_under_tmp() > 0, "the prepared files are still there");
}

/// Regular files under `dir`, at any depth.
fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => walk(&e.path()),
                    Ok(_) => 1,
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}
