//! PostgreSQL 15 from Debian's `postgresql-15`, whose binaries sit off PATH in `/usr/lib/postgresql/15/bin`.

use std::path::PathBuf;
use std::process::Command;

use nix::sys::signal::Signal::SIGINT;

use crate::{
    accepts, binary, run, Instance, Result, DATABASE, HOST, PASSWORD, START_DEADLINE,
    STOP_DEADLINE, USER,
};

const BIN: &str = "/usr/lib/postgresql/15/bin";
const SERVER_PACKAGE: &str = "postgresql-15";
const CLIENT_PACKAGE: &str = "postgresql-client-15";
/// Superuser `test` with a password over TCP, and UTF-8 whatever the environment's locale, with
/// byte-order (C) collation.
const INITDB_FLAGS: &str = "-U test --auth=scram-sha-256 --encoding=UTF8 --no-locale";
/// Two-phase commit (`PREPARE TRANSACTION`) on, and durability traded for speed: a killed server
/// still recovers, as only an OS crash loses what the page cache holds.
const SERVER_SETTINGS: [&str; 4] = [
    "max_prepared_transactions=64",
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
];
/// No `~/.psqlrc` (-X), no command tags among the rows (-q), unaligned rows without a header,
/// and a stop at the first failing statement.
const PSQL_FLAGS: &str = "-X -q -A -t -v ON_ERROR_STOP=1 -f -";

/// A PostgreSQL server of the test's own: superuser `test` (password `test`), database `test`,
/// on `127.0.0.1:port()`, prepared transactions on. Killed, with its data dir removed, when
/// dropped.
pub struct PostgresServer {
    instance: Instance,
    postgres: PathBuf,
    pg_isready: PathBuf,
    psql: PathBuf,
}

impl PostgresServer {
    /// Creates a cluster in a temp dir, starts it on a free loopback port and creates database
    /// `test`; an error, never a skip, when the packages are missing.
    pub fn start() -> Result<Self> {
        let initdb = binary(&[&format!("{BIN}/initdb")], SERVER_PACKAGE)?;
        let postgres = binary(&[&format!("{BIN}/postgres")], SERVER_PACKAGE)?;
        let pg_isready = binary(&[&format!("{BIN}/pg_isready")], CLIENT_PACKAGE)?;
        let psql = binary(&[&format!("{BIN}/psql"), "/usr/bin/psql"], CLIENT_PACKAGE)?;
        // SIGINT is PostgreSQL's fast shutdown; its SIGTERM waits for every client to leave.
        let instance = Instance::new(
            "postgresql",
            "postgres",
            SERVER_PACKAGE,
            "server.log",
            SIGINT,
        )?;
        let pwfile = instance.write("pwfile", PASSWORD)?;
        instance.mkdir("sockets")?;
        let mut initdb = instance.command(&initdb);
        initdb
            .arg("-D")
            .arg(instance.path("data"))
            .args(INITDB_FLAGS.split_whitespace());
        run(
            initdb.arg(format!("--pwfile={}", pwfile.display())),
            "",
            "initdb",
        )?;
        let mut server = Self {
            instance,
            postgres,
            pg_isready,
            psql,
        };
        server.launch(true)?;
        let create = format!("CREATE DATABASE {DATABASE} OWNER {USER}");
        server.psql_on("postgres", &create)?;
        Ok(server)
    }

    /// Starts the server on its data dir, on a fresh port the first time and on the same one after.
    fn launch(&mut self, fresh_port: bool) -> Result<()> {
        let (postgres, pg_isready) = (&self.postgres, &self.pg_isready);
        let server = |instance: &Instance| {
            let mut cmd = instance.command(postgres);
            cmd.arg("-D").arg(instance.path("data"));
            cmd.arg("-k").arg(instance.path("sockets"));
            cmd.arg("-p").arg(instance.port.to_string());
            cmd.arg("-c").arg(format!("listen_addresses={HOST}"));
            for setting in SERVER_SETTINGS {
                cmd.args(["-c", setting]);
            }
            cmd
        };
        // The port opens before recovery ends; pg_isready tells "starting up" from "accepting".
        let ready = |instance: &Instance| {
            let mut cmd = Command::new(pg_isready);
            cmd.args([
                "-q",
                "-t",
                "5",
                "-h",
                HOST,
                "-p",
                &instance.port.to_string(),
            ]);
            accepts(instance.port) && run(&mut cmd, "", "pg_isready").is_ok()
        };
        if fresh_port {
            self.instance.start(server, ready)
        } else {
            self.instance.launch(server, ready)
        }
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
        format!("jdbc:postgresql://{HOST}:{}/{database}", self.port())
    }

