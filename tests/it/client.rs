//! `seatunnel client` (what `seatunnel.sh` runs) as a user meets it: the real binary against a
//! real `seatunnel hybrid` node found through a `hazelcast-client.yaml`, with exit codes, printed
//! tables and the jobs' effects checked.

// Shared helpers; this crate uses the blocking node part only.
use crate::http_support;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use http_support::node::{isolate, wait_for, HybridNode};
use serde_json::Value as Json;

/// Jobs here are small; a loaded CI box still finishes them well within this.
const JOB_DEADLINE: Duration = Duration::from_secs(60);
/// Loopback port 1: nothing listens there, so a connection is refused at once.
const DEAD_MEMBER: &str = "127.0.0.1:1";

/// A client configuration directory: `seatunnel.yaml` plus `hazelcast-client.yaml` listing
/// `members`, found through `--server-config`.
struct ClientDir {
    dir: tempfile::TempDir,
}

impl ClientDir {
    fn new(members: &[String]) -> ClientDir {
        ClientDir::with_engine(members, "")
    }

    /// `engine` is extra YAML under `seatunnel.engine`, indented by four spaces.
    fn with_engine(members: &[String], engine: &str) -> ClientDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("seatunnel.yaml"),
            format!("seatunnel:\n  engine:\n    print-job-metrics-info-interval: 1\n{engine}"),
        )
        .unwrap();
        let list: String = members.iter().map(|m| format!("      - {m}\n")).collect();
        std::fs::write(
            dir.path().join("hazelcast-client.yaml"),
            format!(
                "hazelcast-client:\n  cluster-name: seatunnel\n  connection-strategy:\n    connection-retry:\n      cluster-connect-timeout-millis: 0\n  network:\n    cluster-members:\n{list}"
            ),
        )
        .unwrap();
        ClientDir { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_seatunnel"));
        isolate(&mut cmd)
            .arg("client")
            .args(args)
            .arg("--server-config")
            .arg(self.path().join("seatunnel.yaml"));
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the client runs")
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn success(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
    stdout(o)
}

fn failure(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(1),
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
    stderr(o)
}

/// FakeSource → LocalFile (text), `${rows}` rows, into `out`.
fn fake_to_file(out: &Path) -> String {
    format!(
        r#"
env {{ parallelism = 1, job.mode = "BATCH", job.name = "client_fake_to_file" }}
source {{ FakeSource {{ plugin_output = "fake", row.num = ${{rows}}, schema = {{ fields {{ name = "string", age = "int" }} }} }} }}
sink {{ LocalFile {{ plugin_input = "fake", path = "{}", tmp_path = "{}", file_format_type = "text" }} }}
"#,
        out.join("data").display(),
        out.join("tmp").display()
    )
}

const STREAMING: &str = r#"
env { job.mode = "STREAMING" }
source { FakeSource { plugin_output = "fake", row.num = 5, schema = { fields { a = "int" } } } }
sink { Console { plugin_input = "fake", log.print.data = false } }
"#;

const FAILING: &str = r#"
env { job.mode = "BATCH" }
source { FakeSource { plugin_output = "fake", row.num = 10, schema = { fields { a = "int" } } } }
sink { Assert { plugin_input = "fake", rules { row_rules = [ { rule_type = MAX_ROW, rule_value = 3 } ] } } }
"#;

fn lines_under(dir: &Path) -> usize {
    let mut count = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                count += std::fs::read_to_string(&p).unwrap().lines().count();
            }
        }
    }
    count
}

/// The job's status as `-j` prints it.
fn status_of(c: &ClientDir, id: &str) -> String {
    let out = c.run(&["-j", id]);
    let json: Json = serde_json::from_str(&success(&out)).unwrap();
    json["jobStatus"].as_str().unwrap_or_default().to_string()
}

fn wait_status(c: &ClientDir, id: &str, want: &str) {
    // Until the job is submitted, -j says the id is unknown: keep polling.
    wait_for(&format!("job {id} {want}"), JOB_DEADLINE, || {
        let out = c.run(&["-j", id]);
        let json: Json = serde_json::from_slice(&out.stdout).unwrap_or(Json::Null);
        (json["jobStatus"] == want).then_some(())
    });
}

