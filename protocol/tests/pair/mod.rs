//! The two-party harness: a client and a server connection (Noise and stanza layers of each)
//! joined in memory under a virtual clock, like quinn-proto's `tests/util.rs` `Pair`. No
//! sockets, no runtime: `drive` shuttles bytes until both sides are quiet, `advance` moves the
//! clock deadline by deadline.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use prost::Message;
use wa_protobuf::wa::ClientPayload;
use wa_protocol::binary::Node;
use wa_protocol::connection::{
    NoiseClient, NoiseClientConfig, NoiseEvent, NoiseLayerError, NoiseServer, NoiseServerEvent,
    StanzaClient, StanzaConfig, StanzaEvent, StanzaServer, StanzaServerEvent,
};
use wa_protocol::crypto::{KeyPair, PublicKey};
use wa_protocol::noise::{build_cert_chain, login_payload, CertSpec, PayloadConfig};

/// Unix time the virtual clock starts at (inside the test chain's validity window).
pub const UNIX_START: u64 = 1_700_000_000;
pub const USER: u64 = 15550000001;
pub const DEVICE: u32 = 3;

/// How WebSocket messages cross the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// One message as written.
    Whole,
    /// Every message cut into one-byte messages.
    Split,
    /// Everything waiting joined into one message.
    Coalesced,
}

pub fn kp(seed: u8) -> KeyPair {
    KeyPair::from_private_bytes([seed; 32])
}

/// The test server's keys: a root that clients trust and the chain certifying its static key.
pub struct ServerKeys {
    pub root: KeyPair,
    pub static_key: KeyPair,
    pub chain: Vec<u8>,
}

impl ServerKeys {
    pub fn new() -> Self {
        let root = kp(1);
        let intermediate = kp(2);
        let static_key = kp(3);
        let spec = |serial, issuer_serial| CertSpec {
            serial,
            issuer_serial,
            not_before: UNIX_START - 3600,
            not_after: UNIX_START + 86_400,
        };
        let chain = build_cert_chain(
            &root.private,
            &intermediate,
            spec(1, 0),
            &static_key.public,
            spec(2, 1),
        )
        .encode_to_vec();
        Self {
            root,
            static_key,
            chain,
        }
    }
}

pub struct Pair {
    pub now: Instant,
    pub wire: Wire,
    pub client_noise: NoiseClient,
    pub client: StanzaClient,
    pub server_noise: NoiseServer,
    pub server: StanzaServer,
    pub to_server: VecDeque<Vec<u8>>,
    pub to_client: VecDeque<Vec<u8>>,
    pub client_events: Vec<StanzaEvent>,
    pub server_events: Vec<StanzaServerEvent>,
    pub established: Option<PublicKey>,
    pub authenticated: Option<(PublicKey, ClientPayload)>,
    pub client_error: Option<NoiseLayerError>,
    pub server_error: Option<NoiseLayerError>,
    /// When set, the server answers the client's keepalive pings.
    pub answer_keepalive: bool,
}

impl Pair {
    pub fn new(wire: Wire) -> Self {
        Self::with(wire, StanzaConfig::default(), ServerKeys::new().root.public)
    }

    pub fn with(wire: Wire, config: StanzaConfig, trust_root: PublicKey) -> Self {
        let keys = ServerKeys::new();
        let now = Instant::now();
        let payload = login_payload(&PayloadConfig::default(), USER, DEVICE).encode_to_vec();
        let noise_config = NoiseClientConfig {
            trust_root,
            handshake_timeout: Duration::from_secs(20),
            unix_time: UNIX_START,
        };
        Self {
            now,
            wire,
            client_noise: NoiseClient::new(&noise_config, kp(10), kp(11), payload, now),
            client: StanzaClient::new(config, 0x5eed),
            server_noise: NoiseServer::new(kp(20), keys.static_key, keys.chain),
            server: StanzaServer::new([7, 7]),
            to_server: VecDeque::new(),
            to_client: VecDeque::new(),
            client_events: Vec::new(),
            server_events: Vec::new(),
            established: None,
            authenticated: None,
            client_error: None,
            server_error: None,
            answer_keepalive: true,
        }
    }

    fn deliver(queue: &mut VecDeque<Vec<u8>>, wire: Wire) -> Vec<Vec<u8>> {
        let all: Vec<Vec<u8>> = queue.drain(..).collect();
        match wire {
            Wire::Whole => all,
            Wire::Split => all.concat().into_iter().map(|b| vec![b]).collect(),
            Wire::Coalesced if all.is_empty() => all,
            Wire::Coalesced => vec![all.concat()],
        }
    }

