//! Reader-level tests: exact row counts per reader and table, split waits, multi-table batches.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value as Json};

use super::*;
use seatunnel_connector::{JobMode, Poll};
use seatunnel_data::{Batch, RowKind, Value};

fn source(v: Json) -> FakeSource {
    FakeSource::new(&Options::new("FakeSource", v.as_object().unwrap().clone())).unwrap()
}

fn reader_ctx(subtask_index: usize, parallelism: usize) -> ReaderContext {
    ReaderContext {
        job_id: 1,
        job_mode: JobMode::Batch,
        subtask_index,
        parallelism,
    }
}

/// Every poll result of one reader until it finishes: (table, rows) for emitted batches, and the
/// idle waits.
fn drain(
    reader: &mut dyn SourceReader,
    first: &Arc<TableSchema>,
) -> (Vec<(String, usize)>, Vec<Duration>) {
    let mut out = Batch::new(first.clone());
    let (mut batches, mut waits) = (Vec::new(), Vec::new());
    loop {
        out.clear();
        match reader.poll(&mut out).unwrap() {
            Poll::Emitted => batches.push((out.schema().path.full_name(), out.len())),
            Poll::Idle(d) => waits.push(d),
            Poll::Finished => return (batches, waits),
        }
    }
}

fn totals(batches: &[(String, usize)]) -> BTreeMap<String, usize> {
    let mut t = BTreeMap::new();
    for (name, n) in batches {
        *t.entry(name.clone()).or_default() += n;
    }
    t
}

#[test]
fn every_reader_emits_row_num_rows() {
    let src = source(json!({"row.num": 10_000, "result_table_name": "fake",
        "schema": {"fields": {"name": "string", "age": "int"}}}));
    let table = &src.tables()[0];
    let mut total = 0;
    for i in 0..3 {
        let mut reader = src.start_reader(&reader_ctx(i, 3)).unwrap();
        let (batches, waits) = drain(reader.as_mut(), table);
        assert!(waits.is_empty());
        assert!(batches.iter().all(|(_, n)| *n <= reader::BATCH_ROWS));
        total += batches.iter().map(|(_, n)| n).sum::<usize>();
    }
    assert_eq!(total, 30_000);
}

#[test]
fn splits_wait_the_read_interval_between_them() {
    let src = source(
        json!({"row.num": 100, "split.num": 5, "split.read-interval": 3000,
        "schema": {"fields": {"id": "int"}}}),
    );
    let mut reader = src.seeded_reader(1);
    let (batches, waits) = drain(&mut reader, &src.tables()[0]);
    assert_eq!(batches.iter().map(|b| b.1).collect::<Vec<_>>(), vec![20; 5]);
    assert_eq!(waits, vec![Duration::from_millis(3000); 4]);
}

#[test]
fn explicit_rows_are_emitted_once_per_split() {
    let rows =
        json!([{"kind": "INSERT", "fields": [1, "A"]}, {"kind": "DELETE", "fields": [2, "B"]}]);
    let schema = json!({"fields": {"id": "bigint", "name": "string"}});
    let src = source(json!({"schema": schema, "rows": rows}));
    let mut reader = src.seeded_reader(1);
    let mut out = Batch::new(src.tables()[0].clone());
    assert_eq!(reader.poll(&mut out).unwrap(), Poll::Emitted);
    assert_eq!(out.len(), 2);
    assert_eq!(out.kind(1), RowKind::Delete);
    assert_eq!(
        out.row_values(1),
        vec![Value::BigInt(2), Value::String("B".into())]
    );
    out.clear();
    assert_eq!(reader.poll(&mut out).unwrap(), Poll::Finished);

    // row.num 5 in 3 splits gives splits of 2, 2 and 1 rows: the rows come three times.
    let src =
        source(json!({"schema": schema, "rows": rows, "split.num": 3, "split.read-interval": 0}));
    let (batches, waits) = drain(&mut src.seeded_reader(1), &src.tables()[0]);
    assert_eq!(batches.len(), 3);
    assert!(waits.is_empty());
    // row.num 0 gives no split at all, so nothing is emitted.
    let src = source(json!({"schema": schema, "rows": rows, "row.num": 0}));
    assert!(drain(&mut src.seeded_reader(1), &src.tables()[0])
        .0
        .is_empty());
}

