//! Wire formats of Signal messages: `msg`, `pkmsg`, `skmsg` and the sender key distribution
//! message, each a version byte, a protobuf (types in `wa_protobuf::signal`) and, for `msg`, an
//! 8-byte MAC or, for `skmsg`, a 64-byte signature. Parsers take hostile bytes and return typed
//! errors; they never panic.

use prost::Message as _;
use subtle::ConstantTimeEq;
use wa_protobuf::signal as pb;

use std::ops::Range;

use super::error::SignalError;
use super::kdf::hmac_sha256;
use super::keys::{parse_public, serialize_public};
use super::wire_read::{self, Kind, Value};

#[path = "wire_skdm.rs"]
mod skdm;
use crate::crypto::{xeddsa, PublicKey};
pub use skdm::SenderKeyDistributionMessage;

/// Message version 3 in both nibbles: `(3 << 4) | 3`.
pub const VERSION_BYTE: u8 = 0x33;
/// Length of the truncated MAC of a `msg`.
pub const MAC_LEN: usize = 8;
/// Length of the signature of a `skmsg`.
pub const SIGNATURE_LEN: usize = 64;

fn check_version(byte: u8) -> Result<(), SignalError> {
    // Only version 3 exists on WhatsApp: the high nibble is the message version.
    if byte >> 4 == 3 {
        Ok(())
    } else {
        Err(SignalError::BadVersion(byte))
    }
}

fn split_version<'a>(bytes: &'a [u8], what: &'static str) -> Result<&'a [u8], SignalError> {
    match bytes.split_first() {
        Some((&v, rest)) => {
            check_version(v)?;
            Ok(rest)
        }
        None => Err(SignalError::TooShort { what, len: 0 }),
    }
}

/// `0x33 ‖ protobuf`, encoded straight into a buffer with room for `trailer` more bytes (the
/// MAC or signature), so the message is built in one allocation.
fn versioned(proto: &impl prost::Message, trailer: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + proto.encoded_len() + trailer);
    out.push(VERSION_BYTE);
    proto.encode_raw(&mut out);
    out
}

fn required<T>(v: Option<T>, message: &'static str, field: &'static str) -> Result<T, SignalError> {
    v.ok_or(SignalError::MissingField { message, field })
}

/// A `WhisperMessage` (`<enc type="msg">`): one Double Ratchet message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhisperMessage {
    /// The sender's current ratchet public key.
    pub ratchet_key: PublicKey,
    /// Index of this message in the sender's chain.
    pub counter: u32,
    /// Last index the sender used in its previous sending chain.
    pub previous_counter: u32,
    /// Where the ciphertext sits in `serialized` (held once, there).
    ciphertext: Range<usize>,
    serialized: Vec<u8>,
}

impl WhisperMessage {
    /// Parses `0x33 ‖ protobuf ‖ mac(8)`; the MAC is checked later, with the session's keys.
    pub fn parse(bytes: &[u8]) -> Result<Self, SignalError> {
        const WHAT: &str = "WhisperMessage";
        if bytes.len() < 1 + MAC_LEN {
            return Err(SignalError::TooShort {
                what: WHAT,
                len: bytes.len(),
            });
        }
        let body = split_version(bytes, WHAT)?;
        let proto = body.get(..body.len() - MAC_LEN).unwrap_or_default();
        // SignalMessage field numbers (proto/signal.proto): ratchetKey 1, counter 2,
        // previousCounter 3, ciphertext 4.
        let [ratchet_key, counter, previous_counter, ciphertext] = wire_read::read(
            proto,
            [
                (1, Kind::Bytes),
                (2, Kind::Uint32),
                (3, Kind::Uint32),
                (4, Kind::Bytes),
            ],
        )
        .map_err(|_| SignalError::BadProtobuf(WHAT))?;
        let ratchet_key = required(Value::bytes(ratchet_key), WHAT, "ratchetKey")?;
        let ratchet_key = parse_public(&proto[ratchet_key], "ratchetKey")?;
        let counter = required(Value::uint32(counter), WHAT, "counter")?;
        let ciphertext = required(Value::bytes(ciphertext), WHAT, "ciphertext")?;
        Ok(Self {
            ratchet_key,
            counter,
            previous_counter: Value::uint32(previous_counter).unwrap_or(0),
            // `proto` starts after the version byte.
            ciphertext: ciphertext.start + 1..ciphertext.end + 1,
            serialized: bytes.to_vec(),
        })
    }

