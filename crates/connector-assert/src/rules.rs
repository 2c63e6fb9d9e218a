//! The `rules` block of an Assert sink, parsed into typed rules.
//!
//! ```hocon
//! rules {
//!   row_rules = [{ rule_type = MAX_ROW, rule_value = 5 }]
//!   field_rules = [{ field_name = age, field_type = int,
//!                    field_value = [{ rule_type = MIN, rule_value = 1 }, { equals_to = 3 }] }]
//!   catalog_table_rule { primary_key_rule { … }, column_rule = [ … ] }
//!   table-names = ["db.t1", "db.t2"]        # the tables that must reach the sink
//!   tables_configs = [{ table_path = "db.t1", row_rules = [ … ], field_rules = [ … ] }]
//! }
//! ```
//!
//! Without `tables_configs` the rules apply to every table reaching the sink, each on its own
//! (SeaTunnel builds one Assert sink per table); with it, each entry applies to its `table_path`.
//! The `Display` forms mirror SeaTunnel's rule `toString`, which its failure messages print.

use std::fmt;

use serde_json::{Map, Value as Json};

use super::catalog::{parse_catalog_rule, CatalogRule};
use seatunnel_connector::{ConnectorError, Options};
use seatunnel_data::literal::json_text;
use seatunnel_data::DataType;

/// SeaTunnel's `AssertFieldRule.AssertRuleType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleType {
    NotNull,
    Null,
    Min,
    Max,
    MinLength,
    MaxLength,
    MaxRow,
    MinRow,
}

impl RuleType {
    const ALL: [RuleType; 8] = [
        RuleType::NotNull,
        RuleType::Null,
        RuleType::Min,
        RuleType::Max,
        RuleType::MinLength,
        RuleType::MaxLength,
        RuleType::MaxRow,
        RuleType::MinRow,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RuleType::NotNull => "NOT_NULL",
            RuleType::Null => "NULL",
            RuleType::Min => "MIN",
            RuleType::Max => "MAX",
            RuleType::MinLength => "MIN_LENGTH",
            RuleType::MaxLength => "MAX_LENGTH",
            RuleType::MaxRow => "MAX_ROW",
            RuleType::MinRow => "MIN_ROW",
        }
    }

    fn parse(text: &str) -> Option<RuleType> {
        RuleType::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(text.trim()))
    }

    /// Rules that compare against `rule_value`.
    fn needs_value(self) -> bool {
        !matches!(self, RuleType::NotNull | RuleType::Null)
    }
}

/// One entry of `row_rules` or `field_value`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueRule {
    pub rule_type: Option<RuleType>,
    pub rule_value: Option<f64>,
    pub equals_to: Option<Json>,
}

/// One entry of `field_rules`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRule {
    pub field_name: String,
    /// Checked against each value's runtime type; absent means no type check.
    pub field_type: Option<DataType>,
    pub value_rules: Vec<ValueRule>,
}

/// The rules for one table (or for every table, without `tables_configs`).
#[derive(Debug, Clone, Default)]
pub struct TableRules {
    pub row_rules: Vec<ValueRule>,
    pub field_rules: Vec<FieldRule>,
    pub catalog: Option<CatalogRule>,
    /// Whether any rule key was given at all (an empty list counts, as in SeaTunnel).
    pub configured: bool,
}

/// Which tables the rules apply to.
#[derive(Debug, Clone)]
pub enum Scope {
    /// One rule set for every table reaching the sink.
    EveryTable(Box<TableRules>),
    /// `tables_configs`: rule sets by table path.
    PerTable(Vec<(String, TableRules)>),
}

#[derive(Debug, Clone)]
pub struct AssertRules {
    pub scope: Scope,
    /// `table-names`: the exact set of tables that must reach the sink.
    pub table_names: Vec<String>,
}

impl AssertRules {
    /// The rule set for table `name`, if any applies.
    pub fn for_table(&self, name: &str) -> Option<&TableRules> {
        match &self.scope {
            Scope::EveryTable(rules) => Some(rules),
            Scope::PerTable(tables) => tables.iter().find(|(t, _)| t == name).map(|(_, r)| r),
        }
    }
}

