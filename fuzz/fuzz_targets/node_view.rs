//! The borrowed decoder (`decode_view`) against the owned one on arbitrary bytes: never panics,
//! and returns the same tree or the same error as `decode`, under the default limits and under
//! small ones picked by the first two bytes (so the budget refusals must agree too).

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::binary::{decode_view_with, decode_with, DecodeLimits};

fn same(data: &[u8], limits: &DecodeLimits) {
    let owned = decode_with(data, limits);
    let viewed = decode_view_with(data, limits).map(|v| v.root().to_owned());
    assert_eq!(viewed, owned, "the view decoder disagrees with the owned one");
}

fuzz_target!(|data: &[u8]| {
    same(data, &DecodeLimits::default());
    let Some((&[a, b], body)) = data.split_first_chunk::<2>() else {
        return;
    };
    let limits = DecodeLimits {
        max_inflated: usize::from(a) * 64,
        max_nodes: usize::from(a & 0x3f),
        max_attrs: usize::from(b & 0x3f),
        max_heap: usize::from(b) * 32,
        max_depth: usize::from(a >> 5),
    };
    same(body, &limits);
});
