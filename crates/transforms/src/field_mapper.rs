//! `FieldMapper`: renames and reorders columns with `field_mapper = { source = new_name, … }`, as
//! SeaTunnel's `FieldMapperTransform` does. Columns not in the map are dropped; the output follows
//! the map's order (job-file order, kept by the loader). Types, rows and row kinds are unchanged.

use std::sync::Arc;

use serde_json::Value as Json;

use seatunnel_connector::{
    BoundTransform, ConnectorError, Options, PluginContext, Transform, TransformFactory,
};
use seatunnel_data::{Field, TableSchema};

use super::columns::{column_indexes, Projection};

/// The map `source field -> output name`.
const FIELD_MAPPER: &str = "field_mapper";

pub struct FieldMapperFactory;

impl TransformFactory for FieldMapperFactory {
    fn name(&self) -> &'static str {
        "FieldMapper"
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Transform>, ConnectorError> {
        let map = options.object(FIELD_MAPPER)?.ok_or_else(|| {
            options.invalid(
                FIELD_MAPPER,
                "is required: a map of source field = new name",
            )
        })?;
        if map.is_empty() {
            return Err(options.invalid(FIELD_MAPPER, "must map at least one field"));
        }
        let mut pairs: Vec<(String, String)> = Vec::with_capacity(map.len());
        for (source, target) in map {
            let target = match target {
                Json::String(s) => s.clone(),
                Json::Number(n) => n.to_string(),
                Json::Bool(b) => b.to_string(),
                other => {
                    return Err(options.invalid(
                        FIELD_MAPPER,
                        format!("must map '{source}' to a field name, got {other}"),
                    ))
                }
            };
            if let Some((earlier, _)) = pairs.iter().find(|(_, t)| *t == target) {
                return Err(options.invalid(
                    FIELD_MAPPER,
                    format!("maps both '{earlier}' and '{source}' to '{target}'; output names must be unique"),
                ));
            }
            pairs.push((source.clone(), target));
        }
        Ok(Arc::new(FieldMapper {
            plugin: options.plugin().to_string(),
            pairs,
        }))
    }
}

struct FieldMapper {
    plugin: String,
    /// `(source field, output name)` in output order.
    pairs: Vec<(String, String)>,
}

impl Transform for FieldMapper {
    fn bind(&self, input: &Arc<TableSchema>) -> Result<Box<dyn BoundTransform>, ConnectorError> {
        let sources = self.pairs.iter().map(|(source, _)| source.as_str());
        let columns = column_indexes(&self.plugin, sources, input)?;
        let fields = self
            .pairs
            .iter()
            .zip(&columns)
            .map(|((_, target), &index)| {
                Field::new(target.clone(), input.fields[index].data_type.clone())
            })
            .collect();
        Ok(Projection::boxed(input, fields, columns))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::tests::{bind_schema, corpus_table, run};
    use seatunnel_data::{DataType, RowKind, Value};
    use serde_json::json;

    fn err(options: Json) -> String {
        run(&FieldMapperFactory, options).unwrap_err().to_string()
    }

    #[test]
    fn renames_reorders_and_drops() {
        let out = run(
            &FieldMapperFactory,
            json!({"field_mapper": {"age": "age_as", "id": "id"}}),
        )
        .unwrap();
        assert_eq!(out.schema().field_names(), vec!["age_as", "id"]);
        assert_eq!(out.schema().fields[0].data_type, DataType::Int);
        assert_eq!(out.row_values(0), vec![Value::Int(30), Value::Int(1)]);
        assert_eq!(out.kind(1), RowKind::Delete);
        assert_eq!(out.row_values(1), vec![Value::Null, Value::Int(2)]);
    }

    #[test]
    fn output_names_must_be_unique() {
        let out = run(&FieldMapperFactory, json!({"field_mapper": {"name": "n"}})).unwrap();
        assert_eq!(out.value(0, 0), Value::String("alice".into()));
        assert_eq!(
            err(json!({"field_mapper": {"id": "x", "age": "x"}})),
            "plugin FieldMapper: option 'field_mapper' maps both 'id' and 'age' to 'x'; output names must be unique"
        );
    }

    #[test]
    fn corpus_field_mapper_block() {
        // transforms/field_mapper_transform.conf.
        let input = corpus_table(&[
            ("string1", DataType::String),
            ("int1", DataType::Int),
            ("c_bigint", DataType::BigInt),
        ]);
        let out = bind_schema(
            &FieldMapperFactory,
            json!({"source_table_name": "fake", "result_table_name": "fake1",
                   "field_mapper": {"id": "id", "age": "age_as", "int1": "int1_as",
                                    "name": "name", "c_row": "c_row"}}),
            &input,
        );
        assert_eq!(
            out.field_names(),
            vec!["id", "age_as", "int1_as", "name", "c_row"]
        );
        assert_eq!(out.fields[2].data_type, DataType::Int);
        assert_eq!(out.path, input.path);
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            err(json!({})),
            "plugin FieldMapper: option 'field_mapper' is required: a map of source field = new name"
        );
        assert_eq!(
            err(json!({"field_mapper": {}})),
            "plugin FieldMapper: option 'field_mapper' must map at least one field"
        );
        assert_eq!(
            err(json!({"field_mapper": {"id": ["a"]}})),
            "plugin FieldMapper: option 'field_mapper' must map 'id' to a field name, got [\"a\"]"
        );
        assert_eq!(
            err(json!({"field_mapper": {"nope": "x"}})),
            "plugin FieldMapper: input field(s) 'nope' not found in table 'fake'; its fields are: id, name, age"
        );
    }
}
