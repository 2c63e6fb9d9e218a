//! End-to-end tests of the source and sink against SQLite (a real database in a file; the
//! PostgreSQL and MariaDB ones run against real servers in `server_tests.rs`).

use std::sync::Arc;

use serde_json::{json, Value as Json};

use seatunnel_connector::{
    EnumeratorContext, JobMode, Options, PluginContext, Poll, ReaderContext, SinkFactory, Source,
    SourceFactory, SourceSplit, WriterContext,
};
use seatunnel_data::{Batch, RowKind, Value};

use crate::{JdbcSinkFactory, JdbcSourceFactory};

pub fn options(json: Json) -> Options {
    Options::new("Jdbc", json.as_object().expect("an object").clone())
}

pub fn plugin_ctx(parallelism: usize) -> PluginContext {
    PluginContext {
        job_id: 1,
        job_mode: JobMode::Batch,
        plugin_name: "Jdbc".into(),
        default_parallelism: parallelism,
    }
}

pub fn source(json: Json) -> Arc<dyn Source> {
    JdbcSourceFactory
        .create(&plugin_ctx(1), &options(json))
        .expect("source plans")
}

pub fn enumerate(source: &dyn Source, readers: usize) -> Vec<Vec<SourceSplit>> {
    source
        .enumerate(&EnumeratorContext {
            job_id: 1,
            job_mode: JobMode::Batch,
            parallelism: readers,
        })
        .expect("enumerates")
}

/// Every row the readers of `splits` emit, with the batches' tables, in reader order.
pub fn read_all(source: &dyn Source, splits: Vec<Vec<SourceSplit>>) -> Vec<Batch> {
    let n = splits.len();
    let mut out = Vec::new();
    for (i, s) in splits.into_iter().enumerate() {
        let ctx = ReaderContext {
            job_id: 1,
            job_mode: JobMode::Batch,
            subtask_index: i,
            parallelism: n,
        };
        let mut reader = source.create_reader(&ctx, s).expect("reader");
        loop {
            let mut batch = Batch::new(source.tables()[0].clone());
            match reader.poll(&mut batch).expect("polls") {
                Poll::Emitted if batch.is_empty() => {}
                Poll::Emitted => out.push(batch),
                Poll::Idle(_) => unreachable!("jdbc readers never idle"),
                Poll::Finished => break,
            }
        }
    }
    out
}

pub fn rows_of(batches: &[Batch]) -> Vec<Vec<Value>> {
    let mut rows: Vec<Vec<Value>> = batches
        .iter()
        .flat_map(|b| (0..b.len()).map(move |r| b.row_values(r)))
        .collect();
    rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    rows
}

/// Writes `batches` through a fresh sink of `json` (setup, one writer, prepare) .
pub fn write_all(json: Json, batches: &[Batch]) {
    let sink = JdbcSinkFactory
        .create(&plugin_ctx(1), &options(json))
        .expect("sink plans");
    let tables: Vec<_> = batches.iter().map(|b| b.schema().clone()).take(1).collect();
    sink.check_input(&tables).expect("input fits");
    sink.setup(&tables).expect("save modes apply");
    let ctx = WriterContext {
        job_id: 1,
        vertex_id: 1,
        job_mode: JobMode::Batch,
        pipeline_id: 1,
        subtask_index: 0,
        parallelism: 1,
        restored: None,
    };
    let mut writer = sink.create_writer(&ctx).expect("writer");
    for b in batches {
        writer.write(b).expect("writes");
    }
    writer.prepare_commit().expect("prepares");
    writer.close().expect("closes");
}

struct Db {
    _dir: tempfile::TempDir,
    url: String,
    conn: rusqlite::Connection,
}

fn sqlite_with_rows(rows: i64) -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e2e.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE src (id INTEGER PRIMARY KEY, name VARCHAR(20), price DECIMAL(10, 2), \
         score DOUBLE, born DATE, seen TIMESTAMP, ok BOOLEAN, data BLOB)",
    )
    .unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    for i in 1..=rows {
        let name = (i % 7 != 0).then(|| format!("name-{i}"));
        tx.execute(
            "INSERT INTO src VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rusqlite::params![
                i,
                name,
                format!("{}.{:02}", i, i % 100),
                i as f64 / 4.0,
                format!("2024-01-{:02}", i % 28 + 1),
                format!("2024-02-03 04:05:{:02}.25", i % 60),
                i % 2 == 0,
                vec![i as u8, 0, 255],
            ],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    let url = format!("jdbc:sqlite:{}", path.display());
    Db {
        _dir: dir,
        url,
        conn,
    }
}

