//! The in-place operations against the value-returning reference they replaced: random
//! conversations (out of order, duplicated, tampered, re-initiated) give the same results, the
//! same work and the same random draws, and every failed decrypt leaves the record
//! byte-identical.

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use super::kdf::{aes_cbc_encrypt, chain_step, MessageKeys};
use super::*;
use crate::crypto::KeyPair;

struct Party {
    identity: LocalIdentity,
    prekeys: PreKeySet,
    record: SessionRecord,
}

fn party(rng: &mut StdRng, opk_id: u32) -> Party {
    let identity = LocalIdentity::generate(rng);
    let signed = vec![SignedPreKey::generate(&identity.key_pair, 1, rng)];
    Party {
        identity,
        prekeys: PreKeySet {
            signed,
            one_time: vec![PreKey::generate(opk_id, rng)],
        },
        record: SessionRecord::new(),
    }
}

fn bundle(p: &Party) -> PreKeyBundle {
    PreKeyBundle::for_local(
        &p.identity,
        &p.prekeys.signed[0],
        p.prekeys.one_time.first(),
    )
}

/// A `msg` on the current sending chain whose MAC is right but whose ciphertext does not
/// decrypt: it fails only after the receiver has derived (and, before this change, stored) its
/// keys.
fn bad_padding(record: &SessionRecord) -> Option<Vec<u8>> {
    let state = record.current()?;
    let sending = state.sending.as_ref()?;
    let (seed, _) = chain_step(sending.key.as_ref()?);
    let keys = MessageKeys::derive(&seed);
    // Not a whole number of blocks: refused by the cipher, after the MAC has passed.
    let mut ciphertext = aes_cbc_encrypt(&keys.cipher_key, &keys.iv, &[7; 16]);
    ciphertext.truncate(15);
    let m = wire::WhisperMessage::build(
        &keys.mac_key,
        &state.local_identity,
        &state.remote_identity,
        state.our_ratchet.public,
        sending.next,
        state.previous_counter,
        ciphertext,
    );
    Some(m.serialized().to_vec())
}

#[derive(Clone, Debug)]
enum Op {
    /// `from` (0 Alice, 1 Bob) sends one message.
    Send(u8),
    /// `to` receives the pending message at this index (mod the queue), maybe tampered at a
    /// byte (mod its length).
    Deliver(u8, usize, Option<usize>),
    /// `to` receives again a message it already had.
    Replay(u8, usize),
    /// `from` starts a new session from the other's bundle (the old one is archived).
    Reinit(u8),
    /// `from` sends a MAC-valid message that does not unpad.
    BadPadding(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..2u8).prop_map(Op::Send),
        4 => (0..2u8, any::<usize>(), proptest::option::weighted(0.15, any::<usize>()))
            .prop_map(|(t, i, b)| Op::Deliver(t, i, b)),
        1 => (0..2u8, any::<usize>()).prop_map(|(t, i)| Op::Replay(t, i)),
        1 => (0..2u8).prop_map(Op::Reinit),
        1 => (0..2u8).prop_map(Op::BadPadding),
    ]
}

fn incoming<'a>(kind: &str, bytes: &'a [u8]) -> Incoming<'a> {
    if kind == "pkmsg" {
        Incoming::PreKey(bytes)
    } else {
        Incoming::Whisper(bytes)
    }
}

