//! A small HTTP/1.1 GET client for one node asking another's REST API (cluster-wide `/logs`,
//! `seatunnel cluster members`). Plain `http://` only, as the API itself serves.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, HOST};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::BasicAuth;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("bad URL '{url}': {reason}")]
    BadUrl { url: String, reason: &'static str },
    #[error("cannot reach {url}: {source}")]
    Connect { url: String, source: std::io::Error },
    #[error("{url}: {source}")]
    Http { url: String, source: hyper::Error },
    #[error("{url} did not answer within {} s", .limit.as_secs())]
    Timeout { url: String, limit: Duration },
}

/// `http://host[:port]` split into (authority, path-and-query); the port defaults to 80.
pub fn split_url(url: &str) -> Result<(String, String), ClientError> {
    let bad = |reason| ClientError::BadUrl {
        url: url.to_string(),
        reason,
    };
    let rest = match url.split_once("://") {
        Some(("http", rest)) => rest,
        Some(("https", _)) => {
            return Err(bad(
                "not supported: https; the REST API serves plain http (TLS ends at a proxy)",
            ))
        }
        Some(_) => return Err(bad("the scheme must be http://")),
        None => url,
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(bad("no host; write it as http://host:port"));
    }
    let authority = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.contains(']'))
    {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    Ok((authority, path.to_string()))
}

/// GETs `url`; the status and the body as text. The whole exchange is bounded by `limit`.
pub async fn get(
    url: &str,
    auth: Option<&BasicAuth>,
    limit: Duration,
) -> Result<(u16, String), ClientError> {
    let (authority, path) = split_url(url)?;
    let out = send(
        url,
        &authority,
        Outgoing {
            method: hyper::Method::GET,
            path: &path,
            content_type: None,
            body: Bytes::new(),
            extra: None,
        },
        auth,
        limit,
    )
    .await?;
    Ok((out.0, String::from_utf8_lossy(&out.2).into_owned()))
}

/// One request to send.
pub struct Outgoing<'a> {
    pub method: hyper::Method,
    /// Path and query.
    pub path: &'a str,
    pub content_type: Option<&'a str>,
    pub body: Bytes,
    /// One more header (name, value).
    pub extra: Option<(&'static str, &'a str)>,
}

/// Sends one request to `authority` (`host:port`); answers `(status, content type, body)`.
pub async fn send(
    url: &str,
    authority: &str,
    out: Outgoing<'_>,
    auth: Option<&BasicAuth>,
    limit: Duration,
) -> Result<(u16, Option<String>, Bytes), ClientError> {
    match tokio::time::timeout(limit, exchange(url, authority, out, auth)).await {
        Ok(r) => r,
        Err(_) => Err(ClientError::Timeout {
            url: url.to_string(),
            limit,
        }),
    }
}

async fn exchange(
    url: &str,
    authority: &str,
    out: Outgoing<'_>,
    auth: Option<&BasicAuth>,
) -> Result<(u16, Option<String>, Bytes), ClientError> {
    let http = |source| ClientError::Http {
        url: url.to_string(),
        source,
    };
    let stream = TcpStream::connect(authority)
        .await
        .map_err(|source| ClientError::Connect {
            url: url.to_string(),
            source,
        })?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(http)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut req = Request::builder()
        .method(out.method)
        .uri(out.path)
        .header(HOST, authority);
    if let Some(ct) = out.content_type {
        req = req.header(hyper::header::CONTENT_TYPE, ct);
    }
    if let Some((name, value)) = out.extra {
        req = req.header(name, value);
    }
    if let Some(a) = auth {
        let token = BASE64.encode(format!("{}:{}", a.username, a.password));
        req = req.header(AUTHORIZATION, format!("Basic {token}"));
    }
    let req = req
        .body(Full::new(out.body))
        .map_err(|_| ClientError::BadUrl {
            url: url.to_string(),
            reason: "the path is not a valid request target",
        })?;
    let resp = sender.send_request(req).await.map_err(http)?;
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp.into_body().collect().await.map_err(http)?.to_bytes();
    Ok((status, content_type, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_authority_and_path() {
        let s = |u: &str| split_url(u).unwrap();
        assert_eq!(
            s("http://h:8080/st/members"),
            ("h:8080".into(), "/st/members".into())
        );
        assert_eq!(s("http://h"), ("h:80".into(), "/".into()));
        assert_eq!(s("h:1/x?y=1"), ("h:1".into(), "/x?y=1".into()));
        assert_eq!(s("http://[::1]:9/"), ("[::1]:9".into(), "/".into()));
        assert_eq!(s("http://[::1]/"), ("[::1]:80".into(), "/".into()));
        assert!(split_url("https://h/")
            .unwrap_err()
            .to_string()
            .contains("not supported: https"));
        assert!(split_url("ftp://h/").is_err());
        assert!(split_url("http:///x").is_err());
    }

    #[tokio::test]
    async fn an_unreachable_node_is_an_error_naming_the_url() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        let url = format!("http://{addr}/members");
        let e = get(&url, None, Duration::from_secs(5)).await.unwrap_err();
        assert!(e.to_string().contains(&url), "{e}");
    }
}
