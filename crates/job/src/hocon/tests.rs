//! Dialect tests over small inline documents; the real job files are covered by
//! `tests/job_corpus.rs`.

use serde_json::{json, Value as Json};

use super::{parse_job, parse_scalar, Lookup};
use crate::variables::Variables;

fn parse_with(text: &str, vars: &[(&str, &str)], env: &[(&str, &str)]) -> Result<Json, String> {
    let vars: Variables = vars.iter().copied().collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let env_fn = move |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let lookup = Lookup {
        vars: &vars,
        env: &env_fn,
    };
    parse_job(text, "job.conf", &lookup).map_err(|e| e.to_string())
}

fn parse(text: &str) -> Json {
    parse_with(text, &[], &[]).unwrap()
}

fn err(text: &str) -> String {
    parse_with(text, &[], &[]).unwrap_err()
}

#[test]
fn dotted_and_hyphenated_keys_are_flat() {
    let t = parse("env { job.mode = BATCH, checkpoint.interval = 5000 }\na.b-c.d = 1");
    assert_eq!(
        t,
        json!({"env": {"job.mode": "BATCH", "checkpoint.interval": 5000}, "a.b-c.d": 1})
    );
}

#[test]
fn plugin_sections_become_ordered_lists_keeping_duplicates() {
    let t = parse(
        "source {\n  FakeSource { result_table_name = a }\n  FakeSource { result_table_name = b }\n\
         \x20 LocalFile = { path = \"/x\", plugin_name = Mine }\n}\ntransform {\n}\nsink { console {} }",
    );
    assert_eq!(
        t,
        json!({
            "source": [
                {"result_table_name": "a", "plugin_name": "FakeSource"},
                {"result_table_name": "b", "plugin_name": "FakeSource"},
                {"path": "/x", "plugin_name": "Mine"}
            ],
            "transform": [],
            "sink": [{"plugin_name": "console"}]
        })
    );
}

#[test]
fn plugin_rule_applies_only_at_the_top_level() {
    let t = parse("env { source { A { x = 1 } } }");
    assert_eq!(t, json!({"env": {"source": {"A": {"x": 1}}}}));
    let braced = parse("{\n source { A {} }\n sink { B {} }\n}");
    assert_eq!(
        braced,
        json!({"source": [{"plugin_name": "A"}], "sink": [{"plugin_name": "B"}]})
    );
    let twice = parse("source { A {} }\nsource { B {} }");
    assert_eq!(
        twice,
        json!({"source": [{"plugin_name": "B"}]}),
        "a later section replaces"
    );
    assert!(err("source { A = 5 }")
        .starts_with("job.conf:1:10: 'A' in 'source' must be a plugin block"));
}

#[test]
fn duplicate_keys_last_scalar_wins_objects_merge() {
    let t = parse("env {\n job.mode = BATCH\n job.mode = STREAMING\n}\nx { a = 1, b { c = 1 } }\nx { b { d = 2 }, e = 3 }");
    assert_eq!(t["env"], json!({"job.mode": "STREAMING"}));
    assert_eq!(t["x"], json!({"b": {"d": 2, "c": 1}, "e": 3, "a": 1}));
    let keys: Vec<_> = t.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, vec!["env", "x"]);
    assert_eq!(parse("a { x = 1 }\na = 2")["a"], json!(2));
}

#[test]
fn separators_and_layout() {
    let t = parse(
        "rules =\n  {\n    row_rules = [\n      { rule_type = MAX_ROW, rule_value = 10 }\n      {\n        rule_type = MIN_ROW\n      },\n    ],\n    field_rules = [ ]\n  }\nk : v\n\"schema_save_mode\"=\"RECREATE_SCHEMA\"",
    );
    assert_eq!(
        t,
        json!({
            "rules": {"row_rules": [{"rule_type": "MAX_ROW", "rule_value": 10}, {"rule_type": "MIN_ROW"}], "field_rules": []},
            "k": "v",
            "schema_save_mode": "RECREATE_SCHEMA"
        })
    );
}

#[test]
fn scalars_are_typed_like_typesafe() {
    let t = parse(
        "a = 10\nb = -3\nc = 1.5\nd = 1e3\ne = true\nf = null\ng = \"null\"\nh = 99999999999999999999\n\
         i = 2023-12-26\nj = ;\nk = local\nl = nullable\nm = .5\nn = \"10\"\no = 10abc",
    );
    assert_eq!(
        t,
        json!({"a": 10, "b": -3, "c": 1.5, "d": 1000.0, "e": true, "f": null, "g": "null",
               "h": "99999999999999999999", "i": "2023-12-26", "j": ";", "k": "local",
               "l": "nullable", "m": ".5", "n": "10", "o": "10abc"})
    );
}

#[test]
fn comments_strings_and_non_ascii() {
    let t = parse(
        "# head\na = x # trailing\nb = \"y\" // trailing\nc = \"\\t\"\nd = \"\\n\"\ne = \"中文 é\"\nf = \"a#b//c\"\n\
         g = \"\"\"select *\n  from t where a = \"q\"\"\"\"\nh = hello   world  # comment",
    );
    assert_eq!(
        t,
        json!({"a": "x", "b": "y", "c": "\t", "d": "\n", "e": "中文 é", "f": "a#b//c",
               "g": "select *\n  from t where a = \"q\"", "h": "hello   world"})
    );
}

#[test]
fn substitutions_read_variables_then_env_then_default() {
    let text = "a = ${v}\nb = ${e}\nc = ${d:50}\nd = ${missing}\ne = ${list}\nf = ${?missing}\ng = ${both}";
    let t = parse_with(
        text,
        &[("v", "10"), ("list", "[abc,def]"), ("both", "var")],
        &[("e", "from env"), ("both", "env")],
    )
    .unwrap();
    assert_eq!(
        t,
        json!({"a": 10, "b": "from env", "c": 50, "d": "${missing}", "e": ["abc", "def"], "g": "var"})
    );
}

