//! `media_conn` replies (`wa_protocol::media::conn`) on arbitrary frames: whatever decodes as
//! a node parses to a bounded `MediaConn` whose hosts build URLs, or a typed error.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::binary::unpack;
use wa_protocol::media::{download_url, parse_media_conn_reply, MediaType, conn::MAX_HOSTS};

fuzz_target!(|data: &[u8]| {
    let Ok(node) = unpack(data) else { return };
    let Ok(conn) = parse_media_conn_reply(&node) else { return };
    assert!(!conn.hosts.is_empty() && conn.hosts.len() <= MAX_HOSTS);
    for host in &conn.hosts {
        assert!(download_url(host, "/p?x=1", &[0; 32], MediaType::Video).is_ok());
    }
});
