//! Why a usync query could not be built or its reply read.

use crate::binary::Jid;
use crate::stanza::attrs::StanzaError;

/// Why a usync query could not be built, or a usync request or reply could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsyncError {
    /// An element or attribute is missing or malformed.
    #[error(transparent)]
    Stanza(#[from] StanzaError),
    /// A query names no user.
    #[error("a usync query must name at least one user")]
    NoUsers,
    /// A query or reply names more users than allowed.
    #[error("{count} users in one usync stanza (at most {max})")]
    TooManyUsers {
        /// How many there were (counted up to `max + 1`).
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A reply lists more devices for one user than allowed.
    #[error("{count} devices for {user} (at most {max})")]
    TooManyDevices {
        /// The user.
        user: Jid,
        /// How many there were (counted up to `max + 1`).
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The reply's user names a device (`jid` with `:N`), not a user.
    #[error("usync user {0} is a device address")]
    DeviceAddress(Jid),
}
