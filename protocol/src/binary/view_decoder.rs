//! Bytes → [`FrameView`]: the owned decoder's walk, with borrowed results.
//!
//! Every check and every budget charge of [`decoder`](super::decoder) happens here in the same
//! order with the same amounts, so a frame is refused by one exactly when it is refused by the
//! other, with the same error (the property tests and the `node_view` fuzz target hold the two
//! to that), and [`NodeRef::to_owned`](super::view::NodeRef::to_owned) stays within the limits
//! the owned decoder enforces.

use super::error::DecodeError;
use super::jid::{Server, DOMAIN_HOSTED, DOMAIN_HOSTED_LID, DOMAIN_LID};
use super::limits::{Budget, DecodeLimits, NODE_SLOT};
use super::tags::*;
use super::tokens;
use super::view::{FrameView, RawContent, RawNode};
use super::view_text::{JidRef, StrRef, ValueRef};

/// First capacity of the node arena.
const FIRST_NODES: usize = 7;
/// First capacity of the attribute arena.
const FIRST_ATTRS: usize = 9;

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
    // Small first arenas stay in the allocator's per-thread cache (big first requests cost more
    // in malloc than the regrowth of the rare large stanza); callgrind picked these sizes.
    let mut d = ViewDecoder {
        data,
        pos: 0,
        budget: Budget::new(limits),
        frame: FrameView {
            nodes: Vec::with_capacity(FIRST_NODES),
            attrs: Vec::with_capacity(FIRST_ATTRS),
        },
    };
    d.frame.nodes.push(placeholder());
    let root = d.node(0)?;
    d.frame.nodes[0] = root;
    if d.pos != data.len() {
        return Err(DecodeError::TrailingBytes {
            offset: d.pos,
            remaining: data.len() - d.pos,
        });
    }
    Ok(d.frame)
}

/// The name of a server that has a variant (never `Other`), as a static token-like string.
fn known(server: &Server) -> StrRef<'static> {
    StrRef::Token(match server {
        Server::Lid => "lid",
        Server::Hosted => "hosted",
        Server::HostedLid => "hosted.lid",
        Server::Messenger => "msgr",
        Server::Interop => "interop",
        _ => "s.whatsapp.net",
    })
}

fn placeholder<'a>() -> RawNode<'a> {
    RawNode {
        tag: ValueRef::Str(StrRef::Token("")),
        attrs_start: 0,
        attrs_len: 0,
        content: RawContent::None,
    }
}

struct ViewDecoder<'a> {
    data: &'a [u8],
    pos: usize,
    budget: Budget,
    frame: FrameView<'a>,
}

impl<'a> ViewDecoder<'a> {
    fn eof(&self, needed: usize) -> DecodeError {
        DecodeError::UnexpectedEof {
            offset: self.pos,
            needed,
        }
    }

    fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    #[inline]
    fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = *self.data.get(self.pos).ok_or_else(|| self.eof(1))?;
        self.pos += 1;
        Ok(b)
    }

    #[inline]
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

    /// A tag, key or string content: the owned decoder renders a JID here and charges the
    /// rendering.
    #[inline]
    fn text(&mut self, item: &ValueRef<'a>) -> Result<(), DecodeError> {
        if let ValueRef::Jid(j) = item {
            self.charge_rendering(j)?;
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn charge_rendering(&mut self, j: &JidRef<'a>) -> Result<(), DecodeError> {
        let s = j.to_jid().to_string();
        self.budget.heap(s.capacity(), self.pos)
    }

    /// Decodes the node at the reader (its children go to the arena, itself is returned).
    fn node(&mut self, depth: usize) -> Result<RawNode<'a>, DecodeError> {
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
        let tag = self.item(true)?;
        self.text(&tag)?;
        if matches!(tag, ValueRef::Str(s) if s.is_empty()) {
            return Err(DecodeError::EmptyTag { offset: tag_at });
        }
        let attr_count = (size - 1) / 2;
        let attr_slots = attr_count.min(self.remaining() / 2);
        self.budget.node_with_attrs(attr_slots, start)?;
        let attrs_start = self.frame.attrs.len();
        for _ in 0..attr_count {
            let key = self.item(true)?;
            self.text(&key)?;
            let value = self.item(true)?;
            self.frame.attrs.push((key, value));
        }
        let content = if size % 2 == 0 {
            self.content(depth)?
        } else {
            RawContent::None
        };
        Ok(RawNode {
            tag,
            attrs_start,
            attrs_len: attr_count,
            content,
        })
    }

    fn content(&mut self, depth: usize) -> Result<RawContent<'a>, DecodeError> {
        let at = self.pos;
        let tag = self.byte()?;
        let n = match tag {
            LIST_EMPTY => return Ok(RawContent::Nodes { start: 0, len: 0 }),
            LIST_8 => usize::from(self.byte()?),
            LIST_16 => usize::from(self.u16()?),
            BINARY_8 | BINARY_20 | BINARY_32 => {
                let len = self.binary_len(tag)?;
                let bytes = self.take(len)?;
                self.budget.heap(len, at)?;
                return Ok(RawContent::Bytes(bytes));
            }
            _ => {
                self.pos = at;
                let item = self.item(true)?;
                self.text(&item)?;
                return Ok(RawContent::Text(item));
            }
        };
        let slots = n.min(self.remaining() / MIN_NODE_LEN);
        self.budget.heap(slots * NODE_SLOT, at)?;
        // Children take consecutive slots, reserved before any of them is read so that their
        // own children land after them.
        let first = self.frame.nodes.len();
        self.frame.nodes.reserve(slots);
        for _ in 0..slots {
            self.frame.nodes.push(placeholder());
        }
        for i in 0..n {
            let child = self.node(depth + 1)?;
            match self.frame.nodes.get_mut(first + i).filter(|_| i < slots) {
                Some(slot) => *slot = child,
                // Child `slots` needs more bytes than remain (each takes at least
                // MIN_NODE_LEN), so its read has already failed; kept as an error, not a panic.
                None => return Err(self.eof(MIN_NODE_LEN)),
            }
        }
        Ok(RawContent::Nodes {
            start: first,
            len: n,
        })
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
    fn item(&mut self, allow_jid: bool) -> Result<ValueRef<'a>, DecodeError> {
        let at = self.pos;
        let tag = self.byte()?;
        let s = match tag {
            LIST_EMPTY => StrRef::Token(""),
            1..=235 => StrRef::Token(tokens::single(tag).ok_or(DecodeError::InvalidTag {
                offset: at,
                tag,
                expected: "string",
            })?),
            DICTIONARY_0..=DICTIONARY_3 => {
                let dict = tag - DICTIONARY_0;
                let index = self.byte()?;
                StrRef::Token(
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
                StrRef::Raw(s)
            }
            NIBBLE_8 | HEX_8 => self.packed(tag)?,
            JID_PAIR | AD_JID | FB_JID | INTEROP_JID if allow_jid => {
                let jid = self.jid(tag, at)?;
                return Ok(ValueRef::Jid(jid));
            }
            _ => {
                return Err(DecodeError::InvalidTag {
                    offset: at,
                    tag,
                    expected: if allow_jid { "string or JID" } else { "string" },
                })
            }
        };
        Ok(ValueRef::Str(s))
    }

    /// A JID component: a string, never a nested JID.
    fn plain(&mut self) -> Result<StrRef<'a>, DecodeError> {
        match self.item(false)? {
            ValueRef::Str(s) => Ok(s),
            // `item(false)` refuses JIDs.
            ValueRef::Jid(_) => Err(DecodeError::InvalidTag {
                offset: self.pos,
                tag: 0,
                expected: "string",
            }),
        }
    }

    fn jid(&mut self, tag: u8, at: usize) -> Result<JidRef<'a>, DecodeError> {
        let invalid = |reason| DecodeError::InvalidJid { offset: at, reason };
        let (user, server, agent, device, integrator) = match tag {
            JID_PAIR => {
                let user = self.plain()?;
                let server = self.plain()?;
                if server.is_empty() {
                    return Err(invalid("JID_PAIR with an empty server"));
                }
                (user, server, 0, 0, 0)
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
                let server = known(&server);
                (user, server, agent, u16::from(device), 0)
            }
            FB_JID => {
                let user = self.plain()?;
                let device = self.u16()?;
                if !self.plain()?.eq_str("msgr") {
                    return Err(invalid("FB_JID server is not msgr"));
                }
                (user, known(&Server::Messenger), 0, device, 0)
            }
            _ => {
                let user = self.plain()?;
                let device = self.u16()?;
                let integrator = self.u16()?;
                if !self.plain()?.eq_str("interop") {
                    return Err(invalid("INTEROP_JID server is not interop"));
                }
                (user, known(&Server::Interop), 0, device, integrator)
            }
        };
        // What the owned decoder charges for the owned JID: the user string's capacity (a
        // token is copied at its length, a packed string was allocated at twice its bytes, a
        // raw one moved at its length) and an unknown server's name.
        let user_heap = match user {
            StrRef::Token(s) | StrRef::Raw(s) => s.len(),
            StrRef::Packed { bytes, .. } => 2 * bytes.len(),
        };
        let server_heap = match tag {
            JID_PAIR => match Server::from(server.as_str().as_ref()) {
                Server::Other(s) => s.len(),
                _ => 0,
            },
            _ => 0,
        };
        self.budget.heap(user_heap + server_heap, at)?;
        Ok(JidRef {
            user,
            server,
            agent,
            device,
            integrator,
        })
    }

    /// A packed string, validated now and rendered only when asked.
    fn packed(&mut self, tag: u8) -> Result<StrRef<'a>, DecodeError> {
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
        if tag == NIBBLE_8 {
            for (i, &b) in packed.iter().enumerate() {
                let last = i + 1 == n;
                for (half, code) in [(0, b >> 4), (1, b & 0x0F)] {
                    if odd && last && half == 1 {
                        break;
                    }
                    if code > 11 {
                        return Err(DecodeError::InvalidNibble {
                            offset: start + i,
                            nibble: code,
                        });
                    }
                }
            }
        }
        Ok(StrRef::packed(tag, packed, odd))
    }
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;
