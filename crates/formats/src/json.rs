//! Reading json lines into rows, with SeaTunnel's `JsonDeserializationSchema` rules:
//! - each line is one object (or an array of objects, one row each); blank lines are skipped;
//! - columns are looked up by exact name; a missing or `null` value is null;
//! - numbers and booleans may also come as strings; a string column given a non-string value
//!   keeps its json text; bytes are base64 strings; decimals keep every digit (values are taken
//!   from the raw json text, never through a float).

use std::borrow::Cow;

use base64::Engine as _;
use indexmap::IndexMap;
use serde_json::value::RawValue;

use super::options::Formats;
use super::text::{decimal_text, push_field, push_partitions, scalar_value};
use seatunnel_data::{Batch, DataType, Datum, Field, RowKind, Value};

type Object<'a> = IndexMap<String, &'a RawValue>;

pub struct JsonDecoder {
    fields: Vec<Field>,
    projection: Vec<usize>,
    formats: Formats,
}

fn bad_json(e: serde_json::Error) -> String {
    format!("invalid json: {e}")
}

impl JsonDecoder {
    pub fn new(fields: Vec<Field>, projection: Vec<usize>) -> JsonDecoder {
        JsonDecoder {
            fields,
            projection,
            formats: Formats::default(),
        }
    }

    /// Appends the rows of one json line.
    pub fn decode(
        &mut self,
        line: &str,
        partitions: &[Option<String>],
        out: &mut Batch,
    ) -> Result<(), String> {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            let items: Vec<&RawValue> = serde_json::from_str(trimmed).map_err(bad_json)?;
            for item in items {
                self.decode_object(item.get(), partitions, out)?;
            }
            Ok(())
        } else {
            self.decode_object(trimmed, partitions, out)
        }
    }

    fn decode_object(
        &self,
        text: &str,
        partitions: &[Option<String>],
        out: &mut Batch,
    ) -> Result<(), String> {
        let object: Object = serde_json::from_str(text).map_err(bad_json)?;
        let rows = out.len();
        out.begin_row(RowKind::Insert);
        for &col in &self.projection {
            let field = &self.fields[col];
            let raw = object.get(field.name.as_str()).copied();
            if let Err(e) = push_json(out, raw, &field.data_type, &self.formats) {
                out.truncate_rows(rows);
                return Err(format!("column '{}': {e}", field.name));
            }
        }
        push_partitions(partitions, out);
        Ok(())
    }
}

/// The text of a json scalar: a string's unescaped content, or the literal of a number/boolean.
fn content(raw: &RawValue) -> Result<Cow<'_, str>, String> {
    let text = raw.get();
    if text.starts_with('"') {
        serde_json::from_str::<String>(text)
            .map(Cow::Owned)
            .map_err(bad_json)
    } else {
        Ok(Cow::Borrowed(text))
    }
}

fn is_null(raw: Option<&RawValue>) -> bool {
    raw.is_none_or(|r| r.get() == "null")
}

fn base64_bytes(s: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| format!("'{s}' is not base64 bytes: {e}"))
}

fn push_json(
    out: &mut Batch,
    raw: Option<&RawValue>,
    ty: &DataType,
    formats: &Formats,
) -> Result<(), String> {
    let Some(raw) = raw.filter(|r| !is_null(Some(r))) else {
        out.push(Datum::Null);
        return Ok(());
    };
    match ty {
        DataType::String => out.push_str(&content(raw)?),
        DataType::Bytes => out.push_bytes(&base64_bytes(&content(raw)?)?),
        DataType::Decimal { .. } => {
            let text = content(raw)?;
            let plain =
                decimal_text(&text).ok_or_else(|| format!("cannot parse '{text}' as DECIMAL"))?;
            out.push_decimal_text(&plain);
        }
        DataType::Array(_) | DataType::Map(_, _) | DataType::Row(_) => {
            out.push_nested(json_value(raw, ty, formats)?)
        }
        scalar => push_field(out, Some(&content(raw)?), scalar, formats)?,
    }
    Ok(())
}

