//! A small REST V2 client over hyper: one connection per request to the first cluster member that
//! accepts one. Members are tried in the order `hazelcast-client.yaml` lists them; the member
//! that answered last is tried first next time, so a client following a job keeps talking to one
//! node and moves on only when that node stops accepting connections.
//!
//! Only connection failures move to the next member: a request that reached a node and then
//! failed is reported, never resent, so a submit is never doubled.

use std::time::Duration;

use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::Value as Json;
use tokio::net::TcpStream;

use crate::config::Target;

/// How long one member may take to accept a connection before the next is tried. Short: a
/// member that does not accept within this is down or unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a member may take to answer one request once connected (a submit plans the job).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// HTTP 401: the node wants credentials.
const UNAUTHORIZED: u16 = 401;
/// Where the client takes its credentials from.
const AUTH_HINT: &str = "the client sends seatunnel.engine.http.basic-auth-username and basic-auth-password from its seatunnel.yaml when enable-basic-auth is true there";

#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("no cluster member accepted a connection; tried {tried}; the members come from {from}: start a node there or fix hazelcast-client.network.cluster-members")]
    NoMember { tried: String, from: String },
    #[error("{addr}: {method} {path} failed: {message}")]
    Transport {
        addr: String,
        method: Method,
        path: String,
        message: String,
    },
    /// The node refused the request; `message` is SeaTunnel's `{"message": …}` when it sent one.
    #[error("{message}")]
    Refused {
        addr: String,
        status: u16,
        message: String,
    },
    #[error("{addr}: {method} {path} answered something that is not JSON: {message}")]
    NotJson {
        addr: String,
        method: Method,
        path: String,
        message: String,
    },
}

/// How long to keep trying when no member accepts a connection: `hazelcast-client.yaml`'s
/// `connection-strategy.connection-retry`, as Hazelcast's client applies it between rounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// `None` keeps trying (`cluster-connect-timeout-millis: -1`); `Some(0)` tries one round.
    pub give_up_after: Option<Duration>,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub multiplier: f64,
}

impl RetryPolicy {
    /// One round over the members, no waiting.
    pub fn once() -> RetryPolicy {
        RetryPolicy {
            give_up_after: Some(Duration::ZERO),
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
            multiplier: 1.0,
        }
    }

    pub fn from_config(c: &crate::config::ClientConfig) -> RetryPolicy {
        RetryPolicy {
            give_up_after: c.connect_timeout,
            initial_backoff: c.initial_backoff,
            max_backoff: c.max_backoff,
            multiplier: c.backoff_multiplier,
        }
    }

    /// The pause before the next round, or `None` to give up, after `elapsed` since the first
    /// round and a previous pause of `last`. Pure.
    pub fn next_pause(&self, elapsed: Duration, last: Option<Duration>) -> Option<Duration> {
        let pause = match last {
            None => self.initial_backoff,
            Some(d) => d.mul_f64(self.multiplier.max(1.0)),
        }
        .min(self.max_backoff);
        match self.give_up_after {
            None => Some(pause),
            Some(limit) if elapsed >= limit => None,
            // Never sleep past the limit: one last round at the limit.
            Some(limit) => Some(pause.min(limit - elapsed)),
        }
    }
}

/// The cluster as the client sees it: members to try and where that list came from.
pub struct RestClient {
    members: Vec<Target>,
    from: String,
    /// Index of the member that accepted the last connection.
    current: usize,
    connect_timeout: Duration,
    retry: RetryPolicy,
    /// `Authorization` header value sent with every request, when the servers want one.
    authorization: Option<String>,
}

