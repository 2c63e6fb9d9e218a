//! A harness for real `seatunnel` cluster processes on loopback: reserved free ports, one temp
//! config and data dir per node, SeaTunnel-style `hazelcast-master.yaml` files, log capture, and
//! waits with deadlines.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use seatunnel::raft::{Command as RaftCommand, CommandResult, ForwardError, Forwarder};
use tempfile::TempDir;

/// Per-call budget for a forwarded write: longer than an election, so a call made during one
/// waits for the result instead of failing at once.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Generous: a loaded 2-core CI machine runs several processes and elections at once.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Lowest and highest port handed out: below Linux's ephemeral range (32768–60999), so no
/// outgoing connection of any process can take a port between our probe and the node's bind.
const PORT_LOW: u16 = 20_000;
const PORT_HIGH: u16 = 32_000;

/// Free loopback ports outside the ephemeral range. Each test process starts at its own offset
/// (from its pid) and never hands a port out twice; a port is checked free by binding it.
pub fn free_ports(n: usize) -> Vec<u16> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let span = u32::from(PORT_HIGH - PORT_LOW);
    let base = (std::process::id().wrapping_mul(7919)) % span;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let i = NEXT.fetch_add(1, Ordering::Relaxed);
        assert!(i < span, "no free port left in {PORT_LOW}..{PORT_HIGH}");
        let port = PORT_LOW + ((base + i) % span) as u16;
        if std::net::TcpListener::bind(("0.0.0.0", port)).is_ok() {
            out.push(port);
        }
    }
    out
}

/// One node's files and process.
pub struct ClusterNode {
    pub role: &'static str,
    pub port: u16,
    /// REST V2 port, when the node serves REST.
    pub http_port: Option<u16>,
    pub dir: PathBuf,
    /// Runs the process as this user (root only): the partition tests tell nodes' packets
    /// apart by the socket owner's uid.
    pub uid: Option<u32>,
    child: Option<Child>,
    log: Arc<Mutex<Vec<String>>>,
}

/// Writes the config of a node: `seatunnel.yaml` (REST off) and the role's hazelcast file as
/// SeaTunnel ships it, with this test's cluster name, ports and member list.
pub fn write_config(dir: &Path, role: &str, cluster: &str, port: u16, members: &[String]) {
    write_config_http(dir, role, cluster, port, None, members);
}

/// [`write_config`] with REST V2 on `http_port` when given.
pub fn write_config_http(
    dir: &Path,
    role: &str,
    cluster: &str,
    port: u16,
    http_port: Option<u16>,
    members: &[String],
) {
    std::fs::create_dir_all(dir).unwrap();
    let http = match http_port {
        Some(p) => {
            format!("      enable-http: true\n      port: {p}\n      enable-dynamic-port: false\n")
        }
        None => "      enable-http: false\n".to_string(),
    };
    std::fs::write(
        dir.join("seatunnel.yaml"),
        format!("seatunnel:\n  engine:\n    backup-count: 1\n    http:\n{http}"),
    )
    .unwrap();
    let list: String = members
        .iter()
        .map(|m| format!("          - {m}\n"))
        .collect();
    let file = format!("hazelcast-{role}.yaml");
    // SeaTunnel ships REST V1 on the masters' member port.
    let rest_api = if role == "master" {
        "    rest-api:\n      enabled: true\n      endpoint-groups:\n        CLUSTER_WRITE:\n          enabled: true\n        DATA:\n          enabled: true\n"
    } else {
        ""
    };
    std::fs::write(
        dir.join(file),
        format!(
            "hazelcast:\n  cluster-name: {cluster}\n  network:\n{rest_api}    join:\n      tcp-ip:\n        enabled: true\n        member-list:\n{list}    port:\n      auto-increment: false\n      port: {port}\n  properties:\n    hazelcast.heartbeat.failuredetector.type: phi-accrual\n    hazelcast.heartbeat.interval.seconds: 2\n    hazelcast.max.no.heartbeat.seconds: 180\n"
        ),
    )
    .unwrap();
}

