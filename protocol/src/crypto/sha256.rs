//! The SHA-256 compression function (FIPS 180-4) under the HMAC and HKDF of the Signal paths
//! (`hmac_sha256.rs`).
//!
//! On x86 CPUs with the SHA extensions it is `sha2`'s (which uses them); elsewhere it is the
//! unrolled function below. `sha2` 0.10's portable backend emulates the SHA-NI message-schedule
//! instructions on four-lane arrays: ~3480 instructions per block under callgrind against
//! ~2950 here (and ~2500-2900 for the partly constant blocks HMAC builds as words), and
//! compressions are ~90% of a 1:1 Signal message. The function is a `const fn` so that fixed
//! HMAC keys (the zero salt of HKDF) are keyed at compile time.

/// Round constants: the first 32 bits of the fractional parts of the cube roots of the first
/// 64 primes (FIPS 180-4, section 4.2.2).
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// Initial hash value (FIPS 180-4, section 5.3.3).
pub(crate) const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Block length in bytes.
pub(crate) const BLOCK: usize = 64;

/// Absorbs one 64-byte block into `state`.
#[inline]
pub(crate) fn compress(state: &mut [u32; 8], block: &[u8; BLOCK]) {
    if has_sha_extensions() {
        sha2::compress256(state, core::slice::from_ref(block.into()));
    } else {
        *state = compress_portable(*state, block);
    }
}

/// Absorbs one block given as its sixteen big-endian words. Inlined, so that a block whose
/// words are partly constant (HMAC's key blocks, the outer block, a one-byte message) has the
/// rounds and schedule those constants feed folded by the compiler on the portable route.
#[inline(always)]
pub(crate) fn compress_words(state: &mut [u32; 8], words: &[u32; 16]) {
    if has_sha_extensions() {
        let mut block = [0u8; BLOCK];
        for (chunk, word) in block.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        sha2::compress256(state, core::slice::from_ref((&block).into()));
    } else {
        *state = rounds(*state, *words);
    }
}

/// Tests set this to run the portable route on a CPU with SHA extensions. Both routes give the
/// same bytes, so other tests running meanwhile are unaffected.
#[cfg(test)]
#[cfg_attr(
    not(any(target_arch = "x86", target_arch = "x86_64")),
    allow(dead_code) // the portable route is the only one there
)]
pub(crate) static FORCE_PORTABLE: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn has_sha_extensions() -> bool {
    #[cfg(test)]
    if FORCE_PORTABLE.load(std::sync::atomic::Ordering::Relaxed) {
        return false;
    }
    // The same features `sha2` checks before its SHA-NI path; std caches the answer.
    std::arch::is_x86_feature_detected!("sha")
        && std::arch::is_x86_feature_detected!("sse2")
        && std::arch::is_x86_feature_detected!("ssse3")
        && std::arch::is_x86_feature_detected!("sse4.1")
}

#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
fn has_sha_extensions() -> bool {
    // Without its `asm` features (not enabled here), `sha2` 0.10 has only its portable backend
    // on other targets, aarch64 included, so ours is the faster one there.
    false
}

/// Σ1(e) = ROTR⁶ ⊕ ROTR¹¹ ⊕ ROTR²⁵, as nested rotations: one copy of `e` instead of three.
#[inline(always)]
const fn big_sigma1(e: u32) -> u32 {
    ((e.rotate_right(14) ^ e).rotate_right(5) ^ e).rotate_right(6)
}

/// Σ0(a) = ROTR² ⊕ ROTR¹³ ⊕ ROTR²², nested the same way.
#[inline(always)]
const fn big_sigma0(a: u32) -> u32 {
    ((a.rotate_right(9) ^ a).rotate_right(11) ^ a).rotate_right(2)
}

/// σ0(x) = ROTR⁷ ⊕ ROTR¹⁸ ⊕ SHR³.
#[inline(always)]
const fn small_sigma0(x: u32) -> u32 {
    x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
}

/// σ1(x) = ROTR¹⁷ ⊕ ROTR¹⁹ ⊕ SHR¹⁰.
#[inline(always)]
const fn small_sigma1(x: u32) -> u32 {
    x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
}

/// One round on the working variables named in rotated order. `ab` is `a ^ b` of this
/// round, which is `b ^ c` of the next: Maj(a, b, c) = ((a ^ b) & (b ^ c)) ^ b.
macro_rules! round {
    ($w:expr, $i:expr, $bc:ident, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident,
     $g:ident, $h:ident) => {
        let t1 = $h
            .wrapping_add(big_sigma1($e))
            .wrapping_add((($f ^ $g) & $e) ^ $g)
            .wrapping_add(K[$i])
            .wrapping_add($w);
        let ab = $a ^ $b;
        let t2 = big_sigma0($a).wrapping_add((ab & $bc) ^ $b);
        $d = $d.wrapping_add(t1);
        $h = t1.wrapping_add(t2);
        $bc = ab;
    };
}

