//! The Jdbc sink: options (SeaTunnel's `JdbcSinkOptions`), the SQL each input table is written
//! with, and the save modes applied before any writer starts.

use std::sync::Arc;

use seatunnel_connector::{
    CommitInfo, ConnectorError, Options, PluginContext, Sink, SinkFactory, SinkWriter,
    WriterContext,
};
use seatunnel_data::{DataType, TablePath, TableSchema};

use crate::catalog::{self, rewrite_placeholders};
use crate::options::{qualified, Connection};
use crate::source::open;
use crate::split::{placeholder, quote};
use crate::url::Dialect;
use crate::writer::JdbcWriter;
use crate::xa::{self, XaCommit};

/// Refuses exactly-once on a MySQL-protocol server where it cannot hold: one that rolls a
/// prepared XA transaction back with its session, or a user who may not list them.
fn check_xa(db: &mut dyn crate::db::Db, options: &Options) -> Result<(), ConnectorError> {
    let err = |e: crate::db::DbError| ConnectorError::config(options.plugin(), e.to_string());
    let version = crate::db::query_values(db, "SELECT VERSION()", &[]).map_err(err)?;
    let version = version
        .first()
        .and_then(|r| r.first())
        .map(|v| v.to_string())
        .unwrap_or_default();
    if !xa::xa_survives_session(&version) {
        return Err(options.invalid(
            "is_exactly_once",
            format!("needs a server that keeps prepared XA transactions after their session (MySQL 5.7.7+, MariaDB 10.5+), and this one is {version}; upgrade it or set is_exactly_once to false"),
        ));
    }
    db.xa_recover(xa::PREFIX).map_err(|e| {
        options.invalid(
            "is_exactly_once",
            format!("needs XA RECOVER, which this user may not run ({e}); grant it XA_RECOVER_ADMIN (MySQL 8 denies it by default; MariaDB allows it)"),
        )
    })?;
    Ok(())
}

/// The transaction names in commit infos (only the exactly-once writer hands any over).
fn xids(infos: &[CommitInfo]) -> Result<Vec<String>, ConnectorError> {
    infos
        .iter()
        .map(|info| {
            serde_json::from_value::<XaCommit>(info.clone())
                .map(|c| c.xid)
                .map_err(|e| ConnectorError::runtime(format!("jdbc sink: a commit info is not ours ({e}); the checkpoint is from another job")))
        })
        .collect()
}

/// `max_commit_attempts`' default, as SeaTunnel's.
const DEFAULT_COMMIT_ATTEMPTS: usize = 3;
/// `batch_size`'s default, as SeaTunnel's.
const DEFAULT_BATCH_SIZE: usize = 1000;

/// `schema_save_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SchemaSaveMode {
    CreateWhenMissing,
    Recreate,
    ErrorWhenMissing,
    Ignore,
}

/// `data_save_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataSaveMode {
    Append,
    Drop,
    ErrorWhenExists,
    Custom,
}

/// `field_ide`: how generated SQL spells column and table names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldIde {
    Original,
    Upper,
    Lower,
}

impl FieldIde {
    fn apply(self, name: &str) -> String {
        match self {
            FieldIde::Original => name.to_string(),
            FieldIde::Upper => name.to_uppercase(),
            FieldIde::Lower => name.to_lowercase(),
        }
    }
}

/// How rows reach the database.
#[derive(Debug, Clone)]
enum Target {
    /// The job's own parameterized statement, run for every row whatever its kind.
    Query(String),
    /// SQL generated for `database`/`table` (a template: `${table_name}` and friends).
    Generated {
        database: Option<String>,
        table: String,
        primary_keys: Vec<String>,
        upsert: bool,
    },
}

#[derive(Debug)]
pub(crate) struct SinkConfig {
    pub connection: Connection,
    target: Target,
    pub batch_size: usize,
    pub max_retries: usize,
    schema_save_mode: SchemaSaveMode,
    data_save_mode: DataSaveMode,
    custom_sql: Option<String>,
    field_ide: FieldIde,
    /// `is_exactly_once`: two-phase commit through the database (`xa.rs`).
    pub exactly_once: bool,
    max_commit_attempts: usize,
    /// `use_copy_statement`: every row through `COPY … FROM STDIN` (PostgreSQL), whatever its
    /// kind, as SeaTunnel's copy executor writes them.
    use_copy: bool,
}

