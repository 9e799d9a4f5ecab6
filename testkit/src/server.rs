//! [`FakeServer`]: the listener, the registry of paired devices, the recordings, and the
//! control API tests drive.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::Rng as _;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use wa_protocol::binary::{Jid, Node};
use wa_protocol::crypto::PublicKey;

use crate::behaviour::{LoginResponse, ReplyPolicy};
use crate::certs::ServerIdentity;
use crate::connection::{self, Command};
use crate::error::TestkitError;
use crate::phone::lid_of;
use crate::state::{DeviceEntry, Live, Shared, State};

/// The first phone number handed out is one above this.
const FIRST_PHONE: u64 = 15_550_000_000;

/// Seconds since the epoch, for `t` attributes.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A fresh id for a server-sent stanza.
pub(crate) fn random_id() -> String {
    format!("{:016X}", rand::thread_rng().gen::<u64>())
}

/// One login attempt the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRecord {
    /// The connection it arrived on (1, 2, …).
    pub connection: u64,
    /// `username` of the login payload; `None` for a registration payload.
    pub user: Option<u64>,
    /// `device` of the login payload.
    pub device: Option<u32>,
    /// The Noise static key the client proved it holds.
    pub static_key: PublicKey,
    /// Whether it matched a registered device.
    pub accepted: bool,
}

/// A companion the server was told is paired ([`FakeServer::provision`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionedDevice {
    /// The companion's phone-number JID, `PHONE:DEVICE@s.whatsapp.net`.
    pub jid: Jid,
    /// The companion's LID, `LIDUSER:DEVICE@lid`.
    pub lid: Jid,
}

