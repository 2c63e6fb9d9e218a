//! A real `seatunnel hybrid` process on an ephemeral REST port, for tests that need a live node
//! (the client, the wrapper scripts). Blocking, so tests can also run other processes around it.
// Shared by several test crates; each uses a part.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

/// Generous: the machine may be a loaded 2-core CI box.
pub const START_DEADLINE: Duration = Duration::from_secs(60);
/// What the node logs once its REST listener is bound (with the port, which may be ephemeral).
pub const REST_STARTED: &str = "REST service will start on port";

/// A `seatunnel.yaml` with REST on an ephemeral port.
pub fn write_node_config(dir: &Path) -> PathBuf {
    write_node_config_with(dir, &[])
}

/// [`write_node_config`] plus `seatunnel.engine.http` keys (`("enable-basic-auth", "true")`).
pub fn write_node_config_with(dir: &Path, http: &[(&str, &str)]) -> PathBuf {
    let path = dir.join("seatunnel.yaml");
    let extra: String = http
        .iter()
        .map(|(k, v)| format!("      {k}: {v}\n"))
        .collect();
    std::fs::write(
        &path,
        format!("seatunnel:\n  engine:\n    print-job-metrics-info-interval: 1\n    http:\n      enable-http: true\n      port: 0\n{extra}"),
    )
    .unwrap();
    path
}

/// Makes a hybrid node a cluster of its own: a cluster name and a member port no other test's
/// node shares, and a member list naming only itself. With the defaults (`localhost`, 5801
/// and up) nodes of tests running at once would greet and join each other, as Hazelcast's do.
pub fn own_cluster(cmd: &mut Command) -> &mut Command {
    own_cluster_at(cmd, free_member_port(), &unique_cluster_name())
}

/// A port nothing listens on now, for a node's member port.
pub fn free_member_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A cluster name no other test's node uses.
pub fn unique_cluster_name() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// [`own_cluster`] with a given member port and cluster name: a node restarted with its data
/// dir must come back at the address its Raft group knows.
pub fn own_cluster_at<'a>(cmd: &'a mut Command, port: u16, name: &str) -> &'a mut Command {
    cmd.env("ST_DOCKER_MEMBER_LIST", format!("127.0.0.1:{port}"))
        .args(["--set", &format!("hazelcast.cluster-name={name}")])
        .args(["--set", &format!("hazelcast.network.port.port={port}")])
        .args(["--set", "hazelcast.network.port.auto-increment=false"])
}

/// Removes every variable that would make a child read this machine's configuration.
pub fn isolate(cmd: &mut Command) -> &mut Command {
    for var in [
        "SEATUNNEL_HOME",
        "SEATUNNEL_CONFIG",
        "HAZELCAST_CONFIG",
        "HAZELCAST_CLIENT_CONFIG",
        "ST_DOCKER_MEMBER_LIST",
        "NOTIFY_SOCKET",
        "WATCHDOG_USEC",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("SEATUNNEL_LOG_TARGET", "stderr")
}

pub struct HybridNode {
    child: Child,
    /// The node's `TMPDIR`: a node without `--data-dir` keeps its state in a temporary dir that
    /// a SIGKILL leaves behind (75 MB of preallocated RocksDB log each); this removes it.
    _tmp: tempfile::TempDir,
    pub port: u16,
    log: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl HybridNode {
    /// Starts `seatunnel hybrid --config <dir>/seatunnel.yaml` and waits for its REST port.
    pub fn start(dir: &Path) -> HybridNode {
        HybridNode::start_with(dir, &[])
    }

    /// [`HybridNode::start`] with extra `seatunnel.engine.http` keys.
    pub fn start_with(dir: &Path, http: &[(&str, &str)]) -> HybridNode {
        let config = write_node_config_with(dir, http);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_seatunnel"));
        isolate(&mut cmd).args(["hybrid", "--config"]).arg(config);
        HybridNode::spawn(&mut cmd)
    }

    /// Runs `cmd` (a prepared `seatunnel hybrid` command line) with its log captured, and waits
    /// until the node logs its REST port.
    pub fn spawn(cmd: &mut Command) -> HybridNode {
        HybridNode::spawn_as(own_cluster(cmd))
    }

    /// [`HybridNode::spawn`] for a command that already names its cluster ([`own_cluster_at`]).
    pub fn spawn_as(cmd: &mut Command) -> HybridNode {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = cmd
            .env("TMPDIR", tmp.path())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, log) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut node = HybridNode {
            child,
            _tmp: tmp,
            port: 0,
            log,
            seen: Vec::new(),
        };
        let line = node.wait_log(REST_STARTED, START_DEADLINE);
        node.port = rest_port(&line).expect("a port in the start-up line");
        node
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), sig).unwrap();
    }

    /// The exit code once the process ended; panics (after killing it) past `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("node did not exit within {limit:?}");
    }

    pub fn wait_log(&mut self, needle: &str, limit: Duration) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(line) = self.log.recv_timeout(Duration::from_millis(100)) {
                self.seen.push(line.clone());
                if line.contains(needle) {
                    return line;
                }
            }
        }
        panic!(
            "no log line containing {needle:?} within {limit:?}; log so far:\n{}",
            self.seen.join("\n")
        );
    }

    /// SIGKILL, as a crash or a lost machine would end it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn get(&self, path: &str) -> (u16, Json) {
        http_get(self.port, path)
    }
}

impl Drop for HybridNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port in a `REST service will start on port N` log line.
pub fn rest_port(line: &str) -> Option<u16> {
    line.rsplit("port ")
        .next()?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// One blocking answer from loopback, as read off the wire.
pub struct Reply {
    /// 0 when nothing accepted the connection or the answer was cut off.
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    /// The body as JSON; `Null` when it is not JSON.
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.body).unwrap_or(Json::Null)
    }
}

/// One blocking request to loopback with a JSON body (empty for none).
pub fn http(port: u16, method: &str, path: &str, body: &str) -> Reply {
    let failed = Reply {
        status: 0,
        content_type: String::new(),
        body: String::new(),
    };
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return failed;
    };
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
    if stream.read_to_string(&mut raw).is_err() {
        return failed;
    }
    let Some((head, payload)) = raw.split_once("\r\n\r\n") else {
        return failed;
    };
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let payload = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        // Answers here are small: one chunk.
        payload
            .split_once("\r\n")
            .map(|(_, rest)| rest.rsplit_once("\r\n0\r\n").map_or(rest, |(b, _)| b))
            .unwrap_or("")
    } else {
        payload
    };
    Reply {
        status,
        content_type: header("content-type").unwrap_or_default(),
        body: payload.to_string(),
    }
}

/// A blocking `GET` to loopback: status and JSON body (`Null` when the body is not JSON);
/// status 0 when nothing accepts the connection.
pub fn http_get(port: u16, path: &str) -> (u16, Json) {
    let reply = http(port, "GET", path, "");
    (reply.status, reply.json())
}

/// Polls `check` every 50 ms until it returns `Some`, or panics naming `what` at the deadline.
pub fn wait_for<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
