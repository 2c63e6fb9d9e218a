//! Reading requests at the edge: the body (bounded), a JSON body with SeaTunnel's two 400
//! messages, and the submit parameters, all parsed into typed values before a handler acts.

use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Bytes};
use serde_json::Value as Json;

use super::error::{ApiError, EMPTY_BODY, INVALID_JSON};
use super::format::JobFormat;

/// Reads the whole body, refusing more than `limit` bytes.
pub async fn read_body<B>(body: B, limit: usize) -> Result<Bytes, ApiError>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::TooLarge { limit }),
        Err(e) => Err(ApiError::bad_request(format!(
            "cannot read the request body: {e}"
        ))),
    }
}

/// A body that must be JSON: empty → "Request body is empty.", unparsable → "Invalid JSON
/// format in request body.", as SeaTunnel answers.
pub fn json_body(body: &[u8]) -> Result<Json, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(EMPTY_BODY));
    }
    serde_json::from_slice(body).map_err(|e| {
        // serde_json stops at 128 levels; say so instead of calling deep JSON invalid.
        if e.to_string().starts_with("recursion limit exceeded") {
            ApiError::bad_request(format!(
                "the body's {}",
                crate::job::depth::too_deep_message()
            ))
        } else {
            ApiError::bad_request(INVALID_JSON)
        }
    })
}

/// The query (or `params`) of a submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitParams {
    pub job_id: Option<i64>,
    pub job_name: Option<String>,
    pub start_with_savepoint: bool,
    pub format: JobFormat,
}

impl SubmitParams {
    /// Parses `jobId`, `jobName`, `isStartWithSavePoint` and `format`; other keys are ignored, as
    /// SeaTunnel ignores them. A blank `jobId` or `jobName` counts as absent.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<SubmitParams, ApiError> {
        let mut p = SubmitParams {
            job_id: None,
            job_name: None,
            start_with_savepoint: false,
            format: JobFormat::Json,
        };
        for (key, value) in pairs {
            match key {
                "jobId" => p.job_id = parse_job_id(value)?,
                "jobName" if !value.trim().is_empty() => p.job_name = Some(value.to_string()),
                // Java's Boolean.parseBoolean: "true" in any case, everything else false.
                "isStartWithSavePoint" => {
                    p.start_with_savepoint = value.trim().eq_ignore_ascii_case("true")
                }
                "format" => p.format = JobFormat::parse_param(value)?,
                _ => {}
            }
        }
        Ok(p)
    }
}

/// A job id as text: blank → none; otherwise a 64-bit integer.
pub fn parse_job_id(text: &str) -> Result<Option<i64>, ApiError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>().map(Some).map_err(|_| {
        ApiError::bad_request(format!(
            "jobId must be a 64-bit integer such as 733584788375666689, got '{t}'"
        ))
    })
}

/// A job id inside a JSON body: a number or a numeric string.
pub fn json_job_id(value: &Json) -> Result<Option<i64>, ApiError> {
    match value {
        Json::Null => Ok(None),
        Json::Number(n) => n.as_i64().map(Some).ok_or_else(|| {
            ApiError::bad_request(format!("jobId must be a 64-bit integer, got {n}"))
        }),
        Json::String(s) => parse_job_id(s),
        other => Err(ApiError::bad_request(format!(
            "jobId must be a number or a numeric string, got {other}"
        ))),
    }
}

/// A flag inside a JSON body, read as SeaTunnel reads it: `Boolean.parseBoolean(value.toString())`.
pub fn json_flag(value: Option<&Json>) -> bool {
    match value {
        Some(Json::Bool(b)) => *b,
        Some(Json::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_body_errors_are_seatunnels() {
        assert_eq!(json_body(b"").unwrap_err().to_string(), EMPTY_BODY);
        assert_eq!(json_body(b"  \n").unwrap_err().to_string(), EMPTY_BODY);
        assert_eq!(json_body(b"{nope").unwrap_err().to_string(), INVALID_JSON);
        assert_eq!(json_body(b"{\"a\":1}").unwrap(), json!({"a": 1}));
    }

    #[test]
    fn submit_params() {
        let p = SubmitParams::parse([
            ("jobId", "123"),
            ("jobName", "n"),
            ("isStartWithSavePoint", "TRUE"),
            ("format", "hocon"),
            ("other", "x"),
        ])
        .unwrap();
        assert_eq!(p.job_id, Some(123));
        assert_eq!(p.job_name.as_deref(), Some("n"));
        assert!(p.start_with_savepoint);
        assert_eq!(p.format, JobFormat::Hocon);
        let p = SubmitParams::parse([
            ("jobId", " "),
            ("jobName", ""),
            ("isStartWithSavePoint", "yes"),
        ])
        .unwrap();
        assert_eq!(p.job_id, None);
        assert_eq!(p.job_name, None);
        assert!(!p.start_with_savepoint);
        assert_eq!(p.format, JobFormat::Json);
        let e = SubmitParams::parse([("jobId", "abc")]).unwrap_err();
        assert_eq!(e.status(), 400);
        assert!(e.to_string().contains("'abc'"));
    }

    #[test]
    fn body_job_ids_and_flags() {
        assert_eq!(json_job_id(&json!(5)).unwrap(), Some(5));
        assert_eq!(json_job_id(&json!("6")).unwrap(), Some(6));
        assert_eq!(json_job_id(&Json::Null).unwrap(), None);
        assert!(json_job_id(&json!(1.5)).is_err());
        assert!(json_job_id(&json!([1])).is_err());
        assert!(json_flag(Some(&json!(true))));
        assert!(json_flag(Some(&json!("True"))));
        assert!(!json_flag(Some(&json!(1))));
        assert!(!json_flag(None));
    }
}
