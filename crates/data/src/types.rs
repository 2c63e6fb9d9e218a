//! SeaTunnel's column types and how job files spell them.
//!
//! FakeSource and LocalFile take a `schema.fields` map of `name -> type string`, where the type is
//! one of SeaTunnel's names (`string`, `int`, `"decimal(38, 18)"`, `"map<string, array<int>>"`…) or
//! a nested object meaning a row type. Parsing happens once at plan time; the runtime only sees
//! [`DataType`].

use std::fmt;
use std::sync::Arc;

use serde_json::Value as Json;

/// Default decimal precision and scale, as SeaTunnel's `DecimalType` uses when none is given.
const DEFAULT_DECIMAL: (u8, u8) = (38, 18);

/// A column type. Names match SeaTunnel's `SqlType` so error messages read the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataType {
    Null,
    Boolean,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Float,
    Double,
    Decimal { precision: u8, scale: u8 },
    String,
    Bytes,
    Date,
    Time,
    Timestamp,
    Array(Box<DataType>),
    Map(Box<DataType>, Box<DataType>),
    Row(Arc<RowType>),
}

/// The fields of a nested row type, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowType {
    pub fields: Vec<Field>,
}

/// One named column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub data_type: DataType,
}

impl Field {
    pub fn new(name: impl Into<String>, data_type: DataType) -> Self {
        Field {
            name: name.into(),
            data_type,
        }
    }
}

/// Why a type string could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unsupported column type '{text}': {reason}")]
pub struct TypeError {
    pub text: String,
    pub reason: String,
    /// Over [`MAX_TYPE_NESTING`]: a limit of ours, not a type SeaTunnel would refuse.
    pub too_deep: bool,
}

impl DataType {
    /// Parses a SeaTunnel type string such as `bigint`, `decimal(30, 8)` or `map<string, int>`.
    pub fn parse(text: &str) -> Result<DataType, TypeError> {
        DataType::parse_at(text, 0)
    }

    /// [`DataType::parse`] of a type written inside another (a quoted row field's type) at
    /// `depth`, so quoting never resets the nesting bound.
    fn parse_at(text: &str, depth: usize) -> Result<DataType, TypeError> {
        let mut parser = TypeParser {
            text,
            pos: 0,
            depth,
        };
        let ty = parser.parse_type()?;
        parser.skip_ws();
        if parser.pos != text.len() {
            return Err(parser.error("unexpected text after the type"));
        }
        Ok(ty)
    }

    /// Builds a type from a `schema.fields` value: a string names a type, an object is a row type.
    pub fn from_json(value: &Json) -> Result<DataType, TypeError> {
        match value {
            Json::String(s) => DataType::parse(s),
            Json::Object(map) => {
                let mut fields = Vec::with_capacity(map.len());
                for (name, v) in map {
                    fields.push(Field::new(name.clone(), DataType::from_json(v)?));
                }
                Ok(DataType::Row(Arc::new(RowType { fields })))
            }
            other => Err(TypeError {
                text: other.to_string(),
                reason: "expected a type name string or an object of fields".into(),
                too_deep: false,
            }),
        }
    }

    /// True for the numeric types that Assert's MIN/MAX and SQL arithmetic accept.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            DataType::TinyInt
                | DataType::SmallInt
                | DataType::Int
                | DataType::BigInt
                | DataType::Float
                | DataType::Double
                | DataType::Decimal { .. }
        )
    }

    /// SeaTunnel's `SqlType` name, used by Assert's `field_type` rule and in error messages.
    pub fn sql_type_name(&self) -> &'static str {
        match self {
            DataType::Null => "NULL",
            DataType::Boolean => "BOOLEAN",
            DataType::TinyInt => "TINYINT",
            DataType::SmallInt => "SMALLINT",
            DataType::Int => "INT",
            DataType::BigInt => "BIGINT",
            DataType::Float => "FLOAT",
            DataType::Double => "DOUBLE",
            DataType::Decimal { .. } => "DECIMAL",
            DataType::String => "STRING",
            DataType::Bytes => "BYTES",
            DataType::Date => "DATE",
            DataType::Time => "TIME",
            DataType::Timestamp => "TIMESTAMP",
            DataType::Array(_) => "ARRAY",
            DataType::Map(_, _) => "MAP",
            DataType::Row(_) => "ROW",
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Decimal { precision, scale } => write!(f, "DECIMAL({precision}, {scale})"),
            DataType::Array(t) => write!(f, "ARRAY<{t}>"),
            DataType::Map(k, v) => write!(f, "MAP<{k}, {v}>"),
            DataType::Row(row) => {
                f.write_str("ROW<")?;
                for (i, field) in row.fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} {}", field.name, field.data_type)?;
                }
                f.write_str(">")
            }
            other => f.write_str(other.sql_type_name()),
        }
    }
}

