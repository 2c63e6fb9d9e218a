//! A real `seatunnel hybrid` process on loopback: systemd notifications read from a real
//! `NOTIFY_SOCKET`, a job submitted over REST V2 on an ephemeral port, config reload on SIGHUP,
//! and a clean drain on SIGTERM.

// Shared helpers; this crate uses the blocking node part only.
use crate::http_support;

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use http_support::node::{
    free_member_port, http, isolate, own_cluster_at, unique_cluster_name, HybridNode,
};
use serde_json::{json, Value as Json};

/// Generous deadlines: the machine may be a loaded 2-core CI box.
const START_DEADLINE: Duration = Duration::from_secs(60);
const JOB_DEADLINE: Duration = Duration::from_secs(60);
const STOP_DEADLINE: Duration = Duration::from_secs(40);

/// A hybrid node that talks to a test-owned `NOTIFY_SOCKET`, as systemd would see it.
struct Node {
    node: HybridNode,
    notify: UnixDatagram,
}

impl Node {
    fn start(config_dir: &Path) -> Node {
        let socket_path = config_dir.join("notify.sock");
        let notify = UnixDatagram::bind(&socket_path).unwrap();
        notify
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_seatunnel"));
        isolate(&mut cmd)
            .args(["hybrid", "--config"])
            .arg(config_dir.join("seatunnel.yaml"))
            .env("NOTIFY_SOCKET", &socket_path)
            .env("WATCHDOG_USEC", "200000");
        Node {
            node: HybridNode::spawn(&mut cmd),
            notify,
        }
    }

    fn wait_log(&mut self, needle: &str, limit: Duration) -> String {
        self.node.wait_log(needle, limit)
    }

    /// Reads notifications until one contains `needle`.
    fn wait_notify(&self, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        while Instant::now() < deadline {
            if let Ok(n) = self.notify.recv(&mut buf) {
                let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
                if msg.contains(needle) {
                    return msg;
                }
                got.push(msg);
            }
        }
        panic!("no notification containing {needle:?} within {limit:?}; got {got:?}");
    }

    fn signal(&self, sig: nix::sys::signal::Signal) {
        self.node.signal(sig);
    }

    fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        self.node.wait_exit(limit)
    }

    fn http(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Json) {
        let reply = http(self.node.port, method, path, body.unwrap_or(""));
        assert_ne!(reply.status, 0, "{method} {path}: no answer");
        (reply.status, reply.json())
    }
}

fn write_config(dir: &Path, expire_minutes: u32) {
    std::fs::write(
        dir.join("seatunnel.yaml"),
        format!(
            "seatunnel:\n  engine:\n    history-job-expire-minutes: {expire_minutes}\n    http:\n      enable-http: true\n      port: 0\n"
        ),
    )
    .unwrap();
}

