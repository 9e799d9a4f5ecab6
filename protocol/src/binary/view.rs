//! Borrowed node views: a frame decoded without copying its strings or payloads.
//!
//! [`decode_view`](super::view_decoder::decode_view) reads a frame body into a [`FrameView`]:
//! the input and two flat arenas (nodes, attributes) of 12-byte values that point into it
//! (offsets into the frame, kept in `view_raw.rs`). A node's children sit next to each other in
//! the node arena, so a stanza costs at most two allocations however many nodes it holds, and
//! none when the arenas come from a reused [`ViewArena`]. Packed (nibble/hex) strings and JIDs
//! are validated while decoding and rendered only when asked. [`NodeRef::to_owned`] builds the
//! owned [`Node`] that [`decode`](super::decode) would have returned for the same input.

use std::fmt;

use super::node::{Attrs, Content, Node};
use super::view_raw::{Kind, Val};
pub use super::view_text::{JidRef, StrRef, ValueRef};

#[derive(Clone, Copy, Debug)]
pub(crate) struct RawNode {
    pub(crate) tag: Val,
    /// `Kind::None`, `Kind::Nodes`, `Kind::Bytes` or a text kind.
    pub(crate) content: Val,
    pub(crate) attrs_start: u32,
    pub(crate) attrs_len: u32,
}

pub(crate) type RawAttr = (Val, Val);

/// Node and attribute storage kept across frames, so that a connection decoding one frame
/// after another allocates only when a frame is larger than every one before it.
///
/// [`decode_view_in`](super::view_decoder::decode_view_in) takes the storage;
/// [`ViewArena::recycle`] gives it back once the view is dropped.
#[derive(Default)]
pub struct ViewArena {
    pub(crate) nodes: Vec<RawNode>,
    pub(crate) attrs: Vec<RawAttr>,
}

impl ViewArena {
    /// Keeps the storage of `view` (the view ends here) for the next frame.
    pub fn recycle(&mut self, mut view: FrameView<'_>) {
        self.nodes = std::mem::take(&mut view.nodes);
        self.attrs = std::mem::take(&mut view.attrs);
    }
}

/// First capacities of a new arena: small enough to stay in the allocator's per-thread cache
/// (callgrind picked these).
const FIRST_NODES: usize = 7;
const FIRST_ATTRS: usize = 9;

/// Largest arena kept for the next [`decode_view`](super::decode_view) of this thread (about
/// 20 KiB): a one-off large frame's storage is freed rather than held.
const POOL_NODES: usize = 256;
const POOL_ATTRS: usize = 512;

thread_local! {
    /// The storage of the last small view dropped on this thread. `decode_view` and
    /// `decode_view_with` start from it, so that decoding one small frame after another does
    /// not allocate (callgrind: the two allocations were a fifth of an `ack`'s decode) without
    /// callers having to keep a [`ViewArena`].
    static POOL: std::cell::Cell<ViewArena> = const {
        std::cell::Cell::new(ViewArena {
            nodes: Vec::new(),
            attrs: Vec::new(),
        })
    };
}

/// This thread's pooled arena, or a new small one.
pub(crate) fn pooled() -> ViewArena {
    // `try_with`: during thread teardown the pool may be gone; a new arena does then.
    let mut arena = POOL.try_with(std::cell::Cell::take).unwrap_or_default();
    // Grown in place rather than replaced by a new value: two values merged through the stack,
    // and `perf` showed the copy stalling (see `view_decoder.rs`).
    if arena.nodes.capacity() == 0 {
        arena.nodes.reserve_exact(FIRST_NODES);
        arena.attrs.reserve_exact(FIRST_ATTRS);
    }
    arena
}

/// Keeps `arena` for this thread's next view if it is small and holds storage.
#[inline]
pub(crate) fn give_back(arena: ViewArena) {
    let (n, a) = (arena.nodes.capacity(), arena.attrs.capacity());
    if n > 0 && n <= POOL_NODES && a <= POOL_ATTRS {
        let _ = POOL.try_with(|p| p.set(arena));
    }
}

impl fmt::Debug for ViewArena {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViewArena")
            .field("nodes", &self.nodes.capacity())
            .field("attrs", &self.attrs.capacity())
            .finish()
    }
}

/// A decoded frame body whose strings and payloads borrow from the input.
pub struct FrameView<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) nodes: Vec<RawNode>,
    pub(crate) attrs: Vec<RawAttr>,
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

