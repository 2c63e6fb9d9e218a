//! Job variables given with `-i k=v` (CLI) or by the REST caller, and how SeaTunnel reads them.
//!
//! - One `-i` argument may hold several `k=v` separated by `,`, except inside `[...]` or `"..."`
//!   ([`split_parameter`], SeaTunnel's `ParameterSplitter`): `-i a=1,b=[x,y]` is two variables.
//! - Each `k=v` is split on the first `=`, so `-i username=seatunnel=2.3.1` keeps the second `=`.
//! - A value is read as one HOCON value when it is one (`10` a number, `[a,b]` a list), and as
//!   plain text otherwise; a value wrapped in double quotes is that text without the quotes.
//! - The sink's system placeholders (`table_name`, …) cannot be variables; loading a job with one
//!   fails (see [`Variables::check_reserved`]).

use indexmap::IndexMap;
use serde_json::Value as Json;

/// Placeholders the sinks fill in per table at runtime (SeaTunnel's `TablePlaceholder`); a `-i`
/// variable with one of these names would silently break them, so it is rejected.
pub const SYSTEM_PLACEHOLDERS: [&str; 8] = [
    "database_name",
    "schema_name",
    "schema_full_name",
    "table_name",
    "table_full_name",
    "primary_key",
    "unique_key",
    "field_names",
];

/// Whether `name` is one of the [`SYSTEM_PLACEHOLDERS`] (exact, case-sensitive, as upstream).
pub fn is_system_placeholder(name: &str) -> bool {
    SYSTEM_PLACEHOLDERS.contains(&name)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VariableError {
    #[error("-i '{0}': expected key=value")]
    MissingEquals(String),
    #[error("-i '{0}': the name before '=' is empty; write name=value")]
    EmptyName(String),
    /// Message text as SeaTunnel prints it, which scripts and tests match on.
    #[error("System placeholders cannot be used. Incorrect config parameter: {0}")]
    SystemPlaceholder(String),
}

/// Variables in the order first given; a name given twice keeps its first position and its
/// last value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables {
    values: IndexMap<String, String>,
}

impl Variables {
    /// Reads the values of every `-i` argument.
    pub fn parse_args(args: &[String]) -> Result<Variables, VariableError> {
        let mut vars = Variables::default();
        for arg in args {
            for item in split_parameter(arg) {
                if item.is_empty() {
                    continue;
                }
                let (k, v) = item
                    .split_once('=')
                    .ok_or_else(|| VariableError::MissingEquals(item.clone()))?;
                if k.is_empty() {
                    return Err(VariableError::EmptyName(item.clone()));
                }
                vars.insert(k.to_string(), v.to_string());
            }
        }
        Ok(vars)
    }

