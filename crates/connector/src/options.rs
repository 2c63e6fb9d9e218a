//! A plugin block's options with typed, lenient getters.
//!
//! SeaTunnel reads options leniently: `row.num = "10"` and `row.num = 10` mean the same, and
//! booleans may be quoted. Every error names the plugin, the key and what was expected.
//!
//! Keys are looked up literally first (`row.num` is a flat key in SeaTunnel's HOCON dialect), then
//! as a dotted path (`schema.fields` inside `schema { fields { … } }`).

use serde_json::{Map, Value as Json};

use super::ConnectorError;

#[derive(Debug, Clone)]
pub struct Options {
    plugin: String,
    map: Map<String, Json>,
}

impl Options {
    pub fn new(plugin: impl Into<String>, map: Map<String, Json>) -> Options {
        Options {
            plugin: plugin.into(),
            map,
        }
    }

    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    pub fn as_map(&self) -> &Map<String, Json> {
        &self.map
    }

    fn err(&self, key: &str, message: impl Into<String>) -> ConnectorError {
        ConnectorError::Option {
            plugin: self.plugin.clone(),
            key: key.to_string(),
            message: message.into(),
        }
    }

    /// The raw value: the literal key, else the dotted path.
    pub fn get(&self, key: &str) -> Option<&Json> {
        if let Some(v) = self.map.get(key) {
            return Some(v);
        }
        let mut parts = key.split('.');
        let mut cur = self.map.get(parts.next()?)?;
        for part in parts {
            cur = cur.as_object()?.get(part)?;
        }
        Some(cur)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| !v.is_null())
    }

    pub fn string(&self, key: &str) -> Result<Option<String>, ConnectorError> {
        match self.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(Json::Number(n)) => Ok(Some(n.to_string())),
            Some(Json::Bool(b)) => Ok(Some(b.to_string())),
            Some(other) => Err(self.err(key, format!("must be a string, got {}", kind(other)))),
        }
    }

    pub fn required_string(&self, key: &str) -> Result<String, ConnectorError> {
        self.string(key)?
            .ok_or_else(|| self.err(key, "is required"))
    }

    pub fn string_or(&self, key: &str, default: &str) -> Result<String, ConnectorError> {
        Ok(self.string(key)?.unwrap_or_else(|| default.to_string()))
    }

    pub fn i64(&self, key: &str) -> Result<Option<i64>, ConnectorError> {
        match self.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| self.err(key, format!("must be a whole number, got {n}"))),
            Some(Json::String(s)) => s
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| self.err(key, format!("must be a whole number, got \"{s}\""))),
            Some(other) => {
                Err(self.err(key, format!("must be a whole number, got {}", kind(other))))
            }
        }
    }

    pub fn i64_or(&self, key: &str, default: i64) -> Result<i64, ConnectorError> {
        Ok(self.i64(key)?.unwrap_or(default))
    }

    /// A count that must be at least `min`.
    pub fn usize_at_least(
        &self,
        key: &str,
        default: usize,
        min: usize,
    ) -> Result<usize, ConnectorError> {
        let v = self.i64_or(key, default as i64)?;
        if v < min as i64 {
            return Err(self.err(key, format!("must be at least {min}, got {v}")));
        }
        Ok(v as usize)
    }

    pub fn f64(&self, key: &str) -> Result<Option<f64>, ConnectorError> {
        match self.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Number(n)) => Ok(n.as_f64()),
            Some(Json::String(s)) => s
                .trim()
                .parse::<f64>()
                .map(Some)
                .map_err(|_| self.err(key, format!("must be a number, got \"{s}\""))),
            Some(other) => Err(self.err(key, format!("must be a number, got {}", kind(other)))),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ConnectorError> {
        match self.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(Json::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Json::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(other) => Err(self.err(key, format!("must be true or false, got {other}"))),
        }
    }

    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool, ConnectorError> {
        Ok(self.bool(key)?.unwrap_or(default))
    }

    /// A list of strings; a single string is split on commas, as SeaTunnel accepts both forms.
    pub fn string_list(&self, key: &str) -> Result<Option<Vec<String>>, ConnectorError> {
        match self.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Json::String(s) => Ok(s.clone()),
                    Json::Number(n) => Ok(n.to_string()),
                    Json::Bool(b) => Ok(b.to_string()),
                    other => Err(self.err(
                        key,
                        format!("must be a list of strings, found {}", kind(other)),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Json::String(s)) => Ok(Some(
                s.split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect(),
            )),
            Some(other) => Err(self.err(
                key,
                format!("must be a list of strings, got {}", kind(other)),
            )),
        }
    }

    pub fn list(&self, key: &str) -> Result<Option<&Vec<Json>>, ConnectorError> {
        match self.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Array(items)) => Ok(Some(items)),
            Some(other) => Err(self.err(key, format!("must be a list, got {}", kind(other)))),
        }
    }

    pub fn object(&self, key: &str) -> Result<Option<&Map<String, Json>>, ConnectorError> {
        match self.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Object(m)) => Ok(Some(m)),
            Some(other) => Err(self.err(key, format!("must be an object, got {}", kind(other)))),
        }
    }

    /// An enum-like option compared case-insensitively against `allowed`; returns the upper-cased
    /// value.
    pub fn choice(
        &self,
        key: &str,
        allowed: &[&str],
        default: &str,
    ) -> Result<String, ConnectorError> {
        let value = self.string_or(key, default)?;
        allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(&value))
            .map(|a| a.to_string())
            .ok_or_else(|| {
                self.err(
                    key,
                    format!("must be one of {}, got \"{value}\"", allowed.join(", ")),
                )
            })
    }

    /// Options built from a nested object (e.g. one entry of `tables_configs`), same plugin name.
    pub fn nested(&self, map: Map<String, Json>) -> Options {
        Options {
            plugin: self.plugin.clone(),
            map,
        }
    }

    /// An error about `key`, for checks the getters cannot express.
    pub fn invalid(&self, key: &str, message: impl Into<String>) -> ConnectorError {
        self.err(key, message)
    }

    /// Fails when the job sets `key`, an option of SeaTunnel's this plugin does not support;
    /// `instead` says what to write instead.
    pub fn refuse(&self, key: &str, instead: &str) -> Result<(), ConnectorError> {
        if self.contains(key) {
            return Err(self.invalid(key, format!("not supported: {instead}")));
        }
        Ok(())
    }

    /// `key` breaks one of our documented limits (a bound on what one job may cost a node);
    /// `message` names the limit.
    pub fn over_limit(&self, key: &str, message: impl Into<String>) -> ConnectorError {
        ConnectorError::Limit {
            plugin: self.plugin.clone(),
            key: key.to_string(),
            message: message.into(),
        }
    }
}

