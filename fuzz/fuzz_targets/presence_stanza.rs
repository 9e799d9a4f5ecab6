//! `<presence>` and `<chatstate>` parsing (`wa_protocol::stanza::presence`) on arbitrary
//! frames: a typed value or a typed error, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::binary::{unpack, Jid};
use wa_protocol::message::OwnJids;
use wa_protocol::stanza::presence::{IncomingChatState, IncomingPresence};

fuzz_target!(|data: &[u8]| {
    let Ok(node) = unpack(data) else { return };
    let own = OwnJids {
        pn: Jid::pn("15550001111"),
        lid: None,
    };
    let _ = IncomingPresence::parse(&node);
    let _ = IncomingChatState::parse(&node, &own);
});
