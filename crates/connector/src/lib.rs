//! The connector API: what a source, transform or sink must provide, and the registry that maps
//! job-file plugin names to them.
//!
//! Lifecycle of a plugin in one job:
//! 1. Plan time: the registry finds the factory by name (case-insensitively) and calls `create`
//!    with the block's [`Options`]. Option errors surface here, before anything runs, naming the
//!    plugin and the key. Sources report their tables; transforms are bound to each input table to
//!    learn the output schema; sinks check their input tables.
//! 2. Pipeline start: the source's enumerator ([`Source::enumerate`]) cuts the work into
//!    [`SourceSplit`]s and gives each reader its own (on the active master in a cluster).
//! 3. Run time, per parallel instance (one task group): a [`SourceReader`] is created from its
//!    splits and polled for batches; each batch passes through the [`BoundTransform`]s of its
//!    path and reaches a [`SinkWriter`].
//! 4. Checkpoints: the engine asks the reader for a [`SourceReader::snapshot`] between two polls
//!    and sends a barrier after the rows already emitted; when the barrier reaches the writers
//!    they `prepare_commit` exactly those rows and snapshot their own state. A reader created from
//!    a snapshot's splits emits exactly the rows not yet emitted before it.
//! 5. End: writers `prepare_commit`; the sink's `commit` makes the prepared output visible
//!    (two-phase, so a file appears only complete); `finish` runs job-level checks.
//!
//! Connectors are synchronous and may block (a database driver waiting on the network): the
//! engine runs every reader and every writer chain on a thread of its own, never on the async
//! runtime that serves heartbeats, Raft and REST. The runtime owns channels, sleeping and
//! cancellation, so a connector never sees tokio and is tested with plain function calls.

mod context;
mod error;
mod options;
mod registry;

use std::sync::Arc;
use std::time::Duration;

pub use context::{EnumeratorContext, JobMode, PluginContext, ReaderContext, WriterContext};
pub use error::ConnectorError;
pub use options::Options;
pub use registry::{PluginKind, Registry, UnknownPlugin};

use seatunnel_data::{Batch, TableSchema};

/// What a commit carries from writers to the sink's committer: serializable so that it can be
/// stored in a checkpoint.
pub type CommitInfo = serde_json::Value;

/// One unit of a source's work (a FakeSource row range, a file, a range of a table) with its
/// progress. It travels from the enumerator to a reader and is stored in checkpoints, so it is
/// plain data: the connector defines what `state` holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SourceSplit {
    /// Unique within the source and stable across restarts, for messages and checkpoints.
    pub id: String,
    /// What the split covers and how far it was read.
    pub state: serde_json::Value,
}

impl SourceSplit {
    /// One split per reader whose state counts the rows it emitted: for sources with no work
    /// to cut (the engine's test sources).
    pub fn row_counters(parallelism: usize) -> Vec<Vec<SourceSplit>> {
        (0..parallelism)
            .map(|i| {
                vec![SourceSplit {
                    id: i.to_string(),
                    state: serde_json::json!(0),
                }]
            })
            .collect()
    }
}

pub trait SourceFactory: Send + Sync {
    /// The canonical plugin name, e.g. `FakeSource`.
    fn name(&self) -> &'static str;
    fn create(
        &self,
        ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Source>, ConnectorError>;
}

/// A configured source.
pub trait Source: Send + Sync {
    /// The tables this source produces, known before it runs.
    fn tables(&self) -> Vec<Arc<TableSchema>>;
    /// The enumerator: every split of the source, as `ctx.parallelism` lists (one per reader
    /// subtask, in subtask order). Called once when a pipeline starts from nothing; a pipeline
    /// restored from a checkpoint gets the checkpointed splits instead. May do I/O (list files,
    /// ask a database for bounds).
    fn enumerate(&self, ctx: &EnumeratorContext) -> Result<Vec<Vec<SourceSplit>>, ConnectorError>;
    /// The reader of one parallel instance, over `splits` (fresh from [`Source::enumerate`] or
    /// from a reader's [`SourceReader::snapshot`]).
    fn create_reader(
        &self,
        ctx: &ReaderContext,
        splits: Vec<SourceSplit>,
    ) -> Result<Box<dyn SourceReader>, ConnectorError>;
    /// The reader subtask `ctx.subtask_index` gets when the pipeline starts from nothing:
    /// enumerates, then creates it over its own splits. For tools and tests; the engine
    /// enumerates once per pipeline instead.
    fn start_reader(&self, ctx: &ReaderContext) -> Result<Box<dyn SourceReader>, ConnectorError> {
        let enumerator = EnumeratorContext {
            job_id: ctx.job_id,
            job_mode: ctx.job_mode,
            parallelism: ctx.parallelism,
        };
        let mut all = self.enumerate(&enumerator)?;
        let splits = if ctx.subtask_index < all.len() {
            all.swap_remove(ctx.subtask_index)
        } else {
            Vec::new()
        };
        self.create_reader(ctx, splits)
    }
}

/// What a reader did on one poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    /// `out` holds rows (possibly of another table than before: readers may `reset` it).
    Emitted,
    /// Nothing to emit now; poll again after this long (e.g. `split.read-interval`).
    Idle(Duration),
    /// The reader has nothing more, ever. In BATCH mode this ends the task; in STREAMING mode the
    /// task stays up (SeaTunnel keeps a streaming job RUNNING) until it is cancelled.
    Finished,
}

