//! A bare companion for driving the fake server without the wa-actors client: a WebSocket,
//! the client side of the Noise handshake, and node send/receive. Its pairing logic is the
//! protocol crate's, so these tests check the fake phone against the real client functions.

#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::{SinkExt, StreamExt};
use prost::Message as _;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use wa_protobuf::wa::ClientPayload;
use wa_protocol::binary::{self, Node};
use wa_protocol::crypto::KeyPair;
use wa_protocol::noise::{
    registration_payload, ClientHandshake, FrameDecoder, FrameEncoder, NoiseConfig, PayloadConfig,
    RegistrationData, TransportCipher,
};
use wa_protocol::signal::keys::SignedPreKey;
use wa_testkit::FakeServer;

pub mod receiver;

/// How long a test waits for any one node.
pub const WAIT: Duration = Duration::from_secs(10);

/// A fresh companion's long-term keys.
pub struct Keys {
    pub noise: KeyPair,
    pub identity: KeyPair,
    pub signed_prekey: SignedPreKey,
    pub registration_id: u32,
    pub adv_secret: [u8; 32],
}

impl Keys {
    pub fn generate() -> Self {
        let mut rng = rand::rngs::OsRng;
        let identity = KeyPair::generate(&mut rng);
        let signed_prekey = SignedPreKey::generate(&identity, 1, &mut rng);
        Self {
            noise: KeyPair::generate(&mut rng),
            identity,
            signed_prekey,
            registration_id: 4242,
            adv_secret: rand::random(),
        }
    }

    pub fn registration(&self) -> ClientPayload {
        registration_payload(
            &PayloadConfig::default(),
            &RegistrationData {
                registration_id: self.registration_id,
                identity: self.identity.public,
                signed_prekey_id: self.signed_prekey.id,
                signed_prekey: self.signed_prekey.key_pair.public,
                signed_prekey_signature: self.signed_prekey.signature,
            },
        )
    }
}

/// One connection of the bare companion.
pub struct RawClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    decoder: FrameDecoder,
    encoder: FrameEncoder,
    cipher: TransportCipher,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl RawClient {
    /// Connects and completes the handshake with `payload`.
    pub async fn connect(server: &FakeServer, noise: &KeyPair, payload: &ClientPayload) -> Self {
        let (mut ws, _) = tokio_tungstenite::connect_async(server.url())
            .await
            .expect("websocket");
        let mut encoder = FrameEncoder::new();
        let mut decoder = FrameDecoder::new();
        let hs = ClientHandshake::new(
            &NoiseConfig {
                trust_root: server.trust_root(),
            },
            KeyPair::generate(&mut rand::rngs::OsRng),
            noise.clone(),
            payload.encode_to_vec(),
        );
        let hello = encoder.encode(&hs.client_hello()).expect("frame");
        ws.send(Message::Binary(hello.into())).await.expect("send");
        let server_hello = next_frame(&mut ws, &mut decoder)
            .await
            .expect("server hello");
        let mut finished = hs
            .read_server_hello(&server_hello, now())
            .expect("server hello");
        let finish = encoder.encode(&finished.client_finish).expect("frame");
        ws.send(Message::Binary(finish.into())).await.expect("send");
        Self {
            ws,
            decoder,
            encoder,
            cipher: finished.take_cipher().expect("first take"),
        }
    }

    /// Registers `keys` as a new device.
    pub async fn register(server: &FakeServer, keys: &Keys) -> Self {
        Self::connect(server, &keys.noise, &keys.registration()).await
    }

    pub async fn send(&mut self, node: &Node) {
        let plain = binary::try_pack(node).expect("pack");
        let sealed = self.cipher.encrypt(&plain).expect("encrypt");
        let framed = self.encoder.encode(&sealed).expect("frame");
        self.ws
            .send(Message::Binary(framed.into()))
            .await
            .expect("send");
    }

    /// Sends `node`; false when the connection is already gone.
    pub async fn try_send(&mut self, node: &Node) -> bool {
        let plain = binary::try_pack(node).expect("pack");
        let sealed = self.cipher.encrypt(&plain).expect("encrypt");
        let framed = self.encoder.encode(&sealed).expect("frame");
        self.ws.send(Message::Binary(framed.into())).await.is_ok()
    }

    /// The next node, or `None` when the server closed (or nothing came within `WAIT`).
    pub async fn recv(&mut self) -> Option<Node> {
        self.recv_within(WAIT).await
    }

    pub async fn recv_within(&mut self, timeout: Duration) -> Option<Node> {
        let frame = tokio::time::timeout(timeout, next_frame(&mut self.ws, &mut self.decoder))
            .await
            .ok()??;
        let plain = self.cipher.decrypt(&frame).expect("decrypt");
        Some(binary::unpack(&plain).expect("unpack"))
    }

    /// Skips nodes until one matches `pred`.
    pub async fn recv_until(&mut self, pred: impl Fn(&Node) -> bool) -> Node {
        loop {
            let node = self.recv().await.expect("server closed or went quiet");
            if pred(&node) {
                return node;
            }
        }
    }

    /// Whether the server closed the connection (within `WAIT`), skipping any nodes.
    pub async fn closed(&mut self) -> bool {
        loop {
            match tokio::time::timeout(WAIT, next_frame(&mut self.ws, &mut self.decoder)).await {
                Ok(None) => return true,
                Ok(Some(_)) => continue,
                Err(_) => return false,
            }
        }
    }
}

async fn next_frame(
    ws: &mut WebSocketStream<MaybeTlsStream<TcpStream>>,
    decoder: &mut FrameDecoder,
) -> Option<Vec<u8>> {
    loop {
        if let Some(frame) = decoder.next_frame().expect("frame") {
            return Some(frame);
        }
        match ws.next().await {
            Some(Ok(Message::Binary(data))) => decoder.push(&data),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

/// Whether `node` is an iq of type `ty` with child `child`.
pub fn is_iq(node: &Node, ty: &str, child: &str) -> bool {
    node.tag == "iq"
        && node.attr("type").is_some_and(|t| t.eq_str(ty))
        && node.child(child).is_some()
}
