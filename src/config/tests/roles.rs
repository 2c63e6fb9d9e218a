//! Role rules (which file, which keys are read) and SIGHUP reload classification.

use std::time::Duration;

use super::*;

const ENGINE: &str = "seatunnel:\n  engine:\n    backup-count: 2\n    queue-type: disruptor\n    print-job-metrics-info-interval: 30\n    checkpoint:\n      interval: 20000\n    slot-service:\n      slot-num: 4\n    http:\n      port: 8090\n";

fn ignored(loaded: &LoadedConfig) -> Vec<&str> {
    loaded.ignored.iter().map(|k| k.path.as_str()).collect()
}

#[test]
fn each_role_reads_its_own_hazelcast_file() {
    let home = Home::new();
    home.write("hazelcast-master.yaml", "hazelcast:\n  cluster-name: m\n");
    home.write("hazelcast-worker.yaml", "hazelcast:\n  cluster-name: w\n");
    home.write("hazelcast.yaml", "hazelcast:\n  cluster-name: h\n");
    for (role, name) in [
        (Role::Master, "m"),
        (Role::Worker, "w"),
        (Role::Hybrid, "h"),
    ] {
        let loaded = load(role, &home.sources()).unwrap();
        assert_eq!(loaded.server.hazelcast.cluster_name, name);
        assert_eq!(loaded.server.role, role);
        assert_eq!(
            loaded.files,
            vec![home.config().join(role.hazelcast_file_name())]
        );
    }
}

#[test]
fn master_only_and_worker_only_keys_are_ignored_by_the_other_role() {
    let home = Home::new();
    home.write("seatunnel.yaml", ENGINE);
    home.write(
        "hazelcast-worker.yaml",
        "hazelcast:\n  map:\n    engine*:\n      map-store:\n        enabled: true\n",
    );
    let master = load(Role::Master, &home.sources()).unwrap();
    assert_eq!(
        ignored(&master),
        vec![
            "seatunnel.engine.print-job-metrics-info-interval",
            "seatunnel.engine.queue-type",
            "seatunnel.engine.slot-service.slot-num",
        ]
    );
    // the values are still loaded; no service on this role reads them.
    assert_eq!(master.server.engine.queue_type, QueueType::Disruptor);

    let worker = load(Role::Worker, &home.sources()).unwrap();
    assert_eq!(
        ignored(&worker),
        vec![
            "seatunnel.engine.backup-count",
            "seatunnel.engine.checkpoint.interval",
            "seatunnel.engine.print-job-metrics-info-interval",
            "hazelcast.map.engine*.map-store.enabled",
        ]
    );
    let report = CheckReport::new(&worker).to_string();
    assert!(
        report.contains("ignored by role worker:\n  seatunnel.engine.backup-count (master key, "),
        "{report}"
    );
    assert!(!report.contains("durable state"), "{report}");

    let hybrid = load(Role::Hybrid, &home.sources()).unwrap();
    assert_eq!(
        ignored(&hybrid),
        vec!["seatunnel.engine.print-job-metrics-info-interval"]
    );
    let k = key(
        &hybrid.origins,
        "seatunnel.engine.print-job-metrics-info-interval",
    );
    assert!(
        k.to_string()
            .ends_with("(not read by this role: client key)"),
        "{k}"
    );
}

#[test]
fn wait_is_forced_to_reject_with_dynamic_slots() {
    let home = Home::new();
    let st = home.write(
        "seatunnel.yaml",
        "seatunnel:\n  engine:\n    job-schedule-strategy: wait\n",
    );
    let loaded = load(Role::Master, &home.sources()).unwrap();
    assert_eq!(
        loaded.server.engine.job_schedule_strategy,
        ScheduleStrategy::Reject
    );
    assert_eq!(
        key(&loaded.origins, "seatunnel.engine.job-schedule-strategy").value,
        "REJECT"
    );
    assert_eq!(
        loaded.warnings[0].to_string(),
        format!(
            "job-schedule-strategy WAIT has no effect while slot-service.dynamic-slot is true in {}:3; REJECT is used; set dynamic-slot: false to queue jobs",
            st.display()
        )
    );
    home.write(
        "seatunnel.yaml",
        "seatunnel:\n  engine:\n    job-schedule-strategy: wait\n    slot-service:\n      dynamic-slot: false\n",
    );
    let loaded = load(Role::Master, &home.sources()).unwrap();
    assert_eq!(
        loaded.server.engine.job_schedule_strategy,
        ScheduleStrategy::Wait
    );
    assert!(loaded.warnings.is_empty());
}