/// The statements one input table is written with, and which fields each binds.
#[derive(Debug, Clone)]
pub(crate) struct WritePlan {
    /// For inserts and update-afters (and every row in query mode).
    pub upsert: String,
    pub upsert_cols: Vec<usize>,
    /// For deletes and update-befores, when the table has a primary key.
    pub delete: Option<(String, Vec<usize>)>,
    /// `COPY table (columns) FROM STDIN` for every row instead (`use_copy_statement`).
    pub copy: Option<String>,
}

pub struct JdbcSinkFactory;

impl SinkFactory for JdbcSinkFactory {
    fn name(&self) -> &'static str {
        "Jdbc"
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Sink>, ConnectorError> {
        let connection = Connection::parse(options)?;
        let generate = options.bool_or("generate_sink_sql", false)?;
        let target = match (options.string("query")?, generate) {
            (Some(q), false) => Target::Query(q.trim().trim_end_matches(';').to_string()),
            (_, true) => Target::Generated {
                database: options.string("database")?,
                table: options.string("table")?.ok_or_else(|| {
                    options.invalid("table", "is required when 'generate_sink_sql' is true")
                })?,
                primary_keys: options.string_list("primary_keys")?.unwrap_or_default(),
                upsert: options.bool_or("enable_upsert", true)?,
            },
            (None, false) => {
                return Err(
                    options.invalid("query", "is required unless 'generate_sink_sql' is true")
                )
            }
        };
        let exactly_once = options.bool_or("is_exactly_once", false)?;
        if exactly_once && connection.dialect() == Dialect::Sqlite {
            return Err(options.invalid(
                "is_exactly_once",
                "is not possible with SQLite, which has no two-phase commit; set it to false",
            ));
        }
        options.bool_or("support_upsert_by_query_primary_key_exist", false)?;
        options.bool_or("auto_commit", true)?;
        let use_copy = options.bool_or("use_copy_statement", false)?;
        if use_copy {
            if connection.dialect() != Dialect::Postgres {
                return Err(options.invalid("use_copy_statement", "is PostgreSQL's COPY; other databases write with batched inserts, so set it to false"));
            }
            if !matches!(target, Target::Generated { .. }) {
                return Err(options.invalid("use_copy_statement", "copies into 'table', so it needs generate_sink_sql = true and 'table' instead of 'query'"));
            }
        }
        options.bool_or("create_index", true)?;
        let schema_save_mode = match options
            .choice(
                "schema_save_mode",
                &[
                    "CREATE_SCHEMA_WHEN_NOT_EXIST",
                    "RECREATE_SCHEMA",
                    "ERROR_WHEN_SCHEMA_NOT_EXIST",
                    "IGNORE",
                ],
                "CREATE_SCHEMA_WHEN_NOT_EXIST",
            )?
            .as_str()
        {
            "RECREATE_SCHEMA" => SchemaSaveMode::Recreate,
            "ERROR_WHEN_SCHEMA_NOT_EXIST" => SchemaSaveMode::ErrorWhenMissing,
            "IGNORE" => SchemaSaveMode::Ignore,
            _ => SchemaSaveMode::CreateWhenMissing,
        };
        let data_save_mode = match options
            .choice(
                "data_save_mode",
                &[
                    "APPEND_DATA",
                    "DROP_DATA",
                    "ERROR_WHEN_DATA_EXISTS",
                    "CUSTOM_PROCESSING",
                ],
                "APPEND_DATA",
            )?
            .as_str()
        {
            "DROP_DATA" => DataSaveMode::Drop,
            "ERROR_WHEN_DATA_EXISTS" => DataSaveMode::ErrorWhenExists,
            "CUSTOM_PROCESSING" => DataSaveMode::Custom,
            _ => DataSaveMode::Append,
        };
        let custom_sql = options.string("custom_sql")?;
        if data_save_mode == DataSaveMode::Custom && custom_sql.is_none() {
            return Err(options.invalid(
                "custom_sql",
                "is required when 'data_save_mode' is CUSTOM_PROCESSING",
            ));
        }
        let field_ide = match options
            .choice(
                "field_ide",
                &["ORIGINAL", "UPPERCASE", "LOWERCASE"],
                "ORIGINAL",
            )?
            .as_str()
        {
            "UPPERCASE" => FieldIde::Upper,
            "LOWERCASE" => FieldIde::Lower,
            _ => FieldIde::Original,
        };
        let batch_size = options.usize_at_least("batch_size", DEFAULT_BATCH_SIZE, 1)?;
        let max_retries = options.i64_or("max_retries", 0)?.max(0) as usize;
        let max_commit_attempts =
            options.usize_at_least("max_commit_attempts", DEFAULT_COMMIT_ATTEMPTS, 1)?;
        options.i64("transaction_timeout_sec")?;
        options.string("xa_data_source_class_name")?;
        // Connect now: bad credentials or an unreachable server fail the plan, before any
        // data moves.
        let mut db = open(&connection, options.plugin())?;
        if exactly_once && connection.dialect() == Dialect::MySql {
            check_xa(db.as_mut(), options)?;
        }
        if exactly_once && connection.dialect() == Dialect::Postgres {
            let allowed = crate::db::query_values(
                db.as_mut(),
                "SELECT current_setting('max_prepared_transactions')::int8",
                &[],
            )
            .map_err(|e| ConnectorError::config(options.plugin(), e.to_string()))?;
            if allowed
                .first()
                .and_then(|r| r.first())
                .and_then(|v| v.as_i64())
                .unwrap_or(0)
                < 1
            {
                return Err(options.invalid(
                    "is_exactly_once",
                    "needs PostgreSQL's prepared transactions, which the server disables (max_prepared_transactions = 0); raise it in postgresql.conf and restart the server",
                ));
            }
        }
        Ok(Arc::new(JdbcSink {
            plugin: options.plugin().to_string(),
            config: Arc::new(SinkConfig {
                connection,
                target,
                batch_size,
                max_retries,
                schema_save_mode,
                data_save_mode,
                custom_sql,
                field_ide,
                exactly_once,
                max_commit_attempts,
                use_copy,
            }),
        }))
    }
}

