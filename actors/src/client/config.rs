//! [`ClientConfig`]: where to connect, whom to trust, and the timing of reconnects and
//! keepalives.

use std::time::Duration;

use wa_protocol::crypto::PublicKey;
use wa_protocol::noise::{PayloadConfig, WA_CERT_ROOT};

use crate::conn::KeepaliveConfig;
use crate::directory::DirectoryConfig;
use crate::history::HistoryConfig;
use crate::media::MediaConfig;
use crate::pairing::PairingConfig;
use crate::prekeys::PreKeyConfig;
use crate::send::SendConfig;
use crate::store::RetentionConfig;
use crate::supervision::{BackoffConfig, MeltdownConfig};

/// The real WhatsApp Web endpoint.
pub const DEFAULT_URL: &str = "wss://web.whatsapp.com/ws/chat";

/// Default [`ClientConfig::inbound_high_water`]: an offline backlog arrives in bursts of a few
/// hundred stanzas; more than this waiting means the owners are behind.
pub const DEFAULT_INBOUND_HIGH_WATER: usize = 512;

/// Default [`ClientConfig::receive_batch`]: past a hundred or so messages a commit's fsync is
/// no longer what a message costs, and the acks of the first should not wait much longer.
pub const DEFAULT_RECEIVE_BATCH: usize = 128;

/// Settings of one client. `Default` talks to the real WhatsApp servers; tests point `url`
/// and `trust_root` at a wa-testkit server and shrink the timings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// WebSocket URL (`wss://` for the real server, `ws://127.0.0.1:…` for a test server).
    pub url: String,
    /// Key that must have signed the server's certificate chain ([`WA_CERT_ROOT`] by default).
    pub trust_root: PublicKey,
    /// Which account of the store this client is (one store can hold many).
    pub account: String,
    /// How the client presents itself in the login payload.
    pub payload: PayloadConfig,
    /// Reconnect delays.
    pub backoff: BackoffConfig,
    /// How many restarts in a window end the client.
    pub meltdown: MeltdownConfig,
    /// Keepalive timing.
    pub keepalive: KeepaliveConfig,
    /// Deadline for TCP + TLS + WebSocket upgrade.
    pub connect_timeout: Duration,
    /// Deadline for the Noise handshake (whatsmeow: 20 s).
    pub handshake_timeout: Duration,
    /// Default deadline of [`Client::iq`](crate::Client::iq) (whatsmeow: 75 s).
    pub iq_timeout: Duration,
    /// QR rotation and pair-code options of an unpaired device.
    pub pairing: PairingConfig,
    /// How many one-time prekeys to keep on the server.
    pub prekeys: PreKeyConfig,
    /// Inbound messages that may wait for their owners (the Signal actor, mostly) before the
    /// socket stops reading: the backpressure mark.
    pub inbound_high_water: usize,
    /// At most this many received messages are stored in one transaction (group commit; 1
    /// commits each alone). Batches form only from messages already waiting, so a lone
    /// message is never held back for company.
    pub receive_batch: usize,
    /// How long processed message ids are kept and how much retry state is remembered.
    pub retention: RetentionConfig,
    /// The send path: waiting for a connection, the ack deadline, in-flight and kept sends.
    pub send: SendConfig,
    /// How long cached device lists and group metadata are trusted.
    pub directory: DirectoryConfig,
    /// Media transfer timeouts, retries and limits.
    pub media: MediaConfig,
    /// History-sync limits (inflate cap, download retries).
    pub history: HistoryConfig,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            url: DEFAULT_URL.to_string(),
            trust_root: WA_CERT_ROOT,
            account: "default".to_string(),
            payload: PayloadConfig::default(),
            backoff: BackoffConfig::default(),
            meltdown: MeltdownConfig::default(),
            keepalive: KeepaliveConfig::default(),
            connect_timeout: Duration::from_secs(20),
            handshake_timeout: Duration::from_secs(20),
            iq_timeout: Duration::from_secs(75),
            pairing: PairingConfig::default(),
            prekeys: PreKeyConfig::default(),
            inbound_high_water: DEFAULT_INBOUND_HIGH_WATER,
            receive_batch: DEFAULT_RECEIVE_BATCH,
            retention: RetentionConfig::default(),
            send: SendConfig::default(),
            directory: DirectoryConfig::default(),
            media: MediaConfig::default(),
            history: HistoryConfig::default(),
        }
    }
}