#[test]
fn reload_separates_live_changes_from_restarts() {
    let home = Home::new();
    home.write("seatunnel.yaml", ENGINE);
    home.write(
        "hazelcast-master.yaml",
        "hazelcast:\n  cluster-name: a\n  member-attributes:\n    group:\n      type: string\n      value: one\n",
    );
    let before = load(Role::Master, &home.sources()).unwrap();
    home.write(
        "seatunnel.yaml",
        &ENGINE
            .replace(
                "backup-count: 2",
                "backup-count: 2\n    history-job-expire-minutes: 60",
            )
            .replace("queue-type: disruptor", "queue-type: blockingqueue")
            .replace(
                "port: 8090",
                "port: 8091\n      basic-auth-password: s3cret",
            )
            .replace("interval: 20000", "interval: 30000"),
    );
    home.write(
        "hazelcast-master.yaml",
        "hazelcast:\n  cluster-name: b\n  member-attributes:\n    group:\n      type: string\n      value: two\n",
    );
    let after = load(Role::Master, &home.sources()).unwrap();
    let plan = plan_reload(&before, &after);
    let paths = |v: &[KeyChange]| v.iter().map(|c| c.path.clone()).collect::<Vec<_>>();
    assert_eq!(
        paths(&plan.live),
        vec![
            "hazelcast.member-attributes.group.value",
            "seatunnel.engine.checkpoint.interval",
            "seatunnel.engine.history-job-expire-minutes",
        ]
    );
    assert_eq!(
        paths(&plan.restart),
        vec![
            "hazelcast.cluster-name",
            "seatunnel.engine.http.basic-auth-password",
            "seatunnel.engine.http.port",
        ]
    );
    assert_eq!(paths(&plan.no_effect), vec!["seatunnel.engine.queue-type"]);
    assert!(plan.needs_restart());
    let shown = plan.to_string();
    assert!(
        shown.contains("  seatunnel.engine.http.basic-auth-password: ******** -> ********\n"),
        "{shown}"
    );
    assert!(
        shown.contains("  hazelcast.member-attributes.group.value: one -> two\n"),
        "{shown}"
    );
    assert_eq!(
        after.server.engine.history_job_expire,
        Duration::from_secs(3600)
    );

    assert!(plan_reload(&after, &after).is_empty());
    let worker = load(Role::Worker, &home.sources()).unwrap();
    let all = plan_reload(&after, &worker);
    assert!(all.live.is_empty() && all.no_effect.is_empty() && all.needs_restart());
}

#[test]
fn new_map_patterns_and_member_lists_need_a_restart() {
    let home = Home::new();
    let before = load(Role::Master, &home.sources()).unwrap();
    home.write(
        "hazelcast-master.yaml",
        "hazelcast:\n  network:\n    join:\n      tcp-ip:\n        member-list: [m1, m2, w1]\n  map:\n    engine*:\n      map-store:\n        enabled: true\n        initial-mode: EAGER\n        properties:\n          type: hdfs\n          namespace: /var/lib/seatunnel/imap\n",
    );
    let after = load(Role::Master, &home.sources()).unwrap();
    let plan = plan_reload(&before, &after);
    assert!(plan.live.is_empty());
    let paths: Vec<&str> = plan.restart.iter().map(|c| c.path.as_str()).collect();
    assert!(
        paths.contains(&"hazelcast.network.join.tcp-ip.member-list"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"hazelcast.map.engine*.map-store.properties.namespace"),
        "{paths:?}"
    );
    let store = after.server.hazelcast.map_store.as_ref().unwrap();
    assert_eq!(store.namespace(), "/var/lib/seatunnel/imap");
}