impl Drop for FrameView<'_> {
    fn drop(&mut self) {
        give_back(ViewArena {
            nodes: std::mem::take(&mut self.nodes),
            attrs: std::mem::take(&mut self.attrs),
        });
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
    Text(ValueRef<'a>),
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
    fn raw(&self) -> &'v RawNode {
        &self.frame.nodes[self.index]
    }

    fn raw_attrs(&self) -> &'v [RawAttr] {
        let raw = self.raw();
        let start = raw.attrs_start as usize;
        &self.frame.attrs[start..start + raw.attrs_len as usize]
    }

    /// The element name.
    pub fn tag(&self) -> ValueRef<'a> {
        self.raw().tag.resolve(self.frame.data)
    }

    /// Whether the element name is `tag`.
    pub fn is(&self, tag: &str) -> bool {
        self.raw().tag.eq_str(self.frame.data, tag)
    }

    /// The attributes in wire order.
    pub fn attrs(&self) -> impl ExactSizeIterator<Item = (ValueRef<'a>, ValueRef<'a>)> + 'v {
        let data = self.frame.data;
        self.raw_attrs()
            .iter()
            .map(move |(k, v)| (k.resolve(data), v.resolve(data)))
    }

    /// The number of attributes.
    pub fn attr_count(&self) -> usize {
        self.raw().attrs_len as usize
    }

    /// The value of attribute `key`.
    pub fn attr(&self, key: &str) -> Option<ValueRef<'a>> {
        let data = self.frame.data;
        self.raw_attrs()
            .iter()
            .find(|(k, _)| k.key_is(data, key))
            .map(|(_, v)| v.resolve(data))
    }

    /// The text of attribute `key` (borrowed unless packed or a JID).
    pub fn attr_str(&self, key: &str) -> Option<std::borrow::Cow<'a, str>> {
        self.attr(key).map(|v| v.as_str())
    }

    /// Attribute `key` as a JID (parsed when sent as a string).
    pub fn attr_jid(&self, key: &str) -> Option<super::Jid> {
        self.attr(key).and_then(|v| v.to_jid())
    }

    /// The content.
    pub fn content(&self) -> ContentRef<'v, 'a> {
        let c = &self.raw().content;
        match c.kind {
            Kind::None => ContentRef::None,
            Kind::Nodes => ContentRef::Nodes(Children {
                frame: self.frame,
                range: c.a as usize..c.a as usize + c.b as usize,
            }),
            Kind::Bytes => ContentRef::Bytes(c.bytes(self.frame.data)),
            _ => ContentRef::Text(c.resolve(self.frame.data)),
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
        let c = &self.raw().content;
        (c.kind == Kind::Bytes).then(|| c.bytes(self.frame.data))
    }

    /// The owned node, equal to what [`decode`](super::decode) returns for the same input.
    pub fn to_owned(&self) -> Node {
        let mut attrs = Attrs::with_capacity(self.attr_count());
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
            tag: self.tag().to_cow(),
            attrs,
            content,
        }
    }
}

/// Attribute names a parser reads from one node, with their dictionary codes worked out at
/// compile time, so that [`NodeRef::attrs_by_key`] can match a token key by its code.
#[derive(Clone, Copy, Debug)]
pub struct AttrKeys<const K: usize> {
    names: [&'static str; K],
    /// The code of each name's token (as `view_raw::token_code`), or `u32::MAX` for none.
    codes: [u32; K],
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The code of the token spelling `name` (token strings are unique across the dictionaries:
/// `stanza::read_tests` checks it), or `u32::MAX`.
const fn code_of(name: &str) -> u32 {
    use super::tokens::{DOUBLE_BYTE, SINGLE_BYTE};
    let mut i = 1;
    while i < SINGLE_BYTE.len() {
        if same(SINGLE_BYTE[i], name) {
            return super::view_raw::token_code(None, i as u8);
        }
        i += 1;
    }
    let mut d = 0;
    while d < DOUBLE_BYTE.len() {
        let mut i = 0;
        while i < DOUBLE_BYTE[d].len() {
            if !DOUBLE_BYTE[d][i].is_empty() && same(DOUBLE_BYTE[d][i], name) {
                return super::view_raw::token_code(Some(d as u8), i as u8);
            }
            i += 1;
        }
        d += 1;
    }
    u32::MAX
}

impl<const K: usize> AttrKeys<K> {
    /// The key set for `names` (meant for a `const`: the dictionary search runs once).
    pub const fn new(names: [&'static str; K]) -> Self {
        let mut codes = [u32::MAX; K];
        let mut i = 0;
        while i < K {
            codes[i] = code_of(names[i]);
            i += 1;
        }
        Self { names, codes }
    }

    /// The names, in slot order.
    pub fn names(&self) -> &[&'static str; K] {
        &self.names
    }
}

impl<'a> NodeRef<'_, 'a> {
    /// The values of `keys` (slot `i` holds the first attribute named `keys.names()[i]`), read
    /// in one pass over the attributes: a parser reading ~15 names from a 6-attribute stanza
    /// walked the attributes once per name (callgrind: the key walk was 15% of a `<message>`
    /// parse from a view). `wrap` turns each value into the caller's slot type in place (a
    /// second array of 18 slots, copied, was 4% of that parse).
    pub fn attrs_by_key<T: Copy, const K: usize>(
        &self,
        keys: &AttrKeys<K>,
        wrap: impl Fn(ValueRef<'a>) -> T,
    ) -> [Option<T>; K] {
        let data = self.frame.data;
        let mut out = [None; K];
        for (k, v) in self.raw_attrs() {
            let slot = if k.kind == Kind::Token {
                keys.codes.iter().position(|&c| c == k.a)
            } else {
                // A key sent as a raw string still names the attribute (the owned decoder
                // makes no difference).
                keys.names.iter().position(|n| k.eq_str(data, n))
            };
            if let Some(i) = slot {
                if out[i].is_none() {
                    out[i] = Some(wrap(v.resolve(data)));
                }
            }
        }
        out
    }
}

impl fmt::Debug for NodeRef<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_owned())
    }
}
