//! Binary node frame decoding (`wa_protocol::binary::unpack`) on arbitrary bytes: must return
//! `Ok` or a typed error, never panic; whatever decodes must re-encode and decode again.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::binary::{pack, unpack};

fuzz_target!(|data: &[u8]| {
    if let Ok(node) = unpack(data) {
        let again = unpack(&pack(&node));
        assert!(again.is_ok(), "re-encoded node does not decode: {again:?}");
    }
});
