//! Finished-job expiry (`history-job-expire-minutes`): SeaTunnel puts history entries with a TTL,
//! after which `/job-info/<id>` answers `{"jobId":"<id>"}` and the id may be submitted again.
//!
//! Reads filter expired entries themselves, so expiry is exact at any moment; the background
//! sweep only frees their memory.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::store::{FinishedJob, JobStore};

/// How often the sweep drops expired history. Correctness does not depend on it (reads filter),
/// only how long expired entries keep their memory.
const SWEEP_INTERVAL: Duration = Duration::from_secs(10);

/// Whether history finished at `finish_time_ms` is gone at `now_ms`. A zero TTL keeps history
/// forever, as a Hazelcast TTL of 0 does.
pub fn is_expired(finish_time_ms: i64, now_ms: i64, ttl: Duration) -> bool {
    !ttl.is_zero() && now_ms.saturating_sub(finish_time_ms) >= ttl.as_millis() as i64
}

pub fn expired_ids(jobs: &[Arc<FinishedJob>], now_ms: i64, ttl: Duration) -> Vec<i64> {
    jobs.iter()
        .filter(|j| is_expired(j.finish_time_ms, now_ms, ttl))
        .map(|j| j.job_id)
        .collect()
}

/// Drops every expired entry; returns the ids dropped.
pub async fn sweep_once(store: &dyn JobStore, now_ms: i64, ttl: Duration) -> Vec<i64> {
    let ids = expired_ids(&store.finished_jobs(), now_ms, ttl);
    if !ids.is_empty() {
        match store.remove_finished(&ids).await {
            Ok(()) => tracing::info!(jobs = ?ids, "job history expired"),
            // Reads filter expired entries, so a failed sweep only delays freeing them.
            Err(e) => tracing::warn!("{e}; expired history is dropped on the next sweep"),
        }
    }
    ids
}

/// Runs [`sweep_once`] every [`SWEEP_INTERVAL`] until `shutdown`.
/// Expires history every `SWEEP_INTERVAL` with the TTL current at each tick, so a reloaded
/// `history-job-expire-minutes` applies without a restart. A zero TTL keeps history forever.
pub async fn sweep(
    store: Arc<dyn JobStore>,
    ttl: watch::Receiver<Duration>,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(SWEEP_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {
                let ttl = *ttl.borrow();
                if !ttl.is_zero() {
                    sweep_once(store.as_ref(), now_ms(), ttl).await;
                }
            }
        }
    }
}

/// Wall-clock epoch milliseconds, the time base of every job record.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::super::store::tests::finished;
    use super::super::store::MemoryJobStore;
    use super::*;
    use crate::job::JobStatus;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn expiry_is_at_exactly_the_ttl() {
        assert!(!is_expired(1_000, 1_000 + 59_999, MINUTE));
        assert!(is_expired(1_000, 1_000 + 60_000, MINUTE));
        assert!(
            !is_expired(1_000, i64::MAX, Duration::ZERO),
            "zero keeps forever"
        );
        assert!(
            !is_expired(5_000, 1_000, MINUTE),
            "a clock step back expires nothing"
        );
    }

    #[tokio::test]
    async fn sweep_drops_only_expired_entries() {
        let store = MemoryJobStore::new();
        store
            .finish(finished(1, JobStatus::Finished, 0))
            .await
            .unwrap();
        store
            .finish(finished(2, JobStatus::Failed, 30_000))
            .await
            .unwrap();
        assert_eq!(sweep_once(&store, 60_000, MINUTE).await, vec![1]);
        assert!(store.finished(1).is_none());
        assert!(store.finished(2).is_some());
        assert!(sweep_once(&store, 60_000, MINUTE).await.is_empty());
    }
}
