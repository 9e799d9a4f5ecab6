//! One connection as a unit: `ConnSup` and its children `Socket`, `Noise`, `Router` and
//! `Keepalive`. The whole subtree is thrown away and rebuilt on every reconnect; only
//! `ClientSup` decides when.
//!
//! Frames flow `Socket → Noise → Router` inbound and `Router → Noise → Socket` outbound. The
//! end of the socket travels the same path (`Eof`) so that a `stream:error` read just before
//! the server closed is always classified before the connection counts as lost.

mod keepalive;
mod noise;
pub(crate) mod router;
mod socket;
mod supervisor;

use std::sync::Arc;
use std::time::Duration;

use ractor::ActorId;
use wa_protocol::binary::Node;
use wa_protocol::crypto::{KeyPair, PublicKey};
use wa_protocol::stanza::iq::IqErrorReply;
use wa_protocol::stanza::stream_error::ConnectionOutcome;

use crate::broadcaster::BroadcasterHandle;
use crate::client::counters::Counters;
use crate::pairing::PairingConfig;
use crate::prekeys::PreKeyConfig;
use crate::store::{AccountId, DeviceData, Store};
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
    /// What the device does once the socket is up: pair (unpaired) or log in and keep its
    /// prekeys topped up (paired).
    pub role: ConnRole,
}

/// The account-level work a connection carries besides moving stanzas.
#[derive(Clone)]
pub(crate) enum ConnRole {
    /// Unpaired: a `Pairing` child handles the pairing stanzas.
    Pair(Box<PairingParams>),
    /// Paired: after `<success>` a `PreKeys` child checks the server's prekey count.
    Login(Box<LoginParams>),
}

/// What the `Pairing` child needs.
#[derive(Clone)]
pub(crate) struct PairingParams {
    pub device: DeviceData,
    pub config: PairingConfig,
    pub store: Arc<dyn Store>,
    pub account_id: AccountId,
    pub broadcaster: BroadcasterHandle,
    pub platform_id: &'static str,
    pub platform_display: String,
}

/// What the children of a logged-in connection need.
#[derive(Clone)]
pub(crate) struct LoginParams {
    pub device: DeviceData,
    pub store: Arc<dyn Store>,
    pub account_id: AccountId,
    pub prekeys: PreKeyConfig,
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
    /// The pairing actor (present while unpaired).
    pub pairing: Option<ActorId>,
    /// The prekeys actor (present once a paired device logged in).
    pub prekeys: Option<ActorId>,
}
