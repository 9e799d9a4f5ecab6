//! `<message>` parsing and decryption (`wa_protocol::message`) on arbitrary frames: whatever
//! decodes as a node must parse to a stanza or a typed error, and decrypting it against empty
//! state must fail cleanly, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::binary::{unpack, Jid};
use wa_protocol::crypto::KeyPair;
use wa_protocol::message::{decode_message, decrypt_stanza, MessageStanza, OwnJids, RecvKeys};
use wa_protocol::signal::{LocalIdentity, PreKeySet};

fuzz_target!(|data: &[u8]| {
    let _ = decode_message(data);
    let Ok(node) = unpack(data) else { return };
    let own = OwnJids {
        pn: Jid::pn("15550001111"),
        lid: Some(Jid::lid("100000000000001")),
    };
    if let Ok(stanza) = MessageStanza::parse(&node, &own) {
        let identity = LocalIdentity {
            key_pair: KeyPair::from_private_bytes([7; 32]),
            registration_id: 1,
        };
        let mut rng = rand_core::OsRng;
        let _ = decrypt_stanza(
            &stanza,
            &RecvKeys::default(),
            &identity,
            &PreKeySet::default(),
            &mut rng,
        );
    }
});
