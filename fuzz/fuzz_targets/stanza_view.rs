//! The inbound stanza parsers on arbitrary node bytes, read both ways: from the owned `Node`
//! of `decode` and from the borrowed view of `decode_view`. Never panics, and every parser
//! returns the same result or the same error from both.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::binary::{decode, decode_view, Jid};
use wa_protocol::message::{EncNode, MessageStanza, OwnJids};
use wa_protocol::send::ack::MessageAck;
use wa_protocol::stanza::ack::{ack_for, nack_for};
use wa_protocol::stanza::notification::Notification;
use wa_protocol::stanza::read::StanzaNode;
use wa_protocol::stanza::receipt::IncomingReceipt;

fuzz_target!(|data: &[u8]| {
    let (Ok(owned), Ok(view)) = (decode(data), decode_view(data)) else {
        return;
    };
    let own = OwnJids {
        pn: Jid::pn("15550001111"),
        lid: Some(Jid::lid("100000000000001")),
    };
    let (o, v) = (&owned, view.root());
    assert_eq!(MessageStanza::parse(o, &own), MessageStanza::parse(v, &own));
    assert_eq!(IncomingReceipt::parse(o, &own), IncomingReceipt::parse(v, &own));
    assert_eq!(Notification::parse(o), Notification::parse(v));
    assert_eq!(MessageAck::parse(o), MessageAck::parse(v));
    assert_eq!(ack_for(o), ack_for(v));
    assert_eq!(nack_for(o, 487), nack_for(v, 487));
    for (c, d) in o.children().iter().zip(StanzaNode::children(v)) {
        assert_eq!(EncNode::parse(c), EncNode::parse(d));
    }
});
