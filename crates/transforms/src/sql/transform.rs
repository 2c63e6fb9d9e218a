//! The `Sql` transform plugin: option handling, binding to an input table, and the per-batch
//! loop that filters and projects rows through the compiled plan.

use std::sync::Arc;

use seatunnel_connector::{
    BoundTransform, ConnectorError, Options, PluginContext, Transform, TransformFactory,
};
use seatunnel_data::{Batch, TableSchema};

use super::error::{EvalError, SqlError};
use super::expr::{Env, Row};
use super::plan::{self, Item, Plan};

/// The plugin name in job files (matched case-insensitively by the registry).
const PLUGIN: &str = "Sql";
const QUERY_KEY: &str = "query";
/// Keys naming the input table: the current one first, then SeaTunnel's older spelling.
const INPUT_KEYS: [&str; 2] = ["plugin_input", "source_table_name"];

/// Creates `Sql` transforms.
pub struct SqlFactory;

impl TransformFactory for SqlFactory {
    fn name(&self) -> &'static str {
        PLUGIN
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Transform>, ConnectorError> {
        let query = options.required_string(QUERY_KEY)?;
        // Syntax and statement shape do not depend on the input table: report them now.
        plan::parse(&query).map_err(|e| {
            if e.is_limit() {
                options.over_limit(QUERY_KEY, e.to_string())
            } else {
                options.invalid(QUERY_KEY, e.to_string())
            }
        })?;
        let mut input_names = Vec::new();
        for key in INPUT_KEYS {
            if let Some(names) = options.string_list(key)? {
                input_names.extend(names);
            }
        }
        Ok(Arc::new(SqlTransform { query, input_names }))
    }
}

struct SqlTransform {
    query: String,
    input_names: Vec<String>,
}

fn bind_error(query: &str, e: SqlError) -> ConnectorError {
    if e.is_limit() {
        // The query itself would be as long as what made it too deep: not repeated here.
        return ConnectorError::Limit {
            plugin: PLUGIN.to_string(),
            key: QUERY_KEY.to_string(),
            message: e.to_string(),
        };
    }
    ConnectorError::config(PLUGIN, format!("{e} (query: {})", query.trim()))
}

impl Transform for SqlTransform {
    fn bind(&self, input: &Arc<TableSchema>) -> Result<Box<dyn BoundTransform>, ConnectorError> {
        let plan = plan::plan(&self.query, input, &self.input_names)
            .map_err(|e| bind_error(&self.query, e))?;
        Ok(Box::new(BoundSql {
            plan,
            env: Env::new(),
        }))
    }
}

struct BoundSql {
    plan: Plan,
    env: Env,
}

/// A row failure: the Java-style exception text first (jobs are matched on it), then where.
fn runtime_error(e: EvalError, context: &str, text: &str) -> ConnectorError {
    ConnectorError::runtime(format!("{e}\n\tin Sql transform {context}: {text}"))
}

impl BoundTransform for BoundSql {
    fn output_schema(&self) -> &Arc<TableSchema> {
        &self.plan.output
    }

    fn process(&mut self, input: &Batch, out: &mut Batch) -> Result<(), ConnectorError> {
        let plan = &self.plan;
        for index in 0..input.len() {
            let row = Row {
                batch: input,
                index,
                env: &self.env,
            };
            if let Some((filter, text)) = &plan.filter {
                if !filter
                    .test(row)
                    .map_err(|e| runtime_error(e, "WHERE", text))?
                {
                    continue;
                }
            }
            let start = out.len();
            out.begin_row(input.kind(index));
            for item in &plan.items {
                match item {
                    Item::Copy(i) => out.push_from(input, input.get(index, *i)),
                    Item::Compute { expr, text } => {
                        if let Err(e) = expr.eval(row).and_then(|v| v.push(out, &expr.ty)) {
                            out.truncate_rows(start);
                            return Err(runtime_error(e, "expression", text));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
