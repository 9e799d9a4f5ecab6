//! String → token for the encoder: an open-addressing table keyed by a few whole-word reads.
//!
//! Callgrind on the `ack` corpus node put half of the encoder's instructions in the lookup
//! through a `HashMap` (FNV-1a over every byte, then a SwissTable probe and a `memcmp`). This
//! table hashes at most two 8-byte words, keeps each slot's string length next to its code so
//! that most mismatches are refused without touching the string, and keeps the cheap filters
//! (lengths, first and last bytes) in front for the non-tokens an encoder mostly sees.

use std::cell::Cell;
use std::sync::OnceLock;

use super::tokens::{Token, DOUBLE_BYTE, SINGLE_BYTE};

/// Slots (a power of two): about three per token, so probes are short.
const BITS: u32 = 12;
const SLOTS: usize = 1 << BITS;

/// The token strings and, in each non-empty slot, `code | len << 16` (code: the single byte,
/// or `256 * (dict + 1) + index`; never 0, so 0 marks an empty slot).
struct Index {
    slots: Box<[u32; SLOTS]>,
    max_len: usize,
    /// First bytes of the tokens of each length (lengths from 63 up share the last set): a
    /// JID user or an id of digits is refused here, as no token that long starts with one.
    first: [[u64; 4]; 64],
    last: [u64; 4],
}

fn has(set: &[u64; 4], b: u8) -> bool {
    set[usize::from(b >> 6)] & (1u64 << (b & 63)) != 0
}

fn add(set: &mut [u64; 4], b: u8) {
    set[usize::from(b >> 6)] |= 1u64 << (b & 63);
}

fn word<const N: usize>(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w[..N].copy_from_slice(&b[..N]);
    u64::from_le_bytes(w)
}

/// The slot a string of 1 or more bytes hashes to; reads the first and last bytes as words.
#[inline]
fn home(b: &[u8]) -> usize {
    let len = b.len();
    let (lo, hi) = if len >= 8 {
        (word::<8>(b), word::<8>(&b[len - 8..]))
    } else if len >= 4 {
        (word::<4>(b), word::<4>(&b[len - 4..]))
    } else {
        let (f, m, l) = (b[0], b[len / 2], b[len - 1]);
        (u64::from(f) | u64::from(m) << 8 | u64::from(l) << 16, 0)
    };
    let h = (lo.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ hi.rotate_left(31) ^ len as u64)
        .wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    (h >> (64 - BITS)) as usize
}

fn code_str(code: u32) -> &'static str {
    let found = match code {
        1..=255 => SINGLE_BYTE.get(code as usize),
        _ => DOUBLE_BYTE
            .get((code / 256) as usize - 1)
            .and_then(|d| d.get((code % 256) as usize)),
    };
    found.copied().unwrap_or("")
}

fn token(code: u32) -> Token {
    if code < 256 {
        Token::Single(code as u8)
    } else {
        Token::Double {
            dict: (code / 256 - 1) as u8,
            index: (code % 256) as u8,
        }
    }
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = Index {
            slots: Box::new([0; SLOTS]),
            max_len: 0,
            first: [[0; 4]; 64],
            last: [0; 4],
        };
        let singles = (1..SINGLE_BYTE.len() as u32).map(|code| (code, SINGLE_BYTE[code as usize]));
        let doubles = DOUBLE_BYTE.iter().enumerate().flat_map(|(d, tokens)| {
            tokens
                .iter()
                .enumerate()
                .map(move |(i, t)| (256 * (d as u32 + 1) + i as u32, *t))
        });
        for (code, t) in singles.chain(doubles) {
            let b = t.as_bytes();
            let (Some(&f), Some(&l)) = (b.first(), b.last()) else {
                continue;
            };
            index.max_len = index.max_len.max(b.len());
            add(&mut index.first[b.len().min(63)], f);
            add(&mut index.last, l);
            let mut at = home(b);
            // Fewer tokens than slots, so an empty slot is always found.
            while index.slots[at] != 0 {
                at = (at + 1) % SLOTS;
            }
            // Token lengths are under 64 KiB (the longest is a few dozen bytes).
            index.slots[at] = code | (b.len() as u32) << 16;
        }
        index
    })
}

