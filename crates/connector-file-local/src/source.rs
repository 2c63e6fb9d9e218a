//! The `LocalFile` source: options to a read plan per table, at plan time.
//!
//! The output schema of a table is its declared columns (or `read_columns` of them, in that
//! order), then one string column per `k=v` directory in the first file's path when
//! `parse_partition_from_path` is on, as SeaTunnel decides it from `fileNames.get(0)`. Without
//! a schema, text and csv files give one `content` column holding the whole line.
//!
//! Files are listed here; the enumerator gives each reader every `parallelism`-th file of the
//! combined list.

use std::path::PathBuf;
use std::sync::Arc;

use super::listing::{compile_filter, list_files, partitions_of};
use super::reader::{self, LocalFileReader};
use seatunnel_connector::{
    ConnectorError, EnumeratorContext, Options, PluginContext, ReaderContext, Source,
    SourceFactory, SourceReader, SourceSplit,
};
use seatunnel_data::{DataType, Field, TableSchema};
use seatunnel_formats::options::{
    parse_schema, Archive, Charset, Compression, FileFormat, Formats, Splitter,
};

pub const PLUGIN: &str = "LocalFile";
/// The table path SeaTunnel gives a table whose `schema.table` is not set (`TablePath.DEFAULT`).
pub const DEFAULT_TABLE: &str = "default.default.default";
/// The column text and csv files without a schema are read into.
pub const CONTENT_COLUMN: &str = "content";

/// How to split a text or csv line, or parse json.
#[derive(Debug, Clone)]
pub enum LineFormat {
    Text(Splitter),
    Csv(char),
    Whole,
    Json,
}

/// Everything needed to read one table's files.
#[derive(Debug, Clone)]
pub struct TablePlan {
    pub schema: Arc<TableSchema>,
    pub declared: Vec<Field>,
    pub projection: Vec<usize>,
    pub partition_keys: Vec<String>,
    pub line_format: LineFormat,
    pub formats: Formats,
    pub skip_header: usize,
    pub compression: Compression,
    pub archive: Archive,
    pub charset: Charset,
    pub files: Vec<PathBuf>,
}

pub struct LocalFileSourceFactory;

