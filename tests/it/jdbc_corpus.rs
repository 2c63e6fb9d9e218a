//! SeaTunnel's own Jdbc e2e jobs (`../shared/compat-corpus/jdbc/`), run by the real binary in
//! local mode (`seatunnel run -c`) against real PostgreSQL (with PostGIS) and MariaDB servers
//! this test starts. Each job file is changed only in host, port and credentials, and checked
//! the way upstream checks it: the job exits 0 and the sink table equals the source table row by
//! row over every column, compared by the database itself. Prints how many pass.
//!
//! The tables are the upstream tests' shapes (the corpus README lists their columns). Three
//! MariaDB servers play the upstream hosts: `mysql-e2e` (the 45-column table), `mysql-e2e-2`
//! (the table `jdbc_mysql_source_and_sink.conf` reads, with the `id` key its sink names), and
//! one more `mysql-e2e` for the XA job, whose INSERT names the 42 columns the table had when
//! that job was written.

use std::path::{Path, PathBuf};
use std::process::Command;

use seatunnel_test_servers::{MariaDbServer, PostgresServer};

use crate::http_support::node::isolate;

/// Rows of the PostgreSQL source tables.
const PG_ROWS: usize = 1000;

const PG_SETUP: &str = "CREATE EXTENSION IF NOT EXISTS postgis;
CREATE TABLE pg_e2e_source_table (
  gid SERIAL PRIMARY KEY, uuid_col UUID, text_col TEXT, varchar_col VARCHAR(255), char_col CHAR(10),
  boolean_col BOOL, smallint_col INT2, integer_col INT4, bigint_col BIGINT, decimal_col DECIMAL(10,2),
  numeric_col NUMERIC(8,4), real_col FLOAT4, double_precision_col FLOAT8, smallserial_col SMALLSERIAL,
  serial_col SERIAL, bigserial_col BIGSERIAL, date_col DATE, timestamp_col TIMESTAMP, bpchar_col BPCHAR(10),
  age INT NOT NULL, name VARCHAR(255) NOT NULL, point geometry(POINT, 4326),
  linestring geometry(LINESTRING, 4326), polygon_colums geometry(POLYGON, 4326),
  multipoint geometry(MULTIPOINT, 4326), multilinestring geometry(MULTILINESTRING, 4326),
  multipolygon geometry(MULTIPOLYGON, 4326), geometrycollection geometry(GEOMETRYCOLLECTION, 4326),
  geog geography(POINT, 4326), json_col JSON NOT NULL, jsonb_col JSONB NOT NULL, xml_col XML NOT NULL);
CREATE TABLE pg_e2e_sink_table (LIKE pg_e2e_source_table INCLUDING ALL);
CREATE TABLE pg_ide_source_table (LIKE pg_e2e_source_table INCLUDING ALL);
ALTER TABLE pg_ide_source_table ADD COLUMN inet_col INET;";

fn pg_rows(table: &str) -> String {
    format!(
        "INSERT INTO {table} (uuid_col, text_col, varchar_col, char_col, boolean_col, smallint_col,
           integer_col, bigint_col, decimal_col, numeric_col, real_col, double_precision_col, date_col,
           timestamp_col, bpchar_col, age, name, point, linestring, polygon_colums, multipoint,
           multilinestring, multipolygon, geometrycollection, geog, json_col, jsonb_col, xml_col)
         SELECT md5(i::text)::uuid, 'text ' || i, 'varchar ' || (i % 50), 'c' || (i % 10), i % 2 = 0,
           (i % 30000)::int2, i * 7, i::bigint * 100000000000, (i * 1.25)::decimal(10,2),
           (i / 7.0)::numeric(8,4), i / 3.0, i / 3.0, DATE '2020-01-01' + i,
           TIMESTAMP '2020-01-01 00:00:00.123456' + i * INTERVAL '1 minute', 'b' || i, i % 90, 'name ' || i,
           ST_GeomFromText('POINT(' || i || ' 2)', 4326),
           ST_GeomFromText('LINESTRING(0 0, ' || i || ' 1)', 4326),
           ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 ' || i || ', 0 0))', 4326),
           ST_GeomFromText('MULTIPOINT((1 2), (' || i || ' 4))', 4326),
           ST_GeomFromText('MULTILINESTRING((0 0, 1 1), (2 2, ' || i || ' 3))', 4326),
           ST_GeomFromText('MULTIPOLYGON(((0 0, 1 0, 1 ' || i || ', 0 0)))', 4326),
           ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 ' || i || '), LINESTRING(0 0, 1 1))', 4326),
           ST_GeogFromText('SRID=4326;POINT(1 ' || (i % 80) || ')'),
           json_build_object('i', i), jsonb_build_object('k', i), ('<r>' || i || '</r>')::xml
         FROM generate_series(1, {PG_ROWS}) i"
    )
}

