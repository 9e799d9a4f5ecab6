//! HMAC-SHA256 (RFC 2104) and HKDF-SHA256 (RFC 5869) over keyed midstates.
//!
//! A key's two padded blocks are absorbed once ([`HmacKey`]) and every MAC under that key starts
//! from the saved states, so MACs that share a key (the two halves of a chain step, the blocks
//! of an HKDF expand) pay the key schedule once, and the constant zero salt of Signal's HKDF
//! extracts is keyed at compile time. A MAC over at most 55 bytes is one inner and one outer
//! compression, written straight into the padded block.

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::sha256::{compress, compress_portable, compress_words, state_bytes, words32, BLOCK, IV};

const IPAD: u8 = 0x36;
const OPAD: u8 = 0x5c;
const IPAD_WORD: u32 = 0x3636_3636;
const OPAD_WORD: u32 = 0x5c5c_5c5c;
/// The outer hash input: a key block and a 32-byte inner digest, in bits.
const OUTER_BITS: u32 = ((BLOCK + 32) * 8) as u32;

/// The inner and outer SHA-256 states of an HMAC key (secret: they stand for the key).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct HmacKey {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacKey(<redacted>)")
    }
}

/// The key block XORed with `pad`, for a key of at most one block.
const fn padded(key: &[u8], pad: u8) -> [u8; BLOCK] {
    let mut block = [pad; BLOCK];
    let mut i = 0;
    while i < key.len() {
        block[i] ^= key[i];
        i += 1;
    }
    block
}

/// The key of the HKDF extracts with no salt (RFC 5869: a hash-length run of zeros).
pub(crate) static ZERO_SALT: HmacKey = HmacKey::new_const(&[0u8; 32]);

impl HmacKey {
    /// Keys `key`; a key longer than a block is hashed first, as RFC 2104 says.
    pub(crate) fn new(key: &[u8]) -> Self {
        if let Ok(key) = <&[u8; 32]>::try_from(key) {
            return Self::new32(key);
        }
        if key.len() > BLOCK {
            let mut digest = Sha256::new_at(IV, 0).chain(key).finish();
            let keyed = Self::from_block_key(&digest);
            digest.zeroize();
            return keyed;
        }
        Self::from_block_key(key)
    }

    /// Keys a 32-byte key (every Signal key), its blocks built as words: half of each is the
    /// constant pad, which the portable compression folds.
    pub(crate) fn new32(key: &[u8; 32]) -> Self {
        let k = words32(key);
        let block = |pad: u32| -> [u32; 16] {
            core::array::from_fn(|i| if i < 8 { k[i] ^ pad } else { pad })
        };
        let mut inner = IV;
        let mut words = block(IPAD_WORD);
        compress_words(&mut inner, &words);
        let mut outer = IV;
        words = block(OPAD_WORD);
        compress_words(&mut outer, &words);
        words.zeroize();
        Self { inner, outer }
    }

    fn from_block_key(key: &[u8]) -> Self {
        let mut inner_block = padded(key, IPAD);
        let mut outer_block = padded(key, OPAD);
        let mut inner = IV;
        compress(&mut inner, &inner_block);
        let mut outer = IV;
        compress(&mut outer, &outer_block);
        inner_block.zeroize();
        outer_block.zeroize();
        Self { inner, outer }
    }

    /// [`HmacKey::new`] at compile time, for constant keys of at most one block.
    const fn new_const(key: &[u8]) -> Self {
        assert!(key.len() <= BLOCK);
        Self {
            inner: compress_portable(IV, &padded(key, IPAD)),
            outer: compress_portable(IV, &padded(key, OPAD)),
        }
    }

    /// HMAC of the concatenation of `parts`.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut inner = Sha256::new_at(self.inner, BLOCK as u64);
        for part in parts {
            inner.update(part);
        }
        let digest = inner.finish_state();
        self.outer(digest)
    }

    /// HMAC of a message of at most 55 bytes, given as `parts` (one inner block).
    pub(crate) fn mac_short(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut block = [0u8; BLOCK];
        let mut len = 0;
        for part in parts {
            block[len..len + part.len()].copy_from_slice(part);
            len += part.len();
        }
        debug_assert!(len <= BLOCK - 9);
        block[len] = 0x80;
        let bits = ((BLOCK + len) * 8) as u64;
        block[BLOCK - 8..].copy_from_slice(&bits.to_be_bytes());
        let mut state = self.inner;
        compress(&mut state, &block);
        block.zeroize();
        self.outer(state)
    }

    /// HMAC of a 32-byte message (HKDF extracts from a chain seed): its block is laid out like
    /// the outer one, half constant.
    pub(crate) fn mac32(&self, msg: &[u8; 32]) -> [u8; 32] {
        let mut words = [0u32; 16];
        words[..8].copy_from_slice(&words32(msg));
        words[8] = 0x8000_0000;
        words[15] = OUTER_BITS;
        let mut state = self.inner;
        compress_words(&mut state, &words);
        words.zeroize();
        self.outer(state)
    }

    /// HMAC of the one-byte message `byte` (the chain step's constants): its block is all
    /// constant but one word.
    pub(crate) fn mac_byte(&self, byte: u8) -> [u8; 32] {
        let mut words = [0u32; 16];
        words[0] = (u32::from(byte) << 24) | 0x0080_0000;
        words[15] = ((BLOCK + 1) * 8) as u32;
        let mut state = self.inner;
        compress_words(&mut state, &words);
        self.outer(state)
    }

    /// The outer hash over an inner digest (as its state words): always exactly one padded
    /// block, half of it constant.
    #[inline]
    fn outer(&self, mut inner_state: [u32; 8]) -> [u8; 32] {
        let mut words = [0u32; 16];
        words[..8].copy_from_slice(&inner_state);
        words[8] = 0x8000_0000;
        words[15] = OUTER_BITS;
        let mut state = self.outer;
        compress_words(&mut state, &words);
        inner_state.zeroize();
        words.zeroize();
        let out = state_bytes(&state);
        state.zeroize();
        out
    }
}

