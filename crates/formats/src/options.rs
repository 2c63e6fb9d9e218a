//! The format options every file connector reads, parsed into typed values at plan time:
//! `file_format_type`, `compress_codec`, `archive_compress_codec`, `encoding`, the temporal
//! patterns, `field_delimiter` and `schema` (SeaTunnel's `connector-file-base` defines them once
//! for LocalFile, S3File, HdfsFile, …). Every error names the plugin and the key (through
//! [`Options`]) or says `not supported: …` for SeaTunnel features outside these formats' scope.

use std::sync::Arc;

use encoding_rs::Encoding;
use regex::Regex;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use seatunnel_connector::{ConnectorError, Options};
use seatunnel_data::java::time_pattern::{
    TimePattern, DEFAULT_DATE, DEFAULT_DATETIME, DEFAULT_TIME,
};
use seatunnel_data::{DataType, Field, TablePath, TableSchema};

/// Field separators of nested values in text files, level by level (SeaTunnel's
/// `TextFormatConstant.SEPARATOR`); level 0 is replaced by `field_delimiter`.
pub const TEXT_SEPARATORS: [&str; 7] = [
    "\u{1}", "\u{2}", "\u{3}", "\u{4}", "\u{5}", "\u{6}", "\u{7}",
];
/// `field_delimiter` default for text files.
pub const DEFAULT_TEXT_DELIMITER: &str = "\u{1}";
/// `field_delimiter` default for csv files.
pub const DEFAULT_CSV_DELIMITER: &str = ",";
/// The formats these file connectors read and write, for error messages.
const SUPPORTED_FORMATS: &str = "text, csv, json";
/// Formats SeaTunnel has that these file connectors do not.
const OTHER_FORMATS: [&str; 5] = ["parquet", "orc", "excel", "xml", "binary"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Text,
    Csv,
    Json,
}

impl FileFormat {
    pub fn parse(
        opts: &Options,
        key: &str,
        default: Option<&str>,
    ) -> Result<FileFormat, ConnectorError> {
        let value = match (opts.string(key)?, default) {
            (Some(v), _) => v,
            (None, Some(d)) => d.to_string(),
            (None, None) => return Err(opts.invalid(key, "is required (text, csv or json)")),
        };
        match value.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(FileFormat::Text),
            "csv" => Ok(FileFormat::Csv),
            "json" => Ok(FileFormat::Json),
            other if OTHER_FORMATS.contains(&other) => Err(ConnectorError::config(
                opts.plugin(),
                format!(
                    "not supported: file_format_type '{other}' (supported: {SUPPORTED_FORMATS})"
                ),
            )),
            _ => Err(opts.invalid(
                key,
                format!("must be one of {SUPPORTED_FORMATS}, got \"{value}\""),
            )),
        }
    }

    /// File name suffix SeaTunnel's `FileFormat.getSuffix` gives.
    pub fn suffix(self) -> &'static str {
        match self {
            FileFormat::Text => ".txt",
            FileFormat::Csv => ".csv",
            FileFormat::Json => ".json",
        }
    }

    pub fn default_delimiter(self) -> &'static str {
        match self {
            FileFormat::Csv => DEFAULT_CSV_DELIMITER,
            _ => DEFAULT_TEXT_DELIMITER,
        }
    }
}

/// `compress_codec`: the stream codec around each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Lzo,
}

impl Compression {
    pub fn parse(opts: &Options) -> Result<Compression, ConnectorError> {
        let value = opts.string_or("compress_codec", "none")?;
        match value.trim().to_ascii_lowercase().as_str() {
            "none" | "" => Ok(Compression::None),
            "lzo" => Ok(Compression::Lzo),
            other => Err(ConnectorError::config(
                opts.plugin(),
                format!("not supported: compress_codec '{other}' for text, csv and json files (supported: none, lzo)"),
            )),
        }
    }

    /// Goes before the format suffix, as in SeaTunnel (`….lzo.txt`).
    pub fn suffix(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Lzo => ".lzo",
        }
    }
}

/// `archive_compress_codec`: each source file is an archive of data files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archive {
    None,
    Zip,
    Tar,
    TarGz,
}

