//! [`Batch`]: many rows of one table in flat vectors.
//!
//! Invariants:
//! - `cells.len() == kinds.len() * width`; row `i` is `cells[i*width .. (i+1)*width]`.
//! - Every `Datum::String` span lies inside `arena` on UTF-8 boundaries (only [`Batch::push_str`]
//!   and [`Batch::push_fmt`] create them), so reading it back needs no check.
//! - `Datum::Nested(i)` indexes `nested`.
//!
//! A producer reuses one batch by calling [`Batch::clear`], which keeps every allocation.

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::table::TableSchema;
use super::value::{byte_size, java_len, Value};
use super::RowKind;

/// A byte range inside a batch's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub len: u32,
}

/// One field of one row, as stored in a batch. Variable-length payloads live in the arena.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Datum {
    Null,
    Bool(bool),
    TinyInt(i8),
    SmallInt(i16),
    Int(i32),
    BigInt(i64),
    Float(f32),
    Double(f64),
    /// The decimal's plain text (`-12.50`) in the arena.
    Decimal(Span),
    String(Span),
    Bytes(Span),
    /// Days since 1970-01-01.
    Date(i32),
    /// Nanoseconds since midnight.
    Time(i64),
    /// Nanoseconds since 1970-01-01T00:00:00, no time zone (a `LocalDateTime`).
    Timestamp(i64),
    /// Arrays, maps and rows: an index into the batch's nested values.
    Nested(u32),
}

const NANOS_PER_DAY: i64 = 86_400_000_000_000;

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")
}

/// Converts between chrono types and the compact integers a [`Datum`] stores.
pub mod temporal {
    use super::*;

    pub fn date_to_days(d: NaiveDate) -> i32 {
        (d - epoch()).num_days() as i32
    }
    pub fn days_to_date(days: i32) -> NaiveDate {
        epoch() + chrono::Duration::days(days as i64)
    }
    pub fn time_to_nanos(t: NaiveTime) -> i64 {
        t.num_seconds_from_midnight() as i64 * 1_000_000_000 + t.nanosecond() as i64
    }
    pub fn nanos_to_time(n: i64) -> NaiveTime {
        let n = n.rem_euclid(NANOS_PER_DAY);
        NaiveTime::from_num_seconds_from_midnight_opt(
            (n / 1_000_000_000) as u32,
            (n % 1_000_000_000) as u32,
        )
        .expect("in range")
    }
    pub fn timestamp_to_nanos(ts: NaiveDateTime) -> i64 {
        date_to_days(ts.date()) as i64 * NANOS_PER_DAY + time_to_nanos(ts.time())
    }
    pub fn nanos_to_timestamp(n: i64) -> NaiveDateTime {
        let days = n.div_euclid(NANOS_PER_DAY);
        days_to_date(days as i32).and_time(nanos_to_time(n.rem_euclid(NANOS_PER_DAY)))
    }
}

#[derive(Debug, Clone)]
pub struct Batch {
    schema: Arc<TableSchema>,
    width: usize,
    kinds: Vec<RowKind>,
    cells: Vec<Datum>,
    arena: Vec<u8>,
    nested: Vec<Value>,
}

impl Batch {
    pub fn new(schema: Arc<TableSchema>) -> Batch {
        Batch::with_capacity(schema, 0)
    }

    pub fn with_capacity(schema: Arc<TableSchema>, rows: usize) -> Batch {
        let width = schema.width();
        Batch {
            schema,
            width,
            kinds: Vec::with_capacity(rows),
            cells: Vec::with_capacity(rows * width),
            arena: Vec::new(),
            nested: Vec::new(),
        }
    }

    pub fn schema(&self) -> &Arc<TableSchema> {
        &self.schema
    }

    /// Number of complete rows.
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    pub fn width(&self) -> usize {
        self.width
    }

    /// Empties the batch but keeps its buffers for the next fill.
    pub fn clear(&mut self) {
        self.kinds.clear();
        self.cells.clear();
        self.arena.clear();
        self.nested.clear();
    }

    /// Points the batch at another table (clearing it), keeping buffers.
    pub fn reset(&mut self, schema: Arc<TableSchema>) {
        self.clear();
        self.width = schema.width();
        self.schema = schema;
    }

    pub fn kind(&self, row: usize) -> RowKind {
        self.kinds[row]
    }

    pub fn set_kind(&mut self, row: usize, kind: RowKind) {
        self.kinds[row] = kind;
    }

    pub fn row(&self, row: usize) -> &[Datum] {
        &self.cells[row * self.width..(row + 1) * self.width]
    }

    pub fn get(&self, row: usize, col: usize) -> Datum {
        self.cells[row * self.width + col]
    }

