//! The strings and JIDs of [`view_decoder`](super::view_decoder): read into compact
//! [`Val`]s, with the owned decoder's checks and budget charges in the same order.

use super::error::DecodeError;
use super::jid::{Server, DOMAIN_HOSTED, DOMAIN_HOSTED_LID, DOMAIN_LID};
use super::tags::*;
use super::tokens;
use super::view_decoder::{is_empty_str, ViewDecoder};
use super::view_raw::{token, token_code, Kind, Val, ValBits};
use super::view_text::{JidRef, StrRef};

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

/// A JID's parts as read, before any string is built: the decoder keeps only its offset, and
/// [`JidRef`] is made from these when a caller asks.
#[derive(Clone, Copy)]
pub(super) struct JidVals {
    user: Val,
    /// The server as read (JID_PAIR); ignored when `known` is set.
    server: Val,
    /// The server of the other forms, implied by the tag.
    known: Option<StrRef<'static>>,
    agent: u8,
    device: u16,
    integrator: u16,
}

impl JidVals {
    /// The borrowed JID, `data` being the frame its parts were read from.
    pub(super) fn to_ref(self, data: &[u8]) -> JidRef<'_> {
        // Both parts were read as strings (`plain` refuses JIDs), so the fallback is not taken.
        let text = |v: Val| v.str_ref(data).unwrap_or(StrRef::Token(""));
        JidRef {
            user: text(self.user),
            server: self.known.unwrap_or_else(|| text(self.server)),
            agent: self.agent,
            device: self.device,
            integrator: self.integrator,
        }
    }
}

