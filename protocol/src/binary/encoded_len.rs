//! An upper bound on a node's encoded size, so that a one-off encode of a stanza reserves its
//! buffer once and never regrows it (issue 16: "compute sizes before writing").
//!
//! A bound rather than the exact size: the exact size needs every string's token lookup, which
//! is most of the encoder's own work, while the bound reads only lengths (a tree walk of a few
//! instructions per string). Callers reusing a buffer ([`pack_into`](super::pack_into),
//! [`encode_into`](super::encode_into)) skip it: once their buffer has grown to the largest
//! stanza they send it never regrows either.

use super::jid::Jid;
use super::node::{AttrValue, Content, Node};

/// Most bytes a string of `len` bytes takes in any form the encoder picks: raw with a BINARY_32
/// header is `len + 5`; token and packed forms are shorter; a string sent as a JID pair is a
/// marker and two strings (`len + 1 + 2 * 5`).
const fn string(len: usize) -> usize {
    len + 11
}

/// Most bytes a typed JID takes: its parts with their headers, or its text (at most 22 bytes
/// of integrator, agent, device and separators around the user and server) as a raw string.
fn jid(j: &Jid) -> usize {
    j.user.len() + j.server.as_str().len() + 32
}

/// Nodes the bound visits before it stops: a stanza up to this size (nearly every stanza a
/// client sends) is reserved exactly once. For a larger tree the walk costs more than the
/// regrowth it saves (callgrind, a 2 100-node usync: +100k instructions for the walk against
/// ~10k for eight doublings), so its first nodes are reserved and the buffer grows for the rest.
pub(crate) const WALKED: usize = 32;

/// The reservation for a one-off encode of `node`: [`bound`] when the tree has at most
/// [`WALKED`] nodes, else the bound of its first `WALKED` nodes.
pub(crate) fn reserve(node: &Node) -> usize {
    let mut budget = WALKED;
    walk(node, &mut budget)
}

/// Most bytes `node` encodes to.
#[cfg(test)]
pub(crate) fn bound(node: &Node) -> usize {
    let mut unbounded = usize::MAX;
    walk(node, &mut unbounded)
}

/// The bound of `node` and of as many of its descendants (in wire order) as `budget` allows.
fn walk(node: &Node, budget: &mut usize) -> usize {
    if *budget == 0 {
        return 0;
    }
    *budget -= 1;
    // A list header is at most three bytes (LIST_16 and a u16), and a node has two lists at
    // most: itself and its children.
    let mut n = 3 + string(node.tag.len());
    for (key, value) in node.attrs.entries() {
        n += string(key.len());
        n += match value {
            AttrValue::Str(s) => string(s.len()),
            AttrValue::Jid(j) => jid(j),
        };
    }
    n + match &node.content {
        Content::None => 0,
        Content::Nodes(children) => {
            let mut sum = 3;
            for child in children {
                sum += walk(child, budget);
            }
            sum
        }
        Content::Bytes(b) => b.len() + 5,
        Content::String(s) => string(s.len()),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::binary::{encode, try_pack, Server};

    fn value() -> impl Strategy<Value = AttrValue> {
        prop_oneof![
            ".{0,40}".prop_map(AttrValue::from),
            "[0-9]{0,20}(@s.whatsapp.net|:[0-9]{1,3}@lid|@g.us|:7@msgr)?".prop_map(AttrValue::from),
            (
                "[0-9]{0,20}",
                0u16..=u16::MAX,
                0u8..6,
                any::<u8>(),
                any::<u16>()
            )
                .prop_map(|(user, device, server, agent, integrator)| {
                    let server = match server {
                        0 => Server::DefaultUser,
                        1 => Server::Lid,
                        2 => Server::Group,
                        3 => Server::Messenger,
                        4 => Server::Interop,
                        _ => Server::Hosted,
                    };
                    let mut j = Jid::new(user, server).with_device(device);
                    j.agent = agent;
                    j.integrator = integrator;
                    AttrValue::Jid(j)
                }),
        ]
    }

    fn node() -> impl Strategy<Value = Node> {
        let leaf = (
            ".{0,12}",
            prop::collection::vec((".{0,10}", value()), 0..5),
            prop::collection::vec(any::<u8>(), 0..300),
            0u8..3,
        )
            .prop_map(|(tag, attrs, bytes, kind)| {
                let mut n = Node::new(tag);
                for (k, v) in attrs {
                    n.attrs.push(k, v);
                }
                n.content = match kind {
                    0 => Content::None,
                    1 => Content::Bytes(bytes),
                    _ => Content::String(hex::encode(bytes).into()),
                };
                n
            });
        leaf.prop_recursive(3, 40, 8, |inner| {
            (".{0,12}", prop::collection::vec(inner, 0..8)).prop_map(|(tag, kids)| {
                let mut n = Node::new(tag);
                n.content = Content::Nodes(kids);
                n
            })
        })
    }

    proptest! {
        #[test]
        fn the_bound_holds_and_a_one_off_encode_never_regrows(node in node()) {
            let b = bound(&node);
            let out = encode(&node).unwrap();
            prop_assert!(out.len() <= b, "{} > {b}", out.len());
            if count(&node) <= WALKED {
                // A grown Vec would have at least doubled past the first reservation.
                prop_assert_eq!(reserve(&node), b);
                prop_assert_eq!(out.capacity(), b);
                let frame = try_pack(&node).unwrap();
                prop_assert_eq!(frame.capacity(), b + 1);
            } else {
                prop_assert!(reserve(&node) < b);
            }
        }
    }

    fn count(node: &Node) -> usize {
        1 + node.children().iter().map(count).sum::<usize>()
    }

    #[test]
    fn large_payloads_fit_the_bound() {
        let n = Node::build("x").bytes(vec![1; 1 << 20]).finish();
        assert!(encode(&n).unwrap().len() <= bound(&n));
        assert_eq!(encode(&n).unwrap().capacity(), bound(&n));
    }
}
