//! A master's first formation, the I/O shell around [`bootstrap::decide`] and
//! [`formation`]: it greets the member list, runs the agreement round on the proposed voters
//! (prepare and accept calls to every master that answered, this one included), and calls
//! `initialize` with the chosen set only. It also serves this master's side of that round,
//! persisting each promise in the data dir before answering.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use openraft::async_runtime::WatchReceiver;
use openraft::error::{InitializeError, RaftError};
use openraft::{BasicNode, ServerState};
use tonic::service::interceptor::InterceptedService;
use tonic::{Request, Response, Status};

use crate::cluster::bootstrap::{self, Decision, Greeting, FORMATION_GRACE};
use crate::cluster::formation::{self, Acceptance, Acceptor, Ballot, Promise, Voters};
use crate::cluster::greet::{self, MemberChannel, ROLE_MASTER};
use crate::raft::proto::formation_client::FormationClient;
use crate::raft::proto::formation_server::{Formation, FormationServer};
use crate::raft::proto::{
    FormationAccept, FormationAccepted, FormationBallot, FormationPrepare, FormationPromise,
    FormationVoter,
};
use crate::raft::service::ClusterCheck;
use crate::raft::{uncancelled, MasterRaft, NodeId};

use super::membership::SharedMemberList;

/// The file in the data dir that holds this master's promises ([`Acceptor`]).
const ACCEPTOR_FILE: &str = "formation.json";
/// Pause between greeting rounds while the group is not formed: short, since masters started
/// together should form within a second or two.
const GREET_EVERY: Duration = Duration::from_millis(500);
/// Bound on one greeting or one formation call; a member that does not answer in time is not
/// counted this round.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// How often the wait for members is logged.
const WAIT_LOG_EVERY: Duration = Duration::from_secs(10);
/// Each master after the first in entry order waits this much longer (per place) before it
/// proposes, so that one proposer usually runs alone instead of masters outbidding each other.
const PROPOSER_STAGGER: Duration = Duration::from_secs(2);
/// The most a refused proposer waits, at random, before it tries a higher ballot.
const RETRY_JITTER: Duration = Duration::from_millis(1500);
/// Bounds on what a formation call may carry, so a stray or hostile peer cannot make a master
/// persist and echo megabytes: `2f+1` voters with `backup-count` at most 6 are 13, and a member
/// address is a host name and a port.
const MAX_VOTERS: usize = 64;
const MAX_ADDRESS_LEN: usize = 255;
/// Ballot rounds grow by one per attempt; a round this high can only come from a broken peer,
/// and refusing it keeps `round + 1` from overflowing.
const MAX_ROUND: u64 = u32::MAX as u64;

/// This master's promises, kept in memory and in [`ACCEPTOR_FILE`]; one lock orders the calls,
/// so a promise is on disk before any later call sees it.
#[derive(Clone)]
pub(super) struct AcceptorStore {
    dir: PathBuf,
    state: Arc<tokio::sync::Mutex<Acceptor>>,
}

