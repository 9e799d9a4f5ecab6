//! Names of the generic keyed tables.

use serde::Serialize;

/// A keyed table inside a store. New kinds of data get a new constant; the storage schema
/// does not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Namespace(pub &'static str);

impl Namespace {
    /// Signal sessions, keyed by the remote address (`user.device`).
    pub const SESSIONS: Self = Self("signal_sessions");
    /// Remote identity keys (the raw 32-byte public key), keyed by the remote Signal address
    /// (`wa_protocol::signal::signal_address`).
    pub const IDENTITIES: Self = Self("signal_identities");
    /// One-time prekeys, keyed by prekey id (big-endian u32).
    pub const PRE_KEYS: Self = Self("signal_prekeys");
    /// Markers (empty values) of the one-time prekeys minted for retry receipts, keyed like
    /// [`Namespace::PRE_KEYS`]; they let the oldest be evicted to bound their number.
    pub const RETRY_PRE_KEYS: Self = Self("signal_retry_prekeys");
    /// Signed prekeys beyond the current one, keyed by id.
    pub const SIGNED_PRE_KEYS: Self = Self("signal_signed_prekeys");
    /// Counters of our own Signal state (e.g. `next_prekey_id`, big-endian u32).
    pub const SIGNAL_META: Self = Self("signal_meta");
    /// Group sender keys, keyed by group and sender address.
    pub const SENDER_KEYS: Self = Self("signal_sender_keys");
    /// Which member devices hold our own sender key of a group, keyed by group JID: the key
    /// id (big-endian u32), then one Signal address per line (`state::encrypt_group`).
    pub const SENDER_KEY_SHARED: Self = Self("signal_sender_key_shared");
    /// App-state sync keys shared by the primary device, keyed by key id.
    pub const APP_STATE_KEYS: Self = Self("appstate_keys");
    /// App-state collection versions and LTHash, keyed by collection name.
    pub const APP_STATE_VERSIONS: Self = Self("appstate_versions");
    /// App-state mutation MACs, keyed by collection and index MAC.
    pub const APP_STATE_MUTATION_MACS: Self = Self("appstate_mutation_macs");
    /// Ids of processed inbound messages, for de-duplication after redelivery.
    pub const PROCESSED_MESSAGES: Self = Self("processed_messages");
    /// The last messages we sent (for answering retry receipts), keyed by a big-endian
    /// sequence number.
    pub const SENT_MESSAGES: Self = Self("sent_messages");
    /// Contact names learned from app state and history.
    pub const CONTACTS: Self = Self("contacts");
    /// LID ↔ phone-number pairs, both ways: `pn:<user>` → LID user, `lid:<user>` → phone
    /// user (the directory's `LidMap`).
    pub const LID_MAP: Self = Self("lid_map");
    /// History-sync notifications decrypted and acked but not yet processed, keyed by
    /// arrival (`<timestamp>:<message id>:<index>`); written in the Signal actor's batch.
    pub const HISTORY_PENDING: Self = Self("history_pending");
    /// History chunks already published, keyed by the blob's SHA-256 (the message id when
    /// there is none); the value is the announcing message's id.
    pub const HISTORY_DONE: Self = Self("history_done");
    /// What history sync brought besides chats (`global_settings`: the encoded
    /// `GlobalSettings`).
    pub const HISTORY_META: Self = Self("history_meta");
    /// Message secrets (`messageSecret`, for poll votes and encrypted reactions), keyed by
    /// `chat \0 sender \0 message id` (non-AD JIDs as strings).
    pub const MESSAGE_SECRETS: Self = Self("message_secrets");
    /// Cached usync device lists, keyed by user JID (the directory's format, versioned).
    pub const DEVICE_LISTS: Self = Self("device_lists");

    /// The table name as stored.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}
