//! The REST API over a real socket: a server on 127.0.0.1:0, a raw HTTP/1.1 client, real jobs
//! on the engine. Covers every endpoint's shape and error path as a client sees them, and the
//! drain on shutdown.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value as Json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use seatunnel::api::{self, ApiSettings, ApiState, NodeInfo};
use seatunnel::connector::*;
use seatunnel::coordinator::{CoordinatorSettings, JobManager};
use seatunnel::data::{Batch, DataType, Datum, Field, RowKind, TablePath, TableSchema};
use seatunnel::job::JobStatus;

/// `Rows`: `rows` bigint rows per reader into table `fake`.
struct Rows;
struct RowsSource {
    rows: usize,
    table: Arc<TableSchema>,
}
struct RowsReader {
    left: usize,
    table: Arc<TableSchema>,
}

impl SourceFactory for Rows {
    fn name(&self) -> &'static str {
        "Rows"
    }
    fn create(&self, _: &PluginContext, o: &Options) -> Result<Arc<dyn Source>, ConnectorError> {
        Ok(Arc::new(RowsSource {
            rows: o.i64_or("rows", 5)? as usize,
            table: TableSchema::new(
                TablePath::parse("fake"),
                vec![Field::new("n", DataType::BigInt)],
            ),
        }))
    }
}

impl Source for RowsSource {
    fn tables(&self) -> Vec<Arc<TableSchema>> {
        vec![self.table.clone()]
    }
    fn create_reader(&self, _: &ReaderContext) -> Result<Box<dyn SourceReader>, ConnectorError> {
        Ok(Box::new(RowsReader {
            left: self.rows,
            table: self.table.clone(),
        }))
    }
}

impl SourceReader for RowsReader {
    fn poll(&mut self, out: &mut Batch) -> Result<Poll, ConnectorError> {
        if self.left == 0 {
            return Ok(Poll::Finished);
        }
        out.reset(self.table.clone());
        out.begin_row(RowKind::Insert);
        out.push(Datum::BigInt(self.left as i64));
        self.left -= 1;
        Ok(Poll::Emitted)
    }
}

/// `Discard`: accepts every row.
struct Discard;
struct DiscardSink;
struct DiscardWriter;

impl SinkFactory for Discard {
    fn name(&self) -> &'static str {
        "Discard"
    }
    fn create(&self, _: &PluginContext, _: &Options) -> Result<Arc<dyn Sink>, ConnectorError> {
        Ok(Arc::new(DiscardSink))
    }
}

impl Sink for DiscardSink {
    fn create_writer(&self, _: &WriterContext) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        Ok(Box::new(DiscardWriter))
    }
}

impl SinkWriter for DiscardWriter {
    fn write(&mut self, _: &Batch) -> Result<(), ConnectorError> {
        Ok(())
    }
    fn prepare_commit(&mut self) -> Result<Option<CommitInfo>, ConnectorError> {
        Ok(None)
    }
}

