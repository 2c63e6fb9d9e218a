//! An embedded node: a hybrid node inside another program's process (`seatunnel run`, tests of
//! the job API), so a job run there goes through the one job driver a cluster uses, with the
//! same checkpoints, restarts, savepoints and ends (SeaTunnel's local mode is likewise a
//! one-member cluster in the client's process).
//!
//! It keeps its state in a temporary directory removed when it stops, listens on an ephemeral
//! loopback port that only it lists, under a cluster name of its own, and serves no REST:
//! nothing outside the process finds it or submits to it,
//! and it never collides with a service on the same machine.

use std::sync::Arc;
use std::time::Duration;

use crate::config::LoadedConfig;
use crate::connector::Registry;
use crate::coordinator::JobManager;

use super::master::{self, MasterKind, Placement, StartedMaster, StopCause};
use super::server::NodeError;

/// How long an embedded node may take to lead its one-member group and see its own worker.
/// Both take well under a second even on a loaded machine (one election, one heartbeat); the
/// deadline only tells a broken start from a slow one.
const SERVING_DEADLINE: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("cannot create a temporary data dir in {}: {source}; set TMPDIR to a writable directory", dir.display())]
    TempDir {
        dir: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error("the embedded node did not become ready within {} s ({what}); see the lines above", SERVING_DEADLINE.as_secs())]
    NotServing { what: &'static str },
}

pub struct EmbeddedNode {
    master: StartedMaster,
    /// Removed when the node is dropped, after its Raft closed.
    dir: tempfile::TempDir,
}

impl EmbeddedNode {
    /// Starts a node from `loaded` (its engine settings: slots, checkpoint defaults, history
    /// expiry, strategies; its network settings are replaced) with the plugins of `registry`
    /// (the built-in connectors, or a test's), and returns once it leads its
    /// group and its own worker part has registered, so a job submitted next is placed at once.
    pub async fn start(
        loaded: LoadedConfig,
        registry: Arc<Registry>,
    ) -> Result<EmbeddedNode, EmbeddedError> {
        let dir = tempfile::Builder::new()
            .prefix("seatunnel-local-")
            .tempdir()
            .map_err(|source| EmbeddedError::TempDir {
                dir: std::env::temp_dir(),
                source,
            })?;
        tracing::debug!(data_dir = %dir.path().display(), "embedded node state");
        let master = master::start(
            loaded,
            dir.path().to_path_buf(),
            None,
            MasterKind::Hybrid,
            Placement::Embedded,
            registry,
        )
        .await?;
        let node = EmbeddedNode { master, dir };
        if let Err(what) = node.master.until_serving(SERVING_DEADLINE).await {
            node.stop().await;
            return Err(EmbeddedError::NotServing { what });
        }
        Ok(node)
    }

    /// The built-in defaults alone, with no file or environment read: what a node of an
    /// in-process test starts from.
    pub fn default_config() -> LoadedConfig {
        let sources = crate::config::ConfigSources {
            env: [(
                "SEATUNNEL_HOME".to_string(),
                "/nonexistent/seatunnel-home".to_string(),
            )]
            .into(),
            ..Default::default()
        };
        crate::config::load(crate::config::Role::Hybrid, &sources)
            .expect("the built-in defaults load")
    }

    pub fn jobs(&self) -> &JobManager {
        &self.master.jobs
    }

    /// Keeps the node running until the runtime it runs on shuts down (a test's), and returns
    /// its job manager: for callers that hand the manager on and have no place to keep the
    /// node. Its data dir is removed when the runtime drops it.
    pub fn into_background(self) -> JobManager {
        let jobs = self.master.jobs.clone();
        tokio::spawn(async move {
            let _node = self;
            std::future::pending::<()>().await
        });
        jobs
    }

    /// Stops the node (its running jobs end with it) and removes its data dir.
    pub async fn stop(self) {
        let EmbeddedNode { master, dir } = self;
        master.stop(StopCause::Asked).await;
        drop(dir);
    }
}
