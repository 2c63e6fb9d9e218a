//! Job text in a request (a body or an uploaded file) → the job tree the coordinator takes. The
//! one place that knows the formats, so the loader can change without the handlers noticing.

use serde_json::Value as Json;

use crate::job::load::{self, load_job_text, load_job_value};
use crate::job::Variables;

use super::error::{ApiError, EMPTY_BODY};
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

/// Parses job text into the normal-form tree, then decodes shaded secrets, as SeaTunnel does on
/// submit. `origin` names the text in errors. A REST body has no `-i` variables; unquoted
/// `${NAME}` in HOCON still resolves from the server's environment, as Typesafe Config does.
///
/// A JSON body keeps SeaTunnel's 400 answers for an empty or unparsable body; every loading
/// error after that is a 500, as SeaTunnel's config exceptions are.
pub fn load_job(body: &[u8], format: JobFormat, origin: &str) -> Result<Json, ApiError> {
    let vars = Variables::default();
    let loaded = match format {
        JobFormat::Json => load_job_value(json_body(body)?, origin, &vars),
        JobFormat::Hocon => {
            let text = std::str::from_utf8(body)
                .map_err(|e| ApiError::bad_request(format!("{origin} is not UTF-8 text: {e}")))?;
            if text.trim().is_empty() {
                return Err(ApiError::bad_request(EMPTY_BODY));
            }
            load_job_text(text, origin, load::JobFormat::Hocon, &vars)
        }
        JobFormat::Sql => {
            return Err(ApiError::Failed(format!(
                "not supported: SQL job configs ({origin}); write the job in HOCON or JSON"
            )))
        }
    };
    loaded.map_err(|e| {
        if e.is_limit() {
            ApiError::bad_request(e.to_string())
        } else {
            ApiError::Failed(e.to_string())
        }
    })
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
    fn json_and_hocon_load_to_the_same_normal_form() {
        let from_json = load_job(
            br#"{"env": {"job.mode": "BATCH"}, "source": {"FakeSource": {"plugin_output": "fake"}}, "sink": [{"plugin_name": "Console"}]}"#,
            JobFormat::Json,
            "body",
        )
        .unwrap();
        let from_hocon = load_job(
            b"env { job.mode = \"BATCH\" }\nsource { FakeSource { plugin_output = \"fake\" } }\nsink { Console {} }\n",
            JobFormat::Hocon,
            "body",
        )
        .unwrap();
        assert_eq!(from_json["source"][0]["plugin_name"], json!("FakeSource"));
        assert_eq!(from_json, from_hocon);
    }

    #[test]
    fn shaded_secrets_are_decoded_on_load() {
        let job = load_job(
            br#"{"env": {"shade.identifier": "base64"}, "source": [{"plugin_name": "S", "password": "c2VjcmV0"}], "sink": [{"plugin_name": "K"}]}"#,
            JobFormat::Json,
            "body",
        )
        .unwrap();
        assert_eq!(job["source"][0]["password"], json!("secret"));
    }

    #[test]
    fn refusals() {
        let e = load_job(b"x", JobFormat::Sql, "job.sql").unwrap_err();
        assert!(e.to_string().starts_with("not supported: SQL"));
        assert_eq!(
            load_job(b" \n", JobFormat::Hocon, "b")
                .unwrap_err()
                .status(),
            400
        );
        assert_eq!(
            load_job(b"\xff", JobFormat::Hocon, "b")
                .unwrap_err()
                .status(),
            400
        );
        let e = load_job(b"env {", JobFormat::Hocon, "job.conf").unwrap_err();
        assert_eq!(e.status(), 500);
        assert!(e.to_string().contains("job.conf"), "{e}");
    }
}
