//! Every error path: exact messages with file and line, hints for common mistakes, exit code.

use std::time::Duration;

use super::*;

#[test]
fn wrong_values_fail_with_file_and_line() {
    let home = Home::new();
    let st = home.write(
        "seatunnel.yaml",
        "seatunnel:\n  engine:\n    backup-count: 9\n    queue-type: arrayqueue\n    checkpoint:\n      interval: soon\n",
    );
    let text = err_text(load(Role::Master, &home.sources()));
    let p = st.display();
    assert_eq!(
        text,
        format!(
            "{p}:3: invalid value for seatunnel.engine.backup-count: expected an integer between 0 and 6, found \"9\"\n\
             {p}:4: invalid value for seatunnel.engine.queue-type: expected one of BLOCKINGQUEUE, DISRUPTOR, found \"arrayqueue\"\n\
             {p}:6: invalid value for seatunnel.engine.checkpoint.interval: expected an integer of at least 10, found \"soon\""
        )
    );
}

#[test]
fn problems_in_several_layers_are_all_reported() {
    let home = Home::new();
    let hz = home.write(
        "hazelcast-worker.yaml",
        "hazelcast:\n  network:\n    join:\n      tcp-ip:\n        member-list:\n          - localhost:5801\n          - 10.0.0.300\n",
    );
    let st = home.write(
        "seatunnel.yaml",
        "seatunnel:\n  engine:\n    http:\n      enable-http: maybe\n",
    );
    let s = home.sources_with(
        &[("SEATUNNEL__ENGINE__HTTP__PORT", "http")],
        &[("hazelcast.network.port.port", "0")],
    );
    let text = err_text(load(Role::Worker, &s));
    assert_eq!(
        text,
        format!(
            "{}:7: invalid value for hazelcast.network.join.tcp-ip.member-list: expected a member address (host, host:port, a.b.c.x-y or [ipv6]:port), found \"10.0.0.300\": '10.0.0.300' is not an IPv4 address or last-octet range\n\
             {}:4: invalid value for seatunnel.engine.http.enable-http: expected true or false, found \"maybe\"\n\
             environment variable SEATUNNEL__ENGINE__HTTP__PORT: invalid value for seatunnel.engine.http.port: expected an integer between 0 and 65535, found \"http\"\n\
             command-line override hazelcast.network.port.port: invalid value for hazelcast.network.port.port: expected an integer between 1 and 65535, found \"0\"",
            hz.display(),
            st.display()
        )
    );
}

#[test]
fn yaml_syntax_and_duplicate_sections() {
    let home = Home::new();
    let st = home.write(
        "seatunnel.yaml",
        "seatunnel:\n  engine:\n    backup-count: 1\nseatunnel:\n  engine:\n    backup-count: 2\n",
    );
    assert_eq!(
        err_text(load(Role::Master, &home.sources())),
        format!(
            "{}:4: duplicate key seatunnel (first defined on line 1)",
            st.display()
        )
    );
    home.write("seatunnel.yaml", "seatunnel:\n  engine:\n    http: [\n");
    let text = err_text(load(Role::Master, &home.sources()));
    assert!(
        text.starts_with(&format!("{}:4: invalid yaml: ", st.display())),
        "{text}"
    );
}

