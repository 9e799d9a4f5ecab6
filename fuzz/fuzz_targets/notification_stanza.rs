//! `<notification>` classification (`wa_protocol::stanza::notification`) on arbitrary frames:
//! a typed value or a typed error, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::binary::unpack;
use wa_protocol::stanza::notification::Notification;

fuzz_target!(|data: &[u8]| {
    let Ok(node) = unpack(data) else { return };
    let _ = Notification::parse(&node);
});
