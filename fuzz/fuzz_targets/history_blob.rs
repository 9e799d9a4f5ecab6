//! History blobs (`wa_protocol::history`): arbitrary bytes through the capped inflate and
//! the lazy scan, raw and as zlib; every range the scan reports lies inside the blob, every
//! conversation decodes on its own or fails typed, and nothing panics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message as _;
use wa_protobuf::wa;
use wa_protocol::history::{compress, inflate, scan};

fn check(blob: &[u8]) {
    if let Ok(s) = scan(blob) {
        for r in s.conversations {
            assert!(r.start <= r.end && r.end <= blob.len());
            let _ = wa::Conversation::decode(&blob[r]);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    // As a compressed blob: inflation is capped well below what a hostile ratio could reach.
    if let Ok(inflated) = inflate(data, 1 << 20) {
        assert!(inflated.len() <= 1 << 20);
        check(&inflated);
    }
    // A valid zlib wrapper around the input reaches the scan through inflate.
    let wrapped = compress(data);
    assert_eq!(inflate(&wrapped, data.len()).as_deref().ok(), Some(data));
});
