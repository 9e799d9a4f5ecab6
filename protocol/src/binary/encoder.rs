//! Node → bytes (without the frame flags byte; see [`frame`](super::frame) for that).
//!
//! String choice follows whatsmeow `writeString` and Baileys `encode.ts` `writeString`: empty →
//! zero-length raw; dictionary token; nibble-packed; hex-packed; a string containing `@` that
//! parses as a JID → JID form (a Baileys habit the golden vectors pin down); else raw.

use std::borrow::Cow;

use super::error::EncodeError;
use super::jid::{Jid, JidParts, Server, DOMAIN_HOSTED, DOMAIN_HOSTED_LID, DOMAIN_LID};
use super::node::{AttrValue, Content, Node};
use super::tags::*;
use super::token_index;
use super::tokens::{self, Token};

/// Appends the encoding of `node` to `out`. On error `out` is left as it was.
pub fn encode_into(node: &Node, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    let result = Encoder { out }.node(node);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// The encoding of `node` in a new buffer, reserved once from a bound on the size: a stanza of
/// up to 32 nodes never regrows it while writing.
pub fn encode(node: &Node) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(super::encoded_len::reserve(node));
    encode_into(node, &mut out)?;
    Ok(out)
}

struct Encoder<'a> {
    out: &'a mut Vec<u8>,
}

