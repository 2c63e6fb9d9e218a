//! The `packaging/bin` wrappers with SeaTunnel's names, run by `sh` as an operator would: a
//! daemonised node with its pid file and output file, a refused second start, a clean stop that
//! touches only the processes its pid files name, and `seatunnel.sh` reaching the node.

// Shared helpers; this crate uses the blocking node part only.
use crate::http_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use http_support::node::{http_get, isolate, rest_port, wait_for, REST_STARTED, START_DEADLINE};

/// How long the stop script lets a node drain; the node here has no jobs.
const STOP_TIMEOUT_SECONDS: &str = "30";

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("packaging/bin")
        .join(name)
}

/// A `$SEATUNNEL_HOME` in a temporary directory, with REST on an ephemeral port.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("config")).unwrap();
        http_support::node::write_node_config(&dir.path().join("config"));
        Home { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, name: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new("sh");
        isolate(&mut cmd)
            .arg(script(name))
            .args(args)
            .env("SEATUNNEL_HOME", self.path())
            .env("SEATUNNEL_BIN", env!("CARGO_BIN_EXE_seatunnel"))
            .env("SEATUNNEL_STOP_TIMEOUT", STOP_TIMEOUT_SECONDS)
            .output()
            .unwrap()
    }

    fn pid_file(&self, name: &str) -> PathBuf {
        self.path().join("run").join(name)
    }
}

/// Kills a node the test started if the test fails before stopping it.
struct KillOnDrop(PathBuf);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = std::fs::read_to_string(&self.0)
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok())
        {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

#[test]
fn daemon_start_refuses_a_second_start_and_stop_removes_the_pid_file() {
    let home = Home::new();
    let pid_file = home.pid_file("seatunnel-master_and_worker.pid");
    let _guard = KillOnDrop(pid_file.clone());
    let out = home.run("seatunnel-cluster.sh", &["-d", "-r", "master_and_worker"]);
    assert!(ok(&out).contains("Starting seatunnel master_and_worker in the background"));
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(pid > 0);

    // SeaTunnel's daemon output file for master_and_worker, holding the node's log.
    let out_file = home.path().join("logs/seatunnel-server.out");
    let port = wait_for("the REST port in the .out file", START_DEADLINE, || {
        let log = std::fs::read_to_string(&out_file).ok()?;
        log.lines()
            .find(|l| l.contains(REST_STARTED))
            .and_then(rest_port)
    });
    let health = wait_for("the node's health", START_DEADLINE, || {
        let (status, body) = http_get(port, "/health");
        (status == 200).then_some(body)
    });
    assert_eq!(health["status"], "UP", "{health}");

    let again = home.run("seatunnel-cluster.sh", &["--daemon"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains(&format!("already running as process {pid}")),
        "{}",
        text(&again.stderr)
    );

    // seatunnel.sh reaches the node through a client config in the same home.
    std::fs::write(
        home.path().join("config/hazelcast-client.yaml"),
        format!("hazelcast-client:\n  network:\n    cluster-members:\n      - 127.0.0.1:{port}\n"),
    )
    .unwrap();
    let list = ok(&home.run("seatunnel.sh", &["-l"]));
    assert!(list.starts_with("Job ID"), "{list}");

    let stop = home.run("stop-seatunnel-cluster.sh", &[]);
    assert!(ok(&stop).contains(&format!("Stopped process {pid}")));
    assert!(!pid_file.exists());
    assert_eq!(http_get(port, "/health").0, 0, "the node still answers");

    let none = home.run("stop-seatunnel-cluster.sh", &[]);
    assert!(ok(&none).contains("no seatunnel node to stop"));
}

#[test]
fn roles_options_and_stale_pid_files() {
    let home = Home::new();
    let out = home.run("seatunnel-cluster.sh", &["-r", "coordinator"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr).trim(), "Unknown node role");
    let out = home.run("seatunnel-cluster.sh", &["-r"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("option -r needs a value"));
    assert!(ok(&home.run("seatunnel-cluster.sh", &["-h"])).contains("-r, --role ROLE"));
    assert!(ok(&home.run("seatunnel.sh", &["-h"])).starts_with("Usage: seatunnel.sh"));

    // -cn picks one cluster's pid files; pid files naming no live seatunnel process are stale.
    std::fs::create_dir_all(home.path().join("run")).unwrap();
    let prod = home.pid_file("seatunnel-prod-master.pid");
    let other = home.pid_file("seatunnel-other-master.pid");
    // A live process that is not a seatunnel node: its pid file is stale all the same.
    let mut bystander = Command::new("sleep").arg("600").spawn().unwrap();
    std::fs::write(&prod, format!("{}\n", bystander.id())).unwrap();
    std::fs::write(&other, "not-a-pid\n").unwrap();
    let out = home.run("stop-seatunnel-cluster.sh", &["-cn", "prod"]);
    let err = text(&out.stderr);
    ok(&out);
    assert!(err.contains("removing stale pid file"), "{err}");
    assert!(!prod.exists());
    assert!(other.exists(), "another cluster's pid file was touched");
    assert!(
        bystander.try_wait().unwrap().is_none(),
        "the stop script signalled a process that is not a node"
    );
    bystander.kill().unwrap();
    bystander.wait().unwrap();
    let out = home.run("stop-seatunnel-cluster.sh", &["--cluster", "other"]);
    ok(&out);
    assert!(!other.exists());
    let out = home.run("stop-seatunnel-cluster.sh", &["--bogus"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("unknown option '--bogus'"));
}

/// `/etc/profile.d/seatunnel.sh` as `sh` sources it at login: `SEATUNNEL_HOME` set (a value
/// the user already has is kept), its `bin` on PATH once however often the file is sourced,
/// and nothing printed, which would break scp and sftp sessions.
#[test]
fn profile_script_sets_home_and_path_once_and_prints_nothing() {
    let profile = Path::new(env!("CARGO_MANIFEST_DIR")).join("profile.d/seatunnel.sh");
    let login = |home: Option<&str>| {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(r#". "$1"; . "$1"; printf '%s|%s' "$SEATUNNEL_HOME" "$PATH""#)
            .arg("sh")
            .arg(&profile)
            .env_clear()
            .env("PATH", "/usr/bin:/bin");
        if let Some(h) = home {
            cmd.env("SEATUNNEL_HOME", h);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
        text(&out.stdout)
    };
    assert_eq!(
        login(None),
        "/usr/share/seatunnel|/usr/bin:/bin:/usr/share/seatunnel/bin"
    );
    assert_eq!(login(Some("/opt/st")), "/opt/st|/usr/bin:/bin:/opt/st/bin");
}
