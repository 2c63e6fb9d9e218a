//! Precedence across all layers, the environment and CLI mappings, file discovery and origins.

use std::time::Duration;

use super::*;

#[test]
fn later_layers_win_and_origins_name_the_layer() {
    let home = Home::new();
    let hz = home.write(
        "hazelcast.yaml",
        "hazelcast:\n  cluster-name: from-hazelcast\n  network:\n    port:\n      port: 5900\n",
    );
    let st = home.write(
        "seatunnel.yaml",
        "seatunnel:\n  engine:\n    history-job-expire-minutes: 100\n    print-execution-info-interval: 5\n    http:\n      port: 8081\n",
    );
    let a = home.write(
        "seatunnel.d/10-a.yaml",
        "seatunnel:\n  engine:\n    print-execution-info-interval: 6\n    job-metrics-backup-interval: 7\nhazelcast:\n  cluster-name: from-dropin\n",
    );
    let b = home.write(
        "seatunnel.d/20-b.yaml",
        "seatunnel:\n  engine:\n    job-metrics-backup-interval: 8\n    http:\n      port: 8082\n",
    );
    // not read: not YAML, or hidden.
    home.write("seatunnel.d/README", "drop-ins go here\n");
    home.write(
        "seatunnel.d/.99-editor.yaml",
        "seatunnel: {engine: {backup-count: 5}}\n",
    );
    let s = home.sources_with(
        &[
            ("SEATUNNEL__ENGINE__HTTP__PORT", "8084"),
            ("SEATUNNEL__ENGINE__CHECKPOINT__TIMEOUT", "12345"),
        ],
        &[
            ("hazelcast.cluster-name", "from-cli"),
            ("seatunnel.engine.http.port", "8085"),
        ],
    );
    let loaded = load(Role::Hybrid, &s).unwrap();
    assert_eq!(
        loaded.files,
        vec![hz.clone(), st.clone(), a.clone(), b.clone()]
    );
    let o = &loaded.origins;

    let k = key(o, "seatunnel.engine.backup-count");
    assert_eq!(
        (k.value.as_str(), &k.source, k.line),
        ("1", &Source::Default, None)
    );
    let k = key(o, "hazelcast.network.port.port");
    assert_eq!(
        (k.value.as_str(), &k.source, k.line),
        ("5900", &file(&hz), Some(5))
    );
    let k = key(o, "seatunnel.engine.history-job-expire-minutes");
    assert_eq!(
        (k.value.as_str(), &k.source, k.line),
        ("100", &file(&st), Some(3))
    );
    let k = key(o, "seatunnel.engine.print-execution-info-interval");
    assert_eq!(
        (k.value.as_str(), &k.source, k.line),
        ("6", &file(&a), Some(3))
    );
    let k = key(o, "seatunnel.engine.job-metrics-backup-interval");
    assert_eq!(
        (k.value.as_str(), &k.source, k.line),
        ("8", &file(&b), Some(3))
    );
    let k = key(o, "seatunnel.engine.checkpoint.timeout");
    assert_eq!(
        k.source,
        Source::Env("SEATUNNEL__ENGINE__CHECKPOINT__TIMEOUT".into())
    );
    let k = key(o, "seatunnel.engine.http.port");
    assert_eq!(
        (k.value.as_str(), &k.source),
        ("8085", &Source::Cli("seatunnel.engine.http.port".into()))
    );
    let k = key(o, "hazelcast.cluster-name");
    assert_eq!(k.value, "from-cli");
    assert_eq!(
        k.to_string(),
        "hazelcast.cluster-name = from-cli  # command-line override hazelcast.cluster-name"
    );

    let e = &loaded.server.engine;
    assert_eq!(e.backup_count, 1);
    assert_eq!(e.print_execution_info_interval, Duration::from_secs(6));
    assert_eq!(e.job_metrics_backup_interval, Duration::from_secs(8));
    assert_eq!(e.checkpoint.timeout, Duration::from_millis(12345));
    assert_eq!(e.http.port, 8085);
    assert_eq!(loaded.server.hazelcast.cluster_name, "from-cli");
    assert_eq!(loaded.server.hazelcast.port.port, 5900);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);

    // without the env and CLI layers the drop-ins decide.
    let loaded = load(Role::Hybrid, &home.sources()).unwrap();
    assert_eq!(loaded.server.engine.http.port, 8082);
    assert_eq!(loaded.server.hazelcast.cluster_name, "from-dropin");
    let shown = render_origins(&loaded.origins);
    assert!(shown.contains(&format!("# {}:5\n", b.display())), "{shown}");
}

