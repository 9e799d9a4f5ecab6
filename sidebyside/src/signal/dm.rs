//! 1:1 paths: the same conversation run by each library from the same keys and random bytes
//! (Alice's `pkmsg`, Bob's reply, Alice's `msg` after a ratchet turn, one more on that chain),
//! checked for byte-equal messages and for each library decrypting the other's.

use std::hint::black_box;

use wa_protocol::signal::{Incoming, PreKeySet, SessionRecord};

use super::parties::{self, addresses, ours_rng, wacore_rng};
use super::stores::Party;
use super::wacore_ops as w;
use super::PLAINTEXT;
use crate::Path;

/// One side's conversation: the messages, and each party's state before the step a path times.
struct Conversation<A, B> {
    first: Vec<u8>,
    reply: Vec<u8>,
    m1: Vec<u8>,
    m2: Vec<u8>,
    /// Alice on an established chain (answered, no pending prekey).
    alice_established: A,
    /// Bob with no session, before the `pkmsg`.
    bob_fresh: B,
    /// Bob before `m1`, which turns the ratchet.
    bob_before_turn: B,
    /// Bob before `m2`, the next message on the chain `m1` opened.
    bob_on_chain: B,
}

/// Random draws, numbered the same on both sides: Alice's base and ratchet keys, Alice's new
/// ratchet key when Bob's reply arrives, Bob's when `m1` arrives.
const DRAW_INITIATE: u64 = 1;
const DRAW_ALICE_TURN: u64 = 2;
const DRAW_BOB_TURN: u64 = 3;
const DRAW_FIRST: u64 = 4;

fn ours_conversation(o: &parties::Ours) -> Conversation<SessionRecord, SessionRecord> {
    let none = PreKeySet::default();
    let a = SessionRecord::new()
        .initiate(&o.alice, &o.bundle, &mut ours_rng(DRAW_INITIATE))
        .expect("ours initiates");
    let (first, a) = a.encrypt(PLAINTEXT).unwrap();
    let first = first.serialized().to_vec();
    let bob_fresh = SessionRecord::new();
    let b = bob_fresh
        .decrypt(
            &o.bob,
            &o.bob_prekeys,
            Incoming::PreKey(&first),
            &mut ours_rng(DRAW_FIRST),
        )
        .unwrap()
        .record;
    let (reply, bob_before_turn) = b.encrypt(PLAINTEXT).unwrap();
    let reply = reply.serialized().to_vec();
    let a = a
        .decrypt(
            &o.alice,
            &none,
            Incoming::Whisper(&reply),
            &mut ours_rng(DRAW_ALICE_TURN),
        )
        .unwrap()
        .record;
    let (m1, a) = a.encrypt(PLAINTEXT).unwrap();
    let m1 = m1.serialized().to_vec();
    let bob_on_chain = bob_before_turn
        .decrypt(
            &o.bob,
            &o.bob_prekeys,
            Incoming::Whisper(&m1),
            &mut ours_rng(DRAW_BOB_TURN),
        )
        .unwrap()
        .record;
    let (m2, alice_established) = a.encrypt(PLAINTEXT).unwrap();
    Conversation {
        first,
        reply,
        m1,
        m2: m2.serialized().to_vec(),
        alice_established,
        bob_fresh,
        bob_before_turn,
        bob_on_chain,
    }
}

fn wacore_conversation(o: &parties::Ours) -> Conversation<Party, Party> {
    let (mut alice, mut bob, bundle) = parties::wacore(o);
    let (alice_at, bob_at) = addresses();
    w::initiate(&mut alice, &bob_at, &bundle, &mut wacore_rng(DRAW_INITIATE));
    let first = w::encrypt(&mut alice, &bob_at, PLAINTEXT);
    let bob_fresh = bob.frozen();
    w::decrypt(
        &mut bob,
        &alice_at,
        &first,
        true,
        &mut wacore_rng(DRAW_FIRST),
    );
    let reply = w::encrypt(&mut bob, &alice_at, PLAINTEXT);
    let bob_before_turn = bob.frozen();
    w::decrypt(
        &mut alice,
        &bob_at,
        &reply,
        false,
        &mut wacore_rng(DRAW_ALICE_TURN),
    );
    let m1 = w::encrypt(&mut alice, &bob_at, PLAINTEXT);
    w::decrypt(
        &mut bob,
        &alice_at,
        &m1,
        false,
        &mut wacore_rng(DRAW_BOB_TURN),
    );
    let bob_on_chain = bob.frozen();
    let m2 = w::encrypt(&mut alice, &bob_at, PLAINTEXT);
    Conversation {
        first,
        reply,
        m1,
        m2,
        alice_established: alice.frozen(),
        bob_fresh,
        bob_before_turn,
        bob_on_chain,
    }
}

