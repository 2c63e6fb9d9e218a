//! What every request handler can reach ([`ApiState`]), and the settings it is built from.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use crate::config::HttpConfig;
use crate::coordinator::JobManager;
use crate::telemetry::rate_limit::SharedLogLimiter;

use super::handlers::system::CpuSample;
use super::members::{MemberDirectory, SingleNode};
use super::router::Routes;
use super::server::{ConnectionLimits, REFUSED_LOG_INTERVAL};

/// SeaTunnel's `http.upload-max-request-size-mb` default, applied to every request body.
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Settings this API cannot honour; the node must not start the API half-configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiConfigError {
    #[error("not supported: seatunnel.engine.http.enable-https; serve plain HTTP and terminate TLS in a reverse proxy, or set enable-https: false")]
    Https,
}

/// Who this node is, as `/system-monitoring-information` and `/overview` report it.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    /// The address other members and clients know this node by.
    pub host: String,
    /// The member (cluster) port; the HTTP port until the node joins a cluster.
    pub port: u16,
    /// The REST V2 port, which log links (`/logs`) point at.
    pub http_port: u16,
    /// Whether this node is the active master.
    pub is_master: bool,
    /// Whether this node runs tasks (a worker or a hybrid node).
    pub is_worker: bool,
}

/// HTTP Basic credentials every request must carry (`http.enable-basic-auth`).
#[derive(Clone, PartialEq, Eq)]
pub struct BasicAuth {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

impl BasicAuth {
    /// Whether an `Authorization` header value carries these credentials.
    pub fn accepts(&self, header: Option<&str>) -> bool {
        let Some(encoded) = header.and_then(|h| {
            let (scheme, rest) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
        }) else {
            return false;
        };
        let Ok(decoded) = BASE64.decode(encoded) else {
            return false;
        };
        let expected = format!("{}:{}", self.username, self.password);
        constant_time_eq(&decoded, expected.as_bytes())
    }
}

/// Compares without stopping at the first difference, so timing does not reveal how much of a
/// guessed password was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What the API needs from the server config.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// `seatunnel.engine.http.context-path`; normalized on construction.
    pub context_path: String,
    pub node: NodeInfo,
    /// The node's tags at start (Hazelcast member attributes); `/update-tags` replaces them.
    pub tags: BTreeMap<String, String>,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    pub basic_auth: Option<BasicAuth>,
    /// Serve REST V1 (`/hazelcast/rest/maps/…`) beside V2 on the listener [`serve`](super::serve)
    /// runs; a listener of its own is [`serve_routes`](super::serve_routes).
    pub serve_v1: bool,
    /// The job log directory `/logs` lists and serves (`--log-dir`, `LogsDirectory=`).
    pub log_dir: Option<PathBuf>,
    /// Timeouts and the connection cap of every listener serving this state.
    pub limits: ConnectionLimits,
}

impl ApiSettings {
    /// From `seatunnel.engine.http`. The port and `enable-http` are the caller's business (it
    /// binds the listener with [`bind`](super::bind)); HTTPS is refused.
    pub fn from_http(
        http: &HttpConfig,
        node: NodeInfo,
        tags: BTreeMap<String, String>,
    ) -> Result<ApiSettings, ApiConfigError> {
        if http.enable_https {
            return Err(ApiConfigError::Https);
        }
        Ok(ApiSettings {
            context_path: http.context_path.clone(),
            node,
            tags,
            max_body_bytes: max_body_bytes(http.upload_max_request_size_mb),
            basic_auth: http.enable_basic_auth.then(|| BasicAuth {
                username: http.basic_auth_username.clone(),
                password: http.basic_auth_password.clone(),
            }),
            serve_v1: false,
            log_dir: None,
            limits: ConnectionLimits::default(),
        })
    }
}

/// `upload-max-request-size-mb`: 0 or less means unlimited.
fn max_body_bytes(mb: i32) -> usize {
    if mb <= 0 {
        usize::MAX
    } else {
        (mb as usize).saturating_mul(1024 * 1024)
    }
}

/// Everything a request handler can reach. Shared by every connection.
pub struct ApiState {
    pub jobs: JobManager,
    /// What the listener of [`serve`](super::serve) answers.
    pub(super) routes: Routes,
    pub(super) node: NodeInfo,
    pub(super) max_body_bytes: usize,
    pub(super) basic_auth: Option<BasicAuth>,
    pub(super) log_dir: Option<PathBuf>,
    pub(super) members: Arc<dyn MemberDirectory>,
    /// Set on cluster nodes: where job requests go when this node is not the active master.
    active: std::sync::OnceLock<Arc<dyn super::ActiveMaster>>,
    tags: RwLock<BTreeMap<String, String>>,
    pub(super) started: Instant,
    pub(super) cpu: Mutex<CpuSample>,
    pub(super) limits: ConnectionLimits,
    connections: AtomicUsize,
    /// Connections refused at the cap, said once per interval.
    refused: SharedLogLimiter<()>,
}