pub struct JdbcSink {
    plugin: String,
    config: Arc<SinkConfig>,
}

impl SinkConfig {
    pub fn dialect(&self) -> Dialect {
        self.connection.dialect()
    }

    /// The table an input table is written to (generated SQL only).
    fn target_path(&self, input: &TablePath) -> Option<TablePath> {
        let Target::Generated {
            database, table, ..
        } = &self.target
        else {
            return None;
        };
        let fill = |t: &str| {
            t.replace("${table_name}", &input.table)
                .replace(
                    "${database_name}",
                    input.database.as_deref().unwrap_or_default(),
                )
                .replace(
                    "${schema_name}",
                    input.schema.as_deref().unwrap_or_default(),
                )
        };
        // `field_ide` spells the table's own name, not its schema or database.
        let table = fill(table);
        let (owner, name) = match table.split_once('.') {
            Some((o, n)) => (Some(o.to_string()), self.field_ide.apply(n)),
            None => (None, self.field_ide.apply(&table)),
        };
        Some(match self.dialect() {
            Dialect::Postgres => TablePath {
                database: None,
                schema: Some(owner.unwrap_or_else(|| "public".into())),
                table: name,
            },
            Dialect::MySql => TablePath {
                database: owner.or_else(|| database.as_deref().map(fill)),
                schema: None,
                table: name,
            },
            Dialect::Sqlite => TablePath {
                database: None,
                schema: None,
                table: name,
            },
        })
    }

    fn primary_keys(&self, input: &TableSchema) -> Vec<String> {
        match &self.target {
            Target::Generated { primary_keys, .. } if !primary_keys.is_empty() => {
                primary_keys.clone()
            }
            Target::Generated { .. } => input
                .meta
                .primary_key
                .as_ref()
                .map(|pk| pk.columns.clone())
                .unwrap_or_default(),
            Target::Query(_) => Vec::new(),
        }
    }

