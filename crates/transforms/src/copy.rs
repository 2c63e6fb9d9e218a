//! `Copy`: duplicates columns under new names, as SeaTunnel's `CopyFieldTransform` does.
//!
//! Options: `fields = { new_field = source_field, … }`, or the older single pair
//! `src_field` / `dest_field`. New names are appended after the input columns in the map's
//! order; a new name equal to an existing column overwrites that column in place (taking the
//! source's type). Every value is read from the input row, so copies never see each other's
//! output. Values are deep copies: nested arrays, maps and rows are cloned into the output batch.

use std::sync::Arc;

use serde_json::Value as Json;

use seatunnel_connector::{
    BoundTransform, ConnectorError, Options, PluginContext, Transform, TransformFactory,
};
use seatunnel_data::{Field, TableSchema};

use super::columns::{column_indexes, Projection};

/// The map `new field -> source field`.
const FIELDS: &str = "fields";
/// The older single-copy form: both must be given together.
const SRC_FIELD: &str = "src_field";
const DEST_FIELD: &str = "dest_field";
/// SeaTunnel's per-table variant, which this engine does not implement.
const TABLE_TRANSFORM: &str = "table_transform";

pub struct CopyFactory;

impl TransformFactory for CopyFactory {
    fn name(&self) -> &'static str {
        "Copy"
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Transform>, ConnectorError> {
        options.refuse(
            TABLE_TRANSFORM,
            "per-table copies; use one Copy per table with 'fields'",
        )?;
        let mut copies: Vec<(String, String)> = Vec::new();
        if let Some(map) = options.object(FIELDS)? {
            for (dest, src) in map {
                let src = match src {
                    Json::String(s) => s.clone(),
                    other => {
                        return Err(options.invalid(
                            FIELDS,
                            format!("must map '{dest}' to a source field name, got {other}"),
                        ))
                    }
                };
                copies.push((dest.clone(), src));
            }
        } else {
            match (options.string(SRC_FIELD)?, options.string(DEST_FIELD)?) {
                (Some(src), Some(dest)) => copies.push((dest, src)),
                (Some(_), None) => {
                    return Err(options.invalid(DEST_FIELD, "is required when 'src_field' is set"))
                }
                (None, Some(_)) => {
                    return Err(options.invalid(SRC_FIELD, "is required when 'dest_field' is set"))
                }
                (None, None) => {}
            }
        }
        if copies.is_empty() {
            return Err(ConnectorError::config(
                options.plugin(),
                "nothing to copy: set 'fields' (a map of new_field = source_field) or both 'src_field' and 'dest_field'",
            ));
        }
        Ok(Arc::new(Copy {
            plugin: options.plugin().to_string(),
            copies,
        }))
    }
}

struct Copy {
    plugin: String,
    /// `(new field, source field)` in job-file order.
    copies: Vec<(String, String)>,
}

