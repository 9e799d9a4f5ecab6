//! Signal keys: `0x05`-typed public keys, identities, registration ids, prekeys and bundles.

use rand_core::CryptoRngCore;

use super::codec::{Reader, Writer};
use super::error::SignalError;
use crate::crypto::{xeddsa, KeyPair, PublicKey};

/// The Curve25519 ("DJB") key type byte that prefixes serialized Signal public keys.
pub const DJB_TYPE: u8 = 0x05;

/// Serializes a public key the Signal way: `0x05 ‖ key` (33 bytes).
pub fn serialize_public(key: &PublicKey) -> [u8; 33] {
    let mut out = [0u8; 33];
    out[0] = DJB_TYPE;
    out[1..].copy_from_slice(key.as_bytes());
    out
}

/// Parses a 33-byte `0x05 ‖ key` public key; `field` names it in the error. Only the
/// canonical spelling of a key is accepted ([`is_canonical`]): every key a real peer makes
/// is one, and it keeps key equality meaning DH equality.
pub fn parse_public(bytes: &[u8], field: &'static str) -> Result<PublicKey, SignalError> {
    match bytes.split_first() {
        Some((&DJB_TYPE, rest)) if rest.len() == 32 => {
            let key = PublicKey::from_slice(rest).ok_or(SignalError::BadPublicKey(field))?;
            if is_canonical(&key) {
                Ok(key)
            } else {
                Err(SignalError::NonCanonicalKey(field))
            }
        }
        _ => Err(SignalError::BadPublicKey(field)),
    }
}

/// Whether `key` is the canonical little-endian encoding of a field element: below
/// 2^255 - 19, top bit clear. A public key computed by scalar multiplication always is.
pub fn is_canonical(key: &PublicKey) -> bool {
    let b = key.as_bytes();
    if b[31] & 0x80 != 0 {
        return false;
    }
    // The only values in [2^255 - 19, 2^255) are 0x7fff…ff followed down to 0xed.
    let at_least_p = b[31] == 0x7f && b[1..31].iter().all(|&x| x == 0xff) && b[0] >= 0xed;
    !at_least_p
}

/// Draws a registration id: 14 random bits, redrawn when 0. Baileys masks two random bytes
/// to 14 bits (`generateRegistrationId`, `& 16383`, which can yield 0); whatsmeow draws a full
/// `mathRand.Uint32()` (`store/sqlstore/container.go` `NewDevice`); libsignal's `KeyHelper`
/// draws 1..=16380. 14 bits and non-zero fits every one of them (the id travels as 4 bytes, and
/// the `pkmsg` field is a u32). The client's device identity (`DeviceData::generate` in
/// wa-actors-core) uses this one rule.
pub fn generate_registration_id(rng: &mut impl CryptoRngCore) -> u32 {
    loop {
        let id = rng.next_u32() & 0x3fff;
        if id != 0 {
            return id;
        }
    }
}

/// Our own long-term identity: the identity key pair and the registration id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalIdentity {
    /// Long-term Curve25519 identity key pair (private half zeroized on drop).
    pub key_pair: KeyPair,
    /// Registration id announced to peers in `pkmsg`s and prekey uploads.
    pub registration_id: u32,
}

impl LocalIdentity {
    /// A fresh identity with a random registration id.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let key_pair = KeyPair::generate(rng);
        let registration_id = generate_registration_id(rng);
        Self {
            key_pair,
            registration_id,
        }
    }

    /// Our identity public key in its 33-byte serialized form.
    pub fn public_serialized(&self) -> [u8; 33] {
        serialize_public(&self.key_pair.public)
    }

    /// Serializes the identity for the store (versioned).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::record(b"WID", 1);
        w.key_pair(&self.key_pair);
        w.u32(self.registration_id);
        w.finish()
    }

    /// Reads an identity written by [`LocalIdentity::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignalError> {
        let mut r = Reader::record(bytes, b"WID", 1, "identity")?;
        let key_pair = r.key_pair()?;
        let registration_id = r.u32()?;
        r.end()?;
        Ok(Self {
            key_pair,
            registration_id,
        })
    }
}

