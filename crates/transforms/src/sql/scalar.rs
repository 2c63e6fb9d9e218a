//! [`Scalar`]: the value of one SQL expression for one row.
//!
//! Strings, bytes, decimals and nested values borrow from the input batch or from the compiled
//! query whenever they can, so a filter such as `name = 'abc'` or a pass-through column costs no
//! allocation. Only computed results own their data.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::Write as _;
use std::str::FromStr;

use bigdecimal::{BigDecimal, ToPrimitive};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use seatunnel_data::{Batch, DataType, Datum, Value};

use super::error::EvalError;

#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    TinyInt(i8),
    SmallInt(i16),
    Int(i32),
    BigInt(i64),
    Float(f32),
    Double(f64),
    Decimal(Cow<'a, BigDecimal>),
    Str(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
    Date(NaiveDate),
    Time(NaiveTime),
    Timestamp(NaiveDateTime),
    /// Arrays, maps and rows.
    Nested(Cow<'a, Value>),
}

/// A numeric scalar reduced to the three ways arithmetic and comparison treat numbers.
#[derive(Debug, Clone, Copy)]
pub enum Num<'s> {
    Int(i64),
    Float(f64),
    Dec(&'s BigDecimal),
}

impl<'a> Scalar<'a> {
    /// Reads one cell of a batch, borrowing its payload.
    pub fn from_datum(batch: &'a Batch, datum: Datum) -> Scalar<'a> {
        match datum {
            Datum::Null => Scalar::Null,
            Datum::String(span) => Scalar::Str(Cow::Borrowed(batch.str(span))),
            Datum::Bytes(span) => Scalar::Bytes(Cow::Borrowed(batch.bytes(span))),
            Datum::Decimal(span) => Scalar::Decimal(Cow::Owned(
                BigDecimal::from_str(batch.str(span)).unwrap_or_default(),
            )),
            Datum::Nested(i) => Scalar::from_value(batch.nested(i)),
            fixed => Scalar::from_value(&batch.datum_value(fixed)).into_owned(),
        }
    }

    /// Views an owned value (a literal, or a part of a nested column) as a scalar.
    pub fn from_value(value: &'a Value) -> Scalar<'a> {
        match value {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::TinyInt(v) => Scalar::TinyInt(*v),
            Value::SmallInt(v) => Scalar::SmallInt(*v),
            Value::Int(v) => Scalar::Int(*v),
            Value::BigInt(v) => Scalar::BigInt(*v),
            Value::Float(v) => Scalar::Float(*v),
            Value::Double(v) => Scalar::Double(*v),
            Value::Decimal(d) => Scalar::Decimal(Cow::Borrowed(d)),
            Value::String(s) => Scalar::Str(Cow::Borrowed(s)),
            Value::Bytes(b) => Scalar::Bytes(Cow::Borrowed(b)),
            Value::Date(d) => Scalar::Date(*d),
            Value::Time(t) => Scalar::Time(*t),
            Value::Timestamp(t) => Scalar::Timestamp(*t),
            Value::Array(_) | Value::Map(_) | Value::Row(_) => Scalar::Nested(Cow::Borrowed(value)),
        }
    }

    pub fn into_owned(self) -> Scalar<'static> {
        match self {
            Scalar::Null => Scalar::Null,
            Scalar::Bool(b) => Scalar::Bool(b),
            Scalar::TinyInt(v) => Scalar::TinyInt(v),
            Scalar::SmallInt(v) => Scalar::SmallInt(v),
            Scalar::Int(v) => Scalar::Int(v),
            Scalar::BigInt(v) => Scalar::BigInt(v),
            Scalar::Float(v) => Scalar::Float(v),
            Scalar::Double(v) => Scalar::Double(v),
            Scalar::Decimal(d) => Scalar::Decimal(Cow::Owned(d.into_owned())),
            Scalar::Str(s) => Scalar::Str(Cow::Owned(s.into_owned())),
            Scalar::Bytes(b) => Scalar::Bytes(Cow::Owned(b.into_owned())),
            Scalar::Date(d) => Scalar::Date(d),
            Scalar::Time(t) => Scalar::Time(t),
            Scalar::Timestamp(t) => Scalar::Timestamp(t),
            Scalar::Nested(v) => Scalar::Nested(Cow::Owned(v.into_owned())),
        }
    }

    /// The owned value, for building nested results.
    pub fn to_value(&self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::TinyInt(v) => Value::TinyInt(*v),
            Scalar::SmallInt(v) => Value::SmallInt(*v),
            Scalar::Int(v) => Value::Int(*v),
            Scalar::BigInt(v) => Value::BigInt(*v),
            Scalar::Float(v) => Value::Float(*v),
            Scalar::Double(v) => Value::Double(*v),
            Scalar::Decimal(d) => Value::Decimal(d.as_ref().clone()),
            Scalar::Str(s) => Value::String(s.to_string()),
            Scalar::Bytes(b) => Value::Bytes(b.to_vec()),
            Scalar::Date(d) => Value::Date(*d),
            Scalar::Time(t) => Value::Time(*t),
            Scalar::Timestamp(t) => Value::Timestamp(*t),
            Scalar::Nested(v) => v.as_ref().clone(),
        }
    }

    /// The owned value converted to a column type, as [`Scalar::push`] converts cells.
    pub fn to_value_as(&self, ty: &DataType) -> Value {
        match (self.num(), ty) {
            (_, DataType::String) if !self.is_null() => Value::String(self.rendered().into_owned()),
            (Some(n), DataType::TinyInt) => Value::TinyInt(n.to_i64() as i8),
            (Some(n), DataType::SmallInt) => Value::SmallInt(n.to_i64() as i16),
            (Some(n), DataType::Int) => Value::Int(n.to_i64() as i32),
            (Some(n), DataType::BigInt) => Value::BigInt(n.to_i64()),
            (Some(n), DataType::Float) => Value::Float(n.to_f64() as f32),
            (Some(n), DataType::Double) => Value::Double(n.to_f64()),
            (Some(n), DataType::Decimal { .. }) => Value::Decimal(n.to_decimal()),
            _ => self.to_value(),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Scalar::Null)
    }

    pub fn num(&self) -> Option<Num<'_>> {
        Some(match self {
            Scalar::TinyInt(v) => Num::Int(*v as i64),
            Scalar::SmallInt(v) => Num::Int(*v as i64),
            Scalar::Int(v) => Num::Int(*v as i64),
            Scalar::BigInt(v) => Num::Int(*v),
            Scalar::Float(v) => Num::Float(*v as f64),
            Scalar::Double(v) => Num::Float(*v),
            Scalar::Decimal(d) => Num::Dec(d),
            _ => return None,
        })
    }

    /// Java's `Number.doubleValue()`.
    pub fn as_f64(&self) -> Option<f64> {
        self.num().map(Num::to_f64)
    }

    /// Java's `Number.longValue()`: floats truncate toward zero and saturate.
    pub fn as_i64(&self) -> Option<i64> {
        self.num().map(Num::to_i64)
    }

    /// Java's `Number.intValue()`: integers wrap, floats truncate and saturate.
    pub fn as_i32(&self) -> Option<i32> {
        self.num().map(|n| match n {
            Num::Int(v) => v as i32,
            Num::Float(f) => f as i32,
            Num::Dec(d) => d.to_i64().map_or(0, |v| v as i32),
        })
    }

    /// Java's `Object.toString()`, as `CONCAT`, `CAST(… AS STRING)` and `||` render values.
    pub fn render(&self, out: &mut String) {
        let _ = match self {
            Scalar::Null => write!(out, "null"),
            Scalar::Str(s) => {
                out.push_str(s);
                Ok(())
            }
            Scalar::Decimal(d) => d.write_plain_string(out),
            Scalar::Nested(v) => write!(out, "{v}"),
            other => write!(out, "{}", other.to_value()),
        };
    }

    pub fn rendered(&self) -> Cow<'_, str> {
        match self {
            Scalar::Str(s) => Cow::Borrowed(s),
            other => {
                let mut s = String::new();
                other.render(&mut s);
                Cow::Owned(s)
            }
        }
    }

    /// Appends this value as a cell of a column of type `ty`, converting numbers the way Java's
    /// `Number` accessors do when an expression's runtime value is narrower or wider than the
    /// type the query declared for it.
    pub fn push(self, out: &mut Batch, ty: &DataType) -> Result<(), EvalError> {
        use Scalar as S;
        match (self, ty) {
            (S::Null, _) => out.push(Datum::Null),
            (S::Bool(b), DataType::Boolean) => out.push(Datum::Bool(b)),
            (S::Str(s), DataType::String) => out.push_str(&s),
            (S::Bytes(b), DataType::Bytes) => out.push_bytes(&b),
            (S::Date(d), DataType::Date) => out.push_value(&Value::Date(d)),
            (S::Time(t), DataType::Time) => out.push_value(&Value::Time(t)),
            (S::Timestamp(t), DataType::Timestamp) => out.push_value(&Value::Timestamp(t)),
            (S::Nested(v), DataType::Array(_) | DataType::Map(..) | DataType::Row(_)) => {
                out.push_nested(v.into_owned())
            }
            (v, DataType::String) => out.push_str(&v.rendered()),
            (v, numeric) if v.num().is_some() && numeric.is_numeric() => {
                let n = v.num().expect("checked numeric");
                match numeric {
                    DataType::TinyInt => out.push(Datum::TinyInt(n.to_i64() as i8)),
                    DataType::SmallInt => out.push(Datum::SmallInt(n.to_i64() as i16)),
                    DataType::Int => out.push(Datum::Int(n.to_i64() as i32)),
                    DataType::BigInt => out.push(Datum::BigInt(n.to_i64())),
                    DataType::Float => out.push(Datum::Float(n.to_f64() as f32)),
                    DataType::Double => out.push(Datum::Double(n.to_f64())),
                    _ => out.push_decimal_text(&n.to_decimal().to_plain_string()),
                }
            }
            (v, ty) => {
                return Err(EvalError::Unsupported(format!(
                    "cannot store {} value '{}' in a {} column",
                    v.kind_name(),
                    v.rendered(),
                    ty
                )))
            }
        }
        Ok(())
    }

    /// Java's class name of the value, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Scalar::Null => "Null",
            Scalar::Bool(_) => "Boolean",
            Scalar::TinyInt(_) => "Byte",
            Scalar::SmallInt(_) => "Short",
            Scalar::Int(_) => "Integer",
            Scalar::BigInt(_) => "Long",
            Scalar::Float(_) => "Float",
            Scalar::Double(_) => "Double",
            Scalar::Decimal(_) => "BigDecimal",
            Scalar::Str(_) => "String",
            Scalar::Bytes(_) => "byte[]",
            Scalar::Date(_) => "LocalDate",
            Scalar::Time(_) => "LocalTime",
            Scalar::Timestamp(_) => "LocalDateTime",
            Scalar::Nested(_) => "Object",
        }
    }

    /// Orders two values of the same kind; numbers of any width compare by value. `None` when
    /// the kinds differ (or a NaN is involved).
    pub fn compare(&self, other: &Scalar<'_>) -> Option<Ordering> {
        use Scalar as S;
        match (self, other) {
            (S::Str(a), S::Str(b)) => Some(a.as_ref().cmp(b.as_ref())),
            (S::Bool(a), S::Bool(b)) => Some(a.cmp(b)),
            (S::Date(a), S::Date(b)) => Some(a.cmp(b)),
            (S::Time(a), S::Time(b)) => Some(a.cmp(b)),
            (S::Timestamp(a), S::Timestamp(b)) => Some(a.cmp(b)),
            (S::Bytes(a), S::Bytes(b)) => Some(a.as_ref().cmp(b.as_ref())),
            (a, b) => a.num()?.compare(b.num()?),
        }
    }

    /// SQL equality as SeaTunnel's filter applies it: numbers by value, everything else only
    /// equal to a value of the same kind.
    pub fn sql_equals(&self, other: &Scalar<'_>) -> bool {
        match (self, other) {
            (Scalar::Nested(a), Scalar::Nested(b)) => a == b,
            (a, b) => a.compare(b) == Some(Ordering::Equal),
        }
    }
}

