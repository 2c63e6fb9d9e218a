//! Checkpoints of a task group that runs alone (a worker in separated cluster mode), whose
//! committer is in another process: the active master asks for a checkpoint, the group's writers
//! prepare, and what they prepared is held here until the master confirms it committed it.
//!
//! Invariants:
//! - once a writer prepared output, its infos stay held until a confirmation covers them or the
//!   group's end takes them (committed with the final infos, or aborted), so neither a late
//!   answer nor a master failover loses prepared output;
//! - an answer that arrives after its checkpoint was given up is kept, not dropped;
//! - ids may repeat: a new active master re-uses an id its predecessor asked for but never
//!   recorded, and a master asks again an id whose round did not complete. The group gets one
//!   barrier per id: asked again, the answer already held (or still awaited) is the checkpoint.
//!   A second barrier would prepare the rows after the first under the same id, held after the
//!   master took the answer, and the confirmation through that id would drop them uncommitted.
//!   A confirmation through `n` drops every answer with an id up to `n`, which is exactly what
//!   the master committed before confirming.

use std::time::Duration;

use tokio::sync::{mpsc, Mutex};

use super::task::{CheckpointRequest, Control, GroupSnapshot};

pub use super::task::Prepared;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupCheckpointError {
    #[error("checkpoint {id} expired before the task group answered it, timeout {timeout_ms} ms; raise env.checkpoint.timeout if its source or sink is slow")]
    Expired { id: u64, timeout_ms: u128 },
    #[error("the task group ended before checkpoint {0}")]
    Ended(u64),
}

struct Held {
    acks: mpsc::UnboundedReceiver<(u64, GroupSnapshot)>,
    /// Snapshots not yet covered by a confirmation, in arrival order.
    snapshots: Vec<(u64, GroupSnapshot)>,
    /// The highest checkpoint the group was told completed.
    notified: u64,
    /// The checkpoint the group was last asked for and has not answered yet.
    awaited: Option<u64>,
}

impl Held {
    fn keep(&mut self, ack: (u64, GroupSnapshot)) {
        if self.awaited == Some(ack.0) {
            self.awaited = None;
        }
        self.snapshots.push(ack);
    }

    /// Moves answers already in the channel into the held list.
    fn collect_late(&mut self) {
        while let Ok(ack) = self.acks.try_recv() {
            self.keep(ack);
        }
    }

    fn answered(&self, id: u64) -> bool {
        self.snapshots.iter().any(|(asked, _)| *asked == id)
    }
}

/// The checkpoint side of one task group run alone.
pub struct GroupCheckpoints {
    requests: mpsc::UnboundedSender<Control>,
    /// Cloned into every request; kept here so the ack channel never closes under a waiter.
    ack_tx: mpsc::UnboundedSender<(u64, GroupSnapshot)>,
    /// One checkpoint at a time per group: the lock also orders confirmations and requests.
    held: Mutex<Held>,
    /// The group's tasks ended. Its request channel may stay open after that (a reader still
    /// inside its connector holds it), so this, not the channel, ends a waiting checkpoint.
    ended: tokio_util::sync::CancellationToken,
}

impl GroupCheckpoints {
    pub fn new(requests: mpsc::UnboundedSender<Control>) -> GroupCheckpoints {
        let (ack_tx, acks) = mpsc::unbounded_channel();
        GroupCheckpoints {
            requests,
            ack_tx,
            held: Mutex::new(Held {
                acks,
                snapshots: Vec::new(),
                notified: 0,
                awaited: None,
            }),
            ended: tokio_util::sync::CancellationToken::new(),
        }
    }

    /// The group's tasks ended: a checkpoint waiting for it ends at once, so the group's end
    /// ([`GroupCheckpoints::drain`]) does not wait for the checkpoint timeout.
    pub fn group_ended(&self) {
        self.ended.cancel();
    }