#[test]
fn hybrid_node_serves_jobs_reloads_and_drains() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), 1440);
    let mut node = Node::start(dir.path());
    let ready = node.wait_notify("READY=1", START_DEADLINE);
    assert!(
        ready.contains("STATUS=hybrid node ") && ready.contains(" ready: member port "),
        "{ready}"
    );
    // WATCHDOG_USEC asks for pings at half the period, from the node's own event loop.
    node.wait_notify("WATCHDOG=1", START_DEADLINE);

    let job = json!({
        "env": {"job.mode": "BATCH", "parallelism": 2},
        "source": [{"plugin_name": "FakeSource", "plugin_output": "fake", "row.num": 50,
                    "schema": {"fields": {"name": "string", "age": "int"}}}],
        "sink": [{"plugin_name": "Assert", "plugin_input": "fake",
                  "rules": {"row_rules": [{"rule_type": "MIN_ROW", "rule_value": 100}, {"rule_type": "MAX_ROW", "rule_value": 100}]}}]
    });
    let (status, body) = node.http(
        "POST",
        "/submit-job?jobName=node_test",
        Some(&job.to_string()),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["jobName"], "node_test");
    let id = body["jobId"].as_str().unwrap().to_string();
    let deadline = Instant::now() + JOB_DEADLINE;
    let info = loop {
        let (_, info) = node.http("GET", &format!("/job-info/{id}"), None);
        if info["jobStatus"] == "FINISHED" {
            break info;
        }
        assert!(
            Instant::now() < deadline,
            "job not FINISHED in time: {info}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(info["metrics"]["SourceReceivedCount"], "100");
    assert_eq!(info["metrics"]["SinkWriteCount"], "100");
    assert_eq!(
        info["jobDag"]["vertexInfoMap"][0]["vertexName"],
        "pipeline-1 [Source[0]-FakeSource]"
    );
    let (_, overview) = node.http("GET", "/overview", None);
    assert_eq!(overview["finishedJobs"], "1");
    let (_, finished) = node.http("GET", "/finished-jobs/FINISHED", None);
    assert_eq!(finished[0]["jobId"], id.as_str());
    assert_eq!(finished[0]["errorMsg"], Json::Null);
    assert_eq!(finished[0]["pluginJarsUrls"], json!([]));
    let (_, running) = node.http("GET", "/running-jobs", None);
    assert_eq!(running, json!([]));

    // SeaTunnel's error contract, from the real process.
    let (status, body) = node.http("POST", "/submit-job", None);
    assert_eq!(
        (status, body),
        (
            400,
            json!({"status": "fail", "message": "Request body is empty."})
        )
    );
    let (status, body) = node.http("POST", "/submit-job", Some("{not json"));
    assert_eq!(
        (status, body),
        (
            400,
            json!({"status": "fail", "message": "Invalid JSON format in request body."})
        )
    );
    let (status, body) = node.http("GET", "/job-info/123", None);
    assert_eq!((status, body), (200, json!({"jobId": "123"})));
    let (status, body) = node.http("GET", "/job-info/", None);
    assert_eq!(
        (status, body),
        (
            400,
            json!({"status": "fail", "message": "The jobId must not be empty."})
        )
    );
    let (status, body) = node.http(
        "POST",
        &format!("/submit-job?jobId={id}"),
        Some(&job.to_string()),
    );
    assert_eq!(status, 500);
    assert_eq!(
        body["message"],
        format!("The job id {id} has already been submitted and is not starting with a savepoint.")
    );
    let bad_plugin =
        json!({"source": [{"plugin_name": "NoSuchSource"}], "sink": [{"plugin_name": "Console"}]});
    let (status, body) = node.http("POST", "/submit-job", Some(&bad_plugin.to_string()));
    assert_eq!(status, 500);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("unknown source plugin 'NoSuchSource'"),
        "{body}"
    );
    // A streaming job runs until stopped; stopping it over REST ends it CANCELED.
    let streaming = json!({
        "env": {"job.mode": "STREAMING"},
        "source": [{"plugin_name": "FakeSource", "row.num": 5, "schema": {"fields": {"a": "int"}}}],
        "sink": [{"plugin_name": "Console", "log.print.data": false}]
    });
    let (_, body) = node.http("POST", "/submit-job", Some(&streaming.to_string()));
    let sid = body["jobId"].as_str().unwrap().to_string();
    wait_status(&node, &sid, "RUNNING");
    let (status, body) = node.http("POST", "/stop-job", Some(&format!("{{\"jobId\": {sid}}}")));
    assert_eq!((status, body), (200, json!({"jobId": sid})));
    wait_status(&node, &sid, "CANCELED");

    // A bad config on reload keeps the running one.
    std::fs::write(
        dir.path().join("seatunnel.yaml"),
        "seatunnel:\n  engine:\n    http:\n      port: nope\n",
    )
    .unwrap();
    node.signal(nix::sys::signal::Signal::SIGHUP);
    node.wait_log(
        "config reload failed, keeping the running configuration",
        START_DEADLINE,
    );
    // A good one applies the live key and names the restart-only one.
    write_config(dir.path(), 5);
    node.signal(nix::sys::signal::Signal::SIGHUP);
    node.wait_log(
        "applied seatunnel.engine.history-job-expire-minutes",
        START_DEADLINE,
    );
    node.wait_notify("READY=1", START_DEADLINE);

    node.signal(nix::sys::signal::Signal::SIGTERM);
    let stopping = node.wait_notify("STOPPING=1", STOP_DEADLINE);
    assert!(stopping.contains("STATUS=stopping"), "{stopping}");
    assert_eq!(node.wait_exit(STOP_DEADLINE), Some(0));
}

