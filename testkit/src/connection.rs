//! One client connection on the fake server: WebSocket accept, Noise server handshake, login
//! check, then a loop answering the client and obeying test commands.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use wa_protobuf::wa::ClientPayload;
use wa_protocol::binary::Node;
use wa_protocol::connection::NoiseServer;
use wa_protocol::crypto::{KeyPair, PublicKey};
use wa_protocol::pairing::primary_nodes::pair_device_iq;

use crate::behaviour::{LoginResponse, ReplyPolicy};
use crate::delivery::on_client_stanza;
use crate::faults::DropPoint;
use crate::handlers;
use crate::pairing::qr_refs;
use crate::queue::{offline_done, offline_preview};
use crate::registration::parse_registration;
use crate::server::{random_id, unix_now, LoginRecord};
use crate::state::{DeviceKey, Shared};
use crate::wire::Wire;

/// What a test asks one connection to do.
#[derive(Debug, Clone)]
pub(crate) enum Command {
    /// Send a node; close afterwards when the flag is set.
    Node(Node, bool),
    /// Send bytes as one WebSocket message, unframed and unencrypted.
    RawMessage(Vec<u8>),
    /// Encrypt and frame bytes as a node frame.
    RawPlaintext(Vec<u8>),
    /// Close the connection.
    Close,
    /// Deliver queued stanza `seq` (sent to a device's live connections when it is queued).
    Deliver(u64),
}

struct Conn {
    id: u64,
    shared: Arc<Shared>,
    wire: Wire,
    /// Commands from the test, and delayed replies from this connection's own timers.
    commands: mpsc::UnboundedReceiver<Command>,
    self_tx: mpsc::UnboundedSender<Command>,
    /// The device logged in here, once `<success>` was sent.
    device: Option<DeviceKey>,
    /// Queued stanzas already written (or dropped) on this connection.
    delivered: HashSet<u64>,
}

/// Runs one connection to its end; every error just ends it (a fake server only logs).
pub(crate) async fn run(
    shared: Arc<Shared>,
    id: u64,
    tcp: TcpStream,
    commands: mpsc::UnboundedReceiver<Command>,
) {
    let self_tx = shared
        .state()
        .live
        .iter()
        .find(|l| l.id == id)
        .map(|l| l.commands.clone());
    let result = match (tokio_tungstenite::accept_async(tcp).await, self_tx) {
        (Ok(ws), Some(self_tx)) => {
            let identity = &shared.identity;
            let noise = NoiseServer::new(
                KeyPair::generate(&mut rand::rngs::OsRng),
                identity.static_key.clone(),
                identity.cert_chain.clone(),
            );
            let mut conn = Conn {
                id,
                shared: shared.clone(),
                wire: Wire::new(ws, noise),
                commands,
                self_tx,
                device: None,
                delivered: HashSet::new(),
            };
            conn.serve().await
        }
        (Err(e), _) => Err(format!("websocket accept: {e}")),
        (_, None) => Err("connection vanished".into()),
    };
    if let Err(reason) = result {
        tracing::debug!(connection = id, %reason, "fake server connection ended");
    }
    {
        let mut st = shared.state();
        st.live.retain(|l| l.id != id);
        // Waiters for this connection's answers learn it is gone.
        st.pending.retain(|(conn, _), _| *conn != id);
    }
    shared.notify();
}

impl Conn {
    async fn send_node(&mut self, node: &Node) -> Result<(), String> {
        self.wire.send_node(node).await
    }

