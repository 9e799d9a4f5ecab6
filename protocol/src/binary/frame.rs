//! The frame body around a node: a flags byte, then the node, zlib-compressed when flag `0x02`
//! is set (whatsmeow `binary/unpack.go`, Baileys `decompressingIfRequired`).

use std::borrow::Cow;
use std::io::Read;

use flate2::read::ZlibDecoder;

use super::decoder::decode_with;
use super::encoder::encode_into;
use super::error::{DecodeError, EncodeError};
use super::limits::{DecodeLimits, DEFAULT_MAX_INFLATED};
use super::node::Node;

/// Flag bit: the node after the flags byte is zlib (RFC 1950) compressed.
pub const FLAG_COMPRESSED: u8 = 0x02;

/// Largest inflated node accepted from a compressed frame by default
/// ([`DecodeLimits::max_inflated`]).
pub const MAX_INFLATED: usize = DEFAULT_MAX_INFLATED;

/// Decodes a frame body: flags byte, then the (possibly compressed) node, within the default
/// [`DecodeLimits`].
pub fn unpack(frame: &[u8]) -> Result<Node, DecodeError> {
    unpack_with(frame, &DecodeLimits::default())
}

/// [`unpack`] with the default limits except the bound on the inflated size.
pub fn unpack_with_limit(frame: &[u8], max_inflated: usize) -> Result<Node, DecodeError> {
    unpack_with(
        frame,
        &DecodeLimits {
            max_inflated,
            ..DecodeLimits::default()
        },
    )
}

/// [`unpack`] within `limits`: inflation stops one byte past `limits.max_inflated`, and the
/// node, attribute, heap and depth budgets apply to compressed and plain bodies alike.
pub fn unpack_with(frame: &[u8], limits: &DecodeLimits) -> Result<Node, DecodeError> {
    decode_with(&body_with(frame, limits)?, limits)
}

/// The node bytes of a frame body: borrowed when plain, inflated (within
/// `limits.max_inflated`) when compressed. For [`decode_view`](super::decode_view), whose
/// view borrows from what this returns.
pub fn body_with<'a>(frame: &'a [u8], limits: &DecodeLimits) -> Result<Cow<'a, [u8]>, DecodeError> {
    let (&flags, body) = frame.split_first().ok_or(DecodeError::EmptyFrame)?;
    if flags & FLAG_COMPRESSED == 0 {
        return Ok(Cow::Borrowed(body));
    }
    let max_inflated = limits.max_inflated;
    let mut inflated = Vec::with_capacity(body.len().saturating_mul(4).min(max_inflated));
    ZlibDecoder::new(body)
        .take(
            u64::try_from(max_inflated)
                .unwrap_or(u64::MAX)
                .saturating_add(1),
        )
        .read_to_end(&mut inflated)
        .map_err(|e| DecodeError::Inflate(e.kind()))?;
    if inflated.len() > max_inflated {
        return Err(DecodeError::InflatedTooLarge { max: max_inflated });
    }
    Ok(Cow::Owned(inflated))
}

/// Encodes a frame body: flags `00` (outgoing frames are never compressed), then the node.
///
/// # Panics
/// When the node cannot be represented (more than 65535 children, 32767 attributes, or a
/// payload of 4 GiB or more); use [`try_pack`] or [`pack_into`] for nodes whose size is not
/// under the caller's control.
pub fn pack(node: &Node) -> Vec<u8> {
    match try_pack(node) {
        Ok(frame) => frame,
        Err(e) => panic!("node cannot be encoded: {e}"),
    }
}

/// Encodes a frame body like [`pack`], reporting oversized nodes as an error. The buffer is
/// reserved once from a bound on the size (a stanza of up to 32 nodes never regrows it).
pub fn try_pack(node: &Node) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(1 + super::encoded_len::reserve(node));
    pack_into(node, &mut out)?;
    Ok(out)
}

/// Appends a frame body (flags `00`, then the node) to `out`, reusing its allocation. On error
/// `out` is left as it was.
pub fn pack_into(node: &Node, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    out.push(0);
    encode_into(node, out).inspect_err(|_| out.truncate(start))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::ZlibEncoder;
    use flate2::Compression;

    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    #[test]
    fn plain_and_compressed() {
        let node = Node::build("iq")
            .attr("id", "1")
            .bytes(vec![9; 1000])
            .finish();
        let frame = pack(&node);
        assert_eq!(frame[0], 0);
        assert_eq!(unpack(&frame).unwrap(), node);
        let mut compressed = vec![FLAG_COMPRESSED];
        compressed.extend(zlib(&frame[1..]));
        assert!(compressed.len() < frame.len());
        assert_eq!(unpack(&compressed).unwrap(), node);
    }

    #[test]
    fn bad_frames() {
        assert_eq!(unpack(&[]), Err(DecodeError::EmptyFrame));
        assert!(matches!(
            unpack(&[2, 1, 2, 3]),
            Err(DecodeError::Inflate(_))
        ));
        let mut bomb = vec![FLAG_COMPRESSED];
        bomb.extend(zlib(&vec![0; MAX_INFLATED + 10]));
        assert_eq!(
            unpack(&bomb),
            Err(DecodeError::InflatedTooLarge { max: MAX_INFLATED })
        );
    }

    #[test]
    fn pack_into_appends() {
        let mut out = vec![0xAA];
        pack_into(&Node::new("iq"), &mut out).unwrap();
        assert_eq!(out, [0xAA, 0, 0xF8, 1, 0x19]);
    }
}
