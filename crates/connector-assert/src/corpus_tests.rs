//! FakeSource → Assert for the corpus jobs (`compat-corpus/jobs/{fake,assert,transforms,engine}`),
//! with the source and sink blocks transcribed as JSON (the HOCON loader lives elsewhere).
//!
//! Jobs with a transform in between keep only the rules about untransformed columns (the
//! transforms are tested where they are written); identity transforms (`select * from fake`,
//! a Filter listing every field) are skipped. Each group also has deliberately wrong rules that
//! must fail with SeaTunnel's message.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use super::*;
use seatunnel_connector::{JobMode, Poll, ReaderContext, Source};
use seatunnel_connector_fake::FakeSource;
use seatunnel_data::{RowKind, Value};

fn opts(plugin: &str, v: &Json) -> Options {
    Options::new(plugin, v.as_object().expect("an object").clone())
}

/// Subtask `subtask_index` of `parallelism` in job 1, pipeline 1, BATCH.
fn reader_ctx(subtask_index: usize, parallelism: usize) -> ReaderContext {
    ReaderContext {
        job_id: 1,
        job_mode: JobMode::Batch,
        subtask_index,
        parallelism,
    }
}

fn writer_ctx(subtask_index: usize, parallelism: usize) -> WriterContext {
    WriterContext {
        job_id: 1,
        vertex_id: 1,
        job_mode: JobMode::Batch,
        pipeline_id: 1,
        subtask_index,
        parallelism,
        restored: None,
    }
}

/// Runs FakeSource → Assert like a batch job: plan-time checks, one reader and one writer per
/// subtask, then the sink's end-of-job checks. Returns the rows per table.
fn run(source: &Json, sink: &Json) -> Result<BTreeMap<String, usize>, ConnectorError> {
    let parallelism = source
        .get("parallelism")
        .and_then(Json::as_u64)
        .unwrap_or(1) as usize;
    let src = FakeSource::new(&opts("FakeSource", source))?;
    let assert = AssertSink::new(&opts("Assert", sink))?;
    let tables = src.tables();
    assert.check_input(&tables)?;
    let mut rows = BTreeMap::new();
    let mut infos = Vec::new();
    for subtask_index in 0..parallelism {
        let mut reader = src.start_reader(&reader_ctx(subtask_index, parallelism))?;
        let mut writer = assert.create_writer(&writer_ctx(subtask_index, parallelism))?;
        let mut batch = Batch::new(tables[0].clone());
        loop {
            batch.clear();
            match reader.poll(&mut batch)? {
                Poll::Emitted => {
                    *rows.entry(batch.schema().path.full_name()).or_default() += batch.len();
                    writer.write(&batch)?;
                }
                Poll::Idle(_) => {}
                Poll::Finished => break,
            }
        }
        infos.extend(writer.prepare_commit()?);
        writer.close()?;
    }
    assert.commit(infos)?;
    assert.finish()?;
    Ok(rows)
}

fn not_null(field: &str, ty: &str) -> Json {
    json!({"field_name": field, "field_type": ty, "field_value": [{"rule_type": "NOT_NULL"}]})
}

fn rule(kind: &str, value: f64) -> Json {
    json!({"rule_type": kind, "rule_value": value})
}

fn range_rule(field: &str, ty: &str, min: f64, max: f64) -> Json {
    json!({"field_name": field, "field_type": ty, "field_value": [rule("MIN", min), rule("MAX", max)]})
}

fn err(r: Result<BTreeMap<String, usize>, ConnectorError>) -> String {
    r.expect_err("the job must fail").to_string()
}

