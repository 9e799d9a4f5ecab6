//! One connection's wire on the fake server: the WebSocket, driven through the protocol's
//! server-role machines ([`NoiseServer`], [`StanzaServer`]), so the fake server reads the
//! protocol exactly as the client does.

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use wa_protobuf::wa::ClientPayload;
use wa_protocol::binary::Node;
use wa_protocol::connection::{NoiseServer, NoiseServerEvent, StanzaServer, StanzaServerEvent};
use wa_protocol::crypto::PublicKey;

pub(crate) type Ws = WebSocketStream<TcpStream>;

/// The socket and the server role of both connection layers.
pub(crate) struct Wire {
    pub(crate) ws: Ws,
    noise: NoiseServer,
    stanzas: StanzaServer,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Wire {
    pub(crate) fn new(ws: Ws, noise: NoiseServer) -> Self {
        Self {
            ws,
            noise,
            stanzas: StanzaServer::new(rand::random()),
        }
    }

    /// Writes everything the machines queued.
    async fn flush(&mut self) -> Result<(), String> {
        while let Some(plain) = self.stanzas.poll_transmit() {
            self.noise.send(&plain).map_err(err)?;
        }
        while let Some(msg) = self.noise.poll_transmit() {
            self.ws
                .send(Message::Binary(msg.into()))
                .await
                .map_err(err)?;
        }
        Ok(())
    }

    /// The next event of the Noise layer, reading the socket as needed; `None` once the client
    /// closed. Cancel-safe: a WebSocket message is handled in the same step it is read.
    async fn next_noise_event(&mut self) -> Result<Option<NoiseServerEvent>, String> {
        loop {
            if let Some(event) = self.noise.poll_event() {
                return Ok(Some(event));
            }
            match self.ws.next().await {
                Some(Ok(Message::Binary(data))) => {
                    self.noise.handle_input(&data).map_err(err)?;
                    // Only the handshake answers by itself (the ServerHello).
                    self.flush().await?;
                }
                Some(Ok(Message::Close(_))) | None => return Ok(None),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(err(e)),
            }
        }
    }

    /// Runs the handshake: the client's static key and login or registration payload.
    pub(crate) async fn handshake(&mut self) -> Result<(PublicKey, ClientPayload), String> {
        match self.next_noise_event().await? {
            Some(NoiseServerEvent::Authenticated {
                client_static,
                payload,
            }) => Ok((client_static, *payload)),
            Some(_) => Err("frame before the handshake finished".into()),
            None => Err("closed during the handshake".into()),
        }
    }

    /// The next stanza from the client; `None` once it closed. A frame that does not decode
    /// ends the connection (the fake server is strict).
    pub(crate) async fn next_stanza(&mut self) -> Result<Option<Node>, String> {
        loop {
            while let Some(event) = self.stanzas.poll_event() {
                match event {
                    StanzaServerEvent::Stanza(node) => return Ok(Some(node)),
                    StanzaServerEvent::BadFrame(bad) => return Err(err(bad)),
                    _ => {}
                }
            }
            match self.next_noise_event().await? {
                Some(NoiseServerEvent::Frame(frame)) => self.stanzas.handle_frame(&frame),
                Some(_) => return Err("a second handshake".into()),
                None => return Ok(None),
            }
        }
    }

    /// Sends a stanza.
    pub(crate) async fn send_node(&mut self, node: &Node) -> Result<(), String> {
        self.stanzas.send(node).map_err(err)?;
        self.flush().await
    }

    /// Encrypts and frames raw plaintext as it is (for frames that do not decode).
    pub(crate) async fn send_plain(&mut self, plain: &[u8]) -> Result<(), String> {
        self.noise.send(plain).map_err(err)?;
        self.flush().await
    }

    /// Writes bytes as one WebSocket message, unframed and unencrypted.
    pub(crate) async fn send_raw(&mut self, bytes: Vec<u8>) -> Result<(), String> {
        self.ws
            .send(Message::Binary(bytes.into()))
            .await
            .map_err(err)
    }
}
