//! Separated cluster mode with real `seatunnel master` processes on loopback: the Raft group
//! forms from SeaTunnel-style `hazelcast-master.yaml` files, survives `kill -9` of its leader and
//! a restart of every master without losing a write, refuses a member of another cluster, forms
//! when the member list names one master twice, loses a master whose disk filled up without
//! keeping it alive as a zombie, and refuses to run a master on a copy of a live master's data
//! dir.

use crate::cluster_support;

use cluster_support::{
    free_ports, write_config, write_via_leader, ClusterNode, Masters, Tmpfs, DEADLINE,
    WRITE_TIMEOUT,
};
use seatunnel::map::MapId;
use seatunnel::raft::network::forward;
use seatunnel::raft::{Command, CommandResult, Guard};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Writes `command` through whichever master leads; the result and the master that took it.
fn write(
    rt: &tokio::runtime::Runtime,
    masters: &[String],
    cluster: &str,
    command: &Command,
) -> (CommandResult, String) {
    rt.block_on(write_via_leader(masters, cluster, command, DEADLINE))
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

/// Applies only if the job is already there: a read of committed state through the log.
fn present(id: &str) -> Command {
    Command::default().guard(Guard::Present {
        map: MapId::RunningJobInfo,
        key: id.as_bytes().to_vec(),
    })
}

#[test]
fn three_masters_form_fail_over_on_kill_9_and_restart_without_loss() {
    let rt = runtime();
    let mut masters = Masters::new(3, "st-raft-test");
    masters.start_all();
    let addrs = masters.addresses();

    let (first, leader) = write(&rt, &addrs, &masters.cluster, &job("1"));
    assert!(first.applied());
    let leader_index = addrs.iter().position(|a| *a == leader).unwrap();
    for n in &masters.nodes {
        n.wait_log("master raft opened");
    }

    // The active master dies without a word; a standby takes over and commits.
    masters.nodes[leader_index].kill9();
    let survivors: Vec<String> = addrs.iter().filter(|a| **a != leader).cloned().collect();
    let (second, new_leader) = write(&rt, &survivors, &masters.cluster, &job("2"));
    assert!(second.applied());
    assert_ne!(new_leader, leader);
    let (again, _) = write(&rt, &survivors, &masters.cluster, &job("1"));
    assert_eq!(
        again.failed_guard,
        Some(0),
        "job 1 was lost in the failover"
    );
    // The new leader's calls to the dead master fail about 20 times a second: it says so in a
    // line of its own per interval, and openraft's line per failed call is not written.
    let new_leader_index = addrs.iter().position(|a| *a == new_leader).unwrap();
    masters.nodes[new_leader_index].wait_log(&format!(" at {leader} failed: "));
    for a in &survivors {
        let node = &masters.nodes[addrs.iter().position(|x| x == a).unwrap()];
        for openraft_line in [
            "failed to send a heartbeat",
            "ReplicationCore recv RPCError",
            "while requesting",
        ] {
            assert!(
                !node.log_contains(openraft_line),
                "{a} logged openraft's {openraft_line:?} line:\n{}",
                node.log_text()
            );
        }
    }

    // Every master goes down hard and comes back on its data dir: nothing is lost.
    for n in &mut masters.nodes {
        n.kill9();
    }
    masters.start_all();
    for id in ["1", "2"] {
        let (read, _) = write(&rt, &addrs, &masters.cluster, &present(id));
        assert!(
            read.applied(),
            "job {id} lost after restarting every master"
        );
    }
    for n in &masters.nodes {
        assert!(
            !n.log_contains("forming the raft group"),
            "{} formed a second group on restart:\n{}",
            n.address(),
            n.log_text()
        );
    }
    for n in &mut masters.nodes {
        let status = n.terminate().unwrap();
        assert!(
            status.success(),
            "{} exited with {status} on SIGTERM",
            n.address()
        );
    }
}

#[test]
fn a_master_whose_data_dir_was_replaced_rejoins_and_takes_its_old_vote() {
    let rt = runtime();
    let mut masters = Masters::new(3, "st-raft-replace");
    masters.start_all();
    let addrs = masters.addresses();
    let (first, leader) = write(&rt, &addrs, &masters.cluster, &job("1"));
    assert!(first.applied());
    let leader_index = addrs.iter().position(|a| *a == leader).unwrap();
    let (victim, other) = match leader_index {
        0 => (1, 2),
        1 => (2, 0),
        _ => (0, 1),
    };
    // The victim's disk is replaced: it comes back empty, under a new node id.
    masters.nodes[victim].kill9();
    std::fs::remove_dir_all(masters.nodes[victim].dir.join("data")).unwrap();
    masters.nodes[victim].start();
    // Logged once the change is committed: during the joint configuration the old voter still
    // counts, and killing another master then would stall the group.
    let start = std::time::Instant::now();
    while !masters
        .nodes
        .iter()
        .any(|n| n.log_contains("votes in place of node"))
    {
        assert!(
            start.elapsed() < DEADLINE,
            "the replaced master never got its vote back:\n{}",
            masters.nodes[leader_index].log_text()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!masters.nodes[victim].log_contains("forming the raft group"));
    // Without the replaced master's vote, one more loss would leave no quorum: the old voter
    // id is gone for good. With it, the group still commits.
    masters.nodes[other].kill9();
    let alive = vec![addrs[leader_index].clone(), addrs[victim].clone()];
    let (second, _) = write(&rt, &alive, &masters.cluster, &job("2"));
    assert!(second.applied(), "the group lost its quorum");
    let (read, _) = write(&rt, &alive, &masters.cluster, &present("1"));
    assert!(read.applied(), "job 1 lost");
}

#[test]
fn a_master_of_another_cluster_is_refused_with_a_clear_log_line() {
    let rt = runtime();
    let mut ours = Masters::new(1, "st-ours");
    ours.start_all();
    let (result, _) = write(&rt, &ours.addresses(), &ours.cluster, &job("1"));
    assert!(result.applied());

    // A stranger lists our master beside itself; neither side accepts the other.
    let mut theirs = Masters::new(1, "st-theirs");
    let mut list = theirs.addresses();
    list.push(ours.addresses()[0].clone());
    cluster_support::write_config(
        &theirs.nodes[0].dir,
        "master",
        "st-theirs",
        theirs.nodes[0].port,
        &list,
    );
    theirs.start_all();
    theirs.nodes[0].wait_log("left out of the cluster until its hazelcast.cluster-name matches");
    ours.nodes[0].wait_log("refused a call from cluster \"st-theirs\"");
    let refused = rt
        .block_on(forward(
            &ours.addresses()[0],
            "st-theirs",
            &job("2"),
            WRITE_TIMEOUT,
        ))
        .unwrap_err();
    assert!(
        refused.to_string().contains("cluster name mismatch"),
        "{refused}"
    );
}

#[test]
fn a_member_list_naming_one_master_twice_forms_and_warns_about_the_alias() {
    let rt = runtime();
    let mut masters = Masters::new(3, "st-alias");
    // The first master is listed as 127.0.0.1:P and again as localhost:P, on every master.
    let mut list = masters.addresses();
    list.insert(1, format!("localhost:{}", masters.nodes[0].port));
    for n in &masters.nodes {
        cluster_support::write_config(&n.dir, "master", &masters.cluster, n.port, &list);
    }
    masters.start_all();
    let (result, _) = write(&rt, &masters.addresses(), &masters.cluster, &job("1"));
    assert!(result.applied());
    for n in &masters.nodes {
        n.wait_log(&format!(
            "member-list entries {} and localhost:{} name the same member",
            masters.nodes[0].address(),
            masters.nodes[0].port
        ));
    }
}

/// The full master's data dir: room for RocksDB's files at start (a 4 MiB preallocated MANIFEST
/// among them), yet smaller than the WAL's preallocation (1.1 × the 64 MiB write buffer), which
/// RocksDB then skips, so once the tmpfs is full the next log append finds no space.
const SMALL_DISK: &str = "32m";
/// The line a master whose Raft stopped on a full disk exits with.
const DISK_FULL_LINE: &str = "free disk space under";
/// The exit code for "raft stopped on a storage error" (`EX_IOERR`, cli/mod.rs).
const EXIT_STORAGE: i32 = 74;

#[test]
fn a_master_whose_disk_fills_up_exits_non_zero_with_one_clear_line() {
    let rt = runtime();
    let mut masters = Masters::new(3, "st-disk-full");
    let Some(disk) = Tmpfs::mount(&masters.nodes[0].dir.join("data"), SMALL_DISK) else {
        return;
    };
    masters.start_all();
    let addrs = masters.addresses();
    let (first, _) = write(&rt, &addrs, &masters.cluster, &job("0"));
    assert!(first.applied());

    // The disk fills up while the cluster keeps taking writes: the full master's next log
    // append (leader or follower) fails with ENOSPC, and it must go down.
    disk.fill();
    let start = std::time::Instant::now();
    let mut next = 1;
    let status = loop {
        if let Some(status) = masters.nodes[0].try_wait() {
            break status;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the master with the full disk is still running:\n{}",
            masters.nodes[0].log_text()
        );
        // Not checked: a write retried after a timeout may find its own first attempt.
        write(&rt, &addrs, &masters.cluster, &job(&next.to_string()));
        next += 1;
    };
    let log = masters.nodes[0].log_text();
    assert_eq!(
        status.code(),
        Some(EXIT_STORAGE),
        "the full master exited with {status}:\n{log}"
    );
    assert!(
        !log.contains("panicked"),
        "the full master panicked:\n{log}"
    );
    assert_eq!(
        masters.nodes[0].log_count(DISK_FULL_LINE),
        1,
        "the full master did not say once what to do:\n{log}"
    );

    // The others keep a leader, take writes and kept every earlier one.
    let survivors = addrs[1..].to_vec();
    let (after, _) = write(&rt, &survivors, &masters.cluster, &job("after"));
    assert!(after.applied());
    let (read, _) = write(&rt, &survivors, &masters.cluster, &present("0"));
    assert!(read.applied(), "job 0 lost");
}

#[test]
fn a_master_started_on_a_copy_of_a_live_masters_data_dir_exits_78_naming_the_dir() {
    let rt = runtime();
    let mut masters = Masters::new(3, "st-raft-clone");
    masters.start_all();
    let addrs = masters.addresses();
    let (first, _) = write(&rt, &addrs, &masters.cluster, &job("1"));
    assert!(first.applied());

    // A fourth master whose data dir is a copy of master 0's, as `cp -a` of a live host makes.
    let root = tempfile::TempDir::new().unwrap();
    let port = free_ports(1)[0];
    let dir = root.path().join("clone");
    let mut members = addrs.clone();
    members.push(format!("127.0.0.1:{port}"));
    write_config(&dir, "master", &masters.cluster, port, &members);
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(masters.nodes[0].dir.join("data"))
        .arg(dir.join("data"))
        .status()
        .unwrap();
    assert!(copied.success());
    let mut clone = ClusterNode::new("master", port, dir.clone());
    clone.start();

    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = clone.try_wait() {
            break status;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the master on a copied data dir kept running:\n{}",
            clone.log_text()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(
        status.code(),
        Some(78),
        "not EX_CONFIG:\n{}",
        clone.log_text()
    );
    clone.wait_log(&dir.join("data").display().to_string());
    clone.wait_log(&format!("the master at {}", addrs[0]));
    clone.wait_log("start this master with an empty data dir");
    assert!(
        !clone.log_contains("master raft opened"),
        "raft ran on the copy:\n{}",
        clone.log_text()
    );
    // The original learnt of the copy from its greeting.
    masters.nodes[0].wait_log(&format!(
        "a master at 127.0.0.1:{port} claims this master's node id"
    ));
    // The three originals still commit.
    let (second, _) = write(&rt, &addrs, &masters.cluster, &job("2"));
    assert!(second.applied());
    let (read, _) = write(&rt, &addrs, &masters.cluster, &present("1"));
    assert!(read.applied(), "job 1 lost");
}