/// The full-type row of `fake_full_types_to_assert.conf` and the rules that check every column.
fn full_types() -> (Json, Json) {
    let row_fields = json!({
        "c_null": "null", "c_string": "string", "c_boolean": "boolean", "c_tinyint": "tinyint",
        "c_smallint": "smallint", "c_int": "int", "c_bigint": "bigint", "c_float": "float",
        "c_double": "double", "c_decimal": "decimal(30, 8)", "c_date": "date",
        "c_timestamp": "timestamp", "c_time": "time", "c_bytes": "bytes",
        "c_array": "array<int>", "c_map": "map<string, string>"});
    let row_value = json!([null, "AAA", false, 1, 1, 333, 323232, 3.1, 9.33333, 99999.99999999,
        "2012-12-21", "2012-12-21T12:34:56", "12:34:56", "bWlJWmo=", [0, 1, 2], {"k0": "v0"}]);
    let mut fields = row_fields.as_object().unwrap().clone();
    fields.insert("c_map".into(), json!("map<date, string>"));
    fields.insert(
        "c_map_nest".into(),
        json!("map<string, {c_int = int, c_string = string}>"),
    );
    fields.insert("c_row".into(), row_fields.clone());
    let source = json!({"row.num": 1, "result_table_name": "fake",
        "schema": {"fields": fields},
        "rows": [{"kind": "INSERT", "fields": [null, "AAA", false, 1, 1, 333, 323232, 3.1, 9.33333,
            99999.99999999, "2012-12-21", "2012-12-21T12:34:56", "12:34:56", "bWlJWmo=", [0, 1, 2],
            {"2024-01-26": "v0"}, {"k1": [123, "BBB-BB"]}, row_value]}]});
    let eq = |field: &str, ty: Json, value: Json| {
        json!({"field_name": field, "field_type": ty,
               "field_value": [{"rule_type": "NOT_NULL", "equals_to": value}]})
    };
    let sink = json!({"source_table_name": "fake", "rules": {
        "row_rules": [rule("MAX_ROW", 1.0), rule("MIN_ROW", 1.0)],
        "field_rules": [
            {"field_name": "c_null", "field_type": "null", "field_value": [{"rule_type": "NULL"}]},
            eq("c_string", json!("string"), json!("AAA")),
            eq("c_boolean", json!("boolean"), json!(false)),
            eq("c_tinyint", json!("tinyint"), json!(1)),
            eq("c_smallint", json!("smallint"), json!(1)),
            eq("c_int", json!("int"), json!(333)),
            eq("c_bigint", json!("bigint"), json!(323232)),
            eq("c_float", json!("float"), json!(3.1)),
            eq("c_double", json!("double"), json!(9.33333)),
            eq("c_decimal", json!("decimal(30, 8)"), json!(99999.99999999)),
            eq("c_date", json!("date"), json!("2012-12-21")),
            eq("c_timestamp", json!("timestamp"), json!("2012-12-21T12:34:56")),
            eq("c_time", json!("time"), json!("12:34:56")),
            eq("c_bytes", json!("bytes"), json!("bWlJWmo=")),
            eq("c_array", json!("array<int>"), json!([0, 1, 2])),
            eq("c_map", json!("map<date, string>"), json!({"2024-01-26": "v0"})),
            eq("c_map_nest", json!("map<string, {c_int = int, c_string = string}>"),
               json!({"k1": [123, "BBB-BB"]})),
            eq("c_row", row_fields, row_value)]}});
    (source, sink)
}

#[test]
fn assert_fake_full_types_to_assert() {
    let (source, sink) = full_types();
    assert_eq!(run(&source, &sink).unwrap()["fake"], 1);
    // A wrong expected value fails the row with the rule printed.
    let mut wrong = sink.clone();
    wrong["rules"]["field_rules"][1]["field_value"][0]["equals_to"] = json!("AAB");
    let e = err(run(&source, &wrong));
    assert!(
        e.starts_with("ErrorCode:[ASSERT-01], ErrorDescription:[Rule validate failed] - row :SeaTunnelRow{tableId=fake, kind=+I, fields=[null, AAA, false, 1, 1, 333, 323232, 3.1, 9.33333, 99999.99999999, 2012-12-21, 2012-12-21T12:34:56, 12:34"),
        "{e}"
    );
    assert!(e.ends_with("fail rule: AssertFieldRule(fieldName=c_string, fieldType=STRING, fieldRules=[AssertFieldRule.AssertRule(ruleType=NOT_NULL, ruleValue=null, equalTo=AAB)])"), "{e}");
    // A nested difference deep in the row is found too.
    let mut wrong = sink;
    wrong["rules"]["field_rules"][17]["field_value"][0]["equals_to"][15] = json!({"k0": "v1"});
    assert!(err(run(&source, &wrong)).contains("fieldName=c_row"));
}