/// The columns `jdbc_postgres_*` jobs select.
const PG_COLUMNS: &[&str] = &[
    "gid",
    "uuid_col",
    "text_col",
    "varchar_col",
    "char_col",
    "boolean_col",
    "smallint_col",
    "integer_col",
    "bigint_col",
    "decimal_col",
    "numeric_col",
    "real_col",
    "double_precision_col",
    "smallserial_col",
    "serial_col",
    "bigserial_col",
    "date_col",
    "timestamp_col",
    "bpchar_col",
    "age",
    "name",
    "point",
    "linestring",
    "polygon_colums",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
    "geog",
    "json_col",
    "jsonb_col",
    "xml_col",
];

/// Rows in one table and not the other, both ways, comparing `columns` as text.
fn pg_differences(pg: &PostgresServer, a: (&str, &[&str]), b: (&str, &[&str])) -> usize {
    // Each value as its type's output function prints it (`format`; a `::text` cast would add
    // `/32` to an inet host), with char(n)'s padding trimmed.
    let select = |(table, cols): (&str, &[&str])| {
        let cols: Vec<String> = cols
            .iter()
            .map(|c| format!("CASE WHEN {c} IS NULL THEN NULL ELSE rtrim(format('%s', {c})) END"))
            .collect();
        format!("SELECT {} FROM {table}", cols.join(", "))
    };
    let (a, b) = (select(a), select(b));
    pg.psql(&format!(
        "SELECT count(*) FROM (({a} EXCEPT ALL {b}) UNION ALL ({b} EXCEPT ALL {a})) d"
    ))
    .unwrap()
    .trim()
    .parse()
    .unwrap()
}

/// The 45 columns of upstream's MySQL table; the XA job's INSERT names the first 42.
const MY_COLUMNS: &[(&str, &str)] = &[
    ("c_bit_1", "BIT(1)"),
    ("c_bit_8", "BIT(8)"),
    ("c_bit_16", "BIT(16)"),
    ("c_bit_32", "BIT(32)"),
    ("c_bit_64", "BIT(64)"),
    ("c_boolean", "TINYINT(1)"),
    ("c_tinyint", "TINYINT(4)"),
    ("c_tinyint_unsigned", "TINYINT(3) UNSIGNED"),
    ("c_smallint", "SMALLINT(6)"),
    ("c_smallint_unsigned", "SMALLINT(5) UNSIGNED"),
    ("c_mediumint", "MEDIUMINT(9)"),
    ("c_mediumint_unsigned", "MEDIUMINT(8) UNSIGNED"),
    ("c_int", "INT(11)"),
    ("c_integer", "INT(11)"),
    ("c_bigint", "BIGINT(20)"),
    ("c_bigint_unsigned", "BIGINT(20) UNSIGNED"),
    ("c_decimal", "DECIMAL(20,0)"),
    ("c_decimal_unsigned", "DECIMAL(38,18)"),
    ("c_float", "FLOAT"),
    ("c_float_unsigned", "FLOAT UNSIGNED"),
    ("c_double", "DOUBLE"),
    ("c_double_unsigned", "DOUBLE UNSIGNED"),
    ("c_char", "CHAR(1)"),
    ("c_tinytext", "TINYTEXT"),
    ("c_mediumtext", "MEDIUMTEXT"),
    ("c_text", "TEXT"),
    ("c_varchar", "VARCHAR(255)"),
    ("c_json", "JSON"),
    ("c_longtext", "LONGTEXT"),
    ("c_date", "DATE"),
    ("c_datetime", "DATETIME"),
    ("c_time", "TIME"),
    ("c_timestamp", "TIMESTAMP NULL"),
    ("c_tinyblob", "TINYBLOB"),
    ("c_mediumblob", "MEDIUMBLOB"),
    ("c_blob", "BLOB"),
    ("c_longblob", "LONGBLOB"),
    ("c_varbinary", "VARBINARY(255)"),
    ("c_binary", "BINARY(1)"),
    ("c_year", "YEAR(4)"),
    ("c_int_unsigned", "INT(10) UNSIGNED"),
    ("c_integer_unsigned", "INT(10) UNSIGNED"),
    ("c_bigint_30", "BIGINT(40) UNSIGNED"),
    ("c_decimal_unsigned_30", "DECIMAL(30) UNSIGNED"),
    ("c_decimal_30", "DECIMAL(30)"),
];

