//! One task group: a source reader task and a worker task joined by a bounded channel.
//!
//! The reader polls its source and sends full batches; the worker runs the chain (transforms and
//! sink writers). The channel bound gives backpressure: a slow sink stops the reader. Emptied
//! batches travel back on a second channel so steady state allocates nothing.
//!
//! Checkpoints are barriers in that channel (Chandy–Lamport with one input per group, so no
//! alignment): the reader snapshots its splits between two polls and sends the barrier after
//! the rows it already sent; the chain prepares when the barrier reaches it. A group's snapshot
//! therefore covers exactly the rows its writers prepared.

use std::collections::VecDeque;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use seatunnel_connector::{CommitInfo, ConnectorError, JobMode, Poll, SourceReader, SourceSplit};
use seatunnel_data::{Batch, TableSchema};

use super::chain::{self, CounterCache, Stage};
use super::metrics::JobMetrics;
use std::sync::Arc;

/// Batches in flight between reader and worker. Two lets the reader fill one while the worker
/// drains the other; more only adds memory.
const CHANNEL_BATCHES: usize = 2;

/// Why a task stopped early.
#[derive(Debug)]
pub enum TaskStop {
    Canceled,
    Failed(String),
    /// A connector's external system went away ([`ConnectorError::Unavailable`]).
    Unavailable(String),
}

impl From<ConnectorError> for TaskStop {
    fn from(e: ConnectorError) -> Self {
        if e.is_unavailable() {
            TaskStop::Unavailable(e.to_string())
        } else {
            TaskStop::Failed(e.to_string())
        }
    }
}

/// `(sink vertex id, info)` pairs as writers prepare them.
pub type Prepared = Vec<(usize, CommitInfo)>;

/// A writer's state at a checkpoint: `(sink vertex id, writer subtask index, state)`.
pub type WriterState = (usize, usize, serde_json::Value);

/// What one task group's part of a checkpoint holds: the reader's splits as of the barrier and
/// what the writers prepared and snapshotted when it reached them, i.e. exactly the rows before
/// it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupSnapshot {
    pub splits: Vec<SourceSplit>,
    pub infos: Prepared,
    pub writers: Vec<WriterState>,
}

/// Where a group's snapshot for a checkpoint is sent.
pub type AckSender = mpsc::UnboundedSender<(u64, GroupSnapshot)>;

/// A checkpoint request: the reader snapshots its splits and sends a barrier after the rows it
/// emitted; the chain, reaching it, prepares and answers on `ack`.
pub struct CheckpointRequest {
    pub id: u64,
    pub ack: AckSender,
}

/// What a task group is told between two polls of its reader.
pub enum Control {
    Checkpoint(CheckpointRequest),
    /// The checkpoint was committed, or will never be: told to the reader, then to the writers.
    Completed(u64),
    Aborted(u64),
}

/// What flows from a reader to its chain, in order.
pub enum Item {
    Rows(Batch),
    /// Checkpoint `id`: `splits` is the reader's snapshot as of every row sent before it.
    Barrier {
        id: u64,
        splits: Vec<SourceSplit>,
        ack: AckSender,
    },
    Completed(u64),
    Aborted(u64),
}

pub fn channel() -> (
    mpsc::Sender<Item>,
    mpsc::Receiver<Item>,
    mpsc::Sender<Batch>,
    mpsc::Receiver<Batch>,
) {
    let (tx, rx) = mpsc::channel(CHANNEL_BATCHES);
    let (recycle_tx, recycle_rx) = mpsc::channel(CHANNEL_BATCHES + 1);
    (tx, rx, recycle_tx, recycle_rx)
}

/// Sends one item unless the task is cancelled; `Ok(false)` when the chain stopped (its own
/// result says why).
async fn send(
    tx: &mpsc::Sender<Item>,
    item: Item,
    cancel: &CancellationToken,
) -> Result<bool, TaskStop> {
    tokio::select! {
        sent = tx.send(item) => Ok(sent.is_ok()),
        _ = cancel.cancelled() => Err(TaskStop::Canceled),
    }
}

/// Acts on one control message; `Ok(false)` when the chain stopped.
async fn control(
    reader: &mut dyn SourceReader,
    message: Control,
    tx: &mpsc::Sender<Item>,
    cancel: &CancellationToken,
) -> Result<bool, TaskStop> {
    let item = match message {
        Control::Checkpoint(CheckpointRequest { id, ack }) => Item::Barrier {
            id,
            splits: reader.snapshot()?,
            ack,
        },
        Control::Completed(id) => {
            reader.checkpoint_completed(id)?;
            Item::Completed(id)
        }
        Control::Aborted(id) => {
            reader.checkpoint_aborted(id);
            Item::Aborted(id)
        }
    };
    send(tx, item, cancel).await
}

