//! End-to-end tests of the sink through its public factory: options → setup → writers →
//! prepare_commit → commit, on real files in temp directories, and reads back through the
//! source where a round trip shows more than the bytes.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;

use super::options::{DataSaveMode, SchemaSaveMode};
use super::{LocalFileSinkFactory, LocalFileSourceFactory};
use seatunnel_connector::{
    JobMode, Options, PluginContext, Poll, ReaderContext, Sink, SinkFactory, SourceFactory,
    WriterContext,
};
use seatunnel_data::{Batch, DataType, Datum, Field, RowKind, TablePath, TableSchema, Value};
use seatunnel_formats::compress::LzopReader;

const JOB: i64 = 733584788375666689;

fn plugin_ctx() -> PluginContext {
    PluginContext {
        job_id: JOB,
        job_mode: JobMode::Batch,
        plugin_name: "LocalFile".into(),
        default_parallelism: 1,
    }
}

fn writer_ctx(subtask: usize) -> WriterContext {
    WriterContext {
        job_id: JOB,
        vertex_id: 1,
        job_mode: JobMode::Batch,
        pipeline_id: 1,
        subtask_index: subtask,
        parallelism: 2,
        restored: None,
    }
}

fn options(v: serde_json::Value) -> Options {
    Options::new("LocalFile", v.as_object().unwrap().clone())
}

fn sink(v: serde_json::Value) -> Arc<dyn Sink> {
    LocalFileSinkFactory
        .create(&plugin_ctx(), &options(v))
        .unwrap()
}

fn sink_err(v: serde_json::Value) -> String {
    match LocalFileSinkFactory.create(&plugin_ctx(), &options(v)) {
        Ok(_) => panic!("the sink accepted its options"),
        Err(e) => e.to_string(),
    }
}

/// `extra` with `path` and `tmp_path` set to the given directories.
fn at(out: &Path, tmp: &Path, mut extra: serde_json::Value) -> serde_json::Value {
    extra["path"] = json!(out.to_str().unwrap());
    extra["tmp_path"] = json!(tmp.to_str().unwrap());
    extra
}

fn people(table: &str) -> Arc<TableSchema> {
    TableSchema::new(
        TablePath::parse(table),
        vec![
            Field::new("name", DataType::String),
            Field::new("age", DataType::Int),
            Field::new("city", DataType::String),
        ],
    )
}

fn batch(schema: &Arc<TableSchema>, rows: &[(&str, i32, &str)]) -> Batch {
    let mut b = Batch::new(schema.clone());
    for (name, age, city) in rows {
        b.begin_row(RowKind::Insert);
        b.push_str(name);
        b.push(Datum::Int(*age));
        b.push_str(city);
    }
    b
}

/// Runs one writer over `batches` and commits (twice: committing is idempotent).
fn run(sink: &Arc<dyn Sink>, tables: &[Arc<TableSchema>], batches: &[Batch]) {
    sink.check_input(tables).unwrap();
    sink.setup(tables).unwrap();
    let mut w = sink.create_writer(&writer_ctx(0)).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    let info = w.prepare_commit().unwrap();
    w.close().unwrap();
    let infos: Vec<_> = info.into_iter().collect();
    sink.commit(infos.clone()).unwrap();
    sink.commit(infos).unwrap();
}

/// [`run`] with one batch of `rows` into the table `fake`.
fn run_rows(sink: &Arc<dyn Sink>, rows: &[(&str, i32, &str)]) {
    let schema = people("fake");
    run(sink, std::slice::from_ref(&schema), &[batch(&schema, rows)]);
}

