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
        reason: String,
    },
    /// Connecting (TCP, TLS or the WebSocket upgrade) failed.
    #[error("connect failed: {0}")]
    Connect(String),
    /// The connection broke while reading or writing.
    #[error("i/o error: {0}")]
    Io(String),
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
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
