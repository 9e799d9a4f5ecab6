//! Connection lifecycle events.

use std::time::Duration;

use serde::Serialize;

pub use wa_protocol::stanza::codes::{ConnectFailureReason, TempBanReason};

use super::serde_wire;
use crate::wire::Node;

/// The client logged in (`<success>` handled); sending is possible from now on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Connected;

/// The connection was lost; the client reconnects by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Disconnected;

/// Another client took over this session (`<conflict type="replaced"/>`); no reconnect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct StreamReplaced;

/// A `<stream:error>` no other event covers.
#[derive(Debug, Clone, Serialize)]
pub struct StreamError {
    /// The `code` attribute (empty when absent).
    pub code: String,
    /// The whole stanza.
    #[serde(serialize_with = "serde_wire::opt_node")]
    pub raw: Option<Node>,
}

/// The server refused the login with `<failure reason=…>`.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectFailure {
    /// The reason code.
    pub reason: ConnectFailureReason,
    /// The `message` attribute (empty when absent).
    pub message: String,
    /// The whole stanza.
    #[serde(serialize_with = "serde_wire::opt_node")]
    pub raw: Option<Node>,
}

/// The account is temporarily banned (`<failure reason="402" code=… expire=…>`). The client
/// does not reconnect before `expire` has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemporaryBan {
    /// Why.
    pub code: TempBanReason,
    /// Time until the ban ends (zero when the server did not say).
    pub expire: Duration,
}

impl std::fmt::Display for TemporaryBan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.expire.is_zero() {
            write!(f, "temporarily banned: {}", self.code)
        } else {
            write!(
                f,
                "temporarily banned for {} s: {}",
                self.expire.as_secs(),
                self.code
            )
        }
    }
}
