//! The `schema` block of a FakeSource table: SeaTunnel's catalog-table syntax.
//!
//! ```hocon
//! schema = {
//!   table = "db.table"                # optional; else plugin_output, else default.default.default
//!   fields { id = bigint, name = string }            # or:
//!   columns = [{ name = id, type = bigint, nullable = false, defaultValue = 1, comment = "…" }]
//!   primaryKey = { name = "pk", columnNames = [id] }
//!   constraintKeys = [{ constraintName = "uk", constraintType = UNIQUE_KEY,
//!                       constraintColumns = [{ columnName = id, sortType = ASC }] }]
//! }
//! ```

use std::sync::Arc;

use serde_json::{Map, Value as Json};

use seatunnel_connector::{ConnectorError, Options};
use seatunnel_data::{
    ColumnMeta, ConstraintColumn, ConstraintKey, ConstraintKind, DataType, Field, PrimaryKey,
    SortOrder, TableMeta, TablePath, TableSchema, TypeError,
};

/// The table path SeaTunnel gives a source table that names none (`TablePath.DEFAULT`).
const DEFAULT_TABLE_PATH: &str = "default.default.default";

/// A parsed `schema` block: the table and the per-column `defaultValue`s FakeSource generates from.
#[derive(Debug, Clone)]
pub struct ParsedSchema {
    pub schema: Arc<TableSchema>,
    /// `defaultValue` of each column as text, in column order.
    pub defaults: Vec<Option<String>>,
}

/// Parses `options`' `schema` block. `catalog` names the catalog in the table identifier.
pub fn parse_schema(options: &Options, catalog: &str) -> Result<ParsedSchema, ConnectorError> {
    let block = options.object("schema")?.ok_or_else(|| {
        options.invalid(
            "schema",
            "is required: give schema = { fields { name = type, … } } or tables_configs",
        )
    })?;
    let schema = options.nested(block.clone());
    let key = |k: &str| format!("schema.{k}");
    let err = |k: &str, m: String| options.invalid(&key(k), m);

    let path = table_path(options, &schema)?;
    let has_fields = schema.contains("fields");
    let has_columns = schema.contains("columns");
    let (fields, defaults, columns) = match (has_fields, has_columns) {
        (true, true) => {
            return Err(err(
                "fields",
                "and schema.columns cannot both be given: keep one of them".into(),
            ))
        }
        (false, false) => {
            return Err(err(
                "fields",
                "is required: give schema.fields or schema.columns".into(),
            ))
        }
        (true, false) => {
            let map = schema
                .object("fields")
                .map_err(|_| err("fields", "must be an object of name = type entries".into()))?;
            let fields = fields_from_map(map.into_iter().flatten()).map_err(|(name, e)| {
                let message = format!("field '{name}': {e}");
                if e.too_deep {
                    options.over_limit(&key("fields"), message)
                } else {
                    err("fields", message)
                }
            })?;
            let defaults = vec![None; fields.len()];
            (fields, defaults, Vec::new())
        }
        (false, true) => parse_columns(&schema).map_err(|m| err("columns", m))?,
    };
    if fields.is_empty() {
        return Err(err("fields", "must name at least one column".into()));
    }
    let primary_key = match schema.object("primaryKey")? {
        None => None,
        Some(pk) => Some(parse_primary_key(pk).map_err(|m| err("primaryKey", m))?),
    };
    let constraint_keys = match schema.list("constraintKeys")? {
        None => Vec::new(),
        Some(items) => items
            .iter()
            .map(parse_constraint_key)
            .collect::<Result<_, _>>()
            .map_err(|m| err("constraintKeys", m))?,
    };
    let meta = TableMeta {
        catalog_name: Some(catalog.to_string()),
        primary_key,
        constraint_keys,
        columns,
        comment: schema.string("comment")?,
    };
    Ok(ParsedSchema {
        schema: TableSchema::with_meta(path, fields, meta),
        defaults,
    })
}

fn table_path(options: &Options, schema: &Options) -> Result<TablePath, ConnectorError> {
    if let Some(table) = schema.string("table")?.filter(|t| !t.is_empty()) {
        let mut path = TablePath::parse(&table);
        // `schema_first = true` reads `a.b` as schema.table instead of database.table.
        if schema.bool_or("schema_first", false)? && path.schema.is_none() {
            path.schema = path.database.take();
        }
        return Ok(path);
    }
    let output = match options.string("plugin_output")? {
        Some(o) => Some(o),
        None => options.string("result_table_name")?,
    };
    Ok(TablePath::parse(
        output.as_deref().unwrap_or(DEFAULT_TABLE_PATH),
    ))
}

fn fields_from_map<'a>(
    entries: impl Iterator<Item = (&'a String, &'a Json)>,
) -> Result<Vec<Field>, (String, TypeError)> {
    entries
        .map(|(name, ty)| {
            DataType::from_json(ty)
                .map(|t| Field::new(name.clone(), t))
                .map_err(|e| (name.clone(), e))
        })
        .collect()
}

type Columns = (Vec<Field>, Vec<Option<String>>, Vec<ColumnMeta>);

