//! Raft among masters with real parts: RocksDB in temp dirs, gRPC over loopback, openraft's own
//! storage conformance suite. Timing uses the production defaults so a loaded 2-core machine
//! does not flap; every wait has a deadline.

use std::collections::BTreeMap;
use std::io;
use std::time::Duration;

use openraft::async_runtime::WatchReceiver;
use openraft::testing::log::{StoreBuilder, Suite};
use openraft::{BasicNode, ServerState, StorageError};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::map::{MapId, RocksDb, RocksStore, RocksStoreOptions};

/// Long enough for an election on a loaded machine (timeouts are 1–1.5 s), short enough to fail
/// a stuck test.
const DEADLINE: Duration = Duration::from_secs(30);
const CLUSTER: &str = "raft-test";

struct RocksBuilder;

impl StoreBuilder<TypeConfig, LogStore, StateMachine, TempDir> for RocksBuilder {
    async fn build(&self) -> Result<(TempDir, LogStore, StateMachine), StorageError<TypeConfig>> {
        let dir = TempDir::new().expect("temp dir");
        let db = RocksDb::open(dir.path(), CLUSTER).expect("open rocksdb");
        let sm = StateMachine::new(std::sync::Arc::new(RocksStore::new(
            db.clone(),
            RocksStoreOptions::default(),
        )));
        let log = LogStore::new(db).expect("start the log sync thread");
        Ok((dir, log, sm))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rocks_log_and_state_machine_pass_the_openraft_storage_suite() {
    Suite::test_all(RocksBuilder).await.expect("storage suite");
}

/// Appends issued back to back without waiting for their flush (as openraft's core does) are
/// each reported flushed, and after the store is closed and reopened every entry is there, in
/// order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_not_awaited_one_by_one_are_all_flushed_and_survive_a_reopen() {
    use openraft::entry::RaftEntry;
    use openraft::storage::{IOFlushed, RaftLogStorage};
    use openraft::type_config::TypeConfigExt;
    use openraft::RaftLogReader;

    const APPENDS: u64 = 500;
    let dir = TempDir::new().expect("temp dir");
    {
        let mut log = LogStore::new(RocksDb::open(dir.path(), CLUSTER).expect("open rocksdb"))
            .expect("start the log sync thread");
        let mut flushed = Vec::new();
        for index in 1..=APPENDS {
            let (tx, rx) = TypeConfig::oneshot();
            let entry = Entry::new_blank(LogId::new_term_index(1, index));
            log.append([entry], IOFlushed::signal(tx))
                .await
                .expect("append");
            flushed.push(rx);
        }
        for rx in flushed {
            tokio::time::timeout(DEADLINE, rx)
                .await
                .expect("flush reported in time")
                .expect("callback kept")
                .expect("flushed without error");
        }
    }
    let mut log = LogStore::new(RocksDb::open(dir.path(), CLUSTER).expect("reopen rocksdb"))
        .expect("start the log sync thread");
    let indexes: Vec<u64> = log
        .try_get_log_entries(0..)
        .await
        .expect("read the log")
        .iter()
        .map(|e| e.index())
        .collect();
    assert_eq!(indexes, (1..=APPENDS).collect::<Vec<_>>());
}

/// Entries applied in one call are written together, yet each guard sees the entries before
/// it: the second "create job 7 if absent" fails exactly as it would applied alone.
#[tokio::test]
async fn a_guard_sees_the_entries_applied_before_it_in_the_same_call() {
    use crate::map::MapStore;
    use openraft::storage::RaftStateMachine;
    use openraft::EntryPayload;

    let dir = TempDir::new().expect("temp dir");
    let db = RocksDb::open(dir.path(), CLUSTER).expect("open rocksdb");
    let store = std::sync::Arc::new(RocksStore::new(db, RocksStoreOptions::default()));
    let mut sm = StateMachine::new(store.clone());
    let create = |state: &str| {
        Command::default()
            .guard(Guard::Absent {
                map: MapId::RunningJobState,
                key: b"7".to_vec(),
            })
            .put(MapId::RunningJobState, *b"7", state.as_bytes().to_vec())
    };
    let entries = [create("first"), create("second")]
        .into_iter()
        .zip(1..)
        .map(|(cmd, index)| {
            let entry = Entry {
                log_id: LogId::new_term_index(1, index),
                payload: EntryPayload::Normal(cmd),
            };
            Ok((entry, None))
        });
    sm.apply(futures_util::stream::iter(entries))
        .await
        .expect("apply");
    assert_eq!(
        store.get(MapId::RunningJobState, b"7").unwrap(),
        Some(b"first".to_vec())
    );
    assert_eq!(store.last_applied().unwrap().map(|id| id.index), Some(2));
}

/// A master in a test: its Raft, its gRPC server and its data dir.
struct Master {
    raft: MasterRaft,
    addr: String,
    stop: CancellationToken,
    server: tokio::task::JoinHandle<()>,
}

impl Master {
    async fn start(id: NodeId, listener: TcpListener, dir: &std::path::Path) -> Master {
        let addr = listener.local_addr().unwrap().to_string();
        let raft = MasterRaft::open(id, dir, CLUSTER, RaftTimings::default())
            .await
            .expect("open master raft");
        let stop = CancellationToken::new();
        let grpc = RaftGrpc::new(raft.raft.clone(), id);
        let token = stop.clone();
        let server = tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(grpc.into_server(CLUSTER))
                .serve_with_incoming_shutdown(
                    tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
                    token.cancelled_owned(),
                )
                .await
                .expect("serve raft");
        });
        Master {
            raft,
            addr,
            stop,
            server,
        }
    }

    /// Stops like a crashed process as far as peers can tell: no more answers, Raft halted.
    async fn stop(self) {
        self.stop.cancel();
        let _ = self.server.await;
        self.raft.raft.shutdown().await.expect("raft shutdown");
    }

    fn get(&self, map: MapId, key: &[u8]) -> Option<Vec<u8>> {
        self.raft.state.store().get(map, key).unwrap()
    }
}

