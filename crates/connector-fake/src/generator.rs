//! Random rows, written straight into a reused [`Batch`].
//!
//! Value ranges follow SeaTunnel's `FakeDataRandomUtils`: strings and bytes are ASCII letters of
//! `string.length`/`bytes.length`; numbers are drawn from `[min, max)` (or are `min` when the
//! bounds are equal) unless a template list is given; decimals get `precision - scale` integer
//! digits and `scale` fraction digits; dates use the current year (or `date.year.template`),
//! months 1–12 and days 1–28; times have whole seconds. Maps have `map.size` draws with duplicate
//! keys collapsed (SeaTunnel fills a `HashMap`); arrays have `array.size` elements.
//!
//! The hot path (`push_row`) allocates nothing for scalar columns: strings are built in a scratch
//! buffer owned by the caller and copied into the batch arena.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::str::FromStr;

use bigdecimal::BigDecimal;
use chrono::{Local, NaiveDate, NaiveDateTime, NaiveTime};

use super::options::GenSettings;
use seatunnel_connector::ConnectorError;
use seatunnel_data::literal::{parse_date, parse_timestamp};
use seatunnel_data::{Batch, DataType, Datum, RowKind, TableSchema, Value};

/// The letters SeaTunnel's `RandomStringUtils.randomAlphabetic` draws from.
const LETTERS: &[u8; 52] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Bits of one random word used per letter; 16 keeps the multiply-shift bias below 0.1%.
const BITS_PER_LETTER: u32 = 16;
/// wyrand's constants (a public-domain 64-bit generator: fast, small state, good enough for test
/// data, not for anything secret).
const WY_ADD: u64 = 0xa076_1d64_78bd_642f;
const WY_XOR: u64 = 0xe703_7ed1_a0b4_28db;

