//! Encoding rows as json objects, one per line, the way SeaTunnel's `JsonSerializationSchema`
//! (Jackson) writes them: keys in column order, nulls kept, floats as Java prints them (NaN and
//! infinities quoted), decimals as plain numbers, bytes as base64, dates/times/timestamps in ISO
//! form (`2022-01-26T17:39:00`), maps as objects with text keys, rows as nested objects.

use base64::Engine as _;

use seatunnel_data::java::float::{write_double, write_float};
use seatunnel_data::java::time::{write_iso_date, write_iso_datetime, write_iso_time};
use seatunnel_data::temporal::{days_to_date, nanos_to_time, nanos_to_timestamp};
use seatunnel_data::{Batch, DataType, Datum, Value};

pub struct JsonEncoder {
    /// Each written column's quoted key and `:`, prepared once.
    keys: Vec<Vec<u8>>,
    types: Vec<DataType>,
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
}

fn write_float_token(out: &mut Vec<u8>, finite: bool, write: impl FnOnce(&mut Vec<u8>)) {
    if finite {
        write(out);
    } else {
        out.push(b'"');
        write(out);
        out.push(b'"');
    }
}

impl JsonEncoder {
    /// `names` and `types` describe the written columns, in order.
    pub fn new(names: &[&str], types: Vec<DataType>) -> JsonEncoder {
        let keys = names
            .iter()
            .map(|n| {
                let mut k = Vec::new();
                write_str(&mut k, n);
                k.push(b':');
                k
            })
            .collect();
        JsonEncoder { keys, types }
    }

    pub fn encode_row(&self, batch: &Batch, row: usize, cols: &[usize], out: &mut Vec<u8>) {
        let cells = batch.row(row);
        out.push(b'{');
        for (i, &c) in cols.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&self.keys[i]);
            self.encode_datum(batch, cells[c], &self.types[i], out);
        }
        out.push(b'}');
    }

    fn encode_datum(&self, batch: &Batch, d: Datum, ty: &DataType, out: &mut Vec<u8>) {
        let mut ib = itoa::Buffer::new();
        match d {
            Datum::Null => out.extend_from_slice(b"null"),
            Datum::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Datum::TinyInt(v) => out.extend_from_slice(ib.format(v).as_bytes()),
            Datum::SmallInt(v) => out.extend_from_slice(ib.format(v).as_bytes()),
            Datum::Int(v) => out.extend_from_slice(ib.format(v).as_bytes()),
            Datum::BigInt(v) => out.extend_from_slice(ib.format(v).as_bytes()),
            Datum::Float(v) => write_float_token(out, v.is_finite(), |o| write_float(o, v)),
            Datum::Double(v) => write_float_token(out, v.is_finite(), |o| write_double(o, v)),
            Datum::Decimal(s) => out.extend_from_slice(batch.bytes(s)),
            Datum::String(s) => write_str(out, batch.str(s)),
            Datum::Bytes(s) => write_base64(out, batch.bytes(s)),
            Datum::Date(days) => quoted(out, |o| write_iso_date(o, days_to_date(days))),
            Datum::Time(n) => quoted(out, |o| write_iso_time(o, nanos_to_time(n))),
            Datum::Timestamp(n) => quoted(out, |o| write_iso_datetime(o, nanos_to_timestamp(n))),
            Datum::Nested(i) => encode_value(batch.nested(i), Some(ty), out),
        }
    }
}

fn quoted(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    out.push(b'"');
    write(out);
    out.push(b'"');
}

fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    let start = out.len();
    let len = base64::encoded_len(bytes.len(), true).expect("length fits in usize");
    out.resize(start + len, 0);
    base64::engine::general_purpose::STANDARD
        .encode_slice(bytes, &mut out[start..])
        .expect("buffer sized by encoded_len");
    out.push(b'"');
}

