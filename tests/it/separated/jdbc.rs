//! Issue 16: PostgreSQL → MariaDB with `is_exactly_once`, on 3 masters and 2 workers, against
//! real database servers the test starts. The target table has no key, so a row written twice
//! stays twice: after `kill -9` of a worker mid-job, or of the active master while a checkpoint
//! waits for a split to end, the target holds every source id exactly once and no transaction
//! is left prepared.

use seatunnel_test_servers::{MariaDbServer, PostgresServer};

use super::checkpoints::a_worker_waits_for;
use super::*;

/// Source rows: unique ids 1..=ROWS.
const ROWS: u64 = 2400;
/// Splits of the source; with the per-row delay below each takes about 6 s, longer than the
/// 2 s after which a worker says a checkpoint waits for its group.
const SPLITS: u64 = 4;
/// The job's database password: distinctive, so finding it in a log or a REST answer cannot be
/// a coincidence.
const SECRET: &str = "Xq7-jdbc-secret-Pw";
/// Seconds `slow()` sleeps per row.
const ROW_DELAY: &str = "0.01";

/// Both servers with the source filled and the target empty.
fn databases() -> (PostgresServer, MariaDbServer) {
    let pg = PostgresServer::start().unwrap();
    // STABLE, so the planner pushes a split's key range into the query and skips the sleep
    // for the bounds query, which reads only the key.
    pg.psql(&format!(
        "CREATE FUNCTION slow(i int) RETURNS int LANGUAGE plpgsql STABLE AS
           $$ BEGIN PERFORM pg_sleep({ROW_DELAY}); RETURN i; END $$;
         CREATE TABLE src AS SELECT i AS id, 'name ' || i AS name FROM generate_series(1, {ROWS}) i;
         CREATE USER writer PASSWORD '{SECRET}' SUPERUSER;"
    ))
    .unwrap();
    let my = MariaDbServer::start().unwrap();
    my.sql(&format!(
        "CREATE TABLE target (id INT, v INT, name VARCHAR(40));
         CREATE USER writer@'%' IDENTIFIED BY '{SECRET}';
         GRANT ALL PRIVILEGES ON *.* TO writer@'%';"
    ))
    .unwrap();
    (pg, my)
}

fn xa_job(pg: &PostgresServer, my: &MariaDbServer) -> String {
    format!(
        r#"{{
  "env": {{"parallelism": 2, "job.mode": "BATCH", "job.name": "jdbc-xa",
    "checkpoint.interval": 1000, "job.retry.interval.seconds": 1}},
  "source": [{{"plugin_name": "Jdbc", "plugin_output": "pg", "url": "{}",
    "driver": "org.postgresql.Driver", "user": "writer", "password": "{SECRET}",
    "query": "select id, slow(id) as v, name from src", "partition_column": "id",
    "partition_num": {SPLITS}, "fetch_size": 50}}],
  "sink": [{{"plugin_name": "Jdbc", "plugin_input": "pg", "url": "{}",
    "driver": "com.mysql.cj.jdbc.Driver", "user": "writer", "password": "{SECRET}",
    "query": "insert into target (id, v, name) values (?, ?, ?)", "is_exactly_once": "true",
    "xa_data_source_class_name": "com.mysql.cj.jdbc.MysqlXADataSource",
    "max_commit_attempts": 3, "transaction_timeout_sec": 86400, "batch_size": 100}}]
}}"#,
        pg.jdbc_url("test"),
        my.jdbc_url("test")
    )
}

