//! Jobs on a separated cluster: through any node onto the workers exactly once, across a crash,
//! a pause or a restart of the masters; cancels, client files, tags, SIGHUP, Assert totals.

use super::*;

#[test]
fn a_job_through_any_node_runs_on_the_workers_exactly_once() {
    let mut c = Separated::new(3, 2, "st-separated");
    c.start_all();
    let seen = wait_formed(&c, http_port(&c.masters[1]), 2);
    for w in &c.workers {
        let row = seen.iter().find(|(_, a)| *a == w.address());
        assert_eq!(
            row.map(|(r, _)| r.as_str()),
            Some("WORKER"),
            "a worker is never a master: {seen:?}"
        );
    }
    // The same view from a worker (forwarded to the active master).
    wait_formed(&c, http_port(&c.workers[0]), 2);

    let out = c.root.path().join("out-1");
    let id = submit(http_port(&c.workers[0]), &job(&out, 1000, 2, 1, 0));
    let ports: Vec<u16> = c.all().map(http_port).collect();
    let (status, info) = wait_end(&ports[1..], id);
    assert_eq!(status, "FINISHED", "{info}");
    assert_eq!(lines_written(&out), 2000, "rows × parallelism lines");
    assert!(
        walk(&out.join("tmp")).is_empty(),
        "nothing left uncommitted"
    );
    // Every node answers for the job.
    for p in &ports {
        assert_eq!(job_status(*p, id).as_deref(), Some("FINISHED"), "port {p}");
    }
    // REST V1 on every master's member port, forwarded to the active master's.
    for m in &c.masters {
        let (code, info) = http_get(m.port, &format!("/hazelcast/rest/maps/job-info/{id}"));
        assert_eq!(code, 200, "V1 on {}: {info}", m.address());
        assert_eq!(info["jobStatus"], "FINISHED", "{info}");
    }
    // One monitoring entry per member, asked through a worker.
    let entries = wait_for("one monitoring entry per member", DEADLINE, || {
        let (code, body) = http_get(http_port(&c.workers[0]), "/system-monitoring-information");
        let entries = body.as_array()?.clone();
        (code == 200 && entries.len() == 5).then_some(entries)
    });
    let mut ports: Vec<String> = entries
        .iter()
        .map(|e| e["port"].as_str().unwrap_or_default().to_string())
        .collect();
    ports.sort();
    let mut expected: Vec<String> = c.all().map(|n| n.port.to_string()).collect();
    expected.sort();
    assert_eq!(ports, expected, "every member's own entry: {entries:?}");
    let masters = entries.iter().filter(|e| e["isMaster"] == "true").count();
    assert_eq!(
        masters, 1,
        "only the active master says isMaster: {entries:?}"
    );
    // /overview counts the cluster's workers and jobs, from any node.
    let (code, overview) = http_get(http_port(&c.workers[1]), "/overview");
    assert_eq!(code, 200);
    assert_eq!(overview["workers"], "2", "{overview}");
    assert_eq!(overview["finishedJobs"], "1", "{overview}");
    assert_eq!(overview["runningJobs"], "0", "{overview}");
    let worker_ran = c.workers.iter().any(|w| w.log_contains("deployed job"));
    assert!(worker_ran, "task groups ran on the workers");
    assert!(
        !c.masters.iter().any(|m| m.log_contains("deployed job")),
        "masters run no task groups"
    );

    // A bad job is refused with SeaTunnel's fail body and takes nothing down.
    let reply = http(
        http_port(&c.masters[2]),
        "POST",
        "/submit-job?format=json",
        r#"{"source": [{"plugin_name": "Nope"}], "sink": [{"plugin_name": "Console"}]}"#,
    );
    assert_eq!(reply.json()["status"], "fail", "{}", reply.body);
    assert!(reply.body.contains("Nope"), "{}", reply.body);
    wait_formed(&c, http_port(&c.masters[0]), 2);
}