impl<'a> ViewDecoder<'a, '_> {
    pub(super) fn binary_len(&mut self, tag: u8) -> Option<usize> {
        Some(match tag {
            BINARY_8 => usize::from(self.byte()?),
            BINARY_20 => {
                let [a, b, c] = self.array()?;
                usize::from(a & 0x0F) << 16 | usize::from(b) << 8 | usize::from(c)
            }
            _ => u32::from_be_bytes(self.array()?) as usize,
        })
    }

    /// Reads a string (token, packed, raw, LIST_EMPTY as "") or, when `allow_jid`, a JID.
    /// `text`: a tag, key or string content, where the owned decoder renders a JID to a string
    /// and charges the rendering.
    #[inline(always)]
    pub(super) fn item(&mut self, allow_jid: bool, text: bool) -> Option<Val> {
        // Most tags and keys and many values are single-byte tokens (every byte 1..=235 is
        // one): read without a call, which callgrind showed was most of a token's cost.
        if let Some(&tag @ 1..=235) = self.data.get(self.pos) {
            self.pos += 1;
            return Some(Val {
                kind: Kind::Token,
                a: token_code(None, tag),
                b: 0,
            });
        }
        self.any_item(allow_jid, text).map(ValBits::val)
    }

    /// [`Self::item`] for every form, returned in registers ([`ValBits`]).
    #[inline(never)]
    fn any_item(&mut self, allow_jid: bool, text: bool) -> Option<ValBits> {
        // Every arm makes its `ValBits` itself: where the arms merge through the stack, the
        // merged value is then written and read back at the same widths (merging `Val`s wrote
        // `a` and `b` as two 4-byte stores that `bits` read back as one 8-byte load: a stall
        // on every non-token item, `perf annotate` showed).
        let at = self.pos;
        let tag = self.byte()?;
        let token = |code| {
            Val {
                kind: Kind::Token,
                a: code,
                b: 0,
            }
            .bits()
        };
        Some(match tag {
            LIST_EMPTY => Val::EMPTY.bits(),
            1..=235 => match tokens::single(tag) {
                Some(_) => token(token_code(None, tag)),
                None => {
                    return self.fail(DecodeError::InvalidTag {
                        offset: at,
                        tag,
                        expected: "string",
                    })
                }
            },
            DICTIONARY_0..=DICTIONARY_3 => {
                let dict = tag - DICTIONARY_0;
                let index = self.byte()?;
                match tokens::double(dict, index) {
                    Some(_) => token(token_code(Some(dict), index)),
                    None => {
                        return self.fail(DecodeError::InvalidToken {
                            offset: at,
                            dict,
                            index,
                        })
                    }
                }
            }
            BINARY_8 | BINARY_20 | BINARY_32 => {
                let len = self.binary_len(tag)?;
                let str_at = self.pos;
                let raw = self.take(len)?;
                if std::str::from_utf8(raw).is_err() {
                    return self.fail(DecodeError::BadUtf8 { offset: str_at });
                }
                self.heap(len, str_at)?;
                Val {
                    kind: Kind::Raw,
                    a: str_at as u32,
                    b: len as u32,
                }
                .bits()
            }
            NIBBLE_8 | HEX_8 => self.packed(tag)?,
            JID_PAIR | AD_JID | FB_JID | INTEROP_JID if allow_jid => {
                let jid = self.jid(tag, at)?;
                if text {
                    self.charge_rendering(jid)?;
                }
                Val {
                    kind: Kind::Jid,
                    a: at as u32,
                    b: 0,
                }
                .bits()
            }
            _ => {
                return self.fail(DecodeError::InvalidTag {
                    offset: at,
                    tag,
                    expected: if allow_jid { "string or JID" } else { "string" },
                })
            }
        })
    }

    /// What the owned decoder charges for rendering a JID read where it wants a string.
    #[cold]
    #[inline(never)]
    fn charge_rendering(&mut self, j: JidVals) -> Option<()> {
        let s = j.to_ref(self.data).to_jid().to_string();
        self.heap(s.capacity(), self.pos)
    }

    /// A JID component: a string, never a nested JID.
    #[inline]
    fn plain(&mut self) -> Option<Val> {
        self.item(false, false)
    }

    /// Inlined: its 48-byte result came back through the stack and stalled the same way.
    #[inline(always)]
    pub(super) fn jid(&mut self, tag: u8, at: usize) -> Option<JidVals> {
        let (user, server, known, agent, device, integrator) = match tag {
            JID_PAIR => {
                let user = self.plain()?;
                let server = self.plain()?;
                if is_empty_str(&server) {
                    return self.fail(invalid_jid(at, "JID_PAIR with an empty server"));
                }
                (user, server, None, 0, 0, 0)
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
                let known = known(&server);
                (user, Val::EMPTY, Some(known), agent, u16::from(device), 0)
            }
            FB_JID => {
                let user = self.plain()?;
                let device = self.u16()?;
                let server = self.plain()?;
                if !server.eq_str(self.data, "msgr") {
                    return self.fail(invalid_jid(at, "FB_JID server is not msgr"));
                }
                let known = known(&Server::Messenger);
                (user, Val::EMPTY, Some(known), 0, device, 0)
            }
            _ => {
                let user = self.plain()?;
                let device = self.u16()?;
                let integrator = self.u16()?;
                let server = self.plain()?;
                if !server.eq_str(self.data, "interop") {
                    return self.fail(invalid_jid(at, "INTEROP_JID server is not interop"));
                }
                let known = known(&Server::Interop);
                (user, Val::EMPTY, Some(known), 0, device, integrator)
            }
        };
        // What the owned decoder charges for the owned JID: the user string's capacity (a
        // token is copied at its length, a packed string was allocated at twice its bytes, a
        // raw one moved at its length) and an unknown server's name.
        let user_heap = match user.kind {
            Kind::Token => token(user.a).len(),
            Kind::Raw => user.b as usize,
            _ => 2 * user.b as usize,
        };
        let server_heap = match known {
            None => self.unknown_server_len(server),
            Some(_) => 0,
        };
        self.heap(user_heap + server_heap, at)?;
        Some(JidVals {
            user,
            server,
            known,
            agent,
            device,
            integrator,
        })
    }

    /// The length of a JID_PAIR server's name when it is not one `Server` has a variant for.
    fn unknown_server_len(&self, server: Val) -> usize {
        let name = server.str_ref(self.data).unwrap_or(StrRef::Token(""));
        match Server::from(name.as_str().as_ref()) {
            Server::Other(s) => s.len(),
            _ => 0,
        }
    }

    /// A packed string, validated now and rendered only when asked.
    fn packed(&mut self, tag: u8) -> Option<ValBits> {
        let header_at = self.pos;
        let header = self.byte()?;
        let n = usize::from(header & 0x7F);
        let odd = header & 0x80 != 0;
        if odd && n == 0 {
            return self.fail(DecodeError::BadPackedHeader { offset: header_at });
        }
        let start = self.pos;
        let packed = self.take(n)?;
        self.heap(2 * n, header_at)?;
        if tag == NIBBLE_8 {
            for (i, &b) in packed.iter().enumerate() {
                let last = i + 1 == n;
                for (half, code) in [(0, b >> 4), (1, b & 0x0F)] {
                    if odd && last && half == 1 {
                        break;
                    }
                    if code > 11 {
                        return self.fail(DecodeError::InvalidNibble {
                            offset: start + i,
                            nibble: code,
                        });
                    }
                }
            }
        }
        let kind = match (tag == NIBBLE_8, odd) {
            (true, false) => Kind::Nibble,
            (true, true) => Kind::NibbleOdd,
            (false, false) => Kind::Hex,
            (false, true) => Kind::HexOdd,
        };
        Some(
            Val {
                kind,
                a: start as u32,
                b: n as u32,
            }
            .bits(),
        )
    }
}

fn invalid_jid(offset: usize, reason: &'static str) -> DecodeError {
    DecodeError::InvalidJid { offset, reason }
}