/// A small fast generator; one per reader, so readers never contend.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    #[cfg(test)]
    pub fn seeded(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A seed from the process's random hasher keys, mixed with `salt` (the subtask index) so
    /// parallel readers draw different rows.
    pub fn from_entropy(salt: u64) -> Rng {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(salt);
        Rng(h.finish())
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(WY_ADD);
        let t = (self.0 as u128).wrapping_mul((self.0 ^ WY_XOR) as u128);
        ((t >> 64) ^ t) as u64
    }

    /// Uniform in `[0, n)`; `n` must be positive.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// SeaTunnel's `nextInt/nextLong(min, max)`: `[min, max)`, or `min` when `max <= min`.
    #[inline]
    pub fn range(&mut self, min: i64, max: i64) -> i64 {
        if max <= min {
            return min;
        }
        min + self.below(max.abs_diff(min)) as i64
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Appends `len` random ASCII letters.
    #[inline]
    pub fn letters(&mut self, len: usize, out: &mut String) {
        let per_word = (u64::BITS / BITS_PER_LETTER) as usize;
        let mut left = len;
        while left > 0 {
            let mut word = self.next_u64();
            for _ in 0..left.min(per_word) {
                let idx = ((word & 0xffff) * LETTERS.len() as u64) >> BITS_PER_LETTER;
                out.push(LETTERS[idx as usize] as char);
                word >>= BITS_PER_LETTER;
            }
            left = left.saturating_sub(per_word);
        }
    }
}

/// How one column (or nested element) is generated; compiled once per table.
#[derive(Debug, Clone, PartialEq)]
enum Gen {
    Null,
    Bool,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Float,
    Double,
    Decimal {
        int_digits: usize,
        scale: usize,
    },
    String,
    Bytes,
    Date,
    Time,
    Timestamp,
    Array(Box<Gen>),
    Map(Box<Gen>, Box<Gen>),
    Row(Vec<Gen>),
    /// A column `defaultValue`: every row gets it.
    Fixed(Value),
    /// `defaultValue = CURRENT_DATE` and friends: the clock at generation time.
    Now(DataType),
}

/// Generates rows of one table.
#[derive(Debug, Clone)]
pub struct RowGen {
    columns: Vec<Gen>,
    settings: GenSettings,
}

impl RowGen {
    /// Compiles `schema` with each column's `defaultValue` (in column order).
    pub fn compile(
        schema: &TableSchema,
        defaults: &[Option<String>],
        settings: GenSettings,
    ) -> Result<RowGen, String> {
        let columns = schema
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let default = defaults.get(i).and_then(|d| d.as_deref());
                compile(&f.data_type, default)
                    .map_err(|e| format!("column '{}' defaultValue: {e}", f.name))
            })
            .collect::<Result<_, _>>()?;
        Ok(RowGen { columns, settings })
    }

    /// Appends one random INSERT row.
    #[inline]
    pub fn push_row(
        &self,
        rng: &mut Rng,
        scratch: &mut String,
        out: &mut Batch,
    ) -> Result<(), ConnectorError> {
        out.begin_row(RowKind::Insert);
        for g in &self.columns {
            self.push(g, rng, scratch, out)?;
        }
        Ok(())
    }

    #[inline]
    fn push(
        &self,
        g: &Gen,
        rng: &mut Rng,
        scratch: &mut String,
        out: &mut Batch,
    ) -> Result<(), ConnectorError> {
        let s = &self.settings;
        match g {
            Gen::String => match &s.string_template {
                Some(t) => out.push_str(rng.pick::<String>(t)),
                None => {
                    scratch.clear();
                    rng.letters(s.string_length, scratch);
                    out.push_str(scratch);
                }
            },
            Gen::Int => out.push(Datum::Int(self.int(rng) as i32)),
            Gen::BigInt => out.push(Datum::BigInt(self.bigint(rng))),
            Gen::Bool => out.push(Datum::Bool(rng.below(2) == 1)),
            Gen::TinyInt => out.push(Datum::TinyInt(self.tinyint(rng))),
            Gen::SmallInt => out.push(Datum::SmallInt(self.smallint(rng))),
            Gen::Float => out.push(Datum::Float(self.float(rng))),
            Gen::Double => out.push(Datum::Double(self.double(rng))),
            Gen::Bytes => {
                scratch.clear();
                rng.letters(s.bytes_length, scratch);
                out.push_bytes(scratch.as_bytes());
            }
            Gen::Decimal { int_digits, scale } => {
                decimal_text(rng, *int_digits, *scale, scratch);
                out.push_decimal_text(scratch);
            }
            other => {
                let v = self.value(other, rng)?;
                out.push_value(&v);
            }
        }
        Ok(())
    }

    fn tinyint(&self, rng: &mut Rng) -> i8 {
        let s = &self.settings;
        match &s.tinyint_template {
            Some(t) => *rng.pick(t) as i8,
            None => rng.range(s.tinyint.min, s.tinyint.max) as i8,
        }
    }

    fn smallint(&self, rng: &mut Rng) -> i16 {
        let s = &self.settings;
        match &s.smallint_template {
            Some(t) => *rng.pick(t) as i16,
            None => rng.range(s.smallint.min, s.smallint.max) as i16,
        }
    }

    #[inline]
    fn int(&self, rng: &mut Rng) -> i64 {
        let s = &self.settings;
        match &s.int_template {
            Some(t) => *rng.pick(t) as i32 as i64,
            None => rng.range(s.int.min, s.int.max),
        }
    }

    fn bigint(&self, rng: &mut Rng) -> i64 {
        let s = &self.settings;
        match &s.bigint_template {
            Some(t) => *rng.pick(t),
            None => rng.range(s.bigint.min, s.bigint.max),
        }
    }

    fn float(&self, rng: &mut Rng) -> f32 {
        let s = &self.settings;
        match &s.float_template {
            Some(t) => *rng.pick(t) as f32,
            None => {
                let (min, max) = (s.float.min as f32, s.float.max as f32);
                if max == min {
                    return min;
                }
                min + (max - min) * rng.unit() as f32
            }
        }
    }

    fn double(&self, rng: &mut Rng) -> f64 {
        let s = &self.settings;
        match &s.double_template {
            Some(t) => *rng.pick(t),
            None => {
                let (min, max) = (s.double.min, s.double.max);
                if max == min {
                    return min;
                }
                min + (max - min) * rng.unit()
            }
        }
    }

    fn component(rng: &mut Rng, template: &Option<Vec<i64>>, lo: u64, count: u64) -> u32 {
        match template {
            Some(t) => *rng.pick(t) as u32,
            None => (lo + rng.below(count)) as u32,
        }
    }

    fn date(&self, rng: &mut Rng) -> Result<NaiveDate, ConnectorError> {
        let s = &self.settings;
        let year = match &s.year_template {
            Some(t) => *rng.pick(t) as i32,
            None => s.year,
        };
        let month = Self::component(rng, &s.month_template, 1, 12);
        let day = Self::component(rng, &s.day_template, 1, 28);
        NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
            ConnectorError::runtime(format!(
                "FakeSource: date templates gave the invalid date {year}-{month:02}-{day:02}; \
                 check date.day.template against date.month.template"
            ))
        })
    }

    fn time(&self, rng: &mut Rng) -> NaiveTime {
        let s = &self.settings;
        let hour = Self::component(rng, &s.hour_template, 0, 24);
        let minute = Self::component(rng, &s.minute_template, 0, 60);
        let second = Self::component(rng, &s.second_template, 0, 60);
        NaiveTime::from_hms_opt(hour, minute, second).unwrap_or(NaiveTime::MIN)
    }

    /// An owned random value: nested types and the rarer scalars.
    fn value(&self, g: &Gen, rng: &mut Rng) -> Result<Value, ConnectorError> {
        let s = &self.settings;
        Ok(match g {
            Gen::Null => Value::Null,
            Gen::Bool => Value::Bool(rng.below(2) == 1),
            Gen::TinyInt => Value::TinyInt(self.tinyint(rng)),
            Gen::SmallInt => Value::SmallInt(self.smallint(rng)),
            Gen::Int => Value::Int(self.int(rng) as i32),
            Gen::BigInt => Value::BigInt(self.bigint(rng)),
            Gen::Float => Value::Float(self.float(rng)),
            Gen::Double => Value::Double(self.double(rng)),
            Gen::Decimal { int_digits, scale } => {
                let mut text = String::new();
                decimal_text(rng, *int_digits, *scale, &mut text);
                Value::Decimal(BigDecimal::from_str(&text).unwrap_or_default())
            }
            Gen::String => Value::String(match &s.string_template {
                Some(t) => rng.pick(t).clone(),
                None => {
                    let mut text = String::with_capacity(s.string_length);
                    rng.letters(s.string_length, &mut text);
                    text
                }
            }),
            Gen::Bytes => {
                let mut text = String::with_capacity(s.bytes_length);
                rng.letters(s.bytes_length, &mut text);
                Value::Bytes(text.into_bytes())
            }
            Gen::Date => Value::Date(self.date(rng)?),
            Gen::Time => Value::Time(self.time(rng)),
            Gen::Timestamp => Value::Timestamp(NaiveDateTime::new(self.date(rng)?, self.time(rng))),
            Gen::Array(element) => Value::Array(
                (0..s.array_size)
                    .map(|_| self.value(element, rng))
                    .collect::<Result<_, _>>()?,
            ),
            Gen::Map(key, value) => {
                let mut entries: Vec<(Value, Value)> = Vec::with_capacity(s.map_size);
                for _ in 0..s.map_size {
                    let k = self.value(key, rng)?;
                    let v = self.value(value, rng)?;
                    match entries.iter_mut().find(|(existing, _)| *existing == k) {
                        Some(entry) => entry.1 = v,
                        None => entries.push((k, v)),
                    }
                }
                Value::Map(entries)
            }
            Gen::Row(fields) => Value::Row(
                fields
                    .iter()
                    .map(|f| self.value(f, rng))
                    .collect::<Result<_, _>>()?,
            ),
            Gen::Fixed(v) => v.clone(),
            Gen::Now(ty) => {
                let now = Local::now().naive_local();
                match ty {
                    DataType::Date => Value::Date(now.date()),
                    DataType::Time => Value::Time(now.time()),
                    _ => Value::Timestamp(now),
                }
            }
        })
    }
}

