//! Benchmark: the Jdbc connector moving 1 M rows × 10 columns between real databases, against
//! the same run's reference of the database's own bulk path.
//!
//! - PostgreSQL → PostgreSQL, p = 4 (`partition_column` on the key), sink with
//!   `use_copy_statement`; reference: `psql -c "COPY src TO STDOUT" | psql -c "COPY … FROM STDIN"`.
//! - MariaDB → PostgreSQL, same shape; reference: `mariadb --batch -e "SELECT …" | psql -c "COPY …"`.
//!
//! The servers are the tests' own (`seatunnel-test-servers`: Debian's packages, loopback, a
//! temporary data dir, fsync off). The job runs in local mode as a whole process
//! (`seatunnel run -c`), timed with its peak RSS by `/usr/bin/time`. Prints rows/s for both and
//! their ratio. Usage: `cargo bench --bench jdbc [-- ROWS]` (default 1 000 000).

use std::process::Command;
use std::time::Instant;

use seatunnel_test_servers::{MariaDbServer, PostgresServer};

const DEFAULT_ROWS: u64 = 1_000_000;
const PARALLELISM: u32 = 4;
/// The ten columns, in PostgreSQL's types and MariaDB's.
const PG_COLUMNS: &str = "id BIGINT PRIMARY KEY, c_int INT, c_big BIGINT, c_double DOUBLE PRECISION, \
    c_dec NUMERIC(12,2), c_text TEXT, c_name VARCHAR(64), c_date DATE, c_ts TIMESTAMP, c_bool BOOLEAN";
const MY_COLUMNS: &str = "id BIGINT PRIMARY KEY, c_int INT, c_big BIGINT, c_double DOUBLE, \
    c_dec DECIMAL(12,2), c_text TEXT, c_name VARCHAR(64), c_date DATE, c_ts DATETIME(6), c_bool BOOLEAN";

fn main() {
    let rows: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(DEFAULT_ROWS);
    let pg = PostgresServer::start().expect("postgresql starts");
    let my = MariaDbServer::start().expect("mariadb starts");
    pg.psql(&format!(
        "CREATE TABLE src ({PG_COLUMNS});
         INSERT INTO src SELECT i, i % 100000, i * 1000, i / 7.0, (i % 100000) / 100.0,
           'text of row ' || i, 'name-' || (i % 977), DATE '2020-01-01' + (i % 3000),
           TIMESTAMP '2020-01-01' + i * INTERVAL '1 second', i % 2 = 0
         FROM generate_series(1, {rows}) i;
         CREATE TABLE dst ({PG_COLUMNS}); CREATE TABLE ref ({PG_COLUMNS});
         CREATE TABLE dst_my ({PG_COLUMNS}); CREATE TABLE ref_my ({PG_COLUMNS});"
    ))
    .expect("the source table fills");
    my.sql(&format!(
        "CREATE TABLE src ({MY_COLUMNS});
         INSERT INTO src SELECT seq, seq % 100000, seq * 1000, seq / 7, (seq % 100000) / 100,
           CONCAT('text of row ', seq), CONCAT('name-', seq % 977), DATE '2020-01-01' + INTERVAL (seq % 3000) DAY,
           TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq SECOND, seq % 2 = 0
         FROM seq_1_to_{rows};"
    ))
    .expect("the source table fills");
    let work = tempfile::tempdir().unwrap();
    println!("rows: {rows} × 10 columns, p = {PARALLELISM}, sink use_copy_statement = true");

    let job = work.path().join("pg.conf");
    std::fs::write(
        &job,
        job_file(
            &pg.jdbc_url("test"),
            "org.postgresql.Driver",
            "public.src",
            &pg.jdbc_url("test"),
            "public.dst",
        ),
    )
    .unwrap();
    let (secs, rss_kb) = run_job(&job);
    assert_eq!(count(&pg, "dst"), rows, "the job copied every row");
    let reference = timed(&format!(
        "{} -c 'COPY src TO STDOUT' | {} -c 'COPY ref FROM STDIN'",
        psql(&pg),
        psql(&pg)
    ));
    assert_eq!(count(&pg, "ref"), rows);
    report(
        "PostgreSQL -> PostgreSQL",
        rows,
        secs,
        rss_kb,
        reference,
        "psql COPY | psql COPY",
    );

    let job = work.path().join("my.conf");
    std::fs::write(
        &job,
        job_file(
            &my.jdbc_url("test"),
            "com.mysql.cj.jdbc.Driver",
            "test.src",
            &pg.jdbc_url("test"),
            "public.dst_my",
        ),
    )
    .unwrap();
    let (secs, rss_kb) = run_job(&job);
    assert_eq!(count(&pg, "dst_my"), rows, "the job copied every row");
    let reference = timed(&format!(
        "mariadb --no-defaults -h 127.0.0.1 -P {} -u test -ptest --batch --skip-column-names test \
           -e 'SELECT * FROM src' | {} -c 'COPY ref_my FROM STDIN'",
        my.port(),
        psql(&pg)
    ));
    assert_eq!(count(&pg, "ref_my"), rows);
    report(
        "MariaDB -> PostgreSQL",
        rows,
        secs,
        rss_kb,
        reference,
        "mariadb --batch | psql COPY",
    );

    // No aim is set for a MariaDB sink (batched inserts, no COPY): measured to be known.
    my.sql(&format!("CREATE TABLE dst ({MY_COLUMNS})")).unwrap();
    let job = work.path().join("to_my.conf");
    let text = job_file(
        &pg.jdbc_url("test"),
        "org.postgresql.Driver",
        "public.src",
        &my.jdbc_url("test"),
        "dst",
    )
    .replace(
        "driver = \"org.postgresql.Driver\", user = \"test\", password = \"test\"\n    generate_sink_sql",
        "driver = \"com.mysql.cj.jdbc.Driver\", user = \"test\", password = \"test\"\n    generate_sink_sql",
    )
    .replace("use_copy_statement = true", "use_copy_statement = false");
    assert!(
        text.contains("com.mysql.cj.jdbc.Driver") && text.contains("use_copy_statement = false")
    );
    std::fs::write(&job, text).unwrap();
    let (secs, rss_kb) = run_job(&job);
    let copied: u64 = my
        .sql("SELECT COUNT(*) FROM dst")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(copied, rows, "the job copied every row");
    println!("PostgreSQL -> MariaDB (batched inserts):");
    println!(
        "  job: {secs:.2} s = {:.0} rows/s, peak RSS {:.1} MB",
        rows as f64 / secs,
        rss_kb as f64 / 1024.0
    );
}