/// Each library's Bob decrypts the other library's Alice, and each Alice the other Bob's
/// reply, through the whole conversation; panics on the first disagreement.
fn cross_check(o: &parties::Ours) {
    let (alice_at, bob_at) = addresses();
    let none = PreKeySet::default();
    // Our Alice, wacore's Bob.
    let (_, mut wb, _) = parties::wacore(o);
    let a = SessionRecord::new()
        .initiate(&o.alice, &o.bundle, &mut ours_rng(10))
        .unwrap();
    let (first, a) = a.encrypt(PLAINTEXT).unwrap();
    let got = w::decrypt(
        &mut wb,
        &alice_at,
        first.serialized(),
        true,
        &mut wacore_rng(11),
    );
    assert_eq!(got, PLAINTEXT, "wacore's Bob reads our pkmsg");
    let reply = w::encrypt(&mut wb, &alice_at, PLAINTEXT);
    let d = a
        .decrypt(
            &o.alice,
            &none,
            Incoming::Whisper(&reply),
            &mut ours_rng(12),
        )
        .expect("our Alice reads wacore's reply");
    assert_eq!(d.plaintext, PLAINTEXT);
    let mut a = d.record;
    for i in 0..3 {
        let (m, next) = a.encrypt(PLAINTEXT).unwrap();
        a = next;
        let got = w::decrypt(
            &mut wb,
            &alice_at,
            m.serialized(),
            false,
            &mut wacore_rng(13),
        );
        assert_eq!(got, PLAINTEXT, "wacore's Bob reads our msg {i}");
    }
    // wacore's Alice, our Bob.
    let (mut wa, _, bundle) = parties::wacore(o);
    w::initiate(&mut wa, &bob_at, &bundle, &mut wacore_rng(20));
    let first = w::encrypt(&mut wa, &bob_at, PLAINTEXT);
    let d = SessionRecord::new()
        .decrypt(
            &o.bob,
            &o.bob_prekeys,
            Incoming::PreKey(&first),
            &mut ours_rng(21),
        )
        .expect("our Bob reads wacore's pkmsg");
    assert_eq!(d.plaintext, PLAINTEXT);
    let (reply, mut b) = d.record.encrypt(PLAINTEXT).unwrap();
    let got = w::decrypt(
        &mut wa,
        &bob_at,
        reply.serialized(),
        false,
        &mut wacore_rng(22),
    );
    assert_eq!(got, PLAINTEXT, "wacore's Alice reads our reply");
    for i in 0..3 {
        let m = w::encrypt(&mut wa, &bob_at, PLAINTEXT);
        let d = b
            .decrypt(
                &o.bob,
                &o.bob_prekeys,
                Incoming::Whisper(&m),
                &mut ours_rng(23),
            )
            .unwrap_or_else(|e| panic!("our Bob reads wacore's msg {i}: {e}"));
        assert_eq!(d.plaintext, PLAINTEXT);
        b = d.record;
    }
}

/// Compares the two conversations message by message; returns whether all were byte-equal.
fn byte_equal<A, B, C, D>(ours: &Conversation<A, B>, theirs: &Conversation<C, D>) -> bool {
    let mut all = true;
    for (what, a, b) in [
        ("pkmsg", &ours.first, &theirs.first),
        ("reply", &ours.reply, &theirs.reply),
        ("m1", &ours.m1, &theirs.m1),
        ("m2", &ours.m2, &theirs.m2),
    ] {
        if a != b {
            eprintln!(
                "note: signal: {what} differs in bytes ({} vs {} B)",
                a.len(),
                b.len()
            );
            all = false;
        }
    }
    all
}

