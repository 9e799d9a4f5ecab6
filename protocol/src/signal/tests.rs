//! Two in-process parties exercising sessions and sender keys, including every failure path.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;
use crate::crypto::KeyPair;

struct Party {
    identity: LocalIdentity,
    prekeys: PreKeySet,
    record: SessionRecord,
}

fn party(rng: &mut StdRng, with_opk: bool) -> Party {
    let identity = LocalIdentity::generate(rng);
    let signed = vec![SignedPreKey::generate(&identity.key_pair, 1, rng)];
    let one_time = if with_opk {
        vec![PreKey::generate(7, rng)]
    } else {
        Vec::new()
    };
    Party {
        identity,
        prekeys: PreKeySet { signed, one_time },
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

fn send(from: &mut Party, pt: &[u8]) -> Ciphertext {
    let (ct, record) = from.record.encrypt(pt).unwrap();
    from.record = record;
    ct
}

fn recv(to: &mut Party, ct: &Ciphertext, rng: &mut StdRng) -> Result<Vec<u8>, SignalError> {
    let incoming = match ct {
        Ciphertext::PreKey(m) => Incoming::PreKey(m.serialized()),
        Ciphertext::Whisper(m) => Incoming::Whisper(m.serialized()),
    };
    let d = to
        .record
        .decrypt(&to.identity, &to.prekeys, incoming, rng)?;
    if let Some(id) = d.consumed_prekey {
        to.prekeys.remove_prekey(id);
    }
    to.record = d.record;
    Ok(d.plaintext)
}

#[test]
fn sessions_with_and_without_one_time_prekey_ratchet_both_ways() {
    for with_opk in [true, false] {
        let mut rng = StdRng::seed_from_u64(1);
        let mut alice = party(&mut rng, false);
        let mut bob = party(&mut rng, with_opk);
        alice.record = alice
            .record
            .initiate(&alice.identity, &bundle(&bob), &mut rng)
            .unwrap();
        let first = send(&mut alice, b"one");
        assert_eq!(first.enc_type(), "pkmsg");
        assert_eq!(recv(&mut bob, &first, &mut rng).unwrap(), b"one");
        assert!(bob.prekeys.one_time.is_empty());
        for round in 0..6u8 {
            let reply = send(&mut bob, &[round; 40]);
            assert_eq!(reply.enc_type(), "msg");
            assert_eq!(recv(&mut alice, &reply, &mut rng).unwrap(), [round; 40]);
            let next = send(&mut alice, &[round]);
            assert_eq!(
                next.enc_type(),
                "msg",
                "alice still sends pkmsg after a reply"
            );
            assert_eq!(recv(&mut bob, &next, &mut rng).unwrap(), [round]);
        }
    }
}

#[test]
fn failed_decrypts_are_typed_and_leave_the_record_identical() {
    let mut rng = StdRng::seed_from_u64(2);
    let mut alice = party(&mut rng, false);
    let mut bob = party(&mut rng, true);
    // No session yet.
    let stray = {
        let mut a2 = party(&mut rng, false);
        a2.record = a2
            .record
            .initiate(&a2.identity, &bundle(&bob), &mut rng)
            .unwrap();
        let Ciphertext::PreKey(p) = send(&mut a2, b"x") else {
            panic!("first message is a pkmsg")
        };
        p.message.serialized().to_vec()
    };
    let empty = SessionRecord::new();
    assert_eq!(
        empty
            .decrypt(
                &bob.identity,
                &bob.prekeys,
                Incoming::Whisper(&stray),
                &mut rng
            )
            .unwrap_err(),
        SignalError::NoSession
    );

    alice.record = alice
        .record
        .initiate(&alice.identity, &bundle(&bob), &mut rng)
        .unwrap();
    let first = send(&mut alice, b"hello");
    recv(&mut bob, &first, &mut rng).unwrap();
    let m1 = send(&mut bob, b"m1");
    let m2 = send(&mut bob, b"m2");
    let before = alice.record.to_bytes();

    // Bad MAC.
    let mut bad = m2.serialized().to_vec();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let err = alice
        .record
        .decrypt(
            &alice.identity,
            &alice.prekeys,
            Incoming::Whisper(&bad),
            &mut rng,
        )
        .unwrap_err();
    assert_eq!(err, SignalError::BadMac);
    assert_eq!(alice.record.to_bytes(), before);

    // Garbage.
    for junk in [&[][..], &[0x33][..], &[0x23; 20][..], &[0x33; 9][..]] {
        assert!(alice
            .record
            .decrypt(
                &alice.identity,
                &alice.prekeys,
                Incoming::Whisper(junk),
                &mut rng
            )
            .is_err());
        assert!(alice
            .record
            .decrypt(
                &alice.identity,
                &alice.prekeys,
                Incoming::PreKey(junk),
                &mut rng
            )
            .is_err());
    }
    assert_eq!(alice.record.to_bytes(), before);

    // Out of order, then a replay is an old counter.
    assert_eq!(recv(&mut alice, &m2, &mut rng).unwrap(), b"m2");
    assert_eq!(recv(&mut alice, &m1, &mut rng).unwrap(), b"m1");
    let snapshot = alice.record.to_bytes();
    assert!(matches!(
        recv(&mut alice, &m1, &mut rng),
        Err(SignalError::OldCounter { .. })
    ));
    assert_eq!(alice.record.to_bytes(), snapshot);

    // Unknown prekeys.
    let mut carol = party(&mut rng, false);
    carol.record = carol
        .record
        .initiate(&carol.identity, &bundle(&bob), &mut rng)
        .unwrap();
    let pk = send(&mut carol, b"late");
    bob.prekeys.signed.clear();
    assert_eq!(
        recv(&mut bob, &pk, &mut rng),
        Err(SignalError::UnknownSignedPreKey(1))
    );
}

#[test]
fn too_far_ahead_is_refused() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut alice = party(&mut rng, false);
    let mut bob = party(&mut rng, false);
    alice.record = alice
        .record
        .initiate(&alice.identity, &bundle(&bob), &mut rng)
        .unwrap();
    recv(&mut bob, &send(&mut alice, b"a"), &mut rng).unwrap();
    let mut last = None;
    for _ in 0..=ratchet::MAX_FORWARD_JUMPS + 1 {
        last = Some(send(&mut alice, b"z"));
    }
    assert!(matches!(
        recv(&mut bob, &last.unwrap(), &mut rng),
        Err(SignalError::TooFarInFuture { .. })
    ));
}

#[test]
fn simultaneous_initiation_keeps_both_sessions_and_converges() {
    let mut rng = StdRng::seed_from_u64(4);
    let mut alice = party(&mut rng, true);
    let mut bob = party(&mut rng, true);
    alice.record = alice
        .record
        .initiate(&alice.identity, &bundle(&bob), &mut rng)
        .unwrap();
    bob.record = bob
        .record
        .initiate(&bob.identity, &bundle(&alice), &mut rng)
        .unwrap();
    let from_alice = send(&mut alice, b"a1");
    let from_bob = send(&mut bob, b"b1");
    assert_eq!(recv(&mut alice, &from_bob, &mut rng).unwrap(), b"b1");
    assert_eq!(recv(&mut bob, &from_alice, &mut rng).unwrap(), b"a1");
    assert_eq!(alice.record.previous_count(), 1);
    for i in 0..4u8 {
        let m = send(&mut alice, &[i]);
        assert_eq!(recv(&mut bob, &m, &mut rng).unwrap(), [i]);
        let r = send(&mut bob, &[i, i]);
        assert_eq!(recv(&mut alice, &r, &mut rng).unwrap(), [i, i]);
    }
}

#[test]
fn records_roundtrip_and_reject_other_versions() {
    let mut rng = StdRng::seed_from_u64(5);
    let mut alice = party(&mut rng, false);
    let mut bob = party(&mut rng, true);
    alice.record = alice
        .record
        .initiate(&alice.identity, &bundle(&bob), &mut rng)
        .unwrap();
    recv(&mut bob, &send(&mut alice, b"x"), &mut rng).unwrap();
    let bytes = bob.record.to_bytes();
    assert_eq!(SessionRecord::from_bytes(&bytes).unwrap(), bob.record);
    let mut other = bytes.clone();
    other[3] = 9;
    assert_eq!(
        SessionRecord::from_bytes(&other),
        Err(SignalError::RecordVersion {
            what: "session",
            version: 9
        })
    );
    for cut in 0..bytes.len() {
        assert!(SessionRecord::from_bytes(&bytes[..cut]).is_err());
    }
    let mut trailing = bytes;
    trailing.push(0);
    assert!(SessionRecord::from_bytes(&trailing).is_err());
}

#[test]
fn debug_output_has_no_secret_bytes() {
    let mut rng = StdRng::seed_from_u64(6);
    let mut alice = party(&mut rng, false);
    let bob = party(&mut rng, false);
    alice.record = alice
        .record
        .initiate(&alice.identity, &bundle(&bob), &mut rng)
        .unwrap();
    let state = alice.record.current().unwrap();
    let shown = format!("{:?} {:?} {:?}", alice.record, alice.identity, bob.prekeys);
    for secret in [
        hex::encode(state.root_key.as_bytes()),
        hex::encode(state.our_ratchet.private.to_bytes()),
        hex::encode(alice.identity.key_pair.private.to_bytes()),
        hex::encode(bob.prekeys.signed[0].key_pair.private.to_bytes()),
    ] {
        assert!(!shown.contains(&secret[..16]));
    }
    // Debug prints decimal arrays for raw byte arrays: check that form too.
    let root_dec = format!("{:?}", &state.root_key.as_bytes()[..4]);
    assert!(!shown.contains(root_dec.trim_end_matches(']')));
    let sender = SenderKeyRecord::generate_own(&mut rng);
    let skdm = sender.distribution_message().unwrap();
    let shown = format!("{sender:?} {skdm:?}");
    assert!(!shown.contains(
        &format!("{:?}", &skdm.chain_key[..4])
            .trim_end_matches(']')
            .to_string()
    ));
}

#[test]
fn sender_keys_out_of_order_signature_and_bounds() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut sender = SenderKeyRecord::generate_own(&mut rng);
    let skdm =
        SenderKeyDistributionMessage::parse(&sender.distribution_message().unwrap().serialize())
            .unwrap();
    let mut receiver = SenderKeyRecord::new().process_distribution(&skdm);
    let mut sent = Vec::new();
    for i in 0..10u8 {
        let (m, next) = sender.encrypt(&[i; 17]).unwrap();
        sender = next;
        sent.push(m.serialized().to_vec());
    }
    for i in [3usize, 0, 9, 1, 2, 8, 4, 5, 7, 6] {
        let (pt, next) = receiver.decrypt(&sent[i]).unwrap();
        assert_eq!(pt, [i as u8; 17]);
        receiver = next;
    }
    let before = receiver.to_bytes();
    assert!(matches!(
        receiver.decrypt(&sent[4]),
        Err(SignalError::OldCounter { .. })
    ));
    let (m, _) = sender.encrypt(b"tampered").unwrap();
    let mut bad = m.serialized().to_vec();
    bad[3] ^= 1;
    assert!(receiver.decrypt(&bad).is_err());
    let mut bad_sig = m.serialized().to_vec();
    let last = bad_sig.len() - 1;
    bad_sig[last] ^= 1;
    assert_eq!(
        receiver.decrypt(&bad_sig).unwrap_err(),
        SignalError::BadSignature("sender key message")
    );
    // Forged by someone else with the same key id.
    let mut forger =
        SenderKeyRecord::from_own_parts(skdm.key_id, [9; 32], KeyPair::generate(&mut rng));
    forger = forger.advance(20).unwrap();
    let (forged, _) = forger.encrypt(b"forged").unwrap();
    assert_eq!(
        receiver.decrypt(forged.serialized()).unwrap_err(),
        SignalError::BadSignature("sender key message")
    );
    assert_eq!(receiver.to_bytes(), before);
    // Far future.
    let far = sender
        .advance(sender_key::MAX_SENDER_FORWARD_JUMPS + 5)
        .unwrap();
    let (m, _) = far.encrypt(b"far").unwrap();
    assert!(matches!(
        receiver.decrypt(m.serialized()),
        Err(SignalError::TooFarInFuture { .. })
    ));
    // Unknown key id, and the record round-trips.
    assert_eq!(
        SenderKeyRecord::new().decrypt(m.serialized()).unwrap_err(),
        SignalError::NoSenderKey(skdm.key_id)
    );
    assert_eq!(SenderKeyRecord::from_bytes(&before).unwrap(), receiver);
    // A receiver cannot encrypt.
    assert!(receiver.encrypt(b"no").is_err());
}

