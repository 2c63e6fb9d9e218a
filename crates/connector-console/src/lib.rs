//! `Console` sink: prints every row the way SeaTunnel's `ConsoleSinkWriter` logs it.
//!
//! Per table, a writer first prints `output rowType: name<STRING>, age<INT>` (Java's type
//! names), then one line per row:
//!
//! ```text
//! subtaskIndex=0  rowIndex=1:  SeaTunnelRow#tableId=fake SeaTunnelRow#kind=INSERT : alice, 12
//! ```
//!
//! Field text follows Java's `fieldToString`: a null field prints as nothing (`StringUtils.join`),
//! arrays and bytes as `[a, b]`, maps as JSON, nested rows as `[a, null]`, numbers and times as
//! Java's `toString` (`1.0E7`, `2024-01-02T03:04`, `1E-7` for small decimals). Dates and times
//! inside a map print as JSON strings (Java's Jackson, lacking its time module, would fail).
//! Row indexes count per table and per writer, starting at 1, like one Java writer per table.
//!
//! A batch is formatted into one reused buffer and written with a single `write_all`, so stdout
//! is locked once per batch, not per row. With `log.print.delay.ms` the writer flushes and
//! blocks its thread after every row; this is a debug option that deliberately slows the job.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;

use seatunnel_connector::{
    CommitInfo, ConnectorError, Options, PluginContext, Sink, SinkFactory, SinkWriter,
    WriterContext,
};
use seatunnel_data::{Batch, DataType, Datum, TablePath, TableSchema, Value};

/// Whether rows are printed at all (the schema line is printed either way, as in Java).
const PRINT_DATA: &str = "log.print.data";
/// Milliseconds to wait after each row.
const PRINT_DELAY_MS: &str = "log.print.delay.ms";

/// Where a writer prints; one destination per writer.
pub type OutputFactory = Arc<dyn Fn(&WriterContext) -> Box<dyn Write + Send> + Send + Sync>;

pub struct ConsoleSinkFactory {
    output: OutputFactory,
}

impl ConsoleSinkFactory {
    /// Prints to the process's stdout.
    pub fn new() -> ConsoleSinkFactory {
        ConsoleSinkFactory::with_output(|_| Box::new(std::io::stdout()))
    }

    /// Prints wherever `make` says, e.g. a buffer in tests or a per-job log file.
    pub fn with_output(
        make: impl Fn(&WriterContext) -> Box<dyn Write + Send> + Send + Sync + 'static,
    ) -> ConsoleSinkFactory {
        ConsoleSinkFactory {
            output: Arc::new(make),
        }
    }
}

impl Default for ConsoleSinkFactory {
    fn default() -> Self {
        ConsoleSinkFactory::new()
    }
}

impl SinkFactory for ConsoleSinkFactory {
    fn name(&self) -> &'static str {
        "Console"
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Sink>, ConnectorError> {
        let print_data = options.bool_or(PRINT_DATA, true)?;
        let delay_ms = options.i64_or(PRINT_DELAY_MS, 0)?;
        if delay_ms < 0 {
            return Err(options.invalid(
                PRINT_DELAY_MS,
                format!("must be 0 or more milliseconds, got {delay_ms}"),
            ));
        }
        Ok(Arc::new(ConsoleSink {
            print_data,
            delay: Duration::from_millis(delay_ms as u64),
            output: self.output.clone(),
        }))
    }
}

struct ConsoleSink {
    print_data: bool,
    delay: Duration,
    output: OutputFactory,
}

impl Sink for ConsoleSink {
    fn create_writer(&self, ctx: &WriterContext) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        Ok(Box::new(ConsoleWriter {
            out: (self.output)(ctx),
            subtask: ctx.subtask_index,
            print_data: self.print_data,
            delay: self.delay,
            tables: Vec::new(),
            buf: Vec::new(),
        }))
    }
}

struct ConsoleWriter {
    out: Box<dyn Write + Send>,
    subtask: usize,
    print_data: bool,
    delay: Duration,
    /// Tables seen so far with the number of rows printed for each.
    tables: Vec<(TablePath, u64)>,
    /// The text of the current batch, reused across batches.
    buf: Vec<u8>,
}

