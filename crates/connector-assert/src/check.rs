//! Field rules against rows, as SeaTunnel's `AssertExecutor` applies them.
//!
//! For each field rule: the value's runtime type must match `field_type` (a null always matches;
//! a decimal must have the declared scale and at most the declared precision), then every value
//! rule must pass. A value rule checks its `rule_type` (`MIN`/`MAX` need a number, the lengths
//! measure the value's text) and, when the value is not null, `equals_to`, which is converted to
//! the column's type first and compared strictly (types must agree; decimals by value and scale).

use std::cmp::Ordering;
use std::sync::Arc;

use bigdecimal::BigDecimal;

use super::rules::{FieldRule, RuleType, ValueRule};
use seatunnel_data::literal::{to_value, Missing};
use seatunnel_data::{Batch, DataType, Datum, RowType, TableSchema, Value};

/// A field rule resolved against one table: the column index and the converted `equals_to`s.
#[derive(Debug, Clone)]
pub struct BoundRule {
    pub rule: FieldRule,
    index: usize,
    column_type: DataType,
    /// `equals_to` of each value rule converted to the column type.
    expected: Vec<Option<Value>>,
}

/// Resolves `rules` for `schema`; errors are SeaTunnel's "field not found" and literal errors.
pub fn bind(rules: &[FieldRule], schema: &Arc<TableSchema>) -> Result<Vec<BoundRule>, String> {
    rules
        .iter()
        .map(|rule| {
            let index = schema.index_of(&rule.field_name).ok_or_else(|| {
                let row = DataType::Row(Arc::new(RowType {
                    fields: schema.fields.clone(),
                }));
                format!("Field name {} not found in row type {row}", rule.field_name)
            })?;
            let column_type = schema.fields[index].data_type.clone();
            let expected = rule
                .value_rules
                .iter()
                .map(|v| {
                    v.equals_to
                        .as_ref()
                        .map(|json| {
                            to_value(json, &column_type, &rule.field_name, Missing::Error).map_err(
                                |e| format!("equals_to of field '{}': {e}", rule.field_name),
                            )
                        })
                        .transpose()
                })
                .collect::<Result<_, _>>()?;
            Ok(BoundRule {
                rule: rule.clone(),
                index,
                column_type,
                expected,
            })
        })
        .collect()
}

/// The first rule row `row` of `batch` breaks, if any.
pub fn first_failure<'a>(
    rules: &'a [BoundRule],
    batch: &Batch,
    row: usize,
) -> Option<&'a BoundRule> {
    rules
        .iter()
        .find(|r| !passes(r, batch, batch.get(row, r.index)))
}

fn passes(bound: &BoundRule, batch: &Batch, datum: Datum) -> bool {
    if let Some(ty) = &bound.rule.field_type {
        if !datum_has_type(batch, datum, ty) {
            return false;
        }
    }
    bound
        .rule
        .value_rules
        .iter()
        .zip(&bound.expected)
        .all(|(rule, expected)| {
            value_rule_passes(rule, expected.as_ref(), &bound.column_type, batch, datum)
        })
}

fn value_rule_passes(
    rule: &ValueRule,
    expected: Option<&Value>,
    column_type: &DataType,
    batch: &Batch,
    datum: Datum,
) -> bool {
    let limit = rule.rule_value.unwrap_or_default();
    let type_ok = match rule.rule_type {
        None => true,
        Some(RuleType::Null) => datum == Datum::Null,
        Some(RuleType::NotNull) => datum != Datum::Null,
        Some(RuleType::Max) => number(batch, datum).is_some_and(|n| n <= limit),
        Some(RuleType::Min) => number(batch, datum).is_some_and(|n| n >= limit),
        Some(RuleType::MaxLength) => text_len(batch, datum) as f64 <= limit,
        Some(RuleType::MinLength) => text_len(batch, datum) as f64 >= limit,
        Some(RuleType::MaxRow | RuleType::MinRow) => false,
    };
    match expected {
        Some(expected) if type_ok && datum != Datum::Null => {
            equals(&batch.datum_value(datum), expected, column_type)
        }
        _ => type_ok,
    }
}

/// The value as a Java `Number.doubleValue()`, if it is a number.
fn number(batch: &Batch, datum: Datum) -> Option<f64> {
    Some(match datum {
        Datum::TinyInt(v) => v as f64,
        Datum::SmallInt(v) => v as f64,
        Datum::Int(v) => v as f64,
        Datum::BigInt(v) => v as f64,
        Datum::Float(v) => v as f64,
        Datum::Double(v) => v,
        Datum::Decimal(span) => batch.str(span).parse().ok()?,
        _ => return None,
    })
}