#[test]
fn assert_fake_row_to_assert() {
    let row_type = json!({"c_string": "string", "c_boolean": "boolean", "c_tinyint": "tinyint",
        "c_smallint": "smallint", "c_int": "int", "c_bigint": "bigint", "c_float": "float",
        "c_double": "double", "c_decimal": "decimal(30, 8)", "c_date": "date", "c_timestamp": "timestamp"});
    let row = json!([
        "AAA",
        false,
        1,
        1,
        333,
        323232,
        3.1,
        9.33333,
        99999.99999999,
        "2012-12-21",
        "2012-12-21T12:34:56"
    ]);
    let source = json!({"row.num": 1, "result_table_name": "fake",
        "schema": {"fields": {"c_array": "array<int>", "c_map": "map<string, string>", "c_row": row_type}},
        "rows": [{"kind": "INSERT", "fields": [[0, 1, 2], {"k0": "v0"}, row]}]});
    let sink = json!({"source_table_name": "fake", "rules": {
        "row_rules": [rule("MAX_ROW", 1.0), rule("MIN_ROW", 1.0)],
        "field_rules": [
            {"field_name": "c_array", "field_type": "array<int>", "field_value": [{"equals_to": [0, 1, 2]}]},
            {"field_name": "c_map", "field_type": "map<string, string>", "field_value": [{"equals_to": {"k0": "v0"}}]},
            {"field_name": "c_row", "field_type": row_type, "field_value": [{"equals_to": row}]}]}});
    run(&source, &sink).unwrap();
    let mut wrong = sink;
    wrong["rules"]["field_rules"][0]["field_value"][0]["equals_to"] = json!([0, 1]);
    assert!(err(run(&source, &wrong)).contains("fieldName=c_array"));
}

#[test]
fn assert_fakesource_to_assert() {
    // Its Filter transform keeps every field in order, so the rules apply to the source as is.
    let source = json!({"result_table_name": "fake", "row.num": 100, "split.row": 25,
        "split.read-interval": 2000, "int.min": 32767,
        "schema": {"fields": {"name": "string", "age": "int", "c_time": "time"}}});
    let sink = json!({"source_table_name": "fake1", "rules": {
        "row_rules": [rule("MAX_ROW", 100.0), rule("MIN_ROW", 5.0)],
        "field_rules": [
            {"field_name": "name", "field_type": "string", "field_value": [
                {"rule_type": "NOT_NULL"}, rule("MIN_LENGTH", 5.0), rule("MAX_LENGTH", 65535.0)]},
            {"field_name": "age", "field_type": "int", "field_value": [
                {"rule_type": "NOT_NULL"}, rule("MIN", 32767.0), rule("MAX", 2147483647.0)]},
            not_null("c_time", "time")]}});
    assert_eq!(run(&source, &sink).unwrap()["fake"], 100);
    let mut wrong = sink;
    wrong["rules"]["row_rules"][0] = rule("MAX_ROW", 99.0);
    assert_eq!(
        err(run(&source, &wrong)),
        "ErrorCode:[ASSERT-01], ErrorDescription:[Rule validate failed] - row num :100 fail rule: \
         AssertFieldRule.AssertRule(ruleType=MAX_ROW, ruleValue=99.0, equalTo=null)"
    );
}

#[test]
fn assert_fakesource_to_multi_table_assert() {
    let source = json!({"tables_configs": [
        {"row.num": 16, "schema": {"table": "test.table1", "fields": {"c_int": "int", "c_bigint": "bigint"}}},
        {"row.num": 17, "schema": {"table": "test.table2", "fields": {"c_string": "string", "c_tinyint": "tinyint"}}}]});
    let table = |path: &str, rows: f64, rules: Json| json!({"table_path": path, "row_rules": [rule("MAX_ROW", rows), rule("MIN_ROW", rows)], "field_rules": rules});
    let sink = json!({"rules": {"tables_configs": [
        table("test.table1", 16.0, json!([not_null("c_int", "int"), not_null("c_bigint", "bigint")])),
        table("test.table2", 17.0, json!([not_null("c_string", "string"), not_null("c_tinyint", "tinyint")]))]}});
    let rows = run(&source, &sink).unwrap();
    assert_eq!((rows["test.table1"], rows["test.table2"]), (16, 17));
    let mut wrong = sink;
    wrong["rules"]["tables_configs"][1]["row_rules"][1] = rule("MIN_ROW", 18.0);
    assert!(err(run(&source, &wrong)).contains(
        "row num :17 fail rule: AssertFieldRule.AssertRule(ruleType=MIN_ROW, ruleValue=18.0"
    ));
}

#[test]
fn fake_generic_row_type_to_assert() {
    let types = [
        ("c_0", "map<string, {c_int=int\nc_string=string}>"),
        ("c_1", "map<string, {c_int=int,c_string=string}>"),
        (
            "c_2",
            "map<string, {c_int=int,c_string=string,c_row={c_int=int}}>",
        ),
        (
            "c_3",
            "map<string, {\"c_int\":\"int\",\"c_string\":\"string\"}>",
        ),
    ];
    let fields: serde_json::Map<String, Json> = types
        .iter()
        .map(|(n, t)| (n.to_string(), json!(t)))
        .collect();
    let columns: Vec<Json> = types
        .iter()
        .map(|(n, t)| json!({"name": n, "type": t}))
        .collect();
    let source = json!({"row.num": 1, "result_table_name": "fake", "schema": {"fields": fields}});
    let sink = json!({"source_table_name": "fake", "rules": {"catalog_table_rule": {"column_rule": columns}}});
    run(&source, &sink).unwrap();
    let mut wrong = sink;
    wrong["rules"]["catalog_table_rule"]["column_rule"][2]["type"] =
        json!("map<string, {c_int=int}>");
    let e = err(run(&source, &wrong));
    assert!(
        e.starts_with("plugin Assert: catalog_table_rule failed for table fake: columns: ["),
        "{e}"
    );
}

