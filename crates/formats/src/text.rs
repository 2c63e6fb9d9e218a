//! Reading text and csv lines into rows, with SeaTunnel's `TextDeserializationSchema` rules:
//! - the line is split on `field_delimiter` (text) or as one csv record (csv);
//! - a blank piece (empty or whitespace) is null, whatever the column type;
//! - missing trailing pieces are null, extra pieces are ignored;
//! - nested values split on the fixed separators `\u{2}`, `\u{3}`, … one level deeper each time:
//!   array elements and map entries on level+1, a map's key and value on level+2, a row's
//!   fields on level+1;
//! - booleans are `true` (any case) or else false; numbers, decimals and temporals must parse,
//!   otherwise the read fails naming the value and type.

use std::ops::Range;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::csv::split_record;
use super::options::{Formats, Splitter, TEXT_SEPARATORS};
use super::temporal;
use seatunnel_data::java::float::{parse_double, parse_float};
use seatunnel_data::temporal::{date_to_days, time_to_nanos, timestamp_to_nanos};
use seatunnel_data::{Batch, DataType, Datum, Field, RowKind, Value};

/// How one line becomes the projected columns of a row.
pub struct LineDecoder {
    split: Split,
    /// Declared columns, in file order.
    fields: Vec<Field>,
    /// Declared column index for each output column.
    projection: Vec<usize>,
    formats: Formats,
    pieces: Vec<Range<usize>>,
    scratch: String,
}

pub enum Split {
    Text(Splitter),
    Csv(char),
    /// No schema: the whole line is the single `content` column.
    Whole,
}

impl LineDecoder {
    pub fn new(split: Split, fields: Vec<Field>, projection: Vec<usize>, formats: Formats) -> Self {
        LineDecoder {
            split,
            fields,
            projection,
            formats,
            pieces: Vec::new(),
            scratch: String::new(),
        }
    }

    /// Appends the row `line` holds: its projected columns, then the partition values.
    pub fn decode(
        &mut self,
        line: &str,
        partitions: &[Option<String>],
        out: &mut Batch,
    ) -> Result<(), String> {
        let rows = out.len();
        out.begin_row(RowKind::Insert);
        let result = self.push_columns(line, out);
        if result.is_err() {
            out.truncate_rows(rows);
            return result;
        }
        push_partitions(partitions, out);
        Ok(())
    }

    fn push_columns(&mut self, line: &str, out: &mut Batch) -> Result<(), String> {
        self.pieces.clear();
        let source: &str = match &self.split {
            Split::Whole => {
                out.push_str(line);
                return Ok(());
            }
            Split::Text(splitter) => {
                let base = line.as_ptr() as usize;
                let pieces = &mut self.pieces;
                splitter.split(line, |p| {
                    let start = p.as_ptr() as usize - base;
                    pieces.push(start..start + p.len());
                });
                line
            }
            Split::Csv(delim) => {
                split_record(line, *delim, &mut self.scratch, &mut self.pieces);
                &self.scratch
            }
        };
        for &col in &self.projection {
            let piece = self.pieces.get(col).map(|r| &source[r.clone()]);
            let field = &self.fields[col];
            push_field(out, piece, &field.data_type, &self.formats)
                .map_err(|e| format!("column '{}': {e}", field.name))?;
        }
        Ok(())
    }
}

/// Partition columns (`k=v` directories) are strings, null where a file's path lacks the key.
pub fn push_partitions(partitions: &[Option<String>], out: &mut Batch) {
    for p in partitions {
        match p {
            Some(v) => out.push_str(v),
            None => out.push(Datum::Null),
        }
    }
}

/// `StringUtils.isBlank`: empty or only whitespace.
pub fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn bad(value: &str, ty: &DataType) -> String {
    format!("cannot parse '{value}' as {}", ty.sql_type_name())
}