    async fn serve(&mut self) -> Result<(), String> {
        let (client_static, payload) = self.wire.handshake().await?;

        // Login.
        let user = payload.username;
        let device = payload.device;
        let accepted = match user {
            Some(user) => {
                let st = self.shared.state();
                st.devices
                    .get(&(user, device.unwrap_or(0)))
                    .is_some_and(|entry| entry.noise_key == client_static)
            }
            None => false,
        };
        let (login, lid) = {
            let mut st = self.shared.state();
            st.logins.push(LoginRecord {
                connection: self.id,
                user,
                device,
                static_key: client_static,
                accepted,
            });
            let lid = user.and_then(|u| {
                st.devices
                    .get(&(u, device.unwrap_or(0)))
                    .map(|entry| entry.lid.clone())
            });
            (st.behaviour.login.clone(), lid)
        };
        self.shared.notify();
        if user.is_some() && !accepted {
            let failure = Node::build("failure").attr("reason", "401").finish();
            self.send_node(&failure).await?;
            return self.close().await;
        }
        if user.is_some() {
            match login {
                LoginResponse::Success => {
                    let mut b = Node::build("success")
                        .attr("t", unix_now().to_string())
                        .attr("props", "1")
                        .attr("location", "testkit");
                    if let Some(lid) = lid {
                        b = b.attr("lid", lid);
                    }
                    self.send_node(&b.finish()).await?;
                    let queued = self.logged_in(user, device);
                    if !self.deliver_offline(queued).await? {
                        return self.close().await;
                    }
                }
                LoginResponse::Failure { reason, attrs } => {
                    let mut b = Node::build("failure").attr("reason", reason.to_string());
                    for (k, v) in attrs {
                        b = b.attr(k, v);
                    }
                    self.send_node(&b.finish()).await?;
                    return self.close().await;
                }
                LoginResponse::StreamError { code } => {
                    let node = Node::build("stream:error").attr("code", code).finish();
                    self.send_node(&node).await?;
                    return self.close().await;
                }
            }
        }
        if user.is_none() {
            self.register(client_static, &payload).await?;
        }

        loop {
            tokio::select! {
                node = self.wire.next_stanza() => {
                    let Some(node) = node? else { return Ok(()) };
                    self.on_node(node);
                }
                command = self.commands.recv() => {
                    match command {
                        None | Some(Command::Close) => return self.close().await,
                        Some(Command::Node(node, close)) => {
                            self.send_node(&node).await?;
                            if close {
                                return self.close().await;
                            }
                        }
                        Some(Command::RawMessage(bytes)) => self.wire.send_raw(bytes).await?,
                        Some(Command::RawPlaintext(bytes)) => self.wire.send_plain(&bytes).await?,
                        Some(Command::Deliver(seq)) => {
                            if !self.deliver(seq, false).await? {
                                return self.close().await;
                            }
                        }
                    }
                }
            }
        }
    }

    /// Marks this connection as `user:device`'s, for prekeys and notifications, and returns
    /// the device's queue as it stands: anything queued later is announced to this
    /// connection with [`Command::Deliver`] (both under one lock, so nothing falls between).
    fn logged_in(&mut self, user: Option<u64>, device: Option<u32>) -> Vec<(u64, Node)> {
        let Some(user) = user else {
            return Vec::new();
        };
        let key = (user, device.unwrap_or(0));
        self.device = Some(key);
        let mut st = self.shared.state();
        if let Some(live) = st.live.iter_mut().find(|l| l.id == self.id) {
            live.device = Some(key);
        }
        st.queue
            .pending(key)
            .map(|e| (e.delivery.seq, e.delivery.node.clone()))
            .collect()
    }

    /// Delivers the queue found at login between `<ib><offline_preview/>` and `<ib><offline
    /// count/>`. False when the fault plan dropped the connection.
    async fn deliver_offline(&mut self, queued: Vec<(u64, Node)>) -> Result<bool, String> {
        if queued.is_empty() {
            if self.shared.state().behaviour.empty_offline_marker {
                self.send_node(&offline_done(0)).await?;
            }
            return Ok(true);
        }
        let nodes: Vec<Node> = queued.iter().map(|(_, n)| n.clone()).collect();
        self.send_node(&offline_preview(&nodes)).await?;
        for (seq, _) in &queued {
            if !self.deliver(*seq, true).await? {
                return Ok(false);
            }
        }
        self.send_node(&offline_done(queued.len())).await?;
        Ok(true)
    }

