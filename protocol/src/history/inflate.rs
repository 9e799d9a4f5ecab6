//! zlib (RFC 1950) inflation with a hard cap: the blob's size is the sender's choice, and a
//! few kilobytes can inflate to gigabytes.

use flate2::{Decompress, FlushDecompress, Status};

use super::error::HistoryError;

/// The default cap on an inflated history blob (whatsmeow and Baileys have none; real chunks
/// are a few megabytes).
pub const DEFAULT_MAX_INFLATED: usize = 64 * 1024 * 1024;

/// Inflates `compressed`, stopping one byte past `max` so an oversized blob costs at most
/// `max + 1` bytes of memory and is refused with [`HistoryError::TooLarge`]. Bytes after the
/// end of the zlib stream are ignored.
///
/// Straight into the output's spare capacity with `Decompress`: the `Read` adapter copied the
/// input through its own buffer and zeroed the output before every read, a sixth of a blob's
/// instructions (callgrind, sidebyside `history/*`).
pub fn inflate(compressed: &[u8], max: usize) -> Result<Vec<u8>, HistoryError> {
    let limit = max.saturating_add(1);
    // A guess at the ratio only sizes the first allocation; the cap is what bounds it.
    let mut out = Vec::with_capacity(compressed.len().saturating_mul(4).max(64).min(limit));
    let mut z = Decompress::new(true);
    loop {
        let read = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        let input = compressed.get(read..).unwrap_or_default();
        let before = (z.total_in(), z.total_out());
        let status = z
            .decompress_vec(input, &mut out, FlushDecompress::Finish)
            .map_err(|_| HistoryError::Inflate(std::io::ErrorKind::InvalidData))?;
        if out.len() > max {
            return Err(HistoryError::TooLarge { max });
        }
        if status == Status::StreamEnd {
            return Ok(out);
        }
        if out.len() == out.capacity() {
            // Doubling, never past the cap's one extra byte.
            let more = out.capacity().min(limit - out.len());
            out.reserve_exact(more);
        } else if (z.total_in(), z.total_out()) == before {
            // Room to write and nothing moved: the stream is cut short.
            return Err(HistoryError::Inflate(std::io::ErrorKind::UnexpectedEof));
        }
    }
}