/// A value expression per column for row `s` (a signed 0..98).
fn my_value(column: &str) -> &'static str {
    match column {
        "c_bit_1" | "c_boolean" => "s % 2",
        "c_bit_8" => "s % 256",
        "c_bit_16" => "s * 300",
        "c_bit_32" => "s * 70000",
        "c_bit_64" => "s * 1000003",
        "c_tinyint" => "s % 128 - 64",
        "c_tinyint_unsigned" => "s % 256",
        "c_smallint" => "s - 500",
        "c_smallint_unsigned" => "s * 600",
        "c_mediumint" => "s * -3000",
        "c_mediumint_unsigned" => "s * 160000",
        "c_int" | "c_integer" => "s * -30000",
        "c_bigint" => "s * -1000000000000",
        "c_bigint_unsigned" => "18446744073709551615 - s",
        "c_decimal" => "s * 12345678901",
        "c_decimal_unsigned" => "s / 7",
        "c_float" | "c_float_unsigned" => "s / 4",
        "c_double" | "c_double_unsigned" => "s / 9",
        "c_char" => "CHAR(65 + s % 26)",
        "c_tinytext" => "CONCAT('tiny', s)",
        "c_mediumtext" => "CONCAT('medium', s)",
        "c_text" => "CONCAT('text ', s, ' é')",
        "c_varchar" => "CONCAT('v', s)",
        "c_json" => "JSON_OBJECT('k', s)",
        "c_longtext" => "REPEAT('long', s % 50)",
        "c_date" => "DATE '2020-01-01' + INTERVAL s DAY",
        "c_datetime" => "TIMESTAMP '2020-01-01 00:00:00' + INTERVAL s MINUTE",
        "c_time" => "TIME '10:11:12' + INTERVAL s SECOND",
        "c_timestamp" => "TIMESTAMP '2021-01-01 00:00:00' + INTERVAL s SECOND",
        "c_tinyblob" | "c_mediumblob" | "c_varbinary" => "UNHEX(MD5(s))",
        "c_blob" => "UNHEX(SHA1(s))",
        "c_longblob" => "REPEAT(UNHEX(MD5(s)), 10)",
        "c_binary" => "CHAR(s % 256)",
        "c_year" => "1901 + s",
        "c_int_unsigned" | "c_integer_unsigned" => "4000000000 - s",
        "c_bigint_30" => "2844674407371055000 + s",
        "c_decimal_unsigned_30" => "999999999999999999999999999800 + s",
        "c_decimal_30" => "s - 999999999999999999999999999800",
        other => panic!("no value for {other}"),
    }
}

/// `source` and `sink` of `columns` in database `seatunnel`, 99 rows and one of NULLs.
fn my_wide(my: &MariaDbServer, columns: &[(&str, &str)]) {
    let defs: Vec<String> = columns.iter().map(|(n, t)| format!("`{n}` {t}")).collect();
    let unique = if columns.iter().any(|(n, _)| *n == "c_bigint_30") {
        ", UNIQUE (c_bigint_30)"
    } else {
        ""
    };
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let values: Vec<&str> = names.iter().map(|n| my_value(n)).collect();
    my.sql(&format!(
        "CREATE DATABASE seatunnel; USE seatunnel;
         CREATE TABLE source ({}{unique}); CREATE TABLE sink LIKE source;
         INSERT INTO source ({}) SELECT {} FROM (SELECT CAST(seq AS SIGNED) AS s FROM seq_0_to_98) r;
         INSERT INTO source () VALUES ();",
        defs.join(", "),
        names.join(", "),
        values.join(", ")
    ))
    .unwrap();
}

fn my_differences(my: &MariaDbServer, a: &str, b: &str) -> usize {
    my.sql(&format!(
        "SELECT COUNT(*) FROM (({a} EXCEPT ALL {b}) UNION ALL ({b} EXCEPT ALL {a})) d"
    ))
    .unwrap()
    .trim()
    .parse()
    .unwrap()
}

