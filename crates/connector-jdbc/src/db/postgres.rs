//! PostgreSQL through tokio-postgres, whose connection (the socket's I/O) runs on a runtime of
//! one worker thread owned by the connection.
//!
//! The client's calls only talk to that connection task over channels, so the caller waits for
//! them with a plain executor ([`wait`]): it works from any thread, including the engine's task
//! threads, which are inside the engine's runtime where a nested `block_on` would panic.
//!
//! - Reads use a portal inside a read-only transaction (`Execute` with a row limit), the
//!   protocol's own cursor: the server holds the result, the client `fetch_size` rows of it.
//! - Rows arrive in the binary format and are decoded straight into the batch.
//! - Parameters go in the binary format where it is the same value (numbers, booleans, bytes,
//!   text) and in the text format otherwise, so PostgreSQL parses the target type itself:
//!   decimals, dates, `uuid`, `json`, `xml` and PostGIS geometries all take their text form.
//! - A batch of writes is pipelined: every `Execute` is sent before the first answer is read.

use bytes::{BufMut, BytesMut};
use futures_util::future::try_join_all;
use futures_util::SinkExt;
use tokio::runtime::Runtime;
use tokio_postgres::types::{to_sql_checked, Format, FromSql, IsNull, ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

use seatunnel_data::{Batch, Datum, RowKind, Value};

use super::{cell_text, driver, out_of_range, xid_literal, ConnectSpec, Db, DbError, Emit};
use crate::types::{self, Column, Decode};
use crate::url::Dialect;

/// Seconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_SECONDS: i64 = 946_684_800;
/// Microseconds in a day, to bring a `timetz` moved to UTC back into one day.
const MICROS_PER_DAY: i64 = 86_400_000_000;
/// Days between the two epochs.
const PG_EPOCH_DAYS: i32 = 10_957;

pub struct Pg {
    /// Always `Some` until dropped (`shutdown_background` takes it).
    rt: Option<Runtime>,
    client: Client,
    /// The last statement `write` prepared, reused while the SQL stays the same.
    prepared: Option<(String, Statement)>,
}

impl Pg {
    pub fn connect(spec: &ConnectSpec) -> Result<Pg, DbError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("jdbc-postgres")
            .enable_all()
            .build()
            .map_err(|e| DbError::driver("cannot start the postgresql client runtime", e))?;
        let mut config = tokio_postgres::Config::new();
        config
            .host(&spec.url.host)
            .port(spec.url.port)
            .dbname(&spec.url.database)
            .connect_timeout(spec.timeout)
            .application_name("seatunnel");
        if let Some(user) = &spec.user {
            config.user(user);
        }
        if let Some(password) = &spec.password {
            config.password(password);
        }
        // Timestamps cross the wire as UTC wall clocks both ways: a `timestamptz` is read as
        // UTC and written as text the session must read as UTC too.
        let mut session = String::from("-c TimeZone=UTC");
        if let Some(schema) = spec.url.param("currentSchema") {
            session.push_str(&format!(" -c search_path={schema}"));
        }
        config.options(&session);
        let target = format!("{}:{}/{}", spec.url.host, spec.url.port, spec.url.database);
        let timeout = spec.timeout;
        let connecting =
            rt.spawn(async move { tokio::time::timeout(timeout, config.connect(NoTls)).await });
        let (client, connection) = wait(connecting)
            .map_err(|e| DbError::driver("the postgresql client runtime failed", e))?
            .map_err(|_| {
                DbError::Unavailable(format!(
                    "cannot connect to postgresql at {target} within {} s; check that it runs and the url's host and port",
                    timeout.as_secs()
                ))
            })?
            .map_err(driver(&format!("cannot connect to postgresql at {target}")))?;
        rt.spawn(connection);
        Ok(Pg {
            rt: Some(rt),
            client,
            prepared: None,
        })
    }

    /// `pg_attribute.atttypmod` of a result column that comes straight from a table: the
    /// precision and scale of `numeric(p, s)`, which the protocol's row description omits.
    fn typmod(&self, column: &tokio_postgres::Column) -> Result<i32, DbError> {
        let (Some(table), Some(attnum)) = (column.table_oid(), column.column_id()) else {
            return Ok(-1);
        };
        let row = wait(self.client.query_opt(
            "SELECT atttypmod FROM pg_attribute WHERE attrelid = $1 AND attnum = $2",
            &[&table, &attnum],
        ))
        .map_err(driver("cannot read the column's precision"))?;
        Ok(row.map_or(-1, |r| r.get(0)))
    }
}

