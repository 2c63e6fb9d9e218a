//! `CAST(x AS type)` and `TRY_CAST`: SeaTunnel's `SystemFunction.castAs` rules.
//!
//! Numbers from strings go through Java's parsers (so `CAST('abc' AS INT)` fails with
//! `java.lang.NumberFormatException: For input string: "abc"`), integers become dates as
//! `yyyyMMdd` and times as `HHmmss`, BIGINT becomes a timestamp as epoch milliseconds in the
//! system time zone, and DECIMAL rounds toward positive infinity to the target scale.

use std::borrow::Cow;
use std::str::FromStr;

use bigdecimal::{BigDecimal, RoundingMode};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

use seatunnel_data::java::time::{date_of, time_of, TimeError};
use seatunnel_data::{java, DataType};

use super::error::{EvalError, SqlError};
use super::scalar::Scalar;
use super::types::{family, Family};

/// Target types CAST accepts, by their SQL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CastTarget {
    String,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Float,
    Double,
    Decimal { precision: u8, scale: u8 },
    Bytes,
    Boolean,
    Date,
    Time,
    Timestamp,
}

impl CastTarget {
    /// Reads the type as written in the query (`DECIMAL(10,2)`, `STRING`, `LONG`, …).
    pub fn parse(text: &str) -> Result<CastTarget, SqlError> {
        let upper = text.trim().to_ascii_uppercase();
        let (name, args) = match upper.split_once('(') {
            Some((n, rest)) => (n.trim(), Some(rest.trim_end_matches(')'))),
            None => (upper.as_str(), None),
        };
        let unsupported = || SqlError::NotSupported(format!("CAST AS {text}"));
        Ok(match name {
            "STRING" | "VARCHAR" | "TEXT" | "CHAR" => CastTarget::String,
            "TINYINT" | "BYTE" => CastTarget::TinyInt,
            "SMALLINT" | "SHORT" => CastTarget::SmallInt,
            "INT" | "INTEGER" => CastTarget::Int,
            "BIGINT" | "LONG" => CastTarget::BigInt,
            "FLOAT" | "REAL" => CastTarget::Float,
            "DOUBLE" | "DOUBLE PRECISION" => CastTarget::Double,
            "BYTES" | "BINARY" | "VARBINARY" => CastTarget::Bytes,
            "BOOLEAN" | "BOOL" => CastTarget::Boolean,
            "DATE" => CastTarget::Date,
            "TIME" => CastTarget::Time,
            "TIMESTAMP" | "DATETIME" => CastTarget::Timestamp,
            "DECIMAL" | "NUMERIC" => {
                let args = args.ok_or_else(|| {
                    SqlError::NotSupported(format!(
                        "CAST AS {text} without precision and scale; write DECIMAL(p, s)"
                    ))
                })?;
                let mut parts = args.split(',').map(|p| p.trim().parse::<u8>());
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(Ok(precision)), Some(Ok(scale)), None)
                        if (1..=38).contains(&precision) && scale <= precision =>
                    {
                        CastTarget::Decimal { precision, scale }
                    }
                    _ => return Err(unsupported()),
                }
            }
            _ => return Err(unsupported()),
        })
    }

    pub fn data_type(&self) -> DataType {
        match self {
            CastTarget::String => DataType::String,
            CastTarget::TinyInt => DataType::TinyInt,
            CastTarget::SmallInt => DataType::SmallInt,
            CastTarget::Int => DataType::Int,
            CastTarget::BigInt => DataType::BigInt,
            CastTarget::Float => DataType::Float,
            CastTarget::Double => DataType::Double,
            CastTarget::Decimal { precision, scale } => DataType::Decimal {
                precision: *precision,
                scale: *scale,
            },
            CastTarget::Bytes => DataType::Bytes,
            CastTarget::Boolean => DataType::Boolean,
            CastTarget::Date => DataType::Date,
            CastTarget::Time => DataType::Time,
            CastTarget::Timestamp => DataType::Timestamp,
        }
    }

    /// Rejects casts that fail for every value of the source type.
    pub fn check_source(&self, from: &DataType) -> Result<(), SqlError> {
        let f = family(from);
        let ok = match self {
            CastTarget::String | CastTarget::Bytes => f != Family::Nested,
            CastTarget::TinyInt
            | CastTarget::SmallInt
            | CastTarget::Int
            | CastTarget::BigInt
            | CastTarget::Float
            | CastTarget::Double
            | CastTarget::Decimal { .. } => matches!(f, Family::Number | Family::String),
            CastTarget::Boolean => {
                matches!(f, Family::Number | Family::String | Family::Boolean)
            }
            CastTarget::Date | CastTarget::Timestamp => matches!(
                f,
                Family::Number | Family::String | Family::Date | Family::Timestamp
            ),
            CastTarget::Time => matches!(
                f,
                Family::Number | Family::String | Family::Time | Family::Timestamp
            ),
        };
        if ok || f == Family::Null {
            Ok(())
        } else {
            Err(SqlError::NotSupported(format!(
                "CAST from {from} to {}",
                self.data_type()
            )))
        }
    }

    pub fn apply<'a>(&self, v: Scalar<'a>) -> Result<Scalar<'a>, EvalError> {
        if v.is_null() {
            return Ok(Scalar::Null);
        }
        Ok(match self {
            CastTarget::String => match v {
                Scalar::Str(s) => Scalar::Str(s),
                other => Scalar::Str(Cow::Owned(other.rendered().into_owned())),
            },
            CastTarget::TinyInt => {
                Scalar::TinyInt(
                    parse_java_int(&v.rendered(), i8::MIN as i64, i8::MAX as i64)? as i8,
                )
            }
            CastTarget::SmallInt => {
                Scalar::SmallInt(
                    parse_java_int(&v.rendered(), i16::MIN as i64, i16::MAX as i64)? as i16,
                )
            }
            CastTarget::Int => match &v {
                Scalar::Str(s) => {
                    Scalar::Int(parse_java_int(s, i32::MIN as i64, i32::MAX as i64)? as i32)
                }
                other => Scalar::Int(other.as_i32().ok_or_else(|| unsupported(&v, "INTEGER"))?),
            },
            CastTarget::BigInt => match &v {
                Scalar::Str(s) => Scalar::BigInt(parse_java_int(s, i64::MIN, i64::MAX)?),
                other => Scalar::BigInt(other.as_i64().ok_or_else(|| unsupported(&v, "LONG"))?),
            },
            CastTarget::Double => Scalar::Double(parse_java_double(&v.rendered())?),
            CastTarget::Float => Scalar::Float(parse_java_float(&v.rendered())?),
            CastTarget::Decimal { scale, .. } => {
                let d = parse_java_decimal(&v.rendered())?;
                Scalar::Decimal(Cow::Owned(
                    d.with_scale_round(*scale as i64, RoundingMode::Ceiling),
                ))
            }
            CastTarget::Bytes => match v {
                Scalar::Bytes(b) => Scalar::Bytes(b),
                other => Scalar::Bytes(Cow::Owned(other.rendered().into_owned().into_bytes())),
            },
            CastTarget::Boolean => Scalar::Bool(to_boolean(&v)?),
            CastTarget::Date => Scalar::Date(to_date(&v)?),
            CastTarget::Time => Scalar::Time(to_time(&v)?),
            CastTarget::Timestamp => Scalar::Timestamp(to_timestamp(&v)?),
        })
    }
}

