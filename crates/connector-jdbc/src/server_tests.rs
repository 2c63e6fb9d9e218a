//! The source and sink against real PostgreSQL 15 (with PostGIS) and MariaDB 10.11 servers that
//! each test starts on loopback (`seatunnel-test-servers`). Tables are compared by the databases
//! themselves (`EXCEPT` both ways), so every column of every row is checked in the server's own
//! terms.

use serde_json::json;

use seatunnel_test_servers::{MariaDbServer, PostgresServer};

use crate::tests::{enumerate, read_all, rows_of, source, write_all};

/// Rows in the wide tables: enough for several fetches and splits.
const ROWS: usize = 1000;

/// SeaTunnel's `pg_e2e_source_table` shape (JdbcPostgresIT), with the types this build reads.
const PG_TABLE: &str = "CREATE EXTENSION IF NOT EXISTS postgis;
CREATE TABLE pg_e2e_source_table (
  gid SERIAL PRIMARY KEY, uuid_col UUID, text_col TEXT, varchar_col VARCHAR(255), char_col CHAR(10),
  boolean_col BOOL, smallint_col INT2, integer_col INT4, bigint_col BIGINT, decimal_col DECIMAL(10,2),
  numeric_col NUMERIC(8,4), real_col FLOAT4, double_precision_col FLOAT8, smallserial_col SMALLSERIAL,
  serial_col SERIAL, bigserial_col BIGSERIAL, date_col DATE, timestamp_col TIMESTAMP, bpchar_col BPCHAR(10),
  age INT NOT NULL, name VARCHAR(255) NOT NULL, point geometry(POINT, 4326),
  linestring geometry(LINESTRING, 4326), polygon_colums geometry(POLYGON, 4326),
  geog geography(POINT, 4326), json_col JSON NOT NULL, jsonb_col JSONB NOT NULL, xml_col XML NOT NULL,
  bytea_col BYTEA, tstz_col TIMESTAMPTZ, time_col TIME);
CREATE TABLE pg_e2e_sink_table (LIKE pg_e2e_source_table INCLUDING ALL);";

fn pg_fill(pg: &PostgresServer) {
    pg.psql(PG_TABLE).unwrap();
    pg.psql(&format!(
        "INSERT INTO pg_e2e_source_table (uuid_col, text_col, varchar_col, char_col, boolean_col,
           smallint_col, integer_col, bigint_col, decimal_col, numeric_col, real_col,
           double_precision_col, date_col, timestamp_col, bpchar_col, age, name, point, linestring,
           polygon_colums, geog, json_col, jsonb_col, xml_col, bytea_col, tstz_col, time_col)
         SELECT md5(i::text)::uuid, 'text ' || i, CASE WHEN i % 9 = 0 THEN NULL ELSE 'v' || (i % 37) END,
           'c' || (i % 10), i % 2 = 0, (i % 30000)::int2, i * 7, i::bigint * 100000000000,
           (i * 1.25)::decimal(10,2), (i / 7.0)::numeric(8,4), i / 3.0, i / 3.0,
           DATE '2020-01-01' + i, TIMESTAMP '2020-01-01 00:00:00.123456' + i * INTERVAL '1 minute',
           'b' || i, i % 90, 'name ' || i, ST_GeomFromText('POINT(' || i || ' 2)', 4326),
           ST_GeomFromText('LINESTRING(0 0, ' || i || ' 1)', 4326),
           ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 ' || i || ', 0 0))', 4326),
           ST_GeogFromText('SRID=4326;POINT(1 ' || (i % 80) || ')'),
           json_build_object('i', i), jsonb_build_object('k', i, 'nested', jsonb_build_array(i, 'x')),
           ('<r>' || i || '</r>')::xml, decode(md5(i::text), 'hex'),
           TIMESTAMPTZ '2020-06-01 12:00:00+02' + i * INTERVAL '1 second', TIME '10:11:12.5' + i * INTERVAL '1 second'
         FROM generate_series(1, {ROWS}) i"
    ))
    .unwrap();
}