    pub fn str(&self, span: Span) -> &str {
        let bytes = self.bytes(span);
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: string spans are only created by push_str/push_fmt from valid `str` data and
        // the arena is append-only between clears, so the range holds complete UTF-8.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    pub fn bytes(&self, span: Span) -> &[u8] {
        &self.arena[span.start as usize..(span.start + span.len) as usize]
    }

    pub fn nested(&self, index: u32) -> &Value {
        &self.nested[index as usize]
    }

    // ---- building rows: begin_row, then exactly `width` pushes ----

    /// Starts a row; the caller must push exactly `width` cells next.
    pub fn begin_row(&mut self, kind: RowKind) {
        debug_assert_eq!(
            self.cells.len(),
            self.kinds.len() * self.width,
            "previous row incomplete"
        );
        self.kinds.push(kind);
    }

    pub fn push(&mut self, datum: Datum) {
        self.cells.push(datum);
    }

    fn span_from(&self, start: usize) -> Span {
        Span {
            start: start as u32,
            len: (self.arena.len() - start) as u32,
        }
    }

    pub fn push_str(&mut self, s: &str) {
        let start = self.arena.len();
        self.arena.extend_from_slice(s.as_bytes());
        let span = self.span_from(start);
        self.cells.push(Datum::String(span));
    }

    /// Formats straight into the arena: a string field with no intermediate `String`.
    pub fn push_fmt(&mut self, args: std::fmt::Arguments<'_>) {
        let start = self.arena.len();
        let mut w = ArenaWriter(&mut self.arena);
        w.write_fmt(args).expect("writing to a Vec cannot fail");
        let span = self.span_from(start);
        self.cells.push(Datum::String(span));
    }

    pub fn push_bytes(&mut self, b: &[u8]) {
        let start = self.arena.len();
        self.arena.extend_from_slice(b);
        let span = self.span_from(start);
        self.cells.push(Datum::Bytes(span));
    }

    pub fn push_decimal_text(&mut self, text: &str) {
        let start = self.arena.len();
        self.arena.extend_from_slice(text.as_bytes());
        let span = self.span_from(start);
        self.cells.push(Datum::Decimal(span));
    }

    pub fn push_nested(&mut self, v: Value) {
        self.nested.push(v);
        self.cells
            .push(Datum::Nested((self.nested.len() - 1) as u32));
    }

    /// Pushes an owned value in its compact form.
    pub fn push_value(&mut self, v: &Value) {
        use temporal::*;
        match v {
            Value::Null => self.push(Datum::Null),
            Value::Bool(b) => self.push(Datum::Bool(*b)),
            Value::TinyInt(x) => self.push(Datum::TinyInt(*x)),
            Value::SmallInt(x) => self.push(Datum::SmallInt(*x)),
            Value::Int(x) => self.push(Datum::Int(*x)),
            Value::BigInt(x) => self.push(Datum::BigInt(*x)),
            Value::Float(x) => self.push(Datum::Float(*x)),
            Value::Double(x) => self.push(Datum::Double(*x)),
            Value::Decimal(d) => self.push_decimal_text(&d.to_plain_string()),
            Value::String(s) => self.push_str(s),
            Value::Bytes(b) => self.push_bytes(b),
            Value::Date(d) => self.push(Datum::Date(date_to_days(*d))),
            Value::Time(t) => self.push(Datum::Time(time_to_nanos(*t))),
            Value::Timestamp(ts) => self.push(Datum::Timestamp(timestamp_to_nanos(*ts))),
            Value::Array(_) | Value::Map(_) | Value::Row(_) => self.push_nested(v.clone()),
        }
    }

    /// Copies a cell of another batch into this one, moving its payload into this arena.
    pub fn push_from(&mut self, src: &Batch, datum: Datum) {
        match datum {
            Datum::String(span) => self.push_str(src.str(span)),
            Datum::Bytes(span) => self.push_bytes(src.bytes(span)),
            Datum::Decimal(span) => self.push_decimal_text(src.str(span)),
            Datum::Nested(i) => self.push_nested(src.nested(i).clone()),
            fixed => self.push(fixed),
        }
    }

    /// Appends a whole row of another batch with the same width.
    pub fn push_row_from(&mut self, src: &Batch, row: usize) {
        self.begin_row(src.kind(row));
        for &d in src.row(row) {
            self.push_from(src, d);
        }
    }

    /// Drops the last row started; used when a transform decides mid-row to skip it.
    pub fn truncate_rows(&mut self, rows: usize) {
        self.kinds.truncate(rows);
        self.cells.truncate(rows * self.width);
    }

    // ---- reading as owned values ----

