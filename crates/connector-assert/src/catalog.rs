//! Assert's `catalog_table_rule`: the table reaching the sink must have the declared primary key,
//! constraint keys, columns and identifier. Checked at plan time, as SeaTunnel checks it when it
//! creates the sink. Lists compare as multisets (SeaTunnel's `isEqualCollection`).
//!
//! ```hocon
//! catalog_table_rule {
//!   table_identifier_rule = { catalog_name = "FakeSource", table = "test.fakeTable" }
//!   primary_key_rule = { primary_key_name = "primary key", primary_key_columns = ["id"] }
//!   constraint_key_rule = [{ constraint_key_name = "unique_name", constraint_key_type = UNIQUE_KEY,
//!     constraint_key_columns = [{ constraint_key_column_name = "id", constraint_key_sort_type = ASC }] }]
//!   column_rule = [{ name = "id", type = bigint, nullable = true, column_length = 0 }]
//! }
//! ```

use std::fmt;

use serde_json::{Map, Value as Json};

use seatunnel_data::literal::json_text;
use seatunnel_data::{
    ColumnMeta, ConstraintColumn, ConstraintKey, ConstraintKind, DataType, SortOrder, TablePath,
    TableSchema,
};

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogRule {
    primary_key: Option<(Option<String>, Vec<String>)>,
    constraint_keys: Option<Vec<ConstraintKey>>,
    columns: Option<Vec<Column>>,
    identifier: Option<Identifier>,
}

/// A column as SeaTunnel's `PhysicalColumn.equals` sees it.
#[derive(Debug, Clone, PartialEq)]
struct Column {
    data_type: DataType,
    meta: ColumnMeta,
}

#[derive(Debug, Clone, PartialEq)]
struct Identifier {
    catalog: String,
    path: TablePath,
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} (length {}, nullable {}, default {}, comment {})",
            self.meta.name,
            self.data_type,
            self.meta.length,
            self.meta.nullable,
            self.meta.default_value.as_deref().unwrap_or("null"),
            self.meta.comment.as_deref().unwrap_or("null"),
        )
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.catalog, self.path)
    }
}

fn text(map: &Map<String, Json>, key: &str) -> Option<String> {
    map.get(key).filter(|v| !v.is_null()).map(json_text)
}

fn object<'a>(v: &'a Json, what: &str) -> Result<&'a Map<String, Json>, String> {
    v.as_object()
        .ok_or_else(|| format!("{what} must be an object, got {v}"))
}

fn objects<'a>(
    map: &'a Map<String, Json>,
    key: &str,
) -> Result<Vec<&'a Map<String, Json>>, String> {
    match map.get(key) {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(items)) => items.iter().map(|i| object(i, key)).collect(),
        Some(other) => Err(format!("{key} must be a list, got {other}")),
    }
}

/// A list rule read entry by entry; `None` when the rule is not given (nothing to check).
fn rule_list<T>(
    map: &Map<String, Json>,
    key: &str,
    entry: impl Fn(&Map<String, Json>) -> Result<T, String>,
) -> Result<Option<Vec<T>>, String> {
    if map.get(key).is_none_or(Json::is_null) {
        return Ok(None);
    }
    objects(map, key)?
        .into_iter()
        .map(entry)
        .collect::<Result<_, _>>()
        .map(Some)
}

pub fn parse_catalog_rule(v: &Json) -> Result<CatalogRule, String> {
    let map = object(v, "catalog_table_rule")?;
    let primary_key = match map.get("primary_key_rule").filter(|v| !v.is_null()) {
        None => None,
        Some(pk) => {
            let pk = object(pk, "primary_key_rule")?;
            let columns = match pk.get("primary_key_columns") {
                Some(Json::Array(c)) => c.iter().map(json_text).collect(),
                _ => Vec::new(),
            };
            Some((text(pk, "primary_key_name"), columns))
        }
    };
    let constraint_keys = rule_list(map, "constraint_key_rule", constraint_key)?;
    let columns = rule_list(map, "column_rule", column)?;
    let identifier = match map.get("table_identifier_rule").filter(|v| !v.is_null()) {
        None => None,
        Some(id) => {
            let id = object(id, "table_identifier_rule")?;
            Some(Identifier {
                catalog: text(id, "catalog_name")
                    .ok_or("table_identifier_rule needs catalog_name")?,
                path: TablePath::parse(
                    &text(id, "table").ok_or("table_identifier_rule needs table")?,
                ),
            })
        }
    };
    Ok(CatalogRule {
        primary_key,
        constraint_keys,
        columns,
        identifier,
    })
}

