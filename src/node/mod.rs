//! Process wiring and lifecycle: the only place that knows every subsystem. Starts them in order,
//! stops them in reverse, and talks to systemd.

mod cluster_view;
pub mod embedded;
mod formation;
mod idle;
pub mod master;
mod member_port;
mod membership;
pub mod server;
pub mod shutdown;
pub mod signals;
pub mod worker;

pub use server::NodeError;
pub use shutdown::{Shutdown, DRAIN_DEADLINE};
pub use signals::SignalEvent;