/// A streaming SHA-256 from a midstate that has absorbed `absorbed` bytes.
struct Sha256 {
    state: [u32; 8],
    buf: [u8; BLOCK],
    buf_len: usize,
    total: u64,
}

impl Sha256 {
    fn new_at(state: [u32; 8], absorbed: u64) -> Self {
        Self {
            state,
            buf: [0; BLOCK],
            buf_len: 0,
            total: absorbed,
        }
    }

    fn chain(mut self, data: &[u8]) -> Self {
        self.update(data);
        self
    }

    fn update(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        if self.buf_len > 0 {
            let take = (BLOCK - self.buf_len).min(data.len());
            self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
            self.buf_len += take;
            data = &data[take..];
            if self.buf_len < BLOCK {
                return;
            }
            compress(&mut self.state, &self.buf);
            self.buf_len = 0;
        }
        let mut blocks = data.chunks_exact(BLOCK);
        for block in &mut blocks {
            // `chunks_exact` yields exactly BLOCK bytes, so the conversion cannot fail.
            if let Ok(block) = <&[u8; BLOCK]>::try_from(block) {
                compress(&mut self.state, block);
            }
        }
        let rest = blocks.remainder();
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    fn finish(self) -> [u8; 32] {
        state_bytes(&self.finish_state())
    }

    /// The final state words (the digest before its byte encoding).
    fn finish_state(mut self) -> [u32; 8] {
        let bits = self.total.wrapping_mul(8);
        let n = self.buf_len;
        self.buf[n] = 0x80;
        self.buf[n + 1..].fill(0);
        if n + 1 > BLOCK - 8 {
            compress(&mut self.state, &self.buf);
            self.buf.fill(0);
        }
        self.buf[BLOCK - 8..].copy_from_slice(&bits.to_be_bytes());
        compress(&mut self.state, &self.buf);
        self.state
    }
}

impl Drop for Sha256 {
    fn drop(&mut self) {
        // The inner hash of a MAC holds keyed state and secret input.
        self.state.zeroize();
        self.buf.zeroize();
    }
}

/// HKDF-SHA256 (extract with `salt`, expand with `info`) into `out`, at most 255 blocks (all
/// our sizes are fixed and far below).
pub(crate) fn hkdf(salt: &HmacKey, ikm: &[u8], info: &[u8], out: &mut [u8]) {
    let mut prk = if let Ok(ikm) = <&[u8; 32]>::try_from(ikm) {
        salt.mac32(ikm)
    } else if ikm.len() < BLOCK - 8 {
        salt.mac_short(&[ikm])
    } else {
        salt.mac(&[ikm])
    };
    expand(&HmacKey::new(&prk), info, out);
    prk.zeroize();
}

/// HKDF-Expand: `T(i) = HMAC(prk, T(i-1) ‖ info ‖ i)`, concatenated into `out`.
pub(crate) fn expand(prk: &HmacKey, info: &[u8], out: &mut [u8]) {
    let mut previous = [0u8; 32];
    for (i, chunk) in out.chunks_mut(32).enumerate() {
        // 255 blocks at most; the sizes we ask for are a few blocks.
        let counter = [(i + 1) as u8];
        let prev: &[u8] = if i == 0 { &[] } else { &previous };
        let short = prev.len() + info.len() < BLOCK - 9;
        previous = if short {
            prk.mac_short(&[prev, info, &counter])
        } else {
            prk.mac(&[prev, info, &counter])
        };
        chunk.copy_from_slice(&previous[..chunk.len()]);
    }
    previous.zeroize();
}

#[cfg(test)]
#[path = "hmac_sha256_tests.rs"]
mod tests;