impl Num<'_> {
    pub fn to_f64(self) -> f64 {
        match self {
            Num::Int(v) => v as f64,
            Num::Float(v) => v,
            Num::Dec(d) => decimal_to_f64(d),
        }
    }

    pub fn to_i64(self) -> i64 {
        match self {
            Num::Int(v) => v,
            Num::Float(v) => v as i64,
            Num::Dec(d) => d.with_scale(0).to_i64().unwrap_or(0),
        }
    }

    /// The exact decimal form; floats go through their shortest decimal text, as Java's
    /// `BigDecimal.valueOf(double)` does.
    pub fn to_decimal(self) -> BigDecimal {
        match self {
            Num::Int(v) => BigDecimal::from(v),
            Num::Float(v) => double_to_decimal(v),
            Num::Dec(d) => d.clone(),
        }
    }

    fn compare(self, other: Num<'_>) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (Num::Float(a), b) => a.partial_cmp(&b.to_f64()),
            (a, Num::Float(b)) => a.to_f64().partial_cmp(&b),
            (a, b) => Some(a.to_decimal().cmp(&b.to_decimal())),
        }
    }
}

/// `BigDecimal.doubleValue()`: through the decimal text, which Rust parses with correct rounding.
pub fn decimal_to_f64(d: &BigDecimal) -> f64 {
    d.to_string().parse().unwrap_or(f64::NAN)
}

