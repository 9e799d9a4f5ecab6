//! The client role of the stanza layer: frames to nodes and back, iq ids with replies and
//! deadlines, answers to the server's pings, the keepalive, the end-of-connection stanzas and
//! the login outcome, and the ack rule for stanzas nobody needs to persist first.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::error::{BadFrame, EndReason, SendError};
use super::iq_table::IqTable;
use super::keepalive::{Keepalive, KeepaliveAction, KeepaliveConfig};
use crate::binary::{self, Node};
use crate::stanza::iq::{self, IqErrorReply, IqReply};
use crate::stanza::{ack, stream_error};

/// Settings of the client stanza layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StanzaConfig {
    /// Keepalive timing, started at login.
    pub keepalive: KeepaliveConfig,
}

/// What the stanza layer tells its driver.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StanzaEvent {
    /// `<success>` arrived: the device is logged in and the keepalive runs.
    LoggedIn(Box<Node>),
    /// A stanza for its owner. Acks the protocol wants at once are already queued; a
    /// `<message>` is acked by its owner once its state is stored.
    Stanza(Node),
    /// The reply to [`StanzaClient::send_iq`]'s request `id`.
    IqReply {
        /// The request id.
        id: String,
        /// The result node, or the server's error.
        result: Result<Node, IqErrorReply>,
    },
    /// No reply to request `id` before its deadline; a late reply is delivered as a stanza.
    IqTimedOut {
        /// The request id.
        id: String,
    },
    /// A frame that authenticated but did not decode; it was skipped.
    BadFrame(BadFrame),
    /// The connection is over; nothing more comes out but outbound frames already queued.
    Ended(EndReason),
}

/// The client side of a connection's stanza layer.
#[derive(Debug)]
pub struct StanzaClient {
    config: StanzaConfig,
    seed: u64,
    iqs: IqTable,
    keepalive: Option<Keepalive>,
    /// Id of the keepalive ping in flight (kept apart from callers' iqs).
    ping_id: Option<String>,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<StanzaEvent>,
    ended: bool,
}

impl StanzaClient {
    /// A stanza layer for one connection. `seed` is random: it makes the iq id prefix and the
    /// keepalive jitter.
    pub fn new(config: StanzaConfig, seed: u64) -> Self {
        let b = seed.to_le_bytes();
        Self {
            config,
            seed,
            iqs: IqTable::new([b[0], b[1]]),
            keepalive: None,
            ping_id: None,
            out: VecDeque::new(),
            events: VecDeque::new(),
            ended: false,
        }
    }

    /// Whether the connection ended.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Whether `<success>` arrived.
    pub fn is_logged_in(&self) -> bool {
        self.keepalive.is_some()
    }

    /// Requests waiting for a reply.
    pub fn pending_iqs(&self) -> usize {
        self.iqs.len()
    }

    fn end(&mut self, reason: EndReason) {
        if !self.ended {
            self.ended = true;
            self.iqs.drain();
            self.ping_id = None;
            self.events.push_back(StanzaEvent::Ended(reason));
        }
    }

    /// One decrypted frame from the Noise layer.
    pub fn handle_frame(&mut self, now: Instant, plain: &[u8]) {
        if self.ended {
            return;
        }
        match binary::unpack(plain) {
            Ok(node) => self.on_node(now, node),
            Err(error) => self.events.push_back(StanzaEvent::BadFrame(BadFrame {
                len: plain.len(),
                error,
            })),
        }
    }

    fn on_node(&mut self, now: Instant, node: Node) {
        if let Some((id, reply)) = iq::parse_reply(&node) {
            if self.ping_id.as_deref() == Some(id.as_str()) {
                self.ping_id = None;
                if let Some(k) = &mut self.keepalive {
                    k.on_answer(now);
                }
                return;
            }
            if self.iqs.answer(&id) {
                let result = match reply {
                    IqReply::Result => Ok(node),
                    IqReply::Error(e) => Err(e),
                };
                self.events.push_back(StanzaEvent::IqReply { id, result });
                return;
            }
        }
        if iq::is_server_ping(&node) {
            if let Some(pong) = iq::result_for(&node) {
                let _ = self.queue(&pong);
            }
            return;
        }
        if let Some(classified) = stream_error::classify(&node) {
            let reason = match classified {
                Ok(outcome) => EndReason::Server {
                    outcome,
                    node: Box::new(node),
                },
                Err(error) => EndReason::UnreadableEnd {
                    tag: node.tag.to_string(),
                    error,
                },
            };
            self.end(reason);
            return;
        }
        if node.tag == "success" {
            if self.keepalive.is_none() {
                self.keepalive = Some(Keepalive::new(self.config.keepalive, self.seed, now));
            }
            self.events.push_back(StanzaEvent::LoggedIn(Box::new(node)));
            return;
        }
        // A `<message>` is acked by its owner after its state is stored: acking here would
        // lose it to a crash in between. Nothing else needs storing before the ack.
        if node.tag != "message" {
            if let Some(ack) = ack::ack_for(&node) {
                let _ = self.queue(&ack);
            }
        }
        self.events.push_back(StanzaEvent::Stanza(node));
    }

    fn queue(&mut self, node: &Node) -> Result<(), SendError> {
        let frame = binary::try_pack(node)?;
        self.out.push_back(frame);
        Ok(())
    }

    /// Queues a stanza for the server.
    pub fn send(&mut self, node: &Node) -> Result<(), SendError> {
        if self.ended {
            return Err(SendError::Ended);
        }
        self.queue(node)
    }

    /// Queues an iq and waits for its reply until `now + timeout`. A missing or empty `id` is
    /// filled in; the id is returned so the driver can match the reply event.
    pub fn send_iq(
        &mut self,
        now: Instant,
        mut node: Node,
        timeout: Duration,
    ) -> Result<String, SendError> {
        if self.ended {
            return Err(SendError::Ended);
        }
        let id = match node.attr_str("id") {
            Some(id) if !id.is_empty() => id.into_owned(),
            _ => {
                let id = self.iqs.next_id();
                node.set_attr("id", id.clone());
                id
            }
        };
        self.queue(&node)?;
        self.iqs.insert(id.clone(), now + timeout);
        Ok(id)
    }

    /// The socket ended (after every frame it delivered was handled).
    pub fn handle_close(&mut self, reason: impl Into<String>) {
        self.end(EndReason::SocketClosed(reason.into()));
    }

    /// When [`handle_timeout`](Self::handle_timeout) is due next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.ended {
            return None;
        }
        let keepalive = self.keepalive.as_ref().map(Keepalive::deadline);
        match (self.iqs.next_deadline(), keepalive) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Time passed: late iqs time out, the keepalive pings or counts a miss.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.ended {
            return;
        }
        for id in self.iqs.expire(now) {
            self.events.push_back(StanzaEvent::IqTimedOut { id });
        }
        let Some(k) = &mut self.keepalive else {
            return;
        };
        match k.on_timeout(now) {
            KeepaliveAction::Ping => {
                let id = self.iqs.next_id();
                self.ping_id = Some(id.clone());
                let _ = self.queue(&iq::keepalive_ping(id));
            }
            KeepaliveAction::Missed { misses } => {
                self.ping_id = None;
                if self.keepalive.as_ref().is_some_and(Keepalive::is_dead) {
                    self.end(EndReason::KeepaliveTimeout { misses });
                }
            }
            KeepaliveAction::Idle => {}
        }
    }

    /// The next plaintext frame for the Noise layer.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    /// The next event for the driver.
    pub fn poll_event(&mut self) -> Option<StanzaEvent> {
        self.events.pop_front()
    }
}
