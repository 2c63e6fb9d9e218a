//! A raw HTTP/1.1 client for the socket tests: requests are written byte for byte and answers
//! parsed by hand, so the tests see exactly what a client on the wire sees (status line, headers,
//! body) and nothing an HTTP library would smooth over.

pub mod node;

use std::net::SocketAddr;

use serde_json::{json, Value as Json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The content type of SeaTunnel's `{"status": "fail", ...}` answers.
pub const FAIL_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One request that asks the server to close the connection after answering, so the answer
/// ends where the stream does.
pub fn request_bytes(method: &str, path: &str, content_type: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Parses a whole answer read up to the end of the stream.
pub fn parse_answer(raw: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(&request_bytes(method, path, content_type, body))
        .await
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    parse_answer(&raw)
}

pub async fn get(addr: SocketAddr, path: &str) -> Answer {
    send(addr, "GET", path, None, b"").await
}

pub async fn post(addr: SocketAddr, path: &str, body: &str) -> Answer {
    send(
        addr,
        "POST",
        path,
        Some("application/json"),
        body.as_bytes(),
    )
    .await
}

/// A multipart body with one file field, as curl and SeaTunnel's tests upload a job file.
pub fn multipart_file(boundary: &str, field: &str, file_name: &str, data: &str) -> String {
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n\r\n{data}\r\n--{boundary}--\r\n"
    )
}

/// A SeaTunnel failure answer as it arrives: status, content type and the exact body.
pub fn assert_fail(a: &Answer, status: u16, message: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.header("content-type"), Some(FAIL_CONTENT_TYPE));
    assert_eq!(a.json(), json!({"status": "fail", "message": message}));
}
