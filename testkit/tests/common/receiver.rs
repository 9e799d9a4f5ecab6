//! A bare receiving device: logs in over [`RawClient`], uploads prekeys, and decrypts what
//! contacts send with `wa_protocol::message::decrypt_stanza` (the client's own pure code),
//! keeping its Signal state in plain maps.

use std::collections::HashMap;

use wa_protocol::binary::{Jid, Node};
use wa_protocol::crypto::KeyPair;
use wa_protocol::message::{
    decrypt_stanza, sender_key_name, signal_address, Decryption, MessageStanza, OwnJids, RecvKeys,
};
use wa_protocol::noise::{login_payload, PayloadConfig};
use wa_protocol::signal::keys::{PreKey, SignedPreKey};
use wa_protocol::signal::{LocalIdentity, PreKeySet, SenderKeyRecord, SessionRecord};
use wa_protocol::stanza::ack::ack_for;
use wa_protocol::stanza::prekey_nodes::{
    identity_node, key_type_node, prekey_node, registration_node, signed_prekey_node,
};
use wa_testkit::FakeServer;

use super::RawClient;

/// How many one-time prekeys a receiver uploads.
pub const PREKEYS: u32 = 20;

/// One of our devices, without the wa-actors client.
pub struct Receiver {
    pub jid: Jid,
    pub lid: Jid,
    noise: KeyPair,
    pub identity: LocalIdentity,
    pub prekeys: PreKeySet,
    pub sessions: HashMap<String, SessionRecord>,
    pub sender_keys: HashMap<(String, String), SenderKeyRecord>,
    pub client: Option<RawClient>,
}

impl Receiver {
    /// Registers a device, logs it in and uploads its prekeys.
    pub async fn start(server: &FakeServer) -> Self {
        Self::start_as(server, None).await
    }

    /// As [`Receiver::start`], as device `jid` (another companion of an existing user) when
    /// given.
    pub async fn start_as(server: &FakeServer, jid: Option<Jid>) -> Self {
        let mut rng = rand::rngs::OsRng;
        let noise = KeyPair::generate(&mut rng);
        let identity = LocalIdentity::generate(&mut rng);
        let given = server.provision(noise.public, jid.as_ref());
        let signed = SignedPreKey::generate(&identity.key_pair, 1, &mut rng);
        let one_time = (1..=PREKEYS)
            .map(|i| PreKey::generate(i, &mut rng))
            .collect();
        let mut r = Self {
            lid: given.lid,
            jid: given.jid,
            noise,
            identity,
            prekeys: PreKeySet {
                signed: vec![signed],
                one_time,
            },
            sessions: HashMap::new(),
            sender_keys: HashMap::new(),
            client: None,
        };
        let first = r.connect(server).await;
        assert_eq!(first.tag, "success");
        r.upload(server).await;
        r
    }

    /// Opens a new connection and logs in; returns the first node (`<success>`).
    pub async fn connect(&mut self, server: &FakeServer) -> Node {
        let user: u64 = self.jid.user.parse().expect("numeric");
        let payload = login_payload(&PayloadConfig::default(), user, u32::from(self.jid.device));
        let mut client = RawClient::connect(server, &self.noise, &payload).await;
        let first = client.recv().await.expect("login answer");
        self.client = Some(client);
        first
    }

    /// Closes the connection from our side and waits until the server saw it go.
    pub async fn disconnect(&mut self, server: &FakeServer) {
        self.client = None;
        let deadline = tokio::time::Instant::now() + super::WAIT;
        while server.live_connections() > 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "server kept the socket"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    fn client(&mut self) -> &mut RawClient {
        self.client.as_mut().expect("connected")
    }

    async fn upload(&mut self, server: &FakeServer) {
        let keys = self.prekeys.one_time.iter().map(prekey_node);
        let iq = Node::build("iq")
            .attr("xmlns", "encrypt")
            .attr("type", "set")
            .attr("id", "upload-1")
            .attr("to", "s.whatsapp.net")
            .children([
                registration_node(self.identity.registration_id),
                key_type_node(),
                identity_node(&self.identity.key_pair.public),
                Node::build("list").children(keys).finish(),
                signed_prekey_node(&self.prekeys.signed[0]),
            ])
            .finish();
        self.client().send(&iq).await;
        let reply = self
            .client()
            .recv_until(|n| n.attr_str("id").as_deref() == Some("upload-1"))
            .await;
        assert_eq!(reply.attr_str("type").as_deref(), Some("result"));
        let jid = self.jid.clone();
        server
            .wait_for_prekey_uploads(&jid, 1, super::WAIT)
            .await
            .expect("upload recorded");
    }

    /// The next node from the server (`None`: closed or quiet).
    pub async fn next(&mut self) -> Option<Node> {
        self.client().recv().await
    }

    /// Skips nodes until a `<message>`.
    pub async fn next_message(&mut self) -> Node {
        self.client().recv_until(|n| n.tag == "message").await
    }

    /// Acks `stanza`.
    pub async fn ack(&mut self, stanza: &Node) {
        let ack = ack_for(stanza).expect("ackable");
        self.client().send(&ack).await;
    }

    /// Acks `stanza` if the connection is still up (it may have just been dropped).
    pub async fn try_ack(&mut self, stanza: &Node) -> bool {
        let ack = ack_for(stanza).expect("ackable");
        self.client().try_send(&ack).await
    }

    /// Sends any node.
    pub async fn send(&mut self, node: &Node) {
        self.client().send(node).await;
    }

    /// Our own JIDs, as the parser needs them.
    pub fn own(&self) -> OwnJids {
        OwnJids {
            pn: self.jid.clone(),
            lid: Some(self.lid.clone()),
        }
    }

    /// Parses `node`.
    pub fn parse(&self, node: &Node) -> MessageStanza {
        MessageStanza::parse(node, &self.own()).expect("message stanza parses")
    }

    /// Decrypts `node` and keeps the new state, as the client's Signal actor would.
    pub fn decrypt(&mut self, node: &Node) -> (MessageStanza, Decryption) {
        let stanza = self.parse(node);
        let sender = stanza.source.encryption_identity().clone();
        let address = signal_address(&sender);
        let sk_name = sender_key_name(&stanza.source.chat, &sender);
        let keys = RecvKeys {
            session: self.sessions.get(&address).cloned().unwrap_or_default(),
            sender_key: self.sender_keys.get(&sk_name).cloned().unwrap_or_default(),
        };
        let out = decrypt_stanza(
            &stanza,
            &keys,
            &self.identity,
            &self.prekeys,
            &mut rand::rngs::OsRng,
        );
        if let Some(s) = &out.changes.session {
            self.sessions.insert(address, s.clone());
        }
        if let Some(k) = &out.changes.sender_key {
            self.sender_keys.insert(sk_name, k.clone());
        }
        if let Some(id) = out.changes.consumed_prekey {
            self.prekeys.remove_prekey(id);
        }
        (stanza, out)
    }

    /// The texts (`conversation`) `node` decrypts to, failing the test on any failure.
    pub fn texts(&mut self, node: &Node) -> Vec<String> {
        let (_, out) = self.decrypt(node);
        assert!(
            out.failure.is_none(),
            "decryption failed: {:?}",
            out.failure
        );
        out.contents
            .iter()
            .filter_map(|c| c.message.conversation.clone())
            .collect()
    }
}