impl Db for Pg {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn describe(&mut self, query: &str) -> Result<Vec<Column>, DbError> {
        let stmt = wait(self.client.prepare(query)).map_err(driver("cannot prepare the query"))?;
        let mut out = Vec::with_capacity(stmt.columns().len());
        for c in stmt.columns() {
            let typmod = if c.type_() == &Type::NUMERIC || c.type_() == &Type::BIT {
                self.typmod(c)?
            } else {
                -1
            };
            out.push(types::postgres(c.name(), c.type_().name(), typmod)?);
        }
        Ok(out)
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
        let params = super::params_batch(params);
        let cells: Vec<Cell> = (0..params.width())
            .map(|i| Cell {
                batch: &params,
                datum: params.get(0, i),
            })
            .collect();
        let limit = i32::try_from(fetch_size).unwrap_or(i32::MAX);
        let read = async {
            let tx = self
                .client
                .build_transaction()
                .read_only(true)
                .start()
                .await
                .map_err(driver("cannot start the read transaction"))?;
            let stmt = tx
                .prepare(query)
                .await
                .map_err(driver("cannot prepare the query"))?;
            let portal = tx
                .bind_raw(&stmt, cells.iter().map(|c| c as &dyn ToSql))
                .await
                .map_err(driver("cannot run the query"))?;
            loop {
                let rows = tx
                    .query_portal(&portal, limit)
                    .await
                    .map_err(driver("cannot read the query's rows"))?;
                for row in &rows {
                    batch.begin_row(RowKind::Insert);
                    for (i, column) in columns.iter().enumerate() {
                        let raw: Option<Raw> = row.try_get(i).map_err(|e| {
                            DbError::driver(&format!("column '{}'", column.name), e)
                        })?;
                        decode(raw.map(|r| r.0), column, batch)?;
                    }
                }
                let more = rows.len() == limit as usize;
                if !rows.is_empty() && !emit(batch) {
                    break;
                }
                if !more {
                    break;
                }
            }
            tx.commit()
                .await
                .map_err(driver("cannot end the read transaction"))
        };
        wait(read)
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        wait(self.client.batch_execute(sql)).map_err(driver(&format!("'{sql}' failed")))
    }

    fn copy_in(
        &mut self,
        copy: &str,
        batch: &Batch,
        rows: &[usize],
        cols: &[usize],
    ) -> Result<(), DbError> {
        let mut data = Vec::with_capacity(rows.len() * cols.len() * 8);
        let mut cell = String::new();
        for &r in rows {
            for (n, &c) in cols.iter().enumerate() {
                if n > 0 {
                    data.push(b'\t');
                }
                copy_text(batch, batch.get(r, c), &mut cell, &mut data);
            }
            data.push(b'\n');
        }
        let client = &self.client;
        wait(async move {
            let sink = client.copy_in::<_, bytes::Bytes>(copy).await?;
            futures_util::pin_mut!(sink);
            sink.send(bytes::Bytes::from(data)).await?;
            sink.finish().await
        })
        .map_err(driver(&format!("'{copy}' failed")))?;
        Ok(())
    }

    fn xa_begin(&mut self, _xid: &str) -> Result<(), DbError> {
        self.run("BEGIN".into())
    }

    fn xa_prepare(&mut self, xid: &str) -> Result<(), DbError> {
        self.run(format!("PREPARE TRANSACTION {}", xid_literal(xid)))
    }

