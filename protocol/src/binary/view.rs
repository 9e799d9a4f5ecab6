//! Borrowed node views: a frame decoded without copying its strings or payloads.
//!
//! [`decode_view`](super::view_decoder::decode_view) reads a frame body into a [`FrameView`]:
//! two flat arenas (nodes, attributes) whose strings and binary contents point into the input.
//! A node's children sit next to each other in the node arena, so a stanza costs two
//! allocations however many nodes it holds. Packed (nibble/hex) strings and JIDs are validated
//! while decoding and rendered only when asked. [`NodeRef::to_owned`] builds the owned [`Node`]
//! that [`decode`](super::decode) would have returned for the same input.

use std::fmt;

use super::node::{Attrs, Content, Node};
pub use super::view_text::{JidRef, StrRef, ValueRef};

#[derive(Clone, Copy)]
pub(crate) enum RawContent<'a> {
    None,
    /// `len` children from `start` in the node arena.
    Nodes {
        start: usize,
        len: usize,
    },
    Bytes(&'a [u8]),
    Text(ValueRef<'a>),
}

#[derive(Clone, Copy)]
pub(crate) struct RawNode<'a> {
    pub(crate) tag: ValueRef<'a>,
    pub(crate) attrs_start: usize,
    pub(crate) attrs_len: usize,
    pub(crate) content: RawContent<'a>,
}

/// A decoded frame body whose strings and payloads borrow from the input.
pub struct FrameView<'a> {
    pub(crate) nodes: Vec<RawNode<'a>>,
    pub(crate) attrs: Vec<(ValueRef<'a>, ValueRef<'a>)>,
}

impl<'a> FrameView<'a> {
    /// The root node.
    pub fn root(&self) -> NodeRef<'_, 'a> {
        NodeRef {
            frame: self,
            index: 0,
        }
    }
}

impl fmt::Debug for FrameView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.root().to_owned())
    }
}

/// What a viewed node holds after its attributes.
#[derive(Clone, Debug)]
pub enum ContentRef<'v, 'a> {
    /// No content.
    None,
    /// Child nodes (possibly none).
    Nodes(Children<'v, 'a>),
    /// Binary content, borrowed from the frame.
    Bytes(&'a [u8]),
    /// String or JID content.
    Text(&'v ValueRef<'a>),
}

/// One node of a [`FrameView`].
#[derive(Clone, Copy)]
pub struct NodeRef<'v, 'a> {
    frame: &'v FrameView<'a>,
    index: usize,
}

/// The children of a [`NodeRef`], in wire order.
#[derive(Clone, Debug)]
pub struct Children<'v, 'a> {
    frame: &'v FrameView<'a>,
    range: std::ops::Range<usize>,
}

impl<'v, 'a> Iterator for Children<'v, 'a> {
    type Item = NodeRef<'v, 'a>;

    fn next(&mut self) -> Option<Self::Item> {
        self.range.next().map(|index| NodeRef {
            frame: self.frame,
            index,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl ExactSizeIterator for Children<'_, '_> {}

impl<'v, 'a> NodeRef<'v, 'a> {
    fn raw(&self) -> &'v RawNode<'a> {
        &self.frame.nodes[self.index]
    }

    /// The element name.
    pub fn tag(&self) -> &'v ValueRef<'a> {
        &self.raw().tag
    }

    /// Whether the element name is `tag`.
    pub fn is(&self, tag: &str) -> bool {
        self.raw().tag.eq_str(tag)
    }

    /// The attributes in wire order.
    pub fn attrs(&self) -> impl ExactSizeIterator<Item = (&'v ValueRef<'a>, &'v ValueRef<'a>)> {
        let raw = self.raw();
        self.frame.attrs[raw.attrs_start..raw.attrs_start + raw.attrs_len]
            .iter()
            .map(|(k, v)| (k, v))
    }

    /// The value of attribute `key`.
    pub fn attr(&self, key: &str) -> Option<&'v ValueRef<'a>> {
        self.attrs().find(|(k, _)| k.eq_str(key)).map(|(_, v)| v)
    }

    /// The text of attribute `key` (borrowed unless packed or a JID).
    pub fn attr_str(&self, key: &str) -> Option<std::borrow::Cow<'a, str>> {
        self.attr(key).map(ValueRef::as_str)
    }

    /// Attribute `key` as a JID (parsed when sent as a string).
    pub fn attr_jid(&self, key: &str) -> Option<super::Jid> {
        self.attr(key).and_then(|v| v.to_jid())
    }

    /// The content.
    pub fn content(&self) -> ContentRef<'v, 'a> {
        match &self.raw().content {
            RawContent::None => ContentRef::None,
            RawContent::Nodes { start, len } => ContentRef::Nodes(Children {
                frame: self.frame,
                range: *start..*start + *len,
            }),
            RawContent::Bytes(b) => ContentRef::Bytes(b),
            RawContent::Text(t) => ContentRef::Text(t),
        }
    }

    /// The children (none unless the content is a node list).
    pub fn children(&self) -> Children<'v, 'a> {
        match self.content() {
            ContentRef::Nodes(c) => c,
            _ => Children {
                frame: self.frame,
                range: 0..0,
            },
        }
    }

    /// The first child named `tag`.
    pub fn child(&self, tag: &str) -> Option<NodeRef<'v, 'a>> {
        self.children().find(|c| c.is(tag))
    }

    /// The binary content, borrowed from the frame.
    pub fn bytes(&self) -> Option<&'a [u8]> {
        match self.raw().content {
            RawContent::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The owned node, equal to what [`decode`](super::decode) returns for the same input.
    pub fn to_owned(&self) -> Node {
        let raw = self.raw();
        let mut attrs = Attrs::with_capacity(raw.attrs_len);
        for (k, v) in self.attrs() {
            attrs.push(k.to_cow(), v.to_attr_value());
        }
        let content = match self.content() {
            ContentRef::None => Content::None,
            ContentRef::Nodes(children) => Content::Nodes(children.map(|c| c.to_owned()).collect()),
            ContentRef::Bytes(b) => Content::Bytes(b.to_vec()),
            ContentRef::Text(t) => Content::String(t.to_cow()),
        };
        Node {
            tag: raw.tag.to_cow(),
            attrs,
            content,
        }
    }
}

impl fmt::Debug for NodeRef<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_owned())
    }
}
