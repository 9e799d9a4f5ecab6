//! [`MediaError`]: why an upload or download failed.

use wa_protocol::media::{MediaConnError, MediaCryptoError, MediaUrlError};

use crate::link::IqError;

/// Why a media transfer failed. Crypto failures keep their own variants so a caller can tell a
/// corrupted blob from a host that would not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The message has no downloadable media, or lacks a field a download needs.
    #[error("not downloadable: {0}")]
    NotDownloadable(&'static str),
    /// The `media_conn` iq failed.
    #[error("media_conn iq: {0}")]
    Iq(#[from] IqError),
    /// The `media_conn` reply was unusable.
    #[error("media_conn reply: {0}")]
    Conn(#[from] MediaConnError),
    /// A host name or direct path could not make a URL.
    #[error("media url: {0}")]
    Url(#[from] MediaUrlError),
    /// The blob failed a check (hash, MAC, padding, length).
    #[error("media blob: {0}")]
    Crypto(#[from] MediaCryptoError),
    /// A host answered with this status (the last one tried).
    #[error("media host answered HTTP {0}")]
    Status(u16),
    /// Connection, TLS or timeout failure talking to the hosts (the last one tried).
    #[error("media transfer: {0}")]
    Http(#[source] reqwest::Error),
    /// Reading the caller's input or writing its output failed (or the temporary file).
    #[error("media i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The upload response was not the expected JSON.
    #[error("upload response: {0}")]
    BadResponse(#[source] serde_json::Error),
    /// The upload response was longer than a host's answer can be.
    #[error("upload response over {cap} bytes")]
    ResponseTooLarge {
        /// The most bytes read.
        cap: usize,
    },
    /// The body is larger than the configured limit.
    #[error("media body over the {0}-byte limit")]
    TooLarge(u64),
    /// The HTTP client could not be set up (kept once built, so every later transfer reports
    /// the same failure).
    #[error("http client setup: {0}")]
    Setup(#[source] std::sync::Arc<MediaSetupError>),
    /// The transfer service is shutting down.
    #[error("media transfers are closed")]
    Closed,
}

impl From<reqwest::Error> for MediaError {
    fn from(e: reqwest::Error) -> Self {
        MediaError::Http(e)
    }
}

/// Why the media HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaSetupError {
    /// The process-wide TLS configuration failed.
    #[error("tls: {0}")]
    Tls(#[source] crate::transport::TransportError),
    /// The configured user agent is not a valid header value.
    #[error("user agent: {0}")]
    UserAgent(#[source] reqwest::header::InvalidHeaderValue),
    /// reqwest refused the configuration.
    #[error("client: {0}")]
    Client(#[source] reqwest::Error),
}
