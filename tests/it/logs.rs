//! A real `seatunnel hybrid` with a job log directory: a job's events land in
//! `job-<jobId>.log`, `/logs` lists and serves it, traversal is refused with SeaTunnel's fail
//! body; `/members` and `seatunnel cluster members` describe the node.

// Shared helpers; this crate uses the blocking node part only.
use crate::http_support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use http_support::node::{http, isolate, wait_for, HybridNode, Reply};
use serde_json::{json, Value as Json};

/// Generous: the machine may be a loaded 2-core CI box.
const JOB_DEADLINE: Duration = Duration::from_secs(60);

/// Starts a hybrid node on an ephemeral REST port; `args` and `env` are added.
fn start(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> HybridNode {
    std::fs::write(
        dir.join("seatunnel.yaml"),
        "seatunnel:\n  engine:\n    http:\n      enable-http: true\n      port: 0\n",
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_seatunnel"));
    isolate(&mut cmd)
        .args(["hybrid", "--config"])
        .arg(dir.join("seatunnel.yaml"))
        .args(args)
        .env_remove("LOGS_DIRECTORY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    HybridNode::spawn(&mut cmd)
}

fn get_json(port: u16, path: &str) -> Json {
    let Reply { status, body, .. } = http(port, "GET", path, "");
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

fn poll<T>(what: &str, check: impl FnMut() -> Option<T>) -> T {
    wait_for(what, JOB_DEADLINE, check)
}

/// Submits a small batch job and waits until it FINISHED; its id.
fn run_job(port: u16) -> String {
    let job = json!({
        "env": {"job.mode": "BATCH"},
        "source": [{"plugin_name": "FakeSource", "plugin_output": "fake", "row.num": 10,
                    "schema": {"fields": {"name": "string", "age": "int"}}}],
        "sink": [{"plugin_name": "Assert", "plugin_input": "fake",
                  "rules": {"row_rules": [{"rule_type": "MAX_ROW", "rule_value": 10}]}}]
    });
    let Reply { status, body, .. } = http(
        port,
        "POST",
        "/submit-job?jobName=log_test",
        &job.to_string(),
    );
    assert_eq!(status, 200, "{body}");
    let id = serde_json::from_str::<Json>(&body).unwrap()["jobId"]
        .as_str()
        .unwrap()
        .to_string();
    poll("the job FINISHED", || {
        (get_json(port, &format!("/job-info/{id}"))["jobStatus"] == "FINISHED").then_some(())
    });
    id
}

#[test]
fn job_log_files_are_listed_served_and_guarded() {
    let dir = tempfile::tempdir().unwrap();
    let log_dir = dir.path().join("logs");
    let log_dir_arg = log_dir.to_str().unwrap().to_string();
    let node = start(dir.path(), &["--log-dir", &log_dir_arg], &[]);
    let id = run_job(node.port);
    let name = format!("job-{id}.log");

    let listed = poll("the job's file in /logs", || {
        let all = get_json(node.port, "/logs?format=json");
        let entries = all.as_array().unwrap().clone();
        entries.into_iter().find(|e| e["logName"] == name.as_str())
    });
    assert_eq!(
        listed["logLink"],
        format!("http://{}/logs/{name}", listed["node"].as_str().unwrap()).as_str()
    );
    assert!(listed["node"]
        .as_str()
        .unwrap()
        .ends_with(&format!(":{}", node.port)));
    assert_eq!(
        get_json(node.port, &format!("/logs/{id}?format=json"))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(get_json(node.port, "/get-all-log-name")
        .as_array()
        .unwrap()
        .contains(&json!(name)));

    // The coordinator's and the engine's lines about the job, and nothing about other jobs.
    let content = poll("the job's end in its file", || {
        let Reply {
            status,
            content_type,
            body,
        } = http(node.port, "GET", &format!("/logs/{name}"), "");
        assert_eq!(status, 200, "{body}");
        assert_eq!(content_type, "text/plain; charset=UTF-8");
        body.contains("job ended").then_some(body)
    });
    assert!(content.contains("job submitted"), "{content}");
    assert!(content.contains("job running"), "{content}");
    assert!(
        content.lines().all(|l| l.starts_with(&format!("[{id}] "))),
        "{content}"
    );
    assert_eq!(
        std::fs::read_to_string(log_dir.join(&name))
            .unwrap()
            .lines()
            .count(),
        content.lines().count()
    );
    let same = http(node.port, "GET", &format!("/log/{name}"), "").body;
    assert!(same.contains("job ended"));
    let monitoring = get_json(node.port, "/system-monitoring-information");
    assert_eq!(monitoring[0]["jobLog.dropped"], "0");

    std::fs::write(dir.path().join("secret.log"), "secret").unwrap();
    for (path, shown) in [
        ("/logs/../secret.log", "../secret.log"),
        ("/logs/..%2Fsecret.log", "../secret.log"),
        ("/log/..%2F..%2Fetc%2Fpasswd", "../../etc/passwd"),
    ] {
        let Reply {
            status,
            content_type,
            body,
        } = http(node.port, "GET", path, "");
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(content_type, "application/json;charset=UTF-8");
        assert_eq!(
            serde_json::from_str::<Json>(&body).unwrap(),
            json!({"status": "fail", "message": format!("invalid log file name '{shown}': expected a file name such as job-<jobId>.log in the log directory")})
        );
    }
}

#[test]
fn systemd_logs_directory_is_used_without_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("systemd-logs");
    std::fs::create_dir(&logs).unwrap();
    let node = start(dir.path(), &[], &[("LOGS_DIRECTORY", &logs)]);
    let id = run_job(node.port);
    let file = logs.join(format!("job-{id}.log"));
    poll("the job's file in $LOGS_DIRECTORY", || {
        std::fs::read_to_string(&file)
            .ok()
            .filter(|t| t.contains("job ended"))
    });
}

#[test]
fn members_and_the_cluster_members_command_describe_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path(), &[], &[]);
    let members = get_json(node.port, "/members");
    let rows = members.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{members}");
    assert_eq!(rows[0]["role"], "ACTIVE MASTER");
    assert_eq!(rows[0]["version"], env!("CARGO_PKG_VERSION"));
    // A hybrid node is a one-master Raft group of its own, and its worker is the same member.
    assert_eq!(rows[0]["raftState"], "LEADER");
    assert_ne!(rows[0]["raftTerm"], "0");
    let address = rows[0]["address"].as_str().unwrap().to_string();

    let out = Command::new(env!("CARGO_BIN_EXE_seatunnel"))
        .args(["cluster", "members", "--url"])
        .arg(format!("http://127.0.0.1:{}", node.port))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("Member ID ") && lines[0].contains("| Address"),
        "{stdout}"
    );
    assert!(lines[0].ends_with("| Raft Term | Raft State"), "{stdout}");
    let cells: Vec<&str> = lines[2].split('|').map(str::trim).collect();
    assert_eq!(
        cells,
        [
            rows[0]["id"].as_str().unwrap(),
            address.as_str(),
            "ACTIVE MASTER",
            env!("CARGO_PKG_VERSION"),
            rows[0]["raftTerm"].as_str().unwrap(),
            "LEADER"
        ]
    );

    // A node that is not there is an error naming the URL.
    drop(node);
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", gone.local_addr().unwrap());
    drop(gone);
    let out = Command::new(env!("CARGO_BIN_EXE_seatunnel"))
        .args(["cluster", "members", "--url", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("cannot reach {url}/members")));
}

#[test]
fn an_unusable_log_dir_stops_the_node_with_exit_78() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_seatunnel"))
        .args(["hybrid", "--log-dir"])
        .arg(file.join("logs"))
        .env("SEATUNNEL_LOG_TARGET", "stderr")
        .env_remove("NOTIFY_SOCKET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot use the job log directory {}",
            file.join("logs").display()
        )),
        "{stderr}"
    );
}
