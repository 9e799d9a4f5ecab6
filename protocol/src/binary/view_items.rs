//! The strings and JIDs of [`view_decoder`](super::view_decoder): read into compact
//! [`Val`]s, with the owned decoder's checks and budget charges in the same order.

use super::error::DecodeError;
use super::jid::{Server, DOMAIN_HOSTED, DOMAIN_HOSTED_LID, DOMAIN_LID};
use super::tags::*;
use super::tokens;
use super::view_decoder::ViewDecoder;
use super::view_raw::{token_code, Kind, Val};
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

impl<'a> ViewDecoder<'a> {
    pub(super) fn binary_len(&mut self, tag: u8) -> Result<usize, DecodeError> {
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
    /// `text`: a tag, key or string content, where the owned decoder renders a JID to a string
    /// and charges the rendering.
    #[inline(always)]
    pub(super) fn item(&mut self, allow_jid: bool, text: bool) -> Result<Val, DecodeError> {
        // Most tags and keys and many values are single-byte tokens (every byte 1..=235 is
        // one): read without a call, which callgrind showed was most of a token's cost.
        if let Some(&tag @ 1..=235) = self.data.get(self.pos) {
            self.pos += 1;
            return Ok(Val {
                kind: Kind::Token,
                a: token_code(None, tag),
                b: 0,
            });
        }
        self.any_item(allow_jid, text)
    }

    /// [`Self::item`] for every form.
    #[inline(never)]
    fn any_item(&mut self, allow_jid: bool, text: bool) -> Result<Val, DecodeError> {
        let at = self.pos;
        let tag = self.byte()?;
        let token = |code| Val {
            kind: Kind::Token,
            a: code,
            b: 0,
        };
        Ok(match tag {
            LIST_EMPTY => Val::EMPTY,
            1..=235 => match tokens::single(tag) {
                Some(_) => token(token_code(None, tag)),
                None => {
                    return Err(DecodeError::InvalidTag {
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
                        return Err(DecodeError::InvalidToken {
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
                    return Err(DecodeError::BadUtf8 { offset: str_at });
                }
                self.budget.heap(len, str_at)?;
                Val {
                    kind: Kind::Raw,
                    a: str_at as u32,
                    b: len as u32,
                }
            }
            NIBBLE_8 | HEX_8 => self.packed(tag)?,
            JID_PAIR | AD_JID | FB_JID | INTEROP_JID if allow_jid => {
                let jid = self.jid(tag, at)?;
                if text {
                    self.charge_rendering(&jid)?;
                }
                Val {
                    kind: Kind::Jid,
                    a: at as u32,
                    b: 0,
                }
            }
            _ => {
                return Err(DecodeError::InvalidTag {
                    offset: at,
                    tag,
                    expected: if allow_jid { "string or JID" } else { "string" },
                })
            }
        })
    }

    /// A JID component: a string, never a nested JID.
    fn plain(&mut self) -> Result<StrRef<'a>, DecodeError> {
        let v = self.item(false, false)?;
        // `item(false, _)` refuses JIDs, so this is a string.
        v.str_ref(self.data).ok_or(DecodeError::InvalidTag {
            offset: self.pos,
            tag: 0,
            expected: "string",
        })
    }

    pub(super) fn jid(&mut self, tag: u8, at: usize) -> Result<JidRef<'a>, DecodeError> {
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
    fn packed(&mut self, tag: u8) -> Result<Val, DecodeError> {
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
        let kind = match (tag == NIBBLE_8, odd) {
            (true, false) => Kind::Nibble,
            (true, true) => Kind::NibbleOdd,
            (false, false) => Kind::Hex,
            (false, true) => Kind::HexOdd,
        };
        Ok(Val {
            kind,
            a: start as u32,
            b: n as u32,
        })
    }
}
