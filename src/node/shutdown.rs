//! The process's one shutdown tree: a root `CancellationToken` with a child per subsystem, and a
//! `TaskTracker` that knows every long-lived task, so shutdown can wait for them with a deadline
//! and name what did not stop.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long SIGTERM waits for jobs and connections to drain before exiting anyway. Kept below
/// systemd's default `TimeoutStopSec` (90 s) so we exit on our terms, not by SIGKILL.
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(30);

#[derive(Clone, Default)]
pub struct Shutdown {
    root: CancellationToken,
    tracker: TaskTracker,
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// A token cancelled when shutdown starts; subsystems take children of it.
    pub fn token(&self) -> CancellationToken {
        self.root.child_token()
    }

    pub fn tracker(&self) -> &TaskTracker {
        &self.tracker
    }

    pub fn is_started(&self) -> bool {
        self.root.is_cancelled()
    }

    /// Starts shutdown: every token below the root is cancelled.
    pub fn start(&self) {
        self.root.cancel();
    }

    /// Waits until every tracked task ended or `deadline` passed; returns whether all ended.
    pub async fn drain(&self, deadline: Duration) -> bool {
        self.tracker.close();
        match tokio::time::timeout(deadline, self.tracker.wait()).await {
            Ok(()) => true,
            Err(_) => {
                tracing::warn!(
                    still_running = self.tracker.len(),
                    "drain deadline of {} s passed with tasks still running; exiting anyway",
                    deadline.as_secs()
                );
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drain_waits_for_tasks_that_honour_the_token() {
        let s = Shutdown::new();
        let token = s.token();
        s.tracker().spawn(async move { token.cancelled().await });
        s.start();
        assert!(s.drain(Duration::from_secs(10)).await);
    }

    #[tokio::test(start_paused = true)]
    async fn drain_gives_up_at_the_deadline() {
        let s = Shutdown::new();
        s.tracker().spawn(std::future::pending::<()>());
        s.start();
        assert!(!s.drain(Duration::from_secs(1)).await);
    }
}
