//! The member port (5801/5802) carries two protocols, as Hazelcast's did: the inter-node gRPC
//! services and, on masters, SeaTunnel's REST (V2, and V1 with
//! `hazelcast.network.rest-api.enabled`). Each accepted connection is told apart by its first
//! bytes: a gRPC (HTTP/2) client opens with the connection preface `PRI * HTTP/2.0…`; anything
//! else is HTTP/1 and goes to the REST routes (on a worker, which serves no REST here, it is
//! closed).
//!
//! No connection holds the port for nothing: one that does not show its protocol within
//! [`FIRST_BYTES_TIMEOUT`] is closed, and so is every connection beyond [`MAX_UNSORTED`] still
//! waiting to; a REST connection is under the REST limits (`api::ConnectionLimits`); a gRPC
//! connection is pinged when idle and closed when the ping goes unanswered
//! ([`GRPC_KEEPALIVE_INTERVAL`], [`GRPC_KEEPALIVE_TIMEOUT`]).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::api::{self, ApiState, Routes};
use crate::telemetry::rate_limit::SharedLogLimiter;

/// The HTTP/2 connection preface every gRPC client opens with (RFC 9113 §3.4).
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// How long a new connection may take to show its protocol (the whole HTTP/2 preface, or a first
/// byte that is not part of it) before it is closed: members and REST clients send their first
/// bytes at once, so 10 s is only ever reached by a connection that sends nothing.
pub const FIRST_BYTES_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections still being told apart at once; more are closed at once. Members and clients
/// show their protocol within a round trip, so even a busy cluster has a handful at a time: 256
/// means silent connections are piling up, and each costs a task and a file descriptor.
pub const MAX_UNSORTED: usize = 256;
/// How long a gRPC connection may be silent before the server pings it. Members' channels carry
/// Raft heartbeats (every 100 ms) or worker heartbeats (every few seconds); 10 s of silence is a
/// channel kept for later, or a peer that is gone.
pub const GRPC_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// How long a ping may go unanswered before the gRPC connection is closed. A live member's HTTP/2
/// stack answers at once, without its application; 10 s covers a loaded host.
pub const GRPC_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);
/// Accepted gRPC connections waiting for the gRPC server to pick them up.
const GRPC_BACKLOG: usize = 64;
/// Pause after a failed accept (out of file descriptors), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// The first wait before peeking again at a connection that sent part of the HTTP/2 preface;
/// doubled on each try up to [`PEEK_BACKOFF_MAX`], so a client that stops half way costs a few
/// wake-ups a second, not a thousand.
const PEEK_BACKOFF_MIN: Duration = Duration::from_millis(1);
const PEEK_BACKOFF_MAX: Duration = Duration::from_millis(200);
/// How often connections refused beyond [`MAX_UNSORTED`] are logged.
const REFUSED_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The member port's deadlines and cap. Production uses [`MemberPortLimits::default`] (the
/// constants above); tests shorten them. REST connections follow their state's own limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberPortLimits {
    /// See [`FIRST_BYTES_TIMEOUT`].
    pub first_bytes_timeout: Duration,
    /// See [`MAX_UNSORTED`].
    pub max_unsorted: usize,
    /// See [`GRPC_KEEPALIVE_INTERVAL`].
    pub grpc_keepalive_interval: Duration,
    /// See [`GRPC_KEEPALIVE_TIMEOUT`].
    pub grpc_keepalive_timeout: Duration,
}

impl Default for MemberPortLimits {
    fn default() -> MemberPortLimits {
        MemberPortLimits {
            first_bytes_timeout: FIRST_BYTES_TIMEOUT,
            max_unsorted: MAX_UNSORTED,
            grpc_keepalive_interval: GRPC_KEEPALIVE_INTERVAL,
            grpc_keepalive_timeout: GRPC_KEEPALIVE_TIMEOUT,
        }
    }
}

/// The gRPC server builder for the member port, with its keep-alive; the caller adds services
/// and hands the router to [`serve`].
pub fn grpc_server(limits: &MemberPortLimits) -> tonic::transport::Server {
    tonic::transport::Server::builder()
        .http2_keepalive_interval(Some(limits.grpc_keepalive_interval))
        .http2_keepalive_timeout(Some(limits.grpc_keepalive_timeout))
}

/// What a connection's first bytes say it speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Grpc,
    Http1,
}

/// Pure: the protocol of a connection that opened with `first`; `None` while the bytes so far
/// could still be either (`P` opens both `PRI` and `POST`) or are part of the HTTP/2 preface.
pub fn sniff(first: &[u8]) -> Option<Protocol> {
    if first.starts_with(HTTP2_PREFACE) {
        Some(Protocol::Grpc)
    } else if HTTP2_PREFACE.starts_with(first) {
        None
    } else {
        Some(Protocol::Http1)
    }
}

