//! What tests see of the delivery queue, and what the server does with the client's acks and
//! receipts.

use std::time::Duration;

use wa_protocol::binary::{Jid, Node};
use wa_protocol::message::OwnJids;
use wa_protocol::stanza::receipt::{IncomingReceipt, ReceiptKind, RetryRequest};

use crate::envelope::MessageId;
use crate::error::TestkitError;
use crate::faults::{FaultEvent, FaultPlan};
use crate::queue::{is_queued_tag, Delivery};
use crate::retry::resend;
use crate::server::FakeServer;
use crate::state::{DeviceKey, State};

/// A `<receipt>` one of our devices sent (for a contact's message).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientReceipt {
    /// The connection it came on.
    pub connection: u64,
    /// The device that sent it.
    pub device: Jid,
    /// The receipt type.
    pub kind: ReceiptKind,
    /// The message ids it names (`id`, then `<list><item id>`s).
    pub message_ids: Vec<String>,
    /// The `<retry>` request of a retry receipt, with the bundle from `<keys>` if any.
    pub retry: Option<RetryRequest>,
    /// The stanza as received.
    pub node: Node,
}

/// Reads a receipt the client sent: the protocol parser expects the receiving side's `from`,
/// so the client's `to` (the chat it answers) stands in for it.
pub(crate) fn parse_client_receipt(
    st: &State,
    conn: u64,
    device: DeviceKey,
    node: &Node,
) -> Option<ClientReceipt> {
    let entry = st.devices.get(&device)?;
    let own = OwnJids {
        pn: entry.jid.clone(),
        lid: Some(entry.lid.clone()),
    };
    let mut as_incoming = node.clone();
    as_incoming.set_attr("from", node.attr("to")?.clone());
    let parsed = IncomingReceipt::parse(&as_incoming, &own)
        .ok()
        .and_then(|mut all| (!all.is_empty()).then(|| all.swap_remove(0)));
    let (kind, message_ids, retry) = match parsed {
        Some(r) => (r.kind, r.message_ids, r.retry),
        // Malformed: keep what we can so a test can still see it.
        None => (
            ReceiptKind::from_wire(node.attr_str("type").as_deref()),
            node.attr_str("id")
                .map(|s| s.into_owned())
                .into_iter()
                .collect(),
            None,
        ),
    };
    Some(ClientReceipt {
        connection: conn,
        device: entry.jid.clone(),
        kind,
        message_ids,
        retry,
        node: node.clone(),
    })
}

/// Handles a client's `<ack>` or `<receipt>` (everything else is only recorded).
pub(crate) fn on_client_stanza(st: &mut State, conn: u64, device: DeviceKey, node: &Node) {
    match node.tag.as_ref() {
        "ack" if st.queue.ack(device, node).is_none() => {
            tracing::debug!(%node, "ack for nothing queued");
            st.unmatched_acks.push(node.clone());
        }
        "receipt" => {
            let Some(receipt) = parse_client_receipt(st, conn, device, node) else {
                return;
            };
            let retry = receipt.retry.clone();
            // A retry asks for the message again; every other kind says it arrived.
            if retry.is_none() && receipt.kind != ReceiptKind::Retry {
                st.queue.receipt(device, &receipt.message_ids);
            }
            st.client_receipts.push(receipt);
            crate::outgoing::route_receipt(st, device, node);
            if let Some(retry) = retry {
                if let Err(e) = resend(st, device, &retry) {
                    tracing::debug!(error = %e, id = %retry.message_id, "no re-send");
                }
            }
        }
        _ => {}
    }
}

