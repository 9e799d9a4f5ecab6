//! WebSocket transport: TCP, TLS by rustls with the ring provider, and the RFC 6455 client side
//! of `wa_protocol::websocket`, so that an idle connection holds no buffer sized for the
//! largest frame it ever carried.

mod stream;
mod target;

use std::sync::Arc;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use wa_protocol::websocket::{self as websocket, FrameReader, Incoming, OutKind, KEEP_BUFFER};

use self::stream::MaybeTls;
use super::{
    BoxFuture, Connection, FrameSink, FrameSource, Transport, TransportError, UpgradeError,
};

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

    async fn open(&self, url: &str) -> Result<Connection, TransportError> {
        let target = target::parse_url(url).map_err(|reason| TransportError::InvalidUrl {
            url: url.to_string(),
            reason,
        })?;
        if self.origin.contains(['\r', '\n']) {
            return Err(TransportError::InvalidOrigin);
        }
        let tcp = TcpStream::connect((target.host.as_str(), target.port))
            .await
            .map_err(TransportError::Tcp)?;
        // Frames are whole Noise messages, written once each: Nagle only delays them.
        let _ = tcp.set_nodelay(true);
        let mut io = if target.tls {
            let config = match &self.tls {
                Some(own) => own.clone(),
                None => super::tls::shared_client_config()?,
            };
            MaybeTls::tls(tcp, &target.host, config).await?
        } else {
            MaybeTls::Plain(tcp)
        };
        let key: [u8; 16] = rand::random();
        let (request, key) =
            websocket::request(&target.resource, &target.authority, &self.origin, &key);
        io.write_all(&request)
            .await
            .map_err(|e| TransportError::Upgrade(UpgradeError::Io(e)))?;
        let leftover = read_response(&mut io, &key)
            .await
            .map_err(TransportError::Upgrade)?;
        let (read, write) = tokio::io::split(io);
        let writer = Arc::new(Mutex::new(Writer {
            io: write,
            buf: Vec::new(),
        }));
        let sink: Box<dyn FrameSink> = Box::new(WsSink(writer.clone()));
        let source: Box<dyn FrameSource> = Box::new(WsSource {
            io: read,
            frames: FrameReader::new(&leftover),
            writer,
        });
        Ok((sink, source))
    }
}

impl Transport for WsTransport {
    fn connect<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<Connection, TransportError>> {
        Box::pin(self.open(url))
    }
}

/// Reads the upgrade response; returns the bytes after its headers.
async fn read_response(io: &mut MaybeTls, key: &str) -> Result<Vec<u8>, UpgradeError> {
    let mut buf = Vec::with_capacity(1024);
    loop {
        let mut chunk = [0u8; 1024];
        let n = io.read(&mut chunk).await.map_err(UpgradeError::Io)?;
        if n == 0 {
            return Err(UpgradeError::ClosedEarly);
        }
        buf.extend_from_slice(&chunk[..n]);
        match websocket::check_response(&buf, key) {
            Ok(Some(head)) => return Ok(buf.split_off(head)),
            Ok(None) => continue,
            Err(e) => return Err(UpgradeError::Response(e)),
        }
    }
}

/// The write half and the buffer frames are built in.
struct Writer {
    io: WriteHalf<MaybeTls>,
    buf: Vec<u8>,
}

impl Writer {
    async fn write(&mut self, kind: OutKind, payload: &[u8]) -> std::io::Result<()> {
        self.write_binary_or(kind, std::slice::from_ref(&payload))
            .await
    }

    /// Frames every payload (each its own WebSocket message, masked apart) into one buffer
    /// and writes it with one flush.
    async fn write_binary_or(
        &mut self,
        kind: OutKind,
        payloads: &[impl AsRef<[u8]>],
    ) -> std::io::Result<()> {
        self.buf.clear();
        for payload in payloads {
            websocket::encode(kind, payload.as_ref(), rand::random(), &mut self.buf);
        }
        let result = async {
            self.io.write_all(&self.buf).await?;
            self.io.flush().await
        }
        .await;
        if self.buf.capacity() > KEEP_BUFFER {
            // A large frame's buffer goes with it rather than stay in an idle connection.
            self.buf = Vec::new();
        }
        result
    }
}

struct WsSink(Arc<Mutex<Writer>>);

impl FrameSink for WsSink {
    fn send(&mut self, data: Bytes) -> BoxFuture<'_, Result<(), TransportError>> {
        Box::pin(async move {
            self.0
                .lock()
                .await
                .write(OutKind::Binary, &data)
                .await
                .map_err(TransportError::Io)
        })
    }

    fn send_all(&mut self, data: Vec<Bytes>) -> BoxFuture<'_, Result<(), TransportError>> {
        Box::pin(async move {
            self.0
                .lock()
                .await
                .write_binary_or(OutKind::Binary, &data)
                .await
                .map_err(TransportError::Io)
        })
    }

    fn close(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let mut writer = self.0.lock().await;
            // 1000: normal closure.
            let _ = writer.write(OutKind::Close, &1000u16.to_be_bytes()).await;
            let _ = writer.io.shutdown().await;
        })
    }
}

struct WsSource {
    io: ReadHalf<MaybeTls>,
    frames: FrameReader,
    writer: Arc<Mutex<Writer>>,
}

impl FrameSource for WsSource {
    fn recv(&mut self) -> BoxFuture<'_, Option<Result<Bytes, TransportError>>> {
        Box::pin(async move {
            loop {
                match self.frames.next_item() {
                    Ok(Some(Incoming::Binary(data))) => return Some(Ok(data)),
                    Ok(Some(Incoming::Ping(payload))) => {
                        let mut writer = self.writer.lock().await;
                        if let Err(e) = writer.write(OutKind::Pong, &payload).await {
                            return Some(Err(TransportError::Io(e)));
                        }
                    }
                    Ok(Some(Incoming::Close(payload))) => {
                        // Echo the close (RFC 6455 §5.5.1); the peer may already be gone.
                        let code = payload.get(..2).unwrap_or(&[]);
                        let _ = self.writer.lock().await.write(OutKind::Close, code).await;
                        return None;
                    }
                    // Nothing else needs an answer.
                    Ok(Some(_)) => {}
                    Ok(None) => match self.io.read_buf(self.frames.read_target()).await {
                        Ok(0) => return None,
                        Ok(_) => {}
                        Err(e) => return Some(Err(TransportError::Io(e))),
                    },
                    Err(e) => return Some(Err(TransportError::Frame(e))),
                }
            }
        })
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