/// Peeks until the first bytes decide the protocol; `None` if the peer closed, or did not show
/// its protocol by `timeout`.
async fn protocol(stream: &TcpStream, timeout: Duration) -> Option<Protocol> {
    let mut first = [0u8; HTTP2_PREFACE.len()];
    let deadline = tokio::time::Instant::now() + timeout;
    let mut backoff = PEEK_BACKOFF_MIN;
    loop {
        let n = tokio::time::timeout_at(deadline, stream.peek(&mut first))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            return None;
        }
        if let Some(p) = sniff(&first[..n]) {
            return Some(p);
        }
        // Part of the preface arrived: peek returns at once while those bytes wait unread, so
        // look again after a pause (the rest normally follows within microseconds).
        tokio::time::timeout_at(deadline, tokio::time::sleep(backoff))
            .await
            .ok()?;
        backoff = (backoff * 2).min(PEEK_BACKOFF_MAX);
    }
}

/// Counts a connection still being told apart, for as long as it is.
struct Unsorted(Arc<AtomicUsize>);

impl Unsorted {
    /// `None` when `max` connections are being told apart already.
    fn try_new(count: &Arc<AtomicUsize>, max: usize) -> Option<Unsorted> {
        count
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < max).then_some(n + 1)
            })
            .is_ok()
            .then(|| Unsorted(count.clone()))
    }
}

impl Drop for Unsorted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Logs a connection refused beyond the cap, once per interval with a count.
fn refused(log: &SharedLogLimiter<()>, peer: SocketAddr, max: usize) {
    let admitted = log.admit_now(());
    if let Some(held_back) = admitted {
        tracing::warn!(
            %peer,
            max_unsorted = max,
            "member port connection from {peer} refused: {max} connections have not yet sent their first bytes ({} refused since the last line, which is said every {} s); find the client that opens connections and stays silent",
            held_back + 1,
            REFUSED_LOG_INTERVAL.as_secs()
        );
    }
}

