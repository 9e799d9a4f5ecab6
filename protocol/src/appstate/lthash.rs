//! The LTHash ("WhatsApp Patch Integrity", app-state.md §5): a homomorphic set hash, so a
//! collection's hash can be updated per record without rehashing every live record.

use hkdf::Hkdf;
use sha2::Sha256;

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

/// The 128-byte HKDF expansion of one item.
pub fn expand_item(item: &[u8]) -> [u8; LTHASH_LEN] {
    let mut out = [0u8; LTHASH_LEN];
    Hkdf::<Sha256>::new(None, item)
        .expand(INFO, &mut out)
        .expect("128 bytes is under HKDF-SHA256's limit");
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
