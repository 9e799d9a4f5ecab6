//! usync replies and requests (`wa_protocol::usync`) on arbitrary frames, read by both roles:
//! a typed value or a typed error, never a panic; what is read stays within the bounds.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::binary::unpack;
use wa_protocol::usync::{parse_query, parse_result, MAX_DEVICES_PER_USER, MAX_REPLY_USERS};

fuzz_target!(|data: &[u8]| {
    let Ok(node) = unpack(data) else { return };
    if let Ok(users) = parse_result(&node) {
        assert!(users.len() <= MAX_REPLY_USERS);
        for u in &users {
            assert!(u.devices.as_ref().map_or(0, Vec::len) <= MAX_DEVICES_PER_USER);
            let _ = u.user_devices();
            let _ = u.lid_mapping();
        }
    }
    let _ = parse_query(&node);
});
