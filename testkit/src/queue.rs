//! The per-device delivery queue: every `<message>`, `<receipt>`, `<notification>` and
//! `<call>` the server sends a device stays queued until the device acks it, as on the real
//! server. A logged-in device gets new stanzas at once; one that logs in gets its whole queue
//! first, between `<ib><offline_preview/>` and `<ib><offline/>`; a dropped connection leaves
//! un-acked stanzas queued, and the next login delivers them again, byte for byte.

use std::collections::{BTreeSet, HashMap};

use wa_protocol::binary::{Jid, Node};
use wa_protocol::stanza::ack::ACKED_TAGS;

use crate::connection::Command;
use crate::state::{DeviceKey, State};

/// One stanza the server queued for one of our devices, and what happened to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Queue number, server-wide, in enqueue order (from 1).
    pub seq: u64,
    /// The device it is for (phone-number JID with device).
    pub to: Jid,
    /// The stanza's tag, which its ack names as `class`.
    pub class: String,
    /// The stanza's `id` (a re-sent message keeps its id, so several deliveries may share one).
    pub id: String,
    /// The stanza as queued; every delivery writes these same bytes.
    pub node: Node,
    /// How many times it was written to a socket.
    pub deliveries: u32,
    /// How many acks the device sent for it (more than one means a duplicate ack).
    pub acks: u32,
    /// The device sent a receipt for it (delivery, read, …): like an ack, that takes it off
    /// the queue, as the real server does (server.md §3).
    pub receipted: bool,
}

impl Delivery {
    /// True once the device acked it.
    pub fn is_acked(&self) -> bool {
        self.acks > 0
    }

    /// True once it is off the queue: acked or receipted.
    pub fn is_done(&self) -> bool {
        self.is_acked() || self.receipted
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub device: DeviceKey,
    /// Delivery attempts decided so far, drops included (the fault plan's input).
    pub attempts: u32,
    pub delivery: Delivery,
}

/// Every queued stanza, acked or not, by `seq - 1`, with the indexes that keep an ack, a
/// receipt and a login's queue lookup independent of how much was ever queued: a bench that
/// pushes hundreds of thousands of stanzas through one server must not measure the fake
/// server's scans.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    entries: Vec<Entry>,
    /// The seqs queued for one device under one stanza id, in queue order.
    by_id: HashMap<(DeviceKey, String), Vec<u64>>,
    /// Each device's seqs not acked or receipted yet.
    pending: HashMap<DeviceKey, BTreeSet<u64>>,
    /// How many entries were acked at least once.
    acked: usize,
}

/// Whether stanzas with this tag are queued until acked (the others are sent live only).
pub(crate) fn is_queued_tag(tag: &str) -> bool {
    ACKED_TAGS.contains(&tag)
}

impl Queue {
    fn index(seq: u64) -> Option<usize> {
        usize::try_from(seq).ok()?.checked_sub(1)
    }

    pub fn get(&self, seq: u64) -> Option<&Entry> {
        self.entries.get(Self::index(seq)?)
    }

    /// Every entry, in queue order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// How many entries were acked at least once.
    pub fn acked_count(&self) -> usize {
        self.acked
    }

    /// Appends a stanza for `device`; returns its seq.
    fn push(&mut self, device: DeviceKey, delivery: Delivery) -> u64 {
        let seq = delivery.seq;
        self.by_id
            .entry((device, delivery.id.clone()))
            .or_default()
            .push(seq);
        self.pending.entry(device).or_default().insert(seq);
        self.entries.push(Entry {
            device,
            attempts: 0,
            delivery,
        });
        seq
    }

    /// The next free seq.
    fn next_seq(&self) -> u64 {
        self.entries.len() as u64 + 1
    }

    /// Starts a delivery of `seq`: counts the attempt and returns the attempt number, the
    /// stanza and its id; `None` if there is no such entry or it is off the queue already.
    pub fn attempt(&mut self, seq: u64) -> Option<(u32, Node, String)> {
        let entry = self.entries.get_mut(Self::index(seq)?)?;
        if entry.delivery.is_done() {
            return None;
        }
        let attempt = entry.attempts;
        entry.attempts += 1;
        Some((
            attempt,
            entry.delivery.node.clone(),
            entry.delivery.id.clone(),
        ))
    }

    /// Counts a delivery of `seq` that reached a socket.
    pub fn delivered(&mut self, seq: u64) {
        if let Some(entry) = Self::index(seq).and_then(|i| self.entries.get_mut(i)) {
            entry.delivery.deliveries += 1;
        }
    }

    /// Un-acked stanzas of `device`, oldest first.
    pub fn pending(&self, device: DeviceKey) -> impl Iterator<Item = &Entry> {
        self.pending
            .get(&device)
            .into_iter()
            .flatten()
            .filter_map(|seq| self.get(*seq))
    }

