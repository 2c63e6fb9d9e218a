//! Splits and the FakeSource reader.
//!
//! SeaTunnel's enumerator gives every reader `row.num` rows of each table, cut into splits of
//! `ceil(row.num / split.num)` rows (the last one shorter; so there may be fewer than
//! `split.num` splits). A reader emits its splits one after the other and waits
//! `split.read-interval` between two splits. A split of a table with explicit `rows` emits all of
//! those rows, whatever its size, as SeaTunnel 2.3.8 does.

use std::collections::VecDeque;
use std::sync::Arc;

use super::generator::{Rng, RowGen};
use super::options::TableConfig;
use seatunnel_connector::{ConnectorError, Poll, SourceReader, SourceSplit};
use seatunnel_data::Batch;

/// Rows emitted per poll: large enough to amortise the per-batch work downstream, small enough
/// that a batch stays in cache.
pub const BATCH_ROWS: usize = 4096;

/// One table of a running FakeSource, shared by its readers.
#[derive(Debug)]
pub struct TableRuntime {
    pub config: TableConfig,
    pub rows: RowGen,
}

/// A split: `rows` rows (or the explicit rows) of table `table`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Split {
    pub table: usize,
    pub rows: usize,
}

/// The row counts of the splits one reader gets for one table.
pub fn split_sizes(row_num: usize, split_num: usize) -> Vec<usize> {
    if row_num == 0 {
        return Vec::new();
    }
    let per_split = row_num.div_ceil(split_num.max(1));
    (0..row_num)
        .step_by(per_split)
        .map(|start| per_split.min(row_num - start))
        .collect()
}

/// The splits of one reader, table by table.
pub fn plan(tables: &[Arc<TableRuntime>]) -> Vec<Split> {
    tables
        .iter()
        .enumerate()
        .flat_map(|(table, t)| {
            split_sizes(t.config.row_num, t.config.split_num)
                .into_iter()
                .map(move |rows| Split { table, rows })
        })
        .collect()
}

/// A split's progress as checkpoints keep it: `done` of its rows are out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Progress {
    #[serde(flatten)]
    split: Split,
    done: usize,
}

/// Every reader's splits (each reader gets every table's `row.num` rows, as SeaTunnel's
/// enumerator gives them), ids `<reader>-<n>`.
pub fn enumerate(tables: &[Arc<TableRuntime>], parallelism: usize) -> Vec<Vec<SourceSplit>> {
    (0..parallelism)
        .map(|reader| {
            plan(tables)
                .into_iter()
                .enumerate()
                .map(|(n, split)| to_source_split(&format!("{reader}-{n}"), split, 0))
                .collect()
        })
        .collect()
}

fn to_source_split(id: &str, split: Split, done: usize) -> SourceSplit {
    SourceSplit {
        id: id.to_string(),
        state: serde_json::to_value(Progress { split, done }).expect("plain numbers serialize"),
    }
}

/// A split given to a reader, with its progress.
#[derive(Debug, Clone)]
struct Assigned {
    id: String,
    split: Split,
    done: usize,
}

impl Assigned {
    fn parse(s: SourceSplit, tables: &[Arc<TableRuntime>]) -> Result<Assigned, ConnectorError> {
        let p: Progress = serde_json::from_value(s.state).map_err(|e| {
            ConnectorError::runtime(format!(
                "FakeSource: split {} cannot be restored: {e}; the checkpoint was not written by this source",
                s.id
            ))
        })?;
        let Some(table) = tables.get(p.split.table) else {
            return Err(ConnectorError::runtime(format!(
                "FakeSource: split {} reads table {} but the source has {}; the job's tables changed since the checkpoint, so submit it without restoring",
                s.id,
                p.split.table,
                tables.len()
            )));
        };
        let len = table.config.rows.as_ref().map_or(p.split.rows, Vec::len);
        if p.done > len {
            return Err(ConnectorError::runtime(format!(
                "FakeSource: split {} emitted {} rows but has {len} now; the job's rows changed since the checkpoint, so submit it without restoring",
                s.id, p.done
            )));
        }
        Ok(Assigned {
            id: s.id,
            split: p.split,
            done: p.done,
        })
    }
}

