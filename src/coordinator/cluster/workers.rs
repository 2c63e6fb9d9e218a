//! The active master's view of the workers: slot profiles from heartbeats, liveness from the
//! failure detector (`hazelcast.heartbeat.*`), and what each worker says it runs.
//!
//! Soft state: it lives in memory only (heartbeats stay out of the Raft log) and a new active
//! master rebuilds it from the next round of heartbeats.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
// tokio's clock, so tests drive the detector by advancing a paused clock instead of sleeping.
use tokio::time::Instant;

use crate::cluster::failure_detector::{
    ConnectionFaults, ConnectionMonitorSettings, DetectorSettings, FailureDetector, FaultVerdict,
};
use crate::cluster::wire::{GroupKey, Heartbeat, MemberClient, WireMetrics, WorkerPhase};
use crate::engine::MetricsSnapshot;
use crate::scheduler::{Epoch, HeldSlot, SlotCapacity, WorkerId, WorkerProfile};

/// Spacing of liveness probes to one worker, shared by every job's driver: one ping per worker
/// per interval however many jobs it runs. Longer than the connection monitor's interval
/// (Hazelcast's 100 ms), so every refused probe counts as a fault, and short enough that a
/// crashed worker's `max.faults + 1` refusals take about half a second.
pub(super) const PROBE_EVERY: Duration = Duration::from_millis(120);

struct Entry {
    profile: WorkerProfile,
    detector: FailureDetector,
    faults: ConnectionFaults,
    /// Declared dead by a burst of connection failures; only a new heartbeat revives it.
    unreachable: bool,
    /// What its last heartbeat said: a stopping worker gets no placements, a stopped one is
    /// gone (its process ends right after that heartbeat).
    phase: WorkerPhase,
    running: BTreeMap<GroupKey, WireMetrics>,
    rejected_calls: u64,
    http: Option<String>,
    client: MemberClient,
}

/// One worker as `/members` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerSummary {
    pub id: String,
    pub address: String,
    /// REST V2 address, when the worker serves REST.
    pub http: Option<String>,
    pub alive: bool,
    pub rejected_calls: u64,
}

pub struct WorkerRegistry {
    settings: DetectorSettings,
    connection: ConnectionMonitorSettings,
    cluster: String,
    origin: Instant,
    workers: Mutex<BTreeMap<WorkerId, Entry>>,
    /// Connection faults of workers this master has not heard from yet but holds work for
    /// (a new active master after a restart): a dead one is known in seconds instead of after
    /// the detector's full silence time.
    unheard: Mutex<BTreeMap<WorkerId, ConnectionFaults>>,
    /// Worker ids whose process was replaced by a new one at the same address, with when this
    /// master learned it: their groups are gone at once, without waiting for the detector's
    /// silence time (the new process answers pings, so silence would never come). Entries
    /// older than the detection time are dropped: by then every driver counts them lost anyway.
    replaced: Mutex<BTreeMap<WorkerId, Duration>>,
    /// When each worker was last probed (see [`WorkerRegistry::claim_probe`]).
    probed: Mutex<BTreeMap<WorkerId, Duration>>,
    /// Bumped on every heartbeat, so waiters re-check what they wait for.
    beats: watch::Sender<u64>,
}

impl WorkerRegistry {
    pub fn new(
        settings: DetectorSettings,
        connection: ConnectionMonitorSettings,
        cluster: &str,
    ) -> WorkerRegistry {
        WorkerRegistry {
            settings,
            connection,
            cluster: cluster.to_string(),
            origin: Instant::now(),
            workers: Mutex::new(BTreeMap::new()),
            unheard: Mutex::new(BTreeMap::new()),
            replaced: Mutex::new(BTreeMap::new()),
            probed: Mutex::new(BTreeMap::new()),
            beats: watch::channel(0).0,
        }
    }

    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<WorkerId, Entry>> {
        self.workers.lock().expect("worker registry lock poisoned")
    }