fn job_file(src_url: &str, driver: &str, table_path: &str, dst_url: &str, dst: &str) -> String {
    format!(
        r#"env {{ parallelism = {PARALLELISM}, job.mode = "BATCH" }}
source {{
  Jdbc {{
    url = "{src_url}", driver = "{driver}", user = "test", password = "test"
    table_path = "{table_path}", partition_column = "id", partition_num = {PARALLELISM}
    fetch_size = 5000
  }}
}}
sink {{
  Jdbc {{
    url = "{dst_url}", driver = "org.postgresql.Driver", user = "test", password = "test"
    generate_sink_sql = true, database = "test", table = "{dst}", use_copy_statement = true
    batch_size = 5000
  }}
}}
"#
    )
}

/// Runs the job as `seatunnel run -c`; its wall time and peak RSS (KiB).
fn run_job(job: &std::path::Path) -> (f64, u64) {
    let times = job.with_extension("time");
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e %M", "-o"])
        .arg(&times)
        .arg(env!("CARGO_BIN_EXE_seatunnel"))
        .args(["run", "-c"])
        .arg(job)
        .output()
        .expect("/usr/bin/time runs (Debian's `time` package)");
    assert!(
        out.status.success(),
        "the job failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&times).unwrap();
    let mut parts = text.split_whitespace();
    let secs = parts.next().unwrap().parse().unwrap();
    let rss = parts.next().unwrap().parse().unwrap();
    (secs, rss)
}

fn psql(pg: &PostgresServer) -> String {
    format!(
        "PGPASSWORD=test psql -X -q -h 127.0.0.1 -p {} -U test -d test",
        pg.port()
    )
}

fn timed(pipeline: &str) -> f64 {
    let start = Instant::now();
    let status = Command::new("bash")
        .args(["-o", "pipefail", "-c", pipeline])
        .status()
        .unwrap();
    assert!(status.success(), "reference failed: {pipeline}");
    start.elapsed().as_secs_f64()
}

fn count(pg: &PostgresServer, table: &str) -> u64 {
    pg.psql(&format!("SELECT count(*) FROM {table}"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn report(what: &str, rows: u64, secs: f64, rss_kb: u64, reference: f64, how: &str) {
    println!("{what}:");
    println!(
        "  job: {secs:.2} s = {:.0} rows/s, peak RSS {:.1} MB",
        rows as f64 / secs,
        rss_kb as f64 / 1024.0
    );
    println!(
        "  reference ({how}): {reference:.2} s = {:.0} rows/s",
        rows as f64 / reference
    );
    println!("  job/reference throughput: {:.2}", reference / secs);
}
