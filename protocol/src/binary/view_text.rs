//! The strings, JIDs and values of a borrowed node view ([`super::view`]), kept in wire form
//! until a caller asks for their text.

use std::borrow::Cow;
use std::fmt;

use super::jid::{Jid, Server};
use super::node::AttrValue;

/// A string read from the wire, still in its wire form.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum StrRef<'a> {
    /// A dictionary token (or `""` for LIST_EMPTY).
    Token(&'static str),
    /// Raw UTF-8 bytes of the frame (already validated).
    Raw(&'a str),
    /// A nibble- or hex-packed string: its packed bytes (already validated), whether it is
    /// nibble-packed, and whether the last half byte is padding.
    Packed {
        /// Packed bytes, two characters each.
        bytes: &'a [u8],
        /// Nibble alphabet (`0-9 - .`) rather than hex (`0-9 A-F`).
        nibble: bool,
        /// The last byte's low half is padding.
        odd: bool,
    },
}

/// The character of each half-byte code. Nibble codes above 11 are refused while decoding;
/// their entries only keep the table total.
const NIBBLE_CHARS: &[u8; 16] = b"0123456789-.CDEF";
const HEX_CHARS: &[u8; 16] = b"0123456789ABCDEF";

/// The text of a packed string: two table reads per byte into a buffer reserved once (the
/// `char` iterator this replaces, with its string regrowth, was a third of a `<message>`
/// parse read from a view: ids, timestamps and JID users are all packed).
fn unpack(bytes: &[u8], nibble: bool, odd: bool) -> String {
    let table = if nibble { NIBBLE_CHARS } else { HEX_CHARS };
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.extend_from_slice(&[table[usize::from(b >> 4)], table[usize::from(b & 0x0F)]]);
    }
    if odd {
        out.pop();
    }
    // Every table entry is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

impl<'a> StrRef<'a> {
    /// Whether packed `bytes` spell `s`, without rendering them.
    fn packed_eq(bytes: &[u8], nibble: bool, odd: bool, s: &str) -> bool {
        let table = if nibble { NIBBLE_CHARS } else { HEX_CHARS };
        let s = s.as_bytes();
        if bytes.len() * 2 - usize::from(odd) != s.len() {
            return false;
        }
        s.iter().enumerate().all(|(i, &c)| {
            let b = bytes[i / 2];
            let code = if i % 2 == 0 { b >> 4 } else { b & 0x0F };
            table[usize::from(code)] == c
        })
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        match *self {
            StrRef::Token(s) | StrRef::Raw(s) => s.is_empty(),
            StrRef::Packed { bytes, odd, .. } => bytes.len() * 2 - usize::from(odd) == 0,
        }
    }

    /// The string; borrowed unless it is packed.
    pub fn as_str(&self) -> Cow<'a, str> {
        match *self {
            StrRef::Token(s) => Cow::Borrowed(s),
            StrRef::Raw(s) => Cow::Borrowed(s),
            StrRef::Packed { bytes, nibble, odd } => Cow::Owned(unpack(bytes, nibble, odd)),
        }
    }

    /// Whether the string equals `s`, without allocating.
    pub fn eq_str(&self, s: &str) -> bool {
        match *self {
            StrRef::Token(t) => t == s,
            StrRef::Raw(r) => r == s,
            StrRef::Packed { bytes, nibble, odd } => Self::packed_eq(bytes, nibble, odd, s),
        }
    }

    /// The owned form the owned decoder produces: tokens stay borrowed, the rest is copied.
    pub fn to_cow(self) -> Cow<'static, str> {
        match self {
            StrRef::Token(s) => Cow::Borrowed(s),
            StrRef::Raw(s) => Cow::Owned(s.to_owned()),
            StrRef::Packed { .. } => Cow::Owned(self.as_str().into_owned()),
        }
    }
}

impl fmt::Display for StrRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            StrRef::Token(s) | StrRef::Raw(s) => f.write_str(s),
            StrRef::Packed { bytes, nibble, odd } => f.write_str(&unpack(bytes, nibble, odd)),
        }
    }
}

impl fmt::Debug for StrRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

/// A JID read from the wire, its user and server names still in wire form. It owns nothing,
/// so a view holding thousands of them is freed without visiting them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct JidRef<'a> {
    /// The user part.
    pub user: StrRef<'a>,
    /// The server name (a token for every server WhatsApp uses).
    pub server: StrRef<'a>,
    /// Raw AD agent for `s.whatsapp.net` JIDs with an unknown domain type; 0 otherwise.
    pub agent: u8,
    /// Device number.
    pub device: u16,
    /// Interop integrator id.
    pub integrator: u16,
}

impl JidRef<'_> {
    /// The server.
    pub fn server(&self) -> Server {
        match self.server {
            StrRef::Token(s) | StrRef::Raw(s) => Server::from(s),
            packed => Server::from(packed.as_str().as_ref()),
        }
    }

    /// The owned JID.
    pub fn to_jid(self) -> Jid {
        Jid {
            user: self.user.as_str().into_owned(),
            server: self.server(),
            agent: self.agent,
            device: self.device,
            integrator: self.integrator,
        }
    }
}

impl fmt::Display for JidRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Same rendering as `Jid`'s Display, without building the owned JID.
        if self.server.eq_str("interop") && self.integrator != 0 {
            write!(f, "{}-", self.integrator)?;
        }
        write!(f, "{}", self.user)?;
        if self.agent != 0 {
            write!(f, ".{}:{}", self.agent, self.device)?;
        } else if self.device != 0 {
            write!(f, ":{}", self.device)?;
        }
        write!(f, "@{}", self.server)
    }
}

/// A tag, attribute key or attribute value: a string or a JID.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ValueRef<'a> {
    /// A string.
    Str(StrRef<'a>),
    /// A JID.
    Jid(JidRef<'a>),
}

impl<'a> ValueRef<'a> {
    /// The text; borrowed for tokens and raw strings.
    pub fn as_str(&self) -> Cow<'a, str> {
        match self {
            ValueRef::Str(s) => s.as_str(),
            ValueRef::Jid(j) => Cow::Owned(j.to_string()),
        }
    }

    /// Whether the text equals `s` (allocates only for a JID).
    pub fn eq_str(&self, s: &str) -> bool {
        match self {
            ValueRef::Str(v) => v.eq_str(s),
            ValueRef::Jid(j) => j.to_string() == s,
        }
    }

    /// The JID, parsed from the text when it was sent as a string.
    pub fn to_jid(self) -> Option<Jid> {
        match self {
            ValueRef::Jid(j) => Some(j.to_jid()),
            ValueRef::Str(s) => s.as_str().parse().ok(),
        }
    }

    /// The owned attribute value the owned decoder produces.
    pub fn to_attr_value(self) -> AttrValue {
        match self {
            ValueRef::Str(s) => AttrValue::Str(s.to_cow()),
            ValueRef::Jid(j) => AttrValue::Jid(j.to_jid()),
        }
    }

    /// The owned text the owned decoder produces for a tag or key.
    pub(crate) fn to_cow(self) -> Cow<'static, str> {
        match self {
            ValueRef::Str(s) => s.to_cow(),
            ValueRef::Jid(j) => Cow::Owned(j.to_string()),
        }
    }
}

impl fmt::Debug for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::Str(s) => write!(f, "{s:?}"),
            ValueRef::Jid(j) => write!(f, "Jid({j})"),
        }
    }
}