/// Parses the plugin's `rules` option.
pub fn parse_rules(options: &Options) -> Result<AssertRules, ConnectorError> {
    let block = options
        .object("rules")?
        .ok_or_else(|| options.invalid("rules", "is required: give row_rules, field_rules, catalog_table_rule, table-names or tables_configs"))?;
    let rules = options.nested(block.clone());
    let table_names = rules
        .string_list("table-names")
        .map_err(|_| options.invalid("rules.table-names", "must be a list of table paths"))?
        .unwrap_or_default();
    let scope = match rules.list("tables_configs")? {
        None => Scope::EveryTable(Box::new(table_rules(block, options, "rules")?)),
        Some(entries) => Scope::PerTable(
            entries
                .iter()
                .enumerate()
                .map(|(i, entry)| {
                    let key = format!("rules.tables_configs[{i}]");
                    let map = entry
                        .as_object()
                        .ok_or_else(|| options.invalid(&key, "must be an object"))?;
                    let path = match map.get("table_path") {
                        Some(Json::String(p)) if !p.is_empty() => p.clone(),
                        _ => return Err(options.invalid(&key, "needs table_path = \"db.table\"")),
                    };
                    Ok((path, table_rules(map, options, &key)?))
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    let configured = match &scope {
        Scope::EveryTable(r) => r.configured,
        Scope::PerTable(t) => t.iter().any(|(_, r)| r.configured),
    };
    if !configured && table_names.is_empty() {
        return Err(options.invalid(
            "rules",
            "Assert rule config is empty, please add rule config (row_rules, field_rules, catalog_table_rule, table-names or tables_configs)",
        ));
    }
    Ok(AssertRules { scope, table_names })
}

fn list<'a>(
    map: &'a Map<String, Json>,
    key: &str,
    options: &Options,
    at: &str,
) -> Result<Option<&'a Vec<Json>>, ConnectorError> {
    match map.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Array(items)) => Ok(Some(items)),
        Some(_) => Err(options.invalid(&format!("{at}.{key}"), "must be a list")),
    }
}

fn table_rules(
    map: &Map<String, Json>,
    options: &Options,
    at: &str,
) -> Result<TableRules, ConnectorError> {
    let mut rules = TableRules::default();
    if let Some(items) = list(map, "row_rules", options, at)? {
        rules.configured = true;
        rules.row_rules = items
            .iter()
            .enumerate()
            .map(|(i, item)| value_rule(item, options, &format!("{at}.row_rules[{i}]")))
            .collect::<Result<_, _>>()?;
    }
    if let Some(items) = list(map, "field_rules", options, at)? {
        rules.configured = true;
        rules.field_rules = items
            .iter()
            .enumerate()
            .map(|(i, item)| field_rule(item, options, &format!("{at}.field_rules[{i}]")))
            .collect::<Result<_, _>>()?;
    }
    if let Some(catalog) = map.get("catalog_table_rule").filter(|v| !v.is_null()) {
        rules.configured = true;
        let key = format!("{at}.catalog_table_rule");
        rules.catalog = Some(parse_catalog_rule(catalog).map_err(|m| options.invalid(&key, m))?);
    }
    Ok(rules)
}

fn field_rule(item: &Json, options: &Options, at: &str) -> Result<FieldRule, ConnectorError> {
    let map = item
        .as_object()
        .ok_or_else(|| options.invalid(at, "must be an object with field_name"))?;
    let field_name = match map.get("field_name") {
        Some(Json::String(n)) => n.clone(),
        _ => return Err(options.invalid(at, "needs field_name")),
    };
    let field_type = match map.get("field_type") {
        None | Some(Json::Null) => None,
        Some(t) => Some(
            DataType::from_json(t)
                .map_err(|e| options.invalid(&format!("{at}.field_type"), e.to_string()))?,
        ),
    };
    let value_rules = match list(map, "field_value", options, at)? {
        None => Vec::new(),
        Some(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| value_rule(v, options, &format!("{at}.field_value[{i}]")))
            .collect::<Result<_, _>>()?,
    };
    Ok(FieldRule {
        field_name,
        field_type,
        value_rules,
    })
}

fn value_rule(item: &Json, options: &Options, at: &str) -> Result<ValueRule, ConnectorError> {
    let map = item
        .as_object()
        .ok_or_else(|| options.invalid(at, "must be an object such as { rule_type = NOT_NULL }"))?;
    let rule_type = match map.get("rule_type") {
        None | Some(Json::Null) => None,
        Some(Json::String(t)) => Some(RuleType::parse(t).ok_or_else(|| {
            let known: Vec<&str> = RuleType::ALL.iter().map(|r| r.name()).collect();
            options.invalid(
                &format!("{at}.rule_type"),
                format!("'{t}' is not one of {}", known.join(", ")),
            )
        })?),
        Some(other) => {
            return Err(options.invalid(
                &format!("{at}.rule_type"),
                format!("must be a name, got {other}"),
            ))
        }
    };
    let rule_value = match map.get("rule_value") {
        None | Some(Json::Null) => None,
        Some(v) => Some(json_text(v).trim().parse::<f64>().map_err(|_| {
            options.invalid(
                &format!("{at}.rule_value"),
                format!("must be a number, got {v}"),
            )
        })?),
    };
    if let (Some(t), None) = (rule_type, rule_value) {
        if t.needs_value() {
            return Err(options.invalid(at, format!("rule_type {} needs a rule_value", t.name())));
        }
    }
    Ok(ValueRule {
        rule_type,
        rule_value,
        equals_to: map.get("equals_to").filter(|v| !v.is_null()).cloned(),
    })
}