/// A json value as an owned value of type `ty`.
fn json_value(raw: &RawValue, ty: &DataType, formats: &Formats) -> Result<Value, String> {
    if is_null(Some(raw)) {
        return Ok(Value::Null);
    }
    Ok(match ty {
        DataType::Array(elem) => {
            let items: Vec<&RawValue> = serde_json::from_str(raw.get()).map_err(bad_json)?;
            Value::Array(
                items
                    .into_iter()
                    .map(|i| json_value(i, elem, formats))
                    .collect::<Result<_, _>>()?,
            )
        }
        DataType::Map(kt, vt) => {
            let object: Object = serde_json::from_str(raw.get()).map_err(bad_json)?;
            let mut entries = Vec::with_capacity(object.len());
            for (k, v) in object {
                entries.push((scalar_value(&k, kt, formats)?, json_value(v, vt, formats)?));
            }
            Value::Map(entries)
        }
        DataType::Row(row) => {
            let object: Object = serde_json::from_str(raw.get()).map_err(bad_json)?;
            Value::Row(
                row.fields
                    .iter()
                    .map(|f| match object.get(f.name.as_str()) {
                        Some(v) => json_value(v, &f.data_type, formats),
                        None => Ok(Value::Null),
                    })
                    .collect::<Result<_, _>>()?,
            )
        }
        DataType::String => Value::String(content(raw)?.into_owned()),
        DataType::Bytes => Value::Bytes(base64_bytes(&content(raw)?)?),
        scalar => {
            let text = content(raw)?;
            if text.trim().is_empty() {
                Value::Null
            } else {
                scalar_value(&text, scalar, formats)?
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use seatunnel_data::{TablePath, TableSchema};

    fn decode(fields: Vec<Field>, line: &str) -> Result<Batch, String> {
        let projection = (0..fields.len()).collect();
        let schema = TableSchema::new(TablePath::parse("t"), fields.clone());
        let mut batch = Batch::new(schema);
        JsonDecoder::new(fields, projection).decode(line, &[], &mut batch)?;
        Ok(batch)
    }

    fn f(name: &str, ty: &str) -> Field {
        Field::new(name, DataType::parse(ty).unwrap())
    }

    #[test]
    fn reads_the_corpus_row_shape() {
        let line = r#"{"c_map":{"a测试":"b"},"c_array":[101],"c_string":"你好","c_boolean":true,"c_int":"56","c_float":1.620476E38,"c_bytes":"Q3NrVnQ=","c_date":"2022-04-27","c_decimal":88574263949141714798.835853182708550244,"c_timestamp":"2022-01-26T17:39:00","c_null":null}"#;
        let fields = vec![
            f("c_map", "map<string, string>"),
            f("c_array", "array<int>"),
            f("c_string", "string"),
            f("c_boolean", "boolean"),
            f("c_int", "int"),
            f("c_float", "float"),
            f("c_bytes", "bytes"),
            f("c_date", "date"),
            f("c_decimal", "decimal(38, 18)"),
            f("c_timestamp", "timestamp"),
            f("c_null", "null"),
            f("missing", "string"),
        ];
        let b = decode(fields, line).unwrap();
        let row = b.row_values(0);
        assert_eq!(
            row[0],
            Value::Map(vec![(
                Value::String("a测试".into()),
                Value::String("b".into())
            )])
        );
        assert_eq!(row[1], Value::Array(vec![Value::Int(101)]));
        assert_eq!(row[2], Value::String("你好".into()));
        assert_eq!(row[3], Value::Bool(true));
        assert_eq!(row[4], Value::Int(56));
        assert_eq!(row[5], Value::Float(1.620476E38));
        assert_eq!(row[6], Value::Bytes(b"CskVt".to_vec()));
        assert_eq!(row[7].to_string(), "2022-04-27");
        let Datum::Decimal(span) = b.get(0, 8) else {
            panic!("not a decimal")
        };
        assert_eq!(b.str(span), "88574263949141714798.835853182708550244");
        assert_eq!(row[9].to_string(), "2022-01-26T17:39");
        assert_eq!(row[10], Value::Null);
        assert_eq!(row[11], Value::Null);
    }

    #[test]
    fn nested_rows_and_arrays_of_objects() {
        let row_ty =
            DataType::from_json(&serde_json::json!({"C_INT": "int", "C_STRING": "string"}))
                .unwrap();
        let fields = vec![Field::new("c_row", row_ty), f("s", "string")];
        let b = decode(
            fields,
            r#"[{"c_row":{"C_INT":3,"C_STRING":"x"},"s":{"k":1}},{"s":"two"}]"#,
        )
        .unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(
            b.value(0, 0),
            Value::Row(vec![Value::Int(3), Value::String("x".into())])
        );
        assert_eq!(b.value(0, 1), Value::String(r#"{"k":1}"#.into()));
        assert_eq!(b.value(1, 0), Value::Null);
    }

    #[test]
    fn errors_name_the_column_and_leave_no_partial_row() {
        let fields = vec![f("a", "int"), f("b", "int")];
        let schema = TableSchema::new(TablePath::parse("t"), fields.clone());
        let mut batch = Batch::new(schema);
        let mut dec = JsonDecoder::new(fields, vec![0, 1]);
        dec.decode(r#"{"a":1,"b":2}"#, &[], &mut batch).unwrap();
        let e = dec
            .decode(r#"{"a":1,"b":"two"}"#, &[], &mut batch)
            .unwrap_err();
        assert_eq!(e, "column 'b': cannot parse 'two' as INT");
        assert_eq!(batch.len(), 1);
        assert!(dec
            .decode("{not json", &[], &mut batch)
            .unwrap_err()
            .starts_with("invalid json"));
    }
}