    fn xa_commit(&mut self, xid: &str) -> Result<(), DbError> {
        self.run(format!("COMMIT PREPARED {}", xid_literal(xid)))
    }

    fn xa_rollback(&mut self, xid: &str) -> Result<(), DbError> {
        self.run(format!("ROLLBACK PREPARED {}", xid_literal(xid)))
    }

    fn xa_recover(&mut self, prefix: &str) -> Result<Vec<String>, DbError> {
        let rows = wait(self.client.query(
            "SELECT gid FROM pg_prepared_xacts \
                 WHERE database = current_database() AND starts_with(gid, $1)",
            &[&prefix],
        ))
        .map_err(driver("cannot list the prepared transactions"))?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }

    fn write(
        &mut self,
        sql: &str,
        batch: &Batch,
        rows: &[usize],
        cols: &[usize],
    ) -> Result<(), DbError> {
        if self.prepared.as_ref().is_none_or(|(s, _)| s != sql) {
            let stmt = wait(self.client.prepare(sql))
                .map_err(driver(&format!("cannot prepare '{sql}'")))?;
            self.prepared = Some((sql.to_string(), stmt));
        }
        let stmt = &self.prepared.as_ref().expect("prepared above").1;
        let client = &self.client;
        let executes = rows.iter().map(|&r| {
            let cells: Vec<Cell> = cols
                .iter()
                .map(|&c| Cell {
                    batch,
                    datum: batch.get(r, c),
                })
                .collect();
            async move {
                client
                    .execute_raw(stmt, cells.iter().map(|c| c as &dyn ToSql))
                    .await
            }
        });
        wait(try_join_all(executes)).map_err(driver("cannot write rows"))?;
        Ok(())
    }
}

impl Pg {
    fn run(&mut self, sql: String) -> Result<(), DbError> {
        wait(self.client.batch_execute(&sql)).map_err(driver(&sql))
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        // Without waiting: a writer may be dropped on an engine thread inside the engine's
        // runtime, where a blocking shutdown panics. The connection task ends with its client.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Waits for a client call (or a task of the connection's runtime) on the calling thread.
fn wait<F: std::future::Future>(future: F) -> F::Output {
    futures_executor::block_on(future)
}

/// One cell in `COPY`'s text format: `\N` for NULL, backslash escapes for the characters
/// that separate fields and rows.
fn copy_text(batch: &Batch, datum: Datum, scratch: &mut String, out: &mut Vec<u8>) {
    scratch.clear();
    match datum {
        Datum::Null => {
            out.extend_from_slice(b"\\N");
            return;
        }
        // bytea's text input (`\x` and hex), whose backslash COPY needs escaped.
        Datum::Bytes(s) => {
            out.extend_from_slice(b"\\\\x");
            for b in batch.bytes(s) {
                out.extend_from_slice(format!("{b:02x}").as_bytes());
            }
            return;
        }
        d => cell_text(batch, d, scratch),
    }
    for b in scratch.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            other => out.push(other),
        }
    }
}

/// A column value as the server sent it (binary format), decoded by [`decode`].
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

fn fixed<const N: usize>(raw: &[u8], column: &Column) -> Result<[u8; N], DbError> {
    raw.try_into().map_err(|_| {
        DbError::Value(format!(
            "column '{}': expected {N} bytes of {}, got {}",
            column.name,
            column.db_type,
            raw.len()
        ))
    })
}