fn all_types_schema() -> Json {
    let scalars = json!({"c_map": "map<string, string>", "c_array": "array<int>", "c_string": "string",
        "c_boolean": "boolean", "c_tinyint": "tinyint", "c_smallint": "smallint", "c_int": "int",
        "c_bigint": "bigint", "c_float": "float", "c_double": "double", "c_bytes": "bytes",
        "c_date": "date", "c_decimal": "decimal(38, 18)", "c_timestamp": "timestamp"});
    let mut fields = scalars.as_object().unwrap().clone();
    fields.insert("c_row".into(), scalars);
    json!({"fields": fields})
}

#[test]
fn fake_to_assert_and_flink_metrics_job() {
    // fake_to_assert.conf's Sql transform is `select * from fake`: the rows pass unchanged.
    let source = json!({"result_table_name": "fake", "schema": all_types_schema()});
    let sink = json!({"rules": {"row_rules": [rule("MAX_ROW", 5.0)], "field_rules": [
        not_null("c_string", "string"), not_null("c_boolean", "boolean"), not_null("c_double", "double")]}});
    assert_eq!(run(&source, &sink).unwrap()["fake"], 5);
    let mut with_five = source.clone();
    with_five["row.num"] = json!(5);
    run(&with_five, &sink).unwrap();
    let mut wrong = sink;
    wrong["rules"]["field_rules"][1]["field_type"] = json!("string");
    assert!(err(run(&source, &wrong)).contains("fieldName=c_boolean, fieldType=STRING"));
}

#[test]
fn fake_to_assert_with_catalogtable() {
    let source = json!({"row.num": 100, "result_table_name": "fake", "schema": {
        "table": "test.fakeTable",
        "columns": [{"name": "id", "type": "bigint"}, {"name": "name", "type": "string"}, {"name": "age", "type": "int"}],
        "primaryKey": {"name": "primary key", "columnNames": ["id"]},
        "constraintKeys": [{"constraintName": "unique_name", "constraintType": "UNIQUE_KEY",
            "constraintColumns": [{"columnName": "id", "sortType": "ASC"}]}]}});
    let sink = json!({"rules": {"catalog_table_rule": {
        "table_identifier_rule": {"catalog_name": "FakeSource", "table": "test.fakeTable"},
        "primary_key_rule": {"primary_key_name": "primary key", "primary_key_columns": ["id"]},
        "constraint_key_rule": [{"constraint_key_name": "unique_name", "constraint_key_type": "UNIQUE_KEY",
            "constraint_key_columns": [{"constraint_key_column_name": "id", "constraint_key_sort_type": "ASC"}]}],
        "column_rule": [{"name": "id", "type": "bigint"}, {"name": "name", "type": "string"}, {"name": "age", "type": "int"}]}}});
    assert_eq!(run(&source, &sink).unwrap()["test.fakeTable"], 100);
    let mut wrong = sink;
    wrong["rules"]["catalog_table_rule"]["constraint_key_rule"][0]["constraint_key_type"] =
        json!("INDEX_KEY");
    assert!(err(run(&source, &wrong)).contains("constraintKeys: [UNIQUE_KEY unique_name(id ASC)] is not equal to [INDEX_KEY unique_name(id ASC)]"));
}

#[test]
fn fake_to_assert_with_multitable_exception_fails() {
    let rows: Vec<Json> = [
        [1, 100],
        [2, 100],
        [3, 100],
        [3, 100],
        [3, 100],
        [3, 200],
        [3, 100],
    ]
    .iter()
    .map(|[id, score]| {
        let name = ["A", "B", "C"][(*id as usize - 1).min(2)];
        json!({"kind": "INSERT", "fields": [id, name, score]})
    })
    .collect();
    let source = json!({"schema": {"fields": {"pk_id": "bigint", "name": "string", "score": "int"}}, "rows": rows});
    let sink = json!({"rules": {"field_rules": [
        {"field_name": "score", "field_type": "int", "field_value": [rule("MAX", 100.0)]}]}});
    assert_eq!(
        err(run(&source, &sink)),
        "ErrorCode:[ASSERT-01], ErrorDescription:[Rule validate failed] - row :SeaTunnelRow{tableId=default.default.default, kind=+I, fields=[3, C, 200]} \
         fail rule: AssertFieldRule(fieldName=score, fieldType=INT, fieldRules=[AssertFieldRule.AssertRule(ruleType=MAX, ruleValue=100.0, equalTo=null)])"
    );
}

