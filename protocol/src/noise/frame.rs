//! Frame codec: every frame is `u24be(len) ‖ payload`; the client's very first frame is preceded
//! by the connection header (and optionally the edge-routing pre-intro). One websocket message
//! may carry several frames or part of one, so the decoder reassembles from arbitrary cuts.

use super::error::FrameError;
use super::{EDGE_ROUTING_PREFIX, MAX_FRAME_LEN, WA_HEADER};

const LEN_BYTES: usize = 3;

/// Pre-intro prefix, its length field and the `WA` header, around the routing info.
const INTRO_OVERHEAD: usize = EDGE_ROUTING_PREFIX.len() + LEN_BYTES + WA_HEADER.len();

fn u24(bytes: [u8; 3]) -> usize {
    (usize::from(bytes[0]) << 16) | (usize::from(bytes[1]) << 8) | usize::from(bytes[2])
}

fn push_u24(out: &mut Vec<u8>, len: usize) {
    // Callers check `len <= MAX_FRAME_LEN`, so only the low three bytes are set.
    out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
}

/// Encodes outgoing frames; the first one carries the intro bytes, if any.
#[derive(Debug, Clone)]
pub struct FrameEncoder {
    intro: Option<Vec<u8>>,
}

impl Default for FrameEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameEncoder {
    /// A client encoder: the first frame is preceded by the `WA 06 03` header.
    pub fn new() -> Self {
        Self {
            intro: Some(WA_HEADER.to_vec()),
        }
    }

    /// A client encoder that sends the edge-routing pre-intro (`ED 00 01`, u24 length, the
    /// routing info from a previous `<edge_routing>` stanza) before the `WA` header.
    pub fn with_routing_info(routing_info: &[u8]) -> Result<Self, FrameError> {
        if routing_info.len() > MAX_FRAME_LEN {
            return Err(FrameError::RoutingInfoTooLarge(routing_info.len()));
        }
        let mut intro = Vec::with_capacity(EDGE_ROUTING_PREFIX.len() + 3 + routing_info.len() + 4);
        intro.extend_from_slice(&EDGE_ROUTING_PREFIX);
        push_u24(&mut intro, routing_info.len());
        intro.extend_from_slice(routing_info);
        intro.extend_from_slice(&WA_HEADER);
        Ok(Self { intro: Some(intro) })
    }

    /// A server encoder: no intro bytes.
    pub fn without_intro() -> Self {
        Self { intro: None }
    }