/// Pushes one top-level field.
pub fn push_field(
    out: &mut Batch,
    field: Option<&str>,
    ty: &DataType,
    formats: &Formats,
) -> Result<(), String> {
    let Some(f) = field.filter(|f| !is_blank(f)) else {
        out.push(Datum::Null);
        return Ok(());
    };
    let datum = match ty {
        DataType::String => {
            out.push_str(f);
            return Ok(());
        }
        DataType::Bytes => {
            out.push_bytes(f.as_bytes());
            return Ok(());
        }
        DataType::Decimal { .. } => {
            out.push_decimal_text(&decimal_text(f).ok_or_else(|| bad(f, ty))?);
            return Ok(());
        }
        DataType::Array(_) | DataType::Map(_, _) | DataType::Row(_) => {
            out.push_nested(parse_value(f, ty, 0, formats)?);
            return Ok(());
        }
        DataType::Null => Datum::Null,
        DataType::Boolean => Datum::Bool(f.eq_ignore_ascii_case("true")),
        DataType::TinyInt => Datum::TinyInt(f.parse().map_err(|_| bad(f, ty))?),
        DataType::SmallInt => Datum::SmallInt(f.parse().map_err(|_| bad(f, ty))?),
        DataType::Int => Datum::Int(f.parse().map_err(|_| bad(f, ty))?),
        DataType::BigInt => Datum::BigInt(f.parse().map_err(|_| bad(f, ty))?),
        DataType::Float => Datum::Float(parse_float(f).ok_or_else(|| bad(f, ty))?),
        DataType::Double => Datum::Double(parse_double(f).ok_or_else(|| bad(f, ty))?),
        DataType::Date => Datum::Date(date_to_days(
            parse_date(f, formats).ok_or_else(|| bad(f, ty))?,
        )),
        DataType::Time => Datum::Time(time_to_nanos(
            parse_time(f, formats).ok_or_else(|| bad(f, ty))?,
        )),
        DataType::Timestamp => Datum::Timestamp(timestamp_to_nanos(
            parse_datetime(f, formats).ok_or_else(|| bad(f, ty))?,
        )),
    };
    out.push(datum);
    Ok(())
}

/// A decimal's plain text as `new BigDecimal(s).toPlainString()` gives it; `None` if invalid.
pub fn decimal_text(s: &str) -> Option<String> {
    let t = s.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    let simple = !body.is_empty()
        && body.bytes().filter(|&b| b == b'.').count() <= 1
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !body.starts_with('.')
        && !body.ends_with('.');
    if simple {
        return Some(t.to_string());
    }
    t.parse::<bigdecimal::BigDecimal>()
        .ok()
        .map(|d| d.to_plain_string())
}

pub fn parse_date(s: &str, formats: &Formats) -> Option<NaiveDate> {
    formats
        .date
        .parse_date(s)
        .or_else(|| temporal::parse_date_lenient(s))
}

pub fn parse_time(s: &str, formats: &Formats) -> Option<NaiveTime> {
    formats
        .time
        .parse_time(s)
        .or_else(|| temporal::parse_time_lenient(s))
}

pub fn parse_datetime(s: &str, formats: &Formats) -> Option<NaiveDateTime> {
    formats
        .datetime
        .parse_datetime(s)
        .or_else(|| temporal::parse_datetime_lenient(s))
}

fn separator(level: usize) -> Result<&'static str, String> {
    TEXT_SEPARATORS.get(level).copied().ok_or_else(|| {
        format!(
            "values nest deeper than the {} text separator levels",
            TEXT_SEPARATORS.len()
        )
    })
}

/// Java's `split` without a limit: trailing empty pieces are dropped.
fn split_dropping_trailing<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    let mut parts: Vec<&str> = s.split(sep).collect();
    while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// Parses a field at nesting `level` into an owned value.
