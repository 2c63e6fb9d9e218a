//! The connector API: what a source, transform or sink must provide, and the registry that maps
//! job-file plugin names to them.
//!
//! Lifecycle of a plugin in one job:
//! 1. Plan time: the registry finds the factory by name (case-insensitively) and calls `create`
//!    with the block's [`Options`]. Option errors surface here, before anything runs, naming the
//!    plugin and the key. Sources report their tables; transforms are bound to each input table to
//!    learn the output schema; sinks check their input tables.
//! 2. Run time, per parallel instance (one task group): a [`SourceReader`] is polled for batches;
//!    each batch passes through the [`BoundTransform`]s of its path and reaches a [`SinkWriter`].
//! 3. End: writers `prepare_commit`; the sink's `commit` makes the prepared output visible
//!    (two-phase, so a file appears only complete); `finish` runs job-level checks.
//!
//! Connectors are synchronous: the runtime owns the async tasks, channels, sleeping and
//! cancellation, so a connector never sees tokio and is tested with plain function calls.

mod context;
mod error;
mod options;
mod registry;

use std::sync::Arc;
use std::time::Duration;

pub use context::{JobMode, PluginContext, ReaderContext, WriterContext};
pub use error::ConnectorError;
pub use options::Options;
pub use registry::{PluginKind, Registry, UnknownPlugin};

use crate::data::{Batch, TableSchema};

/// What a commit carries from writers to the sink's committer: serializable so that later it can
/// be stored in a checkpoint.
pub type CommitInfo = serde_json::Value;

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
    /// The reader for one parallel instance.
    fn create_reader(&self, ctx: &ReaderContext) -> Result<Box<dyn SourceReader>, ConnectorError>;
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
    /// Flushes and hands over what must be committed, if anything.
    fn prepare_commit(&mut self) -> Result<Option<CommitInfo>, ConnectorError>;
    /// Releases resources after the last `prepare_commit`. Writers with end-of-input checks run
    /// them here.
    fn close(&mut self) -> Result<(), ConnectorError> {
        Ok(())
    }
}
