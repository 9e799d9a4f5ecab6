//! Binary node frame decoding (`wa_protocol::binary::unpack`, `unpack_with`) on arbitrary bytes:
//! must return `Ok` or a typed error, never panic; whatever decodes must re-encode and decode
//! again, and stay within the heap budget it was decoded under.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::binary::{heap_size, pack, unpack, unpack_with, DecodeLimits};

fuzz_target!(|data: &[u8]| {
    if let Ok(node) = unpack(data) {
        assert!(heap_size(&node) <= DecodeLimits::default().max_heap);
        let again = unpack(&pack(&node));
        assert!(again.is_ok(), "re-encoded node does not decode: {again:?}");
    }
    // Small limits picked by the first two bytes, so the budget paths are reached often.
    let Some((&[a, b], frame)) = data.split_first_chunk::<2>() else {
        return;
    };
    let limits = DecodeLimits {
        max_inflated: usize::from(a) * 64,
        max_nodes: usize::from(a & 0x3f),
        max_attrs: usize::from(b & 0x3f),
        max_heap: usize::from(b) * 32,
        max_depth: usize::from(a >> 5),
    };
    if let Ok(node) = unpack_with(frame, &limits) {
        assert!(heap_size(&node) <= limits.max_heap);
    }
});
