//! The driver's calls to workers: each carries this master's fencing token (only while its
//! lease holds) and names the worker process it is meant for; a worker that answers as a new
//! process at that address, refuses connections until suspected, or stays silent past the
//! detection time is lost.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::cluster::wire::{
    FencingToken, MemberClient, WireError, WorkerCall, WorkerReply, WorkerRequest, CALL_TIMEOUT,
};

use crate::scheduler::WorkerProfile;

use super::raft_store::StoredGrant;
use super::runner::{Driver, PipelineTasks, RETRY_EVERY};

impl Driver {
    /// Pings each worker that holds one of `groups` (those without a recorded end), so a crashed worker (its
    /// connections refused) is declared dead by the connection-fault fast path. Drivers share
    /// the turns: a worker is pinged once per interval however many jobs it runs. True when a
    /// ping found a worker unreachable: the driver then probes again sooner.
    pub(super) async fn probe(&self, groups: &[&StoredGrant]) -> bool {
        let mut seen = BTreeSet::new();
        let mut unreachable = false;
        for g in groups {
            if !seen.insert(&g.worker_id) || !self.ctx.workers.claim_probe(&g.worker_id) {
                continue;
            }
            if let Err(CallError::Unreachable(_)) = self.call(g, WorkerCall::Ping).await {
                unreachable = true;
            }
        }
        unreachable
    }

    /// A worker is lost once the detector says so. One this master has not heard from yet (a
    /// new active master) is lost when its recorded address refused connections until suspected
    /// (the probes find that in seconds), or after the detection time from the start of this
    /// driver, which covers a worker that neither answers nor refuses. One whose address now
    /// answers as a new process (it restarted) is lost at once.
    pub(super) fn worker_lost(&self, worker_id: &str) -> bool {
        if self.ctx.workers.was_replaced(worker_id) {
            return true;
        }
        if self.ctx.workers.is_alive(worker_id) {
            return false;
        }
        self.ctx.workers.client(worker_id).is_some()
            || self.ctx.workers.refused_unheard(worker_id)
            || self.began.elapsed() > self.ctx.workers.detection_time()
    }

    fn token(&self) -> Option<FencingToken> {
        self.ctx
            .raft
            .lease_token()
            .map(|(term, node_id)| FencingToken { term, node_id })
    }

    /// One call to the worker of `grant`, only while this master's lease holds.
    pub(super) async fn call(
        &self,
        grant: &StoredGrant,
        call: WorkerCall,
    ) -> Result<(), CallError> {
        match self.call_reply(grant, call, CALL_TIMEOUT).await? {
            WorkerReply::Done => Ok(()),
            other => Err(CallError::Failed(format!(
                "worker {} gave an unexpected answer: {other:?}",
                grant.worker_id
            ))),
        }
    }

    /// One call that may take up to `limit`, with the worker's answer.
    pub(super) async fn call_reply(
        &self,
        grant: &StoredGrant,
        call: WorkerCall,
        limit: Duration,
    ) -> Result<WorkerReply, CallError> {
        let Some(token) = self.token() else {
            return Err(CallError::NoLease);
        };
        let client = match self.ctx.workers.client(&grant.worker_id) {
            Some(c) => c,
            None => MemberClient::new(&grant.worker_address, &self.ctx.cluster)
                .map_err(|e| CallError::Unreachable(e.to_string()))?,
        };
        match client
            .call_worker_within(
                &WorkerRequest {
                    token,
                    worker_id: grant.worker_id.clone(),
                    call,
                },
                limit,
            )
            .await
        {
            Ok(WorkerReply::Failed(e)) => Err(CallError::Failed(e)),
            Ok(WorkerReply::NotThisWorker { id }) => {
                self.ctx.workers.incarnation_ended(&grant.worker_id, &id);
                Err(CallError::Unreachable(format!(
                    "worker {} at {} was restarted (now {id}); its task groups are gone",
                    grant.worker_id, grant.worker_address
                )))
            }
            Ok(WorkerReply::StaleToken { highest }) => Err(CallError::Deposed(highest)),
            Ok(WorkerReply::Stopping(e)) => Err(CallError::Stopping(format!(
                "worker {} at {}: {e}",
                grant.worker_id, grant.worker_address
            ))),
            Ok(reply) => Ok(reply),
            Err(e @ WireError::Unreachable { .. }) => {
                self.ctx.workers.connection_failed(&grant.worker_id);
                Err(CallError::Unreachable(e.to_string()))
            }
            Err(e) => Err(CallError::Failed(e.to_string())),
        }
    }