/// `String.valueOf(value).length()`: UTF-16 units of the value's text, 0 for null.
fn text_len(batch: &Batch, datum: Datum) -> usize {
    match datum {
        Datum::Null => 0,
        Datum::String(span) => utf16_len(batch.str(span)),
        other => utf16_len(&batch.datum_value(other).to_string()),
    }
}

fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

fn datum_has_type(batch: &Batch, datum: Datum, ty: &DataType) -> bool {
    match datum {
        Datum::Null => true,
        Datum::Nested(i) => value_has_type(batch.nested(i), ty),
        Datum::Decimal(span) => match ty {
            DataType::Decimal { precision, scale } => batch
                .str(span)
                .parse::<BigDecimal>()
                .is_ok_and(|d| decimal_fits(&d, *precision, *scale)),
            _ => false,
        },
        other => value_has_type(&batch.datum_value(other), ty),
    }
}

/// SeaTunnel's `checkDecimalType`: same scale, precision within the declared one.
fn decimal_fits(d: &BigDecimal, precision: u8, scale: u8) -> bool {
    let (digits, exp) = d.as_bigint_and_exponent();
    let digit_count = digits.magnitude().to_string().len() as u64;
    exp == scale as i64 && digit_count <= precision as u64
}

/// SeaTunnel's `checkType`: a value's runtime class against a declared type, recursively.
fn value_has_type(v: &Value, ty: &DataType) -> bool {
    match (v, ty) {
        (Value::Null, _) => true,
        (_, DataType::Null) => false,
        (Value::Row(items), DataType::Row(row)) => {
            items.len() <= row.fields.len()
                && items
                    .iter()
                    .zip(&row.fields)
                    .all(|(item, f)| value_has_type(item, &f.data_type))
        }
        (Value::Array(items), DataType::Array(e)) => items.iter().all(|i| value_has_type(i, e)),
        (Value::Map(entries), DataType::Map(k, t)) => entries
            .iter()
            .all(|(key, val)| value_has_type(key, k) && value_has_type(val, t)),
        (Value::Decimal(d), DataType::Decimal { precision, scale }) => {
            decimal_fits(d, *precision, *scale)
        }
        (Value::Bool(_), DataType::Boolean)
        | (Value::TinyInt(_), DataType::TinyInt)
        | (Value::SmallInt(_), DataType::SmallInt)
        | (Value::Int(_), DataType::Int)
        | (Value::BigInt(_), DataType::BigInt)
        | (Value::Float(_), DataType::Float)
        | (Value::Double(_), DataType::Double)
        | (Value::String(_), DataType::String)
        | (Value::Bytes(_), DataType::Bytes)
        | (Value::Date(_), DataType::Date)
        | (Value::Time(_), DataType::Time)
        | (Value::Timestamp(_), DataType::Timestamp) => true,
        _ => false,
    }
}

/// SeaTunnel's `compareValue`: structural for rows, arrays and maps; Java `equals` otherwise.
fn equals(actual: &Value, expected: &Value, ty: &DataType) -> bool {
    match (actual, expected, ty) {
        (Value::Null, Value::Null, _) => true,
        (Value::Null, _, _) | (_, Value::Null, _) => false,
        (Value::Row(a), Value::Row(e), DataType::Row(row)) => {
            a.len() == e.len()
                && a.iter()
                    .zip(e)
                    .zip(&row.fields)
                    .all(|((a, e), f)| equals(a, e, &f.data_type))
        }
        (Value::Array(a), Value::Array(e), DataType::Array(element)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(a, e)| equals(a, e, element))
        }
        (Value::Map(a), Value::Map(e), DataType::Map(_, value_type)) => {
            a.len() == e.len()
                && e.iter().all(|(key, ev)| {
                    a.iter()
                        .find(|(k, _)| java_equals(k, key))
                        .is_some_and(|(_, av)| equals(av, ev, value_type))
                })
        }
        _ => java_equals(actual, expected),
    }
}

