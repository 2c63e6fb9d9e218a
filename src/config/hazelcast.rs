//! The server's hazelcast file (`hazelcast-master.yaml`, `hazelcast-worker.yaml`,
//! `hazelcast.yaml`), typed.
//!
//! seatunnel-rs does not run Hazelcast; it reads the settings users rely on and maps them onto
//! its own cluster layer: the cluster name, how members find each other (tcp-ip member list or
//! the kubernetes service name), the member port, node tags, the failure-detector timeouts and
//! whether durable state was asked for (an enabled `map-store` on the engine maps).
//!
//! `RawHazelcast` mirrors the YAML for figment extraction; [`HazelcastConfig`] is what the rest
//! of the program uses.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::errors::{ConfigWarning, Location, Problem, ProblemKind, Source};
use super::member::{MemberAddress, Target};
use super::units::Text;
use super::validate::Diagnostics;
use super::Role;

/// Default cluster name (SeaTunnel's shipped files and the client agree on it).
pub const DEFAULT_CLUSTER_NAME: &str = "seatunnel";
/// Member port of masters and hybrid nodes in SeaTunnel's shipped files.
pub const MASTER_PORT: u16 = 5801;
/// Member port of workers in SeaTunnel's shipped files.
pub const WORKER_PORT: u16 = 5802;
/// Hazelcast's `port-count` default: ports auto-increment may try.
pub const DEFAULT_PORT_COUNT: u16 = 100;
/// Hazelcast's tcp-ip `connection-timeout-seconds` default.
pub const DEFAULT_JOIN_TIMEOUT_SECS: u32 = 5;
/// Name probed to decide whether a `map` pattern covers the engine's state maps: every engine
/// map name starts with `engine` (`engine_runningJobInfo`, …).
pub const ENGINE_MAP_PROBE: &str = "engine_runningJobInfo";
/// Root directory of the map store when its properties name none (SeaTunnel's default).
pub const DEFAULT_MAP_STORE_NAMESPACE: &str = "/seatunnel-imap";

/// Hazelcast property names that seatunnel-rs reads, with Hazelcast's defaults.
pub const PROP_HEARTBEAT_INTERVAL: &str = "hazelcast.heartbeat.interval.seconds";
pub const PROP_MAX_NO_HEARTBEAT: &str = "hazelcast.max.no.heartbeat.seconds";
pub const PROP_DETECTOR_TYPE: &str = "hazelcast.heartbeat.failuredetector.type";
pub const PROP_PHI_THRESHOLD: &str = "hazelcast.heartbeat.phiaccrual.failuredetector.threshold";
pub const PROP_PHI_SAMPLE_SIZE: &str = "hazelcast.heartbeat.phiaccrual.failuredetector.sample.size";
pub const PROP_PHI_MIN_STD_DEV: &str =
    "hazelcast.heartbeat.phiaccrual.failuredetector.min.std.dev.millis";
pub const PROP_JOIN_PORT_TRY_COUNT: &str = "hazelcast.tcp.join.port.try.count";
const DEFAULT_HEARTBEAT_SECS: i64 = 5;
const DEFAULT_MAX_NO_HEARTBEAT_SECS: i64 = 60;
const DEFAULT_PHI_THRESHOLD: f64 = 10.0;
const DEFAULT_PHI_SAMPLE_SIZE: i64 = 200;
const DEFAULT_PHI_MIN_STD_DEV_MS: i64 = 100;
const DEFAULT_JOIN_PORT_TRY_COUNT: i64 = 3;

// ---------------------------------------------------------------- raw (YAML-shaped)

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub(crate) struct RawHazelcast {
    cluster_name: String,
    network: RawNetwork,
    member_attributes: BTreeMap<String, RawAttribute>,
    properties: BTreeMap<String, Text>,
    map: BTreeMap<String, RawMap>,
}

impl Default for RawHazelcast {
    fn default() -> Self {
        RawHazelcast::defaults(Role::Hybrid)
    }
}

