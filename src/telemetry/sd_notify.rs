//! systemd notifications: READY once listeners are bound and local state is loaded, STATUS with a
//! human-readable state, EXTEND_TIMEOUT while recovering, STOPPING on shutdown, and watchdog pings.
//!
//! Everything is a no-op outside systemd (`NOTIFY_SOCKET` unset), so the same binary runs anywhere.
//! Failures to notify are logged, never fatal: the service keeps working even if systemd cannot
//! be told.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

use sd_notify::NotifyState;

/// How much more start-up time each extension asks for while recovering state.
pub const EXTEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How often extensions are sent: half the extension, so one lost message does not time us out.
pub const EXTEND_EVERY: Duration = Duration::from_secs(15);

/// Notifications leave from one thread of their own, in order. A datagram to systemd blocks
/// while the receiver's queue is full (10 datagrams by default), and they are sent from the
/// loop that also handles SIGTERM and SIGHUP: a receiver that stops reading (a stuck manager, a
/// test harness) must delay only the notifications, never the signals.
struct Outbox {
    queue: Mutex<VecDeque<Pending>>,
    wake: Condvar,
}

struct Pending {
    text: String,
    kind: Kind,
}

/// Which notifications a later one of the same kind makes obsolete: while one waits, a new
/// watchdog ping is not queued and a new status replaces the waiting one. Everything else
/// (READY, STOPPING, RELOADING, EXTEND_TIMEOUT) is always sent. So the queue stays small
/// however long the receiver stalls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Watchdog,
    Status,
    Other,
}

fn outbox() -> &'static Outbox {
    static OUTBOX: OnceLock<&'static Outbox> = OnceLock::new();
    OUTBOX.get_or_init(|| {
        let outbox: &'static Outbox = Box::leak(Box::new(Outbox {
            queue: Mutex::new(VecDeque::new()),
            wake: Condvar::new(),
        }));
        let spawned = std::thread::Builder::new()
            .name("sd-notify".into())
            .spawn(move || deliver(outbox));
        if let Err(e) = spawned {
            tracing::warn!("cannot start the systemd notification thread: {e}; systemd is not told this service's state");
        }
        outbox
    })
}

fn deliver(outbox: &Outbox) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    loop {
        let next = {
            let mut queue = outbox.queue.lock().expect("notify queue lock");
            loop {
                if let Some(p) = queue.pop_front() {
                    break p;
                }
                queue = outbox.wake.wait(queue).expect("notify queue lock");
            }
        };
        if let Err(e) = send_datagram(&path, next.text.as_bytes()) {
            tracing::warn!("cannot notify systemd: {e}");
        }
    }
}

fn send(states: &[NotifyState<'_>], kind: Kind) {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    let mut text = String::new();
    for s in states {
        text.push_str(&s.to_string());
        text.push('\n');
    }
    let outbox = outbox();
    let mut queue = outbox.queue.lock().expect("notify queue lock");
    match kind {
        Kind::Watchdog if queue.iter().any(|p| p.kind == Kind::Watchdog) => return,
        Kind::Status => {
            if let Some(waiting) = queue.iter_mut().find(|p| p.kind == Kind::Status) {
                waiting.text = text;
                return;
            }
        }
        _ => {}
    }
    queue.push_back(Pending { text, kind });
    outbox.wake.notify_one();
}

/// One datagram to `NOTIFY_SOCKET` (a path, or an abstract name after `@`); blocks while the
/// receiver's queue is full.
fn send_datagram(path: &std::ffi::OsStr, msg: &[u8]) -> std::io::Result<()> {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let addr = match path.as_bytes().strip_prefix(b"@") {
        Some(name) => SocketAddr::from_abstract_name(name)?,
        None => SocketAddr::from_pathname(path)?,
    };
    let sock = UnixDatagram::unbound()?;
    sock.connect_addr(&addr)?;
    let sent = sock.send(msg)?;
    if sent != msg.len() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::WriteZero,
            "incomplete notification",
        ));
    }
    Ok(())
}

pub fn ready(status: &str) {
    send(
        &[NotifyState::Ready, NotifyState::Status(status)],
        Kind::Other,
    );
}

pub fn status(status: &str) {
    send(&[NotifyState::Status(status)], Kind::Status);
}

pub fn extend_timeout(by: Duration) {
    send(
        &[NotifyState::ExtendTimeoutUsec(
            by.as_micros().min(u32::MAX as u128) as u32,
        )],
        Kind::Other,
    );
}

pub fn stopping(status: &str) {
    send(
        &[NotifyState::Stopping, NotifyState::Status(status)],
        Kind::Other,
    );
}

pub fn reloading() {
    send(&[NotifyState::Reloading], Kind::Other);
}

pub fn watchdog() {
    send(&[NotifyState::Watchdog], Kind::Watchdog);
}

/// The watchdog ping period: half of `WATCHDOG_USEC`, when systemd asked for pings.
pub fn watchdog_period() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|d| d / 2)
}
