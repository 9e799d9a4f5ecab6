//! The cheap pass over an inflated `HistorySync`: one walk over the top-level fields that
//! records where each `conversations` entry (field 2) lies and decodes everything else.
//!
//! Conversations are nearly all of a blob's bytes and most handlers never look at them, so
//! they stay as byte ranges of the inflated buffer; each one is a complete `Conversation`
//! message that `prost` can decode on its own later.

use std::ops::Range;

use prost::Message as _;
use wa_protobuf::wa;

use super::error::HistoryError;

/// The most conversations one chunk may hold: far beyond a real chunk (a few hundred), and it
/// bounds the index a hostile blob can make us build (16 bytes per entry).
pub const MAX_CONVERSATIONS: usize = 1_000_000;

/// `HistorySync.conversations`.
const CONVERSATIONS: u64 = 2;

/// A scanned blob: the conversations' byte ranges, and every other field decoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScannedHistory {
    /// The byte range of each `Conversation`, in blob order, inside the scanned buffer.
    pub conversations: Vec<Range<usize>>,
    /// The blob's other top-level fields (`conversations` is always empty here).
    pub rest: wa::HistorySync,
}

/// Scans `blob` (an inflated `HistorySync`). Fails on broken framing, on more than
/// [`MAX_CONVERSATIONS`] conversations, and when the other fields do not decode. The
/// conversations themselves are not checked: a bad one fails alone, when it is decoded.
pub fn scan(blob: &[u8]) -> Result<ScannedHistory, HistoryError> {
    let mut conversations = Vec::new();
    let mut rest = Vec::new();
    for field in Fields::new(blob) {
        let field = field?;
        if field.number == CONVERSATIONS {
            if field.wire_type != 2 {
                return Err(HistoryError::Malformed(
                    "conversation is not length-delimited",
                ));
            }
            if conversations.len() == MAX_CONVERSATIONS {
                return Err(HistoryError::TooManyConversations {
                    max: MAX_CONVERSATIONS,
                });
            }
            conversations.push(field.body);
        } else {
            rest.extend_from_slice(&blob[field.whole]);
        }
    }
    Ok(ScannedHistory {
        conversations,
        rest: wa::HistorySync::decode(rest.as_slice())?,
    })
}

/// One top-level field of a protobuf message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Field {
    pub number: u64,
    pub wire_type: u64,
    /// Key and body.
    pub whole: Range<usize>,
    /// The body: the payload of a length-delimited field, the bytes of the others.
    pub body: Range<usize>,
}

/// The fields of a protobuf message, in order, without decoding them; stops at the first
/// framing error.
pub(super) struct Fields<'a> {
    blob: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Fields<'a> {
    pub(super) fn new(blob: &'a [u8]) -> Self {
        Self {
            blob,
            pos: 0,
            failed: false,
        }
    }

    fn field(&mut self) -> Result<Field, HistoryError> {
        let blob = self.blob;
        let start = self.pos;
        let mut pos = self.pos;
        let key = varint(blob, &mut pos)?;
        let (number, wire_type) = (key >> 3, key & 7);
        if number == 0 {
            return Err(HistoryError::Malformed("field number 0"));
        }
        let body_start;
        match wire_type {
            0 => {
                body_start = pos;
                varint(blob, &mut pos)?;
            }
            1 => {
                body_start = pos;
                pos = advance(blob, pos, 8)?;
            }
            2 => {
                let len = varint(blob, &mut pos)?;
                body_start = pos;
                let len = usize::try_from(len).map_err(|_| HistoryError::Malformed("length"))?;
                pos = advance(blob, pos, len)?;
            }
            5 => {
                body_start = pos;
                pos = advance(blob, pos, 4)?;
            }
            _ => return Err(HistoryError::Malformed("unsupported wire type")),
        }
        self.pos = pos;
        Ok(Field {
            number,
            wire_type,
            whole: start..pos,
            body: body_start..pos,
        })
    }
}

impl Iterator for Fields<'_> {
    type Item = Result<Field, HistoryError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.blob.len() {
            return None;
        }
        let f = self.field();
        self.failed = f.is_err();
        Some(f)
    }
}

fn advance(blob: &[u8], pos: usize, n: usize) -> Result<usize, HistoryError> {
    pos.checked_add(n)
        .filter(|end| *end <= blob.len())
        .ok_or(HistoryError::Malformed("truncated field"))
}

/// A base-128 varint of at most 10 bytes.
#[inline]
fn varint(blob: &[u8], pos: &mut usize) -> Result<u64, HistoryError> {
    // Keys and short lengths are one byte, a message's length two: nearly every varint of a
    // history blob.
    match blob.get(*pos..*pos + 2) {
        Some(&[b0 @ 0..=0x7f, _]) => {
            *pos += 1;
            return Ok(u64::from(b0));
        }
        Some(&[b0, b1 @ 0..=0x7f]) => {
            *pos += 2;
            return Ok(u64::from(b0 & 0x7f) | u64::from(b1) << 7);
        }
        _ => {}
    }
    varint_long(blob, pos)
}

#[inline(never)]
fn varint_long(blob: &[u8], pos: &mut usize) -> Result<u64, HistoryError> {
    let mut value = 0u64;
    for i in 0..10 {
        let byte = *blob
            .get(*pos)
            .ok_or(HistoryError::Malformed("truncated varint"))?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(HistoryError::Malformed("varint too long"))
}

#[cfg(test)]
mod varint_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every length of encoding, with and without bytes after it, and cut short.
        #[test]
        fn varint_reads_what_prost_writes(v in any::<u64>(), shift in 0u32..64, tail in proptest::collection::vec(any::<u8>(), 0..3)) {
            let v = v >> shift;
            let mut buf = Vec::new();
            prost::encoding::encode_varint(v, &mut buf);
            let len = buf.len();
            buf.extend_from_slice(&tail);
            let mut pos = 0;
            prop_assert_eq!(varint(&buf, &mut pos).unwrap(), v);
            prop_assert_eq!(pos, len);
            let mut pos = 0;
            prop_assert!(varint(&buf[..len - 1], &mut pos).is_err());
        }
    }
}
