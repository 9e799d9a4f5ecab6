//! The HTTP client of media transfers: reqwest on the WebSocket's own process-wide rustls
//! configuration (`transport::tls`), so no second TLS stack, provider or root store exists.

use reqwest::header::{HeaderMap, HeaderValue, ORIGIN, REFERER, USER_AGENT};

use super::config::MediaConfig;
use super::error::MediaSetupError;

/// WhatsApp Web's origin, sent as `Origin` and (with a slash) `Referer` (whatsmeow
/// `socket.Origin`, `upload.go`).
pub(crate) const WEB_ORIGIN: &str = "https://web.whatsapp.com";

pub(crate) fn build_client(config: &MediaConfig) -> Result<reqwest::Client, MediaSetupError> {
    // The process-wide config: a shallow copy shares its root store and verifier.
    let tls: rustls::ClientConfig =
        (*crate::transport::tls::shared_client_config().map_err(MediaSetupError::Tls)?).clone();
    let mut headers = HeaderMap::new();
    headers.insert(ORIGIN, HeaderValue::from_static(WEB_ORIGIN));
    headers.insert(
        REFERER,
        HeaderValue::from_static("https://web.whatsapp.com/"),
    );
    headers.insert(
        USER_AGENT,
        HeaderValue::from_str(&config.user_agent).map_err(MediaSetupError::UserAgent)?,
    );
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .default_headers(headers)
        .connect_timeout(config.connect_timeout)
        .read_timeout(config.read_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(MediaSetupError::Client)
}
