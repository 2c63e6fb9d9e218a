//! The `/logs` family: `/logs[/:jobId]` lists the log files of every node (HTML, or JSON with
//! `?format=json`), `/logs/<name>` and `/log/<name>` answer one file of this node, `/log` lists
//! this node's files as HTML, `/get-all-log-name` lists their names for other nodes.
//!
//! Cluster-wide listing asks every peer the member directory names
//! ([`MemberDirectory::log_peers`](crate::api::members::MemberDirectory::log_peers)) for its
//! `/get-all-log-name`; a peer that does not answer is left out with a warning, as SeaTunnel
//! skips it.

use hyper::body::Bytes;
use serde_json::{json, Value as Json};

use crate::api::client;
use crate::api::error::ApiError;
use crate::api::log_files::{self, LogFileError};
use crate::api::{peers, ApiState};

/// The title of the HTML listing, as SeaTunnel's page shows it.
const PAGE_TITLE: &str = "Seatunnel log";

/// One log file of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// `host:port` of the node's REST API.
    pub node: String,
    pub log_link: String,
    pub log_name: String,
}

/// The entries of one node at `base_url`, keeping only `job_id`'s file when it is not empty.
/// Pure.
pub fn entries(base_url: &str, node: &str, names: &[String], job_id: &str) -> Vec<LogEntry> {
    names
        .iter()
        .filter(|n| log_files::is_log_name(n))
        .filter(|n| job_id.is_empty() || log_files::is_job_file(n, job_id))
        .map(|n| LogEntry {
            node: node.to_string(),
            log_link: format!("{base_url}/logs/{n}"),
            log_name: n.clone(),
        })
        .collect()
}

fn local_names(state: &ApiState) -> Result<Vec<String>, ApiError> {
    log_files::list(state.log_dir.as_deref()).map_err(|e| {
        ApiError::Failed(format!(
            "cannot list the log directory {}: {e}",
            state
                .log_dir
                .as_deref()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        ))
    })
}

/// This node's files, then every peer's in the directory's order. Peers are asked at once, so
/// a silent one costs [`peers::PEER_TIMEOUT`] once, not once per peer.
pub async fn list_all(state: &ApiState, job_id: &str) -> Result<Vec<LogEntry>, ApiError> {
    let node = format!("{}:{}", state.node.host, state.node.http_port);
    let mut out = entries(&state.base_url(), &node, &local_names(state)?, job_id);
    for (base, answer) in peers::ask_all(state, "/get-all-log-name").await {
        let names = answer.and_then(|j| {
            serde_json::from_value::<Vec<String>>(j)
                .map_err(|e| format!("{base} did not answer a JSON array of names: {e}"))
        });
        match names {
            Ok(names) => {
                let node = client::split_url(&base).map(|(a, _)| a).unwrap_or_default();
                out.extend(entries(&base, &node, &names, job_id));
            }
            Err(e) => {
                tracing::warn!(peer = %base, "cannot list the log files of a member, leaving it out: {e}")
            }
        }
    }
    Ok(out)
}

pub fn entries_json(entries: &[LogEntry]) -> Json {
    Json::Array(
        entries
            .iter()
            .map(|e| json!({"node": e.node, "logLink": e.log_link, "logName": e.log_name}))
            .collect(),
    )
}

/// SeaTunnel's page: a title and one link per file.
pub fn page<'a>(links: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut items = String::new();
    for (href, name) in links {
        items.push_str(&format!(
            "<li><a href=\"{}\">{}</a></li>\n",
            escape(href),
            escape(name)
        ));
    }
    format!(
        "<html><head><title>{PAGE_TITLE}</title></head>\n<body>\n <h2>{PAGE_TITLE}</h2>\n <ul>\n{items} </ul>\n</body></html>"
    )
}

pub fn entries_html(entries: &[LogEntry]) -> String {
    page(
        entries
            .iter()
            .map(|e| (e.log_link.as_str(), e.log_name.as_str())),
    )
}

/// `/log`: this node's files, linked below `/log/`.
pub fn node_page(state: &ApiState) -> Result<String, ApiError> {
    let names = local_names(state)?;
    let links: Vec<(String, &str)> = names
        .iter()
        .map(|n| (format!("{}/log/{n}", state.context_path()), n.as_str()))
        .collect();
    Ok(page(links.iter().map(|(h, n)| (h.as_str(), *n))))
}

/// `/get-all-log-name`.
pub fn all_log_names(state: &ApiState) -> Result<Json, ApiError> {
    Ok(json!(local_names(state)?))
}

/// One file's content. A refused or missing name is a 400 with the fail body, as SeaTunnel
/// answers 400 for both.
pub fn log_file(state: &ApiState, name: &str) -> Result<Bytes, ApiError> {
    match log_files::read(state.log_dir.as_deref(), name) {
        Ok(bytes) => Ok(Bytes::from(bytes)),
        Err(e @ LogFileError::BadName(_)) => {
            tracing::warn!(name, "log file request refused: not a plain log file name");
            Err(ApiError::bad_request(e.to_string()))
        }
        Err(e @ (LogFileError::NoLogDir | LogFileError::NotFound(_))) => {
            Err(ApiError::bad_request(e.to_string()))
        }
        Err(e @ LogFileError::Read { .. }) => Err(ApiError::Failed(e.to_string())),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_link_every_valid_name_or_one_job() {
        let names = vec![
            "job-1.log".to_string(),
            "job-12.log".into(),
            "../x.log".into(),
        ];
        let all = entries("http://h:8080/st", "h:8080", &names, "");
        assert_eq!(all.len(), 2, "invalid names from a peer are not linked");
        assert_eq!(
            entries_json(&all)[0],
            json!({"node": "h:8080", "logLink": "http://h:8080/st/logs/job-1.log", "logName": "job-1.log"})
        );
        let one = entries("http://h:8080", "h:8080", &names, "12");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].log_name, "job-12.log");
    }

    #[test]
    fn the_page_lists_links_escaped() {
        let html = page([("/log/job-1.log", "job-1.log"), ("a\"<", "b&")]);
        assert!(html.starts_with("<html><head><title>Seatunnel log</title></head>"));
        assert!(html.contains("<li><a href=\"/log/job-1.log\">job-1.log</a></li>\n"));
        assert!(html.contains("<a href=\"a&quot;&lt;\">b&amp;</a>"));
        assert!(html.ends_with(" </ul>\n</body></html>"));
    }
}
