//! `seatunnel cluster members --url http://host:port`: the member table of a running node, read
//! from its `/members`, with the columns of SeaTunnel's `seatunnel-cluster.sh -m` plus Raft's.
//!
//! Exit codes: 0 printed; 1 the node could not be asked or answered something else than a
//! member list (the message says which).

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;

use crate::api::client;
use crate::api::members::{rows_from_json, MemberRow};

/// How long the node may take to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Column titles, in order.
const HEADERS: [&str; 6] = [
    "Member ID",
    "Address",
    "Role",
    "Version",
    "Raft Term",
    "Raft State",
];
/// Shown for a field a member does not have (a worker's Raft fields).
const ABSENT: &str = "-";

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Print every member: id, address, role, version and, for masters, Raft term and state
    Members {
        /// A node's REST base URL, with its context path if it has one
        #[arg(long, value_name = "http://HOST:PORT")]
        url: String,
    },
}

pub fn run(cmd: ClusterCommand) -> ExitCode {
    let ClusterCommand::Members { url } = cmd;
    let runtime = match super::runtime(false, 1) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match runtime.block_on(fetch(&url)) {
        Ok(rows) => {
            print!("{}", format_members(&rows));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn fetch(base: &str) -> Result<Vec<MemberRow>, String> {
    let url = format!("{}/members", base.trim_end_matches('/'));
    let (status, body) = client::get(&url, None, REQUEST_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    match status {
        200 => {}
        401 => return Err(format!("{url} needs HTTP Basic credentials (http.enable-basic-auth); this command does not send them yet")),
        404 => return Err(format!("{url} is not found: is this a seatunnel-rs node, and does --url include the context path?")),
        other => return Err(format!("{url} answered HTTP {other}: {body}")),
    }
    let json: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| format!("{url} did not answer JSON ({e}): {body}"))?;
    rows_from_json(&json).map_err(|e| format!("{url}: {e}"))
}

/// The member table, columns padded to their widest cell. Pure.
pub fn format_members(rows: &[MemberRow]) -> String {
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.id.clone(),
                r.address.clone(),
                r.role.as_str().to_string(),
                r.version.clone(),
                r.raft_term.clone().unwrap_or_else(|| ABSENT.into()),
                r.raft_state.clone().unwrap_or_else(|| ABSENT.into()),
            ]
        })
        .collect();
    let mut widths = HEADERS.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |items: &[&str]| {
        let padded: Vec<String> = items
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join(" | ").trim_end())
    };
    let mut out = line(&HEADERS);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&format!("{}\n", rule.join("-+-")));
    for row in &cells {
        let refs: Vec<&str> = row.iter().map(String::as_str).collect();
        out.push_str(&line(&refs));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::members::MemberRole;

    #[test]
    fn the_table_aligns_every_column() {
        let rows = vec![
            MemberRow {
                id: "0".into(),
                address: "node1:5801".into(),
                role: MemberRole::ActiveMaster,
                version: "0.1.0".into(),
                raft_term: Some("3".into()),
                raft_state: Some("LEADER".into()),
            },
            MemberRow {
                id: "w-17".into(),
                address: "node2:5802".into(),
                role: MemberRole::Worker,
                version: "0.1.0".into(),
                raft_term: None,
                raft_state: None,
            },
        ];
        assert_eq!(
            format_members(&rows),
            "Member ID | Address    | Role          | Version | Raft Term | Raft State\n\
             ----------+------------+---------------+---------+-----------+-----------\n\
             0         | node1:5801 | ACTIVE MASTER | 0.1.0   | 3         | LEADER\n\
             w-17      | node2:5802 | WORKER        | 0.1.0   | -         | -\n"
        );
    }
}