/// Rows of `a` not in `b` plus rows of `b` not in `a`, compared by the server (geometries
/// and json by their text, which is how they are equal in SeaTunnel's test).
fn pg_differences(pg: &PostgresServer, a: &str, b: &str) -> usize {
    let cols = "gid, uuid_col, text_col, varchar_col, char_col, boolean_col, smallint_col, integer_col,
      bigint_col, decimal_col, numeric_col, real_col, double_precision_col, smallserial_col, serial_col,
      bigserial_col, date_col, timestamp_col, bpchar_col, age, name, point::text, linestring::text,
      polygon_colums::text, geog::text, json_col::text, jsonb_col, xml_col::text, bytea_col, tstz_col, time_col";
    let out = pg
        .psql(&format!(
            "SELECT count(*) FROM ((SELECT {cols} FROM {a} EXCEPT ALL SELECT {cols} FROM {b})
               UNION ALL (SELECT {cols} FROM {b} EXCEPT ALL SELECT {cols} FROM {a})) d"
        ))
        .unwrap();
    out.trim().parse().unwrap()
}

#[test]
fn postgres_to_postgres_copies_every_column_of_every_row() {
    let pg = PostgresServer::start().unwrap();
    pg_fill(&pg);
    // Text that COPY and the text format must escape.
    pg.psql(r"UPDATE pg_e2e_source_table SET text_col = E'tab\there\nnew\\line \\N' WHERE gid = 3")
        .unwrap();
    let url = pg.jdbc_url("test");
    // SeaTunnel's jdbc_postgres_source_and_sink.conf: a string partition column, two splits,
    // generated upsert SQL into the sink table.
    let src = source(json!({
        "url": format!("{url}?loggerLevel=OFF"), "driver": "org.postgresql.Driver",
        "user": "test", "password": "test",
        "query": "select * from pg_e2e_source_table",
        "partition_column": "varchar_col", "partition_num": 2, "fetch_size": 100
    }));
    let batches = read_all(src.as_ref(), enumerate(src.as_ref(), 2));
    assert_eq!(rows_of(&batches).len(), ROWS);
    write_all(
        json!({
            "url": format!("{url}?stringtype=unspecified"), "driver": "org.postgresql.Driver",
            "user": "test", "password": "test", "generate_sink_sql": true, "database": "test",
            "table": "public.pg_e2e_sink_table", "primary_keys": ["gid"], "batch_size": 300
        }),
        &batches,
    );
    assert_eq!(
        pg_differences(&pg, "pg_e2e_source_table", "pg_e2e_sink_table"),
        0
    );

    // jdbc_postgres_source_and_sink_parallel.conf: split on the key, the job's own INSERT.
    pg.psql("TRUNCATE pg_e2e_sink_table").unwrap();
    let src = source(json!({
        "url": url, "driver": "org.postgresql.Driver", "user": "test", "password": "test",
        "query": "select * from pg_e2e_source_table", "partition_column": "gid",
        "partition_lower_bound": 1, "partition_upper_bound": ROWS, "partition_num": 3
    }));
    let batches = read_all(src.as_ref(), enumerate(src.as_ref(), 3));
    let names: Vec<String> = src.tables()[0]
        .fields
        .iter()
        .map(|f| f.name.clone())
        .collect();
    let marks = vec!["?"; names.len()].join(", ");
    write_all(
        json!({
            "url": url, "driver": "org.postgresql.Driver", "user": "test", "password": "test",
            "query": format!("INSERT INTO pg_e2e_sink_table ({}) VALUES ({marks})", names.join(", "))
        }),
        &batches,
    );
    assert_eq!(
        pg_differences(&pg, "pg_e2e_source_table", "pg_e2e_sink_table"),
        0
    );
    // jdbc_postgres_source_and_sink_copy_stmt.conf: the same rows through COPY.
    pg.psql("TRUNCATE pg_e2e_sink_table").unwrap();
    write_all(
        json!({
            "url": format!("{url}?stringtype=unspecified"), "driver": "org.postgresql.Driver",
            "user": "test", "password": "test", "generate_sink_sql": true, "database": "test",
            "table": "public.pg_e2e_sink_table", "primary_keys": ["gid"], "use_copy_statement": true
        }),
        &batches,
    );
    assert_eq!(
        pg_differences(&pg, "pg_e2e_source_table", "pg_e2e_sink_table"),
        0
    );
    // The comparison sees one changed column of one row (both directions).
    pg.psql("UPDATE pg_e2e_sink_table SET jsonb_col = '{}' WHERE gid = 5")
        .unwrap();
    assert_eq!(
        pg_differences(&pg, "pg_e2e_source_table", "pg_e2e_sink_table"),
        2
    );
}

