//! Every real SeaTunnel job file in the shared conformance corpus must load unchanged and be
//! accepted by `JobConfig::from_tree`, with the plugins (names as written, duplicates kept, in
//! order) and `job.mode` the corpus manifests list. Files whose values SeaTunnel's own tests
//! assert get exact checks. Skipped, with a note, when the corpus is not on this machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use seatunnel::connector::JobMode;
use seatunnel::job::load::load_job_text_with_env;
use seatunnel::job::{load_job_file, JobConfig, JobFormat, Variables};

/// Manifests listing each file's plugins and job mode (tab-separated, header first).
const MANIFESTS: [&str; 2] = ["MANIFEST.tsv", "extra/MANIFEST-extra.tsv"];
/// The one file whose documented outcome is a load failure, with the variables that cause it.
const RESERVED_FILE: &str = "extra/core-starter/config_variables_with_reserved_placeholder.conf";

fn corpus() -> Option<PathBuf> {
    let jobs = seatunnel::test_support::compat_corpus().map(|c| c.join("jobs"));
    if jobs.is_none() {
        println!("note: ../shared/compat-corpus is absent (a plain clone); corpus checks skipped");
    }
    jobs
}

/// The `-i` variables the upstream tests pass (from the manifests' expected_outcome column).
fn variables_for(file: &str) -> Variables {
    let cluster = [
        ("dynamic_test_case_name", "case1"),
        ("dynamic_job_mode", "BATCH"),
        ("dynamic_test_row_num_per_parallelism", "1000"),
        ("dynamic_test_parallelism", "6"),
    ];
    let pairs: &[(&str, &str)] = match file {
        "engine/batch_fakesource_to_file_header.conf" => &[
            ("file_format_type", "text"),
            ("enable_header_write", "true"),
        ],
        "engine/cluster_batch_fake_to_localfile_template.conf"
        | "engine/cluster_batch_fake_to_localfile_two_pipeline_template.conf" => &cluster,
        "engine/fake_to_console.variables.conf" => &[
            ("resName", "a20241023"),
            ("rowNum", "10"),
            ("strTemplate", "[abc,def]"),
            ("nameType", "string"),
            ("nameVal", "abc"),
            ("sourceTableName", "sql"),
        ],
        "engine/fake_to_console_with_default_value.variables.conf" => &[
            ("strTemplate", "[abc,def]"),
            ("ageType", "int"),
            ("nameVal", "abc"),
            ("sourceTableName", "sql"),
        ],
        "extra/core-starter/config.variables.conf" => &[
            ("jobName", "seatunnel variable test job"),
            ("resName", "fake"),
            ("rowNum", "10"),
            ("strTemplate", "[abc,de~,f h]"),
            ("nameType", "string"),
            ("nameVal", "abc"),
            ("username", "seatunnel=2.3.1"),
            ("password", "$a^b%c.d~e0*9("),
            ("blankSpace", "2023-12-26 11:30:00"),
        ],
        "extra/core-starter/config_variables_with_default_value.conf" => {
            &[("strTemplate", "[abc,de~,f h]"), ("sourceTableName", "sql")]
        }
        RESERVED_FILE => &[("strTemplate", "[abc,de~,f h]"), ("table_name", "sql")],
        "extra/starter/args/user_defined_params.conf" => &[
            ("fake_source_table", "fake"),
            ("fake_parallelism", "2"),
            ("username", "u"),
            ("password", "p"),
            ("fake_sink_table", "sink"),
            ("blankSpace", "a b"),
            ("list", "[1,2]"),
            ("sql", "\"select * from fake\""),
        ],
        _ => &[],
    };
    pairs.iter().copied().collect()
}

/// Loads with the given variables and no environment, so results do not depend on the machine.
fn load(root: &Path, file: &str, vars: &Variables) -> Result<Json, String> {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let format = JobFormat::from_path(&path).map_err(|e| e.to_string())?;
    let no_env = |_: &str| None;
    load_job_text_with_env(&text, file, format, vars, &no_env).map_err(|e| e.to_string())
}

fn job_files(dir: &Path, root: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            job_files(&path, root, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("conf") | Some("template")
        ) {
            out.push(path.strip_prefix(root).unwrap().display().to_string());
        }
    }
}

/// file → (plugins_used, job.mode) from both manifests.
fn manifest(root: &Path) -> BTreeMap<String, (String, String)> {
    let mut rows = BTreeMap::new();
    for m in MANIFESTS {
        let text = std::fs::read_to_string(root.join(m)).unwrap();
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let cols: Vec<&str> = line.split('\t').collect();
            rows.insert(
                cols[0].to_string(),
                (cols[2].to_string(), cols[3].to_string()),
            );
        }
    }
    rows
}