#[derive(Debug, thiserror::Error)]
pub enum AcceptorError {
    #[error("cannot read or write the formation file {path}: {source}; check the data dir's owner, mode and free space")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("formation file {path} is damaged ({source}); it holds this master's promises until the raft group first forms: if the group has formed, remove the file; otherwise restore it from a backup, or stop every master and empty every master's data dir together")]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

impl AcceptorStore {
    /// Loads the promises kept in `dir` (none on first start). Blocking: call at startup.
    pub(super) fn load(dir: PathBuf) -> Result<AcceptorStore, AcceptorError> {
        let path = dir.join(ACCEPTOR_FILE);
        let state = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|source| AcceptorError::Corrupt { path, source })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Acceptor::default(),
            Err(source) => return Err(AcceptorError::Io { path, source }),
        };
        Ok(AcceptorStore {
            dir,
            state: Arc::new(tokio::sync::Mutex::new(state)),
        })
    }

    /// Applies `step` to the promises and persists the result (off the runtime) before
    /// returning the answer; on a write error nothing changes and the call fails.
    ///
    /// Runs as a task of its own: a caller that gives up (a gRPC deadline drops the handler)
    /// must not cancel it halfway, or a promise written after a later one could replace it on
    /// disk while the later one was already answered.
    async fn update<T, F>(&self, step: F) -> Result<T, Status>
    where
        T: Send + 'static,
        F: FnOnce(&Acceptor) -> (Acceptor, T) + Send + 'static,
    {
        let (dir, state) = (self.dir.clone(), self.state.clone());
        tokio::spawn(async move {
            let mut state = state.lock().await;
            let (next, answer) = step(&state);
            if next != *state {
                let bytes =
                    serde_json::to_vec(&next).map_err(|e| Status::internal(e.to_string()))?;
                let write_dir = dir.clone();
                tokio::task::spawn_blocking(move || {
                    crate::cluster::durable::replace_file(&write_dir, ACCEPTOR_FILE, &bytes)
                })
                .await
                .map_err(|e| Status::internal(e.to_string()))?
                .map_err(|e| {
                    tracing::error!("cannot keep a formation promise in {}: {e}; check the data dir's free space and mode", dir.display());
                    Status::unavailable(e.to_string())
                })?;
                *state = next;
            }
            Ok(answer)
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
    }

    /// The highest round this master has promised, so its own ballots start above it.
    async fn promised_round(&self) -> u64 {
        self.state.lock().await.promised.map_or(0, |b| b.round)
    }
}

/// Serves the prepare and accept calls of other masters' (and this one's) proposals.
pub(super) struct FormationGrpc {
    store: AcceptorStore,
    raft: MasterRaft,
}

impl FormationGrpc {
    pub(super) fn server(
        store: AcceptorStore,
        raft: MasterRaft,
        cluster: &str,
    ) -> InterceptedService<FormationServer<FormationGrpc>, ClusterCheck> {
        FormationServer::with_interceptor(FormationGrpc { store, raft }, ClusterCheck::new(cluster))
    }
}

#[tonic::async_trait]
impl Formation for FormationGrpc {
    async fn prepare(
        &self,
        req: Request<FormationPrepare>,
    ) -> Result<Response<FormationPromise>, Status> {
        if self.raft.is_formed() {
            return Ok(Response::new(FormationPromise {
                formed: true,
                ..Default::default()
            }));
        }
        let ballot = ballot_from(req.get_ref().ballot.as_ref())?;
        let p = self.store.update(move |a| a.prepare(ballot)).await?;
        Ok(Response::new(FormationPromise {
            formed: false,
            granted: p.granted,
            promised: p.promised.map(ballot_to),
            accepted_ballot: p.accepted.as_ref().map(|(b, _)| ballot_to(*b)),
            accepted: p.accepted.map(|(_, v)| voters_to(&v)).unwrap_or_default(),
        }))
    }

    async fn accept(
        &self,
        req: Request<FormationAccept>,
    ) -> Result<Response<FormationAccepted>, Status> {
        if self.raft.is_formed() {
            return Ok(Response::new(FormationAccepted {
                formed: true,
                ..Default::default()
            }));
        }
        let r = req.into_inner();
        let ballot = ballot_from(r.ballot.as_ref())?;
        let voters = voters_from(&r.voters)?;
        let a = self
            .store
            .update(move |s| s.accept(ballot, &voters))
            .await?;
        Ok(Response::new(FormationAccepted {
            formed: false,
            accepted: a.accepted,
            promised: a.promised.map(ballot_to),
        }))
    }
}

fn ballot_to(b: Ballot) -> FormationBallot {
    FormationBallot {
        round: b.round,
        node_id: b.node,
    }
}

fn ballot_from(b: Option<&FormationBallot>) -> Result<Ballot, Status> {
    let b = b.ok_or_else(|| {
        Status::invalid_argument(
            "a formation call without a ballot; run the same seatunnel-rs version on every master",
        )
    })?;
    if b.round > MAX_ROUND {
        return Err(Status::invalid_argument(format!(
            "formation round {} is beyond {MAX_ROUND}; run the same seatunnel-rs version on every master",
            b.round
        )));
    }
    Ok(Ballot {
        round: b.round,
        node: b.node_id,
    })
}

fn voters_to(v: &Voters) -> Vec<FormationVoter> {
    v.iter()
        .map(|(id, a)| FormationVoter {
            node_id: *id,
            address: a.clone(),
        })
        .collect()
}

fn voters_from(v: &[FormationVoter]) -> Result<Voters, Status> {
    let bad = v.is_empty()
        || v.len() > MAX_VOTERS
        || v.iter()
            .any(|x| x.node_id == 0 || x.address.is_empty() || x.address.len() > MAX_ADDRESS_LEN);
    if bad {
        return Err(Status::invalid_argument(format!(
            "a formation call with no voters, more than {MAX_VOTERS}, or a voter without id or with an address empty or longer than {MAX_ADDRESS_LEN} bytes; run the same seatunnel-rs version on every master"
        )));
    }
    Ok(v.iter().map(|x| (x.node_id, x.address.clone())).collect())
}

/// How one proposal ended.
enum Round {
    /// A quorum accepted these voters.
    Chosen(Voters),
    /// A master already formed the group.
    Formed,
    /// Outbid or too few answers; `seen` is the highest round an acceptor named.
    Retry { seen: u64 },
}

async fn client(address: &str, cluster: &str) -> Option<FormationClient<MemberChannel>> {
    let channel = greet::member_channel(address, cluster, CALL_TIMEOUT)
        .await
        .ok()?;
    Some(FormationClient::new(channel))
}

async fn prepare(address: &str, cluster: &str, ballot: Ballot) -> Option<(bool, Promise)> {
    let mut c = client(address, cluster).await?;
    let p = c
        .prepare(FormationPrepare {
            ballot: Some(ballot_to(ballot)),
        })
        .await
        .ok()?
        .into_inner();
    let accepted = match p.accepted_ballot {
        // A value that does not read back is not "nothing accepted": the promise is dropped.
        Some(b) => Some((ballot_from(Some(&b)).ok()?, voters_from(&p.accepted).ok()?)),
        None => None,
    };
    let promise = Promise {
        granted: p.granted,
        promised: p.promised.and_then(|b| ballot_from(Some(&b)).ok()),
        accepted,
    };
    Some((p.formed, promise))
}

async fn accept(
    address: &str,
    cluster: &str,
    ballot: Ballot,
    voters: &Voters,
) -> Option<(bool, Acceptance)> {
    let mut c = client(address, cluster).await?;
    let a = c
        .accept(FormationAccept {
            ballot: Some(ballot_to(ballot)),
            voters: voters_to(voters),
        })
        .await
        .ok()?
        .into_inner();
    let acceptance = Acceptance {
        accepted: a.accepted,
        promised: a.promised.and_then(|b| ballot_from(Some(&b)).ok()),
    };
    Some((a.formed, acceptance))
}

/// What one phase's calls answered: the "yes" answers, whether an acceptor's group already
/// exists, and the highest round any acceptor named.
struct Gathered<T> {
    yes: Vec<T>,
    formed: bool,
    seen: u64,
}

/// Runs one phase's calls (one per acceptor) and gathers answers until `quorum` said yes or
/// too few are left for that, so a master that answered greetings earlier but is now down
/// costs no call timeout. A call that failed counts as a no.
async fn gather<T, F>(
    calls: impl Iterator<Item = F>,
    quorum: usize,
    yes: impl Fn(&T) -> bool,
    promised: impl Fn(&T) -> Option<Ballot>,
) -> Gathered<T>
where
    F: std::future::Future<Output = Option<(bool, T)>>,
{
    let mut pending: FuturesUnordered<F> = calls.collect();
    let total = pending.len();
    let mut out = Gathered {
        yes: Vec::new(),
        formed: false,
        seen: 0,
    };
    let mut no = 0;
    while out.yes.len() < quorum && total - no >= quorum {
        match pending.next().await {
            None => break,
            Some(Some((true, _))) => {
                out.formed = true;
                break;
            }
            Some(Some((false, answer))) => {
                out.seen = out.seen.max(promised(&answer).map_or(0, |b| b.round));
                if yes(&answer) {
                    out.yes.push(answer);
                } else {
                    no += 1;
                }
            }
            Some(None) => no += 1,
        }
    }
    out
}

/// One proposal of `own` under `ballot` to every acceptor (distinct masters, keyed by node id).
async fn propose(
    cluster: &str,
    ballot: Ballot,
    own: Voters,
    acceptors: &Voters,
    quorum: usize,
) -> Round {
    let promises = gather(
        acceptors.values().map(|a| prepare(a, cluster, ballot)),
        quorum,
        |p: &Promise| p.granted,
        |p: &Promise| p.promised,
    )
    .await;
    let mut seen = ballot.round.max(promises.seen);
    if promises.formed {
        return Round::Formed;
    }
    if promises.yes.len() < quorum {
        return Round::Retry { seen };
    }
    let value = formation::value_to_propose(&promises.yes, own);
    let acceptances = gather(
        acceptors
            .values()
            .map(|a| accept(a, cluster, ballot, &value)),
        quorum,
        |a: &Acceptance| a.accepted,
        |a: &Acceptance| a.promised,
    )
    .await;
    seen = seen.max(acceptances.seen);
    match (acceptances.formed, acceptances.yes.len() >= quorum) {
        (true, _) => Round::Formed,
        (false, true) => Round::Chosen(value),
        (false, false) => Round::Retry { seen },
    }
}

/// A random pause up to [`RETRY_JITTER`], so two outbid proposers do not retry in step.
fn jitter() -> Duration {
    let r = crate::cluster::identity::incarnation();
    RETRY_JITTER.mul_f64((r % 1000) as f64 / 1000.0)
}

/// Greets the member list (one entry per member, aliases left out) until the group is formed,
/// proposing voters once [`bootstrap::decide`] says so, and initializes the chosen set.
pub(super) async fn form(
    raft: MasterRaft,
    cluster: String,
    members: SharedMemberList,
    store: AcceptorStore,
    backup_count: usize,
) {
    let mut answers: BTreeMap<String, Greeting> = BTreeMap::new();
    let mut last_wait_log = tokio::time::Instant::now() - WAIT_LOG_EVERY;
    let mut quorum_since: Option<tokio::time::Instant> = None;
    let mut proposable_since: Option<tokio::time::Instant> = None;
    let mut round = store.promised_round().await;
    loop {
        if raft.is_formed() {
            tracing::info!("raft group already formed; this master rejoins it from its data dir");
            return;
        }
        let entries = greet_all(&members, &cluster, &mut answers).await;
        let Some(me) = entries
            .iter()
            .filter_map(|(_, g)| g.as_ref())
            .find(|g| g.is_master && g.node_id == raft.node_id)
            .cloned()
        else {
            if last_wait_log.elapsed() >= WAIT_LOG_EVERY {
                tracing::warn!("this master is not reachable through any member-list entry yet; add its address (host:member port) to hazelcast.network.join.tcp-ip.member-list");
                last_wait_log = tokio::time::Instant::now();
            }
            tokio::time::sleep(GREET_EVERY).await;
            continue;
        };
        let grace_over = quorum_since.is_some_and(|t| t.elapsed() >= FORMATION_GRACE);
        match bootstrap::decide(&me, &entries, backup_count, grace_over) {
            Decision::Wait {
                unanswered,
                quorum_answered,
            } => {
                proposable_since = None;
                quorum_since = if quorum_answered {
                    Some(quorum_since.unwrap_or_else(tokio::time::Instant::now))
                } else {
                    None
                };
                if last_wait_log.elapsed() >= WAIT_LOG_EVERY {
                    if let Some(since) = quorum_since {
                        let left = FORMATION_GRACE.saturating_sub(since.elapsed());
                        tracing::info!(
                            "forming the raft group: waiting {} s more for member-list entries to answer, then forming without them: {}",
                            left.as_secs(),
                            unanswered.join(", ")
                        );
                    } else {
                        tracing::info!(
                            "forming the raft group: waiting for member-list entries to answer (a majority of the masters is needed): {}",
                            unanswered.join(", ")
                        );
                    }
                    last_wait_log = tokio::time::Instant::now();
                }
                tokio::time::sleep(GREET_EVERY).await;
            }
            Decision::Follow => {
                tracing::info!(
                    "raft group exists; waiting for its leader to replicate to this master"
                );
                return;
            }
            Decision::Propose {
                voters,
                acceptors,
                quorum,
                rank,
            } => {
                let since = *proposable_since.get_or_insert_with(tokio::time::Instant::now);
                if since.elapsed() < PROPOSER_STAGGER * rank as u32 {
                    tokio::time::sleep(GREET_EVERY).await;
                    continue;
                }
                round = round.saturating_add(1).min(MAX_ROUND);
                let ballot = Ballot {
                    round,
                    node: raft.node_id,
                };
                match propose(&cluster, ballot, voters, &acceptors, quorum).await {
                    Round::Formed => {
                        tracing::info!(
                            "raft group exists; waiting for its leader to replicate to this master"
                        );
                        return;
                    }
                    Round::Retry { seen } => {
                        round = round.max(seen);
                        // Later masters keep deferring to earlier ones on every retry, by more
                        // than one round of calls, so two of them rarely outbid each other.
                        let defer = PROPOSER_STAGGER * rank as u32;
                        tokio::time::sleep(GREET_EVERY + jitter() + defer).await;
                    }
                    Round::Chosen(chosen) if chosen.contains_key(&raft.node_id) => {
                        warn_master_count(acceptors.len(), backup_count);
                        let learners = bootstrap::learners(&acceptors, &chosen);
                        initialize(&raft, chosen, learners).await;
                        return;
                    }
                    Round::Chosen(chosen) => {
                        tracing::info!(voters = ?chosen, "the masters chose the first voters without this master; it joins as a learner once their leader greets it");
                        return;
                    }
                }
            }
        }
    }
}

/// Greets every entry that has not answered yet; the entries with what each said.
async fn greet_all(
    members: &SharedMemberList,
    cluster: &str,
    answers: &mut BTreeMap<String, Greeting>,
) -> Vec<(String, Option<Greeting>)> {
    // Again each round: an entry that resolves only now may turn out to be an alias.
    let targets = members.lock().await.distinct().await;
    for (entry, candidates) in &targets {
        if answers.contains_key(entry) {
            continue;
        }
        match super::membership::greet_entry(candidates, cluster, CALL_TIMEOUT).await {
            Ok((target, h)) => {
                let g = Greeting {
                    address: target,
                    is_master: h.role == ROLE_MASTER,
                    node_id: h.node_id,
                    raft_initialized: h.raft_initialized,
                };
                answers.insert(entry.clone(), g);
            }
            Err(Some(e)) if e.wrong_cluster => {
                // It answered: not a member of this cluster, so formation need not wait for
                // it. Said once; if it is a master whose name gets fixed, the active master
                // adds it later like any late master.
                tracing::error!(
                    "{e}; this member is left out of the cluster until its hazelcast.cluster-name matches"
                );
                answers.insert(
                    entry.clone(),
                    Greeting {
                        address: entry.clone(),
                        is_master: false,
                        node_id: 0,
                        raft_initialized: false,
                    },
                );
            }
            Err(_) => {}
        }
    }
    targets
        .iter()
        .map(|(entry, _)| (entry.clone(), answers.get(entry).cloned()))
        .collect()
}

fn warn_master_count(masters: usize, backup_count: usize) {
    if masters > 2 * backup_count + 1 {
        tracing::warn!("{masters} masters took part in the first formation, more than the 2f+1 = {} that seatunnel.engine.backup-count asks for: start masters beyond 2f+1 only after the group formed, since the masters agree on the first voters by a majority of 2f+1", 2 * backup_count + 1);
    }
    if masters == 2 {
        tracing::warn!("2 masters cannot fail over automatically: losing either stops all cluster changes; run 3 masters (a small third master process is enough)");
    } else if masters == 1 && backup_count > 0 {
        // backup-count 0 asks for no failover: a lone master is what the operator chose.
        tracing::warn!("a single master runs standalone: nothing survives the loss of its data dir; run 3 masters for failover");
    }
}

/// Forms the group with the chosen `voters`, then, once this master leads, adds `learners`.
async fn initialize(raft: &MasterRaft, voters: Voters, learners: Voters) {
    let members: BTreeMap<NodeId, BasicNode> = voters
        .iter()
        .map(|(id, a)| (*id, BasicNode::new(a)))
        .collect();
    tracing::info!(voters = ?voters, "forming the raft group");
    let r = raft.raft.clone();
    match uncancelled(async move { r.initialize(members).await }).await {
        Ok(()) => {}
        // Another chosen voter initialized the same set first: the group exists.
        Err(RaftError::APIError(InitializeError::NotAllowed(_))) => {
            tracing::info!("raft group already formed by another of the chosen voters");
            return;
        }
        Err(e) => {
            tracing::error!("cannot form the raft group: {e}; restart this master to try again");
            return;
        }
    }
    if learners.is_empty() {
        return;
    }
    // Learners are added by the leader; wait until this master knows who leads.
    let mut metrics = raft.raft.metrics();
    loop {
        let (state, leader) = {
            let m = metrics.borrow_watched();
            (m.state, m.current_leader)
        };
        if leader.is_some() {
            if state != ServerState::Leader {
                tracing::info!("another master leads; it adds the remaining masters as learners when it learns of them");
                return;
            }
            break;
        }
        if metrics.changed().await.is_err() {
            return;
        }
    }
    for (id, addr) in learners {
        let (r, node) = (raft.raft.clone(), BasicNode::new(&addr));
        match uncancelled(async move { r.add_learner(id, node, false).await }).await {
            Ok(_) => {
                tracing::info!(node_id = id, %addr, "added master as a learner (beyond 2f+1 voters)")
            }
            Err(e) => tracing::warn!(node_id = id, %addr, "cannot add master as a learner: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn promises_survive_a_restart_and_a_damaged_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let store = AcceptorStore::load(dir.path().to_path_buf()).unwrap();
        let b = Ballot { round: 3, node: 9 };
        let voters: Voters = [(9, "m:5801".to_string())].into();
        assert!(store.update(move |a| a.prepare(b)).await.unwrap().granted);
        let v = voters.clone();
        let accepted = store.update(move |a| a.accept(b, &v)).await.unwrap();
        assert!(accepted.accepted);
        // A restarted master still refuses the ballot it promised and reports its value.
        let again = AcceptorStore::load(dir.path().to_path_buf()).unwrap();
        assert_eq!(again.promised_round().await, 3);
        let p = again.update(move |a| a.prepare(b)).await.unwrap();
        assert!(!p.granted);
        assert_eq!(p.accepted, Some((b, voters)));

        std::fs::write(dir.path().join(ACCEPTOR_FILE), b"{\"promised\":").unwrap();
        let Err(e) = AcceptorStore::load(dir.path().to_path_buf()) else {
            panic!("a damaged file loads")
        };
        let text = e.to_string();
        assert!(
            text.contains("formation.json") && text.contains("damaged"),
            "{text}"
        );
    }
}