#[test]
fn a_table_path_is_split_by_its_primary_key_and_every_row_read_once() {
    let db = sqlite_with_rows(1000);
    let src = source(json!({
        "url": db.url, "driver": "org.sqlite.JDBC", "table_path": "src", "split.size": 100
    }));
    let splits = enumerate(src.as_ref(), 3);
    // 10 key ranges plus the NULL-key split, dealt over three readers.
    assert_eq!(splits.iter().map(Vec::len).sum::<usize>(), 11);
    let rows = rows_of(&read_all(src.as_ref(), splits));
    assert_eq!(rows.len(), 1000);
    let ids: std::collections::BTreeSet<i64> =
        rows.iter().map(|r| r[0].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 1000);
    let schema = &src.tables()[0];
    assert_eq!(
        schema
            .fields
            .iter()
            .map(|f| f.data_type.to_string())
            .collect::<Vec<_>>(),
        [
            "BIGINT",
            "STRING",
            "DECIMAL(10, 2)",
            "DOUBLE",
            "DATE",
            "TIMESTAMP",
            "BOOLEAN",
            "BYTES"
        ]
    );
    let r7 = rows.iter().find(|r| r[0] == Value::BigInt(7)).unwrap();
    assert_eq!(r7[1], Value::Null);
    assert_eq!(r7[2].to_string(), "7.07");
    assert_eq!(r7[5].to_string(), "2024-02-03T04:05:07.250");
    assert_eq!(r7[7], Value::Bytes(vec![7, 0, 255]));
}

#[test]
fn a_query_with_a_partition_column_and_bounds_reads_only_the_bounds() {
    let db = sqlite_with_rows(50);
    let src = source(json!({
        "url": db.url, "driver": "org.sqlite.JDBC", "query": "select id, name from src;",
        "partition_column": "id", "partition_lower_bound": 11, "partition_upper_bound": 20,
        "partition_num": 3
    }));
    let rows = rows_of(&read_all(src.as_ref(), enumerate(src.as_ref(), 2)));
    let ids: Vec<i64> = rows.iter().map(|r| r[0].as_i64().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, (11..=20).collect::<Vec<_>>());
}

#[test]
fn string_keys_are_split_by_sampled_boundaries() {
    let db = sqlite_with_rows(300);
    let src = source(json!({
        "url": db.url, "driver": "org.sqlite.JDBC", "query": "select id, name from src",
        "partition_column": "name", "partition_num": 4
    }));
    let splits = enumerate(src.as_ref(), 2);
    assert!(
        splits.iter().map(Vec::len).sum::<usize>() >= 4,
        "{splits:?}"
    );
    let rows = rows_of(&read_all(src.as_ref(), splits));
    assert_eq!(rows.len(), 300, "NULL names are read too");
}

#[test]
fn checkpoints_fall_between_splits_and_a_restored_reader_reads_the_rest() {
    let db = sqlite_with_rows(40);
    let src = source(json!({
        "url": db.url, "driver": "org.sqlite.JDBC", "table_path": "src", "split.size": 10,
        "fetch_size": 3
    }));
    let splits = enumerate(src.as_ref(), 1).remove(0);
    let ctx = ReaderContext {
        job_id: 1,
        job_mode: JobMode::Batch,
        subtask_index: 0,
        parallelism: 1,
    };
    let mut reader = src.create_reader(&ctx, splits).unwrap();
    assert!(reader.can_snapshot(), "nothing read yet");
    let mut seen = Vec::new();
    let mut snapshot = None;
    while snapshot.is_none() {
        let mut batch = Batch::new(src.tables()[0].clone());
        assert_eq!(reader.poll(&mut batch).unwrap(), Poll::Emitted);
        assert!(batch.len() <= 3, "fetch_size bounds a batch");
        seen.extend((0..batch.len()).map(|r| batch.value(r, 0)));
        if !seen.is_empty() && reader.can_snapshot() {
            snapshot = Some(reader.snapshot().unwrap());
        }
    }
    drop(reader);
    let rest = rows_of(&read_all(src.as_ref(), vec![snapshot.unwrap()]));
    let mut all: Vec<i64> = seen
        .iter()
        .chain(rest.iter().map(|r| &r[0]))
        .map(|v| v.as_i64().unwrap())
        .collect();
    all.sort();
    assert_eq!(
        all,
        (1..=40).collect::<Vec<_>>(),
        "every row exactly once across the restore"
    );
}

