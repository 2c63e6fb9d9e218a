//! One database connection, whatever the dialect: what the source and sink need from a driver,
//! and nothing else. Each dialect's file holds its client and its value conversions; SQL text
//! that differs by dialect lives in `crate::catalog` (DDL, keys) and `crate::split` (quoting).

mod mysql;
mod postgres;
mod sqlite;

use std::time::Duration;

use seatunnel_connector::ConnectorError;
use seatunnel_data::{Batch, Datum, Value};

use crate::types::{Column, Unmappable};
use crate::url::{Dialect, JdbcUrl};

/// A failed database call: the driver's own message, kept verbatim for the job's error.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Driver(String),
    #[error(transparent)]
    Unmappable(#[from] Unmappable),
    /// A value that does not fit the column it was read from or is written to.
    #[error("{0}")]
    Value(String),
    /// The database went away (refused or lost the connection, shut down): the same work may
    /// succeed once it is back ([`ConnectorError::Unavailable`]).
    #[error("{0}")]
    Unavailable(String),
}

impl DbError {
    /// A connector error with `message` (which names this error), of the kind the engine
    /// restarts a pipeline for when the database went away.
    pub fn to_connector(&self, message: String) -> ConnectorError {
        match self {
            DbError::Unavailable(_) => ConnectorError::Unavailable(message),
            _ => ConnectorError::Runtime(message),
        }
    }
}

/// Whether a client's error means the database went away rather than refused the work.
pub trait WentAway {
    fn went_away(&self) -> bool;
}

impl WentAway for tokio_postgres::Error {
    fn went_away(&self) -> bool {
        if let Some(db) = self.as_db_error() {
            // SQLSTATE class 08 (connection exception) and 57P01-57P03 (admin or crash
            // shutdown, cannot connect now).
            let code = db.code().code();
            return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03");
        }
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            if cause.is::<std::io::Error>() {
                return true;
            }
            source = cause.source();
        }
        self.is_closed()
    }
}

impl WentAway for ::mysql::Error {
    fn went_away(&self) -> bool {
        use ::mysql::DriverError as D;
        /// ER_SERVER_SHUTDOWN, CR_SERVER_GONE_ERROR, CR_SERVER_LOST.
        const GONE: [u16; 3] = [1053, 2006, 2013];
        match self {
            ::mysql::Error::IoError(_) | ::mysql::Error::CodecError(_) => true,
            ::mysql::Error::DriverError(
                D::ConnectTimeout | D::CouldNotConnect(_) | D::Timeout | D::PacketOutOfSync,
            ) => true,
            ::mysql::Error::MySqlError(e) => GONE.contains(&e.code),
            _ => false,
        }
    }
}

impl WentAway for rusqlite::Error {
    /// A file does not go away the way a server does.
    fn went_away(&self) -> bool {
        false
    }
}

impl DbError {
    pub fn driver(context: &str, e: impl std::fmt::Display) -> DbError {
        DbError::Driver(format!("{context}: {e}"))
    }
}

/// Maps a client's error to [`DbError::Driver`] with its causes: tokio-postgres prints only
/// "db error" and keeps what the server said as the source, which is what a user needs.
pub fn driver<E: std::error::Error + WentAway>(context: &str) -> impl FnOnce(E) -> DbError + '_ {
    move |e| {
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        let message = format!("{context}: {message}");
        if e.went_away() {
            DbError::Unavailable(message)
        } else {
            DbError::Driver(message)
        }
    }
}

/// Where and as whom to connect. Its `Debug` never shows the password.
#[derive(Clone)]
pub struct ConnectSpec {
    pub url: JdbcUrl,
    pub user: Option<String>,
    pub password: Option<String>,
    /// `connection_check_timeout_sec`: how long connecting may take.
    pub timeout: Duration,
}

