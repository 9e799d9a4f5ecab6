//! One-line wrappers over wacore-libsignal's async calls, on a [`Party`]'s stores.

use rand::rngs::StdRng;
use wacore_libsignal::protocol::{
    message_decrypt, message_encrypt, process_prekey_bundle, CiphertextMessage, PreKeyBundle,
    PreKeySignalMessage, ProtocolAddress, SignalMessage, UsePQRatchet,
};

use super::stores::{block_on, Party};

/// X3DH as initiator towards `to`.
pub fn initiate(p: &mut Party, to: &ProtocolAddress, bundle: &PreKeyBundle, rng: &mut StdRng) {
    block_on(process_prekey_bundle(
        to,
        &mut p.sessions,
        &mut p.ids,
        bundle,
        rng,
        UsePQRatchet::No,
    ))
    .expect("wacore processes the bundle");
}

/// Encrypts to `to`: the serialized `pkmsg` or `msg`.
pub fn encrypt(p: &mut Party, to: &ProtocolAddress, plaintext: &[u8]) -> Vec<u8> {
    block_on(message_encrypt(plaintext, to, &mut p.sessions, &mut p.ids))
        .expect("wacore encrypts")
        .serialize()
        .to_vec()
}

/// Parses and decrypts a `pkmsg` (`prekey`) or `msg` from `from`.
pub fn decrypt(
    p: &mut Party,
    from: &ProtocolAddress,
    bytes: &[u8],
    prekey: bool,
    rng: &mut StdRng,
) -> Vec<u8> {
    let message = if prekey {
        CiphertextMessage::PreKeySignalMessage(
            PreKeySignalMessage::try_from(bytes).expect("wacore parses the pkmsg"),
        )
    } else {
        CiphertextMessage::SignalMessage(
            SignalMessage::try_from(bytes).expect("wacore parses the msg"),
        )
    };
    block_on(message_decrypt(
        &message,
        from,
        &mut p.sessions,
        &mut p.ids,
        &mut p.prekeys,
        &p.signed,
        rng,
        UsePQRatchet::No,
    ))
    .expect("wacore decrypts")
    .plaintext
}