fn constraint_key(map: &Map<String, Json>) -> Result<ConstraintKey, String> {
    let kind_text = text(map, "constraint_key_type").ok_or("constraint_key_type is required")?;
    let kind = ConstraintKind::parse(&kind_text)
        .ok_or_else(|| format!("constraint_key_type '{kind_text}' is not a constraint type"))?;
    let columns = objects(map, "constraint_key_columns")?
        .into_iter()
        .map(|c| {
            let name = text(c, "constraint_key_column_name")
                .ok_or("constraint_key_column_name is required")?;
            let sort_text = text(c, "constraint_key_sort_type").unwrap_or_else(|| "ASC".into());
            let sort = SortOrder::parse(&sort_text).ok_or_else(|| {
                format!("constraint_key_sort_type '{sort_text}' is not ASC or DESC")
            })?;
            Ok::<_, String>(ConstraintColumn { name, sort })
        })
        .collect::<Result<_, _>>()?;
    Ok(ConstraintKey {
        name: text(map, "constraint_key_name").ok_or("constraint_key_name is required")?,
        kind,
        columns,
    })
}

fn column(map: &Map<String, Json>) -> Result<Column, String> {
    let name = text(map, "name").ok_or("column_rule entries need a name")?;
    let ty = map
        .get("type")
        .ok_or_else(|| format!("column_rule '{name}' needs a type"))?;
    let data_type = DataType::from_json(ty).map_err(|e| format!("column_rule '{name}': {e}"))?;
    let mut meta = ColumnMeta::named(&name);
    if let Some(len) = text(map, "column_length") {
        meta.length = len
            .trim()
            .parse()
            .map_err(|_| format!("column_rule '{name}': column_length must be a whole number"))?;
    }
    if let Some(n) = text(map, "nullable") {
        meta.nullable = !n.trim().eq_ignore_ascii_case("false");
    }
    meta.default_value = text(map, "default_value");
    meta.comment = text(map, "comment");
    Ok(Column { data_type, meta })
}

/// Multiset equality, for lists whose order SeaTunnel ignores.
fn same_items<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|x| a.iter().filter(|y| *y == x).count() == b.iter().filter(|y| *y == x).count())
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    let parts: Vec<String> = items.iter().map(T::to_string).collect();
    format!("[{}]", parts.join(", "))
}

fn key_text(k: &ConstraintKey) -> String {
    let cols: Vec<String> = k
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.sort.name()))
        .collect();
    format!("{} {}({})", k.kind.name(), k.name, cols.join(", "))
}

