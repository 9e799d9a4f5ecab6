//! Bytes → node (without the frame flags byte; see [`frame`](super::frame) for that).
//!
//! One pass over the input. Input is hostile: every read is bounds-checked, list sizes from the
//! wire only reserve as much memory as the remaining input could possibly fill, and nesting,
//! nodes, attributes and heap bytes are charged to a [`DecodeLimits`] budget before anything is
//! allocated (see [`limits`](super::limits)).

use std::borrow::Cow;

use super::error::DecodeError;
use super::jid::{Jid, Server, DOMAIN_HOSTED, DOMAIN_HOSTED_LID, DOMAIN_LID};
use super::limits::{jid_heap, Budget, DecodeLimits, DEFAULT_MAX_DEPTH, NODE_SLOT};
use super::node::{AttrValue, Attrs, Content, Node};
use super::tags::*;
use super::tokens;

/// Deepest nesting accepted by default (the root is depth 0); [`DecodeLimits::max_depth`].
pub const MAX_DEPTH: usize = DEFAULT_MAX_DEPTH;

/// Smallest encoding of a child node (LIST_8, size, one-byte tag).
const MIN_NODE_LEN: usize = 3;

/// Decodes one node that must span all of `data`, within the default [`DecodeLimits`].
pub fn decode(data: &[u8]) -> Result<Node, DecodeError> {
    decode_with(data, &DecodeLimits::default())
}

/// Decodes one node that must span all of `data`, within `limits` (its `max_inflated` is not
/// used here: `data` is already inflated).
pub fn decode_with(data: &[u8], limits: &DecodeLimits) -> Result<Node, DecodeError> {
    let mut d = Decoder {
        data,
        pos: 0,
        budget: Budget::new(limits),
    };
    let node = d.node(0)?;
    if d.pos != data.len() {
        return Err(DecodeError::TrailingBytes {
            offset: d.pos,
            remaining: data.len() - d.pos,
        });
    }
    Ok(node)
}

/// A string or JID read from the wire.
enum Item {
    Str(Cow<'static, str>),
    Jid(Jid),
}

struct Decoder<'a> {
    data: &'a [u8],
    pos: usize,
    budget: Budget,
}

impl<'a> Decoder<'a> {
    fn eof(&self, needed: usize) -> DecodeError {
        DecodeError::UnexpectedEof {
            offset: self.pos,
            needed,
        }
    }

    fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = *self.data.get(self.pos).ok_or_else(|| self.eof(1))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
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

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let s = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// An item as text; a JID is rendered, and the rendering is charged.
    #[inline]
    fn text(&mut self, item: Item) -> Result<Cow<'static, str>, DecodeError> {
        match item {
            Item::Str(s) => Ok(s),
            Item::Jid(j) => {
                let s = j.to_string();
                self.budget.heap(s.capacity(), self.pos)?;
                Ok(Cow::Owned(s))
            }
        }
    }

    fn node(&mut self, depth: usize) -> Result<Node, DecodeError> {
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
        let item = self.item(true)?;
        let tag = self.text(item)?;
        if tag.is_empty() {
            return Err(DecodeError::EmptyTag { offset: tag_at });
        }
        let attr_count = (size - 1) / 2;
        // Every attribute the input could still hold is charged now, with the node, in one
        // check: per-attribute checks cost a fifth of a small stanza's decode.
        let attr_slots = attr_count.min(self.remaining() / 2);
        self.budget.node_with_attrs(attr_slots, start)?;
        let mut attrs = Attrs::with_capacity(attr_slots);
        for _ in 0..attr_count {
            let item = self.item(true)?;
            let key = self.text(item)?;
            let value = match self.item(true)? {
                Item::Str(s) => AttrValue::Str(s),
                Item::Jid(j) => AttrValue::Jid(j),
            };
            attrs.push(key, value);
        }
        let content = if size % 2 == 0 {
            self.content(depth)?
        } else {
            Content::None
        };
        Ok(Node {
            tag,
            attrs,
            content,
        })
    }

    fn content(&mut self, depth: usize) -> Result<Content, DecodeError> {
        let at = self.pos;
        let tag = self.byte()?;
        let n = match tag {
            LIST_EMPTY => return Ok(Content::Nodes(Vec::new())),
            LIST_8 => usize::from(self.byte()?),
            LIST_16 => usize::from(self.u16()?),
            BINARY_8 | BINARY_20 | BINARY_32 => {
                let len = self.binary_len(tag)?;
                let bytes = self.take(len)?;
                self.budget.heap(len, at)?;
                return Ok(Content::Bytes(bytes.to_vec()));
            }
            _ => {
                self.pos = at;
                let item = self.item(true)?;
                return Ok(Content::String(self.text(item)?));
            }
        };
        let slots = n.min(self.remaining() / MIN_NODE_LEN);
        self.budget.heap(slots * NODE_SLOT, at)?;
        let mut children = Vec::with_capacity(slots);
        for _ in 0..n {
            children.push(self.node(depth + 1)?);
        }
        Ok(Content::Nodes(children))
    }

    fn binary_len(&mut self, tag: u8) -> Result<usize, DecodeError> {
        Ok(match tag {
            BINARY_8 => usize::from(self.byte()?),
            BINARY_20 => {
                let [a, b, c] = self.array()?;
                usize::from(a & 0x0F) << 16 | usize::from(b) << 8 | usize::from(c)
            }
            _ => u32::from_be_bytes(self.array()?) as usize,
        })
    }

    /// Reads a string (token, packed, raw, LIST_EMPTY as "") or, when `allow_jid`, a JID.
    fn item(&mut self, allow_jid: bool) -> Result<Item, DecodeError> {
        let at = self.pos;
        let tag = self.byte()?;
        let s = match tag {
            LIST_EMPTY => Cow::Borrowed(""),
            1..=235 => Cow::Borrowed(tokens::single(tag).ok_or(DecodeError::InvalidTag {
                offset: at,
                tag,
                expected: "string",
            })?),
            DICTIONARY_0..=DICTIONARY_3 => {
                let dict = tag - DICTIONARY_0;
                let index = self.byte()?;
                Cow::Borrowed(
                    tokens::double(dict, index).ok_or(DecodeError::InvalidToken {
                        offset: at,
                        dict,
                        index,
                    })?,
                )
            }
            BINARY_8 | BINARY_20 | BINARY_32 => {
                let len = self.binary_len(tag)?;
                let str_at = self.pos;
                let raw = self.take(len)?;
                let s = std::str::from_utf8(raw)
                    .map_err(|_| DecodeError::BadUtf8 { offset: str_at })?;
                self.budget.heap(len, str_at)?;
                Cow::Owned(s.to_owned())
            }
            NIBBLE_8 | HEX_8 => Cow::Owned(self.packed(tag)?),
            JID_PAIR | AD_JID | FB_JID | INTEROP_JID if allow_jid => {
                let jid = self.jid(tag, at)?;
                self.budget.heap(jid_heap(&jid), at)?;
                return Ok(Item::Jid(jid));
            }
            _ => {
                return Err(DecodeError::InvalidTag {
                    offset: at,
                    tag,
                    expected: if allow_jid { "string or JID" } else { "string" },
                })
            }
        };
        Ok(Item::Str(s))
    }

    /// A JID component: a string, never a nested JID.
    fn plain(&mut self) -> Result<Cow<'static, str>, DecodeError> {
        let item = self.item(false)?;
        self.text(item)
    }

    fn jid(&mut self, tag: u8, at: usize) -> Result<Jid, DecodeError> {
        let invalid = |reason| DecodeError::InvalidJid { offset: at, reason };
        match tag {
            JID_PAIR => {
                let user = self.plain()?;
                let server = self.plain()?;
                if server.is_empty() {
                    return Err(invalid("JID_PAIR with an empty server"));
                }
                Ok(Jid::new(user, Server::from(server.as_ref())))
            }
            AD_JID => {
                let [domain, device] = self.array()?;
                let user = self.plain()?;
                let (server, agent) = match domain {
                    DOMAIN_LID => (Server::Lid, 0),
                    DOMAIN_HOSTED => (Server::Hosted, 0),
                    DOMAIN_HOSTED_LID => (Server::HostedLid, 0),
                    raw => (Server::DefaultUser, raw),
                };
                let mut jid = Jid::new(user, server).with_device(u16::from(device));
                jid.agent = agent;
                Ok(jid)
            }
            FB_JID => {
                let user = self.plain()?;
                let device = self.u16()?;
                if self.plain()? != "msgr" {
                    return Err(invalid("FB_JID server is not msgr"));
                }
                Ok(Jid::new(user, Server::Messenger).with_device(device))
            }
            _ => {
                let user = self.plain()?;
                let device = self.u16()?;
                let integrator = self.u16()?;
                if self.plain()? != "interop" {
                    return Err(invalid("INTEROP_JID server is not interop"));
                }
                let mut jid = Jid::new(user, Server::Interop).with_device(device);
                jid.integrator = integrator;
                Ok(jid)
            }
        }
    }

    fn packed(&mut self, tag: u8) -> Result<String, DecodeError> {
        let header_at = self.pos;
        let header = self.byte()?;
        let n = usize::from(header & 0x7F);
        let odd = header & 0x80 != 0;
        if odd && n == 0 {
            return Err(DecodeError::BadPackedHeader { offset: header_at });
        }
        let start = self.pos;
        let packed = self.take(n)?;
        self.budget.heap(2 * n, header_at)?;
        let mut out = String::with_capacity(2 * n);
        for (i, &b) in packed.iter().enumerate() {
            let last = i + 1 == n;
            for (half, code) in [(0, b >> 4), (1, b & 0x0F)] {
                if odd && last && half == 1 {
                    break;
                }
                let c = if tag == NIBBLE_8 {
                    match code {
                        0..=9 => b'0' + code,
                        10 => b'-',
                        11 => b'.',
                        _ => {
                            return Err(DecodeError::InvalidNibble {
                                offset: start + i,
                                nibble: code,
                            })
                        }
                    }
                } else if code < 10 {
                    b'0' + code
                } else {
                    b'A' + code - 10
                };
                out.push(char::from(c));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
#[path = "decoder_tests.rs"]
mod tests;
