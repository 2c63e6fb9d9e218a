//! Job metrics as SeaTunnel reports them: row and byte counts at the source output and the sink
//! input, in total and per table, plus rates over the job's running time.
//!
//! Counting is per batch on relaxed atomics; a task caches its table counters so the hot path
//! takes no lock.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Debug, Default)]
pub struct Counter {
    rows: AtomicU64,
    bytes: AtomicU64,
}

impl Counter {
    pub fn add(&self, rows: u64, bytes: u64) {
        self.rows.fetch_add(rows, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
    /// Replaces the totals (counters a master mirrors from its workers' reports).
    pub fn set(&self, rows: u64, bytes: u64) {
        self.rows.store(rows, Ordering::Relaxed);
        self.bytes.store(bytes, Ordering::Relaxed);
    }
}

/// Counters per table path for one side (source or sink).
#[derive(Debug, Default)]
pub struct TableCounters {
    tables: Mutex<BTreeMap<String, Arc<Counter>>>,
}

impl TableCounters {
    pub fn counter(&self, table: &str) -> Arc<Counter> {
        let mut tables = self.tables.lock().expect("metrics lock poisoned");
        tables.entry(table.to_string()).or_default().clone()
    }

    fn snapshot(&self) -> BTreeMap<String, (u64, u64)> {
        let tables = self.tables.lock().expect("metrics lock poisoned");
        tables
            .iter()
            .map(|(k, c)| (k.clone(), (c.rows(), c.bytes())))
            .collect()
    }
}

#[derive(Debug)]
pub struct JobMetrics {
    started: Instant,
    pub source: TableCounters,
    pub sink: TableCounters,
}

impl Default for JobMetrics {
    fn default() -> Self {
        JobMetrics {
            started: Instant::now(),
            source: TableCounters::default(),
            sink: TableCounters::default(),
        }
    }
}

/// A point-in-time copy, with rates computed over `elapsed_secs`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MetricsSnapshot {
    pub elapsed_secs: f64,
    /// table → (rows, bytes)
    pub source: BTreeMap<String, (u64, u64)>,
    pub sink: BTreeMap<String, (u64, u64)>,
}

impl MetricsSnapshot {
    pub fn source_rows(&self) -> u64 {
        self.source.values().map(|v| v.0).sum()
    }
    pub fn source_bytes(&self) -> u64 {
        self.source.values().map(|v| v.1).sum()
    }
    pub fn sink_rows(&self) -> u64 {
        self.sink.values().map(|v| v.0).sum()
    }
    pub fn sink_bytes(&self) -> u64 {
        self.sink.values().map(|v| v.1).sum()
    }
    /// Per-second rate of `value`; 0 before any time has passed.
    pub fn rate(&self, value: u64) -> f64 {
        if self.elapsed_secs > 0.0 {
            value as f64 / self.elapsed_secs
        } else {
            0.0
        }
    }
}

impl JobMetrics {
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            elapsed_secs: self.started.elapsed().as_secs_f64(),
            source: self.source.snapshot(),
            sink: self.sink.snapshot(),
        }
    }

    /// Mirrors totals counted elsewhere (a job's workers, summed by the active master).
    pub fn set_totals(&self, totals: &MetricsSnapshot) {
        for (table, (rows, bytes)) in &totals.source {
            self.source.counter(table).set(*rows, *bytes);
        }
        for (table, (rows, bytes)) in &totals.sink {
            self.sink.counter(table).set(*rows, *bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_sums_tables() {
        let m = JobMetrics::default();
        m.source.counter("fake.table1").add(10, 130);
        m.source.counter("fake.public.table2").add(5, 65);
        m.source.counter("fake.table1").add(0, 0);
        let s = m.snapshot();
        assert_eq!(s.source_rows(), 15);
        assert_eq!(s.source_bytes(), 195);
        assert_eq!(s.source["fake.table1"], (10, 130));
        assert_eq!(s.sink_rows(), 0);
    }
}