/// Acts on the held control messages in order, stopping at a checkpoint the reader cannot
/// snapshot yet (it is inside a split; see [`SourceReader::can_snapshot`]): that checkpoint and
/// everything after it wait for the next poll, so messages keep their order. `force` (the end of
/// input) snapshots regardless. `Ok(false)` when the chain stopped.
async fn drain(
    reader: &mut dyn SourceReader,
    held: &mut VecDeque<Control>,
    force: bool,
    tx: &mpsc::Sender<Item>,
    cancel: &CancellationToken,
) -> Result<bool, TaskStop> {
    while let Some(message) = held.front() {
        if matches!(message, Control::Checkpoint(_)) && !force && !reader.can_snapshot() {
            break;
        }
        let message = held.pop_front().expect("front exists");
        if !control(reader, message, tx, cancel).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Polls the reader until it finishes (BATCH) or the task is cancelled (STREAMING keeps a
/// finished reader's task alive so the job stays RUNNING, as SeaTunnel does, and answers
/// checkpoints with what is left: nothing). Control messages are taken between two polls, so a
/// barrier follows exactly the rows polled before its snapshot.
#[allow(clippy::too_many_arguments)]
pub async fn run_reader(
    mut reader: Box<dyn SourceReader>,
    first_table: Arc<TableSchema>,
    mode: JobMode,
    metrics: Arc<JobMetrics>,
    tx: mpsc::Sender<Item>,
    mut recycled: mpsc::Receiver<Batch>,
    mut controls: mpsc::UnboundedReceiver<Control>,
    cancel: CancellationToken,
) -> Result<(), TaskStop> {
    let mut counters = CounterCache::default();
    let mut spare: Option<Batch> = None;
    let mut held: VecDeque<Control> = VecDeque::new();
    loop {
        if cancel.is_cancelled() {
            return Err(TaskStop::Canceled);
        }
        while let Ok(message) = controls.try_recv() {
            held.push_back(message);
        }
        if !drain(reader.as_mut(), &mut held, false, &tx, &cancel).await? {
            return Ok(());
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
                if !send(&tx, Item::Rows(batch), &cancel).await? {
                    return Ok(());
                }
            }
            Poll::Idle(wait) => {
                spare = Some(batch);
                let sleep = tokio::time::sleep(wait);
                tokio::pin!(sleep);
                loop {
                    tokio::select! {
                        _ = &mut sleep => break,
                        _ = cancel.cancelled() => return Err(TaskStop::Canceled),
                        Some(message) = controls.recv() => {
                            held.push_back(message);
                            if !drain(reader.as_mut(), &mut held, false, &tx, &cancel).await? {
                                return Ok(());
                            }
                        }
                    }
                }
            }
            Poll::Finished => {
                if mode == JobMode::Batch {
                    // A checkpoint asked before the end is answered (its barrier follows every
                    // row), and none can be asked after it: closing first makes later sends fail.
                    controls.close();
                    while let Ok(message) = controls.try_recv() {
                        held.push_back(message);
                    }
                    drain(reader.as_mut(), &mut held, true, &tx, &cancel).await?;
                    return Ok(());
                }
                loop {
                    if !drain(reader.as_mut(), &mut held, true, &tx, &cancel).await? {
                        return Ok(());
                    }
                    tokio::select! {
                        _ = cancel.cancelled() => return Err(TaskStop::Canceled),
                        Some(message) = controls.recv() => held.push_back(message),
                    }
                }
            }
        }
    }
}

/// Runs batches through the chain until the reader is done, preparing at each barrier. Returns
/// the final commit infos on a clean end.
pub async fn run_worker(
    mut stages: Vec<Stage>,
    metrics: Arc<JobMetrics>,
    mut rx: mpsc::Receiver<Item>,
    recycle: mpsc::Sender<Batch>,
    cancel: CancellationToken,
) -> Result<Prepared, TaskStop> {
    loop {
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                let _ = chain::close(&mut stages);
                return Err(TaskStop::Canceled);
            }
            next = rx.recv() => next,
        };
        let result = match next {
            Some(Item::Rows(batch)) => {
                let delivered = chain::deliver(&mut stages, &batch, &metrics.sink);
                // The reader may have finished; a full or closed recycle channel just drops it.
                let _ = recycle.try_send(batch);
                delivered
            }
            Some(Item::Barrier { id, splits, ack }) => {
                let mut infos = Vec::new();
                chain::prepare_commit(&mut stages, &mut infos).and_then(|()| {
                    let mut writers = Vec::new();
                    chain::snapshot(&mut stages, id, &mut writers)?;
                    let _ = ack.send((
                        id,
                        GroupSnapshot {
                            splits,
                            infos,
                            writers,
                        },
                    ));
                    Ok(())
                })
            }
            Some(Item::Completed(id)) => chain::notify(&mut stages, id, true),
            Some(Item::Aborted(id)) => chain::notify(&mut stages, id, false),
            None => break,
        };
        if let Err(e) = result {
            let _ = chain::close(&mut stages);
            return Err(e.into());
        }
    }
    let mut infos = Vec::new();
    chain::prepare_commit(&mut stages, &mut infos)?;
    chain::close(&mut stages)?;
    Ok(infos)
}
