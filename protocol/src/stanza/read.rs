//! [`StanzaNode`]: what the incoming-stanza parsers read from a node, implemented both for an
//! owned [`Node`] and for a borrowed [`NodeRef`] of a [`FrameView`](crate::binary::FrameView).
//!
//! Each parser is written once over this trait, so the view entry points
//! (`MessageStanza::parse_view`, `IncomingReceipt::parse_view`, ...) give the same typed
//! result, or the same error, as the `Node` ones by construction; the view ones skip building
//! the owned tree (every string, attribute list and child vector), which cost more than the
//! parse itself on the receive path.

use std::borrow::Cow;
use std::str::FromStr;

use crate::binary::{AttrKeys, AttrValue, ContentRef, Jid, Node, NodeRef, StrRef, ValueRef};

/// One attribute value read from a node: borrowed from an owned [`Node`] or from a view.
///
/// Every reader of an attribute goes through it, so both forms of a stanza read alike.
#[derive(Clone, Copy, Debug)]
pub enum AttrRef<'n> {
    /// A value of an owned node.
    Owned(&'n AttrValue),
    /// A value of a viewed node, still in wire form.
    View(ValueRef<'n>),
}

/// The character of each half-byte code of packed strings (the view's own tables, kept here
/// so numbers can be rendered on the stack).
const NIBBLE_CHARS: &[u8; 16] = b"0123456789-.CDEF";
const HEX_CHARS: &[u8; 16] = b"0123456789ABCDEF";

impl<'n> AttrRef<'n> {
    /// The text (JIDs rendered).
    pub fn text(self) -> Cow<'n, str> {
        match self {
            AttrRef::Owned(v) => v.as_str(),
            AttrRef::View(v) => v.as_str(),
        }
    }

    /// Whether the text equals `s` (allocates only for a JID).
    pub fn eq_str(self, s: &str) -> bool {
        match self {
            AttrRef::Owned(AttrValue::Str(v)) => v == s,
            AttrRef::Owned(v) => v.as_str() == s,
            AttrRef::View(v) => v.eq_str(s),
        }
    }

    /// The value as the owned decoder yields it (a string, or a JID when sent as one), for
    /// copying into a reply.
    pub fn to_attr_value(self) -> AttrValue {
        match self {
            AttrRef::Owned(v) => v.clone(),
            AttrRef::View(v) => v.to_attr_value(),
        }
    }

    /// The value as a JID: `Err` holds the text of a value that is not one.
    pub fn jid(self) -> Result<Jid, Cow<'n, str>> {
        match self {
            AttrRef::Owned(v) => v.to_jid().ok_or_else(|| v.as_str()),
            AttrRef::View(ValueRef::Jid(j)) => Ok(j.to_jid()),
            AttrRef::View(ValueRef::Str(s)) => {
                let text = s.as_str();
                text.parse().map_err(|_| text)
            }
        }
    }

    /// The value when sent as a string: `Err` holds the rendered text of a JID value
    /// (numbers and names are never JIDs).
    pub fn plain(self) -> Result<Cow<'n, str>, Cow<'n, str>> {
        match self {
            AttrRef::Owned(AttrValue::Str(s)) => Ok(Cow::Borrowed(s.as_ref())),
            AttrRef::Owned(v) => Err(v.as_str()),
            AttrRef::View(ValueRef::Str(s)) => Ok(s.as_str()),
            AttrRef::View(v) => Err(v.as_str()),
        }
    }

    /// A number sent as a string: `Err` holds the text of anything else (a JID, or text that
    /// does not parse as `T`). Packed digits are parsed from a stack copy: timestamps and
    /// counts are nearly always packed, and rendering them to a `String` was one allocation
    /// per number.
    pub fn number<T: FromStr>(self) -> Result<T, Cow<'n, str>> {
        if let AttrRef::View(ValueRef::Str(StrRef::Packed { bytes, nibble, odd })) = self {
            let mut buf = [0u8; 64];
            if bytes.len() * 2 <= buf.len() {
                let table = if nibble { NIBBLE_CHARS } else { HEX_CHARS };
                for (i, &b) in bytes.iter().enumerate() {
                    buf[2 * i] = table[usize::from(b >> 4)];
                    buf[2 * i + 1] = table[usize::from(b & 0x0F)];
                }
                let len = bytes.len() * 2 - usize::from(odd);
                // Every table entry is ASCII.
                if let Ok(text) = std::str::from_utf8(&buf[..len]) {
                    return text.parse().map_err(|_| Cow::Owned(text.to_owned()));
                }
            }
        }
        let s = self.plain()?;
        s.parse().map_err(|_| s)
    }
}

