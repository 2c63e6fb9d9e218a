//! Typed values from job-file literals: FakeSource's `rows`, Assert's `equals_to` and any
//! connector option that holds values.
//!
//! Literals are read the way SeaTunnel's `JsonToRowConverters` reads them, so a job file means the
//! same thing here: a row is a list (by position) or an object (by name); numbers may be written
//! as strings; `bytes` are base64 text; map keys are converted to the key type; dates and
//! timestamps accept the usual separators. `null` is null for every type.

use std::str::FromStr;

use base64::Engine as _;
use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::Value as Json;

use crate::{java, DataType, Value};

/// Date layouts SeaTunnel's `DateUtils.matchDateFormatter` recognises.
const DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"];
/// Timestamp layouts SeaTunnel's `DateTimeUtils.matchDateTimeFormatter` recognises; `%.f` also
/// matches no fraction.
const TIMESTAMP_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y.%m.%d %H:%M:%S%.f",
    "%Y%m%d%H%M%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];
/// A literal that does not fit its column type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot convert {literal} to {data_type} for field '{field}': {reason}")]
pub struct LiteralError {
    pub field: String,
    pub data_type: String,
    pub literal: String,
    pub reason: String,
}

/// What to do with a row field the literal does not give: FakeSource fills null, Assert fails
/// (SeaTunnel's `failOnMissingField`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Null,
    Error,
}

/// Jackson's `asText`: what a scalar reads as when a string is wanted.
pub fn json_text(json: &Json) -> String {
    match json {
        Json::String(s) => s.clone(),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(u)) => u.to_string(),
            _ => Value::Double(n.as_f64().unwrap_or(f64::NAN)).to_string(),
        },
        Json::Bool(b) => b.to_string(),
        Json::Null => "null".to_string(),
        Json::Array(_) | Json::Object(_) => String::new(),
    }
}

fn error(json: &Json, ty: &DataType, field: &str, reason: impl Into<String>) -> LiteralError {
    LiteralError {
        field: field.to_string(),
        data_type: ty.to_string(),
        literal: json.to_string(),
        reason: reason.into(),
    }
}

/// Converts `json` to a value of type `ty`; `field` names it in errors (`c_row.c_int`).
pub fn to_value(
    json: &Json,
    ty: &DataType,
    field: &str,
    missing: Missing,
) -> Result<Value, LiteralError> {
    if json.is_null() {
        return Ok(Value::Null);
    }
    let bad = |reason: &str| error(json, ty, field, reason);
    let text = || json_text(json);
    Ok(match ty {
        DataType::Null => Value::Null,
        DataType::Boolean => match json {
            Json::Bool(b) => Value::Bool(*b),
            _ => Value::Bool(text().trim().eq_ignore_ascii_case("true")),
        },
        DataType::TinyInt => Value::TinyInt(parse_int(&text(), "TINYINT").map_err(|r| bad(&r))?),
        DataType::SmallInt => Value::SmallInt(parse_int(&text(), "SMALLINT").map_err(|r| bad(&r))?),
        DataType::Int => Value::Int(whole(json).map_err(|r| bad(&r))?),
        DataType::BigInt => Value::BigInt(whole(json).map_err(|r| bad(&r))?),
        DataType::Float => match json {
            Json::Number(n) if n.is_f64() => Value::Float(n.as_f64().unwrap_or_default() as f32),
            _ => {
                Value::Float(java::float::parse_float(&text()).ok_or_else(|| bad("not a number"))?)
            }
        },
        DataType::Double => match json {
            Json::Number(n) if n.is_f64() => Value::Double(n.as_f64().unwrap_or_default()),
            _ => Value::Double(
                java::float::parse_double(&text()).ok_or_else(|| bad("not a number"))?,
            ),
        },
        DataType::Decimal { .. } => {
            Value::Decimal(BigDecimal::from_str(&text()).map_err(|_| bad("not a decimal number"))?)
        }
        DataType::String => match json {
            Json::Array(_) | Json::Object(_) => Value::String(json.to_string()),
            _ => Value::String(text()),
        },
        DataType::Bytes => match json {
            Json::String(s) => Value::Bytes(decode_base64(s).ok_or_else(|| bad("not base64"))?),
            _ => Value::Null,
        },
        DataType::Date => match text().as_str() {
            "" => Value::Null,
            t => Value::Date(parse_date(t).ok_or_else(|| bad("not a date such as 2024-01-31"))?),
        },
        DataType::Time => match text().as_str() {
            "" => Value::Null,
            t => Value::Time(
                NaiveTime::parse_from_str(t, "%H:%M:%S%.f")
                    .map_err(|_| bad("not a time such as 12:34:56"))?,
            ),
        },
        DataType::Timestamp => match text().as_str() {
            "" => Value::Null,
            t => Value::Timestamp(
                parse_timestamp(t)
                    .ok_or_else(|| bad("not a timestamp such as 2024-01-31T12:34:56"))?,
            ),
        },
        DataType::Array(element) => match json {
            Json::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| to_value(item, element, field, missing))
                    .collect::<Result<_, _>>()?,
            ),
            // Jackson reads an object's size but finds no element at an index.
            Json::Object(map) => Value::Array(vec![Value::Null; map.len()]),
            _ => Value::Array(Vec::new()),
        },
        DataType::Map(key_type, value_type) => {
            let mut entries: Vec<(Value, Value)> = Vec::new();
            if let Json::Object(map) = json {
                for (k, v) in map {
                    let key = to_value(&Json::String(k.clone()), key_type, field, missing)?;
                    let value = to_value(v, value_type, field, missing)?;
                    match entries.iter_mut().find(|(existing, _)| *existing == key) {
                        Some(entry) => entry.1 = value,
                        None => entries.push((key, value)),
                    }
                }
            }
            Value::Map(entries)
        }
        DataType::Row(row) => {
            let mut values = Vec::with_capacity(row.fields.len());
            for (i, f) in row.fields.iter().enumerate() {
                let path = if field.is_empty() {
                    f.name.clone()
                } else {
                    format!("{field}.{}", f.name)
                };
                let item = match json {
                    Json::Array(items) => items.get(i),
                    Json::Object(map) => map.get(&f.name),
                    _ => None,
                };
                values.push(match (item, missing) {
                    (Some(item), _) => to_value(item, &f.data_type, &path, missing)?,
                    (None, Missing::Null) => Value::Null,
                    (None, Missing::Error) => {
                        return Err(error(json, ty, &path, "could not find the field"))
                    }
                });
            }
            Value::Row(values)
        }
    })
}

