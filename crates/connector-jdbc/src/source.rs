//! The Jdbc source: plan-time checks against the real database, the split enumerator, and the
//! options SeaTunnel's `JdbcSourceOptions` define.
//!
//! At plan time the source connects, prepares each table's query to learn its columns (an
//! unmappable type fails here, naming the column), and picks the split key. When a pipeline
//! starts, the enumerator asks the database for the key's bounds and cuts splits; readers read
//! whole splits, so a checkpoint falls between splits (as SeaTunnel's reader holds the checkpoint
//! lock for a whole split) and a restored reader re-reads only unfinished ones.

use std::sync::Arc;

use seatunnel_connector::{
    ConnectorError, EnumeratorContext, Options, PluginContext, ReaderContext, Source,
    SourceFactory, SourceReader, SourceSplit,
};
use seatunnel_data::{DataType, Field, TableMeta, TablePath, TableSchema, Value};

use crate::db::{self, ConnectSpec, Db, DbError};
use crate::options::{self, Connection};
use crate::reader::JdbcReader;
use crate::split::{self, JdbcSplit, KeyRange, SplitValue};
use crate::types::{Column, Decode};
use crate::url::Dialect;

/// `split.size`: rows per split when a table is cut by its key (SeaTunnel's default).
const DEFAULT_SPLIT_SIZE: usize = 8096;
/// `fetch_size = 0` means "the driver's default"; ours bounds memory to this many rows per fetch.
pub const DEFAULT_FETCH_SIZE: usize = 1024;
/// The table name SeaTunnel gives a `query` with no `table_path`.
const QUERY_TABLE: &str = "default";

pub struct JdbcSourceFactory;

impl SourceFactory for JdbcSourceFactory {
    fn name(&self) -> &'static str {
        "Jdbc"
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Source>, ConnectorError> {
        let connection = Connection::parse(options)?;
        let fetch_size = match options.i64_or("fetch_size", 0)? {
            0 => DEFAULT_FETCH_SIZE,
            n if n > 0 => n as usize,
            _ => return Err(options.invalid("fetch_size", "must be 0 (the default) or more")),
        };
        let split_size = options.usize_at_least("split.size", DEFAULT_SPLIT_SIZE, 1)?;
        for key in [
            "split.even-distribution.factor.upper-bound",
            "split.even-distribution.factor.lower-bound",
            "split.sample-sharding.threshold",
            "split.inverse-sampling.rate",
        ] {
            options.f64(key)?;
        }
        let partition = Partition {
            column: options.string("partition_column")?,
            lower: bound(options, "partition_lower_bound")?,
            upper: bound(options, "partition_upper_bound")?,
            num: options.i64("partition_num")?.map(|n| n.max(1) as usize),
        };
        let where_condition = options.string("where_condition")?;
        let specs = table_specs(options)?;
        let mut db = open(&connection, options.plugin())?;
        let mut tables = Vec::with_capacity(specs.len());
        for spec in specs {
            let base = match &where_condition {
                Some(w) => format!("SELECT * FROM ({}) st_where {w}", spec.query),
                None => spec.query.clone(),
            };
            let columns = db.describe(&base).map_err(|e| {
                ConnectorError::config(options.plugin(), format!("table {}: {e}", spec.path))
            })?;
            let schema = schema_of(&columns, spec.path.clone());
            let key = split_key(db.as_mut(), &spec, &columns, partition.column.as_deref())
                .map_err(|e| ConnectorError::config(options.plugin(), e.to_string()))?;
            tables.push(Table {
                base,
                columns,
                schema,
                key,
            });
        }
        Ok(Arc::new(JdbcSource {
            inner: Arc::new(Inner {
                connection,
                fetch_size,
                split_size,
                partition,
                tables,
            }),
        }))
    }
}

