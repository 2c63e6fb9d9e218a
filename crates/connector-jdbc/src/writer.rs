//! The Jdbc sink writer: rows buffered per input table up to `batch_size`, then written in one
//! transaction per flush, in row order, each row by its kind (SeaTunnel's buffered executors:
//! inserts and update-afters upsert, deletes and update-befores delete by primary key; without
//! a key, or with the job's own `query`, every row runs the one statement).
//!
//! A failed flush is rolled back and retried `max_retries` times on a new connection; after that
//! the task fails with the driver's message, and the pipeline restarts from its checkpoint.
//!
//! With `is_exactly_once`, flushes write into the one transaction of the current checkpoint
//! interval instead, prepared at the checkpoint and committed by the sink (`xa.rs`); a failed
//! flush fails the task at once, as the transaction went with its connection.

use std::collections::HashMap;
use std::sync::Arc;

use seatunnel_connector::{CommitInfo, ConnectorError, SinkWriter, WriterContext};
use seatunnel_data::{Batch, RowKind, TablePath};

use crate::db::{self, Db, DbError};
use crate::sink::{SinkConfig, WritePlan};
use crate::url::Dialect;
use crate::xa::{Names, WriterState, XaCommit};

struct Buffered {
    rows: Batch,
    plan: WritePlan,
}

pub struct JdbcWriter {
    config: Arc<SinkConfig>,
    db: Option<Box<dyn Db>>,
    tables: HashMap<TablePath, Buffered>,
    /// Set with `is_exactly_once`.
    xa: Option<Xa>,
}

/// The exactly-once writer's transactions.
struct Xa {
    names: Names,
    /// The number the next transaction gets.
    next: u64,
    /// The transaction rows are being written into, until the checkpoint prepares it.
    open: Option<String>,
}

fn runtime(e: DbError) -> ConnectorError {
    e.to_connector(format!("jdbc sink: {e}"))
}

impl JdbcWriter {
    pub(crate) fn new(
        config: Arc<SinkConfig>,
        ctx: &WriterContext,
    ) -> Result<JdbcWriter, ConnectorError> {
        let mut writer = JdbcWriter {
            config,
            db: None,
            tables: HashMap::new(),
            xa: None,
        };
        if writer.config.exactly_once {
            let next = match &ctx.restored {
                Some(state) => serde_json::from_value::<WriterState>(state.clone())
                    .map_err(|e| ConnectorError::runtime(format!("jdbc sink: the checkpoint's writer state is not ours ({e}); the checkpoint is from another job")))?
                    .next,
                None => 0,
            };
            let names = Names::new(
                ctx.job_id,
                ctx.pipeline_id,
                ctx.vertex_id,
                ctx.subtask_index,
            );
            let db = writer
                .db
                .insert(db::connect(&writer.config.connection.spec).map_err(runtime)?);
            let prepared = db.xa_recover(names.prefix()).map_err(runtime)?;
            for xid in names.orphans(&prepared, next) {
                db.xa_rollback(&xid).map_err(runtime)?;
            }
            writer.xa = Some(Xa {
                names,
                next,
                open: None,
            });
        }
        Ok(writer)
    }

    /// Writes a table's buffered rows into the open transaction, beginning it if none is.
    fn flush_exactly_once(&mut self, path: &TablePath) -> Result<(), ConnectorError> {
        let (Some(xa), Some(buffered)) = (self.xa.as_mut(), self.tables.get_mut(path)) else {
            return Ok(());
        };
        if buffered.rows.is_empty() {
            return Ok(());
        }
        if self.db.is_none() && xa.open.is_none() {
            // Between transactions (after a MariaDB prepare, below): a new connection is fine.
            self.db = Some(db::connect(&self.config.connection.spec).map_err(runtime)?);
        }
        let db = self.db.as_mut().ok_or_else(|| {
            ConnectorError::unavailable("jdbc sink: the exactly-once transaction was lost with its connection; the pipeline restarts from its checkpoint")
        })?;
        let result = (|| {
            if xa.open.is_none() {
                let xid = xa.names.xid(xa.next);
                db.xa_begin(&xid)?;
                xa.open = Some(xid);
            }
            write_runs(db.as_mut(), &buffered.rows, &buffered.plan)
        })();
        if let Err(e) = result {
            self.db = None;
            return Err(e.to_connector(format!(
                "jdbc sink: writing {} rows to table {path} in transaction {} failed: {e}",
                buffered.rows.len(),
                xa.open.as_deref().unwrap_or("(not begun)")
            )));
        }
        buffered.rows.clear();
        Ok(())
    }

    fn flush(&mut self, path: &TablePath) -> Result<(), ConnectorError> {
        if self.xa.is_some() {
            return self.flush_exactly_once(path);
        }
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
                None => self
                    .db
                    .insert(db::connect(&self.config.connection.spec).map_err(runtime)?),
            };
            match write_all(db.as_mut(), &buffered.rows, &buffered.plan) {
                Ok(()) => break,
                Err(e) => {
                    // The connection may be broken or mid-transaction: never reuse it.
                    if let Some(mut db) = self.db.take() {
                        let _ = db.execute("ROLLBACK");
                    }
                    if attempt >= self.config.max_retries {
                        return Err(e.to_connector(format!(
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

/// Writes every buffered row in one transaction.
fn write_all(db: &mut dyn Db, rows: &Batch, plan: &WritePlan) -> Result<(), DbError> {
    db.execute("BEGIN")?;
    write_runs(db, rows, plan)?;
    db.execute("COMMIT")
}

/// Writes the rows in order, consecutive rows of one action together.
fn write_runs(db: &mut dyn Db, rows: &Batch, plan: &WritePlan) -> Result<(), DbError> {
    if let Some(copy) = &plan.copy {
        let all: Vec<usize> = (0..rows.len()).collect();
        return db.copy_in(copy, rows, &all, &plan.upsert_cols);
    }
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
    Ok(())
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
        let Some(xa) = self.xa.as_mut() else {
            return Ok(None);
        };
        let Some(xid) = xa.open.take() else {
            return Ok(None);
        };
        let db = self
            .db
            .as_mut()
            .expect("an open transaction has its connection");
        db.xa_prepare(&xid).map_err(|e| {
            e.to_connector(format!("jdbc sink: cannot prepare transaction {xid}: {e}"))
        })?;
        xa.next += 1;
        if self.config.dialect() == Dialect::MySql {
            // MariaDB keeps a prepared XA transaction attached to its session until the session
            // ends, and other sessions (the sink's commit) get XAER_NOTA until then; MySQL
            // detaches it at once. Ending the session suits both.
            self.db = None;
        }
        Ok(Some(
            serde_json::to_value(XaCommit { xid }).expect("serializes"),
        ))
    }

    fn snapshot(&mut self, _checkpoint: u64) -> Result<Option<serde_json::Value>, ConnectorError> {
        Ok(self
            .xa
            .as_ref()
            .map(|xa| serde_json::to_value(WriterState { next: xa.next }).expect("serializes")))
    }
}
