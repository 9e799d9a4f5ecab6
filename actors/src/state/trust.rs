//! Trust in a sender's identity after a message decrypted: a new identity key for a known
//! device is an [`IdentityChange`], and a companion's `pkmsg` must carry a `<device-identity>`
//! that ties its key to the account's primary identity when we know that identity.
//!
//! The session already proved the sender holds the key the `pkmsg` names; what it cannot
//! prove is that the key belongs to the account. The primary device's identity is learnt from
//! its own sessions with us (or, for our own account, at pairing).

use chrono::{DateTime, Utc};
use wa_protocol::crypto::PublicKey;
use wa_protocol::message::device_identity::{
    check_device_identity, DeviceIdentityCheck, DeviceIdentityError,
};
use wa_protocol::message::stanza::{EncType, MessageStanza};
use wa_protocol::signal::signal_address;

use crate::events::{Event, IdentityChange};
use crate::store::{AccountId, Namespace, Store, StoreError};

/// What the trust check of one decrypted stanza found.
#[derive(Debug, Default)]
pub(crate) struct Trust {
    /// `IdentityChange` when a known device came with a new key.
    pub events: Vec<Event>,
    /// The companion's statement was checked and refused: keep nothing of this stanza.
    pub refused: Option<DeviceIdentityError>,
    /// The statement is missing, or its signing key is not yet known as the primary's.
    pub unverified: bool,
}

/// Checks the identity `remote` that decrypting `stanza` from `address` produced.
pub(crate) async fn check_trust(
    store: &dyn Store,
    account: &AccountId,
    stanza: &MessageStanza,
    address: &str,
    remote: &PublicKey,
    now: DateTime<Utc>,
) -> Result<Trust, StoreError> {
    let mut trust = Trust::default();
    // Only a `pkmsg` can bring a new identity: a `msg` decrypts on a session whose identity
    // was stored when it was made, so the hot path pays no extra read.
    let new_session = stanza.encs.iter().any(|e| e.enc_type == EncType::PreKey);
    if !new_session {
        return Ok(trust);
    }
    let stored = store
        .get(account, Namespace::IDENTITIES, address.as_bytes())
        .await?;
    if let Some(old) = stored.as_deref() {
        if old != remote.as_bytes() {
            tracing::warn!(%address, "identity key changed");
            trust.events.push(Event::IdentityChange(IdentityChange {
                jid: stanza.source.sender.clone(),
                timestamp: now,
                implicit: true,
            }));
        }
    }

    let identity = stanza.source.encryption_identity();
    if identity.device == 0 {
        return Ok(trust);
    }
    let primary_address = signal_address(&identity.clone().with_device(0));
    let primary = store
        .get(account, Namespace::IDENTITIES, primary_address.as_bytes())
        .await?
        .and_then(|b| PublicKey::from_slice(&b));
    match stanza.device_identity.as_deref() {
        None => {
            tracing::warn!(%address, "companion pkmsg without <device-identity>");
            trust.unverified = true;
        }
        Some(bytes) => match check_device_identity(bytes, remote, primary.as_ref()) {
            Ok(DeviceIdentityCheck::Verified { .. }) => {}
            Ok(_) => {
                tracing::warn!(%address, "companion's primary identity not known yet");
                trust.unverified = true;
            }
            Err(e) => {
                tracing::warn!(%address, error = %e, "companion device identity refused");
                trust.refused = Some(e);
            }
        },
    }
    Ok(trust)
}

#[cfg(test)]
#[path = "trust_tests.rs"]
mod tests;
