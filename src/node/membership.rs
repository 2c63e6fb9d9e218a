//! The active master keeps the Raft membership in line with the masters of the member list
//! after formation: it greets the list, and applies [`membership::next_change`] one change at a
//! time (a late or replaced master joins as a learner, then votes once it caught up).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use openraft::async_runtime::WatchReceiver;
use openraft::{BasicNode, ChangeMembers};
use tokio_util::sync::CancellationToken;

use crate::cluster::bootstrap::{self, ResolvedEntry};
use crate::cluster::greet::{self, GreetError, ROLE_MASTER};
use crate::cluster::membership::{self, Change, Members};
use crate::config::{resolve_candidates, split_candidate};
use crate::raft::proto::Hello;
use crate::raft::{uncancelled, MasterRaft, NodeId};

/// How often the active master checks the membership: joining is an operator's action, so a
/// few seconds of delay do not matter, and each round greets every member-list entry.
const RECONCILE_EVERY: Duration = Duration::from_secs(3);
/// Bound on one greeting; a member that does not answer in time is simply not seen this round.
const GREET_TIMEOUT: Duration = Duration::from_secs(2);
/// A learner whose replicated log is within this many entries of the leader's may vote: close
/// enough that promoting it does not stall commits while it catches up the rest.
const CAUGHT_UP_LAG: u64 = 64;

/// The member list a master greets, shared by formation and membership upkeep so each alias is
/// warned about once per process.
pub(super) type SharedMemberList = Arc<tokio::sync::Mutex<MemberList>>;

/// The member list as a master greets it: every entry with the addresses to try, of which only
/// those naming distinct members are greeted ([`bootstrap::distinct_entries`]).
pub(super) struct MemberList {
    entries: Vec<(String, Vec<String>)>,
    /// Per entry, the ports its candidates stand for.
    ports: Vec<BTreeSet<u16>>,
    /// Per entry, the IP addresses its host resolved to; `None` until it resolved.
    ips: Vec<Option<BTreeSet<IpAddr>>>,
    /// Aliases already warned about: each is said once.
    warned: BTreeSet<String>,
}

impl MemberList {
    /// `entries`: each member-list entry with its candidate addresses (`host:port`).
    pub(super) fn new(entries: Vec<(String, Vec<String>)>) -> MemberList {
        let ports = entries
            .iter()
            .map(|(_, candidates)| {
                candidates
                    .iter()
                    .filter_map(|c| split_candidate(c).map(|(_, p)| p))
                    .collect()
            })
            .collect();
        MemberList {
            ips: vec![None; entries.len()],
            ports,
            entries,
            warned: BTreeSet::new(),
        }
    }

    pub(super) fn shared(self) -> SharedMemberList {
        Arc::new(tokio::sync::Mutex::new(self))
    }

    /// The entries that name distinct members, in list order. Entries not resolved yet are
    /// looked up first, off the async runtime (name lookups block); one that does not resolve
    /// is tried again on the next call. Warns once per alias found.
    pub(super) async fn distinct(&mut self) -> Vec<(String, Vec<String>)> {
        let pending: Vec<(usize, Vec<String>)> = self
            .ips
            .iter()
            .enumerate()
            .filter(|(_, ips)| ips.is_none())
            .map(|(i, _)| (i, self.entries[i].1.clone()))
            .collect();
        if !pending.is_empty() {
            let looked_up = tokio::task::spawn_blocking(move || {
                pending
                    .into_iter()
                    .map(|(i, candidates)| (i, resolve_candidates(&candidates)))
                    .collect::<Vec<_>>()
            })
            .await
            .unwrap_or_default();
            for (i, ips) in looked_up {
                self.ips[i] = ips;
            }
        }
        let resolved: Vec<ResolvedEntry> = self
            .entries
            .iter()
            .zip(&self.ports)
            .zip(&self.ips)
            .map(|(((entry, _), ports), ips)| ResolvedEntry {
                entry: entry.clone(),
                ports: ports.clone(),
                ips: ips.clone().unwrap_or_default(),
            })
            .collect();
        let (kept, aliases) = bootstrap::distinct_entries(&resolved);
        for a in aliases {
            if self.warned.insert(a.alias.clone()) {
                tracing::warn!(
                    "member-list entries {} and {} name the same member; it is greeted once, as {}: list each member once in hazelcast.network.join.tcp-ip.member-list",
                    a.kept,
                    a.alias,
                    a.kept
                );
            }
        }
        kept.into_iter().map(|i| self.entries[i].clone()).collect()
    }
}

