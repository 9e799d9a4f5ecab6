//! The process-wide TLS client configuration.
//!
//! A rustls `ClientConfig` with Mozilla's root store costs about 24 KiB; built per client it
//! is a tenth of an idle session's memory. Every [`WsTransport`](super::WsTransport) and any
//! other HTTPS user in the process (media transfers) can share this one instead.

use std::sync::{Arc, OnceLock};

use super::TransportError;

static SHARED: OnceLock<Result<Arc<rustls::ClientConfig>, rustls::Error>> = OnceLock::new();

/// The TLS configuration shared by every client in the process: rustls with the ring provider,
/// the safe default protocol versions and Mozilla's webpki roots. Built on first use, so a
/// process that only speaks `ws://` never builds it.
pub fn shared_client_config() -> Result<Arc<rustls::ClientConfig>, TransportError> {
    SHARED
        .get_or_init(|| build().map(Arc::new))
        .clone()
        .map_err(TransportError::TlsConfig)
}

fn build() -> Result<rustls::ClientConfig, rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_caller_gets_the_same_config() {
        let a = shared_client_config().expect("config");
        let b = shared_client_config().expect("config");
        assert!(Arc::ptr_eq(&a, &b));
    }
}
