//! Cluster mode: every action is a REST V2 call to a cluster member. Submitting sends the job
//! as JSON after the client has parsed it (HOCON resolved, `-i` variables filled, secrets still
//! shaded for the server to decode), so a job file means the same here as under `seatunnel run`.

use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Local};
use serde_json::{json, Map, Value as Json};

use crate::job::{JobStatus, Variables};
use crate::node::signals::{self, SignalEvent};

use super::super::report::{job_list, job_progress, job_statistics, JobRow};
use super::super::EXIT_JOB_FAILED;
use super::args::{Control, HistoryQuery, Submit, SubmitId};
use super::rest::{RestClient, RestError};

/// How often the client asks for the job's state while it waits for the end.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// SeaTunnel's shutdown hook gives cancelling the job this long before the client exits.
const CANCEL_BUDGET: Duration = Duration::from_secs(15);
/// Failed state requests in a row (connection made, answer lost) tolerated while waiting: about
/// ten seconds of polls, enough for a node to restart its listener.
const MAX_POLL_FAILURES: u32 = 40;
/// The key `-j` adds to the job object for the checkpoint overview (`/jobs/checkpoints/:id`),
/// so its output stays one JSON document.
const OVERVIEW_KEY: &str = "checkpointOverview";
/// Shortest interval between two progress tables.
const MIN_PROGRESS_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(transparent)]
    Rest(#[from] RestError),
    #[error(transparent)]
    Variable(#[from] crate::job::VariableError),
    #[error(transparent)]
    Load(#[from] crate::job::JobLoadError),
    #[error("job {0} is unknown to the cluster (never submitted, or its history expired)")]
    UnknownJob(i64),
    #[error("the cluster answered {what} without {field}: {answer}")]
    Answer {
        what: &'static str,
        field: &'static str,
        answer: String,
    },
    #[error("job {job_id} ended {status}{why}")]
    Ended {
        job_id: String,
        status: String,
        why: String,
    },
    #[error("interrupted: {0}")]
    Interrupted(String),
    #[error("lost the cluster while waiting for job {job_id}, which may still be running: {source}; check it with `seatunnel.sh -j {job_id}`")]
    Lost { job_id: String, source: RestError },
}

/// What the client asks of a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remote {
    Control(Control),
    Submit(Submit),
}

/// Runs one cluster action; what it prints goes to stdout, errors are returned.
pub async fn execute(
    rest: &mut RestClient,
    remote: Remote,
    print_interval: Duration,
) -> Result<(), ClusterError> {
    let control = match remote {
        Remote::Submit(s) => return submit(rest, s, print_interval).await,
        Remote::Control(c) => c,
    };
    match control {
        Control::List => {
            let running = rest.get("/running-jobs").await?;
            let finished = rest.get("/finished-jobs").await?;
            print!("{}", job_list(&job_rows(&running, &finished)));
        }
        Control::RunningJobMetrics => {
            let running = rest.get("/running-jobs").await?;
            println!("{}", pretty(&running_metrics(&running)));
        }
        Control::JobDetail(id) => {
            let mut info = job_info(rest, id).await?;
            if let Some(overview) = checkpoint_overview(rest, id).await? {
                if let Some(o) = info.as_object_mut() {
                    o.insert(OVERVIEW_KEY.into(), overview);
                }
            }
            println!("{}", pretty(&info))
        }
        Control::CheckpointOverview(id) => {
            println!("{}", pretty(&rest.get(&checkpoints_path(id)).await?))
        }
        Control::CheckpointHistory(q) => {
            println!("{}", pretty(&rest.get(&history_path(&q)).await?))
        }
        Control::Metrics(id) => {
            let info = job_info(rest, id).await?;
            println!("{}", pretty(info.get("metrics").unwrap_or(&json!({}))));
        }
        Control::Cancel(ids) => {
            for id in ids {
                stop(rest, id, false).await?;
                println!("Job {id} cancel requested");
            }
        }
        Control::Savepoint(id) => {
            stop(rest, id, true).await?;
            println!("Job {id} savepoint requested");
        }
    }
    Ok(())
}

fn pretty(j: &Json) -> String {
    serde_json::to_string_pretty(j).expect("json values serialize")
}

/// `/job-info/:id`; an answer holding only the id means the cluster does not know the job.
async fn job_info(rest: &mut RestClient, id: i64) -> Result<Json, ClusterError> {
    let info = rest.get(&format!("/job-info/{id}")).await?;
    if info.get("jobStatus").is_none() {
        return Err(ClusterError::UnknownJob(id));
    }
    Ok(info)
}

/// `-j`'s checkpoint overview, when the cluster keeps one for the job. A refusal (a hybrid
/// node keeps none, a server without the route) leaves it out: `-j` still prints the job; a
/// lost connection is an error as for any other call.
async fn checkpoint_overview(rest: &mut RestClient, id: i64) -> Result<Option<Json>, ClusterError> {
    match rest.get(&checkpoints_path(id)).await {
        Ok(overview) => Ok(Some(overview)),
        Err(RestError::Refused { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn checkpoints_path(id: i64) -> String {
    format!("/jobs/checkpoints/{id}")
}

/// `/jobs/checkpoints/history/:id` with the filters given. Pure.
pub fn history_path(q: &HistoryQuery) -> String {
    let mut path = format!("/jobs/checkpoints/history/{}?limit={}", q.job_id, q.limit);
    if let Some(p) = q.pipeline {
        path.push_str(&format!("&pipelineId={p}"));
    }
    if let Some(s) = &q.status {
        path.push_str(&format!("&status={}", encode_query_value(s)));
    }
    path
}

async fn stop(rest: &mut RestClient, id: i64, savepoint: bool) -> Result<(), ClusterError> {
    rest.post(
        "/stop-job",
        &json!({"jobId": id, "isStopWithSavePoint": savepoint}),
    )
    .await?;
    Ok(())
}

/// Rows of `-l` from `/running-jobs` and `/finished-jobs`. Pure.
pub fn job_rows(running: &Json, finished: &Json) -> Vec<JobRow> {
    let text = |j: &Json, k: &str| match j.get(k) {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    [running, finished]
        .into_iter()
        .filter_map(Json::as_array)
        .flatten()
        .map(|j| JobRow {
            job_id: text(j, "jobId"),
            job_name: text(j, "jobName"),
            status: text(j, "jobStatus"),
            submit_time: text(j, "createTime"),
            finish_time: text(j, "finishTime"),
        })
        .collect()
}

/// `--get_running_job_metrics`: each running job's metrics under its id. Pure.
pub fn running_metrics(running: &Json) -> Json {
    let map: Map<String, Json> = running
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|j| {
            let id = j.get("jobId")?.as_str()?.to_string();
            Some((id, j.get("metrics").cloned().unwrap_or(json!({}))))
        })
        .collect();
    Json::Object(map)
}

/// The `/submit-job` query for a submission: id, savepoint restore and name. Pure.
pub fn submit_query(id: SubmitId, name: Option<&str>) -> String {
    let mut pairs: Vec<String> = Vec::new();
    match id {
        SubmitId::Generated => {}
        SubmitId::Custom(id) => pairs.push(format!("jobId={id}")),
        SubmitId::Restore(id) => {
            pairs.push(format!("jobId={id}"));
            pairs.push("isStartWithSavePoint=true".into());
        }
    }
    if let Some(n) = name {
        pairs.push(format!("jobName={}", encode_query_value(n)));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn encode_query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A count from a metrics object; SeaTunnel sends numbers as strings. Pure.
pub fn metric_count(info: &Json, key: &str) -> u64 {
    match info.get("metrics").and_then(|m| m.get(key)) {
        Some(Json::String(s)) => s.parse().unwrap_or(0),
        Some(Json::Number(n)) => n.as_u64().unwrap_or(0),
        _ => 0,
    }
}

fn counts(info: &Json) -> (u64, u64) {
    (
        metric_count(info, "SourceReceivedCount"),
        metric_count(info, "SinkWriteCount"),
    )
}

async fn submit(
    rest: &mut RestClient,
    s: Submit,
    print_interval: Duration,
) -> Result<(), ClusterError> {
    let vars = Variables::parse_args(&s.job.variables)?;
    let tree = crate::job::load::parse_job_file(&s.job.file, &vars)?;
    let path = format!("/submit-job{}", submit_query(s.id, s.job.name.as_deref()));
    let started = Local::now();
    let answer = rest.post(&path, &tree).await?;
    let (Some(job_id), Some(job_name)) = (
        answer.get("jobId").and_then(Json::as_str),
        answer.get("jobName").and_then(Json::as_str),
    ) else {
        return Err(ClusterError::Answer {
            what: "the submit",
            field: "jobId and jobName",
            answer: answer.to_string(),
        });
    };
    let job_id = job_id.to_string();
    if s.detach {
        println!("{job_id}");
        tracing::info!(job_id = %job_id, job_name, "job submitted; not waiting for it (--async)");
        return Ok(());
    }
    tracing::info!(job_id = %job_id, job_name, "job submitted; waiting for it to end");
    follow(rest, &job_id, started, s.close_job, print_interval).await
}

/// Polls the job until it ends, printing progress; then the statistics table.
async fn follow(
    rest: &mut RestClient,
    job_id: &str,
    started: DateTime<Local>,
    close_job: bool,
    print_interval: Duration,
) -> Result<(), ClusterError> {
    let mut signals = match signals::listen() {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!("cannot listen for signals ({e}); ctrl-c will not cancel the job");
            None
        }
    };
    let print_interval = print_interval.max(MIN_PROGRESS_INTERVAL);
    let mut poll = tokio::time::interval(POLL_INTERVAL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut last_time, mut last_counts) = (started, (0, 0));
    let mut status = String::new();
    let path = format!("/job-info/{job_id}");
    let mut failures = 0;
    let info = loop {
        // The request races the signals, so an interrupt is never held up by a slow node.
        let step = tokio::select! {
            r = async {
                poll.tick().await;
                rest.get(&path).await
            } => Step::Polled(r),
            Some(event) = async { signals.as_mut()?.recv().await }, if signals.is_some() => {
                Step::Signal(event)
            }
        };
        let info = match step {
            Step::Signal(SignalEvent::Shutdown) => {
                return Err(interrupted(rest, job_id, close_job, signals.as_mut()).await)
            }
            Step::Signal(SignalEvent::Reload) => continue,
            Step::Polled(Ok(info)) => {
                failures = 0;
                info
            }
            // A node that accepted the connection and then failed: likely restarting. Asking
            // again is harmless; a cluster that stays away ends the wait.
            Step::Polled(Err(e @ RestError::Transport { .. })) if failures < MAX_POLL_FAILURES => {
                failures += 1;
                tracing::warn!(
                    job_id,
                    "asking for the job's state failed ({e}); asking again"
                );
                continue;
            }
            Step::Polled(Err(source)) => {
                return Err(ClusterError::Lost {
                    job_id: job_id.to_string(),
                    source,
                })
            }
        };
        let now = info
            .get("jobStatus")
            .and_then(Json::as_str)
            .unwrap_or("UNKNOWABLE");
        if now != status {
            tracing::info!(job_id, "job status: {now}");
            status = now.to_string();
        }
        if JobStatus::parse(now).is_none_or(JobStatus::is_end_state) {
            break info;
        }
        last_counts = report_progress(&info, &mut last_time, last_counts, print_interval);
    };
    let (read, written) = counts(&info);
    print!("{}", job_statistics(&started, &Local::now(), read, written));
    if status == JobStatus::Finished.name() {
        return Ok(());
    }
    let why = match info.get("errorMsg").and_then(Json::as_str) {
        Some(e) if !e.is_empty() => format!(": {e}"),
        _ => String::new(),
    };
    Err(ClusterError::Ended {
        job_id: job_id.to_string(),
        status,
        why,
    })
}

/// What woke the waiting client.
enum Step {
    Polled(Result<Json, RestError>),
    Signal(SignalEvent),
}

/// Prints a progress table once `print_interval` has passed since the last one; returns the
/// counts last reported.
fn report_progress(
    info: &Json,
    last_time: &mut DateTime<Local>,
    last_counts: (u64, u64),
    print_interval: Duration,
) -> (u64, u64) {
    let now = Local::now();
    let due = (now - *last_time)
        .to_std()
        .is_ok_and(|elapsed| elapsed >= print_interval);
    if !due {
        return last_counts;
    }
    let current = counts(info);
    print!("{}", job_progress(last_time, &now, last_counts, current));
    *last_time = now;
    current
}

/// The client was told to stop while waiting: with `-cj true` (SeaTunnel's default) the job is
/// cancelled within SeaTunnel's 15 s budget; with `-cj false` it keeps running.
/// A second interrupt while cancelling gives up waiting at once.
async fn interrupted(
    rest: &mut RestClient,
    job_id: &str,
    close_job: bool,
    signals: Option<&mut tokio::sync::mpsc::UnboundedReceiver<SignalEvent>>,
) -> ClusterError {
    if !close_job {
        return ClusterError::Interrupted(format!(
            "job {job_id} keeps running on the cluster (-cj false); cancel it with `seatunnel.sh -can {job_id}`"
        ));
    }
    tracing::warn!(job_id, "Task will be closed due to client shutdown.");
    let path = format!("/job-info/{job_id}");
    let cancel = async {
        rest.post(
            "/stop-job",
            &json!({"jobId": job_id, "isStopWithSavePoint": false}),
        )
        .await?;
        loop {
            let info = rest.get(&path).await?;
            let status = info.get("jobStatus").and_then(Json::as_str).unwrap_or("");
            if JobStatus::parse(status).is_none_or(JobStatus::is_end_state) {
                return Ok::<_, RestError>(status.to_string());
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    };
    let second_interrupt = async {
        match signals {
            Some(rx) => while rx.recv().await.is_some_and(|e| e != SignalEvent::Shutdown) {},
            None => std::future::pending().await,
        }
    };
    let outcome = tokio::select! {
        r = tokio::time::timeout(CANCEL_BUDGET, cancel) => r,
        _ = second_interrupt => {
            return ClusterError::Interrupted(format!(
                "interrupted again: not waiting for job {job_id} to end; check it with `seatunnel.sh -j {job_id}`"
            ));
        }
    };
    ClusterError::Interrupted(match outcome {
        Ok(Ok(status)) => format!("job {job_id} cancelled, it ended {status}"),
        Ok(Err(e)) => format!("cancelling job {job_id} failed: {e}"),
        Err(_) => format!(
            "job {job_id} did not end within {CANCEL_BUDGET:?} of the cancel request; check it with `seatunnel.sh -j {job_id}`"
        ),
    })
}

/// Exit status of a cluster action.
pub fn exit_code(result: Result<(), ClusterError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_JOB_FAILED)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_rows_come_from_running_and_finished_jobs() {
        let running = json!([{"jobId": "2", "jobName": "b", "jobStatus": "RUNNING", "createTime": "2024-01-02 00:00:00"}]);
        let finished = json!([{"jobId": "1", "jobName": "a", "jobStatus": "FAILED", "createTime": "2024-01-01 00:00:00", "finishTime": "2024-01-01 00:01:00", "errorMsg": null}]);
        let rows = job_rows(&running, &finished);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].status, "RUNNING");
        assert_eq!(rows[0].finish_time, "");
        assert_eq!(rows[1].finish_time, "2024-01-01 00:01:00");
        assert!(job_rows(&json!({}), &json!(null)).is_empty());
    }

    #[test]
    fn running_metrics_are_keyed_by_job_id() {
        let running = json!([{"jobId": "7", "metrics": {"SinkWriteCount": "3"}}, {"jobId": "8"}]);
        assert_eq!(
            running_metrics(&running),
            json!({"7": {"SinkWriteCount": "3"}, "8": {}})
        );
    }

    #[test]
    fn submit_query_carries_id_restore_and_encoded_name() {
        assert_eq!(submit_query(SubmitId::Generated, None), "");
        assert_eq!(submit_query(SubmitId::Custom(5), None), "?jobId=5");
        assert_eq!(
            submit_query(SubmitId::Restore(6), Some("a b&c/é")),
            "?jobId=6&isStartWithSavePoint=true&jobName=a%20b%26c%2F%C3%A9"
        );
    }

    #[test]
    fn history_queries_carry_the_filters_given() {
        let q = HistoryQuery {
            job_id: 9,
            pipeline: None,
            limit: 20,
            status: None,
        };
        assert_eq!(history_path(&q), "/jobs/checkpoints/history/9?limit=20");
        let q = HistoryQuery {
            pipeline: Some(2),
            status: Some("FAILED".into()),
            limit: 3,
            ..q
        };
        assert_eq!(
            history_path(&q),
            "/jobs/checkpoints/history/9?limit=3&pipelineId=2&status=FAILED"
        );
    }

    #[test]
    fn counts_read_string_numbers() {
        let info = json!({"metrics": {"SourceReceivedCount": "12", "SinkWriteCount": 10}});
        assert_eq!(counts(&info), (12, 10));
        assert_eq!(counts(&json!({})), (0, 0));
    }
}