fn bound(options: &Options, key: &str) -> Result<Option<i128>, ConnectorError> {
    match options.string(key)? {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse::<i128>()
            .map(Some)
            .map_err(|_| options.invalid(key, format!("must be a whole number, got '{s}'"))),
    }
}

pub(crate) fn open(connection: &Connection, plugin: &str) -> Result<Box<dyn Db>, ConnectorError> {
    db::connect(&connection.spec).map_err(|e| ConnectorError::config(plugin, e.to_string()))
}

/// The fields of a query's columns, as the table the source produces.
pub fn schema_of(columns: &[Column], path: TablePath) -> Arc<TableSchema> {
    let fields = columns
        .iter()
        .map(|c| Field::new(c.name.clone(), c.data_type.clone()))
        .collect();
    TableSchema::with_meta(
        path,
        fields,
        TableMeta {
            catalog_name: Some("Jdbc".into()),
            ..TableMeta::default()
        },
    )
}

/// One table the source reads: `table_path`, `query`, or one entry of `table_list`.
struct TableSpec {
    path: TablePath,
    query: String,
    /// Set when the table is named, so its primary key can be the split key.
    named: Option<TablePath>,
}

fn table_specs(options: &Options) -> Result<Vec<TableSpec>, ConnectorError> {
    let dialect = Connection::dialect_of(options)?;
    let one = |o: &Options| -> Result<TableSpec, ConnectorError> {
        let path = o.string("table_path")?.map(|p| TablePath::parse(p.trim()));
        let query = o
            .string("query")?
            .map(|q| q.trim().trim_end_matches(';').trim().to_string());
        match (path, query) {
            (Some(path), Some(query)) => Ok(TableSpec {
                path: path.clone(),
                query,
                named: Some(path),
            }),
            (Some(path), None) => Ok(TableSpec {
                query: format!("SELECT * FROM {}", options::qualified(dialect, &path)),
                path: path.clone(),
                named: Some(path),
            }),
            (None, Some(query)) => Ok(TableSpec {
                path: TablePath::parse(QUERY_TABLE),
                query,
                named: None,
            }),
            (None, None) => Err(o.invalid(
                "query",
                "is required unless 'table_path' or 'table_list' is set",
            )),
        }
    };
    match options.list("table_list")? {
        Some(list) => {
            if list.is_empty() {
                return Err(options.invalid("table_list", "is empty; name at least one table"));
            }
            list.iter()
                .map(|entry| match entry.as_object() {
                    Some(map) => one(&options.nested(map.clone())),
                    None => {
                        Err(options
                            .invalid("table_list", "entries must be objects with 'table_path'"))
                    }
                })
                .collect()
        }
        None => Ok(vec![one(options)?]),
    }
}