    /// The AES-256-CBC ciphertext of the (padded) plaintext.
    pub fn ciphertext(&self) -> &[u8] {
        self.serialized
            .get(self.ciphertext.clone())
            .unwrap_or_default()
    }

    /// Builds and MACs a message (sender identity first in the MAC input).
    pub(crate) fn build(
        mac_key: &[u8; 32],
        sender_identity: &PublicKey,
        receiver_identity: &PublicKey,
        ratchet_key: PublicKey,
        counter: u32,
        previous_counter: u32,
        ciphertext: Vec<u8>,
    ) -> Self {
        let len = ciphertext.len();
        let proto = pb::SignalMessage {
            ratchet_key: Some(serialize_public(&ratchet_key).to_vec()),
            counter: Some(counter),
            previous_counter: Some(previous_counter),
            ciphertext: Some(ciphertext),
        };
        let mut serialized = versioned(&proto, MAC_LEN);
        // Fields are encoded in number order, so the ciphertext (4) ends the protobuf.
        let ciphertext = serialized.len() - len..serialized.len();
        let mac = compute_mac(mac_key, sender_identity, receiver_identity, &serialized);
        serialized.extend_from_slice(&mac);
        Self {
            ratchet_key,
            counter,
            previous_counter,
            ciphertext,
            serialized,
        }
    }

    /// Checks the 8-byte MAC in constant time.
    pub(crate) fn verify_mac(
        &self,
        mac_key: &[u8; 32],
        sender_identity: &PublicKey,
        receiver_identity: &PublicKey,
    ) -> bool {
        let split = self.serialized.len().saturating_sub(MAC_LEN);
        let (signed, mac) = self.serialized.split_at(split);
        let want = compute_mac(mac_key, sender_identity, receiver_identity, signed);
        bool::from(want.ct_eq(mac))
    }

    /// The exact bytes (what goes into `<enc type="msg">`).
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}

fn compute_mac(
    mac_key: &[u8; 32],
    sender_identity: &PublicKey,
    receiver_identity: &PublicKey,
    versioned_proto: &[u8],
) -> [u8; MAC_LEN] {
    let full = hmac_sha256(
        mac_key,
        &[
            &serialize_public(sender_identity),
            &serialize_public(receiver_identity),
            versioned_proto,
        ],
    );
    let mut mac = [0u8; MAC_LEN];
    mac.copy_from_slice(&full[..MAC_LEN]);
    mac
}

/// A `PreKeyWhisperMessage` (`<enc type="pkmsg">`): a first message that also sets up the
/// session at the receiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeyWhisperMessage {
    /// The sender's registration id.
    pub registration_id: u32,
    /// The receiver's one-time prekey that was used, if any.
    pub prekey_id: Option<u32>,
    /// The receiver's signed prekey that was used.
    pub signed_prekey_id: u32,
    /// The sender's X3DH base key.
    pub base_key: PublicKey,
    /// The sender's identity key.
    pub identity_key: PublicKey,
    /// The wrapped first message.
    pub message: WhisperMessage,
    serialized: Vec<u8>,
}

impl PreKeyWhisperMessage {
    /// Parses `0x33 ‖ protobuf`.
    pub fn parse(bytes: &[u8]) -> Result<Self, SignalError> {
        const WHAT: &str = "PreKeyWhisperMessage";
        let body = split_version(bytes, WHAT)?;
        let msg =
            pb::PreKeySignalMessage::decode(body).map_err(|_| SignalError::BadProtobuf(WHAT))?;
        Ok(Self {
            registration_id: msg.registration_id.unwrap_or(0),
            prekey_id: msg.pre_key_id,
            signed_prekey_id: required(msg.signed_pre_key_id, WHAT, "signedPreKeyId")?,
            base_key: parse_public(&required(msg.base_key, WHAT, "baseKey")?, "baseKey")?,
            identity_key: parse_public(
                &required(msg.identity_key, WHAT, "identityKey")?,
                "identityKey",
            )?,
            message: WhisperMessage::parse(&required(msg.message, WHAT, "message")?)?,
            serialized: bytes.to_vec(),
        })
    }