/// What upstream's job becomes here: its hosts, ports and credentials.
fn adapt(text: &str, pg: &PostgresServer, mysql_e2e: u16, mysql_e2e_2: u16) -> String {
    text.replace("//postgresql:5432/", &format!("//127.0.0.1:{}/", pg.port()))
        .replace(
            "//mysql-e2e-2:3306/",
            &format!("//127.0.0.1:{mysql_e2e_2}/"),
        )
        .replace("//mysql-e2e:3306/", &format!("//127.0.0.1:{mysql_e2e}/"))
        .replace(r#"user = "root""#, r#"user = "test""#)
        .replace(r#""Abc!@#135_seatunnel""#, r#""test""#)
}

/// Runs a job file in local mode; `Err` with its output when it does not exit 0.
fn run(file: &Path, tmp: &Path) -> Result<(), String> {
    let out = isolate(&mut Command::new(env!("CARGO_BIN_EXE_seatunnel")))
        .env("TMPDIR", tmp)
        .args(["run", "-c"])
        .arg(file)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .rev()
                .take(8)
                .collect::<Vec<_>>()
                .join(" | ")
        ))
    }
}

fn corpus_dir() -> Option<PathBuf> {
    seatunnel::test_support::compat_corpus().map(|c| c.join("jdbc"))
}

