//! Cutting a table into splits: pure functions from the split key's bounds to ranges, and the
//! SQL each range reads. The enumerator asks the database for the bounds; everything here is
//! decided without I/O and tested as such.
//!
//! A split is a range of the split key. Ranges are closed-open `[start, end)`; `None` means
//! unbounded. Rows whose key is NULL get a split of their own, so every row of the table is in
//! exactly one split.

use serde::{Deserialize, Serialize};

use seatunnel_data::{temporal, Value};

use crate::url::Dialect;

/// One unit of work: a table's query restricted to a key range (or not restricted at all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JdbcSplit {
    /// Index of the table in the source's table list.
    pub table: usize,
    pub range: KeyRange,
}

/// What part of the table a split reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum KeyRange {
    /// The whole query: no split key.
    All,
    /// `key IS NULL`.
    Null { key: String },
    /// Whole-number keys: `[start, end]` inclusive, written into the SQL as literals (exact for
    /// every integer and scale-0 decimal width, where a bound parameter might compare as a
    /// double).
    Integral {
        key: String,
        #[serde(with = "i128_text")]
        start: Option<i128>,
        #[serde(with = "i128_text")]
        end: Option<i128>,
    },
    /// Other keys (text, dates, decimals): `[start, end)` bound as parameters.
    Values {
        key: String,
        start: Option<SplitValue>,
        end: Option<SplitValue>,
    },
}

/// Whole-number bounds as decimal text: a scale-0 decimal key reaches 38 digits, beyond what
/// JSON numbers carry exactly (serde_json stops at 64 bits).
mod i128_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<i128>, s: S) -> Result<S::Ok, S::Error> {
        v.map(|n| n.to_string()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i128>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| t.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// A split boundary as checkpoints keep it: exact, and read back without parsing dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SplitValue {
    Text(String),
    /// Plain decimal text.
    Decimal(String),
    /// Days since 1970-01-01.
    Date(i32),
    /// Nanoseconds since 1970-01-01T00:00:00 (a `Datum::Timestamp`).
    Timestamp(i64),
}

impl SplitValue {
    /// The boundary for a key value; `None` for kinds that are not split keys.
    pub fn from_value(v: &Value) -> Option<SplitValue> {
        Some(match v {
            Value::String(s) => SplitValue::Text(s.clone()),
            Value::Decimal(d) => SplitValue::Decimal(d.to_plain_string()),
            Value::Date(d) => SplitValue::Date(temporal::date_to_days(*d)),
            Value::Timestamp(t) => SplitValue::Timestamp(temporal::timestamp_to_nanos(*t)),
            _ => return None,
        })
    }

