//! The files the package ships under /etc/seatunnel load cleanly for every role, and their
//! commented examples are valid when uncommented.

use std::time::Duration;

use super::*;

const SHIPPED: [&str; 5] = [
    "seatunnel.yaml",
    "hazelcast-master.yaml",
    "hazelcast-worker.yaml",
    "hazelcast.yaml",
    "hazelcast-client.yaml",
];

fn etc() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("etc")
}

fn install(home: &Home, transform: impl Fn(&str) -> String) {
    for name in SHIPPED {
        home.write(
            name,
            &transform(&fs::read_to_string(etc().join(name)).unwrap()),
        );
    }
    let readme = fs::read_to_string(etc().join("seatunnel.d/README")).unwrap();
    home.write("seatunnel.d/README", &readme);
}

/// Uncomments indented `# key: value` lines (examples), leaving prose comments alone.
fn uncomment_examples(text: &str) -> String {
    text.lines()
        .map(|line| {
            let body = line.trim_start();
            let indent = &line[..line.len() - body.len()];
            let Some(rest) = body.strip_prefix("# ") else {
                return line.to_string();
            };
            let key = rest.trim_start().split(':').next().unwrap_or("");
            let yaml =
                !indent.is_empty() && rest.contains(':') && !key.is_empty() && !key.contains(' ');
            if yaml {
                format!("{indent}{rest}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn shipped_files_load_without_warnings_for_every_role() {
    let home = Home::new();
    install(&home, str::to_string);
    for role in [Role::Master, Role::Worker, Role::Hybrid] {
        let loaded = load(role, &home.sources()).unwrap_or_else(|e| panic!("{role}: {e}"));
        assert!(loaded.warnings.is_empty(), "{role}: {:?}", loaded.warnings);
        assert_eq!(
            loaded.files,
            vec![
                home.config().join(role.hazelcast_file_name()),
                home.config().join("seatunnel.yaml")
            ]
        );
        assert_eq!(
            loaded.server.hazelcast.port.port,
            role.default_member_port()
        );
        assert_eq!(
            loaded.server.hazelcast.failure_detector.max_no_heartbeat,
            Duration::from_secs(180)
        );
        let e = &loaded.server.engine;
        assert!(e.http.enable_http);
        assert_eq!(
            e.checkpoint.storage.namespace(),
            "/var/lib/seatunnel/master/checkpoint/"
        );
        assert_eq!(loaded.server.hazelcast.map_store, None);
    }
    let client = load_client(&home.sources()).unwrap();
    assert!(client.warnings.is_empty(), "{:?}", client.warnings);
    assert_eq!(
        client.client.connect_timeout,
        Some(Duration::from_millis(3000))
    );
    assert_eq!(
        client.client.cluster_members[0].to_string(),
        "localhost:5801"
    );
}

#[test]
fn commented_examples_are_valid() {
    let home = Home::new();
    install(&home, uncomment_examples);
    let master = load(Role::Master, &home.sources()).unwrap();
    assert!(master.warnings.is_empty(), "{:?}", master.warnings);
    let hz = &master.server.hazelcast;
    assert_eq!(hz.member_attributes["group"], "platform");
    let store = hz.map_store.as_ref().expect("durable state example");
    assert_eq!(store.initial_mode, InitialLoadMode::Eager);
    assert_eq!(store.namespace(), "/var/lib/seatunnel/master/imap");
    let http = &master.server.engine.http;
    assert!(!http.enable_basic_auth);
    assert_eq!(
        key(&master.origins, "seatunnel.engine.http.basic-auth-username").line,
        Some(63)
    );
    let worker = load(Role::Worker, &home.sources()).unwrap();
    assert_eq!(
        worker.server.hazelcast.member_attributes["group"],
        "platform"
    );
}