/// `source:A,B transform:- sink:C` as the manifest writes it.
fn plugins_used(job: &JobConfig) -> String {
    let names = |ps: &[seatunnel::job::PluginConfig]| {
        if ps.is_empty() {
            "-".to_string()
        } else {
            ps.iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    format!(
        "source:{} transform:{} sink:{}",
        names(&job.sources),
        names(&job.transforms),
        names(&job.sinks)
    )
}

#[test]
fn every_corpus_job_loads_and_matches_its_manifest() {
    let Some(root) = corpus() else { return };
    let manifest = manifest(&root);
    let mut files = Vec::new();
    job_files(&root, &root, &mut files);
    files.sort();
    assert!(files.len() >= 138, "only {} job files found", files.len());
    let mut checked = 0;
    for file in &files {
        let vars = variables_for(file);
        let result = load(&root, file, &vars);
        if file == RESERVED_FILE {
            assert_eq!(
                result.unwrap_err(),
                "System placeholders cannot be used. Incorrect config parameter: table_name"
            );
            continue;
        }
        let tree = result.unwrap_or_else(|e| panic!("{file}: {e}"));
        let job = JobConfig::from_tree(&tree).unwrap_or_else(|e| panic!("{file}: {e}"));
        let Some((plugins, mode)) = manifest.get(file) else {
            println!("note: {file} is in no manifest; checked that it loads");
            continue;
        };
        assert_eq!(&plugins_used(&job), plugins, "{file}");
        let expected_mode = match mode.as_str() {
            "STREAMING" => JobMode::Streaming,
            _ => JobMode::Batch,
        };
        assert_eq!(job.env.job_mode, expected_mode, "{file}");
        checked += 1;
    }
    assert_eq!(checked + 1, manifest.len(), "every manifest row has a file");
}

#[test]
fn duplicate_plugin_blocks_stay_separate() {
    let Some(root) = corpus() else { return };
    let none = Variables::default();
    let t = load(&root, "engine/batch_fakesource_to_file_complex.conf", &none).unwrap();
    let sources = t["source"].as_array().unwrap();
    assert_eq!(sources.len(), 2);
    for s in sources {
        assert_eq!(s["plugin_name"], json!("FakeSource"));
        assert_eq!(s["row.num"], json!(10));
        assert_eq!(s["schema"]["fields"]["c_null"], json!("null"));
    }
    let t = load(&root, "transforms/copy_transform.conf", &none).unwrap();
    let copies = t["transform"].as_array().unwrap();
    assert_eq!(copies.len(), 2);
    assert_eq!(copies[0]["src_field"], json!("name"));
    assert_eq!(copies[0]["plugin_name"], json!("Copy"));
    assert_eq!(copies[1]["result_table_name"], json!("fake2"));
    assert_eq!(copies[1]["fields"]["c_row_1"], json!("c_row"));
    assert!(copies[1].get("src_field").is_none());
}

#[test]
fn config_variables_get_seatunnels_exact_values() {
    let Some(root) = corpus() else { return };
    let file = "extra/core-starter/config.variables.conf";
    let t = load(&root, file, &variables_for(file)).unwrap();
    assert_eq!(t["env"]["job.name"], json!("seatunnel variable test job"));
    let src = &t["source"][0];
    assert_eq!(src["string.template"], json!(["abc", "de~", "f h"]));
    assert_eq!(src["row.num"], json!(10));
    assert_eq!(src["result_table_name"], json!("fake"));
    assert_eq!(src["schema"]["fields"]["name"], json!("string"));
    assert_eq!(
        t["transform"][0]["query"],
        json!("select * from fake where name = 'abc' ")
    );
    let sink = &t["sink"][0];
    assert_eq!(sink["username"], json!("seatunnel=2.3.1"));
    assert_eq!(sink["password"], json!("$a^b%c.d~e0*9("));
    assert_eq!(sink["blankSpace"], json!("2023-12-26 11:30:00"));
}

#[test]
fn default_values_env_and_unset_placeholders() {
    let Some(root) = corpus() else { return };
    let file = "extra/core-starter/config_variables_with_default_value.conf";
    let text = std::fs::read_to_string(root.join(file)).unwrap();
    let env = |k: &str| (k == "jobName").then(|| "seatunnel variable test job".to_string());
    // SeaTunnel's test sets nameValForEnv as a JVM system property; here it comes from -i.
    let mut vars = variables_for(file);
    vars.insert("nameValForEnv".into(), "f h".into());
    let t = load_job_text_with_env(&text, file, JobFormat::Hocon, &vars, &env).unwrap();
    assert_eq!(t["env"]["job.name"], json!("seatunnel variable test job"));
    let src = &t["source"][0];
    assert_eq!(src["row.num"], json!(50));
    assert_eq!(src["string.template"], json!(["abc", "de~", "f h"]));
    assert_eq!(src["schema"]["fields"]["name"], json!("string"));
    assert_eq!(src["schema"]["fields"]["age"], json!("${ageType}"));
    assert_eq!(src["result_table_name"], json!("fake_test_table"));
    assert_eq!(
        t["transform"][0]["query"],
        json!("select * from fake_test_table where name = 'f h' ")
    );
    assert_eq!(t["sink"][0]["source_table_name"], json!("sql"));

    let bare = load(&root, file, &variables_for(file)).unwrap();
    assert_eq!(bare["env"]["job.name"], json!("${jobName}"));
    assert_eq!(
        bare["transform"][0]["query"],
        json!("select * from fake_test_table where name = '${nameValForEnv}' ")
    );
}

#[test]
fn engine_variable_jobs_concatenate_and_default() {
    let Some(root) = corpus() else { return };
    let file = "engine/fake_to_console.variables.conf";
    let t = load(&root, file, &variables_for(file)).unwrap();
    assert_eq!(
        t["transform"][0]["query"],
        json!("select * from a20241023 where name = 'abc' ")
    );
    assert_eq!(t["source"][0]["string.template"], json!(["abc", "def"]));
    let file = "engine/fake_to_console_with_default_value.variables.conf";
    let t = load(&root, file, &variables_for(file)).unwrap();
    assert_eq!(
        t["env"]["job.name"],
        json!("fake_to_console_with_default_value")
    );
    assert_eq!(t["source"][0]["row.num"], json!(50));
    assert_eq!(t["source"][0]["schema"]["fields"]["age"], json!("int"));
}

#[test]
fn runtime_placeholders_survive_and_cluster_templates_fill() {
    let Some(root) = corpus() else { return };
    let file = "engine/cluster_batch_fake_to_localfile_two_pipeline_template.conf";
    let t = load(&root, file, &variables_for(file)).unwrap();
    assert_eq!(t["env"]["job.mode"], json!("BATCH"));
    assert_eq!(t["source"][1]["row.num"], json!(1000));
    assert_eq!(t["source"][1]["parallelism"], json!(6));
    assert_eq!(t["source"][0]["split.read-interval"], json!(3000));
    let sink = &t["sink"][1];
    assert_eq!(sink["path"], json!("/tmp/hive/warehouse/case1"));
    assert_eq!(
        sink["file_name_expression"],
        json!("${transactionId}_${now}")
    );
    assert_eq!(sink["field_delimiter"], json!("\t"));
    assert_eq!(sink["row_delimiter"], json!("\n"));
    let t = load(
        &root,
        "extra/engine-server/batch_fakesource_to_file.conf",
        &Variables::default(),
    )
    .unwrap();
    assert_eq!(
        t["sink"][0]["partition_dir_expression"],
        json!("${k0}=${v0}")
    );
}

#[test]
fn syntax_corners_of_the_corpus() {
    let Some(root) = corpus() else { return };
    let none = Variables::default();
    let t = load(&root, "fake/fake_to_assert.conf", &none).unwrap();
    assert_eq!(t["transform"][0]["query"], json!("select * from fake"));
    let t = load(&root, "transforms/sql_transform/case_when.conf", &none).unwrap();
    let q = t["transform"][0]["query"].as_str().unwrap();
    assert!(
        q.starts_with("\n      select case when c_string in ('c_string')"),
        "{q}"
    );
    assert!(q.ends_with("from fake\n    "), "{q}");
    let t = load(&root, "localfile/excel/local_excel_to_assert.conf", &none).unwrap();
    assert_eq!(t["source"][0]["field_delimiter"], json!(";"));
    let t = load(&root, "localfile/json/fake_to_local_file_json.conf", &none).unwrap();
    assert_eq!(t["sink"][0]["schema_save_mode"], json!("RECREATE_SCHEMA"));
}

#[test]
fn missing_job_file_names_the_path() {
    let e = load_job_file(Path::new("/nonexistent/job.conf"), &Variables::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("cannot read job file /nonexistent/job.conf: "),
        "{e}"
    );
}
