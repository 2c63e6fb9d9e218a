//! `hazelcast-client.yaml`: which cluster a client talks to and where its masters are.
//!
//! Also carries `seatunnel.engine.print-job-metrics-info-interval`, the one engine key SeaTunnel's
//! client reads from `seatunnel.yaml`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::errors::ConfigWarning;
use super::hazelcast::{DEFAULT_CLUSTER_NAME, MASTER_PORT};
use super::member::{MemberAddress, Target};
use super::origin::EffectiveKey;
use super::units::Text;

/// Ports tried for a `cluster-members` entry without a port, starting at [`MASTER_PORT`].
/// Hazelcast's client tries three ports from 5701; SeaTunnel servers listen from 5801, so the
/// same count is tried from there.
pub const CLIENT_PORT_TRY_COUNT: u32 = 3;
/// Hazelcast client connection-retry defaults.
const DEFAULT_INITIAL_BACKOFF_MS: u64 = 1000;
const DEFAULT_MAX_BACKOFF_MS: u64 = 30_000;
const DEFAULT_BACKOFF_MULTIPLIER: f64 = 1.05;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub(crate) struct RawClient {
    cluster_name: String,
    properties: BTreeMap<String, Text>,
    network: RawClientNetwork,
    connection_strategy: RawConnectionStrategy,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawClientNetwork {
    cluster_members: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawConnectionStrategy {
    connection_retry: RawConnectionRetry,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawConnectionRetry {
    cluster_connect_timeout_millis: i64,
    initial_backoff_millis: u64,
    max_backoff_millis: u64,
    multiplier: f64,
}

impl Default for RawClient {
    fn default() -> Self {
        RawClient {
            cluster_name: DEFAULT_CLUSTER_NAME.into(),
            properties: BTreeMap::new(),
            network: RawClientNetwork::default(),
            connection_strategy: RawConnectionStrategy::default(),
        }
    }
}

impl Default for RawClientNetwork {
    fn default() -> Self {
        RawClientNetwork {
            cluster_members: vec![format!("localhost:{MASTER_PORT}")],
        }
    }
}

impl Default for RawConnectionRetry {
    fn default() -> Self {
        RawConnectionRetry {
            cluster_connect_timeout_millis: -1,
            initial_backoff_millis: DEFAULT_INITIAL_BACKOFF_MS,
            max_backoff_millis: DEFAULT_MAX_BACKOFF_MS,
            multiplier: DEFAULT_BACKOFF_MULTIPLIER,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    pub cluster_name: String,
    pub cluster_members: Vec<MemberAddress>,
    /// `None`: keep retrying (`cluster-connect-timeout-millis: -1`).
    pub connect_timeout: Option<Duration>,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub backoff_multiplier: f64,
    pub properties: BTreeMap<String, String>,
    /// How often the client prints job metrics while it follows a job.
    pub print_job_metrics_info_interval: Duration,
    /// The REST API's basic-auth credentials when `seatunnel.yaml` enables them: the client
    /// reads the same file as the servers, so it can answer their challenge.
    pub http_basic_auth: Option<HttpCredentials>,
}

/// A user name and password for the REST API (`seatunnel.engine.http.basic-auth-*`).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for HttpCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpCredentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

impl ClientConfig {
    /// Addresses to try, in order: explicit ports as given, otherwise three ports from 5801.
    pub fn targets(&self) -> Vec<Target> {
        self.cluster_members
            .iter()
            .flat_map(|m| m.candidates(MASTER_PORT, true, CLIENT_PORT_TRY_COUNT))
            .collect()
    }
}

impl RawClient {
    pub(crate) fn build(self, print_job_metrics_info_interval: Duration) -> ClientConfig {
        let retry = self.connection_strategy.connection_retry;
        ClientConfig {
            cluster_name: self.cluster_name,
            cluster_members: self
                .network
                .cluster_members
                .iter()
                .filter_map(|m| MemberAddress::parse(m).ok())
                .collect(),
            connect_timeout: u64::try_from(retry.cluster_connect_timeout_millis)
                .ok()
                .map(Duration::from_millis),
            initial_backoff: Duration::from_millis(retry.initial_backoff_millis),
            max_backoff: Duration::from_millis(retry.max_backoff_millis),
            backoff_multiplier: retry.multiplier,
            properties: self
                .properties
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
            print_job_metrics_info_interval,
            http_basic_auth: None,
        }
    }
}

/// The client's configuration as loaded, with where each key came from.
#[derive(Debug, Clone)]
pub struct LoadedClientConfig {
    pub client: ClientConfig,
    pub origins: Vec<EffectiveKey>,
    pub warnings: Vec<ConfigWarning>,
    pub files: Vec<std::path::PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_a_local_master() {
        let c = RawClient::default().build(Duration::from_secs(60));
        assert_eq!(c.cluster_name, "seatunnel");
        assert_eq!(c.connect_timeout, None);
        let t: Vec<String> = c.targets().iter().map(|t| t.to_string()).collect();
        assert_eq!(t, vec!["localhost:5801"]);
    }

    #[test]
    fn members_without_port_try_three_ports_from_5801() {
        let mut raw = RawClient::default();
        raw.network.cluster_members = vec!["db1".into()];
        let t: Vec<String> = raw
            .build(Duration::from_secs(60))
            .targets()
            .iter()
            .map(|t| t.to_string())
            .collect();
        assert_eq!(t, vec!["db1:5801", "db1:5802", "db1:5803"]);
    }
}