    /// Writes queued stanza `seq` unless it was acked or already written here, consulting
    /// the fault plan first. Stanzas from the offline queue carry `offline="1"` (peers only
    /// test the attribute for presence). False when the plan dropped the connection.
    async fn deliver(&mut self, seq: u64, offline: bool) -> Result<bool, String> {
        let (mut node, fault) = {
            let mut st = self.shared.state();
            if self.delivered.contains(&seq) {
                return Ok(true);
            }
            let Some((attempt, node, id)) = st.queue.attempt(seq) else {
                return Ok(true);
            };
            self.delivered.insert(seq);
            (node, st.faults.decide(seq, &id, attempt, self.id))
        };
        if fault == Some(DropPoint::BeforeSend) {
            self.shared.notify();
            return Ok(false);
        }
        if offline {
            node.set_attr("offline", "1");
        }
        self.send_node(&node).await?;
        self.shared.state().queue.delivered(seq);
        self.shared.notify();
        Ok(fault.is_none())
    }

    /// Records a registration and sends its QR refs, or refuses it (bad signed prekey, missing
    /// data) with `<failure reason="400">`.
    async fn register(
        &mut self,
        client_static: PublicKey,
        payload: &ClientPayload,
    ) -> Result<(), String> {
        let mut registration = match parse_registration(self.id, client_static, payload) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(connection = self.id, error = %e, "refused registration");
                let failure = Node::build("failure").attr("reason", "400").finish();
                self.send_node(&failure).await?;
                self.close().await?;
                return Err(format!("registration refused: {e}"));
            }
        };
        let n = self.shared.state().behaviour.qr_refs;
        registration.refs = qr_refs(n);
        let refs = registration.refs.clone();
        self.shared
            .state()
            .registrations
            .insert(self.id, registration);
        self.shared.notify();
        if refs.is_empty() {
            return Ok(());
        }
        let pair_device = pair_device_iq(random_id(), &refs);
        self.send_node(&pair_device).await
    }

    fn on_node(&mut self, node: Node) {
        let (policy, fault) = {
            let mut st = self.shared.state();
            st.received.push((self.id, node.clone()));
            if let Some(device) = self.device {
                on_client_stanza(&mut st, self.id, device, &node);
            }
            let fault = if node.tag == "message" && self.device.is_some() {
                let seq = st.client_messages_seen;
                st.client_messages_seen += 1;
                let id = node.attr_str("id").unwrap_or_default().into_owned();
                st.send_faults.decide(seq, &id, 0, self.id)
            } else {
                None
            };
            (st.behaviour.replies, fault)
        };
        self.shared.notify();
        if fault == Some(DropPoint::BeforeSend) {
            let _ = self.self_tx.send(Command::Close);
            return;
        }
        let Some(reply) = handlers::handle(&self.shared, self.id, self.device, &node) else {
            return;
        };
        if fault == Some(DropPoint::AfterSend) {
            let _ = self.self_tx.send(Command::Close);
            return;
        }
        let delay = match policy {
            ReplyPolicy::Answer => Duration::ZERO,
            ReplyPolicy::Delay(d) => d,
            ReplyPolicy::Swallow => return,
        };
        let tx = self.self_tx.clone();
        if delay.is_zero() {
            let _ = tx.send(Command::Node(reply, false));
        } else {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = tx.send(Command::Node(reply, false));
            });
        }
    }

    async fn close(&mut self) -> Result<(), String> {
        let _ = self.wire.ws.close(None).await;
        // Read until the client answers the close (or a short deadline): dropping a socket
        // with unread client data makes the kernel send a reset, and a reset can discard the
        // last stanza (a stream error) before the client reads it.
        let _ = tokio::time::timeout(Duration::from_millis(500), async {
            while let Some(Ok(_)) = self.wire.ws.next().await {}
        })
        .await;
        Ok(())
    }
}