/// The text of an lzop file.
fn read_lzo(path: &Path) -> String {
    use std::io::Read;
    let mut text = String::new();
    LzopReader::new(fs::File::open(path).unwrap())
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    collect(dir, &mut out);
    out.sort();
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if e.path().is_dir() {
            collect(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

fn name_of(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn text_files_are_named_and_laid_out_like_seatunnel() {
    let dir = tempfile::tempdir().unwrap();
    let (out, tmp) = (dir.path().join("out"), dir.path().join("tmp"));
    let s = sink(at(&out, &tmp, json!({"file_format_type": "text"})));
    run_rows(&s, &[("ann", 30, "x"), ("bob", 7, "")]);
    let files = files_under(&out);
    assert_eq!(files.len(), 1);
    let name = name_of(&files[0]);
    let parts: Vec<&str> = name.trim_end_matches(".txt").split('_').collect();
    assert_eq!(parts[0], "T");
    assert_eq!(parts[1], JOB.to_string());
    assert_eq!(parts[2].len(), 10);
    assert_eq!(&parts[3..], ["0", "1", "0"]);
    assert_eq!(
        fs::read_to_string(&files[0]).unwrap(),
        "ann\u{1}30\u{1}x\nbob\u{1}7\u{1}"
    );
    assert!(files_under(&tmp).is_empty(), "transaction files cleaned up");
}

#[test]
fn partitions_columns_and_expressions() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let tmp = dir.path().join("tmp");
    let s = sink(at(
        &out,
        &tmp,
        json!({"file_format_type": "csv", "partition_by": ["city"],
               "partition_dir_expression": "${k0}=${v0}", "sink_columns": ["age", "name", "city"]}),
    ));
    run_rows(&s, &[("a", 1, "x"), ("b", 2, "y"), ("c", 3, "x")]);
    let files = files_under(&out);
    assert_eq!(files.len(), 2);
    assert!(files[0].parent().unwrap().ends_with("city=x"));
    assert!(name_of(&files[0]).ends_with("_0.csv"));
    assert_eq!(fs::read_to_string(&files[0]).unwrap(), "1,a\n3,c");
    assert_eq!(fs::read_to_string(&files[1]).unwrap(), "2,b");
    // Without an expression the directory is `name=value`; kept columns stay in the file.
    let out2 = dir.path().join("out2");
    let s = sink(at(
        &out2,
        &tmp,
        json!({"file_format_type": "text", "partition_by": ["city", "age"],
               "is_partition_field_write_in_file": true, "field_delimiter": "\t"}),
    ));
    run_rows(&s, &[("a", 1, "x")]);
    let files = files_under(&out2);
    assert!(
        files[0].parent().unwrap().ends_with("city=x/age=1"),
        "{files:?}"
    );
    assert_eq!(fs::read_to_string(&files[0]).unwrap(), "a\t1\tx");
}

#[test]
fn batch_size_rolls_files_and_headers_open_each() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let s = sink(at(
        &out,
        &dir.path().join("tmp"),
        json!({"file_format_type": "csv", "batch_size": 2, "enable_header_write": "true"}),
    ));
    run_rows(&s, &[("a", 1, "x"), ("b", 2, "y"), ("c", 3, "z")]);
    let files = files_under(&out);
    let mut suffixes: Vec<String> = files
        .iter()
        .map(|f| name_of(f).rsplit('_').next().unwrap().to_string())
        .collect();
    suffixes.sort();
    assert_eq!(suffixes, ["0.csv", "1.csv"]);
    let mut bodies: Vec<String> = files
        .iter()
        .map(|f| fs::read_to_string(f).unwrap())
        .collect();
    bodies.sort();
    assert_eq!(
        bodies,
        ["name,age,city\na,1,x\nb,2,y", "name,age,city\nc,3,z"]
    );
}

#[test]
fn text_header_uses_the_field_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let s = sink(at(
        &out,
        &dir.path().join("t"),
        json!({"file_format_type": "text", "enable_header_write": true}),
    ));
    run_rows(&s, &[("a", 1, "x")]);
    let text = fs::read_to_string(&files_under(&out)[0]).unwrap();
    assert_eq!(text.lines().next(), Some("name\u{1}age\u{1}city"));
}

#[test]
fn without_transaction_files_are_written_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let s = sink(
        json!({"path": out.to_str().unwrap(), "file_format_type": "json", "is_enable_transaction": false,
        "custom_filename": true, "file_name_expression": "data_${now}", "filename_time_format": "yyyy"}),
    );
    let schema = people("fake");
    s.setup(std::slice::from_ref(&schema)).unwrap();
    let mut w = s.create_writer(&writer_ctx(1)).unwrap();
    w.write(&batch(&schema, &[("a", 1, "x")])).unwrap();
    assert_eq!(w.prepare_commit().unwrap(), None);
    let files = files_under(&out);
    let year = chrono::Local::now().format("%Y").to_string();
    assert_eq!(name_of(&files[0]), format!("data_{year}_0.json"));
    assert_eq!(
        fs::read_to_string(&files[0]).unwrap(),
        r#"{"name":"a","age":1,"city":"x"}"#
    );
}

