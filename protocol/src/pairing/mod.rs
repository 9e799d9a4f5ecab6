//! Pairing a new companion device: QR codes, `pair-success` verification and the reply, and
//! the phone-number ("link code") crypto. See `shared/protocol/pairing.md`.
//!
//! Everything takes bytes (or parsed nodes) and returns bytes, nodes or typed errors; keys and
//! randomness come in as parameters.

pub mod adv;
pub mod code;
pub mod error;
pub mod qr;

pub use adv::{verify_device_identity, VerifiedIdentity};
pub use error::{PairCodeError, PairError};
pub use qr::{companion_platform_id, qr_4field, qr_url, QrKeys};