/// A signed prekey: medium-term key pair whose public half is signed by the identity key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedPreKey {
    /// Key id (sent as 3 bytes on WhatsApp stanzas).
    pub id: u32,
    /// The key pair.
    pub key_pair: KeyPair,
    /// XEdDSA signature by the identity key over `0x05 ‖ public`.
    pub signature: [u8; 64],
}

impl SignedPreKey {
    /// Signs `key_pair` with `identity` (deterministic XEdDSA, as npm libsignal does).
    pub fn new(identity: &KeyPair, id: u32, key_pair: KeyPair) -> Self {
        let signature = identity.private.sign(&serialize_public(&key_pair.public));
        Self {
            id,
            key_pair,
            signature,
        }
    }

    /// Generates and signs a fresh signed prekey.
    pub fn generate(identity: &KeyPair, id: u32, rng: &mut impl CryptoRngCore) -> Self {
        Self::new(identity, id, KeyPair::generate(rng))
    }

    /// Serializes for the store (versioned).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::record(b"WSP", 1);
        w.u32(self.id);
        w.key_pair(&self.key_pair);
        w.raw(&self.signature);
        w.finish()
    }

    /// Reads a record written by [`SignedPreKey::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignalError> {
        let mut r = Reader::record(bytes, b"WSP", 1, "signed prekey")?;
        let id = r.u32()?;
        let key_pair = r.key_pair()?;
        let signature = r.array::<64>()?;
        r.end()?;
        Ok(Self {
            id,
            key_pair,
            signature,
        })
    }
}

/// A one-time prekey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKey {
    /// Key id (sent as 3 bytes on WhatsApp stanzas).
    pub id: u32,
    /// The key pair.
    pub key_pair: KeyPair,
}

impl PreKey {
    /// Generates a fresh one-time prekey.
    pub fn generate(id: u32, rng: &mut impl CryptoRngCore) -> Self {
        Self {
            id,
            key_pair: KeyPair::generate(rng),
        }
    }

    /// Serializes for the store (versioned).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::record(b"WPK", 1);
        w.u32(self.id);
        w.key_pair(&self.key_pair);
        w.finish()
    }

    /// Reads a record written by [`PreKey::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignalError> {
        let mut r = Reader::record(bytes, b"WPK", 1, "prekey")?;
        let id = r.u32()?;
        let key_pair = r.key_pair()?;
        r.end()?;
        Ok(Self { id, key_pair })
    }
}

/// Looks up our own prekeys while processing a `pkmsg`. The store behind it is the caller's;
/// the consumed one-time prekey id is reported back so the caller deletes it after persisting.
pub trait PreKeyLookup {
    /// The signed prekey with this id, if we still hold it.
    fn signed_prekey(&self, id: u32) -> Option<SignedPreKey>;
    /// The one-time prekey with this id, if we still hold it.
    fn prekey(&self, id: u32) -> Option<PreKey>;
}

/// A plain in-memory prekey set, handy for tests and simple callers.
#[derive(Clone, Debug, Default)]
pub struct PreKeySet {
    /// Signed prekeys we hold.
    pub signed: Vec<SignedPreKey>,
    /// One-time prekeys we hold.
    pub one_time: Vec<PreKey>,
}

impl PreKeySet {
    /// Deletes the one-time prekey `id` (after a `pkmsg` consumed it).
    pub fn remove_prekey(&mut self, id: u32) {
        self.one_time.retain(|p| p.id != id);
    }
}

impl PreKeyLookup for PreKeySet {
    fn signed_prekey(&self, id: u32) -> Option<SignedPreKey> {
        self.signed.iter().find(|k| k.id == id).cloned()
    }
    fn prekey(&self, id: u32) -> Option<PreKey> {
        self.one_time.iter().find(|k| k.id == id).cloned()
    }
}

