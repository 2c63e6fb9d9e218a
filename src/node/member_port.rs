//! The member port (5801/5802) carries two protocols, as Hazelcast's did: the inter-node gRPC
//! services and, on masters with `hazelcast.network.rest-api.enabled`, SeaTunnel's REST V1
//! (`/hazelcast/rest/maps/...`). Each accepted connection is told apart by its first bytes: a
//! gRPC (HTTP/2) client opens with the connection preface `PRI * HTTP/2.0`; anything else is
//! HTTP/1 and goes to the REST V1 routes.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::api::{self, ApiState, Routes};

/// The first bytes of the HTTP/2 connection preface.
const HTTP2_PREFACE: &[u8] = b"PRI ";
/// How long a new connection may stay silent before it is dropped: a member or a REST client
/// sends its first bytes at once.
const FIRST_BYTES_TIMEOUT: Duration = Duration::from_secs(10);
/// Accepted gRPC connections waiting for the gRPC server to pick them up.
const GRPC_BACKLOG: usize = 64;
/// Pause after a failed accept (out of file descriptors), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// What a connection's first bytes say it speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Grpc,
    Http1,
}

/// Pure: the protocol of a connection that opened with `first`; `None` while the bytes so far
/// could still be either (`P` opens both `PRI` and `POST`).
pub fn sniff(first: &[u8]) -> Option<Protocol> {
    if first.starts_with(HTTP2_PREFACE) {
        Some(Protocol::Grpc)
    } else if HTTP2_PREFACE.starts_with(first) {
        None
    } else {
        Some(Protocol::Http1)
    }
}

/// Peeks until the first bytes decide the protocol; `None` if the peer closed or stayed silent.
async fn protocol(stream: &TcpStream) -> Option<Protocol> {
    let mut first = [0u8; HTTP2_PREFACE.len()];
    let deadline = tokio::time::Instant::now() + FIRST_BYTES_TIMEOUT;
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
        // Part of a preface arrived; the rest follows within microseconds.
        tokio::time::sleep(Duration::from_millis(1)).await;
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
    }
}

/// Serves `router` (gRPC) and, when given, REST V1 on `listener` until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    router: tonic::transport::server::Router,
    rest: Option<(Arc<ApiState>, Routes)>,
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
        // Raft and worker messages are small and latency-bound.
        let _ = stream.set_nodelay(true);
        let grpc_tx = grpc_tx.clone();
        let rest = rest.clone();
        let token = shutdown.clone();
        sniffers.spawn(async move {
            let Some(protocol) = protocol(&stream).await else {
                return;
            };
            match (protocol, rest) {
                (Protocol::Http1, Some((state, routes))) => {
                    api::serve_connection(stream, peer, state, routes, token).await
                }
                _ => {
                    let _ = grpc_tx.send(stream).await;
                }
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
    use super::*;

    #[test]
    fn the_http2_preface_is_grpc_everything_else_http1() {
        assert_eq!(sniff(b"PRI * HTTP/2.0\r\n"), Some(Protocol::Grpc));
        assert_eq!(sniff(b"GET /hazelcast"), Some(Protocol::Http1));
        assert_eq!(sniff(b"POST /hazelcast"), Some(Protocol::Http1));
        assert_eq!(sniff(b"PUT "), Some(Protocol::Http1));
        assert_eq!(sniff(b"P"), None, "PRI or POST: read more");
        assert_eq!(sniff(b"PR"), None);
    }
}
