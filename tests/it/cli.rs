//! `seatunnel run` as a user meets it: the real binary, real files, exit codes and messages.

use std::process::{Command, Output};

fn seatunnel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seatunnel"))
        .args(args)
        .env("SEATUNNEL_LOG_TARGET", "stderr")
        .output()
        .expect("binary runs")
}

/// Writes `text` to `name` in a fresh directory and runs `seatunnel run -c FILE ARGS…`.
fn run_job(name: &str, text: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join(name);
    std::fs::write(&job, text).unwrap();
    let mut all = vec!["run", "-c", job.to_str().unwrap()];
    all.extend_from_slice(args);
    seatunnel(&all)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The stderr of a run that must have exited 1.
fn failure(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    err
}

const GOOD_JOB: &str = r#"
env { parallelism = 2, job.mode = "BATCH" }
source { FakeSource { plugin_output = "fake", row.num = 7, schema = { fields { name = "string", age = "int" } } } }
sink { Assert { plugin_input = "fake", rules { row_rules = [ { rule_type = MAX_ROW, rule_value = 14 }, { rule_type = MIN_ROW, rule_value = 14 } ] } } }
"#;

#[test]
fn finished_job_exits_zero_and_prints_statistics() {
    let out = run_job("job.conf", GOOD_JOB, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert!(
        stdout.contains("           Job Statistic Information\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Total Read Count          :                  14\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Total Write Count         :                  14\n"),
        "{stdout}"
    );
}

#[test]
fn failed_job_exits_one_with_the_reason() {
    let out = run_job(
        "job.conf",
        &GOOD_JOB.replace(
            "rule_value = 14 }, { rule_type = MIN_ROW",
            "rule_value = 3 }, { rule_type = MIN_ROW",
        ),
        &[],
    );
    let err = failure(&out);
    assert!(err.contains("ended FAILED"), "{err}");
}

#[test]
fn missing_job_file_names_the_path() {
    let out = seatunnel(&["run", "-c", "/nonexistent/job.conf"]);
    let err = failure(&out);
    assert!(err.contains("/nonexistent/job.conf"), "{err}");
}

#[test]
fn syntax_error_names_file_line_and_column() {
    let out = run_job("broken.conf", "env {\n  parallelism = 1\n\nsource {\n", &[]);
    let err = failure(&out);
    assert!(err.contains("broken.conf:"), "{err}");
}

#[test]
fn unknown_plugin_lists_the_known_ones() {
    let out = run_job("job.conf", &GOOD_JOB.replace("Assert {", "Kafka {"), &[]);
    let err = failure(&out);
    assert!(
        err.contains("unknown sink plugin 'Kafka'") && err.contains("Console"),
        "{err}"
    );
}

#[test]
fn bad_option_names_plugin_and_key() {
    let out = run_job(
        "job.conf",
        &GOOD_JOB.replace("row.num = 7", "row.num = \"seven\""),
        &[],
    );
    let err = failure(&out);
    assert!(
        err.contains("FakeSource") && err.contains("row.num"),
        "{err}"
    );
}

#[test]
fn variables_fill_the_job_and_reserved_names_are_refused() {
    let job = GOOD_JOB.replace("row.num = 7", "row.num = ${rows}");
    let ok = run_job("job.conf", &job, &["-i", "rows=7"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let reserved = run_job("job.conf", &job, &["-i", "rows=7", "-i", "table_name=x"]);
    let err = failure(&reserved);
    assert!(
        err.contains("System placeholders cannot be used. Incorrect config parameter: table_name"),
        "{err}"
    );
}

#[test]
fn check_validates_without_running() {
    let out = run_job("job.conf", GOOD_JOB, &["--check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is valid: 1 pipeline(s)"));
}

#[test]
fn encrypt_encodes_sensitive_options() {
    let out = run_job(
        "job.conf",
        &GOOD_JOB
            .replace(
                "job.mode = \"BATCH\" }",
                "job.mode = \"BATCH\", shade.identifier = \"base64\" }",
            )
            .replace(
                "plugin_output = \"fake\",",
                "plugin_output = \"fake\", password = \"secret\",",
            ),
        &["--encrypt"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["source"][0]["password"], "c2VjcmV0");
}

/// `etc/examples/jdbc_sqlite.conf` (the Jdbc sink with no server) runs as shipped, only its
/// SQLite file moved into a temp dir; a second job reads the table back through the Jdbc source
/// and Assert checks all 32 rows arrived, twice in a row (the example empties the table first).
#[test]
fn the_sqlite_example_writes_a_table_the_jdbc_source_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("example.db");
    let shipped = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("etc/examples/jdbc_sqlite.conf"),
    )
    .unwrap();
    let example = shipped.replace("/tmp/seatunnel-example.db", db.to_str().unwrap());
    assert_ne!(example, shipped, "the example names its SQLite file");
    let check = format!(
        r#"
env {{ parallelism = 1, job.mode = "BATCH" }}
source {{ Jdbc {{ plugin_output = "people", url = "jdbc:sqlite:{}", driver = "org.sqlite.JDBC",
  query = "select name, age, joined from people" }} }}
sink {{ Assert {{ plugin_input = "people", rules {{
  row_rules = [ {{ rule_type = MAX_ROW, rule_value = 32 }}, {{ rule_type = MIN_ROW, rule_value = 32 }} ]
  field_rules = [ {{ field_name = age, field_type = int, field_value = [ {{ rule_type = MIN, rule_value = 1 }}, {{ rule_type = MAX, rule_value = 90 }} ] }} ]
}} }} }}
"#,
        db.display()
    );
    for _ in 0..2 {
        let wrote = run_job("jdbc_sqlite.conf", &example, &[]);
        assert!(wrote.status.success(), "{}", stderr(&wrote));
        let read = run_job("check.conf", &check, &[]);
        assert!(read.status.success(), "{}", stderr(&read));
    }
}
