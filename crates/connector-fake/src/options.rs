//! FakeSource options, parsed once at plan time into one [`TableConfig`] per table.
//!
//! Option names and defaults are SeaTunnel's `FakeSourceOptions`. Unknown keys are ignored, as
//! SeaTunnel ignores them (`split.row` and `smalling.fake.mode` appear in real job files).
//! A `*.template` list, when given, always wins over the `*.min`/`*.max` range: SeaTunnel picks
//! from the template whatever `*.fake.mode` says, so the mode is only validated.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{Datelike, Local};
use serde_json::Value as Json;

use super::rows::{custom_row, CustomRow};
use super::schema::{parse_schema, ParsedSchema};
use seatunnel_connector::{ConnectorError, Options};
use seatunnel_data::literal::json_text;
use seatunnel_data::DataType;

/// The catalog name FakeSource tables carry in their identifier.
pub const CATALOG_NAME: &str = "FakeSource";
/// `row.num`: rows per parallel reader.
const DEFAULT_ROW_NUM: i64 = 5;
/// `split.num`: splits per reader.
const DEFAULT_SPLIT_NUM: i64 = 1;
/// The most `split.num` a reader may plan: each split is an entry the reader keeps, so the
/// bound keeps a job's memory independent of one option; real jobs use a handful.
pub const MAX_SPLIT_NUM: i64 = 10_000;
/// `split.read-interval`: milliseconds between two splits of one reader.
const DEFAULT_SPLIT_READ_INTERVAL_MS: i64 = 1;
/// `map.size`, `array.size`, `bytes.length`, `string.length`.
const DEFAULT_SIZE: i64 = 5;
/// Valid `*.fake.mode` values.
const FAKE_MODES: &[&str] = &["RANGE", "TEMPLATE"];

/// An inclusive-exclusive range `[min, max)` as SeaTunnel's `RandomUtils.next*(min, max)` draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range<T> {
    pub min: T,
    pub max: T,
}

/// Everything the random generator needs besides the column types.
#[derive(Debug, Clone, PartialEq)]
pub struct GenSettings {
    pub map_size: usize,
    pub array_size: usize,
    pub bytes_length: usize,
    pub string_length: usize,
    pub tinyint: Range<i64>,
    pub smallint: Range<i64>,
    pub int: Range<i64>,
    pub bigint: Range<i64>,
    pub float: Range<f64>,
    pub double: Range<f64>,
    pub string_template: Option<Vec<String>>,
    pub tinyint_template: Option<Vec<i64>>,
    pub smallint_template: Option<Vec<i64>>,
    pub int_template: Option<Vec<i64>>,
    pub bigint_template: Option<Vec<i64>>,
    pub float_template: Option<Vec<f64>>,
    pub double_template: Option<Vec<f64>>,
    /// The year used when `date.year.template` is not given: the current year, as SeaTunnel.
    pub year: i32,
    pub year_template: Option<Vec<i64>>,
    pub month_template: Option<Vec<i64>>,
    pub day_template: Option<Vec<i64>>,
    pub hour_template: Option<Vec<i64>>,
    pub minute_template: Option<Vec<i64>>,
    pub second_template: Option<Vec<i64>>,
}

/// One table of a FakeSource: its schema, how many rows and splits, and how to make rows.
#[derive(Debug, Clone)]
pub struct TableConfig {
    pub parsed: ParsedSchema,
    pub row_num: usize,
    pub split_num: usize,
    pub split_read_interval: Duration,
    pub settings: GenSettings,
    /// Explicit `rows`; when given, every split emits all of them instead of random rows.
    pub rows: Option<Vec<CustomRow>>,
}

