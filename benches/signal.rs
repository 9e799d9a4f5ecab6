//! Signal benchmarks: key generation, XEdDSA, session establishment, 1:1 encrypt/decrypt (first
//! and later messages), group encrypt/decrypt, and forged `msg`s against a full record (the
//! cost a peer can impose per message: the issue-11 target is under 1 ms).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use prost::Message as _;
use rand::rngs::StdRng;
use rand::SeedableRng;
use wa_actors::protocol::crypto::KeyPair;
use wa_actors::protocol::signal::{
    Incoming, LocalIdentity, PreKey, PreKeyBundle, PreKeySet, SenderKeyRecord, SessionRecord,
    SignalError, SignedPreKey, VERSION_BYTE,
};

/// A realistic plaintext: a padded text message of about 100 bytes.
const PLAINTEXT: &[u8] = &[0x42; 100];

struct Pair {
    alice: LocalIdentity,
    bob: LocalIdentity,
    bob_prekeys: PreKeySet,
    bundle: PreKeyBundle,
}

fn pair(rng: &mut StdRng) -> Pair {
    let alice = LocalIdentity::generate(rng);
    let bob = LocalIdentity::generate(rng);
    let spk = SignedPreKey::generate(&bob.key_pair, 1, rng);
    let opk = PreKey::generate(2, rng);
    let bundle = PreKeyBundle::for_local(&bob, &spk, Some(&opk));
    Pair {
        alice,
        bob,
        bob_prekeys: PreKeySet {
            signed: vec![spk],
            one_time: vec![opk],
        },
        bundle,
    }
}

fn keys(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(1);
    c.bench_function("signal/keygen/keypair", |b| {
        b.iter(|| KeyPair::generate(&mut rng))
    });
    let identity = KeyPair::generate(&mut rng);
    c.bench_function("signal/keygen/signed_prekey", |b| {
        b.iter(|| SignedPreKey::generate(&identity, 1, &mut rng))
    });
    let msg = [7u8; 33];
    c.bench_function("signal/xeddsa/sign", |b| {
        b.iter(|| identity.private.sign(black_box(&msg)))
    });
    let sig = identity.private.sign(&msg);
    c.bench_function("signal/xeddsa/verify", |b| {
        b.iter(|| identity.public.verify(black_box(&msg), black_box(&sig)))
    });
}

fn sessions(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(2);
    let p = pair(&mut rng);
    c.bench_function("signal/session/initiate", |b| {
        b.iter(|| {
            SessionRecord::new()
                .initiate(&p.alice, black_box(&p.bundle), &mut rng)
                .unwrap()
        })
    });
    let alice = SessionRecord::new()
        .initiate(&p.alice, &p.bundle, &mut rng)
        .unwrap();
    c.bench_function("signal/dm/encrypt_first_pkmsg", |b| {
        b.iter(|| alice.encrypt(black_box(PLAINTEXT)).unwrap())
    });
    let (first, alice) = alice.encrypt(PLAINTEXT).unwrap();
    c.bench_function("signal/dm/decrypt_first_pkmsg", |b| {
        b.iter(|| {
            SessionRecord::new()
                .decrypt(
                    &p.bob,
                    &p.bob_prekeys,
                    Incoming::PreKey(black_box(first.serialized())),
                    &mut rng,
                )
                .unwrap()
        })
    });
    let bob = SessionRecord::new()
        .decrypt(
            &p.bob,
            &p.bob_prekeys,
            Incoming::PreKey(first.serialized()),
            &mut rng,
        )
        .unwrap()
        .record;
    let (reply, bob) = bob.encrypt(PLAINTEXT).unwrap();
    let alice = alice
        .decrypt(
            &p.alice,
            &PreKeySet::default(),
            Incoming::Whisper(reply.serialized()),
            &mut rng,
        )
        .unwrap()
        .record;
    c.bench_function("signal/dm/encrypt_subsequent", |b| {
        b.iter(|| alice.encrypt(black_box(PLAINTEXT)).unwrap())
    });
    let (next, alice) = alice.encrypt(PLAINTEXT).unwrap();
    c.bench_function("signal/dm/decrypt_subsequent_with_ratchet_step", |b| {
        b.iter(|| {
            bob.decrypt(
                &p.bob,
                &p.bob_prekeys,
                Incoming::Whisper(black_box(next.serialized())),
                &mut rng,
            )
            .unwrap()
        })
    });
    let (next2, _) = alice.encrypt(PLAINTEXT).unwrap();
    let bob = bob
        .decrypt(
            &p.bob,
            &p.bob_prekeys,
            Incoming::Whisper(next.serialized()),
            &mut rng,
        )
        .unwrap()
        .record;
    c.bench_function("signal/dm/decrypt_subsequent_same_chain", |b| {
        b.iter(|| {
            bob.decrypt(
                &p.bob,
                &p.bob_prekeys,
                Incoming::Whisper(black_box(next2.serialized())),
                &mut rng,
            )
            .unwrap()
        })
    });
    c.bench_function("signal/dm/record_roundtrip_bytes", |b| {
        b.iter(|| SessionRecord::from_bytes(&black_box(&bob).to_bytes()).unwrap())
    });
}

