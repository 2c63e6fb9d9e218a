//! Every key seatunnel-rs reads from `seatunnel.yaml`, the hazelcast files and
//! `hazelcast-client.yaml`: its type, default, which role reads it and whether a reload applies it.
//!
//! This table is the single source of truth. The validator checks values against it, the env and
//! CLI mappers resolve names with it, `config show --origin` and SIGHUP reload classify keys with
//! it, and `docs/config.md` is generated from it (a test keeps them in step).
//!
//! Path syntax: segments separated by `.`; `*` stands for a name the user chooses (a map pattern,
//! a member attribute); a segment in `[…]` is one literal key that itself contains dots (the
//! Hazelcast property names).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::Role;

/// Java's `Integer.MAX_VALUE`: the upper bound of SeaTunnel's `int` options.
pub const JAVA_INT_MAX: i64 = i32::MAX as i64;
/// Highest TCP port.
const PORT_MAX: i64 = 65535;

pub const QUEUE_TYPES: &[&str] = &["BLOCKINGQUEUE", "DISRUPTOR"];
pub const THREAD_SHARE_MODES: &[&str] = &["ALL", "OFF", "PART"];
pub const ALLOCATE_STRATEGIES: &[&str] = &["RANDOM", "SLOT_RATIO", "SYSTEM_LOAD"];
pub const SCHEDULE_STRATEGIES: &[&str] = &["REJECT", "WAIT"];
pub const CHECKPOINT_STORAGE_TYPES: &[&str] = &["localfile", "hdfs"];
pub const JAR_STORAGE_MODES: &[&str] = &["SHARED", "ISOLATED"];
pub const JAR_HA_STORAGE_TYPES: &[&str] = &["localfile", "hdfs"];
pub const FAILURE_DETECTORS: &[&str] = &["deadline", "phi-accrual"];
pub const INITIAL_LOAD_MODES: &[&str] = &["LAZY", "EAGER"];

/// The shape and type of a key's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A mapping whose children are listed in the table.
    Section,
    /// A mapping whose keys the user names (`map.engine*`, `member-attributes.group`); each
    /// child follows the `*` entries below it.
    Pattern,
    /// A free mapping of text values passed through (plugin-config, properties); children listed
    /// in the table are still typed.
    FreeMap,
    /// `true`/`false`, also `yes`/`no`/`on`/`off`, any case (Hazelcast is lenient).
    Bool,
    /// A whole number within the bounds.
    Int {
        min: i64,
        max: i64,
    },
    /// A decimal number of at least `min`.
    Float {
        min: f64,
    },
    Str,
    /// One of the listed words, any case; stored in the listed spelling.
    Enum(&'static [&'static str]),
    /// Member addresses: a list, or one string split on `,`, `;` and spaces.
    MemberList,
}

/// Which process reads a key (SeaTunnel's M/W column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Read only by masters (and hybrid nodes); workers ignore it.
    Master,
    /// Read only by workers (and hybrid nodes); masters ignore it.
    Worker,
    /// Read by every server role.
    Both,
    /// Read only by the client.
    Client,
}

impl Scope {
    /// Whether a server of `role` reads keys of this scope.
    pub fn applies_to(self, role: Role) -> bool {
        match self {
            Scope::Both => true,
            Scope::Master => role != Role::Worker,
            Scope::Worker => role != Role::Master,
            Scope::Client => false,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Scope::Master => "master",
            Scope::Worker => "worker",
            Scope::Both => "both",
            Scope::Client => "client",
        }
    }
}

/// Whether SIGHUP applies a change to the key or a restart is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reload {
    Live,
    Restart,
}

/// The default as documented; `Is` values are checked against the compiled-in defaults by a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dflt {
    Is(&'static str),
    Note(&'static str),
    Unset,
}

#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    pub path: &'static str,
    pub kind: Kind,
    pub scope: Scope,
    pub reload: Reload,
    pub default: Dflt,
    pub doc: &'static str,
}

use Dflt::{Is, Note, Unset};
use Kind::*;
use Reload::{Live, Restart};
use Scope::{Both as B, Client as C, Master as M, Worker as W};