/// `BigDecimal.valueOf(double)`. Infinite and NaN values have no decimal form; they map to zero,
/// where Java would throw, and callers that can see them check first.
pub fn double_to_decimal(v: f64) -> BigDecimal {
    if !v.is_finite() {
        return BigDecimal::default();
    }
    BigDecimal::from_str(&format!("{v}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use seatunnel_data::{Field, RowKind, TablePath, TableSchema};

    #[test]
    fn cells_are_borrowed_from_the_batch() {
        let schema = TableSchema::new(
            TablePath::parse("t"),
            vec![
                Field::new("s", DataType::String),
                Field::new(
                    "d",
                    DataType::Decimal {
                        precision: 10,
                        scale: 2,
                    },
                ),
            ],
        );
        let mut b = Batch::new(schema);
        b.begin_row(RowKind::Insert);
        b.push_str("abc");
        b.push_decimal_text("12.40");
        let s = Scalar::from_datum(&b, b.get(0, 0));
        assert!(matches!(s, Scalar::Str(Cow::Borrowed("abc"))));
        let d = Scalar::from_datum(&b, b.get(0, 1));
        assert_eq!(d.rendered(), "12.40");
    }

    #[test]
    fn numbers_compare_across_kinds() {
        let dec = Scalar::Decimal(Cow::Owned(
            BigDecimal::from_str("2924137191386439303744.39292216").unwrap(),
        ));
        assert_eq!(dec.compare(&Scalar::Int(1)), Some(Ordering::Greater));
        assert!(Scalar::TinyInt(117).sql_equals(&Scalar::Int(117)));
        assert!(Scalar::Float(1.5).sql_equals(&Scalar::Double(1.5)));
        assert!(!Scalar::Str("1".into()).sql_equals(&Scalar::Int(1)));
        assert_eq!(Scalar::Str("a".into()).compare(&Scalar::Int(1)), None);
    }

    #[test]
    fn rendering_follows_java_to_string() {
        assert_eq!(Scalar::Double(1.0).rendered(), "1.0");
        assert_eq!(Scalar::Bool(true).rendered(), "true");
        let ts = NaiveDate::from_ymd_opt(2021, 4, 15)
            .unwrap()
            .and_hms_milli_opt(13, 34, 45, 235)
            .unwrap();
        assert_eq!(Scalar::Timestamp(ts).rendered(), "2021-04-15T13:34:45.235");
    }

    #[test]
    fn push_converts_numbers_to_the_declared_type() {
        let schema = TableSchema::new(
            TablePath::parse("t"),
            vec![Field::new("x", DataType::Double)],
        );
        let mut b = Batch::new(schema);
        b.begin_row(RowKind::Insert);
        Scalar::Int(1).push(&mut b, &DataType::Double).unwrap();
        assert_eq!(b.value(0, 0), Value::Double(1.0));
        assert!(Scalar::Str("x".into())
            .push(&mut b, &DataType::Date)
            .is_err());
    }

    #[test]
    fn doubles_become_decimals_by_their_shortest_text() {
        assert_eq!(double_to_decimal(5.4).to_string(), "5.4");
        assert_eq!(decimal_to_f64(&BigDecimal::from_str("2.2").unwrap()), 2.2);
    }
}
