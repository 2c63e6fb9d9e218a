//! How a cluster node answers the API's two questions about the cluster: where the active
//! master is (job requests go there) and who the members are (`/members`). Masters answer from
//! Raft and the worker registry; workers from what their heartbeats learned.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openraft::async_runtime::WatchReceiver;
use openraft::Instant as _;
use openraft::ServerState;

use crate::api::{ActiveMaster, JobRoute, MemberDirectory, MemberRole, MemberRow};
use crate::cluster::greet;
use crate::coordinator::cluster::WorkerRegistry;
use crate::coordinator::JobManager;
use crate::raft::proto::Hello;
use crate::raft::{MasterRaft, NodeId};
use crate::scheduler::{SlotOverview, TagFilter};
use crate::worker::MasterView;

/// How long asking the leader for its REST address may take.
const LEADER_HELLO_TIMEOUT: Duration = Duration::from_secs(2);

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// How many leases a master may go without acknowledging the leader before `/members` calls it
/// unreachable: a live follower acknowledges every heartbeat (a tenth of an election timeout by
/// default), so two leases of silence are a master that is down, cut off or stalled, not a slow
/// round trip.
const UNREACHABLE_LEASES: u32 = 2;
/// How long a job request waits for the masters to elect an active one before it is refused:
/// an election on a LAN takes well under a second (a few election timeouts at worst), and a
/// client that gets no answer for longer retries anyway.
const LEADER_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
const NO_ACTIVE_MASTER: &str = "no active master: the masters are electing one or fewer than a majority run; retry in a few seconds";
/// What a master that Raft still calls leader says while no majority of masters confirmed it
/// within the lease: another master may lead by now, so it neither acts nor answers for the
/// cluster.
const UNCONFIRMED_LEADER: &str = "this master cannot confirm it is the active master: no majority of masters answered within its lease (a partition or a stall); retry against another master";

/// A master's view: Raft says who leads; the leader's greeting says where its REST listener is.
pub struct MasterCluster {
    pub raft: MasterRaft,
    pub cluster: String,
    pub workers: Arc<WorkerRegistry>,
    /// Master id → its REST address, learned by greeting it.
    http_of: Mutex<BTreeMap<NodeId, String>>,
    /// The REST V2 context path, the same on every member of one cluster.
    pub context_path: String,
}

impl MasterCluster {
    pub fn new(
        raft: MasterRaft,
        cluster: String,
        workers: Arc<WorkerRegistry>,
        context_path: String,
    ) -> MasterCluster {
        MasterCluster {
            raft,
            cluster,
            workers,
            http_of: Mutex::new(BTreeMap::new()),
            context_path,
        }
    }

    /// Greets every master of the membership whose REST address is not known yet. Run
    /// periodically: `/logs` and `/system-monitoring-information` ask every member.
    pub async fn learn_rest_addresses(&self) {
        let m = self.raft.raft.metrics().borrow_watched().clone();
        let nodes: Vec<(NodeId, String)> = m
            .membership_config
            .membership()
            .nodes()
            .map(|(id, n)| (*id, n.addr.clone()))
            .collect();
        for (id, addr) in nodes {
            let _ = self.rest_address(id, &addr).await;
        }
    }

    /// A master's REST address: cached, else asked by greeting it.
    async fn rest_address(&self, id: NodeId, member_addr: &str) -> Result<String, String> {
        if let Some(http) = self.http_of.lock().expect("lock").get(&id) {
            return Ok(http.clone());
        }
        let hello = Hello {
            cluster_name: self.cluster.clone(),
            ..Hello::default()
        };
        let h = greet::greet(member_addr, &self.cluster, hello, LEADER_HELLO_TIMEOUT)
            .await
            .map_err(|e| format!("{e}; retry in a few seconds"))?;
        if h.http_address.is_empty() {
            return Err(format!("the master at {member_addr} serves no REST API; set seatunnel.engine.http.enable-http: true on the masters"));
        }
        self.http_of
            .lock()
            .expect("lock")
            .insert(id, h.http_address.clone());
        Ok(h.http_address)
    }

    /// Raft says this master leads, but its lease ran out: it must not answer for the cluster.
    fn unconfirmed_leader(&self) -> bool {
        self.raft.raft.metrics().borrow_watched().state == ServerState::Leader
            && self.raft.lease_token().is_none()
    }