/// Schedule word `i` for rounds 0..16: the block itself.
macro_rules! word {
    ($w:ident, $i:expr) => {
        $w[($i) % 16]
    };
}

/// Schedule word `i` for rounds 16..64, computed in place over word `i - 16` just before its
/// round (W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]). Every index is a constant, so
/// the words stay where the register allocator put them.
macro_rules! sched {
    ($w:ident, $i:expr) => {{
        $w[($i) % 16] = $w[($i) % 16]
            .wrapping_add(small_sigma1($w[($i + 14) % 16]))
            .wrapping_add($w[($i + 9) % 16])
            .wrapping_add(small_sigma0($w[($i + 1) % 16]));
        $w[($i) % 16]
    }};
}

/// Eight rounds starting at `$i`, rotating the variable names so no value is moved; `$word`
/// is `word` or `sched`.
macro_rules! eight_rounds {
    ($word:ident, $w:ident, $i:expr, $bc:ident, $a:ident, $b:ident, $c:ident, $d:ident,
     $e:ident, $f:ident, $g:ident, $h:ident) => {
        round!($word!($w, $i), $i, $bc, $a, $b, $c, $d, $e, $f, $g, $h);
        round!(
            $word!($w, $i + 1),
            $i + 1,
            $bc,
            $h,
            $a,
            $b,
            $c,
            $d,
            $e,
            $f,
            $g
        );
        round!(
            $word!($w, $i + 2),
            $i + 2,
            $bc,
            $g,
            $h,
            $a,
            $b,
            $c,
            $d,
            $e,
            $f
        );
        round!(
            $word!($w, $i + 3),
            $i + 3,
            $bc,
            $f,
            $g,
            $h,
            $a,
            $b,
            $c,
            $d,
            $e
        );
        round!(
            $word!($w, $i + 4),
            $i + 4,
            $bc,
            $e,
            $f,
            $g,
            $h,
            $a,
            $b,
            $c,
            $d
        );
        round!(
            $word!($w, $i + 5),
            $i + 5,
            $bc,
            $d,
            $e,
            $f,
            $g,
            $h,
            $a,
            $b,
            $c
        );
        round!(
            $word!($w, $i + 6),
            $i + 6,
            $bc,
            $c,
            $d,
            $e,
            $f,
            $g,
            $h,
            $a,
            $b
        );
        round!(
            $word!($w, $i + 7),
            $i + 7,
            $bc,
            $b,
            $c,
            $d,
            $e,
            $f,
            $g,
            $h,
            $a
        );
    };
}

/// The portable compression function of a block in bytes.
pub(crate) const fn compress_portable(state: [u32; 8], block: &[u8; BLOCK]) -> [u32; 8] {
    let mut w = [0u32; 16];
    let mut t = 0;
    while t < 16 {
        w[t] = u32::from_be_bytes([
            block[4 * t],
            block[4 * t + 1],
            block[4 * t + 2],
            block[4 * t + 3],
        ]);
        t += 1;
    }
    rounds(state, w)
}

/// FIPS 180-4 section 6.2.2 on one block's words, rounds fully unrolled.
#[inline(always)]
const fn rounds(state: [u32; 8], mut w: [u32; 16]) -> [u32; 8] {
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = state;
    let mut bc = b ^ c;
    eight_rounds!(word, w, 0, bc, a, b, c, d, e, f, g, h);
    eight_rounds!(word, w, 8, bc, a, b, c, d, e, f, g, h);
    eight_rounds!(sched, w, 16, bc, a, b, c, d, e, f, g, h);
    eight_rounds!(sched, w, 24, bc, a, b, c, d, e, f, g, h);
    eight_rounds!(sched, w, 32, bc, a, b, c, d, e, f, g, h);
    eight_rounds!(sched, w, 40, bc, a, b, c, d, e, f, g, h);
    eight_rounds!(sched, w, 48, bc, a, b, c, d, e, f, g, h);
    eight_rounds!(sched, w, 56, bc, a, b, c, d, e, f, g, h);
    // The last round's `a ^ b` has no next round to read it.
    let _ = bc;
    [
        state[0].wrapping_add(a),
        state[1].wrapping_add(b),
        state[2].wrapping_add(c),
        state[3].wrapping_add(d),
        state[4].wrapping_add(e),
        state[5].wrapping_add(f),
        state[6].wrapping_add(g),
        state[7].wrapping_add(h),
    ]
}

/// The big-endian words of a 32-byte value.
#[inline]
pub(crate) fn words32(bytes: &[u8; 32]) -> [u32; 8] {
    core::array::from_fn(|i| {
        u32::from_be_bytes([
            bytes[4 * i],
            bytes[4 * i + 1],
            bytes[4 * i + 2],
            bytes[4 * i + 3],
        ])
    })
}

/// The big-endian bytes of a state (the digest, once the padding is absorbed).
#[inline]
pub(crate) fn state_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}