/// Receives `bytes` on `to` both ways and checks they agree; keeps the in-place result.
fn receive(to: &mut Party, kind: &str, bytes: &[u8], rng: &mut StdRng) -> bool {
    let before = to.record.to_bytes();
    let mut ref_rng = rng.clone();
    let (expected, expected_cost) = to.record.reference_decrypt_with_cost(
        &to.identity,
        &to.prekeys,
        incoming(kind, bytes),
        &mut ref_rng,
    );
    let mut record = to.record.clone();
    let (got, cost) =
        record.decrypt_in_place_with_cost(&to.identity, &to.prekeys, incoming(kind, bytes), rng);
    assert_eq!(cost, expected_cost, "the same work");
    assert_eq!(rng.next_u64(), ref_rng.next_u64(), "the same random draws");
    match (got, expected) {
        (Ok(got), Ok(expected)) => {
            assert_eq!(got.plaintext, expected.plaintext);
            assert_eq!(got.consumed_prekey, expected.consumed_prekey);
            assert_eq!(got.remote_identity, expected.remote_identity);
            assert_eq!(record, expected.record);
            assert_eq!(record.to_bytes(), expected.record.to_bytes());
            if let Some(id) = got.consumed_prekey {
                to.prekeys.remove_prekey(id);
            }
            to.record = record;
            true
        }
        (Err(got), Err(expected)) => {
            assert_eq!(got, expected);
            assert_eq!(
                record.to_bytes(),
                before,
                "a failed decrypt changes nothing"
            );
            assert_eq!(record, to.record);
            false
        }
        (got, expected) => panic!("in place {got:?}, reference {expected:?}"),
    }
}