/// The `Authorization` value for HTTP Basic credentials. Pure.
pub fn basic_authorization(c: &crate::config::HttpCredentials) -> String {
    let pair = format!("{}:{}", c.username, c.password);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

impl RestClient {
    /// `from` names where the member list came from, for the error when none answers.
    pub fn new(members: Vec<Target>, from: String, retry: RetryPolicy) -> RestClient {
        RestClient {
            members,
            from,
            current: 0,
            connect_timeout: CONNECT_TIMEOUT,
            retry,
            authorization: None,
        }
    }

    /// Sends these credentials with every request.
    pub fn with_credentials(mut self, c: Option<&crate::config::HttpCredentials>) -> RestClient {
        self.authorization = c.map(basic_authorization);
        self
    }

    pub async fn get(&mut self, path: &str) -> Result<Json, RestError> {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&mut self, path: &str, body: &Json) -> Result<Json, RestError> {
        self.call(Method::POST, path, Some(body.to_string().into_bytes()))
            .await
    }

    /// Sends one request; a 2xx answer's JSON, otherwise [`RestError::Refused`].
    pub async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Json, RestError> {
        let (target, stream) = self.connect().await?;
        let addr = target.to_string();
        let transport = |message: String| RestError::Transport {
            addr: addr.clone(),
            method: method.clone(),
            path: path.to_string(),
            message,
        };
        let exchange = async {
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| transport(e.to_string()))?;
            tokio::spawn(conn);
            let mut req = Request::builder()
                .method(method.clone())
                .uri(path)
                .header(HOST, addr.as_str());
            if body.is_some() {
                req = req.header(CONTENT_TYPE, "application/json");
            }
            if let Some(auth) = &self.authorization {
                req = req.header(AUTHORIZATION, auth.as_str());
            }
            let req = req
                .body(Full::new(Bytes::from(body.unwrap_or_default())))
                .map_err(|e| transport(e.to_string()))?;
            let resp = sender
                .send_request(req)
                .await
                .map_err(|e| transport(e.to_string()))?;
            let status = resp.status().as_u16();
            let bytes = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| transport(e.to_string()))?
                .to_bytes();
            Ok::<_, RestError>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| transport(format!("no answer within {REQUEST_TIMEOUT:?}")))??;
        interpret(&addr, &method, path, status, &bytes)
    }

    /// The first member that accepts a connection, in rounds paced by the retry policy.
    async fn connect(&mut self) -> Result<(Target, TcpStream), RestError> {
        let start = tokio::time::Instant::now();
        let mut pause = None;
        loop {
            let tried = match self.connect_round().await {
                Ok(found) => return Ok(found),
                Err(tried) => tried,
            };
            let Some(next) = self.retry.next_pause(start.elapsed(), pause) else {
                return Err(RestError::NoMember {
                    tried: if tried.is_empty() {
                        "no address".into()
                    } else {
                        tried.join(", ")
                    },
                    from: self.from.clone(),
                });
            };
            tracing::warn!(
                "no cluster member accepted a connection ({}); trying again in {next:?}",
                tried.join(", ")
            );
            tokio::time::sleep(next).await;
            pause = Some(next);
        }
    }

    /// One pass over the members, starting with the last one that answered; on failure, what
    /// each attempt gave.
    async fn connect_round(&mut self) -> Result<(Target, TcpStream), Vec<String>> {
        let n = self.members.len();
        let mut tried = Vec::with_capacity(n);
        for i in 0..n {
            let idx = (self.current + i) % n;
            let target = &self.members[idx];
            let attempt = tokio::time::timeout(
                self.connect_timeout,
                TcpStream::connect((target.host.as_str(), target.port)),
            )
            .await;
            match attempt {
                Ok(Ok(stream)) => {
                    if idx != self.current {
                        tracing::info!(member = %target, "using cluster member");
                    }
                    self.current = idx;
                    return Ok((target.clone(), stream));
                }
                Ok(Err(e)) => tried.push(format!("{target} ({e})")),
                Err(_) => tried.push(format!(
                    "{target} (no connection within {:?})",
                    self.connect_timeout
                )),
            }
        }
        Err(tried)
    }
}