impl Archive {
    pub fn parse(opts: &Options) -> Result<Archive, ConnectorError> {
        let value = opts.string_or("archive_compress_codec", "none")?;
        match value.trim().to_ascii_uppercase().as_str() {
            "NONE" | "" => Ok(Archive::None),
            "ZIP" => Ok(Archive::Zip),
            "TAR" => Ok(Archive::Tar),
            "TAR_GZ" => Ok(Archive::TarGz),
            _ => Err(ConnectorError::config(
                opts.plugin(),
                format!("not supported: archive_compress_codec '{value}' (supported: none, zip, tar, tar_gz)"),
            )),
        }
    }
}

/// `encoding`: the charset of file contents. Line-based formats need one where `\n` is one byte.
#[derive(Debug, Clone, Copy)]
pub struct Charset(pub &'static Encoding);

impl Charset {
    pub fn parse(opts: &Options) -> Result<Charset, ConnectorError> {
        let label = opts.string_or("encoding", "UTF-8")?;
        let enc = Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
            ConnectorError::config(
                opts.plugin(),
                format!("not supported: encoding '{label}' (use a charset name such as UTF-8, GBK or ISO-8859-1)"),
            )
        })?;
        if enc.output_encoding() != enc {
            return Err(ConnectorError::config(
                opts.plugin(),
                format!("not supported: encoding '{label}' (text, csv and json files need an ASCII-compatible charset)"),
            ));
        }
        Ok(Charset(enc))
    }

    pub fn is_utf8(self) -> bool {
        self.0 == encoding_rs::UTF_8
    }
}

/// The three temporal patterns text and csv values use.
///
/// Invariant: `date` reads no time-of-day field and `time` no date field (checked in
/// [`Formats::parse`]), so formatting a value of each kind cannot fail; Java would throw on the
/// first row instead.
#[derive(Debug, Clone)]
pub struct Formats {
    pub date: TimePattern,
    pub datetime: TimePattern,
    pub time: TimePattern,
}

/// Why a pattern that cannot format its kind of value never reaches a writer.
const CHECKED_AT_PLAN_TIME: &str = "Formats::parse checks what each pattern reads";

impl Formats {
    pub fn parse(opts: &Options) -> Result<Formats, ConnectorError> {
        let one = |key: &str, default: &str| -> Result<TimePattern, ConnectorError> {
            let text = opts.string_or(key, default)?;
            TimePattern::compile(&text).map_err(|e| opts.invalid(key, e))
        };
        let formats = Formats {
            date: one("date_format", DEFAULT_DATE)?,
            datetime: one("datetime_format", DEFAULT_DATETIME)?,
            time: one("time_format", DEFAULT_TIME)?,
        };
        if formats.date.reads().1 {
            return Err(opts.invalid(
                "date_format",
                format!("'{}' reads the time of day, which a date does not have; use datetime_format for timestamps", formats.date.text()),
            ));
        }
        if formats.time.reads().0 {
            return Err(opts.invalid(
                "time_format",
                format!("'{}' reads the date, which a time does not have; use datetime_format for timestamps", formats.time.text()),
            ));
        }
        Ok(formats)
    }

    /// A date stored as days since 1970-01-01, in `date_format`.
    pub fn write_days(&self, days: i32, out: &mut Vec<u8>) {
        self.date.write_days(days, out).expect(CHECKED_AT_PLAN_TIME)
    }

    pub fn write_date(&self, d: NaiveDate, out: &mut Vec<u8>) {
        self.date.write_date(d, out).expect(CHECKED_AT_PLAN_TIME)
    }

    /// A time stored as nanoseconds since midnight, in `time_format`.
    pub fn write_time_nanos(&self, nanos: i64, out: &mut Vec<u8>) {
        self.time
            .write_time_nanos(nanos, out)
            .expect(CHECKED_AT_PLAN_TIME)
    }

    pub fn write_time(&self, t: NaiveTime, out: &mut Vec<u8>) {
        self.time.write_time(t, out).expect(CHECKED_AT_PLAN_TIME)
    }

    /// A timestamp stored as nanoseconds since the epoch, in `datetime_format` (which may read
    /// anything: a timestamp has every field).
    pub fn write_timestamp_nanos(&self, nanos: i64, out: &mut Vec<u8>) {
        self.datetime
            .write_timestamp_nanos(nanos, out)
            .expect("a timestamp has every field")
    }

