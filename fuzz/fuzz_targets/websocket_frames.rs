//! The WebSocket frame reader on arbitrary server bytes, fed in the chunk sizes the first
//! byte picks: typed errors only, never a panic, and every binary message within the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::websocket::{FrameReader, Incoming, MAX_MESSAGE};

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, wire)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    let mut reader = FrameReader::new(&[]);
    for piece in wire.chunks(chunk) {
        reader.read_target().extend_from_slice(piece);
        loop {
            match reader.next_item() {
                Ok(Some(Incoming::Binary(m))) => assert!(m.len() <= MAX_MESSAGE),
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});
