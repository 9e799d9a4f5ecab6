//! Bytes → [`FrameView`]: the owned decoder's walk, with borrowed results.
//!
//! Every check and every budget charge of [`decoder`](super::decoder) happens here in the same
//! order with the same amounts, so a frame is refused by one exactly when it is refused by the
//! other, with the same error (the property tests and the `node_view` fuzz target hold the two
//! to that), and [`NodeRef::to_owned`](super::view::NodeRef::to_owned) stays within the limits
//! the owned decoder enforces.

use super::error::DecodeError;
use super::limits::{Budget, DecodeLimits, NODE_SLOT};
use super::tags::*;
use super::view::{FrameView, RawAttr, RawNode, ViewArena};
use super::view_raw::{Kind, Val, ValBits};
use super::view_text::JidRef;

/// Smallest encoding of a child node (LIST_8, size, one-byte tag).
const MIN_NODE_LEN: usize = 3;

/// Decodes one node that must span all of `data` into a borrowed view, within the default
/// [`DecodeLimits`].
pub fn decode_view(data: &[u8]) -> Result<FrameView<'_>, DecodeError> {
    decode_view_with(data, &DecodeLimits::default())
}

/// [`decode_view`] within `limits` (charged exactly as [`decode_with`](super::decode_with)
/// charges them).
pub fn decode_view_with<'a>(
    data: &'a [u8],
    limits: &DecodeLimits,
) -> Result<FrameView<'a>, DecodeError> {
    let mut arena = super::view::pooled();
    match decode_in_place(data, limits, &mut arena) {
        Ok(()) => Ok(FrameView {
            data,
            nodes: arena.nodes,
            attrs: arena.attrs,
        }),
        Err(e) => {
            super::view::give_back(arena);
            Err(e)
        }
    }
}

/// [`decode_view_with`] into the storage of `arena` (taken; give it back with
/// [`ViewArena::recycle`]), so that steady decoding allocates nothing. On error the storage
/// stays in `arena`.
pub fn decode_view_in<'a>(
    data: &'a [u8],
    limits: &DecodeLimits,
    arena: &mut ViewArena,
) -> Result<FrameView<'a>, DecodeError> {
    decode_in_place(data, limits, arena)?;
    Ok(FrameView {
        data,
        nodes: std::mem::take(&mut arena.nodes),
        attrs: std::mem::take(&mut arena.attrs),
    })
}

/// Decodes into `arena`'s vectors where they are; the callers move them into the view once,
/// straight into their return slot. `perf` showed each move of the 48 bytes of vectors (into
/// the decoder, into the view, out of a returned `Result`) stalling on a load wider than the
/// stores before it.
#[inline(always)]
fn decode_in_place(
    data: &[u8],
    limits: &DecodeLimits,
    arena: &mut ViewArena,
) -> Result<(), DecodeError> {
    // Values are stored as u32 offsets.
    if u32::try_from(data.len()).is_err() {
        return Err(DecodeError::TooLargeForView { len: data.len() });
    }
    arena.nodes.clear();
    arena.attrs.clear();
    arena.nodes.push(placeholder());
    let mut d = ViewDecoder {
        data,
        pos: 0,
        budget: Budget::new(limits),
        nodes: &mut arena.nodes,
        attrs: &mut arena.attrs,
        err: None,
    };
    if d.node(0, 0).is_some() && d.pos == data.len() {
        return Ok(());
    }
    Err(d.error())
}

/// The JID whose tag byte is at `at` in `data`, read again (it was validated while decoding).
pub(crate) fn reread_jid(data: &[u8], at: usize) -> Option<JidRef<'_>> {
    let unlimited = DecodeLimits {
        max_heap: usize::MAX,
        ..DecodeLimits::default()
    };
    let (mut nodes, mut attrs) = (Vec::new(), Vec::new());
    let mut d = ViewDecoder {
        data,
        pos: at,
        budget: Budget::new(&unlimited),
        nodes: &mut nodes,
        attrs: &mut attrs,
        err: None,
    };
    let tag = d.byte()?;
    if !matches!(tag, JID_PAIR | AD_JID | FB_JID | INTEROP_JID) {
        return None;
    }
    d.jid(tag, at).map(|j| j.to_ref(data))
}

