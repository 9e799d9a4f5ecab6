//! Frame decoder on hostile bytes: the first byte picks the role and how the rest is cut into
//! websocket messages; decoding must never panic, and frames that come out are re-encodable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::noise::{FrameDecoder, FrameEncoder};

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let mut decoder = if control & 1 == 1 {
        FrameDecoder::expecting_intro()
    } else {
        FrameDecoder::new()
    };
    let chunk = usize::from(control >> 1).max(1);
    let mut encoder = FrameEncoder::without_intro();
    for piece in rest.chunks(chunk) {
        match decoder.decode(piece) {
            Ok(frames) => {
                for frame in frames {
                    assert!(encoder.encode(&frame).is_ok());
                }
            }
            Err(_) => break,
        }
    }
});
