//! What decoding one frame may cost: inflated size, nodes, attributes, nesting and heap bytes.
//!
//! A decoded [`Node`] takes far more memory than its encoding (a 3-byte child becomes an
//! 80-byte `Node`; a 2-byte attribute an 88-byte entry), and a zlib stream inflates a thousand
//! fold, so a small hostile frame could otherwise cost gigabytes. The decoder charges every
//! node, attribute and heap allocation to a [`DecodeLimits`] budget as it goes, before making
//! the allocation, and stops with [`DecodeError::OverBudget`].
//! [`heap_size`] estimates what a decoded tree holds, with the same accounting.

use std::mem::size_of;

use super::error::DecodeError;
use super::jid::{Jid, Server};
use super::node::{AttrValue, Content, Node};

/// Default bound on the inflated size of a compressed frame: 4 MiB.
///
/// The largest frames real servers send are `usync` results for a whole address book, the
/// metadata of the largest groups and communities, and offline batches; those are a few hundred
/// KiB inflated. History and app-state snapshots come over media, not frames. whatsmeow and
/// Baileys set no bound at all; 4 MiB leaves about ten times headroom.
pub const DEFAULT_MAX_INFLATED: usize = 4 << 20;

/// Default bound on nodes in one decoded frame.
pub const DEFAULT_MAX_NODES: usize = 1 << 18;

/// Default bound on attributes in one decoded frame.
pub const DEFAULT_MAX_ATTRS: usize = 1 << 19;

/// Default bound on the heap bytes of one decoded tree ([`heap_size`]): 64 MiB.
pub const DEFAULT_MAX_HEAP: usize = 64 << 20;

/// Default nesting bound (the root is depth 0). Real stanzas nest fewer than ten levels.
pub const DEFAULT_MAX_DEPTH: usize = 64;

/// Bounds on the work of decoding one frame. [`Default`] gives the documented defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest inflated body of a compressed frame, in bytes.
    pub max_inflated: usize,
    /// Most nodes in one frame (the root included).
    pub max_nodes: usize,
    /// Most attributes in one frame, over all nodes.
    pub max_attrs: usize,
    /// Most heap bytes the decoded tree may hold, as [`heap_size`] counts them (the root
    /// `Node` itself, which lives with the caller, excluded).
    pub max_heap: usize,
    /// Deepest nesting accepted (the root is depth 0).
    pub max_depth: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_inflated: DEFAULT_MAX_INFLATED,
            max_nodes: DEFAULT_MAX_NODES,
            max_attrs: DEFAULT_MAX_ATTRS,
            max_heap: DEFAULT_MAX_HEAP,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// Which budget of [`DecodeLimits`] a frame exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeBudget {
    /// [`DecodeLimits::max_nodes`].
    Nodes,
    /// [`DecodeLimits::max_attrs`].
    Attrs,
    /// [`DecodeLimits::max_heap`].
    Heap,
}

impl std::fmt::Display for DecodeBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DecodeBudget::Nodes => "node",
            DecodeBudget::Attrs => "attribute",
            DecodeBudget::Heap => "heap",
        })
    }
}

/// Bytes of one attribute slot in an `Attrs` vector.
pub(crate) const ATTR_SLOT: usize = size_of::<(std::borrow::Cow<'static, str>, AttrValue)>();
/// Bytes of one child slot in a `Content::Nodes` vector.
pub(crate) const NODE_SLOT: usize = size_of::<Node>();

/// What is left of the limits while one frame decodes.
#[derive(Debug)]
pub(crate) struct Budget {
    limits: DecodeLimits,
    nodes: usize,
    attrs: usize,
    heap: usize,
}

impl Budget {
    pub(crate) fn new(limits: &DecodeLimits) -> Self {
        Self {
            limits: *limits,
            nodes: 0,
            attrs: 0,
            heap: 0,
        }
    }

    #[inline]
    pub(crate) fn max_depth(&self) -> usize {
        self.limits.max_depth
    }

    #[cold]
    #[inline(never)]
    fn over(budget: DecodeBudget, limit: usize, offset: usize) -> DecodeError {
        DecodeError::OverBudget {
            budget,
            limit,
            offset,
        }
    }

    /// Charges one node holding `attrs` attribute slots (their heap included) in one check.
    #[inline]
    pub(crate) fn node_with_attrs(
        &mut self,
        attrs: usize,
        offset: usize,
    ) -> Result<(), DecodeError> {
        self.nodes += 1;
        self.attrs += attrs;
        self.heap = self.heap.saturating_add(attrs * ATTR_SLOT);
        if self.nodes > self.limits.max_nodes
            || self.attrs > self.limits.max_attrs
            || self.heap > self.limits.max_heap
        {
            return Err(self.which_over(offset));
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn which_over(&self, offset: usize) -> DecodeError {
        let l = &self.limits;
        if self.nodes > l.max_nodes {
            Self::over(DecodeBudget::Nodes, l.max_nodes, offset)
        } else if self.attrs > l.max_attrs {
            Self::over(DecodeBudget::Attrs, l.max_attrs, offset)
        } else {
            Self::over(DecodeBudget::Heap, l.max_heap, offset)
        }
    }

    /// Charges `bytes` of heap before they are allocated.
    #[inline]
    pub(crate) fn heap(&mut self, bytes: usize, offset: usize) -> Result<(), DecodeError> {
        self.heap = self.heap.saturating_add(bytes);
        if self.heap > self.limits.max_heap {
            return Err(Self::over(DecodeBudget::Heap, self.limits.max_heap, offset));
        }
        Ok(())
    }
}

/// Approximate heap bytes a node's tree holds (vector capacities and owned strings; allocator
/// overhead and the root `Node` itself not counted). The decoder charges the same quantities to
/// [`DecodeLimits::max_heap`], so a decoded tree's `heap_size` stays within that limit.
pub fn heap_size(node: &Node) -> usize {
    let mut total = cow_heap(&node.tag) + node.attrs.capacity() * ATTR_SLOT;
    for (key, value) in node.attrs.entries() {
        total += cow_heap(key);
        total += match value {
            AttrValue::Str(s) => cow_heap(s),
            AttrValue::Jid(j) => jid_heap(j),
        };
    }
    total
        + match &node.content {
            Content::None => 0,
            Content::Bytes(b) => b.capacity(),
            Content::String(s) => cow_heap(s),
            Content::Nodes(children) => {
                children.capacity() * NODE_SLOT + children.iter().map(heap_size).sum::<usize>()
            }
        }
}

// Clippy would take `&str`, but whether the string is owned is the point here.
#[allow(clippy::ptr_arg)]
fn cow_heap(s: &std::borrow::Cow<'static, str>) -> usize {
    match s {
        std::borrow::Cow::Borrowed(_) => 0,
        std::borrow::Cow::Owned(s) => s.capacity(),
    }
}

pub(crate) fn jid_heap(j: &Jid) -> usize {
    j.user.capacity()
        + match &j.server {
            Server::Other(s) => s.len(),
            _ => 0,
        }
}