#[test]
fn the_active_master_killed_mid_job_hands_the_job_to_a_standby() {
    let mut c = Separated::new(3, 2, "st-failover");
    c.start_all();
    let active = active_master(&c);
    let out = c.root.path().join("out-2");
    // 4 splits per reader, 1.5 s apart: about 5 s of work.
    let id = submit(http_port(&c.workers[1]), &job(&out, 400, 2, 4, 1500));
    let others: Vec<u16> = (0..3)
        .filter(|i| *i != active)
        .map(|i| http_port(&c.masters[i]))
        .collect();
    wait_running(others[0], id);
    c.masters[active].kill9();
    // A standby takes over; /job-info keeps answering through it.
    let (status, info) = wait_end(&others, id);
    assert_eq!(status, "FINISHED", "{info}");
    assert_eq!(lines_written(&out), 800, "exactly once: rows × parallelism");
    let took_over = c
        .masters
        .iter()
        .enumerate()
        .any(|(i, m)| i != active && m.log_contains("taking over running job"));
    assert!(took_over, "a standby took the job over");
}

#[test]
fn a_paused_leader_cannot_act_after_it_wakes() {
    let mut c = Separated::new(3, 2, "st-paused");
    c.start_all();
    let active = active_master(&c);
    let (status, body) = http_get(http_port(&c.masters[active]), "/members");
    assert_eq!(status, 200);
    let row = body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "ACTIVE MASTER")
        .unwrap()
        .clone();
    let old_token = FencingToken {
        term: row["raftTerm"].as_str().unwrap().parse().unwrap(),
        node_id: row["id"].as_str().unwrap().parse().unwrap(),
    };
    let out = c.root.path().join("out-3");
    let id = submit(http_port(&c.workers[0]), &job(&out, 200, 2, 4, 1000));
    let others: Vec<usize> = (0..3).filter(|i| *i != active).collect();
    wait_running(http_port(&c.masters[others[0]]), id);
    c.masters[active].signal(Signal::SIGSTOP);
    wait_for("a new active master", DEADLINE, || {
        let m = members(http_port(&c.masters[others[0]]))?;
        m.iter()
            .any(|(r, a)| r == "ACTIVE MASTER" && *a != c.masters[active].address())
            .then_some(())
    });
    // The paused leader stays paused until the new one has taken the job over.
    wait_for("the new active master takes the job over", DEADLINE, || {
        others
            .iter()
            .any(|i| c.masters[*i].log_contains("taking over running job"))
            .then_some(())
    });
    c.masters[active].signal(Signal::SIGCONT);
    let ports: Vec<u16> = others.iter().map(|i| http_port(&c.masters[*i])).collect();
    let (status, info) = wait_end(&ports, id);
    assert_eq!(status, "FINISHED", "{info}");
    assert_eq!(lines_written(&out), 400, "exactly once");
    // The woken master does not lead and takes no heartbeat.
    wait_for("old leader steps down", DEADLINE, || {
        let m = members(http_port(&c.masters[others[0]]))?;
        m.iter()
            .any(|(r, a)| r == "MASTER" && *a == c.masters[active].address())
            .then_some(())
    });
    // Whatever the old leader might still send carries its old token: every worker that
    // followed the new leader refuses it and counts the refusal.
    let rt = tokio::runtime::Runtime::new().unwrap();
    for w in &c.workers {
        let reply = rt
            .block_on(async {
                let client = MemberClient::new(&w.address(), &c.cluster).unwrap();
                client
                    .call_worker(&WorkerRequest {
                        token: old_token,
                        worker_id: w.log_text().lines().find_map(worker_id_in).unwrap(),
                        call: WorkerCall::Cancel { job_id: id },
                    })
                    .await
            })
            .unwrap();
        assert!(
            matches!(reply, WorkerReply::StaleToken { highest } if highest > old_token),
            "{reply:?}"
        );
        w.wait_log("from a deposed master");
    }
}

#[test]
fn restarting_every_master_keeps_jobs_and_history() {
    let mut c = Separated::new(3, 2, "st-restart");
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let out = c.root.path().join("out-4");
    let id = submit(http_port(&c.masters[0]), &job(&out, 50, 2, 1, 0));
    let ports: Vec<u16> = c.masters.iter().map(http_port).collect();
    let (status, _) = wait_end(&ports, id);
    assert_eq!(status, "FINISHED");
    for m in &mut c.masters {
        m.kill9();
    }
    for m in &mut c.masters {
        m.start();
    }
    wait_formed(&c, http_port(&c.masters[2]), 2);
    let (status, info) = wait_end(&ports, id);
    assert_eq!(status, "FINISHED", "history kept: {info}");
    let (code, finished) = http_get(http_port(&c.masters[1]), "/finished-jobs/FINISHED");
    assert_eq!(code, 200);
    assert!(finished.to_string().contains(&id.to_string()), "{finished}");
    assert_eq!(lines_written(&out), 100, "no job ran twice");
}

