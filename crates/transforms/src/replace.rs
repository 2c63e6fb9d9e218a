//! `Replace`: rewrites one column's text in place, as SeaTunnel's `ReplaceTransform` does with
//! Java's `String.replace` (literal, every occurrence) or `replaceAll`/`replaceFirst` (regex).
//!
//! Java semantics kept on purpose:
//! - `replace_first` only matters with `is_regex = true`; a literal replace changes every match.
//! - The replacement uses Java's syntax: `$1`/`${name}` insert groups, `\x` is a literal `x`,
//!   and a multi-digit `$12` takes the longest group number that exists.
//! - After an empty match the next search starts one character later; after a non-empty match it
//!   starts at the match end (so `b*` on `abc` gives `-a--c-`, as in Java).
//!
//! Patterns run on the `regex` crate, which has no look-around or backreferences; such patterns
//! fail at plan time with the crate's message. A non-string column is replaced in its Java text
//! form and the output column becomes STRING, since Java puts a `String` in the row.

use std::fmt::Write as _;
use std::sync::Arc;

use regex::{CaptureLocations, Regex};

use seatunnel_connector::{
    BoundTransform, ConnectorError, Options, PluginContext, Transform, TransformFactory,
};
use seatunnel_data::{Batch, DataType, Datum, Field, TableSchema};

use super::columns::unknown_fields;

const REPLACE_FIELD: &str = "replace_field";
const PATTERN: &str = "pattern";
const REPLACEMENT: &str = "replacement";
const IS_REGEX: &str = "is_regex";
const REPLACE_FIRST: &str = "replace_first";

/// One part of a parsed Java replacement string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Group(usize),
}

#[derive(Debug, Clone)]
enum Rule {
    Literal {
        pattern: String,
        replacement: String,
    },
    Regex {
        regex: Regex,
        replacement: Vec<Piece>,
        first: bool,
    },
}

pub struct ReplaceFactory;

impl TransformFactory for ReplaceFactory {
    fn name(&self) -> &'static str {
        "Replace"
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Transform>, ConnectorError> {
        let field = options.required_string(REPLACE_FIELD)?;
        let pattern = options.required_string(PATTERN)?;
        let replacement = options.required_string(REPLACEMENT)?;
        let rule = if options.bool_or(IS_REGEX, false)? {
            let regex = Regex::new(&pattern).map_err(|e| {
                options.invalid(
                    PATTERN,
                    format!("is not a regular expression this engine supports (look-around and backreferences are not available): {e}"),
                )
            })?;
            let replacement = parse_replacement(&replacement, &regex)
                .map_err(|message| options.invalid(REPLACEMENT, message))?;
            Rule::Regex {
                regex,
                replacement,
                first: options.bool_or(REPLACE_FIRST, false)?,
            }
        } else {
            Rule::Literal {
                pattern,
                replacement,
            }
        };
        Ok(Arc::new(Replace {
            plugin: options.plugin().to_string(),
            field,
            rule,
        }))
    }
}

/// Parses a replacement as Java's `Matcher.appendReplacement` reads it, resolving group names
/// and numbers against `regex` so that a bad reference fails at plan time.
fn parse_replacement(text: &str, regex: &Regex) -> Result<Vec<Piece>, String> {
    let groups = regex.captures_len() - 1;
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) => literal.push(escaped),
                None => return Err("ends with '\\'; escape a backslash as '\\\\'".into()),
            },
            '$' => {
                let index = match chars.peek().copied() {
                    Some('{') => {
                        chars.next();
                        let mut name = String::new();
                        loop {
                            match chars.next() {
                                Some('}') => break,
                                Some(ch) => name.push(ch),
                                None => {
                                    return Err(format!("has '${{{name}' without a closing '}}'"))
                                }
                            }
                        }
                        regex
                            .capture_names()
                            .position(|n| n == Some(name.as_str()))
                            .ok_or_else(|| {
                                format!("refers to '${{{name}}}' but the pattern has no group named '{name}'")
                            })?
                    }
                    Some(d) if d.is_ascii_digit() => {
                        chars.next();
                        let mut index = d as usize - '0' as usize;
                        if index > groups {
                            return Err(format!(
                                "refers to group ${index} but the pattern has {groups} group(s); write '\\$' for a literal dollar"
                            ));
                        }
                        while let Some(next) = chars.peek().and_then(|c| c.to_digit(10)) {
                            let longer = index * 10 + next as usize;
                            if longer > groups {
                                break;
                            }
                            index = longer;
                            chars.next();
                        }
                        index
                    }
                    _ => {
                        return Err(
                            "has a '$' not followed by a group number or {name}; write '\\$' for a literal dollar".into(),
                        )
                    }
                };
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Group(index));
            }
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Ok(pieces)
}

