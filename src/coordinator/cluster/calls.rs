//! The driver's calls to workers: each carries this master's fencing token (only while its
//! lease holds) and names the worker process it is meant for; a worker that answers as a new
//! process at that address, refuses connections until suspected, or stays silent past the
//! detection time is lost.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::cluster::wire::{
    FencingToken, MemberClient, WireError, WorkerCall, WorkerReply, WorkerRequest, CALL_TIMEOUT,
};

use super::raft_store::StoredGrant;
use super::runner::{Driver, RETRY_EVERY};

impl Driver {
    /// Pings each worker that holds one of `groups` (those without a recorded end), so a crashed worker (its
    /// connections refused) is declared dead by the connection-fault fast path. Drivers share
    /// the turns: a worker is pinged once per interval however many jobs it runs.
    pub(super) async fn probe(&self, groups: &[&StoredGrant]) {
        let mut seen = BTreeSet::new();
        for g in groups {
            if !seen.insert(&g.worker_id) || !self.ctx.workers.claim_probe(&g.worker_id) {
                continue;
            }
            let _ = self.call(g, WorkerCall::Ping).await;
        }
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
            Ok(reply) => Ok(reply),
            Err(e @ WireError::Unreachable { .. }) => {
                self.ctx.workers.connection_failed(&grant.worker_id);
                Err(CallError::Unreachable(e.to_string()))
            }
            Err(e) => Err(CallError::Failed(e.to_string())),
        }
    }

    /// Repeats a call until it is done, the worker fails it, or the worker is lost. Without a
    /// lease, or deposed, it keeps waiting: this driver is then stopped by the step-down.
    pub(super) async fn call_until_done(
        &self,
        grant: &StoredGrant,
        call: WorkerCall,
    ) -> Result<(), String> {
        loop {
            match self.call(grant, call.clone()).await {
                Ok(()) => return Ok(()),
                Err(CallError::Failed(e)) => return Err(e),
                Err(e) if self.worker_lost(&grant.worker_id) => {
                    return Err(format!(
                        "worker {} ({}) holding the committer of pipeline {} was lost: {e}",
                        grant.worker_id, grant.worker_address, grant.pipeline
                    ))
                }
                Err(_) => tokio::time::sleep(RETRY_EVERY).await,
            }
        }
    }
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
    #[error("{0}")]
    Failed(String),
}