    /// One field as an owned [`Value`], typed by the column's declared type.
    pub fn value(&self, row: usize, col: usize) -> Value {
        self.datum_value(self.get(row, col))
    }

    pub fn datum_value(&self, d: Datum) -> Value {
        use temporal::*;
        match d {
            Datum::Null => Value::Null,
            Datum::Bool(b) => Value::Bool(b),
            Datum::TinyInt(x) => Value::TinyInt(x),
            Datum::SmallInt(x) => Value::SmallInt(x),
            Datum::Int(x) => Value::Int(x),
            Datum::BigInt(x) => Value::BigInt(x),
            Datum::Float(x) => Value::Float(x),
            Datum::Double(x) => Value::Double(x),
            Datum::Decimal(s) => Value::Decimal(self.str(s).parse().unwrap_or_default()),
            Datum::String(s) => Value::String(self.str(s).to_string()),
            Datum::Bytes(s) => Value::Bytes(self.bytes(s).to_vec()),
            Datum::Date(x) => Value::Date(days_to_date(x)),
            Datum::Time(x) => Value::Time(nanos_to_time(x)),
            Datum::Timestamp(x) => Value::Timestamp(nanos_to_timestamp(x)),
            Datum::Nested(i) => self.nested(i).clone(),
        }
    }

    /// The row as owned values.
    pub fn row_values(&self, row: usize) -> Vec<Value> {
        (0..self.width).map(|c| self.value(row, c)).collect()
    }

    /// SeaTunnel's `getBytesSize` for one row, the unit of the byte metrics.
    pub fn row_bytes_size(&self, row: usize) -> usize {
        self.row(row)
            .iter()
            .map(|&d| self.datum_bytes_size(d))
            .sum()
    }

    fn datum_bytes_size(&self, d: Datum) -> usize {
        match d {
            Datum::Null => 0,
            Datum::Bool(_) | Datum::TinyInt(_) => 1,
            Datum::SmallInt(_) => 2,
            Datum::Int(_) | Datum::Float(_) => 4,
            Datum::BigInt(_) | Datum::Double(_) => 8,
            Datum::Decimal(_) => byte_size::DECIMAL,
            Datum::String(s) => java_len(self.str(s)),
            Datum::Bytes(s) => s.len as usize,
            Datum::Date(_) => byte_size::DATE,
            Datum::Time(_) => byte_size::TIME,
            Datum::Timestamp(_) => byte_size::TIMESTAMP,
            Datum::Nested(i) => self.nested(i).bytes_size(),
        }
    }

    /// Total byte size of all rows.
    pub fn bytes_size(&self) -> usize {
        (0..self.len()).map(|r| self.row_bytes_size(r)).sum()
    }
}

struct ArenaWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for ArenaWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DataType, Field, TablePath};

    fn schema() -> Arc<TableSchema> {
        TableSchema::new(
            TablePath::parse("fake"),
            vec![
                Field::new("name", DataType::String),
                Field::new("age", DataType::Int),
            ],
        )
    }

    #[test]
    fn rows_round_trip_through_values() {
        let mut b = Batch::new(schema());
        b.begin_row(RowKind::Insert);
        b.push_str("alice");
        b.push(Datum::Int(30));
        b.begin_row(RowKind::Delete);
        b.push_fmt(format_args!("bob{}", 2));
        b.push(Datum::Null);
        assert_eq!(b.len(), 2);
        assert_eq!(
            b.row_values(1),
            vec![Value::String("bob2".into()), Value::Null]
        );
        assert_eq!(b.kind(1), RowKind::Delete);
        assert_eq!(b.bytes_size(), 5 + 4 + 4);
    }

    #[test]
    fn clear_keeps_capacity() {
        let mut b = Batch::with_capacity(schema(), 16);
        b.begin_row(RowKind::Insert);
        b.push_str("x");
        b.push(Datum::Int(1));
        b.clear();
        assert!(b.is_empty());
        assert!(b.cells.capacity() >= 32);
    }

    #[test]
    fn copying_between_batches_moves_payloads() {
        let mut a = Batch::new(schema());
        a.begin_row(RowKind::Insert);
        a.push_str("zed");
        a.push(Datum::Int(9));
        let mut b = Batch::new(schema());
        b.push_row_from(&a, 0);
        assert_eq!(b.value(0, 0), Value::String("zed".into()));
    }

    #[test]
    fn temporal_conversions_round_trip() {
        use temporal::*;
        let ts = NaiveDate::from_ymd_opt(1969, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 5)
            .unwrap();
        assert_eq!(nanos_to_timestamp(timestamp_to_nanos(ts)), ts);
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(days_to_date(date_to_days(d)), d);
    }
}