impl ConsoleWriter {
    fn flush_buf(&mut self) -> Result<(), ConnectorError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.out
            .write_all(&self.buf)
            .and_then(|_| self.out.flush())
            .map_err(|e| ConnectorError::io("console sink: cannot print rows", e))?;
        self.buf.clear();
        Ok(())
    }

    /// The counter slot of the batch's table, printing its schema line when it is new.
    fn table_slot(&mut self, schema: &TableSchema) -> usize {
        if let Some(i) = self.tables.iter().position(|(p, _)| *p == schema.path) {
            return i;
        }
        self.buf.extend_from_slice(b"output rowType: ");
        for (i, field) in schema.fields.iter().enumerate() {
            if i > 0 {
                self.buf.extend_from_slice(b", ");
            }
            let _ = write!(self.buf, "{}<", field.name);
            write_java_type(&mut self.buf, &field.data_type);
            self.buf.push(b'>');
        }
        self.buf.push(b'\n');
        self.tables.push((schema.path.clone(), 0));
        self.tables.len() - 1
    }
}

impl SinkWriter for ConsoleWriter {
    fn write(&mut self, batch: &Batch) -> Result<(), ConnectorError> {
        let slot = self.table_slot(batch.schema());
        for row in 0..batch.len() {
            if self.print_data {
                self.tables[slot].1 += 1;
                let _ = write!(
                    self.buf,
                    "subtaskIndex={}  rowIndex={}:  SeaTunnelRow#tableId={} SeaTunnelRow#kind={} : ",
                    self.subtask,
                    self.tables[slot].1,
                    batch.schema().path,
                    batch.kind(row).name()
                );
                for (i, &datum) in batch.row(row).iter().enumerate() {
                    if i > 0 {
                        self.buf.extend_from_slice(b", ");
                    }
                    write_cell(&mut self.buf, batch, datum);
                }
                self.buf.push(b'\n');
            }
            if !self.delay.is_zero() {
                self.flush_buf()?;
                // Blocks this task's thread on purpose: the option exists to slow printing down.
                std::thread::sleep(self.delay);
            }
        }
        self.flush_buf()
    }

    fn prepare_commit(&mut self) -> Result<Option<CommitInfo>, ConnectorError> {
        self.flush_buf()?;
        Ok(None)
    }

    fn close(&mut self) -> Result<(), ConnectorError> {
        self.flush_buf()?;
        self.out
            .flush()
            .map_err(|e| ConnectorError::io("console sink: cannot flush output", e))
    }
}

/// Java's `SeaTunnelDataType.toString`.
fn write_java_type(buf: &mut Vec<u8>, ty: &DataType) {
    match ty {
        DataType::Decimal { precision, scale } => {
            let _ = write!(buf, "Decimal({precision}, {scale})");
        }
        DataType::Array(inner) => {
            buf.extend_from_slice(b"ARRAY<");
            write_java_type(buf, inner);
            buf.push(b'>');
        }
        DataType::Map(k, v) => {
            buf.extend_from_slice(b"Map<");
            write_java_type(buf, k);
            buf.extend_from_slice(b", ");
            write_java_type(buf, v);
            buf.push(b'>');
        }
        DataType::Row(row) => {
            buf.extend_from_slice(b"ROW<");
            for (i, f) in row.fields.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                let _ = write!(buf, "{} ", f.name);
                write_java_type(buf, &f.data_type);
            }
            buf.push(b'>');
        }
        other => buf.extend_from_slice(other.sql_type_name().as_bytes()),
    }
}

/// One top-level field; a null prints as nothing.
fn write_cell(buf: &mut Vec<u8>, batch: &Batch, datum: Datum) {
    match datum {
        Datum::Null => {}
        Datum::String(span) => buf.extend_from_slice(batch.bytes(span)),
        Datum::Decimal(span) => write_java_decimal(buf, batch.str(span)),
        Datum::Bytes(span) => write_signed_bytes(buf, batch.bytes(span)),
        Datum::Nested(i) => write_field(buf, batch.nested(i)),
        // Fixed-size data: the owned value holds no heap data, and its Display is Java's.
        fixed => {
            let _ = write!(buf, "{}", batch.datum_value(fixed));
        }
    }
}

/// Java's `fieldToString` for a non-null value: arrays list `String.valueOf` of their items,
/// maps are JSON, rows recurse and show nulls as `null`.
fn write_field(buf: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Array(items) => write_list(buf, items, write_value_of),
        Value::Row(items) => write_list(buf, items, |buf, item| match item {
            Value::Null => buf.extend_from_slice(b"null"),
            other => write_field(buf, other),
        }),
        Value::Map(_) => write_json(buf, v),
        other => write_value_of(buf, other),
    }
}

