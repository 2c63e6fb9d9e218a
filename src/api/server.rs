//! The HTTP/1.1 accept loop. On shutdown it stops accepting first, then lets in-flight requests
//! finish (idle keep-alive connections close at once) for at most [`HTTP_DRAIN_DEADLINE`], and
//! logs how many connections it gave up on.
//!
//! No client can hold a connection for nothing: a request head must arrive whole within the
//! header-read timeout, a connection on which the server waits on the client with no byte moving
//! is closed after the idle timeout ([`super::idle`]), and beyond [`MAX_CONNECTIONS`] open
//! connections new ones are closed at once ([`ConnectionLimits`]).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::idle::{Activity, WatchedBody, WatchedIo};
use super::{handle_routes, ApiState, Routes};

/// How long in-flight requests may run once shutdown starts. Below the process drain deadline
/// (30 s), so the API is quiet before jobs are asked to stop.
pub const HTTP_DRAIN_DEADLINE: Duration = Duration::from_secs(10);
/// Pause after a failed accept (e.g. out of file descriptors) so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// How long a client may take to send a whole request head, from when the server starts waiting
/// for it. hyper starts this clock between the requests of a keep-alive connection too, so it
/// also ends an idle keep-alive connection. A head is one small write: 10 s is ample on any link,
/// and short enough that half-sent heads cannot hold connections for long.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server waits on a client with no byte moving before it closes the connection: a
/// request body that stopped half way, an answer the client does not read. A handler's own work
/// does not count. 30 s is Jetty's default idle timeout (SeaTunnel's REST V2 runs on Jetty).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Open HTTP connections one node serves at once (its REST port and the REST on its member port
/// together); more are closed at once. REST clients are the CLI, dashboards and scripts, tens of
/// connections at most: 512 leaves room for any burst, while leaked or hostile connections
/// cannot take the memory and file descriptors the node's jobs and members need.
pub const MAX_CONNECTIONS: usize = 512;
/// How often a refused connection is logged: a client hammering a full node would otherwise write
/// a line per attempt.
pub(super) const REFUSED_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// How long a client may make the server wait, and how many connections may be open. Production
/// uses [`ConnectionLimits::default`] (the constants above); tests shorten the timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// See [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// See [`IDLE_TIMEOUT`].
    pub idle_timeout: Duration,
    /// See [`MAX_CONNECTIONS`].
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            header_read_timeout: HEADER_READ_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

/// Binds the REST listener on `host:port`. With `dynamic_port` (`http.enable-dynamic-port`), a
/// busy port moves the bind to the next free one up to `port + port_range`
/// (`http.port-range`), as SeaTunnel does when a master and a worker share a host.
pub async fn bind(
    host: &str,
    port: u16,
    dynamic_port: bool,
    port_range: u16,
) -> std::io::Result<TcpListener> {
    let last = if dynamic_port {
        port.saturating_add(port_range)
    } else {
        port
    };
    let mut candidate = port;
    loop {
        match TcpListener::bind((host, candidate)).await {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && candidate < last => {
                candidate += 1;
            }
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!(
                        "cannot bind the REST port {host}:{candidate}: {e}; free the port, change seatunnel.engine.http.port, or set enable-dynamic-port"
                    ),
                ))
            }
        }
    }
}

/// Serves the API on `listener` until `shutdown`, then drains. The listener is bound by the
/// caller, so port conflicts surface before anything starts and tests can bind port 0.
pub async fn serve(listener: TcpListener, state: Arc<ApiState>, shutdown: CancellationToken) {
    let routes = state.routes().clone();
    serve_routes(listener, state, routes, shutdown).await
}

/// [`serve`] for a listener of its own answering `routes`, e.g. REST V1 alone on the member
/// port (`hazelcast.network.rest-api.enabled`), sharing the node's state.
pub async fn serve_routes(
    listener: TcpListener,
    state: Arc<ApiState>,
    routes: Routes,
    shutdown: CancellationToken,
) {
    match listener.local_addr() {
        Ok(addr) if routes.v2 => tracing::info!(
            %addr,
            context_path = routes.context_path.as_str(),
            v1 = routes.v1,
            "SeaTunnel REST service will start on port {}",
            addr.port()
        ),
        Ok(addr) => tracing::info!(
            %addr,
            "SeaTunnel REST V1 service will start on port {}",
            addr.port()
        ),
        Err(e) => tracing::warn!(error = %e, "REST listener has no local address"),
    }
    let routes = Arc::new(routes);
    let connections = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                connections.spawn(serve_connection(
                    stream,
                    peer,
                    state.clone(),
                    routes.clone(),
                    shutdown.clone(),
                ));
            }
            Err(e) => {
                tracing::warn!(error = %e, "REST accept failed; retrying");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
    drop(listener);
    connections.close();
    if tokio::time::timeout(HTTP_DRAIN_DEADLINE, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            open_connections = connections.len(),
            "REST requests still running after the {} s drain deadline; closing them",
            HTTP_DRAIN_DEADLINE.as_secs()
        );
    } else {
        tracing::info!("REST service stopped");
    }
}

/// Counts a connection as open for as long as it lives.
struct OpenConnection(Arc<ApiState>);

impl OpenConnection {
    /// `None` when the node already serves as many connections as it may.
    fn try_new(state: Arc<ApiState>) -> Option<OpenConnection> {
        state.try_open_connection().then(|| OpenConnection(state))
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connection_closed();
    }
}

/// Serves one accepted HTTP/1 connection with `routes` (the member port hands REST V1
/// connections over here), within the state's [`ConnectionLimits`]: beyond the cap the
/// connection is closed at once.
pub async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    state: Arc<ApiState>,
    routes: Arc<Routes>,
    shutdown: CancellationToken,
) {
    let Some(_open) = OpenConnection::try_new(state.clone()) else {
        state.connection_refused(peer);
        return;
    };
    let limits = state.limits;
    let activity = Activity::new(limits.idle_timeout);
    let watch = activity.clone();
    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let state = state.clone();
        let routes = routes.clone();
        let activity = activity.clone();
        async move {
            let _handling = activity.handling();
            let req = req.map(|body| WatchedBody::new(body, activity.clone()));
            Ok::<_, Infallible>(handle_routes(state, &routes, req).await)
        }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(TokioIo::new(WatchedIo::new(stream, watch.clone())), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = watch.expired() => {
            tracing::debug!(%peer, "closing a REST connection that kept the server waiting for {} ms", limits.idle_timeout.as_millis());
            return;
        }
        _ = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "REST connection ended with an error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_busy_port_moves_only_with_dynamic_ports() {
        let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = taken.local_addr().unwrap().port();
        let e = bind("127.0.0.1", port, false, 100).await.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AddrInUse);
        assert!(e.to_string().contains("enable-dynamic-port"), "{e}");
        // Other tests may hold some of the next ports; any port in the range will do.
        let l = bind("127.0.0.1", port, true, 100).await.unwrap();
        let got = l.local_addr().unwrap().port();
        assert!(got > port && got <= port.saturating_add(100));
    }
}
