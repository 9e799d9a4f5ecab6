//! Both libraries' Signal parties built from the same fixed key bytes, and the random bytes
//! each side draws made equal: wacore draws from a seeded `StdRng`, and our side is handed the
//! same bytes (read ahead from a clone of that generator) on a tape.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};
use wa_protocol::crypto::KeyPair;
use wa_protocol::signal::{
    serialize_public, LocalIdentity, PreKey, PreKeyBundle, PreKeySet, SignedPreKey,
};
use wacore_libsignal::protocol::{
    GenericSignedPreKey, IdentityKey, IdentityKeyPair, KeyPair as WKeyPair,
    PreKeyBundle as WBundle, PreKeyRecord, ProtocolAddress, SignedPreKeyRecord, Timestamp,
};

use super::stores::Party;

/// A clamped private scalar from a tag, so both libraries hold the very same secret whether or
/// not they clamp on import.
pub fn secret(tag: u8) -> [u8; 32] {
    let mut s = [0u8; 32];
    for (i, b) in s.iter_mut().enumerate() {
        *b = tag.wrapping_mul(31).wrapping_add(i as u8 * 7);
    }
    s[0] &= 248;
    s[31] &= 127;
    s[31] |= 64;
    s
}

/// Our key pair for `tag`.
pub fn ours_kp(tag: u8) -> KeyPair {
    KeyPair::from_private_bytes(secret(tag))
}

/// wacore's key pair for `tag`: the public half is our derivation, which wacore accepts.
pub fn wacore_kp(tag: u8) -> WKeyPair {
    let ours = ours_kp(tag);
    WKeyPair::from_public_and_private(&serialize_public(&ours.public), &secret(tag))
        .expect("wacore imports the key pair")
}

pub const ALICE_ID: u8 = 1;
pub const BOB_ID: u8 = 2;
pub const BOB_SPK: u8 = 3;
pub const BOB_OPK: u8 = 4;
pub const SIGNING: u8 = 5;
pub const ALICE_REG: u32 = 1111;
pub const BOB_REG: u32 = 2222;
pub const SPK_ID: u32 = 1;
pub const OPK_ID: u32 = 2;

/// Our side's parties and Bob's bundle.
pub struct Ours {
    pub alice: LocalIdentity,
    pub bob: LocalIdentity,
    pub bob_prekeys: PreKeySet,
    pub bundle: PreKeyBundle,
}

/// Ours, from the fixed keys.
pub fn ours() -> Ours {
    let alice = LocalIdentity {
        key_pair: ours_kp(ALICE_ID),
        registration_id: ALICE_REG,
    };
    let bob = LocalIdentity {
        key_pair: ours_kp(BOB_ID),
        registration_id: BOB_REG,
    };
    let spk = SignedPreKey::new(&bob.key_pair, SPK_ID, ours_kp(BOB_SPK));
    let opk = PreKey {
        id: OPK_ID,
        key_pair: ours_kp(BOB_OPK),
    };
    let bundle = PreKeyBundle::for_local(&bob, &spk, Some(&opk));
    Ours {
        alice,
        bob,
        bob_prekeys: PreKeySet {
            signed: vec![spk],
            one_time: vec![opk],
        },
        bundle,
    }
}

fn identity(tag: u8) -> IdentityKeyPair {
    let kp = wacore_kp(tag);
    IdentityKeyPair::new(IdentityKey::new(kp.public_key), kp.private_key)
}

/// wacore's Alice (identity only) and Bob (identity and both prekeys), and Bob's bundle with
/// our signed-prekey signature (XEdDSA verifies any valid signature; ours is deterministic).
pub fn wacore(ours: &Ours) -> (Party, Party, WBundle) {
    let alice = Party::new(identity(ALICE_ID), ALICE_REG);
    let mut bob = Party::new(identity(BOB_ID), BOB_REG);
    let signature = ours.bob_prekeys.signed[0].signature;
    let spk = wacore_kp(BOB_SPK);
    let opk = wacore_kp(BOB_OPK);
    bob.prekeys.prekey = Some((OPK_ID.into(), PreKeyRecord::new(OPK_ID.into(), &opk)));
    bob.signed.signed = Some((
        SPK_ID.into(),
        SignedPreKeyRecord::new(
            SPK_ID.into(),
            Timestamp::from_epoch_millis(0),
            &spk,
            &signature,
        ),
    ));
    let bundle = WBundle::new(
        BOB_REG,
        1.into(),
        Some((OPK_ID.into(), opk.public_key)),
        SPK_ID.into(),
        spk.public_key,
        signature.to_vec(),
        IdentityKey::new(wacore_kp(BOB_ID).public_key),
    )
    .expect("wacore accepts the bundle");
    (alice, bob, bundle)
}

/// The addresses each side's stores are keyed by.
pub fn addresses() -> (ProtocolAddress, ProtocolAddress) {
    (
        ProtocolAddress::new("alice", 1.into()),
        ProtocolAddress::new("bob", 1.into()),
    )
}

/// wacore's generator for draw number `n`.
pub fn wacore_rng(n: u64) -> StdRng {
    StdRng::seed_from_u64(0x5157_0000 + n)
}

/// Our generator for draw number `n`: the bytes wacore's generator `n` yields, in 32-byte
/// draws (one key each), repeated once used up so that timed loops can draw forever.
pub fn ours_rng(n: u64) -> Tape {
    let mut rng = wacore_rng(n);
    let mut bytes = vec![0u8; 32 * 8];
    for chunk in bytes.chunks_mut(32) {
        rng.fill_bytes(chunk);
    }
    Tape { bytes, at: 0 }
}

/// Fixed bytes served in order (and round again): the same draws wacore's generator made.
pub struct Tape {
    bytes: Vec<u8>,
    at: usize,
}

impl rand_core::RngCore for Tape {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            *b = self.bytes[self.at];
            self.at = (self.at + 1) % self.bytes.len();
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for Tape {}
