//! The main loop of a node whose work runs in its own tasks (a master, a worker): wait for the
//! stop signal while keeping systemd's watchdog fed and the status line fresh.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::telemetry::sd_notify;

use super::signals::SignalEvent;

/// The shortest watchdog ping period, whatever systemd asks for.
const MIN_WATCHDOG_PERIOD: Duration = Duration::from_millis(10);

/// Returns on SIGTERM/SIGINT. SIGHUP calls `on_reload`. The watchdog is pinged from this loop,
/// so a stalled node is noticed; `status` is sent every `status_every`.
pub(super) async fn until_shutdown(
    signals: &mut mpsc::UnboundedReceiver<SignalEvent>,
    mut on_reload: impl FnMut(),
    status_every: Duration,
    status: impl Fn() -> String,
) {
    let mut watchdog =
        sd_notify::watchdog_period().map(|p| tokio::time::interval(p.max(MIN_WATCHDOG_PERIOD)));
    let mut status_tick = tokio::time::interval(status_every);
    loop {
        tokio::select! {
            event = signals.recv() => match event {
                Some(SignalEvent::Reload) => on_reload(),
                Some(SignalEvent::Shutdown) | None => return,
            },
            _ = async { watchdog.as_mut().expect("guarded").tick().await }, if watchdog.is_some() => sd_notify::watchdog(),
            _ = status_tick.tick() => sd_notify::status(&status()),
        }
    }
}
