//! systemd notifications: READY once listeners are bound and local state is loaded, STATUS with a
//! human-readable state, EXTEND_TIMEOUT while recovering, STOPPING on shutdown, and watchdog pings.
//!
//! Everything is a no-op outside systemd (`NOTIFY_SOCKET` unset), so the same binary runs anywhere.
//! Failures to notify are logged, never fatal: the service keeps working even if systemd cannot
//! be told.

use std::time::Duration;

use sd_notify::NotifyState;

/// How much more start-up time each extension asks for while recovering state.
pub const EXTEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How often extensions are sent: half the extension, so one lost message does not time us out.
pub const EXTEND_EVERY: Duration = Duration::from_secs(15);

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!("cannot notify systemd: {e}");
    }
}

pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

pub fn status(status: &str) {
    send(&[NotifyState::Status(status)]);
}

pub fn extend_timeout(by: Duration) {
    send(&[NotifyState::ExtendTimeoutUsec(
        by.as_micros().min(u32::MAX as u128) as u32,
    )]);
}

pub fn stopping(status: &str) {
    send(&[NotifyState::Stopping, NotifyState::Status(status)]);
}

pub fn reloading() {
    send(&[NotifyState::Reloading]);
}

pub fn watchdog() {
    send(&[NotifyState::Watchdog]);
}

/// The watchdog ping period: half of `WATCHDOG_USEC`, when systemd asked for pings.
pub fn watchdog_period() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|d| d / 2)
}
