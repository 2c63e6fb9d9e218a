//! Unix signals turned into typed events: SIGTERM/SIGINT ask for shutdown, SIGHUP asks for a
//! config reload.

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalEvent {
    Shutdown,
    Reload,
}

/// Listens for signals for the rest of the process's life.
pub fn listen() -> std::io::Result<mpsc::UnboundedReceiver<SignalEvent>> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                _ = term.recv() => SignalEvent::Shutdown,
                _ = int.recv() => SignalEvent::Shutdown,
                _ = hup.recv() => SignalEvent::Reload,
            };
            if tx.send(event).is_err() {
                return;
            }
        }
    });
    Ok(rx)
}

/// Raises the open-file soft limit to the hard limit: a node holds many sockets and files, and
/// distributions' default soft limit of 1024 is too low. Returns the new soft limit.
pub fn raise_nofile_limit() -> Result<u64, nix::Error> {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard)?;
    }
    Ok(hard.max(soft))
}
