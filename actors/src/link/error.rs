//! Why an iq request got no result.

use wa_protocol::stanza::iq::IqErrorReply;

/// Why an iq request (or a stanza send) got no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IqError {
    /// The server answered `type="error"`.
    #[error(transparent)]
    Server(#[from] IqErrorReply),
    /// There is no live connection, or it ended before the reply arrived.
    #[error("not connected, or the connection ended before the reply")]
    Disconnected,
    /// No reply within the deadline.
    #[error("no reply in time")]
    Timeout,
    /// The request could not be encoded.
    #[error("request could not be encoded: {0}")]
    Encode(#[from] wa_protocol::binary::EncodeError),
    /// The client has stopped.
    #[error("the client is not running")]
    Stopped,
}
