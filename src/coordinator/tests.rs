//! The manager against the real engine, with the small plugins of `test_plugins`.

use std::time::Duration;

use serde_json::{json, Value as Json};

use super::test_plugins::registry;
use super::*;
use crate::job::JobStatus;
use crate::node::embedded::EmbeddedNode;

/// A job manager on the test plugins: an embedded node's, running until the test ends.
async fn manager() -> JobManager {
    manager_with(EmbeddedNode::default_config()).await
}

async fn manager_with(config: crate::config::LoadedConfig) -> JobManager {
    EmbeddedNode::start(config, registry())
        .await
        .unwrap()
        .into_background()
}

fn batch(rows: u64) -> Json {
    json!({
        "env": {"parallelism": 2, "job.name": "from_env"},
        "source": [{"plugin_name": "Rows", "rows": rows, "plugin_output": "fake"}],
        "sink": [{"plugin_name": "Discard", "plugin_input": "fake"}]
    })
}

fn streaming() -> Json {
    json!({
        "env": {"job.mode": "STREAMING", "checkpoint.interval": 60000},
        "source": [{"plugin_name": "Rows", "rows": 3}],
        "sink": [{"plugin_name": "Discard"}]
    })
}

fn req(tree: Json) -> SubmitRequest {
    SubmitRequest {
        tree,
        job_id: None,
        job_name: None,
        start_with_savepoint: false,
    }
}

async fn wait_running(m: &JobManager, id: i64) {
    let mut status = m.watch_status(id).expect("job runs here");
    status
        .wait_for(|s| *s == JobStatus::Running)
        .await
        .expect("job reached RUNNING");
}

#[tokio::test]
async fn batch_job_runs_to_history_with_metrics_and_dag() {
    let m = manager().await;
    let (id, name) = m.submit(req(batch(5))).await.unwrap();
    assert_eq!(name, "from_env");
    let done = m.wait(id).await.expect("recorded");
    assert_eq!(done.status, JobStatus::Finished, "{:?}", done.error);
    assert_eq!(done.error, None);
    assert_eq!(done.metrics.source_rows(), 10);
    assert_eq!(done.metrics.sink_rows(), 10);
    assert!(done.finish_time_ms >= done.create_time_ms);
    assert_eq!(done.dag.job_id, id);
    assert_eq!(done.dag.vertices[0].name, "pipeline-1 [Source[0]-Rows]");
    assert_eq!(
        done.dag.vertices[1].name,
        "pipeline-1 [Sink[0]-Discard-MultiTableSink]"
    );
    assert_eq!(done.dag.vertices[1].table_paths, vec!["fake".to_string()]);
    assert_eq!(done.dag.pipeline_edges[&1], vec![(1, 2)]);
    assert!(matches!(m.job_info(id), Some(JobInfo::Finished(_))));
    assert!(m.running_jobs().is_empty());
    let finished = m.finished_jobs(StateFilter::parse("finished"));
    assert_eq!(finished.len(), 1);
    assert!(m.finished_jobs(StateFilter::parse("FAILED")).is_empty());
    assert_eq!(m.counts().finished, 1);
}

#[tokio::test]
async fn custom_id_and_name_and_the_resubmit_rules() {
    let m = manager().await;
    let mut r = req(batch(1));
    r.job_id = Some(123);
    r.job_name = Some("named".into());
    assert_eq!(
        m.submit(r.clone()).await.unwrap(),
        (123, "named".to_string())
    );
    m.wait(123).await.unwrap();
    let e = m.submit(r.clone()).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "The job id 123 has already been submitted and is not starting with a savepoint."
    );
    // A restore may reuse the id: with nothing kept, the job runs afresh under it.
    r.start_with_savepoint = true;
    assert_eq!(m.submit(r.clone()).await.unwrap().0, 123);
    assert_eq!(
        m.wait(123).await.map(|j| j.status),
        Some(JobStatus::Finished)
    );
    r.job_id = None;
    let e = m.submit(r).await.unwrap_err();
    assert!(e.is_bad_request());
    assert_eq!(
        e.to_string(),
        "Please provide jobId when start with save point."
    );
}

#[tokio::test]
async fn streaming_job_runs_until_stopped() {
    let m = manager().await;
    let mut r = req(streaming());
    r.job_id = Some(77);
    let (id, _) = m.submit(r.clone()).await.unwrap();
    wait_running(&m, id).await;
    let running = m.running_jobs();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].status, JobStatus::Running);
    assert_eq!(running[0].record.env["job.mode"], json!("STREAMING"));
    assert_eq!(m.counts().running, 1);
    // Resubmitting a running id is a silent success that starts nothing.
    assert_eq!(m.submit(r).await.unwrap().0, 77);
    assert_eq!(m.running_jobs().len(), 1);
    // The reader runs on a thread of its own: wait until it emitted its rows.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while m.running_jobs()[0].metrics.source_rows() < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the reader emitted its rows"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    m.stop(id, false).await.unwrap();
    let done = m.wait(id).await.unwrap();
    assert_eq!(done.status, JobStatus::Canceled);
    assert_eq!(done.metrics.source_rows(), 3);
    assert_eq!(m.counts().canceled, 1);
    assert_eq!(m.finished_jobs(StateFilter::parse("CANCELED")).len(), 1);
}

