//! Decrypting a `<message>` as pure functions over explicit state.
//!
//! The caller (the Signal actor) loads the records the stanza needs, calls
//! [`decrypt_stanza`], persists [`StateChanges`] in one batch, and only then acks and sends
//! receipts: a crash in between makes the server redeliver, and a redelivered payload whose
//! keys were already used comes back as a duplicate (ignored) rather than being lost.
//!
//! ```text
//! let keys = RecvKeys { session: load(signal_address(stanza.source.encryption_identity())),
//!                       sender_key: load(sender_key_name(&chat, identity)) };
//! let out = decrypt_stanza(&stanza, &keys, &identity, &prekeys, rng);
//! store.batch(out.changes)?;                     // persist first
//! for c in &out.contents { emit(c) }             // then deliver, receipt and ack
//! if let Some(f) = &out.failure { send(retry_receipt(..)); emit(Undecryptable) }
//! ```
//!
//! [`decrypt_stanza_in_place`] does the same on the caller's loaded records without copying
//! them, and says which moved ([`Moved`]); the caller writes those.

use rand_core::CryptoRngCore;

use super::content::{decode_message, unpad_payload, MessageContent, SenderKeyDistribution};
use super::error::DecryptError;
use super::stanza::{EncNode, EncType, MessageStanza};
use crate::crypto::PublicKey;
use crate::signal::{
    Incoming, LocalIdentity, PreKeyLookup, Received, SenderKeyDistributionMessage, SenderKeyRecord,
    SessionRecord,
};

/// A decrypted `pkmsg`/`msg`: the new session record to store and the padded plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectDecrypted {
    /// The session record to store in place of the old one.
    pub session: SessionRecord,
    /// One-time prekey consumed by a new session: delete it after storing `session`.
    pub consumed_prekey: Option<u32>,
    /// The sender's identity key, for the caller's trust check.
    pub remote_identity: PublicKey,
    /// The plaintext, still padded.
    pub plaintext: Vec<u8>,
}

/// Decrypts one `pkmsg` or `msg` with the sender device's session record.
pub fn decrypt_direct(
    session: &SessionRecord,
    local: &LocalIdentity,
    prekeys: &impl PreKeyLookup,
    enc: &EncNode,
    rng: &mut impl CryptoRngCore,
) -> Result<DirectDecrypted, DecryptError> {
    let incoming = match enc.enc_type {
        EncType::PreKey => Incoming::PreKey(&enc.ciphertext),
        EncType::Whisper => Incoming::Whisper(&enc.ciphertext),
        ref other => return Err(DecryptError::UnsupportedType(other.as_wire().to_owned())),
    };
    let d = session.decrypt(local, prekeys, incoming, rng)?;
    Ok(DirectDecrypted {
        session: d.record,
        consumed_prekey: d.consumed_prekey,
        remote_identity: d.remote_identity,
        plaintext: d.plaintext,
    })
}

/// [`decrypt_direct`] into `session`, which is unchanged on any error.
fn decrypt_direct_in_place(
    session: &mut SessionRecord,
    local: &LocalIdentity,
    prekeys: &impl PreKeyLookup,
    enc: &EncNode,
    rng: &mut impl CryptoRngCore,
) -> Result<Received, DecryptError> {
    let incoming = match enc.enc_type {
        EncType::PreKey => Incoming::PreKey(&enc.ciphertext),
        EncType::Whisper => Incoming::Whisper(&enc.ciphertext),
        ref other => return Err(DecryptError::UnsupportedType(other.as_wire().to_owned())),
    };
    Ok(session.decrypt_in_place(local, prekeys, incoming, rng)?)
}

/// Decrypts one `skmsg` with the sender-key record of (chat, sender); returns the padded
/// plaintext and the advanced record to store.
pub fn decrypt_group(
    sender_key: &SenderKeyRecord,
    enc: &EncNode,
) -> Result<(Vec<u8>, SenderKeyRecord), DecryptError> {
    if enc.enc_type != EncType::SenderKey {
        return Err(DecryptError::UnsupportedType(
            enc.enc_type.as_wire().to_owned(),
        ));
    }
    Ok(sender_key.decrypt(&enc.ciphertext)?)
}