#[test]
fn value_concatenation() {
    let text = "query = \"select * from \"${resName}\" where name = '\"${nameVal}\"' \"\n\
                l = ${list} [c]\no = { a = 1 } { b = 2 }\nu = \"x\"${nope}";
    let t = parse_with(
        text,
        &[("resName", "fake"), ("nameVal", "abc"), ("list", "[a,b]")],
        &[],
    )
    .unwrap();
    assert_eq!(t["query"], json!("select * from fake where name = 'abc' "));
    assert_eq!(t["l"], json!(["a", "b", "c"]));
    assert_eq!(t["o"], json!({"b": 2, "a": 1}));
    assert_eq!(t["u"], json!("x${nope}"));
    assert!(err("a = [1] x").contains("cannot be concatenated"));
}

#[test]
fn quoted_placeholders_are_backfilled_and_runtime_ones_survive() {
    let text = "mode = \"${dynamic_job_mode}\"\nname = \"${resName:fake_test}_table\"\nrows = \"${rowNum:50}\"\n\
                file_name_expression = \"${transactionId}_${now}\"\npart = \"${k0}=${v0}\"\npath = \"/tmp/${table_name}\"";
    let t = parse_with(text, &[("dynamic_job_mode", "BATCH")], &[]).unwrap();
    assert_eq!(
        t,
        json!({"mode": "BATCH", "name": "fake_test_table", "rows": 50,
               "file_name_expression": "${transactionId}_${now}", "part": "${k0}=${v0}",
               "path": "/tmp/${table_name}"})
    );
}

#[test]
fn errors_name_file_line_and_column() {
    assert_eq!(
        err("env {\n  a = 1\n}\nsource {\n  FakeSource {\n    x = 1\n  }\n"),
        "job.conf:8:1: expected '}' to close 'source' opened at 4:1, found end of file"
    );
    assert_eq!(
        err("sink {\n  Console {\n    a = 1 b = 2\n  }\n}"),
        "job.conf:3:13: expected ',' or a new line after the value of 'a', found '='"
    );
    assert_eq!(
        err("a = [1, 2"),
        "job.conf:1:10: expected ']' to close the list for 'a' opened at 1:5, found end of file"
    );
    assert_eq!(
        err("a = 1\n}"),
        "job.conf:2:1: unmatched '}': there is no '{' open here"
    );
    assert_eq!(
        err("a\nb = 1"),
        "job.conf:2:1: expected '=', ':' or '{' after the key 'a', found 'b'"
    );
    assert_eq!(
        err("a = "),
        "job.conf:1:5: expected a value for 'a', found end of file"
    );
    assert_eq!(
        err("a = 1,,b = 2"),
        "job.conf:1:7: expected a key (commas only go between fields), found ','"
    );
    assert!(err("[1]").contains("must be an object"));
    assert_eq!(
        err("a = 11:30"),
        "job.conf:1:7: expected ',' or a new line after the value of 'a', found ':'"
    );
}

#[test]
fn include_and_append_are_refused() {
    assert_eq!(
        err("env {}\ninclude \"other.conf\""),
        "job.conf:2:1: not supported: include; copy the included settings into this job file"
    );
    assert!(err("include required(file(\"x\"))").contains("not supported: include"));
    assert!(err("a += 1").starts_with("job.conf:1:3: not supported: '+='"));
    assert_eq!(
        parse("include_kinds = [INSERT]"),
        json!({"include_kinds": ["INSERT"]})
    );
}

#[test]
fn scalar_values_read_like_seatunnel_variables() {
    assert_eq!(parse_scalar("10"), Some(json!(10)));
    assert_eq!(
        parse_scalar("[abc,de~,f h]"),
        Some(json!(["abc", "de~", "f h"]))
    );
    assert_eq!(parse_scalar("a b"), Some(json!("a b")));
    assert_eq!(parse_scalar("a=b"), None);
    assert_eq!(parse_scalar("${x}"), None);
    assert_eq!(parse_scalar("{a = 1}"), Some(json!({"a": 1})));
}

/// A small text nested thousands deep once overflowed the stack of the thread parsing it (a
/// tokio worker, aborting the node). The parser now stops at the limit with an error naming it;
/// this runs on a test thread's 2 MiB stack, like a runtime worker's.
#[test]
fn nesting_stops_at_the_limit_with_an_error_naming_it() {
    use crate::depth::MAX_NESTING;
    for text in [
        format!("x = {}{}", "[".repeat(2000), "]".repeat(2000)),
        format!("{}1{}", "{a=".repeat(2000), "}".repeat(2000)),
        format!("x = {}", "{a:[".repeat(2000)),
    ] {
        let e = parse_with(&text, &[], &[]).unwrap_err();
        assert!(
            e.contains(&format!("nest deeper than {MAX_NESTING} levels")),
            "{e}"
        );
        assert!(e.starts_with("job.conf:1:"), "names the place: {e}");
    }
    // At the limit is fine: the document's own root is not a level.
    let deepest = format!(
        "x = {}1{}",
        "[".repeat(MAX_NESTING),
        "]".repeat(MAX_NESTING)
    );
    assert!(parse_with(&deepest, &[], &[]).is_ok());
    let one_more = format!(
        "x = {}1{}",
        "[".repeat(MAX_NESTING + 1),
        "]".repeat(MAX_NESTING + 1)
    );
    assert!(parse_with(&one_more, &[], &[]).is_err());
}