async fn listeners(n: usize) -> Vec<TcpListener> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(TcpListener::bind("127.0.0.1:0").await.unwrap());
    }
    out
}

/// Polls `check` until it holds or the deadline passes.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The id of the one master that is leader, once exactly one is and the others agree.
async fn leader(masters: &BTreeMap<NodeId, Master>) -> NodeId {
    let mut found = 0;
    eventually("one leader that every master follows", || {
        let leaders: Vec<NodeId> = masters
            .values()
            .filter(|m| m.raft.raft.metrics().borrow_watched().state == ServerState::Leader)
            .map(|m| m.raft.node_id)
            .collect();
        if leaders.len() != 1 {
            return false;
        }
        found = leaders[0];
        masters
            .values()
            .all(|m| m.raft.raft.metrics().borrow_watched().current_leader == Some(found))
    })
    .await;
    found
}

/// Writes through `master`, retrying while a new leader has not yet confirmed its lease (a
/// leader elected a moment ago answers `ForwardToLeader` until its first quorum round).
async fn write(master: &Master, command: Command) -> CommandResult {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        match master.raft.raft.client_write(command.clone()).await {
            Ok(written) => return written.data,
            Err(e) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "write never committed: {e}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

fn job(id: &str) -> Command {
    Command::default()
        .guard(Guard::Absent {
            map: MapId::RunningJobInfo,
            key: id.as_bytes().to_vec(),
        })
        .put(MapId::RunningJobInfo, id.as_bytes(), b"info".to_vec())
        .put(MapId::RunningJobState, id.as_bytes(), b"RUNNING".to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_masters_replicate_fail_over_and_restart_without_loss() {
    let dirs: Vec<TempDir> = (0..3).map(|_| TempDir::new().unwrap()).collect();
    let mut masters = BTreeMap::new();
    for ((id, listener), dir) in (1..=3).zip(listeners(3).await).zip(&dirs) {
        masters.insert(id, Master::start(id, listener, dir.path()).await);
    }
    let members: BTreeMap<NodeId, BasicNode> = masters
        .iter()
        .map(|(id, m)| (*id, BasicNode::new(&m.addr)))
        .collect();
    masters[&1]
        .raft
        .raft
        .initialize(members.clone())
        .await
        .unwrap();
    let first = leader(&masters).await;

    // A multi-map write is applied on every master.
    assert!(write(&masters[&first], job("1")).await.applied());
    eventually("job 1 on every master", || {
        masters
            .values()
            .all(|m| m.get(MapId::RunningJobState, b"1").as_deref() == Some(b"RUNNING".as_slice()))
    })
    .await;

    // The same id again fails its guard: nothing is written, on any master.
    let again = write(
        &masters[&first],
        job("1").put(MapId::FinishedJobState, *b"1", *b"X"),
    )
    .await;
    assert_eq!(again.failed_guard, Some(0));
    assert!(masters[&first].get(MapId::FinishedJobState, b"1").is_none());

    // A follower forwards to the leader over gRPC and learns who leads when it asks a follower.
    let follower = *masters.keys().find(|id| **id != first).unwrap();
    let forwarded = network::forward(&masters[&first].addr, CLUSTER, &job("2"), DEADLINE)
        .await
        .unwrap();
    assert!(forwarded.applied());
    let refused = network::forward(&masters[&follower].addr, CLUSTER, &job("3"), DEADLINE)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, ForwardError::NotLeader { leader: Some((id, _)), .. } if *id == first),
        "{refused:?}"
    );
    // Another cluster's caller is refused.
    let stranger = network::forward(&masters[&first].addr, "other", &job("4"), DEADLINE)
        .await
        .unwrap_err();
    assert!(
        stranger.to_string().contains("cluster name mismatch"),
        "{stranger}"
    );

    // The leader goes away: a survivor takes over and writes still commit.
    masters.remove(&first).unwrap().stop().await;
    let second = leader(&masters).await;
    assert_ne!(second, first);
    assert!(write(&masters[&second], job("5")).await.applied());

    // Every master stops; reopened from their dirs at the same addresses they hold everything,
    // with no load step, and elect a leader that accepts writes.
    for (_, m) in std::mem::take(&mut masters) {
        m.stop().await;
    }
    for (id, dir) in (1..=3).zip(&dirs) {
        let listener = rebind(&members[&id].addr).await;
        masters.insert(id, Master::start(id, listener, dir.path()).await);
    }
    for (id, m) in &masters {
        for job in ["1", "2"] {
            assert_eq!(
                m.get(MapId::RunningJobInfo, job.as_bytes()).as_deref(),
                Some(b"info".as_slice()),
                "master {id} lost job {job}"
            );
        }
    }
    let third = leader(&masters).await;
    assert!(write(&masters[&third], job("6")).await.applied());
    let read = masters[&third].get(MapId::RunningJobInfo, b"5");
    assert_eq!(
        read.as_deref(),
        Some(b"info".as_slice()),
        "job 5 lost across the restart"
    );
    for (_, m) in masters {
        m.stop().await;
    }
}

/// Keeps the target and message of every WARN event and above.
#[derive(Clone, Default)]
struct Warnings(std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() <= tracing::Level::WARN {
            let message = crate::telemetry::raft_noise::message(event);
            self.0
                .lock()
                .unwrap()
                .push((meta.target().to_string(), message));
        }
    }
}

impl Warnings {
    fn of_target(&self, target: &str) -> Vec<String> {
        let lines = self.0.lock().unwrap();
        lines
            .iter()
            .filter(|(t, _)| t == target)
            .map(|(_, m)| m.clone())
            .collect()
    }

    /// openraft's own lines for single failed calls, which `telemetry` drops.
    fn openraft_per_call_failures(&self) -> usize {
        let lines = self.0.lock().unwrap();
        lines
            .iter()
            .filter(|(t, m)| {
                crate::telemetry::raft_noise::is_per_call_failure(t, &tracing::Level::WARN, m)
            })
            .count()
    }
}

/// A leader whose follower is gone says so once per interval, not once per heartbeat; the
/// openraft lines the telemetry layer drops are the ones openraft really writes. On a current-
/// thread runtime, so every task of the test logs through the subscriber set here.
#[tokio::test]
async fn a_lost_follower_is_reported_once_per_interval_not_once_per_call() {
    use tracing_subscriber::layer::SubscriberExt;

    let warnings = Warnings::default();
    let _log =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(warnings.clone()));
    let dirs: Vec<TempDir> = (0..2).map(|_| TempDir::new().unwrap()).collect();
    let mut masters = BTreeMap::new();
    for ((id, listener), dir) in (1..=2).zip(listeners(2).await).zip(&dirs) {
        masters.insert(id, Master::start(id, listener, dir.path()).await);
    }
    let members: BTreeMap<NodeId, BasicNode> = masters
        .iter()
        .map(|(id, m)| (*id, BasicNode::new(&m.addr)))
        .collect();
    masters[&1].raft.raft.initialize(members).await.unwrap();
    let first = leader(&masters).await;
    let lost = *masters.keys().find(|id| **id != first).unwrap();
    let lost_addr = masters[&lost].addr.clone();
    masters.remove(&lost).unwrap().stop().await;
    let stopped = std::time::Instant::now();

    eventually(
        "openraft's per-call failure lines (if this times out, telemetry::raft_noise no longer matches openraft's messages)",
        || warnings.openraft_per_call_failures() >= 10,
    )
    .await;
    let ours = warnings.of_target("seatunnel::raft::network");
    assert!(!ours.is_empty(), "the lost follower was never reported");
    assert!(
        ours[0].starts_with(&format!("raft call to master {lost} at {lost_addr} failed")),
        "{ours:?}"
    );
    assert!(ours[0].contains("check that master"), "{ours:?}");
    let intervals = stopped.elapsed().as_secs() / network::PEER_FAILURE_LOG_INTERVAL.as_secs();
    assert!(
        ours.len() as u64 <= 1 + intervals,
        "{} lines in {:?} for {} failed calls: {ours:?}",
        ours.len(),
        stopped.elapsed(),
        warnings.openraft_per_call_failures()
    );
    for (_, m) in masters {
        m.stop().await;
    }
}

/// Binds `addr` again once the old socket is gone.
async fn rebind(addr: &str) -> TcpListener {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        match TcpListener::bind(addr).await {
            Ok(l) => return l,
            Err(e) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "cannot rebind {addr}: {e}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

#[test]
fn io_errors_from_the_codec_say_what_failed() {
    let err: io::Error = codec::decode::<Command>("command", &[0xff, 0xff, 0xff])
        .unwrap_err()
        .into();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(err.to_string().contains("cannot decode command"), "{err}");
}