pub trait SourceReader: Send {
    /// Fills `out` (cleared by the caller) with the next rows.
    fn poll(&mut self, out: &mut Batch) -> Result<Poll, ConnectorError>;
    /// The splits not read to their end, with their progress, as of every row returned by
    /// `poll` so far: a reader created from them emits exactly the rest. Called between polls,
    /// and only while [`SourceReader::can_snapshot`] says so.
    fn snapshot(&self) -> Result<Vec<SourceSplit>, ConnectorError>;
    /// Whether the reader can snapshot now. A reader whose progress inside a split cannot be
    /// recorded (a database cursor: rows have no stable order to resume from) says `false` while
    /// a split is open, and the engine holds the checkpoint's barrier until the next poll after
    /// which it says `true`, as SeaTunnel's Jdbc reader holds the checkpoint lock for a split.
    fn can_snapshot(&self) -> bool {
        true
    }
    /// Checkpoint `id`, which covered this reader's snapshot, was committed (e.g. commit an
    /// offset to the source system).
    fn checkpoint_completed(&mut self, _id: u64) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// Checkpoint `id` will never complete.
    fn checkpoint_aborted(&mut self, _id: u64) {}
}

pub trait TransformFactory: Send + Sync {
    fn name(&self) -> &'static str;
    fn create(
        &self,
        ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Transform>, ConnectorError>;
}

/// A configured transform, not yet tied to a table.
pub trait Transform: Send + Sync {
    /// Binds to one input table: validates fields and fixes the output schema. Called at plan time
    /// to check the job and again in every task that runs it.
    fn bind(&self, input: &Arc<TableSchema>) -> Result<Box<dyn BoundTransform>, ConnectorError>;
}

pub trait BoundTransform: Send {
    fn output_schema(&self) -> &Arc<TableSchema>;
    /// Appends the output rows for `input` to `out` (already reset to the output schema).
    fn process(&mut self, input: &Batch, out: &mut Batch) -> Result<(), ConnectorError>;
}

pub trait SinkFactory: Send + Sync {
    fn name(&self) -> &'static str;
    fn create(
        &self,
        ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Sink>, ConnectorError>;
}

/// A configured sink. One per job vertex; writers are per task.
pub trait Sink: Send + Sync {
    /// Checks the tables that will reach this sink, at plan time.
    fn check_input(&self, _tables: &[Arc<TableSchema>]) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// Runs once before any writer starts (save modes: drop or keep existing data).
    fn setup(&self, _tables: &[Arc<TableSchema>]) -> Result<(), ConnectorError> {
        Ok(())
    }
    fn create_writer(&self, ctx: &WriterContext) -> Result<Box<dyn SinkWriter>, ConnectorError>;
    /// Makes prepared output visible. Must be idempotent: it may be retried after a failover.
    fn commit(&self, _infos: Vec<CommitInfo>) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// Discards prepared output of a failed or cancelled run.
    fn abort(&self, _infos: Vec<CommitInfo>) {}
    /// Job-level checks after every writer closed (Assert's total row counts).
    fn finish(&self) -> Result<(), ConnectorError> {
        Ok(())
    }
}

pub trait SinkWriter: Send {
    fn write(&mut self, batch: &Batch) -> Result<(), ConnectorError>;
    /// Flushes and hands over what must be committed, if anything. Each info must name its own
    /// output (a file name, a transaction id): never equal to an info of another prepare. The
    /// driver tells infos apart by value, to leave out of a commit or an abort what a recorded
    /// checkpoint already covers.
    fn prepare_commit(&mut self) -> Result<Option<CommitInfo>, ConnectorError>;
    /// State a writer restored from this checkpoint needs (an open transaction's id, for a sink
    /// that resumes or aborts it), taken right after `prepare_commit` at a checkpoint; restored
    /// writers find it in [`WriterContext::restored`].
    fn snapshot(&mut self, _checkpoint: u64) -> Result<Option<serde_json::Value>, ConnectorError> {
        Ok(None)
    }
    /// Checkpoint `id`, whose prepared output this writer handed over, was committed.
    fn checkpoint_completed(&mut self, _id: u64) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// Checkpoint `id` will never complete; its prepared output is aborted by the sink.
    fn checkpoint_aborted(&mut self, _id: u64) {}
    /// Releases resources after the last `prepare_commit`. Writers with end-of-input checks run
    /// them here.
    fn close(&mut self) -> Result<(), ConnectorError> {
        Ok(())
    }
}