impl std::fmt::Debug for ConnectSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectSpec")
            .field("url", &self.url)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "******"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Called with a batch of at most `fetch_size` rows; `false` stops the scan (the reader went
/// away). The callee may swap the batch out for an empty one.
pub type Emit<'a> = dyn FnMut(&mut Batch) -> bool + 'a;

pub trait Db: Send {
    fn dialect(&self) -> Dialect;
    /// The result columns `query` would return, without running it.
    fn describe(&mut self, query: &str) -> Result<Vec<Column>, DbError>;
    /// Runs `query` with `params` (one row of `params_batch`, or none) and hands its rows to
    /// `emit`, decoded as `columns` say, at most `fetch_size` at a time: memory stays bounded by
    /// `fetch_size`, never by the result.
    fn scan(
        &mut self,
        query: &str,
        params: &[Value],
        columns: &[Column],
        fetch_size: usize,
        batch: &mut Batch,
        emit: &mut Emit<'_>,
    ) -> Result<(), DbError>;
    /// Runs statements that return no rows (DDL, `BEGIN`, `XA …`), `;`-separated allowed.
    fn execute(&mut self, sql: &str) -> Result<(), DbError>;
    /// Executes `sql` (parameterized with `?`/`$n` as the dialect wants) once per row in `rows`,
    /// binding the cells at `cols` in order. Within the open transaction, if any.
    fn write(
        &mut self,
        sql: &str,
        batch: &Batch,
        rows: &[usize],
        cols: &[usize],
    ) -> Result<(), DbError>;

    /// Streams the rows through `copy` (`COPY … FROM STDIN`, text format), binding the cells at
    /// `cols` in order. PostgreSQL only.
    fn copy_in(
        &mut self,
        _copy: &str,
        _batch: &Batch,
        _rows: &[usize],
        _cols: &[usize],
    ) -> Result<(), DbError> {
        Err(DbError::Driver(format!("{} has no COPY", self.dialect())))
    }

    // ---- two-phase commit (XA on MySQL, prepared transactions on PostgreSQL) ----
    // A transaction named `xid` is begun, written to, prepared (it then survives the
    // connection and a server restart), and later committed or rolled back by name from any
    // connection.

    /// Begins transaction `xid`.
    fn xa_begin(&mut self, _xid: &str) -> Result<(), DbError> {
        Err(no_two_phase(self.dialect()))
    }
    /// Ends and prepares the open transaction `xid`.
    fn xa_prepare(&mut self, _xid: &str) -> Result<(), DbError> {
        Err(no_two_phase(self.dialect()))
    }
    fn xa_commit(&mut self, _xid: &str) -> Result<(), DbError> {
        Err(no_two_phase(self.dialect()))
    }
    fn xa_rollback(&mut self, _xid: &str) -> Result<(), DbError> {
        Err(no_two_phase(self.dialect()))
    }
    /// The prepared transactions whose names start with `prefix`.
    fn xa_recover(&mut self, _prefix: &str) -> Result<Vec<String>, DbError> {
        Err(no_two_phase(self.dialect()))
    }
}

fn no_two_phase(dialect: Dialect) -> DbError {
    DbError::Driver(format!("{dialect} has no two-phase commit"))
}

/// Transaction names are ours (`crate::xa`): letters, digits and dashes only, so writing them
/// as a quoted literal is safe.
pub fn xid_literal(xid: &str) -> String {
    assert!(
        xid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        "transaction names are made by crate::xa"
    );
    format!("'{xid}'")
}

/// Opens a connection for the URL's dialect.
pub fn connect(spec: &ConnectSpec) -> Result<Box<dyn Db>, DbError> {
    Ok(match spec.url.dialect {
        Dialect::Postgres => Box::new(postgres::Pg::connect(spec)?),
        Dialect::MySql => Box::new(mysql::My::connect(spec)?),
        Dialect::Sqlite => Box::new(sqlite::Lite::connect(spec)?),
    })
}

/// Runs a small query and returns its rows as values: catalog lookups and split bounds, never
/// table data.
pub fn query_values(
    db: &mut dyn Db,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Vec<Value>>, DbError> {
    let columns = db.describe(sql)?;
    let schema = crate::source::schema_of(&columns, seatunnel_data::TablePath::parse("query"));
    let mut batch = Batch::new(schema);
    let mut out = Vec::new();
    db.scan(
        sql,
        params,
        &columns,
        SMALL_QUERY_FETCH,
        &mut batch,
        &mut |b| {
            out.extend((0..b.len()).map(|r| b.row_values(r)));
            b.clear();
            true
        },
    )?;
    Ok(out)
}

/// Nanoseconds since 1970 of a timestamp read from `column`: a batch carries timestamps as i64
/// nanoseconds (1677-09-21 to 2262-04-11), databases hold wider ones (`9999-12-31` sentinels),
/// and such a value fails naming the column instead of wrapping around.
pub fn timestamp_nanos(ts: chrono::NaiveDateTime, column: &Column) -> Result<i64, DbError> {
    use seatunnel_data::temporal;
    const NANOS_PER_DAY: i64 = 86_400_000_000_000;
    i64::from(temporal::date_to_days(ts.date()))
        .checked_mul(NANOS_PER_DAY)
        .and_then(|n| n.checked_add(temporal::time_to_nanos(ts.time())))
        .ok_or_else(|| out_of_range(column, &ts.to_string()))
}

/// A timestamp outside what a row can carry.
pub fn out_of_range(column: &Column, value: &str) -> DbError {
    DbError::Value(format!(
        "column '{}' holds {value}, outside the timestamps a row can carry (1677-09-21 to 2262-04-11); filter it out or cast it in the query",
        column.name
    ))
}

/// Small parameters (split bounds, catalog names) as the one row of a batch, so every dialect
/// binds them exactly as it binds written cells.
pub fn params_batch(values: &[Value]) -> Batch {
    let fields = values
        .iter()
        .enumerate()
        .map(|(i, v)| seatunnel_data::Field::new(format!("p{i}"), v.data_type()))
        .collect();
    let mut batch = Batch::new(seatunnel_data::TableSchema::new(
        seatunnel_data::TablePath::parse("params"),
        fields,
    ));
    batch.begin_row(seatunnel_data::RowKind::Insert);
    for v in values {
        batch.push_value(v);
    }
    batch
}

/// Rows fetched at a time by [`query_values`].
const SMALL_QUERY_FETCH: usize = 1024;

/// Text of one cell for a database that parses it (PostgreSQL's text format, SQLite's and
/// MySQL's string parameters): ISO dates and times, plain decimals, shortest round-trip floats.
pub fn cell_text(batch: &Batch, datum: Datum, out: &mut String) {
    use seatunnel_data::temporal::*;
    use std::fmt::Write as _;
    match datum {
        Datum::Null => {}
        Datum::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Datum::TinyInt(v) => write!(out, "{v}").unwrap(),
        Datum::SmallInt(v) => write!(out, "{v}").unwrap(),
        Datum::Int(v) => write!(out, "{v}").unwrap(),
        Datum::BigInt(v) => write!(out, "{v}").unwrap(),
        Datum::Float(v) => float_text(f64::from(v), &v, out),
        Datum::Double(v) => float_text(v, &v, out),
        Datum::Decimal(s) | Datum::String(s) => out.push_str(batch.str(s)),
        Datum::Bytes(s) => out.push_str(&String::from_utf8_lossy(batch.bytes(s))),
        Datum::Date(d) => write!(out, "{}", days_to_date(d).format("%Y-%m-%d")).unwrap(),
        Datum::Time(t) => write!(out, "{}", nanos_to_time(t).format("%H:%M:%S%.f")).unwrap(),
        Datum::Timestamp(t) => write!(
            out,
            "{}",
            nanos_to_timestamp(t).format("%Y-%m-%d %H:%M:%S%.f")
        )
        .unwrap(),
        // Sinks refuse nested columns at plan time; this is only reached by a broken plan.
        Datum::Nested(i) => write!(out, "{}", batch.nested(i)).unwrap(),
    }
}

/// `Infinity`/`NaN` as databases spell them; otherwise the shortest digits that round-trip in
/// the value's own width (`shortest`: a FLOAT's 0.1 stays `0.1`, not its f64 expansion).
fn float_text(v: f64, shortest: &dyn std::fmt::Display, out: &mut String) {
    use std::fmt::Write as _;
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        write!(out, "{shortest}").unwrap();
    }
}