/// Java's `String.valueOf`.
fn write_value_of(buf: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Decimal(d) => write_java_decimal(buf, &d.to_plain_string()),
        Value::String(s) => buf.extend_from_slice(s.as_bytes()),
        Value::Bytes(b) => write_signed_bytes(buf, b),
        Value::Array(items) | Value::Row(items) => write_list(buf, items, write_value_of),
        Value::Map(entries) => {
            buf.push(b'{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    buf.extend_from_slice(b", ");
                }
                write_value_of(buf, k);
                buf.push(b'=');
                write_value_of(buf, v);
            }
            buf.push(b'}');
        }
        other => {
            let _ = write!(buf, "{other}");
        }
    }
}

fn write_list(buf: &mut Vec<u8>, items: &[Value], each: impl Fn(&mut Vec<u8>, &Value)) {
    buf.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            buf.extend_from_slice(b", ");
        }
        each(buf, item);
    }
    buf.push(b']');
}

/// Java's `Arrays.toString(byte[])`: bytes are signed.
fn write_signed_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.push(b'[');
    for (i, &b) in bytes.iter().enumerate() {
        if i > 0 {
            buf.extend_from_slice(b", ");
        }
        let _ = write!(buf, "{}", b as i8);
    }
    buf.push(b']');
}

/// Java's `BigDecimal.toString` from plain decimal text: plain unless the adjusted exponent is
/// below -6, then scientific (`0.0000001` is `1E-7`, a zero of scale 18 is `0E-18`).
fn write_java_decimal(buf: &mut Vec<u8>, text: &str) {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        buf.extend_from_slice(text.as_bytes());
        return;
    }
    let all = int.bytes().chain(frac.bytes());
    let significant: Vec<u8> = all.skip_while(|&b| b == b'0').collect();
    let digits: &[u8] = if significant.is_empty() {
        b"0"
    } else {
        &significant
    };
    let adjusted = digits.len() as i64 - 1 - frac.len() as i64;
    if negative && !significant.is_empty() {
        buf.push(b'-');
    }
    if adjusted >= -6 {
        buf.extend_from_slice(if int.is_empty() { b"0" } else { int.as_bytes() });
        if !frac.is_empty() {
            buf.push(b'.');
            buf.extend_from_slice(frac.as_bytes());
        }
        return;
    }
    buf.push(digits[0]);
    if digits.len() > 1 {
        buf.push(b'.');
        buf.extend_from_slice(&digits[1..]);
    }
    let _ = write!(buf, "E{adjusted}");
}

/// Jackson's rendering of a map value.
fn write_json(buf: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => buf.extend_from_slice(b"null"),
        Value::Bool(_)
        | Value::TinyInt(_)
        | Value::SmallInt(_)
        | Value::Int(_)
        | Value::BigInt(_) => {
            let _ = write!(buf, "{v}");
        }
        Value::Float(x) if !x.is_finite() => write_json_str(buf, &v.to_string()),
        Value::Double(x) if !x.is_finite() => write_json_str(buf, &v.to_string()),
        Value::Float(_) | Value::Double(_) | Value::Decimal(_) => write_value_of(buf, v),
        Value::String(s) => write_json_str(buf, s),
        Value::Bytes(b) => {
            write_json_str(buf, &base64::engine::general_purpose::STANDARD.encode(b))
        }
        Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => {
            write_json_str(buf, &v.to_string())
        }
        Value::Array(items) | Value::Row(items) => {
            buf.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                write_json(buf, item);
            }
            buf.push(b']');
        }
        Value::Map(entries) => {
            buf.push(b'{');
            for (i, (k, val)) in entries.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                match k {
                    Value::String(s) => write_json_str(buf, s),
                    other => {
                        let mut key = Vec::new();
                        write_value_of(&mut key, other);
                        write_json_str(buf, &String::from_utf8_lossy(&key));
                    }
                }
                buf.push(b':');
                write_json(buf, val);
            }
            buf.push(b'}');
        }
    }
}