impl Encoder<'_> {
    fn node(&mut self, node: &Node) -> Result<(), EncodeError> {
        let has_content = !matches!(node.content, Content::None);
        let size = 1 + 2 * node.attrs.len() + usize::from(has_content);
        self.list_start(size, &node.tag)?;
        self.string(&node.tag)?;
        for (key, value) in node.attrs.entries() {
            self.string(key)?;
            match value {
                AttrValue::Str(s) => self.string(s)?,
                AttrValue::Jid(j) => self.jid(j)?,
            }
        }
        match &node.content {
            Content::None => {}
            Content::Nodes(children) => {
                self.list_start(children.len(), &node.tag)?;
                for child in children {
                    self.node(child)?;
                }
            }
            Content::Bytes(b) => self.bytes(b)?,
            Content::String(s) => self.string(s)?,
        }
        Ok(())
    }

    fn list_start(&mut self, size: usize, tag: &str) -> Result<(), EncodeError> {
        match size {
            0 => self.out.push(LIST_EMPTY),
            1..=255 => self.out.extend_from_slice(&[LIST_8, size as u8]),
            256..=0xFFFF => {
                self.out.push(LIST_16);
                self.out.extend_from_slice(&(size as u16).to_be_bytes());
            }
            _ => {
                return Err(EncodeError::ListTooLong {
                    tag: tag.to_owned(),
                    size,
                })
            }
        }
        Ok(())
    }

    fn bytes(&mut self, b: &[u8]) -> Result<(), EncodeError> {
        let len = b.len();
        if len < 256 {
            self.out.extend_from_slice(&[BINARY_8, len as u8]);
        } else if len < 1 << 20 {
            self.out.extend_from_slice(&[
                BINARY_20,
                ((len >> 16) & 0x0F) as u8,
                (len >> 8) as u8,
                len as u8,
            ]);
        } else {
            let len32 = u32::try_from(len).map_err(|_| EncodeError::PayloadTooLarge { len })?;
            self.out.push(BINARY_32);
            self.out.extend_from_slice(&len32.to_be_bytes());
        }
        self.out.extend_from_slice(b);
        Ok(())
    }

    /// Any string: may come out in JID form. Takes the `Cow` because whether the string is
    /// static decides how its token is looked up.
    #[allow(clippy::ptr_arg)]
    fn string(&mut self, s: &Cow<'static, str>) -> Result<(), EncodeError> {
        let token = match s {
            Cow::Borrowed(s) => token_index::lookup_static(s),
            Cow::Owned(s) => tokens::lookup(s),
        };
        if self.compact_string(s, token) {
            return Ok(());
        }
        if s.contains('@') {
            if let Ok(parts) = JidParts::parse(s) {
                if self.jid_parts(&parts)? {
                    return Ok(());
                }
            }
        }
        self.bytes(s.as_bytes())
    }

    /// A string that must stay a string (JID components).
    fn plain_string(&mut self, s: &str) -> Result<(), EncodeError> {
        if self.compact_string(s, tokens::lookup(s)) {
            return Ok(());
        }
        self.bytes(s.as_bytes())
    }

    /// Token (`token`: the dictionary's answer for `s`) or packed form; false when neither
    /// applies (the empty string is always raw). The token case is inlined into the callers:
    /// most strings are tokens, and callgrind showed the call costing more than the write.
    #[inline]
    fn compact_string(&mut self, s: &str, token: Option<Token>) -> bool {
        match token {
            Some(Token::Single(i)) => {
                self.out.push(i);
                true
            }
            Some(Token::Double { dict, index }) => {
                self.out.extend_from_slice(&[DICTIONARY_0 + dict, index]);
                true
            }
            None => self.packed_string(s),
        }
    }

    /// Nibble- or hex-packed form; false when neither applies.
    #[inline(never)]
    fn packed_string(&mut self, s: &str) -> bool {
        if s.is_empty() || s.len() > PACKED_MAX {
            return false;
        }
        // One pass decides both packings: the AND of every byte's class bits.
        let class = s
            .bytes()
            .fold(NIBBLE | HEX, |acc, b| acc & CLASS[usize::from(b)]);
        if class & NIBBLE != 0 {
            self.packed(NIBBLE_8, s, &NIBBLE_CODE);
            true
        } else if class & HEX != 0 {
            self.packed(HEX_8, s, &HEX_CODE);
            true
        } else {
            false
        }
    }

    /// Writes `s` (1..=127 packable ASCII bytes) two codes per byte, padding with 15.
    fn packed(&mut self, tag: u8, s: &str, code: &[u8; 256]) {
        let b = s.as_bytes();
        let odd = b.len() % 2 == 1;
        let header = b.len().div_ceil(2) as u8 | if odd { 0x80 } else { 0 };
        self.out.reserve(2 + b.len().div_ceil(2));
        self.out.extend_from_slice(&[tag, header]);
        let c = |x: u8| code[usize::from(x)];
        let pairs = b.chunks_exact(2);
        let rest = pairs.remainder();
        self.out
            .extend(pairs.map(|pair| c(pair[0]) << 4 | c(pair[1])));
        if let [x] = rest {
            self.out.push(c(*x) << 4 | 15);
        }
    }

    /// Writes a JID parsed from a string, following Baileys `writeJid` where that keeps the
    /// text; returns false (write the raw string instead) where Baileys would lose part of it.
    fn jid_parts(&mut self, p: &JidParts<'_>) -> Result<bool, EncodeError> {
        match (p.server, p.device) {
            ("msgr", Some(device)) if p.agent.is_none() => {
                self.fb_jid(p.user, device)?;
            }
            ("interop", device)
                if p.agent.is_none() && (device.is_some() || p.integrator.is_some()) =>
            {
                self.interop_jid(p.user, device.unwrap_or(0), p.integrator.unwrap_or(0))?;
            }
            (server, Some(device)) => {
                let domain = match (server, p.agent) {
                    ("s.whatsapp.net", agent) => agent.unwrap_or(0),
                    ("lid", None) => DOMAIN_LID,
                    ("hosted", None) => DOMAIN_HOSTED,
                    ("hosted.lid", None) => DOMAIN_HOSTED_LID,
                    _ => return Ok(false),
                };
                let Ok(device) = u8::try_from(device) else {
                    return Ok(false);
                };
                self.ad_jid(domain, device, p.user)?;
            }
            (_, None) if p.agent.is_some() => return Ok(false),
            (server, None) => self.jid_pair(p.user, server)?,
        }
        Ok(true)
    }

    /// Writes a typed JID the way whatsmeow `writeJID` does; combinations no binary JID form can
    /// hold (a device on a group JID, say) are written as the JID's text.
    fn jid(&mut self, j: &Jid) -> Result<(), EncodeError> {
        let ad_domain = match j.server {
            Server::DefaultUser if j.device > 0 || j.agent > 0 => j.domain_type(),
            Server::Lid if j.device > 0 => j.domain_type(),
            Server::Hosted | Server::HostedLid => j.domain_type(),
            _ => None,
        };
        let simple = j.agent == 0 || j.server == Server::DefaultUser;
        match (&j.server, ad_domain) {
            (_, Some(domain)) if simple && j.device <= 0xFF => {
                self.ad_jid(domain, j.device as u8, &j.user)
            }
            (Server::Messenger, _) if j.agent == 0 => self.fb_jid(&j.user, j.device),
            (Server::Interop, _) if j.agent == 0 => {
                self.interop_jid(&j.user, j.device, j.integrator)
            }
            (server, None)
                if j.agent == 0
                    && j.device == 0
                    && j.integrator == 0
                    && !server.as_str().is_empty() =>
            {
                self.jid_pair(&j.user, server.as_str())
            }
            _ => self.bytes(j.to_string().as_bytes()),
        }
    }

    fn jid_pair(&mut self, user: &str, server: &str) -> Result<(), EncodeError> {
        self.out.push(JID_PAIR);
        if user.is_empty() {
            self.out.push(LIST_EMPTY);
        } else {
            self.plain_string(user)?;
        }
        self.plain_string(server)
    }

    fn ad_jid(&mut self, domain: u8, device: u8, user: &str) -> Result<(), EncodeError> {
        self.out.extend_from_slice(&[AD_JID, domain, device]);
        self.plain_string(user)
    }

    fn fb_jid(&mut self, user: &str, device: u16) -> Result<(), EncodeError> {
        self.out.push(FB_JID);
        self.plain_string(user)?;
        self.out.extend_from_slice(&device.to_be_bytes());
        self.plain_string("msgr")
    }

    fn interop_jid(&mut self, user: &str, device: u16, integrator: u16) -> Result<(), EncodeError> {
        self.out.push(INTEROP_JID);
        self.plain_string(user)?;
        self.out.extend_from_slice(&device.to_be_bytes());
        self.out.extend_from_slice(&integrator.to_be_bytes());
        self.plain_string("interop")
    }
}

