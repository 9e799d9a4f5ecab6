//! Group commit on the receive path. Each `<message>` is worked out at once, in mailbox
//! order, against the [`Staged`](super::super::staged::Staged) view (so it sees the writes of
//! the stanzas before it); its writes, events, replies and backpressure ticket join the open
//! batch. The batch is committed in one transaction when it reaches `max_batch` stanzas or
//! when the `Flush` the first stanza queued behind itself comes up, whichever is first; only
//! then are its events published and its receipts and acks sent, in stanza order.
//!
//! Under load many stanzas wait ahead of that `Flush`, so batches grow with the backlog (up
//! to the cap, and never past the backpressure mark: every staged stanza still holds its
//! ticket). A lone stanza finds its `Flush` right behind it, so it is not held back.
//! Nothing is acked before it is durable: a crash or store failure mid-batch loses the
//! whole batch unacked, the server redelivers it, and the processed ids of any batch that
//! did commit mark its stanzas as duplicates.

use ractor::{ActorProcessingErr, ActorRef};
use wa_protocol::binary::Node;

use super::super::inbound::{handle_message, Ctx, OutcomeKind};
use super::{SignalMsg, SignalState};
use crate::events::Event;
use crate::link::FlowTicket;

/// What the open batch will publish and send once it commits.
#[derive(Default)]
pub(super) struct Open {
    events: Vec<Event>,
    replies: Vec<Node>,
    tickets: Vec<FlowTicket>,
    app_state: bool,
    history: bool,
    /// A `Flush` is in the mailbox.
    pub(super) flush_queued: bool,
}

impl Open {
    fn stanzas(&self) -> usize {
        self.tickets.len()
    }
}

impl SignalState {
    /// Whether a stanza arriving now may come from the connection a failed predecessor was
    /// on. A Signal actor is only ever started with a connection live when its predecessor
    /// died, and then the client renews that connection. Until the new one is live, the old
    /// one's Router still delivers the stanzas after the lost batch; decrypting them now
    /// would publish them before the lost ones, which come again only on the new connection.
    /// So they are dropped unacked and come again too, in order.
    fn fenced(&mut self) -> bool {
        let Some(fence) = self.fence else {
            return false;
        };
        match self.args.live.generation() {
            Some(g) if g != fence => {
                self.fence = None;
                false
            }
            _ => true,
        }
    }

    /// Works out one `<message>` and adds it to the open batch.
    pub(super) async fn on_message(
        &mut self,
        myself: &ActorRef<SignalMsg>,
        node: Node,
        ticket: FlowTicket,
    ) -> Result<(), ActorProcessingErr> {
        if self.fenced() {
            tracing::debug!(parent: &self.args.span, "stanza of the connection being renewed; left for redelivery");
            return Ok(());
        }
        let Some(device) = self.args.identity.get() else {
            return Err("no device identity".into());
        };
        let mut ctx = Ctx {
            store: &self.staged,
            account: &self.args.account_id,
            device: &device,
            retries: &mut self.retries,
            max_retry_prekeys: self.args.retention.max_retry_prekeys,
            failures: &mut self.failures,
            clock: self.started.elapsed(),
            decoded: &mut self.decoded,
        };
        // A store failure fails this actor: StateSup restarts it and asks for a new
        // connection, so every un-acked stanza of the batch is delivered again.
        let outcome = handle_message(&mut ctx, &node)
            .await
            .map_err(|e| format!("store: {e}"))?;
        let c = &self.args.counters;
        match outcome.kind {
            OutcomeKind::Delivered => c.message_in(),
            OutcomeKind::Duplicate => c.duplicate(),
            OutcomeKind::Undecryptable => c.undecryptable(),
            OutcomeKind::Malformed => c.malformed(),
            OutcomeKind::Dropped => {}
        }
        if outcome.unverified_identity {
            c.unverified_identity();
        }
        self.staged.stage(outcome.batch);
        if let Some(delay) = self.trim.used(std::time::Instant::now()) {
            myself.send_after(delay, || SignalMsg::Trim);
        }
        let open = &mut self.open;
        open.events.extend(outcome.events);
        // Even a duplicate's ack waits: its first copy may be in this very batch.
        open.replies.extend(outcome.replies);
        open.tickets.push(ticket);
        open.app_state |= outcome.app_state_keys > 0;
        open.history |= outcome.history;
        if open.stanzas() >= self.args.max_batch.max(1) {
            return self.commit().await;
        }
        if !open.flush_queued {
            open.flush_queued = myself.send_message(SignalMsg::Flush).is_ok();
            if !open.flush_queued {
                return self.commit().await;
            }
        }
        Ok(())
    }

    /// A trim tick: drops the decoded records once no stanza came for a while.
    pub(super) fn on_trim(&mut self, myself: &ActorRef<SignalMsg>) {
        match self.trim.tick(std::time::Instant::now()) {
            super::super::decoded::Tick::Clear => {
                if !self.decoded.is_empty() {
                    tracing::trace!(parent: &self.args.span, "receive idle; decoded records dropped");
                }
                self.decoded.clear();
            }
            super::super::decoded::Tick::Rearm(delay) => {
                myself.send_after(delay, || SignalMsg::Trim);
            }
        }
    }

    /// Commits the open batch, if any, then publishes and sends what it held.
    pub(super) async fn commit(&mut self) -> Result<(), ActorProcessingErr> {
        if self.open.stanzas() == 0 {
            return Ok(());
        }
        let flush_queued = self.open.flush_queued;
        let open = std::mem::replace(
            &mut self.open,
            Open {
                flush_queued,
                ..Open::default()
            },
        );
        let batch = self.staged.take();
        let broadcaster = self.args.broadcaster.clone();
        let live = self.args.live.clone();
        let app_state = open.app_state.then(|| self.args.app_state.clone());
        let history = open.history.then(|| self.args.history.clone());
        let Open {
            events,
            replies,
            tickets,
            ..
        } = open;
        let deliver = move || {
            if let Some(a) = app_state {
                a.send(crate::appstate::AppStateMsg::KeysStored);
            }
            if let Some(h) = history {
                h.send(crate::history::HistoryMsg::Wake);
            }
            for event in events {
                if !broadcaster.publish(event) {
                    tracing::warn!("broadcaster registry closed; event dropped");
                }
            }
            // One write for the batch's receipts and acks, not one per reply.
            if !replies.is_empty() {
                if let Err(e) = live.send_all(replies) {
                    tracing::debug!(error = %e, "replies not sent; the server will redeliver");
                }
            }
            // The places in the inbound queue are given back only now: the backlog in
            // memory stays under the mark until it is durable.
            drop(tickets);
        };
        if batch.is_empty() {
            deliver();
        } else {
            // Stored and published as one step: a crash (even this actor being killed while
            // it waits) can never leave a message marked processed but unpublished.
            self.args
                .store
                .apply_then(&self.args.account_id, batch, Box::new(deliver))
                .await
                .map_err(|e| format!("store: {e}"))?;
        }
        self.pruner
            .run_if_due(
                &*self.args.store,
                &self.args.account_id,
                chrono::Utc::now(),
                std::time::Instant::now(),
            )
            .await;
        Ok(())
    }
}
