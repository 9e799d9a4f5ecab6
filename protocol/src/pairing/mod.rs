//! Pairing a new companion device: QR codes, `pair-success` verification and the reply, and
//! the phone-number ("link code") crypto. See `shared/protocol/pairing.md`.
//!
//! The primary phone's and server's side of each step sits beside the companion's
//! (`adv_primary`, `code_primary`, `link_code_server`, `primary_nodes`, `qr_scan`), built from the same rules, so the
//! fake server in wa-testkit checks the client against one definition of each.
//!
//! Everything takes bytes (or parsed nodes) and returns bytes, nodes or typed errors; keys and
//! randomness come in as parameters.

pub mod adv;
pub mod adv_primary;
pub mod code;
pub mod code_primary;
pub mod error;
pub mod link_code;
pub mod link_code_server;
pub mod pair_device;
pub mod primary_nodes;
pub mod qr;
pub mod qr_scan;
pub mod success;

pub use adv::{verify_device_identity, VerifiedIdentity};
pub use error::{PairCodeError, PairError};
pub use pair_device::{parse_pair_device, PairDevice};
pub use qr::{companion_platform_id, qr_4field, qr_url, QrKeys};
pub use success::{
    handle_pair_success, pair_error_reply, pair_error_reply_with, PairSuccess, PrimaryIdentity,
};

#[cfg(test)]
mod tests;
