//! `Assert`: a sink that fails the job when the data breaks declared rules.
//!
//! Field rules are checked on every row as it arrives (a failure fails the writing task, as in
//! SeaTunnel). Row-count rules and `table-names` are about the whole sink vertex, so writers add
//! their counts to state shared through the [`Sink`] and [`Sink::finish`] checks them once every
//! writer has closed. `catalog_table_rule` is checked at plan time in [`Sink::check_input`].
//!
//! Failure texts follow SeaTunnel's (`ErrorCode:[ASSERT-01], ErrorDescription:[Rule validate
//! failed] - row :… fail rule: …`), because users and tests search logs for them.

mod catalog;
mod check;
mod rules;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use seatunnel_connector::{
    CommitInfo, ConnectorError, Options, PluginContext, Sink, SinkFactory, SinkWriter,
    WriterContext,
};
use seatunnel_data::{Batch, TableSchema};

use check::BoundRule;
use rules::{AssertRules, RuleType, Scope, ValueRule};

/// SeaTunnel's `AssertConnectorErrorCode.RULE_VALIDATION_FAILED`, prefixed to rule failures.
const RULE_FAILED: &str = "ErrorCode:[ASSERT-01], ErrorDescription:[Rule validate failed]";

/// The registry entry for `Assert`.
pub struct AssertSinkFactory;

impl SinkFactory for AssertSinkFactory {
    fn name(&self) -> &'static str {
        "Assert"
    }

    fn create(
        &self,
        _ctx: &PluginContext,
        options: &Options,
    ) -> Result<Arc<dyn Sink>, ConnectorError> {
        Ok(Arc::new(AssertSink::new(options)?))
    }
}

/// What all writers of one Assert vertex add up.
#[derive(Debug, Default)]
struct Totals {
    /// Committed rows per table full name.
    rows: HashMap<String, u64>,
    /// `(writer, seq)` of every count committed, so a commit repeated after a failover (commits
    /// must be idempotent) does not count twice.
    committed: HashSet<(u64, u64)>,
    /// Tables named at plan time by `check_input`.
    inputs: Vec<String>,
}

#[derive(Debug)]
pub struct AssertSink {
    plugin: String,
    rules: Arc<AssertRules>,
    totals: Arc<Mutex<Totals>>,
}

impl AssertSink {
    pub fn new(options: &Options) -> Result<AssertSink, ConnectorError> {
        Ok(AssertSink {
            plugin: options.plugin().to_string(),
            rules: Arc::new(rules::parse_rules(options)?),
            totals: Arc::default(),
        })
    }

    fn totals(&self) -> std::sync::MutexGuard<'_, Totals> {
        self.totals.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `row num :N fail rule: …` for the first row rule `count` breaks. Rule types other than the
/// row counts never fail here, as in SeaTunnel.
fn row_rule_failure(rules: &[ValueRule], count: u64) -> Option<String> {
    let limit = |r: &ValueRule| r.rule_value.unwrap_or_default();
    rules
        .iter()
        .find(|r| match r.rule_type {
            Some(RuleType::MaxRow) => count as f64 > limit(r),
            Some(RuleType::MinRow) => (count as f64) < limit(r),
            _ => false,
        })
        .map(|r| format!("{RULE_FAILED} - row num :{count} fail rule: {r}"))
}

impl Sink for AssertSink {
    fn check_input(&self, tables: &[Arc<TableSchema>]) -> Result<(), ConnectorError> {
        for table in tables {
            let name = table.path.full_name();
            if let Some(catalog) = self.rules.for_table(&name).and_then(|r| r.catalog.as_ref()) {
                catalog.check(table).map_err(|m| {
                    ConnectorError::config(
                        &self.plugin,
                        format!("catalog_table_rule failed for table {name}: {m}"),
                    )
                })?;
            }
        }
        let mut totals = self.totals();
        for table in tables {
            let name = table.path.full_name();
            if !totals.inputs.contains(&name) {
                totals.inputs.push(name);
            }
        }
        Ok(())
    }

    /// Starts the counts from zero, so a run restarted after a failover does not count the rows
    /// of the failed attempt.
    fn setup(&self, _tables: &[Arc<TableSchema>]) -> Result<(), ConnectorError> {
        let mut totals = self.totals();
        totals.rows.clear();
        totals.committed.clear();
        Ok(())
    }

    fn create_writer(&self, ctx: &WriterContext) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        Ok(Box::new(AssertWriter {
            rules: self.rules.clone(),
            writer: ctx.subtask_index as u64,
            seq: 0,
            pending: BTreeMap::new(),
            bound: HashMap::new(),
        }))
    }

