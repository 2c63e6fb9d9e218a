//! SQLite through rusqlite: the database is a file, so the only "connection" is opening it.
//!
//! SQLite stores a value's class per cell, not per column, so decoding follows the column's
//! declared type and converts what the cell holds, failing with the column named when it cannot.

use std::time::Duration;

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{params_from_iter, Connection, OpenFlags};

use seatunnel_data::literal::{parse_date, parse_timestamp};
use seatunnel_data::{temporal, Batch, Datum, RowKind, Value};

use super::{cell_text, driver, params_batch, timestamp_nanos, ConnectSpec, Db, DbError, Emit};
use crate::types::{self, Column, Decode};
use crate::url::Dialect;

pub struct Lite {
    conn: Connection,
}

impl Lite {
    pub fn connect(spec: &ConnectSpec) -> Result<Lite, DbError> {
        let path = &spec.url.database;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| DbError::driver(&format!("cannot open sqlite database '{path}'"), e))?;
        // Another writer holds the file: wait as long as connecting may take, then fail.
        conn.busy_timeout(spec.timeout.max(Duration::from_millis(1)))
            .map_err(|e| DbError::driver("cannot set the sqlite busy timeout", e))?;
        Ok(Lite { conn })
    }
}

impl Db for Lite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn describe(&mut self, query: &str) -> Result<Vec<Column>, DbError> {
        let stmt = self
            .conn
            .prepare(query)
            .map_err(driver("cannot prepare the query"))?;
        stmt.columns()
            .map(|c| types::sqlite(c.name(), c.decl_type()).map_err(DbError::from))
            .collect()
    }

    fn scan(
        &mut self,
        query: &str,
        params: &[Value],
        columns: &[Column],
        fetch_size: usize,
        batch: &mut Batch,
        emit: &mut Emit<'_>,
    ) -> Result<(), DbError> {
        let params = params_batch(params);
        let cells: Vec<Cell> = (0..params.width())
            .map(|i| Cell {
                batch: &params,
                datum: params.get(0, i),
            })
            .collect();
        let mut stmt = self
            .conn
            .prepare(query)
            .map_err(driver("cannot prepare the query"))?;
        let mut rows = stmt
            .query(params_from_iter(cells.iter()))
            .map_err(driver("cannot run the query"))?;
        while let Some(row) = rows
            .next()
            .map_err(driver("cannot read the query's rows"))?
        {
            batch.begin_row(RowKind::Insert);
            for (i, column) in columns.iter().enumerate() {
                let value = row.get_ref(i).map_err(driver("cannot read a column"))?;
                decode(value, column, batch)?;
            }
            if batch.len() >= fetch_size && !emit(batch) {
                return Ok(());
            }
        }
        if !batch.is_empty() {
            emit(batch);
        }
        Ok(())
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.conn
            .execute_batch(sql)
            .map_err(|e| DbError::driver(&format!("'{sql}' failed"), e))
    }

    fn write(
        &mut self,
        sql: &str,
        batch: &Batch,
        rows: &[usize],
        cols: &[usize],
    ) -> Result<(), DbError> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| DbError::driver(&format!("cannot prepare '{sql}'"), e))?;
        for &r in rows {
            let cells = cols.iter().map(|&c| Cell {
                batch,
                datum: batch.get(r, c),
            });
            stmt.execute(params_from_iter(cells))
                .map_err(driver("cannot write a row"))?;
        }
        Ok(())
    }
}

fn mismatch(column: &Column, held: &str) -> DbError {
    DbError::Value(format!(
        "column '{}' (declared {}) holds {held}, which is not a {}",
        column.name, column.db_type, column.data_type
    ))
}