/// The column a table is split on: `partition_column` when set (it must be a result column),
/// else the first primary-key column of a named table when its type can be ranged.
fn split_key(
    db: &mut dyn Db,
    spec: &TableSpec,
    columns: &[Column],
    partition_column: Option<&str>,
) -> Result<Option<Key>, DbError> {
    if let Some(name) = partition_column {
        let column = columns.iter().find(|c| c.name == name).ok_or_else(|| {
            DbError::Value(format!(
                "option 'partition_column': '{name}' is not a column of table {}; columns: {}",
                spec.path,
                columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        return Key::of(column).map(Some).ok_or_else(|| {
            DbError::Value(format!(
                "option 'partition_column': column '{name}' is {} ({}), which cannot be ranged; use a whole-number, decimal, text, date or timestamp column",
                column.data_type, column.db_type
            ))
        });
    }
    let Some(path) = &spec.named else {
        return Ok(None);
    };
    let pk = crate::catalog::primary_key(db, path)?;
    Ok(pk
        .first()
        .and_then(|name| columns.iter().find(|c| &c.name == name))
        .and_then(Key::of))
}

/// A split key and how its values are ranged.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub name: String,
    pub integral: bool,
}

impl Key {
    /// A column splits when its values order the same in the database and in a range query:
    /// numbers, dates, timestamps and plain text; not floats (NaN has no place), JSON, XML,
    /// UUIDs, network addresses, or MySQL ENUM/SET (ordered by their index, compared as text).
    fn of(column: &Column) -> Option<Key> {
        const UNORDERED_TEXT: [&str; 4] = ["json", "xml", "enum", "set"];
        let integral = match (&column.data_type, column.decode) {
            (DataType::TinyInt | DataType::SmallInt | DataType::Int | DataType::BigInt, _) => true,
            (DataType::Decimal { scale: 0, .. }, _) => true,
            (DataType::Decimal { .. } | DataType::Date | DataType::Timestamp, _) => false,
            (DataType::String, Decode::Text)
                if !UNORDERED_TEXT.contains(&column.db_type.as_str()) =>
            {
                false
            }
            _ => return None,
        };
        Some(Key {
            name: column.name.clone(),
            integral,
        })
    }
}

#[derive(Debug, Clone)]
struct Partition {
    column: Option<String>,
    lower: Option<i128>,
    upper: Option<i128>,
    num: Option<usize>,
}

pub(crate) struct Table {
    /// The table's query with `where_condition` applied.
    pub base: String,
    pub columns: Vec<Column>,
    pub schema: Arc<TableSchema>,
    key: Option<Key>,
}

pub(crate) struct Inner {
    pub connection: Connection,
    pub fetch_size: usize,
    split_size: usize,
    partition: Partition,
    pub tables: Vec<Table>,
}

pub struct JdbcSource {
    inner: Arc<Inner>,
}

impl JdbcSource {
    /// Every split of table `index`.
    fn splits_of(
        &self,
        db: &mut dyn Db,
        index: usize,
        readers: usize,
    ) -> Result<Vec<KeyRange>, DbError> {
        let inner = &self.inner;
        let table = &inner.tables[index];
        let Some(key) = &table.key else {
            return Ok(vec![KeyRange::All]);
        };
        let dialect = db.dialect();
        let k = split::quote(dialect, &key.name);
        // MIN and MAX only for whole numbers, which are cut arithmetically; other keys are
        // sampled, and some have no MIN at all (PostgreSQL's uuid).
        let bounds = if key.integral {
            format!(", MIN({k}), MAX({k})")
        } else {
            String::new()
        };
        let stats = db::query_values(
            db,
            &format!("SELECT COUNT(*){bounds} FROM ({}) st_bounds", table.base),
            &[],
        )?;
        let row = stats.into_iter().next().unwrap_or_default();
        let rows = row.first().and_then(count_of).unwrap_or(0);
        // `partition_num` when given; with only `partition_column`, one split per reader as
        // SeaTunnel cuts it, but never splits larger than `split.size`: a checkpoint waits for
        // the split a reader is inside.
        let by_size = split::split_count(rows, inner.split_size);
        let wanted = match (inner.partition.num, &inner.partition.column) {
            (Some(n), _) => n,
            (None, Some(_)) => readers.max(by_size),
            (None, None) => by_size,
        };
        let mut ranges = vec![KeyRange::Null {
            key: key.name.clone(),
        }];
        if key.integral {
            let (min, max) = (row.get(1).and_then(integral), row.get(2).and_then(integral));
            let lower = inner.partition.lower.or(min);
            let upper = inner.partition.upper.or(max);
            if let (Some(lower), Some(upper)) = (lower, upper) {
                ranges.extend(
                    split::integral_ranges(lower, upper, wanted)
                        .into_iter()
                        .map(|(s, e)| KeyRange::Integral {
                            key: key.name.clone(),
                            start: Some(s),
                            end: Some(e),
                        }),
                );
            }
        } else {
            ranges.extend(self.sampled(db, index, key, rows, wanted, dialect)?);
        }
        Ok(ranges)
    }

    /// Ranges of a non-integral key from boundaries taken every `rows / wanted` keys of one
    /// ordered pass (bounded memory: only the boundaries are kept).
    fn sampled(
        &self,
        db: &mut dyn Db,
        index: usize,
        key: &Key,
        rows: u64,
        wanted: usize,
        dialect: Dialect,
    ) -> Result<Vec<KeyRange>, DbError> {
        let table = &self.inner.tables[index];
        let k = split::quote(dialect, &key.name);
        let step = rows.div_ceil(wanted.max(1) as u64).max(1);
        let sql = format!(
            "SELECT {k} FROM ({}) st_keys WHERE {k} IS NOT NULL ORDER BY {k}",
            table.base
        );
        let column = table
            .columns
            .iter()
            .find(|c| c.name == key.name)
            .expect("key is a column");
        let schema = schema_of(std::slice::from_ref(column), TablePath::parse("keys"));
        let mut batch = seatunnel_data::Batch::new(schema);
        let mut seen: u64 = 0;
        let mut bounds: Vec<Value> = Vec::new();
        db.scan(
            &sql,
            &[],
            std::slice::from_ref(column),
            self.inner.fetch_size,
            &mut batch,
            &mut |b| {
                for r in 0..b.len() {
                    if seen > 0 && seen.is_multiple_of(step) {
                        let v = b.value(r, 0);
                        if bounds.last() != Some(&v) {
                            bounds.push(v);
                        }
                    }
                    seen += 1;
                }
                b.clear();
                true
            },
        )?;
        let values: Vec<Option<SplitValue>> = bounds
            .iter()
            .filter_map(SplitValue::from_value)
            .map(Some)
            .collect();
        let mut edges = vec![None];
        edges.extend(values);
        edges.push(None);
        Ok(edges
            .windows(2)
            .map(|w| KeyRange::Values {
                key: key.name.clone(),
                start: w[0].clone(),
                end: w[1].clone(),
            })
            .collect())
    }
}

fn count_of(v: &Value) -> Option<u64> {
    match v {
        Value::Decimal(d) => d.to_string().parse().ok(),
        Value::String(s) => s.parse().ok(),
        other => other.as_i64().and_then(|i| u64::try_from(i).ok()),
    }
}

fn integral(v: &Value) -> Option<i128> {
    match v {
        Value::Decimal(d) => d.to_plain_string().parse().ok(),
        Value::String(s) => s.trim().parse().ok(),
        other => other.as_i64().map(i128::from),
    }
}

impl Source for JdbcSource {
    fn tables(&self) -> Vec<Arc<TableSchema>> {
        self.inner.tables.iter().map(|t| t.schema.clone()).collect()
    }

    fn enumerate(&self, ctx: &EnumeratorContext) -> Result<Vec<Vec<SourceSplit>>, ConnectorError> {
        let mut db = open(&self.inner.connection, "Jdbc")?;
        let mut splits = Vec::new();
        for index in 0..self.inner.tables.len() {
            let ranges = self
                .splits_of(db.as_mut(), index, ctx.parallelism)
                .map_err(|e| {
                    ConnectorError::runtime(format!(
                        "cannot cut table {} into splits: {e}",
                        self.inner.tables[index].schema.path
                    ))
                })?;
            for (n, range) in ranges.into_iter().enumerate() {
                let split = JdbcSplit {
                    table: index,
                    range,
                };
                splits.push(SourceSplit {
                    id: format!("{index}-{n}"),
                    state: serde_json::to_value(&split).expect("splits serialize"),
                });
            }
        }
        Ok(split::deal(splits, ctx.parallelism))
    }

    fn create_reader(
        &self,
        _ctx: &ReaderContext,
        splits: Vec<SourceSplit>,
    ) -> Result<Box<dyn SourceReader>, ConnectorError> {
        Ok(Box::new(JdbcReader::new(self.inner.clone(), splits)?))
    }
}

impl Inner {
    pub fn spec(&self) -> &ConnectSpec {
        &self.connection.spec
    }
}