impl Rule {
    /// Appends `text` with the rule applied to `out`.
    fn apply(&self, text: &str, out: &mut String, locs: &mut Option<CaptureLocations>) {
        match self {
            Rule::Literal {
                pattern,
                replacement,
            } => {
                let mut copied = 0;
                for (at, _) in text.match_indices(pattern.as_str()) {
                    out.push_str(&text[copied..at]);
                    out.push_str(replacement);
                    copied = at + pattern.len();
                }
                out.push_str(&text[copied..]);
            }
            Rule::Regex {
                regex,
                replacement,
                first,
            } => {
                let locs = locs.get_or_insert_with(|| regex.capture_locations());
                let mut search = 0;
                let mut copied = 0;
                while search <= text.len() {
                    let Some(m) = regex.captures_read_at(locs, text, search) else {
                        break;
                    };
                    out.push_str(&text[copied..m.start()]);
                    for piece in replacement {
                        match piece {
                            Piece::Text(t) => out.push_str(t),
                            Piece::Group(i) => {
                                if let Some((s, e)) = locs.get(*i) {
                                    out.push_str(&text[s..e]);
                                }
                            }
                        }
                    }
                    copied = m.end();
                    if *first {
                        break;
                    }
                    search = if m.start() == m.end() {
                        m.end() + text[m.end()..].chars().next().map_or(1, char::len_utf8)
                    } else {
                        m.end()
                    };
                }
                out.push_str(&text[copied..]);
            }
        }
    }
}

struct Replace {
    plugin: String,
    field: String,
    rule: Rule,
}

impl Transform for Replace {
    fn bind(&self, input: &Arc<TableSchema>) -> Result<Box<dyn BoundTransform>, ConnectorError> {
        let column = input
            .index_of(&self.field)
            .ok_or_else(|| unknown_fields(&self.plugin, &[self.field.as_str()], input))?;
        let ty = &input.fields[column].data_type;
        if matches!(
            ty,
            DataType::Bytes | DataType::Array(_) | DataType::Map(_, _) | DataType::Row(_)
        ) {
            return Err(ConnectorError::config(
                &self.plugin,
                format!(
                    "not supported: replacing in the {ty} column '{}'; Replace works on string and other scalar columns",
                    self.field
                ),
            ));
        }
        let mut fields = input.fields.clone();
        fields[column] = Field::new(self.field.clone(), DataType::String);
        Ok(Box::new(BoundReplace {
            output: TableSchema::new(input.path.clone(), fields),
            column,
            rule: self.rule.clone(),
            locs: None,
            text: String::new(),
            result: String::new(),
        }))
    }
}

struct BoundReplace {
    output: Arc<TableSchema>,
    column: usize,
    rule: Rule,
    /// Reused capture slots for regex rules.
    locs: Option<CaptureLocations>,
    /// Reused buffer for the Java text of a non-string cell.
    text: String,
    /// Reused buffer for the replaced text.
    result: String,
}

impl BoundTransform for BoundReplace {
    fn output_schema(&self) -> &Arc<TableSchema> {
        &self.output
    }