fn parse_int<T: FromStr>(text: &str, name: &str) -> Result<T, String> {
    text.trim()
        .parse::<T>()
        .map_err(|_| format!("not a {name} number"))
}

/// Jackson's `canConvertToInt/Long` then `parseInt/Long`: numbers in range are truncated,
/// anything else is parsed from its text.
fn whole<T: TryFrom<i64> + FromStr>(json: &Json) -> Result<T, String> {
    if let Json::Number(n) = json {
        let as_int = if n.is_f64() {
            n.as_f64()
                .filter(|f| (i64::MIN as f64..=i64::MAX as f64).contains(f))
                .map(|f| f.trunc() as i64)
        } else {
            n.as_i64()
        };
        if let Some(v) = as_int.and_then(|v| T::try_from(v).ok()) {
            return Ok(v);
        }
    }
    json_text(json)
        .trim()
        .parse::<T>()
        .map_err(|_| "not a whole number in range".to_string())
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let engine = base64::engine::general_purpose::STANDARD;
    engine.decode(text).ok().or_else(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(text)
            .ok()
    })
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    DATE_FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
}

pub fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    TIMESTAMP_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conv(json: Json, ty: &str) -> Result<Value, LiteralError> {
        to_value(&json, &DataType::parse(ty).unwrap(), "f", Missing::Error)
    }

    #[test]
    fn scalars_convert_like_seatunnel() {
        assert_eq!(conv(json!("12"), "int").unwrap(), Value::Int(12));
        assert_eq!(conv(json!(1.9), "int").unwrap(), Value::Int(1));
        assert_eq!(conv(json!(1), "tinyint").unwrap(), Value::TinyInt(1));
        assert!(conv(json!(1.0), "tinyint").is_err());
        assert_eq!(conv(json!(3.1), "float").unwrap(), Value::Float(3.1));
        assert_eq!(conv(json!(1), "double").unwrap(), Value::Double(1.0));
        assert_eq!(conv(json!("yes"), "boolean").unwrap(), Value::Bool(false));
        assert_eq!(conv(json!(7), "string").unwrap(), Value::String("7".into()));
        assert_eq!(
            conv(json!(1.0), "string").unwrap(),
            Value::String("1.0".into())
        );
        assert_eq!(
            conv(json!("bWlJWmo="), "bytes").unwrap(),
            Value::Bytes(b"miIZj".to_vec())
        );
        assert!(conv(json!(300), "tinyint").is_err());
        assert!(conv(json!(u64::MAX), "bigint").is_err());
        assert!(conv(json!(3_000_000_000i64), "int").is_err());
        assert_eq!(conv(json!(" 42 "), "bigint").unwrap(), Value::BigInt(42));
        assert_eq!(conv(json!(null), "int").unwrap(), Value::Null);
    }

    #[test]
    fn decimals_keep_their_written_scale() {
        let Value::Decimal(d) = conv(json!(99999.99999999), "decimal(30, 8)").unwrap() else {
            panic!("not a decimal")
        };
        assert_eq!(d.as_bigint_and_exponent().1, 8);
        let Value::Decimal(d) = conv(json!("1687747869032.0000"), "decimal(17,4)").unwrap() else {
            panic!("not a decimal")
        };
        assert_eq!(d.to_string(), "1687747869032.0000");
    }

    #[test]
    fn temporal_literals() {
        assert_eq!(
            conv(json!("2012-12-21T12:34:56"), "timestamp")
                .unwrap()
                .to_string(),
            "2012-12-21T12:34:56"
        );
        assert_eq!(
            conv(json!("2021-04-08 13:34:45.235"), "timestamp")
                .unwrap()
                .to_string(),
            "2021-04-08T13:34:45.235"
        );
        assert_eq!(
            conv(json!("2012/12/21"), "date").unwrap().to_string(),
            "2012-12-21"
        );
        assert_eq!(
            conv(json!("12:34:56"), "time").unwrap().to_string(),
            "12:34:56"
        );
        assert!(conv(json!("12:34"), "time").is_err());
        assert_eq!(conv(json!(""), "date").unwrap(), Value::Null);
    }

    #[test]
    fn nested_values() {
        let v = conv(json!({"2024-01-26": "v0"}), "map<date, string>").unwrap();
        assert_eq!(v.to_string(), "{2024-01-26=v0}");
        let v = conv(
            json!({"k1": [123, "BBB-BB"]}),
            "map<string, {c_int = int, c_string = string}>",
        )
        .unwrap();
        assert_eq!(v.to_string(), "{k1=[123, BBB-BB]}");
        let err = conv(json!([1]), "{a = int, b = int}").unwrap_err();
        assert_eq!(err.field, "f.b");
        assert_eq!(
            to_value(
                &json!([1]),
                &DataType::parse("{a = int, b = int}").unwrap(),
                "",
                Missing::Null
            )
            .unwrap(),
            Value::Row(vec![Value::Int(1), Value::Null])
        );
    }
}
