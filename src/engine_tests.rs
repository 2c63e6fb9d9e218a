//! Runtime tests with small in-test plugins: they exercise the engine's own guarantees
//! (every row delivered once, commit only after a clean end, failures and panics contained,
//! streaming jobs kept alive until cancelled, periodic commits). Whole jobs run on an embedded
//! node, through the job driver every job runs on; task groups also run alone, as on a worker.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::connector::*;
use crate::coordinator::{FinishedJob, SubmitRequest};
use crate::data::{Batch, DataType, Datum, Field, RowKind, TablePath, TableSchema};
use crate::engine::*;
use crate::job::{JobConfig, JobStatus};
use crate::node::embedded::EmbeddedNode;

/// Emits `rows` ints per reader in batches of 7, then finishes; each poll blocks its thread
/// for `poll_delay_ms` (a connector waiting on the network), or only the poll after
/// `stall_at` rows when that is set. Its split's state is the number of rows emitted.
struct Counting;
struct CountingSource {
    rows: usize,
    fail_at: Option<usize>,
    poll_delay: Duration,
    stall_at: Option<usize>,
    table: Arc<TableSchema>,
}
struct CountingReader {
    next: usize,
    rows: usize,
    fail_at: Option<usize>,
    poll_delay: Duration,
    stall_at: Option<usize>,
    base: i64,
    table: Arc<TableSchema>,
}

impl SourceFactory for Counting {
    fn name(&self) -> &'static str {
        "Counting"
    }
    fn create(&self, _: &PluginContext, o: &Options) -> Result<Arc<dyn Source>, ConnectorError> {
        Ok(Arc::new(CountingSource {
            rows: o.i64_or("rows", 10)? as usize,
            fail_at: o.i64("fail_at")?.map(|v| v as usize),
            poll_delay: Duration::from_millis(o.i64_or("poll_delay_ms", 0)? as u64),
            stall_at: o.i64("stall_at")?.map(|v| v as usize),
            table: TableSchema::new(
                TablePath::parse("t"),
                vec![Field::new("n", DataType::BigInt)],
            ),
        }))
    }
}

impl Source for CountingSource {
    fn tables(&self) -> Vec<Arc<TableSchema>> {
        vec![self.table.clone()]
    }
    fn enumerate(&self, ctx: &EnumeratorContext) -> Result<Vec<Vec<SourceSplit>>, ConnectorError> {
        Ok(SourceSplit::row_counters(ctx.parallelism))
    }
    fn create_reader(
        &self,
        ctx: &ReaderContext,
        splits: Vec<SourceSplit>,
    ) -> Result<Box<dyn SourceReader>, ConnectorError> {
        // No split: the reader's work was all done before the checkpoint it is restored from.
        let next = splits
            .first()
            .map_or(self.rows as u64, |s| s.state.as_u64().unwrap_or(0));
        Ok(Box::new(CountingReader {
            next: next as usize,
            rows: self.rows,
            fail_at: self.fail_at,
            poll_delay: self.poll_delay,
            stall_at: self.stall_at,
            base: ctx.subtask_index as i64 * 1_000_000,
            table: self.table.clone(),
        }))
    }
}

impl SourceReader for CountingReader {
    fn poll(&mut self, out: &mut Batch) -> Result<Poll, ConnectorError> {
        if self.stall_at.is_none_or(|at| at == self.next) {
            std::thread::sleep(self.poll_delay);
        }
        if self.next >= self.rows {
            return Ok(Poll::Finished);
        }
        out.reset(self.table.clone());
        for _ in 0..7.min(self.rows - self.next) {
            if Some(self.next) == self.fail_at {
                return Err(ConnectorError::runtime("reader broke"));
            }
            out.begin_row(RowKind::Insert);
            out.push(Datum::BigInt(self.base + self.next as i64));
            self.next += 1;
        }
        Ok(Poll::Emitted)
    }
    fn snapshot(&self) -> Result<Vec<SourceSplit>, ConnectorError> {
        Ok(vec![SourceSplit {
            id: "counting".into(),
            state: json!(self.next),
        }])
    }
}

