//! WebSocket transport over tokio-tungstenite, TLS by rustls with the ring provider.

use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use super::release::Release;
use super::{BoxFuture, Connection, FrameSink, FrameSource, Transport, TransportError};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The `Origin` header WhatsApp Web sends; the server expects it.
pub(crate) const DEFAULT_ORIGIN: &str = "https://web.whatsapp.com";

/// WebSocket transport: `wss://` URLs go through rustls (ring provider, Mozilla's webpki roots),
/// `ws://` URLs are plain TCP (for a local test server such as wa-testkit).
#[derive(Clone)]
pub struct WsTransport {
    origin: String,
    /// A caller's own configuration; `None` uses the shared one.
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for WsTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsTransport")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl WsTransport {
    /// A transport with the WhatsApp Web origin and the process-wide TLS configuration
    /// ([`shared_client_config`](super::tls::shared_client_config)), built on the first
    /// `wss://` connection.
    pub fn new() -> Result<Self, TransportError> {
        Ok(Self {
            origin: DEFAULT_ORIGIN.to_string(),
            tls: None,
        })
    }

    /// Uses a caller-built rustls configuration (custom roots, proxies' CAs).
    pub fn with_tls_config(mut self, tls: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Sets the `Origin` header sent with the upgrade request.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = origin.into();
        self
    }
}

impl Transport for WsTransport {
    fn connect<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<Connection, TransportError>> {
        Box::pin(async move {
            let mut request =
                url.into_client_request()
                    .map_err(|e| TransportError::InvalidUrl {
                        url: url.to_string(),
                        reason: e.to_string(),
                    })?;
            let origin =
                HeaderValue::from_str(&self.origin).map_err(|e| TransportError::InvalidUrl {
                    url: url.to_string(),
                    reason: format!("bad origin: {e}"),
                })?;
            request.headers_mut().insert("Origin", origin);
            let connector = if url.starts_with("wss://") {
                let tls = match &self.tls {
                    Some(own) => own.clone(),
                    None => super::tls::shared_client_config()?,
                };
                Connector::Rustls(tls)
            } else {
                Connector::Plain
            };
            let (ws, _response) = tokio_tungstenite::connect_async_tls_with_config(
                request,
                Some(ws_config()),
                true,
                Some(connector),
            )
            .await
            .map_err(|e| TransportError::Connect(e.to_string()))?;
            let (sink, stream) = ws.split();
            let sink: Box<dyn FrameSink> = Box::new(WsSink(sink));
            let source: Box<dyn FrameSource> = Box::new(WsSource(stream, Release::default()));
            Ok((sink, source))
        })
    }
}

/// Initial read buffer. tungstenite zero-fills the whole buffer on its first read, so its
/// default of 128 KiB stays resident in every idle connection; WhatsApp frames are mostly
/// well under 4 KiB, and a larger one makes the codec reserve what it needs, given back
/// afterwards (`release.rs`).
pub(crate) const READ_BUFFER: usize = 4 * 1024;

/// The WebSocket settings: a small read buffer that grows on demand, and eager writes (the
/// Noise layer already sends whole frames, so batching in tungstenite only holds memory).
pub(crate) fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
}

struct WsSink(SplitSink<Ws, Message>);

impl FrameSink for WsSink {
    fn send(&mut self, data: Bytes) -> BoxFuture<'_, Result<(), TransportError>> {
        Box::pin(async move {
            self.0
                .send(Message::Binary(data))
                .await
                .map_err(|e| TransportError::Io(e.to_string()))
        })
    }

    fn close(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _ = self.0.close().await;
        })
    }
}

struct WsSource(SplitStream<Ws>, Release);

impl FrameSource for WsSource {
    fn recv(&mut self) -> BoxFuture<'_, Option<Result<Bytes, TransportError>>> {
        Box::pin(async move {
            loop {
                match self.0.next().await {
                    None => return None,
                    Some(Ok(Message::Binary(data))) => {
                        self.1.observe(&data);
                        return Some(Ok(data));
                    }
                    Some(Ok(Message::Close(_))) => return None,
                    // Pings are answered by tungstenite itself; text frames are not part of the
                    // protocol and are skipped.
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Some(Err(TransportError::Io(e.to_string()))),
                }
            }
        })
    }
}
