//! Real database servers for tests: PostgreSQL 15 and MariaDB 10.11 from Debian's packages, each
//! a child process of the test on a loopback port, with a temporary data dir, and gone (process
//! killed, dir removed) when its handle drops. Never a system service: a test owns its server, so
//! it can kill and restart it mid-job, and parallel tests never share state.
//!
//! Layout: this file holds what both servers share (the child process, its port, running as the
//! database's system user when the tests run as root, readiness with a deadline); `postgres.rs`
//! and `mariadb.rs` hold each server's commands.

mod mariadb;
mod postgres;

pub use mariadb::MariaDbServer;
pub use postgres::PostgresServer;

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{self, Signal};
use nix::unistd::{Pid, User};
use tempfile::TempDir;

/// The address every server listens on: loopback only, so a test server is never reachable from
/// outside the machine.
pub const HOST: &str = "127.0.0.1";
/// Every server's user, password and database (the literals in the setup commands agree): fixed,
/// since a server is one test's own and reachable from this machine only.
const USER: &str = "test";
const PASSWORD: &str = "test";
const DATABASE: &str = "test";

/// How long a server may take to accept connections, its setup included. Generous: CI is a
/// loaded 2-core machine where several test binaries start servers at once.
const START_DEADLINE: Duration = Duration::from_secs(60);
/// How long a clean shutdown may take before it turns into a SIGKILL.
const STOP_DEADLINE: Duration = Duration::from_secs(30);
/// The clean shutdown a dropped handle tries first: the data dir goes anyway, so only a server
/// that stops at once is worth waiting for.
const DROP_STOP_DEADLINE: Duration = Duration::from_secs(2);
/// Between two readiness or exit checks: short, so a test waits little past the moment.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// Fresh ports to try when another process takes ours between choosing and binding it.
const PORT_ATTEMPTS: usize = 5;
/// How much of a server's log an error quotes: the data dir, log included, is removed with the
/// handle, so the error must carry the reason itself.
const LOG_TAIL_BYTES: usize = 4000;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Tests that need a server fail loudly without one rather than skip.
    #[error("{path} not found: install the Debian package {package} (run scripts/test-all.sh, which installs it)")]
    Missing { package: &'static str, path: String },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error("{what} failed ({status}): {output}")]
    Command {
        what: String,
        status: ExitStatus,
        output: String,
    },
    #[error("{what} exited at start ({status}); its log ends with:\n{tail}")]
    Exited {
        what: String,
        status: ExitStatus,
        tail: String,
    },
    #[error("{what} took longer than {secs} s (raise the deadline if the machine is that slow); its log ends with:\n{tail}", secs = .deadline.as_secs())]
    Timeout {
        what: String,
        deadline: Duration,
        tail: String,
    },
}

impl ServerError {
    /// The server lost the race for its port to another process: worth a retry on a new port.
    fn port_taken(&self) -> bool {
        matches!(self, Self::Exited { tail, .. } if tail.to_lowercase().contains("address already in use"))
    }
}

pub type Result<T, E = ServerError> = std::result::Result<T, E>;

/// Names the step an I/O (or nix) error broke, so the message says what failed.
trait Context<T> {
    fn context(self, what: impl Into<String>) -> Result<T>;
}

impl<T, E: Into<io::Error>> Context<T> for Result<T, E> {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|e| ServerError::Io {
            what: what.into(),
            source: e.into(),
        })
    }
}

/// The first of `paths` that exists: Debian puts PostgreSQL's server binaries off PATH.
fn binary(paths: &[&str], package: &'static str) -> Result<PathBuf> {
    let found = paths.iter().map(PathBuf::from).find(|path| path.exists());
    found.ok_or_else(|| ServerError::Missing {
        package,
        path: paths[0].to_string(),
    })
}