impl FakeServer {
    /// Queues `node` for device `jid` as if a contact had sent it (ciphertext made
    /// elsewhere, or a deliberately odd stanza). `message`, `receipt`, `notification` and
    /// `call` stanzas wait in the queue until acked; any other tag is sent to the device's
    /// live connections only. Returns the queue number, or `None` when not queued.
    pub fn deliver_raw(&self, jid: &Jid, node: Node) -> Result<Option<u64>, TestkitError> {
        let seq = {
            let mut st = self.shared.state();
            let device = st
                .device_key(jid)
                .ok_or_else(|| TestkitError::UnknownDevice(jid.clone()))?;
            if is_queued_tag(&node.tag) {
                Some(st.enqueue(device, node))
            } else {
                st.send_live(device, &node);
                None
            }
        };
        self.shared.notify();
        Ok(seq)
    }

    /// Every stanza ever queued, in queue order.
    pub fn deliveries(&self) -> Vec<Delivery> {
        let st = self.shared.state();
        st.queue.iter().map(|e| e.delivery.clone()).collect()
    }

    /// Queued stanza number `seq`.
    pub fn delivery(&self, seq: u64) -> Option<Delivery> {
        let st = self.shared.state();
        st.queue.get(seq).map(|e| e.delivery.clone())
    }

    /// The stanzas queued for device `jid` and not acked yet, oldest first.
    pub fn pending_messages(&self, jid: &Jid) -> Vec<Delivery> {
        let st = self.shared.state();
        let Some(device) = st.device_key(jid) else {
            return Vec::new();
        };
        st.queue
            .pending(device)
            .map(|e| e.delivery.clone())
            .collect()
    }

    /// Every queued stanza with message id `id` (one per device, plus re-sends).
    pub fn deliveries_of(&self, id: &MessageId) -> Vec<Delivery> {
        let st = self.shared.state();
        st.queue
            .iter()
            .filter(|e| e.delivery.id == id.0)
            .map(|e| e.delivery.clone())
            .collect()
    }

    /// True when stanzas with id `id` were queued and every one of them was acked.
    pub fn acked(&self, id: &MessageId) -> bool {
        let all = self.deliveries_of(id);
        !all.is_empty() && all.iter().all(Delivery::is_acked)
    }

    /// Acks our devices sent that matched nothing queued (wrong id, class, `to` or
    /// `participant`), in arrival order: a well-behaved client has none.
    pub fn unmatched_acks(&self) -> Vec<Node> {
        self.shared.state().unmatched_acks.clone()
    }

    /// Every receipt our devices sent, in arrival order.
    pub fn receipts(&self) -> Vec<ClientReceipt> {
        self.shared.state().client_receipts.clone()
    }

    /// The receipts our devices sent that name message `id`.
    pub fn receipts_for(&self, id: &MessageId) -> Vec<ClientReceipt> {
        let st = self.shared.state();
        st.client_receipts
            .iter()
            .filter(|r| r.message_ids.contains(&id.0))
            .cloned()
            .collect()
    }

    /// Waits until at least `n` queued stanzas (server-wide) are acked.
    pub async fn wait_for_acks(&self, n: usize, timeout: Duration) -> Result<(), TestkitError> {
        self.wait_until(&format!("{n} acked stanzas"), timeout, |st| {
            st.queue.acked_count() >= n
        })
        .await
    }

    /// Waits until device `jid` has nothing left to ack.
    pub async fn wait_for_empty_queue(
        &self,
        jid: &Jid,
        timeout: Duration,
    ) -> Result<(), TestkitError> {
        self.wait_until(&format!("{jid}'s queue to empty"), timeout, |st| {
            st.device_key(jid).is_some_and(|d| st.queue.is_empty_for(d))
        })
        .await
    }

    /// Waits until our devices sent at least `n` receipts matching `pred`.
    pub async fn wait_for_receipts(
        &self,
        n: usize,
        timeout: Duration,
        pred: impl Fn(&ClientReceipt) -> bool,
    ) -> Result<(), TestkitError> {
        self.wait_until(&format!("{n} matching receipts"), timeout, |st| {
            st.client_receipts.iter().filter(|r| pred(r)).count() >= n
        })
        .await
    }

    /// Whether a login that finds nothing queued still gets `<ib><offline count="0"/>` (on
    /// by default, as the real server sends it after every login).
    pub fn set_empty_offline_marker(&self, send: bool) {
        self.shared.state().behaviour.empty_offline_marker = send;
    }

