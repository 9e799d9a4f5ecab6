//! Round trips under arbitrary chunking, and one test per refusal.

use aes::Aes256;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

use super::*;

fn key(b: u8) -> MediaKey {
    MediaKey([b; 32])
}

fn expected_of(info: &EncryptedMedia) -> Expected {
    Expected {
        file_enc_sha256: Some(info.file_enc_sha256),
        file_sha256: Some(info.file_sha256),
    }
}

/// Feeds `data` to a fresh decryptor in chunks of the given sizes (cycled).
fn stream_decrypt(
    k: &MediaKey,
    ty: MediaType,
    data: &[u8],
    chunks: &[usize],
    expected: Expected,
) -> Result<Vec<u8>, MediaCryptoError> {
    let mut dec = Decryptor::new(k, ty, expected);
    let mut out = Vec::new();
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = chunks[i % chunks.len()].clamp(1, rest.len());
        dec.update(&rest[..n], &mut out)?;
        rest = &rest[n..];
        i += 1;
    }
    let len = dec.finish(&mut out)?;
    assert_eq!(len, out.len() as u64);
    Ok(out)
}

proptest! {
    #[test]
    fn streaming_matches_one_shot_both_ways(
        plain in proptest::collection::vec(any::<u8>(), 0..700),
        chunks in proptest::collection::vec(1usize..80, 1..8),
        kb in any::<u8>(),
        t in 0usize..MediaType::ALL.len(),
    ) {
        let ty = MediaType::ALL[t];
        let (whole, info) = encrypt(key(kb), ty, &plain);
        prop_assert_eq!(whole.len() as u64, encrypted_len(plain.len() as u64));
        prop_assert_eq!(info.file_length, plain.len() as u64);
        prop_assert_eq!(info.file_enc_sha256, <[u8; 32]>::from(Sha256::digest(&whole)));

        let mut enc = Encryptor::new(key(kb), ty);
        let mut streamed = Vec::new();
        let mut rest = &plain[..];
        let mut i = 0;
        while !rest.is_empty() {
            let n = chunks[i % chunks.len()].min(rest.len());
            enc.update(&rest[..n], &mut streamed);
            // Never more than 15 bytes are held back.
            prop_assert!(streamed.len() + 16 > plain.len() - rest.len() + n);
            rest = &rest[n..];
            i += 1;
        }
        prop_assert_eq!(enc.finish(&mut streamed), info.clone());
        prop_assert_eq!(&streamed, &whole);

        let got = stream_decrypt(&key(kb), ty, &whole, &chunks, expected_of(&info)).unwrap();
        prop_assert_eq!(&got, &plain);
        prop_assert_eq!(decrypt(&key(kb), ty, &whole, &expected_of(&info)).unwrap(), plain);
    }

    #[test]
    fn any_flipped_byte_is_refused(
        plain in proptest::collection::vec(any::<u8>(), 0..200),
        pos in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let (mut body, info) = encrypt(key(3), MediaType::Document, &plain);
        let i = pos.index(body.len());
        body[i] ^= 1 << bit;
        let with_hash = expected_of(&info);
        prop_assert_eq!(stream_decrypt(&key(3), MediaType::Document, &body, &[64], with_hash.clone()),
            Err(MediaCryptoError::EncryptedHashMismatch));
        prop_assert_eq!(decrypt(&key(3), MediaType::Document, &body, &with_hash),
            Err(MediaCryptoError::EncryptedHashMismatch));
        prop_assert_eq!(stream_decrypt(&key(3), MediaType::Document, &body, &[7], Expected::default()),
            Err(MediaCryptoError::MacMismatch));
    }

    #[test]
    fn arbitrary_bodies_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        chunks in proptest::collection::vec(1usize..50, 1..4),
    ) {
        let _ = stream_decrypt(&key(1), MediaType::Image, &body, &chunks, Expected::default());
        let _ = decrypt(&key(1), MediaType::Image, &body, &Expected::default());
    }
}

#[test]
fn truncation_and_short_bodies_are_typed() {
    let (body, info) = encrypt(key(5), MediaType::Video, &[9u8; 100]);
    let e = expected_of(&info);
    let cut = &body[..body.len() - 3];
    assert_eq!(
        stream_decrypt(&key(5), MediaType::Video, cut, &[13], e.clone()),
        Err(MediaCryptoError::NotBlockAligned {
            len: cut.len() as u64 - 10
        })
    );
    assert_eq!(
        decrypt(&key(5), MediaType::Video, &body[..20], &e),
        Err(MediaCryptoError::TooShort { len: 20 })
    );
    // Cut at a block boundary: aligned but the MAC is now ciphertext.
    let aligned = &body[..body.len() - 16];
    assert_eq!(
        stream_decrypt(
            &key(5),
            MediaType::Video,
            aligned,
            &[5],
            Expected::default()
        ),
        Err(MediaCryptoError::MacMismatch)
    );
    let empty = Decryptor::new(&key(5), MediaType::Video, e).finish(&mut Vec::new());
    assert_eq!(empty, Err(MediaCryptoError::TooShort { len: 0 }));
}

#[test]
fn wrong_plaintext_hash_wrong_key_and_limit() {
    let (body, info) = encrypt(key(6), MediaType::Audio, b"voice");
    let lied = Expected {
        file_enc_sha256: Some(info.file_enc_sha256),
        file_sha256: Some([0; 32]),
    };
    assert_eq!(
        stream_decrypt(&key(6), MediaType::Audio, &body, &[4], lied.clone()),
        Err(MediaCryptoError::PlaintextHashMismatch)
    );
    assert_eq!(
        decrypt(&key(6), MediaType::Audio, &body, &lied),
        Err(MediaCryptoError::PlaintextHashMismatch)
    );
    // Right key, wrong type: different MAC key.
    assert_eq!(
        decrypt(&key(6), MediaType::Image, &body, &Expected::default()),
        Err(MediaCryptoError::MacMismatch)
    );
    let mut dec = Decryptor::new(&key(6), MediaType::Audio, Expected::default()).with_limit(20);
    assert_eq!(
        dec.update(&body, &mut Vec::new()),
        Err(MediaCryptoError::TooLong { limit: 20 })
    );
}

#[test]
fn a_valid_mac_over_bad_padding_is_bad_padding() {
    let keys = MediaKeys::expand(&key(8), MediaType::Image);
    let mut ct = [0x41u8; 32]; // last byte 0x41 is no PKCS#7 pad
    cbc::Encryptor::<Aes256>::new(&keys.cipher_key.into(), &keys.iv.into())
        .encrypt_padded_mut::<NoPadding>(&mut ct, 32)
        .unwrap();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&keys.mac_key).unwrap();
    mac.update(&keys.iv);
    mac.update(&ct);
    let mut body = ct.to_vec();
    body.extend_from_slice(&mac.finalize().into_bytes()[..MAC_LEN]);
    assert_eq!(
        stream_decrypt(&key(8), MediaType::Image, &body, &[3], Expected::default()),
        Err(MediaCryptoError::BadPadding)
    );
    assert_eq!(
        decrypt(&key(8), MediaType::Image, &body, &Expected::default()),
        Err(MediaCryptoError::BadPadding)
    );
}