    /// Runs `sql` (one or more statements) in database `test` and returns psql's unaligned
    /// output, one row a line, `|` between columns; the first failing statement is an error.
    pub fn psql(&self, sql: &str) -> Result<String> {
        self.psql_on(DATABASE, sql)
    }

    /// [`psql`](Self::psql) in another database.
    pub fn psql_on(&self, database: &str, sql: &str) -> Result<String> {
        let mut cmd = Command::new(&self.psql);
        cmd.args(PSQL_FLAGS.split_whitespace());
        cmd.args([
            "-h",
            HOST,
            "-U",
            USER,
            "-d",
            database,
            "-p",
            &self.port().to_string(),
        ]);
        let timeout = START_DEADLINE.as_secs().to_string();
        cmd.env("PGPASSWORD", PASSWORD)
            .env("PGCONNECT_TIMEOUT", timeout);
        run(&mut cmd, sql, &format!("psql {sql:?}"))
    }

    /// A fast shutdown (clients disconnected, a checkpoint written), SIGKILL past the deadline.
    pub fn stop(&mut self) -> Result<()> {
        self.instance.stop(STOP_DEADLINE)
    }

    /// SIGKILLs the server and its backends: the database goes away mid-job, and the next start
    /// runs crash recovery.
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
    use std::process::Stdio;
    use std::thread;
    use std::time::{Duration, Instant};

    use super::*;

    /// Polls `done` for up to ten seconds, in place of a fixed sleep.
    fn wait_for(mut done: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() {
            if Instant::now() > deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(50));
        }
        true
    }

    #[test]
    fn a_prepared_transaction_survives_kill_and_restart() {
        let started = Instant::now();
        let mut server = PostgresServer::start().unwrap();
        eprintln!("postgresql started in {:?}", started.elapsed());
        assert_eq!(
            server
                .psql("SELECT current_user, current_database()")
                .unwrap(),
            "test|test\n"
        );
        server
            .psql("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
            .unwrap();
        server
            .psql("BEGIN; INSERT INTO t VALUES (2); PREPARE TRANSACTION 'tx1'")
            .unwrap();
        // A query in flight when the server dies: its backend dies too, so the client hears at
        // once rather than when the query would have ended.
        let mut busy = Command::new(&server.psql);
        busy.args([
            "-X",
            "-h",
            HOST,
            "-U",
            USER,
            "-d",
            DATABASE,
            "-c",
            "SELECT pg_sleep(600)",
        ]);
        let mut busy = busy
            .arg("-p")
            .arg(server.port().to_string())
            .env("PGPASSWORD", PASSWORD)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let running = "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)'";
        assert!(wait_for(|| server.psql(running).unwrap() == "1\n"));

        server.kill().unwrap();
        assert!(
            wait_for(|| busy.try_wait().unwrap().is_some()),
            "the query outlived the kill"
        );
        assert!(server.psql("SELECT 1").is_err(), "a killed server answered");
        let restarted = Instant::now();
        server.restart().unwrap();
        eprintln!("postgresql restarted in {:?}", restarted.elapsed());
        assert_eq!(
            server.psql("SELECT gid FROM pg_prepared_xacts").unwrap(),
            "tx1\n"
        );
        server.psql("COMMIT PREPARED 'tx1'").unwrap();
        assert_eq!(
            server.psql("SELECT id FROM t ORDER BY id").unwrap(),
            "1\n2\n"
        );
        let url = format!("jdbc:postgresql://127.0.0.1:{}/test", server.port());
        assert_eq!(server.jdbc_url(server.database()), url);

        server.stop().unwrap();
        server.restart().unwrap();
        assert_eq!(server.psql("SELECT count(*) FROM t").unwrap(), "2\n");
    }

    #[test]
    fn two_servers_run_side_by_side() {
        let (a, b) = (
            PostgresServer::start().unwrap(),
            PostgresServer::start().unwrap(),
        );
        assert_ne!(a.port(), b.port());
        a.psql("CREATE TABLE only_in_a (id int)").unwrap();
        assert_eq!(
            a.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'")
                .unwrap(),
            "1\n"
        );
        assert_eq!(
            b.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'")
                .unwrap(),
            "0\n"
        );
        let err = a.psql("SELECT * FROM missing").unwrap_err().to_string();
        assert!(err.contains("relation \"missing\" does not exist"), "{err}");
    }
}