    /// Whether `device` has nothing left on the queue.
    pub fn is_empty_for(&self, device: DeviceKey) -> bool {
        self.pending.get(&device).is_none_or(BTreeSet::is_empty)
    }

    /// Takes `seq` off its device's pending set once it is done.
    fn settle(&mut self, seq: u64) {
        let Some(entry) = self.get(seq) else {
            return;
        };
        if entry.delivery.is_done() {
            let device = entry.device;
            if let Some(set) = self.pending.get_mut(&device) {
                set.remove(&seq);
            }
        }
    }

    /// Applies an ack from `device`: the oldest un-acked stanza with that class and id, or
    /// else (a duplicate ack) the newest acked one. As on the real server, the ack must also
    /// name the stanza's sender: `to` equal to its `from`, and its `participant` when it has
    /// one. Returns the seq; `None` for an ack that names nothing queued.
    pub fn ack(&mut self, device: DeviceKey, ack: &Node) -> Option<u64> {
        let class = ack.attr_str("class")?;
        let id = ack.attr_str("id")?;
        let to = ack.attr_jid("to");
        let participant = ack.attr_jid("participant");
        let matches = |e: &Entry| {
            let node = &e.delivery.node;
            e.delivery.class == class
                && node.attr_jid("from").is_none_or(|from| Some(from) == to)
                && node
                    .attr_jid("participant")
                    .is_none_or(|p| Some(p) == participant)
        };
        let seqs = self.by_id.get(&(device, id.into_owned()))?;
        let candidates = || seqs.iter().filter_map(|s| self.get(*s));
        let seq = candidates()
            .find(|e| matches(e) && !e.delivery.is_acked())
            .or_else(|| candidates().rfind(|e| matches(e)))?
            .delivery
            .seq;
        let entry = self.entries.get_mut(Self::index(seq)?)?;
        if entry.delivery.acks == 0 {
            self.acked += 1;
        }
        entry.delivery.acks += 1;
        self.settle(seq);
        Some(seq)
    }

    /// Takes `device`'s queued messages with these ids off the queue (a receipt names the
    /// messages it answers by id); returns how many.
    pub fn receipt(&mut self, device: DeviceKey, ids: &[String]) -> usize {
        let mut n = 0;
        for id in ids {
            let Some(seqs) = self.by_id.get(&(device, id.clone())) else {
                continue;
            };
            for seq in seqs.clone() {
                let Some(entry) = Self::index(seq).and_then(|i| self.entries.get_mut(i)) else {
                    continue;
                };
                if entry.delivery.class == "message" && !entry.delivery.receipted {
                    entry.delivery.receipted = true;
                    n += 1;
                    self.settle(seq);
                }
            }
        }
        n
    }
}

impl State {
    /// Queues `node` for `device` and tells its live connections to deliver it. Returns the
    /// seq.
    pub(crate) fn enqueue(&mut self, device: DeviceKey, node: Node) -> u64 {
        let seq = self.queue.next_seq();
        let to = self
            .devices
            .get(&device)
            .map(|d| d.jid.clone())
            .unwrap_or_else(|| {
                let (user, dev) = device;
                Jid::pn(user.to_string()).with_device(u16::try_from(dev).unwrap_or(u16::MAX))
            });
        let id = node
            .attr_str("id")
            .map(|s| s.into_owned())
            .unwrap_or_default();
        self.queue.push(
            device,
            Delivery {
                seq,
                to,
                class: node.tag.to_string(),
                id,
                node,
                deliveries: 0,
                acks: 0,
                receipted: false,
            },
        );
        for live in self.live.iter().filter(|l| l.device == Some(device)) {
            let _ = live.commands.send(Command::Deliver(seq));
        }
        seq
    }

    /// Sends `node` to `device`'s live connections only (presence, chatstate: the server
    /// does not queue them). Returns how many.
    pub(crate) fn send_live(&self, device: DeviceKey, node: &Node) -> usize {
        self.live
            .iter()
            .filter(|l| l.device == Some(device))
            .filter(|l| l.commands.send(Command::Node(node.clone(), false)).is_ok())
            .count()
    }
}

/// The counts of `<ib><offline_preview count message notification receipt appdata/>`.
pub(crate) fn offline_preview(pending: &[Node]) -> Node {
    let of = |tag: &str| pending.iter().filter(|n| n.tag == tag).count();
    Node::build("ib")
        .child(
            Node::build("offline_preview")
                .attr("count", pending.len().to_string())
                .attr("appdata", "0")
                .attr("message", of("message").to_string())
                .attr("notification", of("notification").to_string())
                .attr("receipt", of("receipt").to_string())
                .finish(),
        )
        .finish()
}

/// `<ib><offline count=N/></ib>`: the offline queue was delivered.
pub(crate) fn offline_done(count: usize) -> Node {
    Node::build("ib")
        .child(
            Node::build("offline")
                .attr("count", count.to_string())
                .finish(),
        )
        .finish()
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
