//! One connection as a unit: `ConnSup` and its children `Socket`, `Noise`, `Router` and
//! `Keepalive`. The whole subtree is thrown away and rebuilt on every reconnect; only
//! `ClientSup` decides when.
//!
//! Frames flow `Socket → Noise → Router` inbound and `Router → Noise → Socket` outbound. The
//! end of the socket travels the same path (`Eof`) so that a `stream:error` read just before
//! the server closed is always classified before the connection counts as lost.

mod keepalive;
mod noise;
mod router;
mod socket;
mod supervisor;

use std::sync::Arc;
use std::time::Duration;

use ractor::ActorId;
use wa_protocol::binary::Node;
use wa_protocol::crypto::{KeyPair, PublicKey};
use wa_protocol::stanza::iq::IqErrorReply;
use wa_protocol::stanza::stream_error::ConnectionOutcome;

use crate::client::counters::Counters;
use crate::transport::Transport;

pub use keepalive::KeepaliveConfig;
pub(crate) use supervisor::{ConnSup, ConnSupArgs, ConnSupMsg};

/// Why an iq request got no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IqError {
    /// The server answered `type="error"`.
    #[error(transparent)]
    Server(#[from] IqErrorReply),
    /// The connection ended (or there was none) before the reply arrived.
    #[error("not connected, or the connection ended before the reply")]
    Disconnected,
    /// No reply within the deadline.
    #[error("no reply in time")]
    Timeout,
    /// The request could not be encoded.
    #[error("request could not be encoded: {0}")]
    Encode(String),
}

/// Everything one connection needs, handed from `ClientSup` to a new `ConnSup`.
#[derive(Clone)]
pub(crate) struct ConnParams {
    /// Which connection of this client this is (1, 2, …), to drop reports of old ones.
    pub generation: u64,
    /// Account label for tracing spans.
    pub account: String,
    pub url: String,
    pub transport: Arc<dyn Transport>,
    /// The long-term Noise static key of this device.
    pub noise_key: KeyPair,
    /// The serialized `ClientPayload` (login or registration).
    pub payload: Vec<u8>,
    pub trust_root: PublicKey,
    pub connect_timeout: Duration,
    pub handshake_timeout: Duration,
    pub keepalive: KeepaliveConfig,
    pub counters: Arc<Counters>,
}

/// How a connection ended, as `ConnSup` reports it.
#[derive(Debug, Clone)]
pub(crate) enum ConnDown {
    /// The server said why (stream error, failure, stream end).
    Outcome(ConnectionOutcome, Node),
    /// The socket closed or broke, the keepalive gave up, or a child failed.
    Lost(String),
}

/// The actors of the live connection, for tests and diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnActorIds {
    /// The connection supervisor.
    pub conn_sup: ActorId,
    /// The socket actor.
    pub socket: Option<ActorId>,
    /// The Noise actor.
    pub noise: Option<ActorId>,
    /// The router.
    pub router: Option<ActorId>,
    /// The keepalive actor (present once logged in).
    pub keepalive: Option<ActorId>,
}
