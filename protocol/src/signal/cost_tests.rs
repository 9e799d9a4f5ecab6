//! The work a `msg` can make us do is bounded: derivations, ratchet steps and sessions tried are
//! counted through [`DecryptCost`] (deterministic), for forged and for genuine messages.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::budget::Budget;
use super::session::MAX_PREVIOUS_SESSIONS;
use super::*;
use crate::crypto::{KeyPair, PublicKey};

struct Party {
    identity: LocalIdentity,
    prekeys: PreKeySet,
    record: SessionRecord,
}

fn party(rng: &mut StdRng) -> Party {
    let identity = LocalIdentity::generate(rng);
    let signed = vec![SignedPreKey::generate(&identity.key_pair, 1, rng)];
    Party {
        identity,
        prekeys: PreKeySet {
            signed,
            one_time: Vec::new(),
        },
        record: SessionRecord::new(),
    }
}

fn bundle(p: &Party) -> PreKeyBundle {
    PreKeyBundle::for_local(&p.identity, &p.prekeys.signed[0], None)
}

fn send(from: &mut Party, pt: &[u8]) -> Ciphertext {
    let (ct, record) = from.record.encrypt(pt).unwrap();
    from.record = record;
    ct
}

fn incoming(ct: &Ciphertext) -> Incoming<'_> {
    match ct {
        Ciphertext::PreKey(m) => Incoming::PreKey(m.serialized()),
        Ciphertext::Whisper(m) => Incoming::Whisper(m.serialized()),
    }
}

fn recv_cost(
    to: &mut Party,
    ct: &Ciphertext,
    rng: &mut StdRng,
) -> (Result<Vec<u8>, SignalError>, DecryptCost) {
    let (result, cost) = to
        .record
        .decrypt_with_cost(&to.identity, &to.prekeys, incoming(ct), rng);
    let out = result.map(|d| {
        to.record = d.record;
        d.plaintext
    });
    (out, cost)
}

fn recv(to: &mut Party, ct: &Ciphertext, rng: &mut StdRng) -> Vec<u8> {
    recv_cost(to, ct, rng).0.unwrap()
}

/// Bob holding a current session and `archived` previous ones, all from Alice, each used both
/// ways so every session has receiving and sending chains.
fn bob_with_sessions(archived: usize, rng: &mut StdRng) -> (Party, Party) {
    let mut alice = party(rng);
    let mut bob = party(rng);
    for _ in 0..=archived {
        alice.record = alice
            .record
            .initiate(&alice.identity, &bundle(&bob), rng)
            .unwrap();
        recv(&mut bob, &send(&mut alice, b"hi"), rng);
        recv(&mut alice, &send(&mut bob, b"yo"), rng);
        recv(&mut bob, &send(&mut alice, b"ok"), rng);
    }
    assert_eq!(bob.record.previous_count(), archived);
    (alice, bob)
}

/// A `msg` with a valid layout and a MAC made with a key nobody holds.
fn forged(
    ratchet_key: PublicKey,
    counter: u32,
    previous_counter: u32,
    rng: &mut StdRng,
) -> Vec<u8> {
    let nobody = KeyPair::generate(rng).public;
    WhisperMessage::build(
        &[0x5a; 32],
        &nobody,
        &nobody,
        ratchet_key,
        counter,
        previous_counter,
        vec![0; 16],
    )
    .serialized()
    .to_vec()
}

fn try_forged(bob: &Party, bytes: &[u8], rng: &mut StdRng) -> (SignalError, DecryptCost) {
    let before = bob.record.to_bytes();
    let (result, cost) =
        bob.record
            .decrypt_with_cost(&bob.identity, &bob.prekeys, Incoming::Whisper(bytes), rng);
    assert_eq!(
        bob.record.to_bytes(),
        before,
        "a failed decrypt changed the record"
    );
    (result.unwrap_err(), cost)
}

