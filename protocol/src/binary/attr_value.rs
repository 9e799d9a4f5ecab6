//! [`AttrValue`]: the value of one node attribute, a string or a JID, with conversions from
//! the types stanzas are built from.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use super::jid::Jid;

/// An attribute value: a string, or a JID (what the decoder yields for JID-encoded values).
///
/// Equality compares the string forms, so `"1@s.whatsapp.net"` equals the JID it names.
#[derive(Clone)]
pub enum AttrValue {
    /// A plain string value.
    Str(Cow<'static, str>),
    /// A JID value.
    Jid(Jid),
}

impl AttrValue {
    /// The value as text: borrowed for strings, rendered for JIDs.
    pub fn as_str(&self) -> Cow<'_, str> {
        match self {
            AttrValue::Str(s) => Cow::Borrowed(s),
            AttrValue::Jid(j) => Cow::Owned(j.to_string()),
        }
    }

    /// The value as a JID: the JID itself, or a string parsed as one.
    pub fn to_jid(&self) -> Option<Jid> {
        match self {
            AttrValue::Jid(j) => Some(j.clone()),
            AttrValue::Str(s) => s.parse().ok(),
        }
    }

    /// The JID when the value is JID-typed (no parsing).
    pub fn as_jid(&self) -> Option<&Jid> {
        match self {
            AttrValue::Jid(j) => Some(j),
            AttrValue::Str(_) => None,
        }
    }

    /// True when the value's text equals `s`, without allocating.
    pub fn eq_str(&self, s: &str) -> bool {
        match self {
            AttrValue::Str(v) => v == s,
            AttrValue::Jid(j) => {
                let mut w = EqWriter { rest: s, ok: true };
                let _ = write!(w, "{j}");
                w.ok && w.rest.is_empty()
            }
        }
    }
}

/// Compares formatted output against a string piece by piece.
struct EqWriter<'a> {
    rest: &'a str,
    ok: bool,
}

impl fmt::Write for EqWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self.rest.strip_prefix(s) {
            Some(rest) if self.ok => self.rest = rest,
            _ => self.ok = false,
        }
        Ok(())
    }
}

impl PartialEq for AttrValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (AttrValue::Str(a), b) | (b, AttrValue::Str(a)) => b.eq_str(a),
            (AttrValue::Jid(a), AttrValue::Jid(b)) => a == b || a.to_string() == b.to_string(),
        }
    }
}

impl Eq for AttrValue {}

impl PartialEq<str> for AttrValue {
    fn eq(&self, other: &str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<&str> for AttrValue {
    fn eq(&self, other: &&str) -> bool {
        self.eq_str(other)
    }
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::Str(s) => f.write_str(s),
            AttrValue::Jid(j) => fmt::Display::fmt(j, f),
        }
    }
}

impl fmt::Debug for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::Str(s) => fmt::Debug::fmt(s, f),
            AttrValue::Jid(j) => write!(f, "Jid({j})"),
        }
    }
}

impl From<&'static str> for AttrValue {
    fn from(s: &'static str) -> Self {
        AttrValue::Str(Cow::Borrowed(s))
    }
}

impl From<String> for AttrValue {
    fn from(s: String) -> Self {
        AttrValue::Str(Cow::Owned(s))
    }
}

impl From<Cow<'static, str>> for AttrValue {
    fn from(s: Cow<'static, str>) -> Self {
        AttrValue::Str(s)
    }
}

impl From<Jid> for AttrValue {
    fn from(j: Jid) -> Self {
        AttrValue::Jid(j)
    }
}

impl From<&Jid> for AttrValue {
    fn from(j: &Jid) -> Self {
        AttrValue::Jid(j.clone())
    }
}

impl From<bool> for AttrValue {
    fn from(b: bool) -> Self {
        AttrValue::Str(Cow::Borrowed(if b { "true" } else { "false" }))
    }
}

macro_rules! attr_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for AttrValue {
            fn from(n: $t) -> Self {
                AttrValue::Str(Cow::Owned(n.to_string()))
            }
        }
    )*};
}
attr_from_int!(u8, u16, u32, u64, usize, i32, i64);
