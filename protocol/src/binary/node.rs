//! [`Node`]: one stanza of the binary XML protocol, with ordered attributes, typed getters and a
//! builder.
//!
//! Strings are `Cow<'static, str>` so that dictionary tokens (most tags, keys and many values)
//! decode without allocating and literals build nodes without allocating.

use std::borrow::Cow;
use std::fmt;

pub use super::attr_value::AttrValue;
use super::jid::Jid;

/// Attributes in wire order. Keys are unique when built with [`Attrs::insert`]; the decoder
/// keeps whatever the peer sent.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Attrs(Vec<(Cow<'static, str>, AttrValue)>);

impl Attrs {
    /// No attributes.
    pub fn new() -> Self {
        Attrs(Vec::new())
    }

    /// Room for `n` attributes.
    pub fn with_capacity(n: usize) -> Self {
        Attrs(Vec::with_capacity(n))
    }

    /// The value of the first attribute named `key`.
    pub fn get(&self, key: &str) -> Option<&AttrValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key` to `value`, replacing an existing value in place or appending.
    pub fn insert(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<AttrValue>) {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// Appends without checking for an existing key (decoder order is kept as sent).
    pub fn push(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<AttrValue>) {
        self.0.push((key.into(), value.into()));
    }

    /// Removes and returns the first attribute named `key`.
    pub fn remove(&mut self, key: &str) -> Option<AttrValue> {
        let at = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(at).1)
    }

    /// Attributes in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &AttrValue)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// Allocated attribute slots (for heap accounting).
    pub(crate) fn capacity(&self) -> usize {
        self.0.capacity()
    }

    /// Entries with their keys as stored (for heap accounting).
    pub(crate) fn entries(&self) -> impl Iterator<Item = &(Cow<'static, str>, AttrValue)> {
        self.0.iter()
    }

    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Attrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Into<Cow<'static, str>>, V: Into<AttrValue>> FromIterator<(K, V)> for Attrs {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut attrs = Attrs::new();
        for (k, v) in iter {
            attrs.insert(k, v);
        }
        attrs
    }
}

/// What a node holds after its attributes.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Content {
    /// No content (odd list size on the wire).
    #[default]
    None,
    /// A child list, possibly empty (LIST_EMPTY on the wire).
    Nodes(Vec<Node>),
    /// Raw bytes (BINARY_8/20/32 on the wire).
    Bytes(Vec<u8>),
    /// A string (token, packed, JID, or raw when built in code).
    String(Cow<'static, str>),
}

impl fmt::Debug for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Content::None => f.write_str("None"),
            Content::Nodes(n) => f.debug_list().entries(n).finish(),
            Content::Bytes(b) => write!(f, "Bytes({})", super::render::BytesPreview(b)),
            Content::String(s) => write!(f, "String({s:?})"),
        }
    }
}

/// One binary XML stanza.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Node {
    /// Element name, e.g. `iq`, `message`.
    pub tag: Cow<'static, str>,
    /// Attributes in wire order.
    pub attrs: Attrs,
    /// Children, bytes, string or nothing.
    pub content: Content,
}

impl Node {
    /// A node with no attributes and no content.
    pub fn new(tag: impl Into<Cow<'static, str>>) -> Self {
        Node {
            tag: tag.into(),
            attrs: Attrs::new(),
            content: Content::None,
        }
    }

    /// Starts building a node: `Node::build("iq").attr("id", id).children([..]).finish()`.
    pub fn build(tag: impl Into<Cow<'static, str>>) -> NodeBuilder {
        NodeBuilder(Node::new(tag))
    }

    /// The value of attribute `key`.
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        self.attrs.get(key)
    }

    /// The text of attribute `key` (borrowed unless it is a JID).
    pub fn attr_str(&self, key: &str) -> Option<Cow<'_, str>> {
        self.attrs.get(key).map(AttrValue::as_str)
    }

    /// Attribute `key` as a JID (JID-typed, or a string that parses as one).
    pub fn attr_jid(&self, key: &str) -> Option<Jid> {
        self.attrs.get(key).and_then(AttrValue::to_jid)
    }

    /// Attribute `key` parsed as a decimal `u64`.
    pub fn attr_u64(&self, key: &str) -> Option<u64> {
        match self.attrs.get(key)? {
            AttrValue::Str(s) => s.parse().ok(),
            AttrValue::Jid(_) => None,
        }
    }

    /// Attribute `key` parsed as a decimal `i64`.
    pub fn attr_i64(&self, key: &str) -> Option<i64> {
        match self.attrs.get(key)? {
            AttrValue::Str(s) => s.parse().ok(),
            AttrValue::Jid(_) => None,
        }
    }

    /// Attribute `key` as a bool: `true`/`1` or `false`/`0`.
    pub fn attr_bool(&self, key: &str) -> Option<bool> {
        match self.attrs.get(key)? {
            AttrValue::Str(s) => match s.as_ref() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            AttrValue::Jid(_) => None,
        }
    }

    /// Sets attribute `key` (replacing it if present).
    pub fn set_attr(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<AttrValue>) {
        self.attrs.insert(key, value);
    }

    /// The child nodes; empty unless the content is a child list.
    pub fn children(&self) -> &[Node] {
        match &self.content {
            Content::Nodes(n) => n,
            _ => &[],
        }
    }

    /// Children whose tag is `tag`, in order.
    pub fn children_by_tag<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children().iter().filter(move |n| n.tag == tag)
    }

    /// The first child whose tag is `tag`.
    pub fn child(&self, tag: &str) -> Option<&Node> {
        self.children().iter().find(|n| n.tag == tag)
    }

    /// The node reached by following first children with these tags, e.g. `["usync", "list"]`.
    pub fn child_path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, tag| n.child(tag))
    }

    /// Appends a child, turning the content into a child list if it was not one.
    pub fn push_child(&mut self, child: Node) {
        match &mut self.content {
            Content::Nodes(n) => n.push(child),
            other => *other = Content::Nodes(vec![child]),
        }
    }

    /// The content if it is bytes.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.content {
            Content::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The content if it is a string.
    pub fn string(&self) -> Option<&str> {
        match &self.content {
            Content::String(s) => Some(s),
            _ => None,
        }
    }

    /// The content as bytes whether it arrived as bytes or as a string (peers send the same
    /// field either way, e.g. `<ref>`).
    pub fn content_bytes(&self) -> Option<&[u8]> {
        match &self.content {
            Content::Bytes(b) => Some(b),
            Content::String(s) => Some(s.as_bytes()),
            _ => None,
        }
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.write_str(&super::render::render_pretty(self))
        } else {
            fmt::Display::fmt(self, f)
        }
    }
}

impl fmt::Display for Node {
    /// Compact XML-like rendering; long byte and string content is abbreviated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::render::write_compact(f, self)
    }
}

/// Builds a [`Node`] in code: attributes in call order, then content.
#[derive(Debug, Clone)]
#[must_use]
pub struct NodeBuilder(Node);

impl NodeBuilder {
    /// Adds attribute `key` (replacing an earlier one of the same name).
    pub fn attr(mut self, key: impl Into<Cow<'static, str>>, value: impl Into<AttrValue>) -> Self {
        self.0.attrs.insert(key, value);
        self
    }

    /// Adds attribute `key` when `value` is `Some`.
    pub fn attr_opt<V: Into<AttrValue>>(
        self,
        key: impl Into<Cow<'static, str>>,
        value: Option<V>,
    ) -> Self {
        match value {
            Some(v) => self.attr(key, v),
            None => self,
        }
    }

    /// Sets the content to these children (an empty iterator gives an empty child list).
    pub fn children(mut self, children: impl IntoIterator<Item = Node>) -> Self {
        self.0.content = Content::Nodes(children.into_iter().collect());
        self
    }

    /// Appends one child.
    pub fn child(mut self, child: impl Into<Node>) -> Self {
        self.0.push_child(child.into());
        self
    }

    /// Sets byte content.
    pub fn bytes(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.0.content = Content::Bytes(bytes.into());
        self
    }

    /// Sets string content.
    pub fn string(mut self, s: impl Into<Cow<'static, str>>) -> Self {
        self.0.content = Content::String(s.into());
        self
    }

    /// The finished node.
    pub fn finish(self) -> Node {
        self.0
    }
}

impl From<NodeBuilder> for Node {
    fn from(b: NodeBuilder) -> Node {
        b.0
    }
}

#[cfg(test)]
#[path = "node_tests.rs"]
mod tests;
