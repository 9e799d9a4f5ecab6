//! Phone-number pairing ("link code"): the code, the wrapping of the ephemeral keys with a
//! key derived from it, and the companion's finish step (`shared/protocol/pairing.md` §3).
//!
//! Pure functions: every random value is a parameter, so a test can replay a run.

use aes::cipher::{KeyIvInit, StreamCipher};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use rand_core::CryptoRngCore;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use super::error::PairCodeError;
use crate::crypto::{KeyPair, PublicKey};

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

/// The code alphabet: base32 without 0, I, O and U (whatsmeow `pair-code.go`, Baileys
/// `bytesToCrockford`).
pub const CODE_ALPHABET: &[u8; 32] = b"123456789ABCDEFGHJKLMNPQRSTVWXYZ";
/// Length of a pairing code in characters (5 random bytes, 5 bits a character).
pub const CODE_LEN: usize = 8;
/// PBKDF2 iterations for the code key (whatsmeow `2 << 16`).
pub const PBKDF2_ITERATIONS: u32 = 131_072;
/// Salt ‖ IV ‖ wrapped X25519 public key.
pub const WRAPPED_KEY_LEN: usize = 32 + 16 + 32;
/// HKDF info of the key that encrypts the companion's key bundle.
pub const BUNDLE_INFO: &[u8] = b"link_code_pairing_key_bundle_encryption_key";
/// HKDF info of the new ADV secret.
pub const ADV_SECRET_INFO: &[u8] = b"adv_secret";

/// Encodes 5 random bytes as an 8-character code, most significant bits first.
pub fn pairing_code(random: [u8; 5]) -> String {
    let mut value: u64 = 0;
    for b in random {
        value = (value << 8) | u64::from(b);
    }
    (0..CODE_LEN)
        .map(|i| {
            let shift = 5 * (CODE_LEN - 1 - i);
            char::from(CODE_ALPHABET[((value >> shift) & 31) as usize])
        })
        .collect()
}

/// Draws a fresh pairing code from `rng`.
pub fn generate_pairing_code(rng: &mut impl CryptoRngCore) -> String {
    let mut random = [0u8; 5];
    rng.fill_bytes(&mut random);
    pairing_code(random)
}

/// `XXXX-XXXX`, the way whatsmeow shows the code to the user.
pub fn display_code(code: &str) -> String {
    match (code.get(..4), code.get(4..)) {
        (Some(a), Some(b)) => format!("{a}-{b}"),
        _ => code.to_string(),
    }
}

/// Checks that `code` is 8 characters of [`CODE_ALPHABET`].
pub fn validate_code(code: &str) -> Result<(), PairCodeError> {
    if code.len() == CODE_LEN && code.bytes().all(|c| CODE_ALPHABET.contains(&c)) {
        Ok(())
    } else {
        Err(PairCodeError::InvalidCode)
    }
}

/// PBKDF2-HMAC-SHA256(code, salt, 131072) → the AES-256-CTR key that wraps an ephemeral key.
pub fn code_key(code: &str, salt: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha256>(code.as_bytes(), salt, PBKDF2_ITERATIONS, key.as_mut());
    key
}

fn ctr_apply(key: &[u8; 32], iv: &[u8; 16], data: &mut [u8]) {
    let mut cipher = Aes256Ctr::new(key.into(), iv.into());
    cipher.apply_keystream(data);
}

/// `salt ‖ iv ‖ AES-256-CTR(code_key(code, salt), iv, ephemeral_public)`: the
/// `link_code_pairing_wrapped_companion_ephemeral_pub` of the companion hello.
pub fn wrap_ephemeral(
    code: &str,
    ephemeral_public: &[u8; 32],
    salt: &[u8; 32],
    iv: &[u8; 16],
) -> Result<[u8; WRAPPED_KEY_LEN], PairCodeError> {
    validate_code(code)?;
    let key = code_key(code, salt);
    let mut out = [0u8; WRAPPED_KEY_LEN];
    out[..32].copy_from_slice(salt);
    out[32..48].copy_from_slice(iv);
    out[48..].copy_from_slice(ephemeral_public);
    ctr_apply(&key, iv, &mut out[48..]);
    Ok(out)
}