#[test]
fn cluster_mode_submits_follows_lists_and_cancels() {
    let node_dir = tempfile::tempdir().unwrap();
    let node = HybridNode::start(node_dir.path());
    // A dead member first: the client must move on to the next.
    let c = ClientDir::new(&[DEAD_MEMBER.into(), format!("127.0.0.1:{}", node.port)]);

    // Submit and wait: exit 0, SeaTunnel's statistics, the rows on disk.
    let out_dir = c.path().join("out");
    let job = c.write("fake_to_file.conf", &fake_to_file(&out_dir));
    let out = c.run(&["-c", &job, "-i", "rows=25"]);
    let text = success(&out);
    assert!(
        text.contains("           Job Statistic Information\n"),
        "{text}"
    );
    assert!(
        text.contains("Total Read Count          :                  25\n"),
        "{text}"
    );
    assert!(
        text.contains("Total Write Count         :                  25\n"),
        "{text}"
    );
    assert_eq!(lines_under(&out_dir.join("data")), 25);
    let (_, finished) = node.get("/finished-jobs/FINISHED");
    assert_eq!(finished[0]["jobName"], "client_fake_to_file");

    // -n wins over env.job.name; --set-job-id picks the id; -l lists it, newest first.
    let out = c.run(&[
        "-c",
        &job,
        "-i",
        "rows=3",
        "-n",
        "renamed",
        "--set-job-id",
        "4242",
    ]);
    success(&out);
    let (_, info) = node.get("/job-info/4242");
    assert_eq!(info["jobName"], "renamed");
    assert_eq!(info["jobStatus"], "FINISHED");

    // --async prints the id and returns while the job runs.
    let streaming = c.write("streaming.conf", STREAMING);
    let out = c.run(&["-c", &streaming, "--async"]);
    let id = success(&out).trim().to_string();
    assert!(id.parse::<i64>().is_ok(), "{id}");
    wait_status(&c, &id, "RUNNING");
    let detail: Json = serde_json::from_str(&success(&c.run(&["-j", &id]))).unwrap();
    assert_eq!(detail["jobId"], id.as_str());
    assert_eq!(detail["envOptions"]["job.mode"], "STREAMING");
    // A hybrid node keeps its jobs' checkpoint records like a separated cluster's masters: -j
    // carries the overview and --checkpoint-overview prints it.
    assert!(
        detail["checkpointOverview"]["pipelines"].is_array(),
        "{detail}"
    );
    let overview: Json =
        serde_json::from_str(&success(&c.run(&["--checkpoint-overview", &id]))).unwrap();
    assert_eq!(overview["jobId"], id.as_str(), "{overview}");
    assert!(overview["pipelines"][0]["counts"].is_object(), "{overview}");
    let err = failure(&c.run(&["--checkpoint-history", "1"]));
    assert!(
        err.contains("job 1 is neither running nor in history"),
        "{err}"
    );

    let list = success(&c.run(&["-l"]));
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[0].starts_with("Job ID"), "{list}");
    assert!(lines[0].contains("Job Name") && lines[0].contains("Finished Time"));
    assert!(
        lines[2].starts_with(&id) && lines[2].contains("RUNNING"),
        "newest first: {list}"
    );
    assert!(list.contains("4242") && list.contains("renamed") && list.contains("FINISHED"));

    let metrics: Json = serde_json::from_str(&success(&c.run(&["--metrics", &id]))).unwrap();
    assert!(metrics.get("SourceReceivedCount").is_some(), "{metrics}");
    let running: Json =
        serde_json::from_str(&success(&c.run(&["--get_running_job_metrics"]))).unwrap();
    assert!(running.get(&id).is_some(), "{running}");

    // A hybrid node is a master and a worker: -s takes a savepoint and the job ends
    // SAVEPOINT_DONE; -r runs it again under the same id from the savepoint.
    let out = c.run(&["-s", &id]);
    assert!(success(&out).contains(&format!("Job {id} savepoint requested")));
    wait_status(&c, &id, "SAVEPOINT_DONE");
    success(&c.run(&["-c", &streaming, "-r", &id, "--async"]));
    wait_status(&c, &id, "RUNNING");

    // -can stops it; it ends CANCELED.
    let out = c.run(&["-can", &id]);
    assert!(success(&out).contains(&format!("Job {id} cancel requested")));
    wait_status(&c, &id, "CANCELED");

    // Unknown ids are errors for -j and --metrics.
    let err = failure(&c.run(&["-j", "1"]));
    assert!(err.contains("job 1 is unknown to the cluster"), "{err}");

    // A failing job: exit 1 with the job's error, statistics still printed.
    let failing = c.write("failing.conf", FAILING);
    let out = c.run(&["-c", &failing]);
    let err = failure(&out);
    assert!(err.contains("ended FAILED"), "{err}");
    assert!(stdout(&out).contains("Job Statistic Information"));

    // A waiting client prints progress; interrupting it cancels its job (-cj true, the default).
    let mut waiting = c
        .command(&["-c", &streaming, "--set-job-id", "5151"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, stderr_text) = capture(&mut waiting);
    let mut seen = Vec::new();
    wait_for("a progress table", JOB_DEADLINE, || {
        while let Ok(l) = lines.try_recv() {
            seen.push(l);
        }
        seen.iter()
            .any(|l| l.contains("Job Progress Information"))
            .then_some(())
    });
    assert!(
        seen.iter().any(|l| l.starts_with("Read Count So Far ")),
        "{seen:?}"
    );
    interrupt(&waiting);
    let status = wait_for("the client to exit", JOB_DEADLINE, || {
        waiting.try_wait().unwrap()
    });
    let err = stderr_text.join().unwrap();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("interrupted: job 5151 cancelled, it ended CANCELED"),
        "{err}"
    );
    assert_eq!(status_of(&c, "5151"), "CANCELED");
}

/// Streams the child's stdout line by line and collects its stderr, so neither pipe fills.
fn capture(child: &mut Child) -> (mpsc::Receiver<String>, std::thread::JoinHandle<String>) {
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    (rx, err)
}