#[test]
fn gbk_and_lzo_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gbk");
    let tmp = dir.path().join("t");
    let s = sink(at(
        &out,
        &tmp,
        json!({"file_format_type": "text", "encoding": "gbk"}),
    ));
    run_rows(&s, &[("海底隧道", 1, "\u{1F600}")]);
    let bytes = fs::read(&files_under(&out)[0]).unwrap();
    let (gbk, _, _) = encoding_rs::GBK.encode("海底隧道\u{1}1\u{1}?");
    assert_eq!(bytes, gbk.as_ref());

    let out = dir.path().join("lzo");
    let s = sink(at(
        &out,
        &tmp,
        json!({"file_format_type": "text", "compress_codec": "lzo"}),
    ));
    let rows: Vec<(String, i32, &str)> = (0..5000).map(|i| (format!("n{i}"), i, "c")).collect();
    let rows: Vec<(&str, i32, &str)> = rows.iter().map(|(n, a, c)| (n.as_str(), *a, *c)).collect();
    run_rows(&s, &rows);
    let files = files_under(&out);
    assert!(name_of(&files[0]).ends_with("_0.lzo.txt"));
    let text = read_lzo(&files[0]);
    assert_eq!(text.lines().count(), 5000);
    assert_eq!(text.lines().nth(4999), Some("n4999\u{1}4999\u{1}c"));
}

#[test]
fn save_modes_and_table_placeholders() {
    assert_eq!(
        DataSaveMode::parse(&options(json!({"data_save_mode": "drop_data"}))).unwrap(),
        DataSaveMode::DropData
    );
    assert_eq!(
        SchemaSaveMode::parse(&options(json!({}))).unwrap(),
        SchemaSaveMode::CreateSchemaWhenNotExist
    );

    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("json");
    let opts = json!({
        "path": format!("{}/${{table_name}}", base.display()), "tmp_path": dir.path().join("t").to_str().unwrap(),
        "file_format_type": "json", "schema_save_mode": "RECREATE_SCHEMA", "data_save_mode": "DROP_DATA",
        "file_name_expression": "${transactionId}_${now}"
    });
    let schema = people("fake");
    for _ in 0..2 {
        run_rows(&sink(opts.clone()), &[("1", 1, "a"), ("2", 2, "b")]);
        assert_eq!(
            files_under(&base.join("fake")).len(),
            1,
            "exactly one file after each run"
        );
    }
    // One sink, two tables, a directory each.
    let s = sink(opts);
    let other = people("db.other");
    run(
        &s,
        &[schema.clone(), other.clone()],
        &[
            batch(&schema, &[("1", 1, "a")]),
            batch(&other, &[("2", 2, "b")]),
        ],
    );
    assert_eq!(files_under(&base.join("fake")).len(), 1);
    assert_eq!(files_under(&base.join("other")).len(), 1);

    let keep = dir.path().join("keep");
    fs::create_dir_all(&keep).unwrap();
    fs::write(keep.join("old.txt"), "x").unwrap();
    let s =
        sink(json!({"path": keep.to_str().unwrap(), "data_save_mode": "ERROR_WHEN_DATA_EXISTS"}));
    let e = s
        .setup(std::slice::from_ref(&schema))
        .unwrap_err()
        .to_string();
    assert!(e.contains("already holds files"), "{e}");
    let s = sink(
        json!({"path": dir.path().join("none").to_str().unwrap(), "schema_save_mode": "ERROR_WHEN_SCHEMA_NOT_EXIST"}),
    );
    assert!(s
        .setup(&[schema])
        .unwrap_err()
        .to_string()
        .contains("does not exist"));
}