fn decode(raw: Option<&[u8]>, column: &Column, batch: &mut Batch) -> Result<(), DbError> {
    let Some(raw) = raw else {
        batch.push(Datum::Null);
        return Ok(());
    };
    fn text<'r>(raw: &'r [u8], column: &Column) -> Result<&'r str, DbError> {
        std::str::from_utf8(raw).map_err(|_| {
            DbError::Value(format!(
                "column '{}': the server sent text that is not UTF-8",
                column.name
            ))
        })
    }
    match column.decode {
        Decode::Bool => batch.push(Datum::Bool(raw.first().is_some_and(|b| *b != 0))),
        Decode::SmallInt => batch.push(Datum::SmallInt(i16::from_be_bytes(fixed(raw, column)?))),
        Decode::Int => batch.push(Datum::Int(i32::from_be_bytes(fixed(raw, column)?))),
        Decode::BigInt => batch.push(Datum::BigInt(i64::from_be_bytes(fixed(raw, column)?))),
        Decode::Float => batch.push(Datum::Float(f32::from_be_bytes(fixed(raw, column)?))),
        Decode::Double => batch.push(Datum::Double(f64::from_be_bytes(fixed(raw, column)?))),
        Decode::Decimal => {
            let mut s = String::new();
            numeric_text(raw, &mut s)
                .map_err(|why| DbError::Value(format!("column '{}': {why}", column.name)))?;
            batch.push_decimal_text(&s);
        }
        Decode::Text => batch.push_str(text(raw, column)?),
        Decode::Jsonb => batch.push_str(text(raw.get(1..).unwrap_or_default(), column)?),
        Decode::Uuid => {
            let b: [u8; 16] = fixed(raw, column)?;
            let h = |r: std::ops::Range<usize>| {
                b[r].iter().map(|x| format!("{x:02x}")).collect::<String>()
            };
            batch.push_fmt(format_args!(
                "{}-{}-{}-{}-{}",
                h(0..4),
                h(4..6),
                h(6..8),
                h(8..10),
                h(10..16)
            ));
        }
        Decode::HexText => {
            let mut s = String::with_capacity(raw.len() * 2);
            for b in raw {
                s.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
                s.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
            }
            batch.push_str(&s);
        }
        Decode::PgBits => {
            // The bit count, then the bits, most significant first.
            let (count, bits) = raw.split_at_checked(4).ok_or_else(|| {
                DbError::Value(format!("column '{}': a malformed bit string", column.name))
            })?;
            let count = u32::from_be_bytes(count.try_into().expect("4 bytes")) as usize;
            let bit = |i: usize| bits.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0);
            if column.data_type == seatunnel_data::DataType::Boolean {
                batch.push(Datum::Bool(bit(0)));
            } else {
                let text: String = (0..count).map(|i| if bit(i) { '1' } else { '0' }).collect();
                batch.push_str(&text);
            }
        }
        Decode::TimeUtc => {
            let (micros, zone) = raw.split_at_checked(8).ok_or_else(|| {
                DbError::Value(format!("column '{}': a malformed timetz", column.name))
            })?;
            let micros = i64::from_be_bytes(micros.try_into().expect("8 bytes"));
            // The zone is stored as seconds west of UTC: local + zone = UTC.
            let zone = i32::from_be_bytes(zone.try_into().map_err(|_| {
                DbError::Value(format!("column '{}': a malformed timetz", column.name))
            })?);
            let utc = (micros + i64::from(zone) * 1_000_000).rem_euclid(MICROS_PER_DAY);
            batch.push(Datum::Time(utc * 1000));
        }
        Decode::Inet => {
            let text = inet_text(raw).ok_or_else(|| {
                DbError::Value(format!("column '{}': a malformed inet value", column.name))
            })?;
            batch.push_str(&text);
        }
        Decode::Mac => {
            let parts: Vec<String> = raw.iter().map(|b| format!("{b:02x}")).collect();
            batch.push_str(&parts.join(":"));
        }
        Decode::Bytes => batch.push_bytes(raw),
        Decode::Date => {
            let days = i32::from_be_bytes(fixed(raw, column)?);
            if days == i32::MAX || days == i32::MIN {
                return Err(infinite(column));
            }
            batch.push(Datum::Date(days + PG_EPOCH_DAYS));
        }
        Decode::Time => batch.push(Datum::Time(i64::from_be_bytes(fixed(raw, column)?) * 1000)),
        Decode::Timestamp | Decode::TimestampUtc => {
            let micros = i64::from_be_bytes(fixed(raw, column)?);
            if micros == i64::MAX || micros == i64::MIN {
                return Err(infinite(column));
            }
            let nanos = micros
                .checked_add(PG_EPOCH_SECONDS * 1_000_000)
                .and_then(|m| m.checked_mul(1000))
                .ok_or_else(|| out_of_range(column, &format!("{micros} µs after 2000-01-01")))?;
            batch.push(Datum::Timestamp(nanos));
        }
        Decode::TinyInt | Decode::Bit | Decode::UnsignedBigInt => {
            unreachable!("{:?} is a MySQL decoding", column.decode)
        }
    }
    Ok(())
}