/// Inverse of [`wrap_ephemeral`]: the phone's ephemeral public key from its wrapped form
/// (at least 80 bytes; anything after the first 80 is ignored, as whatsmeow does).
pub fn unwrap_ephemeral(code: &str, wrapped: &[u8]) -> Result<[u8; 32], PairCodeError> {
    validate_code(code)?;
    let too_short = || PairCodeError::WrappedKeyTooShort(wrapped.len());
    let salt: &[u8; 32] = wrapped
        .get(..32)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(too_short)?;
    let iv: &[u8; 16] = wrapped
        .get(32..48)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(too_short)?;
    let mut key: [u8; 32] = wrapped
        .get(48..80)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(too_short)?;
    ctr_apply(&code_key(code, salt), iv, &mut key);
    Ok(key)
}

/// Length of the key bundle in the clear: companion identity ‖ primary identity ‖ ADV random.
pub const KEY_BUNDLE_LEN: usize = 96;

/// The AES-256-GCM key of the key bundle: HKDF-SHA256(salt = `bundle_salt`, the ephemeral
/// DH, info [`BUNDLE_INFO`]). Both ends derive it, from their own half of the DH.
pub fn bundle_key(
    bundle_salt: &[u8],
    ephemeral_shared: &[u8; 32],
) -> Result<Zeroizing<[u8; 32]>, PairCodeError> {
    let mut key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(bundle_salt), ephemeral_shared)
        .expand(BUNDLE_INFO, key.as_mut())
        .map_err(|_| PairCodeError::BundleEncryption)?;
    Ok(key)
}

/// The new ADV secret: HKDF-SHA256(no salt, ephemeral DH ‖ identity DH ‖ ADV random, info
/// [`ADV_SECRET_INFO`]). Both ends derive it.
pub fn adv_secret(
    ephemeral_shared: &[u8; 32],
    identity_shared: &[u8; 32],
    adv_random: &[u8; 32],
) -> Result<Zeroizing<[u8; 32]>, PairCodeError> {
    let mut ikm = Zeroizing::new([0u8; 96]);
    ikm[..32].copy_from_slice(ephemeral_shared);
    ikm[32..64].copy_from_slice(identity_shared);
    ikm[64..].copy_from_slice(adv_random);
    let mut secret = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, ikm.as_ref())
        .expand(ADV_SECRET_INFO, secret.as_mut())
        .map_err(|_| PairCodeError::BundleEncryption)?;
    Ok(secret)
}

/// The random inputs of the companion finish step.
#[derive(Clone)]
pub struct FinishRandom {
    /// HKDF salt of the bundle key; sent in front of the encrypted bundle.
    pub bundle_salt: [u8; 32],
    /// AES-GCM nonce of the bundle.
    pub nonce: [u8; 12],
    /// Mixed into the new ADV secret; sent inside the encrypted bundle.
    pub adv_random: [u8; 32],
}

impl FinishRandom {
    /// Draws every value from `rng`.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut r = FinishRandom {
            bundle_salt: [0; 32],
            nonce: [0; 12],
            adv_random: [0; 32],
        };
        rng.fill_bytes(&mut r.bundle_salt);
        rng.fill_bytes(&mut r.nonce);
        rng.fill_bytes(&mut r.adv_random);
        r
    }
}

impl Drop for FinishRandom {
    fn drop(&mut self) {
        self.adv_random.zeroize();
    }
}

impl std::fmt::Debug for FinishRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FinishRandom(redacted)")
    }
}