#[test]
fn the_sink_creates_the_table_and_upserts_by_primary_key() {
    let db = sqlite_with_rows(120);
    let src = source(json!({"url": db.url, "driver": "org.sqlite.JDBC", "table_path": "src"}));
    let batches = read_all(src.as_ref(), enumerate(src.as_ref(), 1));
    let sink = json!({
        "url": db.url, "driver": "org.sqlite.JDBC", "generate_sink_sql": true,
        "table": "dst", "primary_keys": ["id"], "batch_size": 7
    });
    write_all(sink.clone(), &batches);
    // Twice: the second run updates in place instead of failing on the key.
    write_all(sink, &batches);
    let copied = rows_of(&read_all(
        source(json!({"url": db.url, "driver": "org.sqlite.JDBC", "table_path": "dst"})).as_ref(),
        enumerate(
            source(json!({"url": db.url, "driver": "org.sqlite.JDBC", "table_path": "dst"}))
                .as_ref(),
            1,
        ),
    ));
    let original = rows_of(&batches);
    assert_eq!(copied.len(), 120);
    // SQLite keeps what it was given; the declared types of the created table read it back.
    for (a, b) in original.iter().zip(&copied) {
        assert_eq!(a[0], b[0]);
        assert_eq!(a[1], b[1]);
        assert_eq!(a[2].to_string(), b[2].to_string());
    }
    let n: i64 = db
        .conn
        .query_row("select count(*) from dst", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 120);
}

#[test]
fn deletes_and_update_befores_delete_by_key() {
    let db = sqlite_with_rows(10);
    let src = source(
        json!({"url": db.url, "driver": "org.sqlite.JDBC", "query": "select id, name from src"}),
    );
    let mut batches = read_all(src.as_ref(), enumerate(src.as_ref(), 1));
    let sink = json!({
        "url": db.url, "driver": "org.sqlite.JDBC", "generate_sink_sql": true,
        "table": "dst", "primary_keys": ["id"]
    });
    write_all(sink.clone(), &batches);
    let b = &mut batches[0];
    for r in 0..b.len() {
        let id = b.value(r, 0).as_i64().unwrap();
        b.set_kind(
            r,
            if id <= 3 {
                RowKind::Delete
            } else if id <= 5 {
                RowKind::UpdateBefore
            } else {
                RowKind::UpdateAfter
            },
        );
    }
    write_all(sink, &batches);
    let left: Vec<i64> = db
        .conn
        .prepare("select id from dst order by id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(left, vec![6, 7, 8, 9, 10]);
}

#[test]
fn a_query_sink_needs_one_parameter_per_field() {
    let db = sqlite_with_rows(3);
    db.conn
        .execute_batch("CREATE TABLE two (a BIGINT, b TEXT)")
        .unwrap();
    let src = source(
        json!({"url": db.url, "driver": "org.sqlite.JDBC", "query": "select id, name from src"}),
    );
    let batches = read_all(src.as_ref(), enumerate(src.as_ref(), 1));
    let bad = JdbcSinkFactory
        .create(&plugin_ctx(1), &options(json!({"url": db.url, "driver": "org.sqlite.JDBC", "query": "insert into two values (?)"})))
        .unwrap();
    let err = bad
        .check_input(&[batches[0].schema().clone()])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("option 'query' has 1 parameters but table default has 2 fields (id, name)"),
        "{err}"
    );
    write_all(
        json!({"url": db.url, "driver": "org.sqlite.JDBC", "query": "insert into two (a, b) values (?, ?);"}),
        &batches,
    );
    let n: i64 = db
        .conn
        .query_row("select count(*) from two", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3);
}

#[test]
fn plan_time_errors_name_the_option_and_the_column() {
    let db = sqlite_with_rows(1);
    db.conn
        .execute_batch("CREATE TABLE odd (g GEOMETRY)")
        .unwrap();
    let plan = |j: Json| {
        JdbcSourceFactory
            .create(&plugin_ctx(1), &options(j))
            .err()
            .map(|e| e.to_string())
    };
    let err =
        plan(json!({"url": db.url, "driver": "org.sqlite.JDBC", "table_path": "odd"})).unwrap();
    assert!(err.contains("column 'g' has type 'GEOMETRY'"), "{err}");
    let err = plan(json!({"url": db.url, "driver": "org.postgresql.Driver", "query": "select 1"}))
        .unwrap();
    assert!(err.contains("option 'driver'"), "{err}");
    let err = plan(json!({"url": "jdbc:oracle:thin:@h:1521/x", "driver": "oracle.jdbc.OracleDriver", "query": "select 1"})).unwrap();
    assert!(err.contains("not supported: 'jdbc:oracle'"), "{err}");
    let err =
        plan(json!({"url": db.url, "driver": "org.sqlite.JDBC", "query": "select * from missing"}))
            .unwrap();
    assert!(err.contains("no such table: missing"), "{err}");
    let err = plan(json!({"url": db.url, "driver": "org.sqlite.JDBC", "query": "select id from src", "partition_column": "nope"})).unwrap();
    assert!(err.contains("'nope' is not a column"), "{err}");
}