/// PostgreSQL's binary `inet`/`cidr` (family, bits, is-cidr, length, address) as `inet_out`
/// prints it: the address, then `/bits` for a cidr or a network narrower than a host.
fn inet_text(raw: &[u8]) -> Option<String> {
    const AF_INET: u8 = 2;
    let [family, bits, is_cidr, len, address @ ..] = raw else {
        return None;
    };
    let (ip, full) = if *family == AF_INET {
        let a: [u8; 4] = address.get(..usize::from(*len))?.try_into().ok()?;
        (std::net::IpAddr::from(a), 32)
    } else {
        let a: [u8; 16] = address.get(..usize::from(*len))?.try_into().ok()?;
        (std::net::IpAddr::from(a), 128)
    };
    Some(if *is_cidr != 0 || *bits != full {
        format!("{ip}/{bits}")
    } else {
        ip.to_string()
    })
}

fn infinite(column: &Column) -> DbError {
    DbError::Value(format!(
        "column '{}' holds infinity, which SeaTunnel's {} cannot represent; filter it out in the query",
        column.name, column.data_type
    ))
}

/// PostgreSQL's binary `numeric` (base-10000 digit groups) as plain decimal text with exactly
/// `dscale` fraction digits, as `numeric_out` prints it.
fn numeric_text(raw: &[u8], out: &mut String) -> Result<(), &'static str> {
    const NEGATIVE: u16 = 0x4000;
    const NAN: u16 = 0xC000;
    let word = |i: usize| -> Result<u16, &'static str> {
        raw.get(i * 2..i * 2 + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or("truncated numeric")
    };
    let ndigits = word(0)? as usize;
    let weight = word(1)? as i16 as i32;
    let sign = word(2)?;
    let dscale = word(3)? as usize;
    if sign >= NAN {
        return Err("NaN and infinity do not fit a decimal; filter them out in the query");
    }
    let digit = |i: i32| -> Result<u16, &'static str> {
        if i < 0 || i as usize >= ndigits {
            Ok(0)
        } else {
            word(4 + i as usize)
        }
    };
    if sign == NEGATIVE && ndigits > 0 {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for i in 0..=weight {
            let d = digit(i)?;
            if i == 0 {
                out.push_str(&d.to_string());
            } else {
                out.push_str(&format!("{d:04}"));
            }
        }
    }
    if dscale > 0 {
        out.push('.');
        let mut written = 0;
        let mut i = weight + 1;
        while written < dscale {
            let group = format!("{:04}", digit(i)?);
            let take = (dscale - written).min(4);
            out.push_str(&group[..take]);
            written += take;
            i += 1;
        }
    }
    Ok(())
}

/// One cell of a batch as a statement parameter.
#[derive(Debug)]
struct Cell<'a> {
    batch: &'a Batch,
    datum: Datum,
}

