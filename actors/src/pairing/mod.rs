//! Pairing a fresh device as a companion of the phone: the `Pairing` actor, a child of
//! `ConnSup` that exists only while the account is unpaired.
//!
//! It turns `pair-device` refs into `PairingQrCode` events on a 60 s / 20 s rotation, runs the
//! phone-number ("link code") exchange when the application asks for a code, and checks the
//! `pair-success` the server relays from the phone. Only a `pair-success` whose HMAC and account
//! signature verify is stored (device identity and the phone's identity key in one batch)
//! and answered; anything else is answered with the protocol's error iq, reported as
//! `PairError`, and nothing is stored. The server then ends the stream with code 515 and
//! `ClientSup` logs in at once with the new identity.
//!
//! The protocol logic lives in `wa_protocol::pairing`; this actor only holds the state
//! between stanzas and timers.

mod actor;
mod code;
mod qr;
mod success;

use std::time::Duration;

use wa_protocol::pairing::PairCodeError;

use crate::link::IqError;

pub(crate) use actor::{Pairing, PairingArgs, PairingMsg, PairingReport};

/// Timing and options of pairing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingConfig {
    /// How long the first QR code is shown (whatsmeow and Baileys: 60 s).
    pub first_qr_timeout: Duration,
    /// How long each later QR code is shown (20 s). When the last one expires unscanned the
    /// client disconnects and stays stopped until [`Client::connect`](crate::Client::connect).
    pub next_qr_timeout: Duration,
    /// How long a phone-number pairing code is announced as valid (about 180 s).
    pub pair_code_timeout: Duration,
    /// Whether the phone gets a push notification when a pairing code is requested.
    pub show_push_notification: bool,
}

impl Default for PairingConfig {
    fn default() -> Self {
        Self {
            first_qr_timeout: wa_protocol::pairing::qr::FIRST_QR_TIMEOUT,
            next_qr_timeout: wa_protocol::pairing::qr::NEXT_QR_TIMEOUT,
            pair_code_timeout: Duration::from_secs(180),
            show_push_notification: true,
        }
    }
}

/// Why [`Client::pair_phone`](crate::Client::pair_phone) could not produce a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PairingError {
    /// The account is already paired; there is nothing to link.
    #[error("the account is already paired")]
    AlreadyPaired,
    /// There is no live connection to pair on: call `connect()` first.
    #[error("not connected: connect first, then ask for a pairing code")]
    NotConnected,
    /// Pairing already finished on this connection.
    #[error("pairing already finished on this connection")]
    Finished,
    /// The phone number or the code exchange was refused locally.
    #[error(transparent)]
    Code(#[from] PairCodeError),
    /// The server did not accept the request.
    #[error("server: {0}")]
    Server(#[from] IqError),
}