impl RawHazelcast {
    /// Defaults per role: the port and member list of SeaTunnel's shipped file for that role,
    /// Hazelcast's own defaults for the rest.
    pub(crate) fn defaults(role: Role) -> Self {
        let members = match role {
            Role::Hybrid => vec!["localhost".to_string()],
            Role::Master | Role::Worker => {
                vec![
                    format!("localhost:{MASTER_PORT}"),
                    format!("localhost:{WORKER_PORT}"),
                ]
            }
        };
        let properties = [
            (PROP_HEARTBEAT_INTERVAL, Text::Int(DEFAULT_HEARTBEAT_SECS)),
            (
                PROP_MAX_NO_HEARTBEAT,
                Text::Int(DEFAULT_MAX_NO_HEARTBEAT_SECS),
            ),
            (PROP_DETECTOR_TYPE, Text::from("deadline")),
            (PROP_PHI_THRESHOLD, Text::Float(DEFAULT_PHI_THRESHOLD)),
            (PROP_PHI_SAMPLE_SIZE, Text::Int(DEFAULT_PHI_SAMPLE_SIZE)),
            (PROP_PHI_MIN_STD_DEV, Text::Int(DEFAULT_PHI_MIN_STD_DEV_MS)),
            (
                PROP_JOIN_PORT_TRY_COUNT,
                Text::Int(DEFAULT_JOIN_PORT_TRY_COUNT),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        RawHazelcast {
            cluster_name: DEFAULT_CLUSTER_NAME.into(),
            network: RawNetwork {
                public_address: None,
                rest_api: RawRestApi::default(),
                join: RawJoin {
                    tcp_ip: RawTcpIp {
                        enabled: true,
                        member_list: members,
                        connection_timeout_seconds: DEFAULT_JOIN_TIMEOUT_SECS,
                    },
                    multicast: RawEnabled::default(),
                    kubernetes: RawKubernetes::default(),
                },
                port: RawPort {
                    port: role.default_member_port(),
                    auto_increment: true,
                    port_count: DEFAULT_PORT_COUNT,
                },
            },
            member_attributes: BTreeMap::new(),
            properties,
            map: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawNetwork {
    #[serde(deserialize_with = "super::units::empty_none")]
    public_address: Option<String>,
    rest_api: RawRestApi,
    join: RawJoin,
    port: RawPort,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawRestApi {
    enabled: bool,
    endpoint_groups: BTreeMap<String, RawEnabled>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct RawEnabled {
    enabled: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawJoin {
    tcp_ip: RawTcpIp,
    multicast: RawEnabled,
    kubernetes: RawKubernetes,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawTcpIp {
    enabled: bool,
    member_list: Vec<String>,
    connection_timeout_seconds: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawKubernetes {
    enabled: bool,
    namespace: String,
    #[serde(deserialize_with = "super::units::empty_none")]
    service_name: Option<String>,
    service_port: u16,
    #[serde(deserialize_with = "super::units::empty_none")]
    service_dns: Option<String>,
}

impl Default for RawKubernetes {
    fn default() -> Self {
        RawKubernetes {
            enabled: false,
            namespace: "default".into(),
            service_name: None,
            service_port: 0,
            service_dns: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawPort {
    port: u16,
    auto_increment: bool,
    port_count: u16,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
struct RawAttribute {
    #[serde(rename = "type")]
    kind: String,
    value: Option<String>,
}

impl Default for RawAttribute {
    fn default() -> Self {
        RawAttribute {
            kind: "string".into(),
            value: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawMap {
    map_store: Option<RawMapStore>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawMapStore {
    enabled: bool,
    initial_mode: InitialLoadMode,
    #[serde(deserialize_with = "super::units::empty_none")]
    factory_class_name: Option<String>,
    #[serde(deserialize_with = "super::units::empty_none")]
    class_name: Option<String>,
    write_delay_seconds: u32,
    write_batch_size: u32,
    write_coalescing: bool,
    properties: BTreeMap<String, Text>,
}

impl Default for RawMapStore {
    /// Hazelcast's map-store defaults: a present block is enabled unless it says otherwise.
    fn default() -> Self {
        RawMapStore {
            enabled: true,
            initial_mode: InitialLoadMode::Lazy,
            factory_class_name: None,
            class_name: None,
            write_delay_seconds: 0,
            write_batch_size: 1,
            write_coalescing: true,
            properties: BTreeMap::new(),
        }
    }
}

// ---------------------------------------------------------------- typed

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InitialLoadMode {
    Lazy,
    Eager,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HazelcastConfig {
    pub cluster_name: String,
    /// Address other members should use for this one.
    pub public_address: Option<String>,
    pub port: PortConfig,
    pub join: JoinConfig,
    pub rest_api: RestApiConfig,
    /// Node tags: name → value.
    pub member_attributes: BTreeMap<String, String>,
    /// Every property as written (including the ones mapped into `failure_detector`).
    pub properties: BTreeMap<String, String>,
    pub failure_detector: FailureDetectorConfig,
    /// Every `map.<pattern>.map-store` block, by pattern.
    pub map_stores: BTreeMap<String, MapStoreConfig>,
    /// Durable state requested: the enabled map-store whose pattern covers the engine maps.
    pub map_store: Option<MapStoreConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortConfig {
    pub port: u16,
    pub auto_increment: bool,
    pub port_count: u16,
}

impl PortConfig {
    /// Ports this member may bind, in order.
    pub fn candidates(&self) -> std::ops::RangeInclusive<u16> {
        let last = if self.auto_increment {
            self.port.saturating_add(self.port_count.saturating_sub(1))
        } else {
            self.port
        };
        self.port..=last
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct JoinConfig {
    pub tcp_ip_enabled: bool,
    pub members: Vec<MemberAddress>,
    pub connection_timeout: Duration,
    /// `hazelcast.tcp.join.port.try.count`: ports tried for an entry without a port.
    pub port_try_count: u32,
    pub kubernetes: Option<KubernetesJoin>,
}

/// Kubernetes discovery, mapped onto the headless service's DNS records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubernetesJoin {
    pub namespace: String,
    pub service_name: Option<String>,
    /// `None` means the member port.
    pub service_port: Option<u16>,
    pub service_dns: Option<String>,
}

impl KubernetesJoin {
    /// The DNS name whose A/AAAA records are the members.
    pub fn dns_name(&self) -> Option<String> {
        self.service_dns.clone().or_else(|| {
            self.service_name
                .as_ref()
                .map(|s| format!("{s}.{}.svc.cluster.local", self.namespace))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestApiConfig {
    pub enabled: bool,
    pub endpoint_groups: BTreeMap<String, bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FailureDetectorConfig {
    pub heartbeat_interval: Duration,
    /// Silence after which a member is declared dead.
    pub max_no_heartbeat: Duration,
    pub kind: FailureDetectorKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FailureDetectorKind {
    /// Dead after `max_no_heartbeat` of silence.
    Deadline,
    /// Suspected when phi exceeds `threshold`; `max_no_heartbeat` still bounds it.
    PhiAccrual {
        threshold: f64,
        sample_size: u32,
        min_std_dev: Duration,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapStoreConfig {
    pub pattern: String,
    pub enabled: bool,
    pub initial_mode: InitialLoadMode,
    pub factory_class_name: Option<String>,
    pub class_name: Option<String>,
    pub write_delay: Duration,
    pub write_batch_size: u32,
    pub write_coalescing: bool,
    pub properties: BTreeMap<String, String>,
}

impl MapStoreConfig {
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties.get(key).map(String::as_str)
    }

    /// Root directory of the store (`properties.namespace`).
    pub fn namespace(&self) -> &str {
        self.property("namespace")
            .unwrap_or(DEFAULT_MAP_STORE_NAMESPACE)
    }
}

impl HazelcastConfig {
    /// The addresses to contact when joining, following Hazelcast's rules for entries without
    /// a port (see [`MemberAddress::candidates`]). Empty when tcp-ip is off.
    pub fn seed_targets(&self) -> Vec<Target> {
        if !self.join.tcp_ip_enabled {
            return Vec::new();
        }
        let mut out: Vec<Target> = self
            .join
            .members
            .iter()
            .flat_map(|m| {
                m.candidates(
                    self.port.port,
                    self.port.auto_increment,
                    self.join.port_try_count,
                )
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Hazelcast's map-name patterns: one `*` matches any run of characters.
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((prefix, suffix)) => {
            name.len() >= prefix.len() + suffix.len()
                && name.starts_with(prefix)
                && name.ends_with(suffix)
        }
    }
}

fn text_i64(props: &BTreeMap<String, Text>, key: &str, default: i64) -> i64 {
    match props.get(key) {
        Some(Text::Int(n)) => *n,
        Some(other) => other.to_string().trim().parse().unwrap_or(default),
        None => default,
    }
}

fn secs(n: i64) -> Duration {
    Duration::from_secs(u64::try_from(n).unwrap_or(0))
}

impl RawHazelcast {
    /// The typed config. Semantic problems (unsupported discovery, conflicting joins) go into
    /// `diag`; `locate` gives the location of a key by its dotted path.
    pub(crate) fn build(
        self,
        diag: &mut Diagnostics,
        locate: &dyn Fn(&str) -> Location,
    ) -> HazelcastConfig {
        let net = self.network;
        let mut join = net.join;
        // tcp-ip is on by default here (SeaTunnel's files always use it), but Hazelcast's own
        // default is off: a file that enables kubernetes without mentioning tcp-ip means
        // kubernetes only.
        let tcp_ip_key = "hazelcast.network.join.tcp-ip.enabled";
        if join.kubernetes.enabled && locate(tcp_ip_key).source == Source::Default {
            join.tcp_ip.enabled = false;
        }
        if join.multicast.enabled {
            let key = "hazelcast.network.join.multicast.enabled";
            diag.problems.push(Problem {
                at: locate(key),
                kind: ProblemKind::NotSupported {
                    key: key.into(),
                    what: "multicast discovery; list every master and worker under \
                           hazelcast.network.join.tcp-ip.member-list"
                        .into(),
                },
            });
        }
        if join.tcp_ip.enabled && join.kubernetes.enabled {
            let key = "hazelcast.network.join.kubernetes.enabled";
            diag.problems.push(Problem {
                at: locate(key),
                kind: ProblemKind::Conflict {
                    key: key.into(),
                    message: "tcp-ip and kubernetes discovery cannot both be enabled; \
                              set one of them to false"
                        .into(),
                },
            });
        }
        let kubernetes = join.kubernetes.enabled.then(|| KubernetesJoin {
            namespace: join.kubernetes.namespace,
            service_name: join.kubernetes.service_name,
            service_port: (join.kubernetes.service_port != 0)
                .then_some(join.kubernetes.service_port),
            service_dns: join.kubernetes.service_dns,
        });
        if let Some(k) = &kubernetes {
            if k.dns_name().is_none() {
                let key = "hazelcast.network.join.kubernetes.enabled";
                diag.problems.push(Problem {
                    at: locate(key),
                    kind: ProblemKind::NotSupported {
                        key: key.into(),
                        what: "kubernetes discovery through the API; set service-name (a \
                               headless service) or service-dns"
                            .into(),
                    },
                });
            }
        }
        if !join.tcp_ip.enabled && kubernetes.is_none() {
            diag.warnings.push(ConfigWarning {
                at: locate(tcp_ip_key),
                message: "no member discovery is enabled".into(),
                hint: Some("this node will form a cluster of its own".into()),
            });
        }
        let members = join
            .tcp_ip
            .member_list
            .iter()
            .filter_map(|m| MemberAddress::parse(m).ok())
            .collect();

        let props = &self.properties;
        let kind = match props.get(PROP_DETECTOR_TYPE).map(|t| t.to_string()) {
            Some(t) if t.eq_ignore_ascii_case("phi-accrual") => FailureDetectorKind::PhiAccrual {
                threshold: match props.get(PROP_PHI_THRESHOLD) {
                    Some(Text::Float(x)) => *x,
                    Some(Text::Int(n)) => *n as f64,
                    Some(other) => other.to_string().parse().unwrap_or(DEFAULT_PHI_THRESHOLD),
                    None => DEFAULT_PHI_THRESHOLD,
                },
                sample_size: text_i64(props, PROP_PHI_SAMPLE_SIZE, DEFAULT_PHI_SAMPLE_SIZE)
                    .try_into()
                    .unwrap_or(u32::MAX),
                min_std_dev: Duration::from_millis(
                    text_i64(props, PROP_PHI_MIN_STD_DEV, DEFAULT_PHI_MIN_STD_DEV_MS)
                        .try_into()
                        .unwrap_or(0),
                ),
            },
            _ => FailureDetectorKind::Deadline,
        };
        let failure_detector = FailureDetectorConfig {
            heartbeat_interval: secs(text_i64(
                props,
                PROP_HEARTBEAT_INTERVAL,
                DEFAULT_HEARTBEAT_SECS,
            )),
            max_no_heartbeat: secs(text_i64(
                props,
                PROP_MAX_NO_HEARTBEAT,
                DEFAULT_MAX_NO_HEARTBEAT_SECS,
            )),
            kind,
        };
        let port_try_count = text_i64(props, PROP_JOIN_PORT_TRY_COUNT, DEFAULT_JOIN_PORT_TRY_COUNT)
            .try_into()
            .unwrap_or(1);

        let mut map_stores = BTreeMap::new();
        for (pattern, map) in self.map {
            let Some(store) = map.map_store else { continue };
            let covers_engine = pattern_matches(&pattern, ENGINE_MAP_PROBE);
            if !covers_engine {
                diag.warnings.push(ConfigWarning {
                    at: locate(&format!("hazelcast.map.{pattern}.map-store")),
                    message: format!(
                        "the map-store for pattern '{pattern}' does not cover the engine state maps"
                    ),
                    hint: Some("durable state is requested with the pattern engine*".into()),
                });
            }
            map_stores.insert(
                pattern.clone(),
                MapStoreConfig {
                    pattern,
                    enabled: store.enabled,
                    initial_mode: store.initial_mode,
                    factory_class_name: store.factory_class_name,
                    class_name: store.class_name,
                    write_delay: Duration::from_secs(store.write_delay_seconds.into()),
                    write_batch_size: store.write_batch_size,
                    write_coalescing: store.write_coalescing,
                    properties: store
                        .properties
                        .iter()
                        .map(|(k, v)| (k.clone(), v.to_string()))
                        .collect(),
                },
            );
        }
        let map_store = map_stores
            .values()
            .find(|m| m.enabled && pattern_matches(&m.pattern, ENGINE_MAP_PROBE))
            .cloned();

        HazelcastConfig {
            cluster_name: self.cluster_name,
            public_address: net.public_address,
            port: PortConfig {
                port: net.port.port,
                auto_increment: net.port.auto_increment,
                port_count: net.port.port_count,
            },
            join: JoinConfig {
                tcp_ip_enabled: join.tcp_ip.enabled,
                members,
                connection_timeout: Duration::from_secs(
                    join.tcp_ip.connection_timeout_seconds.into(),
                ),
                port_try_count,
                kubernetes,
            },
            rest_api: RestApiConfig {
                enabled: net.rest_api.enabled,
                endpoint_groups: net
                    .rest_api
                    .endpoint_groups
                    .into_iter()
                    .map(|(k, v)| (k, v.enabled))
                    .collect(),
            },
            member_attributes: self
                .member_attributes
                .into_iter()
                .map(|(k, v)| (k, v.value.unwrap_or_default()))
                .collect(),
            properties: props
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
            failure_detector,
            map_stores,
            map_store,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds as if every key had been written in a file (none left at its default).
    fn build(raw: RawHazelcast) -> (HazelcastConfig, Diagnostics) {
        let mut diag = Diagnostics::default();
        let cfg = raw.build(&mut diag, &|_| {
            Location::new(Source::File("hazelcast.yaml".into()), Some(1))
        });
        (cfg, diag)
    }

    #[test]
    fn patterns_match_like_hazelcast() {
        assert!(pattern_matches("engine*", ENGINE_MAP_PROBE));
        assert!(pattern_matches("*JobInfo", ENGINE_MAP_PROBE));
        assert!(pattern_matches("engine_runningJobInfo", ENGINE_MAP_PROBE));
        assert!(!pattern_matches("map-name-template", ENGINE_MAP_PROBE));
        assert!(!pattern_matches("engine*x", "enginx"));
    }

    #[test]
    fn role_defaults_follow_the_shipped_files() {
        let (worker, _) = build(RawHazelcast::defaults(Role::Worker));
        assert_eq!(worker.port.port, WORKER_PORT);
        assert_eq!(worker.join.members.len(), 2);
        let (hybrid, _) = build(RawHazelcast::defaults(Role::Hybrid));
        assert_eq!(hybrid.port.port, MASTER_PORT);
        // "localhost" without a port, auto-increment on: own port and the next two.
        let seeds: Vec<String> = hybrid
            .seed_targets()
            .iter()
            .map(|t| t.to_string())
            .collect();
        assert_eq!(
            seeds,
            vec!["localhost:5801", "localhost:5802", "localhost:5803"]
        );
        assert_eq!(hybrid.failure_detector.kind, FailureDetectorKind::Deadline);
        assert_eq!(
            hybrid.failure_detector.max_no_heartbeat,
            Duration::from_secs(60)
        );
        assert_eq!(hybrid.map_store, None);
    }

    #[test]
    fn multicast_and_double_discovery_are_refused() {
        let mut raw = RawHazelcast::defaults(Role::Master);
        raw.network.join.multicast.enabled = true;
        raw.network.join.kubernetes.enabled = true;
        raw.network.join.kubernetes.service_name = Some("st".into());
        let (cfg, diag) = build(raw);
        assert_eq!(diag.problems.len(), 2);
        assert_eq!(
            cfg.join.kubernetes.unwrap().dns_name().as_deref(),
            Some("st.default.svc.cluster.local")
        );
    }

    #[test]
    fn port_candidates() {
        let p = PortConfig {
            port: 5801,
            auto_increment: true,
            port_count: 3,
        };
        assert_eq!(p.candidates(), 5801..=5803);
        let fixed = PortConfig {
            auto_increment: false,
            ..p
        };
        assert_eq!(fixed.candidates(), 5801..=5801);
    }
}