    /// Asks the writers to prepare checkpoint `id` and waits until they answered, the group
    /// ended, or `timeout` passed. What they prepare is held either way. An id asked before (by
    /// a call that was dropped, or a round that did not complete) is not asked again: its
    /// answer, held or awaited, is the checkpoint.
    pub async fn prepare(&self, id: u64, timeout: Duration) -> Result<(), GroupCheckpointError> {
        let mut held = self.held.lock().await;
        held.collect_late();
        if held.answered(id) {
            return Ok(());
        }
        if held.awaited != Some(id) {
            let request = Control::Checkpoint(CheckpointRequest {
                id,
                ack: self.ack_tx.clone(),
            });
            if self.requests.send(request).is_err() {
                return Err(GroupCheckpointError::Ended(id));
            }
            held.awaited = Some(id);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        let expired = GroupCheckpointError::Expired {
            id,
            timeout_ms: timeout.as_millis(),
        };
        loop {
            tokio::select! {
                biased;
                ack = held.acks.recv() => {
                    let (answered, snapshot) = ack.expect("the ack sender lives in self");
                    held.keep((answered, snapshot));
                    // The clock decides, as in the in-process committer: a writer that blocked
                    // its thread past the deadline answered too late.
                    if tokio::time::Instant::now() >= deadline {
                        let _ = self.requests.send(Control::Aborted(id));
                        return Err(expired);
                    }
                    if answered == id {
                        return Ok(());
                    }
                }
                _ = self.requests.closed() => {
                    held.collect_late();
                    return Err(GroupCheckpointError::Ended(id));
                }
                _ = self.ended.cancelled() => {
                    held.collect_late();
                    return Err(GroupCheckpointError::Ended(id));
                }
                _ = tokio::time::sleep_until(deadline) => {
                    let _ = self.requests.send(Control::Aborted(id));
                    return Err(expired);
                }
            }
        }
    }

    /// The master committed everything it was given for checkpoints up to `id`: the reader and
    /// the writers are told, once per checkpoint.
    pub async fn confirm_through(&self, id: u64) {
        let mut held = self.held.lock().await;
        held.collect_late();
        let mut covered: Vec<u64> = held
            .snapshots
            .iter()
            .map(|(asked, _)| *asked)
            .filter(|asked| *asked <= id && *asked > held.notified)
            .collect();
        covered.sort_unstable();
        covered.dedup();
        for done in covered {
            let _ = self.requests.send(Control::Completed(done));
        }
        held.notified = held.notified.max(id);
        held.snapshots.retain(|(asked, _)| *asked > id);
    }

    /// What the group's reader and writers snapshotted for checkpoint `id`, while it is held.
    pub async fn snapshot(&self, id: u64) -> Option<GroupSnapshot> {
        let mut held = self.held.lock().await;
        held.collect_late();
        held.snapshots
            .iter()
            .rev()
            .find(|(asked, _)| *asked == id)
            .map(|(_, s)| s.clone())
    }

    /// Everything held (not yet confirmed), for the master to commit.
    pub async fn held(&self) -> Prepared {
        let mut held = self.held.lock().await;
        held.collect_late();
        held.snapshots
            .iter()
            .flat_map(|(_, s)| s.infos.iter().cloned())
            .collect()
    }

    /// Takes everything held: the group ended, and its end decides (commit or abort).
    pub async fn drain(&self) -> Prepared {
        let mut held = self.held.lock().await;
        held.collect_late();
        std::mem::take(&mut held.snapshots)
            .into_iter()
            .flat_map(|(_, s)| s.infos)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    fn snapshot(info: serde_json::Value) -> GroupSnapshot {
        GroupSnapshot {
            infos: vec![(3, info)],
            ..GroupSnapshot::default()
        }
    }

    /// A stand-in for a group's chain: answers each request with one info naming its id, and
    /// records the notifications it gets.
    fn answering() -> (GroupCheckpoints, Arc<std::sync::Mutex<Vec<u64>>>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Control>();
        let completed = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = completed.clone();
        tokio::spawn(async move {
            while let Some(control) = rx.recv().await {
                match control {
                    Control::Checkpoint(req) => {
                        let _ = req.ack.send((req.id, snapshot(json!(req.id))));
                    }
                    Control::Completed(id) => seen.lock().unwrap().push(id),
                    Control::Aborted(_) => {}
                }
            }
        });
        (GroupCheckpoints::new(tx), completed)
    }

    fn request(c: Control) -> CheckpointRequest {
        match c {
            Control::Checkpoint(r) => r,
            _ => panic!("not a checkpoint request"),
        }
    }

    fn ids(p: &Prepared) -> Vec<u64> {
        p.iter().map(|(_, v)| v.as_u64().unwrap()).collect()
    }

    #[tokio::test]
    async fn prepared_infos_stay_until_a_confirmation_covers_them() {
        let (g, completed) = answering();
        g.prepare(1, Duration::from_secs(5)).await.unwrap();
        g.prepare(2, Duration::from_secs(5)).await.unwrap();
        assert_eq!(ids(&g.held().await), vec![1, 2]);
        g.confirm_through(1).await;
        assert_eq!(ids(&g.held().await), vec![2]);
        // A new master re-uses id 2 it never saw recorded: the answer held is the checkpoint,
        // the group is not asked again, and the confirmation drops it.
        g.prepare(2, Duration::from_secs(5)).await.unwrap();
        assert_eq!(ids(&g.held().await), vec![2]);
        g.confirm_through(2).await;
        assert!(g.held().await.is_empty());
        // Each confirmed checkpoint reached the group once, in order.
        tokio::task::yield_now().await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while completed.lock().unwrap().len() < 2 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(*completed.lock().unwrap(), vec![1, 2]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_group_expires_and_its_late_answer_is_kept() {
        let (tx, mut rx) = mpsc::unbounded_channel::<Control>();
        let g = GroupCheckpoints::new(tx);
        let err = g.prepare(7, Duration::from_millis(100)).await.unwrap_err();
        assert!(matches!(err, GroupCheckpointError::Expired { id: 7, .. }));
        let late = request(rx.recv().await.unwrap());
        assert!(
            matches!(rx.recv().await, Some(Control::Aborted(7))),
            "the group is told the checkpoint will never complete"
        );
        late.ack.send((late.id, snapshot(json!(7)))).unwrap();
        assert_eq!(
            ids(&g.drain().await),
            vec![7],
            "the late answer is drained, not lost"
        );
        assert!(g.held().await.is_empty());
    }

    #[tokio::test]
    async fn an_ended_group_is_told_apart_from_a_slow_one() {
        let (tx, rx) = mpsc::unbounded_channel::<Control>();
        let g = GroupCheckpoints::new(tx);
        // The group ends while the request waits in its channel, unanswered.
        let ending = tokio::spawn(async move {
            let mut rx = rx;
            let req = rx.recv().await.unwrap();
            drop(rx);
            drop(req);
        });
        assert_eq!(
            g.prepare(4, Duration::from_secs(30)).await,
            Err(GroupCheckpointError::Ended(4))
        );
        ending.await.unwrap();
        // Already gone: refused at once.
        assert_eq!(
            g.prepare(5, Duration::from_secs(30)).await,
            Err(GroupCheckpointError::Ended(5))
        );
    }

    /// A reader stuck inside its connector keeps the request channel open after its group
    /// ended: the group's end still ends a waiting checkpoint at once, not at its timeout.
    #[tokio::test(start_paused = true)]
    async fn a_checkpoint_waiting_on_a_group_that_ended_ends_with_it() {
        let (tx, _stuck_reader_holds_it) = mpsc::unbounded_channel::<Control>();
        let g = Arc::new(GroupCheckpoints::new(tx));
        let waiting = tokio::spawn({
            let g = g.clone();
            async move { g.prepare(3, Duration::from_secs(3600)).await }
        });
        tokio::task::yield_now().await;
        g.group_ended();
        assert_eq!(waiting.await.unwrap(), Err(GroupCheckpointError::Ended(3)));
        assert!(g.drain().await.is_empty());
    }

    /// The master asking checkpoint 2 dies (its call is dropped) while the group's reader is
    /// blocked; the reader then answers, and rows flow on. The next master asks 2 again: the
    /// answer the first one missed is checkpoint 2. A second barrier under id 2 would prepare
    /// the rows after the first, held after the master took the answer, and its confirmation
    /// through 2 would drop them uncommitted: lost rows.
    #[tokio::test(start_paused = true)]
    async fn an_id_asked_again_after_its_caller_went_away_gets_one_barrier() {
        let (tx, mut rx) = mpsc::unbounded_channel::<Control>();
        let g = Arc::new(GroupCheckpoints::new(tx));
        let ask = |g: &Arc<GroupCheckpoints>| {
            let g = g.clone();
            tokio::spawn(async move { g.prepare(2, Duration::from_secs(30)).await })
        };
        // Asked and dropped before the answer; asked again while the answer is still awaited.
        let first = ask(&g);
        let req = request(rx.recv().await.unwrap());
        first.abort();
        assert!(first.await.unwrap_err().is_cancelled());
        let second = ask(&g);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(
            rx.try_recv().is_err(),
            "no second barrier while one is awaited"
        );
        req.ack.send((2, snapshot(json!(2)))).unwrap();
        assert_eq!(second.await.unwrap(), Ok(()));
        // Asked once more after the answer: held, not asked again.
        g.prepare(2, Duration::from_secs(30)).await.unwrap();
        assert!(
            rx.try_recv().is_err(),
            "no second barrier for an answered id"
        );
        assert_eq!(ids(&g.held().await), vec![2]);
        g.confirm_through(2).await;
        assert!(g.held().await.is_empty());
        // The next id is asked as usual.
        let third = tokio::spawn({
            let g = g.clone();
            async move { g.prepare(3, Duration::from_secs(30)).await }
        });
        let req = loop {
            // The confirmation told the group checkpoint 2 completed first.
            match rx.recv().await.unwrap() {
                Control::Checkpoint(req) => break req,
                Control::Completed(2) => {}
                _ => panic!("neither a request nor checkpoint 2's completion"),
            }
        };
        assert_eq!(req.id, 3);
        req.ack.send((3, snapshot(json!(3)))).unwrap();
        assert_eq!(third.await.unwrap(), Ok(()));
    }
}