impl CatalogRule {
    /// Checks `schema`; the error text follows SeaTunnel's (`primaryKey: x is not equal to y`).
    pub fn check(&self, schema: &TableSchema) -> Result<(), String> {
        let meta = &schema.meta;
        if let Some((name, columns)) = &self.primary_key {
            let pk = meta.primary_key.as_ref().ok_or("primaryKey is null")?;
            if let Some(name) = name.as_ref().filter(|n| **n != pk.name) {
                return Err(format!("primaryKey: {} is not equal to {name}", pk.name));
            }
            if !columns.is_empty() && !same_items(columns, &pk.columns) {
                return Err(format!(
                    "primaryKey columns: [{}] is not equal to [{}]",
                    pk.columns.join(", "),
                    columns.join(", ")
                ));
            }
        }
        if let Some(keys) = &self.constraint_keys {
            if meta.constraint_keys.is_empty() {
                return Err("constraintKeys is null".into());
            }
            if !keys.is_empty() && !same_items(keys, &meta.constraint_keys) {
                let actual: Vec<String> = meta.constraint_keys.iter().map(key_text).collect();
                let expected: Vec<String> = keys.iter().map(key_text).collect();
                return Err(format!(
                    "constraintKeys: {} is not equal to {}",
                    list(&actual),
                    list(&expected)
                ));
            }
        }
        if let Some(columns) = &self.columns {
            let actual: Vec<Column> = schema
                .fields
                .iter()
                .map(|f| Column {
                    data_type: f.data_type.clone(),
                    meta: meta.column(&f.name),
                })
                .collect();
            if actual.is_empty() {
                return Err("columns is null".into());
            }
            if !columns.is_empty() && !same_items(columns, &actual) {
                return Err(format!(
                    "columns: {} is not equal to {}",
                    list(&actual),
                    list(columns)
                ));
            }
        }
        if let Some(expected) = &self.identifier {
            let actual = Identifier {
                catalog: meta.catalog_name.clone().unwrap_or_default(),
                path: schema.path.clone(),
            };
            if actual != *expected {
                return Err(format!(
                    "tableIdentifier: {actual} is not equal to {expected}"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seatunnel_connector::Options;
    use seatunnel_connector::Source;
    use seatunnel_connector_fake::FakeSource;
    use serde_json::json;

    fn source(v: Json) -> FakeSource {
        FakeSource::new(&Options::new("FakeSource", v.as_object().unwrap().clone())).unwrap()
    }

    fn fake_table() -> std::sync::Arc<TableSchema> {
        source(json!({"schema": {
            "table": "test.fakeTable",
            "columns": [{"name": "id", "type": "bigint"}, {"name": "name", "type": "string"},
                        {"name": "age", "type": "int"}],
            "primaryKey": {"name": "primary key", "columnNames": ["id"]},
            "constraintKeys": [{"constraintName": "unique_name", "constraintType": "UNIQUE_KEY",
                "constraintColumns": [{"columnName": "id", "sortType": "ASC"}]}]}}))
        .tables()
        .remove(0)
    }

    fn rule(v: Json) -> CatalogRule {
        parse_catalog_rule(&v).unwrap()
    }

    #[test]
    fn corpus_rule_passes() {
        let r = rule(json!({
            "table_identifier_rule": {"catalog_name": "FakeSource", "table": "test.fakeTable"},
            "primary_key_rule": {"primary_key_name": "primary key", "primary_key_columns": ["id"]},
            "constraint_key_rule": [{"constraint_key_name": "unique_name", "constraint_key_type": "UNIQUE_KEY",
                "constraint_key_columns": [{"constraint_key_column_name": "id", "constraint_key_sort_type": "ASC"}]}],
            "column_rule": [{"name": "age", "type": "int"}, {"name": "id", "type": "bigint"},
                            {"name": "name", "type": "string"}]}));
        assert_eq!(r.check(&fake_table()), Ok(()));
    }

    #[test]
    fn mismatches_say_what_differs() {
        let t = fake_table();
        let e = rule(
            json!({"primary_key_rule": {"primary_key_name": "pk", "primary_key_columns": ["id"]}}),
        )
        .check(&t)
        .unwrap_err();
        assert_eq!(e, "primaryKey: primary key is not equal to pk");
        let e = rule(json!({"column_rule": [{"name": "id", "type": "int"}]}))
            .check(&t)
            .unwrap_err();
        assert!(e.starts_with("columns: [id BIGINT"), "{e}");
        let e = rule(
            json!({"table_identifier_rule": {"catalog_name": "Jdbc", "table": "test.fakeTable"}}),
        )
        .check(&t)
        .unwrap_err();
        assert_eq!(
            e,
            "tableIdentifier: FakeSource.test.fakeTable is not equal to Jdbc.test.fakeTable"
        );
        let plain = source(json!({"schema": {"fields": {"a": "int"}}}))
            .tables()
            .remove(0);
        let e = rule(json!({"primary_key_rule": {"primary_key_columns": ["a"]}}))
            .check(&plain)
            .unwrap_err();
        assert_eq!(e, "primaryKey is null");
    }

    #[test]
    fn generic_row_types_compare_equal() {
        let t = source(json!({"schema": {"fields": {
            "c_0": "map<string, {c_int=int\nc_string=string}>",
            "c_3": "map<string, {\"c_int\":\"int\",\"c_string\":\"string\"}>"}}}))
        .tables()
        .remove(0);
        let r = rule(json!({"column_rule": [
            {"name": "c_0", "type": "map<string, {c_int=int\nc_string=string}>"},
            {"name": "c_3", "type": "map<string, {\"c_int\":\"int\",\"c_string\":\"string\"}>"}]}));
        assert_eq!(r.check(&t), Ok(()));
    }
}
