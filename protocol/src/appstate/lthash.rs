//! The LTHash ("WhatsApp Patch Integrity", app-state.md §5): a homomorphic set hash, so a
//! collection's hash can be updated per record without rehashing every live record.

use crate::crypto::hmac_sha256::{self, ZERO_SALT};

const INFO: &[u8] = b"WhatsApp Patch Integrity";
/// Bytes of an LTHash.
pub const LTHASH_LEN: usize = 128;

/// A 128-byte LTHash: 64 little-endian u16 lanes added and subtracted with wrap-around.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LtHash(pub [u8; LTHASH_LEN]);

impl Default for LtHash {
    fn default() -> Self {
        LtHash([0; LTHASH_LEN])
    }
}

impl std::fmt::Debug for LtHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LtHash(")?;
        for b in &self.0[..8] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

/// The 128-byte HKDF expansion of one item (no salt).
///
/// Through the keyed-midstate HKDF of `crypto::hmac_sha256`: the zero salt is keyed at compile
/// time and a 32-byte value MAC is one inner block, so an item costs 15 SHA-256 compressions
/// where `hkdf::Hkdf::new(None, ..)` ran 17 (callgrind on the side-by-side `appstate/*` paths;
/// compressions are nearly all of an LTHash update).
pub fn expand_item(item: &[u8]) -> [u8; LTHASH_LEN] {
    let mut out = [0u8; LTHASH_LEN];
    hmac_sha256::hkdf(&ZERO_SALT, item, INFO, &mut out);
    out
}

impl LtHash {
    /// The hash bytes.
    pub fn as_bytes(&self) -> &[u8; LTHASH_LEN] {
        &self.0
    }

    fn pointwise(&mut self, item: &[u8], sub: bool) {
        let e = expand_item(item);
        for (lane, add) in self.0.chunks_exact_mut(2).zip(e.chunks_exact(2)) {
            let a = u16::from_le_bytes([lane[0], lane[1]]);
            let b = u16::from_le_bytes([add[0], add[1]]);
            let r = if sub {
                a.wrapping_sub(b)
            } else {
                a.wrapping_add(b)
            };
            lane.copy_from_slice(&r.to_le_bytes());
        }
    }

    /// Adds one item (a value MAC).
    pub fn add(&mut self, item: &[u8]) {
        self.pointwise(item, false);
    }

    /// Subtracts one item.
    pub fn subtract(&mut self, item: &[u8]) {
        self.pointwise(item, true);
    }

    /// Subtracts every item of `removed`, then adds every item of `added`.
    pub fn subtract_then_add<'a>(
        &mut self,
        removed: impl IntoIterator<Item = &'a [u8]>,
        added: impl IntoIterator<Item = &'a [u8]>,
    ) {
        for r in removed {
            self.subtract(r);
        }
        for a in added {
            self.add(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference(item: &[u8]) -> [u8; LTHASH_LEN] {
        let mut out = [0u8; LTHASH_LEN];
        hkdf::Hkdf::<sha2::Sha256>::new(None, item)
            .expand(INFO, &mut out)
            .unwrap();
        out
    }

    #[test]
    fn expansion_matches_rfc5869_hkdf_at_the_block_edges() {
        for len in [0, 1, 31, 32, 33, 55, 56, 63, 64, 65, 119, 120, 200] {
            let item: Vec<u8> = (0..len).map(|i| (i * 13 + 7) as u8).collect();
            assert_eq!(expand_item(&item), reference(&item), "item of {len} bytes");
        }
    }

    proptest! {
        #[test]
        fn expansion_matches_rfc5869_hkdf(item in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(expand_item(&item), reference(&item));
        }
    }
}