/// Java `Object.equals` on boxed values: same class and value; floats by bits; decimals by
/// value and scale.
fn java_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits(),
        (Value::Decimal(x), Value::Decimal(y)) => {
            x.cmp(y) == Ordering::Equal
                && x.as_bigint_and_exponent().1 == y.as_bigint_and_exponent().1
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{parse_rules, Scope};
    use seatunnel_connector::Options;
    use seatunnel_data::{Field, RowKind, TablePath};
    use serde_json::json;

    fn field_rules(v: serde_json::Value) -> Vec<FieldRule> {
        let r = parse_rules(&Options::new(
            "Assert",
            json!({"rules": {"field_rules": v}})
                .as_object()
                .unwrap()
                .clone(),
        ))
        .unwrap();
        let Scope::EveryTable(t) = r.scope else {
            panic!()
        };
        t.field_rules
    }

    fn batch(fields: Vec<Field>, rows: Vec<Vec<Value>>) -> Batch {
        let mut b = Batch::new(TableSchema::new(TablePath::parse("t"), fields));
        for row in rows {
            b.begin_row(RowKind::Insert);
            for v in &row {
                b.push_value(v);
            }
        }
        b
    }

    fn failures(rules: serde_json::Value, b: &Batch) -> Vec<Option<String>> {
        let bound = bind(&field_rules(rules), b.schema()).unwrap();
        (0..b.len())
            .map(|r| first_failure(&bound, b, r).map(|f| f.rule.field_name.clone()))
            .collect()
    }

    #[test]
    fn min_max_and_lengths() {
        let b = batch(
            vec![
                Field::new("score", DataType::Int),
                Field::new("name", DataType::String),
            ],
            vec![
                vec![Value::Int(100), Value::String("abcde".into())],
                vec![Value::Int(200), Value::String("ab".into())],
                vec![Value::Null, Value::String("abcdef".into())],
            ],
        );
        let r = json!([{"field_name": "score", "field_type": "int", "field_value": [{"rule_type": "MAX", "rule_value": 100}]}]);
        assert_eq!(
            failures(r, &b),
            vec![None, Some("score".into()), Some("score".into())]
        );
        let r = json!([{"field_name": "name", "field_type": "string", "field_value": [
            {"rule_type": "MIN_LENGTH", "rule_value": 3}, {"rule_type": "MAX_LENGTH", "rule_value": 5}]}]);
        assert_eq!(
            failures(r, &b),
            vec![None, Some("name".into()), Some("name".into())]
        );
    }

    #[test]
    fn runtime_type_must_match_field_type() {
        let b = batch(
            vec![Field::new("x", DataType::Int)],
            vec![vec![Value::Int(1)], vec![Value::Null]],
        );
        assert_eq!(
            failures(json!([{"field_name": "x", "field_type": "bigint"}]), &b),
            vec![Some("x".into()), None]
        );
        assert_eq!(
            failures(json!([{"field_name": "x", "field_type": "null"}]), &b),
            vec![Some("x".into()), None]
        );
        let d = batch(
            vec![Field::new(
                "d",
                DataType::Decimal {
                    precision: 10,
                    scale: 2,
                },
            )],
            vec![
                vec![Value::Decimal("12.40".parse().unwrap())],
                vec![Value::Decimal("12.4".parse().unwrap())],
            ],
        );
        assert_eq!(
            failures(
                json!([{"field_name": "d", "field_type": "decimal(10,2)", "field_value": [{"equals_to": "12.40"}]}]),
                &d
            ),
            vec![None, Some("d".into())]
        );
    }

    #[test]
    fn equals_to_is_typed_and_structural() {
        let map_type = DataType::parse("map<string, {c_int = int, c_string = string}>").unwrap();
        let b = batch(
            vec![Field::new("f", DataType::Float), Field::new("m", map_type)],
            vec![vec![
                Value::Float(3.1),
                Value::Map(vec![(
                    Value::String("k1".into()),
                    Value::Row(vec![Value::Int(123), Value::String("BBB-BB".into())]),
                )]),
            ]],
        );
        let ok = json!([{"field_name": "f", "field_value": [{"equals_to": 3.1}]},
                        {"field_name": "m", "field_value": [{"equals_to": {"k1": [123, "BBB-BB"]}}]}]);
        assert_eq!(failures(ok, &b), vec![None]);
        let bad =
            json!([{"field_name": "m", "field_value": [{"equals_to": {"k1": [124, "BBB-BB"]}}]}]);
        assert_eq!(failures(bad, &b), vec![Some("m".into())]);
    }

    #[test]
    fn null_values_skip_equals_to_but_not_not_null() {
        let b = batch(
            vec![Field::new("s", DataType::String)],
            vec![vec![Value::Null]],
        );
        assert_eq!(
            failures(
                json!([{"field_name": "s", "field_value": [{"equals_to": "x"}]}]),
                &b
            ),
            vec![None]
        );
        assert_eq!(
            failures(
                json!([{"field_name": "s", "field_value": [{"rule_type": "NOT_NULL", "equals_to": "x"}]}]),
                &b
            ),
            vec![Some("s".into())]
        );
    }

    #[test]
    fn binding_errors() {
        let b = batch(vec![Field::new("a", DataType::Int)], vec![]);
        let e = bind(&field_rules(json!([{"field_name": "zz"}])), b.schema()).unwrap_err();
        assert_eq!(e, "Field name zz not found in row type ROW<a INT>");
        let e = bind(
            &field_rules(json!([{"field_name": "a", "field_value": [{"equals_to": "x"}]}])),
            b.schema(),
        )
        .unwrap_err();
        assert!(
            e.starts_with("equals_to of field 'a': cannot convert"),
            "{e}"
        );
    }
}