#[test]
fn abort_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (out, tmp) = (dir.path().join("out"), dir.path().join("tmp"));
    let s = sink(json!({"path": out.to_str().unwrap(), "tmp_path": tmp.to_str().unwrap()}));
    let schema = people("fake");
    s.setup(std::slice::from_ref(&schema)).unwrap();
    let mut w = s.create_writer(&writer_ctx(0)).unwrap();
    w.write(&batch(&schema, &[("a", 1, "x")])).unwrap();
    let info = w.prepare_commit().unwrap().unwrap();
    assert_eq!(
        files_under(&tmp).len(),
        1,
        "prepared file waits under tmp_path"
    );
    assert!(
        files_under(&out).is_empty(),
        "nothing visible before commit"
    );
    s.abort(vec![info]);
    assert!(files_under(&tmp).is_empty() && files_under(&out).is_empty());
}

#[test]
fn closing_an_unprepared_writer_discards_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let (out, tmp) = (dir.path().join("out"), dir.path().join("tmp"));
    let s = sink(
        json!({"path": out.to_str().unwrap(), "tmp_path": tmp.to_str().unwrap(), "batch_size": 1}),
    );
    let schema = people("fake");
    let mut w = s.create_writer(&writer_ctx(0)).unwrap();
    w.write(&batch(&schema, &[("a", 1, "x"), ("b", 2, "y")]))
        .unwrap();
    // The first part is complete on disk; the second is still buffered.
    assert_eq!(files_under(&tmp).len(), 1);
    w.close().unwrap();
    assert!(files_under(&tmp).is_empty() && files_under(&out).is_empty());
}

#[test]
fn config_errors_are_clear() {
    assert!(
        sink_err(json!({"path": "/x", "file_name_expression": "${now}"}))
            .contains("must contain ${transactionId}")
    );
    assert_eq!(
        sink_err(json!({"path": "/x", "file_format_type": "parquet"})),
        "plugin LocalFile: not supported: file_format_type 'parquet' (supported: text, csv, json)"
    );
    assert!(sink_err(json!({"file_format_type": "text"})).contains("'path' is required"));
    assert!(sink_err(json!({"path": "/x", "batch_size": 0})).contains("at least 1"));
    let schema = people("fake");
    let s = sink(json!({"path": "/x", "sink_columns": ["name", "zip"]}));
    assert!(s
        .check_input(std::slice::from_ref(&schema))
        .unwrap_err()
        .to_string()
        .contains("column 'zip'"));
    let s = sink(json!({"path": "/x", "sink_columns": ["name"], "partition_by": ["city"]}));
    assert!(s
        .check_input(std::slice::from_ref(&schema))
        .unwrap_err()
        .to_string()
        .contains("must be one of the sink columns"));
    let s = sink(json!({"path": "/x", "sink_columns": ["city"], "partition_by": ["city"]}));
    assert!(s
        .check_input(&[schema])
        .unwrap_err()
        .to_string()
        .contains("no column left"));
}