#[test]
fn postgres_types_read_as_seatunnel_reads_them() {
    let pg = PostgresServer::start().unwrap();
    pg_fill(&pg);
    let src = source(json!({
        "url": pg.jdbc_url("test"), "driver": "org.postgresql.Driver", "user": "test", "password": "test",
        "query": "select gid, decimal_col, numeric_col, uuid_col, point, jsonb_col, tstz_col, time_col, timestamp_col \
                  from pg_e2e_source_table where gid = 8"
    }));
    let types: Vec<String> = src.tables()[0]
        .fields
        .iter()
        .map(|f| f.data_type.to_string())
        .collect();
    assert_eq!(
        types,
        [
            "INT",
            "DECIMAL(10, 2)",
            "DECIMAL(8, 4)",
            "STRING",
            "STRING",
            "STRING",
            "TIMESTAMP",
            "TIME",
            "TIMESTAMP"
        ]
    );
    let row = rows_of(&read_all(src.as_ref(), enumerate(src.as_ref(), 1))).remove(0);
    let text: Vec<String> = row.iter().map(|v| v.to_string()).collect();
    assert_eq!(text[1], "10.00");
    assert_eq!(text[2], "1.1429");
    assert_eq!(text[3], pg.psql("select md5('8')::uuid").unwrap().trim());
    assert_eq!(
        text[4],
        pg.psql("select point::text from pg_e2e_source_table where gid = 8")
            .unwrap()
            .trim()
    );
    assert_eq!(text[5], r#"{"k": 8, "nested": [8, "x"]}"#);
    // 12:00 at +02 is 10:00 UTC.
    assert_eq!(text[6], "2020-06-01T10:00:08");
    assert_eq!(text[7], "10:11:20.500");
    assert_eq!(text[8], "2020-01-01T00:08:00.123456");
}

/// SeaTunnel's MySQL e2e table (JdbcMysqlIT), every type MariaDB has.
const MY_TABLE: &str = "CREATE TABLE source (
  id INT PRIMARY KEY, c_bit_1 BIT(1), c_bit_8 BIT(8), c_bit_64 BIT(64), c_boolean TINYINT(1),
  c_tinyint TINYINT, c_tinyint_unsigned TINYINT UNSIGNED, c_smallint SMALLINT, c_smallint_unsigned SMALLINT UNSIGNED,
  c_mediumint MEDIUMINT, c_mediumint_unsigned MEDIUMINT UNSIGNED, c_int INT, c_int_unsigned INT UNSIGNED,
  c_bigint BIGINT, c_bigint_unsigned BIGINT UNSIGNED, c_bigint_30 BIGINT(40) UNSIGNED UNIQUE,
  c_decimal DECIMAL(20,0), c_decimal_unsigned DECIMAL(38,18) UNSIGNED, c_decimal_30 DECIMAL(30),
  c_decimal_unsigned_30 DECIMAL(30) UNSIGNED, c_float FLOAT, c_float_unsigned FLOAT UNSIGNED, c_double DOUBLE,
  c_double_unsigned DOUBLE UNSIGNED, c_char CHAR(1), c_tinytext TINYTEXT, c_mediumtext MEDIUMTEXT, c_text TEXT,
  c_longtext LONGTEXT, c_varchar VARCHAR(255), c_json JSON, c_date DATE, c_datetime DATETIME(6), c_time TIME(3),
  c_timestamp TIMESTAMP(6) NULL, c_tinyblob TINYBLOB, c_mediumblob MEDIUMBLOB, c_blob BLOB, c_longblob LONGBLOB,
  c_varbinary VARBINARY(255), c_binary BINARY(1), c_year YEAR)";