    /// Waits, at most [`LEADER_WAIT`], until some master leads: a request that arrives while
    /// the masters elect one (at start, after a failover) is answered once they did, instead
    /// of failing.
    async fn await_leader(&self) {
        let mut metrics = self.raft.raft.metrics();
        let _ = tokio::time::timeout(LEADER_WAIT, async {
            loop {
                if metrics.borrow_watched().current_leader.is_some() {
                    return;
                }
                if metrics.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
    }

    async fn leader_http(&self) -> JobRoute {
        self.await_leader().await;
        let m = self.raft.raft.metrics().borrow_watched().clone();
        if m.state == ServerState::Leader {
            return if self.raft.lease_token().is_some() {
                JobRoute::Local
            } else {
                JobRoute::Unavailable(UNCONFIRMED_LEADER.into())
            };
        }
        let Some((leader, addr)) = self.raft.leader_address() else {
            return JobRoute::Unavailable(NO_ACTIVE_MASTER.into());
        };
        match self.rest_address(leader, &addr).await {
            Ok(http) => JobRoute::Forward(http),
            Err(why) => JobRoute::Unavailable(why),
        }
    }
}

impl ActiveMaster for MasterCluster {
    fn is_active(&self) -> bool {
        self.raft.lease_token().is_some()
    }

    fn unconfirmed(&self) -> Option<&'static str> {
        self.unconfirmed_leader().then_some(UNCONFIRMED_LEADER)
    }

    fn is_serving(&self) -> bool {
        self.raft.running()
    }

    fn route(&self) -> Pin<Box<dyn Future<Output = JobRoute> + Send + '_>> {
        Box::pin(self.leader_http())
    }

    fn route_member(&self) -> Pin<Box<dyn Future<Output = JobRoute> + Send + '_>> {
        Box::pin(async move {
            self.await_leader().await;
            self.member_route()
        })
    }
}

impl MasterCluster {
    fn member_route(&self) -> JobRoute {
        let m = self.raft.raft.metrics().borrow_watched().clone();
        if m.state == ServerState::Leader {
            if self.raft.lease_token().is_some() {
                JobRoute::Local
            } else {
                JobRoute::Unavailable(UNCONFIRMED_LEADER.into())
            }
        } else {
            match self.raft.leader_address() {
                Some((_, addr)) => JobRoute::Forward(addr),
                None => JobRoute::Unavailable(NO_ACTIVE_MASTER.into()),
            }
        }
    }
}

impl MemberDirectory for MasterCluster {
    fn members(&self) -> Vec<MemberRow> {
        let m = self.raft.raft.metrics().borrow_watched().clone();
        let term = m.vote.leader_id().term.to_string();
        let membership = m.membership_config.membership().clone();
        // A master votes for sure only once it is a voter in every configuration of a joint
        // one: while `{A,B}` changes to `{A,B,C}`, C's vote does not yet replace A's or B's.
        let configs = membership.get_joint_config();
        let voters: Vec<NodeId> = membership
            .voter_ids()
            .filter(|id| configs.iter().all(|c| c.contains(id)))
            .collect();
        // This master is named active only while its lease holds (see `UNCONFIRMED_LEADER`).
        let me = self.raft.node_id;
        let confirmed = self.raft.lease_token().is_some();
        // Only the leader hears from every master; it reports those that stopped answering.
        let heard = m
            .heartbeat
            .as_ref()
            .filter(|_| m.state == ServerState::Leader);
        let unreachable_after = self.raft.lease * UNREACHABLE_LEASES;
        let mut rows: Vec<MemberRow> = membership
            .nodes()
            .map(|(id, node)| {
                let leads = m.current_leader == Some(*id) && (*id != me || confirmed);
                let silent = heard.filter(|_| *id != me).map(|h| {
                    h.get(id)
                        .and_then(|acked| acked.as_ref().map(|at| at.elapsed()))
                });
                let state = raft_state(leads, voters.contains(id), silent, unreachable_after);
                MemberRow {
                    id: id.to_string(),
                    address: node.addr.clone(),
                    role: if leads {
                        MemberRole::ActiveMaster
                    } else {
                        MemberRole::Master
                    },
                    version: VERSION.into(),
                    raft_term: Some(term.clone()),
                    raft_state: Some(state.into()),
                }
            })
            .collect();
        // A hybrid node's worker is the master at the same address: one member, one row.
        let masters: Vec<String> = rows.iter().map(|r| r.address.clone()).collect();
        rows.extend(
            self.workers
                .summaries()
                .into_iter()
                .filter(|w| w.alive && !masters.contains(&w.address))
                .map(|w| MemberRow {
                    id: w.id,
                    address: w.address,
                    role: MemberRole::Worker,
                    version: VERSION.into(),
                    raft_term: None,
                    raft_state: None,
                }),
        );
        rows
    }

