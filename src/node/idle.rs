//! The main loop every server role ends in: wait for the stop signal while keeping systemd's
//! watchdog fed and the status line fresh, and re-read the configuration on SIGHUP.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::config::{self, ConfigSources, LoadedConfig, ReloadPlan, Role};
use crate::telemetry::sd_notify;

use super::signals::SignalEvent;

/// The shortest watchdog ping period, whatever systemd asks for.
const MIN_WATCHDOG_PERIOD: Duration = Duration::from_millis(10);

/// How a node takes a new configuration: what it reads, what it runs with now, and `apply`,
/// which puts the keys it can change live in force.
pub(super) struct Reload<'a, F: FnMut(&LoadedConfig, &ReloadPlan)> {
    pub role: Role,
    pub sources: &'a ConfigSources,
    pub current: LoadedConfig,
    pub apply: F,
}

/// Returns on SIGTERM/SIGINT. The watchdog is pinged from this loop, so a stalled node is
/// noticed; `status` is sent every `status_every`. SIGHUP re-reads the configuration: a bad
/// file keeps the running one (and says so); otherwise `reload.apply` puts the new one in force
/// and the plan is logged: live keys applied, keys that need a restart kept at their old value.
pub(super) async fn until_shutdown<F: FnMut(&LoadedConfig, &ReloadPlan)>(
    signals: &mut mpsc::UnboundedReceiver<SignalEvent>,
    mut reload: Reload<'_, F>,
    status_every: Duration,
    status: impl Fn() -> String,
) {
    // Intervals, not sleeps inside the select: other branches firing must not postpone pings.
    let mut watchdog =
        sd_notify::watchdog_period().map(|p| tokio::time::interval(p.max(MIN_WATCHDOG_PERIOD)));
    let mut status_tick = tokio::time::interval(status_every);
    loop {
        tokio::select! {
            event = signals.recv() => match event {
                Some(SignalEvent::Reload) => reread(&mut reload),
                Some(SignalEvent::Shutdown) | None => return,
            },
            _ = async { watchdog.as_mut().expect("guarded").tick().await }, if watchdog.is_some() => sd_notify::watchdog(),
            _ = status_tick.tick() => sd_notify::status(&status()),
        }
    }
}

fn reread<F: FnMut(&LoadedConfig, &ReloadPlan)>(reload: &mut Reload<'_, F>) {
    sd_notify::reloading();
    let next = match config::load(reload.role, reload.sources) {
        Err(e) => {
            tracing::error!("config reload failed, keeping the running configuration: {e}");
            sd_notify::ready("reload failed; running with the previous configuration");
            return;
        }
        Ok(next) => next,
    };
    let plan = config::plan_reload(&reload.current, &next);
    if plan.is_empty() {
        tracing::info!("config reloaded: nothing changed");
    }
    (reload.apply)(&next, &plan);
    for change in &plan.live {
        tracing::info!("config reloaded: applied {change}");
    }
    for change in &plan.restart {
        tracing::warn!("config reloaded: {change} needs a restart to take effect");
    }
    for change in &plan.no_effect {
        tracing::info!("config reloaded: {change} has no effect on this role");
    }
    sd_notify::ready("configuration reloaded");
    reload.current = next;
}