#[test]
fn save_modes_error_drop_and_recreate() {
    let db = sqlite_with_rows(4);
    let src = source(
        json!({"url": db.url, "driver": "org.sqlite.JDBC", "query": "select id, name from src"}),
    );
    let batches = read_all(src.as_ref(), enumerate(src.as_ref(), 1));
    let sink = |extra: Json| {
        let mut j = json!({"url": db.url, "driver": "org.sqlite.JDBC", "generate_sink_sql": true, "table": "dst"});
        j.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        JdbcSinkFactory.create(&plugin_ctx(1), &options(j)).unwrap()
    };
    let tables = vec![batches[0].schema().clone()];
    let err = sink(json!({"schema_save_mode": "ERROR_WHEN_SCHEMA_NOT_EXIST"}))
        .setup(&tables)
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    write_all(
        json!({"url": db.url, "driver": "org.sqlite.JDBC", "generate_sink_sql": true, "table": "dst"}),
        &batches,
    );
    let err = sink(json!({"data_save_mode": "ERROR_WHEN_DATA_EXISTS"}))
        .setup(&tables)
        .unwrap_err();
    assert!(err.to_string().contains("holds rows"), "{err}");
    sink(json!({"data_save_mode": "DROP_DATA"}))
        .setup(&tables)
        .unwrap();
    let n: i64 = db
        .conn
        .query_row("select count(*) from dst", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
    db.conn
        .execute_batch("ALTER TABLE dst ADD COLUMN extra INT")
        .unwrap();
    sink(json!({"schema_save_mode": "RECREATE_SCHEMA"}))
        .setup(&tables)
        .unwrap();
    let cols: i64 = db
        .conn
        .query_row("select count(*) from pragma_table_info('dst')", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(cols, 2, "recreated from the input schema");
}

#[test]
fn date_and_timestamp_keys_split_and_every_row_is_read_once() {
    let db = sqlite_with_rows(200);
    for key in ["seen", "born"] {
        let src = source(json!({
            "url": db.url, "driver": "org.sqlite.JDBC", "query": "select id, born, seen from src",
            "partition_column": key, "partition_num": 4
        }));
        let splits = enumerate(src.as_ref(), 2);
        assert!(
            splits.iter().map(Vec::len).sum::<usize>() >= 4,
            "{key}: {splits:?}"
        );
        let rows = rows_of(&read_all(src.as_ref(), splits));
        let ids: std::collections::BTreeSet<i64> =
            rows.iter().map(|r| r[0].as_i64().unwrap()).collect();
        assert_eq!((rows.len(), ids.len()), (200, 200), "{key}");
    }
}

#[test]
fn floats_cannot_be_split_keys() {
    let db = sqlite_with_rows(3);
    let err = JdbcSourceFactory
        .create(
            &plugin_ctx(1),
            &options(json!({
                "url": db.url, "driver": "org.sqlite.JDBC", "query": "select id, score from src",
                "partition_column": "score"
            })),
        )
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("column 'score' is DOUBLE (DOUBLE), which cannot be ranged"),
        "{err}"
    );
}

#[test]
fn a_timestamp_a_row_cannot_carry_fails_naming_the_column() {
    let db = sqlite_with_rows(1);
    db.conn
        .execute_batch(
            "CREATE TABLE far (at TIMESTAMP); INSERT INTO far VALUES ('9999-12-31 00:00:00')",
        )
        .unwrap();
    let src = source(json!({"url": db.url, "driver": "org.sqlite.JDBC", "table_path": "far"}));
    let ctx = ReaderContext {
        job_id: 1,
        job_mode: JobMode::Batch,
        subtask_index: 0,
        parallelism: 1,
    };
    let mut reader = src
        .create_reader(&ctx, enumerate(src.as_ref(), 1).remove(0))
        .unwrap();
    let mut batch = Batch::new(src.tables()[0].clone());
    let err = loop {
        match reader.poll(&mut batch) {
            Ok(Poll::Finished) => panic!("the far timestamp was read"),
            Ok(_) => batch.clear(),
            Err(e) => break e.to_string(),
        }
    };
    assert!(
        err.contains("column 'at' holds 9999-12-31 00:00:00, outside the timestamps"),
        "{err}"
    );
}