    /// The value bound as the split query's parameter; an error only for a checkpoint whose
    /// decimal text is not a decimal (written by something else).
    pub fn to_value(&self) -> Result<Value, String> {
        Ok(match self {
            SplitValue::Text(s) => Value::String(s.clone()),
            SplitValue::Decimal(d) => Value::Decimal(
                d.parse()
                    .map_err(|_| format!("split bound '{d}' is not a decimal"))?,
            ),
            SplitValue::Date(d) => Value::Date(temporal::days_to_date(*d)),
            SplitValue::Timestamp(n) => Value::Timestamp(temporal::nanos_to_timestamp(*n)),
        })
    }
}

/// Even integer ranges over `[lower, upper]`, at most `count` of them (fewer when the range holds
/// fewer values), as SeaTunnel's `FixedChunkSplitter` cuts them.
pub fn integral_ranges(lower: i128, upper: i128, count: usize) -> Vec<(i128, i128)> {
    if upper < lower {
        return Vec::new();
    }
    // In u128: two 38-digit bounds either side of zero span more than i128 holds.
    let width = upper.abs_diff(lower).saturating_add(1);
    let count = (count.max(1) as u128).min(width);
    let step = width / count;
    let extra = width % count;
    let mut out = Vec::with_capacity(count as usize);
    let mut start = lower;
    for i in 0..count {
        // The first `extra` ranges take one more value, so the sizes differ by at most one.
        let len = step + u128::from(i < extra);
        // The last range ends at `upper` whatever the arithmetic (the full i128 range has one
        // value more than u128 counts).
        let end = if i + 1 == count {
            upper
        } else {
            start
                .checked_add_unsigned(len - 1)
                .unwrap_or(upper)
                .min(upper)
        };
        out.push((start, end));
        match end.checked_add(1) {
            Some(next) if end < upper => start = next,
            _ => break,
        }
    }
    out
}

/// How many splits a table of `rows` rows needs at `split_size` rows each (at least one).
pub fn split_count(rows: u64, split_size: usize) -> usize {
    let size = split_size.max(1) as u64;
    rows.div_ceil(size).max(1) as usize
}

/// Quote an identifier for `dialect` (doubling the quote character inside it).
pub fn quote(dialect: Dialect, ident: &str) -> String {
    let q = if dialect == Dialect::MySql { '`' } else { '"' };
    let mut out = String::with_capacity(ident.len() + 2);
    out.push(q);
    for c in ident.chars() {
        if c == q {
            out.push(q);
        }
        out.push(c);
    }
    out.push(q);
    out
}

/// The dialect's placeholder for the `n`th parameter (1-based).
pub fn placeholder(dialect: Dialect, n: usize) -> String {
    match dialect {
        Dialect::Postgres => format!("${n}"),
        Dialect::MySql | Dialect::Sqlite => "?".to_string(),
    }
}

/// The SQL reading `range` of `base` (the table's query), and its parameters.
pub fn split_sql(
    dialect: Dialect,
    base: &str,
    range: &KeyRange,
) -> Result<(String, Vec<Value>), String> {
    let wrap = |cond: String| format!("SELECT * FROM ({base}) st_split WHERE {cond}");
    match range {
        KeyRange::All => Ok((base.to_string(), Vec::new())),
        KeyRange::Null { key } => {
            Ok((wrap(format!("{} IS NULL", quote(dialect, key))), Vec::new()))
        }
        KeyRange::Integral { key, start, end } => {
            let k = quote(dialect, key);
            let cond = match (start, end) {
                (Some(s), Some(e)) if s == e => format!("{k} = {s}"),
                (Some(s), Some(e)) => format!("{k} >= {s} AND {k} <= {e}"),
                (Some(s), None) => format!("{k} >= {s}"),
                (None, Some(e)) => format!("{k} <= {e}"),
                (None, None) => format!("{k} IS NOT NULL"),
            };
            Ok((wrap(cond), Vec::new()))
        }
        KeyRange::Values { key, start, end } => {
            let k = quote(dialect, key);
            let mut conds = Vec::new();
            let mut params = Vec::new();
            if let Some(s) = start {
                params.push(s.to_value()?);
                conds.push(format!("{k} >= {}", placeholder(dialect, params.len())));
            }
            if let Some(e) = end {
                params.push(e.to_value()?);
                conds.push(format!("{k} < {}", placeholder(dialect, params.len())));
            }
            if conds.is_empty() {
                conds.push(format!("{k} IS NOT NULL"));
            }
            Ok((wrap(conds.join(" AND ")), params))
        }
    }
}

/// Deals splits round-robin to `readers` readers, as SeaTunnel's enumerator assigns them by
/// split index modulo parallelism.
pub fn deal<T>(splits: Vec<T>, readers: usize) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = (0..readers.max(1)).map(|_| Vec::new()).collect();
    let n = out.len();
    for (i, s) in splits.into_iter().enumerate() {
        out[i % n].push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_ranges_cover_the_bounds_exactly_once() {
        assert_eq!(integral_ranges(1, 10, 3), vec![(1, 4), (5, 7), (8, 10)]);
        assert_eq!(integral_ranges(5, 6, 4), vec![(5, 5), (6, 6)]);
        assert_eq!(integral_ranges(7, 7, 1), vec![(7, 7)]);
        assert!(integral_ranges(9, 1, 2).is_empty());
        // The MySQL e2e job's bounds: 100 values over 5 splits.
        let r = integral_ranges(2844674407371055000, 2844674407371055099, 5);
        assert_eq!(r.len(), 5);
        assert_eq!(r[0], (2844674407371055000, 2844674407371055019));
        assert_eq!(r[4].1, 2844674407371055099);
        // 38-digit bounds either side of zero span more than i128: still exact.
        let big = 99_999_999_999_999_999_999_999_999_999_999_999_999i128;
        let r = integral_ranges(-big, big, 2);
        assert_eq!(r, vec![(-big, 0), (1, big)]);
        assert_eq!(
            integral_ranges(i128::MIN, i128::MAX, 1),
            vec![(i128::MIN, i128::MAX)]
        );
        // Whole u64 range does not overflow.
        let r = integral_ranges(0, u64::MAX as i128, 2);
        assert_eq!(r[1].1, u64::MAX as i128);
    }

    #[test]
    fn splits_round_trip_through_json_with_38_digit_bounds() {
        let split = JdbcSplit {
            table: 0,
            range: KeyRange::Integral {
                key: "k".into(),
                start: Some(-99_999_999_999_999_999_999_999_999_999_999_999_999),
                end: None,
            },
        };
        let json = serde_json::to_value(&split).unwrap();
        assert_eq!(serde_json::from_value::<JdbcSplit>(json).unwrap(), split);
    }

    #[test]
    fn split_counts_round_up() {
        assert_eq!(split_count(0, 8096), 1);
        assert_eq!(split_count(8096, 8096), 1);
        assert_eq!(split_count(8097, 8096), 2);
    }

    #[test]
    fn split_sql_quotes_keys_and_numbers_parameters_per_dialect() {
        let (sql, params) = split_sql(
            Dialect::Postgres,
            "select * from t",
            &KeyRange::Values {
                key: "name".into(),
                start: Some(SplitValue::Text("a".into())),
                end: Some(SplitValue::Text("m".into())),
            },
        )
        .unwrap();
        assert_eq!(
            sql,
            r#"SELECT * FROM (select * from t) st_split WHERE "name" >= $1 AND "name" < $2"#
        );
        assert_eq!(
            params,
            vec![Value::String("a".into()), Value::String("m".into())]
        );
        let (sql, _) = split_sql(
            Dialect::MySql,
            "select * from t",
            &KeyRange::Integral {
                key: "id".into(),
                start: Some(1),
                end: Some(5),
            },
        )
        .unwrap();
        assert_eq!(
            sql,
            "SELECT * FROM (select * from t) st_split WHERE `id` >= 1 AND `id` <= 5"
        );
        assert_eq!(quote(Dialect::Postgres, r#"a"b"#), r#""a""b""#);
    }

    #[test]
    fn splits_are_dealt_round_robin() {
        assert_eq!(
            deal(vec![1, 2, 3, 4, 5], 2),
            vec![vec![1, 3, 5], vec![2, 4]]
        );
        assert_eq!(deal(vec![1], 3), vec![vec![1], vec![], vec![]]);
    }
}
