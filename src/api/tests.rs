//! Every endpoint in-process: requests go through [`handle`] to a real [`JobManager`] running
//! real jobs on the engine, with the small plugins of `coordinator::test_plugins`.

use std::collections::BTreeMap;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::CONTENT_TYPE;
use hyper::{Method, Request, StatusCode};
use serde_json::{json, Value as Json};
use tokio_util::sync::CancellationToken;

use super::*;
use crate::coordinator::test_plugins::registry;
use crate::coordinator::JobManager;
use crate::job::JobStatus;
use crate::node::embedded::EmbeddedNode;

async fn state_with(context_path: &str) -> Arc<ApiState> {
    state_full(context_path, None).await
}

/// A real job manager on the test plugins: an embedded node's, running until the test ends.
async fn jobs() -> JobManager {
    EmbeddedNode::start(EmbeddedNode::default_config(), registry())
        .await
        .unwrap()
        .into_background()
}

/// The settings every in-process test starts from: V2 only, no auth, no job log directory.
fn settings(context_path: &str) -> ApiSettings {
    ApiSettings {
        context_path: context_path.into(),
        node: NodeInfo {
            host: "localhost".into(),
            port: 5801,
            http_port: 8080,
            is_master: true,
            is_worker: true,
        },
        tags: [("node".to_string(), "node1".to_string())]
            .into_iter()
            .collect(),
        max_body_bytes: 64 * 1024,
        basic_auth: None,
        serve_v1: false,
        log_dir: None,
        limits: crate::api::ConnectionLimits::default(),
    }
}

async fn state_full(context_path: &str, basic_auth: Option<BasicAuth>) -> Arc<ApiState> {
    ApiState::new(
        jobs().await,
        ApiSettings {
            basic_auth,
            ..settings(context_path)
        },
    )
}

async fn state() -> Arc<ApiState> {
    state_with("").await
}

struct Answer {
    status: StatusCode,
    content_type: String,
    text: String,
}