impl ClusterNode {
    pub fn new(role: &'static str, port: u16, dir: PathBuf) -> ClusterNode {
        ClusterNode {
            role,
            port,
            http_port: None,
            dir,
            uid: None,
            child: None,
            log: Arc::default(),
        }
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn start(&mut self) {
        assert!(self.child.is_none(), "{} already running", self.address());
        // Each start gets a fresh log, so a test can tell what this run said.
        self.log = Arc::default();
        let mut cmd = match self.uid {
            None => Command::new(env!("CARGO_BIN_EXE_seatunnel")),
            Some(uid) => {
                use std::os::unix::process::CommandExt;
                chown_tree(&self.dir, uid);
                let root = self
                    .dir
                    .parent()
                    .expect("a node dir sits in the test's root");
                let mut cmd = Command::new(binary_for_any_user(root));
                cmd.uid(uid).gid(uid);
                cmd
            }
        };
        let mut child = cmd
            .arg(self.role)
            .arg("--config")
            .arg(self.dir.join("seatunnel.yaml"))
            .arg("--data-dir")
            .arg(self.dir.join("data"))
            .env("SEATUNNEL_LOG_TARGET", "stderr")
            .env("RUST_LOG", "info,openraft=warn")
            .env_remove("SEATUNNEL_HOME")
            .env_remove("NOTIFY_SOCKET")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = self.log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                log.lock().unwrap().push(line);
            }
        });
        self.child = Some(child);
    }

    /// The process id while it runs.
    pub fn pid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.id() as i32)
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        if let Some(pid) = self.pid() {
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig).unwrap();
        }
    }

    /// SIGKILL: a crash, no goodbye.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// The exit status once the process ended on its own; `None` while it runs (or was never
    /// started).
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        let status = self.child.as_mut()?.try_wait().unwrap()?;
        self.child = None;
        Some(status)
    }

    /// SIGTERM and wait for the exit status.
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        Some(child.wait().unwrap())
    }

    pub fn log_contains(&self, needle: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l.contains(needle))
    }

    /// How many lines of this run's log contain `needle`.
    pub fn log_count(&self, needle: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    pub fn wait_log(&self, needle: &str) {
        let start = Instant::now();
        while !self.log_contains(needle) {
            assert!(
                start.elapsed() < DEADLINE,
                "{} never logged {needle:?}; log:\n{}",
                self.address(),
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The binary at a path every user can reach (the build's may sit under root's 0700 home):
/// a hard link (a copy across file systems) in the test's root dir, which must be 0755 and
/// goes away with the test.
fn binary_for_any_user(root: &Path) -> PathBuf {
    let path = root.join("seatunnel");
    if !path.exists() {
        let built = env!("CARGO_BIN_EXE_seatunnel");
        if std::fs::hard_link(built, &path).is_err() {
            std::fs::copy(built, &path).unwrap();
        }
    }
    path
}

/// Hands `dir` and everything in it to `uid` (group `uid` too).
fn chown_tree(dir: &Path, uid: u32) {
    let owner = Some(nix::unistd::Uid::from_raw(uid));
    let group = Some(nix::unistd::Gid::from_raw(uid));
    nix::unistd::chown(dir, owner, group).unwrap();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            chown_tree(&p, uid);
        } else {
            nix::unistd::chown(&p, owner, group).unwrap();
        }
    }
}

/// A network namespace of the test's own, with loopback up and nftables to cut links between
/// nodes. Entered by the calling thread: every node it starts afterwards runs in it, and the
/// namespace ends with the test's process. `None` (after printing why) where the kernel, the
/// user or the tools do not allow it, so the test can skip with a clear line.
pub struct Netns;

/// The nftables table the partition rules live in (inside the test's namespace only).
const NFT_TABLE: &str = "st_partition";

impl Netns {
    pub fn enter() -> Option<Netns> {
        if !nix::unistd::Uid::effective().is_root() {
            eprintln!("skipped: partitions need root (a network namespace, nftables, other uids)");
            return None;
        }
        if let Err(e) = nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET) {
            eprintln!("skipped: cannot create a network namespace: {e}");
            return None;
        }
        let up = Command::new("ip")
            .args(["link", "set", "lo", "up"])
            .status();
        if !up.is_ok_and(|s| s.success()) {
            eprintln!(
                "skipped: cannot bring loopback up in the namespace (is iproute2 installed?)"
            );
            return None;
        }
        let netns = Netns;
        if let Err(e) = netns.nft(&format!(
            "add table inet {NFT_TABLE}\nadd chain inet {NFT_TABLE} out {{ type filter hook output priority 0; }}\n"
        )) {
            eprintln!("skipped: nftables unavailable: {e}");
            return None;
        }
        Some(netns)
    }

    fn nft(&self, script: &str) -> Result<(), String> {
        use std::io::Write;
        let mut child = Command::new("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run nft: {e}"))?;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .map_err(|e| e.to_string())?;
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Cuts every link between the processes of `side` (uids) and the `ports` of the other
    /// side, and from the other side's `uids` to `side_ports`, in both directions: packets a
    /// process sends are dropped by the socket owner's uid and the destination port.
    pub fn cut(&self, side: (&[u32], &[u16]), other: (&[u32], &[u16])) {
        let set = |v: Vec<String>| format!("{{ {} }}", v.join(", "));
        let uids = |u: &[u32]| set(u.iter().map(u32::to_string).collect());
        let ports = |p: &[u16]| set(p.iter().map(u16::to_string).collect());
        let script = format!(
            "add rule inet {NFT_TABLE} out meta skuid {} tcp dport {} drop\nadd rule inet {NFT_TABLE} out meta skuid {} tcp dport {} drop\n",
            uids(side.0),
            ports(other.1),
            uids(other.0),
            ports(side.1)
        );
        self.nft(&script).expect("partition rules");
    }

    /// Removes every cut: the partition heals.
    pub fn heal(&self) {
        self.nft(&format!("flush chain inet {NFT_TABLE} out\n"))
            .expect("flush partition rules");
    }
}

/// Lines of each node's log a failing cluster test prints.
const FAILURE_LOG_LINES: usize = 80;

impl Drop for Separated {
    /// A failing test shows what each node logged last: the test's temp dir, with the logs,
    /// is gone once it ends.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        for (i, n) in self.masters.iter().chain(&self.workers).enumerate() {
            let text = n.log_text();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(FAILURE_LOG_LINES)..];
            eprintln!(
                "--- node {i} ({} {}), last {} lines:",
                n.role,
                n.address(),
                tail.len()
            );
            for l in tail {
                eprintln!("{l}");
            }
        }
    }
}