    /// Wraps `message` for a session that has not yet heard from its peer.
    pub(crate) fn build(
        registration_id: u32,
        prekey_id: Option<u32>,
        signed_prekey_id: u32,
        base_key: PublicKey,
        identity_key: PublicKey,
        message: WhisperMessage,
    ) -> Self {
        let proto = pb::PreKeySignalMessage {
            registration_id: Some(registration_id),
            pre_key_id: prekey_id,
            signed_pre_key_id: Some(signed_prekey_id),
            base_key: Some(serialize_public(&base_key).to_vec()),
            identity_key: Some(serialize_public(&identity_key).to_vec()),
            message: Some(message.serialized.clone()),
        };
        let serialized = versioned(&proto, 0);
        Self {
            registration_id,
            prekey_id,
            signed_prekey_id,
            base_key,
            identity_key,
            message,
            serialized,
        }
    }

    /// The exact bytes (what goes into `<enc type="pkmsg">`).
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}

/// A `SenderKeyMessage` (`<enc type="skmsg">`): one group message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderKeyMessage {
    /// Sender key id.
    pub key_id: u32,
    /// Chain iteration of the message key.
    pub iteration: u32,
    /// Where the ciphertext sits in `serialized` (held once, there).
    ciphertext: Range<usize>,
    serialized: Vec<u8>,
}

impl SenderKeyMessage {
    /// Parses `0x33 ‖ protobuf ‖ signature(64)`; the signature is checked with the sender's key.
    pub fn parse(bytes: &[u8]) -> Result<Self, SignalError> {
        const WHAT: &str = "SenderKeyMessage";
        if bytes.len() < 1 + SIGNATURE_LEN {
            return Err(SignalError::TooShort {
                what: WHAT,
                len: bytes.len(),
            });
        }
        let body = split_version(bytes, WHAT)?;
        let proto = body.get(..body.len() - SIGNATURE_LEN).unwrap_or_default();
        // SenderKeyMessage field numbers (proto/signal.proto): id 1, iteration 2, ciphertext 3.
        let [id, iteration, ciphertext] = wire_read::read(
            proto,
            [(1, Kind::Uint32), (2, Kind::Uint32), (3, Kind::Bytes)],
        )
        .map_err(|_| SignalError::BadProtobuf(WHAT))?;
        let key_id = required(Value::uint32(id), WHAT, "id")?;
        let iteration = required(Value::uint32(iteration), WHAT, "iteration")?;
        let ciphertext = required(Value::bytes(ciphertext), WHAT, "ciphertext")?;
        Ok(Self {
            key_id,
            iteration,
            // `proto` starts after the version byte.
            ciphertext: ciphertext.start + 1..ciphertext.end + 1,
            serialized: bytes.to_vec(),
        })
    }

    /// The AES-256-CBC ciphertext.
    pub fn ciphertext(&self) -> &[u8] {
        self.serialized
            .get(self.ciphertext.clone())
            .unwrap_or_default()
    }

    /// Builds and signs a message with the sender's signing key (deterministic XEdDSA).
    #[cfg(test)]
    pub(crate) fn build(
        signing_key: &crate::crypto::PrivateKey,
        key_id: u32,
        iteration: u32,
        ciphertext: Vec<u8>,
    ) -> Self {
        Self::build_signed(|m| signing_key.sign(m), key_id, iteration, ciphertext)
    }

    /// Builds a message signed by `sign` over `0x33 ‖ protobuf` (the sender's XEdDSA).
    pub(crate) fn build_signed(
        sign: impl FnOnce(&[u8]) -> [u8; SIGNATURE_LEN],
        key_id: u32,
        iteration: u32,
        ciphertext: Vec<u8>,
    ) -> Self {
        let len = ciphertext.len();
        let proto = pb::SenderKeyMessage {
            id: Some(key_id),
            iteration: Some(iteration),
            ciphertext: Some(ciphertext),
        };
        let mut serialized = versioned(&proto, SIGNATURE_LEN);
        // Fields are encoded in number order, so the ciphertext (3) ends the protobuf.
        let ciphertext = serialized.len() - len..serialized.len();
        let signature = sign(&serialized);
        serialized.extend_from_slice(&signature);
        Self {
            key_id,
            iteration,
            ciphertext,
            serialized,
        }
    }

    /// Checks the signature with the sender's signing public key.
    pub fn verify_signature(&self, signing_key: &PublicKey) -> bool {
        let (signed, signature) = self.signed_parts();
        xeddsa::verify(signing_key.as_bytes(), signed, signature)
    }

    /// The signed bytes and the signature.
    pub(crate) fn signed_parts(&self) -> (&[u8], &[u8]) {
        let split = self.serialized.len().saturating_sub(SIGNATURE_LEN);
        self.serialized.split_at(split)
    }

    /// The exact bytes (what goes into `<enc type="skmsg">`).
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}
