//! One encoding for everything Raft sends or stores: postcard (compact, not self-describing).
//! Both ends of a call are the same build (checked at the handshake), and the data dir carries a
//! layout version, so a schema-less format is safe here.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a Raft message or stored record could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
#[error("cannot {op} {what}: {source}; a peer or data dir from another seatunnel-rs version?")]
pub struct CodecError {
    op: &'static str,
    what: &'static str,
    #[source]
    source: postcard::Error,
}

pub fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, CodecError> {
    postcard::to_stdvec(value).map_err(|source| CodecError {
        op: "encode",
        what,
        source,
    })
}

pub fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, CodecError> {
    postcard::from_bytes(bytes).map_err(|source| CodecError {
        op: "decode",
        what,
        source,
    })
}

impl From<CodecError> for std::io::Error {
    fn from(e: CodecError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e)
    }
}
