//! The server role of the stanza layer, for the fake server and the two-party tests: frames
//! to nodes and back, and the server's own pings to the client with their deadlines. What to
//! answer is the server's business; this layer only keeps the codec and the ping rule.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::error::{BadFrame, SendError};
use super::iq_table::IqTable;
use crate::binary::{self, Node};
use crate::stanza::iq::{self, IqType};

/// What the server's stanza layer tells its driver.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StanzaServerEvent {
    /// A stanza from the client.
    Stanza(Node),
    /// The client answered the server ping `id`.
    PingAnswered {
        /// The ping's id.
        id: String,
    },
    /// The client did not answer the server ping `id` in time.
    PingTimedOut {
        /// The ping's id.
        id: String,
    },
    /// A frame that did not decode; it was skipped.
    BadFrame(BadFrame),
}

/// The server side of a connection's stanza layer.
#[derive(Debug)]
pub struct StanzaServer {
    pings: IqTable,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<StanzaServerEvent>,
}

impl StanzaServer {
    /// A server stanza layer; `random` makes its ping ids.
    pub fn new(random: [u8; 2]) -> Self {
        Self {
            pings: IqTable::new(random),
            out: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// One decrypted frame from the client.
    pub fn handle_frame(&mut self, plain: &[u8]) {
        match binary::unpack(plain) {
            Ok(node) => {
                if let Some((id, _)) = iq::parse_reply(&node) {
                    if self.pings.answer(&id) {
                        self.events
                            .push_back(StanzaServerEvent::PingAnswered { id });
                        return;
                    }
                }
                self.events.push_back(StanzaServerEvent::Stanza(node));
            }
            Err(error) => self.events.push_back(StanzaServerEvent::BadFrame(BadFrame {
                len: plain.len(),
                error,
            })),
        }
    }

    /// Queues a stanza for the client.
    pub fn send(&mut self, node: &Node) -> Result<(), SendError> {
        self.out.push_back(binary::try_pack(node)?);
        Ok(())
    }

    /// Queues raw plaintext (flags byte and body) as it is: for tests that send frames that
    /// authenticate but do not decode.
    pub fn send_raw(&mut self, plain: Vec<u8>) {
        self.out.push_back(plain);
    }

    /// Pings the client (`<iq type="get" xmlns="urn:xmpp:ping">`), expecting an answer by
    /// `now + timeout`; returns the ping's id.
    pub fn ping(&mut self, now: Instant, timeout: Duration) -> Result<String, SendError> {
        let id = self.pings.next_id();
        let ping = Node::build("iq")
            .attr("id", id.clone())
            .attr("type", IqType::Get.as_str())
            .attr("xmlns", iq::SERVER_PING_XMLNS)
            .attr("from", iq::SERVER)
            .finish();
        self.send(&ping)?;
        self.pings.insert(id.clone(), now + timeout);
        Ok(id)
    }

    /// When [`handle_timeout`](Self::handle_timeout) is due next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pings.next_deadline()
    }

    /// Time passed: unanswered pings time out.
    pub fn handle_timeout(&mut self, now: Instant) {
        for id in self.pings.expire(now) {
            self.events
                .push_back(StanzaServerEvent::PingTimedOut { id });
        }
    }

    /// The next plaintext frame for the Noise layer.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    /// The next event for the driver.
    pub fn poll_event(&mut self) -> Option<StanzaServerEvent> {
        self.events.pop_front()
    }
}
