//! Placeholders inside quoted strings (SeaTunnel's `ConfigBuilder.backfillUserVariables`):
//! `"${name}"` and `"${name:default}"` are filled in from the `-i` variables after parsing, in
//! HOCON and JSON jobs alike.
//!
//! Rules:
//! - a `-i` value wins, then the inline default; with neither the placeholder is kept verbatim,
//!   because many are runtime placeholders the LocalFile sink expands later (`${transactionId}`,
//!   `${now}`, `${k0}=${v0}`);
//! - the system placeholders (`${table_name}`, …) are always kept verbatim, even with a default:
//!   sinks fill them per table at runtime;
//! - environment variables are not consulted here (SeaTunnel only uses them for unquoted `${…}`);
//! - a string that is exactly one placeholder takes the variable's HOCON type (`"${rowNum:50}"`
//!   is the number 50, `"${list}"` with `-i list=[a,b]` is a list); inside longer text a value is
//!   written as text (lists as compact JSON).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::Value as Json;

use crate::variables::{is_system_placeholder, parse_user_value, Variables};

/// SeaTunnel's placeholder pattern: `${name}` or `${name:default}`; names have no `:`, `{`, `}`.
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$\{([^:{}]+)(?::([^}]*))?\}").expect("placeholder regex is valid")
});

/// What one placeholder becomes: a typed value, or `None` to keep it verbatim.
fn lookup(caps: &Captures<'_>, vars: &Variables) -> Option<Json> {
    let name = &caps[1];
    if is_system_placeholder(name) {
        return None;
    }
    if let Some(raw) = vars.get(name) {
        return Some(parse_user_value(raw));
    }
    caps.get(2).map(|d| parse_user_value(d.as_str()))
}

/// Fills the placeholders of a string that is part of a longer text.
pub fn backfill<'s>(s: &'s str, vars: &Variables) -> Cow<'s, str> {
    if !s.contains("${") {
        return Cow::Borrowed(s);
    }
    PLACEHOLDER.replace_all(s, |caps: &Captures<'_>| {
        let name = &caps[1];
        if is_system_placeholder(name) {
            return caps[0].to_string();
        }
        match vars.get(name) {
            Some(raw) => match parse_user_value(raw) {
                Json::String(s) => s,
                other => other.to_string(),
            },
            None => caps
                .get(2)
                .map_or_else(|| caps[0].to_string(), |d| d.as_str().to_string()),
        }
    })
}

/// Fills the placeholders of a whole string value; a lone placeholder keeps its value's type.
pub fn backfill_value(s: &str, vars: &Variables) -> Json {
    if let Some(caps) = PLACEHOLDER.captures(s) {
        if caps[0].len() == s.len() {
            if let Some(v) = lookup(&caps, vars) {
                return v;
            }
            return Json::String(s.to_string());
        }
    }
    Json::String(backfill(s, vars).into_owned())
}

/// Applies [`backfill_value`] to every string value of a tree (keys are left alone).
pub fn backfill_tree(tree: &mut Json, vars: &Variables) {
    match tree {
        Json::String(s) if s.contains("${") => *tree = backfill_value(s, vars),
        Json::Array(items) => items.iter_mut().for_each(|v| backfill_tree(v, vars)),
        Json::Object(map) => map.values_mut().for_each(|v| backfill_tree(v, vars)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(pairs: &[(&str, &str)]) -> Variables {
        let mut v = Variables::default();
        for (k, val) in pairs {
            v.insert(k.to_string(), val.to_string());
        }
        v
    }

    #[test]
    fn fills_values_and_defaults_and_keeps_the_rest() {
        let v = vars(&[("resName", "fake"), ("list", "[a,b]")]);
        assert_eq!(
            backfill(
                "select * from ${resName:x}_t where n = '${nameVal}' ${k:}",
                &v
            ),
            "select * from fake_t where n = '${nameVal}' "
        );
        assert_eq!(backfill("${list}!", &v), r#"["a","b"]!"#);
        assert_eq!(
            backfill("${transactionId}_${now} ${k0}=${v0}", &v),
            "${transactionId}_${now} ${k0}=${v0}"
        );
    }

    #[test]
    fn system_placeholders_are_never_filled() {
        let v = vars(&[("table_name", "x")]);
        assert_eq!(
            backfill("/tmp/${table_name}/${table_name:d}", &v),
            "/tmp/${table_name}/${table_name:d}"
        );
        assert_eq!(
            backfill_value("${table_name:d}", &v),
            json!("${table_name:d}")
        );
    }

    #[test]
    fn lone_placeholder_keeps_the_type() {
        let v = vars(&[("list", "[abc,def]"), ("mode", "BATCH"), ("q", "\"a,b\"")]);
        assert_eq!(backfill_value("${rowNum:50}", &v), json!(50));
        assert_eq!(backfill_value("${list}", &v), json!(["abc", "def"]));
        assert_eq!(backfill_value("${mode}", &v), json!("BATCH"));
        assert_eq!(backfill_value("${q}", &v), json!("a,b"));
        assert_eq!(backfill_value("${ageType}", &v), json!("${ageType}"));
        assert_eq!(backfill_value("${rowNum:50}0", &v), json!("500"));
    }

    #[test]
    fn tree_backfill_touches_values_only() {
        let v = vars(&[("a", "1"), ("${a}", "no")]);
        let mut t = json!({"${a}": "${a}", "l": ["x${a}", {"n": "${a}"}], "k": 3});
        backfill_tree(&mut t, &v);
        assert_eq!(t, json!({"${a}": 1, "l": ["x1", {"n": 1}], "k": 3}));
    }
}
