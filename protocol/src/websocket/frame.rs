//! RFC 6455 framing for the client side: masked frames out, the server's frames in.
//!
//! Our own codec rather than tungstenite's so that no buffer outlives the frame that needed
//! it: a WhatsApp connection idles with a few small frames a minute, but its first prekey
//! upload is a 40 KiB message, and a codec that keeps its largest buffer keeps that in every
//! idle session. Here a small message is a slice of the shared read buffer, a large one gets an
//! allocation of its own that leaves with it, and outgoing frames are built in a buffer that
//! is dropped when it grew past [`KEEP_BUFFER`].

use bytes::{Buf, Bytes, BytesMut};

/// Buffers up to this size are kept for the next frame; larger ones are freed after use.
/// Idle traffic (pings, receipts, acks, presence) is well under 1 KiB a frame, and every
/// session pays this once, so it is small; a larger message gets its own allocation.
pub const KEEP_BUFFER: usize = 2 * 1024;

/// The largest message accepted: WhatsApp's frame length prefix is 24 bits, plus room for
/// the prefix itself.
pub const MAX_MESSAGE: usize = (1 << 24) + 16;

/// The least room a read is given.
const MIN_READ: usize = 512;

/// Control frames carry at most this much (RFC 6455 §5.5).
const MAX_CONTROL: usize = 125;

const OP_CONTINUATION: u8 = 0x0;
const OP_TEXT: u8 = 0x1;
const OP_BINARY: u8 = 0x2;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// What the server sent that breaks RFC 6455 for a client without extensions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Reserved bits set, though no extension was negotiated.
    #[error("reserved bits set in a frame header")]
    ReservedBits,
    /// A server frame must not be masked.
    #[error("the server sent a masked frame")]
    Masked,
    /// An opcode RFC 6455 does not define.
    #[error("unknown opcode {0:#x}")]
    UnknownOpcode(u8),
    /// A control frame longer than 125 bytes or fragmented.
    #[error("malformed control frame")]
    BadControl,
    /// A continuation with no message to continue, or a new message inside a fragmented one.
    #[error("fragments out of order")]
    BadFragment,
    /// A message longer than [`MAX_MESSAGE`].
    #[error("message of {0} bytes is over the limit")]
    TooLarge(u64),
}

/// One thing the server sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Incoming {
    /// A whole binary message.
    Binary(Bytes),
    /// A ping to answer with a pong carrying the same bytes.
    Ping(Bytes),
    /// The server closed the connection (its close payload).
    Close(Bytes),
}

/// A partly received fragmented message.
#[derive(Debug)]
struct Partial {
    binary: bool,
    data: Vec<u8>,
}

/// Reads the server's frames out of the bytes received so far: the caller reads from the
/// socket into [`FrameReader::read_target`] and takes items with [`FrameReader::next_item`].
#[derive(Debug, Default)]
pub struct FrameReader {
    buf: BytesMut,
    partial: Option<Partial>,
    /// A large frame still arriving: its payload so far (in an allocation of its own) and its
    /// header, whose `len` says how much is due.
    large: Option<(Vec<u8>, Header)>,
}

#[derive(Debug, Clone, Copy)]
struct Header {
    fin: bool,
    opcode: u8,
    len: usize,
}

impl FrameReader {
    /// Starts with the bytes that followed the upgrade response.
    pub fn new(leftover: &[u8]) -> Self {
        let mut buf = BytesMut::with_capacity(KEEP_BUFFER.max(leftover.len()));
        buf.extend_from_slice(leftover);
        Self {
            buf,
            ..Self::default()
        }
    }

    /// Where the next read should go: the spare room of the shared buffer, or the rest of a
    /// large frame's own allocation.
    pub fn read_target(&mut self) -> &mut BytesMut {
        if self.buf.capacity() - self.buf.len() < MIN_READ {
            // `reserve` reclaims the allocation when no message slice still uses it, and
            // otherwise starts a fresh small one: the old one leaves with its messages.
            self.buf
                .reserve(KEEP_BUFFER.saturating_sub(self.buf.len()).max(MIN_READ));
        }
        &mut self.buf
    }

    /// The next complete item, `Ok(None)` when more bytes are needed.
    pub fn next_item(&mut self) -> Result<Option<Incoming>, FrameError> {
        loop {
            if let Some((data, header)) = &mut self.large {
                let want = header.len - data.len();
                let take = want.min(self.buf.len());
                data.extend_from_slice(&self.buf[..take]);
                self.buf.advance(take);
                if data.len() < header.len {
                    return Ok(None);
                }
                let (data, header) = self.large.take().expect("large frame in progress");
                if let Some(item) = self.complete(header, Payload::Owned(data))? {
                    return Ok(Some(item));
                }
                continue;
            }
            let Some((header, header_len)) = parse_header(&self.buf)? else {
                return Ok(None);
            };
            if header.len > KEEP_BUFFER && self.buf.len() < header_len + header.len {
                // A large frame still arriving: its payload gets an allocation of its own
                // rather than growing the shared buffer for good.
                self.buf.advance(header_len);
                let mut data = Vec::with_capacity(header.len);
                let take = self.buf.len().min(header.len);
                data.extend_from_slice(&self.buf[..take]);
                self.buf.advance(take);
                self.large = Some((data, header));
                continue;
            }
            if self.buf.len() < header_len + header.len {
                return Ok(None);
            }
            self.buf.advance(header_len);
            let payload = self.buf.split_to(header.len).freeze();
            if let Some(item) = self.complete(header, Payload::Shared(payload))? {
                return Ok(Some(item));
            }
        }
    }