    /// Takes a heartbeat. A worker that fails to give a usable address is refused with the reason.
    pub fn heartbeat(&self, hb: &Heartbeat) -> Result<(), String> {
        let now = self.now();
        let id = WorkerId(hb.worker_id.clone());
        self.unheard_faults().remove(&id);
        let held: Vec<HeldSlot> = hb
            .running
            .iter()
            .map(|r| HeldSlot {
                slot: r.slot,
                job_id: r.key.job_id,
                epoch: Epoch(r.key.epoch),
            })
            .collect();
        let mut workers = self.lock();
        if !workers.contains_key(&id) {
            let client =
                MemberClient::new(&hb.address, &self.cluster).map_err(|e| e.to_string())?;
            let earlier: Vec<WorkerId> = workers
                .iter()
                .filter(|(other, e)| **other != id && e.profile.address == hb.address)
                .map(|(other, _)| other.clone())
                .collect();
            for old in earlier {
                workers.remove(&old);
                tracing::warn!(
                    worker = %id, replaced = %old, address = %hb.address,
                    "worker at {} restarted: {old} is gone and its task groups are lost; their pipelines restart as for a lost worker",
                    hb.address
                );
                self.mark_replaced(old, now);
            }
            tracing::info!(worker = %id, address = %hb.address, "worker registered");
            workers.insert(
                id.clone(),
                Entry {
                    profile: WorkerProfile {
                        id: id.clone(),
                        address: hb.address.clone(),
                        tags: BTreeMap::new(),
                        capacity: SlotCapacity::Dynamic,
                        held: Vec::new(),
                        load: None,
                    },
                    detector: FailureDetector::new(self.settings, now),
                    faults: ConnectionFaults::new(self.connection),
                    unreachable: false,
                    phase: WorkerPhase::Serving,
                    running: BTreeMap::new(),
                    rejected_calls: 0,
                    http: None,
                    client,
                },
            );
        }
        let e = workers.get_mut(&id).expect("inserted above");
        e.detector.heartbeat(now);
        e.faults.reset();
        e.unreachable = false;
        if hb.phase != e.phase {
            tracing::info!(worker = %id, address = %hb.address, "worker is {}", match hb.phase {
                WorkerPhase::Serving => "serving",
                WorkerPhase::Stopping => "stopping: no new task groups go to it",
                WorkerPhase::Stopped => "stopped: it left the cluster",
            });
        }
        e.phase = hb.phase;
        e.profile.tags = hb.tags.clone();
        e.profile.capacity = if hb.dynamic_slot {
            SlotCapacity::Dynamic
        } else {
            SlotCapacity::Static(hb.slot_num)
        };
        e.profile.held = held;
        e.running = hb
            .running
            .iter()
            .map(|r| (r.key, r.metrics.clone()))
            .collect();
        e.rejected_calls = hb.rejected_calls;
        e.http = hb.http.clone();
        drop(workers);
        self.beats.send_modify(|n| *n += 1);
        Ok(())
    }

    fn mark_replaced(&self, old: WorkerId, now: Duration) {
        let keep = self.detection_time();
        let mut replaced = self
            .replaced
            .lock()
            .expect("replaced workers lock poisoned");
        replaced.retain(|_, at| now.saturating_sub(*at) <= keep);
        replaced.insert(old, now);
    }

    /// The worker `old` answered as another process (`new`) at its address: `old` is gone.
    pub fn incarnation_ended(&self, old: &str, new: &str) {
        let key = WorkerId(old.to_string());
        let removed = self.lock().remove(&key).is_some();
        if removed || !self.was_replaced(old) {
            tracing::warn!(
                replaced = old, worker = new,
                "worker {old} was replaced by a new process {new} at its address; its task groups are lost"
            );
        }
        self.mark_replaced(key, self.now());
        self.beats.send_modify(|n| *n += 1);
    }

    /// Whether the process `id` is known to be replaced by a new one at its address.
    pub fn was_replaced(&self, id: &str) -> bool {
        self.replaced
            .lock()
            .expect("replaced workers lock poisoned")
            .contains_key(&WorkerId(id.to_string()))
    }

    fn alive(&self, e: &Entry, now: Duration) -> bool {
        !e.unreachable && e.phase != WorkerPhase::Stopped && e.detector.is_alive(now)
    }

    /// Whether this master has not heard from any worker yet and started less than `within`
    /// ago: its workers (a hybrid node's own among them) have not found it yet, rather than
    /// there being none.
    pub fn awaiting_first_worker(&self, within: Duration) -> bool {
        *self.beats.borrow() == 0 && self.now() < within
    }

    /// Profiles of the live workers that take new task groups, for placement.
    pub fn live(&self) -> Vec<WorkerProfile> {
        let now = self.now();
        self.lock()
            .values()
            .filter(|e| self.alive(e, now) && e.phase == WorkerPhase::Serving)
            .map(|e| e.profile.clone())
            .collect()
    }

