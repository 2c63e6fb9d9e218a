//! Job text in a request (a body or an uploaded file) → the job tree the coordinator takes. The
//! one place that knows the formats, so the loader can change without the handlers noticing.

use serde_json::Value as Json;

use super::error::ApiError;
use super::request::json_body;

/// How a submitted job is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobFormat {
    Json,
    Hocon,
    Sql,
}

impl JobFormat {
    /// The `format` query value (2.3.10+): `json` (default), `hocon`, or `sql` (3.x); any case.
    pub fn parse_param(text: &str) -> Result<JobFormat, ApiError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "json" => Ok(JobFormat::Json),
            "hocon" => Ok(JobFormat::Hocon),
            "sql" => Ok(JobFormat::Sql),
            other => Err(ApiError::bad_request(format!(
                "format must be json, hocon or sql, got '{other}'"
            ))),
        }
    }

    /// An uploaded file's suffix picks the parser: `.json` JSON, `.sql` SQL, anything else
    /// (`.conf`, `.config`) HOCON, as SeaTunnel's upload servlet decides.
    pub fn from_file_name(name: &str) -> JobFormat {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            JobFormat::Json
        } else if lower.ends_with(".sql") {
            JobFormat::Sql
        } else {
            JobFormat::Hocon
        }
    }
}

/// Parses job text into the normal-form tree. `origin` names the text in errors.
pub fn load_job(body: &[u8], format: JobFormat, origin: &str) -> Result<Json, ApiError> {
    match format {
        JobFormat::Json => json_body(body),
        JobFormat::Hocon => Err(ApiError::Failed(format!(
            "not supported: HOCON job text ({origin}); send the job as JSON until the HOCON loader is built in"
        ))),
        JobFormat::Sql => Err(ApiError::Failed(format!(
            "not supported: SQL job configs ({origin}); write the job in HOCON or JSON"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_from_params_and_names() {
        assert_eq!(JobFormat::parse_param("").unwrap(), JobFormat::Json);
        assert_eq!(JobFormat::parse_param("HOCON").unwrap(), JobFormat::Hocon);
        assert_eq!(JobFormat::parse_param("sql").unwrap(), JobFormat::Sql);
        assert_eq!(JobFormat::parse_param("yaml").unwrap_err().status(), 400);
        assert_eq!(JobFormat::from_file_name("a.JSON"), JobFormat::Json);
        assert_eq!(JobFormat::from_file_name("a.conf"), JobFormat::Hocon);
        assert_eq!(JobFormat::from_file_name("a.config"), JobFormat::Hocon);
        assert_eq!(JobFormat::from_file_name("a.sql"), JobFormat::Sql);
    }

    #[test]
    fn json_and_refusals() {
        assert_eq!(
            load_job(br#"{"env":{}}"#, JobFormat::Json, "body").unwrap(),
            json!({"env": {}})
        );
        let e = load_job(b"x", JobFormat::Sql, "job.sql").unwrap_err();
        assert!(e.to_string().starts_with("not supported: SQL"));
    }
}