/// Greets the first answering candidate address of one member-list entry.
pub(super) async fn greet_entry(
    candidates: &[String],
    cluster: &str,
    timeout: Duration,
) -> Result<(String, Hello), Option<GreetError>> {
    let mut last = None;
    for target in candidates {
        let hello = Hello {
            cluster_name: cluster.to_string(),
            ..Hello::default()
        };
        match greet::greet(target, cluster, hello, timeout).await {
            Ok(h) => return Ok((target.clone(), h)),
            Err(e) => last = Some(e),
        }
    }
    Err(last)
}

/// Runs until `token` is cancelled; acts only while this master leads with a fresh lease.
pub(super) async fn keep(
    raft: MasterRaft,
    cluster: String,
    members: SharedMemberList,
    backup_count: usize,
    token: CancellationToken,
) {
    let mut tick = tokio::time::interval(RECONCILE_EVERY);
    // Entries that answered as workers: a role is fixed by the node's config, so they are not
    // greeted again every round.
    let mut workers: BTreeSet<String> = BTreeSet::new();
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tick.tick() => {}
        }
        if raft.lease_token().is_none() {
            continue;
        }
        let targets = members.lock().await.distinct().await;
        let mut seen: BTreeMap<String, NodeId> = BTreeMap::new();
        for (entry, candidates) in &targets {
            if workers.contains(entry) {
                continue;
            }
            if let Ok((address, h)) = greet_entry(candidates, &cluster, GREET_TIMEOUT).await {
                if h.role == ROLE_MASTER {
                    seen.insert(address, h.node_id);
                } else {
                    workers.insert(entry.clone());
                }
            }
        }
        let (members, caught_up) = snapshot(&raft);
        let addresses: BTreeSet<&String> = seen
            .keys()
            .chain(members.voters.values())
            .chain(members.learners.values())
            .collect();
        let f = bootstrap::tolerated_failures(backup_count, addresses.len());
        let Some(change) = membership::next_change(&members, &seen, 2 * f + 1, &caught_up) else {
            continue;
        };
        apply(&raft, &members, change).await;
    }
}

/// The membership and the learners that caught up, from the leader's metrics.
fn snapshot(raft: &MasterRaft) -> (Members, BTreeSet<NodeId>) {
    let m = raft.raft.metrics().borrow_watched().clone();
    let membership = m.membership_config.membership();
    let address = |id: &NodeId| {
        membership
            .get_node(id)
            .map(|n| n.addr.clone())
            .unwrap_or_default()
    };
    let voters: BTreeSet<NodeId> = membership.voter_ids().collect();
    let members = Members {
        voters: voters.iter().map(|id| (*id, address(id))).collect(),
        learners: membership
            .learner_ids()
            .map(|id| (id, address(&id)))
            .collect(),
    };
    let last = m.last_log_index.unwrap_or_default();
    let caught_up = m
        .replication
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, matched)| {
            matched
                .as_ref()
                .is_some_and(|l| l.index + CAUGHT_UP_LAG >= last)
        })
        .map(|(id, _)| id)
        .collect();
    (members, caught_up)
}

async fn apply(raft: &MasterRaft, members: &Members, change: Change) {
    let r = raft.raft.clone();
    let result = match &change {
        Change::AddLearner { id, address } => {
            tracing::info!(
                node_id = id,
                %address,
                "master at {address} (node {id}) is not in the raft group; adding it as a learner"
            );
            let (id, node) = (*id, BasicNode::new(address));
            uncancelled(async move { r.add_learner(id, node, false).await.map(|_| ()) }).await
        }
        Change::Promote { id } => {
            tracing::info!(
                node_id = id,
                "master node {id} caught up; it becomes a voter (fewer than 2f+1 voted)"
            );
            let voters = ChangeMembers::AddVoterIds(BTreeSet::from([*id]));
            uncancelled(async move { r.change_membership(voters, false).await.map(|_| ()) }).await
        }
        Change::Replace { old, new } => {
            let address = members.voters.get(old).cloned().unwrap_or_default();
            tracing::warn!(
                node_id = new,
                "master at {address} now runs as node {new} (its data dir was replaced); it takes the vote of node {old}, which leaves the group"
            );
            let mut voters: BTreeSet<NodeId> = members.voters.keys().copied().collect();
            voters.remove(old);
            voters.insert(*new);
            let voters = ChangeMembers::ReplaceAllVoters(voters);
            uncancelled(async move { r.change_membership(voters, false).await.map(|_| ()) }).await
        }
    };
    match (result, &change) {
        (Err(e), _) => tracing::warn!(
            "membership change {change:?} did not go through: {e}; retrying next round"
        ),
        // Only now is the joint configuration over: until then the old voter still counts.
        (Ok(()), Change::Replace { old, new }) => tracing::info!(
            node_id = new,
            "master node {new} now votes in place of node {old}"
        ),
        (Ok(()), _) => {}
    }
}
