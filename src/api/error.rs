//! API errors and how they reach the client: SeaTunnel's exception filter turns argument errors
//! into 400 and everything else into 500, both as `{"status":"fail","message":…}`.
//!
//! The 400 messages clients match on are SeaTunnel's, word for word (constants below).

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderValue, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::{Response, StatusCode};
use serde_json::{json, Value as Json};

use crate::coordinator::CoordinatorError;

pub const EMPTY_BODY: &str = "Request body is empty.";
pub const INVALID_JSON: &str = "Invalid JSON format in request body.";
pub const EMPTY_JOB_ID: &str = "The jobId must not be empty.";
pub const STOP_WITHOUT_JOB_ID: &str = "jobId cannot be empty.";

/// Content type of successful JSON answers.
const JSON_TYPE: &str = "application/json";
/// Content type SeaTunnel's exception filter sets on error answers.
const ERROR_JSON_TYPE: &str = "application/json;charset=UTF-8";

pub type Reply = Response<Full<Bytes>>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// 500: the request was understood and refused or failed.
    #[error("{0}")]
    Failed(String),
    #[error("no such endpoint: {0}")]
    NotFound(String),
    /// 404 with SeaTunnel's fail body: the request names a job no one knows.
    #[error("{0}")]
    UnknownJob(String),
    #[error("HTTP method {method} is not supported by this URL; use {allowed}")]
    MethodNotAllowed {
        method: String,
        allowed: &'static str,
    },
    #[error("request body is larger than {limit} bytes; send a smaller job file")]
    TooLarge { limit: usize },
    #[error("authentication required: send HTTP Basic credentials")]
    Unauthorized,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::BadRequest(message.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::NotFound(_) | ApiError::UnknownJob(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
        }
    }

    /// Unknown paths get a plain page as Jetty's default handler does; every other error is
    /// SeaTunnel's JSON error body.
    pub fn into_reply(self) -> Reply {
        let status = self.status();
        if let ApiError::NotFound(path) = &self {
            let page = format!(
                "<html><body><h2>HTTP ERROR 404 Not Found</h2><p>URI: {}</p></body></html>",
                html_escape(path)
            );
            return reply(status, "text/html;charset=utf-8", page.into());
        }
        let body = json!({"status": "fail", "message": self.to_string()});
        let mut r = reply(status, ERROR_JSON_TYPE, body.to_string().into());
        if let ApiError::Unauthorized = self {
            r.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"seatunnel\""),
            );
        }
        r
    }
}

impl From<CoordinatorError> for ApiError {
    fn from(e: CoordinatorError) -> ApiError {
        if e.is_bad_request() {
            ApiError::BadRequest(e.to_string())
        } else if e.is_unknown_job() {
            ApiError::UnknownJob(e.to_string())
        } else {
            ApiError::Failed(e.to_string())
        }
    }
}

/// 200 with a JSON body.
pub fn json_reply(body: &Json) -> Reply {
    reply(StatusCode::OK, JSON_TYPE, body.to_string().into())
}

pub fn reply(status: StatusCode, content_type: &'static str, body: Bytes) -> Reply {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body(r: Reply) -> String {
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn errors_have_seatunnels_shape() {
        let r = ApiError::bad_request(EMPTY_BODY).into_reply();
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()[CONTENT_TYPE], ERROR_JSON_TYPE);
        assert_eq!(
            body(r).await,
            r#"{"status":"fail","message":"Request body is empty."}"#
        );
        let r = ApiError::from(CoordinatorError::AlreadySubmitted(3)).into_reply();
        assert_eq!(r.status(), 500);
        let r = ApiError::from(CoordinatorError::SavepointNeedsJobId).into_reply();
        assert_eq!(r.status(), 400);
        let r = ApiError::from(CoordinatorError::UnknownJob(9)).into_reply();
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()[CONTENT_TYPE], ERROR_JSON_TYPE);
        assert!(body(r)
            .await
            .starts_with(r#"{"status":"fail","message":"job 9 is"#));
        let r = ApiError::NotFound("/x<y".into()).into_reply();
        assert_eq!(r.status(), 404);
        assert!(body(r).await.contains("/x&lt;y"));
    }
}
