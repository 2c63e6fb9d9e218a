//! The job object of SeaTunnel's REST API (§3.3 of the spec): field names exact, ids and numbers
//! as strings (except `vertexId`), times as `yyyy-MM-dd HH:mm:ss` in server local time. Pure.

use std::collections::BTreeMap;

use chrono::{Local, TimeZone};
use serde_json::{json, Map, Value as Json};

use crate::coordinator::{DagInfo, FinishedJob, RunningJobView};
use crate::data::java::float::plain_double;
use crate::engine::MetricsSnapshot;

/// SeaTunnel's `DateTimeUtils.Formatter.YYYY_MM_DD_HH_MM_SS`.
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Epoch milliseconds → server local time text.
pub fn format_time(epoch_ms: i64) -> String {
    match Local.timestamp_millis_opt(epoch_ms).single() {
        Some(t) => t.format(TIME_FORMAT).to_string(),
        None => String::new(),
    }
}

/// A running job, as `engine_runningJobInfo` and live metrics describe it.
pub fn running_job(v: &RunningJobView) -> Json {
    let r = &v.record;
    json!({
        "jobId": r.job_id.to_string(),
        "jobName": r.job_name,
        "jobStatus": v.status.name(),
        "envOptions": r.env,
        "createTime": format_time(r.create_time_ms),
        "jobDag": dag(&r.dag),
        "pluginJarsUrls": [],
        "isStartWithSavePoint": r.start_with_savepoint,
        "metrics": metrics(&v.metrics),
    })
}

/// A finished job, from history.
pub fn finished_job(j: &FinishedJob) -> Json {
    json!({
        "jobId": j.job_id.to_string(),
        "jobName": j.job_name,
        "jobStatus": j.status.name(),
        "errorMsg": j.error,
        "createTime": format_time(j.create_time_ms),
        "finishTime": format_time(j.finish_time_ms),
        "jobDag": dag(&j.dag),
        "pluginJarsUrls": [],
        "metrics": metrics(&j.metrics),
    })
}

/// What SeaTunnel answers for an id it does not know (or whose history expired).
pub fn unknown_job(job_id: &str) -> Json {
    json!({ "jobId": job_id })
}

/// `JobDAGInfo`: edge and vertex ids as strings inside `pipelineEdges`, `vertexId` a number.
pub fn dag(d: &DagInfo) -> Json {
    let edges: Map<String, Json> = d
        .pipeline_edges
        .iter()
        .map(|(pipeline, edges)| {
            let list = edges
                .iter()
                .map(|(from, to)| {
                    json!({"inputVertexId": from.to_string(), "targetVertexId": to.to_string()})
                })
                .collect();
            (pipeline.to_string(), Json::Array(list))
        })
        .collect();
    let vertices: Vec<Json> = d
        .vertices
        .iter()
        .map(|v| {
            json!({
                "vertexId": v.id,
                "type": v.kind.to_string(),
                "vertexName": v.name,
                "tablePaths": v.table_paths,
            })
        })
        .collect();
    json!({
        "jobId": d.job_id.to_string(),
        "envOptions": d.env,
        "pipelineEdges": edges,
        "vertexInfoMap": vertices,
    })
}

