//! REST V1 beside V2, the `/logs` family on a real log directory (and across two nodes), and
//! `/members`, in-process.

use std::path::Path;

use tokio::net::TcpListener;

use super::*;
use crate::api::members::{MemberDirectory, MemberRole, MemberRow, SingleNode};
use crate::api::router::V1_PREFIX;

fn settings(context_path: &str, serve_v1: bool, log_dir: Option<&Path>) -> ApiSettings {
    ApiSettings {
        tags: BTreeMap::new(),
        serve_v1,
        log_dir: log_dir.map(Path::to_path_buf),
        ..super::settings(context_path)
    }
}

fn v1(path: &str) -> String {
    format!("{V1_PREFIX}{path}")
}

#[tokio::test]
async fn v1_answers_what_v2_answers_and_ignores_the_context_path() {
    let s = ApiState::new(jobs().await, settings("/st", true, None));
    let id = job_id(&post(&s, &v1("/submit-job?jobId=4242"), &batch_job().to_string()).await);
    assert_eq!(id, 4242);
    s.jobs.wait(id).await.unwrap();
    let by_v1 = get(&s, &v1("/job-info/4242")).await;
    let by_v2 = get(&s, "/st/job-info/4242").await;
    assert_eq!(by_v1.status, 200);
    assert_eq!(by_v1.json(), by_v2.json());
    assert_eq!(by_v1.json()["jobStatus"], "FINISHED");
    assert_eq!(
        get(&s, &v1("/finished-jobs/FINISHED")).await.json()[0]["jobId"],
        "4242"
    );
    assert_eq!(get(&s, &v1("/overview")).await.json()["finishedJobs"], "1");
    assert_fail(
        &get(&s, &v1("/job-info/")).await,
        400,
        "The jobId must not be empty.",
    );
    assert_fail(
        &post(&s, &v1("/stop-job"), "").await,
        400,
        "Request body is empty.",
    );
    let a = post(&s, &v1("/stop-job"), r#"{"jobId": 4242}"#).await;
    assert_eq!(a.json(), json!({"jobId": "4242"}));
    assert_eq!(get(&s, &v1("/health")).await.status, 404);
    assert_eq!(get(&s, &v1("/members")).await.status, 404);
    assert_eq!(
        get(&s, &format!("/st{}", v1("/overview"))).await.status,
        404
    );

    let v2_only = ApiState::new(jobs().await, settings("", false, None));
    assert_eq!(get(&v2_only, &v1("/overview")).await.status, 404);
    assert_eq!(get(&v2_only, "/overview").await.status, 200);
}

fn log_dir_with_files() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("logs");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("job-1.log"), "[1] line one\n").unwrap();
    std::fs::write(dir.join("job-22.log"), "[22] line\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not a log").unwrap();
    std::fs::write(root.path().join("secret.log"), "secret").unwrap();
    root
}

#[tokio::test]
async fn logs_list_and_serve_the_log_directory() {
    let root = log_dir_with_files();
    let dir = root.path().join("logs");
    let s = ApiState::new(jobs().await, settings("/st", true, Some(&dir)));

    let a = get(&s, "/st/logs?format=json").await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.json(),
        json!([
            {"node": "localhost:8080", "logLink": "http://localhost:8080/st/logs/job-1.log", "logName": "job-1.log"},
            {"node": "localhost:8080", "logLink": "http://localhost:8080/st/logs/job-22.log", "logName": "job-22.log"}
        ])
    );
    let one = get(&s, "/st/logs/22?format=json").await.json();
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["logName"], "job-22.log");
    let html = get(&s, "/st/logs").await;
    assert_eq!(html.content_type, "text/html; charset=UTF-8");
    assert!(html
        .text
        .contains("<a href=\"http://localhost:8080/st/logs/job-1.log\">job-1.log</a>"));
    let page = get(&s, "/st/log").await;
    assert!(
        page.text
            .contains("<a href=\"/st/log/job-22.log\">job-22.log</a>"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("notes.txt"));

    for path in [
        "/st/logs/job-1.log",
        "/st/log/job-1.log",
        &v1("/logs/job-1.log"),
    ] {
        let a = get(&s, path).await;
        assert_eq!(a.status, 200, "{path}: {}", a.text);
        assert_eq!(a.content_type, "text/plain; charset=UTF-8");
        assert_eq!(a.text, "[1] line one\n");
    }
    assert_eq!(
        get(&s, "/st/get-all-log-name").await.json(),
        json!(["job-1.log", "job-22.log"])
    );
    assert_eq!(
        get(&s, &v1("/get-all-log-name")).await.json(),
        json!(["job-1.log", "job-22.log"])
    );

    for (path, name) in [
        ("/st/logs/../secret.log", "../secret.log"),
        ("/st/logs/..%2Fsecret.log", "../secret.log"),
        ("/st/log/..%2F..%2Fetc%2Fpasswd", "../../etc/passwd"),
        ("/st/logs/notes.txt.log%00", "notes.txt.log\0"),
    ] {
        assert_fail(
            &get(&s, path).await,
            400,
            &format!("invalid log file name '{name}': expected a file name such as job-<jobId>.log in the log directory"),
        );
    }
    assert_fail(
        &get(&s, "/st/logs/job-3.log").await,
        400,
        "log file 'job-3.log' does not exist on this node",
    );
}