    /// The raw text given for `k`.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.values.get(k).map(String::as_str)
    }

    /// The value of `k` as SeaTunnel types it (see [`parse_user_value`]).
    pub fn typed(&self, k: &str) -> Option<Json> {
        self.get(k).map(parse_user_value)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn insert(&mut self, k: String, v: String) {
        self.values.insert(k, v);
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Fails on the first variable named like a system placeholder.
    pub fn check_reserved(&self) -> Result<(), VariableError> {
        match self.values.keys().find(|k| is_system_placeholder(k)) {
            Some(k) => Err(VariableError::SystemPlaceholder(k.clone())),
            None => Ok(()),
        }
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Variables {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut vars = Variables::default();
        for (k, v) in iter {
            vars.insert(k.into(), v.into());
        }
        vars
    }
}

/// Splits one `-i` argument on `,` outside `[...]` and `"..."`, trimming each item. Brackets do
/// not nest and quotes are kept, as in SeaTunnel's `ParameterSplitter`.
pub fn split_parameter(arg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_brackets = false;
    let mut in_quotes = false;
    for c in arg.chars() {
        match c {
            '[' => in_brackets = true,
            ']' => in_brackets = false,
            '"' => in_quotes = !in_quotes,
            _ => {}
        }
        if c == ',' && !in_brackets && !in_quotes {
            out.push(current.trim().to_string());
            current.clear();
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// A variable's value as SeaTunnel reads it: text in double quotes is that text; otherwise the
/// text read as one HOCON value (`10`, `true`, `[a,b]`, `seatunnel job`), falling back to the
/// plain text when it is not one (`$a^b%c.d~e0*9(`, `2023-12-26 11:30:00`).
pub fn parse_user_value(raw: &str) -> Json {
    if raw.len() > 1 && raw.starts_with('"') && raw.ends_with('"') {
        return Json::String(raw[1..raw.len() - 1].to_string());
    }
    crate::hocon::parse_scalar(raw).unwrap_or_else(|| Json::String(raw.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn splits_on_commas_outside_brackets_and_quotes() {
        assert_eq!(split_parameter("a=1, b=2 ,c=3"), vec!["a=1", "b=2", "c=3"]);
        assert_eq!(
            split_parameter("arr=[1,2,3],other=4"),
            vec!["arr=[1,2,3]", "other=4"]
        );
        assert_eq!(split_parameter(r#"q="x,y",z=1"#), vec![r#"q="x,y""#, "z=1"]);
        assert_eq!(split_parameter("a=1,"), vec!["a=1"]);
    }

    #[test]
    fn parse_args_splits_on_the_first_equals_and_keeps_order() {
        let v = Variables::parse_args(&args(&[
            "username=seatunnel=2.3.1",
            "strTemplate=[abc,de~,f h],rowNum=10",
            "password=$a^b%c.d~e0*9(",
            "username=again",
        ]))
        .unwrap();
        let pairs: Vec<_> = v.iter().collect();
        assert_eq!(
            pairs,
            vec![
                ("username", "again"),
                ("strTemplate", "[abc,de~,f h]"),
                ("rowNum", "10"),
                ("password", "$a^b%c.d~e0*9("),
            ]
        );
        assert_eq!(v.get("missing"), None);
        assert!(!v.is_empty());
    }

    #[test]
    fn parse_args_errors() {
        assert_eq!(
            Variables::parse_args(&args(&["novalue"]))
                .unwrap_err()
                .to_string(),
            "-i 'novalue': expected key=value"
        );
        assert!(matches!(
            Variables::parse_args(&args(&["=v"])),
            Err(VariableError::EmptyName(_))
        ));
    }

    #[test]
    fn reserved_names_are_rejected() {
        let v: Variables = [("a", "1"), ("table_name", "sql")].into_iter().collect();
        assert_eq!(
            v.check_reserved().unwrap_err().to_string(),
            "System placeholders cannot be used. Incorrect config parameter: table_name"
        );
        let ok: Variables = [("Table_Name", "sql")].into_iter().collect();
        assert!(ok.check_reserved().is_ok());
    }

    #[test]
    fn user_values_are_typed_like_seatunnel() {
        assert_eq!(parse_user_value("10"), json!(10));
        assert_eq!(parse_user_value("1.5"), json!(1.5));
        assert_eq!(parse_user_value("true"), json!(true));
        assert_eq!(
            parse_user_value("[abc,de~,f h]"),
            json!(["abc", "de~", "f h"])
        );
        assert_eq!(
            parse_user_value("seatunnel variable test job"),
            json!("seatunnel variable test job")
        );
        assert_eq!(
            parse_user_value("seatunnel=2.3.1"),
            json!("seatunnel=2.3.1")
        );
        assert_eq!(parse_user_value("$a^b%c.d~e0*9("), json!("$a^b%c.d~e0*9("));
        assert_eq!(
            parse_user_value("2023-12-26 11:30:00"),
            json!("2023-12-26 11:30:00")
        );
        assert_eq!(parse_user_value("\"a,b\""), json!("a,b"));
        assert_eq!(parse_user_value(""), json!(""));
        assert_eq!(parse_user_value("${x}"), json!("${x}"));
        assert_eq!(parse_user_value("a20241023"), json!("a20241023"));
    }
}