struct Server {
    addr: std::net::SocketAddr,
    state: Arc<ApiState>,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

async fn start(context_path: &str) -> Server {
    start_with(
        context_path,
        Registry::empty().with_source(Rows).with_sink(Discard),
    )
    .await
}

async fn start_with(context_path: &str, registry: Registry) -> Server {
    let shutdown = CancellationToken::new();
    let registry = Arc::new(registry);
    let jobs = JobManager::new(
        registry,
        CoordinatorSettings::default(),
        shutdown.child_token(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = ApiState::new(
        jobs,
        ApiSettings {
            context_path: context_path.into(),
            node: NodeInfo {
                host: "127.0.0.1".into(),
                port: addr.port(),
                is_master: true,
                is_worker: true,
            },
            tags: BTreeMap::new(),
            max_body_bytes: api::DEFAULT_MAX_BODY_BYTES,
            basic_auth: None,
        },
    );
    let task = tokio::spawn(api::serve(listener, state.clone(), shutdown.clone()));
    Server {
        addr,
        state,
        shutdown,
        task,
    }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn json(&self) -> Json {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn request_text(method: &str, path: &str, content_type: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn parse_answer(raw: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

async fn send(
    s: &Server,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Answer {
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    stream
        .write_all(&request_text(method, path, content_type, body))
        .await
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    parse_answer(&raw)
}

async fn get(s: &Server, path: &str) -> Answer {
    send(s, "GET", path, None, b"").await
}

async fn post(s: &Server, path: &str, body: &str) -> Answer {
    send(s, "POST", path, Some("application/json"), body.as_bytes()).await
}

fn assert_fail(a: &Answer, status: u16, message: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(
        a.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(a.json(), json!({"status": "fail", "message": message}));
}

fn job(mode: &str, name: &str) -> Json {
    json!({
        "env": {"job.mode": mode, "job.name": name, "checkpoint.interval": 60000},
        "source": [{"plugin_name": "Rows", "rows": 5, "plugin_output": "fake"}],
        "sink": [{"plugin_name": "Discard", "plugin_input": "fake"}]
    })
}

async fn running(s: &Server, id: i64) {
    let mut status = s.state.jobs.watch_status(id).expect("job runs");
    status
        .wait_for(|st| *st == JobStatus::Running)
        .await
        .unwrap();
}

#[tokio::test]
async fn job_lifecycle_over_http() {
    let s = start("").await;
    let a = post(
        &s,
        "/submit-job?jobId=1001",
        &job("BATCH", "fake_to_console").to_string(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(
        a.json(),
        json!({"jobId": "1001", "jobName": "fake_to_console"})
    );
    s.state.jobs.wait(1001).await.unwrap();

    let info = get(&s, "/job-info/1001").await.json();
    assert_eq!(info["jobStatus"], "FINISHED");
    assert_eq!(info["metrics"]["SourceReceivedCount"], "5");
    assert_eq!(info["metrics"]["SinkWriteCount"], "5");
    assert_eq!(info["metrics"]["TableSourceReceivedCount"]["fake"], "5");
    assert_eq!(info["metrics"]["TableSinkWriteCount"]["fake"], "5");
    assert_eq!(
        info["jobDag"]["pipelineEdges"]["1"][0]["inputVertexId"],
        "1"
    );
    assert_eq!(
        info["jobDag"]["pipelineEdges"]["1"][0]["targetVertexId"],
        "2"
    );
    assert_eq!(info["jobDag"]["vertexInfoMap"][0]["vertexId"], 1);
    assert_eq!(
        info["jobDag"]["vertexInfoMap"][0]["vertexName"],
        "pipeline-1 [Source[0]-Rows]"
    );
    assert_eq!(
        info["jobDag"]["vertexInfoMap"][1]["vertexName"],
        "pipeline-1 [Sink[0]-Discard-MultiTableSink]"
    );
    assert_eq!(info["jobDag"]["vertexInfoMap"][0]["tablePaths"][0], "fake");
    assert_eq!(info["jobDag"]["envOptions"]["job.mode"], "BATCH");
    assert_eq!(info["errorMsg"], Json::Null);
    let finished = get(&s, "/finished-jobs/FINISHED").await.json();
    assert_eq!(finished[0]["jobId"], "1001");
    assert_eq!(finished[0]["metrics"]["SourceReceivedCount"], "5");
    assert_eq!(get(&s, "/finished-jobs/").await.json(), finished);

    let a = post(
        &s,
        "/submit-job?jobId=2002&jobName=fake_to_file",
        &job("STREAMING", "env").to_string(),
    )
    .await;
    assert_eq!(a.json()["jobName"], "fake_to_file");
    running(&s, 2002).await;
    let list = get(&s, "/running-jobs").await.json();
    assert_eq!(list[0]["jobId"], "2002");
    assert_eq!(list[0]["jobStatus"], "RUNNING");
    assert_eq!(list[0]["envOptions"]["job.mode"], "STREAMING");
    let one = get(&s, "/running-job/2002").await.json();
    assert_eq!(one["jobName"], "fake_to_file");
    assert_eq!(one["jobStatus"], "RUNNING");
    let overview = get(&s, "/overview").await.json();
    assert_eq!(overview["runningJobs"], "1");
    assert_eq!(overview["finishedJobs"], "1");

    let a = post(
        &s,
        "/stop-job",
        r#"{"jobId": 2002, "isStopWithSavePoint": false}"#,
    )
    .await;
    assert_eq!(a.json(), json!({"jobId": "2002"}));
    s.state.jobs.wait(2002).await.unwrap();
    assert_eq!(
        get(&s, "/finished-jobs/CANCELED").await.json()[0]["jobId"],
        "2002"
    );
    assert_eq!(get(&s, "/overview").await.json()["cancelledJobs"], "1");

    let mut a = job("STREAMING", "a");
    a["params"] = json!({"jobId": "3001"});
    let mut b = job("STREAMING", "b");
    b["params"] = json!({"jobId": "3002", "jobName": "bee"});
    let r = post(&s, "/submit-jobs", &json!([a, b]).to_string()).await;
    assert_eq!(
        r.json(),
        json!([{"jobId": "3001", "jobName": "a"}, {"jobId": "3002", "jobName": "bee"}])
    );
    running(&s, 3001).await;
    running(&s, 3002).await;
    let r = post(&s, "/stop-jobs", r#"[{"jobId": 3001}, {"jobId": 3002}]"#).await;
    assert_eq!(r.json(), json!([{"jobId": 3001}, {"jobId": 3002}]));
    s.state.jobs.wait(3002).await.unwrap();

    let body = format!(
        "--b0undary\r\nContent-Disposition: form-data; name=\"config_file\"; filename=\"job.json\"\r\nContent-Type: application/json\r\n\r\n{}\r\n--b0undary--\r\n",
        job("BATCH", "uploaded")
    );
    let r = send(
        &s,
        "POST",
        "/submit-job/upload",
        Some("multipart/form-data; boundary=b0undary"),
        body.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["jobName"], "uploaded");

    s.shutdown.cancel();
    s.task.await.unwrap();
}

#[tokio::test]
async fn every_error_path_over_http() {
    let s = start("").await;
    assert_fail(
        &post(&s, "/submit-job", "").await,
        400,
        "Request body is empty.",
    );
    assert_fail(
        &post(&s, "/submit-job", "{oops").await,
        400,
        "Invalid JSON format in request body.",
    );
    assert_fail(
        &post(&s, "/submit-job?isStartWithSavePoint=true", "{}").await,
        400,
        "Please provide jobId when start with save point.",
    );
    assert_fail(
        &get(&s, "/job-info/").await,
        400,
        "The jobId must not be empty.",
    );
    assert_fail(
        &get(&s, "/running-job/").await,
        400,
        "The jobId must not be empty.",
    );
    assert_fail(
        &post(&s, "/stop-job", r#"{"isStopWithSavePoint": false}"#).await,
        400,
        "jobId cannot be empty.",
    );
    assert_fail(
        &post(&s, "/update-tags", "").await,
        400,
        "Request body is empty.",
    );
    assert_fail(
        &post(&s, "/encrypt-config", "").await,
        400,
        "Request body is empty.",
    );
    assert_fail(
        &post(
            &s,
            "/stop-job",
            r#"{"jobId": 77, "isStopWithSavePoint": true}"#,
        )
        .await,
        500,
        "The job with id '77' not running, save point failed",
    );
    let a = post(&s, "/stop-job", r#"{"jobId": 77}"#).await;
    assert_eq!((a.status, a.json()), (200, json!({"jobId": "77"})));
    let a = get(&s, "/job-info/123").await;
    assert_eq!((a.status, a.json()), (200, json!({"jobId": "123"})));

    let ok = post(&s, "/submit-job?jobId=5", &job("BATCH", "x").to_string()).await;
    assert_eq!(ok.status, 200);
    s.state.jobs.wait(5).await.unwrap();
    assert_fail(
        &post(&s, "/submit-job?jobId=5", &job("BATCH", "x").to_string()).await,
        500,
        "The job id 5 has already been submitted and is not starting with a savepoint.",
    );
    let mut bad = job("BATCH", "x");
    bad["sink"][0]["plugin_name"] = json!("Nowhere");
    assert_fail(
        &post(&s, "/submit-job", &bad.to_string()).await,
        500,
        "unknown sink plugin 'Nowhere'; known sink plugins: Discard",
    );

    let a = get(&s, "/no-such-endpoint").await;
    assert_eq!(a.status, 404);
    assert!(a.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(get(&s, "/stop-job").await.status, 405);
    assert_eq!(post(&s, "/running-jobs", "").await.status, 405);

    s.shutdown.cancel();
    s.task.await.unwrap();
}

#[tokio::test]
async fn node_endpoints_and_context_path_over_http() {
    let s = start("/seatunnel/").await;
    assert_eq!(get(&s, "/overview").await.status, 404);
    let o = get(&s, "/seatunnel/overview").await.json();
    assert_eq!(o["workers"], "1");
    assert_eq!(o["totalSlot"], "0");
    assert_eq!(o["unassignedSlot"], "0");
    let a = post(&s, "/seatunnel/update-tags", r#"{"zone": "a"}"#).await;
    assert_eq!(
        a.json(),
        json!({"status": "success", "message": "update node tags done."})
    );
    assert_eq!(
        get(&s, "/seatunnel/overview?zone=a").await.json()["workers"],
        "1"
    );
    assert_eq!(
        get(&s, "/seatunnel/overview?zone=b").await.json()["workers"],
        "0"
    );

    let sys = get(&s, "/seatunnel/system-monitoring-information")
        .await
        .json();
    let node = sys[0].as_object().unwrap();
    assert!(node.values().all(Json::is_string));
    assert_eq!(node["port"], s.addr.port().to_string());
    assert_eq!(node["isMaster"], "true");
    let open: usize = node["http.connection.active.count"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(open >= 1, "the asking connection is open");

    let dump = get(&s, "/seatunnel/thread-dump").await.json();
    assert!(!dump.as_array().unwrap().is_empty());
    for t in dump.as_array().unwrap() {
        assert!(t["threadName"].is_string() && t["threadId"].is_u64());
        assert!(t["threadState"].is_string() && t["stackTrace"].is_string());
    }
    let h = get(&s, "/seatunnel/health").await.json();
    assert_eq!(
        (h["status"].clone(), h["ready"].clone()),
        (json!("UP"), json!(true))
    );

    s.shutdown.cancel();
    s.task.await.unwrap();
}

#[tokio::test]
async fn hocon_submit_and_encrypt_config_over_http() {
    let s = start("").await;
    let hocon =
        "env { job.name = \"hocon_job\" }\nsource { Rows { rows = 2 } }\nsink { Discard {} }\n";
    let a = send(
        &s,
        "POST",
        "/submit-job?format=hocon&jobId=606",
        Some("text/plain"),
        hocon.as_bytes(),
    )
    .await;
    assert_eq!(a.json(), json!({"jobId": "606", "jobName": "hocon_job"}));
    assert_eq!(
        s.state.jobs.wait(606).await.unwrap().status,
        JobStatus::Finished
    );
    let config = json!({
        "env": {"shade.identifier": "base64"},
        "source": [{"plugin_name": "MySQL-CDC", "username": "seatunnel", "password": "seatunnel_password"}],
        "sink": [{"plugin_name": "Console"}]
    });
    let a = post(&s, "/encrypt-config", &config.to_string()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["source"][0]["username"], "c2VhdHVubmVs");
    assert_eq!(
        a.json()["source"][0]["password"],
        "c2VhdHVubmVsX3Bhc3N3b3Jk"
    );
    s.shutdown.cancel();
    s.task.await.unwrap();
}

/// SeaTunnel's `fakesource_to_console.conf`, as RestApiIT and ClusterSeaTunnelContainer submit it.
const FAKESOURCE_TO_CONSOLE: &str = r#"
env {
  job.mode = "BATCH"
}
source {
  FakeSource {
    result_table_name = "fake"
    schema {
      fields {
        id = "int"
        name = "string"
        age = "int"
      }
    }
  }
}
sink {
  console {
  }
}
"#;

#[tokio::test]
async fn built_in_connectors_answer_what_seatunnels_rest_tests_assert() {
    let s = start_with("", seatunnel::connectors::registry()).await;
    let body = format!(
        "--b\r\nContent-Disposition: form-data; name=\"config_file\"; filename=\"fakesource_to_console.conf\"\r\n\r\n{FAKESOURCE_TO_CONSOLE}\r\n--b--\r\n"
    );
    // jobName "test测试", percent-encoded UTF-8, as ClusterSeaTunnelContainer sends it.
    let a = send(
        &s,
        "POST",
        "/submit-job/upload?jobId=733584788375666689&jobName=test%E6%B5%8B%E8%AF%95",
        Some("multipart/form-data; boundary=b"),
        body.as_bytes(),
    )
    .await;
    assert_eq!(
        a.json(),
        json!({"jobId": "733584788375666689", "jobName": "test测试"})
    );
    let done = s.state.jobs.wait(733584788375666689).await.unwrap();
    assert_eq!(done.status, JobStatus::Finished, "{:?}", done.error);

    let info = get(&s, "/job-info/733584788375666689").await.json();
    assert_eq!(info["jobStatus"], "FINISHED");
    assert_eq!(info["errorMsg"], Json::Null);
    let dag = &info["jobDag"];
    assert_eq!(dag["pipelineEdges"]["1"][0]["inputVertexId"], "1");
    assert_eq!(dag["pipelineEdges"]["1"][0]["targetVertexId"], "2");
    assert_eq!(
        dag["vertexInfoMap"][0]["vertexName"],
        "pipeline-1 [Source[0]-FakeSource]"
    );
    assert_eq!(
        dag["vertexInfoMap"][1]["vertexName"],
        "pipeline-1 [Sink[0]-console-MultiTableSink]"
    );
    assert_eq!(dag["vertexInfoMap"][0]["tablePaths"][0], "fake");
    assert_eq!(dag["envOptions"]["job.mode"], "BATCH");
    let m = &info["metrics"];
    assert_eq!(m["SourceReceivedCount"], "5");
    assert_eq!(m["SinkWriteCount"], "5");
    assert_eq!(m["TableSourceReceivedCount"]["fake"], "5");
    assert_eq!(m["TableSinkWriteCount"]["fake"], "5");
    let finished = get(&s, "/finished-jobs/FINISHED").await.json();
    assert_eq!(finished[0]["jobName"], "test测试");
    assert_eq!(finished[0]["metrics"]["SinkWriteCount"], "5");
    s.shutdown.cancel();
    s.task.await.unwrap();
}

#[tokio::test]
async fn shutdown_stops_accepting_and_finishes_requests_in_flight() {
    let s = start("").await;
    // A request whose body is still to come when shutdown starts: with `Expect: 100-continue`
    // the server says "100 Continue" only once the handler reads the body, which proves the
    // request is in flight.
    let body = br#"{"jobId": 1}"#;
    let head = format!(
        "POST /stop-job HTTP/1.1\r\nHost: test\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut interim = Vec::new();
    while !interim.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        assert_eq!(
            stream.read(&mut byte).await.unwrap(),
            1,
            "connection closed early"
        );
        interim.push(byte[0]);
    }
    assert!(String::from_utf8_lossy(&interim).starts_with("HTTP/1.1 100"));
    s.shutdown.cancel();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let a = parse_answer(&raw);
    assert_eq!((a.status, a.json()), (200, json!({"jobId": "1"})));
    tokio::time::timeout(Duration::from_secs(30), s.task)
        .await
        .expect("serve returns after the drain")
        .unwrap();
    assert!(
        TcpStream::connect(s.addr).await.is_err(),
        "the listener is closed"
    );
}