const fn k(
    path: &'static str,
    kind: Kind,
    scope: Scope,
    reload: Reload,
    default: Dflt,
    doc: &'static str,
) -> KeySpec {
    KeySpec {
        path,
        kind,
        scope,
        reload,
        default,
        doc,
    }
}

const fn sec(path: &'static str, scope: Scope, doc: &'static str) -> KeySpec {
    k(path, Section, scope, Restart, Unset, doc)
}

const fn int(min: i64) -> Kind {
    Int {
        min,
        max: JAVA_INT_MAX,
    }
}

const PORT: Kind = Int {
    min: 1,
    max: PORT_MAX,
};

/// A port this process listens on: 0 asks the kernel for any free port, which tests and
/// side-by-side nodes use; the bound port is logged.
const LISTEN_PORT: Kind = Int {
    min: 0,
    max: PORT_MAX,
};

/// The table. Order is the order of `docs/config.md`.
#[rustfmt::skip]
pub const KEYS: &[KeySpec] = &[
    sec("seatunnel", B, "Root of seatunnel.yaml."),
    sec("seatunnel.engine", B, "Engine settings."),
    k("seatunnel.engine.backup-count", int(0).max6(), M, Restart, Is("1"), "Synchronous backups of each state partition (Hazelcast allows 0 to 6)."),
    k("seatunnel.engine.history-job-expire-minutes", int(1), M, Live, Is("1440"), "How long finished jobs stay in the history."),
    k("seatunnel.engine.queue-type", Enum(QUEUE_TYPES), W, Restart, Is("BLOCKINGQUEUE"), "Queue between chained tasks: blockingqueue or disruptor."),
    k("seatunnel.engine.print-execution-info-interval", int(1), M, Live, Is("60"), "Seconds between coordinator status log lines."),
    k("seatunnel.engine.print-job-metrics-info-interval", int(1), C, Live, Is("60"), "Seconds between job metrics printed by the client."),
    k("seatunnel.engine.job-metrics-backup-interval", int(1), M, Live, Is("10"), "Seconds between copies of running job metrics into durable state."),
    k("seatunnel.engine.task_execution_thread_share_mode", Enum(THREAD_SHARE_MODES), W, Restart, Is("OFF"), "Thread sharing between tasks: ALL, OFF or PART (the key really uses underscores)."),
    k("seatunnel.engine.classloader-cache-mode", Bool, B, Live, Is("true"), "Accepted for compatibility; seatunnel-rs has no class loaders, so it has no effect."),
    sec("seatunnel.engine.slot-service", B, "Slots on workers."),
    k("seatunnel.engine.slot-service.dynamic-slot", Bool, B, Restart, Is("true"), "Unlimited slots on workers; on masters, true forces job-schedule-strategy to REJECT."),
    k("seatunnel.engine.slot-service.slot-num", int(1), W, Restart, Note("2 × CPU cores"), "Slots per worker when dynamic-slot is false."),
    k("seatunnel.engine.slot-service.slot-allocate-strategy", Enum(ALLOCATE_STRATEGIES), M, Live, Is("RANDOM"), "How the master picks workers: RANDOM, SLOT_RATIO or SYSTEM_LOAD."),
    k("seatunnel.engine.job-schedule-strategy", Enum(SCHEDULE_STRATEGIES), M, Live, Is("REJECT"), "WAIT queues jobs until slots free up; REJECT fails them. Forced to REJECT when dynamic-slot is true."),
    sec("seatunnel.engine.checkpoint", B, "Checkpoint defaults for jobs."),
    k("seatunnel.engine.checkpoint.interval", int(10), M, Live, Is("300000"), "Milliseconds between checkpoints unless the job's env sets checkpoint.interval (new jobs)."),
    k("seatunnel.engine.checkpoint.timeout", int(10), M, Live, Is("30000"), "Checkpoint timeout in milliseconds unless the job's env sets it (new jobs)."),
    k("seatunnel.engine.checkpoint.schema-change-timeout", int(10), M, Live, Is("30000"), "Timeout in milliseconds of schema-change checkpoints (new jobs)."),
    k("seatunnel.engine.checkpoint.min-pause", int(-1), M, Live, Is("-1"), "Minimum milliseconds between checkpoints; -1 means no minimum (new jobs)."),
    k("seatunnel.engine.checkpoint.retain-after-job-cancelled", Bool, M, Live, Is("false"), "Keep checkpoint files when a job is cancelled."),
    sec("seatunnel.engine.checkpoint.storage", B, "Where checkpoints are written."),
    k("seatunnel.engine.checkpoint.storage.type", Enum(CHECKPOINT_STORAGE_TYPES), M, Restart, Is("localfile"), "hdfs (HDFS/S3/OSS/local through plugin-config) or localfile."),
    k("seatunnel.engine.checkpoint.storage.max-retained", int(1), M, Live, Is("20"), "Completed checkpoints kept per pipeline."),
    k("seatunnel.engine.checkpoint.storage.plugin-config", FreeMap, M, Restart, Note("empty"), "Free map for the storage: namespace, storage.type (local, hdfs, s3, oss), fs.defaultFS, s3.bucket, fs.s3a.*, oss.bucket, fs.oss.*, …"),
    sec("seatunnel.engine.telemetry", B, "Metrics and log housekeeping."),
    sec("seatunnel.engine.telemetry.metric", B, "Prometheus metrics."),
    k("seatunnel.engine.telemetry.metric.enabled", Bool, B, Live, Is("false"), "Serve Prometheus metrics."),
    sec("seatunnel.engine.telemetry.logs", B, "Per-job log files."),
    k("seatunnel.engine.telemetry.logs.scheduled-deletion-enable", Bool, B, Live, Is("true"), "Delete a job's log file when the job leaves the history."),
    sec("seatunnel.engine.http", B, "REST V2 and Web UI server (runs on every node where enabled)."),
    k("seatunnel.engine.http.enable-http", Bool, B, Restart, Is("false"), "Start the REST V2 server (the shipped file sets true)."),
    k("seatunnel.engine.http.port", LISTEN_PORT, B, Restart, Is("8080"), "REST V2 port; 0 picks any free port (logged at start)."),
    k("seatunnel.engine.http.context-path", Str, B, Restart, Is(""), "Prefix for every REST V2 route."),
    k("seatunnel.engine.http.enable-dynamic-port", Bool, B, Restart, Is("false"), "If the port is busy, try the next ones up to port-range."),
    k("seatunnel.engine.http.port-range", Int { min: 0, max: PORT_MAX }, B, Restart, Is("100"), "How many ports past port to try."),
    k("seatunnel.engine.http.enable-https", Bool, B, Restart, Is("false"), "Also serve HTTPS."),
    k("seatunnel.engine.http.https-port", PORT, B, Restart, Is("8443"), "HTTPS port."),
    k("seatunnel.engine.http.key-store-path", Str, B, Restart, Unset, "Key store for HTTPS."),
    k("seatunnel.engine.http.key-store-password", Str, B, Restart, Unset, "Key store password."),
    k("seatunnel.engine.http.key-manager-password", Str, B, Restart, Unset, "Key manager password."),
    k("seatunnel.engine.http.trust-store-path", Str, B, Restart, Unset, "Trust store; setting it requires client certificates (mTLS)."),
    k("seatunnel.engine.http.trust-store-password", Str, B, Restart, Unset, "Trust store password."),
    k("seatunnel.engine.http.enable-basic-auth", Bool, B, Restart, Is("false"), "HTTP Basic auth on the UI and REST API."),
    k("seatunnel.engine.http.basic-auth-username", Str, B, Restart, Is("admin"), "Basic auth user."),
    k("seatunnel.engine.http.basic-auth-password", Str, B, Restart, Is("admin"), "Basic auth password."),
    k("seatunnel.engine.http.upload-max-file-size-mb", int(i32::MIN as i64), B, Restart, Is("10"), "Largest uploaded file in MB; 0 or less means unlimited."),
    k("seatunnel.engine.http.upload-max-request-size-mb", int(i32::MIN as i64), B, Restart, Is("10"), "Largest multipart request in MB; 0 or less means unlimited."),
    k("seatunnel.engine.http.log-response-max-size-mb", int(i32::MIN as i64), B, Restart, Is("64"), "Largest log file returned by the log endpoints in MB; 0 or less means unlimited."),
    sec("seatunnel.engine.event-report-http", B, "POST job events to an external endpoint."),
    k("seatunnel.engine.event-report-http.url", Str, M, Restart, Unset, "Endpoint that receives the events."),
    k("seatunnel.engine.event-report-http.headers", FreeMap, M, Restart, Note("empty"), "Extra HTTP headers."),
    k("seatunnel.engine.event-report-http.report-non-terminal-job-state", Bool, M, Restart, Is("false"), "Also report non-terminal job states."),
    sec("seatunnel.engine.jar-storage", B, "Connector jar upload (Java clients only)."),
    k("seatunnel.engine.jar-storage.enable", Bool, M, Restart, Is("false"), "Accepted; seatunnel-rs has its connectors built in, so uploads are not supported."),
    k("seatunnel.engine.jar-storage.connector-jar-storage-mode", Enum(JAR_STORAGE_MODES), M, Restart, Is("SHARED"), "SHARED or ISOLATED."),
    k("seatunnel.engine.jar-storage.connector-jar-storage-path", Str, M, Restart, Is(""), "Where uploaded jars go."),
    k("seatunnel.engine.jar-storage.connector-jar-cleanup-task-interval", int(1), M, Restart, Is("3600"), "Seconds between jar clean-ups."),
    k("seatunnel.engine.jar-storage.connector-jar-expiry-time", int(1), M, Restart, Is("600"), "Seconds an unused jar is kept."),
    sec("seatunnel.engine.jar-storage.jar-ha-storage", B, "Jar storage backend."),
    k("seatunnel.engine.jar-storage.jar-ha-storage.type", Enum(JAR_HA_STORAGE_TYPES), M, Restart, Is("localfile"), "localfile or hdfs."),
    k("seatunnel.engine.jar-storage.jar-ha-storage.plugin-config", FreeMap, M, Restart, Note("empty"), "Free map for the backend."),
    sec("seatunnel.engine.coordinator-service", B, "Coordinator thread pool."),
    k("seatunnel.engine.coordinator-service.core-thread-num", int(1), M, Restart, Is("10"), "Core threads."),
    k("seatunnel.engine.coordinator-service.max-thread-num", int(1), M, Restart, Is("2147483647"), "Maximum threads."),
    k("seatunnel.engine.job-metrics-partition-count", int(1), M, Restart, Is("1"), "Partitions of the job metrics state."),
    k("seatunnel.engine.state-cleanup-delay-ms", Int { min: 0, max: i64::MAX }, M, Live, Is("60000"), "How long terminal job state is kept before removal."),
    k("seatunnel.engine.takeover-worker-wait-seconds", int(0), M, Restart, Is("300"), "seatunnel-rs: after a master takes over, how long a job's pipeline restart waits for enough workers to come back before the attempt fails (hosts booting in any order)."),
    k("seatunnel.engine.health-metrics-timeout-seconds", int(1), M, Live, Is("3"), "Deadline for collecting health metrics from all members."),
    k("seatunnel.engine.metrics-fetch-timeout-ms", int(1), M, Live, Is("3000"), "Deadline for fetching job metrics from workers."),
    k("seatunnel.engine.timer-flush-pool-size", int(1), W, Restart, Is("1"), "Threads that inject timed flushes into pipelines."),
    k("seatunnel.engine.metadata", FreeMap, B, Restart, Note("empty"), "Metadata center settings, passed through."),
    k("seatunnel.engine.stain-trace-enabled", Bool, B, Restart, Is("false"), "Sample records and report end-to-end latency."),
    k("seatunnel.engine.stain-trace-sample-rate", int(1), B, Restart, Is("100000"), "Trace one record in this many."),
    k("seatunnel.engine.stain-trace-max-traces-per-second-per-worker", int(0), B, Restart, Is("50"), "Trace rate cap per worker; 0 disables tracing."),
    k("seatunnel.engine.stain-trace-max-entries-per-trace", int(1), B, Restart, Is("32"), "Stages recorded per trace."),
    k("seatunnel.engine.stain-trace-propagate-to-all-splits", Bool, B, Restart, Is("false"), "Carry the trace into every row a transform emits."),
    k("seatunnel.engine.stain-trace-file-base-path", Str, B, Restart, Unset, "Directory for trace files; unset disables them."),
    k("seatunnel.engine.stain-trace-file-max-events-per-file", int(1), B, Restart, Is("10000"), "Events per trace file."),
    k("seatunnel.engine.stain-trace-file-max-size-mb", int(1), B, Restart, Is("10"), "Size of a trace file in MB."),
    k("seatunnel.engine.stain-trace-file-flush-interval-seconds", int(1), B, Restart, Is("10"), "Seconds between trace file flushes."),
    // ---- hazelcast-master.yaml / hazelcast-worker.yaml / hazelcast.yaml
    sec("hazelcast", B, "Root of the hazelcast files."),
    k("hazelcast.cluster-name", Str, B, Restart, Is("seatunnel"), "Nodes and clients with another name are refused."),
    sec("hazelcast.network", B, "Membership network."),
    k("hazelcast.network.public-address", Str, B, Restart, Unset, "Address other members use to reach this one (host or host:port)."),
    sec("hazelcast.network.rest-api", B, "REST V1 on the member port."),
    k("hazelcast.network.rest-api.enabled", Bool, B, Restart, Is("false"), "Serve the V1 paths (/hazelcast/rest/maps/…) on the member port."),
    k("hazelcast.network.rest-api.endpoint-groups", Pattern, B, Restart, Note("none"), "Endpoint groups by name (CLUSTER_WRITE, DATA, …)."),
    sec("hazelcast.network.rest-api.endpoint-groups.*", B, "One endpoint group."),
    k("hazelcast.network.rest-api.endpoint-groups.*.enabled", Bool, B, Restart, Is("false"), "Whether the group is served."),
    sec("hazelcast.network.join", B, "How members find each other."),
    sec("hazelcast.network.join.tcp-ip", B, "Fixed member list."),
    k("hazelcast.network.join.tcp-ip.enabled", Bool, B, Restart, Is("true"), "Join through member-list."),
    k("hazelcast.network.join.tcp-ip.member-list", MemberList, B, Restart, Note("localhost:5801, localhost:5802 (master, worker); localhost (hybrid)"), "Every master and every worker: host, host:port, a.b.c.d-e ranges, [IPv6]:port."),
    k("hazelcast.network.join.tcp-ip.connection-timeout-seconds", int(1), B, Restart, Is("5"), "Seconds to wait for a member while joining."),
    sec("hazelcast.network.join.multicast", B, "Multicast discovery."),
    k("hazelcast.network.join.multicast.enabled", Bool, B, Restart, Is("false"), "Not supported when true."),
    sec("hazelcast.network.join.kubernetes", B, "Kubernetes discovery through the headless service's DNS name."),
    k("hazelcast.network.join.kubernetes.enabled", Bool, B, Restart, Is("false"), "Discover members through the service's DNS records."),
    k("hazelcast.network.join.kubernetes.namespace", Str, B, Restart, Is("default"), "Namespace of the service."),
    k("hazelcast.network.join.kubernetes.service-name", Str, B, Restart, Unset, "Headless service name."),
    k("hazelcast.network.join.kubernetes.service-port", Int { min: 0, max: PORT_MAX }, B, Restart, Is("0"), "Member port behind the service; 0 means network.port.port."),
    k("hazelcast.network.join.kubernetes.service-dns", Str, B, Restart, Unset, "Full DNS name of the service; overrides service-name and namespace."),
    sec("hazelcast.network.port", B, "The member port."),
    k("hazelcast.network.port.port", PORT, B, Restart, Note("5801 (master, hybrid); 5802 (worker)"), "Member port; also the port tried for member-list entries without one."),
    k("hazelcast.network.port.auto-increment", Bool, B, Restart, Is("true"), "If the port is busy, try the next ones up to port-count."),
    k("hazelcast.network.port.port-count", Int { min: 1, max: PORT_MAX }, B, Restart, Is("100"), "How many ports auto-increment may try."),
    k("hazelcast.member-attributes", Pattern, B, Live, Note("none"), "Node tags (name: {type, value}) used by env.tag_filter."),
    sec("hazelcast.member-attributes.*", B, "One tag."),
    k("hazelcast.member-attributes.*.type", Str, B, Live, Is("string"), "Only string attributes exist; kept as written."),
    k("hazelcast.member-attributes.*.value", Str, B, Live, Unset, "The tag value."),
    k("hazelcast.properties", FreeMap, B, Restart, Note("empty"), "Hazelcast properties; the ones below are read, the rest are kept but have no effect."),
    k("hazelcast.properties.[hazelcast.heartbeat.interval.seconds]", int(1), B, Restart, Is("5"), "Seconds between member heartbeats."),
    k("hazelcast.properties.[hazelcast.max.no.heartbeat.seconds]", int(1), B, Restart, Is("60"), "Seconds of silence before a member is declared dead."),
    k("hazelcast.properties.[hazelcast.heartbeat.failuredetector.type]", Enum(FAILURE_DETECTORS), B, Restart, Is("deadline"), "deadline or phi-accrual."),
    k("hazelcast.properties.[hazelcast.heartbeat.phiaccrual.failuredetector.threshold]", Float { min: 0.0 }, B, Restart, Is("10"), "Phi above which a member is suspected."),
    k("hazelcast.properties.[hazelcast.heartbeat.phiaccrual.failuredetector.sample.size]", int(1), B, Restart, Is("200"), "Heartbeat intervals remembered by phi-accrual."),
    k("hazelcast.properties.[hazelcast.heartbeat.phiaccrual.failuredetector.min.std.dev.millis]", int(1), B, Restart, Is("100"), "Smallest standard deviation phi-accrual assumes."),
    k("hazelcast.properties.[hazelcast.tcp.join.port.try.count]", int(1), B, Restart, Is("3"), "Ports tried for a member-list entry without a port when auto-increment is on."),
    k("hazelcast.map", Pattern, M, Restart, Note("none"), "Per-map settings by name pattern (engine* covers all engine state)."),
    sec("hazelcast.map.*", B, "One map pattern."),
    sec("hazelcast.map.*.map-store", B, "Durable state: present and enabled on engine* means restart-safe job state."),
    k("hazelcast.map.*.map-store.enabled", Bool, M, Restart, Is("true"), "Whether the store is used."),
    k("hazelcast.map.*.map-store.initial-mode", Enum(INITIAL_LOAD_MODES), M, Restart, Is("LAZY"), "EAGER loads everything at start; LAZY on first access."),
    k("hazelcast.map.*.map-store.factory-class-name", Str, M, Restart, Unset, "Java class name; kept for compatibility."),
    k("hazelcast.map.*.map-store.class-name", Str, M, Restart, Unset, "Java class name; kept for compatibility."),
    k("hazelcast.map.*.map-store.write-delay-seconds", int(0), M, Restart, Is("0"), "0 writes through."),
    k("hazelcast.map.*.map-store.write-batch-size", int(1), M, Restart, Is("1"), "Writes per batch when delayed."),
    k("hazelcast.map.*.map-store.write-coalescing", Bool, M, Restart, Is("true"), "Keep only the last delayed write per key."),
    k("hazelcast.map.*.map-store.properties", FreeMap, M, Restart, Note("empty"), "Store settings: type, namespace, clusterName, storage.type, fs.defaultFS, oss.*, s3.*, fs.s3a.*"),
    // ---- hazelcast-client.yaml
    sec("hazelcast-client", C, "Root of hazelcast-client.yaml."),
    k("hazelcast-client.cluster-name", Str, C, Restart, Is("seatunnel"), "Must match the servers' cluster-name."),
    k("hazelcast-client.properties", FreeMap, C, Restart, Note("empty"), "Client properties, kept but without effect."),
    sec("hazelcast-client.network", C, "Where the servers are."),
    k("hazelcast-client.network.cluster-members", MemberList, C, Restart, Note("localhost:5801"), "Master addresses (workers are not needed)."),
    sec("hazelcast-client.connection-strategy", C, "Connecting and reconnecting."),
    sec("hazelcast-client.connection-strategy.connection-retry", C, "Retry back-off."),
    k("hazelcast-client.connection-strategy.connection-retry.cluster-connect-timeout-millis", int(-1), C, Restart, Is("-1"), "Give up connecting after this many milliseconds; -1 retries forever."),
    k("hazelcast-client.connection-strategy.connection-retry.initial-backoff-millis", int(0), C, Restart, Is("1000"), "First retry delay."),
    k("hazelcast-client.connection-strategy.connection-retry.max-backoff-millis", int(0), C, Restart, Is("30000"), "Longest retry delay."),
    k("hazelcast-client.connection-strategy.connection-retry.multiplier", Float { min: 1.0 }, C, Restart, Is("1.05"), "Delay growth factor."),
];

