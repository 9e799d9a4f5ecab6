//! One text form for a node of either library, so "both decoded the same thing" is a string
//! comparison: tag, attributes in wire order as `key=value`, then the content.

use std::fmt::Write as _;

use wa_protocol::binary::{Content, Node};
use wacore_binary::node::ValueRef;
use wacore_binary::{NodeContentRef, NodeRef};

/// Canonical text of one of our nodes.
pub fn ours(node: &Node, out: &mut String) {
    out.push('<');
    out.push_str(&node.tag);
    for (k, v) in node.attrs.iter() {
        let _ = write!(out, " {k}={}", v.as_str());
    }
    out.push('>');
    match &node.content {
        Content::None => {}
        Content::Nodes(children) => {
            out.push('[');
            for c in children {
                ours(c, out);
            }
            out.push(']');
        }
        Content::Bytes(b) => bytes(b, out),
        Content::String(s) => {
            let _ = write!(out, "s:{s}");
        }
    }
    out.push_str("</>");
}

/// Canonical text of a wacore borrowed node.
pub fn wacore(node: &NodeRef<'_>, out: &mut String) {
    out.push('<');
    out.push_str(&node.tag);
    for (k, v) in node.attrs_iter() {
        // wacore renders a server JID without its `@`; the value is the same JID.
        let at = match v {
            ValueRef::Jid(j) if j.user.is_empty() => "@",
            _ => "",
        };
        let _ = write!(out, " {}={at}{}", &**k, v.as_str());
    }
    out.push('>');
    match &node.content {
        None => {}
        Some(NodeContentRef::Nodes(children)) => {
            out.push('[');
            for c in children.iter() {
                wacore(c, out);
            }
            out.push(']');
        }
        Some(NodeContentRef::Bytes(b)) => bytes(b, out),
        Some(NodeContentRef::String(s)) => {
            let _ = write!(out, "s:{}", &**s);
        }
    }
    out.push_str("</>");
}

fn bytes(b: &[u8], out: &mut String) {
    let _ = write!(out, "b{}:", b.len());
    for x in b {
        let _ = write!(out, "{x:02x}");
    }
}