#[test]
fn a_worker_without_masters_waits_for_them_and_stops_cleanly() {
    let mut c = Separated::new(0, 1, "st-alone");
    c.start_all();
    let w = &c.workers[0];
    w.wait_log("ready: member port");
    w.wait_log("no active master answered this worker's heartbeat");
    // Job requests through it say why they cannot be served, in SeaTunnel's fail body.
    let reply = http(http_port(w), "GET", "/running-jobs", "");
    assert_eq!(reply.json()["status"], "fail", "{}", reply.body);
    assert!(
        reply.body.contains("has not reached an active master"),
        "{}",
        reply.body
    );
    let status = c.workers[0].terminate().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_job_cancelled_through_a_worker_stops_on_every_worker_and_commits_nothing() {
    let mut c = Separated::new(3, 2, "st-cancel");
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let out = c.root.path().join("out-5");
    // 20 splits per reader, 1 s apart: it would run about 20 s.
    let id = submit(http_port(&c.masters[0]), &job(&out, 2000, 2, 20, 1000));
    wait_running(http_port(&c.masters[1]), id);
    let reply = http(
        http_port(&c.workers[1]),
        "POST",
        "/stop-job",
        &format!(r#"{{"jobId": {id}, "isStopWithSavePoint": false}}"#),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let ports: Vec<u16> = c.all().map(http_port).collect();
    let (status, info) = wait_end(&ports, id);
    assert_eq!(status, "CANCELED", "{info}");
    assert_eq!(lines_written(&out), 0, "a cancelled job commits nothing");
    for w in &c.workers {
        assert!(!w.log_contains("FINISHED") || w.log_contains("CANCELED"));
    }
}

#[test]
fn a_worker_killed_mid_job_without_retries_fails_the_job_with_the_reason() {
    let mut c = Separated::new(3, 2, "st-worker-lost");
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let out = c.root.path().join("out-6");
    let body = with_env(job(&out, 2000, 2, 20, 1000), r#""job.retry.times": 0"#);
    let id = submit(http_port(&c.masters[1]), &body);
    wait_running(http_port(&c.masters[2]), id);
    let victim = worker_with_a_group(&c);
    let victim_address = c.workers[victim].address();
    c.workers[victim].kill9();
    let ports: Vec<u16> = c.masters.iter().map(http_port).collect();
    let (status, info) = wait_end(&ports, id);
    assert_eq!(status, "FAILED", "{info}");
    let message = info["errorMsg"].as_str().unwrap_or_default();
    assert!(
        message.contains(&victim_address)
            && message.contains("lost")
            && message.contains("retry.times is 0"),
        "the error names the lost worker and why it was not restarted: {message}"
    );
    assert_eq!(lines_written(&out), 0, "a failed job commits nothing");
    // The survivor stays registered; the dead worker leaves /members.
    wait_formed(&c, http_port(&c.masters[0]), 1);
}

#[test]
fn seatunnel_sh_with_the_stock_client_file_submits_to_the_masters_member_ports() {
    let mut c = Separated::new(3, 2, "st-client");
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let out = c.root.path().join("out-7");
    let job_file = c.root.path().join("job-7.json");
    std::fs::write(&job_file, job(&out, 300, 2, 1, 0)).unwrap();
    let run = client(&c).arg("-c").arg(&job_file).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "exit {:?}\n{stdout}\n{}",
        run.status.code(),
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(lines_written(&out), 600, "{stdout}");
}

#[test]
fn tag_filters_place_jobs_on_matching_workers_and_update_tags_moves_them() {
    let mut c = Separated::new(3, 2, "st-tags");
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let out = c.root.path().join("out-8");
    let tagged = |out: &Path| {
        job(out, 100, 2, 1, 0).replacen(
            r#""job.name": "separated""#,
            r#""job.name": "separated", "tag_filter": {"zone": "x"}"#,
            1,
        )
    };
    // No worker is in zone x: REJECT ends the job with SeaTunnel's exception class.
    let id = submit(http_port(&c.masters[0]), &tagged(&out));
    let (status, info) = wait_end(&[http_port(&c.masters[1])], id);
    assert_eq!(status, "FAILED", "{info}");
    assert!(
        info["errorMsg"]
            .as_str()
            .unwrap_or_default()
            .contains("NoEnoughResourceException"),
        "{info}"
    );
    // Tag worker 1 through its own REST; the next heartbeat tells the master.
    let reply = http(
        http_port(&c.workers[1]),
        "POST",
        "/update-tags",
        r#"{"zone": "x"}"#,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    wait_for("the master sees the tag", DEADLINE, || {
        let (_, o) = http_get(http_port(&c.masters[2]), "/overview?zone=x");
        (o["workers"] == "1").then_some(())
    });
    let out2 = c.root.path().join("out-9");
    let id = submit(http_port(&c.workers[0]), &tagged(&out2));
    let (status, info) = wait_end(&[http_port(&c.masters[1])], id);
    assert_eq!(status, "FINISHED", "{info}");
    assert_eq!(lines_written(&out2), 200);
    let ran = |w: &cluster_support::ClusterNode| w.log_contains(&format!("deployed job {id}"));
    assert!(ran(&c.workers[1]), "the tagged worker ran the job");
    assert!(!ran(&c.workers[0]), "the untagged worker ran nothing of it");
}

#[test]
fn a_job_running_while_every_master_restarts_still_finishes_exactly_once() {
    let mut c = Separated::new(3, 2, "st-restart-mid-job");
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let out = c.root.path().join("out-10");
    // 4 splits per reader, 1.5 s apart: about 5 s of work.
    let id = submit(http_port(&c.masters[0]), &job(&out, 300, 2, 4, 1500));
    wait_running(http_port(&c.masters[1]), id);
    for m in &mut c.masters {
        m.kill9();
    }
    for m in &mut c.masters {
        m.start();
    }
    // The workers kept running; the new active master adopts their groups from the record.
    assert_finished_exactly(
        &c,
        id,
        &out,
        600,
        "exactly once across a full master restart",
    );
    let deploys: usize = c
        .workers
        .iter()
        .map(|w| w.log_text().matches(&format!("deployed job {id}")).count())
        .sum();
    assert_eq!(deploys, 2, "adopted, not deployed again");
}

#[test]
fn a_streaming_job_commits_at_each_checkpoint_across_workers_and_a_failover() {
    let mut c = Separated::new(3, 2, "st-streaming");
    c.start_all();
    // The job goes in through a worker: it must have found the active master first.
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let active = active_master(&c);
    let out = c.root.path().join("out-streaming");
    // 2 readers, 4 splits each 1.5 s apart: rows keep coming for about 5 s, checkpoints every
    // second commit them while the job runs.
    let body = job(&out, 400, 2, 4, 1500).replace(
        r#""job.mode": "BATCH""#,
        r#""job.mode": "STREAMING", "checkpoint.interval": 1000"#,
    );
    let id = submit(http_port(&c.workers[0]), &body);
    let others: Vec<u16> = (0..3)
        .filter(|i| *i != active)
        .map(|i| http_port(&c.masters[i]))
        .collect();
    wait_running(others[0], id);
    wait_for(
        "a checkpoint commits rows while the job runs",
        DEADLINE,
        || (lines_written(&out) > 0).then_some(()),
    );
    assert_eq!(job_status(others[0], id).as_deref(), Some("RUNNING"));
    c.masters[active].kill9();
    // The new active master adopts the groups and its checkpoints commit the rest, exactly once.
    wait_for("every row committed by checkpoints", DEADLINE * 2, || {
        (lines_written(&out) >= 800).then_some(())
    });
    assert_eq!(job_status(others[0], id).as_deref(), Some("RUNNING"));
    let checkpointed_after_failover = c.masters.iter().enumerate().any(|(i, m)| {
        i != active
            && m.log_text()
                .lines()
                .any(|l| l.contains("checkpoint ") && l.contains(" completed"))
    });
    assert!(
        checkpointed_after_failover,
        "a standby took over the checkpoints"
    );
    let reply = http(
        others[1],
        "POST",
        "/stop-job",
        &format!(r#"{{"jobId": {id}, "isStopWithSavePoint": false}}"#),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (status, info) = wait_end(&others, id);
    assert_eq!(status, "CANCELED", "{info}");
    assert_eq!(lines_written(&out), 800, "exactly once: rows × parallelism");
}

/// FakeSource → Assert with the total row count pinned to `expect`.
fn assert_job(rows: u64, parallelism: u32, expect: u64) -> String {
    format!(
        r#"{{
  "env": {{"parallelism": {parallelism}, "job.mode": "BATCH", "job.retry.times": 0}},
  "source": [{{"plugin_name": "FakeSource", "row.num": {rows},
    "schema": {{"fields": {{"name": "string", "age": "int"}}}}}}],
  "sink": [{{"plugin_name": "Assert", "rules": {{"row_rules": [
    {{"rule_type": "MIN_ROW", "rule_value": {expect}}},
    {{"rule_type": "MAX_ROW", "rule_value": {expect}}}]}}}}]
}}"#
    )
}

#[test]
fn assert_row_counts_add_up_across_workers() {
    let mut c = Separated::new(3, 2, "st-assert");
    // 3 static slots per worker for 6 tasks (4 task groups, 2 coordinator tasks): both workers
    // run task groups whatever the random placement picks.
    static_slots(&c, 3);
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 2);
    let ports: Vec<u16> = c.masters.iter().map(http_port).collect();
    // 4 readers over 2 workers; the committer worker sees every writer's count.
    let id = submit(http_port(&c.workers[0]), &assert_job(25, 4, 100));
    let (status, info) = wait_end(&ports, id);
    assert_eq!(status, "FINISHED", "{info}");
    let spread = c
        .workers
        .iter()
        .filter(|w| w.log_contains(&format!("deployed job {id}")))
        .count();
    assert_eq!(spread, 2, "the job ran on both workers");
    let id = submit(http_port(&c.masters[1]), &assert_job(25, 4, 99));
    let (status, info) = wait_end(&ports, id);
    assert_eq!(status, "FAILED", "{info}");
    let message = info["errorMsg"].as_str().unwrap_or_default();
    assert!(message.contains("row num :100"), "{message}");
}

/// SIGHUP (`systemctl reload`) on a master and a worker: a good drop-in applies its live keys
/// and names the ones needing a restart; a broken one is refused and the node keeps serving.
#[test]
fn sighup_reloads_masters_and_workers_and_a_broken_file_changes_nothing() {
    let mut c = Separated::new(1, 1, "st-reload");
    c.start_all();
    wait_formed(&c, http_port(&c.masters[0]), 1);
    for node in c.all() {
        let drop_ins = node.dir.join("seatunnel.d");
        std::fs::create_dir_all(&drop_ins).unwrap();
        std::fs::write(
            drop_ins.join("50-reload.yaml"),
            "seatunnel:\n  engine:\n    history-job-expire-minutes: 5\nhazelcast:\n  member-attributes:\n    team:\n      type: string\n      value: etl\n",
        )
        .unwrap();
        node.signal(Signal::SIGHUP);
    }
    let master = &c.masters[0];
    master.wait_log(
        "config reloaded: applied seatunnel.engine.history-job-expire-minutes: 1440 -> 5",
    );
    master.wait_log("config reloaded: applied hazelcast.member-attributes.team.value");
    let worker = &c.workers[0];
    worker.wait_log("config reloaded: applied hazelcast.member-attributes.team.value");
    worker.wait_log(
        "seatunnel.engine.history-job-expire-minutes: 1440 -> 5 has no effect on this role",
    );
    // The worker's new tag reaches the active master with its heartbeats.
    wait_for("the master to count the re-tagged worker", DEADLINE, || {
        let (_, overview) = http_get(http_port(master), "/overview?team=etl");
        (overview["workers"] == "1").then_some(())
    });

    std::fs::write(
        master.dir.join("seatunnel.d").join("60-broken.yaml"),
        "seatunnel:\n  engine:\n    backup-count: lots\n",
    )
    .unwrap();
    master.signal(Signal::SIGHUP);
    master.wait_log("config reload failed, keeping the running configuration");
    let (code, _) = http_get(http_port(master), "/overview");
    assert_eq!(code, 200, "the master still serves after a refused reload");
}
