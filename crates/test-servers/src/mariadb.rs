//! MariaDB 10.11 from Debian's `mariadb-server`. Every command gets `--no-defaults`, so no
//! `/etc/mysql` or `~/.my.cnf` setting reaches a test server.

use std::path::PathBuf;
use std::process::Command;

use nix::sys::signal::Signal::SIGTERM;

use crate::{
    accepts, binary, run, Instance, Result, DATABASE, HOST, PASSWORD, STOP_DEADLINE, USER,
};

const SERVER_PACKAGE: &str = "mariadb-server";
const CLIENT_PACKAGE: &str = "mariadb-client";
/// Run once as MariaDB's `root` (no password, over the socket only) on a fresh data dir. `ALL
/// PRIVILEGES` includes `XA_RECOVER_ADMIN`, which `XA RECOVER` needs since MariaDB 10.5; the
/// `localhost` user is for socket clients, which `%` does not match.
const SETUP: &str = "CREATE USER 'test'@'%' IDENTIFIED BY 'test'; \
    CREATE USER 'test'@'localhost' IDENTIFIED BY 'test'; \
    GRANT ALL PRIVILEGES ON *.* TO 'test'@'%' WITH GRANT OPTION; \
    GRANT ALL PRIVILEGES ON *.* TO 'test'@'localhost' WITH GRANT OPTION; \
    CREATE DATABASE test";
/// The system tables only: no test database, no lookup of this host's name.
const INSTALL_FLAGS: &str =
    "--auth-root-authentication-method=normal --skip-test-db --skip-name-resolve";
/// The binary log in row format, as change data capture needs. The redo log is written at each
/// commit and flushed to disk once a second (`innodb_flush_log_at_trx_commit` 2): a killed server
/// loses nothing, as only an OS crash loses what the page cache holds. At 0 not even the write
/// happens at commit, and a kill would drop the last second's commits and XA prepares, which
/// fault tests must see survive. utf8mb4, since without a config file the default is latin1.
const SERVER_FLAGS: &str = "--skip-name-resolve --innodb-flush-log-at-trx-commit=2 \
    --binlog-format=ROW --server-id=1 \
    --character-set-server=utf8mb4";

/// A MariaDB server of the test's own: user `test` (password `test`, every privilege), database
/// `test`, on `127.0.0.1:port()`, binary log on. Killed, with its data dir removed, when dropped.
pub struct MariaDbServer {
    instance: Instance,
    mariadbd: PathBuf,
    admin: PathBuf,
    client: PathBuf,
}

/// `--<option>=<path>` for an option naming a path in the server's temp dir. Its own `tmpdir`
/// matters: at start MariaDB deletes every `#sql*` file in it, which in a shared `/tmp` are the
/// temporary tables of the servers other tests are starting.
fn path_option(instance: &Instance, option: &str) -> String {
    let file = match option {
        "datadir" => "data",
        "tmpdir" => "tmp",
        "socket" => "mysqld.sock",
        "pid-file" => "mysqld.pid",
        "log-bin" => "binlog",
        "log-error" => "error.log",
        _ => unreachable!("no path for --{option}"),
    };
    format!("--{option}={}", instance.path(file).display())
}

impl MariaDbServer {
    /// Creates a data dir in a temp dir, starts the server on a free loopback port and creates
    /// user and database `test`; an error, never a skip, when the packages are missing.
    pub fn start() -> Result<Self> {
        let install_db = binary(&["/usr/bin/mariadb-install-db"], SERVER_PACKAGE)?;
        let mariadbd = binary(&["/usr/sbin/mariadbd"], SERVER_PACKAGE)?;
        let admin = binary(&["/usr/bin/mariadb-admin"], CLIENT_PACKAGE)?;
        let client = binary(&["/usr/bin/mariadb"], CLIENT_PACKAGE)?;
        let instance = Instance::new("mariadb", "mysql", SERVER_PACKAGE, "error.log", SIGTERM)?;
        instance.mkdir("tmp")?;
        let mut install = instance.command(&install_db);
        install
            .arg("--no-defaults")
            .args(INSTALL_FLAGS.split_whitespace());
        install.args(["datadir", "tmpdir"].map(|option| path_option(&instance, option)));
        run(&mut install, "", "mariadb-install-db")?;
        let mut server = Self {
            instance,
            mariadbd,
            admin,
            client,
        };
        server.launch(true)?;
        run(
            server.root_client().args(["-e", SETUP]),
            "",
            "creating user and database test",
        )?;
        Ok(server)
    }

    /// Starts the server on its data dir, on a fresh port the first time and on the same one after.
    fn launch(&mut self, fresh_port: bool) -> Result<()> {
        let (mariadbd, admin) = (&self.mariadbd, &self.admin);
        let server = |instance: &Instance| {
            let mut cmd = instance.command(mariadbd);
            let (port, bind) = (instance.port, format!("--bind-address={HOST}"));
            cmd.args(["--no-defaults".into(), format!("--port={port}"), bind]);
            let paths = [
                "datadir",
                "tmpdir",
                "socket",
                "pid-file",
                "log-bin",
                "log-error",
            ];
            cmd.args(paths.map(|option| path_option(instance, option)));
            cmd.args(SERVER_FLAGS.split_whitespace());
            cmd
        };
        let ready = |instance: &Instance| {
            let mut ping = Command::new(admin);
            ping.arg("--no-defaults")
                .arg(path_option(instance, "socket"));
            ping.args(["--connect-timeout=5", "-u", "root", "ping"]);
            accepts(instance.port) && run(&mut ping, "", "mariadb-admin ping").is_ok()
        };
        if fresh_port {
            self.instance.start(server, ready)
        } else {
            self.instance.launch(server, ready)
        }
    }

