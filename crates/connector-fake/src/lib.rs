//! `FakeSource`: generates rows from a declared schema, or emits explicit rows, for tests and
//! benchmarks. See `options` for the option names, `generator` for value ranges and `reader` for
//! how rows are split across parallel readers.

mod generator;
mod options;
mod reader;
mod rows;
mod schema;

use std::sync::Arc;

use seatunnel_connector::{
    ConnectorError, EnumeratorContext, Options, PluginContext, ReaderContext, Source,
    SourceFactory, SourceReader, SourceSplit,
};
use seatunnel_data::TableSchema;

use generator::{Rng, RowGen};
use reader::{FakeReader, TableRuntime};

/// The registry entry for `FakeSource`.
pub struct FakeSourceFactory;

impl SourceFactory for FakeSourceFactory {
    fn name(&self) -> &'static str {
        "FakeSource"
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Source>, ConnectorError> {
        Ok(Arc::new(FakeSource::new(options)?))
    }
}

/// A configured FakeSource: one or more tables, compiled once and shared by all readers.
#[derive(Debug)]
pub struct FakeSource {
    tables: Arc<Vec<Arc<TableRuntime>>>,
}

impl FakeSource {
    pub fn new(options: &Options) -> Result<FakeSource, ConnectorError> {
        let tables = options::parse_tables(options)?
            .into_iter()
            .map(|config| {
                let rows = RowGen::compile(
                    &config.parsed.schema,
                    &config.parsed.defaults,
                    config.settings.clone(),
                )
                .map_err(|m| options.invalid("schema", m))?;
                Ok(Arc::new(TableRuntime { config, rows }))
            })
            .collect::<Result<Vec<_>, ConnectorError>>()?;
        Ok(FakeSource {
            tables: Arc::new(tables),
        })
    }

    /// The first reader of one, with a fixed seed, so tests see the same rows every run.
    #[cfg(test)]
    pub(crate) fn seeded_reader(&self, seed: u64) -> FakeReader {
        let splits = reader::enumerate(&self.tables, 1).remove(0);
        FakeReader::new(self.tables.clone(), Rng::seeded(seed), splits).expect("fresh splits")
    }
}

impl Source for FakeSource {
    fn tables(&self) -> Vec<Arc<TableSchema>> {
        self.tables
            .iter()
            .map(|t| t.config.parsed.schema.clone())
            .collect()
    }

    fn enumerate(&self, ctx: &EnumeratorContext) -> Result<Vec<Vec<SourceSplit>>, ConnectorError> {
        Ok(reader::enumerate(&self.tables, ctx.parallelism))
    }

    fn create_reader(
        &self,
        ctx: &ReaderContext,
        splits: Vec<SourceSplit>,
    ) -> Result<Box<dyn SourceReader>, ConnectorError> {
        Ok(Box::new(FakeReader::new(
            self.tables.clone(),
            Rng::from_entropy(ctx.subtask_index as u64),
            splits,
        )?))
    }
}

#[cfg(test)]
mod tests;
