//! Why a directory query failed.

use wa_protocol::groups::GroupQueryError;
use wa_protocol::usync::UsyncError;

use crate::link::IqError;

/// Why `user_devices`, `is_on_whatsapp`, `group_info` or `joined_groups` failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The iq failed: not connected, no reply in time, or the server's error (404 for an
    /// unknown group, 403 when not a member, …).
    #[error(transparent)]
    Iq(#[from] IqError),
    /// The usync query could not be built or its reply read.
    #[error("usync: {0}")]
    Usync(#[from] UsyncError),
    /// The group reply could not be read.
    #[error("group query: {0}")]
    Group(#[from] GroupQueryError),
}