    /// Adds the writers' counts. Counts travel as commit infos rather than through shared
    /// memory, so the totals are right wherever the writers ran (other workers in separated
    /// mode) and count only committed rows.
    fn commit(&self, infos: Vec<CommitInfo>) -> Result<(), ConnectorError> {
        let mut totals = self.totals();
        for info in infos {
            let counted: RowCounts = serde_json::from_value(info).map_err(|e| {
                ConnectorError::runtime(format!(
                    "{}: unreadable row counts from a writer: {e}",
                    self.plugin
                ))
            })?;
            if !totals.committed.insert((counted.writer, counted.seq)) {
                continue;
            }
            for (table, n) in counted.rows {
                *totals.rows.entry(table).or_default() += n;
            }
        }
        Ok(())
    }

    fn finish(&self) -> Result<(), ConnectorError> {
        let totals = self.totals();
        let count = |name: &str| totals.rows.get(name).copied().unwrap_or(0);
        match &self.rules.scope {
            Scope::EveryTable(rules) if !rules.row_rules.is_empty() => {
                let mut names: BTreeSet<&str> = totals.inputs.iter().map(String::as_str).collect();
                names.extend(totals.rows.keys().map(String::as_str));
                if names.is_empty() {
                    names.insert("");
                }
                for name in names {
                    if let Some(failure) = row_rule_failure(&rules.row_rules, count(name)) {
                        return Err(ConnectorError::runtime(failure));
                    }
                }
            }
            Scope::EveryTable(_) => {}
            Scope::PerTable(tables) => {
                for (name, rules) in tables {
                    if let Some(failure) = row_rule_failure(&rules.row_rules, count(name)) {
                        return Err(ConnectorError::runtime(failure));
                    }
                }
            }
        }
        let expected: BTreeSet<&str> = self.rules.table_names.iter().map(String::as_str).collect();
        let seen: BTreeSet<&str> = totals.rows.keys().map(String::as_str).collect();
        if !expected.is_empty() && expected != seen {
            return Err(ConnectorError::runtime(format!(
                "{RULE_FAILED} - table names: [{}] is not equal to [{}]",
                seen.into_iter().collect::<Vec<_>>().join(", "),
                self.rules.table_names.join(", ")
            )));
        }
        Ok(())
    }
}

/// What a writer hands to the committer: rows per table since its previous hand-over.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct RowCounts {
    writer: u64,
    seq: u64,
    rows: BTreeMap<String, u64>,
}

/// One parallel writer: checks field rules per row and reports row counts per table.
struct AssertWriter {
    rules: Arc<AssertRules>,
    /// This writer's subtask index (distinct per sink vertex).
    writer: u64,
    /// Hand-overs so far; with `writer` it names each count once.
    seq: u64,
    /// Rows per table not yet handed over.
    pending: BTreeMap<String, u64>,
    /// Field rules resolved per table (by full name), on the table's first batch.
    bound: HashMap<String, Arc<Vec<BoundRule>>>,
}

impl AssertWriter {
    fn bound_for(
        &mut self,
        schema: &Arc<TableSchema>,
        name: &str,
    ) -> Result<Arc<Vec<BoundRule>>, ConnectorError> {
        if let Some(b) = self.bound.get(name) {
            return Ok(b.clone());
        }
        let field_rules = self
            .rules
            .for_table(name)
            .map(|r| r.field_rules.as_slice())
            .unwrap_or_default();
        let bound = Arc::new(check::bind(field_rules, schema).map_err(ConnectorError::runtime)?);
        self.bound.insert(name.to_string(), bound.clone());
        Ok(bound)
    }
}

/// SeaTunnel's `SeaTunnelRow.toString`, as its Assert failures print the row.
fn row_text(batch: &Batch, row: usize) -> String {
    let mut out = format!(
        "SeaTunnelRow{{tableId={}, kind={}, fields=[",
        batch.schema().path,
        batch.kind(row).short()
    );
    for (i, v) in batch.row_values(row).iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{v}");
    }
    out.push_str("]}");
    out
}

impl SinkWriter for AssertWriter {
    fn write(&mut self, batch: &Batch) -> Result<(), ConnectorError> {
        let name = batch.schema().path.full_name();
        let bound = self.bound_for(batch.schema(), &name)?;
        if !bound.is_empty() {
            for row in 0..batch.len() {
                if let Some(failed) = check::first_failure(&bound, batch, row) {
                    return Err(ConnectorError::runtime(format!(
                        "{RULE_FAILED} - row :{} fail rule: {}",
                        row_text(batch, row),
                        failed.rule
                    )));
                }
            }
        }
        if !batch.is_empty() {
            *self.pending.entry(name).or_default() += batch.len() as u64;
        }
        Ok(())
    }

    fn prepare_commit(&mut self) -> Result<Option<CommitInfo>, ConnectorError> {
        if self.pending.is_empty() {
            return Ok(None);
        }
        let counts = RowCounts {
            writer: self.writer,
            seq: self.seq,
            rows: std::mem::take(&mut self.pending),
        };
        self.seq += 1;
        serde_json::to_value(counts)
            .map(Some)
            .map_err(|e| ConnectorError::runtime(format!("cannot encode row counts: {e}")))
    }
}

#[cfg(test)]
mod corpus_tests;