    /// The `mariadb` client as MariaDB's `root`, over the socket.
    fn root_client(&self) -> Command {
        let mut cmd = Command::new(&self.client);
        cmd.arg("--no-defaults")
            .arg(path_option(&self.instance, "socket"));
        cmd.args(["-u", "root", "--batch"]);
        cmd
    }

    pub fn port(&self) -> u16 {
        self.instance.port
    }

    pub fn host(&self) -> &'static str {
        HOST
    }

    pub fn user(&self) -> &'static str {
        USER
    }

    pub fn password(&self) -> &'static str {
        PASSWORD
    }

    pub fn database(&self) -> &'static str {
        DATABASE
    }

    pub fn jdbc_url(&self, database: &str) -> String {
        format!("jdbc:mysql://{HOST}:{}/{database}", self.port())
    }

    /// Runs `sql` (one or more statements; `USE db` to leave database `test`) as user `test` over
    /// TCP and returns the rows, one a line, tabs between columns, no header.
    pub fn sql(&self, sql: &str) -> Result<String> {
        let mut cmd = Command::new(&self.client);
        cmd.args([
            "--no-defaults",
            "--batch",
            "--skip-column-names",
            "-h",
            HOST,
            "-u",
            USER,
        ]);
        cmd.arg(format!("-P{}", self.port()))
            .arg(format!("-p{PASSWORD}"));
        cmd.args([DATABASE, "-e", sql]);
        run(&mut cmd, "", &format!("mariadb {sql:?}"))
    }

    /// A normal shutdown (clients disconnected, InnoDB flushed), SIGKILL past the deadline.
    pub fn stop(&mut self) -> Result<()> {
        self.instance.stop(STOP_DEADLINE)
    }

    /// SIGKILLs the server: the database goes away mid-job, and the next start runs InnoDB's
    /// crash recovery.
    pub fn kill(&mut self) -> Result<()> {
        self.instance.kill()
    }

    /// Starts the server again on the same data dir and port, stopping it first if it runs.
    pub fn restart(&mut self) -> Result<()> {
        self.stop()?;
        self.launch(false)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn a_prepared_xa_transaction_survives_kill_and_restart() {
        let started = Instant::now();
        let mut server = MariaDbServer::start().unwrap();
        eprintln!("mariadb started in {:?}", started.elapsed());
        assert_eq!(
            server.sql("SELECT current_user(), database()").unwrap(),
            "test@%\ttest\n"
        );
        server
            .sql("CREATE TABLE t (id int) ENGINE=InnoDB; INSERT INTO t VALUES (1)")
            .unwrap();
        server
            .sql("XA START 'tx1'; INSERT INTO t VALUES (2); XA END 'tx1'; XA PREPARE 'tx1'")
            .unwrap();

        server.kill().unwrap();
        assert!(server.sql("SELECT 1").is_err(), "a killed server answered");
        let restarted = Instant::now();
        server.restart().unwrap();
        eprintln!("mariadb restarted in {:?}", restarted.elapsed());
        // XA RECOVER as `test` needs XA_RECOVER_ADMIN: the columns are formatID, the two
        // lengths and the data.
        assert_eq!(server.sql("XA RECOVER").unwrap(), "1\t3\t0\ttx1\n");
        server.sql("XA COMMIT 'tx1'").unwrap();
        assert_eq!(
            server.sql("SELECT id FROM t ORDER BY id").unwrap(),
            "1\n2\n"
        );
        assert_eq!(
            server.jdbc_url("test"),
            format!("jdbc:mysql://127.0.0.1:{}/test", server.port())
        );

        server.stop().unwrap();
        server.restart().unwrap();
        assert_eq!(server.sql("SELECT count(*) FROM t").unwrap(), "2\n");
    }

    #[test]
    fn two_servers_run_side_by_side() {
        let (a, b) = (
            MariaDbServer::start().unwrap(),
            MariaDbServer::start().unwrap(),
        );
        assert_ne!(a.port(), b.port());
        a.sql("CREATE TABLE only_in_a (id int)").unwrap();
        assert_eq!(
            a.sql("SHOW TABLES LIKE 'only_in_a'").unwrap(),
            "only_in_a\n"
        );
        assert_eq!(b.sql("SHOW TABLES LIKE 'only_in_a'").unwrap(), "");
        assert_eq!(
            a.sql("SELECT @@binlog_format, @@character_set_server")
                .unwrap(),
            "ROW\tutf8mb4\n"
        );
        let err = a.sql("SELECT * FROM missing").unwrap_err().to_string();
        assert!(err.contains("doesn't exist"), "{err}");
    }
}