#[test]
fn env_names_map_onto_keys() {
    let home = Home::new();
    home.write(
        "seatunnel.yaml",
        "seatunnel:\n  engine:\n    checkpoint:\n      storage:\n        plugin-config:\n          fs.defaultFS: file:///tmp/\n",
    );
    home.write(
        "hazelcast.yaml",
        "hazelcast:\n  member-attributes:\n    group:\n      type: string\n      value: platform\n",
    );
    let s = home.sources_with(
        &[
            (
                "SEATUNNEL__ENGINE__TASK_EXECUTION_THREAD_SHARE_MODE",
                "part",
            ),
            ("SEATUNNEL__ENGINE__SLOT_SERVICE__DYNAMIC_SLOT", "false"),
            (
                "SEATUNNEL__ENGINE__CHECKPOINT__STORAGE__PLUGIN_CONFIG__FS__DEFAULTFS",
                "hdfs://nn:9000",
            ),
            (
                "SEATUNNEL__ENGINE__CHECKPOINT__STORAGE__PLUGIN_CONFIG__NAMESPACE",
                "/ckpt/",
            ),
            ("SEATUNNEL__HAZELCAST__CLUSTER_NAME", "prod"),
            (
                "SEATUNNEL__HAZELCAST__PROPERTIES__HAZELCAST__MAX__NO__HEARTBEAT__SECONDS",
                "30",
            ),
            (
                "SEATUNNEL__HAZELCAST__MEMBER_ATTRIBUTES__GROUP__VALUE",
                "etl",
            ),
            (
                "SEATUNNEL__HAZELCAST__NETWORK__JOIN__TCP_IP__MEMBER_LIST",
                "m1:5801,w1:5802",
            ),
            ("SEATUNNEL__SEATUNNEL__ENGINE__BACKUP_COUNT", "3"),
            ("SEATUNNEL__ENGINE__NO_SUCH_KEY", "1"),
            ("SEATUNNEL_LOG_TARGET", "journal"),
        ],
        &[],
    );
    let loaded = load(Role::Hybrid, &s).unwrap();
    let e = &loaded.server.engine;
    assert_eq!(e.task_execution_thread_share_mode, ThreadShareMode::Part);
    assert!(!e.slot_service.dynamic_slot);
    assert_eq!(e.backup_count, 3);
    // the existing key keeps its spelling; new free-map keys are lower-cased.
    assert_eq!(
        e.checkpoint.storage.plugin("fs.defaultFS"),
        Some("hdfs://nn:9000")
    );
    assert_eq!(e.checkpoint.storage.namespace(), "/ckpt/");
    let hz = &loaded.server.hazelcast;
    assert_eq!(hz.cluster_name, "prod");
    assert_eq!(
        hz.failure_detector.max_no_heartbeat,
        Duration::from_secs(30)
    );
    assert_eq!(hz.member_attributes["group"], "etl");
    let members: Vec<String> = hz.join.members.iter().map(|m| m.to_string()).collect();
    assert_eq!(members, vec!["m1:5801", "w1:5802"]);
    let k = key(
        &loaded.origins,
        "hazelcast.properties.hazelcast.max.no.heartbeat.seconds",
    );
    assert_eq!(
        k.source,
        Source::Env(
            "SEATUNNEL__HAZELCAST__PROPERTIES__HAZELCAST__MAX__NO__HEARTBEAT__SECONDS".into()
        )
    );
    let warnings: Vec<String> = loaded.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        vec![
            "unrecognized element: engine.no_such_key in environment variable \
             SEATUNNEL__ENGINE__NO_SUCH_KEY"
        ]
    );
}

#[test]
fn cli_overrides_accept_dotted_paths() {
    let home = Home::new();
    let s = home.sources_with(
        &[],
        &[
            ("engine.backup-count", "2"),
            (
                "seatunnel.engine.checkpoint.storage.plugin-config.fs.defaultFS",
                "s3a://bucket",
            ),
            (
                "hazelcast.properties.hazelcast.heartbeat.interval.seconds",
                "3",
            ),
            ("hazelcast.map.engine*.map-store.initial-mode", "eager"),
            ("seatunnel.engine.htp.port", "1"),
        ],
    );
    let loaded = load(Role::Master, &s).unwrap();
    assert_eq!(loaded.server.engine.backup_count, 2);
    assert_eq!(
        loaded
            .server
            .engine
            .checkpoint
            .storage
            .plugin("fs.defaultFS"),
        Some("s3a://bucket")
    );
    let hz = &loaded.server.hazelcast;
    assert_eq!(
        hz.failure_detector.heartbeat_interval,
        Duration::from_secs(3)
    );
    let store = hz.map_store.as_ref().expect("durable state requested");
    assert_eq!(store.pattern, "engine*");
    assert!(store.enabled);
    assert_eq!(store.initial_mode, InitialLoadMode::Eager);
    // map-store keys nobody set are listed with their defaults.
    let k = key(&loaded.origins, "hazelcast.map.engine*.map-store.enabled");
    assert_eq!((k.value.as_str(), &k.source), ("true", &Source::Default));
    assert_eq!(
        loaded.warnings[0].to_string(),
        "unrecognized element: seatunnel.engine.htp.port in command-line override \
         seatunnel.engine.htp.port"
    );
}