    /// Runs one of pipeline `p`'s committer operations (set-up, commit, a checkpoint's commit,
    /// abort) until it is done or the worker fails it. Without a lease, or deposed, it keeps
    /// waiting: this driver is then stopped by the step-down.
    ///
    /// The operations are stateless on the worker (each builds the pipeline's sinks from the
    /// job), so when the committer's worker is lost (a rolling restart of a worker that hosts
    /// the committer slot but none of the pipeline's groups, which no group end reports) the
    /// operation moves to a stand-in chosen by [`stand_in`] instead of failing the job. With no
    /// live worker at all it fails after the takeover wait, naming the lost worker.
    pub(super) async fn call_committer(
        &self,
        p: &PipelineTasks,
        call: WorkerCall,
    ) -> Result<(), String> {
        let mut grant = p.committer.clone();
        let mut alone_since: Option<Instant> = None;
        loop {
            match self.call(&grant, call.clone()).await {
                Ok(()) => return Ok(()),
                Err(CallError::Failed(e)) => return Err(e),
                Err(e) if self.worker_lost(&grant.worker_id) => {
                    let live = self.ctx.workers.live();
                    match stand_in(&p.groups, &live, |id| self.worker_lost(id)) {
                        Some(w) => {
                            tracing::warn!(
                                job_id = self.plan.job_id,
                                pipeline = p.pipeline,
                                "the committer of pipeline {} moves from worker {} ({}) to {} ({}): {e}",
                                p.pipeline,
                                grant.worker_id,
                                grant.worker_address,
                                w.id,
                                w.address
                            );
                            grant.worker_id = w.id.0.clone();
                            grant.worker_address = w.address.clone();
                            alone_since = None;
                        }
                        None => {
                            // Said when the wait begins: after a full restart the workers may
                            // take minutes to come back.
                            let since = *alone_since.get_or_insert_with(|| {
                                tracing::warn!(
                                    job_id = self.plan.job_id,
                                    pipeline = p.pipeline,
                                    "pipeline {} waits up to {} s for workers to come back: worker {} ({}) holding its committer was lost and no other worker is live to stand in",
                                    p.pipeline,
                                    self.ctx.takeover_worker_wait.as_secs(),
                                    grant.worker_id,
                                    grant.worker_address
                                );
                                Instant::now()
                            });
                            if since.elapsed() > self.ctx.takeover_worker_wait {
                                return Err(format!(
                                    "worker {} ({}) holding the committer of pipeline {} was lost and no other worker is live to stand in: {e}; start a worker and submit the job again",
                                    grant.worker_id, grant.worker_address, grant.pipeline
                                ));
                            }
                            tokio::time::sleep(RETRY_EVERY).await
                        }
                    }
                }
                Err(_) => tokio::time::sleep(RETRY_EVERY).await,
            }
        }
    }
}

/// The live worker that runs a pipeline's committer operations once the committer's own worker
/// is lost: the first one hosting a group of the pipeline (in group order; where its writers
/// run, so a sink writing local files commits on the host that holds them), else the live
/// worker with the lowest id, so repeated calls pick the same one while the live set holds.
/// Pure.
pub(super) fn stand_in<'a>(
    groups: &[StoredGrant],
    live: &'a [WorkerProfile],
    lost: impl Fn(&str) -> bool,
) -> Option<&'a WorkerProfile> {
    let usable = |w: &&WorkerProfile| !lost(&w.id.0);
    groups
        .iter()
        .find_map(|g| live.iter().filter(usable).find(|w| w.id.0 == g.worker_id))
        .or_else(|| {
            live.iter()
                .filter(usable)
                .min_by(|a, b| a.id.0.cmp(&b.id.0))
        })
}

/// Why a master→worker call did not happen or did not succeed.
#[derive(Debug, thiserror::Error)]
pub(super) enum CallError {
    #[error("this master's leadership lease is not fresh; not acting until a quorum confirms it")]
    NoLease,
    #[error("a newer master {0} leads; this one steps down")]
    Deposed(FencingToken),
    #[error("{0}")]
    Unreachable(String),
    /// The worker is stopping: it takes no new work, and what it ran ends as "worker stopped".
    #[error("{0}")]
    Stopping(String),
    #[error("{0}")]
    Failed(String),
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::config::SlotServiceConfig;
    use crate::scheduler::WorkerId;

    use super::*;

    fn worker(id: &str) -> WorkerProfile {
        WorkerProfile::new(
            WorkerId(id.into()),
            format!("{id}:5802"),
            BTreeMap::new(),
            &SlotServiceConfig::default(),
        )
    }

    fn group(g: usize, worker: &str) -> StoredGrant {
        StoredGrant {
            pipeline: 1,
            group: Some(g),
            index: g,
            worker_id: worker.into(),
            worker_address: format!("{worker}:5802"),
            slot: 0,
            epoch: 1,
        }
    }

    #[test]
    fn a_lost_committer_moves_to_the_first_live_worker_hosting_a_group() {
        let live = [worker("a"), worker("b"), worker("c")];
        let groups = [group(0, "gone"), group(1, "c"), group(2, "b")];
        let chosen = stand_in(&groups, &live, |id| id == "gone").map(|w| w.id.0.as_str());
        assert_eq!(chosen, Some("c"), "group order decides, not the id");
    }

    #[test]
    fn without_a_live_group_host_the_lowest_live_id_stands_in_and_lost_workers_never() {
        let live = [worker("c"), worker("b"), worker("a")];
        let groups = [group(0, "b")];
        // "b" still heartbeats but was replaced by a new process at its address.
        let lost = |id: &str| id == "b" || id == "a";
        assert_eq!(
            stand_in(&groups, &live, lost).map(|w| w.id.0.as_str()),
            Some("c")
        );
        assert!(
            stand_in(&groups, &live, |_| true).is_none(),
            "no live worker: none"
        );
    }
}
