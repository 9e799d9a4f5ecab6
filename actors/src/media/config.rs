//! [`MediaConfig`]: timeouts, retries, limits and headers of media transfers.

use std::time::Duration;

/// The User-Agent WhatsApp Web's browser would send; the CDN does not require a particular one.
pub const DEFAULT_USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

/// How media uploads and downloads behave.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MediaConfig {
    /// Talk `http://` to the media hosts instead of `https://`. Only for a local test server
    /// (wa-testkit's media host); never set it against WhatsApp.
    pub plain_http: bool,
    /// Deadline of TCP + TLS set-up per request.
    pub connect_timeout: Duration,
    /// Longest silence between two body chunks (or before the response head) before a
    /// transfer counts as stalled. Large files are not bound by a total deadline.
    pub read_timeout: Duration,
    /// Attempts per host after the first, on 5xx answers and connection errors.
    pub retries: u32,
    /// First retry delay; doubled per attempt.
    pub backoff: Duration,
    /// Transfers running at once per client; more wait for a slot.
    pub max_concurrent: usize,
    /// Largest body a download accepts (the `fileLength` of a message is the sender's word,
    /// so this is the bound a hostile host or sender cannot raise).
    pub max_download: u64,
    /// Largest body [`Client::download`](crate::Client::download) holds in memory; larger ones
    /// must go through `download_to`.
    pub max_in_memory: u64,
    /// `User-Agent` of media requests.
    pub user_agent: String,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            plain_http: false,
            connect_timeout: Duration::from_secs(20),
            read_timeout: Duration::from_secs(60),
            retries: 2,
            backoff: Duration::from_millis(500),
            max_concurrent: 4,
            max_download: 2 << 30,
            max_in_memory: 128 << 20,
            user_agent: DEFAULT_USER_AGENT.to_string(),
        }
    }
}