    /// Frames `payload` as one websocket message. Fails, sending nothing and keeping the intro
    /// for the next frame, when the payload exceeds [`MAX_FRAME_LEN`].
    pub fn encode(&mut self, payload: &[u8]) -> Result<Vec<u8>, FrameError> {
        if payload.len() > MAX_FRAME_LEN {
            return Err(FrameError::TooLarge {
                len: payload.len(),
                max: MAX_FRAME_LEN,
            });
        }
        let intro = self.intro.take().unwrap_or_default();
        let mut out = Vec::with_capacity(intro.len() + LEN_BYTES + payload.len());
        out.extend_from_slice(&intro);
        push_u24(&mut out, payload.len());
        out.extend_from_slice(payload);
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intro {
    /// Nothing to strip (client side, or the server already consumed it).
    Done,
    /// The server waits for an optional pre-intro and the `WA` header.
    Expected,
}

/// Reassembles frames from websocket messages cut anywhere.
///
/// The bytes it holds are bounded ([`FrameDecoder::max_buffered`]): by default room for a
/// pre-intro, one incomplete frame and one whole one of the largest accepted length. Pushing
/// past the bound is [`FrameError::BufferFull`]; [`FrameDecoder::decode`] takes frames out as it
/// goes, so it only trips when a single frame could not fit anyway.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    start: usize,
    max_len: usize,
    max_buffered: Option<usize>,
    intro: Intro,
    routing_info: Option<Vec<u8>>,
    failed: Option<FrameError>,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A client decoder: frames start right away; frames up to [`MAX_FRAME_LEN`] are accepted.
    pub fn new() -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            max_len: MAX_FRAME_LEN,
            max_buffered: None,
            intro: Intro::Done,
            routing_info: None,
            failed: None,
        }
    }

    /// A server decoder: the stream starts with an optional edge-routing pre-intro and the
    /// `WA 06 03` header, which are checked and stripped.
    pub fn expecting_intro() -> Self {
        Self {
            intro: Intro::Expected,
            ..Self::new()
        }
    }

    /// Lowers the largest accepted frame length (a frame announcing more is an error).
    pub fn with_max_frame_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len.min(MAX_FRAME_LEN);
        self
    }

    /// Sets the bound on bytes held between [`FrameDecoder::push`] and taking frames out.
    pub fn with_max_buffered(mut self, max_buffered: usize) -> Self {
        self.max_buffered = Some(max_buffered);
        self
    }

    /// The bound on bytes held: set by [`FrameDecoder::with_max_buffered`], else three times
    /// the largest frame with its length prefix, plus the intro framing.
    pub fn max_buffered(&self) -> usize {
        self.max_buffered
            .unwrap_or_else(|| 3 * (LEN_BYTES + self.max_len) + INTRO_OVERHEAD)
    }

    /// Routing info the client sent in its pre-intro (server side), once the intro is read.
    pub fn routing_info(&self) -> Option<&[u8]> {
        self.routing_info.as_deref()
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Appends one websocket message's bytes. When they would take the buffer past
    /// [`FrameDecoder::max_buffered`] they are dropped and the decoder fails: the next
    /// [`FrameDecoder::next_frame`] returns [`FrameError::BufferFull`].
    pub fn push(&mut self, data: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        let len = self.buffered().saturating_add(data.len());
        if len > self.max_buffered() {
            self.failed = Some(FrameError::BufferFull {
                len,
                max: self.max_buffered(),
            });
            return;
        }
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Pushes `data` and returns every frame completed so far, in order. Frames are taken out
    /// while pushing, so a long message of many frames stays within the buffer bound.
    pub fn decode(&mut self, mut data: &[u8]) -> Result<Vec<Vec<u8>>, FrameError> {
        let mut frames = Vec::new();
        loop {
            let room = self.max_buffered().saturating_sub(self.buffered());
            // With no room left the whole rest is pushed, so that `push` reports the overflow.
            let take = if room == 0 {
                data.len()
            } else {
                data.len().min(room)
            };
            let (now, rest) = data.split_at(take);
            self.push(now);
            while let Some(frame) = self.next_frame()? {
                frames.push(frame);
            }
            data = rest;
            if data.is_empty() {
                return Ok(frames);
            }
        }
    }

    /// The next complete frame payload, `None` if more bytes are needed. After an error the
    /// stream is out of sync and every later call returns the same error.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        match self.read_frame() {
            Err(err) => {
                self.failed = Some(err.clone());
                Err(err)
            }
            ok => ok,
        }
    }

    fn pending(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    fn read_intro(&mut self) -> Result<bool, FrameError> {
        let pending = self.pending();
        let Some(head) = pending.get(..4) else {
            return Ok(false);
        };
        if head == WA_HEADER {
            self.start += 4;
            self.intro = Intro::Done;
            return Ok(true);
        }
        if head != EDGE_ROUTING_PREFIX {
            return Err(FrameError::BadIntro);
        }
        let Some(&[a, b, c]) = pending.get(4..4 + LEN_BYTES) else {
            return Ok(false);
        };
        let len = u24([a, b, c]);
        if len > self.max_len {
            return Err(FrameError::TooLarge {
                len,
                max: self.max_len,
            });
        }
        let routing_end = 4 + LEN_BYTES + len;
        let Some(header) = pending.get(routing_end..routing_end + 4) else {
            return Ok(false);
        };
        if header != WA_HEADER {
            return Err(FrameError::BadIntro);
        }
        self.routing_info = pending.get(4 + LEN_BYTES..routing_end).map(<[u8]>::to_vec);
        self.start += routing_end + 4;
        self.intro = Intro::Done;
        Ok(true)
    }

    fn read_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        if self.intro == Intro::Expected && !self.read_intro()? {
            return Ok(None);
        }
        let pending = self.pending();
        let Some(&[a, b, c]) = pending.get(..LEN_BYTES) else {
            return Ok(None);
        };
        let len = u24([a, b, c]);
        if len > self.max_len {
            return Err(FrameError::TooLarge {
                len,
                max: self.max_len,
            });
        }
        let Some(frame) = pending.get(LEN_BYTES..LEN_BYTES + len) else {
            return Ok(None);
        };
        let frame = frame.to_vec();
        self.start += LEN_BYTES + len;
        if self.start == self.buf.len() {
            // Nothing pending: start over, and give back a buffer that a large frame grew
            // (an idle connection would otherwise keep it for its whole life).
            self.start = 0;
            self.buf.clear();
            if self.buf.capacity() > KEEP_CAPACITY {
                self.buf = Vec::new();
            }
        }
        Ok(Some(frame))
    }
}

