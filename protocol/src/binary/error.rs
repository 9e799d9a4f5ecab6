//! Errors of the binary node codec and of JID parsing.
//!
//! Every decoding failure names what was wrong and the byte offset (into the decompressed node,
//! after the flags byte) where the decoder noticed it, so a bad frame can be found in a hex dump.

use thiserror::Error;

use super::limits::DecodeBudget;

/// Why a binary node could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended while `needed` more bytes were expected at `offset`.
    #[error("unexpected end of input at offset {offset}: {needed} more byte(s) needed")]
    UnexpectedEof {
        /// Where the missing bytes should have started.
        offset: usize,
        /// How many bytes were still needed.
        needed: usize,
    },
    /// A tag byte that is not valid where it was found.
    #[error("invalid tag byte {tag:#04x} at offset {offset} (expected {expected})")]
    InvalidTag {
        /// Offset of the tag byte.
        offset: usize,
        /// The byte found.
        tag: u8,
        /// What kind of item the decoder was reading.
        expected: &'static str,
    },
    /// A double-byte dictionary reference outside the known tables.
    #[error("invalid token {dict}/{index} at offset {offset}")]
    InvalidToken {
        /// Offset of the dictionary tag byte.
        offset: usize,
        /// Dictionary number (0–3).
        dict: u8,
        /// Index inside the dictionary.
        index: u8,
    },
    /// A 4-bit code that is not valid in a nibble-packed string.
    #[error("invalid nibble {nibble:#x} in packed string at offset {offset}")]
    InvalidNibble {
        /// Offset of the byte holding the code.
        offset: usize,
        /// The 4-bit code.
        nibble: u8,
    },
    /// A packed string header claiming odd length with no characters.
    #[error("packed string at offset {offset} claims odd length but has no characters")]
    BadPackedHeader {
        /// Offset of the header byte.
        offset: usize,
    },
    /// A raw string that is not valid UTF-8.
    #[error("string at offset {offset} is not valid UTF-8")]
    BadUtf8 {
        /// Offset of the first byte of the string.
        offset: usize,
    },
    /// A node list header of size 0 (a node needs at least a tag).
    #[error("node at offset {offset} has list size 0")]
    BadListSize {
        /// Offset of the list header.
        offset: usize,
    },
    /// A node whose tag is the empty string.
    #[error("node at offset {offset} has an empty tag")]
    EmptyTag {
        /// Offset of the tag.
        offset: usize,
    },
    /// A JID whose server part is missing or wrong for its encoding.
    #[error("invalid JID at offset {offset}: {reason}")]
    InvalidJid {
        /// Offset of the JID tag byte.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// Bytes left over after the root node.
    #[error("{remaining} trailing byte(s) after the node at offset {offset}")]
    TrailingBytes {
        /// Where the root node ended.
        offset: usize,
        /// How many bytes follow it.
        remaining: usize,
    },
    /// Nodes nested deeper than [`MAX_DEPTH`](super::decoder::MAX_DEPTH).
    #[error("nodes nested deeper than {max} at offset {offset}")]
    TooDeep {
        /// Offset of the node that exceeded the limit.
        offset: usize,
        /// The limit.
        max: usize,
    },
    /// The frame body was empty (no flags byte).
    #[error("empty frame body")]
    EmptyFrame,
    /// The zlib stream of a compressed frame is corrupt (the kind flate2 reported; its message
    /// is not kept so the error stays comparable).
    #[error("zlib inflate failed: {0}")]
    Inflate(std::io::ErrorKind),
    /// A compressed frame inflates to more than the allowed size.
    #[error("compressed frame inflates to more than {max} bytes")]
    InflatedTooLarge {
        /// The limit.
        max: usize,
    },
    /// The input is too large for a borrowed view (4 GiB or more), whose values are 32-bit
    /// offsets into it.
    #[error("input of {len} bytes is too large for a borrowed view")]
    TooLargeForView {
        /// The input's length.
        len: usize,
    },
    /// The frame needs more nodes, attributes or heap than its
    /// [`DecodeLimits`](super::limits::DecodeLimits) allow; decoding stopped before allocating.
    #[error("frame exceeds the {budget} budget of {limit} at offset {offset}")]
    OverBudget {
        /// Which budget.
        budget: DecodeBudget,
        /// Its limit (a count, or bytes for the heap).
        limit: usize,
        /// Where the decoder was when it ran out.
        offset: usize,
    },
}

/// Why a node cannot be represented in the binary format.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A node has more attributes or children than a LIST_16 header can count.
    #[error("node <{tag}> needs a list of {size} entries, more than 65535")]
    ListTooLong {
        /// Tag of the offending node.
        tag: String,
        /// The list size it would need.
        size: usize,
    },
    /// A string or byte payload of 4 GiB or more.
    #[error("payload of {len} bytes is too large to encode")]
    PayloadTooLarge {
        /// Its length.
        len: usize,
    },
}

/// Why a string is not a JID.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum JidError {
    /// More than one `@`.
    #[error("more than one '@'")]
    TooManyAt,
    /// Nothing after the `@`.
    #[error("empty server")]
    EmptyServer,
    /// The device after `:` is not a 16-bit decimal number.
    #[error("invalid device {0:?}")]
    BadDevice(String),
    /// The agent after `.` or `_` is not an 8-bit decimal number.
    #[error("invalid agent {0:?}")]
    BadAgent(String),
    /// The integrator before `-` of an interop JID is not a 16-bit decimal number.
    #[error("invalid integrator {0:?}")]
    BadIntegrator(String),
}
