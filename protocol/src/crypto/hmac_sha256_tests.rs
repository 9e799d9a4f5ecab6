//! HMAC and HKDF against the RFC vectors and the `hmac` / `hkdf` crates, on both
//! compression routes.

use super::*;
use hmac::{Hmac, Mac};
use proptest::prelude::*;

fn reference(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).unwrap();
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

#[test]
fn rfc4231_case_2() {
    let got = HmacKey::new(b"Jefe").mac(&[b"what do ya want for nothing?"]);
    assert_eq!(
        hex::encode(got),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn fixed_size_messages_match_the_hmac_crate() {
    fixed_size_messages_match();
}

#[test]
fn the_portable_route_matches_the_hmac_crate() {
    // The `hmac` and `hkdf` references keep using `sha2`'s own backend.
    use std::sync::atomic::Ordering;
    crate::crypto::sha256::FORCE_PORTABLE.store(true, Ordering::Relaxed);
    fixed_size_messages_match();
    for len in [0usize, 1, 31, 32, 33, 55, 56, 64, 65, 200] {
        let key: Vec<u8> = (0..len).map(|i| (i * 5 + 1) as u8).collect();
        let msg: Vec<u8> = (0..len * 2).map(|i| (i * 3 + 7) as u8).collect();
        let k = HmacKey::new(&key);
        assert_eq!(k.mac(&[&msg]), reference(&key, &msg), "length {len}");
    }
    crate::crypto::sha256::FORCE_PORTABLE.store(false, Ordering::Relaxed);
}

fn fixed_size_messages_match() {
    for seed in 0u8..8 {
        let key: Vec<u8> = (0..32).map(|i| i ^ seed.wrapping_mul(37)).collect();
        let msg: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(seed | 1));
        let k = HmacKey::new(&key);
        assert_eq!(k.mac32(&msg), reference(&key, &msg));
        assert_eq!(k.mac_byte(seed), reference(&key, &[seed]));
        let mut okm = [0u8; 80];
        hkdf(&ZERO_SALT, &msg, b"WhisperMessageKeys", &mut okm);
        let mut want = [0u8; 80];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(&[0u8; 32]), &msg)
            .expand(b"WhisperMessageKeys", &mut want)
            .unwrap();
        assert_eq!(okm, want);
    }
}

#[test]
fn rfc5869_case_1() {
    let ikm = [0x0b; 22];
    let salt: Vec<u8> = (0..=0x0c).collect();
    let info: Vec<u8> = (0xf0..=0xf9).collect();
    let mut okm = [0u8; 42];
    hkdf(&HmacKey::new(&salt), &ikm, &info, &mut okm);
    assert_eq!(
        hex::encode(okm),
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf\
         34007208d5b887185865"
    );
}

#[test]
fn the_compile_time_zero_salt_is_the_runtime_one() {
    let runtime = HmacKey::new(&[0u8; 32]);
    assert_eq!(runtime.inner, ZERO_SALT.inner);
    assert_eq!(runtime.outer, ZERO_SALT.outer);
}

#[test]
fn portable_compression_matches_sha2_on_every_padding_boundary() {
    // Lengths around the one- and two-block padding limits, through the portable function.
    for len in [0usize, 1, 54, 55, 56, 63, 64, 65, 119, 120, 128, 200] {
        let msg: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
        let mut state = IV;
        let mut padded = msg.clone();
        padded.push(0x80);
        while padded.len() % BLOCK != BLOCK - 8 {
            padded.push(0);
        }
        padded.extend_from_slice(&((len as u64) * 8).to_be_bytes());
        for block in padded.chunks_exact(BLOCK) {
            state = compress_portable(state, block.try_into().unwrap());
        }
        use sha2::Digest;
        let want: [u8; 32] = sha2::Sha256::digest(&msg).into();
        assert_eq!(state_bytes(&state), want, "length {len}");
    }
}

proptest! {
    // The MAC tests below run whichever backend this CPU selects; this one pins the
    // portable function to `sha2`'s on arbitrary states and blocks.
    #[test]
    fn portable_compression_matches_sha2_on_any_state(
        state in any::<[u32; 8]>(),
        block in proptest::collection::vec(any::<u8>(), BLOCK),
    ) {
        let block: [u8; BLOCK] = block.try_into().unwrap();
        let mut want = state;
        sha2::compress256(&mut want, &[block.into()]);
        prop_assert_eq!(compress_portable(state, &block), want);
    }

    #[test]
    fn mac_matches_the_hmac_crate(
        key in proptest::collection::vec(any::<u8>(), 0..150),
        msg in proptest::collection::vec(any::<u8>(), 0..300),
        split in 0usize..300,
    ) {
        let k = HmacKey::new(&key);
        let cut = split.min(msg.len());
        let (x, y) = msg.split_at(cut);
        prop_assert_eq!(k.mac(&[x, y]), reference(&key, &msg));
        if msg.len() <= BLOCK - 9 {
            prop_assert_eq!(k.mac_short(&[x, y]), reference(&key, &msg));
        }
        if let Ok(msg32) = <&[u8; 32]>::try_from(msg.as_slice()) {
            prop_assert_eq!(k.mac32(msg32), reference(&key, &msg));
        }
        if let Some(&byte) = msg.first() {
            prop_assert_eq!(k.mac_byte(byte), reference(&key, &[byte]));
        }
        if let Ok(key32) = <[u8; 32]>::try_from(&msg[..msg.len().min(32)]) {
            // A 32-byte key through the word-built blocks against the byte-built ones.
            let words = HmacKey::new32(&key32);
            let bytes = HmacKey::from_block_key(&key32);
            prop_assert_eq!((words.inner, words.outer), (bytes.inner, bytes.outer));
        }
    }

    #[test]
    fn hkdf_matches_the_hkdf_crate(
        salt in proptest::collection::vec(any::<u8>(), 0..80),
        ikm in proptest::collection::vec(any::<u8>(), 0..200),
        info in proptest::collection::vec(any::<u8>(), 0..40),
        len in 1usize..130,
    ) {
        let mut ours = vec![0u8; len];
        hkdf(&HmacKey::new(&salt), &ikm, &info, &mut ours);
        let mut want = vec![0u8; len];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(&salt), &ikm).expand(&info, &mut want).unwrap();
        prop_assert_eq!(ours, want);
    }
}
