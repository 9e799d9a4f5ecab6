//! Pairing and session-ending events.

use serde::Serialize;

use super::serde_wire;
use super::ConnectFailureReason;
use crate::wire::Jid;

/// Pairing finished: the primary device accepted this companion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairSuccess {
    /// The account's phone-number JID with this device's number.
    #[serde(serialize_with = "serde_wire::jid")]
    pub id: Jid,
    /// The account's LID with this device's number.
    #[serde(serialize_with = "serde_wire::jid")]
    pub lid: Jid,
    /// Business name (empty for personal accounts).
    pub business_name: String,
    /// Platform of the primary device.
    pub platform: String,
}

/// Pairing failed after the phone scanned the code (bad HMAC, bad signature, store error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairError {
    /// The JID the server announced.
    #[serde(serialize_with = "serde_wire::jid")]
    pub id: Jid,
    /// The LID the server announced.
    #[serde(serialize_with = "serde_wire::jid")]
    pub lid: Jid,
    /// Business name.
    pub business_name: String,
    /// Platform of the primary device.
    pub platform: String,
    /// What went wrong.
    pub error: String,
}

/// The QR code was scanned by a phone without multi-device support (`<downgrade_webclient/>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct QrScannedWithoutMultidevice;

/// The server says this client version is too old (`<failure reason="405">`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ClientOutdated;

/// The device was logged out; the stored session has been wiped and the client will not
/// reconnect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LoggedOut {
    /// True when it came as a `<failure>` while connecting, false for a `<stream:error>` of a
    /// live connection.
    pub on_connect: bool,
    /// The reason code (401 for a stream error's `device_removed`).
    pub reason: ConnectFailureReason,
}

impl Default for LoggedOut {
    fn default() -> Self {
        Self {
            on_connect: false,
            reason: ConnectFailureReason::LoggedOut,
        }
    }
}