    fn process(&mut self, input: &Batch, out: &mut Batch) -> Result<(), ConnectorError> {
        for row in 0..input.len() {
            out.begin_row(input.kind(row));
            for (col, &datum) in input.row(row).iter().enumerate() {
                if col != self.column {
                    out.push_from(input, datum);
                    continue;
                }
                self.result.clear();
                match datum {
                    Datum::Null => {
                        out.push(Datum::Null);
                        continue;
                    }
                    Datum::String(span) => {
                        self.rule
                            .apply(input.str(span), &mut self.result, &mut self.locs)
                    }
                    other => {
                        self.text.clear();
                        write!(self.text, "{}", input.datum_value(other))
                            .expect("writing to a String cannot fail");
                        self.rule
                            .apply(&self.text, &mut self.result, &mut self.locs);
                    }
                }
                out.push_str(&self.result);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::tests::{bind_schema, corpus_table, ctx, opts, run};
    use seatunnel_data::{RowKind, Value};
    use serde_json::{json, Value as Json};

    fn names(options: Json) -> Vec<Value> {
        let out = run(&ReplaceFactory, options).unwrap();
        (0..out.len()).map(|r| out.value(r, 1)).collect()
    }

    fn err(options: Json) -> String {
        run(&ReplaceFactory, options).unwrap_err().to_string()
    }

    fn regex_rule(pattern: &str, replacement: &str, first: bool) -> Rule {
        let regex = Regex::new(pattern).unwrap();
        let replacement = parse_replacement(replacement, &regex).unwrap();
        Rule::Regex {
            regex,
            replacement,
            first,
        }
    }

    fn apply(rule: &Rule, text: &str) -> String {
        let mut out = String::new();
        rule.apply(text, &mut out, &mut None);
        out
    }

    #[test]
    fn corpus_regex_replace_first_shortens_to_one_char() {
        let out = run(
            &ReplaceFactory,
            json!({"replace_field": "name", "pattern": ".+", "replacement": "b",
                   "is_regex": true, "replace_first": true}),
        )
        .unwrap();
        assert_eq!(out.schema().field_names(), vec!["id", "name", "age"]);
        assert_eq!(
            out.row_values(0),
            vec![Value::Int(1), Value::String("b".into()), Value::Int(30)]
        );
        assert_eq!(out.kind(1), RowKind::Delete);
        assert_eq!(out.value(1, 1), Value::String("b".into()));
    }

    #[test]
    fn literal_replace_changes_every_occurrence_even_with_replace_first() {
        assert_eq!(
            names(
                json!({"replace_field": "name", "pattern": "l", "replacement": "L", "replace_first": "true"})
            ),
            vec![Value::String("aLice".into()), Value::String("bob".into())]
        );
        let all = Rule::Literal {
            pattern: "a".into(),
            replacement: "_".into(),
        };
        assert_eq!(apply(&all, "banana"), "b_n_n_");
        let empty = Rule::Literal {
            pattern: String::new(),
            replacement: "x".into(),
        };
        assert_eq!(apply(&empty, "ab"), "xaxbx");
    }

    #[test]
    fn regex_follows_java_semantics() {
        assert_eq!(apply(&regex_rule("b*", "-", false), "abc"), "-a--c-");
        assert_eq!(apply(&regex_rule("x*", "-", false), "héllo"), "-h-é-l-l-o-");
        assert_eq!(apply(&regex_rule("o", "0", true), "foo"), "f0o");
        assert_eq!(
            apply(&regex_rule(r"(\w+)@(\w+)", "$2 at $1", false), "me@host"),
            "host at me"
        );
        assert_eq!(
            apply(&regex_rule(r"(?<user>\w+)@", "${user}:", false), "me@x"),
            "me:x"
        );
        assert_eq!(apply(&regex_rule("(a)", "$10", false), "a"), "a0");
        assert_eq!(apply(&regex_rule("a", r"\$1\\", false), "a"), r"$1\");
        assert_eq!(apply(&regex_rule("(a)|b", "[$1]", false), "ab"), "[a][]");
    }

    #[test]
    fn non_string_columns_become_their_java_text() {
        let out = run(
            &ReplaceFactory,
            json!({"replace_field": "age", "pattern": "3", "replacement": "4"}),
        )
        .unwrap();
        assert_eq!(out.schema().fields[2].data_type, DataType::String);
        assert_eq!(out.value(0, 2), Value::String("40".into()));
        assert_eq!(out.value(1, 2), Value::Null);
    }

    #[test]
    fn corpus_spark_date_time_block_keeps_other_columns() {
        // transforms/spark_date_time_transform.conf.
        let input = corpus_table(&[("c_time", DataType::Timestamp), ("c_date", DataType::Date)]);
        let out = bind_schema(
            &ReplaceFactory,
            json!({"source_table_name": "fake", "result_table_name": "fake1",
                   "replace_field": "name", "pattern": ".+", "replacement": "b",
                   "is_regex": true, "replace_first": true}),
            &input,
        );
        assert_eq!(*out, *input);
    }

    #[test]
    fn nested_columns_are_not_supported() {
        let t = ReplaceFactory
            .create(
                &ctx("Replace"),
                &opts(
                    "Replace",
                    json!({"replace_field": "c_row", "pattern": "a", "replacement": "b"}),
                ),
            )
            .unwrap();
        assert_eq!(
            t.bind(&corpus_table(&[])).err().unwrap().to_string(),
            "plugin Replace: not supported: replacing in the ROW<c_row ROW<c_int INT>> column 'c_row'; Replace works on string and other scalar columns"
        );
    }

    #[test]
    fn errors_name_the_option() {
        assert_eq!(
            err(json!({"pattern": "a", "replacement": "b"})),
            "plugin Replace: option 'replace_field' is required"
        );
        assert_eq!(
            err(json!({"replace_field": "name", "replacement": "b"})),
            "plugin Replace: option 'pattern' is required"
        );
        assert_eq!(
            err(json!({"replace_field": "name", "pattern": "a"})),
            "plugin Replace: option 'replacement' is required"
        );
        assert_eq!(
            err(json!({"replace_field": "nam", "pattern": "a", "replacement": "b"})),
            "plugin Replace: input field(s) 'nam' not found in table 'fake'; its fields are: id, name, age"
        );
        assert!(err(json!({"replace_field": "name", "pattern": "(?=a)", "replacement": "b", "is_regex": true}))
            .starts_with("plugin Replace: option 'pattern' is not a regular expression this engine supports"));
        assert_eq!(
            err(json!({"replace_field": "name", "pattern": "(a)", "replacement": "$2", "is_regex": true})),
            "plugin Replace: option 'replacement' refers to group $2 but the pattern has 1 group(s); write '\\$' for a literal dollar"
        );
        assert_eq!(
            err(json!({"replace_field": "name", "pattern": "a", "replacement": "${x}", "is_regex": true})),
            "plugin Replace: option 'replacement' refers to '${x}' but the pattern has no group named 'x'"
        );
        assert_eq!(
            err(json!({"replace_field": "name", "pattern": "a", "replacement": "x$", "is_regex": true})),
            "plugin Replace: option 'replacement' has a '$' not followed by a group number or {name}; write '\\$' for a literal dollar"
        );
        assert_eq!(
            err(
                json!({"replace_field": "name", "pattern": "a", "replacement": "x\\", "is_regex": true})
            ),
            "plugin Replace: option 'replacement' ends with '\\'; escape a backslash as '\\\\'"
        );
        assert_eq!(
            err(
                json!({"replace_field": "name", "pattern": "a", "replacement": "${x", "is_regex": true})
            ),
            "plugin Replace: option 'replacement' has '${x' without a closing '}'"
        );
        assert_eq!(
            err(
                json!({"replace_field": "name", "pattern": "a", "replacement": "b", "is_regex": "maybe"})
            ),
            "plugin Replace: option 'is_regex' must be true or false, got \"maybe\""
        );
    }
}