/// Serves `router` (gRPC) and, when given, REST on `listener` until `shutdown`. Build `router`
/// from [`grpc_server`] with the same `limits`.
pub async fn serve(
    listener: TcpListener,
    router: tonic::transport::server::Router,
    rest: Option<(Arc<ApiState>, Routes)>,
    limits: MemberPortLimits,
    shutdown: CancellationToken,
) {
    let (grpc_tx, grpc_rx) = mpsc::channel::<TcpStream>(GRPC_BACKLOG);
    let incoming = futures_util::stream::unfold(grpc_rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|s| (Ok::<TcpStream, std::io::Error>(s), rx))
    });
    let grpc_shutdown = shutdown.clone();
    let grpc = tokio::spawn(async move {
        if let Err(e) = router
            .serve_with_incoming_shutdown(incoming, grpc_shutdown.cancelled_owned())
            .await
        {
            tracing::error!("member port stopped serving gRPC: {e}");
        }
    });
    let rest = rest.map(|(state, routes)| (state, Arc::new(routes)));
    let sniffers = TaskTracker::new();
    let unsorted = Arc::new(AtomicUsize::new(0));
    let refusals = SharedLogLimiter::new(REFUSED_LOG_INTERVAL);
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!("member port accept failed: {e}; retrying");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let Some(sorting) = Unsorted::try_new(&unsorted, limits.max_unsorted) else {
            refused(&refusals, peer, limits.max_unsorted);
            continue;
        };
        // Raft and worker messages are small and latency-bound.
        let _ = stream.set_nodelay(true);
        let grpc_tx = grpc_tx.clone();
        let rest = rest.clone();
        let token = shutdown.clone();
        sniffers.spawn(async move {
            let protocol = tokio::select! {
                p = protocol(&stream, limits.first_bytes_timeout) => p,
                // Shutting down: a connection still silent is closed at once.
                _ = token.cancelled() => return,
            };
            drop(sorting);
            match (protocol, rest) {
                (None, _) => tracing::debug!(
                    %peer,
                    "closing a member port connection that did not show its protocol within {} ms",
                    limits.first_bytes_timeout.as_millis()
                ),
                (Some(Protocol::Grpc), _) => {
                    let _ = grpc_tx.send(stream).await;
                }
                (Some(Protocol::Http1), Some((state, routes))) => {
                    api::serve_connection(stream, peer, state, routes, token).await
                }
                (Some(Protocol::Http1), None) => tracing::debug!(
                    %peer,
                    "closing an HTTP/1 connection on a member port that serves no REST"
                ),
            }
        });
    }
    drop(grpc_tx);
    sniffers.close();
    sniffers.wait().await;
    let _ = grpc.await;
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::api::{ApiSettings, ConnectionLimits, NodeInfo};
    use crate::cluster::greet::{greet, GreetService, ROLE_MASTER};
    use crate::coordinator::JobManager;
    use crate::raft::proto::Hello;

    /// How long a test waits for what should happen well within it; never reached when it works.
    const DEADLINE: Duration = Duration::from_secs(30);
    const CLUSTER: &str = "member-port-test";
    /// Short enough for a quick test, long enough for a loaded machine to serve real clients.
    const SHORT: Duration = Duration::from_millis(300);

    #[test]
    fn the_http2_preface_is_grpc_everything_else_http1() {
        assert_eq!(sniff(HTTP2_PREFACE), Some(Protocol::Grpc));
        assert_eq!(
            sniff(b"PRI * HTTP/2.0\r\n"),
            None,
            "half a preface: read the rest"
        );
        assert_eq!(sniff(b"GET /hazelcast"), Some(Protocol::Http1));
        assert_eq!(sniff(b"POST /hazelcast"), Some(Protocol::Http1));
        assert_eq!(sniff(b"PUT "), Some(Protocol::Http1));
        assert_eq!(sniff(b"P"), None, "PRI or POST: read more");
        assert_eq!(sniff(b"PR"), None);
    }

    fn hello() -> Hello {
        Hello {
            cluster_name: CLUSTER.into(),
            role: ROLE_MASTER.into(),
            node_id: 1,
            address: "127.0.0.1:1".into(),
            version: "test".into(),
            raft_initialized: false,
            http_address: String::new(),
            incarnation: 1,
        }
    }

    /// A member port on 127.0.0.1:0 serving the greeting (gRPC) and REST V2, as a master's does.
    async fn member_port(
        limits: MemberPortLimits,
        rest_limits: ConnectionLimits,
    ) -> (SocketAddr, CancellationToken, tokio::task::JoinHandle<()>) {
        let shutdown = CancellationToken::new();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Connection handling only: no job runs here.
        let jobs = JobManager::forward_only(
            Arc::new(crate::connectors::registry()),
            shutdown.child_token(),
        );
        let node = NodeInfo {
            host: "127.0.0.1".into(),
            port: addr.port(),
            http_port: addr.port(),
            is_master: true,
            is_worker: false,
        };
        let settings = ApiSettings {
            limits: rest_limits,
            ..ApiSettings::from_http(&Default::default(), node, BTreeMap::new()).unwrap()
        };
        let state = ApiState::new(jobs, settings);
        let routes = state.routes().clone();
        let router = grpc_server(&limits)
            .add_service(GreetService::new(|_: &Hello| hello()).into_server(CLUSTER));
        let task = tokio::spawn(serve(
            listener,
            router,
            Some((state, routes)),
            limits,
            shutdown.clone(),
        ));
        (addr, shutdown, task)
    }

    /// Reads until the server closes the connection; fails the test if it is still open at the
    /// deadline. A reset counts as closed.
    async fn closed_by_server(mut stream: TcpStream, what: &str) {
        let mut sink = Vec::new();
        match tokio::time::timeout(DEADLINE, stream.read_to_end(&mut sink)).await {
            Ok(_) => {}
            Err(_) => panic!("the member port kept {what} open"),
        }
    }

    async fn rest_overview(addr: SocketAddr) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /overview HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }

    #[tokio::test]
    async fn silent_and_half_sent_connections_are_closed_and_members_still_served() {
        let limits = MemberPortLimits {
            first_bytes_timeout: SHORT,
            grpc_keepalive_interval: SHORT,
            grpc_keepalive_timeout: SHORT,
            ..MemberPortLimits::default()
        };
        let rest_limits = ConnectionLimits {
            header_read_timeout: SHORT,
            ..ConnectionLimits::default()
        };
        let (addr, shutdown, task) = member_port(limits, rest_limits).await;
        let cases: [(&str, &[u8]); 4] = [
            ("a connection that sends nothing", b""),
            ("half an HTTP/2 preface", &HTTP2_PREFACE[..16]),
            ("an HTTP/2 preface and then nothing", HTTP2_PREFACE),
            (
                "half an HTTP/1 request head",
                b"GET /overview HTTP/1.1\r\nHo",
            ),
        ];
        let mut waits = Vec::new();
        for (what, bytes) in cases {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(bytes).await.unwrap();
            waits.push(closed_by_server(stream, what));
        }
        futures_util::future::join_all(waits).await;

        let answer = rest_overview(addr).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let hello = greet(&addr.to_string(), CLUSTER, hello(), DEADLINE)
            .await
            .expect("a member is still greeted over gRPC");
        assert_eq!(hello.node_id, 1);
        shutdown.cancel();
        task.await.unwrap();
    }

    #[tokio::test]
    async fn beyond_the_cap_of_silent_connections_new_ones_are_closed_at_once() {
        let limits = MemberPortLimits {
            first_bytes_timeout: DEADLINE * 2,
            max_unsorted: 2,
            ..MemberPortLimits::default()
        };
        let (addr, shutdown, task) = member_port(limits, ConnectionLimits::default()).await;
        let mut first = TcpStream::connect(addr).await.unwrap();
        let _second = TcpStream::connect(addr).await.unwrap();
        // Accepted in order: the third finds two connections still unsorted.
        closed_by_server(
            TcpStream::connect(addr).await.unwrap(),
            "a third silent connection",
        )
        .await;
        first
            .write_all(b"GET /overview HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        first.read_to_string(&mut answer).await.unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "an earlier connection is still served: {answer}"
        );
        // The first one is sorted now, so there is room for another.
        let answer = rest_overview(addr).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        shutdown.cancel();
        task.await.unwrap();
    }
}