impl Transform for Copy {
    fn bind(&self, input: &Arc<TableSchema>) -> Result<Box<dyn BoundTransform>, ConnectorError> {
        let froms = column_indexes(
            &self.plugin,
            self.copies.iter().map(|(_, src)| src.as_str()),
            input,
        )?;
        let mut fields = input.fields.clone();
        let mut sources: Vec<usize> = (0..input.width()).collect();
        for ((dest, _), from) in self.copies.iter().zip(froms) {
            let field = Field::new(dest.clone(), input.fields[from].data_type.clone());
            match fields.iter().position(|f| f.name == *dest) {
                Some(at) => {
                    fields[at] = field;
                    sources[at] = from;
                }
                None => {
                    fields.push(field);
                    sources.push(from);
                }
            }
        }
        Ok(Projection::boxed(input, fields, sources))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::tests::{bind_schema, corpus_table, ctx, opts, run};
    use seatunnel_data::{Batch, DataType, RowKind, RowType, TablePath, Value};
    use serde_json::json;

    fn err(options: Json) -> String {
        run(&CopyFactory, options).unwrap_err().to_string()
    }

    #[test]
    fn corpus_copy_transform_chain() {
        // transforms/copy_transform.conf: two Copy blocks in a row.
        let input = TableSchema::new(
            TablePath::parse("fake"),
            corpus_table(&[])
                .fields
                .iter()
                .filter(|f| f.name != "age")
                .cloned()
                .collect(),
        );
        let first = bind_schema(
            &CopyFactory,
            json!({"source_table_name": "fake", "result_table_name": "fake1",
                   "src_field": "name", "dest_field": "name1"}),
            &input,
        );
        let second = bind_schema(
            &CopyFactory,
            json!({"source_table_name": "fake1", "result_table_name": "fake2",
                   "fields": {"id_1": "id", "name2": "name", "name3": "name", "c_row_1": "c_row"}}),
            &first,
        );
        assert_eq!(
            second.field_names(),
            vec!["id", "name", "c_row", "name1", "id_1", "name2", "name3", "c_row_1"]
        );
        assert_eq!(second.fields[4].data_type, DataType::Int);
        assert_eq!(second.fields[6].data_type, DataType::String);
        assert_eq!(second.fields[7].data_type, second.fields[2].data_type);
    }

    #[test]
    fn legacy_pair_appends_one_column() {
        let out = run(
            &CopyFactory,
            json!({"src_field": "name", "dest_field": "name1"}),
        )
        .unwrap();
        assert_eq!(
            out.schema().field_names(),
            vec!["id", "name", "age", "name1"]
        );
        assert_eq!(out.schema().fields[3].data_type, DataType::String);
        assert_eq!(out.value(0, 3), Value::String("alice".into()));
        assert_eq!(out.kind(1), RowKind::Delete);
    }

    #[test]
    fn fields_map_appends_in_order_and_overwrites_existing_names() {
        let out = run(
            &CopyFactory,
            json!({"fields": {"id_1": "id", "age": "name", "name": "age", "n2": "name"}}),
        )
        .unwrap();
        assert_eq!(
            out.schema().field_names(),
            vec!["id", "name", "age", "id_1", "n2"]
        );
        assert_eq!(out.schema().fields[1].data_type, DataType::Int);
        assert_eq!(out.schema().fields[2].data_type, DataType::String);
        assert_eq!(
            out.row_values(0),
            vec![
                Value::Int(1),
                Value::Int(30),
                Value::String("alice".into()),
                Value::Int(1),
                Value::String("alice".into())
            ]
        );
        assert_eq!(out.value(1, 1), Value::Null);
    }

    #[test]
    fn nested_rows_are_deep_copied() {
        let inner = DataType::Row(Arc::new(RowType {
            fields: vec![Field::new("c_int", DataType::Int)],
        }));
        let schema = TableSchema::new(TablePath::parse("fake"), vec![Field::new("c_row", inner)]);
        let mut input = Batch::new(schema);
        input.begin_row(RowKind::UpdateAfter);
        input.push_nested(Value::Row(vec![Value::Int(7)]));
        let t = CopyFactory
            .create(
                &ctx("Copy"),
                &opts("Copy", json!({"fields": {"c_row_1": "c_row"}})),
            )
            .unwrap();
        let mut bound = t.bind(input.schema()).unwrap();
        let mut out = Batch::new(bound.output_schema().clone());
        bound.process(&input, &mut out).unwrap();
        drop(input);
        assert_eq!(
            out.schema().fields[1].data_type,
            out.schema().fields[0].data_type
        );
        assert_eq!(out.value(0, 1), Value::Row(vec![Value::Int(7)]));
        assert_eq!(out.kind(0), RowKind::UpdateAfter);
    }

    #[test]
    fn errors_name_the_option() {
        assert_eq!(
            err(json!({})),
            "plugin Copy: nothing to copy: set 'fields' (a map of new_field = source_field) or both 'src_field' and 'dest_field'"
        );
        assert_eq!(
            err(json!({"src_field": "name"})),
            "plugin Copy: option 'dest_field' is required when 'src_field' is set"
        );
        assert_eq!(
            err(json!({"dest_field": "x"})),
            "plugin Copy: option 'src_field' is required when 'dest_field' is set"
        );
        assert_eq!(
            err(json!({"fields": {"x": 1}})),
            "plugin Copy: option 'fields' must map 'x' to a source field name, got 1"
        );
        assert_eq!(
            err(json!({"fields": {"x": "nope"}})),
            "plugin Copy: input field(s) 'nope' not found in table 'fake'; its fields are: id, name, age"
        );
        assert_eq!(
            err(json!({"table_transform": [{"table_path": "a.b"}]})),
            "plugin Copy: option 'table_transform' not supported: per-table copies; use one Copy per table with 'fields'"
        );
    }
}
