//! How the client reaches the server: a [`Transport`] opens a connection and hands back a
//! [`FrameSink`] and a [`FrameSource`] of WebSocket binary messages.
//!
//! The default is [`WsTransport`] (our own RFC 6455 client framing over tokio; `wss://` through
//! rustls with the ring provider, plain `ws://` for a local test server). [`MemoryTransport`] is an in-process duplex
//! for tests of the actor tree without sockets.

mod memory;
pub mod tls;
mod ws;

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

pub use memory::{MemoryListener, MemoryPeer, MemoryTransport};
pub use tls::shared_client_config;
pub use ws::WsTransport;

/// A boxed, sendable future, the return type of the object-safe transport traits.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The two halves of an open connection.
pub type Connection = (Box<dyn FrameSink>, Box<dyn FrameSource>);

/// Why a transport operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The URL could not be parsed or used.
    #[error("invalid url {url}: {reason}")]
    InvalidUrl {
        /// The URL as configured.
        url: String,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// The configured `Origin` header contains a line break.
    #[error("the origin header contains a line break")]
    InvalidOrigin,
    /// The TCP connection could not be opened.
    #[error("tcp connect failed: {0}")]
    Tcp(#[source] std::io::Error),
    /// The TLS client configuration could not be built.
    #[error("tls setup failed: {0}")]
    TlsConfig(#[source] rustls::Error),
    /// The host is not a name or address TLS can verify a certificate for.
    #[error("invalid tls server name {host}: {source}")]
    TlsServerName {
        /// The host from the URL.
        host: String,
        /// Why rustls refused it.
        #[source]
        source: rustls::pki_types::InvalidDnsNameError,
    },
    /// The TLS handshake failed (certificate, protocol or connection).
    #[error("tls handshake failed: {0}")]
    TlsHandshake(#[source] std::io::Error),
    /// The WebSocket upgrade failed.
    #[error("websocket upgrade failed: {0}")]
    Upgrade(#[source] UpgradeError),
    /// The connection broke while reading or writing.
    #[error("i/o error: {0}")]
    Io(#[source] std::io::Error),
    /// The server sent a frame RFC 6455 does not allow.
    #[error("bad websocket frame: {0}")]
    Frame(#[source] wa_protocol::websocket::FrameError),
    /// The in-memory listener a [`MemoryTransport`] connects to is gone.
    #[error("the memory listener is gone")]
    ListenerGone,
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
    /// A failure of a caller's own [`Transport`] that no other variant describes.
    #[error("{0}")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Why the WebSocket upgrade after TCP (and TLS) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpgradeError {
    /// Writing the request or reading the response failed.
    #[error("i/o error: {0}")]
    Io(#[source] std::io::Error),
    /// The server closed the connection before its response was complete.
    #[error("closed before the response was complete")]
    ClosedEarly,
    /// The response refuses or botches the upgrade.
    #[error("{0}")]
    Response(#[source] wa_protocol::websocket::HandshakeError),
}

/// Opens connections to the server. Implementations must be cheap to share between
/// reconnects: the client keeps one and calls [`Transport::connect`] for every connection.
pub trait Transport: Send + Sync + 'static {
    /// Opens a connection to `url`.
    fn connect<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<Connection, TransportError>>;
}

/// The sending half of a connection: whole WebSocket binary messages out.
pub trait FrameSink: Send + 'static {
    /// Sends one binary message.
    fn send(&mut self, data: Bytes) -> BoxFuture<'_, Result<(), TransportError>>;
    /// Sends several binary messages, in order. A transport that can writes them in one go:
    /// a committed batch's receipts and acks leave together instead of a write each.
    fn send_all(&mut self, data: Vec<Bytes>) -> BoxFuture<'_, Result<(), TransportError>> {
        Box::pin(async move {
            for message in data {
                self.send(message).await?;
            }
            Ok(())
        })
    }
    /// Closes the connection politely; errors are ignored because the peer may be gone.
    fn close(&mut self) -> BoxFuture<'_, ()>;
}

/// The receiving half of a connection: whole WebSocket binary messages in.
pub trait FrameSource: Send + 'static {
    /// The next binary message; `None` once the peer closed the connection.
    fn recv(&mut self) -> BoxFuture<'_, Option<Result<Bytes, TransportError>>>;
}