#[test]
fn multi_table_readers_reset_the_batch_per_table() {
    let src = source(json!({"tables_configs": [
        {"row.num": 16, "schema": {"table": "test.table1", "fields": {"c_int": "int", "c_bigint": "bigint"}}},
        {"row.num": 17, "schema": {"table": "test.table2", "fields": {"c_string": "string", "c_tinyint": "tinyint"}}}
    ]}));
    let tables = src.tables();
    assert_eq!(tables.len(), 2);
    assert_eq!(tables[1].path.full_name(), "test.table2");
    let mut per_table = BTreeMap::new();
    for i in 0..2 {
        let mut reader = src.start_reader(&reader_ctx(i, 2)).unwrap();
        for (name, n) in totals(&drain(reader.as_mut(), &tables[0]).0) {
            *per_table.entry(name).or_insert(0) += n;
        }
    }
    assert_eq!(per_table["test.table1"], 32);
    assert_eq!(per_table["test.table2"], 34);
}

#[test]
fn batch_rows_carry_the_table_width() {
    let src = source(json!({"row.num": 3, "schema": {"fields": {
        "c_map": "map<string, array<int>>", "c_row": {"c_null": "null", "c_bytes": "bytes"}}}}));
    let mut reader = src.seeded_reader(9);
    let mut out = Batch::new(src.tables()[0].clone());
    reader.poll(&mut out).unwrap();
    assert_eq!(out.len(), 3);
    let Value::Map(entries) = out.value(0, 0) else {
        panic!("not a map")
    };
    assert!(!entries.is_empty() && entries.len() <= 5);
    let Value::Array(items) = &entries[0].1 else {
        panic!("not an array")
    };
    assert_eq!(items.len(), 5);
}

#[test]
fn ten_million_rows_count_exactly() {
    // The benchmark shape: name string, age int, two readers of 5M rows each.
    let src = source(json!({"row.num": 5_000_000, "parallelism": 2,
        "schema": {"fields": {"name": "string", "age": "int"}}}));
    let table = &src.tables()[0];
    let mut total = 0usize;
    for i in 0..2 {
        let mut reader = src.start_reader(&reader_ctx(i, 2)).unwrap();
        let mut out = Batch::with_capacity(table.clone(), reader::BATCH_ROWS);
        loop {
            out.clear();
            match reader.poll(&mut out).unwrap() {
                Poll::Emitted => total += out.len(),
                Poll::Idle(_) => {}
                Poll::Finished => break,
            }
        }
    }
    assert_eq!(total, 10_000_000);
}

/// A reader restored from a snapshot taken after any poll emits exactly the rows the first one
/// had not emitted yet, split by split and table by table.
#[test]
fn a_snapshot_restores_exactly_the_rows_not_yet_emitted() {
    let src = source(json!({"tables_configs": [
        {"row.num": 10_000, "split.num": 3, "schema": {"table": "a", "fields": {"x": "int"}}},
        {"row.num": 5, "schema": {"table": "b", "fields": {"y": "string"}}}
    ]}));
    let table = &src.tables()[0];
    let full = totals(&drain(src.start_reader(&reader_ctx(1, 2)).unwrap().as_mut(), table).0);
    // Cut after every possible number of polls: the two halves always add up to the whole.
    for polls in 0..8 {
        let mut first = src.start_reader(&reader_ctx(1, 2)).unwrap();
        let mut out = Batch::new(table.clone());
        let mut before = Vec::new();
        for _ in 0..polls {
            out.clear();
            if first.poll(&mut out).unwrap() == Poll::Emitted {
                before.push((out.schema().path.full_name(), out.len()));
            }
        }
        let splits = first.snapshot().unwrap();
        assert!(splits.iter().all(|s| s.id.starts_with("1-")), "{splits:?}");
        let text = serde_json::to_string(&splits).unwrap();
        let splits: Vec<SourceSplit> = serde_json::from_str(&text).unwrap();
        let mut second = src.create_reader(&reader_ctx(1, 2), splits).unwrap();
        let (after, _) = drain(second.as_mut(), table);
        let mut both = totals(&before);
        for (name, n) in totals(&after) {
            *both.entry(name).or_default() += n;
        }
        assert_eq!(both, full, "cut after {polls} polls");
    }
}

#[test]
fn splits_from_another_source_are_refused_naming_the_split() {
    let src = source(json!({"row.num": 5, "schema": {"fields": {"x": "int"}}}));
    let foreign = vec![SourceSplit {
        id: "0-0".into(),
        state: json!({"table": 3, "rows": 5, "done": 0}),
    }];
    let err = src
        .create_reader(&reader_ctx(0, 1), foreign)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("split 0-0 reads table 3"), "{err}");
    let garbage = vec![SourceSplit {
        id: "x".into(),
        state: json!("not a split"),
    }];
    let err = src
        .create_reader(&reader_ctx(0, 1), garbage)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("split x cannot be restored"), "{err}");
}