/// Keeps every written value; commits record which infos arrived.
#[derive(Default)]
struct Collect {
    state: Arc<CollectState>,
}
#[derive(Default)]
struct CollectState {
    written: Mutex<Vec<i64>>,
    committed: Mutex<Vec<serde_json::Value>>,
    aborted: AtomicUsize,
    aborted_infos: Mutex<Vec<serde_json::Value>>,
}
struct CollectSink {
    state: Arc<CollectState>,
    fail_on: Option<i64>,
    panic_on: Option<i64>,
    /// Writer index whose first prepare takes `slow_prepare_ms`: a writer slower than the
    /// checkpoint timeout.
    slow_writer: Option<usize>,
    slow_prepare_ms: u64,
}
struct CollectWriter {
    state: Arc<CollectState>,
    fail_on: Option<i64>,
    panic_on: Option<i64>,
    pending: usize,
    /// Prepares so far: with the writer index it makes every info unique, as a real sink's
    /// (a file name, a transaction id) is, which the driver relies on to tell infos apart.
    prepares: usize,
    index: usize,
    slow_prepare: Option<Duration>,
}

impl SinkFactory for Collect {
    fn name(&self) -> &'static str {
        "Collect"
    }
    fn create(&self, _: &PluginContext, o: &Options) -> Result<Arc<dyn Sink>, ConnectorError> {
        Ok(Arc::new(CollectSink {
            state: self.state.clone(),
            fail_on: o.i64("fail_on")?,
            panic_on: o.i64("panic_on")?,
            slow_writer: o.i64("slow_writer")?.map(|w| w as usize),
            slow_prepare_ms: o.i64_or("slow_prepare_ms", 0)? as u64,
        }))
    }
}

impl Sink for CollectSink {
    fn create_writer(&self, ctx: &WriterContext) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        Ok(Box::new(CollectWriter {
            state: self.state.clone(),
            fail_on: self.fail_on,
            panic_on: self.panic_on,
            pending: 0,
            prepares: 0,
            index: ctx.subtask_index,
            slow_prepare: (self.slow_writer == Some(ctx.subtask_index))
                .then(|| Duration::from_millis(self.slow_prepare_ms)),
        }))
    }
    fn commit(&self, infos: Vec<CommitInfo>) -> Result<(), ConnectorError> {
        self.state.committed.lock().unwrap().extend(infos);
        Ok(())
    }
    fn abort(&self, infos: Vec<CommitInfo>) {
        self.state.aborted.fetch_add(1, Ordering::SeqCst);
        self.state.aborted_infos.lock().unwrap().extend(infos);
    }
}

impl SinkWriter for CollectWriter {
    fn write(&mut self, batch: &Batch) -> Result<(), ConnectorError> {
        for r in 0..batch.len() {
            let Datum::BigInt(n) = batch.get(r, 0) else {
                panic!("not a bigint")
            };
            if Some(n) == self.fail_on {
                return Err(ConnectorError::runtime(format!("cannot write {n}")));
            }
            if Some(n) == self.panic_on {
                panic!("writer bug at {n}");
            }
            self.state.written.lock().unwrap().push(n);
            self.pending += 1;
        }
        Ok(())
    }
    fn prepare_commit(&mut self) -> Result<Option<CommitInfo>, ConnectorError> {
        if let Some(delay) = self.slow_prepare.take() {
            std::thread::sleep(delay);
        }
        self.prepares += 1;
        let info = json!({"writer": self.index, "rows": self.pending, "prepare": self.prepares});
        self.pending = 0;
        Ok(Some(info))
    }
}

fn plan(tree: serde_json::Value, state: &Arc<CollectState>) -> Arc<JobPlan> {
    let registry = Registry::empty().with_source(Counting).with_sink(Collect {
        state: state.clone(),
    });
    let config = JobConfig::from_tree(&tree).unwrap();
    Arc::new(JobPlan::build(1, "t".into(), config, &registry).unwrap())
}

/// An embedded node whose plugins are the test's, sharing `state`.
async fn node(state: &Arc<CollectState>) -> EmbeddedNode {
    let registry = Registry::empty().with_source(Counting).with_sink(Collect {
        state: state.clone(),
    });
    EmbeddedNode::start(EmbeddedNode::default_config(), Arc::new(registry))
        .await
        .unwrap()
}

/// Submits `tree` (its checkpoint settings in its `env`) to `node`; returns the job id.
async fn submit(node: &EmbeddedNode, tree: serde_json::Value) -> i64 {
    let req = SubmitRequest {
        tree,
        job_id: None,
        job_name: None,
        start_with_savepoint: false,
    };
    node.jobs().submit(req).await.unwrap().0
}