fn ranged_source(extra: Json) -> Json {
    let mut source = json!({"row.num": 5, "schema": {"fields": {"c_string": "string",
        "c_tinyint": "tinyint", "c_smallint": "smallint", "c_int": "int", "c_bigint": "bigint",
        "c_float": "float", "c_double": "double"}}});
    for (k, v) in extra.as_object().unwrap() {
        source[k] = v.clone();
    }
    source
}

fn ranged_sink() -> Json {
    // `rule_ruls` is the job's own typo: SeaTunnel ignores the key, and so must we.
    json!({"rules": {"rule_ruls": [rule("MAX_ROW", 5.0)], "field_rules": [
        {"field_name": "c_string", "field_type": "string", "field_value": [rule("MIN_LENGTH", 4.0), rule("MAX_LENGTH", 13.0)]},
        range_rule("c_tinyint", "tinyint", 1.0, 9.0), range_rule("c_smallint", "smallint", 10.0, 19.0),
        range_rule("c_int", "int", 20.0, 29.0), range_rule("c_bigint", "bigint", 30.0, 39.0),
        range_rule("c_float", "float", 40.0, 43.0), range_rule("c_double", "double", 44.0, 47.0)]}})
}

#[test]
fn fake_to_assert_with_range() {
    let source = ranged_source(json!({
        "string.template": ["tyrantlucifer", "hailin", "kris", "fanjia", "zongwen", "gaojun"],
        "tinyint.min": 1, "tinyint.max": 9, "smallint.min": 10, "smallint.max": 19, "int.min": 20,
        "int.max": 29, "bigint.min": 30, "bigint.max": 39, "float.min": 40.0, "float.max": 43.0,
        "double.min": 44.0, "double.max": 47.0}));
    for _ in 0..20 {
        run(&source, &ranged_sink()).unwrap();
    }
    let mut wide = source;
    wide["int.max"] = json!(100_000);
    wide["row.num"] = json!(50);
    assert!(err(run(&wide, &ranged_sink())).contains("fieldName=c_int"));
}