#[tokio::test]
async fn without_a_log_directory_nothing_is_listed_and_files_say_how_to_get_them() {
    let s = state().await;
    assert_eq!(get(&s, "/logs?format=json").await.json(), json!([]));
    assert_eq!(get(&s, "/get-all-log-name").await.json(), json!([]));
    assert!(get(&s, "/log").await.text.contains("<ul>\n </ul>"));
    assert_fail(
        &get(&s, "/logs/job-1.log").await,
        400,
        "this node has no job log directory; start it with --log-dir DIR, or set LogsDirectory= in its systemd unit",
    );
}

/// A directory naming peers for `/logs`, as the cluster's directory will.
struct WithPeers {
    me: SingleNode,
    peers: Vec<String>,
}

impl MemberDirectory for WithPeers {
    fn members(&self) -> Vec<MemberRow> {
        self.me.members()
    }
    fn log_peers(&self) -> Vec<String> {
        self.peers.clone()
    }
}

#[tokio::test]
async fn logs_list_every_peers_files_and_skip_a_silent_peer() {
    let peer_root = tempfile::tempdir().unwrap();
    std::fs::write(peer_root.path().join("job-5.log"), "[5] peer line\n").unwrap();
    let peer = ApiState::new(jobs().await, settings("/p", false, Some(peer_root.path())));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let server = tokio::spawn(crate::api::serve(listener, peer, stop.clone()));
    let gone = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone_addr = gone.local_addr().unwrap();
    drop(gone);

    let root = log_dir_with_files();
    let members = Arc::new(WithPeers {
        me: SingleNode::hybrid("0", "localhost:5801"),
        peers: vec![format!("http://{gone_addr}"), format!("http://{addr}/p/")],
    });
    let s = ApiState::with_members(
        jobs().await,
        settings("", false, Some(&root.path().join("logs"))),
        members,
    );
    let all = get(&s, "/logs?format=json").await.json();
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["logName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["job-1.log", "job-22.log", "job-5.log"]);
    assert_eq!(
        all[2],
        json!({"node": addr.to_string(), "logLink": format!("http://{addr}/p/logs/job-5.log"), "logName": "job-5.log"})
    );
    let five = get(&s, "/logs/5?format=json").await.json();
    assert_eq!(five.as_array().unwrap().len(), 1);
    let (status, body) = crate::api::client::get(
        five[0]["logLink"].as_str().unwrap(),
        None,
        std::time::Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!((status, body.as_str()), (200, "[5] peer line\n"));
    stop.cancel();
    server.await.unwrap();
}

#[tokio::test]
async fn members_lists_this_hybrid_node() {
    let s = state().await;
    let a = get(&s, "/members").await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.json(),
        json!([{
            "id": "0", "address": "localhost:5801", "role": "ACTIVE MASTER",
            "version": env!("CARGO_PKG_VERSION"), "raftTerm": "0", "raftState": "STANDALONE"
        }])
    );
    assert_eq!(MemberRole::ActiveMaster.as_str(), "ACTIVE MASTER");
}
