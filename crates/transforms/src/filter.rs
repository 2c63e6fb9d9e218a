//! `Filter`: keeps the listed columns (`include_fields`, or its older name `fields`) or drops them
//! (`exclude_fields`), as SeaTunnel's `FilterFieldTransform` does.
//!
//! Included columns come out in the order the list gives; with `exclude_fields` the remaining
//! columns keep their input order. Rows, row kinds and the table path pass through unchanged.

use std::sync::Arc;

use seatunnel_connector::{
    BoundTransform, ConnectorError, Options, PluginContext, Transform, TransformFactory,
};
use seatunnel_data::TableSchema;

use super::columns::{column_indexes, Projection};

/// The columns to keep; SeaTunnel reads the older key `fields` when this one is absent.
const INCLUDE_FIELDS: &str = "include_fields";
const LEGACY_FIELDS: &str = "fields";
/// The columns to drop.
const EXCLUDE_FIELDS: &str = "exclude_fields";

/// Which columns the user chose, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selection {
    Include(Vec<String>),
    Exclude(Vec<String>),
}

pub struct FilterFactory;

impl TransformFactory for FilterFactory {
    fn name(&self) -> &'static str {
        "Filter"
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Transform>, ConnectorError> {
        let include = match options.string_list(INCLUDE_FIELDS)? {
            Some(list) => Some((INCLUDE_FIELDS, list)),
            None => options
                .string_list(LEGACY_FIELDS)?
                .map(|list| (LEGACY_FIELDS, list)),
        };
        let exclude = options.string_list(EXCLUDE_FIELDS)?;
        let selection = match (include, exclude) {
            (Some(_), Some(_)) => {
                return Err(options.invalid(
                    EXCLUDE_FIELDS,
                    "cannot be combined with 'include_fields' (or 'fields'); set only one of them",
                ))
            }
            (None, None) => {
                return Err(ConnectorError::config(
                    options.plugin(),
                    "set 'include_fields' (the fields to keep) or 'exclude_fields' (the fields to drop)",
                ))
            }
            (Some((key, list)), None) => {
                if list.is_empty() {
                    return Err(options.invalid(key, "must list at least one field to keep"));
                }
                if let Some(dup) = first_duplicate(&list) {
                    return Err(options.invalid(key, format!("lists the field '{dup}' twice")));
                }
                Selection::Include(list)
            }
            (None, Some(list)) => Selection::Exclude(list),
        };
        Ok(Arc::new(Filter {
            plugin: options.plugin().to_string(),
            selection,
        }))
    }
}

fn first_duplicate(list: &[String]) -> Option<&str> {
    list.iter()
        .enumerate()
        .find(|(i, name)| list[..*i].contains(name))
        .map(|(_, name)| name.as_str())
}

struct Filter {
    plugin: String,
    selection: Selection,
}