/// A node the stanza parsers can read: an owned `&Node` or a borrowed `NodeRef`.
///
/// `'n` is how long the strings and bytes read from it live.
pub trait StanzaNode<'n>: Copy {
    /// The children, in wire order.
    type Children: Iterator<Item = Self>;

    /// Whether the element name is `tag`.
    fn tag_is(self, tag: &str) -> bool;

    /// The element name.
    fn tag_text(self) -> Cow<'n, str>;

    /// The first attribute named `key`.
    fn attr(self, key: &str) -> Option<AttrRef<'n>>;

    /// The attributes named by `keys`, read in one pass: slot `i` holds what
    /// [`attr`](Self::attr) would return for `keys.names()[i]`.
    fn attrs_by_key<const K: usize>(self, keys: &AttrKeys<K>) -> [Option<AttrRef<'n>>; K];

    /// Whether attribute `key` is present.
    fn has_attr(self, key: &str) -> bool {
        self.attr(key).is_some()
    }

    /// The text of attribute `key` (JIDs rendered).
    fn attr_text(self, key: &str) -> Option<Cow<'n, str>> {
        self.attr(key).map(AttrRef::text)
    }

    /// Attribute `key` as the owned decoder yields it (a string, or a JID when sent as one),
    /// for copying into a reply.
    fn attr_value(self, key: &str) -> Option<AttrValue> {
        self.attr(key).map(AttrRef::to_attr_value)
    }

    /// Attribute `key` as a JID: `Err` holds the text of a value that is not one.
    fn attr_jid(self, key: &str) -> Option<Result<Jid, Cow<'n, str>>> {
        self.attr(key).map(AttrRef::jid)
    }

    /// Attribute `key` when sent as a string: `Err` holds the rendered text of a JID value
    /// (numbers and names are never JIDs).
    fn attr_plain(self, key: &str) -> Option<Result<Cow<'n, str>, Cow<'n, str>>> {
        self.attr(key).map(AttrRef::plain)
    }

    /// The children (none unless the content is a node list).
    fn children(self) -> Self::Children;

    /// The first child named `tag`.
    fn child(self, tag: &str) -> Option<Self> {
        self.children().find(|c| c.tag_is(tag))
    }

    /// The children named `tag`, in wire order.
    fn children_by_tag(self, tag: &str) -> impl Iterator<Item = Self> {
        self.children().filter(move |c| c.tag_is(tag))
    }

    /// The content as text (invalid UTF-8 replaced), when it has bytes.
    fn content_text(self) -> Option<String> {
        self.content_bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// The content as bytes: binary content, or the bytes of string content.
    fn content_bytes(self) -> Option<Cow<'n, [u8]>>;
}

impl<'n> StanzaNode<'n> for &'n Node {
    type Children = std::slice::Iter<'n, Node>;

    fn tag_is(self, tag: &str) -> bool {
        self.tag == tag
    }

    fn tag_text(self) -> Cow<'n, str> {
        Cow::Borrowed(&self.tag)
    }

    fn attr(self, key: &str) -> Option<AttrRef<'n>> {
        Node::attr(self, key).map(AttrRef::Owned)
    }

    fn attrs_by_key<const K: usize>(self, keys: &AttrKeys<K>) -> [Option<AttrRef<'n>>; K] {
        let mut out = [None; K];
        for (k, v) in self.attrs.iter() {
            if let Some(i) = keys.names().iter().position(|n| *n == k) {
                if out[i].is_none() {
                    out[i] = Some(AttrRef::Owned(v));
                }
            }
        }
        out
    }

    fn children(self) -> Self::Children {
        Node::children(self).iter()
    }

    fn child(self, tag: &str) -> Option<Self> {
        Node::child(self, tag)
    }

    fn content_bytes(self) -> Option<Cow<'n, [u8]>> {
        Node::content_bytes(self).map(Cow::Borrowed)
    }
}

impl<'v, 'a: 'v> StanzaNode<'v> for NodeRef<'v, 'a> {
    type Children = crate::binary::Children<'v, 'a>;

    fn tag_is(self, tag: &str) -> bool {
        NodeRef::is(&self, tag)
    }

    fn tag_text(self) -> Cow<'v, str> {
        NodeRef::tag(&self).as_str()
    }

    fn attr(self, key: &str) -> Option<AttrRef<'v>> {
        NodeRef::attr(&self, key).map(AttrRef::View)
    }

    fn attrs_by_key<const K: usize>(self, keys: &AttrKeys<K>) -> [Option<AttrRef<'v>>; K] {
        NodeRef::attrs_by_key(&self, keys, AttrRef::View)
    }

    fn children(self) -> Self::Children {
        NodeRef::children(&self)
    }

    fn child(self, tag: &str) -> Option<Self> {
        NodeRef::child(&self, tag)
    }

    fn content_bytes(self) -> Option<Cow<'v, [u8]>> {
        match NodeRef::content(&self) {
            ContentRef::Bytes(b) => Some(Cow::Borrowed(b)),
            ContentRef::Text(ValueRef::Str(StrRef::Raw(s) | StrRef::Token(s))) => {
                Some(Cow::Borrowed(s.as_bytes()))
            }
            // Packed strings and JIDs have no bytes of their own in the frame: the owned
            // decoder renders them too.
            ContentRef::Text(t) => Some(Cow::Owned(t.as_str().into_owned().into_bytes())),
            ContentRef::None | ContentRef::Nodes(_) => None,
        }
    }
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