/// A decimal's plain text: `int_digits` random digits (leading zeros dropped, as SeaTunnel's
/// `BigDecimal` drops them), then `scale` fraction digits.
fn decimal_text(rng: &mut Rng, int_digits: usize, scale: usize, out: &mut String) {
    out.clear();
    for _ in 0..int_digits {
        let d = rng.below(10) as u8;
        if d != 0 || !out.is_empty() {
            out.push((b'0' + d) as char);
        }
    }
    if out.is_empty() {
        out.push('0');
    }
    if scale > 0 {
        out.push('.');
        for _ in 0..scale {
            out.push((b'0' + rng.below(10) as u8) as char);
        }
    }
}

/// Compiles a type; a `defaultValue` applies to the column and, as in SeaTunnel (which copies the
/// column for each element), to the scalar elements of its arrays, maps and rows.
fn compile(ty: &DataType, default: Option<&str>) -> Result<Gen, String> {
    if let Some(text) = default {
        if let Some(fixed) = fixed(ty, text)? {
            return Ok(fixed);
        }
    }
    Ok(match ty {
        DataType::Null => Gen::Null,
        DataType::Boolean => Gen::Bool,
        DataType::TinyInt => Gen::TinyInt,
        DataType::SmallInt => Gen::SmallInt,
        DataType::Int => Gen::Int,
        DataType::BigInt => Gen::BigInt,
        DataType::Float => Gen::Float,
        DataType::Double => Gen::Double,
        DataType::Decimal { precision, scale } => Gen::Decimal {
            int_digits: (*precision - *scale) as usize,
            scale: *scale as usize,
        },
        DataType::String => Gen::String,
        DataType::Bytes => Gen::Bytes,
        DataType::Date => Gen::Date,
        DataType::Time => Gen::Time,
        DataType::Timestamp => Gen::Timestamp,
        DataType::Array(e) => Gen::Array(Box::new(compile(e, default)?)),
        DataType::Map(k, v) => Gen::Map(
            Box::new(compile(k, default)?),
            Box::new(compile(v, default)?),
        ),
        DataType::Row(r) => Gen::Row(
            r.fields
                .iter()
                .map(|f| compile(&f.data_type, default))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// The fixed generator for a scalar `defaultValue`, read as SeaTunnel's `FakeDataGenerator`
/// parses it; `None` for types a default does not apply to.
fn fixed(ty: &DataType, text: &str) -> Result<Option<Gen>, String> {
    let bad = |what: &str| format!("'{text}' is not {what}");
    let value = match ty {
        DataType::String => Value::String(text.to_string()),
        DataType::Boolean => Value::Bool(text.eq_ignore_ascii_case("true")),
        DataType::TinyInt => Value::TinyInt(text.parse().map_err(|_| bad("a TINYINT"))?),
        DataType::SmallInt => Value::SmallInt(text.parse().map_err(|_| bad("a SMALLINT"))?),
        DataType::Int => Value::Int(text.parse().map_err(|_| bad("an INT"))?),
        DataType::BigInt => Value::BigInt(text.parse().map_err(|_| bad("a BIGINT"))?),
        DataType::Float => Value::Float(text.trim().parse().map_err(|_| bad("a FLOAT"))?),
        DataType::Double => Value::Double(text.trim().parse().map_err(|_| bad("a DOUBLE"))?),
        DataType::Decimal { .. } => {
            Value::Decimal(BigDecimal::from_str(text).map_err(|_| bad("a DECIMAL"))?)
        }
        DataType::Bytes => Value::Bytes(text.as_bytes().to_vec()),
        DataType::Date | DataType::Time | DataType::Timestamp
            if text.eq_ignore_ascii_case(&format!("CURRENT_{}", ty.sql_type_name())) =>
        {
            return Ok(Some(Gen::Now(ty.clone())))
        }
        DataType::Date => Value::Date(parse_date(text).ok_or_else(|| bad("a date"))?),
        DataType::Time => Value::Time(
            NaiveTime::parse_from_str(text, "%H:%M:%S%.f")
                .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
                .map_err(|_| bad("a time"))?,
        ),
        DataType::Timestamp => {
            Value::Timestamp(parse_timestamp(text).ok_or_else(|| bad("a timestamp"))?)
        }
        DataType::Null | DataType::Array(_) | DataType::Map(_, _) | DataType::Row(_) => {
            return Ok(None)
        }
    };
    Ok(Some(Gen::Fixed(value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::parse_tables;
    use chrono::Datelike;
    use seatunnel_connector::Options;
    use serde_json::json;

    fn table(v: serde_json::Value) -> (std::sync::Arc<TableSchema>, RowGen) {
        let t = parse_tables(&Options::new("FakeSource", v.as_object().unwrap().clone()))
            .unwrap()
            .remove(0);
        let g = RowGen::compile(&t.parsed.schema, &t.parsed.defaults, t.settings).unwrap();
        (t.parsed.schema, g)
    }

    fn rows(v: serde_json::Value, n: usize) -> Batch {
        let (schema, g) = table(v);
        let mut b = Batch::new(schema);
        let (mut rng, mut scratch) = (Rng::seeded(7), String::new());
        for _ in 0..n {
            g.push_row(&mut rng, &mut scratch, &mut b).unwrap();
        }
        b
    }

    #[test]
    fn ranges_are_half_open_like_seatunnel() {
        let b = rows(
            json!({"tinyint.min": 1, "tinyint.max": 9, "int.min": 20, "int.max": 29,
                   "float.min": 40.0, "float.max": 43.0, "bigint.min": 5, "bigint.max": 5,
                   "schema": {"fields": {"t": "tinyint", "i": "int", "f": "float", "b": "bigint"}}}),
            2000,
        );
        let mut seen_low = false;
        for r in 0..b.len() {
            let Datum::TinyInt(t) = b.get(r, 0) else {
                panic!()
            };
            let Datum::Int(i) = b.get(r, 1) else { panic!() };
            let Datum::Float(f) = b.get(r, 2) else {
                panic!()
            };
            assert!((1..9).contains(&t) && (20..29).contains(&i) && (40.0..43.0).contains(&f));
            assert_eq!(b.get(r, 3), Datum::BigInt(5));
            seen_low |= t == 1;
        }
        assert!(seen_low);
    }

    #[test]
    fn strings_are_letters_of_the_configured_length() {
        let b = rows(
            json!({"string.length": 13, "schema": {"fields": {"s": "string", "y": "bytes"}}}),
            200,
        );
        for r in 0..b.len() {
            let Value::String(s) = b.value(r, 0) else {
                panic!()
            };
            assert_eq!(s.len(), 13);
            assert!(s.bytes().all(|c| c.is_ascii_alphabetic()));
            let Value::Bytes(y) = b.value(r, 1) else {
                panic!()
            };
            assert_eq!(y.len(), 5);
        }
    }

    #[test]
    fn templates_win_over_ranges() {
        let b = rows(
            json!({"string.template": ["innerQuery"], "int.template": [20, 21],
                   "schema": {"fields": {"s": "string", "i": "int", "m": "map<string, string>"}}}),
            50,
        );
        for r in 0..b.len() {
            assert_eq!(b.value(r, 0), Value::String("innerQuery".into()));
            assert!(matches!(b.get(r, 1), Datum::Int(20 | 21)));
            // Five draws of the same key collapse into one entry, as in SeaTunnel's HashMap.
            assert_eq!(b.value(r, 2).to_string(), "{innerQuery=innerQuery}");
        }
    }

    #[test]
    fn decimals_dates_and_nesting() {
        let b = rows(
            json!({"array.size": 3, "schema": {"fields": {
                "d": "decimal(30, 8)", "z": "decimal(2, 2)", "day": "date", "ts": "timestamp",
                "a": "array<int>", "r": {"x": "null", "y": "boolean"}}}}),
            300,
        );
        for r in 0..b.len() {
            let Value::Decimal(d) = b.value(r, 0) else {
                panic!()
            };
            assert_eq!(d.as_bigint_and_exponent().1, 8);
            let Datum::Decimal(span) = b.get(r, 0) else {
                panic!()
            };
            let text = b.str(span);
            assert!(!text.starts_with('0') || text.starts_with("0."), "{text}");
            let Datum::Decimal(z) = b.get(r, 1) else {
                panic!()
            };
            assert!(b.str(z).starts_with("0."));
            let Value::Date(day) = b.value(r, 2) else {
                panic!()
            };
            assert!(day.year() == Local::now().year() && day.day() <= 28);
            let Value::Timestamp(ts) = b.value(r, 3) else {
                panic!()
            };
            assert_eq!(ts.and_utc().timestamp_subsec_nanos(), 0);
            let Value::Array(a) = b.value(r, 4) else {
                panic!()
            };
            assert_eq!(a.len(), 3);
            let Value::Row(fields) = b.value(r, 5) else {
                panic!()
            };
            assert_eq!(fields[0], Value::Null);
        }
    }

    #[test]
    fn column_defaults_are_fixed() {
        let b = rows(
            json!({"schema": {"columns": [
                {"name": "id", "type": "int", "defaultValue": 42},
                {"name": "at", "type": "date", "defaultValue": "CURRENT_DATE"}]}}),
            3,
        );
        for r in 0..b.len() {
            assert_eq!(b.get(r, 0), Datum::Int(42));
            assert_eq!(b.value(r, 1), Value::Date(Local::now().date_naive()));
        }
        let t = parse_tables(&Options::new(
            "FakeSource",
            json!({"schema": {"columns": [{"name": "id", "type": "int", "defaultValue": "x"}]}})
                .as_object()
                .unwrap()
                .clone(),
        ))
        .unwrap()
        .remove(0);
        let e = RowGen::compile(&t.parsed.schema, &t.parsed.defaults, t.settings).unwrap_err();
        assert_eq!(e, "column 'id' defaultValue: 'x' is not an INT");
    }

    #[test]
    fn invalid_template_dates_fail_at_run_time() {
        let (schema, g) = table(
            json!({"date.month.template": [2], "date.day.template": [31],
            "schema": {"fields": {"d": "date"}}}),
        );
        let mut b = Batch::new(schema);
        let e = g
            .push_row(&mut Rng::seeded(1), &mut String::new(), &mut b)
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid date"), "{e}");
    }

    #[test]
    fn rng_draws_cover_the_range() {
        let mut rng = Rng::seeded(3);
        let mut hits = [0u32; 10];
        for _ in 0..10_000 {
            hits[rng.range(0, 10) as usize] += 1;
        }
        assert!(hits.iter().all(|&h| (800..1200).contains(&h)), "{hits:?}");
        assert_eq!(rng.range(4, 4), 4);
    }
}
