//! The realistic stanzas the codec benches run on, built with wa-protocol's builder: shared by
//! `benches/codec.rs` and the side-by-side crate (`sidebyside/src/corpus.rs`), which includes
//! this file by path so both measure the same inputs.

use wa_protocol::binary::{Jid, Node};

pub fn ack() -> Node {
    Node::build("ack")
        .attr("id", "3EB0C0FFEE1234567890")
        .attr("class", "receipt")
        .attr("to", Jid::pn("15551234567").with_device(3))
        .attr("type", "read")
        .finish()
}

pub fn receipt() -> Node {
    Node::build("receipt")
        .attr("id", "3EB0C0FFEE1234567890")
        .attr("to", Jid::pn("15551234567"))
        .attr("type", "read")
        .attr("t", 1_700_000_000u64)
        .child(Node::build("list").children((0..5).map(|i| {
            Node::build("item")
                .attr("id", format!("3EB0C0FFEE12345678{i:02}"))
                .finish()
        })))
        .finish()
}

pub fn message() -> Node {
    Node::build("message")
        .attr("id", "3EB0C0FFEE1234567890")
        .attr("to", Jid::pn("15551234567"))
        .attr("type", "text")
        .children([
            Node::build("enc")
                .attr("v", "2")
                .attr("type", "pkmsg")
                .bytes((0..300u32).map(|i| (i * 7) as u8).collect::<Vec<_>>())
                .finish(),
            Node::build("device-identity")
                .bytes(vec![0x5a; 150])
                .finish(),
        ])
        .finish()
}

/// A usync result listing `users` users with three devices each (300 users: ~14 KB).
pub fn usync(users: u32) -> Node {
    let user = |i: u32| {
        Node::build("user")
            .attr("jid", Jid::pn(format!("1555{i:07}")))
            .child(
                Node::build("devices")
                    .child(Node::build("device-list").children((0..3u16).map(|d| {
                        Node::build("device")
                            .attr("id", d)
                            .attr_opt("key-index", (d > 0).then_some(d))
                            .finish()
                    })))
                    .child(
                        Node::build("key-index-list")
                            .attr("ts", 1_700_000_000u64 + u64::from(i))
                            .bytes(vec![0x42; 40]),
                    ),
            )
            .finish()
    };
    Node::build("iq")
        .attr("from", Jid::server_jid())
        .attr("id", "117.130-3")
        .attr("type", "result")
        .child(
            Node::build("usync")
                .attr("sid", "1700000000000-1")
                .attr("mode", "query")
                .attr("last", "true")
                .attr("index", "0")
                .attr("context", "message")
                .child(Node::build("list").children((0..users).map(user))),
        )
        .finish()
}

pub fn big_payload() -> Node {
    Node::build("iq")
        .attr("id", "42")
        .attr("type", "set")
        .attr("xmlns", "w:m")
        .child(Node::build("media").bytes((0..65536u32).map(|i| i as u8).collect::<Vec<_>>()))
        .finish()
}

/// Inbound stanzas as the server sends them, for the frame → typed stanza benches.
pub mod inbound {
    use wa_protocol::binary::{Jid, Node};

    /// Our own JIDs for the parsers (`OwnJids` fields).
    pub fn own() -> (Jid, Jid) {
        (Jid::pn("15550001111"), Jid::lid("100000000000001"))
    }

    /// A 1:1 `<message>` with a 300-byte `pkmsg` and the sender's device identity.
    pub fn message() -> Node {
        Node::build("message")
            .attr("from", Jid::pn("15551234567").with_device(3))
            .attr("id", "3EB0C0FFEE1234567890")
            .attr("t", "1700000000")
            .attr("type", "text")
            .attr("notify", "Bob")
            .attr("sender_lid", Jid::lid("200000000000002"))
            .children([
                Node::build("enc")
                    .attr("v", "2")
                    .attr("type", "pkmsg")
                    .bytes((0..300u32).map(|i| (i * 7) as u8).collect::<Vec<_>>())
                    .finish(),
                Node::build("device-identity")
                    .bytes(vec![0x5a; 150])
                    .finish(),
            ])
            .finish()
    }

    /// A read `<receipt>` for six messages (`id` and five `<list><item>`s).
    pub fn receipt() -> Node {
        Node::build("receipt")
            .attr("from", Jid::pn("15551234567").with_device(3))
            .attr("id", "3EB0C0FFEE1234567890")
            .attr("type", "read")
            .attr("t", "1700000000")
            .child(Node::build("list").children((0..5).map(|i| {
                Node::build("item")
                    .attr("id", format!("3EB0C0FFEE12345678{i:02}"))
                    .finish()
            })))
            .finish()
    }

    /// The server's `<ack class="message">` for a message we sent.
    pub fn ack() -> Node {
        Node::build("ack")
            .attr("class", "message")
            .attr("id", "3EB0C0FFEE1234567890")
            .attr("from", Jid::pn("15551234567"))
            .attr("t", "1700000000")
            .finish()
    }

    /// A `devices` notification adding one device.
    pub fn notification() -> Node {
        Node::build("notification")
            .attr("from", Jid::pn("15551234567"))
            .attr("id", "2870113217")
            .attr("type", "devices")
            .attr("t", "1700000000")
            .child(
                Node::build("add")
                    .attr("device_hash", "2:Qx3tT0kz")
                    .child(
                        Node::build("device")
                            .attr("jid", Jid::pn("15551234567").with_device(4))
                            .attr("key-index", "4"),
                    )
                    .child(
                        Node::build("key-index-list")
                            .attr("ts", "1700000000")
                            .bytes(vec![0x42; 40]),
                    ),
            )
            .finish()
    }
}
