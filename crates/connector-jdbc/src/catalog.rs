//! What the connector asks a database's catalog: a table's primary key, whether it exists and
//! holds rows, and the DDL that creates one from a SeaTunnel schema (SeaTunnel's save modes).

use seatunnel_data::{DataType, TablePath, TableSchema, Value};

use crate::db::{query_values, Db, DbError};
use crate::options::qualified;
use crate::split::{placeholder, quote};
use crate::url::Dialect;

/// The schema a PostgreSQL path without one lives in.
const PG_DEFAULT_SCHEMA: &str = "public";

/// `(schema or database, table)` as the catalog spells them; `None` when the connection's own.
fn owner_and_table(dialect: Dialect, path: &TablePath) -> (Option<String>, String) {
    let owner = match dialect {
        Dialect::Postgres => Some(
            path.schema
                .clone()
                .or_else(|| path.database.clone())
                .unwrap_or_else(|| PG_DEFAULT_SCHEMA.to_string()),
        ),
        Dialect::MySql => path.database.clone(),
        Dialect::Sqlite => None,
    };
    (owner, path.table.clone())
}

fn names(rows: Vec<Vec<Value>>) -> Vec<String> {
    rows.into_iter()
        .filter_map(|r| match r.into_iter().next() {
            Some(Value::String(s)) => Some(s),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        })
        .collect()
}

/// The primary key's columns in key order; empty when the table has none.
pub fn primary_key(db: &mut dyn Db, path: &TablePath) -> Result<Vec<String>, DbError> {
    let dialect = db.dialect();
    let (owner, table) = owner_and_table(dialect, path);
    let rows = match dialect {
        Dialect::Postgres => query_values(
            db,
            "SELECT a.attname::text FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey) \
             WHERE i.indisprimary AND n.nspname = $1 AND c.relname = $2 \
             ORDER BY array_position(i.indkey, a.attnum)",
            &[Value::String(owner.unwrap_or_default()), Value::String(table)],
        )?,
        Dialect::MySql => query_values(
            db,
            "SELECT CAST(COLUMN_NAME AS CHAR) FROM information_schema.KEY_COLUMN_USAGE \
             WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' \
             ORDER BY ORDINAL_POSITION",
            &[owner.map_or(Value::Null, Value::String), Value::String(table)],
        )?,
        Dialect::Sqlite => query_values(
            db,
            "SELECT CAST(name AS TEXT) FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk",
            &[Value::String(table)],
        )?,
    };
    Ok(names(rows))
}

/// Whether the table exists.
pub fn table_exists(db: &mut dyn Db, path: &TablePath) -> Result<bool, DbError> {
    let dialect = db.dialect();
    let (owner, table) = owner_and_table(dialect, path);
    let rows = match dialect {
        Dialect::Postgres => query_values(
            db,
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2",
            &[
                Value::String(owner.unwrap_or_default()),
                Value::String(table),
            ],
        )?,
        Dialect::MySql => query_values(
            db,
            "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?",
            &[
                owner.map_or(Value::Null, Value::String),
                Value::String(table),
            ],
        )?,
        Dialect::Sqlite => query_values(
            db,
            "SELECT CAST(name AS TEXT) FROM sqlite_master WHERE type = 'table' AND name = ?",
            &[Value::String(table)],
        )?,
    };
    Ok(!rows.is_empty())
}

/// Whether the table holds at least one row.
pub fn has_rows(db: &mut dyn Db, path: &TablePath) -> Result<bool, DbError> {
    let sql = format!("SELECT 1 FROM {} LIMIT 1", qualified(db.dialect(), path));
    Ok(!query_values(db, &sql, &[])?.is_empty())
}

