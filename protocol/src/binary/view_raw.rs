//! The compact form a [`FrameView`](super::view::FrameView) stores its values in: a kind and
//! two `u32`s (offsets into the frame, or a token code), 12 bytes where the public
//! [`ValueRef`] takes 56.
//!
//! Callgrind on the `ack` corpus node showed a third of the borrowed decoder's instructions
//! moving 56-byte values into the arenas; offsets also leave the arenas without a lifetime, so
//! one [`ViewArena`](super::view::ViewArena) can be reused for every frame of a connection.
//! A value is turned back into a [`ValueRef`] (borrowing from the frame) only when asked.

use super::tokens;
use super::view_text::{StrRef, ValueRef};

/// What a [`Val`] holds; the last three kinds only appear as node content.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// A dictionary token: `a` is its code ([`token_code`]); code 0 is LIST_EMPTY's `""`.
    Token,
    /// UTF-8 bytes (validated while decoding) at `a`, `b` long.
    Raw,
    /// Nibble-packed bytes at `a`, `b` long; `Odd`: the last half byte is padding.
    Nibble,
    NibbleOdd,
    /// Hex-packed bytes, as for `Nibble`.
    Hex,
    HexOdd,
    /// A JID (validated while decoding) whose tag byte is at `a`; read again when asked.
    Jid,
    /// No content.
    None,
    /// `b` children from `a` in the node arena.
    Nodes,
    /// Binary content at `a`, `b` long.
    Bytes,
}

/// One stored value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Val {
    pub(crate) kind: Kind,
    pub(crate) a: u32,
    pub(crate) b: u32,
}

/// A [`Val`] as two scalars, for the decoder's out-of-line readers to return. Rust returns a
/// struct of two scalars (and its `Option`, the kind's spare values marking `None`) in two
/// registers, a larger one such as `Val` (three fields) through the stack; there the inlined
/// token fast path merged with the call's result in memory, written field by field and read
/// back in wider loads that cannot be store-forwarded (`perf annotate`: most of a node's time).
#[derive(Clone, Copy)]
pub(crate) struct ValBits {
    /// `a` in the low half, `b` in the high half.
    ab: u64,
    kind: Kind,
}

impl ValBits {
    #[inline(always)]
    pub(crate) fn val(self) -> Val {
        Val {
            kind: self.kind,
            a: self.ab as u32,
            b: (self.ab >> 32) as u32,
        }
    }
}

/// The code of single-byte token `tag` or of token `index` of dictionary `dict`.
pub(crate) const fn token_code(dict: Option<u8>, index: u8) -> u32 {
    match dict {
        None => index as u32,
        Some(d) => 256 * (d as u32 + 1) + index as u32,
    }
}

#[inline]
pub(crate) fn token(code: u32) -> &'static str {
    // Codes are only made from tokens the decoder found in the dictionary; code 0 is "".
    let found = match code {
        0 => Some(""),
        1..=255 => tokens::single(code as u8),
        _ => tokens::double((code / 256 - 1) as u8, (code % 256) as u8),
    };
    found.unwrap_or("")
}

impl Val {
    #[inline(always)]
    pub(crate) fn bits(self) -> ValBits {
        ValBits {
            ab: u64::from(self.a) | u64::from(self.b) << 32,
            kind: self.kind,
        }
    }

    pub(crate) const NONE: Val = Val {
        kind: Kind::None,
        a: 0,
        b: 0,
    };

    pub(crate) const EMPTY: Val = Val {
        kind: Kind::Token,
        a: 0,
        b: 0,
    };

    /// The bytes at `a..a + b` of `data`.
    pub(crate) fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        let start = self.a as usize;
        // In range by construction: every stored range was taken from this frame.
        data.get(start..start + self.b as usize).unwrap_or(&[])
    }

    /// The string form; `None` for a JID or a content kind.
    pub(crate) fn str_ref<'a>(&self, data: &'a [u8]) -> Option<StrRef<'a>> {
        let packed = |nibble, odd| StrRef::Packed {
            bytes: self.bytes(data),
            nibble,
            odd,
        };
        Some(match self.kind {
            Kind::Token => StrRef::Token(token(self.a)),
            // Validated while decoding, so the fallback is never taken.
            Kind::Raw => StrRef::Raw(std::str::from_utf8(self.bytes(data)).unwrap_or("")),
            Kind::Nibble => packed(true, false),
            Kind::NibbleOdd => packed(true, true),
            Kind::Hex => packed(false, false),
            Kind::HexOdd => packed(false, true),
            Kind::Jid | Kind::None | Kind::Nodes | Kind::Bytes => return None,
        })
    }

    /// The public value, borrowing from `data` (the frame this was decoded from).
    pub(crate) fn resolve<'a>(&self, data: &'a [u8]) -> ValueRef<'a> {
        if let Some(s) = self.str_ref(data) {
            return ValueRef::Str(s);
        }
        match super::view_decoder::reread_jid(data, self.a as usize) {
            Some(j) => ValueRef::Jid(j),
            // Only reached for a content kind, which callers never pass.
            None => ValueRef::Str(StrRef::Token("")),
        }
    }

    /// [`Val::eq_str`] for attribute keys, inlined into the lookup loop: keys are nearly all
    /// single-byte tokens, read straight from the table with a length check before any byte
    /// compare (callgrind: the call per key compared was most of a view-read `<ack>`'s parse).
    #[inline(always)]
    pub(crate) fn key_is(&self, data: &[u8], s: &str) -> bool {
        if self.kind == Kind::Token {
            if let Some(t) = tokens::SINGLE_BYTE.get(self.a as usize) {
                return t.len() == s.len() && t.as_bytes() == s.as_bytes();
            }
        }
        self.eq_str(data, s)
    }

    /// Whether the text equals `s`: tokens and raw strings compare without UTF-8 work.
    #[inline]
    pub(crate) fn eq_str(&self, data: &[u8], s: &str) -> bool {
        match self.kind {
            Kind::Token => token(self.a) == s,
            Kind::Raw => self.bytes(data) == s.as_bytes(),
            _ => self.resolve(data).eq_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_small() {
        assert_eq!(std::mem::size_of::<Val>(), 12);
        // Two scalars, `None` in the kind's spare values: what lets it come back in registers.
        assert_eq!(std::mem::size_of::<Option<ValBits>>(), 16);
    }

    #[test]
    fn bits_round_trip() {
        for (kind, a, b) in [(Kind::Raw, 7, u32::MAX), (Kind::Nodes, u32::MAX, 0)] {
            let v = Val { kind, a, b }.bits().val();
            assert_eq!((v.kind, v.a, v.b), (kind, a, b));
        }
    }

    #[test]
    fn only_code_zero_is_empty() {
        // The decoder tests a tag for emptiness by its code alone.
        assert!(tokens::SINGLE_BYTE[1..].iter().all(|t| !t.is_empty()));
        assert!(tokens::DOUBLE_BYTE.iter().flatten().all(|t| !t.is_empty()));
    }

    #[test]
    fn token_codes_round_trip() {
        assert_eq!(token(token_code(None, 0)), "");
        for i in 1..=235u8 {
            assert_eq!(Some(token(token_code(None, i))), tokens::single(i));
        }
        for d in 0..4u8 {
            for i in 0..=255u8 {
                if let Some(t) = tokens::double(d, i) {
                    assert_eq!(token(token_code(Some(d), i)), t);
                }
            }
        }
    }
}
