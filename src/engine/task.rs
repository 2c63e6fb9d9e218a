//! One task group: a source reader task and a worker task joined by a bounded channel.
//!
//! The reader polls its source and sends full batches; the worker runs the chain (transforms and
//! sink writers). The channel bound gives backpressure: a slow sink stops the reader. Emptied
//! batches travel back on a second channel so steady state allocates nothing.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::connector::{CommitInfo, ConnectorError, JobMode, Poll, SourceReader};
use crate::data::{Batch, TableSchema};

use super::chain::{self, CounterCache, Stage};
use super::metrics::JobMetrics;
use std::sync::Arc;

/// Batches in flight between reader and worker. Two lets the reader fill one while the worker
/// drains the other; more only adds memory.
const CHANNEL_BATCHES: usize = 2;

/// Why a task stopped early.
#[derive(Debug)]
pub(crate) enum TaskStop {
    Canceled,
    Failed(String),
}

impl From<ConnectorError> for TaskStop {
    fn from(e: ConnectorError) -> Self {
        TaskStop::Failed(e.to_string())
    }
}

/// A checkpoint request: the worker prepares commits and answers on `ack`.
pub(crate) struct CheckpointRequest {
    pub id: u64,
    pub ack: mpsc::UnboundedSender<(u64, Vec<(usize, CommitInfo)>)>,
}

pub(crate) fn channel() -> (
    mpsc::Sender<Batch>,
    mpsc::Receiver<Batch>,
    mpsc::Sender<Batch>,
    mpsc::Receiver<Batch>,
) {
    let (tx, rx) = mpsc::channel(CHANNEL_BATCHES);
    let (recycle_tx, recycle_rx) = mpsc::channel(CHANNEL_BATCHES + 1);
    (tx, rx, recycle_tx, recycle_rx)
}

/// Polls the reader until it finishes (BATCH) or the task is cancelled (STREAMING keeps a
/// finished reader's task alive so the job stays RUNNING, as SeaTunnel does).
pub(crate) async fn run_reader(
    mut reader: Box<dyn SourceReader>,
    first_table: Arc<TableSchema>,
    mode: JobMode,
    metrics: Arc<JobMetrics>,
    tx: mpsc::Sender<Batch>,
    mut recycled: mpsc::Receiver<Batch>,
    cancel: CancellationToken,
) -> Result<(), TaskStop> {
    let mut counters = CounterCache::default();
    let mut spare: Option<Batch> = None;
    loop {
        if cancel.is_cancelled() {
            return Err(TaskStop::Canceled);
        }
        let mut batch = match spare.take().or_else(|| recycled.try_recv().ok()) {
            Some(b) => b,
            None => Batch::new(first_table.clone()),
        };
        batch.clear();
        match reader.poll(&mut batch)? {
            Poll::Emitted => {
                if batch.is_empty() {
                    spare = Some(batch);
                    tokio::task::yield_now().await;
                    continue;
                }
                counters.count(&metrics.source, &batch);
                tokio::select! {
                    sent = tx.send(batch) => if sent.is_err() {
                        // The worker stopped; its own result says why.
                        return Ok(());
                    },
                    _ = cancel.cancelled() => return Err(TaskStop::Canceled),
                }
            }
            Poll::Idle(wait) => {
                spare = Some(batch);
                idle(wait, &cancel).await?;
            }
            Poll::Finished => {
                if mode == JobMode::Streaming {
                    cancel.cancelled().await;
                    return Err(TaskStop::Canceled);
                }
                return Ok(());
            }
        }
    }
}

async fn idle(wait: Duration, cancel: &CancellationToken) -> Result<(), TaskStop> {
    tokio::select! {
        _ = tokio::time::sleep(wait) => Ok(()),
        _ = cancel.cancelled() => Err(TaskStop::Canceled),
    }
}

/// Runs batches through the chain until the reader is done, answering checkpoint requests in
/// between. Returns the final commit infos on a clean end.
pub(crate) async fn run_worker(
    mut stages: Vec<Stage>,
    metrics: Arc<JobMetrics>,
    mut rx: mpsc::Receiver<Batch>,
    recycle: mpsc::Sender<Batch>,
    mut checkpoints: mpsc::UnboundedReceiver<CheckpointRequest>,
    cancel: CancellationToken,
) -> Result<Vec<(usize, CommitInfo)>, TaskStop> {
    loop {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                let _ = chain::close(&mut stages);
                return Err(TaskStop::Canceled);
            }
            Some(req) = checkpoints.recv() => {
                let mut infos = Vec::new();
                chain::prepare_commit(&mut stages, &mut infos)?;
                let _ = req.ack.send((req.id, infos));
            }
            next = rx.recv() => match next {
                Some(batch) => {
                    if let Err(e) = chain::deliver(&mut stages, &batch, &metrics.sink) {
                        let _ = chain::close(&mut stages);
                        return Err(e.into());
                    }
                    // The reader may have finished; a full or closed recycle channel just drops it.
                    let _ = recycle.try_send(batch);
                }
                None => break,
            }
        }
    }
    let mut infos = Vec::new();
    chain::prepare_commit(&mut stages, &mut infos)?;
    chain::close(&mut stages)?;
    Ok(infos)
}
