//! `FilterRowKind`: keeps or drops rows by their changelog kind (`include_kinds` or
//! `exclude_kinds`, values `INSERT`, `UPDATE_BEFORE`, `UPDATE_AFTER`, `DELETE`), as SeaTunnel's
//! `FilterRowKindTransform` does. The schema passes through unchanged.

use std::sync::Arc;

use seatunnel_connector::{
    BoundTransform, ConnectorError, Options, PluginContext, Transform, TransformFactory,
};
use seatunnel_data::{Batch, RowKind, TableSchema};

const INCLUDE_KINDS: &str = "include_kinds";
const EXCLUDE_KINDS: &str = "exclude_kinds";
/// SeaTunnel's per-table variant, which this engine does not implement.
const TABLE_TRANSFORM: &str = "table_transform";

/// Which kinds pass, indexed by [`slot`].
type KindSet = [bool; 4];

fn slot(kind: RowKind) -> usize {
    match kind {
        RowKind::Insert => 0,
        RowKind::UpdateBefore => 1,
        RowKind::UpdateAfter => 2,
        RowKind::Delete => 3,
    }
}

pub struct FilterRowKindFactory;

impl TransformFactory for FilterRowKindFactory {
    fn name(&self) -> &'static str {
        "FilterRowKind"
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Transform>, ConnectorError> {
        options.refuse(
            TABLE_TRANSFORM,
            "per-table row kinds; use one FilterRowKind per table",
        )?;
        let include = kinds(options, INCLUDE_KINDS)?;
        let exclude = kinds(options, EXCLUDE_KINDS)?;
        let keep = match (include, exclude) {
            (Some(_), Some(_)) => {
                return Err(options.invalid(
                    EXCLUDE_KINDS,
                    "cannot be combined with 'include_kinds'; set only one of them",
                ))
            }
            (None, None) => {
                return Err(ConnectorError::config(
                    options.plugin(),
                    "set 'include_kinds' (the row kinds to keep) or 'exclude_kinds' (the row kinds to drop)",
                ))
            }
            (Some(listed), None) => listed,
            (None, Some(listed)) => listed.map(|dropped| !dropped),
        };
        Ok(Arc::new(FilterRowKind { keep }))
    }
}

/// Reads a non-empty list of kinds into a set; `None` when the option is absent.
fn kinds(options: &Options, key: &str) -> Result<Option<KindSet>, ConnectorError> {
    let Some(names) = options.string_list(key)? else {
        return Ok(None);
    };
    if names.is_empty() {
        return Err(options.invalid(key, "must list at least one row kind"));
    }
    let mut set = [false; 4];
    for name in &names {
        let kind = RowKind::parse(name).ok_or_else(|| {
            options.invalid(
                key,
                format!("has unknown row kind '{name}'; use INSERT, UPDATE_BEFORE, UPDATE_AFTER or DELETE"),
            )
        })?;
        set[slot(kind)] = true;
    }
    Ok(Some(set))
}

struct FilterRowKind {
    keep: KindSet,
}

impl Transform for FilterRowKind {
    fn bind(&self, input: &Arc<TableSchema>) -> Result<Box<dyn BoundTransform>, ConnectorError> {
        Ok(Box::new(BoundFilterRowKind {
            output: input.clone(),
            keep: self.keep,
        }))
    }
}

struct BoundFilterRowKind {
    output: Arc<TableSchema>,
    keep: KindSet,
}

impl BoundTransform for BoundFilterRowKind {
    fn output_schema(&self) -> &Arc<TableSchema> {
        &self.output
    }

    fn process(&mut self, input: &Batch, out: &mut Batch) -> Result<(), ConnectorError> {
        for row in 0..input.len() {
            if self.keep[slot(input.kind(row))] {
                out.push_row_from(input, row);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::tests::run;
    use seatunnel_data::Value;
    use serde_json::{json, Value as Json};

    fn kinds_after(options: Json) -> Vec<RowKind> {
        let out = run(&FilterRowKindFactory, options).unwrap();
        assert_eq!(out.schema().field_names(), vec!["id", "name", "age"]);
        (0..out.len()).map(|r| out.kind(r)).collect()
    }

    fn err(options: Json) -> String {
        run(&FilterRowKindFactory, options).unwrap_err().to_string()
    }

    #[test]
    fn include_and_exclude_select_rows_by_kind() {
        assert_eq!(
            kinds_after(json!({"include_kinds": ["INSERT"]})),
            vec![RowKind::Insert]
        );
        assert_eq!(
            kinds_after(json!({"exclude_kinds": ["INSERT"]})),
            vec![RowKind::Delete]
        );
        assert_eq!(
            kinds_after(json!({"exclude_kinds": ["DELETE"]})),
            vec![RowKind::Insert]
        );
        assert_eq!(
            kinds_after(json!({"include_kinds": ["UPDATE_AFTER", "delete", "INSERT"]})),
            vec![RowKind::Insert, RowKind::Delete]
        );
        assert!(kinds_after(json!({"include_kinds": ["UPDATE_BEFORE"]})).is_empty());
    }

    #[test]
    fn kept_rows_keep_their_values() {
        let out = run(&FilterRowKindFactory, json!({"exclude_kinds": ["INSERT"]})).unwrap();
        assert_eq!(
            out.row_values(0),
            vec![Value::Int(2), Value::String("bob".into()), Value::Null]
        );
    }

    #[test]
    fn errors_name_the_option() {
        assert_eq!(
            err(json!({"include_kinds": ["INSERT"], "exclude_kinds": ["DELETE"]})),
            "plugin FilterRowKind: option 'exclude_kinds' cannot be combined with 'include_kinds'; set only one of them"
        );
        assert_eq!(
            err(json!({})),
            "plugin FilterRowKind: set 'include_kinds' (the row kinds to keep) or 'exclude_kinds' (the row kinds to drop)"
        );
        assert_eq!(
            err(json!({"include_kinds": []})),
            "plugin FilterRowKind: option 'include_kinds' must list at least one row kind"
        );
        assert_eq!(
            err(json!({"exclude_kinds": ["UPSERT"]})),
            "plugin FilterRowKind: option 'exclude_kinds' has unknown row kind 'UPSERT'; use INSERT, UPDATE_BEFORE, UPDATE_AFTER or DELETE"
        );
        assert_eq!(
            err(json!({"table_transform": []})),
            "plugin FilterRowKind: option 'table_transform' not supported: per-table row kinds; use one FilterRowKind per table"
        );
    }
}
