//! Group query replies and requests (`wa_protocol::groups`) on arbitrary frames, read by both
//! roles: a typed value or a typed error, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::binary::{unpack, Jid};
use wa_protocol::groups::{parse_group_info, parse_group_query, parse_joined_groups, MAX_GROUPS};

fuzz_target!(|data: &[u8]| {
    let Ok(node) = unpack(data) else { return };
    let asked = node
        .child("group")
        .and_then(|g| g.attr_str("id"))
        .map(|id| Jid::group(id.into_owned()))
        .unwrap_or_else(|| Jid::group("1"));
    let _ = parse_group_info(&node, &asked);
    if let Ok(groups) = parse_joined_groups(&node) {
        assert!(groups.len() <= MAX_GROUPS);
    }
    let _ = parse_group_query(&node);
});