impl Drop for ClusterNode {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A set of masters sharing one member list, in one temp dir.
pub struct Masters {
    pub nodes: Vec<ClusterNode>,
    pub cluster: String,
    _root: TempDir,
}

impl Masters {
    pub fn new(n: usize, cluster: &str) -> Masters {
        let root = TempDir::new().unwrap();
        let ports = free_ports(n);
        let members: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let nodes = ports
            .iter()
            .enumerate()
            .map(|(i, port)| {
                let dir = root.path().join(format!("master-{i}"));
                write_config(&dir, "master", cluster, *port, &members);
                ClusterNode::new("master", *port, dir)
            })
            .collect();
        Masters {
            nodes,
            cluster: cluster.to_string(),
            _root: root,
        }
    }

    pub fn start_all(&mut self) {
        for n in &mut self.nodes {
            n.start();
        }
    }

    pub fn addresses(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.address()).collect()
    }
}

/// Sends `command` to whichever of `masters` leads, following leader hints and retrying until it
/// commits or `deadline` passes. Returns the result and the address of the master that took it.
pub async fn write_via_leader(
    masters: &[String],
    cluster: &str,
    command: &RaftCommand,
    deadline: Duration,
) -> (CommandResult, String) {
    let start = Instant::now();
    let mut next = 0;
    let mut last = String::new();
    loop {
        assert!(
            start.elapsed() < deadline,
            "no master took the write within {deadline:?}; last error: {last}"
        );
        let addr = masters[next % masters.len()].clone();
        let sent = match Forwarder::new(&addr, cluster) {
            Ok(f) => f.send(command, WRITE_TIMEOUT).await,
            Err(e) => Err(e),
        };
        match sent {
            Ok(result) => return (result, addr),
            Err(ForwardError::NotLeader {
                leader: Some((_, hint)),
                ..
            }) if masters.contains(&hint) => {
                next = masters.iter().position(|m| *m == hint).unwrap();
                last = format!("{addr} is not the leader");
                continue;
            }
            Err(e) => last = e.to_string(),
        }
        next += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Masters and workers of one separated cluster, every node serving REST; the member list holds
/// every node, as SeaTunnel's separated mode requires.
pub struct Separated {
    pub masters: Vec<ClusterNode>,
    pub workers: Vec<ClusterNode>,
    pub cluster: String,
    pub root: TempDir,
}

impl Separated {
    pub fn new(masters: usize, workers: usize, cluster: &str) -> Separated {
        let root = TempDir::new().unwrap();
        let ports = free_ports(2 * (masters + workers));
        let (member_ports, http_ports) = ports.split_at(masters + workers);
        let members: Vec<String> = member_ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        let mut nodes: Vec<ClusterNode> = member_ports
            .iter()
            .zip(http_ports)
            .enumerate()
            .map(|(i, (port, http))| {
                let role = if i < masters { "master" } else { "worker" };
                let dir = root.path().join(format!("{role}-{i}"));
                write_config_http(&dir, role, cluster, *port, Some(*http), &members);
                let mut node = ClusterNode::new(role, *port, dir);
                node.http_port = Some(*http);
                node
            })
            .collect();
        let workers = nodes.split_off(masters);
        Separated {
            masters: nodes,
            workers,
            cluster: cluster.to_string(),
            root,
        }
    }

    pub fn start_all(&mut self) {
        for n in self.masters.iter_mut().chain(self.workers.iter_mut()) {
            n.start();
        }
    }

    pub fn all(&self) -> impl Iterator<Item = &ClusterNode> {
        self.masters.iter().chain(self.workers.iter())
    }
}

/// A tmpfs of a fixed size mounted on a directory for one test (a small disk to fill), lazily
/// unmounted when dropped, even when the test fails and a process still has files open on it.
pub struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (`mount -o size=`, e.g. `32m`) on `dir`; `None` where mounting is
    /// not permitted (not root, no CAP_SYS_ADMIN), after saying so on stdout.
    pub fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs {
                dir: dir.to_path_buf(),
            }),
            Ok(o) => {
                println!(
                    "skipped: cannot mount a tmpfs on {} ({}); run the test as root",
                    dir.display(),
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                println!("skipped: cannot run mount ({e}); run the test as root with util-linux");
                None
            }
        }
    }

    /// Writes a filler file until the tmpfs has no byte left: megabytes first, then pages, then
    /// single bytes. Panics on any error other than "no space left on device".
    pub fn fill(&self) {
        use std::io::Write;
        let mut filler = std::fs::File::create(self.dir.join("filler")).unwrap();
        for chunk in [1 << 20, 4096, 1] {
            let block = vec![0u8; chunk];
            loop {
                match filler.write(&block) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                    Err(e) => panic!("cannot fill {}: {e}", self.dir.display()),
                }
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: a process of a failed test may still hold files open here.
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}