    /// The statements for one input table.
    pub fn plan(&self, input: &TableSchema) -> Result<WritePlan, String> {
        let dialect = self.dialect();
        match &self.target {
            Target::Query(query) => {
                let (sql, n) = rewrite_placeholders(dialect, query);
                if n != input.width() {
                    return Err(format!(
                        "option 'query' has {n} parameters but table {} has {} fields ({}); give one '?' per field, in order",
                        input.path,
                        input.width(),
                        input.field_names().join(", ")
                    ));
                }
                Ok(WritePlan {
                    upsert: sql,
                    upsert_cols: (0..n).collect(),
                    delete: None,
                    copy: None,
                })
            }
            Target::Generated { upsert, .. } => {
                let path = self.target_path(&input.path).expect("generated target");
                let table = qualified(dialect, &path);
                let pk = self.primary_keys(input);
                let mut pk_cols = Vec::with_capacity(pk.len());
                for key in &pk {
                    pk_cols.push(input.index_of(key).ok_or_else(|| {
                        format!(
                            "option 'primary_keys': '{key}' is not a field of table {}",
                            input.path
                        )
                    })?);
                }
                let name = |i: usize| quote(dialect, &self.field_ide.apply(&input.fields[i].name));
                let cols: Vec<usize> = (0..input.width()).collect();
                let list = cols.iter().map(|&i| name(i)).collect::<Vec<_>>().join(", ");
                let marks = (1..=cols.len())
                    .map(|n| placeholder(dialect, n))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut sql = format!("INSERT INTO {table} ({list}) VALUES ({marks})");
                if *upsert && !pk_cols.is_empty() {
                    let rest: Vec<usize> = cols
                        .iter()
                        .copied()
                        .filter(|i| !pk_cols.contains(i))
                        .collect();
                    let keys = pk_cols
                        .iter()
                        .map(|&i| name(i))
                        .collect::<Vec<_>>()
                        .join(", ");
                    match dialect {
                        Dialect::MySql => {
                            let set = if rest.is_empty() { &pk_cols } else { &rest };
                            let set = set
                                .iter()
                                .map(|&i| format!("{0}=VALUES({0})", name(i)))
                                .collect::<Vec<_>>();
                            sql.push_str(&format!(" ON DUPLICATE KEY UPDATE {}", set.join(", ")));
                        }
                        Dialect::Postgres | Dialect::Sqlite if rest.is_empty() => {
                            sql.push_str(&format!(" ON CONFLICT ({keys}) DO NOTHING"));
                        }
                        Dialect::Postgres | Dialect::Sqlite => {
                            let set = rest
                                .iter()
                                .map(|&i| format!("{0} = EXCLUDED.{0}", name(i)))
                                .collect::<Vec<_>>();
                            sql.push_str(&format!(
                                " ON CONFLICT ({keys}) DO UPDATE SET {}",
                                set.join(", ")
                            ));
                        }
                    }
                }
                let delete = (!pk_cols.is_empty()).then(|| {
                    let cond = pk_cols
                        .iter()
                        .enumerate()
                        .map(|(n, &i)| format!("{} = {}", name(i), placeholder(dialect, n + 1)))
                        .collect::<Vec<_>>()
                        .join(" AND ");
                    (format!("DELETE FROM {table} WHERE {cond}"), pk_cols.clone())
                });
                let copy = self
                    .use_copy
                    .then(|| format!("COPY {table} ({list}) FROM STDIN"));
                Ok(WritePlan {
                    upsert: sql,
                    upsert_cols: cols,
                    delete,
                    copy,
                })
            }
        }
    }