/// [`decrypt_group`] into `sender_key`, which is unchanged on any error.
fn decrypt_group_in_place(
    sender_key: &mut SenderKeyRecord,
    enc: &EncNode,
) -> Result<Vec<u8>, DecryptError> {
    if enc.enc_type != EncType::SenderKey {
        return Err(DecryptError::UnsupportedType(
            enc.enc_type.as_wire().to_owned(),
        ));
    }
    Ok(sender_key.decrypt_in_place(&enc.ciphertext)?)
}

/// Stores a sender's distribution message into its sender-key record.
pub fn process_distribution(
    sender_key: &SenderKeyRecord,
    skdm: &SenderKeyDistribution,
) -> Result<SenderKeyRecord, DecryptError> {
    let parsed = SenderKeyDistributionMessage::parse(&skdm.axolotl)
        .map_err(DecryptError::BadDistribution)?;
    Ok(sender_key.process_distribution(&parsed))
}

/// Unpads (per `<enc v>`) and decodes a decrypted payload.
pub fn decode_payload(enc: &EncNode, padded: &[u8]) -> Result<MessageContent, DecryptError> {
    match enc.version {
        2 => decode_message(unpad_payload(2, padded)?),
        // v=3 is an Armadillo `MessageApplication`, not a `Message`; we do not model it.
        v => Err(DecryptError::UnsupportedVersion(v)),
    }
}

/// The records a stanza's decryption reads. Pass empty records when none is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecvKeys {
    /// The session with the sender device (keyed by the Signal address of
    /// `source.encryption_identity()`).
    pub session: SessionRecord,
    /// The sender key of (chat, sender device); only read for groups.
    pub sender_key: SenderKeyRecord,
}

/// Which records of a [`RecvKeys`] [`decrypt_stanza_in_place`] moved: those to persist.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Moved {
    /// The session record changed.
    pub session: bool,
    /// The sender-key record changed.
    pub sender_key: bool,
}

/// State to persist, all in one batch, before acking the stanza.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateChanges {
    /// New session record for the sender device, when it changed.
    pub session: Option<SessionRecord>,
    /// New sender-key record for (chat, sender device), when it changed.
    pub sender_key: Option<SenderKeyRecord>,
    /// One-time prekey to delete.
    pub consumed_prekey: Option<u32>,
    /// The sender's identity key as the session states it (store or check it).
    pub remote_identity: Option<PublicKey>,
}

impl StateChanges {
    /// True when nothing needs to be written.
    pub fn is_empty(&self) -> bool {
        self.session.is_none() && self.sender_key.is_none() && self.consumed_prekey.is_none()
    }
}

/// A payload that failed in a way that calls for a retry receipt and an
/// `UndecryptableMessage` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptFailure {
    /// Which `<enc>` failed.
    pub enc_type: EncType,
    /// Why.
    pub error: DecryptError,
    /// The message is unavailable rather than broken: a `skmsg` without a sender key and no
    /// 1:1 payload in the stanza that could have brought one (whatsmeow `decryptMessages`).
    /// The retry receipt should then carry our keys at once.
    pub is_unavailable: bool,
    /// `decrypt-fail="hide"` on the failed `<enc>`.
    pub hide: bool,
}

/// A payload skipped without a retry: a duplicate, an unsupported kind, or content that
/// decrypted but does not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredEnc {
    /// Which `<enc>`.
    pub enc_type: EncType,
    /// Why it was skipped.
    pub reason: DecryptError,
}

/// Everything [`decrypt_stanza`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decryption {
    /// Decoded payloads in processing order (1:1 before group). Distribution messages in them
    /// were already applied to [`StateChanges::sender_key`].
    pub contents: Vec<MessageContent>,
    /// State to persist before acking.
    pub changes: StateChanges,
    /// The first failure that calls for a retry receipt; processing stops there.
    pub failure: Option<DecryptFailure>,
    /// Payloads skipped without a retry.
    pub ignored: Vec<IgnoredEnc>,
}