/// The most buffer capacity a decoder keeps once every frame is taken out.
const KEEP_CAPACITY: usize = 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(frames: usize, len: usize) -> Vec<u8> {
        let mut enc = FrameEncoder::without_intro();
        (0..frames)
            .flat_map(|i| enc.encode(&vec![i as u8; len]).unwrap())
            .collect()
    }

    #[test]
    fn a_large_frame_leaves_no_large_buffer_behind() {
        let mut dec = FrameDecoder::new();
        assert_eq!(dec.decode(&wire(1, 20_000)).unwrap().len(), 1);
        assert!(dec.buf.capacity() <= KEEP_CAPACITY);
        // A frame split across pushes is still put together.
        let two = wire(2, 300);
        assert!(dec.decode(&two[..100]).unwrap().is_empty());
        assert_eq!(dec.decode(&two[100..]).unwrap().len(), 2);
        assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn decode_takes_frames_out_as_it_goes_so_long_messages_fit_a_small_buffer() {
        let mut dec = FrameDecoder::new()
            .with_max_frame_len(10)
            .with_max_buffered(30);
        let message = wire(20, 10);
        assert!(message.len() > 30);
        let frames = dec.decode(&message).unwrap();
        assert_eq!(frames.len(), 20);
        assert_eq!(frames[19], vec![19; 10]);
        assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn pushing_past_the_bound_fails_typed_and_sticky() {
        let mut dec = FrameDecoder::new()
            .with_max_frame_len(10)
            .with_max_buffered(30);
        dec.push(&wire(2, 10));
        dec.push(&[0; 5]);
        assert_eq!(
            dec.next_frame(),
            Err(FrameError::BufferFull { len: 31, max: 30 })
        );
        assert!(dec.next_frame().is_err());
        // Nothing more is stored once failed.
        dec.push(&[0; 10]);
        assert_eq!(dec.buffered(), 26);
    }

    #[test]
    fn a_frame_larger_than_the_buffer_is_refused() {
        let mut dec = FrameDecoder::new().with_max_buffered(10);
        assert_eq!(
            dec.decode(&wire(1, 50)),
            Err(FrameError::BufferFull { len: 53, max: 10 })
        );
    }

    #[test]
    fn the_default_bound_holds_an_intro_and_two_largest_frames() {
        let dec = FrameDecoder::expecting_intro().with_max_frame_len(100);
        assert_eq!(dec.max_buffered(), 3 * 103 + 11);
        assert_eq!(
            FrameDecoder::new().max_buffered(),
            3 * (MAX_FRAME_LEN + 3) + 11
        );
    }

    #[test]
    fn routing_info_is_bounded_like_a_frame() {
        let mut dec = FrameDecoder::expecting_intro().with_max_frame_len(4);
        let mut enc = FrameEncoder::with_routing_info(b"too long").unwrap();
        assert_eq!(
            dec.decode(&enc.encode(b"x").unwrap()),
            Err(FrameError::TooLarge { len: 8, max: 4 })
        );
    }
}
