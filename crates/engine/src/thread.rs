//! Task threads: every reader and every writer chain runs on a thread of its own.
//!
//! Connectors are synchronous and may block (a database driver waiting on the network, a read
//! from a pipe). Run on the async runtime, one blocked call would stall a runtime thread, and
//! with it heartbeats, Raft and REST on a node with as few runtime threads as cores. On a
//! dedicated thread the task's own awaits (channels, timers, cancellation) are driven through
//! the runtime's handle, so only that task waits.
//!
//! Threads, not `spawn_blocking`: tasks live as long as their job, and a bounded blocking pool
//! full of them would starve the short blocking calls (sink commits, file listing, RocksDB)
//! that the pool exists for.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use tokio::sync::oneshot;

/// Why a task thread gave no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThreadError {
    #[error("panicked: {0}")]
    Panicked(String),
    #[error("cannot start a task thread: {0}; raise the service's TasksMax or the process limits")]
    Spawn(String),
}

/// Runs `task` on a new thread named `name` once the returned future is first polled, and
/// resolves to its output. A panic in the task is caught and returned.
pub async fn run_on_own_thread<T, F>(name: String, task: F) -> Result<T, ThreadError>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let handle = tokio::runtime::Handle::current();
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| handle.block_on(task)));
            let _ = tx.send(result.map_err(|p| ThreadError::Panicked(panic_text(&*p))));
        })
        .map_err(|e| ThreadError::Spawn(e.to_string()))?;
    rx.await.unwrap_or_else(|_| {
        Err(ThreadError::Panicked(
            "the thread ended without a result".into(),
        ))
    })
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The task blocks its thread until another task on the runtime's only worker thread
    /// answers: run on that worker thread, it would wait for itself and time out.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_task_blocking_its_thread_leaves_the_runtime_free() {
        let (tx, rx) = std::sync::mpsc::channel();
        let blocked = tokio::spawn(run_on_own_thread("st-test".into(), async move {
            let answered = rx.recv_timeout(Duration::from_secs(30)).is_ok();
            (answered, std::thread::current().name().map(str::to_string))
        }));
        tokio::spawn(async move { tx.send(()).unwrap() });
        let (answered, name) = blocked.await.unwrap().unwrap();
        assert!(
            answered,
            "the runtime ran the answering task while the thread blocked"
        );
        assert_eq!(name.as_deref(), Some("st-test"));
    }

    #[tokio::test]
    async fn a_panic_is_returned_with_its_message() {
        let r = run_on_own_thread("st-test".into(), async { panic!("boom") }).await;
        assert_eq!(r, Err::<(), _>(ThreadError::Panicked("boom".into())));
    }
}
