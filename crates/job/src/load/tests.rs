use std::path::Path;

use serde_json::json;

use super::*;
use crate::JobConfig;

fn vars(pairs: &[(&str, &str)]) -> Variables {
    pairs.iter().copied().collect()
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn hocon(text: &str, v: &Variables) -> Result<Json, JobLoadError> {
    load_job_text_with_env(text, "job.conf", JobFormat::Hocon, v, &no_env)
}

fn json_job(text: &str, v: &Variables) -> Result<Json, JobLoadError> {
    load_job_text(text, "job.json", JobFormat::Json, v)
}

#[test]
fn format_by_suffix_and_by_name() {
    let f = |p: &str| JobFormat::from_path(Path::new(p)).map_err(|e| e.to_string());
    assert_eq!(f("a/job.json"), Ok(JobFormat::Json));
    assert_eq!(f("job.JSON"), Ok(JobFormat::Json));
    assert_eq!(f("job.conf"), Ok(JobFormat::Hocon));
    assert_eq!(f("v2.batch.config.template"), Ok(JobFormat::Hocon));
    assert_eq!(f("job"), Ok(JobFormat::Hocon));
    assert_eq!(
        f("jobs/fake_to_assert.sql"),
        Err("not supported: SQL job files (jobs/fake_to_assert.sql); write the job in HOCON (.conf) or JSON (.json)".into())
    );
    assert_eq!(JobFormat::parse("JSON"), Some(JobFormat::Json));
    assert_eq!(JobFormat::parse("hocon"), Some(JobFormat::Hocon));
    assert_eq!(JobFormat::parse("sql"), None);
}

#[test]
fn load_file_reads_by_suffix_and_names_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("job.conf");
    std::fs::write(
        &conf,
        "env { job.mode = BATCH }\nsource { FakeSource { row.num = 16 } }\nsink { Console {} }\n",
    )
    .unwrap();
    let tree = load_job_file(&conf, &Variables::default()).unwrap();
    assert_eq!(
        tree["source"][0],
        json!({"row.num": 16, "plugin_name": "FakeSource"})
    );
    let job = JobConfig::from_tree(&tree).unwrap();
    assert_eq!(job.sinks[0].name, "Console");

    let missing = dir.path().join("nope.conf");
    let e = load_job_file(&missing, &Variables::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!("cannot read job file {}", missing.display())),
        "{e}"
    );

    let bad = dir.path().join("bad.conf");
    std::fs::write(&bad, "source {\n  FakeSource {\n").unwrap();
    let e = load_job_file(&bad, &Variables::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!(
            "{}:3:1: expected '}}' to close 'FakeSource' opened at 2:3, found end of file",
            bad.display()
        )
    );
}

#[test]
fn json_jobs_share_the_normal_form_and_placeholders() {
    let text = r#"{
        "env": {"job.mode": "${mode}"},
        "source": [{"plugin_name": "FakeSource", "row.num": "${rows:5}"}],
        "transform": {"Sql": {"query": "select * from ${t:fake}"}},
        "sink": {"plugin_name": "Console", "path": "/tmp/${table_name}/${transactionId}"}
    }"#;
    let tree = json_job(text, &vars(&[("mode", "STREAMING")])).unwrap();
    assert_eq!(
        tree,
        json!({
            "env": {"job.mode": "STREAMING"},
            "source": [{"plugin_name": "FakeSource", "row.num": 5}],
            "transform": [{"query": "select * from fake", "plugin_name": "Sql"}],
            "sink": [{"plugin_name": "Console", "path": "/tmp/${table_name}/${transactionId}"}]
        })
    );
    JobConfig::from_tree(&tree).unwrap();
}

#[test]
fn json_errors_name_position_and_shape() {
    let e = json_job("{\n  \"env\": {,\n}", &Variables::default())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("job.json:2:11: invalid JSON: "), "{e}");
    let e = json_job("[1]", &Variables::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "job.json: a job must be a JSON object with env, source and sink"
    );
    let e = json_job(r#"{"source": {"A": 1}}"#, &Variables::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "job.json: \"source\".\"A\" must be an object of plugin options"
    );
}

#[test]
fn system_placeholder_variables_are_rejected_for_every_format() {
    let v = vars(&[("strTemplate", "[abc]"), ("table_name", "sql")]);
    let msg = "System placeholders cannot be used. Incorrect config parameter: table_name";
    assert_eq!(
        hocon("sink { Console {} }", &v).unwrap_err().to_string(),
        msg
    );
    assert_eq!(json_job("{}", &v).unwrap_err().to_string(), msg);
}

#[test]
fn shaded_secrets_are_decoded_on_load() {
    let text = "env { shade.identifier = base64 }\n\
                source { Jdbc { username = \"c2VhdHVubmVs\", password = \"${pw}\" } }\n\
                sink { Console {} }";
    let tree = hocon(text, &vars(&[("pw", "c2VhdHVubmVsX3Bhc3N3b3Jk")])).unwrap();
    assert_eq!(tree["source"][0]["username"], json!("seatunnel"));
    assert_eq!(tree["source"][0]["password"], json!("seatunnel_password"));

    let e = hocon(
        "env { shade.identifier = rot13 }\nsource { A {} }",
        &Variables::default(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "job.conf: not supported: config shade 'rot13' (env.shade.identifier); known shades: default, base64"
    );
}

#[test]
fn environment_fills_unquoted_substitutions_only() {
    let env = |k: &str| (k == "jobName").then(|| "from env".to_string());
    let text = "env { job.name = ${jobName}, other = \"${jobName}\" }";
    let tree = load_job_text_with_env(
        text,
        "j.conf",
        JobFormat::Hocon,
        &Variables::default(),
        &env,
    )
    .unwrap();
    assert_eq!(
        tree["env"],
        json!({"job.name": "from env", "other": "${jobName}"})
    );
}

#[test]
fn parse_keeps_secrets_encoded_for_the_shade_commands() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("job.conf");
    std::fs::write(
        &conf,
        "env { shade.identifier = base64 }\nsource { Jdbc { password = secret } }\nsink { Console {} }",
    )
    .unwrap();
    let none = Variables::default();
    let plain = parse_job_file(&conf, &none).unwrap();
    assert_eq!(plain["source"][0]["password"], json!("secret"));
    let encoded = crate::encrypt_job(&plain).unwrap();
    assert_eq!(encoded["source"][0]["password"], json!("c2VjcmV0"));
    assert!(load_job_file(&conf, &none).is_err());

    let body = json!({"env": {"shade.identifier": "base64"}, "source": {"Jdbc": {"password": "c2VjcmV0"}}});
    let normal = normalize_job_value(body.clone(), "body", &none).unwrap();
    assert_eq!(normal["source"][0]["password"], json!("c2VjcmV0"));
    let loaded = load_job_value(body, "body", &none).unwrap();
    assert_eq!(loaded["source"][0]["password"], json!("secret"));
}
