//! Frame decoder on hostile bytes: the first byte picks the role, how the rest is cut into
//! websocket messages, whether it goes through `decode` or `push` + `next_frame`, and a small
//! buffer bound; decoding must never panic, frames that come out are re-encodable, and the
//! decoder never holds more than its bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wa_protocol::noise::{FrameDecoder, FrameEncoder};

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let decoder = if control & 1 == 1 {
        FrameDecoder::expecting_intro()
    } else {
        FrameDecoder::new()
    };
    let mut decoder = if control & 2 == 2 {
        decoder
            .with_max_frame_len(64)
            .with_max_buffered(usize::from(control))
    } else {
        decoder
    };
    let by_push = control & 4 == 4;
    let chunk = usize::from(control >> 3).max(1);
    let mut encoder = FrameEncoder::without_intro();
    for piece in rest.chunks(chunk) {
        let frames = if by_push {
            decoder.push(piece);
            let mut frames = Vec::new();
            loop {
                match decoder.next_frame() {
                    Ok(Some(frame)) => frames.push(frame),
                    Ok(None) => break Ok(frames),
                    Err(e) => break Err(e),
                }
            }
        } else {
            decoder.decode(piece)
        };
        assert!(decoder.buffered() <= decoder.max_buffered());
        match frames {
            Ok(frames) => {
                for frame in frames {
                    assert!(encoder.encode(&frame).is_ok());
                }
            }
            Err(_) => break,
        }
    }
});