#[test]
fn seatunnels_jdbc_e2e_jobs_copy_every_row_and_column() {
    let Some(dir) = corpus_dir() else {
        println!("skipping: ../shared/compat-corpus is not present (a plain clone)");
        return;
    };
    let pg = PostgresServer::start().unwrap();
    pg.psql(PG_SETUP).unwrap();
    pg.psql(&pg_rows("pg_e2e_source_table")).unwrap();
    pg.psql(&pg_rows("pg_ide_source_table")).unwrap();
    pg.psql("UPDATE pg_ide_source_table SET inet_col = ('10.0.' || (gid % 256) || '.' || (gid / 256) || '/' || (16 + gid % 17))::inet")
        .unwrap();
    let e2e = MariaDbServer::start().unwrap();
    my_wide(&e2e, MY_COLUMNS);
    e2e.sql(
        "CREATE DATABASE source; CREATE DATABASE sink;
         CREATE TABLE source.table1 (id INT PRIMARY KEY, c_int INT, c_varchar VARCHAR(64), c_decimal DECIMAL(20,2), c_datetime DATETIME, c_date DATE, c_double DOUBLE);
         INSERT INTO source.table1 SELECT seq, CAST(seq AS SIGNED) - 300, CONCAT('v', seq), seq * 1.25, TIMESTAMP '2022-01-01 00:00:00' + INTERVAL seq HOUR, DATE '2022-01-01' + INTERVAL seq DAY, seq / 3 FROM seq_1_to_2000;
         CREATE TABLE source.table2 LIKE source.table1;
         INSERT INTO source.table2 SELECT id, c_int * -1, c_varchar, c_decimal, c_datetime, c_date, c_double FROM source.table1 WHERE id <= 500;",
    )
    .unwrap();
    let e2e_2 = MariaDbServer::start().unwrap();
    e2e_2
        .sql(
            "CREATE DATABASE seatunnel; USE seatunnel;
             CREATE TABLE source (id INT PRIMARY KEY, name VARCHAR(64), age INT, score DECIMAL(10,2), born DATE, seen DATETIME, ok TINYINT(1));
             INSERT INTO source SELECT seq, CONCAT('name ', seq), seq % 90, seq / 8, DATE '1990-01-01' + INTERVAL seq DAY, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq SECOND, seq % 2 FROM seq_1_to_1000;",
        )
        .unwrap();
    let xa = MariaDbServer::start().unwrap();
    my_wide(&xa, &MY_COLUMNS[..42]);

    let wide_all = |my: &MariaDbServer| {
        my_differences(
            my,
            "SELECT * FROM seatunnel.source",
            "SELECT * FROM seatunnel.sink",
        )
    };
    let pg_e2e = |pg: &PostgresServer| {
        pg_differences(
            pg,
            ("pg_e2e_source_table", PG_COLUMNS),
            ("pg_e2e_sink_table", PG_COLUMNS),
        )
    };
    let ide_source: Vec<&str> = PG_COLUMNS
        .iter()
        .copied()
        .filter(|c| !["uuid_col", "json_col", "jsonb_col", "xml_col"].contains(c))
        .chain(["inet_col"])
        .collect();
    let ide_sink: Vec<String> = ide_source
        .iter()
        .map(|c| format!("\"{}\"", c.to_uppercase()))
        .collect();
    let ide_sink: Vec<&str> = ide_sink.iter().map(String::as_str).collect();

    // (job, what to clear before it, the check after it: rows that differ)
    type Clear<'a> = Box<dyn Fn() + 'a>;
    type Check<'a> = Box<dyn Fn() -> usize + 'a>;
    let jobs: Vec<(&str, Clear, Check)> = vec![
        (
            "jdbc_mysql_source_and_sink.conf",
            Box::new(|| {}),
            Box::new(|| {
                my_differences(
                    &e2e_2,
                    "SELECT * FROM seatunnel.source",
                    "SELECT * FROM seatunnel.test_laowang",
                )
            }),
        ),
        (
            "jdbc_mysql_source_and_sink_parallel.conf",
            Box::new(|| {
                e2e.sql("TRUNCATE seatunnel.sink").unwrap();
            }),
            Box::new(|| wide_all(&e2e)),
        ),
        (
            "jdbc_mysql_source_and_sink_parallel_upper_lower.conf",
            Box::new(|| {
                e2e.sql("TRUNCATE seatunnel.sink").unwrap();
            }),
            Box::new(|| wide_all(&e2e)),
        ),
        (
            "jdbc_mysql_source_and_sink_xa.conf",
            Box::new(|| {}),
            Box::new(|| wide_all(&xa)),
        ),
        (
            "jdbc_mysql_source_using_table_path.conf",
            Box::new(|| {
                e2e.sql("DROP TABLE IF EXISTS sink.table1").unwrap();
            }),
            Box::new(|| {
                my_differences(
                    &e2e,
                    "SELECT * FROM source.table1",
                    "SELECT * FROM sink.table1",
                )
            }),
        ),
        (
            "jdbc_mysql_source_and_sink_with_multiple_tables.conf",
            Box::new(|| {
                e2e.sql("DROP TABLE IF EXISTS sink.table1, sink.table2")
                    .unwrap();
            }),
            Box::new(|| {
                my_differences(
                    &e2e,
                    "SELECT * FROM source.table1 WHERE c_int >= 0",
                    "SELECT * FROM sink.table1",
                ) + my_differences(
                    &e2e,
                    "SELECT * FROM source.table2 WHERE c_int >= 0",
                    "SELECT * FROM sink.table2",
                )
            }),
        ),
        (
            "jdbc_postgres_source_and_sink.conf",
            Box::new(|| {
                pg.psql("TRUNCATE pg_e2e_sink_table").unwrap();
            }),
            Box::new(|| pg_e2e(&pg)),
        ),
        (
            "jdbc_postgres_source_and_sink_copy_stmt.conf",
            Box::new(|| {
                pg.psql("TRUNCATE pg_e2e_sink_table").unwrap();
            }),
            Box::new(|| pg_e2e(&pg)),
        ),
        (
            "jdbc_postgres_source_and_sink_parallel.conf",
            Box::new(|| {
                pg.psql("TRUNCATE pg_e2e_sink_table").unwrap();
            }),
            Box::new(|| pg_e2e(&pg)),
        ),
        (
            "jdbc_postgres_source_and_sink_parallel_upper_lower.conf",
            Box::new(|| {
                pg.psql("TRUNCATE pg_e2e_sink_table").unwrap();
            }),
            Box::new(|| pg_e2e(&pg)),
        ),
        (
            "jdbc_postgres_source_and_sink_xa.conf",
            Box::new(|| {
                pg.psql("TRUNCATE pg_e2e_sink_table").unwrap();
            }),
            Box::new(|| pg_e2e(&pg)),
        ),
        (
            "jdbc_postgres_ide_source_and_sink.conf",
            Box::new(|| {}),
            Box::new(|| {
                pg_differences(
                    &pg,
                    ("pg_ide_source_table", &ide_source),
                    ("public.\"PG_IDE_SINK_TABLE\"", &ide_sink),
                )
            }),
        ),
    ];
    let work = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (name, clear, check) in &jobs {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let file = work.path().join(name);
        std::fs::write(&file, adapt(&text, &pg, e2e.port(), e2e_2.port())).unwrap();
        // The XA job is the only `mysql-e2e` job with a 42-column table: its own server.
        if *name == "jdbc_mysql_source_and_sink_xa.conf" {
            std::fs::write(&file, adapt(&text, &pg, xa.port(), e2e_2.port())).unwrap();
        }
        clear();
        match run(&file, work.path()) {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok(()) => match check() {
                0 => {}
                n => failures.push(format!("{name}: {n} rows differ between source and sink")),
            },
        }
    }
    println!(
        "jdbc corpus: {} of {} SeaTunnel e2e jobs pass",
        jobs.len() - failures.len(),
        jobs.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The checks see a difference when there is one.
    e2e.sql("UPDATE seatunnel.sink SET c_text = 'changed' WHERE c_int = -30000")
        .unwrap();
    assert_eq!(wide_all(&e2e), 2);
    pg.psql("UPDATE pg_e2e_sink_table SET point = NULL WHERE gid = 9")
        .unwrap();
    assert_eq!(pg_e2e(&pg), 2);
}
