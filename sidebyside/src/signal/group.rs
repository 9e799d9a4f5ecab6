//! Sender-key paths: both libraries' senders built from the same chain key, chain id and
//! signing key, both receivers from our distribution message. Messages differ only in their
//! XEdDSA signature (ours derives its nonce, wacore draws it), so the check compares the rest
//! byte for byte and has each receiver verify and decrypt the other library's message.

use std::hint::black_box;

use wa_protocol::signal::SenderKeyRecord;
use wacore_libsignal::protocol::{
    group_decrypt, group_encrypt, process_sender_key_distribution_message,
    SenderKeyDistributionMessage, SenderKeyRecord as WRecord, SENDERKEY_MESSAGE_CURRENT_VERSION,
};
use wacore_libsignal::store::sender_key_name::SenderKeyName;

use super::parties::{ours_kp, wacore_kp, wacore_rng, SIGNING};
use super::stores::{block_on, Party};
use super::{parties, PLAINTEXT};
use crate::Path;

const CHAIN_ID: u32 = 0x1234_5678;
const CHAIN_KEY: [u8; 32] = [0x3c; 32];
const SIGNATURE_LEN: usize = 64;

fn name() -> SenderKeyName {
    SenderKeyName::new("120363000000000000@g.us".into(), "alice".into())
}

fn wacore_party() -> Party {
    let o = parties::ours();
    parties::wacore(&o).0
}

/// The group paths, after the agreement checks when `check` is set.
pub fn paths(check: bool) -> Vec<Path> {
    let ours_sender = SenderKeyRecord::from_own_parts(CHAIN_ID, CHAIN_KEY, ours_kp(SIGNING));
    let skdm = ours_sender.distribution_message().unwrap();
    let ours_receiver = SenderKeyRecord::new().process_distribution(&skdm);

    let signing = wacore_kp(SIGNING);
    let mut record = WRecord::new_empty();
    record
        .add_sender_key_state(
            SENDERKEY_MESSAGE_CURRENT_VERSION,
            CHAIN_ID,
            0,
            &CHAIN_KEY,
            signing.public_key,
            Some(signing.private_key),
        )
        .expect("wacore adds the sender state");
    let mut theirs_sender = wacore_party();
    theirs_sender.sender_keys.record = Some(record);
    let mut theirs_receiver = wacore_party();
    let wire = SenderKeyDistributionMessage::try_from(skdm.serialize().as_slice())
        .expect("wacore parses our distribution message");
    block_on(process_sender_key_distribution_message(
        &name(),
        &wire,
        &mut theirs_receiver.sender_keys,
    ))
    .expect("wacore processes our distribution message");

    let (ours_msg, _) = ours_sender.encrypt(PLAINTEXT).unwrap();
    let ours_msg = ours_msg.serialized().to_vec();
    // The value forms memoize the signing key's forms on the record itself (sign above,
    // verify here), so the copies the timed calls make carry them, as a cached record would.
    ours_receiver
        .decrypt(&ours_msg)
        .expect("ours reads our group message");
    if check {
        let mut sender = theirs_sender.clone();
        let theirs_msg = block_on(group_encrypt(
            &mut sender.sender_keys,
            &name(),
            PLAINTEXT,
            &mut wacore_rng(30),
        ))
        .expect("wacore encrypts")
        .serialized()
        .to_vec();
        let unsigned = |m: &[u8]| m[..m.len() - SIGNATURE_LEN].to_vec();
        assert_eq!(
            unsigned(&ours_msg),
            unsigned(&theirs_msg),
            "sender-key messages differ before the signature"
        );
        let (pt, _) = ours_receiver
            .decrypt(&theirs_msg)
            .expect("ours reads wacore's group message");
        assert_eq!(pt, PLAINTEXT);
        let mut receiver = theirs_receiver.clone();
        let pt = block_on(group_decrypt(&ours_msg, &mut receiver.sender_keys, &name()))
            .expect("wacore reads our group message");
        assert_eq!(pt, PLAINTEXT);
    }

    let ours_msg: &'static [u8] = Box::leak(ours_msg.into_boxed_slice());
    let mut theirs_sender = theirs_sender.frozen();
    let mut theirs_receiver = theirs_receiver.frozen();
    let mut rng = wacore_rng(31);
    let (name_enc, name_dec) = (name(), name());
    vec![
        Path {
            name: "signal/group_encrypt".into(),
            ours: Box::new(move || {
                let mut record = ours_sender.clone();
                let m = record.encrypt_in_place(black_box(PLAINTEXT)).unwrap();
                black_box((m, record));
            }),
            theirs: Box::new(move || {
                let m = block_on(group_encrypt(
                    &mut theirs_sender.sender_keys,
                    &name_enc,
                    black_box(PLAINTEXT),
                    &mut rng,
                ))
                .unwrap();
                black_box(m);
            }),
        },
        Path {
            name: "signal/group_decrypt".into(),
            ours: Box::new(move || {
                let mut record = ours_receiver.clone();
                let pt = record.decrypt_in_place(black_box(ours_msg)).unwrap();
                black_box((pt, record));
            }),
            theirs: Box::new(move || {
                let pt = block_on(group_decrypt(
                    black_box(ours_msg),
                    &mut theirs_receiver.sender_keys,
                    &name_dec,
                ))
                .unwrap();
                black_box(pt);
            }),
        },
    ]
}
