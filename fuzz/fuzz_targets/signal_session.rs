//! A stateful Signal conversation driven by the input: Alice and Bob send, and messages are
//! delivered in any order, twice, or corrupted. Genuine messages reach chain catch-up (skipped
//! keys) and DH ratchet steps with valid MACs, which random bytes never do. Checks: nothing
//! panics; a message delivered once and untouched decrypts to what was sent (or hits the cost
//! budget); a corrupted or repeated one fails and leaves the record as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand::rngs::StdRng;
use rand::SeedableRng;
use wa_protocol::signal::{
    Incoming, LocalIdentity, PreKeyBundle, PreKeySet, SessionRecord, SignalError, SignedPreKey,
};

/// One side of the conversation.
struct Party {
    identity: LocalIdentity,
    prekeys: PreKeySet,
    record: SessionRecord,
}

/// A message in flight: its bytes, whether it is a `pkmsg`, what it says, whether it arrived.
struct Flight {
    to_bob: bool,
    prekey: bool,
    bytes: Vec<u8>,
    plain: Vec<u8>,
    delivered: bool,
}

fn incoming<'a>(f: &Flight, bytes: &'a [u8]) -> Incoming<'a> {
    if f.prekey {
        Incoming::PreKey(bytes)
    } else {
        Incoming::Whisper(bytes)
    }
}

fuzz_target!(|data: &[u8]| {
    // Bounded work per input.
    let data = &data[..data.len().min(256)];
    let mut rng = StdRng::seed_from_u64(7);
    let alice_id = LocalIdentity::generate(&mut rng);
    let bob_id = LocalIdentity::generate(&mut rng);
    let spk = SignedPreKey::generate(&bob_id.key_pair, 1, &mut rng);
    let bundle = PreKeyBundle::for_local(&bob_id, &spk, None);
    let mut alice = Party {
        record: SessionRecord::new().initiate(&alice_id, &bundle, &mut rng).unwrap(),
        identity: alice_id,
        prekeys: PreKeySet::default(),
    };
    let mut bob = Party {
        identity: bob_id,
        prekeys: PreKeySet {
            signed: vec![spk],
            one_time: Vec::new(),
        },
        record: SessionRecord::new(),
    };
    let mut flights: Vec<Flight> = Vec::new();
    let mut bob_has_session = false;
    let mut ops = data.iter();
    while let Some(&op) = ops.next() {
        let arg = ops.next().copied().unwrap_or(0) as usize;
        match op % 4 {
            // Alice or Bob sends (Bob only once he has a session).
            0 | 1 => {
                let from_alice = op % 4 == 0 || !bob_has_session;
                let sender = if from_alice { &mut alice } else { &mut bob };
                let plain = vec![op, arg as u8, flights.len() as u8];
                let (msg, next) = sender.record.encrypt(&plain).unwrap();
                sender.record = next;
                flights.push(Flight {
                    to_bob: from_alice,
                    prekey: msg.enc_type() == "pkmsg",
                    bytes: msg.serialized().to_vec(),
                    plain,
                    delivered: false,
                });
            }
            // Deliver a message (again, if it was delivered before).
            2 if !flights.is_empty() => {
                let i = arg % flights.len();
                let f = &flights[i];
                let to = if f.to_bob { &mut bob } else { &mut alice };
                let before = to.record.to_bytes();
                let result = to.record.decrypt(
                    &to.identity,
                    &to.prekeys,
                    incoming(f, &f.bytes),
                    &mut rng,
                );
                match result {
                    Ok(done) => {
                        assert!(!f.delivered, "a repeated message decrypted");
                        assert_eq!(done.plaintext, f.plain, "wrong plaintext");
                        to.record = done.record;
                        if f.to_bob {
                            bob_has_session = true;
                        }
                        flights[i].delivered = true;
                    }
                    Err(SignalError::DecryptBudget { .. }) => {
                        assert_eq!(to.record.to_bytes(), before);
                    }
                    Err(_) => {
                        assert!(f.delivered, "a genuine first delivery failed");
                        assert_eq!(to.record.to_bytes(), before, "a failure changed state");
                    }
                }
            }
            // Deliver a corrupted copy: it must fail and change nothing.
            3 if !flights.is_empty() => {
                let i = arg % flights.len();
                let f = &flights[i];
                let mut bytes = f.bytes.clone();
                let at = (arg * 7) % bytes.len();
                bytes[at] ^= 1 << (arg % 8);
                let to = if f.to_bob { &mut bob } else { &mut alice };
                let before = to.record.to_bytes();
                if let Ok(done) =
                    to.record
                        .decrypt(&to.identity, &to.prekeys, incoming(f, &bytes), &mut rng)
                {
                    // A flip in an unauthenticated field the receiver ignores may still pass;
                    // it must then be the genuine message.
                    assert_eq!(done.plaintext, f.plain);
                    assert!(!f.delivered);
                    to.record = done.record;
                    flights[i].delivered = true;
                } else {
                    assert_eq!(to.record.to_bytes(), before, "a failure changed state");
                }
            }
            _ => {}
        }
    }
});