/// How deeply `array<…>`, `map<…>` and row types may nest inside one type string. Parsing (and
/// every later walk of the type) recurses once per level, so untrusted text must not choose the
/// depth; real schemas nest a handful of levels.
pub const MAX_TYPE_NESTING: usize = 32;
/// Characters of a too-deep type string repeated in its error.
const TOO_DEEP_TEXT_SHOWN: usize = 40;

struct TypeParser<'a> {
    text: &'a str,
    pos: usize,
    /// Types open around the cursor, at most [`MAX_TYPE_NESTING`].
    depth: usize,
}

impl TypeParser<'_> {
    fn error(&self, reason: &str) -> TypeError {
        TypeError {
            text: self.text.to_string(),
            reason: reason.to_string(),
            too_deep: false,
        }
    }

    fn skip_ws(&mut self) {
        while self.text[self.pos..].starts_with(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn ident(&mut self) -> &str {
        self.skip_ws();
        let start = self.pos;
        let rest = &self.text[self.pos..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        self.pos += len;
        &self.text[start..self.pos]
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.text[self.pos..].starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), TypeError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(&format!("expected '{c}'")))
        }
    }

    fn number(&mut self) -> Result<u8, TypeError> {
        let word = self.ident().to_string();
        word.parse::<u8>()
            .map_err(|_| self.error("expected a small whole number"))
    }

    fn parse_type(&mut self) -> Result<DataType, TypeError> {
        if self.depth >= MAX_TYPE_NESTING {
            return Err(TypeError {
                // The text may be as long as the request: its start is enough to find it.
                text: self
                    .text
                    .chars()
                    .take(TOO_DEEP_TEXT_SHOWN)
                    .collect::<String>()
                    + "…",
                reason: format!(
                    "types nest deeper than {MAX_TYPE_NESTING} levels; flatten the schema"
                ),
                too_deep: true,
            });
        }
        self.depth += 1;
        let parsed = self.parse_type_here();
        self.depth -= 1;
        parsed
    }

    fn parse_type_here(&mut self) -> Result<DataType, TypeError> {
        if self.eat('{') {
            return self.parse_row();
        }
        let name = self.ident().to_ascii_lowercase();
        Ok(match name.as_str() {
            "null" => DataType::Null,
            "boolean" | "bool" => DataType::Boolean,
            "tinyint" | "byte" => DataType::TinyInt,
            "smallint" | "short" => DataType::SmallInt,
            "int" | "integer" => DataType::Int,
            "bigint" | "long" => DataType::BigInt,
            "float" => DataType::Float,
            "double" => DataType::Double,
            "string" | "varchar" | "text" => DataType::String,
            "bytes" | "binary" => DataType::Bytes,
            "date" => DataType::Date,
            "time" => DataType::Time,
            "timestamp" | "datetime" => DataType::Timestamp,
            "decimal" => {
                if self.eat('(') {
                    let precision = self.number()?;
                    self.expect(',')?;
                    let scale = self.number()?;
                    self.expect(')')?;
                    if precision == 0 || precision > 38 || scale > precision {
                        return Err(self.error("decimal precision must be 1..=38 and scale <= precision"));
                    }
                    DataType::Decimal { precision, scale }
                } else {
                    DataType::Decimal { precision: DEFAULT_DECIMAL.0, scale: DEFAULT_DECIMAL.1 }
                }
            }
            "array" => {
                self.expect('<')?;
                let inner = self.parse_type()?;
                self.expect('>')?;
                DataType::Array(Box::new(inner))
            }
            "map" => {
                self.expect('<')?;
                let key = self.parse_type()?;
                self.expect(',')?;
                let value = self.parse_type()?;
                self.expect('>')?;
                DataType::Map(Box::new(key), Box::new(value))
            }
            "" => return Err(self.error("expected a type name")),
            _ => return Err(self.error("known types are null, boolean, tinyint, smallint, int, bigint, float, double, decimal(p,s), string, bytes, date, time, timestamp, array<t>, map<k,v> and nested rows")),
        })
    }
    /// A row type written inside a type string, as SeaTunnel accepts in generics:
    /// `{c_int = int, c_string = string}`, `{c_int=int\nc_string=string}` or JSON
    /// `{"c_int":"int"}`. Fields are separated by commas or newlines; names and types may be quoted.
    fn parse_row(&mut self) -> Result<DataType, TypeError> {
        let mut fields = Vec::new();
        loop {
            self.skip_ws();
            if self.eat('}') {
                break;
            }
            if self.pos == self.text.len() {
                return Err(self.error("unclosed '{' in a row type"));
            }
            let name = self.field_name()?;
            self.skip_ws();
            let nested_object = self.text[self.pos..].starts_with('{');
            if !nested_object && !self.eat('=') && !self.eat(':') {
                return Err(self.error("expected '=' or ':' after a row field name"));
            }
            let data_type = self.field_type()?;
            fields.push(Field::new(name, data_type));
            self.eat(',');
        }
        if fields.is_empty() {
            return Err(self.error("a row type needs at least one field"));
        }
        Ok(DataType::Row(Arc::new(RowType { fields })))
    }

    fn field_name(&mut self) -> Result<String, TypeError> {
        self.skip_ws();
        if self.text[self.pos..].starts_with('"') {
            return self.quoted();
        }
        let name = self.ident().to_string();
        if name.is_empty() {
            return Err(self.error("expected a row field name"));
        }
        Ok(name)
    }

    fn field_type(&mut self) -> Result<DataType, TypeError> {
        self.skip_ws();
        if self.text[self.pos..].starts_with('"') {
            let inner = self.quoted()?;
            return DataType::parse_at(&inner, self.depth).map_err(|e| TypeError {
                too_deep: e.too_deep,
                ..self.error(&e.reason)
            });
        }
        self.parse_type()
    }

    /// A double-quoted string with `\"` and `\\` escapes; the cursor is on the opening quote.
    fn quoted(&mut self) -> Result<String, TypeError> {
        let mut out = String::new();
        let mut chars = self.text[self.pos + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 2;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, other)) => out.push(other),
                    None => break,
                },
                other => out.push(other),
            }
        }
        Err(self.error("unterminated quoted name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scalars_case_insensitively() {
        assert_eq!(DataType::parse("BIGINT").unwrap(), DataType::BigInt);
        assert_eq!(DataType::parse(" string ").unwrap(), DataType::String);
    }

    #[test]
    fn parses_nested_generics() {
        let t = DataType::parse("map<string, array<decimal(30, 8)>>").unwrap();
        assert_eq!(t.to_string(), "MAP<STRING, ARRAY<DECIMAL(30, 8)>>");
    }

    /// Nesting comes from the text, so it is bounded: quoting a row field's type does not
    /// reset the count, and the error says what the limit is without repeating the whole text.
    #[test]
    fn nesting_is_bounded_even_through_quoted_row_fields() {
        let deepest = format!(
            "{}int{}",
            "array<".repeat(MAX_TYPE_NESTING - 1),
            ">".repeat(MAX_TYPE_NESTING - 1)
        );
        assert!(DataType::parse(&deepest).is_ok());
        let deep = format!("{}int{}", "array<".repeat(2000), ">".repeat(2000));
        let e = DataType::parse(&deep).unwrap_err();
        assert!(
            e.too_deep && e.reason.contains("deeper than 32 levels"),
            "{e}"
        );
        assert!(e.to_string().len() < 200, "{e}");
        let mut quoted = "int".to_string();
        // Each quoted level doubles the escapes, so 12 levels of a row around two arrays
        // (36 levels in all) stay a small text.
        for _ in 0..12 {
            let escaped = quoted.replace('\\', "\\\\").replace('"', "\\\"");
            quoted = format!("{{a = \"array<array<{escaped}>>\"}}");
        }
        let e = DataType::parse(&quoted).unwrap_err();
        assert!(e.too_deep, "{e}");
        let map = format!("{}int, int{}", "map<".repeat(2000), ">".repeat(2000));
        assert!(DataType::parse(&map).unwrap_err().too_deep);
    }

    #[test]
    fn rejects_unknown_and_trailing_text() {
        assert!(DataType::parse("varchar2")
            .unwrap_err()
            .reason
            .contains("known types"));
        assert!(DataType::parse("int int")
            .unwrap_err()
            .reason
            .contains("after the type"));
        assert!(DataType::parse("decimal(40,2)").is_err());
    }

    #[test]
    fn row_types_inside_type_strings() {
        let expected = DataType::parse("map<string, {c_int = int, c_string = string}>").unwrap();
        for text in [
            "map<string, {c_int=int\nc_string=string}>",
            "map<string, {c_int=int,c_string=string}>",
            "map<string, {\"c_int\":\"int\",\"c_string\":\"string\"}>",
        ] {
            assert_eq!(DataType::parse(text).unwrap(), expected, "{text}");
        }
        let nested = DataType::parse("map<string, {c_int=int,c_row={c_int=int}}>").unwrap();
        assert_eq!(
            nested.to_string(),
            "MAP<STRING, ROW<c_int INT, c_row ROW<c_int INT>>>"
        );
        assert!(DataType::parse("{c_int = int").is_err());
        assert!(DataType::parse("{}").is_err());
    }

    #[test]
    fn object_is_a_row_type() {
        let json: Json = serde_json::json!({"a": "int", "b": {"c": "string"}});
        let DataType::Row(row) = DataType::from_json(&json).unwrap() else {
            panic!("not a row")
        };
        assert_eq!(row.fields[1].name, "b");
        assert!(matches!(row.fields[1].data_type, DataType::Row(_)));
    }
}