    pub fn write_datetime(&self, ts: NaiveDateTime, out: &mut Vec<u8>) {
        self.datetime
            .write_datetime(ts, out)
            .expect("a timestamp has every field")
    }
}

impl Default for Formats {
    fn default() -> Self {
        Formats {
            date: TimePattern::compile(DEFAULT_DATE).expect("default compiles"),
            datetime: TimePattern::compile(DEFAULT_DATETIME).expect("default compiles"),
            time: TimePattern::compile(DEFAULT_TIME).expect("default compiles"),
        }
    }
}

/// A field separator with Java `String.split` semantics: SeaTunnel splits text lines with
/// `line.split(delimiter, -1)`, so `delimiter = "\\|"` is a regex for a literal `|`.
#[derive(Debug, Clone)]
pub enum Splitter {
    Literal(String),
    Regex(Regex),
}

/// Characters that make a Java split pattern a regex rather than a literal.
const REGEX_META: &str = ".$|()[{^?*+\\";

impl Splitter {
    pub fn new(delimiter: &str) -> Result<Splitter, String> {
        if delimiter.is_empty() {
            return Err("must not be empty".into());
        }
        if !delimiter.contains(|c| REGEX_META.contains(c)) {
            return Ok(Splitter::Literal(delimiter.to_string()));
        }
        let mut chars = delimiter.chars();
        if let (Some('\\'), Some(c), None) = (chars.next(), chars.next(), chars.next()) {
            if !c.is_ascii_alphanumeric() {
                return Ok(Splitter::Literal(c.to_string()));
            }
        }
        Regex::new(delimiter)
            .map(Splitter::Regex)
            .map_err(|e| format!("is not a valid pattern: {e}"))
    }

    /// Calls `f` on every piece, trailing empty pieces included (Java's limit -1).
    pub fn split<'a>(&self, line: &'a str, mut f: impl FnMut(&'a str)) {
        match self {
            Splitter::Literal(d) => line.split(d.as_str()).for_each(f),
            Splitter::Regex(r) => {
                let mut last = 0;
                for m in r.find_iter(line) {
                    if m.end() == 0 {
                        continue;
                    }
                    f(&line[last..m.start()]);
                    last = m.end();
                }
                f(&line[last..]);
            }
        }
    }
}