    pub fn is_alive(&self, id: &str) -> bool {
        let now = self.now();
        self.lock()
            .get(&WorkerId(id.to_string()))
            .is_some_and(|e| self.alive(e, now))
    }

    pub fn client(&self, id: &str) -> Option<MemberClient> {
        self.lock()
            .get(&WorkerId(id.to_string()))
            .map(|e| e.client.clone())
    }

    fn unheard_faults(&self) -> MutexGuard<'_, BTreeMap<WorkerId, ConnectionFaults>> {
        self.unheard.lock().expect("unheard workers lock poisoned")
    }

    /// A call to the worker failed at the connection level: the fast failure path. It also
    /// counts for a worker that has not heartbeated to this master yet.
    pub fn connection_failed(&self, id: &str) {
        let now = self.now();
        let key = WorkerId(id.to_string());
        if let Some(e) = self.lock().get_mut(&key) {
            if matches!(e.faults.on_error(now), FaultVerdict::Suspect(_)) && !e.unreachable {
                tracing::warn!(worker = id, address = %e.profile.address, "worker declared dead after repeated connection failures");
                e.unreachable = true;
            }
            return;
        }
        let mut unheard = self.unheard_faults();
        let faults = unheard
            .entry(key)
            .or_insert_with(|| ConnectionFaults::new(self.connection));
        if matches!(faults.on_error(now), FaultVerdict::Suspect(n) if n == self.connection.max_faults + 1)
        {
            tracing::warn!(
                worker = id,
                "worker declared dead: it never heartbeated to this master and refused {} connections",
                self.connection.max_faults + 1
            );
        }
    }

    /// Whether the caller should probe worker `id` now: `true` at most once per
    /// [`PROBE_EVERY`] for all callers together.
    pub fn claim_probe(&self, id: &str) -> bool {
        let now = self.now();
        let mut probed = self.probed.lock().expect("probe times lock poisoned");
        let key = WorkerId(id.to_string());
        if probed
            .get(&key)
            .is_some_and(|last| now.saturating_sub(*last) < PROBE_EVERY)
        {
            return false;
        }
        probed.insert(key, now);
        true
    }

    /// A worker this master never heard from that refused connections until suspected.
    pub fn refused_unheard(&self, id: &str) -> bool {
        let key = WorkerId(id.to_string());
        !self.lock().contains_key(&key)
            && self
                .unheard_faults()
                .get(&key)
                .is_some_and(ConnectionFaults::suspected)
    }

    /// Groups live workers report running.
    pub fn running_groups(&self) -> BTreeSet<GroupKey> {
        let now = self.now();
        self.lock()
            .values()
            .filter(|e| self.alive(e, now))
            .flat_map(|e| e.running.keys().copied())
            .collect()
    }

    /// The job's counters summed over its running groups.
    /// Counters the workers last reported for the running groups among `current` (a job's
    /// current placement: a group of a placement a restart replaced, still listed by a worker
    /// that died with it, counts no more).
    pub fn running_metrics(&self, current: &BTreeSet<GroupKey>) -> MetricsSnapshot {
        let mut out = MetricsSnapshot::default();
        for e in self.lock().values() {
            for (_, m) in e.running.iter().filter(|(k, _)| current.contains(k)) {
                add_metrics(&mut out, m);
            }
        }
        out
    }

    pub fn summaries(&self) -> Vec<WorkerSummary> {
        let now = self.now();
        self.lock()
            .values()
            .map(|e| WorkerSummary {
                id: e.profile.id.0.clone(),
                address: e.profile.address.clone(),
                http: e.http.clone(),
                alive: self.alive(e, now),
                rejected_calls: e.rejected_calls,
            })
            .collect()
    }

    /// Wakes every driver waiting in [`WorkerRegistry::next_beat`]: a heartbeat's group ends
    /// are recorded after the heartbeat itself woke them, and a driver that looked before the
    /// record would otherwise see the ends only a poll interval later.
    pub fn ends_recorded(&self) {
        self.beats.send_modify(|n| *n += 1);
    }

    /// Waits for the next heartbeat from any worker, or `timeout`.
    pub async fn next_beat(&self, timeout: Duration) {
        let mut rx = self.beats.subscribe();
        let _ = tokio::time::timeout(timeout, rx.changed()).await;
    }

    /// How long after its last heartbeat a silent worker is declared dead.
    pub fn detection_time(&self) -> Duration {
        crate::cluster::failure_detector::silence_until_suspect(&self.settings)
    }
}