#[test]
fn forged_messages_against_41_sessions_stay_within_the_caps() {
    let mut rng = StdRng::seed_from_u64(11);
    let (_alice, bob) = bob_with_sessions(MAX_PREVIOUS_SESSIONS, &mut rng);
    let current_key = bob
        .record
        .current()
        .unwrap()
        .receiving
        .last()
        .unwrap()
        .ratchet_key;
    let archived_key = bob.record.previous_sessions()[30]
        .receiving
        .last()
        .unwrap()
        .ratchet_key;
    let fresh = KeyPair::generate(&mut rng).public;
    let most_steps = 1 + ARCHIVED_RATCHET_ATTEMPTS as u32;
    let shapes = [
        (fresh, 0, 0),
        (fresh, 999, 999),
        (fresh, 500, 499),
        (fresh, 0, 999),
        (fresh, 1000, 998),
        (fresh, 1999, 0),
        (fresh, 0, 1999),
        (fresh, 1999, 1999),
        (fresh, u32::MAX - 1, u32::MAX - 1),
        (current_key, 1999, 0),
        (current_key, 1000, 1000),
        (archived_key, 1998, 0),
    ];
    let mut worst = 0;
    for (key, counter, previous) in shapes {
        let (err, cost) = try_forged(&bob, &forged(key, counter, previous, &mut rng), &mut rng);
        assert!(
            matches!(
                err,
                SignalError::BadMac
                    | SignalError::DecryptBudget { .. }
                    | SignalError::TooFarInFuture { .. }
            ),
            "{counter}/{previous}: {err:?}"
        );
        assert!(cost.derivations <= MAX_DECRYPT_DERIVATIONS, "{cost:?}");
        assert!(cost.ratchet_steps <= most_steps, "{cost:?}");
        // Known-key sessions (at most one here) plus the ratchet attempts.
        assert!(cost.sessions_tried <= most_steps + 1, "{cost:?}");
        worst = worst.max(cost.derivations);
    }
    // The budget really is what binds a forger who picks counters to fill it.
    assert!(worst > MAX_DECRYPT_DERIVATIONS / 2, "worst {worst}");
}

#[test]
fn a_new_ratchet_key_is_tried_with_a_step_on_few_sessions_only() {
    let mut rng = StdRng::seed_from_u64(12);
    let (_alice, bob) = bob_with_sessions(MAX_PREVIOUS_SESSIONS, &mut rng);
    let fresh = KeyPair::generate(&mut rng).public;
    let (err, cost) = try_forged(&bob, &forged(fresh, 0, 0, &mut rng), &mut rng);
    assert_eq!(err, SignalError::BadMac);
    let expected = 1 + ARCHIVED_RATCHET_ATTEMPTS as u32;
    assert_eq!(cost.ratchet_steps, expected);
    assert_eq!(cost.sessions_tried, expected);
    // One key on each new chain, plus filling each old chain up to counter 0 (already there).
    assert_eq!(cost.derivations, expected);
}

#[test]
fn a_message_whose_cost_exceeds_the_budget_is_refused_before_any_work() {
    let mut rng = StdRng::seed_from_u64(13);
    let fresh = KeyPair::generate(&mut rng).public;
    let (_alice, bob) = bob_with_sessions(0, &mut rng);
    let state = bob.record.current().unwrap();
    // Bob's open receiving chain is at index 1 ("hi" then "ok" came on two chains, each once).
    let open = state.receiving.last().unwrap().chain.next;
    let previous = MAX_DECRYPT_DERIVATIONS;
    let (err, cost) = try_forged(&bob, &forged(fresh, 10, previous, &mut rng), &mut rng);
    assert_eq!(
        err,
        SignalError::DecryptBudget {
            needed: u64::from(previous + 1 - open) + 11,
            remaining: MAX_DECRYPT_DERIVATIONS,
        }
    );
    assert_eq!(cost.derivations, 0);
    assert_eq!(cost.ratchet_steps, 0);
}

#[test]
fn genuine_gaps_up_to_the_budget_decrypt_and_count_exactly() {
    let mut rng = StdRng::seed_from_u64(14);
    let mut alice = party(&mut rng);
    let mut bob = party(&mut rng);
    alice.record = alice
        .record
        .initiate(&alice.identity, &bundle(&bob), &mut rng)
        .unwrap();
    recv(&mut bob, &send(&mut alice, b"0"), &mut rng);
    // `lost` messages lost on Alice's first chain (counters 1..=lost).
    let lost = MAX_DECRYPT_DERIVATIONS / 2;
    for _ in 0..lost {
        send(&mut alice, b"lost");
    }
    recv(&mut alice, &send(&mut bob, b"reply"), &mut rng);
    // Then more lost on her second chain (counters from 0).
    let fits = lost - 100;
    let too_many = lost + 50;
    let mut second_chain = Vec::new();
    for _ in 0..=too_many {
        second_chain.push(send(&mut alice, b"late"));
    }
    let (err, cost) = recv_cost(&mut bob, &second_chain[too_many as usize], &mut rng);
    assert_eq!(
        err.unwrap_err(),
        SignalError::DecryptBudget {
            needed: u64::from(lost + too_many + 1),
            remaining: MAX_DECRYPT_DERIVATIONS
        }
    );
    assert_eq!(cost.derivations, 0);
    let (pt, cost) = recv_cost(&mut bob, &second_chain[fits as usize], &mut rng);
    assert_eq!(pt.unwrap(), b"late");
    assert_eq!(
        cost,
        DecryptCost {
            derivations: lost + fits + 1,
            ratchet_steps: 1,
            sessions_tried: 1
        }
    );
    // The skipped keys were kept: earlier messages on both chains now cost nothing to derive.
    let (pt, cost) = recv_cost(&mut bob, &second_chain[3], &mut rng);
    assert_eq!(pt.unwrap(), b"late");
    assert_eq!(cost.derivations, 0);
}