fn decode(value: ValueRef<'_>, column: &Column, batch: &mut Batch) -> Result<(), DbError> {
    let datum = match (value, column.decode) {
        (ValueRef::Null, _) => Datum::Null,
        (ValueRef::Integer(i), Decode::Bool) => Datum::Bool(i != 0),
        (ValueRef::Integer(i), Decode::TinyInt) => {
            Datum::TinyInt(i8::try_from(i).map_err(|_| mismatch(column, &i.to_string()))?)
        }
        (ValueRef::Integer(i), Decode::SmallInt) => {
            Datum::SmallInt(i16::try_from(i).map_err(|_| mismatch(column, &i.to_string()))?)
        }
        (ValueRef::Integer(i), Decode::Int) => {
            Datum::Int(i32::try_from(i).map_err(|_| mismatch(column, &i.to_string()))?)
        }
        (ValueRef::Integer(i), Decode::BigInt) => Datum::BigInt(i),
        (ValueRef::Integer(i), Decode::Float) => Datum::Float(i as f32),
        (ValueRef::Integer(i), Decode::Double) => Datum::Double(i as f64),
        (ValueRef::Real(f), Decode::Float) => Datum::Float(f as f32),
        (ValueRef::Real(f), Decode::Double) => Datum::Double(f),
        (ValueRef::Integer(i), Decode::Decimal) => {
            batch.push_decimal_text(&i.to_string());
            return Ok(());
        }
        (ValueRef::Real(f), Decode::Decimal) => {
            batch.push_decimal_text(&seatunnel_data::java::float::plain_double(f));
            return Ok(());
        }
        (ValueRef::Integer(i), Decode::Text) => {
            batch.push_fmt(format_args!("{i}"));
            return Ok(());
        }
        (ValueRef::Real(f), Decode::Text) => {
            batch.push_fmt(format_args!("{f}"));
            return Ok(());
        }
        (ValueRef::Blob(b), Decode::Bytes) => {
            batch.push_bytes(b);
            return Ok(());
        }
        (ValueRef::Text(t), Decode::Bytes) => {
            batch.push_bytes(t);
            return Ok(());
        }
        (ValueRef::Text(t), decode) => {
            let text =
                std::str::from_utf8(t).map_err(|_| mismatch(column, "text that is not UTF-8"))?;
            return text_cell(text, decode, column, batch);
        }
        (other, _) => return Err(mismatch(column, &format!("{:?}", other.data_type()))),
    };
    batch.push(datum);
    Ok(())
}

/// A text cell under a declared type: SQLite keeps dates, decimals and sometimes numbers as text.
fn text_cell(
    text: &str,
    decode: Decode,
    column: &Column,
    batch: &mut Batch,
) -> Result<(), DbError> {
    let bad = || mismatch(column, &format!("'{text}'"));
    let t = text.trim();
    let datum = match decode {
        Decode::Text => {
            batch.push_str(text);
            return Ok(());
        }
        Decode::Decimal => {
            t.parse::<bigdecimal::BigDecimal>().map_err(|_| bad())?;
            batch.push_decimal_text(t);
            return Ok(());
        }
        Decode::Bool => match t.to_ascii_lowercase().as_str() {
            "true" | "1" => Datum::Bool(true),
            "false" | "0" => Datum::Bool(false),
            _ => return Err(bad()),
        },
        Decode::TinyInt => Datum::TinyInt(t.parse().map_err(|_| bad())?),
        Decode::SmallInt => Datum::SmallInt(t.parse().map_err(|_| bad())?),
        Decode::Int => Datum::Int(t.parse().map_err(|_| bad())?),
        Decode::BigInt => Datum::BigInt(t.parse().map_err(|_| bad())?),
        Decode::Float => Datum::Float(t.parse().map_err(|_| bad())?),
        Decode::Double => Datum::Double(t.parse().map_err(|_| bad())?),
        Decode::Date => Datum::Date(temporal::date_to_days(parse_date(t).ok_or_else(bad)?)),
        Decode::Time => Datum::Time(temporal::time_to_nanos(
            chrono::NaiveTime::parse_from_str(t, "%H:%M:%S%.f").map_err(|_| bad())?,
        )),
        Decode::Timestamp | Decode::TimestampUtc => Datum::Timestamp(timestamp_nanos(
            parse_timestamp(t).ok_or_else(bad)?,
            column,
        )?),
        Decode::Bytes
        | Decode::Inet
        | Decode::Mac
        | Decode::PgBits
        | Decode::TimeUtc
        | Decode::Jsonb
        | Decode::Uuid
        | Decode::HexText
        | Decode::Bit
        | Decode::UnsignedBigInt => return Err(bad()),
    };
    batch.push(datum);
    Ok(())
}

/// One cell of a batch as a statement parameter.
struct Cell<'a> {
    batch: &'a Batch,
    datum: Datum,
}

impl rusqlite::ToSql for Cell<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.datum {
            Datum::Null => ToSqlOutput::Owned(SqlValue::Null),
            Datum::Bool(b) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(b))),
            Datum::TinyInt(v) => ToSqlOutput::Owned(SqlValue::Integer(v.into())),
            Datum::SmallInt(v) => ToSqlOutput::Owned(SqlValue::Integer(v.into())),
            Datum::Int(v) => ToSqlOutput::Owned(SqlValue::Integer(v.into())),
            Datum::BigInt(v) => ToSqlOutput::Owned(SqlValue::Integer(v)),
            Datum::Float(v) => ToSqlOutput::Owned(SqlValue::Real(v.into())),
            Datum::Double(v) => ToSqlOutput::Owned(SqlValue::Real(v)),
            Datum::String(s) => ToSqlOutput::Borrowed(ValueRef::Text(self.batch.str(s).as_bytes())),
            Datum::Bytes(s) => ToSqlOutput::Borrowed(ValueRef::Blob(self.batch.bytes(s))),
            d => {
                let mut text = String::new();
                cell_text(self.batch, d, &mut text);
                ToSqlOutput::Owned(SqlValue::Text(text))
            }
        })
    }
}