/// Rows committed in the target.
fn committed(my: &MariaDbServer) -> u64 {
    my.sql("SELECT COUNT(*) FROM target")
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Every source id once, nothing else, nothing left prepared.
fn assert_every_id_once(my: &MariaDbServer, why: &str) {
    let summary = my
        .sql("SELECT CONCAT(COUNT(*), ' ', COUNT(DISTINCT id), ' ', MIN(id), ' ', MAX(id), ' ', SUM(v = id)) FROM target")
        .unwrap();
    assert_eq!(
        summary.trim(),
        format!("{ROWS} {ROWS} 1 {ROWS} {ROWS}"),
        "rows, distinct ids, min, max, rows whose v matches: {why}"
    );
    assert_eq!(
        my.sql("XA RECOVER").unwrap().trim(),
        "",
        "no transaction left prepared: {why}"
    );
}

/// Waits for job `id` to finish, checks that its pipeline restarted from a checkpoint and that
/// the target holds every id once (`why` says what happened to it); the masters' REST ports.
fn finished_after_a_restart(c: &Separated, id: i64, my: &MariaDbServer, why: &str) -> Vec<u16> {
    let ports: Vec<u16> = c.masters.iter().map(http_port).collect();
    let (status, info) = wait_end(&ports, id);
    assert_eq!(status, "FINISHED", "{why}: {info}");
    let restarted = c.masters.iter().any(|m| {
        m.log_text()
            .lines()
            .any(|l| l.contains("placed again on") && l.contains("it runs from checkpoint"))
    });
    assert!(restarted, "the pipeline restarted from a checkpoint: {why}");
    assert_every_id_once(my, why);
    ports
}

#[test]
fn postgres_to_mariadb_exactly_once_survives_kill_9_of_a_worker() {
    let (pg, my) = databases();
    let mut c = Separated::new(3, 2, "st-jdbc-worker-kill");
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let id = submit(http_port(&c.masters[0]), &xa_job(&pg, &my));
    wait_running(http_port(&c.masters[1]), id);
    wait_for("a checkpoint commits rows", DEADLINE, || {
        (committed(&my) > 0).then_some(())
    });
    let victim = worker_with_a_group(&c);
    c.workers[victim].kill9();
    let ports = finished_after_a_restart(&c, id, &my, "a worker was killed mid-job");
    // The job's password reaches no log line and no REST answer about the job.
    for n in c.masters.iter().chain(&c.workers) {
        assert!(
            !n.log_contains(SECRET),
            "a log shows the password: {}",
            n.log_text()
        );
    }
    for path in [
        format!("/job-info/{id}"),
        "/finished-jobs".into(),
        "/running-jobs".into(),
    ] {
        let (status, body) = http_get(ports[0], &path);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            !body.to_string().contains(SECRET),
            "{path} shows the password: {body}"
        );
    }
}

#[test]
fn postgres_to_mariadb_exactly_once_survives_kill_9_of_the_active_master_mid_checkpoint() {
    let (pg, my) = databases();
    let mut c = Separated::new(3, 2, "st-jdbc-master-kill");
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let active = active_master(&c);
    let id = submit(http_port(&c.masters[0]), &xa_job(&pg, &my));
    let standbys: Vec<usize> = (0..3).filter(|i| *i != active).collect();
    wait_running(http_port(&c.masters[standbys[0]]), id);
    // A checkpoint triggered inside a split waits for its end (the reader cannot snapshot a
    // cursor), so one is in flight when a worker says so.
    let in_flight = wait_for(
        "a checkpoint waits for a split to end",
        DEADLINE * 2,
        || (1..64).find(|n| a_worker_waits_for(&c, *n)),
    );
    c.masters[active].kill9();
    assert!(
        !c.masters[active].log_contains(&format!("checkpoint {in_flight} completed")),
        "the master died with checkpoint {in_flight} in flight"
    );
    let ports: Vec<u16> = standbys.iter().map(|i| http_port(&c.masters[*i])).collect();
    let (status, info) = wait_end(&ports, id);
    assert_eq!(status, "FINISHED", "{info}");
    assert_every_id_once(
        &my,
        "the active master was killed with a checkpoint in flight",
    );
}

/// The sink's database is killed mid-job and comes back: the writer's task fails with the
/// driver's message as an unavailable external system, the pipeline restarts from its last
/// checkpoint within `job.retry.times` on the same live workers, and the target holds every id
/// once.
#[test]
fn a_sink_database_killed_mid_job_restarts_the_pipeline_exactly_once() {
    let (pg, mut my) = databases();
    let mut c = Separated::new(3, 2, "st-jdbc-db-kill");
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let body = xa_job(&pg, &my).replace(
        r#""job.retry.interval.seconds": 1"#,
        r#""job.retry.interval.seconds": 1, "job.retry.times": 5"#,
    );
    assert!(body.contains(r#""job.retry.times": 5"#));
    let id = submit(http_port(&c.masters[0]), &body);
    wait_running(http_port(&c.masters[1]), id);
    wait_for("a checkpoint commits rows", DEADLINE, || {
        (committed(&my) > 0).then_some(())
    });
    my.kill().unwrap();
    wait_for("a task fails, its database gone", DEADLINE, || {
        c.workers
            .iter()
            .any(|n| n.log_contains("an external system went away: jdbc sink:"))
            .then_some(())
    });
    my.restart().unwrap();
    finished_after_a_restart(
        &c,
        id,
        &my,
        "the sink's database was killed mid-job and restarted",
    );
}
