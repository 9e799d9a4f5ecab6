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
use super::view::{FrameView, RawNode, ViewArena};
use super::view_raw::{Kind, Val};
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
    let result = decode_view_in(data, limits, &mut arena);
    if result.is_err() {
        super::view::give_back(arena);
    }
    result
}

/// [`decode_view_with`] into the storage of `arena` (taken; give it back with
/// [`ViewArena::recycle`]), so that steady decoding allocates nothing. On error the storage
/// stays in `arena`.
pub fn decode_view_in<'a>(
    data: &'a [u8],
    limits: &DecodeLimits,
    arena: &mut ViewArena,
) -> Result<FrameView<'a>, DecodeError> {
    // Values are stored as u32 offsets.
    if u32::try_from(data.len()).is_err() {
        return Err(DecodeError::TooLargeForView { len: data.len() });
    }
    let mut nodes = std::mem::take(&mut arena.nodes);
    let mut attrs = std::mem::take(&mut arena.attrs);
    nodes.clear();
    attrs.clear();
    nodes.push(placeholder());
    let mut d = ViewDecoder {
        data,
        pos: 0,
        budget: Budget::new(limits),
        nodes,
        attrs,
    };
    let result = d.node(0).and_then(|root| {
        if d.pos != data.len() {
            return Err(DecodeError::TrailingBytes {
                offset: d.pos,
                remaining: data.len() - d.pos,
            });
        }
        Ok(root)
    });
    match result {
        Ok(root) => {
            d.nodes[0] = root;
            Ok(FrameView {
                data,
                nodes: d.nodes,
                attrs: d.attrs,
            })
        }
        Err(e) => {
            arena.nodes = d.nodes;
            arena.attrs = d.attrs;
            Err(e)
        }
    }
}

/// The JID whose tag byte is at `at` in `data`, read again (it was validated while decoding).
pub(crate) fn reread_jid(data: &[u8], at: usize) -> Option<JidRef<'_>> {
    let unlimited = DecodeLimits {
        max_heap: usize::MAX,
        ..DecodeLimits::default()
    };
    let mut d = ViewDecoder {
        data,
        pos: at,
        budget: Budget::new(&unlimited),
        nodes: Vec::new(),
        attrs: Vec::new(),
    };
    let tag = d.byte().ok()?;
    matches!(tag, JID_PAIR | AD_JID | FB_JID | INTEROP_JID)
        .then(|| d.jid(tag, at).ok())
        .flatten()
}

fn placeholder() -> RawNode {
    RawNode {
        tag: Val::EMPTY,
        content: Val::NONE,
        attrs_start: 0,
        attrs_len: 0,
    }
}

/// Whether a tag read as `v` is the empty string.
#[inline]
fn is_empty_str(v: &Val) -> bool {
    match v.kind {
        // Only code 0 (LIST_EMPTY) is empty: no dictionary entry is.
        Kind::Token => v.a == 0,
        Kind::Raw | Kind::Nibble | Kind::Hex => v.b == 0,
        _ => false,
    }
}

pub(super) struct ViewDecoder<'a> {
    pub(super) data: &'a [u8],
    pub(super) pos: usize,
    pub(super) budget: Budget,
    nodes: Vec<RawNode>,
    attrs: Vec<(Val, Val)>,
}

impl<'a> ViewDecoder<'a> {
    pub(super) fn eof(&self, needed: usize) -> DecodeError {
        DecodeError::UnexpectedEof {
            offset: self.pos,
            needed,
        }
    }

    pub(super) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    #[inline]
    pub(super) fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = *self.data.get(self.pos).ok_or_else(|| self.eof(1))?;
        self.pos += 1;
        Ok(b)
    }

    #[inline]
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let data: &'a [u8] = self.data;
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= data.len())
            .ok_or_else(|| self.eof(n - self.remaining()))?;
        let out = data.get(self.pos..end).ok_or_else(|| self.eof(n))?;
        self.pos = end;
        Ok(out)
    }

    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let s = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    pub(super) fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(super) fn at(&self) -> u32 {
        // Fits: decode_view_in refuses inputs of 4 GiB or more.
        self.pos as u32
    }

    #[cold]
    #[inline(never)]
    pub(super) fn charge_rendering(&mut self, j: &JidRef<'a>) -> Result<(), DecodeError> {
        let s = j.to_jid().to_string();
        self.budget.heap(s.capacity(), self.pos)
    }

    /// Decodes the node at the reader (its children go to the arena, itself is returned).
    fn node(&mut self, depth: usize) -> Result<RawNode, DecodeError> {
        let start = self.pos;
        if depth > self.budget.max_depth() {
            return Err(DecodeError::TooDeep {
                offset: start,
                max: self.budget.max_depth(),
            });
        }
        let size = match self.byte()? {
            LIST_8 => usize::from(self.byte()?),
            LIST_16 => usize::from(self.u16()?),
            LIST_EMPTY => 0,
            tag => {
                return Err(DecodeError::InvalidTag {
                    offset: start,
                    tag,
                    expected: "node list header",
                })
            }
        };
        if size == 0 {
            return Err(DecodeError::BadListSize { offset: start });
        }
        let tag_at = self.pos;
        let tag = self.item(true, true)?;
        if is_empty_str(&tag) {
            return Err(DecodeError::EmptyTag { offset: tag_at });
        }
        let attr_count = (size - 1) / 2;
        let attr_slots = attr_count.min(self.remaining() / 2);
        self.budget.node_with_attrs(attr_slots, start)?;
        let attrs_start = self.attrs.len();
        for _ in 0..attr_count {
            let key = self.item(true, true)?;
            let value = self.item(true, false)?;
            self.attrs.push((key, value));
        }
        let content = if size % 2 == 0 {
            self.content(depth)?
        } else {
            Val::NONE
        };
        Ok(RawNode {
            tag,
            content,
            // Fewer attributes than input bytes, which fit in a u32.
            attrs_start: attrs_start as u32,
            attrs_len: attr_count as u32,
        })
    }

    fn content(&mut self, depth: usize) -> Result<Val, DecodeError> {
        let at = self.pos;
        let tag = self.byte()?;
        let n = match tag {
            LIST_EMPTY => {
                return Ok(Val {
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
                self.budget.heap(len, at)?;
                return Ok(Val {
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
        self.budget.heap(slots * NODE_SLOT, at)?;
        // Children take consecutive slots, reserved before any of them is read so that their
        // own children land after them.
        let first = self.nodes.len();
        self.nodes.resize(first + slots, placeholder());
        for i in 0..n {
            let child = self.node(depth + 1)?;
            match self.nodes.get_mut(first + i).filter(|_| i < slots) {
                Some(slot) => *slot = child,
                // Child `slots` needs more bytes than remain (each takes at least
                // MIN_NODE_LEN), so its read has already failed; kept as an error, not a panic.
                None => return Err(self.eof(MIN_NODE_LEN)),
            }
        }
        Ok(Val {
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