/// An in-process fake WhatsApp server on `127.0.0.1`. Dropping it stops the listener and
/// every connection.
pub struct FakeServer {
    pub(crate) shared: Arc<Shared>,
    addr: SocketAddr,
    accept: JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.accept.abort();
        for live in self.shared.state().live.drain(..) {
            let _ = live.commands.send(Command::Close);
        }
    }
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl FakeServer {
    /// Starts a server on a random port of `127.0.0.1` with fresh keys.
    pub async fn start() -> Result<Self, TestkitError> {
        Self::start_with(ServerIdentity::generate()).await
    }

    /// Starts a server with the given keys.
    pub async fn start_with(identity: ServerIdentity) -> Result<Self, TestkitError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(identity, FIRST_PHONE));
        let accept_shared = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let shared = accept_shared.clone();
                let (commands, rx) = mpsc::unbounded_channel();
                let id = {
                    let mut st = shared.state();
                    st.next_conn += 1;
                    let id = st.next_conn;
                    st.accepted_at.push(Instant::now());
                    st.live.push(Live {
                        id,
                        commands,
                        device: None,
                    });
                    id
                };
                shared.notify();
                tokio::spawn(connection::run(shared, id, tcp, rx));
            }
        });
        tracing::info!(%addr, "fake server listening");
        Ok(Self {
            shared,
            addr,
            accept,
        })
    }

    /// The WebSocket URL clients connect to.
    pub fn url(&self) -> String {
        format!("ws://{}/ws/chat", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Starts the media host (once; later calls return the same one) and names it in every
    /// `media_conn` answer from now on. Clients talk plain HTTP to it
    /// (`MediaConfig::plain_http`).
    pub async fn media_host(&self) -> Result<crate::MediaHost, TestkitError> {
        if let Some(host) = self.shared.state().media.clone() {
            return Ok(host);
        }
        let host = crate::MediaHost::start().await?;
        self.shared.state().media = Some(host.clone());
        Ok(host)
    }

    /// The root key clients must trust (`ClientConfig::trust_root`).
    pub fn trust_root(&self) -> PublicKey {
        self.shared.identity.trust_root()
    }

    /// Accepts logins from a companion as if a phone had paired it, without running the
    /// pairing: the device with Noise static key `noise_key` gets a phone-number JID and a LID,
    /// and the server recognises it from now on. `paired_as` is the JID the device was paired
    /// as before (a client store that outlives a server run), kept when its user is a phone
    /// number; otherwise a fresh phone number with device 1 is handed out.
    ///
    /// Only protocol data goes in and out; writing the result into a client's store is the
    /// client's business (`wa_actors_core::testing`).
    pub fn provision(&self, noise_key: PublicKey, paired_as: Option<&Jid>) -> ProvisionedDevice {
        let known = paired_as.and_then(|jid| Some((jid.user.parse::<u64>().ok()?, jid.device)));
        let (phone, device_id) = known.unwrap_or_else(|| (self.next_phone(), 1));
        let jid = Jid::pn(phone.to_string()).with_device(device_id);
        let lid = lid_of(phone).with_device(device_id);
        self.shared.state().devices.insert(
            (phone, u32::from(device_id)),
            DeviceEntry {
                noise_key,
                jid: jid.clone(),
                lid: lid.clone(),
            },
        );
        ProvisionedDevice { jid, lid }
    }

    fn next_phone(&self) -> u64 {
        self.shared.state().next_phone()
    }

    /// The phone-number JIDs of every device the server accepts logins from, sorted.
    pub fn registered_devices(&self) -> Vec<Jid> {
        let mut all: Vec<Jid> = self
            .shared
            .state()
            .devices
            .values()
            .map(|d| d.jid.clone())
            .collect();
        all.sort();
        all
    }

    /// Forgets a registered device: its next login gets `<failure reason="401">`.
    pub fn unregister_device(&self, jid: &Jid) {
        if let Ok(user) = jid.user.parse::<u64>() {
            self.shared
                .state()
                .devices
                .remove(&(user, u32::from(jid.device)));
        }
    }

    /// How later logins of registered devices are answered.
    pub fn set_login_response(&self, response: LoginResponse) {
        self.shared.state().behaviour.login = response;
    }

    /// How later iqs (keepalive pings included) are answered.
    pub fn set_reply_policy(&self, policy: ReplyPolicy) {
        self.shared.state().behaviour.replies = policy;
    }

    fn broadcast(&self, command: impl Fn() -> Command) -> usize {
        let st = self.shared.state();
        st.live
            .iter()
            .filter(|l| l.commands.send(command()).is_ok())
            .count()
    }

    /// Closes every live connection abruptly (no stream error). Returns how many.
    pub fn drop_connections(&self) -> usize {
        self.broadcast(|| Command::Close)
    }

    /// Sends `node` to every live, logged-in connection. Returns how many.
    pub fn send_node(&self, node: Node) -> usize {
        self.broadcast(|| Command::Node(node.clone(), false))
    }

    /// Sends `node`, then closes, on every live connection (how the server ends a stream).
    pub fn send_node_and_close(&self, node: Node) -> usize {
        self.broadcast(|| Command::Node(node.clone(), true))
    }

    /// `<stream:error code=..>` and close.
    pub fn send_stream_error(&self, code: &str) -> usize {
        let node = Node::build("stream:error")
            .attr("code", code.to_string())
            .finish();
        self.send_node_and_close(node)
    }

    /// `<stream:error><conflict type="replaced"/></stream:error>` and close: another client
    /// took over.
    pub fn send_conflict_replaced(&self) -> usize {
        let node = Node::build("stream:error")
            .child(Node::build("conflict").attr("type", "replaced").finish())
            .finish();
        self.send_node_and_close(node)
    }

    /// `<stream:error code="401"><conflict type="device_removed"/></stream:error>` and close.
    pub fn send_device_removed(&self) -> usize {
        let node = Node::build("stream:error")
            .attr("code", "401")
            .child(
                Node::build("conflict")
                    .attr("type", "device_removed")
                    .finish(),
            )
            .finish();
        self.send_node_and_close(node)
    }

    /// `<failure reason=.. attrs…>` and close.
    pub fn send_failure(&self, reason: u16, attrs: &[(&str, &str)]) -> usize {
        let mut b = Node::build("failure").attr("reason", reason.to_string());
        for (k, v) in attrs {
            b = b.attr(k.to_string(), v.to_string());
        }
        self.send_node_and_close(b.finish())
    }

    /// Sends `bytes` as one WebSocket message, bypassing framing and encryption (malformed on
    /// purpose, usually).
    pub fn send_raw_message(&self, bytes: Vec<u8>) -> usize {
        self.broadcast(|| Command::RawMessage(bytes.clone()))
    }

    /// Encrypts and frames `plaintext` as if it were a node frame (so the client decrypts it
    /// fine and then fails to decode it when it is garbage).
    pub fn send_raw_plaintext(&self, plaintext: Vec<u8>) -> usize {
        self.broadcast(|| Command::RawPlaintext(plaintext.clone()))
    }

    /// Every node clients sent, in arrival order, with the connection number.
    pub fn received(&self) -> Vec<(u64, Node)> {
        self.shared.state().received.clone()
    }

    /// Every login attempt, in order.
    pub fn logins(&self) -> Vec<LoginRecord> {
        self.shared.state().logins.clone()
    }

    /// When each connection was accepted, in order.
    pub fn connection_times(&self) -> Vec<Instant> {
        self.shared.state().accepted_at.clone()
    }

    /// Connections currently open.
    pub fn live_connections(&self) -> usize {
        self.shared.state().live.len()
    }

    /// Waits until `check` holds on the server's state, or fails after `timeout`.
    pub(crate) async fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&State) -> bool,
    ) -> Result<(), TestkitError> {
        let mut rx = self.shared.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if check(&self.shared.state()) {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                _ => {
                    return if check(&self.shared.state()) {
                        Ok(())
                    } else {
                        Err(TestkitError::Timeout(what.to_string()))
                    }
                }
            }
        }
    }

    /// Waits until at least `n` logins were accepted in total.
    pub async fn wait_for_logins(&self, n: usize, timeout: Duration) -> Result<(), TestkitError> {
        self.wait_until(&format!("{n} accepted logins"), timeout, |st| {
            st.logins.iter().filter(|l| l.accepted).count() >= n
        })
        .await
    }

    /// Waits until at least `n` connections were accepted in total.
    pub async fn wait_for_connections(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<(), TestkitError> {
        self.wait_until(&format!("{n} connections"), timeout, |st| {
            st.accepted_at.len() >= n
        })
        .await
    }

    /// Waits until clients sent at least `n` nodes matching `pred`.
    pub async fn wait_for_nodes(
        &self,
        n: usize,
        timeout: Duration,
        pred: impl Fn(&Node) -> bool,
    ) -> Result<(), TestkitError> {
        self.wait_until(&format!("{n} matching nodes"), timeout, |st| {
            st.received.iter().filter(|(_, node)| pred(node)).count() >= n
        })
        .await
    }

    /// Waits until some client sent a node matching `pred`; returns the first such node.
    pub async fn wait_for_node(
        &self,
        timeout: Duration,
        pred: impl Fn(&Node) -> bool,
    ) -> Result<Node, TestkitError> {
        self.wait_until("a matching node", timeout, |st| {
            st.received.iter().any(|(_, n)| pred(n))
        })
        .await?;
        self.shared
            .state()
            .received
            .iter()
            .find(|(_, n)| pred(n))
            .map(|(_, n)| n.clone())
            .ok_or_else(|| TestkitError::Timeout("a matching node".into()))
    }
}