/// The token for `s`, if it is in the dictionary (never for the empty string).
pub(crate) fn lookup(s: &str) -> Option<Token> {
    let index = index();
    let b = s.as_bytes();
    let (&first, &last) = (b.first()?, b.last()?);
    if b.len() > index.max_len
        || !has(&index.first[b.len().min(63)], first)
        || !has(&index.last, last)
    {
        return None;
    }
    let want = (b.len() as u32) << 16;
    let mut at = home(b);
    loop {
        let slot = index.slots[at];
        if slot == 0 {
            return None;
        }
        if slot & 0xFFFF_0000 == want && code_str(slot & 0xFFFF).as_bytes() == b {
            return Some(token(slot & 0xFFFF));
        }
        at = (at + 1) % SLOTS;
    }
}

/// Memo slots of [`lookup_static`]: sets of two, so that two literals whose addresses hash
/// alike do not evict each other on every node (a build where `ack`'s strings collided spent
/// a sixth of its encode in the table lookup).
const MEMO: usize = 128;
const SETS: usize = MEMO / 2;

/// [`lookup`] for a string that lives as long as the program, memoised by its address.
///
/// Most tags, keys and values an encoder sees are literals of the code building the node, or
/// tokens the decoder borrowed from the dictionary: the same few dozen `&'static str`s over and
/// over. Their bytes never change, so the answer for an address and length stays right forever
/// and a hit costs two compares instead of a hash and a string compare (callgrind: the lookup
/// was the encoder's largest cost). The memo is per thread, so it needs no locking.
#[inline]
pub(crate) fn lookup_static(s: &'static str) -> Option<Token> {
    let addr = s.as_ptr() as usize;
    let set = (addr ^ addr >> 7 ^ s.len()) % SETS;
    let hit = SEEN.with(|seen| {
        // The second entry is read only when the first misses: reading both on every hit
        // cost usync's 10 000 lookups 6 instructions each.
        let first = seen[2 * set].get();
        if first.0 == addr && first.1 == s.len() {
            return Some(first.2);
        }
        let second = seen[2 * set + 1].get();
        (second.0 == addr && second.1 == s.len()).then_some(second.2)
    });
    match hit {
        // Code 0 (never a token's) records "not a token".
        Some(code) => (code != 0).then(|| token(code)),
        None => remember(s, set),
    }
}

thread_local! {
    /// Address, length and token code (0: none) of recently looked-up static strings.
    static SEEN: [Cell<(usize, usize, u32)>; MEMO] =
        const { [const { Cell::new((0, 0, 0)) }; MEMO] };
}

/// Looks `s` up and keeps the answer first in its set, the set's other entry moving second.
#[cold]
#[inline(never)]
fn remember(s: &'static str, set: usize) -> Option<Token> {
    let found = lookup(s);
    let code = match found {
        Some(Token::Single(i)) => u32::from(i),
        Some(Token::Double { dict, index }) => 256 * (u32::from(dict) + 1) + u32::from(index),
        None => 0,
    };
    SEEN.with(|seen| {
        seen[2 * set + 1].set(seen[2 * set].get());
        seen[2 * set].set((s.as_ptr() as usize, s.len(), code));
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_stay_short() {
        // The slowest hit walks only a few slots past its home (measured: a table that
        // clusters would show here before it shows in a profile).
        let index = index();
        let mut worst = 0;
        for at in 0..SLOTS {
            let slot = index.slots[at];
            if slot != 0 {
                let home = home(code_str(slot & 0xFFFF).as_bytes());
                worst = worst.max((at + SLOTS - home) % SLOTS);
            }
        }
        assert!(worst < 16, "longest probe {worst}");
    }

    #[test]
    fn the_memo_answers_like_the_table() {
        let strings: Vec<&'static str> = super::super::tokens::SINGLE_BYTE
            .iter()
            .chain(super::super::tokens::DOUBLE_BYTE.iter().flatten())
            .copied()
            .chain(["", "3EB0C0FFEE", "15551234567", "not-a-token", "Chrome"])
            .collect();
        // Twice: the second round reads from the memo (with evictions, as it is small).
        for _ in 0..2 {
            for &s in &strings {
                assert_eq!(lookup_static(s), lookup(s), "{s:?}");
            }
        }
        // Same bytes at another address, and a prefix at the same address.
        let leaked: &'static str = Box::leak(String::from("message").into_boxed_str());
        assert_eq!(lookup_static(leaked), lookup("message"));
        assert_eq!(lookup_static(&leaked[..3]), lookup("mes"));
    }
}
