//! The REST API over a real socket: a server on 127.0.0.1:0, a raw HTTP/1.1 client, real jobs
//! on the engine with the built-in connectors. What each endpoint answers is tested in-process
//! (`src/api/tests.rs`); here is what only a socket shows: bodies and queries as bytes on the
//! wire, response headers, connection counts, and the drain on shutdown.

use crate::http_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value as Json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use http_support::{assert_fail, get, multipart_file, parse_answer, post, send};
use seatunnel::api::{self, ApiSettings, ApiState, ConnectionLimits, NodeInfo};
use seatunnel::job::JobStatus;
use seatunnel::node::embedded::EmbeddedNode;

struct Server {
    addr: std::net::SocketAddr,
    state: Arc<ApiState>,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl Server {
    async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.unwrap();
    }
}

async fn start(context_path: &str) -> Server {
    start_with(context_path, ConnectionLimits::default()).await
}

async fn start_with(context_path: &str, limits: ConnectionLimits) -> Server {
    let shutdown = CancellationToken::new();
    let jobs = EmbeddedNode::start(
        EmbeddedNode::default_config(),
        Arc::new(seatunnel::connectors::registry()),
    )
    .await
    .unwrap()
    .into_background();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = ApiState::new(
        jobs,
        ApiSettings {
            context_path: context_path.into(),
            node: NodeInfo {
                host: "127.0.0.1".into(),
                port: addr.port(),
                http_port: addr.port(),
                is_master: true,
                is_worker: true,
            },
            tags: BTreeMap::new(),
            max_body_bytes: api::DEFAULT_MAX_BODY_BYTES,
            basic_auth: None,
            serve_v1: false,
            log_dir: None,
            limits,
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

/// FakeSource's five default rows into an Assert sink that allows no more than five.
fn job(mode: &str, name: &str) -> Json {
    json!({
        "env": {"job.mode": mode, "job.name": name, "checkpoint.interval": 60000},
        "source": [{"plugin_name": "FakeSource", "plugin_output": "fake",
                    "schema": {"fields": {"id": "int", "name": "string"}}}],
        "sink": [{"plugin_name": "Assert", "plugin_input": "fake",
                  "rules": {"row_rules": [{"rule_type": "MAX_ROW", "rule_value": 5}]}}]
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
async fn batch_and_streaming_jobs_over_http() {
    let s = start("").await;
    let a = post(
        s.addr,
        "/submit-job?jobId=1001",
        &job("BATCH", "fake_to_assert").to_string(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(
        a.json(),
        json!({"jobId": "1001", "jobName": "fake_to_assert"})
    );
    s.state.jobs.wait(1001).await.unwrap();
    let info = get(s.addr, "/job-info/1001").await.json();
    assert_eq!(info["jobStatus"], "FINISHED", "{info}");
    assert_eq!(info["metrics"]["SinkWriteCount"], "5");

    let a = post(
        s.addr,
        "/submit-job?jobId=2002&jobName=fake_to_file",
        &job("STREAMING", "env").to_string(),
    )
    .await;
    assert_eq!(a.json()["jobName"], "fake_to_file");
    running(&s, 2002).await;
    let one = get(s.addr, "/running-job/2002").await.json();
    assert_eq!(one["jobStatus"], "RUNNING");
    let a = post(
        s.addr,
        "/stop-job",
        r#"{"jobId": 2002, "isStopWithSavePoint": false}"#,
    )
    .await;
    assert_eq!(a.json(), json!({"jobId": "2002"}));
    s.state.jobs.wait(2002).await.unwrap();
    assert_eq!(
        get(s.addr, "/finished-jobs/CANCELED").await.json()[0]["jobId"],
        "2002"
    );
    // An ended job's checkpoint overview comes from history; a job no one knows is a 404 with
    // SeaTunnel's fail body.
    let a = get(s.addr, "/jobs/checkpoints/2002").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["jobId"], "2002", "{}", a.body);
    let a = get(s.addr, "/jobs/checkpoints/history/3003?limit=5").await;
    assert_eq!(a.status, 404, "{}", a.body);
    assert_eq!(a.json()["status"], "fail");
    assert!(a.json()["message"]
        .as_str()
        .unwrap()
        .contains("job 3003 is neither running nor in history"));
    assert_eq!(
        get(s.addr, "/jobs/checkpoints/history/2002?limit=x")
            .await
            .status,
        400
    );
    assert_eq!(get(s.addr, "/jobs/checkpoints/").await.status, 400);
    s.stop().await;
}

#[tokio::test]
async fn error_answers_over_http() {
    let s = start("").await;
    assert_fail(
        &post(s.addr, "/submit-job", "{oops").await,
        400,
        "Invalid JSON format in request body.",
    );
    assert_fail(
        &post(
            s.addr,
            "/stop-job",
            r#"{"jobId": 77, "isStopWithSavePoint": true}"#,
        )
        .await,
        500,
        "The job with id '77' not running, save point failed",
    );
    let a = get(s.addr, "/no-such-endpoint").await;
    assert_eq!(a.status, 404);
    assert!(a.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(get(s.addr, "/stop-job").await.status, 405);
    s.stop().await;
}

#[tokio::test]
async fn node_endpoints_under_a_context_path_over_http() {
    let s = start("/seatunnel/").await;
    assert_eq!(get(s.addr, "/overview").await.status, 404);
    assert_eq!(
        get(s.addr, "/seatunnel/overview").await.json()["workers"],
        "1"
    );
    let sys = get(s.addr, "/seatunnel/system-monitoring-information")
        .await
        .json();
    let node = sys[0].as_object().unwrap();
    assert_eq!(node["port"], s.addr.port().to_string());
    let open: usize = node["http.connection.active.count"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(open >= 1, "the asking connection is open");
    s.stop().await;
}

/// A member-port listener with V1 alone beside the V2 one, sharing the node's state.
#[tokio::test]
async fn a_v1_listener_serves_seatunnels_v1_paths_only() {
    let s = start("/st").await;
    let rest_api = seatunnel::config::RestApiConfig {
        enabled: true,
        endpoint_groups: [
            ("CLUSTER_WRITE".to_string(), true),
            ("DATA".to_string(), true),
        ]
        .into_iter()
        .collect(),
    };
    let routes = api::Routes::member_port(&rest_api).expect("V1 is on");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let v1 = listener.local_addr().unwrap();
    let task = tokio::spawn(api::serve_routes(
        listener,
        s.state.clone(),
        routes,
        s.shutdown.clone(),
    ));
    let a = post(
        v1,
        "/hazelcast/rest/maps/submit-job?jobId=5150",
        &job("BATCH", "v1_job").to_string(),
    )
    .await;
    assert_eq!(a.json(), json!({"jobId": "5150", "jobName": "v1_job"}));
    s.state.jobs.wait(5150).await.unwrap();
    let info = get(v1, "/hazelcast/rest/maps/job-info/5150").await;
    assert_eq!(info.json()["jobStatus"], "FINISHED");
    assert_eq!(info.json(), get(s.addr, "/st/job-info/5150").await.json());
    assert_fail(
        &post(v1, "/hazelcast/rest/maps/stop-job", "{}").await,
        400,
        "jobId cannot be empty.",
    );
    assert_eq!(
        get(v1, "/st/overview").await.status,
        404,
        "no V2 on the V1 listener"
    );
    assert_eq!(get(v1, "/overview").await.status, 404);
    assert_eq!(
        get(s.addr, "/hazelcast/rest/maps/overview").await.status,
        404,
        "no V1 on the V2 listener unless serve_v1"
    );
    s.stop().await;
    task.await.unwrap();
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
    let s = start("").await;
    let body = multipart_file(
        "b",
        "config_file",
        "fakesource_to_console.conf",
        FAKESOURCE_TO_CONSOLE,
    );
    // jobName "test测试", percent-encoded UTF-8, as ClusterSeaTunnelContainer sends it.
    let a = send(
        s.addr,
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

    let info = get(s.addr, "/job-info/733584788375666689").await.json();
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
    let finished = get(s.addr, "/finished-jobs/FINISHED").await.json();
    assert_eq!(finished[0]["jobName"], "test测试");
    assert_eq!(finished[0]["metrics"]["SinkWriteCount"], "5");
    s.stop().await;
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

/// How long a connection test waits for what should happen well within it; never reached when
/// the server behaves.
const DEADLINE: Duration = Duration::from_secs(30);
/// A timeout short enough for a quick test and long enough for a loaded machine to answer.
const SHORT: Duration = Duration::from_millis(300);
/// A timeout no test reaches.
const LONG: Duration = Duration::from_secs(600);

/// Reads until the server closes the connection and returns what it sent; fails the test if the
/// connection is still open at the deadline. A reset counts as closed.
async fn closed_by_server(stream: &mut TcpStream, what: &str) -> Vec<u8> {
    let mut raw = Vec::new();
    match tokio::time::timeout(DEADLINE, stream.read_to_end(&mut raw)).await {
        Ok(_) => raw,
        Err(_) => panic!("the server kept {what} open"),
    }
}

/// Waits until the server counts `n` open connections.
async fn open_connections(s: &Server, n: usize) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while s.state.connections() != n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} connections open, expected {n}",
            s.state.connections()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// One keep-alive request on `stream`, its answer read by its Content-Length.
async fn keep_alive_get(stream: &mut TcpStream, path: &str) -> http_support::Answer {
    let head = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before the answer was whole");
        raw.extend_from_slice(&chunk[..n]);
        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        if raw.len() >= end + 4 + length {
            return parse_answer(&raw);
        }
    }
}

#[tokio::test]
async fn a_half_sent_request_head_is_closed_after_the_header_read_timeout() {
    let s = start_with(
        "",
        ConnectionLimits {
            header_read_timeout: SHORT,
            idle_timeout: LONG,
            ..ConnectionLimits::default()
        },
    )
    .await;
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    stream
        .write_all(b"GET /overview HTTP/1.1\r\nHost: te")
        .await
        .unwrap();
    let sent = closed_by_server(&mut stream, "a half-sent request head").await;
    assert!(sent.is_empty(), "{}", String::from_utf8_lossy(&sent));
    open_connections(&s, 0).await;
    assert_eq!(get(s.addr, "/overview").await.status, 200);
    s.stop().await;
}

#[tokio::test]
async fn idle_keep_alive_and_stalled_body_connections_are_closed_after_the_idle_timeout() {
    let s = start_with(
        "",
        ConnectionLimits {
            header_read_timeout: LONG,
            idle_timeout: SHORT,
            ..ConnectionLimits::default()
        },
    )
    .await;
    let mut idle = TcpStream::connect(s.addr).await.unwrap();
    assert_eq!(keep_alive_get(&mut idle, "/overview").await.status, 200);
    let mut stalled = TcpStream::connect(s.addr).await.unwrap();
    stalled
        .write_all(b"POST /submit-job HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"env\": {")
        .await
        .unwrap();
    let (after_idle, after_stall) = tokio::join!(
        closed_by_server(&mut idle, "an idle keep-alive connection"),
        closed_by_server(&mut stalled, "a request whose body stopped half way"),
    );
    assert!(
        after_idle.is_empty(),
        "{}",
        String::from_utf8_lossy(&after_idle)
    );
    assert!(
        after_stall.is_empty(),
        "{}",
        String::from_utf8_lossy(&after_stall)
    );
    open_connections(&s, 0).await;
    s.stop().await;
}

#[tokio::test]
async fn beyond_the_cap_new_connections_are_closed_while_open_ones_are_served() {
    let s = start_with(
        "",
        ConnectionLimits {
            max_connections: 3,
            header_read_timeout: LONG,
            idle_timeout: LONG,
        },
    )
    .await;
    let mut open = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(s.addr).await.unwrap();
        assert_eq!(keep_alive_get(&mut stream, "/overview").await.status, 200);
        open.push(stream);
    }
    open_connections(&s, 3).await;
    let mut extra = TcpStream::connect(s.addr).await.unwrap();
    let sent = closed_by_server(&mut extra, "a connection beyond the cap").await;
    assert!(sent.is_empty(), "{}", String::from_utf8_lossy(&sent));
    for stream in &mut open {
        assert_eq!(
            keep_alive_get(stream, "/overview").await.status,
            200,
            "an earlier connection is still served"
        );
    }
    assert_eq!(s.state.connections(), 3);
    drop(open);
    open_connections(&s, 0).await;
    assert_eq!(get(s.addr, "/overview").await.status, 200, "room again");
    s.stop().await;
}
