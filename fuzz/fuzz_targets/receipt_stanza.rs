//! `<receipt>` parsing (`wa_protocol::stanza::receipt`) on arbitrary frames: whatever decodes
//! as a node must parse to receipts or a typed error, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::binary::{unpack, Jid};
use wa_protocol::message::OwnJids;
use wa_protocol::stanza::receipt::IncomingReceipt;

fuzz_target!(|data: &[u8]| {
    let Ok(node) = unpack(data) else { return };
    let own = OwnJids {
        pn: Jid::pn("15550001111"),
        lid: Some(Jid::lid("100000000000001")),
    };
    let _ = IncomingReceipt::parse(&node, &own);
});