/// Reads every row of a LocalFile source over `options`.
fn read_back(v: serde_json::Value) -> Vec<Vec<Value>> {
    let src = LocalFileSourceFactory
        .create(&plugin_ctx(), &options(v))
        .unwrap();
    let ctx = ReaderContext {
        job_id: JOB,
        job_mode: JobMode::Batch,
        subtask_index: 0,
        parallelism: 1,
    };
    let mut r = src.start_reader(&ctx).unwrap();
    let mut out = Batch::new(src.tables()[0].clone());
    let mut rows = Vec::new();
    loop {
        out.clear();
        match r.poll(&mut out).unwrap() {
            Poll::Finished => return rows,
            _ => rows.extend((0..out.len()).map(|i| out.row_values(i))),
        }
    }
}

#[test]
fn every_format_round_trips_through_the_source() {
    let schema_opts = json!({"fields": {"name": "string", "age": "int", "city": "string"}});
    for (format, codec) in [
        ("text", "none"),
        ("csv", "lzo"),
        ("json", "none"),
        ("json", "lzo"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let s = sink(at(
            &out,
            &dir.path().join("t"),
            json!({"file_format_type": format, "compress_codec": codec, "encoding": "gbk"}),
        ));
        run_rows(&s, &[("言,\"q\"", 1, "x"), ("b", -2, "")]);
        let rows = read_back(
            json!({"path": out.to_str().unwrap(), "file_format_type": format,
            "compress_codec": codec, "encoding": "gbk", "schema": schema_opts}),
        );
        let city_b = if format == "json" {
            Value::String(String::new())
        } else {
            Value::Null
        };
        assert_eq!(
            rows,
            vec![
                vec![
                    Value::String("言,\"q\"".into()),
                    Value::Int(1),
                    Value::String("x".into())
                ],
                vec![Value::String("b".into()), Value::Int(-2), city_b],
            ],
            "{format} {codec}"
        );
    }
}

#[test]
fn each_checkpoint_is_a_new_transaction_and_writers_never_collide() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let s = sink(at(
        &out,
        &dir.path().join("t"),
        json!({"file_format_type": "text"}),
    ));
    let schema = people("fake");
    s.setup(std::slice::from_ref(&schema)).unwrap();
    let mut infos = Vec::new();
    let mut writers: Vec<_> = (0..2)
        .map(|i| s.create_writer(&writer_ctx(i)).unwrap())
        .collect();
    for round in 0..2 {
        for w in &mut writers {
            w.write(&batch(&schema, &[("a", round, "x")])).unwrap();
            infos.extend(w.prepare_commit().unwrap());
        }
    }
    s.commit(infos).unwrap();
    let names: Vec<String> = files_under(&out).iter().map(|p| name_of(p)).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    let mut keys: Vec<(String, String)> = names
        .iter()
        .map(|n| {
            let p: Vec<&str> = n.trim_end_matches(".txt").split('_').collect();
            (p[3].to_string(), p[4].to_string())
        })
        .collect();
    keys.sort();
    let want: Vec<(String, String)> = [("0", "1"), ("0", "2"), ("1", "1"), ("1", "2")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(keys, want, "subtask and checkpoint in every name");
}

#[test]
fn many_partitions_stay_within_descriptor_and_memory_limits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let s = sink(at(
        &out,
        &dir.path().join("t"),
        json!({"file_format_type": "text", "partition_by": ["name"], "compress_codec": "lzo"}),
    ));
    // More partitions than MANY_FILES, each written through its own lzop stream.
    let names: Vec<String> = (0..400).map(|i| format!("p{i}")).collect();
    let rows: Vec<(&str, i32, &str)> = names.iter().map(|n| (n.as_str(), 1, "c")).collect();
    run_rows(&s, &rows);
    let files = files_under(&out);
    assert_eq!(files.len(), 400);
    assert_eq!(read_lzo(&files[0]), "1\u{1}c");
}