/// The dialect's column type for a SeaTunnel type; `key` columns get a bounded string type where
/// the dialect cannot index an unbounded one (MySQL).
pub fn column_type(dialect: Dialect, ty: &DataType, key: bool) -> Result<String, String> {
    use DataType as T;
    Ok(match (dialect, ty) {
        (_, T::Boolean) => "BOOLEAN".into(),
        (Dialect::Postgres, T::TinyInt) => "SMALLINT".into(),
        (_, T::TinyInt) => "TINYINT".into(),
        (_, T::SmallInt) => "SMALLINT".into(),
        // SQLite reads a declared `INTEGER` back as BIGINT (its 64-bit affinity): `INT` keeps INT.
        (Dialect::Sqlite, T::Int) => "INT".into(),
        (_, T::Int) => "INTEGER".into(),
        (_, T::BigInt) => "BIGINT".into(),
        (Dialect::Postgres, T::Float) => "REAL".into(),
        (_, T::Float) => "FLOAT".into(),
        (Dialect::Postgres, T::Double) => "DOUBLE PRECISION".into(),
        (_, T::Double) => "DOUBLE".into(),
        (_, T::Decimal { precision, scale }) => format!("DECIMAL({precision}, {scale})"),
        (Dialect::MySql, T::String) if key => "VARCHAR(255)".into(),
        (Dialect::MySql, T::String) => "LONGTEXT".into(),
        (_, T::String) => "TEXT".into(),
        (Dialect::Postgres, T::Bytes) => "BYTEA".into(),
        (Dialect::MySql, T::Bytes) if key => "VARBINARY(255)".into(),
        (Dialect::MySql, T::Bytes) => "LONGBLOB".into(),
        (_, T::Bytes) => "BLOB".into(),
        (_, T::Date) => "DATE".into(),
        (Dialect::MySql, T::Time) => "TIME(6)".into(),
        (_, T::Time) => "TIME".into(),
        (Dialect::MySql, T::Timestamp) => "DATETIME(6)".into(),
        (_, T::Timestamp) => "TIMESTAMP".into(),
        (_, other) => return Err(format!("{other} has no column type in {dialect}")),
    })
}

/// `CREATE TABLE` for `schema` at `path`, with `primary_key` (if any) as its primary key.
pub fn create_table_sql(
    dialect: Dialect,
    path: &TablePath,
    schema: &TableSchema,
    primary_key: &[String],
) -> Result<String, String> {
    let mut cols = Vec::with_capacity(schema.fields.len() + 1);
    for f in &schema.fields {
        let key = primary_key.contains(&f.name);
        let ty = column_type(dialect, &f.data_type, key)
            .map_err(|e| format!("column '{}': {e}", f.name))?;
        let not_null = if key { " NOT NULL" } else { "" };
        cols.push(format!("{} {ty}{not_null}", quote(dialect, &f.name)));
    }
    if !primary_key.is_empty() {
        let keys: Vec<String> = primary_key.iter().map(|k| quote(dialect, k)).collect();
        cols.push(format!("PRIMARY KEY ({})", keys.join(", ")));
    }
    Ok(format!(
        "CREATE TABLE {} ({})",
        qualified(dialect, path),
        cols.join(", ")
    ))
}

/// `?`-style parameters rewritten to the dialect's own outside quoted text (`$1, $2…` for
/// PostgreSQL), so a job's `query` works unchanged.
pub fn rewrite_placeholders(dialect: Dialect, sql: &str) -> (String, usize) {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut quote_char: Option<char> = None;
    for c in sql.chars() {
        match (quote_char, c) {
            (Some(q), c) if c == q => {
                quote_char = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"' | '`') => {
                quote_char = Some(c);
                out.push(c);
            }
            (None, '?') => {
                n += 1;
                out.push_str(&placeholder(dialect, n));
            }
            (None, c) => out.push(c),
        }
    }
    (out, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use seatunnel_data::Field;

    #[test]
    fn create_table_names_the_primary_key() {
        let schema = TableSchema::new(
            TablePath::parse("t"),
            vec![
                Field::new("id", DataType::BigInt),
                Field::new("name", DataType::String),
            ],
        );
        let sql = create_table_sql(
            Dialect::MySql,
            &TablePath::parse("db.t"),
            &schema,
            &["name".into()],
        )
        .unwrap();
        assert_eq!(
            sql,
            "CREATE TABLE `db`.`t` (`id` BIGINT, `name` VARCHAR(255) NOT NULL, PRIMARY KEY (`name`))"
        );
        let sql = create_table_sql(
            Dialect::Postgres,
            &TablePath::parse("public.t"),
            &schema,
            &[],
        )
        .unwrap();
        assert_eq!(
            sql,
            r#"CREATE TABLE "public"."t" ("id" BIGINT, "name" TEXT)"#
        );
    }

    #[test]
    fn placeholders_become_numbered_outside_quotes() {
        let (sql, n) = rewrite_placeholders(Dialect::Postgres, "insert into t values (?, '?', ?)");
        assert_eq!((sql.as_str(), n), ("insert into t values ($1, '?', $2)", 2));
        let (sql, n) = rewrite_placeholders(Dialect::MySql, "insert into t values (?, ?)");
        assert_eq!((sql.as_str(), n), ("insert into t values (?, ?)", 2));
    }
}
