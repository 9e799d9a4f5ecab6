//! What a send resolves to.

use crate::link::IqError;
use crate::store::StoreError;

/// A message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The message id (`3EB0…`), the key of later receipts, edits and reactions.
    pub id: String,
    /// The server's timestamp from its ack (unix seconds); our clock when it sent none.
    pub timestamp: i64,
    /// The server's `server_id`, when it gave one.
    pub server_id: Option<i64>,
}

/// Why a send failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// There was no connection within [`SendConfig::connect_wait`](super::SendConfig), or
    /// it went away before the stanza was written. Nothing was sent.
    #[error("not connected")]
    NotConnected,
    /// No ack came within the deadline (or the send overran its own preparation bound): it
    /// may or may not have arrived. It is not sent again.
    #[error("no ack from the server in time")]
    Timeout,
    /// The connection ended before the server's ack every time the message was written
    /// ([`SendConfig::max_resends`](super::SendConfig) + 1 times): it may or may not have
    /// arrived.
    #[error("the connection ended before the server's ack, {0} times")]
    ConnectionLost(u32),
    /// The connection ended between encrypting and writing, every time it was tried:
    /// nothing reached the server (the ratchets moved on; the peer copes with the gap).
    #[error("the connection ended before the message could be written")]
    NotWritten,
    /// The server refused the message with this code (e.g. 463, 479, 400, 404).
    #[error("the server refused the message (code {code})")]
    Server {
        /// The ack's `error` attribute.
        code: u16,
    },
    /// Too many sends are in flight.
    #[error("too many sends in flight ({0})")]
    TooManyPending(usize),
    /// A send with this id is already in flight.
    #[error("a send with id {0} is already in flight")]
    DuplicateId(String),
    /// The recipient has no device we could encrypt for.
    #[error("no device of the recipient could be reached")]
    NoDevices,
    /// The device list could not be had.
    #[error("device list: {0}")]
    DeviceList(#[source] super::DeviceListerError),
    /// The group's metadata could not be had (not a member, unknown group, no answer).
    #[error("group metadata: {0}")]
    GroupInfo(#[source] crate::directory::QueryError),
    /// The prekey-bundle iq failed.
    #[error("prekey bundles: {0}")]
    Bundles(#[source] IqError),
    /// Encryption failed.
    #[error("encrypt: {0}")]
    Encrypt(#[source] wa_protocol::signal::SignalError),
    /// The store failed; nothing was written.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// This device is not paired.
    #[error("not paired")]
    NotPaired,
    /// The client has stopped (or its send actor did meanwhile).
    #[error("the client is not running")]
    Stopped,
}

impl SendError {
    /// True when the connection went away during the send's iqs, before the stanza was
    /// written (nothing reached the server): the `Outbox` tries again on the next connection.
    /// `NotConnected` is final: the send already waited its `connect_wait`.
    pub(crate) fn is_connection_loss(&self) -> bool {
        let iq_lost = |e: &IqError| matches!(e, IqError::Disconnected);
        match self {
            Self::NotWritten => true,
            Self::Bundles(e) => iq_lost(e),
            Self::GroupInfo(crate::directory::QueryError::Iq(e)) => iq_lost(e),
            Self::DeviceList(e) => {
                e.downcast_ref::<IqError>().is_some_and(iq_lost)
                    || e.downcast_ref::<crate::directory::QueryError>()
                        .is_some_and(
                            |q| matches!(q, crate::directory::QueryError::Iq(e) if iq_lost(e)),
                        )
            }
            _ => false,
        }
    }
}