#[test]
fn config_file_and_seatunnel_env_vars_pick_the_files() {
    let home = Home::new();
    let elsewhere = tempfile::tempdir().unwrap();
    let st = elsewhere.path().join("custom.yaml");
    fs::write(&st, "seatunnel:\n  engine:\n    backup-count: 4\n").unwrap();
    let hz = elsewhere.path().join("hazelcast-master.yaml");
    fs::write(&hz, "hazelcast:\n  cluster-name: beside-config\n").unwrap();
    fs::create_dir(elsewhere.path().join("seatunnel.d")).unwrap();
    fs::write(
        elsewhere.path().join("seatunnel.d/50-cluster.yaml"),
        "hazelcast:\n  network:\n    join:\n      tcp-ip:\n        member-list: [m1, w1]\n",
    )
    .unwrap();
    // --config: its directory holds the hazelcast file and seatunnel.d/.
    let s = ConfigSources {
        config_file: Some(st.clone()),
        ..home.sources()
    };
    let loaded = load(Role::Master, &s).unwrap();
    assert_eq!(loaded.server.engine.backup_count, 4);
    assert_eq!(loaded.server.hazelcast.cluster_name, "beside-config");
    assert_eq!(loaded.server.hazelcast.join.members.len(), 2);

    // SEATUNNEL_CONFIG names seatunnel.yaml only; HAZELCAST_CONFIG the hazelcast file.
    let other_hz = elsewhere.path().join("hz.yaml");
    fs::write(&other_hz, "hazelcast:\n  cluster-name: from-env\n").unwrap();
    let s = home.sources_with(
        &[
            (ENV_SEATUNNEL_CONFIG, st.to_str().unwrap()),
            (ENV_HAZELCAST_CONFIG, other_hz.to_str().unwrap()),
        ],
        &[],
    );
    let loaded = load(Role::Worker, &s).unwrap();
    assert_eq!(loaded.files, vec![other_hz, st]);
    assert_eq!(loaded.server.hazelcast.cluster_name, "from-env");

    // --config-dir replaces the drop-in directory.
    let dropins = tempfile::tempdir().unwrap();
    fs::write(
        dropins.path().join("x.yml"),
        "seatunnel:\n  engine:\n    backup-count: 6\n",
    )
    .unwrap();
    let s = ConfigSources {
        config_dir: Some(dropins.path().to_path_buf()),
        ..home.sources()
    };
    assert_eq!(
        load(Role::Master, &s).unwrap().server.engine.backup_count,
        6
    );
}

#[test]
fn no_files_at_all_means_defaults() {
    let home = Home::new();
    let loaded = load(Role::Worker, &home.sources()).unwrap();
    assert!(loaded.files.is_empty());
    assert!(loaded.warnings.is_empty());
    assert_eq!(loaded.server.hazelcast.port.port, 5802);
    assert_eq!(loaded.server.engine, EngineConfig::default());
    let report = check(Role::Worker, &home.sources(), false)
        .unwrap()
        .to_string();
    assert!(
        report.starts_with("configuration is valid for role worker\n"),
        "{report}"
    );
    assert!(
        report.contains("(none: built-in defaults only)"),
        "{report}"
    );
}

#[test]
fn docker_member_list_replaces_members_for_server_and_client() {
    let home = Home::new();
    home.write(
        "hazelcast.yaml",
        "hazelcast:\n  network:\n    join:\n      tcp-ip:\n        member-list:\n          - localhost\n",
    );
    home.write(
        "hazelcast-client.yaml",
        "hazelcast-client:\n  network:\n    cluster-members:\n      - localhost:5801\n",
    );
    home.write(
        "seatunnel.yaml",
        "seatunnel:\n  engine:\n    print-job-metrics-info-interval: 15\n",
    );
    let s = home.sources_with(&[(ENV_DOCKER_MEMBER_LIST, "10.0.0.1,10.0.0.2:5802")], &[]);
    let loaded = load(Role::Hybrid, &s).unwrap();
    let members: Vec<String> = loaded
        .server
        .hazelcast
        .join
        .members
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert_eq!(members, vec!["10.0.0.1", "10.0.0.2:5802"]);
    let k = key(&loaded.origins, "hazelcast.network.join.tcp-ip.member-list");
    assert_eq!(k.source, Source::Env(ENV_DOCKER_MEMBER_LIST.into()));
    assert_eq!(k.value, "[10.0.0.1, 10.0.0.2:5802]");

    let client = load_client(&s).unwrap();
    let members: Vec<String> = client
        .client
        .cluster_members
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert_eq!(members, vec!["10.0.0.1", "10.0.0.2:5802"]);
    let targets: Vec<String> = client
        .client
        .targets()
        .iter()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(
        targets,
        vec![
            "10.0.0.1:5801",
            "10.0.0.1:5802",
            "10.0.0.1:5803",
            "10.0.0.2:5802"
        ]
    );
    assert_eq!(
        client.client.print_job_metrics_info_interval,
        Duration::from_secs(15)
    );
    // SEATUNNEL__ variables still win over it.
    let s = home.sources_with(
        &[
            (ENV_DOCKER_MEMBER_LIST, "10.0.0.1"),
            (
                "SEATUNNEL__HAZELCAST__NETWORK__JOIN__TCP_IP__MEMBER_LIST",
                "10.9.9.9",
            ),
        ],
        &[],
    );
    let loaded = load(Role::Hybrid, &s).unwrap();
    assert_eq!(
        loaded.server.hazelcast.join.members[0].to_string(),
        "10.9.9.9"
    );
}