    /// Applies the save modes for one input table.
    fn save_modes(&self, db: &mut dyn crate::db::Db, input: &TableSchema) -> Result<(), String> {
        let Some(path) = self.target_path(&input.path) else {
            return Ok(());
        };
        let dialect = self.dialect();
        let table = qualified(dialect, &path);
        let err = |e: crate::db::DbError| format!("table {table}: {e}");
        let mut exists = catalog::table_exists(db, &path).map_err(err)?;
        match self.schema_save_mode {
            SchemaSaveMode::Recreate if exists => {
                db.execute(&format!("DROP TABLE {table}")).map_err(err)?;
                exists = false;
            }
            SchemaSaveMode::ErrorWhenMissing if !exists => {
                return Err(format!(
                    "table {table} does not exist and schema_save_mode is ERROR_WHEN_SCHEMA_NOT_EXIST; create it or change the mode"
                ));
            }
            _ => {}
        }
        if !exists && self.schema_save_mode != SchemaSaveMode::Ignore {
            let mut renamed = input.clone();
            for f in &mut renamed.fields {
                f.name = self.field_ide.apply(&f.name);
            }
            let pk: Vec<String> = self
                .primary_keys(input)
                .iter()
                .map(|k| self.field_ide.apply(k))
                .collect();
            let sql = catalog::create_table_sql(dialect, &path, &renamed, &pk)?;
            db.execute(&sql).map_err(err)?;
        }
        match self.data_save_mode {
            DataSaveMode::Append => {}
            DataSaveMode::Drop => {
                let sql = match dialect {
                    Dialect::Sqlite => format!("DELETE FROM {table}"),
                    _ => format!("TRUNCATE TABLE {table}"),
                };
                db.execute(&sql).map_err(err)?;
            }
            DataSaveMode::ErrorWhenExists => {
                if catalog::has_rows(db, &path).map_err(err)? {
                    return Err(format!(
                        "table {table} holds rows and data_save_mode is ERROR_WHEN_DATA_EXISTS; empty it or change the mode"
                    ));
                }
            }
            DataSaveMode::Custom => {
                db.execute(self.custom_sql.as_deref().expect("checked at create"))
                    .map_err(err)?;
            }
        }
        Ok(())
    }
}

impl Sink for JdbcSink {
    fn check_input(&self, tables: &[Arc<TableSchema>]) -> Result<(), ConnectorError> {
        for t in tables {
            for f in &t.fields {
                if matches!(
                    f.data_type,
                    DataType::Array(_) | DataType::Map(..) | DataType::Row(_) | DataType::Null
                ) {
                    return Err(ConnectorError::config(
                        &self.plugin,
                        format!("table {} field '{}' is {}, which the Jdbc sink cannot write; flatten it with a transform", t.path, f.name, f.data_type),
                    ));
                }
            }
            self.config
                .plan(t)
                .map_err(|e| ConnectorError::config(&self.plugin, e))?;
        }
        Ok(())
    }

    fn setup(&self, tables: &[Arc<TableSchema>]) -> Result<(), ConnectorError> {
        let mut db = open(&self.config.connection, &self.plugin)?;
        for t in tables {
            self.config
                .save_modes(db.as_mut(), t)
                .map_err(|e| ConnectorError::config(&self.plugin, e))?;
        }
        Ok(())
    }

    fn create_writer(&self, ctx: &WriterContext) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        Ok(Box::new(JdbcWriter::new(self.config.clone(), ctx)?))
    }

    fn commit(&self, infos: Vec<CommitInfo>) -> Result<(), ConnectorError> {
        let xids = xids(&infos)?;
        if xids.is_empty() {
            return Ok(());
        }
        let mut db = open(&self.config.connection, &self.plugin)?;
        xa::commit_all(db.as_mut(), &xids, self.config.max_commit_attempts)
            .map_err(|e| e.to_connector(format!("jdbc sink: {e}")))
    }

    fn abort(&self, infos: Vec<CommitInfo>) {
        // Best effort: a transaction left prepared here is rolled back by the next writer of its
        // pipeline and subtask that starts (`xa.rs`).
        let Ok(xids) = xids(&infos) else { return };
        if xids.is_empty() {
            return;
        }
        if let Ok(mut db) = open(&self.config.connection, &self.plugin) {
            let _ = xa::rollback_all(db.as_mut(), &xids);
        }
    }
}