fn my_fill(my: &MariaDbServer) {
    my.sql(MY_TABLE).unwrap();
    my.sql("CREATE TABLE sink LIKE source").unwrap();
    my.sql(&format!(
        "INSERT INTO source SELECT seq, seq % 2, seq % 256, seq * 1000003, seq % 2, seq % 128 - 64, seq % 256,
           seq - 500, seq, seq * 10, seq * 11, seq * -3, seq * 4000000, seq * -1000000000000,
           18446744073709551615 - seq, 2844674407371055000 + seq - 1, seq * 12345678901, seq / 7,
           123456789012345678901234567890 - seq, seq * 99999999999999999999, seq / 3, seq / 3, seq / 9, seq / 9,
           CHAR(65 + seq % 26), CONCAT('tiny', seq), CONCAT('medium', seq), CONCAT('text ', seq, ' é'),
           REPEAT('long', seq % 50), CONCAT('v', seq), JSON_OBJECT('k', seq), DATE '2020-01-01' + INTERVAL seq DAY,
           TIMESTAMP '2020-01-01 00:00:00.123456' + INTERVAL seq MINUTE, TIME '10:11:12.250' + INTERVAL seq SECOND,
           TIMESTAMP '2021-01-01 00:00:00' + INTERVAL seq SECOND, UNHEX(MD5(seq)), UNHEX(MD5(seq)), UNHEX(SHA1(seq)),
           REPEAT(UNHEX(MD5(seq)), 10), UNHEX(MD5(seq)), CHAR(seq % 256), 1901 + seq % 200
         FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_{ROWS}) s"
    ))
    .unwrap();
}

fn my_differences(my: &MariaDbServer, a: &str, b: &str) -> usize {
    let out = my
        .sql(&format!(
            "SELECT COUNT(*) FROM ((SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})
               UNION ALL (SELECT * FROM {b} EXCEPT ALL SELECT * FROM {a})) d"
        ))
        .unwrap();
    out.trim().parse().unwrap()
}

#[test]
fn mariadb_to_mariadb_copies_every_column_of_every_row() {
    let my = MariaDbServer::start().unwrap();
    my_fill(&my);
    let url = my.jdbc_url("test");
    // jdbc_mysql_source_and_sink_parallel_upper_lower.conf: bounds on an unsigned bigint key.
    let src = source(json!({
        "url": format!("{url}?useSSL=false"), "driver": "com.mysql.cj.jdbc.Driver",
        "user": "test", "password": "test", "query": "select * from source",
        "partition_column": "c_bigint_30", "partition_lower_bound": 2844674407371055000u64,
        "partition_upper_bound": 2844674407371055999u64, "partition_num": 5
    }));
    let batches = read_all(src.as_ref(), enumerate(src.as_ref(), 3));
    assert_eq!(rows_of(&batches).len(), ROWS);
    write_all(
        json!({
            "url": url, "driver": "com.mysql.cj.jdbc.Driver", "user": "test", "password": "test",
            "generate_sink_sql": true, "database": "test", "table": "sink", "primary_keys": ["id"],
            "properties": {"useSSL": false, "rewriteBatchedStatements": true}
        }),
        &batches,
    );
    assert_eq!(my_differences(&my, "source", "sink"), 0);
    my.sql("UPDATE sink SET c_bit_64 = c_bit_64 + 1 WHERE id = 5")
        .unwrap();
    assert_eq!(
        my_differences(&my, "source", "sink"),
        2,
        "the comparison sees one changed bit"
    );
    // jdbc_mysql_source_using_table_path.conf: split by the primary key, a created table.
    let src = source(json!({
        "url": url, "driver": "org.mariadb.jdbc.Driver", "user": "test", "password": "test",
        "table_path": "test.source", "split.size": 300
    }));
    let splits = enumerate(src.as_ref(), 2);
    assert_eq!(
        splits.iter().map(Vec::len).sum::<usize>(),
        5,
        "4 key ranges and the NULL split"
    );
    let batches = read_all(src.as_ref(), splits);
    write_all(
        json!({
            "url": url, "driver": "com.mysql.cj.jdbc.Driver", "user": "test", "password": "test",
            "generate_sink_sql": true, "database": "test", "table": "created"
        }),
        &batches,
    );
    assert_eq!(
        my.sql("SELECT COUNT(*) FROM created").unwrap().trim(),
        ROWS.to_string()
    );
}