impl Kind {
    /// `Int` capped at 6: Hazelcast's maximum backup count.
    const fn max6(self) -> Kind {
        match self {
            Int { min, .. } => Int { min, max: 6 },
            other => other,
        }
    }

    /// Whether values of this kind are mappings (walked into) rather than leaves.
    pub fn is_container(self) -> bool {
        matches!(self, Section | Pattern | FreeMap)
    }

    /// What a valid value looks like, for error messages and docs.
    pub fn expected(self) -> String {
        match self {
            Section | Pattern | FreeMap => "a mapping".into(),
            Bool => "true or false".into(),
            Int { min, max } if max == JAVA_INT_MAX || max == i64::MAX => {
                format!("an integer of at least {min}")
            }
            Int { min, max } => format!("an integer between {min} and {max}"),
            Float { min } => format!("a number of at least {min}"),
            Str => "a text value".into(),
            Enum(words) => format!("one of {}", words.join(", ")),
            MemberList => "a list of member addresses".into(),
        }
    }
}

/// The table indexed by path.
pub struct Schema {
    index: HashMap<Vec<String>, &'static KeySpec>,
    children: HashMap<Vec<String>, Vec<String>>,
    ordered: Vec<(Vec<String>, &'static KeySpec)>,
}

/// The schema, built once.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut index = HashMap::new();
        let mut children: HashMap<Vec<String>, Vec<String>> = HashMap::new();
        let mut ordered = Vec::new();
        for spec in KEYS {
            let segs = split_spec_path(spec.path);
            if let Some((last, parent)) = segs.split_last() {
                children
                    .entry(parent.to_vec())
                    .or_default()
                    .push(last.clone());
            }
            index.insert(segs.clone(), spec);
            ordered.push((segs, spec));
        }
        Schema {
            index,
            children,
            ordered,
        }
    })
}