/// Parses the plugin block: `tables_configs` (one table per entry, no inheritance from the outer
/// block, as SeaTunnel) or the block itself as one table.
pub fn parse_tables(options: &Options) -> Result<Vec<TableConfig>, ConnectorError> {
    let tables = match options.list("tables_configs")? {
        Some(entries) => {
            if entries.is_empty() {
                return Err(options.invalid("tables_configs", "must list at least one table"));
            }
            entries
                .iter()
                .enumerate()
                .map(|(i, entry)| match entry {
                    Json::Object(map) => parse_table(&options.nested(map.clone())),
                    other => Err(options.invalid(
                        "tables_configs",
                        format!("entry {i} must be an object, got {other}"),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        None => vec![parse_table(options)?],
    };
    let mut seen = HashSet::new();
    if tables
        .iter()
        .any(|t| !seen.insert(t.parsed.schema.path.full_name()))
    {
        let names: Vec<String> = tables
            .iter()
            .map(|t| t.parsed.schema.path.full_name())
            .collect();
        return Err(options.invalid(
            "tables_configs",
            format!(
                "table names [{}] must be unique: give each entry its own schema.table",
                names.join(", ")
            ),
        ));
    }
    Ok(tables)
}

fn count(options: &Options, key: &str, default: i64, min: i64) -> Result<usize, ConnectorError> {
    let v = options.i64_or(key, default)?;
    if v < min || v > i32::MAX as i64 {
        return Err(options.invalid(
            key,
            format!("must be between {min} and {}, got {v}", i32::MAX),
        ));
    }
    Ok(v as usize)
}

fn parse_table(options: &Options) -> Result<TableConfig, ConnectorError> {
    let parsed = parse_schema(options, CATALOG_NAME)?;
    let settings = parse_settings(options, &parsed)?;
    let rows = match options.list("rows")? {
        None => None,
        Some(items) => {
            let now = Local::now().naive_local();
            Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        custom_row(item, &parsed.schema, now)
                            .map_err(|m| options.invalid("rows", format!("row {i}: {m}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            )
        }
    };
    Ok(TableConfig {
        row_num: count(options, "row.num", DEFAULT_ROW_NUM, 0)?,
        split_num: match count(options, "split.num", DEFAULT_SPLIT_NUM, 1)? {
            n if n as i64 > MAX_SPLIT_NUM => {
                return Err(options.over_limit(
                    "split.num",
                    format!("must be at most {MAX_SPLIT_NUM}, got {n}; the limit bounds what one job may cost a node"),
                ))
            }
            n => n,
        },
        split_read_interval: Duration::from_millis(count(
            options,
            "split.read-interval",
            DEFAULT_SPLIT_READ_INTERVAL_MS,
            0,
        )? as u64),
        settings,
        rows,
        parsed,
    })
}

/// Which scalar kinds the schema generates anywhere, nested included: range checks only apply
/// to the kinds in use, as SeaTunnel fails only when it draws such a value.
fn kinds_in_use(ty: &DataType, out: &mut HashSet<&'static str>) {
    match ty {
        DataType::Array(e) => kinds_in_use(e, out),
        DataType::Map(k, v) => {
            kinds_in_use(k, out);
            kinds_in_use(v, out);
        }
        DataType::Row(r) => r
            .fields
            .iter()
            .for_each(|f| kinds_in_use(&f.data_type, out)),
        other => {
            out.insert(other.sql_type_name());
        }
    }
}

/// A `*.template` list of numbers.
fn number_template<T: std::str::FromStr>(
    options: &Options,
    key: &str,
) -> Result<Option<Vec<T>>, ConnectorError> {
    template(options, key, |v| json_text(v).trim().parse::<T>().ok())
}

/// A `*.template` list. `[a,b]` written as one string (as `-i strTemplate=[abc,def]` can arrive)
/// is split on commas. An empty list counts as not given, as in SeaTunnel.
fn template<T>(
    options: &Options,
    key: &str,
    item: impl Fn(&Json) -> Option<T>,
) -> Result<Option<Vec<T>>, ConnectorError> {
    let items: Vec<Json> = match options.get(key) {
        None | Some(Json::Null) => return Ok(None),
        Some(Json::Array(items)) => items.clone(),
        Some(Json::String(s)) => s
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|p| p.trim().trim_matches('"'))
            .filter(|p| !p.is_empty())
            .map(|p| Json::String(p.to_string()))
            .collect(),
        Some(other) => return Err(options.invalid(key, format!("must be a list, got {other}"))),
    };
    let values = items
        .iter()
        .map(|v| item(v).ok_or_else(|| options.invalid(key, format!("has an invalid entry {v}"))))
        .collect::<Result<Vec<T>, _>>()?;
    Ok(Some(values).filter(|v| !v.is_empty()))
}

/// The number types of `*.min`/`*.max` options.
trait Bound: Copy + PartialOrd + std::fmt::Display {
    const ZERO: Self;
    fn read(options: &Options, key: &str) -> Result<Option<Self>, ConnectorError>;
    /// The upper limit as error messages print it (floats in scientific notation).
    fn limit_text(self) -> String;
}

impl Bound for i64 {
    const ZERO: i64 = 0;
    fn read(options: &Options, key: &str) -> Result<Option<i64>, ConnectorError> {
        options.i64(key)
    }
    fn limit_text(self) -> String {
        self.to_string()
    }
}

impl Bound for f64 {
    const ZERO: f64 = 0.0;
    fn read(options: &Options, key: &str) -> Result<Option<f64>, ConnectorError> {
        options.f64(key)
    }
    fn limit_text(self) -> String {
        format!("{self:e}")
    }
}

/// A `*.min`/`*.max` pair; each bound must lie in `[0, hi]` (SeaTunnel's own check) and, when
/// the kind is in use, `min <= max`.
fn range<T: Bound>(
    options: &Options,
    name: &str,
    hi: T,
    in_use: bool,
) -> Result<Range<T>, ConnectorError> {
    let bound = |suffix: &str, default: T| -> Result<T, ConnectorError> {
        let key = format!("{name}.{suffix}");
        let v = T::read(options, &key)?.unwrap_or(default);
        if !(T::ZERO..=hi).contains(&v) {
            return Err(options.invalid(
                &key,
                format!("should be >= 0 and <= {}, got {v}", hi.limit_text()),
            ));
        }
        Ok(v)
    };
    let range = Range {
        min: bound("min", T::ZERO)?,
        max: bound("max", hi)?,
    };
    if in_use && range.min > range.max {
        return Err(options.invalid(
            &format!("{name}.min"),
            format!("({}) must not exceed {name}.max ({})", range.min, range.max),
        ));
    }
    Ok(range)
}

fn parse_settings(options: &Options, parsed: &ParsedSchema) -> Result<GenSettings, ConnectorError> {
    let mut used = HashSet::new();
    for f in &parsed.schema.fields {
        kinds_in_use(&f.data_type, &mut used);
    }
    for kind in [
        "string", "tinyint", "smallint", "int", "bigint", "float", "double",
    ] {
        options.choice(&format!("{kind}.fake.mode"), FAKE_MODES, "RANGE")?;
    }
    let uses = |k: &str| used.contains(k);
    let templates_in = |key: &str, lo: i64, hi: i64| -> Result<Option<Vec<i64>>, ConnectorError> {
        let t = number_template(options, key)?;
        if let Some(bad) = t.iter().flatten().find(|v| !(lo..=hi).contains(*v)) {
            return Err(options.invalid(
                key,
                format!("entries must be between {lo} and {hi}, got {bad}"),
            ));
        }
        Ok(t)
    };
    Ok(GenSettings {
        map_size: count(options, "map.size", DEFAULT_SIZE, 0)?,
        array_size: count(options, "array.size", DEFAULT_SIZE, 0)?,
        bytes_length: count(options, "bytes.length", DEFAULT_SIZE, 0)?,
        string_length: count(options, "string.length", DEFAULT_SIZE, 0)?,
        tinyint: range(options, "tinyint", i8::MAX as i64, uses("TINYINT"))?,
        smallint: range(options, "smallint", i16::MAX as i64, uses("SMALLINT"))?,
        int: range(options, "int", i32::MAX as i64, uses("INT"))?,
        bigint: range(options, "bigint", i64::MAX, uses("BIGINT"))?,
        float: range(options, "float", f32::MAX as f64, uses("FLOAT"))?,
        double: range(options, "double", f64::MAX, uses("DOUBLE"))?,
        string_template: template(options, "string.template", |v| Some(json_text(v)))?,
        tinyint_template: number_template(options, "tinyint.template")?,
        smallint_template: number_template(options, "smallint.template")?,
        int_template: number_template(options, "int.template")?,
        bigint_template: number_template(options, "bigint.template")?,
        float_template: number_template(options, "float.template")?,
        double_template: number_template(options, "double.template")?,
        year: Local::now().year(),
        year_template: templates_in("date.year.template", 1, 9999)?,
        month_template: templates_in("date.month.template", 1, 12)?,
        day_template: templates_in("date.day.template", 1, 31)?,
        hour_template: templates_in("time.hour.template", 0, 23)?,
        minute_template: templates_in("time.minute.template", 0, 59)?,
        second_template: templates_in("time.second.template", 0, 59)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tables(v: Json) -> Result<Vec<TableConfig>, ConnectorError> {
        parse_tables(&Options::new("FakeSource", v.as_object().unwrap().clone()))
    }

    const SCHEMA: &str = r#"{"fields": {"name": "string", "age": "int"}}"#;

    fn with_schema(mut v: Json) -> Json {
        v["schema"] = serde_json::from_str(SCHEMA).unwrap();
        v
    }

    #[test]
    fn defaults_match_seatunnel() {
        let t = &tables(with_schema(json!({}))).unwrap()[0];
        assert_eq!((t.row_num, t.split_num), (5, 1));
        assert_eq!(t.split_read_interval, Duration::from_millis(1));
        let s = &t.settings;
        assert_eq!(
            (s.map_size, s.array_size, s.bytes_length, s.string_length),
            (5, 5, 5, 5)
        );
        assert_eq!(
            s.int,
            Range {
                min: 0,
                max: i32::MAX as i64
            }
        );
        assert!(t.rows.is_none() && s.string_template.is_none());
    }

    #[test]
    fn ranges_templates_and_their_checks() {
        let t = &tables(with_schema(json!({"int.min": 20, "int.max": "29",
            "string.template": ["a", "b"], "int.template": [1, "2"],
            "smalling.fake.mode": "template", "split.row": 25})))
        .unwrap()[0];
        assert_eq!(t.settings.int, Range { min: 20, max: 29 });
        assert_eq!(t.settings.int_template, Some(vec![1, 2]));
        let e = tables(with_schema(json!({"tinyint.min": -1})))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "plugin FakeSource: option 'tinyint.min' should be >= 0 and <= 127, got -1"
        );
        let e = tables(with_schema(json!({"double.max": "-0.5"})))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "plugin FakeSource: option 'double.max' should be >= 0 and <= 1.7976931348623157e308, got -0.5"
        );
        let e = tables(with_schema(json!({"int.min": 9, "int.max": 3})))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'int.min' (9) must not exceed int.max (3)"),
            "{e}"
        );
        // Not an error when no column draws from the range.
        assert!(tables(with_schema(json!({"bigint.min": 9, "bigint.max": 3}))).is_ok());
        assert!(tables(with_schema(json!({"int.fake.mode": "sometimes"}))).is_err());
    }

    #[test]
    fn template_written_as_one_string() {
        let t = &tables(with_schema(json!({"string.template": "[abc,def]"}))).unwrap()[0];
        assert_eq!(
            t.settings.string_template,
            Some(vec!["abc".into(), "def".into()])
        );
    }

    #[test]
    fn multi_table_names_must_differ() {
        let entry = json!({"schema": {"table": "t1", "fields": {"a": "int"}}, "row.num": 3});
        let ok = tables(json!({"tables_configs": [entry,
            {"schema": {"table": "db.t2", "fields": {"b": "string"}}}]}))
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!((ok[0].row_num, ok[1].row_num), (3, 5));
        let e = tables(json!({"tables_configs": [entry, entry]}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be unique"), "{e}");
    }

    #[test]
    fn rows_are_converted_at_plan_time() {
        let t = &tables(with_schema(
            json!({"rows": [{"kind": "INSERT", "fields": ["x", 1]}]}),
        ))
        .unwrap()[0];
        assert_eq!(t.rows.as_ref().unwrap().len(), 1);
        let e = tables(with_schema(
            json!({"rows": [{"kind": "INSERT", "fields": ["x", "one"]}]}),
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("'rows' row 0: cannot convert"), "{e}");
    }
}