impl Answer {
    fn json(&self) -> Json {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

async fn call(
    state: &Arc<ApiState>,
    method: Method,
    uri: &str,
    content_type: Option<&str>,
    body: impl Into<Bytes>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        req = req.header(CONTENT_TYPE, ct);
    }
    let req = req.body(Full::new(body.into())).unwrap();
    let reply = handle(state.clone(), req).await;
    let status = reply.status();
    let content_type = reply
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = reply.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        content_type,
        text: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn get(state: &Arc<ApiState>, uri: &str) -> Answer {
    call(state, Method::GET, uri, None, "").await
}

async fn post(state: &Arc<ApiState>, uri: &str, body: &str) -> Answer {
    call(state, Method::POST, uri, None, body.to_string()).await
}

/// Five `Rows` into `Discard` under `env`.
fn rows_job(env: Json) -> Json {
    json!({
        "env": env,
        "source": [{"plugin_name": "Rows", "rows": 5, "plugin_output": "fake"}],
        "sink": [{"plugin_name": "Discard", "plugin_input": "fake"}]
    })
}

fn batch_job() -> Json {
    rows_job(json!({"parallelism": 1, "job.mode": "BATCH", "job.name": "env_name"}))
}

fn streaming_job() -> Json {
    rows_job(json!({"job.mode": "STREAMING", "checkpoint.interval": 60000}))
}

/// A multipart body with one file field under boundary `XyZ`, as curl uploads a job file.
fn upload(field: &str, file_name: &str, data: &str) -> String {
    format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n\r\n{data}\r\n--XyZ--\r\n"
    )
}

const UPLOAD_CONTENT_TYPE: &str = "multipart/form-data; boundary=XyZ";

fn assert_fail(a: &Answer, status: u16, message: &str) {
    assert_eq!(a.status.as_u16(), status, "{}", a.text);
    assert_eq!(a.content_type, "application/json;charset=UTF-8");
    assert_eq!(a.json(), json!({"status": "fail", "message": message}));
}

/// The id a successful submit answers.
fn job_id(a: &Answer) -> i64 {
    assert_eq!(a.status, 200, "{}", a.text);
    a.json()["jobId"].as_str().unwrap().parse().unwrap()
}

async fn submit(state: &Arc<ApiState>, query: &str, job: &Json) -> i64 {
    job_id(&post(state, &format!("/submit-job{query}"), &job.to_string()).await)
}

async fn wait_running(state: &Arc<ApiState>, id: i64) {
    let mut status = state.jobs.watch_status(id).unwrap();
    status.wait_for(|s| *s == JobStatus::Running).await.unwrap();
}

#[tokio::test]
async fn batch_job_through_submit_job_info_and_finished_jobs() {
    let s = state().await;
    let a = post(
        &s,
        "/submit-job?jobName=from_query",
        &batch_job().to_string(),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.content_type, "application/json");
    assert_eq!(a.json()["jobName"], "from_query");
    let id = job_id(&a);
    s.jobs.wait(id).await.unwrap();

    let info = get(&s, &format!("/job-info/{id}")).await.json();
    assert_eq!(info["jobId"], id.to_string());
    assert_eq!(info["jobStatus"], "FINISHED");
    assert_eq!(info["errorMsg"], Json::Null);
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
    assert_eq!(info["jobDag"]["vertexInfoMap"][1]["type"], "sink");
    assert_eq!(info["jobDag"]["vertexInfoMap"][0]["tablePaths"][0], "fake");
    assert_eq!(info["jobDag"]["envOptions"]["job.mode"], "BATCH");
    assert_eq!(info["createTime"].as_str().unwrap().len(), 19);
    assert_eq!(info["finishTime"].as_str().unwrap().len(), 19);
    assert_eq!(get(&s, &format!("/running-job/{id}")).await.json(), info);

    let finished = get(&s, "/finished-jobs/FINISHED").await.json();
    assert_eq!(finished.as_array().unwrap().len(), 1);
    assert_eq!(finished[0]["jobName"], "from_query");
    assert_eq!(finished[0]["pluginJarsUrls"], json!([]));
    assert_eq!(finished[0]["metrics"]["SourceReceivedCount"], "5");
    assert_eq!(get(&s, "/finished-jobs/").await.json(), finished);
    assert_eq!(get(&s, "/finished-jobs/finished").await.json(), finished);
    assert_eq!(get(&s, "/finished-jobs/CANCELED").await.json(), json!([]));

    let overview = get(&s, "/overview").await.json();
    assert_eq!(overview["finishedJobs"], "1");
    assert_eq!(overview["runningJobs"], "0");
}

#[tokio::test]
async fn streaming_job_is_listed_running_and_stops_as_canceled() {
    let s = state().await;
    let id = submit(&s, "?jobId=4242", &streaming_job()).await;
    assert_eq!(id, 4242);
    wait_running(&s, id).await;

    let running = get(&s, "/running-jobs").await.json();
    assert_eq!(running.as_array().unwrap().len(), 1);
    let job = &running[0];
    assert_eq!(job["jobId"], "4242");
    assert_eq!(job["jobName"], "SeaTunnel_Job");
    assert_eq!(job["jobStatus"], "RUNNING");
    assert_eq!(job["envOptions"]["job.mode"], "STREAMING");
    assert_eq!(job["isStartWithSavePoint"], false);
    assert_eq!(job["pluginJarsUrls"], json!([]));
    assert!(job.get("finishTime").is_none());
    assert_eq!(job["jobDag"]["jobId"], "4242");
    assert_eq!(
        get(&s, "/job-info/4242").await.json()["jobStatus"],
        "RUNNING"
    );
    assert_eq!(get(&s, "/overview").await.json()["runningJobs"], "1");

    // Resubmitting a running id answers success and starts nothing.
    let again = post(&s, "/submit-job?jobId=4242", &streaming_job().to_string()).await;
    assert_eq!(again.status, 200);
    assert_eq!(
        get(&s, "/running-jobs")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let a = post(&s, "/stop-job", r#"{"jobId": "4242"}"#).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json(), json!({"jobId": "4242"}));
    s.jobs.wait(id).await.unwrap();
    let canceled = get(&s, "/finished-jobs/CANCELED").await.json();
    assert_eq!(canceled[0]["jobId"], "4242");
    assert_eq!(canceled[0]["jobStatus"], "CANCELED");
    assert_eq!(get(&s, "/overview").await.json()["cancelledJobs"], "1");
}

#[tokio::test]
async fn submit_errors() {
    let s = state().await;
    assert_fail(
        &post(&s, "/submit-job", "").await,
        400,
        "Request body is empty.",
    );
    assert_fail(
        &post(&s, "/submit-job", "{not json").await,
        400,
        "Invalid JSON format in request body.",
    );
    assert_fail(
        &post(&s, "/submit-job?isStartWithSavePoint=true", "").await,
        400,
        "Please provide jobId when start with save point.",
    );
    let a = post(
        &s,
        "/submit-job?jobId=9&isStartWithSavePoint=true",
        &batch_job().to_string(),
    )
    .await;
    // A restore of an id with nothing kept runs the job afresh under that id, as SeaTunnel does.
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["jobId"], "9");
    assert_eq!(
        s.jobs.wait(9).await.map(|j| j.status),
        Some(JobStatus::Finished)
    );

    let id = submit(&s, "?jobId=10", &batch_job()).await;
    s.jobs.wait(id).await.unwrap();
    assert_fail(
        &post(&s, "/submit-job?jobId=10", &batch_job().to_string()).await,
        500,
        "The job id 10 has already been submitted and is not starting with a savepoint.",
    );

    let mut bad = batch_job();
    bad["source"][0]["plugin_name"] = json!("Missing");
    assert_fail(
        &post(&s, "/submit-job", &bad.to_string()).await,
        500,
        "unknown source plugin 'Missing'; known source plugins: Rows",
    );
    let mut bad = batch_job();
    bad["sink"][0]["plugin_name"] = json!("Nowhere");
    assert_fail(
        &post(&s, "/submit-job", &bad.to_string()).await,
        500,
        "unknown sink plugin 'Nowhere'; known sink plugins: Discard",
    );
    let a = post(&s, "/submit-job", r#"{"env": {}}"#).await;
    assert_eq!(a.status, 500);
    assert!(a.text.contains("'source' is required"));
    assert_eq!(post(&s, "/submit-job?jobId=x1", "{}").await.status, 400);
    assert_eq!(post(&s, "/submit-job?format=yaml", "{}").await.status, 400);
    let a = post(&s, "/submit-job?format=sql", "SELECT 1").await;
    assert_eq!(a.status, 500);
    assert!(a.text.contains("not supported: SQL"));
}

#[tokio::test]
async fn submit_jobs_and_stop_jobs_keep_input_order() {
    let s = state().await;
    let mut first = streaming_job();
    first["params"] = json!({"jobId": "501", "jobName": "first"});
    let mut second = streaming_job();
    second["params"] = json!({"jobId": 502, "jobName": "second"});
    let a = post(&s, "/submit-jobs", &json!([first, second]).to_string()).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.json(),
        json!([{"jobId": "501", "jobName": "first"}, {"jobId": "502", "jobName": "second"}])
    );
    wait_running(&s, 501).await;
    wait_running(&s, 502).await;
    let a = post(&s, "/stop-jobs", r#"[{"jobId": 502}, {"jobId": "501"}]"#).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json(), json!([{"jobId": 502}, {"jobId": 501}]));
    s.jobs.wait(501).await.unwrap();
    s.jobs.wait(502).await.unwrap();
    assert_eq!(
        get(&s, "/finished-jobs/CANCELED")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(post(&s, "/submit-jobs", "{}").await.status, 400);
    assert_eq!(post(&s, "/submit-jobs", "[1]").await.status, 400);
    assert_fail(
        &post(&s, "/submit-jobs", "").await,
        400,
        "Request body is empty.",
    );
    assert_eq!(post(&s, "/stop-jobs", "{}").await.status, 400);
}

#[tokio::test]
async fn stop_errors_and_unknown_ids() {
    let s = state().await;
    assert_fail(
        &post(&s, "/stop-job", "{}").await,
        400,
        "jobId cannot be empty.",
    );
    assert_fail(
        &post(&s, "/stop-job", "").await,
        400,
        "Request body is empty.",
    );
    let a = post(&s, "/stop-job", r#"{"jobId": 5}"#).await;
    assert_eq!((a.status.as_u16(), a.json()), (200, json!({"jobId": "5"})));
    assert_fail(
        &post(
            &s,
            "/stop-job",
            r#"{"jobId": 5, "isStopWithSavePoint": "true"}"#,
        )
        .await,
        500,
        "The job with id '5' not running, save point failed",
    );
    assert_eq!(post(&s, "/stop-job", "[1]").await.status, 400);

    let a = get(&s, "/job-info/123").await;
    assert_eq!(
        (a.status.as_u16(), a.json()),
        (200, json!({"jobId": "123"}))
    );
    let a = get(&s, "/running-job/123").await;
    assert_eq!(a.json(), json!({"jobId": "123"}));
    assert_fail(
        &get(&s, "/job-info/").await,
        400,
        "The jobId must not be empty.",
    );
    for empty in ["/running-job", "/running-job/"] {
        assert_fail(&get(&s, empty).await, 400, "The jobId must not be empty.");
    }
    assert_eq!(get(&s, "/job-info/abc").await.status, 400);
}

#[tokio::test]
async fn upload_picks_the_format_from_the_file_name() {
    let s = state().await;
    let a = call(
        &s,
        Method::POST,
        "/submit-job/upload?jobName=uploaded",
        Some(UPLOAD_CONTENT_TYPE),
        upload("config_file", "job.json", &batch_job().to_string()),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["jobName"], "uploaded");
    let id = job_id(&a);
    assert_eq!(s.jobs.wait(id).await.unwrap().status, JobStatus::Finished);

    let a = call(
        &s,
        Method::POST,
        "/submit-job/upload",
        Some(UPLOAD_CONTENT_TYPE),
        upload("other", "job.json", "{}"),
    )
    .await;
    assert_eq!(a.status, 400);
    assert!(a.text.contains("config_file"));
    let a = call(
        &s,
        Method::POST,
        "/submit-job/upload",
        Some(UPLOAD_CONTENT_TYPE),
        upload("config_file", "job.sql", "SELECT 1"),
    )
    .await;
    assert_eq!(a.status, 500);
    assert!(a.text.contains("not supported: SQL"));
    let a = call(
        &s,
        Method::POST,
        "/submit-job/upload",
        Some("application/json"),
        "{}",
    )
    .await;
    assert_eq!(a.status, 400);
}

#[tokio::test]
async fn overview_tags_and_update_tags() {
    let s = state().await;
    let o = get(&s, "/overview").await.json();
    for key in [
        "projectVersion",
        "gitCommitAbbrev",
        "totalSlot",
        "unassignedSlot",
        "workers",
        "runningJobs",
        "finishedJobs",
        "failedJobs",
        "cancelledJobs",
    ] {
        assert!(o[key].is_string(), "{key} in {o}");
    }
    assert_eq!(o["projectVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(o["totalSlot"], "0");
    assert_eq!(o["workers"], "1");
    assert_eq!(get(&s, "/overview?node=node1").await.json()["workers"], "1");
    assert_eq!(get(&s, "/overview?node=node2").await.json()["workers"], "0");

    assert_fail(
        &post(&s, "/update-tags", "").await,
        400,
        "Request body is empty.",
    );
    assert_fail(
        &post(&s, "/update-tags", "[1]").await,
        400,
        "Invalid JSON format in request body.",
    );
    let a = post(&s, "/update-tags", r#"{"node": "node2", "n": 1}"#).await;
    assert_eq!(
        a.json(),
        json!({"status": "success", "message": "update node tags done."})
    );
    let expected: BTreeMap<String, String> =
        [("n".into(), "1".into()), ("node".into(), "node2".into())]
            .into_iter()
            .collect();
    assert_eq!(s.tags(), expected);
    assert_eq!(get(&s, "/overview?node=node2").await.json()["workers"], "1");
    let a = call(&s, Method::PUT, "/update-tags", None, "{}").await;
    assert_eq!(a.status, 200);
    assert_eq!(get(&s, "/overview?node=node2").await.json()["workers"], "0");
}

#[tokio::test]
async fn system_endpoints_report_this_process() {
    let s = state().await;
    let info = get(&s, "/system-monitoring-information").await.json();
    let node = info[0].as_object().unwrap();
    for key in [
        "processors",
        "physical.memory.total",
        "physical.memory.free",
        "heap.memory.used",
        "heap.memory.total",
        "heap.memory.used/total",
        "load.process",
        "load.system",
        "load.systemAverage",
        "thread.count",
        "host",
        "port",
        "isMaster",
    ] {
        assert!(
            node.get(key).is_some_and(Json::is_string),
            "{key} in {node:?}"
        );
    }
    assert!(node.values().all(Json::is_string));
    assert_eq!(node["host"], "localhost");
    assert!(node["load.process"].as_str().unwrap().ends_with('%'));
    let threads: usize = node["thread.count"].as_str().unwrap().parse().unwrap();
    assert!(threads >= 1);

    let dump = get(&s, "/thread-dump").await.json();
    let first = &dump[0];
    assert!(first["threadName"].is_string());
    assert!(first["threadId"].is_u64());
    assert!(first["threadState"].is_string());
    assert!(first["stackTrace"].is_string());
    assert!(dump
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["threadState"] == "RUNNABLE"));

    let health = get(&s, "/health").await.json();
    assert_eq!(health["status"], "UP");
    assert_eq!(health["live"], true);
    assert_eq!(health["ready"], true);
}

/// A master whose Raft core stopped (a full disk): not active, and no longer serving.
struct StoppedMaster;

impl ActiveMaster for StoppedMaster {
    fn route(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = JobRoute> + Send + '_>> {
        Box::pin(std::future::ready(JobRoute::Unavailable(
            "raft stopped".into(),
        )))
    }

    fn is_active(&self) -> bool {
        false
    }

    fn is_serving(&self) -> bool {
        false
    }
}

#[tokio::test]
async fn health_is_down_on_a_master_whose_raft_stopped() {
    let s = state_with("").await;
    s.set_active_master(Arc::new(StoppedMaster));
    let health = get(&s, "/health").await.json();
    assert_eq!(health["status"], "DOWN");
    assert_eq!(health["ready"], false);
    assert_eq!(health["live"], true, "the process still answers");
}

#[tokio::test]
async fn unknown_paths_methods_and_context_path() {
    let s = state_with("/seatunnel").await;
    let a = get(&s, "/seatunnel/nope").await;
    assert_eq!(a.status, 404);
    assert!(a.content_type.starts_with("text/html"));
    assert_eq!(get(&s, "/overview").await.status, 404);
    assert_eq!(get(&s, "/seatunnel/overview").await.status, 200);
    let a = get(&s, "/seatunnel/submit-job").await;
    assert_eq!(a.status, 405);
    assert!(a.text.contains("use POST"));
    let a = post(&s, "/seatunnel/overview", "").await;
    assert_eq!(a.status, 405);
}

#[tokio::test]
async fn body_limit_is_enforced() {
    let s = state().await;
    let big = "x".repeat(64 * 1024 + 1);
    let a = post(&s, "/submit-job", &big).await;
    assert_eq!(a.status, 413);
    assert_eq!(a.json()["status"], "fail");
}

#[tokio::test]
async fn encrypt_config_encodes_sensitive_options() {
    let s = state().await;
    let config = json!({
        "env": {"parallelism": 1, "shade.identifier": "base64"},
        "source": [{
            "plugin_name": "MySQL-CDC",
            "plugin_output": "fake",
            "username": "seatunnel",
            "password": "seatunnel_password",
            "table-name": "inventory_vwyw0n"
        }],
        "transform": [],
        "sink": [{"plugin_name": "Clickhouse", "username": "seatunnel", "password": "seatunnel_password"}]
    });
    let a = post(&s, "/encrypt-config", &config.to_string()).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let out = a.json();
    assert_eq!(out["source"][0]["plugin_output"], "fake");
    assert_eq!(out["source"][0]["username"], "c2VhdHVubmVs");
    assert_eq!(out["source"][0]["password"], "c2VhdHVubmVsX3Bhc3N3b3Jk");
    assert_eq!(out["sink"][0]["password"], "c2VhdHVubmVsX3Bhc3N3b3Jk");
    assert_eq!(out["source"][0]["table-name"], "inventory_vwyw0n");
    let mut unknown = config.clone();
    unknown["env"]["shade.identifier"] = json!("rot13");
    let a = post(&s, "/encrypt-config", &unknown.to_string()).await;
    assert_eq!(a.status, 500);
    assert!(
        a.text.contains("not supported: config shade 'rot13'"),
        "{}",
        a.text
    );
}

#[tokio::test]
async fn hocon_jobs_by_query_and_by_upload() {
    let s = state().await;
    let hocon = r#"
        env { job.mode = "BATCH", job.name = "from_hocon" }
        source { Rows { rows = 3, plugin_output = "fake" } }
        sink { Discard { plugin_input = "fake" } }
    "#;
    let a = post(&s, "/submit-job?format=hocon", hocon).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["jobName"], "from_hocon");
    let id = job_id(&a);
    let done = s.jobs.wait(id).await.unwrap();
    assert_eq!(done.status, JobStatus::Finished);
    assert_eq!(done.metrics.sink_rows(), 3);

    let a = call(
        &s,
        Method::POST,
        "/submit-job/upload?jobName=up",
        Some(UPLOAD_CONTENT_TYPE),
        upload("config_file", "job.conf", hocon),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["jobName"], "up");

    let a = post(&s, "/submit-job?format=hocon", "source { Rows {").await;
    assert_eq!(a.status, 500);
    assert!(a.text.contains("request body"), "{}", a.text);
}

#[tokio::test]
async fn shaded_jobs_are_decoded_before_planning() {
    let s = state().await;
    let mut job = batch_job();
    job["env"]["shade.identifier"] = json!("base64");
    job["source"][0]["password"] = json!("not base64!");
    let a = post(&s, "/submit-job", &job.to_string()).await;
    assert_eq!(a.status, 500);
    assert!(a.text.contains("source[0].password"), "{}", a.text);
}

#[tokio::test]
async fn encrypt_config_validates_its_body() {
    let s = state().await;
    assert_fail(
        &post(&s, "/encrypt-config", "").await,
        400,
        "Request body is empty.",
    );
    assert_fail(
        &post(&s, "/encrypt-config", "[]").await,
        400,
        "Invalid JSON format in request body.",
    );
}

#[tokio::test]
async fn basic_auth_guards_every_route() {
    use base64::Engine;
    let s = state_full(
        "",
        Some(BasicAuth {
            username: "admin".into(),
            password: "pw".into(),
        }),
    )
    .await;
    let a = get(&s, "/overview").await;
    assert_eq!(a.status, 401);
    assert_eq!(a.json()["status"], "fail");
    let a = get(&s, "/nope").await;
    assert_eq!(a.status, 401, "unknown paths do not leak before auth");
    let token = base64::engine::general_purpose::STANDARD.encode("admin:pw");
    let req = Request::builder()
        .uri("/overview")
        .header(hyper::header::AUTHORIZATION, format!("Basic {token}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(handle(s.clone(), req).await.status(), 200);
}

mod v1_logs_members;