fn parse_columns(schema: &Options) -> Result<Columns, String> {
    let items = schema
        .list("columns")
        .map_err(|_| "must be a list of { name, type } objects".to_string())?
        .into_iter()
        .flatten();
    let (mut fields, mut defaults, mut metas) = (Vec::new(), Vec::new(), Vec::new());
    for (i, item) in items.enumerate() {
        let col = item
            .as_object()
            .ok_or_else(|| format!("entry {i} must be an object with name and type"))?;
        let name = text(col, "name").ok_or_else(|| format!("entry {i} has no name"))?;
        let ty = col
            .get("type")
            .ok_or_else(|| format!("column '{name}' has no type"))?;
        let data_type = DataType::from_json(ty).map_err(|e| format!("column '{name}': {e}"))?;
        let nullable = match col.get("nullable") {
            None | Some(Json::Null) => true,
            Some(Json::Bool(b)) => *b,
            Some(Json::String(s)) if s.eq_ignore_ascii_case("false") => false,
            Some(Json::String(s)) if s.eq_ignore_ascii_case("true") => true,
            Some(other) => {
                return Err(format!(
                    "column '{name}': nullable must be true or false, got {other}"
                ))
            }
        };
        let length = match col.get("columnLength") {
            None | Some(Json::Null) => 0,
            Some(v) => seatunnel_data::literal::json_text(v)
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("column '{name}': columnLength must be a whole number"))?,
        };
        let default_value = col
            .get("defaultValue")
            .filter(|v| !v.is_null())
            .map(seatunnel_data::literal::json_text);
        metas.push(ColumnMeta {
            name: name.clone(),
            length,
            nullable,
            default_value: default_value.clone(),
            comment: text(col, "comment"),
        });
        defaults.push(default_value);
        fields.push(Field::new(name, data_type));
    }
    Ok((fields, defaults, metas))
}

fn text(map: &Map<String, Json>, key: &str) -> Option<String> {
    match map.get(key) {
        None | Some(Json::Null) => None,
        Some(v) => Some(seatunnel_data::literal::json_text(v)),
    }
}

fn strings(map: &Map<String, Json>, key: &str) -> Result<Vec<String>, String> {
    match map.get(key) {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(items)) => Ok(items
            .iter()
            .map(seatunnel_data::literal::json_text)
            .collect()),
        Some(other) => Err(format!("{key} must be a list, got {other}")),
    }
}

fn parse_primary_key(pk: &Map<String, Json>) -> Result<PrimaryKey, String> {
    Ok(PrimaryKey {
        name: text(pk, "name").ok_or("name is required")?,
        columns: strings(pk, "columnNames")?,
    })
}

fn parse_constraint_key(item: &Json) -> Result<ConstraintKey, String> {
    let map = item
        .as_object()
        .ok_or_else(|| format!("each entry must be an object, got {item}"))?;
    let kind_text = text(map, "constraintType").ok_or("constraintType is required")?;
    let kind = ConstraintKind::parse(&kind_text).ok_or_else(|| {
        let known: Vec<&str> = ConstraintKind::ALL.iter().map(|k| k.name()).collect();
        format!(
            "constraintType '{kind_text}' is not one of {}",
            known.join(", ")
        )
    })?;
    let columns = match map.get("constraintColumns") {
        Some(Json::Array(cols)) => cols
            .iter()
            .map(|c| {
                let c = c
                    .as_object()
                    .ok_or("constraintColumns entries must be objects")?;
                let name = text(c, "columnName").ok_or("columnName is required")?;
                let sort = match text(c, "sortType") {
                    None => SortOrder::Asc,
                    Some(s) => SortOrder::parse(&s)
                        .ok_or_else(|| format!("sortType '{s}' is not ASC or DESC"))?,
                };
                Ok::<_, String>(ConstraintColumn { name, sort })
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    Ok(ConstraintKey {
        name: text(map, "constraintName").ok_or("constraintName is required")?,
        kind,
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Json) -> Result<ParsedSchema, ConnectorError> {
        parse_schema(
            &Options::new("FakeSource", v.as_object().unwrap().clone()),
            "FakeSource",
        )
    }

    #[test]
    fn fields_keep_order_and_table_falls_back_to_output() {
        let p = parse(json!({"result_table_name": "fake",
            "schema": {"fields": {"name": "string", "age": "int", "r": {"x": "int"}}}}))
        .unwrap();
        assert_eq!(p.schema.path.full_name(), "fake");
        assert_eq!(p.schema.field_names(), vec!["name", "age", "r"]);
        let p = parse(json!({"schema": {"fields": {"a": "int"}}})).unwrap();
        assert_eq!(p.schema.path.full_name(), "default.default.default");
    }

    #[test]
    fn catalog_columns_and_keys() {
        let p = parse(json!({"schema": {
            "table": "test.fakeTable",
            "columns": [{"name": "id", "type": "bigint", "nullable": false, "defaultValue": 7},
                        {"name": "name", "type": "string", "comment": "who"}],
            "primaryKey": {"name": "primary key", "columnNames": ["id"]},
            "constraintKeys": [{"constraintName": "unique_name", "constraintType": "UNIQUE_KEY",
                "constraintColumns": [{"columnName": "id", "sortType": "ASC"}]}]
        }}))
        .unwrap();
        let meta = &p.schema.meta;
        assert_eq!(p.schema.path.database.as_deref(), Some("test"));
        assert_eq!(meta.catalog_name.as_deref(), Some("FakeSource"));
        assert_eq!(meta.primary_key.as_ref().unwrap().columns, vec!["id"]);
        assert_eq!(meta.constraint_keys[0].kind, ConstraintKind::UniqueKey);
        assert!(!meta.column("id").nullable);
        assert_eq!(meta.column("name").comment.as_deref(), Some("who"));
        assert_eq!(p.defaults, vec![Some("7".to_string()), None]);
    }

    #[test]
    fn errors_name_the_schema_key() {
        let e = parse(json!({"row.num": 1})).unwrap_err().to_string();
        assert!(e.contains("'schema' is required"), "{e}");
        let e = parse(json!({"schema": {"fields": {"a": "varchar2"}}}))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'schema.fields'") && e.contains("field 'a'"),
            "{e}"
        );
        let e = parse(json!({"schema": {"fields": {"a": "int"}, "columns": []}}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot both be given"), "{e}");
    }
}