/// Adds a group's counters to a job's.
pub fn add_metrics(into: &mut MetricsSnapshot, m: &WireMetrics) {
    for (t, (r, b)) in &m.source {
        let e = into.source.entry(t.clone()).or_default();
        e.0 += r;
        e.1 += b;
    }
    for (t, (r, b)) in &m.sink {
        let e = into.sink.entry(t.clone()).or_default();
        e.0 += r;
        e.1 += b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::wire::RunningGroup;
    use crate::config::{FailureDetectorConfig, FailureDetectorKind};

    /// A driver waiting for the next heartbeat wakes when a heartbeat's ends are recorded, not
    /// only when the heartbeat arrives (the ends are written after it).
    #[tokio::test]
    async fn recorded_ends_wake_a_waiting_driver() {
        let reg = registry();
        use std::future::Future;
        let mut waiting = Box::pin(reg.next_beat(Duration::from_secs(3600)));
        let waker = futures_util::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        reg.ends_recorded();
        assert!(waiting.as_mut().poll(&mut cx).is_ready());
    }

    fn registry() -> WorkerRegistry {
        let cfg = FailureDetectorConfig {
            heartbeat_interval: Duration::from_secs(2),
            max_no_heartbeat: Duration::from_secs(180),
            kind: FailureDetectorKind::Deadline,
        };
        WorkerRegistry::new(
            DetectorSettings::try_from(&cfg).unwrap(),
            ConnectionMonitorSettings::default(),
            "st",
        )
    }

    /// A heartbeat of worker `id`; every id has an address of its own (`<id>.test:5802`).
    fn beat(id: &str, running: Vec<RunningGroup>) -> Heartbeat {
        Heartbeat {
            worker_id: id.into(),
            address: format!("{id}.test:5802"),
            http: Some("127.0.0.1:8080".into()),
            tags: BTreeMap::from([("zone".into(), "a".into())]),
            dynamic_slot: false,
            slot_num: 4,
            running,
            ended: Vec::new(),
            rejected_calls: 2,
            phase: WorkerPhase::Serving,
        }
    }

    #[tokio::test]
    async fn a_stopping_worker_gets_no_placements_and_a_stopped_one_leaves_at_once() {
        let r = registry();
        r.heartbeat(&beat("w1", Vec::new())).unwrap();
        r.heartbeat(&beat("w2", Vec::new())).unwrap();
        let stopping = Heartbeat {
            phase: WorkerPhase::Stopping,
            ..beat("w1", Vec::new())
        };
        r.heartbeat(&stopping).unwrap();
        let live: Vec<String> = r.live().into_iter().map(|w| w.id.0).collect();
        assert_eq!(live, ["w2"], "no new groups for a stopping worker");
        assert!(
            r.is_alive("w1"),
            "it still runs and reports the ends of its groups"
        );
        assert_eq!(r.summaries().len(), 2, "still a member while it stops");
        let stopped = Heartbeat {
            phase: WorkerPhase::Stopped,
            ..beat("w1", Vec::new())
        };
        r.heartbeat(&stopped).unwrap();
        assert!(
            !r.is_alive("w1"),
            "gone after its last heartbeat, not after 180 s"
        );
        assert!(
            r.client("w1").is_some(),
            "known, so its groups count as lost"
        );
        let members: Vec<String> = r
            .summaries()
            .into_iter()
            .filter(|s| s.alive)
            .map(|s| s.id)
            .collect();
        assert_eq!(members, ["w2"]);
    }

    #[tokio::test]
    async fn heartbeats_register_profiles_with_held_slots_and_metrics() {
        let r = registry();
        let key = GroupKey {
            job_id: 7,
            pipeline: 1,
            group: 0,
            epoch: 3,
        };
        let metrics = WireMetrics {
            source: BTreeMap::from([("t".into(), (10, 100))]),
            sink: BTreeMap::new(),
        };
        r.heartbeat(&beat(
            "w1",
            vec![RunningGroup {
                key,
                slot: 2,
                metrics: metrics.clone(),
            }],
        ))
        .unwrap();
        r.heartbeat(&beat("w2", Vec::new())).unwrap();
        let live = r.live();
        assert_eq!(live.len(), 2);
        let w1 = live.iter().find(|w| w.id.0 == "w1").unwrap();
        assert_eq!(w1.capacity, SlotCapacity::Static(4));
        assert!(w1.holds(2, 7, Epoch(3)));
        assert_eq!(w1.tags["zone"], "a");
        assert!(r.running_groups().contains(&key));
        assert_eq!(r.running_metrics(&BTreeSet::from([key])).source_rows(), 10);
        let replaced = GroupKey { epoch: 4, ..key };
        assert_eq!(
            r.running_metrics(&BTreeSet::from([replaced])).source_rows(),
            0
        );
        let s = r.summaries();
        assert_eq!(s[0].rejected_calls, 2);
        assert_eq!(s[0].http.as_deref(), Some("127.0.0.1:8080"));
    }

    #[tokio::test(start_paused = true)]
    async fn repeated_connection_failures_declare_a_worker_dead_until_it_beats_again() {
        let r = registry();
        r.heartbeat(&beat("w1", Vec::new())).unwrap();
        assert!(r.is_alive("w1"));
        // Faults closer than the monitor interval count once: space them on the paused clock.
        for _ in 0..=ConnectionMonitorSettings::default().max_faults {
            r.connection_failed("w1");
            tokio::time::advance(Duration::from_millis(120)).await;
        }
        assert!(!r.is_alive("w1"), "declared dead by the fast path");
        assert!(r.live().is_empty());
        r.heartbeat(&beat("w1", Vec::new())).unwrap();
        assert!(r.is_alive("w1"), "a heartbeat revives it");
    }

    #[tokio::test(start_paused = true)]
    async fn a_worker_never_heard_from_is_declared_dead_by_refused_connections_alone() {
        let r = registry();
        let max = ConnectionMonitorSettings::default().max_faults;
        for _ in 0..max {
            r.connection_failed("w9");
            tokio::time::advance(Duration::from_millis(120)).await;
        }
        assert!(!r.refused_unheard("w9"), "{max} faults are not enough");
        // A burst within the monitor interval counts once.
        r.connection_failed("w9");
        r.connection_failed("w9");
        assert!(r.refused_unheard("w9"));
        assert!(!r.refused_unheard("w8"), "no faults, no verdict");
        // It heartbeats after all: it is a registered, live worker again.
        r.heartbeat(&beat("w9", Vec::new())).unwrap();
        assert!(!r.refused_unheard("w9"));
        assert!(r.is_alive("w9"));
    }

    /// A worker killed and started again at its address is a new process with a new id. Its
    /// first heartbeat ends the old one at once: the old groups are lost now, not after the
    /// detector's silence time (the address answers, so silence would never come).
    #[tokio::test(start_paused = true)]
    async fn a_new_process_at_a_known_address_ends_the_old_one_at_once() {
        let r = registry();
        r.heartbeat(&beat("w1", Vec::new())).unwrap();
        r.heartbeat(&beat("w2", Vec::new())).unwrap();
        let restarted = Heartbeat {
            worker_id: "w1-again".into(),
            ..beat("w1", Vec::new())
        };
        r.heartbeat(&restarted).unwrap();
        assert!(r.was_replaced("w1"));
        assert!(!r.is_alive("w1"));
        assert!(r.is_alive("w1-again") && r.is_alive("w2"));
        assert!(!r.was_replaced("w2"), "another address is another worker");
        let ids: Vec<String> = r.summaries().into_iter().map(|s| s.id).collect();
        assert_eq!(ids.len(), 2, "listed once: {ids:?}");
        // A call that the new process refused as meant for the old one says the same.
        r.incarnation_ended("w2", "w2-again");
        assert!(r.was_replaced("w2") && !r.is_alive("w2"));
        // Remembered for the detection time only: by then every driver counts it lost anyway.
        tokio::time::advance(r.detection_time() + Duration::from_secs(1)).await;
        r.incarnation_ended("w3", "w3-again");
        assert!(!r.was_replaced("w1") && r.was_replaced("w3"));
    }

    #[tokio::test(start_paused = true)]
    async fn probes_to_one_worker_are_shared_by_every_driver() {
        let r = registry();
        assert!(r.claim_probe("w1"));
        assert!(!r.claim_probe("w1"), "another job's driver skips it");
        assert!(r.claim_probe("w2"), "each worker has its own turn");
        tokio::time::advance(PROBE_EVERY).await;
        assert!(r.claim_probe("w1"));
    }
}
