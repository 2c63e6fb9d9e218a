//! MySQL and MariaDB through the synchronous `mysql` client, binary protocol throughout.
//!
//! The server streams a result set and the client reads it row by row off the socket, so a scan
//! holds one batch of rows at a time whatever the table's size (Connector/J needs
//! `useCursorFetch` for that; here it is how the protocol is read).

use mysql::consts::ColumnFlags;
use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder, Params, Value as MyValue};

use chrono::{Datelike, Timelike};
use seatunnel_data::{temporal, Batch, Datum, RowKind, Value};

use super::{
    cell_text, driver, params_batch, timestamp_nanos, xid_literal, ConnectSpec, Db, DbError, Emit,
};
use crate::types::{self, Column, Decode, MySqlMeta, MYSQL_BINARY_CHARSET};
use crate::url::Dialect;

/// Seconds the server waits for a streaming reader to take more rows (Connector/J's value).
const STREAMING_WRITE_TIMEOUT_SECS: u32 = 600;

pub struct My {
    conn: Conn,
}

impl My {
    pub fn connect(spec: &ConnectSpec) -> Result<My, DbError> {
        let url = &spec.url;
        let opts = OptsBuilder::new()
            .ip_or_hostname(Some(url.host.clone()))
            .tcp_port(url.port)
            .prefer_socket(false)
            .user(spec.user.clone())
            .pass(spec.password.clone())
            .db_name((!url.database.is_empty()).then(|| url.database.clone()))
            .tcp_connect_timeout(Some(spec.timeout));
        let target = format!("{}:{}/{}", url.host, url.port, url.database);
        let conn =
            Conn::new(opts).map_err(driver(&format!("cannot connect to mysql at {target}")))?;
        let mut my = My { conn };
        // A reader that streams a result set stops reading while the engine's channel is full
        // (a slow sink); the server would drop it after net_write_timeout (60 s by default).
        // Connector/J raises it the same way for streaming results.
        my.execute(&format!(
            "SET SESSION net_write_timeout = {STREAMING_WRITE_TIMEOUT_SECS}"
        ))?;
        Ok(my)
    }
}

impl Db for My {
    fn dialect(&self) -> Dialect {
        Dialect::MySql
    }

