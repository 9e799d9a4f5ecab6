//! App-state patches, snapshots and sync replies (`wa_protocol::appstate`) from arbitrary
//! bytes: the first byte picks the decoder. A hostile input yields a typed error, never a
//! panic, and no state is returned unless every MAC held (the key here is public, so only
//! inputs built with it can pass, which libFuzzer will not find; the aim is the error paths).

#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use wa_protocol::appstate::decode::{parse_mutations, parse_patch, parse_snapshot};
use wa_protocol::appstate::iq::{parse_sync_request, parse_sync_result};
use wa_protocol::appstate::{decode_patch, decode_snapshot, CollectionState, ExpandedKeys};
use wa_protocol::binary::unpack;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let keys = HashMap::from([(vec![0u8, 0, 0, 1], ExpandedKeys::expand(&[1; 32]))]);
    match which % 4 {
        0 => {
            if let Ok(p) = parse_patch(rest) {
                let ext = p.external_mutations.as_ref().map(|_| Default::default());
                let _ = decode_patch("regular", &CollectionState::default(), &p, ext.as_ref(), &keys);
            }
        }
        1 => {
            if let Ok(s) = parse_snapshot(rest) {
                let _ = decode_snapshot("regular_low", &s, &keys);
            }
        }
        2 => {
            let _ = parse_mutations(rest);
            let _ = CollectionState::from_bytes(rest);
        }
        _ => {
            if let Ok(node) = unpack(rest) {
                let _ = parse_sync_result(&node);
                let _ = parse_sync_request(&node);
            }
        }
    }
});