#[tokio::test]
async fn stopping_unknown_jobs() {
    let m = manager().await;
    m.stop(5, false).await.unwrap();
    assert_eq!(
        m.stop(5, true).await.unwrap_err().to_string(),
        "The job with id '5' not running, save point failed"
    );
    assert!(m.job_info(5).is_none());
    assert!(m.wait(5).await.is_none());
}

#[tokio::test]
async fn config_and_plugin_errors_come_back_and_record_nothing() {
    let m = manager().await;
    let e = m
        .submit(req(json!({"source": [{"plugin_name": "Rows"}]})))
        .await
        .unwrap_err();
    assert!(matches!(e, CoordinatorError::Config(_)), "{e}");
    let e = m
        .submit(req(json!({
            "source": [{"plugin_name": "Nope"}],
            "sink": [{"plugin_name": "Discard"}]
        })))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown source plugin 'Nope'; known source plugins: Rows"
    );
    assert!(!e.is_bad_request());
    assert!(m.running_jobs().is_empty());
    assert!(m.finished_jobs(StateFilter::All).is_empty());
}

#[tokio::test]
async fn failing_job_keeps_its_error() {
    let m = manager().await;
    let mut tree = batch(5);
    tree["source"][0]["fail_at"] = json!(2);
    let (id, _) = m.submit(req(tree)).await.unwrap();
    let done = m.wait(id).await.unwrap();
    assert_eq!(done.status, JobStatus::Failed);
    assert_eq!(done.error.as_deref(), Some("rows source broke on purpose"));
    assert_eq!(m.counts().failed, 1);
}

#[tokio::test]
async fn shutdown_cancels_running_jobs_and_refuses_new_ones() {
    let m = manager().await;
    let (id, _) = m.submit(req(streaming())).await.unwrap();
    wait_running(&m, id).await;
    m.shutdown(Duration::from_secs(30)).await;
    assert_eq!(
        m.finished_jobs(StateFilter::All)[0].status,
        JobStatus::Canceled
    );
    assert!(matches!(
        m.submit(req(batch(1))).await.unwrap_err(),
        CoordinatorError::ShuttingDown
    ));
}

#[tokio::test]
async fn expired_history_frees_the_id() {
    let mut config = EmbeddedNode::default_config();
    config.server.engine.history_job_expire = Duration::from_millis(1);
    let m = manager_with(config).await;
    let mut r = req(batch(1));
    r.job_id = Some(9);
    m.submit(r.clone()).await.unwrap();
    // Waits for the end to be recorded; its history may already be gone.
    let _ = m.wait(9).await;
    // History lives 1 ms after the end is recorded.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while m.job_info(9).is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "history never expired"
        );
        tokio::task::yield_now().await;
    }
    assert!(m.finished_jobs(StateFilter::All).is_empty());
    m.submit(r)
        .await
        .expect("an expired id may be submitted again");
}

#[test]
fn settings_come_from_the_engine_config() {
    let mut engine = crate::config::EngineConfig {
        history_job_expire: Duration::from_secs(60),
        ..Default::default()
    };
    engine.checkpoint.interval = Duration::from_millis(5000);
    engine.checkpoint.timeout = Duration::from_millis(7000);
    let s = CoordinatorSettings::from_engine(&engine, 3);
    assert_eq!(s.history_ttl, Duration::from_secs(60));
    assert_eq!(s.checkpoint.interval, Duration::from_millis(5000));
    assert_eq!(s.checkpoint.timeout, Duration::from_millis(7000));
    assert_eq!(s.node_id, 3);
}

/// A job's checkpoint overview comes from the driver's records, while it runs and after its
/// end; an unknown id is told apart from both.
#[tokio::test]
async fn checkpoint_overviews_of_running_and_ended_jobs_and_of_unknown_ids() {
    let m = manager().await;
    assert!(matches!(
        m.checkpoints(42),
        Err(CoordinatorError::UnknownJob(42))
    ));
    let mut tree = streaming();
    tree["env"]["checkpoint.interval"] = json!(20);
    let (id, _) = m.submit(req(tree)).await.unwrap();
    wait_running(&m, id).await;
    let completed = |m: &JobManager| {
        m.checkpoints(id)
            .expect("an overview")
            .pipelines
            .iter()
            .map(|p| p.completed)
            .sum::<u64>()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while completed(&m) < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the running job's overview counts its checkpoints"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    m.stop(id, false).await.unwrap();
    m.wait(id).await.expect("recorded");
    assert!(completed(&m) >= 2, "the ended job's overview, from history");
}

/// A worker's own manager runs no job: one that reaches it anyway ends FAILED saying where
/// jobs run, and it keeps no checkpoint records.
#[tokio::test]
async fn a_forward_only_manager_fails_a_job_that_reaches_it_saying_where_jobs_run() {
    let m = JobManager::forward_only(registry(), tokio_util::sync::CancellationToken::new());
    let (id, _) = m.submit(req(batch(1))).await.unwrap();
    let done = m.wait(id).await.expect("recorded");
    assert_eq!(done.status, JobStatus::Failed);
    assert!(
        done.error
            .as_deref()
            .is_some_and(|e| e.contains("submit it to the active master")),
        "{:?}",
        done.error
    );
    assert!(m.checkpoints(id).is_err(), "no records kept");
}