#[test]
fn postgres_to_mariadb_and_back_keeps_values() {
    let pg = PostgresServer::start().unwrap();
    let my = MariaDbServer::start().unwrap();
    pg.psql(&format!(
        "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, price NUMERIC(12,3), at TIMESTAMP, d DATE, ok BOOL, raw BYTEA);
         INSERT INTO t SELECT i, 'n' || i, i * 1.125, TIMESTAMP '2024-01-01' + i * INTERVAL '1.5 second', DATE '2024-01-01' + i, i % 3 = 0, int4send(i)
         FROM generate_series(1, {ROWS}) i"
    ))
    .unwrap();
    let src = source(json!({
        "url": pg.jdbc_url("test"), "driver": "org.postgresql.Driver", "user": "test", "password": "test",
        "table_path": "test.public.t"
    }));
    let batches = read_all(src.as_ref(), enumerate(src.as_ref(), 2));
    write_all(
        json!({
            "url": my.jdbc_url("test"), "driver": "com.mysql.cj.jdbc.Driver", "user": "test", "password": "test",
            "generate_sink_sql": true, "database": "test", "table": "t", "primary_keys": ["id"]
        }),
        &batches,
    );
    let back = source(json!({
        "url": my.jdbc_url("test"), "driver": "com.mysql.cj.jdbc.Driver", "user": "test", "password": "test",
        "table_path": "test.t"
    }));
    let again = read_all(back.as_ref(), enumerate(back.as_ref(), 1));
    write_all(
        json!({
            "url": pg.jdbc_url("test"), "driver": "org.postgresql.Driver", "user": "test", "password": "test",
            "generate_sink_sql": true, "database": "test", "table": "public.back", "primary_keys": ["id"]
        }),
        &again,
    );
    let diff = pg
        .psql("SELECT count(*) FROM ((SELECT * FROM t EXCEPT SELECT * FROM back) UNION ALL (SELECT * FROM back EXCEPT SELECT * FROM t)) d")
        .unwrap();
    assert_eq!(diff.trim(), "0");
}