fn unsupported(v: &Scalar<'_>, target: &str) -> EvalError {
    EvalError::Unsupported(format!("Unsupported CAST {} to {target}", v.rendered()))
}

/// `Integer.parseInt`/`Long.parseLong`, then the range check of `Byte`/`Short.parseXxx`.
pub fn parse_java_int(text: &str, min: i64, max: i64) -> Result<i64, EvalError> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EvalError::input_string(text));
    }
    let v: i64 = text.parse().map_err(|_| EvalError::input_string(text))?;
    if v < min || v > max {
        // Byte/Short parse through int and report the range; int/long overflow is a bad input.
        return Err(
            if min >= i32::MIN as i64
                && max < i32::MAX as i64
                && v >= i32::MIN as i64
                && v <= i32::MAX as i64
            {
                EvalError::NumberFormat(format!("Value out of range. Value:\"{text}\" Radix:10"))
            } else {
                EvalError::input_string(text)
            },
        );
    }
    Ok(v)
}

/// `Double.parseDouble`, with Java's messages: `empty String` for blank text, else the
/// `For input string` of the text as given.
pub fn parse_java_double(text: &str) -> Result<f64, EvalError> {
    parse_java(text, java::float::parse_double)
}

/// `Float.parseFloat`: rounded once, straight to `f32`.
pub fn parse_java_float(text: &str) -> Result<f32, EvalError> {
    parse_java(text, java::float::parse_float)
}