impl Transform for Filter {
    fn bind(&self, input: &Arc<TableSchema>) -> Result<Box<dyn BoundTransform>, ConnectorError> {
        let named = match &self.selection {
            Selection::Include(names) | Selection::Exclude(names) => names,
        };
        let found = column_indexes(&self.plugin, named.iter().map(String::as_str), input)?;
        let columns: Vec<usize> = match &self.selection {
            Selection::Include(_) => found,
            Selection::Exclude(names) => (0..input.width())
                .filter(|&i| !names.contains(&input.fields[i].name))
                .collect(),
        };
        let fields = columns.iter().map(|&i| input.fields[i].clone()).collect();
        Ok(Projection::boxed(input, fields, columns))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use seatunnel_connector::JobMode;
    use seatunnel_data::{Batch, DataType, Datum, Field, RowKind, TablePath, Value};
    use serde_json::{json, Value as Json};

    pub(crate) fn ctx(name: &str) -> PluginContext {
        PluginContext {
            job_id: 1,
            job_mode: JobMode::Batch,
            plugin_name: name.to_string(),
            default_parallelism: 1,
        }
    }

    pub(crate) fn opts(plugin: &str, v: Json) -> Options {
        Options::new(plugin, v.as_object().expect("object").clone())
    }

    /// `fake(id INT, name STRING, age INT)` with two rows of different kinds.
    pub(crate) fn sample() -> Batch {
        let schema = TableSchema::new(
            TablePath::parse("fake"),
            vec![
                Field::new("id", DataType::Int),
                Field::new("name", DataType::String),
                Field::new("age", DataType::Int),
            ],
        );
        let mut b = Batch::new(schema);
        b.begin_row(RowKind::Insert);
        b.push(Datum::Int(1));
        b.push_str("alice");
        b.push(Datum::Int(30));
        b.begin_row(RowKind::Delete);
        b.push(Datum::Int(2));
        b.push_str("bob");
        b.push(Datum::Null);
        b
    }

    /// Binds `options` to the sample table and runs the sample batch through.
    pub(crate) fn run(
        factory: &dyn TransformFactory,
        options: Json,
    ) -> Result<Batch, ConnectorError> {
        let t = factory.create(&ctx(factory.name()), &opts(factory.name(), options))?;
        let input = sample();
        let mut bound = t.bind(input.schema())?;
        let mut out = Batch::new(bound.output_schema().clone());
        bound.process(&input, &mut out)?;
        Ok(out)
    }

    /// The table most corpus transform jobs read: `id, name, age, c_row { c_row { c_int } }`.
    pub(crate) fn corpus_table(extra: &[(&str, DataType)]) -> Arc<TableSchema> {
        let c_int = DataType::Row(Arc::new(seatunnel_data::RowType {
            fields: vec![Field::new("c_int", DataType::Int)],
        }));
        let c_row = DataType::Row(Arc::new(seatunnel_data::RowType {
            fields: vec![Field::new("c_row", c_int)],
        }));
        let mut fields = vec![
            Field::new("id", DataType::Int),
            Field::new("name", DataType::String),
            Field::new("age", DataType::Int),
        ];
        fields.extend(extra.iter().map(|(n, t)| Field::new(*n, t.clone())));
        fields.push(Field::new("c_row", c_row));
        TableSchema::new(TablePath::parse("fake"), fields)
    }

    /// The output schema of `options` bound to `input`.
    pub(crate) fn bind_schema(
        factory: &dyn TransformFactory,
        options: Json,
        input: &Arc<TableSchema>,
    ) -> Arc<TableSchema> {
        let t = factory
            .create(&ctx(factory.name()), &opts(factory.name(), options))
            .unwrap();
        t.bind(input).unwrap().output_schema().clone()
    }

    fn err(options: Json) -> String {
        run(&FilterFactory, options).unwrap_err().to_string()
    }

    #[test]
    fn corpus_filter_transform_block() {
        // transforms/filter_transform.conf, with the engine's common keys left in.
        let out = bind_schema(
            &FilterFactory,
            json!({"source_table_name": "fake", "result_table_name": "fake1",
                   "fields": ["age", "name", "c_row"]}),
            &corpus_table(&[]),
        );
        assert_eq!(out.field_names(), vec!["age", "name", "c_row"]);
        assert!(matches!(out.fields[2].data_type, DataType::Row(_)));
    }

    #[test]
    fn include_keeps_listed_order() {
        let out = run(&FilterFactory, json!({"include_fields": ["age", "id"]})).unwrap();
        assert_eq!(out.schema().field_names(), vec!["age", "id"]);
        assert_eq!(out.schema().path.full_name(), "fake");
        assert_eq!(out.row_values(0), vec![Value::Int(30), Value::Int(1)]);
        assert_eq!(out.kind(1), RowKind::Delete);
        assert_eq!(out.row_values(1), vec![Value::Null, Value::Int(2)]);
    }

    #[test]
    fn legacy_fields_key_is_accepted() {
        let out = run(&FilterFactory, json!({"fields": ["name"]})).unwrap();
        assert_eq!(out.schema().field_names(), vec!["name"]);
        assert_eq!(out.value(1, 0), Value::String("bob".into()));
    }

    #[test]
    fn exclude_keeps_input_order() {
        let out = run(&FilterFactory, json!({"exclude_fields": ["name"]})).unwrap();
        assert_eq!(out.schema().field_names(), vec!["id", "age"]);
        assert_eq!(out.schema().fields[1].data_type, DataType::Int);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn unknown_fields_fail_at_bind_with_their_names() {
        assert_eq!(
            err(json!({"include_fields": ["id", "nme", "agee"]})),
            "plugin Filter: input field(s) 'nme, agee' not found in table 'fake'; its fields are: id, name, age"
        );
        assert!(err(json!({"exclude_fields": ["zzz"]})).contains("'zzz' not found"));
    }

    #[test]
    fn exactly_one_selection_is_required() {
        assert_eq!(
            err(json!({"include_fields": ["id"], "exclude_fields": ["age"]})),
            "plugin Filter: option 'exclude_fields' cannot be combined with 'include_fields' (or 'fields'); set only one of them"
        );
        assert_eq!(
            err(json!({})),
            "plugin Filter: set 'include_fields' (the fields to keep) or 'exclude_fields' (the fields to drop)"
        );
        assert_eq!(
            err(json!({"fields": []})),
            "plugin Filter: option 'fields' must list at least one field to keep"
        );
        assert_eq!(
            err(json!({"include_fields": ["id", "id"]})),
            "plugin Filter: option 'include_fields' lists the field 'id' twice"
        );
    }
}
