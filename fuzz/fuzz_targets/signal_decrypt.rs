//! `SessionRecord::decrypt_with_cost` on arbitrary `msg` / `pkmsg` bytes against a record with
//! a current and several archived sessions: must never panic, and the work counted must stay
//! within the per-message caps whatever the bytes claim.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rand::rngs::StdRng;
use rand::SeedableRng;
use wa_protocol::signal::{
    Incoming, LocalIdentity, PreKey, PreKeyBundle, PreKeySet, SessionRecord, SignedPreKey,
    ARCHIVED_RATCHET_ATTEMPTS, MAX_DECRYPT_DERIVATIONS,
};

struct Bob {
    identity: LocalIdentity,
    prekeys: PreKeySet,
    record: SessionRecord,
}

/// Bob with a current session and three archived ones from Alice, each used both ways.
fn bob() -> &'static Bob {
    static BOB: OnceLock<Bob> = OnceLock::new();
    BOB.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(1);
        let alice = LocalIdentity::generate(&mut rng);
        let identity = LocalIdentity::generate(&mut rng);
        let spk = SignedPreKey::generate(&identity.key_pair, 1, &mut rng);
        let opk = PreKey::generate(2, &mut rng);
        let bundle = PreKeyBundle::for_local(&identity, &spk, None);
        let prekeys = PreKeySet {
            signed: vec![spk],
            one_time: vec![opk],
        };
        let mut record = SessionRecord::new();
        for _ in 0..4 {
            let a = SessionRecord::new()
                .initiate(&alice, &bundle, &mut rng)
                .unwrap();
            let (first, a) = a.encrypt(b"hi").unwrap();
            let d = record
                .decrypt(
                    &identity,
                    &prekeys,
                    Incoming::PreKey(first.serialized()),
                    &mut rng,
                )
                .unwrap();
            let (reply, next) = d.record.encrypt(b"yo").unwrap();
            record = next;
            let none = PreKeySet::default();
            let a = a
                .decrypt(
                    &alice,
                    &none,
                    Incoming::Whisper(reply.serialized()),
                    &mut rng,
                )
                .unwrap()
                .record;
            let (third, _) = a.encrypt(b"ok").unwrap();
            record = record
                .decrypt(
                    &identity,
                    &prekeys,
                    Incoming::Whisper(third.serialized()),
                    &mut rng,
                )
                .unwrap()
                .record;
        }
        Bob {
            identity,
            prekeys,
            record,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    let bob = bob();
    let incoming = if kind & 1 == 0 {
        Incoming::Whisper(bytes)
    } else {
        Incoming::PreKey(bytes)
    };
    let mut rng = StdRng::seed_from_u64(u64::from(kind));
    let (_, cost) = bob
        .record
        .decrypt_with_cost(&bob.identity, &bob.prekeys, incoming, &mut rng);
    assert!(cost.derivations <= MAX_DECRYPT_DERIVATIONS, "{cost:?}");
    assert!(
        cost.ratchet_steps <= 1 + ARCHIVED_RATCHET_ATTEMPTS as u32,
        "{cost:?}"
    );
});