/// An answer as the client reads it: JSON on 2xx; otherwise SeaTunnel's
/// `{"status":"fail","message":…}` message, or the status and body text. Pure.
pub fn interpret(
    addr: &str,
    method: &Method,
    path: &str,
    status: u16,
    body: &[u8],
) -> Result<Json, RestError> {
    let parsed: Result<Json, _> = serde_json::from_slice(body);
    if (200..300).contains(&status) {
        return parsed.map_err(|e| RestError::NotJson {
            addr: addr.into(),
            method: method.clone(),
            path: path.into(),
            message: e.to_string(),
        });
    }
    let message = match parsed.ok().as_ref().and_then(|j| j.get("message")) {
        Some(Json::String(m)) => m.clone(),
        _ => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                format!("{addr}: {method} {path} answered HTTP {status}")
            } else {
                format!("{addr}: {method} {path} answered HTTP {status}: {text}")
            }
        }
    };
    let message = if status == UNAUTHORIZED {
        format!("{message}; {AUTH_HINT}")
    } else {
        message
    };
    Err(RestError::Refused {
        addr: addr.into(),
        status,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_json_or_the_servers_message() {
        let ok = interpret("h:1", &Method::GET, "/overview", 200, br#"{"a":"1"}"#).unwrap();
        assert_eq!(ok["a"], "1");
        let e = interpret(
            "h:1",
            &Method::POST,
            "/stop-job",
            500,
            br#"{"status":"fail","message":"The job with id '1' not running, save point failed"}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "The job with id '1' not running, save point failed"
        );
        let e = interpret("h:1", &Method::GET, "/x", 404, b"<html>nope</html>").unwrap_err();
        assert_eq!(
            e.to_string(),
            "h:1: GET /x answered HTTP 404: <html>nope</html>"
        );
        let e = interpret("h:1", &Method::GET, "/x", 401, b"").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("h:1: GET /x answered HTTP 401; {AUTH_HINT}")
        );
        let e = interpret("h:1", &Method::GET, "/x", 200, b"hello").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("h:1: GET /x answered something that is not JSON"));
    }

    #[test]
    fn basic_credentials_are_encoded_like_curl_does() {
        let c = crate::config::HttpCredentials {
            username: "admin".into(),
            password: "s3cret:x".into(),
        };
        assert_eq!(basic_authorization(&c), "Basic YWRtaW46czNjcmV0Ong=");
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn retry_backs_off_until_the_limit() {
        let p = RetryPolicy {
            give_up_after: Some(Duration::from_millis(3000)),
            initial_backoff: Duration::from_millis(1000),
            max_backoff: Duration::from_millis(1500),
            multiplier: 2.0,
        };
        let ms = Duration::from_millis;
        assert_eq!(p.next_pause(ms(10), None), Some(ms(1000)));
        assert_eq!(p.next_pause(ms(1010), Some(ms(1000))), Some(ms(1500)));
        assert_eq!(p.next_pause(ms(2600), Some(ms(1500))), Some(ms(400)));
        assert_eq!(p.next_pause(ms(3000), Some(ms(400))), None);
        assert_eq!(RetryPolicy::once().next_pause(ms(0), None), None);
        let forever = RetryPolicy {
            give_up_after: None,
            ..p
        };
        assert_eq!(
            forever.next_pause(ms(1_000_000), Some(ms(1500))),
            Some(ms(1500))
        );
    }

    #[tokio::test]
    async fn no_member_names_every_address_and_the_file() {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        let members = vec![
            Target {
                host: "127.0.0.1".into(),
                port: 1,
            },
            Target {
                host: "127.0.0.1".into(),
                port: 1,
            },
        ];
        let mut c = RestClient::new(
            members,
            "/etc/seatunnel/hazelcast-client.yaml:4".into(),
            RetryPolicy::once(),
        );
        let e = c.get("/overview").await.unwrap_err().to_string();
        assert!(
            e.starts_with("no cluster member accepted a connection; tried 127.0.0.1:1 ("),
            "{e}"
        );
        assert!(e.contains("), 127.0.0.1:1 ("), "{e}");
        assert!(
            e.contains("; the members come from /etc/seatunnel/hazelcast-client.yaml:4: start"),
            "{e}"
        );
        let mut empty = RestClient::new(vec![], "default".into(), RetryPolicy::once());
        assert!(empty
            .get("/x")
            .await
            .unwrap_err()
            .to_string()
            .contains("tried no address"));
    }
}