fn groups(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(3);
    let sender = SenderKeyRecord::generate_own(&mut rng);
    let receiver =
        SenderKeyRecord::new().process_distribution(&sender.distribution_message().unwrap());
    c.bench_function("signal/group/encrypt", |b| {
        b.iter(|| sender.encrypt(black_box(PLAINTEXT)).unwrap())
    });
    let (msg, _) = sender.encrypt(PLAINTEXT).unwrap();
    c.bench_function("signal/group/decrypt", |b| {
        b.iter_batched(
            || msg.serialized().to_vec(),
            |bytes| receiver.decrypt(&bytes).unwrap(),
            BatchSize::SmallInput,
        )
    });
}

/// A 68-byte `msg` with a fresh ratchet key, the given counters and a MAC nobody can match.
fn forged_msg(rng: &mut StdRng, counter: u32, previous_counter: u32) -> Vec<u8> {
    let ratchet = KeyPair::generate(rng).public;
    let mut key = vec![0x05];
    key.extend_from_slice(ratchet.as_bytes());
    let proto = wa_actors::proto::signal::SignalMessage {
        ratchet_key: Some(key),
        counter: Some(counter),
        previous_counter: Some(previous_counter),
        ciphertext: Some(vec![0; 16]),
    };
    let mut out = vec![VERSION_BYTE];
    out.extend(proto.encode_to_vec());
    out.extend_from_slice(&[0xA5; 8]);
    out
}

fn forged(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(4);
    let alice = LocalIdentity::generate(&mut rng);
    let bob = LocalIdentity::generate(&mut rng);
    let spk = SignedPreKey::generate(&bob.key_pair, 1, &mut rng);
    let bundle = PreKeyBundle::for_local(&bob, &spk, None);
    let prekeys = PreKeySet {
        signed: vec![spk],
        one_time: Vec::new(),
    };
    // Bob's record: the current session and 40 archived ones, all from Alice, each used both
    // ways so that every session has chains to fill.
    let mut bob_record = SessionRecord::new();
    for _ in 0..41 {
        let mut a = SessionRecord::new()
            .initiate(&alice, &bundle, &mut rng)
            .unwrap();
        let (first, next) = a.encrypt(PLAINTEXT).unwrap();
        a = next;
        let d = bob_record
            .decrypt(
                &bob,
                &prekeys,
                Incoming::PreKey(first.serialized()),
                &mut rng,
            )
            .unwrap();
        let (reply, next) = d.record.encrypt(PLAINTEXT).unwrap();
        bob_record = next;
        a = a
            .decrypt(
                &alice,
                &PreKeySet::default(),
                Incoming::Whisper(reply.serialized()),
                &mut rng,
            )
            .unwrap()
            .record;
        let (third, _) = a.encrypt(PLAINTEXT).unwrap();
        bob_record = bob_record
            .decrypt(
                &bob,
                &prekeys,
                Incoming::Whisper(third.serialized()),
                &mut rng,
            )
            .unwrap()
            .record;
    }
    assert_eq!(bob_record.previous_count(), 40);
    // Counters that spend the whole per-message budget on the current session's two chains,
    // and small ones that make every allowed ratchet step cheap.
    for (name, counter, previous) in [("fills_budget", 499, 500), ("small_counters", 0, 0)] {
        let bytes = forged_msg(&mut rng, counter, previous);
        assert!(matches!(
            bob_record.decrypt(&bob, &prekeys, Incoming::Whisper(&bytes), &mut rng),
            Err(SignalError::BadMac)
        ));
        c.bench_function(
            &format!("signal/forged/{name}_{}_bytes_41_sessions", bytes.len()),
            |b| {
                b.iter(|| {
                    bob_record
                        .decrypt(
                            &bob,
                            &prekeys,
                            Incoming::Whisper(black_box(&bytes)),
                            &mut rng,
                        )
                        .unwrap_err()
                })
            },
        );
    }
}

criterion_group!(benches, keys, sessions, groups, forged);
criterion_main!(benches);