    /// Applies one whole frame; returns an item when it finished one.
    fn complete(
        &mut self,
        header: Header,
        payload: Payload,
    ) -> Result<Option<Incoming>, FrameError> {
        match header.opcode {
            OP_PING => Ok(Some(Incoming::Ping(payload.into_bytes()))),
            OP_CLOSE => Ok(Some(Incoming::Close(payload.into_bytes()))),
            OP_PONG => Ok(None),
            OP_TEXT | OP_BINARY => {
                if self.partial.is_some() {
                    return Err(FrameError::BadFragment);
                }
                let binary = header.opcode == OP_BINARY;
                if header.fin {
                    // Text is not part of WhatsApp's protocol: read past it.
                    return Ok(binary.then(|| Incoming::Binary(payload.into_bytes())));
                }
                self.partial = Some(Partial {
                    binary,
                    data: payload.into_vec(),
                });
                Ok(None)
            }
            OP_CONTINUATION => {
                let partial = self.partial.as_mut().ok_or(FrameError::BadFragment)?;
                let total = partial.data.len() + payload.len();
                if total > MAX_MESSAGE {
                    return Err(FrameError::TooLarge(total as u64));
                }
                partial.data.extend_from_slice(payload.as_slice());
                if !header.fin {
                    return Ok(None);
                }
                let done = self.partial.take().expect("partial message");
                Ok(done
                    .binary
                    .then(|| Incoming::Binary(Bytes::from(done.data))))
            }
            other => Err(FrameError::UnknownOpcode(other)),
        }
    }
}

/// A frame's payload: a slice of the shared buffer or an allocation of its own.
enum Payload {
    Shared(Bytes),
    Owned(Vec<u8>),
}

impl Payload {
    fn len(&self) -> usize {
        self.as_slice().len()
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Payload::Shared(b) => b,
            Payload::Owned(v) => v,
        }
    }

    fn into_bytes(self) -> Bytes {
        match self {
            // A slice of the shared buffer: while a consumer holds it, the next `reserve`
            // starts a fresh small buffer instead of growing this one.
            Payload::Shared(b) => b,
            Payload::Owned(v) => Bytes::from(v),
        }
    }

    fn into_vec(self) -> Vec<u8> {
        match self {
            Payload::Shared(b) => b.to_vec(),
            Payload::Owned(v) => v,
        }
    }
}

/// The header at the start of `buf` and its length, `None` while incomplete.
fn parse_header(buf: &[u8]) -> Result<Option<(Header, usize)>, FrameError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let (b0, b1) = (buf[0], buf[1]);
    if b0 & 0x70 != 0 {
        return Err(FrameError::ReservedBits);
    }
    if b1 & 0x80 != 0 {
        return Err(FrameError::Masked);
    }
    let fin = b0 & 0x80 != 0;
    let opcode = b0 & 0x0F;
    if !matches!(
        opcode,
        OP_CONTINUATION | OP_TEXT | OP_BINARY | OP_CLOSE | OP_PING | OP_PONG
    ) {
        return Err(FrameError::UnknownOpcode(opcode));
    }
    let (len, header_len) = match b1 & 0x7F {
        126 if buf.len() < 4 => return Ok(None),
        126 => (u64::from(u16::from_be_bytes([buf[2], buf[3]])), 4),
        127 if buf.len() < 10 => return Ok(None),
        127 => {
            let mut n = [0u8; 8];
            n.copy_from_slice(&buf[2..10]);
            (u64::from_be_bytes(n), 10)
        }
        n => (u64::from(n), 2),
    };
    if opcode >= OP_CLOSE && (!fin || len > MAX_CONTROL as u64) {
        return Err(FrameError::BadControl);
    }
    if len > MAX_MESSAGE as u64 {
        return Err(FrameError::TooLarge(len));
    }
    Ok(Some((
        Header {
            fin,
            opcode,
            len: len as usize,
        },
        header_len,
    )))
}

/// What a client frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutKind {
    /// A binary message.
    Binary,
    /// The answer to a ping.
    Pong,
    /// A close frame.
    Close,
}

/// Appends one masked, final client frame to `out`; `mask` must be fresh random bytes for
/// every frame (RFC 6455 §5.3).
pub fn encode(kind: OutKind, payload: &[u8], mask: [u8; 4], out: &mut Vec<u8>) {
    let opcode = match kind {
        OutKind::Binary => OP_BINARY,
        OutKind::Pong => OP_PONG,
        OutKind::Close => OP_CLOSE,
    };
    out.reserve(14 + payload.len());
    out.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= usize::from(u16::MAX) => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    let start = out.len();
    out.extend_from_slice(payload);
    for (i, b) in out[start..].iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
}

#[cfg(test)]
#[path = "frame_tests.rs"]
mod tests;
