//! A real `seatunnel hybrid` with a job log directory: a job's events land in
//! `job-<jobId>.log`, `/logs` lists and serves it, traversal is refused with SeaTunnel's fail
//! body; `/members` and `seatunnel cluster members` describe the node.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

/// Generous deadlines: the machine may be a loaded 2-core CI box.
const START_DEADLINE: Duration = Duration::from_secs(60);
const JOB_DEADLINE: Duration = Duration::from_secs(60);
/// Pause between two polls of the node.
const POLL: Duration = Duration::from_millis(50);

struct Node {
    child: Child,
    port: u16,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a hybrid node on an ephemeral REST port; `args` and `env` are added.
fn start(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Node {
    std::fs::write(
        dir.join("seatunnel.yaml"),
        "seatunnel:\n  engine:\n    http:\n      enable-http: true\n      port: 0\n",
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_seatunnel"));
    cmd.args(["hybrid", "--config"])
        .arg(dir.join("seatunnel.yaml"))
        .args(args)
        .env("SEATUNNEL_LOG_TARGET", "stderr")
        .env("RUST_LOG", "info")
        .env_remove("SEATUNNEL_HOME")
        .env_remove("LOGS_DIRECTORY")
        .env_remove("NOTIFY_SOCKET")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut node = Node {
        child: cmd.spawn().unwrap(),
        port: 0,
    };
    let stderr = node.child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + START_DEADLINE;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) else {
            continue;
        };
        if let Some(rest) = line.split("REST service will start on port ").nth(1) {
            node.port = rest.split_whitespace().next().unwrap().parse().unwrap();
            return node;
        }
        seen.push(line);
    }
    panic!(
        "the node did not start within {START_DEADLINE:?}:\n{}",
        seen.join("\n")
    );
}

/// One request; the status, the content type and the body.
fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, payload) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    (status, content_type, payload.to_string())
}

fn get_json(port: u16, path: &str) -> Json {
    let (status, _, body) = http(port, "GET", path, "");
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

/// Polls `check` until it gives a value or the deadline passes.
fn poll<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + JOB_DEADLINE;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "{what} not seen within {JOB_DEADLINE:?}"
        );
        std::thread::sleep(POLL);
    }
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
    let (status, _, body) = http(
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
        let (status, content_type, body) = http(node.port, "GET", &format!("/logs/{name}"), "");
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
    let (_, _, same) = http(node.port, "GET", &format!("/log/{name}"), "");
    assert!(same.contains("job ended"));
    let monitoring = get_json(node.port, "/system-monitoring-information");
    assert_eq!(monitoring[0]["jobLog.dropped"], "0");

    std::fs::write(dir.path().join("secret.log"), "secret").unwrap();
    for (path, shown) in [
        ("/logs/../secret.log", "../secret.log"),
        ("/logs/..%2Fsecret.log", "../secret.log"),
        ("/log/..%2F..%2Fetc%2Fpasswd", "../../etc/passwd"),
    ] {
        let (status, content_type, body) = http(node.port, "GET", path, "");
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
    assert_eq!(rows[0]["raftState"], "STANDALONE");
    assert_eq!(rows[0]["raftTerm"], "0");
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
    assert!(lines[0].starts_with("Member ID | Address"), "{stdout}");
    assert!(lines[0].ends_with("| Raft Term | Raft State"), "{stdout}");
    let cells: Vec<&str> = lines[2].split('|').map(str::trim).collect();
    assert_eq!(
        cells,
        [
            "0",
            address.as_str(),
            "ACTIVE MASTER",
            env!("CARGO_PKG_VERSION"),
            "0",
            "STANDALONE"
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