    fn describe(&mut self, query: &str) -> Result<Vec<Column>, DbError> {
        let stmt = self
            .conn
            .prep(query)
            .map_err(driver("cannot prepare the query"))?;
        let columns = stmt
            .columns()
            .iter()
            .map(|c| {
                let meta = MySqlMeta {
                    column_type: c.column_type(),
                    unsigned: c.flags().contains(ColumnFlags::UNSIGNED_FLAG),
                    binary: c.character_set() == MYSQL_BINARY_CHARSET,
                    length: c.column_length(),
                    decimals: c.decimals(),
                    enum_or_set: c
                        .flags()
                        .intersects(ColumnFlags::ENUM_FLAG | ColumnFlags::SET_FLAG),
                };
                types::mysql(&c.name_str(), meta).map_err(DbError::from)
            })
            .collect();
        self.conn
            .close(stmt)
            .map_err(driver("cannot close the statement"))?;
        columns
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
        let params = row_params(&params, 0, &(0..params.width()).collect::<Vec<_>>());
        let result = self
            .conn
            .exec_iter(query, params)
            .map_err(driver("cannot run the query"))?;
        for row in result {
            let row = row.map_err(driver("cannot read the query's rows"))?;
            batch.begin_row(RowKind::Insert);
            for (i, column) in columns.iter().enumerate() {
                decode(row.as_ref(i).unwrap_or(&MyValue::NULL), column, batch)?;
            }
            if batch.len() >= fetch_size && !emit(batch) {
                // Dropping the result reads the rest off the socket; the connection stays usable.
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
            .query_drop(sql)
            .map_err(|e| DbError::driver(&format!("'{sql}' failed"), e))
    }

    fn xa_begin(&mut self, xid: &str) -> Result<(), DbError> {
        self.execute(&format!("XA START {}", xid_literal(xid)))
    }

    fn xa_prepare(&mut self, xid: &str) -> Result<(), DbError> {
        self.execute(&format!("XA END {}", xid_literal(xid)))?;
        self.execute(&format!("XA PREPARE {}", xid_literal(xid)))
    }

    fn xa_commit(&mut self, xid: &str) -> Result<(), DbError> {
        self.execute(&format!("XA COMMIT {}", xid_literal(xid)))
    }

    fn xa_rollback(&mut self, xid: &str) -> Result<(), DbError> {
        self.execute(&format!("XA ROLLBACK {}", xid_literal(xid)))
    }

    fn xa_recover(&mut self, prefix: &str) -> Result<Vec<String>, DbError> {
        // `XA RECOVER` cannot be prepared, so it goes through the text protocol. Its `data`
        // column is the gtrid followed by the bqual; ours have no bqual.
        let rows: Vec<mysql::Row> = self
            .conn
            .query("XA RECOVER")
            .map_err(driver("cannot list the prepared XA transactions"))?;
        Ok(rows
            .into_iter()
            .filter_map(|row| match row.as_ref(3) {
                Some(MyValue::Bytes(b)) => String::from_utf8(b.clone()).ok(),
                _ => None,
            })
            .filter(|xid| xid.starts_with(prefix))
            .collect())
    }

    fn write(
        &mut self,
        sql: &str,
        batch: &Batch,
        rows: &[usize],
        cols: &[usize],
    ) -> Result<(), DbError> {
        let stmt = self
            .conn
            .prep(sql)
            .map_err(|e| DbError::driver(&format!("cannot prepare '{sql}'"), e))?;
        self.conn
            .exec_batch(&stmt, rows.iter().map(|&r| row_params(batch, r, cols)))
            .map_err(driver("cannot write rows"))
    }
}

fn row_params(batch: &Batch, row: usize, cols: &[usize]) -> Params {
    if cols.is_empty() {
        return Params::Empty;
    }
    Params::Positional(
        cols.iter()
            .map(|&c| param(batch, batch.get(row, c)))
            .collect(),
    )
}

fn param(batch: &Batch, datum: Datum) -> MyValue {
    match datum {
        Datum::Null => MyValue::NULL,
        Datum::Bool(b) => MyValue::Int(i64::from(b)),
        Datum::TinyInt(v) => MyValue::Int(v.into()),
        Datum::SmallInt(v) => MyValue::Int(v.into()),
        Datum::Int(v) => MyValue::Int(v.into()),
        Datum::BigInt(v) => MyValue::Int(v),
        Datum::Float(v) => MyValue::Float(v),
        Datum::Double(v) => MyValue::Double(v),
        Datum::String(s) | Datum::Decimal(s) => MyValue::Bytes(batch.str(s).as_bytes().to_vec()),
        Datum::Bytes(s) => MyValue::Bytes(batch.bytes(s).to_vec()),
        Datum::Date(d) => {
            let d = temporal::days_to_date(d);
            MyValue::Date(d.year() as u16, d.month() as u8, d.day() as u8, 0, 0, 0, 0)
        }
        Datum::Time(t) => {
            let t = temporal::nanos_to_time(t);
            MyValue::Time(
                false,
                0,
                t.hour() as u8,
                t.minute() as u8,
                t.second() as u8,
                t.nanosecond() / 1000,
            )
        }
        Datum::Timestamp(t) => {
            let t = temporal::nanos_to_timestamp(t);
            MyValue::Date(
                t.year() as u16,
                t.month() as u8,
                t.day() as u8,
                t.hour() as u8,
                t.minute() as u8,
                t.second() as u8,
                t.nanosecond() / 1000,
            )
        }
        Datum::Nested(_) => {
            let mut text = String::new();
            cell_text(batch, datum, &mut text);
            MyValue::Bytes(text.into_bytes())
        }
    }
}

fn mismatch(column: &Column, held: &MyValue) -> DbError {
    DbError::Value(format!(
        "column '{}' ({}) holds {held:?}, which is not a {}",
        column.name, column.db_type, column.data_type
    ))
}

fn decode(value: &MyValue, column: &Column, batch: &mut Batch) -> Result<(), DbError> {
    let bad = || mismatch(column, value);
    let int = |v: &MyValue| match v {
        MyValue::Int(i) => Some(*i),
        MyValue::UInt(u) => i64::try_from(*u).ok(),
        _ => None,
    };
    let datum = match (value, column.decode) {
        (MyValue::NULL, _) => Datum::Null,
        (v, Decode::Bool) => Datum::Bool(int(v).ok_or_else(bad)? != 0),
        (MyValue::Bytes(b), Decode::Bit) => Datum::Bool(b.iter().any(|x| *x != 0)),
        (v, Decode::TinyInt) => Datum::TinyInt(int(v).and_then(|i| i.try_into().ok()).ok_or_else(bad)?),
        (v, Decode::SmallInt) => Datum::SmallInt(int(v).and_then(|i| i.try_into().ok()).ok_or_else(bad)?),
        (v, Decode::Int) => Datum::Int(int(v).and_then(|i| i.try_into().ok()).ok_or_else(bad)?),
        (v @ (MyValue::Int(_) | MyValue::UInt(_)), Decode::BigInt) => Datum::BigInt(int(v).ok_or_else(bad)?),
        (MyValue::UInt(u), Decode::UnsignedBigInt | Decode::Decimal) => {
            batch.push_decimal_text(&u.to_string());
            return Ok(());
        }
        (MyValue::Int(i), Decode::UnsignedBigInt | Decode::Decimal) => {
            batch.push_decimal_text(&i.to_string());
            return Ok(());
        }
        (MyValue::Bytes(b), Decode::Decimal | Decode::UnsignedBigInt) => {
            let text = std::str::from_utf8(b).map_err(|_| bad())?;
            batch.push_decimal_text(text);
            return Ok(());
        }
        (MyValue::Float(f), Decode::Float) => Datum::Float(*f),
        (MyValue::Double(f), Decode::Float) => Datum::Float(*f as f32),
        (MyValue::Double(f), Decode::Double) => Datum::Double(*f),
        (MyValue::Float(f), Decode::Double) => Datum::Double(f64::from(*f)),
        (MyValue::Bytes(b), Decode::Text) => {
            let text = std::str::from_utf8(b).map_err(|_| bad())?;
            batch.push_str(text);
            return Ok(());
        }
        (MyValue::Bytes(b), Decode::Bytes) => {
            batch.push_bytes(b);
            return Ok(());
        }
        (MyValue::Date(y, m, d, h, mi, s, us), Decode::Date | Decode::Timestamp) => {
            let date = chrono::NaiveDate::from_ymd_opt(i32::from(*y), u32::from(*m), u32::from(*d))
                .ok_or_else(|| zero_date(column, value))?;
            if column.decode == Decode::Date {
                Datum::Date(temporal::date_to_days(date))
            } else {
                let time = chrono::NaiveTime::from_hms_micro_opt(u32::from(*h), u32::from(*mi), u32::from(*s), *us)
                    .ok_or_else(bad)?;
                Datum::Timestamp(timestamp_nanos(date.and_time(time), column)?)
            }
        }
        (MyValue::Time(false, 0, h, m, s, us), Decode::Time) => {
            let time = chrono::NaiveTime::from_hms_micro_opt(u32::from(*h), u32::from(*m), u32::from(*s), *us)
                .ok_or_else(bad)?;
            Datum::Time(temporal::time_to_nanos(time))
        }
        (MyValue::Time(..), Decode::Time) => {
            return Err(DbError::Value(format!(
                "column '{}' holds {value:?}, outside a time of day (SeaTunnel's TIME); filter it out in the query",
                column.name
            )))
        }
        _ => return Err(bad()),
    };
    batch.push(datum);
    Ok(())
}

fn zero_date(column: &Column, value: &MyValue) -> DbError {
    DbError::Value(format!(
        "column '{}' holds {value:?}, a zero or invalid date; filter it out or convert it in the query",
        column.name
    ))
}