impl SourceFactory for LocalFileSourceFactory {
    fn name(&self) -> &'static str {
        PLUGIN
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Source>, ConnectorError> {
        let plans = match options.list("tables_configs")? {
            Some(tables) => tables
                .iter()
                .enumerate()
                .map(|(i, t)| match t {
                    serde_json::Value::Object(map) => plan_table(&options.nested(map.clone())),
                    _ => Err(options.invalid(&format!("tables_configs[{i}]"), "must be an object")),
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![plan_table(options)?],
        };
        Ok(Arc::new(LocalFileSource {
            plans: plans.into(),
        }))
    }
}

pub struct LocalFileSource {
    plans: Arc<[TablePlan]>,
}

impl Source for LocalFileSource {
    fn tables(&self) -> Vec<Arc<TableSchema>> {
        self.plans.iter().map(|p| p.schema.clone()).collect()
    }

    fn enumerate(&self, ctx: &EnumeratorContext) -> Result<Vec<Vec<SourceSplit>>, ConnectorError> {
        Ok(reader::enumerate(&self.plans, ctx.parallelism))
    }

    fn create_reader(
        &self,
        _ctx: &ReaderContext,
        splits: Vec<SourceSplit>,
    ) -> Result<Box<dyn SourceReader>, ConnectorError> {
        Ok(Box::new(LocalFileReader::new(self.plans.clone(), splits)?))
    }
}

/// Parses one table's options and lists its files.
pub fn plan_table(opts: &Options) -> Result<TablePlan, ConnectorError> {
    let path = opts.required_string("path")?;
    let format = FileFormat::parse(opts, "file_format_type", None)?;
    let schema = parse_schema(opts, DEFAULT_TABLE)?;
    let (table, declared, whole_line) = match (schema, format) {
        (Some(s), _) => (s.path.clone(), s.fields.clone(), false),
        (None, FileFormat::Json) => {
            return Err(opts.invalid(
                "schema",
                "is required for json files (schema { fields { … } })",
            ))
        }
        (None, _) => (
            seatunnel_data::TablePath::parse(DEFAULT_TABLE),
            vec![Field::new(CONTENT_COLUMN, DataType::String)],
            true,
        ),
    };
    let projection = match opts.string_list("read_columns")? {
        Some(cols) if !cols.is_empty() => {
            cols.iter()
                .map(|c| {
                    declared.iter().position(|f| &f.name == c).ok_or_else(|| {
                        opts.invalid(
                            "read_columns",
                            format!(
                            "names column '{c}' which the schema does not declare (columns: {})",
                            declared.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        _ => (0..declared.len()).collect(),
    };
    let delimiter_key = if opts.contains("field_delimiter") {
        "field_delimiter"
    } else {
        "delimiter"
    };
    let delimiter = opts
        .string(delimiter_key)?
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format.default_delimiter().to_string());
    let line_format = match format {
        FileFormat::Json => LineFormat::Json,
        _ if whole_line => LineFormat::Whole,
        FileFormat::Csv => {
            let mut chars = delimiter.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => LineFormat::Csv(c),
                _ => {
                    return Err(
                        opts.invalid(delimiter_key, "must be a single character for csv files")
                    )
                }
            }
        }
        FileFormat::Text => {
            LineFormat::Text(Splitter::new(&delimiter).map_err(|e| opts.invalid(delimiter_key, e))?)
        }
    };
    let skip = opts.i64_or("skip_header_row_number", 0)?;
    if skip < 0 {
        return Err(opts.invalid(
            "skip_header_row_number",
            format!("must be at least 0, got {skip}"),
        ));
    }
    let filter = opts
        .string("file_filter_pattern")?
        .map(|p| {
            compile_filter(&p, std::path::Path::new(&path)).map_err(|e| {
                opts.invalid(
                    "file_filter_pattern",
                    format!("is not a valid pattern: {e}"),
                )
            })
        })
        .transpose()?;
    let files = list_files(std::path::Path::new(&path), filter.as_ref())
        .map_err(|e| ConnectorError::config(opts.plugin(), format!("option 'path': {e}")))?;
    let partition_keys: Vec<String> = if opts.bool_or("parse_partition_from_path", true)? {
        files
            .first()
            .map(|f| partitions_of(f).into_iter().map(|(k, _)| k).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut fields: Vec<Field> = projection.iter().map(|&i| declared[i].clone()).collect();
    fields.extend(
        partition_keys
            .iter()
            .map(|k| Field::new(k.clone(), DataType::String)),
    );
    Ok(TablePlan {
        schema: TableSchema::new(table, fields),
        declared,
        projection,
        partition_keys,
        line_format,
        formats: Formats::parse(opts)?,
        skip_header: if format == FileFormat::Json {
            0
        } else {
            skip as usize
        },
        compression: Compression::parse(opts)?,
        archive: Archive::parse(opts)?,
        charset: Charset::parse(opts)?,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: serde_json::Value) -> Options {
        Options::new(PLUGIN, v.as_object().unwrap().clone())
    }

    #[test]
    fn schema_projection_and_partition_columns() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("name=a/hobby=b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("x.txt"), "1").unwrap();
        let p = plan_table(&opts(json!({
            "path": dir.path().to_str().unwrap(),
            "file_format_type": "text",
            "read_columns": ["c", "a"],
            "schema": {"table": "t1", "fields": {"a": "int", "b": "string", "c": "boolean"}}
        })))
        .unwrap();
        assert_eq!(p.schema.field_names(), ["c", "a", "name", "hobby"]);
        assert_eq!(p.projection, [2, 0]);
        assert_eq!(p.schema.path.full_name(), "t1");
        assert_eq!(p.files.len(), 1);
        let no_parts = plan_table(&opts(json!({
            "path": dir.path().to_str().unwrap(), "file_format_type": "text", "parse_partition_from_path": false
        })))
        .unwrap();
        assert_eq!(no_parts.schema.field_names(), [CONTENT_COLUMN]);
        assert_eq!(no_parts.schema.path.full_name(), DEFAULT_TABLE);
    }

    #[test]
    fn plan_errors_are_clear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_str().unwrap();
        let err = |v: serde_json::Value| plan_table(&opts(v)).err().unwrap().to_string();
        assert_eq!(
            err(json!({"path": path, "file_format_type": "orc"})),
            "plugin LocalFile: not supported: file_format_type 'orc' (supported: text, csv, json)"
        );
        assert!(err(json!({"file_format_type": "text"})).contains("'path' is required"));
        assert!(
            err(json!({"path": path, "file_format_type": "json"})).contains("'schema' is required")
        );
        assert!(err(
            json!({"path": path, "file_format_type": "text", "read_columns": ["x"],
            "schema": {"fields": {"a": "int"}}})
        )
        .contains("column 'x'"));
        assert!(
            err(json!({"path": "/nonexistent/dir", "file_format_type": "text"}))
                .contains("cannot be read")
        );
        assert!(err(
            json!({"path": path, "file_format_type": "csv", "field_delimiter": "||",
            "schema": {"fields": {"a": "int"}}})
        )
        .contains("single character"));
        assert!(err(
            json!({"path": path, "file_format_type": "text", "skip_header_row_number": -1})
        )
        .contains("at least 0"));
    }

    #[test]
    fn empty_directory_and_empty_schema_are_fine() {
        let dir = tempfile::tempdir().unwrap();
        let p = plan_table(&opts(json!({
            "path": dir.path().to_str().unwrap(), "file_format_type": "json", "schema": {}
        })))
        .unwrap();
        assert!(p.files.is_empty());
        assert_eq!(p.schema.width(), 0);
    }
}