fn placeholder() -> RawNode {
    RawNode {
        tag: Val::EMPTY,
        content: Val::NONE,
        attrs_start: 0,
        attrs_len: 0,
    }
}

/// Whether a string read as `v` is the empty string.
#[inline]
pub(super) fn is_empty_str(v: &Val) -> bool {
    match v.kind {
        // Only code 0 (LIST_EMPTY) is empty: no dictionary entry is.
        Kind::Token => v.a == 0,
        Kind::Raw | Kind::Nibble | Kind::Hex => v.b == 0,
        _ => false,
    }
}

/// The reader. Its readers return `Option`s and park the first error in `err`, so that the
/// out-of-line ones can return an `Option<ValBits>` in registers: a `Result<Val, DecodeError>`
/// (40 bytes) came back through the stack, where the inlined token fast path wrote it field
/// by field and the attribute push read it back in wider loads. `perf annotate` put about 3/4
/// of `node`'s time on those loads (a load spanning several smaller stores cannot be
/// store-forwarded).
///
/// The arena's vectors are borrowed, not moved in and out (each move is a stall, as above).
pub(super) struct ViewDecoder<'a, 'v> {
    pub(super) data: &'a [u8],
    pub(super) pos: usize,
    pub(super) budget: Budget,
    nodes: &'v mut Vec<RawNode>,
    attrs: &'v mut Vec<RawAttr>,
    /// The first error met; every reader returned `None` since.
    err: Option<DecodeError>,
}

