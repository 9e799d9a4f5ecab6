//! Frame bytes → typed inbound stanza, our two ways: the parsers reading a borrowed view
//! (`decode_view_with`, then `parse` on the `NodeRef`) against the same parsers on the owned
//! `Node` from `unpack`. wacore-binary has no stanza parsers, so the second column of these
//! rows is our own previous path, not wacore: the ratio is the gain of reading the view.

use std::hint::black_box;

use wa_protocol::binary::{body_with, decode_view_with, pack, unpack, DecodeLimits};
use wa_protocol::message::{MessageStanza, OwnJids};
use wa_protocol::send::ack::MessageAck;
use wa_protocol::stanza::ack::ack_for;
use wa_protocol::stanza::notification::Notification;
use wa_protocol::stanza::read::StanzaNode;
use wa_protocol::stanza::receipt::IncomingReceipt;

use crate::corpus::inbound;
use crate::Path;

/// What the receive path does with one stanza: its typed form, and the ack it owes.
fn typed<'n, N: StanzaNode<'n>>(name: &str, node: N, own: &OwnJids) -> usize {
    match name {
        "message" => {
            let ack = ack_for(node).expect("messages are acked");
            let m = MessageStanza::parse(node, own).expect("corpus message parses");
            m.encs.len() + ack.attrs.len()
        }
        "receipt" => {
            let ack = ack_for(node).expect("receipts are acked");
            let r = IncomingReceipt::parse(node, own).expect("corpus receipt parses");
            r[0].message_ids.len() + ack.attrs.len()
        }
        "notification" => {
            let ack = ack_for(node).expect("notifications are acked");
            let n = Notification::parse(node).expect("corpus notification parses");
            usize::from(n.id.is_some()) + ack.attrs.len()
        }
        _ => {
            let a = MessageAck::parse(node).expect("corpus ack parses");
            usize::from(a.is_some())
        }
    }
}

fn via_view(name: &str, frame: &[u8], own: &OwnJids) -> usize {
    let limits = DecodeLimits::default();
    let body = body_with(frame, &limits).expect("ours unpacks the corpus");
    let view = decode_view_with(&body, &limits).expect("ours decodes the corpus");
    typed(name, view.root(), own)
}

fn via_owned(name: &str, frame: &[u8], own: &OwnJids) -> usize {
    let node = unpack(frame).expect("ours decodes the corpus");
    typed(name, &node, own)
}

/// One `stanza/*` path per inbound stanza; `check` asserts both ways parse alike first.
pub fn paths(check: bool) -> Vec<Path> {
    let (pn, lid) = inbound::own();
    let own: &'static OwnJids = Box::leak(Box::new(OwnJids { pn, lid: Some(lid) }));
    let mut out = Vec::new();
    for (name, node) in [
        ("message", inbound::message()),
        ("receipt", inbound::receipt()),
        ("ack", inbound::ack()),
        ("notification", inbound::notification()),
    ] {
        let frame: &'static [u8] = Box::leak(pack(&node).into_boxed_slice());
        if check {
            let owned = unpack(frame).unwrap();
            let body = body_with(frame, &DecodeLimits::default()).unwrap();
            let view = decode_view_with(&body, &DecodeLimits::default()).unwrap();
            let (o, v) = (&owned, view.root());
            let same = match name {
                "message" => MessageStanza::parse(o, own) == MessageStanza::parse(v, own),
                "receipt" => IncomingReceipt::parse(o, own) == IncomingReceipt::parse(v, own),
                "notification" => Notification::parse(o) == Notification::parse(v),
                _ => MessageAck::parse(o) == MessageAck::parse(v),
            };
            assert!(same, "stanza/{name}: view and owned parses differ");
            assert_eq!(ack_for(o), ack_for(v), "stanza/{name}: acks differ");
        }
        out.push(Path {
            name: format!("stanza/{name}"),
            ours: Box::new(move || {
                black_box(via_view(name, black_box(frame), own));
            }),
            theirs: Box::new(move || {
                black_box(via_owned(name, black_box(frame), own));
            }),
        });
    }
    out
}
