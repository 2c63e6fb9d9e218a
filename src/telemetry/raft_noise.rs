//! openraft logs a WARN line for every failed call to a peer: each heartbeat (every 100 ms),
//! each replication attempt and each (pre-)vote, so a master cut off from its peers wrote about
//! 18 lines a second per peer and buried everything else in the journal. Our Raft transport
//! (`raft::network`) sees every one of those failures itself and reports them at most once per
//! peer per interval, with a count, so this layer drops openraft's own per-call lines; all other
//! openraft lines pass. Every failed call is still logged one by one at debug level, under
//! `seatunnel::raft::network`.

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Where openraft says a single call to a peer failed: its target (openraft's module path) and
/// a fragment of its message. From openraft `=0.10.0-alpha.37` (pinned in Cargo.toml); check
/// these when the pin moves (the test in `raft::tests` fails if none of them matches any more).
const PER_CALL_FAILURES: &[(&str, &str)] = &[
    // HeartbeatWorker, once per heartbeat interval per unreachable peer.
    (
        "openraft::core::heartbeat::worker",
        "failed to send a heartbeat",
    ),
    (
        "openraft::core::heartbeat::worker",
        "heartbeat stream returned no response",
    ),
    // ReplicationCore, once per failed append session (then it backs off).
    ("openraft::replication", "ReplicationCore recv RPCError"),
    // RaftCore, once per failed or timed-out vote and pre-vote request.
    ("openraft::core::raft_core", "while requesting "),
];

/// Whether an event is one of openraft's per-call failure lines. Pure.
pub fn is_per_call_failure(target: &str, level: &Level, message: &str) -> bool {
    *level == Level::WARN
        && PER_CALL_FAILURES
            .iter()
            .any(|(t, fragment)| target == *t && message.contains(fragment))
}

/// Drops openraft's per-call failure lines for every layer below it (journald, stderr, job
/// files).
pub struct DropPerCallFailures;

impl<S: Subscriber> Layer<S> for DropPerCallFailures {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let meta = event.metadata();
        if *meta.level() != Level::WARN || !meta.target().starts_with("openraft") {
            return true;
        }
        !is_per_call_failure(meta.target(), meta.level(), &message(event))
    }
}

/// The `message` field of an event, formatted.
pub fn message(event: &Event<'_>) -> String {
    struct Message(String);
    impl Visit for Message {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                self.0 = format!("{value:?}");
            }
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            if field.name() == "message" {
                self.0 = value.to_string();
            }
        }
    }
    let mut m = Message(String::new());
    event.record(&mut m);
    m.0
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// Keeps the message of every event that reaches it.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<String>>>);

    impl<S: Subscriber> Layer<S> for Capture {
        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            self.0.lock().unwrap().push(message(event));
        }
    }

    #[test]
    fn only_openraft_per_call_failures_are_dropped() {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::registry()
            .with(DropPerCallFailures)
            .with(capture.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(
                target: "openraft::core::heartbeat::worker",
                "{} failed to send a heartbeat: {:?}",
                "HeartbeatWorker(id=1, target=2)",
                "Err(Unreachable)"
            );
            tracing::warn!(
                target: "openraft::replication",
                "ReplicationCore recv RPCError: {}, when:({}); sending error to RaftCore",
                "unreachable",
                "stream-replication"
            );
            tracing::warn!(
                target: "openraft::core::raft_core",
                "while requesting {}, error: {}, target: {}",
                "pre-vote",
                "unreachable",
                2
            );
            tracing::warn!(
                target: "openraft::core::raft_core",
                "timeout while requesting {}: {}",
                "vote",
                "timeout after 450ms"
            );
            // Other openraft warnings, and ours, pass.
            tracing::warn!(target: "openraft::core::raft_core", "A message will be ignored because this node is no longer leader");
            tracing::info!(target: "openraft::core::heartbeat::worker", "HeartbeatWorker(id=1, target=2) is shutdown.");
            tracing::warn!(target: "seatunnel::raft::network", "raft calls to master 2 fail: failed to send a heartbeat");
        });
        assert_eq!(
            *capture.0.lock().unwrap(),
            [
                "A message will be ignored because this node is no longer leader",
                "HeartbeatWorker(id=1, target=2) is shutdown.",
                "raft calls to master 2 fail: failed to send a heartbeat",
            ]
        );
    }
}
