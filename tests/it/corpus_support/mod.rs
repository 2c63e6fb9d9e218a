//! Helpers for the corpus test: the manifest, the scope rules, fixture staging, and running one
//! job with a deadline.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A batch job that takes longer than this is a failure (corpus jobs need well under a second
/// here; the margin is for a loaded 2-core CI machine).
const BATCH_DEADLINE: Duration = Duration::from_secs(120);
/// How long a STREAMING job must stay up, without error, to count as "running".
const STREAMING_RUN_FOR: Duration = Duration::from_secs(4);
/// How long a stopped job may take to drain and exit after SIGTERM.
const STOP_DEADLINE: Duration = Duration::from_secs(30);

/// Plugins this build provides, lower-cased (SeaTunnel matches names case-insensitively).
const SUPPORTED_PLUGINS: &[&str] = &[
    "fakesource",
    "localfile",
    "console",
    "assert",
    "sql",
    "filter",
    "fieldmapper",
    "replace",
    "copy",
    "filterrowkind",
];
/// LocalFile formats this build reads and writes.
const SUPPORTED_FORMATS: &[&str] = &["text", "csv", "json"];

pub struct Corpus {
    pub root: PathBuf,
    pub bin: PathBuf,
}

pub struct Row {
    pub file: String,
    pub plugins: String,
    pub mode: String,
    pub expected: String,
}

#[derive(Debug, Clone)]
pub enum Expect {
    Finished,
    /// Non-zero exit; the output contains the text when given.
    Failed(Option<&'static str>),
    StillRunning,
}

/// A check on files a job wrote, after it ended.
#[derive(Debug, Clone)]
pub enum FileCheck {
    /// Total lines of the files under the directory.
    Lines(&'static str, usize),
    /// Number of entries directly under the directory.
    FileCount(&'static str, usize),
    /// First line of every file under the directory equals (true) or differs from (false) the text.
    FirstLine(&'static str, &'static str, bool),
    /// The job's own output contains (true) or lacks (false) the text.
    Log(&'static str, bool),
}

#[derive(Debug, Clone)]
pub struct Run {
    pub vars: Vec<String>,
    pub expect: Expect,
    pub checks: Vec<FileCheck>,
    /// Directories emptied before the run (upstream runs each test in a fresh container).
    pub clean: Vec<&'static str>,
    /// For a job that stays running: another job file, polled until it exits 0 while this one
    /// runs (upstream polls a reader of a streaming job's committed output the same way).
    pub until_passes: Option<&'static str>,
    /// A server config file under the corpus's engine-config/ tree, for jobs whose upstream test
    /// ran against a particular server configuration.
    pub server_config: Option<&'static str>,
}

/// Where SeaTunnel's e2e server configs live inside the corpus.
const E2E_RESOURCES: &str =
    "engine-config/seatunnel-e2e/seatunnel-engine-e2e/connector-seatunnel-e2e-base/src/test/resources";

impl Run {
    fn simple(expect: Expect) -> Run {
        Run {
            vars: Vec::new(),
            expect,
            checks: Vec::new(),
            clean: Vec::new(),
            until_passes: None,
            server_config: None,
        }
    }
}

/// How long a streaming writer may take until the polled reader passes.
const UNTIL_PASSES_DEADLINE: Duration = Duration::from_secs(120);

pub enum Plan {
    Runs(Vec<Run>),
    OutOfScope(String),
}

impl Corpus {
    pub fn locate() -> Option<Corpus> {
        let root = seatunnel::test_support::compat_corpus()?;
        Some(Corpus {
            root,
            bin: PathBuf::from(env!("CARGO_BIN_EXE_seatunnel")),
        })
    }

    /// Rows in the order the upstream tests need: writers before the readers of their output.
    pub fn manifest(&self) -> Vec<Row> {
        let text = std::fs::read_to_string(self.root.join("jobs/MANIFEST.tsv"))
            .expect("manifest readable");
        let mut rows: Vec<Row> = text
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let cols: Vec<&str> = l.split('\t').collect();
                Row {
                    file: cols[0].to_string(),
                    plugins: cols.get(2).unwrap_or(&"").to_string(),
                    mode: cols.get(3).unwrap_or(&"").to_string(),
                    expected: cols.get(4).unwrap_or(&"").to_string(),
                }
            })
            .collect();
        rows.sort_by_key(|r| {
            r.file.ends_with("sink_file_text_to_assert.conf")
                || r.file.ends_with("local_file_binary_to_assert.conf")
        });
        rows
    }

    pub fn job_path(&self, row: &Row) -> PathBuf {
        self.root.join("jobs").join(&row.file)
    }

    pub fn execute(&self, row: &Row, run: &Run) -> Result<(), String> {
        for dir in &run.clean {
            let _ = std::fs::remove_dir_all(dir);
        }
        let mut cmd = Command::new(&self.bin);
        cmd.arg("run").arg("-c").arg(self.job_path(row));
        for v in &run.vars {
            cmd.arg("-i").arg(v);
        }
        if let Some(file) = run.server_config {
            cmd.arg("--server-config")
                .arg(self.root.join(E2E_RESOURCES).join(file));
        }
        let log = std::env::temp_dir().join(format!("corpus-{}.log", row.file.replace('/', "_")));
        let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        cmd.stdout(log_file.try_clone().map_err(|e| e.to_string())?)
            .stderr(log_file)
            .stdin(Stdio::null());
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.bin.display()))?;
        let output = || std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(reader) = run.until_passes {
            self.poll_until_passes(reader, &mut child)?;
        }
        match &run.expect {
            Expect::StillRunning => match wait_until(&mut child, STREAMING_RUN_FOR) {
                Some(code) => {
                    return Err(format!(
                        "ended with {code:?}, expected still running; output tail:\n{}",
                        tail(&output())
                    ))
                }
                None => {
                    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
                    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
                    if wait_until(&mut child, STOP_DEADLINE).is_none() {
                        let _ = child.kill();
                        return Err(format!("did not stop within {STOP_DEADLINE:?} of SIGTERM"));
                    }
                }
            },
            expect => match wait_until(&mut child, BATCH_DEADLINE) {
                None => {
                    let _ = child.kill();
                    return Err(format!("still running after {BATCH_DEADLINE:?}"));
                }
                Some(code) => {
                    let out = output();
                    let ok = match expect {
                        Expect::Finished => code == Some(0),
                        Expect::Failed(None) => code != Some(0),
                        Expect::Failed(Some(text)) => code != Some(0) && out.contains(text),
                        Expect::StillRunning => unreachable!("handled above"),
                    };
                    if !ok {
                        return Err(format!(
                            "exit {code:?}, expected {expect:?}; output tail:\n{}",
                            tail(&out)
                        ));
                    }
                }
            },
        }
        let out = output();
        run.checks.iter().try_for_each(|c| check(c, &out))
    }

