//! zlib (RFC 1950) inflation with a hard cap: the blob's size is the sender's choice, and a
//! few kilobytes can inflate to gigabytes.

use std::io::Read;

use flate2::read::ZlibDecoder;

use super::error::HistoryError;

/// The default cap on an inflated history blob (whatsmeow and Baileys have none; real chunks
/// are a few megabytes).
pub const DEFAULT_MAX_INFLATED: usize = 64 * 1024 * 1024;

/// Inflates `compressed`, stopping one byte past `max` so an oversized blob costs at most
/// `max + 1` bytes of memory and is refused with [`HistoryError::TooLarge`].
pub fn inflate(compressed: &[u8], max: usize) -> Result<Vec<u8>, HistoryError> {
    // A guess at the ratio only sizes the first allocation; the cap is what bounds it.
    let mut out = Vec::with_capacity(compressed.len().saturating_mul(4).min(max));
    ZlibDecoder::new(compressed)
        .take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| HistoryError::Inflate(e.kind()))?;
    if out.len() > max {
        return Err(HistoryError::TooLarge { max });
    }
    Ok(out)
}
