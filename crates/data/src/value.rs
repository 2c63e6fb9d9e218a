//! The owned value of one field, for the places where rows are few: literals from job files,
//! SQL evaluation, nested columns, Assert rule operands.

use std::cmp::Ordering;
use std::fmt;

use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::types::DataType;
use crate::java;

/// Byte sizes SeaTunnel's `SeaTunnelRow.getBytesSize` assigns to fixed-size types; the
/// `SourceReceivedBytes`/`SinkWriteBytes` metrics are sums of these, so they must match exactly.
pub(crate) mod byte_size {
    pub const DECIMAL: usize = 36;
    pub const DATE: usize = 24;
    pub const TIME: usize = 12;
    pub const TIMESTAMP: usize = 48;
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    TinyInt(i8),
    SmallInt(i16),
    Int(i32),
    BigInt(i64),
    Float(f32),
    Double(f64),
    Decimal(BigDecimal),
    String(String),
    Bytes(Vec<u8>),
    Date(NaiveDate),
    Time(NaiveTime),
    Timestamp(NaiveDateTime),
    Array(Vec<Value>),
    Map(Vec<(Value, Value)>),
    Row(Vec<Value>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as an `f64` when it is numeric; used for MIN/MAX rules and mixed arithmetic.
    pub fn as_f64(&self) -> Option<f64> {
        use bigdecimal::ToPrimitive;
        Some(match self {
            Value::TinyInt(v) => *v as f64,
            Value::SmallInt(v) => *v as f64,
            Value::Int(v) => *v as f64,
            Value::BigInt(v) => *v as f64,
            Value::Float(v) => *v as f64,
            Value::Double(v) => *v,
            Value::Decimal(v) => v.to_f64()?,
            _ => return None,
        })
    }

    /// The value as an `i64` when it is an integer type.
    pub fn as_i64(&self) -> Option<i64> {
        Some(match self {
            Value::TinyInt(v) => *v as i64,
            Value::SmallInt(v) => *v as i64,
            Value::Int(v) => *v as i64,
            Value::BigInt(v) => *v,
            _ => return None,
        })
    }

    /// The number of bytes SeaTunnel counts for this value in byte metrics.
    pub fn bytes_size(&self) -> usize {
        match self {
            Value::Null => 0,
            Value::Bool(_) | Value::TinyInt(_) => 1,
            Value::SmallInt(_) => 2,
            Value::Int(_) | Value::Float(_) => 4,
            Value::BigInt(_) | Value::Double(_) => 8,
            Value::Decimal(_) => byte_size::DECIMAL,
            Value::String(s) => java_len(s),
            Value::Bytes(b) => b.len(),
            Value::Date(_) => byte_size::DATE,
            Value::Time(_) => byte_size::TIME,
            Value::Timestamp(_) => byte_size::TIMESTAMP,
            Value::Array(items) | Value::Row(items) => items.iter().map(Value::bytes_size).sum(),
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| k.bytes_size() + v.bytes_size())
                .sum(),
        }
    }

    /// The most natural column type for this value, for SQL literals and type inference.
    pub fn data_type(&self) -> DataType {
        match self {
            Value::Null => DataType::Null,
            Value::Bool(_) => DataType::Boolean,
            Value::TinyInt(_) => DataType::TinyInt,
            Value::SmallInt(_) => DataType::SmallInt,
            Value::Int(_) => DataType::Int,
            Value::BigInt(_) => DataType::BigInt,
            Value::Float(_) => DataType::Float,
            Value::Double(_) => DataType::Double,
            Value::Decimal(d) => {
                let (_, scale) = d.as_bigint_and_exponent();
                DataType::Decimal {
                    precision: 38,
                    scale: scale.clamp(0, 38) as u8,
                }
            }
            Value::String(_) => DataType::String,
            Value::Bytes(_) => DataType::Bytes,
            Value::Date(_) => DataType::Date,
            Value::Time(_) => DataType::Time,
            Value::Timestamp(_) => DataType::Timestamp,
            Value::Array(items) => DataType::Array(Box::new(
                items
                    .iter()
                    .find(|v| !v.is_null())
                    .map_or(DataType::String, Value::data_type),
            )),
            Value::Map(_) => DataType::Map(Box::new(DataType::String), Box::new(DataType::String)),
            Value::Row(_) => DataType::String,
        }
    }

    /// Compares two values of compatible types; numbers compare across widths. `None` when the
    /// values cannot be ordered (different kinds, or a NaN).
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Null, Value::Null) => Some(Ordering::Equal),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            (Value::Bytes(a), Value::Bytes(b)) => Some(a.cmp(b)),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            (Value::Time(a), Value::Time(b)) => Some(a.cmp(b)),
            (Value::Timestamp(a), Value::Timestamp(b)) => Some(a.cmp(b)),
            (Value::Decimal(a), Value::Decimal(b)) => Some(a.cmp(b)),
            (a, b) => match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => Some(x.cmp(&y)),
                _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
            },
        }
    }
}

/// Java's `String.length()`: UTF-16 code units. SeaTunnel counts string bytes this way.
pub(crate) fn java_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

/// Java-style rendering (`String.valueOf`), as SeaTunnel's Console sink prints fields.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::TinyInt(v) => write!(f, "{v}"),
            Value::SmallInt(v) => write!(f, "{v}"),
            Value::Int(v) => write!(f, "{v}"),
            Value::BigInt(v) => write!(f, "{v}"),
            Value::Float(v) => java::float::fmt_float(f, *v),
            Value::Double(v) => java::float::fmt_double(f, *v),
            Value::Decimal(v) => write!(f, "{}", v.to_plain_string()),
            Value::String(v) => f.write_str(v),
            Value::Bytes(v) => write_list(f, v.iter()),
            Value::Date(v) => write!(f, "{}", v.format("%Y-%m-%d")),
            Value::Time(v) => java::time::fmt_local_time(f, v),
            Value::Timestamp(v) => {
                write!(f, "{}T", v.date().format("%Y-%m-%d"))?;
                java::time::fmt_local_time(f, &v.time())
            }
            Value::Array(items) => write_list(f, items.iter()),
            Value::Row(items) => write_list(f, items.iter()),
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}={v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

fn write_list<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: impl Iterator<Item = T>,
) -> fmt::Result {
    f.write_str("[")?;
    for (i, item) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    f.write_str("]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_like_java() {
        assert_eq!(Value::Double(1.0).to_string(), "1.0");
        assert_eq!(Value::Double(0.5).to_string(), "0.5");
        assert_eq!(Value::Double(1.0e7).to_string(), "1.0E7");
        assert_eq!(Value::Float(2.5).to_string(), "2.5");
    }

    #[test]
    fn times_print_like_java() {
        let t = NaiveTime::from_hms_opt(12, 30, 0).unwrap();
        assert_eq!(Value::Time(t).to_string(), "12:30");
        let ts = NaiveDate::from_ymd_opt(2024, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap();
        assert_eq!(Value::Timestamp(ts).to_string(), "2024-01-02T03:04:05");
    }

    #[test]
    fn numbers_compare_across_widths() {
        assert_eq!(
            Value::Int(3).compare(&Value::BigInt(3)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            Value::Double(2.5).compare(&Value::Int(3)),
            Some(Ordering::Less)
        );
        assert_eq!(Value::String("a".into()).compare(&Value::Int(1)), None);
    }

    #[test]
    fn bytes_size_matches_seatunnel() {
        let row = Value::Row(vec![
            Value::BigInt(1),
            Value::String("A".into()),
            Value::Int(100),
        ]);
        assert_eq!(row.bytes_size(), 13);
    }
}