/// A peer device's prekey bundle, as fetched from the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeyBundle {
    /// The peer's registration id.
    pub registration_id: u32,
    /// The peer's identity key.
    pub identity_key: PublicKey,
    /// Signed prekey id.
    pub signed_prekey_id: u32,
    /// Signed prekey public key.
    pub signed_prekey: PublicKey,
    /// Signature by the identity key over `0x05 ‖ signed_prekey`.
    pub signed_prekey_signature: [u8; 64],
    /// Optional one-time prekey (id, public key).
    pub prekey: Option<(u32, PublicKey)>,
}

impl PreKeyBundle {
    /// Checks the signed prekey signature (npm libsignal skips this; we do not).
    pub fn verify(&self) -> Result<(), SignalError> {
        if xeddsa::verify(
            self.identity_key.as_bytes(),
            &serialize_public(&self.signed_prekey),
            &self.signed_prekey_signature,
        ) {
            Ok(())
        } else {
            Err(SignalError::BadSignature("signed prekey"))
        }
    }

    /// The bundle we publish for `identity` with `signed` and an optional one-time prekey.
    pub fn for_local(
        identity: &LocalIdentity,
        signed: &SignedPreKey,
        prekey: Option<&PreKey>,
    ) -> Self {
        Self {
            registration_id: identity.registration_id,
            identity_key: identity.key_pair.public,
            signed_prekey_id: signed.id,
            signed_prekey: signed.key_pair.public,
            signed_prekey_signature: signed.signature,
            prekey: prekey.map(|p| (p.id, p.key_pair.public)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_type_byte_is_checked() {
        let key = PublicKey([7; 32]);
        let s = serialize_public(&key);
        assert_eq!(parse_public(&s, "k"), Ok(key));
        let mut bad = s;
        bad[0] = 0x06;
        assert!(parse_public(&bad, "k").is_err());
        assert!(parse_public(&s[..32], "k").is_err());
        assert!(parse_public(&[], "k").is_err());
    }

    #[test]
    fn only_canonical_keys_parse() {
        let p_minus_1 = {
            let mut b = [0xff; 32];
            b[0] = 0xec;
            b[31] = 0x7f;
            b
        };
        assert!(parse_public(&serialize_public(&PublicKey(p_minus_1)), "k").is_ok());
        let mut p = p_minus_1;
        p[0] = 0xed;
        let mut top = [9u8; 32];
        top[31] |= 0x80;
        for bad in [p, [0xff; 32], top] {
            assert_eq!(
                parse_public(&serialize_public(&PublicKey(bad)), "k"),
                Err(SignalError::NonCanonicalKey("k"))
            );
        }
        let mut rng = rand::rngs::OsRng;
        for _ in 0..64 {
            assert!(is_canonical(&KeyPair::generate(&mut rng).public));
        }
    }

    #[test]
    fn signed_prekey_verifies_and_records_roundtrip() {
        let identity = LocalIdentity {
            key_pair: KeyPair::from_private_bytes([3; 32]),
            registration_id: 42,
        };
        let spk = SignedPreKey::new(&identity.key_pair, 9, KeyPair::from_private_bytes([4; 32]));
        let mut bundle = PreKeyBundle::for_local(&identity, &spk, None);
        assert!(bundle.verify().is_ok());
        bundle.signed_prekey_signature[5] ^= 1;
        assert_eq!(
            bundle.verify(),
            Err(SignalError::BadSignature("signed prekey"))
        );
        assert_eq!(SignedPreKey::from_bytes(&spk.to_bytes()), Ok(spk.clone()));
        let pk = PreKey {
            id: 5,
            key_pair: KeyPair::from_private_bytes([5; 32]),
        };
        assert_eq!(PreKey::from_bytes(&pk.to_bytes()), Ok(pk));
        assert_eq!(
            LocalIdentity::from_bytes(&identity.to_bytes()),
            Ok(identity.clone())
        );
        assert!(!format!("{spk:?}").contains("0404"));
    }
}