    /// Every other member's REST base URL: masters learned by greeting, live workers from their
    /// heartbeats (the active master knows them all).
    fn log_peers(&self) -> Vec<String> {
        let me = self.raft.node_id;
        let mut out: Vec<String> = self
            .http_of
            .lock()
            .expect("lock")
            .iter()
            .filter(|(id, _)| **id != me)
            .map(|(_, http)| format!("http://{http}{}", self.context_path))
            .collect();
        // A hybrid node's worker is the master at its address: its logs are the master's.
        let m = self.raft.raft.metrics().borrow_watched().clone();
        let masters: Vec<String> = m
            .membership_config
            .membership()
            .nodes()
            .map(|(_, n)| n.addr.clone())
            .collect();
        out.extend(
            self.workers
                .summaries()
                .into_iter()
                .filter(|w| w.alive && !masters.contains(&w.address))
                .filter_map(|w| w.http)
                .map(|http| format!("http://{http}{}", self.context_path)),
        );
        out
    }

    fn slot_overview(&self, filter: &[(String, String)]) -> Option<SlotOverview> {
        let filter = TagFilter(filter.iter().cloned().collect());
        Some(crate::scheduler::overview(&self.workers.live(), &filter))
    }
}

/// A master's `raftState` in `/members`. `silent`: as the leader sees it, how long ago the
/// master last acknowledged it (`Some(None)`: never since this leader took over); `None` when
/// this master does not lead and cannot know. A master the leader has not heard from within
/// `unreachable_after` is `UNREACHABLE`, never listed as a healthy follower or learner.
fn raft_state(
    leads: bool,
    voter: bool,
    silent: Option<Option<Duration>>,
    unreachable_after: Duration,
) -> &'static str {
    if leads {
        return "LEADER";
    }
    if let Some(silent) = silent {
        if silent.is_none_or(|since| since > unreachable_after) {
            return "UNREACHABLE";
        }
    }
    if voter {
        "FOLLOWER"
    } else {
        "LEARNER"
    }
}

/// A worker's view: the master that last took its heartbeat.
pub struct WorkerCluster {
    pub view: Arc<Mutex<MasterView>>,
    pub me: MemberRow,
}

impl ActiveMaster for WorkerCluster {
    fn is_active(&self) -> bool {
        false
    }

    fn route(&self) -> Pin<Box<dyn Future<Output = JobRoute> + Send + '_>> {
        let v = self.view.lock().expect("master view lock").clone();
        Box::pin(std::future::ready(match (v.master, v.http) {
            (_, Some(http)) => JobRoute::Forward(http),
            (Some(m), None) => JobRoute::Unavailable(format!("the active master at {m} serves no REST API; send job requests to a node with seatunnel.engine.http.enable-http: true")),
            (None, None) => JobRoute::Unavailable("this worker has not reached an active master yet; check the masters and the member list, then retry".into()),
        }))
    }
}

impl MemberDirectory for WorkerCluster {
    fn members(&self) -> Vec<MemberRow> {
        vec![self.me.clone()]
    }
}

/// Follows Raft leadership: a master that becomes leader takes over the running jobs once its
/// state machine has caught up with everything committed; one that stops leading hands them back.
/// A hybrid node's own worker part (`own_worker`) then heartbeats at once instead of after its
/// retry wait (250 ms at first), so the first job of a node that just started is placed sooner.
pub async fn follow_leadership(
    raft: MasterRaft,
    jobs: JobManager,
    own_worker: Option<Arc<crate::worker::WorkerRuntime>>,
) {
    let mut metrics = raft.raft.metrics();
    let mut leading = false;
    loop {
        let is_leader = metrics.borrow_watched().state == ServerState::Leader;
        if is_leader && !leading {
            leading = true;
            let confirm = raft.raft.clone();
            match crate::raft::uncancelled(async move {
                confirm
                    .ensure_linearizable(openraft::raft::ReadPolicy::ReadIndex)
                    .await
            })
            .await
            {
                Ok(_) => {
                    let n = jobs.restore().await;
                    tracing::info!(jobs = n, "this master is now the active master");
                    if let Some(w) = &own_worker {
                        w.beat_now();
                    }
                }
                Err(e) => {
                    tracing::warn!("became leader but could not confirm it: {e}");
                    leading = false;
                }
            }
        } else if !is_leader && leading {
            leading = false;
            jobs.step_down();
        }
        if metrics.changed().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_master_the_leader_has_not_heard_from_is_unreachable() {
        let after = Duration::from_secs(1);
        let ms = Duration::from_millis;
        assert_eq!(raft_state(true, true, None, after), "LEADER");
        assert_eq!(
            raft_state(false, true, Some(Some(ms(100))), after),
            "FOLLOWER"
        );
        assert_eq!(
            raft_state(false, false, Some(Some(ms(100))), after),
            "LEARNER"
        );
        assert_eq!(
            raft_state(false, true, Some(Some(ms(1500))), after),
            "UNREACHABLE"
        );
        assert_eq!(raft_state(false, false, Some(None), after), "UNREACHABLE");
        assert_eq!(
            raft_state(false, true, None, after),
            "FOLLOWER",
            "a standby master cannot tell; it reports the membership"
        );
    }
}
