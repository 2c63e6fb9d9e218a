//! The worker's heartbeat: every `hazelcast.heartbeat.interval.seconds` (and at once when a task
//! group ends) it reports its slots, running groups and unrecorded ends to the active master.
//!
//! The worker does not know which member-list entries are masters: SeaTunnel's lists mix roles.
//! It tries entries in turn; a standby master answers with the leader's address, a worker entry
//! refuses the call, and the worker sticks to the master that accepted until it stops answering.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::cluster::wire::{Heartbeat, HeartbeatReply, MemberClient, WorkerPhase};

use super::runtime::WorkerRuntime;

/// How often the "no active master" warning repeats while none answers.
const NO_MASTER_LOG_EVERY: Duration = Duration::from_secs(10);

/// Where the worker's current tags come from: `/update-tags` changes them while it runs.
pub type TagSource = Arc<dyn Fn() -> BTreeMap<String, String> + Send + Sync>;

/// The first retry of a heartbeat no master took: a master that is starting (a hybrid node's
/// own, or a new leader) answers within a second, and a worker not yet registered gets no task
/// groups, so the first beats do not wait a whole interval.
const FIRST_RETRY: Duration = Duration::from_millis(250);

/// The wait before the next try while no master takes the heartbeat: doubling from
/// [`FIRST_RETRY`] up to the heartbeat interval.
#[derive(Debug, Default)]
struct Backoff {
    last: Option<Duration>,
}

impl Backoff {
    fn next(&mut self, interval: Duration) -> Duration {
        let next = self.last.map_or(FIRST_RETRY, |d| d * 2).min(interval);
        self.last = Some(next);
        next
    }
}

/// Who this worker is, as its heartbeats say.
#[derive(Clone)]
pub struct WorkerIdentity {
    pub worker_id: String,
    pub address: String,
    /// REST V2 address (`host:port`), when the worker serves REST.
    pub http: Option<String>,
    pub tags: TagSource,
    pub dynamic_slot: bool,
    pub slot_num: u32,
}

/// What the worker last learned about the active master (for `/members`, status and REST).
#[derive(Debug, Clone, Default)]
pub struct MasterView {
    /// Member address of the master that accepted the last heartbeat.
    pub master: Option<String>,
    /// Its REST address (`host:port`).
    pub http: Option<String>,
}

/// Heartbeats to the masters among `members` (a hybrid node's list names itself) until
/// `shutdown`, then reports once more.
pub async fn run(
    runtime: Arc<WorkerRuntime>,
    me: WorkerIdentity,
    members: Vec<String>,
    cluster: String,
    interval: Duration,
    view: Arc<Mutex<MasterView>>,
    shutdown: CancellationToken,
) {
    let clients: Vec<MemberClient> = members
        .iter()
        .filter_map(|m| match MemberClient::new(m, &cluster) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::error!("member-list entry {m} is not a usable address: {e}; fix hazelcast.network.join.tcp-ip.member-list");
                None
            }
        })
        .collect();
    let mut current: usize = 0;
    // The first warning only after a while: at start the masters may still be electing one
    // (a hybrid node's own master among them).
    let mut last_warn = tokio::time::Instant::now();
    let mut unanswered = Backoff::default();
    loop {
        let phase = if runtime.is_stopping() {
            WorkerPhase::Stopping
        } else {
            WorkerPhase::Serving
        };
        let reached = beat(&runtime, &me, &clients, &mut current, &view, phase).await;
        if reached {
            unanswered = Backoff::default();
        }
        if !reached && last_warn.elapsed() >= NO_MASTER_LOG_EVERY {
            tracing::warn!(
                "no active master answered this worker's heartbeat; tried {}; check that the masters run and are in the member list",
                members.join(", ")
            );
            last_warn = tokio::time::Instant::now();
        }
        tokio::select! {
            _ = shutdown.cancelled() => {
                // A last report, so ends recorded while stopping reach the active master, which
                // then drops this worker at once.
                beat(&runtime, &me, &clients, &mut current, &view, WorkerPhase::Stopped).await;
                return;
            }
            _ = tokio::time::sleep(if reached { interval } else { unanswered.next(interval) }) => {}
            _ = runtime.ended.notified() => {}
        }
    }
}

/// One heartbeat round: the current master first, then every other entry once. Returns whether
/// an active master took it.
async fn beat(
    runtime: &WorkerRuntime,
    me: &WorkerIdentity,
    clients: &[MemberClient],
    current: &mut usize,
    view: &Mutex<MasterView>,
    phase: WorkerPhase,
) -> bool {
    if clients.is_empty() {
        return false;
    }
    let (running, ended) = runtime.report();
    let hb = Heartbeat {
        worker_id: me.worker_id.clone(),
        address: me.address.clone(),
        http: me.http.clone(),
        tags: (me.tags)(),
        dynamic_slot: me.dynamic_slot,
        slot_num: me.slot_num,
        running,
        ended,
        rejected_calls: runtime.rejected_calls(),
        phase,
    };
    let mut tried = 0;
    let mut next = *current % clients.len();
    while tried < clients.len() {
        let client = &clients[next];
        tried += 1;
        match client.heartbeat(&hb).await {
            Ok(HeartbeatReply::Accepted {
                token,
                recorded,
                http,
                cancel,
            }) => {
                if runtime.admit(token, "a heartbeat answer").is_err() {
                    // A deposed master still answering: look for the new one.
                } else {
                    runtime.recorded(&recorded);
                    runtime.cancel_groups(&cancel);
                    *current = next;
                    let mut v = view.lock().expect("master view lock poisoned");
                    v.master = Some(client.addr().to_string());
                    v.http = http;
                    return true;
                }
            }
            Ok(HeartbeatReply::NotLeader {
                leader: Some(leader),
            }) => {
                if let Some(i) = clients.iter().position(|c| c.addr() == leader) {
                    next = i;
                    continue;
                }
            }
            Ok(HeartbeatReply::NotLeader { leader: None }) => {
                tracing::debug!(member = client.addr(), "heartbeat: not the active master");
            }
            Err(e) => tracing::debug!(member = client.addr(), "heartbeat failed: {e}"),
        }
        next = (next + 1) % clients.len();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unanswered_heartbeats_retry_sooner_up_to_the_interval() {
        let mut b = Backoff::default();
        let interval = Duration::from_secs(5);
        let waits: Vec<u128> = (0..7).map(|_| b.next(interval).as_millis()).collect();
        assert_eq!(waits, vec![250, 500, 1000, 2000, 4000, 5000, 5000]);
        assert_eq!(
            Backoff::default().next(Duration::from_millis(100)),
            Duration::from_millis(100),
            "never longer than the interval"
        );
    }
}