#[test]
fn fake_to_assert_with_template() {
    let source = ranged_source(json!({
        "string.fake.mode": "template",
        "string.template": ["tyrantlucifer", "hailin", "kris", "fanjia", "zongwen", "gaojun"],
        "tinyint.fake.mode": "template", "tinyint.template": [1, 2, 3, 4, 5, 6, 7, 8, 9],
        // The job's typo: smallint keeps mode RANGE, yet its template still wins.
        "smalling.fake.mode": "template", "smallint.template": [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
        "int.fake.mode": "template", "int.template": [20, 21, 22, 23, 24, 25, 26, 27, 28, 29],
        "bigint.fake.mode": "template", "bigint.template": [30, 31, 32, 33, 34, 35, 36, 37, 38, 39],
        "float.fake.mode": "template", "float.template": [40.0, 41.0, 42.0, 43.0],
        "double.fake.mode": "template", "double.template": [44.0, 45.0, 46.0, 47.0]}));
    for _ in 0..20 {
        run(&source, &ranged_sink()).unwrap();
    }
}

fn id_name_age_table(path: &str) -> Json {
    json!({"row.num": 100, "schema": {"table": path,
        "columns": [{"name": "id", "type": "bigint"}, {"name": "name", "type": "string"}, {"name": "age", "type": "int"}],
        "primaryKey": {"name": "primary key", "columnNames": ["id"]},
        "constraintKeys": [{"constraintName": "unique_name", "constraintType": "UNIQUE_KEY",
            "constraintColumns": [{"columnName": "id", "sortType": "ASC"}]}]}})
}

#[test]
fn fake_to_assert_with_tablenames() {
    let source = json!({"result_table_name": "fake",
        "tables_configs": [id_name_age_table("test.table1"), id_name_age_table("test.table2")]});
    let sink = json!({"rules": {"table-names": ["test.table1", "test.table2"]}});
    let rows = run(&source, &sink).unwrap();
    assert_eq!((rows["test.table1"], rows["test.table2"]), (100, 100));
    let wrong = json!({"rules": {"table-names": ["test.table1", "test.table3"]}});
    assert_eq!(
        err(run(&source, &wrong)),
        "ErrorCode:[ASSERT-01], ErrorDescription:[Rule validate failed] - table names: \
         [test.table1, test.table2] is not equal to [test.table1, test.table3]"
    );
}

#[test]
fn fake_to_console_with_multitable_mode_counts() {
    let source = json!({"result_table_name": "fake",
        "tables_configs": [id_name_age_table("test.table1"), id_name_age_table("test.table2")]});
    let sink = json!({"rules": {"row_rules": [rule("MIN_ROW", 100.0), rule("MAX_ROW", 100.0)]}});
    let rows = run(&source, &sink).unwrap();
    assert_eq!(rows.values().sum::<usize>(), 200);
}

fn id_name_row_source(extra_fields: Json) -> Json {
    let mut fields = json!({"id": "int", "name": "string"});
    for (k, v) in extra_fields.as_object().unwrap() {
        fields[k] = v.clone();
    }
    json!({"result_table_name": "fake", "row.num": 100, "schema": {"fields": fields}})
}

#[test]
fn transforms_source_side_rules() {
    let c_row = json!({"c_row": {"c_row": {"c_int": "int"}}});
    let with_age = json!({"age": "int", "c_row": {"c_row": {"c_int": "int"}}});
    let min_100 = |fields: Json| json!({"rules": {"row_rules": [rule("MIN_ROW", 100.0)], "field_rules": fields}});
    // copy_transform: id and name are untouched by the Copy blocks.
    run(
        &id_name_row_source(c_row),
        &min_100(json!([not_null("id", "int"), not_null("name", "string")])),
    )
    .unwrap();
    // field_mapper_transform: id and name keep their names.
    let mapper = json!({"age": "int", "string1": "string", "int1": "int", "c_bigint": "bigint",
        "c_row": {"c_row": {"c_int": "int"}}});
    run(
        &id_name_row_source(mapper),
        &min_100(json!([not_null("id", "int"), not_null("name", "string")])),
    )
    .unwrap();
    // filter_row_kind_{exclude_delete,include_insert} and filter_transform: every rule is on a
    // source column, and FakeSource rows are all INSERT.
    run(
        &id_name_row_source(with_age.clone()),
        &min_100(json!([not_null("age", "int"), not_null("name", "string")])),
    )
    .unwrap();
    // replace_transform and spark_date_time_transform: name is rewritten; the rest is not.
    let dt = json!({"c_time": "timestamp", "c_date": "date"});
    run(
        &id_name_row_source(dt),
        &min_100(json!([
            not_null("id", "int"),
            not_null("c_time", "timestamp"),
            not_null("c_date", "date")
        ])),
    )
    .unwrap();
    // sql_transform and sql_all_columns: the columns selected as they are.
    let sql = json!({"age": "int", "c_time": "time", "c_timestamp": "timestamp", "c_date": "date",
        "c_map": "map<string, string>", "c_array": "array<int>", "c_decimal": "decimal(30, 8)",
        "c_row": {"c_row": {"c_int": "int"}}});
    run(
        &id_name_row_source(sql),
        &min_100(json!([
            not_null("id", "int"),
            not_null("name", "string"),
            not_null("age", "int"),
            not_null("c_time", "time"),
            not_null("c_timestamp", "timestamp"),
            not_null("c_date", "date")
        ])),
    )
    .unwrap();
}

#[test]
fn filter_row_kind_exclude_insert_sees_no_rows() {
    // Every FakeSource row is an INSERT, so excluding INSERT leaves nothing: the Assert rules of
    // the job (exactly zero rows) hold when no batch arrives.
    let src = FakeSource::new(&opts(
        "FakeSource",
        &id_name_row_source(json!({"age": "int"})),
    ))
    .unwrap();
    let mut reader = src.start_reader(&reader_ctx(0, 1)).unwrap();
    let mut batch = Batch::new(src.tables()[0].clone());
    while reader.poll(&mut batch).unwrap() != Poll::Finished {
        assert!((0..batch.len()).all(|r| batch.kind(r) == RowKind::Insert));
        batch.clear();
    }
    let sink = AssertSink::new(&opts(
        "Assert",
        &json!({"rules": {"row_rules": [rule("MIN_ROW", 0.0), rule("MAX_ROW", 0.0)]}}),
    ))
    .unwrap();
    sink.check_input(&src.tables()).unwrap();
    sink.finish().unwrap();
    let sink = AssertSink::new(&opts(
        "Assert",
        &json!({"rules": {"row_rules": [rule("MIN_ROW", 1.0)]}}),
    ))
    .unwrap();
    sink.check_input(&src.tables()).unwrap();
    assert!(sink
        .finish()
        .unwrap_err()
        .to_string()
        .contains("row num :0 fail rule"));
}

#[test]
fn sql_transform_rows_convert_as_seatunnel_reads_them() {
    // The explicit rows of transforms/sql_transform/*.conf, checked on the source columns.
    let eq = |f: &str, t: &str, v: Json| json!({"field_name": f, "field_type": t, "field_value": [{"equals_to": v}]});
    let system = json!({"schema": {"fields": {"id": "bigint", "name": "string", "c1": "string",
        "c2": "timestamp", "c3": "string", "c4": "bigint", "c5": "int", "c6": "int"}},
        "rows": [{"fields": [1, "Joy Ding", "12.4", "2012-12-21T12:34:56", null, 1687747869032i64, 20230625, 235109], "kind": "INSERT"}]});
    run(&system, &json!({"rules": {"field_rules": [eq("id", "bigint", json!(1)), eq("c1", "string", json!("12.4")),
        eq("c2", "timestamp", json!("2012-12-21T12:34:56")), eq("c4", "bigint", json!(1687747869032i64)),
        {"field_name": "c3", "field_value": [{"rule_type": "NULL"}]}]}})).unwrap();
    let case_when = json!({"schema": {"fields": {"c_string": "string", "c_boolean": "boolean", "c_tinyint": "tinyint",
        "c_smallint": "smallint", "c_int": "int", "c_bigint": "bigint", "c_float": "float", "c_double": "double",
        "c_decimal": "decimal(30, 8)", "c_bytes": "bytes", "c_date": "date", "c_timestamp": "timestamp"}},
        "rows": [{"kind": "INSERT", "fields": ["c_string", true, 117, 15987, 56387395, 7084913402530365000i64, 1.23, 1.23,
            "2924137191386439303744.39292216", "bWlJWmo=", "2023-04-22", "2023-04-22T23:20:58"]}]});
    run(&case_when, &json!({"rules": {"field_rules": [eq("c_decimal", "decimal(30, 8)", json!("2924137191386439303744.39292216")),
        eq("c_tinyint", "tinyint", json!(117)), eq("c_float", "float", json!(1.23)),
        eq("c_bigint", "bigint", json!(7084913402530365000i64))]}})).unwrap();
    let datetime = json!({"schema": {"fields": {"id": "int", "name": "string", "c1": "timestamp", "c2": "timestamp",
        "c3": "timestamp", "c4": "timestamp", "c5": "string", "c6": "string", "c7": "string"}},
        "rows": [{"fields": [1, "Joy Ding", "2021-04-15T13:34:45", "2022-01-23T12:34:56", "2021-04-15T13:34:45.235",
            "2021-04-08T13:34:45.235", "2021-04-08 13:34:45.235", "2021-04-08", "2021-04-08 13:34:45.235"], "kind": "INSERT"}]});
    run(
        &datetime,
        &json!({"rules": {"field_rules": [eq("c3", "timestamp", json!("2021-04-15 13:34:45.235")),
        eq("c5", "string", json!("2021-04-08 13:34:45.235"))]}}),
    )
    .unwrap();
    let criteria = json!({"schema": {"fields": {"id": "int", "name": "string", "age": "int", "email": "string"}},
        "rows": (0..9).map(|i| json!({"fields": [i, "n", 20 + i, if i == 1 { json!("may_ding@apache.com") } else { Json::Null }], "kind": "INSERT"})).collect::<Vec<_>>()});
    assert_eq!(
        run(
            &criteria,
            &json!({"rules": {"row_rules": [rule("MIN_ROW", 9.0), rule("MAX_ROW", 9.0)]}})
        )
        .unwrap()["default.default.default"],
        9
    );
    // inner_query: string.template applies to every string, nested ones and map entries too.
    let inner = json!({"result_table_name": "fake", "row.num": 100, "string.template": ["innerQuery"],
        "schema": {"fields": {"name": "string", "c_date": "date", "c_row": {"c_inner_row": {
            "c_inner_int": "int", "c_inner_string": "string", "c_inner_timestamp": "timestamp",
            "c_map": "map<string, string>"}, "c_string": "string"}}}});
    run(&inner, &json!({"rules": {"field_rules": [eq("name", "string", json!("innerQuery")), not_null("c_date", "date")]}})).unwrap();
}

#[test]
fn engine_multi_table_rows_and_byte_sizes() {
    // batch_fake_multi_table_to_console.conf: 10 + 5 explicit rows of 13 bytes each.
    let kinds = [
        "INSERT",
        "INSERT",
        "INSERT",
        "INSERT",
        "INSERT",
        "INSERT",
        "UPDATE_BEFORE",
        "UPDATE_AFTER",
        "DELETE",
        "INSERT",
    ];
    let rows1: Vec<Json> = kinds
        .iter()
        .map(|k| json!({"kind": k, "fields": [1, "A", 100]}))
        .collect();
    let fields = json!({"id": "bigint", "name": "string", "score": "int"});
    let src = FakeSource::new(&opts(
        "FakeSource",
        &json!({"result_table_name": "fake1",
        "schema": {"table": "fake.table1", "fields": fields}, "rows": rows1}),
    ))
    .unwrap();
    let mut reader = src.start_reader(&reader_ctx(0, 1)).unwrap();
    let mut batch = Batch::new(src.tables()[0].clone());
    assert_eq!(reader.poll(&mut batch).unwrap(), Poll::Emitted);
    assert_eq!(batch.len(), 10);
    assert_eq!(batch.bytes_size(), 130);
    assert_eq!(batch.kind(7), RowKind::UpdateAfter);
    assert_eq!(batch.value(0, 0), Value::BigInt(1));
    assert_eq!(src.tables()[0].path.full_name(), "fake.table1");
}

#[test]
fn engine_cluster_template_counts() {
    // cluster_batch_fake_to_localfile_template.conf with row.num 1000 and parallelism 6.
    let mut source = json!({"row.num": 1000, "split.num": 5, "split.read-interval": 3000, "map.size": 10,
        "array.size": 10, "bytes.length": 10, "string.length": 10, "parallelism": 6});
    source["schema"] = all_types_schema();
    let sink = json!({"rules": {"row_rules": [rule("MIN_ROW", 6000.0), rule("MAX_ROW", 6000.0)],
        "field_rules": [{"field_name": "c_string", "field_type": "string",
            "field_value": [rule("MIN_LENGTH", 10.0), rule("MAX_LENGTH", 10.0)]}]}});
    assert_eq!(
        run(&source, &sink).unwrap()["default.default.default"],
        6000
    );
}

#[test]
fn a_restarted_run_counts_from_zero() {
    let src = FakeSource::new(&opts(
        "FakeSource",
        &json!({"schema": {"fields": {"a": "int"}}}),
    ))
    .unwrap();
    let sink = AssertSink::new(&opts(
        "Assert",
        &json!({"rules": {"row_rules": [rule("MAX_ROW", 5.0)]}}),
    ))
    .unwrap();
    let tables = src.tables();
    sink.check_input(&tables).unwrap();
    for _attempt in 0..2 {
        sink.setup(&tables).unwrap();
        let mut reader = src.start_reader(&reader_ctx(0, 1)).unwrap();
        let mut writer = sink.create_writer(&writer_ctx(0, 1)).unwrap();
        let mut batch = Batch::new(tables[0].clone());
        while reader.poll(&mut batch).unwrap() == Poll::Emitted {
            writer.write(&batch).unwrap();
            batch.clear();
        }
    }
    sink.finish().unwrap();
}

#[test]
fn row_counts_reach_a_committer_in_another_process_once_per_hand_over() {
    // Separated mode: the writers' sink instance and the committer's are different objects.
    let source = json!({"row.num": 7, "schema": {"fields": {"a": "int"}}});
    let src = FakeSource::new(&opts("FakeSource", &source)).unwrap();
    let rules = json!({"rules": {"row_rules": [rule("MIN_ROW", 14.0), rule("MAX_ROW", 14.0)]}});
    let on_worker = AssertSink::new(&opts("Assert", &rules)).unwrap();
    let committer = AssertSink::new(&opts("Assert", &rules)).unwrap();
    committer.check_input(&src.tables()).unwrap();
    let mut infos = Vec::new();
    for subtask_index in 0..2 {
        let mut reader = src.start_reader(&reader_ctx(0, 1)).unwrap();
        let mut writer = on_worker
            .create_writer(&writer_ctx(subtask_index, 2))
            .unwrap();
        let mut batch = Batch::new(src.tables()[0].clone());
        while reader.poll(&mut batch).unwrap() != Poll::Finished {
            writer.write(&batch).unwrap();
            // A checkpoint mid-way: two hand-overs from one writer.
            infos.extend(writer.prepare_commit().unwrap());
            batch.clear();
        }
        infos.extend(writer.prepare_commit().unwrap());
    }
    committer.commit(infos.clone()).unwrap();
    // A master failover repeats the commit: nothing is counted twice.
    committer.commit(infos).unwrap();
    committer.finish().unwrap();
    assert!(
        on_worker.finish().is_err(),
        "counts live with the committer only: the writers' instance committed nothing"
    );
}