/// Reads `schema { table = …, fields { name = type … } }` into a table schema.
pub fn parse_schema(
    opts: &Options,
    default_table: &str,
) -> Result<Option<Arc<TableSchema>>, ConnectorError> {
    let Some(schema) = opts.object("schema")? else {
        return Ok(None);
    };
    let table = match schema.get("table") {
        Some(serde_json::Value::String(t)) if !t.is_empty() => t.clone(),
        _ => default_table.to_string(),
    };
    let mut fields = Vec::new();
    if let Some(map) = opts.object("schema.fields")? {
        for (name, ty) in map {
            let data_type = DataType::from_json(ty)
                .map_err(|e| opts.invalid(&format!("schema.fields.{name}"), e.to_string()))?;
            fields.push(Field::new(name.clone(), data_type));
        }
    } else if let Some(columns) = opts.list("schema.columns")? {
        for (i, col) in columns.iter().enumerate() {
            let key = format!("schema.columns[{i}]");
            let name = col.get("name").and_then(|n| n.as_str());
            let ty = col.get("type");
            let (Some(name), Some(ty)) = (name, ty) else {
                return Err(opts.invalid(&key, "needs a name and a type"));
            };
            let data_type =
                DataType::from_json(ty).map_err(|e| opts.invalid(&key, e.to_string()))?;
            fields.push(Field::new(name, data_type));
        }
    }
    Ok(Some(TableSchema::new(TablePath::parse(&table), fields)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: serde_json::Value) -> Options {
        Options::new("LocalFile", v.as_object().unwrap().clone())
    }

    fn pieces(s: &Splitter, line: &str) -> Vec<String> {
        let mut v = Vec::new();
        s.split(line, |p| v.push(p.to_string()));
        v
    }

    #[test]
    fn other_formats_fail_with_the_exact_message() {
        let e = FileFormat::parse(
            &opts(json!({"file_format_type": "parquet"})),
            "file_format_type",
            None,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "plugin LocalFile: not supported: file_format_type 'parquet' (supported: text, csv, json)"
        );
        let e = FileFormat::parse(&opts(json!({})), "file_format_type", None).unwrap_err();
        assert!(e.to_string().contains("'file_format_type' is required"));
        let f = FileFormat::parse(
            &opts(json!({"file_format_type": "JSON"})),
            "file_format_type",
            None,
        );
        assert_eq!(f.unwrap(), FileFormat::Json);
    }

    /// Java throws on the first row when `date_format` reads the hour (a date has none); here
    /// the job fails at plan time, naming the option.
    #[test]
    fn temporal_patterns_fit_their_kind_of_value() {
        let f = Formats::parse(&opts(
            json!({"date_format": "dd MMM yyyy", "time_format": "hh:mm a"}),
        ))
        .unwrap();
        let mut out = Vec::new();
        f.write_days(19_000, &mut out);
        f.write_time_nanos(13 * 3_600_000_000_000, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "08 Jan 202201:00 PM");
        let e = Formats::parse(&opts(json!({"date_format": "yyyy-MM-dd HH"}))).unwrap_err();
        assert!(e.to_string().contains("date_format"), "{e}");
        assert!(e.to_string().contains("reads the time of day"), "{e}");
        let e = Formats::parse(&opts(json!({"time_format": "yyyy HH:mm"}))).unwrap_err();
        assert!(e.to_string().contains("time_format"), "{e}");
        let e = Formats::parse(&opts(json!({"datetime_format": "yyyy-ww"}))).unwrap_err();
        assert!(
            e.to_string()
                .contains("pattern letter 'w' is not supported"),
            "{e}"
        );
    }

    #[test]
    fn codecs_and_encodings() {
        assert_eq!(
            Compression::parse(&opts(json!({"compress_codec": "LZO"}))).unwrap(),
            Compression::Lzo
        );
        assert!(
            Compression::parse(&opts(json!({"compress_codec": "snappy"})))
                .unwrap_err()
                .to_string()
                .contains("not supported: compress_codec 'snappy'")
        );
        assert_eq!(
            Archive::parse(&opts(json!({"archive_compress_codec": "tar_gz"}))).unwrap(),
            Archive::TarGz
        );
        assert!(Archive::parse(&opts(json!({"archive_compress_codec": "rar"}))).is_err());
        assert!(!Charset::parse(&opts(json!({"encoding": "gbk"})))
            .unwrap()
            .is_utf8());
        assert!(Charset::parse(&opts(json!({}))).unwrap().is_utf8());
        assert!(Charset::parse(&opts(json!({"encoding": "UTF-16"}))).is_err());
        assert!(Charset::parse(&opts(json!({"encoding": "klingon"}))).is_err());
        assert!(Formats::parse(&opts(json!({"date_format": "EEE"}))).is_ok());
        assert!(Formats::parse(&opts(json!({"date_format": "yyyy-ww"}))).is_err());
    }

    #[test]
    fn splitter_follows_java_split() {
        let lit = Splitter::new("\u{1}").unwrap();
        assert_eq!(pieces(&lit, "a\u{1}\u{1}b\u{1}"), ["a", "", "b", ""]);
        let escaped = Splitter::new("\\|").unwrap();
        assert!(matches!(escaped, Splitter::Literal(ref s) if s == "|"));
        assert_eq!(pieces(&escaped, "x|y"), ["x", "y"]);
        let regex = Splitter::new("[,;]").unwrap();
        assert_eq!(pieces(&regex, "1,2;3"), ["1", "2", "3"]);
        assert!(Splitter::new("").is_err());
        assert!(Splitter::new("(").is_err());
    }

    #[test]
    fn schema_fields_and_table_name() {
        let o = opts(
            json!({"schema": {"table": "db.t1", "fields": {"a": "int", "r": {"x": "string"}}}}),
        );
        let s = parse_schema(&o, "default").unwrap().unwrap();
        assert_eq!(s.path.full_name(), "db.t1");
        assert_eq!(s.field_names(), ["a", "r"]);
        assert!(parse_schema(&opts(json!({})), "d").unwrap().is_none());
        let bad = opts(json!({"schema": {"fields": {"a": "varchar2"}}}));
        assert!(parse_schema(&bad, "d")
            .unwrap_err()
            .to_string()
            .contains("schema.fields.a"));
    }
}
