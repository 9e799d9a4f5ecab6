//! `Serialize` for the wire types events carry (JIDs, nodes, protobufs), which do not
//! implement serde themselves.
//!
//! Protobuf payloads serialize as their wire encoding (base64 text in human-readable formats
//! such as JSON, raw bytes otherwise), so any consumer decodes them with the same `.proto`
//! files; that is also how events cross node boundaries. JIDs serialize as their string form.

use std::ops::Deref;

use base64::Engine as _;
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct, Serializer};
use serde::Serialize as _;

use crate::wire::{Content, Jid, Node};

/// Raw bytes: base64 text when human-readable, bytes otherwise.
pub(crate) fn bytes<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b))
    } else {
        s.serialize_bytes(b)
    }
}

/// A protobuf message behind any pointer (`Box`, `Arc`, [`SharedData`](super::SharedData)).
pub(crate) fn proto<S, P>(p: &P, s: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    P: Deref,
    P::Target: prost::Message + Sized,
{
    bytes(&prost::Message::encode_to_vec(&**p), s)
}

/// An optional protobuf message.
pub(crate) fn opt_proto<S, M>(m: &Option<M>, s: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    M: prost::Message,
{
    match m {
        Some(m) => s.serialize_some(&Proto(m)),
        None => s.serialize_none(),
    }
}

struct Proto<'a, M>(&'a M);

impl<M: prost::Message> serde::Serialize for Proto<'_, M> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        bytes(&self.0.encode_to_vec(), s)
    }
}

/// A JID as its string form.
pub(crate) fn jid<S: Serializer>(j: &Jid, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(j)
}

/// An optional JID.
pub(crate) fn opt_jid<S: Serializer>(j: &Option<Jid>, s: S) -> Result<S::Ok, S::Error> {
    match j {
        Some(j) => s.serialize_some(&JidStr(j)),
        None => s.serialize_none(),
    }
}

struct JidStr<'a>(&'a Jid);

impl serde::Serialize for JidStr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        jid(self.0, s)
    }
}

/// A node as `{tag, attrs, content}`: attributes as a map of strings, content as null, a
/// list of nodes, bytes (as [`bytes`]) or a string.
pub(crate) fn node<S: Serializer>(n: &Node, s: S) -> Result<S::Ok, S::Error> {
    NodeSer(n).serialize(s)
}

/// An optional node.
pub(crate) fn opt_node<S: Serializer>(n: &Option<Node>, s: S) -> Result<S::Ok, S::Error> {
    match n {
        Some(n) => s.serialize_some(&NodeSer(n)),
        None => s.serialize_none(),
    }
}

struct NodeSer<'a>(&'a Node);

impl serde::Serialize for NodeSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Node", 3)?;
        st.serialize_field("tag", self.0.tag.as_ref())?;
        st.serialize_field("attrs", &AttrsSer(self.0))?;
        st.serialize_field("content", &ContentSer(&self.0.content))?;
        st.end()
    }
}

struct AttrsSer<'a>(&'a Node);

impl serde::Serialize for AttrsSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let attrs = self.0.attrs.iter();
        let mut map = s.serialize_map(Some(attrs.len()))?;
        for (k, v) in attrs {
            map.serialize_entry(k, v.as_str().as_ref())?;
        }
        map.end()
    }
}

struct ContentSer<'a>(&'a Content);

impl serde::Serialize for ContentSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Content::None => s.serialize_none(),
            Content::Nodes(children) => {
                let mut seq = s.serialize_seq(Some(children.len()))?;
                for child in children {
                    seq.serialize_element(&NodeSer(child))?;
                }
                seq.end()
            }
            Content::Bytes(b) => bytes(b, s),
            Content::String(text) => s.serialize_str(text),
        }
    }
}
