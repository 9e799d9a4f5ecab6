//! The HTTP client of media transfers: reqwest on the same rustls (ring provider, webpki
//! roots) configuration as the WebSocket, so no second TLS stack or crypto provider is linked.

use std::sync::Arc;

use reqwest::header::{HeaderMap, HeaderValue, ORIGIN, REFERER, USER_AGENT};

use super::config::MediaConfig;
use super::error::MediaError;

/// WhatsApp Web's origin, sent as `Origin` and (with a slash) `Referer` (whatsmeow
/// `socket.Origin`, `upload.go`).
pub(crate) const WEB_ORIGIN: &str = "https://web.whatsapp.com";

pub(crate) fn build_client(config: &MediaConfig) -> Result<reqwest::Client, MediaError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| MediaError::Setup(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut headers = HeaderMap::new();
    headers.insert(ORIGIN, HeaderValue::from_static(WEB_ORIGIN));
    headers.insert(
        REFERER,
        HeaderValue::from_static("https://web.whatsapp.com/"),
    );
    headers.insert(
        USER_AGENT,
        HeaderValue::from_str(&config.user_agent).map_err(|e| MediaError::Setup(e.to_string()))?,
    );
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .default_headers(headers)
        .connect_timeout(config.connect_timeout)
        .read_timeout(config.read_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| MediaError::Setup(e.to_string()))
}