    /// Moves bytes both ways until neither side has anything left to say.
    pub fn drive(&mut self) {
        loop {
            let mut moved = false;
            while let Some(frame) = self.client.poll_transmit() {
                if let Err(e) = self.client_noise.send(&frame) {
                    self.client_error.get_or_insert(e);
                }
            }
            while let Some(msg) = self.client_noise.poll_transmit() {
                self.to_server.push_back(msg);
            }
            for msg in Self::deliver(&mut self.to_server, self.wire) {
                moved = true;
                if self.server_error.is_none() {
                    if let Err(e) = self.server_noise.handle_input(&msg) {
                        self.server_error = Some(e);
                    }
                }
            }
            while let Some(ev) = self.server_noise.poll_event() {
                match ev {
                    NoiseServerEvent::Authenticated {
                        client_static,
                        payload,
                    } => self.authenticated = Some((client_static, *payload)),
                    NoiseServerEvent::Frame(f) => self.server.handle_frame(&f),
                    other => panic!("unexpected server event {other:?}"),
                }
            }
            while let Some(ev) = self.server.poll_event() {
                if let StanzaServerEvent::Stanza(node) = &ev {
                    if self.answer_keepalive && node.attr_str("xmlns").as_deref() == Some("w:p") {
                        let pong = Node::build("iq")
                            .attr("id", node.attr_str("id").unwrap_or_default().into_owned())
                            .attr("type", "result")
                            .attr("from", "s.whatsapp.net")
                            .finish();
                        self.server.send(&pong).unwrap();
                    }
                }
                self.server_events.push(ev);
            }
            while let Some(frame) = self.server.poll_transmit() {
                if let Err(e) = self.server_noise.send(&frame) {
                    self.server_error.get_or_insert(e);
                }
            }
            while let Some(msg) = self.server_noise.poll_transmit() {
                self.to_client.push_back(msg);
            }
            for msg in Self::deliver(&mut self.to_client, self.wire) {
                moved = true;
                if self.client_error.is_none() {
                    if let Err(e) = self.client_noise.handle_input(self.now, &msg) {
                        self.client_error = Some(e);
                    }
                }
            }
            while let Some(ev) = self.client_noise.poll_event() {
                match ev {
                    NoiseEvent::Established { server_static } => {
                        self.established = Some(server_static)
                    }
                    NoiseEvent::Frame(f) => self.client.handle_frame(self.now, &f),
                    other => panic!("unexpected client event {other:?}"),
                }
            }
            while let Some(ev) = self.client.poll_event() {
                self.client_events.push(ev);
            }
            if !moved {
                return;
            }
        }
    }

    /// The earliest deadline of any machine.
    fn next_deadline(&self) -> Option<Instant> {
        [
            self.client_noise.poll_timeout(),
            self.client.poll_timeout(),
            self.server.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Moves the virtual clock forward by `by`, firing every deadline on the way in order.
    pub fn advance(&mut self, by: Duration) {
        let target = self.now + by;
        while let Some(deadline) = self.next_deadline().filter(|d| *d <= target) {
            self.now = self.now.max(deadline);
            if let Err(e) = self.client_noise.handle_timeout(self.now) {
                self.client_error.get_or_insert(e);
            }
            self.client.handle_timeout(self.now);
            self.server.handle_timeout(self.now);
            self.drive();
        }
        self.now = target;
    }

    /// The server sends `node` and the wire settles.
    pub fn server_sends(&mut self, node: Node) {
        self.server.send(&node).unwrap();
        self.drive();
    }

    /// Handshake, then `<success>`: the client reports LoggedIn.
    pub fn login(&mut self) {
        self.drive();
        assert!(self.authenticated.is_some(), "handshake did not complete");
        self.server_sends(
            Node::build("success")
                .attr("t", "1700000000")
                .attr("lid", "100000000000001.1:3@lid")
                .finish(),
        );
        assert!(
            self.client_events
                .iter()
                .any(|e| matches!(e, StanzaEvent::LoggedIn(_))),
            "no LoggedIn: {:?}",
            self.client_events
        );
        self.client_events.clear();
    }

    /// Stanzas the server received, in order.
    pub fn server_stanzas(&self) -> Vec<&Node> {
        self.server_events
            .iter()
            .filter_map(|e| match e {
                StanzaServerEvent::Stanza(n) => Some(n),
                _ => None,
            })
            .collect()
    }

    /// The client's Ended event, if any.
    pub fn ended(&self) -> Option<&wa_protocol::connection::EndReason> {
        self.client_events.iter().find_map(|e| match e {
            StanzaEvent::Ended(r) => Some(r),
            _ => None,
        })
    }
}
