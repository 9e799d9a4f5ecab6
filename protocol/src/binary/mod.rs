//! Binary XML nodes ("WABinary"): [`Node`], [`Jid`], token dictionary v3, encoder and decoder.
//!
//! Every stanza after the Noise handshake is a frame body: a flags byte and one encoded node.
//! [`unpack`] turns a frame body into a [`Node`] (inflating it when compressed) and never panics
//! on any input, within the bounds of [`DecodeLimits`] ([`unpack_with`] takes others); [`pack`] does the reverse. The format is described in
//! `../shared/protocol/binary-node.md`; the golden vectors in `binary-node.json` are the judge.

mod attr_value;
pub mod decoder;
mod encoded_len;
pub mod encoder;
pub mod error;
pub mod frame;
pub mod jid;
pub mod limits;
pub mod node;
pub mod render;
pub mod tags;
mod token_index;
pub mod tokens;
pub mod view;
mod view_decoder;
mod view_items;
mod view_raw;
mod view_text;

pub use decoder::{decode, decode_with, MAX_DEPTH};
pub use encoder::{encode, encode_into};
pub use error::{DecodeError, EncodeError, JidError};
pub use frame::{body_with, pack, pack_into, try_pack, unpack, unpack_with, unpack_with_limit};
pub use jid::{Jid, Server};
pub use limits::{heap_size, DecodeBudget, DecodeLimits};
pub use node::{AttrValue, Attrs, Content, Node, NodeBuilder};
pub use render::{render, render_pretty};
pub use view::{
    AttrKeys, Children, ContentRef, FrameView, JidRef, NodeRef, StrRef, ValueRef, ViewArena,
};
pub use view_decoder::{decode_view, decode_view_in, decode_view_with};