    /// Runs `reader` (a corpus job file) again and again while `writer` runs, until it exits 0.
    fn poll_until_passes(&self, reader: &str, writer: &mut Child) -> Result<(), String> {
        let deadline = Instant::now() + UNTIL_PASSES_DEADLINE;
        loop {
            let status = Command::new(&self.bin)
                .arg("run")
                .arg("-c")
                .arg(self.root.join("jobs").join(reader))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map_err(|e| e.to_string())?;
            if status.success() {
                return Ok(());
            }
            if let Ok(Some(s)) = writer.try_wait() {
                return Err(format!("writer ended ({s}) before {reader} passed"));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{reader} did not pass within {UNTIL_PASSES_DEADLINE:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// Waits for the child up to `limit`; `Some(exit code)` if it ended.
fn wait_until(child: &mut Child, limit: Duration) -> Option<Option<i32>> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status.code());
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn files_under(dir: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn check(check: &FileCheck, output: &str) -> Result<(), String> {
    match check {
        FileCheck::Log(text, present) => {
            (output.contains(text) == *present)
                .then_some(())
                .ok_or(format!(
                    "output {} {text:?}",
                    if *present { "lacks" } else { "contains" }
                ))
        }
        FileCheck::Lines(dir, want) => {
            let got: usize = files_under(dir)
                .iter()
                .map(|f| {
                    std::fs::read_to_string(f)
                        .unwrap_or_default()
                        .lines()
                        .count()
                })
                .sum();
            (got == *want)
                .then_some(())
                .ok_or(format!("{dir}: {got} lines, expected {want}"))
        }
        FileCheck::FileCount(dir, want) => {
            let got = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
            (got == *want)
                .then_some(())
                .ok_or(format!("{dir}: {got} files, expected {want}"))
        }
        FileCheck::FirstLine(dir, text, equal) => {
            let files = files_under(dir);
            if files.is_empty() {
                return Err(format!("{dir}: no files written"));
            }
            for f in files {
                let content = std::fs::read_to_string(&f).unwrap_or_default();
                let first = content.lines().next().unwrap_or("");
                if (first == *text) != *equal {
                    let not = if *equal { "" } else { "not " };
                    return Err(format!(
                        "{}: first line {first:?}, expected {not}{text:?}",
                        f.display()
                    ));
                }
            }
            Ok(())
        }
    }
}

/// Stages the data fixtures the LocalFile jobs read, at the absolute paths upstream used.
pub fn stage_fixtures(corpus: &Corpus) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/stage_fixtures.sh");
    let status = Command::new("bash")
        .arg(&script)
        .arg(&corpus.root)
        .status()
        .expect("bash runs");
    assert!(
        status.success(),
        "staging the corpus fixtures failed: {status}"
    );
}

fn file_formats(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("file_format_type")?;
            Some(
                rest.trim_start()
                    .trim_start_matches(['=', ':'])
                    .trim()
                    .trim_matches('"')
                    .to_ascii_lowercase(),
            )
        })
        .collect()
}

/// Decides how one manifest row runs here, or why it cannot.
pub fn classify(corpus: &Corpus, row: &Row) -> Plan {
    for part in row.plugins.split_whitespace() {
        let Some((_, names)) = part.split_once(':') else {
            continue;
        };
        for name in names.split(',').filter(|n| *n != "-") {
            if !SUPPORTED_PLUGINS.contains(&name.to_ascii_lowercase().as_str()) {
                return Plan::OutOfScope(format!("plugin {name} is not in this build"));
            }
        }
    }
    let text = std::fs::read_to_string(corpus.job_path(row)).unwrap_or_default();
    for format in file_formats(&text) {
        if !format.starts_with("${") && !SUPPORTED_FORMATS.contains(&format.as_str()) {
            return Plan::OutOfScope(format!(
                "LocalFile format {format} (this build: text, csv, json)"
            ));
        }
    }
    let f = row.file.as_str();
    let expect = if row.expected.starts_with("EXPECTED FAILURE") {
        Expect::Failed(
            f.ends_with("batch_fakesource_to_console_error.conf")
                .then_some("NumberFormatException"),
        )
    } else if row.mode == "STREAMING" {
        Expect::StillRunning
    } else {
        Expect::Finished
    };
    Plan::Runs(match f {
        "engine/fake_to_console.variables.conf" => vec![Run {
            vars: [
                "resName=a20241023",
                "rowNum=10",
                "strTemplate=[abc,def]",
                "nameType=string",
                "nameVal=abc",
                "sourceTableName=sql",
            ]
            .map(String::from)
            .to_vec(),
            ..Run::simple(Expect::Finished)
        }],
        "engine/fake_to_console_with_default_value.variables.conf" => vec![Run {
            vars: [
                "strTemplate=[abc,def]",
                "ageType=int",
                "nameVal=abc",
                "sourceTableName=sql",
            ]
            .map(String::from)
            .to_vec(),
            ..Run::simple(Expect::Finished)
        }],
        "engine/batch_fakesource_to_file_header.conf" => [
            ("text", "true", "name\u{1}age", true),
            ("text", "false", "name\u{1}age", false),
            ("csv", "true", "name,age", true),
            ("csv", "false", "name,age", false),
        ]
        .into_iter()
        .map(|(fmt, header, line, equal)| Run {
            vars: vec![
                format!("file_format_type={fmt}"),
                format!("enable_header_write={header}"),
            ],
            expect: Expect::Finished,
            checks: vec![FileCheck::FirstLine("/tmp/text", line, equal)],
            clean: vec!["/tmp/text"],
            until_passes: None,
            server_config: None,
        })
        .collect(),
        "engine/cluster_batch_fake_to_localfile_template.conf"
        | "engine/cluster_batch_fake_to_localfile_two_pipeline_template.conf" => {
            let two = f.contains("two_pipeline");
            let case = if two {
                "corpus_two_pipeline"
            } else {
                "corpus_one_pipeline"
            };
            let dir: &'static str = if two {
                "/tmp/hive/warehouse/corpus_two_pipeline"
            } else {
                "/tmp/hive/warehouse/corpus_one_pipeline"
            };
            vec![Run {
                vars: vec![
                    format!("dynamic_test_case_name={case}"),
                    "dynamic_job_mode=BATCH".into(),
                    "dynamic_test_row_num_per_parallelism=1000".into(),
                    "dynamic_test_parallelism=6".into(),
                ],
                expect: Expect::Finished,
                checks: vec![FileCheck::Lines(dir, if two { 12000 } else { 6000 })],
                clean: vec![dir],
                until_passes: None,
                server_config: None,
            }]
        }
        "localfile/json/fake_to_local_file_json_save_mode.conf" => {
            let dir = "/tmp/seatunnel/localfile/json/fake";
            let run = Run {
                checks: vec![FileCheck::FileCount(dir, 1)],
                ..Run::simple(Expect::Finished)
            };
            vec![
                Run {
                    clean: vec![dir],
                    ..run.clone()
                },
                run,
            ]
        }
        "engine/checkpoint-batch-disable-test-resources/batch_fakesource_to_localfile_checkpoint_disable.conf"
        | "engine/checkpoint-batch-disable-test-resources/batch_fakesource_to_localfile_checkpoint_disable_withtimeout.conf" => {
            vec![Run {
                clean: vec!["/tmp/seatunnel/config/checkpoint-batch-disable-test-resources/sinkfile"],
                checks: vec![FileCheck::Log("checkpoint is disabled", true)],
                ..Run::simple(Expect::Finished)
            }]
        }
        "engine/checkpoint-batch-enable-test-resources/batch_fakesource_to_localfile_checkpoint_enable.conf" => vec![Run {
            clean: vec!["/tmp/seatunnel/config/checkpoint-batch-enable-test-resources/sinkfile"],
            checks: vec![FileCheck::Log("checkpoint is enabled", true)],
            ..Run::simple(Expect::Finished)
        }],
        "engine/checkpoint-streaming-enable-test-resources/stream_fakesource_to_localfile.conf" => vec![Run {
            clean: vec!["/tmp/seatunnel/config/checkpoint-streaming-enable-test-resources/sinkfile"],
            checks: vec![FileCheck::Log("checkpoint is enabled", true)],
            ..Run::simple(Expect::StillRunning)
        }],
        "engine/checkpoint-streaming-enable-test-resources/stream_fakesource_to_localfile_interval.conf" => vec![Run {
            clean: vec!["/tmp/seatunnel/config/checkpoint-streaming-enable-test-resources/sinkfile"],
            until_passes: Some("engine/checkpoint-streaming-enable-test-resources/sink_file_text_to_assert.conf"),
            checks: vec![FileCheck::Log("checkpoint is enabled", true)],
            ..Run::simple(Expect::StillRunning)
        }],
        "fake/fake_to_console_with_multitable_mode.conf" => vec![Run {
            checks: vec![FileCheck::Log("MultiTableWriterRunnable error", false)],
            ..Run::simple(Expect::Finished)
        }],
        "fake/fake_to_assert_with_multitable_exception.conf" => vec![Run {
            checks: vec![FileCheck::Log("MultiTableWriterRunnable error", true)],
            ..Run::simple(expect)
        }],
        // Upstream runs these against the e2e hazelcast.yaml, whose member-attributes are
        // group=platform, team=team1; here the embedded node carries those tags.
        "engine/resource-isolation/fakesource_to_console.conf" => vec![Run {
            server_config: Some("seatunnel.yaml"),
            ..Run::simple(Expect::Finished)
        }],
        "engine/resource-isolation/fakesource_to_console_tag_not_match.conf" => vec![Run {
            server_config: Some("seatunnel.yaml"),
            ..Run::simple(Expect::Failed(Some("NoEnoughResourceException")))
        }],
        // FINISHED with dynamic slots; FAILED with the fixed 3 slots of seatunnel_fixed_slot_num.yaml.
        "engine/batch_slot_not_enough.conf" => vec![
            Run::simple(Expect::Finished),
            Run {
                server_config: Some("seatunnel_fixed_slot_num.yaml"),
                ..Run::simple(Expect::Failed(Some("NoEnoughResourceException")))
            },
        ],
        _ => vec![Run::simple(expect)],
    })
}