fn conversation(seed: u64, ops: &[Op]) -> usize {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut parties = [party(&mut rng, 7), party(&mut rng, 9)];
    let b = bundle(&parties[1]);
    let first = &mut parties[0];
    first
        .record
        .initiate_in_place(&first.identity, &b, &mut rng)
        .unwrap();
    // Per receiver: messages in flight and messages already received.
    let mut pending: [Vec<(&'static str, Vec<u8>)>; 2] = [Vec::new(), Vec::new()];
    let mut seen: [Vec<(&'static str, Vec<u8>)>; 2] = [Vec::new(), Vec::new()];
    let mut decrypted = 0;
    for op in ops {
        match *op {
            Op::Send(from) => {
                let from = usize::from(from);
                if let Ok(ct) = parties[from].record.encrypt_in_place(&[from as u8; 33]) {
                    pending[1 - from].push((ct.enc_type(), ct.serialized().to_vec()));
                }
            }
            Op::Deliver(to, i, tamper) => {
                let to = usize::from(to);
                if pending[to].is_empty() {
                    continue;
                }
                let (kind, mut bytes) = pending[to].remove(i % pending[to].len());
                if let Some(at) = tamper {
                    let at = at % bytes.len();
                    bytes[at] ^= 0x41;
                }
                if receive(&mut parties[to], kind, &bytes, &mut rng) {
                    decrypted += 1;
                }
                seen[to].push((kind, bytes));
            }
            Op::Replay(to, i) => {
                let to = usize::from(to);
                if seen[to].is_empty() {
                    continue;
                }
                let (kind, bytes) = seen[to][i % seen[to].len()].clone();
                receive(&mut parties[to], kind, &bytes, &mut rng);
            }
            Op::Reinit(from) => {
                let from = usize::from(from);
                let b = bundle(&parties[1 - from]);
                let p = &mut parties[from];
                p.record
                    .initiate_in_place(&p.identity, &b, &mut rng)
                    .unwrap();
            }
            Op::BadPadding(from) => {
                let from = usize::from(from);
                if let Some(bytes) = bad_padding(&parties[from].record) {
                    let to = &mut parties[1 - from];
                    assert!(!receive(to, "msg", &bytes, &mut rng));
                }
            }
        }
    }
    decrypted
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn in_place_sessions_match_the_reference(
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        conversation(seed, &ops);
    }
}

#[test]
fn a_scripted_conversation_decrypts_and_fails_as_expected() {
    use Op::*;
    let ops = [
        Send(0),
        Send(0),
        Deliver(1, 1, None),
        Deliver(1, 0, None),
        Send(1),
        Send(1),
        Send(1),
        Deliver(0, 2, None),
        BadPadding(1),
        Deliver(0, 0, Some(5)),
        Deliver(0, 0, None),
        Replay(0, 0),
        Reinit(1),
        Send(1),
        Deliver(0, 0, None),
        Send(0),
        Deliver(1, 0, None),
    ];
    // The tampered one, the forgery and the replay fail; the six other deliveries decrypt.
    assert_eq!(conversation(3, &ops), 6);
}

#[test]
fn unknown_session_and_wrong_version_leave_the_record_identical() {
    let mut rng = StdRng::seed_from_u64(8);
    let mut alice = party(&mut rng, 7);
    let mut bob = party(&mut rng, 9);
    alice
        .record
        .initiate_in_place(&alice.identity, &bundle(&bob), &mut rng)
        .unwrap();
    let first = alice.record.encrypt_in_place(b"hi").unwrap();
    assert!(receive(&mut bob, "pkmsg", first.serialized(), &mut rng));
    let reply = bob.record.encrypt_in_place(b"yo").unwrap();
    let mut wrong_version = reply.serialized().to_vec();
    wrong_version[0] = 0x23;
    let mut record = alice.record.clone();
    assert_eq!(
        record.decrypt_in_place(
            &alice.identity,
            &alice.prekeys,
            Incoming::Whisper(&wrong_version),
            &mut rng
        ),
        Err(SignalError::BadVersion(0x23))
    );
    assert_eq!(record.to_bytes(), alice.record.to_bytes());
    let mut empty = SessionRecord::new();
    assert_eq!(
        empty.decrypt_in_place(
            &alice.identity,
            &alice.prekeys,
            Incoming::Whisper(reply.serialized()),
            &mut rng
        ),
        Err(SignalError::NoSession)
    );
    assert_eq!(empty, SessionRecord::new());
    assert!(receive(&mut alice, "msg", reply.serialized(), &mut rng));
}

#[derive(Clone, Debug)]
enum GroupOp {
    Send,
    Deliver(usize, Option<usize>),
    Replay(usize),
    /// A correctly signed message whose ciphertext does not unpad, at this many iterations
    /// ahead of the sender.
    BadPadding(u32),
}

fn group_op() -> impl Strategy<Value = GroupOp> {
    prop_oneof![
        4 => Just(GroupOp::Send),
        4 => (any::<usize>(), proptest::option::weighted(0.15, any::<usize>()))
            .prop_map(|(i, t)| GroupOp::Deliver(i, t)),
        1 => any::<usize>().prop_map(GroupOp::Replay),
        1 => (0..4u32).prop_map(GroupOp::BadPadding),
    ]
}

fn group_receive(receiver: &mut SenderKeyRecord, bytes: &[u8]) -> bool {
    let before = receiver.to_bytes();
    let expected = receiver.reference_decrypt(bytes);
    let mut record = receiver.clone();
    match (record.decrypt_in_place(bytes), expected) {
        (Ok(got), Ok((plaintext, expected))) => {
            assert_eq!(got, plaintext);
            assert_eq!(record.to_bytes(), expected.to_bytes());
            *receiver = record;
            true
        }
        (Err(got), Err(expected)) => {
            assert_eq!(got, expected);
            assert_eq!(
                record.to_bytes(),
                before,
                "a failed decrypt changes nothing"
            );
            false
        }
        (got, expected) => panic!("in place {got:?}, reference {expected:?}"),
    }
}

fn group_conversation(seed: u64, ops: &[GroupOp]) -> usize {
    let mut rng = StdRng::seed_from_u64(seed);
    let signing = KeyPair::generate(&mut rng);
    let mut sender = SenderKeyRecord::from_own_parts(3, [5; 32], signing.clone());
    let mut receiver = SenderKeyRecord::new();
    receiver.process_distribution_in_place(&sender.distribution_message().unwrap());
    let mut pending: Vec<Vec<u8>> = Vec::new();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut decrypted = 0;
    for op in ops {
        match *op {
            GroupOp::Send => {
                let (value, _) = sender.encrypt(b"group text").unwrap();
                let m = sender.encrypt_in_place(b"group text").unwrap();
                assert_eq!(m, value, "in place and by value send the same");
                pending.push(m.serialized().to_vec());
            }
            GroupOp::Deliver(i, tamper) => {
                if pending.is_empty() {
                    continue;
                }
                let mut bytes = pending.remove(i % pending.len());
                if let Some(at) = tamper {
                    let at = at % bytes.len();
                    bytes[at] ^= 0x41;
                }
                if group_receive(&mut receiver, &bytes) {
                    decrypted += 1;
                }
                seen.push(bytes);
            }
            GroupOp::Replay(i) => {
                if let Some(bytes) = seen.get(i % seen.len().max(1)).cloned() {
                    group_receive(&mut receiver, &bytes);
                }
            }
            GroupOp::BadPadding(ahead) => {
                let at = sender.current().unwrap().iteration() + ahead;
                let m = SenderKeyMessage::build(&signing.private, 3, at, vec![9; 15]);
                assert!(!group_receive(&mut receiver, m.serialized()));
            }
        }
    }
    decrypted
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn in_place_sender_keys_match_the_reference(
        seed in any::<u64>(),
        ops in proptest::collection::vec(group_op(), 1..40),
    ) {
        group_conversation(seed, &ops);
    }
}

#[test]
fn a_scripted_group_conversation_decrypts_and_fails_as_expected() {
    use GroupOp::*;
    let ops = [
        Send,
        Send,
        Send,
        BadPadding(0),
        Deliver(2, None),
        BadPadding(1),
        Deliver(0, Some(3)),
        Deliver(0, None),
        Replay(0),
        Send,
        Deliver(0, None),
    ];
    // Third, second and fourth decrypt; the tampered first, the replay and both forgeries fail.
    assert_eq!(group_conversation(4, &ops), 3);
}

#[test]
fn dropping_skipped_keys_past_the_limit_matches_the_reference() {
    let mut rng = StdRng::seed_from_u64(11);
    let mut alice = party(&mut rng, 7);
    let mut bob = party(&mut rng, 9);
    alice
        .record
        .initiate_in_place(&alice.identity, &bundle(&bob), &mut rng)
        .unwrap();
    let first = alice.record.encrypt_in_place(b"hi").unwrap();
    assert!(receive(&mut bob, "pkmsg", first.serialized(), &mut rng));
    let reply = bob.record.encrypt_in_place(b"yo").unwrap();
    assert!(receive(&mut alice, "msg", reply.serialized(), &mut rng));
    // Jumps within the per-message budget on one chain, 2050 keys skipped in all: past the
    // 2000 kept.
    for jump in [900, 900, 250] {
        for _ in 0..jump {
            alice.record.encrypt_in_place(b"lost").unwrap();
        }
        let m = alice.record.encrypt_in_place(b"arrives").unwrap();
        assert!(receive(&mut bob, "msg", m.serialized(), &mut rng));
    }
    let chain = &bob.record.current().unwrap().receiving;
    // The limit counts the message's own key, stored and then taken, as the reference does.
    assert_eq!(
        chain.last().unwrap().skipped.len(),
        ratchet::MAX_SKIPPED_KEYS - 1
    );

    let signing = KeyPair::generate(&mut rng);
    let sender = SenderKeyRecord::from_own_parts(3, [5; 32], signing);
    let mut receiver = SenderKeyRecord::new();
    receiver.process_distribution_in_place(&sender.distribution_message().unwrap());
    let at = |n: u32| sender.advance(n).unwrap().encrypt(b"x").unwrap().0;
    // 1995 keys skipped, then 40 more: the 35 oldest go.
    assert!(group_receive(&mut receiver, at(1995).serialized()));
    assert!(group_receive(&mut receiver, at(2036).serialized()));
    assert_eq!(
        receiver.decrypt_in_place(at(34).serialized()),
        Err(SignalError::OldCounter {
            chain: 2037,
            message: 34
        })
    );
    assert!(group_receive(&mut receiver, at(35).serialized()));
}