/// Runs `tree` to its end on a node of its own and returns the recorded end.
async fn run(tree: serde_json::Value, state: &Arc<CollectState>) -> Arc<FinishedJob> {
    let node = node(state).await;
    let id = submit(&node, tree).await;
    let done = node.jobs().wait(id).await.expect("the end is recorded");
    node.stop().await;
    done
}

/// Waits until `cond` holds, failing with `what` past 30 s.
async fn until(what: &str, cond: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn committed_rows(state: &CollectState) -> u64 {
    state
        .committed
        .lock()
        .unwrap()
        .iter()
        .map(|c| c["rows"].as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn batch_job_delivers_every_row_once_and_commits_all_writers() {
    let state = Arc::new(CollectState::default());
    let out = run(
        json!({"env": {"parallelism": 3}, "source": [{"plugin_name": "Counting", "rows": 100}], "sink": [{"plugin_name": "collect"}]}),
        &state,
    )
    .await;
    assert_eq!(out.status, JobStatus::Finished, "{:?}", out.error);
    let mut written = state.written.lock().unwrap().clone();
    written.sort();
    assert_eq!(written.len(), 300);
    written.dedup();
    assert_eq!(written.len(), 300, "duplicates delivered");
    let committed = state.committed.lock().unwrap();
    assert_eq!(committed.len(), 3, "one final commit per writer");
    let mut writers: Vec<u64> = committed
        .iter()
        .map(|c| c["writer"].as_u64().unwrap())
        .collect();
    writers.sort();
    assert_eq!(
        writers,
        vec![0, 1, 2],
        "each writer has its own subtask index"
    );
    assert_eq!(out.metrics.source_rows(), 300);
    assert_eq!(out.metrics.sink_rows(), 300);
    assert_eq!(out.metrics.sink_bytes(), 300 * 8);
}

#[tokio::test]
async fn sink_error_fails_job_with_message_and_aborts() {
    let state = Arc::new(CollectState::default());
    let out = run(
        json!({"source": [{"plugin_name": "Counting", "rows": 50}], "sink": [{"plugin_name": "Collect", "fail_on": 20}]}),
        &state,
    )
    .await;
    assert_eq!(out.status, JobStatus::Failed);
    assert_eq!(out.error.as_deref(), Some("cannot write 20"));
    assert!(
        state.committed.lock().unwrap().is_empty(),
        "nothing committed after a failure"
    );
    assert_eq!(state.aborted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn reader_error_fails_job() {
    let state = Arc::new(CollectState::default());
    let out = run(
        json!({"source": [{"plugin_name": "Counting", "rows": 50, "fail_at": 30}], "sink": [{"plugin_name": "Collect"}]}),
        &state,
    )
    .await;
    assert_eq!(out.status, JobStatus::Failed);
    assert_eq!(out.error.as_deref(), Some("reader broke"));
}

#[tokio::test]
async fn panicking_writer_fails_job_without_taking_the_process_down() {
    let state = Arc::new(CollectState::default());
    let out = run(
        json!({"source": [{"plugin_name": "Counting", "rows": 50}], "sink": [{"plugin_name": "Collect", "panic_on": 3}]}),
        &state,
    )
    .await;
    assert_eq!(out.status, JobStatus::Failed);
    assert!(out.error.clone().unwrap().contains("panicked"));
}

#[tokio::test]
async fn streaming_job_runs_until_cancelled_and_commits_periodically() {
    let state = Arc::new(CollectState::default());
    let node = node(&state).await;
    let id = submit(
        &node,
        json!({"env": {"job.mode": "STREAMING", "checkpoint.interval": 20}, "source": [{"plugin_name": "Counting", "rows": 20}], "sink": [{"plugin_name": "Collect"}]}),
    )
    .await;
    // A checkpoint commits all 20 rows while the job still runs.
    until("no checkpoint committed the rows in time", || {
        committed_rows(&state) == 20
    })
    .await;
    assert_eq!(
        node.jobs().watch_status(id).map(|s| *s.borrow()),
        Some(JobStatus::Running)
    );
    node.jobs().stop(id, false).await.unwrap();
    let out = node.jobs().wait(id).await.unwrap();
    assert_eq!(out.status, JobStatus::Canceled);
    node.stop().await;
}

#[tokio::test]
async fn two_pipelines_are_independent() {
    let state = Arc::new(CollectState::default());
    let out = run(
        json!({
            "source": [
                {"plugin_name": "Counting", "rows": 5, "plugin_output": "a"},
                {"plugin_name": "Counting", "rows": 5, "plugin_output": "b", "fail_at": 2}
            ],
            "sink": [{"plugin_name": "Collect", "plugin_input": "a"}, {"plugin_name": "Collect", "plugin_input": "b"}]
        }),
        &state,
    )
    .await;
    assert_eq!(out.status, JobStatus::Failed);
    assert_eq!(
        state.committed.lock().unwrap().len(),
        1,
        "the healthy pipeline still committed"
    );
}

#[tokio::test]
async fn a_checkpoint_that_times_out_aborts_what_was_already_prepared() {
    let state = Arc::new(CollectState::default());
    // The slow writer needs 300 ms for its first prepare; the checkpoint gives up after 50 ms.
    // A streaming job ends only by failing here; the deadline turns a regression into a failure
    // instead of a hang.
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        run(
            json!({
                "env": {"job.mode": "STREAMING", "parallelism": 2, "checkpoint.interval": 20, "checkpoint.timeout": 50},
                "source": [{"plugin_name": "Counting", "rows": 20}],
                "sink": [{"plugin_name": "Collect", "slow_writer": 1, "slow_prepare_ms": 300}]
            }),
            &state,
        ),
    )
    .await
    .expect("the expired checkpoint did not fail the job");
    assert_eq!(out.status, JobStatus::Failed);
    assert!(out.error.clone().unwrap().contains("expired"));
    assert!(
        state.committed.lock().unwrap().is_empty(),
        "an incomplete checkpoint committed"
    );
    // Both writers prepared for checkpoint 1 (the slow one late): neither info may be lost.
    let mut writers: Vec<u64> = state
        .aborted_infos
        .lock()
        .unwrap()
        .iter()
        .map(|i| i["writer"].as_u64().unwrap())
        .collect();
    writers.sort();
    assert_eq!(
        writers,
        vec![0, 1],
        "prepared output was neither committed nor aborted"
    );
}

/// A worker in separated mode runs task groups one by one: together they must write exactly
/// what the whole pipeline writes, each writer index once, and the committer commits them all.
#[tokio::test]
async fn task_groups_run_alone_cover_the_pipeline_with_distinct_writer_indexes() {
    let state = Arc::new(CollectState::default());
    let p = plan(
        json!({"env": {"parallelism": 2}, "source": [
            {"plugin_name": "Counting", "rows": 20, "plugin_output": "a"},
            {"plugin_name": "Counting", "rows": 30, "parallelism": 3, "plugin_output": "b"}
        ], "sink": [{"plugin_name": "collect", "plugin_input": ["a", "b"]}]}),
        &state,
    );
    let groups = group::groups(&p, 1);
    assert_eq!(groups.len(), 5);
    let sinks = PipelineSinks::new(p.clone(), 1);
    sinks.setup().unwrap();
    let mut infos = Vec::new();
    for g in (0..groups.len()).rev() {
        let metrics = Arc::new(JobMetrics::default());
        match run_task_group(p.clone(), 1, g, metrics, Default::default()).await {
            GroupOutcome::Finished(i) => infos.extend(i),
            other => panic!("group {g}: {other:?}"),
        }
    }
    assert_eq!(state.written.lock().unwrap().len(), 2 * 20 + 3 * 30);
    let mut writers: Vec<i64> = infos
        .iter()
        .map(|(_, i)| i["writer"].as_i64().unwrap())
        .collect();
    writers.sort();
    assert_eq!(
        writers,
        vec![0, 1, 2, 3, 4],
        "every writer index exactly once"
    );
    sinks.commit(infos).unwrap();
    assert_eq!(state.committed.lock().unwrap().len(), 5);
    let missing = run_task_group(p, 1, 5, Arc::new(JobMetrics::default()), Default::default());
    assert!(matches!(missing.await, GroupOutcome::Failed(m) if m.contains("has 5 task groups")));
}

/// A checkpoint's barrier follows exactly the rows its reader snapshot counts: the writers
/// prepare those rows and no others, and a group started from the snapshot emits exactly the
/// rest.
#[tokio::test]
async fn a_barrier_splits_the_rows_exactly_where_the_reader_snapshot_says() {
    let state = Arc::new(CollectState::default());
    let p = plan(
        json!({"env": {"parallelism": 1, "job.mode": "STREAMING"}, "source": [
            {"plugin_name": "Counting", "rows": 700, "poll_delay_ms": 2}
        ], "sink": [{"plugin_name": "collect"}]}),
        &state,
    );
    let start = group::enumerate(&p, 1).unwrap().remove(0);
    let cancel = tokio_util::sync::CancellationToken::new();
    let metrics = Arc::new(JobMetrics::default());
    let started =
        start_task_group(p.clone(), 1, 0, start, metrics.clone(), cancel.clone()).unwrap();
    let run = tokio::spawn(started.run);
    // Mid-stream: some rows are out, most are not.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while metrics.snapshot().source_rows() < 70 {
        assert!(tokio::time::Instant::now() < deadline, "the reader emits");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    started
        .checkpoints
        .prepare(1, Duration::from_secs(30))
        .await
        .unwrap();
    let snapshot = started
        .checkpoints
        .snapshot(1)
        .await
        .expect("checkpoint 1 held");
    let emitted = snapshot.splits[0].state.as_u64().unwrap();
    assert!((70..700).contains(&emitted), "mid-stream: {emitted}");
    assert_eq!(
        snapshot.infos,
        vec![(2, json!({"writer": 0, "rows": emitted, "prepare": 1}))],
        "the writers prepared exactly the rows before the barrier"
    );
    cancel.cancel();
    assert_eq!(run.await.unwrap(), GroupOutcome::Canceled);

    // Restored from the snapshot's splits: exactly the rows after the barrier.
    let restored = Arc::new(CollectState::default());
    let p = plan(
        json!({"env": {"parallelism": 1, "job.mode": "BATCH"}, "source": [
            {"plugin_name": "Counting", "rows": 700}
        ], "sink": [{"plugin_name": "collect"}]}),
        &restored,
    );
    let start = group::GroupStart {
        splits: snapshot.splits.clone(),
        writers: snapshot.writers.clone(),
    };
    let started = start_task_group(
        p,
        1,
        0,
        start,
        Arc::new(JobMetrics::default()),
        Default::default(),
    )
    .unwrap();
    assert!(matches!(started.run.await, GroupOutcome::Finished(_)));
    let written = restored.written.lock().unwrap().clone();
    assert_eq!(written, (emitted as i64..700).collect::<Vec<_>>());
}

/// A reader that blocks its thread never holds up the runtime: other tasks keep running on a
/// runtime with a single worker thread while four readers sleep inside `poll`.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn readers_blocking_in_their_connector_leave_the_runtime_free() {
    let state = Arc::new(CollectState::default());
    let node = node(&state).await;
    let id = submit(
        &node,
        json!({"env": {"parallelism": 4}, "source": [
            {"plugin_name": "Counting", "rows": 7, "poll_delay_ms": 1500}
        ], "sink": [{"plugin_name": "collect"}]}),
    )
    .await;
    let ended = node.jobs().clone();
    let job = tokio::spawn(async move { ended.wait(id).await });
    // While the readers block, a timer on the runtime fires on time, again and again.
    let began = tokio::time::Instant::now();
    let mut ticks = 0;
    while !job.is_finished() {
        tokio::time::sleep(Duration::from_millis(50)).await;
        ticks += 1;
    }
    let out = job.await.unwrap().unwrap();
    assert_eq!(out.status, JobStatus::Finished, "{:?}", out.error);
    assert!(began.elapsed() >= Duration::from_millis(1500));
    assert!(
        ticks >= 10,
        "the runtime ran while readers blocked: {ticks} ticks"
    );
    node.stop().await;
    assert_eq!(state.written.lock().unwrap().len(), 4 * 7);
}

/// Cancelling a pipeline whose reader is stuck inside its connector (a poll that blocks a
/// minute) ends the pipeline after the reader grace, not when the connector returns.
#[tokio::test]
async fn a_reader_stuck_in_its_connector_does_not_hold_up_a_cancel() {
    let state = Arc::new(CollectState::default());
    let node = node(&state).await;
    let id = submit(
        &node,
        json!({"env": {"parallelism": 1}, "source": [
            {"plugin_name": "Counting", "rows": 14, "poll_delay_ms": 60000, "stall_at": 7}
        ], "sink": [{"plugin_name": "collect"}]}),
    )
    .await;
    // The first batch is out: the reader is now inside its minute-long second poll.
    until("the first batch arrives", || {
        state.written.lock().unwrap().len() >= 7
    })
    .await;
    node.jobs().stop(id, false).await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(45), node.jobs().wait(id)).await;
    assert_eq!(
        ended
            .expect("ended long before the connector returns")
            .unwrap()
            .status,
        JobStatus::Canceled
    );
    node.stop().await;
}

/// A BATCH job with `checkpoint.interval` commits at its checkpoints and at its end, every row
/// exactly once. Checkpoints are due every millisecond and every poll takes 5 ms (100 polls a
/// reader, its last one finding nothing more included), so checkpoints complete while rows flow
/// and are asked while the readers finish: a reader answers them before it ends instead of
/// leaving them to expire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_job_with_checkpoints_commits_every_row_once_and_finishes() {
    let state = Arc::new(CollectState::default());
    let out = run(
        json!({"env": {"parallelism": 3, "job.mode": "BATCH", "checkpoint.interval": 1, "checkpoint.timeout": 3000}, "source": [
            {"plugin_name": "Counting", "rows": 700, "poll_delay_ms": 5}
        ], "sink": [{"plugin_name": "collect"}]}),
        &state,
    )
    .await;
    assert_eq!(out.status, JobStatus::Finished, "{:?}", out.error);
    let committed = state.committed.lock().unwrap();
    assert!(
        committed.len() > 3,
        "checkpoints committed: {}",
        committed.len()
    );
    let rows: u64 = committed.iter().map(|c| c["rows"].as_u64().unwrap()).sum();
    assert_eq!(
        rows,
        3 * 700,
        "every prepared row committed once: {committed:?}"
    );
}

/// `checkpoint.min-pause` holds checkpoints back from the end of the last one, whatever the
/// interval: with a 1 ms interval and an hour's pause, the first checkpoint (one interval after
/// the start) is the only one while the whole input flows through; without the pause the same
/// job checkpoints every millisecond.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_min_pause_keeps_checkpoints_apart_however_short_the_interval() {
    /// Rows that keep flowing after the first checkpoint: about 1 s at one row per 5 ms,
    /// room for many 1 ms checkpoints however long each takes on a loaded machine. (Counting
    /// rows to a fixed total instead raced the first checkpoint, which waits for the group's
    /// first heartbeat: when that came late, every row had passed before it.)
    const ROWS_AFTER_FIRST_CHECKPOINT: usize = 200;
    /// `min_pause_ms`: `checkpoint.min-pause`, -1 for none.
    async fn checkpoints_while_rows_flow(min_pause_ms: i64) -> usize {
        let state = Arc::new(CollectState::default());
        let node = node(&state).await;
        let id = submit(
            &node,
            json!({"env": {"job.mode": "STREAMING", "checkpoint.interval": 1, "checkpoint.min-pause": min_pause_ms}, "source": [
                {"plugin_name": "Counting", "rows": 100_000, "poll_delay_ms": 5}
            ], "sink": [{"plugin_name": "Collect"}]}),
        )
        .await;
        until("no checkpoint committed in time", || {
            !state.committed.lock().unwrap().is_empty()
        })
        .await;
        let at_first = state.written.lock().unwrap().len();
        until(
            "the rows stopped flowing after the first checkpoint",
            || state.written.lock().unwrap().len() >= at_first + ROWS_AFTER_FIRST_CHECKPOINT,
        )
        .await;
        node.jobs().stop(id, false).await.unwrap();
        let out = node.jobs().wait(id).await.unwrap();
        assert_eq!(out.status, JobStatus::Canceled);
        node.stop().await;
        let committed = state.committed.lock().unwrap().len();
        committed
    }
    let paused = checkpoints_while_rows_flow(3_600_000).await;
    assert_eq!(paused, 1, "one checkpoint, then the pause");
    let unpaused = checkpoints_while_rows_flow(-1).await;
    assert!(
        unpaused > 1,
        "without a pause a 1 ms interval checkpoints all along: {unpaused}"
    );
}
