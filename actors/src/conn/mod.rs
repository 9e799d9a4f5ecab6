//! One connection as a unit: `ConnSup` and its children `Socket`, `Noise`, `Router` (with
//! the stanza machine's timer), and `Pairing` (unpaired) or `PreKeys` (paired). The whole subtree is thrown
//! away and rebuilt on every reconnect; only `ClientSup` decides when.
//!
//! Data flows `Socket → Noise → Router → owner` inbound and `owner → Router → Noise → Socket`
//! outbound; the socket's end travels the same path so a `stream:error` read just before the
//! server closed is classified before the connection counts as lost. Each layer reports to the
//! one above through a narrow type it defines (`SocketEvent`, `NoiseUp`, `RouterReport`,
//! `ConnReport`), so no actor imports the message enum of the actor above it.

mod noise;
mod router;
mod routes;
mod socket;
mod supervisor;
mod timer;

use std::sync::Arc;
use std::time::Duration;

use ractor::ActorId;
use wa_protocol::binary::Node;
use wa_protocol::connection::{EndReason, StanzaConfig};
use wa_protocol::crypto::{KeyPair, PublicKey};

use crate::broadcaster::BroadcasterHandle;
use crate::counters::Counters;
use crate::link::{Flow, IdentityCell, LiveConn, OwnerSlot};
use crate::pairing::{PairingConfig, PairingReport};
use crate::prekeys::PreKeyConfig;
use crate::store::{AccountId, Store};
use crate::transport::Transport;

pub(crate) use supervisor::{ConnSup, ConnSupArgs, ConnSupMsg};
pub use wa_protocol::connection::KeepaliveConfig;

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
    pub stanza: StanzaConfig,
    pub counters: Arc<Counters>,
    pub flow: Arc<Flow>,
    /// Where the logged-in connection is announced to the actors that outlive it.
    pub live: LiveConn,
    /// Learns from stanzas and events, drops what they invalidate (see `directory`).
    pub directory: crate::directory::Directory,
    pub signal: OwnerSlot,
    /// Where message acks go (the Outbox).
    pub outbox: OwnerSlot,
    /// The app-state actor (`server_sync` notifications).
    pub app_state: crate::appstate::AppStateHandle,
    pub broadcaster: BroadcasterHandle,
    pub identity: IdentityCell,
    pub store: Arc<dyn Store>,
    pub account_id: AccountId,
    /// What the device does once the socket is up.
    pub role: ConnRole,
}

/// The account-level work a connection carries besides moving stanzas.
#[derive(Clone)]
pub(crate) enum ConnRole {
    /// Unpaired: a `Pairing` child handles the pairing stanzas.
    Pair(Box<PairingParams>),
    /// Paired: after `<success>` a `PreKeys` child checks the server's prekey count.
    Login(PreKeyConfig),
}

/// What the `Pairing` child needs besides the connection.
#[derive(Clone)]
pub(crate) struct PairingParams {
    pub config: PairingConfig,
    pub platform_id: &'static str,
    pub platform_display: String,
}

/// How a connection ended.
#[derive(Debug, Clone)]
pub(crate) enum ConnDown {
    /// The stanza machine said why (stream error, failure, keepalive, socket end).
    Ended(EndReason),
    /// A child actor failed or could not start.
    Lost(String),
}

/// What `ConnSup` reports to `ClientSup`.
pub(crate) enum ConnReport {
    /// Logged in.
    Up { generation: u64, success: Node },
    /// The connection ended.
    Down { generation: u64, down: ConnDown },
    /// How pairing went.
    Pairing {
        generation: u64,
        report: PairingReport,
    },
}

/// The actors of the live connection, for tests and diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnActorIds {
    /// The connection supervisor.
    pub conn_sup: ActorId,
    /// The socket actor.
    pub socket: Option<ActorId>,
    /// The Noise actor.
    pub noise: Option<ActorId>,
    /// The router.
    pub router: Option<ActorId>,
    /// The pairing actor (present while unpaired).
    pub pairing: Option<ActorId>,
    /// The prekeys actor (present on a paired device's connection).
    pub prekeys: Option<ActorId>,
}
