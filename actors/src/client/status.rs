//! Where a client stands: [`AccountState`], [`ConnectionState`] and why it stopped.

use std::time::Duration;

use wa_protocol::stanza::stream_error::ConnectionOutcome;

/// Where the account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountState {
    /// No paired identity yet: connections register (a Pairing child drives the QR flow).
    Unpaired,
    /// Paired: connections log in.
    Paired,
    /// The server logged this device out; the session was wiped and nothing reconnects.
    LoggedOut,
}

/// What the connection is doing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Not asked to connect yet.
    Idle,
    /// A connection is being set up.
    Connecting,
    /// Logged in (`<success>` received).
    Connected,
    /// Waiting out a backoff before the next attempt.
    WaitingToReconnect,
    /// Not connected and not going to reconnect, and why.
    Stopped(StopReason),
}

/// Why a client stopped connecting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StopReason {
    /// [`Client::disconnect`](crate::Client::disconnect) was called.
    #[error("disconnected by the user")]
    ByUser,
    /// The store holds no usable device identity.
    #[error("no usable device identity")]
    NoIdentity,
    /// Every QR code expired unscanned.
    #[error("pairing: every QR code expired unscanned")]
    QrExhausted,
    /// A `pair-success` failed a check; nothing was stored.
    #[error("pairing failed: {0}")]
    PairingFailed(String),
    /// Too many restarts in the meltdown window.
    #[error("meltdown: more than {max_restarts} restarts in {window:?} (last: {last})")]
    Meltdown {
        /// The configured limit.
        max_restarts: usize,
        /// The configured window.
        window: Duration,
        /// What caused the last restart.
        last: String,
    },
    /// The server ended the session in a way that forbids reconnecting (logged out,
    /// replaced, banned, outdated, or a refused login).
    #[error("the server ended the session: {0:?}")]
    Server(ConnectionOutcome),
}

/// A snapshot of the client's state.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClientStatus {
    /// The account state.
    pub account: AccountState,
    /// The connection state.
    pub connection: ConnectionState,
    /// Generation of the current (or last) connection: 1 for the first, +1 per restart.
    pub generation: u64,
}
