//! What only the durable adapter can show: state across reopen, a real process crash around an
//! apply, the column-family layout, and the data-dir guards.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use tempfile::TempDir;

use super::tests::{at, dump, fill, CLUSTER};
use super::*;

fn open(dir: &Path) -> RocksStore {
    RocksStore::open(dir, CLUSTER, RocksStoreOptions::default()).unwrap()
}

#[test]
fn state_and_last_applied_survive_reopen() {
    let dir = TempDir::new().unwrap();
    let store = open(dir.path());
    fill(&store, 500, 1);
    let mut batch = WriteBatch::new(at(20));
    batch.set_membership(b"members".to_vec());
    store.apply(batch).unwrap();
    let before = dump(&store);
    drop(store);

    let store = open(dir.path());
    assert_eq!(dump(&store), before);
    assert_eq!(store.last_applied().unwrap(), Some(at(20)));
    // Replaying an entry the store already applied is refused after a restart too.
    assert!(matches!(
        store.apply(WriteBatch::new(at(20))),
        Err(StoreError::AppliedRegression { .. })
    ));
}

/// Names the child process's role in the crash test: `<mode>:<data dir>`.
const CRASH_CHILD_ENV: &str = "SEATUNNEL_MAP_CRASH_CHILD";

/// The child half of the crash test: applies a first batch, builds a multi-map batch, applies it
/// only in the `after-*` modes, then aborts: no destructor runs and RocksDB is never closed,
/// as with `kill -9`.
fn crash_child(spec: &str) -> ! {
    let (mode, dir) = spec.split_once(':').expect("mode:dir");
    let sync_on_apply = mode != "after-nosync";
    let store = RocksStore::open(Path::new(dir), CLUSTER, RocksStoreOptions { sync_on_apply })
        .expect("child opens the store");
    let mut first = WriteBatch::new(at(1));
    first.put(MapId::RunningJobInfo, b"job-1".to_vec(), b"info".to_vec());
    first.put(
        MapId::RunningJobState,
        b"job-1".to_vec(),
        b"RUNNING".to_vec(),
    );
    store.apply(first).expect("first batch");

    let mut finish = WriteBatch::new(at(2));
    finish.delete(MapId::RunningJobInfo, b"job-1".to_vec());
    finish.delete(MapId::RunningJobState, b"job-1".to_vec());
    finish.put(
        MapId::FinishedJobState,
        b"job-1".to_vec(),
        b"FINISHED".to_vec(),
    );
    finish.put(
        MapId::FinishedJobVertexInfo,
        b"job-1".to_vec(),
        b"dag".to_vec(),
    );
    if mode != "before" {
        store.apply(finish).expect("second batch");
    }
    std::process::abort();
}

#[test]
fn crash_around_an_apply_keeps_all_or_none_of_the_batch() {
    if let Ok(spec) = std::env::var(CRASH_CHILD_ENV) {
        crash_child(&spec);
    }
    // libtest names tests by path without the crate name.
    let module = module_path!().split_once("::").unwrap().1;
    let this_test = format!("{module}::crash_around_an_apply_keeps_all_or_none_of_the_batch");
    for mode in ["before", "after-sync", "after-nosync"] {
        let dir = TempDir::new().unwrap();
        let status = Command::new(std::env::current_exe().unwrap())
            .args([this_test.as_str(), "--exact", "--test-threads=1"])
            .env(CRASH_CHILD_ENV, format!("{mode}:{}", dir.path().display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert_eq!(
            status.signal(),
            Some(libc::SIGABRT),
            "{mode}: child did not crash: {status}"
        );

        let store = open(dir.path());
        let get = |map, key: &[u8]| store.get(map, key).unwrap();
        let running = get(MapId::RunningJobInfo, b"job-1").is_some();
        let finished = get(MapId::FinishedJobState, b"job-1").is_some();
        if mode == "before" {
            // Built but never written: none of it, and the first batch intact.
            assert!(running && !finished, "{mode}");
            assert_eq!(
                get(MapId::RunningJobState, b"job-1"),
                Some(b"RUNNING".to_vec())
            );
            assert_eq!(get(MapId::FinishedJobVertexInfo, b"job-1"), None);
            assert_eq!(store.last_applied().unwrap(), Some(at(1)));
        } else {
            // Applied, then crashed: all of it. A process crash keeps even an unsynced WAL
            // write (it reached the kernel); only power loss needs the fsync.
            assert!(!running && finished, "{mode}");
            assert_eq!(get(MapId::RunningJobState, b"job-1"), None);
            assert_eq!(
                get(MapId::FinishedJobVertexInfo, b"job-1"),
                Some(b"dag".to_vec())
            );
            assert_eq!(store.last_applied().unwrap(), Some(at(2)));
        }
    }
}

#[test]
fn a_data_dir_of_another_cluster_is_refused() {
    let dir = TempDir::new().unwrap();
    let store = open(dir.path());
    fill(&store, 10, 1);
    drop(store);

    let err = RocksStore::open(dir.path(), "prod-east", RocksStoreOptions::default())
        .err()
        .expect("a foreign cluster name must be refused");
    assert!(matches!(err, StoreError::ClusterMismatch { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("\"seatunnel\"") && message.contains("\"prod-east\""),
        "{message}"
    );
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
    // Refusing did not restamp the dir: the rightful cluster still opens it, data intact.
    assert_eq!(open(dir.path()).last_applied().unwrap(), Some(at(1)));
}

#[test]
fn an_unknown_layout_version_is_refused() {
    let dir = TempDir::new().unwrap();
    let db = RocksDb::open(dir.path(), CLUSTER).unwrap();
    let mut batch = rocksdb::WriteBatch::default();
    batch.put_cf(
        db.cf(ColumnFamilyName::RaftMeta),
        b"layout_version",
        99u16.to_be_bytes(),
    );
    db.write(batch, true).unwrap();
    drop(db);
    let err = RocksDb::open(dir.path(), CLUSTER)
        .err()
        .expect("must refuse");
    assert!(
        matches!(err, StoreError::LayoutVersion { found: 99, .. }),
        "{err}"
    );
}

#[test]
fn every_column_family_exists_and_only_sm_cfs_hold_state() {
    let dir = TempDir::new().unwrap();
    let store = open(dir.path());
    fill(&store, 20, 1);
    // The Raft log store's access path: raw writes to raft_log through the shared handle.
    let db = Arc::clone(store.db());
    let mut entry = rocksdb::WriteBatch::default();
    entry.put_cf(
        db.cf(ColumnFamilyName::RaftLog),
        7u64.to_be_bytes(),
        b"entry",
    );
    db.write(entry, true).unwrap();
    let count = |cf| {
        db.db()
            .iterator_cf(db.cf(cf), rocksdb::IteratorMode::Start)
            .count()
    };
    assert_eq!(count(ColumnFamilyName::RaftLog), 1);
    assert_eq!(count(ColumnFamilyName::SmData), 20);
    assert_eq!(count(ColumnFamilyName::SmMeta), 1, "last_applied only");
    assert_eq!(
        count(ColumnFamilyName::RaftMeta),
        2,
        "cluster name and layout version"
    );
    drop((db, store));

    let mut names = rocksdb::DB::list_cf(&rocksdb::Options::default(), dir.path()).unwrap();
    names.sort();
    assert_eq!(
        names,
        ["default", "raft_log", "raft_meta", "sm_data", "sm_meta"]
    );
}