impl Schema {
    /// The spec at a schema path (user-named segments already replaced by `*`).
    pub fn get(&self, path: &[String]) -> Option<&'static KeySpec> {
        self.index.get(path).copied()
    }

    /// The names known directly below a schema path.
    pub fn children(&self, path: &[String]) -> &[String] {
        self.children.get(path).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every spec with its parsed path, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&[String], &'static KeySpec)> {
        self.ordered.iter().map(|(p, s)| (p.as_slice(), *s))
    }
}

/// Splits a table path into segments (`[a.b]` is one segment).
pub fn split_spec_path(path: &str) -> Vec<String> {
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut in_bracket = false;
    for c in path.chars() {
        match c {
            '[' if cur.is_empty() => in_bracket = true,
            ']' if in_bracket => in_bracket = false,
            '.' if !in_bracket => segs.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    segs.push(cur);
    segs
}

/// How a path is shown to users: segments joined by dots.
pub fn display_path(segs: &[String]) -> String {
    segs.join(".")
}

/// Key-name comparison used for env and CLI names: case-insensitive, `-` and `_` equal
/// (environment variable names cannot hold `-`).
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The closest known sibling when an unknown key looks like a typo (`enable` → `enabled`).
pub fn did_you_mean<'a>(unknown: &str, known: &'a [String]) -> Option<&'a str> {
    let limit = 2.min(unknown.len() / 2).max(1);
    known
        .iter()
        .filter(|k| k.as_str() != "*")
        .map(|k| (strsim::levenshtein(&unknown.to_ascii_lowercase(), k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// Markers around the generated key table in `docs/config.md`.
pub const DOCS_BEGIN: &str = "<!-- BEGIN GENERATED KEY TABLE (cargo test --lib docs_key_table; UPDATE_DOCS=1 rewrites it) -->";
pub const DOCS_END: &str = "<!-- END GENERATED KEY TABLE -->";

/// The key reference of `docs/config.md`, generated from [`KEYS`].
pub fn markdown_reference() -> String {
    let mut out = String::new();
    let mut root = String::new();
    for (segs, spec) in schema().iter() {
        if spec.kind == Section {
            continue;
        }
        if segs[0] != root {
            root = segs[0].clone();
            let title = match root.as_str() {
                "seatunnel" => "`seatunnel.yaml` (and drop-ins): `seatunnel.engine.*`",
                "hazelcast" => {
                    "`hazelcast-master.yaml`, `hazelcast-worker.yaml`, `hazelcast.yaml`: `hazelcast.*`"
                }
                _ => "`hazelcast-client.yaml`: `hazelcast-client.*`",
            };
            out.push_str(&format!(
                "\n#### {title}\n\n| Key | Type | Default | Read by | Reload | Meaning |\n|---|---|---|---|---|---|\n"
            ));
        }
        let default = match spec.default {
            Is("") => "`\"\"`".to_string(),
            Is(v) => format!("`{v}`"),
            Note(n) => n.to_string(),
            Unset => "unset".to_string(),
        };
        let reload = match spec.reload {
            Live => "live",
            Restart => "restart",
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            display_path(segs),
            spec.kind.short(),
            default,
            spec.scope.label(),
            reload,
            spec.doc
        ));
    }
    out
}

impl Kind {
    /// The type column of the docs.
    fn short(self) -> String {
        match self {
            Section => "section".into(),
            Pattern => "map of name → settings".into(),
            FreeMap => "map of text".into(),
            Bool => "bool".into(),
            Int { min, max } if max == JAVA_INT_MAX || max == i64::MAX => format!("int ≥ {min}"),
            Int { min, max } => format!("int {min}–{max}"),
            Float { min } => format!("number ≥ {min}"),
            Str => "text".into(),
            Enum(words) => words.join(" \\| "),
            MemberList => "member list".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        split_spec_path(p)
    }

    #[test]
    fn bracketed_segments_keep_their_dots() {
        assert_eq!(
            segs("hazelcast.properties.[hazelcast.max.no.heartbeat.seconds]"),
            vec![
                "hazelcast",
                "properties",
                "hazelcast.max.no.heartbeat.seconds"
            ]
        );
    }

    #[test]
    fn every_parent_is_a_container_in_the_table() {
        let s = schema();
        for (path, spec) in s.iter() {
            if path.len() > 1 {
                let parent = &path[..path.len() - 1];
                let p = s
                    .get(parent)
                    .unwrap_or_else(|| panic!("{} has no parent entry", spec.path));
                assert!(p.kind.is_container(), "{} parent is a leaf", spec.path);
                if path.last().unwrap() == "*" {
                    assert_eq!(p.kind, Pattern, "{}", spec.path);
                }
            }
        }
    }

    #[test]
    fn paths_are_unique() {
        assert_eq!(schema().index.len(), KEYS.len());
    }

    #[test]
    fn typos_get_a_suggestion_and_strangers_do_not() {
        let known: Vec<String> = ["enabled", "initial-mode", "properties"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(did_you_mean("enable", &known), Some("enabled"));
        assert_eq!(did_you_mean("initial_mode", &known), Some("initial-mode"));
        assert_eq!(did_you_mean("colour", &known), None);
    }

    #[test]
    fn scopes_follow_the_separated_mode_rules() {
        assert!(Scope::Master.applies_to(Role::Master));
        assert!(!Scope::Master.applies_to(Role::Worker));
        assert!(Scope::Worker.applies_to(Role::Hybrid));
        assert!(!Scope::Client.applies_to(Role::Hybrid));
    }
}
