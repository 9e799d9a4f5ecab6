//! [`StanzaNode`]: what the incoming-stanza parsers read from a node, implemented both for an
//! owned [`Node`] and for a borrowed [`NodeRef`] of a [`FrameView`](crate::binary::FrameView).
//!
//! Each parser is written once over this trait, so the view entry points
//! (`MessageStanza::parse_view`, `IncomingReceipt::parse_view`, ...) give the same typed
//! result, or the same error, as the `Node` ones by construction; the view ones skip building
//! the owned tree (every string, attribute list and child vector), which cost more than the
//! parse itself on the receive path.

use std::borrow::Cow;

use crate::binary::{AttrValue, ContentRef, Jid, Node, NodeRef, StrRef, ValueRef};

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

    /// Whether attribute `key` is present.
    fn has_attr(self, key: &str) -> bool;

    /// The text of attribute `key` (JIDs rendered).
    fn attr_text(self, key: &str) -> Option<Cow<'n, str>>;

    /// Attribute `key` as the owned decoder yields it (a string, or a JID when sent as one),
    /// for copying into a reply.
    fn attr_value(self, key: &str) -> Option<AttrValue>;

    /// Attribute `key` as a JID: `Err` holds the text of a value that is not one.
    fn attr_jid(self, key: &str) -> Option<Result<Jid, Cow<'n, str>>>;

    /// Attribute `key` when sent as a string: `Err` holds the rendered text of a JID value
    /// (numbers and names are never JIDs).
    fn attr_plain(self, key: &str) -> Option<Result<Cow<'n, str>, Cow<'n, str>>>;

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

    fn has_attr(self, key: &str) -> bool {
        Node::attr(self, key).is_some()
    }

    fn attr_text(self, key: &str) -> Option<Cow<'n, str>> {
        Node::attr_str(self, key)
    }

    fn attr_value(self, key: &str) -> Option<AttrValue> {
        Node::attr(self, key).cloned()
    }

    fn attr_jid(self, key: &str) -> Option<Result<Jid, Cow<'n, str>>> {
        Node::attr(self, key).map(|v| v.to_jid().ok_or_else(|| v.as_str()))
    }

    fn attr_plain(self, key: &str) -> Option<Result<Cow<'n, str>, Cow<'n, str>>> {
        Node::attr(self, key).map(|v| match v {
            AttrValue::Str(s) => Ok(Cow::Borrowed(s.as_ref())),
            AttrValue::Jid(_) => Err(v.as_str()),
        })
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

    fn has_attr(self, key: &str) -> bool {
        NodeRef::attr(&self, key).is_some()
    }

    fn attr_text(self, key: &str) -> Option<Cow<'v, str>> {
        NodeRef::attr(&self, key).map(|v| v.as_str())
    }

    fn attr_value(self, key: &str) -> Option<AttrValue> {
        NodeRef::attr(&self, key).map(ValueRef::to_attr_value)
    }

    fn attr_jid(self, key: &str) -> Option<Result<Jid, Cow<'v, str>>> {
        NodeRef::attr(&self, key).map(|v| match v {
            ValueRef::Jid(j) => Ok(j.to_jid()),
            ValueRef::Str(s) => {
                let text = s.as_str();
                text.parse().map_err(|_| text)
            }
        })
    }

    fn attr_plain(self, key: &str) -> Option<Result<Cow<'v, str>, Cow<'v, str>>> {
        NodeRef::attr(&self, key).map(|v| match v {
            ValueRef::Str(s) => Ok(s.as_str()),
            ValueRef::Jid(_) => Err(v.as_str()),
        })
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