    /// Drops client sockets while delivering queued stanzas, as `plan` decides (replacing
    /// any earlier plan and forgetting its drops). `None` stops dropping.
    pub fn set_fault_plan(&self, plan: Option<FaultPlan>) {
        let mut st = self.shared.state();
        st.faults.plan = plan;
        st.faults.events.clear();
    }

    /// The drops the fault plan made, in order.
    pub fn fault_events(&self) -> Vec<FaultEvent> {
        self.shared.state().faults.events.clone()
    }

    /// Drops the sender's socket at seeded points while clients send messages: before the
    /// server reads a `<message>` (it is lost; [`DropPoint::BeforeSend`]) or after it fanned
    /// the message out but before the ack (the ack is lost; [`DropPoint::AfterSend`]). The
    /// sequence number is the count of client messages seen. `None` turns it off.
    pub fn set_send_fault_plan(&self, plan: Option<FaultPlan>) {
        let mut st = self.shared.state();
        st.send_faults.plan = plan;
        st.send_faults.events.clear();
    }

    /// The drops the send fault plan made, in order.
    pub fn send_fault_events(&self) -> Vec<FaultEvent> {
        self.shared.state().send_faults.events.clone()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use wa_protocol::crypto::PublicKey;

    use super::*;
    use crate::state::DeviceEntry;

    fn state_with_device() -> (State, DeviceKey) {
        let mut st = State::new(0);
        let key = (15_550_000_001, 1);
        st.devices.insert(
            key,
            DeviceEntry {
                noise_key: PublicKey([0; 32]),
                jid: Jid::pn("15550000001").with_device(1),
                lid: Jid::lid("115550000001").with_device(1),
            },
        );
        (st, key)
    }

    fn attr_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("15550000002@s.whatsapp.net".to_owned()),
            Just("120363000000000001@g.us".to_owned()),
            Just("retry".to_owned()),
            Just("message".to_owned()),
            "[ -~]{0,12}",
        ]
    }

    fn child() -> impl Strategy<Value = Node> {
        (
            prop_oneof![
                Just("retry"),
                Just("registration"),
                Just("keys"),
                Just("list"),
                Just("item")
            ],
            proptest::collection::vec(
                (
                    prop_oneof![Just("id"), Just("count"), Just("t")],
                    attr_value(),
                ),
                0..3,
            ),
            proptest::collection::vec(any::<u8>(), 0..8),
        )
            .prop_map(|(tag, attrs, bytes)| {
                let mut b = Node::build(tag);
                for (k, v) in attrs {
                    b = b.attr(k, v);
                }
                b.bytes(bytes).finish()
            })
    }

    proptest! {
        /// Whatever acks and receipts a client sends, the server records them and never
        /// panics; a stray ack changes nothing queued.
        #[test]
        fn hostile_acks_and_receipts_never_panic(
            tag in prop_oneof![Just("ack"), Just("receipt")],
            attrs in proptest::collection::vec(
                (prop_oneof![Just("id"), Just("to"), Just("class"), Just("type"), Just("participant")],
                 attr_value()),
                0..5,
            ),
            children in proptest::collection::vec(child(), 0..4),
        ) {
            let (mut st, device) = state_with_device();
            st.enqueue(device, Node::build("message").attr("id", "3EB0KEEP").finish());
            let stray = st.unmatched_acks.len();
            let mut b = Node::build(tag);
            for (k, v) in attrs {
                b = b.attr(k, v);
            }
            let node = b.children(children).finish();
            on_client_stanza(&mut st, 1, device, &node);
            let kept = st.queue.pending(device).count();
            prop_assert!(kept <= 1);
            prop_assert!(st.unmatched_acks.len() <= stray + 1);
            if kept == 0 {
                let id = node.attr_str("id").map(|s| s.into_owned());
                prop_assert_eq!(id.as_deref(), Some("3EB0KEEP"));
            }
        }
    }
}
