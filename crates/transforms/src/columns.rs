//! What the column transforms (Filter, FieldMapper, Copy, Replace) share: finding the input
//! columns a job names, failing with every misspelt name at once, and the bound projection that
//! copies chosen input columns into the output in a fixed order.

use std::sync::Arc;

use seatunnel_connector::{BoundTransform, ConnectorError};
use seatunnel_data::{Batch, Field, TableSchema};

/// An error naming input columns a transform needs but the table lacks, with the columns it has,
/// so the user can fix the spelling.
pub(crate) fn unknown_fields(
    plugin: &str,
    missing: &[&str],
    input: &TableSchema,
) -> ConnectorError {
    ConnectorError::config(
        plugin,
        format!(
            "input field(s) '{}' not found in table '{}'; its fields are: {}",
            missing.join(", "),
            input.path,
            input.field_names().join(", ")
        ),
    )
}

/// The input index of each named column, in the order given; fails naming all missing ones.
pub(crate) fn column_indexes<'a>(
    plugin: &str,
    names: impl IntoIterator<Item = &'a str>,
    input: &TableSchema,
) -> Result<Vec<usize>, ConnectorError> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        match input.index_of(name) {
            Some(index) => found.push(index),
            None => missing.push(name),
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(unknown_fields(plugin, &missing, input))
    }
}

/// Output column `i` is input column `columns[i]` under `fields[i]`; rows and kinds pass through.
pub(crate) struct Projection {
    output: Arc<TableSchema>,
    /// Input column index of each output column.
    columns: Vec<usize>,
}

impl Projection {
    /// A projection of `input`'s table (same path) onto `fields`, read from `columns`.
    pub(crate) fn boxed(
        input: &TableSchema,
        fields: Vec<Field>,
        columns: Vec<usize>,
    ) -> Box<dyn BoundTransform> {
        debug_assert_eq!(fields.len(), columns.len());
        Box::new(Projection {
            output: TableSchema::new(input.path.clone(), fields),
            columns,
        })
    }
}

impl BoundTransform for Projection {
    fn output_schema(&self) -> &Arc<TableSchema> {
        &self.output
    }

    fn process(&mut self, input: &Batch, out: &mut Batch) -> Result<(), ConnectorError> {
        for row in 0..input.len() {
            out.begin_row(input.kind(row));
            for &col in &self.columns {
                out.push_from(input, input.get(row, col));
            }
        }
        Ok(())
    }
}