impl ApiState {
    /// A node alone: `/members` describes it as a hybrid node ([`SingleNode::hybrid`], member id
    /// `"0"` until the cluster assigns ids).
    pub fn new(jobs: JobManager, settings: ApiSettings) -> Arc<ApiState> {
        let address = format!("{}:{}", settings.node.host, settings.node.port);
        ApiState::with_members(jobs, settings, Arc::new(SingleNode::hybrid("0", address)))
    }

    /// With the cluster's member directory, which `/members` and cluster-wide `/logs` read.
    pub fn with_members(
        jobs: JobManager,
        settings: ApiSettings,
        members: Arc<dyn MemberDirectory>,
    ) -> Arc<ApiState> {
        Arc::new(ApiState {
            jobs,
            routes: Routes {
                v1: settings.serve_v1,
                ..Routes::v2(&settings.context_path)
            },
            node: settings.node,
            max_body_bytes: settings.max_body_bytes,
            basic_auth: settings.basic_auth,
            log_dir: settings.log_dir,
            members,
            active: std::sync::OnceLock::new(),
            tags: RwLock::new(settings.tags),
            started: Instant::now(),
            cpu: Mutex::new(CpuSample::now()),
            limits: settings.limits,
            connections: AtomicUsize::new(0),
            refused: SharedLogLimiter::new(REFUSED_LOG_INTERVAL),
        })
    }

    /// Makes this node forward job requests to the active master (cluster nodes). Set once.
    pub fn set_active_master(&self, active: Arc<dyn super::ActiveMaster>) {
        let _ = self.active.set(active);
    }

    pub(crate) fn active_master(&self) -> Option<&Arc<dyn super::ActiveMaster>> {
        self.active.get()
    }

    /// The V2 context path, normalized.
    pub fn context_path(&self) -> &str {
        &self.routes.context_path
    }

    /// What [`serve`](super::serve) answers on its listener.
    pub fn routes(&self) -> &Routes {
        &self.routes
    }

    /// This node's REST V2 base URL, `http://host:port<context-path>`, as log links use it.
    pub fn base_url(&self) -> String {
        format!(
            "http://{}:{}{}",
            self.node.host,
            self.node.http_port,
            self.context_path()
        )
    }

    pub fn tags(&self) -> BTreeMap<String, String> {
        self.tags.read().expect("tags lock poisoned").clone()
    }

    pub fn set_tags(&self, tags: BTreeMap<String, String>) {
        *self.tags.write().expect("tags lock poisoned") = tags;
    }

    /// Open HTTP connections right now.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// Counts a new connection, unless the cap is reached.
    pub(super) fn try_open_connection(&self) -> bool {
        self.connections
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |open| {
                (open < self.limits.max_connections).then_some(open + 1)
            })
            .is_ok()
    }

    pub(super) fn connection_closed(&self) {
        self.connections.fetch_sub(1, Ordering::Relaxed);
    }

    /// Logs a connection closed at the cap, once per interval with a count.
    pub(super) fn connection_refused(&self, peer: SocketAddr) {
        let admitted = self.refused.admit_now(());
        if let Some(held_back) = admitted {
            tracing::warn!(
                %peer,
                max_connections = self.limits.max_connections,
                refused_since_last_line = held_back + 1,
                "REST connection from {peer} refused: {} connections are open, the most this node serves ({} refused since the last line, which is said every {} s); find the client that keeps connections open",
                self.limits.max_connections,
                held_back + 1,
                REFUSED_LOG_INTERVAL.as_secs()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node() -> NodeInfo {
        NodeInfo {
            host: "h".into(),
            port: 1,
            http_port: 1,
            is_master: true,
            is_worker: true,
        }
    }

    #[test]
    fn settings_from_the_http_config() {
        let mut http = HttpConfig {
            context_path: "/st".into(),
            upload_max_request_size_mb: 2,
            ..HttpConfig::default()
        };
        let s = ApiSettings::from_http(&http, node(), BTreeMap::new()).unwrap();
        assert_eq!(s.context_path, "/st");
        assert_eq!(s.max_body_bytes, 2 * 1024 * 1024);
        assert!(s.basic_auth.is_none());
        http.upload_max_request_size_mb = 0;
        http.enable_basic_auth = true;
        let s = ApiSettings::from_http(&http, node(), BTreeMap::new()).unwrap();
        assert_eq!(s.max_body_bytes, usize::MAX);
        assert_eq!(s.basic_auth.unwrap().username, "admin");
        http.enable_https = true;
        assert_eq!(
            ApiSettings::from_http(&http, node(), BTreeMap::new()).unwrap_err(),
            ApiConfigError::Https
        );
    }

    #[test]
    fn basic_auth_header() {
        let auth = BasicAuth {
            username: "admin".into(),
            password: "s3cret".into(),
        };
        let good = format!("Basic {}", BASE64.encode("admin:s3cret"));
        assert!(auth.accepts(Some(&good)));
        assert!(auth.accepts(Some(&good.replace("Basic", "basic"))));
        assert!(!auth.accepts(Some(&format!("Basic {}", BASE64.encode("admin:s3cre")))));
        assert!(!auth.accepts(Some("Bearer abc")));
        assert!(!auth.accepts(Some("Basic !!!")));
        assert!(!auth.accepts(None));
        assert!(!format!("{auth:?}").contains("s3cret"));
    }
}