impl Cell<'_> {
    /// Whether the binary format of `ty` is this datum's own bytes (or a plain widening).
    fn binary(&self, ty: &Type) -> bool {
        matches!(
            (self.datum, ty),
            (Datum::Bool(_), &Type::BOOL)
                | (
                    Datum::TinyInt(_) | Datum::SmallInt(_) | Datum::Int(_) | Datum::BigInt(_),
                    &Type::INT8
                )
                | (
                    Datum::TinyInt(_) | Datum::SmallInt(_) | Datum::Int(_),
                    &Type::INT4
                )
                | (Datum::TinyInt(_) | Datum::SmallInt(_), &Type::INT2)
                | (Datum::Float(_), &Type::FLOAT4 | &Type::FLOAT8)
                | (Datum::Double(_), &Type::FLOAT8)
                | (Datum::Bytes(_), &Type::BYTEA)
        )
    }
}

impl ToSql for Cell<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        if self.datum == Datum::Null {
            return Ok(IsNull::Yes);
        }
        if self.binary(ty) {
            let int = |d: Datum| match d {
                Datum::TinyInt(v) => v as i64,
                Datum::SmallInt(v) => v as i64,
                Datum::Int(v) => v as i64,
                Datum::BigInt(v) => v,
                _ => 0,
            };
            match (self.datum, ty) {
                (Datum::Bool(b), _) => out.put_u8(u8::from(b)),
                (Datum::Float(v), &Type::FLOAT4) => out.put_f32(v),
                (Datum::Float(v), _) => out.put_f64(f64::from(v)),
                (Datum::Double(v), _) => out.put_f64(v),
                (Datum::Bytes(s), _) => out.put_slice(self.batch.bytes(s)),
                (d, &Type::INT2) => out.put_i16(int(d) as i16),
                (d, &Type::INT4) => out.put_i32(int(d) as i32),
                (d, _) => out.put_i64(int(d)),
            }
            return Ok(IsNull::No);
        }
        let mut text = String::new();
        match self.datum {
            // bytea's text input: `\x` and hex digits.
            Datum::Bytes(s) => {
                text.push_str("\\x");
                for b in self.batch.bytes(s) {
                    text.push_str(&format!("{b:02x}"));
                }
            }
            d => cell_text(self.batch, d, &mut text),
        }
        out.put_slice(text.as_bytes());
        Ok(IsNull::No)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    fn encode_format(&self, ty: &Type) -> Format {
        if self.binary(ty) {
            Format::Binary
        } else {
            Format::Text
        }
    }
    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(words: &[u16]) -> String {
        let raw: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
        let mut s = String::new();
        numeric_text(&raw, &mut s).unwrap();
        s
    }

    #[test]
    fn numerics_print_with_their_display_scale() {
        // 12345.678 (dscale 3): groups 1, 2345, 6780; weight 1.
        assert_eq!(numeric(&[3, 1, 0, 3, 1, 2345, 6780]), "12345.678");
        // -0.05 (dscale 2): group 500 at weight -1.
        assert_eq!(numeric(&[1, 0xffff, 0x4000, 2, 500]), "-0.05");
        // 0 with dscale 2.
        assert_eq!(numeric(&[0, 0, 0, 2]), "0.00");
        // 100000000 (dscale 0): group 1 at weight 2, trailing zero groups omitted.
        assert_eq!(numeric(&[1, 2, 0, 0, 1]), "100000000");
    }

    #[test]
    fn inet_values_print_as_postgresql_prints_them() {
        assert_eq!(inet_text(&[2, 32, 0, 4, 10, 1, 2, 3]).unwrap(), "10.1.2.3");
        assert_eq!(inet_text(&[2, 8, 1, 4, 10, 0, 0, 0]).unwrap(), "10.0.0.0/8");
        assert_eq!(
            inet_text(&[2, 24, 0, 4, 192, 168, 1, 7]).unwrap(),
            "192.168.1.7/24"
        );
        let mut v6 = vec![3, 128, 0, 16];
        v6.extend([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(inet_text(&v6).unwrap(), "2001:db8::1");
        assert!(inet_text(&[2, 32, 0, 4, 10]).is_none());
    }

    #[test]
    fn nan_numerics_are_refused() {
        let raw: Vec<u8> = [0u16, 0, 0xC000, 0]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        assert!(numeric_text(&raw, &mut String::new()).is_err());
    }
}
