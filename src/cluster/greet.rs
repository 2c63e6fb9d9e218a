//! The `Membership.Greet` call: members tell each other who they are (role, Raft node id,
//! whether their Raft store is formed) before a master decides how to form the group.

use std::time::Duration;

use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Response, Status};

use crate::raft::network::ClusterHeader;
use crate::raft::proto::membership_client::MembershipClient;
use crate::raft::proto::membership_server::{Membership, MembershipServer};
use crate::raft::proto::Hello;
use crate::raft::service::ClusterCheck;

/// The role names on the wire (SeaTunnel's `-r` values).
pub const ROLE_MASTER: &str = "master";
pub const ROLE_WORKER: &str = "worker";

/// Answers greetings with this member's own [`Hello`], produced fresh per call (whether Raft is
/// formed changes at runtime) from the greeting received, which a master checks for a process
/// claiming its own node id.
pub struct GreetService<F> {
    me: F,
}

impl<F> GreetService<F>
where
    F: Fn(&Hello) -> Hello + Send + Sync + 'static,
{
    pub fn new(me: F) -> GreetService<F> {
        GreetService { me }
    }

    pub fn into_server(
        self,
        cluster_name: &str,
    ) -> InterceptedService<MembershipServer<Self>, ClusterCheck> {
        MembershipServer::with_interceptor(self, ClusterCheck::new(cluster_name))
    }
}

#[tonic::async_trait]
impl<F> Membership for GreetService<F>
where
    F: Fn(&Hello) -> Hello + Send + Sync + 'static,
{
    async fn greet(&self, req: Request<Hello>) -> Result<Response<Hello>, Status> {
        Ok(Response::new((self.me)(req.get_ref())))
    }
}

/// Why a member could not be greeted.
#[derive(Debug, thiserror::Error)]
#[error("cannot greet member {target}: {message}")]
pub struct GreetError {
    pub target: String,
    pub message: String,
    /// The member answered but belongs to another cluster.
    pub wrong_cluster: bool,
}

/// A connection to a member's port for a short exchange before the Raft group serves (greeting,
/// formation), carrying the cluster name; connected now, every call bounded by `timeout`.
pub type MemberChannel = InterceptedService<Channel, ClusterHeader>;

pub async fn member_channel(
    target: &str,
    cluster_name: &str,
    timeout: Duration,
) -> Result<MemberChannel, tonic::transport::Error> {
    let channel = Endpoint::from_shared(format!("http://{target}"))?
        .connect_timeout(timeout)
        .timeout(timeout)
        .connect()
        .await?;
    Ok(InterceptedService::new(
        channel,
        ClusterHeader::new(cluster_name),
    ))
}

/// Greets the member at `target` (host:port) as `me`.
pub async fn greet(
    target: &str,
    cluster_name: &str,
    me: Hello,
    timeout: Duration,
) -> Result<Hello, GreetError> {
    let fail = |message: String, wrong_cluster: bool| GreetError {
        target: target.to_string(),
        message,
        wrong_cluster,
    };
    let channel = member_channel(target, cluster_name, timeout)
        .await
        .map_err(|e| fail(e.to_string(), false))?;
    let mut client = MembershipClient::new(channel);
    match client.greet(Request::new(me)).await {
        Ok(reply) => Ok(reply.into_inner()),
        Err(status) => Err(fail(
            status.message().to_string(),
            status.code() == tonic::Code::PermissionDenied,
        )),
    }
}