#[derive(Debug)]
pub struct FakeReader {
    tables: Arc<Vec<Arc<TableRuntime>>>,
    /// Splits not started yet, or restored part-way (their `done` rows are skipped).
    splits: VecDeque<Assigned>,
    /// The split being emitted, `done` counting its rows out.
    current: Option<Assigned>,
    /// A split has been emitted and the next one must wait `split.read-interval` first.
    wait_before_next: bool,
    rng: Rng,
    scratch: String,
}

impl FakeReader {
    pub fn new(
        tables: Arc<Vec<Arc<TableRuntime>>>,
        rng: Rng,
        splits: Vec<SourceSplit>,
    ) -> Result<FakeReader, ConnectorError> {
        let splits = splits
            .into_iter()
            .map(|s| Assigned::parse(s, &tables))
            .collect::<Result<_, _>>()?;
        Ok(FakeReader {
            tables,
            splits,
            current: None,
            wait_before_next: false,
            rng,
            scratch: String::new(),
        })
    }

    fn fill(
        &mut self,
        split: Split,
        done: usize,
        out: &mut Batch,
    ) -> Result<usize, ConnectorError> {
        let table = &self.tables[split.table];
        let schema = &table.config.parsed.schema;
        if !Arc::ptr_eq(out.schema(), schema) {
            out.reset(schema.clone());
        }
        match &table.config.rows {
            Some(rows) => {
                let end = rows.len().min(done + BATCH_ROWS);
                for row in &rows[done..end] {
                    out.begin_row(row.kind);
                    for v in &row.values {
                        out.push_value(v);
                    }
                }
                Ok(end - done)
            }
            None => {
                let n = (split.rows - done).min(BATCH_ROWS);
                for _ in 0..n {
                    table.rows.push_row(&mut self.rng, &mut self.scratch, out)?;
                }
                Ok(n)
            }
        }
    }

    fn split_len(&self, split: Split) -> usize {
        match &self.tables[split.table].config.rows {
            Some(rows) => rows.len(),
            None => split.rows,
        }
    }
}

impl SourceReader for FakeReader {
    fn poll(&mut self, out: &mut Batch) -> Result<Poll, ConnectorError> {
        loop {
            let mut current = match self.current.take() {
                Some(c) => c,
                None => {
                    let Some(next) = self.splits.front() else {
                        return Ok(Poll::Finished);
                    };
                    let interval = self.tables[next.split.table].config.split_read_interval;
                    if self.wait_before_next && !interval.is_zero() {
                        self.wait_before_next = false;
                        return Ok(Poll::Idle(interval));
                    }
                    self.splits.pop_front().expect("a front split")
                }
            };
            let emitted = self.fill(current.split, current.done, out)?;
            current.done += emitted;
            if current.done >= self.split_len(current.split) {
                self.wait_before_next = true;
            } else {
                self.current = Some(current);
            }
            if emitted > 0 {
                return Ok(Poll::Emitted);
            }
        }
    }

    fn snapshot(&self) -> Result<Vec<SourceSplit>, ConnectorError> {
        Ok(self
            .current
            .iter()
            .chain(&self.splits)
            .map(|a| to_source_split(&a.id, a.split, a.done))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_sizes_follow_the_enumerator() {
        assert_eq!(split_sizes(5, 1), vec![5]);
        assert_eq!(split_sizes(100, 5), vec![20; 5]);
        assert_eq!(split_sizes(10, 3), vec![4, 4, 2]);
        // ceil(5/4) = 2 rows per split gives only three splits.
        assert_eq!(split_sizes(5, 4), vec![2, 2, 1]);
        assert!(split_sizes(0, 3).is_empty());
    }
}
