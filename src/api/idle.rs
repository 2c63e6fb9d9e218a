//! The idle clock of one HTTP/1 connection. hyper closes a connection whose request head does
//! not arrive within its header-read timeout, but has no clock for the other times the server
//! waits on the client: a request body that stops half way, or an answer the client does not
//! read. [`Activity`] is that clock. The connection's socket ([`WatchedIo`]) tells it when bytes
//! move, the service tells it when a handler starts and ends ([`Activity::handling`]), and the
//! request body ([`WatchedBody`]) when a handler waits for more of it; [`Activity::expired`]
//! resolves once the client kept the server waiting for the idle timeout with no byte moving.
//! While a handler works, the clock stops: a slow answer is the server's doing, not the client's.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// Whose move it is on one connection.
#[derive(Debug)]
pub struct Activity {
    timeout: Duration,
    /// `Some(t)`: the server has waited on the client since `t` (or since the last byte moved);
    /// `None`: a handler is working.
    waiting_since: Mutex<Option<Instant>>,
}

impl Activity {
    /// A new connection: the client owes the server a request.
    pub fn new(timeout: Duration) -> Arc<Activity> {
        Arc::new(Activity {
            timeout,
            waiting_since: Mutex::new(Some(Instant::now())),
        })
    }

    fn set(&self, update: impl FnOnce(&mut Option<Instant>)) {
        update(&mut self.waiting_since.lock().expect("activity lock poisoned"));
    }

    /// Bytes moved: a waiting server waits afresh.
    fn progress(&self) {
        self.set(|w| {
            if w.is_some() {
                *w = Some(Instant::now());
            }
        });
    }

    /// The server waits on the client from now on, unless it already did.
    fn client_owes(&self) {
        self.set(|w| {
            if w.is_none() {
                *w = Some(Instant::now());
            }
        });
    }

    fn server_works(&self) {
        self.set(|w| *w = None);
    }

    /// A handler starts on a request; when the guard drops (its answer is ready), the client
    /// owes the next move again: reading the answer, then the next request.
    pub fn handling(self: &Arc<Self>) -> Handling {
        self.server_works();
        Handling(self.clone())
    }

    /// Resolves once the server has waited on the client for the idle timeout with no byte
    /// moving.
    pub async fn expired(&self) {
        loop {
            let waiting_since = *self.waiting_since.lock().expect("activity lock poisoned");
            match waiting_since {
                Some(since) if Instant::now() >= since + self.timeout => return,
                Some(since) => tokio::time::sleep_until(since + self.timeout).await,
                // A handler works; look again later (the clock starts when it is done).
                None => tokio::time::sleep(self.timeout).await,
            }
        }
    }
}

/// A handler at work; see [`Activity::handling`].
pub struct Handling(Arc<Activity>);

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.client_owes();
    }
}

/// A socket that tells its [`Activity`] whenever bytes move.
pub struct WatchedIo<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T> WatchedIo<T> {
    pub fn new(inner: T, activity: Arc<Activity>) -> WatchedIo<T> {
        WatchedIo { inner, activity }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WatchedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.progress();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WatchedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.progress();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.progress();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request body that tells its [`Activity`] when the handler waits for more of it, which is
/// the client's move although a handler runs.
pub struct WatchedBody<B> {
    inner: B,
    activity: Arc<Activity>,
    /// The last poll found nothing: the handler waits on the client.
    waiting: bool,
}

impl<B> WatchedBody<B> {
    pub fn new(inner: B, activity: Arc<Activity>) -> WatchedBody<B> {
        WatchedBody {
            inner,
            activity,
            waiting: false,
        }
    }
}

impl<B: Body + Unpin> Body for WatchedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let waiting = polled.is_pending();
        if waiting != self.waiting {
            self.waiting = waiting;
            if waiting {
                self.activity.client_owes();
            } else {
                self.activity.server_works();
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> Drop for WatchedBody<B> {
    /// A handler that gives up on the body goes on working without it.
    fn drop(&mut self) {
        if self.waiting {
            self.activity.server_works();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(30);

    /// Whether `expired` has resolved by now (time is paused; nothing else runs).
    async fn expired_now(activity: &Activity) -> bool {
        tokio::time::timeout(Duration::ZERO, activity.expired())
            .await
            .is_ok()
    }

    #[tokio::test(start_paused = true)]
    async fn the_clock_runs_only_while_the_server_waits_on_the_client() {
        let activity = Activity::new(TIMEOUT);
        tokio::time::advance(TIMEOUT - Duration::from_secs(1)).await;
        activity.progress();
        tokio::time::advance(TIMEOUT - Duration::from_secs(1)).await;
        assert!(
            !expired_now(&activity).await,
            "a byte moved: the wait starts afresh"
        );

        let handling = activity.handling();
        tokio::time::advance(10 * TIMEOUT).await;
        assert!(
            !expired_now(&activity).await,
            "a handler at work stops the clock"
        );
        drop(handling);
        tokio::time::advance(TIMEOUT - Duration::from_secs(1)).await;
        assert!(!expired_now(&activity).await);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(expired_now(&activity).await, "the answer was never read");
    }

    /// A body whose client sends nothing more.
    struct Stalled;

    impl Body for Stalled {
        type Data = hyper::body::Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
            Poll::Pending
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_handler_waiting_for_the_body_waits_on_the_client() {
        use http_body_util::BodyExt;

        let activity = Activity::new(TIMEOUT);
        let _handling = activity.handling();
        let mut body = WatchedBody::new(Stalled, activity.clone());
        assert!(
            tokio::time::timeout(Duration::ZERO, body.frame())
                .await
                .is_err(),
            "no frame yet"
        );
        tokio::time::advance(TIMEOUT).await;
        assert!(expired_now(&activity).await, "the body stopped half way");
        drop(body);
        assert!(
            !expired_now(&activity).await,
            "the handler works on without it"
        );
    }
}