/// A nested value; `ty` gives row field names (a row without a type falls back to `f0`, `f1`…).
fn encode_value(v: &Value, ty: Option<&DataType>, out: &mut Vec<u8>) {
    let mut ib = itoa::Buffer::new();
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::TinyInt(x) => out.extend_from_slice(ib.format(*x).as_bytes()),
        Value::SmallInt(x) => out.extend_from_slice(ib.format(*x).as_bytes()),
        Value::Int(x) => out.extend_from_slice(ib.format(*x).as_bytes()),
        Value::BigInt(x) => out.extend_from_slice(ib.format(*x).as_bytes()),
        Value::Float(x) => write_float_token(out, x.is_finite(), |o| write_float(o, *x)),
        Value::Double(x) => write_float_token(out, x.is_finite(), |o| write_double(o, *x)),
        Value::Decimal(d) => out.extend_from_slice(d.to_plain_string().as_bytes()),
        Value::String(s) => write_str(out, s),
        Value::Bytes(b) => write_base64(out, b),
        Value::Date(d) => quoted(out, |o| write_iso_date(o, *d)),
        Value::Time(t) => quoted(out, |o| write_iso_time(o, *t)),
        Value::Timestamp(ts) => quoted(out, |o| write_iso_datetime(o, *ts)),
        Value::Array(items) => {
            let elem = match ty {
                Some(DataType::Array(e)) => Some(e.as_ref()),
                _ => None,
            };
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                encode_value(item, elem, out);
            }
            out.push(b']');
        }
        Value::Map(entries) => {
            let val_ty = match ty {
                Some(DataType::Map(_, v)) => Some(v.as_ref()),
                _ => None,
            };
            out.push(b'{');
            for (i, (k, val)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match k {
                    Value::String(s) => write_str(out, s),
                    other => write_str(out, &other.to_string()),
                }
                out.push(b':');
                encode_value(val, val_ty, out);
            }
            out.push(b'}');
        }
        Value::Row(items) => {
            let fields = match ty {
                Some(DataType::Row(r)) => Some(&r.fields),
                _ => None,
            };
            out.push(b'{');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let field = fields.and_then(|f| f.get(i));
                match field {
                    Some(f) => write_str(out, &f.name),
                    None => write_str(out, &format!("f{i}")),
                }
                out.push(b':');
                encode_value(item, field.map(|f| &f.data_type), out);
            }
            out.push(b'}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::JsonDecoder;
    use seatunnel_data::{Field, RowKind, TablePath, TableSchema};

    #[test]
    fn writes_jackson_layout_and_reads_back() {
        let row_ty =
            DataType::from_json(&serde_json::json!({"C_INT": "int", "C_TS": "timestamp"})).unwrap();
        let fields = vec![
            Field::new("c_map", DataType::parse("map<string, string>").unwrap()),
            Field::new("c_array", DataType::parse("array<int>").unwrap()),
            Field::new("c_string", DataType::String),
            Field::new("c_float", DataType::Float),
            Field::new("c_double", DataType::Double),
            Field::new("c_decimal", DataType::parse("decimal(30, 8)").unwrap()),
            Field::new("c_null", DataType::Null),
            Field::new("c_bytes", DataType::Bytes),
            Field::new("c_date", DataType::Date),
            Field::new("c_timestamp", DataType::Timestamp),
            Field::new("c_row", row_ty),
        ];
        let schema = TableSchema::new(TablePath::parse("t"), fields.clone());
        let ts = chrono::NaiveDate::from_ymd_opt(2023, 4, 22)
            .unwrap()
            .and_hms_opt(23, 20, 58)
            .unwrap();
        let mut b = Batch::new(schema.clone());
        b.begin_row(RowKind::Insert);
        b.push_nested(Value::Map(vec![(
            Value::String("aA\"测试\"".into()),
            Value::String("b".into()),
        )]));
        b.push_nested(Value::Array(vec![Value::Int(101)]));
        b.push_str("\"你好\"\n");
        b.push(Datum::Float(1.23));
        b.push(Datum::Double(f64::NAN));
        b.push_decimal_text("2924137191386439303744.39292216");
        b.push(Datum::Null);
        b.push_bytes(b"CskVt");
        b.push_value(&Value::Date(ts.date()));
        b.push_value(&Value::Timestamp(ts));
        b.push_nested(Value::Row(vec![Value::Int(3), Value::Timestamp(ts)]));
        let names = schema.field_names();
        let types = fields.iter().map(|f| f.data_type.clone()).collect();
        let enc = JsonEncoder::new(&names, types);
        let cols: Vec<usize> = (0..fields.len()).collect();
        let mut out = Vec::new();
        enc.encode_row(&b, 0, &cols, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            r#"{"c_map":{"aA\"测试\"":"b"},"c_array":[101],"c_string":"\"你好\"\n","c_float":1.23,"c_double":"NaN","c_decimal":2924137191386439303744.39292216,"c_null":null,"c_bytes":"Q3NrVnQ=","c_date":"2023-04-22","c_timestamp":"2023-04-22T23:20:58","c_row":{"C_INT":3,"C_TS":"2023-04-22T23:20:58"}}"#
        );
        let mut back = Batch::new(schema);
        JsonDecoder::new(fields, cols)
            .decode(&text, &[], &mut back)
            .unwrap();
        let (orig, read) = (b.row_values(0), back.row_values(0));
        for i in [0, 1, 2, 3, 5, 6, 7, 8, 9, 10] {
            assert_eq!(read[i], orig[i], "column {i}");
        }
    }
}
