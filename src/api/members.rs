//! `/members` (ours, not SeaTunnel's): who is in the cluster, what role each member plays, and
//! for masters where Raft stands. The data comes from a [`MemberDirectory`], so the API does not
//! know how membership is kept: masters and hybrid nodes supply the Raft group's directory; a
//! job manager served without one (the API's in-process tests) describes itself
//! ([`SingleNode`]).

use serde_json::{json, Value as Json};

/// Raft fields of a node that runs no Raft group: it is its own master without elections, so
/// it reports the state `STANDALONE` and term `"0"` rather than nulls, which would read as "a
/// worker".
pub const STANDALONE_RAFT_STATE: &str = "STANDALONE";
pub const STANDALONE_RAFT_TERM: &str = "0";

/// A member's role, spelled as SeaTunnel's member table (`seatunnel-cluster.sh -m`) prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberRole {
    ActiveMaster,
    Master,
    Worker,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::ActiveMaster => "ACTIVE MASTER",
            MemberRole::Master => "MASTER",
            MemberRole::Worker => "WORKER",
        }
    }

    pub fn is_master(self) -> bool {
        !matches!(self, MemberRole::Worker)
    }
}

/// One member as `/members` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub id: String,
    /// `host:port`, the address other members know it by.
    pub address: String,
    pub role: MemberRole,
    pub version: String,
    /// Masters only; `None` for workers.
    pub raft_term: Option<String>,
    pub raft_state: Option<String>,
}

impl MemberRow {
    pub fn to_json(&self) -> Json {
        json!({
            "id": self.id,
            "address": self.address,
            "role": self.role.as_str(),
            "version": self.version,
            "raftTerm": self.raft_term,
            "raftState": self.raft_state,
        })
    }
}

/// Where the API learns about the cluster's members.
pub trait MemberDirectory: Send + Sync {
    /// Every member this node knows of, itself included.
    fn members(&self) -> Vec<MemberRow>;

    /// The REST base URLs (`http://host:port<context-path>`) of the other members, which
    /// cluster-wide `/logs` asks for their log names. Empty: this node lists its own files.
    fn log_peers(&self) -> Vec<String> {
        Vec::new()
    }

    /// `/overview`'s slot and worker numbers over the workers whose tags match `filter`, when
    /// this node knows the cluster's workers (the active master). `None`: this node counts
    /// itself (a hybrid node).
    fn slot_overview(
        &self,
        _filter: &[(String, String)],
    ) -> Option<crate::scheduler::SlotOverview> {
        None
    }
}

/// A node alone: a hybrid node, its own active master.
#[derive(Debug, Clone)]
pub struct SingleNode {
    pub row: MemberRow,
}

impl SingleNode {
    /// A hybrid node at `address` with member id `id`, this build's version.
    pub fn hybrid(id: impl Into<String>, address: impl Into<String>) -> SingleNode {
        SingleNode {
            row: MemberRow {
                id: id.into(),
                address: address.into(),
                role: MemberRole::ActiveMaster,
                version: env!("CARGO_PKG_VERSION").to_string(),
                raft_term: Some(STANDALONE_RAFT_TERM.to_string()),
                raft_state: Some(STANDALONE_RAFT_STATE.to_string()),
            },
        }
    }
}

impl MemberDirectory for SingleNode {
    fn members(&self) -> Vec<MemberRow> {
        vec![self.row.clone()]
    }
}

/// The `/members` answer.
pub fn members_json(dir: &dyn MemberDirectory) -> Json {
    Json::Array(dir.members().iter().map(MemberRow::to_json).collect())
}

/// Parses a `/members` answer back into rows (for the CLI); the error names what is malformed.
pub fn rows_from_json(body: &Json) -> Result<Vec<MemberRow>, String> {
    let items = body
        .as_array()
        .ok_or_else(|| format!("expected a JSON array of members, got {body}"))?;
    items
        .iter()
        .map(|m| {
            let text = |k: &str| {
                m.get(k)
                    .and_then(Json::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| format!("member {m} has no text field \"{k}\""))
            };
            let opt = |k: &str| m.get(k).and_then(Json::as_str).map(str::to_string);
            let role = match text("role")?.as_str() {
                "ACTIVE MASTER" => MemberRole::ActiveMaster,
                "MASTER" => MemberRole::Master,
                "WORKER" => MemberRole::Worker,
                other => return Err(format!("member {m} has an unknown role '{other}'")),
            };
            Ok(MemberRow {
                id: text("id")?,
                address: text("address")?,
                role,
                version: text("version")?,
                raft_term: opt("raftTerm"),
                raft_state: opt("raftState"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hybrid_node_is_one_standalone_active_master() {
        let dir = SingleNode::hybrid("0", "node1:5801");
        let body = members_json(&dir);
        assert_eq!(
            body,
            json!([{
                "id": "0", "address": "node1:5801", "role": "ACTIVE MASTER",
                "version": env!("CARGO_PKG_VERSION"), "raftTerm": "0", "raftState": "STANDALONE"
            }])
        );
        assert_eq!(rows_from_json(&body).unwrap(), dir.members());
        assert!(dir.log_peers().is_empty());
    }

    #[test]
    fn workers_have_null_raft_fields_and_bad_answers_are_named() {
        let w = MemberRow {
            id: "w".into(),
            address: "h:5802".into(),
            role: MemberRole::Worker,
            version: "1".into(),
            raft_term: None,
            raft_state: None,
        };
        let j = w.to_json();
        assert_eq!(j["raftTerm"], Json::Null);
        assert_eq!(j["role"], "WORKER");
        assert_eq!(rows_from_json(&json!([j])).unwrap(), vec![w]);
        assert!(rows_from_json(&json!({})).unwrap_err().contains("array"));
        let e =
            rows_from_json(&json!([{"id": "1", "address": "a", "role": "BOSS", "version": "1"}]))
                .unwrap_err();
        assert!(e.contains("BOSS"), "{e}");
        assert!(MemberRole::Master.is_master() && !MemberRole::Worker.is_master());
    }
}