/// Runs `cmd` to completion with `stdin` as its input and returns its stdout.
fn run(cmd: &mut Command, stdin: &str, what: &str) -> Result<String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context(format!("cannot run {what}"))?;
    // Written from a thread of its own, so a command whose output fills its pipe before it has
    // read all of its input cannot block us both; dropped at the end, so it sees the input end.
    let mut input = child.stdin.take().expect("piped");
    let stdin = stdin.to_owned();
    let writer = thread::spawn(move || input.write_all(stdin.as_bytes()));
    let out = child
        .wait_with_output()
        .context(format!("{what} did not finish"))?;
    let written = writer.join().expect("the input writer does not panic");
    if !out.status.success() {
        let output = String::from_utf8_lossy(&out.stderr) + String::from_utf8_lossy(&out.stdout);
        return Err(ServerError::Command {
            what: what.to_string(),
            status: out.status,
            output: output.trim().into(),
        });
    }
    written.context(format!("cannot write the input of {what}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// One server process and the temp dir it lives in; `PostgresServer` and `MariaDbServer` wrap it.
struct Instance {
    name: &'static str,
    dir: TempDir,
    /// The system user the server runs as when the tests run as root: PostgreSQL refuses to run
    /// as root, and MariaDB would need its `--user` switch, which keeps a root parent around.
    owner: Option<User>,
    /// The server's log (stdout and stderr), inside `dir`.
    log: PathBuf,
    /// Chosen at the first start and kept, so URLs handed out stay valid across `restart`.
    port: u16,
    child: Option<Child>,
    /// The signal for a clean shutdown that does not wait for clients to disconnect.
    stop_signal: Signal,
}

impl Instance {
    fn new(
        name: &'static str,
        system_user: &str,
        package: &'static str,
        log: &str,
        stop_signal: Signal,
    ) -> Result<Self> {
        let owner = if nix::unistd::geteuid().is_root() {
            let user = User::from_name(system_user).context("cannot look up a system user")?;
            Some(user.ok_or(ServerError::Missing {
                package,
                path: format!("system user {system_user}"),
            })?)
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix(&format!("seatunnel-test-{name}-"))
            .tempdir_in(std::env::temp_dir())
            .context("cannot create a temp dir")?;
        let instance = Self {
            name,
            log: dir.path().join(log),
            dir,
            owner,
            port: 0,
            child: None,
            stop_signal,
        };
        instance.chown(instance.dir.path())?;
        Ok(instance)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Hands `path` to the server's user, so the server can write to it.
    fn chown(&self, path: &Path) -> Result<()> {
        let Some(user) = &self.owner else {
            return Ok(());
        };
        let chown = nix::unistd::chown(path, Some(user.uid), Some(user.gid));
        chown.context(format!("cannot hand {} to {}", path.display(), user.name))
    }

    /// A directory in the temp dir, owned by the server's user.
    fn mkdir(&self, name: &str) -> Result<PathBuf> {
        let path = self.path(name);
        std::fs::create_dir(&path).context(format!("cannot create {}", path.display()))?;
        self.chown(&path)?;
        Ok(path)
    }

    /// A file in the temp dir, owned by the server's user.
    fn write(&self, name: &str, contents: &str) -> Result<PathBuf> {
        let path = self.path(name);
        std::fs::write(&path, contents).context(format!("cannot write {}", path.display()))?;
        self.chown(&path)?;
        Ok(path)
    }

    /// `program` as the server's user. std switches uid and gid in the child just before exec
    /// (dropping root's groups), so the pid we hold is the server's own: `runuser` would stay as
    /// its parent, and a SIGKILL to it would orphan the server.
    fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.dir.path());
        if let Some(user) = &self.owner {
            cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
        }
        cmd
    }

    /// Starts the server on a free port, retrying on a new one when another process takes it
    /// first: a port probed free may be bound by anyone before the server binds it.
    fn start(
        &mut self,
        server: impl Fn(&Self) -> Command,
        ready: impl Fn(&Self) -> bool,
    ) -> Result<()> {
        let mut attempt = 1;
        loop {
            self.port = free_port()?;
            match self.launch(&server, &ready) {
                Err(e) if e.port_taken() && attempt < PORT_ATTEMPTS => attempt += 1,
                done => return done,
            }
        }
    }

    /// Spawns the server on `self.port` and waits until `ready` says it accepts connections.
    fn launch(
        &mut self,
        server: impl Fn(&Self) -> Command,
        ready: impl Fn(&Self) -> bool,
    ) -> Result<()> {
        debug_assert!(self.child.is_none(), "a server runs once at a time");
        let log = OpenOptions::new().create(true).append(true).open(&self.log);
        let log = log.context(format!("cannot open {}", self.log.display()))?;
        self.chown(&self.log)?;
        // Errors quote this start's lines only: `restart` appends to the log of earlier ones.
        let since = log.metadata().context("cannot read the log's size")?.len();
        let err_log = log.try_clone().context("cannot share the log")?;
        let mut cmd = server(self);
        let child = cmd.stdin(Stdio::null()).stdout(log).stderr(err_log).spawn();
        self.child = Some(child.context(format!("cannot start {}", self.name))?);
        let deadline = Instant::now() + START_DEADLINE;
        loop {
            let child = self.child.as_mut().expect("spawned above");
            if let Some(status) = child.try_wait().context("cannot wait for the server")? {
                self.child = None;
                let tail = self.log_tail(since);
                return Err(ServerError::Exited {
                    what: self.name.into(),
                    status,
                    tail,
                });
            }
            if ready(self) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.kill()?;
                let (what, tail) = (format!("starting {}", self.name), self.log_tail(since));
                return Err(ServerError::Timeout {
                    what,
                    deadline: START_DEADLINE,
                    tail,
                });
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// A clean shutdown within `deadline`, then SIGKILL; an error if it took the SIGKILL.
    fn stop(&mut self, deadline: Duration) -> Result<()> {
        let Some(child) = &mut self.child else {
            return Ok(());
        };
        let _ = signal::kill(pid(child), self.stop_signal);
        let until = Instant::now() + deadline;
        while Instant::now() < until {
            if child
                .try_wait()
                .context("cannot wait for the server")?
                .is_some()
            {
                self.child = None;
                return Ok(());
            }
            thread::sleep(POLL_INTERVAL);
        }
        self.kill()?;
        Err(ServerError::Timeout {
            what: format!("stopping {}", self.name),
            deadline,
            tail: self.log_tail(0),
        })
    }

    /// SIGKILLs the server and its direct children, as a crash or the OOM killer would.
    /// PostgreSQL's backends each lead a session of their own, so a process-group kill would miss
    /// them, and a busy one left alone runs on until its query ends. The server is stopped first
    /// so that it cannot fork a child between the listing and the kill.
    fn kill(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let server = pid(&child);
        let _ = signal::kill(server, Signal::SIGSTOP);
        let killed = children(server);
        for child in &killed {
            let _ = signal::kill(*child, Signal::SIGKILL);
        }
        let _ = signal::kill(server, Signal::SIGKILL);
        // Reaped, or a restart would find the old pid alive in the server's lock file.
        child.wait().context("cannot wait for the killed server")?;
        // The children exit asynchronously (reparented, reaped by someone else); until they have,
        // they still hold the server's shared memory and a restart refuses to start.
        let deadline = Instant::now() + STOP_DEADLINE;
        while killed.iter().any(|p| still_running(*p)) {
            if Instant::now() > deadline {
                break;
            }
            std::thread::sleep(POLL_INTERVAL);
        }
        Ok(())
    }

    /// The end of the log, from byte `since` on.
    fn log_tail(&self, since: u64) -> String {
        let log = std::fs::read(&self.log).unwrap_or_default();
        let since = (since as usize).min(log.len());
        let start = log.len().saturating_sub(LOG_TAIL_BYTES).max(since);
        String::from_utf8_lossy(&log[start..]).into_owned()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // The temp dir goes with the fields, after the process is gone.
        if self.stop(DROP_STOP_DEADLINE).is_err() {
            let _ = self.kill();
        }
    }
}

fn pid(child: &Child) -> Pid {
    Pid::from_raw(child.id() as i32)
}

/// A port that was free a moment ago: bound on loopback by the kernel's choice, then released.
fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("cannot bind a loopback port")?;
    Ok(listener
        .local_addr()
        .context("cannot read a bound port")?
        .port())
}

/// Whether something accepts TCP connections on the loopback `port`: a cheap check before the
/// server's own client is asked.
fn accepts(port: u16) -> bool {
    TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, port).into(), POLL_INTERVAL * 10).is_ok()
}

/// The processes whose parent is `parent`, from /proc (the fourth field of `stat`, after the
/// command name in parentheses, which may itself hold spaces).
/// Whether `pid` exists and has not exited yet (a zombie has released its memory).
fn still_running(pid: Pid) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

fn children(parent: Pid) -> Vec<Pid> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let parent = parent.as_raw().to_string();
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                == Some(parent.as_str())
        })
        .map(Pid::from_raw)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_names_the_package_and_the_script() {
        let err = binary(&["/nonexistent/psql"], "postgresql-client-15").unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("postgresql-client-15")
                && message.contains("run scripts/test-all.sh, which installs it"),
            "{message}"
        );
    }

    #[test]
    fn children_lists_direct_children_only() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let me = Pid::this();
        let listed = children(me);
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(listed.contains(&pid(&child)), "{listed:?}");
        assert!(!listed.contains(&me), "{listed:?}");
    }
}