fn wait_status(node: &Node, id: &str, want: &str) {
    let deadline = Instant::now() + JOB_DEADLINE;
    loop {
        let (_, info) = node.http("GET", &format!("/job-info/{id}"), None);
        if info["jobStatus"] == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} not {want} in time: {info}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn bad_config_exits_78_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("seatunnel.yaml"),
        "seatunnel:\n  engine:\n    backup-count: lots\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_seatunnel"))
        .args(["hybrid", "--config"])
        .arg(dir.path().join("seatunnel.yaml"))
        .env("SEATUNNEL_LOG_TARGET", "stderr")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("seatunnel.yaml:3") && err.contains("backup-count"),
        "{err}"
    );
}

/// `config check --quiet` is what the units' ExecStartPre= runs: silent for a good config (its
/// output would land in the journal at every start), exit 78 with the key for a bad one.
#[test]
fn quiet_config_check_is_silent_unless_the_config_is_bad() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seatunnel.yaml");
    let check = |file: &Path| {
        Command::new(env!("CARGO_BIN_EXE_seatunnel"))
            .args(["config", "check", "--role", "master", "--quiet", "--config"])
            .arg(file)
            .output()
            .unwrap()
    };
    std::fs::write(&file, "seatunnel:\n  engine:\n    backup-count: 2\n").unwrap();
    let good = check(&file);
    assert_eq!(good.status.code(), Some(0), "{good:?}");
    assert!(good.stdout.is_empty() && good.stderr.is_empty(), "{good:?}");

    std::fs::write(&file, "seatunnel:\n  engine:\n    backup-count: lots\n").unwrap();
    let bad = check(&file);
    assert_eq!(bad.status.code(), Some(78));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("seatunnel.yaml:3") && err.contains("backup-count"),
        "{err}"
    );
}

/// Member lists that can never form fail `config check` with 78 naming the key; aliases only
/// warn (issue 14, item 12). Before: every one of these passed and the node waited forever.
#[test]
fn config_check_refuses_member_lists_that_can_never_form() {
    const KEY: &str = "hazelcast.network.join.tcp-ip.member-list";
    // Nothing binds these: config check only reads and resolves. Auto-increment is off, as in
    // the shipped files: otherwise the worker port would be one of the master's own.
    const MASTER: u16 = 15801;
    const WORKER: u16 = 15802;
    let check = |role: &str, port: u16, members: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("seatunnel.yaml"), "").unwrap();
        std::fs::write(
            dir.path().join(format!("hazelcast-{role}.yaml")),
            format!(
                "hazelcast:\n  network:\n    join:\n      tcp-ip:\n        member-list: {members}\n    port:\n      auto-increment: false\n      port: {port}\n"
            ),
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_seatunnel"))
            .args(["config", "check", "--role", role, "--quiet", "--config"])
            .arg(dir.path().join("seatunnel.yaml"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code(), err)
    };
    for (role, port, members, needle) in [
        (
            "master",
            MASTER,
            "[]".to_string(),
            "the member list is empty",
        ),
        (
            "master",
            MASTER,
            format!("[192.0.2.7:{MASTER}, 127.0.0.1:{WORKER}]"),
            "no entry names this node",
        ),
        (
            "worker",
            WORKER,
            format!("[127.0.0.1:{WORKER}, localhost:{WORKER}]"),
            "names no member but this worker",
        ),
    ] {
        let (code, err) = check(role, port, &members);
        assert_eq!(code, Some(78), "{role} {members}: {err}");
        assert!(
            err.contains(KEY)
                && err.contains(needle)
                && err.contains(&format!("hazelcast-{role}.yaml:5")),
            "{role} {members}: {err}"
        );
    }
    let (code, err) = check(
        "worker",
        WORKER,
        &format!("[127.0.0.1:{MASTER}, 127.0.0.1:{WORKER}]"),
    );
    assert_eq!((code, err.as_str()), (Some(0), ""), "a valid list");
    // A master alone is a single-master cluster; its alias is a warning naming both entries.
    let (code, err) = check(
        "master",
        MASTER,
        &format!("[127.0.0.1:{MASTER}, localhost:{MASTER}]"),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.starts_with("warning: ")
            && err.contains(KEY)
            && err.contains(&format!("127.0.0.1:{MASTER} and localhost:{MASTER}")),
        "{err}"
    );
}

