//! SeaTunnel's own config files (compat-corpus `config/` and `engine-config/`) load unchanged.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;

fn corpus() -> Option<PathBuf> {
    crate::test_support::compat_corpus()
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

/// The first top-level key, to tell seatunnel, hazelcast and client files apart.
fn root_key(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    match yaml::parse(&text).unwrap().map(|n| n.value) {
        Some(yaml::Value::Map(entries)) => entries[0].0.name.clone(),
        other => panic!("{}: {other:?}", path.display()),
    }
}

fn role_for(path: &Path) -> Vec<Role> {
    let name = path.file_name().unwrap().to_string_lossy();
    if name.contains("master") {
        vec![Role::Master]
    } else if name.contains("worker") {
        vec![Role::Worker]
    } else {
        vec![Role::Hybrid, Role::Master, Role::Worker]
    }
}

fn isolated(extra: &[(&str, &Path)]) -> (Home, ConfigSources) {
    let home = Home::new();
    let mut s = home.sources();
    for (k, v) in extra {
        s.env.insert(k.to_string(), v.display().to_string());
    }
    (home, s)
}

fn no_unknown_keys(what: &Path, warnings: &[ConfigWarning]) {
    let unknown: Vec<String> = warnings
        .iter()
        .filter(|w| w.message.starts_with("unrecognized element"))
        .map(|w| w.to_string())
        .collect();
    assert!(unknown.is_empty(), "{}: {unknown:?}", what.display());
}

#[test]
fn every_corpus_yaml_loads_unchanged() {
    let Some(root) = corpus() else {
        println!("skipping: compat-corpus not found");
        return;
    };
    let mut files = Vec::new();
    yaml_files(&root.join("config"), &mut files);
    yaml_files(&root.join("engine-config"), &mut files);
    let (mut servers, mut hazelcast, mut clients, mut skipped) = (0, 0, 0, Vec::new());
    for path in &files {
        match root_key(path).as_str() {
            "seatunnel" => {
                for role in role_for(path) {
                    let (_h, s) = isolated(&[(ENV_SEATUNNEL_CONFIG, path)]);
                    let loaded = load(role, &s)
                        .unwrap_or_else(|e| panic!("{} as {role}: {e}", path.display()));
                    assert_eq!(loaded.files, vec![path.clone()]);
                    no_unknown_keys(path, &loaded.warnings);
                    let c = load_client(&s).unwrap();
                    no_unknown_keys(path, &c.warnings);
                }
                servers += 1;
            }
            "hazelcast" => {
                for role in role_for(path) {
                    let (_h, s) = isolated(&[(ENV_HAZELCAST_CONFIG, path)]);
                    let loaded = load(role, &s)
                        .unwrap_or_else(|e| panic!("{} as {role}: {e}", path.display()));
                    no_unknown_keys(path, &loaded.warnings);
                }
                hazelcast += 1;
            }
            "hazelcast-client" => {
                let (_h, s) = isolated(&[(ENV_HAZELCAST_CLIENT_CONFIG, path)]);
                let loaded = load_client(&s).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                no_unknown_keys(path, &loaded.warnings);
                assert!(!loaded.client.cluster_members.is_empty());
                clients += 1;
            }
            _ => skipped.push(path.file_name().unwrap().to_string_lossy().to_string()),
        }
    }
    // The only other YAML files are Kubernetes manifests of the k8s e2e test.
    skipped.sort();
    assert_eq!(
        skipped,
        vec!["seatunnel-service.yaml", "seatunnel-statefulset.yaml"]
    );
    assert!(
        servers >= 17 && hazelcast >= 14 && clients >= 10,
        "{servers} {hazelcast} {clients}"
    );
}

#[test]
fn shipped_files_mean_what_they_say() {
    let Some(root) = corpus() else { return };
    let home = Home::new();
    for name in [
        "seatunnel.yaml",
        "hazelcast-master.yaml",
        "hazelcast-worker.yaml",
    ] {
        home.write(
            name,
            &fs::read_to_string(root.join("config").join(name)).unwrap(),
        );
    }
    let master = load(Role::Master, &home.sources()).unwrap();
    assert_eq!(
        master.files,
        vec![
            home.config().join("hazelcast-master.yaml"),
            home.config().join("seatunnel.yaml")
        ]
    );
    let e = &master.server.engine;
    assert_eq!(e.checkpoint.interval, Duration::from_millis(10_000));
    assert_eq!(e.checkpoint.timeout, Duration::from_millis(60_000));
    assert_eq!(
        e.checkpoint.storage.storage_type,
        CheckpointStorageType::Hdfs
    );
    assert_eq!(e.checkpoint.storage.max_retained, 3);
    assert_eq!(
        e.checkpoint.storage.plugin("fs.defaultFS"),
        Some("file:///tmp/")
    );
    assert_eq!(e.checkpoint.storage.plugin_storage_type(), "hdfs");
    assert!(e.http.enable_http);
    assert_eq!(e.history_job_expire, Duration::from_secs(1440 * 60));
    let hz = &master.server.hazelcast;
    assert_eq!(hz.cluster_name, "seatunnel");
    assert_eq!(hz.port.port, 5801);
    assert!(!hz.port.auto_increment);
    assert!(hz.rest_api.enabled);
    assert_eq!(hz.rest_api.endpoint_groups.get("DATA"), Some(&true));
    let seeds: Vec<String> = hz.seed_targets().iter().map(|t| t.to_string()).collect();
    assert_eq!(seeds, vec!["localhost:5801", "localhost:5802"]);
    assert_eq!(hz.join.port_try_count, 30);
    let fd = &hz.failure_detector;
    assert_eq!(fd.heartbeat_interval, Duration::from_secs(2));
    assert_eq!(fd.max_no_heartbeat, Duration::from_secs(180));
    assert_eq!(
        fd.kind,
        FailureDetectorKind::PhiAccrual {
            threshold: 10.0,
            sample_size: 200,
            min_std_dev: Duration::from_millis(100)
        }
    );
    assert_eq!(hz.properties["hazelcast.logging.type"], "log4j2");
    assert_eq!(hz.map_store, None);
    let k = key(&master.origins, "hazelcast.network.port.port");
    assert_eq!(k.source, file(&home.config().join("hazelcast-master.yaml")));
    assert_eq!(k.line, Some(36));

    let worker = load(Role::Worker, &home.sources()).unwrap();
    assert_eq!(worker.server.hazelcast.port.port, 5802);
    assert!(!worker.server.hazelcast.rest_api.enabled);
}

#[test]
fn e2e_and_later_dev_variants_carry_their_settings() {
    let Some(root) = corpus() else { return };
    let base = root.join(
        "engine-config/seatunnel-e2e/seatunnel-engine-e2e/connector-seatunnel-e2e-base/src/test/resources",
    );
    let (_h, s) = isolated(&[(ENV_HAZELCAST_CONFIG, &base.join("hazelcast.yaml"))]);
    let hz = load(Role::Hybrid, &s).unwrap().server.hazelcast;
    assert_eq!(hz.member_attributes["group"], "platform");
    assert_eq!(hz.member_attributes["team"], "team1");
    assert!(hz.port.auto_increment);
    assert_eq!(hz.port.port_count, 100);

    let (_h, s) = isolated(&[(
        ENV_SEATUNNEL_CONFIG,
        &base.join("seatunnel_fixed_slot_num.yaml"),
    )]);
    let e = load(Role::Worker, &s).unwrap().server.engine;
    assert!(!e.slot_service.dynamic_slot);
    assert_eq!(e.slot_service.slot_num, 3);

    let (_h, s) = isolated(&[(ENV_SEATUNNEL_CONFIG, &base.join("seatunnel.yaml"))]);
    let e = load(Role::Hybrid, &s).unwrap().server.engine;
    assert_eq!(e.http.context_prefix(), "/seatunnel");
    assert_eq!(
        e.checkpoint.storage.namespace(),
        "/tmp/seatunnel/checkpoint_snapshot/"
    );

    let report = root.join(
        "engine-config/seatunnel-e2e/seatunnel-engine-e2e/connector-console-seatunnel-e2e/src/test/resources/seatunnel_config_with_event_report.yaml",
    );
    let (_h, s) = isolated(&[(ENV_SEATUNNEL_CONFIG, &report)]);
    let e = load(Role::Master, &s).unwrap().server.engine;
    assert_eq!(
        e.event_report_http.url.as_deref(),
        Some("http://host.testcontainers.internal:1024/event/report")
    );
    assert_eq!(
        e.event_report_http.headers["Content-Type"],
        "application/json"
    );

    let k8s = root.join(
        "engine-config/seatunnel-e2e/seatunnel-engine-e2e/seatunnel-engine-k8s-e2e/src/test/resources/custom_config/hazelcast-kubernetes-discovery.yaml",
    );
    let (_h, s) = isolated(&[(ENV_HAZELCAST_CONFIG, &k8s)]);
    let join = load(Role::Hybrid, &s).unwrap().server.hazelcast.join;
    let kube = join.kubernetes.expect("kubernetes discovery");
    assert_eq!(
        kube.dns_name().as_deref(),
        Some("seatunnel.default.svc.cluster.local")
    );
    assert_eq!(kube.service_port, Some(5801));
    assert!(!join.tcp_ip_enabled);

    let template = root.join(
        "engine-config/seatunnel-engine/seatunnel-engine-server/src/test/resources/hazelcast.yaml",
    );
    let (_h, s) = isolated(&[(ENV_HAZELCAST_CONFIG, &template)]);
    let loaded = load(Role::Master, &s).unwrap();
    let hz = &loaded.server.hazelcast;
    assert_eq!(
        hz.map_stores["map-name-template"].initial_mode,
        InitialLoadMode::Eager
    );
    assert_eq!(
        hz.map_store, None,
        "map-name-template does not cover engine maps"
    );
    assert!(loaded
        .warnings
        .iter()
        .any(|w| w.message.contains("does not cover the engine state maps")));

    let client = root.join(
        "engine-config/seatunnel-engine/seatunnel-engine-common/src/test/resources/custmoize-client.yaml",
    );
    let (_h, s) = isolated(&[(ENV_HAZELCAST_CLIENT_CONFIG, &client)]);
    let c = load_client(&s).unwrap().client;
    assert_eq!(c.cluster_name, "custmoize");
    assert_eq!(c.cluster_members.len(), 15);
    assert_eq!(c.connect_timeout, Some(Duration::from_millis(3000)));

    let jars = base.join("connector-package-service-test-server1-resources/seatunnel.yaml");
    let (_h, s) = isolated(&[(ENV_SEATUNNEL_CONFIG, &jars)]);
    let loaded = load(Role::Master, &s).unwrap();
    assert!(loaded.server.engine.jar_storage.enable);
    assert!(loaded.warnings.iter().any(|w| w
        .message
        .contains("not supported: seatunnel.engine.jar-storage")));
}