/// The 1:1 paths; with `check`, first the cross-library conversation and byte comparison.
pub fn paths(check: bool) -> Vec<Path> {
    let o = parties::ours();
    let ours = ours_conversation(&o);
    let theirs = wacore_conversation(&o);
    if check {
        cross_check(&o);
        assert!(
            byte_equal(&ours, &theirs),
            "same keys and draws, so every 1:1 message should be byte-equal"
        );
    }
    let o: &'static parties::Ours = Box::leak(Box::new(o));
    let ours: &'static Conversation<SessionRecord, SessionRecord> = Box::leak(Box::new(ours));
    let (alice_at, bob_at) = addresses();
    let mut out = Vec::new();

    // Every decrypt below reads the same bytes on both sides (they are byte-equal, checked).
    let mut rng = ours_rng(DRAW_FIRST);
    let mut theirs_bob = theirs.bob_fresh.clone();
    let (at, first) = (alice_at.clone(), ours.first.clone());
    let mut wrng = wacore_rng(DRAW_FIRST);
    out.push(Path {
        name: "signal/session_from_pkmsg".into(),
        ours: Box::new(move || {
            // The load (a copy, as wacore's cache hit), then the decrypt in place.
            let mut record = ours.bob_fresh.clone();
            let r = record
                .decrypt_in_place(
                    &o.bob,
                    &o.bob_prekeys,
                    Incoming::PreKey(black_box(&ours.first)),
                    &mut rng,
                )
                .unwrap();
            black_box((r, record));
        }),
        theirs: Box::new(move || {
            black_box(w::decrypt(
                &mut theirs_bob,
                &at,
                black_box(&first),
                true,
                &mut wrng,
            ));
        }),
    });

    let mut rng = ours_rng(DRAW_BOB_TURN);
    let mut theirs_bob = theirs.bob_before_turn.clone();
    let at = alice_at.clone();
    let mut wrng = wacore_rng(DRAW_BOB_TURN);
    out.push(Path {
        name: "signal/ratchet_turn".into(),
        ours: Box::new(move || {
            // The load (a copy, as wacore's cache hit), then the decrypt in place.
            let mut record = ours.bob_before_turn.clone();
            let r = record
                .decrypt_in_place(
                    &o.bob,
                    &o.bob_prekeys,
                    Incoming::Whisper(black_box(&ours.m1)),
                    &mut rng,
                )
                .unwrap();
            black_box((r, record));
        }),
        theirs: Box::new(move || {
            black_box(w::decrypt(
                &mut theirs_bob,
                &at,
                black_box(&ours.m1),
                false,
                &mut wrng,
            ));
        }),
    });

    let mut rng = ours_rng(DRAW_BOB_TURN);
    let mut theirs_bob = theirs.bob_on_chain.clone();
    let at = alice_at.clone();
    let mut wrng = wacore_rng(DRAW_BOB_TURN);
    out.push(Path {
        name: "signal/dm_decrypt".into(),
        ours: Box::new(move || {
            // The load (a copy, as wacore's cache hit), then the decrypt in place.
            let mut record = ours.bob_on_chain.clone();
            let r = record
                .decrypt_in_place(
                    &o.bob,
                    &o.bob_prekeys,
                    Incoming::Whisper(black_box(&ours.m2)),
                    &mut rng,
                )
                .unwrap();
            black_box((r, record));
        }),
        theirs: Box::new(move || {
            black_box(w::decrypt(
                &mut theirs_bob,
                &at,
                black_box(&ours.m2),
                false,
                &mut wrng,
            ));
        }),
    });

    let mut theirs_alice = theirs.alice_established;
    out.push(Path {
        name: "signal/dm_encrypt".into(),
        ours: Box::new(move || {
            let mut record = ours.alice_established.clone();
            let m = record.encrypt_in_place(black_box(PLAINTEXT)).unwrap();
            black_box((m, record));
        }),
        theirs: Box::new(move || {
            black_box(w::encrypt(&mut theirs_alice, &bob_at, black_box(PLAINTEXT)));
        }),
    });
    out
}
