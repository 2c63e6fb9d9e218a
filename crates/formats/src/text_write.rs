//! Encoding rows as text or csv lines, the way SeaTunnel's `TextSerializationSchema` does:
//! fields joined by `field_delimiter`; null as an empty field; numbers as Java prints them;
//! decimals in plain notation; bytes as UTF-8 text; dates, times and timestamps through
//! `date_format`/`time_format`/`datetime_format`; nested values joined level by level with the
//! fixed separators (array elements and map entries on level+1, a map's key and value on
//! level+2, a row's fields on level+1). Csv additionally quotes fields that need it.
//!
//! This is a file sink's hot path: cells go straight from the batch into the output buffer.

use super::csv::{needs_quotes, quote_tail};
use super::options::{Formats, TEXT_SEPARATORS};
use seatunnel_data::java::float::{write_double, write_float};
use seatunnel_data::{Batch, Datum, Value};

pub struct TextEncoder {
    delimiter: Vec<u8>,
    csv: bool,
    formats: Formats,
}

impl TextEncoder {
    pub fn new(delimiter: &str, csv: bool, formats: Formats) -> TextEncoder {
        TextEncoder {
            delimiter: delimiter.as_bytes().to_vec(),
            csv,
            formats,
        }
    }

    /// The header line SeaTunnel writes with `enable_header_write` (without the row delimiter).
    pub fn header(&self, names: &[&str], out: &mut Vec<u8>) {
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(&self.delimiter);
            }
            out.extend_from_slice(name.as_bytes());
        }
    }

    /// Appends row `row` of `batch`, columns `cols` in that order.
    pub fn encode_row(&self, batch: &Batch, row: usize, cols: &[usize], out: &mut Vec<u8>) {
        let cells = batch.row(row);
        for (i, &c) in cols.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(&self.delimiter);
            }
            let start = out.len();
            self.encode_datum(batch, cells[c], out);
            if self.csv && needs_quotes(&out[start..], &self.delimiter) {
                quote_tail(out, start);
            }
        }
    }

    fn encode_datum(&self, batch: &Batch, d: Datum, out: &mut Vec<u8>) {
        let mut ib = itoa::Buffer::new();
        match d {
            Datum::Null => {}
            Datum::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Datum::TinyInt(v) => out.extend_from_slice(ib.format(v).as_bytes()),
            Datum::SmallInt(v) => out.extend_from_slice(ib.format(v).as_bytes()),
            Datum::Int(v) => out.extend_from_slice(ib.format(v).as_bytes()),
            Datum::BigInt(v) => out.extend_from_slice(ib.format(v).as_bytes()),
            Datum::Float(v) => write_float(out, v),
            Datum::Double(v) => write_double(out, v),
            Datum::Decimal(s) | Datum::String(s) => out.extend_from_slice(batch.bytes(s)),
            Datum::Bytes(s) => {
                out.extend_from_slice(String::from_utf8_lossy(batch.bytes(s)).as_bytes())
            }
            Datum::Date(days) => self.formats.write_days(days, out),
            Datum::Time(n) => self.formats.write_time_nanos(n, out),
            Datum::Timestamp(n) => self.formats.write_timestamp_nanos(n, out),
            Datum::Nested(i) => self.encode_value(batch.nested(i), 0, out),
        }
    }

    /// A nested value at `level` (its parts are joined with the level+1 separator).
    fn encode_value(&self, v: &Value, level: usize, out: &mut Vec<u8>) {
        let sep = |l: usize| TEXT_SEPARATORS[l.min(TEXT_SEPARATORS.len() - 1)].as_bytes();
        let mut ib = itoa::Buffer::new();
        match v {
            Value::Null => {}
            Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::TinyInt(x) => out.extend_from_slice(ib.format(*x).as_bytes()),
            Value::SmallInt(x) => out.extend_from_slice(ib.format(*x).as_bytes()),
            Value::Int(x) => out.extend_from_slice(ib.format(*x).as_bytes()),
            Value::BigInt(x) => out.extend_from_slice(ib.format(*x).as_bytes()),
            Value::Float(x) => write_float(out, *x),
            Value::Double(x) => write_double(out, *x),
            Value::Decimal(d) => out.extend_from_slice(d.to_plain_string().as_bytes()),
            Value::String(s) => out.extend_from_slice(s.as_bytes()),
            Value::Bytes(b) => out.extend_from_slice(String::from_utf8_lossy(b).as_bytes()),
            Value::Date(d) => self.formats.write_date(*d, out),
            Value::Time(t) => self.formats.write_time(*t, out),
            Value::Timestamp(ts) => self.formats.write_datetime(*ts, out),
            Value::Array(items) | Value::Row(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(sep(level + 1));
                    }
                    self.encode_value(item, level + 1, out);
                }
            }
            Value::Map(entries) => {
                for (i, (k, val)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(sep(level + 1));
                    }
                    self.encode_value(k, level + 1, out);
                    out.extend_from_slice(sep(level + 2));
                    self.encode_value(val, level + 1, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Splitter;
    use crate::text::{LineDecoder, Split};
    use seatunnel_data::{DataType, Field, RowKind, TablePath, TableSchema};
    use std::sync::Arc;

    fn schema(fields: Vec<Field>) -> Arc<TableSchema> {
        TableSchema::new(TablePath::parse("t"), fields)
    }

    fn full_row_schema() -> Arc<TableSchema> {
        let row = DataType::from_json(&serde_json::json!({
            "c_map": "map<string, string>", "c_array": "array<int>", "c_string": "string"
        }))
        .unwrap();
        schema(vec![
            Field::new("c_map", DataType::parse("map<string, array<int>>").unwrap()),
            Field::new("c_string", DataType::String),
            Field::new("c_boolean", DataType::Boolean),
            Field::new("c_float", DataType::Float),
            Field::new("c_double", DataType::Double),
            Field::new("c_decimal", DataType::parse("decimal(30, 8)").unwrap()),
            Field::new("c_null", DataType::Null),
            Field::new("c_bytes", DataType::Bytes),
            Field::new("c_date", DataType::Date),
            Field::new("c_timestamp", DataType::Timestamp),
            Field::new("c_row", row),
        ])
    }

    fn sample(schema: Arc<TableSchema>) -> Batch {
        let mut b = Batch::new(schema);
        b.begin_row(RowKind::Insert);
        b.push_nested(Value::Map(vec![(
            Value::String("k".into()),
            Value::Array(vec![Value::Int(1), Value::Int(2)]),
        )]));
        b.push_str("hello");
        b.push(Datum::Bool(true));
        b.push(Datum::Float(2.4798444E38));
        b.push(Datum::Double(1.0));
        b.push_decimal_text("-12.50000000");
        b.push(Datum::Null);
        b.push_bytes(b"raw");
        b.push_value(&Value::Date(
            chrono::NaiveDate::from_ymd_opt(2023, 6, 7).unwrap(),
        ));
        b.push_value(&Value::Timestamp(
            chrono::NaiveDate::from_ymd_opt(2023, 5, 8)
                .unwrap()
                .and_hms_milli_opt(16, 8, 51, 500)
                .unwrap(),
        ));
        b.push_nested(Value::Row(vec![
            Value::Map(vec![(Value::String("a".into()), Value::String("b".into()))]),
            Value::Array(vec![Value::Int(7), Value::Int(8)]),
            Value::String("in".into()),
        ]));
        b
    }

    #[test]
    fn text_line_matches_seatunnel_layout() {
        let s = full_row_schema();
        let b = sample(s.clone());
        let enc = TextEncoder::new("\u{1}", false, Formats::default());
        let mut out = Vec::new();
        enc.encode_row(&b, 0, &(0..s.width()).collect::<Vec<_>>(), &mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "k\u{3}1\u{3}2\u{1}hello\u{1}true\u{1}2.4798444E38\u{1}1.0\u{1}-12.50000000\u{1}\u{1}raw\u{1}2023-06-07\u{1}2023-05-08 16:08:51\u{1}a\u{4}b\u{2}7\u{3}8\u{2}in"
        );
    }

    #[test]
    fn text_round_trips_through_the_decoder() {
        let s = full_row_schema();
        let b = sample(s.clone());
        let enc = TextEncoder::new("\t", false, Formats::default());
        let cols: Vec<usize> = (0..s.width()).collect();
        let mut out = Vec::new();
        enc.encode_row(&b, 0, &cols, &mut out);
        let mut back = Batch::new(s.clone());
        let mut dec = LineDecoder::new(
            Split::Text(Splitter::new("\t").unwrap()),
            s.fields.clone(),
            cols,
            Formats::default(),
        );
        dec.decode(std::str::from_utf8(&out).unwrap(), &[], &mut back)
            .unwrap();
        let (orig, read) = (b.row_values(0), back.row_values(0));
        for i in [1, 2, 3, 4, 5, 6, 7, 8, 10] {
            assert_eq!(read[i], orig[i], "column {i}");
        }
        // A map of arrays is ambiguous in SeaTunnel's text layout (key/value and the value's
        // elements share a separator), so the reader sees the first element only, as in Java.
        assert_eq!(
            read[0],
            Value::Map(vec![(
                Value::String("k".into()),
                Value::Array(vec![Value::Int(1)])
            )])
        );
        // Text drops sub-second precision, as SeaTunnel's default datetime format does.
        assert_eq!(read[9].to_string(), "2023-05-08T16:08:51");
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        let s = schema(vec![
            Field::new("a", DataType::String),
            Field::new("b", DataType::String),
        ]);
        let mut b = Batch::new(s);
        b.begin_row(RowKind::Insert);
        b.push_str("x,y");
        b.push_str("plain");
        let enc = TextEncoder::new(",", true, Formats::default());
        let mut out = Vec::new();
        enc.encode_row(&b, 0, &[0, 1], &mut out);
        assert_eq!(out, b"\"x,y\",plain");
        out.clear();
        enc.header(&["name", "age"], &mut out);
        assert_eq!(out, b"name,age");
    }
}