impl<'a> ViewDecoder<'a, '_> {
    pub(super) fn eof(&self, needed: usize) -> DecodeError {
        DecodeError::UnexpectedEof {
            offset: self.pos,
            needed,
        }
    }

    /// Parks `e` (the first error: decoding stops at it) and returns `None`.
    #[cold]
    #[inline(never)]
    pub(super) fn fail<T>(&mut self, e: DecodeError) -> Option<T> {
        self.err.get_or_insert(e);
        None
    }

    #[cold]
    #[inline(never)]
    pub(super) fn fail_eof<T>(&mut self, needed: usize) -> Option<T> {
        let e = self.eof(needed);
        self.fail(e)
    }

    /// The parked error, or the trailing bytes when the root node was read without one.
    #[cold]
    #[inline(never)]
    fn error(&mut self) -> DecodeError {
        self.err.take().unwrap_or(DecodeError::TrailingBytes {
            offset: self.pos,
            remaining: self.remaining(),
        })
    }

    pub(super) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    #[inline]
    pub(super) fn byte(&mut self) -> Option<u8> {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Some(b)
            }
            None => self.fail_eof(1),
        }
    }

    #[inline]
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let data: &'a [u8] = self.data;
        let out = self
            .pos
            .checked_add(n)
            .and_then(|end| data.get(self.pos..end));
        match out {
            Some(out) => {
                self.pos += n;
                Some(out)
            }
            None => self.fail_eof(n - self.remaining()),
        }
    }

    pub(super) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let s = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Some(out)
    }

    pub(super) fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.array()?))
    }

    pub(super) fn at(&self) -> u32 {
        // Fits: decode_view_in refuses inputs of 4 GiB or more.
        self.pos as u32
    }

    /// Charges `bytes` of heap (see [`Budget::heap`]).
    #[inline]
    pub(super) fn heap(&mut self, bytes: usize, offset: usize) -> Option<()> {
        match self.budget.heap(bytes, offset) {
            Ok(()) => Some(()),
            Err(e) => self.fail(e),
        }
    }

    /// Decodes the node at the reader into node slot `slot` (its children go to the arena).
    fn node(&mut self, depth: usize, slot: usize) -> Option<()> {
        let start = self.pos;
        if depth > self.budget.max_depth() {
            let max = self.budget.max_depth();
            return self.fail(DecodeError::TooDeep { offset: start, max });
        }
        let size = match self.byte()? {
            LIST_8 => usize::from(self.byte()?),
            LIST_16 => usize::from(self.u16()?),
            LIST_EMPTY => 0,
            tag => {
                return self.fail(DecodeError::InvalidTag {
                    offset: start,
                    tag,
                    expected: "node list header",
                })
            }
        };
        if size == 0 {
            return self.fail(DecodeError::BadListSize { offset: start });
        }
        let tag_at = self.pos;
        let tag = self.item(true, true)?;
        if is_empty_str(&tag) {
            return self.fail(DecodeError::EmptyTag { offset: tag_at });
        }
        let attr_count = (size - 1) / 2;
        let attr_slots = attr_count.min(self.remaining() / 2);
        if let Err(e) = self.budget.node_with_attrs(attr_slots, start) {
            return self.fail(e);
        }
        let attrs_start = self.attrs.len();
        for _ in 0..attr_count {
            let key = self.item(true, true)?;
            let value = self.item(true, false)?;
            self.attrs.push((key, value));
        }
        let content = if size % 2 == 0 {
            self.content(depth)?.val()
        } else {
            Val::NONE
        };
        let raw = RawNode {
            tag,
            content,
            // Fewer attributes than input bytes, which fit in a u32.
            attrs_start: attrs_start as u32,
            attrs_len: attr_count as u32,
        };
        match self.nodes.get_mut(slot) {
            Some(s) => *s = raw,
            // Every slot is made before its node is read; kept as an error, not a panic.
            None => return self.fail_eof(MIN_NODE_LEN),
        }
        Some(())
    }

    /// The content of a node at `depth`, returned in registers ([`ValBits`]).
    fn content(&mut self, depth: usize) -> Option<ValBits> {
        self.read_content(depth).map(Val::bits)
    }

    #[inline(always)]
    fn read_content(&mut self, depth: usize) -> Option<Val> {
        let at = self.pos;
        let tag = self.byte()?;
        let n = match tag {
            LIST_EMPTY => {
                return Some(Val {
                    kind: Kind::Nodes,
                    a: 0,
                    b: 0,
                })
            }
            LIST_8 => usize::from(self.byte()?),
            LIST_16 => usize::from(self.u16()?),
            BINARY_8 | BINARY_20 | BINARY_32 => {
                let len = self.binary_len(tag)?;
                let from = self.at();
                self.take(len)?;
                self.heap(len, at)?;
                return Some(Val {
                    kind: Kind::Bytes,
                    a: from,
                    b: len as u32,
                });
            }
            _ => {
                self.pos = at;
                return self.item(true, true);
            }
        };
        let slots = n.min(self.remaining() / MIN_NODE_LEN);
        self.heap(slots * NODE_SLOT, at)?;
        // Children take consecutive slots, made before any of them is read so that their
        // own children land after them.
        let first = self.nodes.len();
        self.nodes.resize(first + slots, placeholder());
        for i in 0..n {
            if i < slots {
                self.node(depth + 1, first + i)?;
                continue;
            }
            // Child `slots` needs more bytes than remain (each takes at least MIN_NODE_LEN),
            // so its read fails with the owned decoder's error; a slot of its own keeps it
            // from overwriting anything even if it did not.
            let spare = self.nodes.len();
            self.nodes.push(placeholder());
            self.node(depth + 1, spare)?;
            return self.fail_eof(MIN_NODE_LEN);
        }
        Some(Val {
            kind: Kind::Nodes,
            // Fewer nodes than input bytes, which fit in a u32.
            a: first as u32,
            b: n as u32,
        })
    }
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;