/// What the companion sends in `companion_finish` and the ADV secret it keeps.
pub struct CompanionFinish {
    /// `bundleSalt ‖ nonce ‖ AES-GCM(identity ‖ primary identity ‖ advRandom)`: the
    /// `link_code_pairing_wrapped_key_bundle`.
    pub wrapped_key_bundle: Vec<u8>,
    /// The new ADV secret: replaces the QR one for the `pair-success` HMAC.
    pub adv_secret: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for CompanionFinish {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompanionFinish")
            .field("wrapped_key_bundle_len", &self.wrapped_key_bundle.len())
            .field("adv_secret", &"redacted")
            .finish()
    }
}

/// Runs the companion side of §3.2 once the phone's notification arrived: unwraps the phone's
/// ephemeral key, encrypts our key bundle to it and derives the new ADV secret.
pub fn companion_finish(
    code: &str,
    companion_ephemeral: &KeyPair,
    identity: &KeyPair,
    wrapped_primary_ephemeral: &[u8],
    primary_identity_public: &[u8],
    random: &FinishRandom,
) -> Result<CompanionFinish, PairCodeError> {
    let primary_identity = PublicKey::from_slice(primary_identity_public).ok_or(
        PairCodeError::BadPrimaryIdentity(primary_identity_public.len()),
    )?;
    let primary_ephemeral = PublicKey(unwrap_ephemeral(code, wrapped_primary_ephemeral)?);

    let ephemeral_shared = Zeroizing::new(companion_ephemeral.private.dh(&primary_ephemeral));
    let bundle_key = bundle_key(&random.bundle_salt, &ephemeral_shared)?;

    let mut bundle = Zeroizing::new([0u8; KEY_BUNDLE_LEN]);
    bundle[..32].copy_from_slice(identity.public.as_bytes());
    bundle[32..64].copy_from_slice(primary_identity.as_bytes());
    bundle[64..].copy_from_slice(&random.adv_random);
    let cipher = Aes256Gcm::new(bundle_key.as_ref().into());
    let encrypted = cipher
        .encrypt(Nonce::from_slice(&random.nonce), bundle.as_ref())
        .map_err(|_| PairCodeError::BundleEncryption)?;
    let mut wrapped_key_bundle = Vec::with_capacity(32 + 12 + encrypted.len());
    wrapped_key_bundle.extend_from_slice(&random.bundle_salt);
    wrapped_key_bundle.extend_from_slice(&random.nonce);
    wrapped_key_bundle.extend_from_slice(&encrypted);

    let identity_shared = Zeroizing::new(identity.private.dh(&primary_identity));
    let adv_secret = adv_secret(&ephemeral_shared, &identity_shared, &random.adv_random)?;

    Ok(CompanionFinish {
        wrapped_key_bundle,
        adv_secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "ABCD2345";

    #[test]
    fn code_encodes_msb_first_in_the_alphabet() {
        assert_eq!(pairing_code([0; 5]), "11111111");
        assert_eq!(pairing_code([0xff; 5]), "ZZZZZZZZ");
        // 0x08 = 00001 000...: first character index 1 ('2'), the rest index 0 ('1').
        assert_eq!(pairing_code([0x08, 0, 0, 0, 0]), "21111111");
        // Last 5 bits = 0b00010 -> '3'.
        assert_eq!(pairing_code([0, 0, 0, 0, 2]), "11111113");
        assert_eq!(display_code("ABCD2345"), "ABCD-2345");
        assert!(validate_code(&pairing_code([0x5a, 0x13, 0xc4, 0x01, 0xee])).is_ok());
        assert_eq!(validate_code("ABCD234O"), Err(PairCodeError::InvalidCode));
        assert_eq!(validate_code("ABC"), Err(PairCodeError::InvalidCode));
    }

    #[test]
    fn code_key_is_pbkdf2_sha256_with_131072_rounds() {
        // Independent check of the iteration count: one PBKDF2 block by hand with HMAC-SHA256.
        use hmac::{Hmac, Mac};
        let salt = [0x11; 32];
        let mac = |data: &[u8]| {
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(CODE.as_bytes()).expect("key");
            m.update(data);
            <[u8; 32]>::from(m.finalize().into_bytes())
        };
        let mut u = mac(&[&salt[..], &[0, 0, 0, 1]].concat());
        let mut t = u;
        for _ in 1..131_072 {
            u = mac(&u);
            for (a, b) in t.iter_mut().zip(u) {
                *a ^= b;
            }
        }
        assert_eq!(*code_key(CODE, &salt), t);
    }

    #[test]
    fn wrap_and_unwrap_are_inverse_and_depend_on_the_code() {
        let eph = [0x42; 32];
        let wrapped = wrap_ephemeral(CODE, &eph, &[1; 32], &[2; 16]).expect("valid code");
        assert_eq!(&wrapped[..32], &[1; 32]);
        assert_eq!(&wrapped[32..48], &[2; 16]);
        assert_ne!(&wrapped[48..], &eph);
        assert_eq!(unwrap_ephemeral(CODE, &wrapped), Ok(eph));
        assert_ne!(unwrap_ephemeral("ABCD2346", &wrapped), Ok(eph));
        assert_eq!(
            unwrap_ephemeral(CODE, &wrapped[..79]),
            Err(PairCodeError::WrappedKeyTooShort(79))
        );
    }

    /// Plays the phone's side of §3.2 and checks both ends agree on the ADV secret and that
    /// the bundle carries both identities.
    #[test]
    fn finish_agrees_with_a_simulated_phone() {
        let companion_eph = KeyPair::from_private_bytes([21; 32]);
        let companion_id = KeyPair::from_private_bytes([22; 32]);
        let phone_eph = KeyPair::from_private_bytes([23; 32]);
        let phone_id = KeyPair::from_private_bytes([24; 32]);
        let wrapped_phone =
            wrap_ephemeral(CODE, phone_eph.public.as_bytes(), &[5; 32], &[6; 16]).expect("ok");
        let random = FinishRandom {
            bundle_salt: [7; 32],
            nonce: [8; 12],
            adv_random: [9; 32],
        };
        let fin = companion_finish(
            CODE,
            &companion_eph,
            &companion_id,
            &wrapped_phone,
            phone_id.public.as_bytes(),
            &random,
        )
        .expect("finishes");

        // Phone: same ephemeral DH, decrypt the bundle, derive the secret.
        let shared = phone_eph.private.dh(&companion_eph.public);
        let salt = &fin.wrapped_key_bundle[..32];
        let nonce = &fin.wrapped_key_bundle[32..44];
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(salt), &shared)
            .expand(BUNDLE_INFO, &mut key)
            .expect("32 bytes");
        let bundle = Aes256Gcm::new((&key).into())
            .decrypt(Nonce::from_slice(nonce), &fin.wrapped_key_bundle[44..])
            .expect("authentic");
        assert_eq!(&bundle[..32], companion_id.public.as_bytes());
        assert_eq!(&bundle[32..64], phone_id.public.as_bytes());
        let id_shared = phone_id.private.dh(&companion_id.public);
        let ikm = [&shared[..], &id_shared[..], &bundle[64..]].concat();
        let mut secret = [0u8; 32];
        Hkdf::<Sha256>::new(None, &ikm)
            .expand(ADV_SECRET_INFO, &mut secret)
            .expect("32 bytes");
        assert_eq!(*fin.adv_secret, secret);
        assert_eq!(fin.wrapped_key_bundle.len(), 32 + 12 + 96 + 16);

        assert_eq!(
            companion_finish(
                CODE,
                &companion_eph,
                &companion_id,
                &wrapped_phone,
                &[0; 31],
                &random
            )
            .map(|_| ()),
            Err(PairCodeError::BadPrimaryIdentity(31))
        );
    }
}