/// Totals, rates over the job's running time, and the same per table (full table names).
pub fn metrics(m: &MetricsSnapshot) -> Json {
    let count = |v: u64| Json::String(v.to_string());
    let rate = |v: u64| Json::String(plain_double(m.rate(v)));
    let per_table = |side: &BTreeMap<String, (u64, u64)>, pick: &dyn Fn(u64, u64) -> Json| {
        side.iter()
            .map(|(table, &(rows, bytes))| (table.clone(), pick(rows, bytes)))
            .collect::<Map<String, Json>>()
    };
    json!({
        "SourceReceivedCount": count(m.source_rows()),
        "SinkWriteCount": count(m.sink_rows()),
        "SourceReceivedBytes": count(m.source_bytes()),
        "SinkWriteBytes": count(m.sink_bytes()),
        "SourceReceivedQPS": rate(m.source_rows()),
        "SinkWriteQPS": rate(m.sink_rows()),
        "SourceReceivedBytesPerSeconds": rate(m.source_bytes()),
        "SinkWriteBytesPerSeconds": rate(m.sink_bytes()),
        "TableSourceReceivedCount": per_table(&m.source, &|r, _| count(r)),
        "TableSinkWriteCount": per_table(&m.sink, &|r, _| count(r)),
        "TableSourceReceivedBytes": per_table(&m.source, &|_, b| count(b)),
        "TableSinkWriteBytes": per_table(&m.sink, &|_, b| count(b)),
        "TableSourceReceivedQPS": per_table(&m.source, &|r, _| rate(r)),
        "TableSinkWriteQPS": per_table(&m.sink, &|r, _| rate(r)),
        "TableSourceReceivedBytesPerSeconds": per_table(&m.source, &|_, b| rate(b)),
        "TableSinkWriteBytesPerSeconds": per_table(&m.sink, &|_, b| rate(b)),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::connector::PluginKind;
    use crate::coordinator::VertexInfo;
    use crate::job::JobStatus;

    fn dag_info() -> DagInfo {
        let mut env = Map::new();
        env.insert("job.mode".into(), json!("BATCH"));
        DagInfo {
            job_id: 42,
            env,
            pipeline_edges: [(1, vec![(1, 2)])].into_iter().collect(),
            vertices: vec![
                VertexInfo {
                    id: 1,
                    kind: PluginKind::Source,
                    name: "pipeline-1 [Source[0]-FakeSource]".into(),
                    table_paths: vec!["fake".into()],
                },
                VertexInfo {
                    id: 2,
                    kind: PluginKind::Sink,
                    name: "pipeline-1 [Sink[0]-console-MultiTableSink]".into(),
                    table_paths: vec!["fake".into()],
                },
            ],
        }
    }

    #[test]
    fn dag_has_seatunnels_shape() {
        let d = dag(&dag_info());
        assert_eq!(d["jobId"], "42");
        assert_eq!(d["envOptions"]["job.mode"], "BATCH");
        assert_eq!(d["pipelineEdges"]["1"][0]["inputVertexId"], "1");
        assert_eq!(d["pipelineEdges"]["1"][0]["targetVertexId"], "2");
        assert_eq!(d["vertexInfoMap"][0]["vertexId"], 1);
        assert_eq!(d["vertexInfoMap"][0]["type"], "source");
        assert_eq!(
            d["vertexInfoMap"][1]["vertexName"],
            "pipeline-1 [Sink[0]-console-MultiTableSink]"
        );
        assert_eq!(d["vertexInfoMap"][1]["tablePaths"][0], "fake");
    }

    #[test]
    fn metrics_are_strings_with_per_table_maps() {
        let m = MetricsSnapshot {
            elapsed_secs: 2.0,
            source: [("fake".to_string(), (5, 100))].into_iter().collect(),
            sink: [("fake".to_string(), (4, 80))].into_iter().collect(),
        };
        let j = metrics(&m);
        assert_eq!(j["SourceReceivedCount"], "5");
        assert_eq!(j["SinkWriteCount"], "4");
        assert_eq!(j["SinkWriteBytes"], "80");
        assert_eq!(j["SourceReceivedQPS"], "2.5");
        assert_eq!(j["SinkWriteQPS"], "2.0");
        assert_eq!(j["SourceReceivedBytesPerSeconds"], "50.0");
        assert_eq!(j["TableSourceReceivedCount"]["fake"], "5");
        assert_eq!(j["TableSinkWriteCount"]["fake"], "4");
        assert_eq!(j["TableSinkWriteBytesPerSeconds"]["fake"], "40.0");
        assert_eq!(metrics(&MetricsSnapshot::default())["SinkWriteQPS"], "0.0");
    }

    #[test]
    fn finished_job_fields() {
        let j = FinishedJob {
            job_id: 42,
            job_name: "fake_to_console".into(),
            status: JobStatus::Failed,
            error: Some("boom".into()),
            create_time_ms: 0,
            finish_time_ms: 1_000,
            dag: Arc::new(dag_info()),
            metrics: MetricsSnapshot::default(),
            checkpoints: None,
        };
        let v = finished_job(&j);
        assert_eq!(v["jobId"], "42");
        assert_eq!(v["jobStatus"], "FAILED");
        assert_eq!(v["errorMsg"], "boom");
        assert_eq!(v["pluginJarsUrls"], json!([]));
        assert_eq!(v["finishTime"].as_str().unwrap().len(), 19);
        assert!(
            v.get("envOptions").is_none(),
            "finished jobs carry env in the DAG only"
        );
        let ok = FinishedJob { error: None, ..j };
        assert_eq!(finished_job(&ok)["errorMsg"], Json::Null);
    }

    #[test]
    fn times_print_like_seatunnel() {
        let t = format_time(1_700_000_000_000);
        assert_eq!(t.len(), 19);
        assert_eq!(&t[4..5], "-");
        assert_eq!(&t[13..14], ":");
    }
}
