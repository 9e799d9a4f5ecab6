//! Getting a chunk's compressed bytes: inline, or from the media host.

use wa_protocol::history::HistorySource;
use wa_protocol::media::MediaType;

use crate::media::{Media, MediaError, MediaRef};

/// How a fetch ended.
pub(super) enum Fetched {
    /// The compressed blob.
    Bytes(Vec<u8>),
    /// Worth another try later (no connection, a host error).
    Transient(MediaError),
    /// The blob is gone or corrupt: trying again cannot help.
    Failed(MediaError),
}

/// Fetches `source`. A `NO_HISTORY` chunk has no bytes; it reads as an empty blob.
pub(super) async fn fetch(media: &Media, source: &HistorySource) -> Fetched {
    let HistorySource::Download {
        direct_path,
        media_key,
        file_enc_sha256,
        file_sha256,
        file_length,
    } = source
    else {
        return match source {
            HistorySource::Inline(b) => Fetched::Bytes(b.to_vec()),
            _ => Fetched::Bytes(Vec::new()),
        };
    };
    let r = match MediaRef::new(
        MediaType::History,
        Some(direct_path),
        Some(media_key),
        Some(file_enc_sha256),
        Some(file_sha256),
        *file_length,
    ) {
        Ok(r) => r,
        Err(e) => return Fetched::Failed(e),
    };
    match media.download(&r, None).await {
        Ok(b) => Fetched::Bytes(b),
        Err(e) if is_transient(&e) => Fetched::Transient(e),
        Err(e) => Fetched::Failed(e),
    }
}

fn is_transient(e: &MediaError) -> bool {
    match e {
        // `Closed`: the client is stopping; the chunk stays pending for the next run.
        MediaError::Iq(_)
        | MediaError::Http(_)
        | MediaError::Io(_)
        | MediaError::Setup(_)
        | MediaError::Closed => true,
        // 404/410: the blob expired; other 4xx will not change on a retry.
        MediaError::Status(s) => *s >= 500 || *s == 408 || *s == 429,
        _ => false,
    }
}
