//! Counters a user can read at any time (`Client::counters`), updated by the actors without
//! locks.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters of one client, shared by its actors.
#[derive(Debug, Default)]
pub struct Counters {
    nodes_in: AtomicU64,
    nodes_out: AtomicU64,
    connection_attempts: AtomicU64,
    connections: AtomicU64,
    reconnects: AtomicU64,
    failures: AtomicU64,
    actor_failures: AtomicU64,
    prekeys_uploaded: AtomicU64,
    messages_in: AtomicU64,
    duplicates: AtomicU64,
    undecryptable: AtomicU64,
    messages_out: AtomicU64,
    bad_frames: AtomicU64,
    malformed: AtomicU64,
    unverified_identities: AtomicU64,
    app_state_verify_failures: AtomicU64,
    app_state_recoveries: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CounterSnapshot {
    /// Stanzas received (after decryption and decoding).
    pub nodes_in: u64,
    /// Stanzas sent.
    pub nodes_out: u64,
    /// Connections started (socket + handshake attempts).
    pub connection_attempts: u64,
    /// Connections that reached `<success>`.
    pub connections: u64,
    /// Connections started after the first one (any cause, including 515 restarts).
    pub reconnects: u64,
    /// Connection ends counted as failures (they advance the backoff; 515 does not).
    pub failures: u64,
    /// Actors of a connection that failed (error or panic) and got their subtree restarted.
    pub actor_failures: u64,
    /// One-time prekeys uploaded to the server.
    pub prekeys_uploaded: u64,
    /// Inbound messages decrypted, persisted and published.
    pub messages_in: u64,
    /// Redelivered messages recognised by id and not published again.
    pub duplicates: u64,
    /// Inbound messages that could not be decrypted (a retry receipt was sent).
    pub undecryptable: u64,
    /// Stanzas the client sent on behalf of the application (receipts, presence).
    pub messages_out: u64,
    /// Frames that authenticated but did not decode (logged and skipped).
    pub bad_frames: u64,
    /// Stanzas that lacked what the protocol requires (answered with an error ack).
    pub malformed: u64,
    /// New sessions from a contact's companion device whose `<device-identity>` was missing
    /// or signed by a key not yet known as the account's primary (accepted, flagged here).
    pub unverified_identities: u64,
    /// App-state fetches that failed a MAC or LTHash check (nothing of them was applied).
    pub app_state_verify_failures: u64,
    /// App-state collections recovered by a refetch from a snapshot after a failed check.
    pub app_state_recoveries: u64,
    /// Inbound messages read but not yet finished by their owners (a gauge).
    pub inbound_queue: u64,
    /// The deepest the inbound queue has been.
    pub inbound_queue_peak: u64,
}

impl Counters {
    pub(crate) fn node_in(&self) {
        self.nodes_in.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn node_out(&self) {
        self.nodes_out.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn connection_attempt(&self) {
        self.connection_attempts.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn connected(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn reconnect(&self) {
        self.reconnects.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn failure(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn actor_failure(&self) {
        self.actor_failures.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn message_in(&self) {
        self.messages_in.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn duplicate(&self) {
        self.duplicates.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn undecryptable(&self) {
        self.undecryptable.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn message_out(&self) {
        self.messages_out.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn bad_frame(&self) {
        self.bad_frames.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn malformed(&self) {
        self.malformed.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn unverified_identity(&self) {
        self.unverified_identities.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn app_state_verify_failed(&self) {
        self.app_state_verify_failures
            .fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn app_state_recovered(&self) {
        self.app_state_recoveries.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn prekeys_uploaded(&self, n: u64) {
        self.prekeys_uploaded.fetch_add(n, Ordering::Relaxed);
    }

    /// Reads every counter, with the inbound queue gauge of `flow`.
    pub(crate) fn snapshot_with(&self, flow: &crate::link::Flow) -> CounterSnapshot {
        CounterSnapshot {
            inbound_queue: flow.depth() as u64,
            inbound_queue_peak: flow.peak() as u64,
            ..self.snapshot()
        }
    }

    /// Reads every counter (the queue gauge reads zero; `Client::counters` fills it in).
    pub fn snapshot(&self) -> CounterSnapshot {
        CounterSnapshot {
            nodes_in: self.nodes_in.load(Ordering::Relaxed),
            nodes_out: self.nodes_out.load(Ordering::Relaxed),
            connection_attempts: self.connection_attempts.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
            reconnects: self.reconnects.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            actor_failures: self.actor_failures.load(Ordering::Relaxed),
            prekeys_uploaded: self.prekeys_uploaded.load(Ordering::Relaxed),
            messages_in: self.messages_in.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            undecryptable: self.undecryptable.load(Ordering::Relaxed),
            messages_out: self.messages_out.load(Ordering::Relaxed),
            bad_frames: self.bad_frames.load(Ordering::Relaxed),
            malformed: self.malformed.load(Ordering::Relaxed),
            unverified_identities: self.unverified_identities.load(Ordering::Relaxed),
            app_state_verify_failures: self.app_state_verify_failures.load(Ordering::Relaxed),
            app_state_recoveries: self.app_state_recoveries.load(Ordering::Relaxed),
            inbound_queue: 0,
            inbound_queue_peak: 0,
        }
    }
}
