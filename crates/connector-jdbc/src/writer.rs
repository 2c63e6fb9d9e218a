//! The Jdbc sink writer: rows buffered per input table up to `batch_size`, then written in one
//! transaction per flush, in row order, each row by its kind (SeaTunnel's buffered executors:
//! inserts and update-afters upsert, deletes and update-befores delete by primary key; without
//! a key, or with the job's own `query`, every row runs the one statement).
//!
//! A failed flush is rolled back and retried `max_retries` times on a new connection; after that
//! the task fails with the driver's message, and the pipeline restarts from its checkpoint.

use std::collections::HashMap;
use std::sync::Arc;

use seatunnel_connector::{CommitInfo, ConnectorError, SinkWriter};
use seatunnel_data::{Batch, RowKind, TablePath};

use crate::db::{self, Db, DbError};
use crate::sink::{SinkConfig, WritePlan};

struct Buffered {
    rows: Batch,
    plan: WritePlan,
}

pub struct JdbcWriter {
    config: Arc<SinkConfig>,
    db: Option<Box<dyn Db>>,
    tables: HashMap<TablePath, Buffered>,
}

impl JdbcWriter {
    pub(crate) fn new(config: Arc<SinkConfig>) -> JdbcWriter {
        JdbcWriter {
            config,
            db: None,
            tables: HashMap::new(),
        }
    }

    fn flush(&mut self, path: &TablePath) -> Result<(), ConnectorError> {
        let Some(buffered) = self.tables.get_mut(path) else {
            return Ok(());
        };
        if buffered.rows.is_empty() {
            return Ok(());
        }
        let mut attempt = 0;
        loop {
            let db = match &mut self.db {
                Some(db) => db,
                None => self.db.insert(
                    db::connect(&self.config.connection.spec)
                        .map_err(|e| ConnectorError::runtime(format!("jdbc sink: {e}")))?,
                ),
            };
            match write_all(db.as_mut(), &buffered.rows, &buffered.plan) {
                Ok(()) => break,
                Err(e) => {
                    // The connection may be broken or mid-transaction: never reuse it.
                    if let Some(mut db) = self.db.take() {
                        let _ = db.execute("ROLLBACK");
                    }
                    if attempt >= self.config.max_retries {
                        return Err(ConnectorError::runtime(format!(
                            "jdbc sink: writing {} rows to table {path} failed: {e}",
                            buffered.rows.len()
                        )));
                    }
                    attempt += 1;
                }
            }
        }
        buffered.rows.clear();
        Ok(())
    }
}

/// Writes every buffered row in one transaction, consecutive rows of one action together.
fn write_all(db: &mut dyn Db, rows: &Batch, plan: &WritePlan) -> Result<(), DbError> {
    db.execute("BEGIN")?;
    let mut run: Vec<usize> = Vec::new();
    let mut run_deletes = false;
    for r in 0..rows.len() {
        let delete = plan.delete.is_some()
            && matches!(rows.kind(r), RowKind::Delete | RowKind::UpdateBefore);
        if delete != run_deletes && !run.is_empty() {
            write_run(db, rows, plan, &run, run_deletes)?;
            run.clear();
        }
        run_deletes = delete;
        run.push(r);
    }
    if !run.is_empty() {
        write_run(db, rows, plan, &run, run_deletes)?;
    }
    db.execute("COMMIT")
}

fn write_run(
    db: &mut dyn Db,
    rows: &Batch,
    plan: &WritePlan,
    run: &[usize],
    deletes: bool,
) -> Result<(), DbError> {
    match (&plan.delete, deletes) {
        (Some((sql, cols)), true) => db.write(sql, rows, run, cols),
        _ => db.write(&plan.upsert, rows, run, &plan.upsert_cols),
    }
}

impl SinkWriter for JdbcWriter {
    fn write(&mut self, batch: &Batch) -> Result<(), ConnectorError> {
        let path = batch.schema().path.clone();
        if !self.tables.contains_key(&path) {
            let plan = self
                .config
                .plan(batch.schema())
                .map_err(ConnectorError::runtime)?;
            let rows = Batch::with_capacity(batch.schema().clone(), self.config.batch_size);
            self.tables.insert(path.clone(), Buffered { rows, plan });
        }
        for r in 0..batch.len() {
            let buffered = self.tables.get_mut(&path).expect("inserted above");
            buffered.rows.push_row_from(batch, r);
            if buffered.rows.len() >= self.config.batch_size {
                self.flush(&path)?;
            }
        }
        Ok(())
    }

    fn prepare_commit(&mut self) -> Result<Option<CommitInfo>, ConnectorError> {
        let paths: Vec<TablePath> = self.tables.keys().cloned().collect();
        for path in paths {
            self.flush(&path)?;
        }
        Ok(None)
    }
}