/// A REST port another process holds: the node exits at once, and the journal gets one line
/// that names the address and what to do (the Ansible health gate shows it to the operator).
#[test]
fn a_taken_rest_port_fails_the_start_with_one_clear_message() {
    let taken = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("seatunnel.yaml"),
        format!("seatunnel:\n  engine:\n    http:\n      enable-http: true\n      port: {port}\n"),
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_seatunnel"));
    let out = isolate(&mut cmd)
        .args(["hybrid", "--config"])
        .arg(dir.path().join("seatunnel.yaml"))
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let wanted = format!("cannot bind the REST port 0.0.0.0:{port}");
    assert_eq!(err.matches("cannot bind the REST port").count(), 1, "{err}");
    assert!(
        err.contains(&wanted) && err.contains("free the port"),
        "{err}"
    );
}

/// A job that runs and finishes: the node still works after the hostile requests.
const SMALL_JOB: &str = r#"{"env":{"job.mode":"BATCH"},"source":[{"plugin_name":"FakeSource","row.num":3,"schema":{"fields":{"id":"int"}}}],"sink":[{"plugin_name":"Console"}]}"#;

/// Issue 14 items 1 and 10: small requests that once overflowed a tokio worker's stack (nesting
/// 2 000 deep in HOCON, JSON, a type string, a SQL expression) or pinned the node
/// (`parallelism: 100000`, a huge `split.num`) get a 400 naming the limit, and the node goes on
/// serving: `/health` answers and a real job still finishes. Also item 14: `/overview` reports
/// the commit the binary was built from.
#[test]
fn hostile_requests_get_400_naming_the_limit_and_the_node_lives() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), 60);
    let mut node = Node::start(dir.path());
    let deep_list = format!("env {{ x = {}{} }}", "[".repeat(2000), "]".repeat(2000));
    let deep_object = format!("{}1{}", "{a=".repeat(2000), "}".repeat(2000));
    let deep_json = format!("{}1{}", "[".repeat(2000), "]".repeat(2000));
    let deep_json_130 = format!(
        r#"{{"env":{{"x":{}1{}}}}}"#,
        "[".repeat(126),
        "]".repeat(126)
    );
    let deep_type = format!(
        r#"{{"env":{{}},"source":[{{"plugin_name":"FakeSource","schema":{{"fields":{{"a":"{}int{}"}}}}}}],"sink":[{{"plugin_name":"Console"}}]}}"#,
        "array<".repeat(2000),
        ">".repeat(2000)
    );
    let sql = |chain: usize| {
        format!(
            r#"{{"env":{{}},"source":[{{"plugin_name":"FakeSource","plugin_output":"f","schema":{{"fields":{{"a":"int"}}}}}}],"transform":[{{"plugin_name":"Sql","plugin_input":"f","plugin_output":"g","query":"select {}a from f"}}],"sink":[{{"plugin_name":"Console","plugin_input":"g"}}]}}"#,
            "a+".repeat(chain)
        )
    };
    let wide = |p: &str| {
        format!(
            r#"{{"env":{{"parallelism":{p}}},"source":[{{"plugin_name":"FakeSource","schema":{{"fields":{{"a":"int"}}}}}}],"sink":[{{"plugin_name":"Console"}}]}}"#
        )
    };
    let splits = r#"{"env":{},"source":[{"plugin_name":"FakeSource","split.num":100000000,"row.num":1000000,"schema":{"fields":{"a":"int"}}}],"sink":[{"plugin_name":"Console"}]}"#;
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "/submit-job?format=hocon",
            deep_list,
            "nest deeper than 64 levels",
        ),
        (
            "/submit-job?format=hocon",
            deep_object,
            "nest deeper than 64 levels",
        ),
        ("/submit-job", deep_json, "nest deeper than 64 levels"),
        ("/submit-job", deep_json_130, "nest deeper than 64 levels"),
        ("/submit-job", deep_type, "types nest deeper than 32 levels"),
        ("/submit-job", sql(200_000), "bytes; at most 65536"),
        ("/submit-job", sql(2_100), "tokens; at most 4096"),
        (
            "/submit-job",
            sql(200),
            "sql expressions nest deeper than 128 levels",
        ),
        (
            "/submit-job",
            wide("100000"),
            "env.parallelism must be at most 1024",
        ),
        (
            "/submit-job",
            splits.to_string(),
            "'split.num' must be at most 10000",
        ),
    ];
    for (path, body, wanted) in &cases {
        let (status, answer) = node.http("POST", path, Some(body));
        assert_eq!(status, 400, "{path} ({wanted}): {answer}");
        assert_eq!(answer["status"], "fail", "{answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(wanted), "{wanted:?} not in {message:?}");
    }
    let (status, health) = node.http("GET", "/health", None);
    assert_eq!(status, 200, "{health}");
    let (status, ok) = node.http("POST", "/submit-job", Some(SMALL_JOB));
    assert_eq!(status, 200, "{ok}");
    wait_status(&node, ok["jobId"].as_str().unwrap(), "FINISHED");
    // The deepest SQL expression allowed compiles and runs on every row.
    let (status, deep_ok) = node.http("POST", "/submit-job", Some(&sql(120)));
    assert_eq!(status, 200, "{deep_ok}");
    wait_status(&node, deep_ok["jobId"].as_str().unwrap(), "FINISHED");
    let (_, wide_ok) = node.http("POST", "/submit-job", Some(&wide("1024")));
    assert!(
        wide_ok["jobId"].is_string(),
        "parallelism at the limit is a job: {wide_ok}"
    );

    let (_, overview) = node.http("GET", "/overview", None);
    let commit = Command::new("git")
        .args(["rev-parse", "--short=7", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match commit {
        Some(c) => assert_eq!(overview["gitCommitAbbrev"], c, "{overview}"),
        None => eprintln!(
            "not a git checkout: gitCommitAbbrev is {}",
            overview["gitCommitAbbrev"]
        ),
    }
    node.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(node.wait_exit(STOP_DEADLINE), Some(0));
}

/// Issue 15: a hybrid node is a master and a worker in one process, so it keeps checkpoints in
/// its data dir like a separated cluster. Killed with `kill -9` mid-job and started again with
/// the same data dir, it resumes the job by itself from the last checkpoint: the job finishes
/// with every row written once, and its readers did not read everything again.
#[test]
fn a_hybrid_node_killed_and_restarted_with_its_data_dir_resumes_its_job_from_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), 60);
    let data_dir = dir.path().join("state");
    let out = dir.path().join("out");
    let (port, name) = (free_member_port(), unique_cluster_name());
    let start = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_seatunnel"));
        isolate(&mut cmd)
            .args(["hybrid", "--config"])
            .arg(dir.path().join("seatunnel.yaml"))
            .arg("--data-dir")
            .arg(&data_dir);
        HybridNode::spawn_as(own_cluster_at(&mut cmd, port, &name))
    };
    // 2 readers × 8 splits of 25 rows, a split every 600 ms: several checkpoints a run.
    let (rows, parallelism) = (200_u64, 2_u64);
    let job = json!({
        "env": {"job.mode": "BATCH", "parallelism": parallelism, "checkpoint.interval": 1000},
        "source": [{"plugin_name": "FakeSource", "plugin_output": "fake", "row.num": rows,
            "split.num": 8, "split.read-interval": 600,
            "schema": {"fields": {"name": "string", "age": "int"}}}],
        "sink": [{"plugin_name": "LocalFile", "plugin_input": "fake",
            "path": out.join("data"), "tmp_path": out.join("tmp"), "file_format_type": "text"}]
    });
    let mut node = start();
    let reply = http(
        node.port,
        "POST",
        "/submit-job?format=json",
        &job.to_string(),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let id = reply.json()["jobId"].as_str().unwrap().to_string();
    node.wait_log("checkpoint 2 completed", JOB_DEADLINE);
    node.kill();
    drop(node);

    let node = start();
    let deadline = Instant::now() + JOB_DEADLINE;
    let info = loop {
        let reply = http(node.port, "GET", &format!("/job-info/{id}"), "");
        let info = reply.json();
        if info["jobStatus"] == "FINISHED" {
            break info;
        }
        assert!(
            Instant::now() < deadline && info["jobStatus"] != "FAILED",
            "job {id} did not finish after the restart: {info}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let written: usize = walk_files(&out.join("data"))
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap().lines().count())
        .sum();
    assert_eq!(
        written as u64,
        rows * parallelism,
        "every row once across the kill: {info}"
    );
    let read: u64 = info["metrics"]["SourceReceivedCount"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a row count");
    assert!(
        read < rows * parallelism,
        "the restarted readers resumed from the checkpoint instead of reading all again: {read}"
    );
}

/// Regular files under `dir`, at any depth.
fn walk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk_files(&path));
        } else {
            files.push(path);
        }
    }
    files
}
