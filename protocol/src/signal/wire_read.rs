//! The protobufs of a `msg` and a `skmsg` read in place: byte fields come back as ranges of the
//! input instead of owned vectors, so a received message holds its ciphertext once (inside its
//! serialized bytes). Accepts and refuses exactly what `prost` does for those messages (the
//! differential tests in `wire_read_tests.rs`): unknown fields skipped by wire type, groups
//! nested at most 100 deep, the last occurrence of a field winning, a `uint32` taken from the
//! low bits of a 64-bit varint.

use std::ops::Range;

/// Why the bytes are not the message asked for (all reported as one protobuf error).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Malformed;

/// The kind of a known field: `bytes`, or a `uint32` varint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Bytes,
    Uint32,
}

/// A known field's last value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// Where the bytes sit in the input.
    Bytes(Range<usize>),
    Uint32(u32),
}

impl Value {
    pub(crate) fn bytes(v: Option<Value>) -> Option<Range<usize>> {
        match v {
            Some(Value::Bytes(r)) => Some(r),
            _ => None,
        }
    }

    pub(crate) fn uint32(v: Option<Value>) -> Option<u32> {
        match v {
            Some(Value::Uint32(n)) => Some(n),
            _ => None,
        }
    }
}

/// `prost`'s default recursion limit, which bounds nested groups in skipped fields.
const RECURSION_LIMIT: u32 = 100;

const VARINT: u64 = 0;
const FIXED64: u64 = 1;
const LENGTH_DELIMITED: u64 = 2;
const START_GROUP: u64 = 3;
const END_GROUP: u64 = 4;
const FIXED32: u64 = 5;

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    /// A varint of at most ten bytes, the tenth at most 1 (the value fits 64 bits).
    fn varint(&mut self) -> Result<u64, Malformed> {
        let mut value = 0u64;
        for i in 0..10 {
            let byte = *self.bytes.get(self.pos).ok_or(Malformed)?;
            self.pos += 1;
            if i == 9 && byte > 1 {
                return Err(Malformed);
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Malformed)
    }

    /// A field key: (field number, wire type).
    fn key(&mut self) -> Result<(u64, u64), Malformed> {
        let key = self.varint()?;
        if key > u64::from(u32::MAX) || key & 7 > FIXED32 || key >> 3 == 0 {
            return Err(Malformed);
        }
        Ok((key >> 3, key & 7))
    }

    fn advance(&mut self, len: u64) -> Result<Range<usize>, Malformed> {
        let left = self.bytes.len() - self.pos;
        let len = usize::try_from(len).map_err(|_| Malformed)?;
        if len > left {
            return Err(Malformed);
        }
        let start = self.pos;
        self.pos += len;
        Ok(start..self.pos)
    }

    fn length_delimited(&mut self) -> Result<Range<usize>, Malformed> {
        let len = self.varint()?;
        self.advance(len)
    }

    /// Skips an unknown field's value.
    fn skip(&mut self, number: u64, wire_type: u64, depth_left: u32) -> Result<(), Malformed> {
        if depth_left == 0 {
            return Err(Malformed);
        }
        match wire_type {
            VARINT => self.varint().map(drop),
            FIXED64 => self.advance(8).map(drop),
            LENGTH_DELIMITED => self.length_delimited().map(drop),
            FIXED32 => self.advance(4).map(drop),
            START_GROUP => loop {
                let (inner, inner_type) = self.key()?;
                if inner_type == END_GROUP {
                    return if inner == number {
                        Ok(())
                    } else {
                        Err(Malformed)
                    };
                }
                self.skip(inner, inner_type, depth_left - 1)?;
            },
            // A lone end-group key.
            _ => Err(Malformed),
        }
    }
}

/// Reads `bytes` as a message whose known fields are `fields` (field number, kind); returns
/// each one's last value, in the order asked.
pub(crate) fn read<const N: usize>(
    bytes: &[u8],
    fields: [(u64, Kind); N],
) -> Result<[Option<Value>; N], Malformed> {
    let mut r = Reader { bytes, pos: 0 };
    let mut out = [const { None }; N];
    while r.pos < bytes.len() {
        let (number, wire_type) = r.key()?;
        let Some(i) = fields.iter().position(|(n, _)| *n == number) else {
            r.skip(number, wire_type, RECURSION_LIMIT)?;
            continue;
        };
        out[i] = Some(match (fields[i].1, wire_type) {
            (Kind::Bytes, LENGTH_DELIMITED) => Value::Bytes(r.length_delimited()?),
            // prost reads a uint32 as the low 32 bits of the varint.
            (Kind::Uint32, VARINT) => Value::Uint32(r.varint()? as u32),
            _ => return Err(Malformed),
        });
    }
    Ok(out)
}