#[test]
fn explicitly_named_files_must_exist() {
    let home = Home::new();
    let missing = home.config().join("nope.yaml");
    let m = missing.display().to_string();
    let cases: Vec<(ConfigSources, String)> = vec![
        (
            ConfigSources {
                config_file: Some(missing.clone()),
                ..home.sources()
            },
            format!("config file {m} given by --config does not exist"),
        ),
        (
            home.sources_with(&[(ENV_SEATUNNEL_CONFIG, &m)], &[]),
            format!("config file {m} given by SEATUNNEL_CONFIG does not exist"),
        ),
        (
            home.sources_with(&[(ENV_HAZELCAST_CONFIG, &m)], &[]),
            format!("config file {m} given by HAZELCAST_CONFIG does not exist"),
        ),
        (
            ConfigSources {
                config_dir: Some(missing.clone()),
                ..home.sources()
            },
            format!("config directory {m} given by --config-dir does not exist"),
        ),
    ];
    for (s, want) in cases {
        assert_eq!(err_text(load(Role::Master, &s)), want);
    }
    let s = home.sources_with(&[(ENV_HAZELCAST_CLIENT_CONFIG, &m)], &[]);
    let e = load_client(&s).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("config file {m} given by HAZELCAST_CLIENT_CONFIG does not exist")
    );
    assert_eq!(e.exit_code(), EX_CONFIG);
    // an empty variable counts as unset.
    assert!(load(
        Role::Master,
        &home.sources_with(&[(ENV_SEATUNNEL_CONFIG, "")], &[])
    )
    .is_ok());
}

#[test]
fn unreadable_paths_are_io_errors() {
    let home = Home::new();
    fs::create_dir_all(home.config().join("seatunnel.yaml")).unwrap();
    let text = err_text(load(Role::Master, &home.sources()));
    assert!(
        text.starts_with(&format!(
            "cannot read {}: ",
            home.config().join("seatunnel.yaml").display()
        )),
        "{text}"
    );
}

#[test]
fn hints_for_the_mistakes_seatunnel_users_make() {
    let home = Home::new();
    // map-store `enable:` instead of `enabled:` (#9283): a warning with the fix.
    let hz = home.write(
        "hazelcast-master.yaml",
        "hazelcast:\n  map:\n    engine*:\n      map-store:\n        enable: false\n        initial-mode: EAGER\n",
    );
    let loaded = load(Role::Master, &home.sources()).unwrap();
    assert_eq!(
        loaded.warnings[0].to_string(),
        format!(
            "unrecognized element: hazelcast.map.engine*.map-store.enable in {}:5; did you mean 'enabled'?",
            hz.display()
        )
    );
    assert!(
        loaded.server.hazelcast.map_store.is_some(),
        "Hazelcast's default is enabled"
    );

    // `telemetry.log` instead of `telemetry.logs` (#8733).
    let st = home.write("seatunnel.yaml", "seatunnel:\n  engine:\n    telemetry:\n      log:\n        scheduled-deletion-enable: true\n");
    let loaded = load(Role::Master, &home.sources()).unwrap();
    assert_eq!(
        loaded.warnings[1].to_string(),
        format!(
            "unrecognized element: seatunnel.engine.telemetry.log in {}:4; did you mean 'logs'?",
            st.display()
        )
    );

    // `map:` at the top level of the hazelcast file (#7275, #10649).
    home.write("hazelcast-master.yaml", "hazelcast:\n  cluster-name: seatunnel\nmap:\n  engine*:\n    map-store:\n      enabled: true\n");
    home.write("seatunnel.yaml", "");
    assert_eq!(
        err_text(load(Role::Master, &home.sources())),
        format!(
            "{}:3: map is misplaced: indent it under 'hazelcast:'; at the top level it would be ignored",
            hz.display()
        )
    );

    // `map:` in seatunnel.yaml (#9283, #8733) and `engine:` without `seatunnel:`.
    home.write("hazelcast-master.yaml", "");
    home.write(
        "seatunnel.yaml",
        "engine:\n  backup-count: 1\nmap:\n  engine*:\n    map-store:\n      enabled: true\n",
    );
    assert_eq!(
        err_text(load(Role::Master, &home.sources())),
        format!(
            "{p}:1: engine is misplaced: nest it under 'seatunnel:' (seatunnel: → engine: → …); at the top level the whole engine section would be ignored\n\
             {p}:3: map is misplaced: IMap persistence is read from the masters' hazelcast file: put it under 'hazelcast:' (hazelcast: → map: → engine*: → map-store:) in hazelcast-master.yaml or hazelcast.yaml",
            p = st.display()
        )
    );

    // a stray `seatunnel:` in the hazelcast file, and a typo of a root.
    home.write("seatunnel.yaml", "seatunel:\n  engine: {}\n");
    home.write("hazelcast-master.yaml", "seatunnel:\n  engine: {}\n");
    let loaded = load(Role::Master, &home.sources()).unwrap();
    let w: Vec<String> = loaded.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        w,
        vec![
            format!(
                "unrecognized element: seatunnel in {}:1; seatunnel: belongs in seatunnel.yaml",
                hz.display()
            ),
            format!(
                "unrecognized element: seatunel in {}:1; did you mean 'seatunnel'?",
                st.display()
            ),
        ]
    );
}

