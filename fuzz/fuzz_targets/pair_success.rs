//! The pair-success parser on arbitrary input: the bytes as a whole `pair-success` iq frame and
//! as the `<device-identity>` content. Must return `Ok` or a typed `PairError`, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::binary::unpack;
use wa_protocol::crypto::KeyPair;
use wa_protocol::pairing::{handle_pair_success, verify_device_identity};

fuzz_target!(|data: &[u8]| {
    let identity = KeyPair::from_private_bytes([7; 32]);
    let adv_secret = [3; 32];
    if let Ok(iq) = unpack(data) {
        if let Ok(success) = handle_pair_success(&iq, &adv_secret, &identity) {
            // Whatever is accepted must produce a reply that encodes.
            let _ = success.reply();
        }
    }
    let _ = verify_device_identity(data, &adv_secret, &identity);
});