#[test]
fn bad_credentials_and_missing_tables_fail_at_plan_time() {
    let pg = PostgresServer::start().unwrap();
    let plan = |j: serde_json::Value| {
        use seatunnel_connector::SourceFactory;
        crate::JdbcSourceFactory
            .create(&crate::tests::plugin_ctx(1), &crate::tests::options(j))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let err = plan(
        json!({"url": pg.jdbc_url("test"), "driver": "org.postgresql.Driver", "user": "test", "password": "wrong", "query": "select 1"}),
    );
    assert!(err.contains("password authentication failed"), "{err}");
    let err = plan(
        json!({"url": pg.jdbc_url("test"), "driver": "org.postgresql.Driver", "user": "test", "password": "test", "table_path": "nope"}),
    );
    assert!(err.contains("\"nope\" does not exist"), "{err}");
    let err = plan(json!({
        "url": "jdbc:postgresql://127.0.0.1:1/test", "driver": "org.postgresql.Driver",
        "user": "test", "password": "test", "query": "select 1", "connection_check_timeout_sec": 2
    }));
    assert!(
        err.contains("cannot connect to postgresql at 127.0.0.1:1/test"),
        "{err}"
    );
}

#[test]
fn a_database_that_goes_away_mid_write_fails_the_writer_with_the_drivers_message() {
    let mut pg = PostgresServer::start().unwrap();
    pg.psql("CREATE TABLE t (id INT PRIMARY KEY)").unwrap();
    let sqlite_rows = {
        let src = source(json!({
            "url": pg.jdbc_url("test"), "driver": "org.postgresql.Driver", "user": "test", "password": "test",
            "query": "select i as id from generate_series(1, 100) i"
        }));
        read_all(src.as_ref(), enumerate(src.as_ref(), 1))
    };
    use seatunnel_connector::SinkFactory;
    let sink = crate::JdbcSinkFactory
        .create(
            &crate::tests::plugin_ctx(1),
            &crate::tests::options(json!({
                "url": pg.jdbc_url("test"), "driver": "org.postgresql.Driver", "user": "test", "password": "test",
                "query": "insert into t values (?)", "batch_size": 10
            })),
        )
        .unwrap();
    let ctx = seatunnel_connector::WriterContext {
        job_id: 1,
        vertex_id: 1,
        job_mode: seatunnel_connector::JobMode::Batch,
        pipeline_id: 1,
        subtask_index: 0,
        parallelism: 1,
        restored: None,
    };
    let mut writer = sink.create_writer(&ctx).unwrap();
    writer.write(&sqlite_rows[0]).unwrap();
    pg.kill().unwrap();
    let err = writer.write(&sqlite_rows[0]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("jdbc sink: writing 10 rows to table default failed"),
        "{err}"
    );
    assert!(
        err.is_unavailable(),
        "a database gone is worth a restart: {err:?}"
    );
    // Refused work is not: a key the table already holds.
    pg.restart().unwrap();
    let mut writer = sink.create_writer(&ctx).unwrap();
    let err = writer.write(&sqlite_rows[0]).unwrap_err();
    assert!(err.to_string().contains("duplicate key"), "{err}");
    assert!(!err.is_unavailable(), "{err:?}");
}

/// The checkpoint protocol as the engine drives it, with a crash in the middle: only completed
/// checkpoints' rows become visible, a restored writer rolls back what the crashed one prepared
/// after its checkpoint, commits survive a database restart and are idempotent.
fn exactly_once_across_a_crash(
    url: &str,
    driver: &str,
    count: &dyn Fn() -> usize,
    prepared: &dyn Fn() -> usize,
    restart_database: &mut dyn FnMut(),
) {
    use seatunnel_connector::{JobMode, SinkFactory, WriterContext};
    let src = source(json!({
        "url": url, "driver": driver, "user": "test", "password": "test",
        "query": "select id, name from numbers order by id"
    }));
    let batches = read_all(src.as_ref(), enumerate(src.as_ref(), 1));
    let rows = &batches[0];
    // Three "checkpoint intervals" of rows: 1-100, 101-200, 201-250.
    let slice = |from: usize, to: usize| {
        let mut b = seatunnel_data::Batch::new(rows.schema().clone());
        for r in from..to {
            b.push_row_from(rows, r);
        }
        b
    };
    let sink = crate::JdbcSinkFactory
        .create(
            &crate::tests::plugin_ctx(1),
            &crate::tests::options(json!({
                "url": url, "driver": driver, "user": "test", "password": "test",
                "generate_sink_sql": true, "database": "test", "table": "target",
                "primary_keys": ["id"], "is_exactly_once": "true", "batch_size": 30,
                "xa_data_source_class_name": "com.mysql.cj.jdbc.MysqlXADataSource",
                "max_commit_attempts": 3, "transaction_timeout_sec": 86400
            })),
        )
        .unwrap();
    sink.setup(&[rows.schema().clone()]).unwrap();
    let ctx = |restored| WriterContext {
        job_id: 77,
        vertex_id: 1,
        job_mode: JobMode::Streaming,
        pipeline_id: 1,
        subtask_index: 0,
        parallelism: 1,
        restored,
    };
    let mut first = sink.create_writer(&ctx(None)).unwrap();
    first.write(&slice(0, 100)).unwrap();
    let info1 = first
        .prepare_commit()
        .unwrap()
        .expect("a transaction was prepared");
    let state1 = first
        .snapshot(1)
        .unwrap()
        .expect("exactly-once writers have state");
    assert_eq!(count(), 0, "prepared rows are invisible");
    sink.commit(vec![info1.clone()]).unwrap();
    assert_eq!(count(), 100);
    // Checkpoint 2 prepares but never completes; then rows in an open transaction; then the
    // worker dies.
    first.write(&slice(100, 200)).unwrap();
    first.prepare_commit().unwrap().expect("prepared");
    first.write(&slice(200, 250)).unwrap();
    drop(first);
    assert_eq!(count(), 100);
    assert_eq!(prepared(), 1, "checkpoint 2's transaction is left prepared");
    // Restored from checkpoint 1: the orphan goes, the rows are written again, once.
    let mut second = sink.create_writer(&ctx(Some(state1))).unwrap();
    assert_eq!(prepared(), 0, "the restored writer rolled the orphan back");
    second.write(&slice(100, 250)).unwrap();
    let info2 = second.prepare_commit().unwrap().expect("prepared");
    // The database restarts between prepare and commit: prepared transactions survive it.
    restart_database();
    sink.commit(vec![info2.clone()]).unwrap();
    assert_eq!(count(), 250);
    // A commit retried after a failover finds nothing left to do.
    sink.commit(vec![info1, info2]).unwrap();
    assert_eq!(count(), 250);
    assert_eq!(prepared(), 0);
}

#[test]
fn postgres_exactly_once_survives_a_writer_crash_and_a_database_restart() {
    let pg = std::cell::RefCell::new(PostgresServer::start().unwrap());
    pg.borrow()
        .psql("CREATE TABLE numbers AS SELECT i AS id, 'n' || i AS name FROM generate_series(1, 250) i")
        .unwrap();
    let url = pg.borrow().jdbc_url("test");
    let count = || {
        let out = pg
            .borrow()
            .psql("SELECT count(DISTINCT id) || '/' || count(*) FROM target")
            .unwrap();
        let (distinct, all) = out.trim().split_once('/').unwrap();
        assert_eq!(distinct, all, "no row twice");
        all.parse().unwrap()
    };
    let prepared = || {
        pg.borrow()
            .psql("SELECT count(*) FROM pg_prepared_xacts")
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    exactly_once_across_a_crash(
        &url,
        "org.postgresql.Driver",
        &count,
        &prepared,
        &mut || {
            let mut pg = pg.borrow_mut();
            pg.kill().unwrap();
            pg.restart().unwrap();
        },
    );
}

#[test]
fn mariadb_exactly_once_survives_a_writer_crash_and_a_database_restart() {
    let my = std::cell::RefCell::new(MariaDbServer::start().unwrap());
    my.borrow()
        .sql("CREATE TABLE numbers AS SELECT CAST(seq AS SIGNED) AS id, CONCAT('n', seq) AS name FROM seq_1_to_250")
        .unwrap();
    let url = my.borrow().jdbc_url("test");
    let count = || {
        let out = my
            .borrow()
            .sql("SELECT CONCAT(COUNT(DISTINCT id), '/', COUNT(*)) FROM target")
            .unwrap();
        let (distinct, all) = out.trim().split_once('/').unwrap();
        assert_eq!(distinct, all, "no row twice");
        all.parse().unwrap()
    };
    let prepared = || my.borrow().sql("XA RECOVER").unwrap().lines().count();
    exactly_once_across_a_crash(
        &url,
        "com.mysql.cj.jdbc.Driver",
        &count,
        &prepared,
        &mut || {
            let mut my = my.borrow_mut();
            my.kill().unwrap();
            my.restart().unwrap();
        },
    );
}

/// The engine runs readers and writers on threads inside its own tokio runtime, where a nested
/// `block_on` panics; the PostgreSQL client must work there, and its connection must drop there.
#[test]
fn postgres_reads_and_writes_from_inside_another_tokio_runtime() {
    let pg = PostgresServer::start().unwrap();
    pg.psql("CREATE TABLE t AS SELECT i AS id FROM generate_series(1, 10) i")
        .unwrap();
    let engine = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    engine.block_on(async {
        let src = source(json!({
            "url": pg.jdbc_url("test"), "driver": "org.postgresql.Driver",
            "user": "test", "password": "test", "table_path": "public.t"
        }));
        let batches = read_all(src.as_ref(), enumerate(src.as_ref(), 1));
        write_all(
            json!({
                "url": pg.jdbc_url("test"), "driver": "org.postgresql.Driver",
                "user": "test", "password": "test", "generate_sink_sql": true,
                "table": "public.copy"
            }),
            &batches,
        );
    });
    assert_eq!(pg.psql("SELECT count(*) FROM copy").unwrap().trim(), "10");
}

#[test]
fn postgres_bits_and_times_with_zones_read_as_seatunnel_types() {
    let pg = PostgresServer::start().unwrap();
    pg.psql(
        "CREATE TABLE b (one BIT(1), eight BIT(8), vb VARBIT, tz TIMETZ);
         INSERT INTO b VALUES (B'1', B'10100101', B'101', TIMETZ '10:00:00.25+02'), (B'0', NULL, B'', '23:30:00-01')",
    )
    .unwrap();
    let src = source(json!({
        "url": pg.jdbc_url("test"), "driver": "org.postgresql.Driver", "user": "test", "password": "test",
        "query": "select * from b"
    }));
    let types: Vec<String> = src.tables()[0]
        .fields
        .iter()
        .map(|f| f.data_type.to_string())
        .collect();
    assert_eq!(types, ["BOOLEAN", "STRING", "STRING", "TIME"]);
    let rows = rows_of(&read_all(src.as_ref(), enumerate(src.as_ref(), 1)));
    let text: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect())
        .collect();
    assert_eq!(
        text[0],
        ["false", "null", "", "00:30"],
        "23:30 at -01 is 00:30 UTC"
    );
    assert_eq!(text[1], ["true", "10100101", "101", "08:00:00.250"]);
    let far = source(json!({
        "url": pg.jdbc_url("test"), "driver": "org.postgresql.Driver", "user": "test", "password": "test",
        "query": "select TIMESTAMP '9999-12-31 00:00:00' as at"
    }));
    let ctx = seatunnel_connector::ReaderContext {
        job_id: 1,
        job_mode: seatunnel_connector::JobMode::Batch,
        subtask_index: 0,
        parallelism: 1,
    };
    let mut reader = far
        .create_reader(&ctx, enumerate(far.as_ref(), 1).remove(0))
        .unwrap();
    let mut batch = seatunnel_data::Batch::new(far.tables()[0].clone());
    let err = reader.poll(&mut batch).unwrap_err().to_string();
    assert!(
        err.contains("column 'at' holds") && err.contains("outside the timestamps"),
        "{err}"
    );
}

/// PostgreSQL has no MIN(uuid): a uuid primary key is not a split key, and the table is read
/// whole instead of failing.
#[test]
fn a_postgres_table_keyed_by_uuid_is_read_in_one_split() {
    let pg = PostgresServer::start().unwrap();
    pg.psql("CREATE TABLE u (id UUID PRIMARY KEY, n INT); INSERT INTO u SELECT md5(i::text)::uuid, i FROM generate_series(1, 50) i")
        .unwrap();
    let src = source(json!({
        "url": pg.jdbc_url("test"), "driver": "org.postgresql.Driver", "user": "test", "password": "test",
        "table_path": "public.u", "split.size": 10
    }));
    let splits = enumerate(src.as_ref(), 2);
    assert_eq!(splits.iter().map(Vec::len).sum::<usize>(), 1);
    assert_eq!(rows_of(&read_all(src.as_ref(), splits)).len(), 50);
}