/// Class bit: the byte has a NIBBLE_8 code (`0-9`, `-`, `.`).
const NIBBLE: u8 = 1;
/// Class bit: the byte has a HEX_8 code (`0-9`, `A-F`, uppercase only).
const HEX: u8 = 2;

/// Which packings each byte allows.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = match c {
            b'0'..=b'9' => NIBBLE | HEX,
            b'-' | b'.' => NIBBLE,
            b'A'..=b'F' => HEX,
            _ => 0,
        };
        b += 1;
    }
    t
};

/// NIBBLE_8 code of each byte the class table allows (others unused).
const NIBBLE_CODE: [u8; 256] = {
    let mut t = [15u8; 256];
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = d as u8;
        d += 1;
    }
    t[b'-' as usize] = 10;
    t[b'.' as usize] = 11;
    t
};

/// HEX_8 code of each byte the class table allows (others unused).
const HEX_CODE: [u8; 256] = {
    let mut t = [15u8; 256];
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = d as u8;
        d += 1;
    }
    let mut h = 0;
    while h < 6 {
        t[b'A' as usize + h] = 10 + h as u8;
        h += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(node: &Node) -> String {
        hex::encode(encode(node).unwrap())
    }

    fn attr(v: impl Into<AttrValue>) -> String {
        // <x a=v/>: f8 03 fc0178 fc0161 <v>
        let s = enc(&Node::build("x").attr("a", v).finish());
        s.strip_prefix("f803fc0178fc0161").unwrap().to_owned()
    }

    #[test]
    fn strings() {
        assert_eq!(attr(""), "fc00");
        assert_eq!(attr("iq"), "19");
        assert_eq!(attr("read-self"), "ec00");
        assert_eq!(attr("12345"), "ff8312345f");
        assert_eq!(attr("3EB0A"), "fb833eb0af");
        assert_eq!(attr("3eb0a"), "fc053365623061");
        assert_eq!(attr("1".repeat(128)).len(), 4 + 256);
    }

    #[test]
    fn jid_strings() {
        assert_eq!(attr("@s.whatsapp.net"), "fa0003");
        assert_eq!(attr("15551234567@s.whatsapp.net"), "faff8615551234567f03");
        assert_eq!(
            attr("15557654321:0@s.whatsapp.net"),
            "f70000ff8615557654321f"
        );
        assert_eq!(
            attr("15551234567_1:3@s.whatsapp.net"),
            "f70103ff8615551234567f"
        );
        assert_eq!(attr("155:3@msgr"), "f6ff82155f 0003 cc".replace(' ', ""));
        assert_eq!(
            attr("7-155:3@interop"),
            "f5ff82155f00030007fc07696e7465726f70"
        );
        // Forms Baileys would mangle are kept as text.
        assert_eq!(
            attr("1:3@g.us"),
            hex::encode([&[0xfc, 8][..], b"1:3@g.us"].concat())
        );
        assert_eq!(attr("a_1@s.whatsapp.net").len(), 4 + 2 * 18);
        assert_eq!(attr("a@b@c").len(), 4 + 10);
        assert_eq!(attr("1:300@s.whatsapp.net").len(), 4 + 40);
    }

    #[test]
    fn typed_jids() {
        assert_eq!(attr(Jid::pn("155")), "faff82155f03");
        assert_eq!(attr(Jid::pn("155").with_device(0)), "faff82155f03");
        assert_eq!(attr(Jid::lid("155").with_device(7)), "f70107ff82155f");
        assert_eq!(attr(Jid::new("155", Server::Hosted)), "f78000ff82155f");
        assert_eq!(
            attr(Jid::new("155", Server::Messenger).with_device(2)),
            "f6ff82155f0002cc"
        );
        assert_eq!(attr(Jid::server_jid()), "fa0003");
        let odd = Jid::group("1").with_device(2);
        assert_eq!(
            attr(odd),
            hex::encode([&[0xfc, 8][..], b"1:2@g.us"].concat())
        );
        assert_eq!(attr(Jid::pn("1").with_device(300)).len(), 4 + 2 * 20);
    }

    #[test]
    fn lengths_and_lists() {
        let n = Node::build("x").bytes(vec![7; 300]).finish();
        assert!(enc(&n).starts_with("f802fc0178fd00012c07"));
        let n = Node::build("x").bytes(vec![7; 1 << 20]).finish();
        assert!(enc(&n).starts_with("f802fc0178fe0010000007"));
        let n = Node::build("x")
            .children((0..300).map(|_| Node::new("iq")))
            .finish();
        assert!(enc(&n).starts_with("f802fc0178f9012cf80119"));
        assert_eq!(enc(&Node::build("x").children([]).finish()), "f802fc017800");
    }

    #[test]
    fn too_many_children_is_an_error_and_leaves_the_buffer() {
        let n = Node::build("x")
            .children((0..70_000).map(|_| Node::new("iq")))
            .finish();
        let mut out = vec![0];
        assert!(matches!(
            encode_into(&n, &mut out),
            Err(EncodeError::ListTooLong { size: 70_000, .. })
        ));
        assert_eq!(out, [0]);
    }
}
