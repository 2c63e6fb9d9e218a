//! The `LocalFile` sink: options, the column plan per input table, save modes, and the commit
//! that makes written files visible.
//!
//! Option semantics follow SeaTunnel's `FileSinkConfig`: `sink_columns` (default: all) minus the
//! `partition_by` columns unless `is_partition_field_write_in_file`; partition columns must be
//! sink columns; with `is_enable_transaction` (default) the `file_name_expression` must contain
//! `${transactionId}`. `path` may name the table (`${table_name}`, `${database_name}`,
//! `${schema_name}`) so one sink writes each table to its own directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::commit::{self, FileCommit};
use super::options::{DataSaveMode, SchemaSaveMode};
use super::source::PLUGIN;
use super::writer::LocalFileWriter;
use seatunnel_connector::{
    CommitInfo, ConnectorError, Options, PluginContext, Sink, SinkFactory, SinkWriter,
    WriterContext,
};
use seatunnel_data::java::time_pattern::TimePattern;
use seatunnel_data::{TablePath, TableSchema};
use seatunnel_formats::options::{Charset, Compression, FileFormat, Formats};

/// `tmp_path` default.
const DEFAULT_TMP_PATH: &str = "/tmp/seatunnel";
/// `file_name_expression` default and the placeholder a transactional name must keep.
pub const TRANSACTION_ID: &str = "${transactionId}";
/// `filename_time_format` default.
const DEFAULT_FILENAME_TIME_FORMAT: &str = "yyyy.MM.dd";
/// `batch_size` default: rows per file before rolling to the next.
const DEFAULT_BATCH_SIZE: usize = 1_000_000;

#[derive(Debug, Clone)]
pub struct SinkConfig {
    pub path: String,
    pub tmp_path: PathBuf,
    pub format: FileFormat,
    pub field_delimiter: String,
    pub row_delimiter: String,
    pub file_name_expression: String,
    pub filename_time_format: TimePattern,
    pub partition_by: Vec<String>,
    pub partition_dir_expression: Option<String>,
    pub partition_field_in_file: bool,
    pub sink_columns: Option<Vec<String>>,
    pub transaction: bool,
    pub batch_size: usize,
    pub header: bool,
    pub charset: Charset,
    pub compression: Compression,
    pub schema_save_mode: SchemaSaveMode,
    pub data_save_mode: DataSaveMode,
    pub formats: Formats,
}

impl SinkConfig {
    pub fn parse(opts: &Options) -> Result<SinkConfig, ConnectorError> {
        let path = opts.required_string("path")?;
        if path.trim().is_empty() {
            return Err(opts.invalid("path", "must not be empty"));
        }
        let format = FileFormat::parse(opts, "file_format_type", Some("csv"))?;
        let non_blank = |key: &str| -> Result<Option<String>, ConnectorError> {
            Ok(opts.string(key)?.filter(|s| !s.trim().is_empty()))
        };
        let file_name_expression =
            non_blank("file_name_expression")?.unwrap_or_else(|| TRANSACTION_ID.into());
        let transaction = opts.bool_or("is_enable_transaction", true)?;
        if transaction && !file_name_expression.contains(TRANSACTION_ID) {
            return Err(opts.invalid(
                "file_name_expression",
                format!("must contain {TRANSACTION_ID} when is_enable_transaction is true"),
            ));
        }
        let time_format = non_blank("filename_time_format")?
            .unwrap_or_else(|| DEFAULT_FILENAME_TIME_FORMAT.into());
        let filename_time_format = TimePattern::compile(&time_format)
            .map_err(|e| opts.invalid("filename_time_format", e))?;
        let partition_by = if opts.bool("have_partition")? == Some(false) {
            Vec::new()
        } else {
            opts.string_list("partition_by")?.unwrap_or_default()
        };
        let batch_size = opts.usize_at_least("batch_size", DEFAULT_BATCH_SIZE, 1)?;
        Ok(SinkConfig {
            path,
            tmp_path: PathBuf::from(
                non_blank("tmp_path")?.unwrap_or_else(|| DEFAULT_TMP_PATH.into()),
            ),
            format,
            field_delimiter: opts
                .string("field_delimiter")?
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| format.default_delimiter().into()),
            row_delimiter: opts.string_or("row_delimiter", "\n")?,
            file_name_expression,
            filename_time_format,
            partition_by,
            partition_dir_expression: non_blank("partition_dir_expression")?,
            partition_field_in_file: opts.bool_or("is_partition_field_write_in_file", false)?,
            sink_columns: opts.string_list("sink_columns")?.filter(|c| !c.is_empty()),
            transaction,
            batch_size,
            header: opts.bool_or("enable_header_write", false)?,
            charset: Charset::parse(opts)?,
            compression: Compression::parse(opts)?,
            schema_save_mode: SchemaSaveMode::parse(opts)?,
            data_save_mode: DataSaveMode::parse(opts)?,
            formats: Formats::parse(opts)?,
        })
    }

    /// The target directory for one table: `path` with the table placeholders filled in.
    pub fn target_dir(&self, table: &TablePath) -> PathBuf {
        PathBuf::from(
            self.path
                .replace("${table_name}", &table.table)
                .replace("${schema_name}", table.schema.as_deref().unwrap_or(""))
                .replace("${database_name}", table.database.as_deref().unwrap_or("")),
        )
    }
}

/// Which cells of a table's rows are written and which choose the partition directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnPlan {
    pub write: Vec<usize>,
    pub partition: Vec<usize>,
}

