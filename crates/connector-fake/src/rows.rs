//! FakeSource's explicit `rows`: each entry a row kind and its fields, converted by the
//! shared literal rules of `seatunnel_data::literal`.

use chrono::NaiveDateTime;
use serde_json::Value as Json;

use seatunnel_data::literal::{to_value, Missing};
use seatunnel_data::{DataType, RowKind, TableSchema, Value};

/// FakeSource `rows` words that mean "now" for date, time and timestamp columns.
const CURRENT_DATE: &str = "CURRENT_DATE";
const CURRENT_TIME: &str = "CURRENT_TIME";
const CURRENT_TIMESTAMP: &str = "CURRENT_TIMESTAMP";

/// One explicit FakeSource row, already converted to the table's types.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomRow {
    pub kind: RowKind,
    pub values: Vec<Value>,
}

/// Converts one FakeSource `rows` entry (`{kind = INSERT, fields = [...]}`) for `schema`.
/// Top-level date, time and timestamp fields may say `CURRENT_DATE`, `CURRENT_TIME` or
/// `CURRENT_TIMESTAMP`, which take the value of `now`.
pub fn custom_row(
    entry: &Json,
    schema: &TableSchema,
    now: NaiveDateTime,
) -> Result<CustomRow, String> {
    let map = entry
        .as_object()
        .ok_or_else(|| format!("each entry must be an object with kind and fields, got {entry}"))?;
    let kind_text = match map.get("kind") {
        Some(Json::String(k)) => k.clone(),
        Some(other) => return Err(format!("kind must be a string, got {other}")),
        None => {
            return Err("kind is required (INSERT, UPDATE_BEFORE, UPDATE_AFTER or DELETE)".into())
        }
    };
    let kind = RowKind::ALL
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(kind_text.trim()))
        .ok_or_else(|| {
            format!("kind '{kind_text}' is not one of INSERT, UPDATE_BEFORE, UPDATE_AFTER, DELETE")
        })?;
    let fields = map.get("fields").unwrap_or(&Json::Null);
    let mut values = Vec::with_capacity(schema.fields.len());
    for (i, f) in schema.fields.iter().enumerate() {
        let item = match fields {
            Json::Array(items) => items.get(i),
            Json::Object(m) => m.get(&f.name),
            _ => None,
        };
        let value = match item {
            None => Value::Null,
            Some(item) => match current(item, &f.data_type, now) {
                Some(v) => v,
                None => to_value(item, &f.data_type, &f.name, Missing::Null)
                    .map_err(|e| e.to_string())?,
            },
        };
        values.push(value);
    }
    Ok(CustomRow { kind, values })
}

fn current(item: &Json, ty: &DataType, now: NaiveDateTime) -> Option<Value> {
    let text = item.as_str()?;
    match ty {
        DataType::Date if text.eq_ignore_ascii_case(CURRENT_DATE) => Some(Value::Date(now.date())),
        // SeaTunnel compares CURRENT_TIME case-sensitively.
        DataType::Time if text == CURRENT_TIME => Some(Value::Time(now.time())),
        DataType::Timestamp if text.eq_ignore_ascii_case(CURRENT_TIMESTAMP) => {
            Some(Value::Timestamp(now))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use seatunnel_data::{Field, TablePath};
    use serde_json::json;

    #[test]
    fn custom_rows_take_kind_and_now() {
        let schema = TableSchema::new(
            TablePath::parse("fake"),
            vec![
                Field::new("id", DataType::BigInt),
                Field::new("d", DataType::Date),
                Field::new("missing", DataType::String),
            ],
        );
        let now = NaiveDate::from_ymd_opt(2024, 5, 6)
            .unwrap()
            .and_hms_opt(7, 8, 9)
            .unwrap();
        let row = custom_row(
            &json!({"kind": "DELETE", "fields": [5, "current_date"]}),
            &schema,
            now,
        )
        .unwrap();
        assert_eq!(row.kind, RowKind::Delete);
        assert_eq!(
            row.values,
            vec![Value::BigInt(5), Value::Date(now.date()), Value::Null]
        );
        assert!(custom_row(&json!({"fields": [1]}), &schema, now)
            .unwrap_err()
            .contains("kind is required"));
        assert!(custom_row(&json!({"kind": "UPSERT", "fields": []}), &schema, now).is_err());
    }
}