fn interrupt(child: &Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
}

#[test]
fn losing_the_cluster_while_waiting_says_the_job_may_still_run() {
    let node_dir = tempfile::tempdir().unwrap();
    let mut node = HybridNode::start(node_dir.path());
    let c = ClientDir::new(&[format!("127.0.0.1:{}", node.port)]);
    let streaming = c.write("streaming.conf", STREAMING);
    let mut waiting = c
        .command(&["-c", &streaming, "--set-job-id", "6161"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_lines, stderr_text) = capture(&mut waiting);
    wait_status(&c, "6161", "RUNNING");
    node.kill();
    let status = wait_for("the client to exit", JOB_DEADLINE, || {
        waiting.try_wait().unwrap()
    });
    let err = stderr_text.join().unwrap();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("lost the cluster while waiting for job 6161, which may still be running"),
        "{err}"
    );
}

#[test]
fn basic_auth_credentials_come_from_seatunnel_yaml() {
    let node_dir = tempfile::tempdir().unwrap();
    let auth = [
        ("enable-basic-auth", "true"),
        ("basic-auth-username", "admin"),
        ("basic-auth-password", "s3cret"),
    ];
    let node = HybridNode::start_with(node_dir.path(), &auth);
    let member = [format!("127.0.0.1:{}", node.port)];
    let with = ClientDir::with_engine(
        &member,
        "    http:\n      enable-basic-auth: true\n      basic-auth-username: admin\n      basic-auth-password: s3cret\n",
    );
    assert!(success(&with.run(&["-l"])).starts_with("Job ID"));
    let without = ClientDir::new(&member);
    let err = failure(&without.run(&["-l"]));
    assert!(err.contains("authentication required"), "{err}");
    assert!(err.contains("basic-auth-username"), "{err}");
}

#[test]
fn no_reachable_member_names_every_address_and_the_file() {
    let c = ClientDir::new(&[DEAD_MEMBER.into(), "127.0.0.1:2".into()]);
    let err = failure(&c.run(&["-l"]));
    assert!(err.contains("tried 127.0.0.1:1 ("), "{err}");
    assert!(err.contains("127.0.0.1:2 ("), "{err}");
    let file: PathBuf = c.path().join("hazelcast-client.yaml");
    assert!(
        err.contains(&format!("the members come from {}:", file.display())),
        "{err}"
    );
}

#[test]
fn docker_member_list_overrides_the_file() {
    let c = ClientDir::new(&["127.0.0.1:2".into()]);
    let out = c
        .command(&["-l"])
        .env("ST_DOCKER_MEMBER_LIST", DEAD_MEMBER)
        .output()
        .unwrap();
    let err = failure(&out);
    assert!(err.contains("tried 127.0.0.1:1 ("), "{err}");
    assert!(!err.contains("127.0.0.1:2"), "{err}");
    assert!(
        err.contains("environment variable ST_DOCKER_MEMBER_LIST"),
        "{err}"
    );
}

#[test]
fn local_mode_and_file_actions_need_no_cluster() {
    let c = ClientDir::new(&[DEAD_MEMBER.into()]);
    let out_dir = c.path().join("out");
    let job = c.write("job.conf", &fake_to_file(&out_dir));
    let text = success(&c.run(&["-m", "local", "-c", &job, "-i", "rows=9"]));
    assert!(
        text.contains("Total Write Count         :                   9\n"),
        "{text}"
    );
    assert_eq!(lines_under(&out_dir.join("data")), 9);

    let text = success(&c.run(&["--check", "-c", &job, "-i", "rows=1"]));
    assert!(text.contains("is valid: 1 pipeline(s)"), "{text}");
    let bad = c.write(
        "bad.conf",
        "source { NoSuchSource {} }\nsink { Console {} }\n",
    );
    let err = failure(&c.run(&["--check", "-c", &bad]));
    assert!(err.contains("NoSuchSource"), "{err}");

    let secret = c.write(
        "secret.conf",
        r#"env { shade.identifier = "base64" }
source { FakeSource { plugin_output = "f", username = "admin", schema = { fields { a = "int" } } } }
sink { Console { plugin_input = "f" } }
"#,
    );
    let enc: Json = serde_json::from_str(&success(&c.run(&["--encrypt", "-c", &secret]))).unwrap();
    assert_eq!(enc["source"][0]["username"], "YWRtaW4=");
    let encoded = c.write("encoded.json", &enc.to_string());
    let dec: Json = serde_json::from_str(&success(&c.run(&["--decrypt", "-c", &encoded]))).unwrap();
    assert_eq!(dec["source"][0]["username"], "admin");

    // Usage errors name the flag and exit 2; no arguments prints the help.
    let out = c.run(&["-j", "abc"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("option -j expects a numeric job id, got 'abc'"));
    let out = Command::new(env!("CARGO_BIN_EXE_seatunnel"))
        .arg("client")
        .output()
        .unwrap();
    assert!(success(&out).starts_with("Usage: seatunnel.sh [options]"));
}