impl ColumnPlan {
    pub fn bind(cfg: &SinkConfig, schema: &TableSchema) -> Result<ColumnPlan, ConnectorError> {
        let table = schema.path.full_name();
        let index = |name: &str, key: &str| {
            schema
                .fields
                .iter()
                .position(|f| f.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    ConnectorError::config(
                        PLUGIN,
                        format!(
                            "option '{key}' names column '{name}' which table {table} does not have (columns: {})",
                            schema.field_names().join(", ")
                        ),
                    )
                })
        };
        let mut columns: Vec<String> = match &cfg.sink_columns {
            Some(c) => c.clone(),
            None => schema.fields.iter().map(|f| f.name.clone()).collect(),
        };
        if let Some(p) = cfg
            .partition_by
            .iter()
            .find(|p| !columns.iter().any(|c| c.eq_ignore_ascii_case(p)))
        {
            return Err(ConnectorError::config(
                PLUGIN,
                format!("partition field '{p}' must be one of the sink columns"),
            ));
        }
        if !cfg.partition_field_in_file {
            columns.retain(|c| !cfg.partition_by.iter().any(|p| p.eq_ignore_ascii_case(c)));
        }
        if columns.is_empty() {
            return Err(ConnectorError::config(
                PLUGIN,
                "no column left to write: sink_columns minus the partition_by columns is empty",
            ));
        }
        Ok(ColumnPlan {
            write: columns
                .iter()
                .map(|c| index(c, "sink_columns"))
                .collect::<Result<_, _>>()?,
            partition: cfg
                .partition_by
                .iter()
                .map(|p| index(p, "partition_by"))
                .collect::<Result<_, _>>()?,
        })
    }
}

pub struct LocalFileSinkFactory;

impl SinkFactory for LocalFileSinkFactory {
    fn name(&self) -> &'static str {
        PLUGIN
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Sink>, ConnectorError> {
        Ok(Arc::new(LocalFileSink {
            cfg: Arc::new(SinkConfig::parse(options)?),
        }))
    }
}

pub struct LocalFileSink {
    cfg: Arc<SinkConfig>,
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> ConnectorError {
    ConnectorError::io(format!("LocalFile: {what} {}", path.display()), e)
}

/// Refuses to empty a directory that is obviously not a data directory.
fn guard(dir: &Path) -> Result<(), ConnectorError> {
    if dir.parent().is_none() || dir.as_os_str().is_empty() {
        return Err(ConnectorError::config(
            PLUGIN,
            format!("refusing to delete the contents of '{}'", dir.display()),
        ));
    }
    Ok(())
}

fn is_empty_dir(dir: &Path) -> bool {
    fs::read_dir(dir)
        .map(|mut d| d.next().is_none())
        .unwrap_or(true)
}

impl Sink for LocalFileSink {
    fn check_input(&self, tables: &[Arc<TableSchema>]) -> Result<(), ConnectorError> {
        tables
            .iter()
            .try_for_each(|t| ColumnPlan::bind(&self.cfg, t).map(|_| ()))
    }

    fn setup(&self, tables: &[Arc<TableSchema>]) -> Result<(), ConnectorError> {
        for table in tables {
            let dir = self.cfg.target_dir(&table.path);
            match self.cfg.schema_save_mode {
                SchemaSaveMode::RecreateSchema => {
                    guard(&dir)?;
                    if dir.exists() {
                        fs::remove_dir_all(&dir).map_err(|e| io_err("cannot remove", &dir, e))?;
                    }
                    fs::create_dir_all(&dir).map_err(|e| io_err("cannot create", &dir, e))?;
                }
                SchemaSaveMode::CreateSchemaWhenNotExist => {
                    fs::create_dir_all(&dir).map_err(|e| io_err("cannot create", &dir, e))?;
                }
                SchemaSaveMode::ErrorWhenSchemaNotExist if !dir.is_dir() => {
                    return Err(ConnectorError::runtime(format!(
                        "LocalFile: schema_save_mode ERROR_WHEN_SCHEMA_NOT_EXIST: '{}' does not exist",
                        dir.display()
                    )))
                }
                _ => {}
            }
            match self.cfg.data_save_mode {
                DataSaveMode::DropData if dir.is_dir() => {
                    guard(&dir)?;
                    for entry in fs::read_dir(&dir).map_err(|e| io_err("cannot list", &dir, e))? {
                        let p = entry.map_err(|e| io_err("cannot list", &dir, e))?.path();
                        let removed = if p.is_dir() { fs::remove_dir_all(&p) } else { fs::remove_file(&p) };
                        removed.map_err(|e| io_err("cannot remove", &p, e))?;
                    }
                }
                DataSaveMode::ErrorWhenDataExists if !is_empty_dir(&dir) => {
                    return Err(ConnectorError::runtime(format!(
                        "LocalFile: data_save_mode ERROR_WHEN_DATA_EXISTS: '{}' already holds files",
                        dir.display()
                    )))
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn create_writer(&self, ctx: &WriterContext) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        Ok(Box::new(LocalFileWriter::new(
            self.cfg.clone(),
            ctx.job_id,
            ctx.subtask_index,
            ctx.restored.as_ref(),
        )?))
    }

    fn commit(&self, infos: Vec<CommitInfo>) -> Result<(), ConnectorError> {
        for info in &infos {
            let c =
                FileCommit::from_info(info).map_err(|e| ConnectorError::runtime(e.to_string()))?;
            commit::commit(&c).map_err(|e| ConnectorError::runtime(e.to_string()))?;
        }
        Ok(())
    }

    fn abort(&self, infos: Vec<CommitInfo>) {
        for info in &infos {
            if let Ok(c) = FileCommit::from_info(info) {
                commit::abort(&c);
            }
        }
    }
}