/// Decrypts every `<enc>` of `stanza`: 1:1 payloads first (they may bring the sender key a
/// group payload needs), then sender-key payloads. Never touches `keys`; the new state is in
/// [`Decryption::changes`]. Draws from `rng` only for ratchet steps.
pub fn decrypt_stanza(
    stanza: &MessageStanza,
    keys: &RecvKeys,
    local: &LocalIdentity,
    prekeys: &impl PreKeyLookup,
    rng: &mut impl CryptoRngCore,
) -> Decryption {
    let mut keys = keys.clone();
    let (mut out, moved) = decrypt_stanza_in_place(stanza, &mut keys, local, prekeys, rng);
    let RecvKeys {
        session,
        sender_key,
    } = keys;
    out.changes.session = moved.session.then_some(session);
    out.changes.sender_key = moved.sender_key.then_some(sender_key);
    out
}

/// [`decrypt_stanza`] into `keys`: the records move in place (each one only by the payloads
/// that succeeded, exactly as far as [`decrypt_stanza`]'s changes would have taken it) and
/// [`Moved`] says which to persist; [`StateChanges::session`] and
/// [`StateChanges::sender_key`] are left empty. No record is copied.
pub fn decrypt_stanza_in_place(
    stanza: &MessageStanza,
    keys: &mut RecvKeys,
    local: &LocalIdentity,
    prekeys: &impl PreKeyLookup,
    rng: &mut impl CryptoRngCore,
) -> (Decryption, Moved) {
    let mut out = Decryption::default();
    let mut moved = Moved::default();
    let has_direct = stanza.encs.iter().any(|e| e.enc_type.is_direct());
    let ordered = stanza
        .encs
        .iter()
        .filter(|e| e.enc_type.is_direct())
        .chain(stanza.encs.iter().filter(|e| !e.enc_type.is_direct()));
    for enc in ordered {
        let decrypted = match &enc.enc_type {
            EncType::PreKey | EncType::Whisper => {
                decrypt_direct_in_place(&mut keys.session, local, prekeys, enc, rng).map(|r| {
                    moved.session = true;
                    if r.consumed_prekey.is_some() {
                        out.changes.consumed_prekey = r.consumed_prekey;
                    }
                    out.changes.remote_identity = Some(r.remote_identity);
                    r.plaintext
                })
            }
            EncType::SenderKey if !stanza.source.is_group => Err(DecryptError::NotGroup),
            EncType::SenderKey => decrypt_group_in_place(&mut keys.sender_key, enc).inspect(|_| {
                moved.sender_key = true;
            }),
            other => Err(DecryptError::UnsupportedType(other.as_wire().to_owned())),
        };
        let content = decrypted.and_then(|padded| decode_payload(enc, &padded));
        match content {
            Ok(content) => {
                if let Some(skdm) = content.sender_key_distribution.as_ref() {
                    // A distribution message only means something for a group chat; in a DM
                    // it is dropped, as whatsmeow does.
                    if stanza.source.is_group {
                        match SenderKeyDistributionMessage::parse(&skdm.axolotl) {
                            Ok(parsed) => {
                                keys.sender_key.process_distribution_in_place(&parsed);
                                moved.sender_key = true;
                            }
                            Err(e) => out.ignored.push(IgnoredEnc {
                                enc_type: enc.enc_type.clone(),
                                reason: DecryptError::BadDistribution(e),
                            }),
                        }
                    }
                }
                out.contents.push(content);
            }
            Err(error) if error.wants_retry() => {
                out.failure = Some(DecryptFailure {
                    enc_type: enc.enc_type.clone(),
                    is_unavailable: enc.enc_type == EncType::SenderKey
                        && !has_direct
                        && error.is_missing_sender_key(),
                    error,
                    hide: enc.hide_on_failure(),
                });
                break;
            }
            Err(reason) => out.ignored.push(IgnoredEnc {
                enc_type: enc.enc_type.clone(),
                reason,
            }),
        }
    }
    (out, moved)
}
