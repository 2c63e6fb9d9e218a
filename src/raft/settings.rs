//! Election and heartbeat timing of the masters' Raft group.
//!
//! Hazelcast had no equivalent (mastership followed the member heartbeat). Failover takes about
//! two election timeouts, not one: openraft keeps a follower loyal to its leader for
//! `election_timeout_max` after the last heartbeat (its leader lease), so the first candidate,
//! whose timer fires between min and max, is refused and wins on its second try. The cluster
//! design's 250 ms / 1000–1500 ms therefore measured 2.8 s here (500–700 ms: 1.31 s median);
//! 100 ms / 450–600 ms keeps failover near 1.2 s, inside the 2 s bound, with a 4.5× margin
//! between heartbeat and election timeout for a loaded 2-core machine. Pre-vote is on so a partitioned master that comes back
//! cannot depose a healthy leader.

use std::sync::Arc;
use std::time::Duration;

/// Leader → follower heartbeat period.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_millis(100);
/// A follower waits a random time in this range without a heartbeat before it campaigns.
pub const DEFAULT_ELECTION_TIMEOUT_MIN: Duration = Duration::from_millis(450);
pub const DEFAULT_ELECTION_TIMEOUT_MAX: Duration = Duration::from_millis(600);
/// Log entries after the last snapshot that trigger a new one: job metadata is small, so a
/// snapshot is cheap and keeps restarts and catch-up short.
const SNAPSHOT_EVERY_ENTRIES: u64 = 5000;
/// Entries kept in the log below a snapshot, so a briefly lagging master catches up from the
/// log instead of a snapshot.
const KEEP_BELOW_SNAPSHOT: u64 = 1000;

/// The timing of one Raft group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaftTimings {
    pub heartbeat: Duration,
    pub election_timeout_min: Duration,
    pub election_timeout_max: Duration,
}

impl Default for RaftTimings {
    fn default() -> Self {
        RaftTimings {
            heartbeat: DEFAULT_HEARTBEAT,
            election_timeout_min: DEFAULT_ELECTION_TIMEOUT_MIN,
            election_timeout_max: DEFAULT_ELECTION_TIMEOUT_MAX,
        }
    }
}

/// Why the timing cannot run a Raft group.
#[derive(Debug, thiserror::Error)]
#[error("invalid raft timing: {0}; keep heartbeat-ms well below election-timeout-min-ms and min below max")]
pub struct TimingError(String);

impl RaftTimings {
    /// How long a quorum's acknowledgement keeps a leader's authority: below the shortest
    /// election timeout by a heartbeat, so no follower can have started an election that a
    /// quorum joined while the lease still holds.
    pub fn lease(&self) -> Duration {
        self.election_timeout_min.saturating_sub(self.heartbeat)
    }

    /// openraft's config for `cluster_name`, validated.
    pub fn openraft_config(
        &self,
        cluster_name: &str,
    ) -> Result<Arc<openraft::Config>, TimingError> {
        let config = openraft::Config {
            cluster_name: cluster_name.to_string(),
            heartbeat_interval: self.heartbeat.as_millis() as u64,
            election_timeout_min: self.election_timeout_min.as_millis() as u64,
            election_timeout_max: self.election_timeout_max.as_millis() as u64,
            snapshot_policy: openraft::SnapshotPolicy::LogsSinceLast(SNAPSHOT_EVERY_ENTRIES),
            max_in_snapshot_log_to_keep: KEEP_BELOW_SNAPSHOT,
            enable_pre_vote: Some(true),
            ..Default::default()
        };
        config
            .validate()
            .map(Arc::new)
            .map_err(|e| TimingError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_turn_pre_vote_on() {
        let c = RaftTimings::default().openraft_config("seatunnel").unwrap();
        assert_eq!(c.heartbeat_interval, 100);
        assert_eq!((c.election_timeout_min, c.election_timeout_max), (450, 600));
        assert_eq!(RaftTimings::default().lease(), Duration::from_millis(350));
        assert_eq!(c.enable_pre_vote, Some(true));
    }

    #[test]
    fn a_heartbeat_slower_than_the_election_timeout_is_refused() {
        let t = RaftTimings {
            heartbeat: Duration::from_millis(2000),
            ..RaftTimings::default()
        };
        let err = t.openraft_config("c").unwrap_err().to_string();
        assert!(err.starts_with("invalid raft timing"), "{err}");
    }
}