pub fn parse_value(
    f: &str,
    ty: &DataType,
    level: usize,
    formats: &Formats,
) -> Result<Value, String> {
    if is_blank(f) {
        return Ok(Value::Null);
    }
    Ok(match ty {
        DataType::Array(elem) => {
            let sep = separator(level + 1)?;
            let items = split_dropping_trailing(f, sep)
                .into_iter()
                .map(|e| parse_value(e, elem, level + 1, formats))
                .collect::<Result<Vec<_>, _>>()?;
            Value::Array(items)
        }
        DataType::Map(kt, vt) => {
            let entry_sep = separator(level + 1)?;
            let kv_sep = separator(level + 2)?;
            let mut entries: Vec<(Value, Value)> = Vec::new();
            for entry in split_dropping_trailing(f, entry_sep) {
                let kv = split_dropping_trailing(entry, kv_sep);
                let key = parse_value(kv[0], kt, level + 1, formats)?;
                let value = match kv.get(1) {
                    Some(v) => parse_value(v, vt, level + 1, formats)?,
                    None => Value::Null,
                };
                match entries.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value,
                    None => entries.push((key, value)),
                }
            }
            Value::Map(entries)
        }
        DataType::Row(row) => {
            let sep = separator(level + 1)?;
            let parts: Vec<&str> = f.split(sep).collect();
            let values = row
                .fields
                .iter()
                .enumerate()
                .map(|(i, field)| match parts.get(i) {
                    Some(p) => parse_value(p, &field.data_type, level + 1, formats),
                    None => Ok(Value::Null),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Value::Row(values)
        }
        scalar => scalar_value(f, scalar, formats)?,
    })
}

/// A non-blank scalar as an owned value.
pub fn scalar_value(f: &str, ty: &DataType, formats: &Formats) -> Result<Value, String> {
    Ok(match ty {
        DataType::Null => Value::Null,
        DataType::String => Value::String(f.to_string()),
        DataType::Bytes => Value::Bytes(f.as_bytes().to_vec()),
        DataType::Boolean => Value::Bool(f.eq_ignore_ascii_case("true")),
        DataType::TinyInt => Value::TinyInt(f.parse().map_err(|_| bad(f, ty))?),
        DataType::SmallInt => Value::SmallInt(f.parse().map_err(|_| bad(f, ty))?),
        DataType::Int => Value::Int(f.parse().map_err(|_| bad(f, ty))?),
        DataType::BigInt => Value::BigInt(f.parse().map_err(|_| bad(f, ty))?),
        DataType::Float => Value::Float(parse_float(f).ok_or_else(|| bad(f, ty))?),
        DataType::Double => Value::Double(parse_double(f).ok_or_else(|| bad(f, ty))?),
        DataType::Decimal { .. } => Value::Decimal(
            decimal_text(f)
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| bad(f, ty))?,
        ),
        DataType::Date => Value::Date(parse_date(f, formats).ok_or_else(|| bad(f, ty))?),
        DataType::Time => Value::Time(parse_time(f, formats).ok_or_else(|| bad(f, ty))?),
        DataType::Timestamp => {
            Value::Timestamp(parse_datetime(f, formats).ok_or_else(|| bad(f, ty))?)
        }
        DataType::Array(_) | DataType::Map(_, _) | DataType::Row(_) => {
            return Err(format!("'{f}' is not a scalar {}", ty.sql_type_name()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use seatunnel_data::{TablePath, TableSchema};
    use std::sync::Arc;

    fn decode(
        split: Split,
        types: Vec<DataType>,
        projection: Vec<usize>,
        line: &str,
    ) -> Result<Vec<Value>, String> {
        let declared: Vec<Field> = types
            .iter()
            .enumerate()
            .map(|(i, t)| Field::new(format!("c{i}"), t.clone()))
            .collect();
        let fields = projection.iter().map(|&i| declared[i].clone()).collect();
        let schema = TableSchema::new(TablePath::parse("t"), fields);
        let mut batch = Batch::new(schema);
        let mut dec = LineDecoder::new(split, declared, projection, Formats::default());
        dec.decode(line, &[], &mut batch)?;
        Ok(batch.row_values(0))
    }

    #[test]
    fn scalars_blanks_and_missing_fields() {
        let types = vec![
            DataType::String,
            DataType::Int,
            DataType::Boolean,
            DataType::Double,
            DataType::BigInt,
        ];
        let row = decode(
            Split::Text(Splitter::new("\u{1}").unwrap()),
            types,
            vec![0, 1, 2, 3, 4],
            "abc\u{1}  \u{1}TRUE\u{1}1.5",
        )
        .unwrap();
        assert_eq!(
            row,
            vec![
                Value::String("abc".into()),
                Value::Null,
                Value::Bool(true),
                Value::Double(1.5),
                Value::Null
            ]
        );
    }

    #[test]
    fn nested_values_use_level_separators() {
        let row_type = DataType::parse("map<string, string>").unwrap();
        let types = vec![
            row_type,
            DataType::parse("array<int>").unwrap(),
            DataType::Row(Arc::new(seatunnel_data::RowType {
                fields: vec![
                    Field::new("m", DataType::parse("map<string, int>").unwrap()),
                    Field::new("a", DataType::parse("array<int>").unwrap()),
                    Field::new("s", DataType::String),
                ],
            })),
        ];
        let line =
            "k1\u{3}v1\u{2}k2\u{3}v2\u{1}1\u{2}2\u{2}3\u{1}x\u{4}7\u{3}y\u{4}8\u{2}4\u{3}5\u{2}hi";
        let row = decode(
            Split::Text(Splitter::new("\u{1}").unwrap()),
            types,
            vec![0, 1, 2],
            line,
        )
        .unwrap();
        assert_eq!(
            row[0],
            Value::Map(vec![
                (Value::String("k1".into()), Value::String("v1".into())),
                (Value::String("k2".into()), Value::String("v2".into())),
            ])
        );
        assert_eq!(
            row[1],
            Value::Array(vec![Value::Int(1), Value::Int(2), Value::Int(3)])
        );
        let Value::Row(inner) = &row[2] else {
            panic!("not a row")
        };
        assert_eq!(inner[1], Value::Array(vec![Value::Int(4), Value::Int(5)]));
        assert_eq!(inner[2], Value::String("hi".into()));
    }

    #[test]
    fn projection_picks_declared_positions() {
        let types = vec![DataType::String, DataType::String, DataType::Boolean];
        let row = decode(
            Split::Text(Splitter::new("\\|").unwrap()),
            types,
            vec![2, 0],
            "qwer|x|true",
        )
        .unwrap();
        assert_eq!(row, vec![Value::Bool(true), Value::String("qwer".into())]);
    }

    #[test]
    fn temporals_and_decimals() {
        let types = vec![
            DataType::Date,
            DataType::Timestamp,
            DataType::Time,
            DataType::Decimal {
                precision: 38,
                scale: 18,
            },
        ];
        let row = decode(
            Split::Text(Splitter::new(",").unwrap()),
            types,
            vec![0, 1, 2, 3],
            "2023-06-07,2023-01-11T06:25:29,10:11:12,1.5E3",
        )
        .unwrap();
        assert_eq!(
            row[0],
            Value::Date(NaiveDate::from_ymd_opt(2023, 6, 7).unwrap())
        );
        assert_eq!(row[1].to_string(), "2023-01-11T06:25:29");
        assert_eq!(row[2].to_string(), "10:11:12");
        assert_eq!(row[3], Value::Decimal("1500".parse().unwrap()));
    }

    #[test]
    fn bad_values_name_column_and_type() {
        let e = decode(
            Split::Text(Splitter::new(",").unwrap()),
            vec![DataType::Int],
            vec![0],
            "12x",
        )
        .unwrap_err();
        assert_eq!(e, "column 'c0': cannot parse '12x' as INT");
        let e = decode(
            Split::Text(Splitter::new(",").unwrap()),
            vec![DataType::Date],
            vec![0],
            "2023-13-01",
        )
        .unwrap_err();
        assert!(e.contains("as DATE"), "{e}");
    }

    #[test]
    fn whole_line_without_schema_and_csv_quotes() {
        let row = decode(Split::Whole, vec![DataType::String], vec![0], "a,b").unwrap();
        assert_eq!(row, vec![Value::String("a,b".into())]);
        let row = decode(
            Split::Csv(','),
            vec![DataType::String, DataType::Int],
            vec![0, 1],
            "\"x, \"\"y\"\"\",7",
        )
        .unwrap();
        assert_eq!(row, vec![Value::String("x, \"y\"".into()), Value::Int(7)]);
    }

    #[test]
    fn decimal_text_is_javas_plain_text() {
        assert_eq!(decimal_text("-12.50").as_deref(), Some("-12.50"));
        assert!(decimal_text("1.2.3").is_none());
    }
}