#[test]
fn unsupported_and_conflicting_discovery() {
    let home = Home::new();
    let hz = home.write(
        "hazelcast.yaml",
        "hazelcast:\n  network:\n    join:\n      multicast:\n        enabled: true\n      tcp-ip:\n        enabled: true\n      kubernetes:\n        enabled: true\n        service-name: st\n",
    );
    let p = hz.display();
    assert_eq!(
        err_text(load(Role::Hybrid, &home.sources())),
        format!(
            "{p}:5: not supported: hazelcast.network.join.multicast.enabled: multicast discovery; list every master and worker under hazelcast.network.join.tcp-ip.member-list\n\
             {p}:9: hazelcast.network.join.kubernetes.enabled: tcp-ip and kubernetes discovery cannot both be enabled; set one of them to false"
        )
    );
}

#[test]
fn unknown_role_names_are_config_errors() {
    assert_eq!("MASTER".parse::<Role>().unwrap(), Role::Master);
    assert_eq!("master_and_worker".parse::<Role>().unwrap(), Role::Hybrid);
    let e = "coordinator".parse::<Role>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown node role 'coordinator': use master, worker or master_and_worker"
    );
    assert_eq!(e.exit_code(), 78);
}

#[test]
fn map_store_under_engine_points_to_the_hazelcast_file() {
    let home = Home::new();
    let st = home.write(
        "seatunnel.yaml",
        "seatunnel:\n  engine:\n    backup-count: 1\n    map:\n      engine*:\n        map-store:\n          enabled: true\n",
    );
    let loaded = load(Role::Master, &home.sources()).unwrap();
    assert_eq!(
        loaded.warnings[0].to_string(),
        format!(
            "unrecognized element: seatunnel.engine.map in {}:4; IMap persistence is read from the \
             masters' hazelcast file under hazelcast: → map:, not from seatunnel.yaml",
            st.display()
        )
    );
    assert_eq!(loaded.server.hazelcast.map_store, None);
}

/// `checkpoint.min-pause` is milliseconds or -1 (no minimum); anything below -1 names the key,
/// the file and the line.
#[test]
fn checkpoint_min_pause_is_milliseconds_or_minus_one() {
    let home = Home::new();
    let loaded = |value: &str| {
        home.write(
            "seatunnel.yaml",
            &format!("seatunnel:\n  engine:\n    checkpoint:\n      min-pause: {value}\n"),
        );
        load(Role::Master, &home.sources())
    };
    let min_pause = |value: &str| loaded(value).unwrap().server.engine.checkpoint.min_pause;
    assert_eq!(min_pause("1500"), Some(Duration::from_millis(1500)));
    assert_eq!(min_pause("0"), Some(Duration::ZERO));
    assert_eq!(min_pause("-1"), None);
    let text = err_text(loaded("-2"));
    let p = home.write("seatunnel.yaml", "");
    assert_eq!(
        text,
        format!(
            "{}:4: invalid value for seatunnel.engine.checkpoint.min-pause: expected an integer of at least -1, found \"-2\"",
            p.display()
        )
    );
}
