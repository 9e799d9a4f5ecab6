//! Frame codec: every frame is `u24be(len) ‖ payload`; the client's very first frame is preceded
//! by the connection header (and optionally the edge-routing pre-intro). One websocket message
//! may carry several frames or part of one, so the decoder reassembles from arbitrary cuts.

use super::error::FrameError;
use super::{EDGE_ROUTING_PREFIX, MAX_FRAME_LEN, WA_HEADER};

const LEN_BYTES: usize = 3;

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
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    start: usize,
    max_len: usize,
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

    /// Routing info the client sent in its pre-intro (server side), once the intro is read.
    pub fn routing_info(&self) -> Option<&[u8]> {
        self.routing_info.as_deref()
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Appends one websocket message's bytes.
    pub fn push(&mut self, data: &[u8]) {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Pushes `data` and returns every frame completed so far, in order.
    pub fn decode(&mut self, data: &[u8]) -> Result<Vec<Vec<u8>>, FrameError> {
        self.push(data);
        let mut frames = Vec::new();
        while let Some(frame) = self.next_frame()? {
            frames.push(frame);
        }
        Ok(frames)
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
        Ok(Some(frame))
    }
}