fn parse_java<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, EvalError> {
    if text.trim_matches(|c: char| c <= ' ').is_empty() {
        return Err(EvalError::NumberFormat("empty String".into()));
    }
    parse(text).ok_or_else(|| EvalError::input_string(text))
}

/// `new BigDecimal(String)`.
pub fn parse_java_decimal(text: &str) -> Result<BigDecimal, EvalError> {
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')))
    {
        return Err(EvalError::NumberFormat(format!(
            "Character {c} is neither a decimal digit number, decimal point, nor \"e\" notation exponential mark."
        )));
    }
    BigDecimal::from_str(text).map_err(|_| EvalError::input_string(text))
}

fn to_boolean(v: &Scalar<'_>) -> Result<bool, EvalError> {
    let bad = || EvalError::Unsupported(format!("Unsupported CAST AS Boolean: {}", v.rendered()));
    match v {
        Scalar::Bool(b) => Ok(*b),
        Scalar::Str(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Scalar::Str(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        other => match other.as_i32() {
            Some(1) => Ok(true),
            Some(0) => Ok(false),
            _ => Err(bad()),
        },
    }
}

fn to_date(v: &Scalar<'_>) -> Result<NaiveDate, EvalError> {
    match v {
        Scalar::Date(d) => Ok(*d),
        Scalar::Timestamp(ts) => Ok(ts.date()),
        Scalar::Str(s) => parse_iso_timestamp(s)
            .map(|ts| ts.date())
            .or_else(|| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
            .ok_or_else(|| iso_parse_error(s)),
        other => {
            let n = other.as_i64().ok_or_else(|| unsupported(other, "DATE"))?;
            Ok(date_of(n / 10000, (n / 100) % 100, n % 100)?)
        }
    }
}

fn to_time(v: &Scalar<'_>) -> Result<NaiveTime, EvalError> {
    match v {
        Scalar::Time(t) => Ok(*t),
        Scalar::Timestamp(ts) => Ok(ts.time()),
        Scalar::Str(s) => NaiveTime::from_str(s.trim()).map_err(|_| iso_parse_error(s)),
        other => {
            let n = other.as_i64().ok_or_else(|| unsupported(other, "TIME"))?;
            Ok(time_of(n / 10000, (n / 100) % 100, n % 100)?)
        }
    }
}

fn to_timestamp(v: &Scalar<'_>) -> Result<NaiveDateTime, EvalError> {
    match v {
        Scalar::Timestamp(ts) => Ok(*ts),
        Scalar::Date(d) => Ok(d.and_time(NaiveTime::MIN)),
        Scalar::Str(s) => parse_iso_timestamp(s).ok_or_else(|| iso_parse_error(s)),
        other => {
            let millis = other
                .as_i64()
                .ok_or_else(|| unsupported(other, "TIMESTAMP"))?;
            epoch_millis_local(millis)
        }
    }
}

/// `LocalDateTime.ofInstant(Instant.ofEpochMilli(ms), ZoneId.systemDefault())`.
pub fn epoch_millis_local(millis: i64) -> Result<NaiveDateTime, EvalError> {
    chrono::Local
        .timestamp_millis_opt(millis)
        .single()
        .map(|dt| dt.naive_local())
        .ok_or_else(|| {
            EvalError::Time(TimeError::Invalid(format!(
                "Instant exceeds minimum or maximum instant: {millis}"
            )))
        })
}

/// `yyyy-MM-dd[T| ]HH:mm[:ss[.fraction]]`.
fn parse_iso_timestamp(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
}

fn iso_parse_error(text: &str) -> EvalError {
    EvalError::Time(TimeError::Parse {
        text: text.to_string(),
        detail: " at index 0".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cast(v: Scalar<'static>, target: &str) -> Result<Scalar<'static>, EvalError> {
        CastTarget::parse(target).unwrap().apply(v)
    }

    #[test]
    fn parses_type_names() {
        assert_eq!(
            CastTarget::parse("DECIMAL(10,2)").unwrap(),
            CastTarget::Decimal {
                precision: 10,
                scale: 2
            }
        );
        assert_eq!(CastTarget::parse("long").unwrap(), CastTarget::BigInt);
        assert_eq!(
            CastTarget::parse("ARRAY<INT>").unwrap_err().to_string(),
            "not supported: CAST AS ARRAY<INT>"
        );
    }

    #[test]
    fn bad_numbers_fail_like_java() {
        assert_eq!(
            cast(Scalar::Str("abc".into()), "INT")
                .unwrap_err()
                .to_string(),
            "java.lang.NumberFormatException: For input string: \"abc\""
        );
        assert_eq!(
            cast(Scalar::Str("300".into()), "TINYINT")
                .unwrap_err()
                .to_string(),
            "java.lang.NumberFormatException: Value out of range. Value:\"300\" Radix:10"
        );
        assert_eq!(
            cast(Scalar::Str("".into()), "DOUBLE")
                .unwrap_err()
                .to_string(),
            "java.lang.NumberFormatException: empty String"
        );
        assert!(cast(Scalar::Str("inf".into()), "DOUBLE").is_err());
        assert_eq!(
            cast(Scalar::Str(" 1.5d ".into()), "DOUBLE").unwrap(),
            Scalar::Double(1.5)
        );
        assert_eq!(
            cast(Scalar::Str("1.2x".into()), "DECIMAL(5,1)").unwrap_err().to_string(),
            "java.lang.NumberFormatException: Character x is neither a decimal digit number, decimal point, nor \"e\" notation exponential mark."
        );
        assert!(cast(Scalar::Str("99999999999".into()), "INT").is_err());
    }

    #[test]
    fn numbers_convert_like_seatunnel() {
        assert_eq!(cast(Scalar::BigInt(1), "INT").unwrap(), Scalar::Int(1));
        assert_eq!(cast(Scalar::Double(2.9), "INT").unwrap(), Scalar::Int(2));
        assert_eq!(
            cast(Scalar::Str(" 12.4 ".into()), "DOUBLE").unwrap(),
            Scalar::Double(12.4)
        );
        assert_eq!(
            cast(Scalar::Float(1.1), "DOUBLE").unwrap(),
            Scalar::Double(1.1)
        );
        assert_eq!(
            cast(Scalar::Str("12.4".into()), "DECIMAL(10,2)")
                .unwrap()
                .rendered(),
            "12.40"
        );
        assert_eq!(
            cast(Scalar::Str("1.231".into()), "DECIMAL(10,2)")
                .unwrap()
                .rendered(),
            "1.24"
        );
        assert_eq!(
            cast(Scalar::BigInt(1687747869032), "DECIMAL(17,4)")
                .unwrap()
                .rendered(),
            "1687747869032.0000"
        );
        assert!(
            cast(Scalar::Double(1.0), "TINYINT").is_err(),
            "Byte.parseByte(\"1.0\") fails"
        );
    }

    #[test]
    fn integers_become_dates_and_times() {
        assert_eq!(
            cast(Scalar::Int(20230625), "DATE").unwrap(),
            Scalar::Date(NaiveDate::from_ymd_opt(2023, 6, 25).unwrap())
        );
        assert_eq!(
            cast(Scalar::Int(235109), "TIME").unwrap(),
            Scalar::Time(NaiveTime::from_hms_opt(23, 51, 9).unwrap())
        );
        assert!(cast(Scalar::Int(20231325), "DATE").is_err());
        let local = epoch_millis_local(1687747869032).unwrap();
        assert_eq!(
            cast(Scalar::BigInt(1687747869032), "TIMESTAMP").unwrap(),
            Scalar::Timestamp(local)
        );
    }

    #[test]
    fn booleans_accept_words_and_bits() {
        assert_eq!(
            cast(Scalar::Str("TRUE".into()), "BOOLEAN").unwrap(),
            Scalar::Bool(true)
        );
        assert_eq!(
            cast(Scalar::Int(0), "BOOLEAN").unwrap(),
            Scalar::Bool(false)
        );
        assert!(cast(Scalar::Int(2), "BOOLEAN").is_err());
    }

    #[test]
    fn impossible_casts_fail_at_bind() {
        let t = CastTarget::parse("DATE").unwrap();
        assert!(t.check_source(&DataType::Boolean).is_err());
        assert!(t.check_source(&DataType::Timestamp).is_ok());
    }
}