/// A short name of a JSON value's kind, for error messages.
pub fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: Json) -> Options {
        Options::new("FakeSource", v.as_object().unwrap().clone())
    }

    #[test]
    fn lenient_numbers_and_booleans() {
        let o = opts(json!({"row.num": "10", "a": 3, "b": "TRUE", "c": 2.0}));
        assert_eq!(o.i64("row.num").unwrap(), Some(10));
        assert_eq!(o.i64("a").unwrap(), Some(3));
        assert_eq!(o.i64("c").unwrap(), Some(2));
        assert_eq!(o.bool("b").unwrap(), Some(true));
    }

    #[test]
    fn errors_name_plugin_and_key() {
        let o = opts(json!({"row.num": "ten"}));
        let e = o.i64("row.num").unwrap_err().to_string();
        assert_eq!(
            e,
            "plugin FakeSource: option 'row.num' must be a whole number, got \"ten\""
        );
        assert!(o
            .required_string("path")
            .unwrap_err()
            .to_string()
            .contains("'path' is required"));
    }

    #[test]
    fn dotted_lookup_falls_back_to_paths() {
        let o = opts(json!({"schema": {"fields": {"a": "int"}}}));
        assert!(o.object("schema.fields").unwrap().is_some());
    }

    #[test]
    fn choices_are_case_insensitive() {
        let o = opts(json!({"mode": "range"}));
        assert_eq!(
            o.choice("mode", &["RANGE", "TEMPLATE"], "RANGE").unwrap(),
            "RANGE"
        );
        assert!(o.choice("x", &["A"], "B").is_err());
    }
}