/// Found by the `signal_session` fuzz target: X25519 ignores a key's top bit, so a replayed
/// `pkmsg` whose base key had that bit flipped matched no session, opened a second one from
/// the same secrets and decrypted again. Non-canonical keys are now refused on parse.
#[test]
fn a_replayed_pkmsg_with_an_aliased_base_key_is_refused() {
    let mut rng = StdRng::seed_from_u64(23);
    let mut alice = party(&mut rng, false);
    let mut bob = party(&mut rng, false);
    alice.record = alice
        .record
        .initiate(&alice.identity, &bundle(&bob), &mut rng)
        .unwrap();
    let first = send(&mut alice, b"once");
    assert_eq!(recv(&mut bob, &first, &mut rng).unwrap(), b"once");
    let Ciphertext::PreKey(p) = &first else {
        unreachable!("the first message of a session is a pkmsg")
    };
    let wire = p.serialized().to_vec();
    let base = serialize_public(&p.base_key);
    let at = wire
        .windows(base.len())
        .position(|w| w == base)
        .expect("the base key is on the wire");
    let mut aliased = wire.clone();
    aliased[at + 32] ^= 0x80;
    let before = bob.record.to_bytes();
    let replay = bob.record.decrypt(
        &bob.identity,
        &bob.prekeys,
        Incoming::PreKey(&aliased),
        &mut rng,
    );
    assert!(
        matches!(replay, Err(SignalError::NonCanonicalKey(_))),
        "{replay:?}"
    );
    assert_eq!(bob.record.to_bytes(), before);
    // The untouched replay is still caught as a repeat of a known session's message.
    assert!(bob
        .record
        .decrypt(
            &bob.identity,
            &bob.prekeys,
            Incoming::PreKey(&wire),
            &mut rng
        )
        .is_err());
}