/// A writer restored from a checkpoint removes what the aborted attempt left under `tmp_path`
/// after that checkpoint (prepared but never committed, or still open when it died), and keeps
/// the committed output, the files of other writers of the job and those of other jobs.
#[test]
fn a_restored_writer_removes_the_aborted_attempts_leftovers_only() {
    let dir = tempfile::tempdir().unwrap();
    let (out, tmp) = (dir.path().join("out"), dir.path().join("t"));
    let s = sink(at(&out, &tmp, json!({"file_format_type": "text"})));
    let schema = people("fake");
    s.setup(std::slice::from_ref(&schema)).unwrap();
    // Transaction directories of a job (an open file may have nothing on disk yet).
    let leftovers = |job: i64| -> Vec<String> {
        let mut dirs = Vec::new();
        for uuid in fs::read_dir(tmp.join("seatunnel").join(job.to_string())).unwrap() {
            for txn in fs::read_dir(uuid.unwrap().path()).unwrap() {
                dirs.push(name_of(&txn.unwrap().path()));
            }
        }
        dirs.sort();
        dirs
    };

    // The first attempt: checkpoint 1 is recorded and committed, with the writer's state.
    let mut first = s.create_writer(&writer_ctx(0)).unwrap();
    first.write(&batch(&schema, &[("a", 1, "x")])).unwrap();
    let committed = first.prepare_commit().unwrap().unwrap();
    let state = first
        .snapshot(1)
        .unwrap()
        .expect("a transactional writer has state");
    s.commit(vec![committed]).unwrap();
    // Then it prepares a second transaction no checkpoint records, opens a third and dies.
    first.write(&batch(&schema, &[("b", 2, "x")])).unwrap();
    first.prepare_commit().unwrap().unwrap();
    first.write(&batch(&schema, &[("c", 3, "x")])).unwrap();
    std::mem::forget(first);
    // Another writer of the job is writing; another job left a transaction behind.
    let mut other = s.create_writer(&writer_ctx(1)).unwrap();
    other.write(&batch(&schema, &[("o", 9, "y")])).unwrap();
    let other_job = tmp.join("seatunnel/42/0123456789/T_42_0123456789_0_2/NON_PARTITION/f.txt");
    fs::create_dir_all(other_job.parent().unwrap()).unwrap();
    fs::write(&other_job, "other job").unwrap();
    let before = leftovers(JOB);
    assert_eq!(
        before.len(),
        3,
        "two aborted transactions and the other writer's: {before:?}"
    );

    let restored = WriterContext {
        restored: Some(state),
        ..writer_ctx(0)
    };
    let mut again = s.create_writer(&restored).unwrap();
    assert_eq!(
        leftovers(JOB),
        before,
        "nothing removed where the writer is created"
    );
    again.write(&batch(&schema, &[("b", 2, "x")])).unwrap();
    let after = leftovers(JOB);
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(
        after.iter().filter(|t| t.ends_with("_1_1")).count(),
        1,
        "the other writer's open transaction stays: {after:?}"
    );
    assert_eq!(
        after.iter().filter(|t| t.ends_with("_0_2")).count(),
        1,
        "the restored writer's own new transaction: {after:?}"
    );
    assert!(other_job.exists(), "other jobs' files stay");
    let committed_files = files_under(&out);
    assert_eq!(committed_files.len(), 1);
    assert_eq!(
        fs::read_to_string(&committed_files[0]).unwrap(),
        "a\u{1}1\u{1}x"
    );

    // The restored writer continues the numbering: its next commit adds a file, never
    // replaces the committed one.
    let next = again.prepare_commit().unwrap().unwrap();
    s.commit(vec![next]).unwrap();
    let names: Vec<String> = files_under(&out).iter().map(|p| name_of(p)).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].ends_with("_0_1_0.txt") && names[1].ends_with("_0_2_0.txt"),
        "{names:?}"
    );
    assert_eq!(
        names[0][..names[0].len() - 10],
        names[1][..names[1].len() - 10]
    );
    assert_eq!(leftovers(JOB).len(), 1, "only the other writer's is left");
    assert!(leftovers(JOB)[0].ends_with("_1_1"));
    drop(other);
}
