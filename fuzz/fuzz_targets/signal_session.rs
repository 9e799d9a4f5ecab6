//! A stateful Signal conversation driven by the input: Alice and Bob send, and messages are
//! delivered in any order, twice, or corrupted. Genuine messages reach chain catch-up (skipped
//! keys) and DH ratchet steps with valid MACs, which random bytes never do. Checks: nothing
//! panics; a message delivered once and untouched decrypts to what was sent (or hits the cost
//! budget); a corrupted or repeated one fails and leaves the record as it was.
//!
//! Every run starts from the same conversation already under way (made once): both sides have
//! a session, and messages from both chains are still in flight, so a few input bytes reach
//! old chains, skipped keys and ratchet steps. Each curve multiplication costs more than the
//! rest of a step, so inputs are short and the setup is never repeated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::OnceLock;
use wa_protocol::signal::{
    Incoming, LocalIdentity, PreKeyBundle, PreKeySet, SessionRecord, SignalError, SignedPreKey,
};

/// Longest input read: 12 operations of two bytes.
const MAX_INPUT: usize = 24;

/// One side of the conversation.
#[derive(Clone)]
struct Party {
    identity: LocalIdentity,
    prekeys: PreKeySet,
    record: SessionRecord,
}

/// A message in flight: its bytes, whether it is a `pkmsg`, what it says, whether it arrived.
#[derive(Clone)]
struct Flight {
    to_bob: bool,
    prekey: bool,
    bytes: Vec<u8>,
    plain: Vec<u8>,
    delivered: bool,
}

/// Both parties and everything sent so far.
#[derive(Clone)]
struct World {
    alice: Party,
    bob: Party,
    flights: Vec<Flight>,
    bob_has_session: bool,
}

fn incoming<'a>(f: &Flight, bytes: &'a [u8]) -> Incoming<'a> {
    if f.prekey {
        Incoming::PreKey(bytes)
    } else {
        Incoming::Whisper(bytes)
    }
}

impl World {
    /// Alice, or Bob once he has a session, encrypts a new message.
    fn send(&mut self, from_alice: bool, tag: u8) {
        let from_alice = from_alice || !self.bob_has_session;
        let sender = if from_alice {
            &mut self.alice
        } else {
            &mut self.bob
        };
        let plain = vec![from_alice as u8, tag, self.flights.len() as u8];
        let (msg, next) = sender.record.encrypt(&plain).unwrap();
        sender.record = next;
        self.flights.push(Flight {
            to_bob: from_alice,
            prekey: msg.enc_type() == "pkmsg",
            bytes: msg.serialized().to_vec(),
            plain,
            delivered: false,
        });
    }

    /// Delivers flight `i` (again, if it arrived before), with bit `flip` of byte `at` flipped.
    fn deliver(&mut self, i: usize, flip: Option<(usize, u8)>, rng: &mut StdRng) {
        let f = &self.flights[i];
        let mut bytes = f.bytes.clone();
        if let Some((at, bit)) = flip {
            let at = at % bytes.len();
            bytes[at] ^= 1 << (bit % 8);
        }
        let to = if f.to_bob {
            &mut self.bob
        } else {
            &mut self.alice
        };
        let before = to.record.to_bytes();
        let result = to
            .record
            .decrypt(&to.identity, &to.prekeys, incoming(f, &bytes), rng);
        match result {
            Ok(done) => {
                // A flip in an unauthenticated field the receiver ignores may still pass; it
                // must then be the genuine message, and its first delivery.
                assert!(!f.delivered, "a repeated message decrypted");
                assert_eq!(done.plaintext, f.plain, "wrong plaintext");
                to.record = done.record;
                if f.to_bob {
                    self.bob_has_session = true;
                }
                self.flights[i].delivered = true;
            }
            Err(SignalError::DecryptBudget { .. }) => {
                assert_eq!(to.record.to_bytes(), before, "the budget changed state");
            }
            Err(_) => {
                assert!(
                    f.delivered || flip.is_some(),
                    "a genuine first delivery failed"
                );
                assert_eq!(to.record.to_bytes(), before, "a failure changed state");
            }
        }
    }
}

/// The conversation every run starts from: Alice sent three messages on her first chain and
/// Bob read the first; Bob answered twice on a new ratchet and Alice read the first; Alice
/// answered once on her second ratchet. Four messages are in flight.
fn start() -> &'static World {
    static START: OnceLock<World> = OnceLock::new();
    START.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(7);
        let alice_id = LocalIdentity::generate(&mut rng);
        let bob_id = LocalIdentity::generate(&mut rng);
        let spk = SignedPreKey::generate(&bob_id.key_pair, 1, &mut rng);
        let bundle = PreKeyBundle::for_local(&bob_id, &spk, None);
        let mut world = World {
            alice: Party {
                record: SessionRecord::new()
                    .initiate(&alice_id, &bundle, &mut rng)
                    .unwrap(),
                identity: alice_id,
                prekeys: PreKeySet::default(),
            },
            bob: Party {
                identity: bob_id,
                prekeys: PreKeySet {
                    signed: vec![spk],
                    one_time: Vec::new(),
                },
                record: SessionRecord::new(),
            },
            flights: Vec::new(),
            bob_has_session: false,
        };
        for tag in 0..3 {
            world.send(true, tag);
        }
        world.deliver(0, None, &mut rng);
        world.send(false, 3);
        world.send(false, 4);
        world.deliver(3, None, &mut rng);
        world.send(true, 5);
        world
    })
}

fuzz_target!(|data: &[u8]| {
    let data = &data[..data.len().min(MAX_INPUT)];
    let mut rng = StdRng::seed_from_u64(7);
    let mut world = start().clone();
    for pair in data.chunks(2) {
        let (op, arg) = (pair[0], pair.get(1).copied().unwrap_or(0));
        let i = arg as usize % world.flights.len();
        match op % 4 {
            0 | 1 => world.send(op % 4 == 0, arg),
            2 => world.deliver(i, None, &mut rng),
            _ => world.deliver(
                i,
                Some((arg as usize * 7 + (op >> 2) as usize, op >> 5)),
                &mut rng,
            ),
        }
    }
});
