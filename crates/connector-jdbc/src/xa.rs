//! Exactly-once through the database's own two-phase commit (`is_exactly_once = true`): XA on
//! MySQL/MariaDB, prepared transactions on PostgreSQL, as SeaTunnel's `JdbcExactlyOnceSinkWriter`
//! and `JdbcSinkAggregatedCommitter` do it.
//!
//! - A writer writes every row between two checkpoints into one transaction named
//!   `st-<job>-<pipeline>-<sink vertex>-<subtask>-<n>` (two sinks of one pipeline on one
//!   server never share a name), and prepares it when the checkpoint's barrier arrives;
//!   the name is the commit info. Prepared, it survives the connection, the worker and a
//!   database restart.
//! - The sink commits the names of a completed checkpoint from any node. A name the database no
//!   longer lists as prepared was committed by an earlier attempt of the same commit: the only
//!   other ends of our names are rollbacks of orphans and aborts, and both only ever take names
//!   no completed checkpoint covers. So commit is idempotent. (This needs prepared transactions
//!   to survive their session: MySQL 5.7.7+ and MariaDB 10.5+, checked at plan time.)
//! - The writer's checkpoint state is `next`, the first number no checkpoint covered. A writer
//!   that starts (fresh or restored) rolls back its own prepared transactions numbered `next` or
//!   higher: an earlier attempt prepared them for checkpoints that never completed. The restored
//!   checkpoint's own transactions are committed before writers start, so they are not listed.
//!
//! Invariant: a writer only ever rolls back names with its own job, pipeline and subtask.

use serde::{Deserialize, Serialize};

use crate::db::{Db, DbError};

/// What every name of ours starts with.
pub const PREFIX: &str = "st-";

/// The names one writer gives its transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    prefix: String,
}

impl Names {
    pub fn new(job_id: i64, pipeline: usize, vertex: usize, subtask: usize) -> Names {
        Names {
            prefix: format!(
                "{PREFIX}{}-{pipeline}-{vertex}-{subtask}-",
                job_id.unsigned_abs()
            ),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn xid(&self, n: u64) -> String {
        format!("{}{n}", self.prefix)
    }

    /// The number of one of this writer's names.
    pub fn number(&self, xid: &str) -> Option<u64> {
        xid.strip_prefix(&self.prefix)?.parse().ok()
    }

    /// Of the prepared names, those an earlier attempt left for checkpoints that never
    /// completed: this writer's, numbered `next` or higher.
    pub fn orphans(&self, prepared: &[String], next: u64) -> Vec<String> {
        prepared
            .iter()
            .filter(|x| self.number(x).is_some_and(|n| n >= next))
            .cloned()
            .collect()
    }
}

/// Whether a MySQL-protocol server keeps a prepared XA transaction once the session that
/// prepared it ends (MySQL 5.7.7+, MariaDB 10.5+), from `SELECT VERSION()`. Older servers roll
/// it back, which the commit would take for "already committed".
pub fn xa_survives_session(version: &str) -> bool {
    let numbers: Vec<u32> = version
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    let at_least = |want: [u32; 3]| numbers.as_slice() >= want.as_slice();
    if version.to_ascii_lowercase().contains("mariadb") {
        at_least([10, 5, 0])
    } else {
        at_least([5, 7, 7])
    }
}

/// A writer's state in a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriterState {
    /// The first transaction number no checkpoint covered.
    pub next: u64,
}

/// What a writer hands over at a checkpoint: its prepared transaction's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XaCommit {
    pub xid: String,
}

/// Commits the prepared transactions among `xids`, each tried `attempts` times; names no longer
/// prepared are already committed.
pub fn commit_all(db: &mut dyn Db, xids: &[String], attempts: usize) -> Result<(), DbError> {
    let prepared = db.xa_recover(PREFIX)?;
    for xid in xids.iter().filter(|x| prepared.contains(x)) {
        let mut tried = 0;
        loop {
            tried += 1;
            match db.xa_commit(xid) {
                Ok(()) => break,
                Err(e) if tried >= attempts.max(1) => {
                    return Err(DbError::Driver(format!(
                        "cannot commit prepared transaction {xid} after {tried} attempts: {e}"
                    )))
                }
                Err(_) => {}
            }
        }
    }
    Ok(())
}

/// Rolls back the prepared transactions among `xids`; names no longer prepared are already gone.
pub fn rollback_all(db: &mut dyn Db, xids: &[String]) -> Result<(), DbError> {
    let prepared = db.xa_recover(PREFIX)?;
    for xid in xids.iter().filter(|x| prepared.contains(x)) {
        db.xa_rollback(xid)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_job_pipeline_subtask_and_number() {
        let names = Names::new(1234, 2, 5, 0);
        assert_eq!(names.xid(7), "st-1234-2-5-0-7");
        assert_eq!(names.number("st-1234-2-5-0-7"), Some(7));
        assert_eq!(names.number("st-1234-2-5-01-7"), None);
        assert_eq!(Names::new(1234, 2, 5, 1).number("st-1234-2-5-0-7"), None);
        assert_eq!(
            Names::new(1234, 2, 6, 0).number("st-1234-2-5-0-7"),
            None,
            "another sink"
        );
    }

    #[test]
    fn prepared_xa_transactions_survive_their_session_from_mysql_5_7_7_and_mariadb_10_5() {
        assert!(xa_survives_session("10.11.19-MariaDB-0+deb12u1"));
        assert!(!xa_survives_session("10.4.32-MariaDB"));
        assert!(xa_survives_session("8.0.32"));
        assert!(xa_survives_session("5.7.7-log"));
        assert!(!xa_survives_session("5.7.6"));
        assert!(!xa_survives_session("5.6.51"));
    }

    #[test]
    fn orphans_are_this_writers_names_from_next_on() {
        let names = Names::new(9, 1, 2, 3);
        let prepared: Vec<String> = [
            "st-9-1-2-3-4",
            "st-9-1-2-3-5",
            "st-9-1-2-3-9",
            "st-9-1-2-30-9",
            "st-9-1-1-3-9",
            "st-8-1-2-3-9",
            "other",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(
            names.orphans(&prepared, 5),
            ["st-9-1-2-3-5", "st-9-1-2-3-9"]
        );
    }
}