/// Java's rendering of a config value (`List.toString`, `Map.toString`).
fn java_json(v: &Json, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match v {
        Json::Array(items) => {
            f.write_str("[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                java_json(item, f)?;
            }
            f.write_str("]")
        }
        Json::Object(map) => {
            f.write_str("{")?;
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{k}=")?;
                java_json(item, f)?;
            }
            f.write_str("}")
        }
        other => f.write_str(&json_text(other)),
    }
}

impl fmt::Display for ValueRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AssertFieldRule.AssertRule(ruleType=")?;
        f.write_str(self.rule_type.map_or("null", RuleType::name))?;
        match self.rule_value {
            Some(v) => write!(f, ", ruleValue={}", seatunnel_data::Value::Double(v))?,
            None => f.write_str(", ruleValue=null")?,
        }
        f.write_str(", equalTo=")?;
        match &self.equals_to {
            Some(v) => java_json(v, f)?,
            None => f.write_str("null")?,
        }
        f.write_str(")")
    }
}

impl fmt::Display for FieldRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AssertFieldRule(fieldName={}, fieldType=",
            self.field_name
        )?;
        match &self.field_type {
            Some(t) => write!(f, "{t}")?,
            None => f.write_str("null")?,
        }
        f.write_str(", fieldRules=[")?;
        for (i, r) in self.value_rules.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{r}")?;
        }
        f.write_str("])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Json) -> Result<AssertRules, ConnectorError> {
        parse_rules(&Options::new("Assert", v.as_object().unwrap().clone()))
    }

    #[test]
    fn single_scope_with_typo_keys_ignored() {
        let r = parse(json!({"rules": {
            "rule_ruls": [{"rule_type": "MAX_ROW", "rule_value": 5}],
            "field_rules": [{"field_name": "c_int", "field_type": "int",
                "field_value": [{"rule_type": "MIN", "rule_value": 20}, {"equals_to": [0, 1]}]}]}}))
        .unwrap();
        let Scope::EveryTable(t) = &r.scope else {
            panic!("not single")
        };
        assert!(t.row_rules.is_empty());
        assert_eq!(t.field_rules[0].field_type, Some(DataType::Int));
        assert_eq!(
            t.field_rules[0].to_string(),
            "AssertFieldRule(fieldName=c_int, fieldType=INT, fieldRules=[\
             AssertFieldRule.AssertRule(ruleType=MIN, ruleValue=20.0, equalTo=null), \
             AssertFieldRule.AssertRule(ruleType=null, ruleValue=null, equalTo=[0, 1])])"
        );
        assert!(r.for_table("anything").is_some());
    }

    #[test]
    fn per_table_scope_and_table_names() {
        let r = parse(json!({"rules": {"table-names": ["a.b"], "tables_configs": [
            {"table_path": "test.table1", "row_rules": [{"rule_type": "MIN_ROW", "rule_value": 16}]}]}}))
        .unwrap();
        assert_eq!(r.table_names, vec!["a.b"]);
        assert!(r.for_table("test.table1").is_some());
        assert!(r.for_table("test.table2").is_none());
        let r = parse(json!({"rules": {"table-names": ["x"]}})).unwrap();
        assert!(matches!(r.scope, Scope::EveryTable(ref t) if !t.configured));
    }

    #[test]
    fn errors_name_the_rule() {
        let e = parse(json!({"rules": {"rule_ruls": []}}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Assert rule config is empty"), "{e}");
        let e =
            parse(json!({"rules": {"row_rules": [{"rule_type": "MOST_ROW", "rule_value": 1}]}}))
                .unwrap_err()
                .to_string();
        assert!(
            e.contains("'rules.row_rules[0].rule_type' 'MOST_ROW' is not one of"),
            "{e}"
        );
        let e = parse(json!({"rules": {"field_rules": [{"field_name": "a",
            "field_value": [{"rule_type": "MAX"}]}]}}))
        .unwrap_err()
        .to_string();
        assert!(e.contains("rule_type MAX needs a rule_value"), "{e}");
        let e = parse(json!({})).unwrap_err().to_string();
        assert!(e.contains("'rules' is required"), "{e}");
    }
}
