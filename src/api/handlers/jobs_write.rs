//! `/submit-job`, `/submit-job/upload`, `/submit-jobs`, `/stop-job`, `/stop-jobs`.

use serde_json::{json, Map, Value as Json};

use crate::api::error::{ApiError, INVALID_JSON, STOP_WITHOUT_JOB_ID};
use crate::api::format::{self, JobFormat};
use crate::api::multipart;
use crate::api::request::{json_body, json_flag, json_job_id, SubmitParams};
use crate::api::ApiState;
use crate::coordinator::{CoordinatorError, SubmitRequest};

/// The multipart field holding an uploaded job file.
const UPLOAD_FIELD: &str = "config_file";

fn params(query: &[(String, String)]) -> Result<SubmitParams, ApiError> {
    let params = SubmitParams::parse(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    check_savepoint(&params)?;
    Ok(params)
}

/// SeaTunnel checks this before it reads the body.
fn check_savepoint(p: &SubmitParams) -> Result<(), ApiError> {
    if p.start_with_savepoint && p.job_id.is_none() {
        return Err(CoordinatorError::SavepointNeedsJobId.into());
    }
    Ok(())
}

async fn submit(state: &ApiState, tree: Json, p: SubmitParams) -> Result<Json, ApiError> {
    let (job_id, job_name) = state
        .jobs
        .submit(SubmitRequest {
            tree,
            job_id: p.job_id,
            job_name: p.job_name,
            start_with_savepoint: p.start_with_savepoint,
        })
        .await?;
    Ok(json!({"jobId": job_id.to_string(), "jobName": job_name}))
}

pub async fn submit_job(
    state: &ApiState,
    query: &[(String, String)],
    body: &[u8],
) -> Result<Json, ApiError> {
    let p = params(query)?;
    let tree = format::load_job(body, p.format, "request body")?;
    submit(state, tree, p).await
}

/// The file's suffix picks its format; a `format` query value is ignored here, as in SeaTunnel.
pub async fn submit_job_upload(
    state: &ApiState,
    query: &[(String, String)],
    content_type: &str,
    body: &[u8],
) -> Result<Json, ApiError> {
    let p = params(query)?;
    let part = multipart::find_field(content_type, body, UPLOAD_FIELD)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let name = part.file_name.unwrap_or_default();
    let tree = format::load_job(&part.data, JobFormat::from_file_name(&name), &name)?;
    submit(state, tree, p).await
}

/// A JSON array of jobs, each with optional `"params"`; submitted in order. Like SeaTunnel, a
/// failing element fails the request and the jobs before it stay submitted.
pub async fn submit_jobs(state: &ApiState, body: &[u8]) -> Result<Json, ApiError> {
    let Json::Array(items) = json_body(body)? else {
        return Err(ApiError::bad_request(
            "the body must be a JSON array of jobs, each with an optional \"params\" object",
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let Json::Object(mut job) = item else {
            return Err(ApiError::bad_request(format!(
                "job [{i}] must be a JSON object"
            )));
        };
        let params = match job.remove("params") {
            None | Some(Json::Null) => Map::new(),
            Some(Json::Object(m)) => m,
            Some(_) => {
                return Err(ApiError::bad_request(format!(
                    "job [{i}]: \"params\" must be an object such as {{\"jobId\": \"1\", \"jobName\": \"n\"}}"
                )))
            }
        };
        let texts: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.clone(), param_text(v)))
            .collect();
        let p = SubmitParams::parse(texts.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        check_savepoint(&p)?;
        out.push(submit(state, Json::Object(job), p).await?);
    }
    Ok(Json::Array(out))
}

/// A `params` value as the text SeaTunnel turns it into (`String.valueOf`).
fn param_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// One stop request: the id and whether to take a savepoint first.
async fn stop_one(state: &ApiState, body: &Json) -> Result<i64, ApiError> {
    let Json::Object(map) = body else {
        return Err(ApiError::bad_request(
            "each stop request must be a JSON object such as {\"jobId\": 733584788375666689, \"isStopWithSavePoint\": false}",
        ));
    };
    let job_id = json_job_id(map.get("jobId").unwrap_or(&Json::Null))?
        .ok_or_else(|| ApiError::bad_request(STOP_WITHOUT_JOB_ID))?;
    state
        .jobs
        .stop(job_id, json_flag(map.get("isStopWithSavePoint")))
        .await?;
    Ok(job_id)
}

pub async fn stop_job(state: &ApiState, body: &[u8]) -> Result<Json, ApiError> {
    let job_id = stop_one(state, &json_body(body)?).await?;
    Ok(json!({"jobId": job_id.to_string()}))
}

/// Answers `[{"jobId": <number>}]` in input order (numbers here, strings in `/stop-job`, as in
/// SeaTunnel).
pub async fn stop_jobs(state: &ApiState, body: &[u8]) -> Result<Json, ApiError> {
    let Json::Array(items) = json_body(body)? else {
        return Err(ApiError::bad_request(INVALID_JSON));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        out.push(json!({"jobId": stop_one(state, item).await?}));
    }
    Ok(Json::Array(out))
}