/// A JSON string as Jackson escapes it: quotes, backslashes and control characters only.
fn write_json_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    for c in s.chars() {
        match c {
            '"' => buf.extend_from_slice(b"\\\""),
            '\\' => buf.extend_from_slice(b"\\\\"),
            '\n' => buf.extend_from_slice(b"\\n"),
            '\r' => buf.extend_from_slice(b"\\r"),
            '\t' => buf.extend_from_slice(b"\\t"),
            '\u{8}' => buf.extend_from_slice(b"\\b"),
            '\u{c}' => buf.extend_from_slice(b"\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(buf, "\\u{:04X}", c as u32);
            }
            c => {
                let mut utf8 = [0u8; 4];
                buf.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }
    buf.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    use chrono::NaiveDate;
    use serde_json::{json, Value as Json};

    use seatunnel_connector::JobMode;
    use seatunnel_data::{Field, RowKind, RowType};

    /// A writer target the test can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn plugin_ctx() -> PluginContext {
        PluginContext {
            job_id: 7,
            job_mode: JobMode::Batch,
            plugin_name: "console".into(),
            default_parallelism: 1,
        }
    }

    fn writer_ctx(subtask: usize) -> WriterContext {
        WriterContext {
            job_id: 7,
            vertex_id: 1,
            job_mode: JobMode::Batch,
            pipeline_id: 1,
            subtask_index: subtask,
            parallelism: 2,
            restored: None,
        }
    }

    fn sink(options: Json, captured: &Captured) -> Result<Arc<dyn Sink>, ConnectorError> {
        let target = captured.clone();
        let factory = ConsoleSinkFactory::with_output(move |_| Box::new(target.clone()));
        factory.create(
            &plugin_ctx(),
            &Options::new("console", options.as_object().unwrap().clone()),
        )
    }

    fn people(table: &str, names: &[&str]) -> Batch {
        let schema = TableSchema::new(
            TablePath::parse(table),
            vec![
                Field::new("name", DataType::String),
                Field::new("age", DataType::Int),
            ],
        );
        let mut b = Batch::new(schema);
        for (i, name) in names.iter().enumerate() {
            b.begin_row(if i == 1 {
                RowKind::Delete
            } else {
                RowKind::Insert
            });
            b.push_str(name);
            b.push(if i == 1 { Datum::Null } else { Datum::Int(12) });
        }
        b
    }

    #[test]
    fn prints_schema_once_then_rows_like_seatunnel() {
        let captured = Captured::default();
        let mut w = sink(json!({}), &captured)
            .unwrap()
            .create_writer(&writer_ctx(1))
            .unwrap();
        w.write(&people("fake", &["alice", "bob"])).unwrap();
        w.write(&people("fake", &["carol"])).unwrap();
        assert_eq!(w.prepare_commit().unwrap(), None);
        w.close().unwrap();
        assert_eq!(
            captured.text(),
            "output rowType: name<STRING>, age<INT>\n\
             subtaskIndex=1  rowIndex=1:  SeaTunnelRow#tableId=fake SeaTunnelRow#kind=INSERT : alice, 12\n\
             subtaskIndex=1  rowIndex=2:  SeaTunnelRow#tableId=fake SeaTunnelRow#kind=DELETE : bob, \n\
             subtaskIndex=1  rowIndex=3:  SeaTunnelRow#tableId=fake SeaTunnelRow#kind=INSERT : carol, 12\n"
        );
    }

    #[test]
    fn row_indexes_count_per_table() {
        let captured = Captured::default();
        let mut w = sink(json!({}), &captured)
            .unwrap()
            .create_writer(&writer_ctx(0))
            .unwrap();
        w.write(&people("fake.table1", &["a"])).unwrap();
        w.write(&people("fake.public.table2", &["b"])).unwrap();
        w.write(&people("fake.table1", &["c"])).unwrap();
        assert_eq!(
            captured.text(),
            "output rowType: name<STRING>, age<INT>\n\
             subtaskIndex=0  rowIndex=1:  SeaTunnelRow#tableId=fake.table1 SeaTunnelRow#kind=INSERT : a, 12\n\
             output rowType: name<STRING>, age<INT>\n\
             subtaskIndex=0  rowIndex=1:  SeaTunnelRow#tableId=fake.public.table2 SeaTunnelRow#kind=INSERT : b, 12\n\
             subtaskIndex=0  rowIndex=2:  SeaTunnelRow#tableId=fake.table1 SeaTunnelRow#kind=INSERT : c, 12\n"
        );
    }

    #[test]
    fn print_data_false_prints_only_the_schema() {
        let captured = Captured::default();
        let mut w = sink(json!({"log.print.data": "false"}), &captured)
            .unwrap()
            .create_writer(&writer_ctx(0))
            .unwrap();
        w.write(&people("fake", &["alice"])).unwrap();
        assert_eq!(captured.text(), "output rowType: name<STRING>, age<INT>\n");
    }

    #[test]
    fn options_are_validated() {
        let captured = Captured::default();
        assert_eq!(
            sink(json!({"log.print.delay.ms": -1}), &captured)
                .err()
                .unwrap()
                .to_string(),
            "plugin console: option 'log.print.delay.ms' must be 0 or more milliseconds, got -1"
        );
        assert_eq!(
            sink(json!({"log.print.delay.ms": "soon"}), &captured)
                .err()
                .unwrap()
                .to_string(),
            "plugin console: option 'log.print.delay.ms' must be a whole number, got \"soon\""
        );
        assert_eq!(
            sink(json!({"log.print.data": 3}), &captured)
                .err()
                .unwrap()
                .to_string(),
            "plugin console: option 'log.print.data' must be true or false, got 3"
        );
        // Unknown keys are ignored, as SeaTunnel's Console ignores them.
        assert!(sink(
            json!({"username": "x", "log.print.delay.ms": "0"}),
            &captured
        )
        .is_ok());
    }

    #[test]
    fn types_print_with_java_names() {
        let mut buf = Vec::new();
        let ty = DataType::parse("map<string, array<decimal(30, 8)>>").unwrap();
        write_java_type(&mut buf, &ty);
        buf.push(b' ');
        let row = DataType::Row(Arc::new(RowType {
            fields: vec![
                Field::new("c_int", DataType::Int),
                Field::new("c_ts", DataType::Timestamp),
            ],
        }));
        write_java_type(&mut buf, &row);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "Map<STRING, ARRAY<Decimal(30, 8)>> ROW<c_int INT,c_ts TIMESTAMP>"
        );
    }

    #[test]
    fn values_print_like_java() {
        let schema = TableSchema::new(
            TablePath::parse("t"),
            vec![
                Field::new("d", DataType::Double),
                Field::new(
                    "dec",
                    DataType::Decimal {
                        precision: 38,
                        scale: 18,
                    },
                ),
                Field::new("b", DataType::Bytes),
                Field::new("ts", DataType::Timestamp),
                Field::new("arr", DataType::parse("array<string>").unwrap()),
                Field::new("m", DataType::parse("map<string, double>").unwrap()),
                Field::new(
                    "r",
                    DataType::Row(Arc::new(RowType {
                        fields: vec![
                            Field::new("x", DataType::Int),
                            Field::new("y", DataType::String),
                        ],
                    })),
                ),
            ],
        );
        let mut b = Batch::new(schema);
        b.begin_row(RowKind::UpdateAfter);
        b.push(Datum::Double(1.0e7));
        b.push_decimal_text("0.000000000000000000");
        b.push_bytes(&[1, 255]);
        b.push_value(&Value::Timestamp(
            NaiveDate::from_ymd_opt(2024, 1, 2)
                .unwrap()
                .and_hms_opt(3, 4, 0)
                .unwrap(),
        ));
        b.push_nested(Value::Array(vec![Value::String("a".into()), Value::Null]));
        b.push_nested(Value::Map(vec![
            (Value::String("k\"1".into()), Value::Double(2.0)),
            (Value::String("k2".into()), Value::Null),
        ]));
        b.push_nested(Value::Row(vec![Value::Null, Value::String("s".into())]));
        let mut buf = Vec::new();
        for (i, &d) in b.row(0).iter().enumerate() {
            if i > 0 {
                buf.extend_from_slice(b" | ");
            }
            write_cell(&mut buf, &b, d);
        }
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            r#"1.0E7 | 0E-18 | [1, -1] | 2024-01-02T03:04 | [a, null] | {"k\"1":2.0,"k2":null} | [null, s]"#
        );
    }

    #[test]
    fn decimals_follow_big_decimal_to_string() {
        let cases = [
            ("12.50", "12.50"),
            ("-12.50", "-12.50"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1E-7"),
            ("-0.00000012", "-1.2E-7"),
            ("-0.00", "0.00"),
            ("123", "123"),
        ];
        for (text, java) in cases {
            let mut buf = Vec::new();
            write_java_decimal(&mut buf, text);
            assert_eq!(String::from_utf8(buf).unwrap(), java, "{text}");
        }
    }

    #[test]
    fn json_strings_escape_like_jackson() {
        let mut buf = Vec::new();
        write_json(
            &mut buf,
            &Value::Map(vec![
                (Value::Int(1), Value::String("a\nb\u{1}é".into())),
                (Value::String("bytes".into()), Value::Bytes(vec![0, 1, 2])),
                (
                    Value::String("list".into()),
                    Value::Array(vec![Value::BigInt(3), Value::Bool(true)]),
                ),
            ]),
        );
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            r#"{"1":"a\nb\u0001é","bytes":"AAEC","list":[3,true]}"#
        );
    }
}
