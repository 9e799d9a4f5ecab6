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
