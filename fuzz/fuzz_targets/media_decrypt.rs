//! Media decryption (`wa_protocol::media`) on arbitrary bodies split at arbitrary points: the
//! streaming and whole decryptors must agree and fail typed, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::media::{decrypt, Decryptor, Expected, MediaKey, MediaType};

fuzz_target!(|data: &[u8]| {
    let Some((&split, body)) = data.split_first() else { return };
    let key = MediaKey([0x42; 32]);
    let whole = decrypt(&key, MediaType::Image, body, &Expected::default());
    let mut dec = Decryptor::new(&key, MediaType::Image, Expected::default());
    let mut out = Vec::new();
    let cut = (split as usize).min(body.len());
    let streamed = dec
        .update(&body[..cut], &mut out)
        .and_then(|()| dec.update(&body[cut..], &mut out))
        .and_then(|()| dec.finish(&mut out))
        .map(|_| out);
    assert_eq!(whole, streamed);
});
