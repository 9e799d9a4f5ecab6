//! An in-process duplex transport for tests: each `connect` hands the other end to a listener.

use bytes::Bytes;
use tokio::sync::mpsc;

use super::{BoxFuture, Connection, FrameSink, FrameSource, Transport, TransportError};

/// Messages buffered per direction before a sender waits.
const CAPACITY: usize = 256;

/// A transport whose connections end in a [`MemoryListener`] in the same process.
#[derive(Debug, Clone)]
pub struct MemoryTransport {
    accept: mpsc::UnboundedSender<MemoryPeer>,
}

/// The server side of a [`MemoryTransport`]: yields one [`MemoryPeer`] per client connect.
#[derive(Debug)]
pub struct MemoryListener {
    incoming: mpsc::UnboundedReceiver<MemoryPeer>,
}

/// The server's end of one in-memory connection. Dropping it closes the connection.
#[derive(Debug)]
pub struct MemoryPeer {
    /// Messages the client sent.
    pub rx: mpsc::Receiver<Bytes>,
    /// Sends messages to the client.
    pub tx: mpsc::Sender<Bytes>,
    /// The URL the client asked for.
    pub url: String,
}

impl MemoryTransport {
    /// A connected transport/listener pair.
    pub fn new() -> (Self, MemoryListener) {
        let (accept, incoming) = mpsc::unbounded_channel();
        (Self { accept }, MemoryListener { incoming })
    }
}

impl MemoryListener {
    /// The next connection; `None` once every transport handle is dropped.
    pub async fn accept(&mut self) -> Option<MemoryPeer> {
        self.incoming.recv().await
    }
}

impl Transport for MemoryTransport {
    fn connect<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<Connection, TransportError>> {
        Box::pin(async move {
            let (to_server, from_client) = mpsc::channel(CAPACITY);
            let (to_client, from_server) = mpsc::channel(CAPACITY);
            self.accept
                .send(MemoryPeer {
                    rx: from_client,
                    tx: to_client,
                    url: url.to_string(),
                })
                .map_err(|_| TransportError::ListenerGone)?;
            let sink: Box<dyn FrameSink> = Box::new(MemorySink(Some(to_server)));
            let source: Box<dyn FrameSource> = Box::new(MemorySource(from_server));
            Ok((sink, source))
        })
    }
}

struct MemorySink(Option<mpsc::Sender<Bytes>>);

impl FrameSink for MemorySink {
    fn send(&mut self, data: Bytes) -> BoxFuture<'_, Result<(), TransportError>> {
        Box::pin(async move {
            match &self.0 {
                Some(tx) => tx.send(data).await.map_err(|_| TransportError::Closed),
                None => Err(TransportError::Closed),
            }
        })
    }

    fn close(&mut self) -> BoxFuture<'_, ()> {
        self.0 = None;
        Box::pin(async {})
    }
}

struct MemorySource(mpsc::Receiver<Bytes>);

impl FrameSource for MemorySource {
    fn recv(&mut self) -> BoxFuture<'_, Option<Result<Bytes, TransportError>>> {
        Box::pin(async move { self.0.recv().await.map(Ok) })
    }
}
