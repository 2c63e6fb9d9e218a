//! Small plugins for coordinator and API tests: a source emitting numbered rows into a named
//! table, and a sink that counts what it gets. A STREAMING job with them stays RUNNING until
//! cancelled, which gives tests a running job without timing games.

use std::sync::Arc;

use crate::connector::*;
use crate::data::{Batch, DataType, Datum, Field, RowKind, TablePath, TableSchema};

/// `Rows`: `rows` bigint rows per reader into table `table` (default `fake`); `fail_at` makes the
/// reader fail at that row.
pub struct Rows;
struct RowsSource {
    rows: usize,
    fail_at: Option<usize>,
    table: Arc<TableSchema>,
}
struct RowsReader {
    next: usize,
    rows: usize,
    fail_at: Option<usize>,
    table: Arc<TableSchema>,
}

impl SourceFactory for Rows {
    fn name(&self) -> &'static str {
        "Rows"
    }
    fn create(&self, _: &PluginContext, o: &Options) -> Result<Arc<dyn Source>, ConnectorError> {
        let table = o.string("table")?.unwrap_or_else(|| "fake".to_string());
        Ok(Arc::new(RowsSource {
            rows: o.i64_or("rows", 5)? as usize,
            fail_at: o.i64("fail_at")?.map(|v| v as usize),
            table: TableSchema::new(
                TablePath::parse(&table),
                vec![Field::new("n", DataType::BigInt)],
            ),
        }))
    }
}

impl Source for RowsSource {
    fn tables(&self) -> Vec<Arc<TableSchema>> {
        vec![self.table.clone()]
    }
    fn enumerate(&self, ctx: &EnumeratorContext) -> Result<Vec<Vec<SourceSplit>>, ConnectorError> {
        Ok(SourceSplit::row_counters(ctx.parallelism))
    }
    fn create_reader(
        &self,
        _: &ReaderContext,
        splits: Vec<SourceSplit>,
    ) -> Result<Box<dyn SourceReader>, ConnectorError> {
        let next = splits
            .first()
            .and_then(|s| s.state.as_u64())
            .unwrap_or(self.rows as u64);
        Ok(Box::new(RowsReader {
            next: next as usize,
            rows: self.rows,
            fail_at: self.fail_at,
            table: self.table.clone(),
        }))
    }
}

impl SourceReader for RowsReader {
    fn poll(&mut self, out: &mut Batch) -> Result<Poll, ConnectorError> {
        if self.next >= self.rows {
            return Ok(Poll::Finished);
        }
        if Some(self.next) == self.fail_at {
            return Err(ConnectorError::runtime("rows source broke on purpose"));
        }
        out.reset(self.table.clone());
        out.begin_row(RowKind::Insert);
        out.push(Datum::BigInt(self.next as i64));
        self.next += 1;
        Ok(Poll::Emitted)
    }
    fn snapshot(&self) -> Result<Vec<SourceSplit>, ConnectorError> {
        Ok(vec![SourceSplit {
            id: "rows".into(),
            state: serde_json::json!(self.next),
        }])
    }
}

/// `Discard`: accepts every row.
pub struct Discard;
struct DiscardSink;
struct DiscardWriter;

impl SinkFactory for Discard {
    fn name(&self) -> &'static str {
        "Discard"
    }
    fn create(&self, _: &PluginContext, _: &Options) -> Result<Arc<dyn Sink>, ConnectorError> {
        Ok(Arc::new(DiscardSink))
    }
}

impl Sink for DiscardSink {
    fn create_writer(&self, _: &WriterContext) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        Ok(Box::new(DiscardWriter))
    }
}

impl SinkWriter for DiscardWriter {
    fn write(&mut self, _: &Batch) -> Result<(), ConnectorError> {
        Ok(())
    }
    fn prepare_commit(&mut self) -> Result<Option<CommitInfo>, ConnectorError> {
        Ok(None)
    }
}

pub fn registry() -> Arc<Registry> {
    Arc::new(Registry::empty().with_source(Rows).with_sink(Discard))
}