#[test]
fn a_late_message_on_an_archived_session_is_found_by_its_ratchet_key() {
    let mut rng = StdRng::seed_from_u64(15);
    let (mut alice, mut bob) = bob_with_sessions(3, &mut rng);
    let held_back = send(&mut alice, b"late");
    // Alice starts over twice more; the held-back message's session is now archived deep down.
    for _ in 0..2 {
        alice.record = alice
            .record
            .initiate(&alice.identity, &bundle(&bob), &mut rng)
            .unwrap();
        recv(&mut bob, &send(&mut alice, b"new"), &mut rng);
    }
    let (pt, cost) = recv_cost(&mut bob, &held_back, &mut rng);
    assert_eq!(pt.unwrap(), b"late");
    assert_eq!(cost.ratchet_steps, 0);
    assert_eq!(cost.sessions_tried, 1);
    assert_eq!(cost.derivations, 1);
}

#[test]
fn chain_counters_never_wrap() {
    let mut rng = StdRng::seed_from_u64(16);
    let (mut alice, mut bob) = bob_with_sessions(0, &mut rng);
    // Relabel both ends of Alice's current sending chain just below the maximum: chain keys do
    // not depend on the index, so the two ends stay in step.
    let top = u32::MAX - 2;
    alice
        .record
        .current_mut()
        .unwrap()
        .sending
        .as_mut()
        .unwrap()
        .next = top;
    bob.record
        .current_mut()
        .unwrap()
        .receiving
        .last_mut()
        .unwrap()
        .chain
        .next = top;
    let m = send(&mut alice, b"last but one");
    assert_eq!(recv(&mut bob, &m, &mut rng), b"last but one");
    let m = send(&mut alice, b"last");
    assert_eq!(recv(&mut bob, &m, &mut rng), b"last");
    // The sending chain is at u32::MAX: the next message is refused, not sent with counter 0.
    let before = alice.record.clone();
    assert_eq!(
        alice.record.encrypt(b"x").unwrap_err(),
        SignalError::CounterOverflow
    );
    assert_eq!(alice.record, before);
    // A message naming the maximum counter is refused before any derivation.
    let key = bob
        .record
        .current()
        .unwrap()
        .receiving
        .last()
        .unwrap()
        .ratchet_key;
    let (err, cost) = try_forged(&bob, &forged(key, u32::MAX, 0, &mut rng), &mut rng);
    assert_eq!(err, SignalError::CounterOverflow);
    assert_eq!(cost.derivations, 0);
    // And the budget type itself does not overflow when asked for more than a u32 holds.
    assert!(Budget::new(MAX_DECRYPT_DERIVATIONS)
        .check(u64::from(u32::MAX) + 5)
        .is_err());
}

#[test]
fn a_repeated_pkmsg_of_an_archived_session_is_promoted() {
    let mut rng = StdRng::seed_from_u64(17);
    let mut alice = party(&mut rng);
    let mut bob = party(&mut rng);
    alice.record = alice
        .record
        .initiate(&alice.identity, &bundle(&bob), &mut rng)
        .unwrap();
    let first = send(&mut alice, b"one");
    let held_back = send(&mut alice, b"two");
    assert_eq!(held_back.enc_type(), "pkmsg");
    recv(&mut bob, &first, &mut rng);
    let mut alice2 = Party {
        identity: alice.identity.clone(),
        prekeys: PreKeySet::default(),
        record: alice
            .record
            .initiate(&alice.identity, &bundle(&bob), &mut rng)
            .unwrap(),
    };
    recv(&mut bob, &send(&mut alice2, b"fresh"), &mut rng);
    assert_eq!(bob.record.previous_count(), 1);
    let (pt, cost) = recv_cost(&mut bob, &held_back, &mut rng);
    assert_eq!(pt.unwrap(), b"two");
    assert_eq!(cost.sessions_tried, 1);
    assert_eq!(cost.ratchet_steps, 0);
    assert_eq!(bob.record.previous_count(), 1);
    // The held-back message's session is current again; the newer one is archived.
    let Ciphertext::PreKey(p) = &held_back else {
        unreachable!("checked above")
    };
    assert_eq!(bob.record.current().unwrap().base_key, p.base_key);
    assert_ne!(bob.record.previous_sessions()[0].base_key, p.base_key);
}
